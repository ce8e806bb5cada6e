//! Terraform plan JSON (`terraform show -json plan.out`): one unit per
//! `aws_ecs_task_definition` and `aws_ecs_service`, from `resource_changes[].change.after`
//! (with `after_unknown` marking values known only after apply) and from `planned_values`
//! (where a missing attribute is unknown). A state (`values`) is read too. The
//! `container_definitions` attribute is a JSON string inside the JSON: it is parsed as such,
//! and findings in it point at the attribute.

use std::collections::HashSet;

use super::ecs::{self, AFTER_APPLY, Dialect, Reader};
use super::json;
use super::report::ResourceKind;
use super::source::{MAX_DEPTH, Pos};
use super::spans::{Locator, Naming, Seg};
use super::tree::{Entry, Node, NodeKind};
use super::{LintUnit, Problem};

pub const TASK_DEFINITION: &str = "aws_ecs_task_definition";
pub const SERVICE: &str = "aws_ecs_service";

const READER: Reader = Reader {
    naming: Naming::Terraform,
    dialect: Dialect::Terraform,
};

/// Attributes that `planned_values` omits when they are unknown.
const MAY_BE_UNKNOWN: [&str; 7] = [
    "task_role_arn",
    "execution_role_arn",
    "pid_mode",
    "container_definitions",
    "enable_execute_command",
    "platform_version",
    "launch_type",
];

pub fn is_plan(root: &Node) -> bool {
    (root.get("format_version").is_some() || root.get("terraform_version").is_some())
        && (root.get("planned_values").is_some()
            || root.get("resource_changes").is_some()
            || root
                .get("values")
                .is_some_and(|v| v.get("root_module").is_some()))
}

struct Resource {
    address: String,
    ty: String,
    pos: Pos,
    values: Node,
    /// From the document root to the attribute values.
    path: Vec<Seg>,
}

fn after_apply(pos: Pos) -> Node {
    Node::new(
        pos,
        NodeKind::Tagged {
            tag: AFTER_APPLY.into(),
            value: Box::new(Node::new(pos, NodeKind::Null)),
        },
    )
}

/// `after` with the top-level attributes that `after_unknown` flags replaced by unknowns.
fn merge_unknown(after: &Node, unknown: Option<&Node>) -> Node {
    let mut merged = after.clone();
    let NodeKind::Map(entries) = &mut merged.kind else {
        return merged;
    };
    for u in unknown.map_or(&[][..], Node::entries) {
        if u.value.kind != NodeKind::Bool(true) {
            continue;
        }
        match entries.iter_mut().find(|e| e.key == u.key) {
            Some(e) => e.value = after_apply(e.value.pos),
            None => entries.push(Entry {
                key: u.key.clone(),
                key_pos: u.key_pos,
                value: after_apply(u.key_pos),
            }),
        }
    }
    merged
}

fn resource_pos(r: &Node) -> Pos {
    r.entry("address").map_or(r.pos, |e| e.key_pos)
}

fn wanted(ty: &str) -> bool {
    ty == TASK_DEFINITION || ty == SERVICE
}

