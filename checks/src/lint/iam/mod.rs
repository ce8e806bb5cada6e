//! IAM roles and policies defined in the same input as the task definitions that use them
//! (a CloudFormation or CDK template, a Terraform module), so `lint` can judge the task role
//! (IR002) before anything is deployed. The readers ([`cloudformation`], [`terraform`]) build
//! one [`RolePolicies`] per role, with every policy the input attaches to it; a task
//! definition whose task role is one of them gets it as a fact. A value known only at deploy
//! time is never guessed: a policy the input attaches but does not show, or a statement about
//! the exec agent's actions with such a value, is named as unread, and the check is unknown
//! where it would decide.

pub mod cloudformation;
pub mod terraform;

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::model::{NamedPolicy, RolePolicies};
use crate::policy::{self, PolicyDecision, Principal, Request};

use super::LintUnit;
use super::source::Pos;
use super::tree::{Node, NodeKind};

/// A role the input defines.
#[derive(Debug, Clone)]
pub struct InputRole {
    pub policies: RolePolicies,
    /// Where it is defined, when that is in the linted file (not another file of the module).
    pub pos: Option<Pos>,
}

/// The roles of one input, by logical id or Terraform name.
pub type Roles = BTreeMap<String, InputRole>;

/// The actions whose grants a statement must be read whole for: the exec agent's.
const EXEC_ACTIONS: [&str; 9] = [
    "ssmmessages:CreateControlChannel",
    "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel",
    "ssmmessages:OpenDataChannel",
    "kms:Decrypt",
    "kms:GenerateDataKey",
    "logs:PutLogEvents",
    "logs:CreateLogStream",
    "s3:PutObject",
];

/// Gives each task-definition unit whose `task_role_ref` names a role of `roles` its policies.
pub fn attach(roles: &Roles, units: &mut [LintUnit]) {
    for unit in units.iter_mut() {
        let Some(role) = unit.task_role_ref.as_deref().and_then(|r| roles.get(r)) else {
            continue;
        };
        unit.task_role_policies = Some(role.policies.clone());
        unit.role_pos = role.pos;
    }
}

/// A value as JSON, or the text of the first part of it known only at deploy time.
pub type Converted = Result<Value, String>;

/// Adds a policy document, read statement by statement: a statement with a value known only
/// at deploy time is left out, and named in `unread_statements` when it could bear on an
/// exec action (its known actions match one, or its actions are unknown).
pub fn add_document(
    role: &mut RolePolicies,
    name: String,
    document: &Node,
    to_json: &dyn Fn(&Node) -> Converted,
) {
    let statements: Vec<&Node> = match document.get("Statement") {
        Some(n) if n.is_seq() => n.items().iter().collect(),
        Some(n) => vec![n],
        None => Vec::new(),
    };
    let mut kept = Vec::new();
    for (i, statement) in statements.iter().enumerate() {
        match to_json(statement) {
            Ok(v) => kept.push(v),
            Err(unknown) => {
                if bears_on_exec(statement, to_json) {
                    role.unread_statements.push(format!(
                        "statement #{} of `{name}` ({unknown} is known only at deploy time)",
                        i + 1
                    ));
                }
            }
        }
    }
    let mut doc = Map::new();
    doc.insert("Version".into(), Value::String("2012-10-17".into()));
    doc.insert("Statement".into(), Value::Array(kept));
    role.policies.push(NamedPolicy {
        name,
        document: Value::Object(doc),
    });
}

/// Adds a whole JSON document (an AWS managed policy, a policy written as a JSON string).
pub fn add_json(role: &mut RolePolicies, name: String, document: Value) {
    role.policies.push(NamedPolicy { name, document });
}

/// Whether a statement with unknown parts could allow or deny an exec action: its actions
/// (with the unknown resource and condition set aside) match one, or they are unknown.
fn bears_on_exec(statement: &Node, to_json: &dyn Fn(&Node) -> Converted) -> bool {
    let mut probe = Map::new();
    probe.insert("Effect".into(), Value::String("Allow".into()));
    let mut any = false;
    for key in ["Action", "NotAction"] {
        if let Some(n) = statement.get(key) {
            match to_json(n) {
                Ok(v) => {
                    probe.insert(key.into(), v);
                    any = true;
                }
                Err(_) => return true,
            }
        }
    }
    if !any {
        return true;
    }
    let doc = Value::Object(Map::from_iter([(
        "Statement".to_string(),
        Value::Array(vec![Value::Object(probe)]),
    )]));
    let context = BTreeMap::new();
    EXEC_ACTIONS.iter().any(|action| {
        policy::evaluate(
            &doc,
            &Request {
                principal: Principal::IDENTITY,
                action,
                resource: "*",
                context: &context,
            },
        ) != PolicyDecision::NotAllowed
    })
}

/// Plain data as JSON; `Err` with the unknown's text for a tagged node (a CloudFormation
/// intrinsic function, a Terraform expression) or a map that is an intrinsic function.
pub fn plain_json(node: &Node, unknown: &dyn Fn(&Node) -> Option<Converted>) -> Converted {
    if let Some(answer) = unknown(node) {
        return answer;
    }
    Ok(match &node.kind {
        NodeKind::Null => Value::Null,
        NodeKind::Bool(b) => Value::Bool(*b),
        NodeKind::Number(n) => n
            .parse::<serde_json::Number>()
            .map(Value::Number)
            .unwrap_or_else(|_| Value::String(n.clone())),
        NodeKind::String(s) => Value::String(s.clone()),
        NodeKind::Seq(items) => Value::Array(
            items
                .iter()
                .map(|i| plain_json(i, unknown))
                .collect::<Result<_, _>>()?,
        ),
        NodeKind::Map(entries) => Value::Object(
            entries
                .iter()
                .map(|e| Ok((e.key.clone(), plain_json(&e.value, unknown)?)))
                .collect::<Result<_, String>>()?,
        ),
        NodeKind::Tagged { tag, .. } => return Err(format!("`!{tag}`")),
    })
}

/// Adds an attached policy ARN: an AWS managed policy the doctor bundles, or unread.
pub fn add_arn(role: &mut RolePolicies, arn: &str) {
    match crate::roles::managed::document(arn) {
        Some((name, doc)) => add_json(role, format!("{name} (AWS managed)"), doc),
        None => role.unread.push(format!("`{arn}`")),
    }
}

/// `NAME` of an AWS managed policy ARN written with a deploy-time partition
/// (`arn:${data.aws_partition.current.partition}:iam::aws:policy/NAME`).
pub fn managed_name_in(text: &str) -> Option<String> {
    let (_, rest) = text.split_once(":iam::aws:policy/")?;
    let name: String = rest
        .chars()
        .take_while(|c| {
            c.is_ascii_alphanumeric() || matches!(c, '/' | '-' | '_' | '+' | '=' | ',' | '.' | '@')
        })
        .collect();
    (!name.is_empty()).then_some(name)
}
