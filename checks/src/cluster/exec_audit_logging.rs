crate::declare_check! {
    /// ## What it checks
    /// How the cluster logs exec sessions (`executeCommandConfiguration.logging`): `NONE` (not
    /// logged), `DEFAULT` (to each container's `awslogs` log group) or `OVERRIDE` (to the
    /// configured CloudWatch log group and/or S3 bucket). With `DEFAULT` (also when nothing is
    /// configured) it says, per targeted container, whether its sessions are logged: a
    /// container without the `awslogs` log driver (FireLens, `json-file`, none) is not logged, a
    /// warning like `NONE` and `OVERRIDE` without a destination, which log nothing either.
    /// Exec works without a transcript: the exit code stays 0 unless `--fail-on warning`. Whether
    /// the destinations exist and are encrypted is CL004. A recommendation, not a requirement.
    ///
    /// ## Why it matters
    /// Exec gives a root shell in a production container; the transcript is the only record of
    /// what was run. With encryption required (`cloudWatchEncryptionEnabled`,
    /// `s3EncryptionEnabled`) the destination must really be encrypted, or sessions are refused
    /// (`We couldn't start the session because encryption is not set up on the selected
    /// CloudWatch Logs log group`). Transcripts also need `script` and `cat` in the image.
    ///
    /// ## How to fix
    /// `aws ecs update-cluster --cluster CLUSTER --configuration
    /// 'executeCommandConfiguration={logging=OVERRIDE,logConfiguration={cloudWatchLogGroupName=GROUP}}'`.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html> (logging)
    pub static CHECK = {
        code: "CL002",
        name: "exec-audit-logging",
        category: Cluster,
        severity: Warning,
        scope: Live,
        level: Task,
        summary: "Exec sessions are logged (recommendation)",
        needs: [Cluster, TaskDefinition],
        evaluate: evaluate,
    };
}

use crate::facts::{Facts, Unavailable};
use crate::fixes::region_flag;
use crate::outcome::{Finding, Fix, Verdict};

fn evaluate(f: &Facts<'_>) -> Result<Verdict, Unavailable> {
    let cluster = f.cluster()?;
    let c = &cluster.exec_config;
    // update-cluster replaces the whole executeCommandConfiguration: keep the KMS key.
    let key = c
        .kms_key_id
        .as_ref()
        .map(|k| format!("kmsKeyId={k},"))
        .unwrap_or_default();
    let region = region_flag(f);
    let enable = Fix::new("log exec sessions to a CloudWatch log group (or an S3 bucket)")
        .command(format!(
            "aws logs create-log-group --log-group-name /ecs/exec/{}{region}",
            cluster.name
        ))
        .command(format!(
            "aws ecs update-cluster --cluster {} --configuration 'executeCommandConfiguration={{{key}logging=OVERRIDE,logConfiguration={{cloudWatchLogGroupName=/ecs/exec/{}}}}}'{region}",
            cluster.name, cluster.name
        ))
        .note("the task role then needs logs:DescribeLogGroups, CreateLogStream, DescribeLogStreams and PutLogEvents (IR004)");
    match c.logging.as_str() {
        "NONE" => Ok(Verdict::Findings(vec![
            Finding::warning(format!(
                "exec sessions on cluster `{}` are not logged (logging=NONE)",
                cluster.name
            ))
            .fix(enable),
        ])),
        "OVERRIDE" if c.cloud_watch_log_group.is_none() && c.s3_bucket.is_none() => {
            Ok(Verdict::Findings(vec![
                Finding::warning(format!(
                    "exec sessions on cluster `{}` are not logged: logging=OVERRIDE names neither a CloudWatch log group nor an S3 bucket",
                    cluster.name
                ))
                .fix(enable),
            ]))
        }
        "OVERRIDE" => {
            let mut where_ = Vec::new();
            if let Some(g) = &c.cloud_watch_log_group {
                where_.push(format!(
                    "CloudWatch log group `{g}`{}",
                    enc(c.cloud_watch_encryption_enabled)
                ));
            }
            if let Some(b) = &c.s3_bucket {
                let prefix = c
                    .s3_key_prefix
                    .as_deref()
                    .map(|p| format!("/{p}"))
                    .unwrap_or_default();
                where_.push(format!("S3 `{b}{prefix}`{}", enc(c.s3_encryption_enabled)));
            }
            Ok(Verdict::Pass {
                evidence: vec![
                    format!("sessions are logged to {}", where_.join(" and ")),
                    "CL004 checks that the destinations exist and are encrypted as required".into(),
                ],
            })
        }
        _ => default_logging(f, enable),
    }
}

/// `logging=DEFAULT`: sessions go to the awslogs group of the container exec'd into.
fn default_logging(f: &Facts<'_>, enable: Fix) -> Result<Verdict, Unavailable> {
    let td = f.task_definition()?;
    let targeted = crate::containers::targeted(f, td)?;
    let (logged, unlogged): (Vec<_>, Vec<_>) = targeted
        .iter()
        .partition(|(_, c)| c.log_driver.as_deref() == Some("awslogs"));
    if unlogged.is_empty() {
        let names: Vec<&str> = logged.iter().map(|(_, c)| c.name.as_str()).collect();
        return Ok(Verdict::pass(format!(
            "logging=DEFAULT: sessions in {} are logged to the container's awslogs log group",
            if names.is_empty() {
                "no container".to_string()
            } else {
                names.join(", ")
            }
        )));
    }
    Ok(Verdict::Findings(
        unlogged
            .iter()
            .map(|(i, c)| {
                let driver = c.log_driver.as_deref().unwrap_or("no log driver");
                Finding::warning(format!(
                    "sessions in container `{}` are not logged: logging=DEFAULT writes transcripts only through the awslogs log driver, and it uses {driver}",
                    c.name
                ))
                .subject(c.name.clone())
                .pointer(crate::containers::pointer(*i, "logConfiguration"))
                .fix(enable.clone().note(format!(
                    "or, when its application logs may go to CloudWatch too, give `{}` the awslogs log driver (logConfiguration.logDriver=awslogs)",
                    c.name
                )))
            })
            .collect(),
    ))
}

fn enc(on: bool) -> &'static str {
    if on { " (encryption required)" } else { "" }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn verdicts() {
        let mut d = diagnosis();
        assert_pass(&CHECK, &d);
        d.cluster.value_mut().exec_config.logging = "NONE".into();
        assert_finding(&CHECK, &d, Severity::Warning, "not logged");
        d.cluster.value_mut().exec_config.logging = "OVERRIDE".into();
        assert_finding(&CHECK, &d, Severity::Warning, "names neither");
        d.cluster.value_mut().exec_config.cloud_watch_log_group = Some("/ecs/exec".into());
        assert_pass(&CHECK, &d);
        let mut d = diagnosis();
        d.subjects[0].task_definition.value_mut().containers[0].log_driver =
            Some("awsfirelens".into());
        assert_finding(&CHECK, &d, Severity::Warning, "uses awsfirelens");
    }
}
