//! Facts as fetched: each one is a value, an honest absence, an error, or not fetched at all.
//! A [`Diagnosis`] holds every fact of one run; it is exactly what `--record` writes and
//! `--replay` reads, so a replayed run evaluates the same data as the live one.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::model::*;

/// One fact. The value is behind an `Arc`: a fact shared by the tasks of a fleet (their task
/// definition, service, network, roles) is held once however many subjects refer to it, and
/// cloning a diagnosis copies no values.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Fact<T> {
    /// Fetched.
    Ok { value: Arc<T> },
    /// Does not exist or does not apply, for a reason that is itself an answer (no KMS key
    /// configured, a Fargate task has no container instance, the service has no running task).
    Absent { reason: String },
    /// The doctor could not fetch it.
    Failed { error: FactError },
    /// Not fetched: no selected check needed it, or it is not available in this mode.
    #[default]
    NotFetched,
}

impl<T> Fact<T> {
    pub fn ok(value: T) -> Self {
        Fact::Ok {
            value: Arc::new(value),
        }
    }

    pub fn absent(reason: impl Into<String>) -> Self {
        Fact::Absent {
            reason: reason.into(),
        }
    }

    pub fn failed(error: FactError) -> Self {
        Fact::Failed { error }
    }

    /// The value; an absence or failure becomes [`Unavailable`], naming `what`.
    pub fn get(&self, what: &str) -> Result<&T, Unavailable> {
        match self {
            Fact::Ok { value } => Ok(value),
            Fact::Absent { reason } => Err(Unavailable::absent(what, reason)),
            Fact::Failed { error } => Err(Unavailable::from_error(what, error)),
            Fact::NotFetched => Err(Unavailable::not_fetched(what)),
        }
    }

    /// The value, `None` when absent; a failure becomes [`Unavailable`].
    pub fn get_opt(&self, what: &str) -> Result<Option<&T>, Unavailable> {
        match self {
            Fact::Ok { value } => Ok(Some(value)),
            Fact::Absent { .. } => Ok(None),
            Fact::Failed { error } => Err(Unavailable::from_error(what, error)),
            Fact::NotFetched => Err(Unavailable::not_fetched(what)),
        }
    }

    pub fn value(&self) -> Option<&T> {
        match self {
            Fact::Ok { value } => Some(value),
            _ => None,
        }
    }

    pub fn error(&self) -> Option<&FactError> {
        match self {
            Fact::Failed { error } => Some(error),
            _ => None,
        }
    }

    /// The fact with its value transformed; a value other facts share is copied first.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Fact<U>
    where
        T: Clone,
    {
        match self {
            Fact::Ok { value } => Fact::ok(f(Arc::unwrap_or_clone(value))),
            Fact::Absent { reason } => Fact::Absent { reason },
            Fact::Failed { error } => Fact::Failed { error },
            Fact::NotFetched => Fact::NotFetched,
        }
    }

    pub fn is_not_fetched(&self) -> bool {
        matches!(self, Fact::NotFetched)
    }
}

/// Why a fact could not be fetched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FactError {
    pub kind: FactErrorKind,
    /// The API call that failed, as an IAM action (`ecs:DescribeTasks`).
    pub action: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// One line.
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FactErrorKind {
    /// The doctor's credentials may not call the API.
    AccessDenied,
    /// The endpoint does not implement the API (an emulator, an old partition).
    NotImplemented,
    Timeout,
    Throttled,
    /// No route to the endpoint, DNS, TLS.
    Network,
    /// Credentials missing, expired or invalid.
    Credentials,
    /// The resource does not exist.
    NotFound,
    /// A prerequisite fact was unavailable.
    Dependency,
    /// Any other service error.
    Service,
}

