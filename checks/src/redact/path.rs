//! Redaction of the network-path and policy facts. Resource ids become stable placeholders
//! (so references between groups, rules and endpoints still match); every IP address and CIDR
//! block (the interface's addresses, subnet and VPC ranges, route destinations, security-group,
//! ACL and prefix-list ranges) gets its prefix-preserving pseudonym from one map, so the
//! containment relations the verdicts are computed from hold between the pseudonyms exactly as
//! between the originals; policy documents have their ARNs, accounts and names replaced string
//! by string. Ports, protocols and rule numbers are kept.

use super::Redactor;
use crate::model::*;

impl Redactor {
    fn matched(&mut self, statements: Vec<MatchedStatement>) -> Vec<MatchedStatement> {
        statements
            .into_iter()
            .map(|m| MatchedStatement {
                source_policy_id: if m.source_policy_id.starts_with("arn:") {
                    self.arn(&m.source_policy_id)
                } else {
                    self.name("policy", &m.source_policy_id)
                },
                ..m
            })
            .collect()
    }

    pub(super) fn route(&mut self, r: Route) -> Route {
        let Route {
            destination,
            target,
            state,
        } = r;
        Route {
            destination: if destination.starts_with("pl-") {
                self.aws_id(&destination)
            } else {
                self.ip(&destination)
            },
            target: if target == "local" || target.starts_with("arn:") {
                target
            } else {
                self.aws_id(&target)
            },
            state,
        }
    }

    pub(super) fn nat_gateway(&mut self, n: NatGateway) -> NatGateway {
        let NatGateway {
            id,
            state,
            subnet_id,
            connectivity,
            subnet_routes,
            subnet_route_table,
        } = n;
        NatGateway {
            id: self.aws_id(&id),
            state,
            subnet_id: self.opt(subnet_id, Self::aws_id),
            connectivity,
            subnet_routes: subnet_routes
                .map(|routes| routes.into_iter().map(|r| self.route(r)).collect()),
            subnet_route_table: self.opt(subnet_route_table, Self::aws_id),
        }
    }

    pub(super) fn interface(&mut self, i: Interface) -> Interface {
        let Interface {
            id,
            subnet_id,
            vpc_id,
            security_groups,
            private_ip,
            public_ip,
            source,
        } = i;
        Interface {
            id: self.aws_id(&id),
            subnet_id: self.aws_id(&subnet_id),
            vpc_id: self.aws_id(&vpc_id),
            security_groups: security_groups.iter().map(|g| self.aws_id(g)).collect(),
            private_ip: self.opt(private_ip, Self::ip),
            public_ip: self.opt(public_ip, Self::ip),
            source,
        }
    }

    fn sg_rule(&mut self, r: SgRule) -> SgRule {
        let SgRule {
            protocol,
            from_port,
            to_port,
            ipv4_ranges,
            ipv6_ranges,
            prefix_lists,
            groups,
        } = r;
        SgRule {
            protocol,
            from_port,
            to_port,
            ipv4_ranges: ipv4_ranges.iter().map(|c| self.ip(c)).collect(),
            ipv6_ranges: ipv6_ranges.iter().map(|c| self.ip(c)).collect(),
            prefix_lists: prefix_lists.iter().map(|p| self.aws_id(p)).collect(),
            groups: groups.iter().map(|g| self.aws_id(g)).collect(),
        }
    }

    fn acl_entry(&mut self, e: AclEntry) -> AclEntry {
        let AclEntry {
            rule_number,
            egress,
            protocol,
            action,
            cidr,
            ipv6_cidr,
            from_port,
            to_port,
        } = e;
        AclEntry {
            rule_number,
            egress,
            protocol,
            action,
            cidr: self.opt(cidr, Self::ip),
            ipv6_cidr: self.opt(ipv6_cidr, Self::ip),
            from_port,
            to_port,
        }
    }

