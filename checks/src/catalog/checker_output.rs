//! The original checker's output (`check-ecs-exec.sh`) read back into facts: the task's status,
//! launch type, platform version and exec flag, each container's agent status, read-only root,
//! init process and credential variables, and pidMode. Those facts then go through this
//! doctor's own checks, so a pasted checker run is enough for their verdicts. Only what the
//! checker printed becomes a fact; everything else stays unknown and is left out.

use crate::model::{Container, ContainerDefinition, ManagedAgent, Task, TaskDefinition, Value};

/// What a checker run showed: the task and task definition as far as it printed them, and the
/// codes of the checks those printed facts are enough for (a paste of one section is not a
/// task definition without credentials or a task role).
pub struct CheckerRun {
    pub task: Task,
    pub task_definition: TaskDefinition,
    pub checks: Vec<&'static str>,
}

/// The facts a checker run describes, if the text is one.
pub fn parse(text: &str) -> Option<CheckerRun> {
    let lines: Vec<String> = text.lines().map(strip_colours).collect();
    if !lines
        .iter()
        .any(|l| l.contains("Exec Enabled for Task") || l.contains("Managed Agent Status"))
    {
        return None;
    }
    let mut task = Task {
        last_status: "UNKNOWN".into(),
        ..Default::default()
    };
    let mut td = TaskDefinition {
        family: "(from the checker output)".into(),
        ..Default::default()
    };
    let mut section = "";
    let mut env_container: Option<String> = None;
    let mut saw_exec_flag = false;
    let mut checks: Vec<&'static str> = Vec::new();
    let mut printed = |code: &'static str| {
        if !checks.contains(&code) {
            checks.push(code);
        }
    };
    for line in &lines {
        let trimmed = line.trim();
        if let Some(id) = trimmed
            .strip_prefix("Task")
            .and_then(|r| r.trim_start().strip_prefix(':'))
        {
            task.arn = id.trim().to_string();
            continue;
        }
        if let Some((key, value)) = trimmed.split_once('|') {
            let (key, value) = (key.trim(), value.trim());
            match key {
                "Task" if value.is_empty() => {}
                "Task Status" => {
                    task.last_status = value.split_whitespace().next().unwrap_or("UNKNOWN").into();
                    printed("TK001");
                }
                "Launch Type" => task.launch_type = Some(value.to_ascii_uppercase()),
                "Platform Version" => {
                    task.platform_version = value.split_whitespace().next().map(str::to_string);
                    printed("TK004");
                }
                "Exec Enabled for Task" => {
                    task.enable_execute_command = value.starts_with("OK");
                    saw_exec_flag = true;
                    printed("TK002");
                }
                "PidMode" => {
                    if value == "task" || value == "host" {
                        td.pid_mode = Some(Value::Known(value.to_string()));
                    }
                    printed("TD004");
                }
                "Environment Variables" => {
                    section = "env";
                    printed("TD003");
                }
                "Container-Level Checks" => section = "",
                _ => {}
            }
            continue;
        }
        if trimmed.starts_with("Managed Agent Status") {
            section = "agents";
            if !trimmed.contains("SKIPPED") {
                // The checker lists the agents only of a task with exec enabled.
                task.enable_execute_command = true;
                printed("TK003");
            }
        } else if trimmed.starts_with("Init Process Enabled") {
            section = "init";
            printed("TD002");
        } else if trimmed.starts_with("Read-Only Root Filesystem") {
            section = "readonly";
            printed("TD001");
        } else if let Some(name) = quoted_name(trimmed) {
            match section {
                "agents" => {
                    let status = item_status(trimmed);
                    let reason = trimmed
                        .split_once("(Reason: ")
                        .and_then(|(_, r)| r.split_once(')'))
                        .map(|(r, _)| r.to_string())
                        .filter(|r| r != "null");
                    task.containers.push(Container {
                        name: name.clone(),
                        last_status: Some("RUNNING".into()),
                        managed_agents: vec![ManagedAgent {
                            name: "ExecuteCommandAgent".into(),
                            last_status: Some(status),
                            reason,
                            last_started_at: None,
                        }],
                        ..Default::default()
                    });
                }
                "init" => {
                    container(&mut td, &name).init_process_enabled =
                        Some(Value::Known(trimmed.contains("Enabled -")));
                }
                "readonly" => {
                    container(&mut td, &name).readonly_root_filesystem =
                        Some(Value::Known(trimmed.contains("ReadOnly -")));
                }
                "env" if trimmed.contains("container \"") => env_container = Some(name),
                _ => {}
            }
        } else if section == "env"
            && let (Some(c), Some(var)) = (&env_container, trimmed.strip_prefix("- "))
            && let Some((name, state)) = var.split_once(':')
            && state.trim() == "defined"
        {
            let c = c.clone();
            container(&mut td, &c)
                .environment_names
                .push(name.trim().to_string());
        }
    }
    if !saw_exec_flag && task.containers.is_empty() {
        return None;
    }
    Some(CheckerRun {
        task,
        task_definition: td,
        checks,
    })
}

