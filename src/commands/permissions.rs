//! `ecs-exec-doctor permissions`: the least-privilege IAM policy for the doctor itself,
//! generated from the facts the selected checks read.

use std::collections::BTreeMap;

use serde_json::json;

use super::Output;
use crate::cli::{ListFormat, PermissionsArgs};
use crate::error::Result;

pub fn run(args: PermissionsArgs) -> Result<Output> {
    let selection = super::selection(&args.selection)?;
    let mut by_action: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for check in selection.checks() {
        for action in check.meta.actions() {
            by_action.entry(action).or_default().push(check.meta.code);
        }
    }
    let text = match args.format {
        ListFormat::Json => {
            let actions: Vec<&str> = by_action.keys().copied().collect();
            let policy = json!({
                "Version": "2012-10-17",
                "Statement": [{
                    "Sid": "EcsExecDoctorReadOnly",
                    "Effect": "Allow",
                    "Action": actions,
                    "Resource": "*"
                }]
            });
            serde_json::to_string_pretty(&policy).expect("serialises") + "\n"
        }
        ListFormat::Text => by_action
            .iter()
            .map(|(action, codes)| format!("{action:<32} {}\n", codes.join(", ")))
            .collect(),
    };
    Ok(Output { text, code: 0 })
}
