//! Redaction of recordings (`check --record FILE --redact`), so a customer can share a bundle
//! with support: account ids, the resource-name parts of ARNs (cluster, task, service,
//! task-definition family, role, user and session names, key ids, log groups, buckets and key
//! prefixes), VPC, subnet, endpoint, route and instance ids, container and volume names,
//! private image names, the user name in home-directory paths and tag values are replaced by
//! placeholders; IP addresses and CIDR blocks by prefix-preserving pseudonyms ([`address`]).
//!
//! Placeholders are stable: each is derived from a keyed 64-bit FNV-1a hash of the value, not
//! from a counter, so the same value gives the same placeholder everywhere in a recording and
//! in every recording. They keep the shape the checks rely on: ARNs keep their partition,
//! service, region and structure; account ids stay 12 digits; task ids stay 32 hex digits;
//! AWS ids keep their prefix (`igw-`, `nat-`, `vpce-`). Address pseudonyms keep every
//! containment relation between addresses and blocks, and private ranges stay private. AWS-defined
//! parts stay as they are: regions, endpoint service names (`com.amazonaws.REGION.ssmmessages`),
//! status words, versions, `ExecuteCommandAgent`, IAM actions and condition keys, environment
//! variable names, container paths, public images, `0.0.0.0/0` and link-local addresses. So a
//! redacted recording gives the same verdicts as the original.
//!
//! The name hash is keyed with a fixed key (placeholders must agree across runs), so a short,
//! guessable name can be confirmed by hashing guesses; redaction hides names from readers, it
//! does not make them secret. The address map is keyed by the recording's own account and VPC
//! ids, which the redacted recording does not contain.

use std::collections::BTreeMap;

use crate::facts::{Diagnosis, Fact, FactError};
use crate::model::*;
use crate::snapshot::Snapshot;

/// Mixed into every hash, so placeholders are not plain FNV values of the names.
const KEY: &[u8] = b"ecs-exec-doctor/redact/v1\0";

/// Registry hosts of public images, which are kept as they are (they name public artifacts,
/// and the base image helps support: an alpine image has no bash).
const PUBLIC_REGISTRIES: &[&str] = &[
    "public.ecr.aws",
    "mcr.microsoft.com",
    "docker.io",
    "registry-1.docker.io",
    "index.docker.io",
    "ghcr.io",
    "quay.io",
    "gcr.io",
    "registry.k8s.io",
];

/// AWS resource-id prefixes recognised in free text.
const ID_PREFIXES: &[&str] = &[
    "vpce-svc-",
    "vpce-",
    "vpc-",
    "subnet-",
    "sg-",
    "eni-",
    "rtb-",
    "nat-",
    "igw-",
    "eigw-",
    "tgw-attach-",
    "tgw-",
    "pcx-",
    "vgw-",
    "cgw-",
    "acl-",
    "i-",
    "mi-",
    "ami-",
    "lt-",
    "snap-",
    "vol-",
    "pl-",
];

/// Replaces identifying values in a recording by stable placeholders and marks it redacted.
pub fn redact(snapshot: Snapshot) -> Snapshot {
    let mut r = Redactor {
        addresses: address::Addresses::new(&address_key(&snapshot.diagnosis)),
        ..Redactor::default()
    };
    // A first pass learns every name, so that free text (error messages, reasons) anywhere in
    // the recording has them replaced too, whatever the order of the fields.
    let _ = r.diagnosis(snapshot.diagnosis.clone());
    let diagnosis = r.diagnosis(snapshot.diagnosis);
    let probes = snapshot
        .probes
        .into_iter()
        .map(|p| r.session_probe(p))
        .collect();
    Snapshot {
        redacted: true,
        diagnosis,
        probes,
        ..snapshot
    }
}

/// What the address pseudonyms are keyed with: the original account and VPC ids, which the
/// redacted recording does not hold, so its reader cannot run the map backwards, while
/// recordings of the same VPCs agree.
fn address_key(d: &Diagnosis) -> Vec<String> {
    let mut material: Vec<String> = d
        .caller
        .value()
        .map(|c| c.account.clone())
        .into_iter()
        .collect();
    for s in &d.subjects {
        material.extend(s.network.value().map(|n| n.vpc_id.clone()));
        material.extend(s.interface.value().map(|i| i.vpc_id.clone()));
    }
    material
}

