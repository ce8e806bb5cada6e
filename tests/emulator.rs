//! End-to-end tests of the live path: the real binary against the AWS emulator
//! (`tests/emulator/moto_shim.py`), with worlds built through the AWS API. Harness and world
//! builder: `emulator_support.rs`. Every test starts its own emulator; a test is skipped (with
//! a message) when python3/moto is missing, and fails then if `CI` is set.

use std::collections::{BTreeMap, BTreeSet};

use ecs_exec_doctor_checks::report::{Report, Status};
use ecs_exec_doctor_checks::{CHECKS, Category, FactKind, registry};

use crate::emulator_support::*;

/// Every check code except the local tool checks, for `--select`.
fn aws_codes() -> Vec<&'static str> {
    CHECKS
        .iter()
        .filter(|c| c.meta.category != Category::Local)
        .map(|c| c.meta.code)
        .collect()
}

/// Every IAM action the checks' metadata says the doctor may call.
fn metadata_actions() -> BTreeSet<&'static str> {
    FactKind::ALL
        .iter()
        .flat_map(|k| k.actions().iter().copied())
        .collect()
}

fn statuses(report: &Report) -> Vec<(String, Option<String>, Status)> {
    report
        .results
        .iter()
        .map(|r| (r.code.clone(), r.task.clone(), r.status))
        .collect()
}

#[track_caller]
fn assert_all_pass_or_not_applicable(report: &Report) {
    let bad: Vec<_> = report
        .results
        .iter()
        .filter(|r| !matches!(r.status, Status::Pass | Status::NotApplicable))
        .collect();
    assert!(
        bad.is_empty(),
        "expected only pass / not_applicable:\n{}",
        summary(report)
    );
}

// ------------------------------------------------------------------------------ healthy

#[test]
fn healthy_fargate_task_passes_every_aws_check() {
    let Some(emu) = Emulator::start() else { return };
    let world = emu.world(Spec::healthy("prod"));
    let codes = aws_codes();
    let run = emu
        .doctor(&world)
        .args(["check", &world.cluster, &world.tasks[0], "--format", "json"])
        .args(["--select", &codes.join(",")])
        .run();
    run.assert_code(0);
    let report = run.report();
    assert_eq!(
        report
            .results
            .iter()
            .map(|r| r.code.as_str())
            .collect::<Vec<_>>(),
        codes,
        "one result per selected check, in registry order"
    );
    assert_all_pass_or_not_applicable(&report);
    for code in [
        "CR001", "CR003", "CL002", "TK001", "TK002", "TK003", "TK004", "TD001", "TD002", "TD003",
        "IR001", "IR002", "NW001",
    ] {
        assert_status(&report, code, Status::Pass);
    }
    assert!(report.missing_permissions.is_empty());
    assert_eq!(report.tasks, vec![task_id(&world.tasks[0])]);
    assert!(
        result(&report, "CR001")
            .message
            .contains(&format!("user/{CALLER_USER}")),
        "the caller is resolved to its IAM user"
    );

    // A full run has the local tool checks too, evaluated (their verdict depends on this
    // machine, so only "not unknown" is asserted).
    let full = emu
        .doctor(&world)
        .args(["check", &world.cluster, &world.tasks[0], "--format", "json"])
        .run();
    assert!(matches!(full.code, Some(0 | 1)), "{full:?}");
    let full_report = full.report();
    for code in local_codes() {
        assert_ne!(
            status(&full_report, code),
            Status::Unknown,
            "{}",
            summary(&full_report)
        );
    }
    assert_eq!(full_report.results.len(), CHECKS.len());

    // Cluster and task as ARNs and no --region: the region comes from the ARNs.
    let from_arns = emu
        .bare_doctor()
        .credentials(&world.credentials)
        .args([
            "check",
            &world.cluster_arn,
            &world.tasks[0],
            "--format",
            "json",
        ])
        .args(["--select", &codes.join(",")])
        .trailing(&["--endpoint-url", emu.shim.url()])
        .run();
    from_arns.assert_code(0);
    let from_arns = from_arns.report();
    assert_eq!(from_arns.target.region, REGION);
    assert_eq!(statuses(&from_arns), statuses(&report));

    // AWS_ENDPOINT_URL instead of --endpoint-url.
    emu.shim.reset_calls();
    let via_env = emu
        .bare_doctor()
        .credentials(&world.credentials)
        .env("AWS_ENDPOINT_URL", emu.shim.url())
        .args(["check", &world.cluster, &world.tasks[0], "--format", "json"])
        .args(["--select", &codes.join(",")])
        .trailing(&["--region", REGION])
        .run();
    via_env.assert_code(0);
    assert_eq!(statuses(&via_env.report()), statuses(&report));
    assert!(
        emu.shim.calls().contains(&"ecs:DescribeTasks".to_string()),
        "AWS_ENDPOINT_URL was honoured"
    );
}

fn task_id(arn: &str) -> String {
    arn.rsplit('/').next().unwrap_or(arn).to_string()
}

/// Rich world (assumed-role caller with a path, KMS key, endpoints, service): every check
/// passes, and each fact is fetched once.
#[test]
fn each_fact_is_fetched_once_and_counted() {
    let Some(emu) = Emulator::start() else { return };
    let world = emu.world(Spec::rich("rich"));
    emu.shim.reset_calls();
    let run = emu.diagnose(&world);
    run.assert_code(0);
    let report = run.report();
    assert_all_pass_or_not_applicable(&report);
    for code in [
        "CR001", "CR002", "CR003", "CL001", "SV001", "SV002", "IR003", "NW002",
    ] {
        assert_status(&report, code, Status::Pass);
    }
    assert!(
        world.caller_arn.ends_with(":role/ops/rich-doctor"),
        "{}",
        world.caller_arn
    );
    assert!(
        result(&report, "CR001").message.contains(&world.caller_arn),
        "the assumed-role caller is resolved to its role, path included: {}",
        result(&report, "CR001").message
    );

    let calls = emu.shim.calls();
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for c in &calls {
        *counts.entry(c.as_str()).or_default() += 1;
    }
    for (op, n) in &counts {
        if *op == "iam:SimulatePrincipalPolicy" {
            // Once for the caller, once or twice for the task role.
            assert!((2..=3).contains(n), "{op} called {n} times: {calls:?}");
        } else if *op == "iam:GetRole" || *op == "ec2:DescribeVpcAttribute" {
            // The caller's role and the task role; one attribute per call (DNS support,
            // DNS hostnames).
            assert_eq!(*n, 2, "{op} called {n} times: {calls:?}");
        } else {
            assert_eq!(*n, 1, "{op} called {n} times: {calls:?}");
        }
    }
    for expected in [
        "sts:GetCallerIdentity",
        "iam:GetRole",
        "ecs:DescribeClusters",
        "kms:DescribeKey",
        "ecs:DescribeTasks",
        "ecs:DescribeServices",
        "ecs:DescribeTaskDefinition",
        "ec2:DescribeSubnets",
        "ec2:DescribeVpcEndpoints",
        "ec2:DescribeRouteTables",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeNetworkAcls",
        "kms:GetKeyPolicy",
        "kms:ListGrants",
    ] {
        assert!(
            counts.contains_key(expected),
            "{expected} not called: {calls:?}"
        );
    }
    let known = metadata_actions();
    for op in counts.keys() {
        assert!(
            known.contains(op),
            "{op} is called but no FactKind::actions() lists it (the `permissions` policy would lack it)"
        );
    }
    assert_eq!(
        report.aws_calls as usize,
        calls.len(),
        "aws_calls in the report vs calls the emulator saw: {calls:?}"
    );
}

// ------------------------------------------------------------------------------ task

#[test]
fn exec_not_enabled_on_the_task() {
    let Some(emu) = Emulator::start() else { return };
    let world = emu.world(Spec {
        exec_enabled: false,
        ..Spec::healthy("noexec")
    });
    let run = emu.diagnose(&world);
    run.assert_code(1);
    let report = run.report();
    assert_status(&report, "TK002", Status::Error);
    let tk002 = result(&report, "TK002");
    assert!(
        tk002.message.contains("without enableExecuteCommand"),
        "{tk002:?}"
    );
    let commands = fix_commands(tk002);
    assert!(
        commands
            .iter()
            .any(|c| c.contains("run-task") && c.contains("--enable-execute-command")),
        "{commands:?}"
    );
    // Without exec there is no ExecuteCommandAgent to judge: TK002 says it all.
    assert_status(&report, "TK003", Status::NotApplicable);
    assert!(result(&report, "TK003").message.contains("TK002"));
    assert_status(&report, "SV001", Status::NotApplicable);
    assert_status(&report, "IR002", Status::Pass);
}

#[test]
fn service_has_exec_but_its_task_was_started_without() {
    let Some(emu) = Emulator::start() else { return };
    let world = emu.world(Spec {
        exec_enabled: false,
        service: Some(Service {
            name: "web".into(),
            exec_enabled: true,
            deployment_controller: None,
        }),
        ..Spec::healthy("svc")
    });
    let run = emu.diagnose(&world);
    run.assert_code(1);
    let report = run.report();
    assert_status(&report, "TK002", Status::Error);
    assert_status(&report, "SV001", Status::Pass);
    let tk002 = result(&report, "TK002");
    let evidence: Vec<&String> = tk002.findings.iter().flat_map(|f| &f.evidence).collect();
    assert!(
        evidence
            .iter()
            .any(|e| e.contains("service `web` has enableExecuteCommand=true")),
        "{tk002:?}"
    );
    let commands = fix_commands(tk002);
    assert!(
        commands.iter().any(|c| c.contains("update-service")
            && c.contains("--service web")
            && c.contains("--enable-execute-command")
            && c.contains("--force-new-deployment")),
        "{commands:?}"
    );
}

