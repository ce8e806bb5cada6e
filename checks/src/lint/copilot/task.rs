//! The task definition Copilot generates from one view of a manifest (the manifest itself, or
//! the manifest with one environment's overrides), as an ECS-shaped (camelCase) node whose
//! values carry the manifest's positions. The ECS reader turns it into the fact model and the
//! locator finds findings in it, so a finding about `environment/3` points at the fourth
//! `variables` key of the manifest.
//!
//! What Copilot's CloudFormation templates (aws/copilot-cli,
//! `internal/pkg/template/templates/workloads/`) put in the task definition:
//!
//! - the main container (named after the service): `variables`, `secrets`, `env_file`,
//!   `storage.readonly_fs` (the only container Copilot makes read-only) and a mount point per
//!   `storage.volumes` entry (`read_only` defaults to true);
//! - `firelens_log_router` when `logging` sets more than `retention` (`logging.variables`,
//!   `.secrets`, `.env_file`), then `aws-otel-collector` when `observability.tracing` is `awsxray`;
//! - each of `sidecars`, sorted by name (`variables`, `secrets`, `env_file`, `mount_points`);
//! - the task role Copilot always creates; `platform` as the runtime platform;
//! - and last, the `taskdef_overrides` rules, applied to that task definition by path
//!   (`ContainerDefinitions[0].LinuxParameters.InitProcessEnabled`, `Environment[-]`).

use super::super::hcl_eval::unknown_node;
use super::super::source::Pos;
use super::super::spans::Naming;
use super::super::tree::{Entry, Node, NodeKind};
use super::super::yaml::yaml11_bool;

/// Copilot's log router, added by `logging`.
pub const FIRELENS: &str = "firelens_log_router";
/// Copilot's tracing collector, added by `observability.tracing: awsxray`.
pub const OTEL: &str = "aws-otel-collector";
/// `taskdef_overrides` rules applied, at most.
const MAX_RULES: usize = 256;

/// A manifest boolean as Copilot reads it: yaml.v3 decoding into a Go `bool` takes YAML 1.1's
/// `yes`/`no`/`on`/`off`/`y`/`n` too (quoted or not), besides `true`/`false`.
pub fn bool_of(n: &Node) -> Option<bool> {
    match &n.kind {
        NodeKind::Bool(b) => Some(*b),
        NodeKind::String(s) => yaml11_bool(s).or(match s.as_str() {
            "true" | "True" | "TRUE" => Some(true),
            "false" | "False" | "FALSE" => Some(false),
            _ => None,
        }),
        _ => None,
    }
}

fn entry(key: &str, key_pos: Pos, value: Node) -> Entry {
    Entry {
        key: key.to_string(),
        key_pos,
        value,
    }
}

fn string(s: &str, pos: Pos) -> Node {
    Node::new(pos, NodeKind::String(s.to_string()))
}

/// A boolean field as Copilot reads it, placed at its key; unknown when it is not one.
fn bool_field(key: &str, e: &Entry) -> Entry {
    let value = match bool_of(&e.value) {
        Some(b) => Node::new(e.key_pos, NodeKind::Bool(b)),
        None => unknown_node(&format!("`{}` as written", e.key), e.key_pos),
    };
    entry(key, e.key_pos, value)
}

/// `variables` or `secrets` as an ECS `environment` / `secrets` list: one item per name,
/// placed at the name. A value that is a map (`from_cfn`, `secretsmanager`) is unknown.
fn name_list(spec: &Node, key: &str, value_key: &str) -> Option<Entry> {
    let e = spec.entry(key)?;
    let items = e
        .value
        .entries()
        .iter()
        .map(|v| {
            let value = match &v.value.kind {
                NodeKind::Map(_) | NodeKind::Seq(_) | NodeKind::Tagged { .. } => {
                    unknown_node("a value imported at deploy time", v.key_pos)
                }
                _ => v.value.clone(),
            };
            Node::new(
                v.key_pos,
                NodeKind::Map(vec![
                    entry("name", v.key_pos, string(&v.key, v.key_pos)),
                    entry(value_key, v.key_pos, value),
                ]),
            )
        })
        .collect();
    let ecs_key = if key == "variables" {
        "environment"
    } else {
        "secrets"
    };
    Some(entry(
        ecs_key,
        e.key_pos,
        Node::new(e.key_pos, NodeKind::Seq(items)),
    ))
}

