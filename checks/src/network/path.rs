//! The path the exec agent's HTTPS connections take, decided once and read by every network
//! check and by the hop-by-hop view of the report: through an interface endpoint (when
//! private DNS makes the agent resolve to it), a gateway endpoint (S3) or the subnet's default
//! route to the internet. The same walk serves `ssmmessages` (NW001, NW003, NW004, NW005 and
//! the drawn path) and the KMS, CloudWatch Logs and S3 services the exec configuration needs
//! (NW002).

use super::rules::{Net4, Peer, Reach};
use crate::facts::{Facts, Unavailable};
use crate::model::Hop;
use crate::model::{Interface, InterfaceSource, Network, Task, VpcEndpoint};
use crate::outcome::Status;

/// A service the exec session reaches from the task, and the calls the task role makes there
/// (what an endpoint policy must allow).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Service {
    pub name: &'static str,
    pub actions: &'static [&'static str],
}

/// The agent's control and data channels.
pub const SSMMESSAGES: Service = Service {
    name: "ssmmessages",
    actions: &crate::fixes::SSMMESSAGES_ACTIONS,
};
/// Session encryption with the cluster's KMS key: the agent decrypts the data key.
pub const KMS: Service = Service {
    name: "kms",
    actions: &["kms:Decrypt"],
};
/// Session logging to CloudWatch Logs.
pub const LOGS: Service = Service {
    name: "logs",
    actions: &[
        "logs:DescribeLogGroups",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
    ],
};
/// Session logging to S3.
pub const S3: Service = Service {
    name: "s3",
    actions: &["s3:GetEncryptionConfiguration", "s3:PutObject"],
};

/// The services the cluster's exec configuration makes the agent reach besides
/// ssmmessages, each with what needs it.
pub fn dependencies(config: &crate::model::ExecConfig) -> Vec<(Service, &'static str)> {
    let mut needed = Vec::new();
    if config.kms_key_id.is_some() {
        needed.push((KMS, "the exec KMS key"));
    }
    if config.logging == "OVERRIDE" && config.cloud_watch_log_group.is_some() {
        needed.push((LOGS, "CloudWatch session logging"));
    }
    if config.logging == "OVERRIDE" && config.s3_bucket.is_some() {
        needed.push((S3, "S3 session logging"));
    }
    needed
}

/// Where the agent's connection goes.
pub enum Via<'a> {
    /// The VPC's interface endpoint for the service, reached through private DNS.
    Endpoint(&'a VpcEndpoint),
    /// The service's public name, through the default route (or, for S3, a gateway endpoint
    /// on the subnet's route table).
    Internet,
}

/// The ssmmessages endpoint the agent resolves to, if the VPC makes private DNS work for it.
pub fn via<'a>(net: &'a Network, region: &str) -> Via<'a> {
    via_to(net, region, SSMMESSAGES)
}

/// The interface endpoint of `service` the agent resolves to, if the VPC makes private DNS
/// work for it.
pub fn via_to<'a>(net: &'a Network, region: &str, service: Service) -> Via<'a> {
    match super::endpoint_for(net, region, service.name) {
        Some(ep)
            if ep.private_dns_enabled
                && !ep.endpoint_type.eq_ignore_ascii_case("gateway")
                && net.dns_support != Some(false)
                && net.dns_hostnames != Some(false) =>
        {
            Via::Endpoint(ep)
        }
        _ => Via::Internet,
    }
}

