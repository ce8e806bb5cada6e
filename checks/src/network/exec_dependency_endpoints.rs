crate::declare_check! {
    /// ## What it checks
    /// For a subnet without a default route (reaching AWS only through VPC endpoints), that the
    /// VPC also has the endpoints the session's configuration needs: `kms` when the cluster
    /// encrypts sessions with a KMS key, `logs` when it logs to CloudWatch Logs, and `s3` when it
    /// logs to S3.
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
        if endpoint_for(net, region, service).is_some() {
            continue;
        }
        let kind = if service == "s3" {
            "Gateway"
        } else {
            "Interface"
        };
        let extra = if service == "s3" {
            String::new()
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

#[cfg(test)]
mod tests {
    use super::*;
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
}
