//! Command-line definition (clap derive). Doc comments are the help text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::style::ColorChoice;

/// `0.1.0 (commit abc1234)`, from the build script.
pub const VERSION: &str = env!("ECS_EXEC_DOCTOR_VERSION");

const AFTER_HELP: &str = "\
Exit codes:
  0  nothing at or above --fail-on
  1  findings at or above --fail-on
  2  the doctor could not do its job (bad arguments or input, no region or credentials,
     cluster or task not found)

`ecs-exec-doctor CLUSTER TASK` is short for `ecs-exec-doctor check CLUSTER TASK`.";

/// Tells you why `aws ecs execute-command` will not work on an ECS task, and exactly what to
/// change.
#[derive(Debug, Parser)]
#[command(name = "ecs-exec-doctor", version = VERSION, about, after_help = AFTER_HELP)]
pub struct Cli {
    /// When to colour the text report.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,

    #[command(subcommand)]
    pub command: Command,
}

// `CheckArgs` is large, but the enum is built once per run.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Diagnose a running task (or replay a recorded diagnosis).
    Check(CheckArgs),
    /// Lint task definitions, services, CloudFormation and Terraform plans offline.
    Lint(crate::commands::lint::LintArgs),
    /// Explain an ECS Exec error message or a check code.
    Explain(crate::commands::explain::ExplainArgs),
    /// List the checks.
    Checks(ChecksArgs),
    /// Print the least-privilege IAM policy the doctor itself needs.
    Permissions(PermissionsArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    #[command(after_help = COMPLETIONS_HELP)]
    Completions(CompletionsArgs),
}

/// Each line short enough for an 80-column terminal: a wrapped line would not paste.
const COMPLETIONS_HELP: &str = "\
Install, for example:
  bash (in ~/.bashrc):    source <(ecs-exec-doctor completions bash)
  zsh (in ~/.zshrc):      source <(ecs-exec-doctor completions zsh)
  fish (in config.fish):  ecs-exec-doctor completions fish | source
  PowerShell (in $PROFILE):
    ecs-exec-doctor completions powershell | Out-String | Invoke-Expression";

