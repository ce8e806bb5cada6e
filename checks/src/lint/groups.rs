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

use hcl_edit::structure::Body;

use super::LintUnit;
use super::iam::cloudformation::referenced_id;
use super::iam::terraform::{ModuleFile, expression, referenced};
use super::tree::{Node, NodeKind};
use crate::facts::Fact;
use crate::model::{InputGroup, InputGroups, InputRule};

/// Why a service without an awsvpc network configuration has no security groups of its own.
pub const NO_AWSVPC: &str = "the service sets no awsvpc network configuration: its tasks use the instance's network and security groups";

/// The groups of one input, by Terraform name or logical id.
pub type Groups = BTreeMap<String, InputGroup>;

/// A value's text: a string or number as written, an unknown's expression.
fn text(n: &Node) -> Option<String> {
    match &n.kind {
        NodeKind::String(s) | NodeKind::Number(s) => Some(s.clone()),
        _ => None,
    }
}

fn port(n: Option<&Node>) -> Result<Option<i64>, ()> {
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
fn destinations(
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

fn rule(
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

/// The Terraform module's security groups.
pub fn terraform(files: &[ModuleFile<'_, '_>]) -> Groups {
    let mut groups = Groups::new();
    let mut rules: Vec<(String, Node)> = Vec::new();
    let sg_ref = |n: &Node| {
        expression(n)
            .and_then(|t| referenced(t, "aws_security_group"))
            .map(|g| format!("aws_security_group.{g}"))
    };
    for f in files {
        for block in f.body.blocks() {
            if block.ident.as_str() != "resource" {
                continue;
            }
            let [ty, name] = block.labels.as_slice() else {
                continue;
            };
            let (ty, name) = (super::hcl::label_text(ty), super::hcl::label_text(name));
            let values = super::hcl::block_values(f.env, &block.body, 0);
            match ty.as_str() {
                "aws_security_group" => {
                    let mut g = InputGroup {
                        name: format!("aws_security_group.{name}"),
                        ..Default::default()
                    };
                    match values.get("egress") {
                        Some(e) if !e.is_seq() => g
                            .unread
                            .push("its `egress` (a dynamic block or an expression)".into()),
                        Some(list) => {
                            for (i, r) in list.items().iter().enumerate() {
                                let source = format!("egress #{} of {}", i + 1, g.name);
                                let to = destinations(
                                    r,
                                    &["cidr_blocks", "security_groups", "prefix_list_ids", "self"],
                                    &sg_ref,
                                );
                                match rule(
                                    r.get("protocol"),
                                    r.get("from_port"),
                                    r.get("to_port"),
                                    to,
                                    source,
                                ) {
                                    Ok(r) => g.egress.push(r),
                                    Err(why) => g.unread.push(why),
                                }
                            }
                        }
                        None => {}
                    }
                    groups.insert(name, g);
                }
                "aws_security_group_rule" | "aws_vpc_security_group_egress_rule" => {
                    rules.push((format!("{ty}.{name}"), values));
                }
                _ => {}
            }
        }
    }
    for (address, values) in rules {
        let Some(group) = values
            .get("security_group_id")
            .and_then(expression)
            .and_then(|t| referenced(t, "aws_security_group"))
        else {
            continue;
        };
        let Some(g) = groups.get_mut(&group) else {
            continue;
        };
        let vpc_rule = address.starts_with("aws_vpc_");
        if !vpc_rule {
            match values.get("type").and_then(Node::as_str) {
                Some("egress") => {}
                Some(_) => continue,
                None => {
                    g.unread.push(format!(
                        "`{address}` (its type is known only at apply time)"
                    ));
                    continue;
                }
            }
        }
        match ["count", "for_each"]
            .iter()
            .find_map(|k| values.get(k))
            .map(|n| &n.kind)
        {
            Some(NodeKind::Number(c)) if c.trim() == "0" => continue,
            Some(NodeKind::Number(_) | NodeKind::Seq(_) | NodeKind::Map(_)) | None => {}
            Some(_) => {
                g.unread.push(format!(
                    "`{address}` (whether it exists is known only at apply time)"
                ));
                continue;
            }
        }
        let parsed = if vpc_rule {
            let to = destinations(
                &values,
                &[
                    "cidr_ipv4",
                    "referenced_security_group_id",
                    "prefix_list_id",
                ],
                &sg_ref,
            );
            rule(
                values.get("ip_protocol"),
                values.get("from_port"),
                values.get("to_port"),
                to,
                format!("`{address}`"),
            )
        } else {
            let to = destinations(
                &values,
                &[
                    "cidr_blocks",
                    "source_security_group_id",
                    "prefix_list_ids",
                    "self",
                ],
                &sg_ref,
            );
            rule(
                values.get("protocol"),
                values.get("from_port"),
                values.get("to_port"),
                to,
                format!("`{address}`"),
            )
        };
        match parsed {
            Ok(r) => g.egress.push(r),
            Err(why) => g.unread.push(why),
        }
    }
    for f in files {
        mentioned_by_modules(f, &mut groups);
    }
    groups
}

fn mentioned_by_modules(f: &ModuleFile<'_, '_>, groups: &mut Groups) {
    let body: &Body = f.body;
    for block in body.blocks().filter(|b| b.ident.as_str() == "module") {
        let name = block
            .labels
            .first()
            .map(super::hcl::label_text)
            .unwrap_or_default();
        for attr in block.body.attributes() {
            let text = super::hcl::expression_text(f.env.source(), &attr.value);
            for (g, group) in groups.iter_mut() {
                let what = format!("the rules `module.{name}` may add");
                if text.contains(&format!("aws_security_group.{g}."))
                    && !group.unread.contains(&what)
                {
                    group.unread.push(what);
                }
            }
        }
    }
}

/// The template's security groups.
pub fn cloudformation(root: &Node) -> Groups {
    let resources = root.get("Resources").map_or(&[][..], Node::entries);
    let ty = |n: &Node| n.get("Type").and_then(Node::as_str).map(str::to_string);
    let mut groups = Groups::new();
    let sg_ref = |n: &Node| referenced_id(n);
    for e in resources
        .iter()
        .filter(|e| ty(&e.value).as_deref() == Some("AWS::EC2::SecurityGroup"))
    {
        let mut g = InputGroup {
            name: e.key.clone(),
            ..Default::default()
        };
        match e
            .value
            .get("Properties")
            .and_then(|p| p.get("SecurityGroupEgress"))
        {
            None => g.egress.push(InputRule {
                protocol: "-1".into(),
                from_port: None,
                to_port: None,
                to: vec!["0.0.0.0/0".into()],
                source: format!(
                    "the default allow-all egress rule of {} (it sets no SecurityGroupEgress)",
                    e.key
                ),
            }),
            Some(list) if list.is_seq() => {
                for (i, r) in list.items().iter().enumerate() {
                    let source = format!("SecurityGroupEgress #{} of {}", i + 1, e.key);
                    let to = destinations(
                        r,
                        &[
                            "CidrIp",
                            "DestinationSecurityGroupId",
                            "DestinationPrefixListId",
                        ],
                        &sg_ref,
                    );
                    match rule(
                        r.get("IpProtocol"),
                        r.get("FromPort"),
                        r.get("ToPort"),
                        to,
                        source,
                    ) {
                        Ok(r) => g.egress.push(r),
                        Err(why) => g.unread.push(why),
                    }
                }
            }
            Some(_) => g.unread.push(format!(
                "the SecurityGroupEgress of {} (known only at deploy time)",
                e.key
            )),
        }
        groups.insert(e.key.clone(), g);
    }
    for e in resources {
        let t = ty(&e.value).unwrap_or_default();
        let props = e.value.get("Properties");
        if t == "AWS::EC2::SecurityGroupEgress" {
            let Some(g) = props
                .and_then(|p| p.get("GroupId"))
                .and_then(referenced_id)
                .and_then(|id| groups.get_mut(&id).map(|g| (id, g)))
                .map(|(_, g)| g)
            else {
                continue;
            };
            let Some(p) = props else { continue };
            let to = destinations(
                p,
                &[
                    "CidrIp",
                    "DestinationSecurityGroupId",
                    "DestinationPrefixListId",
                ],
                &sg_ref,
            );
            match rule(
                p.get("IpProtocol"),
                p.get("FromPort"),
                p.get("ToPort"),
                to,
                format!("`{}`", e.key),
            ) {
                Ok(r) => g.egress.push(r),
                Err(why) => g.unread.push(why),
            }
        } else if t == "AWS::CloudFormation::Stack" || t.starts_with("Custom::") {
            let mut stack = vec![&e.value];
            while let Some(n) = stack.pop() {
                if let Some(id) = referenced_id(n)
                    && let Some(g) = groups.get_mut(&id)
                {
                    let what = format!("the rules `{}` ({t}) may add", e.key);
                    if !g.unread.contains(&what) {
                        g.unread.push(what);
                    }
                }
                match &n.kind {
                    NodeKind::Map(es) => stack.extend(es.iter().map(|x| &x.value)),
                    NodeKind::Seq(items) => stack.extend(items.iter()),
                    NodeKind::Tagged { value, .. } => stack.push(value),
                    _ => {}
                }
            }
        }
    }
    groups
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

/// Attaches the service facts to the template's service units.
pub fn attach_cloudformation(root: &Node, units: &mut [LintUnit]) {
    let groups = cloudformation(root);
    for unit in units.iter_mut().filter(|u| u.service.is_some()) {
        let Some(props) = unit.locator.resolved.clone() else {
            continue;
        };
        let network = props
            .get("NetworkConfiguration")
            .and_then(|n| n.get("AwsvpcConfiguration"));
        let list = network.and_then(|n| n.get("SecurityGroups"));
        unit.service_security_groups =
            Some(service_fact(network, list, &groups, &|n| referenced_id(n)));
    }
}

/// Attaches the service facts to the module's service units, whose attributes are in `doc`.
pub fn attach_terraform(
    files: &[ModuleFile<'_, '_>],
    doc: &[super::tree::Entry],
    units: &mut [LintUnit],
) {
    let groups = terraform(files);
    for unit in units.iter_mut().filter(|u| u.service.is_some()) {
        let Some(values) = doc.iter().find(|e| e.key == unit.name).map(|e| &e.value) else {
            continue;
        };
        let network = values
            .get("network_configuration")
            .and_then(|n| n.items().first().or(Some(n)));
        let list = network.and_then(|n| n.get("security_groups"));
        let of = |n: &Node| expression(n).and_then(|t| referenced(t, "aws_security_group"));
        unit.service_security_groups = Some(service_fact(network, list, &groups, &of));
    }
}

#[cfg(test)]
mod tests;
