crate::declare_check! {
    /// ## What it checks
    /// Whether the task definition sets `pidMode: task`.
    ///
    /// ## Why it matters
    /// Only one exec session can run per PID namespace, so with a shared task PID namespace only
    /// one container of the task can be exec'd into.
    ///
    /// ## How to fix
    /// Remove `pidMode` unless a sidecar needs to see the app's processes; if it does, exec into
    /// one container only.
    ///
    /// ## References
    /// - amazon-ecs-exec-checker#75; aws/containers-roadmap#2268
    pub static CHECK = {
        code: "TD004",
        name: "pid-mode-task",
        category: Containers,
        severity: Warning,
        scope: LiveAndLint,
        level: Task,
        summary: "The task does not share one PID namespace (pidMode task) across containers",
        needs: [TaskDefinition],
        evaluate: evaluate,
    };
}

use crate::facts::{Facts, Unavailable};
use crate::fixes::NEW_REVISION;
use crate::model::Value;
use crate::outcome::{Finding, Fix, Verdict};

fn evaluate(f: &Facts<'_>) -> Result<Verdict, Unavailable> {
    let td = f.task_definition()?;
    match &td.pid_mode {
        Some(Value::Known(mode)) if mode == "task" => Ok(Verdict::Findings(vec![
            Finding::warning(format!(
                "task definition `{}` sets pidMode=task: only one container can be exec'd into at a time",
                td.display_name()
            ))
            .pointer("/pidMode")
            .fix(Fix::new("remove pidMode, or exec into one container only").note(NEW_REVISION)),
        ])),
        Some(Value::Known(mode)) => Ok(Verdict::pass(format!("pidMode={mode}"))),
        Some(Value::Unresolved { unresolved }) => Err(Unavailable::new(format!(
            "pidMode is `{unresolved}`, resolved at deploy time"
        ))),
        None => Ok(Verdict::pass("pidMode is not set")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn verdicts() {
        let mut d = diagnosis();
        assert_pass(&CHECK, &d);
        d.subjects[0].task_definition.value_mut().pid_mode = Some(Value::Known("task".into()));
        assert_finding(&CHECK, &d, Severity::Warning, "pidMode=task");
    }
}
