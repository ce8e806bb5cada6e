//! The human report: grouped like the original Exec Checker (local prerequisites, caller,
//! cluster, task, containers, task role, network), one line per check, and under every
//! problem its evidence and the fix with real names filled in.

use std::fmt::Write;

use ecs_exec_doctor_checks::catalog::relate::{ErrorContext, ErrorVerdict};
use ecs_exec_doctor_checks::check::Category;
use ecs_exec_doctor_checks::fleet::{Fleet, SHOWN_TASKS, thousands};
use ecs_exec_doctor_checks::outcome::{Finding, FixStep};
use ecs_exec_doctor_checks::report::{CheckResult, Report, Status};
use owo_colors::OwoColorize;

use crate::style::Palette;

pub struct TextOptions {
    pub color: bool,
    pub quiet: bool,
    /// With several tasks: every task's results, not only the fleet groups.
    pub detail: bool,
}

pub fn check_report(report: &Report, opts: &TextOptions) -> String {
    let p = Palette::new(opts.color);
    let mut out = String::new();
    let t = &report.target;
    let mut subject = format!("cluster {}", t.cluster);
    if let Some(s) = &t.service {
        subject.push_str(&format!(", service {s}"));
    }
    match report.tasks.as_slice() {
        [] => {}
        [one] => subject.push_str(&format!(", task {one}")),
        many => subject.push_str(&format!(", {} tasks", many.len())),
    }
    if let Some(c) = &t.container {
        subject.push_str(&format!(", container {c}"));
    }
    let region = if t.region.is_empty() {
        String::new()
    } else {
        format!(" ({})", t.region)
    };
    let _ = writeln!(out, "{} {subject}{region}", "ecs-exec-doctor".style(p.bold));
    // What a real session verified comes before what the APIs suggest.
    probe_section(&mut out, report, &p);
    if let Some(ctx) = &report.error_context {
        error_section(&mut out, ctx, &p);
    }
    // Several tasks: the fleet view first; per-task results only with --detail.
    let grouped = report.fleet.as_ref().filter(|_| !opts.detail);
    if let Some(fleet) = grouped {
        fleet_section(&mut out, fleet, &p);
    }
    for category in Category::ALL {
        let results: Vec<&CheckResult> = report
            .results
            .iter()
            .filter(|r| r.category == category)
            .filter(|r| grouped.is_none() || r.task.is_none())
            .filter(|r| !opts.quiet || !matches!(r.status, Status::Pass | Status::NotApplicable))
            .collect();
        if results.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n{}", category.title().style(p.bold));
        for r in results {
            let mark = report
                .error_context
                .as_ref()
                .map(|ctx| linked_mark(ctx, r, &p))
                .unwrap_or_default();
            result(&mut out, r, &p, &mark);
        }
        if category == Category::Network && grouped.is_none() {
            network_paths(&mut out, report, &p, opts.quiet);
        }
    }
    summary(&mut out, report, &p);
    out
}

/// Each task's path to ssmmessages (and kms, logs, s3 when needed), one hop a line, the broken hop marked like a failing
/// check. With `--quiet`, only paths that are not all green.
fn network_paths(out: &mut String, report: &Report, p: &Palette, quiet: bool) {
    // Paths of several tasks name their task (one task may have several paths).
    let first = report.network_paths.first().map(|q| q.task.as_str());
    let many_tasks = report
        .network_paths
        .iter()
        .any(|q| Some(q.task.as_str()) != first);
    for path in &report.network_paths {
        if quiet && path.hops.iter().all(|h| h.status == Status::Pass) {
            continue;
        }
        let task = if many_tasks {
            format!(" of task {}", short(&path.task))
        } else {
            String::new()
        };
        let _ = writeln!(out, "  path to {}{task}:", path.service);
        let width = path
            .hops
            .iter()
            .map(|h| h.resource.len())
            .max()
            .unwrap_or(0)
            .min(40);
        for hop in &path.hops {
            let _ = writeln!(
                out,
                "    {} {:<16} {:<width$}  {}",
                symbol(hop.status, p),
                hop.hop,
                crate::render::safe(&hop.resource),
                crate::render::safe(&hop.detail),
            );
        }
    }
}