    pub(super) fn firewall(&mut self, f: Firewall) -> Firewall {
        let Firewall {
            security_groups,
            network_acls,
            network_acls_error,
            prefix_lists,
            prefix_list_error,
            prefix_list_names,
        } = f;
        Firewall {
            security_groups: security_groups
                .into_values()
                .map(|g| {
                    let SecurityGroup {
                        id,
                        name,
                        ingress,
                        egress,
                    } = g;
                    let g = SecurityGroup {
                        id: self.aws_id(&id),
                        name: self.name("security-group", &name),
                        ingress: ingress.into_iter().map(|r| self.sg_rule(r)).collect(),
                        egress: egress.into_iter().map(|r| self.sg_rule(r)).collect(),
                    };
                    (g.id.clone(), g)
                })
                .collect(),
            network_acls: network_acls
                .into_iter()
                .map(|a| {
                    let NetworkAcl {
                        id,
                        is_default,
                        subnet_ids,
                        entries,
                    } = a;
                    NetworkAcl {
                        id: self.aws_id(&id),
                        is_default,
                        subnet_ids: subnet_ids.iter().map(|s| self.aws_id(s)).collect(),
                        entries: entries.into_iter().map(|e| self.acl_entry(e)).collect(),
                    }
                })
                .collect(),
            network_acls_error: network_acls_error.map(|e| self.error(e)),
            prefix_lists: prefix_lists
                .into_iter()
                .map(|(k, v)| (self.aws_id(&k), v.iter().map(|c| self.ip(c)).collect()))
                .collect(),
            prefix_list_error: prefix_list_error.map(|e| self.error(e)),
            // AWS's own list names (`com.amazonaws.REGION.s3`) are kept; others are names.
            prefix_list_names: prefix_list_names
                .into_iter()
                .map(|(k, v)| {
                    let name = if v.starts_with("com.amazonaws.") {
                        v
                    } else {
                        self.name("prefix-list", &v)
                    };
                    (self.aws_id(&k), name)
                })
                .collect(),
        }
    }

    pub(super) fn role(&mut self, r: Role) -> Role {
        let Role {
            arn,
            exists,
            trust_policy,
            tags,
        } = r;
        Role {
            arn: self.arn(&arn),
            exists,
            trust_policy: trust_policy.map(|d| self.document(d)),
            tags: self.tags(tags),
        }
    }

    pub(super) fn key_policy(&mut self, k: KeyPolicy) -> KeyPolicy {
        let KeyPolicy {
            key_arn,
            policy,
            grants,
            grants_error,
        } = k;
        KeyPolicy {
            key_arn: self.arn(&key_arn),
            policy: self.document(policy),
            grants: grants
                .into_iter()
                .map(|g| {
                    let Grant {
                        grant_id,
                        grantee_principal,
                        operations,
                    } = g;
                    Grant {
                        grant_id: self.opt(grant_id, |r, id| r.hex_id("grant", id)),
                        grantee_principal: if grantee_principal.starts_with("arn:") {
                            self.arn(&grantee_principal)
                        } else {
                            self.text(&grantee_principal, true)
                        },
                        operations,
                    }
                })
                .collect(),
            grants_error: grants_error.map(|e| self.error(e)),
        }
    }

    pub(super) fn log_destinations(&mut self, l: LogDestinations) -> LogDestinations {
        let LogDestinations {
            log_group,
            log_group_error,
            bucket,
            bucket_error,
        } = l;
        LogDestinations {
            log_group: log_group.map(|g| {
                let LogGroup {
                    name,
                    exists,
                    kms_key_id,
                } = g;
                LogGroup {
                    name: self.name("log-group", &name),
                    exists,
                    kms_key_id: self.opt(kms_key_id, Self::kms_key_ref),
                }
            }),
            log_group_error: log_group_error.map(|e| self.error(e)),
            bucket: bucket.map(|b| {
                let BucketEncryption {
                    name,
                    exists,
                    encrypted,
                    algorithm,
                } = b;
                BucketEncryption {
                    name: self.name("bucket", &name),
                    exists,
                    encrypted,
                    algorithm,
                }
            }),
            bucket_error: bucket_error.map(|e| self.error(e)),
        }
    }

    /// A policy document: keys and AWS-defined values kept, every string value redacted as
    /// an ARN or as free text.
    pub(super) fn document(&mut self, value: serde_json::Value) -> serde_json::Value {
        use serde_json::Value as V;
        match value {
            V::String(s) if s.starts_with("arn:") && !s.contains('*') => V::String(self.arn(&s)),
            V::String(s) if s.len() == 12 && s.chars().all(|c| c.is_ascii_digit()) => {
                V::String(self.account(&s))
            }
            V::String(s) => V::String(self.text(&s, true)),
            V::Array(items) => V::Array(items.into_iter().map(|v| self.document(v)).collect()),
            V::Object(map) => V::Object(
                map.into_iter()
                    .map(|(k, v)| (k, self.document(v)))
                    .collect(),
            ),
            other => other,
        }
    }

