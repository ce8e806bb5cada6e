//! The views of a scan (`check --all-clusters`): totals first, region by region, then what
//! could not be read, then each cluster's own report as `check --all` prints it. Text,
//! Markdown and JSON read the same [`Scan`].

use std::fmt::Write;

use ecs_exec_doctor_checks::report::scan::{Scan, Tally};
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
            r.region,
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
            let place = match &u.cluster {
                Some(c) => format!("{} / cluster {c}", u.region),
                None => u.region.clone(),
            };
            let _ = writeln!(out, "  {}: {}", place, super::safe(&u.reason));
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
            format!("── {} / {}", c.region, c.cluster).style(p.bold),
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
        "| Region | Clusters | Tasks | Ready | Not ready | Not verified |"
    );
    let _ = writeln!(out, "| --- | ---: | ---: | ---: | ---: | ---: |");
    for r in &scan.totals.by_region {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            r.region, r.clusters, r.tally.tasks, r.tally.ready, r.tally.not_ready, r.tally.unknown
        );
    }
    if !scan.unreadable.is_empty() {
        let _ = writeln!(out, "\n### Could not be read\n");
        for u in &scan.unreadable {
            let place = match &u.cluster {
                Some(c) => format!("{} / `{c}`", u.region),
                None => u.region.clone(),
            };
            let _ = writeln!(out, "- {place}: {}", super::safe(&u.reason));
        }
    }
    for c in &scan.clusters {
        let _ = writeln!(out, "\n### {} / `{}`\n", c.region, c.cluster);
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
            "regions": scan.regions,
            "totals": scan.totals,
            "unreadable": scan.unreadable,
            "aws_calls": aws_calls,
        },
        "clusters": scan.clusters,
    });
    serde_json::to_string_pretty(&value).expect("scans serialise") + "\n"
}
