//! Checks of the cluster's `executeCommandConfiguration`.

pub mod exec_audit_logging;
pub mod exec_kms_key;
pub mod exec_kms_key_policy;
pub mod exec_log_destination;
