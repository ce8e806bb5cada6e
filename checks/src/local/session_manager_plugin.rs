crate::declare_check! {
    /// ## What it checks
    /// That `session-manager-plugin` is on `PATH`, that it was built for this machine's CPU, and,
    /// when the cluster encrypts sessions with a KMS key, that it is at least 1.2.497.0.
    ///
    /// ## Why it matters
    /// `execute-command` only creates the session; the plugin carries it. Without it the CLI
    /// prints `SessionManagerPlugin is not found` (or, when `ssm:TerminateSession` is denied, an
    /// `AccessDeniedException` for `TerminateSession` that hides the real problem). An x86_64
    /// plugin on Apple Silicon without Rosetta fails with `bad CPU type in executable`. Older
    /// plugins time out in the KMS handshake with SSO credentials (`Handshake timed out`).
    ///
    /// ## How to fix
    /// Install the plugin for your platform:
    /// <https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager-working-with-install-plugin.html>.
    ///
    /// ## References
    /// - aws/aws-cli#9837 (missing plugin masked by `TerminateSession`), aws/aws-cli#7214 (architecture),
    ///   amazon-ecs-exec-checker#37 (SSO with KMS).
    pub static CHECK = {
        code: "LC002",
        name: "session-manager-plugin",
        category: Local,
        severity: Error,
        scope: Live,
        level: Run,
        summary: "The session-manager-plugin is installed, matches this CPU, and supports KMS-encrypted sessions",
        needs: [Local, Cluster],
        evaluate: evaluate,
    };
}

use crate::facts::{Facts, Unavailable};
use crate::outcome::{Finding, Fix, Verdict};
use crate::version::DottedVersion;

const INSTALL: &str = "https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager-working-with-install-plugin.html";
/// First release that handles SSO credentials in the KMS handshake (aws/aws-cli#7902).
const KMS_SSO_MIN: &str = "1.2.497.0";

fn evaluate(f: &Facts<'_>) -> Result<Verdict, Unavailable> {
    let local = f.local()?;
    let plugin = &local.session_manager_plugin;
    if !plugin.found {
        return Ok(Verdict::Findings(vec![
            Finding::error("session-manager-plugin is not on PATH")
                .fix(Fix::new("install the Session Manager plugin").note(INSTALL)),
        ]));
    }
    let path = plugin
        .path
        .clone()
        .unwrap_or_else(|| "session-manager-plugin".into());
    let mut findings = Vec::new();
    if let Some(arch) = &plugin.arch
        && !same_arch(arch, &local.host_arch)
    {
        findings.push(
            Finding::error(format!(
                "`{path}` is built for {arch} but this machine is {}",
                local.host_arch
            ))
            .fix(
                Fix::new(format!(
                    "install the {} build of the plugin",
                    local.host_arch
                ))
                .note(INSTALL),
            ),
        );
    }
    let version = plugin.version.as_deref().and_then(DottedVersion::parse);
    // Whether the cluster uses KMS matters only for an old plugin; when the cluster could not
    // be read, that clause is unknown, never a pass.
    let old = version.as_ref().is_some_and(|v| !v.at_least(KMS_SSO_MIN));
    let mut extra = Vec::new();
    let kms = match f.cluster() {
        Ok(c) => c.exec_config.kms_key_id.clone(),
        Err(unavailable) if old && findings.is_empty() => return Err(unavailable),
        Err(_) if old => {
            findings.push(Finding::warning(format!(
                "session-manager-plugin is older than {KMS_SSO_MIN}; the cluster could not be read to tell whether its KMS key makes the handshake time out"
            )));
            None
        }
        Err(unavailable) => {
            // A recent plugin works with or without a KMS key: say the cluster was not read
            // (and that it does not matter), so the verdict stands.
            extra.push(format!(
                "{}; this plugin version supports KMS-encrypted sessions either way",
                unavailable.reason
            ));
            None
        }
    };
    match (&version, &kms) {
        (Some(v), Some(key)) if !v.at_least(KMS_SSO_MIN) => findings.push(
            Finding::warning(format!(
                "session-manager-plugin {v} is older than {KMS_SSO_MIN}; with the cluster's KMS key the handshake can time out"
            ))
            .evidence(format!("cluster exec KMS key: {key}"))
            .fix(Fix::new("upgrade the Session Manager plugin").note(INSTALL)),
        ),
        (None, _) => findings.push(
            Finding::warning(format!(
                "found `{path}` but could not read its version ({})",
                plugin.problem.clone().unwrap_or_else(|| "no output".into())
            ))
            .fix(Fix::new("reinstall the Session Manager plugin").note(INSTALL)),
        ),
        _ => {}
    }
    let version = version.map(|v| v.to_string()).unwrap_or_else(|| "?".into());
    let mut evidence = vec![format!("session-manager-plugin {version} at `{path}`")];
    evidence.extend(extra);
    Ok(Verdict::from_findings(findings, evidence))
}

fn same_arch(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        match s {
            "amd64" | "x86_64" | "x86-64" => "x86_64",
            "arm64" | "aarch64" => "aarch64",
            other => other,
        }
        .to_string()
    };
    norm(a) == norm(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn verdicts() {
        let mut d = diagnosis();
        assert_pass(&CHECK, &d);
        d.local.value_mut().session_manager_plugin.arch = Some("arm64".into());
        d.local.value_mut().host_arch = "aarch64".into();
        assert_pass(&CHECK, &d);
        d.local.value_mut().session_manager_plugin.arch = Some("x86_64".into());
        assert_finding(&CHECK, &d, Severity::Error, "built for x86_64");
        d.local.value_mut().session_manager_plugin.arch = None;
        d.local.value_mut().session_manager_plugin.version = Some("1.2.30.0".into());
        assert_pass(&CHECK, &d);
        d.cluster.value_mut().exec_config.kms_key_id = Some("alias/exec".into());
        assert_finding(&CHECK, &d, Severity::Warning, "handshake can time out");
        d.cluster = fact_failed_denied("ecs:DescribeClusters");
        assert_unknown(&CHECK, &d);
        d.local.value_mut().session_manager_plugin.version = Some("1.2.553.0".into());
        assert_pass(&CHECK, &d);
        d.local.value_mut().session_manager_plugin.found = false;
        assert_finding(&CHECK, &d, Severity::Error, "not on PATH");
    }
}
