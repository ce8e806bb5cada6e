crate::declare_check! {
    /// ## What it checks
    /// When the cluster encrypts exec sessions with a KMS key, that the task role may call
    /// `kms:Decrypt` on it.
    ///
    /// ## Why it matters
    /// The agent decrypts the session's data key with the task role. Without the permission (or
    /// without a route to KMS from a private subnet) the plugin reports `Handshake timed out`.
    ///
    /// ## How to fix
    /// Allow `kms:Decrypt` on the key for the task role, and make sure the key policy allows it.
    ///
    /// ## References
    /// - amazon-ecs-exec-checker#46; ECS Exec KMS documentation
    pub static CHECK = {
        code: "IR003",
        name: "task-role-kms-decrypt",
        category: Roles,
        severity: Error,
        scope: Live,
        level: Task,
        summary: "The task role may kms:Decrypt with the cluster's exec KMS key",
        needs: [Task, TaskDefinition, InstanceRole, TaskRolePermissions, Cluster, KmsKey],
        evaluate: evaluate,
    };
}

use crate::facts::{Facts, Unavailable};
use crate::fixes::{allow_policy, put_policy_command};
use crate::outcome::{Fix, Verdict};

fn evaluate(f: &Facts<'_>) -> Result<Verdict, Unavailable> {
    if f.cluster()?.exec_config.kms_key_id.is_none() {
        return Ok(Verdict::not_applicable(
            "the cluster does not encrypt exec sessions with a KMS key",
        ));
    }
    let key = crate::task_role::kms_key_arn(f)?;
    super::judge_role(f, &[("kms:Decrypt", vec![key.clone()])], |role| {
        let policy = allow_policy(&["kms:Decrypt"], std::slice::from_ref(&key));
        Fix::new(format!("allow kms:Decrypt on the exec key for `{role}`"))
            .policy(role, policy.clone())
            .command(put_policy_command(role, "ecs-exec-kms-decrypt", &policy))
            .note("the key policy must allow it too")
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
            &mut d.subjects[0].task_role_permissions,
            "kms:Decrypt",
            &key,
            Decision::ImplicitDeny,
        );
        assert_finding(&CHECK, &d, Severity::Error, "kms:Decrypt");
    }
}
