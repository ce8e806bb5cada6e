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
            // `aws ecs update-service --service X` with X a logical id or an address would
            // fail or hit another service: the template is what to change.
            FixStep::Command { command } if command.starts_with("aws ecs ") => {
                dropped_command = true;
            }
            other => steps.push(other.clone()),
        }
    }
    if dropped_command {
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

/// A Copilot manifest's fix: its `exec` field and a deployment, which replaces the tasks (the
/// ECS service's name is Copilot's, not the manifest's `name`).
pub fn copilot(fix: &Fix) -> Fix {
    Fix {
        title: fix.title.clone(),
        steps: vec![FixStep::Note {
            text: "set `exec: true` in the manifest, then `copilot svc deploy`: the deployment replaces the tasks".into(),
        }],
    }
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
