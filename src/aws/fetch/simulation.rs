//! The IAM simulations of the fetch plan: the caller's (`ecs:ExecuteCommand` and what goes
//! with it, batched over the tasks that share a condition context) and the exec agent role's
//! (the ssmmessages, KMS and logging actions), each followed through every page.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use ecs_exec_doctor_checks::facts::{Fact, FactError, FactErrorKind};
use ecs_exec_doctor_checks::model::*;
use ecs_exec_doctor_checks::task_role::{self, TaskRole};
use futures::future::{FutureExt, join_all};

use super::resimulate::entries;
use super::{CallerBatch, Fetcher, SharedFact, input};
use crate::aws::convert;

/// Tasks per caller simulation (its ResourceArns): a 1,000-task service is one simulation
/// (a request of about 100 KB); its results come in pages of SIMULATION_PAGE.
const CALLER_BATCH: usize = 1000;
/// `MaxItems` of a simulation (IAM's maximum; its default of 100 would cut a batch short).
const SIMULATION_PAGE: i32 = 1000;

impl Fetcher {
    /// One simulation, every page of it: `MaxItems` at IAM's maximum and the `Marker` followed
    /// while the answer is truncated (each page is one call).
    pub(super) async fn simulate(
        &self,
        request: aws_sdk_iam::operation::simulate_principal_policy::builders::SimulatePrincipalPolicyFluentBuilder,
    ) -> Result<Vec<SimResult>, FactError> {
        let mut results = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let page = request
                .clone()
                .max_items(SIMULATION_PAGE)
                .set_marker(marker.take())
                .send();
            let out = self.call("iam:SimulatePrincipalPolicy", page).await?;
            results.extend(convert::sim_results(out.evaluation_results()));
            match out.marker() {
                Some(next) if out.is_truncated() && !next.is_empty() => {
                    marker = Some(next.to_string())
                }
                _ => return Ok(results),
            }
        }
    }

    /// `ecs:ExecuteCommand` on the cluster and task, `ssm:StartSession` on the task and
    /// `kms:GenerateDataKey` on the exec key, with the context ECS supplies at call time.
    /// One shared simulation per group of tasks with the same condition context, by task ARN.
    pub(super) fn caller_batches<'a>(
        &'a self,
        tasks: &[&Task],
        caller: &SharedFact<'a, Caller>,
        cluster: &SharedFact<'a, Cluster>,
        kms: &SharedFact<'a, KmsKey>,
    ) -> HashMap<String, CallerBatch<'a>> {
        let mut groups: BTreeMap<String, Vec<Task>> = BTreeMap::new();
        for t in tasks {
            groups
                .entry(self.caller_context_key(t))
                .or_default()
                .push((*t).clone());
        }
        let mut by_task = HashMap::new();
        for group in groups.into_values() {
            for chunk in group.chunks(CALLER_BATCH) {
                let chunk: Vec<Task> = chunk.to_vec();
                let arns: Vec<String> = chunk.iter().map(|t| t.arn.clone()).collect();
                let (caller, cluster, kms) = (caller.clone(), cluster.clone(), kms.clone());
                let batch: CallerBatch<'a> = async move {
                    let (caller, cluster, kms) = tokio::join!(caller, cluster, kms);
                    Arc::new(self.caller_batch(&caller, &chunk, &cluster, &kms).await)
                }
                .boxed()
                .shared();
                for arn in arns {
                    by_task.insert(arn, batch.clone());
                }
            }
        }
        by_task
    }

    /// What makes two tasks' simulations differ: the container exec'd into and the tags.
    fn caller_context_key(&self, task: &Task) -> String {
        let mut key = self.exec_container(task).unwrap_or_default();
        for (k, v) in &task.tags {
            key.push_str(&format!("\u{0}{k}={v}"));
        }
        key
    }

    /// The container `ecs:container-name` names: `--container`, else the only one with the
    /// exec agent.
    pub(super) fn exec_container(&self, task: &Task) -> Option<String> {
        self.target.container.clone().or_else(|| {
            let with_agent: Vec<&Container> = task
                .containers
                .iter()
                .filter(|c| c.exec_agent().is_some())
                .collect();
            (with_agent.len() == 1).then(|| with_agent[0].name.clone())
        })
    }

    /// The caller's simulation for `tasks` (same context): one call on all their ARNs; each
    /// task gets the results for the cluster, the key and itself. When a policy conditions on
    /// `ecs:task` (the simulator reports it missing), each task is simulated on its own.
    async fn caller_batch(
        &self,
        caller: &Fact<Caller>,
        tasks: &[Task],
        cluster: &Fact<Cluster>,
        kms: &Fact<KmsKey>,
    ) -> HashMap<String, Fact<Simulation>> {
        let batch = self.caller_simulation(caller, tasks, cluster, kms).await;
        let needs_task_key = tasks.len() > 1
            && batch.value().is_some_and(|s| {
                s.results.iter().any(|r| {
                    r.missing_context
                        .iter()
                        .any(|k| k.eq_ignore_ascii_case("ecs:task"))
                })
            });
        if needs_task_key {
            let each = tasks.iter().map(|t| async move {
                (
                    t.arn.clone(),
                    self.caller_simulation(caller, std::slice::from_ref(t), cluster, kms)
                        .await,
                )
            });
            return join_all(each).await.into_iter().collect();
        }
        // Each task's results: the cluster's and the key's (shared), and its own.
        let batch = match &batch {
            Fact::Ok { value } => value,
            _ => {
                return tasks
                    .iter()
                    .map(|t| (t.arn.clone(), batch.clone()))
                    .collect();
            }
        };
        let arns: HashSet<&str> = tasks.iter().map(|t| t.arn.as_str()).collect();
        let mut shared = Vec::new();
        let mut own: HashMap<&str, Vec<SimResult>> = HashMap::new();
        for r in &batch.results {
            match arns.get(r.resource.as_str()) {
                Some(arn) => own.entry(arn).or_default().push(r.clone()),
                None => shared.push(r.clone()),
            }
        }
        tasks
            .iter()
            .map(|t| {
                let mut results = shared.clone();
                results.extend(own.remove(t.arn.as_str()).unwrap_or_default());
                let simulation = Simulation {
                    principal_arn: batch.principal_arn.clone(),
                    results,
                };
                (t.arn.clone(), Fact::ok(simulation))
            })
            .collect()
    }

    async fn caller_simulation(
        &self,
        caller: &Fact<Caller>,
        tasks: &[Task],
        cluster: &Fact<Cluster>,
        kms: &Fact<KmsKey>,
    ) -> Fact<Simulation> {
        let task = &tasks[0];
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
        let mut resources = vec![cluster.arn.clone()];
        resources.extend(tasks.iter().map(|t| t.arn.clone()));
        if let Some(key) = task_role::exec_kms_arn(&self.target, cluster, kms.value()) {
            actions.push("kms:GenerateDataKey".into());
            resources.push(key);
        }
        let mut context: BTreeMap<String, String> = BTreeMap::new();
        context.insert("ecs:cluster".into(), cluster.arn.clone());
        if tasks.len() == 1 {
            context.insert("ecs:task".into(), task.arn.clone());
        }
        context.insert("aws:RequestedRegion".into(), self.target.region.clone());
        // What every real request carries: who makes it, over TLS, now.
        context.insert("aws:PrincipalArn".into(), principal.clone());
        context.insert("aws:PrincipalAccount".into(), caller.account.clone());
        context.insert("aws:SecureTransport".into(), "true".into());
        // The role's tags, as its sessions carry them (attribute-based access).
        for (k, v) in &caller.principal_tags {
            context.insert(format!("aws:PrincipalTag/{k}"), v.clone());
        }
        if let Some(c) = self.exec_container(task) {
            context.insert("ecs:container-name".into(), c);
        }
        for (k, v) in cluster.tags.iter().chain(task.tags.iter()) {
            context.insert(format!("aws:ResourceTag/{k}"), v.clone());
            context.insert(format!("ecs:ResourceTag/{k}"), v.clone());
        }
        let request = self
            .clients
            .iam
            .simulate_principal_policy()
            .policy_source_arn(&principal)
            .set_action_names(Some(actions))
            .set_resource_arns(Some(resources));
        let first = self
            .simulate(request.set_context_entries(Some(entries(&context))))
            .await;
        match first {
            Ok(mut results) => {
                let context = self.settle_time(&principal, &context, &mut results).await;
                self.with_variants(&principal, &mut results, &context).await;
                Fact::ok(Simulation {
                    principal_arn: principal,
                    results,
                })
            }
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
    pub(super) async fn role_simulation(
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
        let context = self.role_context(&role_arn);
        let context_entries = entries(&context);
        let simulate = |actions: Vec<String>, resources: Option<Vec<String>>| {
            let request = self
                .clients
                .iam
                .simulate_principal_policy()
                .policy_source_arn(&role_arn)
                .set_action_names(Some(actions))
                .set_resource_arns(resources)
                .set_context_entries(Some(context_entries.clone()));
            self.simulate(request)
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
            Ok(results) => results,
            Err(e) => return Fact::failed(e),
        };
        match specific_out {
            Ok(Some(out)) => {
                let wanted: BTreeSet<(String, String)> = specific.into_iter().collect();
                results.extend(
                    out.into_iter()
                        .filter(|r| wanted.contains(&(r.action.clone(), r.resource.clone()))),
                );
            }
            Ok(None) => {}
            Err(e) => return Fact::failed(e),
        }
        self.settle_time(&role_arn, &context, &mut results).await;
        Fact::ok(Simulation {
            principal_arn: role_arn,
            results,
        })
    }
}
