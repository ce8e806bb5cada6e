//! Harness for the end-to-end tests in `emulator.rs`: starts the AWS emulator
//! (`tests/emulator/moto_shim.py`, moto plus what ECS Exec needs), builds worlds through the
//! real AWS API with the SDK crates the doctor itself uses, and runs the real binary against
//! them with a clean environment.
//!
//! One shim per test (tests run in parallel). Each shim listens on a free loopback port, has
//! its stdout and stderr in files (never an undrained pipe), is killed and reaped on drop,
//! exits by itself when the test process dies (its stdin is a pipe we hold), and has its PID in
//! `target/tmp/emulator-pids/` so that CI can kill leftovers.
//!
//! The emulator comes from `python3 tests/emulator/install.py`, which installs the pinned
//! `tests/emulator/requirements.txt` into `<target dir>/emulator-python`; the shim runs with
//! that directory first on `PYTHONPATH`. Without `python3` and that moto the tests are skipped
//! with a message, unless `CI` is set, in which case they fail.

use std::fs;
use std::future::Future;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_config::BehaviorVersion;
use aws_sdk_ecs::config::Credentials;
use aws_sdk_ecs::error::DisplayErrorContext;
use ecs_exec_doctor_checks::report::{CheckResult, Report, Status};
use ecs_exec_doctor_checks::{CHECKS, Category};
use serde_json::{Value, json};

pub const REGION: &str = "us-east-1";
pub const ACCOUNT: &str = "123456789012";
/// What the shim's STS answers for the plain test credentials: `user/moto`.
pub const CALLER_USER: &str = "moto";

const SHIM: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/emulator/moto_shim.py");
const START_TIMEOUT: Duration = Duration::from_secs(20);
const RUN_TIMEOUT: Duration = Duration::from_secs(60);
const SSMMESSAGES: [&str; 4] = [
    "ssmmessages:CreateControlChannel",
    "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel",
    "ssmmessages:OpenDataChannel",
];

/// Where running shims leave their PID (one file per shim, named by the PID, removed when the
/// shim is stopped). `.ci/run` can kill what is left after a crashed or killed test run.
pub fn pid_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("emulator-pids")
}

// ------------------------------------------------------------------------------ the shim

/// Where `tests/emulator/install.py` puts the emulator: beside the other build outputs.
fn emulator_python() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("CARGO_TARGET_TMPDIR is inside the target directory")
        .join("emulator-python")
}

/// `python3` with the installed emulator ahead of anything else on its path.
fn python3() -> Command {
    let mut command = Command::new("python3");
    let installed = emulator_python();
    if installed.is_dir() {
        let mut paths = vec![installed];
        if let Some(existing) = std::env::var_os("PYTHONPATH") {
            paths.extend(std::env::split_paths(&existing));
        }
        command.env(
            "PYTHONPATH",
            std::env::join_paths(paths).expect("no separator in the path"),
        );
    }
    command
}

/// Whether `python3` can import moto and its server dependencies (checked once).
fn availability() -> &'static Result<(), String> {
    static CHECK: OnceLock<Result<(), String>> = OnceLock::new();
    CHECK.get_or_init(|| {
        let out = python3()
            .args([
                "-c",
                "import moto, flask, flask_cors, werkzeug, websockets; print(moto.__version__)",
            ])
            .stdin(Stdio::null())
            .output();
        let wanted = include_str!("emulator/requirements.txt")
            .lines()
            .find_map(|l| l.trim().strip_prefix("moto=="))
            .expect("requirements.txt pins moto");
        match out {
            Ok(o) if o.status.success() => {
                let found = String::from_utf8_lossy(&o.stdout).trim().to_string();
                if found == wanted {
                    Ok(())
                } else {
                    Err(format!(
                        "python3 has moto {found}, the tests are written against moto {wanted}"
                    ))
                }
            }
            Ok(o) => Err(format!(
                "python3 cannot import moto, flask, werkzeug and websockets ({})",
                String::from_utf8_lossy(&o.stderr)
                    .lines()
                    .last()
                    .unwrap_or("no error output")
            )),
            Err(e) => Err(format!("cannot run python3 ({e})")),
        }
    })
}

/// A running `moto_shim.py`.
pub struct Shim {
    child: Child,
    /// Held open: the shim exits when it closes (see `--exit-on-stdin-eof`).
    _stdin: ChildStdin,
    url: String,
    addr: String,
    pid_file: PathBuf,
    stderr_path: PathBuf,
    _dir: tempfile::TempDir,
}

impl Shim {
    /// Starts a shim. Without python3 and the pinned moto the end-to-end tests fail, saying
    /// how to install it, unless `ECS_EXEC_DOCTOR_SKIP_EMULATOR=1` opts out (then they return
    /// `None` after printing SKIPPED).
    pub fn start() -> Option<Shim> {
        if let Err(why) = availability() {
            let opted_out =
                std::env::var_os("ECS_EXEC_DOCTOR_SKIP_EMULATOR").is_some_and(|v| v == "1");
            if !opted_out {
                panic!(
                    "the AWS emulator is missing: {why}; install it with `python3 tests/emulator/install.py` (or set ECS_EXEC_DOCTOR_SKIP_EMULATOR=1 to skip the end-to-end tests)"
                );
            }
            eprintln!("SKIPPED (ECS_EXEC_DOCTOR_SKIP_EMULATOR=1): {why}");
            return None;
        }
        Some(Shim::spawn())
    }

