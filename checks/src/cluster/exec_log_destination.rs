crate::declare_check! {
    /// ## What it checks
    /// With `logging=OVERRIDE`, that the session log destinations exist and meet the
    /// encryption the cluster requires: the CloudWatch log group (`logs:DescribeLogGroups`)
    /// must exist, and with `cloudWatchEncryptionEnabled` it must be encrypted with a KMS key;
    /// the S3 bucket (`s3:GetEncryptionConfiguration`) must exist, and with
    /// `s3EncryptionEnabled` it must have default encryption.
    ///
    /// In `lint`, for a service whose cluster the input defines (`aws_ecs_cluster`,
    /// `AWS::ECS::Cluster`): a log group of the input (`aws_cloudwatch_log_group`,
    /// `AWS::Logs::LogGroup`) is encrypted only with its `kms_key_id` / `KmsKeyId`, and a
    /// bucket of the input has default encryption (every new bucket has had it since January
    /// 2023). A destination from outside the input is unknown.
    ///
    /// ## Why it matters
    /// When encryption is required and the destination is not encrypted, Session Manager
    /// refuses the session (`We couldn't start the session because encryption is not set up on
    /// the selected CloudWatch Logs log group`). A destination that does not exist loses every
    /// transcript, and with encryption required refuses the session too.
    ///
    /// ## How to fix
    /// Create the log group with a KMS key (`aws logs create-log-group --log-group-name GROUP
    /// --kms-key-id KEY_ARN`, or `aws logs associate-kms-key` for an existing one; the key
    /// policy must let `logs.REGION.amazonaws.com` use it), or give the bucket default
    /// encryption (`aws s3api put-bucket-encryption`). Or turn the encryption requirement off.
    ///
    /// ## References
    /// - Amazon ECS developer guide, "Using ECS Exec" (logging and encryption);
    ///   amazon-ecs-exec-checker#65, #79
    pub static CHECK = {
        code: "CL004",
        name: "exec-log-destination",
        category: Cluster,
        severity: Error,
        scope: LiveAndLint,
        level: Run,
        summary: "The session log group and bucket exist and are encrypted when the cluster requires it",
        needs: [Cluster, LogDestinations],
        evaluate: evaluate,
    };
}

use crate::facts::{Facts, Unavailable};
use crate::fixes::region_flag;
use crate::outcome::{Finding, Fix, Verdict};

