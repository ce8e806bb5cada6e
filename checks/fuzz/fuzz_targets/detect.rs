//! The whole pipeline on any bytes: input detection, every reader, evaluation of the lint
//! checks and positions. Never a panic or a hang.
#![no_main]

use ecs_exec_doctor_checks::lint;
use ecs_exec_doctor_checks::runner::Selection;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = lint::lint(data, &Selection::default());
});
