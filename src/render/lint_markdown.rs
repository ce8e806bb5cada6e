//! The lint report in Markdown (pull-request comments, job summaries): counts, a table of
//! findings, then each finding with `file:line` and its fix; suppressed findings and input
//! problems are listed at the end.

use std::fmt::Write;

use ecs_exec_doctor_checks::lint::{DiagnosticLevel, LintFinding, LintReport};
use ecs_exec_doctor_checks::outcome::FixStep;

use super::step_lines;

/// Escapes a table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

fn location(path: &str, f: &LintFinding) -> String {
    format!("{path}:{}:{}", f.line, f.column)
}

pub fn report(report: &LintReport) -> String {
    let mut out = String::from("## ecs-exec-doctor lint\n\n");
    let s = &report.summary;
    let _ = writeln!(
        out,
        "**{} errors, {} warnings, {} info** in {} task definitions and services in {} files ({} suppressed, {} input errors; fail-on {})\n",
        s.error,
        s.warning,
        s.info,
        s.units,
        s.files,
        s.suppressed,
        s.input_errors,
        report.fail_on.as_str()
    );
    let mut findings: Vec<(&str, &str, &LintFinding)> = report
        .findings()
        .filter(|(_, _, f)| f.suppressed.is_none())
        .map(|(file, unit, f)| (file.path.as_str(), unit.name.as_str(), f))
        .collect();
    // files stay in report order; within a file, source order
    findings.sort_by_key(|(path, _, f)| {
        (
            report.files.iter().position(|file| file.path == *path),
            f.line,
            f.column,
        )
    });
    if findings.is_empty() {
        out.push_str("No findings.\n");
    } else {
        out.push_str("| Severity | Code | Location | Resource | Finding |\n| --- | --- | --- | --- | --- |\n");
        for (path, unit, f) in &findings {
            let _ = writeln!(
                out,
                "| {} | {} | `{}` | `{}` | {} |",
                f.severity.as_str(),
                f.code,
                location(path, f),
                cell(unit),
                cell(&f.message)
            );
        }
        out.push_str("\n### Findings and fixes\n");
        for (path, _, f) in &findings {
            let _ = writeln!(
                out,
                "\n#### {} `{}` {} at `{}`\n\n{}\n",
                f.severity.as_str(),
                f.code,
                f.name,
                location(path, f),
                f.message
            );
            for e in &f.evidence {
                let _ = writeln!(out, "- {e}");
            }
            if let Some(fix) = &f.fix {
                let _ = writeln!(out, "**Fix:** {}\n", fix.title);
                for step in &fix.steps {
                    match step {
                        FixStep::Command { command } => {
                            let _ = writeln!(out, "```sh\n{command}\n```");
                        }
                        FixStep::Note { text } => {
                            let _ = writeln!(out, "- {text}");
                        }
                        other => {
                            let lines = step_lines(other);
                            if lines.len() == 1 {
                                let _ = writeln!(out, "- `{}`", lines[0].replace('`', "'"));
                            } else {
                                let _ = writeln!(out, "```\n{}\n```", lines.join("\n"));
                            }
                        }
                    }
                }
            }
        }
    }
    let suppressed: Vec<_> = report
        .findings()
        .filter(|(_, _, f)| f.suppressed.is_some())
        .collect();
    if !suppressed.is_empty() {
        out.push_str("\n### Suppressed\n\n");
        for (file, _, f) in suppressed {
            let reason = f
                .suppressed
                .as_ref()
                .map(|s| s.reason.as_str())
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "- `{}` {} at `{}`: {reason}",
                f.code,
                f.name,
                location(&file.path, f)
            );
        }
    }
    let problems: Vec<_> = report
        .files
        .iter()
        .flat_map(|file| file.diagnostics.iter().map(move |d| (file, d)))
        .collect();
    if !problems.is_empty() {
        out.push_str("\n### Input problems\n\n");
        for (file, d) in problems {
            let level = match d.level {
                DiagnosticLevel::Error => "error",
                DiagnosticLevel::Warning => "warning",
            };
            let _ = writeln!(
                out,
                "- {level} at `{}:{}:{}`: {}",
                file.path, d.line, d.column, d.message
            );
        }
    }
    out
}
