//! `ecs-exec-doctor explain` (placeholder until the explain command lands).

use clap::Args;

use super::Output;
use crate::error::Result;

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// Error text, a check code, or `-` for stdin.
    pub input: Vec<String>,
}

pub fn run(_args: ExplainArgs, _color: bool) -> Result<Output> {
    crate::fail!("explain is not available yet")
}
