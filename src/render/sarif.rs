//! SARIF 2.1.0 for GitHub code scanning, written with our own serde structs. Rules come from
//! the registry (summary, docs, a link to `docs/checks/<CODE>.md`); results carry
//! repository-relative locations, a stable partial fingerprint and, when suppressed, a
//! `suppressions` entry with the reason. Files that could not be linted are tool execution
//! notifications with their position, and make `executionSuccessful` false.

use std::collections::BTreeMap;

use ecs_exec_doctor_checks::lint::{
    self, DiagnosticLevel, LintFinding, LintReport, SuppressionKind,
};
use ecs_exec_doctor_checks::runner::Selection;
use ecs_exec_doctor_checks::{CheckMeta, Severity};
use serde::Serialize;

pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Where the working directory is in the repository, for repository-relative URIs.
pub struct Context {
    /// `/`-separated, empty at the repository root.
    pub repo_prefix: String,
}

impl Context {
    /// The repository-relative, percent-encoded URI of a displayed path.
    pub fn uri(&self, path: &str) -> String {
        let joined = if self.repo_prefix.is_empty() || path.starts_with('/') {
            path.to_string()
        } else {
            format!("{}/{path}", self.repo_prefix)
        };
        let mut parts: Vec<&str> = Vec::new();
        for seg in joined.split('/') {
            match seg {
                "" | "." if !parts.is_empty() || !joined.starts_with('/') => {}
                ".." if parts.last().is_some_and(|p| *p != "..") => {
                    parts.pop();
                }
                s => parts.push(s),
            }
        }
        percent_encode(&parts.join("/"))
    }
}

fn percent_encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'a str,
    version: &'a str,
    runs: Vec<Run>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    invocations: Vec<Invocation>,
    results: Vec<SarifResult>,
    column_kind: &'static str,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: String,
    version: String,
    semantic_version: String,
    information_uri: String,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: String,
    name: String,
    short_description: Text,
    full_description: Text,
    help: Text,
    help_uri: String,
    default_configuration: Configuration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct Text {
    text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    markdown: Option<String>,
}

impl Text {
    fn plain(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            markdown: None,
        }
    }
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    tags: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Serialize)]
struct Notification {
    level: &'static str,
    message: Text,
    locations: Vec<Location>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: String,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: Vec<Location>,
    partial_fingerprints: BTreeMap<&'static str, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<SarifSuppression>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    logical_locations: Vec<LogicalLocation>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    uri_base_id: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    start_column: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation {
    name: String,
    fully_qualified_name: String,
    kind: &'static str,
}

#[derive(Serialize)]
struct SarifSuppression {
    kind: &'static str,
    status: &'static str,
    justification: String,
}

pub const URI_BASE: &str = "%SRCROOT%";

