crate::declare_check! {
    /// ## What it checks
    /// When the cluster encrypts exec sessions (`executeCommandConfiguration.kmsKeyId`), that the
    /// key exists and is enabled (`kms:DescribeKey`).
    ///
    /// ## Why it matters
    /// A deleted, disabled or pending-deletion key makes every session fail in the handshake. An
    /// alias that no longer points anywhere does the same.
    ///
    /// ## How to fix
    /// Enable the key (`aws kms enable-key`), cancel its deletion
    /// (`aws kms cancel-key-deletion`), or point the cluster at a working key with
    /// `aws ecs update-cluster --configuration executeCommandConfiguration={kmsKeyId=...}`.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html> (KMS)
    pub static CHECK = {
        code: "CL001",
        name: "exec-kms-key",
        category: Cluster,
        severity: Error,
        scope: Live,
        level: Run,
        summary: "The cluster's exec KMS key exists and is enabled",
        needs: [Cluster, KmsKey],
        evaluate: evaluate,
    };
}

use crate::facts::{FactErrorKind, Facts, Unavailable};
use crate::fixes::region_flag;
use crate::outcome::{Finding, Fix, Verdict};

fn evaluate(f: &Facts<'_>) -> Result<Verdict, Unavailable> {
    let cluster = f.cluster()?;
    let Some(configured) = cluster.exec_config.kms_key_id.as_deref() else {
        return Ok(Verdict::not_applicable(
            "the cluster does not encrypt exec sessions with a KMS key",
        ));
    };
    if let Some(err) = f.diagnosis.kms_key.error()
        && err.kind == FactErrorKind::NotFound
    {
        return Ok(Verdict::Findings(vec![
            Finding::error(format!("the cluster's exec KMS key `{configured}` does not exist"))
                .evidence(err.message.clone())
                .fix(
                    Fix::new("point the cluster at an existing key, or remove the key")
                        .command(format!(
                            "aws ecs update-cluster --cluster {} --configuration 'executeCommandConfiguration={{kmsKeyId=KEY_ARN,logging={}}}'{}",
                            cluster.name,
                            cluster.exec_config.logging,
                            region_flag(f)
                        )),
                ),
        ]));
    }
    let key = f
        .kms_key()?
        .ok_or_else(|| Unavailable::new("the exec KMS key was not fetched"))?;
    match key.state.as_str() {
        "Enabled" => Ok(Verdict::pass(format!(
            "exec KMS key `{}` is enabled",
            key.arn
        ))),
        "PendingDeletion" => Ok(Verdict::Findings(vec![
            Finding::error(format!(
                "the exec KMS key `{}` is pending deletion",
                key.arn
            ))
            .fix(
                Fix::new("cancel the deletion and enable the key")
                    .command(format!(
                        "aws kms cancel-key-deletion --key-id {}{}",
                        key.arn,
                        region_flag(f)
                    ))
                    .command(format!(
                        "aws kms enable-key --key-id {}{}",
                        key.arn,
                        region_flag(f)
                    )),
            ),
        ])),
        state => Ok(Verdict::Findings(vec![
            Finding::error(format!(
                "the exec KMS key `{}` is {state}, not Enabled",
                key.arn
            ))
            .fix(Fix::new("enable the key").command(format!(
                "aws kms enable-key --key-id {}{}",
                key.arn,
                region_flag(f)
            ))),
        ])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn verdicts() {
        let mut d = diagnosis();
        assert_not_applicable(&CHECK, &d);
        with_kms(&mut d);
        assert_pass(&CHECK, &d);
        d.kms_key.value_mut().state = "PendingDeletion".into();
        assert_finding(&CHECK, &d, Severity::Error, "pending deletion");
        d.kms_key.value_mut().state = "Disabled".into();
        assert_finding(&CHECK, &d, Severity::Error, "Disabled");
        d.kms_key = crate::facts::Fact::failed(crate::facts::FactError::new(
            FactErrorKind::NotFound,
            "kms:DescribeKey",
            "Key 'x' does not exist",
        ));
        assert_finding(&CHECK, &d, Severity::Error, "does not exist");
        d.kms_key = fact_failed_denied("kms:DescribeKey");
        assert_unknown(&CHECK, &d);
    }
}
