//! The command line as users meet it: help, exit codes, one-line errors, colour, formats.

use crate::support::{doctor, run, scenario};

#[track_caller]
fn usage_error(args: &[&str], needle: &str) {
    let (stdout, stderr, code) = run(doctor().args(args));
    assert_eq!(code, 2, "{args:?}: {stderr}");
    assert!(stdout.is_empty(), "{args:?} printed a report: {stdout}");
    assert!(
        stderr.contains(needle),
        "{args:?}: expected {needle:?} in {stderr:?}"
    );
    let lines = stderr.lines().filter(|l| !l.trim().is_empty()).count();
    assert!(
        stderr.starts_with("ecs-exec-doctor: error:") || stderr.starts_with("error:"),
        "{stderr}"
    );
    if stderr.starts_with("ecs-exec-doctor: error:") {
        assert_eq!(lines, 1, "{args:?}: the error must be one line: {stderr}");
    }
}

#[test]
fn help_texts() {
    for args in [
        &["--help"][..],
        &["check", "--help"],
        &["checks", "--help"],
        &["permissions", "--help"],
    ] {
        let (stdout, _, code) = run(doctor().args(args).env("COLUMNS", "100"));
        assert_eq!(code, 0);
        insta::assert_snapshot!(format!("help_{}", args.join("_").replace("--", "")), stdout);
    }
}

#[test]
fn a_mistyped_subcommand_is_named_not_taken_for_a_cluster() {
    usage_error(&["lnit", "fixtures/lint"], "did you mean `lint`?");
    usage_error(&["chekc", "prod", "abc"], "did you mean `check`?");
    usage_error(&["explian", "TK003"], "did you mean `explain`?");
}

#[test]
fn completions_and_version() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let (stdout, stderr, code) = run(doctor().args(["completions", shell]));
        assert_eq!(code, 0, "{shell}: {stderr}");
        assert!(stdout.contains("ecs-exec-doctor"), "{shell}");
        assert!(
            stdout.contains("lint") && stdout.contains("fail-on"),
            "{shell}"
        );
    }
    usage_error(&["completions", "tcsh"], "invalid value 'tcsh'");
    let (stdout, _, code) = run(doctor().arg("--version"));
    assert_eq!(code, 0);
    assert!(
        stdout.starts_with(concat!("ecs-exec-doctor ", env!("CARGO_PKG_VERSION"))),
        "{stdout}"
    );
    // built from a git checkout here: the commit is shown
    if std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.git")).exists() {
        assert!(stdout.contains("(commit "), "{stdout}");
    }
}

