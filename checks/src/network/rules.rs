//! Pure evaluators for AWS security groups and network ACLs.
//!
//! They decide whether the ECS Exec agent inside a task can open TCP 443 to the Session
//! Manager endpoint (`ssmmessages`), through the internet (NAT gateway / internet gateway) or
//! to the IPs of an interface VPC endpoint, and receive the return traffic. Security groups
//! are stateful (only the opening direction is checked); network ACLs are stateless and must
//! be checked in both directions (the return traffic uses ephemeral ports 1024-65535).
//! Everything here is IPv4: IPv6 ranges and entries never allow IPv4 traffic. Malformed CIDR
//! strings are ignored.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::net::Ipv4Addr;

use crate::model::{AclEntry, NetworkAcl, SecurityGroup, SgRule};

/// An IPv4 network (address, prefix length). Parse "10.0.0.0/16", "10.0.1.5" (=/32). Host
/// bits set ("10.0.1.5/16") are accepted and masked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Net4 {
    pub addr: u32,
    pub len: u8,
}

/// An inclusive address interval, in `u64` so that `hi + 1` never overflows.
type Span = (u64, u64);

fn mask(len: u8) -> u32 {
    match len.min(32) {
        0 => 0,
        l => u32::MAX << (32 - u32::from(l)),
    }
}

fn span(n: &Net4) -> Span {
    let len = n.len.min(32);
    let lo = u64::from(n.addr & mask(len));
    (lo, lo + (1u64 << (32 - u32::from(len))) - 1)
}

impl Net4 {
    /// Every IPv4 address (`0.0.0.0/0`).
    pub const ANY: Net4 = Net4 { addr: 0, len: 0 };

    /// `None` for anything that is not a dotted-quad IPv4 address with an optional `/0`..`/32`.
    pub fn parse(s: &str) -> Option<Net4> {
        let s = s.trim();
        let (addr, len) = match s.split_once('/') {
            Some((a, l)) if (1..=2).contains(&l.len()) && l.bytes().all(|b| b.is_ascii_digit()) => {
                (a, l.parse::<u8>().ok().filter(|&len| len <= 32)?)
            }
            Some(_) => return None,
            None => (s, 32),
        };
        let ip: Ipv4Addr = addr.parse().ok()?;
        Some(Net4 {
            addr: u32::from(ip) & mask(len),
            len,
        })
    }

    /// Whether `other` lies entirely inside `self`.
    pub fn contains(&self, other: &Net4) -> bool {
        let (a, b) = (span(self), span(other));
        a.0 <= b.0 && b.1 <= a.1
    }

    /// Whether the two networks share at least one address.
    pub fn overlaps(&self, other: &Net4) -> bool {
        let (a, b) = (span(self), span(other));
        a.0 <= b.1 && b.0 <= a.1
    }
}

impl fmt::Display for Net4 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", Ipv4Addr::from(self.addr), self.len)
    }
}

/// The far side of a flow: everything in these networks (IPv4), and/or members of these
/// security groups (the peer's ENIs carry these groups).
#[derive(Debug, Clone, Default)]
pub struct Peer {
    pub nets: Vec<Net4>,
    pub groups: Vec<String>,
}

/// What a security-group or ACL evaluation concluded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    /// Allowed; `by` names the rule, e.g. "sg-0abc egress tcp 443 to 0.0.0.0/0" or
    /// "acl-1 rule 100 allows all traffic to 0.0.0.0/0".
    Allowed { by: String },
    /// Only part of the peer is allowed; `by` names the rule(s), `missing` says what is not
    /// covered.
    Partial { by: String, missing: String },
    /// Blocked; `by` names the deciding rule for ACLs, or for security groups says nothing
    /// allows it.
    Blocked { by: String },
    /// Cannot be decided from what is visible; `why` says what is missing.
    Unknown { why: String },
}

/// The ports a rule or entry matches for TCP: protocol `-1` (everything), or a TCP range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ports {
    All,
    Tcp(u32, u32),
}

impl Ports {
    fn range(self) -> (u32, u32) {
        match self {
            Ports::All => (0, 65535),
            Ports::Tcp(lo, hi) => (lo, hi),
        }
    }
}

