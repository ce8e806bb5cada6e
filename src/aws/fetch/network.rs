//! The network family of the fetch plan: the task's interface, its subnet, and the VPC-wide
//! facts (route tables, endpoints, NAT gateways, DNS attributes, security groups, network
//! ACLs), each fetched once for every task of the run.
//!
//! Round trips after DescribeTasks: DescribeNetworkInterfaces, then every VPC-wide call at
//! once (the DNS attributes of every VPC among them), then (only when a route or a
//! security-group rule points at one) the NAT gateways and the prefix lists. For a fleet (more
//! than [`EARLY_VPC_ENIS`] interfaces) the region's subnets are read beside the interfaces and
//! the VPC-wide round starts from them, without waiting for the large interface call. For `bridge`/`host` tasks the instance's interface and subnet are known one round
//! trip later, from the container instance.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use aws_sdk_ec2::types::Filter;
use ecs_exec_doctor_checks::FactKind;
use ecs_exec_doctor_checks::facts::{Fact, FactError};
use ecs_exec_doctor_checks::model::*;
use futures::future::join_all;

use super::Fetcher;

/// Network facts by subnet, interface and VPC.
#[derive(Clone, Default)]
pub struct NetworkFacts {
    pub networks: HashMap<String, Fact<Network>>,
    /// By ENI id, and by EC2 instance id for bridge/host tasks.
    pub interfaces: HashMap<String, Fact<Interface>>,
    /// By VPC id.
    pub firewalls: HashMap<String, Fact<Firewall>>,
}

/// What one VPC-wide round trip returns.
struct VpcFacts {
    routes: Result<Vec<aws_sdk_ec2::types::RouteTable>, FactError>,
    endpoints: Result<Vec<aws_sdk_ec2::types::VpcEndpoint>, FactError>,
    subnets: Result<Vec<aws_sdk_ec2::types::Subnet>, FactError>,
    groups: Result<BTreeMap<String, SecurityGroup>, FactError>,
    acls: Result<Vec<NetworkAcl>, FactError>,
}

/// The placeholder for a VPC-wide fact no selected check reads (never shown).
fn not_needed<T>() -> Result<T, FactError> {
    Err(FactError::new(
        ecs_exec_doctor_checks::FactErrorKind::Dependency,
        "",
        "not needed",
    ))
}

/// Above this many task interfaces the VPC-wide round starts from DescribeSubnets of the
/// whole region beside DescribeNetworkInterfaces (it stands in for the round's own
/// DescribeSubnets: no extra call, one less wait); below, the interfaces name the VPC.
const EARLY_VPC_ENIS: usize = 100;

fn vpc_filter(vpc: &str) -> Filter {
    Filter::builder().name("vpc-id").values(vpc).build()
}

