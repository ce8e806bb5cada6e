//! The cluster a service runs in, when the same input defines it, with the session log
//! destinations it names, so `lint` can run CL004 on the service: a Terraform `aws_ecs_cluster`
//! (`configuration.execute_command_configuration`) with `aws_cloudwatch_log_group` and
//! `aws_s3_bucket`; a CloudFormation `AWS::ECS::Cluster`
//! (`Configuration.ExecuteCommandConfiguration`) with `AWS::Logs::LogGroup` and
//! `AWS::S3::Bucket`. A destination defined in the input exists once deployed; a bucket has
//! default encryption (SSE-S3 is on for every new bucket since January 2023); a log group is
//! KMS-encrypted only with its `kms_key_id` / `KmsKeyId`. Anything known only at deploy time
//! (a dynamic block, a variable, a destination from elsewhere) leaves the cluster or the
//! destination unread, so the check is unknown, never a verdict.

use std::collections::BTreeMap;

use super::LintUnit;
use super::cloudformation::referenced_id;
use super::module::{Block, ModuleFile, blocks, expression, referenced};
use super::tree::{Node, NodeKind};
use crate::facts::Fact;
use crate::model::{BucketEncryption, Cluster, ExecConfig, LogDestinations, LogGroup};

/// What a service unit gets: its cluster and the cluster's log destinations.
#[derive(Debug, Clone)]
pub struct InputCluster {
    pub cluster: Fact<Cluster>,
    pub log_destinations: Fact<LogDestinations>,
}

/// A destination the input defines: its name (a literal, or the address when the name is
/// known only at deploy time) and, for a log group, its KMS key.
#[derive(Debug, Clone)]
struct Destination {
    name: String,
    kms_key: Option<String>,
}

fn string(n: Option<&Node>) -> Option<String> {
    match &n?.kind {
        NodeKind::String(s) => Some(s.clone()),
        _ => expression(n?).map(str::to_string),
    }
}

/// A boolean setting read as the ECS reader reads booleans; absent is `false`.
fn flag(n: Option<&Node>) -> Option<bool> {
    n.map_or(Some(false), super::ecs::as_bool)
}

/// The exec configuration and the destinations it names, from the configuration's fields
/// read with `key` (the input's naming of each ECS API field) and `target` (how a name
/// value refers to a destination of the input).
fn config(
    exec: Option<&Node>,
    log: Option<&Node>,
    key: &dyn Fn(&str) -> String,
    group_of: &dyn Fn(&Node) -> Option<Destination>,
    bucket_of: &dyn Fn(&Node) -> Option<Destination>,
) -> Option<InputCluster> {
    fn field(n: Option<&Node>, k: String) -> Option<&Node> {
        n.and_then(|n| n.get(&k))
    }
    let get = |n, k: &str| field(n, key(k));
    let logging = match get(exec, "logging") {
        None => "DEFAULT".to_string(),
        Some(n) => n.as_str()?.to_string(),
    };
    let group_node = get(log, "cloudWatchLogGroupName");
    let bucket_node = get(log, "s3BucketName");
    let exec_config = ExecConfig {
        kms_key_id: string(get(exec, "kmsKeyId")),
        logging,
        cloud_watch_log_group: group_node
            .map(|n| group_of(n).map_or_else(|| string(Some(n)).unwrap_or_default(), |d| d.name)),
        cloud_watch_encryption_enabled: flag(get(log, "cloudWatchEncryptionEnabled"))?,
        s3_bucket: bucket_node
            .map(|n| bucket_of(n).map_or_else(|| string(Some(n)).unwrap_or_default(), |d| d.name)),
        s3_key_prefix: string(get(log, "s3KeyPrefix")),
        s3_encryption_enabled: flag(get(log, "s3EncryptionEnabled"))?,
    };
    let destinations = LogDestinations {
        log_group: group_node.and_then(group_of).map(|d| LogGroup {
            name: d.name,
            exists: true,
            kms_key_id: d.kms_key,
        }),
        bucket: bucket_node.and_then(bucket_of).map(|d| BucketEncryption {
            name: d.name,
            exists: true,
            encrypted: true,
            algorithm: Some("AES256 (the default encryption of every new bucket)".into()),
        }),
        ..Default::default()
    };
    Some(InputCluster {
        cluster: Fact::ok(Cluster {
            status: "ACTIVE".into(),
            exec_config,
            ..Default::default()
        }),
        log_destinations: Fact::ok(destinations),
    })
}

