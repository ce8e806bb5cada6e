//! Builders for tests (here and in the binary crate): a healthy Fargate diagnosis on which
//! every check passes or does not apply, and helpers to break one thing at a time.

use std::collections::BTreeMap;

use crate::check::Check;
pub use crate::check::Severity;
use crate::facts::{Diagnosis, Fact, FactError, FactErrorKind, Mode, Subject};
use crate::model::*;
use crate::report::{CheckResult, Status};
use crate::runner::{Selection, evaluate};

pub const ACCOUNT: &str = "123456789012";
pub const REGION: &str = "us-east-1";
pub const TASK_ID: &str = "0123456789abcdef0123456789abcdef";
pub const KMS_KEY: &str =
    "arn:aws:kms:us-east-1:123456789012:key/1111aaaa-2222-bbbb-3333-cccc4444dddd";
pub const OBSERVED_AT: i64 = 1_767_225_600;

pub fn cluster_arn() -> String {
    format!("arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/prod")
}
pub fn task_arn() -> String {
    format!("arn:aws:ecs:{REGION}:{ACCOUNT}:task/prod/{TASK_ID}")
}
pub fn task_role() -> String {
    format!("arn:aws:iam::{ACCOUNT}:role/web-task")
}

fn allowed(action: &str, resource: &str) -> SimResult {
    SimResult::new(action, resource, Decision::Allowed)
}

/// The security group of the healthy task: the default all-traffic egress rule.
pub const TASK_SG: &str = "sg-0task";
/// The security group of the ssmmessages endpoint: HTTPS from the task's group.
pub const ENDPOINT_SG: &str = "sg-0endpoint";

/// The AWS default key policy: everything delegated to IAM in the account.
pub fn default_key_policy() -> serde_json::Value {
    serde_json::json!({
        "Version": "2012-10-17",
        "Id": "key-default-1",
        "Statement": [{
            "Sid": "Enable IAM User Permissions",
            "Effect": "Allow",
            "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:root")},
            "Action": "kms:*",
            "Resource": "*"
        }]
    })
}

/// The trust policy of a task role.
pub fn ecs_tasks_trust() -> serde_json::Value {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": "ecs-tasks.amazonaws.com"},
            "Action": "sts:AssumeRole"
        }]
    })
}

fn all_traffic(cidr: &str) -> SgRule {
    SgRule {
        protocol: "-1".into(),
        ipv4_ranges: vec![cidr.into()],
        ..SgRule::default()
    }
}

/// The VPC's default network ACL: rule 100 allows everything both ways.
pub fn default_acl() -> NetworkAcl {
    let entry = |egress: bool, rule_number: i32, action: &str| AclEntry {
        rule_number,
        egress,
        protocol: "-1".into(),
        action: action.into(),
        cidr: Some("0.0.0.0/0".into()),
        ..AclEntry::default()
    };
    NetworkAcl {
        id: "acl-0default".into(),
        is_default: true,
        subnet_ids: vec!["subnet-0a".into()],
        entries: vec![
            entry(false, 100, "allow"),
            entry(true, 100, "allow"),
            entry(false, 32767, "deny"),
            entry(true, 32767, "deny"),
        ],
    }
}

fn healthy_firewall() -> Firewall {
    let mut groups = BTreeMap::new();
    groups.insert(
        TASK_SG.to_string(),
        SecurityGroup {
            id: TASK_SG.into(),
            name: "web-tasks".into(),
            ingress: vec![],
            egress: vec![all_traffic("0.0.0.0/0")],
        },
    );
    groups.insert(
        ENDPOINT_SG.to_string(),
        SecurityGroup {
            id: ENDPOINT_SG.into(),
            name: "endpoints".into(),
            ingress: vec![SgRule {
                protocol: "tcp".into(),
                from_port: Some(443),
                to_port: Some(443),
                groups: vec![TASK_SG.into()],
                ..SgRule::default()
            }],
            egress: vec![all_traffic("0.0.0.0/0")],
        },
    );
    Firewall {
        security_groups: groups,
        network_acls: vec![default_acl()],
        network_acls_error: None,
        prefix_lists: BTreeMap::new(),
        prefix_list_error: None,
        prefix_list_names: BTreeMap::new(),
    }
}

