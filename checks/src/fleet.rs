//! The fleet view of a run over several tasks (`--service`, `--all`): how many tasks are
//! exec-ready, and one group per distinct problem with its task count, the tasks and one fix,
//! so that a 1,000-task service whose tasks share their findings fits on one screen.

use std::collections::HashMap;

use crate::check::Severity;
use crate::facts::Diagnosis;
use crate::outcome::Fix;
use crate::outcome::Status;
use crate::report::CheckResult;
pub use crate::report::fleet::*;

/// Where one task comes from, for [`FleetDeployment`].
#[derive(Debug, Clone, PartialEq)]
struct Origin {
    service: String,
    started_by: Option<String>,
    status: Option<String>,
    task_definition: String,
}

/// The id of each diagnosed task, in subject order.
pub fn task_ids(d: &Diagnosis) -> Vec<String> {
    members(d).map(|(id, _)| id.to_string()).collect()
}

/// Each subject with a task id, and the id.
fn members(d: &Diagnosis) -> impl Iterator<Item = (&str, &crate::facts::Subject)> {
    d.subjects
        .iter()
        .map(|s| {
            let id = match s.task.value() {
                Some(t) => t.id(),
                None => crate::arn::task_id(&s.task_ref),
            };
            (id, s)
        })
        .filter(|(id, _)| !id.is_empty())
}

/// The fleet view of a diagnosis, with its deployments; `None` for one task.
pub fn of_diagnosis(d: &Diagnosis, results: &[CheckResult]) -> Option<Fleet> {
    let (tasks, origins): (Vec<String>, Vec<Option<Origin>>) = members(d)
        .map(|(id, s)| {
            let origin = s.task.value().and_then(|t| origin(t, s.service.value()));
            (id.to_string(), origin)
        })
        .unzip();
    build(results, &tasks, &origins, d.tasks_left_out)
}

fn origin(t: &crate::model::Task, service: Option<&crate::model::Service>) -> Option<Origin> {
    let name = t.group.as_deref()?.strip_prefix("service:")?;
    let status = service.and_then(|s| {
        let by = t.started_by.as_deref()?;
        s.deployments
            .iter()
            .find(|d| d.id == by)
            .map(|d| d.status.clone())
    });
    Some(Origin {
        service: name.to_string(),
        started_by: t.started_by.clone(),
        status,
        task_definition: crate::arn::task_definition_name(&t.task_definition_arn).to_string(),
    })
}

/// The fleet view of `results` over `tasks` (ids) from `origins` (one per task, or none);
/// `None` for one task when none was left out.
fn build(
    results: &[CheckResult],
    tasks: &[String],
    origins: &[Option<Origin>],
    left_out: usize,
) -> Option<Fleet> {
    if tasks.len() < 2 && left_out == 0 {
        return None;
    }
    let blocks = |s: Status| matches!(s, Status::Error | Status::Unknown);
    let run_level = results.iter().filter(|r| r.task.is_none());
    let run_blocked = run_level.clone().any(|r| blocks(r.status));
    let run_error = run_level.clone().any(|r| r.status == Status::Error);
    // Every lookup by task or group is indexed: linear in the results, not tasks x results.
    let mut by_task: HashMap<&str, Vec<&CheckResult>> = HashMap::new();
    for r in results {
        if let Some(t) = r.task.as_deref() {
            by_task.entry(t).or_default().push(r);
        }
    }
    let mut groups: Vec<FleetGroup> = Vec::new();
    let mut group_of: HashMap<(String, Status, String), usize> = HashMap::new();
    let (mut ready, mut not_ready, mut unknown) = (0, 0, 0);
    let mut is_ready = Vec::with_capacity(tasks.len());
    for task in tasks {
        let own = by_task.remove(task.as_str()).unwrap_or_default();
        let error = run_error || own.iter().any(|r| r.status == Status::Error);
        let task_ready = if error {
            not_ready += 1;
            false
        } else if run_blocked || own.iter().any(|r| blocks(r.status)) {
            unknown += 1;
            false
        } else {
            ready += 1;
            true
        };
        is_ready.push(task_ready);
        for r in own {
            for (status, message, evidence, fix) in problems(r) {
                let message = generic(&message, task);
                let key = (r.code.clone(), status, message);
                match group_of.get(&key) {
                    Some(&i) => {
                        let g = &mut groups[i];
                        if g.tasks.last() != Some(task) {
                            g.tasks.push(task.clone());
                        }
                    }
                    None => {
                        group_of.insert(key.clone(), groups.len());
                        groups.push(FleetGroup {
                            code: r.code.clone(),
                            name: r.name.clone(),
                            status,
                            message: key.2,
                            count: 1,
                            tasks: vec![task.clone()],
                            evidence: evidence.iter().map(|e| generic(e, task)).collect(),
                            fix,
                        });
                    }
                }
            }
        }
    }
    // A group's count is its number of tasks (a task can have the same finding twice).
    for g in &mut groups {
        g.count = g.tasks.len();
    }
    groups.sort_by(|a, b| {
        rank(a.status)
            .cmp(&rank(b.status))
            .then(b.count.cmp(&a.count))
    });
    Some(Fleet {
        tasks: tasks.len(),
        ready,
        not_ready,
        unknown,
        left_out,
        groups,
        deployments: deployments(origins, &is_ready),
    })
}

