//! Context keys the exec agent's requests carry that a first simulation of its role named as
//! missing, read from the task's own facts: the VPC endpoint its path goes through
//! (`aws:SourceVpce`, `aws:SourceVpc`) and the role's tags (`aws:PrincipalTag/*`). A key the
//! facts show the request does not carry (no endpoint on the path, a tag the role lacks) is
//! *absent*: the simulator's answer without it is the real one. Keys the facts cannot settle
//! stay missing, and the judgement then says the decision depends on them.
//!
//! The agent's calls to ssmmessages, KMS, CloudWatch Logs and S3 carry no `ecs:*` key (the
//! service authorization reference lists only global keys for those actions), so none is
//! added here.

use std::collections::BTreeMap;

use crate::model::{Network, SimResult};
use crate::network::path::{self, Service, Via};

/// What the task's facts say about the keys one result named missing.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Settled {
    /// Keys with the value the real request carries.
    pub values: BTreeMap<String, String>,
    /// Keys the real request does not carry.
    pub absent: Vec<String>,
}

impl Settled {
    pub fn is_empty(&self) -> bool {
        self.values.is_empty() && self.absent.is_empty()
    }
}

/// The service an action of the agent's role goes to.
fn service_of(action: &str) -> Option<Service> {
    let prefix = action.split(':').next()?.to_ascii_lowercase();
    [path::SSMMESSAGES, path::KMS, path::LOGS, path::S3]
        .into_iter()
        .find(|s| s.name == prefix)
}

/// The endpoint the request to `service` goes through (`Some(Some(id))`), none
/// (`Some(None)`: the public name over the default route), or `None` when the facts cannot
/// say (a custom DNS server, an S3 gateway endpoint whose routes were not read).
fn endpoint_on_path(net: &Network, region: &str, service: Service) -> Option<Option<String>> {
    if path::custom_dns(net, region, service).is_some() {
        return None;
    }
    if let Via::Endpoint(ep) = path::via_to(net, region, service) {
        return Some(Some(ep.id.clone()));
    }
    // S3 through a gateway endpoint on the subnet's route table: those requests carry the
    // gateway endpoint's id.
    if service == path::S3
        && let Some(gw) = crate::network::endpoint_for(net, region, "s3")
            .filter(|e| e.endpoint_type.eq_ignore_ascii_case("gateway"))
    {
        if !net.routes_known || net.routes.is_empty() {
            return None;
        }
        if net.routes.iter().any(|r| r.target == gw.id) {
            return Some(Some(gw.id.clone()));
        }
    }
    Some(None)
}

/// The values `result`'s missing keys take in the agent's real request, as far as the
/// task's network (`None`: not read) and the role's tags (`None`: not read) show them.
pub fn settle(
    result: &SimResult,
    net: Option<&Network>,
    region: &str,
    role_tags: Option<&BTreeMap<String, String>>,
) -> Settled {
    let mut settled = Settled::default();
    for key in &result.missing_context {
        let lower = key.to_ascii_lowercase();
        if let Some(tag) = lower.strip_prefix("aws:principaltag/") {
            let Some(tags) = role_tags else { continue };
            match tags.iter().find(|(k, _)| k.eq_ignore_ascii_case(tag)) {
                Some((_, v)) => {
                    settled.values.insert(key.clone(), v.clone());
                }
                None => settled.absent.push(key.clone()),
            }
            continue;
        }
        if lower != "aws:sourcevpce" && lower != "aws:sourcevpc" {
            continue;
        }
        let (Some(net), Some(service)) = (net, service_of(&result.action)) else {
            continue;
        };
        match endpoint_on_path(net, region, service) {
            Some(Some(endpoint)) => {
                let value = if lower == "aws:sourcevpce" {
                    endpoint
                } else {
                    net.vpc_id.clone()
                };
                settled.values.insert(key.clone(), value);
            }
            Some(None) => settled.absent.push(key.clone()),
            None => {}
        }
    }
    settled
}

/// Where a value read from the task's facts came from, for evidence.
pub fn read_words(key: &str, value: &str) -> String {
    let lower = key.to_ascii_lowercase();
    if lower == "aws:sourcevpce" {
        format!("{key}={value} (the VPC endpoint on the agent's path)")
    } else if lower == "aws:sourcevpc" {
        format!("{key}={value} (the task's VPC, reached through an endpoint)")
    } else if lower.starts_with("aws:principaltag/") {
        format!("{key}={value} (the role's tag)")
    } else {
        format!("{key}={value}")
    }
}

