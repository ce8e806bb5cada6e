//! Task roles in a Terraform module: `aws_iam_role` (with `inline_policy` blocks and
//! `managed_policy_arns`), `aws_iam_role_policy`, `aws_iam_role_policy_attachment`,
//! `aws_iam_policy_attachment`, `aws_iam_policy` and `data "aws_iam_policy_document"`, with
//! policies written as `jsonencode(...)`, a JSON string or heredoc, or a policy document's
//! `.json`. Every `.tf` file of the module is read, as Terraform merges them; a role defined
//! in another file is placed at the task definition's `task_role_arn`.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{
    Converted, InputRole, Roles, add_arn, add_document, add_json, managed_name_in, plain_json,
};
use crate::lint::module::{
    Block, ModuleFile, blocks, exists, expression, modules_given, referenced,
};
use crate::lint::tree::{Entry, Node, NodeKind};
use crate::model::RolePolicies;

fn to_json(node: &Node) -> Converted {
    plain_json(node, &|n| expression(n).map(|t| Err(format!("`{t}`"))))
}

/// The roles a module defines, with the policies it attaches to them.
pub fn roles(files: &[ModuleFile<'_, '_>]) -> Roles {
    let blocks = blocks(files, &|_, ty| ty.starts_with("aws_iam_"));
    let documents: BTreeMap<&str, Result<Node, String>> = blocks
        .iter()
        .filter(|b| b.data && b.ty == "aws_iam_policy_document")
        .map(|b| (b.name.as_str(), policy_document(&b.values)))
        .collect();
    let mut roles = Roles::new();
    for b in blocks.iter().filter(|b| !b.data && b.ty == "aws_iam_role") {
        let mut role = RolePolicies {
            role: format!("aws_iam_role.{}", b.name),
            ..Default::default()
        };
        if b.values.get("inline_policy").is_some_and(|n| !n.is_seq()) {
            role.unread
                .push("its `inline_policy` (a dynamic block)".into());
        }
        for (i, inline) in b
            .values
            .get("inline_policy")
            .map_or(&[][..], Node::items)
            .iter()
            .enumerate()
        {
            let name = inline
                .get("name")
                .and_then(Node::as_str)
                .map_or_else(|| format!("#{}", i + 1), str::to_string);
            if let Some(policy) = inline.get("policy") {
                add_policy(
                    &mut role,
                    format!("inline_policy[{name}]"),
                    policy,
                    &documents,
                );
            }
        }
        if let Some(list) = b.values.get("managed_policy_arns") {
            if expression(list).is_some() {
                role.unread.push("its `managed_policy_arns`".into());
            }
            for arn in list.items() {
                add_policy_arn(&mut role, arn, &blocks, &documents);
            }
        }
        roles.insert(
            b.name.clone(),
            InputRole {
                policies: role,
                pos: b.this_file.then_some(b.values.pos),
            },
        );
    }
    // A module given the role (its name, ARN or id) may attach policies the input does not
    // show.
    for (name, r) in roles.iter_mut() {
        for module in modules_given(files, "aws_iam_role", name) {
            r.policies
                .unread
                .push(format!("what `module.{module}` may attach to it"));
        }
    }
    for b in blocks.iter().filter(|b| !b.data) {
        let address = format!("{}.{}", b.ty, b.name);
        // A policy or attachment that may not exist (`count`, `for_each` known only at apply
        // time) grants nothing for sure: it is unread, never taken for a grant.
        let instances = exists(&b.values);
        match instances {
            Some(false) => continue,
            None if b.ty.starts_with("aws_iam_role_polic")
                || b.ty == "aws_iam_policy_attachment" =>
            {
                let named: Vec<String> = ["role", "roles", "role_name"]
                    .iter()
                    .filter_map(|k| b.values.get(k))
                    .flat_map(|n| {
                        if n.is_seq() {
                            n.items().iter().collect::<Vec<_>>()
                        } else {
                            vec![n]
                        }
                    })
                    .filter_map(|n| role_named(n, &blocks))
                    .collect();
                for role in named {
                    if let Some(r) = roles.get_mut(&role) {
                        r.policies.unread.push(format!(
                            "`{address}` (whether it exists is known only at apply time)"
                        ));
                    }
                }
                continue;
            }
            _ => {}
        }
        let targets = |key: &str| -> Vec<String> {
            let nodes: Vec<&Node> = match b.values.get(key) {
                Some(n) if n.is_seq() => n.items().iter().collect(),
                Some(n) => vec![n],
                None => Vec::new(),
            };
            nodes
                .into_iter()
                .filter_map(|n| role_named(n, &blocks))
                .collect()
        };
        match b.ty.as_str() {
            "aws_iam_role_policy" => {
                for role in targets("role") {
                    if let (Some(r), Some(policy)) = (roles.get_mut(&role), b.values.get("policy"))
                    {
                        add_policy(&mut r.policies, address.clone(), policy, &documents);
                    }
                }
            }
            // Attaches the whole list; policies it names by ARN are read as attachments are.
            "aws_iam_role_policy_attachments_exclusive" => {
                for role in targets("role_name") {
                    if let (Some(r), Some(arns)) =
                        (roles.get_mut(&role), b.values.get("policy_arns"))
                    {
                        if expression(arns).is_some() {
                            r.policies.unread.push(format!("`{address}`"));
                        }
                        for arn in arns.items() {
                            add_policy_arn(&mut r.policies, arn, &blocks, &documents);
                        }
                    }
                }
            }
            "aws_iam_role_policy_attachment" | "aws_iam_policy_attachment" => {
                let key = if b.ty == "aws_iam_role_policy_attachment" {
                    "role"
                } else {
                    "roles"
                };
                for role in targets(key) {
                    if let (Some(r), Some(arn)) = (roles.get_mut(&role), b.values.get("policy_arn"))
                    {
                        add_policy_arn(&mut r.policies, arn, &blocks, &documents);
                    }
                }
            }
            _ => {}
        }
    }
    roles
}