/// `env_file` as `environmentFiles` (Copilot uploads it to S3 and names the object).
fn env_file(spec: &Node) -> Option<Entry> {
    let e = spec.entry("env_file")?;
    let path = e.value.scalar_text()?;
    let file = Node::new(
        e.key_pos,
        NodeKind::Map(vec![
            entry("value", e.key_pos, string(&path, e.key_pos)),
            entry("type", e.key_pos, string("s3", e.key_pos)),
        ]),
    );
    Some(entry(
        "environmentFiles",
        e.key_pos,
        Node::new(e.key_pos, NodeKind::Seq(vec![file])),
    ))
}

fn mount_point(source: &str, path: &Node, read_only: Option<&Node>, pos: Pos) -> Option<Node> {
    let path = path.as_str()?;
    // Copilot mounts read-only unless told otherwise.
    let read_only = read_only.and_then(bool_of).unwrap_or(true);
    Some(Node::new(
        pos,
        NodeKind::Map(vec![
            entry("sourceVolume", pos, string(source, pos)),
            entry("containerPath", pos, string(path, pos)),
            entry("readOnly", pos, Node::new(pos, NodeKind::Bool(read_only))),
        ]),
    ))
}

/// A container from its manifest block (`spec`): the service itself, `logging` or a sidecar.
fn container(name: &str, anchor: Pos, spec: &Node, extra: Vec<Entry>) -> Node {
    let mut entries = vec![entry("name", anchor, string(name, anchor))];
    entries.extend(name_list(spec, "variables", "value"));
    entries.extend(name_list(spec, "secrets", "valueFrom"));
    entries.extend(env_file(spec));
    entries.extend(extra);
    Node::new(anchor, NodeKind::Map(entries))
}

/// The main container's read-only root and volumes (`storage`).
fn storage(view: &Node) -> Vec<Entry> {
    let Some(storage) = view.get("storage") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let Some(e) = storage.entry("readonly_fs") {
        out.push(bool_field("readonlyRootFilesystem", e));
    }
    if let Some(volumes) = storage.entry("volumes") {
        let mounts: Vec<Node> = volumes
            .value
            .entries()
            .iter()
            .filter_map(|v| {
                mount_point(
                    &v.key,
                    v.value.get("path")?,
                    v.value.get("read_only"),
                    v.key_pos,
                )
            })
            .collect();
        out.push(entry(
            "mountPoints",
            volumes.key_pos,
            Node::new(volumes.key_pos, NodeKind::Seq(mounts)),
        ));
    }
    out
}

fn sidecar_mounts(spec: &Node) -> Vec<Entry> {
    let Some(e) = spec.entry("mount_points") else {
        return Vec::new();
    };
    let mounts = e
        .value
        .items()
        .iter()
        .filter_map(|m| {
            let source = m.get("source_volume").and_then(Node::as_str).unwrap_or("");
            mount_point(source, m.get("path")?, m.get("read_only"), m.pos)
        })
        .collect();
    vec![entry(
        "mountPoints",
        e.key_pos,
        Node::new(e.key_pos, NodeKind::Seq(mounts)),
    )]
}

/// `platform` as the runtime platform's operating system family (`windows/x86_64` is Windows
/// Server 2019 Core, Copilot's default Windows).
fn platform(view: &Node) -> Option<Entry> {
    let e = view.entry("platform")?;
    let family = match &e.value.kind {
        NodeKind::String(s) if s.to_ascii_lowercase().starts_with("windows") => {
            "WINDOWS_SERVER_2019_CORE".to_string()
        }
        NodeKind::String(_) => "LINUX".to_string(),
        NodeKind::Map(_) => e.value.get("osfamily")?.as_str()?.to_ascii_uppercase(),
        _ => return None,
    };
    let os = Node::new(
        e.key_pos,
        NodeKind::Map(vec![entry(
            "operatingSystemFamily",
            e.key_pos,
            string(&family, e.key_pos),
        )]),
    );
    Some(entry("runtimePlatform", e.key_pos, os))
}