/// Why a key is absent from the agent's real request, for evidence.
pub fn absent_words(key: &str) -> String {
    if key.to_ascii_lowercase().starts_with("aws:principaltag/") {
        format!("{key} is not set: the role has no such tag")
    } else {
        format!(
            "{key} is not set: the agent's path reaches the service by its public name, through no VPC endpoint"
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Decision, Route, VpcEndpoint};

    fn missing(action: &str, keys: &[&str]) -> SimResult {
        SimResult {
            missing_context: keys.iter().map(|k| k.to_string()).collect(),
            ..SimResult::new(action, "*", Decision::ImplicitDeny)
        }
    }

    fn endpoint(service: &str, kind: &str) -> VpcEndpoint {
        VpcEndpoint {
            id: format!("vpce-{service}"),
            service_name: format!("com.amazonaws.us-east-1.{service}"),
            endpoint_type: kind.into(),
            state: "available".into(),
            private_dns_enabled: kind == "Interface",
            ..Default::default()
        }
    }

    fn net(endpoints: Vec<VpcEndpoint>) -> Network {
        Network {
            subnet_id: "subnet-1".into(),
            vpc_id: "vpc-1".into(),
            endpoints,
            routes_known: true,
            ..Default::default()
        }
    }

    #[test]
    fn the_endpoint_on_the_path_is_the_source_vpce_of_that_service_only() {
        let n = net(vec![endpoint("ssmmessages", "Interface")]);
        let r = missing(
            "ssmmessages:OpenDataChannel",
            &["aws:SourceVpce", "aws:SourceVpc"],
        );
        let s = settle(&r, Some(&n), "us-east-1", None);
        assert_eq!(s.values["aws:SourceVpce"], "vpce-ssmmessages");
        assert_eq!(s.values["aws:SourceVpc"], "vpc-1");
        // KMS has no endpoint here: its request goes out by the public name, without the key.
        let k = settle(
            &missing("kms:Decrypt", &["aws:SourceVpce"]),
            Some(&n),
            "us-east-1",
            None,
        );
        assert_eq!(k.absent, vec!["aws:SourceVpce".to_string()]);
        assert!(k.values.is_empty());
    }

    #[test]
    fn what_the_facts_cannot_show_stays_missing() {
        let r = missing(
            "ssmmessages:OpenDataChannel",
            &["aws:SourceVpce", "aws:SourceIp"],
        );
        // The network was not read.
        assert!(settle(&r, None, "us-east-1", None).is_empty());
        // A custom DNS server decides where the name resolves.
        let mut n = net(vec![endpoint("ssmmessages", "Interface")]);
        n.dhcp_options = Some(crate::model::DhcpOptions {
            id: "dopt-1".into(),
            domain_name_servers: vec!["10.0.0.2".into()],
        });
        assert!(settle(&r, Some(&n), "us-east-1", None).is_empty());
        // An S3 gateway endpoint whose route table was not read.
        let mut n = net(vec![endpoint("s3", "Gateway")]);
        n.routes_known = false;
        assert!(
            settle(
                &missing("s3:PutObject", &["aws:SourceVpce"]),
                Some(&n),
                "us-east-1",
                None
            )
            .is_empty()
        );
    }

    #[test]
    fn an_s3_gateway_endpoint_on_the_route_table_is_the_source_vpce() {
        let mut n = net(vec![endpoint("s3", "Gateway")]);
        n.routes = vec![Route {
            destination: "pl-63a5400a".into(),
            target: "vpce-s3".into(),
            state: "active".into(),
        }];
        let s = settle(
            &missing("s3:PutObject", &["aws:SourceVpce"]),
            Some(&n),
            "us-east-1",
            None,
        );
        assert_eq!(s.values["aws:SourceVpce"], "vpce-s3");
    }

    #[test]
    fn the_roles_tags_settle_principal_tag_keys() {
        let tags = BTreeMap::from([("Team".to_string(), "payments".to_string())]);
        let r = missing(
            "ssmmessages:CreateControlChannel",
            &["aws:PrincipalTag/team", "aws:PrincipalTag/cost-center"],
        );
        let s = settle(&r, None, "us-east-1", Some(&tags));
        assert_eq!(s.values["aws:PrincipalTag/team"], "payments");
        assert_eq!(s.absent, vec!["aws:PrincipalTag/cost-center".to_string()]);
        // Tags not read: nothing settled.
        assert!(settle(&r, None, "us-east-1", None).is_empty());
    }
}