#[test]
fn stopped_agent_is_an_error_and_a_sidecar_without_agent_is_ignored() {
    let Some(emu) = Emulator::start() else { return };
    let sidecar = Container::new("aws-guardduty-agent");
    let world = emu.world(Spec {
        containers: vec![Container::new("web"), sidecar],
        ..Spec::healthy("agents")
    });
    let task = &world.tasks[0];
    emu.shim.set_agent(task, "aws-guardduty-agent", None, "");
    let run = emu.diagnose(&world);
    run.assert_code(0);
    let report = run.report();
    assert_all_pass_or_not_applicable(&report);
    let tk003 = result(&report, "TK003");
    assert!(
        tk003
            .evidence
            .iter()
            .any(|e| e.contains("`aws-guardduty-agent` has no ExecuteCommandAgent")),
        "{tk003:?}"
    );

    emu.shim
        .set_agent(task, "web", Some("STOPPED"), "agent exited: address in use");
    let run = emu.diagnose(&world);
    run.assert_code(1);
    let stopped = run.report();
    assert_status(&stopped, "TK003", Status::Error);
    let tk003 = result(&stopped, "TK003");
    assert!(
        tk003
            .message
            .contains("ExecuteCommandAgent in `web` is STOPPED"),
        "{tk003:?}"
    );
    assert!(full_text(tk003).contains("address in use"), "{tk003:?}");
    // Nothing else changed.
    for (before, after) in report.results.iter().zip(&stopped.results) {
        if before.code != "TK003" {
            assert_eq!(before.status, after.status, "{}", before.code);
        }
    }
}

#[test]
fn ec2_container_instance_with_an_old_agent() {
    let Some(emu) = Emulator::start() else { return };
    let world = emu.world(Spec {
        launch: Launch::Ec2 {
            agent_version: "1.40.0".into(),
            instance_role: false,
        },
        ..Spec::healthy("oldagent")
    });
    let run = emu.diagnose(&world);
    run.assert_code(1);
    let report = run.report();
    assert_status(&report, "TK005", Status::Error);
    let tk005 = result(&report, "TK005");
    assert!(
        tk005.message.contains("ECS agent 1.40.0") && tk005.message.contains(">= 1.50.2"),
        "{tk005:?}"
    );
    let ci = world.container_instance_arn.as_deref().expect("registered");
    assert!(
        fix_commands(tk005)
            .iter()
            .any(|c| c.contains("update-container-agent") && c.contains(ci)),
        "{tk005:?}"
    );
    assert_status(&report, "TK004", Status::NotApplicable);
    // Only TK005 fails.
    let failing: Vec<&str> = report
        .results
        .iter()
        .filter(|r| r.status == Status::Error)
        .map(|r| r.code.as_str())
        .collect();
    assert_eq!(failing, ["TK005"], "{}", summary(&report));
}

// ------------------------------------------------------------------------------ roles

#[test]
fn task_role_problems() {
    let Some(emu) = Emulator::start() else { return };
    let without_ssm = emu.world(Spec {
        task_role: Some(TaskRole {
            ssmmessages: false,
            kms_decrypt: false,
        }),
        ..Spec::healthy("nossm")
    });
    let no_role = emu.world(Spec {
        task_role: None,
        ..Spec::healthy("norole")
    });

    let run = emu.diagnose(&without_ssm);
    run.assert_code(1);
    let report = run.report();
    assert_status(&report, "IR001", Status::Pass);
    assert_status(&report, "IR002", Status::Error);
    let ir002 = result(&report, "IR002");
    let role = without_ssm.task_role_name.as_deref().expect("role");
    assert!(
        fix_commands(ir002).iter().any(|c| c
            .contains(&format!("aws iam put-role-policy --role-name {role} "))
            && c.contains("ssmmessages:CreateControlChannel")
            && c.contains("ssmmessages:OpenDataChannel")),
        "{ir002:?}"
    );

    let run = emu.diagnose(&no_role);
    run.assert_code(1);
    let report = run.report();
    assert_status(&report, "IR001", Status::Error);
    assert!(
        result(&report, "IR001")
            .message
            .contains("has no task role"),
        "{}",
        summary(&report)
    );
    assert_status(&report, "IR002", Status::NotApplicable);
}

#[test]
fn ec2_task_without_task_role_falls_back_to_the_instance_role() {
    let Some(emu) = Emulator::start() else { return };
    let world = emu.world(Spec {
        launch: Launch::Ec2 {
            agent_version: "1.70.2".into(),
            instance_role: true,
        },
        task_role: None,
        ..Spec::healthy("ec2role")
    });
    let run = emu.diagnose(&world);
    let report = run.report();
    assert_status(&report, "TK005", Status::Pass);
    assert_status(&report, "IR001", Status::Warning);
    let role = world.instance_role_name.as_deref().expect("instance role");
    assert!(
        result(&report, "IR001").message.contains(role),
        "{}",
        summary(&report)
    );
    // The instance role allows the ssmmessages actions.
    assert_status(&report, "IR002", Status::Pass);
    assert!(full_text(result(&report, "IR002")).contains(role));
    run.assert_code(0);
}

// ------------------------------------------------------------------------------ containers

#[test]
fn read_only_root_and_credentials_in_the_environment_without_leaking_them() {
    const SECRET: &str = "wJalrXUtnFEMI-K7MDENG-bPxRfiCY-DISTINCTIVE-7f3a";
    const KEY_ID: &str = "AKIADISTINCTIVE7F3A99";
    let Some(emu) = Emulator::start() else { return };
    let mut web = Container::new("web");
    web.readonly_root = true;
    web.environment = vec![
        ("AWS_ACCESS_KEY_ID".into(), KEY_ID.into()),
        ("AWS_SECRET_ACCESS_KEY".into(), SECRET.into()),
        ("LOG_LEVEL".into(), "debug".into()),
    ];
    let world = emu.world(Spec {
        containers: vec![web],
        ..Spec::healthy("secrets")
    });
    let dir = tempfile::tempdir().expect("temp dir");
    for format in ["json", "text"] {
        let record = dir.path().join(format!("{format}.recording.json"));
        let run = emu
            .doctor(&world)
            .args(["check", &world.cluster, &world.tasks[0], "--format", format])
            .args(["--ignore", &local_codes().join(",")])
            .args(["--record".as_ref(), record.as_os_str()])
            .run();
        run.assert_code(1);
        let recorded = std::fs::read_to_string(&record).expect("recording written");
        for (what, text) in [
            ("stdout", &run.stdout),
            ("stderr", &run.stderr),
            ("recording", &recorded),
        ] {
            assert!(
                !text.contains(SECRET),
                "the secret value leaked into {what}"
            );
            assert!(!text.contains(KEY_ID), "the key id leaked into {what}");
        }
        // Names are kept: the values are missing, not the whole environment.
        assert!(recorded.contains("AWS_SECRET_ACCESS_KEY"));
        assert!(run.stdout.contains("AWS_ACCESS_KEY_ID"));
        if format == "json" {
            let report = run.report();
            assert_status(&report, "TD001", Status::Error);
            assert_status(&report, "TD003", Status::Warning);
            let td003 = result(&report, "TD003");
            assert!(
                td003.message.contains("AWS_ACCESS_KEY_ID")
                    || td003.message.contains("AWS_SECRET_ACCESS_KEY"),
                "{td003:?}"
            );
            assert!(
                result(&report, "TD001").message.contains("`web`"),
                "{}",
                summary(&report)
            );
        }
    }
}

// ------------------------------------------------------------------------------ network

#[test]
fn network_path_to_ssmmessages() {
    let Some(emu) = Emulator::start() else { return };
    let isolated = emu.world(Spec {
        net: Net::Isolated,
        ..Spec::healthy("isolated")
    });
    let gateway = emu.world(Spec {
        net: Net::InternetGateway,
        ..Spec::healthy("public")
    });

    let run = emu.diagnose(&isolated);
    run.assert_code(1);
    let report = run.report();
    assert_status(&report, "NW001", Status::Error);
    let nw001 = result(&report, "NW001");
    assert!(nw001.message.contains(&isolated.subnet), "{nw001:?}");
    assert!(
        fix_commands(nw001)
            .iter()
            .any(|c| c.contains("create-vpc-endpoint")
                && c.contains(&isolated.vpc)
                && c.contains("com.amazonaws.us-east-1.ssmmessages")),
        "{nw001:?}"
    );

    let run = emu.diagnose(&gateway);
    run.assert_code(0);
    let report = run.report();
    assert_status(&report, "NW001", Status::Pass);
    assert!(
        full_text(result(&report, "NW001")).contains("internet gateway `igw-"),
        "{}",
        summary(&report)
    );
}

// ------------------------------------------------------------------------------ KMS

