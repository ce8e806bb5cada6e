crate::declare_check! {
    /// ## What it checks
    /// For Fargate tasks, that the platform version the task actually runs on is at least 1.4.0
    /// (Linux) or 1.0.0 (Windows). The task's own `platformVersion` is read, so a service asking
    /// for `LATEST` is judged by what it got.
    ///
    /// ## Why it matters
    /// ECS Exec needs the managed-agent support that arrived with Fargate platform 1.4.0.
    ///
    /// ## How to fix
    /// `aws ecs update-service --cluster C --service S --platform-version LATEST
    /// --force-new-deployment` (or run the task with `--platform-version 1.4.0`).
    ///
    /// ## References
    /// - amazon-ecs-exec-checker#55 (Windows minimum)
    pub static CHECK = {
        code: "TK004",
        name: "fargate-platform-version",
        category: Task,
        severity: Error,
        scope: Live,
        level: Task,
        summary: "Fargate tasks run on platform version >= 1.4.0 (Linux) / 1.0.0 (Windows)",
        needs: [Task],
        evaluate: evaluate,
    };
}

use crate::facts::{Facts, Unavailable};
use crate::fixes::{cluster_name, deployment_controller, region_flag, roll_service};
use crate::outcome::{Finding, Fix, Verdict};
use crate::version::DottedVersion;

pub fn minimum(windows: bool) -> &'static str {
    if windows { "1.0.0" } else { "1.4.0" }
}

fn evaluate(f: &Facts<'_>) -> Result<Verdict, Unavailable> {
    let task = f.task()?;
    if !task.is_fargate() {
        return Ok(Verdict::not_applicable("the task does not run on Fargate"));
    }
    let windows = task
        .platform_family
        .as_deref()
        .is_some_and(|p| p.to_ascii_lowercase().starts_with("windows"));
    let min = minimum(windows);
    let Some(pv) = task.platform_version.as_deref() else {
        return Err(Unavailable::new(
            "DescribeTasks did not report the task's platformVersion",
        ));
    };
    let Some(version) = DottedVersion::parse(pv) else {
        return Err(Unavailable::new(format!(
            "unrecognised platform version `{pv}`"
        )));
    };
    let family = if windows { "Windows" } else { "Linux" };
    if version.at_least(min) {
        return Ok(Verdict::pass(format!(
            "Fargate platform {pv} ({family}), needs >= {min}"
        )));
    }
    let fix = Fix::new("move the task to a newer platform version");
    let fix = match task.service_name() {
        Some(s) => {
            match deployment_controller(f) {
                // A blue/green service takes its platform version from the deployment.
                Some("CODE_DEPLOY") => roll_service(
                    fix,
                    &cluster_name(f),
                    s,
                    Some("CODE_DEPLOY"),
                    "",
                    &region_flag(f),
                )
                .note("set PlatformVersion: LATEST in the AppSpec's TargetService properties"),
                other => roll_service(
                    fix,
                    &cluster_name(f),
                    s,
                    other,
                    " --platform-version LATEST",
                    &region_flag(f),
                ),
            }
        }
        None => fix.command("run the task again with --platform-version LATEST"),
    };
    Ok(Verdict::Findings(vec![
        Finding::error(format!(
            "task `{}` runs on Fargate platform {pv}; ECS Exec needs >= {min} ({family})",
            task.id()
        ))
        .fix(fix),
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn verdicts() {
        let mut d = diagnosis();
        assert_pass(&CHECK, &d);
        d.subjects[0].task.value_mut().platform_version = Some("1.3.0".into());
        assert_finding(&CHECK, &d, Severity::Error, "needs >= 1.4.0");
        d.subjects[0].task.value_mut().platform_family = Some("Windows".into());
        d.subjects[0].task.value_mut().platform_version = Some("1.0.0".into());
        assert_pass(&CHECK, &d);
        d.subjects[0].task.value_mut().launch_type = Some("EC2".into());
        assert_not_applicable(&CHECK, &d);
    }
}