/// The keyed 64-bit FNV-1a hash of `value`, finished with a 64-bit mixer so that values that
/// differ only in their last characters (`web-1`, `web-2`) get unrelated placeholders.
pub fn hash(value: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in KEY.iter().chain(value.as_bytes()) {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// `len` hex digits derived from `value`.
/// `ecs-svc/9876501234598765012`: the id ECS gives a service deployment (its tasks' startedBy).
pub fn is_deployment_id(value: &str) -> bool {
    value
        .strip_prefix("ecs-svc/")
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

fn hex_digits(value: &str, len: usize) -> String {
    let mut out = String::with_capacity(len + 16);
    let mut round = 0u32;
    while out.len() < len {
        out.push_str(&format!("{:016x}", hash(&format!("{value}\0{round}"))));
        round += 1;
    }
    out.truncate(len);
    out
}

/// `KIND-xxxxxxxx`.
fn name_placeholder(kind: &str, value: &str) -> String {
    format!("{kind}-{}", hex_digits(value, 8))
}

/// A 12-digit account id.
fn account_placeholder(value: &str) -> String {
    format!("{:012}", hash(value) % 1_000_000_000_000)
}

/// The same shape: hex digits replaced, dashes kept.
fn hex_placeholder(value: &str) -> String {
    let digits = hex_digits(value, value.len());
    value
        .chars()
        .zip(digits.chars())
        .map(|(c, d)| if c == '-' { '-' } else { d })
        .collect()
}

fn is_hexish(value: &str) -> bool {
    !value.is_empty() && value.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

#[derive(Default)]
struct Redactor {
    /// Every redacted value (at least 3 characters) and its placeholder, for free text.
    names: BTreeMap<String, String>,
    /// The pseudonyms of IP addresses and CIDR blocks.
    addresses: address::Addresses,
}

impl Redactor {
    fn remember(&mut self, value: &str, placeholder: &str) {
        if value.chars().count() >= 3 && value != placeholder {
            self.names
                .entry(value.to_string())
                .or_insert_with(|| placeholder.to_string());
        }
    }

    fn name(&mut self, kind: &str, value: &str) -> String {
        if value.is_empty() || value == "*" {
            return value.to_string();
        }
        if value.contains('*') {
            return value
                .split('*')
                .map(|part| self.name(kind, part))
                .collect::<Vec<_>>()
                .join("*");
        }
        let p = name_placeholder(kind, value);
        self.remember(value, &p);
        p
    }

    fn account(&mut self, value: &str) -> String {
        if value.is_empty() || value == "aws" || value == "*" {
            return value.to_string();
        }
        let p = if value.len() == 12 && value.chars().all(|c| c.is_ascii_digit()) {
            account_placeholder(value)
        } else {
            name_placeholder("account", value)
        };
        self.remember(value, &p);
        p
    }

    /// A task, container-instance or container id: hex ids keep their shape.
    fn hex_id(&mut self, kind: &str, value: &str) -> String {
        if value == "*" || value.is_empty() {
            return value.to_string();
        }
        let p = if is_hexish(value) && value.len() >= 8 {
            hex_placeholder(value)
        } else {
            name_placeholder(kind, value)
        };
        self.remember(value, &p);
        p
    }

    /// `vpc-…`, `subnet-…`, `i-…`: the prefix stays, the rest becomes hex.
    fn aws_id(&mut self, value: &str) -> String {
        if value.is_empty() || value == "local" {
            return value.to_string();
        }
        let prefix = ID_PREFIXES
            .iter()
            .find(|p| value.starts_with(**p))
            .map(|p| p.to_string())
            .or_else(|| value.split_once('-').map(|(p, _)| format!("{p}-")))
            .unwrap_or_default();
        let rest = &value[prefix.len()..];
        let p = format!("{prefix}{}", hex_digits(value, rest.len().clamp(8, 17)));
        self.remember(value, &p);
        p
    }

    fn kms_key_id(&mut self, value: &str) -> String {
        match value.strip_prefix("mrk-") {
            Some(rest) => format!("mrk-{}", self.hex_id("key", rest)),
            None => self.hex_id("key", value),
        }
    }

    fn kms_key_ref(&mut self, value: &str) -> String {
        if value.starts_with("arn:") {
            self.arn(value)
        } else if let Some(alias) = value.strip_prefix("alias/") {
            format!("alias/{}", self.alias(alias))
        } else {
            self.kms_key_id(value)
        }
    }

    fn alias(&mut self, alias: &str) -> String {
        if alias.starts_with("aws/") {
            alias.to_string()
        } else {
            self.name("alias", alias)
        }
    }

    /// An IP address or CIDR block: its prefix-preserving pseudonym ([`address`]); anything
    /// else in the field is treated as free text.
    fn ip(&mut self, value: &str) -> String {
        match self.addresses.map(value.trim()) {
            Some(mapped) => mapped,
            None => self.text(value, false),
        }
    }

    fn cluster(&mut self, value: &str) -> String {
        if value.starts_with("arn:") {
            self.arn(value)
        } else {
            self.name("cluster", value)
        }
    }

    fn task_ref(&mut self, value: &str) -> String {
        if value.starts_with("arn:") {
            self.arn(value)
        } else {
            self.hex_id("task", value)
        }
    }

    /// `family:revision` keeps the revision.
    fn family_revision(&mut self, value: &str) -> String {
        match value.rsplit_once(':') {
            Some((family, rev)) if rev.chars().all(|c| c.is_ascii_digit()) => {
                format!("{}:{rev}", self.name("family", family))
            }
            _ => self.name("family", value),
        }
    }

    fn task_definition_ref(&mut self, value: &str) -> String {
        if value.starts_with("arn:") {
            self.arn(value)
        } else {
            self.family_revision(value)
        }
    }

    /// A segment of an S3 key, redacted alike in the cluster's prefix and in ARNs.
    fn s3_key(&mut self, key: &str) -> String {
        key.split('/')
            .map(|segment| self.name("key", segment))
            .collect::<Vec<_>>()
            .join("/")
    }

    fn capacity_provider(&mut self, value: &str) -> String {
        if value.starts_with("FARGATE") {
            value.to_string()
        } else {
            self.name("capacity-provider", value)
        }
    }

    /// A role ARN as read from a task definition (possibly an unresolved template value).
    fn role_value(&mut self, value: Value<String>) -> Value<String> {
        match value {
            Value::Known(v) if v.starts_with("arn:") => Value::Known(self.arn(&v)),
            Value::Known(v) => Value::Known(self.name("role", &v)),
            Value::Unresolved { unresolved } => Value::Unresolved {
                unresolved: self.text(&unresolved, true),
            },
        }
    }

    fn image(&mut self, value: &str) -> String {
        let (host, path) = match value.split_once('/') {
            Some((first, rest))
                if first.contains('.') || first.contains(':') || first == "localhost" =>
            {
                (Some(first), rest)
            }
            _ => (None, value),
        };
        let public = match host {
            Some(h) => PUBLIC_REGISTRIES.contains(&h),
            // Docker Hub official images (`nginx`, `alpine:3`): no organisation in the path.
            None => !path.contains('/'),
        };
        if public {
            return value.to_string();
        }
        let (path, digest) = match path.split_once('@') {
            Some((p, d)) => (p, Some(d)),
            None => (path, None),
        };
        let (repository, tag) = match path.rsplit_once(':') {
            Some((r, t)) => (r, Some(t)),
            None => (path, None),
        };
        let mut out = String::new();
        if let Some(h) = host {
            // ACCOUNT.dkr.ecr.REGION.amazonaws.com keeps its shape.
            match h.split_once(".dkr.ecr.") {
                Some((account, rest)) => {
                    out.push_str(&self.account(account));
                    out.push_str(".dkr.ecr.");
                    out.push_str(rest);
                }
                None => out.push_str(&self.name("registry", h)),
            }
            out.push('/');
        }
        out.push_str(&self.name("image", repository));
        // Kept so the Windows check still sees a Nano Server image.
        if repository.to_ascii_lowercase().contains("nanoserver") {
            out.push_str("-nanoserver");
        }
        if let Some(t) = tag {
            out.push(':');
            out.push_str(&if t == "latest" {
                t.to_string()
            } else {
                self.name("tag", t)
            });
        }
        if let Some(d) = digest {
            out.push('@');
            out.push_str(d);
        }
        out
    }

    /// A probe's names (the container) and free text (the command, its output, the
    /// agent's messages) as the diagnosis's; the task id and session id identify nothing.
    fn session_probe(&mut self, p: crate::report::probe::Probe) -> crate::report::probe::Probe {
        use crate::report::probe::{Probe, ProbeStage};
        let Probe {
            task,
            container,
            command,
            started_at,
            session_id,
            closed,
            close_command,
            stages,
            output,
        } = p;
        Probe {
            task,
            container: self.name("container", &container),
            command: self.text(&command, true),
            started_at,
            session_id,
            closed,
            close_command: close_command.map(|c| self.text(&c, true)),
            stages: stages
                .into_iter()
                .map(|s| ProbeStage {
                    detail: self.text(&s.detail, true),
                    error: s.error.map(|e| self.text(&e, true)),
                    ..s
                })
                .collect(),
            output: output.map(|o| self.text(&o, true)),
        }
    }

    fn error(&mut self, e: FactError) -> FactError {
        let FactError {
            kind,
            action,
            code,
            message,
        } = e;
        FactError {
            kind,
            action,
            code,
            message: self.text(&message, true),
        }
    }

    fn fact<T: Clone>(&mut self, fact: Fact<T>, f: impl FnOnce(&mut Self, T) -> T) -> Fact<T> {
        match fact {
            Fact::Ok { value } => Fact::ok(f(self, std::sync::Arc::unwrap_or_clone(value))),
            Fact::Absent { reason } => Fact::Absent {
                reason: self.text(&reason, true),
            },
            Fact::Failed { error } => Fact::Failed {
                error: self.error(error),
            },
            Fact::NotFetched => Fact::NotFetched,
        }
    }

    fn tags(&mut self, tags: BTreeMap<String, String>) -> BTreeMap<String, String> {
        // Tag values are not remembered for free text: they are often common words.
        tags.into_iter()
            .map(|(k, v)| (k, name_placeholder("tag", &v)))
            .collect()
    }

    fn opt(
        &mut self,
        value: Option<String>,
        f: impl FnOnce(&mut Self, &str) -> String,
    ) -> Option<String> {
        value.map(|v| f(self, &v))
    }
}

mod address;
mod arns;
mod facts;
mod path;
mod text;

#[cfg(test)]
use text::ipv4_len;

#[cfg(test)]
mod tests;
