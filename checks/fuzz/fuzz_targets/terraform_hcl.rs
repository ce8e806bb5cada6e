//! Any text through the Terraform HCL reader (hcl-edit, static evaluation, units) as a `.tf`
//! file whose `file()` / `templatefile()` targets are the same text: never a panic or a hang.
#![no_main]

use ecs_exec_doctor_checks::lint::{self, Files, InputKind, Unread};
use ecs_exec_doctor_checks::runner::Selection;
use libfuzzer_sys::fuzz_target;

struct Same(String);

impl Files for Same {
    fn read(&self, _: &str) -> Result<String, Unread> {
        Ok(self.0.clone())
    }
    fn siblings(&self) -> Vec<String> {
        vec![self.0.clone()]
    }
    fn is_terraform(&self) -> bool {
        true
    }
}

fuzz_target!(|data: &[u8]| {
    let _ = lint::parse_as(data, InputKind::Terraform);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = lint::lint_with(data, &Selection::default(), &Same(text.to_string()));
    }
});