fn container<'a>(td: &'a mut TaskDefinition, name: &str) -> &'a mut ContainerDefinition {
    if let Some(i) = td.containers.iter().position(|c| c.name == name) {
        return &mut td.containers[i];
    }
    td.containers.push(ContainerDefinition {
        name: name.to_string(),
        ..Default::default()
    });
    td.containers.last_mut().expect("just pushed")
}

/// `"web"` in `1. RUNNING for "web"` or `container "web"`.
fn quoted_name(line: &str) -> Option<String> {
    let start = line.find('"')? + 1;
    let end = line[start..].find('"')? + start;
    Some(line[start..end].to_string())
}

/// `RUNNING` in `1. RUNNING for "web"`.
fn item_status(line: &str) -> String {
    line.split_whitespace()
        .find(|w| w.chars().all(|c| c.is_ascii_uppercase()) && w.len() > 2)
        .unwrap_or("UNKNOWN")
        .to_string()
}

/// The line without terminal colour codes (`\x1b[0;31m`, or `^[[0;31m` as some pastes show).
fn strip_colours(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    loop {
        let esc = rest.find('\u{1b}').map(|i| (i, 1));
        let caret = rest.find("^[").map(|i| (i, 2));
        let Some((i, len)) = [esc, caret].into_iter().flatten().min() else {
            out.push_str(rest);
            return out;
        };
        out.push_str(&rest[..i]);
        let after = &rest[i + len..];
        match after.strip_prefix('[') {
            Some(csi) => {
                let end = csi
                    .find(|c: char| c.is_ascii_alphabetic())
                    .map_or(csi.len(), |e| e + 1);
                rest = &csi[end..];
            }
            None => rest = after,
        }
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    pub const RUN: &str = "-------------------------------------------------------------\nChecks on ECS task and other resources\n-------------------------------------------------------------\nRegion : us-east-1\nCluster: prod\nTask   : 0123456789abcdef0123456789abcdef\n-------------------------------------------------------------\n  Task Status            | \u{1b}[0;32mRUNNING\u{1b}[0m\n  Launch Type            | \u{1b}[0;32mFargate\u{1b}[0m\n  Platform Version       | \u{1b}[0;32m1.4.0\u{1b}[0m\n  Exec Enabled for Task  | \u{1b}[0;32mOK\u{1b}[0m\n  Container-Level Checks | \n    ----------\n      Managed Agent Status\n    ----------\n         1. \u{1b}[0;31mSTOPPED (Reason: null)\u{1b}[0m for \"api\" - LastStartedAt: null\n         2. \u{1b}[0;32mRUNNING\u{1b}[0m for \"proxy\"\n    ----------\n      Init Process Enabled (api:7)\n    ----------\n         1. \u{1b}[1;33mDisabled\u{1b}[0m - \"api\"\n    ----------\n      Read-Only Root Filesystem (api:7)\n    ----------\n         1. \u{1b}[0;31mReadOnly\u{1b}[0m - \"api\"\n  Environment Variables  | (api:7)\n       1. container \"api\"\n       - AWS_ACCESS_KEY: \u{1b}[0;32mnot defined\u{1b}[0m\n       - AWS_ACCESS_KEY_ID: \u{1b}[1;33mdefined\u{1b}[0m\n  PidMode                | \u{1b}[1;33mtask\u{1b}[0m\n";

    #[test]
    fn a_checker_run_becomes_facts() {
        let run = parse(RUN).unwrap();
        let (task, td) = (&run.task, &run.task_definition);
        assert_eq!(
            run.checks,
            [
                "TK001", "TK004", "TK002", "TK003", "TD002", "TD001", "TD003", "TD004"
            ]
        );
        assert_eq!(task.last_status, "RUNNING");
        assert_eq!(task.launch_type.as_deref(), Some("FARGATE"));
        assert_eq!(task.platform_version.as_deref(), Some("1.4.0"));
        assert!(task.enable_execute_command);
        let agents: Vec<(&str, Option<&str>)> = task
            .containers
            .iter()
            .map(|c| (c.name.as_str(), c.managed_agents[0].last_status.as_deref()))
            .collect();
        assert_eq!(
            agents,
            [("api", Some("STOPPED")), ("proxy", Some("RUNNING"))]
        );
        let api = &td.containers[0];
        assert_eq!(api.readonly_root_filesystem, Some(Value::Known(true)));
        assert_eq!(api.init_process_enabled, Some(Value::Known(false)));
        assert_eq!(api.environment_names, ["AWS_ACCESS_KEY_ID"]);
        assert_eq!(td.pid_mode, Some(Value::Known("task".into())));
        assert!(parse("An error occurred (TargetNotConnectedException)").is_none());
        assert_eq!(strip_colours("^[[0;31mNO^[[0m x"), "NO x");
    }
}
