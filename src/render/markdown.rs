//! Markdown for tickets and GitHub issues: a summary table, then each finding with its fix.

use std::fmt::Write;

use ecs_exec_doctor_checks::outcome::FixStep;
use ecs_exec_doctor_checks::report::{Report, Status};

/// Escapes a table cell.
pub fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

pub fn check_report(report: &Report) -> String {
    let mut out = String::new();
    let t = &report.target;
    let _ = writeln!(
        out,
        "## ecs-exec-doctor: cluster `{}`{}\n",
        t.cluster,
        match report.tasks.as_slice() {
            [one] => format!(", task `{one}`"),
            [] => String::new(),
            many => format!(", {} tasks", many.len()),
        }
    );
    let s = &report.summary;
    let _ = writeln!(
        out,
        "**{} errors, {} warnings, {} info, {} unknown, {} passed, {} not applicable** (region `{}`)\n",
        s.error, s.warning, s.info, s.unknown, s.pass, s.not_applicable, t.region
    );
    let _ = writeln!(
        out,
        "| Status | Code | Check | Result |\n| --- | --- | --- | --- |"
    );
    for r in &report.results {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            r.status.as_str(),
            r.code,
            r.name,
            cell(&r.message)
        );
    }
    let problems: Vec<_> = report
        .results
        .iter()
        .filter(|r| matches!(r.status, Status::Error | Status::Warning | Status::Info))
        .collect();
    if !problems.is_empty() {
        let _ = writeln!(out, "\n### Findings and fixes");
    }
    for r in problems {
        for f in &r.findings {
            let _ = writeln!(
                out,
                "\n#### {} `{}` {}: {}\n",
                f.severity.as_str(),
                r.code,
                r.name,
                f.message
            );
            for e in &f.evidence {
                let _ = writeln!(out, "- {e}");
            }
            if let Some(fix) = &f.fix {
                let _ = writeln!(out, "\n**Fix:** {}\n", fix.title);
                for step in &fix.steps {
                    match step {
                        FixStep::Command { command } => {
                            let _ = writeln!(out, "```sh\n{command}\n```");
                        }
                        FixStep::Policy {
                            attach_to,
                            document,
                        } => {
                            let _ = writeln!(
                                out,
                                "Policy for `{attach_to}`:\n```json\n{}\n```",
                                serde_json::to_string_pretty(document).expect("serialises")
                            );
                        }
                        FixStep::TaskDefinition {
                            container,
                            field,
                            value,
                        } => {
                            let at = container
                                .as_deref()
                                .map(|c| format!(" in container `{c}`"))
                                .unwrap_or_default();
                            let _ = writeln!(out, "- set `{field}` to `{value}`{at}");
                        }
                        FixStep::Note { text } => {
                            let _ = writeln!(out, "- {text}");
                        }
                    }
                }
            }
        }
    }
    let unknown: Vec<_> = report
        .results
        .iter()
        .filter(|r| r.status == Status::Unknown)
        .collect();
    if !unknown.is_empty() {
        let _ = writeln!(out, "\n### Could not be checked\n");
        for r in unknown {
            let need = r
                .missing_action
                .as_deref()
                .map(|a| format!(" (needs `{a}`)"))
                .unwrap_or_default();
            let _ = writeln!(out, "- `{}` {}: {}{need}", r.code, r.name, r.message);
        }
    }
    out
}
