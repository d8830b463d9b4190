//! `kpic build`.

use std::process::ExitCode;

use crate::error::{Error, Result};

/// Runs `kpic build`.
pub fn run(_args: crate::cli::BuildArgs) -> Result<ExitCode> {
    Err(Error::new("`kpic build` is not available yet"))
}
