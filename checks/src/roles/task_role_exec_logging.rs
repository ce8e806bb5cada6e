crate::declare_check! {
    /// ## What it checks
    /// When the cluster logs sessions with `logging=OVERRIDE`, that the task role has what the
    /// agent needs to upload transcripts: for CloudWatch Logs `logs:DescribeLogGroups` (on `*`),
    /// `logs:CreateLogStream`, `logs:DescribeLogStreams` and `logs:PutLogEvents` (on the group);
    /// for S3 `s3:GetBucketLocation` (on `*`), `s3:GetEncryptionConfiguration` (on the bucket)
    /// and `s3:PutObject` (on the prefix). An error when encryption is required (sessions are
    /// refused), a warning otherwise (sessions work, transcripts are lost).
    ///
    /// ## Why it matters
    /// Missing permissions silently lose the audit trail, or, with encryption required, refuse
    /// the session (`We couldn't start the session because encryption is not set up on the
    /// selected Amazon S3 bucket`).
    ///
    /// ## How to fix
    /// Attach the logging policy shown in the finding to the task role.
    ///
    /// ## References
    /// - ECS Exec logging documentation; aws/amazon-ssm-agent#212
    pub static CHECK = {
        code: "IR004",
        name: "task-role-exec-logging",
        category: Roles,
        severity: Error,
        scope: Live,
        level: Task,
        summary: "The task role may write exec session logs to the configured CloudWatch group or S3 bucket",
        needs: [Task, TaskDefinition, InstanceRole, TaskRolePermissions, Cluster],
        evaluate: evaluate,
    };
}

use serde_json::json;

use crate::check::Severity;
use crate::facts::{Facts, Unavailable};
use crate::fixes::put_policy_command;
use crate::outcome::{Fix, Verdict};

/// The (action, resource) pairs the agent needs for the cluster's logging configuration.
pub fn required(f: &Facts<'_>) -> Result<Vec<(&'static str, String)>, Unavailable> {
    let cluster = f.cluster()?;
    crate::task_role::logging_actions(&cluster.arn, &cluster.exec_config)
        .ok_or_else(|| Unavailable::new("the cluster ARN could not be parsed"))
}

fn evaluate(f: &Facts<'_>) -> Result<Verdict, Unavailable> {
    let cluster = f.cluster()?;
    let c = &cluster.exec_config;
    if c.logging != "OVERRIDE" || (c.cloud_watch_log_group.is_none() && c.s3_bucket.is_none()) {
        return Ok(Verdict::not_applicable(
            "the cluster does not override the session log destination",
        ));
    }
    let pairs = required(f)?;
    let actions: Vec<(&str, Vec<String>)> =
        pairs.iter().map(|(a, r)| (*a, vec![r.clone()])).collect();
    let verdict = super::judge_role(f, &actions, |role| {
        let statements: Vec<_> = pairs
            .iter()
            .map(|(a, r)| json!({"Effect": "Allow", "Action": a, "Resource": r}))
            .collect();
        let policy = json!({"Version": "2012-10-17", "Statement": statements});
        Fix::new(format!("allow exec session logging for `{role}`"))
            .policy(role, policy.clone())
            .command(put_policy_command(role, "ecs-exec-logging", &policy))
    })?;
    let required_encryption = c.cloud_watch_encryption_enabled || c.s3_encryption_enabled;
    Ok(match verdict {
        Verdict::Findings(mut findings) if !required_encryption => {
            for f in &mut findings {
                f.severity = f.severity.min(Severity::Warning);
                f.message
                    .push_str(" (sessions work, but transcripts are lost)");
            }
            Verdict::Findings(findings)
        }
        Verdict::Findings(mut findings) => {
            for f in &mut findings {
                f.message
                    .push_str(" (encryption is required, so sessions are refused)");
            }
            Verdict::Findings(findings)
        }
        other => other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Decision;
    use crate::testing::*;

    #[test]
    fn verdicts() {
        let mut d = diagnosis();
        assert_not_applicable(&CHECK, &d);
        with_cloudwatch_logging(&mut d);
        assert_pass(&CHECK, &d);
        let group = "arn:aws:logs:us-east-1:123456789012:log-group:/ecs/exec:*";
        set_decision(
            &mut d.subjects[0].task_role_permissions,
            "logs:PutLogEvents",
            group,
            Decision::ImplicitDeny,
        );
        assert_finding(&CHECK, &d, Severity::Warning, "transcripts are lost");
        d.cluster
            .value_mut()
            .exec_config
            .cloud_watch_encryption_enabled = true;
        assert_finding(&CHECK, &d, Severity::Error, "sessions are refused");
    }
}
