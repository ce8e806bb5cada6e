//! Security groups defined in the same input as the services that use them, so `lint` can
//! tell a service whose tasks can send no HTTPS at all (NW003). Terraform: `aws_security_group`
//! (its `egress` blocks; without any, Terraform removes the default allow-all rule),
//! `aws_security_group_rule` of type `egress` and `aws_vpc_security_group_egress_rule`.
//! CloudFormation: `AWS::EC2::SecurityGroup` (without `SecurityGroupEgress` it keeps the
//! default allow-all rule) and `AWS::EC2::SecurityGroupEgress`. Whatever may add rules the
//! input does not show (a module or nested stack given the group, a rule under a `count`
//! known at apply time, a dynamic block, a value known only at deploy time) is named, so the
//! check is unknown rather than red.

use std::collections::BTreeMap;

pub mod cloudformation;
pub mod terraform;

use super::module::expression;
use super::tree::{Node, NodeKind};
use crate::facts::Fact;
use crate::model::{InputGroup, InputGroups, InputRule};

/// Why a service without an awsvpc network configuration has no security groups of its own.
pub const NO_AWSVPC: &str = "the service sets no awsvpc network configuration: its tasks use the instance's network and security groups";

/// The groups of one input, by Terraform name or logical id.
pub type Groups = BTreeMap<String, InputGroup>;

/// A value's text: a string or number as written, an unknown's expression.
pub(super) fn text(n: &Node) -> Option<String> {
    match &n.kind {
        NodeKind::String(s) | NodeKind::Number(s) => Some(s.clone()),
        _ => None,
    }
}

pub(super) fn port(n: Option<&Node>) -> Result<Option<i64>, ()> {
    match n {
        None => Ok(None),
        Some(n) => text(n)
            .and_then(|t| t.trim().parse().ok())
            .map(Some)
            .ok_or(()),
    }
}

/// Destinations of a rule from its attributes (IPv4 ranges, groups, prefix lists); `Err` when
/// one is known only at deploy time.
pub(super) fn destinations(
    rule: &Node,
    keys: &[&str],
    group_ref: &dyn Fn(&Node) -> Option<String>,
) -> Result<Vec<String>, String> {
    let mut to = Vec::new();
    for key in keys {
        let Some(v) = rule.get(key) else { continue };
        let items: Vec<&Node> = if v.is_seq() {
            v.items().iter().collect()
        } else {
            vec![v]
        };
        if let Some(e) = expression(v).map(str::to_string).or_else(|| {
            matches!(v.kind, NodeKind::Tagged { .. } | NodeKind::Map(_)).then(|| key.to_string())
        }) && group_ref(v).is_none()
        {
            return Err(e);
        }
        for item in items {
            if let Some(g) = group_ref(item) {
                to.push(g);
            } else if let Some(t) = text(item) {
                to.push(t);
            } else if let NodeKind::Bool(true) = item.kind {
                to.push("itself".into());
            } else if let NodeKind::Bool(false) = item.kind {
            } else {
                return Err(expression(item).unwrap_or(key).to_string());
            }
        }
    }
    Ok(to)
}

pub(super) fn rule(
    proto: Option<&Node>,
    from: Option<&Node>,
    to_port: Option<&Node>,
    to: Result<Vec<String>, String>,
    source: String,
) -> Result<InputRule, String> {
    let protocol = proto
        .and_then(text)
        .ok_or_else(|| format!("the protocol of {source}"))?;
    let (Ok(from_port), Ok(to_port)) = (port(from), port(to_port)) else {
        return Err(format!("the ports of {source}"));
    };
    Ok(InputRule {
        protocol,
        from_port,
        to_port,
        to: to.map_err(|e| format!("the destination of {source} (`{e}`)"))?,
        source,
    })
}

/// The fact for a service from its security-group list (`security_groups` of its
/// `network_configuration`, `SecurityGroups` of its `AwsvpcConfiguration`), given how the
/// list's items name groups of `groups`.
pub fn service_fact(
    network: Option<&Node>,
    list: Option<&Node>,
    groups: &Groups,
    group_of: &dyn Fn(&Node) -> Option<String>,
) -> Fact<InputGroups> {
    if network.is_none() {
        return Fact::absent(NO_AWSVPC);
    }
    let Some(list) = list.filter(|l| l.is_seq()) else {
        return Fact::NotFetched;
    };
    let mut out = InputGroups::default();
    for item in list.items() {
        let Some(g) = group_of(item).and_then(|id| groups.get(&id)) else {
            return Fact::NotFetched;
        };
        out.groups.push(g.clone());
    }
    if out.groups.is_empty() {
        return Fact::NotFetched;
    }
    Fact::ok(out)
}

#[cfg(test)]
mod tests;
