//! `check --probe`: verify instead of infer. For each probed task, a real ECS Exec session:
//! `ecs:ExecuteCommand` with a harmless command (stage 1: the real authorization decision
//! and the agent's control channel), then the session's data channel as the
//! session-manager-plugin speaks it ([`channel`], stage 2), and always
//! `ssm:TerminateSession`, whatever happened (a failure, the timeout, Ctrl-C). The only AWS
//! calls of the doctor that change anything; never made unless asked.

mod channel;
mod crypto;
mod wire;

use std::time::Instant;

use aws_sdk_ecs::config::http::HttpResponse;
use aws_sdk_ecs::error::SdkError;
use ecs_exec_doctor_checks::Status;
use ecs_exec_doctor_checks::facts::Diagnosis;
use ecs_exec_doctor_checks::model::Task;
use ecs_exec_doctor_checks::report::Report;
use ecs_exec_doctor_checks::report::probe::{Probe, ProbeStage, Stage, mark_unreached};
use tokio::time::Duration;

use crate::aws::fetch::Clients;
use crate::cli::AwsArgs;
use crate::error::{DoctorError, Result};

/// The default command: harmless, and present in most images.
pub fn default_command(task: &Task) -> &'static str {
    if task
        .platform_family
        .as_deref()
        .is_some_and(|p| p.to_ascii_uppercase().contains("WINDOWS"))
    {
        "cmd.exe /c exit 0"
    } else {
        "true"
    }
}

/// At most this many sessions at once.
const PARALLEL: usize = 4;
/// The clean-up's own bound, after the probe's deadline if need be.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(5);

/// What to probe: a task and the container to exec into.
pub struct Pick {
    pub task: Task,
    pub container: String,
    pub command: String,
}

/// The tasks to probe: the one task; or for a fleet, one ready task first and then one task
/// of each problem group, at most `limit` in all (default: every group and one ready task).
pub fn pick(
    d: &Diagnosis,
    report: &Report,
    container: Option<&str>,
    command: Option<&str>,
    limit: Option<usize>,
) -> Vec<Pick> {
    let tasks: Vec<&Task> = d.subjects.iter().filter_map(|s| s.task.value()).collect();
    let mut chosen: Vec<&Task> = Vec::new();
    match &report.fleet {
        Some(fleet) if tasks.len() > 1 => {
            let in_group = |t: &Task| {
                fleet
                    .groups
                    .iter()
                    .any(|g| g.tasks.iter().any(|id| id == t.id()))
            };
            if let Some(ready) = tasks.iter().find(|t| !in_group(t)) {
                chosen.push(ready);
            }
            for g in &fleet.groups {
                if let Some(t) = g
                    .tasks
                    .first()
                    .and_then(|id| tasks.iter().find(|t| t.id() == id))
                    && !chosen.iter().any(|c| c.arn == t.arn)
                {
                    chosen.push(t);
                }
            }
        }
        _ => chosen.extend(tasks.first()),
    }
    if let Some(n) = limit {
        chosen.truncate(n);
    }
    chosen
        .into_iter()
        .map(|t| Pick {
            container: container
                .map(str::to_string)
                .unwrap_or_else(|| exec_container(t)),
            command: command
                .map(str::to_string)
                .unwrap_or_else(|| default_command(t).to_string()),
            task: t.clone(),
        })
        .collect()
}

/// The container execute-command would pick: the first whose exec agent runs, else the first.
fn exec_container(t: &Task) -> String {
    t.containers
        .iter()
        .find(|c| {
            c.exec_agent()
                .is_some_and(|a| a.last_status.as_deref() == Some("RUNNING"))
        })
        .or(t.containers.first())
        .map(|c| c.name.clone())
        .unwrap_or_default()
}

/// Probes `picks` concurrently, each bounded by `--timeout` (the clean-up a few seconds
/// more); Ctrl-C stops them, and their sessions are still closed.
pub fn run(picks: Vec<Pick>, region: &str, aws: &AwsArgs) -> Result<Vec<Probe>> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| DoctorError::new(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(async {
        let sdk = crate::aws::load_config(Some(region), aws).await;
        let clients = crate::aws::clients(&sdk, aws.endpoint_url.as_deref());
        let limit = Duration::from_secs(aws.timeout.max(1));
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                let _ = stop_tx.send(true);
            }
        });
        let probes = futures::stream::iter(picks.iter().map(|p| {
            let clients = &clients;
            let stop = stop_rx.clone();
            async move { probe(clients, p, limit, stop).await }
        }))
        .buffered(PARALLEL);
        use futures::StreamExt;
        Ok(probes.collect::<Vec<Probe>>().await)
    })
}

