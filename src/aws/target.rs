//! What to diagnose, from the arguments: cluster and task (names or ARNs), service,
//! container, and the region and partition an ARN carries.

use ecs_exec_doctor_checks::arn::{self, EcsArn, EcsResource};

use crate::cli::CheckArgs;
use crate::error::{DoctorError, Result};

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
    let given_cluster = args
        .cluster
        .clone()
        .or_else(|| args.cluster_arg.clone())
        .map(|c| c.trim().to_string());
    let service = args.service.as_deref().map(str::trim);
    // Each ARN parsed strictly for its position: a service ARN is not a task.
    let task_arn = match &task {
        Some(t) if t.starts_with("arn:") => Some(ecs_arn(t, EcsResource::Task)?),
        _ => None,
    };
    let service_arn = match service {
        Some(s) if s.starts_with("arn:") => Some(ecs_arn(s, EcsResource::Service)?),
        _ => None,
    };
    let cluster_arn = match &given_cluster {
        Some(c) if c.starts_with("arn:") => Some(ecs_arn(c, EcsResource::Cluster)?),
        _ => None,
    };
    // Without a cluster, the one a long-format task or service ARN names.
    let in_arns = [&task_arn, &service_arn]
        .into_iter()
        .flatten()
        .find_map(|a| a.cluster.clone());
    let Some(cluster) = given_cluster.or(in_arns).filter(|c| !c.is_empty()) else {
        crate::fail!(
            "no cluster given: run `ecs-exec-doctor check CLUSTER TASK` (or --cluster C --service S)"
        );
    };
    if cluster_arn.is_none() && !arn::is_resource_name(&cluster) {
        crate::fail!(
            "`{cluster}` is not a cluster name or ARN (names are up to 255 letters, digits, `-` and `_`)"
        );
    }
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
        && task_arn.is_none()
        && !arn::is_task_id(t)
    {
        crate::fail!(
            "`{t}` is not a task id or ARN (ECS task ids are 32 or 36 characters); for a service use --service {t}"
        );
    }
    if let Some(s) = service
        && service_arn.is_none()
        && !arn::is_resource_name(s)
    {
        crate::fail!(
            "`{s}` is not a service name or ARN (names are up to 255 letters, digits, `-` and `_`)"
        );
    }
    let arns: Vec<(&str, &EcsArn)> = [
        ("task", &task_arn),
        ("service", &service_arn),
        ("cluster", &cluster_arn),
    ]
    .into_iter()
    .filter_map(|(what, a)| Some((what, a.as_ref()?)))
    .collect();
    if let [(first, a), rest @ ..] = arns.as_slice() {
        for (other, b) in rest {
            let (a, b) = (&a.arn, &b.arn);
            if (&a.partition, &a.region, &a.account) != (&b.partition, &b.region, &b.account) {
                crate::fail!(
                    "the {first} ARN ({}, account {}) and the {other} ARN ({}, account {}) disagree",
                    a.region,
                    a.account,
                    b.region,
                    b.account
                );
            }
        }
    }
    let cluster_name = arn::cluster_name(&cluster);
    for (what, a) in &arns {
        if let Some(in_arn) = &a.cluster
            && in_arn != cluster_name
        {
            crate::fail!(
                "{what} `{}` belongs to cluster `{in_arn}`, not `{cluster_name}`",
                a.name
            );
        }
    }
    let from_arn = arns.first().map(|(_, a)| &a.arn);
    let arn_region = from_arn.map(|a| a.region.clone());
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
        // DescribeServices and ListTasks are asked by name.
        service: service_arn
            .as_ref()
            .map(|a| a.name.clone())
            .or_else(|| service.map(str::to_string)),
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

/// An ARN argument parsed strictly; a wrong one is a usage error saying what is wrong.
fn ecs_arn(text: &str, expected: EcsResource) -> Result<EcsArn> {
    arn::parse_ecs_arn(text, expected).map_err(DoctorError::new)
}

/// The partition of a region (`aws-cn` for `cn-*`, `aws-us-gov` for `us-gov-*`, ...).
pub fn partition_of(region: &str) -> &'static str {
    arn::partition_of_region(region)
}

/// Rough check of a region name (catches `ap-notheast-1`-style typos only by shape).
pub fn plausible_region(region: &str) -> bool {
    arn::is_region_shaped(region)
}
