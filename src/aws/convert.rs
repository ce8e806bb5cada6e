//! SDK output types → the doctor's own fact structs (the anti-corruption layer). Only fields
//! some check reads are kept; environment and secret values are dropped here.

use std::collections::BTreeMap;

use ecs_exec_doctor_checks::model::*;

fn epoch(t: Option<&aws_sdk_ecs::primitives::DateTime>) -> Option<i64> {
    t.map(|t| t.secs())
}

pub fn cluster(c: &aws_sdk_ecs::types::Cluster) -> Cluster {
    let exec = c
        .configuration()
        .and_then(|cfg| cfg.execute_command_configuration());
    let log = exec.and_then(|e| e.log_configuration());
    Cluster {
        arn: c.cluster_arn().unwrap_or_default().to_string(),
        name: c.cluster_name().unwrap_or_default().to_string(),
        status: c.status().unwrap_or_default().to_string(),
        tags: ecs_tags(c.tags()),
        exec_config: ExecConfig {
            kms_key_id: exec.and_then(|e| e.kms_key_id()).map(str::to_string),
            logging: exec
                .and_then(|e| e.logging())
                .map(|l| l.as_str().to_string())
                .unwrap_or_else(|| "DEFAULT".into()),
            cloud_watch_log_group: log
                .and_then(|l| l.cloud_watch_log_group_name())
                .map(str::to_string),
            cloud_watch_encryption_enabled: log.is_some_and(|l| l.cloud_watch_encryption_enabled()),
            s3_bucket: log.and_then(|l| l.s3_bucket_name()).map(str::to_string),
            s3_key_prefix: log.and_then(|l| l.s3_key_prefix()).map(str::to_string),
            s3_encryption_enabled: log.is_some_and(|l| l.s3_encryption_enabled()),
        },
    }
}

fn ecs_tags(tags: &[aws_sdk_ecs::types::Tag]) -> BTreeMap<String, String> {
    tags.iter()
        .filter_map(|t| {
            Some((
                t.key()?.to_string(),
                t.value().unwrap_or_default().to_string(),
            ))
        })
        .collect()
}

