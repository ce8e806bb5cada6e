//! What a run could not read inside facts it otherwise read: a VPC's DNS attributes, its
//! route tables, the NAT gateways, the key's grants, a prefix list, the caller's role path.
//! Such a fact is `Ok` with an error field beside the value, so a check that reads the value
//! alone could pass on half the picture. Two rules follow, applied to every check by the
//! runner rather than remembered by each check:
//!
//! - **A denied call is always visible**: every access-denied error anywhere in the diagnosis
//!   is named in the report's `missing_permissions`, and every other failure in its `faults`,
//!   whether or not a check turned UNKNOWN because of it.
//! - **A gap never improves a verdict**: a check that passed, warned or informed while a call
//!   it depends on (its metadata's actions) failed for this task is reported UNKNOWN, naming
//!   the call, with what it saw on the rest kept in the message. An error stands: what was
//!   missing cannot undo what was seen (a check whose red depends on the missing part says
//!   so itself, as CL003 does for grants). A check whose verdict does not depend on the
//!   missing part says so by quoting the error in its evidence (CL003 when the key policy
//!   decides whatever the grants say), and its verdict stands.
//!
//! The errors are found by walking the facts' serialised form, so a field added to the model
//! tomorrow is covered without anyone listing it here.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::check::CheckMeta;
use crate::facts::{Diagnosis, FactError, FactErrorKind};

/// One failed call, and whether it cost a whole fact or only part of one.
#[derive(Debug, Clone, PartialEq)]
struct Failure {
    error: FactError,
    /// Inside a fact that was otherwise read (`Ok`, with an error field beside the value).
    partial: bool,
}

/// The failed calls of one diagnosis: run-wide, and for each subject.
#[derive(Debug, Default)]
pub struct Gaps {
    run: Vec<Failure>,
    subjects: Vec<Vec<Failure>>,
}

impl Gaps {
    pub fn of(d: &Diagnosis) -> Self {
        let mut run = Vec::new();
        collect(&d.caller, &mut run);
        collect(&d.cluster, &mut run);
        collect(&d.kms_key, &mut run);
        collect(&d.kms_key_policy, &mut run);
        collect(&d.log_destinations, &mut run);
        let subjects = d
            .subjects
            .iter()
            .map(|s| {
                let mut errors = Vec::new();
                collect(s, &mut errors);
                errors
            })
            .collect();
        Self { run, subjects }
    }

    /// The calls a check with `meta` depends on that failed while reading part of a fact,
    /// for the subject at `index` (`None` for a run-level check, which reads the first
    /// subject). A whole fact that failed needs no guard: reading it makes the check UNKNOWN.
    pub fn for_check(&self, meta: &CheckMeta, index: Option<usize>) -> Vec<&FactError> {
        let actions = meta.actions();
        let subject = self.subjects.get(index.unwrap_or(0));
        self.run
            .iter()
            .chain(subject.into_iter().flatten())
            .filter(|f| f.partial)
            .map(|f| &f.error)
            .filter(|e| actions.contains(&e.action.as_str()))
            .filter(|e| !meta.unaffected_by.contains(&e.action.as_str()))
            .collect()
    }

    fn all(&self) -> impl Iterator<Item = &FactError> {
        self.run
            .iter()
            .chain(self.subjects.iter().flatten())
            .map(|f| &f.error)
    }

    /// Every IAM action the doctor was denied, sorted.
    pub fn denied(&self) -> BTreeSet<String> {
        self.all()
            .filter_map(|e| e.missing_action().map(str::to_string))
            .collect()
    }

    /// Every other failed call, described once each.
    pub fn faults(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .all()
            .filter(|e| e.kind != FactErrorKind::AccessDenied)
            .map(FactError::describe)
            .collect();
        out.sort();
        out.dedup();
        out
    }
}

/// Every error in `value` whose call really failed. Dependency errors are left out: they
/// repeat an error that sits in the fact they depend on, which is collected itself. So is
/// "not found": that is an answer (a deleted role), which the checks judge.
fn collect(value: &impl Serialize, out: &mut Vec<Failure>) {
    let Ok(json) = serde_json::to_value(value) else {
        return;
    };
    walk(&json, false, out);
}

/// `partial` once the walk is inside a fact's value (a `Fact` serialises as an object with a
/// `status`: `ok` with a `value`, `failed` with an `error`).
fn walk(value: &serde_json::Value, partial: bool, out: &mut Vec<Failure>) {
    match value {
        serde_json::Value::Object(map) => {
            let looks_like_error = map.contains_key("kind")
                && map.contains_key("action")
                && map.contains_key("message");
            if looks_like_error
                && let Ok(error) = serde_json::from_value::<FactError>(value.clone())
            {
                let failure = Failure { error, partial };
                if !matches!(
                    failure.error.kind,
                    FactErrorKind::Dependency | FactErrorKind::NotFound
                ) && !failure.error.action.is_empty()
                    && !out.contains(&failure)
                {
                    out.push(failure);
                }
                return;
            }
            let in_value = partial || map.get("status").and_then(|s| s.as_str()) == Some("ok");
            for (key, v) in map {
                walk(v, in_value && key != "error" || partial, out);
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| walk(v, partial, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing;

    fn denied(action: &str) -> FactError {
        FactError::new(FactErrorKind::AccessDenied, action, "AccessDenied")
    }

    #[test]
    fn errors_nested_in_ok_facts_are_found_and_scoped_to_their_subject() {
        let mut d = testing::diagnosis();
        assert!(Gaps::of(&d).denied().is_empty());
        d.subjects[0].network.value_mut().dns_error = Some(denied("ec2:DescribeVpcAttribute"));
        let gaps = Gaps::of(&d);
        assert_eq!(
            gaps.denied().into_iter().collect::<Vec<_>>(),
            ["ec2:DescribeVpcAttribute"]
        );
        let nw001 = &crate::registry::find("NW001").unwrap().meta;
        let td001 = &crate::registry::find("TK001").unwrap().meta;
        assert_eq!(gaps.for_check(nw001, Some(0)).len(), 1);
        assert!(gaps.for_check(nw001, Some(1)).is_empty());
        assert!(gaps.for_check(td001, Some(0)).is_empty());
    }

    #[test]
    fn other_failures_are_faults_and_dependencies_are_not_counted_twice() {
        let mut d = testing::diagnosis();
        let throttled = FactError::new(
            FactErrorKind::Throttled,
            "ec2:DescribeRouteTables",
            "Rate exceeded",
        );
        d.subjects[0].network.value_mut().routes_error = Some(throttled.clone());
        d.subjects[0].firewall = crate::facts::Fact::failed(FactError::dependency(
            "ec2:DescribeSecurityGroups",
            "network",
            &throttled,
        ));
        let gaps = Gaps::of(&d);
        assert!(gaps.denied().is_empty());
        assert_eq!(gaps.faults(), [throttled.describe()]);
    }

    #[test]
    fn a_whole_fact_that_failed_is_named_but_guards_nothing() {
        let mut d = testing::diagnosis();
        d.subjects[0].caller_permissions =
            crate::facts::Fact::failed(denied("iam:SimulatePrincipalPolicy"));
        let gaps = Gaps::of(&d);
        assert_eq!(
            gaps.denied().into_iter().collect::<Vec<_>>(),
            ["iam:SimulatePrincipalPolicy"]
        );
        // The task role's check shares the action name; the caller's failed fact is not its gap.
        let ir002 = &crate::registry::find("IR002").unwrap().meta;
        assert!(gaps.for_check(ir002, Some(0)).is_empty());
    }
}
