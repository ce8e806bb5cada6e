//! `check --all-clusters`: the scan of every cluster of one or more regions, one report per
//! cluster built exactly as a single `check --all` builds it, and the totals over them.

use ecs_exec_doctor_checks::report::scan::Scan;
use ecs_exec_doctor_checks::runner::Selection;
use ecs_exec_doctor_checks::{FactKind, registry};

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
    let facts = crate::aws::scan::scan(
        &accounts,
        &args.regions,
        &args.aws,
        &needs,
        args.max_tasks.map(|n| n as usize),
        !args.quiet,
    )?;
    let clusters = facts
        .clusters
        .into_iter()
        .map(|(account, region, cluster, d)| {
            let report = build_report(&replay::sanitized(d), 0, &selection);
            (account, region, cluster, report)
        })
        .collect();
    let scan = Scan::new(facts.accounts, facts.regions, clusters, facts.unreadable);
    let text = match args.format {
        CheckFormat::Text => render::scan::text(
            &scan,
            &render::text::TextOptions {
                color,
                quiet: args.quiet,
                detail: args.detail,
            },
        ),
        CheckFormat::Json => render::scan::json(&scan, facts.calls),
        CheckFormat::Markdown => render::scan::markdown(&scan),
    };
    let worst = scan
        .clusters
        .iter()
        .map(|c| exit_code(&c.report, args.selection.fail_on))
        .max()
        .unwrap_or(exit::OK);
    // What could not be read never lets the exit code say "fine".
    let code = if scan.unreadable.is_empty() {
        worst
    } else {
        worst.max(exit::FINDINGS)
    };
    Ok(Output { text, code })
}
