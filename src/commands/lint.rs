//! `ecs-exec-doctor lint`: the lint-scope checks, offline, on task definitions, services,
//! CloudFormation templates and Terraform plans. Files are found and read here; parsing,
//! evaluation and positions are the checks crate's (`ecs_exec_doctor_checks::lint`).

pub mod config;
mod files;
mod fixing;
pub mod glob;
pub mod walk;

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use ecs_exec_doctor_checks::Severity;
use ecs_exec_doctor_checks::lint::source::Rejected;
use ecs_exec_doctor_checks::lint::{
    self, Diagnostic, DiagnosticLevel, FileReport, LintReport, MAX_FILE_SIZE, Suppression,
    SuppressionKind,
};
use ecs_exec_doctor_checks::runner::Selection;

use super::Output;
use crate::cli::FailOn;
use crate::error::{DoctorError, Result};
use crate::render;
use config::Config;
use glob::Glob;

const AFTER_HELP: &str = "\
Inputs (recognised by content): task-definition JSON (register-task-definition input or
describe-task-definition output), ECS service JSON (create-service input or describe-services
output), CloudFormation templates in JSON or YAML (CDK synth output included), Terraform
configuration (.tf: aws_ecs_task_definition and aws_ecs_service, evaluated statically with
jsonencode, file, templatefile, locals and variable defaults; the rest is unknown; file and
templatefile read only regular files inside the linted directory, or for a named file its
directory: a path outside it, through .. or a link, is unknown with a warning), bare
container-definition lists (${...} placeholders unknown), AWS Copilot manifests (exec, and the
containers from variables, secrets, env_file, storage, logging, sidecars, taskdef_overrides) and
Terraform plan JSON (terraform show -json). Directories are searched for *.json, *.yaml, *.yml, *.template
and *.tf files (or the --include globs), skipping .git, node_modules, target and cdk.out/asset.*,
and what .gitignore / .ignore leave out and hidden files (--no-ignore includes them).

