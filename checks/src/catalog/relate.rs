//! `check --error TEXT`: ties the error a user got to the results of a diagnosis. It says which
//! failing checks explain the error, puts the linked checks first, and, when every linked check
//! passes, says so plainly and lists what remains instead of an all-green verdict.

use super::matcher::{closest, find_all};
use super::{Entry, Kind};
use crate::report::{CheckResult, Report, Status};

pub use crate::report::error_context::{
    EntryRef, ErrorContext, ErrorVerdict, Explanation, MatchedEntry, Remaining,
};

impl From<&Entry> for EntryRef {
    fn from(e: &Entry) -> Self {
        EntryRef {
            id: e.id.into(),
            name: e.name.into(),
            title: e.title.into(),
        }
    }
}

const MAX_ERROR_CHARS: usize = 500;

/// Relates `text` (the error the user got) to the results of a diagnosis.
pub fn relate(text: &str, results: &[CheckResult]) -> ErrorContext {
    let flat = super::matcher::one_line(&super::secrets::mask(text));
    let error = match flat.char_indices().nth(MAX_ERROR_CHARS) {
        Some((cut, _)) => format!("{}…", &flat[..cut]),
        None => flat,
    };
    let found = find_all(text);
    let entries: Vec<&'static Entry> = found
        .iter()
        .filter(|m| m.entry.kind != Kind::Benign)
        .map(|m| m.entry)
        .collect();
    let mut ctx = ErrorContext {
        from_probe: false,
        error,
        verdict: ErrorVerdict::Unrecognised,
        statement: String::new(),
        matched: found
            .iter()
            .filter(|m| m.entry.kind != Kind::Benign)
            .map(|m| MatchedEntry {
                id: m.entry.id.into(),
                name: m.entry.name.into(),
                title: m.entry.title.into(),
                phase: m.entry.phase,
                meaning: m.entry.meaning.into(),
                excerpt: m.excerpt.clone(),
            })
            .collect(),
        linked: Vec::new(),
        explained_by: Vec::new(),
        unknown: Vec::new(),
        not_run: Vec::new(),
        remaining: Vec::new(),
        closest: Vec::new(),
    };
    if entries.is_empty() {
        ctx.closest = closest(text, 3).into_iter().map(EntryRef::from).collect();
        ctx.statement = if found.is_empty() {
            "the error text matches no known ECS Exec error, so no check is linked to it".into()
        } else {
            "the text is only the AWS CLI's \"installed successfully\" notice (E12), which is not an error: pass the message printed after it".into()
        };
        return ctx;
    }

    for entry in &entries {
        for (i, cause) in entry.causes.iter().enumerate() {
            for check in cause.checks {
                let code = check.meta.code;
                if !ctx.linked.iter().any(|c| c == code) {
                    ctx.linked.push(code.into());
                }
                for r in results.iter().filter(|r| r.code == code) {
                    let failing =
                        matches!(r.status, Status::Error | Status::Warning | Status::Info);
                    let seen = ctx
                        .explained_by
                        .iter()
                        .any(|x| x.code == r.code && x.task == r.task);
                    if failing && !seen {
                        ctx.explained_by.push(Explanation {
                            code: r.code.clone(),
                            name: r.name.clone(),
                            task: r.task.clone(),
                            status: r.status,
                            message: r.message.clone(),
                            entry: entry.id.into(),
                            rank: i + 1,
                            cause: cause.cause.into(),
                        });
                    }
                }
            }
        }
    }
    for code in &ctx.linked {
        let mine: Vec<&CheckResult> = results.iter().filter(|r| &r.code == code).collect();
        if mine.is_empty() {
            ctx.not_run.push(code.clone());
        } else if mine.iter().any(|r| r.status == Status::Unknown) {
            ctx.unknown.push(code.clone());
        }
    }
    if ctx.explained_by.is_empty() {
        for entry in &entries {
            for cause in entry.manual_causes() {
                ctx.remaining.push(Remaining {
                    entry: entry.id.into(),
                    cause: cause.cause.into(),
                    confirm: cause.confirm.unwrap_or_default().into(),
                    fix: cause.fix.into(),
                });
            }
        }
    }

    let names = |ids: &mut dyn Iterator<Item = &'static Entry>| -> String {
        let mut out: Vec<String> = Vec::new();
        for e in ids {
            let label = format!("{} ({})", e.name, e.id);
            if !out.contains(&label) {
                out.push(label);
            }
        }
        out.join(" and ")
    };
    let all = names(&mut entries.iter().copied());
    let plural = |n: usize, one: &'static str, many: &'static str| if n == 1 { one } else { many };
    if !ctx.explained_by.is_empty() {
        let mut codes: Vec<&str> = Vec::new();
        for x in &ctx.explained_by {
            if !codes.contains(&x.code.as_str()) {
                codes.push(&x.code);
            }
        }
        let explained = names(
            &mut ctx
                .explained_by
                .iter()
                .filter_map(|x| super::find(&x.entry)),
        );
        ctx.verdict = ErrorVerdict::Explained;
        ctx.statement = format!(
            "{} {} {explained}",
            codes.join(", "),
            plural(codes.len(), "explains", "explain")
        );
    } else if ctx.linked.is_empty() {
        ctx.verdict = ErrorVerdict::NoLinkedChecks;
        ctx.statement = format!(
            "no check can confirm the causes of {all}: see what remains to look at by hand"
        );
    } else if !ctx.unknown.is_empty() || !ctx.not_run.is_empty() {
        let mut missing: Vec<String> = Vec::new();
        if !ctx.unknown.is_empty() {
            missing.push(format!("{} could not be checked", ctx.unknown.join(", ")));
        }
        if !ctx.not_run.is_empty() {
            missing.push(format!(
                "{} {} not run",
                ctx.not_run.join(", "),
                plural(ctx.not_run.len(), "was", "were")
            ));
        }
        ctx.verdict = ErrorVerdict::Inconclusive;
        ctx.statement = format!(
            "no check linked to {all} fails, but {}: this is not an all-clear",
            missing.join(" and ")
        );
    } else {
        ctx.verdict = ErrorVerdict::NotExplained;
        ctx.statement = format!(
            "every check linked to {all} passes, so the cause is one no AWS API shows: see what remains to look at by hand"
        );
    }
    ctx
}

