//! Turning `iam:SimulatePrincipalPolicy` results into findings. Shared by the caller and
//! task-role checks so that every IAM verdict reads the same way: which resource, which
//! decision, and whether an SCP, a permissions boundary or an unknown condition decided it.

use crate::facts::Unavailable;
use crate::model::{Caller, CallerKind, Decision, Simulation};
use crate::outcome::{Finding, Verdict};

pub enum Judgement {
    /// Allowed on every resource (evidence line).
    Allowed(String),
    /// At least one resource is not (plainly) allowed.
    Problems(Vec<Finding>),
    /// The simulation has no answer for this action.
    NotSimulated(String),
}

/// How `action` fares for `principal` on each of `resources`.
pub fn judge(sim: &Simulation, action: &str, resources: &[String], principal: &str) -> Judgement {
    let mut findings = Vec::new();
    for resource in resources {
        let Some(result) = sim.result(action, resource) else {
            return Judgement::NotSimulated(format!(
                "the permission simulation has no result for {action} on {resource}"
            ));
        };
        let on = describe_resource(resource);
        let finding = match result.decision {
            Decision::Allowed => continue,
            Decision::ExplicitDeny => {
                Finding::error(format!("`{principal}` is explicitly denied {action} on {on}"))
            }
            Decision::ImplicitDeny if result.allowed_by_organizations == Some(false) => {
                Finding::error(format!(
                    "{action} on {on} is denied to `{principal}` by a service control policy"
                ))
            }
            Decision::ImplicitDeny if result.allowed_by_boundary == Some(false) => Finding::error(
                format!("{action} on {on} is denied to `{principal}` by its permissions boundary"),
            ),
            Decision::ImplicitDeny if !result.missing_context.is_empty() => Finding::warning(format!(
                "`{principal}` is allowed {action} on {on} only if conditions on {} hold",
                result.missing_context.join(", ")
            ))
            .evidence("the simulator had no value for these condition keys; check them against how you call execute-command"),
            Decision::ImplicitDeny => Finding::error(format!(
                "`{principal}` is not allowed {action} on {on}: no policy allows it"
            )),
        };
        findings.push(finding.subject(resource.clone()).evidence(format!(
            "iam:SimulatePrincipalPolicy: {action} on {resource} -> {}",
            decision_word(result.decision)
        )));
    }
    if findings.is_empty() {
        Judgement::Allowed(format!(
            "`{principal}` is allowed {action} on {}",
            resources
                .iter()
                .map(|r| describe_resource(r))
                .collect::<Vec<_>>()
                .join(" and ")
        ))
    } else {
        Judgement::Problems(findings)
    }
}

pub fn decision_word(d: Decision) -> &'static str {
    match d {
        Decision::Allowed => "allowed",
        Decision::ImplicitDeny => "implicitDeny",
        Decision::ExplicitDeny => "explicitDeny",
    }
}

/// `the cluster `prod``, `the task `abc``, `every resource`, or the ARN.
pub fn describe_resource(resource: &str) -> String {
    if resource == "*" {
        return "`*`".into();
    }
    if let Some((_, name)) = resource.split_once(":cluster/") {
        return format!("the cluster `{name}`");
    }
    if resource.contains(":task/") {
        return format!("the task `{}`", crate::arn::task_id(resource));
    }
    if resource.contains(":kms:") {
        return format!("the KMS key `{resource}`");
    }
    format!("`{resource}`")
}

/// The verdict for callers IAM cannot simulate: the root user (unrestricted by IAM policies)
/// and federated sessions (UNKNOWN).
pub fn unsimulatable_caller(caller: &Caller) -> Option<Verdict> {
    match caller.kind {
        CallerKind::Root => Some(Verdict::pass(
            "the caller is the account's root user, which IAM identity policies do not restrict",
        )),
        _ => None,
    }
}

/// UNKNOWN for callers without a simulatable principal.
pub fn require_principal(caller: &Caller) -> Result<&str, Unavailable> {
    caller.principal_arn.as_deref().ok_or_else(|| {
        Unavailable::new(format!(
            "`{}` is not an IAM user or role, so its permissions cannot be simulated",
            caller.arn
        ))
    })
}