pub fn task(t: &aws_sdk_ecs::types::Task) -> Task {
    let subnet_id = t
        .attachments()
        .iter()
        .filter(|a| a.r#type() == Some("ElasticNetworkInterface"))
        .flat_map(|a| a.details())
        .find(|d| d.name() == Some("subnetId"))
        .and_then(|d| d.value())
        .map(str::to_string);
    let eni_id = t
        .attachments()
        .iter()
        .filter(|a| a.r#type() == Some("ElasticNetworkInterface"))
        .flat_map(|a| a.details())
        .find(|d| d.name() == Some("networkInterfaceId"))
        .and_then(|d| d.value())
        .map(str::to_string);
    Task {
        arn: t.task_arn().unwrap_or_default().to_string(),
        cluster_arn: t.cluster_arn().unwrap_or_default().to_string(),
        last_status: t.last_status().unwrap_or("UNKNOWN").to_string(),
        desired_status: t.desired_status().map(str::to_string),
        stopped_reason: t.stopped_reason().map(str::to_string),
        launch_type: t.launch_type().map(|l| l.as_str().to_string()),
        capacity_provider: t.capacity_provider_name().map(str::to_string),
        platform_version: t.platform_version().map(str::to_string),
        platform_family: t.platform_family().map(str::to_string),
        enable_execute_command: t.enable_execute_command(),
        task_definition_arn: t.task_definition_arn().unwrap_or_default().to_string(),
        group: t.group().map(str::to_string),
        started_by: t.started_by().map(str::to_string),
        container_instance_arn: t.container_instance_arn().map(str::to_string),
        task_role_override: t
            .overrides()
            .and_then(|o| o.task_role_arn())
            .map(str::to_string),
        tags: ecs_tags(t.tags()),
        containers: t
            .containers()
            .iter()
            .map(|c| Container {
                name: c.name().unwrap_or_default().to_string(),
                last_status: c.last_status().map(str::to_string),
                runtime_id: c.runtime_id().map(str::to_string),
                managed_agents: c
                    .managed_agents()
                    .iter()
                    .map(|a| ManagedAgent {
                        name: a.name().map(|n| n.as_str().to_string()).unwrap_or_default(),
                        last_status: a.last_status().map(str::to_string),
                        reason: a.reason().map(str::to_string),
                        last_started_at: epoch(a.last_started_at()),
                    })
                    .collect(),
            })
            .collect(),
        subnet_id,
        eni_id,
        started_at: epoch(t.started_at()),
    }
}

pub fn task_definition(d: &aws_sdk_ecs::types::TaskDefinition) -> TaskDefinition {
    TaskDefinition {
        arn: d.task_definition_arn().map(str::to_string),
        family: d.family().unwrap_or_default().to_string(),
        revision: Some(i64::from(d.revision())),
        task_role_arn: d.task_role_arn().map(|a| Value::Known(a.to_string())),
        execution_role_arn: d.execution_role_arn().map(|a| Value::Known(a.to_string())),
        network_mode: d.network_mode().map(|m| m.as_str().to_string()),
        pid_mode: d.pid_mode().map(|m| Value::Known(m.as_str().to_string())),
        requires_compatibilities: d
            .requires_compatibilities()
            .iter()
            .map(|c| c.as_str().to_string())
            .collect(),
        containers_unresolved: None,
        os_family: d
            .runtime_platform()
            .and_then(|r| r.operating_system_family())
            .map(|f| f.as_str().to_string()),
        containers: d
            .container_definitions()
            .iter()
            .map(|c| ContainerDefinition {
                name: c.name().unwrap_or_default().to_string(),
                image: c.image().map(str::to_string),
                essential: c.essential(),
                readonly_root_filesystem: c.readonly_root_filesystem().map(Value::Known),
                init_process_enabled: c
                    .linux_parameters()
                    .and_then(|l| l.init_process_enabled())
                    .map(Value::Known),
                // Names only: values never leave this function.
                environment_unresolved: None,
                environment_names: c
                    .environment()
                    .iter()
                    .filter_map(|e| e.name())
                    .map(str::to_string)
                    .collect(),
                secret_names: c.secrets().iter().map(|s| s.name().to_string()).collect(),
                environment_files: c
                    .environment_files()
                    .iter()
                    .map(|f| f.value().to_string())
                    .collect(),
                mount_points: c
                    .mount_points()
                    .iter()
                    .map(|m| MountPoint {
                        container_path: m.container_path().unwrap_or_default().to_string(),
                        source_volume: m.source_volume().map(str::to_string),
                        read_only: m.read_only().unwrap_or(false),
                    })
                    .collect(),
                restart_policy_enabled: c.restart_policy().map(|r| Value::Known(r.enabled())),
                log_driver: c
                    .log_configuration()
                    .map(|l| l.log_driver().as_str().to_string()),
                no_proxy_link_local: no_proxy_link_local(c.environment()),
            })
            .collect(),
    }
}

/// The link-local entries of `NO_PROXY`/`no_proxy` (the only environment value kept, and only
/// its `169.254.…` entries), `None` when neither is set.
fn no_proxy_link_local(env: &[aws_sdk_ecs::types::KeyValuePair]) -> Option<Vec<String>> {
    let values: Vec<&str> = env
        .iter()
        .filter(|e| e.name().is_some_and(|n| n.eq_ignore_ascii_case("no_proxy")))
        .filter_map(|e| e.value())
        .collect();
    if values.is_empty()
        && !env
            .iter()
            .any(|e| e.name().is_some_and(|n| n.eq_ignore_ascii_case("no_proxy")))
    {
        return None;
    }
    Some(
        ecs_exec_doctor_checks::containers::proxy_environment::link_local_entries(
            &values.join(","),
        ),
    )
}

pub fn service(s: &aws_sdk_ecs::types::Service) -> Service {
    Service {
        name: s.service_name().unwrap_or_default().to_string(),
        arn: s.service_arn().map(str::to_string),
        enable_execute_command: Some(s.enable_execute_command()),
        launch_type: s.launch_type().map(|l| l.as_str().to_string()),
        capacity_providers: s
            .capacity_provider_strategy()
            .iter()
            .map(|c| c.capacity_provider().to_string())
            .collect(),
        platform_version: s.platform_version().map(str::to_string),
        platform_family: s.platform_family().map(str::to_string),
        task_definition: s.task_definition().map(str::to_string),
        deployments: s
            .deployments()
            .iter()
            .map(|d| Deployment {
                id: d.id().unwrap_or_default().to_string(),
                status: d.status().unwrap_or_default().to_string(),
                task_definition: d.task_definition().map(str::to_string),
                rollout_state: d.rollout_state().map(|r| r.as_str().to_string()),
            })
            .collect(),
        deployment_controller: s
            .deployment_controller()
            .map(|c| c.r#type().as_str().to_string()),
    }
}

pub fn container_instance(c: &aws_sdk_ecs::types::ContainerInstance) -> ContainerInstance {
    let attr = |name: &str| c.attributes().iter().find(|a| a.name() == name);
    ContainerInstance {
        arn: c.container_instance_arn().unwrap_or_default().to_string(),
        ec2_instance_id: c.ec2_instance_id().map(str::to_string),
        agent_version: c
            .version_info()
            .and_then(|v| v.agent_version())
            .map(str::to_string),
        agent_connected: Some(c.agent_connected()),
        exec_capability: attr("ecs.capability.execute-command").is_some(),
        os_type: attr("ecs.os-type")
            .and_then(|a| a.value())
            .map(str::to_string),
        subnet_id: attr("ecs.subnet-id")
            .and_then(|a| a.value())
            .map(str::to_string),
        managed: None,
        managed_error: None,
    }
}

pub fn decision(d: &aws_sdk_iam::types::PolicyEvaluationDecisionType) -> Decision {
    use aws_sdk_iam::types::PolicyEvaluationDecisionType as D;
    match d {
        D::Allowed => Decision::Allowed,
        D::ExplicitDeny => Decision::ExplicitDeny,
        _ => Decision::ImplicitDeny,
    }
}

/// A role's tags (`iam:GetRole`), which its sessions carry as `aws:PrincipalTag/*`.
pub fn role_tags(
    role: Option<&aws_sdk_iam::types::Role>,
) -> std::collections::BTreeMap<String, String> {
    role.map(|r| {
        r.tags()
            .iter()
            .map(|t| (t.key().to_string(), t.value().to_string()))
            .collect()
    })
    .unwrap_or_default()
}

/// Flattens simulation results to one entry per (action, resource).
pub fn sim_results(results: &[aws_sdk_iam::types::EvaluationResult]) -> Vec<SimResult> {
    let mut out = Vec::new();
    for r in results {
        let orgs = r
            .organizations_decision_detail()
            .map(|o| o.allowed_by_organizations());
        let boundary = r
            .permissions_boundary_decision_detail()
            .map(|b| b.allowed_by_permissions_boundary());
        if r.resource_specific_results().is_empty() {
            out.push(SimResult {
                missing_context: r.missing_context_values().to_vec(),
                allowed_by_organizations: orgs,
                allowed_by_boundary: boundary,
                matched_statements: matched(r.matched_statements()),
                ..SimResult::new(
                    r.eval_action_name(),
                    r.eval_resource_name().unwrap_or("*"),
                    decision(r.eval_decision()),
                )
            });
            continue;
        }
        for rs in r.resource_specific_results() {
            out.push(SimResult {
                missing_context: if rs.missing_context_values().is_empty() {
                    r.missing_context_values().to_vec()
                } else {
                    rs.missing_context_values().to_vec()
                },
                allowed_by_organizations: orgs,
                allowed_by_boundary: rs
                    .permissions_boundary_decision_detail()
                    .map(|b| b.allowed_by_permissions_boundary())
                    .or(boundary),
                matched_statements: if rs.matched_statements().is_empty() {
                    matched(r.matched_statements())
                } else {
                    matched(rs.matched_statements())
                },
                ..SimResult::new(
                    r.eval_action_name(),
                    rs.eval_resource_name(),
                    decision(rs.eval_resource_decision()),
                )
            });
        }
    }
    out
}

fn matched(statements: &[aws_sdk_iam::types::Statement]) -> Vec<MatchedStatement> {
    statements
        .iter()
        .map(|s| MatchedStatement {
            source_policy_id: s.source_policy_id().unwrap_or_default().to_string(),
            source_policy_type: s.source_policy_type().map(|t| t.as_str().to_string()),
            start_line: s.start_position().map(|p| p.line()),
        })
        .collect()
}
