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

/// The partitions and the prefix of their regions; a region that starts with none of the
/// prefixes is in `aws`.
const PARTITIONS: [(&str, &str); 7] = [
    ("aws-cn", "cn-"),
    ("aws-us-gov", "us-gov-"),
    ("aws-iso", "us-iso-"),
    ("aws-iso-b", "us-isob-"),
    ("aws-iso-e", "eu-isoe-"),
    ("aws-iso-f", "us-isof-"),
    ("aws-eusc", "eusc-"),
];

/// The partition a region belongs to (`aws-cn` for `cn-north-1`, `aws` for `us-east-1`).
pub fn partition_of_region(region: &str) -> &'static str {
    PARTITIONS
        .iter()
        .find(|(_, prefix)| region.starts_with(prefix))
        .map_or("aws", |(partition, _)| partition)
}

/// Whether `region` has the shape of a region name (`us-east-1`, `us-gov-west-1`): three or
/// more lowercase parts, the last one a number. Catches typos only by shape.
pub fn is_region_shaped(region: &str) -> bool {
    let parts: Vec<&str> = region.split('-').collect();
    parts.len() >= 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
        && parts
            .last()
            .is_some_and(|p| p.chars().all(|c| c.is_ascii_digit()))
}

/// The ECS resources the doctor takes as arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EcsResource {
    Task,
    Cluster,
    Service,
    ContainerInstance,
}

impl EcsResource {
    /// The resource type as an ARN spells it (`task` in `...:task/CLUSTER/ID`).
    pub fn word(self) -> &'static str {
        match self {
            EcsResource::Task => "task",
            EcsResource::Cluster => "cluster",
            EcsResource::Service => "service",
            EcsResource::ContainerInstance => "container-instance",
        }
    }

    /// What to give instead, for the end of an error message.
    fn expected(self) -> &'static str {
        match self {
            EcsResource::Task => "give a task id or task ARN",
            EcsResource::Cluster => "give a cluster name or cluster ARN",
            EcsResource::Service => "give a service name or service ARN",
            EcsResource::ContainerInstance => {
                "give a container instance id or container instance ARN"
            }
        }
    }

    /// Whether `name` is what this resource's last ARN segment may be: a 32-character hex or
    /// 36-character UUID id for tasks and container instances, up to 255 letters, digits, `-`
    /// and `_` for clusters and services.
    fn is_valid_name(self, name: &str) -> bool {
        match self {
            EcsResource::Task | EcsResource::ContainerInstance => is_task_id(name),
            EcsResource::Cluster | EcsResource::Service => is_resource_name(name),
        }
    }
}

/// An ECS ARN given as an argument, checked field by field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EcsArn {
    pub arn: Arn,
    /// The cluster a long-format task, service or container-instance ARN names
    /// (`task/CLUSTER/ID`); `None` in the old format (`task/ID`) and for clusters.
    pub cluster: Option<String>,
    /// The task id, cluster name, service name or container instance id.
    pub name: String,
}

/// Parses `text` as an ARN of `expected` strictly: a known partition with one of its regions,
/// service `ecs`, a 12-digit account, and a resource of the expected type in the old
/// (`task/ID`) or new (`task/CLUSTER/ID`) format. The error is one line saying what is wrong
/// and what to give instead.
pub fn parse_ecs_arn(text: &str, expected: EcsResource) -> Result<EcsArn, String> {
    let text = text.trim();
    let want = expected.expected();
    let arn = Arn::parse(text).ok_or_else(|| format!("`{text}` is not a complete ARN; {want}"))?;
    let known: Vec<&str> = std::iter::once("aws")
        .chain(PARTITIONS.iter().map(|(p, _)| *p))
        .collect();
    if !known.contains(&arn.partition.as_str()) {
        return Err(format!(
            "`{text}`: `{}` is not an AWS partition (one of {}); {want}",
            arn.partition,
            known.join(", ")
        ));
    }
    if arn.service != "ecs" {
        return Err(format!(
            "`{text}` is an ARN of `{}`, not of ECS; {want}",
            arn.service
        ));
    }
    if !is_region_shaped(&arn.region) {
        return Err(format!(
            "`{text}`: `{}` is not a region; {want}",
            arn.region
        ));
    }
    let partition = partition_of_region(&arn.region);
    if partition != arn.partition {
        return Err(format!(
            "`{text}`: region `{}` is in partition `{partition}`, not `{}`; {want}",
            arn.region, arn.partition
        ));
    }
    if arn.account.len() != 12 || !arn.account.chars().all(|c| c.is_ascii_digit()) {
        return Err(format!(
            "`{text}`: account `{}` is not 12 digits; {want}",
            arn.account
        ));
    }
    let (kind, rest) = arn.resource.split_once('/').unwrap_or((&arn.resource, ""));
    if kind != expected.word() {
        let hint = if kind == "service" && expected == EcsResource::Task {
            format!(" (for a service use --service {})", arn.resource_name())
        } else {
            String::new()
        };
        let what = match kind {
            "" => "has no resource type".to_string(),
            kind => format!("is a {} ARN", kind.replace('-', " ")),
        };
        return Err(format!("`{text}` {what}; {want}{hint}"));
    }
    let parts: Vec<&str> = rest.split('/').collect();
    let (cluster, name) = match (expected, parts.as_slice()) {
        (EcsResource::Cluster, [name]) => (None, *name),
        (EcsResource::Cluster, _) => {
            return Err(format!(
                "`{text}`: a cluster ARN ends in `cluster/NAME`; {want}"
            ));
        }
        (_, [name]) => (None, *name),
        (_, [cluster, name]) if is_resource_name(cluster) => (Some(cluster.to_string()), *name),
        _ => {
            let word = expected.word();
            return Err(format!(
                "`{text}`: a {word} ARN ends in `{word}/NAME` or `{word}/CLUSTER/NAME`; {want}"
            ));
        }
    };
    if !expected.is_valid_name(name) {
        let why = match expected {
            EcsResource::Task | EcsResource::ContainerInstance => {
                "is not an id (32 hex characters or a 36-character UUID)"
            }
            EcsResource::Cluster | EcsResource::Service => {
                "is not a name (up to 255 letters, digits, `-` and `_`)"
            }
        };
        return Err(format!("`{text}`: `{name}` {why}; {want}"));
    }
    let name = name.to_string();
    Ok(EcsArn { arn, cluster, name })
}

