//! Which role the exec agent in a task uses, and which KMS key ARN the session uses. Shared by
//! the live fetcher (to know what to simulate) and the checks (to read the answer), so both
//! always agree.

use serde::{Deserialize, Serialize};

use crate::facts::{Facts, Unavailable};
use crate::model::{Cluster, InstanceRole, KmsKey, Target, Task, TaskDefinition};

/// The role the exec agent authenticates with, and where it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "source", content = "arn", rename_all = "kebab-case")]
pub enum TaskRole {
    /// `overrides.taskRoleArn` of RunTask (wins over the task definition).
    Override(String),
    /// The task definition's `taskRoleArn`.
    TaskDefinition(String),
    /// No task role: on EC2 the agent falls back to the instance profile's role.
    InstanceProfile(String),
    None,
}

impl TaskRole {
    pub fn arn(&self) -> Option<&str> {
        match self {
            TaskRole::Override(a) | TaskRole::TaskDefinition(a) | TaskRole::InstanceProfile(a) => {
                Some(a)
            }
            TaskRole::None => None,
        }
    }

    pub fn describe(&self) -> String {
        match self {
            TaskRole::Override(a) => format!("task role `{a}` (RunTask override)"),
            TaskRole::TaskDefinition(a) => format!("task role `{a}`"),
            TaskRole::InstanceProfile(a) => format!("EC2 instance role `{a}` (no task role)"),
            TaskRole::None => "no role".into(),
        }
    }
}

/// Override > task definition > EC2 instance-profile role.
pub fn effective(
    task: Option<&Task>,
    task_definition: Option<&TaskDefinition>,
    instance_role: Option<&InstanceRole>,
) -> TaskRole {
    if let Some(arn) = task.and_then(|t| t.task_role_override.clone()) {
        return TaskRole::Override(arn);
    }
    if let Some(arn) = task_definition
        .and_then(|d| d.task_role_arn.as_ref())
        .and_then(|v| v.known())
    {
        return TaskRole::TaskDefinition(arn.clone());
    }
    if let Some(arn) = instance_role.and_then(|r| r.role_arns.first()) {
        return TaskRole::InstanceProfile(arn.clone());
    }
    TaskRole::None
}

/// The exec KMS key as an ARN: from `kms:DescribeKey` when fetched, else from the configured
/// id when it is an ARN or a key id. `None` when the cluster has no key.
pub fn exec_kms_arn(target: &Target, cluster: &Cluster, key: Option<&KmsKey>) -> Option<String> {
    let configured = cluster.exec_config.kms_key_id.as_deref()?;
    if let Some(key) = key {
        return Some(key.arn.clone());
    }
    if configured.starts_with("arn:") && configured.contains(":key/") {
        return Some(configured.to_string());
    }
    let cluster_arn = crate::arn::Arn::parse(&cluster.arn)?;
    if configured.starts_with("alias/") || configured.contains(":alias/") {
        return None;
    }
    let region = if cluster_arn.region.is_empty() {
        &target.region
    } else {
        &cluster_arn.region
    };
    Some(format!(
        "arn:{}:kms:{}:{}:key/{}",
        cluster_arn.partition, region, cluster_arn.account, configured
    ))
}

/// [`exec_kms_arn`] for a check: UNKNOWN when an alias could not be resolved.
pub fn kms_key_arn(f: &Facts<'_>) -> Result<String, Unavailable> {
    let cluster = f.cluster()?;
    let key = f.diagnosis.kms_key.value();
    exec_kms_arn(f.target(), cluster, key).ok_or_else(|| {
        let why = f
            .diagnosis
            .kms_key
            .error()
            .map(|e| e.describe())
            .unwrap_or_else(|| "it was not resolved".into());
        Unavailable::new(format!(
            "the exec KMS key `{}` is an alias that could not be resolved to a key: {why}",
            cluster.exec_config.kms_key_id.clone().unwrap_or_default()
        ))
    })
}

/// The effective role for a check.
pub fn for_check(f: &Facts<'_>) -> Result<TaskRole, Unavailable> {
    let task = f.subject.task.value();
    let td = f.task_definition()?;
    let instance = match f.subject.instance_role.value() {
        Some(r) => Some(r),
        None if task.is_some_and(|t| !t.is_fargate())
            && f.subject.instance_role.error().is_some() =>
        {
            // The fallback matters only when there is no task role.
            if task.and_then(|t| t.task_role_override.as_ref()).is_none()
                && td.task_role_arn.is_none()
            {
                return Err(Unavailable::from_error(
                    "EC2 instance role",
                    f.subject.instance_role.error().expect("checked"),
                ));
            }
            None
        }
        None => None,
    };
    Ok(effective(task, Some(td), instance))
}

/// The (action, resource) pairs the exec agent needs on its role for session logging with
/// `logging=OVERRIDE` (empty otherwise). `None` when `cluster_arn` is not an ARN.
pub fn logging_actions(
    cluster_arn: &str,
    config: &crate::model::ExecConfig,
) -> Option<Vec<(&'static str, String)>> {
    let arn = crate::arn::Arn::parse(cluster_arn)?;
    let mut out = Vec::new();
    if config.logging != "OVERRIDE" {
        return Some(out);
    }
    if let Some(group) = &config.cloud_watch_log_group {
        let group_arn = format!(
            "arn:{}:logs:{}:{}:log-group:{group}:*",
            arn.partition, arn.region, arn.account
        );
        out.push(("logs:DescribeLogGroups", "*".to_string()));
        for action in [
            "logs:CreateLogStream",
            "logs:DescribeLogStreams",
            "logs:PutLogEvents",
        ] {
            out.push((action, group_arn.clone()));
        }
    }
    if let Some(bucket) = &config.s3_bucket {
        out.push(("s3:GetBucketLocation", "*".to_string()));
        out.push((
            "s3:GetEncryptionConfiguration",
            format!("arn:{}:s3:::{bucket}", arn.partition),
        ));
        let prefix = config
            .s3_key_prefix
            .as_deref()
            .map(|p| format!("{}/", p.trim_end_matches('/')))
            .unwrap_or_default();
        out.push((
            "s3:PutObject",
            format!("arn:{}:s3:::{bucket}/{prefix}*", arn.partition),
        ));
    }
    Some(out)
}
