//! Fix text shared by several checks, with the real names filled in.

use serde_json::json;

use crate::facts::Facts;
use crate::model::Task;

/// The four actions the exec agent needs on its role.
pub const SSMMESSAGES_ACTIONS: [&str; 4] = [
    "ssmmessages:CreateControlChannel",
    "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel",
    "ssmmessages:OpenDataChannel",
];

/// `--region R` for commands, when the region is known.
pub fn region_flag(f: &Facts<'_>) -> String {
    let region = &f.target().region;
    if region.is_empty() {
        String::new()
    } else {
        format!(" --region {region}")
    }
}

/// The cluster name to put in commands.
pub fn cluster_name(f: &Facts<'_>) -> String {
    match f.cluster() {
        Ok(c) => c.name.clone(),
        Err(_) => crate::arn::cluster_name(&f.target().cluster).to_string(),
    }
}

/// How to replace a task so that a changed setting takes effect.
pub fn replace_task_command(f: &Facts<'_>, task: &Task, enable_exec: bool) -> String {
    let exec = if enable_exec {
        " --enable-execute-command"
    } else {
        ""
    };
    match task.service_name() {
        Some(service) => format!(
            "aws ecs update-service --cluster {} --service {service}{exec} --force-new-deployment{}",
            cluster_name(f),
            region_flag(f)
        ),
        None => format!(
            "aws ecs run-task --cluster {} --task-definition {}{exec} ...  # the same options as before, then stop task {}",
            cluster_name(f),
            task_definition_ref(&task.task_definition_arn),
            task.id()
        ),
    }
}

/// `family:revision` of a task-definition ARN.
pub fn task_definition_ref(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

/// An IAM policy document with one Allow statement.
pub fn allow_policy(actions: &[&str], resources: &[String]) -> serde_json::Value {
    let resource = if resources.len() == 1 {
        json!(resources[0])
    } else {
        json!(resources)
    };
    json!({
        "Version": "2012-10-17",
        "Statement": [{ "Effect": "Allow", "Action": actions, "Resource": resource }]
    })
}

/// `aws iam put-role-policy` (or `put-user-policy`) for `principal_arn` with `document`.
pub fn put_policy_command(
    principal_arn: &str,
    policy_name: &str,
    document: &serde_json::Value,
) -> String {
    let name = crate::arn::role_name(principal_arn);
    let (verb, flag) = if principal_arn.contains(":user/") {
        ("put-user-policy", "--user-name")
    } else {
        ("put-role-policy", "--role-name")
    };
    format!(
        "aws iam {verb} {flag} {name} --policy-name {policy_name} --policy-document '{}'",
        serde_json::to_string(document).expect("policy documents serialise")
    )
}

/// The note that task-definition changes need a new revision and new tasks.
/// The trust policy a task role needs, as one line of JSON.
pub const ECS_TASKS_TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

pub const NEW_REVISION: &str = "register a new task-definition revision with this change, then deploy it (running tasks keep the old settings)";
