//! Checks of the task, its service and where it runs.

pub mod anywhere_instance_online;
pub mod ecs_agent_version;
pub mod exec_agent_running;
pub mod exec_enabled;
pub mod fargate_platform_version;
pub mod service_exec_enabled;
pub mod service_platform_version;
pub mod task_running;
