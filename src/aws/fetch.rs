//! The fetch plan. Every fact is a shared future that starts as soon as the facts it is
//! fetched from are ready, is awaited only when a selected check needs it, and is fetched
//! exactly once however many checks and tasks read it. Failures are memoised too, so a denied
//! call is made once. Batched APIs (DescribeTasks, DescribeContainerInstances,
//! DescribeSubnets, DescribeVpcEndpoints, DescribeRouteTables) get one call for all tasks.
//!
//! The longest chain for a Fargate task behind endpoints is three round trips
//! (`tests/bench/diagnose.py` prints it, e.g. DescribeTasks → DescribeSubnets →
//! DescribeRouteTables: the VPC's DNS attributes and DHCP option set id come with its route
//! tables); a NAT path adds one for DescribeNatGateways (and DescribeDhcpOptions beside it).
//! A fleet adds the pages of ListTasks before DescribeTasks; its descriptions come 100 tasks a
//! call, concurrently.

use std::collections::{BTreeSet, HashMap};
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};

use aws_sdk_ecs::config::http::HttpResponse;
use aws_sdk_ecs::error::{ProvideErrorMetadata, SdkError};
use ecs_exec_doctor_checks::FactKind;
use ecs_exec_doctor_checks::arn;
use ecs_exec_doctor_checks::facts::{Diagnosis, Fact, FactError, FactErrorKind};
use ecs_exec_doctor_checks::model::*;
use futures::future::{BoxFuture, FutureExt, Shared, join_all};
use tokio::sync::Semaphore;

use super::convert;
use super::errors::classify;

mod accounts;
mod listing;
mod logging;
mod network;
mod resimulate;
mod roles;
mod simulation;
mod subjects;

use roles::percent_decode;

/// At most this many calls in flight per service. Each service throttles on its own (IAM
/// and its policy simulator the most), so one service's burst never queues another's calls.
/// EC2's allows one VPC's whole round (nine Describe calls, well inside EC2's burst of 100
/// for non-mutating calls) to go at once: a smaller limit queues the last call of the round
/// into a round trip of its own.
const MAX_IN_FLIGHT: [(&str, usize); 4] = [("iam", 4), ("ec2", 16), ("ecs", 8), ("kms", 4)];
/// For every other service (sts, logs, s3).
const MAX_IN_FLIGHT_OTHER: usize = 4;

/// The service clients: handles, cheap to clone, sharing their connections.
#[derive(Clone)]
pub struct Clients {
    pub ecs: aws_sdk_ecs::Client,
    pub iam: aws_sdk_iam::Client,
    pub ec2: aws_sdk_ec2::Client,
    pub kms: aws_sdk_kms::Client,
    pub sts: aws_sdk_sts::Client,
    pub logs: aws_sdk_cloudwatchlogs::Client,
    pub s3: aws_sdk_s3::Client,
    pub ssm: aws_sdk_ssm::Client,
    pub organizations: aws_sdk_organizations::Client,
}

/// How far a run has got, updated as it goes.
#[derive(Debug, Default)]
pub struct Progress {
    pub calls: AtomicU32,
    /// Tasks selected for diagnosis (known once each listing is done; a scan adds up its
    /// clusters').
    pub tasks: AtomicUsize,
    /// A scan's clusters found so far, and those judged.
    pub clusters: AtomicUsize,
    pub clusters_done: AtomicUsize,
}

pub struct Fetcher {
    pub clients: Clients,
    pub target: Target,
    pub needs: BTreeSet<FactKind>,
    /// `--max-tasks`: `None` diagnoses every running task.
    pub max_tasks: Option<usize>,
    /// Calls made and tasks listed so far, read by the progress indicator.
    pub progress: Arc<Progress>,
    /// One per entry of [`MAX_IN_FLIGHT`], then the one for every other service.
    permits: Vec<Semaphore>,
    /// `--timeout`: when every call must have been answered, and the seconds given. A call
    /// still waiting then fails as a timeout; what was read is kept.
    pub deadline: Option<(tokio::time::Instant, u64)>,
}

type SharedFact<'a, T> = Shared<BoxFuture<'a, Fact<T>>>;
type SharedResult<'a, T> = Shared<BoxFuture<'a, Result<T, FactError>>>;
type CallerBatch<'a> = Shared<BoxFuture<'a, Arc<HashMap<String, Fact<Simulation>>>>>;

/// The tasks to diagnose, and the service when `--service` named one.
#[derive(Clone)]
struct Listing {
    subjects: Vec<(String, Fact<Task>)>,
    service: Option<Fact<Service>>,
    /// Running tasks `--max-tasks` left out.
    left_out: usize,
}

