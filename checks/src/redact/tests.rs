use super::*;
use crate::arn::Arn;
use crate::check::Severity;
use crate::facts::{Diagnosis, FactErrorKind, Mode};
use crate::report::Status;
use crate::runner::{Selection, evaluate};
use crate::testing::{self, set_decision};

const ACCOUNT: &str = "246813579024";
const OTHER_ACCOUNT: &str = "975318642097";
const TASK_ID: &str = "9f3c2a1b4d5e6f708192a3b4c5d6e7f8";
const SECOND_TASK: &str = "1a2b3c4d5e6f708192a3b4c5d6e7f809";
const KEY_ID: &str = "7c1e2d3f-4a5b-6c7d-8e9f-0a1b2c3d4e5f";

/// Everything that must not survive redaction (compared case-insensitively).
const SECRETS: &[&str] = &[
    ACCOUNT,
    OTHER_ACCOUNT,
    TASK_ID,
    SECOND_TASK,
    KEY_ID,
    "acme",
    "checkout",
    "devops",
    "alice",
    "jdoe",
    "s3cr3t",
    "0a1b2c3d4e5f60718",
    "0f1e2d3c4b5a69788",
    "0123456789abcdef0",
    "0fedcba9876543210",
    "5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b",
    "10.0.3.17",
    "10-0-3-17",
    "192.168.40.7",
    "10.0.1.25",
    "10.0.1.0/24",
    "10.0.0.0/16",
    "192.168.40.0/24",
    "203.0.113.0/24",
    "54.210.167.99",
    "2600:1f18:abcd",
    "fd12:3456:789a",
];

/// A Fargate task with KMS, CloudWatch and S3 logging, tags, a private image, an environment
/// file and AWS error messages that name resources, with distinctive names everywhere.
fn original() -> Diagnosis {
    let mut d = testing::diagnosis();
    testing::with_kms(&mut d);
    {
        let c = &mut d.cluster.value_mut().exec_config;
        c.s3_bucket = Some("bucket-of-prod".into());
        c.s3_key_prefix = Some("exec/prod-logs".into());
    }
    testing::with_cloudwatch_logging(&mut d);
    let json = serde_json::to_string(&d)
        .unwrap()
        .replace(testing::ACCOUNT, ACCOUNT)
        .replace(testing::TASK_ID, TASK_ID)
        .replace("1111aaaa-2222-bbbb-3333-cccc4444dddd", KEY_ID)
        .replace("bucket-of-prod", "acme-exec-transcripts")
        .replace("prod-logs", "acme-logs")
        .replace("prod", "acme-payments-prod")
        .replace("web-task", "AcmeCheckoutTaskRole")
        .replace("web-execution", "AcmeCheckoutExecRole")
        .replace("web", "checkout-api")
        .replace("Developer", "AcmeDevOps")
        .replace("alice", "alice.smith@acme.example")
        .replace("\"app\"", "\"checkout-container\"")
        .replace("subnet-0a", "subnet-0a1b2c3d4e5f60718")
        .replace("vpc-0a", "vpc-0f1e2d3c4b5a69788")
        .replace("vpce-0ssm", "vpce-0123456789abcdef0")
        .replace("/ecs/exec", "/acme/exec-audit");
    let mut d: Diagnosis = serde_json::from_str(&json).unwrap();
    d.cluster
        .value_mut()
        .tags
        .insert("team".into(), "s3cr3t-tag-value".into());
    d.caller.value_mut().principal_lookup_error = Some(FactError::new(
        FactErrorKind::AccessDenied,
        "iam:GetRole",
        format!(
            "User: arn:aws:sts::{ACCOUNT}:assumed-role/AcmeDevOps/alice.smith@acme.example is not authorized to perform: iam:GetRole on resource: role AcmeDevOps"
        ),
    ));
    d.local.value_mut().aws_cli.path = Some("/Users/jdoe/.local/bin/aws".into());
    d.local.value_mut().session_manager_plugin.problem = Some(
        "could not read /home/jdoe/.local/bin/session-manager-plugin: permission denied".into(),
    );
    let s = &mut d.subjects[0];
    let t = s.task.value_mut();
    t.tags
        .insert("owner".into(), "checkout-team@acme.example".into());
    t.containers[0].managed_agents[0].reason = Some(format!(
        "agent on ip-10-0-3-17.ec2.internal restarted for task {TASK_ID}"
    ));
    let td = s.task_definition.value_mut();
    td.containers[0].image = Some(format!(
        "{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/acme/checkout:2024.05.01"
    ));
    td.containers[0].environment_files = vec!["arn:aws:s3:::acme-config/checkout/prod.env".into()];
    td.containers[0].mount_points.push(MountPoint {
        container_path: "/var/lib/amazon/ssm".into(),
        source_volume: Some("acme-ssm-state".into()),
        read_only: false,
    });
    let sg = s
        .firewall
        .value_mut()
        .security_groups
        .get_mut(testing::TASK_SG)
        .unwrap();
    sg.egress.push(SgRule {
        protocol: "tcp".into(),
        from_port: Some(5432),
        to_port: Some(5432),
        ipv4_ranges: vec!["192.168.40.0/24".into(), "203.0.113.0/24".into()],
        ipv6_ranges: vec!["2600:1f18:abcd::/48".into(), "fd12:3456:789a::/48".into()],
        ..SgRule::default()
    });
    s.interface.value_mut().public_ip = Some("54.210.167.99".into());
    let net = s.network.value_mut();
    net.routes_error = Some(FactError::new(
        FactErrorKind::Service,
        "ec2:DescribeRouteTables",
        format!(
            "User: arn:aws:sts::{ACCOUNT}:assumed-role/AcmeDevOps/alice.smith@acme.example is not authorized to perform: ec2:DescribeRouteTables on resource: arn:aws:ec2:us-east-1:{ACCOUNT}:route-table/rtb-0a1b2c3d4e5f60718 (source 192.168.40.7)"
        ),
    ));
    d
}