fn collect(root: &Node) -> Vec<Resource> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    let changes = root.get("resource_changes").map_or(&[][..], Node::items);
    for (i, rc) in changes.iter().enumerate() {
        let (Some(address), Some(ty)) = (
            rc.get("address").and_then(Node::as_str),
            rc.get("type").and_then(Node::as_str),
        ) else {
            continue;
        };
        if !wanted(ty) || rc.get("mode").and_then(Node::as_str) == Some("data") {
            continue;
        }
        let Some(change) = rc.get("change") else {
            continue;
        };
        seen.insert(address.to_string());
        let Some(after) = change.get("after").filter(|a| a.is_map()) else {
            continue; // deleted
        };
        out.push(Resource {
            address: address.into(),
            ty: ty.into(),
            pos: resource_pos(rc),
            values: merge_unknown(after, change.get("after_unknown")),
            path: vec![
                Seg::Key("resource_changes".into()),
                Seg::Index(i),
                Seg::Key("change".into()),
                Seg::Key("after".into()),
            ],
        });
    }
    for (key, planned) in [("planned_values", true), ("values", false)] {
        let Some(module) = root.get(key).and_then(|v| v.get("root_module")) else {
            continue;
        };
        let start = vec![Seg::Key(key.into()), Seg::Key("root_module".into())];
        let mut modules = vec![(module, start)];
        while let Some((module, module_path)) = modules.pop() {
            let resources = module.get("resources").map_or(&[][..], Node::items);
            for (i, r) in resources.iter().enumerate() {
                let (Some(address), Some(ty), Some(values)) = (
                    r.get("address").and_then(Node::as_str),
                    r.get("type").and_then(Node::as_str),
                    r.get("values").filter(|v| v.is_map()),
                ) else {
                    continue;
                };
                if !wanted(ty)
                    || r.get("mode").and_then(Node::as_str) == Some("data")
                    || !seen.insert(address.to_string())
                {
                    continue;
                }
                let mut values = values.clone();
                if planned && let NodeKind::Map(entries) = &mut values.kind {
                    for attr in MAY_BE_UNKNOWN {
                        if !entries.iter().any(|e| e.key == attr) {
                            entries.push(Entry {
                                key: attr.into(),
                                key_pos: values.pos,
                                value: after_apply(values.pos),
                            });
                        }
                    }
                }
                let mut path = module_path.clone();
                path.extend([
                    Seg::Key("resources".into()),
                    Seg::Index(i),
                    Seg::Key("values".into()),
                ]);
                out.push(Resource {
                    address: address.into(),
                    ty: ty.into(),
                    pos: resource_pos(r),
                    values,
                    path,
                });
            }
            if module_path.len() < 2 * MAX_DEPTH {
                let children = module.get("child_modules").map_or(&[][..], Node::items);
                for (j, child) in children.iter().enumerate().rev() {
                    let mut path = module_path.clone();
                    path.extend([Seg::Key("child_modules".into()), Seg::Index(j)]);
                    modules.push((child, path));
                }
            }
        }
    }
    out
}

pub fn units(root: &Node, problems: &mut Vec<Problem>) -> Vec<LintUnit> {
    collect(root)
        .into_iter()
        .map(|r| unit(&r.address, &r.ty, r.pos, &r.values, r.path, problems))
        .collect()
}

/// The unit of one resource from its attribute values (a plan's, or a `.tf` file's evaluated
/// statically). `container_definitions` is a JSON string (a plan), an already parsed list
/// (`jsonencode` in HCL), or unknown.
pub fn unit(
    address: &str,
    ty: &str,
    pos: Pos,
    values: &Node,
    path: Vec<Seg>,
    problems: &mut Vec<Problem>,
) -> LintUnit {
    let locator = Locator::new(pos, path, Naming::Terraform);
    let service = ty == SERVICE;
    let mut unit = LintUnit::new(
        address.to_string(),
        if service {
            ResourceKind::Service
        } else {
            ResourceKind::TaskDefinition
        },
        ty,
        pos,
        locator,
    );
    if service {
        unit.service = Some(ecs::service(&READER, values, address));
        unit.cluster = ecs::cluster(&READER, values);
        return unit;
    }
    let mut td = ecs::task_definition(&READER, values, address);
    unit.task_role_ref = values
        .get("task_role_arn")
        .and_then(super::module::expression)
        .and_then(|t| super::module::referenced(t, "aws_iam_role"));
    if let Some(entry) = values.entry("container_definitions") {
        let parsed = match &entry.value.kind {
            NodeKind::String(text) => match json::parse(text) {
                Ok(list) => Some(list),
                Err(e) => {
                    problems.push(Problem::new(
                        format!(
                            "`container_definitions` of {address} is not valid JSON: {}",
                            e.message
                        ),
                        entry.key_pos,
                    ));
                    None
                }
            },
            NodeKind::Seq(_) => Some(entry.value.clone()),
            _ => None,
        };
        match parsed.map(canonical_keys) {
            Some(list) if list.is_seq() => {
                // ECS JSON keys; values HCL could not evaluate are tagged unknown.
                let reader = Reader {
                    naming: Naming::Camel,
                    dialect: Dialect::Terraform,
                };
                let (containers, index) = ecs::containers(&reader, list.items());
                td.containers = containers;
                unit.container_index = index;
            }
            Some(_) => problems.push(Problem::new(
                format!("`container_definitions` of {address} is not a JSON list"),
                entry.key_pos,
            )),
            None => {}
        }
    }
    unit.task_definition = Some(td);
    unit
}

/// The container fields the readers use, in ECS's spelling.
const CONTAINER_KEYS: [&str; 19] = [
    "name",
    "image",
    "essential",
    "readonlyRootFilesystem",
    "linuxParameters",
    "initProcessEnabled",
    "environment",
    "secrets",
    "environmentFiles",
    "value",
    "valueFrom",
    "mountPoints",
    "containerPath",
    "sourceVolume",
    "readOnly",
    "restartPolicy",
    "enabled",
    "logConfiguration",
    "logDriver",
];