/// The subcommand names, for the `ecs-exec-doctor CLUSTER TASK` shorthand.
pub const SUBCOMMANDS: [&str; 7] = [
    "check",
    "lint",
    "explain",
    "checks",
    "permissions",
    "completions",
    "help",
];

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct CheckArgs {
    /// Cluster name or ARN.
    #[arg(value_name = "CLUSTER")]
    pub cluster_arg: Option<String>,
    /// Task id or ARN (region and partition are taken from an ARN).
    #[arg(value_name = "TASK")]
    pub task_arg: Option<String>,
    /// Cluster name or ARN (instead of the first argument).
    #[arg(long, value_name = "CLUSTER", conflicts_with = "cluster_arg")]
    pub cluster: Option<String>,
    /// Task id or ARN (instead of the second argument).
    #[arg(long, value_name = "TASK", conflicts_with = "task_arg")]
    pub task: Option<String>,
    /// Diagnose a service: its enableExecuteCommand flag and every running task.
    #[arg(long, value_name = "NAME", conflicts_with = "all")]
    pub service: Option<String>,
    /// Diagnose every running task of the cluster, grouped by cause.
    #[arg(long)]
    pub all: bool,
    /// Diagnose every running task of every cluster of the region (or of --regions, and of
    /// --accounts or --organization): one report per cluster, totals per account and region,
    /// and the accounts, regions and clusters that could not be read with why.
    #[arg(long, conflicts_with_all = ["cluster_arg", "task_arg", "cluster", "task", "service", "all", "wait", "probe", "replay", "record", "error", "started_by", "family"])]
    pub all_clusters: bool,
    /// With --all-clusters: the regions to scan, comma-separated, or `all` for every region
    /// enabled for the account (ec2:DescribeRegions) [default: the configured region].
    #[arg(
        long,
        value_name = "REGIONS",
        value_delimiter = ',',
        requires = "all_clusters"
    )]
    pub regions: Vec<String>,
    /// With --all-clusters: these accounts too, comma-separated 12-digit ids, each read
    /// through --role-name (the caller's own account through its own credentials).
    #[arg(
        long,
        value_name = "IDS",
        value_delimiter = ',',
        requires = "all_clusters",
        conflicts_with = "organization"
    )]
    pub accounts: Vec<String>,
    /// With --all-clusters: every ACTIVE account of the caller's AWS Organization
    /// (organizations:ListAccounts, from the management account or a delegated
    /// administrator), each read through --role-name.
    #[arg(long, requires_all = ["all_clusters", "role_name"])]
    pub organization: bool,
    /// With --accounts or --organization: the role (name, or path/name) the doctor assumes in
    /// each other account; it needs the read-only policy of `ecs-exec-doctor permissions
    /// --all-clusters` and must trust the caller.
    #[arg(long, value_name = "ROLE", requires = "all_clusters")]
    pub role_name: Option<String>,
    /// With --role-name: the external id the role's trust policy requires.
    #[arg(long, value_name = "ID", requires = "role_name")]
    pub external_id: Option<String>,
    /// With --all or --service: only the tasks of this task definition family.
    #[arg(long, value_name = "FAMILY")]
    pub family: Option<String>,
    /// With --all: only the tasks started with this startedBy value (ECS allows no other
    /// filter beside it).
    #[arg(long, value_name = "VALUE", requires = "all", conflicts_with_all = ["family", "service"])]
    pub started_by: Option<String>,
    /// The container you will exec into (required by execute-command for multi-container tasks).
    #[arg(long, value_name = "NAME")]
    pub container: Option<String>,
    /// With --service or --all: diagnose at most this many running tasks (the report says how
    /// many were left out) [default: all of them].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_tasks: Option<u64>,
    /// With several tasks: show every task's results, not only the fleet summary and its
    /// groups.
    #[arg(long)]
    pub detail: bool,
    /// Poll until the task(s) are exec-ready (running, exec enabled, agent RUNNING, every
    /// check passing) or DURATION ends (default 10m; e.g. 90s, 5m): exit 0 when ready, 1 with
    /// the remaining blockers when the time ran out, or at once when no wait can fix what
    /// blocks (a task started without exec, a permission the doctor lacks).
    #[arg(long, value_name = "DURATION", num_args = 0..=1, default_missing_value = "10m",
          value_parser = parse_wait)]
    pub wait: Option<std::time::Duration>,

    #[command(flatten)]
    pub aws: AwsArgs,

    /// Report format.
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    pub format: CheckFormat,
    /// Show only problems and unknowns (text format).
    #[arg(short, long)]
    pub quiet: bool,

    #[command(flatten)]
    pub selection: SelectionArgs,

    /// Write every fetched fact and fetch error to FILE (a versioned JSON recording).
    #[arg(long, value_name = "FILE")]
    pub record: Option<PathBuf>,
    /// With --record: replace account ids, resource names, home-directory user names and tag values by stable placeholders, and addresses and CIDR blocks by prefix-preserving pseudonyms.
    #[arg(long, requires = "record")]
    pub redact: bool,
    /// Diagnose from a recording instead of AWS (no AWS access).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["record", "profile", "endpoint_url"])]
    pub replay: Option<PathBuf>,
    /// The error you got from execute-command: the checks that explain it come first.
    #[arg(long, value_name = "TEXT")]
    pub error: Option<String>,
    /// Verify instead of infer: open a REAL ECS Exec session on the task (ecs:ExecuteCommand),
    /// run a harmless command, read its end over the session's data channel, and close it
    /// (ssm:TerminateSession, always). The session is logged in CloudTrail and, where the
    /// cluster configures it, in the session log destination. Off by default; the only calls
    /// of the doctor that change anything.
    #[arg(long, conflicts_with = "replay")]
    pub probe: bool,
    /// With --probe: the command to run in the container [default: `true`, on Windows
    /// `cmd.exe /c exit 0`]. It must not read input.
    #[arg(long, value_name = "COMMAND", requires = "probe")]
    pub probe_command: Option<String>,
    /// With --probe and --service/--all: probe at most N tasks [default: one ready task and
    /// one task of each problem group].
    #[arg(long, value_name = "N", requires = "probe", value_parser = clap::value_parser!(u64).range(1..=100))]
    pub probe_tasks: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    Text,
    Json,
    Markdown,
    /// JSON Lines, with --all-clusters: one task per line as each cluster is judged, then one
    /// line per account, region or cluster that could not be read, then the totals.
    Jsonl,
}

