//! `lint --fix` and `lint --diff`: the fixes that are safe and local, as minimal edits of the
//! file's own text (byte ranges replaced), so indentation, comments, key order, quoting and
//! line endings stay as they were:
//!
//! - SV001 (safe): exec on for the service: `false` becomes `true` where the value is, or the
//!   key is added to the service (`"enableExecuteCommand": true`, `EnableExecuteCommand: true`,
//!   `enable_execute_command = true`, Copilot's `exec: true`);
//! - TD002 (safe): `initProcessEnabled` on for the container (JSON and YAML inputs);
//! - TD001 (unsafe, `--unsafe-fixes`): `readonlyRootFilesystem` off, which changes the
//!   container's security posture.
//!
//! Never edited: a value written as an expression or known only at deploy time (there is no
//! finding to fix then), generated inputs (Terraform plans, CDK synth output: the fix belongs in
//! their source), a resource behind CloudFormation conditions, and any place where the text at
//! the position is not the literal the document says (the edit is then reported, not made).

use super::report::{FileReport, InputKind, Syntax};
use super::source::{self, Pos};
use super::spans::{Naming, Target};
use super::tree::{Node, NodeKind};
use super::{Files, LintUnit, Parsed};

/// Whether `lint --fix` applies a check's fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applicability {
    /// Applied by `--fix`.
    Safe,
    /// Applied only with `--unsafe-fixes`.
    Unsafe,
}

/// A fix `--fix` can make: the boolean a check's field is set to, and the one it replaces.
struct Fixable {
    code: &'static str,
    applicability: Applicability,
    value: bool,
    replaces: bool,
}

/// Every fix `--fix` can make; every other fix is manual (text to follow).
const FIXABLE: [Fixable; 3] = [
    Fixable {
        code: "SV001",
        applicability: Applicability::Safe,
        value: true,
        replaces: false,
    },
    Fixable {
        code: "TD002",
        applicability: Applicability::Safe,
        value: true,
        replaces: false,
    },
    Fixable {
        code: "TD001",
        applicability: Applicability::Unsafe,
        value: false,
        replaces: true,
    },
];

fn fixable(code: &str) -> Option<&'static Fixable> {
    FIXABLE.iter().find(|f| f.code == code)
}

/// Whether `--fix` makes a check's fix, and when.
pub fn applicability(code: &str) -> Option<Applicability> {
    fixable(code).map(|f| f.applicability)
}

/// One replacement of `start..end` (bytes) by `text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub start: usize,
    pub end: usize,
    pub text: String,
}

/// A fix planned for one finding, or why it is not made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    pub code: String,
    pub unit: String,
    pub line: u32,
    pub outcome: Result<Edit, String>,
}

/// Plans the fixes for the findings of `report` (the file's lint report) in `bytes`.
pub fn plan(
    bytes: &[u8],
    report: &FileReport,
    files: &dyn Files,
    unsafe_fixes: bool,
) -> Vec<Planned> {
    let decoded = source::utf8(bytes);
    let Ok(text) = source::text(&decoded) else {
        return Vec::new();
    };
    let parsed = super::parse_with(bytes, files);
    let src = Src {
        text,
        lines: source::LineIndex::new(text),
    };
    let mut out = Vec::new();
    for unit_report in &report.units {
        for check in &unit_report.checks {
            let Some(applies) = applicability(&check.code) else {
                continue;
            };
            for f in check.findings.iter().filter(|f| f.suppressed.is_none()) {
                if applies == Applicability::Unsafe && !unsafe_fixes {
                    continue;
                }
                let outcome = parsed
                    .units
                    .iter()
                    .find(|u| u.name == unit_report.name)
                    .ok_or_else(|| "the resource was not found again".to_string())
                    .and_then(|unit| edit(&src, &parsed, unit, &check.code, f.pointer.as_deref()));
                out.push(Planned {
                    code: check.code.clone(),
                    unit: unit_report.name.clone(),
                    line: f.line,
                    outcome,
                });
            }
        }
    }
    out
}

