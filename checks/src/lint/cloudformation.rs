//! CloudFormation templates (JSON or YAML, CDK synth output included): one unit per
//! `AWS::ECS::TaskDefinition` and `AWS::ECS::Service`. Suppressions come from the resource's
//! `Metadata: {"ecs-exec-doctor": {"ignore": [{"code": ..., "reason": ...}]}}`.

use std::collections::HashMap;
use std::sync::Arc;

use super::ecs::{self, Dialect, Reader, is_intrinsic_name};
use super::report::ResourceKind;
use super::source::Pos;
use super::spans::{Locator, Naming, Seg};
use super::tree::{Entry, Node, NodeKind};
use super::{LintUnit, Problem, UnitSuppression, conditions};

pub const TASK_DEFINITION: &str = "AWS::ECS::TaskDefinition";
pub const SERVICE: &str = "AWS::ECS::Service";

const READER: Reader = Reader {
    naming: Naming::Pascal,
    dialect: Dialect::CloudFormation,
};

/// Whether a document looks like a CloudFormation template.
pub fn is_template(root: &Node) -> bool {
    if root.get("AWSTemplateFormatVersion").is_some() {
        return true;
    }
    let Some(resources) = root.get("Resources") else {
        return false;
    };
    resources.entries().iter().any(|e| {
        e.value
            .get("Type")
            .and_then(Node::as_str)
            .is_some_and(|t| t.contains("::"))
    })
}

pub fn units(root: &Node, problems: &mut Vec<Problem>) -> Vec<LintUnit> {
    let empty = Node::new(Pos::START, NodeKind::Map(Vec::new()));
    let resources = root.get("Resources").map_or(&[][..], Node::entries);
    let mut os_families: HashMap<String, Option<String>> = HashMap::new();
    let mut units = Vec::new();
    for entry in resources {
        let ty = entry.value.get("Type").and_then(Node::as_str);
        if ty != Some(TASK_DEFINITION) && ty != Some(SERVICE) {
            continue;
        }
        let source = entry
            .value
            .get("Properties")
            .filter(|p| p.is_map())
            .unwrap_or(&empty);
        let all = Arc::new(conditions::assignments(&conditions::conditions_in(source)));
        for assignment in all.iter() {
            let props = conditions::resolve(source, assignment).unwrap_or_else(|| empty.clone());
            let mut unit = read_unit(entry, ty, props, &mut os_families, problems);
            if all.len() > 1 {
                unit.conditions = Some((assignment.clone(), all.clone()));
            }
            units.push(unit);
        }
    }
    super::iam::attach(&super::iam::cloudformation::roles(root), &mut units);
    super::groups::cloudformation::attach(root, &mut units);
    super::clusters::attach_cloudformation(root, &mut units);
    // a service's platform family is that of the task definition it references
    for unit in &mut units {
        let family = unit
            .task_definition_ref
            .as_deref()
            .and_then(|r| os_families.get(r))
            .cloned()
            .flatten();
        if let (Some(service), Some(family)) = (unit.service.as_mut(), family)
            && service.platform_family.is_none()
        {
            service.platform_family = Some(family);
        }
    }
    units
}

/// One resource under one assignment of its conditions, from its resolved properties.
fn read_unit(
    entry: &Entry,
    ty: Option<&str>,
    props: Node,
    os_families: &mut HashMap<String, Option<String>>,
    problems: &mut Vec<Problem>,
) -> LintUnit {
    {
        let props = &props;
        let locator = Locator::new(
            entry.key_pos,
            vec![
                Seg::Key("Resources".into()),
                Seg::Key(entry.key.clone()),
                Seg::Key("Properties".into()),
            ],
            Naming::Pascal,
        );
        let mut unit = LintUnit::new(
            entry.key.clone(),
            if ty == Some(SERVICE) {
                ResourceKind::Service
            } else {
                ResourceKind::TaskDefinition
            },
            ty.unwrap_or_default(),
            entry.key_pos,
            locator,
        );
        if ty == Some(TASK_DEFINITION) {
            let mut td = ecs::task_definition(&READER, props, &entry.key);
            let (containers, index) =
                ecs::containers(&READER, READER.list(props, "containerDefinitions"));
            td.containers = containers;
            unit.container_index = index;
            // With conditions, the first combination whose family is known decides.
            let known = os_families.get(&entry.key).cloned().flatten();
            os_families.insert(entry.key.clone(), known.or(td.os_family.clone()));
            unit.task_definition = Some(td);
            unit.task_role_ref = props.get("TaskRoleArn").and_then(referenced_id);
        } else {
            unit.service = Some(ecs::service(&READER, props, &entry.key));
            unit.cluster = ecs::cluster(&READER, props);
            unit.task_definition_ref = task_definition_ref(props);
        }
        // Metadata problems once per resource, not once per combination.
        let mut found = Vec::new();
        unit.suppressions = metadata_suppressions(&entry.value, &mut found);
        for p in found {
            if !problems.contains(&p) {
                problems.push(p);
            }
        }
        unit.locator.resolved = Some(Arc::new(props.clone()));
        unit
    }
}

