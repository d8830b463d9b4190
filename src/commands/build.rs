//! `kpic build`: check everything, then compile the handbook, scorecards and JSON model into
//! `--out DIR`, atomically. Nothing is written while errors remain.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use crate::check::{self, CheckRequest};
use crate::cli::BuildArgs;
use crate::commands::{EXIT_FINDINGS, EXIT_OK, cwd, parse_today};
use crate::emit::{self, Lang, out_dir};
use crate::error::{Error, Result};
use crate::report::{self, Format, Report, Style};

/// Runs `kpic build`.
pub fn run(args: BuildArgs) -> Result<ExitCode> {
    let cwd = cwd()?;
    let lang = args
        .lang
        .as_deref()
        .map(|l| {
            l.parse::<Lang>()
                .map_err(|e| Error::new(format!("invalid --lang: {e}")))
        })
        .transpose()?;
    let req = CheckRequest {
        cwd: cwd.clone(),
        paths: args.paths,
        stdin: None,
        config: args.config,
        select: Vec::new(),
        ignore: Vec::new(),
        today: parse_today(args.today.as_deref())?,
    };
    let out = cwd.join(&args.out);
    let outcome = check::run(&req)?;
    let report = Report {
        files: &outcome.ws.files,
        diagnostics: &outcome.diagnostics,
        files_checked: outcome.files_checked(),
        reported: &outcome.ws.reported,
    };
    let mut buf = Vec::new();
    let style = Style {
        color: std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
        width: std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(100),
    };
    report::write(Format::Human, &report, style, &mut buf)
        .map_err(|e| Error::new(format!("cannot write the report: {e}")))?;
    let _ = std::io::stderr().write_all(&buf);
    let summary = report.summary();
    if summary.errors > 0 {
        eprintln!(
            "kpic: nothing written to `{}`: fix the errors above first",
            args.out.display()
        );
        return Ok(ExitCode::from(EXIT_FINDINGS));
    }

    let config = &outcome.config;
    let mut protected: Vec<PathBuf> = vec![cwd.clone(), cwd.join(&config.root)];
    protected.extend(config.paths.iter().map(|p| cwd.join(&config.root).join(p)));
    protected.extend(config.file.iter().map(|f| cwd.join(f)));
    protected.extend(outcome.ws.files.iter().map(|f| cwd.join(&f.path)));
    out_dir::check(&out, &protected).map_err(|r| Error {
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
        eprintln!("kpic: note: {note}");
    }
    out_dir::write(&out, &output.documents)
        .map_err(|e| Error::new(format!("cannot write `{}`: {e}", args.out.display())))?;
    eprintln!(
        "kpic: wrote {} files to `{}`",
        output.documents.len(),
        args.out.display()
    );
    Ok(ExitCode::from(EXIT_OK))
}
