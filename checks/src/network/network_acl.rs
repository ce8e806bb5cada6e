crate::declare_check! {
    /// ## What it checks
    /// That the network ACL of the task's subnet lets the exec agent's connection through in
    /// both directions, since ACLs are stateless: outbound TCP 443 to `ssmmessages` (the
    /// interface endpoint's subnets, or any address when the path is the internet) and inbound
    /// TCP 1024–65535 from there for the return traffic. Entries are evaluated as AWS does: in
    /// rule-number order, the first match decides, and the final `*` rule denies. Traffic to an
    /// endpoint in the task's own subnet does not cross the ACL. A subnet shared from another
    /// account (RAM) hides its ACL: UNKNOWN, naming what the owner must confirm.
    ///
    /// ## Why it matters
    /// A deny for HTTPS out, or a missing allow for the ephemeral ports in, drops the agent's
    /// connection silently: the task runs, every IAM check passes, and `execute-command` fails
    /// with `TargetNotConnectedException`.
    ///
    /// ## How to fix
    /// Add allow entries with a lower rule number than any deny that matches, for example
    /// `aws ec2 create-network-acl-entry --network-acl-id ACL --egress --rule-number 100
    /// --protocol tcp --port-range From=443,To=443 --cidr-block 0.0.0.0/0 --rule-action allow`
    /// and the inbound `--ingress --port-range From=1024,To=65535`.
    ///
    /// ## References
    /// - Amazon VPC user guide, "Control subnet traffic with network access control lists"
    ///   (ephemeral ports)
    /// - amazon-ecs-exec-checker#43, #62
    pub static CHECK = {
        code: "NW004",
        name: "network-acl",
        category: Network,
        severity: Error,
        scope: Live,
        level: Task,
        summary: "The subnet's network ACL allows HTTPS out and the return traffic in",
        needs: [Task, Network, Interface, Firewall],
        // Which way the traffic goes depends on DNS, not on the routes or NAT gateways.
        unaffected_by: ["ec2:DescribeRouteTables", "ec2:DescribeNatGateways"],
        evaluate: evaluate,
    };
}

use super::path::{self, Via};
use super::rules::{self, Net4, Peer, Reach};

use crate::facts::{Facts, Unavailable};
use crate::model::{Network, NetworkAcl};
use crate::outcome::{Finding, Fix, Verdict};
use crate::report::Status;

/// The networks whose traffic crosses the task subnet's ACL (the endpoint's subnets other
/// than the task's own, or any address).
fn crossing(net: &Network, dest: &Peer) -> Vec<Net4> {
    let own = net.subnet_cidr.as_deref().and_then(Net4::parse);
    dest.nets
        .iter()
        .copied()
        .filter(|n| own.is_none_or(|o| !o.contains(n)))
        .collect()
}

/// A rule number for a new allow entry that is evaluated before the deny that decides now:
/// just below the first deny of that direction, or after the last allow when only the default
/// rule denies.
fn free_rule_number(acl: &NetworkAcl, egress: bool) -> i32 {
    let used: Vec<i32> = acl
        .entries
        .iter()
        .filter(|e| e.egress == egress)
        .map(|e| e.rule_number)
        .collect();
    let first_deny = acl
        .entries
        .iter()
        .filter(|e| e.egress == egress && !e.action.eq_ignore_ascii_case("allow"))
        .map(|e| e.rule_number)
        .filter(|n| *n < 32767)
        .min();
    match first_deny {
        Some(deny) => (1..deny).rev().find(|n| !used.contains(n)).unwrap_or(1),
        None => {
            let last = used
                .iter()
                .copied()
                .filter(|n| *n < 32767)
                .max()
                .unwrap_or(0);
            (last + 10).min(32766)
        }
    }
}

/// Outbound 443 and inbound ephemeral, for the hop view: (status, detail).
pub fn judge_acl(acl: &NetworkAcl, dest: &Peer, net: &Network) -> (Status, String) {
    let nets = crossing(net, dest);
    if nets.is_empty() {
        return (Status::Pass, "traffic stays inside the subnet".into());
    }
    let mut worst = (Status::Pass, String::new());
    let mut details = Vec::new();
    for n in &nets {
        for (egress, from, to) in [(true, 443, 443), (false, 1024, 65535)] {
            let reach = if *n == Net4::ANY {
                path::towards_internet(|block| rules::acl(acl, egress, block, from, to))
            } else {
                rules::acl(acl, egress, n, from, to)
            };
            let (status, text) = match reach {
                Reach::Allowed { by } => (Status::Pass, by),
                Reach::Partial { by, missing } => {
                    (Status::Warning, format!("{by}; denied: {missing}"))
                }
                Reach::Blocked { by } => (Status::Error, by),
                Reach::Unknown { why } => (Status::Unknown, why),
            };
            if status < worst.0 {
                worst = (status, text.clone());
            }
            details.push(text);
        }
    }
    details.dedup();
    if worst.0 == Status::Pass {
        (Status::Pass, details.join("; "))
    } else {
        worst
    }
}