/// [`relate`] for a report: records the context and puts the linked results first, in rank
/// order (the order within each group of the text report follows).
pub fn apply_error(report: &mut Report, text: &str) {
    let ctx = relate(text, &report.results);
    let rank = |code: &str| {
        ctx.linked
            .iter()
            .position(|c| c == code)
            .unwrap_or(usize::MAX)
    };
    report.results.sort_by_key(|r| rank(&r.code));
    report.error_context = Some(ctx);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Decision;
    use crate::runner::{Selection, evaluate};
    use crate::testing::*;
    use crate::{Diagnosis, Mode};

    const E01: &str = "An error occurred (TargetNotConnectedException) when calling the ExecuteCommand operation: The execute command failed due to an internal error. Try again later.";

    fn results(d: &Diagnosis) -> Vec<CheckResult> {
        evaluate(d, Mode::Live, &Selection::default())
    }

    #[test]
    fn failing_linked_checks_explain_the_error_in_rank_order() {
        let mut d = diagnosis();
        set_decision(
            &mut d.subjects[0].task_role_permissions,
            "ssmmessages:OpenDataChannel",
            "*",
            Decision::ImplicitDeny,
        );
        d.subjects[0].network.value_mut().endpoints.clear();
        let ctx = relate(E01, &results(&d));
        assert_eq!(ctx.verdict, ErrorVerdict::Explained);
        let codes: Vec<&str> = ctx.explained_by.iter().map(|x| x.code.as_str()).collect();
        assert_eq!(codes, ["IR002", "NW001"]);
        assert_eq!(ctx.explained_by[0].rank, 1);
        assert_eq!(
            ctx.statement,
            "IR002, NW001 explain TargetNotConnectedException (E01)"
        );
        assert_eq!(&ctx.linked[..3], ["IR001", "IR002", "TD003"]);
        assert!(ctx.remaining.is_empty());
    }

    #[test]
    fn all_linked_checks_passing_is_said_plainly_with_what_remains() {
        let ctx = relate(E01, &results(&diagnosis()));
        assert_eq!(ctx.verdict, ErrorVerdict::NotExplained);
        assert!(
            ctx.statement
                .starts_with("every check linked to TargetNotConnectedException (E01) passes")
        );
        let remaining: Vec<&str> = ctx.remaining.iter().map(|r| r.cause.as_str()).collect();
        assert!(
            remaining
                .iter()
                .any(|c| c.contains("has not registered yet")),
            "{remaining:?}"
        );
        assert!(
            remaining.iter().any(|c| c.contains("service-side")),
            "{remaining:?}"
        );
        let ctx = relate(
            "Unable to start command: Failed to start pty: fork/exec /bin/bash: no such file or directory",
            &results(&diagnosis()),
        );
        assert_eq!(ctx.verdict, ErrorVerdict::NoLinkedChecks);
        assert!(
            ctx.remaining
                .iter()
                .any(|r| r.confirm.contains("no API shows the image"))
        );
    }

    #[test]
    fn unknown_linked_checks_are_not_an_all_clear() {
        let mut d = diagnosis();
        d.subjects[0].task_role_permissions = fact_failed_denied("iam:SimulatePrincipalPolicy");
        let ctx = relate(E01, &results(&d));
        assert_eq!(ctx.verdict, ErrorVerdict::Inconclusive);
        assert!(ctx.unknown.contains(&"IR002".to_string()));
        assert!(
            ctx.statement.contains("not an all-clear"),
            "{}",
            ctx.statement
        );

        let selection = Selection {
            select: vec!["TK002"],
            ..Default::default()
        };
        let only = evaluate(&diagnosis(), Mode::Live, &selection);
        let ctx = relate(E01, &only);
        assert_eq!(ctx.verdict, ErrorVerdict::Inconclusive);
        assert!(ctx.not_run.contains(&"IR002".to_string()));
    }

    #[test]
    fn unrecognised_text_and_benign_noise() {
        let ctx = relate("something else entirely broke", &[]);
        assert_eq!(ctx.verdict, ErrorVerdict::Unrecognised);
        assert!(ctx.linked.is_empty());
        let ctx = relate(
            "The Session Manager plugin was installed successfully. Use the AWS CLI to start a session.",
            &[],
        );
        assert_eq!(ctx.verdict, ErrorVerdict::Unrecognised);
        assert!(ctx.statement.contains("E12"));
    }

    #[test]
    fn apply_puts_linked_results_first() {
        let mut d = diagnosis();
        d.subjects[0].task.value_mut().enable_execute_command = false;
        let results = results(&d);
        let mut report = Report {
            schema_version: crate::report::SCHEMA_VERSION,
            tool: crate::report::Tool {
                name: "ecs-exec-doctor".into(),
                version: "0.0.0".into(),
            },
            target: d.target.clone(),
            tasks: vec![],
            error_context: None,
            summary: crate::report::Summary::of(&results),
            results,
            missing_permissions: vec![],
            faults: vec![],
            aws_calls: 0,
            network_paths: vec![],
            fleet: None,
            probes: vec![],
        };
        apply_error(
            &mut report,
            "An error occurred (InvalidParameterException) when calling the ExecuteCommand operation: The execute command failed because execute command was not enabled when the task was run or the execute command agent isn’t running.",
        );
        let ctx = report.error_context.as_ref().unwrap();
        assert_eq!(ctx.verdict, ErrorVerdict::Explained);
        assert_eq!(ctx.explained_by[0].code, "TK002");
        assert_eq!(report.results[0].code, "TK002");
        assert_eq!(report.results[1].code, "SV001");
        let json = serde_json::to_string(&report).unwrap();
        let back: Report = serde_json::from_str(&json).unwrap();
        assert_eq!(back, report);
    }
}