fn evaluate(f: &Facts<'_>) -> Result<Verdict, Unavailable> {
    let cluster = f.cluster()?;
    let c = &cluster.exec_config;
    if c.logging != "OVERRIDE" || (c.cloud_watch_log_group.is_none() && c.s3_bucket.is_none()) {
        return Ok(Verdict::not_applicable(
            "the cluster does not override the session log destination",
        ));
    }
    let Some(dest) = f.log_destinations()? else {
        return Ok(Verdict::not_applicable(
            "the cluster does not override the session log destination",
        ));
    };
    let region = region_flag(f);
    let mut findings = Vec::new();
    let mut evidence = Vec::new();
    let mut unknown = None;
    // The exec key is the natural candidate for the log group too; any key whose policy lets
    // CloudWatch Logs use it works.
    let key = c.kms_key_id.as_deref().unwrap_or("KMS_KEY_ARN");
    if let Some(group) = &c.cloud_watch_log_group {
        let required = c.cloud_watch_encryption_enabled;
        match (&dest.log_group, &dest.log_group_error) {
            (_, Some(error)) => unknown = Some(Unavailable::from_error("session log group", error)),
            (Some(g), None) if !g.exists => {
                let create = Fix::new(format!("create the log group `{group}`")).command(format!(
                    "aws logs create-log-group --log-group-name {group}{}{region}",
                    if required { format!(" --kms-key-id {key}") } else { String::new() }
                ));
                findings.push(if required {
                    Finding::error(format!("log group `{group}` does not exist and the cluster requires encrypted session logs: sessions are refused"))
                } else {
                    Finding::warning(format!("log group `{group}` does not exist: session transcripts are lost"))
                }
                .subject(group.clone())
                .fix(create));
            }
            (Some(g), None) if required && g.kms_key_id.is_none() => findings.push(
                Finding::error(format!(
                    "log group `{group}` is not encrypted with a KMS key, but cloudWatchEncryptionEnabled=true: sessions are refused"
                ))
                .subject(group.clone())
                .fix(
                    Fix::new(format!("encrypt `{group}` with a KMS key"))
                        .command(format!("aws logs associate-kms-key --log-group-name {group} --kms-key-id {key}{region}"))
                        .note(format!("the key policy must allow {} to use the key; or set cloudWatchEncryptionEnabled=false", logs_principal(f))),
                ),
            ),
            (Some(g), None) => evidence.push(match &g.kms_key_id {
                Some(key) => format!("log group `{group}` exists, encrypted with `{key}`"),
                None => format!("log group `{group}` exists"),
            }),
            (None, None) => unknown = Some(Unavailable::new("the session log group was not read")),
        }
    }
    if let Some(bucket) = &c.s3_bucket {
        let required = c.s3_encryption_enabled;
        match (&dest.bucket, &dest.bucket_error) {
            (_, Some(error)) => {
                unknown = unknown.or(Some(Unavailable::from_error("session log bucket", error)))
            }
            (Some(b), None) if !b.exists => findings.push(
                if required {
                    Finding::error(format!("S3 bucket `{bucket}` does not exist and the cluster requires encrypted session logs: sessions are refused"))
                } else {
                    Finding::warning(format!("S3 bucket `{bucket}` does not exist: session transcripts are lost"))
                }
                .subject(bucket.clone())
                .fix(Fix::new(format!("create the bucket `{bucket}`, or point the cluster's s3BucketName at an existing one")).command(format!("aws s3api create-bucket --bucket {bucket}{region}"))),
            ),
            (Some(b), None) if required && !b.encrypted => findings.push(
                Finding::error(format!(
                    "S3 bucket `{bucket}` has no default encryption, but s3EncryptionEnabled=true: sessions are refused"
                ))
                .subject(bucket.clone())
                .fix(Fix::new(format!("give `{bucket}` default encryption")).command(format!(
                    "aws s3api put-bucket-encryption --bucket {bucket} --server-side-encryption-configuration '{{\"Rules\":[{{\"ApplyServerSideEncryptionByDefault\":{{\"SSEAlgorithm\":\"AES256\"}}}}]}}'"
                ))),
            ),
            (Some(b), None) => evidence.push(match &b.algorithm {
                Some(a) => format!("S3 bucket `{bucket}` exists, default encryption {a}"),
                None => format!("S3 bucket `{bucket}` exists"),
            }),
            (None, None) => {
                unknown = unknown.or(Some(Unavailable::new("the session log bucket was not read")))
            }
        }
    }
    if let Some(u) = unknown
        && findings.is_empty()
    {
        return Err(u);
    }
    Ok(Verdict::from_findings(findings, evidence))
}

/// The CloudWatch Logs service principal a log group's KMS key policy must allow.
fn logs_principal(f: &Facts<'_>) -> String {
    let region = &f.target().region;
    if region.is_empty() {
        "logs.REGION.amazonaws.com".into()
    } else {
        format!("logs.{region}.amazonaws.com")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::BucketEncryption;
    use crate::testing::*;

    #[test]
    fn verdicts() {
        let mut d = diagnosis();
        assert_not_applicable(&CHECK, &d);
        with_cloudwatch_logging(&mut d);
        assert_pass(&CHECK, &d);
        d.cluster
            .value_mut()
            .exec_config
            .cloud_watch_encryption_enabled = true;
        assert_finding(&CHECK, &d, Severity::Error, "not encrypted with a KMS key");
        d.log_destinations
            .value_mut()
            .log_group
            .as_mut()
            .unwrap()
            .kms_key_id = Some(KMS_KEY.into());
        assert_pass(&CHECK, &d);
        d.log_destinations
            .value_mut()
            .log_group
            .as_mut()
            .unwrap()
            .exists = false;
        assert_finding(&CHECK, &d, Severity::Error, "does not exist");
        d.cluster
            .value_mut()
            .exec_config
            .cloud_watch_encryption_enabled = false;
        assert_finding(&CHECK, &d, Severity::Warning, "transcripts are lost");
        let mut d = diagnosis();
        with_cloudwatch_logging(&mut d);
        let c = &mut d.cluster.value_mut().exec_config;
        c.s3_bucket = Some("exec-logs".into());
        c.s3_encryption_enabled = true;
        d.log_destinations.value_mut().bucket = Some(BucketEncryption {
            name: "exec-logs".into(),
            exists: true,
            encrypted: false,
            algorithm: None,
        });
        assert_finding(&CHECK, &d, Severity::Error, "no default encryption");
        d.log_destinations = fact_failed_denied("logs:DescribeLogGroups");
        assert_unknown(&CHECK, &d);
    }
}
