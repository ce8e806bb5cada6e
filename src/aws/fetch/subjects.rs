//! The per-task part of the fetch plan: for every listed task, its task definition, service,
//! container instance, network, interface, firewall, roles and simulations, each a shared
//! future started as soon as its inputs are known, so tasks that share a fact share one call.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use ecs_exec_doctor_checks::FactKind;
use ecs_exec_doctor_checks::facts::{Fact, FactError, Subject};
use ecs_exec_doctor_checks::model::*;
use ecs_exec_doctor_checks::task_role;
use futures::future::{BoxFuture, FutureExt, Shared, join_all};

use super::{Fetcher, Listing, SharedFact, SharedResult, dependent_of, network};

/// Why an ECS Anywhere task has no network facts.
const OUTSIDE_AWS: &str = "an ECS Anywhere task runs outside AWS: its network is not an AWS VPC";

impl Fetcher {
    pub(super) async fn subjects<'a>(
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
        // Shared outputs are cloned at every await: behind an Arc, not once per task.
        let services: SharedResult<Arc<HashMap<String, Service>>> = {
            let names = service_names.clone();
            async move {
                if names.is_empty() || !self.need(FactKind::Service) {
                    return Ok(Arc::new(HashMap::new()));
                }
                self.describe_services(&names).await.map(Arc::new)
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
        let cis: SharedResult<Arc<HashMap<String, ContainerInstance>>> = {
            let arns = ci_arns.clone();
            async move { self.container_instances(arns).await.map(Arc::new) }
                .boxed()
                .shared()
        };

        // The network family (subnets, interfaces, VPC-wide facts), each fetched once for
        // every task.
        let networks: Shared<BoxFuture<Arc<network::NetworkFacts>>> = {
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
                    // ECS Anywhere's managed instances (`mi-…`) are not EC2 instances.
                    instances.extend(
                        map.values()
                            .filter_map(|c| c.ec2_instance_id.clone())
                            .filter(|id| !id.starts_with("mi-")),
                    );
                }
                let enis: BTreeSet<String> = enis.into_iter().collect();
                let facts = self
                    .network_facts(
                        subnets.into_iter().collect(),
                        enis.into_iter().collect(),
                        instances.into_iter().collect(),
                    )
                    .await;
                Arc::new(facts)
            }
            .boxed()
            .shared()
        };
        let role_facts: Mutex<HashMap<String, SharedFact<Role>>> = Mutex::new(HashMap::new());

        let role_sims: Mutex<HashMap<String, SharedFact<Simulation>>> = Mutex::new(HashMap::new());
        let settled_sims: Mutex<HashMap<String, SharedFact<Simulation>>> =
            Mutex::new(HashMap::new());
        let instance_roles: Mutex<HashMap<String, SharedFact<InstanceRole>>> =
            Mutex::new(HashMap::new());

        // The caller's simulation, batched: one call for up to CALLER_BATCH tasks that share
        // the same condition context (tags, container), instead of one per task.
        let caller_batches = self.caller_batches(&ok_tasks, &caller, &cluster, &kms);
        let caller_batches = &caller_batches;

