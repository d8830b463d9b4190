//! `kpic score`: a filled-in scorecard and the workspace's targets become results.

use std::process::ExitCode;

use crate::check;
use crate::cli::ScoreArgs;
use crate::commands::{
    EXIT_FINDINGS, EXIT_OK, Stdout, check_request, cwd, keep_in_force, parse_as_of,
    print_human_to_stderr, say, stdout_error,
};
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
        Some(l) => Some(l.parse::<Lang>().map_err(Error::new)?),
        None => None,
    };
    let options = Options::new(args.cap)?;
    let as_of = parse_as_of(args.as_of.as_deref())?;
    let encoding = args
        .encoding
        .as_deref()
        .map(score::read::encoding_for_label)
        .transpose()?;
    let cwd = cwd()?;
    let name = args.actuals.display().to_string();
    let actuals = score::read::read_file(&cwd.join(&args.actuals), &name, encoding)?;
    for note in &actuals.notes {
        say(&format!("kpic: note: {}\n", printable(note.clone())));
    }
    let mut sheet = actuals.sheet;

    let req = check_request(cwd, args.paths, args.config, None)?;
    let mut outcome = check::run(&req)?;
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
    if let Some(day) = as_of {
        // Rows of the KPIs left out are not scored (they are not unknown KPIs).
        let left_out: std::collections::HashSet<_> =
            keep_in_force(&mut outcome.ws, day).into_iter().collect();
        sheet.rows.retain(|r| !left_out.contains(r.kpi_id.as_str()));
    }

    let scores = match score::score(&outcome.ws, &sheet, &options) {
        Ok(s) => s,
        Err(bad) => {
            let mut text = String::new();
            for b in &bad {
                let at = location(&name, b.sheet.as_deref(), b.row);
                text += &format!("{at}: error: {}\n", printable(b.message()));
            }
            text += &format!(
                "kpic: error: {} bad row{} in `{name}`; nothing was scored\n",
                bad.len(),
                if bad.len() == 1 { "" } else { "s" }
            );
            say(&text);
            return Ok(ExitCode::from(EXIT_FINDINGS));
        }
    };
    for w in &scores.warnings {
        let at = location(&name, w.sheet.as_deref(), w.row);
        say(&format!("{at}: warning: {}\n", printable(w.message())));
    }
    let page = Page {
        source: &name,
        lang: render::pick_lang(lang, &scores, outcome.config.locale.as_deref()),
    };
    let mut out = Stdout::new();
    render::write(format, &scores, page, &mut out).map_err(stdout_error)?;
    out.finish()?;
    Ok(ExitCode::from(EXIT_OK))
}
