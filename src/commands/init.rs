//! `kpic init`.

use std::process::ExitCode;

use crate::error::{Error, Result};

/// Runs `kpic init`.
pub fn run(_args: crate::cli::InitArgs) -> Result<ExitCode> {
    Err(Error::new("`kpic init` is not available yet"))
}
