//! `ecs-exec-doctor check`: resolve the target, gather the facts (live, each once and
//! concurrently, or from a recording), evaluate the checks, render, record.

use ecs_exec_doctor_checks::facts::{Diagnosis, Fact, Mode};
use ecs_exec_doctor_checks::report::{CheckResult, Report, SCHEMA_VERSION, Summary, Tool};
use ecs_exec_doctor_checks::runner::{self, Selection};
use ecs_exec_doctor_checks::snapshot::Snapshot;
use ecs_exec_doctor_checks::{FactKind, Severity, Status};

use super::Output;
use crate::cli::{CheckArgs, CheckFormat};
use crate::error::{DoctorError, Result, exit};
use crate::render;

mod replay;
mod scan;

pub fn run(args: CheckArgs, color: bool) -> Result<Output> {
    let selection = super::selection(&args.selection)?;
    if args.all_clusters {
        return scan::run(&args, color, selection);
    }
    if args.format == CheckFormat::Jsonl {
        crate::fail!(
            "--format jsonl is for --all-clusters (one task per line); for one cluster use --format json"
        );
    }
    // `--error` is matched like an `explain` paste: the same cap, checked before any call.
    if args
        .error
        .as_ref()
        .is_some_and(|e| e.len() > super::explain::MAX_INPUT)
    {
        crate::fail!(
            "the --error text is over the {} MiB it reads: pass only the error message and the lines around it",
            super::explain::MAX_INPUT >> 20
        );
    }
    // `--wait` that ran out of time exits 1 even when only warnings (PENDING) remain.
    let mut timed_out = false;
    let begun = std::time::Instant::now();
    let mut probes = Vec::new();
    let (diagnosis, aws_calls) = match &args.replay {
        Some(path) => {
            if args.wait.is_some() {
                crate::fail!("--wait polls AWS: it cannot be used with --replay");
            }
            if args.cluster_arg.is_some()
                || args.cluster.is_some()
                || args.task_arg.is_some()
                || args.task.is_some()
                || args.service.is_some()
            {
                crate::fail!(
                    "--replay takes the cluster and task from the recording: drop CLUSTER, TASK and --service"
                );
            }
            // What a recording fixed when it was made cannot be changed on replay: refused,
            // not silently ignored.
            let ignored = [
                ("--region", args.aws.region.is_some()),
                ("--container", args.container.is_some()),
                ("--all", args.all),
                ("--family", args.family.is_some()),
                ("--started-by", args.started_by.is_some()),
                ("--max-tasks", args.max_tasks.is_some()),
            ];
            if let Some((flag, _)) = ignored.iter().find(|(_, given)| *given) {
                crate::fail!(
                    "--replay shows the recording as it was made, with its region, container and tasks: drop {flag} (record again with it to change it)"
                );
            }
            let text = replay::read_recording(path)?;
            let snapshot = Snapshot::from_json(&text)
                .map_err(|e| DoctorError::new(format!("{}: {e}", path.display())))?;
            // A recorded probe is shown as it went, never run again.
            probes = snapshot.probes;
            (snapshot.diagnosis, snapshot.aws_calls)
        }
        None => {
            let needs = needed_facts(&selection);
            match args.wait {
                None => {
                    let request = crate::aws::target::request(&args)?;
                    crate::aws::diagnose(request, &args.aws, &needs, !args.quiet)?
                }
                Some(limit) => {
                    let (d, calls, ready) = wait_until_ready(&args, &needs, &selection, limit)?;
                    timed_out = !ready;
                    (d, calls)
                }
            }
        }
    };
    // The recording keeps what AWS said; everything printed is escaped.
    let recorded = args.record.as_ref().map(|_| diagnosis.clone());
    let diagnosis = replay::sanitized(diagnosis);
    let mut report = build_report(&diagnosis, aws_calls, &selection);
    if args.probe {
        let limit = args.wait.map(|w| w.saturating_sub(begun.elapsed()));
        probes = probe(&args, &diagnosis, &report, limit)?;
    }
    if let (Some(path), Some(recorded)) = (&args.record, recorded) {
        let mut snapshot = Snapshot::new(recorded, aws_calls, env!("CARGO_PKG_VERSION"));
        snapshot.probes = probes.clone();
        let snapshot = if args.redact {
            redact(snapshot)
        } else {
            snapshot
        };
        std::fs::write(path, snapshot.to_json()).map_err(|e| {
            DoctorError::new(format!("cannot write recording {}: {e}", path.display()))
        })?;
    }
    stop_if_target_missing(&diagnosis)?;
    report.probes = probes.into_iter().map(render::sanitized).collect();
    // The checks that explain the error: the one pasted, else the one a probe met.
    let probe_failure = report.probes.iter().find_map(|p| p.failure_text());
    if let Some(error) = args.error.as_ref().or(probe_failure.as_ref()) {
        ecs_exec_doctor_checks::catalog::apply_error(&mut report, error);
        if args.error.is_none()
            && let Some(ctx) = report.error_context.as_mut()
        {
            ctx.from_probe = true;
        }
        // Pasted text, printed like the recording: escaped (its secrets are masked already).
        report.error_context = report.error_context.take().map(render::sanitized);
    }
    // A probe that did not verify the session, or left it open, fails the run, whatever the
    // checks say.
    let probe_failed = report.probes.iter().any(|p| !p.verified() || !p.closed);
    let text = match args.format {
        CheckFormat::Text => render::text::check_report(&report, &text_options(&args, color)),
        CheckFormat::Json => render::json::check_report(&report),
        CheckFormat::Markdown => render::markdown::check_report(&report),
        CheckFormat::Jsonl => unreachable!("refused above"),
    };
    Ok(Output {
        text,
        code: if timed_out || probe_failed {
            exit::FINDINGS
        } else {
            exit_code(&report, args.selection.fail_on)
        },
    })
}