/// The logical id an intrinsic refers to: `!Ref X`, `!GetAtt X.Arn`, `!GetAtt [X, Arn]` and
/// their JSON forms.
pub fn referenced_id(node: &Node) -> Option<String> {
    let (name, arg) = intrinsic(node)?;
    match name {
        "Ref" => arg.as_str().map(str::to_string),
        "Fn::GetAtt" => match &arg.kind {
            NodeKind::String(s) => s.split_once('.').map(|(id, _)| id.to_string()),
            NodeKind::Seq(items) => items.first().and_then(Node::as_str).map(str::to_string),
            _ => None,
        },
        _ => None,
    }
}

/// `(Fn::Name, argument)` of a YAML tag or a one-key JSON map.
pub fn intrinsic(node: &Node) -> Option<(&str, &Node)> {
    match &node.kind {
        NodeKind::Tagged { tag, value } => {
            let name = match tag.as_str() {
                "Ref" | "Condition" => tag.as_str(),
                "GetAtt" => "Fn::GetAtt",
                "Sub" => "Fn::Sub",
                "Join" => "Fn::Join",
                "If" => "Fn::If",
                _ => "Fn::Other",
            };
            Some((name, value))
        }
        NodeKind::Map(entries) if entries.len() == 1 && is_intrinsic_name(&entries[0].key) => {
            Some((entries[0].key.as_str(), &entries[0].value))
        }
        _ => None,
    }
}

/// The logical ids a resource refers to anywhere in it (`!Ref`, `!GetAtt`) that `wanted`
/// keeps, each once.
pub fn mentioned_ids(resource: &Node, wanted: &dyn Fn(&str) -> bool) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![resource];
    while let Some(n) = stack.pop() {
        if let Some(id) = referenced_id(n)
            && wanted(&id)
            && !out.contains(&id)
        {
            out.push(id);
        }
        match &n.kind {
            NodeKind::Map(entries) => stack.extend(entries.iter().map(|e| &e.value)),
            NodeKind::Seq(items) => stack.extend(items.iter()),
            NodeKind::Tagged { value, .. } => stack.push(value),
            _ => {}
        }
    }
    out
}

/// The logical id of `TaskDefinition: !Ref X` / `{"Ref": "X"}`.
fn task_definition_ref(props: &Node) -> Option<String> {
    let n = props.get("TaskDefinition")?;
    match &n.kind {
        NodeKind::Tagged { tag, value } if tag == "Ref" => value.as_str().map(str::to_string),
        NodeKind::Map(_) => n.get("Ref").and_then(Node::as_str).map(str::to_string),
        _ => None,
    }
}

pub const METADATA_KEY: &str = "ecs-exec-doctor";