fn ec2(mut d: Diagnosis) -> Diagnosis {
    let ci = format!(
        "arn:aws:ecs:us-east-1:{ACCOUNT}:container-instance/acme-payments-prod/5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b"
    );
    let s = &mut d.subjects[0];
    let t = s.task.value_mut();
    t.launch_type = Some("EC2".into());
    t.platform_version = None;
    t.container_instance_arn = Some(ci.clone());
    t.containers[0].runtime_id =
        Some("4f6c1d2e3a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f".into());
    s.container_instance = Fact::ok(ContainerInstance {
        arn: ci,
        ec2_instance_id: Some("i-0fedcba9876543210".into()),
        agent_version: Some("1.80.0".into()),
        agent_connected: Some(true),
        exec_capability: true,
        os_type: Some("linux".into()),
        subnet_id: Some("subnet-0a1b2c3d4e5f60718".into()),
        managed: None,
        managed_error: None,
    });
    s.instance_role = Fact::ok(InstanceRole {
        instance_profile_arn: Some(format!(
            "arn:aws:iam::{ACCOUNT}:instance-profile/acme/AcmeEcsInstance"
        )),
        role_arns: vec![format!("arn:aws:iam::{ACCOUNT}:role/acme/AcmeEcsInstance")],
    });
    d
}

