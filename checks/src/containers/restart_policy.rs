crate::declare_check! {
    /// ## What it checks
    /// Whether targeted containers enable `restartPolicy`.
    ///
    /// ## Why it matters
    /// ECS Exec does not work into a container that ECS restarted in place: after the first
    /// restart, sessions to it fail until the task is replaced.
    ///
    /// ## How to fix
    /// Disable `restartPolicy` on containers you need to exec into, or replace the task
    /// (`aws ecs stop-task`) after a restart and let the service start a new one.
    ///
    /// ## References
    /// - amazon-ecs-exec-checker PR #80; aws/containers-roadmap#2469
    pub static CHECK = {
        code: "TD005",
        name: "restart-policy",
        category: Containers,
        severity: Warning,
        scope: LiveAndLint,
        level: Task,
        summary: "Containers you exec into are not restarted in place (restartPolicy)",
        needs: [TaskDefinition],
        evaluate: evaluate,
    };
}

use serde_json::json;

use super::{pointer, targeted};
use crate::facts::{Facts, Unavailable};
use crate::fixes::NEW_REVISION;
use crate::model::Value;
use crate::outcome::{Finding, Fix, Verdict};

fn evaluate(f: &Facts<'_>) -> Result<Verdict, Unavailable> {
    let td = f.task_definition()?;
    let mut findings = Vec::new();
    for (i, c) in targeted(f, td)? {
        if c.restart_policy_enabled == Some(Value::Known(true)) {
            findings.push(
                Finding::warning(format!(
                    "container `{}` enables restartPolicy; exec stops working into it once it restarts",
                    c.name
                ))
                .subject(c.name.clone())
                .pointer(pointer(i, "restartPolicy/enabled"))
                .fix(
                    Fix::new(format!("disable restartPolicy on `{}`, or replace the task after a restart", c.name))
                        .task_definition(Some(&c.name), "restartPolicy.enabled", json!(false))
                        .note(NEW_REVISION),
                ),
            );
        }
    }
    Ok(Verdict::from_findings(
        findings,
        vec!["no targeted container restarts in place".into()],
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn verdicts() {
        let mut d = diagnosis();
        assert_pass(&CHECK, &d);
        d.subjects[0].task_definition.value_mut().containers[0].restart_policy_enabled =
            Some(Value::Known(true));
        assert_finding(&CHECK, &d, Severity::Warning, "restartPolicy");
    }
}
