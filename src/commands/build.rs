//! `kpic build`: check everything, then compile the handbook, scorecards and JSON model into
//! `--out DIR`, atomically. Nothing is written while errors remain.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::check;
use crate::cli::BuildArgs;
use crate::commands::{
    EXIT_FINDINGS, EXIT_OK, check_request, cwd, keep_in_force, parse_as_of, print_human_to_stderr,
    say,
};
use crate::emit::{self, Lang, out_dir};
use crate::error::{Error, Result};
use crate::fsutil::lexical;
use crate::report::Report;

/// Runs `kpic build`.
pub fn run(args: BuildArgs) -> Result<ExitCode> {
    let cwd = cwd()?;
    let lang = args.lang;
    let as_of = parse_as_of(args.as_of.as_deref())?;
    let req = check_request(cwd.clone(), args.paths, args.config, args.today.as_deref())?;
    // One name for the folder however it is spelled (`dist/../dist` is `dist`), before
    // anything is done with it: renames through `..` of a folder just moved fail.
    let out = lexical(&cwd.join(&args.out));
    for note in out_dir::recover(&out) {
        say(&format!("kpic: note: {note}\n"));
    }
    let mut outcome = check::run(&req)?;
    let report = Report::new(&outcome.ws, &outcome.diagnostics, outcome.files_checked());
    print_human_to_stderr(&report)
        .map_err(|e| Error::new(format!("cannot write the report: {e}")))?;
    let summary = report.summary();
    if summary.errors > 0 {
        say(&format!(
            "kpic: nothing written to `{}`: fix the errors above first\n",
            args.out.display()
        ));
        return Ok(ExitCode::from(EXIT_FINDINGS));
    }
    if let Some(day) = as_of {
        keep_in_force(&mut outcome.ws, day);
    }

    let config = &outcome.config;
    let mut protected: Vec<PathBuf> = vec![cwd.clone(), cwd.join(&config.root)];
    protected.extend(config.paths.iter().map(|p| cwd.join(&config.root).join(p)));
    protected.extend(config.file.iter().map(|f| cwd.join(f)));
    protected.extend(outcome.ws.files.iter().map(|f| cwd.join(&f.path)));
    out_dir::check(&out, &cwd, &protected).map_err(|r| Error {
        message: r.message,
        detail: Some(format!("help: {}", r.help)),
    })?;

    let default_lang = match config.locale.as_deref() {
        Some(l) => Some(
            l.parse::<Lang>()
                .map_err(|e| Error::new(format!("invalid `locale` in the configuration: {e}")))?,
        ),
        None => None,
    };
    let opts = emit::Options {
        lang,
        default_lang,
        csv_bom: args.csv_bom,
    };
    let output = emit::compile(&outcome.ws, &opts);
    for note in &output.notes {
        say(&format!("kpic: note: {note}\n"));
    }
    if let Some(first) = output.errors.first() {
        return Err(Error::new(format!(
            "{first}; nothing written to `{}`",
            args.out.display()
        )));
    }
    out_dir::write(&out, &output.documents)
        .map_err(|e| Error::new(format!("cannot write `{}`: {e}", args.out.display())))?;
    say(&format!(
        "kpic: wrote {} files to `{}`\n",
        output.documents.len(),
        args.out.display()
    ));
    Ok(ExitCode::from(EXIT_OK))
}
