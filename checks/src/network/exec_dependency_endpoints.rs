crate::declare_check! {
    /// ## What it checks
    /// For a subnet without a default route (reaching AWS only through VPC endpoints), that the
    /// VPC also has the endpoints the session's configuration needs: `kms` when the cluster
    /// encrypts sessions with a KMS key, `logs` when it logs to CloudWatch Logs, and `s3` when it
    /// logs to S3. Each must be `available`; an interface endpoint needs private DNS, and a
    /// gateway endpoint (S3) must be associated with the subnet's route table.
    ///
    /// ## Why it matters
    /// Without a KMS endpoint the agent's `kms:Decrypt` call times out (`Handshake timed out`);
    /// without logs/S3 endpoints transcripts are lost, or sessions refused when encryption is
    /// required.
    ///
    /// ## How to fix
    /// Create the missing interface endpoints (an S3 gateway endpoint for S3) in the task's VPC.
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
        summary: "Private subnets have the kms, logs and s3 endpoints the exec configuration needs",
        needs: [Task, Network, Cluster],
        evaluate: evaluate,
    };
}

use super::endpoint_for;
use crate::facts::{Facts, Unavailable};
use crate::model::{Network, VpcEndpoint};
use crate::outcome::{Finding, Fix, Verdict};

fn evaluate(f: &Facts<'_>) -> Result<Verdict, Unavailable> {
    let net = f.network()?;
    let cluster = f.cluster()?;
    let c = &cluster.exec_config;
    let mut needed: Vec<(&str, &str)> = Vec::new();
    if c.kms_key_id.is_some() {
        needed.push(("kms", "the exec KMS key"));
    }
    if c.logging == "OVERRIDE" && c.cloud_watch_log_group.is_some() {
        needed.push(("logs", "CloudWatch session logging"));
    }
    if c.logging == "OVERRIDE" && c.s3_bucket.is_some() {
        needed.push(("s3", "S3 session logging"));
    }
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
    if let Some(route) = &net.default_route {
        return Ok(Verdict::pass(format!(
            "subnet `{}` has a default route (`{route}`)",
            net.subnet_id
        )));
    }
    let region = &f.target().region;
    let mut findings = Vec::new();
    for (service, why) in needed {
        if let Some(e) = endpoint_for(net, region, service) {
            if let Some(finding) = unusable(net, e, why) {
                findings.push(finding);
            }
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
    Ok(Verdict::from_findings(
        findings,
        vec![format!(
            "VPC `{}` has the endpoints the exec configuration needs",
            net.vpc_id
        )],
    ))
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
        d.subjects[0].network.value_mut().default_route = Some("nat-1".into());
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