/// What the task's security groups let out on TCP 443 towards `dest`, as NW003 and the drawn
/// path both judge it: towards the internet, block by block over the public address space and
/// without other services' AWS-managed prefix lists (which never hold ssmmessages'
/// addresses, listed in the second value for evidence).
pub fn sg_reach(
    interface: &crate::model::Interface,
    firewall: &crate::model::Firewall,
    via: &Via<'_>,
    dest: &Peer,
    service: Service,
) -> (Reach, Vec<String>) {
    let (prefix_lists, foreign) = match via {
        Via::Internet => firewall.prefix_lists_towards(service.name),
        Via::Endpoint(_) => (firewall.prefix_lists.clone(), Vec::new()),
    };
    let egress = |peer: &Peer| {
        super::rules::sg_egress(
            &interface.security_groups,
            &firewall.security_groups,
            443,
            peer,
            &prefix_lists,
        )
    };
    let reach = match via {
        Via::Internet => towards_internet(|block| {
            egress(&Peer {
                nets: vec![*block],
                groups: vec![],
            })
        }),
        Via::Endpoint(_) => egress(dest),
    };
    (reach, foreign)
}

/// Whether the endpoint's private DNS name can resolve in the VPC: a DHCP option set whose
/// DNS servers do not include `AmazonProvidedDNS` sends the agent's lookup to servers that
/// answer with the endpoint only if they forward to the VPC resolver, which no API shows.
/// `None` when the VPC uses the Amazon-provided DNS (or the option set was not read).
pub fn custom_dns(net: &Network, region: &str, service: Service) -> Option<String> {
    let options = net.dhcp_options.as_ref()?;
    if options
        .domain_name_servers
        .iter()
        .any(|s| s.eq_ignore_ascii_case("AmazonProvidedDNS"))
    {
        return None;
    }
    Some(format!(
        "VPC `{}` uses DHCP option set `{}` with DNS servers {} and no AmazonProvidedDNS: {}.{region}.amazonaws.com resolves to the endpoint only if those servers forward amazonaws.com to the VPC resolver",
        net.vpc_id,
        options.id,
        options.domain_name_servers.join(", "),
        service.name
    ))
}

/// The far side of the connection for security-group and ACL evaluation.
pub fn destination(net: &Network, via: &Via<'_>) -> Peer {
    match via {
        Via::Endpoint(ep) => Peer {
            nets: endpoint_nets(net, ep),
            groups: ep.security_groups.clone(),
        },
        Via::Internet => Peer {
            nets: vec![Net4::ANY],
            groups: vec![],
        },
    }
}

/// The CIDR blocks of the endpoint's subnets (its network interfaces live there).
pub fn endpoint_nets(net: &Network, ep: &VpcEndpoint) -> Vec<Net4> {
    ep.subnet_ids
        .iter()
        .filter_map(|s| net.subnet_cidrs.get(s))
        .filter_map(|c| Net4::parse(c))
        .collect()
}

/// What the default route concludes.
pub enum RouteOutcome {
    /// The route leads out (evidence).
    Works(String),
    /// It does not (message, the resource that breaks it).
    Broken(String, String),
    /// The route leaves through something the doctor cannot see beyond (message, resource).
    CannotVerify(String, String),
}

