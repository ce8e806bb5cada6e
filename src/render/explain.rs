//! `explain`: what a pasted error means (its causes, the checks that confirm them, the fixes),
//! or what a check does. Text for the terminal and JSON here; Markdown in
//! [`super::markdown::explain`].

use std::fmt::Write;

use ecs_exec_doctor_checks::Check;
use ecs_exec_doctor_checks::catalog::evidence::{self, RankedCause, Seen};
use ecs_exec_doctor_checks::catalog::matcher::{CliError, TargetHint};
use ecs_exec_doctor_checks::catalog::pasted::PastedFacts;
use ecs_exec_doctor_checks::catalog::{self, Entry, EntryView, Kind, Match};
use owo_colors::OwoColorize;
use serde_json::json;

use crate::style::Palette;

/// What `explain` found.
pub enum Explanation {
    /// Error text (an argument, stdin or a file).
    Text(TextExplanation),
    /// A catalog entry asked for by id or name (`E01`).
    Entry {
        entry: &'static Entry,
        command: Option<String>,
    },
    /// A check asked for by code or name.
    Check(&'static Check),
}

pub struct TextExplanation {
    /// Every entry found, in rank order (benign ones last).
    pub matches: Vec<Match>,
    /// When nothing was recognised: the closest known problems, ranked by relevance (BM25)
    /// for a text about ECS Exec, else by a misspelt name.
    pub closest: Vec<catalog::retrieval::Hit>,
    /// Whether the text is about ECS, Systems Manager sessions or exec at all.
    pub about_exec: bool,
    /// When the input is one word that is close to a check's name or code.
    pub similar_checks: Vec<String>,
    /// The CLI's `An error occurred (CODE) when calling the OP operation` prefix, if any.
    pub cli_error: Option<CliError>,
    /// Cluster and task named by ARNs in the text.
    pub hint: TargetHint,
    /// Whether the text holds more than benign lines.
    pub has_other_text: bool,
    /// Evidence in the rest of the text, which ranks each entry's causes for this paste.
    pub clues: Vec<Seen>,
    /// Verdicts of the checks the pasted JSON (describe-tasks, task definitions) can feed.
    pub pasted: Vec<PastedFacts>,
}

impl TextExplanation {
    /// The entries to explain: the errors found; the benign notice only when the text is
    /// nothing else.
    pub fn shown(&self) -> Vec<&Match> {
        let errors: Vec<&Match> = self
            .matches
            .iter()
            .filter(|m| m.entry.kind != Kind::Benign)
            .collect();
        if !errors.is_empty() || self.has_other_text {
            errors
        } else {
            self.matches.iter().collect()
        }
    }

    /// Whether the text was recognised (exit 0) or not (exit 1): a known error, or facts
    /// the checks could read.
    pub fn recognised(&self) -> bool {
        !self.shown().is_empty() || !self.pasted.is_empty()
    }

    /// Recognised, or about ECS Exec with known problems close to it: never "unrecognised"
    /// for a text about ECS Exec.
    pub fn answered(&self) -> bool {
        self.recognised() || (self.about_exec && !self.closest.is_empty())
    }

    /// Whether a benign line was recognised but is not shown.
    pub fn benign_noted(&self) -> bool {
        self.matches.iter().any(|m| m.entry.kind == Kind::Benign)
            && self.shown().iter().all(|m| m.entry.kind != Kind::Benign)
    }

    pub fn command(&self, entry: &Entry) -> Option<String> {
        command(entry, &self.hint)
    }

