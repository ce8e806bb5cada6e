//! `ecs-exec-doctor lint` end to end: golden outputs in every format for the fixtures under
//! `fixtures/lint` (each input kind passing and failing) and `fixtures/lint-invalid` (malformed
//! input next to a file that is still linted), SARIF validated against the official schema,
//! exit codes, configuration, suppressions, and hostile inputs.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use ecs_exec_doctor_checks::check::Scope;
use ecs_exec_doctor_checks::registry::CHECKS;
use serde_json::Value;

mod excerpts;

const FORMATS: [&str; 6] = ["text", "json", "sarif", "junit", "github", "markdown"];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `ecs-exec-doctor lint ARGS` in `dir`; returns stdout, stderr and the exit code.
fn lint_in(dir: &Path, args: &[&str]) -> (String, String, i32) {
    let out = assert_cmd::Command::cargo_bin("ecs-exec-doctor")
        .unwrap()
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .arg("--color")
        .arg("never")
        .arg("lint")
        .args(args)
        .output()
        .unwrap();
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
        out.status.code().unwrap_or(-1),
    )
}

fn lint(args: &[&str]) -> (String, String, i32) {
    lint_in(&root(), args)
}

fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path(root().join("tests/snapshots"));
    s.set_prepend_module_to_snapshot(false);
    s.add_filter(
        &regex_escape(&format!("\"{}\"", env!("CARGO_PKG_VERSION"))),
        "\"[VERSION]\"",
    );
    s
}

fn regex_escape(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '"' {
                c.to_string()
            } else {
                format!("\\{c}")
            }
        })
        .collect()
}

/// SARIF rule texts come from the check docs, which change on their own schedule: they are
/// compared with the registry here and replaced in the snapshot.
fn stable_sarif(text: &str) -> Value {
    let mut log: Value = serde_json::from_str(text).unwrap();
    for rule in log["runs"][0]["tool"]["driver"]["rules"]
        .as_array_mut()
        .unwrap()
    {
        let check = CHECKS
            .iter()
            .find(|c| c.meta.code == rule["id"].as_str().unwrap())
            .unwrap();
        assert_eq!(rule["shortDescription"]["text"], check.meta.summary);
        assert_eq!(rule["help"]["markdown"], check.meta.docs());
        assert!(
            check
                .meta
                .docs()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .contains(rule["fullDescription"]["text"].as_str().unwrap())
        );
        for key in ["shortDescription", "fullDescription", "help"] {
            rule[key] = Value::String("[from the check docs]".into());
        }
    }
    log
}

#[test]
fn golden_outputs_for_every_format() {
    for dir in ["fixtures/lint", "fixtures/lint-invalid"] {
        let expected_code = if dir.ends_with("invalid") { 2 } else { 1 };
        for format in FORMATS {
            let (stdout, stderr, code) = lint(&[dir, "--no-config", "--format", format]);
            assert_eq!(code, expected_code, "{dir} {format}: {stderr}");
            // Machine formats add one summary line on stderr; text has it on stdout.
            if format == "text" {
                assert!(stderr.is_empty(), "{stderr}");
            } else {
                assert_eq!(stderr.lines().count(), 1, "{stderr}");
                assert!(
                    stderr.starts_with("ecs-exec-doctor lint: 37 files")
                        || dir.ends_with("invalid"),
                    "{stderr}"
                );
            }
            let name = format!(
                "{}_{format}",
                dir.trim_start_matches("fixtures/").replace('-', "_")
            );
            settings().bind(|| match format {
                "json" => insta::assert_json_snapshot!(
                    name,
                    serde_json::from_str::<Value>(&stdout).unwrap()
                ),
                "sarif" => insta::assert_json_snapshot!(name, stable_sarif(&stdout)),
                _ => insta::assert_snapshot!(name, stdout),
            });
        }
    }
}

fn sarif_validator() -> (boon::Schemas, boon::SchemaIndex) {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/schemas/sarif-2.1.0.json")).unwrap(),
    )
    .unwrap();
    let id = schema["$id"].as_str().unwrap().to_string();
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    compiler.set_default_draft(boon::Draft::V7);
    compiler.enable_format_assertions();
    compiler.add_resource(&id, schema).unwrap();
    let index = compiler.compile(&id, &mut schemas).unwrap();
    (schemas, index)
}

#[test]
fn sarif_validates_against_the_official_schema() {
    let (schemas, index) = sarif_validator();
    for dir in ["fixtures/lint", "fixtures/lint-invalid"] {
        let (stdout, _, _) = lint(&[dir, "--no-config", "--format", "sarif"]);
        let log: Value = serde_json::from_str(&stdout).unwrap();
        if let Err(e) = schemas.validate(&log, index) {
            panic!("{dir}: SARIF does not validate:\n{e:#}");
        }
        let results = log["runs"][0]["results"].as_array().unwrap();
        for r in results {
            let loc = &r["locations"][0]["physicalLocation"];
            let uri = loc["artifactLocation"]["uri"].as_str().unwrap();
            assert!(uri.starts_with("fixtures/"), "{uri}");
            assert!(root().join(uri).is_file(), "{uri}");
            assert!(loc["region"]["startLine"].as_u64().unwrap() >= 1);
        }
    }
    // the validator does reject a broken log
    let (stdout, _, _) = lint(&["fixtures/lint", "--no-config", "--format", "sarif"]);
    let mut broken: Value = serde_json::from_str(&stdout).unwrap();
    broken["runs"][0]["results"][0]["level"] = Value::String("fatal".into());
    assert!(schemas.validate(&broken, index).is_err());
}

