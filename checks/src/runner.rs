//! Evaluates the selected checks over a diagnosis. Evaluation is pure and synchronous: the
//! facts were fetched before (concurrently, each once), so a check only reads them. A panic in
//! one check becomes an UNKNOWN outcome for that check; the others still report.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::check::{Check, Level, Severity};
use crate::facts::{Diagnosis, FactError, Facts, Mode, Subject, Unavailable};
use crate::gaps::Gaps;
use crate::outcome::Verdict;
use crate::registry;
use crate::report::{CheckResult, Status};

/// Which checks run, and severity overrides.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Codes to run; empty means all.
    pub select: Vec<&'static str>,
    /// Codes never to run.
    pub ignore: Vec<&'static str>,
    /// Per-code severity overrides.
    pub severity: BTreeMap<&'static str, Severity>,
}

impl Selection {
    pub fn includes(&self, code: &str) -> bool {
        (self.select.is_empty() || self.select.contains(&code)) && !self.ignore.contains(&code)
    }

    /// The selected checks, in registry order.
    pub fn checks(&self) -> Vec<&'static Check> {
        registry::CHECKS
            .iter()
            .copied()
            .filter(|c| self.includes(c.meta.code))
            .collect()
    }
}

/// Runs the selected checks: run-level checks once, task-level checks once per subject.
pub fn evaluate(diagnosis: &Diagnosis, mode: Mode, selection: &Selection) -> Vec<CheckResult> {
    evaluate_with(diagnosis, mode, selection, &Gaps::of(diagnosis))
}

/// [`evaluate`] with the diagnosis's failed calls already collected (the report names them
/// too, and collecting walks every fact).
pub fn evaluate_with(
    diagnosis: &Diagnosis,
    mode: Mode,
    selection: &Selection,
    gaps: &Gaps,
) -> Vec<CheckResult> {
    let placeholder = Subject::default();
    let first = diagnosis.subjects.first().unwrap_or(&placeholder);
    let many = diagnosis.subjects.len() > 1;
    let mut results = Vec::new();
    for check in selection.checks() {
        match check.meta.level {
            Level::Run => {
                let gap = gaps.for_check(&check.meta, None);
                results.push(evaluate_one(
                    check, diagnosis, first, mode, None, selection, &gap,
                ));
            }
            Level::Task => {
                let subjects: Vec<&Subject> = if diagnosis.subjects.is_empty() {
                    vec![&placeholder]
                } else {
                    diagnosis.subjects.iter().collect()
                };
                for (index, subject) in subjects.into_iter().enumerate() {
                    let label = many.then(|| crate::arn::task_id(&subject.task_ref).to_string());
                    let gap = gaps.for_check(&check.meta, Some(index));
                    results.push(evaluate_one(
                        check, diagnosis, subject, mode, label, selection, &gap,
                    ));
                }
            }
        }
    }
    results
}

/// A verdict reached while a call the check depends on failed is UNKNOWN, unless it holds an
/// error: a gap may hide a problem, never a fix (see [`crate::gaps`]). What the check saw on
/// the rest stays in the message. Decided on the check's own severities, before `--severity`
/// overrides, so demoting a check never hides a gap.
///
/// A check that accounted for the gap itself says so in its evidence, quoting the error's
/// description (CL003: "grants were not read (…); only the key policy was evaluated", when the
/// key policy decides whatever the grants say); its verdict stands.
fn unverified(verdict: &Verdict, gaps: &[&FactError]) -> Option<Unavailable> {
    let mentioned = |described: &str| match verdict {
        Verdict::Pass { evidence } => evidence.iter().any(|e| e.contains(described)),
        Verdict::Findings(findings) => findings
            .iter()
            .flat_map(|f| f.evidence.iter().chain([&f.message]))
            .any(|e| e.contains(described)),
        Verdict::NotApplicable { .. } => true,
    };
    let error = gaps.iter().find(|e| !mentioned(&e.describe()))?;
    let seen = match verdict {
        Verdict::Pass { evidence } => format!(
            "it passes on the rest ({})",
            evidence.first().map_or("no finding", String::as_str)
        ),
        Verdict::Findings(findings) if findings.iter().all(|f| f.severity != Severity::Error) => {
            format!("on the rest: {}", findings[0].message)
        }
        _ => return None,
    };
    Some(Unavailable {
        reason: format!("{}; {seen}", error.describe()),
        missing_action: error.missing_action().map(str::to_string),
    })
}

