//! AWS Copilot service manifests (`copilot/<svc>/manifest.yml`). Only the ECS-based types have
//! a service to lint; the rest (App Runner, static sites, jobs, environments) are recognised
//! and have nothing to lint.
//!
//! A manifest is one unit with both a service (its `exec` field; absent means off) and the task
//! definition Copilot generates from it ([`task`]): the main container, the log router, the
//! tracing collector and the sidecars with their `variables`, `secrets`, `env_file`, mounts and
//! `storage.readonly_fs`, then `taskdef_overrides`. So the container checks (read-only root,
//! credentials and proxies in the environment, init process) run on the manifest, and findings
//! point at its lines.
//!
//! Each environment under `environments` overrides the manifest (maps merged key by key, other
//! values replaced, as Copilot does). The manifest and each environment are read separately and
//! then combined: a name set in any of them (`AWS_SECRET_ACCESS_KEY` under
//! `environments.prod.variables`) counts, and a setting that differs between them
//! (`readonly_fs`, `exec`) is unknown until deploy time, never one of the values.
//!
//! Booleans are read as Copilot reads them (yaml.v3 into a Go `bool`): `yes`, `on`, `off` ...
//! count, quoted or not.

pub mod task;

use std::sync::Arc;

use super::LintUnit;
use super::ecs::{self, Dialect, Reader};
use super::hcl_eval::unknown_node;
use super::report::ResourceKind;
use super::spans::{Locator, Naming};
use super::tree::{Entry, Node, NodeKind};
use crate::model::Service;

/// The manifest types Copilot knows.
const TYPES: [&str; 7] = [
    "Load Balanced Web Service",
    "Backend Service",
    "Worker Service",
    "Request-Driven Web Service",
    "Scheduled Job",
    "Static Site",
    "Environment",
];
/// Those that deploy an ECS service.
const ECS_SERVICES: [&str; 3] = [
    "Load Balanced Web Service",
    "Backend Service",
    "Worker Service",
];
/// Environments read, at most (each is one more view of the manifest).
const MAX_ENVIRONMENTS: usize = 16;

pub const RESOURCE_TYPE: &str = "copilot-manifest";

/// Unknown values are tagged as the HCL reader tags them; the ECS reader's Terraform dialect
/// reads them as unresolved, with their description.
const READER: Reader = Reader {
    naming: Naming::Camel,
    dialect: Dialect::Terraform,
};

pub fn is_manifest(root: &Node) -> bool {
    root.is_map()
        && root.get("name").and_then(Node::as_str).is_some()
        && root
            .get("type")
            .and_then(Node::as_str)
            .is_some_and(|t| TYPES.contains(&t))
}

/// `base` with `over` merged in: maps key by key, anything else replaced (how Copilot applies
/// an environment's overrides).
fn merge(base: &Node, over: &Node) -> Node {
    match (&base.kind, &over.kind) {
        (NodeKind::Map(b), NodeKind::Map(o)) => {
            let mut entries: Vec<Entry> = b.clone();
            for e in o {
                match entries.iter_mut().rev().find(|x| x.key == e.key) {
                    Some(x) => {
                        x.value = merge(&x.value, &e.value);
                        x.key_pos = e.key_pos;
                    }
                    None => entries.push(e.clone()),
                }
            }
            Node::new(base.pos, NodeKind::Map(entries))
        }
        (_, NodeKind::Null) => base.clone(),
        _ => over.clone(),
    }
}

/// The manifest without `environments`, then the manifest with each environment merged in,
/// with the environment's name.
fn views(root: &Node) -> Vec<(Option<&str>, Node)> {
    let base = Node::new(
        root.pos,
        NodeKind::Map(
            root.entries()
                .iter()
                .filter(|e| e.key != "environments")
                .cloned()
                .collect(),
        ),
    );
    let mut out = Vec::new();
    for env in root
        .get("environments")
        .map_or(&[][..], Node::entries)
        .iter()
        .filter(|e| e.value.is_map())
        .take(MAX_ENVIRONMENTS)
    {
        out.push((Some(env.key.as_str()), merge(&base, &env.value)));
    }
    out.insert(0, (None, base));
    out
}