async fn probe(
    clients: &Clients,
    pick: &Pick,
    limit: Duration,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> Probe {
    let deadline = tokio::time::Instant::now() + limit;
    let mut probe = Probe {
        task: pick.task.id().to_string(),
        container: pick.container.clone(),
        command: pick.command.clone(),
        started_at: crate::aws::now_rfc3339(),
        session_id: None,
        closed: true,
        close_command: None,
        stages: Vec::new(),
        output: None,
    };
    let started = Instant::now();
    let call = clients
        .ecs
        .execute_command()
        .cluster(&pick.task.cluster_arn)
        .task(&pick.task.arn)
        .container(&pick.container)
        .command(&pick.command)
        .interactive(true)
        .send();
    let answer = tokio::select! {
        a = tokio::time::timeout_at(deadline, call) => a,
        _ = stop.wait_for(|s| *s) => {
            probe.stages.push(stage(Stage::Api, Status::Unknown, started, "interrupted (Ctrl-C) before ExecuteCommand answered", None));
            return not_reached(probe, Stage::Connect);
        }
    };
    let session = match answer {
        Err(_) => {
            probe.stages.push(stage(
                Stage::Api,
                Status::Error,
                started,
                "ExecuteCommand did not answer before the timeout",
                Some("timeout".into()),
            ));
            return not_reached(probe, Stage::Connect);
        }
        Ok(Err(e)) => {
            let (detail, code) = api_failure(&e);
            probe
                .stages
                .push(stage(Stage::Api, Status::Error, started, detail, code));
            return not_reached(probe, Stage::Connect);
        }
        Ok(Ok(out)) => out,
    };
    let Some(s) = session.session() else {
        probe.stages.push(stage(
            Stage::Api,
            Status::Error,
            started,
            "ExecuteCommand answered without a session",
            None,
        ));
        return not_reached(probe, Stage::Connect);
    };
    let session_id = s.session_id().unwrap_or_default().to_string();
    probe.session_id = Some(session_id.clone()).filter(|s| !s.is_empty());
    probe.stages.push(stage(
        Stage::Api,
        Status::Pass,
        started,
        format!("ExecuteCommand allowed; session {session_id} started"),
        None,
    ));
    let container = session.container_name().unwrap_or(&pick.container);
    let runtime_id = pick
        .task
        .containers
        .iter()
        .find(|c| c.name == container)
        .and_then(|c| c.runtime_id.clone())
        .unwrap_or_default();
    let cluster = ecs_exec_doctor_checks::arn::cluster_name(&pick.task.cluster_arn);
    let channel_session = channel::Session {
        session_id: &session_id,
        stream_url: s.stream_url().unwrap_or_default(),
        token: s.token_value().unwrap_or_default(),
        target_id: format!("ecs:{cluster}_{}_{runtime_id}", pick.task.id()),
        kms: Some(&clients.kms),
    };
    let outcome = tokio::select! {
        o = channel::run(&channel_session, deadline) => Some(o),
        _ = stop.wait_for(|s| *s) => None,
    };
    match outcome {
        Some(o) => {
            probe.stages.extend(o.stages);
            probe.output = o.output;
        }
        None => {
            probe.stages.push(stage(
                Stage::Connect,
                Status::Unknown,
                Instant::now(),
                "interrupted (Ctrl-C)",
                None,
            ));
            mark_unreached(&mut probe.stages, Stage::Open);
        }
    }
    close(clients, probe, &session_id).await
}

/// The session is always terminated, with its own few seconds even after the deadline.
async fn close(clients: &Clients, mut probe: Probe, session_id: &str) -> Probe {
    if session_id.is_empty() {
        return probe;
    }
    let started = Instant::now();
    let call = clients
        .ssm
        .terminate_session()
        .session_id(session_id)
        .send();
    let (status, detail, error) = match tokio::time::timeout(CLOSE_TIMEOUT, call).await {
        Ok(Ok(_)) => (
            Status::Pass,
            format!("TerminateSession closed {session_id}"),
            None,
        ),
        Ok(Err(e)) => {
            let failure = crate::aws::errors::classify("ssm:TerminateSession", &e);
            (
                Status::Error,
                format!("TerminateSession failed: {}", failure.message),
                failure.code,
            )
        }
        Err(_) => (
            Status::Error,
            "TerminateSession did not answer".to_string(),
            Some("timeout".into()),
        ),
    };
    probe.closed = status == Status::Pass;
    if !probe.closed {
        probe.close_command = Some(format!(
            "aws ssm terminate-session --session-id {session_id}"
        ));
    }
    probe
        .stages
        .push(stage(Stage::Close, status, started, detail, error));
    probe
}

fn stage(
    stage: Stage,
    status: Status,
    started: Instant,
    detail: impl Into<String>,
    error: Option<String>,
) -> ProbeStage {
    ProbeStage {
        stage,
        status,
        millis: started.elapsed().as_millis() as u64,
        detail: detail.into(),
        error,
    }
}

/// The stages from `from` on as not reached, and no session to close.
fn not_reached(mut probe: Probe, from: Stage) -> Probe {
    mark_unreached(&mut probe.stages, from);
    probe.stages.push(stage(
        Stage::Close,
        Status::NotApplicable,
        Instant::now(),
        "no session was opened",
        None,
    ));
    probe
}

/// ExecuteCommand's refusal, verified: its AWS error code and message.
fn api_failure<E>(e: &SdkError<E, HttpResponse>) -> (String, Option<String>)
where
    E: aws_sdk_ecs::error::ProvideErrorMetadata + std::error::Error + 'static,
{
    let failure = crate::aws::errors::classify("ecs:ExecuteCommand", e);
    let meaning = match failure.code.as_deref() {
        Some("AccessDeniedException") => {
            "the real authorization decision (identity policies, SCPs, boundaries, conditions) refuses ecs:ExecuteCommand"
        }
        Some("InvalidParameterException") => {
            "ECS refuses the session: exec is not enabled on the task, or its exec agent is not running"
        }
        Some("TargetNotConnectedException") => {
            "the exec agent in the container has no control channel to Session Manager"
        }
        Some("ClusterNotFoundException") => "the cluster does not exist in this account and region",
        Some("ThrottlingException") => "throttled even after retries",
        _ => "ExecuteCommand failed",
    };
    (format!("{meaning}: {}", failure.message), failure.code)
}

/// The extra IAM actions a probe needs (for `permissions --probe`).
pub const ACTIONS: [&str; 3] = [
    "ecs:ExecuteCommand",
    "ssm:TerminateSession",
    "kms:GenerateDataKey",
];