#[test]
fn exec_kms_key_problems() {
    let Some(emu) = Emulator::start() else { return };
    // Caller, task role and endpoints all fine; only the key is disabled.
    let disabled = emu.world(Spec {
        kms: Kms::Disabled,
        ..Spec::rich("disabledkey")
    });
    // The key is fine; neither side may use it. (A different caller from `disabled`'s, so
    // their policies do not mix.)
    let unusable = emu.world(Spec {
        kms: Kms::Enabled,
        caller: Caller::User,
        caller_actions: vec!["ecs:ExecuteCommand".into()],
        task_role: Some(TaskRole {
            ssmmessages: true,
            kms_decrypt: false,
        }),
        service: None,
        ..Spec::rich("unusablekey")
    });

    let run = emu.diagnose(&disabled);
    run.assert_code(1);
    let report = run.report();
    assert_status(&report, "CL001", Status::Error);
    let cl001 = result(&report, "CL001");
    let key = disabled.kms_key_arn.as_deref().expect("key");
    assert!(cl001.message.contains("Disabled"), "{cl001:?}");
    assert!(
        fix_commands(cl001)
            .iter()
            .any(|c| c.contains("aws kms enable-key") && c.contains(key)),
        "{cl001:?}"
    );
    assert_status(&report, "CR002", Status::Pass);
    assert_status(&report, "IR003", Status::Pass);

    let run = emu.diagnose(&unusable);
    run.assert_code(1);
    let report = run.report();
    assert_status(&report, "CL001", Status::Pass);
    assert_status(&report, "CR002", Status::Error);
    assert_status(&report, "IR003", Status::Error);
    let key = unusable.kms_key_arn.as_deref().expect("key");
    let cr002 = result(&report, "CR002");
    assert!(
        fix_commands(cr002)
            .iter()
            .any(|c| c.contains("put-user-policy")
                && c.contains(&format!("--user-name {CALLER_USER}"))
                && c.contains("kms:GenerateDataKey")
                && c.contains(key)),
        "{cr002:?}"
    );
    let ir003 = result(&report, "IR003");
    let role = unusable.task_role_name.as_deref().expect("role");
    assert!(
        fix_commands(ir003)
            .iter()
            .any(|c| c.contains(&format!("--role-name {role} "))
                && c.contains("kms:Decrypt")
                && c.contains(key)),
        "{ir003:?}"
    );
    // The rest of the exec path is fine.
    assert_status(&report, "CR001", Status::Pass);
    assert_status(&report, "IR002", Status::Pass);
    assert_status(&report, "NW002", Status::Pass);
}

// ------------------------------------------------------------------------------ session logs

/// logging=OVERRIDE to a KMS-encrypted log group and an encrypted bucket passes CL004; once
/// the bucket loses its default encryption (s3EncryptionEnabled=true), sessions would be
/// refused and CL004 is red with the command that restores it.
#[test]
fn session_log_destinations_are_read_and_their_encryption_checked() {
    let Some(emu) = Emulator::start() else { return };
    let world = emu.world(Spec {
        session_logs: true,
        ..Spec::rich("logged")
    });
    let run = emu.diagnose(&world);
    run.assert_code(0);
    let report = run.report();
    assert_status(&report, "CL004", Status::Pass);
    assert!(
        full_text(result(&report, "CL004")).contains("/ecs/exec/logged"),
        "{}",
        full_text(result(&report, "CL004"))
    );
    emu.block_on(
        emu.aws
            .s3
            .delete_bucket_encryption()
            .bucket("logged-exec-logs")
            .send(),
    )
    .or_die("DeleteBucketEncryption");
    let run = emu.diagnose(&world);
    run.assert_code(1);
    let report = run.report();
    assert_status(&report, "CL004", Status::Error);
    let cl004 = result(&report, "CL004");
    assert!(
        full_text(cl004).contains("`logged-exec-logs` has no default encryption"),
        "{}",
        full_text(cl004)
    );
    assert!(
        fix_commands(cl004)
            .iter()
            .any(|c| c.starts_with("aws s3api put-bucket-encryption --bucket logged-exec-logs")),
        "{:?}",
        fix_commands(cl004)
    );
}

/// The private subnet reaches S3 through a gateway endpoint; taken off the subnet's route
/// table, the endpoint still exists but serves nobody, and NW002 says so.
#[test]
fn an_s3_gateway_endpoint_off_the_route_table_is_red() {
    let Some(emu) = Emulator::start() else { return };
    let world = emu.world(Spec {
        session_logs: true,
        ..Spec::rich("gateway")
    });
    let report = emu.diagnose(&world).report();
    assert_status(&report, "NW002", Status::Pass);
    let (endpoint, table) = emu.block_on(async {
        let out = emu
            .aws
            .ec2
            .describe_vpc_endpoints()
            .filters(
                aws_sdk_ec2::types::Filter::builder()
                    .name("vpc-id")
                    .values(&world.vpc)
                    .build(),
            )
            .send()
            .await
            .or_die("DescribeVpcEndpoints");
        let e = out
            .vpc_endpoints()
            .iter()
            .find(|e| e.service_name().is_some_and(|n| n.ends_with(".s3")))
            .expect("the world's s3 gateway endpoint")
            .clone();
        (
            e.vpc_endpoint_id().unwrap_or_default().to_string(),
            e.route_table_ids()[0].clone(),
        )
    });
    emu.block_on(
        emu.aws
            .ec2
            .modify_vpc_endpoint()
            .vpc_endpoint_id(&endpoint)
            .remove_route_table_ids(&table)
            .send(),
    )
    .or_die("ModifyVpcEndpoint");
    let run = emu.diagnose(&world);
    run.assert_code(1);
    let report = run.report();
    assert_status(&report, "NW002", Status::Error);
    let nw002 = result(&report, "NW002");
    assert!(
        full_text(nw002).contains(&format!(
            "`{endpoint}` is not associated with route table `{table}`"
        )),
        "{}",
        full_text(nw002)
    );
    assert!(
        fix_commands(nw002).iter().any(|c| c.contains(&format!(
            "modify-vpc-endpoint --vpc-endpoint-id {endpoint} --add-route-table-ids {table}"
        ))),
        "{:?}",
        fix_commands(nw002)
    );
}

// ------------------------------------------------------------------------------ --service

#[test]
fn service_mode_diagnoses_each_running_task_with_one_describe_tasks() {
    let Some(emu) = Emulator::start() else { return };
    let world = emu.world(Spec {
        service: Some(Service {
            name: "api".into(),
            exec_enabled: true,
            deployment_controller: None,
        }),
        tasks: 2,
        ..Spec::healthy("multi")
    });
    // A task of the same cluster outside the service must not be diagnosed.
    let stray = emu.block_on(
        emu.aws
            .ecs
            .run_task()
            .cluster("multi")
            .task_definition(&world.task_definition_arn)
            .launch_type(aws_sdk_ecs::types::LaunchType::Fargate)
            .enable_execute_command(true)
            .network_configuration(
                aws_sdk_ecs::types::NetworkConfiguration::builder()
                    .awsvpc_configuration(
                        aws_sdk_ecs::types::AwsVpcConfiguration::builder()
                            .subnets(&world.subnet)
                            .build()
                            .expect("awsvpc configuration"),
                    )
                    .build(),
            )
            .send(),
    );
    assert_eq!(stray.or_die("RunTask (stray)").tasks().len(), 1);
    emu.shim.reset_calls();
    let run = emu
        .doctor(&world)
        .args([
            "check",
            &world.cluster,
            "--service",
            "api",
            "--format",
            "json",
        ])
        .args(["--ignore", &local_codes().join(",")])
        .run();
    run.assert_code(0);
    let report = run.report();
    assert_all_pass_or_not_applicable(&report);
    let ids: BTreeSet<String> = world.tasks.iter().map(|t| task_id(t)).collect();
    assert_eq!(
        report.tasks.iter().cloned().collect::<BTreeSet<_>>(),
        ids,
        "the service's two tasks"
    );
    for check in CHECKS.iter().filter(|c| c.meta.category != Category::Local) {
        let per_task: Vec<Option<&str>> = report
            .results
            .iter()
            .filter(|r| r.code == check.meta.code)
            .map(|r| r.task.as_deref())
            .collect();
        match check.meta.level {
            ecs_exec_doctor_checks::check::Level::Task => assert_eq!(
                per_task
                    .iter()
                    .flatten()
                    .map(|t| t.to_string())
                    .collect::<BTreeSet<_>>(),
                ids,
                "{}: one result per task",
                check.meta.code
            ),
            ecs_exec_doctor_checks::check::Level::Run => {
                assert_eq!(per_task, [None], "{}: one result per run", check.meta.code)
            }
        }
    }
    let calls = emu.shim.calls();
    for op in [
        "ecs:ListTasks",
        "ecs:DescribeTasks",
        "ecs:DescribeServices",
        "ecs:DescribeTaskDefinition",
        "ec2:DescribeSubnets",
    ] {
        assert_eq!(
            calls.iter().filter(|c| *c == op).count(),
            1,
            "{op}: {calls:?}"
        );
    }
    assert_eq!(report.aws_calls as usize, calls.len(), "{calls:?}");
}

// ------------------------------------------------------------------------------ fleet

fn count(calls: &[String], action: &str) -> usize {
    calls.iter().filter(|c| *c == action).count()
}

