crate::declare_check! {
    /// ## What it checks
    /// That the task has an IAM task role for the exec agent: the RunTask override wins over the
    /// task definition's `taskRoleArn`. On EC2 without a task role the agent falls back to the
    /// instance profile's role, which is reported as a warning. In `lint`, the task definition
    /// must set `taskRoleArn`.
    ///
    /// ## Why it matters
    /// The agent authenticates to Session Manager with the task role. With no role it cannot
    /// connect (`TargetNotConnectedException`). A common mistake is to set only the **execution**
    /// role, which ECS uses to pull images and write logs, not the agent.
    ///
    /// ## How to fix
    /// Set `taskRoleArn` to a role whose trust policy allows `ecs-tasks.amazonaws.com` and that
    /// allows the four `ssmmessages` actions (see IR002).
    ///
    /// ## References
    /// - amazon-ecs-exec-checker#22 (RunTask override)
    pub static CHECK = {
        code: "IR001",
        name: "task-role-present",
        category: Roles,
        severity: Error,
        scope: LiveAndLint,
        level: Task,
        summary: "The task has a task role for the exec agent",
        needs: [TaskDefinition, Task, InstanceRole],
        evaluate: evaluate,
    };
}

use serde_json::json;

use crate::facts::{Facts, Mode, Unavailable};
use crate::fixes::NEW_REVISION;
use crate::model::Value;
use crate::outcome::{Finding, Fix, Verdict};
use crate::task_role::TaskRole;

fn evaluate(f: &Facts<'_>) -> Result<Verdict, Unavailable> {
    let td = f.task_definition()?;
    let fix = Fix::new(format!("give `{}` a task role", td.family))
        .task_definition(None, "taskRoleArn", json!("arn:aws:iam::ACCOUNT:role/ROLE"))
        .note("the role must trust ecs-tasks.amazonaws.com and allow the four ssmmessages actions (IR002); the execution role does not count")
        .note(NEW_REVISION);
    let missing = || {
        let mut finding = Finding::error(format!(
            "task definition `{}` has no task role; the exec agent cannot authenticate",
            td.display_name()
        ))
        .pointer("/taskRoleArn");
        if td.execution_role_arn.is_some() {
            finding =
                finding.evidence("only an execution role is set; the exec agent does not use it");
        }
        Verdict::Findings(vec![finding.fix(fix.clone())])
    };
    if f.mode == Mode::Offline {
        return Ok(match &td.task_role_arn {
            Some(Value::Known(arn)) => Verdict::pass(format!("task role `{arn}`")),
            Some(Value::Unresolved { unresolved }) => Verdict::pass(format!(
                "task role is `{unresolved}`, resolved at deploy time"
            )),
            None => missing(),
        });
    }
    Ok(match crate::task_role::for_check(f)? {
        TaskRole::None => missing(),
        TaskRole::InstanceProfile(arn) => Verdict::Findings(vec![
            Finding::warning(format!("task definition `{}` has no task role; the exec agent falls back to the EC2 instance role `{arn}`", td.display_name()))
                .pointer("/taskRoleArn")
                .fix(fix),
        ]),
        role => Verdict::pass(role.describe()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn verdicts() {
        let mut d = diagnosis();
        assert_pass(&CHECK, &d);
        d.subjects[0].task_definition.value_mut().task_role_arn = None;
        assert_finding(&CHECK, &d, Severity::Error, "no task role");
        d.subjects[0].task.value_mut().task_role_override =
            Some("arn:aws:iam::123456789012:role/override".into());
        assert_pass(&CHECK, &d);
        let mut d = ec2_diagnosis();
        d.subjects[0].task_definition.value_mut().task_role_arn = None;
        assert_finding(
            &CHECK,
            &d,
            Severity::Warning,
            "falls back to the EC2 instance role",
        );
    }
}