impl Fetcher {
    /// Every network fact of the run: `subnets` of the tasks, their `enis` (awsvpc) and the
    /// EC2 `instances` of bridge/host tasks.
    pub(super) async fn network_facts(
        &self,
        subnets: Vec<String>,
        enis: Vec<String>,
        instances: Vec<String>,
    ) -> NetworkFacts {
        let need_network = self.need(FactKind::Network);
        let need_interface = self.need(FactKind::Interface);
        let need_firewall = self.need(FactKind::Firewall);
        let mut out = NetworkFacts::default();
        if !(need_network || need_interface || need_firewall) {
            return out;
        }
        let described_enis = async {
            if enis.is_empty() || !(need_interface || need_firewall) {
                return Ok(Vec::new());
            }
            let request = self
                .clients
                .ec2
                .describe_network_interfaces()
                .set_network_interface_ids(Some(enis.clone()))
                .send();
            self.call("ec2:DescribeNetworkInterfaces", request)
                .await
                .map(|o| o.network_interfaces().to_vec())
        };
        let described_instances = async {
            if instances.is_empty() || !(need_interface || need_firewall) {
                return Ok(Vec::new());
            }
            let filter = Filter::builder()
                .name("attachment.instance-id")
                .set_values(Some(instances.clone()))
                .build();
            let request = self
                .clients
                .ec2
                .describe_network_interfaces()
                .filters(filter)
                .send();
            self.call("ec2:DescribeNetworkInterfaces", request)
                .await
                .map(|o| o.network_interfaces().to_vec())
        };
        // A fleet's interfaces take one large call: the VPCs of its subnets come from
        // DescribeSubnets beside it, and their VPC-wide round starts without waiting for it.
        let early = async {
            if enis.len() <= EARLY_VPC_ENIS
                || subnets.is_empty()
                || !(need_network || need_firewall)
            {
                return None;
            }
            // Every subnet of the region in one call: the task subnets' VPCs, and each such
            // VPC's subnets, which its VPC-wide round then need not read again.
            let described = self.describe_subnets(None).await;
            let vpcs: BTreeSet<String> = described
                .iter()
                .flatten()
                .filter(|s| {
                    s.subnet_id()
                        .is_some_and(|id| subnets.iter().any(|t| t == id))
                })
                .filter_map(|s| s.vpc_id().map(str::to_string))
                .collect();
            let mut known: HashMap<String, Vec<aws_sdk_ec2::types::Subnet>> = HashMap::new();
            for s in described.iter().flatten() {
                if let Some(vpc) = s.vpc_id().filter(|v| vpcs.contains(*v)) {
                    known.entry(vpc.to_string()).or_default().push(s.clone());
                }
            }
            let round = self.vpc_round(&vpcs, need_network, known).await;
            Some((described, round))
        };
        let ((described_enis, described_instances), early) = tokio::join!(
            async { tokio::join!(described_enis, described_instances) },
            early
        );

        // Interfaces.
        match &described_enis {
            Ok(list) => {
                for id in &enis {
                    let fact = match list.iter().find(|e| e.network_interface_id() == Some(id)) {
                        Some(e) => Fact::ok(interface(e, InterfaceSource::Task)),
                        None => Fact::absent(format!("network interface `{id}` not found")),
                    };
                    out.interfaces.insert(id.clone(), fact);
                }
            }
            Err(e) => {
                for id in &enis {
                    out.interfaces.insert(id.clone(), Fact::failed(e.clone()));
                }
            }
        }
        match &described_instances {
            Ok(list) => {
                for id in &instances {
                    let primary = list
                        .iter()
                        .filter(|e| e.attachment().and_then(|a| a.instance_id()) == Some(id))
                        .min_by_key(|e| e.attachment().and_then(|a| a.device_index()).unwrap_or(0));
                    let fact = match primary {
                        Some(e) => Fact::ok(interface(e, InterfaceSource::Instance)),
                        None => {
                            Fact::absent(format!("no network interface of instance `{id}` found"))
                        }
                    };
                    out.interfaces.insert(id.clone(), fact);
                }
            }
            Err(e) => {
                for id in &instances {
                    out.interfaces.insert(id.clone(), Fact::failed(e.clone()));
                }
            }
        }

        // The subnets of the instances' interfaces too: a bridge/host task's instance may
        // lack the `ecs.subnet-id` attribute, and its interface then tells the subnet.
        let mut subnets = subnets;
        for id in &instances {
            if let Some(i) = out.interfaces.get(id).and_then(Fact::value)
                && !subnets.contains(&i.subnet_id)
            {
                subnets.push(i.subnet_id.clone());
            }
        }

        // The VPC of each subnet: from the interfaces, else (their call failed or was not
        // needed) from DescribeSubnets. The subnets themselves come with the VPC-wide facts.
        let mut vpc_of: HashMap<String, String> = out
            .interfaces
            .values()
            .filter_map(|f| f.value())
            .map(|i| (i.subnet_id.clone(), i.vpc_id.clone()))
            .collect();
        let (mut per_vpc, mut dns) = (HashMap::new(), HashMap::new());
        if let Some((described, (early_vpcs, early_dns))) = early {
            for s in described.iter().flatten() {
                if let (Some(id), Some(vpc)) = (s.subnet_id(), s.vpc_id())
                    && subnets.iter().any(|t| t == id)
                {
                    vpc_of.insert(id.to_string(), vpc.to_string());
                }
            }
            per_vpc = early_vpcs;
            dns = early_dns;
        }
        let missing: Vec<String> = subnets
            .iter()
            .filter(|s| !vpc_of.contains_key(*s))
            .cloned()
            .collect();
        let described_subnets = if missing.is_empty() || !(need_network || need_firewall) {
            Ok(Vec::new())
        } else {
            self.describe_subnets(Some(missing.clone())).await
        };
        if let Ok(list) = &described_subnets {
            for s in list {
                if let (Some(id), Some(vpc)) = (s.subnet_id(), s.vpc_id()) {
                    vpc_of.insert(id.to_string(), vpc.to_string());
                }
            }
        }
        let mut vpcs: BTreeSet<String> = vpc_of.values().cloned().collect();
        vpcs.extend(
            out.interfaces
                .values()
                .filter_map(|f| f.value().map(|i| i.vpc_id.clone())),
        );
        let late: BTreeSet<String> = vpcs
            .iter()
            .filter(|v| !per_vpc.contains_key(*v))
            .cloned()
            .collect();
        let (late_vpcs, late_dns) = self.vpc_round(&late, need_network, HashMap::new()).await;
        per_vpc.extend(late_vpcs);
        dns.extend(late_dns);

        // What the VPC-wide answers point at, in one more round trip: the NAT gateways of
        // default routes and the prefix lists security-group rules reference.
        let nat_ids: BTreeSet<String> = per_vpc
            .values()
            .filter_map(|f| f.routes.as_ref().ok())
            .flatten()
            .flat_map(|t| t.routes())
            .filter(|r| r.destination_cidr_block() == Some("0.0.0.0/0"))
            .filter_map(|r| r.nat_gateway_id().map(str::to_string))
            .collect();
        let referenced: BTreeSet<String> = if need_firewall {
            per_vpc
                .values()
                .filter_map(|f| f.groups.as_ref().ok())
                .flat_map(|g| g.values())
                .flat_map(|g| g.ingress.iter().chain(&g.egress))
                .flat_map(|r| r.prefix_lists.iter().cloned())
                .collect()
        } else {
            BTreeSet::new()
        };
        let (nat, (lists, list_names, list_error)) =
            tokio::join!(self.nat_gateways(nat_ids), self.prefix_lists(referenced));

        // Networks, by subnet.
        if need_network || need_firewall {
            for id in &subnets {
                let fact = match (vpc_of.get(id), &described_subnets) {
                    (None, Err(e)) => Fact::failed(e.clone()),
                    (None, Ok(_)) => Fact::absent(format!("subnet `{id}` not found")),
                    (Some(vpc), _) => match per_vpc.get(vpc).map(|f| (f, &f.subnets)) {
                        None => Fact::absent(format!("VPC of subnet `{id}` not found")),
                        Some((_, Err(e))) => Fact::failed(e.clone()),
                        Some((facts, Ok(list))) => {
                            match list.iter().find(|s| s.subnet_id() == Some(id)) {
                                Some(subnet) => network(id, subnet, facts, &nat, dns.get(vpc)),
                                None => Fact::absent(format!("subnet `{id}` not found")),
                            }
                        }
                    },
                };
                out.networks.insert(id.clone(), fact);
            }
        }

        // Firewalls, by VPC; prefix lists the rules reference in one more round trip.
        if need_firewall {
            for (vpc, facts) in &per_vpc {
                let fact = match (&facts.groups, &facts.acls) {
                    (Err(e), _) => Fact::failed(e.clone()),
                    (Ok(groups), acls) => Fact::ok(Firewall {
                        security_groups: groups.clone(),
                        network_acls: acls.as_ref().cloned().unwrap_or_default(),
                        network_acls_error: acls.as_ref().err().cloned(),
                        prefix_lists: lists.clone(),
                        prefix_list_error: list_error.clone(),
                        prefix_list_names: list_names.clone(),
                    }),
                };
                out.firewalls.insert((*vpc).clone(), fact);
            }
        }
        out
    }

