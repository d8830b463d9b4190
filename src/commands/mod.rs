//! The subcommands: each turns parsed arguments into a library call and an exit code.

pub(crate) mod build;
pub(crate) mod check;
pub(crate) mod completions;
pub(crate) mod diff;
pub(crate) mod explain;
pub(crate) mod fix;
pub mod init;
pub(crate) mod schema;
pub(crate) mod score;
pub(crate) mod server;

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use crate::check::CheckRequest;
use crate::date::Date;
use crate::error::{Error, Result};
use crate::report::{self, Format, Report, Style};
use crate::workspace::discover::io_reason;

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
        Command::Diff(a) => diff::run(a),
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

/// `--as-of DATE`, when given.
pub fn parse_as_of(s: Option<&str>) -> Result<Option<Date>> {
    s.map(|s| {
        Date::parse(s)
            .ok_or_else(|| Error::new(format!("invalid --as-of `{s}`: expected YYYY-MM-DD")))
    })
    .transpose()
}

/// Leaves out of `ws` the KPIs not in force on `day` (`--as-of`), saying how many.
pub fn keep_in_force(
    ws: &mut crate::workspace::Workspace,
    day: Date,
) -> Vec<crate::workspace::Text> {
    let left_out = ws.retain_in_force(day);
    if !left_out.is_empty() {
        let n = left_out.len();
        say(&format!(
            "kpic: note: --as-of {day}: {n} KPI{} not in force that day left out\n",
            if n == 1 { "" } else { "s" }
        ));
    }
    left_out
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

/// Prints `report` in the human format to stderr (in colour on a terminal unless `NO_COLOR`).
pub fn print_human_to_stderr(report: &Report<'_>) -> io::Result<()> {
    let style = Style {
        color: io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
        width: terminal_width(),
        summary: true,
    };
    let mut err = io::BufWriter::new(io::stderr().lock());
    match report::write(Format::Human, report, style, &mut err).and_then(|()| err.flush()) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        r => r,
    }
}

/// Standard output for what a command prints, buffered. A closed pipe (`kpic rules | head -1`)
/// ends the output quietly: the reader has what it wanted, and the run keeps the exit code it
/// would have had. Any other failure (a full disk) is an error, from a write or from
/// [`Stdout::finish`].
pub struct Stdout {
    out: io::BufWriter<io::StdoutLock<'static>>,
    /// Whether the reader has gone: what is written next is dropped.
    closed: bool,
}

impl Stdout {
    /// Standard output, locked for this command.
    pub fn new() -> Stdout {
        Stdout {
            out: io::BufWriter::with_capacity(64 * 1024, io::stdout().lock()),
            closed: false,
        }
    }

    /// Writes out what is buffered; a failure is kpic's [`Error`] (exit 2).
    pub fn finish(mut self) -> Result<()> {
        self.flush().map_err(stdout_error)
    }

    /// The result of a write: a closed pipe is not an error, and closes this output.
    fn quiet<T>(&mut self, r: io::Result<T>, otherwise: T) -> io::Result<T> {
        match r {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(otherwise)
            }
            r => r,
        }
    }
}

impl Default for Stdout {
    fn default() -> Self {
        Stdout::new()
    }
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.closed {
            return Ok(buf.len());
        }
        let r = self.out.write(buf);
        self.quiet(r, buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.closed {
            return Ok(());
        }
        let r = self.out.flush();
        self.quiet(r, ())
    }
}

/// The error for a failed write to standard output.
pub fn stdout_error(e: io::Error) -> Error {
    Error::new(format!("cannot write to stdout: {}", io_reason(&e)))
}

/// Prints `text` on standard error. What a command says there (notes, the findings that stop a
/// build) is not its output: if it cannot be written (`kpic build 2>&1 | head -1`), the run goes
/// on as it would have.
pub fn say(text: &str) {
    let _ = io::stderr().lock().write_all(text.as_bytes());
}

/// Prints `text` on standard output (see [`Stdout`]).
pub fn print(text: &str) -> Result<()> {
    let mut out = Stdout::new();
    out.write_all(text.as_bytes()).map_err(stdout_error)?;
    out.finish()
}
