//! Task roles in a CloudFormation template (CDK synth output included): `AWS::IAM::Role` with
//! its `Policies` and `ManagedPolicyArns`, and the `AWS::IAM::Policy`,
//! `AWS::IAM::ManagedPolicy` and `AWS::IAM::RolePolicy` resources attached to it by
//! `Roles: [!Ref Role]` / `RoleName: !Ref Role`. A task definition's
//! `TaskRoleArn: !GetAtt Role.Arn` (or `!Ref Role`) names the role.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{Converted, InputRole, Roles, add_arn, add_document, managed_name_in, plain_json};
use crate::lint::cloudformation::{intrinsic, mentioned_ids, referenced_id};
use crate::lint::tree::{Node, NodeKind};
use crate::model::RolePolicies;

pub const ROLE: &str = "AWS::IAM::Role";

/// A string whose only deploy-time parts are the partition and URL suffix (how templates
/// and CDK write AWS managed policy ARNs): `!Sub arn:${AWS::Partition}:...`, `Fn::Join` of
/// strings and `Ref AWS::Partition`.
fn static_string(node: &Node) -> Option<String> {
    if let Some(s) = node.as_str()
        && !matches!(node.kind, NodeKind::Tagged { .. })
    {
        return Some(s.to_string());
    }
    let (name, arg) = intrinsic(node)?;
    match name {
        "Ref" => match arg.as_str()? {
            "AWS::Partition" => Some("aws".into()),
            "AWS::URLSuffix" => Some("amazonaws.com".into()),
            _ => None,
        },
        "Fn::Sub" => {
            let text = arg.as_str()?;
            let text = text
                .replace("${AWS::Partition}", "aws")
                .replace("${AWS::URLSuffix}", "amazonaws.com");
            (!text.contains("${")).then_some(text)
        }
        "Fn::Join" => {
            let items = arg.items();
            let sep = items.first()?.as_str()?;
            let parts: Option<Vec<String>> =
                items.get(1)?.items().iter().map(static_string).collect();
            Some(parts?.join(sep))
        }
        _ => None,
    }
}

/// A policy document's value as JSON; intrinsics other than the partition are unknown.
fn to_json(node: &Node) -> Converted {
    plain_json(node, &|n| {
        let (name, _) = intrinsic(n)?;
        Some(match static_string(n) {
            Some(s) => Ok(Value::String(s)),
            None => Err(format!("`{name}`")),
        })
    })
}

/// The roles the template defines, with the policies it attaches to them.
pub fn roles(root: &Node) -> Roles {
    let resources = root.get("Resources").map_or(&[][..], Node::entries);
    let mut roles = Roles::new();
    let ty = |n: &Node| n.get("Type").and_then(Node::as_str).map(str::to_string);
    let managed: BTreeMap<&str, &Node> = resources
        .iter()
        .filter(|e| ty(&e.value).as_deref() == Some("AWS::IAM::ManagedPolicy"))
        .map(|e| (e.key.as_str(), &e.value))
        .collect();
    for entry in resources {
        if ty(&entry.value).as_deref() != Some(ROLE) {
            continue;
        }
        let mut role = RolePolicies {
            role: entry.key.clone(),
            ..Default::default()
        };
        let props = entry.value.get("Properties");
        let get = |k: &str| props.and_then(|p| p.get(k));
        if let Some(list) = get("Policies") {
            if !list.is_seq() {
                role.unread
                    .push("its `Policies` (known only at deploy time)".into());
            }
            for (i, p) in list.items().iter().enumerate() {
                let name = p
                    .get("PolicyName")
                    .and_then(static_string)
                    .unwrap_or_else(|| format!("#{}", i + 1));
                match p.get("PolicyDocument") {
                    Some(doc) if doc.is_map() && intrinsic(doc).is_none() => {
                        add_document(&mut role, format!("Policies[{name}]"), doc, &to_json)
                    }
                    _ => role.unread.push(format!("`Policies[{name}]`")),
                }
            }
        }
        if let Some(list) = get("ManagedPolicyArns") {
            if !list.is_seq() {
                role.unread
                    .push("its `ManagedPolicyArns` (known only at deploy time)".into());
            }
            for item in list.items() {
                if let Some(id) = referenced_id(item)
                    && let Some(policy) = managed.get(id.as_str())
                {
                    add_resource_document(&mut role, &id, policy);
                } else if let Some(arn) = static_string(item) {
                    add_arn(&mut role, &arn);
                } else {
                    role.unread.push(describe(item));
                }
            }
        }
        roles.insert(
            entry.key.clone(),
            InputRole {
                policies: role,
                pos: Some(entry.key_pos),
            },
        );
    }
    // A role named by its `RoleName` (`Roles: [my-task-role]`) is the same role.
    let by_name: BTreeMap<String, String> = resources
        .iter()
        .filter(|e| roles.contains_key(&e.key))
        .filter_map(|e| {
            let name = e
                .value
                .get("Properties")?
                .get("RoleName")
                .and_then(static_string)?;
            Some((name, e.key.clone()))
        })
        .collect();
    let role_of = |n: &Node| {
        referenced_id(n).or_else(|| static_string(n).and_then(|s| by_name.get(&s).cloned()))
    };
    // Policies that name the role: `Roles: [!Ref Role]` (Policy, ManagedPolicy) and
    // `RoleName: !Ref Role` (RolePolicy).
    for entry in resources {
        let Some(t) = ty(&entry.value) else { continue };
        let props = entry.value.get("Properties");
        let targets: Vec<String> = match t.as_str() {
            "AWS::IAM::Policy" | "AWS::IAM::ManagedPolicy" => props
                .and_then(|p| p.get("Roles"))
                .map(|l| l.items().iter().filter_map(role_of).collect())
                .unwrap_or_default(),
            "AWS::IAM::RolePolicy" => props
                .and_then(|p| p.get("RoleName"))
                .and_then(role_of)
                .into_iter()
                .collect(),
            // A nested stack, a custom resource or a transform's resource that is given the
            // role may attach policies to it that this template does not show.
            t if t == "AWS::CloudFormation::Stack"
                || t.starts_with("Custom::")
                || t == "AWS::CloudFormation::CustomResource"
                || t.starts_with("AWS::Serverless::") =>
            {
                for id in mentioned_ids(&entry.value, &|id| roles.contains_key(id)) {
                    if let Some(role) = roles.get_mut(&id) {
                        role.policies
                            .unread
                            .push(format!("what `{}` ({t}) may attach to it", entry.key));
                    }
                }
                continue;
            }
            _ => continue,
        };
        for id in targets {
            if let Some(role) = roles.get_mut(&id) {
                add_resource_document(&mut role.policies, &entry.key, &entry.value);
            }
        }
    }
    roles
}

