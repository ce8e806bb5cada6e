//! A bare list of container definitions, as Terraform modules keep them for
//! `container_definitions = file(...)` / `templatefile(...)` (`.json`, `.json.tpl`): linted as
//! the containers of a task definition whose task-level settings (task role, pidMode) are
//! elsewhere, so no check claims anything about them. `${...}` placeholders, quoted or not,
//! are unknown values.

use crate::model::Value;

use super::LintUnit;
use super::ecs::{self, Dialect, Reader};
use super::report::ResourceKind;
use super::spans::{Locator, Naming, Seg};
use super::tree::Node;

/// A list whose items are objects, each with the `name` and `image` every container
/// definition must have (RegisterTaskDefinition refuses one without either): an Ansible task
/// file, a list of users or a `.pre-commit-hooks.yaml` has names but no images.
pub fn is_container_array(root: &Node) -> bool {
    let items = root.items();
    root.is_seq()
        && !items.is_empty()
        && items
            .iter()
            .all(|c| c.is_map() && c.get("name").is_some() && c.get("image").is_some())
}

pub fn units(root: &Node) -> Vec<LintUnit> {
    // Placeholders are tagged like Terraform expressions: read them as unknown.
    let reader = Reader {
        naming: Naming::Camel,
        dialect: Dialect::Terraform,
    };
    let (containers, index) = ecs::containers(&reader, root.items());
    let elsewhere = || {
        Some(Value::Unresolved {
            unresolved: "not in a container-definitions file".into(),
        })
    };
    let td = crate::model::TaskDefinition {
        family: "(container definitions)".into(),
        task_role_arn: elsewhere(),
        pid_mode: elsewhere(),
        containers,
        ..Default::default()
    };
    let mut unit = LintUnit::new(
        td.family.clone(),
        ResourceKind::TaskDefinition,
        "container-definitions",
        root.pos,
        Locator::new(root.pos, Vec::<Seg>::new(), Naming::Camel),
    );
    unit.container_index = index;
    unit.task_definition = Some(td);
    vec![unit]
}
