crate::declare_check! {
    /// ## What it checks
    /// That the task has a path to `ssmmessages.REGION.amazonaws.com`. With an interface VPC
    /// endpoint for `com.amazonaws.REGION.ssmmessages`, the endpoint must be `available` and
    /// have private DNS enabled, and the VPC must have both `enableDnsSupport` and
    /// `enableDnsHostnames` (otherwise the agent resolves the public name and needs the
    /// default route). `enableDnsSupport=false` is red on every path. A DHCP option set whose
    /// DNS servers leave out `AmazonProvidedDNS` is yellow on the endpoint path: the
    /// endpoint's name resolves only if those servers forward to the VPC resolver. Without an endpoint, the
    /// subnet's default route must lead out: a NAT gateway that exists, is `available` and
    /// whose own subnet's route table sends 0.0.0.0/0 to an internet gateway (a `blackhole`
    /// route, a deleted NAT gateway or a NAT gateway with no way out of its subnet is red), or
    /// an internet gateway together with a public IP on the task's interface (Fargate
    /// `assignPublicIp=ENABLED`; a task on EC2 with `awsvpc` never gets one). Transit gateway,
    /// peering, virtual private gateway and firewall routes are yellow: the doctor cannot see
    /// beyond that hop. When the route tables cannot be read, the original checker's heuristic
    /// applies and is labelled as one. A subnet shared from another account (RAM) is UNKNOWN:
    /// its owner holds the routes and endpoints, and so is an active default route to a NAT
    /// gateway this account cannot see. An ECS Anywhere task (launch type `EXTERNAL`, on a
    /// managed `mi-` instance) runs outside any VPC: this and the other network checks do not
    /// apply to it (the on-premises path is invisible to AWS APIs; `check --probe` verifies
    /// it).
    ///
    /// ## Why it matters
    /// The exec agent connects outbound to `ssmmessages` over HTTPS. No path means
    /// `TargetNotConnectedException`. Security groups (NW003), network ACLs (NW004) and the
    /// endpoint's own security group and policy (NW005) are checked separately.
    ///
    /// ## How to fix
    /// `aws ec2 create-vpc-endpoint --vpc-endpoint-type Interface --vpc-id VPC --service-name
    /// com.amazonaws.REGION.ssmmessages --subnet-ids SUBNET --security-group-ids SG
    /// --private-dns-enabled`, or a route to an available NAT gateway, or a public IP with an
    /// internet gateway route. `aws ec2 modify-vpc-attribute --enable-dns-hostnames` (and
    /// `--enable-dns-support`) for private DNS.
    ///
    /// ## References
    /// - ECS VPC endpoints for ECS Exec; amazon-ecs-exec-checker#46, #62, #72
    pub static CHECK = {
        code: "NW001",
        name: "ssmmessages-endpoint",
        category: Network,
        severity: Error,
        scope: Live,
        level: Task,
        summary: "The task's subnet reaches ssmmessages through a VPC endpoint or a default route",
        needs: [Task, Network, Interface],
        evaluate: evaluate,
    };
}

use super::path::{self, RouteOutcome};
use super::{endpoint_for, uses_interface_endpoints};
use crate::facts::{Facts, Unavailable};
use crate::outcome::{Finding, Fix, Verdict};

