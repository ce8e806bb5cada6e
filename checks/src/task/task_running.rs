crate::declare_check! {
    /// ## What it checks
    /// That the task exists and is `RUNNING`. `PENDING`/`PROVISIONING`/`ACTIVATING` is a warning
    /// (exec works once it runs); `STOPPED` and the states leading to it are errors, with the
    /// task's `stoppedReason`. With `--service`, a service without running tasks is an error.
    ///
    /// ## Why it matters
    /// Exec only reaches running containers.
    ///
    /// ## How to fix
    /// Wait for the task to start, or diagnose a running task (`aws ecs list-tasks --cluster C
    /// --desired-status RUNNING`).
    ///
    /// ## References
    /// - amazon-ecs-exec-checker#18
    pub static CHECK = {
        code: "TK001",
        name: "task-running",
        category: Task,
        severity: Error,
        scope: Live,
        level: Task,
        summary: "The task exists and is RUNNING",
        needs: [Task],
        evaluate: evaluate,
    };
}

use crate::facts::{Fact, Facts, Unavailable};
use crate::fixes::{cluster_name, region_flag};
use crate::outcome::{Finding, Fix, Verdict};

fn evaluate(f: &Facts<'_>) -> Result<Verdict, Unavailable> {
    if let Fact::Absent { reason } = &f.subject.task {
        let fix = match &f.target().service {
            Some(service) => Fix::new(format!("find out why service `{service}` runs no task"))
                .command(format!(
                    "aws ecs describe-services --cluster {} --services {service} --query 'services[0].[desiredCount,events[:5]]'{}",
                    cluster_name(f),
                    region_flag(f)
                )),
            None => Fix::new("pick a running task").command(format!(
                "aws ecs list-tasks --cluster {} --desired-status RUNNING{}",
                cluster_name(f),
                region_flag(f)
            )),
        };
        return Ok(Verdict::Findings(vec![
            Finding::error(reason.clone()).fix(fix),
        ]));
    }
    let task = f.task()?;
    let status = task.last_status.as_str();
    match status {
        "RUNNING" => Ok(Verdict::pass(format!("task `{}` is RUNNING", task.id()))),
        "PROVISIONING" | "PENDING" | "ACTIVATING" => Ok(Verdict::Findings(vec![
            Finding::warning(format!("task `{}` is {status}, not yet RUNNING", task.id()))
                .fix(Fix::new("wait until the task is RUNNING, then retry")),
        ])),
        _ => {
            let mut finding = Finding::error(format!("task `{}` is {status}", task.id()));
            if let Some(reason) = &task.stopped_reason {
                finding = finding.evidence(format!("stoppedReason: {reason}"));
            }
            let list = format!(
                "aws ecs list-tasks --cluster {} --desired-status RUNNING{}",
                cluster_name(f),
                region_flag(f)
            );
            Ok(Verdict::Findings(vec![
                finding.fix(Fix::new("pick a running task").command(list)),
            ]))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn verdicts() {
        let mut d = diagnosis();
        assert_pass(&CHECK, &d);
        d.subjects[0].task.value_mut().last_status = "PENDING".into();
        assert_finding(&CHECK, &d, Severity::Warning, "not yet RUNNING");
        d.subjects[0].task.value_mut().last_status = "STOPPED".into();
        d.subjects[0].task.value_mut().stopped_reason = Some("Essential container exited".into());
        assert_finding(&CHECK, &d, Severity::Error, "STOPPED");
        d.subjects[0].task = Fact::absent("service `web` has no RUNNING task");
        assert_finding(&CHECK, &d, Severity::Error, "no RUNNING task");
        d.subjects[0].task = fact_failed_denied("ecs:DescribeTasks");
        assert_unknown(&CHECK, &d);
    }
}