/// 105 running tasks: ListTasks is read to its last page, DescribeTasks goes 100 at a time,
/// every shared fact is fetched once and the caller is simulated in batches; the report is
/// one fleet line, and `--max-tasks` says how many it left out.
#[test]
fn a_service_of_more_than_100_tasks_is_read_to_the_end_in_few_calls() {
    let Some(emu) = Emulator::start() else { return };
    let world = emu.world(Spec {
        service: Some(Service {
            name: "big".into(),
            exec_enabled: true,
            deployment_controller: None,
        }),
        tasks: 105,
        ..Spec::healthy("fleet")
    });
    emu.shim.reset_calls();
    let ignore = local_codes().join(",");
    let run = emu
        .doctor(&world)
        .args([
            "check",
            "fleet",
            "--service",
            "big",
            "--format",
            "json",
            "--ignore",
            &ignore,
        ])
        .run();
    run.assert_code(0);
    let report = run.report();
    assert_eq!(report.tasks.len(), 105);
    let fleet = report.fleet.as_ref().expect("a fleet view for 105 tasks");
    assert_eq!(
        (fleet.tasks, fleet.ready, fleet.not_ready),
        (105, 105, 0),
        "{fleet:?}"
    );
    let calls = emu.shim.calls();
    assert_eq!(count(&calls, "ecs:ListTasks"), 2, "{calls:?}");
    assert_eq!(count(&calls, "ecs:DescribeTasks"), 2, "{calls:?}");
    assert_eq!(count(&calls, "ecs:DescribeTaskDefinition"), 1, "{calls:?}");
    assert!(
        count(&calls, "iam:SimulatePrincipalPolicy") <= 5,
        "{calls:?}"
    );
    assert!(calls.len() <= 25, "{} calls: {calls:?}", calls.len());

    // The text report of a healthy fleet fits on a screen.
    let text = emu
        .doctor(&world)
        .args(["check", "fleet", "--service", "big", "--ignore", &ignore])
        .run();
    assert!(
        text.stdout.contains("105 tasks: 105 ready"),
        "{}",
        text.stdout
    );
    assert!(text.stdout.lines().count() < 40, "{}", text.stdout);

    let capped = emu
        .doctor(&world)
        .args([
            "check",
            "fleet",
            "--service",
            "big",
            "--max-tasks",
            "30",
            "--format",
            "json",
            "--ignore",
            &ignore,
        ])
        .run();
    let fleet = capped.report().fleet.expect("fleet");
    assert_eq!((fleet.tasks, fleet.left_out), (30, 75));
}

/// Tasks started before the service enabled exec: every one is red, in one group whose fix
/// replaces them; `--all` sees the same tasks.
#[test]
fn tasks_that_predate_enable_execute_command_are_one_group() {
    let Some(emu) = Emulator::start() else { return };
    let world = emu.world(Spec {
        service: Some(Service {
            name: "old".into(),
            exec_enabled: true,
            deployment_controller: None,
        }),
        tasks: 12,
        exec_enabled: false,
        ..Spec::healthy("predate")
    });
    let ignore = local_codes().join(",");
    let run = emu
        .doctor(&world)
        .args(["check", "predate", "--service", "old", "--ignore", &ignore])
        .run();
    run.assert_code(1);
    let out = &run.stdout;
    assert!(out.contains("12 tasks: 0 ready, 12 not"), "{out}");
    let group = out
        .lines()
        .find(|l| l.contains("TK002"))
        .unwrap_or_else(|| panic!("a TK002 group: {out}"));
    assert!(group.contains("— 12 tasks ("), "{group}");
    assert!(out.contains("--force-new-deployment"), "{out}");
    assert_eq!(
        out.matches("TK002").count(),
        1,
        "one line for twelve tasks: {out}"
    );

    let json = emu
        .doctor(&world)
        .args([
            "check", "predate", "--all", "--format", "json", "--ignore", &ignore,
        ])
        .run();
    let fleet = json.report().fleet.expect("fleet");
    assert_eq!(fleet.tasks, 12);
    let tk002 = fleet
        .groups
        .iter()
        .find(|g| g.code == "TK002")
        .expect("TK002 group");
    assert_eq!(tk002.tasks.len(), 12, "every task id is in the JSON");
}

/// Right after `update-service --enable-execute-command --force-new-deployment`, old and new
/// tasks coexist: the report counts each deployment's tasks apart, the new deployment ready and
/// the old one (no longer listed by the service) not, with the old tasks alone in the TK002 group.
#[test]
fn old_and_new_deployment_tasks_are_reported_apart() {
    let Some(emu) = Emulator::start() else { return };
    let world = emu.world(Spec {
        service: Some(Service {
            name: "roll".into(),
            exec_enabled: false,
            deployment_controller: None,
        }),
        tasks: 3,
        exec_enabled: false,
        ..Spec::healthy("rollout")
    });
    let (deployment, new) = emu.redeploy_with_exec(&world, 4);
    assert_eq!(new.len(), 4);
    let ignore = local_codes().join(",");
    let json = emu
        .doctor(&world)
        .args([
            "check",
            "rollout",
            "--service",
            "roll",
            "--format",
            "json",
            "--ignore",
            &ignore,
        ])
        .run();
    json.assert_code(1);
    let fleet = json.report().fleet.expect("fleet");
    assert_eq!(
        (fleet.tasks, fleet.ready, fleet.not_ready),
        (7, 4, 3),
        "{fleet:?}"
    );
    let summary: Vec<(Option<&str>, Option<&str>, usize, usize)> = fleet
        .deployments
        .iter()
        .map(|d| {
            (
                d.started_by.as_deref(),
                d.status.as_deref(),
                d.tasks,
                d.ready,
            )
        })
        .collect();
    assert_eq!(summary.len(), 2, "{summary:?}");
    assert_eq!(
        summary[0],
        (Some(deployment.as_str()), Some("PRIMARY"), 4, 4)
    );
    assert_eq!((summary[1].1, summary[1].2, summary[1].3), (None, 3, 0));
    let tk002 = fleet
        .groups
        .iter()
        .find(|g| g.code == "TK002")
        .expect("TK002");
    assert_eq!(tk002.count, 3, "only the old deployment's tasks: {tk002:?}");

    let text = emu
        .doctor(&world)
        .args(["check", "rollout", "--service", "roll", "--ignore", &ignore])
        .run();
    let out = &text.stdout;
    assert!(out.contains("by deployment of service `roll`"), "{out}");
    assert!(
        out.contains(&format!(
            "{deployment} (PRIMARY, rollout-app:1): 4 tasks, 4 ready"
        )),
        "{out}"
    );
    assert!(
        out.contains("(no longer a deployment of the service, rollout-app:1): 3 tasks, 0 ready"),
        "{out}"
    );
}

/// A cluster of several services where one service's role lacks the ssmmessages actions:
/// `--all` reads every task and only that service's tasks are red, in one group.
#[test]
fn in_a_cluster_of_several_services_only_the_broken_one_is_red() {
    let Some(emu) = Emulator::start() else { return };
    let world = emu.world(Spec {
        service: Some(Service {
            name: "front".into(),
            exec_enabled: true,
            deployment_controller: None,
        }),
        tasks: 4,
        ..Spec::healthy("several")
    });
    let good = emu.add_service(&world, "several-api", 3, true);
    let bad = emu.add_service(&world, "several-worker", 5, false);
    assert_eq!((good.len(), bad.len()), (3, 5));
    let ignore = local_codes().join(",");
    let run = emu
        .doctor(&world)
        .args([
            "check", "several", "--all", "--format", "json", "--ignore", &ignore,
        ])
        .run();
    run.assert_code(1);
    let fleet = run.report().fleet.expect("fleet");
    assert_eq!(
        (fleet.tasks, fleet.ready, fleet.not_ready, fleet.unknown),
        (12, 7, 5, 0),
        "{fleet:?}"
    );
    let red: Vec<_> = fleet
        .groups
        .iter()
        .filter(|g| g.status == Status::Error)
        .collect();
    // One group per missing action, each of exactly the worker's tasks.
    assert!(
        !red.is_empty() && red.iter().all(|g| g.code == "IR002"),
        "{red:?}"
    );
    let mut ids: Vec<String> = bad
        .iter()
        .map(|a| a.rsplit('/').next().unwrap().to_string())
        .collect();
    ids.sort();
    for g in &red {
        let mut grouped = g.tasks.clone();
        grouped.sort();
        assert_eq!(grouped, ids, "exactly the worker's tasks: {g:?}");
    }

    let text = emu
        .doctor(&world)
        .args(["check", "several", "--all", "--ignore", &ignore])
        .run();
    assert!(
        text.stdout.contains("12 tasks: 7 ready, 5 not"),
        "{}",
        text.stdout
    );
    assert!(text.stdout.contains("— 5 tasks ("), "{}", text.stdout);
    // --family: only the worker's tasks (its task definition family).
    let family = emu
        .doctor(&world)
        .args([
            "check",
            "several",
            "--all",
            "--family",
            "several-worker-app",
            "--format",
            "json",
            "--ignore",
            &ignore,
        ])
        .run();
    let fleet = family.report().fleet.expect("fleet");
    assert_eq!((fleet.tasks, fleet.not_ready), (5, 5), "{fleet:?}");
    assert_eq!(
        text.stdout.matches("put-role-policy").count(),
        1,
        "the fix once: {}",
        text.stdout
    );
    assert_eq!(
        text.stdout.matches("put-role-policy").count(),
        1,
        "the fix once: {}",
        text.stdout
    );
}

