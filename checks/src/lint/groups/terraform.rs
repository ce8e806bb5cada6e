//! Security groups of a Terraform module: `aws_security_group` with its `egress` blocks (none
//! means no egress: Terraform removes the default allow-all rule), `aws_security_group_rule`
//! of type `egress` and `aws_vpc_security_group_egress_rule`.

use super::{Groups, destinations, rule, service_fact};
use crate::lint::LintUnit;
use crate::lint::module::{
    Block, ModuleFile, blocks, exists, expression, modules_given, referenced,
};
use crate::lint::tree::Node;
use crate::model::InputGroup;

/// The Terraform module's security groups.
pub fn groups(files: &[ModuleFile<'_, '_>]) -> Groups {
    let mut groups = Groups::new();
    let mut rules: Vec<(String, Node)> = Vec::new();
    let sg_ref = |n: &Node| {
        expression(n)
            .and_then(|t| referenced(t, "aws_security_group"))
            .map(|g| format!("aws_security_group.{g}"))
    };
    let wanted = [
        "aws_security_group",
        "aws_security_group_rule",
        "aws_vpc_security_group_egress_rule",
    ];
    for Block {
        ty, name, values, ..
    } in blocks(files, &|data, ty| !data && wanted.contains(&ty))
    {
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
        match exists(&values) {
            Some(false) => continue,
            Some(true) => {}
            None => {
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
    for (name, g) in groups.iter_mut() {
        for module in modules_given(files, "aws_security_group", name) {
            g.unread
                .push(format!("the rules `module.{module}` may add"));
        }
    }
    groups
}

/// Attaches the service facts to the module's service units, whose attributes are in `doc`.
pub fn attach(
    files: &[ModuleFile<'_, '_>],
    doc: &[crate::lint::tree::Entry],
    units: &mut [LintUnit],
) {
    let groups = groups(files);
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
