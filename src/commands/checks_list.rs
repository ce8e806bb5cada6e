//! `ecs-exec-doctor checks`: the registry as a table or JSON.

use ecs_exec_doctor_checks::check::Scope;
use ecs_exec_doctor_checks::registry::CHECKS;
use serde_json::json;

use super::Output;
use crate::cli::{ChecksArgs, ListFormat};
use crate::error::Result;

pub fn run(args: ChecksArgs) -> Result<Output> {
    let text = match args.format {
        ListFormat::Json => {
            let list: Vec<_> = CHECKS
                .iter()
                .map(|c| {
                    let m = &c.meta;
                    json!({
                        "code": m.code,
                        "name": m.name,
                        "category": m.category,
                        "severity": m.severity,
                        "lint": m.scope == Scope::LiveAndLint,
                        "heuristic": m.heuristic,
                        "summary": m.summary,
                        "doctor_permissions": m.actions(),
                    })
                })
                .collect();
            serde_json::to_string_pretty(&list).expect("serialises") + "\n"
        }
        ListFormat::Text => {
            let mut out = String::new();
            for c in CHECKS {
                let m = &c.meta;
                let lint = if m.scope == Scope::LiveAndLint {
                    "check+lint"
                } else {
                    "check"
                };
                out.push_str(&format!(
                    "{}  {:<32} {:<8} {:<11} {}\n",
                    m.code,
                    m.name,
                    m.severity.as_str(),
                    lint,
                    m.summary
                ));
            }
            out
        }
    };
    Ok(Output { text, code: 0 })
}
