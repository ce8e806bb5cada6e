//! The facts the checks read: narrow, serialisable mirrors of what the AWS APIs and the local
//! machine report. Only fields some check reads are kept. Environment variable and secret
//! *values* are never part of the model: containers carry their names only.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub mod path;
pub mod policies;

pub use path::*;
pub use policies::*;

/// What the user asked to diagnose, after resolving names and ARNs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Target {
    pub region: String,
    pub partition: String,
    /// The cluster as given (name or ARN).
    pub cluster: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
    /// `--all`: every running task of the cluster.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub all: bool,
    /// `--family`: only the tasks of this task definition family.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    /// `--started-by`: only the tasks started with this value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_by: Option<String>,
}

/// The AWS CLI and session-manager-plugin as found on this machine.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LocalTools {
    pub aws_cli: ToolProbe,
    pub session_manager_plugin: ToolProbe,
    /// `std::env::consts::ARCH` of the machine the doctor runs on (`x86_64`, `aarch64`).
    pub host_arch: String,
    /// `std::env::consts::OS`.
    pub host_os: String,
}

/// One local executable looked up on `PATH`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ToolProbe {
    pub found: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// How the version was read (`install path`, `package metadata`, `--version`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_source: Option<String>,
    /// CPU architecture of the executable (`x86_64`, `aarch64`), when its header was readable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arch: Option<String>,
    /// Why the version could not be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

/// Who the doctor runs as (`sts:GetCallerIdentity`), resolved to an IAM principal.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Caller {
    pub arn: String,
    pub account: String,
    pub kind: CallerKind,
    /// The IAM user or role ARN (with its path) that policies are attached to and that
    /// `iam:SimulatePrincipalPolicy` accepts; `None` for root and federated users.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal_arn: Option<String>,
    /// Why the role's path could not be read (`iam:GetRole`); the simulation then uses the
    /// role ARN without its path, which IAM rejects for roles that have one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal_lookup_error: Option<crate::facts::FactError>,
    /// The role's tags (`iam:GetRole`), which its sessions carry as `aws:PrincipalTag/*`
    /// (session tags, which no API shows, come on top).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub principal_tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CallerKind {
    User,
    AssumedRole,
    Root,
    FederatedUser,
    #[default]
    Other,
}

/// `ecs:DescribeClusters` with `CONFIGURATIONS` and `TAGS`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Cluster {
    pub arn: String,
    pub name: String,
    pub status: String,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    #[serde(default)]
    pub exec_config: ExecConfig,
}

/// The cluster's `executeCommandConfiguration`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExecConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
    /// `NONE`, `DEFAULT` (the default when unset) or `OVERRIDE`.
    pub logging: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud_watch_log_group: Option<String>,
    #[serde(default)]
    pub cloud_watch_encryption_enabled: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s3_bucket: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s3_key_prefix: Option<String>,
    #[serde(default)]
    pub s3_encryption_enabled: bool,
}

impl Default for ExecConfig {
    fn default() -> Self {
        Self {
            kms_key_id: None,
            logging: "DEFAULT".into(),
            cloud_watch_log_group: None,
            cloud_watch_encryption_enabled: false,
            s3_bucket: None,
            s3_key_prefix: None,
            s3_encryption_enabled: false,
        }
    }
}

/// An ECS service (`ecs:DescribeServices`, or a service file in `lint`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Service {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    /// `None` when unknown at lint time (an unresolved intrinsic function).
    pub enable_execute_command: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub launch_type: Option<String>,
    #[serde(default)]
    pub capacity_providers: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform_family: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_definition: Option<String>,
    /// The service's deployments (`PRIMARY` first); empty when unknown (lint).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deployments: Vec<Deployment>,
    /// `deploymentController.type`: `ECS` (rolling), `CODE_DEPLOY` (blue/green) or
    /// `EXTERNAL`; `None` when not given (ECS's default, `ECS`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment_controller: Option<String>,
}

/// One deployment of a service; its tasks have its id as `startedBy`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Deployment {
    /// `ecs-svc/9876501234598765012`.
    pub id: String,
    /// `PRIMARY` (the newest) or `ACTIVE` (still running tasks, being replaced).
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_definition: Option<String>,
    /// `IN_PROGRESS`, `COMPLETED` or `FAILED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollout_state: Option<String>,
}

/// One task (`ecs:DescribeTasks` with `TAGS`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Task {
    pub arn: String,
    pub cluster_arn: String,
    pub last_status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desired_status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped_reason: Option<String>,
    /// `FARGATE`, `EC2` or `EXTERNAL`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub launch_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity_provider: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform_family: Option<String>,
    pub enable_execute_command: bool,
    pub task_definition_arn: String,
    /// `service:NAME` for tasks a service started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Who started the task: a service's deployment id (`ecs-svc/...`) or RunTask's
    /// `startedBy`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_instance_arn: Option<String>,
    /// `overrides.taskRoleArn` from RunTask.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_role_override: Option<String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    #[serde(default)]
    pub containers: Vec<Container>,
    /// Subnet of the task's ENI (awsvpc).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subnet_id: Option<String>,
    /// The task's ENI (`networkInterfaceId` of the awsvpc attachment).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eni_id: Option<String>,
    /// Epoch seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<i64>,
}

