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
use crate::emit::{Document, out_dir};
use crate::error::{Error, Result};
use crate::report::Report;
use crate::score::render::{self, Format, Page};
use crate::score::trend::Period;
use crate::score::{self, Options, location};

/// Runs `kpic score`.
pub fn run(args: ScoreArgs) -> Result<ExitCode> {
    let format: Format = args.format.parse().map_err(Error::new)?;
    let lang = args.lang;
    let options = Options::new(args.cap)?;
    let as_of = parse_as_of(args.as_of.as_deref())?;
    let encoding = args
        .encoding
        .as_deref()
        .map(score::read::encoding_for_label)
        .transpose()?;
    let cwd = cwd()?;
    if !args.periods.is_empty() && args.periods.len() != args.actuals.len() {
        return Err(Error::new(format!(
            "{} `--period` label{} for {} `--actuals` file{}; give one label per file, in the same order, or none",
            args.periods.len(),
            if args.periods.len() == 1 { "" } else { "s" },
            args.actuals.len(),
            if args.actuals.len() == 1 { "" } else { "s" }
        )));
    }
    if args.charts.is_some() && format != Format::Markdown {
        return Err(Error::new(
            "`--charts DIR` goes with `--format markdown` (the HTML page has its charts inline)",
        ));
    }
    let mut files = Vec::new();
    for (i, path) in args.actuals.iter().enumerate() {
        let name = path.display().to_string();
        let actuals = score::read::read_file(&cwd.join(path), &name, encoding)?;
        for note in &actuals.notes {
            say(&format!("kpic: note: {}\n", printable(note.clone())));
        }
        let label = args
            .periods
            .get(i)
            .cloned()
            .unwrap_or_else(|| score::trend::label_of(path));
        files.push((name, label, actuals.sheet));
    }

    let req = check_request(cwd.clone(), args.paths, args.config, None)?;
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
        for (_, _, sheet) in &mut files {
            sheet.rows.retain(|r| !left_out.contains(r.kpi_id.as_str()));
        }
    }

    let mut periods = Vec::new();
    let mut failed = false;
    for (name, label, sheet) in files {
        match score::score(&outcome.ws, &sheet, &options) {
            Ok(scores) => {
                for w in &scores.warnings {
                    let at = location(&name, w.sheet.as_deref(), w.row);
                    say(&format!("{at}: warning: {}\n", printable(w.message())));
                }
                periods.push(Period {
                    label,
                    source: name,
                    scores,
                });
            }
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
                failed = true;
            }
        }
    }
    if failed {
        return Ok(ExitCode::from(EXIT_FINDINGS));
    }
    let Some(last) = periods.last() else {
        return Ok(ExitCode::from(EXIT_OK));
    };
    let page = Page {
        source: &last.source,
        lang: render::pick_lang(lang, &last.scores, outcome.config.locale.as_deref()),
        lang_forced: lang.is_some(),
        charts: None,
    };
    let prefix = match &args.charts {
        Some(dir) => Some(write_charts(dir, &cwd, &periods, page)?),
        None => None,
    };
    let page = Page {
        charts: prefix.as_deref(),
        ..page
    };
    let mut out = Stdout::new();
    render::write_periods(format, &periods, page, &mut out).map_err(stdout_error)?;
    out.finish()?;
    Ok(ExitCode::from(EXIT_OK))
}

/// Writes every chart of the page into `--charts DIR` (atomically, replacing the charts of an
/// earlier run) and returns the folder as the page links it.
fn write_charts(
    dir: &std::path::Path,
    cwd: &std::path::Path,
    periods: &[Period],
    page: Page<'_>,
) -> Result<String> {
    let abs = crate::fsutil::lexical(&cwd.join(dir));
    out_dir::check_charts(&abs, cwd).map_err(|r| Error {
        message: r.message,
        detail: Some(format!("help: {}", r.help)),
    })?;
    let documents: Vec<Document> = crate::score::html::all_charts(periods, page)
        .into_iter()
        .map(|c| Document {
            path: format!("{}.svg", c.name).into(),
            bytes: c.svg.into_bytes(),
        })
        .collect();
    out_dir::write(&abs, &documents)
        .map_err(|e| Error::new(format!("cannot write `{}`: {e}", dir.display())))?;
    let relative = abs.strip_prefix(cwd).unwrap_or(&abs);
    Ok(render::chart_link_prefix(relative))
}