fn metadata_suppressions(resource: &Node, problems: &mut Vec<Problem>) -> Vec<UnitSuppression> {
    let Some(meta) = resource.get("Metadata").and_then(|m| m.entry(METADATA_KEY)) else {
        return Vec::new();
    };
    let malformed = |pos: Pos| {
        Problem::new(
            format!(
                "malformed `{METADATA_KEY}` metadata: write {{\"ignore\": [{{\"code\": \"TD001\", \"reason\": \"why\"}}]}}"
            ),
            pos,
        )
    };
    let Some(list) = meta.value.get("ignore").filter(|l| l.is_seq()) else {
        problems.push(malformed(meta.key_pos));
        return Vec::new();
    };
    let mut out = Vec::new();
    for item in list.items() {
        let Some(code) = item.get("code").and_then(Node::as_str) else {
            problems.push(malformed(item.pos));
            continue;
        };
        let reason = item
            .get("reason")
            .and_then(Node::as_str)
            .unwrap_or_default();
        if let Some(s) = UnitSuppression::parse(&[code.to_string()], reason, item.pos, problems) {
            out.push(s);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::yaml;

    #[test]
    fn template_units_and_metadata() {
        let t = "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  TaskDef:\n    Type: AWS::ECS::TaskDefinition\n    Metadata:\n      ecs-exec-doctor:\n        ignore:\n          - code: TD002\n            reason: the image runs tini\n          - code: TD001\n    Properties:\n      RuntimePlatform:\n        OperatingSystemFamily: WINDOWS_SERVER_2022_CORE\n      ContainerDefinitions:\n        - Name: app\n  Svc:\n    Type: AWS::ECS::Service\n    Properties:\n      TaskDefinition: !Ref TaskDef\n      Cluster: !Ref Cluster\n  Bucket:\n    Type: AWS::S3::Bucket\n";
        let root = yaml::parse(t).unwrap();
        assert!(is_template(&root));
        let mut problems = Vec::new();
        let units = units(&root, &mut problems);
        assert_eq!(units.len(), 2);
        assert_eq!(units[0].name, "TaskDef");
        assert_eq!(units[0].pos, Pos::new(3, 3));
        assert_eq!(units[0].suppressions.len(), 1);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].message.contains("no reason"), "{problems:?}");
        let svc = units[1].service.as_ref().unwrap();
        assert_eq!(svc.name, "Svc");
        assert_eq!(svc.enable_execute_command, Some(false));
        assert_eq!(
            svc.platform_family.as_deref(),
            Some("WINDOWS_SERVER_2022_CORE")
        );
        assert_eq!(units[1].cluster, None);
    }

    /// The status of `code` for each unit of a linted template, by unit name.
    fn statuses(text: &str, code: &str) -> Vec<(String, crate::report::Status)> {
        let r = crate::lint::lint(text.as_bytes(), &crate::runner::Selection::default());
        assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
        r.units
            .iter()
            .map(|u| {
                let c = u.checks.iter().find(|c| c.code == code).unwrap();
                (u.name.clone(), c.status)
            })
            .collect()
    }

    #[test]
    fn yaml_1_1_booleans_are_booleans_in_a_yaml_template() {
        use crate::report::Status::{Error, Pass, Unknown};
        let services = "Resources:\n  On:\n    Type: AWS::ECS::Service\n    Properties:\n      EnableExecuteCommand: yes\n  Upper:\n    Type: AWS::ECS::Service\n    Properties:\n      EnableExecuteCommand: Y\n  Off:\n    Type: AWS::ECS::Service\n    Properties:\n      EnableExecuteCommand: off\n  Quoted:\n    Type: AWS::ECS::Service\n    Properties:\n      EnableExecuteCommand: 'yes'\n";
        let got = statuses(services, "SV001");
        let expect = |names: [(&str, crate::report::Status); 4]| {
            names
                .iter()
                .map(|(n, s)| (n.to_string(), *s))
                .collect::<Vec<_>>()
        };
        // `yes` and `Y` turn exec on; `off` turns it off; a quoted 'yes' is a string, which
        // CloudFormation does not take for a boolean: never a pass.
        assert_eq!(
            got,
            expect([
                ("On", Pass),
                ("Upper", Pass),
                ("Off", Error),
                ("Quoted", Unknown)
            ])
        );
        let task = "Resources:\n  T:\n    Type: AWS::ECS::TaskDefinition\n    Properties:\n      TaskRoleArn: arn:aws:iam::1:role/r\n      ContainerDefinitions:\n        - Name: app\n          ReadonlyRootFilesystem: on\n";
        assert_eq!(statuses(task, "TD001"), [("T".to_string(), Error)]);
        let off = task.replace("ReadonlyRootFilesystem: on", "ReadonlyRootFilesystem: OFF");
        assert_eq!(statuses(&off, "TD001"), [("T".to_string(), Pass)]);
        // JSON templates have no such words, and a task definition in YAML is read as the AWS
        // CLI reads it (YAML 1.2): `yes` is not a boolean there.
        let plain =
            "family: web\ncontainerDefinitions:\n  - name: app\n    readonlyRootFilesystem: yes\n";
        assert_eq!(statuses(plain, "TD001"), [("web".to_string(), Pass)]);
    }
}