/// The subnet's default route, hop by hop: the target must exist and be available, and an
/// internet gateway needs a public IP on the interface.
pub fn internet_route(
    net: &Network,
    task: &Task,
    interface: Result<&Interface, &Unavailable>,
) -> Result<RouteOutcome, Unavailable> {
    let table = net
        .route_table_id
        .clone()
        .unwrap_or_else(|| "the route table".into());
    if net.routes.is_empty() {
        // Recordings made before routes were kept: only the default route's target is known.
        return Ok(match &net.default_route {
            Some(target) => RouteOutcome::Works(format!(
                "subnet `{}` reaches the internet through {}",
                net.subnet_id,
                super::describe_route(target)
            )),
            None => RouteOutcome::Broken(
                format!("subnet `{}` has no default route", net.subnet_id),
                net.subnet_id.clone(),
            ),
        });
    }
    let Some(route) = net.routes.iter().find(|r| r.destination == "0.0.0.0/0") else {
        return Ok(RouteOutcome::Broken(
            format!(
                "route table `{table}` of subnet `{}` has no default route (0.0.0.0/0)",
                net.subnet_id
            ),
            table,
        ));
    };
    let target = route.target.as_str();
    if route.state.eq_ignore_ascii_case("blackhole") {
        return Ok(RouteOutcome::Broken(
            format!(
                "the default route of `{table}` points at {}, which is a blackhole (its target was deleted)",
                super::describe_route(target)
            ),
            target.to_string(),
        ));
    }
    let kind = target.split('-').next().unwrap_or("");
    Ok(match kind {
        "nat" => match &net.nat_gateways {
            None => {
                let why = net
                    .nat_error
                    .as_ref()
                    .map(|e| e.describe())
                    .unwrap_or_else(|| "NAT gateways were not read".into());
                return Err(Unavailable::new(format!(
                    "the default route goes to NAT gateway `{target}`, whose state could not be read: {why}"
                ))
                .with_action(net.nat_error.as_ref().and_then(|e| e.missing_action()).map(str::to_string)));
            }
            Some(list) => match list.iter().find(|n| n.id == target) {
                // An active route to a NAT gateway this account cannot see: the route would
                // be a blackhole if it had been deleted, so it is owned elsewhere (a shared
                // VPC's owner). Only that owner can confirm the way beyond it.
                None if route.state.eq_ignore_ascii_case("active") => {
                    return Err(Unavailable::new(format!(
                        "the default route of `{table}` is active towards NAT gateway `{target}`, which this account cannot see (in a shared VPC it belongs to the VPC's owner): the owner must confirm that it is available and that its subnet routes 0.0.0.0/0 to an internet gateway"
                    )));
                }
                None => RouteOutcome::Broken(
                    format!(
                        "the default route of `{table}` points at NAT gateway `{target}`, which does not exist"
                    ),
                    target.to_string(),
                ),
                Some(n) if !n.state.eq_ignore_ascii_case("available") => RouteOutcome::Broken(
                    format!(
                        "the default route of `{table}` points at NAT gateway `{target}`, which is {}",
                        n.state
                    ),
                    target.to_string(),
                ),
                Some(n) if n.connectivity.as_deref() == Some("private") => {
                    RouteOutcome::CannotVerify(
                        format!(
                            "the default route goes to private NAT gateway `{target}`, which reaches the internet only through a further hop; cannot verify beyond this hop"
                        ),
                        target.to_string(),
                    )
                }
                Some(n) => nat_onward(net, n),
            },
        },
        "igw" => match interface {
            Err(u) => return Err(u.clone()),
            Ok(i) => match &i.public_ip {
                Some(ip) => RouteOutcome::Works(format!(
                    "subnet `{}` routes to internet gateway `{target}` and interface `{}` has public IP {ip}",
                    net.subnet_id, i.id
                )),
                None => {
                    let why = match (i.source, task.is_fargate()) {
                        (InterfaceSource::Task, true) => {
                            "the task was started with assignPublicIp=DISABLED"
                        }
                        (InterfaceSource::Task, false) => {
                            "tasks on EC2 with awsvpc never get a public IP"
                        }
                        (InterfaceSource::Instance, _) => "the instance has no public IP",
                    };
                    RouteOutcome::Broken(
                        format!(
                            "subnet `{}` reaches the internet only through internet gateway `{target}`, but interface `{}` has no public IP ({why})",
                            net.subnet_id, i.id
                        ),
                        i.id.clone(),
                    )
                }
            },
        },
        _ => RouteOutcome::CannotVerify(
            format!(
                "the default route of `{table}` leaves through {}; cannot verify beyond this hop",
                super::describe_route(target)
            ),
            target.to_string(),
        ),
    })
}

