crate::declare_check! {
    /// ## What it checks
    /// That the exec KMS key's own policy (`kms:GetKeyPolicy`) lets both sides of the session
    /// use the key: the caller `kms:GenerateDataKey` and the task's role `kms:Decrypt`. A
    /// principal may use the key when a key-policy statement allows it directly, when a grant
    /// on the key (`kms:ListGrants`) gives it the operation, or when the key policy delegates
    /// to IAM (the `arn:aws:iam::ACCOUNT:root` statement of the default key policy) and its IAM
    /// policies allow it (CR002, IR003). An explicit `Deny` in the key policy wins over all of
    /// these.
    ///
    /// ## Why it matters
    /// KMS authorises a request only if the key policy allows it, directly or through IAM.
    /// Without the delegation statement an IAM `Allow` is not enough, and the simulator, which
    /// reads only IAM policies, still says "allowed". The session then fails at the KMS
    /// handshake: `execute-command` dies with an `AccessDeniedException` from KMS for the
    /// caller, or the agent cannot decrypt and the session never opens.
    ///
    /// ## How to fix
    /// Add a statement to the key policy that allows the principal (or put the default
    /// `Enable IAM User Permissions` statement back so IAM policies count), with
    /// `aws kms put-key-policy --key-id KEY --policy-name default --policy file://policy.json`,
    /// or give a grant: `aws kms create-grant --key-id KEY --grantee-principal ROLE_ARN
    /// --operations Decrypt`.
    ///
    /// ## References
    /// - AWS KMS developer guide, "Key policies in AWS KMS" (default key policy, delegation to
    ///   IAM)
    /// - Amazon ECS developer guide, "Using ECS Exec" (KMS key for session encryption)
    pub static CHECK = {
        code: "CL003",
        name: "exec-kms-key-policy",
        category: Cluster,
        severity: Error,
        scope: Live,
        level: Task,
        summary: "The exec KMS key's policy lets the caller generate data keys and the task role decrypt",
        needs: [Cluster, KmsKey, KmsKeyPolicy, Caller, Task, TaskDefinition, InstanceRole],
        evaluate: evaluate,
    };
}

use std::collections::BTreeMap;

use serde_json::json;

use crate::facts::{Facts, Unavailable};
use crate::model::{Decision, KeyPolicy, Simulation};
use crate::outcome::{Finding, Fix, Verdict};
use crate::policy::{self, PolicyDecision, Principal, Request};

fn evaluate(f: &Facts<'_>) -> Result<Verdict, Unavailable> {
    let cluster = f.cluster()?;
    if cluster.exec_config.kms_key_id.is_none() {
        return Ok(Verdict::not_applicable(
            "the cluster does not encrypt exec sessions with a KMS key",
        ));
    }
    let Some(key) = f.kms_key_policy()? else {
        return Ok(Verdict::not_applicable(
            "the cluster does not encrypt exec sessions with a KMS key",
        ));
    };
    let mut findings = Vec::new();
    let mut evidence = Vec::new();
    let mut unknown: Option<Unavailable> = None;

    // The caller: GenerateDataKey.
    match f.caller() {
        Ok(caller) => match &caller.principal_arn {
            Some(principal) => {
                unknown = judge(
                    key,
                    principal,
                    &caller.account,
                    "kms:GenerateDataKey",
                    f.subject.caller_permissions.value(),
                    "CR002",
                    &mut findings,
                    &mut evidence,
                );
            }
            None => evidence.push(format!(
                "`{}` is not an IAM user or role; its use of the key was not evaluated",
                caller.arn
            )),
        },
        Err(u) => unknown = Some(u),
    }

    // The exec agent's role: Decrypt.
    match crate::task_role::for_check(f) {
        Ok(role) => match role.arn() {
            Some(arn) => {
                let account = crate::arn::Arn::parse(arn)
                    .map(|a| a.account)
                    .unwrap_or_default();
                let undecided = judge(
                    key,
                    arn,
                    &account,
                    "kms:Decrypt",
                    f.subject.task_role_permissions.value(),
                    "IR003",
                    &mut findings,
                    &mut evidence,
                );
                unknown = unknown.or(undecided);
            }
            None => evidence.push("the task has no role (see IR001)".into()),
        },
        Err(u) => unknown = unknown.or(Some(u)),
    }
    if let Some(error) = &key.grants_error {
        evidence.push(format!(
            "grants were not read ({}); only the key policy was evaluated",
            error.describe()
        ));
    }
    if findings.is_empty()
        && let Some(u) = unknown
    {
        return Err(u);
    }
    Ok(Verdict::from_findings(findings, evidence))
}

