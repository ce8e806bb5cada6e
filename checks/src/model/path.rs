//! The facts of the network path from a task to Session Manager: the task's network interface,
//! the security groups and network ACLs that filter it, and the routes of its subnet.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The network interface the exec agent's traffic leaves through: the task's own ENI
/// (`awsvpc`, from the task attachment's `networkInterfaceId`) or, for `bridge` and `host`
/// tasks, the primary ENI of the EC2 instance.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Interface {
    /// `eni-…`.
    pub id: String,
    pub subnet_id: String,
    pub vpc_id: String,
    /// Security group ids attached to the interface.
    #[serde(default)]
    pub security_groups: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_ip: Option<String>,
    /// The public IPv4 address associated with the interface, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_ip: Option<String>,
    /// Whose interface it is.
    pub source: InterfaceSource,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InterfaceSource {
    /// The task's own ENI (`awsvpc`).
    #[default]
    Task,
    /// The container instance's primary ENI (`bridge`/`host`).
    Instance,
}

/// The security groups and network ACLs of the task's VPC that decide its traffic.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Firewall {
    /// Every security group of the VPC that is visible (the task's, the endpoints', and the
    /// ones their rules reference), by id.
    #[serde(default)]
    pub security_groups: BTreeMap<String, SecurityGroup>,
    /// Network ACLs of the VPC, with the subnets associated with each.
    #[serde(default)]
    pub network_acls: Vec<NetworkAcl>,
    /// Why the network ACLs could not be read (`ec2:DescribeNetworkAcls`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_acls_error: Option<crate::facts::FactError>,
    /// Entries of the managed prefix lists that security-group rules reference, by id.
    #[serde(default)]
    pub prefix_lists: BTreeMap<String, Vec<String>>,
    /// Why a referenced prefix list could not be read (`ec2:GetManagedPrefixListEntries`,
    /// `ec2:DescribeManagedPrefixLists`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix_list_error: Option<crate::facts::FactError>,
    /// The names of those prefix lists, by id (`com.amazonaws.us-east-1.s3` for AWS's own).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub prefix_list_names: BTreeMap<String, String>,
}

impl Firewall {
    /// The prefix lists with those of other AWS services emptied: an AWS-managed list of S3's,
    /// DynamoDB's or CloudFront's addresses never holds ssmmessages' (or KMS's, or CloudWatch
    /// Logs'), so a rule allowing only such a list cannot let the agent's connection to
    /// `service` out; S3's own list does count towards S3. Each emptied list, for evidence.
    pub fn prefix_lists_towards(
        &self,
        service: &str,
    ) -> (BTreeMap<String, Vec<String>>, Vec<String>) {
        let mut lists = self.prefix_lists.clone();
        let mut other = Vec::new();
        let own = format!(".{service}");
        for (id, name) in &self.prefix_list_names {
            let foreign = name.starts_with("com.amazonaws.")
                && !name.ends_with(&own)
                && [".s3", ".dynamodb", ".s3express", "cloudfront.origin-facing"]
                    .iter()
                    .any(|s| name.ends_with(s));
            if foreign && let Some(entries) = lists.get_mut(id) {
                entries.clear();
                other.push(format!(
                    "prefix list `{id}` is `{name}`: another service's addresses, not {service}'s"
                ));
            }
        }
        (lists, other)
    }

    /// The network ACL associated with `subnet`.
    pub fn acl_of(&self, subnet: &str) -> Option<&NetworkAcl> {
        self.network_acls
            .iter()
            .find(|a| a.subnet_ids.iter().any(|s| s == subnet))
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SecurityGroup {
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub ingress: Vec<SgRule>,
    #[serde(default)]
    pub egress: Vec<SgRule>,
}

/// One permission of a security group (`IpPermissions` / `IpPermissionsEgress`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SgRule {
    /// `-1` (all), `tcp`, `udp`, `icmp`, `icmpv6` or a protocol number (`6` is TCP).
    pub protocol: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_port: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_port: Option<i32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ipv4_ranges: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ipv6_ranges: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub prefix_lists: Vec<String>,
    /// Referenced security group ids.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NetworkAcl {
    pub id: String,
    #[serde(default)]
    pub is_default: bool,
    #[serde(default)]
    pub subnet_ids: Vec<String>,
    #[serde(default)]
    pub entries: Vec<AclEntry>,
}

/// One network ACL entry. Entries are evaluated in `rule_number` order; the first match wins
/// and rule `32767` (`*`) denies everything else.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AclEntry {
    pub rule_number: i32,
    pub egress: bool,
    /// `-1` (all), or a protocol number (`6` is TCP).
    pub protocol: String,
    /// `allow` or `deny`.
    pub action: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cidr: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipv6_cidr: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_port: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_port: Option<i32>,
}

