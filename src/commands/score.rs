//! `kpic score`: a filled-in scorecard and the workspace's targets become results.

use std::io::{IsTerminal, Read, Write};
use std::path::Path;
use std::process::ExitCode;

use crate::check::{self, CheckRequest};
use crate::cli::ScoreArgs;
use crate::commands::{EXIT_FINDINGS, EXIT_OK, cwd};
use crate::diagnostic::Severity;
use crate::error::{Error, Result};
use crate::report::{self, Report, Style};
use crate::score::render::{self, Format, Lang, Page};
use crate::score::{self, MAX_SHEET_SIZE, Options};
use crate::workspace::discover::io_reason;

/// Runs `kpic score`.
pub fn run(args: ScoreArgs) -> Result<ExitCode> {
    let format: Format = args.format.parse().map_err(Error::new)?;
    let lang = match args.lang.as_deref() {
        Some(l) => Some(Lang::parse(l).ok_or_else(|| {
            Error::new(format!("unknown language `{l}`; expected `en` or `zh-CN`"))
        })?),
        None => None,
    };
    let options = Options::new(args.cap)?;
    let cwd = cwd()?;
    let name = args.actuals.display().to_string();
    let bytes = read_limited(&cwd.join(&args.actuals), &name)?;
    let sheet = score::parse_sheet(&name, &bytes)?;

    let req = CheckRequest {
        cwd,
        paths: args.paths,
        config: args.config,
        ..CheckRequest::default()
    };
    let outcome = check::run(&req)?;
    let errors: Vec<_> = outcome
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .cloned()
        .collect();
    if !errors.is_empty() {
        print_spec_errors(&outcome.ws, &errors, outcome.files_checked());
        eprintln!(
            "kpic: error: the specs have {} error{}; fix them first (`kpic check`): scores against broken targets would be meaningless",
            errors.len(),
            if errors.len() == 1 { "" } else { "s" }
        );
        return Ok(ExitCode::from(EXIT_FINDINGS));
    }

    let scores = match score::score(&outcome.ws, &sheet, &options) {
        Ok(s) => s,
        Err(bad) => {
            let mut err = std::io::stderr().lock();
            for b in &bad {
                let _ = writeln!(err, "{name}:{}: error: {}", b.row, b.message());
            }
            let _ = writeln!(
                err,
                "kpic: error: {} bad row{} in `{name}`; nothing was scored",
                bad.len(),
                if bad.len() == 1 { "" } else { "s" }
            );
            return Ok(ExitCode::from(EXIT_FINDINGS));
        }
    };
    let page = Page {
        source: &name,
        lang: Lang::pick(lang, &scores, outcome.config.locale.as_deref()),
    };
    let mut buf = Vec::new();
    render::write(format, &scores, page, &mut buf)
        .map_err(|e| Error::new(format!("cannot write the results: {e}")))?;
    let mut stdout = std::io::stdout().lock();
    // A closed pipe (`kpic score … | head`) is not an error worth a panic.
    let _ = stdout.write_all(&buf).and_then(|_| stdout.flush());
    Ok(ExitCode::from(EXIT_OK))
}

/// Reads the actuals file, refusing files over [`MAX_SHEET_SIZE`].
fn read_limited(path: &Path, name: &str) -> Result<Vec<u8>> {
    let cannot = |e: std::io::Error| Error::new(format!("cannot read `{name}`: {}", io_reason(&e)));
    let file = std::fs::File::open(path).map_err(cannot)?;
    let mut bytes = Vec::new();
    file.take(MAX_SHEET_SIZE + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    if bytes.len() as u64 > MAX_SHEET_SIZE {
        return Err(Error::new(format!(
            "`{name}` is larger than the limit of {}",
            crate::workspace::human_size(MAX_SHEET_SIZE)
        )));
    }
    Ok(bytes)
}

/// Prints the spec errors that stop scoring, in the human format, to stderr.
fn print_spec_errors(
    ws: &crate::workspace::Workspace,
    errors: &[crate::diagnostic::Diagnostic],
    files_checked: usize,
) {
    let report = Report {
        files: &ws.files,
        diagnostics: errors,
        files_checked,
        reported: &ws.reported,
    };
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let width = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(100);
    let mut buf = Vec::new();
    if report::write(
        report::Format::Human,
        &report,
        Style { color, width },
        &mut buf,
    )
    .is_ok()
    {
        let _ = std::io::stderr().write_all(&buf);
    }
}
