//! The subcommands: each turns parsed arguments into a library call and an exit code.

pub mod build;
pub mod check;
pub mod completions;
pub mod explain;
pub mod init;
pub mod schema;
pub mod score;

use std::process::ExitCode;

use crate::date::Date;
use crate::error::{Error, Result};

/// Exit code: nothing at failing severity.
pub const EXIT_OK: u8 = 0;
/// Exit code: findings that fail the run.
pub const EXIT_FINDINGS: u8 = 1;
/// Exit code: kpic could not do its job.
pub const EXIT_ERROR: u8 = 2;

/// Runs a parsed command line.
pub fn run(cli: crate::cli::Cli) -> Result<ExitCode> {
    use crate::cli::Command;
    match cli.command {
        Command::Check(a) => check::run(a),
        Command::Build(a) => build::run(a),
        Command::Score(a) => score::run(a),
        Command::Explain(a) => explain::explain(a),
        Command::Rules(a) => explain::rules(a),
        Command::Init(a) => init::run(a),
        Command::Schema(a) => schema::run(a),
        Command::Completions(a) => completions::run(a),
    }
}

/// Parses `--today`.
pub fn parse_today(s: Option<&str>) -> Result<Option<Date>> {
    s.map(|s| {
        Date::parse(s)
            .ok_or_else(|| Error::new(format!("invalid --today `{s}`: expected YYYY-MM-DD")))
    })
    .transpose()
}

/// The working directory.
pub fn cwd() -> Result<std::path::PathBuf> {
    std::env::current_dir()
        .map_err(|e| Error::new(format!("cannot read the working directory: {e}")))
}