/// How `protocol` + ports match TCP; `None` if they never do. `None`/`-1` from-port = all
/// ports; a missing to-port = the from-port; `-1` to-port = 65535; inverted = no match.
fn tcp_ports(protocol: &str, from: Option<i32>, to: Option<i32>) -> Option<Ports> {
    let p = protocol.trim();
    if p == "-1" || p.eq_ignore_ascii_case("all") {
        return Some(Ports::All);
    } else if !(p == "6" || p.eq_ignore_ascii_case("tcp")) {
        return None;
    }
    let lo = match from {
        None | Some(-1) => return Some(Ports::Tcp(0, 65535)),
        Some(f) => f.clamp(0, 65535) as u32,
    };
    let hi = match to {
        None => lo,
        Some(-1) => 65535,
        Some(t) => t.clamp(0, 65535) as u32,
    };
    (lo <= hi).then_some(Ports::Tcp(lo, hi))
}

fn ports_word(p: Ports) -> String {
    match p {
        Ports::All => "all traffic".to_string(),
        Ports::Tcp(lo, hi) => tcp_word(lo, hi),
    }
}

fn tcp_word(lo: u32, hi: u32) -> String {
    if lo == hi {
        format!("tcp {lo}")
    } else {
        format!("tcp {lo}-{hi}")
    }
}

/// A CIDR when the interval is one aligned block, else `first-last`.
fn fmt_span((lo, hi): Span) -> String {
    let size = hi.saturating_sub(lo) + 1;
    if size.is_power_of_two() && lo % size == 0 && size <= 1u64 << 32 {
        let len = 32 - size.trailing_zeros();
        Net4 {
            addr: lo as u32,
            len: len as u8,
        }
        .to_string()
    } else {
        format!(
            "{}-{}",
            Ipv4Addr::from(lo as u32),
            Ipv4Addr::from(hi as u32)
        )
    }
}

/// The parts of `whole` not covered by any of `parts`.
fn gaps(whole: Span, mut parts: Vec<Span>) -> Vec<Span> {
    parts.sort_unstable();
    let mut out = Vec::new();
    let mut cursor = whole.0;
    for (lo, hi) in parts {
        let (lo, hi) = (lo.max(whole.0), hi.min(whole.1));
        if lo > hi {
            continue;
        }
        if lo > cursor {
            out.push((cursor, lo - 1));
        }
        cursor = cursor.max(hi + 1);
        if cursor > whole.1 {
            return out;
        }
    }
    out.push((cursor, whole.1));
    out
}

fn list(items: &[String], max: usize) -> String {
    match items.get(..max) {
        Some(first) if items.len() > max => {
            format!("{} and {} more", first.join(", "), items.len() - max)
        }
        _ => items.join(", "),
    }
}

fn push_unique(v: &mut Vec<String>, s: &str) {
    if !v.iter().any(|x| x == s) {
        v.push(s.to_string());
    }
}

fn peer_desc(peer: &Peer) -> String {
    let items: Vec<String> = peer
        .nets
        .iter()
        .map(Net4::to_string)
        .chain(peer.groups.iter().cloned())
        .collect();
    if items.is_empty() {
        "nothing".to_string()
    } else {
        items.join(", ")
    }
}

/// Security groups are stateful: return traffic is always allowed. Egress of the source groups
/// (union of their rules) must allow TCP `port` to the whole peer.
pub fn sg_egress(
    groups: &[String],
    all: &BTreeMap<String, SecurityGroup>,
    port: u16,
    peer: &Peer,
    prefix_lists: &BTreeMap<String, Vec<String>>,
) -> Reach {
    sg_eval(true, groups, all, port, peer, prefix_lists)
}

/// Ingress of the destination groups must allow TCP `port` from the source: from one of
/// `source.groups` (a rule referencing that group id), or from CIDRs covering every
/// `source.nets`.
pub fn sg_ingress(
    groups: &[String],
    all: &BTreeMap<String, SecurityGroup>,
    port: u16,
    source: &Peer,
    prefix_lists: &BTreeMap<String, Vec<String>>,
) -> Reach {
    sg_eval(false, groups, all, port, source, prefix_lists)
}