/// The `PolicyDocument` of a policy resource, under its logical id.
fn add_resource_document(role: &mut RolePolicies, id: &str, resource: &Node) {
    match resource
        .get("Properties")
        .and_then(|p| p.get("PolicyDocument"))
    {
        Some(doc) if doc.is_map() && intrinsic(doc).is_none() => {
            add_document(role, id.to_string(), doc, &to_json)
        }
        _ => role.unread.push(format!("`{id}`")),
    }
}

fn describe(node: &Node) -> String {
    match intrinsic(node) {
        Some((name, arg)) => {
            let detail = arg.scalar_text().unwrap_or_default();
            match managed_name_in(&detail) {
                Some(m) => format!("`{m}`"),
                None => format!("`{name} {detail}`"),
            }
        }
        None => "a managed policy known only at deploy time".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::yaml;

    #[test]
    fn roles_with_their_attached_policies() {
        let t = r#"
Resources:
  TaskRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {}
      ManagedPolicyArns:
        - !Sub arn:${AWS::Partition}:iam::aws:policy/AmazonSSMManagedInstanceCore
        - !Ref Custom
        - arn:aws:iam::123456789012:policy/theirs
      Policies:
        - PolicyName: s3
          PolicyDocument:
            Statement:
              - Effect: Allow
                Action: s3:PutObject
                Resource: !Sub arn:aws:s3:::${Bucket}/*
              - Effect: Allow
                Action: dynamodb:GetItem
                Resource: !GetAtt Table.Arn
  Custom:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Statement: [{Effect: Allow, Action: 'logs:*', Resource: '*'}]
  Extra:
    Type: AWS::IAM::Policy
    Properties:
      Roles: [!Ref TaskRole]
      PolicyDocument:
        Statement: {Effect: Deny, Action: 'ssmmessages:OpenDataChannel', Resource: '*'}
"#;
        let root = yaml::parse(t).unwrap();
        let roles = roles(&root);
        let role = &roles["TaskRole"].policies;
        let names: Vec<&str> = role.policies.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "Policies[s3]",
                "AmazonSSMManagedInstanceCore (AWS managed)",
                "Custom",
                "Extra"
            ]
        );
        assert_eq!(role.unread, ["`arn:aws:iam::123456789012:policy/theirs`"]);
        // The S3 statement bears on the exec agent's writes; the DynamoDB one does not.
        assert_eq!(
            role.unread_statements.len(),
            1,
            "{:?}",
            role.unread_statements
        );
        assert!(role.unread_statements[0].contains("statement #1 of `Policies[s3]`"));
        // By its name, and given to a nested stack.
        let more = format!("{t}  Named:\n    Type: AWS::IAM::Policy\n    Properties:\n      Roles: [task-role]\n      PolicyDocument: {{Statement: {{Effect: Allow, Action: 'ssmmessages:*', Resource: '*'}}}}\n  Nested:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n      Parameters: {{Role: !GetAtt TaskRole.Arn}}\n").replace("      AssumeRolePolicyDocument: {}", "      RoleName: task-role\n      AssumeRolePolicyDocument: {}");
        let roles2 = super::roles(&yaml::parse(&more).unwrap());
        let role2 = &roles2["TaskRole"].policies;
        assert!(
            role2.policies.iter().any(|p| p.name == "Named"),
            "{role2:?}"
        );
        assert!(
            role2.unread.iter().any(|u| u.contains("`Nested`")),
            "{role2:?}"
        );
        let json_form = serde_json::json!({"Fn::GetAtt": ["TaskRole", "Arn"]}).to_string();
        let node = crate::lint::json::parse(&json_form).unwrap();
        assert_eq!(referenced_id(&node).as_deref(), Some("TaskRole"));
    }
}
