//! `kpic completions`.

use std::process::ExitCode;

use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs};
use crate::commands::{Stdout, stdout_error};
use crate::error::Result;

/// Prints the completion script of `args.shell` for every subcommand and option.
pub fn run(args: CompletionsArgs) -> Result<ExitCode> {
    let mut buf = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "kpic", &mut buf);
    let mut out = Stdout::new();
    std::io::Write::write_all(&mut out, &buf).map_err(stdout_error)?;
    out.finish()?;
    Ok(ExitCode::SUCCESS)
}
