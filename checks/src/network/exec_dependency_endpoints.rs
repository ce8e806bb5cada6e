crate::declare_check! {
    /// ## What it checks
    /// That the task reaches the services the session's configuration needs: `kms` when the
    /// cluster encrypts sessions with a KMS key, `logs` when it logs to CloudWatch Logs, and
    /// `s3` when it logs to S3. For a subnet without a default route (reaching AWS only through
    /// VPC endpoints), the VPC must have those endpoints: each `available`, an interface
    /// endpoint with private DNS, a gateway endpoint (S3) associated with the subnet's route
    /// table. Then each service's path is walked hop by hop exactly as the ssmmessages path is
    /// (NW001, NW003, NW004, NW005): the task's security groups and network ACL towards the
    /// service's endpoint or the internet, the route and NAT gateway beyond it, the endpoint's
    /// security groups, subnets' ACLs and policy (which must allow the task role the service's
    /// calls), and name resolution. A hop that fails is red, one that cannot be verified
    /// yellow, one that could not be read UNKNOWN.
    ///
    /// ## Why it matters
    /// Without a KMS endpoint the agent's `kms:Decrypt` call times out (`Handshake timed out`);
    /// without logs/S3 endpoints transcripts are lost, or sessions refused when encryption is
    /// required.
    ///
    /// ## How to fix
    /// Create the missing interface endpoints (an S3 gateway endpoint for S3) in the task's VPC;
    /// for a hop that fails, the fix of the check that owns that hop (NW003 for security
    /// groups, NW004 for network ACLs, NW001 for routes and NAT gateways, NW005 for the
    /// endpoint), applied towards the service named in the finding.
    ///
    /// ## References
    /// - ECS VPC endpoints for ECS Exec; amazon-ecs-exec-checker#46
    pub static CHECK = {
        code: "NW002",
        name: "exec-dependency-endpoints",
        category: Network,
        severity: Error,
        scope: Live,
        level: Task,
        summary: "The task reaches the kms, logs and s3 services the exec configuration needs",
        needs: [Task, Network, Cluster, Interface, Firewall, TaskDefinition, InstanceRole],
        evaluate: evaluate,
    };
}

use super::endpoint_for;
use super::path::{self, Service};
use crate::facts::{Facts, Unavailable};
use crate::model::{Network, VpcEndpoint};
use crate::outcome::{Finding, Fix, Status, Verdict};

fn evaluate(f: &Facts<'_>) -> Result<Verdict, Unavailable> {
    if let Some(na) = super::outside_aws(f) {
        return Ok(na);
    }
    let net = f.network()?;
    let cluster = f.cluster()?;
    let needed = path::dependencies(&cluster.exec_config);
    if needed.is_empty() {
        return Ok(Verdict::not_applicable(
            "the cluster uses neither a KMS key nor CloudWatch/S3 session logging",
        ));
    }
    if let Some(owner) = f.task().ok().and_then(|t| super::shared_from(net, t)) {
        return Err(Unavailable::new(format!(
            "subnet `{}` is shared from account {owner}, which owns the VPC's endpoints and route tables",
            net.subnet_id
        )));
    }
    if !net.routes_known {
        return Err(super::routes_unavailable(net));
    }
    let region = &f.target().region;
    let mut findings = Vec::new();
    let mut evidence = Vec::new();
    let mut unknown = Vec::new();
    for (svc, why) in needed {
        let service = svc.name;
        let endpoint = endpoint_for(net, region, service);
        if net.default_route.is_none()
            && let Some(e) = endpoint
            && let Some(finding) = unusable(net, e, why)
        {
            findings.push(finding);
            continue;
        }
        if net.default_route.is_some() || endpoint.is_some() {
            judge_walk(f, svc, why, &mut findings, &mut evidence, &mut unknown);
            continue;
        }
        let kind = if service == "s3" {
            "Gateway"
        } else {
            "Interface"
        };
        let extra = if service == "s3" {
            net.route_table_id
                .as_ref()
                .map(|rt| format!(" --route-table-ids {rt}"))
                .unwrap_or_default()
        } else {
            format!(" --subnet-ids {} --private-dns-enabled", net.subnet_id)
        };
        findings.push(
            Finding::error(format!(
                "VPC `{}` has no {service} endpoint and subnet `{}` no default route, but {why} needs it",
                net.vpc_id, net.subnet_id
            ))
            .subject(net.subnet_id.clone())
            .fix(Fix::new(format!("create a {service} endpoint")).command(format!(
                "aws ec2 create-vpc-endpoint --vpc-endpoint-type {kind} --vpc-id {} --service-name com.amazonaws.{region}.{service}{extra} --region {region}",
                net.vpc_id
            ))),
        );
    }
    // A hop that could not be read may be red: UNKNOWN unless something is red already.
    if !findings
        .iter()
        .any(|x| x.severity == crate::check::Severity::Error)
        && let Some(why) = unknown.into_iter().next()
    {
        return Err(why);
    }
    Ok(Verdict::from_findings(findings, evidence))
}

