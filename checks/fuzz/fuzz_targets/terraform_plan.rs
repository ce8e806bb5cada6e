//! Any bytes read as a Terraform plan, including its embedded container_definitions JSON.
#![no_main]

use ecs_exec_doctor_checks::lint::{self, InputKind};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = lint::parse_as(data, InputKind::TerraformPlan);
});
