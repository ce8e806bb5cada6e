//! JUnit XML (GitLab, Jenkins, Azure Pipelines): one `<testsuite>` per file, one `<testcase>`
//! per check per unit. Findings at or above `--fail-on` are `<failure>`s; findings below it
//! and suppressed ones pass with the details in `<system-out>`; checks that do not apply are
//! `<skipped>`; a file that could not be linted is an `<error>` testcase.

use std::fmt::Write;

use ecs_exec_doctor_checks::lint::{DiagnosticLevel, FileReport, LintFinding, LintReport};
use ecs_exec_doctor_checks::report::Status;

/// Escapes text for XML 1.0 content and attributes; drops characters XML cannot carry.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

/// Escapes element text (newlines kept as such).
fn escape_text(text: &str) -> String {
    escape(text).replace("&#10;", "\n")
}

enum Case {
    Pass,
    Failure { message: String, body: String },
    Error { message: String, body: String },
    Skipped { message: String },
}

struct TestCase {
    name: String,
    classname: String,
    line: u32,
    case: Case,
    out: String,
}

fn finding_text(path: &str, f: &LintFinding) -> String {
    let mut text = format!(
        "{path}:{}:{}: {} {} {}",
        f.line,
        f.column,
        f.severity.as_str(),
        f.code,
        f.message
    );
    for e in &f.evidence {
        text.push_str(&format!("\n  note: {e}"));
    }
    if let Some(fix) = &f.fix {
        text.push_str(&format!("\n  fix: {}", fix.title));
        for step in &fix.steps {
            for line in super::step_lines(step) {
                text.push_str(&format!("\n    {line}"));
            }
        }
    }
    if let Some(s) = &f.suppressed {
        text.push_str(&format!("\n  suppressed: {}", s.reason));
    }
    text
}

fn cases(file: &FileReport, report: &LintReport) -> Vec<TestCase> {
    let mut cases = Vec::new();
    for d in &file.diagnostics {
        let message = format!("{}:{}:{}: {}", file.path, d.line, d.column, d.message);
        cases.push(TestCase {
            name: "input".into(),
            classname: file.path.clone(),
            line: d.line,
            case: match d.level {
                DiagnosticLevel::Error => Case::Error {
                    message: d.message.clone(),
                    body: message,
                },
                DiagnosticLevel::Warning => Case::Skipped {
                    message: d.message.clone(),
                },
            },
            out: String::new(),
        });
    }
    for unit in &file.units {
        for check in &unit.checks {
            let failing: Vec<&LintFinding> = check
                .findings
                .iter()
                .filter(|f| f.suppressed.is_none() && f.severity >= report.fail_on)
                .collect();
            let others: Vec<String> = check
                .findings
                .iter()
                .filter(|f| !failing.iter().any(|x| std::ptr::eq(*x, *f)))
                .map(|f| finding_text(&file.path, f))
                .collect();
            let case = if let Some(first) = failing.first() {
                Case::Failure {
                    message: first.message.clone(),
                    body: failing
                        .iter()
                        .map(|f| finding_text(&file.path, f))
                        .collect::<Vec<_>>()
                        .join("\n\n"),
                }
            } else {
                match check.status {
                    Status::NotApplicable => Case::Skipped {
                        message: format!("not applicable: {}", check.message),
                    },
                    Status::Unknown => Case::Skipped {
                        message: format!("could not be checked: {}", check.message),
                    },
                    _ => Case::Pass,
                }
            };
            cases.push(TestCase {
                name: format!("{} {}", check.code, check.name),
                classname: unit.name.clone(),
                line: check.findings.first().map_or(unit.line, |f| f.line),
                case,
                out: others.join("\n\n"),
            });
        }
    }
    cases
}

pub fn report(report: &LintReport) -> String {
    let suites: Vec<(&FileReport, Vec<TestCase>)> =
        report.files.iter().map(|f| (f, cases(f, report))).collect();
    let count = |cases: &[TestCase], pick: fn(&Case) -> bool| {
        cases.iter().filter(|c| pick(&c.case)).count()
    };
    let failure = |c: &Case| matches!(c, Case::Failure { .. });
    let error = |c: &Case| matches!(c, Case::Error { .. });
    let skipped = |c: &Case| matches!(c, Case::Skipped { .. });
    let all: Vec<&TestCase> = suites.iter().flat_map(|(_, c)| c).collect();
    let total = |pick: fn(&Case) -> bool| all.iter().filter(|c| pick(&c.case)).count();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"ecs-exec-doctor lint\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\">",
        all.len(),
        total(failure),
        total(error),
        total(skipped)
    );
    for (file, cases) in &suites {
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\">",
            escape(&file.path),
            cases.len(),
            count(cases, failure),
            count(cases, error),
            count(cases, skipped)
        );
        for c in cases {
            let open = format!(
                "    <testcase name=\"{}\" classname=\"{}\" file=\"{}\" line=\"{}\"",
                escape(&c.name),
                escape(&c.classname),
                escape(&file.path),
                c.line
            );
            if matches!(c.case, Case::Pass) && c.out.is_empty() {
                let _ = writeln!(out, "{open}/>");
                continue;
            }
            let _ = writeln!(out, "{open}>");
            match &c.case {
                Case::Pass => {}
                Case::Failure { message, body } => {
                    let _ = writeln!(
                        out,
                        "      <failure message=\"{}\" type=\"{}\">{}</failure>",
                        escape(message),
                        escape(c.name.split(' ').next().unwrap_or_default()),
                        escape_text(body)
                    );
                }
                Case::Error { message, body } => {
                    let _ = writeln!(
                        out,
                        "      <error message=\"{}\" type=\"input\">{}</error>",
                        escape(message),
                        escape_text(body)
                    );
                }
                Case::Skipped { message } => {
                    let _ = writeln!(out, "      <skipped message=\"{}\"/>", escape(message));
                }
            }
            if !c.out.is_empty() {
                let _ = writeln!(
                    out,
                    "      <system-out>{}</system-out>",
                    escape_text(&c.out)
                );
            }
            let _ = writeln!(out, "    </testcase>");
        }
        let _ = writeln!(out, "  </testsuite>");
    }
    out.push_str("</testsuites>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(
            escape("a<b>&\"c\"'\n\u{1}\u{7}x"),
            "a&lt;b&gt;&amp;&quot;c&quot;&apos;&#10;x"
        );
        assert_eq!(escape_text("line\n<next>"), "line\n&lt;next&gt;");
    }
}