    /// The VPC-wide facts of `vpcs`, all in one round trip; with them the DNS attributes of
    /// every VPC: `enableDnsSupport=false` breaks every path (NAT, internet gateway and endpoint
    /// alike), so they are read whatever the route.
    async fn vpc_round(
        &self,
        vpcs: &BTreeSet<String>,
        need_network: bool,
        mut known_subnets: HashMap<String, Vec<aws_sdk_ec2::types::Subnet>>,
    ) -> (
        HashMap<String, VpcFacts>,
        HashMap<String, (DnsAttributes, DhcpResult)>,
    ) {
        let dns_calls = join_all(vpcs.iter().map(|vpc| async move {
            if need_network {
                Some(tokio::join!(
                    self.dns_attributes(vpc),
                    self.dhcp_options(vpc)
                ))
            } else {
                None
            }
        }));
        let (per_vpc, dns) = tokio::join!(
            join_all(
                vpcs.iter()
                    .map(|vpc| self.vpc_facts(vpc, known_subnets.remove(vpc)))
            ),
            dns_calls
        );
        let per_vpc = vpcs.iter().cloned().zip(per_vpc).collect();
        let dns = vpcs
            .iter()
            .cloned()
            .zip(dns)
            .filter_map(|(vpc, d)| Some((vpc, d?)))
            .collect();
        (per_vpc, dns)
    }

