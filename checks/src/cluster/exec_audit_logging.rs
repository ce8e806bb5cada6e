crate::declare_check! {
    /// ## What it checks
    /// How the cluster logs exec sessions (`executeCommandConfiguration.logging`): `NONE` (not
    /// logged), `DEFAULT` (to each container's `awslogs` log group) or `OVERRIDE` (to the
    /// configured CloudWatch log group and/or S3 bucket). A recommendation, not a requirement.
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
        level: Run,
        summary: "Exec sessions are logged (recommendation)",
        needs: [Cluster],
        evaluate: evaluate,
    };
}

use crate::facts::{Facts, Unavailable};
use crate::fixes::region_flag;
use crate::outcome::{Finding, Fix, Verdict};

fn evaluate(f: &Facts<'_>) -> Result<Verdict, Unavailable> {
    let cluster = f.cluster()?;
    let c = &cluster.exec_config;
    let enable = Fix::new("log exec sessions to CloudWatch Logs (or S3)").command(format!(
        "aws ecs update-cluster --cluster {} --configuration 'executeCommandConfiguration={{logging=OVERRIDE,logConfiguration={{cloudWatchLogGroupName=/ecs/exec/{}}}}}'{}",
        cluster.name, cluster.name, region_flag(f)
    ));
    match c.logging.as_str() {
        "NONE" => Ok(Verdict::Findings(vec![
            Finding::info(format!(
                "exec sessions on cluster `{}` are not logged (logging=NONE)",
                cluster.name
            ))
            .fix(enable),
        ])),
        "OVERRIDE" if c.cloud_watch_log_group.is_none() && c.s3_bucket.is_none() => {
            Ok(Verdict::Findings(vec![
                Finding::warning(
                    "logging=OVERRIDE names neither a CloudWatch log group nor an S3 bucket",
                )
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
            let mut findings = Vec::new();
            if c.cloud_watch_encryption_enabled {
                findings.push(
                    Finding::info(format!(
                        "sessions are refused unless log group `{}` is encrypted with a KMS key",
                        c.cloud_watch_log_group.clone().unwrap_or_default()
                    ))
                    .fix(Fix::new("make sure the log group has a KMS key").command(format!(
                        "aws logs describe-log-groups --log-group-name-prefix {} --query 'logGroups[].kmsKeyId'{}",
                        c.cloud_watch_log_group.clone().unwrap_or_default(),
                        region_flag(f)
                    ))),
                );
            }
            if c.s3_encryption_enabled {
                findings.push(
                    Finding::info(format!(
                        "sessions are refused unless bucket `{}` has default encryption",
                        c.s3_bucket.clone().unwrap_or_default()
                    ))
                    .fix(
                        Fix::new("make sure the bucket has default encryption").command(format!(
                            "aws s3api get-bucket-encryption --bucket {}",
                            c.s3_bucket.clone().unwrap_or_default()
                        )),
                    ),
                );
            }
            Ok(Verdict::from_findings(
                findings,
                vec![format!("sessions are logged to {}", where_.join(" and "))],
            ))
        }
        _ => Ok(Verdict::pass(
            "logging=DEFAULT: sessions are logged to each container's awslogs log group, when it has one",
        )),
    }
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
        assert_finding(&CHECK, &d, Severity::Info, "not logged");
        d.cluster.value_mut().exec_config.logging = "OVERRIDE".into();
        assert_finding(&CHECK, &d, Severity::Warning, "names neither");
        d.cluster.value_mut().exec_config.cloud_watch_log_group = Some("/ecs/exec".into());
        assert_pass(&CHECK, &d);
        d.cluster
            .value_mut()
            .exec_config
            .cloud_watch_encryption_enabled = true;
        assert_finding(&CHECK, &d, Severity::Info, "encrypted with a KMS key");
    }
}
