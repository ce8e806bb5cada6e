//! The fetch plan. Every fact is a shared future that starts as soon as the facts it is
//! fetched from are ready, is awaited only when a selected check needs it, and is fetched
//! exactly once however many checks and tasks read it. Failures are memoised too, so a denied
//! call is made once. Batched APIs (DescribeTasks, DescribeContainerInstances,
//! DescribeSubnets, DescribeVpcEndpoints, DescribeRouteTables) get one call for all tasks.
//!
//! The longest chain for a Fargate task is three round trips: DescribeTasks →
//! DescribeTaskDefinition → SimulatePrincipalPolicy (task role), beside DescribeTasks →
//! DescribeSubnets → DescribeVpcEndpoints/DescribeRouteTables and GetCallerIdentity →
//! GetRole → SimulatePrincipalPolicy (caller).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::future::Future;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};

use aws_sdk_ecs::config::http::HttpResponse;
use aws_sdk_ecs::error::{ProvideErrorMetadata, SdkError};
use ecs_exec_doctor_checks::FactKind;
use ecs_exec_doctor_checks::arn;
use ecs_exec_doctor_checks::facts::{Diagnosis, Fact, FactError, FactErrorKind, Subject};
use ecs_exec_doctor_checks::model::*;
use ecs_exec_doctor_checks::task_role::{self, TaskRole};
use futures::future::{BoxFuture, FutureExt, Shared, join_all};
use tokio::sync::Semaphore;

use super::convert;
use super::errors::classify;

mod logging;
mod network;
mod roles;

use roles::percent_decode;

/// At most this many calls in flight per service. Each service throttles on its own (IAM
/// and its policy simulator the most), so one service's burst never queues another's calls.
const MAX_IN_FLIGHT: [(&str, usize); 4] = [("iam", 4), ("ec2", 8), ("ecs", 8), ("kms", 4)];
/// For every other service (sts, logs, s3).
const MAX_IN_FLIGHT_OTHER: usize = 4;

pub struct Clients {
    pub ecs: aws_sdk_ecs::Client,
    pub iam: aws_sdk_iam::Client,
    pub ec2: aws_sdk_ec2::Client,
    pub kms: aws_sdk_kms::Client,
    pub sts: aws_sdk_sts::Client,
    pub logs: aws_sdk_cloudwatchlogs::Client,
    pub s3: aws_sdk_s3::Client,
}

pub struct Fetcher {
    pub clients: Clients,
    pub target: Target,
    pub needs: BTreeSet<FactKind>,
    pub max_tasks: usize,
    calls: AtomicU32,
    /// One per entry of [`MAX_IN_FLIGHT`], then the one for every other service.
    permits: Vec<Semaphore>,
}

type SharedFact<'a, T> = Shared<BoxFuture<'a, Fact<T>>>;
type SharedResult<'a, T> = Shared<BoxFuture<'a, Result<T, FactError>>>;

/// The tasks to diagnose, and the service when `--service` named one.
#[derive(Clone)]
struct Listing {
    subjects: Vec<(String, Fact<Task>)>,
    service: Option<Fact<Service>>,
}

impl Fetcher {
    pub fn new(
        clients: Clients,
        target: Target,
        needs: BTreeSet<FactKind>,
        max_tasks: usize,
    ) -> Self {
        Self {
            clients,
            target,
            needs,
            max_tasks,
            calls: AtomicU32::new(0),
            permits: MAX_IN_FLIGHT
                .iter()
                .map(|(_, n)| Semaphore::new(*n))
                .chain([Semaphore::new(MAX_IN_FLIGHT_OTHER)])
                .collect(),
        }
    }

