//! `kpic score`: a filled-in scorecard and the workspace's targets become results.

use std::io::{Read, Write};
use std::path::Path;
use std::process::ExitCode;

use crate::check;
use crate::cli::ScoreArgs;
use crate::commands::{
    EXIT_FINDINGS, EXIT_OK, Stdout, check_request, cwd, print_human_to_stderr, say, stdout_error,
};
use crate::diagnostic::Severity;
use crate::error::{Error, Result};
use crate::report::Report;
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

    let req = check_request(cwd, args.paths, args.config, None)?;
    let outcome = check::run(&req)?;
    let errors: Vec<_> = outcome
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .cloned()
        .collect();
    if !errors.is_empty() {
        // The spec errors in the human format; if they cannot be rendered, the line below
        // still says why nothing is scored.
        let report = Report::new(&outcome.ws, &errors, outcome.files_checked());
        let _ = print_human_to_stderr(&report);
        say(&format!(
            "kpic: error: the specs have {} error{}; fix them first (`kpic check`): scores against broken targets would be meaningless\n",
            errors.len(),
            if errors.len() == 1 { "" } else { "s" }
        ));
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
    let mut out = Stdout::new();
    render::write(format, &scores, page, &mut out).map_err(stdout_error)?;
    out.finish()?;
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
