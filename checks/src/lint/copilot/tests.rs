//! Copilot manifests linted end to end: the container checks on what the manifest configures,
//! findings at its lines, fixes in its terms.

use crate::check::Severity;
use crate::lint::{FileReport, InputKind, LintFinding, lint};
use crate::outcome::FixStep;
use crate::report::Status;
use crate::runner::Selection;

fn run(text: &str) -> FileReport {
    let r = lint(text.as_bytes(), &Selection::default());
    assert_eq!(r.kind, Some(InputKind::CopilotManifest));
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    r
}

fn status(r: &FileReport, code: &str) -> Status {
    let c = r.units[0].checks.iter().find(|c| c.code == code).unwrap();
    c.status
}

fn findings<'a>(r: &'a FileReport, code: &str) -> Vec<&'a LintFinding> {
    r.units[0]
        .checks
        .iter()
        .filter(|c| c.code == code)
        .flat_map(|c| &c.findings)
        .collect()
}

/// The fix as text: its title and each step.
fn fix_text(f: &LintFinding) -> String {
    let fix = f.fix.as_ref().expect("a fix");
    let mut out = vec![fix.title.clone()];
    for s in &fix.steps {
        out.push(match s {
            FixStep::Note { text } => text.clone(),
            other => format!("{other:?}"),
        });
    }
    out.join("\n")
}

const HEAD: &str = "name: api\ntype: Load Balanced Web Service\nimage:\n  build: Dockerfile\n  port: 80\nexec: true\n";

#[test]
fn credentials_in_variables_secrets_sidecars_and_logging_are_found_at_their_lines() {
    let r = run(&format!(
        "{HEAD}variables:\n  LOG_LEVEL: info\n  AWS_SECRET_ACCESS_KEY: abc\nsecrets:\n  AWS_ACCESS_KEY_ID: /copilot/key\nlogging:\n  secrets:\n    aws_session_token: /x\nsidecars:\n  nginx:\n    image: nginx\n    variables:\n      AWS_PROFILE: dev\n"
    ));
    let td003 = findings(&r, "TD003");
    let seen: Vec<(u32, Severity, &str)> = td003
        .iter()
        .map(|f| (f.line, f.severity, f.subject.as_deref().unwrap()))
        .collect();
    assert_eq!(
        seen,
        [
            (9, Severity::Warning, "api"),
            (11, Severity::Warning, "api"),
            (14, Severity::Warning, "firelens_log_router"),
            (19, Severity::Warning, "nginx"),
        ],
        "{td003:#?}"
    );
    // In the manifest's words: `variables`, and where a sidecar is configured.
    assert!(
        fix_text(td003[0]).starts_with("remove AWS_SECRET_ACCESS_KEY from `variables` of `api`")
    );
    assert!(
        fix_text(td003[3]).contains("(`sidecars.nginx`)"),
        "{}",
        fix_text(td003[3])
    );
    assert!(fix_text(td003[0]).contains("copilot svc deploy"));
    assert!(!fix_text(td003[0]).contains("register a new task-definition revision with"));
}

#[test]
fn without_credentials_the_container_checks_pass_or_inform() {
    let r = run(&format!(
        "{HEAD}variables:\n  LOG_LEVEL: info\nsecrets:\n  DB:\n    secretsmanager: db\nenv_file: app.env\n"
    ));
    assert_eq!(status(&r, "SV001"), Status::Pass);
    assert_eq!(status(&r, "SV002"), Status::Pass, "Fargate, LATEST");
    assert_eq!(status(&r, "TD001"), Status::Pass);
    assert_eq!(
        status(&r, "IR001"),
        Status::Pass,
        "Copilot creates a task role"
    );
    assert_eq!(status(&r, "TD007"), Status::Pass);
    // An env file cannot be read: information, at `env_file`.
    let td003 = findings(&r, "TD003");
    assert_eq!(
        (td003.len(), td003[0].severity, td003[0].line),
        (1, Severity::Info, 12)
    );
    // Copilot sets no init process; the fix is an override rule.
    let td002 = findings(&r, "TD002");
    assert_eq!(td002[0].line, 3, "the main container is written at `image`");
    assert!(
        fix_text(td002[0]).contains("`- path: ContainerDefinitions[0].LinuxParameters.InitProcessEnabled` with `value: true`"),
        "{}",
        fix_text(td002[0])
    );
}

#[test]
fn readonly_fs_as_copilot_reads_booleans_and_per_environment() {
    for (value, expected) in [
        ("true", Status::Error),
        ("on", Status::Error),
        ("'yes'", Status::Error),
        ("off", Status::Pass),
        ("false", Status::Pass),
    ] {
        let r = run(&format!("{HEAD}storage:\n  readonly_fs: {value}\n"));
        assert_eq!(status(&r, "TD001"), expected, "{value}");
    }
    let r = run(&format!("{HEAD}storage:\n  readonly_fs: true\n"));
    let f = findings(&r, "TD001");
    assert_eq!(f[0].line, 8);
    assert!(
        fix_text(f[0]).contains("`storage.readonly_fs: false`"),
        "{}",
        fix_text(f[0])
    );
    // Read-only in one environment only: depends on where it is deployed.
    let r = run(&format!(
        "{HEAD}environments:\n  prod:\n    storage:\n      readonly_fs: true\n  test:\n    count: 1\n"
    ));
    assert_eq!(status(&r, "TD001"), Status::Unknown);
    let message = &r.units[0]
        .checks
        .iter()
        .find(|c| c.code == "TD001")
        .unwrap()
        .message;
    assert!(message.contains("true in environment prod"), "{message}");
    assert!(message.contains("deploy time"), "{message}");
    // The same in every environment is a value.
    let r = run(&format!(
        "{HEAD}storage:\n  readonly_fs: true\nenvironments:\n  prod:\n    storage:\n      readonly_fs: yes\n"
    ));
    assert_eq!(status(&r, "TD001"), Status::Error);
}

