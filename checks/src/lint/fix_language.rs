//! Fixes in the linted file's own language. The checks describe a fix in ECS API terms (a
//! task-definition field, an `aws ecs update-service` command); a CloudFormation template
//! needs the property (`TaskRoleArn`, `ContainerDefinitions[].ReadonlyRootFilesystem`), a
//! Terraform file the attribute (`task_role_arn`, `enable_execute_command = true`), and no
//! command may name a resource by its logical id or address, which is not a service name.

use crate::outcome::{Fix, FixStep};

use super::spans::Naming;

/// `fix` for a unit read with `naming`.
pub fn localize(fix: &Fix, naming: Naming) -> Fix {
    if naming == Naming::Camel {
        return fix.clone();
    }
    let mut steps = Vec::with_capacity(fix.steps.len());
    let mut dropped_command = false;
    for step in &fix.steps {
        match step {
            FixStep::TaskDefinition {
                container,
                field,
                value,
            } => steps.push(FixStep::TaskDefinition {
                container: container.clone(),
                field: field_name(field, container.is_some(), naming),
                value: value.clone(),
            }),
            // A policy for a role the input defines: written where the input keeps policies.
            FixStep::Policy {
                attach_to,
                document,
            } => {
                steps.push(step.clone());
                if let Some(text) = policy_in_language(attach_to, document, naming) {
                    steps.push(FixStep::Note { text });
                }
            }
            // A log group of the input is encrypted where it is defined.
            FixStep::Command { command } if command.starts_with("aws logs associate-kms-key") => {
                steps.push(FixStep::Note {
                    text: match naming {
                        Naming::Terraform => {
                            "set kms_key_id on the aws_cloudwatch_log_group".into()
                        }
                        _ => "set KmsKeyId on the AWS::Logs::LogGroup".into(),
                    },
                });
            }
            // `aws ecs update-service --service X` with X a logical id or an address would
            // fail or hit another service: the template is what to change.
            FixStep::Command { command } if command.starts_with("aws ecs ") => {
                dropped_command = true;
            }
            other => steps.push(other.clone()),
        }
    }
    // How the service's tasks are replaced depends on its deployment controller, which the
    // shared fix already chose (a CodeDeploy deployment, a new task set, or a rolling one).
    let command_starts = |prefix: &str| {
        fix.steps
            .iter()
            .any(|s| matches!(s, FixStep::Command { command } if command.starts_with(prefix)))
    };
    if dropped_command && command_starts("aws deploy create-deployment") {
        steps.push(FixStep::Note {
            text: "deploy the stack, then start a CodeDeploy deployment of the service (its CODE_DEPLOY controller takes no forced ECS deployment): running tasks keep the settings they started with".into(),
        });
    } else if dropped_command && command_starts("aws ecs create-task-set") {
        steps.push(FixStep::Note {
            text: "deploy the stack, then have the service's external deployer create a new task set (its EXTERNAL controller takes no forced ECS deployment): running tasks keep the settings they started with".into(),
        });
    } else if dropped_command {
        steps.push(FixStep::Note {
            text: match naming {
                Naming::Terraform => "apply it, then replace the running tasks (force_new_deployment = true on the service, or aws ecs update-service --force-new-deployment with the deployed service's name): running tasks keep the settings they started with".into(),
                _ => "deploy the stack, then replace the running tasks (aws ecs update-service --force-new-deployment with the deployed service's name): running tasks keep the settings they started with".into(),
            },
        });
    }
    Fix {
        title: fix.title.clone(),
        steps,
    }
}

/// How to add `document` to `role` in the input's own language: an `aws_iam_role_policy` for a
/// Terraform role, a `Policies` entry for a CloudFormation one.
fn policy_in_language(role: &str, document: &serde_json::Value, naming: Naming) -> Option<String> {
    let actions: Vec<String> = document["Statement"]
        .as_array()?
        .iter()
        .flat_map(|s| s["Action"].as_array().cloned().unwrap_or_default())
        .filter_map(|a| a.as_str().map(str::to_string))
        .collect();
    match naming {
        Naming::Terraform if role.starts_with("aws_iam_role.") => Some(format!(
            "in Terraform: add a resource \"aws_iam_role_policy\" \"ecs_exec\" with role = {role}.id and policy = jsonencode({{ Version = \"2012-10-17\", Statement = [{{ Effect = \"Allow\", Action = [{}], Resource = \"*\" }}] }})",
            actions
                .iter()
                .map(|a| format!("\"{a}\""))
                .collect::<Vec<_>>()
                .join(", ")
        )),
        Naming::Pascal => Some(format!(
            "in the template, under `{role}`'s Properties: Policies: [{{PolicyName: ecs-exec, PolicyDocument: {{Version: '2012-10-17', Statement: [{{Effect: Allow, Action: [{}], Resource: '*'}}]}}}}]",
            actions.join(", ")
        )),
        _ => None,
    }
}

/// Where a container of a Copilot manifest is configured: `containers[0]` is the service's
/// own (the manifest's top level), then Copilot's log router (`logging`), its tracing
/// collector (`observability`) and the `sidecars`.
fn copilot_block(containers: &[String], name: &str) -> String {
    use super::copilot::task::{FIRELENS, OTEL};
    match name {
        _ if containers.first().is_some_and(|m| m == name) => "the manifest's top level".into(),
        FIRELENS => "`logging`".into(),
        OTEL => "`observability`".into(),
        _ => format!("`sidecars.{name}`"),
    }
}