/// Beyond an available public NAT gateway: its own subnet's default route must lead to an
/// internet gateway, or the NAT has nowhere to send the traffic.
fn nat_onward(net: &Network, n: &crate::model::NatGateway) -> RouteOutcome {
    let works = |how: String| {
        RouteOutcome::Works(format!(
            "subnet `{}` reaches the internet through available NAT gateway `{}`{how}",
            net.subnet_id, n.id
        ))
    };
    // Recordings made before the NAT's own routes were kept.
    let Some(routes) = &n.subnet_routes else {
        return works(String::new());
    };
    let subnet = n.subnet_id.as_deref().unwrap_or("?");
    let table = n.subnet_route_table.as_deref().unwrap_or("its route table");
    let broken = |why: String| {
        RouteOutcome::Broken(
            format!(
                "the default route goes to NAT gateway `{}`, but {why}: the NAT gateway cannot reach the internet (add 0.0.0.0/0 to an internet gateway in `{table}` of its subnet `{subnet}`)",
                n.id
            ),
            table.to_string(),
        )
    };
    match routes.iter().find(|r| r.destination == "0.0.0.0/0") {
        None => broken(format!(
            "route table `{table}` of its subnet `{subnet}` has no default route"
        )),
        Some(r) if r.state.eq_ignore_ascii_case("blackhole") => broken(format!(
            "the default route of `{table}` (its subnet `{subnet}`) points at {}, a blackhole",
            super::describe_route(&r.target)
        )),
        Some(r) if r.target.starts_with("igw-") => works(format!(
            " in subnet `{subnet}`, whose route table `{table}` sends 0.0.0.0/0 to internet gateway `{}`",
            r.target
        )),
        Some(r) if r.target.starts_with("nat-") => broken(format!(
            "the default route of `{table}` (its subnet `{subnet}`) points at NAT gateway `{}`, not at an internet gateway",
            r.target
        )),
        Some(r) => RouteOutcome::CannotVerify(
            format!(
                "NAT gateway `{}` sends its traffic through {} (route table `{table}` of subnet `{subnet}`); cannot verify beyond this hop",
                n.id,
                super::describe_route(&r.target)
            ),
            r.target.clone(),
        ),
    }
}

fn hop(name: &str, resource: &str, status: Status, detail: impl Into<String>) -> Hop {
    Hop {
        hop: name.into(),
        resource: resource.into(),
        status,
        detail: detail.into(),
        missing_action: None,
    }
}

/// An unknown hop, keeping the action whose denial hid it.
fn unknown(name: &str, resource: &str, u: &Unavailable) -> Hop {
    Hop {
        missing_action: u.missing_action.clone(),
        ..hop(name, resource, Status::Unknown, u.reason.clone())
    }
}

fn reach_status(reach: &Reach) -> (Status, String) {
    match reach {
        Reach::Allowed { by } => (Status::Pass, by.clone()),
        Reach::Partial { by, missing } => {
            (Status::Warning, format!("{by}; not covered: {missing}"))
        }
        Reach::Blocked { by } => (Status::Error, by.clone()),
        Reach::Unknown { why } => (Status::Unknown, why.clone()),
    }
}

/// The task's path to ssmmessages, hop by hop, with the same verdicts as the checks. Empty
/// when the network facts are not there.
pub fn hops(f: &Facts<'_>) -> Vec<Hop> {
    walk(f, SSMMESSAGES)
}

/// The S3 gateway endpoint on the subnet's route table, when S3 traffic takes it.
fn gateway_endpoint<'a>(
    net: &'a Network,
    region: &str,
    service: Service,
) -> Option<&'a VpcEndpoint> {
    super::endpoint_for(net, region, service.name).filter(|e| {
        e.endpoint_type.eq_ignore_ascii_case("gateway")
            && net.routes.iter().any(|r| r.target == e.id)
    })
}