/// `--wait`: a service whose agents are still PENDING for two polls becomes ready on the
/// third; the progress goes to stderr and the exit is 0. When the time runs out first, exit 1
/// with what still blocks.
#[test]
fn wait_polls_until_the_agents_run() {
    let Some(emu) = Emulator::start() else { return };
    let world = emu.world(Spec {
        service: Some(Service {
            name: "waiting-web".into(),
            exec_enabled: true,
            deployment_controller: None,
        }),
        tasks: 3,
        ..Spec::healthy("waiting")
    });
    for t in &world.tasks {
        emu.shim.set_agent_for(t, "web", "PENDING", 2);
    }
    emu.shim.reset_calls();
    let ignore = local_codes().join(",");
    let args = [
        "check",
        "waiting",
        "--service",
        "waiting-web",
        "--format",
        "json",
        "--ignore",
        &ignore,
    ];
    let run = emu.doctor(&world).args(args).args(["--wait", "60s"]).run();
    run.assert_code(0);
    assert!(run.stderr.contains("0/3 tasks ready"), "{}", run.stderr);
    assert!(
        run.stderr.contains("exec-ready (3/3 tasks ready)"),
        "{}",
        run.stderr
    );
    assert_eq!(run.report().fleet.expect("fleet").ready, 3);
    let calls = emu.shim.calls();
    assert_eq!(count(&calls, "ecs:DescribeTasks"), 3, "three polls");
    // Only the first poll reads what is not changing: the roles, simulations and network.
    for once in [
        "iam:GetRole",
        "iam:SimulatePrincipalPolicy",
        "ec2:DescribeSubnets",
    ] {
        assert!(count(&calls, once) <= 2, "{once} read again: {calls:?}");
    }
    assert_eq!(count(&calls, "ec2:DescribeSubnets"), 1, "{calls:?}");
    // Against one full read per poll: the same diagnosis once, without --wait.
    emu.shim.reset_calls();
    emu.doctor(&world).args(args).run().assert_code(0);
    let full = emu.shim.calls().len();
    eprintln!(
        "--wait: {} calls over 3 polls; one full read is {full}",
        calls.len()
    );
    assert!(calls.len() < 3 * full - 10, "{} vs 3 x {full}", calls.len());

    for t in &world.tasks {
        emu.shim.set_agent_for(t, "web", "PENDING", 1000);
    }
    let run = emu.doctor(&world).args(args).args(["--wait", "3s"]).run();
    run.assert_code(1);
    assert!(
        run.stderr.contains("time ran out: 0/3 tasks ready (TK003"),
        "{}",
        run.stderr
    );
    for t in &world.tasks {
        emu.shim.set_agent_for(t, "web", "RUNNING", 0);
    }

    let replayed = emu
        .bare_doctor()
        .args(["check", "--replay", "x.json", "--wait"])
        .run();
    replayed.assert_code(2);
}

// ------------------------------------------------------------------------------ degradation

/// Denies each API the doctor called in a baseline run, one at a time, and checks that the
/// run still completes, that only the checks whose metadata lists that action change (to
/// UNKNOWN naming it), and that every other check keeps its status. Returns the actions the
/// baseline called, those whose denial turned some check UNKNOWN, and every violation found.
fn deny_one_api_at_a_time(
    emu: &Emulator,
    world: &World,
    args: &[&str],
) -> (BTreeSet<String>, BTreeSet<String>, Vec<String>) {
    let run = |emu: &Emulator| {
        emu.doctor(world)
            .args(args)
            .args(["--format", "json", "--ignore", &local_codes().join(",")])
            .run()
    };
    emu.shim.deny(&[]);
    emu.shim.reset_calls();
    let baseline_run = run(emu);
    assert!(matches!(baseline_run.code, Some(0 | 1)), "{baseline_run:?}");
    let baseline = baseline_run.report();
    assert_eq!(
        baseline.summary.unknown,
        0,
        "baseline {args:?}:\n{}",
        summary(&baseline)
    );
    let called: BTreeSet<String> = emu.shim.calls().into_iter().collect();
    let mut made_unknown = BTreeSet::new();
    let mut problems = Vec::new();
    for action in &called {
        emu.shim.deny(&[action]);
        emu.shim.reset_calls();
        let denied_run = run(emu);
        let context = format!("with {action} denied ({args:?})");
        if !matches!(denied_run.code, Some(0 | 1)) {
            problems.push(format!(
                "{context}: exit {:?}: {}",
                denied_run.code, denied_run.stderr
            ));
            continue;
        }
        if !emu.shim.calls().contains(action) {
            problems.push(format!("{context}: the doctor did not even try it"));
        }
        let report = denied_run.report();
        let shape = |r: &Report| -> Vec<(String, Option<String>)> {
            statuses(r).into_iter().map(|(c, t, _)| (c, t)).collect()
        };
        if shape(&report) != shape(&baseline) {
            problems.push(format!(
                "{context}: other checks or tasks are reported:\n{}",
                summary(&report)
            ));
            continue;
        }
        let mut named = false;
        for (before, after) in baseline.results.iter().zip(&report.results) {
            if after.status == before.status {
                continue;
            }
            let meta = &registry::find(&before.code).expect("registered").meta;
            let depends = meta.actions().contains(&action.as_str());
            let what = format!(
                "{context}: {} ({}) went from {:?} to {:?}: {} [missing_action {:?}]",
                before.code,
                if depends {
                    "depends on it"
                } else {
                    "does not depend on it"
                },
                before.status,
                after.status,
                after.message,
                after.missing_action
            );
            if !depends || after.status != Status::Unknown {
                problems.push(what);
                continue;
            }
            made_unknown.insert(action.clone());
            if after.missing_action.as_deref() == Some(action.as_str()) {
                named = true;
            } else {
                problems.push(what);
            }
        }
        // Every denied call is named, whether or not a check turned UNKNOWN for it.
        let _ = named;
        if report.missing_permissions != [action.clone()] {
            problems.push(format!(
                "{context}: missing_permissions is {:?}",
                report.missing_permissions
            ));
        }
    }
    emu.shim.deny(&[]);
    (called, made_unknown, problems)
}

/// When every call is refused the same way (an SCP denying everything), the run stops with
/// one line and exit 2 instead of a report of identical UNKNOWNs.
#[test]
fn every_call_denied_the_same_way_is_one_message() {
    let Some(emu) = Emulator::start() else { return };
    let world = emu.world(Spec::healthy("denied"));
    emu.shim.deny(&[
        "sts:GetCallerIdentity",
        "ecs:DescribeClusters",
        "ecs:DescribeTasks",
    ]);
    let run = emu.diagnose(&world);
    emu.shim.deny(&[]);
    run.assert_code(2);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{}", run.stderr);
    assert!(
        lines[0].contains("every AWS call failed the same way")
            && lines[0].contains("ecs-exec-doctor permissions"),
        "{}",
        run.stderr
    );

    // One API denied is an UNKNOWN, not a stop, and never exit 0.
    emu.shim.deny(&["ecs:DescribeClusters"]);
    let run = emu.diagnose(&world);
    emu.shim.deny(&[]);
    run.assert_code(1);
    assert!(run.report().summary.unknown > 0);
}

/// The worlds of the degradation tests: healthy, with every fact in play. `Spec::rich` (an
/// assumed-role caller, a KMS key, endpoints, a service) and, on EC2, a task without a task
/// role, so that the container instance, the instance and its instance profile are fetched.
fn rich_world(emu: &Emulator) -> World {
    emu.world(Spec::rich("rich"))
}

fn ec2_world(emu: &Emulator) -> World {
    emu.world(Spec {
        launch: Launch::Ec2 {
            agent_version: "1.70.2".into(),
            instance_role: true,
        },
        task_role: None,
        caller: Caller::User,
        caller_actions: vec!["ecs:ExecuteCommand".into(), "kms:GenerateDataKey".into()],
        // The path through a NAT gateway, and HTTPS out only through a prefix list, so that
        // denying DescribeNatGateways or GetManagedPrefixListEntries shows.
        net: Net::NatGateway,
        egress_via_prefix_list: true,
        session_logs: true,
        ..Spec::rich("onec2")
    })
}

/// An ECS Anywhere task: the EC2 world's task reported as EXTERNAL on a managed instance
/// that Systems Manager lists Online.
fn anywhere_world(emu: &Emulator) -> World {
    let world = emu.world(Spec {
        launch: Launch::Ec2 {
            agent_version: "1.70.2".into(),
            instance_role: false,
        },
        ..Spec::rich("anywhere")
    });
    emu.shim.make_external(
        &world.tasks[0],
        world.container_instance_arn.as_deref().unwrap(),
        "mi-0123456789abcdef0",
    );
    emu.shim.control(
        "POST",
        "/_shim/managed-instance",
        Some(serde_json::json!({"id": "mi-0123456789abcdef0", "PingStatus": "Online"})),
    );
    world
}

#[test]
fn denying_any_single_api_for_an_ecs_anywhere_task_turns_only_dependent_checks_unknown() {
    let Some(emu) = Emulator::start() else { return };
    let world = anywhere_world(&emu);
    assert_degrades_gracefully(&emu, &world, &["check", "anywhere", &world.tasks[0]]);
}

fn assert_degrades_gracefully(emu: &Emulator, world: &World, args: &[&str]) {
    let (called, made_unknown, problems) = deny_one_api_at_a_time(emu, world, args);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    let metadata: BTreeSet<String> = metadata_actions().into_iter().map(String::from).collect();
    assert!(
        called.is_subset(&metadata),
        "called but not in any FactKind::actions(): {:?}",
        called.difference(&metadata).collect::<Vec<_>>()
    );
    // In these worlds every API matters to some check: denying it must show. Grants are
    // consulted only when the key policy does not decide, and it does in these worlds: denying
    // kms:ListGrants only notes that grants were not read.
    let matters: BTreeSet<String> = called
        .iter()
        .filter(|a| *a != "kms:ListGrants")
        .cloned()
        .collect();
    assert_eq!(
        made_unknown, matters,
        "denying each of these APIs should turn some check UNKNOWN"
    );
}

#[test]
fn denying_any_single_api_for_a_fargate_task_turns_only_dependent_checks_unknown() {
    let Some(emu) = Emulator::start() else { return };
    let world = rich_world(&emu);
    assert_degrades_gracefully(&emu, &world, &["check", "rich", &world.tasks[0]]);
}

#[test]
fn denying_any_single_api_for_a_service_turns_only_dependent_checks_unknown() {
    let Some(emu) = Emulator::start() else { return };
    let world = rich_world(&emu);
    let service = world.service.clone().expect("the rich world has a service");
    assert_degrades_gracefully(&emu, &world, &["check", "rich", "--service", &service]);
}

