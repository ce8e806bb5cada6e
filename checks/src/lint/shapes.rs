//! Which ECS shape a JSON or YAML document is (task definition, service, CloudFormation,
//! Terraform plan), by content, and the units of the plain ECS JSON shapes.

use super::ecs::{self, Reader};
use super::report::{InputKind, ResourceKind, Syntax};
use super::spans::{Locator, Naming, Seg};
use super::tree::Node;
use super::{LintUnit, cloudformation, terraform};

/// The syntax of a text, from its first significant character (`#` comments mean YAML).
pub fn syntax_of(text: &str) -> Syntax {
    for line in text.lines().map(str::trim_start) {
        if line.is_empty() || line.starts_with("//") {
            continue;
        }
        return match line.as_bytes()[0] {
            b'{' | b'[' => Syntax::Json,
            _ => Syntax::Yaml,
        };
    }
    Syntax::Yaml
}

/// The input kind of a parsed document, or `None` when it is none of them.
pub fn detect(root: &Node) -> Option<InputKind> {
    if !root.is_map() {
        return None;
    }
    if cloudformation::is_template(root) {
        return Some(InputKind::Cloudformation);
    }
    if terraform::is_plan(root) {
        return Some(InputKind::TerraformPlan);
    }
    if root
        .get("taskDefinition")
        .is_some_and(|t| t.get("containerDefinitions").is_some())
        || root.get("containerDefinitions").is_some_and(Node::is_seq)
    {
        return Some(InputKind::TaskDefinition);
    }
    let is_service = |n: &Node| n.get("serviceName").is_some() || n.get("serviceArn").is_some();
    if root
        .get("services")
        .is_some_and(|s| s.items().iter().any(is_service))
        || root.get("service").is_some_and(is_service)
        || root
            .get("serviceName")
            .is_some_and(|n| n.as_str().is_some())
        || is_update_service_input(root)
        || is_unnamed_service_definition(root)
    {
        return Some(InputKind::Service);
    }
    None
}

/// `update-service --cli-input-json` input: the service by name under `service` (not an
/// ecspresso config, which names its definition files beside it).
fn is_update_service_input(root: &Node) -> bool {
    root.get("service").and_then(Node::as_str).is_some()
        && root.get("service_definition").is_none()
        && root.get("task_definition").is_none()
        && [
            "cluster",
            "enableExecuteCommand",
            "taskDefinition",
            "forceNewDeployment",
        ]
        .iter()
        .any(|k| root.get(k).is_some())
}

/// A service definition without a name, as ecspresso keeps `ecs-service-def.json` (the name is
/// in its config): at least two fields only a service has, and no containers.
fn is_unnamed_service_definition(root: &Node) -> bool {
    const SERVICE_FIELDS: [&str; 9] = [
        "deploymentConfiguration",
        "desiredCount",
        "schedulingStrategy",
        "enableExecuteCommand",
        "capacityProviderStrategy",
        "serviceRegistries",
        "deploymentController",
        "loadBalancers",
        "placementStrategy",
    ];
    root.get("containerDefinitions").is_none()
        && SERVICE_FIELDS
            .iter()
            .filter(|k| root.get(k).is_some())
            .count()
            >= 2
}

pub(super) fn task_definition_units(root: &Node) -> Vec<LintUnit> {
    let (obj, pos, path) = match root.entry("taskDefinition") {
        Some(e) if e.value.is_map() => {
            (&e.value, e.key_pos, vec![Seg::Key("taskDefinition".into())])
        }
        _ => (root, root.pos, Vec::new()),
    };
    let r = Reader::ECS;
    let mut td = ecs::task_definition(&r, obj, "(no family)");
    let (containers, index) = ecs::containers(&r, r.list(obj, "containerDefinitions"));
    td.containers = containers;
    let mut unit = LintUnit::new(
        td.display_name(),
        ResourceKind::TaskDefinition,
        "task-definition",
        pos,
        Locator::new(pos, path, Naming::Camel),
    );
    unit.container_index = index;
    unit.task_definition = Some(td);
    vec![unit]
}

pub(super) fn service_units(root: &Node) -> Vec<LintUnit> {
    let objects: Vec<(&Node, Vec<Seg>)> = if let Some(list) = root.get("services") {
        list.items()
            .iter()
            .enumerate()
            .filter(|(_, s)| s.is_map())
            .map(|(i, s)| (s, vec![Seg::Key("services".into()), Seg::Index(i)]))
            .collect()
    } else if let Some(s) = root.get("service").filter(|s| s.is_map()) {
        vec![(s, vec![Seg::Key("service".into())])]
    } else {
        vec![(root, Vec::new())]
    };
    let r = Reader::ECS;
    objects
        .into_iter()
        .map(|(obj, path)| {
            // update-service input names the service under `service`; ecspresso's
            // definitions leave the name to its config.
            let fallback = obj
                .get("service")
                .and_then(Node::as_str)
                .unwrap_or("SERVICE");
            let service = ecs::service(&r, obj, fallback);
            let mut unit = LintUnit::new(
                service.name.clone(),
                ResourceKind::Service,
                "service",
                obj.pos,
                Locator::new(obj.pos, path, Naming::Camel),
            );
            unit.cluster = ecs::cluster(&r, obj);
            unit.service = Some(service);
            unit
        })
        .collect()
}
