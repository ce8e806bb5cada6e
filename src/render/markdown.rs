//! Markdown for tickets and GitHub issues: a summary table, then each finding with its fix.
//!
//! The helpers ([`cell`], [`inline`], [`code`], [`fence`], [`finding`], [`fix`]) are shared
//! by every Markdown output (`check`, `explain`, `lint`), so escaping is done one way.

use std::fmt::Write;

use ecs_exec_doctor_checks::Check;
use ecs_exec_doctor_checks::catalog::relate::{ErrorContext, ErrorVerdict};
use ecs_exec_doctor_checks::catalog::{self, Entry, Kind};
use ecs_exec_doctor_checks::outcome::{Finding, Fix, FixStep};
use ecs_exec_doctor_checks::report::{CheckResult, Report, Status};

use super::explain::{Explanation, TextExplanation};

/// Text for a table cell: like [`inline`], with `|` escaped and line breaks as spaces.
pub fn cell(text: &str) -> String {
    inline(&text.split_whitespace().collect::<Vec<_>>().join(" ")).replace('|', "\\|")
}

/// Text for a paragraph, heading or list item: backticks that pair into code spans are kept
/// (the checks' messages quote names that way), an unpaired backtick is escaped, and `<` is
/// escaped outside code spans so AWS's XML error bodies do not turn into HTML.
pub fn inline(text: &str) -> String {
    let ticks = text.matches('`').count();
    let mut out = String::with_capacity(text.len());
    let mut in_code = false;
    for c in text.chars() {
        match c {
            '`' if ticks % 2 == 1 => out.push_str("\\`"),
            '`' => {
                in_code = !in_code;
                out.push(c);
            }
            '<' if !in_code => out.push_str("&lt;"),
            _ => out.push(c),
        }
    }
    out
}

/// An inline code span that holds any text (backticks included).
pub fn code(text: &str) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let longest = longest_backtick_run(&text);
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

/// A fenced code block whose fence is longer than any backtick run inside.
pub fn fence(lang: &str, body: &str) -> String {
    let fence = "`".repeat((longest_backtick_run(body) + 1).max(3));
    format!("{fence}{lang}\n{}\n{fence}\n", body.trim_end_matches('\n'))
}

fn longest_backtick_run(text: &str) -> usize {
    text.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

/// One finding: a `####` heading, its evidence, and its fix.
pub fn finding(out: &mut String, heading: &str, f: &Finding) {
    let _ = writeln!(out, "\n#### {}\n", inline(heading));
    if let Some(subject) = &f.subject {
        let _ = writeln!(out, "- subject: {}", code(subject));
    }
    for e in &f.evidence {
        let _ = writeln!(out, "- {}", inline(e));
    }
    if let Some(x) = &f.fix {
        fix(out, x);
    }
}

/// A fix: its title, then each step (commands and policies as code blocks).
pub fn fix(out: &mut String, fix: &Fix) {
    let _ = writeln!(out, "\n**Fix:** {}\n", inline(&fix.title));
    for step in &fix.steps {
        match step {
            FixStep::Command { command } => {
                out.push_str(&fence("sh", command));
                out.push('\n');
            }
            FixStep::Policy {
                attach_to,
                document,
            } => {
                let _ = writeln!(out, "Policy for {}:\n", code(attach_to));
                out.push_str(&fence(
                    "json",
                    &serde_json::to_string_pretty(document).expect("serialises"),
                ));
                out.push('\n');
            }
            FixStep::TaskDefinition {
                container,
                field,
                value,
            } => {
                let at = container
                    .as_deref()
                    .map(|c| format!(" in container {}", code(c)))
                    .unwrap_or_default();
                let _ = writeln!(
                    out,
                    "- set {} to {}{at}",
                    code(field),
                    code(&value.to_string())
                );
            }
            FixStep::Note { text } => {
                let _ = writeln!(out, "- {}", inline(text));
            }
        }
    }
}

/// `--probe`: each session's headline and stages, first (verified outranks inferred).
fn probe_tables(out: &mut String, report: &Report) {
    for probe in &report.probes {
        let _ = writeln!(
            out,
            "\n### Probe: {}\n\n| Status | Stage | Time | Detail |\n| --- | --- | --- | --- |",
            cell(&probe.headline())
        );
        for s in &probe.stages {
            let _ = writeln!(
                out,
                "| {} | {} | {} ms | {} |",
                status_word(s.status),
                s.stage.title(),
                s.millis,
                cell(&s.detail)
            );
        }
        if let Some(failed) = probe.failed_stage() {
            let _ = writeln!(
                out,
                "\nWhat the APIs cannot show at this stage: {}",
                cell(failed.blind_spots())
            );
        }
        if let Some(command) = &probe.close_command {
            let _ = writeln!(
                out,
                "\nThe session is still open; close it: {}",
                code(command)
            );
        }
    }
}

fn status_word(status: Status) -> &'static str {
    match status {
        Status::Error => "❌ error",
        Status::Warning => "⚠️ warning",
        Status::Info => "ℹ️ info",
        Status::Unknown => "❓ unknown",
        Status::Pass => "✅ pass",
        Status::NotApplicable => "➖ n/a",
    }
}

