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
    /// The role's tags, which its sessions carry as `aws:PrincipalTag/*`.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub tags: std::collections::BTreeMap<String, String>,
}

/// The permissions policies of a role as an input file defines them (`lint`): the role's
/// inline policies, the policies attached to it in the same input, and the AWS managed
/// policies whose statements the doctor bundles (see `roles::managed`). What the input
/// attaches but does not show (a customer managed policy ARN, a variable, an AWS managed
/// policy not bundled) is named in `unread`: a decision that needs it is unknown.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RolePolicies {
    /// The role as the input names it (`TaskRole`, `aws_iam_role.task`).
    pub role: String,
    #[serde(default)]
    pub policies: Vec<NamedPolicy>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unread: Vec<String>,
    /// Statements left out because a value in them is known only at deploy time.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unread_statements: Vec<String>,
}

/// One policy document and where it comes from.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NamedPolicy {
    /// How the input names it (`Policies[ecs-exec]`, `aws_iam_role_policy.exec`,
    /// `AmazonSSMManagedInstanceCore (AWS managed)`).
    pub name: String,
    pub document: serde_json::Value,
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

/// Where the cluster's `logging=OVERRIDE` sends exec session transcripts, as CloudWatch Logs
/// (`logs:DescribeLogGroups`) and S3 (`s3:GetEncryptionConfiguration`) report it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LogDestinations {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_group: Option<LogGroup>,
    /// Why the log group could not be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_group_error: Option<crate::facts::FactError>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bucket: Option<BucketEncryption>,
    /// Why the bucket's encryption could not be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bucket_error: Option<crate::facts::FactError>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LogGroup {
    pub name: String,
    pub exists: bool,
    /// The KMS key the group is encrypted with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BucketEncryption {
    pub name: String,
    pub exists: bool,
    /// Whether the bucket has a default encryption configuration.
    pub encrypted: bool,
    /// `AES256`, `aws:kms`, `aws:kms:dsse`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub algorithm: Option<String>,
}