/// The bash completion script, run in bash as the shell runs it: after `check --se` it offers
/// `--select` and `--service` (clap_complete's script, as generated, completed nothing after
/// the subcommand for a binary name with hyphens).
#[test]
fn bash_completes_after_the_subcommand() {
    let (script, _, code) = run(doctor().args(["completions", "bash"]));
    assert_eq!(code, 0);
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("ecs-exec-doctor.bash");
    std::fs::write(&path, script).expect("write");
    let complete = |words: &str, cword: usize, cur: &str, prev: &str| {
        let program = format!(
            "source '{}'; COMP_WORDS=({words}); COMP_CWORD={cword}; _ecs__exec__doctor ecs-exec-doctor '{cur}' '{prev}'; echo \"${{COMPREPLY[*]}}\"",
            path.display()
        );
        let out = std::process::Command::new("bash")
            .args(["--norc", "-c", &program])
            .output()
            .expect("bash");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    let offered = complete("ecs-exec-doctor check --se", 2, "--se", "check");
    assert!(
        offered.contains("--select") && offered.contains("--service"),
        "{offered:?}"
    );
    let offered = complete("ecs-exec-doctor lint --fail", 2, "--fail", "lint");
    assert!(offered.contains("--fail-on"), "{offered:?}");
    // The install lines of `completions --help` paste whole from an 80-column terminal.
    let (help, _, _) = run(doctor().args(["completions", "--help"]));
    for line in help.lines().skip_while(|l| !l.starts_with("Install")) {
        assert!(line.chars().count() <= 80, "wrapped when pasted: {line:?}");
    }
    assert!(
        help.contains("source <(ecs-exec-doctor completions bash)"),
        "{help}"
    );
    let offered = complete("ecs-exec-doctor ch", 1, "ch", "ecs-exec-doctor");
    assert!(
        offered.contains("check") && offered.contains("checks"),
        "{offered:?}"
    );
}

/// A bad endpoint is a usage error naming the flag; an unreachable one is one line saying
/// how it failed, whichever way it fails, within --timeout.
#[test]
fn unreachable_endpoints_are_one_line_each() {
    use std::io::Write;
    const TASK: &str = "0123456789abcdef0123456789abcdef";
    let with_keys = |cmd: &mut assert_cmd::Command| {
        cmd.env("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
            .env("AWS_SECRET_ACCESS_KEY", "not-a-secret")
            .env("AWS_REGION", "us-east-1");
    };
    let fails = |endpoint: &str, extra: &[&str], needle: &str| {
        let mut cmd = doctor();
        with_keys(&mut cmd);
        cmd.args(["check", "prod", TASK, "--endpoint-url", endpoint])
            .args(extra);
        let started = std::time::Instant::now();
        let (stdout, stderr, code) = run(&mut cmd);
        assert_eq!(code, 2, "{endpoint}: {stderr}");
        assert!(stdout.is_empty(), "{stdout}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(
            stderr.contains(needle),
            "{endpoint}: expected {needle:?} in {stderr}"
        );
        started.elapsed()
    };
    usage_error(
        &["check", "prod", TASK, "--endpoint-url", "not a url"],
        "--endpoint-url",
    );
    usage_error(
        &["check", "prod", TASK, "--endpoint-url", "ftp://host"],
        "not an http:// or https:// URL",
    );
    usage_error(&["check", "prod", TASK, "--timeout", "0"], "--timeout");

    // a port nothing listens on
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    fails(
        &format!("http://127.0.0.1:{port}"),
        &[],
        "connection refused",
    );
    // a name that never resolves (RFC 6761)
    fails("https://ecs.nonexistent.invalid", &[], "DNS lookup failed");
    // plain HTTP where TLS is expected
    let plain = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let plain_port = plain.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in plain.incoming().flatten() {
            let mut stream = stream;
            let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n");
        }
    });
    fails(
        &format!("https://127.0.0.1:{plain_port}"),
        &[],
        "TLS failed",
    );
    // accepts connections, never answers: --timeout bounds the whole run
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_port = silent.local_addr().unwrap().port();
    let took = fails(
        &format!("http://127.0.0.1:{silent_port}"),
        &["--timeout", "2"],
        "did not answer within --timeout 2s",
    );
    assert!(took < std::time::Duration::from_secs(10), "{took:?}");
    drop(silent);
}

/// A recording is input like any other: escape sequences in it never reach the terminal, and
/// an oversized file is refused before it is read.
#[test]
fn hostile_recordings_are_escaped_or_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut snapshot: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(scenario("service-drift")).unwrap()).unwrap();
    let cluster = &mut snapshot["diagnosis"]["cluster"]["value"]["name"];
    assert!(cluster.is_string(), "the scenario names its cluster");
    *cluster = "prod\u{1b}]0;owned\u{7}\u{1b}[2J".into();
    let path = dir.path().join("hostile.json");
    std::fs::write(&path, serde_json::to_string(&snapshot).unwrap()).unwrap();
    for format in ["text", "markdown", "json"] {
        let (stdout, _, _) = run(doctor()
            .args(["check", "--replay"])
            .arg(&path)
            .args(["--format", format, "--color", "always"]));
        assert!(
            !stdout.contains("\u{1b}]0;"),
            "{format}: an OSC sequence got through"
        );
        assert!(
            !stdout.contains("\u{1b}[2J"),
            "{format}: a clear-screen got through"
        );
        assert!(!stdout.contains('\u{7}'), "{format}: a bell got through");
        let shown = if format == "json" {
            "prod\\\\u{1b}]0;owned"
        } else {
            "prod\\u{1b}]0;owned"
        };
        assert!(stdout.contains(shown), "{format}: shown escaped\n{stdout}");
    }
    let big = dir.path().join("big.json");
    let file = std::fs::File::create(&big).unwrap();
    file.set_len(64 * 1024 * 1024 + 1).unwrap();
    usage_error(
        &["check", "--replay", big.to_str().unwrap()],
        "over the 64 MiB limit",
    );
}