#[allow(clippy::too_many_arguments)]
fn judge(
    key: &KeyPolicy,
    principal: &str,
    account: &str,
    action: &str,
    iam: Option<&Simulation>,
    iam_check: &str,
    findings: &mut Vec<Finding>,
    evidence: &mut Vec<String>,
) -> Option<Unavailable> {
    let mut context = BTreeMap::new();
    context.insert("aws:PrincipalArn".to_string(), principal.to_string());
    context.insert("aws:PrincipalAccount".to_string(), account.to_string());
    let decision = policy::evaluate(
        &key.policy,
        &Request {
            principal: Principal::Aws {
                arn: principal,
                account,
            },
            action,
            resource: &key.key_arn,
            context: &context,
        },
    );
    let delegation = policy::delegates_to_account(&key.policy, account, action);
    let operation = action.trim_start_matches("kms:");
    let grant = key.grants.iter().find(|g| {
        g.grantee_principal == principal
            && g.operations
                .iter()
                .any(|o| o.eq_ignore_ascii_case(operation))
    });
    let iam_allows = iam
        .and_then(|s| s.result(action, &key.key_arn))
        .map(|r| r.decision == Decision::Allowed);
    let fix = || {
        Fix::new(format!("let `{principal}` use {action} in the key policy of `{}`", key.key_arn))
            .policy(
                format!("the key policy of {}", key.key_arn),
                json!({
                    "Sid": format!("AllowEcsExec{operation}"),
                    "Effect": "Allow",
                    "Principal": {"AWS": principal},
                    "Action": action,
                    "Resource": "*"
                }),
            )
            .note("add this statement to the key's existing policy (aws kms get-key-policy, edit, aws kms put-key-policy --policy-name default), or give a grant:")
            .command(format!(
                "aws kms create-grant --key-id {} --grantee-principal {principal} --operations {operation}",
                key.key_arn
            ))
    };
    match decision {
        PolicyDecision::Denied(statement) => findings.push(
            Finding::error(format!(
                "the key policy of `{}` denies {action} to `{principal}` ({})",
                key.key_arn,
                statement.describe()
            ))
            .subject(principal.to_string())
            .fix(
                Fix::new(format!("narrow {} of the key policy so it no longer denies `{principal}`", statement.describe()))
                    .note("an explicit Deny in a key policy cannot be overridden by any Allow, grant or IAM policy; change or remove that statement with aws kms put-key-policy"),
            ),
        ),
        _ if grant.is_some() => evidence.push(format!(
            "grant `{}` gives `{principal}` {operation} on the key",
            grant.and_then(|g| g.grant_id.clone()).unwrap_or_default()
        )),
        PolicyDecision::Allowed(statement)
            if delegation.as_ref().is_some_and(|d| d.index == statement.index) =>
        {
            evidence.push(format!(
                "the key policy delegates {action} to IAM in account {account} ({}); IAM decides ({iam_check})",
                statement.describe()
            ));
        }
        PolicyDecision::Allowed(statement) => evidence.push(format!(
            "the key policy allows `{principal}` {action} ({})",
            statement.describe()
        )),
        // A grant may allow what the key policy does not: unread grants leave it open.
        PolicyDecision::Conditional { .. } | PolicyDecision::NotAllowed
            if key.grants_error.is_some() =>
        {
            let error = key.grants_error.as_ref().expect("checked above");
            return Some(Unavailable::from_error(
                &format!(
                    "grants of `{}` (the key policy does not allow `{principal}` {action}, but a grant may)",
                    key.key_arn
                ),
                error,
            ));
        }
        PolicyDecision::Conditional { statement, keys, .. } => findings.push(
            Finding::warning(format!(
                "the key policy of `{}` allows {action} to `{principal}` only under conditions on {} ({})",
                key.key_arn,
                keys.join(", "),
                statement.describe()
            ))
            .subject(principal.to_string())
            .evidence("ECS Exec calls KMS directly (no kms:ViaService); make sure the conditions hold for such calls"),
        ),
        PolicyDecision::NotAllowed => {
            let mut finding = Finding::error(format!(
                "the key policy of `{}` does not allow `{principal}` {action} and does not delegate to IAM in account {account}",
                key.key_arn
            ))
            .subject(principal.to_string());
            if iam_allows == Some(true) {
                finding = finding.evidence(format!(
                    "IAM policies allow it ({iam_check} passes), but without the key policy's delegation statement an IAM allow is not enough"
                ));
            }
            findings.push(finding.fix(fix()));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::Fact;
    use crate::model::Grant;
    use crate::testing::*;

    fn policy(d: &mut crate::facts::Diagnosis, doc: serde_json::Value) {
        d.kms_key_policy.value_mut().policy = doc;
    }

    #[test]
    fn verdicts() {
        let mut d = diagnosis();
        assert_not_applicable(&CHECK, &d);
        with_kms(&mut d);
        assert_pass(&CHECK, &d);
        // No delegation: the IAM allow of the fixtures is not enough.
        policy(
            &mut d,
            json!({"Statement": [{"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:role/Admin")}, "Action": "kms:*", "Resource": "*"}]}),
        );
        assert_finding(&CHECK, &d, Severity::Error, "does not delegate to IAM");
        let r = run(&CHECK, &d);
        assert_eq!(r.findings.len(), 2, "{r:#?}");
        assert!(
            r.findings[0]
                .evidence
                .iter()
                .any(|e| e.contains("an IAM allow is not enough"))
        );
        // A grant for the task role and a direct statement for the caller.
        d.kms_key_policy.value_mut().grants.push(Grant {
            grant_id: Some("g1".into()),
            grantee_principal: task_role(),
            operations: vec!["Decrypt".into()],
        });
        policy(
            &mut d,
            json!({"Statement": [{"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:role/Developer")}, "Action": "kms:GenerateDataKey", "Resource": "*"}]}),
        );
        assert_pass(&CHECK, &d);
        // An explicit deny wins.
        policy(
            &mut d,
            json!({"Statement": [
            {"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:root")}, "Action": "kms:*", "Resource": "*"},
            {"Sid": "NoDecrypt", "Effect": "Deny", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*"}]}),
        );
        assert_finding(&CHECK, &d, Severity::Error, "denies kms:Decrypt");
        d.kms_key_policy = fact_failed_denied("kms:GetKeyPolicy");
        assert_unknown(&CHECK, &d);
        d.kms_key_policy = Fact::absent("the cluster has no exec KMS key");
        assert_not_applicable(&CHECK, &d);
    }
}
