//! ARN parsing: partition, region and account are taken from ARNs rather than assumed, so
//! `aws-cn` and `aws-us-gov` work and a task ARN tells the region to use.

use serde::{Deserialize, Serialize};

/// The six fields of an ARN (`arn:partition:service:region:account:resource`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Arn {
    pub partition: String,
    pub service: String,
    pub region: String,
    pub account: String,
    pub resource: String,
}

impl Arn {
    /// Parses `text`; `None` when it is not an ARN.
    pub fn parse(text: &str) -> Option<Self> {
        let mut it = text.trim().splitn(6, ':');
        if it.next()? != "arn" {
            return None;
        }
        let partition = it.next()?.to_string();
        let service = it.next()?.to_string();
        let region = it.next()?.to_string();
        let account = it.next()?.to_string();
        let resource = it.next()?.to_string();
        if partition.is_empty() || service.is_empty() || resource.is_empty() {
            return None;
        }
        Some(Self {
            partition,
            service,
            region,
            account,
            resource,
        })
    }

    /// The last `/`-separated segment of the resource (`abc` for `task/cluster/abc`).
    pub fn resource_name(&self) -> &str {
        self.resource.rsplit('/').next().unwrap_or(&self.resource)
    }
}

impl std::fmt::Display for Arn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "arn:{}:{}:{}:{}:{}",
            self.partition, self.service, self.region, self.account, self.resource
        )
    }
}

/// The task id of a task ARN (long `task/CLUSTER/ID` or short `task/ID`) or a bare id.
pub fn task_id(task: &str) -> &str {
    task.trim().rsplit('/').next().unwrap_or(task)
}

/// `family:revision` of a task definition ARN, or the argument itself.
pub fn task_definition_name(task_definition: &str) -> &str {
    match task_definition.trim().split_once(":task-definition/") {
        Some((_, name)) => name,
        None => task_definition.trim(),
    }
}

/// The cluster name of a cluster ARN, or the argument itself.
pub fn cluster_name(cluster: &str) -> &str {
    match cluster.trim().split_once(":cluster/") {
        Some((_, name)) => name,
        None => cluster.trim(),
    }
}

/// The cluster name that a long-format task ARN carries (`task/CLUSTER/ID`).
pub fn cluster_of_task_arn(task_arn: &str) -> Option<&str> {
    let arn_resource = task_arn.split_once(":task/")?.1;
    let (cluster, _id) = arn_resource.split_once('/')?;
    Some(cluster)
}

/// The IAM role name and path inside an `assumed-role` session ARN:
/// `arn:aws:sts::1:assumed-role/NAME/SESSION` gives `NAME`. The path is not in the session ARN;
/// it comes from `iam:GetRole`.
pub fn assumed_role_name(arn: &str) -> Option<&str> {
    let parsed = arn.split_once(":assumed-role/")?.1;
    parsed.split('/').next().filter(|s| !s.is_empty())
}

/// The role name of a role ARN (`arn:aws:iam::1:role/path/NAME` gives `NAME`).
pub fn role_name(role_arn: &str) -> &str {
    role_arn.rsplit('/').next().unwrap_or(role_arn)
}

/// Whether a task id or ARN has the shape ECS accepts (`task length should be one of [32,36]`).
pub fn is_plausible_task(task: &str) -> bool {
    let id = task_id(task);
    (id.len() == 32 || id.len() == 36) && id.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_partitions_and_resources() {
        let a = Arn::parse(
            "arn:aws-cn:ecs:cn-north-1:123456789012:task/prod/0123456789abcdef0123456789abcdef",
        )
        .unwrap();
        assert_eq!(a.partition, "aws-cn");
        assert_eq!(a.region, "cn-north-1");
        assert_eq!(a.resource_name(), "0123456789abcdef0123456789abcdef");
        assert_eq!(
            a.to_string(),
            "arn:aws-cn:ecs:cn-north-1:123456789012:task/prod/0123456789abcdef0123456789abcdef"
        );
        assert!(Arn::parse("not-an-arn").is_none());
        assert!(Arn::parse("arn:aws:ecs").is_none());
    }

    #[test]
    fn task_and_cluster_names() {
        assert_eq!(task_id("arn:aws:ecs:us-east-1:1:task/c/abc"), "abc");
        assert_eq!(task_id("arn:aws:ecs:us-east-1:1:task/abc"), "abc");
        assert_eq!(task_id("abc"), "abc");
        assert_eq!(cluster_name("arn:aws:ecs:us-east-1:1:cluster/prod"), "prod");
        assert_eq!(cluster_name("prod"), "prod");
        assert_eq!(
            cluster_of_task_arn("arn:aws:ecs:us-east-1:1:task/prod/abc"),
            Some("prod")
        );
        assert_eq!(
            cluster_of_task_arn("arn:aws:ecs:us-east-1:1:task/abc"),
            None
        );
    }

    #[test]
    fn roles() {
        assert_eq!(
            assumed_role_name("arn:aws:sts::1:assumed-role/Admin/me@x"),
            Some("Admin")
        );
        assert_eq!(assumed_role_name("arn:aws:iam::1:user/me"), None);
        assert_eq!(role_name("arn:aws:iam::1:role/service-role/app"), "app");
    }

    #[test]
    fn task_shape() {
        assert!(is_plausible_task("9fdd0220f6484313bd9505020dc9a109"));
        assert!(is_plausible_task(
            "arn:aws:ecs:us-east-2:1:task/c/9fdd0220f6484313bd9505020dc9a109"
        ));
        assert!(!is_plausible_task("web"));
    }
}