/// The drawn path of the diagnosis's first task.
pub fn drawn_path(d: &Diagnosis) -> Vec<crate::model::Hop> {
    crate::network::path::hops(&crate::facts::Facts {
        mode: crate::facts::Mode::Live,
        diagnosis: d,
        subject: &d.subjects[0],
    })
}

/// A Fargate task of service `web` on cluster `prod` where ECS Exec works.
pub fn diagnosis() -> Diagnosis {
    let caller_principal = format!("arn:aws:iam::{ACCOUNT}:role/Developer");
    let mut caller_sim = Simulation {
        principal_arn: caller_principal.clone(),
        results: vec![],
    };
    caller_sim
        .results
        .push(allowed("ecs:ExecuteCommand", &cluster_arn()));
    caller_sim
        .results
        .push(allowed("ecs:ExecuteCommand", &task_arn()));
    let mut deny = allowed("ssm:StartSession", &task_arn());
    deny.decision = Decision::ImplicitDeny;
    caller_sim.results.push(deny);
    let role_sim = Simulation {
        principal_arn: task_role(),
        results: crate::fixes::SSMMESSAGES_ACTIONS
            .iter()
            .map(|a| allowed(a, "*"))
            .collect(),
    };
    Diagnosis {
        target: Target {
            region: REGION.into(),
            partition: "aws".into(),
            cluster: "prod".into(),
            task: Some(TASK_ID.into()),
            service: None,
            container: None,
            all: false,
            family: None,
            started_by: None,
        },
        observed_at: Some(OBSERVED_AT),
        local: Fact::ok(LocalTools {
            aws_cli: ToolProbe {
                found: true,
                path: Some("/usr/local/bin/aws".into()),
                version: Some("2.15.0".into()),
                version_source: Some("install path".into()),
                arch: None,
                problem: None,
            },
            session_manager_plugin: ToolProbe {
                found: true,
                path: Some("/usr/local/bin/session-manager-plugin".into()),
                version: Some("1.2.553.0".into()),
                version_source: Some("--version".into()),
                arch: Some("x86_64".into()),
                problem: None,
            },
            host_arch: "x86_64".into(),
            host_os: "linux".into(),
        }),
        caller: Fact::ok(Caller {
            arn: format!("arn:aws:sts::{ACCOUNT}:assumed-role/Developer/alice"),
            account: ACCOUNT.into(),
            kind: CallerKind::AssumedRole,
            principal_arn: Some(caller_principal),
            principal_lookup_error: None,
            principal_tags: BTreeMap::new(),
        }),
        cluster: Fact::ok(Cluster {
            arn: cluster_arn(),
            name: "prod".into(),
            status: "ACTIVE".into(),
            tags: BTreeMap::new(),
            exec_config: ExecConfig::default(),
        }),
        kms_key: Fact::absent("the cluster has no exec KMS key"),
        kms_key_policy: Fact::absent("the cluster has no exec KMS key"),
        log_destinations: Fact::absent("the cluster does not override the session log destination"),
        tasks_left_out: 0,
        subjects: vec![Subject {
            task_role_policies: Fact::NotFetched,
            service_security_groups: Fact::NotFetched,
            task_ref: TASK_ID.into(),
            task: Fact::ok(Task {
                arn: task_arn(),
                cluster_arn: cluster_arn(),
                last_status: "RUNNING".into(),
                desired_status: Some("RUNNING".into()),
                stopped_reason: None,
                launch_type: Some("FARGATE".into()),
                capacity_provider: None,
                platform_version: Some("1.4.0".into()),
                platform_family: Some("Linux".into()),
                enable_execute_command: true,
                task_definition_arn: format!(
                    "arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/web:3"
                ),
                group: Some("service:web".into()),
                started_by: Some("ecs-svc/9876501234598765012".into()),
                container_instance_arn: None,
                task_role_override: None,
                tags: BTreeMap::new(),
                containers: vec![Container {
                    name: "app".into(),
                    last_status: Some("RUNNING".into()),
                    runtime_id: Some(format!("{TASK_ID}-1234567890")),
                    managed_agents: vec![ManagedAgent {
                        name: EXEC_AGENT.into(),
                        last_status: Some("RUNNING".into()),
                        reason: None,
                        last_started_at: Some(OBSERVED_AT - 3600),
                    }],
                }],
                subnet_id: Some("subnet-0a".into()),
                eni_id: Some("eni-0task".into()),
                started_at: Some(OBSERVED_AT - 3700),
            }),
            service: Fact::ok(Service {
                name: "web".into(),
                arn: Some(format!("arn:aws:ecs:{REGION}:{ACCOUNT}:service/prod/web")),
                enable_execute_command: Some(true),
                launch_type: Some("FARGATE".into()),
                capacity_providers: vec![],
                platform_version: Some("LATEST".into()),
                platform_family: Some("Linux".into()),
                task_definition: None,
                deployments: vec![Deployment {
                    id: "ecs-svc/9876501234598765012".into(),
                    status: "PRIMARY".into(),
                    task_definition: Some(format!(
                        "arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/web:3"
                    )),
                    rollout_state: Some("COMPLETED".into()),
                }],
                deployment_controller: None,
            }),
            task_definition: Fact::ok(TaskDefinition {
                arn: Some(format!(
                    "arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/web:3"
                )),
                family: "web".into(),
                revision: Some(3),
                task_role_arn: Some(Value::Known(task_role())),
                execution_role_arn: Some(Value::Known(format!(
                    "arn:aws:iam::{ACCOUNT}:role/web-execution"
                ))),
                network_mode: Some("awsvpc".into()),
                pid_mode: None,
                requires_compatibilities: vec!["FARGATE".into()],
                os_family: Some("LINUX".into()),
                containers_unresolved: None,
                containers: vec![ContainerDefinition {
                    name: "app".into(),
                    image: Some("public.ecr.aws/nginx/nginx:latest".into()),
                    essential: Some(true),
                    readonly_root_filesystem: None,
                    init_process_enabled: Some(Value::Known(true)),
                    environment_names: vec!["PORT".into()],
                    environment_unresolved: None,
                    secret_names: vec!["DATABASE_URL".into()],
                    environment_files: vec![],
                    mount_points: vec![],
                    restart_policy_enabled: None,
                    log_driver: Some("awslogs".into()),
                    no_proxy_link_local: None,
                }],
            }),
            container_instance: Fact::absent("the task runs on Fargate"),
            instance_role: Fact::absent("the task runs on Fargate"),
            network: Fact::ok(Network {
                subnet_id: "subnet-0a".into(),
                vpc_id: "vpc-0a".into(),
                subnet_owner: Some(ACCOUNT.into()),
                default_route: None,
                routes_known: true,
                routes_error: None,
                endpoints: vec![VpcEndpoint {
                    id: "vpce-0ssm".into(),
                    service_name: format!("com.amazonaws.{REGION}.ssmmessages"),
                    endpoint_type: "Interface".into(),
                    state: "available".into(),
                    private_dns_enabled: true,
                    security_groups: vec![ENDPOINT_SG.into()],
                    subnet_ids: vec!["subnet-0a".into()],
                    policy: None,
                }],
                subnet_cidr: Some("10.0.1.0/24".into()),
                subnet_cidrs: BTreeMap::from([(
                    "subnet-0a".to_string(),
                    "10.0.1.0/24".to_string(),
                )]),
                route_table_id: Some("rtb-0main".into()),
                routes: vec![Route {
                    destination: "10.0.0.0/16".into(),
                    target: "local".into(),
                    state: "active".into(),
                }],
                nat_gateways: Some(vec![]),
                dns_support: Some(true),
                dns_hostnames: Some(true),
                nat_error: None,
                dns_error: None,
                dhcp_options: None,
                dhcp_error: None,
            }),
            interface: Fact::ok(Interface {
                id: "eni-0task".into(),
                subnet_id: "subnet-0a".into(),
                vpc_id: "vpc-0a".into(),
                security_groups: vec![TASK_SG.into()],
                private_ip: Some("10.0.1.25".into()),
                public_ip: None,
                source: InterfaceSource::Task,
            }),
            firewall: Fact::ok(healthy_firewall()),
            caller_permissions: Fact::ok(caller_sim),
            task_role_permissions: Fact::ok(role_sim),
            task_role: Fact::ok(Role {
                arn: task_role(),
                exists: true,
                trust_policy: Some(ecs_tasks_trust()),
                tags: BTreeMap::new(),
            }),
        }],
    }
}