/// Container definitions with their keys in ECS's spelling: the AWS provider decodes
/// `container_definitions` case-insensitively (Go's JSON), so `"Environment"` and
/// `"ReadonlyRootFilesystem"` work in Terraform and must be read.
fn canonical_keys(mut node: Node) -> Node {
    fn walk(node: &mut Node) {
        match &mut node.kind {
            NodeKind::Map(entries) => {
                for e in entries.iter_mut() {
                    if let Some(k) = CONTAINER_KEYS
                        .iter()
                        .find(|k| k.eq_ignore_ascii_case(&e.key))
                    {
                        e.key = (*k).to_string();
                    }
                    walk(&mut e.value);
                }
            }
            NodeKind::Seq(items) => items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    walk(&mut node);
    node
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Value;

    #[test]
    fn plan_units() {
        let t = r#"{
  "format_version": "1.2",
  "planned_values": {"root_module": {"resources": [
    {"address": "aws_ecs_service.web", "mode": "managed", "type": "aws_ecs_service", "values": {"name": "web", "launch_type": "FARGATE", "platform_version": "1.3.0"}},
    {"address": "aws_ecs_task_definition.old", "mode": "managed", "type": "aws_ecs_task_definition", "values": {"family": "old", "task_role_arn": null, "container_definitions": "[{\"name\":\"app\",\"readonlyRootFilesystem\":true}]"}}
  ], "child_modules": [{"resources": [
    {"address": "module.m.aws_ecs_service.s", "mode": "managed", "type": "aws_ecs_service", "values": {"name": "s", "enable_execute_command": true}}
  ]}]}},
  "resource_changes": [
    {"address": "aws_ecs_task_definition.app", "mode": "managed", "type": "aws_ecs_task_definition",
     "change": {"actions": ["create"], "after": {"family": "app", "container_definitions": "[{\"name\":\"a\"}]", "runtime_platform": [{"operating_system_family": "LINUX"}]}, "after_unknown": {"task_role_arn": true, "arn": true}}},
    {"address": "aws_ecs_task_definition.gone", "mode": "managed", "type": "aws_ecs_task_definition", "change": {"actions": ["delete"], "after": null}}
  ]
}"#;
        let root = json::parse(t).unwrap();
        assert!(is_plan(&root));
        let mut problems = Vec::new();
        let units = units(&root, &mut problems);
        assert!(problems.is_empty(), "{problems:?}");
        let names: Vec<&str> = units.iter().map(|u| u.name.as_str()).collect();
        assert_eq!(
            names,
            vec![
                "aws_ecs_task_definition.app",
                "aws_ecs_service.web",
                "aws_ecs_task_definition.old",
                "module.m.aws_ecs_service.s"
            ]
        );
        let app = units[0].task_definition.as_ref().unwrap();
        assert_eq!(
            app.task_role_arn,
            Some(Value::Unresolved {
                unresolved: AFTER_APPLY.into()
            })
        );
        assert_eq!(app.containers[0].name, "a");
        assert_eq!(app.os_family.as_deref(), Some("LINUX"));
        let web = units[1].service.as_ref().unwrap();
        assert_eq!(web.name, "web");
        // planned_values omits unknown attributes; an absent one is not a `false`
        assert_eq!(web.enable_execute_command, None);
        let old = units[2].task_definition.as_ref().unwrap();
        assert_eq!(old.task_role_arn, None);
        assert_eq!(
            old.containers[0].readonly_root_filesystem,
            Some(Value::Known(true))
        );
        assert_eq!(
            units[2]
                .locator
                .lookup(&root, "/containerDefinitions/0/readonlyRootFilesystem"),
            Pos::new(5, 153)
        );
        assert_eq!(
            units[3].service.as_ref().unwrap().enable_execute_command,
            Some(true)
        );
    }

    #[test]
    fn bad_container_definitions() {
        let t = r#"{"format_version": "1.2", "planned_values": {"root_module": {"resources": [
  {"address": "aws_ecs_task_definition.x", "type": "aws_ecs_task_definition", "values": {"family": "x", "container_definitions": "[{"}}]}}}"#;
        let mut problems = Vec::new();
        let units = units(&json::parse(t).unwrap(), &mut problems);
        assert_eq!(units.len(), 1);
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0].message.contains("not valid JSON"),
            "{problems:?}"
        );
        assert_eq!(problems[0].pos.line, 2);
    }
}
