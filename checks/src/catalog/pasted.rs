//! Facts pasted beside an error: `aws ecs describe-tasks` output (or one task object),
//! `describe-task-definition` / `describe-services` output, and the original checker's output
//! (read back into facts by [`super::checker_output`]). Each JSON document in the text is
//! run through the checks it can feed — the task's state (running, exec flag, agent status,
//! platform version) by the live checks, task definitions and services by the lint checks —
//! and their verdicts are shown under the explanation. Checks that need facts the paste does
//! not have are left out, never shown as passing.

use serde::Serialize;
use serde_json::Value;

use crate::facts::{Diagnosis, Fact, Mode, Subject};
use crate::model::{Container, ManagedAgent, Target, Task};
use crate::report::Status;
use crate::runner::{Selection, evaluate};

/// Only this much of a paste is searched for JSON.
const MAX_SCAN: usize = 4 << 20;
/// At most this many JSON documents are read from one paste.
const MAX_DOCUMENTS: usize = 20;
/// At most this many tasks of one describe-tasks output are checked.
const MAX_TASKS: usize = 10;

/// The verdicts on one pasted document.
#[derive(Debug, Clone, Serialize)]
pub struct PastedFacts {
    /// `describe-tasks output: task 0123…` or `task definition web:3`.
    pub what: String,
    pub verdicts: Vec<Verdict>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    pub code: String,
    pub name: String,
    pub status: Status,
    pub message: String,
}

/// The verdicts on every task, task definition and service found as JSON in `text`.
pub fn check_pasted(text: &str) -> Vec<PastedFacts> {
    let mut out = Vec::new();
    if let Some(run) = super::checker_output::parse(text) {
        // Only the checks whose facts the checker printed: a pasted section is not a whole run.
        let verdicts: Vec<Verdict> = verdicts(run.task, Some(run.task_definition))
            .into_iter()
            .filter(|v| run.checks.contains(&v.code.as_str()))
            .collect();
        if !verdicts.is_empty() {
            out.push(PastedFacts {
                what: "the original checker's output".into(),
                verdicts,
            });
        }
    }
    for doc in json_documents(text) {
        let tasks: Vec<&Value> = match doc.get("tasks").and_then(Value::as_array) {
            Some(tasks) => tasks.iter().collect(),
            None if doc.get("taskArn").is_some() && doc.get("containers").is_some() => vec![&doc],
            None => Vec::new(),
        };
        if !tasks.is_empty() {
            for t in tasks.into_iter().take(MAX_TASKS) {
                out.extend(task_verdicts(t));
            }
            continue;
        }
        if let Some(iam) = super::pasted_iam::iam_verdicts(&doc) {
            out.push(iam);
            continue;
        }
        out.extend(lint_verdicts(&doc));
    }
    out
}

/// Every JSON object in the text that starts a line (after a prompt's output, in a code fence),
/// in order, each once.
fn json_documents(text: &str) -> Vec<Value> {
    let text = &text[..text.floor_char_boundary(MAX_SCAN)];
    let mut docs = Vec::new();
    let mut at = 0;
    while at < text.len() && docs.len() < MAX_DOCUMENTS {
        let Some(offset) = text[at..].find('{') else {
            break;
        };
        let start = at + offset;
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        if !text[line_start..start].trim().is_empty() {
            at = start + 1;
            continue;
        }
        let mut stream = serde_json::Deserializer::from_str(&text[start..]).into_iter::<Value>();
        match stream.next() {
            Some(Ok(value)) if value.is_object() => {
                at = start + stream.byte_offset();
                docs.push(value);
            }
            _ => at = start + 1,
        }
    }
    docs
}

/// The live task checks on one task of describe-tasks output.
fn task_verdicts(t: &Value) -> Option<PastedFacts> {
    let task = task(t)?;
    let what = format!("describe-tasks output: task {}", task.id());
    Some(PastedFacts {
        what,
        verdicts: verdicts(task, None),
    })
}

