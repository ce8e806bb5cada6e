//! `lint`: the checks whose scope is [`Scope::LiveAndLint`] run offline on files. This module is
//! pure (text in, report out; no I/O) so it is fast to test, benchmark and fuzz:
//!
//! 1. [`source`] refuses empty, binary, oversized and too deeply nested input;
//! 2. [`json`] (jsonc-parser) and [`yaml`] (saphyr-parser) build a [`tree::Node`] tree with the
//!    position of every key and value;
//! 3. [`parse`] detects the input kind from the content and reads each task definition or
//!    service into a [`LintUnit`]: the fact model plus a [`spans::Locator`] that resolves
//!    ECS-shaped JSON pointers to positions in the document on demand;
//! 4. [`lint`] evaluates the lint checks on each unit with [`runner::evaluate`] in
//!    [`Mode::Offline`], places every finding at its pointer (or the nearest ancestor present
//!    in the file) and applies inline suppressions.

pub mod cloudformation;
mod clusters;
pub mod conditions;
mod container_array;
mod copilot;
pub mod ecs;
pub mod excerpt;
pub mod fix;
mod fix_language;
mod groups;
pub mod hcl;
pub(crate) mod hcl_eval;
pub(crate) mod iam;
pub mod json;
pub mod mask;
pub(crate) mod module;
pub mod report;
mod shapes;
pub mod source;
pub mod spans;
pub mod terraform;
pub mod tree;
pub mod yaml;

use crate::check::{Check, Scope};
use crate::facts::{Diagnosis, Fact, FactKind, Mode, Subject};
use crate::model::{Service, Target, TaskDefinition};
use crate::outcome::Finding;
use crate::registry;
use crate::report::{CheckResult, Status};
use crate::runner::{self, Selection};

pub use excerpt::Excerpt;
pub use report::{
    Diagnostic, DiagnosticLevel, FileReport, InputKind, LintFinding, LintReport, ResourceKind,
    Suppression, SuppressionKind, Syntax, UnitCheck, UnitReport,
};
pub use shapes::{detect, syntax_of};
pub use source::{MAX_DEPTH, MAX_FILE_SIZE, Pos};

use spans::Locator;
use tree::Node;

/// A problem with the input itself, at a position.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub level: DiagnosticLevel,
    pub message: String,
    pub pos: Pos,
}

impl Problem {
    pub fn new(message: impl Into<String>, pos: Pos) -> Self {
        Self {
            level: DiagnosticLevel::Error,
            message: message.into(),
            pos,
        }
    }

    pub fn warning(message: impl Into<String>, pos: Pos) -> Self {
        Self {
            level: DiagnosticLevel::Warning,
            message: message.into(),
            pos,
        }
    }

    pub fn too_deep(pos: Pos) -> Self {
        Self::new(
            format!(
                "the file is nested more than {MAX_DEPTH} levels deep; no ECS resource is that deep"
            ),
            pos,
        )
    }
}

/// An inline suppression of one or more codes, with its reason.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitSuppression {
    pub codes: Vec<&'static str>,
    pub reason: String,
    pub pos: Pos,
}

impl UnitSuppression {
    /// Resolves `codes` (codes, names or prefixes) and requires a reason; problems are
    /// reported and make the suppression void.
    pub fn parse(
        codes: &[String],
        reason: &str,
        pos: Pos,
        problems: &mut Vec<Problem>,
    ) -> Option<Self> {
        let mut resolved = Vec::new();
        for code in codes {
            match registry::resolve(code) {
                Ok(c) => resolved.extend(c),
                Err(e) => {
                    problems.push(Problem::new(format!("in a suppression: {e}"), pos));
                    return None;
                }
            }
        }
        if reason.trim().is_empty() {
            problems.push(Problem::new(
                format!(
                    "the suppression of {} has no reason; say why the finding does not apply",
                    codes.join(", ")
                ),
                pos,
            ));
            return None;
        }
        Some(Self {
            codes: resolved,
            reason: reason.trim().to_string(),
            pos,
        })
    }
}