#[test]
fn environment_overrides_add_names_at_their_lines() {
    let r = run(&format!(
        "{HEAD}variables:\n  A: 1\nenvironments:\n  prod:\n    variables:\n      AWS_ACCESS_KEY_ID: x\n"
    ));
    let f = findings(&r, "TD003");
    assert_eq!((f.len(), f[0].line), (1, 12), "{f:#?}");
}

#[test]
fn proxies_need_no_proxy_in_the_same_container() {
    let r = run(&format!(
        "{HEAD}variables:\n  HTTPS_PROXY: http://proxy:3128\n  NO_PROXY: 169.254.170.2,169.254.169.254\nsidecars:\n  envoy:\n    image: envoy\n    variables:\n      http_proxy: http://proxy:3128\n"
    ));
    let f = findings(&r, "TD007");
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].subject.as_deref(), Some("envoy"));
    let fix = fix_text(f[0]);
    assert!(
        fix.contains(
            "add `NO_PROXY: 169.254.170.2,169.254.169.254` to `variables` in `sidecars.envoy`"
        ),
        "{fix}"
    );
    // A NO_PROXY imported at deploy time is taken as exempting them, as elsewhere.
    let r = run(&format!(
        "{HEAD}variables:\n  HTTPS_PROXY: http://proxy\n  NO_PROXY:\n    from_cfn: stack-noproxy\n"
    ));
    assert_eq!(status(&r, "TD007"), Status::Pass);
}

#[test]
fn taskdef_overrides_apply_to_the_generated_containers() {
    let r = run(&format!(
        "{HEAD}logging:\n  image: fluent\nsidecars:\n  b:\n    image: b\n  a:\n    image: a\ntaskdef_overrides:\n  - path: ContainerDefinitions[0].LinuxParameters.InitProcessEnabled\n    value: yes\n  - path: ContainerDefinitions[2].ReadonlyRootFilesystem\n    value: true\n  - path: ContainerDefinitions[3].Environment[-]\n    value:\n      Name: AWS_PROFILE\n      Value: x\n  - path: ContainerDefinitions[9].ReadonlyRootFilesystem\n    value: true\n  - path: PidMode\n    value: task\n"
    ));
    // Order: the service, the log router, then the sidecars by name (a, b).
    let td002: Vec<&str> = findings(&r, "TD002")
        .iter()
        .map(|f| f.subject.as_deref().unwrap())
        .collect();
    assert_eq!(td002, ["firelens_log_router", "a", "b"]);
    let td001 = findings(&r, "TD001");
    assert_eq!(td001.len(), 1);
    assert_eq!(
        (td001[0].subject.as_deref(), td001[0].line),
        (Some("a"), 17)
    );
    assert!(
        fix_text(td001[0]).contains("ContainerDefinitions[2].ReadonlyRootFilesystem"),
        "{}",
        fix_text(td001[0])
    );
    let td003 = findings(&r, "TD003");
    assert_eq!(
        (td003[0].subject.as_deref(), td003[0].line),
        (Some("b"), 19)
    );
    assert_eq!(
        status(&r, "TD004"),
        Status::Warning,
        "pidMode task from an override"
    );
}

#[test]
fn exec_forms_platforms_and_types() {
    let exec = |v: &str| {
        status(
            &run(&format!("name: api\ntype: Backend Service\nexec: {v}\n")),
            "SV001",
        )
    };
    assert_eq!(exec("yes"), Status::Pass);
    assert_eq!(exec("{enable: true}"), Status::Pass);
    assert_eq!(exec("off"), Status::Error);
    assert_eq!(exec("${EXEC}"), Status::Unknown);
    let r = run("name: win\ntype: Backend Service\nexec: true\nplatform: windows/x86_64\n");
    let td006 = findings(&r, "TD006");
    assert_eq!(td006[0].line, 4);
    assert!(
        fix_text(td006[0]).contains("copilot svc exec --command \"powershell.exe\""),
        "{}",
        fix_text(td006[0])
    );
    assert_eq!(
        status(&r, "TD002"),
        Status::NotApplicable,
        "no linuxParameters on Windows"
    );
    let r = run(
        "name: w\ntype: Worker Service\nplatform:\n  osfamily: windows_server_2022_full\n  architecture: x86_64\n",
    );
    assert_eq!(findings(&r, "TD006").len(), 1);
}

#[test]
fn a_log_retention_alone_adds_no_log_router() {
    // Seen in a held-out public manifest: `logging.retention` sets the log group's retention;
    // Copilot adds FireLens only for the other `logging` fields.
    let r = run(&format!(
        "{HEAD}environments:\n  prod:\n    logging:\n      retention: 180\n"
    ));
    let td002: Vec<&str> = findings(&r, "TD002")
        .iter()
        .map(|f| f.subject.as_deref().unwrap())
        .collect();
    assert_eq!(td002, ["api"]);
    let r = run(&format!(
        "{HEAD}logging:\n  retention: 30\n  destination:\n    Name: cloudwatch\n"
    ));
    assert_eq!(findings(&r, "TD002").len(), 2);
}