/// Applies non-overlapping edits (later ones first); an edit repeated is made once, and
/// overlapping edits after the first are dropped.
pub fn apply(text: &str, edits: &[&Edit]) -> String {
    let mut sorted: Vec<&Edit> = edits.to_vec();
    sorted.sort_by_key(|e| (e.start, e.end, &e.text));
    sorted.dedup_by(|a, b| a == b || a.start < b.end);
    let mut out = text.to_string();
    for e in sorted.iter().rev() {
        out.replace_range(e.start..e.end, &e.text);
    }
    out
}

fn edit(
    src: &Src<'_>,
    parsed: &Parsed,
    unit: &LintUnit,
    code: &str,
    pointer: Option<&str>,
) -> Result<Edit, String> {
    let text = src.text;
    let fix = fixable(code).ok_or("no fix")?;
    let (value, replaces) = (fix.value, fix.replaces);
    match parsed.kind {
        Some(InputKind::TerraformPlan) => {
            return Err("a plan is generated: fix the configuration it was made from".into());
        }
        // CDK's metadata, its bootstrap-version rule, or its `aws:cdk:path` (integration
        // snapshots keep only some of them).
        Some(InputKind::Cloudformation)
            if [
                "\"aws:cdk:path\"",
                "AWS::CDK::Metadata",
                "CheckBootstrapVersion",
            ]
            .iter()
            .any(|m| text.contains(m)) =>
        {
            return Err("CDK synth output is generated: make the change in the CDK app".into());
        }
        _ => {}
    }
    let doc = parsed.root.as_ref().ok_or("the file was not read")?;
    if matches!(
        parsed.kind,
        Some(InputKind::Service | InputKind::TaskDefinition)
    ) && (doc.get("services").is_some_and(Node::is_seq)
        || doc.get("taskDefinition").is_some_and(Node::is_map))
    {
        return Err("describe output records what AWS has; change the service or register a new revision instead".into());
    }
    if unit.conditions.is_some() {
        return Err("the resource has conditions (Fn::If): change each branch by hand".into());
    }
    let syntax = parsed.syntax.ok_or("the file was not read")?;
    let copilot = unit.resource_type == super::copilot::RESOURCE_TYPE;
    let target = if copilot {
        // Copilot's `exec` is a top-level key of the manifest.
        if code != "SV001" {
            return Err("Copilot generates the container: change the manifest by hand".into());
        }
        match doc.entry("exec") {
            Some(e) => Target::Found(e),
            None => Target::Missing {
                parent: doc,
                keys: vec!["exec".into()],
            },
        }
    } else {
        let pointer = pointer.ok_or("the finding names no field")?;
        unit.locator
            .target(doc, pointer)
            .ok_or("the field's place in the file is not plain data")?
    };
    let terraform = unit.locator.naming == Naming::Terraform;
    match target {
        Target::Found(entry) => {
            let last = pointer.and_then(|p| p.rsplit('/').next()).unwrap_or("exec");
            let spelled = if copilot {
                "exec".to_string()
            } else {
                unit.locator.naming.key(last)
            };
            if entry.key != spelled {
                return Err(format!(
                    "the key is spelled `{}` here, and this input's reader takes `{spelled}`: rename it",
                    entry.key
                ));
            }
            match entry.value.kind {
                NodeKind::Bool(b) if b == replaces => {}
                _ => return Err("the value is not the literal the fix replaces".into()),
            }
            replace_literal(src, entry.value.pos, value)
        }
        Target::Missing { parent, keys } => {
            if terraform
                && (keys.len() != 1
                    || pointer.is_some_and(|p| p.contains("/containerDefinitions/")))
            {
                return Err("container definitions in Terraform: change them by hand".into());
            }
            match (syntax, terraform) {
                (_, true) => insert_hcl(text, unit, &keys[0], value),
                (Syntax::Json, _) => insert_json(src, parent, &keys, value),
                (Syntax::Yaml, _) => insert_yaml(src, parent, &keys, value),
                (Syntax::Hcl, false) => Err("not an HCL resource".into()),
            }
        }
    }
}