/// One route of the subnet's route table.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Route {
    /// A CIDR block (`0.0.0.0/0`) or a prefix list id (`pl-…`).
    pub destination: String,
    /// `local`, `igw-…`, `nat-…`, `tgw-…`, `pcx-…`, `eni-…`, `vpce-…` (firewall), …
    pub target: String,
    /// `active` or `blackhole`.
    pub state: String,
}

/// A NAT gateway of the VPC (`ec2:DescribeNatGateways`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NatGateway {
    pub id: String,
    /// `pending`, `available`, `deleting`, `deleted`, `failed`.
    pub state: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subnet_id: Option<String>,
    /// `public` or `private` (a private NAT gateway cannot reach the internet by itself).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connectivity: Option<String>,
    /// The routes of the table its own subnet uses (associated, else the VPC's main table):
    /// a public NAT gateway reaches the internet only through that table's default route to an
    /// internet gateway. `None` when not read (recordings made before it was kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subnet_routes: Option<Vec<Route>>,
    /// The id of that table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subnet_route_table: Option<String>,
}

/// One hop of the path, as the report shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hop {
    /// `interface`, `security-group`, `network-acl`, `route`, `nat-gateway`,
    /// `internet-gateway`, `endpoint`, `ssmmessages`.
    pub hop: String,
    /// The resource id (`eni-…`, `sg-…`, `acl-…`, `rtb-…`, `nat-…`, `vpce-…`).
    pub resource: String,
    pub status: crate::outcome::Status,
    pub detail: String,
    /// For an unknown hop, the IAM action whose denial hid it (for the check that reads the
    /// hop to name it; the report shows the action in its own list).
    #[serde(skip)]
    pub missing_action: Option<String>,
}

/// `lint` only: the security groups a service gives its tasks, as the input defines them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InputGroups {
    pub groups: Vec<InputGroup>,
}

/// One security group of the input with the egress rules the input gives it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InputGroup {
    /// As the input names it (`aws_security_group.tasks`, `TaskSecurityGroup`).
    pub name: String,
    #[serde(default)]
    pub egress: Vec<InputRule>,
    /// What may add egress rules that the input does not show (a module given the group, a
    /// rule that exists only under a `count` known at apply time, a dynamic block); empty
    /// when the rules above are all of them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unread: Vec<String>,
}

/// One egress rule: protocol (`tcp`, `-1`, `6`), ports, and where to (described).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InputRule {
    pub protocol: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_port: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_port: Option<i64>,
    /// `0.0.0.0/0`, `sg-…`, `aws_security_group.endpoints`, `pl-…`; IPv6 ranges are left
    /// out (they do not carry the agent's IPv4 connection).
    pub to: Vec<String>,
    /// Where the rule comes from (`egress #1 of aws_security_group.tasks`, the default rule).
    pub source: String,
}

impl InputRule {
    /// Whether it allows TCP 443 to at least one IPv4 destination or group.
    pub fn allows_https(&self) -> bool {
        let proto = self.protocol.to_ascii_lowercase();
        let all = matches!(proto.as_str(), "-1" | "all");
        let tcp = matches!(proto.as_str(), "tcp" | "6");
        let ports = match (self.from_port, self.to_port) {
            (Some(a), Some(b)) => a.min(b) <= 443 && a.max(b) >= 443 || (a == 0 && b == 0 && all),
            _ => all,
        };
        (all || (tcp && ports)) && !self.to.is_empty()
    }
}
