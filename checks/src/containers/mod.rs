//! Container-definition checks: they read only the task definition, so `lint` runs them on
//! files and `check` on the live task's definition.

pub mod aws_credentials_in_environment;
pub mod init_process_enabled;
pub mod pid_mode_task;
pub mod proxy_environment;
pub mod readonly_root_filesystem;
pub mod restart_policy;
pub mod windows_container;

use crate::facts::Facts;
use crate::model::{ContainerDefinition, TaskDefinition};

/// The container definitions exec targets, with their index in the task definition: the one
/// named with `--container`, else all of them.
pub fn targeted<'a>(
    f: &Facts<'_>,
    td: &'a TaskDefinition,
) -> Result<Vec<(usize, &'a ContainerDefinition)>, crate::facts::Unavailable> {
    if let Some(unresolved) = &td.containers_unresolved {
        return Err(crate::facts::Unavailable::new(format!(
            "the container definitions are `{unresolved}`, known only at deploy time"
        )));
    }
    Ok(td
        .containers
        .iter()
        .enumerate()
        .filter(|(_, c)| {
            f.target()
                .container
                .as_deref()
                .is_none_or(|name| name == c.name)
        })
        .collect())
}

/// JSON pointer to a field of container `index`.
pub fn pointer(index: usize, field: &str) -> String {
    format!("/containerDefinitions/{index}/{field}")
}