    /// `ec2:DescribeSubnets` of `ids` (`None`: every subnet of the region).
    async fn describe_subnets(
        &self,
        ids: Option<Vec<String>>,
    ) -> Result<Vec<aws_sdk_ec2::types::Subnet>, FactError> {
        let request = self
            .clients
            .ec2
            .describe_subnets()
            .set_subnet_ids(ids)
            .send();
        self.call("ec2:DescribeSubnets", request)
            .await
            .map(|o| o.subnets().to_vec())
    }

    /// Everything VPC-wide, in one round trip.
    /// `known_subnets`: the VPC's subnets when already read.
    async fn vpc_facts(
        &self,
        vpc: &str,
        known_subnets: Option<Vec<aws_sdk_ec2::types::Subnet>>,
    ) -> VpcFacts {
        let ec2 = &self.clients.ec2;
        let need_network = self.need(FactKind::Network);
        let need_firewall = self.need(FactKind::Firewall);
        let routes = async {
            let r = ec2.describe_route_tables().filters(vpc_filter(vpc)).send();
            self.call("ec2:DescribeRouteTables", r)
                .await
                .map(|o| o.route_tables().to_vec())
        };
        let endpoints = async {
            let r = ec2.describe_vpc_endpoints().filters(vpc_filter(vpc)).send();
            self.call("ec2:DescribeVpcEndpoints", r)
                .await
                .map(|o| o.vpc_endpoints().to_vec())
        };
        let subnets = async {
            if let Some(known) = known_subnets {
                return Ok(known);
            }
            let r = ec2.describe_subnets().filters(vpc_filter(vpc)).send();
            self.call("ec2:DescribeSubnets", r)
                .await
                .map(|o| o.subnets().to_vec())
        };
        let groups = async {
            if !need_firewall {
                return not_needed();
            }
            let r = ec2
                .describe_security_groups()
                .filters(vpc_filter(vpc))
                .send();
            self.call("ec2:DescribeSecurityGroups", r).await.map(|o| {
                o.security_groups()
                    .iter()
                    .map(|g| {
                        let group = security_group(g);
                        (group.id.clone(), group)
                    })
                    .collect()
            })
        };
        let acls = async {
            if !need_firewall {
                return not_needed();
            }
            let r = ec2.describe_network_acls().filters(vpc_filter(vpc)).send();
            self.call("ec2:DescribeNetworkAcls", r)
                .await
                .map(|o| o.network_acls().iter().map(network_acl).collect())
        };
        let network_side = async {
            if !need_network {
                return (not_needed(), not_needed(), not_needed());
            }
            tokio::join!(routes, endpoints, subnets)
        };
        let ((routes, endpoints, subnets), groups, acls) = tokio::join!(network_side, groups, acls);
        VpcFacts {
            routes,
            endpoints,
            subnets,
            groups,
            acls,
        }
    }