/// How to reach AWS. Credentials come from the standard chain (environment, profiles, SSO,
/// assume-role, container and instance metadata).
#[derive(Debug, Clone, Args)]
pub struct AwsArgs {
    /// Named profile from the AWS config files.
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// AWS region (default: from the task or cluster ARN, then AWS_REGION and the profile).
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// Send AWS API calls to this endpoint (an emulator or a proxy); AWS_ENDPOINT_URL also works.
    #[arg(long, value_name = "URL", value_parser = endpoint_url)]
    pub endpoint_url: Option<String>,
    /// Bounds the whole run, every attempt and retry included: calls still unanswered then
    /// make their checks UNKNOWN, and the rest is reported.
    #[arg(long, value_name = "SECONDS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: u64,
}

/// Which checks run and which findings fail the run.
#[derive(Debug, Clone, Default, Args)]
pub struct SelectionArgs {
    /// Run only these checks (codes, names or code prefixes such as `TD`; comma-separated or repeated).
    #[arg(long, value_name = "CODE", value_delimiter = ',')]
    pub select: Vec<String>,
    /// Skip these checks.
    #[arg(long, value_name = "CODE", value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Exit 1 when a finding is at or above this severity; a check that could not be
    /// evaluated (UNKNOWN) always exits 1.
    #[arg(long, value_enum, value_name = "SEVERITY", default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum FailOn {
    #[default]
    Error,
    Warning,
    Info,
    /// `check`: the same as `error` (UNKNOWN always exits 1). `lint`: errors, and also a
    /// check whose value is known only at deploy time.
    Unknown,
}

impl FailOn {
    pub fn severity(self) -> ecs_exec_doctor_checks::Severity {
        use ecs_exec_doctor_checks::Severity;
        match self {
            FailOn::Error => Severity::Error,
            FailOn::Warning => Severity::Warning,
            FailOn::Info => Severity::Info,
            FailOn::Unknown => Severity::Error,
        }
    }
}

#[derive(Debug, Args)]
pub struct ChecksArgs {
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct PermissionsArgs {
    #[command(flatten)]
    pub selection: SelectionArgs,
    /// Add what `check --probe` needs: ecs:ExecuteCommand, ssm:TerminateSession and
    /// kms:GenerateDataKey (for clusters that encrypt sessions).
    #[arg(long)]
    pub probe: bool,
    /// Add what `check --all-clusters` needs to find the clusters: ecs:ListClusters and
    /// (for `--regions all`) ec2:DescribeRegions.
    #[arg(long)]
    pub all_clusters: bool,
    /// `json` prints the policy document; `text` lists each action with the checks that need it.
    #[arg(long, value_enum, default_value_t = ListFormat::Json)]
    pub format: ListFormat,
}

/// `--endpoint-url`: an absolute `http://` or `https://` URL with a host.
fn endpoint_url(text: &str) -> Result<String, String> {
    let url = url::Url::parse(text).map_err(|e| {
        format!("`{text}` is not a URL ({e}); give one such as http://127.0.0.1:5000")
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "`{text}` is not an http:// or https:// URL; give one such as https://ecs.us-east-1.amazonaws.com"
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("`{text}` has no host"));
    }
    Ok(text.to_string())
}

/// `90s`, `5m`, `1h` or plain seconds, from 1 second to 1 hour.
fn parse_wait(text: &str) -> Result<std::time::Duration, String> {
    let text = text.trim();
    let (digits, unit) = match text.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => text.split_at(i),
        None => (text, "s"),
    };
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("`{text}` is not a duration: use e.g. 90s, 5m or 1h"))?;
    let seconds = match unit {
        "s" => n,
        "m" => n.saturating_mul(60),
        "h" => n.saturating_mul(3600),
        _ => {
            return Err(format!(
                "`{text}` is not a duration: use e.g. 90s, 5m or 1h"
            ));
        }
    };
    if !(1..=3600).contains(&seconds) {
        return Err(format!("`{text}` is out of range: from 1s to 1h"));
    }
    Ok(std::time::Duration::from_secs(seconds))
}

#[cfg(test)]
mod wait_tests {
    use super::parse_wait;
    use std::time::Duration;

    #[test]
    fn durations_with_and_without_units() {
        assert_eq!(parse_wait("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_wait("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_wait("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_wait("1h"), Ok(Duration::from_secs(3600)));
        assert!(parse_wait("2h").is_err());
        assert!(parse_wait("0s").is_err());
        assert!(parse_wait("soon").is_err());
        assert!(parse_wait("5d").is_err());
    }
}
