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
//!   so itself, as CL003 does for grants).
//!
//! The errors are found by walking the facts' serialised form, so a field added to the model
//! tomorrow is covered without anyone listing it here.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::check::CheckMeta;
use crate::facts::{Diagnosis, FactError, FactErrorKind};

/// The failed calls of one diagnosis: run-wide, and for each subject.
#[derive(Debug, Default)]
pub struct Gaps {
    run: Vec<FactError>,
    subjects: Vec<Vec<FactError>>,
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

    /// The failed calls a check with `meta` depends on, for the subject at `index` (`None`
    /// for a run-level check, which reads the first subject).
    pub fn for_check(&self, meta: &CheckMeta, index: Option<usize>) -> Vec<&FactError> {
        let actions = meta.actions();
        let subject = self.subjects.get(index.unwrap_or(0));
        self.run
            .iter()
            .chain(subject.into_iter().flatten())
            .filter(|e| actions.contains(&e.action.as_str()))
            .collect()
    }

    fn all(&self) -> impl Iterator<Item = &FactError> {
        self.run.iter().chain(self.subjects.iter().flatten())
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
/// repeat an error that sits in the fact they depend on, which is collected itself.
fn collect(value: &impl Serialize, out: &mut Vec<FactError>) {
    let Ok(json) = serde_json::to_value(value) else {
        return;
    };
    walk(&json, out);
}

fn walk(value: &serde_json::Value, out: &mut Vec<FactError>) {
    match value {
        serde_json::Value::Object(map) => {
            let looks_like_error = map.contains_key("kind")
                && map.contains_key("action")
                && map.contains_key("message");
            if looks_like_error
                && let Ok(error) = serde_json::from_value::<FactError>(value.clone())
            {
                if error.kind != FactErrorKind::Dependency
                    && !error.action.is_empty()
                    && !out.contains(&error)
                {
                    out.push(error);
                }
                return;
            }
            map.values().for_each(|v| walk(v, out));
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
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
}