/// One task definition or service read from a file.
#[derive(Debug, Clone)]
pub struct LintUnit {
    pub name: String,
    pub resource: ResourceKind,
    pub resource_type: String,
    /// Where the resource starts (its logical id, address or object).
    pub pos: Pos,
    pub task_definition: Option<TaskDefinition>,
    pub service: Option<Service>,
    /// The cluster a service names, for fix commands.
    pub cluster: Option<String>,
    /// A CloudFormation service's `TaskDefinition: !Ref X`.
    pub task_definition_ref: Option<String>,
    pub locator: Locator,
    /// The source index of each container in `task_definition.containers`.
    pub container_index: Vec<usize>,
    /// Suppressions that apply to the whole unit (CloudFormation metadata).
    pub suppressions: Vec<UnitSuppression>,
    /// For a CloudFormation resource linted once per combination of its conditions: this
    /// unit's combination and all of them, in order (the units of one resource are adjacent).
    pub conditions: Option<(
        conditions::Assignment,
        std::sync::Arc<Vec<conditions::Assignment>>,
    )>,
    /// The role a task definition's task role refers to in the same input (a logical id, a
    /// Terraform resource name), as its reader found it.
    pub task_role_ref: Option<String>,
    /// That role's policies, when the input defines it (see [`iam`]).
    pub task_role_policies: Option<crate::model::RolePolicies>,
    /// Where that role is defined, when it is in this file: findings about it point there.
    pub role_pos: Option<Pos>,
    /// A service's security groups as the input defines them (see [`groups`]).
    pub service_security_groups: Option<crate::facts::Fact<crate::model::InputGroups>>,
    /// A service's cluster and its session log destinations, when the input defines them.
    pub input_cluster: Option<clusters::InputCluster>,
}

impl LintUnit {
    pub fn new(
        name: String,
        resource: ResourceKind,
        resource_type: &str,
        pos: Pos,
        locator: Locator,
    ) -> Self {
        Self {
            name,
            resource,
            resource_type: resource_type.to_string(),
            pos,
            task_definition: None,
            service: None,
            cluster: None,
            task_definition_ref: None,
            locator,
            container_index: Vec::new(),
            suppressions: Vec::new(),
            conditions: None,
            task_role_ref: None,
            task_role_policies: None,
            role_pos: None,
            service_security_groups: None,
            input_cluster: None,
        }
    }
}

/// The other files a file may read: Terraform's `file()` / `templatefile()` targets (relative
/// to the file's directory) and the other `.tf` files of its module (where its locals and
/// variables often are). Reading is the caller's: this crate does no I/O.
pub trait Files {
    /// The text of `path` relative to the file's directory. The reader decides what may be
    /// read (the command line's reader confines reads to the linted directory); a refusal is
    /// reported with the file, and the value stays unknown.
    fn read(&self, path: &str) -> Result<String, Unread>;
    /// The texts of the other `.tf` files of the same directory.
    fn siblings(&self) -> Vec<String>;
    /// Whether the file is named as Terraform configuration (`.tf`): read as HCL even when
    /// it has no live block (everything commented out).
    fn is_terraform(&self) -> bool {
        false
    }
}

/// Why [`Files::read`] gave no text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unread {
    /// Nothing to read (no such file, no directory to read from): the value is unknown, as a
    /// variable without a default is, and nothing is reported.
    Missing,
    /// The reader refused the path; the reason ("outside the linted directory `infra`", "not
    /// a regular file") is reported as a warning at the call.
    Refused(String),
}

/// No other files: standard input, or a file read on its own.
pub struct NoFiles;

impl Files for NoFiles {
    fn read(&self, _: &str) -> Result<String, Unread> {
        Err(Unread::Missing)
    }
    fn siblings(&self) -> Vec<String> {
        Vec::new()
    }
}

/// A parsed file.
#[derive(Debug, Clone, Default)]
pub struct Parsed {
    pub kind: Option<InputKind>,
    pub syntax: Option<Syntax>,
    pub units: Vec<LintUnit>,
    pub problems: Vec<Problem>,
    /// YAML suppression comments (valid ones).
    pub comments: Vec<UnitSuppression>,
    /// The document, for positions.
    pub root: Option<Node>,
}