/// `exec` (a boolean or `{enable: bool}`) as `enableExecuteCommand`; absent is off.
fn exec(view: &Node) -> Option<Entry> {
    let e = view.entry("exec")?;
    let value = match e.value.get("enable") {
        Some(enable) => enable,
        None => &e.value,
    };
    let value = match bool_of(value) {
        Some(b) => Node::new(e.key_pos, NodeKind::Bool(b)),
        None => unknown_node("`exec` as written", e.key_pos),
    };
    Some(entry("enableExecuteCommand", e.key_pos, value))
}

/// The task definition (with `enableExecuteCommand`, the service's) of one manifest view.
pub fn task_definition(view: &Node, name: &str, pos: Pos) -> Node {
    let anchor = view.entry("image").map_or(pos, |e| e.key_pos);
    let mut containers = vec![container(name, anchor, view, storage(view))];
    // `logging` adds the log router unless it sets only `retention` (the log group's, kept
    // without FireLens: `Logging.IsEmpty` in Copilot).
    if let Some(l) = view
        .entry("logging")
        .filter(|l| l.value.entries().iter().any(|e| e.key != "retention"))
    {
        containers.push(container(FIRELENS, l.key_pos, &l.value, Vec::new()));
    }
    if let Some(o) = view.entry("observability")
        && o.value
            .get("tracing")
            .and_then(Node::as_str)
            .is_some_and(|t| t.eq_ignore_ascii_case("awsxray"))
    {
        containers.push(container(
            OTEL,
            o.key_pos,
            &Node::new(o.key_pos, NodeKind::Null),
            Vec::new(),
        ));
    }
    let mut sidecars: Vec<&Entry> = view
        .get("sidecars")
        .map_or(&[][..], Node::entries)
        .iter()
        .collect();
    sidecars.sort_by(|a, b| a.key.cmp(&b.key));
    for s in sidecars {
        containers.push(container(
            &s.key,
            s.key_pos,
            &s.value,
            sidecar_mounts(&s.value),
        ));
    }
    let mut entries = vec![
        entry("family", pos, string(name, pos)),
        entry(
            "taskRoleArn",
            pos,
            unknown_node("the task role Copilot creates", pos),
        ),
        entry(
            "requiresCompatibilities",
            pos,
            Node::new(pos, NodeKind::Seq(vec![string("FARGATE", pos)])),
        ),
        entry(
            "containerDefinitions",
            anchor,
            Node::new(anchor, NodeKind::Seq(containers)),
        ),
    ];
    entries.extend(platform(view));
    entries.extend(exec(view));
    let mut td = Node::new(pos, NodeKind::Map(entries));
    if let Some(rules) = view.get("taskdef_overrides") {
        for rule in rules.items().iter().take(MAX_RULES) {
            apply_rule(&mut td, rule);
        }
    }
    td
}

/// One step of a `taskdef_overrides` path.
#[derive(Debug, PartialEq)]
enum Step {
    Key(String),
    Index(usize),
    Append,
}

/// `ContainerDefinitions[0].Ulimits[-]` as steps, keys in camelCase; `None` when malformed.
fn parse_path(path: &str) -> Option<Vec<Step>> {
    let mut steps = Vec::new();
    for part in path.split('.') {
        let (key, mut rest) = part.split_once('[').map_or((part, ""), |(k, r)| (k, r));
        if key.is_empty() {
            return None;
        }
        steps.push(Step::Key(Naming::Pascal.to_camel(key)));
        while !rest.is_empty() {
            let (index, tail) = rest.split_once(']')?;
            steps.push(match index {
                "-" => Step::Append,
                i => Step::Index(i.parse().ok()?),
            });
            if tail.is_empty() {
                break;
            }
            rest = tail.strip_prefix('[')?;
        }
    }
    Some(steps)
}

