//! Reads a task definition or service in ECS API shape from a [`Node`], whatever the input's
//! naming (ECS JSON, CloudFormation, Terraform), into the fact model. Values that are unknown
//! until deploy time (CloudFormation intrinsic functions, Terraform "known after apply") become
//! [`Value::Unresolved`] or, for plain fields, unknown (`None`); they are never read as values.

use crate::model::{ContainerDefinition, MountPoint, Service, TaskDefinition, Value};

use super::spans::Naming;
use super::tree::{Node, NodeKind};

/// Where a value may be an expression rather than a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// Plain JSON or YAML: every value is a value.
    Plain,
    /// `Ref`, `Fn::*`, `Condition` and YAML short tags are unresolved.
    CloudFormation,
    /// Nodes tagged [`AFTER_APPLY`] (from `after_unknown`) are unresolved.
    Terraform,
}

/// The tag the Terraform reader gives values that are known only after apply.
pub const AFTER_APPLY: &str = "known after apply";
/// The tag the HCL reader gives an expression it cannot evaluate statically; the tagged value
/// is the expression's source text.
pub const TF_EXPRESSION: &str = "terraform expression";

#[derive(Debug, Clone, Copy)]
pub struct Reader {
    pub naming: Naming,
    pub dialect: Dialect,
}

/// A field as read.
pub enum Field<'a> {
    Missing,
    Null,
    Unresolved(String),
    Known(&'a Node),
}

impl Reader {
    pub const ECS: Reader = Reader {
        naming: Naming::Camel,
        dialect: Dialect::Plain,
    };

    pub fn field<'a>(&self, obj: &'a Node, camel: &str) -> Field<'a> {
        match obj.get(&self.naming.key(camel)) {
            None => Field::Missing,
            Some(n) => self.classify(n),
        }
    }

    pub fn classify<'a>(&self, n: &'a Node) -> Field<'a> {
        if n.is_null() {
            return Field::Null;
        }
        match self.unresolved(n) {
            Some(text) => Field::Unresolved(text),
            None => Field::Known(n),
        }
    }

    /// The text of an unresolved expression, or `None` for a value.
    pub fn unresolved(&self, n: &Node) -> Option<String> {
        match (self.dialect, &n.kind) {
            (Dialect::Plain, _) => None,
            (Dialect::Terraform, NodeKind::Tagged { tag, .. }) if tag == AFTER_APPLY => {
                Some(AFTER_APPLY.into())
            }
            (Dialect::Terraform, NodeKind::Tagged { tag, value }) if tag == TF_EXPRESSION => {
                Some(value.as_str().unwrap_or("an expression").to_string())
            }
            (Dialect::Terraform, _) => None,
            (Dialect::CloudFormation, NodeKind::Tagged { tag, value }) => {
                let name = if matches!(tag.as_str(), "Ref" | "Condition") {
                    tag.clone()
                } else {
                    format!("Fn::{tag}")
                };
                Some(describe_intrinsic(&name, value))
            }
            (Dialect::CloudFormation, NodeKind::Map(entries)) if entries.len() == 1 => {
                let e = &entries[0];
                is_intrinsic_name(&e.key).then(|| describe_intrinsic(&e.key, &e.value))
            }
            (Dialect::CloudFormation, _) => None,
        }
    }

    /// A string field: `None` when missing, null or empty.
    pub fn string(&self, obj: &Node, camel: &str) -> Option<Value<String>> {
        match self.field(obj, camel) {
            Field::Missing | Field::Null => None,
            Field::Unresolved(u) => Some(Value::Unresolved { unresolved: u }),
            Field::Known(n) => match n.scalar_text() {
                Some(s) if !s.is_empty() => Some(Value::Known(s)),
                _ => None,
            },
        }
    }

    pub fn known_string(&self, obj: &Node, camel: &str) -> Option<String> {
        match self.string(obj, camel) {
            Some(Value::Known(s)) => Some(s),
            _ => None,
        }
    }

    /// A boolean field; `"true"`/`"false"` strings count (CloudFormation accepts them).
    pub fn bool(&self, obj: &Node, camel: &str) -> Option<Value<bool>> {
        match self.field(obj, camel) {
            Field::Missing | Field::Null => None,
            Field::Unresolved(u) => Some(Value::Unresolved { unresolved: u }),
            Field::Known(n) => as_bool(n).map(Value::Known),
        }
    }

    /// The items of a list field that is a known list.
    pub fn list<'a>(&self, obj: &'a Node, camel: &str) -> &'a [Node] {
        match self.field(obj, camel) {
            Field::Known(n) => n.items(),
            _ => &[],
        }
    }

    /// A nested object's boolean field (`linuxParameters.initProcessEnabled`); an unresolved
    /// object makes the field unresolved.
    fn nested_bool(&self, obj: &Node, outer: &str, inner: &str) -> Option<Value<bool>> {
        match self.field(obj, outer) {
            Field::Known(n) if n.is_map() => self.bool(n, inner),
            Field::Unresolved(u) => Some(Value::Unresolved { unresolved: u }),
            _ => None,
        }
    }
}