/// The check that owns each kind of hop, whose fix applies towards the dependency too.
fn owner(hop: &str) -> &'static str {
    match hop {
        "security-group" => "NW003",
        "network-acl" => "NW004",
        "endpoint" => "NW005",
        // routes, NAT and internet gateways, DNS
        _ => "NW001",
    }
}

/// The dependency's path, walked as the ssmmessages path is: a red hop is an error, a yellow
/// one a warning, an unreadable one a reason for UNKNOWN (unless something else is red).
fn judge_walk(
    f: &Facts<'_>,
    service: Service,
    why: &str,
    findings: &mut Vec<Finding>,
    evidence: &mut Vec<String>,
    unknown: &mut Vec<Unavailable>,
) {
    let hops = path::walk(f, service);
    let mut bad = false;
    for h in hops.iter().filter(|h| h.hop != service.name) {
        let message = |verdict: &str| {
            format!(
                "on the path to {} ({why}), {} `{}` {verdict}: {}",
                service.name, h.hop, h.resource, h.detail
            )
        };
        let fix = Fix::new(format!(
            "let the task's TCP 443 through {} `{}` towards {} as {} describes for ssmmessages",
            h.hop,
            h.resource,
            service.name,
            owner(&h.hop)
        ))
        .command(format!("ecs-exec-doctor explain {}", owner(&h.hop)));
        match h.status {
            Status::Error => {
                bad = true;
                findings.push(
                    Finding::error(message("fails"))
                        .subject(h.resource.clone())
                        .fix(fix),
                )
            }
            Status::Warning => {
                bad = true;
                findings.push(
                    Finding::warning(message("cannot be verified"))
                        .subject(h.resource.clone())
                        .fix(fix),
                )
            }
            Status::Unknown => {
                bad = true;
                unknown.push(
                    Unavailable::new(format!(
                        "the path to {} ({why}) could not be verified at {} `{}`: {}",
                        service.name, h.hop, h.resource, h.detail
                    ))
                    .with_action(h.missing_action.clone()),
                )
            }
            _ => {}
        }
    }
    if !bad && !hops.is_empty() {
        let through: Vec<String> = hops
            .iter()
            .filter(|h| h.hop != "interface" && h.hop != service.name)
            .map(|h| format!("{} `{}`", h.hop, h.resource))
            .collect();
        evidence.push(format!(
            "{} is reachable for {why}: {}",
            service.name,
            through.join(" → ")
        ));
    }
}