    /// `ec2:DescribeNatGateways` for the NAT gateways routes point at. A gateway AWS no
    /// longer knows (`NatGatewayNotFound`) is absent from the list.
    async fn nat_gateways(&self, ids: BTreeSet<String>) -> Result<Vec<NatGateway>, FactError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let request = self
            .clients
            .ec2
            .describe_nat_gateways()
            .set_nat_gateway_ids(Some(ids.into_iter().collect()))
            .send();
        match self.call("ec2:DescribeNatGateways", request).await {
            Ok(out) => Ok(out
                .nat_gateways()
                .iter()
                .map(|n| NatGateway {
                    id: n.nat_gateway_id().unwrap_or_default().to_string(),
                    state: n
                        .state()
                        .map(|s| s.as_str().to_string())
                        .unwrap_or_default(),
                    subnet_id: n.subnet_id().map(str::to_string),
                    connectivity: n.connectivity_type().map(|c| c.as_str().to_string()),
                    // Filled in from the VPC's route tables (see `network`).
                    subnet_routes: None,
                    subnet_route_table: None,
                })
                .collect()),
            Err(e) if e.code.as_deref() == Some("NatGatewayNotFound") => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    }

    /// The VPC's DHCP option set when it names its own DNS servers: `DescribeVpcs` for its id,
    /// then `DescribeDhcpOptions` (a second call, in the round trip of the NAT gateways). A
    /// VPC without one (`default`) or with `AmazonProvidedDNS` alone uses the VPC resolver.
    async fn dhcp_options(&self, vpc: &str) -> DhcpResult {
        let ec2 = &self.clients.ec2;
        // The region's option sets beside the VPC, not after it: the VPC names its set, and
        // waiting for that name would add a round trip to every diagnosis.
        let (described, options) = tokio::join!(
            self.call("ec2:DescribeVpcs", ec2.describe_vpcs().vpc_ids(vpc).send()),
            self.call(
                "ec2:DescribeDhcpOptions",
                ec2.describe_dhcp_options().send()
            )
        );
        let id = described?
            .vpcs()
            .first()
            .and_then(|v| v.dhcp_options_id())
            .filter(|id| !id.is_empty() && *id != "default")
            .map(str::to_string);
        let Some(id) = id else {
            return Ok(None);
        };
        let options = options?;
        let options: Vec<&aws_sdk_ec2::types::DhcpOptions> = options
            .dhcp_options()
            .iter()
            .filter(|o| o.dhcp_options_id() == Some(id.as_str()))
            .collect();
        let servers: Vec<String> = options
            .iter()
            .flat_map(|o| o.dhcp_configurations())
            .filter(|c| c.key() == Some("domain-name-servers"))
            .flat_map(|c| c.values())
            .filter_map(|v| v.value().map(str::to_string))
            .collect();
        if servers.is_empty() || servers.iter().all(|s| s == "AmazonProvidedDNS") {
            return Ok(None);
        }
        Ok(Some(DhcpOptions {
            id,
            domain_name_servers: servers,
        }))
    }

    /// `enableDnsSupport` and `enableDnsHostnames` of a VPC, side by side.
    async fn dns_attributes(&self, vpc: &str) -> DnsAttributes {
        use aws_sdk_ec2::types::VpcAttributeName;
        let ec2 = &self.clients.ec2;
        let support = ec2
            .describe_vpc_attribute()
            .vpc_id(vpc)
            .attribute(VpcAttributeName::EnableDnsSupport)
            .send();
        let hostnames = ec2
            .describe_vpc_attribute()
            .vpc_id(vpc)
            .attribute(VpcAttributeName::EnableDnsHostnames)
            .send();
        let (support, hostnames) = tokio::join!(
            self.call("ec2:DescribeVpcAttribute", support),
            self.call("ec2:DescribeVpcAttribute", hostnames)
        );
        Ok((
            support?.enable_dns_support().and_then(|v| v.value()),
            hostnames?.enable_dns_hostnames().and_then(|v| v.value()),
        ))
    }