    pub fn calls(&self) -> u32 {
        self.calls.load(Ordering::Relaxed)
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
        let _permit = self.permits[slot]
            .acquire()
            .await
            .expect("semaphore is never closed");
        self.calls.fetch_add(1, Ordering::Relaxed);
        request.await.map_err(|e| classify(action, &e))
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
        let subjects = {
            let (caller, cluster, kms, listing) = (
                caller.clone(),
                cluster.clone(),
                kms.clone(),
                listing.clone(),
            );
            async move { self.subjects(listing.await, caller, cluster, kms).await }
        };
        let (local, caller, cluster, kms, key_policy, log_destinations, subjects) = tokio::join!(
            local,
            caller,
            cluster,
            kms,
            key_policy,
            log_destinations,
            subjects
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
                Ok(r) => (
                    r.role().map(|r| r.arn().to_string()).unwrap_or(fallback),
                    None,
                ),
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

    async fn listing(&self) -> Listing {
        if !self.need(FactKind::Task) {
            let task_ref = self.target.task.clone().unwrap_or_default();
            return Listing {
                subjects: vec![(task_ref, Fact::NotFetched)],
                service: None,
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
                }
            }
            (None, Some(service)) => self.service_listing(service).await,
            (None, None) => Listing {
                subjects: vec![],
                service: None,
            },
        }
    }

    async fn service_listing(&self, service: &str) -> Listing {
        use aws_sdk_ecs::types::DesiredStatus;
        let names = [service.to_string()];
        let describe = self.describe_services(&names);
        let list = self.call(
            "ecs:ListTasks",
            self.clients
                .ecs
                .list_tasks()
                .cluster(&self.target.cluster)
                .service_name(service)
                .desired_status(DesiredStatus::Running)
                .max_results(100)
                .send(),
        );
        let (described, listed) = tokio::join!(describe, list);
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
            let subject = (String::new(), Fact::absent(reason.clone()));
            return Listing {
                subjects: vec![subject],
                service: Some(service_fact),
            };
        }
        let arns: Vec<String> = match listed {
            Ok(out) => out
                .task_arns()
                .iter()
                .take(self.max_tasks)
                .cloned()
                .collect(),
            Err(e) => {
                return Listing {
                    subjects: vec![(String::new(), Fact::failed(e))],
                    service: Some(service_fact),
                };
            }
        };
        if arns.is_empty() {
            let none = Fact::absent(format!("service `{service}` has no RUNNING task"));
            return Listing {
                subjects: vec![(String::new(), none)],
                service: Some(service_fact),
            };
        }
        let subjects = match self.describe_tasks(&arns).await {
            Ok(tasks) => arns
                .iter()
                .map(|a| {
                    let fact = match tasks.iter().find(|t| &t.arn == a) {
                        Some(t) => Fact::ok(t.clone()),
                        None => Fact::absent(format!(
                            "task `{}` stopped while being diagnosed",
                            arn::task_id(a)
                        )),
                    };
                    (a.clone(), fact)
                })
                .collect(),
            Err(e) => arns
                .iter()
                .map(|a| (a.clone(), Fact::failed(e.clone())))
                .collect(),
        };
        Listing {
            subjects,
            service: Some(service_fact),
        }
    }