fn sg_eval(
    egress: bool,
    groups: &[String],
    all: &BTreeMap<String, SecurityGroup>,
    port: u16,
    peer: &Peer,
    pls: &BTreeMap<String, Vec<String>>,
) -> Reach {
    let (word, prep) = if egress {
        ("egress", "to")
    } else {
        ("ingress", "from")
    };
    let what = format!("tcp {port}");
    let port = u32::from(port);
    let mut unseen: Vec<&str> = Vec::new();
    let mut missing_pls: BTreeSet<&str> = BTreeSet::new();
    let mut targets: Vec<(Net4, String)> = Vec::new();
    for gid in groups {
        let Some(sg) = all.get(gid) else {
            unseen.push(gid.as_str());
            continue;
        };
        let rules: &[SgRule] = if egress { &sg.egress } else { &sg.ingress };
        for r in rules {
            let Some(p) = tcp_ports(&r.protocol, r.from_port, r.to_port) else {
                continue;
            };
            let (lo, hi) = p.range();
            if port < lo || port > hi {
                continue;
            }
            let head = format!("{gid} {word} {} {prep}", ports_word(p));
            if let Some(g) = r
                .groups
                .iter()
                .find(|g| peer.groups.iter().any(|pg| pg == *g))
            {
                return Reach::Allowed {
                    by: format!("{head} {g}"),
                };
            }
            for n in r.ipv4_ranges.iter().filter_map(|c| Net4::parse(c)) {
                targets.push((n, format!("{head} {n}")));
            }
            for pl in &r.prefix_lists {
                let Some(entries) = pls.get(pl) else {
                    missing_pls.insert(pl.as_str());
                    continue;
                };
                for n in entries.iter().filter_map(|c| Net4::parse(c)) {
                    targets.push((n, format!("{head} {pl} ({n})")));
                }
            }
        }
    }

    let mut by: Vec<String> = Vec::new();
    let mut holes: Vec<String> = Vec::new();
    for net in &peer.nets {
        if let Some((_, d)) = targets.iter().find(|(n, _)| n.contains(net)) {
            push_unique(&mut by, d);
            continue;
        }
        let touching: Vec<&(Net4, String)> =
            targets.iter().filter(|(n, _)| n.overlaps(net)).collect();
        for (_, d) in &touching {
            push_unique(&mut by, d);
        }
        let left = gaps(span(net), touching.iter().map(|(n, _)| span(n)).collect());
        holes.extend(left.into_iter().map(fmt_span));
    }

    if !peer.nets.is_empty() && holes.is_empty() {
        return Reach::Allowed { by: by.join("; ") };
    }
    if !unseen.is_empty() {
        let (s, its) = if unseen.len() == 1 {
            ("", "its")
        } else {
            ("s", "their")
        };
        let (ids, to) = (unseen.join(", "), peer_desc(peer));
        let why = format!(
            "cannot read security group{s} {ids}; {its} {word} rules may allow {what} {prep} {to}"
        );
        return Reach::Unknown { why };
    }
    let pl_list = missing_pls.iter().copied().collect::<Vec<_>>().join(", ");
    if !by.is_empty() {
        let mut missing = format!("{what} {prep} {}", list(&holes, 4));
        if !missing_pls.is_empty() {
            missing.push_str(&format!(
                " (unless prefix list {pl_list}, whose entries are unknown, covers it)"
            ));
        }
        return Reach::Partial {
            by: by.join("; "),
            missing,
        };
    }
    if !missing_pls.is_empty() {
        let why = format!(
            "the entries of prefix list {pl_list}, referenced by a {word} rule for {what}, are unknown"
        );
        return Reach::Unknown { why };
    }
    let by = if groups.is_empty() {
        format!(
            "no security group is attached, so nothing allows {what} {prep} {}",
            peer_desc(peer)
        )
    } else {
        format!(
            "no {word} rule of {} allows {what} {prep} {}",
            groups.join(", "),
            peer_desc(peer)
        )
    };
    Reach::Blocked { by }
}

/// A block of (addresses × TCP ports), both inclusive.
#[derive(Debug, Clone, Copy)]
struct Rect {
    a: Span,
    p: (u32, u32),
}

fn inter(x: &Rect, y: &Rect) -> Option<Rect> {
    let a = (x.a.0.max(y.a.0), x.a.1.min(y.a.1));
    let p = (x.p.0.max(y.p.0), x.p.1.min(y.p.1));
    (a.0 <= a.1 && p.0 <= p.1).then_some(Rect { a, p })
}

/// Pushes the (disjoint) pieces of `r` outside `e`.
fn subtract(r: &Rect, e: &Rect, out: &mut Vec<Rect>) {
    let Some(i) = inter(r, e) else {
        out.push(*r);
        return;
    };
    let pieces = [
        (r.a.0 < i.a.0).then(|| Rect {
            a: (r.a.0, i.a.0 - 1),
            p: r.p,
        }),
        (i.a.1 < r.a.1).then(|| Rect {
            a: (i.a.1 + 1, r.a.1),
            p: r.p,
        }),
        (r.p.0 < i.p.0).then(|| Rect {
            a: i.a,
            p: (r.p.0, i.p.0 - 1),
        }),
        (i.p.1 < r.p.1).then(|| Rect {
            a: i.a,
            p: (i.p.1 + 1, r.p.1),
        }),
    ];
    out.extend(pieces.into_iter().flatten());
}