    /// The entries of each referenced managed prefix list, their names (one
    /// `DescribeManagedPrefixLists` beside the entries), and the first error.
    async fn prefix_lists(
        &self,
        ids: BTreeSet<String>,
    ) -> (
        BTreeMap<String, Vec<String>>,
        BTreeMap<String, String>,
        Option<FactError>,
    ) {
        if ids.is_empty() {
            return (BTreeMap::new(), BTreeMap::new(), None);
        }
        let names = async {
            let r = self
                .clients
                .ec2
                .describe_managed_prefix_lists()
                .set_prefix_list_ids(Some(ids.iter().cloned().collect()))
                .send();
            self.call("ec2:DescribeManagedPrefixLists", r)
                .await
                .map(|o| {
                    o.prefix_lists()
                        .iter()
                        .filter_map(|p| {
                            Some((
                                p.prefix_list_id()?.to_string(),
                                p.prefix_list_name()?.to_string(),
                            ))
                        })
                        .collect::<BTreeMap<_, _>>()
                })
        };
        let ((lists, entries_error), names) = tokio::join!(self.prefix_list_entries(&ids), names);
        let (names, names_error) = match names {
            Ok(names) => (names, None),
            Err(e) => (BTreeMap::new(), Some(e)),
        };
        (lists, names, entries_error.or(names_error))
    }

    /// The entries of each referenced managed prefix list, and the first error.
    async fn prefix_list_entries(
        &self,
        ids: &BTreeSet<String>,
    ) -> (BTreeMap<String, Vec<String>>, Option<FactError>) {
        let calls = ids.iter().map(|id| async move {
            let r = self
                .clients
                .ec2
                .get_managed_prefix_list_entries()
                .prefix_list_id(id)
                .send();
            let out = self.call("ec2:GetManagedPrefixListEntries", r).await;
            (
                id.clone(),
                out.map(|o| {
                    o.entries()
                        .iter()
                        .filter_map(|e| e.cidr().map(str::to_string))
                        .collect::<Vec<_>>()
                }),
            )
        });
        let mut lists = BTreeMap::new();
        let mut error = None;
        for (id, result) in join_all(calls).await {
            match result {
                Ok(entries) => {
                    lists.insert(id, entries);
                }
                Err(e) => {
                    error.get_or_insert(e);
                }
            }
        }
        (lists, error)
    }
}

fn interface(e: &aws_sdk_ec2::types::NetworkInterface, source: InterfaceSource) -> Interface {
    Interface {
        id: e.network_interface_id().unwrap_or_default().to_string(),
        subnet_id: e.subnet_id().unwrap_or_default().to_string(),
        vpc_id: e.vpc_id().unwrap_or_default().to_string(),
        security_groups: e
            .groups()
            .iter()
            .filter_map(|g| g.group_id().map(str::to_string))
            .collect(),
        private_ip: e.private_ip_address().map(str::to_string),
        public_ip: e
            .association()
            .and_then(|a| a.public_ip())
            .map(str::to_string),
        source,
    }
}

fn sg_rules(permissions: &[aws_sdk_ec2::types::IpPermission]) -> Vec<SgRule> {
    permissions
        .iter()
        .map(|p| SgRule {
            protocol: p.ip_protocol().unwrap_or("-1").to_string(),
            from_port: p.from_port(),
            to_port: p.to_port(),
            ipv4_ranges: p
                .ip_ranges()
                .iter()
                .filter_map(|r| r.cidr_ip().map(str::to_string))
                .collect(),
            ipv6_ranges: p
                .ipv6_ranges()
                .iter()
                .filter_map(|r| r.cidr_ipv6().map(str::to_string))
                .collect(),
            prefix_lists: p
                .prefix_list_ids()
                .iter()
                .filter_map(|r| r.prefix_list_id().map(str::to_string))
                .collect(),
            groups: p
                .user_id_group_pairs()
                .iter()
                .filter_map(|r| r.group_id().map(str::to_string))
                .collect(),
        })
        .collect()
}