/// The report of `check`.
/// The fleet headline and one row per problem group, for tickets.
fn fleet_table(out: &mut String, fleet: &ecs_exec_doctor_checks::fleet::Fleet) {
    use ecs_exec_doctor_checks::fleet::{SHOWN_TASKS, thousands};
    let _ = writeln!(out, "\n**{}**\n", fleet.headline());
    if !fleet.deployments.is_empty() {
        let _ = writeln!(
            out,
            "| Service | Deployment | Status | Task definition | Tasks | Ready |"
        );
        let _ = writeln!(out, "| --- | --- | --- | --- | --- | --- |");
        for d in &fleet.deployments {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                code(&d.service),
                d.started_by.as_deref().map(code).unwrap_or_default(),
                d.status.as_deref().unwrap_or("not listed by the service"),
                code(&d.task_definition),
                thousands(d.tasks),
                thousands(d.ready)
            );
        }
        out.push('\n');
    }
    if fleet.groups.is_empty() {
        return;
    }
    let _ = writeln!(out, "| | Check | Problem | Tasks |");
    let _ = writeln!(out, "| --- | --- | --- | --- |");
    for g in &fleet.groups {
        let mut ids: Vec<String> = g.tasks.iter().take(SHOWN_TASKS).map(|t| code(t)).collect();
        if g.tasks.len() > SHOWN_TASKS {
            ids.push("…".into());
        }
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} ({}) |",
            g.status.as_str(),
            g.code,
            g.message.replace('|', "\\|"),
            thousands(g.count),
            ids.join(", ")
        );
    }
}