impl FactError {
    pub fn new(kind: FactErrorKind, action: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            kind,
            action: action.into(),
            code: None,
            message: one_line(&message.into()),
        }
    }

    pub fn with_code(mut self, code: Option<String>) -> Self {
        self.code = code;
        self
    }

    /// The error of a fact that could not be fetched because a fact it depends on was not.
    pub fn dependency(action: &str, on: &str, cause: &FactError) -> Self {
        Self {
            kind: FactErrorKind::Dependency,
            action: action.into(),
            code: None,
            message: format!(
                "needs the {on}, which could not be fetched: {}",
                cause.describe()
            ),
        }
    }

    /// A one-line description with the missing IAM action when relevant.
    pub fn describe(&self) -> String {
        match self.kind {
            FactErrorKind::AccessDenied => {
                format!("the doctor was denied `{}` ({})", self.action, self.message)
            }
            FactErrorKind::NotImplemented => {
                format!(
                    "the endpoint does not implement `{}` ({})",
                    self.action, self.message
                )
            }
            FactErrorKind::Timeout => format!("`{}` timed out ({})", self.action, self.message),
            FactErrorKind::Throttled => {
                format!("`{}` was throttled ({})", self.action, self.message)
            }
            FactErrorKind::Network => {
                format!(
                    "could not reach the endpoint for `{}` ({})",
                    self.action, self.message
                )
            }
            FactErrorKind::Credentials => {
                format!(
                    "credentials problem calling `{}` ({})",
                    self.action, self.message
                )
            }
            FactErrorKind::NotFound => {
                format!("`{}` found nothing ({})", self.action, self.message)
            }
            FactErrorKind::Dependency => self.message.clone(),
            FactErrorKind::Service => format!("`{}` failed ({})", self.action, self.message),
        }
    }

    /// The IAM action the doctor lacks, when this is an access-denied error (also through a
    /// dependency).
    pub fn missing_action(&self) -> Option<&str> {
        (self.kind == FactErrorKind::AccessDenied).then_some(self.action.as_str())
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Why a check could not be evaluated: it becomes an UNKNOWN outcome, never a pass.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unavailable {
    pub reason: String,
    /// The IAM action the doctor needs to evaluate the check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing_action: Option<String>,
}

impl Unavailable {
    pub fn new(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
            missing_action: None,
        }
    }

    /// The IAM action the doctor lacks, when that is why.
    pub fn with_action(mut self, action: Option<String>) -> Self {
        self.missing_action = action;
        self
    }

    fn absent(what: &str, reason: &str) -> Self {
        Self::new(format!("no {what}: {reason}"))
    }

    fn not_fetched(what: &str) -> Self {
        Self::new(format!("the {what} was not fetched in this run"))
    }

    pub fn from_error(what: &str, error: &FactError) -> Self {
        let missing_action = match error.kind {
            FactErrorKind::AccessDenied => Some(error.action.clone()),
            FactErrorKind::Dependency => dependency_action(&error.message),
            _ => None,
        };
        Self {
            reason: format!("could not read the {what}: {}", error.describe()),
            missing_action,
        }
    }
}

fn dependency_action(message: &str) -> Option<String> {
    let start = message.find("denied `")? + "denied `".len();
    let end = message[start..].find('`')?;
    Some(message[start..start + end].to_string())
}

/// Everything one run fetched. `subjects` holds one entry per task diagnosed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Diagnosis {
    pub target: Target,
    /// When the facts were observed (epoch seconds); ages such as "agent started 12 s ago"
    /// are computed against this, never against the clock of the replaying machine.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_at: Option<i64>,
    #[serde(default)]
    pub local: Fact<LocalTools>,
    #[serde(default)]
    pub caller: Fact<Caller>,
    #[serde(default)]
    pub cluster: Fact<Cluster>,
    #[serde(default)]
    pub kms_key: Fact<KmsKey>,
    /// The exec KMS key's policy and grants.
    #[serde(default)]
    pub kms_key_policy: Fact<KeyPolicy>,
    /// The session log group and bucket of `logging=OVERRIDE`.
    #[serde(default)]
    pub log_destinations: Fact<LogDestinations>,
    #[serde(default)]
    pub subjects: Vec<Subject>,
    /// Running tasks of the service or cluster that `--max-tasks` left out.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub tasks_left_out: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// The facts of one task.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Subject {
    /// The task as asked for or as listed (id or ARN).
    pub task_ref: String,
    #[serde(default)]
    pub task: Fact<Task>,
    #[serde(default)]
    pub service: Fact<Service>,
    #[serde(default)]
    pub task_definition: Fact<TaskDefinition>,
    #[serde(default)]
    pub container_instance: Fact<ContainerInstance>,
    #[serde(default)]
    pub instance_role: Fact<InstanceRole>,
    #[serde(default)]
    pub network: Fact<Network>,
    /// The network interface the exec agent's traffic leaves through.
    #[serde(default)]
    pub interface: Fact<Interface>,
    /// Security groups and network ACLs of the task's VPC.
    #[serde(default)]
    pub firewall: Fact<Firewall>,
    #[serde(default)]
    pub caller_permissions: Fact<Simulation>,
    #[serde(default)]
    pub task_role_permissions: Fact<Simulation>,
    /// The role the exec agent uses (`iam:GetRole`): whether it exists and whom it trusts.
    #[serde(default)]
    pub task_role: Fact<Role>,
    /// `lint` only: the task role's policies as the input defines them. Not fetched when the
    /// role is defined outside the input.
    #[serde(default, skip_serializing_if = "Fact::is_not_fetched")]
    pub task_role_policies: Fact<RolePolicies>,
    /// `lint` only: the service's security groups as the input defines them. Not fetched when
    /// they are defined outside the input; absent when the service sets no awsvpc network.
    #[serde(default, skip_serializing_if = "Fact::is_not_fetched")]
    pub service_security_groups: Fact<InputGroups>,
}

