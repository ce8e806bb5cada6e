//! The lint report: one entry per file, with its units (task definitions and services), each
//! lint check's result on each unit, and findings with their file positions. Its JSON form is a
//! public, versioned contract (`docs/lint-json.md`); later versions only add fields.

use serde::{Deserialize, Serialize};

use crate::check::Severity;
use crate::outcome::Fix;
use crate::report::{Status, Tool};

/// Bumped only when a field changes meaning or disappears.
pub const LINT_SCHEMA_VERSION: u32 = 1;

/// What a file was recognised as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InputKind {
    /// `register-task-definition` input or `describe-task-definition` output.
    TaskDefinition,
    /// `create-service` input or `describe-services` output.
    Service,
    /// A CloudFormation template (JSON or YAML), including CDK synth output.
    Cloudformation,
    /// `terraform show -json` of a plan (or of a state).
    TerraformPlan,
    /// Terraform configuration (`.tf`, HCL).
    Terraform,
    /// A bare list of container definitions (a Terraform `file()` / `templatefile()` target).
    ContainerDefinitions,
    /// An AWS Copilot manifest (`copilot/<svc>/manifest.yml`).
    CopilotManifest,
}

impl InputKind {
    pub fn title(self) -> &'static str {
        match self {
            InputKind::TaskDefinition => "task definition",
            InputKind::Service => "ECS service",
            InputKind::Cloudformation => "CloudFormation template",
            InputKind::TerraformPlan => "Terraform plan",
            InputKind::Terraform => "Terraform configuration",
            InputKind::ContainerDefinitions => "container definitions",
            InputKind::CopilotManifest => "Copilot manifest",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Syntax {
    Json,
    Yaml,
    /// Terraform's HCL.
    Hcl,
}

/// What one unit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ResourceKind {
    TaskDefinition,
    Service,
}

impl ResourceKind {
    pub fn title(self) -> &'static str {
        match self {
            ResourceKind::TaskDefinition => "task definition",
            ResourceKind::Service => "service",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LintReport {
    pub schema_version: u32,
    pub tool: Tool,
    /// Findings at or above this severity fail the run (exit 1).
    pub fail_on: Severity,
    /// `--fail-on unknown`: a value a check needs that is known only at deploy time fails the
    /// run too.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub fail_on_unknown: bool,
    pub files: Vec<FileReport>,
    pub summary: LintSummary,
}

impl LintReport {
    pub fn new(files: Vec<FileReport>, fail_on: Severity, version: &str) -> Self {
        let summary = LintSummary::of(&files);
        Self {
            schema_version: LINT_SCHEMA_VERSION,
            tool: Tool {
                name: "ecs-exec-doctor".into(),
                version: version.into(),
            },
            fail_on,
            fail_on_unknown: false,
            files,
            summary,
        }
    }

    /// 2 when a file could not be linted, else 1 when an unsuppressed finding is at or above
    /// `fail_on` (or, with `fail_on_unknown`, a check is unknown until deploy time), else 0.
    pub fn exit_code(&self) -> u8 {
        if self.summary.input_errors > 0 {
            2
        } else if self
            .findings()
            .any(|(_, _, f)| f.suppressed.is_none() && f.severity >= self.fail_on)
            || (self.fail_on_unknown && self.summary.unknown > 0)
        {
            1
        } else {
            0
        }
    }

    /// Every finding with its file and unit, in report order.
    pub fn findings(&self) -> impl Iterator<Item = (&FileReport, &UnitReport, &LintFinding)> {
        self.files.iter().flat_map(|file| {
            file.units.iter().flat_map(move |unit| {
                unit.checks
                    .iter()
                    .flat_map(move |c| c.findings.iter().map(move |f| (file, unit, f)))
            })
        })
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FileReport {
    /// As given or found, relative to the working directory when under it.
    pub path: String,
    /// `None` when the file was not recognised or could not be parsed.
    pub kind: Option<InputKind>,
    pub syntax: Option<Syntax>,
    pub units: Vec<UnitReport>,
    /// Problems with the file itself: unreadable, malformed, invalid suppressions.
    pub diagnostics: Vec<Diagnostic>,
}

/// One task definition or service in a file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UnitReport {
    /// Family, service name, CloudFormation logical id or Terraform address.
    pub name: String,
    pub resource: ResourceKind,
    /// `AWS::ECS::TaskDefinition`, `aws_ecs_service`, `task-definition`, ...
    pub resource_type: String,
    pub line: u32,
    pub column: u32,
    /// One entry per lint check, in registry order.
    pub checks: Vec<UnitCheck>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UnitCheck {
    pub code: String,
    pub name: String,
    /// The worst unsuppressed finding, else `pass`, `not_applicable` or `unknown`.
    pub status: Status,
    pub message: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<LintFinding>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LintFinding {
    pub code: String,
    pub name: String,
    pub severity: Severity,
    pub message: String,
    pub line: u32,
    pub column: u32,
    /// The field in ECS API shape (`/containerDefinitions/0/readonlyRootFilesystem`); the
    /// position is that of the field, or of its nearest ancestor present in the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<Fix>,
    /// For a CloudFormation resource with `Fn::If`: the conditions under which the finding
    /// appears (`when condition `IsProd` is true`); absent when it appears under all of them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    /// Set when an inline comment, resource metadata or the config file suppresses it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<Suppression>,
    /// The source line, secrets masked, and the column in it (not serialised).
    #[serde(skip)]
    pub excerpt: Option<super::Excerpt>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suppression {
    pub kind: SuppressionKind,
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SuppressionKind {
    /// `# ecs-exec-doctor: ignore[CODE] reason` in a YAML file.
    Comment,
    /// `Metadata.ecs-exec-doctor.ignore` of a CloudFormation resource.
    Metadata,
    /// A `[[suppress]]` entry of `ecs-exec-doctor.toml`.
    Config,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DiagnosticLevel {
    Warning,
    Error,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Diagnostic {
    /// `error` makes the run exit 2.
    pub level: DiagnosticLevel,
    pub message: String,
    pub line: u32,
    pub column: u32,
    /// The source line, secrets masked, and the column in it (not serialised).
    #[serde(skip)]
    pub excerpt: Option<super::Excerpt>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LintSummary {
    pub files: usize,
    pub units: usize,
    /// Unsuppressed findings by severity.
    pub error: usize,
    pub warning: usize,
    pub info: usize,
    pub suppressed: usize,
    /// Error diagnostics (unreadable or malformed input).
    pub input_errors: usize,
    /// Check results that are UNKNOWN: values known only at deploy time (intrinsics, Terraform
    /// variables and attributes). They do not fail the run; a plan or the live `check` resolves
    /// them.
    #[serde(default)]
    pub unknown: usize,
}

impl LintSummary {
    pub fn of(files: &[FileReport]) -> Self {
        let mut s = LintSummary {
            files: files.len(),
            ..Default::default()
        };
        for file in files {
            s.units += file.units.len();
            s.unknown += file
                .units
                .iter()
                .flat_map(|u| &u.checks)
                .filter(|c| c.status == Status::Unknown)
                .count();
            s.input_errors += file
                .diagnostics
                .iter()
                .filter(|d| d.level == DiagnosticLevel::Error)
                .count();
            for f in file
                .units
                .iter()
                .flat_map(|u| &u.checks)
                .flat_map(|c| &c.findings)
            {
                if f.suppressed.is_some() {
                    s.suppressed += 1;
                    continue;
                }
                match f.severity {
                    Severity::Error => s.error += 1,
                    Severity::Warning => s.warning += 1,
                    Severity::Info => s.info += 1,
                }
            }
        }
        s
    }
}

impl FileReport {
    /// Suppresses the findings of `code` in this file (all units), unless already suppressed.
    /// Returns how many it suppressed.
    pub fn suppress(&mut self, code: &str, suppression: &Suppression) -> usize {
        let mut n = 0;
        for check in self.units.iter_mut().flat_map(|u| u.checks.iter_mut()) {
            if check.code != code {
                continue;
            }
            for f in &mut check.findings {
                if f.suppressed.is_none() {
                    f.suppressed = Some(suppression.clone());
                    n += 1;
                }
            }
            check.restatus();
        }
        n
    }
}

impl UnitCheck {
    /// Recomputes the status after suppressions: the worst unsuppressed finding, else a pass.
    pub fn restatus(&mut self) {
        if self.findings.is_empty() {
            return;
        }
        match self
            .findings
            .iter()
            .filter(|f| f.suppressed.is_none())
            // the first of the worst: the message of a check is that of its first finding
            .min_by_key(|f| std::cmp::Reverse(f.severity))
        {
            Some(worst) => {
                self.status = Status::from_severity(worst.severity);
                self.message = worst.message.clone();
            }
            None => {
                self.status = Status::Pass;
                self.message = format!(
                    "{} suppressed: {}",
                    if self.findings.len() == 1 {
                        "1 finding"
                    } else {
                        "all findings"
                    },
                    self.findings[0]
                        .suppressed
                        .as_ref()
                        .map(|s| s.reason.as_str())
                        .unwrap_or_default()
                );
            }
        }
    }
}
