//! The JSON report: the `Report` as-is (schema documented in `docs/json-output.md`).

use ecs_exec_doctor_checks::Report;

pub fn check_report(report: &Report) -> String {
    serde_json::to_string_pretty(report).expect("reports serialise") + "\n"
}
