//! IAM roles and KMS key policies as read by the doctor: the documents that decide whether the
//! exec agent's role can be assumed and whether the exec KMS key may be used.

use serde::{Deserialize, Serialize};

/// A role as `iam:GetRole` returns it. `exists: false` when IAM answered `NoSuchEntity`: the
/// role the task names was deleted (or never existed).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Role {
    pub arn: String,
    pub exists: bool,
    /// The trust policy (`AssumeRolePolicyDocument`), decoded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trust_policy: Option<serde_json::Value>,
}

/// The cluster's exec KMS key policy (`kms:GetKeyPolicy`) and grants (`kms:ListGrants`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct KeyPolicy {
    pub key_arn: String,
    /// The `default` key policy, decoded.
    pub policy: serde_json::Value,
    #[serde(default)]
    pub grants: Vec<Grant>,
    /// Why the grants could not be listed; the policy alone then decides.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grants_error: Option<crate::facts::FactError>,
}

/// One grant on the key.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Grant {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grant_id: Option<String>,
    pub grantee_principal: String,
    /// `Decrypt`, `GenerateDataKey`, …
    pub operations: Vec<String>,
}
