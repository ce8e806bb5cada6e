//! `check --all-clusters`: the scan of every cluster of one or more regions and accounts,
//! one report per cluster built exactly as a single `check --all` builds it (each cluster's
//! facts dropped once it is judged), and the totals over them. With `--format jsonl` each
//! cluster's tasks are written the moment it is judged and nothing of it is kept but its
//! tally, so memory stays bounded whatever the number of tasks.

use std::io::Write;
use std::sync::Mutex;

use ecs_exec_doctor_checks::report::scan::{Scan, Tally, task_lines};
use ecs_exec_doctor_checks::runner::Selection;
use ecs_exec_doctor_checks::{FactKind, Report, registry};

use super::{build_report, exit_code, needed_facts, replay};
use crate::cli::{CheckArgs, CheckFormat};
use crate::commands::Output;
use crate::error::{Result, exit};
use crate::render;

pub fn run(args: &CheckArgs, color: bool, mut selection: Selection) -> Result<Output> {
    // The local tools are this machine's, not a cluster's: `check` without --all-clusters
    // reports them once.
    let local: Vec<&'static str> = registry::CHECKS
        .iter()
        .filter(|c| c.meta.needs.contains(&FactKind::Local))
        .map(|c| c.meta.code)
        .collect();
    selection.ignore.extend(local);
    if selection.checks().is_empty() {
        crate::fail!(
            "--all-clusters does not run the local checks (LC001, LC002): select at least one other check"
        );
    }
    let needs = needed_facts(&selection);
    let accounts = crate::aws::scan::Accounts {
        ids: &args.accounts,
        organization: args.organization,
        role_name: args.role_name.as_deref(),
        external_id: args.external_id.as_deref(),
    };
    let judge = |d| build_report(&replay::sanitized(d), 0, &selection);
    if args.format == CheckFormat::Jsonl {
        return jsonl(args, &accounts, &needs, judge);
    }
    let facts = scan_all(args, &accounts, &needs, &|_: &str, _: &str, _: &str, d| {
        judge(d)
    })?;
    let calls = facts.calls;
    let scan = Scan::new(
        facts.accounts,
        facts.regions,
        facts.clusters,
        facts.unreadable,
    );
    let text = match args.format {
        CheckFormat::Text => render::scan::text(&scan, &super::text_options(args, color)),
        CheckFormat::Json => render::scan::json(&scan, calls),
        CheckFormat::Markdown => render::scan::markdown(&scan),
        CheckFormat::Jsonl => unreachable!("streamed above"),
    };
    let codes = scan
        .clusters
        .iter()
        .map(|c| exit_code(&c.report, args.selection.fail_on));
    Ok(Output {
        text,
        code: worst(codes, !scan.unreadable.is_empty()),
    })
}

/// The exit code of a scan: the worst cluster's, and 1 when anything could not be read.
fn worst(codes: impl Iterator<Item = u8>, unreadable: bool) -> u8 {
    let worst = codes.max().unwrap_or(exit::OK);
    if unreadable {
        worst.max(exit::FINDINGS)
    } else {
        worst
    }
}

/// The scan, each cluster's diagnosis handed to `on_cluster` as soon as it is complete.
fn scan_all<T: Send>(
    args: &CheckArgs,
    accounts: &crate::aws::scan::Accounts<'_>,
    needs: &[FactKind],
    on_cluster: &crate::aws::scan::OnCluster<'_, T>,
) -> Result<crate::aws::scan::ScanFacts<T>> {
    crate::aws::scan::scan(
        accounts,
        &args.regions,
        &args.aws,
        needs,
        args.max_tasks.map(|n| n as usize),
        !args.quiet,
        on_cluster,
    )
}

/// `--format jsonl`: every task written as its cluster is judged (the cluster's report then
/// dropped, its tally kept), then the unreadable places, then the totals.
fn jsonl(
    args: &CheckArgs,
    accounts: &crate::aws::scan::Accounts<'_>,
    needs: &[FactKind],
    judge: impl Fn(ecs_exec_doctor_checks::facts::Diagnosis) -> Report + Sync,
) -> Result<Output> {
    let out = Mutex::new(std::io::stdout());
    let fail_on = args.selection.fail_on;
    let facts = scan_all(args, accounts, needs, &|account, region, cluster, d| {
        let report = judge(d);
        let mut text = String::new();
        for line in task_lines(account, region, cluster, &report) {
            text.push_str(&serde_json::to_string(&line).expect("lines serialise"));
            text.push('\n');
        }
        let mut out = out.lock().expect("not poisoned");
        // A closed pipe ends the output, not the scan: the exit code still tells.
        let _ = out.write_all(text.as_bytes());
        let _ = out.flush();
        (Tally::of(&report), exit_code(&report, fail_on))
    })?;
    let mut text = String::new();
    for u in &facts.unreadable {
        text.push_str(&serde_json::json!({ "unreadable": u }).to_string());
        text.push('\n');
    }
    let mut totals = Tally::default();
    for (_, _, _, (t, _)) in &facts.clusters {
        totals.add(*t);
    }
    text.push_str(
        &serde_json::json!({
            "totals": {
                "accounts": facts.accounts.len(),
                "regions": facts.regions.len(),
                "clusters": facts.clusters.len(),
                "tasks": totals.tasks,
                "ready": totals.ready,
                "not_ready": totals.not_ready,
                "unknown": totals.unknown,
                "unreadable": facts.unreadable.len(),
                "aws_calls": facts.calls,
            }
        })
        .to_string(),
    );
    text.push('\n');
    let codes = facts.clusters.iter().map(|(_, _, _, (_, code))| *code);
    Ok(Output {
        code: worst(codes, !facts.unreadable.is_empty()),
        text,
    })
}
