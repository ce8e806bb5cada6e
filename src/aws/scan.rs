//! `check --all-clusters`: every running task of every cluster of one or more regions, one
//! diagnosis per cluster, run concurrently (a few regions and a few clusters per region at a
//! time, each cluster's calls bounded per service like a single run). One credential chain
//! serves every region. A region or cluster that cannot be read is kept with why.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use ecs_exec_doctor_checks::FactKind;
use ecs_exec_doctor_checks::facts::{Diagnosis, Fact};
use ecs_exec_doctor_checks::model::Target;
use ecs_exec_doctor_checks::report::scan::Unreadable;
use futures::StreamExt;

use super::{clients, fetch, load_config, target};
use crate::cli::AwsArgs;
use crate::error::{DoctorError, Result};

/// Regions read at once.
const REGIONS_AT_ONCE: usize = 4;
/// Clusters of one region diagnosed at once.
const CLUSTERS_AT_ONCE: usize = 4;

/// What a scan read: per cluster its diagnosis, and what it could not read.
pub struct ScanFacts {
    pub regions: Vec<String>,
    /// (region, cluster name, diagnosis).
    pub clusters: Vec<(String, String, Diagnosis)>,
    pub unreadable: Vec<Unreadable>,
    pub calls: u32,
}

/// Reads `regions` (empty: the configured region; `["all"]`: every region enabled for the
/// account).
pub fn scan(
    regions: &[String],
    aws: &AwsArgs,
    needs: &[FactKind],
    max_tasks: Option<usize>,
    show_progress: bool,
) -> Result<ScanFacts> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| DoctorError::new(format!("cannot start the async runtime: {e}")))?;
    let progress = Arc::new(fetch::Progress::default());
    let spinner = crate::progress::Spinner::start(progress.clone(), show_progress);
    let out = runtime.block_on(scan_async(regions, aws, needs, max_tasks, progress));
    spinner.finish();
    out
}

async fn scan_async(
    regions: &[String],
    aws: &AwsArgs,
    needs: &[FactKind],
    max_tasks: Option<usize>,
    progress: Arc<fetch::Progress>,
) -> Result<ScanFacts> {
    let sdk = load_config(aws.region.as_deref(), aws).await;
    super::check_credentials(&sdk, aws).await?;
    let home = sdk.region().map(|r| r.to_string());
    // `--timeout` bounds each cluster's diagnosis, as it bounds a single run.
    let per_cluster = Duration::from_secs(aws.timeout.max(1));
    let in_region = |region: &str| {
        let config = sdk
            .to_builder()
            .region(aws_config::Region::new(region.to_string()))
            .build();
        clients(&config, aws.endpoint_url.as_deref())
    };
    let fetcher_for = |region: &str, cluster: &str| {
        let target = Target {
            region: region.to_string(),
            partition: target::partition_of(region).to_string(),
            cluster: cluster.to_string(),
            all: true,
            ..Default::default()
        };
        let needs: BTreeSet<FactKind> = needs.iter().copied().collect();
        let mut f = fetch::Fetcher::new(
            in_region(region),
            target,
            needs,
            max_tasks,
            progress.clone(),
        );
        f.deadline = Some((tokio::time::Instant::now() + per_cluster, aws.timeout));
        f
    };
    let regions: Vec<String> = match regions {
        [] => vec![home.clone().ok_or_else(|| {
            DoctorError::new("no AWS region: pass --region or --regions R1,R2 (or --regions all)")
        })?],
        [all] if all == "all" => {
            let home = home.clone().unwrap_or_else(|| "us-east-1".into());
            fetcher_for(&home, "")
                .enabled_regions()
                .await
                .map_err(|e| {
                    DoctorError::new(format!(
                        "cannot list the account's regions ({}): {}; pass --regions R1,R2 instead",
                        e.action, e.message
                    ))
                })?
        }
        given => {
            for r in given {
                if !target::plausible_region(r) {
                    crate::fail!(
                        "`{r}` in --regions does not look like an AWS region (for example us-east-1, or `all`)"
                    );
                }
            }
            let mut seen = BTreeSet::new();
            given.iter().filter(|r| seen.insert(*r)).cloned().collect()
        }
    };
    let per_region = futures::stream::iter(regions.iter().cloned())
        .map(|region| {
            let fetcher_for = &fetcher_for;
            async move {
                let clusters = match fetcher_for(&region, "").list_clusters().await {
                    Ok(arns) => arns,
                    Err(e) => {
                        return (
                            Vec::new(),
                            vec![Unreadable {
                                region: region.clone(),
                                cluster: None,
                                reason: format!("{}: {}", e.action, e.message),
                            }],
                        );
                    }
                };
                let diagnosed = futures::stream::iter(clusters)
                    .map(|arn| {
                        let region = region.clone();
                        async move {
                            let name = ecs_exec_doctor_checks::arn::cluster_name(&arn).to_string();
                            let fetcher = fetcher_for(&region, &name);
                            let d = fetcher.gather(async { Fact::NotFetched }).await;
                            (region, name, d)
                        }
                    })
                    .buffer_unordered(CLUSTERS_AT_ONCE)
                    .collect::<Vec<_>>()
                    .await;
                let mut done = Vec::new();
                let mut unreadable = Vec::new();
                for (region, name, d) in diagnosed {
                    // A cluster that could not be described at all is listed, not reported
                    // as an empty one.
                    match d.cluster.error() {
                        Some(e) => unreadable.push(Unreadable {
                            region,
                            cluster: Some(name),
                            reason: format!("{}: {}", e.action, e.message),
                        }),
                        None => done.push((region, name, d)),
                    }
                }
                (done, unreadable)
            }
        })
        .buffer_unordered(REGIONS_AT_ONCE)
        .collect::<Vec<_>>()
        .await;
    let mut clusters = Vec::new();
    let mut unreadable = Vec::new();
    for (done, failed) in per_region {
        clusters.extend(done);
        unreadable.extend(failed);
    }
    Ok(ScanFacts {
        regions,
        clusters,
        unreadable,
        calls: progress.calls.load(std::sync::atomic::Ordering::Relaxed),
    })
}
