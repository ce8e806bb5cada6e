//! Any input through `lint` and `lint --fix`'s planner, and the planned edits applied: never
//! a panic (an edit off a character boundary, a position outside the text).
#![no_main]

use ecs_exec_doctor_checks::lint::{self, fix};
use ecs_exec_doctor_checks::runner::Selection;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let report = lint::lint(data, &Selection::default());
    let planned = fix::plan(data, &report, &lint::NoFiles, true);
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let edits: Vec<&fix::Edit> = planned.iter().filter_map(|p| p.outcome.as_ref().ok()).collect();
    let _ = fix::apply(text, &edits);
});