/// The role a `role = ...` value names: a reference to an `aws_iam_role`, or the literal name
/// of one (its `name` attribute).
fn role_named(node: &Node, blocks: &[Block]) -> Option<String> {
    if let Some(text) = expression(node) {
        return referenced(text, "aws_iam_role");
    }
    let literal = node.as_str()?;
    blocks
        .iter()
        .find(|b| {
            !b.data
                && b.ty == "aws_iam_role"
                && b.values.get("name").and_then(Node::as_str) == Some(literal)
        })
        .map(|b| b.name.clone())
}

fn add_policy_arn(
    role: &mut RolePolicies,
    arn: &Node,
    blocks: &[Block],
    documents: &BTreeMap<&str, Result<Node, String>>,
) {
    if let Some(text) = expression(arn) {
        if let Some(name) = referenced(text, "aws_iam_policy")
            && let Some(policy) = blocks
                .iter()
                .find(|b| !b.data && b.ty == "aws_iam_policy" && b.name == name)
            && let Some(doc) = policy.values.get("policy")
        {
            add_policy(role, format!("aws_iam_policy.{name}"), doc, documents);
        } else if let Some(name) = managed_name_in(text) {
            add_arn(role, &format!("arn:aws:iam::aws:policy/{name}"));
        } else {
            role.unread.push(format!("`{text}`"));
        }
        return;
    }
    match arn.as_str() {
        Some(a) => add_arn(role, a),
        None => role
            .unread
            .push("a policy ARN known only at apply time".into()),
    }
}

/// A `policy` value: `jsonencode({...})`, a JSON string or heredoc, or a policy document's
/// `.json`.
fn add_policy(
    role: &mut RolePolicies,
    name: String,
    policy: &Node,
    documents: &BTreeMap<&str, Result<Node, String>>,
) {
    if let Some(text) = expression(policy) {
        let doc = referenced(text, "data.aws_iam_policy_document")
            .and_then(|d| documents.get(d.as_str()));
        match doc {
            Some(Ok(d)) => add_document(role, name, d, &to_json),
            Some(Err(why)) => role.unread.push(format!("`{name}` ({why})")),
            // A JSON heredoc or string with interpolations: JSON once they are unknowns.
            None => match text
                .strip_prefix('"')
                .and_then(|t| t.strip_suffix('"'))
                .and_then(crate::lint::hcl_eval::parse_json_template)
            {
                Some(d) if d.is_map() => add_document(role, name, &d, &to_json),
                _ => role.unread.push(format!("`{name}` (`{text}`)")),
            },
        }
        return;
    }
    match &policy.kind {
        NodeKind::Map(_) => add_document(role, name, policy, &to_json),
        NodeKind::String(s) => match serde_json::from_str::<Value>(s) {
            Ok(v) => add_json(role, name, v),
            Err(_) => role.unread.push(format!("`{name}` (not JSON)")),
        },
        _ => role.unread.push(format!("`{name}`")),
    }
}