/// The same task on an EC2 container instance (agent 1.80.0, exec capability present).
pub fn ec2_diagnosis() -> Diagnosis {
    let mut d = diagnosis();
    let s = &mut d.subjects[0];
    let t = s.task.value_mut();
    t.launch_type = Some("EC2".into());
    t.platform_version = None;
    t.eni_id = None;
    t.container_instance_arn = Some(format!(
        "arn:aws:ecs:{REGION}:{ACCOUNT}:container-instance/prod/ci1"
    ));
    s.container_instance = Fact::ok(ContainerInstance {
        arn: format!("arn:aws:ecs:{REGION}:{ACCOUNT}:container-instance/prod/ci1"),
        ec2_instance_id: Some("i-0abc".into()),
        agent_version: Some("1.80.0".into()),
        agent_connected: Some(true),
        exec_capability: true,
        os_type: Some("linux".into()),
        subnet_id: Some("subnet-0a".into()),
        managed: None,
        managed_error: None,
    });
    s.instance_role = Fact::ok(InstanceRole {
        instance_profile_arn: Some(format!(
            "arn:aws:iam::{ACCOUNT}:instance-profile/ecs-instance"
        )),
        role_arns: vec![format!("arn:aws:iam::{ACCOUNT}:role/ecs-instance")],
    });
    s.interface = Fact::ok(Interface {
        id: "eni-0instance".into(),
        subnet_id: "subnet-0a".into(),
        vpc_id: "vpc-0a".into(),
        security_groups: vec![TASK_SG.into()],
        private_ip: Some("10.0.1.10".into()),
        public_ip: None,
        source: InterfaceSource::Instance,
    });
    s.service.value_mut().launch_type = Some("EC2".into());
    s.service.value_mut().platform_version = None;
    d
}

