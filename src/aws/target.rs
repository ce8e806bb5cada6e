//! What to diagnose, from the arguments: cluster and task (names or ARNs), service,
//! container, and the region and partition an ARN carries.

use ecs_exec_doctor_checks::arn::{self, Arn};

use crate::cli::CheckArgs;
use crate::error::Result;

/// A resolved request. `region` is `None` when neither `--region` nor an ARN gave one; the
/// AWS configuration (environment, profile) is asked next.
#[derive(Debug, Clone)]
pub struct Request {
    pub cluster: String,
    pub task: Option<String>,
    pub service: Option<String>,
    pub container: Option<String>,
    pub region: Option<String>,
    pub partition: Option<String>,
    /// `--all`: every running task of the cluster.
    pub all: bool,
    /// `--family`, `--started-by`: ListTasks filters.
    pub family: Option<String>,
    pub started_by: Option<String>,
    pub max_tasks: Option<usize>,
}

pub fn request(args: &CheckArgs) -> Result<Request> {
    let task = args
        .task
        .clone()
        .or_else(|| args.task_arg.clone())
        .map(|t| t.trim().to_string());
    let mut cluster = args
        .cluster
        .clone()
        .or_else(|| args.cluster_arg.clone())
        .map(|c| c.trim().to_string());
    if cluster.is_none() {
        cluster = task
            .as_deref()
            .and_then(arn::cluster_of_task_arn)
            .map(str::to_string);
    }
    let Some(cluster) = cluster.filter(|c| !c.is_empty()) else {
        crate::fail!(
            "no cluster given: run `ecs-exec-doctor check CLUSTER TASK` (or --cluster C --service S)"
        );
    };
    if args.family.is_some() && args.service.is_none() && !args.all {
        crate::fail!("--family filters the tasks of --all or --service: add one of them");
    }
    if task.is_none() && args.service.is_none() && !args.all {
        crate::fail!(
            "no task given: run `ecs-exec-doctor check {cluster} TASK`, or pass --service NAME or --all"
        );
    }
    if task.is_some() && (args.service.is_some() || args.all) {
        crate::fail!("give either a task, --service or --all, not several");
    }
    if let Some(t) = &task
        && !arn::is_plausible_task(t)
    {
        crate::fail!(
            "`{t}` is not a task id or ARN (ECS task ids are 32 or 36 characters); for a service use --service {t}"
        );
    }
    let task_arn = task.as_deref().and_then(Arn::parse);
    let cluster_arn = Arn::parse(&cluster);
    for (what, a) in [("task", &task_arn), ("cluster", &cluster_arn)] {
        if let Some(a) = a
            && a.service != "ecs"
        {
            crate::fail!("the {what} ARN `{a}` is not an ECS ARN");
        }
    }
    if let (Some(t), Some(c)) = (&task_arn, &cluster_arn)
        && (t.region != c.region || t.account != c.account)
    {
        crate::fail!(
            "the task ARN ({}, account {}) and the cluster ARN ({}, account {}) disagree",
            t.region,
            t.account,
            c.region,
            c.account
        );
    }
    if let (Some(t), given) = (&task_arn, &cluster)
        && let Some(in_arn) = arn::cluster_of_task_arn(&t.to_string())
        && in_arn != arn::cluster_name(given)
    {
        crate::fail!(
            "task `{}` belongs to cluster `{in_arn}`, not `{}`",
            arn::task_id(&t.to_string()),
            arn::cluster_name(given)
        );
    }
    let from_arn = task_arn.as_ref().or(cluster_arn.as_ref());
    let arn_region = from_arn.map(|a| a.region.clone()).filter(|r| !r.is_empty());
    let region = match (&args.aws.region, &arn_region) {
        (Some(flag), Some(in_arn)) if flag != in_arn => {
            crate::fail!(
                "--region {flag} contradicts the ARN, which is in {in_arn}: drop --region or fix the ARN"
            );
        }
        (Some(flag), _) => Some(flag.clone()),
        (None, r) => r.clone(),
    };
    Ok(Request {
        cluster,
        task,
        service: args.service.clone(),
        container: args.container.clone(),
        region,
        partition: from_arn.map(|a| a.partition.clone()),
        all: args.all,
        family: args.family.clone(),
        started_by: args.started_by.clone(),
        max_tasks: args
            .max_tasks
            .map(|n| usize::try_from(n).unwrap_or(usize::MAX)),
    })
}

/// The partition of a region (`aws-cn` for `cn-*`, `aws-us-gov` for `us-gov-*`, ...).
pub fn partition_of(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else if region.starts_with("us-iso-") {
        "aws-iso"
    } else if region.starts_with("us-isob-") {
        "aws-iso-b"
    } else {
        "aws"
    }
}

/// Rough check of a region name (catches `ap-notheast-1`-style typos only by shape).
pub fn plausible_region(region: &str) -> bool {
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