/// An override's value in the task definition's terms: keys in camelCase, and YAML 1.1 words
/// as booleans (the rule is written into a YAML template, which CloudFormation reads as
/// YAML 1.1).
fn override_value(n: &Node) -> Node {
    let kind = match &n.kind {
        NodeKind::String(s) => match yaml11_bool(s) {
            Some(b) => NodeKind::Bool(b),
            None => n.kind.clone(),
        },
        NodeKind::Seq(items) => NodeKind::Seq(items.iter().map(override_value).collect()),
        NodeKind::Map(entries) => NodeKind::Map(
            entries
                .iter()
                .map(|e| {
                    entry(
                        &Naming::Pascal.to_camel(&e.key),
                        e.key_pos,
                        override_value(&e.value),
                    )
                })
                .collect(),
        ),
        other => other.clone(),
    };
    Node::new(n.pos, kind)
}

/// Applies one `{path, value}` rule; a rule that does not fit the task definition (an index
/// past the end, a key under a list) is left out, as Copilot would refuse it.
fn apply_rule(td: &mut Node, rule: &Node) {
    let (Some(path), Some(value)) = (
        rule.entry("path").filter(|p| p.value.as_str().is_some()),
        rule.get("value"),
    ) else {
        return;
    };
    let Some(steps) = parse_path(path.value.as_str().unwrap_or_default()) else {
        return;
    };
    let mut value = override_value(value);
    // The rule is where the value comes from: findings about it point at the rule.
    place(&mut value, path.key_pos);
    set(td, &steps, value, path.key_pos);
}

fn place(node: &mut Node, pos: Pos) {
    node.pos = pos;
    match &mut node.kind {
        NodeKind::Seq(items) => items.iter_mut().for_each(|n| place(n, pos)),
        NodeKind::Map(entries) => entries.iter_mut().for_each(|e| {
            e.key_pos = pos;
            place(&mut e.value, pos);
        }),
        NodeKind::Tagged { value, .. } => place(value, pos),
        _ => {}
    }
}

fn set(node: &mut Node, steps: &[Step], value: Node, pos: Pos) {
    let Some((step, rest)) = steps.split_first() else {
        *node = value;
        return;
    };
    let child = match (step, &mut node.kind) {
        (Step::Key(k), NodeKind::Map(entries)) => {
            if !entries.iter().any(|e| &e.key == k) {
                let empty = match rest.first() {
                    Some(Step::Index(_) | Step::Append) => NodeKind::Seq(Vec::new()),
                    _ => NodeKind::Map(Vec::new()),
                };
                entries.push(entry(k, pos, Node::new(pos, empty)));
            }
            let e = entries
                .iter_mut()
                .rev()
                .find(|e| &e.key == k)
                .expect("just added");
            if rest.is_empty() {
                e.key_pos = pos;
            }
            &mut e.value
        }
        (Step::Index(i), NodeKind::Seq(items)) => match items.get_mut(*i) {
            Some(item) => item,
            None => return,
        },
        (Step::Append, NodeKind::Seq(items)) if rest.is_empty() => {
            items.push(value);
            return;
        }
        _ => return,
    };
    set(child, rest, value, pos);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn override_paths() {
        assert_eq!(
            parse_path("ContainerDefinitions[0].Ulimits[-]").unwrap(),
            [
                Step::Key("containerDefinitions".into()),
                Step::Index(0),
                Step::Key("ulimits".into()),
                Step::Append
            ]
        );
        assert_eq!(
            parse_path("PidMode").unwrap(),
            [Step::Key("pidMode".into())]
        );
        for bad in ["", "A..B", "A[x]", "A[0", "A[0]b"] {
            assert!(parse_path(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn booleans_as_copilot_reads_them() {
        let b = |s: &str| bool_of(&string(s, Pos::START));
        assert_eq!(
            (b("yes"), b("Off"), b("true"), b("enabled")),
            (Some(true), Some(false), Some(true), None)
        );
    }
}
