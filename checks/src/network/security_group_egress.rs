crate::declare_check! {
    /// ## What it checks
    /// That the security groups of the task's network interface (its own ENI with `awsvpc`,
    /// the instance's with `bridge`/`host`) allow outbound TCP 443 to where the agent
    /// connects: the `ssmmessages` interface endpoint (a rule to its security group, or to
    /// CIDRs covering its subnets) or, without an endpoint, any address (`0.0.0.0/0`, through
    /// the NAT or internet gateway). Rules by CIDR, prefix list and referenced group count, as
    /// do all-traffic (`-1`) rules; IPv6-only rules do not carry the agent's IPv4 traffic.
    /// Towards the internet, destinations that provably exclude ssmmessages do not count:
    /// private ranges only, or only AWS-managed prefix lists of other services (S3,
    /// DynamoDB, CloudFront, named by `ec2:DescribeManagedPrefixLists`) make it red; a public
    /// range that may or may not cover ssmmessages' addresses is yellow, naming the range.
    /// Security groups are stateful, so the return traffic needs no rule.
    ///
    /// In `lint`, for a service whose security groups are defined in the same input (a
    /// Terraform `aws_security_group` with its `egress` blocks, `aws_security_group_rule` and
    /// `aws_vpc_security_group_egress_rule`; a CloudFormation `AWS::EC2::SecurityGroup` with
    /// `SecurityGroupEgress` and `AWS::EC2::SecurityGroupEgress`): an error when no egress
    /// rule allows TCP 443 anywhere (a Terraform security group without `egress` has none:
    /// Terraform removes the default allow-all rule, which CloudFormation keeps). Where the
    /// allowed traffic goes (the endpoint or the internet) is `check`'s to follow. Groups
    /// from outside the input, or that a module or nested stack may add rules to, are unknown.
    ///
    /// ## Why it matters
    /// The agent opens an outbound HTTPS connection to Session Manager. A security group that
    /// allows only, say, TCP 80 out, or HTTPS only to a database subnet, drops it silently:
    /// `execute-command` fails with `TargetNotConnectedException` although every other check
    /// passes.
    ///
    /// ## How to fix
    /// Add an egress rule: `aws ec2 authorize-security-group-egress --group-id SG
    /// --ip-permissions 'IpProtocol=tcp,FromPort=443,ToPort=443,IpRanges=[{CidrIp=0.0.0.0/0}]'`
    /// (or `UserIdGroupPairs=[{GroupId=ENDPOINT_SG}]` towards the endpoint's security group).
    ///
    /// ## References
    /// - Amazon ECS developer guide, "Using ECS Exec" (networking); amazon-ecs-exec-checker#43,
    ///   #47, #72
    pub static CHECK = {
        code: "NW003",
        name: "security-group-egress",
        category: Network,
        severity: Error,
        scope: LiveAndLint,
        level: Task,
        summary: "The task's security groups allow outbound TCP 443 to ssmmessages",
        needs: [Task, Network, Interface, Firewall],
        // Which way the traffic goes depends on DNS, not on the routes or NAT gateways.
        unaffected_by: [
            "ec2:DescribeRouteTables",
            "ec2:DescribeNatGateways",
            "ec2:DescribeVpcs",
            "ec2:DescribeDhcpOptions"
        ],
        evaluate: evaluate,
    };
}

use super::path::{self, Via};
use super::rules::Reach;
use crate::facts::{Facts, Mode, Unavailable};
use crate::outcome::{Finding, Fix, Verdict};