/// Gives the module's services their cluster when the module defines it.
pub fn attach_terraform(
    files: &[ModuleFile<'_, '_>],
    doc: &[super::tree::Entry],
    units: &mut [LintUnit],
) {
    let mut clusters: BTreeMap<String, Node> = BTreeMap::new();
    let mut groups: BTreeMap<String, Destination> = BTreeMap::new();
    let mut buckets: BTreeMap<String, Destination> = BTreeMap::new();
    let wanted = [
        "aws_ecs_cluster",
        "aws_cloudwatch_log_group",
        "aws_s3_bucket",
    ];
    for Block {
        ty, name, values, ..
    } in blocks(files, &|data, ty| !data && wanted.contains(&ty))
    {
        let address = format!("{ty}.{name}");
        let named = |k: &str| values.get(k).and_then(Node::as_str).map(str::to_string);
        match ty.as_str() {
            "aws_ecs_cluster" => {
                clusters.insert(name, values);
            }
            "aws_cloudwatch_log_group" => {
                groups.insert(
                    name,
                    Destination {
                        name: named("name").unwrap_or(address),
                        kms_key: string(values.get("kms_key_id")),
                    },
                );
            }
            _ => {
                buckets.insert(
                    name,
                    Destination {
                        name: named("bucket").unwrap_or(address),
                        kms_key: None,
                    },
                );
            }
        }
    }
    let find = |table: &BTreeMap<String, Destination>, ty: &str, n: &Node| match expression(n) {
        Some(t) => referenced(t, ty).and_then(|r| table.get(&r).cloned()),
        None => n
            .as_str()
            .and_then(|s| table.values().find(|d| d.name == s).cloned()),
    };
    for unit in units.iter_mut().filter(|u| u.service.is_some()) {
        let Some(values) = doc.iter().find(|e| e.key == unit.name).map(|e| &e.value) else {
            continue;
        };
        let Some(cluster) = values
            .get("cluster")
            .and_then(expression)
            .and_then(|t| referenced(t, "aws_ecs_cluster"))
            .and_then(|c| clusters.get(&c))
        else {
            continue;
        };
        fn first(n: Option<&Node>) -> Option<&Node> {
            n.map(|n| n.items().first().unwrap_or(n))
        }
        let configuration = cluster.get("configuration");
        if configuration.is_some_and(|c| !c.is_seq()) {
            continue; // a dynamic block
        }
        let exec = first(first(configuration).and_then(|c| c.get("execute_command_configuration")));
        let log = first(exec.and_then(|e| e.get("log_configuration")));
        if [exec, log].iter().flatten().any(|n| !n.is_map()) {
            continue;
        }
        let key = |camel: &str| super::spans::Naming::Terraform.key(camel);
        let group_of = |n: &Node| find(&groups, "aws_cloudwatch_log_group", n);
        let bucket_of = |n: &Node| find(&buckets, "aws_s3_bucket", n);
        unit.input_cluster = config(exec, log, &key, &group_of, &bucket_of);
    }
}

