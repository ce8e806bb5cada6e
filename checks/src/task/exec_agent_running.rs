crate::declare_check! {
    /// ## What it checks
    /// For every container of the task (or the one named with `--container`), that its
    /// `ExecuteCommandAgent` managed agent is `RUNNING`, and how long ago it started. Containers
    /// without managed agents (for example the GuardDuty runtime-monitoring sidecar) are skipped,
    /// not treated as failures. A named container that is not in the task is an error.
    ///
    /// ## Why it matters
    /// The agent inside the container is what Session Manager connects to. `STOPPED` (often with
    /// `reason: null`) or `PENDING` gives `TargetNotConnectedException` or `InvalidParameterException`.
    /// An agent that started seconds ago may not have registered yet.
    ///
    /// ## How to fix
    /// Replace the task. If the agent keeps stopping: set `initProcessEnabled`, make the root
    /// filesystem writable, and give the task more memory (the agent needs some).
    ///
    /// ## References
    /// - amazon-ecs-exec-checker#15, #67, #84; aws/aws-cli#6903; aws/amazon-ssm-agent#361
    pub static CHECK = {
        code: "TK003",
        name: "exec-agent-running",
        category: Containers,
        severity: Error,
        scope: Live,
        level: Task,
        summary: "The ExecuteCommandAgent is RUNNING in the target containers",
        needs: [Task],
        evaluate: evaluate,
    };
}

use crate::facts::{Facts, Unavailable};
use crate::fixes::replace_task;
use crate::outcome::{Finding, Fix, Verdict};

/// Agents younger than this may not have registered with Session Manager yet.
const SETTLING_SECONDS: i64 = 30;

fn evaluate(f: &Facts<'_>) -> Result<Verdict, Unavailable> {
    let task = f.task()?;
    if !task.enable_execute_command {
        return Ok(Verdict::not_applicable(
            "exec is not enabled on the task (see TK002)",
        ));
    }
    if task.last_status != "RUNNING" {
        return Ok(Verdict::not_applicable(format!(
            "the task is {} (see TK001)",
            task.last_status
        )));
    }
    let targeted: Vec<_> = match &f.target().container {
        Some(name) => {
            let Some(c) = task.containers.iter().find(|c| &c.name == name) else {
                let names: Vec<_> = task.containers.iter().map(|c| c.name.as_str()).collect();
                return Ok(Verdict::Findings(vec![
                    Finding::error(format!(
                        "container `{name}` is not in task `{}` (containers: {})",
                        task.id(),
                        names.join(", ")
                    ))
                    .fix(Fix::new(
                        "pass one of the task's container names to --container",
                    )),
                ]));
            };
            vec![c]
        }
        None => task.containers.iter().collect(),
    };
    let replace = replace_task(Fix::new("replace the task"), f, task, false)
        .note("if the agent keeps stopping: set linuxParameters.initProcessEnabled=true, keep the root filesystem writable, and give the task more memory");
    let mut findings = Vec::new();
    let mut evidence = Vec::new();
    let mut with_agent = 0;
    for c in &targeted {
        let Some(agent) = c.exec_agent() else {
            evidence.push(format!(
                "container `{}` has no ExecuteCommandAgent (skipped)",
                c.name
            ));
            if f.target().container.is_some() {
                findings.push(
                    Finding::error(format!("container `{}` has no ExecuteCommandAgent", c.name))
                        .subject(c.name.clone())
                        .fix(Fix::new(
                            "exec into a container that runs the agent, or replace the task",
                        )),
                );
            }
            continue;
        };
        with_agent += 1;
        let status = agent.last_status.as_deref().unwrap_or("UNKNOWN");
        match status {
            "RUNNING" => {
                match Age::between(f.now(), agent.last_started_at) {
                    Age::Seconds(age) if age < SETTLING_SECONDS => findings.push(
                        Finding::info(format!(
                            "the ExecuteCommandAgent in `{}` started {age} s ago and may not have registered yet",
                            c.name
                        ))
                        .subject(c.name.clone())
                        .fix(Fix::new("wait a minute, then retry")),
                    ),
                    Age::Seconds(age) => evidence.push(format!("`{}`: ExecuteCommandAgent RUNNING for {}", c.name, human_age(age))),
                    Age::Implausible(why) => evidence.push(format!("`{}`: ExecuteCommandAgent RUNNING ({why})", c.name)),
                    Age::Unknown => evidence.push(format!("`{}`: ExecuteCommandAgent RUNNING", c.name)),
                }
            }
            "PENDING" => findings.push(
                Finding::warning(format!(
                    "the ExecuteCommandAgent in `{}` is still PENDING",
                    c.name
                ))
                .subject(c.name.clone())
                .fix(Fix::new(
                    "wait until it is RUNNING; replace the task if it stays PENDING",
                )),
            ),
            other => {
                let reason = agent.reason.clone().unwrap_or_else(|| "null".into());
                findings.push(
                    Finding::error(format!(
                        "the ExecuteCommandAgent in `{}` is {other}",
                        c.name
                    ))
                    .subject(c.name.clone())
                    .evidence(format!("reason: {reason}"))
                    .fix(replace.clone()),
                );
            }
        }
    }
    if with_agent == 0 && f.target().container.is_none() {
        findings.push(
            Finding::error(format!(
                "no container of task `{}` runs the ExecuteCommandAgent",
                task.id()
            ))
            .fix(replace.clone()),
        );
    }
    if f.target().container.is_none() && with_agent > 1 {
        findings.push(Finding::info(format!(
            "task `{}` has {with_agent} containers with the agent: pass --container NAME to execute-command",
            task.id()
        )));
    }
    Ok(Verdict::from_findings(findings, evidence))
}