#[test]
fn denying_any_single_api_for_an_ec2_task_turns_only_dependent_checks_unknown() {
    let Some(emu) = Emulator::start() else { return };
    let world = ec2_world(&emu);
    assert_degrades_gracefully(&emu, &world, &["check", "onec2", &world.tasks[0]]);
}

/// The degradation tests above deny every API their worlds make the doctor call; together
/// they must cover every API the checks' metadata lists.
#[test]
fn the_degradation_worlds_exercise_every_api_in_the_metadata() {
    let Some(emu) = Emulator::start() else { return };
    let rich = rich_world(&emu);
    let ec2 = ec2_world(&emu);
    let anywhere = anywhere_world(&emu);
    let mut called = BTreeSet::new();
    for (world, args) in [
        (&rich, vec!["check", "rich", rich.tasks[0].as_str()]),
        (
            &rich,
            vec![
                "check",
                "rich",
                "--service",
                rich.service.as_deref().expect("service"),
            ],
        ),
        (&ec2, vec!["check", "onec2", ec2.tasks[0].as_str()]),
        (
            &anywhere,
            vec!["check", "anywhere", anywhere.tasks[0].as_str()],
        ),
    ] {
        emu.shim.reset_calls();
        let run = emu
            .doctor(world)
            .args(&args)
            .args(["--format", "json", "--ignore", &local_codes().join(",")])
            .run();
        assert_eq!(run.report().summary.unknown, 0, "{args:?}");
        called.extend(emu.shim.calls());
    }
    let metadata: BTreeSet<String> = metadata_actions().into_iter().map(String::from).collect();
    assert_eq!(called, metadata, "APIs called vs FactKind::actions()");
}

// ------------------------------------------------------------------------------ exit 2

#[test]
fn the_doctor_stops_with_exit_2_when_it_cannot_do_its_job() {
    let Some(emu) = Emulator::start() else { return };
    let world = emu.world(Spec::healthy("prod"));
    let one_line = |run: &Run, needle: &str| {
        run.assert_code(2);
        assert!(run.stdout.is_empty(), "{run:?}");
        assert_eq!(run.stderr.trim_end().lines().count(), 1, "{run:?}");
        assert!(run.stderr.contains(needle), "{run:?}");
    };

    let missing_task = "0123456789abcdef0123456789abcdef";
    let run = emu
        .doctor(&world)
        .args(["check", "prod", missing_task, "--format", "json"])
        .run();
    one_line(&run, "not found");
    assert!(run.stderr.contains(missing_task), "{run:?}");

    let run = emu
        .doctor(&world)
        .args(["check", "nosuchcluster", &task_id(&world.tasks[0])])
        .run();
    one_line(&run, "nosuchcluster");
    assert!(run.stderr.contains("not found"), "{run:?}");

    // No --region, no AWS_REGION, no profile, and a task id rather than an ARN.
    let run = emu
        .bare_doctor()
        .credentials(&world.credentials)
        .args(["check", "prod", &task_id(&world.tasks[0])])
        .trailing(&["--endpoint-url", emu.shim.url()])
        .run();
    one_line(&run, "region");

    let run = emu
        .doctor(&world)
        .args(["check", "prod", &world.tasks[0], "--select", "ZZ999"])
        .run();
    one_line(&run, "ZZ999");
}

// ------------------------------------------------------------------------------ replay

#[test]
fn record_then_replay_gives_the_identical_report() {
    let Some(emu) = Emulator::start() else { return };
    // Some findings, so that the report has fixes to render.
    let mut web = Container::new("web");
    web.readonly_root = true;
    web.init_process = false;
    let world = emu.world(Spec {
        containers: vec![web],
        net: Net::InternetGateway,
        ..Spec::rich("replayed")
    });
    let dir = tempfile::tempdir().expect("temp dir");
    for format in ["text", "json"] {
        let recording = dir.path().join(format!("{format}.json"));
        let live = emu
            .doctor(&world)
            .args(["check", &world.cluster, &world.tasks[0], "--format", format])
            .args(["--record".as_ref(), recording.as_os_str()])
            .run();
        assert!(matches!(live.code, Some(1)), "{live:?}");
        // No endpoint, no credentials, no region: nothing but the recording.
        let replayed = Doctor::new(emu.home())
            .args(["check", "--format", format, "--replay"])
            .args([recording.as_os_str()])
            .run();
        assert_eq!(replayed.code, live.code, "{replayed:?}");
        assert_eq!(replayed.stderr, "", "{replayed:?}");
        assert_eq!(
            replayed.stdout, live.stdout,
            "{format} report differs on replay"
        );
    }
}

// ------------------------------------------------------------------------------ denial table

/// How bad a status is; UNKNOWN counts as failing (it never lets the run exit 0).
fn badness(status: Status) -> u8 {
    match status {
        Status::Pass | Status::NotApplicable => 0,
        Status::Info => 1,
        Status::Warning => 2,
        Status::Error | Status::Unknown => 3,
    }
}

/// One row of the denial table: a world, denied one action at a time.
struct DenialRow {
    world: &'static str,
    actions: usize,
    improved: Vec<String>,
    unnamed: Vec<String>,
    exit_dropped: Vec<String>,
}

/// Denies every action the doctor calls in `world`, one at a time, and records each denial
/// that improved a verdict (a check from error, warning or info to something milder), let
/// the exit code drop, or was not named in `missing_permissions`.
fn denial_row(emu: &Emulator, label: &'static str, world: &World, task_args: &[&str]) -> DenialRow {
    let run = || {
        emu.doctor(world)
            .args(task_args)
            .args(["--format", "json", "--ignore", &local_codes().join(",")])
            .run()
    };
    emu.shim.deny(&[]);
    emu.shim.reset_calls();
    let baseline_run = run();
    assert!(
        matches!(baseline_run.code, Some(0 | 1)),
        "{label}: {baseline_run:?}"
    );
    let baseline = baseline_run.report();
    assert_eq!(
        baseline.summary.unknown,
        0,
        "{label}: every check is evaluated before anything is denied:\n{}",
        summary(&baseline)
    );
    let called: BTreeSet<String> = emu.shim.calls().into_iter().collect();
    let mut row = DenialRow {
        world: label,
        actions: called.len(),
        improved: vec![],
        unnamed: vec![],
        exit_dropped: vec![],
    };
    for action in &called {
        emu.shim.deny(&[action]);
        let denied = run();
        if denied.code.unwrap_or(101) < baseline_run.code.unwrap_or(0) || denied.code == Some(101) {
            row.exit_dropped.push(format!(
                "{action}: exit {:?}: {}",
                denied.code, denied.stderr
            ));
            continue;
        }
        if denied.code == Some(2) {
            // One line, no report: never "fine", nothing to compare.
            continue;
        }
        let report = denied.report();
        let before: BTreeMap<(String, Option<String>), Status> = statuses(&baseline)
            .into_iter()
            .map(|(c, t, s)| ((c, t), s))
            .collect();
        for (code, task, after) in statuses(&report) {
            if let Some(before) = before.get(&(code.clone(), task))
                && after != Status::Unknown
                && badness(after) < badness(*before)
            {
                row.improved
                    .push(format!("{action}: {code} {before:?} -> {after:?}"));
            }
        }
        if !report.missing_permissions.contains(action) {
            row.unnamed.push(format!(
                "{action}: missing_permissions {:?}",
                report.missing_permissions
            ));
        }
    }
    emu.shim.deny(&[]);
    row
}

fn denial_table(emu: &Emulator, worlds: &[(&'static str, World, Vec<String>)]) {
    let mut rows = Vec::new();
    for (label, world, args) in worlds {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        rows.push(denial_row(emu, label, world, &args));
    }
    let mut table = String::from(
        "| world | actions denied one at a time | verdicts improved | exit code dropped | denial not named |\n|---|---|---|---|---|\n",
    );
    let mut problems = Vec::new();
    for r in &rows {
        table.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            r.world,
            r.actions,
            r.improved.len(),
            r.exit_dropped.len(),
            r.unnamed.len()
        ));
        for p in r.improved.iter().chain(&r.exit_dropped).chain(&r.unnamed) {
            problems.push(format!("{}: {p}", r.world));
        }
    }
    eprintln!("{table}");
    assert!(problems.is_empty(), "{table}\n{}", problems.join("\n"));
}

/// A broken world: the VPC resolves no names (NW001 red whatever the route) and the task
/// role lacks the ssmmessages actions (IR002 red).
fn broken(spec: Spec) -> Spec {
    Spec {
        dns_support: false,
        task_role: spec.task_role.as_ref().map(|_| TaskRole {
            ssmmessages: false,
            kms_decrypt: true,
        }),
        ..spec
    }
}

fn ec2_spec(cluster: &str, network_mode: &'static str) -> Spec {
    Spec {
        launch: Launch::Ec2 {
            agent_version: "1.70.2".into(),
            instance_role: true,
        },
        net: Net::NatGateway,
        network_mode,
        ..Spec::rich(cluster)
    }
}

fn table_world(
    emu: &Emulator,
    label: &'static str,
    spec: Spec,
) -> (&'static str, World, Vec<String>) {
    let world = emu.world(spec);
    let args = vec![
        "check".into(),
        world.cluster.clone(),
        world.tasks[0].clone(),
    ];
    (label, world, args)
}