impl Task {
    /// The task id (last segment of the ARN).
    pub fn id(&self) -> &str {
        crate::arn::task_id(&self.arn)
    }

    /// The service name when a service started this task.
    pub fn service_name(&self) -> Option<&str> {
        self.group.as_deref()?.strip_prefix("service:")
    }

    /// An ECS Anywhere task: launch type `EXTERNAL`, on a managed (`mi-…`) instance outside
    /// AWS, whose network no AWS API shows.
    pub fn is_external(&self) -> bool {
        self.launch_type.as_deref() == Some("EXTERNAL")
    }

    pub fn is_fargate(&self) -> bool {
        self.launch_type.as_deref() == Some("FARGATE")
            || self
                .capacity_provider
                .as_deref()
                .is_some_and(|c| c.starts_with("FARGATE"))
    }
}

/// A running container of a task.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Container {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime_id: Option<String>,
    /// The container's managed agents, by name; empty when the container has none (for
    /// example a GuardDuty runtime-monitoring sidecar).
    #[serde(default)]
    pub managed_agents: Vec<ManagedAgent>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ManagedAgent {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Epoch seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_started_at: Option<i64>,
}

pub const EXEC_AGENT: &str = "ExecuteCommandAgent";

impl Container {
    pub fn exec_agent(&self) -> Option<&ManagedAgent> {
        self.managed_agents.iter().find(|a| a.name == EXEC_AGENT)
    }
}

/// A task definition (`ecs:DescribeTaskDefinition`, or a file in `lint`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TaskDefinition {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    pub family: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_role_arn: Option<Value<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution_role_arn: Option<Value<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_mode: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid_mode: Option<Value<String>>,
    #[serde(default)]
    pub requires_compatibilities: Vec<String>,
    /// `runtimePlatform.operatingSystemFamily` (`LINUX`, `WINDOWS_SERVER_2022_CORE`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os_family: Option<String>,
    #[serde(default)]
    pub containers: Vec<ContainerDefinition>,
    /// Set when the container definitions as a whole are not known until deploy time (a
    /// Terraform variable or module output, a CloudFormation intrinsic): the container checks
    /// are then UNKNOWN, never passing on an empty list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub containers_unresolved: Option<String>,
}

impl TaskDefinition {
    pub fn display_name(&self) -> String {
        match self.revision {
            Some(rev) => format!("{}:{}", self.family, rev),
            None => self.family.clone(),
        }
    }

    pub fn is_windows(&self) -> bool {
        self.os_family
            .as_deref()
            .is_some_and(|f| f.to_ascii_uppercase().starts_with("WINDOWS"))
    }
}

/// A value read from a file that may be unknown until deploy time (a CloudFormation
/// intrinsic function such as `Ref` or `Fn::GetAtt`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Value<T> {
    Known(T),
    Unresolved { unresolved: String },
}

impl<T> Value<T> {
    pub fn known(&self) -> Option<&T> {
        match self {
            Value::Known(v) => Some(v),
            Value::Unresolved { .. } => None,
        }
    }
}

/// One container definition. Names of variables and secrets only, never values.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ContainerDefinition {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub essential: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub readonly_root_filesystem: Option<Value<bool>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub init_process_enabled: Option<Value<bool>>,
    #[serde(default)]
    pub environment_names: Vec<String>,
    #[serde(default)]
    pub secret_names: Vec<String>,
    /// Set when `environment` or `secrets` (or a name in them) is known only at deploy time
    /// (a Terraform template's `${jsonencode(var.env)}`, an intrinsic): the names above are
    /// then not all of them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment_unresolved: Option<String>,
    /// `environmentFiles[].value` (S3 object ARNs: locations, not contents).
    #[serde(default)]
    pub environment_files: Vec<String>,
    #[serde(default)]
    pub mount_points: Vec<MountPoint>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restart_policy_enabled: Option<Value<bool>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_driver: Option<String>,
    /// The link-local entries (`169.254.…`) of a `NO_PROXY`/`no_proxy` environment variable,
    /// `None` when the container sets neither. Only these entries are kept: they decide
    /// whether the agent reaches the credential and metadata endpoints around a proxy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_proxy_link_local: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MountPoint {
    pub container_path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_volume: Option<String>,
    #[serde(default)]
    pub read_only: bool,
}

