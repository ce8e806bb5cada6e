//! `ecs-exec-doctor permissions`: the least-privilege IAM policy for the doctor itself,
//! generated from the facts the selected checks read.

use std::collections::BTreeMap;

use serde_json::json;

use super::Output;
use crate::cli::{ListFormat, PermissionsArgs};
use crate::error::Result;

/// What `check --all-clusters` calls besides the checks' facts.
const SCAN_ACTIONS: [&str; 2] = ["ecs:ListClusters", "ec2:DescribeRegions"];

pub fn run(args: PermissionsArgs) -> Result<Output> {
    let selection = super::selection(&args.selection)?;
    let mut by_action: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for check in selection.checks() {
        for action in check.meta.actions() {
            by_action.entry(action).or_default().push(check.meta.code);
        }
    }
    // `check --all-clusters` finds the clusters (and with `--regions all` the regions).
    if args.all_clusters {
        for action in SCAN_ACTIONS {
            by_action
                .entry(action)
                .or_default()
                .push("check --all-clusters");
        }
    }
    // `check --probe`'s session: the only actions that change anything, in their own
    // statement so they can be granted (or scoped to clusters) separately.
    let probe: &[&str] = if args.probe {
        &crate::probe::ACTIONS
    } else {
        &[]
    };
    let text =
        match args.format {
            ListFormat::Json => {
                let actions: Vec<&str> = by_action.keys().copied().collect();
                let mut statements = vec![json!({
                    "Sid": "EcsExecDoctorReadOnly",
                    "Effect": "Allow",
                    "Action": actions,
                    "Resource": "*"
                })];
                if !probe.is_empty() {
                    statements.push(json!({
                        "Sid": "EcsExecDoctorProbe",
                        "Effect": "Allow",
                        "Action": probe,
                        "Resource": "*"
                    }));
                }
                let policy = json!({
                    "Version": "2012-10-17",
                    "Statement": statements
                });
                serde_json::to_string_pretty(&policy).expect("serialises") + "\n"
            }
            ListFormat::Text => by_action
                .iter()
                .map(|(action, codes)| format!("{action:<32} {}\n", codes.join(", ")))
                .chain(probe.iter().map(|action| {
                    format!("{action:<32} check --probe (opens and closes a session)\n")
                }))
                .collect(),
        };
    Ok(Output { text, code: 0 })
}
