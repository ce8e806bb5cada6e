//! The lint report as JSON: `LintReport` as-is (schema documented in `docs/lint-json.md`).

use ecs_exec_doctor_checks::lint::LintReport;

pub fn report(report: &LintReport) -> String {
    serde_json::to_string_pretty(report).expect("lint reports serialise") + "\n"
}
