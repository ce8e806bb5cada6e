//! Turning `iam:SimulatePrincipalPolicy` results into findings. Shared by the caller and
//! task-role checks so that every IAM verdict reads the same way: which resource, which
//! decision, and whether an SCP, a permissions boundary or an unknown condition decided it.

pub mod context;
pub mod window;

use crate::facts::Unavailable;
use crate::model::{Caller, CallerKind, Decision, SimResult, Simulation};
use crate::outcome::{Finding, Fix, Verdict};

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
    let mut allowed_notes: Vec<String> = Vec::new();
    for resource in resources {
        let Some(result) = sim.result(action, resource) else {
            return Judgement::NotSimulated(format!(
                "the permission simulation has no result for {action} on {resource}"
            ));
        };
        let on = describe_resource(resource);
        // Keys the real request carries but the doctor cannot observe (MFA, source IP, tags):
        // a denial that depends on them is not a verdict.
        let unobservable: Vec<&str> = result
            .missing_context
            .iter()
            .map(String::as_str)
            .filter(|k| crate::model::unobservable_key(k).is_some())
            .collect();
        let allowed_variant = result
            .variants
            .iter()
            .find(|v| v.decision == Decision::Allowed);
        let window = window::window(result);
        let finding = match result.decision {
            Decision::Allowed if unobservable.is_empty() => match &window {
                Some(w @ window::Window::ClosesBy { soon: true, .. }) => Finding::warning(format!(
                    "`{principal}` is allowed {action} on {on} now, but the time window of its grant closes within a day"
                ))
                .evidence(w.words())
                .evidence(statements_words(&result.matched_statements)),
                _ => {
                    if let Some(w) = &window {
                        allowed_notes.push(format!("on {on}, {}", w.words()));
                    }
                    continue;
                }
            },
            // Allowed without those keys, but the real request carries them: a condition on
            // them (say, a Deny outside the office's addresses) decides it.
            Decision::Allowed => Finding::warning(format!(
                "`{principal}` is allowed {action} on {on} by the simulation, but conditions on {} decide the real request, which no AWS API shows the doctor",
                unobservable.join(", ")
            ))
            .evidence("the simulator had no value for these keys; check the statements that use them against how you call execute-command"),
            _ if allowed_variant.is_some() => {
                let v = allowed_variant.expect("checked");
                let with: Vec<String> = v.context.iter().map(|(k, x)| format!("{k}={x}")).collect();
                Finding::warning(format!(
                    "`{principal}` is denied {action} on {on} unless the request carries {}: {}",
                    with.join(", "),
                    unless_words(&v.context)
                ))
                .evidence(format!(
                    "simulated again with {}: allowed; the doctor cannot see how you call execute-command",
                    with.join(", ")
                ))
                .evidence(statements_words(&result.matched_statements))
            }
            _ if !unobservable.is_empty()
                && !unobservable.iter().all(|k| {
                    result
                        .variants
                        .iter()
                        .any(|v| v.context.keys().any(|c| c.eq_ignore_ascii_case(k)))
                }) =>
            {
                Finding::warning(format!(
                    "`{principal}` is {} {action} on {on} unless conditions on {} hold, which no AWS API shows the doctor",
                    if result.decision == Decision::ExplicitDeny { "explicitly denied" } else { "not allowed" },
                    unobservable.join(", ")
                ))
                .evidence(statements_words(&result.matched_statements))
                .evidence("the decision depends on how the request is made (source address, VPC endpoint, MFA, tags): check the statement against how you call execute-command")
            }
            Decision::ExplicitDeny => {
                Finding::error(format!("`{principal}` is explicitly denied {action} on {on}"))
                    .fix(explicit_deny_fix(result, principal, action, &on))
            }
            Decision::ImplicitDeny if result.allowed_by_organizations == Some(false) => {
                Finding::error(format!(
                    "{action} on {on} is denied to `{principal}` by a service control policy"
                ))
                .fix(Fix::new(format!("have the organization's service control policy allow {action}"))
                    .note("a service control policy of AWS Organizations denies it; no IAM policy in this account can override that: ask the organization's administrators to exempt this principal or action"))
            }
            Decision::ImplicitDeny if result.allowed_by_boundary == Some(false) => Finding::error(
                format!("{action} on {on} is denied to `{principal}` by its permissions boundary"),
            )
            .fix(boundary_fix(principal, action)),
            Decision::ImplicitDeny if window.is_some() => {
                let w = window.as_ref().expect("checked");
                Finding::error(format!(
                    "`{principal}` is not allowed {action} on {on} at this time: {}",
                    w.words()
                ))
                .fix(Fix::new(format!(
                    "change the time window of the grant of {action} to `{principal}` (its condition on {})",
                    w.key()
                ))
                .note("the grant allows the request only between the dates of its DateGreaterThan/DateLessThan (or NumericLessThan on aws:EpochTime) condition: extend the window, or request access again through your break-glass process"))
            }
            Decision::ImplicitDeny if !result.missing_context.is_empty() => {
                let mut finding = Finding::warning(format!(
                    "`{principal}` is allowed {action} on {on} only if conditions on {} hold",
                    result.missing_context.join(", ")
                ))
                .evidence("the simulator had no value for these condition keys; check them against how you call execute-command");
                if result
                    .missing_context
                    .iter()
                    .any(|k| k.eq_ignore_ascii_case("ecs:container-name"))
                {
                    finding = finding.evidence(
                        "a policy conditions on ecs:container-name and no container was named: pass --container NAME (the container you exec into) to evaluate it",
                    );
                }
                finding
            }
            Decision::ImplicitDeny => Finding::error(format!(
                "`{principal}` is not allowed {action} on {on}: no policy allows it"
            )),
        };
        let finding = result
            .variants
            .iter()
            .filter(|v| v.decision != Decision::Allowed)
            .fold(finding, |f, v| {
                let with: Vec<String> = v.context.iter().map(|(k, x)| format!("{k}={x}")).collect();
                f.evidence(format!(
                    "simulated again with {}: still {}",
                    with.join(", "),
                    decision_word(v.decision)
                ))
            });
        let finding = match (&window, result.decision) {
            (Some(w), Decision::ExplicitDeny) => finding.evidence(w.words()),
            _ => finding,
        };
        let finding = result
            .read_context
            .iter()
            .map(|(k, v)| format!("simulated with {}", context::read_words(k, v)))
            .chain(
                result
                    .absent_context
                    .iter()
                    .map(|k| context::absent_words(k)),
            )
            .fold(finding, |f, e| f.evidence(e));
        findings.push(finding.subject(resource.clone()).evidence(format!(
            "iam:SimulatePrincipalPolicy: {action} on {resource} -> {}",
            decision_word(result.decision)
        )));
    }
    if findings.is_empty() {
        let notes: String = allowed_notes.iter().map(|n| format!("; {n}")).collect();
        Judgement::Allowed(format!(
            "`{principal}` is allowed {action} on {}{notes}",
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

/// `the session has MFA` for `aws:MultiFactorAuthPresent=true`, else the values.
fn unless_words(context: &std::collections::BTreeMap<String, String>) -> String {
    if context
        .keys()
        .any(|k| k.eq_ignore_ascii_case("aws:MultiFactorAuthPresent"))
    {
        "call execute-command from a session signed in with MFA (aws sts get-session-token --serial-number ... --token-code ..., or a profile with mfa_serial)".into()
    } else {
        "make the request with those values".into()
    }
}

/// The statements the simulator matched, in words.
fn statements_words(statements: &[crate::model::MatchedStatement]) -> String {
    if statements.is_empty() {
        return "the simulator named no statement".into();
    }
    let named: Vec<String> = statements
        .iter()
        .map(|m| match m.start_line {
            Some(line) => format!("policy `{}` (statement at line {line})", m.source_policy_id),
            None => format!("policy `{}`", m.source_policy_id),
        })
        .collect();
    format!("decided by {}", named.join(", "))
}

/// The fix for an explicit deny: change the statement that denies (an Allow cannot override
/// it), naming the policy the simulator matched.
fn explicit_deny_fix(result: &SimResult, principal: &str, action: &str, on: &str) -> Fix {
    let name = crate::arn::role_name(principal);
    let kind = if principal.contains(":user/") {
        "user"
    } else {
        "role"
    };
    let mut fix = Fix::new(format!(
        "change the Deny that matches {action} on {on} for `{principal}`"
    ));
    if result.matched_statements.is_empty() {
        fix = fix.note(format!(
            "a Deny statement in a policy of `{principal}` (or of its groups) matches; find it with aws iam simulate-principal-policy --policy-source-arn {principal} --action-names {action}, which names the policy"
        ));
    }
    for m in &result.matched_statements {
        let at = m
            .start_line
            .map(|l| format!(" (statement at line {l})"))
            .unwrap_or_default();
        let show = match m.source_policy_type.as_deref() {
            Some("role") => format!(
                "aws iam get-role-policy --role-name {name} --policy-name {}",
                m.source_policy_id
            ),
            Some("user") => format!(
                "aws iam get-user-policy --user-name {name} --policy-name {}",
                m.source_policy_id
            ),
            Some("user-managed") | Some("aws-managed") => format!(
                "aws iam list-attached-{kind}-policies --{kind}-name {name}   # then get-policy-version of `{}`",
                m.source_policy_id
            ),
            _ => format!("# policy `{}`", m.source_policy_id),
        };
        fix = fix.note(format!(
            "the Deny is in policy `{}`{at}: narrow its Action, Resource or Condition so it no longer matches {action} on {on}",
            m.source_policy_id
        ));
        fix = fix.command(show);
    }
    fix.note("an explicit Deny wins over every Allow: adding an Allow does not help")
}

/// The fix for a permissions-boundary denial: the boundary must allow the action too.
fn boundary_fix(principal: &str, action: &str) -> Fix {
    let name = crate::arn::role_name(principal);
    let command = if principal.contains(":user/") {
        format!("aws iam get-user --user-name {name} --query User.PermissionsBoundary")
    } else {
        format!("aws iam get-role --role-name {name} --query Role.PermissionsBoundary")
    };
    Fix::new(format!("add {action} to the permissions boundary of `{principal}`"))
        .command(command)
        .note("a permissions boundary caps what identity policies may grant: an Allow in the role's own policies is not enough until the boundary policy allows the action too")
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::MatchedStatement;
    use crate::outcome::FixStep;

    fn sim(result: SimResult) -> Simulation {
        Simulation {
            principal_arn: "arn:aws:iam::123456789012:role/Developer".into(),
            results: vec![result],
        }
    }

    fn result(decision: Decision) -> SimResult {
        SimResult::new("ecs:ExecuteCommand", "*", decision)
    }

    /// A denial that holds only without MFA, or depends on a key nobody can observe, is a
    /// warning naming the key; one that holds with every value stays an error.
    #[test]
    fn denials_that_depend_on_the_request_are_not_verdicts() {
        let sim = |r: SimResult| Simulation {
            principal_arn: "arn:aws:iam::1:user/dev".into(),
            results: vec![r],
        };
        let mut mfa = result(Decision::ExplicitDeny);
        mfa.missing_context = vec!["aws:MultiFactorAuthPresent".into()];
        mfa.matched_statements = vec![crate::model::MatchedStatement {
            source_policy_id: "RequireMFA".into(),
            source_policy_type: Some("user".into()),
            start_line: Some(4),
        }];
        // Not simulated again (an older recording): the key cannot be observed, a warning.
        let f = problems(&sim(mfa.clone()));
        assert_eq!(f[0].severity, crate::check::Severity::Warning, "{f:?}");
        assert!(f[0].message.contains("aws:MultiFactorAuthPresent"), "{f:?}");
        assert!(
            f[0].evidence
                .iter()
                .any(|e| e.contains("RequireMFA") && e.contains("line 4"))
        );
        // Simulated again with MFA: allowed, so denied only without MFA.
        let mut with_mfa = mfa.clone();
        with_mfa.variants = vec![crate::model::SimVariant {
            context: [("aws:MultiFactorAuthPresent".to_string(), "true".to_string())].into(),
            decision: Decision::Allowed,
            matched_statements: vec![],
        }];
        let f = problems(&sim(with_mfa));
        assert_eq!(f[0].severity, crate::check::Severity::Warning);
        assert!(
            f[0].message
                .contains("unless the request carries aws:MultiFactorAuthPresent=true"),
            "{f:?}"
        );
        assert!(f[0].message.contains("MFA"));
        // Still denied with MFA: an error, saying so.
        let mut still = mfa.clone();
        still.variants = vec![crate::model::SimVariant {
            context: [("aws:MultiFactorAuthPresent".to_string(), "true".to_string())].into(),
            decision: Decision::ExplicitDeny,
            matched_statements: vec![],
        }];
        let f = problems(&sim(still));
        assert_eq!(f[0].severity, crate::check::Severity::Error);
        assert!(
            f[0].evidence
                .iter()
                .any(|e| e.contains("still explicitDeny") || e.contains("still")),
            "{f:?}"
        );
        // A source-IP guard: no value can be assumed, a warning.
        let mut ip = result(Decision::ExplicitDeny);
        ip.missing_context = vec!["aws:SourceIp".into()];
        let f = problems(&sim(ip));
        assert_eq!(f[0].severity, crate::check::Severity::Warning);
        assert!(f[0].message.contains("aws:SourceIp"));
        // Allowed, but an IP guard the simulator could not apply decides the real request.
        let mut guarded = result(Decision::Allowed);
        guarded.missing_context = vec!["aws:SourceIp".into()];
        let f = problems(&sim(guarded));
        assert_eq!(f[0].severity, crate::check::Severity::Warning);
        // A key the doctor passes (ecs:cluster) missing: the deny stands.
        let mut known = result(Decision::ExplicitDeny);
        known.missing_context = vec!["ecs:cluster".into()];
        assert_eq!(
            problems(&sim(known))[0].severity,
            crate::check::Severity::Error
        );
    }

    fn problems(sim: &Simulation) -> Vec<Finding> {
        match judge(sim, "ecs:ExecuteCommand", &["*".into()], &sim.principal_arn) {
            Judgement::Problems(f) => f,
            _ => panic!("expected problems"),
        }
    }

    #[test]
    fn an_explicit_deny_names_the_denying_policy_and_never_proposes_an_allow() {
        let mut r = result(Decision::ExplicitDeny);
        r.matched_statements.push(MatchedStatement {
            source_policy_id: "no-exec-in-prod".into(),
            source_policy_type: Some("role".into()),
            start_line: Some(4),
        });
        let f = problems(&sim(r)).remove(0);
        let fix = f.fix.expect("its own fix");
        let text = serde_json::to_string(&fix).unwrap();
        assert!(
            text.contains("no-exec-in-prod") && text.contains("line 4"),
            "{text}"
        );
        assert!(
            text.contains("get-role-policy --role-name Developer --policy-name no-exec-in-prod"),
            "{text}"
        );
        assert!(
            !fix.steps
                .iter()
                .any(|s| matches!(s, FixStep::Policy { .. }))
        );
    }

    #[test]
    fn boundaries_scps_and_missing_container_names_say_what_to_change() {
        let mut r = result(Decision::ImplicitDeny);
        r.allowed_by_boundary = Some(false);
        let f = problems(&sim(r)).remove(0);
        assert!(f.fix.unwrap().title.contains("permissions boundary"));
        let mut r = result(Decision::ImplicitDeny);
        r.allowed_by_organizations = Some(false);
        let f = problems(&sim(r)).remove(0);
        assert!(
            serde_json::to_string(&f.fix)
                .unwrap()
                .contains("no IAM policy in this account can override")
        );
        let mut r = result(Decision::ImplicitDeny);
        r.missing_context.push("ecs:container-name".into());
        let f = problems(&sim(r)).remove(0);
        assert!(
            f.evidence.iter().any(|e| e.contains("--container NAME")),
            "{f:?}"
        );
        assert!(f.fix.is_none(), "the caller's check adds the allow fix");
    }
}