fn tree(text: &str, syntax: Syntax) -> Result<Node, Problem> {
    match syntax {
        Syntax::Json => json::parse(text),
        Syntax::Yaml | Syntax::Hcl => yaml::parse(text),
    }
}

/// Parses a file and detects what it is.
pub fn parse(bytes: &[u8]) -> Parsed {
    parse_inner(bytes, None, &NoFiles)
}

/// [`parse`], reading the other files a Terraform file refers to through `files`.
pub fn parse_with(bytes: &[u8], files: &dyn Files) -> Parsed {
    parse_inner(bytes, None, files)
}

/// Parses a file as `kind` whatever its content says (for fuzzing one reader at a time).
pub fn parse_as(bytes: &[u8], kind: InputKind) -> Parsed {
    parse_inner(bytes, Some(kind), &NoFiles)
}

fn parse_inner(bytes: &[u8], forced: Option<InputKind>, files: &dyn Files) -> Parsed {
    let bytes = &*source::utf8(bytes);
    let mut parsed = Parsed::default();
    let text = match source::text(bytes) {
        Ok(t) => t,
        // An empty `.tf` (a placeholder variables.tf) is a valid, empty configuration.
        Err(_) if files.is_terraform() && bytes.iter().all(u8::is_ascii_whitespace) => {
            parsed.kind = Some(InputKind::Terraform);
            parsed.syntax = Some(Syntax::Hcl);
            return parsed;
        }
        Err(rejected) => {
            parsed
                .problems
                .push(Problem::new(rejected.message(), rejected.pos()));
            return parsed;
        }
    };
    if forced == Some(InputKind::Terraform)
        || forced.is_none() && (files.is_terraform() || hcl::looks_like_hcl(text))
    {
        parsed.syntax = Some(Syntax::Hcl);
        let (root, units) = hcl::units(text, files, &mut parsed.problems);
        // A configuration without ECS resources is still a Terraform file, with nothing to lint.
        parsed.kind = Some(InputKind::Terraform);
        parsed.units = units;
        parsed.root = Some(root);
        return parsed;
    }
    let syntax = syntax_of(text);
    parsed.syntax = Some(syntax);
    let root = match tree(text, syntax) {
        Ok(root) => root,
        // A Terraform template (`"cpu": ${cpu}`) is JSON once its placeholders are unknowns.
        Err(problem) => match (syntax == Syntax::Json && text.contains("${"))
            .then(|| hcl_eval::parse_json_template(text))
            .flatten()
        {
            Some(root) => root,
            None => {
                parsed.problems.push(problem);
                return parsed;
            }
        },
    };
    let detected = detect(&root)
        .or_else(|| {
            container_array::is_container_array(&root).then_some(InputKind::ContainerDefinitions)
        })
        .or_else(|| copilot::is_manifest(&root).then_some(InputKind::CopilotManifest));
    let Some(kind) = forced.or(detected) else {
        return parsed;
    };
    // CloudFormation reads YAML 1.1 (its user guide, "Template formats"): a plain `yes`, `on`
    // or `Y` is a boolean there (`EnableExecuteCommand: yes` turns exec on). The template is
    // read again with those booleans; other YAML inputs keep YAML 1.2 (see `copilot` for
    // Copilot's typed booleans).
    let root = match (kind, syntax) {
        (InputKind::Cloudformation, Syntax::Yaml) => {
            yaml::parse_with(text, yaml::Schema::Yaml11Booleans).unwrap_or(root)
        }
        _ => root,
    };
    parsed.kind = Some(kind);
    let problems = &mut parsed.problems;
    parsed.units = match kind {
        InputKind::TaskDefinition => shapes::task_definition_units(&root),
        InputKind::Service => shapes::service_units(&root),
        InputKind::Cloudformation => cloudformation::units(&root, problems),
        InputKind::TerraformPlan => terraform::units(&root, problems),
        InputKind::Terraform => Vec::new(),
        InputKind::ContainerDefinitions => container_array::units(&root),
        InputKind::CopilotManifest => copilot::units(&root),
    };
    if syntax == Syntax::Yaml {
        let (comments, bad) = yaml::suppression_comments(text);
        problems.extend(bad);
        for c in comments {
            if let Some(s) = UnitSuppression::parse(&c.codes, &c.reason, c.pos, problems) {
                parsed.comments.push(s);
            }
        }
    }
    parsed.root = Some(if kind == InputKind::ContainerDefinitions {
        // Findings point into `/containerDefinitions/N/...`, as in a task definition.
        let pos = root.pos;
        Node::new(
            pos,
            tree::NodeKind::Map(vec![tree::Entry {
                key: "containerDefinitions".into(),
                key_pos: pos,
                value: root,
            }]),
        )
    } else {
        root
    });
    parsed
}