/// The EC2 container instance a task runs on (`ecs:DescribeContainerInstances`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ContainerInstance {
    pub arn: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ec2_instance_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_connected: Option<bool>,
    /// The `ecs.capability.execute-command` attribute, registered by the ECS agent when the
    /// managed-agent binaries are on the host.
    pub exec_capability: bool,
    /// The `ecs.os-type` attribute (`linux`, `windows`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subnet_id: Option<String>,
    /// For an ECS Anywhere managed instance (`mi-…`): what Systems Manager knows of it
    /// (`ssm:DescribeInstanceInformation`); `None` for EC2 instances.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub managed: Option<ManagedInstance>,
    /// Why that could not be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub managed_error: Option<crate::facts::FactError>,
}

/// An ECS Anywhere managed instance as Systems Manager sees it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ManagedInstance {
    /// `false` when Systems Manager does not list it (deregistered, or its activation gone).
    pub registered: bool,
    /// `Online`, `ConnectionLost` or `Inactive`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ping_status: Option<String>,
    /// The SSM agent's version on the instance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_version: Option<String>,
    /// When the agent last reached Systems Manager (epoch seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_ping: Option<i64>,
    /// The role of the instance's activation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iam_role: Option<String>,
}

/// The role of the EC2 instance profile, the fallback when a task has no task role.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InstanceRole {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_profile_arn: Option<String>,
    #[serde(default)]
    pub role_arns: Vec<String>,
}

/// The cluster's exec KMS key (`kms:DescribeKey`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct KmsKey {
    pub arn: String,
    /// `Enabled`, `Disabled`, `PendingDeletion`, `PendingImport`, `Unavailable`, ...
    pub state: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_manager: Option<String>,
}

/// The task's subnet, VPC, default route and VPC endpoints.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Network {
    pub subnet_id: String,
    pub vpc_id: String,
    /// The account that owns the subnet; differs from the task's account for a shared VPC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subnet_owner: Option<String>,
    /// The target of the subnet's `0.0.0.0/0` route (`nat-…`, `igw-…`, `tgw-…`, …), when the
    /// route tables were readable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_route: Option<String>,
    /// Whether route tables were read (a shared subnet's may not be visible).
    #[serde(default)]
    pub routes_known: bool,
    /// Why the route tables could not be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routes_error: Option<crate::facts::FactError>,
    #[serde(default)]
    pub endpoints: Vec<VpcEndpoint>,
    /// The subnet's IPv4 CIDR block.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subnet_cidr: Option<String>,
    /// IPv4 CIDR blocks of the VPC's subnets that hold interface endpoints, by subnet id.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub subnet_cidrs: BTreeMap<String, String>,
    /// The route table that applies to the subnet (its own association, else the VPC's main
    /// table), when visible.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route_table_id: Option<String>,
    /// Every route of that table, blackholes included; empty in recordings made before routes
    /// were kept (then `default_route` alone is known).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub routes: Vec<Route>,
    /// The NAT gateways the route table points at (`ec2:DescribeNatGateways`); `None` when
    /// not read (no route to a NAT gateway, or the call failed: see `nat_error`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nat_gateways: Option<Vec<NatGateway>>,
    /// The VPC's `enableDnsSupport` (`ec2:DescribeVpcAttribute`); `None` when not read (see
    /// `dns_error`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns_support: Option<bool>,
    /// The VPC's `enableDnsHostnames`; `None` when not read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns_hostnames: Option<bool>,
    /// Why the NAT gateways could not be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nat_error: Option<crate::facts::FactError>,
    /// Why the VPC's DNS attributes could not be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns_error: Option<crate::facts::FactError>,
    /// The VPC's DHCP option set, when it names its own DNS servers (`ec2:DescribeVpcs`,
    /// `ec2:DescribeDhcpOptions`); `None` when the VPC uses the Amazon-provided DNS or it was
    /// not read (see `dhcp_error`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dhcp_options: Option<DhcpOptions>,
    /// Why the VPC's DHCP option set could not be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dhcp_error: Option<crate::facts::FactError>,
}

/// A DHCP option set's name servers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DhcpOptions {
    /// `dopt-…`.
    pub id: String,
    /// `domain-name-servers`: `AmazonProvidedDNS` or addresses.
    pub domain_name_servers: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct VpcEndpoint {
    pub id: String,
    pub service_name: String,
    /// `Interface` or `Gateway`.
    pub endpoint_type: String,
    pub state: String,
    #[serde(default)]
    pub private_dns_enabled: bool,
    /// Security groups of the endpoint's network interfaces (interface endpoints).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub security_groups: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subnet_ids: Vec<String>,
    /// The endpoint policy, decoded (`None`: the default full-access policy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<serde_json::Value>,
}

