crate::declare_check! {
    /// ## What it checks
    /// That the caller is **not** allowed `ssm:StartSession` on the task. This is a security
    /// finding, not a readiness one: exec works either way.
    ///
    /// ## Why it matters
    /// A session opened with `aws ssm start-session --target ecs:CLUSTER_TASK_RUNTIMEID` bypasses
    /// ECS Exec's CloudTrail `ExecuteCommand` record and its session logging, and counts against
    /// the exec session quota. AWS recommends denying it.
    ///
    /// ## How to fix
    /// Add an explicit deny of `ssm:StartSession` on `arn:…:ecs:*:ACCOUNT:task/*`.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html> (limiting access to the Start Session action)
    pub static CHECK = {
        code: "CR003",
        name: "start-session-denied",
        category: Caller,
        severity: Warning,
        scope: Live,
        level: Task,
        summary: "The caller cannot bypass ECS Exec auditing with ssm:StartSession on the task",
        needs: [Caller, CallerPermissions, Task],
        evaluate: evaluate,
    };
}

use serde_json::json;

use crate::facts::{Facts, Unavailable};
use crate::fixes::put_policy_command;
use crate::model::Decision;
use crate::outcome::{Finding, Fix, Verdict};
use crate::simulation::{decision_word, require_principal};

pub const ACTION: &str = "ssm:StartSession";

fn evaluate(f: &Facts<'_>) -> Result<Verdict, Unavailable> {
    let caller = f.caller()?;
    if caller.kind == crate::model::CallerKind::Root {
        return Ok(Verdict::Findings(vec![Finding::warning(
            "the caller is the account root user, which can start SSM sessions to the task directly",
        )
        .fix(Fix::new("use an IAM role for exec instead of the root user"))]));
    }
    let principal = require_principal(caller)?;
    let task = f.task()?;
    let sim = f.caller_permissions()?;
    let Some(result) = sim.result(ACTION, &task.arn) else {
        return Err(Unavailable::new(format!(
            "the permission simulation has no result for {ACTION}"
        )));
    };
    if result.decision != Decision::Allowed {
        return Ok(Verdict::pass(format!(
            "{ACTION} on the task is {} for `{principal}`",
            decision_word(result.decision)
        )));
    }
    let (partition, account) = crate::arn::Arn::parse(&task.arn)
        .map(|a| (a.partition, a.account))
        .unwrap_or_else(|| ("aws".into(), "*".into()));
    let deny = json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Deny",
            "Action": ACTION,
            "Resource": format!("arn:{partition}:ecs:*:{account}:task/*")
        }]
    });
    Ok(Verdict::Findings(vec![
        Finding::warning(format!(
            "`{principal}` may call {ACTION} on the task, bypassing ECS Exec logging"
        ))
        .evidence(format!(
            "iam:SimulatePrincipalPolicy: {ACTION} on {} -> allowed",
            task.arn
        ))
        .fix(
            Fix::new("deny ssm:StartSession on ECS tasks")
                .policy(principal, deny.clone())
                .command(put_policy_command(
                    principal,
                    "deny-ssm-start-session-on-ecs-tasks",
                    &deny,
                )),
        ),
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn verdicts() {
        let mut d = diagnosis();
        assert_pass(&CHECK, &d);
        let task = d.subjects[0].task.value().unwrap().arn.clone();
        set_decision(
            &mut d.subjects[0].caller_permissions,
            ACTION,
            &task,
            Decision::Allowed,
        );
        assert_finding(&CHECK, &d, Severity::Warning, "bypassing");
    }
}
