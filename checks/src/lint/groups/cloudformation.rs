//! Security groups of a CloudFormation template: `AWS::EC2::SecurityGroup` (without
//! `SecurityGroupEgress` it keeps the default allow-all rule) and `AWS::EC2::SecurityGroupEgress`.

use super::{Groups, destinations, rule, service_fact};
use crate::lint::LintUnit;
use crate::lint::cloudformation::{mentioned_ids, referenced_id};
use crate::lint::tree::Node;
use crate::model::{InputGroup, InputRule};

/// One egress rule's properties (an item of `SecurityGroupEgress`, or the properties of an
/// `AWS::EC2::SecurityGroupEgress`).
fn egress_rule(props: &Node, source: String) -> Result<InputRule, String> {
    let to = destinations(
        props,
        &[
            "CidrIp",
            "DestinationSecurityGroupId",
            "DestinationPrefixListId",
        ],
        &|n: &Node| referenced_id(n),
    );
    rule(
        props.get("IpProtocol"),
        props.get("FromPort"),
        props.get("ToPort"),
        to,
        source,
    )
}

/// The template's security groups.
pub fn groups(root: &Node) -> Groups {
    let resources = root.get("Resources").map_or(&[][..], Node::entries);
    let ty = |n: &Node| n.get("Type").and_then(Node::as_str).map(str::to_string);
    let mut groups = Groups::new();
    for e in resources
        .iter()
        .filter(|e| ty(&e.value).as_deref() == Some("AWS::EC2::SecurityGroup"))
    {
        let mut g = InputGroup {
            name: e.key.clone(),
            ..Default::default()
        };
        match e
            .value
            .get("Properties")
            .and_then(|p| p.get("SecurityGroupEgress"))
        {
            None => g.egress.push(InputRule {
                protocol: "-1".into(),
                from_port: None,
                to_port: None,
                to: vec!["0.0.0.0/0".into()],
                source: format!(
                    "the default allow-all egress rule of {} (it sets no SecurityGroupEgress)",
                    e.key
                ),
            }),
            Some(list) if list.is_seq() => {
                for (i, r) in list.items().iter().enumerate() {
                    let source = format!("SecurityGroupEgress #{} of {}", i + 1, e.key);
                    match egress_rule(r, source) {
                        Ok(r) => g.egress.push(r),
                        Err(why) => g.unread.push(why),
                    }
                }
            }
            Some(_) => g.unread.push(format!(
                "the SecurityGroupEgress of {} (known only at deploy time)",
                e.key
            )),
        }
        groups.insert(e.key.clone(), g);
    }
    for e in resources {
        let t = ty(&e.value).unwrap_or_default();
        let props = e.value.get("Properties");
        if t == "AWS::EC2::SecurityGroupEgress" {
            let Some(g) = props
                .and_then(|p| p.get("GroupId"))
                .and_then(referenced_id)
                .and_then(|id| groups.get_mut(&id).map(|g| (id, g)))
                .map(|(_, g)| g)
            else {
                continue;
            };
            let Some(p) = props else { continue };
            match egress_rule(p, format!("`{}`", e.key)) {
                Ok(r) => g.egress.push(r),
                Err(why) => g.unread.push(why),
            }
        } else if t == "AWS::CloudFormation::Stack" || t.starts_with("Custom::") {
            for id in mentioned_ids(&e.value, &|id| groups.contains_key(id)) {
                if let Some(g) = groups.get_mut(&id) {
                    g.unread
                        .push(format!("the rules `{}` ({t}) may add", e.key));
                }
            }
        }
    }
    groups
}

/// Attaches the service facts to the template's service units.
pub fn attach(root: &Node, units: &mut [LintUnit]) {
    let groups = groups(root);
    for unit in units.iter_mut().filter(|u| u.service.is_some()) {
        let Some(props) = unit.locator.resolved.clone() else {
            continue;
        };
        let network = props
            .get("NetworkConfiguration")
            .and_then(|n| n.get("AwsvpcConfiguration"));
        let list = network.and_then(|n| n.get("SecurityGroups"));
        unit.service_security_groups =
            Some(service_fact(network, list, &groups, &|n| referenced_id(n)));
    }
}