#[test]
fn usage_errors_exit_2_with_one_line() {
    // A typo of --version is named as one (not matched against check's flags), and global
    // flags work before the drop-in `CLUSTER TASK` form.
    usage_error(&["--verison"], "did you mean `--version`?");
    usage_error(
        &["--color", "never", "prod", "web"],
        "is not a task id or ARN",
    );
    // AWS_PROFILE naming a profile no file defines says so, not "instance metadata".
    let (stdout, stderr, code) = run(doctor().env("AWS_PROFILE", "nosuch").args([
        "check",
        "prod",
        "0123456789abcdef0123456789abcdef",
        "--region",
        "us-east-1",
    ]));
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(
        stderr.contains("profile `nosuch` (from AWS_PROFILE) is not defined"),
        "{stderr}"
    );
    // A replay refuses what it would ignore.
    let recording = scenario("agent-stopped").join("snapshot.json");
    let recording = recording.to_str().unwrap();
    usage_error(
        &["check", "--replay", recording, "--region", "eu-west-1"],
        "drop --region",
    );
    usage_error(
        &["check", "--replay", recording, "--container", "app"],
        "drop --container",
    );
    // A profile whose source_profile is missing names the missing one.
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("config");
    std::fs::write(
        &config,
        "[profile a]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = b\nregion = us-east-1\n",
    )
    .unwrap();
    for via_env in [false, true] {
        let mut cmd = doctor();
        cmd.env("AWS_CONFIG_FILE", &config).args([
            "check",
            "prod",
            "0123456789abcdef0123456789abcdef",
        ]);
        if via_env {
            cmd.env("AWS_PROFILE", "a");
        } else {
            cmd.args(["--profile", "a"]);
        }
        let (_, stderr, code) = run(&mut cmd);
        assert_eq!(code, 2, "{stderr}");
        assert!(
            stderr.contains("profile `a` takes its credentials from source_profile `b`"),
            "{stderr}"
        );
    }
    usage_error(&["check"], "no cluster given");
    usage_error(&["check", "prod"], "no task given");
    usage_error(&["check", "prod", "web"], "is not a task id or ARN");
    usage_error(
        &["check", "prod", "--family", "web", "--region", "us-east-1"],
        "--family filters the tasks of --all or --service",
    );
    usage_error(&["check", "prod", "--started-by", "ci"], "--all");
    usage_error(
        &[
            "check",
            "prod",
            "--all",
            "--started-by",
            "ci",
            "--family",
            "web",
        ],
        "cannot be used with",
    );
    usage_error(
        &[
            "check",
            "prod",
            "0123456789abcdef0123456789abcdef",
            "--select",
            "TD0001",
        ],
        "did you mean",
    );
    usage_error(
        &[
            "check",
            "prod",
            "0123456789abcdef0123456789abcdef",
            "--ignore",
            "nonsense-check",
        ],
        "unknown check",
    );
    usage_error(
        &[
            "check",
            "prod",
            "arn:aws:ecs:us-east-2:123456789012:task/prod/0123456789abcdef0123456789abcdef",
            "--region",
            "us-east-1",
        ],
        "contradicts the ARN",
    );
    usage_error(
        &[
            "check",
            "other",
            "arn:aws:ecs:us-east-2:123456789012:task/prod/0123456789abcdef0123456789abcdef",
        ],
        "belongs to cluster `prod`",
    );
    usage_error(
        &["check", "prod", "0123456789abcdef0123456789abcdef"],
        "no AWS region",
    );
    usage_error(
        &[
            "check",
            "prod",
            "0123456789abcdef0123456789abcdef",
            "--region",
            "us-notaregion",
        ],
        "does not look like an AWS region",
    );
    usage_error(
        &[
            "check",
            "prod",
            "0123456789abcdef0123456789abcdef",
            "--region",
            "us-east-1",
        ],
        "no usable AWS credentials",
    );
    usage_error(
        &["check", "--replay", "/nonexistent/recording.json"],
        "cannot read recording",
    );
    usage_error(
        &[
            "check",
            "--replay",
            scenario("healthy-fargate").to_str().unwrap(),
            "prod",
        ],
        "--replay takes the cluster",
    );
    usage_error(
        &[
            "check",
            "prod",
            "0123456789abcdef0123456789abcdef",
            "--format",
            "yaml",
        ],
        "invalid value 'yaml'",
    );
}

#[test]
fn a_malformed_recording_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\"snapshot_version\": 1, \"diagnosis\": 3}").unwrap();
    usage_error(
        &["check", "--replay", bad.to_str().unwrap()],
        "malformed recording",
    );
    std::fs::write(&bad, "not json").unwrap();
    usage_error(
        &["check", "--replay", bad.to_str().unwrap()],
        "not valid JSON",
    );
}

