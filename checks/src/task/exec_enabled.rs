crate::declare_check! {
    /// ## What it checks
    /// That the task was started with `enableExecuteCommand: true`. When the task belongs to a
    /// service, the report also says whether the service has the flag: a service updated with
    /// `--enable-execute-command` keeps running tasks started before the change.
    ///
    /// ## Why it matters
    /// The flag cannot be turned on for a running task. Without it ECS answers
    /// `InvalidParameterException ... execute command was not enabled when the task was run or the
    /// execute command agent isn't running`.
    ///
    /// ## How to fix
    /// For a service: `aws ecs update-service --cluster C --service S --enable-execute-command
    /// --force-new-deployment` (for a `CODE_DEPLOY` service, the same without forcing, then a
    /// CodeDeploy deployment; for an `EXTERNAL` one, a new task set). For a standalone task:
    /// run a new one with
    /// `--enable-execute-command` (EventBridge Scheduler and Step Functions have an
    /// `EnableExecuteCommand` parameter).
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html>
    pub static CHECK = {
        code: "TK002",
        name: "exec-enabled-on-task",
        category: Task,
        severity: Error,
        scope: Live,
        level: Task,
        summary: "The task was started with enableExecuteCommand",
        needs: [Task, Service],
        evaluate: evaluate,
    };
}

use crate::facts::{Facts, Unavailable};
use crate::fixes::replace_task;
use crate::outcome::{Finding, Fix, Verdict};

fn evaluate(f: &Facts<'_>) -> Result<Verdict, Unavailable> {
    let task = f.task()?;
    if task.enable_execute_command {
        return Ok(Verdict::pass(format!(
            "task `{}` has enableExecuteCommand=true",
            task.id()
        )));
    }
    let mut finding = Finding::error(format!(
        "task `{}` was started without enableExecuteCommand",
        task.id()
    ));
    let service = f.service().ok().flatten();
    if let Some(svc) = service {
        finding = finding.evidence(match svc.enable_execute_command {
            Some(true) => format!(
                "service `{}` has enableExecuteCommand=true, but this task was started before it was set: start new tasks",
                svc.name
            ),
            Some(false) => format!("service `{}` has enableExecuteCommand=false", svc.name),
            None => format!("service `{}`: enableExecuteCommand unknown", svc.name),
        });
    }
    let title = if task.service_name().is_some() {
        "enable exec on the service and replace its tasks"
    } else {
        "run a new task with exec enabled"
    };
    Ok(Verdict::Findings(vec![finding.fix(replace_task(
        Fix::new(title),
        f,
        task,
        true,
    ))]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn verdicts() {
        let mut d = diagnosis();
        assert_pass(&CHECK, &d);
        d.subjects[0].task.value_mut().enable_execute_command = false;
        assert_finding(&CHECK, &d, Severity::Error, "without enableExecuteCommand");
        let r = run(&CHECK, &d);
        assert!(
            r.findings[0]
                .fix
                .as_ref()
                .unwrap()
                .steps
                .iter()
                .any(|s| format!("{s:?}").contains("--force-new-deployment"))
        );
        assert!(
            r.findings[0]
                .evidence
                .iter()
                .any(|e| e.contains("started before"))
        );
    }
}