impl Fetcher {
    pub fn new(
        clients: Clients,
        target: Target,
        needs: BTreeSet<FactKind>,
        max_tasks: Option<usize>,
        progress: Arc<Progress>,
    ) -> Self {
        Self {
            clients,
            target,
            needs,
            max_tasks,
            progress,
            permits: MAX_IN_FLIGHT
                .iter()
                .map(|(_, n)| Semaphore::new(*n))
                .chain([Semaphore::new(MAX_IN_FLIGHT_OTHER)])
                .collect(),
            deadline: None,
        }
    }

    pub fn calls(&self) -> u32 {
        self.progress.calls.load(Ordering::Relaxed)
    }

    fn need(&self, kind: FactKind) -> bool {
        self.needs.contains(&kind)
    }

    fn cluster_name(&self) -> &str {
        arn::cluster_name(&self.target.cluster)
    }

    /// One AWS call: counted, bounded, classified on failure.
    async fn call<T, E>(
        &self,
        action: &str,
        request: impl Future<Output = Result<T, SdkError<E, HttpResponse>>>,
    ) -> Result<T, FactError>
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let service = action.split(':').next().unwrap_or_default();
        let slot = MAX_IN_FLIGHT
            .iter()
            .position(|(name, _)| *name == service)
            .unwrap_or(MAX_IN_FLIGHT.len());
        let answer = async {
            let _permit = self.permits[slot]
                .acquire()
                .await
                .expect("semaphore is never closed");
            self.progress.calls.fetch_add(1, Ordering::Relaxed);
            request.await.map_err(|e| classify(action, &e))
        };
        let Some((deadline, seconds)) = self.deadline else {
            return answer.await;
        };
        tokio::time::timeout_at(deadline, answer)
            .await
            .unwrap_or_else(|_| {
                Err(FactError::new(
                    FactErrorKind::Timeout,
                    action,
                    format!(
                        "AWS did not answer within --timeout {seconds}s (raise --timeout to wait longer)"
                    ),
                ))
            })
    }

    /// Gathers every needed fact.
    pub async fn gather(&self, local: impl Future<Output = Fact<LocalTools>> + Send) -> Diagnosis {
        let caller: SharedFact<Caller> = self.caller().boxed().shared();
        let cluster: SharedFact<Cluster> = self.cluster().boxed().shared();
        let kms: SharedFact<KmsKey> = {
            let cluster = cluster.clone();
            async move { self.kms_key(&cluster.await).await }
                .boxed()
                .shared()
        };
        let key_policy = {
            let (cluster, kms) = (cluster.clone(), kms.clone());
            async move {
                let (cluster, kms) = tokio::join!(cluster, kms);
                self.key_policy(&cluster, &kms).await
            }
        };
        let log_destinations = {
            let cluster = cluster.clone();
            async move { self.log_destinations(&cluster.await).await }
        };
        let listing: Shared<BoxFuture<Listing>> = self.listing().boxed().shared();
        let left_out = {
            let listing = listing.clone();
            async move { listing.await.left_out }
        };
        let subjects = {
            let (caller, cluster, kms, listing) = (
                caller.clone(),
                cluster.clone(),
                kms.clone(),
                listing.clone(),
            );
            async move { self.subjects(listing.await, caller, cluster, kms).await }
        };
        let (local, caller, cluster, kms, key_policy, log_destinations, subjects, left_out) = tokio::join!(
            local,
            caller,
            cluster,
            kms,
            key_policy,
            log_destinations,
            subjects,
            left_out
        );
        Diagnosis {
            target: self.target.clone(),
            observed_at: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .ok()
                .map(|d| d.as_secs() as i64),
            local,
            caller,
            cluster,
            kms_key: kms,
            kms_key_policy: key_policy,
            log_destinations,
            subjects,
            tasks_left_out: left_out,
        }
    }

    async fn caller(&self) -> Fact<Caller> {
        if !self.need(FactKind::Caller) {
            return Fact::NotFetched;
        }
        let out = match self
            .call(
                "sts:GetCallerIdentity",
                self.clients.sts.get_caller_identity().send(),
            )
            .await
        {
            Ok(out) => out,
            Err(e) => return Fact::failed(e),
        };
        let caller_arn = out.arn().unwrap_or_default().to_string();
        let account = out.account().unwrap_or_default().to_string();
        let partition = arn::Arn::parse(&caller_arn)
            .map(|a| a.partition)
            .unwrap_or_else(|| self.target.partition.clone());
        let mut lookup_error = None;
        let mut principal_tags = std::collections::BTreeMap::new();
        let (kind, principal_arn) = if let Some(role) = arn::assumed_role_name(&caller_arn) {
            // The session ARN has no role path; GetRole has it (needed by the simulator).
            let fallback = format!("arn:{partition}:iam::{account}:role/{role}");
            let (arn, error) = match self
                .call(
                    "iam:GetRole",
                    self.clients.iam.get_role().role_name(role).send(),
                )
                .await
            {
                Ok(r) => {
                    principal_tags = convert::role_tags(r.role());
                    (
                        r.role().map(|r| r.arn().to_string()).unwrap_or(fallback),
                        None,
                    )
                }
                Err(e) => (fallback, Some(e)),
            };
            lookup_error = error;
            (CallerKind::AssumedRole, Some(arn))
        } else if caller_arn.ends_with(":root") {
            (CallerKind::Root, None)
        } else if caller_arn.contains(":federated-user/") {
            (CallerKind::FederatedUser, None)
        } else if let Some((_, user)) = caller_arn.split_once(":user/") {
            (
                CallerKind::User,
                Some(format!("arn:{partition}:iam::{account}:user/{user}")),
            )
        } else {
            (CallerKind::Other, None)
        };
        Fact::ok(Caller {
            arn: caller_arn,
            account,
            kind,
            principal_arn,
            principal_lookup_error: lookup_error,
            principal_tags,
        })
    }

    async fn cluster(&self) -> Fact<Cluster> {
        if !self.need(FactKind::Cluster) {
            return Fact::NotFetched;
        }
        use aws_sdk_ecs::types::ClusterField;
        let request = self
            .clients
            .ecs
            .describe_clusters()
            .clusters(&self.target.cluster)
            .include(ClusterField::Configurations)
            .include(ClusterField::Tags)
            .send();
        match self.call("ecs:DescribeClusters", request).await {
            Ok(out) => match out.clusters().first() {
                Some(c) if c.status() != Some("INACTIVE") => Fact::ok(convert::cluster(c)),
                _ => Fact::absent(format!("cluster `{}` not found", self.cluster_name())),
            },
            Err(e) => Fact::failed(e),
        }
    }

    async fn kms_key(&self, cluster: &Fact<Cluster>) -> Fact<KmsKey> {
        if !self.need(FactKind::KmsKey) {
            return Fact::NotFetched;
        }
        let cluster = match input(cluster, "kms:DescribeKey", "cluster") {
            Ok(value) => value,
            Err(missing) => return missing,
        };
        let Some(key_id) = cluster.exec_config.kms_key_id.clone() else {
            return Fact::absent("the cluster has no exec KMS key");
        };
        match self
            .call(
                "kms:DescribeKey",
                self.clients.kms.describe_key().key_id(&key_id).send(),
            )
            .await
        {
            Ok(out) => match out.key_metadata() {
                Some(m) => Fact::ok(KmsKey {
                    arn: m.arn().unwrap_or(&key_id).to_string(),
                    state: m
                        .key_state()
                        .map(|s| s.as_str().to_string())
                        .unwrap_or_else(|| "Unknown".into()),
                    key_manager: m.key_manager().map(|k| k.as_str().to_string()),
                }),
                None => Fact::failed(FactError::new(
                    FactErrorKind::Service,
                    "kms:DescribeKey",
                    "no key metadata in the answer",
                )),
            },
            Err(e) => Fact::failed(e),
        }
    }

    /// The services named (DescribeServices takes at most 10 per call: one call per 10,
    /// concurrently), by name; INACTIVE ones are left out.
    async fn describe_services(
        &self,
        names: &[String],
    ) -> Result<HashMap<String, Service>, FactError> {
        let calls = names.chunks(10).map(|chunk| {
            let request = self
                .clients
                .ecs
                .describe_services()
                .cluster(&self.target.cluster)
                .set_services(Some(chunk.to_vec()))
                .send();
            self.call("ecs:DescribeServices", request)
        });
        let mut found = HashMap::new();
        for out in join_all(calls).await {
            let out = out?;
            found.extend(
                out.services()
                    .iter()
                    .filter(|s| s.status() != Some("INACTIVE"))
                    .map(|s| {
                        (
                            s.service_name().unwrap_or_default().to_string(),
                            convert::service(s),
                        )
                    }),
            );
        }
        Ok(found)
    }

    async fn task_definition(&self, arn: String) -> Fact<TaskDefinition> {
        if !self.need(FactKind::TaskDefinition) {
            return Fact::NotFetched;
        }
        let request = self
            .clients
            .ecs
            .describe_task_definition()
            .task_definition(&arn)
            .send();
        match self.call("ecs:DescribeTaskDefinition", request).await {
            Ok(out) => match out.task_definition() {
                Some(d) => Fact::ok(convert::task_definition(d)),
                None => Fact::absent(format!("task definition `{arn}` not found")),
            },
            Err(e) => Fact::failed(e),
        }
    }

    async fn container_instances(
        &self,
        arns: Vec<String>,
    ) -> Result<HashMap<String, ContainerInstance>, FactError> {
        if arns.is_empty() || !self.need(FactKind::ContainerInstance) {
            return Ok(HashMap::new());
        }
        let request = self
            .clients
            .ecs
            .describe_container_instances()
            .cluster(&self.target.cluster)
            .set_container_instances(Some(arns))
            .send();
        let out = self.call("ecs:DescribeContainerInstances", request).await?;
        let mut instances: HashMap<String, ContainerInstance> = out
            .container_instances()
            .iter()
            .map(convert::container_instance)
            .map(|c| (c.arn.clone(), c))
            .collect();
        self.managed_instances(&mut instances).await;
        Ok(instances)
    }

    /// ECS Anywhere's managed instances (`mi-…`) as Systems Manager sees them: one
    /// `ssm:DescribeInstanceInformation` per 50 instances, only when there are any.
    async fn managed_instances(&self, instances: &mut HashMap<String, ContainerInstance>) {
        use aws_sdk_ssm::types::InstanceInformationStringFilter;
        let ids: Vec<String> = instances
            .values()
            .filter_map(|c| c.ec2_instance_id.clone())
            .filter(|id| id.starts_with("mi-"))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        if ids.is_empty() {
            return;
        }
        let calls = ids.chunks(50).map(|chunk| {
            let filter = InstanceInformationStringFilter::builder()
                .key("InstanceIds")
                .set_values(Some(chunk.to_vec()))
                .build()
                .expect("key and values are set");
            let request = self
                .clients
                .ssm
                .describe_instance_information()
                .filters(filter)
                .max_results(50)
                .send();
            self.call("ssm:DescribeInstanceInformation", request)
        });
        let mut known: HashMap<String, ManagedInstance> = HashMap::new();
        let mut error = None;
        for answer in futures::future::join_all(calls).await {
            match answer {
                Ok(out) => {
                    for i in out.instance_information_list() {
                        let Some(id) = i.instance_id() else { continue };
                        known.insert(
                            id.to_string(),
                            ManagedInstance {
                                registered: true,
                                ping_status: i.ping_status().map(|p| p.as_str().to_string()),
                                agent_version: i.agent_version().map(str::to_string),
                                last_ping: i.last_ping_date_time().map(|t| t.secs()),
                                iam_role: i.iam_role().map(str::to_string),
                            },
                        );
                    }
                }
                Err(e) => error = Some(e),
            }
        }
        for c in instances.values_mut() {
            let Some(id) = c
                .ec2_instance_id
                .as_deref()
                .filter(|i| i.starts_with("mi-"))
            else {
                continue;
            };
            match known.get(id) {
                Some(m) => c.managed = Some(m.clone()),
                None => match &error {
                    Some(e) => c.managed_error = Some(e.clone()),
                    None => {
                        c.managed = Some(ManagedInstance {
                            registered: false,
                            ..ManagedInstance::default()
                        })
                    }
                },
            }
        }
    }

    async fn instance_role(&self, instance_id: String) -> Fact<InstanceRole> {
        let request = self
            .clients
            .ec2
            .describe_instances()
            .instance_ids(&instance_id)
            .send();
        let out = match self.call("ec2:DescribeInstances", request).await {
            Ok(out) => out,
            Err(e) => return Fact::failed(e),
        };
        let profile = out
            .reservations()
            .iter()
            .flat_map(|r| r.instances())
            .find_map(|i| {
                i.iam_instance_profile()
                    .and_then(|p| p.arn())
                    .map(str::to_string)
            });
        let Some(profile_arn) = profile else {
            return Fact::absent(format!("instance `{instance_id}` has no instance profile"));
        };
        let name = arn::role_name(&profile_arn).to_string();
        match self
            .call(
                "iam:GetInstanceProfile",
                self.clients
                    .iam
                    .get_instance_profile()
                    .instance_profile_name(name)
                    .send(),
            )
            .await
        {
            Ok(out) => Fact::ok(InstanceRole {
                instance_profile_arn: Some(profile_arn),
                role_arns: out
                    .instance_profile()
                    .map(|p| p.roles().iter().map(|r| r.arn().to_string()).collect())
                    .unwrap_or_default(),
            }),
            Err(e) => Fact::failed(e),
        }
    }
}

/// The value of an input fact, or what a fact fetched from it becomes when the input is
/// missing: a dependency error naming the input's failure, or not fetched.
fn input<'a, T, U>(fact: &'a Fact<T>, action: &str, what: &str) -> Result<&'a T, Fact<U>> {
    match fact {
        Fact::Ok { value } => Ok(value),
        Fact::Failed { error } => Err(Fact::failed(FactError::dependency(action, what, error))),
        _ => Err(Fact::NotFetched),
    }
}

/// What a fact that depends on a task it could not read becomes.
fn dependent_of<T>(task: &Fact<Task>) -> Fact<T> {
    match task {
        Fact::Failed { error } => Fact::failed(FactError::dependency(&error.action, "task", error)),
        _ => Fact::NotFetched,
    }
}