/// Beyond this many undecided pieces the ACL is reported as Unknown instead of evaluated.
const MAX_PIECES: usize = 20_000;

/// Network ACLs are stateless and evaluated per direction in ascending `rule_number`; the first
/// entry that matches the protocol, the port range and the address decides; nothing matched =
/// deny (the `*` rule). `egress` selects outbound entries. The flow is TCP to/from `peer_net`
/// on ports `from..=to`. The walk tracks exactly which (address, port) pieces of the flow are
/// still undecided: Allowed when every piece is allowed, Blocked when every piece is denied,
/// else Partial (`missing` lists the denied pieces and the rule denying them).
pub fn acl(acl: &NetworkAcl, egress: bool, peer_net: &Net4, from: u16, to: u16) -> Reach {
    let prep = if egress { "to" } else { "from" };
    let (lo, hi) = if from <= to { (from, to) } else { (to, from) };
    let mut remaining = vec![Rect {
        a: span(peer_net),
        p: (u32::from(lo), u32::from(hi)),
    }];
    let mut entries: Vec<&AclEntry> = acl.entries.iter().filter(|e| e.egress == egress).collect();
    entries.sort_by_key(|e| e.rule_number);
    let mut allowed: Vec<String> = Vec::new();
    // (full description, short label, denied pieces)
    let mut denied: Vec<(String, String, Vec<Rect>)> = Vec::new();
    let default_full = format!(
        "{} default rule (*) denies everything not allowed before it",
        acl.id
    );
    let default_short = format!("{} default rule (*)", acl.id);
    for e in entries {
        if remaining.is_empty() {
            break;
        }
        let Some(ports) = tcp_ports(&e.protocol, e.from_port, e.to_port) else {
            continue;
        };
        let Some(net) = e.cidr.as_deref().and_then(Net4::parse) else {
            continue;
        };
        let er = Rect {
            a: span(&net),
            p: ports.range(),
        };
        let hits: Vec<Rect> = remaining.iter().filter_map(|r| inter(r, &er)).collect();
        if hits.is_empty() {
            continue;
        }
        let allow = e.action.trim().eq_ignore_ascii_case("allow");
        let what = format!("{} {prep} {net}", ports_word(ports));
        if allow {
            allowed.push(format!("{} rule {} allows {what}", acl.id, e.rule_number));
        } else if e.rule_number == 32767 {
            denied.push((default_full.clone(), default_short.clone(), hits));
        } else {
            let short = format!("{} rule {}", acl.id, e.rule_number);
            denied.push((format!("{short} denies {what}"), short, hits));
        }
        let mut next = Vec::with_capacity(remaining.len());
        for r in &remaining {
            subtract(r, &er, &mut next);
        }
        remaining = next;
        if remaining.len() > MAX_PIECES {
            return Reach::Unknown {
                why: format!("{} has too many overlapping entries to evaluate", acl.id),
            };
        }
    }
    if !remaining.is_empty() {
        denied.push((default_full, default_short, remaining));
    }
    if denied.is_empty() {
        return Reach::Allowed {
            by: allowed.join("; "),
        };
    }
    if allowed.is_empty() {
        let by: Vec<String> = denied.into_iter().map(|(full, _, _)| full).collect();
        return Reach::Blocked { by: by.join("; ") };
    }
    let missing: Vec<String> = denied
        .iter()
        .map(|(_, short, pieces)| {
            let parts: Vec<String> = pieces
                .iter()
                .map(|r| format!("{} {prep} {}", tcp_word(r.p.0, r.p.1), fmt_span(r.a)))
                .collect();
            format!("{} denied by {short}", list(&parts, 3))
        })
        .collect();
    Reach::Partial {
        by: allowed.join("; "),
        missing: missing.join("; "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Net4 {
        Net4::parse(s).unwrap_or(Net4 { addr: 1, len: 32 })
    }

    fn peer(nets: &[&str], groups: &[&str]) -> Peer {
        Peer {
            nets: nets.iter().map(|s| n(s)).collect(),
            groups: ids(groups),
        }
    }

    fn ids(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    fn rule(proto: &str, ports: Option<(i32, i32)>, cidrs: &[&str]) -> SgRule {
        let (from_port, to_port) = (ports.map(|p| p.0), ports.map(|p| p.1));
        SgRule {
            protocol: proto.into(),
            from_port,
            to_port,
            ipv4_ranges: ids(cidrs),
            ..Default::default()
        }
    }

    fn group(id: &str, ingress: Vec<SgRule>, egress: Vec<SgRule>) -> SecurityGroup {
        SecurityGroup {
            id: id.into(),
            name: String::new(),
            ingress,
            egress,
        }
    }

    fn sgs(list: Vec<SecurityGroup>) -> BTreeMap<String, SecurityGroup> {
        list.into_iter().map(|g| (g.id.clone(), g)).collect()
    }

    fn tcp_to_groups(port: i32, groups: &[&str]) -> SgRule {
        SgRule {
            groups: ids(groups),
            ..rule("tcp", Some((port, port)), &[])
        }
    }

    fn kind(r: &Reach) -> &'static str {
        match r {
            Reach::Allowed { .. } => "allowed",
            Reach::Partial { .. } => "partial",
            Reach::Blocked { .. } => "blocked",
            Reach::Unknown { .. } => "unknown",
        }
    }

    fn entry(
        num: i32,
        egress: bool,
        proto: &str,
        action: &str,
        cidr: Option<&str>,
        ports: Option<(i32, i32)>,
    ) -> AclEntry {
        let (from_port, to_port) = (ports.map(|p| p.0), ports.map(|p| p.1));
        let (protocol, action, cidr) = (proto.into(), action.into(), cidr.map(str::to_string));
        AclEntry {
            rule_number: num,
            egress,
            protocol,
            action,
            cidr,
            ipv6_cidr: None,
            from_port,
            to_port,
        }
    }

    fn nacl(entries: Vec<AclEntry>) -> NetworkAcl {
        NetworkAcl {
            id: "acl-1".into(),
            entries,
            ..Default::default()
        }
    }

    #[test]
    fn net4_parse_contains_overlaps() {
        assert_eq!(
            Net4::parse("10.0.0.0/16"),
            Some(Net4 {
                addr: 0x0A00_0000,
                len: 16
            })
        );
        assert_eq!(
            Net4::parse("10.0.1.5"),
            Some(Net4 {
                addr: 0x0A00_0105,
                len: 32
            })
        );
        assert_eq!(
            Net4::parse("10.0.1.5/16"),
            Some(Net4 {
                addr: 0x0A00_0000,
                len: 16
            })
        );
        assert_eq!(Net4::parse(" 0.0.0.0/0 "), Some(Net4::ANY));
        assert_eq!(
            Net4::parse("255.255.255.255/32").map(|x| x.addr),
            Some(u32::MAX)
        );
        for bad in [
            "10.0.0.0/33",
            "abc",
            "",
            "10.0.0.0/",
            "/8",
            "10.0.0/8",
            "10.0.0.0/8/9",
            "10.0.0.0/-1",
            "10.0.0.0/+8",
            "::/0",
            "256.0.0.0/8",
            "10.0.0.0/008",
        ] {
            assert_eq!(Net4::parse(bad), None, "{bad}");
        }
        assert_eq!(n("10.0.1.5/16").to_string(), "10.0.0.0/16");
        assert!(Net4::ANY.contains(&n("10.0.1.5")) && Net4::ANY.contains(&Net4::ANY));
        assert!(n("10.0.0.0/16").contains(&n("10.0.1.0/24")));
        assert!(!n("10.0.1.0/24").contains(&n("10.0.0.0/16")));
        assert!(
            n("10.0.1.5/32").contains(&n("10.0.1.5")) && !n("10.0.1.5").contains(&n("10.0.1.6"))
        );
        assert!(
            n("10.0.1.0/24").overlaps(&n("10.0.0.0/16"))
                && n("10.0.0.0/16").overlaps(&n("10.0.1.0/24"))
        );
        assert!(Net4::ANY.overlaps(&n("192.168.0.1")));
        assert!(!n("10.0.0.0/16").overlaps(&n("10.1.0.0/16")));
        // Hand-built values with a bad length or host bits never panic.
        let odd = Net4 {
            addr: 0x0A00_0105,
            len: 40,
        };
        assert!(odd.contains(&odd) && !odd.contains(&Net4::ANY));
    }

    #[test]
    fn sg_egress_table() {
        let internet = peer(&["0.0.0.0/0"], &[]);
        let endpoint = peer(&["10.0.1.0/24"], &[]);
        let ipv6_only = SgRule {
            protocol: "-1".into(),
            ipv6_ranges: ids(&["::/0"]),
            ..Default::default()
        };
        let t443 = Some((443, 443));
        let cases: Vec<(&str, Vec<SgRule>, &Peer, &str)> = vec![
            (
                "default all traffic",
                vec![rule("-1", None, &["0.0.0.0/0"])],
                &internet,
                "allowed",
            ),
            (
                "tcp 80 only",
                vec![rule("tcp", Some((80, 80)), &["0.0.0.0/0"])],
                &internet,
                "blocked",
            ),
            (
                "443 to vpc, internet peer",
                vec![rule("tcp", t443, &["10.0.0.0/16"])],
                &internet,
                "partial",
            ),
            (
                "443 to vpc, endpoint peer",
                vec![rule("tcp", t443, &["10.0.0.0/16"])],
                &endpoint,
                "allowed",
            ),
            ("ipv6-only rule", vec![ipv6_only], &internet, "blocked"),
            (
                "protocol 6 all ports",
                vec![rule("6", Some((0, 65535)), &["0.0.0.0/0"])],
                &internet,
                "allowed",
            ),
            (
                "tcp without ports",
                vec![rule("tcp", None, &["0.0.0.0/0"])],
                &internet,
                "allowed",
            ),
            (
                "udp 443",
                vec![rule("udp", t443, &["0.0.0.0/0"])],
                &internet,
                "blocked",
            ),
            (
                "inverted ports",
                vec![rule("tcp", Some((500, 400)), &["0.0.0.0/0"])],
                &internet,
                "blocked",
            ),
            (
                "two halves together",
                vec![
                    rule("tcp", t443, &["0.0.0.0/1"]),
                    rule("tcp", t443, &["128.0.0.0/1"]),
                ],
                &internet,
                "allowed",
            ),
            (
                "malformed cidrs",
                vec![rule(
                    "tcp",
                    t443,
                    &["10.0.0.0/33", "abc", "", "300.1.1.1/8", "::/0"],
                )],
                &internet,
                "blocked",
            ),
            ("no rules", vec![], &endpoint, "blocked"),
        ];
        for (name, egress, p, want) in cases {
            let all = sgs(vec![group("sg-task", vec![], egress)]);
            let got = sg_egress(&ids(&["sg-task"]), &all, 443, p, &BTreeMap::new());
            assert_eq!(kind(&got), want, "{name}: {got:?}");
        }
    }

    #[test]
    fn sg_egress_wording() {
        let none = BTreeMap::new();
        let internet = peer(&["0.0.0.0/0"], &[]);
        let task = ids(&["sg-task"]);
        let all = sgs(vec![group(
            "sg-task",
            vec![],
            vec![rule("-1", None, &["0.0.0.0/0"])],
        )]);
        let by = "sg-task egress all traffic to 0.0.0.0/0".to_string();
        assert_eq!(
            sg_egress(&task, &all, 443, &internet, &none),
            Reach::Allowed { by }
        );

        let all = sgs(vec![group(
            "sg-task",
            vec![],
            vec![rule("tcp", Some((80, 80)), &["0.0.0.0/0"])],
        )]);
        let by = "no egress rule of sg-task allows tcp 443 to 0.0.0.0/0".to_string();
        assert_eq!(
            sg_egress(&task, &all, 443, &internet, &none),
            Reach::Blocked { by }
        );

        let all = sgs(vec![group(
            "sg-task",
            vec![],
            vec![rule("tcp", Some((443, 443)), &["10.0.0.0/16"])],
        )]);
        let Reach::Partial { by, missing } = sg_egress(&task, &all, 443, &internet, &none) else {
            panic!("not partial")
        };
        assert_eq!(by, "sg-task egress tcp 443 to 10.0.0.0/16");
        assert_eq!(
            missing,
            "tcp 443 to 0.0.0.0-9.255.255.255, 10.1.0.0-255.255.255.255"
        );
    }

    #[test]
    fn sg_egress_to_referenced_group() {
        let r = tcp_to_groups(443, &["sg-vpce"]);
        let all = sgs(vec![group("sg-task", vec![], vec![r])]);
        let vpce = peer(&["10.0.1.10/32", "10.0.2.10/32"], &["sg-vpce"]);
        let got = sg_egress(&ids(&["sg-task"]), &all, 443, &vpce, &BTreeMap::new());
        assert_eq!(
            got,
            Reach::Allowed {
                by: "sg-task egress tcp 443 to sg-vpce".into()
            }
        );
        // The same rule says nothing about the internet.
        let got = sg_egress(
            &ids(&["sg-task"]),
            &all,
            443,
            &peer(&["0.0.0.0/0"], &[]),
            &BTreeMap::new(),
        );
        assert_eq!(kind(&got), "blocked");
    }

    #[test]
    fn sg_prefix_lists_and_unreadable_groups() {
        let r = SgRule {
            prefix_lists: ids(&["pl-1"]),
            ..rule("tcp", Some((443, 443)), &[])
        };
        let all = sgs(vec![group("sg-task", vec![], vec![r.clone()])]);
        let task = ids(&["sg-task"]);
        let internet = peer(&["0.0.0.0/0"], &[]);
        let pls: BTreeMap<String, Vec<String>> =
            [("pl-1".to_string(), ids(&["bogus", "0.0.0.0/0"]))].into();
        let got = sg_egress(&task, &all, 443, &internet, &pls);
        assert_eq!(
            got,
            Reach::Allowed {
                by: "sg-task egress tcp 443 to pl-1 (0.0.0.0/0)".into()
            }
        );
        let got = sg_egress(&task, &all, 443, &internet, &BTreeMap::new());
        assert!(
            matches!(&got, Reach::Unknown { why } if why.contains("pl-1")),
            "{got:?}"
        );
        // Another rule already allows: the unknown list does not matter.
        let all = sgs(vec![group(
            "sg-task",
            vec![],
            vec![r, rule("-1", None, &["0.0.0.0/0"])],
        )]);
        assert_eq!(
            kind(&sg_egress(&task, &all, 443, &internet, &BTreeMap::new())),
            "allowed"
        );
        // A group of the interface that is not readable.
        let two = ids(&["sg-task", "sg-gone"]);
        let got = sg_egress(&two, &all, 443, &internet, &BTreeMap::new());
        assert_eq!(kind(&got), "allowed");
        let all = sgs(vec![group(
            "sg-task",
            vec![],
            vec![rule("tcp", Some((80, 80)), &["0.0.0.0/0"])],
        )]);
        let got = sg_egress(&two, &all, 443, &internet, &BTreeMap::new());
        assert!(
            matches!(&got, Reach::Unknown { why } if why.contains("sg-gone")),
            "{got:?}"
        );
    }

    #[test]
    fn sg_ingress_table() {
        let by_group = tcp_to_groups(443, &["sg-task"]);
        let task_ip = peer(&["10.0.2.15/32"], &["sg-task"]);
        let task_subnet = peer(&["10.0.2.0/24"], &[]);
        let t443 = Some((443, 443));
        let cases: Vec<(&str, SgRule, &Peer, &str)> = vec![
            ("from task group", by_group, &task_ip, "allowed"),
            (
                "from covering cidr",
                rule("tcp", t443, &["10.0.0.0/16"]),
                &task_ip,
                "allowed",
            ),
            (
                "from other cidr",
                rule("tcp", t443, &["10.1.0.0/16"]),
                &task_ip,
                "blocked",
            ),
            (
                "half of the subnet",
                rule("tcp", t443, &["10.0.2.0/25"]),
                &task_subnet,
                "partial",
            ),
            (
                "wrong port",
                rule("tcp", Some((80, 80)), &["10.0.0.0/16"]),
                &task_ip,
                "blocked",
            ),
        ];
        for (name, r, source, want) in cases {
            let all = sgs(vec![group("sg-vpce", vec![r], vec![])]);
            let got = sg_ingress(&ids(&["sg-vpce"]), &all, 443, source, &BTreeMap::new());
            assert_eq!(kind(&got), want, "{name}: {got:?}");
        }
        let all = sgs(vec![group(
            "sg-vpce",
            vec![rule("tcp", t443, &["10.1.0.0/16"])],
            vec![],
        )]);
        let got = sg_ingress(&ids(&["sg-vpce"]), &all, 443, &task_ip, &BTreeMap::new());
        let by = "no ingress rule of sg-vpce allows tcp 443 from 10.0.2.15/32, sg-task".to_string();
        assert_eq!(got, Reach::Blocked { by });
    }

    #[test]
    fn acl_rule_number_order_not_vec_order() {
        let any = Some("0.0.0.0/0");
        let deny_first = nacl(vec![
            entry(100, true, "-1", "allow", any, None),
            entry(90, true, "6", "deny", any, Some((443, 443))),
        ]);
        let by = "acl-1 rule 90 denies tcp 443 to 0.0.0.0/0".to_string();
        assert_eq!(
            acl(&deny_first, true, &Net4::ANY, 443, 443),
            Reach::Blocked { by }
        );
        let allow_first = nacl(vec![
            entry(100, true, "6", "deny", any, Some((443, 443))),
            entry(90, true, "-1", "allow", any, None),
        ]);
        let by = "acl-1 rule 90 allows all traffic to 0.0.0.0/0".to_string();
        assert_eq!(
            acl(&allow_first, true, &Net4::ANY, 443, 443),
            Reach::Allowed { by }
        );
    }

    #[test]
    fn acl_inbound_ephemeral_table() {
        let any = Some("0.0.0.0/0");
        let v6 = AclEntry {
            ipv6_cidr: Some("::/0".into()),
            ..entry(100, false, "-1", "allow", None, None)
        };
        let cases: Vec<(&str, Vec<AclEntry>, &str)> = vec![
            (
                "ephemeral allowed",
                vec![
                    entry(100, false, "6", "allow", any, Some((1024, 65535))),
                    entry(32767, false, "-1", "deny", any, None),
                ],
                "allowed",
            ),
            (
                "tcp spelled out",
                vec![entry(100, false, "tcp", "allow", any, Some((0, 65535)))],
                "allowed",
            ),
            (
                "linux range only",
                vec![entry(100, false, "6", "allow", any, Some((32768, 60999)))],
                "partial",
            ),
            ("no inbound allow", vec![], "blocked"),
            (
                "allow all",
                vec![entry(100, false, "-1", "allow", any, None)],
                "allowed",
            ),
            ("ipv6 only entry", vec![v6], "blocked"),
            (
                "malformed cidr",
                vec![
                    entry(100, false, "-1", "allow", Some("10.0.0.0/40"), None),
                    entry(110, false, "-1", "allow", Some("x"), None),
                ],
                "blocked",
            ),
            (
                "outbound entry only",
                vec![entry(100, true, "-1", "allow", any, None)],
                "blocked",
            ),
            (
                "udp only",
                vec![entry(100, false, "17", "allow", any, None)],
                "blocked",
            ),
            (
                "part of the addresses",
                vec![entry(
                    100,
                    false,
                    "6",
                    "allow",
                    Some("10.0.0.0/8"),
                    Some((1024, 65535)),
                )],
                "partial",
            ),
            (
                "partial deny first",
                vec![
                    entry(90, false, "6", "deny", any, Some((1024, 2000))),
                    entry(100, false, "-1", "allow", any, None),
                ],
                "partial",
            ),
            (
                "deny after allow is moot",
                vec![
                    entry(90, false, "-1", "allow", any, None),
                    entry(100, false, "6", "deny", any, Some((1024, 2000))),
                ],
                "allowed",
            ),
            (
                "two allows cover together",
                vec![
                    entry(90, false, "6", "allow", any, Some((1024, 30000))),
                    entry(100, false, "6", "allow", any, Some((30001, 65535))),
                ],
                "allowed",
            ),
        ];
        for (name, entries, want) in cases {
            let got = acl(&nacl(entries), false, &Net4::ANY, 1024, 65535);
            assert_eq!(kind(&got), want, "{name}: {got:?}");
        }
        let by = "acl-1 default rule (*) denies everything not allowed before it".to_string();
        assert_eq!(
            acl(&nacl(vec![]), false, &Net4::ANY, 1024, 65535),
            Reach::Blocked { by }
        );
        let linux = nacl(vec![entry(
            100,
            false,
            "6",
            "allow",
            any,
            Some((32768, 60999)),
        )]);
        let Reach::Partial { by, missing } = acl(&linux, false, &Net4::ANY, 1024, 65535) else {
            panic!("not partial")
        };
        assert_eq!(by, "acl-1 rule 100 allows tcp 32768-60999 from 0.0.0.0/0");
        assert_eq!(
            missing,
            "tcp 1024-32767 from 0.0.0.0/0, tcp 61000-65535 from 0.0.0.0/0 denied by acl-1 default rule (*)"
        );
    }

    #[test]
    fn acl_endpoint_subnet_flow() {
        let a = nacl(vec![entry(
            100,
            true,
            "6",
            "allow",
            Some("10.0.0.0/16"),
            Some((443, 443)),
        )]);
        assert_eq!(kind(&acl(&a, true, &n("10.0.1.0/24"), 443, 443)), "allowed");
        assert_eq!(kind(&acl(&a, true, &Net4::ANY, 443, 443)), "partial");
        assert_eq!(
            kind(&acl(&a, true, &n("192.168.0.0/16"), 443, 443)),
            "blocked"
        );
        // Reversed port bounds are normalised, not a panic.
        assert_eq!(kind(&acl(&a, true, &n("10.0.1.0/24"), 443, 80)), "partial");
    }
}
