//! The subcommands: each turns parsed arguments into a library call and an exit code.

pub mod build;
pub mod check;
pub mod completions;
pub mod explain;
pub mod init;
pub mod schema;
pub mod score;
pub mod server;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use crate::check::CheckRequest;
use crate::date::Date;
use crate::error::{Error, Result};
use crate::report::{self, Format, Report, Style};

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
        Command::Server(a) => server::run(a),
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
pub fn cwd() -> Result<PathBuf> {
    std::env::current_dir()
        .map_err(|e| Error::new(format!("cannot read the working directory: {e}")))
}

/// What `check`, `build` and `score` check: the workspace at `cwd` (or only `paths`), with
/// `--config` and `--today`, every rule, no stdin.
pub fn check_request(
    cwd: PathBuf,
    paths: Vec<PathBuf>,
    config: Option<PathBuf>,
    today: Option<&str>,
) -> Result<CheckRequest> {
    Ok(CheckRequest {
        cwd,
        paths,
        config,
        today: parse_today(today)?,
        ..CheckRequest::default()
    })
}

/// The width of the human format: `COLUMNS`, else 100.
pub fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(100)
}

/// Prints `report` in the human format to stderr (in colour on a terminal unless `NO_COLOR`);
/// an error when it cannot be rendered, in which case nothing is printed.
pub fn print_human_to_stderr(report: &Report<'_>) -> std::io::Result<()> {
    let style = Style {
        color: std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
        width: terminal_width(),
    };
    let mut buf = Vec::new();
    report::write(Format::Human, report, style, &mut buf)?;
    let _ = std::io::stderr().write_all(&buf);
    Ok(())
}