    fn spawn() -> Shim {
        let dir = tempfile::Builder::new()
            .prefix("ecs-exec-doctor-shim-")
            .tempdir()
            .expect("temp dir");
        let stdout_path = dir.path().join("stdout");
        let stderr_path = dir.path().join("stderr");
        let mut child = python3()
            .arg(SHIM)
            .args(["--host", "127.0.0.1", "--port", "0", "--exit-on-stdin-eof"])
            .env_remove("MOTO_ACCOUNT_ID")
            .stdin(Stdio::piped())
            .stdout(fs::File::create(&stdout_path).expect("shim stdout file"))
            .stderr(fs::File::create(&stderr_path).expect("shim stderr file"))
            .spawn()
            .expect("cannot start python3 tests/emulator/moto_shim.py");
        let stdin = child.stdin.take().expect("piped stdin");
        let pid_file = pid_dir().join(child.id().to_string());
        let _ = fs::create_dir_all(pid_dir());
        let _ = fs::write(&pid_file, format!("{SHIM}\n"));
        let mut shim = Shim {
            child,
            _stdin: stdin,
            url: String::new(),
            addr: String::new(),
            pid_file,
            stderr_path,
            _dir: dir,
        };
        let started = Instant::now();
        loop {
            let out = fs::read_to_string(&stdout_path).unwrap_or_default();
            if let Some(url) = out
                .lines()
                .find_map(|l| l.strip_prefix("ready "))
                .filter(|_| out.contains('\n'))
            {
                shim.url = url.trim().to_string();
                shim.addr = shim
                    .url
                    .strip_prefix("http://")
                    .expect("http URL")
                    .to_string();
                return shim;
            }
            if let Ok(Some(status)) = shim.child.try_wait() {
                panic!(
                    "the emulator exited ({status}) before it was ready; stderr:\n{}",
                    shim.stderr()
                );
            }
            if started.elapsed() > START_TIMEOUT {
                panic!(
                    "the emulator was not ready within {START_TIMEOUT:?}; stderr:\n{}",
                    shim.stderr()
                );
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// What the shim wrote to stderr so far (tracebacks from moto).
    pub fn stderr(&self) -> String {
        fs::read_to_string(&self.stderr_path).unwrap_or_default()
    }

    /// One request to the control API (`/_shim/...`); panics unless it answers 200.
    pub fn control(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let mut stream = TcpStream::connect(&self.addr).expect("connect to the emulator");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("read timeout");
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.addr,
            body.len()
        )
        .expect("write to the emulator");
        let mut response = String::new();
        stream
            .read_to_string(&mut response)
            .expect("read from the emulator");
        let (head, payload) = response
            .split_once("\r\n\r\n")
            .unwrap_or((response.as_str(), ""));
        let status = head.split_whitespace().nth(1).unwrap_or("?");
        assert_eq!(
            status,
            "200",
            "{method} {path} answered {head}\n{payload}\nstderr:\n{}",
            self.stderr()
        );
        serde_json::from_str(payload).unwrap_or(Value::Null)
    }

    /// From now on, these IAM actions are denied (an empty list clears the deny list).
    pub fn deny(&self, actions: &[&str]) {
        self.control("POST", "/_shim/deny", Some(json!({ "actions": actions })));
    }

    /// From now on, `action` is answered `calls` more times, then denied (a listing whose
    /// later pages fail). `deny(&[])` clears it.
    pub fn deny_after(&self, action: &str, calls: u32) {
        self.control(
            "POST",
            "/_shim/deny",
            Some(json!({ "actions": [], "after": { action: calls } })),
        );
    }

    /// Each distinct AWS request is throttled `first` times before it is answered (0: never);
    /// a retry sends the same request, so only a client that retries more often gets through.
    pub fn throttle_first(&self, first: u32) {
        self.control("POST", "/_shim/throttle", Some(json!({ "first": first })));
    }

    /// Every AWS call is answered `seconds` late (0 to 10).
    pub fn set_latency(&self, seconds: f64) {
        self.control(
            "POST",
            "/_shim/latency",
            Some(json!({ "seconds": seconds })),
        );
    }

    /// Every signed AWS operation received since the last reset, in arrival order.
    pub fn calls(&self) -> Vec<String> {
        let v = self.control("GET", "/_shim/calls", None);
        v["calls"]
            .as_array()
            .expect("calls")
            .iter()
            .map(|c| c.as_str().expect("call name").to_string())
            .collect()
    }

    /// The longest run of calls since the last reset that ran one after another (each
    /// started after the previous one finished): the dependent round trips, by action name.
    pub fn longest_chain(&self) -> Vec<String> {
        let v = self.control("GET", "/_shim/calls", None);
        let mut calls: Vec<(f64, f64, String)> = v["timeline"]
            .as_array()
            .expect("timeline")
            .iter()
            .filter_map(|t| {
                Some((
                    t["start"].as_f64()?,
                    t["end"].as_f64()?,
                    t["action"].as_str()?.to_string(),
                ))
            })
            .collect();
        calls.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut best: Vec<Vec<String>> = Vec::new();
        for (i, (start, _, action)) in calls.iter().enumerate() {
            let mut chain = (0..i)
                .filter(|&j| calls[j].1 <= *start)
                .map(|j| best[j].clone())
                .max_by_key(Vec::len)
                .unwrap_or_default();
            chain.push(action.clone());
            best.push(chain);
        }
        best.into_iter().max_by_key(Vec::len).unwrap_or_default()
    }

    pub fn reset_calls(&self) {
        self.control("POST", "/_shim/calls/reset", None);
    }

    /// Overrides the ExecuteCommandAgent of one container (`None` removes `managedAgents`).
    pub fn set_agent(&self, task: &str, container: &str, status: Option<&str>, reason: &str) {
        self.control(
            "POST",
            "/_shim/agent",
            Some(json!({"task": task, "container": container, "lastStatus": status, "reason": reason})),
        );
    }

    /// Overrides the ExecuteCommandAgent of one container for the next `times` DescribeTasks
    /// answers about the task; after that the agent is RUNNING.
    pub fn set_agent_for(&self, task: &str, container: &str, status: &str, times: u32) {
        self.control(
            "POST",
            "/_shim/agent",
            Some(
                json!({"task": task, "container": container, "lastStatus": status, "times": times}),
            ),
        );
    }

    /// Moves a task's start (and its agents' start) to `started_at` (epoch seconds).
    /// Makes the task an ECS Anywhere one: launch type `EXTERNAL`, its container instance a
    /// managed instance (`mi-…`) outside AWS.
    pub fn make_external(&self, task: &str, container_instance: &str, managed_instance: &str) {
        self.control(
            "POST",
            "/_shim/task",
            Some(json!({"task": task, "launchType": "EXTERNAL"})),
        );
        self.control(
            "POST",
            "/_shim/container-instance",
            Some(
                json!({"containerInstance": container_instance, "ec2InstanceId": managed_instance}),
            ),
        );
    }

    pub fn set_task_started(&self, task: &str, started_at: i64) {
        self.control(
            "POST",
            "/_shim/task",
            Some(json!({"task": task, "startedAt": started_at})),
        );
    }
}

impl Drop for Shim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = fs::remove_file(&self.pid_file);
    }
}

// ------------------------------------------------------------------------------ emulator

/// A shim, SDK clients pointed at it, and a runtime to drive them.
pub struct Emulator {
    pub shim: Shim,
    pub aws: Aws,
    runtime: tokio::runtime::Runtime,
    home: tempfile::TempDir,
}

impl Emulator {
    pub fn start() -> Option<Emulator> {
        let shim = Shim::start()?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("tokio runtime");
        let aws = runtime.block_on(Aws::connect(shim.url(), test_credentials()));
        let home = tempfile::Builder::new()
            .prefix("ecs-exec-doctor-home-")
            .tempdir()
            .expect("temp home");
        fs::write(home.path().join("config"), "").expect("empty config");
        fs::write(home.path().join("credentials"), "").expect("empty credentials");
        Some(Emulator {
            shim,
            aws,
            runtime,
            home,
        })
    }

    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    /// Builds a world (see [`Spec`]).
    pub fn world(&self, spec: Spec) -> World {
        self.block_on(build_world(self, spec))
    }

    pub fn home(&self) -> &Path {
        self.home.path()
    }

    /// Adds to `world`'s cluster a Fargate service `name` with exec enabled, its own task role
    /// (with or without the ssmmessages actions) and `tasks` settled tasks on the world's
    /// network; returns the task ARNs.
    pub fn add_service(
        &self,
        world: &World,
        name: &str,
        tasks: usize,
        ssmmessages: bool,
    ) -> Vec<String> {
        self.block_on(add_service(self, world, name, tasks, ssmmessages))
    }

    /// `update-service --enable-execute-command --force-new-deployment` on the world's
    /// service, then `tasks` settled exec-enabled tasks started by the new deployment (the old
    /// tasks stay, as mid-rollout); returns the new deployment's id and its task ARNs.
    pub fn redeploy_with_exec(&self, world: &World, tasks: usize) -> (String, Vec<String>) {
        self.block_on(redeploy_with_exec(self, world, tasks))
    }

    /// The doctor with a clean AWS environment: no credentials, no region, no endpoint.
    pub fn bare_doctor(&self) -> Doctor {
        Doctor::new(self.home.path())
    }

    /// The doctor against the emulator with `world`'s caller credentials, `--endpoint-url`
    /// and `--region`.
    pub fn doctor(&self, world: &World) -> Doctor {
        self.bare_doctor()
            .credentials(&world.credentials)
            .trailing(&["--endpoint-url", self.shim.url(), "--region", REGION])
    }