/// Denying any one call on a healthy or broken Fargate task never improves a verdict, never
/// lets the exit code drop, and is always named.
#[test]
fn denial_table_fargate() {
    let Some(emu) = Emulator::start() else { return };
    let worlds = vec![
        table_world(&emu, "Fargate, endpoints, healthy", Spec::rich("dtfh")),
        table_world(
            &emu,
            "Fargate, NAT, DNS off, role without ssmmessages",
            broken(Spec {
                net: Net::NatGateway,
                ..Spec::rich("dtfb")
            }),
        ),
    ];
    denial_table(&emu, &worlds);
}

#[test]
fn denial_table_ec2_awsvpc() {
    let Some(emu) = Emulator::start() else { return };
    let worlds = vec![
        table_world(&emu, "EC2 awsvpc, NAT, healthy", ec2_spec("dtah", "awsvpc")),
        table_world(
            &emu,
            "EC2 awsvpc, NAT, DNS off, role without ssmmessages",
            broken(ec2_spec("dtab", "awsvpc")),
        ),
    ];
    denial_table(&emu, &worlds);
}

#[test]
fn denial_table_ec2_bridge_and_host() {
    let Some(emu) = Emulator::start() else { return };
    let worlds = vec![
        table_world(&emu, "EC2 bridge, NAT, healthy", ec2_spec("dtbh", "bridge")),
        table_world(
            &emu,
            "EC2 bridge, NAT, DNS off, role without ssmmessages",
            broken(ec2_spec("dtbb", "bridge")),
        ),
        table_world(&emu, "EC2 host, NAT, healthy", ec2_spec("dthh", "host")),
        table_world(
            &emu,
            "EC2 host, NAT, DNS off, role without ssmmessages",
            broken(ec2_spec("dthb", "host")),
        ),
    ];
    denial_table(&emu, &worlds);
}

/// A NAT path in a VPC with DNS support off is red (the DNS attributes are read for every
/// path, not only when the VPC has endpoints), on every launch type and network mode.
#[test]
fn dns_support_off_is_red_on_every_path() {
    let Some(emu) = Emulator::start() else { return };
    for (cluster, spec) in [
        (
            "dnsnat",
            Spec {
                net: Net::NatGateway,
                dns_support: false,
                ..Spec::healthy("dnsnat")
            },
        ),
        (
            "dnsigw",
            Spec {
                net: Net::InternetGateway,
                dns_support: false,
                ..Spec::healthy("dnsigw")
            },
        ),
        (
            "dnsbr",
            Spec {
                dns_support: false,
                ..ec2_spec("dnsbr", "bridge")
            },
        ),
    ] {
        let world = emu.world(spec);
        let run = emu.diagnose(&world);
        run.assert_code(1);
        let report = run.report();
        assert_status(&report, "NW001", Status::Error);
        assert!(
            result(&report, "NW001")
                .message
                .contains("enableDnsSupport=false"),
            "{cluster}: {}",
            result(&report, "NW001").message
        );
    }
}

/// A listing whose later page fails keeps the tasks of the pages it read: they are
/// diagnosed, the rest shows as UNKNOWN naming the call, and the run does not exit 0.
#[test]
fn a_failed_list_tasks_page_keeps_the_pages_already_read() {
    let Some(emu) = Emulator::start() else { return };
    // ListTasks pages by 100: 101 tasks make two pages, and the second is denied.
    let world = emu.world(Spec {
        tasks: 101,
        ..Spec::healthy("pages")
    });
    emu.shim.deny_after("ecs:ListTasks", 1);
    let run = emu
        .doctor(&world)
        .args(["check", "pages", "--all", "--format", "json"])
        .run();
    emu.shim.deny(&[]);
    run.assert_code(1);
    let report = run.report();
    assert_eq!(
        report.missing_permissions,
        ["ecs:ListTasks"],
        "{}",
        summary(&report)
    );
    let tk001: Vec<_> = report
        .results
        .iter()
        .filter(|r| r.code == "TK001")
        .collect();
    assert_eq!(
        tk001.len(),
        101,
        "100 listed tasks and the unlisted rest: {}",
        summary(&report)
    );
    assert_eq!(
        tk001.iter().filter(|r| r.status == Status::Pass).count(),
        100
    );
    assert!(
        tk001.iter().any(|r| r.status == Status::Pass),
        "{}",
        summary(&report)
    );
    assert!(
        tk001.iter().any(|r| r.status == Status::Unknown
            && r.message.contains("the task list stopped after 1 page")),
        "{}",
        summary(&report)
    );
}

/// `--timeout` keeps what was read: calls still unanswered at the deadline fail as timeouts,
/// their checks are UNKNOWN saying so, and the report of the rest is printed (exit 1).
#[test]
fn the_timeout_keeps_what_was_read() {
    let Some(emu) = Emulator::start() else { return };
    let world = emu.world(Spec {
        net: Net::NatGateway,
        ..Spec::healthy("slow")
    });
    // Every call 1.5 s (each attempt may take a third of --timeout, 2 s): the first round
    // trips arrive, the NAT gateways, four round trips in, cannot arrive within 6 s.
    emu.shim.set_latency(1.5);
    let run = emu
        .doctor(&world)
        .args(["check", &world.cluster, &world.tasks[0], "--format", "json"])
        .args(["--ignore", &local_codes().join(","), "--timeout", "6"])
        .run();
    emu.shim.set_latency(0.0);
    run.assert_code(1);
    let report = run.report();
    let timed_out: Vec<_> = report
        .results
        .iter()
        .filter(|r| {
            r.status == Status::Unknown && r.message.contains("did not answer within --timeout 6s")
        })
        .collect();
    assert!(!timed_out.is_empty(), "{}", summary(&report));
    assert!(
        report.results.iter().any(|r| r.status == Status::Pass),
        "what arrived in time is still judged: {}",
        summary(&report)
    );
    assert!(
        report.faults.iter().any(|f| f.contains("timed out")),
        "{:?}",
        report.faults
    );
}

/// `--wait` on one task stops at once when what blocks cannot change while the task runs
/// (started without exec), instead of polling until the time runs out.
#[test]
fn wait_stops_at_once_on_what_no_wait_can_fix() {
    let Some(emu) = Emulator::start() else { return };
    let world = emu.world(Spec {
        exec_enabled: false,
        ..Spec::healthy("nowait")
    });
    emu.shim.reset_calls();
    let run = emu
        .doctor(&world)
        .args(["check", &world.cluster, &world.tasks[0], "--wait", "10m"])
        .args(["--ignore", &local_codes().join(",")])
        .run();
    run.assert_code(1);
    assert!(
        run.stderr
            .contains("--wait: stopped, no wait can fix TK002"),
        "{}",
        run.stderr
    );
    let polls = emu
        .shim
        .calls()
        .iter()
        .filter(|c| *c == "ecs:DescribeTasks")
        .count();
    assert_eq!(polls, 1, "one poll, no second");
}

/// The NAT gateway that the task's route points to must itself reach the internet: its own
/// subnet's route table must send 0.0.0.0/0 to an internet gateway. A NAT gateway whose
/// subnet routes back to it is red, naming that table and subnet; its healthy twin passes and
/// the drawn path goes on to the internet gateway.
#[test]
fn a_nat_gateway_without_its_own_way_out_is_red() {
    let Some(emu) = Emulator::start() else { return };
    let healthy = emu.world(Spec {
        net: Net::NatGateway,
        ..Spec::healthy("natok")
    });
    let run = emu.diagnose(&healthy);
    run.assert_code(0);
    let report = run.report();
    assert_status(&report, "NW001", Status::Pass);
    let hops: Vec<&str> = report.network_paths[0]
        .hops
        .iter()
        .map(|h| h.hop.as_str())
        .collect();
    assert!(
        hops.ends_with(&[
            "nat-gateway",
            "network-acl",
            "route",
            "internet-gateway",
            "ssmmessages"
        ]),
        "{hops:?}"
    );

    let broken = emu.world(Spec {
        net: Net::NatGateway,
        nat_subnet_to_igw: false,
        ..Spec::healthy("natnoigw")
    });
    let run = emu.diagnose(&broken);
    run.assert_code(1);
    let report = run.report();
    assert_status(&report, "NW001", Status::Error);
    let message = &result(&report, "NW001").message;
    assert!(
        message.contains("the NAT gateway cannot reach the internet") && message.contains("rtb-"),
        "{message}"
    );
    // The drawing says the same: a red hop, and no claim that ssmmessages is reachable.
    let hops = &report.network_paths[0].hops;
    assert!(hops.iter().any(|h| h.status == Status::Error), "{hops:?}");
    assert!(hops.iter().all(|h| h.hop != "internet-gateway"), "{hops:?}");
}

/// The NAT gateway's own subnet has a network ACL on the path: a web-tier ACL there (HTTPS in
/// and out, no ephemeral return traffic) is red in NW004 and in the drawn path.
#[test]
fn a_nat_subnet_acl_without_return_traffic_is_red() {
    let Some(emu) = Emulator::start() else { return };
    let world = emu.world(Spec {
        net: Net::NatGateway,
        nat_subnet_web_tier_acl: true,
        ..Spec::healthy("natacl")
    });
    let run = emu.diagnose(&world);
    run.assert_code(1);
    let report = run.report();
    assert_status(&report, "NW004", Status::Error);
    let message = &result(&report, "NW004").message;
    assert!(message.contains("where NAT gateway `nat-"), "{message}");
    let hops = &report.network_paths[0].hops;
    assert!(
        hops.iter()
            .any(|h| h.hop == "network-acl" && h.status == Status::Error),
        "{hops:?}"
    );
    assert_eq!(hops.last().unwrap().status, Status::Error, "{hops:?}");
}

