//! `lint`'s judgement of a task role whose policies are defined in the same input (a
//! template, a Terraform module, a CDK synth output). The documents are evaluated with
//! [`crate::policy`] as IAM combines identity policies: a Deny in any of them wins, then an
//! Allow in any of them; nothing allowing is an implicit deny. What the input attaches but
//! does not show keeps an implicit deny from being a verdict: it is unknown, never an error.
//! Permissions boundaries and service control policies are never in a template's view; the
//! live check simulates them.

use std::collections::BTreeMap;

use crate::facts::{Facts, Unavailable};
use crate::model::{RolePolicies, Value};
use crate::outcome::{Finding, Fix, Verdict};
use crate::policy::{self, PolicyDecision, Principal, Request};

/// How the role's policies decide one action.
#[derive(Debug, Clone, PartialEq)]
enum Decided {
    Allowed(String),
    Denied(String),
    /// A statement that may deny or allow, depending on condition keys.
    Depends {
        deny: bool,
        by: String,
        keys: Vec<String>,
    },
    NotAllowed,
}

fn decide(role: &RolePolicies, action: &str, resource: &str) -> Decided {
    let context = BTreeMap::from([("aws:SecureTransport".to_string(), "true".to_string())]);
    let principal = Principal::IDENTITY;
    let mut out = Decided::NotAllowed;
    for p in &role.policies {
        let request = Request {
            principal: principal.clone(),
            action,
            resource,
            context: &context,
        };
        let by = |s: &policy::Statement| format!("{} of `{}`", s.describe(), p.name);
        let next = match policy::evaluate(&p.document, &request) {
            PolicyDecision::Denied(s) => return Decided::Denied(by(&s)),
            PolicyDecision::Conditional {
                statement,
                keys,
                deny,
            } => Decided::Depends {
                deny,
                by: by(&statement),
                keys,
            },
            PolicyDecision::Allowed(s) => Decided::Allowed(by(&s)),
            PolicyDecision::NotAllowed => continue,
        };
        // A possible deny outranks an allow, which outranks a possible allow.
        let rank = |d: &Decided| match d {
            Decided::Depends { deny: true, .. } => 3,
            Decided::Allowed(_) => 2,
            Decided::Depends { deny: false, .. } => 1,
            _ => 0,
        };
        if rank(&next) > rank(&out) {
            out = next;
        }
    }
    out
}