        let futures = listing.subjects.iter().zip(tasks.iter()).map(|((task_ref, task_fact), task)| {
            let td = task.as_ref().and_then(|t| tds.get(&t.task_definition_arn).cloned());
            let (services, cis, networks) = (services.clone(), cis.clone(), networks.clone());
            let (cluster, kms) = (cluster.clone(), kms.clone());
            let listing_service = listing.service.clone();
            let role_sims = &role_sims;
            let settled_sims = &settled_sims;
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
                        task_role_policies: Fact::NotFetched,
                        service_security_groups: Fact::NotFetched,
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
                    if task.is_external() {
                        return Fact::absent(OUTSIDE_AWS);
                    }
                    // A bridge/host task's subnet: the instance's `ecs.subnet-id` attribute,
                    // else the subnet of the instance's primary interface.
                    let (subnet, instance) = match &task.subnet_id {
                        Some(s) => (Some(s.clone()), None),
                        None => match cis.clone().await {
                            Ok(map) => instance_of(&map).map_or((None, None), |c| (c.subnet_id, c.ec2_instance_id)),
                            Err(e) => return Fact::failed(FactError::dependency("ec2:DescribeSubnets", "container instance", &e)),
                        },
                    };
                    let networks = networks.clone().await;
                    let subnet = subnet.or_else(|| {
                        let interface = networks.interfaces.get(instance.as_ref()?)?;
                        interface.value().map(|i| i.subnet_id.clone())
                    });
                    let Some(subnet) = subnet else {
                        return match instance.and_then(|i| networks.interfaces.get(&i)).and_then(Fact::error) {
                            Some(e) => Fact::failed(FactError::dependency("ec2:DescribeSubnets", "instance's network interface", e)),
                            None => Fact::absent("the task's subnet is not known (no ENI, no ecs.subnet-id attribute and no instance interface)"),
                        };
                    };
                    networks.networks.get(&subnet).cloned().unwrap_or_else(|| Fact::absent(format!("subnet `{subnet}` not found")))
                };
                let interface = async {
                    if !self.need(FactKind::Interface) {
                        return Fact::NotFetched;
                    }
                    if task.is_external() {
                        return Fact::absent(OUTSIDE_AWS);
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
                let network = network.boxed().shared();
                let firewall = {
                    let interface = interface.clone();
                    let networks = networks.clone();
                    async move {
                        if !self.need(FactKind::Firewall) {
                            return Fact::NotFetched;
                        }
                        let vpc = match interface.await {
                            Fact::Ok { value } => value.vpc_id.clone(),
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
                    match caller_batches.get(&task.arn) {
                        Some(batch) => batch.clone().await.get(&task.arn).cloned().unwrap_or(Fact::NotFetched),
                        None => Fact::NotFetched,
                    }
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
                        if task.is_external() {
                            return Fact::absent("an ECS Anywhere task: its instance's role is the SSM activation's (not an EC2 instance profile); give the task a task role with the ssmmessages actions");
                        }
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
                    let network = network.clone();
                    async move {
                        if !self.need(FactKind::TaskRolePermissions) {
                            return Fact::NotFetched;
                        }
                        let (role, role_arn) = match agent_role(task, task_definition, instance_role, "iam:SimulatePrincipalPolicy").await {
                            Ok(found) => found,
                            Err(missing) => return missing,
                        };
                        let (cluster, kms) = tokio::join!(cluster, kms);
                        let fut = role_sims
                            .lock()
                            .expect("not poisoned")
                            .entry(role_arn.clone())
                            .or_insert_with(|| self.role_simulation(role, cluster, kms).boxed().shared())
                            .clone();
                        let sim = fut.await;
                        // Keys the task's own facts settle (the endpoint on its path, the
                        // role's tags): simulated again with them, once per role and subnet.
                        let Fact::Ok { value: first } = &sim else { return sim };
                        if !first.results.iter().any(|r| r.missing_context.iter().any(|k| settled_by_facts(k))) {
                            return sim;
                        }
                        let network = network.await;
                        let key = format!("{role_arn}\u{0}{}", network.value().map(|n| n.subnet_id.as_str()).unwrap_or_default());
                        let role_fact = role_facts
                            .lock()
                            .expect("not poisoned")
                            .entry(role_arn.clone())
                            .or_insert_with(|| self.role(role_arn.clone()).boxed().shared())
                            .clone();
                        let first = Simulation::clone(first);
                        let fut = settled_sims
                            .lock()
                            .expect("not poisoned")
                            .entry(key)
                            .or_insert_with(|| {
                                async move {
                                    let role = role_fact.await;
                                    let tags = role.value().filter(|r| r.exists).map(|r| &r.tags);
                                    match self.settle_role_context(first, network.value(), tags).await {
                                        Ok(sim) => Fact::ok(sim),
                                        Err(e) => Fact::failed(e),
                                    }
                                }
                                .boxed()
                                .shared()
                            })
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
                        let role_arn = match agent_role(task, task_definition, instance_role, "iam:GetRole").await {
                            Ok((_, arn)) => arn,
                            Err(missing) => return missing,
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
                    // Read by `lint` only.
                    task_role_policies: Fact::NotFetched,
                    service_security_groups: Fact::NotFetched,
                }
            }
        });
        join_all(futures).await
    }
}

/// The role the exec agent uses (override > task definition > EC2 instance profile) and its
/// ARN, or what a fact fetched with `action` on that role becomes when the task definition or
/// the instance role could not be read, or there is no role. The instance role is awaited
/// only once the task definition is known.
async fn agent_role<U>(
    task: &Task,
    task_definition: SharedFact<'_, TaskDefinition>,
    instance_role: SharedFact<'_, InstanceRole>,
    action: &str,
) -> Result<(task_role::TaskRole, String), Fact<U>> {
    let task_definition = task_definition.await;
    if let Fact::Failed { error } = &task_definition
        && task.task_role_override.is_none()
    {
        return Err(Fact::failed(FactError::dependency(
            action,
            "task definition",
            error,
        )));
    }
    let instance_role = instance_role.await;
    let role = task_role::effective(Some(task), task_definition.value(), instance_role.value());
    match role.arn().map(str::to_string) {
        Some(arn) => Ok((role, arn)),
        None => Err(match &instance_role {
            Fact::Failed { error } => {
                Fact::failed(FactError::dependency(action, "EC2 instance role", error))
            }
            _ => Fact::absent("the task has no role"),
        }),
    }
}

/// Whether the task's own facts may give `key` its value: the VPC endpoint on the agent's
/// path, the role's tags.
fn settled_by_facts(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    k == "aws:sourcevpce" || k == "aws:sourcevpc" || k.starts_with("aws:principaltag/")
}
