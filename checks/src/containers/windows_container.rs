crate::declare_check! {
    /// ## What it checks
    /// Whether the task runs Windows containers, and points out what differs for them.
    ///
    /// ## Why it matters
    /// Windows containers have no `/bin/sh`: `--command "/bin/sh"` fails with `The term '/bin/sh'
    /// is not recognized as the name of a cmdlet`. Use `powershell.exe` or `cmd.exe`. Nano Server
    /// images are not supported by ECS Exec at all.
    ///
    /// ## How to fix
    /// `aws ecs execute-command ... --command "powershell.exe"`.
    ///
    /// ## References
    /// - tedsmitt/ecsgo#16; ECS Exec considerations
    pub static CHECK = {
        code: "TD006",
        name: "windows-container",
        category: Containers,
        severity: Error,
        scope: LiveAndLint,
        level: Task,
        summary: "Windows containers need powershell.exe or cmd.exe as the command",
        needs: [TaskDefinition],
        evaluate: evaluate,
    };
}

use crate::facts::{Facts, Unavailable};
use crate::outcome::{Finding, Fix, Verdict};

fn evaluate(f: &Facts<'_>) -> Result<Verdict, Unavailable> {
    let td = f.task_definition()?;
    let live_windows = f
        .subject
        .task
        .value()
        .and_then(|t| t.platform_family.as_deref())
        .is_some_and(|p| p.to_ascii_lowercase().starts_with("windows"));
    if !td.is_windows() && !live_windows {
        return Ok(Verdict::not_applicable("the task runs Linux containers"));
    }
    let mut findings = vec![
        Finding::info(format!(
            "task definition `{}` runs Windows containers: use --command \"powershell.exe\" (or cmd.exe), not /bin/sh",
            td.display_name()
        ))
        .pointer("/runtimePlatform/operatingSystemFamily")
        .fix(Fix::new("pass a Windows shell").command("aws ecs execute-command ... --interactive --command \"powershell.exe\"")),
    ];
    for c in &td.containers {
        if c.image
            .as_deref()
            .is_some_and(|i| i.to_ascii_lowercase().contains("nanoserver"))
        {
            findings.push(
                Finding::error(format!(
                    "container `{}` uses a Nano Server image, which ECS Exec does not support",
                    c.name
                ))
                .subject(c.name.clone())
                .fix(Fix::new(
                    "use a Windows Server Core image for containers you exec into",
                )),
            );
        }
    }
    Ok(Verdict::Findings(findings))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn verdicts() {
        let mut d = diagnosis();
        assert_not_applicable(&CHECK, &d);
        d.subjects[0].task_definition.value_mut().os_family =
            Some("WINDOWS_SERVER_2022_CORE".into());
        assert_finding(&CHECK, &d, Severity::Info, "powershell.exe");
        d.subjects[0].task_definition.value_mut().containers[0].image =
            Some("mcr.microsoft.com/windows/nanoserver:ltsc2022".into());
        assert_finding(&CHECK, &d, Severity::Error, "Nano Server");
    }
}
