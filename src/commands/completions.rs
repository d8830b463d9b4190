//! `kpic completions`.

use std::process::ExitCode;

use crate::error::{Error, Result};

/// Runs `kpic completions`.
pub fn run(_args: crate::cli::CompletionsArgs) -> Result<ExitCode> {
    Err(Error::new("`kpic completions` is not available yet"))
}
