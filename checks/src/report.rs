//! The report: the single serialisable result of a run, rendered by every output format.
//! Its JSON form is a public, versioned contract (`docs/json-output.md`); later versions only
//! add fields.

use serde::{Deserialize, Serialize};

use crate::check::{Category, CheckMeta, Severity};
use crate::model::Target;
use crate::outcome::Finding;

/// Bumped only when a field changes meaning or disappears.
pub const SCHEMA_VERSION: u32 = 1;

pub use crate::outcome::Status;

pub mod error_context;
pub mod fleet;
pub mod probe;
pub mod scan;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckResult {
    pub code: String,
    pub name: String,
    pub category: Category,
    /// The task this result is about, when the run diagnosed several.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<String>,
    pub status: Status,
    /// Labelled a heuristic: inferred, not observed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub heuristic: bool,
    /// One line: what was seen (pass), the worst finding, or why it is unknown or does not
    /// apply.
    pub message: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<Finding>,
    /// For unknown results: the IAM action the doctor needs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing_action: Option<String>,
}

impl CheckResult {
    pub fn new(meta: &CheckMeta, task: Option<String>) -> Self {
        Self {
            code: meta.code.to_string(),
            name: meta.name.to_string(),
            category: meta.category,
            task,
            status: Status::Unknown,
            heuristic: meta.heuristic,
            message: String::new(),
            evidence: Vec::new(),
            findings: Vec::new(),
            missing_action: None,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub error: usize,
    pub warning: usize,
    pub info: usize,
    pub unknown: usize,
    pub pass: usize,
    pub not_applicable: usize,
}

impl Summary {
    pub fn of(results: &[CheckResult]) -> Self {
        let mut s = Summary::default();
        for r in results {
            match r.status {
                Status::Error => s.error += 1,
                Status::Warning => s.warning += 1,
                Status::Info => s.info += 1,
                Status::Unknown => s.unknown += 1,
                Status::Pass => s.pass += 1,
                Status::NotApplicable => s.not_applicable += 1,
            }
        }
        s
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

/// The report of `check`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub schema_version: u32,
    pub tool: Tool,
    pub target: Target,
    /// The tasks diagnosed (ids).
    pub tasks: Vec<String>,
    /// With `check --error TEXT`: what the diagnosis makes of that error (the linked checks
    /// come first in `results`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_context: Option<error_context::ErrorContext>,
    pub results: Vec<CheckResult>,
    pub summary: Summary,
    /// IAM actions the doctor was denied, every one of them (also those denied while reading
    /// part of a fact, such as a VPC's DNS attributes or a key's grants); granting them turns
    /// UNKNOWN results into verdicts.
    #[serde(default)]
    pub missing_permissions: Vec<String>,
    /// Every other call that failed (throttled, timed out, not implemented), one line each.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub faults: Vec<String>,
    /// AWS API calls made to gather the facts (as recorded, for a replayed run).
    pub aws_calls: u32,
    /// Each task's path to `ssmmessages` (and to the services the exec configuration needs,
    /// when NW002 ran), hop by hop, when a network check ran.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub network_paths: Vec<NetworkPath>,
    /// With several tasks: how many are exec-ready, and the problems grouped by cause.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fleet: Option<fleet::Fleet>,
    /// With `check --probe`: the real sessions opened, stage by stage (shown first: what
    /// was verified outranks what was inferred).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub probes: Vec<probe::Probe>,
}

/// The hops of one task's connection to Session Manager (built by
/// `network::path::network_paths`, from the same judgements as the network checks).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NetworkPath {
    pub task: String,
    /// The service the path leads to: `ssmmessages` (not written in JSON), or `kms`, `logs`
    /// or `s3` when the exec configuration needs them (NW002's walks).
    #[serde(
        default = "NetworkPath::ssmmessages",
        skip_serializing_if = "NetworkPath::is_ssmmessages"
    )]
    pub service: String,
    pub hops: Vec<crate::model::Hop>,
}

impl NetworkPath {
    fn ssmmessages() -> String {
        "ssmmessages".into()
    }

    fn is_ssmmessages(service: &str) -> bool {
        service == "ssmmessages"
    }
}

impl Report {
    /// The worst status among results that count (`pass`, `not_applicable` and `unknown`
    /// never fail a run unless asked).
    pub fn worst_severity(&self) -> Option<Severity> {
        self.results
            .iter()
            .filter_map(|r| r.status.severity())
            .max()
    }
}

#[cfg(test)]
mod layering {
    /// The report, the outcome types and the fact model sit below every check and every
    /// builder of views: they never name a module above them, so no import circle can form
    /// through them.
    #[test]
    fn the_report_and_the_models_name_no_module_above_them() {
        let below = [
            ("report.rs", include_str!("report.rs")),
            ("report/fleet.rs", include_str!("report/fleet.rs")),
            ("outcome.rs", include_str!("outcome.rs")),
            ("model.rs", include_str!("model.rs")),
            ("model/path.rs", include_str!("model/path.rs")),
            ("model/policies.rs", include_str!("model/policies.rs")),
        ];
        let above = [
            "crate::network",
            "crate::fleet",
            "crate::registry",
            "crate::runner",
            "crate::catalog",
            "crate::lint",
            "crate::caller",
            "crate::cluster",
            "crate::containers",
            "crate::roles",
            "crate::task::",
            "crate::local",
        ];
        for (file, text) in below {
            let code: String = text
                .split("#[cfg(test)]")
                .next()
                .unwrap_or(text)
                .lines()
                .filter(|l| !l.trim_start().starts_with("//"))
                .collect::<Vec<_>>()
                .join("\n");
            for module in above {
                assert!(
                    !code.contains(module),
                    "{file} names {module}: move what it needs below the report"
                );
            }
        }
    }
}