#[test]
fn suppressed_findings_are_reported_as_suppressed() {
    let (stdout, _, _) = lint(&["fixtures/lint", "--no-config", "--format", "sarif"]);
    let log: Value = serde_json::from_str(&stdout).unwrap();
    let suppressed: Vec<(&str, &str)> = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| {
            let s = r["suppressions"].as_array()?;
            Some((
                r["ruleId"].as_str().unwrap(),
                s[0]["justification"].as_str().unwrap(),
            ))
        })
        .collect();
    assert_eq!(
        suppressed,
        vec![
            ("TD002", "the image runs tini as PID 1"),
            ("TD002", "the image runs tini as PID 1"),
            (
                "TD005",
                "the agent must come back after a crash; nobody execs into it"
            ),
        ]
    );
}

/// Every lint check has a failing fixture, and every input kind a passing and a failing one.
#[test]
fn fixtures_cover_every_lint_check_and_input_kind() {
    let (stdout, _, _) = lint(&["fixtures/lint", "--no-config", "--format", "json"]);
    let report: Value = serde_json::from_str(&stdout).unwrap();
    let mut codes = BTreeSet::new();
    let mut kinds: BTreeSet<(String, String, bool)> = BTreeSet::new();
    for file in report["files"].as_array().unwrap() {
        let path = file["path"].as_str().unwrap();
        assert!(
            file["diagnostics"].as_array().unwrap().is_empty(),
            "{path} has diagnostics"
        );
        let mut failing = false;
        for unit in file["units"].as_array().unwrap() {
            for check in unit["checks"].as_array().unwrap() {
                // UNKNOWN only for values written as expressions (intrinsics, variables) and
                // task roles the input does not define.
                if check["status"] == "unknown" {
                    let message = check["message"].as_str().unwrap();
                    assert!(
                        message.contains("deploy time") || message.contains("outside this input"),
                        "{path}: {check}"
                    );
                }
                for f in check["findings"].as_array().into_iter().flatten() {
                    codes.insert(f["code"].as_str().unwrap().to_string());
                    failing |= f.get("suppressed").is_none();
                }
            }
        }
        let shape = if path.contains("describe") {
            "describe"
        } else if path.contains("cdk") {
            "cdk"
        } else {
            "plain"
        };
        kinds.insert((
            format!(
                "{}/{}",
                file["kind"].as_str().unwrap(),
                file["syntax"].as_str().unwrap()
            ),
            shape.to_string(),
            failing,
        ));
    }
    for check in CHECKS.iter().filter(|c| c.meta.scope == Scope::LiveAndLint) {
        assert!(
            codes.contains(check.meta.code),
            "no failing fixture under fixtures/lint for {}",
            check.meta.code
        );
    }
    for kind in [
        ("task-definition/json", "plain"),
        ("task-definition/json", "describe"),
        ("service/json", "plain"),
        ("service/json", "describe"),
        ("cloudformation/json", "plain"),
        ("cloudformation/yaml", "plain"),
        ("cloudformation/json", "cdk"),
        ("terraform-plan/json", "plain"),
        ("terraform/hcl", "plain"),
        ("copilot-manifest/yaml", "plain"),
    ] {
        for failing in [false, true] {
            assert!(
                kinds.contains(&(kind.0.to_string(), kind.1.to_string(), failing)),
                "no {} fixture for {kind:?}",
                if failing { "failing" } else { "passing" }
            );
        }
    }
    // only lint-scope checks ever appear
    for code in &codes {
        let check = CHECKS.iter().find(|c| c.meta.code == code).unwrap();
        assert_eq!(check.meta.scope, Scope::LiveAndLint, "{code}");
    }
    // CDK asset directories are skipped
    assert!(!stdout.contains("never-linted"));
}

#[test]
fn exit_codes() {
    let pass = [
        "fixtures/lint/taskdef/register-pass.json",
        "fixtures/lint/cloudformation/pass.yaml",
        "fixtures/lint/terraform/plan-pass.json",
    ];
    let mut args = pass.to_vec();
    args.push("--no-config");
    let (stdout, _, code) = lint(&args);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.starts_with("No findings"), "{stdout}");
    // warnings and info only: 0 unless --fail-on asks
    let warn = "fixtures/lint/taskdef/describe-fail.json";
    assert_eq!(lint(&[warn, "--no-config"]).2, 0);
    assert_eq!(lint(&[warn, "--no-config", "--fail-on", "warning"]).2, 1);
    assert_eq!(
        lint(&[
            "fixtures/lint/taskdef/register-fail.json",
            "--no-config",
            "--select",
            "TD002",
            "--fail-on",
            "info"
        ])
        .2,
        1
    );
    assert_eq!(
        lint(&[
            "fixtures/lint/taskdef/register-fail.json",
            "--no-config",
            "--ignore",
            "TD,IR"
        ])
        .2,
        0
    );
    // input errors win over findings
    let (_, _, code) = lint(&[
        "fixtures/lint-invalid/empty.json",
        "fixtures/lint/taskdef/register-fail.json",
        "--no-config",
    ]);
    assert_eq!(code, 2);
    // usage errors
    let (stdout, stderr, code) = lint(&["--no-config", "--select", "TD999"]);
    assert_eq!((code, stdout.as_str()), (2, ""));
    assert!(stderr.contains("unknown check `TD999`"), "{stderr}");
    let (_, stderr, code) = lint(&["--no-config", "--select", "TK001"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("leaves no check that lint runs"),
        "{stderr}"
    );
    let (_, stderr, code) = lint(&["src", "--no-config"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("no input files found in src"), "{stderr}");
    let (stdout, _, code) = lint(&["does-not-exist.json", "--no-config"]);
    assert_eq!(code, 2);
    assert!(
        stdout.contains("does-not-exist.json:1:1: error: cannot read"),
        "{stdout}"
    );
}

#[test]
fn an_unrecognised_named_file_is_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("package.json"), "{\"name\": \"x\"}").unwrap();
    std::fs::write(
        dir.path().join("td.json"),
        std::fs::read(root().join("fixtures/lint/taskdef/register-pass.json")).unwrap(),
    )
    .unwrap();
    let (stdout, _, code) = lint_in(dir.path(), &["package.json", "td.json", "--no-config"]);
    assert_eq!(code, 0, "{stdout}");
    assert!(
        stdout.contains("package.json:1:1: warning: not a task definition"),
        "{stdout}"
    );
    // found in a directory, it is skipped silently
    let (stdout, _, code) = lint_in(dir.path(), &[".", "--no-config"]);
    assert_eq!(code, 0);
    assert!(!stdout.contains("package.json"), "{stdout}");
    // nothing recognised at all
    std::fs::remove_file(dir.path().join("td.json")).unwrap();
    let (_, stderr, code) = lint_in(dir.path(), &["--no-config"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("no task definitions, services"), "{stderr}");
    // ... and a CI step that uploads SARIF still gets a valid, empty report
    let (stdout, stderr, code) = lint_in(
        dir.path(),
        &["package.json", "--no-config", "--format", "sarif"],
    );
    assert_eq!(code, 2, "{stderr}");
    let sarif: Value = serde_json::from_str(&stdout).expect("SARIF is written");
    assert_eq!(sarif["runs"][0]["results"], serde_json::json!([]));
    assert!(stderr.contains("no task definitions, services"), "{stderr}");
    assert!(
        stderr.contains("ecs-exec-doctor lint: 1 file, 0 resources: 0 errors"),
        "{stderr}"
    );
}