/// An ECS task or container instance id: 32 hex characters, or a 36-character UUID.
pub fn is_task_id(id: &str) -> bool {
    (id.len() == 32 || id.len() == 36) && id.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
}

/// A cluster or service name as ECS allows it: 1 to 255 letters, digits, `-` and `_`.
pub fn is_resource_name(name: &str) -> bool {
    (1..=255).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
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
    is_task_id(task_id(task))
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

    const ID: &str = "0123456789abcdef0123456789abcdef";

    fn task(arn: &str) -> Result<EcsArn, String> {
        parse_ecs_arn(arn, EcsResource::Task)
    }

    #[track_caller]
    fn refused(arn: &str, expected: EcsResource, needle: &str) {
        let err = parse_ecs_arn(arn, expected).unwrap_err();
        assert!(
            err.contains(needle),
            "{arn}: expected {needle:?} in {err:?}"
        );
        assert!(!err.contains('\n'), "{err}");
    }

    #[test]
    fn strict_task_arns_old_and_new_format() {
        let new = task(&format!(
            "arn:aws:ecs:us-east-1:123456789012:task/prod/{ID}"
        ))
        .unwrap();
        assert_eq!(new.cluster.as_deref(), Some("prod"));
        assert_eq!(new.name, ID);
        assert_eq!(new.arn.region, "us-east-1");
        let old = task(&format!(" arn:aws:ecs:us-east-1:123456789012:task/{ID} ")).unwrap();
        assert_eq!(old.cluster, None);
        assert_eq!(old.name, ID);
        let uuid = "01234567-89ab-cdef-0123-456789abcdef";
        assert!(task(&format!("arn:aws:ecs:us-east-1:123456789012:task/{uuid}")).is_ok());
        for (partition, region) in [
            ("aws-cn", "cn-north-1"),
            ("aws-us-gov", "us-gov-west-1"),
            ("aws-iso", "us-iso-east-1"),
            ("aws-iso-b", "us-isob-east-1"),
            ("aws-iso-e", "eu-isoe-west-1"),
            ("aws-iso-f", "us-isof-south-1"),
            ("aws-eusc", "eusc-de-east-1"),
            ("aws", "ap-southeast-2"),
        ] {
            let arn = format!("arn:{partition}:ecs:{region}:123456789012:task/c/{ID}");
            assert!(task(&arn).is_ok(), "{arn}");
            assert_eq!(partition_of_region(region), partition);
        }
    }

    #[test]
    fn each_wrong_field_is_named() {
        let t = EcsResource::Task;
        let acct = "123456789012";
        refused(
            &format!("arn:xyz:ecs:us-east-1:{acct}:task/{ID}"),
            t,
            "`xyz` is not an AWS partition",
        );
        refused(
            &format!("arn:aws-cn:ecs:us-east-1:{acct}:task/{ID}"),
            t,
            "region `us-east-1` is in partition `aws`, not `aws-cn`",
        );
        refused(
            &format!("arn:aws:ecs:cn-north-1:{acct}:task/{ID}"),
            t,
            "region `cn-north-1` is in partition `aws-cn`, not `aws`",
        );
        refused(
            &format!("arn:aws-us-gov:ecs:us-east-1:{acct}:task/{ID}"),
            t,
            "in partition `aws`, not `aws-us-gov`",
        );
        refused(
            &format!("arn:aws:ecs::{acct}:task/{ID}"),
            t,
            "`` is not a region",
        );
        refused(
            &format!("arn:aws:ecs:useast1:{acct}:task/{ID}"),
            t,
            "`useast1` is not a region",
        );
        refused(
            &format!("arn:aws:iam::{acct}:role/x"),
            t,
            "an ARN of `iam`, not of ECS",
        );
        refused(
            &format!("arn:aws:ec2:us-east-1:{acct}:task/{ID}"),
            t,
            "an ARN of `ec2`, not of ECS",
        );
        refused(
            &format!("arn:aws:ecs:us-east-1:1234:task/{ID}"),
            t,
            "account `1234` is not 12 digits",
        );
        refused(
            &format!("arn:aws:ecs:us-east-1:12345678901x:task/{ID}"),
            t,
            "is not 12 digits",
        );
        refused("arn:aws:ecs:us-east-1", t, "is not a complete ARN");
        refused(
            &format!("arn:aws:ecs:us-east-1:{acct}:task/prod/web"),
            t,
            "`web` is not an id",
        );
        refused(
            &format!("arn:aws:ecs:us-east-1:{acct}:task/a/b/{ID}"),
            t,
            "ends in `task/NAME` or `task/CLUSTER/NAME`",
        );
        refused(
            &format!("arn:aws:ecs:us-east-1:{acct}:task/a b/{ID}"),
            t,
            "ends in `task/NAME`",
        );
    }

    #[test]
    fn the_resource_type_must_be_the_one_asked_for() {
        let acct = "arn:aws:ecs:us-east-1:123456789012";
        // A service whose name looks like a task id was taken for a task.
        refused(
            &format!("{acct}:service/prod/{ID}"),
            EcsResource::Task,
            &format!(
                "is a service ARN; give a task id or task ARN (for a service use --service {ID})"
            ),
        );
        refused(
            &format!("{acct}:container-instance/prod/{ID}"),
            EcsResource::Task,
            "is a container instance ARN; give a task id",
        );
        refused(
            &format!("{acct}:cluster/prod"),
            EcsResource::Task,
            "is a cluster ARN",
        );
        refused(
            &format!("{acct}:task-definition/web:3"),
            EcsResource::Task,
            "is a task definition ARN",
        );
        refused(
            &format!("{acct}:task/prod/{ID}"),
            EcsResource::Cluster,
            "is a task ARN; give a cluster name or cluster ARN",
        );
        refused(
            &format!("{acct}:task/prod/{ID}"),
            EcsResource::Service,
            "is a task ARN; give a service name or service ARN",
        );
        refused(
            &format!("{acct}:cluster/a/b"),
            EcsResource::Cluster,
            "ends in `cluster/NAME`",
        );
        refused(
            &format!("{acct}:cluster/a.b"),
            EcsResource::Cluster,
            "`a.b` is not a name",
        );
        refused(&format!("{acct}:{ID}"), EcsResource::Task, "is a 0123");
        let cluster =
            parse_ecs_arn(&format!("{acct}:cluster/prod_1-a"), EcsResource::Cluster).unwrap();
        assert_eq!((cluster.cluster, cluster.name.as_str()), (None, "prod_1-a"));
        let service =
            parse_ecs_arn(&format!("{acct}:service/prod/web"), EcsResource::Service).unwrap();
        assert_eq!(
            (service.cluster.as_deref(), service.name.as_str()),
            (Some("prod"), "web")
        );
        let old = parse_ecs_arn(&format!("{acct}:service/web"), EcsResource::Service).unwrap();
        assert_eq!((old.cluster, old.name.as_str()), (None, "web"));
        let ci = parse_ecs_arn(
            &format!("{acct}:container-instance/prod/{ID}"),
            EcsResource::ContainerInstance,
        )
        .unwrap();
        assert_eq!(ci.cluster.as_deref(), Some("prod"));
    }

    #[test]
    fn names_and_regions_by_shape() {
        assert!(is_resource_name("prod-1_a"));
        assert!(!is_resource_name(""));
        assert!(!is_resource_name(&"a".repeat(256)));
        assert!(!is_resource_name("prod/x"));
        assert!(is_region_shaped("us-gov-west-1"));
        assert!(!is_region_shaped("us-notaregion"));
        assert!(!is_region_shaped("US-EAST-1"));
    }
}
