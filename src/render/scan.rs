//! The views of a scan (`check --all-clusters`): totals first, account by account and region
//! by region, then what could not be read, then each cluster's own report as `check --all`
//! prints it. Text, Markdown and JSON read the same [`Scan`].

use std::fmt::Write;

use ecs_exec_doctor_checks::report::scan::{Scan, Tally, Unreadable};
use owo_colors::OwoColorize;

use super::text::TextOptions;
use crate::style::Palette;

fn tally_words(t: &Tally) -> String {
    let mut s = format!(
        "{} task{}: {} ready, {} not",
        t.tasks,
        if t.tasks == 1 { "" } else { "s" },
        t.ready,
        t.not_ready
    );
    if t.unknown > 0 {
        let _ = write!(s, ", {} not verified", t.unknown);
    }
    s
}

/// `eu-west-1`, or with several accounts `111111111111 / eu-west-1`.
fn place(scan: &Scan, account: &str, region: &str) -> String {
    if scan.accounts.len() > 1 {
        format!("{account} / {region}")
    } else {
        region.to_string()
    }
}

fn unreadable_place(scan: &Scan, u: &Unreadable) -> String {
    match (&u.region, &u.cluster) {
        (Some(r), Some(c)) => format!("{} / cluster {c}", place(scan, &u.account, r)),
        (Some(r), None) => place(scan, &u.account, r),
        (None, _) => format!("account {}", u.account),
    }
}

pub fn text(scan: &Scan, opts: &TextOptions) -> String {
    let p = Palette::new(opts.color);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} scan: {}",
        "ecs-exec-doctor".style(p.bold),
        super::safe(&scan.headline())
    );
    for r in &scan.totals.by_region {
        let _ = writeln!(
            out,
            "  {}: {} cluster{}, {}",
            place(scan, &r.account, &r.region),
            r.clusters,
            if r.clusters == 1 { "" } else { "s" },
            tally_words(&r.tally)
        );
    }
    let _ = writeln!(
        out,
        "  (a scan does not check this machine's AWS CLI and session-manager-plugin: `ecs-exec-doctor check CLUSTER TASK` does)"
    );
    if !scan.unreadable.is_empty() {
        let _ = writeln!(out, "\n{}", "Could not be read".style(p.bold));
        for u in &scan.unreadable {
            let _ = writeln!(
                out,
                "  {}: {}",
                unreadable_place(scan, u),
                super::safe(&u.reason)
            );
        }
    }
    // Each cluster as `check --all` shows it; without --detail only what is not passing.
    let inner = TextOptions {
        color: opts.color,
        quiet: opts.quiet || !opts.detail,
        detail: opts.detail,
    };
    for c in &scan.clusters {
        let _ = writeln!(
            out,
            "\n{} {}",
            format!("── {} / {}", place(scan, &c.account, &c.region), c.cluster).style(p.bold),
            tally_words(&c.tally)
        );
        if c.tally.tasks == 0 {
            let _ = writeln!(out, "  no running task");
            continue;
        }
        // The report's own header is the line above; its note about the checks left out
        // (the local ones) is the scan's, said once at the top.
        for line in super::text::check_report(&c.report, &inner)
            .lines()
            .skip(1)
            .filter(|l| !l.starts_with("Nothing found by the selected checks"))
        {
            let _ = writeln!(out, "  {line}");
        }
    }
    out
}

pub fn markdown(scan: &Scan) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "## ecs-exec-doctor scan\n\n{}\n",
        super::safe(&scan.headline())
    );
    let _ = writeln!(
        out,
        "| Account | Region | Clusters | Tasks | Ready | Not ready | Not verified |"
    );
    let _ = writeln!(out, "| --- | --- | ---: | ---: | ---: | ---: | ---: |");
    for r in &scan.totals.by_region {
        let t = &r.tally;
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            r.account, r.region, r.clusters, t.tasks, t.ready, t.not_ready, t.unknown
        );
    }
    if !scan.unreadable.is_empty() {
        let _ = writeln!(out, "\n### Could not be read\n");
        for u in &scan.unreadable {
            let _ = writeln!(
                out,
                "- {}: {}",
                unreadable_place(scan, u),
                super::safe(&u.reason)
            );
        }
    }
    for c in &scan.clusters {
        let _ = writeln!(
            out,
            "\n### {} / `{}`\n",
            place(scan, &c.account, &c.region),
            c.cluster
        );
        if c.tally.tasks == 0 {
            let _ = writeln!(out, "No running task.");
            continue;
        }
        out.push_str(&super::markdown::check_report(&c.report));
    }
    out
}

pub fn json(scan: &Scan, aws_calls: u32) -> String {
    let value = serde_json::json!({
        "schema_version": ecs_exec_doctor_checks::report::SCHEMA_VERSION,
        "tool": {"name": "ecs-exec-doctor", "version": env!("CARGO_PKG_VERSION")},
        "scan": {
            "accounts": scan.accounts,
            "regions": scan.regions,
            "totals": scan.totals,
            "unreadable": scan.unreadable,
            "aws_calls": aws_calls,
        },
        "clusters": scan.clusters,
    });
    serde_json::to_string_pretty(&value).expect("scans serialise") + "\n"
}