/// A VPC whose DHCP option set names a corporate resolver and not the Amazon-provided DNS:
/// the endpoint path is yellow (the private name resolves only if that resolver forwards),
/// naming the option set and its servers, in NW001 and in the drawn path; with
/// AmazonProvidedDNS listed, it stays green.
#[test]
fn custom_dns_servers_make_the_endpoint_path_yellow() {
    let Some(emu) = Emulator::start() else { return };
    let corporate = emu.world(Spec {
        dns_servers: Some(vec!["10.10.0.2", "10.10.0.3"]),
        ..Spec::healthy("corpdns")
    });
    let run = emu.diagnose(&corporate);
    let report = run.report();
    assert_status(&report, "NW001", Status::Warning);
    let message = &result(&report, "NW001").message;
    assert!(
        message.contains("dopt-")
            && message.contains("10.10.0.2")
            && message.contains("no AmazonProvidedDNS"),
        "{message}"
    );
    let hops = &report.network_paths[0].hops;
    assert!(
        hops.iter()
            .any(|h| h.hop == "dns" && h.status == Status::Warning),
        "{hops:?}"
    );
    assert_ne!(hops.last().unwrap().status, Status::Pass, "{hops:?}");

    let amazon = emu.world(Spec {
        dns_servers: Some(vec!["AmazonProvidedDNS"]),
        ..Spec::healthy("amzndns")
    });
    let run = emu.diagnose(&amazon);
    run.assert_code(0);
    assert_status(&run.report(), "NW001", Status::Pass);
}

/// Throttling is retried in the SDK's adaptive mode, up to 5 attempts: every request throttled
/// three times in a row (more than the SDK's default 3 attempts survive) still gives a full
/// diagnosis, with no fact lost.
#[test]
fn throttled_calls_are_retried_until_they_go_through() {
    let Some(emu) = Emulator::start() else { return };
    let world = emu.world(Spec::healthy("throttled"));
    emu.shim.throttle_first(3);
    let run = emu
        .doctor(&world)
        .env_remove("AWS_MAX_ATTEMPTS")
        .args(["check", &world.cluster, &world.tasks[0], "--format", "json"])
        .args(["--ignore", &local_codes().join(","), "--timeout", "60"])
        .run();
    emu.shim.throttle_first(0);
    run.assert_code(0);
    let report = run.report();
    assert_eq!(report.summary.unknown, 0, "{}", summary(&report));
    assert!(report.faults.is_empty(), "{:?}", report.faults);
}

/// KMS reached through a NAT gateway while ssmmessages has its own endpoint: the KMS path is
/// walked as the ssmmessages one is, so a NAT gateway with no way out is red for NW002 (it
/// used to pass on "the subnet has a default route"), and drawn as a path to kms.
#[test]
fn the_kms_path_through_a_nat_gateway_is_walked_to_its_end() {
    let Some(emu) = Emulator::start() else { return };
    let spec = |cluster: &str, nat_subnet_to_igw: bool| Spec {
        net: Net::NatGateway,
        ssmmessages_endpoint: true,
        nat_subnet_to_igw,
        ..Spec::rich(cluster)
    };
    let healthy = emu.world(spec("kmsnat", true));
    let run = emu.diagnose(&healthy);
    run.assert_code(0);
    let report = run.report();
    assert_status(&report, "NW001", Status::Pass);
    assert_status(&report, "NW002", Status::Pass);
    let kms = report
        .network_paths
        .iter()
        .find(|p| p.service == "kms")
        .expect("a drawn path to kms");
    let hops: Vec<&str> = kms.hops.iter().map(|h| h.hop.as_str()).collect();
    assert!(
        hops.contains(&"nat-gateway") && hops.ends_with(&["kms"]),
        "{hops:?}"
    );

    let broken = emu.world(spec("kmsnatnoigw", false));
    let run = emu.diagnose(&broken);
    run.assert_code(1);
    let report = run.report();
    // ssmmessages goes through its endpoint: still fine.
    assert_status(&report, "NW001", Status::Pass);
    assert_status(&report, "NW002", Status::Error);
    let message = &result(&report, "NW002").message;
    assert!(
        message.contains("on the path to kms")
            && message.contains("the NAT gateway cannot reach the internet"),
        "{message}"
    );
    let kms = report
        .network_paths
        .iter()
        .find(|p| p.service == "kms")
        .expect("a drawn path to kms");
    assert!(
        kms.hops.iter().any(|h| h.status == Status::Error),
        "{:?}",
        kms.hops
    );
    assert_ne!(kms.hops.last().unwrap().status, Status::Pass);
}

/// A blue/green (CODE_DEPLOY) or EXTERNAL service with exec off: the fix enables it without a
/// forced deployment (which ECS refuses for them) and replaces the tasks the way the
/// controller allows; the rolling twin keeps --force-new-deployment.
#[test]
fn fixes_are_ones_the_deployment_controller_accepts() {
    let Some(emu) = Emulator::start() else { return };
    let commands = |controller: Option<&'static str>, cluster: &str| {
        let world = emu.world(Spec {
            service: Some(Service {
                name: "web".into(),
                exec_enabled: false,
                deployment_controller: controller,
            }),
            ..Spec::healthy(cluster)
        });
        let run = emu.diagnose(&world);
        run.assert_code(1);
        let report = run.report();
        assert_status(&report, "SV001", Status::Error);
        fix_commands(result(&report, "SV001"))
    };
    let rolling = commands(None, "ctlroll");
    assert!(
        rolling.iter().any(|c| c.contains("--force-new-deployment")),
        "{rolling:?}"
    );
    let blue_green = commands(Some("CODE_DEPLOY"), "ctlbg");
    assert!(
        !blue_green
            .iter()
            .any(|c| c.contains("--force-new-deployment")),
        "{blue_green:?}"
    );
    assert!(
        blue_green
            .iter()
            .any(|c| c.contains("update-service") && c.contains("--enable-execute-command")),
        "{blue_green:?}"
    );
    assert!(
        blue_green
            .iter()
            .any(|c| c.starts_with("aws deploy create-deployment")),
        "{blue_green:?}"
    );
    let external = commands(Some("EXTERNAL"), "ctlext");
    assert!(
        !external
            .iter()
            .any(|c| c.contains("--force-new-deployment")),
        "{external:?}"
    );
    assert!(
        external.iter().any(|c| c.contains("create-task-set")),
        "{external:?}"
    );
}

/// An ECS Anywhere task (launch type EXTERNAL, on a managed `mi-` instance): the VPC network
/// checks are not applicable, saying why, instead of UNKNOWN for want of an EC2 instance; no
/// EC2 call is made for the managed instance.
#[test]
fn an_ecs_anywhere_task_gets_verdicts_not_unknowns() {
    let Some(emu) = Emulator::start() else { return };
    let world = emu.world(Spec {
        launch: Launch::Ec2 {
            agent_version: "1.70.2".into(),
            instance_role: false,
        },
        ..Spec::healthy("anywhere")
    });
    emu.shim.make_external(
        &world.tasks[0],
        world.container_instance_arn.as_deref().unwrap(),
        "mi-0123456789abcdef0",
    );
    // Never registered with Systems Manager (as after a deregistration): red.
    let report = emu.diagnose(&world).report();
    assert_status(&report, "TK006", Status::Error);
    assert!(result(&report, "TK006").message.contains("not registered"));
    // Registered and Online: the VPC checks do not apply, and nothing is UNKNOWN.
    let managed = |status: &str| {
        emu.shim.control(
            "POST",
            "/_shim/managed-instance",
            Some(
                serde_json::json!({"id": "mi-0123456789abcdef0", "PingStatus": status,
                "AgentVersion": "3.3.1142.0", "IamRole": "ecsAnywhereRole"}),
            ),
        );
    };
    managed("Online");
    let run = emu.diagnose(&world);
    let report = run.report();
    for code in ["NW001", "NW002", "NW003", "NW004", "NW005"] {
        let r = result(&report, code);
        assert_eq!(r.status, Status::NotApplicable, "{r:#?}");
        assert!(r.message.contains("ECS Anywhere"), "{r:#?}");
    }
    assert_status(&report, "TK006", Status::Pass);
    assert_eq!(report.summary.unknown, 0, "{:#?}", report.results);
    assert!(report.network_paths.is_empty());
    // Its SSM agent lost the connection: red, naming the instance.
    managed("ConnectionLost");
    let report = emu.diagnose(&world).report();
    assert_status(&report, "TK006", Status::Error);
    assert!(
        result(&report, "TK006")
            .message
            .contains("`mi-0123456789abcdef0` is ConnectionLost")
    );
}

/// The dependent chain of one Fargate task's diagnosis (behind endpoints, an exec KMS key, an
/// assumed-role caller): DescribeTasks, then at most two more dependent steps. Counted on the
/// emulator with every call slowed down, so that calls of one round overlap and calls of the
/// next cannot; it cannot grow back silently.
#[test]
fn one_task_takes_three_sequential_round_trips() {
    let Some(emu) = Emulator::start() else { return };
    let world = emu.world(Spec::rich("trips"));
    emu.shim.set_latency(0.3);
    emu.shim.reset_calls();
    let run = emu
        .doctor(&world)
        .args(["check", &world.cluster, &world.tasks[0], "--format", "json"])
        .args(["--ignore", &local_codes().join(",")])
        .run();
    let chain = emu.shim.longest_chain();
    emu.shim.set_latency(0.0);
    run.assert_code(0);
    assert!(
        chain.len() <= 3,
        "{} sequential round trips: {}",
        chain.len(),
        chain.join(" -> ")
    );
}