/// `1,000 tasks: 963 ready, 37 not`, then one line per distinct problem with its task count,
/// a few task ids and the fix once.
fn fleet_section(out: &mut String, fleet: &Fleet, p: &Palette) {
    let _ = writeln!(out, "\n{}", "Tasks".style(p.bold));
    let _ = writeln!(out, "  {}", fleet.headline());
    deployments_section(out, fleet, p);
    let mut previous_fix = None;
    for g in &fleet.groups {
        let mut ids: Vec<&str> = g.tasks.iter().take(SHOWN_TASKS).map(|t| short(t)).collect();
        if g.tasks.len() > SHOWN_TASKS {
            ids.push("…");
        }
        let count = if g.count == 1 {
            "1 task".to_string()
        } else {
            format!("{} tasks", thousands(g.count))
        };
        let what = if g.status == Status::Unknown {
            format!(
                "{} could not be checked: {}",
                g.name,
                crate::render::safe(&g.message)
            )
        } else {
            crate::render::safe(&g.message).into_owned()
        };
        let _ = writeln!(
            out,
            "  {} {} {what} — {count} ({})",
            symbol(g.status, p),
            g.code.style(p.dim),
            ids.join(", ")
        );
        let f = Finding {
            evidence: g
                .evidence
                .iter()
                .map(|e| crate::render::safe(e).into_owned())
                .collect(),
            fix: g.fix.clone(),
            ..Finding::new(ecs_exec_doctor_checks::Severity::Error, "")
        };
        let same_fix = g.fix.is_some() && g.fix == previous_fix;
        finding_details(out, &f, p, same_fix);
        previous_fix = g.fix.clone();
    }
    if fleet.groups.is_empty() {
        let _ = writeln!(
            out,
            "  {} every task passes every check",
            symbol(Status::Pass, p)
        );
    }
    let _ = writeln!(
        out,
        "  {}",
        "per-task results: --detail (every task id: --format json)".style(p.dim)
    );
}

/// Old versus new deployment tasks of each service that has both.
fn deployments_section(out: &mut String, fleet: &Fleet, p: &Palette) {
    let mut service = None;
    for d in &fleet.deployments {
        if service != Some(&d.service) {
            let name = crate::render::safe(&d.service);
            let _ = writeln!(out, "  by deployment of service `{name}`:");
            service = Some(&d.service);
        }
        let _ = writeln!(out, "    {}", crate::render::safe(&d.line()));
    }
    if fleet
        .deployments
        .iter()
        .any(|d| d.status.as_deref() != Some("PRIMARY"))
    {
        let note = "tasks keep the settings they started with: older deployments' tasks change only when they are replaced";
        let _ = writeln!(out, "  {}", note.style(p.dim));
    }
}

fn symbol(status: Status, p: &Palette) -> String {
    match status {
        Status::Pass => "✔".style(p.pass).to_string(),
        Status::Error => "✘".style(p.error).to_string(),
        Status::Warning => "!".style(p.warning).to_string(),
        Status::Info => "i".style(p.info).to_string(),
        Status::Unknown => "?".style(p.unknown).to_string(),
        Status::NotApplicable => "-".style(p.dim).to_string(),
    }
}

fn result(out: &mut String, r: &CheckResult, p: &Palette, mark: &str) {
    let task = r
        .task
        .as_deref()
        .map(|t| format!(" [{}]", short(t)))
        .unwrap_or_default()
        + mark;
    let heuristic = if r.heuristic && r.status != Status::Pass {
        " (heuristic)"
    } else {
        ""
    };
    let code = r.code.style(p.dim);
    match r.status {
        Status::Pass => {
            let _ = writeln!(out, "  {} {code} {}{task}", symbol(r.status, p), r.message);
            for e in r.evidence.iter().skip(1) {
                let _ = writeln!(out, "      {}", e.style(p.dim));
            }
        }
        Status::NotApplicable => {
            let _ = writeln!(
                out,
                "  {} {code} {}{task}",
                symbol(r.status, p),
                format!("{}: {}", r.name, r.message).style(p.dim)
            );
        }
        Status::Unknown => {
            let _ = writeln!(
                out,
                "  {} {code} {} could not be checked{task}: {}",
                symbol(r.status, p),
                r.name,
                r.message
            );
            if let Some(action) = &r.missing_action {
                let _ = writeln!(
                    out,
                    "      grant the doctor `{}` to evaluate it",
                    action.style(p.code)
                );
            }
        }
        _ => {
            let mut previous_fix = None;
            for f in &r.findings {
                let status = Status::from_severity(f.severity);
                let _ = writeln!(
                    out,
                    "  {} {code} {}{heuristic}{task}",
                    symbol(status, p),
                    f.message
                );
                let same_fix = f.fix.is_some() && f.fix == previous_fix;
                finding_details(out, f, p, same_fix);
                previous_fix = f.fix.clone();
            }
        }
    }
}

