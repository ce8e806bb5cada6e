//! Checks of the identity that runs `aws ecs execute-command`.

pub mod execute_command_allowed;
pub mod kms_generate_data_key;
pub mod start_session_denied;
