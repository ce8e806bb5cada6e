//! Which tasks to diagnose: the one named, every running task of a service (`--service`) or
//! of the cluster (`--all`). Task lists are paginated to the end, so that `--max-tasks` can
//! say how many it left out; each page is described (100 tasks a call) as soon as it is
//! listed, while the next page is listed.

use aws_sdk_ecs::types::DesiredStatus;
use ecs_exec_doctor_checks::FactKind;
use ecs_exec_doctor_checks::arn;
use ecs_exec_doctor_checks::facts::{Fact, FactError};
use ecs_exec_doctor_checks::model::Task;
use futures::StreamExt;

use super::{Fetcher, Listing, convert};

/// The task ARNs a listing read, and why it stopped early, if it did.
struct Listed {
    arns: Vec<String>,
    error: Option<FactError>,
}

/// DescribeTasks takes at most this many tasks per call.
const DESCRIBE_TASKS_BATCH: usize = 100;
/// DescribeTasks calls in flight at once (the SDK's retry absorbs throttling beyond).
const DESCRIBE_CONCURRENCY: usize = 32;

impl Fetcher {
    pub(super) async fn listing(&self) -> Listing {
        if !self.need(FactKind::Task) {
            let task_ref = self.target.task.clone().unwrap_or_default();
            return Listing {
                subjects: vec![(task_ref, Fact::NotFetched)],
                service: None,
                left_out: 0,
            };
        }
        match (&self.target.task, &self.target.service) {
            (Some(task), _) => {
                let mut found = self.describe_tasks(std::slice::from_ref(task)).await;
                let fact = match &mut found {
                    Ok(tasks) => match tasks.pop() {
                        Some(t) => Fact::ok(t),
                        None => Fact::absent(format!(
                            "task `{}` not found in cluster `{}` (stopped tasks disappear about an hour after they stop)",
                            arn::task_id(task),
                            self.cluster_name()
                        )),
                    },
                    Err(e) => Fact::failed(e.clone()),
                };
                Listing {
                    subjects: vec![(task.clone(), fact)],
                    service: None,
                    left_out: 0,
                }
            }
            (None, Some(service)) => self.service_listing(service).await,
            (None, None) if self.target.all => self.cluster_listing().await,
            (None, None) => Listing {
                subjects: vec![],
                service: None,
                left_out: 0,
            },
        }
    }

    async fn service_listing(&self, service: &str) -> Listing {
        let names = [service.to_string()];
        let (described, listed) = tokio::join!(
            self.describe_services(&names),
            self.listed_and_described(Some(service))
        );
        let service_fact = match described {
            Ok(mut map) => match map.remove(service) {
                Some(s) => Fact::ok(s),
                None => Fact::absent(format!(
                    "service `{service}` not found in cluster `{}`",
                    self.cluster_name()
                )),
            },
            Err(e) => Fact::failed(e),
        };
        if let Fact::Absent { reason } = &service_fact {
            return Listing {
                subjects: vec![(String::new(), Fact::absent(reason.clone()))],
                service: Some(service_fact),
                left_out: 0,
            };
        }
        let mut listing = assemble(listed, format!("service `{service}` has no RUNNING task"));
        listing.service = Some(service_fact);
        listing
    }

    async fn cluster_listing(&self) -> Listing {
        let listed = self.listed_and_described(None).await;
        let mut none = format!("cluster `{}` has no RUNNING task", self.cluster_name());
        if let Some(family) = &self.target.family {
            none.push_str(&format!(" of family `{family}`"));
        }
        if let Some(by) = &self.target.started_by {
            none.push_str(&format!(" started by `{by}`"));
        }
        assemble(listed, none)
    }

    /// Every RUNNING task (of `service`), each page described the moment it is listed, while
    /// the next page is being listed: the listing's pages are the only sequential part.
    async fn listed_and_described(&self, service: Option<&str>) -> Described {
        let (pages, described) = futures::channel::mpsc::unbounded::<Vec<String>>();
        let describer = described
            .map(|chunk| async move {
                let out = self.describe_tasks(&chunk).await;
                (chunk, out)
            })
            .buffered(DESCRIBE_CONCURRENCY)
            .collect::<Vec<_>>();
        let (listed, chunks) = tokio::join!(self.running_tasks(service, pages), describer);
        self.progress.tasks.fetch_add(
            chunks.iter().map(|(c, _)| c.len()).sum(),
            std::sync::atomic::Ordering::Relaxed,
        );
        Described { listed, chunks }
    }

