crate::declare_check! {
    /// ## What it checks
    /// That the task has an IAM task role for the exec agent: the RunTask override wins over the
    /// task definition's `taskRoleArn`. On EC2 without a task role the agent falls back to the
    /// instance profile's role, which is reported as a warning. In `lint`, the task definition
    /// must set `taskRoleArn`. The role must also exist: a role that was deleted after the
    /// task definition named it (`iam:GetRole` answers `NoSuchEntity`) is an error. In `lint`,
    /// a task definition that can run only on EC2 (`requiresCompatibilities: ["EC2"]`) without
    /// a task role is a warning, as live: the agent can fall back to the instance role.
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
        needs: [TaskDefinition, Task, InstanceRole, TaskRole],
        evaluate: evaluate,
    };
}

use serde_json::json;

use crate::arn;
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
        // Without requiresCompatibilities a task definition is registered for EC2 only
        // (Fargate needs FARGATE in the list).
        let ec2_only = td
            .requires_compatibilities
            .iter()
            .all(|c| c.eq_ignore_ascii_case("EC2") || c.eq_ignore_ascii_case("EXTERNAL"));
        return Ok(match &td.task_role_arn {
            Some(Value::Known(arn)) => Verdict::pass(format!("task role `{arn}`")),
            Some(Value::Unresolved { unresolved }) => Verdict::pass(format!(
                "task role is `{unresolved}`, resolved at deploy time"
            )),
            None if ec2_only => {
                let mut warning = Finding::warning(format!(
                    "task definition `{}` has no task role; on EC2 the exec agent falls back to the instance role, which must allow the ssmmessages actions",
                    td.display_name()
                ))
                .pointer("/taskRoleArn");
                if td.execution_role_arn.is_some() {
                    warning = warning
                        .evidence("only an execution role is set; the exec agent does not use it");
                }
                Verdict::Findings(vec![warning.fix(fix)])
            }
            None => missing(),
        });
    }
    let role = crate::task_role::for_check(f)?;
    if role.arn().is_some()
        && let Some(known) = f.task_role()?
        && !known.exists
    {
        let (what, field) = match role {
            TaskRole::InstanceProfile(_) => ("the EC2 instance role", "the instance profile"),
            TaskRole::Override(_) => ("the RunTask override role", "overrides.taskRoleArn"),
            _ => ("the task role", "taskRoleArn"),
        };
        return Ok(Verdict::Findings(vec![
            Finding::error(format!(
                "{what} `{}` does not exist (iam:GetRole: NoSuchEntity); the exec agent cannot get credentials",
                known.arn
            ))
            .subject(known.arn.clone())
            .pointer("/taskRoleArn")
            .fix(
                Fix::new(format!("recreate `{}` or point {field} at an existing role", arn::role_name(&known.arn)))
                    .command(format!(
                        "aws iam create-role --role-name {} --assume-role-policy-document '{}'",
                        arn::role_name(&known.arn),
                        crate::fixes::ECS_TASKS_TRUST
                    ))
                    .note("then allow the four ssmmessages actions (IR002) and start new tasks: running tasks keep the credentials they could not get"),
            ),
        ]));
    }
    Ok(match role {
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

    #[test]
    fn a_deleted_role_is_an_error() {
        let mut d = diagnosis();
        d.subjects[0].task_role.value_mut().exists = false;
        assert_finding(&CHECK, &d, Severity::Error, "does not exist");
        d.subjects[0].task_role = fact_failed_denied("iam:GetRole");
        assert_unknown(&CHECK, &d);
    }
}