/// Named scenarios, most of them failing in a different way.
fn scenarios() -> Vec<(&'static str, Diagnosis)> {
    let task_role = format!("arn:aws:iam::{ACCOUNT}:role/AcmeCheckoutTaskRole");
    let mut out = vec![("healthy", original()), ("ec2", ec2(original()))];
    let mut d = original();
    d.subjects[0].task.value_mut().enable_execute_command = false;
    out.push(("exec disabled", d));
    let mut d = original();
    set_decision(
        &mut d.subjects[0].task_role_permissions,
        "ssmmessages:OpenDataChannel",
        "*",
        Decision::ImplicitDeny,
    );
    out.push(("no ssmmessages", d));
    let mut d = original();
    let key = format!("arn:aws:kms:us-east-1:{ACCOUNT}:key/{KEY_ID}");
    set_decision(
        &mut d.subjects[0].task_role_permissions,
        "kms:Decrypt",
        &key,
        Decision::ExplicitDeny,
    );
    set_decision(
        &mut d.subjects[0].caller_permissions,
        "kms:GenerateDataKey",
        &key,
        Decision::ImplicitDeny,
    );
    out.push(("kms denied", d));
    let mut d = original();
    let group = format!("arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/acme/exec-audit:*");
    set_decision(
        &mut d.subjects[0].task_role_permissions,
        "logs:PutLogEvents",
        &group,
        Decision::ImplicitDeny,
    );
    set_decision(
        &mut d.subjects[0].task_role_permissions,
        "s3:PutObject",
        "arn:aws:s3:::acme-exec-transcripts/exec/acme-logs/*",
        Decision::ImplicitDeny,
    );
    out.push(("logging denied", d));
    let mut d = original();
    d.subjects[0].network.value_mut().endpoints.clear();
    out.push(("no network path", d));
    let mut d = original();
    {
        let net = d.subjects[0].network.value_mut();
        net.subnet_owner = Some(OTHER_ACCOUNT.into());
        net.routes_known = false;
    }
    out.push(("shared vpc", d));
    let mut d = original();
    {
        let net = d.subjects[0].network.value_mut();
        net.endpoints.clear();
        net.default_route = Some("igw-0a1b2c3d4e5f60718".into());
    }
    out.push(("public subnet", d));
    let mut d = original();
    {
        let c = &mut d.subjects[0].task_definition.value_mut().containers[0];
        c.environment_names.push("AWS_ACCESS_KEY_ID".into());
        c.secret_names.push("AWS_SECRET_ACCESS_KEY".into());
        c.readonly_root_filesystem = Some(Value::Known(true));
        c.init_process_enabled = None;
    }
    out.push(("credentials and read-only root", d));
    let mut d = original();
    let cluster = format!("arn:aws:ecs:us-east-1:{ACCOUNT}:cluster/acme-payments-prod");
    set_decision(
        &mut d.subjects[0].caller_permissions,
        "ecs:ExecuteCommand",
        &cluster,
        Decision::ImplicitDeny,
    );
    out.push(("caller denied", d));
    let mut d = original();
    {
        let agent = &mut d.subjects[0].task.value_mut().containers[0].managed_agents[0];
        agent.last_status = Some("STOPPED".into());
    }
    d.target.container = Some("checkout-container".into());
    out.push(("agent stopped, container named", d));
    let mut d = original();
    d.target.container = Some("acme-missing".into());
    out.push(("unknown container", d));
    let mut d = original();
    d.subjects[0].task_role_permissions =
        testing::fact_failed_denied("iam:SimulatePrincipalPolicy");
    d.subjects[0].task_definition.value_mut().task_role_arn = None;
    d.subjects[0].task.value_mut().task_role_override = Some(task_role);
    out.push(("simulation denied, role override", d));
    let mut d = original();
    {
        let td = d.subjects[0].task_definition.value_mut();
        td.os_family = Some("WINDOWS_SERVER_2022_CORE".into());
        td.containers[0].image = Some(format!(
            "{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/acme/nanoserver-checkout:ltsc2022"
        ));
    }
    out.push(("private nano server image", d));
    for (name, range) in [
        ("endpoint admits the vpc range", "10.0.0.0/16"),
        ("endpoint admits another range", "10.0.9.0/24"),
        ("endpoint admits half the subnet", "10.0.1.0/25"),
        ("endpoint admits the task alone", "10.0.1.25/32"),
    ] {
        let mut d = original();
        let groups = &mut d.subjects[0].firewall.value_mut().security_groups;
        let endpoint = groups.get_mut(testing::ENDPOINT_SG).unwrap();
        endpoint.ingress[0].groups.clear();
        endpoint.ingress[0].ipv4_ranges = vec![range.into()];
        out.push((name, d));
    }
    let mut d = original();
    {
        // The endpoint in its own subnet, and the task subnet's ACL denies that subnet's
        // return traffic before it allows everything.
        let s = &mut d.subjects[0];
        let net = s.network.value_mut();
        net.endpoints[0].subnet_ids = vec!["subnet-0b".into()];
        net.subnet_cidrs
            .insert("subnet-0b".into(), "10.0.2.0/24".into());
        let acl = &mut s.firewall.value_mut().network_acls[0];
        acl.entries.push(AclEntry {
            rule_number: 90,
            egress: false,
            protocol: "-1".into(),
            action: "deny".into(),
            cidr: Some("10.0.2.0/23".into()),
            ..AclEntry::default()
        });
    }
    out.push(("acl denies the endpoint subnet", d));
    let mut d = ec2(original());
    d.subjects[0].container_instance.value_mut().agent_version = Some("1.40.0".into());
    d.subjects[0].container_instance.value_mut().exec_capability = false;
    out.push(("old ec2 agent", d));
    let mut d = original();
    let mut second = d.subjects[0].clone();
    second.task_ref = SECOND_TASK.into();
    {
        let t = second.task.value_mut();
        t.arn = t.arn.replace(TASK_ID, SECOND_TASK);
        t.last_status = "STOPPED".into();
        t.stopped_reason = Some("Essential container in task exited (host 10.0.3.17)".into());
    }
    d.subjects.push(second);
    out.push(("two tasks", d));
    out
}