/// The text being fixed, with its line index for turning positions into byte offsets.
struct Src<'t> {
    text: &'t str,
    lines: source::LineIndex,
}

impl Src<'_> {
    fn offset(&self, pos: Pos) -> Option<usize> {
        self.lines.offset(self.text, pos)
    }
}

/// Replaces the boolean literal at `pos` (`false`, `no`, `off`, `"false"` is not one) by
/// `value`, when the text there is a boolean word.
fn replace_literal(src: &Src<'_>, pos: Pos, value: bool) -> Result<Edit, String> {
    let text = src.text;
    let start = src.offset(pos).ok_or("the position is outside the file")?;
    let word: String = text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect();
    const WORDS: [&str; 10] = [
        "true", "false", "yes", "no", "on", "off", "y", "n", "True", "False",
    ];
    if !WORDS.iter().any(|w| w.eq_ignore_ascii_case(&word)) {
        return Err("the text at the field is not a boolean literal".into());
    }
    Ok(Edit {
        start,
        end: start + word.len(),
        text: if value { "true" } else { "false" }.into(),
    })
}

/// The whitespace that starts the line holding `offset`, and the line's start.
fn line_start(text: &str, offset: usize) -> (usize, &str) {
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let indent_len = text[start..]
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .map(char::len_utf8)
        .sum::<usize>();
    (start, &text[start..start + indent_len])
}

/// The line ending the file uses.
fn newline(text: &str) -> &'static str {
    if text.contains("\r\n") { "\r\n" } else { "\n" }
}

fn insert_json(src: &Src<'_>, parent: &Node, keys: &[String], value: bool) -> Result<Edit, String> {
    let text = src.text;
    let NodeKind::Map(entries) = &parent.kind else {
        return Err("the parent is not an object".into());
    };
    let open = src
        .offset(parent.pos)
        .ok_or("the position is outside the file")?;
    if text.as_bytes().get(open) != Some(&b'{') {
        return Err("the object's brace is not where the document says".into());
    }
    let mut item = format!("{}", value);
    for key in keys[1..].iter().rev() {
        item = format!("{{\"{key}\": {item}}}");
    }
    let item = format!("\"{}\": {item}", keys[0]);
    let Some(first) = entries.first() else {
        return Ok(Edit {
            start: open + 1,
            end: open + 1,
            text: item,
        });
    };
    let key_at = src
        .offset(first.key_pos)
        .ok_or("the position is outside the file")?;
    let (start, indent) = line_start(text, key_at);
    if start <= open || text[start..key_at].trim() != "" {
        // `{"a": 1, ...}` on one line.
        return Ok(Edit {
            start: open + 1,
            end: open + 1,
            text: format!("{item}, "),
        });
    }
    Ok(Edit {
        start,
        end: start,
        text: format!("{indent}{item},{}", newline(text)),
    })
}

