//! Any text as a bare container-definitions list, templated (`${...}`) or not: never a panic
//! or a hang.
#![no_main]

use ecs_exec_doctor_checks::lint::{self, InputKind};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = lint::parse_as(data, InputKind::ContainerDefinitions);
    let _ = lint::parse(data);
});