/// The verdicts of the checks that read only the task (and the task definition, when known).
fn verdicts(task: Task, task_definition: Option<crate::model::TaskDefinition>) -> Vec<Verdict> {
    let provided: &[crate::FactKind] = if task_definition.is_some() {
        &[crate::FactKind::Task, crate::FactKind::TaskDefinition]
    } else {
        &[crate::FactKind::Task]
    };
    let diagnosis = Diagnosis {
        target: Target {
            cluster: crate::arn::cluster_name(&task.cluster_arn).to_string(),
            partition: "aws".into(),
            ..Default::default()
        },
        subjects: vec![Subject {
            task_ref: task.arn.clone(),
            task: Fact::ok(task),
            task_definition: task_definition.map_or(Fact::NotFetched, Fact::ok),
            ..Default::default()
        }],
        ..Default::default()
    };
    evaluate(&diagnosis, Mode::Live, &Selection::default())
        .into_iter()
        .filter(|r| {
            let needs = crate::registry::find(&r.code).map_or(&[][..], |c| c.meta.needs);
            // Checks of what the paste holds; those that also need facts it lacks come out
            // UNKNOWN (or, like TK005, not applicable) and are left out.
            needs.iter().any(|n| provided.contains(n)) && is_verdict(r.status)
        })
        .map(|r| Verdict {
            code: r.code,
            name: r.name,
            status: r.status,
            message: r.message,
        })
        .collect()
}

fn is_verdict(s: Status) -> bool {
    !matches!(s, Status::Unknown | Status::NotApplicable)
}

/// The lint checks on a task definition or service document.
fn lint_verdicts(doc: &Value) -> Vec<PastedFacts> {
    let bytes = doc.to_string().into_bytes();
    let report = crate::lint::lint(&bytes, &Selection::default());
    report
        .units
        .into_iter()
        .map(|u| PastedFacts {
            what: format!("{} {}", u.resource.title(), u.name),
            verdicts: u
                .checks
                .into_iter()
                .filter(|c| is_verdict(c.status))
                .map(|c| Verdict {
                    code: c.code,
                    name: c.name,
                    status: c.status,
                    message: c.message,
                })
                .collect(),
        })
        .filter(|p| !p.verdicts.is_empty())
        .collect()
}

/// A task of describe-tasks output (the AWS CLI's JSON) as the fact model has it.
fn task(t: &Value) -> Option<Task> {
    let s = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    let arn = s(t, "taskArn")?;
    let detail = |name: &str| {
        t.get("attachments")?
            .as_array()?
            .iter()
            .flat_map(|a| {
                a.get("details")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
            })
            .find(|d| d.get("name").and_then(Value::as_str) == Some(name))
            .and_then(|d| s(d, "value"))
    };
    Some(Task {
        cluster_arn: s(t, "clusterArn").unwrap_or_default(),
        last_status: s(t, "lastStatus").unwrap_or_else(|| "UNKNOWN".into()),
        desired_status: s(t, "desiredStatus"),
        stopped_reason: s(t, "stoppedReason"),
        launch_type: s(t, "launchType"),
        capacity_provider: s(t, "capacityProviderName"),
        platform_version: s(t, "platformVersion"),
        platform_family: s(t, "platformFamily"),
        enable_execute_command: t
            .get("enableExecuteCommand")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        task_definition_arn: s(t, "taskDefinitionArn").unwrap_or_default(),
        group: s(t, "group"),
        started_by: s(t, "startedBy"),
        container_instance_arn: s(t, "containerInstanceArn"),
        task_role_override: t.get("overrides").and_then(|o| s(o, "taskRoleArn")),
        tags: t
            .get("tags")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|tag| Some((s(tag, "key")?, s(tag, "value").unwrap_or_default())))
            .collect(),
        containers: t
            .get("containers")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|c| Container {
                name: s(c, "name").unwrap_or_default(),
                last_status: s(c, "lastStatus"),
                runtime_id: s(c, "runtimeId"),
                managed_agents: c
                    .get("managedAgents")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .map(|a| ManagedAgent {
                        name: s(a, "name").unwrap_or_default(),
                        last_status: s(a, "lastStatus"),
                        reason: s(a, "reason"),
                        last_started_at: a.get("lastStartedAt").and_then(epoch),
                    })
                    .collect(),
            })
            .collect(),
        subnet_id: detail("subnetId"),
        eni_id: detail("networkInterfaceId"),
        started_at: t.get("startedAt").and_then(epoch),
        arn,
    })
}

