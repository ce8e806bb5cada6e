//! A scan of many clusters (`check --all-clusters`, over one or more regions and accounts):
//! one report per cluster, the accounts, regions and clusters that could not be read with why,
//! and the totals at each level (account, region, cluster). The text, Markdown and JSON views
//! all read this one model.

use std::collections::BTreeSet;

use serde::Serialize;

use super::{Report, Status};

/// One cluster's diagnosis within a scan.
#[derive(Debug, Clone, Serialize)]
pub struct ClusterReport {
    pub account: String,
    pub region: String,
    pub cluster: String,
    pub tally: Tally,
    pub report: Report,
}

/// A region or cluster the scan could not read, and why. Never silently skipped: it makes the
/// run exit 1 like an UNKNOWN check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unreadable {
    pub account: String,
    /// `None`: the whole account (its role could not be assumed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    pub reason: String,
}

/// Tasks by readiness.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub tasks: usize,
    pub ready: usize,
    pub not_ready: usize,
    /// Neither shown ready nor shown broken (an UNKNOWN check).
    pub unknown: usize,
}

impl Tally {
    /// The tally of one cluster's report: its fleet summary, or for one task its results.
    pub fn of(report: &Report) -> Tally {
        if let Some(f) = &report.fleet {
            return Tally {
                tasks: f.tasks,
                ready: f.ready,
                not_ready: f.not_ready,
                unknown: f.unknown,
            };
        }
        if report.tasks.is_empty() {
            return Tally::default();
        }
        let has = |s: Status| report.results.iter().any(|r| r.status == s);
        let (ready, not_ready, unknown) = if has(Status::Error) {
            (0, 1, 0)
        } else if has(Status::Unknown) {
            (0, 0, 1)
        } else {
            (1, 0, 0)
        };
        Tally {
            tasks: 1,
            ready,
            not_ready,
            unknown,
        }
    }

    pub fn add(&mut self, other: Tally) {
        self.tasks += other.tasks;
        self.ready += other.ready;
        self.not_ready += other.not_ready;
        self.unknown += other.unknown;
    }
}

/// The whole scan.
#[derive(Debug, Clone, Serialize)]
pub struct Scan {
    /// The accounts scanned (the caller's own, those asked for, or the organization's).
    pub accounts: Vec<String>,
    /// The regions scanned (asked for, or every region enabled for the account).
    pub regions: Vec<String>,
    pub totals: Totals,
    /// Region by region, then cluster by cluster.
    pub clusters: Vec<ClusterReport>,
    pub unreadable: Vec<Unreadable>,
}

/// The scan's totals.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub accounts: usize,
    pub regions: usize,
    pub clusters: usize,
    #[serde(flatten)]
    pub tally: Tally,
    /// Distinct problems (check and status) across every cluster.
    pub problems: usize,
    /// Per account and region, in the order of `accounts` and `regions`.
    pub by_region: Vec<RegionTotals>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RegionTotals {
    pub account: String,
    pub region: String,
    pub clusters: usize,
    #[serde(flatten)]
    pub tally: Tally,
}