#[test]
fn region_comes_from_the_task_arn() {
    // With the region from the ARN the run gets as far as credentials.
    let (_, stderr, code) = run(doctor().args([
        "check",
        "prod",
        "arn:aws:ecs:eu-west-1:123456789012:task/prod/0123456789abcdef0123456789abcdef",
    ]));
    assert_eq!(code, 2);
    assert!(stderr.contains("no usable AWS credentials"), "{stderr}");
}

#[test]
fn shorthand_without_subcommand_is_check() {
    let path = scenario("service-drift");
    let (short, _, c1) = run(doctor().args(["--replay", path.to_str().unwrap()]));
    let (long, _, c2) = run(doctor().args(["check", "--replay", path.to_str().unwrap()]));
    assert_eq!((c1, c2), (1, 1));
    assert_eq!(short, long);
    usage_error(&["prod", "web"], "is not a task id or ARN");
}

#[test]
fn colour_follows_flags_and_no_color() {
    let path = scenario("service-drift");
    let (plain, _, _) = run(doctor().args(["check", "--replay", path.to_str().unwrap()]));
    assert!(
        !plain.contains('\u{1b}'),
        "no colour when stdout is not a terminal"
    );
    let (always, _, _) = run(doctor().args([
        "check",
        "--replay",
        path.to_str().unwrap(),
        "--color",
        "always",
    ]));
    assert!(always.contains("\u{1b}[31"), "errors are red");
    let (forced, _, _) = run(doctor()
        .args(["check", "--replay", path.to_str().unwrap()])
        .env("CLICOLOR_FORCE", "1"));
    assert!(forced.contains('\u{1b}'));
    let (no_color, _, _) = run(doctor()
        .args(["check", "--replay", path.to_str().unwrap()])
        .env("CLICOLOR_FORCE", "1")
        .env("NO_COLOR", "1"));
    assert!(!no_color.contains('\u{1b}'), "NO_COLOR wins");
    let (json, _, _) = run(doctor().args([
        "check",
        "--replay",
        path.to_str().unwrap(),
        "--format",
        "json",
        "--color",
        "always",
    ]));
    assert!(
        !json.contains('\u{1b}'),
        "machine formats never carry colour"
    );
    insta::assert_snapshot!(
        "colour_palette",
        always
            .lines()
            .filter(|l| l.contains("TK002") || l.contains("TK001"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn json_is_only_json() {
    let (json, stderr, _) = run(doctor().args([
        "check",
        "--replay",
        scenario("kms-misconfigured").to_str().unwrap(),
        "--format",
        "json",
    ]));
    assert!(stderr.is_empty());
    let value: serde_json::Value =
        serde_json::from_str(&json).expect("stdout is one JSON document");
    assert_eq!(value["schema_version"], 1);
    assert_eq!(value["aws_calls"], 10);
}

#[test]
fn quiet_shows_only_problems() {
    let (text, _, _) = run(doctor().args([
        "check",
        "--replay",
        scenario("service-drift").to_str().unwrap(),
        "--quiet",
    ]));
    assert!(text.contains("TK002"));
    assert!(!text.contains("TK001"), "{text}");
}

#[test]
fn checks_lists_the_registry() {
    let (text, _, code) = run(doctor().arg("checks"));
    assert_eq!(code, 0);
    assert_eq!(text.lines().count(), ecs_exec_doctor_checks::CHECKS.len());
    let (json, _, _) = run(doctor().args(["checks", "--format", "json"]));
    let list: Vec<serde_json::Value> = serde_json::from_str(&json).unwrap();
    assert!(
        list.iter()
            .any(|c| c["code"] == "TD001" && c["lint"] == true)
    );
    assert!(list.iter().any(|c| {
        c["code"] == "IR002"
            && c["doctor_permissions"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a == "iam:SimulatePrincipalPolicy")
    }));
}

#[test]
fn permissions_follow_the_selection() {
    let (all, _, code) = run(doctor().arg("permissions"));
    assert_eq!(code, 0);
    let policy: serde_json::Value = serde_json::from_str(&all).unwrap();
    let actions: Vec<&str> = policy["Statement"][0]["Action"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    for needed in [
        "ecs:DescribeTasks",
        "ecs:DescribeClusters",
        "iam:SimulatePrincipalPolicy",
        "ec2:DescribeVpcEndpoints",
        "kms:DescribeKey",
        "sts:GetCallerIdentity",
    ] {
        assert!(
            actions.contains(&needed),
            "{needed} missing from {actions:?}"
        );
    }
    let (some, _, _) = run(doctor().args(["permissions", "--select", "TD001"]));
    assert!(some.contains("ecs:DescribeTaskDefinition"));
    assert!(!some.contains("iam:SimulatePrincipalPolicy"));
    // The probe's actions only when asked, in their own statement.
    assert!(!all.contains("ecs:ExecuteCommand"), "{all}");
    let (probe, _, _) = run(doctor().args(["permissions", "--probe"]));
    let policy: serde_json::Value = serde_json::from_str(&probe).unwrap();
    assert_eq!(policy["Statement"][1]["Sid"], "EcsExecDoctorProbe");
    assert_eq!(
        policy["Statement"][1]["Action"],
        serde_json::json!([
            "ecs:ExecuteCommand",
            "ssm:TerminateSession",
            "kms:GenerateDataKey"
        ])
    );
    let (text, _, _) = run(doctor().args(["permissions", "--probe", "--format", "text"]));
    assert!(text.contains("ssm:TerminateSession"), "{text}");
    let (local, _, _) = run(doctor().args(["permissions", "--select", "LC"]));
    let policy: serde_json::Value = serde_json::from_str(&local).unwrap();
    assert!(
        !policy.to_string().contains("iam:"),
        "local checks need no IAM: {policy}"
    );
}

#[test]
fn replay_is_deterministic() {
    let path = scenario("service-two-tasks");
    let a = run(doctor().args([
        "check",
        "--replay",
        path.to_str().unwrap(),
        "--format",
        "json",
    ]));
    let b = run(doctor().args([
        "check",
        "--replay",
        path.to_str().unwrap(),
        "--format",
        "json",
    ]));
    assert_eq!(a, b);
    let report: serde_json::Value = serde_json::from_str(&a.0).unwrap();
    assert_eq!(report["tasks"].as_array().unwrap().len(), 2);
    assert!(
        report["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["task"] == "fedcba9876543210fedcba9876543210" && r["status"] == "error")
    );
}

// ---- ARN arguments, parsed strictly for their position ----

/// A service, container-instance or foreign-partition ARN is not a task; each is refused
/// with what is wrong, before any AWS call.
#[test]
fn arn_arguments_are_parsed_strictly() {
    const ID: &str = "0123456789abcdef0123456789abcdef";
    let arn = |partition: &str, region: &str, resource: &str| {
        format!("arn:{partition}:ecs:{region}:123456789012:{resource}")
    };
    usage_error(
        &[
            "check",
            "prod",
            &arn("aws", "us-east-1", &format!("service/prod/{ID}")),
        ],
        "is a service ARN; give a task id or task ARN",
    );
    usage_error(
        &[
            "check",
            "prod",
            &arn("xyz", "us-east-1", &format!("task/prod/{ID}")),
        ],
        "`xyz` is not an AWS partition",
    );
    usage_error(
        &["check", &arn("aws-cn", "us-east-1", "cluster/prod"), ID],
        "region `us-east-1` is in partition `aws`, not `aws-cn`",
    );
    usage_error(
        &[
            "check",
            "prod",
            "--service",
            &arn("aws", "us-east-1", "service/other/web"),
        ],
        "service `web` belongs to cluster `other`, not `prod`",
    );
    usage_error(
        &[
            "check",
            "prod",
            &arn("aws", "us-east-1", &format!("task/{ID}")),
            "--region",
            "eu-west-1",
        ],
        "contradicts the ARN",
    );
    // A well-formed service ARN names the cluster and the region: the run gets as far as
    // credentials.
    let (_, stderr, code) = run(doctor().args([
        "check",
        "--service",
        &arn("aws", "eu-west-1", "service/prod/web"),
    ]));
    assert_eq!(code, 2);
    assert!(stderr.contains("no usable AWS credentials"), "{stderr}");
}

// ---- Recordings that share facts: expansion bounded, large fleets still replayed ----

/// `service-two-tasks` as a recording of `n` tasks: each task its own (a distinct id), every
/// other fact `{"same_as_subject": parent(i)}`.
fn fleet_recording(n: usize, parent: impl Fn(usize) -> usize) -> serde_json::Value {
    let mut snapshot: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(scenario("service-two-tasks")).unwrap())
            .unwrap();
    snapshot["snapshot_version"] = 2.into();
    let subjects = snapshot["diagnosis"]["subjects"].as_array_mut().unwrap();
    let first = subjects[0].clone();
    let task = subjects[1]["task"].clone();
    subjects.truncate(1);
    for i in 1..n {
        let mut subject = serde_json::json!({ "task_ref": format!("t{i}"), "task": task });
        let arn = task["value"]["arn"].as_str().unwrap();
        subject["task"]["value"]["arn"] = format!("{}{i:06}", &arn[..arn.len() - 6]).into();
        for (name, _) in first.as_object().unwrap() {
            if name != "task_ref" && name != "task" {
                subject[name] = serde_json::json!({ "same_as_subject": parent(i) });
            }
        }
        subjects.push(subject);
    }
    snapshot
}

/// A 1 MiB fact referred to through a binary tree of references (subject i refers to subject
/// (i - 1) / 2, which may itself be a reference): each reference stands for the whole fact, so
/// a recording of about 1 MiB stands for over 64 MiB and is refused with one line, exit 2,
/// before anything is evaluated.
#[test]
fn an_amplifying_recording_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut snapshot = fleet_recording(100, |i| (i - 1) / 2);
    // Many tiny strings: the shape that costs the most memory per byte.
    snapshot["diagnosis"]["subjects"][0]["task_definition"]["value"]["containers"][0]["environment_names"] =
        serde_json::json!(vec![""; (1 << 20) / 3]);
    let path = dir.path().join("amplifying.json");
    let text = serde_json::to_string(&snapshot).unwrap();
    assert!(text.len() < 2 << 20, "{}", text.len());
    std::fs::write(&path, text).unwrap();
    for format in ["text", "json"] {
        usage_error(
            &[
                "check",
                "--replay",
                path.to_str().unwrap(),
                "--format",
                format,
            ],
            "amplifying.json: its facts shared between tasks expand to over 64 MiB, the most --replay reads; record fewer tasks (--max-tasks N)",
        );
    }
}

/// A 2,000-task fleet recording, every shared fact stored once, replays in full.
#[test]
fn a_large_fleet_recording_replays() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fleet.json");
    let snapshot = fleet_recording(2000, |_| 0);
    std::fs::write(&path, serde_json::to_string_pretty(&snapshot).unwrap()).unwrap();
    let (stdout, stderr, code) = run(doctor()
        .args(["check", "--replay"])
        .arg(&path)
        .args(["--format", "json"]));
    assert!(code == 0 || code == 1, "{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["tasks"].as_array().unwrap().len(), 2000);
    assert_eq!(report["fleet"]["tasks"], 2000, "{}", report["fleet"]);
}

// -------------------------------------------------------------------------------------------
// Hardening: control characters in arguments (a task id, a profile, a path, a format) are
// escaped in every error message, so an error cannot clear the screen or retitle the terminal.
// -------------------------------------------------------------------------------------------

#[test]
fn control_characters_in_arguments_never_reach_stderr_raw() {
    const HOSTILE: &str = "\u{1b}[2J\u{1b}]0;owned\u{7}";
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join(format!("empty{HOSTILE}"));
    std::fs::create_dir(&empty).unwrap();
    let task = format!("web{HOSTILE}");
    let profile = format!("dev{HOSTILE}");
    let missing = dir.path().join(format!("missing{HOSTILE}.json"));
    let typo = format!("lnit{HOSTILE}");
    let format = format!("text{HOSTILE}");
    let cases: Vec<Vec<std::ffi::OsString>> = vec![
        vec!["check".into(), "prod".into(), task.into()],
        vec![
            "check".into(),
            "prod".into(),
            "0123456789abcdef0123456789abcdef".into(),
            "--profile".into(),
            profile.into(),
        ],
        vec!["check".into(), "--replay".into(), missing.into()],
        vec![typo.into()],
        vec!["lint".into(), empty.into()],
        vec!["check".into(), "--format".into(), format.into()],
    ];
    for args in cases {
        // Colour forced: clap then writes a quoted argument raw, as it does on a terminal.
        let out = doctor()
            .args(&args)
            .env("CLICOLOR_FORCE", "1")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        for stream in [&out.stdout, &out.stderr] {
            assert!(
                !stream.contains(&0x1b) && !stream.contains(&0x07),
                "{args:?}: a control character got through: {stderr:?}"
            );
        }
        if stderr.starts_with("ecs-exec-doctor: error:") {
            assert_eq!(stderr.trim_end().lines().count(), 1, "{args:?}: {stderr}");
            assert!(
                stderr.contains("\\u{1b}[2J\\u{1b}]0;owned\\u{7}"),
                "{args:?}: {stderr}"
            );
        } else {
            assert!(stderr.starts_with("error:"), "{args:?}: {stderr}");
        }
    }
}