/// A `data "aws_iam_policy_document"` as a policy document in the JSON shape, its unknown
/// values kept as unknowns (a statement with one is read as [`add_document`] reads any);
/// `Err` when it merges other documents or a block is malformed.
fn policy_document(values: &Node) -> Result<Node, String> {
    for merged in [
        "source_policy_documents",
        "override_policy_documents",
        "source_json",
        "override_json",
    ] {
        if values.get(merged).is_some() {
            return Err(format!("it merges `{merged}`"));
        }
    }
    let at = values.pos;
    let entry = |key: &str, value: Node| Entry {
        key: key.to_string(),
        key_pos: value.pos,
        value,
    };
    let mut statements = Vec::new();
    for s in values.get("statement").map_or(&[][..], Node::items) {
        let mut out = Vec::new();
        if let Some(sid) = s.get("sid") {
            out.push(entry("Sid", sid.clone()));
        }
        let effect = s
            .get("effect")
            .cloned()
            .unwrap_or_else(|| Node::new(s.pos, NodeKind::String("Allow".into())));
        out.push(entry("Effect", effect));
        for (key, element) in [
            ("actions", "Action"),
            ("not_actions", "NotAction"),
            ("resources", "Resource"),
            ("not_resources", "NotResource"),
        ] {
            if let Some(v) = s.get(key) {
                out.push(entry(element, v.clone()));
            }
        }
        for (key, element) in [
            ("principals", "Principal"),
            ("not_principals", "NotPrincipal"),
        ] {
            let mut principals = Vec::new();
            for p in s.get(key).map_or(&[][..], Node::items) {
                let (Some(ty), Some(ids)) =
                    (p.get("type").and_then(Node::as_str), p.get("identifiers"))
                else {
                    return Err(format!("a `{key}` block"));
                };
                principals.push(entry(ty, ids.clone()));
            }
            if !principals.is_empty() {
                out.push(entry(element, Node::new(s.pos, NodeKind::Map(principals))));
            }
        }
        let mut tests: Vec<Entry> = Vec::new();
        for c in s.get("condition").map_or(&[][..], Node::items) {
            let (Some(test), Some(variable), Some(values)) = (
                c.get("test").and_then(Node::as_str),
                c.get("variable").and_then(Node::as_str),
                c.get("values"),
            ) else {
                return Err("a `condition` block".into());
            };
            let pair = entry(variable, values.clone());
            match tests.iter_mut().find(|e| e.key == test) {
                Some(e) => {
                    if let NodeKind::Map(m) = &mut e.value.kind {
                        m.push(pair);
                    }
                }
                None => tests.push(entry(test, Node::new(c.pos, NodeKind::Map(vec![pair])))),
            }
        }
        if !tests.is_empty() {
            out.push(entry("Condition", Node::new(s.pos, NodeKind::Map(tests))));
        }
        statements.push(Node::new(s.pos, NodeKind::Map(out)));
    }
    Ok(Node::new(
        at,
        NodeKind::Map(vec![entry(
            "Statement",
            Node::new(at, NodeKind::Seq(statements)),
        )]),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_name_the_resource() {
        assert_eq!(
            referenced("aws_iam_role.task.arn", "aws_iam_role").as_deref(),
            Some("task")
        );
        assert_eq!(
            referenced("aws_iam_role.task[0].arn", "aws_iam_role").as_deref(),
            Some("task")
        );
        assert_eq!(
            referenced("\"${aws_iam_role.t-1.id}\"", "aws_iam_role").as_deref(),
            Some("t-1")
        );
        assert_eq!(
            referenced(
                "data.aws_iam_policy_document.exec.json",
                "data.aws_iam_policy_document"
            )
            .as_deref(),
            Some("exec")
        );
        assert_eq!(
            referenced("aws_iam_role.task.arn == x", "aws_iam_role"),
            None
        );
        assert_eq!(referenced("module.role.arn", "aws_iam_role"), None);
        assert_eq!(referenced("var.task_role_arn", "aws_iam_role"), None);
    }
}