/// The task's path to `service`, hop by hop, judged by the functions the network checks use.
/// Empty when the network facts are not there.
pub fn walk(f: &Facts<'_>, service: Service) -> Vec<Hop> {
    let (Ok(task), Ok(net)) = (f.task(), f.network()) else {
        return Vec::new();
    };
    let region = &f.target().region;
    let interface = f.interface();
    let firewall = f.firewall();
    let via = via_to(net, region, service);
    let dest = destination(net, &via);
    let mut out = Vec::new();
    match &interface {
        Ok(i) => out.push(hop(
            "interface",
            &i.id,
            Status::Pass,
            format!(
                "{} in subnet {}{}",
                i.private_ip.as_deref().unwrap_or("?"),
                i.subnet_id,
                i.public_ip
                    .as_deref()
                    .map(|p| format!(", public IP {p}"))
                    .unwrap_or_default()
            ),
        )),
        Err(u) => out.push(unknown("interface", "?", u)),
    }
    match (&interface, &firewall) {
        (Ok(i), Ok(fw)) => {
            let groups = i.security_groups.join(",");
            let unknown_destination =
                matches!(via, Via::Endpoint(_)) && dest.nets.is_empty() && dest.groups.is_empty();
            out.push(if unknown_destination {
                hop(
                    "security-group",
                    &groups,
                    Status::Unknown,
                    format!(
                        "the {} endpoint's subnets and security groups are not known",
                        service.name
                    ),
                )
            } else {
                let reach = sg_reach(i, fw, &via, &dest, service).0;
                let (status, detail) = reach_status(&reach);
                let action = match reach {
                    Reach::Unknown { .. } => fw
                        .prefix_list_error
                        .as_ref()
                        .and_then(|e| e.missing_action())
                        .map(str::to_string),
                    _ => None,
                };
                Hop {
                    missing_action: action,
                    ..hop("security-group", &groups, status, detail)
                }
            });
            match fw.acl_of(&net.subnet_id) {
                Some(acl) => {
                    let (status, detail) = super::network_acl::judge_acl(acl, &dest, net);
                    out.push(hop("network-acl", &acl.id, status, detail));
                }
                None => out.push(match &fw.network_acls_error {
                    Some(e) => unknown(
                        "network-acl",
                        "?",
                        &Unavailable::from_error("network ACLs", e),
                    ),
                    None => hop(
                        "network-acl",
                        "?",
                        Status::Unknown,
                        format!("the network ACL of subnet {} is not visible", net.subnet_id),
                    ),
                }),
            }
        }
        (_, Err(u)) | (Err(u), _) => out.push(unknown("security-group", "?", u)),
    }
    match via {
        Via::Endpoint(ep) => {
            out.push(hop(
                "route",
                net.route_table_id.as_deref().unwrap_or("local"),
                Status::Pass,
                "the endpoint is inside the VPC (local route)",
            ));
            if let Some(why) = custom_dns(net, region, service) {
                let id = net.dhcp_options.as_ref().map_or("?", |o| o.id.as_str());
                out.push(hop("dns", id, Status::Warning, why));
            }
            let seen = format!("{} {}, private DNS", ep.service_name, ep.state);
            let mut endpoint_action = None;
            // NW005's own judgement of the endpoint's security groups and policy.
            let (status, detail) = if !ep.state.eq_ignore_ascii_case("available") {
                (Status::Error, seen)
            } else {
                match super::endpoint_admission::admits_for(f, ep, service) {
                    Ok(crate::outcome::Verdict::Findings(findings)) => {
                        let worst = findings
                            .iter()
                            .max_by_key(|x| x.severity)
                            .expect("a Findings verdict has one");
                        (
                            Status::from_severity(worst.severity),
                            format!("{seen}; {}", worst.message),
                        )
                    }
                    Ok(_) => (Status::Pass, format!("{seen}; admits the task")),
                    Err(u) => {
                        endpoint_action = u.missing_action.clone();
                        (Status::Unknown, format!("{seen}; {}", u.reason))
                    }
                }
            };
            out.push(Hop {
                missing_action: endpoint_action,
                ..hop("endpoint", &ep.id, status, detail)
            });
            // The ACLs of the endpoint's other subnets, judged as NW004 judges them.
            if let Ok(fw) = &firewall
                && let Some(source) =
                    super::network_acl::task_source(net, interface.as_ref().ok().copied())
            {
                for (subnet, acl) in super::network_acl::endpoint_acls(net, ep, fw) {
                    let (status, detail) = super::network_acl::judge_far_acl(
                        acl,
                        &super::network_acl::endpoint_legs(source),
                    );
                    out.push(hop(
                        "network-acl",
                        &acl.id,
                        status,
                        format!("endpoint subnet {subnet}: {detail}"),
                    ));
                }
            }
        }
        Via::Internet if let Some(ep) = gateway_endpoint(net, region, service) => {
            let table = net.route_table_id.as_deref().unwrap_or("?");
            out.push(hop(
                "route",
                table,
                Status::Pass,
                format!(
                    "route table `{table}` sends {} traffic to gateway endpoint `{}`",
                    service.name, ep.id
                ),
            ));
            let status = if ep.state.eq_ignore_ascii_case("available") {
                Status::Pass
            } else {
                Status::Error
            };
            out.push(hop(
                "endpoint",
                &ep.id,
                status,
                format!("{} {}", ep.service_name, ep.state),
            ));
        }
        Via::Internet if !net.routes_known => {
            let why = match super::shared_from(net, task) {
                Some(owner) => Unavailable::new(format!(
                    "the route table belongs to account {owner}, which shares the subnet"
                )),
                None => super::routes_unavailable(net),
            };
            out.push(unknown("route", &net.subnet_id, &why));
        }
        Via::Internet => {
            let route = internet_route(net, task, interface.as_ref().map(|i| *i));
            let table = net.route_table_id.clone().unwrap_or_else(|| "?".into());
            match route {
                Ok(RouteOutcome::Works(e)) => {
                    out.push(hop("route", &table, Status::Pass, e));
                    if let Some(target) = net
                        .routes
                        .iter()
                        .find(|r| r.destination == "0.0.0.0/0")
                        .map(|r| r.target.clone())
                    {
                        let name = if target.starts_with("nat-") {
                            "nat-gateway"
                        } else {
                            "internet-gateway"
                        };
                        out.push(hop(name, &target, Status::Pass, "available"));
                        // The NAT gateway's subnet ACL, judged as NW004 judges it.
                        if let Ok(fw) = &firewall
                            && let Some((_, subnet, acl)) = super::network_acl::nat_hop(net, fw)
                            && let Some(source) = super::network_acl::task_source(
                                net,
                                interface.as_ref().ok().copied(),
                            )
                        {
                            let (status, detail) = super::network_acl::judge_far_acl(
                                acl,
                                &super::network_acl::nat_legs(source),
                            );
                            out.push(hop(
                                "network-acl",
                                &acl.id,
                                status,
                                format!("NAT gateway's subnet {subnet}: {detail}"),
                            ));
                        }
                        // The NAT gateway's own way out, when known.
                        let nat = net.nat_gateways.iter().flatten().find(|n| n.id == target);
                        if let Some(n) = nat
                            && let Some(routes) = &n.subnet_routes
                            && let Some(r) = routes.iter().find(|r| r.destination == "0.0.0.0/0")
                        {
                            let table = n.subnet_route_table.clone().unwrap_or_else(|| "?".into());
                            out.push(hop(
                                "route",
                                &table,
                                Status::Pass,
                                format!(
                                    "0.0.0.0/0 from the NAT gateway's subnet `{}` to `{}`",
                                    n.subnet_id.as_deref().unwrap_or("?"),
                                    r.target
                                ),
                            ));
                            out.push(hop("internet-gateway", &r.target, Status::Pass, "attached"));
                        }
                    }
                }
                Ok(RouteOutcome::Broken(m, r)) => out.push(hop("route", &r, Status::Error, m)),
                Ok(RouteOutcome::CannotVerify(m, r)) => {
                    out.push(hop("route", &r, Status::Warning, m))
                }
                Err(u) => out.push(unknown("route", &table, &u)),
            }
        }
    }
    let worst = out
        .iter()
        .map(|h| h.status)
        .min()
        .unwrap_or(Status::Unknown);
    let end = match worst {
        Status::Pass => (Status::Pass, "reachable on TCP 443"),
        Status::Error => (Status::Error, "not reachable: see the red hop"),
        Status::Warning => (
            Status::Warning,
            "reachable only if the yellow hop lets it through",
        ),
        _ => (Status::Unknown, "not fully verified: see the unknown hop"),
    };
    out.push(hop(
        service.name,
        &format!("{}.{region}.amazonaws.com", service.name),
        end.0,
        end.1,
    ));
    out
}