/// Why an endpoint that exists still does not serve the subnet: not `available`, a gateway
/// endpoint missing from the subnet's route table, an interface endpoint without private DNS.
fn unusable(net: &Network, e: &VpcEndpoint, why: &str) -> Option<Finding> {
    let region_of = |name: &str| name.split('.').nth(2).unwrap_or("REGION").to_string();
    if !e.state.eq_ignore_ascii_case("available") {
        return Some(
            Finding::error(format!(
                "endpoint `{}` ({}) is {}, not available, and {why} needs it",
                e.id, e.service_name, e.state
            ))
            .subject(e.id.clone())
            .fix(
                Fix::new("wait for the endpoint to become available, or recreate it").command(
                    format!(
                        "aws ec2 describe-vpc-endpoints --vpc-endpoint-ids {} --region {}",
                        e.id,
                        region_of(&e.service_name)
                    ),
                ),
            ),
        );
    }
    if e.endpoint_type.eq_ignore_ascii_case("gateway") {
        // Routes are known only in recordings that keep them; without them, do not guess.
        let rt = net.route_table_id.as_deref()?;
        if net.routes.is_empty() || net.routes.iter().any(|r| r.target == e.id) {
            return None;
        }
        return Some(
            Finding::error(format!(
                "gateway endpoint `{}` is not associated with route table `{rt}` of subnet `{}`, so {why} has no path to it",
                e.id, net.subnet_id
            ))
            .subject(e.id.clone())
            .fix(Fix::new("add the subnet's route table to the endpoint").command(format!(
                "aws ec2 modify-vpc-endpoint --vpc-endpoint-id {} --add-route-table-ids {rt} --region {}",
                e.id,
                region_of(&e.service_name)
            ))),
        );
    }
    if !e.private_dns_enabled {
        return Some(
            Finding::error(format!(
                "interface endpoint `{}` ({}) has private DNS disabled: the agent resolves the public name and {why} has no path",
                e.id, e.service_name
            ))
            .subject(e.id.clone())
            .fix(Fix::new("enable private DNS on the endpoint").command(format!(
                "aws ec2 modify-vpc-endpoint --vpc-endpoint-id {} --private-dns-enabled --region {}",
                e.id,
                region_of(&e.service_name)
            ))),
        );
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::VpcEndpoint;
    use crate::testing::*;

    #[test]
    fn verdicts() {
        let mut d = diagnosis();
        assert_not_applicable(&CHECK, &d);
        with_kms(&mut d);
        assert_finding(&CHECK, &d, Severity::Error, "no kms endpoint");
        // With a default route, KMS is reached over the internet path, walked hop by hop.
        let net = d.subjects[0].network.value_mut();
        net.default_route = Some("nat-1".into());
        net.endpoints.clear();
        net.routes.push(crate::model::Route {
            destination: "0.0.0.0/0".into(),
            target: "nat-1".into(),
            state: "active".into(),
        });
        net.nat_gateways = Some(vec![crate::model::NatGateway {
            id: "nat-1".into(),
            state: "available".into(),
            subnet_id: Some("subnet-0public".into()),
            connectivity: Some("public".into()),
            subnet_routes: Some(vec![crate::model::Route {
                destination: "0.0.0.0/0".into(),
                target: "igw-1".into(),
                state: "active".into(),
            }]),
            subnet_route_table: Some("rtb-public".into()),
        }]);
        assert_pass(&CHECK, &d);
        let r = run(&CHECK, &d);
        assert!(
            r.evidence.iter().any(|e| e.contains("nat-gateway `nat-1`")),
            "{r:#?}"
        );
        // The NAT gateway's own subnet has no way out: KMS is cut off as ssmmessages is.
        d.subjects[0]
            .network
            .value_mut()
            .nat_gateways
            .as_mut()
            .unwrap()[0]
            .subnet_routes = Some(vec![]);
        assert_finding(&CHECK, &d, Severity::Error, "on the path to kms");
        // A transit gateway beyond: cannot verify, a warning, never a pass.
        let net = d.subjects[0].network.value_mut();
        net.routes.last_mut().unwrap().target = "tgw-1".into();
        net.default_route = Some("tgw-1".into());
        assert_finding(&CHECK, &d, Severity::Warning, "cannot be verified");
        // Unreadable security groups: UNKNOWN, not a pass.
        d.subjects[0].firewall = fact_failed_denied("ec2:DescribeSecurityGroups");
        assert_unknown(&CHECK, &d);
    }

    /// KMS through its own interface endpoint: that endpoint's security groups and policy
    /// are judged as NW005 judges the ssmmessages endpoint's.
    #[test]
    fn the_kms_endpoint_is_judged_like_the_ssmmessages_one() {
        let mut d = diagnosis();
        with_kms(&mut d);
        let net = d.subjects[0].network.value_mut();
        let mut kms = net.endpoints[0].clone();
        kms.id = "vpce-kms".into();
        kms.service_name = "com.amazonaws.us-east-1.kms".into();
        net.endpoints.push(kms);
        assert_pass(&CHECK, &d);
        d.subjects[0].network.value_mut().endpoints[1].policy = Some(serde_json::json!({
            "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*"}]
        }));
        assert_finding(&CHECK, &d, Severity::Error, "denies kms:Decrypt");
        // The ssmmessages endpoint's own policy is NW005's business, not this check's.
        let mut d = diagnosis();
        with_kms(&mut d);
        let net = d.subjects[0].network.value_mut();
        let mut kms = net.endpoints[0].clone();
        kms.id = "vpce-kms".into();
        kms.service_name = "com.amazonaws.us-east-1.kms".into();
        net.endpoints[0].policy = Some(serde_json::json!({
            "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "ssmmessages:*", "Resource": "*"}]
        }));
        net.endpoints.push(kms);
        assert_pass(&CHECK, &d);
    }

    #[test]
    fn endpoints_that_exist_but_do_not_serve_the_subnet() {
        let mut d = diagnosis();
        with_kms(&mut d);
        let net = d.subjects[0].network.value_mut();
        net.endpoints.push(VpcEndpoint {
            id: "vpce-kms".into(),
            service_name: "com.amazonaws.us-east-1.kms".into(),
            endpoint_type: "Interface".into(),
            state: "available".into(),
            private_dns_enabled: true,
            security_groups: vec![ENDPOINT_SG.into()],
            subnet_ids: vec!["subnet-0a".into()],
            ..Default::default()
        });
        assert_pass(&CHECK, &d);
        d.subjects[0]
            .network
            .value_mut()
            .endpoints
            .last_mut()
            .unwrap()
            .private_dns_enabled = false;
        assert_finding(&CHECK, &d, Severity::Error, "private DNS disabled");
        let e = d.subjects[0]
            .network
            .value_mut()
            .endpoints
            .last_mut()
            .unwrap();
        e.private_dns_enabled = true;
        e.state = "pending".into();
        assert_finding(&CHECK, &d, Severity::Error, "is pending, not available");

        let mut d = diagnosis();
        with_cloudwatch_logging(&mut d);
        let c = &mut d.cluster.value_mut().exec_config;
        c.cloud_watch_log_group = None;
        c.s3_bucket = Some("exec-logs".into());
        let net = d.subjects[0].network.value_mut();
        net.route_table_id = Some("rtb-private".into());
        net.routes = vec![crate::model::Route {
            destination: "10.0.0.0/16".into(),
            target: "local".into(),
            state: "active".into(),
        }];
        let fixes = fix_commands_of(&CHECK, &d);
        assert!(
            fixes
                .iter()
                .any(|c| c.contains("--vpc-endpoint-type Gateway")
                    && c.contains("--route-table-ids rtb-private")),
            "{fixes:?}"
        );
        d.subjects[0]
            .network
            .value_mut()
            .endpoints
            .push(VpcEndpoint {
                id: "vpce-s3".into(),
                service_name: "com.amazonaws.us-east-1.s3".into(),
                endpoint_type: "Gateway".into(),
                state: "available".into(),
                ..Default::default()
            });
        assert_finding(
            &CHECK,
            &d,
            Severity::Error,
            "not associated with route table `rtb-private`",
        );
        d.subjects[0]
            .network
            .value_mut()
            .routes
            .push(crate::model::Route {
                destination: "pl-63a5400a".into(),
                target: "vpce-s3".into(),
                state: "active".into(),
            });
        assert_pass(&CHECK, &d);
    }
}