/// Judges `actions` on `resource` for the task role read from the input. Not applicable
/// without a task role (IR001 reports it); unknown when the role is defined elsewhere.
pub(crate) fn judge(
    f: &Facts<'_>,
    actions: &[&str],
    resource: &str,
    fix: impl Fn(&str) -> Fix,
) -> Result<Verdict, Unavailable> {
    let td = f.task_definition()?;
    let Some(named) = &td.task_role_arn else {
        return Ok(Verdict::not_applicable(
            "the task definition has no task role (see IR001)",
        ));
    };
    let Some(role) = f.subject.task_role_policies.value() else {
        let role = match named {
            Value::Known(arn) => format!("the task role `{arn}` is defined outside this input"),
            Value::Unresolved { unresolved } => format!(
                "the task role (`{unresolved}`) is known only at deploy time or defined outside this input"
            ),
        };
        return Err(Unavailable::new(format!(
            "{role}, so its policies cannot be read here; `ecs-exec-doctor check` simulates them on a running task"
        )));
    };
    let name = &role.role;
    let mut denied: Vec<(&str, String)> = Vec::new();
    let mut missing: Vec<&str> = Vec::new();
    let mut depends: Vec<(&str, bool, String, Vec<String>)> = Vec::new();
    let mut allowed: Vec<String> = Vec::new();
    for action in actions {
        match decide(role, action, resource) {
            Decided::Allowed(by) => {
                if !allowed.contains(&by) {
                    allowed.push(by);
                }
            }
            Decided::Denied(by) => denied.push((action, by)),
            Decided::Depends { deny, by, keys } => depends.push((action, deny, by, keys)),
            Decided::NotAllowed => missing.push(action),
        }
    }
    let read: Vec<&str> = role.policies.iter().map(|p| p.name.as_str()).collect();
    let read_words = if read.is_empty() {
        format!("`{name}` has no policy in this input")
    } else {
        format!("read: {}", read.join(", "))
    };
    let unread: Vec<String> = role
        .unread
        .iter()
        .chain(&role.unread_statements)
        .cloned()
        .collect();
    let mut findings = Vec::new();
    for (action, by) in &denied {
        findings.push(
            Finding::error(format!("`{name}` is explicitly denied {action} by {by}"))
                .pointer("/taskRoleArn")
                .fix(
                    Fix::new(format!("narrow the Deny of {action} in `{name}`'s policy"))
                        .note("an explicit Deny wins over every Allow: remove the action from the Deny statement or add a condition that excludes the exec agent's requests"),
                ),
        );
    }
    if !missing.is_empty() && unread.is_empty() {
        findings.push(
            Finding::error(format!(
                "`{name}` is not allowed {}: no policy of the role in this input allows {}",
                missing.join(", "),
                if missing.len() == 1 { "it" } else { "them" }
            ))
            .pointer("/taskRoleArn")
            .evidence(read_words.clone())
            .fix(fix(name)),
        );
    }
    for (action, deny, by, keys) in &depends {
        findings.push(
            Finding::warning(format!(
                "`{name}` is {} {action} depending on {}: {by}",
                if *deny { "denied" } else { "allowed" },
                keys.join(", ")
            ))
            .pointer("/taskRoleArn")
            .evidence("the exec agent's requests carry the role's own context (its region, its VPC endpoint, its tags); check the condition against where the task runs"),
        );
    }
    if !findings.is_empty() {
        return Ok(Verdict::Findings(findings));
    }
    if !missing.is_empty() {
        return Err(Unavailable::new(format!(
            "`{name}` is not allowed {} by the policies in this input ({read_words}); it also has {}, which the input does not show: `ecs-exec-doctor check` simulates the role on a running task",
            missing.join(", "),
            unread.join(", ")
        )));
    }
    Ok(Verdict::Pass {
        evidence: vec![format!(
            "`{name}` is allowed {} by {}",
            actions.join(", "),
            allowed.join("; ")
        )],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::NamedPolicy;
    use serde_json::json;

    fn role(docs: &[serde_json::Value]) -> RolePolicies {
        RolePolicies {
            role: "TaskRole".into(),
            policies: docs
                .iter()
                .enumerate()
                .map(|(i, d)| NamedPolicy {
                    name: format!("p{i}"),
                    document: d.clone(),
                })
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn identity_policies_combine_as_iam_does() {
        let allow =
            json!({"Statement": [{"Effect": "Allow", "Action": "ssmmessages:*", "Resource": "*"}]});
        let deny = json!({"Statement": {"Effect": "Deny", "Action": "ssmmessages:Open*", "Resource": "*"}});
        let cond = json!({"Statement": [{"Effect": "Allow", "Action": "ssmmessages:*", "Resource": "*", "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-1"}}}]});
        let a = "ssmmessages:OpenDataChannel";
        assert!(matches!(
            decide(&role(std::slice::from_ref(&allow)), a, "*"),
            Decided::Allowed(_)
        ));
        assert!(matches!(
            decide(&role(&[allow.clone(), deny.clone()]), a, "*"),
            Decided::Denied(_)
        ));
        assert!(matches!(
            decide(
                &role(&[allow.clone(), deny]),
                "ssmmessages:CreateDataChannel",
                "*"
            ),
            Decided::Allowed(_)
        ));
        assert!(matches!(
            decide(&role(std::slice::from_ref(&cond)), a, "*"),
            Decided::Depends { deny: false, .. }
        ));
        // An unconditioned Allow elsewhere settles it.
        assert!(matches!(
            decide(&role(&[cond, allow]), a, "*"),
            Decided::Allowed(_)
        ));
        assert_eq!(decide(&role(&[]), a, "*"), Decided::NotAllowed);
    }
}
