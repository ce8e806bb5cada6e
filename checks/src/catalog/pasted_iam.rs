//! IAM documents pasted beside an error, read whole:
//!
//! - `aws iam simulate-principal-policy` output (`EvaluationResults`): each exec action is
//!   judged by the same function the live caller and task-role checks use, so an SCP
//!   (`OrganizationsDecisionDetail`), a permissions boundary, the matched statements and the
//!   `MissingContextValues` read exactly as in a `check` report;
//! - an IAM policy document (bare, or as `get-role-policy` / `get-policy-version` print it):
//!   each exec action evaluated with no request context, so a statement whose decision hangs
//!   on a key a checker or the simulator does not pass (`aws:MultiFactorAuthPresent`,
//!   `aws:SourceIp`, `aws:SourceVpce`, `aws:RequestedRegion`, `aws:PrincipalTag/*`, …) is
//!   named as the likely cause of a "denied" that the real request would not get.

use std::collections::BTreeMap;

use serde_json::Value;

use super::pasted::{PastedFacts, Verdict};
use crate::model::{Decision, MatchedStatement, SimResult, Simulation};
use crate::policy::{self, PolicyDecision, Principal, Request};
use crate::report::Status;
use crate::simulation::{Judgement, judge};

/// The check that judges `action` in a `check` run, with its name.
fn check_for(action: &str) -> Option<(&'static str, &'static str)> {
    let a = action.to_ascii_lowercase();
    Some(match a.as_str() {
        "ecs:executecommand" => ("CR001", "caller-execute-command"),
        "ssm:startsession" => ("CR003", "start-session-denied"),
        "kms:generatedatakey" => ("CR002", "caller-kms-data-key"),
        "kms:decrypt" => ("IR003", "task-role-kms-decrypt"),
        _ if a.starts_with("ssmmessages:") => ("IR002", "task-role-ssmmessages"),
        _ if a.starts_with("logs:") || a.starts_with("s3:") => ("IR004", "task-role-exec-logging"),
        _ => return None,
    })
}

/// The verdicts on a pasted IAM document, if `doc` is one.
pub fn iam_verdicts(doc: &Value) -> Option<PastedFacts> {
    if let Some(results) = doc.get("EvaluationResults").and_then(Value::as_array) {
        return simulation_verdicts(results);
    }
    let policy = doc
        .get("PolicyDocument")
        .or_else(|| doc.get("PolicyVersion").and_then(|v| v.get("Document")))
        .unwrap_or(doc);
    policy.get("Statement")?;
    policy_verdicts(policy)
}

/// `simulate-principal-policy` output, judged action by action.
fn simulation_verdicts(results: &[Value]) -> Option<PastedFacts> {
    let sim = Simulation {
        principal_arn: "the simulated principal".into(),
        results: results.iter().flat_map(sim_results).collect(),
    };
    let mut by_action: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in &sim.results {
        let resources = by_action.entry(r.action.clone()).or_default();
        if !resources.contains(&r.resource) {
            resources.push(r.resource.clone());
        }
    }
    let verdicts: Vec<Verdict> = by_action
        .into_iter()
        .filter_map(|(action, resources)| {
            let (code, name) = check_for(&action)?;
            let (status, message) = match judge(&sim, &action, &resources, &sim.principal_arn) {
                Judgement::Allowed(message) => (Status::Pass, message),
                Judgement::NotSimulated(message) => (Status::Unknown, message),
                Judgement::Problems(findings) => {
                    let worst = findings.iter().map(|f| f.severity).max()?;
                    let message = findings
                        .iter()
                        .map(|f| {
                            let mut m = f.message.clone();
                            for e in f.evidence.iter().filter(|e| !e.starts_with("iam:")) {
                                m.push_str(&format!("; {e}"));
                            }
                            m
                        })
                        .collect::<Vec<_>>()
                        .join(" | ");
                    (Status::from_severity(worst), message)
                }
            };
            Some(Verdict {
                code: code.into(),
                name: name.into(),
                status,
                message,
            })
        })
        .collect();
    (!verdicts.is_empty()).then(|| PastedFacts {
        what: "simulate-principal-policy output".into(),
        verdicts,
    })
}

