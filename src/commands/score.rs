//! `kpic score`.

use std::process::ExitCode;

use crate::error::{Error, Result};

/// Runs `kpic score`.
pub fn run(_args: crate::cli::ScoreArgs) -> Result<ExitCode> {
    Err(Error::new("`kpic score` is not available yet"))
}
