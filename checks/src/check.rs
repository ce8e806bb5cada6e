//! What a check is: metadata taken from its source file (code, name, docs from the doc
//! comment, the facts it reads) and a pure function from facts to a verdict.

use serde::{Deserialize, Serialize};

use crate::facts::{FactKind, Facts, Unavailable};
use crate::outcome::Verdict;

/// How bad a finding is. Ordered: `Info < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// Report groups, in the order the original Exec Checker printed them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// AWS CLI and session-manager-plugin on this machine.
    Local,
    /// The identity running `execute-command`.
    Caller,
    /// Cluster exec configuration: KMS key and audit logging.
    Cluster,
    /// The task and its service.
    Task,
    /// Container definitions and running containers.
    Containers,
    /// The task role (or EC2 instance role) the exec agent uses.
    Roles,
    /// The network path from the task to Session Manager.
    Network,
}

impl Category {
    pub const ALL: [Category; 7] = [
        Category::Local,
        Category::Caller,
        Category::Cluster,
        Category::Task,
        Category::Containers,
        Category::Roles,
        Category::Network,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Category::Local => "Local prerequisites",
            Category::Caller => "Caller permissions",
            Category::Cluster => "Cluster configuration",
            Category::Task => "Task",
            Category::Containers => "Containers",
            Category::Roles => "Task role",
            Category::Network => "Network",
        }
    }
}

/// Where a check runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    /// Only against a live (or recorded) task.
    Live,
    /// Against a live task and, offline, against files in `lint`.
    LiveAndLint,
}

/// Whether a check is evaluated once per run or once per task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Level {
    Run,
    Task,
}

/// Everything known about a check without running it.
#[derive(Debug)]
pub struct CheckMeta {
    /// Stable public identifier, never reused (`TK003`).
    pub code: &'static str,
    /// Kebab-case name, accepted wherever a code is.
    pub name: &'static str,
    pub category: Category,
    /// The most severe finding the check reports.
    pub severity: Severity,
    pub scope: Scope,
    pub level: Level,
    /// One line, used in lists and SARIF `shortDescription`.
    pub summary: &'static str,
    /// The check's doc comment (Markdown with fixed headings).
    pub raw_docs: &'static str,
    /// Facts the evaluator reads.
    pub needs: &'static [FactKind],
    /// `true` for checks that infer rather than observe (labelled as heuristics).
    pub heuristic: bool,
    /// Calls among [`CheckMeta::actions`] whose failure while reading part of a fact (a VPC's
    /// route tables, say) cannot change this check's verdict: the runner does not turn it
    /// UNKNOWN for them (see [`crate::gaps`]). A failure of a whole fact the check reads
    /// still makes it UNKNOWN through the fact itself.
    pub unaffected_by: &'static [&'static str],
    /// `file#Lline` of the declaration.
    pub source: &'static str,
}

impl CheckMeta {
    /// The doc comment as Markdown.
    pub fn docs(&self) -> String {
        let mut out = String::new();
        for line in self.raw_docs.lines() {
            out.push_str(line.strip_prefix(' ').unwrap_or(line));
            out.push('\n');
        }
        out.trim().to_string() + "\n"
    }

    /// The IAM actions the doctor needs to evaluate this check.
    pub fn actions(&self) -> Vec<&'static str> {
        let mut out: Vec<&'static str> = FactKind::with_dependencies(self.needs)
            .into_iter()
            .flat_map(|k| k.actions().iter().copied())
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// A registered check.
pub struct Check {
    pub meta: CheckMeta,
    pub evaluate: fn(&Facts<'_>) -> Result<Verdict, Unavailable>,
}

impl std::fmt::Debug for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Check({})", self.meta.code)
    }
}

/// Declares a check: its doc comment becomes its documentation, and the declaration site is
/// recorded for the generated docs.
#[macro_export]
macro_rules! declare_check {
    (
        $(#[doc = $doc:expr])*
        pub static $ident:ident = {
            code: $code:literal,
            name: $name:literal,
            category: $category:ident,
            severity: $severity:ident,
            scope: $scope:ident,
            level: $level:ident,
            summary: $summary:literal,
            needs: [$($need:ident),* $(,)?],
            $(heuristic: $heuristic:literal,)?
            $(unaffected_by: [$($unaffected:literal),* $(,)?],)?
            evaluate: $evaluate:path $(,)?
        };
    ) => {
        $(#[doc = $doc])*
        pub static $ident: $crate::check::Check = $crate::check::Check {
            meta: $crate::check::CheckMeta {
                code: $code,
                name: $name,
                category: $crate::check::Category::$category,
                severity: $crate::check::Severity::$severity,
                scope: $crate::check::Scope::$scope,
                level: $crate::check::Level::$level,
                summary: $summary,
                raw_docs: concat!($($doc, "\n"),*),
                needs: &[$($crate::facts::FactKind::$need),*],
                heuristic: $crate::declare_check!(@heuristic $($heuristic)?),
                unaffected_by: &[$($($unaffected),*)?],
                source: concat!(file!(), "#L", line!()),
            },
            evaluate: $evaluate,
        };
    };
    (@heuristic) => { false };
    (@heuristic $h:literal) => { $h };
}