/// The documentation page of a check in the repository.
pub fn help_uri(code: &str) -> String {
    format!(
        "{}/blob/main/docs/checks/{code}.md",
        env!("CARGO_PKG_REPOSITORY")
    )
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// The first paragraph of the doc section `## What it checks`.
fn what_it_checks(docs: &str) -> String {
    docs.split("## What it checks")
        .nth(1)
        .and_then(|s| s.split("\n\n").find(|p| !p.trim().is_empty()))
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn rule(meta: &CheckMeta) -> Rule {
    let docs = meta.docs();
    Rule {
        id: meta.code.into(),
        name: meta.name.into(),
        short_description: Text::plain(meta.summary),
        full_description: Text::plain(what_it_checks(&docs)),
        help: Text {
            text: docs.clone(),
            markdown: Some(docs),
        },
        help_uri: help_uri(meta.code),
        default_configuration: Configuration {
            level: level(meta.severity),
        },
        properties: RuleProperties {
            tags: vec![
                "ecs-exec".into(),
                format!("{:?}", meta.category).to_lowercase(),
            ],
        },
    }
}

/// FNV-1a, 64 bits: stable across Rust versions and platforms.
pub fn fingerprint(parts: &[&str]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in part.bytes().chain([0u8]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

fn message(f: &LintFinding) -> String {
    let mut text = f.message.clone();
    if let Some(fix) = &f.fix {
        text.push_str(&format!("\nfix: {}", fix.title));
        for step in &fix.steps {
            for line in super::step_lines(step) {
                text.push_str(&format!("\n  {line}"));
            }
        }
    }
    text
}

fn location(ctx: &Context, path: &str, line: u32, column: u32) -> Location {
    Location {
        physical_location: PhysicalLocation {
            artifact_location: ArtifactLocation {
                uri: ctx.uri(path),
                uri_base_id: URI_BASE,
            },
            region: Region {
                start_line: line.max(1),
                start_column: column.max(1),
            },
        },
        logical_locations: Vec::new(),
    }
}

pub fn report(report: &LintReport, selection: &Selection, ctx: &Context) -> String {
    let checks = lint::lint_checks(selection);
    let rules: Vec<Rule> = checks.iter().map(|c| rule(&c.meta)).collect();
    let mut results = Vec::new();
    let mut notifications = Vec::new();
    for file in &report.files {
        for d in &file.diagnostics {
            notifications.push(Notification {
                level: match d.level {
                    DiagnosticLevel::Error => "error",
                    DiagnosticLevel::Warning => "warning",
                },
                message: Text::plain(&d.message),
                locations: vec![location(ctx, &file.path, d.line, d.column)],
            });
        }
        for unit in &file.units {
            for f in unit.checks.iter().flat_map(|c| &c.findings) {
                let uri = ctx.uri(&file.path);
                let mut loc = location(ctx, &file.path, f.line, f.column);
                loc.logical_locations.push(LogicalLocation {
                    name: unit.name.clone(),
                    fully_qualified_name: format!("{uri}#{}", unit.name),
                    kind: "resource",
                });
                let mut fingerprints = BTreeMap::new();
                fingerprints.insert(
                    "ecsExecDoctor/v1",
                    fingerprint(&[
                        &f.code,
                        &uri,
                        &unit.name,
                        f.pointer.as_deref().unwrap_or_default(),
                        f.subject.as_deref().unwrap_or_default(),
                    ]),
                );
                results.push(SarifResult {
                    rule_index: checks
                        .iter()
                        .position(|c| c.meta.code == f.code)
                        .unwrap_or_default(),
                    rule_id: f.code.clone(),
                    level: level(f.severity),
                    message: Text::plain(message(f)),
                    locations: vec![loc],
                    partial_fingerprints: fingerprints,
                    suppressions: f
                        .suppressed
                        .iter()
                        .map(|s| SarifSuppression {
                            kind: match s.kind {
                                SuppressionKind::Config => "external",
                                SuppressionKind::Comment | SuppressionKind::Metadata => "inSource",
                            },
                            status: "accepted",
                            justification: s.reason.clone(),
                        })
                        .collect(),
                });
            }
        }
    }
    let version = report.tool.version.clone();
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: report.tool.name.clone(),
                    semantic_version: version.clone(),
                    version,
                    information_uri: env!("CARGO_PKG_REPOSITORY").into(),
                    rules,
                },
            },
            invocations: vec![Invocation {
                execution_successful: report.summary.input_errors == 0,
                tool_execution_notifications: notifications,
            }],
            results,
            column_kind: "unicodeCodePoints",
        }],
    };
    serde_json::to_string_pretty(&log).expect("SARIF serialises") + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_repository_relative_and_encoded() {
        let ctx = Context {
            repo_prefix: "infra".into(),
        };
        assert_eq!(ctx.uri("task defs/a.json"), "infra/task%20defs/a.json");
        assert_eq!(ctx.uri("../b.json"), "b.json");
        let root = Context {
            repo_prefix: String::new(),
        };
        assert_eq!(root.uri("./a/./b.json"), "a/b.json");
    }

    #[test]
    fn fingerprints_are_stable() {
        assert_eq!(
            fingerprint(&["TD001", "a.json"]),
            fingerprint(&["TD001", "a.json"])
        );
        assert_ne!(
            fingerprint(&["TD001", "a.json"]),
            fingerprint(&["TD001a", ".json"])
        );
        assert_eq!(fingerprint(&[]), "cbf29ce484222325");
    }
}