fn evaluate_one(
    check: &'static Check,
    diagnosis: &Diagnosis,
    subject: &Subject,
    mode: Mode,
    task: Option<String>,
    selection: &Selection,
    gaps: &[&FactError],
) -> CheckResult {
    let facts = Facts {
        mode,
        diagnosis,
        subject,
    };
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let verdict = (check.evaluate)(&facts)?;
        match unverified(&verdict, gaps) {
            Some(unavailable) => Err(unavailable),
            None => Ok(verdict),
        }
    }));
    let meta = &check.meta;
    let mut result = CheckResult::new(meta, task);
    match outcome {
        Ok(Ok(Verdict::Pass { evidence })) => {
            result.status = Status::Pass;
            result.message = evidence
                .first()
                .cloned()
                .unwrap_or_else(|| meta.summary.to_string());
            result.evidence = evidence;
        }
        Ok(Ok(Verdict::Findings(mut findings))) => {
            if let Some(sev) = selection.severity.get(meta.code) {
                for f in &mut findings {
                    f.severity = *sev;
                }
            }
            findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
            result.status = Status::from_severity(findings[0].severity);
            result.message = findings[0].message.clone();
            result.findings = findings;
        }
        Ok(Ok(Verdict::NotApplicable { reason })) => {
            result.status = Status::NotApplicable;
            result.message = reason;
        }
        Ok(Err(_)) if matches!(&subject.task, crate::facts::Fact::Absent { .. }) => {
            // Nothing to check: the service has no running task (TK001 reports it).
            let crate::facts::Fact::Absent { reason } = &subject.task else {
                unreachable!()
            };
            result.status = Status::NotApplicable;
            result.message = format!("no task to check: {reason}");
        }
        Ok(Err(unavailable)) => {
            result.status = Status::Unknown;
            result.message = unavailable.reason;
            result.missing_action = unavailable.missing_action;
        }
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            result.status = Status::Unknown;
            result.message = format!(
                "internal error in {}: {what} (please report this)",
                meta.code
            );
        }
    }
    result
}

#[cfg(test)]
mod degradation {
    //! Denying the doctor any single fact turns only the checks that read it (directly or
    //! through what it is fetched from) UNKNOWN, naming the missing IAM action; every other
    //! check keeps its verdict. A check that cannot be evaluated is never a pass.

    use super::*;
    use crate::facts::{FactError, FactErrorKind, FactKind};
    use crate::report::Status;
    use crate::testing;

    fn worlds() -> Vec<Diagnosis> {
        let mut kms = testing::diagnosis();
        testing::with_kms(&mut kms);
        testing::with_cloudwatch_logging(&mut kms);
        let mut ec2 = testing::ec2_diagnosis();
        ec2.subjects[0].task_definition.value_mut().task_role_arn = None;
        vec![testing::diagnosis(), kms, ec2]
    }

    #[test]
    fn a_denied_fact_makes_only_its_dependents_unknown() {
        for world in worlds() {
            let baseline = evaluate(&world, Mode::Live, &Selection::default());
            for kind in FactKind::ALL {
                let Some(action) = kind.actions().first() else {
                    continue;
                };
                let error = FactError::new(FactErrorKind::AccessDenied, *action, "AccessDenied");
                let mut d = world.clone();
                testing::fail_fact(&mut d, kind, &error);
                let results = evaluate(&d, Mode::Live, &Selection::default());
                let mut became_unknown = 0;
                for (before, after) in baseline.iter().zip(&results) {
                    let check = crate::registry::find(&after.code).unwrap();
                    let depends = FactKind::with_dependencies(check.meta.needs).contains(&kind);
                    if !depends {
                        assert_eq!(
                            before.status, after.status,
                            "{kind:?} denied changed {}",
                            after.code
                        );
                        continue;
                    }
                    if after.status == Status::Unknown && before.status != Status::Unknown {
                        became_unknown += 1;
                        assert_eq!(
                            after.missing_action.as_deref(),
                            Some(*action),
                            "{} under {kind:?}: {after:?}",
                            after.code
                        );
                    } else {
                        assert!(
                            after.status == before.status || after.status == Status::NotApplicable,
                            "{kind:?} denied turned {} from {:?} into {:?}",
                            after.code,
                            before.status,
                            after.status
                        );
                    }
                }
                let applies = baseline.iter().any(|r| {
                    r.status != Status::NotApplicable
                        && FactKind::with_dependencies(
                            crate::registry::find(&r.code).unwrap().meta.needs,
                        )
                        .contains(&kind)
                });
                if applies && kind != FactKind::InstanceRole {
                    assert!(became_unknown > 0, "denying {kind:?} changed nothing");
                }
            }
        }
    }
}
