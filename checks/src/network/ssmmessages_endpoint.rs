crate::declare_check! {
    /// ## What it checks
    /// That the task can reach `ssmmessages.REGION.amazonaws.com`: through an interface VPC
    /// endpoint for `com.amazonaws.REGION.ssmmessages` (available, with private DNS), or through
    /// the subnet's default route (NAT gateway, internet gateway, transit gateway). A subnet
    /// whose route tables show no default route and whose VPC has no `ssmmessages` endpoint has
    /// no path: an error. When the route tables cannot be read, the original checker's
    /// heuristic applies and is labelled as one: a VPC with interface endpoints but none for
    /// `ssmmessages` probably has no internet path either. A subnet shared from another account
    /// (RAM) is reported as UNKNOWN, because that account owns the endpoints.
    ///
    /// ## Why it matters
    /// The exec agent connects outbound to `ssmmessages` over HTTPS. No path means
    /// `TargetNotConnectedException`. Security groups, NACLs, endpoint policies and custom DNS can
    /// still block a path that exists; they are not evaluated.
    ///
    /// ## How to fix
    /// `aws ec2 create-vpc-endpoint --vpc-endpoint-type Interface --vpc-id VPC --service-name
    /// com.amazonaws.REGION.ssmmessages --subnet-ids SUBNET --security-group-ids SG
    /// --private-dns-enabled`, or a NAT gateway route. The endpoint's security group must allow
    /// TCP 443 from the task.
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
        needs: [Task, Network],
        heuristic: true,
        evaluate: evaluate,
    };
}

use super::{describe_route, endpoint_for, uses_interface_endpoints};
use crate::facts::{Facts, Unavailable};
use crate::outcome::{Finding, Fix, Verdict};

fn evaluate(f: &Facts<'_>) -> Result<Verdict, Unavailable> {
    let task = f.task()?;
    let net = f.network()?;
    let region = &f.target().region;
    let create = Fix::new("create an interface endpoint for ssmmessages (or route the subnet through a NAT gateway)")
        .command(format!(
            "aws ec2 create-vpc-endpoint --vpc-endpoint-type Interface --vpc-id {} --service-name com.amazonaws.{region}.ssmmessages --subnet-ids {} --security-group-ids SG_ALLOWING_443_FROM_TASK --private-dns-enabled --region {region}",
            net.vpc_id, net.subnet_id
        ));
    if let Some(ep) = endpoint_for(net, region, "ssmmessages") {
        let mut findings = Vec::new();
        if !ep.state.eq_ignore_ascii_case("available") {
            findings.push(Finding::warning(format!(
                "the ssmmessages endpoint `{}` is {}, not available",
                ep.id, ep.state
            )));
        }
        if !ep.private_dns_enabled {
            findings.push(
                Finding::warning(format!(
                    "the ssmmessages endpoint `{}` has private DNS disabled; the agent resolves the public name",
                    ep.id
                ))
                .fix(Fix::new("enable private DNS on the endpoint").command(format!(
                    "aws ec2 modify-vpc-endpoint --vpc-endpoint-id {} --private-dns-enabled --region {region}",
                    ep.id
                ))),
            );
        }
        return Ok(Verdict::from_findings(
            findings,
            vec![format!(
                "VPC `{}` has ssmmessages endpoint `{}` with private DNS",
                net.vpc_id, ep.id
            )],
        ));
    }
    if let Some(owner) = super::shared_from(net, task) {
        return Err(Unavailable::new(format!(
            "subnet `{}` is shared from account {owner}, which owns the VPC's endpoints and route tables; ask its owner to confirm a path to ssmmessages",
            net.subnet_id
        )));
    }
    if net.routes_known {
        return Ok(match &net.default_route {
            Some(target) => {
                let mut evidence = vec![format!(
                    "no ssmmessages endpoint; subnet `{}` reaches the internet through {}",
                    net.subnet_id,
                    describe_route(target)
                )];
                if target.starts_with("igw-") && task.is_fargate() {
                    evidence.push("through an internet gateway a Fargate task also needs a public IP (assignPublicIp=ENABLED)".into());
                }
                Verdict::Pass { evidence }
            }
            None => Verdict::Findings(vec![
                Finding::error(format!(
                    "subnet `{}` has no default route and VPC `{}` has no ssmmessages endpoint: the exec agent cannot reach Session Manager",
                    net.subnet_id, net.vpc_id
                ))
                .subject(net.subnet_id.clone())
                .fix(create),
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
        });
        assert_finding(&CHECK, &d, Severity::Warning, "heuristic");
        d.subjects[0].network.value_mut().subnet_owner = Some("999999999999".into());
        assert_unknown(&CHECK, &d);
        let mut d = diagnosis();
        d.subjects[0].network.value_mut().endpoints[0].private_dns_enabled = false;
        assert_finding(&CHECK, &d, Severity::Warning, "private DNS disabled");
    }
}