/// The value of one setting in each view that has its container: the same everywhere, or
/// unknown, described by where it differs.
fn agree(values: &[(Option<&str>, Option<&Node>)]) -> Option<Node> {
    let first = values.first()?.1;
    let same = |a: Option<&Node>, b: Option<&Node>| match (a, b) {
        (Some(a), Some(b)) => a.kind == b.kind,
        (None, None) => true,
        _ => false,
    };
    if values.iter().all(|(_, v)| same(*v, first)) {
        return first.cloned();
    }
    let pos = values.iter().find_map(|(_, v)| v.map(|n| n.pos))?;
    let text = |v: Option<&Node>| match v {
        Some(n) => n.scalar_text().unwrap_or_else(|| "an expression".into()),
        None => "unset".into(),
    };
    let parts: Vec<String> = values
        .iter()
        .map(|(env, v)| match env {
            Some(env) => format!("{} in environment {env}", text(*v)),
            None => format!("{} by default", text(*v)),
        })
        .collect();
    Some(unknown_node(&parts.join(", "), pos))
}

/// The node at `path` (keys) under `node`.
fn at<'a>(node: &'a Node, path: &[&str]) -> Option<&'a Node> {
    path.iter().try_fold(node, |n, k| n.get(k))
}

/// Sets `path` under `node` to `value` (creating maps on the way), or removes it.
fn put(node: &mut Node, path: &[&str], value: Option<Node>) {
    let Some((key, rest)) = path.split_first() else {
        return;
    };
    let NodeKind::Map(entries) = &mut node.kind else {
        return;
    };
    let found = entries.iter().rposition(|e| e.key == *key);
    if rest.is_empty() {
        match (found, value) {
            (Some(i), Some(v)) => {
                entries[i].key_pos = v.pos;
                entries[i].value = v;
            }
            (Some(i), None) => {
                entries.remove(i);
            }
            (None, Some(v)) => entries.push(Entry {
                key: key.to_string(),
                key_pos: v.pos,
                value: v,
            }),
            (None, None) => {}
        }
        return;
    }
    let i = match found {
        Some(i) => i,
        None => {
            let Some(v) = &value else { return };
            entries.push(Entry {
                key: key.to_string(),
                key_pos: v.pos,
                value: Node::new(v.pos, NodeKind::Map(Vec::new())),
            });
            entries.len() - 1
        }
    };
    put(&mut entries[i].value, rest, value);
}

/// The items of the list `key` of every view's container, each name once (the first place
/// it is set).
fn union(containers: &[(Option<&str>, &Node)], key: &str, id: &str) -> Option<Node> {
    let mut seen: Vec<Node> = Vec::new();
    let mut pos = None;
    for (_, c) in containers {
        let Some(e) = c.entry(key) else { continue };
        pos.get_or_insert(e.key_pos);
        for item in e.value.items() {
            let name = item.get(id).and_then(Node::scalar_text);
            if !seen
                .iter()
                .any(|s| s.get(id).and_then(Node::scalar_text) == name)
            {
                seen.push(item.clone());
            }
        }
    }
    Some(Node::new(pos?, NodeKind::Seq(seen)))
}

/// Container settings read from one place in every view.
const CONTAINER_SETTINGS: [&[&str]; 3] = [
    &["readonlyRootFilesystem"],
    &["linuxParameters", "initProcessEnabled"],
    &["restartPolicy", "enabled"],
];
/// Task settings read from one place in every view.
const TASK_SETTINGS: [&[&str]; 3] = [
    &["pidMode"],
    &["runtimePlatform", "operatingSystemFamily"],
    &["enableExecuteCommand"],
];

