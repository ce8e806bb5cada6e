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

/// Shorthand: `Err(DoctorError)` from a format string.
#[macro_export]
macro_rules! fail {
    ($($arg:tt)*) => { return Err($crate::error::DoctorError::new(format!($($arg)*))) };
}
