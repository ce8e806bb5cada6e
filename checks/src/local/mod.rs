//! Checks of the machine that runs `aws ecs execute-command`.

pub mod aws_cli_version;
pub mod session_manager_plugin;