fn evaluate(f: &Facts<'_>) -> Result<Verdict, Unavailable> {
    let task = f.task()?;
    let net = f.network()?;
    let firewall = f.firewall()?;
    let via = path::via(net, &f.target().region);
    let dest = path::destination(net, &via);
    let Some(acl) = firewall.acl_of(&net.subnet_id) else {
        if let Some(error) = &firewall.network_acls_error {
            return Err(Unavailable::from_error("network ACLs", error));
        }
        let owner = super::shared_from(net, task)
            .map(|o| {
                format!(
                    "subnet `{}` is shared from account {o}, which owns its network ACL",
                    net.subnet_id
                )
            })
            .unwrap_or_else(|| {
                format!(
                    "no network ACL of subnet `{}` is visible to this account",
                    net.subnet_id
                )
            });
        return Err(Unavailable::new(format!(
            "{owner}; its owner must confirm that the ACL allows outbound TCP 443 and inbound TCP 1024-65535"
        )));
    };
    let nets = crossing(net, &dest);
    if nets.is_empty() {
        return Ok(Verdict::pass(format!(
            "the ssmmessages endpoint has an interface in subnet `{}`: traffic does not cross network ACL `{}`",
            net.subnet_id, acl.id
        )));
    }
    let region = &f.target().region;
    let towards = match via {
        Via::Endpoint(ep) => format!("the ssmmessages endpoint `{}`", ep.id),
        Via::Internet => format!("ssmmessages.{region}.amazonaws.com through the default route"),
    };
    let mut findings = Vec::new();
    let mut evidence = Vec::new();
    for n in &nets {
        for (egress, from, to) in [(true, 443u16, 443u16), (false, 1024, 65535)] {
            let (direction, ports, flag) = if egress {
                ("outbound", "TCP 443".to_string(), "--egress")
            } else {
                (
                    "inbound",
                    format!("TCP {from}-{to} (return traffic)"),
                    "--ingress",
                )
            };
            let fix = Fix::new(format!("allow {direction} {ports} in network ACL `{}`", acl.id)).command(format!(
                "aws ec2 create-network-acl-entry --network-acl-id {} {flag} --rule-number {} --protocol tcp --port-range From={from},To={to} --cidr-block {n} --rule-action allow --region {region}",
                acl.id,
                free_rule_number(acl, egress)
            ));
            let reach = if *n == Net4::ANY {
                path::towards_internet(|block| rules::acl(acl, egress, block, from, to))
            } else {
                rules::acl(acl, egress, n, from, to)
            };
            match reach {
                Reach::Allowed { by } => evidence.push(format!("{direction} {ports} {}: {by}", if egress { format!("to {n}") } else { format!("from {n}") })),
                Reach::Partial { by, missing } => findings.push(
                    Finding::warning(format!(
                        "network ACL `{}` allows {direction} {ports} for {towards} only in part",
                        acl.id
                    ))
                    .subject(acl.id.clone())
                    .evidence(by)
                    .evidence(format!("denied: {missing}"))
                    .fix(fix),
                ),
                Reach::Blocked { by } => findings.push(
                    Finding::error(format!(
                        "network ACL `{}` of subnet `{}` blocks {direction} {ports} for {towards}: {by}",
                        acl.id, net.subnet_id
                    ))
                    .subject(acl.id.clone())
                    .fix(fix),
                ),
                Reach::Unknown { why } => return Err(Unavailable::new(why)),
            }
        }
    }
    Ok(Verdict::from_findings(findings, evidence))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::AclEntry;
    use crate::testing::*;

    fn entry(
        rule_number: i32,
        egress: bool,
        protocol: &str,
        action: &str,
        ports: Option<(i32, i32)>,
    ) -> AclEntry {
        AclEntry {
            rule_number,
            egress,
            protocol: protocol.into(),
            action: action.into(),
            cidr: Some("0.0.0.0/0".into()),
            ipv6_cidr: None,
            from_port: ports.map(|p| p.0),
            to_port: ports.map(|p| p.1),
        }
    }

    fn internet(d: &mut crate::facts::Diagnosis) {
        let net = d.subjects[0].network.value_mut();
        net.endpoints.clear();
        net.routes.push(crate::model::Route {
            destination: "0.0.0.0/0".into(),
            target: "nat-0a".into(),
            state: "active".into(),
        });
    }

    #[test]
    fn verdicts() {
        let mut d = diagnosis();
        // The endpoint is in the task's subnet.
        assert_pass(&CHECK, &d);
        internet(&mut d);
        assert_pass(&CHECK, &d);
        let acl = &mut d.subjects[0].firewall.value_mut().network_acls[0];
        acl.entries
            .push(entry(90, true, "6", "deny", Some((443, 443))));
        assert_finding(&CHECK, &d, Severity::Error, "blocks outbound TCP 443");
        let acl = &mut d.subjects[0].firewall.value_mut().network_acls[0];
        acl.entries
            .retain(|e| e.rule_number != 90 && (e.egress || e.rule_number != 100));
        acl.entries
            .push(entry(110, false, "6", "allow", Some((32768, 60999))));
        assert_finding(&CHECK, &d, Severity::Warning, "only in part");
        // Return traffic allowed only from the VPC: ssmmessages' public addresses are dropped.
        let acl = &mut d.subjects[0].firewall.value_mut().network_acls[0];
        acl.entries.retain(|e| e.rule_number != 110);
        let mut vpc_only = entry(120, false, "6", "allow", None);
        vpc_only.cidr = Some("10.0.0.0/16".into());
        acl.entries.push(vpc_only);
        assert_finding(
            &CHECK,
            &d,
            Severity::Error,
            "only private addresses are allowed",
        );

        let acl = &mut d.subjects[0].firewall.value_mut().network_acls[0];
        acl.entries.retain(|e| e.rule_number != 120);
        assert_finding(&CHECK, &d, Severity::Error, "blocks inbound TCP 1024-65535");
        d.subjects[0].firewall.value_mut().network_acls.clear();
        assert_unknown(&CHECK, &d);
        d.subjects[0].network.value_mut().subnet_owner = Some("999999999999".into());
        let r = run(&CHECK, &d);
        assert!(
            r.message.contains("shared from account 999999999999"),
            "{r:#?}"
        );
    }
}
