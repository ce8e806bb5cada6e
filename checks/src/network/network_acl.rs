crate::declare_check! {
    /// ## What it checks
    /// That the network ACL of the task's subnet lets the exec agent's connection through in
    /// both directions, since ACLs are stateless: outbound TCP 443 to `ssmmessages` (the
    /// interface endpoint's subnets, or any address when the path is the internet) and inbound
    /// TCP 1024–65535 from there for the return traffic. Entries are evaluated as AWS does: in
    /// rule-number order, the first match decides, and the final `*` rule denies. Traffic to an
    /// endpoint in the task's own subnet does not cross the ACL; the ACL of each of the
    /// endpoint's other subnets must admit TCP 443 from the task and let TCP 1024–65535 back
    /// out to it. When the default route leads
    /// to a NAT gateway in another subnet, that subnet's ACL is on the path too: inbound TCP
    /// 443 from the task and outbound TCP 1024–65535 back to it, outbound TCP 443 to the
    /// internet and inbound TCP 1024–65535 from it (the NAT gateway's ports). A subnet shared
    /// from another account (RAM) hides its ACL: UNKNOWN, naming what the owner must confirm.
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
        // Which DNS servers the VPC names does not change what the ACLs and groups let through.
        unaffected_by: ["ec2:DescribeVpcs", "ec2:DescribeDhcpOptions"],
        evaluate: evaluate,
    };
}

use super::path::{self, Via};
use super::rules::{self, Net4, Peer, Reach};

use crate::facts::{Facts, Unavailable};
use crate::model::{Network, NetworkAcl};
use crate::outcome::Status;
use crate::outcome::{Finding, Fix, Verdict};

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

/// The NAT gateway the subnet's default route leads to, when it sits in another subnet whose
/// network ACL is visible: (NAT gateway id, its subnet, that subnet's ACL).
pub fn nat_hop<'a>(
    net: &'a Network,
    firewall: &'a crate::model::Firewall,
) -> Option<(&'a str, &'a str, &'a NetworkAcl)> {
    let route = net
        .routes
        .iter()
        .find(|r| r.destination == "0.0.0.0/0" && r.target.starts_with("nat-"))?;
    let nat = net
        .nat_gateways
        .iter()
        .flatten()
        .find(|n| n.id == route.target)?;
    let subnet = nat.subnet_id.as_deref()?;
    if subnet == net.subnet_id {
        return None;
    }
    Some((nat.id.as_str(), subnet, firewall.acl_of(subnet)?))
}

