//! Redaction of recordings (`check --record FILE --redact`), so a customer can share a bundle
//! with support: account ids, the resource-name parts of ARNs (cluster, task, service,
//! task-definition family, role, user and session names, key ids, log groups, buckets and key
//! prefixes), VPC, subnet, endpoint, route and instance ids, container and volume names,
//! private image names, IP addresses, the user name in home-directory paths and tag values
//! are replaced by placeholders.
//!
//! Placeholders are stable: each is derived from a keyed 64-bit FNV-1a hash of the value, not
//! from a counter, so the same value gives the same placeholder everywhere in a recording and
//! in every recording. They keep the shape the checks rely on: ARNs keep their partition,
//! service, region and structure; account ids stay 12 digits; task ids stay 32 hex digits;
//! AWS ids keep their prefix (`igw-`, `nat-`, `vpce-`). AWS-defined parts stay as they are:
//! regions, endpoint service names (`com.amazonaws.REGION.ssmmessages`), status words,
//! versions, `ExecuteCommandAgent`, IAM actions and condition keys, environment variable names,
//! container paths, public images. So a redacted recording gives the same verdicts as the
//! original.
//!
//! The hash is keyed with a fixed key (placeholders must agree across runs), so a short,
//! guessable name can be confirmed by hashing guesses; redaction hides names from readers, it
//! does not make them secret.

use std::collections::BTreeMap;

use crate::arn::Arn;
use crate::facts::{Diagnosis, Fact, FactError, Subject};
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
    "ami-",
    "lt-",
    "snap-",
    "vol-",
    "pl-",
];