impl Scan {
    /// `clusters`: (account, region, cluster name, report).
    pub fn new(
        accounts: Vec<String>,
        regions: Vec<String>,
        clusters: Vec<(String, String, String, Report)>,
        mut unreadable: Vec<Unreadable>,
    ) -> Scan {
        let account_at = |a: &str| accounts.iter().position(|x| x == a).unwrap_or(usize::MAX);
        let region_at = |r: &str| regions.iter().position(|x| x == r).unwrap_or(usize::MAX);
        let mut clusters: Vec<ClusterReport> = clusters
            .into_iter()
            .map(|(account, region, cluster, report)| ClusterReport {
                tally: Tally::of(&report),
                account,
                region,
                cluster,
                report,
            })
            .collect();
        clusters.sort_by(|a, b| {
            (account_at(&a.account), region_at(&a.region), &a.cluster).cmp(&(
                account_at(&b.account),
                region_at(&b.region),
                &b.cluster,
            ))
        });
        unreadable.sort_by_key(|u| {
            (
                account_at(&u.account),
                u.region
                    .as_deref()
                    .map_or(0, |r| region_at(r).saturating_add(1)),
                u.cluster.clone(),
            )
        });
        let mut totals = Totals {
            accounts: accounts.len(),
            regions: regions.len(),
            clusters: clusters.len(),
            ..Default::default()
        };
        let mut problems: BTreeSet<(&str, Status)> = BTreeSet::new();
        for account in &accounts {
            // An account that could not be read at all has no regions to total.
            if unreadable
                .iter()
                .any(|u| &u.account == account && u.region.is_none())
            {
                continue;
            }
            for region in &regions {
                let mut here = RegionTotals {
                    account: account.clone(),
                    region: region.clone(),
                    ..Default::default()
                };
                for c in clusters
                    .iter()
                    .filter(|c| &c.account == account && &c.region == region)
                {
                    here.clusters += 1;
                    here.tally.add(c.tally);
                }
                totals.tally.add(here.tally);
                totals.by_region.push(here);
            }
        }
        for c in &clusters {
            for r in c.report.results.iter() {
                if matches!(r.status, Status::Error | Status::Unknown) {
                    problems.insert((r.code.as_str(), r.status));
                }
            }
        }
        totals.problems = problems.len();
        Scan {
            accounts,
            regions,
            totals,
            clusters,
            unreadable,
        }
    }

    /// `1 account, 2 regions, 5 clusters, 1234 tasks: 1200 ready, 30 not, 4 not verified (UNKNOWN), 3 distinct problems`.
    pub fn headline(&self) -> String {
        let t = &self.totals;
        let mut line = format!(
            "{} account{}, {} region{}, {} cluster{}, {} task{}: {} ready, {} not",
            t.accounts,
            plural(t.accounts),
            t.regions,
            plural(t.regions),
            t.clusters,
            plural(t.clusters),
            t.tally.tasks,
            plural(t.tally.tasks),
            t.tally.ready,
            t.tally.not_ready
        );
        if t.tally.unknown > 0 {
            line.push_str(&format!(", {} not verified (UNKNOWN)", t.tally.unknown));
        }
        if t.problems > 0 {
            line.push_str(&format!(
                ", {} distinct problem{}",
                t.problems,
                plural(t.problems)
            ));
        }
        if !self.unreadable.is_empty() {
            line.push_str(&format!("; {} could not be read", self.unreadable.len()));
        }
        line
    }
}

/// One task of a scan, for JSON Lines output (`--format jsonl`): where it runs, whether it
/// is exec-ready, and its problems.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaskLine {
    pub account: String,
    pub region: String,
    pub cluster: String,
    pub task: String,
    /// `ready`, `not_ready` or `unknown` (not shown to be ready: an UNKNOWN check).
    pub readiness: &'static str,
    /// Its errors, warnings and UNKNOWN checks, and those of the run that concern every task.
    pub problems: Vec<Problem>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Problem {
    pub code: String,
    pub status: Status,
    pub message: String,
}