/// A task-definition field (`linuxParameters.initProcessEnabled`) as a `taskdef_overrides`
/// path (`ContainerDefinitions[1].LinuxParameters.InitProcessEnabled`).
fn override_path(containers: &[String], container: Option<&str>, field: &str) -> String {
    let field: Vec<String> = field.split('.').map(|p| Naming::Pascal.key(p)).collect();
    let field = field.join(".");
    match container.and_then(|c| containers.iter().position(|n| n == c)) {
        Some(i) => format!("ContainerDefinitions[{i}].{field}"),
        None => field,
    }
}

/// A Copilot manifest's fix: what to write in the manifest (`exec`, `storage.readonly_fs`,
/// `variables`, a `taskdef_overrides` rule for what the manifest has no field for), then a
/// deployment, which registers a new revision and replaces the tasks. Commands that name the
/// ECS service are dropped: its name is Copilot's, not the manifest's `name`. `containers`
/// are the unit's containers, the service's own first.
pub fn copilot(code: &str, fix: &Fix, containers: &[String]) -> Fix {
    const DEPLOY: &str = "then `copilot svc deploy`: the deployment registers a new task-definition revision and replaces the tasks";
    if code == "SV001" {
        return Fix {
            title: fix.title.clone(),
            steps: vec![FixStep::Note {
                text: "set `exec: true` in the manifest (and in any `environments.<env>` that sets `exec`), then `copilot svc deploy`: the deployment replaces the tasks".into(),
            }],
        };
    }
    let mut steps = Vec::new();
    for step in &fix.steps {
        let text = match step {
            FixStep::TaskDefinition {
                container,
                field,
                value,
            } => {
                let main = container.is_none()
                    || containers.first().map(String::as_str) == container.as_deref();
                match field.as_str() {
                    "readonlyRootFilesystem" if main => "set `storage.readonly_fs: false` in the manifest (and in any `environments.<env>.storage` that sets it)".into(),
                    "environment" => {
                        let block = copilot_block(containers, container.as_deref().unwrap_or_default());
                        let vars: Vec<String> = value
                            .as_array()
                            .into_iter()
                            .flatten()
                            .filter_map(|v| Some(format!("`{}: {}`", v["name"].as_str()?, v["value"].as_str()?)))
                            .collect();
                        format!("add {} to `variables` in {block}", vars.join(", "))
                    }
                    _ => format!(
                        "add a `taskdef_overrides` rule to the manifest: `- path: {}` with `value: {value}`",
                        override_path(containers, container.as_deref(), field)
                    ),
                }
            }
            FixStep::Command { command } if command.starts_with("aws ecs execute-command") => {
                let shell = command
                    .split_once(" --command")
                    .map_or(String::new(), |(_, c)| format!(" --command{c}"));
                format!("run `copilot svc exec{shell}`")
            }
            FixStep::Command { command } if command.starts_with("aws ecs ") => continue,
            FixStep::Note { text } if text == crate::fixes::NEW_REVISION => DEPLOY.into(),
            other => {
                steps.push(other.clone());
                continue;
            }
        };
        steps.push(FixStep::Note { text });
    }
    // TD003's "remove X from `environment` of `c`": the manifest calls them `variables`, and
    // says where the container is configured.
    let mut title = fix.title.replace("`environment`", "`variables`");
    if let Some(c) = containers
        .iter()
        .skip(1)
        .find(|c| title.ends_with(&format!("of `{c}`")))
    {
        title = format!("{title} ({})", copilot_block(containers, c));
    }
    if !steps
        .iter()
        .any(|s| matches!(s, FixStep::Note { text } if text == DEPLOY))
    {
        steps.push(FixStep::Note {
            text: DEPLOY.into(),
        });
    }
    Fix { title, steps }
}

/// A field path (`linuxParameters.initProcessEnabled`) in the file's naming. Container fields
/// in Terraform stay camelCase: `container_definitions` is ECS JSON.
fn field_name(field: &str, in_container: bool, naming: Naming) -> String {
    match naming {
        Naming::Terraform if in_container => format!("{field} (in container_definitions)"),
        Naming::Terraform | Naming::Pascal => field
            .split('.')
            .map(|p| naming.key(p))
            .collect::<Vec<_>>()
            .join("."),
        Naming::Camel => field.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fix() -> Fix {
        Fix::new("enable exec")
            .command("aws ecs update-service --cluster CLUSTER --service WebService --enable-execute-command --force-new-deployment")
            .task_definition(None, "enableExecuteCommand", json!(true))
    }

    #[test]
    fn each_language_names_the_field_its_own_way_and_no_command_names_a_logical_id() {
        let tf = localize(&fix(), Naming::Terraform);
        let fields: Vec<String> = tf
            .steps
            .iter()
            .filter_map(|s| match s {
                FixStep::TaskDefinition { field, .. } => Some(field.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(fields, ["enable_execute_command"]);
        assert!(
            !tf.steps
                .iter()
                .any(|s| matches!(s, FixStep::Command { .. }))
        );
        assert!(tf.steps.iter().any(
            |s| matches!(s, FixStep::Note { text } if text.contains("force_new_deployment = true"))
        ));
        let cfn = localize(&fix(), Naming::Pascal);
        assert!(cfn.steps.iter().any(|s| matches!(s, FixStep::TaskDefinition { field, .. } if field == "EnableExecuteCommand")));
        assert_eq!(localize(&fix(), Naming::Camel), fix());
        assert_eq!(
            field_name("linuxParameters.initProcessEnabled", true, Naming::Pascal),
            "LinuxParameters.InitProcessEnabled"
        );
        assert_eq!(
            field_name("readonlyRootFilesystem", true, Naming::Terraform),
            "readonlyRootFilesystem (in container_definitions)"
        );
    }
}