/// What must not change: per result, the code, status, heuristic flag, missing permission and
/// the severities of the findings.
fn verdicts(d: &Diagnosis) -> Vec<(String, Status, bool, bool, Vec<Severity>)> {
    evaluate(d, Mode::Live, &Selection::default())
        .into_iter()
        .map(|r| {
            (
                r.code,
                r.status,
                r.heuristic,
                r.missing_action.is_some(),
                r.findings.iter().map(|f| f.severity).collect(),
            )
        })
        .collect()
}

fn leaks(json: &str) -> Vec<&'static str> {
    let lower = json.to_lowercase();
    SECRETS
        .iter()
        .copied()
        .filter(|s| lower.contains(&s.to_lowercase()))
        .collect()
}

#[test]
fn the_originals_do_contain_the_secrets() {
    // Guards the leak test: every secret is really in some original.
    let all: String = scenarios()
        .iter()
        .map(|(_, d)| serde_json::to_string(d).unwrap())
        .collect();
    let missing: Vec<&str> = SECRETS
        .iter()
        .copied()
        .filter(|s| !all.to_lowercase().contains(&s.to_lowercase()))
        .collect();
    assert!(missing.is_empty(), "not in any original: {missing:?}");
}

#[test]
fn a_redacted_bundle_contains_no_account_id_resource_name_or_secret() {
    for (name, d) in scenarios() {
        let before = serde_json::to_string(&d).unwrap();
        let bundle = redact(Snapshot::new(d, 9, "0.1.0")).to_json();
        let leaked = leaks(&bundle);
        assert!(leaked.is_empty(), "{name}: leaked {leaked:?}\n{bundle}");
        let replayed = Snapshot::from_json(&bundle).unwrap();
        assert!(replayed.redacted);
        for kept in [
            "ExecuteCommandAgent",
            "com.amazonaws.us-east-1.ssmmessages",
            "us-east-1",
            "RUNNING",
            "ssmmessages:CreateControlChannel",
            "/var/lib/amazon/ssm",
        ] {
            assert!(
                !before.contains(kept) || bundle.contains(kept),
                "{name}: lost {kept}"
            );
            assert!(
                name != "healthy" || before.contains(kept),
                "{kept} is not in the original"
            );
        }
    }
}

#[test]
fn a_replayed_redacted_bundle_gives_the_same_verdicts() {
    let mut failing = 0;
    for (name, d) in scenarios() {
        let bundle = redact(Snapshot::new(d.clone(), 9, "0.1.0")).to_json();
        let replayed = Snapshot::from_json(&bundle).unwrap().diagnosis;
        let before = verdicts(&d);
        assert_eq!(before, verdicts(&replayed), "{name}");
        if before
            .iter()
            .any(|v| matches!(v.1, Status::Error | Status::Warning))
        {
            failing += 1;
        }
    }
    assert!(
        failing >= 10,
        "only {failing} scenarios fail; the test proves little"
    );
}