/// Adds an exec KMS key that everyone may use.
pub fn with_kms(d: &mut Diagnosis) {
    d.cluster.value_mut().exec_config.kms_key_id = Some(KMS_KEY.into());
    d.kms_key = Fact::ok(KmsKey {
        arn: KMS_KEY.into(),
        state: "Enabled".into(),
        key_manager: Some("CUSTOMER".into()),
    });
    d.kms_key_policy = Fact::ok(KeyPolicy {
        key_arn: KMS_KEY.into(),
        policy: default_key_policy(),
        grants: vec![],
        grants_error: None,
    });
    for s in &mut d.subjects {
        s.caller_permissions
            .value_mut()
            .results
            .push(allowed("kms:GenerateDataKey", KMS_KEY));
        s.task_role_permissions
            .value_mut()
            .results
            .push(allowed("kms:Decrypt", KMS_KEY));
    }
}

/// Adds CloudWatch session logging to `/ecs/exec` that the task role may write.
pub fn with_cloudwatch_logging(d: &mut Diagnosis) {
    let c = &mut d.cluster.value_mut().exec_config;
    c.logging = "OVERRIDE".into();
    c.cloud_watch_log_group = Some("/ecs/exec".into());
    d.log_destinations = Fact::ok(LogDestinations {
        log_group: Some(LogGroup {
            name: "/ecs/exec".into(),
            exists: true,
            kms_key_id: None,
        }),
        ..LogDestinations::default()
    });
    let cluster = d.cluster.value().unwrap();
    let pairs = crate::task_role::logging_actions(&cluster.arn, &cluster.exec_config).unwrap();
    for s in &mut d.subjects {
        for (a, r) in &pairs {
            s.task_role_permissions
                .value_mut()
                .results
                .push(allowed(a, r));
        }
    }
}

/// Sets (or adds) the decision for `action` on `resource`.
pub fn set_decision(sim: &mut Fact<Simulation>, action: &str, resource: &str, decision: Decision) {
    let sim = sim.value_mut();
    match sim
        .results
        .iter_mut()
        .find(|r| r.action == action && r.resource == resource)
    {
        Some(r) => r.decision = decision,
        None => {
            let mut r = allowed(action, resource);
            r.decision = decision;
            sim.results.push(r);
        }
    }
}

pub fn fact_failed_denied<T>(action: &str) -> Fact<T> {
    Fact::failed(FactError::new(
        FactErrorKind::AccessDenied,
        action,
        "AccessDeniedException: not authorized",
    ))
}

