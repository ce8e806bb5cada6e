crate::declare_check! {
    /// ## What it checks
    /// When the cluster encrypts exec sessions with a KMS key
    /// (`executeCommandConfiguration.kmsKeyId`), that the caller may call `kms:GenerateDataKey`
    /// on that key.
    ///
    /// ## Why it matters
    /// The session-manager-plugin generates the session's data key with the caller's credentials.
    /// Without the permission the session fails in the handshake:
    /// `Encountered error while initiating handshake. KMSEncryption failed on client with status 2
    /// error: ... GenerateDataKey ...`.
    ///
    /// ## How to fix
    /// Allow `kms:GenerateDataKey` on the key for the caller, and make sure the key policy allows
    /// it too.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html> (KMS)
    pub static CHECK = {
        code: "CR002",
        name: "caller-kms-data-key",
        category: Caller,
        severity: Error,
        scope: Live,
        level: Task,
        summary: "The caller may call kms:GenerateDataKey on the cluster's exec KMS key",
        needs: [Caller, CallerPermissions, Cluster, KmsKey],
        evaluate: evaluate,
    };
}

use crate::facts::{Facts, Unavailable};
use crate::fixes::{allow_policy, put_policy_command};
use crate::outcome::{Fix, Verdict};
use crate::simulation::{Judgement, judge, require_principal, unsimulatable_caller};

pub const ACTION: &str = "kms:GenerateDataKey";

fn evaluate(f: &Facts<'_>) -> Result<Verdict, Unavailable> {
    let cluster = f.cluster()?;
    if cluster.exec_config.kms_key_id.is_none() {
        return Ok(Verdict::not_applicable(
            "the cluster does not encrypt exec sessions with a KMS key",
        ));
    }
    let caller = f.caller()?;
    if let Some(verdict) = unsimulatable_caller(caller) {
        return Ok(verdict);
    }
    let principal = require_principal(caller)?;
    let key = crate::task_role::kms_key_arn(f)?;
    let sim = f.caller_permissions()?;
    let policy = allow_policy(&[ACTION], std::slice::from_ref(&key));
    let fix = Fix::new(format!(
        "allow {ACTION} on the exec KMS key for `{principal}`"
    ))
    .policy(principal, policy.clone())
    .command(put_policy_command(principal, "ecs-exec-kms", &policy))
    .note("the key policy must allow it too (or delegate to IAM)");
    Ok(match judge(sim, ACTION, &[key], principal) {
        Judgement::Allowed(e) => Verdict::pass(e),
        Judgement::Problems(fs) => Verdict::Findings(
            fs.into_iter()
                .map(|x| {
                    if x.fix.is_some() {
                        x
                    } else {
                        x.fix(fix.clone())
                    }
                })
                .collect(),
        ),
        Judgement::NotSimulated(why) => return Err(Unavailable::new(why)),
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
        with_kms(&mut d);
        assert_pass(&CHECK, &d);
        let key = d.kms_key.value().unwrap().arn.clone();
        set_decision(
            &mut d.subjects[0].caller_permissions,
            ACTION,
            &key,
            Decision::ImplicitDeny,
        );
        assert_finding(&CHECK, &d, Severity::Error, "kms:GenerateDataKey");
    }
}
