crate::declare_check! {
    /// ## What it checks
    /// That the ECS service has `enableExecuteCommand: true`, so every task it starts can be
    /// exec'd into. Live, for the service the task belongs to; in `lint`, for service JSON,
    /// CloudFormation `AWS::ECS::Service` (`EnableExecuteCommand`) and Terraform
    /// `aws_ecs_service` (`enable_execute_command`).
    ///
    /// ## Why it matters
    /// Without it, the next deployment replaces exec-enabled tasks with tasks ECS Exec cannot
    /// reach.
    ///
    /// ## How to fix
    /// `aws ecs update-service --cluster C --service S --enable-execute-command
    /// --force-new-deployment`, or set the flag in the template. ECS refuses a forced
    /// deployment of a service with the `CODE_DEPLOY` (blue/green) deployment controller: the
    /// fix then enables the flag without forcing and starts a CodeDeploy deployment (`aws
    /// deploy create-deployment`); for an `EXTERNAL` controller, a new task set replaces the
    /// tasks.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html>
    pub static CHECK = {
        code: "SV001",
        name: "service-exec-enabled",
        category: Task,
        severity: Error,
        scope: LiveAndLint,
        level: Task,
        summary: "The service has enableExecuteCommand, so its new tasks can be exec'd into",
        needs: [Service],
        evaluate: evaluate,
    };
}

use serde_json::json;

use crate::facts::{Facts, Unavailable};
use crate::fixes::{cluster_name, region_flag, roll_service};
use crate::outcome::{Finding, Fix, Verdict};

fn evaluate(f: &Facts<'_>) -> Result<Verdict, Unavailable> {
    let Some(service) = f.service()? else {
        return Ok(Verdict::not_applicable(
            "the task does not belong to a service",
        ));
    };
    match service.enable_execute_command {
        Some(true) => Ok(Verdict::pass(format!(
            "service `{}` has enableExecuteCommand=true",
            service.name
        ))),
        // Unknown until deploy time: not shown to be on, so not a pass.
        None => Err(Unavailable::new(format!(
            "service `{}`: enableExecuteCommand is set by an expression resolved at deploy time",
            service.name
        ))),
        Some(false) => Ok(Verdict::Findings(vec![
            Finding::error(format!(
                "service `{}` does not have enableExecuteCommand",
                service.name
            ))
            .pointer("/enableExecuteCommand")
            .fix(
                roll_service(
                    Fix::new("enable exec on the service and roll its tasks"),
                    &cluster_name(f),
                    &service.name,
                    service.deployment_controller.as_deref(),
                    " --enable-execute-command",
                    &region_flag(f),
                )
                .task_definition(None, "enableExecuteCommand", json!(true)),
            ),
        ])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    /// A blue/green or externally deployed service cannot take --force-new-deployment: the
    /// fix is what ECS accepts for it.
    #[test]
    fn the_fix_is_one_the_deployment_controller_accepts() {
        let mut d = diagnosis();
        d.subjects[0].service.value_mut().enable_execute_command = Some(false);
        let rolling = fix_commands_of(&CHECK, &d);
        assert!(
            rolling.iter().any(|c| c.contains("--force-new-deployment")),
            "{rolling:?}"
        );
        d.subjects[0].service.value_mut().deployment_controller = Some("CODE_DEPLOY".into());
        let blue_green = fix_commands_of(&CHECK, &d);
        assert!(
            !blue_green
                .iter()
                .any(|c| c.contains("--force-new-deployment")),
            "{blue_green:?}"
        );
        assert!(
            blue_green
                .iter()
                .any(|c| c.contains("--enable-execute-command"))
        );
        assert!(
            blue_green.iter().any(|c| c
                .starts_with("aws deploy create-deployment --application-name AppECS-prod-web")),
            "{blue_green:?}"
        );
        d.subjects[0].service.value_mut().deployment_controller = Some("EXTERNAL".into());
        let external = fix_commands_of(&CHECK, &d);
        assert!(
            !external
                .iter()
                .any(|c| c.contains("--force-new-deployment")),
            "{external:?}"
        );
        assert!(
            external
                .iter()
                .any(|c| c.contains("aws ecs create-task-set")),
            "{external:?}"
        );
    }

    #[test]
    fn verdicts() {
        let mut d = diagnosis();
        assert_pass(&CHECK, &d);
        d.subjects[0].service.value_mut().enable_execute_command = Some(false);
        assert_finding(
            &CHECK,
            &d,
            Severity::Error,
            "does not have enableExecuteCommand",
        );
        d.subjects[0].service = crate::facts::Fact::absent("standalone task");
        assert_not_applicable(&CHECK, &d);
    }
}