/// The four legs of the connection as the NAT gateway's subnet ACL sees them: in from the task
/// on 443 and back out to its ephemeral ports, out to the internet on 443 and the answers back
/// in on the NAT's ephemeral ports (1024-65535). (egress, from port, to port, peer, words).
pub fn nat_legs(task: Net4) -> [(bool, u16, u16, Net4, &'static str); 4] {
    [
        (false, 443, 443, task, "inbound TCP 443 from the task"),
        (
            true,
            1024,
            65535,
            task,
            "outbound TCP 1024-65535 back to the task",
        ),
        (
            true,
            443,
            443,
            Net4::ANY,
            "outbound TCP 443 to the internet",
        ),
        (
            false,
            1024,
            65535,
            Net4::ANY,
            "inbound TCP 1024-65535 from the internet (return traffic)",
        ),
    ]
}

/// One leg through an ACL; towards any address means towards ssmmessages' public addresses.
pub fn leg(acl: &NetworkAcl, egress: bool, from: u16, to: u16, peer: &Net4) -> Reach {
    if *peer == Net4::ANY {
        path::towards_internet(|block| rules::acl(acl, egress, block, from, to))
    } else {
        rules::acl(acl, egress, peer, from, to)
    }
}

/// What the task's traffic looks like to the ACLs beyond its subnet: its address, else its
/// subnet's range.
pub fn task_source(net: &Network, interface: Option<&crate::model::Interface>) -> Option<Net4> {
    interface
        .and_then(|i| i.private_ip.as_deref())
        .and_then(Net4::parse)
        .or_else(|| net.subnet_cidr.as_deref().and_then(Net4::parse))
}

/// Outbound 443 and inbound ephemeral, for the hop view: (status, detail).
pub fn judge_acl(acl: &NetworkAcl, dest: &Peer, net: &Network) -> (Status, String) {
    let nets = crossing(net, dest);
    if nets.is_empty() {
        return (Status::Pass, "traffic stays inside the subnet".into());
    }
    hop_verdict(nets.iter().flat_map(|n| {
        [(true, 443, 443), (false, 1024, 65535)].map(|(egress, from, to)| {
            match leg(acl, egress, from, to, n) {
                Reach::Allowed { by } => (Status::Pass, by),
                Reach::Partial { by, missing } => {
                    (Status::Warning, format!("{by}; denied: {missing}"))
                }
                Reach::Blocked { by } => (Status::Error, by),
                Reach::Unknown { why } => (Status::Unknown, why),
            }
        })
    }))
}

/// One hop's verdict from its legs': the worst leg's, or every passing leg's text.
fn hop_verdict(legs: impl Iterator<Item = (Status, String)>) -> (Status, String) {
    let mut worst = (Status::Pass, String::new());
    let mut details = Vec::new();
    for (status, text) in legs {
        if status < worst.0 {
            worst = (status, text.clone());
        }
        details.push(text);
    }
    details.dedup();
    if worst.0 == Status::Pass {
        (Status::Pass, details.join("; "))
    } else {
        worst
    }
}

fn evaluate(f: &Facts<'_>) -> Result<Verdict, Unavailable> {
    if let Some(na) = super::outside_aws(f) {
        return Ok(na);
    }
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
            match leg(acl, egress, from, to, n) {
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
    match via {
        Via::Internet => nat_subnet_findings(f, net, firewall, &mut findings, &mut evidence)?,
        Via::Endpoint(ep) => {
            endpoint_subnet_findings(f, net, ep, firewall, &mut findings, &mut evidence)?
        }
    }
    Ok(Verdict::from_findings(findings, evidence))
}

/// The ACL of the NAT gateway's own subnet, on the four legs of [`nat_legs`].
fn nat_subnet_findings(
    f: &Facts<'_>,
    net: &Network,
    firewall: &crate::model::Firewall,
    findings: &mut Vec<Finding>,
    evidence: &mut Vec<String>,
) -> Result<(), Unavailable> {
    let Some((nat, subnet, acl)) = nat_hop(net, firewall) else {
        return Ok(());
    };
    let Some(task) = task_source(net, f.interface().ok()) else {
        return Ok(());
    };
    let far = FarSubnet {
        acl,
        subnet,
        role: format!("where NAT gateway `{nat}` sits"),
    };
    far.judge(f, &nat_legs(task), findings, evidence)
}

/// The ACLs of the endpoint's subnets other than the task's: HTTPS in from the task, the
/// answers back out to it.
fn endpoint_subnet_findings(
    f: &Facts<'_>,
    net: &Network,
    ep: &crate::model::VpcEndpoint,
    firewall: &crate::model::Firewall,
    findings: &mut Vec<Finding>,
    evidence: &mut Vec<String>,
) -> Result<(), Unavailable> {
    let Some(task) = task_source(net, f.interface().ok()) else {
        return Ok(());
    };
    for (subnet, acl) in endpoint_acls(net, ep, firewall) {
        let far = FarSubnet {
            acl,
            subnet,
            role: format!("where endpoint `{}` has an interface", ep.id),
        };
        far.judge(f, &endpoint_legs(task), findings, evidence)?;
    }
    Ok(())
}

/// The endpoint's subnets other than the task's, with their ACLs where visible.
pub fn endpoint_acls<'a>(
    net: &Network,
    ep: &'a crate::model::VpcEndpoint,
    firewall: &'a crate::model::Firewall,
) -> Vec<(&'a str, &'a NetworkAcl)> {
    ep.subnet_ids
        .iter()
        .filter(|s| **s != net.subnet_id)
        .filter_map(|s| Some((s.as_str(), firewall.acl_of(s)?)))
        .collect()
}

/// The two legs of the connection as an endpoint subnet's ACL sees them.
pub fn endpoint_legs(task: Net4) -> [(bool, u16, u16, Net4, &'static str); 2] {
    [
        (false, 443, 443, task, "inbound TCP 443 from the task"),
        (
            true,
            1024,
            65535,
            task,
            "outbound TCP 1024-65535 back to the task",
        ),
    ]
}

/// A subnet beyond the task's on the path, and its ACL.
struct FarSubnet<'a> {
    acl: &'a NetworkAcl,
    subnet: &'a str,
    /// Why the subnet is on the path ("where NAT gateway `nat-…` sits").
    role: String,
}

impl FarSubnet<'_> {
    fn judge(
        &self,
        f: &Facts<'_>,
        legs: &[(bool, u16, u16, Net4, &'static str)],
        findings: &mut Vec<Finding>,
        evidence: &mut Vec<String>,
    ) -> Result<(), Unavailable> {
        let (acl, subnet, role) = (self.acl, self.subnet, &self.role);
        let region = &f.target().region;
        for (egress, from, to, peer, words) in legs.iter().copied() {
            let flag = if egress { "--egress" } else { "--ingress" };
            let fix = Fix::new(format!("allow {words} in network ACL `{}` of subnet `{subnet}`", acl.id)).command(format!(
                "aws ec2 create-network-acl-entry --network-acl-id {} {flag} --rule-number {} --protocol tcp --port-range From={from},To={to} --cidr-block {peer} --rule-action allow --region {region}",
                acl.id,
                free_rule_number(acl, egress)
            ));
            match leg(acl, egress, from, to, &peer) {
                Reach::Allowed { by } => evidence.push(format!("subnet `{subnet}` ({role}): {words}: {by}")),
                Reach::Partial { by, missing } => findings.push(
                    Finding::warning(format!(
                        "network ACL `{}` of subnet `{subnet}`, {role}, allows {words} only in part",
                        acl.id
                    ))
                    .subject(acl.id.clone())
                    .evidence(by)
                    .evidence(format!("denied: {missing}"))
                    .fix(fix),
                ),
                Reach::Blocked { by } => findings.push(
                    Finding::error(format!(
                        "network ACL `{}` of subnet `{subnet}`, {role}, blocks {words}: {by}",
                        acl.id
                    ))
                    .subject(acl.id.clone())
                    .fix(fix),
                ),
                Reach::Unknown { why } => return Err(Unavailable::new(why)),
            }
        }
        Ok(())
    }
}

/// A far subnet's ACL for the hop view: (status, detail).
pub fn judge_far_acl(
    acl: &NetworkAcl,
    legs: &[(bool, u16, u16, Net4, &'static str)],
) -> (Status, String) {
    hop_verdict(legs.iter().map(|(egress, from, to, peer, words)| {
        match leg(acl, *egress, *from, *to, peer) {
            Reach::Allowed { by } => (Status::Pass, by),
            Reach::Partial { by, missing } => {
                (Status::Warning, format!("{words}: {by}; denied: {missing}"))
            }
            Reach::Blocked { by } => (Status::Error, format!("{words} is blocked: {by}")),
            Reach::Unknown { why } => (Status::Unknown, why),
        }
    }))
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

    /// A non-default ACL of one subnet.
    fn subnet_acl(id: &str, subnet: &str, entries: Vec<AclEntry>) -> crate::model::NetworkAcl {
        crate::model::NetworkAcl {
            id: id.into(),
            is_default: false,
            subnet_ids: vec![subnet.into()],
            entries,
        }
    }

    /// Everything allowed both ways, as a default ACL.
    fn allow_all() -> Vec<AclEntry> {
        vec![
            entry(100, false, "-1", "allow", None),
            entry(100, true, "-1", "allow", None),
            entry(32767, false, "-1", "deny", None),
            entry(32767, true, "-1", "deny", None),
        ]
    }

    /// A web-tier ACL: HTTPS in and out, no ephemeral return traffic.
    fn web_tier() -> Vec<AclEntry> {
        vec![
            entry(100, false, "6", "allow", Some((443, 443))),
            entry(100, true, "6", "allow", Some((443, 443))),
            entry(32767, false, "-1", "deny", None),
            entry(32767, true, "-1", "deny", None),
        ]
    }

    /// The NAT gateway's own subnet has an ACL too: the task's connection enters it on 443,
    /// leaves it to the internet on 443, and both answers come back on ephemeral ports.
    #[test]
    fn the_nat_gateway_subnet_acl_is_on_the_path() {
        let mut d = diagnosis();
        let net = d.subjects[0].network.value_mut();
        net.endpoints.clear();
        net.routes.push(crate::model::Route {
            destination: "0.0.0.0/0".into(),
            target: "nat-0a".into(),
            state: "active".into(),
        });
        net.nat_gateways = Some(vec![crate::model::NatGateway {
            id: "nat-0a".into(),
            state: "available".into(),
            subnet_id: Some("subnet-0public".into()),
            connectivity: Some("public".into()),
            subnet_routes: None,
            subnet_route_table: None,
        }]);
        let public = |entries| subnet_acl("acl-0public", "subnet-0public", entries);
        d.subjects[0]
            .firewall
            .value_mut()
            .network_acls
            .push(public(allow_all()));
        assert_pass(&CHECK, &d);
        let hops = drawn_path(&d);
        assert!(
            hops.iter()
                .any(|h| h.resource == "acl-0public" && h.status == Status::Pass),
            "{hops:?}"
        );

        d.subjects[0].firewall.value_mut().network_acls[1] = public(web_tier());
        assert_finding(
            &CHECK,
            &d,
            Severity::Error,
            "where NAT gateway `nat-0a` sits, blocks",
        );
        let hops = drawn_path(&d);
        assert!(
            hops.iter()
                .any(|h| h.resource == "acl-0public" && h.status == Status::Error),
            "{hops:?}"
        );
        assert_eq!(hops.last().unwrap().status, Status::Error, "{hops:?}");
    }

    /// An endpoint in its own subnet: that subnet's ACL must admit HTTPS from the task and let
    /// the answers back out to it.
    #[test]
    fn the_endpoint_subnet_acl_is_on_the_path() {
        let mut d = diagnosis();
        let net = d.subjects[0].network.value_mut();
        net.endpoints[0].subnet_ids = vec!["subnet-0endpoints".into()];
        net.subnet_cidrs
            .insert("subnet-0endpoints".into(), "10.0.9.0/24".into());
        let acl = |entries| subnet_acl("acl-0endpoints", "subnet-0endpoints", entries);
        d.subjects[0]
            .firewall
            .value_mut()
            .network_acls
            .push(acl(allow_all()));
        assert_pass(&CHECK, &d);
        d.subjects[0].firewall.value_mut().network_acls[1] = acl(web_tier());
        assert_finding(
            &CHECK,
            &d,
            Severity::Error,
            "where endpoint `vpce-0ssm` has an interface, blocks outbound TCP 1024-65535 back to the task",
        );
        let hops = drawn_path(&d);
        assert!(
            hops.iter()
                .any(|h| h.resource == "acl-0endpoints" && h.status == Status::Error),
            "{hops:?}"
        );
        assert_eq!(hops.last().unwrap().status, Status::Error, "{hops:?}");
    }
}