/// Where the facts come from: a live or recorded diagnosis, or files read by `lint`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Live,
    Offline,
}

/// What a check sees: the run's facts and one subject.
pub struct Facts<'a> {
    pub mode: Mode,
    pub diagnosis: &'a Diagnosis,
    pub subject: &'a Subject,
}

impl<'a> Facts<'a> {
    pub fn target(&self) -> &'a Target {
        &self.diagnosis.target
    }
    pub fn local(&self) -> Result<&'a LocalTools, Unavailable> {
        self.diagnosis.local.get("local tool probe")
    }
    pub fn caller(&self) -> Result<&'a Caller, Unavailable> {
        self.diagnosis.caller.get("caller identity")
    }
    pub fn cluster(&self) -> Result<&'a Cluster, Unavailable> {
        self.diagnosis.cluster.get("cluster")
    }
    /// `None` when the cluster has no exec KMS key.
    pub fn kms_key(&self) -> Result<Option<&'a KmsKey>, Unavailable> {
        self.diagnosis.kms_key.get_opt("exec KMS key")
    }
    pub fn task(&self) -> Result<&'a Task, Unavailable> {
        self.subject.task.get("task")
    }
    /// `None` when the task does not belong to a service.
    pub fn service(&self) -> Result<Option<&'a Service>, Unavailable> {
        self.subject.service.get_opt("service")
    }
    pub fn task_definition(&self) -> Result<&'a TaskDefinition, Unavailable> {
        self.subject.task_definition.get("task definition")
    }
    /// `None` for tasks that do not run on a container instance (Fargate).
    pub fn container_instance(&self) -> Result<Option<&'a ContainerInstance>, Unavailable> {
        self.subject
            .container_instance
            .get_opt("container instance")
    }
    pub fn instance_role(&self) -> Result<Option<&'a InstanceRole>, Unavailable> {
        self.subject.instance_role.get_opt("EC2 instance role")
    }
    pub fn network(&self) -> Result<&'a Network, Unavailable> {
        self.subject.network.get("task network")
    }
    pub fn caller_permissions(&self) -> Result<&'a Simulation, Unavailable> {
        self.subject
            .caller_permissions
            .get("caller permission simulation")
    }
    /// `None` when there is no task role to simulate.
    pub fn task_role_permissions(&self) -> Result<Option<&'a Simulation>, Unavailable> {
        self.subject
            .task_role_permissions
            .get_opt("task role permission simulation")
    }
    /// `None` when the cluster has no exec KMS key.
    pub fn kms_key_policy(&self) -> Result<Option<&'a KeyPolicy>, Unavailable> {
        self.diagnosis.kms_key_policy.get_opt("exec KMS key policy")
    }
    /// `None` when the cluster does not override the session log destination.
    pub fn log_destinations(&self) -> Result<Option<&'a LogDestinations>, Unavailable> {
        self.diagnosis
            .log_destinations
            .get_opt("session log destinations")
    }
    pub fn interface(&self) -> Result<&'a Interface, Unavailable> {
        self.subject.interface.get("task network interface")
    }
    pub fn firewall(&self) -> Result<&'a Firewall, Unavailable> {
        self.subject
            .firewall
            .get("security groups and network ACLs")
    }
    /// `None` when the task has no role.
    pub fn task_role(&self) -> Result<Option<&'a Role>, Unavailable> {
        self.subject.task_role.get_opt("task role")
    }
    pub fn now(&self) -> Option<i64> {
        self.diagnosis.observed_at
    }
}

/// The kinds of fact, with the AWS API calls (as IAM actions) that fetch them. The
/// `permissions` command and UNKNOWN outcomes are generated from this table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FactKind {
    Local,
    Caller,
    Cluster,
    KmsKey,
    Task,
    Service,
    TaskDefinition,
    ContainerInstance,
    InstanceRole,
    Network,
    CallerPermissions,
    TaskRolePermissions,
    KmsKeyPolicy,
    Interface,
    Firewall,
    TaskRole,
    LogDestinations,
}