pub fn as_bool(n: &Node) -> Option<bool> {
    match &n.kind {
        NodeKind::Bool(b) => Some(*b),
        NodeKind::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        NodeKind::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

pub fn is_intrinsic_name(key: &str) -> bool {
    key == "Ref" || key == "Condition" || key.starts_with("Fn::")
}

/// `Ref TaskRole`, `Fn::GetAtt TaskRole.Arn`, `Fn::If IsProd`, `Fn::Join`.
fn describe_intrinsic(name: &str, arg: &Node) -> String {
    let detail = match (name, &arg.kind) {
        (_, NodeKind::String(s)) => Some(s.clone()),
        ("Fn::GetAtt", NodeKind::Seq(items)) => Some(
            items
                .iter()
                .filter_map(Node::scalar_text)
                .collect::<Vec<_>>()
                .join("."),
        ),
        ("Fn::If" | "Fn::Sub", NodeKind::Seq(items)) => items.first().and_then(Node::scalar_text),
        _ => None,
    };
    match detail {
        Some(d) if !d.is_empty() => {
            let d = if d.chars().count() > 60 {
                d.chars().take(57).collect::<String>() + "..."
            } else {
                d
            };
            format!("{name} {d}")
        }
        _ => name.to_string(),
    }
}

/// The task-definition fields other than the containers. `fallback_family` names a task
/// definition that sets no family (a CloudFormation logical id).
pub fn task_definition(r: &Reader, obj: &Node, fallback_family: &str) -> TaskDefinition {
    let os_family = match r.field(obj, "runtimePlatform") {
        Field::Known(rp) => {
            let rp = match r.naming {
                Naming::Terraform => rp.items().first().unwrap_or(rp),
                _ => rp,
            };
            r.known_string(rp, "operatingSystemFamily")
        }
        _ => None,
    };
    TaskDefinition {
        arn: r.known_string(obj, "taskDefinitionArn"),
        family: r
            .known_string(obj, "family")
            .unwrap_or_else(|| fallback_family.to_string()),
        revision: match r.field(obj, "revision") {
            Field::Known(n) => n.scalar_text().and_then(|s| s.parse().ok()),
            _ => None,
        },
        task_role_arn: r.string(obj, "taskRoleArn"),
        execution_role_arn: r.string(obj, "executionRoleArn"),
        network_mode: r.known_string(obj, "networkMode"),
        pid_mode: r.string(obj, "pidMode"),
        requires_compatibilities: r
            .list(obj, "requiresCompatibilities")
            .iter()
            .filter_map(|n| match r.classify(n) {
                Field::Known(n) => n.scalar_text(),
                _ => None,
            })
            .collect(),
        os_family,
        containers: Vec::new(),
        containers_unresolved: match r.field(obj, "containerDefinitions") {
            Field::Unresolved(u) => Some(u),
            _ => None,
        },
    }
}

/// The container definitions that are objects, with their index in the source list.
pub fn containers(r: &Reader, items: &[Node]) -> (Vec<ContainerDefinition>, Vec<usize>) {
    let mut out = Vec::new();
    let mut index = Vec::new();
    for (i, item) in items.iter().enumerate() {
        if !item.is_map() || r.unresolved(item).is_some() {
            continue;
        }
        out.push(container(r, item, i));
        index.push(i);
    }
    (out, index)
}

fn container(r: &Reader, c: &Node, index: usize) -> ContainerDefinition {
    let names = |list: &str| -> Vec<String> {
        r.list(c, list)
            .iter()
            .map(|item| match r.classify(item) {
                Field::Known(item) => r.known_string(item, "name").unwrap_or_default(),
                _ => String::new(),
            })
            .collect()
    };
    ContainerDefinition {
        name: match r.string(c, "name") {
            Some(Value::Known(n)) => n,
            // A Terraform placeholder (`"${…}"`) says nothing: the container's place does.
            Some(Value::Unresolved { .. }) if r.dialect == Dialect::Terraform => {
                format!("container {index}")
            }
            Some(Value::Unresolved { unresolved }) => unresolved,
            None => format!("container {index}"),
        },
        image: r.known_string(c, "image"),
        essential: match r.bool(c, "essential") {
            Some(Value::Known(b)) => Some(b),
            _ => None,
        },
        readonly_root_filesystem: r.bool(c, "readonlyRootFilesystem"),
        init_process_enabled: r.nested_bool(c, "linuxParameters", "initProcessEnabled"),
        environment_names: names("environment"),
        secret_names: names("secrets"),
        environment_unresolved: ["environment", "secrets"].iter().find_map(|list| {
            match r.field(c, list) {
                Field::Unresolved(u) => Some(u),
                Field::Known(n) => n.items().iter().find_map(|item| match r.classify(item) {
                    Field::Unresolved(u) => Some(u),
                    Field::Known(item) => match r.string(item, "name") {
                        Some(Value::Unresolved { unresolved }) => Some(unresolved),
                        _ => None,
                    },
                    _ => None,
                }),
                _ => None,
            }
        }),
        environment_files: r
            .list(c, "environmentFiles")
            .iter()
            .filter_map(|f| match r.classify(f) {
                Field::Known(f) => match r.string(f, "value") {
                    Some(Value::Known(v)) => Some(v),
                    Some(Value::Unresolved { unresolved }) => Some(unresolved),
                    None => None,
                },
                Field::Unresolved(u) => Some(u),
                _ => None,
            })
            .collect(),
        mount_points: r
            .list(c, "mountPoints")
            .iter()
            .filter_map(|m| {
                let Field::Known(m) = r.classify(m) else {
                    return None;
                };
                Some(MountPoint {
                    container_path: r.known_string(m, "containerPath")?,
                    source_volume: r.known_string(m, "sourceVolume"),
                    read_only: matches!(r.bool(m, "readOnly"), Some(Value::Known(true))),
                })
            })
            .collect(),
        restart_policy_enabled: r.nested_bool(c, "restartPolicy", "enabled"),
        log_driver: match r.field(c, "logConfiguration") {
            Field::Known(l) => r.known_string(l, "logDriver"),
            _ => None,
        },
        no_proxy_link_local: no_proxy(r, c),
    }
}

/// The link-local entries of the container's `NO_PROXY`. A value unknown until deploy time
/// (an intrinsic function) is taken as exempting both endpoints: lint reports only what the
/// file shows.
fn no_proxy(r: &Reader, c: &Node) -> Option<Vec<String>> {
    let mut found = None;
    for item in r.list(c, "environment") {
        let Field::Known(item) = r.classify(item) else {
            continue;
        };
        let is_no_proxy = r
            .known_string(item, "name")
            .is_some_and(|n| n.eq_ignore_ascii_case("no_proxy"));
        if !is_no_proxy {
            continue;
        }
        let entries = match r.string(item, "value") {
            Some(Value::Known(v)) => crate::containers::proxy_environment::link_local_entries(&v),
            Some(Value::Unresolved { .. }) => crate::containers::proxy_environment::LINK_LOCAL
                .iter()
                .map(|a| a.to_string())
                .collect(),
            None => Vec::new(),
        };
        found.get_or_insert_with(Vec::new).extend(entries);
    }
    found
}

/// A service. `fallback_name` names a service that sets no name (a CloudFormation logical id).
pub fn service(r: &Reader, obj: &Node, fallback_name: &str) -> Service {
    Service {
        name: r
            .known_string(obj, "serviceName")
            .unwrap_or_else(|| fallback_name.to_string()),
        arn: r.known_string(obj, "serviceArn"),
        enable_execute_command: match r.field(obj, "enableExecuteCommand") {
            Field::Missing | Field::Null => Some(false),
            Field::Unresolved(_) => None,
            Field::Known(n) => as_bool(n),
        },
        launch_type: r.known_string(obj, "launchType"),
        capacity_providers: r
            .list(obj, "capacityProviderStrategy")
            .iter()
            .filter_map(|s| match r.classify(s) {
                Field::Known(s) => r.known_string(s, "capacityProvider"),
                _ => None,
            })
            .collect(),
        platform_version: r.known_string(obj, "platformVersion"),
        platform_family: r.known_string(obj, "platformFamily"),
        task_definition: r.known_string(obj, "taskDefinition"),
        deployments: Vec::new(),
        // `{"type": ...}`, or Terraform's `deployment_controller { type = ... }` block (a list).
        deployment_controller: match r.field(obj, "deploymentController") {
            Field::Known(n) => r.known_string(n.items().first().unwrap_or(n), "type"),
            _ => None,
        },
    }
}

/// The cluster a service names (`cluster`, `clusterArn`), when known.
pub fn cluster(r: &Reader, obj: &Node) -> Option<String> {
    r.known_string(obj, "cluster")
        .or_else(|| r.known_string(obj, "clusterArn"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::{json, yaml};

    #[test]
    fn reads_an_ecs_task_definition() {
        let t = r#"{"family": "web", "taskRoleArn": "", "pidMode": "task",
            "runtimePlatform": {"operatingSystemFamily": "LINUX"},
            "containerDefinitions": [
              "junk",
              {"name": "app", "readonlyRootFilesystem": true,
               "linuxParameters": {"initProcessEnabled": true},
               "environment": [{"name": "A", "value": "1"}, {"value": "x"}, {"name": "AWS_PROFILE"}],
               "secrets": [{"name": "AWS_SECRET_ACCESS_KEY", "valueFrom": "arn"}],
               "environmentFiles": [{"value": "arn:aws:s3:::b/e.env", "type": "s3"}],
               "mountPoints": [{"containerPath": "/var/lib/amazon", "sourceVolume": "v", "readOnly": false}],
               "restartPolicy": {"enabled": true}}
            ]}"#;
        let n = json::parse(t).unwrap();
        let r = Reader::ECS;
        let td = task_definition(&r, &n, "x");
        assert_eq!(td.family, "web");
        assert_eq!(td.task_role_arn, None);
        assert_eq!(td.pid_mode, Some(Value::Known("task".into())));
        assert_eq!(td.os_family.as_deref(), Some("LINUX"));
        let (cs, idx) = containers(&r, r.list(&n, "containerDefinitions"));
        assert_eq!(idx, vec![1]);
        let c = &cs[0];
        assert_eq!(c.readonly_root_filesystem, Some(Value::Known(true)));
        assert_eq!(c.init_process_enabled, Some(Value::Known(true)));
        assert_eq!(c.environment_names, vec!["A", "", "AWS_PROFILE"]);
        assert_eq!(c.secret_names, vec!["AWS_SECRET_ACCESS_KEY"]);
        assert_eq!(c.environment_files, vec!["arn:aws:s3:::b/e.env"]);
        assert_eq!(c.mount_points.len(), 1);
        assert_eq!(c.restart_policy_enabled, Some(Value::Known(true)));
    }

    #[test]
    fn cloudformation_intrinsics_are_never_values() {
        let t = "TaskRoleArn: !GetAtt Role.Arn\nExecutionRoleArn: {\"Fn::GetAtt\": [Exec, Arn]}\nPidMode: !If [Shared, task, !Ref AWS::NoValue]\nFamily: !Sub '${AWS::StackName}-web'\nContainerDefinitions:\n  - Name: app\n    ReadonlyRootFilesystem: !Ref ReadOnly\n    LinuxParameters: !If [C, {InitProcessEnabled: true}, !Ref AWS::NoValue]\n    RestartPolicy:\n      Enabled: 'true'\n";
        let n = yaml::parse(t).unwrap();
        let r = Reader {
            naming: Naming::Pascal,
            dialect: Dialect::CloudFormation,
        };
        let td = task_definition(&r, &n, "TaskDef");
        assert_eq!(td.family, "TaskDef");
        assert_eq!(
            td.task_role_arn,
            Some(Value::Unresolved {
                unresolved: "Fn::GetAtt Role.Arn".into()
            })
        );
        assert_eq!(
            td.execution_role_arn,
            Some(Value::Unresolved {
                unresolved: "Fn::GetAtt Exec.Arn".into()
            })
        );
        assert_eq!(
            td.pid_mode,
            Some(Value::Unresolved {
                unresolved: "Fn::If Shared".into()
            })
        );
        let (cs, _) = containers(&r, r.list(&n, "containerDefinitions"));
        assert_eq!(
            cs[0].readonly_root_filesystem,
            Some(Value::Unresolved {
                unresolved: "Ref ReadOnly".into()
            })
        );
        assert!(matches!(
            cs[0].init_process_enabled,
            Some(Value::Unresolved { .. })
        ));
        assert_eq!(cs[0].restart_policy_enabled, Some(Value::Known(true)));
    }

    #[test]
    fn services() {
        let n = json::parse(r#"{"serviceName": "web", "cluster": "prod", "launchType": "FARGATE", "platformVersion": "1.3.0"}"#).unwrap();
        let s = service(&Reader::ECS, &n, "x");
        assert_eq!(s.enable_execute_command, Some(false));
        assert_eq!(s.platform_version.as_deref(), Some("1.3.0"));
        assert_eq!(cluster(&Reader::ECS, &n).as_deref(), Some("prod"));
        let n = yaml::parse("EnableExecuteCommand: !Ref Exec\nCapacityProviderStrategy:\n  - CapacityProvider: FARGATE_SPOT\n").unwrap();
        let r = Reader {
            naming: Naming::Pascal,
            dialect: Dialect::CloudFormation,
        };
        let s = service(&r, &n, "Svc");
        assert_eq!(s.name, "Svc");
        assert_eq!(s.enable_execute_command, None);
        assert_eq!(s.capacity_providers, vec!["FARGATE_SPOT"]);
    }
}
