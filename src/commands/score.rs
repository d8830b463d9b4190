//! `kpic score`: a filled-in scorecard and the workspace's targets become results.

use std::io::Write;
use std::process::ExitCode;

use crate::check;
use crate::cli::ScoreArgs;
use crate::commands::{EXIT_FINDINGS, EXIT_OK, check_request, cwd, print_human_to_stderr};
use crate::diagnostic::Severity;
use crate::diagnostic::printable;
use crate::error::{Error, Result};
use crate::report::Report;
use crate::score::render::{self, Format, Lang, Page};
use crate::score::{self, Options, location};

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
    let encoding = args
        .encoding
        .as_deref()
        .map(score::read::encoding_for_label)
        .transpose()?;
    let cwd = cwd()?;
    let name = args.actuals.display().to_string();
    let actuals = score::read::read_file(&cwd.join(&args.actuals), &name, encoding)?;
    for note in &actuals.notes {
        // A closed stderr is no reason to stop.
        let _ = writeln!(std::io::stderr(), "kpic: note: {}", printable(note.clone()));
    }
    let sheet = actuals.sheet;

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
                let at = location(&name, b.sheet.as_deref(), b.row);
                let _ = writeln!(err, "{at}: error: {}", printable(b.message()));
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
    {
        let mut err = std::io::stderr().lock();
        for w in &scores.warnings {
            let at = location(&name, w.sheet.as_deref(), w.row);
            let _ = writeln!(err, "{at}: warning: {}", printable(w.message()));
        }
    }
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