/// The text report's options from the command line.
fn text_options(args: &CheckArgs, color: bool) -> render::text::TextOptions {
    render::text::TextOptions {
        color,
        quiet: args.quiet,
        detail: args.detail,
    }
}

/// `--wait`: diagnoses again, a few seconds apart (2 s, doubling, at most 15 s), until every
/// selected task is exec-ready or `limit` has passed; the progress goes to stderr (not with
/// `--quiet`). After the first poll only what can still change is read again: the tasks and
/// the facts of the checks not ready yet (an agent, a role being fixed); the rest is kept. A
/// task not seen before (a new deployment's) makes the poll a full read. Returns the last
/// diagnosis and whether it was ready.
fn wait_until_ready(
    args: &CheckArgs,
    needs: &[FactKind],
    selection: &Selection,
    limit: std::time::Duration,
) -> Result<(Diagnosis, u32, bool)> {
    use ecs_exec_doctor_checks::carry_over::{carry_over, needed_for};
    use std::time::{Duration, Instant};
    let deadline = Instant::now() + limit;
    let single_task = args.task.is_some() || args.task_arg.is_some();
    let mut pause = Duration::from_secs(2);
    let mut calls = 0;
    let mut previous: Option<(Diagnosis, Vec<FactKind>)> = None;
    // --wait prints its own progress lines: no spinner between them.
    let read = |kinds: &[FactKind]| {
        crate::aws::diagnose(crate::aws::target::request(args)?, &args.aws, kinds, false)
    };
    loop {
        let diagnosis = match &previous {
            None => {
                let (d, made) = read(needs)?;
                calls += made;
                d
            }
            Some((last, changing)) => {
                let (mut d, made) = read(changing)?;
                calls += made;
                if carry_over(&mut d, last, changing) {
                    d
                } else {
                    let (d, made) = read(needs)?;
                    calls += made;
                    d
                }
            }
        };
        let report = build_report(&replay::sanitized(diagnosis.clone()), calls, selection);
        let blockers: Vec<&CheckResult> = report.results.iter().filter(|r| not_ready(r)).collect();
        let left = deadline.saturating_duration_since(Instant::now());
        if let Some(stuck) = blockers.iter().find(|r| no_wait_fixes(r, single_task)) {
            if !args.quiet {
                eprintln!(
                    "--wait: stopped, no wait can fix {} ({}): {}",
                    stuck.code,
                    render::safe(&stuck.message),
                    if stuck.status == Status::Unknown {
                        "grant the doctor the permission it lacks (`ecs-exec-doctor permissions`)"
                    } else {
                        "the task keeps this configuration until it is replaced; see the fix below"
                    }
                );
            }
            return Ok((diagnosis, calls, false));
        }
        if blockers.is_empty() || left.is_zero() {
            if !args.quiet {
                if blockers.is_empty() {
                    eprintln!("--wait: exec-ready ({})", progress(&report, &blockers));
                } else {
                    eprintln!("--wait: time ran out: {}", progress(&report, &blockers));
                }
            }
            return Ok((diagnosis, calls, blockers.is_empty()));
        }
        let sleep = pause.min(left);
        if !args.quiet {
            eprintln!(
                "--wait: {}; again in {} s",
                progress(&report, &blockers),
                sleep.as_secs().max(1)
            );
        }
        let codes: Vec<&str> = blockers.iter().map(|r| r.code.as_str()).collect();
        let changing: Vec<FactKind> = needed_for(&codes)
            .into_iter()
            .filter(|k| needs.contains(k))
            .collect();
        previous = Some((diagnosis, changing));
        std::thread::sleep(sleep);
        pause = (pause * 2).min(Duration::from_secs(15));
    }
}

