crate::declare_check! {
    /// ## What it checks
    /// When the agent connects through the `ssmmessages` interface endpoint: that the
    /// endpoint's security groups allow inbound TCP 443 from the task (a rule referencing one
    /// of the task's security groups, or a CIDR covering the task's address), and that the
    /// endpoint policy, if it is not the default full-access policy, does not deny the role the
    /// exec agent uses the four `ssmmessages` actions.
    ///
    /// ## Why it matters
    /// An interface endpoint is an ENI with its own security group. Created with the VPC's
    /// default group, or with one that admits only another subnet, it drops the agent's HTTPS
    /// connection; a restrictive endpoint policy rejects its calls. Both end in
    /// `TargetNotConnectedException` while every route looks fine.
    ///
    /// ## How to fix
    /// `aws ec2 authorize-security-group-ingress --group-id ENDPOINT_SG --protocol tcp --port
    /// 443 --source-group TASK_SG`, and an endpoint policy that allows `ssmmessages:*` for the
    /// task role (`aws ec2 modify-vpc-endpoint --vpc-endpoint-id VPCE --policy-document
    /// file://policy.json`, or `--reset-policy`).
    ///
    /// ## References
    /// - AWS PrivateLink guide, "Control access to VPC endpoints using endpoint policies";
    ///   Amazon ECS developer guide, "Using ECS Exec" (VPC endpoints)
    pub static CHECK = {
        code: "NW005",
        name: "endpoint-access",
        category: Network,
        severity: Error,
        scope: Live,
        level: Task,
        summary: "The ssmmessages endpoint admits the task: security group allows 443 from it, policy does not deny its role",
        needs: [Task, Network, Interface, Firewall, TaskDefinition, InstanceRole],
        // Which DNS servers the VPC names does not change what the ACLs and groups let through.
        unaffected_by: ["ec2:DescribeVpcs", "ec2:DescribeDhcpOptions"],
        evaluate: evaluate,
    };
}

use super::path::{self, Via};
use crate::facts::{Facts, Unavailable};
use crate::outcome::Verdict;

fn evaluate(f: &Facts<'_>) -> Result<Verdict, Unavailable> {
    if let Some(na) = super::outside_aws(f) {
        return Ok(na);
    }
    let net = f.network()?;
    let region = &f.target().region;
    let Via::Endpoint(ep) = path::via(net, region) else {
        return Ok(Verdict::not_applicable(
            "the agent does not connect through an ssmmessages endpoint with private DNS",
        ));
    };
    super::endpoint_admission::admits(f, ep)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;
    use serde_json::json;

    #[test]
    fn verdicts() {
        let mut d = diagnosis();
        assert_pass(&CHECK, &d);
        let fw = d.subjects[0].firewall.value_mut();
        fw.security_groups
            .get_mut(ENDPOINT_SG)
            .unwrap()
            .ingress
            .clear();
        assert_finding(
            &CHECK,
            &d,
            Severity::Error,
            "do not admit TCP 443 from the task",
        );
        let fw = d.subjects[0].firewall.value_mut();
        fw.security_groups
            .get_mut(ENDPOINT_SG)
            .unwrap()
            .ingress
            .push(crate::model::SgRule {
                protocol: "tcp".into(),
                from_port: Some(443),
                to_port: Some(443),
                ipv4_ranges: vec!["10.0.1.0/24".into()],
                ..Default::default()
            });
        assert_pass(&CHECK, &d);
        d.subjects[0].network.value_mut().endpoints[0].policy = Some(json!({"Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"},
            {"Effect": "Deny", "Principal": {"AWS": task_role()}, "Action": "ssmmessages:*", "Resource": "*"}]}));
        assert_finding(
            &CHECK,
            &d,
            Severity::Error,
            "denies ssmmessages:CreateControlChannel",
        );
        d.subjects[0].network.value_mut().endpoints.clear();
        assert_not_applicable(&CHECK, &d);
    }
}