impl FactKind {
    pub const ALL: [FactKind; 17] = [
        FactKind::Local,
        FactKind::Caller,
        FactKind::Cluster,
        FactKind::KmsKey,
        FactKind::Task,
        FactKind::Service,
        FactKind::TaskDefinition,
        FactKind::ContainerInstance,
        FactKind::InstanceRole,
        FactKind::Network,
        FactKind::CallerPermissions,
        FactKind::TaskRolePermissions,
        FactKind::KmsKeyPolicy,
        FactKind::Interface,
        FactKind::Firewall,
        FactKind::TaskRole,
        FactKind::LogDestinations,
    ];

    /// The IAM actions the doctor needs to fetch this fact.
    pub fn actions(self) -> &'static [&'static str] {
        match self {
            FactKind::Local => &[],
            FactKind::Caller => &["sts:GetCallerIdentity", "iam:GetRole"],
            FactKind::Cluster => &["ecs:DescribeClusters"],
            FactKind::KmsKey => &["kms:DescribeKey"],
            FactKind::Task => &["ecs:DescribeTasks", "ecs:ListTasks"],
            FactKind::Service => &["ecs:DescribeServices"],
            FactKind::TaskDefinition => &["ecs:DescribeTaskDefinition"],
            FactKind::ContainerInstance => &[
                "ecs:DescribeContainerInstances",
                "ssm:DescribeInstanceInformation",
            ],
            FactKind::InstanceRole => &["ec2:DescribeInstances", "iam:GetInstanceProfile"],
            FactKind::Network => &[
                "ec2:DescribeSubnets",
                "ec2:DescribeRouteTables",
                "ec2:DescribeVpcEndpoints",
                "ec2:DescribeNatGateways",
                "ec2:DescribeVpcAttribute",
                "ec2:DescribeVpcs",
                "ec2:DescribeDhcpOptions",
            ],
            FactKind::KmsKeyPolicy => &["kms:GetKeyPolicy", "kms:ListGrants"],
            FactKind::Interface => &["ec2:DescribeNetworkInterfaces"],
            FactKind::Firewall => &[
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeNetworkAcls",
                "ec2:GetManagedPrefixListEntries",
                "ec2:DescribeManagedPrefixLists",
            ],
            FactKind::TaskRole => &["iam:GetRole"],
            FactKind::LogDestinations => {
                &["logs:DescribeLogGroups", "s3:GetEncryptionConfiguration"]
            }
            FactKind::CallerPermissions | FactKind::TaskRolePermissions => {
                &["iam:SimulatePrincipalPolicy"]
            }
        }
    }

    /// Facts this one is fetched from (the fetch plan's edges).
    pub fn depends_on(self) -> &'static [FactKind] {
        match self {
            FactKind::Local | FactKind::Caller | FactKind::Cluster | FactKind::Task => &[],
            FactKind::KmsKey => &[FactKind::Cluster],
            FactKind::KmsKeyPolicy => &[FactKind::Cluster, FactKind::KmsKey],
            FactKind::LogDestinations => &[FactKind::Cluster],
            FactKind::Interface => &[FactKind::Task, FactKind::ContainerInstance],
            FactKind::Firewall => &[FactKind::Interface, FactKind::Network],
            FactKind::TaskRole => &[
                FactKind::Task,
                FactKind::TaskDefinition,
                FactKind::InstanceRole,
            ],
            FactKind::Service | FactKind::TaskDefinition | FactKind::ContainerInstance => {
                &[FactKind::Task]
            }
            FactKind::InstanceRole => &[FactKind::ContainerInstance],
            FactKind::Network => &[FactKind::Task, FactKind::ContainerInstance],
            FactKind::CallerPermissions => &[
                FactKind::Caller,
                FactKind::Task,
                FactKind::Cluster,
                FactKind::KmsKey,
            ],
            FactKind::TaskRolePermissions => &[
                FactKind::Task,
                FactKind::TaskDefinition,
                FactKind::InstanceRole,
                FactKind::Cluster,
                FactKind::KmsKey,
            ],
        }
    }

    /// This fact and everything it is fetched from.
    pub fn with_dependencies(kinds: &[FactKind]) -> Vec<FactKind> {
        let mut out: Vec<FactKind> = Vec::new();
        let mut stack: Vec<FactKind> = kinds.to_vec();
        while let Some(k) = stack.pop() {
            if !out.contains(&k) {
                out.push(k);
                stack.extend_from_slice(k.depends_on());
            }
        }
        out.sort();
        out
    }
}

impl<T: Clone> Fact<T> {
    /// The value, for tests that change one field (copied first if shared). Panics unless the
    /// fact is `Ok`.
    #[doc(hidden)]
    pub fn value_mut(&mut self) -> &mut T {
        match self {
            Fact::Ok { value } => Arc::make_mut(value),
            _ => panic!("fact is not Ok"),
        }
    }
}