/// A blocker that polling cannot clear: the doctor's own missing permission, or, for one
/// named task, what is fixed for the task's lifetime (stopped, started without exec, its
/// platform version, its task definition's containers and role). A service's or cluster's
/// tasks can be replaced while it waits, so for them only the missing permission counts.
fn no_wait_fixes(r: &CheckResult, single_task: bool) -> bool {
    let permanent_for_task = matches!(
        r.code.as_str(),
        "TK001" | "TK002" | "TK004" | "TD001" | "TD006" | "IR001"
    );
    (r.status == Status::Unknown && r.missing_action.is_some())
        || (single_task && r.status == Status::Error && permanent_for_task)
}

/// What `--wait` keeps waiting for: an error or UNKNOWN, or a task or agent that is not
/// RUNNING yet (TK001 and TK003 warn about PENDING ones).
fn not_ready(r: &CheckResult) -> bool {
    matches!(r.status, Status::Error | Status::Unknown)
        || (matches!(r.code.as_str(), "TK001" | "TK003") && r.status == Status::Warning)
}

/// `3/10 tasks ready (TK003 ...)` or, for one task, the first blocker.
fn progress(report: &Report, blockers: &[&CheckResult]) -> String {
    let first = blockers
        .first()
        .map(|r| format!(" ({} {})", r.code, render::safe(&r.message)))
        .unwrap_or_default();
    let tasks = report.tasks.len();
    if tasks > 1 {
        let blocked: std::collections::BTreeSet<&str> =
            blockers.iter().filter_map(|r| r.task.as_deref()).collect();
        let run_blocked = blockers.iter().any(|r| r.task.is_none());
        let ready = if run_blocked {
            0
        } else {
            tasks - blocked.len()
        };
        format!("{ready}/{tasks} tasks ready{first}")
    } else if blockers.is_empty() {
        "1/1 task ready".to_string()
    } else {
        format!("not ready{first}")
    }
}