/// The checks `lint` runs: the selected ones whose scope includes lint.
pub fn lint_checks(selection: &Selection) -> Vec<&'static Check> {
    selection
        .checks()
        .into_iter()
        .filter(|c| c.meta.scope == Scope::LiveAndLint)
        .collect()
}

/// Parses and lints one file. The report's `path` is left empty for the caller to fill.
pub fn lint(bytes: &[u8], selection: &Selection) -> FileReport {
    lint_with(bytes, selection, &NoFiles)
}

/// [`lint`], reading the files a Terraform file refers to through `files`.
pub fn lint_with(bytes: &[u8], selection: &Selection, files: &dyn Files) -> FileReport {
    let decoded = source::utf8(bytes);
    let bytes = &*decoded;
    let text = source::text(bytes).unwrap_or_default();
    let lines = source::LineIndex::new(text);
    // Excerpts never show secrets (see `mask`). A line's secrets are found once, whole: a
    // one-line plan has all its findings on one multi-megabyte line.
    let ascii = lines.is_ascii();
    let secrets = std::cell::RefCell::new(std::collections::HashMap::new());
    let excerpt = |pos: Pos| {
        let line = lines
            .line(text, pos.line)
            .filter(|l| !l.trim().is_empty())?;
        let mut secrets = secrets.borrow_mut();
        let spans = secrets.entry(pos.line).or_insert_with(|| mask::spans(line));
        Some(Excerpt::of(line, spans, pos.column, ascii))
    };
    let parsed = parse_with(bytes, files);
    let checks = lint_checks(selection);
    let comments = parsed.comments;
    let empty = Node::new(Pos::START, tree::NodeKind::Null);
    let doc = parsed.root.as_ref().unwrap_or(&empty);
    let mut units = Vec::with_capacity(parsed.units.len());
    // The variants of one resource (one per combination of its conditions), until merged.
    let mut variants: Vec<UnitReport> = Vec::new();
    let mut combinations = None;
    for unit in parsed.units {
        let ctx = Context {
            doc,
            excerpt: &excerpt,
            comments: &comments,
        };
        let all = unit.conditions.as_ref().map(|(_, all)| all.clone());
        let report = evaluate_unit(unit, &checks, selection, &ctx);
        let Some(all) = all else {
            units.push(report);
            continue;
        };
        variants.push(report);
        if variants.len() == all.len() {
            units.push(conditions::merge(std::mem::take(&mut variants), &all));
        }
        combinations = Some(all);
    }
    if let Some(all) = combinations.filter(|_| !variants.is_empty()) {
        units.push(conditions::merge(variants, &all));
    }
    FileReport {
        path: String::new(),
        kind: parsed.kind,
        syntax: parsed.syntax,
        units,
        diagnostics: parsed
            .problems
            .into_iter()
            .map(|p| Diagnostic {
                level: p.level,
                excerpt: excerpt(p.pos),
                message: p.message,
                line: p.pos.line,
                column: p.pos.column,
            })
            .collect(),
    }
}

/// What placing findings needs from the file.
struct Context<'a> {
    doc: &'a Node,
    excerpt: &'a dyn Fn(Pos) -> Option<Excerpt>,
    comments: &'a [UnitSuppression],
}

