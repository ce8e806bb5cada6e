//! `check --all-clusters`: every running task of every cluster of one or more regions of one
//! or more accounts, one diagnosis per cluster, run concurrently (a few accounts, regions and
//! clusters at a time, each cluster's calls bounded per service like a single run). The
//! caller's credential chain serves its own account; in every other account the doctor
//! assumes `--role-name` (STS, with the caller's session as source). An account, region or
//! cluster that cannot be read is kept with why.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use aws_sdk_sts::config::{Credentials, SharedCredentialsProvider};
use ecs_exec_doctor_checks::FactKind;
use ecs_exec_doctor_checks::facts::{Diagnosis, Fact, FactError};
use ecs_exec_doctor_checks::model::Target;
use ecs_exec_doctor_checks::report::scan::Unreadable;
use futures::StreamExt;

use super::{clients, fetch, load_config, target};
use crate::cli::AwsArgs;
use crate::error::{DoctorError, Result};

/// Accounts read at once.
const ACCOUNTS_AT_ONCE: usize = 2;
/// Regions of one account read at once.
const REGIONS_AT_ONCE: usize = 4;
/// Clusters of one region diagnosed at once.
const CLUSTERS_AT_ONCE: usize = 4;

/// Which accounts to scan.
pub struct Accounts<'a> {
    /// `--accounts` (empty: the caller's own, unless `organization`).
    pub ids: &'a [String],
    /// `--organization`: every ACTIVE account of the caller's organization.
    pub organization: bool,
    /// `--role-name`: the role assumed in every account but the caller's own.
    pub role_name: Option<&'a str>,
    pub external_id: Option<&'a str>,
}

/// What a scan read: per cluster what `on_cluster` made of its diagnosis (the diagnosis
/// itself is dropped as soon as it is judged, so memory holds only what is kept), and what
/// it could not read.
pub struct ScanFacts<T> {
    pub accounts: Vec<String>,
    pub regions: Vec<String>,
    /// (account, region, cluster name, what `on_cluster` returned).
    pub clusters: Vec<(String, String, String, T)>,
    pub unreadable: Vec<Unreadable>,
    pub calls: u32,
}

/// Reads `regions` (empty: the configured region; `["all"]`: every region enabled for each
/// account) of `accounts`.
/// What to make of one cluster's diagnosis: (account, region, cluster name, diagnosis).
pub type OnCluster<'a, T> = dyn Fn(&str, &str, &str, Diagnosis) -> T + Sync + 'a;

pub fn scan<T: Send>(
    accounts: &Accounts<'_>,
    regions: &[String],
    aws: &AwsArgs,
    needs: &[FactKind],
    max_tasks: Option<usize>,
    show_progress: bool,
    on_cluster: &OnCluster<'_, T>,
) -> Result<ScanFacts<T>> {
    let all_regions = matches!(regions, [all] if all == "all");
    if !all_regions {
        for r in regions {
            if !target::plausible_region(r) {
                crate::fail!(
                    "`{r}` in --regions does not look like an AWS region (for example us-east-1, or `all`)"
                );
            }
        }
    }
    for a in accounts.ids {
        if a.len() != 12 || !a.bytes().all(|b| b.is_ascii_digit()) {
            crate::fail!("`{a}` in --accounts is not an AWS account id (12 digits)");
        }
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| DoctorError::new(format!("cannot start the async runtime: {e}")))?;
    let progress = Arc::new(fetch::Progress::default());
    let spinner = crate::progress::Spinner::start(progress.clone(), show_progress);
    let out = runtime.block_on(scan_async(
        accounts, regions, aws, needs, max_tasks, progress, on_cluster,
    ));
    spinner.finish();
    out
}

/// One account's part of the scan.
struct AccountScan<T> {
    regions: Vec<String>,
    clusters: Vec<(String, String, String, T)>,
    unreadable: Vec<Unreadable>,
}

fn reason(e: &FactError) -> String {
    format!("{}: {}", e.action, e.message)
}

