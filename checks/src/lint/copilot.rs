//! AWS Copilot service manifests (`copilot/<svc>/manifest.yml`): ECS Exec is the manifest's
//! `exec` field (absent means off), per environment under `environments.<env>.exec`. Only the
//! ECS-based types have a service to lint; the rest (App Runner, static sites, jobs,
//! environments) are recognised and have nothing to lint. For everything else a manifest
//! builds, lint the output of `copilot svc package`.

use super::LintUnit;
use super::ecs::as_bool;
use super::report::ResourceKind;
use super::spans::{Locator, Naming, Seg};
use super::tree::Node;
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

pub const RESOURCE_TYPE: &str = "copilot-manifest";

pub fn is_manifest(root: &Node) -> bool {
    root.is_map()
        && root.get("name").and_then(Node::as_str).is_some()
        && root
            .get("type")
            .and_then(Node::as_str)
            .is_some_and(|t| TYPES.contains(&t))
}

pub fn units(root: &Node) -> Vec<LintUnit> {
    let ty = root.get("type").and_then(Node::as_str).unwrap_or_default();
    if !ECS_SERVICES.contains(&ty) {
        return Vec::new();
    }
    let name = root.get("name").and_then(Node::as_str).unwrap_or_default();
    let base = root.get("exec").map_or(Some(false), as_bool);
    // An environment that overrides `exec` with another value makes it depend on where the
    // service is deployed: unknown here.
    let overridden = root
        .get("environments")
        .map_or(&[][..], Node::entries)
        .iter()
        .filter_map(|e| e.value.get("exec"))
        .any(|v| as_bool(v) != base);
    let pos = root.entry("exec").map_or(root.pos, |e| e.key_pos);
    let mut unit = LintUnit::new(
        name.to_string(),
        ResourceKind::Service,
        RESOURCE_TYPE,
        pos,
        Locator::new(pos, Vec::<Seg>::new(), Naming::Camel),
    );
    unit.service = Some(Service {
        name: name.to_string(),
        enable_execute_command: if overridden { None } else { base },
        // Copilot deploys on the latest Fargate platform unless told otherwise.
        ..Default::default()
    });
    vec![unit]
}