/// The public IPv4 space as /8 blocks (without 0/8, 10/8, 127/8 and 224/4 and above): the
/// addresses `ssmmessages` can have on the internet path.
fn public_blocks() -> impl Iterator<Item = Net4> {
    (1u32..224).filter(|a| *a != 10 && *a != 127).map(|a| Net4 {
        addr: a << 24,
        len: 8,
    })
}

/// A rule check towards "the internet": `evaluate` on `0.0.0.0/0`, and when that covers only
/// part, on each public /8. Rules that admit only private ranges (say 10.0.0.0/16) then block
/// the internet path outright instead of covering "part" of it.
pub fn towards_internet(evaluate: impl Fn(&Net4) -> Reach) -> Reach {
    let whole = evaluate(&Net4::ANY);
    let Reach::Partial { by: allowing, .. } = &whole else {
        return whole;
    };
    let mut any_allowed = false;
    let mut blocked_by = None;
    for block in public_blocks() {
        match evaluate(&block) {
            Reach::Allowed { .. } => any_allowed = true,
            // 172/8 and 192/8 hold private ranges: part of them may be allowed.
            Reach::Partial { .. } if block.addr >> 24 == 172 || block.addr >> 24 == 192 => {}
            Reach::Partial { .. } => any_allowed = true,
            Reach::Blocked { .. } => blocked_by = Some(()),
            Reach::Unknown { .. } => return whole,
        }
    }
    match (any_allowed, blocked_by) {
        (false, Some(())) => Reach::Blocked {
            by: format!(
                "only private addresses are allowed ({allowing}), and ssmmessages is public"
            ),
        },
        _ => whole,
    }
}

