crate::declare_check! {
    /// ## What it checks
    /// That a targeted container which routes HTTP through a proxy (`HTTP_PROXY`,
    /// `HTTPS_PROXY` or `ALL_PROXY`, in any case, in `environment` or `secrets`) also exempts
    /// the two link-local endpoints the exec agent needs from it: `NO_PROXY` must cover
    /// `169.254.170.2` (the task credential endpoint) and `169.254.169.254` (instance
    /// metadata). Only the `169.254.…` entries of `NO_PROXY` are read. A proxy variable in
    /// `environmentFiles` cannot be seen and is not reported.
    ///
    /// ## Why it matters
    /// The managed exec agent honours the container's proxy variables. Without the exemption it
    /// asks the proxy for its task-role credentials, which the proxy cannot serve, and its
    /// Session Manager connection goes through a proxy that may not allow it: the agent never
    /// registers and `execute-command` fails with `TargetNotConnectedException`.
    ///
    /// ## How to fix
    /// Add `NO_PROXY=169.254.170.2,169.254.169.254` (keep your own entries) to the container's
    /// `environment`, register a new revision and redeploy. Make sure the proxy allows
    /// `ssmmessages.REGION.amazonaws.com:443`, or give the VPC an `ssmmessages` endpoint.
    ///
    /// ## References
    /// - Amazon ECS developer guide, "Using ECS Exec" (proxy configuration)
    /// - aws/amazon-ssm-agent#332 (agent behind an HTTP proxy)
    pub static CHECK = {
        code: "TD007",
        name: "proxy-environment",
        category: Containers,
        severity: Warning,
        scope: LiveAndLint,
        level: Task,
        summary: "Containers that set a proxy exempt the credential and metadata endpoints with NO_PROXY",
        needs: [TaskDefinition],
        evaluate: evaluate,
    };
}

use serde_json::json;

use super::{pointer, targeted};
use crate::facts::{Facts, Unavailable};
use crate::fixes::NEW_REVISION;
use crate::outcome::{Finding, Fix, Verdict};

/// The addresses the agent must reach without a proxy.
pub const LINK_LOCAL: [&str; 2] = ["169.254.170.2", "169.254.169.254"];

const PROXY_NAMES: [&str; 3] = ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"];

/// The `169.254.…` entries of a `NO_PROXY` value (comma or space separated), trimmed.
pub fn link_local_entries(value: &str) -> Vec<String> {
    value
        .split([',', ' '])
        .map(str::trim)
        .filter(|e| e.starts_with("169.254."))
        .map(str::to_string)
        .collect()
}

/// Whether a `NO_PROXY` entry covers `address`: the address itself, or a CIDR containing it.
fn covers(entry: &str, address: &str) -> bool {
    if entry == address {
        return true;
    }
    let (Some(net), Some(ip)) = (
        crate::network::rules::Net4::parse(entry),
        crate::network::rules::Net4::parse(address),
    ) else {
        return false;
    };
    entry.contains('/') && net.contains(&ip)
}

fn evaluate(f: &Facts<'_>) -> Result<Verdict, Unavailable> {
    let td = f.task_definition()?;
    let mut findings = Vec::new();
    for (i, c) in targeted(f, td)? {
        let proxies: Vec<&str> = c
            .environment_names
            .iter()
            .chain(&c.secret_names)
            .map(String::as_str)
            .filter(|n| PROXY_NAMES.iter().any(|p| p.eq_ignore_ascii_case(n.trim())))
            .collect();
        if proxies.is_empty() {
            continue;
        }
        let entries = c.no_proxy_link_local.clone().unwrap_or_default();
        let uncovered: Vec<&str> = LINK_LOCAL
            .iter()
            .copied()
            .filter(|a| !entries.iter().any(|e| covers(e, a)))
            .collect();
        if uncovered.is_empty() {
            continue;
        }
        let no_proxy_in_secrets = c
            .secret_names
            .iter()
            .any(|n| n.eq_ignore_ascii_case("no_proxy"));
        let mut finding = Finding::warning(format!(
            "container `{}` sets {} but NO_PROXY does not exempt {}; the exec agent would ask the proxy for its credentials",
            c.name,
            proxies.join(", "),
            uncovered.join(" and ")
        ))
        .subject(c.name.clone())
        .pointer(pointer(i, "environment"));
        if no_proxy_in_secrets {
            finding = finding.evidence("NO_PROXY comes from `secrets`, whose value the doctor cannot read: confirm it lists both addresses");
        } else if c.no_proxy_link_local.is_none() {
            finding = finding.evidence("the container sets no NO_PROXY");
        }
        findings.push(finding.fix(
            Fix::new(format!("exempt the link-local endpoints from the proxy in `{}`", c.name))
                .task_definition(
                    Some(&c.name),
                    "environment",
                    json!([{"name": "NO_PROXY", "value": "169.254.170.2,169.254.169.254"}]),
                )
                .note("keep the entries NO_PROXY already has, and let the proxy reach ssmmessages.REGION.amazonaws.com:443 (or add an ssmmessages VPC endpoint)")
                .note(NEW_REVISION),
        ));
    }
    Ok(Verdict::from_findings(
        findings,
        vec!["no targeted container routes the exec agent through a proxy without NO_PROXY for 169.254.170.2 and 169.254.169.254".into()],
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn verdicts() {
        let mut d = diagnosis();
        assert_pass(&CHECK, &d);
        let c = &mut d.subjects[0].task_definition.value_mut().containers[0];
        c.environment_names.push("https_proxy".into());
        assert_finding(
            &CHECK,
            &d,
            Severity::Warning,
            "169.254.170.2 and 169.254.169.254",
        );
        let c = &mut d.subjects[0].task_definition.value_mut().containers[0];
        c.no_proxy_link_local = Some(link_local_entries("localhost,169.254.170.2"));
        assert_finding(
            &CHECK,
            &d,
            Severity::Warning,
            "does not exempt 169.254.169.254",
        );
        let c = &mut d.subjects[0].task_definition.value_mut().containers[0];
        c.no_proxy_link_local = Some(link_local_entries(
            "169.254.170.2, 169.254.169.254,.internal",
        ));
        assert_pass(&CHECK, &d);
        let c = &mut d.subjects[0].task_definition.value_mut().containers[0];
        c.no_proxy_link_local = Some(link_local_entries("169.254.0.0/16"));
        assert_pass(&CHECK, &d);
    }

    #[test]
    fn entries() {
        assert_eq!(
            link_local_entries("localhost, 169.254.169.254 ,10.0.0.0/8"),
            vec!["169.254.169.254"]
        );
        assert!(covers("169.254.0.0/16", "169.254.170.2"));
        assert!(!covers("169.254.169.0/24", "169.254.170.2"));
    }
}