/// One `EvaluationResults` member as the fact model has it (one per resource).
fn sim_results(r: &Value) -> Vec<SimResult> {
    let s = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    let Some(action) = s(r, "EvalActionName") else {
        return Vec::new();
    };
    let decision = |d: Option<String>| match d.as_deref().map(str::to_ascii_lowercase).as_deref() {
        Some("allowed") => Decision::Allowed,
        Some("explicitdeny") => Decision::ExplicitDeny,
        _ => Decision::ImplicitDeny,
    };
    let missing = |v: &Value| -> Vec<String> {
        v.get("MissingContextValues")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|k| k.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let matched = |v: &Value| -> Vec<MatchedStatement> {
        v.get("MatchedStatements")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|m| MatchedStatement {
                source_policy_id: s(m, "SourcePolicyId").unwrap_or_default(),
                source_policy_type: s(m, "SourcePolicyType"),
                start_line: m
                    .pointer("/StartPosition/Line")
                    .and_then(Value::as_i64)
                    .and_then(|l| i32::try_from(l).ok()),
            })
            .collect()
    };
    let orgs = r
        .pointer("/OrganizationsDecisionDetail/AllowedByOrganizations")
        .and_then(Value::as_bool);
    let boundary = |v: &Value| {
        v.pointer("/PermissionsBoundaryDecisionDetail/AllowedByPermissionsBoundary")
            .and_then(Value::as_bool)
    };
    let one = |resource: String, d: Decision, missing: Vec<String>, m: Vec<MatchedStatement>, b| {
        SimResult {
            missing_context: missing,
            allowed_by_organizations: orgs,
            allowed_by_boundary: b,
            matched_statements: m,
            ..SimResult::new(&action, &resource, d)
        }
    };
    let specific: Vec<&Value> = r
        .get("ResourceSpecificResults")
        .and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    if specific.is_empty() {
        return vec![one(
            s(r, "EvalResourceName").unwrap_or_else(|| "*".into()),
            decision(s(r, "EvalDecision")),
            missing(r),
            matched(r),
            boundary(r),
        )];
    }
    specific
        .into_iter()
        .filter_map(|rs| {
            let resource = s(rs, "EvalResourceName")?;
            let own = missing(rs);
            let statements = matched(rs);
            Some(one(
                resource,
                decision(s(rs, "EvalResourceDecision")),
                if own.is_empty() { missing(r) } else { own },
                if statements.is_empty() {
                    matched(r)
                } else {
                    statements
                },
                boundary(rs).or(boundary(r)),
            ))
        })
        .collect()
}

/// The actions ECS Exec needs, whose resources are always `*` (so a policy's decision on
/// them does not hang on which ARN it names).
const ON_STAR: [&str; 4] = crate::fixes::SSMMESSAGES_ACTIONS;
/// The caller's actions (their resources are ARNs: only a Deny or a condition is reported).
const CALLER: [&str; 3] = [
    "ecs:ExecuteCommand",
    "ssm:StartSession",
    "kms:GenerateDataKey",
];

