//! Every recorded scenario in `fixtures/scenarios/` is replayed through the real binary. Its
//! text and JSON reports are golden files (insta), and the codes it must flag are asserted
//! from `expect.json` too, so an accidental snapshot update cannot hide a regression.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

fn scenarios() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/scenarios");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

fn replay(dir: &Path, extra: &[&str]) -> (String, i32) {
    let out = Command::cargo_bin("ecs-exec-doctor")
        .unwrap()
        .env_clear()
        .args(["check", "--replay"])
        .arg(dir.join("snapshot.json"))
        .args(["--color", "never"])
        .args(extra)
        .output()
        .unwrap();
    assert!(
        out.stderr.is_empty(),
        "{}: unexpected stderr: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    (
        String::from_utf8(out.stdout).unwrap(),
        out.status.code().unwrap(),
    )
}

/// Codes with a finding of `severity`, or with status `unknown`.
fn codes(report: &Value, which: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for r in report["results"].as_array().unwrap() {
        let code = r["code"].as_str().unwrap().to_string();
        if which == "unknown" {
            if r["status"] == "unknown" {
                out.insert(code);
            }
            continue;
        }
        if let Some(findings) = r["findings"].as_array()
            && findings.iter().any(|f| f["severity"] == which)
        {
            out.insert(code);
        }
    }
    out
}

#[test]
fn scenarios_flag_exactly_what_they_expect() {
    let all = scenarios();
    assert!(all.len() >= 15, "at least 15 scenarios ship");
    for dir in all {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let expect: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("expect.json")).unwrap())
                .unwrap();
        let (json, code) = replay(&dir, &["--format", "json"]);
        let report: Value = serde_json::from_str(&json).unwrap();
        for which in ["error", "warning", "info", "unknown"] {
            let want: BTreeSet<String> = expect[which]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_string())
                .collect();
            assert_eq!(codes(&report, which), want, "{name}: {which} codes");
        }
        assert_eq!(
            i64::from(code),
            expect["exit_code"].as_i64().unwrap(),
            "{name}: exit code"
        );
        let (text, text_code) = replay(&dir, &[]);
        assert_eq!(text_code, code, "{name}: text and JSON runs exit alike");
        insta::assert_snapshot!(format!("scenario_{name}_text"), text);
        insta::assert_snapshot!(format!("scenario_{name}_json"), json);
    }
}

#[test]
fn every_check_fails_in_some_scenario_and_passes_in_another() {
    let mut failing = BTreeSet::new();
    let mut passing = BTreeSet::new();
    for dir in scenarios() {
        let (json, _) = replay(&dir, &["--format", "json"]);
        let report: Value = serde_json::from_str(&json).unwrap();
        for r in report["results"].as_array().unwrap() {
            let code = r["code"].as_str().unwrap().to_string();
            match r["status"].as_str().unwrap() {
                "pass" => passing.insert(code),
                "error" | "warning" | "info" => failing.insert(code),
                _ => false,
            };
        }
    }
    for check in ecs_exec_doctor_checks::CHECKS {
        let code = check.meta.code.to_string();
        assert!(failing.contains(&code), "no scenario shows {code} failing");
        assert!(
            passing.contains(&code) || check.meta.code == "TD006",
            "no scenario shows {code} passing"
        );
    }
}

#[test]
fn fail_on_warning_turns_warnings_into_exit_1() {
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/scenarios/credentials-in-environment");
    assert_eq!(replay(&dir, &[]).1, 0);
    assert_eq!(replay(&dir, &["--fail-on", "warning"]).1, 1);
}

#[test]
fn ignore_and_select_filter_results() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/scenarios/service-drift");
    assert_eq!(replay(&dir, &["--ignore", "TK002"]).1, 0);
    let (json, code) = replay(&dir, &["--select", "TK", "--format", "json"]);
    assert_eq!(code, 1);
    let report: Value = serde_json::from_str(&json).unwrap();
    assert!(
        report["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["code"].as_str().unwrap().starts_with("TK"))
    );
}

/// The drawn path and the network checks describe one path: in every scenario, a red network
/// check (NW001, NW003, NW004, NW005) has a red hop and the path does not end "reachable",
/// and a path that ends "reachable" has no red, yellow or unknown network check.
#[test]
fn the_drawn_path_never_contradicts_the_network_checks() {
    const PATH_CHECKS: [&str; 4] = ["NW001", "NW003", "NW004", "NW005"];
    let mut compared = 0;
    for dir in scenarios() {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let (json, _) = replay(&dir, &["--format", "json"]);
        let report: Value = serde_json::from_str(&json).unwrap();
        let Some(paths) = report["network_paths"].as_array() else {
            continue;
        };
        for path in paths {
            let task = path["task"].as_str().unwrap();
            let service = path["service"].as_str().unwrap_or("ssmmessages");
            let of_task = |r: &&Value| r["task"].as_str().is_none_or(|t| task.ends_with(t));
            let results = report["results"].as_array().unwrap().iter();
            let statuses: Vec<&str> = if service == "ssmmessages" {
                results
                    .filter(|r| PATH_CHECKS.contains(&r["code"].as_str().unwrap()))
                    .filter(of_task)
                    .map(|r| r["status"].as_str().unwrap())
                    .collect()
            } else {
                // NW002 walks each dependency: its findings about this one, by severity.
                let about = format!("on the path to {service} ");
                results
                    .filter(|r| r["code"] == "NW002")
                    .filter(of_task)
                    .flat_map(|r| {
                        let findings = r["findings"].as_array().cloned().unwrap_or_default();
                        let mut out: Vec<&str> = findings
                            .iter()
                            .filter(|x| x["message"].as_str().unwrap_or("").starts_with(&about))
                            .map(|x| match x["severity"].as_str() {
                                Some("error") => "error",
                                _ => "warning",
                            })
                            .collect();
                        if r["status"] == "unknown" {
                            out.push("unknown");
                        }
                        out
                    })
                    .collect()
            };
            let hops = path["hops"].as_array().unwrap();
            let end = hops.last().unwrap()["status"].as_str().unwrap();
            let red_hop = hops.iter().any(|h| h["status"] == "error");
            if statuses.contains(&"error") {
                assert!(
                    red_hop && end != "pass",
                    "{name}: a network check is red but the path is not: {hops:#?}"
                );
            }
            if end == "pass" {
                assert!(
                    statuses
                        .iter()
                        .all(|s| matches!(*s, "pass" | "not_applicable")),
                    "{name}: the path ends reachable but the checks say {statuses:?}"
                );
            }
            compared += 1;
        }
    }
    assert!(compared >= 20, "only {compared} paths compared");
}