async fn scan_async<T: Send>(
    accounts: &Accounts<'_>,
    regions: &[String],
    aws: &AwsArgs,
    needs: &[FactKind],
    max_tasks: Option<usize>,
    progress: Arc<fetch::Progress>,
    on_cluster: &OnCluster<'_, T>,
) -> Result<ScanFacts<T>> {
    let sdk = load_config(aws.region.as_deref(), aws).await;
    super::check_credentials(&sdk, aws).await?;
    let home = sdk.region().map(|r| r.to_string());
    let anchor = home
        .clone()
        .or_else(|| regions.first().cloned())
        .filter(|r| r != "all");
    let Some(anchor) = anchor else {
        crate::fail!("no AWS region: pass --region or --regions R1,R2 (or --regions all)");
    };
    // `--timeout` bounds each cluster's diagnosis, as it bounds a single run.
    let per_cluster = Duration::from_secs(aws.timeout.max(1));
    // One set of clients per account and region, shared by its clusters' fetchers (the SDK's
    // clients are handles: their connections are reused across clusters).
    let clients_in = |creds: Option<&Credentials>, region: &str| {
        let mut config = sdk
            .to_builder()
            .region(aws_config::Region::new(region.to_string()));
        if let Some(c) = creds {
            config = config.credentials_provider(SharedCredentialsProvider::new(c.clone()));
        }
        clients(&config.build(), aws.endpoint_url.as_deref())
    };
    let fetcher_for = |clients: &fetch::Clients, region: &str, cluster: &str| {
        let target = Target {
            region: region.to_string(),
            partition: target::partition_of(region).to_string(),
            cluster: cluster.to_string(),
            all: true,
            ..Default::default()
        };
        let needs: BTreeSet<FactKind> = needs.iter().copied().collect();
        let mut f =
            fetch::Fetcher::new(clients.clone(), target, needs, max_tasks, progress.clone());
        f.deadline = Some((tokio::time::Instant::now() + per_cluster, aws.timeout));
        f
    };
    let bootstrap = fetcher_for(&clients_in(None, &anchor), &anchor, "");
    let me = bootstrap.caller_account().await.map_err(|e| {
        DoctorError::new(format!(
            "cannot tell who the doctor runs as ({})",
            reason(&e)
        ))
    })?;
    let account_ids: Vec<String> = if accounts.organization {
        bootstrap.organization_accounts().await.map_err(|e| {
            DoctorError::new(format!(
                "cannot list the organization's accounts ({}): run from the management account or a delegated administrator, or pass --accounts ID,ID",
                reason(&e)
            ))
        })?
    } else if accounts.ids.is_empty() {
        vec![me.clone()]
    } else {
        let mut seen = BTreeSet::new();
        accounts
            .ids
            .iter()
            .filter(|a| seen.insert(*a))
            .cloned()
            .collect()
    };
    let role_name = accounts.role_name;
    if role_name.is_none() && account_ids.iter().any(|a| a != &me) {
        crate::fail!(
            "other accounts are read through a role: pass --role-name ROLE (the read-only role deployed in each account; see `ecs-exec-doctor permissions`)"
        );
    }
    let partition = target::partition_of(&anchor);
    let per_account = futures::stream::iter(account_ids.iter().cloned())
        .map(|account| {
            let (clients_in, fetcher_for, bootstrap, me, anchor) =
                (&clients_in, &fetcher_for, &bootstrap, &me, &anchor);
            async move {
                let mut out = AccountScan {
                    regions: Vec::new(),
                    clusters: Vec::new(),
                    unreadable: Vec::new(),
                };
                let creds = if &account == me {
                    None
                } else {
                    let role = role_name.expect("checked above");
                    let arn = format!("arn:{partition}:iam::{account}:role/{role}");
                    match bootstrap.assume_role(&arn, accounts.external_id).await {
                        Ok(c) => Some(c),
                        Err(e) => {
                            out.unreadable.push(Unreadable {
                                account,
                                region: None,
                                cluster: None,
                                reason: format!("cannot assume `{arn}`: {}", reason(&e)),
                            });
                            return out;
                        }
                    }
                };
                out.regions = if matches!(regions, [all] if all == "all") {
                    match fetcher_for(&clients_in(creds.as_ref(), anchor), anchor, "")
                        .enabled_regions()
                        .await
                    {
                        Ok(r) => r,
                        Err(e) => {
                            out.unreadable.push(Unreadable {
                                account,
                                region: None,
                                cluster: None,
                                reason: format!("cannot list its regions ({})", reason(&e)),
                            });
                            return out;
                        }
                    }
                } else if regions.is_empty() {
                    vec![anchor.clone()]
                } else {
                    let mut seen = BTreeSet::new();
                    regions
                        .iter()
                        .filter(|r| seen.insert(*r))
                        .cloned()
                        .collect()
                };
                let per_region = futures::stream::iter(out.regions.clone())
                    .map(|region| {
                        let clients = clients_in(creds.as_ref(), &region);
                        scan_region(fetcher_for, clients, &account, region, on_cluster)
                    })
                    .buffer_unordered(REGIONS_AT_ONCE)
                    .collect::<Vec<_>>()
                    .await;
                for (done, failed) in per_region {
                    out.clusters.extend(done);
                    out.unreadable.extend(failed);
                }
                out
            }
        })
        .buffer_unordered(ACCOUNTS_AT_ONCE)
        .collect::<Vec<_>>()
        .await;
    let mut scan = ScanFacts {
        accounts: account_ids,
        regions: Vec::new(),
        clusters: Vec::new(),
        unreadable: Vec::new(),
        calls: 0,
    };
    let mut seen = BTreeSet::new();
    for part in per_account {
        for r in part.regions {
            if seen.insert(r.clone()) {
                scan.regions.push(r);
            }
        }
        scan.clusters.extend(part.clusters);
        scan.unreadable.extend(part.unreadable);
    }
    scan.calls = progress.calls.load(Ordering::Relaxed);
    Ok(scan)
}