/// A policy document, evaluated for each exec action without any request context.
fn policy_verdicts(document: &Value) -> Option<PastedFacts> {
    let context = BTreeMap::new();
    let principal = Principal::IDENTITY;
    let decide = |action: &str| {
        policy::evaluate(
            document,
            &Request {
                principal: principal.clone(),
                action,
                resource: "*",
                context: &context,
            },
        )
    };
    // Actions decided the same way by the same statement are one verdict naming them all.
    let mut grouped: Vec<(&'static str, &'static str, Status, String, Vec<&str>)> = Vec::new();
    let mut missing_ssm: Vec<&str> = Vec::new();
    let mut allowed_ssm: Option<String> = None;
    for action in ON_STAR.iter().chain(CALLER.iter()) {
        let (code, name) = check_for(action).expect("exec actions have checks");
        let on_star = ON_STAR.contains(action);
        // `{A}` stands for the actions of the group.
        let (status, message) = match decide(action) {
            PolicyDecision::Denied(st) => {
                // A Deny whose condition holds without a key (`BoolIfExists`, a negated
                // operator) hangs on that key all the same.
                let keys = condition_keys(document, st.index);
                let hidden: Vec<&str> = keys
                    .iter()
                    .map(String::as_str)
                    .filter(|k| hidden_key(k))
                    .collect();
                if hidden.is_empty() {
                    (
                        Status::Error,
                        format!("{} denies {{A}} outright", st.describe()),
                    )
                } else {
                    (
                        Status::Warning,
                        format!(
                            "{} denies {{A}} unless the request carries {} with the values it asks for: a checker or a policy simulation that does not pass {} (the original checker, the IAM console simulator without context) reports {{A}} denied where the real request may be allowed; ecs-exec-doctor check passes the keys it can know and names the others",
                            st.describe(),
                            hidden.join(", "),
                            hidden.join(", ")
                        ),
                    )
                }
            }
            PolicyDecision::Conditional {
                statement,
                keys,
                deny,
            } => {
                let hidden: Vec<&str> = keys
                    .iter()
                    .map(String::as_str)
                    .filter(|k| hidden_key(k))
                    .collect();
                let keys_words = keys.join(", ");
                let message = if deny {
                    format!(
                        "{} denies {{A}} depending on {keys_words}",
                        statement.describe()
                    )
                } else {
                    format!(
                        "{} allows {{A}} only when conditions on {keys_words} hold",
                        statement.describe()
                    )
                };
                if hidden.is_empty() {
                    (Status::Info, message)
                } else {
                    (
                        Status::Warning,
                        format!(
                            "{message}: a checker or a policy simulation that does not pass {} (the original checker, the IAM console simulator without context) reports {{A}} denied where the real request, which carries them, may be allowed; ecs-exec-doctor check passes the keys it can know and names the others",
                            hidden.join(", ")
                        ),
                    )
                }
            }
            PolicyDecision::Allowed(st) if on_star => {
                allowed_ssm.get_or_insert_with(|| st.describe());
                continue;
            }
            PolicyDecision::NotAllowed if on_star => {
                missing_ssm.push(action);
                continue;
            }
            // A caller's action on `*` says nothing about the ARNs the policy names.
            PolicyDecision::Allowed(_) | PolicyDecision::NotAllowed => continue,
        };
        match grouped
            .iter_mut()
            .find(|g| g.0 == code && g.2 == status && g.3 == message)
        {
            Some(g) => g.4.push(action),
            None => grouped.push((code, name, status, message, vec![action])),
        }
    }
    let mut verdicts: Vec<Verdict> = grouped
        .into_iter()
        .map(|(code, name, status, message, actions)| Verdict {
            code: code.into(),
            name: name.into(),
            status,
            message: message.replace("{A}", &actions.join(", ")),
        })
        .collect();
    if !missing_ssm.is_empty() && missing_ssm.len() < ON_STAR.len() {
        verdicts.push(Verdict {
            code: "IR002".into(),
            name: "task-role-ssmmessages".into(),
            status: Status::Error,
            message: format!(
                "the policy allows some ssmmessages actions but not {}: as the task role's policy, the agent cannot open its channels (TargetNotConnectedException)",
                missing_ssm.join(", ")
            ),
        });
    } else if missing_ssm.is_empty()
        && let Some(st) = allowed_ssm
    {
        verdicts.push(Verdict {
            code: "IR002".into(),
            name: "task-role-ssmmessages".into(),
            status: Status::Pass,
            message: format!("{st} allows the four ssmmessages actions the exec agent needs"),
        });
    }
    (!verdicts.is_empty()).then(|| PastedFacts {
        what: "IAM policy document".into(),
        verdicts,
    })
}

/// The condition keys of the statement at `index` of `document`.
fn condition_keys(document: &Value, index: usize) -> Vec<String> {
    let statement = match document.get("Statement") {
        Some(Value::Array(all)) => all.get(index),
        Some(one @ Value::Object(_)) if index == 0 => Some(one),
        _ => None,
    };
    let mut keys: Vec<String> = statement
        .and_then(|s| s.get("Condition"))
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|ops| ops.values())
        .filter_map(Value::as_object)
        .flat_map(|block| block.keys().cloned())
        .collect();
    keys.dedup();
    keys
}