    async fn describe_tasks(&self, tasks: &[String]) -> Result<Vec<Task>, FactError> {
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

    async fn describe_services(
        &self,
        names: &[String],
    ) -> Result<HashMap<String, Service>, FactError> {
        let request = self
            .clients
            .ecs
            .describe_services()
            .cluster(&self.target.cluster)
            .set_services(Some(names.to_vec()))
            .send();
        let out = self.call("ecs:DescribeServices", request).await?;
        Ok(out
            .services()
            .iter()
            .filter(|s| s.status() != Some("INACTIVE"))
            .map(|s| {
                (
                    s.service_name().unwrap_or_default().to_string(),
                    convert::service(s),
                )
            })
            .collect())
    }

    async fn subjects<'a>(
        &'a self,
        listing: Listing,
        caller: SharedFact<'a, Caller>,
        cluster: SharedFact<'a, Cluster>,
        kms: SharedFact<'a, KmsKey>,
    ) -> Vec<Subject> {
        let tasks: Vec<Option<Task>> = listing
            .subjects
            .iter()
            .map(|(_, t)| t.value().cloned())
            .collect();
        let ok_tasks: Vec<&Task> = tasks.iter().flatten().collect();

        // Task definitions, each fetched once.
        let mut tds: HashMap<String, SharedFact<TaskDefinition>> = HashMap::new();
        for t in &ok_tasks {
            tds.entry(t.task_definition_arn.clone()).or_insert_with(|| {
                self.task_definition(t.task_definition_arn.clone())
                    .boxed()
                    .shared()
            });
        }

        // Services of the tasks, one call (task mode; --service already has it).
        let service_names: Vec<String> = if listing.service.is_some() {
            vec![]
        } else {
            let set: BTreeSet<String> = ok_tasks
                .iter()
                .filter_map(|t| t.service_name().map(str::to_string))
                .collect();
            set.into_iter().collect()
        };
        let services: SharedResult<HashMap<String, Service>> = {
            let names = service_names.clone();
            async move {
                if names.is_empty() || !self.need(FactKind::Service) {
                    return Ok(HashMap::new());
                }
                self.describe_services(&names).await
            }
            .boxed()
            .shared()
        };

        // Container instances, one call.
        let ci_arns: Vec<String> = {
            let set: BTreeSet<String> = ok_tasks
                .iter()
                .filter_map(|t| t.container_instance_arn.clone())
                .collect();
            set.into_iter().collect()
        };
        let cis: SharedResult<HashMap<String, ContainerInstance>> = {
            let arns = ci_arns.clone();
            async move { self.container_instances(arns).await }
                .boxed()
                .shared()
        };

        // The network family (subnets, interfaces, VPC-wide facts), each fetched once for
        // every task.
        let networks: Shared<BoxFuture<network::NetworkFacts>> = {
            let direct: Vec<String> = ok_tasks
                .iter()
                .filter_map(|t| t.subnet_id.clone())
                .collect();
            let enis: Vec<String> = ok_tasks.iter().filter_map(|t| t.eni_id.clone()).collect();
            let needs_ci = ok_tasks
                .iter()
                .any(|t| t.subnet_id.is_none() || t.eni_id.is_none());
            let cis = cis.clone();
            async move {
                let mut subnets: BTreeSet<String> = direct.into_iter().collect();
                let mut instances: BTreeSet<String> = BTreeSet::new();
                if needs_ci && let Ok(map) = cis.await {
                    subnets.extend(map.values().filter_map(|c| c.subnet_id.clone()));
                    instances.extend(map.values().filter_map(|c| c.ec2_instance_id.clone()));
                }
                let enis: BTreeSet<String> = enis.into_iter().collect();
                self.network_facts(
                    subnets.into_iter().collect(),
                    enis.into_iter().collect(),
                    instances.into_iter().collect(),
                )
                .await
            }
            .boxed()
            .shared()
        };
        let role_facts: Mutex<HashMap<String, SharedFact<Role>>> = Mutex::new(HashMap::new());

        let role_sims: Mutex<HashMap<String, SharedFact<Simulation>>> = Mutex::new(HashMap::new());
        let instance_roles: Mutex<HashMap<String, SharedFact<InstanceRole>>> =
            Mutex::new(HashMap::new());

        let futures = listing.subjects.iter().zip(tasks.iter()).map(|((task_ref, task_fact), task)| {
            let td = task.as_ref().and_then(|t| tds.get(&t.task_definition_arn).cloned());
            let (services, cis, networks) = (services.clone(), cis.clone(), networks.clone());
            let (caller, cluster, kms) = (caller.clone(), cluster.clone(), kms.clone());
            let listing_service = listing.service.clone();
            let role_sims = &role_sims;
            let role_facts = &role_facts;
            let instance_roles = &instance_roles;
            async move {
                let Some(task) = task else {
                    let dep = dependent_of(task_fact);
                    return Subject {
                        task_ref: task_ref.clone(),
                        task: task_fact.clone(),
                        service: listing_service.clone().unwrap_or_else(|| dependent_of(task_fact)),
                        task_definition: dependent_of(task_fact),
                        container_instance: dependent_of(task_fact),
                        instance_role: dependent_of(task_fact),
                        network: dependent_of(task_fact),
                        interface: dependent_of(task_fact),
                        firewall: dependent_of(task_fact),
                        caller_permissions: dependent_of(task_fact),
                        task_role_permissions: dep,
                        task_role: dependent_of(task_fact),
                    };
                };
                let service = async {
                    if let Some(s) = listing_service.clone() {
                        return s;
                    }
                    if !self.need(FactKind::Service) {
                        return Fact::NotFetched;
                    }
                    match task.service_name() {
                        None => Fact::absent(format!("task `{}` was not started by a service", task.id())),
                        Some(name) => match services.await {
                            Ok(map) => match map.get(name) {
                                Some(s) => Fact::ok(s.clone()),
                                None => Fact::absent(format!("service `{name}` no longer exists")),
                            },
                            Err(e) => Fact::failed(e),
                        },
                    }
                };
                let task_definition = async {
                    match &td {
                        Some(f) => f.clone().await,
                        None => Fact::NotFetched,
                    }
                };
                let container_instance = async {
                    let Some(ci_arn) = &task.container_instance_arn else {
                        return Fact::absent("the task does not run on a container instance");
                    };
                    if !self.need(FactKind::ContainerInstance) {
                        return Fact::NotFetched;
                    }
                    match cis.clone().await {
                        Ok(map) => match map.get(ci_arn) {
                            Some(ci) => Fact::ok(ci.clone()),
                            None => Fact::absent(format!("container instance `{ci_arn}` not found")),
                        },
                        Err(e) => Fact::failed(e),
                    }
                };
                // The task's subnet and interface: its own (awsvpc), else its instance's.
                let instance_of = |map: &HashMap<String, ContainerInstance>| {
                    task.container_instance_arn.as_ref().and_then(|a| map.get(a)).cloned()
                };
                let network = async {
                    if !self.need(FactKind::Network) {
                        return Fact::NotFetched;
                    }
                    let subnet = match &task.subnet_id {
                        Some(s) => Some(s.clone()),
                        None => match cis.clone().await {
                            Ok(map) => instance_of(&map).and_then(|c| c.subnet_id),
                            Err(e) => return Fact::failed(FactError::dependency("ec2:DescribeSubnets", "container instance", &e)),
                        },
                    };
                    let Some(subnet) = subnet else {
                        return Fact::absent("the task's subnet is not known (no ENI and no ecs.subnet-id attribute)");
                    };
                    networks.clone().await.networks.get(&subnet).cloned().unwrap_or_else(|| Fact::absent(format!("subnet `{subnet}` not found")))
                };
                let interface = async {
                    if !self.need(FactKind::Interface) {
                        return Fact::NotFetched;
                    }
                    let key = match &task.eni_id {
                        Some(eni) => Some(eni.clone()),
                        None => match cis.clone().await {
                            Ok(map) => instance_of(&map).and_then(|c| c.ec2_instance_id),
                            Err(e) => return Fact::failed(FactError::dependency("ec2:DescribeNetworkInterfaces", "container instance", &e)),
                        },
                    };
                    let Some(key) = key else {
                        return Fact::absent("the task has no network interface attachment and no container instance");
                    };
                    networks.clone().await.interfaces.get(&key).cloned().unwrap_or_else(|| Fact::absent(format!("network interface of `{key}` not found")))
                };
                let interface = interface.boxed().shared();
                let firewall = {
                    let interface = interface.clone();
                    let networks = networks.clone();
                    async move {
                        if !self.need(FactKind::Firewall) {
                            return Fact::NotFetched;
                        }
                        let vpc = match interface.await {
                            Fact::Ok { value } => value.vpc_id,
                            Fact::Failed { error } => return Fact::failed(FactError::dependency("ec2:DescribeSecurityGroups", "task network interface", &error)),
                            Fact::Absent { reason } => return Fact::absent(reason),
                            Fact::NotFetched => return Fact::NotFetched,
                        };
                        networks.await.firewalls.get(&vpc).cloned().unwrap_or_else(|| Fact::absent(format!("VPC `{vpc}` not found")))
                    }
                };
                let caller_permissions = async {
                    if !self.need(FactKind::CallerPermissions) {
                        return Fact::NotFetched;
                    }
                    let (caller, cluster, kms) = tokio::join!(caller.clone(), cluster.clone(), kms.clone());
                    self.caller_simulation(&caller, task, &cluster, &kms).await
                };
                // The task definition and container instance feed both the report and the
                // role chain; the role chain starts as soon as they are known, beside the
                // network and caller chains.
                let task_definition = task_definition.boxed().shared();
                let container_instance = container_instance.boxed().shared();
                // The role: override > task definition > EC2 instance profile (fetched only
                // when there is no task role).
                let instance_role = {
                    let (task_definition, container_instance) = (task_definition.clone(), container_instance.clone());
                    async move {
                        let task_definition = task_definition.await;
                        let has_task_role = task.task_role_override.is_some()
                            || task_definition.value().is_some_and(|d| d.task_role_arn.is_some());
                        if has_task_role {
                            return Fact::absent("the task has a task role");
                        }
                        let container_instance = container_instance.await;
                        if let Some(ci) = container_instance.value() {
                            if !self.need(FactKind::InstanceRole) {
                                return Fact::NotFetched;
                            }
                            let key = ci.ec2_instance_id.clone().unwrap_or_default();
                            let fut = instance_roles
                                .lock()
                                .expect("not poisoned")
                                .entry(key.clone())
                                .or_insert_with(|| self.instance_role(key).boxed().shared())
                                .clone();
                            fut.await
                        } else if let Fact::Failed { error } = &container_instance {
                            Fact::failed(FactError::dependency("ec2:DescribeInstances", "container instance", error))
                        } else {
                            Fact::absent("the task does not run on an EC2 container instance")
                        }
                    }
                    .boxed()
                    .shared()
                };
                let task_role_permissions = {
                    let (task_definition, instance_role) = (task_definition.clone(), instance_role.clone());
                    let (cluster, kms) = (cluster.clone(), kms.clone());
                    async move {
                        if !self.need(FactKind::TaskRolePermissions) {
                            return Fact::NotFetched;
                        }
                        let task_definition = task_definition.await;
                        if let Fact::Failed { error } = &task_definition
                            && task.task_role_override.is_none()
                        {
                            return Fact::failed(FactError::dependency("iam:SimulatePrincipalPolicy", "task definition", error));
                        }
                        let instance_role = instance_role.await;
                        let role = task_role::effective(Some(task), task_definition.value(), instance_role.value());
                        let Some(role_arn) = role.arn().map(str::to_string) else {
                            return match &instance_role {
                                Fact::Failed { error } => Fact::failed(FactError::dependency("iam:SimulatePrincipalPolicy", "EC2 instance role", error)),
                                _ => Fact::absent("the task has no role"),
                            };
                        };
                        let (cluster, kms) = tokio::join!(cluster, kms);
                        let fut = role_sims
                            .lock()
                            .expect("not poisoned")
                            .entry(role_arn.clone())
                            .or_insert_with(|| self.role_simulation(role, cluster, kms).boxed().shared())
                            .clone();
                        fut.await
                    }
                };
                let task_role = {
                    let (task_definition, instance_role) = (task_definition.clone(), instance_role.clone());
                    async move {
                        if !self.need(FactKind::TaskRole) {
                            return Fact::NotFetched;
                        }
                        let task_definition = task_definition.await;
                        if let Fact::Failed { error } = &task_definition
                            && task.task_role_override.is_none()
                        {
                            return Fact::failed(FactError::dependency("iam:GetRole", "task definition", error));
                        }
                        let instance_role = instance_role.await;
                        let role = task_role::effective(Some(task), task_definition.value(), instance_role.value());
                        let Some(role_arn) = role.arn().map(str::to_string) else {
                            return match &instance_role {
                                Fact::Failed { error } => Fact::failed(FactError::dependency("iam:GetRole", "EC2 instance role", error)),
                                _ => Fact::absent("the task has no role"),
                            };
                        };
                        let fut = role_facts
                            .lock()
                            .expect("not poisoned")
                            .entry(role_arn.clone())
                            .or_insert_with(|| self.role(role_arn).boxed().shared())
                            .clone();
                        fut.await
                    }
                };
                let (service, task_definition, container_instance, instance_role, network, interface, firewall, caller_permissions, task_role_permissions, task_role) = tokio::join!(
                    service,
                    task_definition,
                    container_instance,
                    instance_role,
                    network,
                    interface,
                    firewall,
                    caller_permissions,
                    task_role_permissions,
                    task_role
                );
                Subject {
                    task_ref: task_ref.clone(),
                    task: task_fact.clone(),
                    service,
                    task_definition,
                    container_instance,
                    instance_role,
                    network,
                    interface,
                    firewall,
                    caller_permissions,
                    task_role_permissions,
                    task_role,
                }
            }
        });
        join_all(futures).await
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
        Ok(out
            .container_instances()
            .iter()
            .map(convert::container_instance)
            .map(|c| (c.arn.clone(), c))
            .collect())
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

    /// `ecs:ExecuteCommand` on the cluster and task, `ssm:StartSession` on the task and
    /// `kms:GenerateDataKey` on the exec key, with the context ECS supplies at call time.
    async fn caller_simulation(
        &self,
        caller: &Fact<Caller>,
        task: &Task,
        cluster: &Fact<Cluster>,
        kms: &Fact<KmsKey>,
    ) -> Fact<Simulation> {
        use aws_sdk_iam::types::{ContextEntry, ContextKeyTypeEnum};
        let caller = match input(caller, "iam:SimulatePrincipalPolicy", "caller identity") {
            Ok(value) => value,
            Err(missing) => return missing,
        };
        let cluster = match input(cluster, "iam:SimulatePrincipalPolicy", "cluster") {
            Ok(value) => value,
            Err(missing) => return missing,
        };
        let Some(principal) = caller.principal_arn.clone() else {
            return Fact::absent(format!("`{}` cannot be simulated", caller.arn));
        };
        let mut actions = vec![
            "ecs:ExecuteCommand".to_string(),
            "ssm:StartSession".to_string(),
        ];
        let mut resources = vec![cluster.arn.clone(), task.arn.clone()];
        if let Some(key) = task_role::exec_kms_arn(&self.target, cluster, kms.value()) {
            actions.push("kms:GenerateDataKey".into());
            resources.push(key);
        }
        let mut context: BTreeMap<String, String> = BTreeMap::new();
        context.insert("ecs:cluster".into(), cluster.arn.clone());
        context.insert("ecs:task".into(), task.arn.clone());
        context.insert("aws:RequestedRegion".into(), self.target.region.clone());
        let container = self.target.container.clone().or_else(|| {
            let with_agent: Vec<&Container> = task
                .containers
                .iter()
                .filter(|c| c.exec_agent().is_some())
                .collect();
            (with_agent.len() == 1).then(|| with_agent[0].name.clone())
        });
        if let Some(c) = container {
            context.insert("ecs:container-name".into(), c);
        }
        for (k, v) in cluster.tags.iter().chain(task.tags.iter()) {
            context.insert(format!("aws:ResourceTag/{k}"), v.clone());
            context.insert(format!("ecs:ResourceTag/{k}"), v.clone());
        }
        let entries: Vec<ContextEntry> = context
            .into_iter()
            .map(|(k, v)| {
                ContextEntry::builder()
                    .context_key_name(k)
                    .context_key_values(v)
                    .context_key_type(ContextKeyTypeEnum::String)
                    .build()
            })
            .collect();
        let request = self
            .clients
            .iam
            .simulate_principal_policy()
            .policy_source_arn(&principal)
            .set_action_names(Some(actions))
            .set_resource_arns(Some(resources))
            .set_context_entries(Some(entries))
            .send();
        match self.call("iam:SimulatePrincipalPolicy", request).await {
            Ok(out) => Fact::ok(Simulation {
                principal_arn: principal,
                results: convert::sim_results(out.evaluation_results()),
            }),
            // IAM does not know the path-less role ARN used because GetRole failed: the
            // missing permission is GetRole's.
            Err(e)
                if e.kind == FactErrorKind::NotFound && caller.principal_lookup_error.is_some() =>
            {
                let lookup = caller.principal_lookup_error.as_ref().expect("checked");
                Fact::failed(FactError::dependency(
                    "iam:SimulatePrincipalPolicy",
                    "caller role's path",
                    lookup,
                ))
            }
            Err(e) => Fact::failed(e),
        }
    }

    /// The exec agent's actions for `role`: the four ssmmessages actions (on `*`), and
    /// `kms:Decrypt` and the logging actions on their resources when configured.
    async fn role_simulation(
        &self,
        role: TaskRole,
        cluster: Fact<Cluster>,
        kms: Fact<KmsKey>,
    ) -> Fact<Simulation> {
        let role_arn = role.arn().expect("only called with a role").to_string();
        let mut wildcard: Vec<String> = ecs_exec_doctor_checks::fixes::SSMMESSAGES_ACTIONS
            .iter()
            .map(|s| s.to_string())
            .collect();
        let mut specific: Vec<(String, String)> = Vec::new();
        if let Fact::Ok { value: cluster } = &cluster {
            if let Some(key) = task_role::exec_kms_arn(&self.target, cluster, kms.value()) {
                specific.push(("kms:Decrypt".into(), key));
            }
            for (action, resource) in
                task_role::logging_actions(&cluster.arn, &cluster.exec_config).unwrap_or_default()
            {
                if resource == "*" {
                    wildcard.push(action.to_string());
                } else {
                    specific.push((action.to_string(), resource));
                }
            }
        }
        let simulate = |actions: Vec<String>, resources: Option<Vec<String>>| {
            let request = self
                .clients
                .iam
                .simulate_principal_policy()
                .policy_source_arn(&role_arn)
                .set_action_names(Some(actions))
                .set_resource_arns(resources)
                .send();
            self.call("iam:SimulatePrincipalPolicy", request)
        };
        let wildcard_call = simulate(wildcard, None);
        let specific_call = async {
            if specific.is_empty() {
                return Ok(None);
            }
            let actions: BTreeSet<String> = specific.iter().map(|(a, _)| a.clone()).collect();
            let resources: BTreeSet<String> = specific.iter().map(|(_, r)| r.clone()).collect();
            simulate(
                actions.into_iter().collect(),
                Some(resources.into_iter().collect()),
            )
            .await
            .map(Some)
        };
        let (wildcard, specific_out) = tokio::join!(wildcard_call, specific_call);
        let mut results = match wildcard {
            Ok(out) => convert::sim_results(out.evaluation_results()),
            Err(e) => return Fact::failed(e),
        };
        match specific_out {
            Ok(Some(out)) => {
                let wanted: BTreeSet<(String, String)> = specific.into_iter().collect();
                results.extend(
                    convert::sim_results(out.evaluation_results())
                        .into_iter()
                        .filter(|r| wanted.contains(&(r.action.clone(), r.resource.clone()))),
                );
            }
            Ok(None) => {}
            Err(e) => return Fact::failed(e),
        }
        Fact::ok(Simulation {
            principal_arn: role_arn,
            results,
        })
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