fn insert_yaml(src: &Src<'_>, parent: &Node, keys: &[String], value: bool) -> Result<Edit, String> {
    let text = src.text;
    let NodeKind::Map(entries) = &parent.kind else {
        return Err("the parent is not a mapping".into());
    };
    // After the first entry whose value is a scalar on its own line: the new key goes at the
    // same indentation, and nothing nested is split.
    let anchor = entries
        .iter()
        .find(|e| {
            e.value.pos.line == e.key_pos.line
                && !matches!(e.value.kind, NodeKind::Map(_) | NodeKind::Seq(_))
                && one_line(src, e.key_pos)
        })
        .ok_or("no plain entry to place the key after: change it by hand")?;
    let key_at = src
        .offset(anchor.key_pos)
        .ok_or("the position is outside the file")?;
    let (start, _) = line_start(text, key_at);
    let before = &text[start..key_at];
    if before.contains('{') {
        return Err("a flow mapping: change it by hand".into());
    }
    // `- Name: app`: the sequence dash stands where the indentation continues.
    let column = text[start..key_at].chars().count();
    let nl = newline(text);
    let line_end = text[key_at..]
        .find('\n')
        .map_or(text.len(), |i| key_at + i + 1);
    if line_end == text.len() && !text.ends_with('\n') {
        return Err("the entry is on the file's last line without a newline".into());
    }
    let mut lines = String::new();
    for (depth, key) in keys.iter().enumerate() {
        let pad = " ".repeat(column + 2 * depth);
        if depth + 1 == keys.len() {
            lines.push_str(&format!("{pad}{key}: {value}{nl}"));
        } else {
            lines.push_str(&format!("{pad}{key}:{nl}"));
        }
    }
    Ok(Edit {
        start: line_end,
        end: line_end,
        text: lines,
    })
}

/// Whether the YAML entry whose key is at `key_pos` ends on its line: not a block scalar
/// (`|`, `>`), and the next line is not a continuation indented deeper than the key.
fn one_line(src: &Src<'_>, key_pos: Pos) -> bool {
    let text = src.text;
    let Some(at) = src.offset(key_pos) else {
        return false;
    };
    let (start, _) = line_start(text, at);
    let column = text[start..at].chars().count();
    let rest = &text[at..];
    let (line, after) = rest.split_once('\n').unwrap_or((rest, ""));
    let value = line.split(" #").next().unwrap_or(line).trim_end();
    if value.ends_with(['|', '>'])
        || value.ends_with("|-")
        || value.ends_with(">-")
        || value.ends_with("|+")
        || value.ends_with(">+")
    {
        return false;
    }
    let next = after.lines().find(|l| !l.trim().is_empty());
    next.is_none_or(|l| l.chars().take_while(|c| *c == ' ').count() <= column)
}

/// Adds `key = value` at the end of the Terraform resource block, after a blank line (so
/// `terraform fmt` has no `=` column to realign).
fn insert_hcl(text: &str, unit: &LintUnit, key: &str, value: bool) -> Result<Edit, String> {
    let body = hcl_edit::parser::parse_body(text).map_err(|_| "not valid HCL")?;
    let (ty, name) = unit
        .name
        .split_once('.')
        .ok_or("the resource's address is not TYPE.NAME")?;
    let block = body
        .blocks()
        .find(|b| {
            b.ident.as_str() == "resource"
                && b.labels.len() == 2
                && super::hcl::label_text(&b.labels[0]) == ty
                && super::hcl::label_text(&b.labels[1]) == name
        })
        .ok_or("the resource was not found in this file")?;
    let span = hcl_edit::Span::span(block).ok_or("the resource has no position")?;
    let close = span.end.checked_sub(1).ok_or("empty block")?;
    if text.as_bytes().get(close) != Some(&b'}') {
        return Err("the block's closing brace is not where expected".into());
    }
    let (start, before) = line_start(text, close);
    if text[start..close].trim() != "" {
        return Err("the block closes on a line with other text: change it by hand".into());
    }
    let indent = block
        .body
        .iter()
        .filter_map(hcl_edit::Span::span)
        .next()
        .map(|r| line_start(text, r.start).1.to_string())
        .unwrap_or_else(|| format!("{before}  "));
    let nl = newline(text);
    let previous_blank = text[..start]
        .trim_end_matches(['\n', '\r'])
        .rsplit('\n')
        .next()
        .is_none_or(|l| l.trim().is_empty() || l.trim_end().ends_with('{'));
    let gap = if previous_blank { "" } else { nl };
    Ok(Edit {
        start,
        end: start,
        text: format!("{gap}{indent}{key} = {value}{nl}"),
    })
}

#[cfg(test)]
mod tests;