/// The task lines of one cluster's report, in its task order.
pub fn task_lines(account: &str, region: &str, cluster: &str, report: &Report) -> Vec<TaskLine> {
    let problem = |r: &super::CheckResult| {
        matches!(r.status, Status::Error | Status::Warning | Status::Unknown).then(|| Problem {
            code: r.code.clone(),
            status: r.status,
            message: r.message.clone(),
        })
    };
    let run_level: Vec<Problem> = report
        .results
        .iter()
        .filter(|r| r.task.is_none())
        .filter_map(problem)
        .collect();
    let mut by_task: std::collections::HashMap<&str, Vec<Problem>> =
        std::collections::HashMap::new();
    for r in &report.results {
        if let (Some(t), Some(p)) = (r.task.as_deref(), problem(r)) {
            by_task.entry(t).or_default().push(p);
        }
    }
    report
        .tasks
        .iter()
        .map(|task| {
            let mut problems = run_level.clone();
            problems.extend(by_task.remove(task.as_str()).unwrap_or_default());
            let readiness = if problems.iter().any(|p| p.status == Status::Error) {
                "not_ready"
            } else if problems.iter().any(|p| p.status == Status::Unknown) {
                "unknown"
            } else {
                "ready"
            };
            TaskLine {
                account: account.to_string(),
                region: region.to_string(),
                cluster: cluster.to_string(),
                task: task.clone(),
                readiness,
                problems,
            }
        })
        .collect()
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Target;
    use crate::report::{CheckResult, Summary, Tool};

    fn report(tasks: &[&str], statuses: &[(&str, Status)]) -> Report {
        Report {
            schema_version: 1,
            tool: Tool {
                name: "ecs-exec-doctor".into(),
                version: "0".into(),
            },
            target: Target::default(),
            tasks: tasks.iter().map(|t| t.to_string()).collect(),
            error_context: None,
            results: statuses
                .iter()
                .map(|(code, status)| {
                    let meta = &crate::registry::find(code).expect("registered").meta;
                    CheckResult {
                        status: *status,
                        ..CheckResult::new(meta, None)
                    }
                })
                .collect(),
            summary: Summary::default(),
            missing_permissions: vec![],
            faults: vec![],
            aws_calls: 0,
            network_paths: vec![],
            fleet: None,
            probes: vec![],
        }
    }

    #[test]
    fn task_lines_carry_the_runs_problems_and_their_own() {
        let mut r = report(&["t1", "t2"], &[("CR001", Status::Warning)]);
        let meta = &crate::registry::find("TK002").expect("registered").meta;
        r.results.push(CheckResult {
            status: Status::Error,
            message: "exec is off".into(),
            ..CheckResult::new(meta, Some("t2".into()))
        });
        let lines = task_lines("1", "us-east-1", "prod", &r);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].readiness, "ready", "a warning does not block");
        assert_eq!(lines[0].problems.len(), 1);
        assert_eq!(lines[1].readiness, "not_ready");
        assert_eq!(lines[1].problems[1].code, "TK002");
    }

    #[test]
    fn totals_add_up_by_region_and_count_distinct_problems() {
        let a = || "111111111111".to_string();
        let scan = Scan::new(
            vec![a(), "222222222222".into()],
            vec!["us-east-1".into(), "eu-west-1".into()],
            vec![
                (
                    a(),
                    "eu-west-1".into(),
                    "b".into(),
                    report(&["t3"], &[("TK002", Status::Error)]),
                ),
                (
                    a(),
                    "us-east-1".into(),
                    "a".into(),
                    report(&["t1"], &[("TK001", Status::Pass)]),
                ),
                (
                    a(),
                    "us-east-1".into(),
                    "c".into(),
                    report(&["t2"], &[("TK002", Status::Error)]),
                ),
                (a(), "us-east-1".into(), "empty".into(), report(&[], &[])),
            ],
            vec![
                Unreadable {
                    account: "222222222222".into(),
                    region: None,
                    cluster: None,
                    reason: "sts:AssumeRole denied".into(),
                },
                Unreadable {
                    account: a(),
                    region: Some("eu-west-1".into()),
                    cluster: Some("d".into()),
                    reason: "ecs:DescribeClusters denied".into(),
                },
            ],
        );
        assert_eq!(
            scan.clusters
                .iter()
                .map(|c| c.cluster.as_str())
                .collect::<Vec<_>>(),
            ["a", "c", "empty", "b"],
            "region order as asked, then cluster names"
        );
        assert_eq!(
            scan.totals.tally,
            Tally {
                tasks: 3,
                ready: 1,
                not_ready: 2,
                unknown: 0
            }
        );
        assert_eq!(scan.totals.by_region[0].tally.tasks, 2);
        assert_eq!(scan.totals.by_region[1].clusters, 1);
        assert_eq!(
            scan.totals.by_region.len(),
            2,
            "the account that could not be read has no region totals"
        );
        assert_eq!(scan.totals.problems, 1);
        assert_eq!(
            scan.headline(),
            "2 accounts, 2 regions, 4 clusters, 3 tasks: 1 ready, 2 not, 1 distinct problem; 2 could not be read"
        );
        assert_eq!(
            scan.unreadable[0].cluster.as_deref(),
            Some("d"),
            "the account's own problems before another account's"
        );
    }
}