/// Evaluates the lint checks on one unit. A check that reads only facts the unit does not
/// have (a service check on a task definition, a task-definition check on a service) is
/// reported as not applicable without running, so a file never yields UNKNOWN noise.
fn evaluate_unit(
    unit: LintUnit,
    checks: &[&'static Check],
    selection: &Selection,
    ctx: &Context<'_>,
) -> UnitReport {
    let mut provided: Vec<FactKind> = Vec::new();
    if unit.task_definition.is_some() {
        provided.push(FactKind::TaskDefinition);
    }
    if unit.service.is_some() {
        // A service's security groups, as the input shows them (`service_security_groups`).
        provided.extend([FactKind::Service, FactKind::Firewall]);
    }
    if unit.input_cluster.is_some() {
        provided.extend([FactKind::Cluster, FactKind::LogDestinations]);
    }
    let runnable: Vec<&'static str> = checks
        .iter()
        .filter(|c| c.meta.needs.iter().any(|n| provided.contains(n)))
        .map(|c| c.meta.code)
        .collect();
    let mut results: Vec<CheckResult> = Vec::new();
    if !runnable.is_empty() {
        let what = unit.resource.title();
        let (cluster, log_destinations) = match &unit.input_cluster {
            Some(c) => (c.cluster.clone(), c.log_destinations.clone()),
            None => (Fact::NotFetched, Fact::NotFetched),
        };
        let diagnosis = Diagnosis {
            cluster,
            log_destinations,
            target: Target {
                cluster: unit.cluster.clone().unwrap_or_else(|| "CLUSTER".into()),
                partition: "aws".into(),
                ..Default::default()
            },
            subjects: vec![Subject {
                task_ref: unit.name.clone(),
                task_definition: match &unit.task_definition {
                    Some(td) => Fact::ok(td.clone()),
                    None => Fact::absent(format!("`{}` is a {what}", unit.name)),
                },
                service: match &unit.service {
                    Some(s) => Fact::ok(s.clone()),
                    None => Fact::absent(format!("`{}` is a {what}", unit.name)),
                },
                task_role_policies: match &unit.task_role_policies {
                    Some(p) => Fact::ok(p.clone()),
                    None => Fact::NotFetched,
                },
                service_security_groups: match &unit.service_security_groups {
                    Some(fact) => fact.clone(),
                    // Groups named by id (service JSON, a plan): outside the input, unless the
                    // service has no awsvpc network at all.
                    None => match unit.locator.target(ctx.doc, "/networkConfiguration") {
                        Some(spans::Target::Missing { .. }) if unit.service.is_some() => {
                            Fact::absent(groups::NO_AWSVPC)
                        }
                        _ => Fact::NotFetched,
                    },
                },
                ..Default::default()
            }],
            ..Default::default()
        };
        let unit_selection = Selection {
            select: runnable.clone(),
            ignore: Vec::new(),
            severity: selection.severity.clone(),
        };
        results = runner::evaluate(&diagnosis, Mode::Offline, &unit_selection);
    }
    let mut out = Vec::with_capacity(checks.len());
    for check in checks {
        let meta = &check.meta;
        let Some(result) = results.iter().find(|r| r.code == meta.code) else {
            out.push(UnitCheck {
                code: meta.code.into(),
                name: meta.name.into(),
                status: Status::NotApplicable,
                message: if meta.needs.contains(&FactKind::Cluster) {
                    format!(
                        "the check reads the cluster of `{}`, which this input does not define",
                        unit.name
                    )
                } else {
                    format!(
                        "`{}` is a {}; the check reads a {}",
                        unit.name,
                        unit.resource.title(),
                        if meta.needs.contains(&FactKind::Service)
                            || meta.needs.contains(&FactKind::Firewall)
                        {
                            "service"
                        } else {
                            "task definition"
                        }
                    )
                },
                findings: Vec::new(),
            });
            continue;
        };
        let findings = result
            .findings
            .iter()
            .map(|f| locate(&unit, meta.code, meta.name, f, ctx))
            .collect();
        let mut check = UnitCheck {
            code: result.code.clone(),
            name: result.name.clone(),
            status: result.status,
            message: result.message.clone(),
            findings,
        };
        check.restatus();
        out.push(check);
    }
    UnitReport {
        name: unit.name,
        resource: unit.resource,
        resource_type: unit.resource_type,
        line: unit.pos.line,
        column: unit.pos.column,
        checks: out,
    }
}

/// The pointer of a finding in the source: the check's pointer with the container index
/// mapped to the source list, or the container the finding names.
fn source_pointer(unit: &LintUnit, f: &Finding) -> Option<String> {
    let pointer = match (&f.pointer, &f.subject) {
        (Some(p), _) => p.clone(),
        (None, Some(subject)) => {
            let i = unit
                .task_definition
                .as_ref()?
                .containers
                .iter()
                .position(|c| &c.name == subject)?;
            format!("/containerDefinitions/{i}")
        }
        (None, None) => return None,
    };
    const PREFIX: &str = "/containerDefinitions/";
    let Some(rest) = pointer.strip_prefix(PREFIX) else {
        return Some(pointer);
    };
    let (index, tail) = rest.split_once('/').map_or((rest, ""), |(i, t)| (i, t));
    let mapped = index
        .parse::<usize>()
        .ok()
        .and_then(|i| unit.container_index.get(i).copied());
    Some(match mapped {
        Some(i) if tail.is_empty() => format!("{PREFIX}{i}"),
        Some(i) => format!("{PREFIX}{i}/{tail}"),
        None => pointer,
    })
}

fn locate(unit: &LintUnit, code: &str, name: &str, f: &Finding, ctx: &Context<'_>) -> LintFinding {
    let pointer = source_pointer(unit, f);
    let mut evidence = f.evidence.clone();
    // A finding about the task role's policies belongs where the role is defined (when that
    // is in this file), naming the task definition that uses it.
    let about_role =
        pointer.as_deref() == Some("/taskRoleArn") && unit.task_role_policies.is_some();
    let pos = match (&pointer, unit.role_pos) {
        (_, Some(role_pos)) if about_role => {
            evidence.push(format!("`{}` uses this role as its task role", unit.name));
            role_pos
        }
        (Some(p), _) => unit.locator.lookup(ctx.doc, p),
        (None, _) => unit.pos,
    };
    if about_role && unit.role_pos.is_none() {
        let role = unit
            .task_role_policies
            .as_ref()
            .map_or("", |r| r.role.as_str());
        evidence.push(format!("`{role}` is defined in another file of the module"));
    }
    let suppressed = unit
        .suppressions
        .iter()
        .find(|s| s.codes.contains(&code))
        .map(|s| Suppression {
            kind: SuppressionKind::Metadata,
            reason: s.reason.clone(),
        })
        .or_else(|| {
            ctx.comments
                .iter()
                .find(|s| {
                    s.codes.contains(&code)
                        && (s.pos.line == pos.line || s.pos.line + 1 == pos.line)
                })
                .map(|s| Suppression {
                    kind: SuppressionKind::Comment,
                    reason: s.reason.clone(),
                })
        });
    LintFinding {
        code: code.into(),
        name: name.into(),
        severity: f.severity,
        message: f.message.clone(),
        line: pos.line,
        column: pos.column,
        pointer,
        subject: f.subject.clone(),
        evidence,
        fix: f.fix.as_ref().map(|x| {
            if unit.resource_type == copilot::RESOURCE_TYPE {
                let containers: Vec<String> = unit
                    .task_definition
                    .iter()
                    .flat_map(|td| td.containers.iter().map(|c| c.name.clone()))
                    .collect();
                fix_language::copilot(code, x, &containers)
            } else {
                fix_language::localize(x, unit.locator.naming)
            }
        }),
        condition: None,
        suppressed,
        excerpt: (ctx.excerpt)(pos),
    }
}

#[cfg(test)]
mod hcl_tests;
#[cfg(test)]
mod tests;