/// Keys a checker or a context-less simulation does not pass, though the real request
/// carries them.
fn hidden_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    crate::model::unobservable_key(&k).is_some()
        || matches!(
            k.as_str(),
            "aws:requestedregion" | "aws:currenttime" | "aws:epochtime" | "aws:securetransport"
        )
        || k.starts_with("aws:resourcetag/")
        || k.starts_with("ecs:")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn messages(p: &PastedFacts) -> Vec<(String, Status, String)> {
        p.verdicts
            .iter()
            .map(|v| (v.code.clone(), v.status, v.message.clone()))
            .collect()
    }

    /// A simulation output from a thread: the SCP and the boundary read as in a check run.
    #[test]
    fn simulation_output_is_judged_like_a_check_run() {
        let doc = json!({"EvaluationResults": [
            {"EvalActionName": "ssmmessages:CreateControlChannel", "EvalResourceName": "*",
             "EvalDecision": "implicitDeny", "MatchedStatements": [], "MissingContextValues": [],
             "OrganizationsDecisionDetail": {"AllowedByOrganizations": false}},
            {"EvalActionName": "ecs:ExecuteCommand", "EvalResourceName": "*",
             "EvalDecision": "implicitDeny", "MatchedStatements": [], "MissingContextValues": [],
             "PermissionsBoundaryDecisionDetail": {"AllowedByPermissionsBoundary": false}},
            {"EvalActionName": "ssm:StartSession", "EvalResourceName": "*",
             "EvalDecision": "explicitDeny",
             "MatchedStatements": [{"SourcePolicyId": "RequireMFA", "SourcePolicyType": "IAM Policy",
                                    "StartPosition": {"Line": 3, "Column": 5}}],
             "MissingContextValues": ["aws:MultiFactorAuthPresent"]}
        ]});
        let p = iam_verdicts(&doc).expect("read");
        let m = messages(&p);
        let find = |code: &str| m.iter().find(|(c, _, _)| c == code).unwrap().clone();
        let ir002 = find("IR002");
        assert_eq!(ir002.1, Status::Error);
        assert!(ir002.2.contains("service control policy"), "{ir002:?}");
        let cr001 = find("CR001");
        assert!(cr001.2.contains("permissions boundary"), "{cr001:?}");
        // An explicit deny that hangs on MFA is not a verdict.
        let cr003 = find("CR003");
        assert_eq!(cr003.1, Status::Warning, "{cr003:?}");
        assert!(cr003.2.contains("aws:MultiFactorAuthPresent"), "{cr003:?}");
    }

    /// The common "deny everything unless MFA" policy: named as the cause of a false denied.
    #[test]
    fn a_policy_with_hidden_keys_is_named_as_the_likely_false_denied() {
        let doc = json!({"Version": "2012-10-17", "Statement": [{
            "Sid": "DenyAllExceptListedIfNoMFA", "Effect": "Deny",
            "NotAction": ["iam:ListMFADevices", "sts:GetSessionToken"], "Resource": "*",
            "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}]});
        let p = iam_verdicts(&doc).expect("read");
        let cr001 = p.verdicts.iter().find(|v| v.code == "CR001").unwrap();
        assert_eq!(cr001.status, Status::Warning);
        assert!(
            cr001.message.contains("DenyAllExceptListedIfNoMFA")
                && cr001.message.contains("aws:MultiFactorAuthPresent"),
            "{cr001:?}"
        );
    }

    /// A task role policy: all four ssmmessages actions pass, three of four is a red.
    #[test]
    fn a_policy_with_the_ssmmessages_actions_passes_and_a_partial_one_does_not() {
        let all = json!({"PolicyDocument": {"Statement": [{"Effect": "Allow",
            "Action": "ssmmessages:*", "Resource": "*"}]}});
        let p = iam_verdicts(&all).expect("read");
        assert_eq!(p.verdicts.len(), 1, "{p:?}");
        assert_eq!(p.verdicts[0].status, Status::Pass);
        let partial = json!({"Statement": [{"Effect": "Allow", "Action": [
            "ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
            "ssmmessages:OpenControlChannel"], "Resource": "*"}]});
        let p = iam_verdicts(&partial).expect("read");
        assert_eq!(p.verdicts[0].status, Status::Error);
        assert!(
            p.verdicts[0]
                .message
                .contains("ssmmessages:OpenDataChannel")
        );
        // A policy about nothing exec needs: no verdict at all.
        let other = json!({"Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::b/*"}]});
        assert!(iam_verdicts(&other).is_none());
    }
}