fn security_group(g: &aws_sdk_ec2::types::SecurityGroup) -> SecurityGroup {
    SecurityGroup {
        id: g.group_id().unwrap_or_default().to_string(),
        name: g.group_name().unwrap_or_default().to_string(),
        ingress: sg_rules(g.ip_permissions()),
        egress: sg_rules(g.ip_permissions_egress()),
    }
}

fn network_acl(a: &aws_sdk_ec2::types::NetworkAcl) -> NetworkAcl {
    NetworkAcl {
        id: a.network_acl_id().unwrap_or_default().to_string(),
        is_default: a.is_default().unwrap_or(false),
        subnet_ids: a
            .associations()
            .iter()
            .filter_map(|s| s.subnet_id().map(str::to_string))
            .collect(),
        entries: a
            .entries()
            .iter()
            .map(|e| AclEntry {
                rule_number: e.rule_number().unwrap_or(32767),
                egress: e.egress().unwrap_or(false),
                protocol: e.protocol().unwrap_or("-1").to_string(),
                action: e
                    .rule_action()
                    .map(|r| r.as_str().to_string())
                    .unwrap_or_else(|| "deny".into()),
                cidr: e.cidr_block().map(str::to_string),
                ipv6_cidr: e.ipv6_cidr_block().map(str::to_string),
                from_port: e.port_range().and_then(|p| p.from()),
                to_port: e.port_range().and_then(|p| p.to()),
            })
            .collect(),
    }
}

fn endpoint(e: &aws_sdk_ec2::types::VpcEndpoint) -> VpcEndpoint {
    VpcEndpoint {
        id: e.vpc_endpoint_id().unwrap_or_default().to_string(),
        service_name: e.service_name().unwrap_or_default().to_string(),
        endpoint_type: e
            .vpc_endpoint_type()
            .map(|t| t.as_str().to_string())
            .unwrap_or_default(),
        state: e
            .state()
            .map(|s| s.as_str().to_string())
            .unwrap_or_default(),
        private_dns_enabled: e.private_dns_enabled().unwrap_or(false),
        security_groups: e
            .groups()
            .iter()
            .filter_map(|g| g.group_id().map(str::to_string))
            .collect(),
        subnet_ids: e.subnet_ids().to_vec(),
        policy: e
            .policy_document()
            .and_then(|p| serde_json::from_str(&super::percent_decode(p)).ok()),
    }
}

type DnsAttributes = Result<(Option<bool>, Option<bool>), FactError>;
type DhcpResult = Result<Option<DhcpOptions>, FactError>;

