//! `ecs-exec-doctor lint` (placeholder until the lint command lands).

use clap::Args;

use super::Output;
use crate::error::Result;

#[derive(Debug, Args)]
pub struct LintArgs {
    /// Files or directories.
    pub paths: Vec<std::path::PathBuf>,
}

pub fn run(_args: LintArgs, _color: bool) -> Result<Output> {
    crate::fail!("lint is not available yet")
}