#[test]
fn placeholders_are_stable_and_structured() {
    let d = original();
    let a = redact(Snapshot::new(d.clone(), 1, "0.1.0"));
    let b = redact(Snapshot::new(d, 1, "0.1.0"));
    assert_eq!(a, b);
    // The same cluster name gives the same placeholder in an unrelated recording.
    let mut other = testing::diagnosis();
    other.target.cluster = "acme-payments-prod".into();
    let other = redact(Snapshot::new(other, 1, "0.1.0"));
    assert_eq!(other.diagnosis.target.cluster, a.diagnosis.target.cluster);
    assert!(a.diagnosis.target.cluster.starts_with("cluster-"));

    let task = a.diagnosis.subjects[0].task.value().unwrap();
    let arn = Arn::parse(&task.arn).unwrap();
    assert_eq!(
        (
            arn.partition.as_str(),
            arn.service.as_str(),
            arn.region.as_str()
        ),
        ("aws", "ecs", "us-east-1")
    );
    assert_eq!(arn.account.len(), 12);
    assert!(crate::arn::is_plausible_task(task.id()), "{}", task.id());
    assert_eq!(
        crate::arn::cluster_of_task_arn(&task.arn),
        Some(a.diagnosis.target.cluster.as_str())
    );
    assert_eq!(a.diagnosis.subjects[0].task_ref, task.id());
    let caller = a.diagnosis.caller.value().unwrap();
    assert_eq!(Arn::parse(&caller.arn).unwrap().account, caller.account);
    let net = a.diagnosis.subjects[0].network.value().unwrap();
    assert!(net.subnet_id.starts_with("subnet-") && net.vpc_id.starts_with("vpc-"));
    assert!(net.endpoints[0].id.starts_with("vpce-"));
    let td = a.diagnosis.subjects[0].task_definition.value().unwrap();
    assert!(
        td.containers[0]
            .image
            .as_deref()
            .unwrap()
            .contains(".dkr.ecr.us-east-1.amazonaws.com/image-")
    );
    assert_eq!(task.tags.len(), 1);
    assert!(task.tags["owner"].starts_with("tag-"));
    let reason = task.containers[0].managed_agents[0]
        .reason
        .as_deref()
        .unwrap();
    assert!(
        reason.starts_with("agent on ip-10-") && reason.contains(task.id()),
        "{reason}"
    );
}

#[test]
fn public_images_and_aws_defined_values_are_kept() {
    let d = testing::diagnosis();
    let r = redact(Snapshot::new(d.clone(), 1, "0.1.0")).diagnosis;
    let image = |d: &Diagnosis| {
        d.subjects[0].task_definition.value().unwrap().containers[0]
            .image
            .clone()
    };
    assert_eq!(image(&r), image(&d));
    let ep = &r.subjects[0].network.value().unwrap().endpoints[0];
    assert_eq!(ep.service_name, "com.amazonaws.us-east-1.ssmmessages");
    assert_eq!(r.local, d.local);
    assert_eq!(r.observed_at, d.observed_at);
}

#[test]
fn similar_values_get_unrelated_placeholders() {
    let a = name_placeholder("service", "web-1");
    let b = name_placeholder("service", "web-2");
    let same = a.chars().zip(b.chars()).filter(|(x, y)| x == y).count();
    assert!(same <= "service-".len() + 3, "{a} {b}");
    assert_eq!(name_placeholder("service", "web-1"), a);
    assert_eq!(
        hex_placeholder("0123456789abcdef0123456789abcdef").len(),
        32
    );
    assert_eq!(
        hex_placeholder("1111aaaa-2222-bbbb-3333-cccc4444dddd")
            .match_indices('-')
            .map(|(i, _)| i)
            .collect::<Vec<_>>(),
        [8, 13, 18, 23]
    );
}

#[test]
fn free_text_scanner() {
    let mut r = Redactor::default();
    r.name("cluster", "blue");
    let text = r.text(
        "dial tcp 10.0.1.25:443: i/o timeout on blue (bluegreen) vpc-0a1b2c3d account 123456789012.",
        true,
    );
    assert!(
        !text.contains("10.0.1.25") && text.contains(":443: i/o timeout"),
        "{text}"
    );
    assert!(
        !text.contains(" blue ") && text.contains("(bluegreen)"),
        "{text}"
    );
    assert!(
        !text.contains("vpc-0a1b2c3d") && text.contains("vpc-"),
        "{text}"
    );
    assert!(
        !text.contains("123456789012") && text.ends_with('.'),
        "{text}"
    );
    assert_eq!(ipv4_len("1.2.3.4"), Some(7));
    assert_eq!(ipv4_len("1.2.3.4.5"), None);
    assert_eq!(ipv4_len("1.2.3"), None);
    assert_eq!(ipv4_len("300.2.3.4"), None);
}