/// Gives the template's services their cluster when the template defines it.
pub fn attach_cloudformation(root: &Node, units: &mut [LintUnit]) {
    let resources = root.get("Resources").map_or(&[][..], Node::entries);
    fn of_type<'r>(
        resources: &'r [super::tree::Entry],
        t: &'r str,
    ) -> impl Iterator<Item = &'r super::tree::Entry> {
        resources
            .iter()
            .filter(move |e| e.value.get("Type").and_then(Node::as_str) == Some(t))
    }
    let props = |e: &super::tree::Entry| e.value.get("Properties").cloned();
    let destinations =
        |t: &str, name_key: &str, kms_key: Option<&str>| -> BTreeMap<String, Destination> {
            of_type(resources, t)
                .map(|e| {
                    let p = props(e);
                    let name = p
                        .as_ref()
                        .and_then(|p| p.get(name_key))
                        .and_then(Node::as_str)
                        .map_or_else(|| e.key.clone(), str::to_string);
                    let kms = kms_key.and_then(|k| {
                        p.as_ref().and_then(|p| p.get(k)).map(|n| {
                            n.as_str()
                                .map_or_else(|| format!("the key its {k} names"), str::to_string)
                        })
                    });
                    (e.key.clone(), Destination { name, kms_key: kms })
                })
                .collect()
        };
    let groups = destinations("AWS::Logs::LogGroup", "LogGroupName", Some("KmsKeyId"));
    let buckets = destinations("AWS::S3::Bucket", "BucketName", None);
    let find = |table: &BTreeMap<String, Destination>, n: &Node| match referenced_id(n) {
        Some(id) => table.get(&id).cloned(),
        None => n
            .as_str()
            .and_then(|s| table.values().find(|d| d.name == s).cloned()),
    };
    for unit in units
        .iter_mut()
        .filter(|u| u.service.is_some() && u.conditions.is_none())
    {
        let Some(service) = unit.locator.resolved.clone() else {
            continue;
        };
        let Some(cluster) = service
            .get("Cluster")
            .and_then(referenced_id)
            .and_then(|id| of_type(resources, "AWS::ECS::Cluster").find(|e| e.key == id))
        else {
            continue;
        };
        let p = props(cluster);
        let configuration = p.as_ref().and_then(|p| p.get("Configuration"));
        let exec = configuration.and_then(|c| c.get("ExecuteCommandConfiguration"));
        let log = exec.and_then(|e| e.get("LogConfiguration"));
        if [configuration, exec, log]
            .iter()
            .flatten()
            .any(|n| !n.is_map() || referenced_id(n).is_some())
        {
            continue;
        }
        let key = |camel: &str| super::spans::Naming::Pascal.key(camel);
        let group_of = |n: &Node| find(&groups, n);
        let bucket_of = |n: &Node| find(&buckets, n);
        unit.input_cluster = config(exec, log, &key, &group_of, &bucket_of);
    }
}

#[cfg(test)]
mod tests {
    use crate::report::Status;

    fn cl004(text: &str) -> (Status, String) {
        crate::testing::lint_service_check(text, "CL004")
    }

    #[test]
    fn terraform_encryption_required_on_a_log_group_without_a_key_is_red() {
        let t = "resource \"aws_ecs_cluster\" \"main\" {\n  name = \"main\"\n  configuration {\n    execute_command_configuration {\n      logging = \"OVERRIDE\"\n      log_configuration {\n        cloud_watch_encryption_enabled = true\n        cloud_watch_log_group_name     = aws_cloudwatch_log_group.exec.name\n      }\n    }\n  }\n}\nresource \"aws_cloudwatch_log_group\" \"exec\" {\n  name = \"/ecs/exec\"\n}\nresource \"aws_ecs_service\" \"web\" {\n  name    = \"web\"\n  cluster = aws_ecs_cluster.main.id\n  enable_execute_command = true\n}\n";
        let (status, words) = cl004(t);
        assert_eq!(status, Status::Error, "{words}");
        assert!(
            words.contains("`/ecs/exec` is not encrypted with a KMS key"),
            "{words}"
        );
        let keyed = t.replace(
            "  name = \"/ecs/exec\"\n",
            "  name = \"/ecs/exec\"\n  kms_key_id = aws_kms_key.logs.arn\n",
        );
        assert_eq!(cl004(&keyed).0, Status::Pass);
        let elsewhere = t.replace("aws_cloudwatch_log_group.exec.name", "var.log_group");
        assert_eq!(cl004(&elsewhere).0, Status::Unknown);
        let default = t.replace("\"OVERRIDE\"", "\"DEFAULT\"");
        assert_eq!(cl004(&default).0, Status::NotApplicable);
    }

    #[test]
    fn cloudformation_cluster_with_its_log_group() {
        let t = "Resources:\n  Cluster:\n    Type: AWS::ECS::Cluster\n    Properties:\n      Configuration:\n        ExecuteCommandConfiguration:\n          Logging: OVERRIDE\n          LogConfiguration:\n            CloudWatchEncryptionEnabled: true\n            CloudWatchLogGroupName: !Ref Logs\n  Logs:\n    Type: AWS::Logs::LogGroup\n    Properties:\n      LogGroupName: /ecs/exec\n  Svc:\n    Type: AWS::ECS::Service\n    Properties:\n      Cluster: !Ref Cluster\n      EnableExecuteCommand: true\n";
        assert_eq!(cl004(t).0, Status::Error);
        let keyed = t.replace(
            "      LogGroupName: /ecs/exec\n",
            "      LogGroupName: /ecs/exec\n      KmsKeyId: !GetAtt Key.Arn\n",
        );
        assert_eq!(cl004(&keyed).0, Status::Pass);
    }
}