    /// The entry's causes, most likely for this text first.
    pub fn ranked(&self, entry: &'static Entry) -> Vec<RankedCause> {
        evidence::rank(entry, &self.clues)
    }
}

/// The explanation with every string that came from the pasted text (the quoted lines, the
/// words clues matched, the verdicts on pasted JSON, the AWS error code, the target it names)
/// made safe for a terminal ([`super::safe`]), once for every format: a paste is often a log
/// full of colour codes, and may be a hostile one. The quoted lines have already lost their
/// escape sequences and secrets in the matcher; this escapes any other control character.
pub fn sanitized(x: Explanation) -> Explanation {
    let Explanation::Text(mut t) = x else {
        return x; // catalog and check documentation: the doctor's own text
    };
    let clean = |s: &mut String| {
        if let std::borrow::Cow::Owned(safe) = super::safe(s) {
            *s = safe;
        }
    };
    t.matches.iter_mut().for_each(|m| clean(&mut m.excerpt));
    t.clues.iter_mut().for_each(|c| clean(&mut c.excerpt));
    for facts in &mut t.pasted {
        clean(&mut facts.what);
        for v in &mut facts.verdicts {
            clean(&mut v.message);
        }
    }
    if let Some(e) = &mut t.cli_error {
        clean(&mut e.code);
        e.operation.iter_mut().for_each(clean);
    }
    t.hint.cluster.iter_mut().for_each(clean);
    t.hint.task.iter_mut().for_each(clean);
    Explanation::Text(t)
}

/// The entry's causes in catalog order (no text to read evidence from).
pub fn catalog_order(entry: &'static Entry) -> Vec<RankedCause> {
    evidence::rank(entry, &[])
}

/// `ecs-exec-doctor check CLUSTER TASK --select CODES --error KEY` for an entry's checks.
pub fn command(entry: &Entry, hint: &TargetHint) -> Option<String> {
    let checks = entry.checks();
    if checks.is_empty() {
        return None;
    }
    let codes: Vec<&str> = checks.iter().map(|c| c.meta.code).collect();
    Some(format!(
        "ecs-exec-doctor check {} {} --select {} --error {}",
        hint.cluster
            .as_deref()
            .map_or("CLUSTER".into(), shell_quote),
        hint.task.as_deref().map_or("TASK".into(), shell_quote),
        codes.join(","),
        shell_quote(entry.key())
    ))
}

/// Quotes `text` for a POSIX shell when it needs it.
pub fn shell_quote(text: &str) -> String {
    let safe = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:,=@".contains(c));
    if safe {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

const WIDTH: usize = 100;

/// `text` word-wrapped to [`WIDTH`], every line starting with `indent`.
fn wrap(text: &str, indent: &str) -> String {
    wrap_hanging(text, indent, indent)
}

/// `text` word-wrapped to [`WIDTH`]: the first line starts with `first`, the others with `rest`.
fn wrap_hanging(text: &str, first: &str, rest: &str) -> String {
    let mut out = String::new();
    let mut line = String::new();
    let mut indent = first;
    for word in text.split_whitespace() {
        if !line.is_empty() && indent.len() + line.len() + 1 + word.len() > WIDTH {
            let _ = writeln!(out, "{indent}{line}");
            line.clear();
            indent = rest;
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        let _ = writeln!(out, "{indent}{line}");
    }
    out
}

/// The text form.
pub fn text(x: &Explanation, color: bool) -> String {
    let p = Palette::new(color);
    let mut out = String::new();
    match x {
        Explanation::Text(t) => {
            let shown = t.shown();
            if shown.is_empty() && !t.pasted.is_empty() {
                let _ = writeln!(out, "No known ECS Exec error message in this text.");
                pasted_text(&mut out, t, &p);
                return out;
            }
            if shown.is_empty() {
                no_match(&mut out, t, &p);
                return out;
            }
            if shown.len() > 1 {
                let _ = writeln!(
                    out,
                    "{}\n",
                    format!(
                        "{} known errors in this text, most telling first",
                        shown.len()
                    )
                    .style(p.bold)
                );
            }
            for (i, m) in shown.iter().enumerate() {
                if i > 0 {
                    out.push('\n');
                }
                entry_text(
                    &mut out,
                    m.entry,
                    Some(m),
                    &t.ranked(m.entry),
                    t.command(m.entry).as_deref(),
                    &p,
                );
            }
            pasted_text(&mut out, t, &p);
            if t.benign_noted() {
                let _ = writeln!(
                    out,
                    "\n{}",
                    "The \"installed successfully\" line (E12) is printed before every attempt and is not an error."
                        .style(p.dim)
                );
            }
        }
        Explanation::Entry { entry, command } => {
            entry_text(
                &mut out,
                entry,
                None,
                &catalog_order(entry),
                command.as_deref(),
                &p,
            );
        }
        Explanation::Check(check) => check_text(&mut out, check, &p),
    }
    out
}

/// The verdicts on the facts pasted with the error.
fn pasted_text(out: &mut String, t: &TextExplanation, p: &Palette) {
    if t.pasted.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "\n{}",
        "Checks on the facts in this text".style(p.bold)
    );
    for facts in &t.pasted {
        let _ = writeln!(out, "  {}", facts.what);
        for v in &facts.verdicts {
            let mark = match v.status {
                ecs_exec_doctor_checks::Status::Pass => "pass".style(p.pass).to_string(),
                ecs_exec_doctor_checks::Status::Error => "FAIL".style(p.error).to_string(),
                ecs_exec_doctor_checks::Status::Warning => "warn".style(p.warning).to_string(),
                _ => "info".style(p.dim).to_string(),
            };
            let line = format!("{} {}: {}", v.code, v.name, v.message);
            out.push_str(&wrap_hanging(
                &format!("{mark} {line}"),
                "    ",
                "         ",
            ));
        }
    }
    let _ = writeln!(
        out,
        "  {}",
        "only what the paste holds was checked; ecs-exec-doctor check CLUSTER TASK checks the rest"
            .style(p.dim)
    );
}

fn entry_text(
    out: &mut String,
    e: &'static Entry,
    found: Option<&Match>,
    causes: &[RankedCause],
    command: Option<&str>,
    p: &Palette,
) {
    let _ = writeln!(
        out,
        "{} {}",
        format!("{} ({}):", e.name, e.id).style(p.bold),
        e.title
    );
    let note = e.phase_note.map(|n| format!(", {n}")).unwrap_or_default();
    let _ = writeln!(
        out,
        "  {}",
        format!(
            "phase {} ({}{note}), shows in {}",
            e.phase.as_str(),
            e.phase.title(),
            e.surface.title()
        )
        .style(p.dim)
    );
    match found {
        Some(m) => {
            let times = if m.occurrences > 1 {
                format!(" (seen {} times)", m.occurrences)
            } else {
                String::new()
            };
            let _ = writeln!(out, "  matched: {}{times}", m.excerpt.style(p.code));
        }
        None => {
            let _ = writeln!(out, "  message: {}", e.message.style(p.code));
        }
    }
    match e.kind {
        Kind::Error => {}
        Kind::Informational => {
            let _ = writeln!(out, "  expected behaviour, not a misconfiguration");
        }
        Kind::Benign => {
            let _ = writeln!(out, "  benign: this is not an error");
        }
    }
    let _ = writeln!(out, "\n  {}", "What it means".style(p.bold));
    out.push_str(&wrap(e.meaning, "    "));
    let moved = causes.iter().any(|c| c.reason().is_some());
    let heading = if moved {
        "Causes, most likely for this text first"
    } else {
        "Causes, most likely first"
    };
    let _ = writeln!(out, "\n  {}", heading.style(p.bold));
    for ranked in causes {
        let c = ranked.source;
        let marker = format!("{:>2}. ", ranked.rank);
        let body = wrap(c.cause, "        ");
        let _ = write!(out, "    {marker}{}", body.trim_start());
        if let Some(reason) = ranked.reason() {
            let why = wrap_hanging(&format!("why: {reason}"), "        ", "          ");
            out.push_str(&why.style(p.dim).to_string());
        }
        if !c.checks.is_empty() {
            let checks: Vec<String> = c
                .checks
                .iter()
                .map(|k| format!("{} {}", k.meta.code.style(p.code), k.meta.name))
                .collect();
            let _ = writeln!(out, "        confirm: {}", checks.join(", "));
        }
        if let Some(by_hand) = c.confirm {
            let label = if c.checks.is_empty() {
                "confirm by hand: "
            } else {
                "also look: "
            };
            let body = wrap_hanging(&format!("{label}{by_hand}"), "        ", "          ");
            out.push_str(&body);
        }
        out.push_str(&wrap_hanging(
            &format!("fix: {}", c.fix),
            "        ",
            "          ",
        ));
    }
    if let Some(command) = command {
        let _ = writeln!(
            out,
            "\n  {}\n    $ {}",
            "Run the checks that confirm these causes".style(p.bold),
            command.style(p.code)
        );
    }
}

fn no_match(out: &mut String, t: &TextExplanation, p: &Palette) {
    let _ = writeln!(
        out,
        "{}",
        "no known ECS Exec error signature in this text".style(p.bold)
    );
    if let Some(e) = &t.cli_error {
        let op = e
            .operation
            .as_deref()
            .map(|o| format!(" from {o}"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  it is the AWS error {}{op}, which the catalog does not cover",
            e.code
        );
    }
    if t.matches.iter().any(|m| m.entry.kind == Kind::Benign) {
        let _ = writeln!(
            out,
            "  the \"installed successfully\" line (E12) in it is printed before every attempt and is not an error"
        );
    }
    if t.closest.is_empty() {
        let _ = writeln!(out, "  nothing in the catalog is close to it");
    } else if t.about_exec {
        let _ = writeln!(
            out,
            "\n  no exact signature; the closest known problems, by the words they share with it:"
        );
        for h in &t.closest {
            let _ = writeln!(
                out,
                "    {} {}: {} ({} confidence; matched: {})",
                h.entry.id,
                h.entry.name.style(p.bold),
                h.entry.title,
                confidence_word(h.confidence),
                h.matched_words()
            );
        }
        let _ = writeln!(
            out,
            "    `ecs-exec-doctor explain {}` shows its causes, checks and fixes",
            t.closest[0].entry.id
        );
    } else {
        let _ = writeln!(out, "\n  closest known errors:");
        for h in &t.closest {
            let _ = writeln!(
                out,
                "    {} {}: {}",
                h.entry.id,
                h.entry.name.style(p.bold),
                h.entry.title
            );
        }
    }
    if !t.similar_checks.is_empty() {
        let _ = writeln!(
            out,
            "\n  checks with a similar name: {}",
            t.similar_checks.join(", ")
        );
    }
    let _ = writeln!(
        out,
        "\n  `ecs-exec-doctor check CLUSTER TASK` diagnoses the task whatever the message said;\n  `ecs-exec-doctor explain E01` (to E{:02}) shows any known error",
        catalog::ENTRIES.len()
    );
}

fn check_text(out: &mut String, check: &'static Check, p: &Palette) {
    let m = &check.meta;
    let heuristic = if m.heuristic { ", heuristic" } else { "" };
    let _ = writeln!(
        out,
        "{} ({}, {}{heuristic})",
        format!("{} {}", m.code, m.name).style(p.bold),
        m.severity.as_str(),
        m.category.title()
    );
    let _ = writeln!(out, "{}", m.summary);
    for line in m.docs().lines() {
        match line.strip_prefix("## ") {
            Some(h) => {
                let _ = writeln!(out, "\n{}", h.style(p.bold));
            }
            None if line.trim().is_empty() => {}
            None => {
                let _ = writeln!(out, "  {line}");
            }
        }
    }
    let explains = catalog::entries_for(m.code);
    if !explains.is_empty() {
        let _ = writeln!(out, "\n{}", "Errors it explains".style(p.bold));
        for (e, rank) in explains {
            let _ = writeln!(
                out,
                "  {} {} (cause {rank}): {}",
                e.id,
                e.name,
                e.causes[rank - 1].cause
            );
        }
    }
    let _ = writeln!(
        out,
        "\n{}\n  $ {}",
        "Run it".style(p.bold),
        format!("ecs-exec-doctor check CLUSTER TASK --select {}", m.code).style(p.code)
    );
}

/// The JSON form.
pub fn json(x: &Explanation) -> String {
    let entry_json = |e: &'static Entry, command: Option<String>| {
        let mut v = serde_json::to_value(EntryView::from(e)).expect("serialises");
        v["command"] = json!(command);
        v
    };
    let value = match x {
        Explanation::Text(t) => {
            let matches: Vec<serde_json::Value> = t
                .shown()
                .iter()
                .map(|m| {
                    let mut v = entry_json(m.entry, t.command(m.entry));
                    // One order: the causes as the text shows them, ranked for this paste,
                    // each with its catalog position and the clues that moved it.
                    let catalog = v["causes"].as_array().cloned().unwrap_or_default();
                    v["causes"] = t
                        .ranked(m.entry)
                        .iter()
                        .map(|rc| {
                            let mut c = catalog
                                .get(rc.catalog_rank - 1)
                                .cloned()
                                .unwrap_or_default();
                            c["rank"] = json!(rc.rank);
                            c["because"] = json!(rc.because);
                            c["against"] = json!(rc.against);
                            c
                        })
                        .collect();
                    v["strength"] = json!(m.strength);
                    v["excerpt"] = json!(m.excerpt);
                    v["occurrences"] = json!(m.occurrences);
                    v
                })
                .collect();
            json!({
                "input": "text",
                "recognised": t.recognised(),
                "matches": matches,
                "benign": t.matches.iter().filter(|m| m.entry.kind == Kind::Benign).map(|m| m.entry.id).collect::<Vec<_>>(),
                "aws_error": t.cli_error.as_ref().map(|e| json!({"code": e.code, "operation": e.operation})),
                "about_exec": t.about_exec,
                "closest": t.closest.iter().map(|h| json!({"id": h.entry.id, "name": h.entry.name, "title": h.entry.title, "matched": h.matched, "confidence": h.confidence})).collect::<Vec<_>>(),
                "similar_checks": t.similar_checks,
                "clues": t.clues,
                "pasted_facts": t.pasted,
            })
        }
        Explanation::Entry { entry, command } => json!({
            "input": "entry",
            "recognised": true,
            "matches": [entry_json(entry, command.clone())],
        }),
        Explanation::Check(check) => {
            let m = &check.meta;
            json!({
                "input": "check",
                "code": m.code,
                "name": m.name,
                "category": m.category,
                "severity": m.severity,
                "heuristic": m.heuristic,
                "summary": m.summary,
                "docs": m.docs(),
                "explains": catalog::entries_for(m.code)
                    .into_iter()
                    .map(|(e, rank)| json!({"id": e.id, "name": e.name, "rank": rank, "cause": e.causes[rank - 1].cause}))
                    .collect::<Vec<_>>(),
                "command": format!("ecs-exec-doctor check CLUSTER TASK --select {}", m.code),
            })
        }
    };
    serde_json::to_string_pretty(&value).expect("serialises") + "\n"
}

fn confidence_word(c: catalog::retrieval::Confidence) -> &'static str {
    match c {
        catalog::retrieval::Confidence::High => "high",
        catalog::retrieval::Confidence::Medium => "medium",
        catalog::retrieval::Confidence::Low => "low",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(
            shell_quote("TargetNotConnectedException"),
            "TargetNotConnectedException"
        );
        assert_eq!(shell_quote("isn't running"), "'isn'\\''t running'");
        assert_eq!(shell_quote("$PATH"), "'$PATH'");
    }

    #[test]
    fn wrapping_keeps_words_and_indent() {
        let long = "word ".repeat(40);
        let wrapped = wrap(&long, "    ");
        assert!(
            wrapped
                .lines()
                .all(|l| l.len() <= WIDTH && l.starts_with("    word"))
        );
        assert_eq!(wrapped.split_whitespace().count(), 40);
    }

    #[test]
    fn commands_use_the_target_from_the_text() {
        let e = catalog::find("E01").unwrap();
        let hint = TargetHint {
            cluster: Some("prod".into()),
            task: Some("0123456789abcdef0123456789abcdef".into()),
        };
        let c = command(e, &hint).unwrap();
        assert!(
            c.starts_with(
                "ecs-exec-doctor check prod 0123456789abcdef0123456789abcdef --select IR001,IR002,"
            ),
            "{c}"
        );
        assert!(c.ends_with("--error TargetNotConnectedException"), "{c}");
        assert!(command(catalog::find("E28").unwrap(), &TargetHint::default()).is_none());
    }
}