fn evaluate(f: &Facts<'_>) -> Result<Verdict, Unavailable> {
    if f.mode == Mode::Offline {
        return super::input_groups::judge(f);
    }
    if let Some(na) = super::outside_aws(f) {
        return Ok(na);
    }
    let net = f.network()?;
    let interface = f.interface()?;
    let firewall = f.firewall()?;
    let region = &f.target().region;
    let via = path::via(net, region);
    let dest = path::destination(net, &via);
    let (towards, permission) = match &via {
        Via::Endpoint(ep) => (
            format!("the ssmmessages endpoint `{}`", ep.id),
            match ep.security_groups.first() {
                Some(sg) => format!("UserIdGroupPairs=[{{GroupId={sg}}}]"),
                None => format!(
                    "IpRanges=[{}]",
                    dest.nets
                        .iter()
                        .map(|n| format!("{{CidrIp={n}}}"))
                        .collect::<Vec<_>>()
                        .join(",")
                ),
            },
        ),
        Via::Internet => (
            format!("ssmmessages.{region}.amazonaws.com (0.0.0.0/0)"),
            "IpRanges=[{CidrIp=0.0.0.0/0}]".to_string(),
        ),
    };
    if matches!(via, Via::Endpoint(_)) && dest.nets.is_empty() && dest.groups.is_empty() {
        return Err(Unavailable::new(
            "the ssmmessages endpoint's subnets and security groups are not known",
        ));
    }
    let group = interface
        .security_groups
        .first()
        .cloned()
        .unwrap_or_else(|| "SG".into());
    let fix = Fix::new(format!("allow outbound HTTPS from `{group}` to {towards}")).command(format!(
        "aws ec2 authorize-security-group-egress --group-id {group} --ip-permissions 'IpProtocol=tcp,FromPort=443,ToPort=443,{permission}' --region {region}"
    ));
    let groups = interface.security_groups.join(", ");
    let (reach, foreign) = path::sg_reach(interface, firewall, &via, &dest, path::SSMMESSAGES);
    Ok(match reach {
        Reach::Allowed { by } => Verdict::pass(format!(
            "security groups of `{}` allow TCP 443 to {towards}: {by}",
            interface.id
        )),
        Reach::Partial { by, missing } => Verdict::Findings(vec![
            Finding::warning(format!(
                "security groups {groups} of `{}` allow TCP 443 to only part of {towards}",
                interface.id
            ))
            .subject(group.clone())
            .evidence(by)
            .evidence(format!("not covered: {missing}"))
            .fix(fix),
        ]),
        Reach::Blocked { by } => {
            let mut finding = Finding::error(format!(
                    "security groups {groups} of `{}` block outbound TCP 443 to {towards}: the exec agent cannot connect",
                    interface.id
                ))
                .subject(group.clone())
                .evidence(by);
            for why in &foreign {
                finding = finding.evidence(why.clone());
            }
            Verdict::Findings(vec![finding.fix(fix)])
        }
        Reach::Unknown { why } => {
            let action = firewall
                .prefix_list_error
                .as_ref()
                .and_then(|e| e.missing_action())
                .map(str::to_string);
            return Err(Unavailable::new(why).with_action(action));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SgRule;
    use crate::testing::*;

    fn egress(d: &mut crate::facts::Diagnosis, rules: Vec<SgRule>) {
        d.subjects[0]
            .firewall
            .value_mut()
            .security_groups
            .get_mut(TASK_SG)
            .unwrap()
            .egress = rules;
    }

    fn tcp(port: i32, cidr: &str) -> SgRule {
        SgRule {
            protocol: "tcp".into(),
            from_port: Some(port),
            to_port: Some(port),
            ipv4_ranges: vec![cidr.into()],
            ..SgRule::default()
        }
    }

    #[test]
    fn verdicts() {
        let mut d = diagnosis();
        assert_pass(&CHECK, &d);
        egress(&mut d, vec![tcp(80, "0.0.0.0/0")]);
        assert_finding(&CHECK, &d, Severity::Error, "block outbound TCP 443");
        egress(&mut d, vec![tcp(443, "10.0.0.0/16")]);
        assert_pass(&CHECK, &d);
        // Without the endpoint the agent goes to the internet: 10.0.0.0/16 is not enough.
        d.subjects[0].network.value_mut().endpoints.clear();
        assert_finding(&CHECK, &d, Severity::Error, "block outbound TCP 443");
        let r = run(&CHECK, &d);
        assert!(
            r.findings[0].evidence[0].contains("only private addresses are allowed"),
            "{r:#?}"
        );
        egress(&mut d, vec![tcp(443, "0.0.0.0/1")]);
        assert_finding(&CHECK, &d, Severity::Warning, "only part");
        egress(
            &mut d,
            vec![SgRule {
                protocol: "-1".into(),
                ipv6_ranges: vec!["::/0".into()],
                ..SgRule::default()
            }],
        );
        assert_finding(&CHECK, &d, Severity::Error, "block outbound");
        d.subjects[0].firewall = fact_failed_denied("ec2:DescribeSecurityGroups");
        assert_unknown(&CHECK, &d);
    }

    /// HTTPS out only to S3's AWS-managed prefix list: S3's addresses never hold
    /// ssmmessages', so on the internet path this is red, not "part of the internet".
    #[test]
    fn another_services_prefix_list_does_not_reach_ssmmessages() {
        let mut d = diagnosis();
        d.subjects[0].network.value_mut().endpoints.clear();
        egress(
            &mut d,
            vec![SgRule {
                protocol: "tcp".into(),
                from_port: Some(443),
                to_port: Some(443),
                prefix_lists: vec!["pl-63a5400a".into()],
                ..SgRule::default()
            }],
        );
        let fw = d.subjects[0].firewall.value_mut();
        fw.prefix_lists.insert(
            "pl-63a5400a".into(),
            vec![
                "52.216.0.0/15".into(),
                "3.5.0.0/19".into(),
                "54.231.0.0/16".into(),
            ],
        );
        // Without the list's name, the doctor cannot tell whose addresses they are.
        assert_finding(&CHECK, &d, Severity::Warning, "only part of");
        d.subjects[0]
            .firewall
            .value_mut()
            .prefix_list_names
            .insert("pl-63a5400a".into(), "com.amazonaws.us-east-1.s3".into());
        assert_finding(&CHECK, &d, Severity::Error, "block outbound TCP 443");
        let r = run(&CHECK, &d);
        assert!(
            r.findings[0]
                .evidence
                .iter()
                .any(|e| e.contains("com.amazonaws.us-east-1.s3")),
            "{r:?}"
        );
        // A customer-managed list of that name is still judged by its entries.
        d.subjects[0]
            .firewall
            .value_mut()
            .prefix_list_names
            .insert("pl-63a5400a".into(), "office-egress".into());
        assert_finding(&CHECK, &d, Severity::Warning, "only part of");
    }
}
