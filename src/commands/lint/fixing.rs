//! `lint --fix` and `lint --diff`: the checks crate plans the edits (`lint::fix`); this module
//! reads the file again, applies them, writes it back or prints the unified diff, and tells
//! on standard error what was fixed and what was left and why.

use ecs_exec_doctor_checks::lint::{self, FileReport};

use super::{files, walk};
use crate::error::{DoctorError, Result};

pub struct Fixes {
    unsafe_fixes: bool,
    /// The unified diff of every file (`--diff`).
    pub diff: String,
    /// `path:line: CODE unit: why`, for fixes not made.
    skipped: Vec<String>,
}

impl Fixes {
    pub fn new(unsafe_fixes: bool) -> Self {
        Self {
            unsafe_fixes,
            diff: String::new(),
            skipped: Vec::new(),
        }
    }

    /// Plans and applies the fixes of one linted file (`bytes`, as it was linted): written
    /// back when `write`, and then the fixed text, else added to the diff.
    pub fn file(
        &mut self,
        input: &walk::Input,
        bytes: &[u8],
        report: &FileReport,
        write: bool,
    ) -> Result<Option<String>> {
        let path = &input.path;
        let around = files::Around::new(path, input.root.as_deref());
        let planned = lint::fix::plan(bytes, report, &around, self.unsafe_fixes);
        if planned.is_empty() {
            return Ok(None);
        }
        let Ok(text) = std::str::from_utf8(bytes) else {
            self.skipped.push(format!(
                "{}: not fixed: the file is not UTF-8 (fixes keep a file's encoding, so it is left as it is)",
                input.display
            ));
            return Ok(None);
        };
        let mut edits = Vec::new();
        for p in &planned {
            match &p.outcome {
                Ok(edit) => edits.push(edit),
                Err(why) => self.skipped.push(format!(
                    "{}:{}: {} `{}` not fixed: {why}",
                    input.display, p.line, p.code, p.unit
                )),
            }
        }
        if edits.is_empty() {
            return Ok(None);
        }
        let fixed = lint::fix::apply(text, &edits);
        if fixed == text {
            return Ok(None);
        }
        if write {
            write_keeping_permissions(path, &fixed).map_err(|e| {
                DoctorError::new(format!("cannot write the fixes to {}: {e}", input.display))
            })?;
            for p in planned.iter().filter(|p| p.outcome.is_ok()) {
                eprintln!(
                    "{}:{}: fixed {} in `{}`",
                    input.display, p.line, p.code, p.unit
                );
            }
            return Ok(Some(fixed));
        }
        let name = input.display.as_str();
        self.diff.push_str(
            &similar::TextDiff::from_lines(text, &fixed)
                .unified_diff()
                .context_radius(3)
                .header(&format!("a/{name}"), &format!("b/{name}"))
                .to_string(),
        );
        Ok(None)
    }

    /// The fixes that were not made, on standard error.
    pub fn report_skipped(&mut self) {
        self.skipped.dedup();
        for line in &self.skipped {
            eprintln!("{}", crate::render::safe(line));
        }
    }
}

/// Writes `text` over `path` through a temporary file in the same directory, so a failure
/// never leaves half a file; the original's permissions are kept.
fn write_keeping_permissions(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    let permissions = std::fs::metadata(path)?.permissions();
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty());
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir
        .unwrap_or_else(|| std::path::Path::new("."))
        .join(format!(".{name}.ecs-exec-doctor-fix"));
    std::fs::write(&temp, text)?;
    std::fs::set_permissions(&temp, permissions)?;
    std::fs::rename(&temp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&temp);
    })
}