/// Results of `iam:SimulatePrincipalPolicy` for one principal.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Simulation {
    pub principal_arn: String,
    #[serde(default)]
    pub results: Vec<SimResult>,
}

/// The decision for one action on one resource.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimResult {
    pub action: String,
    pub resource: String,
    pub decision: Decision,
    /// Condition keys that policies use but no context value was supplied for: the decision
    /// may change once they are known.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing_context: Vec<String>,
    /// `false` when an SCP denies the action.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_by_organizations: Option<bool>,
    /// `false` when a permissions boundary denies the action.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_by_boundary: Option<bool>,
    /// The statements that decided the result (`MatchedStatements`): for an explicit deny,
    /// the policies that deny.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub matched_statements: Vec<MatchedStatement>,
    /// The same request simulated again with plausible values for missing context keys the
    /// doctor cannot observe (an MFA session): the decision per value.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub variants: Vec<SimVariant>,
    /// Values the doctor read from the task's own facts for keys a first simulation named
    /// missing (the VPC endpoint on the agent's path, the role's tags): the decision above is
    /// the one simulated with them.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub read_context: BTreeMap<String, String>,
    /// Keys the real request does not carry, as the task's facts show (no VPC endpoint on
    /// the path, a tag the role does not have): the answer without them is the real one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub absent_context: Vec<String>,
    /// When the decision depends on the time (`aws:CurrentTime`, `aws:EpochTime`): the
    /// decision at other times, so an open window can say when it closes and a closed one
    /// when it was open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<TimeWindow>,
}

/// A decision that depends on the time of the request.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TimeWindow {
    /// The time keys the policies use (`aws:CurrentTime`, `aws:EpochTime`).
    pub keys: Vec<String>,
    /// The decision at other times, earliest first.
    pub samples: Vec<TimeSample>,
}

/// The decision `offset_hours` from the run (negative: in the past), at `at` (RFC 3339).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimeSample {
    pub offset_hours: i64,
    pub at: String,
    pub decision: Decision,
}

impl SimResult {
    /// `decision` for `action` on `resource`, with nothing else known yet.
    pub fn new(action: &str, resource: &str, decision: Decision) -> SimResult {
        SimResult {
            action: action.to_string(),
            resource: resource.to_string(),
            decision,
            missing_context: Vec::new(),
            allowed_by_organizations: None,
            allowed_by_boundary: None,
            matched_statements: Vec::new(),
            variants: Vec::new(),
            read_context: BTreeMap::new(),
            absent_context: Vec::new(),
            time: None,
        }
    }
}

/// A simulation's decision under extra context values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimVariant {
    /// The context keys added, with their values (`aws:MultiFactorAuthPresent` = `true`).
    pub context: BTreeMap<String, String>,
    pub decision: Decision,
    /// The statements that decided it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub matched_statements: Vec<MatchedStatement>,
}

/// Context keys whose values the doctor cannot observe from the AWS APIs, with a plausible
/// value to simulate again with when the simulator reports them missing (`None`: no value can
/// be assumed; the decision then depends on how the request is made).
pub fn unobservable_key(key: &str) -> Option<Option<&'static str>> {
    let k = key.to_ascii_lowercase();
    match k.as_str() {
        "aws:multifactorauthpresent" => Some(Some("true")),
        "aws:multifactorauthage" => Some(Some("300")),
        "aws:sourceip"
        | "aws:sourcevpc"
        | "aws:sourcevpce"
        | "aws:vpcsourceip"
        | "aws:calledvia"
        | "aws:calledviafirst"
        | "aws:calledvialast"
        | "aws:viaawsservice"
        | "aws:userid"
        | "aws:username"
        | "aws:tokenissuetime"
        | "aws:federatedprovider"
        | "aws:sourceidentity"
        | "aws:useragent"
        | "aws:referer" => Some(None),
        _ if k.starts_with("aws:principaltag/") || k.starts_with("aws:requesttag/") => Some(None),
        _ => None,
    }
}

/// A policy statement the simulator matched.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchedStatement {
    /// The policy's name (inline), ARN or name (managed), or an id such as `PermissionsBoundary`.
    pub source_policy_id: String,
    /// `user`, `group`, `role`, `aws-managed`, `user-managed`, `resource`, `none`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_policy_type: Option<String>,
    /// Line of the statement's start in the policy document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_line: Option<i32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Decision {
    Allowed,
    ImplicitDeny,
    ExplicitDeny,
}

impl Simulation {
    /// The result for `action` on `resource` (case-insensitive action match).
    pub fn result(&self, action: &str, resource: &str) -> Option<&SimResult> {
        self.results
            .iter()
            .find(|r| r.action.eq_ignore_ascii_case(action) && r.resource == resource)
            .or_else(|| {
                self.results
                    .iter()
                    .find(|r| r.action.eq_ignore_ascii_case(action) && r.resource == "*")
            })
    }
}
