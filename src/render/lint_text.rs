//! The human lint report: one block per problem, `path:line:col: severity CODE message`, the
//! source line with a caret under the column, then evidence and the fix. Suppressed findings
//! are only counted.

use std::fmt::Write;

use ecs_exec_doctor_checks::Severity;
use ecs_exec_doctor_checks::lint::{
    Diagnostic, DiagnosticLevel, Excerpt, FileReport, LintFinding, LintReport,
};
use owo_colors::{OwoColorize, Style};

use crate::style::Palette;

/// Excerpts wider than this are cut around the caret (Terraform plans are one long line).
const EXCERPT_WIDTH: usize = 100;

pub fn report(report: &LintReport, color: bool) -> String {
    let p = Palette::new(color);
    let mut out = String::new();
    for file in &report.files {
        for entry in by_position(file) {
            match entry {
                Entry::Diagnostic(d) => {
                    diagnostic(&mut out, &crate::render::safe(&file.path), d, &p)
                }
                Entry::Finding(f) => finding(&mut out, &crate::render::safe(&file.path), f, &p),
            }
        }
    }
    summary(&mut out, report, &p);
    out
}

/// A file's input problems and unsuppressed findings, in source order.
pub enum Entry<'a> {
    Diagnostic(&'a Diagnostic),
    Finding(&'a LintFinding),
}

pub fn by_position(file: &FileReport) -> Vec<Entry<'_>> {
    let mut entries: Vec<(u32, u32, Entry<'_>)> = file
        .diagnostics
        .iter()
        .map(|d| (d.line, d.column, Entry::Diagnostic(d)))
        .chain(
            file.units
                .iter()
                .flat_map(|u| &u.checks)
                .flat_map(|c| &c.findings)
                .filter(|f| f.suppressed.is_none())
                .map(|f| (f.line, f.column, Entry::Finding(f))),
        )
        .collect();
    entries.sort_by_key(|(line, column, _)| (*line, *column));
    entries.into_iter().map(|(_, _, e)| e).collect()
}

fn severity_style(s: Severity, p: &Palette) -> Style {
    match s {
        Severity::Error => p.error,
        Severity::Warning => p.warning,
        Severity::Info => p.info,
    }
}

fn diagnostic(out: &mut String, path: &str, d: &Diagnostic, p: &Palette) {
    let (word, style) = match d.level {
        DiagnosticLevel::Error => ("error", p.error),
        DiagnosticLevel::Warning => ("warning", p.warning),
    };
    let _ = writeln!(
        out,
        "{}: {}: {}",
        format!("{path}:{}:{}", d.line, d.column).style(p.bold),
        word.style(style),
        crate::render::safe(&d.message)
    );
    excerpt(out, d.excerpt.as_ref(), d.line, p);
    out.push('\n');
}

fn finding(out: &mut String, path: &str, f: &LintFinding, p: &Palette) {
    let _ = writeln!(
        out,
        "{}: {} {} {}",
        format!("{path}:{}:{}", f.line, f.column).style(p.bold),
        f.severity.as_str().style(severity_style(f.severity, p)),
        f.code.style(p.bold),
        crate::render::safe(&f.message)
    );
    excerpt(out, f.excerpt.as_ref(), f.line, p);
    let gutter = " ".repeat(f.line.to_string().len() + 1);
    for e in &f.evidence {
        let _ = writeln!(out, "{gutter}{} {e}", "= note:".style(p.dim));
    }
    if let Some(fix) = &f.fix {
        let _ = writeln!(out, "{gutter}{} {}", "= fix:".style(p.bold), fix.title);
        for step in &fix.steps {
            for line in super::step_lines(step) {
                let _ = writeln!(out, "{gutter}    {}", line.style(p.code));
            }
        }
    }
    out.push('\n');
}

/// The source line and a caret under the finding's column, cut to a window around it when
/// long. The excerpt carries the caret's place in its (masked, cut) text; `Excerpt::shown`
/// escapes control characters (a linted file may hold escape sequences: shown, never sent to
/// the terminal) and moves the caret with them.
fn excerpt(out: &mut String, excerpt: Option<&Excerpt>, line: u32, p: &Palette) {
    let Some(excerpt) = excerpt.filter(|e| !e.text.trim().is_empty()) else {
        return;
    };
    let shown = excerpt.shown(EXCERPT_WIDTH);
    let number = line.to_string();
    let gutter = " ".repeat(number.len() + 1);
    let bar = "|".style(p.dim);
    let _ = writeln!(out, "{gutter}{bar}");
    let _ = writeln!(out, "{} {bar} {}", number.style(p.dim), shown.line);
    let _ = writeln!(out, "{gutter}{bar} {}{}", shown.pad, "^".style(p.error));
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn summary(out: &mut String, report: &LintReport, p: &Palette) {
    let s = &report.summary;
    let files = plural(s.files, "file", "files");
    let units = plural(
        s.units,
        "task definition or service",
        "task definitions and services",
    );
    let mut extra = Vec::new();
    if s.suppressed > 0 {
        extra.push(format!("{} suppressed", s.suppressed));
    }
    if s.input_errors > 0 {
        extra.push(
            plural(s.input_errors, "input error", "input errors")
                .style(p.error)
                .to_string(),
        );
    }
    if s.unknown > 0 {
        extra.push(format!(
            "{} unknown from the files alone (lint a plan, or run check, to see them)",
            plural(s.unknown, "check", "checks")
        ));
    }
    let extra = if extra.is_empty() {
        String::new()
    } else {
        format!("; {}", extra.join(", "))
    };
    if s.error + s.warning + s.info == 0 {
        let _ = writeln!(
            out,
            "{} {units} in {files}{extra}",
            "No findings:".style(p.pass)
        );
        return;
    }
    let mut counts = Vec::new();
    if s.error > 0 {
        counts.push(
            plural(s.error, "error", "errors")
                .style(p.error)
                .to_string(),
        );
    }
    if s.warning > 0 {
        counts.push(
            plural(s.warning, "warning", "warnings")
                .style(p.warning)
                .to_string(),
        );
    }
    if s.info > 0 {
        counts.push(format!("{} info", s.info).style(p.info).to_string());
    }
    let _ = writeln!(
        out,
        "{} {} in {units} in {files}{extra} (fail-on {})",
        "Found".style(p.bold),
        counts.join(", "),
        report.fail_on.as_str()
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_are_cut_around_the_column() {
        let p = Palette::new(false);
        let line = "x".repeat(300) + "HERE" + &"y".repeat(300);
        let mut out = String::new();
        let e = Excerpt::of(&line, &[], 301, true);
        excerpt(&mut out, Some(&e), 1, &p);
        let lines: Vec<&str> = out.lines().collect();
        assert!(
            lines[1].starts_with("1 | ...") && lines[1].ends_with("..."),
            "{out}"
        );
        let caret = lines[2].find('^').unwrap();
        assert_eq!(&lines[1][caret..caret + 4], "HERE", "{out}");
    }
}