/// Replaces identifying values in a recording by stable placeholders and marks it redacted.
pub fn redact(snapshot: Snapshot) -> Snapshot {
    let mut r = Redactor::default();
    // A first pass learns every name, so that free text (error messages, reasons) anywhere in
    // the recording has them replaced too, whatever the order of the fields.
    let _ = r.diagnosis(snapshot.diagnosis.clone());
    let diagnosis = r.diagnosis(snapshot.diagnosis);
    Snapshot {
        redacted: true,
        diagnosis,
        ..snapshot
    }
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

    fn ip(&mut self, value: &str) -> String {
        let h = hash(value);
        let p = format!(
            "10.{}.{}.{}",
            (h >> 16) & 0xff,
            (h >> 8) & 0xff,
            (h & 0xff).max(1)
        );
        self.remember(value, &p);
        p
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

    fn arn(&mut self, value: &str) -> String {
        let Some(arn) = Arn::parse(value) else {
            return self.text(value, true);
        };
        if arn.account == "aws" {
            return value.to_string();
        }
        let account = self.account(&arn.account);
        let resource = self.resource(&arn.service, &arn.resource);
        format!(
            "arn:{}:{}:{}:{account}:{resource}",
            arn.partition, arn.service, arn.region
        )
    }

    fn resource(&mut self, service: &str, resource: &str) -> String {
        if resource == "*" {
            return resource.to_string();
        }
        match service {
            "ecs" => self.ecs_resource(resource),
            "iam" => self.iam_resource(resource),
            "sts" => {
                let parts: Vec<&str> = resource.split('/').collect();
                match parts.as_slice() {
                    ["assumed-role", role, session @ ..] => {
                        let mut out = vec!["assumed-role".to_string(), self.name("role", role)];
                        out.extend(session.iter().map(|s| self.name("session", s)));
                        out.join("/")
                    }
                    ["federated-user", user] => {
                        format!("federated-user/{}", self.name("user", user))
                    }
                    _ => self.generic_resource(resource),
                }
            }
            "kms" => match resource.split_once('/') {
                Some(("key", id)) => format!("key/{}", self.kms_key_id(id)),
                Some(("alias", alias)) => format!("alias/{}", self.alias(alias)),
                _ => self.generic_resource(resource),
            },
            "logs" => {
                let parts: Vec<&str> = resource.split(':').collect();
                let mut out = Vec::new();
                let mut i = 0;
                while i < parts.len() {
                    match parts[i] {
                        kind @ ("log-group" | "log-stream") if i + 1 < parts.len() => {
                            out.push(kind.to_string());
                            out.push(self.name(kind, parts[i + 1]));
                            i += 2;
                        }
                        other => {
                            out.push(self.name("name", other));
                            i += 1;
                        }
                    }
                }
                out.join(":")
            }
            "s3" => match resource.split_once('/') {
                Some((bucket, key)) => {
                    format!("{}/{}", self.name("bucket", bucket), self.s3_key(key))
                }
                None => self.name("bucket", resource),
            },
            "ec2" => match resource.split_once('/') {
                Some((kind, id)) => format!("{kind}/{}", self.aws_id(id)),
                None => self.aws_id(resource),
            },
            _ => self.generic_resource(resource),
        }
    }

    fn ecs_resource(&mut self, resource: &str) -> String {
        let parts: Vec<&str> = resource.split('/').collect();
        let mut out = vec![parts[0].to_string()];
        match parts.as_slice() {
            ["cluster", name] => out.push(self.name("cluster", name)),
            ["task" | "container-instance", id] => out.push(self.hex_id("task", id)),
            ["task" | "container-instance", cluster, id] => {
                out.push(self.name("cluster", cluster));
                out.push(self.hex_id("task", id));
            }
            ["service", name] => out.push(self.name("service", name)),
            ["service", cluster, name] => {
                out.push(self.name("cluster", cluster));
                out.push(self.name("service", name));
            }
            ["task-definition", family] => out.push(self.family_revision(family)),
            ["task-set", cluster, service, id] => {
                out.push(self.name("cluster", cluster));
                out.push(self.name("service", service));
                out.push(self.name("task-set", id));
            }
            ["capacity-provider", name] => out.push(self.capacity_provider(name)),
            [_, rest @ ..] => out.extend(rest.iter().map(|p| self.name("name", p))),
            [] => {}
        }
        out.join("/")
    }

    fn iam_resource(&mut self, resource: &str) -> String {
        let parts: Vec<&str> = resource.split('/').collect();
        let kind = match parts[0] {
            "role" => "role",
            "user" => "user",
            "instance-profile" => "profile",
            "policy" => "policy",
            "group" => "group",
            _ => "name",
        };
        let mut out = vec![parts[0].to_string()];
        let last = parts.len().saturating_sub(1);
        for (i, part) in parts.iter().enumerate().skip(1) {
            let aws_defined = matches!(*part, "service-role" | "aws-service-role")
                || part.starts_with("AWSServiceRoleFor");
            if aws_defined {
                out.push(part.to_string());
            } else if i == last {
                out.push(self.name(kind, part));
            } else {
                out.push(self.name("path", part));
            }
        }
        out.join("/")
    }

    fn generic_resource(&mut self, resource: &str) -> String {
        let sep = if resource.contains('/') { '/' } else { ':' };
        let parts: Vec<&str> = resource.split(sep).collect();
        if parts.len() == 1 {
            return self.name("name", resource);
        }
        let mut out = vec![parts[0].to_string()];
        out.extend(parts[1..].iter().map(|p| self.name("name", p)));
        out.join(&sep.to_string())
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

    /// Local paths: the user name of a home directory.
    fn path(&mut self, value: &str) -> String {
        for prefix in [
            "/Users/",
            "/home/",
            "C:\\Users\\",
            "c:\\users\\",
            "C:/Users/",
        ] {
            if let Some(rest) = value.strip_prefix(prefix) {
                let end = rest.find(['/', '\\']).unwrap_or(rest.len());
                let user = &rest[..end];
                if !user.is_empty() {
                    let p = self.name("user", user);
                    return format!("{prefix}{p}{}", &rest[end..]);
                }
            }
        }
        self.text(value, true)
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

    /// Free text (error messages, reasons): ARNs, account ids, IP addresses, AWS ids and hex
    /// ids are replaced wherever they appear; with `names`, so is every name redacted
    /// elsewhere in the recording (whole words only).
    fn text(&mut self, value: &str, names: bool) -> String {
        let mut known: Vec<(String, String)> = if names {
            self.names
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        } else {
            Vec::new()
        };
        known.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
        let mut out = String::with_capacity(value.len());
        let mut i = 0;
        while i < value.len() {
            let rest = &value[i..];
            let prev = value[..i].chars().next_back();
            let at_word = prev.is_none_or(|p| !is_name_char(p) && p != '.');
            if at_word && let Some((len, replacement)) = self.token_at(rest, &known) {
                out.push_str(&replacement);
                i += len;
                continue;
            }
            let c = rest.chars().next().expect("in bounds");
            out.push(c);
            i += c.len_utf8();
        }
        out
    }

    /// A redactable token at the start of `rest`: its length and replacement.
    fn token_at(&mut self, rest: &str, known: &[(String, String)]) -> Option<(usize, String)> {
        let ends_word = |len: usize| rest[len..].chars().next().is_none_or(|c| !is_name_char(c));
        if rest.starts_with("arn:") {
            let len = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || ":/_.-+=,@*$".contains(c)))
                .unwrap_or(rest.len());
            let token = rest[..len].trim_end_matches(['.', ',', ':', ';']);
            if Arn::parse(token).is_some() {
                return Some((token.len(), self.arn(token)));
            }
        }
        let word_len = rest.find(|c: char| !is_name_char(c)).unwrap_or(rest.len());
        let word = &rest[..word_len];
        if let Some(prefix) = ID_PREFIXES.iter().find(|p| word.starts_with(**p)) {
            let tail = &word[prefix.len()..];
            if (8..=17).contains(&tail.len()) && tail.chars().all(|c| c.is_ascii_hexdigit()) {
                return Some((word_len, self.aws_id(word)));
            }
        }
        // EC2 host names carry the private address: ip-10-0-1-25.
        if let Some(octets) = word.strip_prefix("ip-") {
            let parts: Vec<&str> = octets.split('-').collect();
            if parts.len() == 4 && parts.iter().all(|p| p.parse::<u8>().is_ok()) {
                let ip = self.ip(&parts.join("."));
                return Some((word_len, format!("ip-{}", ip.replace('.', "-"))));
            }
        }
        if let Some(len) = ipv4_len(rest) {
            return Some((len, self.ip(&rest[..len])));
        }
        if word_len == 12 && word.chars().all(|c| c.is_ascii_digit()) {
            return Some((12, self.account(word)));
        }
        let hex_shape = matches!(word_len, 32 | 36 | 64)
            && is_hexish(word)
            && word.chars().any(|c| c.is_ascii_digit());
        if hex_shape {
            return Some((word_len, self.hex_id("id", word)));
        }
        for (name, placeholder) in known {
            if rest.starts_with(name.as_str()) && ends_word(name.len()) {
                return Some((name.len(), placeholder.clone()));
            }
        }
        None
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

    fn diagnosis(&mut self, d: Diagnosis) -> Diagnosis {
        let Diagnosis {
            target,
            observed_at,
            local,
            caller,
            cluster,
            kms_key,
            kms_key_policy,
            log_destinations,
            subjects,
            tasks_left_out,
        } = d;
        Diagnosis {
            target: self.target(target),
            observed_at,
            local: self.fact(local, Self::local),
            caller: self.fact(caller, Self::caller),
            cluster: self.fact(cluster, Self::cluster_fact),
            kms_key: self.fact(kms_key, Self::kms_key),
            kms_key_policy: self.fact(kms_key_policy, Self::key_policy),
            log_destinations: self.fact(log_destinations, Self::log_destinations),
            subjects: subjects.into_iter().map(|s| self.subject(s)).collect(),
            tasks_left_out,
        }
    }

    fn target(&mut self, t: Target) -> Target {
        let Target {
            region,
            partition,
            cluster,
            task,
            service,
            container,
            all,
            family,
            started_by,
        } = t;
        Target {
            all,
            family: self.opt(family, |r, f| r.name("family", f)),
            started_by: self.opt(started_by, |r, b| r.name("started-by", b)),
            region,
            partition,
            cluster: self.cluster(&cluster),
            task: self.opt(task, Self::task_ref),
            service: self.opt(service, |r, s| {
                if s.starts_with("arn:") {
                    r.arn(s)
                } else {
                    r.name("service", s)
                }
            }),
            container: self.opt(container, |r, c| r.name("container", c)),
        }
    }

    fn local(&mut self, l: LocalTools) -> LocalTools {
        let LocalTools {
            aws_cli,
            session_manager_plugin,
            host_arch,
            host_os,
        } = l;
        LocalTools {
            aws_cli: self.probe(aws_cli),
            session_manager_plugin: self.probe(session_manager_plugin),
            host_arch,
            host_os,
        }
    }

    fn probe(&mut self, p: ToolProbe) -> ToolProbe {
        let ToolProbe {
            found,
            path,
            version,
            version_source,
            arch,
            problem,
        } = p;
        ToolProbe {
            found,
            path: self.opt(path, Self::path),
            version,
            version_source,
            arch,
            problem: self.opt(problem, |r, t| r.text(t, true)),
        }
    }

    fn caller(&mut self, c: Caller) -> Caller {
        let Caller {
            arn,
            account,
            kind,
            principal_arn,
            principal_lookup_error,
        } = c;
        Caller {
            arn: self.arn(&arn),
            account: self.account(&account),
            kind,
            principal_arn: self.opt(principal_arn, Self::arn),
            principal_lookup_error: principal_lookup_error.map(|e| self.error(e)),
        }
    }

    fn cluster_fact(&mut self, c: Cluster) -> Cluster {
        let Cluster {
            arn,
            name,
            status,
            tags,
            exec_config,
        } = c;
        let ExecConfig {
            kms_key_id,
            logging,
            cloud_watch_log_group,
            cloud_watch_encryption_enabled,
            s3_bucket,
            s3_key_prefix,
            s3_encryption_enabled,
        } = exec_config;
        Cluster {
            arn: self.arn(&arn),
            name: self.name("cluster", &name),
            status,
            tags: self.tags(tags),
            exec_config: ExecConfig {
                kms_key_id: self.opt(kms_key_id, Self::kms_key_ref),
                logging,
                cloud_watch_log_group: self
                    .opt(cloud_watch_log_group, |r, g| r.name("log-group", g)),
                cloud_watch_encryption_enabled,
                s3_bucket: self.opt(s3_bucket, |r, b| r.name("bucket", b)),
                s3_key_prefix: self.opt(s3_key_prefix, Self::s3_key),
                s3_encryption_enabled,
            },
        }
    }

    fn kms_key(&mut self, k: KmsKey) -> KmsKey {
        let KmsKey {
            arn,
            state,
            key_manager,
        } = k;
        KmsKey {
            arn: self.arn(&arn),
            state,
            key_manager,
        }
    }

    fn subject(&mut self, s: Subject) -> Subject {
        let Subject {
            task_ref,
            task,
            service,
            task_definition,
            container_instance,
            instance_role,
            network,
            interface,
            firewall,
            caller_permissions,
            task_role_permissions,
            task_role,
        } = s;
        Subject {
            task_ref: self.task_ref(&task_ref),
            task: self.fact(task, Self::task),
            service: self.fact(service, Self::service),
            task_definition: self.fact(task_definition, Self::task_definition),
            container_instance: self.fact(container_instance, Self::container_instance),
            instance_role: self.fact(instance_role, Self::instance_role),
            network: self.fact(network, Self::network),
            interface: self.fact(interface, Self::interface),
            firewall: self.fact(firewall, Self::firewall),
            caller_permissions: self.fact(caller_permissions, Self::simulation),
            task_role_permissions: self.fact(task_role_permissions, Self::simulation),
            task_role: self.fact(task_role, Self::role),
        }
    }

    fn task(&mut self, t: Task) -> Task {
        let Task {
            arn,
            cluster_arn,
            last_status,
            desired_status,
            stopped_reason,
            launch_type,
            capacity_provider,
            platform_version,
            platform_family,
            enable_execute_command,
            task_definition_arn,
            group,
            started_by,
            container_instance_arn,
            task_role_override,
            tags,
            containers,
            subnet_id,
            eni_id,
            started_at,
        } = t;
        Task {
            arn: self.arn(&arn),
            cluster_arn: self.arn(&cluster_arn),
            last_status,
            desired_status,
            stopped_reason: self.opt(stopped_reason, |r, t| r.text(t, true)),
            launch_type,
            capacity_provider: self.opt(capacity_provider, Self::capacity_provider),
            platform_version,
            platform_family,
            enable_execute_command,
            task_definition_arn: self.task_definition_ref(&task_definition_arn),
            group: self.opt(group, |r, g| match g.split_once(':') {
                Some(("service", name)) => format!("service:{}", r.name("service", name)),
                Some(("family", name)) => format!("family:{}", r.name("family", name)),
                _ => r.name("group", g),
            }),
            // A deployment id is a number ECS chose; any other startedBy is the user's text.
            started_by: self.opt(started_by, |r, b| {
                if is_deployment_id(b) {
                    b.to_string()
                } else {
                    r.name("started-by", b)
                }
            }),
            container_instance_arn: self.opt(container_instance_arn, Self::arn),
            task_role_override: self.opt(task_role_override, Self::arn),
            tags: self.tags(tags),
            containers: containers.into_iter().map(|c| self.container(c)).collect(),
            subnet_id: self.opt(subnet_id, Self::aws_id),
            eni_id: self.opt(eni_id, Self::aws_id),
            started_at,
        }
    }

    fn container(&mut self, c: Container) -> Container {
        let Container {
            name,
            last_status,
            runtime_id,
            managed_agents,
        } = c;
        Container {
            name: self.name("container", &name),
            last_status,
            runtime_id: self.opt(runtime_id, |r, id| match id.split_once('-') {
                // Fargate: TASKID-NUMBER.
                Some((task, number))
                    if task.len() == 32 && number.chars().all(|c| c.is_ascii_digit()) =>
                {
                    format!("{}-{number}", r.hex_id("task", task))
                }
                _ => r.hex_id("container", id),
            }),
            managed_agents: managed_agents
                .into_iter()
                .map(|a| {
                    let ManagedAgent {
                        name,
                        last_status,
                        reason,
                        last_started_at,
                    } = a;
                    ManagedAgent {
                        name,
                        last_status,
                        reason: self.opt(reason, |r, t| r.text(t, true)),
                        last_started_at,
                    }
                })
                .collect(),
        }
    }

    fn service(&mut self, s: Service) -> Service {
        let Service {
            name,
            arn,
            enable_execute_command,
            launch_type,
            capacity_providers,
            platform_version,
            platform_family,
            task_definition,
            deployments,
        } = s;
        Service {
            name: self.name("service", &name),
            arn: self.opt(arn, Self::arn),
            enable_execute_command,
            launch_type,
            capacity_providers: capacity_providers
                .iter()
                .map(|c| self.capacity_provider(c))
                .collect(),
            platform_version,
            platform_family,
            task_definition: self.opt(task_definition, Self::task_definition_ref),
            deployments: deployments
                .into_iter()
                .map(|d| Deployment {
                    task_definition: self.opt(d.task_definition, Self::task_definition_ref),
                    ..d
                })
                .collect(),
        }
    }

    fn task_definition(&mut self, td: TaskDefinition) -> TaskDefinition {
        let TaskDefinition {
            arn,
            family,
            revision,
            task_role_arn,
            execution_role_arn,
            network_mode,
            pid_mode,
            requires_compatibilities,
            os_family,
            containers,
            containers_unresolved,
        } = td;
        TaskDefinition {
            arn: self.opt(arn, Self::arn),
            family: self.name("family", &family),
            revision,
            task_role_arn: task_role_arn.map(|v| self.role_value(v)),
            execution_role_arn: execution_role_arn.map(|v| self.role_value(v)),
            network_mode,
            pid_mode,
            requires_compatibilities,
            os_family,
            containers: containers
                .into_iter()
                .map(|c| self.container_definition(c))
                .collect(),
            containers_unresolved: self.opt(containers_unresolved, |r, t| r.text(t, true)),
        }
    }

    fn container_definition(&mut self, c: ContainerDefinition) -> ContainerDefinition {
        let ContainerDefinition {
            name,
            image,
            essential,
            readonly_root_filesystem,
            init_process_enabled,
            environment_names,
            secret_names,
            environment_unresolved,
            environment_files,
            mount_points,
            restart_policy_enabled,
            log_driver,
            no_proxy_link_local,
        } = c;
        ContainerDefinition {
            name: self.name("container", &name),
            image: self.opt(image, Self::image),
            essential,
            readonly_root_filesystem,
            init_process_enabled,
            environment_names,
            secret_names,
            environment_unresolved: self.opt(environment_unresolved, |r, t| r.text(t, true)),
            environment_files: environment_files
                .iter()
                .map(|f| {
                    if f.starts_with("arn:") {
                        self.arn(f)
                    } else {
                        self.text(f, true)
                    }
                })
                .collect(),
            mount_points: mount_points
                .into_iter()
                .map(|m| {
                    let MountPoint {
                        container_path,
                        source_volume,
                        read_only,
                    } = m;
                    MountPoint {
                        container_path,
                        source_volume: self.opt(source_volume, |r, v| r.name("volume", v)),
                        read_only,
                    }
                })
                .collect(),
            restart_policy_enabled,
            log_driver,
            // Link-local addresses only: AWS-defined, nothing to hide.
            no_proxy_link_local,
        }
    }

    fn container_instance(&mut self, ci: ContainerInstance) -> ContainerInstance {
        let ContainerInstance {
            arn,
            ec2_instance_id,
            agent_version,
            agent_connected,
            exec_capability,
            os_type,
            subnet_id,
        } = ci;
        ContainerInstance {
            arn: self.arn(&arn),
            ec2_instance_id: self.opt(ec2_instance_id, Self::aws_id),
            agent_version,
            agent_connected,
            exec_capability,
            os_type,
            subnet_id: self.opt(subnet_id, Self::aws_id),
        }
    }

    fn instance_role(&mut self, r: InstanceRole) -> InstanceRole {
        let InstanceRole {
            instance_profile_arn,
            role_arns,
        } = r;
        InstanceRole {
            instance_profile_arn: self.opt(instance_profile_arn, Self::arn),
            role_arns: role_arns.iter().map(|a| self.arn(a)).collect(),
        }
    }

    fn network(&mut self, n: Network) -> Network {
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
            // CIDR blocks are kept: the network verdicts are computed from them.
            subnet_cidr,
            subnet_cidrs: subnet_cidrs
                .into_iter()
                .map(|(k, v)| (self.aws_id(&k), v))
                .collect(),
            route_table_id: self.opt(route_table_id, Self::aws_id),
            routes: routes.into_iter().map(|r| self.route(r)).collect(),
            nat_gateways: nat_gateways
                .map(|list| list.into_iter().map(|n| self.nat_gateway(n)).collect()),
            dns_support,
            dns_hostnames,
            nat_error: nat_error.map(|e| self.error(e)),
            dns_error: dns_error.map(|e| self.error(e)),
        }
    }

    fn simulation(&mut self, s: Simulation) -> Simulation {
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
                        matched_statements: matched_statements
                            .into_iter()
                            .map(|m| MatchedStatement {
                                source_policy_id: if m.source_policy_id.starts_with("arn:") {
                                    self.arn(&m.source_policy_id)
                                } else {
                                    self.name("policy", &m.source_policy_id)
                                },
                                ..m
                            })
                            .collect(),
                    }
                })
                .collect(),
        }
    }
}

/// The length of a dotted IPv4 address at the start of `text`.
fn ipv4_len(text: &str) -> Option<usize> {
    let mut len = 0;
    for part in 0..4 {
        if part > 0 {
            if !text[len..].starts_with('.') {
                return None;
            }
            len += 1;
        }
        let digits = text[len..].chars().take_while(char::is_ascii_digit).count();
        if digits == 0 || digits > 3 || text[len..len + digits].parse::<u16>().ok()? > 255 {
            return None;
        }
        len += digits;
    }
    let next_is_part =
        text[len..].starts_with('.') && text[len + 1..].starts_with(|c: char| c.is_ascii_digit());
    let next_is_alnum = text[len..].starts_with(|c: char| c.is_ascii_alphanumeric());
    (!next_is_part && !next_is_alnum).then_some(len)
}

mod path;

#[cfg(test)]
mod tests;