/// A timestamp as the AWS CLI prints it: epoch seconds (v1) or ISO 8601 (v2).
fn epoch(v: &Value) -> Option<i64> {
    if let Some(n) = v.as_f64() {
        return Some(n as i64);
    }
    let text = v.as_str()?;
    let (date, time) = text.split_once('T')?;
    let mut d = date.split('-').map(|p| p.parse::<i64>().ok());
    let (y, m, day) = (d.next()??, d.next()??, d.next()??);
    // Four-digit years only: the arithmetic below then cannot overflow, whatever was pasted.
    if !(0..=9999).contains(&y) || !(1..=12).contains(&m) || !(1..=31).contains(&day) {
        return None;
    }
    let hms: Vec<i64> = time
        .get(..8)?
        .split(':')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let [h, min, sec] = hms[..] else { return None };
    if !(0..24).contains(&h) || !(0..60).contains(&min) || !(0..=60).contains(&sec) {
        return None;
    }
    let rest = &time[8..];
    let rest = rest.trim_start_matches(|c: char| c == '.' || c.is_ascii_digit());
    let offset = match rest.as_bytes().first() {
        Some(b'+' | b'-') if rest.len() >= 6 => {
            let sign = if rest.starts_with('-') { -1 } else { 1 };
            let oh: i64 = rest.get(1..3)?.parse().ok()?;
            let om: i64 = rest.get(4..6)?.parse().ok()?;
            sign * (oh * 3600 + om * 60)
        }
        _ => 0,
    };
    Some(days_from_civil(y, m, day) * 86_400 + h * 3600 + min * 60 + sec - offset)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    const DESCRIBE_TASKS: &str = r#"$ aws ecs describe-tasks --cluster prod --tasks 0123456789abcdef0123456789abcdef
{
    "tasks": [
        {
            "attachments": [{"type": "ElasticNetworkInterface", "status": "ATTACHED", "details": [{"name": "subnetId", "value": "subnet-0a"}]}],
            "clusterArn": "arn:aws:ecs:us-east-1:123456789012:cluster/prod",
            "containers": [
                {
                    "name": "app",
                    "lastStatus": "RUNNING",
                    "runtimeId": "0123456789abcdef0123456789abcdef-1234567890",
                    "managedAgents": [
                        {
                            "lastStartedAt": "2024-05-02T10:00:00.123000+02:00",
                            "name": "ExecuteCommandAgent",
                            "lastStatus": "STOPPED",
                            "reason": null
                        }
                    ]
                }
            ],
            "enableExecuteCommand": true,
            "lastStatus": "RUNNING",
            "launchType": "FARGATE",
            "platformVersion": "1.4.0",
            "taskArn": "arn:aws:ecs:us-east-1:123456789012:task/prod/0123456789abcdef0123456789abcdef",
            "taskDefinitionArn": "arn:aws:ecs:us-east-1:123456789012:task-definition/web:3"
        }
    ],
    "failures": []
}
An error occurred (TargetNotConnectedException) when calling the ExecuteCommand operation: The execute command failed due to an internal error. Try again later."#;

    fn codes(p: &PastedFacts) -> Vec<(&str, Status)> {
        p.verdicts
            .iter()
            .map(|v| (v.code.as_str(), v.status))
            .collect()
    }

    #[test]
    fn describe_tasks_output_feeds_the_task_checks() {
        let found = check_pasted(DESCRIBE_TASKS);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].what.contains("0123456789abcdef0123456789abcdef"));
        let verdicts = codes(&found[0]);
        assert!(verdicts.contains(&("TK003", Status::Error)), "{verdicts:?}");
        assert!(verdicts.contains(&("TK002", Status::Pass)), "{verdicts:?}");
        assert!(verdicts.contains(&("TK001", Status::Pass)), "{verdicts:?}");
        // Nothing that needs more than the task is shown, passing or not.
        assert!(
            verdicts.iter().all(|(c, _)| c.starts_with("TK")),
            "{verdicts:?}"
        );
    }

    #[test]
    fn a_task_definition_feeds_the_lint_checks() {
        let paste = "here is my task definition:\n```json\n{\"taskDefinition\": {\"family\": \"web\", \"revision\": 3, \"taskRoleArn\": \"arn:aws:iam::123456789012:role/app\", \"containerDefinitions\": [{\"name\": \"web\", \"image\": \"nginx\", \"readonlyRootFilesystem\": true, \"environment\": [{\"name\": \"AWS_SECRET_ACCESS_KEY\", \"value\": \"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\"}]}]}}\n```";
        let found = check_pasted(paste);
        assert_eq!(found.len(), 1, "{found:?}");
        let verdicts = codes(&found[0]);
        assert!(verdicts.contains(&("TD001", Status::Error)), "{verdicts:?}");
        assert!(verdicts.iter().any(|(c, _)| *c == "TD003"), "{verdicts:?}");
        let all = serde_json::to_string(&found).unwrap();
        assert!(
            !all.contains("wJalrXUtnFEMI"),
            "no secret value in any verdict: {all}"
        );
    }

    #[test]
    fn the_original_checker_s_output_feeds_the_checks() {
        let found = check_pasted(super::super::checker_output::tests::RUN);
        assert_eq!(found.len(), 1, "{found:?}");
        let verdicts = codes(&found[0]);
        for expected in [
            ("TK001", Status::Pass),
            ("TK003", Status::Error),
            ("TD001", Status::Error),
            ("TD003", Status::Warning),
            ("TD004", Status::Warning),
        ] {
            assert!(verdicts.contains(&expected), "{expected:?} in {verdicts:?}");
        }
    }

    #[test]
    fn a_pasted_checker_section_feeds_only_the_checks_it_printed_facts_for() {
        // The agents alone: no claim about credentials, the task role or pidMode, and TK003
        // needs the task's status, which this section does not print.
        let paste = " Managed Agent Status\n    ----------\n         1. STOPPED (Reason: null) for \"app\" - LastStartedAt: null\n";
        assert!(check_pasted(paste).is_empty(), "{:?}", check_pasted(paste));
        let with_status = format!("  Task Status            | RUNNING\n{paste}");
        let found = check_pasted(&with_status);
        assert_eq!(
            codes(&found[0]),
            [("TK001", Status::Pass), ("TK003", Status::Error)]
        );
    }

    #[test]
    fn prose_and_broken_json_yield_nothing() {
        assert!(check_pasted("TargetNotConnectedException {not json} [1, 2]").is_empty());
        assert!(check_pasted("{\"tasks\": [").is_empty());
        let many = "{}\n".repeat(10_000);
        assert!(check_pasted(&many).is_empty());
    }

    #[test]
    fn timestamps_of_both_cli_versions() {
        assert_eq!(epoch(&Value::from(1714636800.5)), Some(1714636800));
        assert_eq!(
            epoch(&Value::from("2024-05-02T10:00:00.123000+02:00")),
            Some(1714636800)
        );
        assert_eq!(
            epoch(&Value::from("2024-05-02T08:00:00Z")),
            Some(1714636800)
        );
        assert_eq!(epoch(&Value::from("yesterday")), None);
        // Out-of-range dates are not timestamps (and do not overflow the arithmetic).
        for absurd in [
            "9223372036854775807-01-01T00:00:00Z",
            "-9223372036854775808-01-01T00:00:00Z",
            "2024-99-01T00:00:00Z",
            "2024-05-02T99:99:99Z",
            "2024-05-02T10:00:00+aé:00",
        ] {
            assert_eq!(epoch(&Value::from(absurd)), None, "{absurd}");
        }
        assert_eq!(epoch(&Value::from(1e300)), Some(i64::MAX));
        assert_eq!(epoch(&Value::from(-1e300)), Some(i64::MIN));
    }
}
