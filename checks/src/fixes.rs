//! Fix text shared by several checks, with the real names filled in.

use serde_json::json;

use crate::facts::Facts;
use crate::model::Task;
use crate::outcome::Fix;

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

/// `fix` with the steps that replace a task so that a changed setting takes effect: a new
/// deployment of its service as the service's deployment controller allows (see
/// [`roll_service`]), or, for a standalone task, a new task.
pub fn replace_task(fix: Fix, f: &Facts<'_>, task: &Task, enable_exec: bool) -> Fix {
    let exec = if enable_exec {
        " --enable-execute-command"
    } else {
        ""
    };
    match task.service_name() {
        Some(service) => {
            roll_service(
                fix,
                &cluster_name(f),
                service,
                deployment_controller(f),
                exec,
                &region_flag(f),
            )
        }
        None => fix.command(format!(
            "aws ecs run-task --cluster {} --task-definition {}{exec} ...  # the same options as before, then stop task {}",
            cluster_name(f),
            task_definition_ref(&task.task_definition_arn),
            task.id()
        )),
    }
}

/// The deployment controller of the task's service (`CODE_DEPLOY`, `EXTERNAL`), when known.
pub fn deployment_controller<'a>(f: &Facts<'a>) -> Option<&'a str> {
    f.service()
        .ok()
        .flatten()
        .and_then(|s| s.deployment_controller.as_deref())
}

/// `fix` with the steps that roll `service`'s tasks after `update` (update-service flags,
/// such as ` --enable-execute-command`, or empty), as its deployment controller allows. ECS
/// refuses `--force-new-deployment` for a `CODE_DEPLOY` (blue/green) or `EXTERNAL` service:
/// their tasks are replaced by a CodeDeploy deployment or by a new task set.
pub fn roll_service(
    fix: Fix,
    cluster: &str,
    service: &str,
    controller: Option<&str>,
    update: &str,
    region: &str,
) -> Fix {
    // Without a forced deployment, update-service only when there is something to update.
    let with_update = |fix: Fix| {
        if update.is_empty() {
            fix
        } else {
            fix.command(format!(
                "aws ecs update-service --cluster {cluster} --service {service}{update}{region}"
            ))
        }
    };
    match controller {
        Some("CODE_DEPLOY") => with_update(fix)
            .command(format!(
                "aws deploy create-deployment --application-name AppECS-{cluster}-{service} --deployment-group-name DgpECS-{cluster}-{service} --revision file://appspec-revision.json{region}"
            ))
            .note(format!(
                "`{service}` uses the CODE_DEPLOY (blue/green) deployment controller: ECS refuses a forced new deployment for it, and a CodeDeploy deployment replaces its tasks. AppECS-{cluster}-{service} and DgpECS-{cluster}-{service} are the names the ECS console gives; `aws deploy list-applications` and `aws deploy list-deployment-groups --application-name APP` show yours, and the revision is the service's AppSpec (the task definition and load balancer container)"
            )),
        Some("EXTERNAL") => with_update(fix)
            .command(format!(
                "aws ecs create-task-set --cluster {cluster} --service {service} --task-definition TASK_DEFINITION ...{region}   # then aws ecs update-service-primary-task-set"
            ))
            .note(format!(
                "`{service}` uses the EXTERNAL deployment controller: ECS refuses a forced new deployment for it; the deployer that manages it replaces the tasks with a new task set"
            )),
        _ => fix.command(format!(
            "aws ecs update-service --cluster {cluster} --service {service}{update} --force-new-deployment{region}"
        )),
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
