//! The fleet view's shape (`--service`, `--all`): how many tasks are exec-ready, the groups of
//! tasks that share a problem, and the deployments they come from. Built by `crate::fleet`;
//! kept here, below it, so the report holds it without depending on how it is built.

use serde::{Deserialize, Serialize};

use crate::outcome::{Fix, Status};

/// How a message names the task it is about, once grouped.
pub const TASK_PLACEHOLDER: &str = "<task>";
/// Task ids listed per group in text; JSON lists all of them.
pub const SHOWN_TASKS: usize = 3;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fleet {
    /// Tasks diagnosed.
    pub tasks: usize,
    /// Tasks with no error and no UNKNOWN, in their own results or the run's.
    pub ready: usize,
    /// Tasks with at least one error.
    pub not_ready: usize,
    /// Tasks without an error but with an UNKNOWN result: not shown to be ready.
    pub unknown: usize,
    /// Running tasks `--max-tasks` left out.
    #[serde(default)]
    pub left_out: usize,
    /// One group per distinct problem, worst first, then by task count.
    pub groups: Vec<FleetGroup>,
    /// For each service whose tasks come from more than one deployment (mid-rollout, or old
    /// tasks never replaced): the tasks and ready tasks of each deployment, newest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deployments: Vec<FleetDeployment>,
}

/// The tasks of one service deployment (tasks with the same `startedBy` and task definition).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FleetDeployment {
    pub service: String,
    /// The deployment id (`ecs-svc/...`), the tasks' `startedBy`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_by: Option<String>,
    /// `PRIMARY` or `ACTIVE` as the service lists it; `None` when the service no longer lists
    /// the deployment (its tasks were never replaced) or was not read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// `family:revision`.
    pub task_definition: String,
    pub tasks: usize,
    pub ready: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FleetGroup {
    pub code: String,
    pub name: String,
    /// `error`, `warning`, `info` or `unknown`.
    pub status: Status,
    /// The message with the task's id replaced by [`TASK_PLACEHOLDER`].
    pub message: String,
    pub count: usize,
    /// Every task id of the group.
    pub tasks: Vec<String>,
    /// The evidence of the group's first task (the task's id replaced), e.g. the agent's
    /// stopping reason; other tasks' evidence is in their per-task results.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
    /// The fix of the group's first task.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<Fix>,
}

impl FleetDeployment {
    /// `ecs-svc/123 (PRIMARY, web:5): 10 tasks, 10 ready`.
    pub fn line(&self) -> String {
        let status = match self.status.as_deref() {
            Some(s) => s.to_string(),
            None if self.started_by.is_some() => "no longer a deployment of the service".into(),
            None => "started without a deployment id".into(),
        };
        let noun = if self.tasks == 1 { "task" } else { "tasks" };
        format!(
            "{} ({status}, {}): {} {noun}, {} ready",
            self.started_by.as_deref().unwrap_or("-"),
            self.task_definition,
            thousands(self.tasks),
            thousands(self.ready)
        )
    }
}

impl Fleet {
    /// `1,000 tasks: 963 ready, 37 not` and the rest, as one line.
    pub fn headline(&self) -> String {
        let mut parts = vec![format!("{} ready", self.ready)];
        if self.not_ready > 0 {
            parts.push(format!("{} not", self.not_ready));
        }
        if self.unknown > 0 {
            parts.push(format!("{} not verified (UNKNOWN)", self.unknown));
        }
        let noun = if self.tasks == 1 { "task" } else { "tasks" };
        let mut line = format!("{} {noun}: {}", thousands(self.tasks), parts.join(", "));
        if self.left_out > 0 {
            line.push_str(&format!(
                "; {} more running tasks left out by --max-tasks",
                thousands(self.left_out)
            ));
        }
        line
    }
}

/// `1000` as `1,000`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