#[test]
fn standard_input_and_utf16_files_are_linted() {
    let td =
        std::fs::read_to_string(root().join("fixtures/lint/taskdef/register-pass.json")).unwrap();
    let out = assert_cmd::Command::cargo_bin("ecs-exec-doctor")
        .unwrap()
        .current_dir(root())
        .args([
            "--color",
            "never",
            "lint",
            "-",
            "--no-config",
            "--format",
            "json",
        ])
        .write_stdin(td.clone())
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["files"][0]["path"], "<stdin>");
    assert_eq!(report["files"][0]["kind"], "task-definition");
    assert!(
        stderr.contains("ecs-exec-doctor lint: 1 file, 1 resource:"),
        "{stderr}"
    );

    // What PowerShell's `>` writes: UTF-16 LE with a byte-order mark.
    let dir = tempfile::tempdir().unwrap();
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(td.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    std::fs::write(dir.path().join("td.json"), utf16).unwrap();
    let (stdout, stderr, code) = lint_in(dir.path(), &["td.json", "--no-config"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(!stdout.contains("binary"), "{stdout}");
    assert!(!stdout.contains("not a task definition"), "{stdout}");
}

#[test]
fn hostile_inputs_get_one_diagnostic_each() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::write(p.join("binary.json"), b"{\"family\": \"\x00\x01\x02\"}").unwrap();
    std::fs::write(p.join("latin1.json"), b"{\"family\": \"caf\xe9\"}").unwrap();
    std::fs::write(p.join("deep.json"), "[".repeat(1_000_000)).unwrap();
    std::fs::write(
        p.join("deep.yaml"),
        "Resources:\n".to_string() + &"- ".repeat(100_000) + "x\n",
    )
    .unwrap();
    std::fs::write(p.join("empty.yaml"), "").unwrap();
    let huge = std::fs::File::create(p.join("huge.json")).unwrap();
    huge.set_len(21 * 1024 * 1024).unwrap();
    let (stdout, _, code) = lint_in(p, &["--no-config", "--format", "json"]);
    assert_eq!(code, 2);
    let report: Value = serde_json::from_str(&stdout).unwrap();
    let mut seen = Vec::new();
    for file in report["files"].as_array().unwrap() {
        let d = file["diagnostics"].as_array().unwrap();
        assert_eq!(d.len(), 1, "{file}");
        assert_eq!(d[0]["level"], "error");
        seen.push(format!(
            "{}: {}",
            file["path"].as_str().unwrap(),
            d[0]["message"].as_str().unwrap()
        ));
    }
    settings().bind(|| insta::assert_snapshot!("lint_hostile_inputs", seen.join("\n")));
}

#[test]
fn config_file_is_found_upward_and_applied() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    let sub = repo.join("deploy");
    std::fs::create_dir_all(repo.join(".git")).unwrap();
    std::fs::create_dir_all(&sub).unwrap();
    std::fs::copy(
        root().join("fixtures/lint/taskdef/register-fail.json"),
        sub.join("api.json"),
    )
    .unwrap();
    std::fs::write(
        repo.join("ecs-exec-doctor.toml"),
        r#"
ignore = ["TD003"]
fail-on = "warning"

[severity]
TD002 = "warning"

[[suppress]]
path = "deploy/api.json"
code = "IR001"
reason = "the role is attached by the platform team's stack"
"#,
    )
    .unwrap();
    let (stdout, _, code) = lint_in(&sub, &["--format", "json"]);
    assert_eq!(code, 1);
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["fail_on"], "warning");
    let checks = report["files"][0]["units"][0]["checks"].as_array().unwrap();
    assert!(checks.iter().all(|c| c["code"] != "TD003"));
    let td002 = checks.iter().find(|c| c["code"] == "TD002").unwrap();
    assert_eq!(td002["findings"][0]["severity"], "warning");
    let ir001 = checks.iter().find(|c| c["code"] == "IR001").unwrap();
    assert_eq!(ir001["status"], "pass");
    assert_eq!(
        ir001["findings"][0]["suppressed"],
        serde_json::json!({"kind": "config", "reason": "the role is attached by the platform team's stack"})
    );
    // the command line wins over the config
    let (_, _, code) = lint_in(&sub, &["--fail-on", "error", "--select", "TD002"]);
    assert_eq!(code, 0);
    // --no-config ignores it
    let (stdout, _, _) = lint_in(&sub, &["--no-config", "--format", "json"]);
    assert!(stdout.contains("\"TD003\""));
    // a config above the repository root is not used
    std::fs::rename(
        repo.join("ecs-exec-doctor.toml"),
        dir.path().join("ecs-exec-doctor.toml"),
    )
    .unwrap();
    let (stdout, _, _) = lint_in(&sub, &["--format", "json"]);
    assert!(stdout.contains("\"TD003\""));
}