/// One task definition from those of every view (see the module docs).
fn combine(tds: &[(Option<&str>, Node)]) -> Node {
    let mut out = tds[0].1.clone();
    for path in TASK_SETTINGS {
        let values: Vec<(Option<&str>, Option<&Node>)> =
            tds.iter().map(|(env, td)| (*env, at(td, path))).collect();
        put(&mut out, path, agree(&values));
    }
    // The containers of every view, by name, in the order they first appear.
    let mut names: Vec<String> = Vec::new();
    for (_, td) in tds {
        for c in td.get("containerDefinitions").map_or(&[][..], Node::items) {
            if let Some(n) = c.get("name").and_then(Node::as_str)
                && !names.iter().any(|x| x == n)
            {
                names.push(n.to_string());
            }
        }
    }
    let mut containers = Vec::new();
    for name in &names {
        let views: Vec<(Option<&str>, &Node)> = tds
            .iter()
            .filter_map(|(env, td)| {
                let c = td
                    .get("containerDefinitions")?
                    .items()
                    .iter()
                    .find(|c| c.get("name").and_then(Node::as_str) == Some(name))?;
                Some((*env, c))
            })
            .collect();
        let mut c = views[0].1.clone();
        for path in CONTAINER_SETTINGS {
            let values: Vec<(Option<&str>, Option<&Node>)> =
                views.iter().map(|(env, c)| (*env, at(c, path))).collect();
            put(&mut c, path, agree(&values));
        }
        for (key, id) in [
            ("environment", "name"),
            ("secrets", "name"),
            ("environmentFiles", "value"),
        ] {
            if let Some(list) = union(&views, key, id) {
                put(&mut c, &[key], Some(list));
            }
        }
        containers.push(c);
    }
    let pos = out.get("containerDefinitions").map_or(out.pos, |n| n.pos);
    put(
        &mut out,
        &["containerDefinitions"],
        Some(Node::new(pos, NodeKind::Seq(containers))),
    );
    out
}

pub fn units(root: &Node) -> Vec<LintUnit> {
    let ty = root.get("type").and_then(Node::as_str).unwrap_or_default();
    if !ECS_SERVICES.contains(&ty) {
        return Vec::new();
    }
    let name = root.get("name").and_then(Node::as_str).unwrap_or_default();
    let pos = root.entry("name").map_or(root.pos, |e| e.key_pos);
    let tds: Vec<(Option<&str>, Node)> = views(root)
        .into_iter()
        .map(|(env, view)| (env, task::task_definition(&view, name, pos)))
        .collect();
    let td = combine(&tds);
    let mut task_definition = ecs::task_definition(&READER, &td, name);
    let (containers, index) = ecs::containers(&READER, READER.list(&td, "containerDefinitions"));
    task_definition.containers = containers;
    let enable_execute_command = match td.get("enableExecuteCommand") {
        None => Some(false),
        Some(n) => match n.kind {
            NodeKind::Bool(b) => Some(b),
            _ => None,
        },
    };
    let mut locator = Locator::new(pos, Vec::new(), Naming::Camel);
    locator.resolved = Some(Arc::new(td));
    let mut unit = LintUnit::new(
        name.to_string(),
        ResourceKind::Service,
        RESOURCE_TYPE,
        pos,
        locator,
    );
    unit.container_index = index;
    unit.service = Some(Service {
        name: name.to_string(),
        enable_execute_command,
        // Copilot's services run on Fargate, on the LATEST platform version.
        launch_type: Some("FARGATE".into()),
        platform_family: task_definition.os_family.clone(),
        ..Default::default()
    });
    unit.task_definition = Some(task_definition);
    if enable_execute_command == Some(true) {
        unit.task_role_policies = Some(copilot_task_role());
    }
    // Copilot puts the service in its environment's security group, which declares no egress
    // rules and so keeps the default allow-all one; groups a manifest adds
    // (`network.vpc.security_groups`) come on top of it.
    unit.service_security_groups = Some(crate::facts::Fact::absent(
        "Copilot's environment security group, which every service gets, allows all outbound traffic",
    ));
    vec![unit]
}

/// The task role Copilot creates for a service with `exec: true`: its CloudFormation template
/// gives the role an `ExecuteCommand` policy allowing the four ssmmessages actions (as in
/// the stacks of copilot-cli's `internal/pkg/deploy/cloudformation/stack/testdata/workloads`).
fn copilot_task_role() -> crate::model::RolePolicies {
    crate::model::RolePolicies {
        role: "the task role Copilot creates".into(),
        policies: vec![crate::model::NamedPolicy {
            name: "the ExecuteCommand policy Copilot adds with `exec: true`".into(),
            document: crate::fixes::allow_policy(
                &crate::fixes::SSMMESSAGES_ACTIONS,
                &["*".to_string()],
            ),
        }],
        ..Default::default()
    }
}

#[cfg(test)]
mod tests;