fn evaluate(f: &Facts<'_>) -> Result<Verdict, Unavailable> {
    if let Some(na) = super::outside_aws(f) {
        return Ok(na);
    }
    let task = f.task()?;
    let net = f.network()?;
    let region = &f.target().region;
    let create = Fix::new("create an interface endpoint for ssmmessages (or route the subnet through a NAT gateway)")
        .command(format!(
            "aws ec2 create-vpc-endpoint --vpc-endpoint-type Interface --vpc-id {} --service-name com.amazonaws.{region}.ssmmessages --subnet-ids {} --security-group-ids SG_ALLOWING_443_FROM_TASK --private-dns-enabled --region {region}",
            net.vpc_id, net.subnet_id
        ));
    let vpc_attribute = |flag: &str| {
        Fix::new(format!("turn on {flag} for VPC `{}`", net.vpc_id)).command(format!(
            "aws ec2 modify-vpc-attribute --vpc-id {} --{flag} --region {region}",
            net.vpc_id
        ))
    };
    if net.dns_support == Some(false) {
        return Ok(Verdict::Findings(vec![
            Finding::error(format!(
                "VPC `{}` has enableDnsSupport=false: the Amazon DNS server does not answer, so the agent cannot resolve ssmmessages",
                net.vpc_id
            ))
            .subject(net.vpc_id.clone())
            .fix(vpc_attribute("enable-dns-support")),
        ]));
    }
    let interface = f.interface();
    let route = || path::internet_route(net, task, interface.as_ref().map(|i| *i));
    if let Some(ep) = endpoint_for(net, region, "ssmmessages") {
        let state = ep.state.to_ascii_lowercase();
        if state != "available" {
            let finding = if state == "pending" || state == "pendingacceptance" {
                Finding::warning(format!(
                    "the ssmmessages endpoint `{}` is {}, not yet available",
                    ep.id, ep.state
                ))
            } else {
                Finding::error(format!(
                    "the ssmmessages endpoint `{}` is {}: it carries no traffic",
                    ep.id, ep.state
                ))
                .fix(create.clone())
            };
            return Ok(Verdict::Findings(vec![finding.subject(ep.id.clone())]));
        }
        let unused = if !ep.private_dns_enabled {
            Some((
                format!("the ssmmessages endpoint `{}` has private DNS disabled, so the agent resolves the public name", ep.id),
                Fix::new("enable private DNS on the endpoint").command(format!(
                    "aws ec2 modify-vpc-endpoint --vpc-endpoint-id {} --private-dns-enabled --region {region}",
                    ep.id
                )),
            ))
        } else if net.dns_hostnames == Some(false) {
            Some((
                format!(
                    "VPC `{}` has enableDnsHostnames=false, so the private DNS name of endpoint `{}` does not apply and the agent resolves the public name",
                    net.vpc_id, ep.id
                ),
                vpc_attribute("enable-dns-hostnames"),
            ))
        } else {
            None
        };
        if ep.private_dns_enabled
            && (net.dns_support.is_none() || net.dns_hostnames.is_none())
            && let Some(error) = &net.dns_error
        {
            return Err(Unavailable::from_error(
                "VPC DNS attributes (private DNS of the endpoint needs enableDnsSupport and enableDnsHostnames)",
                error,
            ));
        }
        let Some((why, fix)) = unused else {
            if let Some(why) = path::custom_dns(net, region, path::SSMMESSAGES) {
                return Ok(Verdict::Findings(vec![
                    Finding::warning(why)
                        .subject(net.dhcp_options.as_ref().map(|o| o.id.clone()).unwrap_or_default())
                        .evidence("the VPC resolver is at the VPC CIDR's base address + 2, and at 169.254.169.253")
                        .fix(
                            Fix::new("have those DNS servers forward amazonaws.com to the VPC resolver (a Route 53 Resolver inbound endpoint), or give the VPC an option set with AmazonProvidedDNS")
                                .command(format!(
                                    "aws ec2 create-dhcp-options --dhcp-configurations Key=domain-name-servers,Values=AmazonProvidedDNS --region {region}"
                                ))
                                .command(format!(
                                    "aws ec2 associate-dhcp-options --vpc-id {} --dhcp-options-id NEW_DOPT_ID --region {region}",
                                    net.vpc_id
                                )),
                        ),
                ]));
            }
            return Ok(Verdict::pass(format!(
                "VPC `{}` has ssmmessages endpoint `{}` with private DNS",
                net.vpc_id, ep.id
            )));
        };
        return Ok(match route()? {
            RouteOutcome::Works(evidence) => Verdict::Findings(vec![
                Finding::warning(why)
                    .subject(ep.id.clone())
                    .evidence(evidence)
                    .fix(fix),
            ]),
            RouteOutcome::Broken(message, _) | RouteOutcome::CannotVerify(message, _) => {
                Verdict::Findings(vec![
                    Finding::error(format!("{why}, and {message}"))
                        .subject(ep.id.clone())
                        .fix(fix),
                ])
            }
        });
    }
    if let Some(owner) = super::shared_from(net, task) {
        return Err(Unavailable::new(format!(
            "subnet `{}` is shared from account {owner}, which owns the VPC's endpoints and route tables; ask its owner to confirm a default route to an available NAT gateway or an ssmmessages endpoint",
            net.subnet_id
        )));
    }
    if net.routes_known {
        return Ok(match route()? {
            RouteOutcome::Works(evidence) => Verdict::pass(format!("no ssmmessages endpoint; {evidence}")),
            RouteOutcome::Broken(message, subject) => Verdict::Findings(vec![
                Finding::error(format!(
                    "{message}, and VPC `{}` has no ssmmessages endpoint: the exec agent cannot reach Session Manager",
                    net.vpc_id
                ))
                .subject(subject)
                .fix(create),
            ]),
            RouteOutcome::CannotVerify(message, subject) => Verdict::Findings(vec![
                Finding::warning(message)
                    .subject(subject)
                    .evidence("make sure that hop forwards HTTPS to ssmmessages (or add an ssmmessages endpoint)"),
            ]),
        });
    }
    if uses_interface_endpoints(net) {
        return Ok(Verdict::Findings(vec![
            Finding::warning(format!(
                "VPC `{}` uses interface endpoints but has none for ssmmessages (heuristic): unless subnet `{}` has a NAT or internet route, the agent cannot connect",
                net.vpc_id, net.subnet_id
            ))
            .evidence("the subnet's route tables could not be read")
            .fix(create),
        ]));
    }
    Err(super::routes_unavailable(net))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::VpcEndpoint;
    use crate::testing::*;

    #[test]
    fn verdicts() {
        let mut d = diagnosis();
        assert_pass(&CHECK, &d);
        let net = d.subjects[0].network.value_mut();
        net.endpoints.clear();
        assert_finding(&CHECK, &d, Severity::Error, "no default route");
        // A recording made before routes were kept: the default route's target alone.
        d.subjects[0].network.value_mut().routes.clear();
        d.subjects[0].network.value_mut().default_route = Some("nat-0abc".into());
        assert_pass(&CHECK, &d);
        let net = d.subjects[0].network.value_mut();
        net.routes_known = false;
        net.default_route = None;
        net.endpoints.push(VpcEndpoint {
            id: "vpce-1".into(),
            service_name: "com.amazonaws.us-east-1.ecr.api".into(),
            endpoint_type: "Interface".into(),
            state: "available".into(),
            private_dns_enabled: true,
            ..VpcEndpoint::default()
        });
        assert_finding(&CHECK, &d, Severity::Warning, "heuristic");
        d.subjects[0].network.value_mut().subnet_owner = Some("999999999999".into());
        assert_unknown(&CHECK, &d);
        let mut d = diagnosis();
        d.subjects[0].network.value_mut().endpoints[0].private_dns_enabled = false;
        assert_finding(&CHECK, &d, Severity::Error, "private DNS disabled");
    }

    fn default_route(d: &mut crate::facts::Diagnosis, target: &str, state: &str) {
        let net = d.subjects[0].network.value_mut();
        net.endpoints.clear();
        net.routes.push(crate::model::Route {
            destination: "0.0.0.0/0".into(),
            target: target.into(),
            state: state.into(),
        });
    }

    #[test]
    fn the_default_route_is_followed_hop_by_hop() {
        let mut d = diagnosis();
        // An active route to a NAT gateway nobody here can see: owned elsewhere, unknown.
        default_route(&mut d, "nat-0a", "active");
        assert_unknown(&CHECK, &d);
        let r = run(&CHECK, &d);
        assert!(format!("{r:?}").contains("the owner must confirm"), "{r:?}");
        d.subjects[0]
            .network
            .value_mut()
            .routes
            .last_mut()
            .unwrap()
            .state = "unknown".into();
        assert_finding(&CHECK, &d, Severity::Error, "does not exist");
        d.subjects[0]
            .network
            .value_mut()
            .routes
            .last_mut()
            .unwrap()
            .state = "active".into();
        d.subjects[0].network.value_mut().nat_gateways = Some(vec![crate::model::NatGateway {
            id: "nat-0a".into(),
            state: "available".into(),
            subnet_id: Some("subnet-0public".into()),
            connectivity: Some("public".into()),
            subnet_routes: None,
            subnet_route_table: None,
        }]);
        assert_pass(&CHECK, &d);
        // The NAT gateway's own subnet must send 0.0.0.0/0 to an internet gateway.
        let route = |destination: &str, target: &str, state: &str| crate::model::Route {
            destination: destination.into(),
            target: target.into(),
            state: state.into(),
        };
        fn nat(d: &mut crate::facts::Diagnosis) -> &mut crate::model::NatGateway {
            &mut d.subjects[0]
                .network
                .value_mut()
                .nat_gateways
                .as_mut()
                .unwrap()[0]
        }
        nat(&mut d).subnet_route_table = Some("rtb-0public".into());
        nat(&mut d).subnet_routes = Some(vec![
            route("10.0.0.0/16", "local", "active"),
            route("0.0.0.0/0", "igw-0a", "active"),
        ]);
        assert_pass(&CHECK, &d);
        nat(&mut d).subnet_routes = Some(vec![route("10.0.0.0/16", "local", "active")]);
        assert_finding(
            &CHECK,
            &d,
            Severity::Error,
            "`rtb-0public` of its subnet `subnet-0public` has no default route",
        );
        nat(&mut d).subnet_routes = Some(vec![route("0.0.0.0/0", "nat-0a", "active")]);
        assert_finding(&CHECK, &d, Severity::Error, "not at an internet gateway");
        nat(&mut d).subnet_routes = Some(vec![route("0.0.0.0/0", "igw-0gone", "blackhole")]);
        assert_finding(&CHECK, &d, Severity::Error, "a blackhole");
        nat(&mut d).subnet_routes = Some(vec![route("0.0.0.0/0", "tgw-0a", "active")]);
        assert_finding(
            &CHECK,
            &d,
            Severity::Warning,
            "cannot verify beyond this hop",
        );
        nat(&mut d).subnet_routes = None;
        d.subjects[0]
            .network
            .value_mut()
            .nat_gateways
            .as_mut()
            .unwrap()[0]
            .state = "deleted".into();
        assert_finding(&CHECK, &d, Severity::Error, "which is deleted");
        let mut d = diagnosis();
        default_route(&mut d, "nat-0a", "blackhole");
        assert_finding(&CHECK, &d, Severity::Error, "blackhole");
        let mut d = diagnosis();
        default_route(&mut d, "igw-0a", "active");
        assert_finding(&CHECK, &d, Severity::Error, "assignPublicIp=DISABLED");
        d.subjects[0].interface.value_mut().public_ip = Some("3.3.3.3".into());
        assert_pass(&CHECK, &d);
        let mut d = diagnosis();
        default_route(&mut d, "tgw-0a", "active");
        assert_finding(
            &CHECK,
            &d,
            Severity::Warning,
            "cannot verify beyond this hop",
        );
        let mut d = diagnosis();
        d.subjects[0].network.value_mut().dns_hostnames = Some(false);
        assert_finding(&CHECK, &d, Severity::Error, "enableDnsHostnames=false");
        d.subjects[0].network.value_mut().dns_support = Some(false);
        assert_finding(&CHECK, &d, Severity::Error, "enableDnsSupport=false");
    }

    #[test]
    fn custom_dns_servers_without_the_amazon_resolver_are_yellow_on_the_endpoint_path() {
        let mut d = diagnosis();
        d.subjects[0].network.value_mut().dhcp_options = Some(crate::model::DhcpOptions {
            id: "dopt-0corp".into(),
            domain_name_servers: vec!["10.10.0.2".into(), "10.10.0.3".into()],
        });
        assert_finding(&CHECK, &d, Severity::Warning, "no AmazonProvidedDNS");
        let hops = drawn_path(&d);
        assert!(
            hops.iter()
                .any(|h| h.hop == "dns" && h.status == crate::outcome::Status::Warning),
            "{hops:?}"
        );
        d.subjects[0].network.value_mut().dhcp_options = Some(crate::model::DhcpOptions {
            id: "dopt-0mixed".into(),
            domain_name_servers: vec!["AmazonProvidedDNS".into(), "10.10.0.2".into()],
        });
        assert_pass(&CHECK, &d);
    }
}
