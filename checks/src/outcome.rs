//! What a check concludes: a pass with its evidence, findings with fixes, or not applicable.
//! (A check that cannot be evaluated returns [`crate::facts::Unavailable`] instead.)

use serde::{Deserialize, Serialize};

use crate::check::Severity;

#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Nothing wrong; `evidence` says what was seen.
    Pass { evidence: Vec<String> },
    /// One or more problems (never empty).
    Findings(Vec<Finding>),
    /// The check does not apply to this target (`reason` says why).
    NotApplicable { reason: String },
}

impl Verdict {
    pub fn pass(evidence: impl Into<String>) -> Self {
        Verdict::Pass {
            evidence: vec![evidence.into()],
        }
    }

    pub fn not_applicable(reason: impl Into<String>) -> Self {
        Verdict::NotApplicable {
            reason: reason.into(),
        }
    }

    /// `Findings` when there are any, else a pass with `evidence`.
    pub fn from_findings(findings: Vec<Finding>, evidence: Vec<String>) -> Self {
        if findings.is_empty() {
            Verdict::Pass { evidence }
        } else {
            Verdict::Findings(findings)
        }
    }
}

/// One problem, with the fix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub severity: Severity,
    /// Lowercase, no trailing period, names the subject.
    pub message: String,
    /// The container, role or resource the finding is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// JSON pointer into the task definition or service the finding is about (used by `lint`
    /// to point at a file position).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<Fix>,
}

impl Finding {
    pub fn new(severity: Severity, message: impl Into<String>) -> Self {
        Self {
            severity,
            message: message.into(),
            subject: None,
            pointer: None,
            evidence: Vec::new(),
            fix: None,
        }
    }
    pub fn error(message: impl Into<String>) -> Self {
        Self::new(Severity::Error, message)
    }
    pub fn warning(message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, message)
    }
    pub fn info(message: impl Into<String>) -> Self {
        Self::new(Severity::Info, message)
    }
    pub fn subject(mut self, subject: impl Into<String>) -> Self {
        self.subject = Some(subject.into());
        self
    }
    pub fn pointer(mut self, pointer: impl Into<String>) -> Self {
        self.pointer = Some(pointer.into());
        self
    }
    pub fn evidence(mut self, evidence: impl Into<String>) -> Self {
        self.evidence.push(evidence.into());
        self
    }
    pub fn fix(mut self, fix: Fix) -> Self {
        self.fix = Some(fix);
        self
    }
}

/// How to fix a finding: a title and the concrete steps, with real names filled in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fix {
    /// Imperative.
    pub title: String,
    pub steps: Vec<FixStep>,
}

impl Fix {
    pub fn new(title: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            steps: Vec::new(),
        }
    }
    pub fn command(mut self, command: impl Into<String>) -> Self {
        self.steps.push(FixStep::Command {
            command: command.into(),
        });
        self
    }
    pub fn policy(mut self, attach_to: impl Into<String>, document: serde_json::Value) -> Self {
        self.steps.push(FixStep::Policy {
            attach_to: attach_to.into(),
            document,
        });
        self
    }
    pub fn task_definition(
        mut self,
        container: Option<&str>,
        field: impl Into<String>,
        value: serde_json::Value,
    ) -> Self {
        self.steps.push(FixStep::TaskDefinition {
            container: container.map(str::to_string),
            field: field.into(),
            value,
        });
        self
    }
    pub fn note(mut self, text: impl Into<String>) -> Self {
        self.steps.push(FixStep::Note { text: text.into() });
        self
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FixStep {
    /// A shell command to run.
    Command { command: String },
    /// An IAM policy document to attach to a principal.
    Policy {
        attach_to: String,
        document: serde_json::Value,
    },
    /// A task-definition field to set (then register a new revision and redeploy).
    TaskDefinition {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        container: Option<String>,
        field: String,
        value: serde_json::Value,
    },
    /// Anything else.
    Note { text: String },
}

/// The outcome of one check on one subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Error,
    Warning,
    Info,
    /// The check could not be evaluated (never a pass).
    Unknown,
    Pass,
    NotApplicable,
}

impl Status {
    pub fn from_severity(s: Severity) -> Self {
        match s {
            Severity::Error => Status::Error,
            Severity::Warning => Status::Warning,
            Severity::Info => Status::Info,
        }
    }

    pub fn severity(self) -> Option<Severity> {
        match self {
            Status::Error => Some(Severity::Error),
            Status::Warning => Some(Severity::Warning),
            Status::Info => Some(Severity::Info),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Error => "error",
            Status::Warning => "warning",
            Status::Info => "info",
            Status::Unknown => "unknown",
            Status::Pass => "pass",
            Status::NotApplicable => "not_applicable",
        }
    }
}