/// The network path of every task of the diagnosis (empty unless a network check is
/// selected, so that facts the run did not fetch are never shown as hops).
pub fn network_paths(
    d: &crate::facts::Diagnosis,
    selection: &crate::runner::Selection,
) -> Vec<crate::report::NetworkPath> {
    let selected = |code: &str| selection.checks().iter().any(|c| c.meta.code == code);
    let network_selected = selection
        .checks()
        .iter()
        .any(|c| c.meta.category == crate::check::Category::Network);
    if !network_selected {
        return Vec::new();
    }
    // The paths NW002 walks are drawn too, after the ssmmessages one.
    let dependencies = match d.cluster.value() {
        Some(c) if selected("NW002") => dependencies(&c.exec_config),
        _ => Vec::new(),
    };
    let mut out = Vec::new();
    for subject in &d.subjects {
        let facts = crate::facts::Facts {
            mode: crate::facts::Mode::Live,
            diagnosis: d,
            subject,
        };
        let Some(task) = subject.task.value() else {
            continue;
        };
        for service in std::iter::once(SSMMESSAGES).chain(dependencies.iter().map(|(s, _)| *s)) {
            let hops = walk(&facts, service);
            if !hops.is_empty() {
                out.push(crate::report::NetworkPath {
                    task: task.id().to_string(),
                    service: service.name.to_string(),
                    hops,
                });
            }
        }
    }
    out
}
