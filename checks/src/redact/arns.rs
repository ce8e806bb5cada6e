//! Redaction of ARNs: partition, service, region and the resource structure stay, the
//! account and the names in the resource part (per service: clusters, tasks, roles, keys, log
//! groups, buckets) become placeholders; AWS-managed resources (account `aws`) stay whole.

use super::Redactor;
use crate::arn::Arn;

impl Redactor {
    pub(super) fn arn(&mut self, value: &str) -> String {
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

    pub(super) fn resource(&mut self, service: &str, resource: &str) -> String {
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

    pub(super) fn ecs_resource(&mut self, resource: &str) -> String {
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

    pub(super) fn iam_resource(&mut self, resource: &str) -> String {
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

    pub(super) fn generic_resource(&mut self, resource: &str) -> String {
        let sep = if resource.contains('/') { '/' } else { ':' };
        let parts: Vec<&str> = resource.split(sep).collect();
        if parts.len() == 1 {
            return self.name("name", resource);
        }
        let mut out = vec![parts[0].to_string()];
        out.extend(parts[1..].iter().map(|p| self.name("name", p)));
        out.join(&sep.to_string())
    }
}