#[test]
fn recorded_scenarios_replay_alike_once_redacted() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/scenarios");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return;
    };
    let mut seen = 0;
    for entry in entries.flatten() {
        let path = entry.path().join("snapshot.json");
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let original =
            Snapshot::from_json(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let account = original
            .diagnosis
            .caller
            .value()
            .map(|c| c.account.clone())
            .filter(|a| !a.is_empty());
        let bundle = redact(original.clone()).to_json();
        if let Some(account) = account {
            assert!(
                !bundle.contains(&account),
                "{}: account survived",
                path.display()
            );
        }
        // No address or block of the original is left, but those the map keeps (`0.0.0.0/0`,
        // link-local) and those with too few bits to change to rule out a coincidence.
        for address in addresses(&original.diagnosis) {
            let free = super::address::free_bits(&address).unwrap_or(32);
            assert!(
                free < 16 || !bundle.contains(&format!("\"{address}\"")),
                "{}: {address} survived",
                path.display()
            );
        }
        let replayed = Snapshot::from_json(&bundle).unwrap();
        assert_eq!(
            verdicts(&original.diagnosis),
            verdicts(&replayed.diagnosis),
            "{}",
            path.display()
        );
        seen += 1;
    }
    assert!(seen > 0, "{} holds no recordings", dir.display());
}

#[test]
fn started_by_is_kept_when_a_deployment_id_and_redacted_otherwise() {
    let mut d = crate::testing::diagnosis();
    let mut other = d.subjects[0].clone();
    other.task.value_mut().started_by = Some("deploy-bot-alice".into());
    d.subjects.push(other);
    let bundle = redact(Snapshot::new(d, 9, "0.1.0")).to_json();
    assert!(bundle.contains("ecs-svc/9876501234598765012"), "{bundle}");
    assert!(!bundle.contains("alice"), "{bundle}");
    assert!(crate::redact::is_deployment_id("ecs-svc/42"));
    assert!(!crate::redact::is_deployment_id("ecs-svc/alice"));
}

/// Every address and CIDR block of the network facts, in an order that redaction keeps: maps
/// keyed by (redacted) ids are read through the lists that name them.
fn addresses(d: &Diagnosis) -> Vec<String> {
    fn once(ids: impl IntoIterator<Item = String>) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for id in ids {
            if !out.contains(&id) {
                out.push(id);
            }
        }
        out
    }
    let mut out = Vec::new();
    for s in &d.subjects {
        let mut groups = Vec::new();
        if let Some(i) = s.interface.value() {
            out.extend(i.private_ip.clone());
            out.extend(i.public_ip.clone());
            groups.extend(i.security_groups.clone());
        }
        if let Some(n) = s.network.value() {
            out.extend(n.subnet_cidr.clone());
            let subnets = std::iter::once(n.subnet_id.clone())
                .chain(n.endpoints.iter().flat_map(|e| e.subnet_ids.clone()));
            out.extend(
                once(subnets)
                    .iter()
                    .filter_map(|s| n.subnet_cidrs.get(s).cloned()),
            );
            out.extend(n.routes.iter().map(|r| r.destination.clone()));
            groups.extend(n.endpoints.iter().flat_map(|e| e.security_groups.clone()));
        }
        if let Some(f) = s.firewall.value() {
            for g in once(groups).iter().filter_map(|g| f.security_groups.get(g)) {
                for r in g.ingress.iter().chain(&g.egress) {
                    out.extend(r.ipv4_ranges.iter().chain(&r.ipv6_ranges).cloned());
                    for list in &r.prefix_lists {
                        out.extend(f.prefix_lists.get(list).into_iter().flatten().cloned());
                    }
                }
            }
            for a in &f.network_acls {
                for e in &a.entries {
                    out.extend(e.cidr.clone().into_iter().chain(e.ipv6_cidr.clone()));
                }
            }
        }
    }
    out
}