/// The deployments of every service whose tasks come from more than one.
fn deployments(origins: &[Option<Origin>], is_ready: &[bool]) -> Vec<FleetDeployment> {
    let mut out: Vec<FleetDeployment> = Vec::new();
    let mut index: HashMap<(&str, Option<&str>, &str), usize> = HashMap::new();
    for (o, &ready) in origins.iter().zip(is_ready) {
        let Some(o) = o else { continue };
        let key = (
            o.service.as_str(),
            o.started_by.as_deref(),
            o.task_definition.as_str(),
        );
        let i = *index.entry(key).or_insert_with(|| {
            out.push(FleetDeployment {
                service: o.service.clone(),
                started_by: o.started_by.clone(),
                status: o.status.clone(),
                task_definition: o.task_definition.clone(),
                tasks: 0,
                ready: 0,
            });
            out.len() - 1
        });
        out[i].tasks += 1;
        out[i].ready += usize::from(ready);
    }
    let mut per_service: HashMap<String, usize> = HashMap::new();
    for d in &out {
        *per_service.entry(d.service.clone()).or_default() += 1;
    }
    out.retain(|d| per_service[&d.service] > 1);
    let order = |s: &Option<String>| match s.as_deref() {
        Some("PRIMARY") => 0,
        Some(_) => 1,
        None => 2,
    };
    out.sort_by(|a, b| {
        a.service
            .cmp(&b.service)
            .then(order(&a.status).cmp(&order(&b.status)))
            .then(b.tasks.cmp(&a.tasks))
    });
    out
}

/// The problems a result shows: each finding, or the result itself when UNKNOWN.
fn problems(r: &CheckResult) -> Vec<(Status, String, Vec<String>, Option<Fix>)> {
    match r.status {
        Status::Unknown => vec![(Status::Unknown, r.message.clone(), Vec::new(), None)],
        Status::Pass | Status::NotApplicable => Vec::new(),
        _ => r
            .findings
            .iter()
            .map(|f| {
                (
                    Status::from_severity(f.severity),
                    f.message.clone(),
                    f.evidence.clone(),
                    f.fix.clone(),
                )
            })
            .collect(),
    }
}

/// `message` with the task's id (alone or in its ARN) replaced by the placeholder.
fn generic(message: &str, task: &str) -> String {
    if task.is_empty() {
        return message.to_string();
    }
    // An ARN ending in the id goes whole: `arn:aws:ecs:...:task/cluster/ID`.
    let mut out = String::with_capacity(message.len());
    for (i, word) in message.split('`').enumerate() {
        if i > 0 {
            out.push('`');
        }
        if word.starts_with("arn:") && word.ends_with(task) || word == task {
            out.push_str(TASK_PLACEHOLDER);
        } else {
            out.push_str(&word.replace(task, TASK_PLACEHOLDER));
        }
    }
    out
}

fn rank(s: Status) -> u8 {
    match s {
        Status::Error => 0,
        Status::Unknown => 1,
        Status::Warning => 2,
        Status::Info => 3,
        _ => 4,
    }
}

