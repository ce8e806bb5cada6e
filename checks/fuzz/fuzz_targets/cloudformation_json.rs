//! Any text through the JSON parser (positions, depth guard) and the
//! CloudFormation reader: never a panic or a hang.
#![no_main]

use ecs_exec_doctor_checks::lint::{self, cloudformation, json};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = lint::source::text(data) else {
        return;
    };
    if let Ok(root) = json::parse(text) {
        let mut problems = Vec::new();
        let _ = cloudformation::units(&root, &mut problems);
    }
});