#[test]
fn bad_config_is_a_usage_error_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        root().join("fixtures/lint/taskdef/register-pass.json"),
        dir.path().join("td.json"),
    )
    .unwrap();
    for (config, expected) in [
        (
            "select = [\"TD001\"]\nfail_on = \"error\"\n",
            "custom.toml:2:1: unknown field `fail_on`",
        ),
        (
            "[severity]\nTD042 = \"error\"\n",
            "custom.toml:2:1: unknown check `TD042`",
        ),
        (
            "[[suppress]]\npath = \"td.json\"\ncode = \"TD001\"\nreason = \"\"\n",
            "custom.toml:1:1: the suppression of `TD001` has no reason",
        ),
    ] {
        std::fs::write(dir.path().join("custom.toml"), config).unwrap();
        let (stdout, stderr, code) = lint_in(dir.path(), &["--config", "custom.toml"]);
        assert_eq!(code, 2, "{config}");
        assert_eq!(stdout, "");
        assert!(stderr.contains(expected), "{stderr}");
    }
    let (_, stderr, code) = lint_in(dir.path(), &["--config", "missing.toml"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("cannot read config missing.toml"),
        "{stderr}"
    );
}

#[test]
fn include_and_exclude_globs() {
    let (stdout, _, _) = lint(&[
        "fixtures/lint",
        "--no-config",
        "--format",
        "json",
        "--exclude",
        "terraform",
        "--exclude",
        "**/*.yaml",
    ]);
    let report: Value = serde_json::from_str(&stdout).unwrap();
    let paths: Vec<&str> = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert!(
        paths
            .iter()
            .all(|p| !p.contains("terraform") && !p.ends_with(".yaml")),
        "{paths:?}"
    );
    assert!(paths.contains(&"fixtures/lint/cloudformation/fail.json"));
    let (stdout, _, _) = lint(&[
        "fixtures/lint",
        "--no-config",
        "--format",
        "json",
        "--include",
        "**/cloudformation/*.yaml",
    ]);
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["summary"]["files"], 2);
}