    /// Every RUNNING task of the cluster, or of `service`, all pages. A page that fails after
    /// others were read keeps what they listed: those tasks are diagnosed, and the failure
    /// says how far the listing got.
    async fn running_tasks(
        &self,
        service: Option<&str>,
        pages_out: futures::channel::mpsc::UnboundedSender<Vec<String>>,
    ) -> Listed {
        let cap = self.max_tasks.unwrap_or(usize::MAX);
        let mut arns = Vec::new();
        let mut token: Option<String> = None;
        let mut pages = 0usize;
        loop {
            let request = self
                .clients
                .ecs
                .list_tasks()
                .cluster(&self.target.cluster)
                .set_service_name(service.map(str::to_string))
                .set_family(self.target.family.clone())
                .set_started_by(self.target.started_by.clone())
                // startedBy must be the only filter; RUNNING is the default anyway.
                .set_desired_status(
                    self.target
                        .started_by
                        .is_none()
                        .then_some(DesiredStatus::Running),
                )
                .max_results(100)
                .set_next_token(token.take())
                .send();
            let out = match self.call("ecs:ListTasks", request).await {
                Ok(out) => out,
                Err(e) if pages == 0 => {
                    return Listed {
                        arns,
                        error: Some(e),
                    };
                }
                Err(mut e) => {
                    e.message = format!(
                        "the task list stopped after {pages} page{} ({} tasks listed and diagnosed; later ones were not): {}",
                        if pages == 1 { "" } else { "s" },
                        arns.len(),
                        e.message
                    );
                    return Listed {
                        arns,
                        error: Some(e),
                    };
                }
            };
            pages += 1;
            // Up to --max-tasks are described; the rest are only counted.
            let room = cap.saturating_sub(arns.len());
            let wanted: Vec<String> = out.task_arns().iter().take(room).cloned().collect();
            for chunk in wanted.chunks(DESCRIBE_TASKS_BATCH) {
                let _ = pages_out.unbounded_send(chunk.to_vec());
            }
            arns.extend(out.task_arns().iter().cloned());
            match out.next_token() {
                Some(next) if !next.is_empty() => token = Some(next.to_string()),
                _ => return Listed { arns, error: None },
            }
        }
    }

    /// Every cluster of the region (`ecs:ListClusters`, all pages), as ARNs.
    pub async fn list_clusters(&self) -> Result<Vec<String>, FactError> {
        let mut arns = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let request = self
                .clients
                .ecs
                .list_clusters()
                .max_results(100)
                .set_next_token(token.take())
                .send();
            let out = self.call("ecs:ListClusters", request).await?;
            arns.extend(out.cluster_arns().iter().cloned());
            match out.next_token() {
                Some(next) if !next.is_empty() => token = Some(next.to_string()),
                _ => return Ok(arns),
            }
        }
    }

    /// The regions enabled for the account (`ec2:DescribeRegions`), sorted.
    pub async fn enabled_regions(&self) -> Result<Vec<String>, FactError> {
        let out = self
            .call(
                "ec2:DescribeRegions",
                self.clients
                    .ec2
                    .describe_regions()
                    .all_regions(false)
                    .send(),
            )
            .await?;
        let mut regions: Vec<String> = out
            .regions()
            .iter()
            .filter_map(|r| r.region_name().map(str::to_string))
            .collect();
        regions.sort();
        Ok(regions)
    }

    pub(super) async fn describe_tasks(&self, tasks: &[String]) -> Result<Vec<Task>, FactError> {
        use aws_sdk_ecs::types::TaskField;
        let request = self
            .clients
            .ecs
            .describe_tasks()
            .cluster(&self.target.cluster)
            .set_tasks(Some(tasks.to_vec()))
            .include(TaskField::Tags)
            .send();
        let out = self.call("ecs:DescribeTasks", request).await?;
        Ok(out.tasks().iter().map(convert::task).collect())
    }
}

/// One page of task ARNs and what DescribeTasks said of them.
type DescribedChunk = (Vec<String>, Result<Vec<Task>, FactError>);

/// A listing and its pages as described, in listing order.
struct Described {
    listed: Listed,
    chunks: Vec<DescribedChunk>,
}

/// The listed tasks (up to `--max-tasks`) as described; `none` when there is none. When the
/// listing failed, one more subject carries the failure, so that the tasks it could not list
/// show as UNKNOWN (and the run never exits 0) while those it listed are diagnosed.
fn assemble(described: Described, none: String) -> Listing {
    let Described { listed, chunks } = described;
    let Listed { arns, error } = listed;
    let unlisted = error.map(|e| (String::new(), Fact::failed(e)));
    if arns.is_empty() {
        return Listing {
            subjects: match unlisted {
                Some(u) => vec![u],
                None => vec![(String::new(), Fact::absent(none))],
            },
            service: None,
            left_out: 0,
        };
    }
    let described_count: usize = chunks.iter().map(|(c, _)| c.len()).sum();
    let left_out = arns.len().saturating_sub(described_count);
    let mut subjects = Vec::with_capacity(described_count);
    for (chunk, described) in chunks {
        for a in &chunk {
            let fact = match &described {
                Ok(tasks) => match tasks.iter().find(|t| &t.arn == a) {
                    Some(t) => Fact::ok(t.clone()),
                    None => Fact::absent(format!(
                        "task `{}` stopped while being diagnosed",
                        arn::task_id(a)
                    )),
                },
                Err(e) => Fact::failed(e.clone()),
            };
            subjects.push((a.clone(), fact));
        }
    }
    subjects.extend(unlisted);
    Listing {
        subjects,
        service: None,
        left_out,
    }
}