pub fn check_report(report: &Report) -> String {
    let mut out = String::new();
    let t = &report.target;
    let mut subject = format!("cluster {}", code(&t.cluster));
    if let Some(s) = &t.service {
        let _ = write!(subject, ", service {}", code(s));
    }
    match report.tasks.as_slice() {
        [one] => {
            let _ = write!(subject, ", task {}", code(one));
        }
        [] => {}
        many => {
            let _ = write!(subject, ", {} tasks", many.len());
        }
    }
    if let Some(c) = &t.container {
        let _ = write!(subject, ", container {}", code(c));
    }
    let _ = writeln!(out, "## ecs-exec-doctor: {subject}\n");
    let s = &report.summary;
    let region = if t.region.is_empty() {
        String::new()
    } else {
        format!(" (region {})", code(&t.region))
    };
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let _ = writeln!(
        out,
        "**{}, {}, {} info, {} unknown, {} passed, {} not applicable**{region}",
        plural(s.error, "error", "errors"),
        plural(s.warning, "warning", "warnings"),
        s.info,
        s.unknown,
        s.pass,
        s.not_applicable
    );
    probe_tables(&mut out, report);
    if let Some(fleet) = &report.fleet {
        fleet_table(&mut out, fleet);
    }
    if let Some(ctx) = &report.error_context {
        error_context(&mut out, ctx);
    }

    let ctx = report.error_context.as_ref();
    let linked_column = ctx.is_some_and(|c| !c.linked.is_empty());
    let _ = writeln!(out, "\n### Summary\n");
    if linked_column {
        let _ = writeln!(
            out,
            "| Status | Code | Check | Result | Your error |\n| --- | --- | --- | --- | --- |"
        );
    } else {
        let _ = writeln!(
            out,
            "| Status | Code | Check | Result |\n| --- | --- | --- | --- |"
        );
    }
    for r in &report.results {
        let task = r
            .task
            .as_deref()
            .map(|t| format!(" ({})", code(t)))
            .unwrap_or_default();
        let heuristic = if r.heuristic && r.status != Status::Pass {
            " (heuristic)"
        } else {
            ""
        };
        let _ = write!(
            out,
            "| {} | {} | {} | {}{heuristic}{task} |",
            status_word(r.status),
            r.code,
            r.name,
            cell(&r.message)
        );
        if let Some(ctx) = ctx.filter(|_| linked_column) {
            let _ = write!(out, " {} |", cell(&linked_mark(ctx, r)));
        }
        out.push('\n');
    }

    for path in &report.network_paths {
        let _ = writeln!(
            out,
            "\n### Path to {} (task {})\n\n| Status | Hop | Resource | Detail |\n| --- | --- | --- | --- |",
            path.service,
            code(&path.task)
        );
        for hop in &path.hops {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                status_word(hop.status),
                hop.hop,
                code(&hop.resource),
                cell(&hop.detail)
            );
        }
    }

    let problems: Vec<&CheckResult> = report
        .results
        .iter()
        .filter(|r| matches!(r.status, Status::Error | Status::Warning | Status::Info))
        .collect();
    if !problems.is_empty() {
        let _ = writeln!(out, "\n### Findings and fixes");
    }
    for r in problems {
        let task = r
            .task
            .as_deref()
            .map(|t| format!(" (task {t})"))
            .unwrap_or_default();
        let mut previous_fix: Option<&Fix> = None;
        for f in &r.findings {
            let heading = format!(
                "{} `{}` {}: {}{task}",
                f.severity.as_str(),
                r.code,
                r.name,
                f.message
            );
            if f.fix.is_some() && f.fix.as_ref() == previous_fix {
                let without_fix = Finding {
                    fix: None,
                    ..f.clone()
                };
                finding(&mut out, &heading, &without_fix);
                let _ = writeln!(out, "\n**Fix:** the same as above");
            } else {
                finding(&mut out, &heading, f);
            }
            previous_fix = f.fix.as_ref();
        }
    }
    let unknown: Vec<&CheckResult> = report
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
                .map(|a| format!(" (needs {})", code(a)))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "- `{}` {}: {}{need}",
                r.code,
                r.name,
                inline(&r.message)
            );
        }
    }
    if !report.missing_permissions.is_empty() {
        let _ = writeln!(
            out,
            "\nThe doctor was denied {}; `ecs-exec-doctor permissions` prints the policy it needs.",
            report
                .missing_permissions
                .iter()
                .map(|a| code(a))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    for fault in &report.faults {
        let _ = writeln!(out, "\nNot read: {}", inline(fault));
    }
    out
}

/// What a result is to the error given with `--error`.
fn linked_mark(ctx: &ErrorContext, r: &CheckResult) -> String {
    if let Some(x) = ctx
        .explained_by
        .iter()
        .find(|x| x.code == r.code && x.task == r.task)
    {
        return format!("explains it ({} cause {})", x.entry, x.rank);
    }
    if ctx.linked.contains(&r.code) {
        return "linked".into();
    }
    String::new()
}

fn error_context(out: &mut String, ctx: &ErrorContext) {
    let title = match ctx.matched.first() {
        Some(m) => format!("{} ({})", m.name, m.id),
        None => "not a known ECS Exec error".into(),
    };
    let _ = writeln!(out, "\n### Your error: {}\n", inline(&title));
    let _ = writeln!(out, "{}\n", fence("text", &ctx.error).trim_end());
    let _ = writeln!(out, "**{}.**", inline(&capitalise(&ctx.statement)));
    for m in &ctx.matched {
        let _ = writeln!(
            out,
            "\n- **{} {}** ({}): {}",
            m.id,
            m.name,
            m.phase.as_str(),
            inline(&m.meaning)
        );
    }
    if !ctx.explained_by.is_empty() {
        let _ = writeln!(
            out,
            "\n| Check | Result | Cause it confirms |\n| --- | --- | --- |"
        );
        for x in &ctx.explained_by {
            let task = x
                .task
                .as_deref()
                .map(|t| format!(" (task {})", code(t)))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "| `{}` {} | {}: {}{task} | {} cause {}: {} |",
                x.code,
                x.name,
                x.status.as_str(),
                cell(&x.message),
                x.entry,
                x.rank,
                cell(&x.cause)
            );
        }
    }
    if !ctx.unknown.is_empty() {
        let _ = writeln!(
            out,
            "\nCould not be checked: {}.",
            ctx.unknown
                .iter()
                .map(|c| code(c))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if !ctx.not_run.is_empty() {
        let _ = writeln!(
            out,
            "\nNot run in this diagnosis (drop `--select` to run them): {}.",
            ctx.not_run
                .iter()
                .map(|c| code(c))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if !ctx.remaining.is_empty() {
        let _ = writeln!(out, "\n**What remains (no check can show these):**\n");
        for r in &ctx.remaining {
            let _ = writeln!(
                out,
                "- {} ({}): {}; fix: {}",
                inline(&r.cause),
                r.entry,
                inline(&r.confirm),
                inline(&r.fix)
            );
        }
    }
    if ctx.verdict == ErrorVerdict::Unrecognised && !ctx.closest.is_empty() {
        let _ = writeln!(out, "\nClosest known errors:\n");
        for e in &ctx.closest {
            let _ = writeln!(out, "- {} {}: {}", e.id, e.name, inline(&e.title));
        }
    }
}

/// Capitalises a sentence, but not one that starts with an identifier (`readonlyRootFilesystem`).
fn capitalise(text: &str) -> String {
    let first_word = text.split_whitespace().next().unwrap_or_default();
    if first_word.chars().skip(1).any(char::is_uppercase) {
        return text.to_string();
    }
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().collect::<String>() + chars.as_str(),
        None => String::new(),
    }
}

/// `explain` as Markdown.
pub fn explain(x: &Explanation) -> String {
    let mut out = String::new();
    match x {
        Explanation::Text(t) => explain_text(&mut out, t),
        Explanation::Entry { entry, command } => {
            let _ = writeln!(out, "## ecs-exec-doctor explain {}\n", entry.id);
            let causes = crate::render::explain::catalog_order(entry);
            explain_entry(&mut out, entry, None, &causes, command.as_deref());
        }
        Explanation::Check(check) => explain_check(&mut out, check),
    }
    out
}

fn explain_text(out: &mut String, t: &TextExplanation) {
    let _ = writeln!(out, "## ecs-exec-doctor explain\n");
    let errors = t.shown();
    if errors.is_empty() {
        let _ = writeln!(out, "**No known ECS Exec error signature in this text.**\n");
        if let Some(e) = &t.cli_error {
            let op = e
                .operation
                .as_deref()
                .map(|o| format!(" from {}", code(o)))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "It is the AWS error {}{op}, which the catalog does not cover.\n",
                code(&e.code)
            );
        }
        if t.matches.iter().any(|m| m.entry.kind == Kind::Benign) {
            let _ = writeln!(
                out,
                "The \"installed successfully\" line (E12) in it is printed before every attempt and is not an error.\n"
            );
        }
        if !t.closest.is_empty() {
            let _ = writeln!(out, "Closest known errors:\n");
            for h in &t.closest {
                let matched = if h.matched.is_empty() {
                    String::new()
                } else {
                    format!(" (matched: {})", inline(&h.matched_words()))
                };
                let _ = writeln!(
                    out,
                    "- **{} {}**: {}{matched}",
                    h.entry.id,
                    h.entry.name,
                    inline(h.entry.title)
                );
            }
            out.push('\n');
        }
        if !t.similar_checks.is_empty() {
            let _ = writeln!(
                out,
                "Checks with a similar name: {}.\n",
                t.similar_checks
                    .iter()
                    .map(|c| code(c))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        pasted_facts(out, t);
        let _ = writeln!(
            out,
            "`ecs-exec-doctor check CLUSTER TASK` diagnoses the task whatever the message said."
        );
        return;
    }
    let _ = writeln!(
        out,
        "| ID | Error | Phase | Matched text |\n| --- | --- | --- | --- |"
    );
    for m in &errors {
        let times = if m.occurrences > 1 {
            format!(" (×{})", m.occurrences)
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "| [{id}](#{anchor}) | {name}: {title} | {phase} {phase_title} | {excerpt}{times} |",
            id = m.entry.id,
            anchor = format!("{}-{}", m.entry.id, m.entry.name).to_ascii_lowercase(),
            name = m.entry.name,
            title = cell(m.entry.title),
            phase = m.entry.phase.as_str(),
            phase_title = m.entry.phase.title(),
            excerpt = code(&m.excerpt).replace('|', "\\|"),
        );
    }
    for m in &errors {
        out.push('\n');
        explain_entry(
            out,
            m.entry,
            Some(&m.excerpt),
            &t.ranked(m.entry),
            t.command(m.entry).as_deref(),
        );
    }
    pasted_facts(out, t);
    if t.benign_noted() {
        let _ = writeln!(
            out,
            "\nThe \"installed successfully\" line (E12) is printed before every attempt and is not an error."
        );
    }
}

/// The verdicts on the JSON pasted with the error, as a table per document.
fn pasted_facts(out: &mut String, t: &TextExplanation) {
    if t.pasted.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n### Checks on the facts in this text\n");
    for facts in &t.pasted {
        let _ = writeln!(out, "**{}**\n", inline(&facts.what));
        let _ = writeln!(out, "| Check | Status | Message |\n| --- | --- | --- |");
        for v in &facts.verdicts {
            let _ = writeln!(
                out,
                "| {} {} | {} | {} |",
                code(&v.code),
                v.name,
                v.status.as_str(),
                cell(&v.message)
            );
        }
        out.push('\n');
    }
}

fn explain_entry(
    out: &mut String,
    e: &'static Entry,
    excerpt: Option<&str>,
    causes: &[ecs_exec_doctor_checks::catalog::evidence::RankedCause],
    command: Option<&str>,
) {
    let _ = writeln!(out, "### {} {}\n", e.id, e.name);
    let kind = match e.kind {
        Kind::Error => "",
        Kind::Informational => " (expected behaviour, not a misconfiguration)",
        Kind::Benign => " (benign: not an error)",
    };
    let _ = writeln!(out, "**{}**{kind}\n", inline(&capitalise(e.title)));
    if excerpt.is_none() {
        out.push_str(&fence("text", e.message));
        out.push('\n');
    }
    let note = e.phase_note.map(|n| format!(", {n}")).unwrap_or_default();
    let _ = writeln!(
        out,
        "Phase {} ({}{note}); shows in {}.\n",
        e.phase.as_str(),
        e.phase.title(),
        e.surface.title()
    );
    let _ = writeln!(out, "**What it means:** {}.\n", inline(e.meaning));
    let _ = writeln!(
        out,
        "| # | Cause | How to confirm | Fix |\n| --- | --- | --- | --- |"
    );
    for ranked in causes {
        let c = ranked.source;
        let mut confirm: Vec<String> = c
            .checks
            .iter()
            .map(|k| format!("`{}` {}", k.meta.code, k.meta.name))
            .collect();
        if let Some(by_hand) = c.confirm {
            confirm.push(format!("by hand: {by_hand}"));
        }
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            ranked.rank,
            cell(&match ranked.reason() {
                Some(why) => format!("{} ({why})", c.cause),
                None => c.cause.to_string(),
            }),
            cell(&confirm.join("; ")),
            cell(c.fix)
        );
    }
    if let Some(command) = command {
        let _ = writeln!(out, "\nRun the checks that confirm these causes:\n");
        out.push_str(&fence("sh", command));
    }
    if !e.references.is_empty() {
        let _ = writeln!(
            out,
            "\nReferences: {}",
            e.references
                .iter()
                .map(|r| inline(r))
                .collect::<Vec<_>>()
                .join("; ")
        );
    }
}

fn explain_check(out: &mut String, check: &'static Check) {
    let m = &check.meta;
    let _ = writeln!(out, "## {} {}\n", m.code, m.name);
    let _ = writeln!(out, "{}.\n", inline(m.summary));
    let _ = writeln!(
        out,
        "| Severity | Group | Heuristic |\n| --- | --- | --- |\n| {} | {} | {} |\n",
        m.severity.as_str(),
        m.category.title(),
        if m.heuristic { "yes" } else { "no" }
    );
    // The doc comment's own headings, one level down.
    for line in m.docs().lines() {
        match line.strip_prefix("## ") {
            Some(h) => {
                let _ = writeln!(out, "### {h}");
            }
            None => {
                let _ = writeln!(out, "{line}");
            }
        }
    }
    let explains = catalog::entries_for(m.code);
    if !explains.is_empty() {
        let _ = writeln!(
            out,
            "\n### Errors it explains\n\n| ID | Error | Cause |\n| --- | --- | --- |"
        );
        for (e, rank) in explains {
            let _ = writeln!(
                out,
                "| {} | {}: {} | {}. {} |",
                e.id,
                e.name,
                cell(e.title),
                rank,
                cell(e.causes[rank - 1].cause)
            );
        }
    }
    let _ = writeln!(out, "\n### Run it\n");
    out.push_str(&fence(
        "sh",
        &format!("ecs-exec-doctor check CLUSTER TASK --select {}", m.code),
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_escape_pipes_line_breaks_and_unpaired_backticks() {
        assert_eq!(cell("a | b\nc"), "a \\| b c");
        assert_eq!(cell("task `abc` is `x`"), "task `abc` is `x`");
        assert_eq!(cell("one ` tick"), "one \\` tick");
        assert_eq!(cell("<BadRequest> `<kept>`"), "&lt;BadRequest> `<kept>`");
    }

    #[test]
    fn code_spans_and_fences_hold_backticks() {
        assert_eq!(code("plain"), "`plain`");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`x"), "`` `x ``");
        assert_eq!(fence("sh", "echo ```"), "````sh\necho ```\n````\n");
    }
}
