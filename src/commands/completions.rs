//! `kpic completions`.

use std::io::Write;
use std::process::ExitCode;

use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs};
use crate::error::Result;

/// Prints the completion script of `args.shell` for every subcommand and option.
pub fn run(args: CompletionsArgs) -> Result<ExitCode> {
    let mut buf = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "kpic", &mut buf);
    let mut stdout = std::io::stdout().lock();
    // A closed pipe (`kpic completions bash | head`) is not worth a panic.
    let _ = stdout.write_all(&buf).and_then(|_| stdout.flush());
    Ok(ExitCode::SUCCESS)
}
