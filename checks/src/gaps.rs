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
//! The errors inside a fact are found by walking its value's serialised form, so a field added
//! to the model tomorrow is covered without anyone listing it here; a value shared by a
//! fleet's tasks (one `Arc`) is walked once. The facts of a subject are named one by one, in a
//! destructuring that stops compiling when a fact is added.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use serde::Serialize;

use crate::check::CheckMeta;
use crate::facts::{Diagnosis, Fact, FactError, FactErrorKind};

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
        let mut seen = Seen::default();
        let mut run = Vec::new();
        seen.fact(&d.caller, &mut run);
        seen.fact(&d.cluster, &mut run);
        seen.fact(&d.kms_key, &mut run);
        seen.fact(&d.kms_key_policy, &mut run);
        seen.fact(&d.log_destinations, &mut run);
        let subjects = d
            .subjects
            .iter()
            .map(|s| {
                // Every fact of the subject, by name: a new one must be added here to compile.
                let crate::facts::Subject {
                    task_ref: _,
                    task,
                    service,
                    task_definition,
                    container_instance,
                    instance_role,
                    network,
                    interface,
                    firewall,
                    caller_permissions,
                    task_role_permissions,
                    task_role,
                    task_role_policies,
                    service_security_groups,
                } = s;
                let mut errors = Vec::new();
                seen.fact(task, &mut errors);
                seen.fact(service, &mut errors);
                seen.fact(task_definition, &mut errors);
                seen.fact(container_instance, &mut errors);
                seen.fact(instance_role, &mut errors);
                seen.fact(network, &mut errors);
                seen.fact(interface, &mut errors);
                seen.fact(firewall, &mut errors);
                seen.fact(caller_permissions, &mut errors);
                seen.fact(task_role_permissions, &mut errors);
                seen.fact(task_role, &mut errors);
                seen.fact(task_role_policies, &mut errors);
                seen.fact(service_security_groups, &mut errors);
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

/// The failures inside each fact value already walked, by the value's address: the tasks of a
/// fleet share their task definition, network and roles (one `Arc`), which are walked once.
#[derive(Default)]
struct Seen {
    values: HashMap<usize, Vec<Failure>>,
}

impl Seen {
    /// The failures of one fact: its own error when it failed, else every error inside its
    /// value. Dependency errors are left out: they repeat an error that sits in the fact they
    /// depend on, which is collected itself. So is "not found": that is an answer (a deleted
    /// role), which the checks judge.
    fn fact<T: Serialize>(&mut self, fact: &Fact<T>, out: &mut Vec<Failure>) {
        let found: Vec<Failure> = match fact {
            Fact::Ok { value } => {
                let key = Arc::as_ptr(value) as *const () as usize;
                self.values
                    .entry(key)
                    .or_insert_with(|| {
                        let mut inside = Vec::new();
                        if let Ok(json) = serde_json::to_value(&**value) {
                            walk(&json, &mut inside);
                        }
                        inside
                    })
                    .clone()
            }
            Fact::Failed { error } => vec![Failure {
                error: error.clone(),
                partial: false,
            }],
            Fact::Absent { .. } | Fact::NotFetched => Vec::new(),
        };
        for failure in found {
            let counted = !matches!(
                failure.error.kind,
                FactErrorKind::Dependency | FactErrorKind::NotFound
            ) && !failure.error.action.is_empty();
            if counted && !out.contains(&failure) {
                out.push(failure);
            }
        }
    }
}

/// Every error inside a fact's value (all of them partial: the fact itself was read).
fn walk(value: &serde_json::Value, out: &mut Vec<Failure>) {
    match value {
        serde_json::Value::Object(map) => {
            let looks_like_error = map.contains_key("kind")
                && map.contains_key("action")
                && map.contains_key("message");
            if looks_like_error
                && let Ok(error) = serde_json::from_value::<FactError>(value.clone())
            {
                out.push(Failure {
                    error,
                    partial: true,
                });
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