    pub(super) fn network(&mut self, n: Network) -> Network {
        let Network {
            subnet_id,
            vpc_id,
            subnet_owner,
            default_route,
            routes_known,
            routes_error,
            endpoints,
            subnet_cidr,
            subnet_cidrs,
            route_table_id,
            routes,
            nat_gateways,
            dns_support,
            dns_hostnames,
            nat_error,
            dns_error,
            dhcp_options,
            dhcp_error,
        } = n;
        Network {
            subnet_id: self.aws_id(&subnet_id),
            vpc_id: self.aws_id(&vpc_id),
            subnet_owner: self.opt(subnet_owner, Self::account),
            default_route: self.opt(default_route, Self::aws_id),
            routes_known,
            routes_error: routes_error.map(|e| self.error(e)),
            endpoints: endpoints
                .into_iter()
                .map(|e| {
                    let VpcEndpoint {
                        id,
                        service_name,
                        endpoint_type,
                        state,
                        private_dns_enabled,
                        security_groups,
                        subnet_ids,
                        policy,
                    } = e;
                    VpcEndpoint {
                        id: self.aws_id(&id),
                        // AWS-defined (`com.amazonaws.REGION.ssmmessages`): only ids and
                        // accounts in it (PrivateLink services) are replaced.
                        service_name: self.text(&service_name, false),
                        endpoint_type,
                        state,
                        private_dns_enabled,
                        security_groups: security_groups.iter().map(|g| self.aws_id(g)).collect(),
                        subnet_ids: subnet_ids.iter().map(|g| self.aws_id(g)).collect(),
                        policy: policy.map(|p| self.document(p)),
                    }
                })
                .collect(),
            subnet_cidr: self.opt(subnet_cidr, Self::ip),
            subnet_cidrs: subnet_cidrs
                .into_iter()
                .map(|(k, v)| (self.aws_id(&k), self.ip(&v)))
                .collect(),
            route_table_id: self.opt(route_table_id, Self::aws_id),
            routes: routes.into_iter().map(|r| self.route(r)).collect(),
            nat_gateways: nat_gateways
                .map(|list| list.into_iter().map(|n| self.nat_gateway(n)).collect()),
            dns_support,
            dns_hostnames,
            nat_error: nat_error.map(|e| self.error(e)),
            dns_error: dns_error.map(|e| self.error(e)),
            dhcp_options: dhcp_options.map(|o| DhcpOptions {
                id: self.aws_id(&o.id),
                domain_name_servers: o
                    .domain_name_servers
                    .into_iter()
                    .map(|s| {
                        if s == "AmazonProvidedDNS" {
                            s
                        } else {
                            self.ip(&s)
                        }
                    })
                    .collect(),
            }),
            dhcp_error: dhcp_error.map(|e| self.error(e)),
        }
    }

    pub(super) fn simulation(&mut self, s: Simulation) -> Simulation {
        let Simulation {
            principal_arn,
            results,
        } = s;
        Simulation {
            principal_arn: self.arn(&principal_arn),
            results: results
                .into_iter()
                .map(|r| {
                    let SimResult {
                        action,
                        resource,
                        decision,
                        missing_context,
                        allowed_by_organizations,
                        allowed_by_boundary,
                        matched_statements,
                        variants,
                        read_context,
                        absent_context,
                        time,
                    } = r;
                    SimResult {
                        action,
                        resource: if resource.starts_with("arn:") {
                            self.arn(&resource)
                        } else {
                            resource
                        },
                        decision,
                        missing_context,
                        allowed_by_organizations,
                        allowed_by_boundary,
                        matched_statements: self.matched(matched_statements),
                        variants: variants
                            .into_iter()
                            .map(|v| crate::model::SimVariant {
                                matched_statements: self.matched(v.matched_statements),
                                ..v
                            })
                            .collect(),
                        read_context: read_context
                            .into_iter()
                            .map(|(k, v)| {
                                let v = if k.to_ascii_lowercase().starts_with("aws:principaltag/") {
                                    super::name_placeholder("tag", &v)
                                } else {
                                    self.aws_id(&v)
                                };
                                (k, v)
                            })
                            .collect(),
                        absent_context,
                        time,
                    }
                })
                .collect(),
        }
    }
}
