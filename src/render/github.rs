//! GitHub Actions workflow commands: one `::error`/`::warning`/`::notice` annotation per
//! unsuppressed finding and per input problem, with a repository-relative `file`, `line` and
//! `col`, then a plain summary line.

use std::fmt::Write;

use ecs_exec_doctor_checks::Severity;
use ecs_exec_doctor_checks::lint::{DiagnosticLevel, LintReport};

use super::lint_text::Entry;
use super::sarif::Context;

/// Escapes a message (the part after `::`).
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value (`file=`, `title=`).
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

fn command(level: &str, file: &str, line: u32, col: u32, title: &str, message: &str) -> String {
    format!(
        "::{level} file={},line={line},col={col},title={}::{}",
        escape_property(file),
        escape_property(title),
        escape_data(message)
    )
}

pub fn report(report: &LintReport, ctx: &Context) -> String {
    let mut out = String::new();
    for file in &report.files {
        let uri = ctx.uri(&file.path);
        let path = percent_decode(&uri);
        for entry in super::lint_text::by_position(file) {
            let line = match entry {
                Entry::Diagnostic(d) => command(
                    match d.level {
                        DiagnosticLevel::Error => "error",
                        DiagnosticLevel::Warning => "warning",
                    },
                    &path,
                    d.line,
                    d.column,
                    "ecs-exec-doctor",
                    &d.message,
                ),
                Entry::Finding(f) => {
                    let level = match f.severity {
                        Severity::Error => "error",
                        Severity::Warning => "warning",
                        Severity::Info => "notice",
                    };
                    let mut message = f.message.clone();
                    if let Some(fix) = &f.fix {
                        message.push_str(&format!("\nfix: {}", fix.title));
                        for step in &fix.steps {
                            for line in super::step_lines(step) {
                                message.push_str(&format!("\n  {line}"));
                            }
                        }
                    }
                    command(
                        level,
                        &path,
                        f.line,
                        f.column,
                        &format!("{} {}", f.code, f.name),
                        &message,
                    )
                }
            };
            let _ = writeln!(out, "{line}");
        }
    }
    let s = &report.summary;
    let _ = writeln!(
        out,
        "ecs-exec-doctor lint: {} errors, {} warnings, {} info, {} suppressed, {} input errors in {} files",
        s.error, s.warning, s.info, s.suppressed, s.input_errors, s.files
    );
    out
}

/// Annotations take a plain path, not a URI.
fn percent_decode(uri: &str) -> String {
    let bytes = uri.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(v) = uri
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_workflow_commands() {
        assert_eq!(
            command(
                "error",
                "a,b:c.json",
                3,
                4,
                "TD001 x",
                "50% done\r\nnext: a, b"
            ),
            "::error file=a%2Cb%3Ac.json,line=3,col=4,title=TD001 x::50%25 done%0D%0Anext: a, b"
        );
        assert_eq!(percent_decode("task%20defs/a.json"), "task defs/a.json");
    }
}
