//! Every check, in report order. Codes are stable public identifiers: a code is never reused,
//! and a retired check keeps its code. `tests/meta.rs`-style tests in this module keep the
//! list unique, sorted within each category, and complete.

use crate::check::Check;
use crate::{caller, cluster, containers, local, network, roles, task};

pub static CHECKS: &[&Check] = &[
    &local::aws_cli_version::CHECK,
    &local::session_manager_plugin::CHECK,
    &caller::execute_command_allowed::CHECK,
    &caller::kms_generate_data_key::CHECK,
    &caller::start_session_denied::CHECK,
    &cluster::exec_kms_key::CHECK,
    &cluster::exec_kms_key_policy::CHECK,
    &cluster::exec_audit_logging::CHECK,
    &cluster::exec_log_destination::CHECK,
    &task::task_running::CHECK,
    &task::exec_enabled::CHECK,
    &task::service_exec_enabled::CHECK,
    &task::fargate_platform_version::CHECK,
    &task::service_platform_version::CHECK,
    &task::ecs_agent_version::CHECK,
    &task::anywhere_instance_online::CHECK,
    &task::exec_agent_running::CHECK,
    &containers::readonly_root_filesystem::CHECK,
    &containers::init_process_enabled::CHECK,
    &containers::aws_credentials_in_environment::CHECK,
    &containers::pid_mode_task::CHECK,
    &containers::restart_policy::CHECK,
    &containers::windows_container::CHECK,
    &containers::proxy_environment::CHECK,
    &roles::task_role_present::CHECK,
    &roles::task_role_trust::CHECK,
    &roles::task_role_ssmmessages::CHECK,
    &roles::task_role_kms_decrypt::CHECK,
    &roles::task_role_exec_logging::CHECK,
    &network::ssmmessages_endpoint::CHECK,
    &network::exec_dependency_endpoints::CHECK,
    &network::security_group_egress::CHECK,
    &network::network_acl::CHECK,
    &network::endpoint_access::CHECK,
];

/// The check with this code or name (case-insensitive).
pub fn find(code_or_name: &str) -> Option<&'static Check> {
    let key = code_or_name.trim();
    CHECKS
        .iter()
        .copied()
        .find(|c| c.meta.code.eq_ignore_ascii_case(key) || c.meta.name.eq_ignore_ascii_case(key))
}

/// Resolves a selector: a code (`TD001`), a name (`readonly-root-filesystem`), a code prefix
/// (`TD`) or `ALL`. The error names the closest known codes and names.
pub fn resolve(selector: &str) -> Result<Vec<&'static str>, String> {
    let key = selector.trim();
    if key.eq_ignore_ascii_case("all") {
        return Ok(CHECKS.iter().map(|c| c.meta.code).collect());
    }
    if let Some(c) = find(key) {
        return Ok(vec![c.meta.code]);
    }
    let by_prefix: Vec<_> = CHECKS
        .iter()
        .filter(|c| {
            !key.is_empty()
                && c.meta
                    .code
                    .to_ascii_uppercase()
                    .starts_with(&key.to_ascii_uppercase())
        })
        .map(|c| c.meta.code)
        .collect();
    if !by_prefix.is_empty() {
        return Ok(by_prefix);
    }
    let suggestions = closest(key, 3);
    let hint = if suggestions.is_empty() {
        String::new()
    } else {
        format!(" (did you mean {}?)", suggestions.join(", "))
    };
    Err(format!(
        "unknown check `{key}`{hint}; `ecs-exec-doctor checks` lists them"
    ))
}

/// The `n` codes or names closest to `key` by edit distance.
pub fn closest(key: &str, n: usize) -> Vec<String> {
    let key = key.to_ascii_lowercase();
    let mut scored: Vec<(usize, String)> = CHECKS
        .iter()
        .flat_map(|c| [c.meta.code.to_string(), c.meta.name.to_string()])
        .map(|cand| (edit_distance(&key, &cand.to_ascii_lowercase()), cand))
        .filter(|(d, cand)| *d <= cand.len().max(3) / 2)
        .collect();
    scored.sort();
    scored.into_iter().take(n).map(|(_, c)| c).collect()
}

pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Category;

    #[test]
    fn codes_and_names_are_unique_and_well_formed() {
        let mut seen = std::collections::BTreeSet::new();
        for c in CHECKS {
            assert!(seen.insert(c.meta.code), "duplicate code {}", c.meta.code);
            assert!(seen.insert(c.meta.name), "duplicate name {}", c.meta.name);
            assert_eq!(c.meta.code.len(), 5, "{}", c.meta.code);
            assert!(
                c.meta
                    .name
                    .chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch == '-' || ch.is_ascii_digit())
            );
        }
    }

    #[test]
    fn registry_is_in_category_order() {
        let cats: Vec<Category> = CHECKS.iter().map(|c| c.meta.category).collect();
        let mut sorted = cats.clone();
        sorted.sort();
        assert_eq!(cats, sorted, "checks must be listed in report-group order");
    }

    #[test]
    fn every_check_has_the_required_doc_headings() {
        for c in CHECKS {
            let docs = c.meta.docs();
            for heading in [
                "## What it checks",
                "## Why it matters",
                "## How to fix",
                "## References",
            ] {
                assert!(docs.contains(heading), "{} lacks `{heading}`", c.meta.code);
            }
            assert!(
                !c.meta.summary.ends_with('.'),
                "{} summary ends with a period",
                c.meta.code
            );
        }
    }

    #[test]
    fn every_check_file_is_registered() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        for dir in [
            "local",
            "caller",
            "cluster",
            "task",
            "containers",
            "roles",
            "network",
        ] {
            for entry in std::fs::read_dir(root.join(dir)).unwrap() {
                let path = entry.unwrap().path();
                let text = std::fs::read_to_string(&path).unwrap();
                if !text.contains("declare_check!") {
                    continue;
                }
                let code = text
                    .split("code: \"")
                    .nth(1)
                    .unwrap()
                    .split('"')
                    .next()
                    .unwrap();
                assert!(
                    find(code).is_some(),
                    "{} declares {code} but it is not registered",
                    path.display()
                );
            }
        }
    }

    #[test]
    fn selectors() {
        assert_eq!(resolve("td001").unwrap(), vec!["TD001"]);
        assert_eq!(resolve("readonly-root-filesystem").unwrap(), vec!["TD001"]);
        assert!(resolve("TD").unwrap().len() >= 5);
        let err = resolve("TD0001").unwrap_err();
        assert!(err.contains("did you mean"), "{err}");
        assert!(resolve("zzzzzzzz").unwrap_err().contains("unknown check"));
    }
}
