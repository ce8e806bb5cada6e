crate::declare_check! {
    /// ## What it checks
    /// That a Fargate service does not pin a platform version below 1.4.0 (Linux) or 1.0.0
    /// (Windows). `LATEST` and unset pass. Live and in `lint` (service JSON, CloudFormation
    /// `PlatformVersion`, Terraform `platform_version`).
    ///
    /// ## Why it matters
    /// Tasks on older Fargate platforms have no ECS Exec support.
    ///
    /// ## How to fix
    /// Set the platform version to `LATEST` (or at least 1.4.0) and redeploy.
    ///
    /// ## References
    /// - amazon-ecs-exec-checker#55
    pub static CHECK = {
        code: "SV002",
        name: "service-platform-version",
        category: Task,
        severity: Error,
        scope: LiveAndLint,
        level: Task,
        summary: "A Fargate service does not pin a platform version older than 1.4.0 (Linux) / 1.0.0 (Windows)",
        needs: [Service],
        evaluate: evaluate,
    };
}

use serde_json::json;

use crate::facts::{Facts, Unavailable};
use crate::outcome::{Finding, Fix, Verdict};
use crate::version::DottedVersion;

fn evaluate(f: &Facts<'_>) -> Result<Verdict, Unavailable> {
    let Some(service) = f.service()? else {
        return Ok(Verdict::not_applicable(
            "the task does not belong to a service",
        ));
    };
    let fargate = service.launch_type.as_deref() == Some("FARGATE")
        || service
            .capacity_providers
            .iter()
            .any(|c| c.starts_with("FARGATE"));
    if !fargate {
        return Ok(Verdict::not_applicable(format!(
            "service `{}` does not use Fargate",
            service.name
        )));
    }
    let Some(pv) = service.platform_version.as_deref() else {
        return Ok(Verdict::pass(format!(
            "service `{}` uses the default (LATEST) platform version",
            service.name
        )));
    };
    let Some(v) = DottedVersion::parse(pv) else {
        return Ok(Verdict::pass(format!(
            "service `{}` uses platform version {pv}",
            service.name
        )));
    };
    let windows = service
        .platform_family
        .as_deref()
        .is_some_and(|p| p.to_ascii_lowercase().starts_with("windows"));
    let min = crate::task::fargate_platform_version::minimum(windows);
    if v.at_least(min) {
        return Ok(Verdict::pass(format!(
            "service `{}` uses platform version {pv}",
            service.name
        )));
    }
    Ok(Verdict::Findings(vec![
        Finding::error(format!(
            "service `{}` pins Fargate platform version {pv}; ECS Exec needs >= {min}",
            service.name
        ))
        .pointer("/platformVersion")
        .fix(Fix::new("use the LATEST platform version").task_definition(
            None,
            "platformVersion",
            json!("LATEST"),
        )),
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
        d.subjects[0].service.value_mut().platform_version = Some("1.3.0".into());
        assert_finding(&CHECK, &d, Severity::Error, "1.3.0");
        d.subjects[0].service.value_mut().platform_version = Some("LATEST".into());
        assert_pass(&CHECK, &d);
        d.subjects[0].service.value_mut().launch_type = Some("EC2".into());
        assert_not_applicable(&CHECK, &d);
    }
}