    /// `check CLUSTER TASK --format json` for the world's first task, without the local
    /// tool checks (their outcome depends on this machine).
    pub fn diagnose(&self, world: &World) -> Run {
        self.doctor(world)
            .args(["check", &world.cluster, &world.tasks[0], "--format", "json"])
            .args(["--ignore", &local_codes().join(",")])
            .run()
    }
}

pub fn test_credentials() -> Credentials {
    Credentials::new("testing", "testing", None, None, "emulator-tests")
}

/// SDK clients for seeding worlds.
pub struct Aws {
    pub ecs: aws_sdk_ecs::Client,
    pub iam: aws_sdk_iam::Client,
    pub ec2: aws_sdk_ec2::Client,
    pub kms: aws_sdk_kms::Client,
    pub sts: aws_sdk_sts::Client,
    pub logs: aws_sdk_cloudwatchlogs::Client,
    pub s3: aws_sdk_s3::Client,
    pub organizations: aws_sdk_organizations::Client,
}

impl Aws {
    pub async fn connect(url: &str, credentials: Credentials) -> Aws {
        let config = aws_config::defaults(BehaviorVersion::latest())
            .empty_test_environment()
            .region(aws_config::Region::new(REGION))
            .endpoint_url(url)
            .credentials_provider(credentials)
            .retry_config(aws_config::retry::RetryConfig::disabled())
            .load()
            .await;
        Aws {
            ecs: aws_sdk_ecs::Client::new(&config),
            iam: aws_sdk_iam::Client::new(&config),
            ec2: aws_sdk_ec2::Client::new(&config),
            kms: aws_sdk_kms::Client::new(&config),
            sts: aws_sdk_sts::Client::new(&config),
            logs: aws_sdk_cloudwatchlogs::Client::new(&config),
            organizations: aws_sdk_organizations::Client::new(&config),
            s3: aws_sdk_s3::Client::from_conf(
                aws_sdk_s3::config::Builder::from(&config)
                    .force_path_style(true)
                    .build(),
            ),
        }
    }
}

/// `Result::expect` with the SDK's full error context.
pub trait OrDie<T> {
    fn or_die(self, what: &str) -> T;
}

impl<T, E: std::error::Error + 'static> OrDie<T> for Result<T, E> {
    fn or_die(self, what: &str) -> T {
        match self {
            Ok(v) => v,
            Err(e) => panic!("{what}: {}", DisplayErrorContext(&e)),
        }
    }
}

// ------------------------------------------------------------------------------ the binary

/// The credentials the doctor runs with.
#[derive(Debug, Clone)]
pub struct CallerCredentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
}

impl Default for CallerCredentials {
    fn default() -> Self {
        Self {
            access_key_id: "testing".into(),
            secret_access_key: "testing".into(),
            session_token: None,
        }
    }
}

/// `ecs-exec-doctor` with `env_clear()`, a temporary HOME and empty AWS config files, IMDS
/// off and one attempt per call.
pub struct Doctor {
    cmd: assert_cmd::Command,
    /// Appended after every other argument (options of the `check` subcommand).
    trailing: Vec<String>,
}

impl Doctor {
    pub fn new(home: &Path) -> Doctor {
        let mut cmd = assert_cmd::Command::cargo_bin("ecs-exec-doctor").expect("binary");
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", home)
            .env("AWS_CONFIG_FILE", home.join("config"))
            .env("AWS_SHARED_CREDENTIALS_FILE", home.join("credentials"))
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_MAX_ATTEMPTS", "1")
            .timeout(RUN_TIMEOUT);
        Doctor {
            cmd,
            trailing: Vec::new(),
        }
    }

    /// Arguments to put last, after the subcommand and its other arguments.
    pub fn trailing(mut self, args: &[&str]) -> Doctor {
        self.trailing.extend(args.iter().map(|a| a.to_string()));
        self
    }

    pub fn credentials(mut self, c: &CallerCredentials) -> Doctor {
        self.cmd
            .env("AWS_ACCESS_KEY_ID", &c.access_key_id)
            .env("AWS_SECRET_ACCESS_KEY", &c.secret_access_key);
        if let Some(token) = &c.session_token {
            self.cmd.env("AWS_SESSION_TOKEN", token);
        }
        self
    }

    /// Without `key` in the environment (the harness sets AWS_MAX_ATTEMPTS=1 by default).
    pub fn env_remove(mut self, key: &str) -> Doctor {
        self.cmd.env_remove(key);
        self
    }

    pub fn env(mut self, key: &str, value: impl AsRef<std::ffi::OsStr>) -> Doctor {
        self.cmd.env(key, value);
        self
    }

    pub fn args<I, S>(mut self, args: I) -> Doctor
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        self.cmd.args(args);
        self
    }

    /// Starts the doctor without waiting (to interrupt it); stdout and stderr are piped.
    pub fn spawn(mut self) -> std::process::Child {
        self.cmd.args(&self.trailing);
        // The same program, arguments and (cleared, then set) environment, unwaited.
        let mut std = std::process::Command::new(self.cmd.get_program());
        std.args(self.cmd.get_args()).env_clear();
        for (key, value) in self.cmd.get_envs() {
            if let Some(value) = value {
                std.env(key, value);
            }
        }
        std.stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("start ecs-exec-doctor")
    }

    pub fn run(mut self) -> Run {
        let out = self
            .cmd
            .args(&self.trailing)
            .output()
            .expect("run ecs-exec-doctor");
        Run {
            code: out.status.code(),
            stdout: String::from_utf8(out.stdout).expect("UTF-8 stdout"),
            stderr: String::from_utf8(out.stderr).expect("UTF-8 stderr"),
        }
    }
}

/// What one run of the doctor produced.
#[derive(Debug, Clone)]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// The JSON report; panics with the run's output when it is not one.
    pub fn report(&self) -> Report {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "not a JSON report ({e}); exit {:?}\nstdout:\n{}\nstderr:\n{}",
                self.code, self.stdout, self.stderr
            )
        })
    }

    pub fn assert_code(&self, code: i32) -> &Run {
        assert_eq!(
            self.code,
            Some(code),
            "exit code\nstdout:\n{}\nstderr:\n{}",
            self.stdout,
            self.stderr
        );
        self
    }
}

/// The codes of the local tool checks (machine-dependent outcomes).
pub fn local_codes() -> Vec<&'static str> {
    CHECKS
        .iter()
        .filter(|c| c.meta.category == Category::Local)
        .map(|c| c.meta.code)
        .collect()
}

/// The only result with this code (single-task reports).
pub fn result<'a>(report: &'a Report, code: &str) -> &'a CheckResult {
    let found: Vec<&CheckResult> = report.results.iter().filter(|r| r.code == code).collect();
    assert_eq!(
        found.len(),
        1,
        "expected one {code} result in {}",
        summary(report)
    );
    found[0]
}

pub fn status(report: &Report, code: &str) -> Status {
    result(report, code).status
}

/// Asserts the status of `code`, printing every result when it differs.
#[track_caller]
pub fn assert_status(report: &Report, code: &str, expected: Status) {
    let r = result(report, code);
    assert_eq!(
        r.status,
        expected,
        "{code}: {}\nall results:\n{}",
        r.message,
        summary(report)
    );
}

