//! Errors that stop the doctor from doing its job (exit code 2), each one line saying what is
//! wrong and what to do.

use std::fmt;

/// Exit codes: the contract with scripts and CI.
pub mod exit {
    /// Nothing at or above `--fail-on`.
    pub const OK: u8 = 0;
    /// Findings at or above `--fail-on`.
    pub const FINDINGS: u8 = 1;
    /// The doctor could not do its job.
    pub const ERROR: u8 = 2;
}

/// A failure the user can act on.
#[derive(Debug)]
pub struct DoctorError {
    pub message: String,
}

impl DoctorError {
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }
}

impl fmt::Display for DoctorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DoctorError {}

pub type Result<T> = std::result::Result<T, DoctorError>;

/// Prints an error the way every error of the doctor is printed: one line on stderr,
/// `ecs-exec-doctor: error: MESSAGE`. Messages quote what the user or AWS gave (a task id, a
/// profile, a region, a path, an AWS error), so every control character in them (a line
/// break, an escape sequence, a bell) is shown escaped here, once, rather than by each message:
/// no message can clear the screen or retitle the terminal, and none can break the one line.
pub fn print(message: impl fmt::Display) {
    eprintln!(
        "ecs-exec-doctor: error: {}",
        crate::render::safe(&message.to_string())
    );
}

/// A multi-line usage error (clap's) with the control characters of each line escaped: the line
/// breaks clap writes are kept, anything in an argument it quotes is shown escaped.
pub fn safe_lines(text: &str) -> String {
    text.split('\n')
        .map(|line| crate::render::safe(line))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Shorthand: `Err(DoctorError)` from a format string.
#[macro_export]
macro_rules! fail {
    ($($arg:tt)*) => { return Err($crate::error::DoctorError::new(format!($($arg)*))) };
}