fn finding_details(out: &mut String, f: &Finding, p: &Palette, same_fix_as_above: bool) {
    for e in &f.evidence {
        let _ = writeln!(out, "      {}", e.style(p.dim));
    }
    let Some(fix) = &f.fix else { return };
    if same_fix_as_above {
        let _ = writeln!(out, "      {} the same as above", "fix:".style(p.bold));
        return;
    }
    let _ = writeln!(out, "      {} {}", "fix:".style(p.bold), fix.title);
    for (i, step) in fix.steps.iter().enumerate() {
        // A policy followed by the command that attaches it is shown once, as the command.
        let attached_next = matches!(fix.steps.get(i + 1), Some(FixStep::Command { command }) if command.contains("--policy-document"));
        if matches!(step, FixStep::Policy { .. }) && attached_next {
            continue;
        }
        for line in super::step_lines(step) {
            match step {
                FixStep::Note { .. } => {
                    let _ = writeln!(out, "        {line}");
                }
                _ => {
                    let _ = writeln!(out, "        {}", line.style(p.code));
                }
            }
        }
    }
}

fn summary(out: &mut String, report: &Report, p: &Palette) {
    let s = &report.summary;
    let mut parts = Vec::new();
    let mut push = |n: usize, word: &str, style: owo_colors::Style| {
        if n > 0 {
            parts.push(format!("{n} {word}").style(style).to_string());
        }
    };
    push(
        s.error,
        if s.error == 1 { "error" } else { "errors" },
        p.error,
    );
    push(
        s.warning,
        if s.warning == 1 {
            "warning"
        } else {
            "warnings"
        },
        p.warning,
    );
    push(s.info, "info", p.info);
    push(s.unknown, "unknown", p.unknown);
    push(s.pass, "passed", p.pass);
    push(s.not_applicable, "not applicable", p.dim);
    let _ = writeln!(out, "\n{} {}", "Summary:".style(p.bold), parts.join(", "));
    if !report.missing_permissions.is_empty() {
        let _ = writeln!(
            out,
            "The doctor was denied {}; `ecs-exec-doctor permissions` prints the policy it needs.",
            report
                .missing_permissions
                .iter()
                .map(|a| format!("`{a}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    for fault in &report.faults {
        let _ = writeln!(
            out,
            "{} {}",
            "Not read:".style(p.unknown),
            crate::render::safe(fault)
        );
    }
    let verdict = report.error_context.as_ref().map(|ctx| ctx.verdict);
    if verdict == Some(ErrorVerdict::Unrecognised) {
        let _ = writeln!(
            out,
            "{}",
            "Your error matches no known ECS Exec error, so this diagnosis cannot tie it to a cause."
                .style(p.warning)
        );
    } else if verdict.is_some_and(|v| v != ErrorVerdict::Explained) {
        let _ = writeln!(
            out,
            "{}",
            "Nothing in this diagnosis explains your error: see \"Your error\" above for what remains."
                .style(p.warning)
        );
    } else if s.error == 0 && s.warning == 0 && s.unknown == 0 && not_run(report) > 0 {
        let _ = writeln!(
            out,
            "Nothing found by the selected checks; {} other checks were not run (--select/--ignore), so this is no verdict on ECS Exec.",
            not_run(report)
        );
    } else if s.error == 0 && s.warning == 0 && s.unknown == 0 {
        let _ = writeln!(
            out,
            "{}",
            "Nothing found that stops ECS Exec on this task.".style(p.pass)
        );
    } else if s.error == 0 && s.unknown > 0 {
        let _ = writeln!(
            out,
            "No errors found, but {} could not be checked.",
            if s.unknown == 1 {
                "1 check"
            } else {
                "some checks"
            }
        );
    }
}

/// How many registered checks this report did not run.
fn not_run(report: &Report) -> usize {
    let ran: std::collections::BTreeSet<&str> =
        report.results.iter().map(|r| r.code.as_str()).collect();
    ecs_exec_doctor_checks::CHECKS
        .iter()
        .filter(|c| !ran.contains(c.meta.code))
        .count()
}

/// ` ← explains E01 (cause 1)` for a result that explains the error given with `--error`,
/// ` (linked to your error)` for another linked one.
fn linked_mark(ctx: &ErrorContext, r: &CheckResult, p: &Palette) -> String {
    if let Some(x) = ctx
        .explained_by
        .iter()
        .find(|x| x.code == r.code && x.task == r.task)
    {
        return format!(
            " {}",
            format!("← explains {} (cause {})", x.entry, x.rank).style(p.bold)
        );
    }
    if ctx.linked.contains(&r.code) {
        let label = if ctx.from_probe {
            "(linked to the probe's error)"
        } else {
            "(linked to your error)"
        };
        return format!(" {}", label.style(p.dim));
    }
    String::new()
}

/// `--error TEXT`: what the diagnosis makes of the error, before the groups.
/// `--probe`: each session's headline, its stages with their times, the command's output, and
/// where the probe and the checks part: the blind spots of a failed stage, or the red checks
/// a verified session contradicts.
fn probe_section(out: &mut String, report: &Report, p: &Palette) {
    if report.probes.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "\n{}",
        "Verified with a real session (--probe)".style(p.bold)
    );
    for probe in &report.probes {
        let status = if probe.verified() {
            Status::Pass
        } else {
            Status::Error
        };
        let _ = writeln!(out, "  {} {}", symbol(status, p), probe.headline());
        for s in &probe.stages {
            let time = if s.status == Status::Pass || s.status == Status::Error {
                format!("{} ms", s.millis)
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "    {} {:<26} {:>8}  {}",
                symbol(s.status, p),
                s.stage.title(),
                time,
                s.detail
            );
        }
        if let Some(output) = &probe.output {
            let _ = writeln!(out, "    output: {}", output.trim());
        }
        if let Some(command) = &probe.close_command {
            let _ = writeln!(out, "    {} close it: {command}", "!".style(p.warning));
        }
        match probe.failed_stage() {
            Some(failed) => {
                let _ = writeln!(
                    out,
                    "    {}",
                    format!(
                        "what the APIs cannot show at this stage: {}",
                        failed.blind_spots()
                    )
                    .style(p.dim)
                );
            }
            None => {
                let red: Vec<&str> = report
                    .results
                    .iter()
                    .filter(|r| r.status == Status::Error)
                    .filter(|r| {
                        r.task
                            .as_deref()
                            .is_none_or(|t| probe.task.ends_with(t) || t.ends_with(&probe.task))
                    })
                    .map(|r| r.code.as_str())
                    .collect();
                if !red.is_empty() {
                    let _ = writeln!(
                        out,
                        "    {} the session worked, yet {} {} red below: over-strict here, or true for another container, task or time (check those before trusting either)",
                        "!".style(p.warning),
                        red.join(", "),
                        if red.len() == 1 { "is" } else { "are" }
                    );
                }
            }
        }
    }
}

fn error_section(out: &mut String, ctx: &ErrorContext, p: &Palette) {
    let title = match ctx.matched.first() {
        Some(m) => format!("{} ({}): {}", m.name, m.id, m.title),
        None => "not a known ECS Exec error".into(),
    };
    let label = if ctx.from_probe {
        "The probe's error:"
    } else {
        "Your error:"
    };
    let _ = writeln!(out, "\n{} {title}", label.style(p.bold));
    for m in ctx.matched.iter().skip(1) {
        let _ = writeln!(out, "  also {} ({}): {}", m.name, m.id, m.title);
    }
    let (sym, style) = match ctx.verdict {
        ErrorVerdict::Explained => ("✘", p.error),
        ErrorVerdict::Inconclusive | ErrorVerdict::Unrecognised => ("?", p.unknown),
        ErrorVerdict::NotExplained | ErrorVerdict::NoLinkedChecks => ("!", p.warning),
    };
    let _ = writeln!(out, "  {} {}", sym.style(style), ctx.statement);
    for x in &ctx.explained_by {
        let task = x
            .task
            .as_deref()
            .map(|t| format!(" [{}]", short(t)))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "    {} {}{task}: {}",
            symbol(x.status, p),
            x.code.style(p.dim),
            x.message
        );
        let _ = writeln!(
            out,
            "      {}",
            format!("{} cause {}: {}", x.entry, x.rank, x.cause).style(p.dim)
        );
    }
    if !ctx.not_run.is_empty() {
        let _ = writeln!(
            out,
            "    not run in this diagnosis: {} (drop --select to run them)",
            ctx.not_run.join(", ")
        );
    }
    if !ctx.remaining.is_empty() {
        let _ = writeln!(out, "    what remains (no check can show these):");
        for r in &ctx.remaining {
            let _ = writeln!(out, "      - {} ({})", r.cause, r.entry);
            let _ = writeln!(
                out,
                "        {}",
                format!("confirm: {}; fix: {}", r.confirm, r.fix).style(p.dim)
            );
        }
    }
    if !ctx.closest.is_empty() {
        let closest: Vec<String> = ctx
            .closest
            .iter()
            .map(|e| format!("{} {}", e.id, e.name))
            .collect();
        let _ = writeln!(out, "    closest known errors: {}", closest.join(", "));
    }
    if !ctx.linked.is_empty() {
        let _ = writeln!(
            out,
            "    {}",
            format!(
                "checks linked to it, in rank order: {}",
                ctx.linked.join(", ")
            )
            .style(p.dim)
        );
    }
}

fn short(task: &str) -> &str {
    ecs_exec_doctor_checks::arn::task_id(task)
}