/// The network fact of one subnet from its VPC's facts.
fn network(
    id: &str,
    subnet: &aws_sdk_ec2::types::Subnet,
    facts: &VpcFacts,
    nat: &Result<Vec<NatGateway>, FactError>,
    dns_and_dhcp: Option<&(DnsAttributes, DhcpResult)>,
) -> Fact<Network> {
    let dns = dns_and_dhcp.map(|(d, _)| d);
    let dhcp = dns_and_dhcp.map(|(_, d)| d);
    let vpc = subnet.vpc_id().unwrap_or_default().to_string();
    let endpoints: Vec<VpcEndpoint> = match &facts.endpoints {
        Ok(list) => list.iter().map(endpoint).collect(),
        Err(e) => return Fact::failed(e.clone()),
    };
    let (table, routes_error) = match &facts.routes {
        Ok(tables) => (route_table(tables, id, &vpc), None),
        Err(e) => (None, Some(e.clone())),
    };
    let routes: Vec<Route> = table.map(routes_of).unwrap_or_default();
    let default_route = routes
        .iter()
        .find(|r| r.destination == "0.0.0.0/0" && r.state != "blackhole")
        .map(|r| r.target.clone());
    let wanted: BTreeSet<&str> = endpoints
        .iter()
        .flat_map(|e| e.subnet_ids.iter().map(String::as_str))
        .collect();
    let subnet_cidrs = match &facts.subnets {
        Ok(list) => list
            .iter()
            .filter(|s| s.subnet_id().is_some_and(|s| wanted.contains(s)))
            .filter_map(|s| Some((s.subnet_id()?.to_string(), s.cidr_block()?.to_string())))
            .collect(),
        Err(_) => BTreeMap::new(),
    };
    let uses_nat = routes
        .iter()
        .any(|r| r.destination == "0.0.0.0/0" && r.target.starts_with("nat-"));
    Fact::ok(Network {
        subnet_id: id.to_string(),
        vpc_id: vpc.clone(),
        subnet_owner: subnet.owner_id().map(str::to_string),
        default_route,
        routes_known: table.is_some(),
        routes_error,
        endpoints,
        subnet_cidr: subnet.cidr_block().map(str::to_string),
        subnet_cidrs,
        route_table_id: table.and_then(|t| t.route_table_id()).map(str::to_string),
        routes,
        nat_gateways: if uses_nat {
            nat.as_ref()
                .ok()
                .map(|list| with_subnet_routes(list, facts, &vpc))
        } else {
            None
        },
        nat_error: if uses_nat {
            nat.as_ref().err().cloned()
        } else {
            None
        },
        dns_support: dns.and_then(|d| d.as_ref().ok()).and_then(|d| d.0),
        dns_hostnames: dns.and_then(|d| d.as_ref().ok()).and_then(|d| d.1),
        dns_error: dns.and_then(|d| d.as_ref().err()).cloned(),
        dhcp_options: dhcp.and_then(|d| d.as_ref().ok()).cloned().flatten(),
        dhcp_error: dhcp.and_then(|d| d.as_ref().err()).cloned(),
    })
}

/// The NAT gateways with the routes of their own subnets, from the VPC's route tables (read
/// VPC-wide already: no extra call).
fn with_subnet_routes(list: &[NatGateway], facts: &VpcFacts, vpc: &str) -> Vec<NatGateway> {
    let tables = facts.routes.as_ref().ok();
    list.iter()
        .map(|n| {
            let mut n = n.clone();
            let table = tables
                .zip(n.subnet_id.as_deref())
                .and_then(|(tables, subnet)| route_table(tables, subnet, vpc));
            n.subnet_routes = table.map(routes_of);
            n.subnet_route_table = table.and_then(|t| t.route_table_id()).map(str::to_string);
            n
        })
        .collect()
}

/// The table associated with `subnet`, else the VPC's main table; `None` when neither is
/// visible (a subnet shared from another account).
fn route_table<'a>(
    tables: &'a [aws_sdk_ec2::types::RouteTable],
    subnet: &str,
    vpc: &str,
) -> Option<&'a aws_sdk_ec2::types::RouteTable> {
    let in_vpc = |t: &&aws_sdk_ec2::types::RouteTable| t.vpc_id() == Some(vpc);
    tables
        .iter()
        .filter(in_vpc)
        .find(|t| {
            t.associations()
                .iter()
                .any(|a| a.subnet_id() == Some(subnet))
        })
        .or_else(|| {
            tables
                .iter()
                .filter(in_vpc)
                .find(|t| t.associations().iter().any(|a| a.main() == Some(true)))
        })
}

fn routes_of(table: &aws_sdk_ec2::types::RouteTable) -> Vec<Route> {
    table
        .routes()
        .iter()
        .filter_map(|r| {
            let destination = r
                .destination_cidr_block()
                .or(r.destination_prefix_list_id())
                .or(r.destination_ipv6_cidr_block())?;
            let target = r
                .nat_gateway_id()
                .or(r.transit_gateway_id())
                .or(r.gateway_id())
                .or(r.network_interface_id())
                .or(r.vpc_peering_connection_id())
                .or(r.instance_id())
                .or(r.carrier_gateway_id())
                .or(r.local_gateway_id())
                .or(r.egress_only_internet_gateway_id())
                .or(r.core_network_arn())
                .unwrap_or("unknown");
            Some(Route {
                destination: destination.to_string(),
                target: target.to_string(),
                state: r
                    .state()
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_else(|| "active".into()),
            })
        })
        .collect()
}