Configuration: ecs-exec-doctor.toml in the working directory or above (up to the repository
root), or --config FILE. Suppress one finding with a reason: in YAML, a comment
`# ecs-exec-doctor: ignore[TD001] reason` on its line or the line above; in CloudFormation,
resource Metadata {\"ecs-exec-doctor\": {\"ignore\": [{\"code\": \"TD001\", \"reason\": \"...\"}]}}; for any
file, a [[suppress]] entry (path, code, reason) in the config.

Exit codes:
  0  nothing at or above --fail-on
  1  findings at or above --fail-on
  2  an input could not be read or parsed, a bad config or argument, or no input found
     (the report is still written in the chosen format)

With a format other than text, a one-line summary also goes to standard error.";

#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct LintArgs {
    /// Files or directories [default: the current directory]; `-` reads standard input.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Report format.
    #[arg(long, value_enum, default_value_t = LintFormat::Text)]
    pub format: LintFormat,
    /// Skip named files that are not ECS inputs (counted, not reported) instead of reporting
    /// them and exiting 2 when none is: for hooks that pass every JSON, YAML and Terraform
    /// file a commit touches.
    #[arg(long)]
    pub skip_unrecognised: bool,
    /// Run only these checks (codes, names or code prefixes; comma-separated or repeated).
    #[arg(long, value_name = "CODE", value_delimiter = ',')]
    pub select: Vec<String>,
    /// Skip these checks.
    #[arg(long, value_name = "CODE", value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Exit 1 when a finding is at or above this severity [default: the config's `fail-on`,
    /// else error]; `unknown`: errors, and also a check whose value is known only at deploy
    /// time.
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<FailOn>,
    /// In directories, lint only files matching this glob (repeatable; replaces the default extensions).
    #[arg(long, value_name = "GLOB")]
    pub include: Vec<String>,
    /// In directories, skip files and directories matching this glob (repeatable).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// In directories, also lint what .gitignore, .ignore and git's excludes leave out, and
    /// hidden files and directories.
    #[arg(long)]
    pub no_ignore: bool,
    /// Read the configuration from FILE instead of looking for ecs-exec-doctor.toml.
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,
    /// Ignore any ecs-exec-doctor.toml.
    #[arg(long)]
    pub no_config: bool,
    /// Apply the safe fixes to the files (exec on for services: `enableExecuteCommand`,
    /// `EnableExecuteCommand`, `enable_execute_command`, Copilot's `exec`; `initProcessEnabled`
    /// for containers), as minimal edits, then lint again and report what remains. Plans,
    /// CDK synth output, values known only at deploy time and resources behind conditions
    /// are never edited.
    #[arg(long, conflicts_with = "diff")]
    pub fix: bool,
    /// Print the fixes as a unified diff and change nothing (exit 1 when there is one).
    #[arg(long)]
    pub diff: bool,
    /// With --fix or --diff, also apply the fixes that change a container's security posture
    /// (`readonlyRootFilesystem` off).
    #[arg(long)]
    pub unsafe_fixes: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LintFormat {
    /// `path:line:col: severity CODE message`, an excerpt and the fix.
    Text,
    /// The versioned lint report (docs/lint-json.md).
    Json,
    /// SARIF 2.1.0, for GitHub code scanning.
    Sarif,
    /// JUnit XML, one test suite per file.
    Junit,
    /// GitHub Actions workflow commands (annotations).
    Github,
    /// A summary table and each finding with its fix.
    Markdown,
}

pub fn run(args: LintArgs, color: bool) -> Result<Output> {
    let cwd = std::env::current_dir()
        .map_err(|e| DoctorError::new(format!("cannot read the working directory: {e}")))?;
    let config = load_config(&args, &cwd)?;
    let selection = selection(&args, &config)?;
    let fail_on = args
        .fail_on
        .map(FailOn::severity)
        .or(config.fail_on)
        .unwrap_or(Severity::Error);
    let globs = |items: &[String], what: &str| -> Result<Vec<Glob>> {
        items
            .iter()
            .map(|g| Glob::new(g).map_err(|e| DoctorError::new(format!("{what}: {e}"))))
            .collect()
    };
    let mut include = globs(&args.include, "--include")?;
    include.extend(config.include.iter().cloned());
    let mut exclude = globs(&args.exclude, "--exclude")?;
    exclude.extend(config.exclude.iter().cloned());

    let stdin = args.paths.iter().any(|p| p.as_os_str() == "-");
    if (args.fix || args.diff) && stdin {
        crate::fail!(
            "--{} works on files; standard input cannot be fixed in place: name the file",
            if args.fix { "fix" } else { "diff" }
        );
    }
    if args.unsafe_fixes && !(args.fix || args.diff) {
        crate::fail!("--unsafe-fixes only goes with --fix or --diff");
    }
    let mut fixes = fixing::Fixes::new(args.unsafe_fixes);
    let paths: Vec<PathBuf> = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths
            .iter()
            .filter(|p| p.as_os_str() != "-")
            .cloned()
            .collect()
    };
    let mut found = if paths.is_empty() {
        walk::Walk::default()
    } else {
        let options = walk::Options {
            no_ignore: args.no_ignore,
        };
        walk::collect(&paths, &cwd, &include, &exclude, options)
    };
    let stdin_report = stdin.then(|| lint_stdin(&selection));
    let shown_paths = paths
        .iter()
        .map(|p| walk::display(p, &cwd))
        .collect::<Vec<_>>()
        .join(", ");
    if found.inputs.is_empty() && found.errors.is_empty() && stdin_report.is_none() {
        crate::fail!(
            "no input files found in {shown_paths} (looked for {}); name the files or pass --include",
            walk::DEFAULT_EXTENSIONS
                .iter()
                .map(|e| format!("*.{e}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }

    let config_root = config
        .file
        .as_deref()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| cwd.clone());
    let mut files: Vec<FileReport> = std::mem::take(&mut found.errors)
        .into_iter()
        .map(|(path, message)| file_error(path, message))
        .collect();
    files.extend(
        std::mem::take(&mut found.warnings)
            .into_iter()
            .map(|(path, message)| {
                let mut report = file_error(path, message);
                report.diagnostics[0].level = DiagnosticLevel::Warning;
                report
            }),
    );
    let mut recognised = 0usize;
    let mut skipped = 0usize;
    if let Some(mut report) = stdin_report {
        report.path = STDIN_NAME.into();
        if report.kind.is_some() {
            recognised += 1;
        } else if report.diagnostics.is_empty() {
            report.diagnostics.push(not_recognised());
        }
        files.push(report);
    }
    for input in &found.inputs {
        let read = read_input(input);
        let mut report = match &read {
            Ok(bytes) => lint_bytes(input, bytes, &selection),
            Err(not_read) => not_read.clone(),
        };
        report.path = input.display.clone();
        if report.kind.is_some() {
            recognised += 1;
            apply_config_suppressions(&mut report, &input.path, &cwd, &config_root, &config);
            if (args.fix || args.diff)
                && let Ok(bytes) = &read
                && let Some(fixed) = fixes.file(input, bytes, &report, args.fix)?
            {
                // What remains after the fixes.
                report = lint_bytes(input, fixed.as_bytes(), &selection);
                report.path = input.display.clone();
                apply_config_suppressions(&mut report, &input.path, &cwd, &config_root, &config);
            }
        } else if report.diagnostics.is_empty() {
            if !input.explicit || args.skip_unrecognised {
                skipped += usize::from(input.explicit);
                continue;
            }
            report.diagnostics.push(not_recognised());
        }
        files.push(report);
    }
    let input_errors = files.iter().any(|f| {
        f.diagnostics
            .iter()
            .any(|d| d.level == DiagnosticLevel::Error)
    });
    // Nothing recognised is a usage error (exit 2), but the report is still written: a CI
    // step that uploads SARIF or parses JSON always has a file to read.
    let nothing = (recognised == 0 && !input_errors && !args.skip_unrecognised).then(|| {
        format!(
            "no task definitions, services, CloudFormation templates or Terraform plans found in {} ({} files looked at)",
            if stdin && shown_paths.is_empty() { STDIN_NAME.to_string() } else { shown_paths.clone() },
            found.inputs.len() + usize::from(stdin)
        )
    });

    let mut report = LintReport::new(files, fail_on, env!("CARGO_PKG_VERSION"));
    report.fail_on_unknown = args.fail_on == Some(FailOn::Unknown);
    let ctx = render::sarif::Context {
        repo_prefix: repo_prefix(&cwd),
    };
    if args.diff {
        fixes.report_skipped();
        return Ok(Output {
            code: u8::from(!fixes.diff.is_empty()),
            text: std::mem::take(&mut fixes.diff),
        });
    }
    if args.fix {
        fixes.report_skipped();
    }
    let text = match args.format {
        LintFormat::Text => render::lint_text::report(&report, color),
        LintFormat::Json => render::lint_json::report(&report),
        LintFormat::Sarif => render::sarif::report(&report, &selection, &ctx),
        LintFormat::Junit => render::junit::report(&report),
        LintFormat::Github => render::github::report(&report, &ctx),
        LintFormat::Markdown => render::lint_markdown::report(&report),
    };
    if let Some(message) = &nothing {
        crate::error::print(message);
    }
    if args.format != LintFormat::Text {
        // Machine formats go to files; people and CI logs still see the outcome.
        eprintln!("ecs-exec-doctor lint: {}", summary_line(&report));
    }
    if skipped > 0 {
        eprintln!(
            "ecs-exec-doctor lint: {skipped} file{} skipped (not ECS inputs)",
            if skipped == 1 { "" } else { "s" }
        );
    }
    Ok(Output {
        text,
        code: if nothing.is_some() {
            2
        } else {
            report.exit_code()
        },
    })
}

/// How standard input is named in reports.
const STDIN_NAME: &str = "<stdin>";

/// Lints standard input (`lint -`), read up to the file size limit.
fn lint_stdin(selection: &Selection) -> FileReport {
    use std::io::Read;
    let mut bytes = Vec::new();
    let limit = MAX_FILE_SIZE as u64 + 1;
    match std::io::stdin().lock().take(limit).read_to_end(&mut bytes) {
        Ok(_) if bytes.len() > MAX_FILE_SIZE => {
            file_error(STDIN_NAME.into(), Rejected::TooLarge(bytes.len()).message())
        }
        Ok(_) => lint::lint(&bytes, selection),
        Err(e) => file_error(
            STDIN_NAME.into(),
            format!("cannot read standard input: {e}"),
        ),
    }
}

fn not_recognised() -> Diagnostic {
    Diagnostic {
        level: DiagnosticLevel::Warning,
        message: "not a task definition, ECS service, CloudFormation template, Terraform configuration or Terraform plan; skipped".into(),
        line: 1,
        column: 1,
        excerpt: None,
    }
}

/// `3 files, 4 resources: 1 error, 2 warnings, 0 info (1 suppressed), 0 input errors`.
fn summary_line(report: &LintReport) -> String {
    let s = &report.summary;
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    format!(
        "{}, {}: {}, {}, {} info ({} suppressed), {}, {} unknown from the files alone",
        plural(s.files, "file", "files"),
        plural(s.units, "resource", "resources"),
        plural(s.error, "error", "errors"),
        plural(s.warning, "warning", "warnings"),
        s.info,
        s.suppressed,
        plural(s.input_errors, "input error", "input errors"),
        s.unknown,
    )
}

fn load_config(args: &LintArgs, cwd: &Path) -> Result<Config> {
    if args.no_config {
        return Ok(Config::default());
    }
    match &args.config {
        Some(path) => config::load(path),
        None => match config::discover(cwd) {
            Some(path) => config::load(&walk_relative(&path, cwd)),
            None => Ok(Config::default()),
        },
    }
}

/// `path` relative to `cwd` when under it (for messages that name the config file).
fn walk_relative(path: &Path, cwd: &Path) -> PathBuf {
    path.strip_prefix(cwd)
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| path.to_path_buf())
}

/// `--select` replaces the config's `select`; `--ignore` adds to its `ignore`.
fn selection(args: &LintArgs, config: &Config) -> Result<Selection> {
    let select = if args.select.is_empty() {
        config.select.clone()
    } else {
        super::resolve_selectors(&args.select)?
    };
    let mut ignore = config.ignore.clone();
    ignore.extend(super::resolve_selectors(&args.ignore)?);
    let selection = Selection {
        select,
        ignore,
        severity: config.severity.clone(),
    };
    if lint::lint_checks(&selection).is_empty() {
        crate::fail!(
            "the selection leaves no check that lint runs; lint runs {}",
            lint::lint_checks(&Selection::default())
                .iter()
                .map(|c| c.meta.code)
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    Ok(selection)
}

fn file_error(path: String, message: String) -> FileReport {
    FileReport {
        path,
        kind: None,
        syntax: None,
        units: Vec::new(),
        diagnostics: vec![Diagnostic {
            level: DiagnosticLevel::Error,
            message,
            line: 1,
            column: 1,
            excerpt: None,
        }],
    }
}

/// Lints one file's bytes, with the files it refers to read inside its linted root.
fn lint_bytes(input: &walk::Input, bytes: &[u8], selection: &Selection) -> FileReport {
    lint::lint_with(
        bytes,
        selection,
        &files::Around::new(&input.path, input.root.as_deref()),
    )
}

/// Reads one file: a regular file only, up to the input size limit (see
/// `files::read_regular`); the report of why not otherwise.
fn read_input(input: &walk::Input) -> std::result::Result<Vec<u8>, FileReport> {
    let path = &input.path;
    let shown = path.display().to_string();
    Err(match files::read_regular(path, MAX_FILE_SIZE as u64) {
        Ok(bytes) => return Ok(bytes),
        Err(files::NotRead::TooLarge(size)) => file_error(
            shown,
            Rejected::TooLarge(usize::try_from(size).unwrap_or(usize::MAX)).message(),
        ),
        Err(files::NotRead::Refused(why)) => file_error(shown, format!("not linted: {why}")),
        Err(files::NotRead::Io(e)) => file_error(shown, format!("cannot read the file: {e}")),
    })
}

/// Applies the config's `[[suppress]]` entries whose glob matches the file's path relative to
/// the config file's directory (or, outside it, the path as shown).
fn apply_config_suppressions(
    report: &mut FileReport,
    path: &Path,
    cwd: &Path,
    config_root: &Path,
    config: &Config,
) {
    if config.suppress.is_empty() {
        return;
    }
    let absolute = cwd.join(path);
    let relative = absolute
        .strip_prefix(config_root)
        .map(|p| walk::display(p, Path::new("")))
        .unwrap_or_else(|_| report.path.clone());
    for s in &config.suppress {
        if !(s.path.matches(&relative) || s.path.matches(&report.path)) {
            continue;
        }
        let suppression = Suppression {
            kind: SuppressionKind::Config,
            reason: s.reason.clone(),
        };
        for code in &s.codes {
            report.suppress(code, &suppression);
        }
    }
}

/// The working directory relative to the repository root (the nearest ancestor holding
/// `.git`), `/`-separated; empty at the root or outside a repository. SARIF and GitHub
/// annotations need repository-relative paths.
fn repo_prefix(cwd: &Path) -> String {
    for dir in cwd.ancestors() {
        if dir.join(".git").exists() {
            return cwd
                .strip_prefix(dir)
                .map(|p| walk::display(p, Path::new("")))
                .map(|p| if p == "." { String::new() } else { p })
                .unwrap_or_default();
        }
    }
    String::new()
}