/// How long before the facts were read an agent started.
#[derive(Debug, PartialEq)]
enum Age {
    Seconds(i64),
    /// A start time that cannot be right, said in words rather than as a number of days.
    Implausible(&'static str),
    Unknown,
}

/// Clocks disagree by a few seconds; a start time further in the future is not a clock skew.
const SKEW_SECONDS: i64 = 60;
/// No agent has been running this long: ECS Exec dates from 2021.
const MAX_PLAUSIBLE_SECONDS: i64 = 50 * 365 * 86_400;

impl Age {
    /// `now - started`, computed without overflow: the timestamps come from AWS or from a
    /// recording, and a recording can hold any `i64`.
    fn between(now: Option<i64>, started: Option<i64>) -> Self {
        let (Some(now), Some(started)) = (now, started) else {
            return Age::Unknown;
        };
        match now.checked_sub(started) {
            // A start a moment after the read is the two clocks disagreeing: it just started.
            Some(age) if (-SKEW_SECONDS..0).contains(&age) => Age::Seconds(0),
            Some(age) if (0..=MAX_PLAUSIBLE_SECONDS).contains(&age) => Age::Seconds(age),
            Some(age) if age < 0 => Age::Implausible("its start time is after the facts were read"),
            None if started > now => {
                Age::Implausible("its start time is after the facts were read")
            }
            _ => Age::Implausible("its start time is decades before the facts were read"),
        }
    }
}

fn human_age(seconds: i64) -> String {
    match seconds {
        s if s < 120 => format!("{s} s"),
        s if s < 7200 => format!("{} min", s / 60),
        s if s < 172_800 => format!("{} h", s / 3600),
        s => format!("{} days", s / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Container;
    use crate::testing::*;

    #[test]
    fn verdicts() {
        let mut d = diagnosis();
        assert_pass(&CHECK, &d);
        let t = d.subjects[0].task.value_mut();
        t.containers[0].managed_agents[0].last_status = Some("STOPPED".into());
        assert_finding(&CHECK, &d, Severity::Error, "is STOPPED");
        let t = d.subjects[0].task.value_mut();
        t.containers[0].managed_agents[0].last_status = Some("PENDING".into());
        assert_finding(&CHECK, &d, Severity::Warning, "PENDING");
        let t = d.subjects[0].task.value_mut();
        t.containers[0].managed_agents[0].last_status = Some("RUNNING".into());
        t.containers[0].managed_agents[0].last_started_at = d.observed_at.map(|n| n - 5);
        assert_finding(&CHECK, &d, Severity::Info, "5 s ago");
    }

    /// Timestamps from a recording can be any `i64`: the age is computed without overflow
    /// (this would panic in a debug build) and an impossible one is said in words.
    #[test]
    fn extreme_start_times_do_not_overflow() {
        let now = Some(OBSERVED_AT);
        assert_eq!(Age::between(now, Some(OBSERVED_AT - 90)), Age::Seconds(90));
        assert_eq!(Age::between(now, Some(OBSERVED_AT + 5)), Age::Seconds(0));
        assert_eq!(Age::between(now, None), Age::Unknown);
        let future = Age::Implausible("its start time is after the facts were read");
        let past = Age::Implausible("its start time is decades before the facts were read");
        for (now, started, expected) in [
            (OBSERVED_AT, i64::MIN, &past),
            (OBSERVED_AT, i64::MAX, &future),
            (OBSERVED_AT, OBSERVED_AT + 3600, &future),
            (OBSERVED_AT, 0, &past),
            (i64::MIN, i64::MAX, &future),
            (i64::MAX, i64::MIN, &past),
            (i64::MIN, 0, &future),
        ] {
            assert_eq!(
                &Age::between(Some(now), Some(started)),
                expected,
                "{now} - {started}"
            );
        }
        for (now, started, shown) in [
            (OBSERVED_AT, i64::MIN, "decades before"),
            (i64::MIN, i64::MAX, "after the facts were read"),
            (i64::MAX, i64::MIN, "decades before"),
        ] {
            let mut d = diagnosis();
            d.observed_at = Some(now);
            d.subjects[0].task.value_mut().containers[0].managed_agents[0].last_started_at =
                Some(started);
            let r = run(&CHECK, &d);
            assert_eq!(r.status, crate::Status::Pass, "{r:#?}");
            let text = format!("{r:?}");
            assert!(text.contains(shown), "{now} - {started}: {text}");
            assert!(!text.contains("days"), "{text}");
        }
    }

    #[test]
    fn sidecars_without_agents_are_skipped() {
        let mut d = diagnosis();
        d.subjects[0].task.value_mut().containers.push(Container {
            name: "aws-guardduty-agent-abc".into(),
            last_status: Some("RUNNING".into()),
            runtime_id: None,
            managed_agents: vec![],
        });
        assert_pass(&CHECK, &d);
    }

    #[test]
    fn named_container_must_exist() {
        let mut d = diagnosis();
        d.target.container = Some("nope".into());
        assert_finding(&CHECK, &d, Severity::Error, "not in task");
    }
}