/// Every cluster of one region of one account, diagnosed and handed to `on_cluster`.
async fn scan_region<T: Send>(
    fetcher_for: &(impl Fn(&fetch::Clients, &str, &str) -> fetch::Fetcher + Sync),
    clients: fetch::Clients,
    account: &str,
    region: String,
    on_cluster: &OnCluster<'_, T>,
) -> (Vec<(String, String, String, T)>, Vec<Unreadable>) {
    let lister = fetcher_for(&clients, &region, "");
    let clusters = match lister.list_clusters().await {
        Ok(arns) => {
            lister
                .progress
                .clusters
                .fetch_add(arns.len(), Ordering::Relaxed);
            arns
        }
        Err(e) => {
            return (
                Vec::new(),
                vec![Unreadable {
                    account: account.to_string(),
                    region: Some(region),
                    cluster: None,
                    reason: reason(&e),
                }],
            );
        }
    };
    // Each cluster judged the moment its facts are in, its diagnosis then dropped.
    let diagnosed = futures::stream::iter(clusters)
        .map(|arn| {
            let (region, clients) = (region.clone(), &clients);
            async move {
                let name = ecs_exec_doctor_checks::arn::cluster_name(&arn).to_string();
                let fetcher = fetcher_for(clients, &region, &name);
                let d = fetcher.gather(async { Fact::NotFetched }).await;
                fetcher
                    .progress
                    .clusters_done
                    .fetch_add(1, Ordering::Relaxed);
                // A cluster that could not be described at all is listed, not reported as
                // an empty one.
                match d.cluster.error() {
                    Some(e) => Err(Unreadable {
                        account: account.to_string(),
                        region: Some(region),
                        cluster: Some(name),
                        reason: reason(e),
                    }),
                    None => {
                        let kept = on_cluster(account, &region, &name, d);
                        Ok((account.to_string(), region, name, kept))
                    }
                }
            }
        })
        .buffer_unordered(CLUSTERS_AT_ONCE)
        .collect::<Vec<_>>()
        .await;
    let mut done = Vec::new();
    let mut unreadable = Vec::new();
    for outcome in diagnosed {
        match outcome {
            Ok(kept) => done.push(kept),
            Err(u) => unreadable.push(u),
        }
    }
    (done, unreadable)
}
