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

/// At most this many AWS calls in flight (IAM throttles bursts).
const MAX_IN_FLIGHT: usize = 8;

pub struct Clients {
    pub ecs: aws_sdk_ecs::Client,
    pub iam: aws_sdk_iam::Client,
    pub ec2: aws_sdk_ec2::Client,
    pub kms: aws_sdk_kms::Client,
    pub sts: aws_sdk_sts::Client,
}

pub struct Fetcher {
    pub clients: Clients,
    pub target: Target,
    pub needs: BTreeSet<FactKind>,
    pub max_tasks: usize,
    calls: AtomicU32,
    permits: Semaphore,
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
            permits: Semaphore::new(MAX_IN_FLIGHT),
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
        let _permit = self
            .permits
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
        let (local, caller, cluster, kms, subjects) =
            tokio::join!(local, caller, cluster, kms, subjects);
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

        // Subnets → VPC endpoints and route tables, one call each for all tasks.
        let networks: Shared<BoxFuture<HashMap<String, Fact<Network>>>> = {
            let direct: Vec<String> = ok_tasks
                .iter()
                .filter_map(|t| t.subnet_id.clone())
                .collect();
            let needs_ci = ok_tasks.iter().any(|t| t.subnet_id.is_none());
            let cis = cis.clone();
            async move {
                if !self.need(FactKind::Network) {
                    return HashMap::new();
                }
                let mut subnets: BTreeSet<String> = direct.into_iter().collect();
                if needs_ci && let Ok(map) = cis.await {
                    subnets.extend(map.values().filter_map(|c| c.subnet_id.clone()));
                }
                self.networks(subnets.into_iter().collect()).await
            }
            .boxed()
            .shared()
        };

        let role_sims: Mutex<HashMap<String, SharedFact<Simulation>>> = Mutex::new(HashMap::new());
        let instance_roles: Mutex<HashMap<String, SharedFact<InstanceRole>>> =
            Mutex::new(HashMap::new());