pub fn run(check: &'static Check, d: &Diagnosis) -> CheckResult {
    let selection = Selection {
        select: vec![check.meta.code],
        ..Default::default()
    };
    let mut results = evaluate(d, Mode::Live, &selection);
    assert_eq!(results.len(), 1);
    results.remove(0)
}

#[track_caller]
pub fn assert_pass(check: &'static Check, d: &Diagnosis) {
    let r = run(check, d);
    assert_eq!(r.status, Status::Pass, "{}: {r:#?}", check.meta.code);
}

#[track_caller]
pub fn assert_not_applicable(check: &'static Check, d: &Diagnosis) {
    let r = run(check, d);
    assert_eq!(
        r.status,
        Status::NotApplicable,
        "{}: {r:#?}",
        check.meta.code
    );
}

#[track_caller]
pub fn assert_unknown(check: &'static Check, d: &Diagnosis) {
    let r = run(check, d);
    assert_eq!(r.status, Status::Unknown, "{}: {r:#?}", check.meta.code);
}

#[track_caller]
pub fn assert_finding(check: &'static Check, d: &Diagnosis, severity: Severity, text: &str) {
    let r = run(check, d);
    assert!(
        r.findings
            .iter()
            .any(|f| f.severity == severity && f.message.contains(text)),
        "{}: expected a {severity:?} finding containing {text:?}, got {r:#?}",
        check.meta.code
    );
    assert!(
        severity <= check.meta.severity,
        "{} declares a lower severity than it reports",
        check.meta.code
    );
}

/// Every fix command of the check's findings.
pub fn fix_commands_of(check: &'static Check, d: &Diagnosis) -> Vec<String> {
    run(check, d)
        .findings
        .iter()
        .filter_map(|f| f.fix.as_ref())
        .flat_map(|fix| &fix.steps)
        .filter_map(|step| match step {
            crate::outcome::FixStep::Command { command, .. } => Some(command.clone()),
            _ => None,
        })
        .collect()
}

/// Makes fact `kind` fail with `error` on every subject, and every fact fetched from it fail
/// as a dependency, as the live fetcher does.
pub fn fail_fact(d: &mut Diagnosis, kind: crate::FactKind, error: &FactError) {
    use crate::FactKind as K;
    let direct = |k: K| k == kind;
    let dependent = |k: K| k != kind && K::with_dependencies(&[k]).contains(&kind);
    let dep = FactError::dependency(&error.action, &format!("{kind:?}"), error);
    macro_rules! set {
        ($slot:expr, $k:expr) => {
            if direct($k) {
                $slot = Fact::failed(error.clone());
            } else if dependent($k) {
                $slot = Fact::failed(dep.clone());
            }
        };
    }
    set!(d.local, K::Local);
    set!(d.caller, K::Caller);
    set!(d.cluster, K::Cluster);
    set!(d.kms_key, K::KmsKey);
    set!(d.kms_key_policy, K::KmsKeyPolicy);
    set!(d.log_destinations, K::LogDestinations);
    for s in &mut d.subjects {
        set!(s.task, K::Task);
        set!(s.service, K::Service);
        set!(s.task_definition, K::TaskDefinition);
        set!(s.container_instance, K::ContainerInstance);
        set!(s.instance_role, K::InstanceRole);
        set!(s.network, K::Network);
        set!(s.interface, K::Interface);
        set!(s.firewall, K::Firewall);
        set!(s.task_role, K::TaskRole);
        set!(s.caller_permissions, K::CallerPermissions);
        set!(s.task_role_permissions, K::TaskRolePermissions);
    }
}

/// Lints `text` and returns `code`'s status on its service unit, with its first finding's
/// message (or the check's message when it has none).
pub fn lint_service_check(text: &str, code: &str) -> (crate::report::Status, String) {
    let r = crate::lint::lint(text.as_bytes(), &crate::runner::Selection::default());
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    let unit = r
        .units
        .iter()
        .find(|u| u.resource == crate::lint::ResourceKind::Service)
        .expect("a service");
    let c = unit
        .checks
        .iter()
        .find(|c| c.code == code)
        .expect("the check");
    let words = c
        .findings
        .first()
        .map_or_else(|| c.message.clone(), |f| f.message.clone());
    (c.status, words)
}