#[test]
fn addresses_are_pseudonymised_with_their_relations_kept() {
    use crate::network::rules::Net4;
    for (name, d) in scenarios() {
        let r = redact(Snapshot::new(d.clone(), 1, "0.1.0")).diagnosis;
        let (before, after) = (addresses(&d), addresses(&r));
        assert_eq!(before.len(), after.len(), "{name}");
        for (x, y) in before.iter().zip(&after) {
            let kept = x == "0.0.0.0/0" || x == "::/0";
            assert_eq!(kept, x == y, "{name}: {x} became {y}");
            let private = |s: &str| s.starts_with("10.") || s.starts_with("192.168.");
            assert_eq!(private(x), private(y), "{name}: {x} became {y}");
            assert_eq!(x.contains(':'), y.contains(':'), "{name}: {x} became {y}");
        }
        for (i, j) in (0..before.len()).flat_map(|i| (0..before.len()).map(move |j| (i, j))) {
            let (Some(a), Some(b)) = (Net4::parse(&before[i]), Net4::parse(&before[j])) else {
                continue;
            };
            let (c, e) = (
                Net4::parse(&after[i]).unwrap(),
                Net4::parse(&after[j]).unwrap(),
            );
            assert_eq!(
                a.contains(&b),
                c.contains(&e),
                "{name}: {a} ⊇ {b} vs {c} ⊇ {e}"
            );
            assert_eq!(
                a.overlaps(&b),
                c.overlaps(&e),
                "{name}: {a} ∩ {b} vs {c} ∩ {e}"
            );
        }
    }
    // Several relations are really exercised: the endpoint subnet inside the VPC range, the
    // task inside its subnet, a half subnet, unrelated ranges.
    let d = original();
    let r = redact(Snapshot::new(d, 1, "0.1.0")).diagnosis;
    let ip = |d: &Diagnosis| {
        d.subjects[0]
            .interface
            .value()
            .unwrap()
            .private_ip
            .clone()
            .unwrap()
    };
    let subnet = |d: &Diagnosis| {
        d.subjects[0]
            .network
            .value()
            .unwrap()
            .subnet_cidr
            .clone()
            .unwrap()
    };
    let (ip, subnet) = (ip(&r), subnet(&r));
    assert!(ip.starts_with("10.") && ip != "10.0.1.25", "{ip}");
    assert!(
        Net4::parse(&subnet)
            .unwrap()
            .contains(&Net4::parse(&ip).unwrap()),
        "{ip} left {subnet}"
    );
    // Free text uses the same map: the host name and an address in a message agree with the
    // structured fields.
    let mut d = original();
    d.subjects[0].task.value_mut().stopped_reason =
        Some("dial tcp 10.0.1.25:443 from ip-10-0-1-25.ec2.internal in 10.0.1.0/24".into());
    let r = redact(Snapshot::new(d, 1, "0.1.0")).diagnosis;
    let reason = r.subjects[0]
        .task
        .value()
        .unwrap()
        .stopped_reason
        .clone()
        .unwrap();
    let dashed = ip.replace('.', "-");
    assert_eq!(
        reason,
        format!("dial tcp {ip}:443 from ip-{dashed}.ec2.internal in {subnet}")
    );
}

#[test]
fn home_directory_user_names_are_replaced() {
    let mut r = Redactor::default();
    for (input, gone) in [
        ("/home/alice/.local/bin/aws", "alice"),
        ("/Users/alice/Library/Python/3.11/bin/aws", "alice"),
        (
            "C:\\Users\\alice\\AppData\\Local\\Programs\\aws.exe",
            "alice",
        ),
        ("c:/users/alice/bin/session-manager-plugin.exe", "alice"),
        ("/var/home/alice/bin/aws", "alice"),
        (
            "`/home/al/.local/bin/session-manager-plugin --version` failed: permission denied",
            "/al/",
        ),
        ("could not read C:\\Users\\bo\\plugin.exe", "\\bo\\"),
    ] {
        let out = r.path(input);
        assert!(!out.contains(gone), "{input} -> {out}");
        assert!(out.contains("user-"), "{input} -> {out}");
        assert_eq!(out, r.path(input), "stable");
    }
    for kept in [
        "~/bin/aws",
        "/usr/local/bin/aws",
        "/opt/homebrew/bin/aws",
        "/home/",
    ] {
        assert_eq!(r.path(kept), kept);
    }
    // In a recording: the tool paths, and the user name wherever else it appears.
    let mut d = testing::diagnosis();
    let local = d.local.value_mut();
    local.aws_cli.path = Some("C:\\Users\\mwong\\AppData\\Local\\aws.exe".into());
    local.session_manager_plugin.path = Some("/home/mwong/bin/session-manager-plugin".into());
    local.session_manager_plugin.problem =
        Some("unexpected `--version` output: mwong: not found".into());
    let bundle = redact(Snapshot::new(d, 1, "0.1.0")).to_json();
    assert!(!bundle.contains("mwong"), "{bundle}");
    assert!(
        bundle.contains("\\\\AppData\\\\Local\\\\aws.exe"),
        "{bundle}"
    );
}