        let futures = listing.subjects.iter().zip(tasks.iter()).map(|((task_ref, task_fact), task)| {
            let td = task.as_ref().and_then(|t| tds.get(&t.task_definition_arn).cloned());
            let (services, cis, networks) = (services.clone(), cis.clone(), networks.clone());
            let (caller, cluster, kms) = (caller.clone(), cluster.clone(), kms.clone());
            let listing_service = listing.service.clone();
            let role_sims = &role_sims;
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
                        caller_permissions: dependent_of(task_fact),
                        task_role_permissions: dep,
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
                let network = async {
                    if !self.need(FactKind::Network) {
                        return Fact::NotFetched;
                    }
                    let subnet = match &task.subnet_id {
                        Some(s) => Some(s.clone()),
                        None => match cis.clone().await {
                            Ok(map) => task.container_instance_arn.as_ref().and_then(|a| map.get(a)).and_then(|c| c.subnet_id.clone()),
                            Err(e) => return Fact::failed(FactError::dependency("ec2:DescribeSubnets", "container instance", &e)),
                        },
                    };
                    let Some(subnet) = subnet else {
                        return Fact::absent("the task's subnet is not known (no ENI and no ecs.subnet-id attribute)");
                    };
                    networks.await.get(&subnet).cloned().unwrap_or_else(|| Fact::absent(format!("subnet `{subnet}` not found")))
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
                let (service, task_definition, container_instance, instance_role, network, caller_permissions, task_role_permissions) = tokio::join!(
                    service,
                    task_definition,
                    container_instance,
                    instance_role,
                    network,
                    caller_permissions,
                    task_role_permissions
                );
                Subject {
                    task_ref: task_ref.clone(),
                    task: task_fact.clone(),
                    service,
                    task_definition,
                    container_instance,
                    instance_role,
                    network,
                    caller_permissions,
                    task_role_permissions,
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

    async fn networks(&self, subnet_ids: Vec<String>) -> HashMap<String, Fact<Network>> {
        use aws_sdk_ec2::types::Filter;
        if subnet_ids.is_empty() {
            return HashMap::new();
        }
        let request = self
            .clients
            .ec2
            .describe_subnets()
            .set_subnet_ids(Some(subnet_ids.clone()))
            .send();
        let subnets = match self.call("ec2:DescribeSubnets", request).await {
            Ok(out) => out.subnets().to_vec(),
            Err(e) => {
                return subnet_ids
                    .into_iter()
                    .map(|s| (s, Fact::failed(e.clone())))
                    .collect();
            }
        };
        let vpcs: Vec<String> = subnets
            .iter()
            .filter_map(|s| s.vpc_id().map(str::to_string))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let vpc_filter = Filter::builder()
            .name("vpc-id")
            .set_values(Some(vpcs.clone()))
            .build();
        let endpoints = self.call(
            "ec2:DescribeVpcEndpoints",
            self.clients
                .ec2
                .describe_vpc_endpoints()
                .filters(vpc_filter.clone())
                .send(),
        );
        let routes = self.call(
            "ec2:DescribeRouteTables",
            self.clients
                .ec2
                .describe_route_tables()
                .filters(vpc_filter)
                .send(),
        );
        let (endpoints, routes) = tokio::join!(endpoints, routes);
        let mut out = HashMap::new();
        for id in subnet_ids {
            let Some(subnet) = subnets.iter().find(|s| s.subnet_id() == Some(id.as_str())) else {
                out.insert(id.clone(), Fact::absent(format!("subnet `{id}` not found")));
                continue;
            };
            let vpc = subnet.vpc_id().unwrap_or_default().to_string();
            let eps = match &endpoints {
                Ok(o) => o
                    .vpc_endpoints()
                    .iter()
                    .filter(|e| e.vpc_id() == Some(vpc.as_str()))
                    .map(|e| VpcEndpoint {
                        id: e.vpc_endpoint_id().unwrap_or_default().to_string(),
                        service_name: e.service_name().unwrap_or_default().to_string(),
                        endpoint_type: e
                            .vpc_endpoint_type()
                            .map(|t| t.as_str().to_string())
                            .unwrap_or_default(),
                        state: e
                            .state()
                            .map(|s| s.as_str().to_string())
                            .unwrap_or_default(),
                        private_dns_enabled: e.private_dns_enabled().unwrap_or(false),
                    })
                    .collect(),
                Err(e) => {
                    out.insert(id.clone(), Fact::failed(e.clone()));
                    continue;
                }
            };
            let (default_route, routes_known, routes_error) = match &routes {
                Ok(o) => match default_route(o.route_tables(), &id, &vpc) {
                    Some(route) => (route, true, None),
                    // No table of the VPC is visible (a subnet shared from another account).
                    None => (None, false, None),
                },
                Err(e) => (None, false, Some(e.clone())),
            };
            out.insert(
                id.clone(),
                Fact::ok(Network {
                    subnet_id: id.clone(),
                    vpc_id: vpc,
                    subnet_owner: subnet.owner_id().map(str::to_string),
                    default_route,
                    routes_known,
                    routes_error,
                    endpoints: eps,
                }),
            );
        }
        out
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

/// The target of the `0.0.0.0/0` route of the table associated with `subnet` (or the VPC's
/// main table): `None` when no such table is visible, `Some(None)` when it has no default
/// route.
fn default_route(
    tables: &[aws_sdk_ec2::types::RouteTable],
    subnet: &str,
    vpc: &str,
) -> Option<Option<String>> {
    let in_vpc = |t: &&aws_sdk_ec2::types::RouteTable| t.vpc_id() == Some(vpc);
    let table = tables
        .iter()
        .filter(in_vpc)
        .find(|t| {
            t.associations()
                .iter()
                .any(|a| a.subnet_id() == Some(subnet))
        })
        .or_else(|| {
            tables
                .iter()
                .filter(in_vpc)
                .find(|t| t.associations().iter().any(|a| a.main() == Some(true)))
        })?;
    Some(
        table
            .routes()
            .iter()
            .filter(|r| r.destination_cidr_block() == Some("0.0.0.0/0"))
            .filter(|r| r.state().map(|s| s.as_str()) != Some("blackhole"))
            .find_map(|r| {
                r.nat_gateway_id()
                    .or(r.transit_gateway_id())
                    .or(r.gateway_id())
                    .or(r.network_interface_id())
                    .or(r.vpc_peering_connection_id())
                    .or(r.instance_id())
                    .map(str::to_string)
            }),
    )
}