/// The severity a group's status stands for, if any.
pub fn severity(s: Status) -> Option<Severity> {
    match s {
        Status::Error => Some(Severity::Error),
        Status::Warning => Some(Severity::Warning),
        Status::Info => Some(Severity::Info),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Category;
    use crate::outcome::Finding;

    fn result(code: &str, task: Option<&str>, status: Status, message: &str) -> CheckResult {
        CheckResult {
            code: code.into(),
            name: code.to_lowercase(),
            category: Category::Task,
            task: task.map(str::to_string),
            status,
            heuristic: false,
            message: message.into(),
            evidence: Vec::new(),
            findings: match crate::fleet::severity(status) {
                Some(s) => vec![Finding::new(s, message)],
                None => Vec::new(),
            },
            missing_action: None,
        }
    }

    #[test]
    fn groups_by_problem_with_the_task_id_taken_out() {
        let tasks: Vec<String> = (0..5)
            .map(|i| format!("{i}aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"))
            .collect();
        let mut results = vec![result("CL001", None, Status::Pass, "ok")];
        for (i, t) in tasks.iter().enumerate() {
            results.push(result("TK001", Some(t), Status::Pass, "running"));
            if i < 2 {
                results.push(result(
                    "TK002",
                    Some(t),
                    Status::Error,
                    &format!("task `{t}` was started without enableExecuteCommand"),
                ));
            }
            if i == 4 {
                results.push(result(
                    "IR002",
                    Some(t),
                    Status::Unknown,
                    "task role permission simulation could not be fetched",
                ));
            }
        }
        let fleet = build(&results, &tasks, &[], 7).unwrap();
        assert_eq!((fleet.ready, fleet.not_ready, fleet.unknown), (2, 2, 1));
        assert_eq!(fleet.groups.len(), 2);
        let g = &fleet.groups[0];
        assert_eq!((g.code.as_str(), g.count), ("TK002", 2));
        assert_eq!(
            g.message,
            "task `<task>` was started without enableExecuteCommand"
        );
        assert_eq!(fleet.groups[1].status, Status::Unknown);
        assert_eq!(
            fleet.headline(),
            "5 tasks: 2 ready, 2 not, 1 not verified (UNKNOWN); 7 more running tasks left out by --max-tasks"
        );
        assert!(build(&results, &tasks[..1], &[], 0).is_none());
    }

    #[test]
    fn tasks_of_an_old_deployment_are_counted_apart() {
        let mut d = crate::testing::diagnosis();
        let base = d.subjects[0].clone();
        d.subjects.clear();
        let mut results = Vec::new();
        for i in 0..5 {
            let mut s = base.clone();
            let t = s.task.value_mut();
            t.arn = format!(
                "{}{i:031}",
                t.arn.rsplit_once('/').unwrap().0.to_string() + "/"
            );
            if i >= 3 {
                t.started_by = Some("ecs-svc/42".into());
                t.task_definition_arn = t.task_definition_arn.replace(":3", ":2");
                results.push(result("TK002", Some(t.id()), Status::Error, "no exec"));
            }
            d.subjects.push(s);
        }
        let fleet = of_diagnosis(&d, &results).unwrap();
        assert_eq!((fleet.ready, fleet.not_ready), (3, 2));
        let lines: Vec<String> = fleet.deployments.iter().map(|d| d.line()).collect();
        assert_eq!(
            lines,
            [
                "ecs-svc/9876501234598765012 (PRIMARY, web:3): 3 tasks, 3 ready",
                "ecs-svc/42 (no longer a deployment of the service, web:2): 2 tasks, 0 ready"
            ]
        );
        // One deployment per service: nothing to compare, no section.
        d.subjects.truncate(3);
        assert!(of_diagnosis(&d, &[]).unwrap().deployments.is_empty());
    }

    #[test]
    fn a_run_level_error_makes_every_task_not_ready() {
        let tasks = vec!["a".repeat(32), "b".repeat(32)];
        let results = vec![result("CR001", None, Status::Error, "denied")];
        let fleet = build(&results, &tasks, &[], 0).unwrap();
        assert_eq!((fleet.ready, fleet.not_ready), (0, 2));
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(963), "963");
        assert_eq!(thousands(1234567), "1,234,567");
    }

    #[test]
    fn arns_of_the_task_are_replaced_whole() {
        let id = "0123456789abcdef0123456789abcdef";
        assert_eq!(
            generic(
                &format!("agent on `arn:aws:ecs:us-east-1:1:task/prod/{id}` and {id}"),
                id
            ),
            "agent on `<task>` and <task>"
        );
    }
}