/// `--probe`: real sessions on the picked tasks. With `--wait`, probes again (5 s apart)
/// while time is left and a probe fails at a stage time can fix (the agent connecting).
fn probe(
    args: &CheckArgs,
    diagnosis: &Diagnosis,
    report: &Report,
    wait_left: Option<std::time::Duration>,
) -> Result<Vec<ecs_exec_doctor_checks::report::probe::Probe>> {
    use std::time::{Duration, Instant};
    let picks = || {
        crate::probe::pick(
            diagnosis,
            report,
            args.container.as_deref(),
            args.probe_command.as_deref(),
            args.probe_tasks.map(|n| n as usize),
        )
    };
    let first = picks();
    if first.is_empty() {
        return Ok(Vec::new());
    }
    if !args.quiet {
        let tasks: Vec<String> = first
            .iter()
            .map(|p| format!("{} (container {})", p.task.id(), render::safe(&p.container)))
            .collect();
        eprintln!(
            "--probe: opening a real ECS Exec session on task {} (ecs:ExecuteCommand, logged in CloudTrail and any session log); each is closed with ssm:TerminateSession",
            tasks.join(", ")
        );
    }
    let region = diagnosis.target.region.clone();
    let until = wait_left.map(|left| Instant::now() + left);
    let mut probes = crate::probe::run(first, &region, &args.aws)?;
    while let Some(until) = until
        && probes.iter().any(|p| !p.verified())
        && Instant::now() + Duration::from_secs(5) < until
    {
        if !args.quiet {
            let failed = probes.iter().find(|p| !p.verified()).map(|p| p.headline());
            eprintln!(
                "--probe: {}; again in 5 s",
                render::safe(&failed.unwrap_or_default())
            );
        }
        std::thread::sleep(Duration::from_secs(5));
        probes = crate::probe::run(picks(), &region, &args.aws)?;
    }
    Ok(probes)
}

fn redact(snapshot: Snapshot) -> Snapshot {
    ecs_exec_doctor_checks::redact::redact(snapshot)
}

/// The facts the selected checks read, with what they are fetched from.
pub fn needed_facts(selection: &Selection) -> Vec<FactKind> {
    let direct: Vec<FactKind> = selection
        .checks()
        .iter()
        .flat_map(|c| c.meta.needs.iter().copied())
        .collect();
    FactKind::with_dependencies(&direct)
}

/// A cluster, service or task that does not exist is a usage error (exit 2), not a finding.
fn stop_if_target_missing(d: &Diagnosis) -> Result<()> {
    let region = &d.target.region;
    if let Fact::Absent { reason } = &d.cluster {
        crate::fail!("{reason} (region {region}): check the name, --region and --profile");
    }
    let first = d.subjects.first();
    if d.target.service.is_some() {
        if let Some(Fact::Absent { reason }) = first.map(|s| &s.service) {
            crate::fail!(
                "{reason} (region {region}): check the service name, cluster and --region"
            );
        }
    } else if let Some(Fact::Absent { reason }) = first.map(|s| &s.task) {
        crate::fail!("{reason} (region {region}): check the task id, cluster and --region");
    }
    Ok(())
}

pub fn build_report(d: &Diagnosis, aws_calls: u32, selection: &Selection) -> Report {
    // Every failed call: for the checks' guard, and every denial named, not only those that
    // turned a check UNKNOWN.
    let gaps = ecs_exec_doctor_checks::gaps::Gaps::of(d);
    let results = runner::evaluate_with(d, Mode::Live, selection, &gaps);
    let mut missing = gaps.denied();
    missing.extend(results.iter().filter_map(|r| r.missing_action.clone()));
    let tasks = ecs_exec_doctor_checks::fleet::task_ids(d);
    Report {
        fleet: ecs_exec_doctor_checks::fleet::of_diagnosis(d, &results),
        schema_version: SCHEMA_VERSION,
        tool: Tool {
            name: "ecs-exec-doctor".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        target: d.target.clone(),
        tasks,
        error_context: None,
        summary: Summary::of(&results),
        results,
        missing_permissions: missing.into_iter().collect(),
        faults: gaps.faults(),
        aws_calls,
        network_paths: ecs_exec_doctor_checks::network::path::network_paths(d, selection),
        probes: Vec::new(),
    }
}

/// 1 when a finding is at or above `fail_on` or a check could not be evaluated (UNKNOWN is
/// never "fine"), else 0.
pub fn exit_code(report: &Report, fail_on: crate::cli::FailOn) -> u8 {
    let severity: Severity = fail_on.severity();
    let failing = report
        .results
        .iter()
        .filter(|r| r.status != Status::Unknown)
        .flat_map(|r| r.findings.iter())
        .any(|f| f.severity >= severity);
    // A check that could not run never lets the exit code say "fine", whatever --fail-on.
    let unknown = report.results.iter().any(|r| r.status == Status::Unknown);
    if failing || unknown {
        exit::FINDINGS
    } else {
        exit::OK
    }
}