/// Environment values in the linted files appear in no output format: source excerpts mask
/// `value` fields in JSON, YAML and the JSON string inside a Terraform plan.
#[test]
fn environment_values_never_appear_in_any_format() {
    let secrets = [
        "AKIAFIXTURESECRET001",
        "fixture/secret+value/002",
        "AKIAFIXTURESECRET003",
        "fixture-secret-004",
    ];
    for format in FORMATS {
        let (stdout, stderr, code) = lint(&["fixtures/lint-secrets", "--format", format]);
        assert_eq!(code, 1, "{format}: {stderr}");
        assert!(
            stdout.contains("TD003"),
            "{format}: the credential names are still reported"
        );
        for secret in secrets {
            assert!(
                !stdout.contains(secret) && !stderr.contains(secret),
                "{format} prints {secret}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Reads stay inside the linted directory; Copilot manifests; YAML 1.1 booleans in CloudFormation.
// ---------------------------------------------------------------------------------------------

/// Runs `lint ARGS` in `dir` with `env` set for the child, killed after a minute: a read that
/// blocks (a FIFO, `/proc/kmsg`) fails the test instead of hanging it.
fn lint_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (String, String, i32) {
    let mut cmd = assert_cmd::Command::cargo_bin("ecs-exec-doctor").unwrap();
    cmd.current_dir(dir)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .timeout(std::time::Duration::from_secs(60))
        .args(["--color", "never", "lint"])
        .args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}

/// `file()` / `templatefile()` never read outside the linted directory: not through `..`, an
/// absolute path or a symbolic link, and never a FIFO; the values are UNKNOWN with a warning
/// at the call, and the run ends promptly. The process environment (`/proc/self/environ`) and
/// a file next to the linted directory appear in no output format.
#[cfg(target_os = "linux")]
#[test]
fn terraform_reads_stay_inside_the_linted_directory() {
    const SECRET: &str = "environ-secret-7c1e5b0d";
    const NEIGHBOUR: &str = "neighbour-secret-93af";
    let tmp = tempfile::tempdir().unwrap();
    let infra = tmp.path().join("infra");
    std::fs::create_dir(&infra).unwrap();
    // Next to the linted directory: valid container definitions, so a read would show.
    std::fs::write(
        tmp.path().join("outside.json"),
        format!(r#"[{{"name": "{NEIGHBOUR}", "readonlyRootFilesystem": true}}]"#),
    )
    .unwrap();
    std::fs::write(
        infra.join("inside.json"),
        r#"[{"name": "app", "readonlyRootFilesystem": true}]"#,
    )
    .unwrap();
    std::os::unix::fs::symlink("/proc/self/environ", infra.join("environ.json")).unwrap();
    std::os::unix::fs::symlink(tmp.path().join("outside.json"), infra.join("linked.json")).unwrap();
    let fifo = std::process::Command::new("mkfifo")
        .arg(infra.join("pipe.json"))
        .status()
        .is_ok_and(|s| s.success());
    let resources = [
        (
            "dotdot",
            r#"file("${path.module}/../../../../../../../../../proc/self/environ")"#,
        ),
        ("neighbour", r#"file("${path.module}/../outside.json")"#),
        ("absolute", r#"templatefile("/proc/self/environ", {})"#),
        ("link", r#"file("environ.json")"#),
        (
            "linked",
            r#"templatefile("${path.module}/linked.json", {})"#,
        ),
        ("fifo", r#"file("pipe.json")"#),
        ("inside", r#"file("${path.module}/inside.json")"#),
    ];
    let tf: String = resources
        .iter()
        .map(|(name, call)| {
            format!(
                "resource \"aws_ecs_task_definition\" \"{name}\" {{\n  family = \"{name}\"\n  task_role_arn = \"arn:aws:iam::1:role/r\"\n  container_definitions = {call}\n}}\n"
            )
        })
        .collect();
    std::fs::write(infra.join("main.tf"), tf).unwrap();
    let env = [("ECS_EXEC_DOCTOR_TEST_SECRET", SECRET)];

    let started = std::time::Instant::now();
    let (stdout, stderr, code) = lint_env(
        tmp.path(),
        &["infra", "--no-config", "--format", "json"],
        &env,
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
    assert_eq!(code, 1, "{stdout}{stderr}");
    let report: Value = serde_json::from_str(&stdout).unwrap();
    let files = report["files"].as_array().unwrap();
    let main = files.iter().find(|f| f["path"] == "infra/main.tf").unwrap();
    let status = |unit: &str| {
        main["units"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["name"] == format!("aws_ecs_task_definition.{unit}"))
            .unwrap()["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["code"] == "TD001")
            .unwrap()["status"]
            .as_str()
            .unwrap()
            .to_string()
    };
    for (name, _) in resources {
        let expected = match name {
            "inside" => "error",
            "fifo" if !fifo => continue,
            _ => "unknown",
        };
        assert_eq!(status(name), expected, "{name}: {main:#}");
    }
    let warnings: Vec<(u64, String)> = main["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            assert_eq!(d["level"], "warning", "{d}");
            (
                d["line"].as_u64().unwrap(),
                d["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expected_lines: Vec<u64> = (0..resources.len() as u64 - 1)
        .filter(|i| fifo || *i != 5)
        .map(|i| 4 + 5 * i)
        .collect();
    assert_eq!(
        warnings.iter().map(|w| w.0).collect::<Vec<_>>(),
        expected_lines,
        "{warnings:#?}"
    );
    assert!(
        warnings[0].1.contains("outside the linted directory"),
        "{warnings:?}"
    );
    assert!(warnings[3].1.contains("symbolic link"), "{warnings:?}");
    if fifo {
        assert!(warnings[5].1.contains("not a regular file"), "{warnings:?}");
    }
    // The links found while walking the directory are skipped with a warning, not linted.
    for link in ["infra/environ.json", "infra/linked.json"] {
        let f = files.iter().find(|f| f["path"] == link).unwrap();
        assert_eq!(f["diagnostics"][0]["level"], "warning", "{f}");
        assert!(f["units"].as_array().unwrap().is_empty());
    }

    for format in FORMATS {
        let (stdout, stderr, _) = lint_env(
            tmp.path(),
            &["infra", "--no-config", "--format", format],
            &env,
        );
        for secret in [SECRET, NEIGHBOUR] {
            assert!(
                !stdout.contains(secret) && !stderr.contains(secret),
                "{format} prints {secret}"
            );
        }
    }
    // A file named on the command line: its directory is the root.
    let (stdout, stderr, _) = lint_env(tmp.path(), &["infra/main.tf", "--no-config"], &env);
    assert!(
        !stdout.contains(NEIGHBOUR) && !stdout.contains(SECRET),
        "{stdout}"
    );
    assert!(
        stdout.contains("outside the linted directory"),
        "{stdout}{stderr}"
    );
    // Linting the parent makes the neighbour part of the input.
    let (stdout, _, _) = lint_env(tmp.path(), &[".", "--no-config", "--select", "TD001"], &env);
    assert!(stdout.contains(NEIGHBOUR), "{stdout}");
    assert!(!stdout.contains(SECRET), "{stdout}");
}

/// Copilot manifests reduced from public repositories (fixtures/lint/copilot-public/README.md),
/// each with the verdicts it was labelled with by reading the original: exec, the read-only
/// root, credentials and proxies in the environment, and the containers without an init
/// process (the service's own, each sidecar, the log router only when `logging` sets more
/// than `retention`).
#[test]
fn copilot_manifests_from_public_repositories() {
    type Expected = (&'static str, [&'static str; 4], &'static [&'static str]);
    // (fixture, [SV001, TD001, TD003, TD007], containers TD002 reports)
    let expected: [Expected; 8] = [
        ("flowise", ["pass", "pass", "info", "pass"], &["web"]),
        (
            "digital-workspace",
            ["pass", "pass", "warning", "pass"],
            &["web"],
        ),
        ("open-assistant", ["pass", "pass", "pass", "pass"], &["api"]),
        ("xray-worker", ["pass", "pass", "pass", "pass"], &["worker"]),
        // Held out.
        ("deeper", ["pass", "pass", "pass", "pass"], &["web"]),
        ("pems", ["pass", "pass", "pass", "pass"], &["web"]),
        (
            "opss-par",
            ["pass", "pass", "pass", "pass"],
            &["web", "nginx", "permissions"],
        ),
        ("waivecar", ["error", "pass", "pass", "pass"], &["api"]),
    ];
    let (stdout, stderr, _) = lint(&[
        "fixtures/lint/copilot-public",
        "--no-config",
        "--format",
        "json",
    ]);
    let report: Value = serde_json::from_str(&stdout).unwrap();
    let files = report["files"].as_array().unwrap();
    assert_eq!(files.len(), expected.len(), "{stderr}");
    for (fixture, statuses, td002) in expected {
        let file = files
            .iter()
            .find(|f| {
                f["path"]
                    .as_str()
                    .unwrap()
                    .contains(&format!("/{fixture}/"))
            })
            .unwrap_or_else(|| panic!("no {fixture}"));
        assert_eq!(file["kind"], "copilot-manifest", "{fixture}");
        let unit = &file["units"][0];
        let check = |code: &str| {
            unit["checks"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["code"] == code)
                .unwrap()
                .clone()
        };
        let got: Vec<String> = ["SV001", "TD001", "TD003", "TD007"]
            .iter()
            .map(|c| check(c)["status"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(got, statuses, "{fixture}");
        let td002_check = check("TD002");
        let subjects: Vec<&str> = td002_check["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["subject"].as_str().unwrap())
            .collect();
        assert_eq!(subjects, td002, "{fixture}");
    }
    // The credentials are named, and only the exact names (not PFM_AWS_ACCESS_KEY_ID).
    let workspace = files
        .iter()
        .find(|f| f["path"].as_str().unwrap().contains("/digital-workspace/"))
        .unwrap();
    let td003 = workspace["units"][0]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "TD003")
        .unwrap();
    assert_eq!(
        td003["findings"][0]["message"],
        "container `web` sets AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY in `secrets`; the exec agent will use them instead of the task role"
    );
}

/// A config file is read only up to 1 MiB, and only when it is a regular file: a huge file or
/// a FIFO given as `--config` is one line and exit 2, never a hang or an unbounded read.
#[test]
fn an_oversized_or_special_config_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.toml");
    std::fs::write(&big, format!("# {}\n", "x".repeat(1024 * 1024))).unwrap();
    let td = dir.path().join("td.json");
    std::fs::write(
        &td,
        r#"{"family": "f", "containerDefinitions": [{"name": "app", "image": "x"}]}"#,
    )
    .unwrap();
    let (big, td_path) = (big.to_str().unwrap(), td.to_str().unwrap());
    let (_, stderr, code) = lint(&["--config", big, td_path]);
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("over the 1 MiB"), "{stderr}");
    let fifo = dir.path().join("fifo.toml");
    if std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success())
    {
        let (_, stderr, code) = lint(&["--config", fifo.to_str().unwrap(), td_path]);
        assert_eq!(code, 2, "{stderr}");
        assert!(stderr.contains("not a regular file"), "{stderr}");
    }
}

/// What a pre-commit hook passes: every JSON, YAML and Terraform file a commit touches. With
/// `--skip-unrecognised` the ones that are not ECS inputs (a package manifest, an Ansible
/// task list, a list of users, the hook file itself) are skipped and counted, a Terraform
/// file is read for ECS resources (none here); a clean task definition beside them passes,
/// and a commit with no ECS input at all exits 0.
#[test]
fn the_hook_lints_only_ecs_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        name.to_string()
    };
    let ordinary = [
        write(
            "package.json",
            r#"{"name": "web", "version": "1.0.0", "dependencies": {}}"#,
        ),
        write(
            "site.yml",
            "- name: install nginx\n  apt:\n    name: nginx\n- name: start it\n  service:\n    name: nginx\n",
        ),
        write(
            "users.json",
            r#"[{"name": "alice", "shell": "/bin/bash"}, {"name": "bob"}]"#,
        ),
        write(
            "bucket.tf",
            "resource \"aws_s3_bucket\" \"b\" {\n  bucket = \"b\"\n}\n",
        ),
    ];
    std::fs::copy(
        root().join(".pre-commit-hooks.yaml"),
        dir.path().join("hooks.yaml"),
    )
    .unwrap();
    let mut args: Vec<String> = vec!["--skip-unrecognised".into()];
    args.extend(ordinary.iter().cloned());
    args.push("hooks.yaml".into());
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let (_, stderr, code) = lint_in(dir.path(), &refs);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("4 files skipped (not ECS inputs)"),
        "{stderr}"
    );

    std::fs::copy(
        root().join("fixtures/lint/taskdef/register-pass.json"),
        dir.path().join("taskdef.json"),
    )
    .unwrap();
    let mut with_taskdef = refs.clone();
    with_taskdef.push("taskdef.json");
    let (stdout, stderr, code) = lint_in(dir.path(), &with_taskdef);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        stdout.contains("1 task definition or service in 2 files"),
        "{stdout}"
    );

    // Without the flag, a named file that is not an ECS input is reported, and none
    // recognised is a usage error.
    let (_, stderr, code) = lint_in(dir.path(), &["package.json", "site.yml"]);
    assert_eq!(code, 2, "{stderr}");
}

/// A value known only at deploy time leaves its check unknown: exit 0 by default, exit 1 with
/// `--fail-on unknown`, as the help says.
#[test]
fn fail_on_unknown_fails_on_values_known_only_at_deploy_time() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("containers.json"),
        r#"[{"name": "app", "image": "${image}", "readonlyRootFilesystem": ${read_only}}]"#,
    )
    .unwrap();
    let (stdout, stderr, code) = lint_in(dir.path(), &["containers.json"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("unknown from the files alone"), "{stdout}");
    let (stdout, stderr, code) = lint_in(dir.path(), &["containers.json", "--fail-on", "unknown"]);
    assert_eq!(code, 1, "{stdout}{stderr}");
}

/// The Action's lint step, run in bash as the runner runs it: with `format: github` the
/// annotations reach the step's output (where the workflow reads them) and the output file,
/// and the step fails on the findings.
#[test]
fn the_actions_github_format_prints_annotations_on_the_steps_output() {
    let action = std::fs::read_to_string(root().join("action.yml")).unwrap();
    let step = action
        .split("    - name: lint\n")
        .nth(1)
        .and_then(|rest| rest.split("      run: |\n").nth(1))
        .expect("the lint step's script");
    let script: String = step
        .lines()
        .map(|l| l.strip_prefix("        ").unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n");
    let binary = assert_cmd::cargo::cargo_bin("ecs-exec-doctor");
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("annotations.txt");
    let path = format!(
        "{}:{}",
        binary.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = std::process::Command::new("bash")
        .args(["-e", "-c", &script])
        .env("PATH", path)
        .env("DOCTOR", &binary)
        .env("PATHS", "fixtures/lint/taskdef/register-fail.json")
        .env("FORMAT", "github")
        .env("OUTPUT", &output)
        .env("FAIL_ON", "error")
        .env("WORKDIR", root())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("::error"), "{stdout}");
    let kept = std::fs::read_to_string(&output).unwrap();
    assert_eq!(kept, stdout, "the output file keeps the same annotations");
}

/// Task roles defined beside their task definitions in real templates and modules
/// (fixtures/lint-iam-public/README.md): IR002 reads the role's policies where the input
/// defines them, says unknown where it does not, and points a missing grant at the role.
#[test]
fn task_roles_from_public_repositories() {
    // (path fragment, unit, IR002 status)
    let expected: &[(&str, &str, &str)] = &[
        (
            "donngi__container/",
            "aws_ecs_task_definition.app_nginx",
            "pass",
        ),
        (
            "donngi__container/",
            "aws_ecs_task_definition.web_nginx",
            "pass",
        ),
        (
            "sousukekurosawa__ecs-fargate/",
            "aws_ecs_task_definition.this",
            "unknown",
        ),
        (
            "keinomur__execute-ecs/",
            "aws_ecs_task_definition.stub",
            "pass",
        ),
        (
            "hello-ecs-app-mesh/",
            "aws_ecs_task_definition.counter_blue",
            "pass",
        ),
        (
            "hello-ecs-app-mesh/",
            "aws_ecs_task_definition.counter_green",
            "pass",
        ),
        (
            "hello-ecs-app-mesh/",
            "aws_ecs_task_definition.redis_blue",
            "pass",
        ),
        (
            "hello-ecs-app-mesh/",
            "aws_ecs_task_definition.redis_green",
            "pass",
        ),
        (
            "hello-ecs-app-mesh/",
            "aws_ecs_task_definition.virtual_gateway",
            "pass",
        ),
        (
            "tenzir__tunnel/",
            "aws_ecs_task_definition.fargate_task_def",
            "pass",
        ),
        (
            "k3ii__aws-ecs-exec-demo/",
            "aws_ecs_task_definition.ecs_exec",
            "pass",
        ),
        (
            "cloudposse__ecs-alb-service-task/",
            "aws_ecs_task_definition.default",
            "unknown",
        ),
        (
            "musatee__fargate_with_ecs-exec/",
            "aws_ecs_task_definition.efs-task",
            "unknown",
        ),
        ("sotoiwa__ecs/", "aws_ecs_task_definition.this", "pass"),
        (
            "tenzir__matcher/",
            "aws_ecs_task_definition.fargate_task_def",
            "error",
        ),
        ("copilot-cli__worker-test", "TaskDefinition", "pass"),
        ("copilot-cli__backend-simple", "TaskDefinition", "pass"),
        ("copilot-cli__svc-test", "TaskDefinition", "error"),
        ("wiltoncarvalho__", "TaskDefinition", "pass"),
        ("sjakthol__service-shell", "TaskDefinition", "error"),
        ("waterstreamio__", "WaterstreamEcsTaskDef", "error"),
        (
            "waterstreamio__",
            "WaterstreamCWAgentPrometheusTaskDef",
            "error",
        ),
        ("yoppydev__ecs", "ECSWebTaskDefinition", "unknown"),
        (
            "aws-cdk__aws-ecs-integ-exec-command",
            "TaskDef54694570",
            "pass",
        ),
        // Held out: labelled by reading, linted once after the readers were written.
        (
            "held-out/terraform/mludvig__aws-ssm-tools/",
            "aws_ecs_task_definition.task_def",
            "pass",
        ),
        (
            "held-out/terraform/wiltoncarvalho__ecs-service/",
            "aws_ecs_task_definition.this",
            "pass",
        ),
        (
            "held-out/terraform/chip1pain__ecs/",
            "aws_ecs_task_definition.task_definition",
            "unknown",
        ),
        (
            "held-out/terraform/exercism__language_servers/",
            "aws_ecs_task_definition.language_servers",
            "unknown",
        ),
        (
            "held-out/terraform/thuto__messaging-system/",
            "aws_ecs_task_definition.app",
            "error",
        ),
        (
            "held-out/terraform/turnerlabs__env-dev/",
            "aws_ecs_task_definition.app",
            "error",
        ),
        (
            "held-out/terraform/turnerlabs__env-dev/",
            "aws_ecs_task_definition.secrets_sidecar",
            "error",
        ),
        (
            "held-out/cloudformation/mludvig__template-ecs-task",
            "TaskDefinition",
            "pass",
        ),
        (
            "held-out/cloudformation/yicru__fargate",
            "TaskDefinition",
            "pass",
        ),
        (
            "held-out/cloudformation/1strategy__fargate",
            "TaskDefinition",
            "error",
        ),
        // A fourth action with a stray quote (`ssmmessages:OpenDataChannel"`) grants nothing.
        (
            "held-out/cloudformation/seiichi1101__template",
            "ECSTaskDefinition",
            "error",
        ),
        (
            "held-out/cloudformation/baboopan__",
            "ServiceTaskDef1922A00F",
            "error",
        ),
        (
            "held-out/cloudformation/nathanpeck__",
            "TaskDefinition",
            "unknown",
        ),
        (
            "held-out/cloudformation/hisashige__application",
            "ECSTaskDefinitionAPI",
            "unknown",
        ),
        (
            "held-out/cloudformation/hisashige__application",
            "ECSTaskDefinitionWEB",
            "unknown",
        ),
        (
            "held-out/cloudformation/widdix__service-cluster-alb",
            "TaskDefinition",
            "unknown",
        ),
    ];
    let (stdout, stderr, _) = lint(&[
        "fixtures/lint-iam-public",
        "--no-config",
        "--select",
        "IR002",
        "--format",
        "json",
    ]);
    let report: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    let mut got = Vec::new();
    for file in report["files"].as_array().unwrap() {
        let path = file["path"].as_str().unwrap();
        for unit in file["units"].as_array().unwrap() {
            if unit["resource_type"] == "aws_ecs_service"
                || unit["resource_type"] == "AWS::ECS::Service"
            {
                continue;
            }
            let check = &unit["checks"][0];
            assert_eq!(check["code"], "IR002");
            got.push((
                path.to_string(),
                unit["name"].as_str().unwrap().to_string(),
                check.clone(),
            ));
        }
    }
    assert_eq!(got.len(), expected.len(), "{got:#?}");
    for (fragment, name, status) in expected {
        let (path, _, check) = got
            .iter()
            .find(|(p, n, _)| {
                p.contains(fragment)
                    && n == name
                    && (fragment.starts_with("held-out") || !p.contains("held-out"))
            })
            .unwrap_or_else(|| panic!("no {fragment} {name}"));
        assert_eq!(check["status"], *status, "{path} {name}: {check}");
        if *status == "error" {
            // At the role, naming the task definition that uses it.
            let f = &check["findings"][0];
            assert!(
                f["message"]
                    .as_str()
                    .unwrap()
                    .contains("is not allowed ssmmessages:"),
                "{f}"
            );
            assert!(
                f["evidence"].to_string().contains(&format!("`{name}`"))
                    || f["evidence"].to_string().contains("another file"),
                "{f}"
            );
        }
    }
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// `--diff` shows the safe fixes and changes nothing; `--fix` makes them as one-line edits
/// (the rest of each file byte for byte), the findings are gone when the files are linted
/// again, and a second `--diff` has nothing left to do. Plans are never edited.
#[test]
fn fix_edits_only_the_intended_lines_and_the_findings_are_gone() {
    let dir = tempfile::tempdir().unwrap();
    for sub in ["cloudformation", "service", "terraform", "copilot"] {
        copy_tree(
            &root().join("fixtures/lint").join(sub),
            &dir.path().join(sub),
        );
    }
    let snapshot = |p: &str| std::fs::read_to_string(dir.path().join(p)).unwrap();
    let before: Vec<(&str, String)> = [
        "cloudformation/fail.yaml",
        "cloudformation/fail.json",
        "service/create-service-fail.json",
        "service/update-service-fail.json",
        "service/describe-services-fail.json",
        "terraform/hcl-fail/main.tf",
        "terraform/plan-fail.json",
        "copilot/copilot/worker/manifest.yml",
    ]
    .into_iter()
    .map(|p| (p, snapshot(p)))
    .collect();

    let (diff, stderr, code) = lint_in(dir.path(), &[".", "--no-config", "--diff"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        diff.contains("-      EnableExecuteCommand: false\n+      EnableExecuteCommand: true"),
        "{diff}"
    );
    assert!(diff.contains("+  enable_execute_command = true"), "{diff}");
    assert!(
        stderr.contains(
            "plan-fail.json:91: SV001 `aws_ecs_service.payments` not fixed: a plan is generated"
        ),
        "{stderr}"
    );
    for (p, text) in &before {
        assert_eq!(&snapshot(p), text, "--diff changed {p}");
    }

    let (stdout, stderr, _) = lint_in(
        dir.path(),
        &[".", "--no-config", "--fix", "--format", "json"],
    );
    assert!(stderr.contains("cloudformation/fail.yaml:"), "{stderr}");
    let report: Value = serde_json::from_str(&stdout).unwrap();
    // (file, lines added, lines removed)
    let expected = [
        ("cloudformation/fail.yaml", 1, 1),
        ("cloudformation/fail.json", 2, 1),
        ("service/create-service-fail.json", 1, 0),
        ("service/update-service-fail.json", 1, 1),
        ("service/describe-services-fail.json", 0, 0),
        ("terraform/hcl-fail/main.tf", 1, 0),
        ("terraform/plan-fail.json", 0, 0),
        ("copilot/copilot/worker/manifest.yml", 1, 0),
    ];
    for ((p, old), (_, added, removed)) in before.iter().zip(expected) {
        let new = snapshot(p);
        let old_lines: Vec<&str> = old.lines().collect();
        let new_lines: Vec<&str> = new.lines().collect();
        let plus = new_lines.iter().filter(|l| !old_lines.contains(l)).count();
        let minus = old_lines.iter().filter(|l| !new_lines.contains(l)).count();
        assert_eq!((plus, minus), (added, removed), "{p}:\n{new}");
        let file = report["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"].as_str().unwrap().ends_with(p))
            .unwrap();
        assert!(
            file["diagnostics"].as_array().unwrap().is_empty(),
            "{p}: {file}"
        );
        if added > 0 {
            for unit in file["units"].as_array().unwrap() {
                for check in unit["checks"].as_array().unwrap() {
                    if check["code"] == "SV001" {
                        assert_ne!(check["status"], "error", "{p}: {check}");
                    }
                }
            }
        }
    }
    let (diff, stderr, code) = lint_in(dir.path(), &[".", "--no-config", "--diff"]);
    assert_eq!((code, diff.as_str()), (0, ""), "{stderr}");

    let (_, stderr, code) = lint_in(dir.path(), &["-", "--fix"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("standard input cannot be fixed in place"),
        "{stderr}"
    );
}