/// One line per result, for assertion messages.
pub fn summary(report: &Report) -> String {
    report
        .results
        .iter()
        .map(|r| {
            format!(
                "  {}{} {:?}: {}{}",
                r.code,
                r.task
                    .as_deref()
                    .map(|t| format!("[{t}]"))
                    .unwrap_or_default(),
                r.status,
                r.message,
                r.missing_action
                    .as_deref()
                    .map(|a| format!(" (missing {a})"))
                    .unwrap_or_default()
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Everything a result says (message, evidence, findings with their fixes), as JSON text.
pub fn full_text(r: &CheckResult) -> String {
    serde_json::to_string(r).expect("results serialise")
}

/// The commands of the fixes of a result's findings.
pub fn fix_commands(r: &CheckResult) -> Vec<String> {
    let v = serde_json::to_value(r).expect("results serialise");
    v["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|f| f["fix"]["steps"].as_array().cloned().unwrap_or_default())
        .filter_map(|s| s["command"].as_str().map(str::to_string))
        .collect()
}

pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs() as i64
}

// ------------------------------------------------------------------------------ worlds

/// How the doctor's caller is set up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caller {
    /// The plain test credentials (STS says `user/moto`).
    User,
    /// Credentials from `sts:AssumeRole` of role `/ops/<cluster>-doctor` (a path, so the
    /// doctor must read it with `iam:GetRole`).
    AssumedRole,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Net {
    /// An ssmmessages interface endpoint with private DNS (and a kms one when the cluster
    /// has a key), no default route.
    Endpoints,
    /// No endpoint; the main route table has `0.0.0.0/0` to an internet gateway.
    InternetGateway,
    /// No endpoint, no default route.
    Isolated,
    /// No endpoint; the main route table has `0.0.0.0/0` to a NAT gateway in a public subnet.
    NatGateway,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kms {
    None,
    Enabled,
    Disabled,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Launch {
    Fargate,
    /// One EC2 instance registered as a container instance with this agent version; with
    /// `instance_role`, the instance has an instance profile whose role allows the
    /// ssmmessages actions.
    Ec2 {
        agent_version: String,
        instance_role: bool,
    },
}

#[derive(Debug, Clone)]
pub struct TaskRole {
    pub ssmmessages: bool,
    pub kms_decrypt: bool,
}

#[derive(Debug, Clone)]
pub struct Container {
    pub name: String,
    pub readonly_root: bool,
    pub init_process: bool,
    pub environment: Vec<(String, String)>,
}

impl Container {
    pub fn new(name: &str) -> Container {
        Container {
            name: name.into(),
            readonly_root: false,
            init_process: true,
            environment: vec![],
        }
    }
}

#[derive(Debug, Clone)]
pub struct Service {
    pub name: String,
    /// `enableExecuteCommand` on the service (set with UpdateService).
    pub exec_enabled: bool,
    /// `deploymentController.type` (`CODE_DEPLOY`, `EXTERNAL`); `None`: ECS's default.
    pub deployment_controller: Option<&'static str>,
}

/// A world to build: a healthy Fargate task unless told otherwise.
#[derive(Debug, Clone)]
pub struct Spec {
    /// Every resource name derives from it, so several worlds can share one emulator.
    pub cluster: String,
    pub launch: Launch,
    pub caller: Caller,
    /// What the caller may do (on `*`).
    pub caller_actions: Vec<String>,
    /// `None`: no task role.
    pub task_role: Option<TaskRole>,
    pub net: Net,
    pub kms: Kms,
    pub containers: Vec<Container>,
    pub service: Option<Service>,
    /// RunTask `enableExecuteCommand`.
    pub exec_enabled: bool,
    pub tasks: usize,
    /// Started an hour ago (the exec agent has settled).
    pub settled: bool,
    /// The tasks' security group allows HTTPS out only through a managed prefix list (its
    /// default all-traffic egress rule revoked).
    pub egress_via_prefix_list: bool,
    /// `logging=OVERRIDE` to a CloudWatch log group and an S3 bucket, both encrypted and with
    /// encryption required; the roles may write to them.
    pub session_logs: bool,
    /// The task definition's network mode: `awsvpc`, or on EC2 `bridge` or `host` (the
    /// task's traffic then leaves through the container instance's interface).
    pub network_mode: &'static str,
    /// The VPC's `enableDnsSupport` (off: nothing in the VPC resolves names).
    pub dns_support: bool,
    /// With `Net::NatGateway`: the NAT gateway's public subnet has its own route table with
    /// 0.0.0.0/0 to an internet gateway. Without, it uses the main table, whose default
    /// route goes back to the NAT gateway: the NAT cannot reach the internet.
    pub nat_subnet_to_igw: bool,
    /// With `Net::NatGateway`: the NAT gateway's subnet gets a "web tier" network ACL that
    /// allows TCP 443 in and out and nothing else (no ephemeral return traffic).
    pub nat_subnet_web_tier_acl: bool,
    /// A DHCP option set with these DNS servers (for example a corporate resolver), instead
    /// of the Amazon-provided DNS.
    pub dns_servers: Option<Vec<&'static str>>,
    /// With `Net::NatGateway`: an ssmmessages interface endpoint too (and only that one), so
    /// that the agent reaches Session Manager privately and everything else (KMS) through
    /// the NAT gateway.
    pub ssmmessages_endpoint: bool,
}

impl Spec {
    pub fn healthy(cluster: &str) -> Spec {
        Spec {
            cluster: cluster.into(),
            launch: Launch::Fargate,
            caller: Caller::User,
            caller_actions: vec!["ecs:ExecuteCommand".into()],
            task_role: Some(TaskRole {
                ssmmessages: true,
                kms_decrypt: true,
            }),
            net: Net::Endpoints,
            kms: Kms::None,
            containers: vec![Container::new("web")],
            service: None,
            exec_enabled: true,
            tasks: 1,
            settled: true,
            egress_via_prefix_list: false,
            session_logs: false,
            network_mode: "awsvpc",
            dns_support: true,
            nat_subnet_to_igw: true,
            nat_subnet_web_tier_acl: false,
            dns_servers: None,
            ssmmessages_endpoint: false,
        }
    }

    /// Healthy, with everything the doctor can fetch in play: an assumed-role caller (with a
    /// path), an exec KMS key both sides may use, kms and ssmmessages endpoints, and a
    /// service with exec enabled that started the task.
    pub fn rich(cluster: &str) -> Spec {
        Spec {
            // As in a default VPC: an option set naming the Amazon-provided DNS.
            dns_servers: Some(vec!["AmazonProvidedDNS"]),
            caller: Caller::AssumedRole,
            caller_actions: vec!["ecs:ExecuteCommand".into(), "kms:GenerateDataKey".into()],
            kms: Kms::Enabled,
            service: Some(Service {
                name: format!("{cluster}-web"),
                exec_enabled: true,
                deployment_controller: None,
            }),
            ..Spec::healthy(cluster)
        }
    }
}

/// What was built.
#[derive(Debug, Clone)]
pub struct World {
    pub cluster: String,
    pub cluster_arn: String,
    /// Task ARNs.
    pub tasks: Vec<String>,
    pub task_definition_arn: String,
    pub task_role_name: Option<String>,
    pub instance_role_name: Option<String>,
    pub caller_arn: String,
    pub credentials: CallerCredentials,
    pub vpc: String,
    pub subnet: String,
    /// The tasks' security group.
    pub security_group: String,
    pub kms_key_arn: Option<String>,
    pub container_instance_arn: Option<String>,
    pub service: Option<String>,
}

fn policy(statements: Vec<Value>) -> String {
    json!({"Version": "2012-10-17", "Statement": statements}).to_string()
}

fn trust(service: &str) -> String {
    policy(vec![json!({
        "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": "sts:AssumeRole"
    })])
}

/// Role `name` trusted by `service`, with one inline policy of `statements`; its ARN.
async fn create_role(
    aws: &Aws,
    name: &str,
    service: &str,
    policy_name: &str,
    statements: Vec<Value>,
) -> String {
    let arn = aws
        .iam
        .create_role()
        .role_name(name)
        .assume_role_policy_document(trust(service))
        .send()
        .await
        .or_die(&format!("CreateRole {name}"))
        .role()
        .expect("role")
        .arn()
        .to_string();
    aws.iam
        .put_role_policy()
        .role_name(name)
        .policy_name(policy_name)
        .policy_document(policy(statements))
        .send()
        .await
        .or_die(&format!("PutRolePolicy {name}"));
    arn
}

/// A new internet gateway, attached to `vpc`.
async fn attached_internet_gateway(aws: &Aws, vpc: &str) -> String {
    let igw = aws
        .ec2
        .create_internet_gateway()
        .send()
        .await
        .or_die("CreateInternetGateway")
        .internet_gateway()
        .and_then(|g| g.internet_gateway_id())
        .expect("igw id")
        .to_string();
    aws.ec2
        .attach_internet_gateway()
        .internet_gateway_id(&igw)
        .vpc_id(vpc)
        .send()
        .await
        .or_die("AttachInternetGateway");
    igw
}

/// Gives `subnet` a new network ACL that allows TCP 443 in and out, and denies the rest.
async fn web_tier_acl(aws: &Aws, vpc: &str, subnet: &str) {
    use aws_sdk_ec2::types::{Filter, PortRange, RuleAction};
    let acl = aws
        .ec2
        .create_network_acl()
        .vpc_id(vpc)
        .send()
        .await
        .or_die("CreateNetworkAcl")
        .network_acl()
        .and_then(|a| a.network_acl_id())
        .expect("acl id")
        .to_string();
    for egress in [false, true] {
        aws.ec2
            .create_network_acl_entry()
            .network_acl_id(&acl)
            .rule_number(100)
            .protocol("6")
            .rule_action(RuleAction::Allow)
            .egress(egress)
            .cidr_block("0.0.0.0/0")
            .port_range(PortRange::builder().from(443).to(443).build())
            .send()
            .await
            .or_die("CreateNetworkAclEntry");
    }
    let current = aws
        .ec2
        .describe_network_acls()
        .filters(
            Filter::builder()
                .name("association.subnet-id")
                .values(subnet)
                .build(),
        )
        .send()
        .await
        .or_die("DescribeNetworkAcls");
    let association = current
        .network_acls()
        .iter()
        .flat_map(|a| a.associations())
        .find(|a| a.subnet_id() == Some(subnet))
        .and_then(|a| a.network_acl_association_id())
        .expect("the subnet's ACL association")
        .to_string();
    aws.ec2
        .replace_network_acl_association()
        .association_id(association)
        .network_acl_id(acl)
        .send()
        .await
        .or_die("ReplaceNetworkAclAssociation");
}

async fn build_world(emu: &Emulator, spec: Spec) -> World {
    use aws_sdk_ec2::types::{
        AttributeBooleanValue, Filter, IamInstanceProfileSpecification, VpcEndpointType,
    };
    use aws_sdk_ecs::types::{
        AwsVpcConfiguration, ClusterConfiguration, Compatibility, ContainerDefinition,
        ExecuteCommandConfiguration, ExecuteCommandLogging, KeyValuePair, LaunchType,
        LinuxParameters, LogConfiguration, LogDriver, NetworkConfiguration, NetworkMode,
        VersionInfo,
    };
    let aws = &emu.aws;
    let name = spec.cluster.as_str();

    // Network.
    let vpc = aws
        .ec2
        .create_vpc()
        .cidr_block("10.0.0.0/16")
        .send()
        .await
        .or_die("CreateVpc")
        .vpc()
        .and_then(|v| v.vpc_id())
        .expect("vpc id")
        .to_string();
    aws.ec2
        .modify_vpc_attribute()
        .vpc_id(&vpc)
        .enable_dns_hostnames(AttributeBooleanValue::builder().value(true).build())
        .send()
        .await
        .or_die("ModifyVpcAttribute");
    if let Some(servers) = &spec.dns_servers {
        use aws_sdk_ec2::types::NewDhcpConfiguration;
        let options = aws
            .ec2
            .create_dhcp_options()
            .dhcp_configurations(
                NewDhcpConfiguration::builder()
                    .key("domain-name-servers")
                    .set_values(Some(servers.iter().map(|s| s.to_string()).collect()))
                    .build(),
            )
            .send()
            .await
            .or_die("CreateDhcpOptions")
            .dhcp_options()
            .and_then(|o| o.dhcp_options_id())
            .expect("dhcp options id")
            .to_string();
        aws.ec2
            .associate_dhcp_options()
            .dhcp_options_id(options)
            .vpc_id(&vpc)
            .send()
            .await
            .or_die("AssociateDhcpOptions");
    }
    if !spec.dns_support {
        aws.ec2
            .modify_vpc_attribute()
            .vpc_id(&vpc)
            .enable_dns_support(AttributeBooleanValue::builder().value(false).build())
            .send()
            .await
            .or_die("ModifyVpcAttribute (DNS support)");
    }
    let subnet = aws
        .ec2
        .create_subnet()
        .vpc_id(&vpc)
        .cidr_block("10.0.1.0/24")
        .send()
        .await
        .or_die("CreateSubnet")
        .subnet()
        .and_then(|s| s.subnet_id())
        .expect("subnet id")
        .to_string();
    let sg = aws
        .ec2
        .create_security_group()
        .group_name(format!("{name}-tasks"))
        .description("tasks")
        .vpc_id(&vpc)
        .send()
        .await
        .or_die("CreateSecurityGroup")
        .group_id()
        .expect("group id")
        .to_string();
    // The endpoints share the tasks' group: it must admit HTTPS from its own members.
    aws.ec2
        .authorize_security_group_ingress()
        .group_id(&sg)
        .ip_permissions(
            aws_sdk_ec2::types::IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(443)
                .to_port(443)
                .user_id_group_pairs(
                    aws_sdk_ec2::types::UserIdGroupPair::builder()
                        .group_id(&sg)
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .or_die("AuthorizeSecurityGroupIngress");
    if spec.egress_via_prefix_list {
        let list = aws
            .ec2
            .create_managed_prefix_list()
            .prefix_list_name(format!("{name}-https"))
            .address_family("IPv4")
            .max_entries(5)
            .entries(
                aws_sdk_ec2::types::AddPrefixListEntry::builder()
                    .cidr("0.0.0.0/0")
                    .build(),
            )
            .send()
            .await
            .or_die("CreateManagedPrefixList")
            .prefix_list()
            .and_then(|p| p.prefix_list_id())
            .expect("prefix list id")
            .to_string();
        aws.ec2
            .revoke_security_group_egress()
            .group_id(&sg)
            .ip_permissions(
                aws_sdk_ec2::types::IpPermission::builder()
                    .ip_protocol("-1")
                    .ip_ranges(
                        aws_sdk_ec2::types::IpRange::builder()
                            .cidr_ip("0.0.0.0/0")
                            .build(),
                    )
                    .build(),
            )
            .send()
            .await
            .or_die("RevokeSecurityGroupEgress");
        aws.ec2
            .authorize_security_group_egress()
            .group_id(&sg)
            .ip_permissions(
                aws_sdk_ec2::types::IpPermission::builder()
                    .ip_protocol("tcp")
                    .from_port(443)
                    .to_port(443)
                    .prefix_list_ids(
                        aws_sdk_ec2::types::PrefixListId::builder()
                            .prefix_list_id(list)
                            .build(),
                    )
                    .build(),
            )
            .send()
            .await
            .or_die("AuthorizeSecurityGroupEgress");
    }
    let mut endpoint_services = Vec::new();
    match spec.net {
        Net::Endpoints => {
            endpoint_services.push("ssmmessages");
            if spec.kms != Kms::None {
                endpoint_services.push("kms");
            }
            if spec.session_logs {
                endpoint_services.push("logs");
            }
        }
        Net::NatGateway => {
            if spec.ssmmessages_endpoint {
                endpoint_services.push("ssmmessages");
            }
            let public = aws
                .ec2
                .create_subnet()
                .vpc_id(&vpc)
                .cidr_block("10.0.0.0/24")
                .send()
                .await
                .or_die("CreateSubnet (public)")
                .subnet()
                .and_then(|s| s.subnet_id())
                .expect("subnet id")
                .to_string();
            let eip = aws
                .ec2
                .allocate_address()
                .send()
                .await
                .or_die("AllocateAddress")
                .allocation_id()
                .expect("allocation id")
                .to_string();
            if spec.nat_subnet_to_igw {
                let igw = attached_internet_gateway(aws, &vpc).await;
                let table = aws
                    .ec2
                    .create_route_table()
                    .vpc_id(&vpc)
                    .send()
                    .await
                    .or_die("CreateRouteTable (public)")
                    .route_table()
                    .and_then(|t| t.route_table_id())
                    .expect("route table id")
                    .to_string();
                aws.ec2
                    .create_route()
                    .route_table_id(&table)
                    .destination_cidr_block("0.0.0.0/0")
                    .gateway_id(igw)
                    .send()
                    .await
                    .or_die("CreateRoute (public)");
                aws.ec2
                    .associate_route_table()
                    .route_table_id(table)
                    .subnet_id(&public)
                    .send()
                    .await
                    .or_die("AssociateRouteTable (public)");
            }
            if spec.nat_subnet_web_tier_acl {
                web_tier_acl(aws, &vpc, &public).await;
            }
            let nat = aws
                .ec2
                .create_nat_gateway()
                .subnet_id(public)
                .allocation_id(eip)
                .send()
                .await
                .or_die("CreateNatGateway")
                .nat_gateway()
                .and_then(|n| n.nat_gateway_id())
                .expect("nat id")
                .to_string();
            let tables = aws
                .ec2
                .describe_route_tables()
                .filters(Filter::builder().name("vpc-id").values(&vpc).build())
                .send()
                .await
                .or_die("DescribeRouteTables");
            let main = tables
                .route_tables()
                .iter()
                .find(|t| t.associations().iter().any(|a| a.main() == Some(true)))
                .and_then(|t| t.route_table_id())
                .expect("the VPC's main route table")
                .to_string();
            aws.ec2
                .create_route()
                .route_table_id(main)
                .destination_cidr_block("0.0.0.0/0")
                .nat_gateway_id(nat)
                .send()
                .await
                .or_die("CreateRoute (NAT)");
        }
        Net::InternetGateway => {
            let igw = attached_internet_gateway(aws, &vpc).await;
            let tables = aws
                .ec2
                .describe_route_tables()
                .filters(Filter::builder().name("vpc-id").values(&vpc).build())
                .send()
                .await
                .or_die("DescribeRouteTables");
            let main = tables
                .route_tables()
                .iter()
                .find(|t| t.associations().iter().any(|a| a.main() == Some(true)))
                .and_then(|t| t.route_table_id())
                .expect("the VPC's main route table")
                .to_string();
            aws.ec2
                .create_route()
                .route_table_id(main)
                .destination_cidr_block("0.0.0.0/0")
                .gateway_id(igw)
                .send()
                .await
                .or_die("CreateRoute");
        }
        Net::Isolated => {}
    }
    if spec.session_logs && spec.net == Net::Endpoints {
        // S3 through a gateway endpoint on the main route table, as private subnets do.
        let tables = aws
            .ec2
            .describe_route_tables()
            .filters(Filter::builder().name("vpc-id").values(&vpc).build())
            .send()
            .await
            .or_die("DescribeRouteTables");
        let main = tables
            .route_tables()
            .iter()
            .find(|t| t.associations().iter().any(|a| a.main() == Some(true)))
            .and_then(|t| t.route_table_id())
            .expect("the VPC's main route table")
            .to_string();
        aws.ec2
            .create_vpc_endpoint()
            .vpc_id(&vpc)
            .service_name(format!("com.amazonaws.{REGION}.s3"))
            .vpc_endpoint_type(VpcEndpointType::Gateway)
            .route_table_ids(main)
            .send()
            .await
            .or_die("CreateVpcEndpoint (s3)");
    }
    for service in endpoint_services {
        aws.ec2
            .create_vpc_endpoint()
            .vpc_id(&vpc)
            .service_name(format!("com.amazonaws.{REGION}.{service}"))
            .vpc_endpoint_type(VpcEndpointType::Interface)
            .subnet_ids(&subnet)
            .security_group_ids(&sg)
            .private_dns_enabled(true)
            .send()
            .await
            .or_die("CreateVpcEndpoint");
    }

    // The exec KMS key.
    let kms_key_arn = if spec.kms == Kms::None {
        None
    } else {
        let key = aws.kms.create_key().send().await.or_die("CreateKey");
        let meta = key.key_metadata().expect("key metadata");
        if spec.kms == Kms::Disabled {
            aws.kms
                .disable_key()
                .key_id(meta.key_id())
                .send()
                .await
                .or_die("DisableKey");
        }
        Some(meta.arn().expect("key ARN").to_string())
    };

    // The caller.
    let mut caller_statements = vec![json!({
        "Effect": "Allow",
        "Action": spec.caller_actions,
        "Resource": "*"
    })];
    if spec.caller == Caller::AssumedRole {
        caller_statements
            .push(json!({"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}));
    }
    let (caller_arn, credentials) = match spec.caller {
        Caller::User => {
            // Several worlds may share the emulator: the user may exist already.
            let _ = aws.iam.create_user().user_name(CALLER_USER).send().await;
            aws.iam
                .put_user_policy()
                .user_name(CALLER_USER)
                .policy_name(format!("{name}-exec"))
                .policy_document(policy(caller_statements))
                .send()
                .await
                .or_die("PutUserPolicy");
            (
                format!("arn:aws:iam::{ACCOUNT}:user/{CALLER_USER}"),
                CallerCredentials::default(),
            )
        }
        Caller::AssumedRole => {
            let role = format!("{name}-doctor");
            let arn = aws
                .iam
                .create_role()
                .role_name(&role)
                .path("/ops/")
                .assume_role_policy_document(policy(vec![json!({
                    "Effect": "Allow",
                    "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:root")},
                    "Action": "sts:AssumeRole"
                })]))
                .send()
                .await
                .or_die("CreateRole (caller)")
                .role()
                .expect("role")
                .arn()
                .to_string();
            aws.iam
                .put_role_policy()
                .role_name(&role)
                .policy_name("exec")
                .policy_document(policy(caller_statements))
                .send()
                .await
                .or_die("PutRolePolicy (caller)");
            let out = aws
                .sts
                .assume_role()
                .role_arn(&arn)
                .role_session_name("doctor")
                .send()
                .await
                .or_die("AssumeRole");
            let c = out.credentials().expect("credentials");
            (
                arn,
                CallerCredentials {
                    access_key_id: c.access_key_id().to_string(),
                    secret_access_key: c.secret_access_key().to_string(),
                    session_token: Some(c.session_token().to_string()),
                },
            )
        }
    };

    // The task role.
    let mut task_role_name = None;
    let mut task_role_arn = None;
    if let Some(role) = &spec.task_role {
        let role_name = format!("{name}-task");
        let mut statements =
            vec![json!({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"})];
        if role.ssmmessages {
            statements.push(json!({"Effect": "Allow", "Action": SSMMESSAGES, "Resource": "*"}));
        }
        if let (true, Some(key)) = (role.kms_decrypt, &kms_key_arn) {
            statements.push(json!({"Effect": "Allow", "Action": "kms:Decrypt", "Resource": key}));
        }
        if spec.session_logs {
            statements.push(json!({
                "Effect": "Allow",
                "Action": [
                    "logs:DescribeLogGroups", "logs:CreateLogStream", "logs:DescribeLogStreams",
                    "logs:PutLogEvents", "s3:GetBucketLocation", "s3:GetEncryptionConfiguration",
                    "s3:PutObject"
                ],
                "Resource": "*"
            }));
        }
        let arn = create_role(
            aws,
            &role_name,
            "ecs-tasks.amazonaws.com",
            "app",
            statements,
        )
        .await;
        task_role_name = Some(role_name);
        task_role_arn = Some(arn);
    }

    // The cluster.
    let mut exec = ExecuteCommandConfiguration::builder().logging(ExecuteCommandLogging::Default);
    if let Some(key) = &kms_key_arn {
        exec = exec.kms_key_id(key);
    }
    if spec.session_logs {
        let group = format!("/ecs/exec/{name}");
        let bucket = format!("{name}-exec-logs");
        let mut create = aws.logs.create_log_group().log_group_name(&group);
        if let Some(key) = &kms_key_arn {
            create = create.kms_key_id(key);
        }
        create.send().await.or_die("CreateLogGroup");
        aws.s3
            .create_bucket()
            .bucket(&bucket)
            .send()
            .await
            .or_die("CreateBucket");
        aws.s3
            .put_bucket_encryption()
            .bucket(&bucket)
            .server_side_encryption_configuration(
                aws_sdk_s3::types::ServerSideEncryptionConfiguration::builder()
                    .rules(
                        aws_sdk_s3::types::ServerSideEncryptionRule::builder()
                            .apply_server_side_encryption_by_default(
                                aws_sdk_s3::types::ServerSideEncryptionByDefault::builder()
                                    .sse_algorithm(aws_sdk_s3::types::ServerSideEncryption::Aes256)
                                    .build()
                                    .expect("encryption default"),
                            )
                            .build(),
                    )
                    .build()
                    .expect("encryption configuration"),
            )
            .send()
            .await
            .or_die("PutBucketEncryption");
        exec = exec
            .logging(ExecuteCommandLogging::Override)
            .log_configuration(
                aws_sdk_ecs::types::ExecuteCommandLogConfiguration::builder()
                    .cloud_watch_log_group_name(&group)
                    .cloud_watch_encryption_enabled(kms_key_arn.is_some())
                    .s3_bucket_name(&bucket)
                    .s3_encryption_enabled(true)
                    .build(),
            );
    }
    let cluster_arn = aws
        .ecs
        .create_cluster()
        .cluster_name(name)
        .configuration(
            ClusterConfiguration::builder()
                .execute_command_configuration(exec.build())
                .build(),
        )
        .send()
        .await
        .or_die("CreateCluster")
        .cluster()
        .and_then(|c| c.cluster_arn())
        .expect("cluster ARN")
        .to_string();

    // EC2 capacity.
    let mut container_instance_arn = None;
    let mut instance_role_name = None;
    if let Launch::Ec2 {
        agent_version,
        instance_role,
    } = &spec.launch
    {
        let mut run = aws
            .ec2
            .run_instances()
            // Amazon Linux in moto's AMI catalog (the AMI sets `ecs.os-type`).
            .image_id("ami-760aaa0f")
            .min_count(1)
            .max_count(1)
            .subnet_id(&subnet)
            .security_group_ids(&sg);
        if *instance_role {
            let role = format!("{name}-instance");
            let statements = vec![
                json!({"Effect": "Allow", "Action": SSMMESSAGES, "Resource": "*"}),
                json!({"Effect": "Allow", "Action": ["logs:*", "s3:*", "kms:Decrypt"], "Resource": "*"}),
            ];
            create_role(aws, &role, "ec2.amazonaws.com", "exec", statements).await;
            aws.iam
                .create_instance_profile()
                .instance_profile_name(&role)
                .send()
                .await
                .or_die("CreateInstanceProfile");
            aws.iam
                .add_role_to_instance_profile()
                .instance_profile_name(&role)
                .role_name(&role)
                .send()
                .await
                .or_die("AddRoleToInstanceProfile");
            run = run.iam_instance_profile(
                IamInstanceProfileSpecification::builder()
                    .name(&role)
                    .build(),
            );
            instance_role_name = Some(role);
        }
        let instance = run
            .send()
            .await
            .or_die("RunInstances")
            .instances()
            .first()
            .and_then(|i| i.instance_id())
            .expect("instance id")
            .to_string();
        let registered = aws
            .ecs
            .register_container_instance()
            .cluster(name)
            .instance_identity_document(json!({ "instanceId": instance }).to_string())
            .version_info(
                VersionInfo::builder()
                    .agent_version(agent_version)
                    .agent_hash("0123abc")
                    .docker_version("20.10.25")
                    .build(),
            )
            .send()
            .await
            .or_die("RegisterContainerInstance");
        container_instance_arn = registered
            .container_instance()
            .and_then(|c| c.container_instance_arn())
            .map(str::to_string);
    }
    let (launch_type, compatibility) = match spec.launch {
        Launch::Fargate => (LaunchType::Fargate, Compatibility::Fargate),
        Launch::Ec2 { .. } => (LaunchType::Ec2, Compatibility::Ec2),
    };

    // The task definition.
    let containers: Vec<ContainerDefinition> = spec
        .containers
        .iter()
        .map(|c| {
            let mut d = ContainerDefinition::builder()
                .name(&c.name)
                .image("public.ecr.aws/nginx/nginx:latest")
                .essential(c.name == spec.containers[0].name)
                .memory(256)
                .readonly_root_filesystem(c.readonly_root)
                // As in most real task definitions, so that logging=DEFAULT logs sessions.
                .log_configuration(
                    LogConfiguration::builder()
                        .log_driver(LogDriver::Awslogs)
                        .options("awslogs-group", format!("/ecs/{name}"))
                        .options("awslogs-region", "us-east-1")
                        .options("awslogs-stream-prefix", &c.name)
                        .build()
                        .expect("log configuration"),
                )
                .linux_parameters(
                    LinuxParameters::builder()
                        .init_process_enabled(c.init_process)
                        .build(),
                );
            for (k, v) in &c.environment {
                d = d.environment(KeyValuePair::builder().name(k).value(v).build());
            }
            d.build()
        })
        .collect();
    let mut td = aws
        .ecs
        .register_task_definition()
        .family(format!("{name}-app"))
        .network_mode(NetworkMode::from(spec.network_mode))
        .requires_compatibilities(compatibility)
        .cpu("512")
        .memory("1024")
        .set_container_definitions(Some(containers));
    if let Some(arn) = &task_role_arn {
        td = td.task_role_arn(arn);
    }
    let task_definition_arn = td
        .send()
        .await
        .or_die("RegisterTaskDefinition")
        .task_definition()
        .and_then(|d| d.task_definition_arn())
        .expect("task definition ARN")
        .to_string();
    let network = NetworkConfiguration::builder()
        .awsvpc_configuration(
            AwsVpcConfiguration::builder()
                .subnets(&subnet)
                .security_groups(&sg)
                // A public subnet's Fargate tasks need a public IP to use the gateway.
                .assign_public_ip(if spec.net == Net::InternetGateway {
                    aws_sdk_ecs::types::AssignPublicIp::Enabled
                } else {
                    aws_sdk_ecs::types::AssignPublicIp::Disabled
                })
                .build()
                .expect("awsvpc configuration"),
        )
        .build();

    // bridge and host tasks take no network configuration.
    let awsvpc = spec.network_mode == "awsvpc";

    // The service.
    if let Some(service) = &spec.service {
        aws.ecs
            .create_service()
            .cluster(name)
            .service_name(&service.name)
            .task_definition(&task_definition_arn)
            .desired_count(0)
            .launch_type(launch_type.clone())
            .set_network_configuration(awsvpc.then(|| network.clone()))
            .set_deployment_controller(service.deployment_controller.map(|c| {
                aws_sdk_ecs::types::DeploymentController::builder()
                    .r#type(c.into())
                    .build()
                    .expect("deployment controller")
            }))
            .send()
            .await
            .or_die("CreateService");
        if service.exec_enabled {
            // moto ignores the flag in CreateService; UpdateService stores it.
            aws.ecs
                .update_service()
                .cluster(name)
                .service(&service.name)
                .enable_execute_command(true)
                .send()
                .await
                .or_die("UpdateService");
        }
    }

    // The tasks.
    let mut run = aws
        .ecs
        .run_task()
        .cluster(name)
        .task_definition(&task_definition_arn)
        .launch_type(launch_type)
        .count(spec.tasks as i32)
        .enable_execute_command(spec.exec_enabled)
        .set_network_configuration(awsvpc.then_some(network));
    if let Some(service) = &spec.service {
        // ECS starts a service's tasks with the deployment's id as startedBy.
        let deployment = primary_deployment(aws, name, &service.name).await;
        run = run
            .group(format!("service:{}", service.name))
            .started_by(deployment);
    }
    let out = run.send().await.or_die("RunTask");
    assert!(
        out.failures().is_empty(),
        "RunTask failures: {:?}",
        out.failures()
    );
    let tasks: Vec<String> = out
        .tasks()
        .iter()
        .map(|t| t.task_arn().expect("task ARN").to_string())
        .collect();
    assert_eq!(tasks.len(), spec.tasks, "RunTask started {tasks:?}");
    if spec.settled {
        for t in &tasks {
            emu.shim.set_task_started(t, now() - 3600);
        }
    }
    World {
        cluster: name.to_string(),
        cluster_arn,
        tasks,
        task_definition_arn,
        task_role_name,
        instance_role_name,
        caller_arn,
        credentials,
        vpc,
        subnet,
        security_group: sg,
        kms_key_arn,
        container_instance_arn,
        service: spec.service.map(|s| s.name),
    }
}

async fn add_service(
    emu: &Emulator,
    world: &World,
    name: &str,
    tasks: usize,
    ssmmessages: bool,
) -> Vec<String> {
    use aws_sdk_ecs::types::LaunchType;
    let aws = &emu.aws;
    let role = format!("{name}-task");
    let mut statements =
        vec![json!({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"})];
    if ssmmessages {
        statements.push(json!({"Effect": "Allow", "Action": SSMMESSAGES, "Resource": "*"}));
    }
    let role_arn = create_role(aws, &role, "ecs-tasks.amazonaws.com", "app", statements).await;
    let base = aws
        .ecs
        .describe_task_definition()
        .task_definition(&world.task_definition_arn)
        .send()
        .await
        .or_die("DescribeTaskDefinition")
        .task_definition()
        .cloned()
        .expect("task definition");
    let td = aws
        .ecs
        .register_task_definition()
        .family(format!("{name}-app"))
        .task_role_arn(role_arn)
        .set_network_mode(base.network_mode().cloned())
        .set_requires_compatibilities(Some(base.requires_compatibilities().to_vec()))
        .set_cpu(base.cpu().map(str::to_string))
        .set_memory(base.memory().map(str::to_string))
        .set_container_definitions(Some(base.container_definitions().to_vec()))
        .send()
        .await
        .or_die("RegisterTaskDefinition (service)")
        .task_definition()
        .and_then(|d| d.task_definition_arn())
        .expect("task definition ARN")
        .to_string();
    let network = world_network(world);
    aws.ecs
        .create_service()
        .cluster(&world.cluster)
        .service_name(name)
        .task_definition(&td)
        .desired_count(0)
        .launch_type(LaunchType::Fargate)
        .network_configuration(network.clone())
        .send()
        .await
        .or_die("CreateService (service)");
    aws.ecs
        .update_service()
        .cluster(&world.cluster)
        .service(name)
        .enable_execute_command(true)
        .send()
        .await
        .or_die("UpdateService (service)");
    let deployment = primary_deployment(aws, &world.cluster, name).await;
    run_service_tasks(emu, world, &td, name, tasks, &deployment, now() - 3600).await
}

async fn primary_deployment(aws: &Aws, cluster: &str, service: &str) -> String {
    let out = aws
        .ecs
        .describe_services()
        .cluster(cluster)
        .services(service)
        .send()
        .await
        .or_die("DescribeServices");
    let service = out.services().first().expect("the service");
    let primary = service
        .deployments()
        .iter()
        .find(|d| d.status() == Some("PRIMARY"))
        .or_else(|| service.deployments().first());
    // A CODE_DEPLOY or EXTERNAL service has task sets, not ECS deployments: its tasks carry
    // a task set's id instead.
    primary
        .and_then(|d| d.id())
        .map(str::to_string)
        .unwrap_or_else(|| "ecs-svc/0000000000000000001".to_string())
}

async fn redeploy_with_exec(emu: &Emulator, world: &World, tasks: usize) -> (String, Vec<String>) {
    let aws = &emu.aws;
    let service = world.service.as_deref().expect("a world with a service");
    aws.ecs
        .update_service()
        .cluster(&world.cluster)
        .service(service)
        .enable_execute_command(true)
        .force_new_deployment(true)
        .send()
        .await
        .or_die("UpdateService (redeploy)");
    let deployment = primary_deployment(aws, &world.cluster, service).await;
    let td = world.task_definition_arn.clone();
    let arns = run_service_tasks(emu, world, &td, service, tasks, &deployment, now() - 60).await;
    (deployment, arns)
}

/// The world's awsvpc network: its subnet and security group.
fn world_network(world: &World) -> aws_sdk_ecs::types::NetworkConfiguration {
    use aws_sdk_ecs::types::{AwsVpcConfiguration, NetworkConfiguration};
    NetworkConfiguration::builder()
        .awsvpc_configuration(
            AwsVpcConfiguration::builder()
                .subnets(&world.subnet)
                .security_groups(&world.security_group)
                .build()
                .expect("awsvpc configuration"),
        )
        .build()
}

/// `count` exec-enabled Fargate tasks of `task_definition`, started by `service`'s
/// `deployment` (as ECS starts a service's tasks) at `started_at`; returns their ARNs.
async fn run_service_tasks(
    emu: &Emulator,
    world: &World,
    task_definition: &str,
    service: &str,
    count: usize,
    deployment: &str,
    started_at: i64,
) -> Vec<String> {
    let out = emu
        .aws
        .ecs
        .run_task()
        .cluster(&world.cluster)
        .task_definition(task_definition)
        .launch_type(aws_sdk_ecs::types::LaunchType::Fargate)
        .count(count as i32)
        .enable_execute_command(true)
        .network_configuration(world_network(world))
        .group(format!("service:{service}"))
        .started_by(deployment)
        .send()
        .await
        .or_die("RunTask (service)");
    let arns: Vec<String> = out
        .tasks()
        .iter()
        .map(|t| t.task_arn().expect("task ARN").to_string())
        .collect();
    for t in &arns {
        emu.shim.set_task_started(t, started_at);
    }
    arns
}
