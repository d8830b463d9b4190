//! `kpic check`.

use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use crate::check::{self, CheckRequest, StdinSpec};
use crate::cli::CheckArgs;
use crate::commands::{EXIT_FINDINGS, EXIT_OK, check_request, cwd, terminal_width};
use crate::diagnostic::Severity;
use crate::error::{Error, Result};
use crate::fsutil::write_atomic;
use crate::report::{self, Format, Report, Style};

/// One requested output: a format and where it goes (stdout when `None`).
#[derive(Debug, Clone)]
pub struct Output {
    /// The format.
    pub format: Format,
    /// The file to write, or stdout.
    pub path: Option<PathBuf>,
}

/// Parses `FORMAT[:PATH]`.
pub fn parse_output(s: &str) -> Result<Output> {
    let (name, path) = match s.split_once(':') {
        Some((n, p)) if !p.is_empty() => (n, Some(PathBuf::from(p))),
        Some((n, _)) => (n, None),
        None => (s, None),
    };
    let format = name.parse::<Format>().map_err(Error::new)?;
    Ok(Output { format, path })
}

/// The outputs to write when `--format` is not given: `human`, plus `github` annotations when
/// running in GitHub Actions (`GITHUB_ACTIONS=true`).
fn default_outputs() -> Vec<Output> {
    let mut outputs = vec![Output {
        format: Format::Human,
        path: None,
    }];
    if std::env::var_os("GITHUB_ACTIONS").is_some_and(|v| v == "true") {
        outputs.push(Output {
            format: Format::Github,
            path: None,
        });
    }
    outputs
}

/// Runs `kpic check`.
pub fn run(args: CheckArgs) -> Result<ExitCode> {
    let cwd = cwd()?;
    let mut outputs = args
        .formats
        .iter()
        .map(|f| parse_output(f))
        .collect::<Result<Vec<_>>>()?;
    if outputs.is_empty() {
        outputs = default_outputs();
    }
    let mut paths = Vec::new();
    let mut stdin = None;
    for p in args.paths {
        if p.as_os_str() == "-" {
            let mut text = String::new();
            // One byte past `max-file-size` is enough for the text to be refused (E001).
            let max = check::load_config(&CheckRequest {
                cwd: cwd.clone(),
                config: args.config.clone(),
                ..CheckRequest::default()
            })?
            .max_file_size;
            std::io::stdin()
                .take(max.saturating_add(1))
                .read_to_string(&mut text)
                .map_err(|e| Error::new(format!("cannot read stdin: {e}")))?;
            let name = args
                .stdin_filename
                .clone()
                .unwrap_or_else(|| PathBuf::from("<stdin>"));
            let alone = args.stdin_filename.is_none();
            stdin = Some(StdinSpec { name, text, alone });
        } else {
            paths.push(p);
        }
    }
    if stdin.is_none()
        && let Some(name) = &args.stdin_filename
    {
        return Err(Error {
            message: format!(
                "`--stdin-filename {}` names the spec read from standard input, but no `-` is among the paths",
                name.display()
            ),
            detail: Some(
                "help: add `-` to read the spec from standard input: `kpic check - --stdin-filename FILE < FILE`".into(),
            ),
        });
    }
    let req = CheckRequest {
        stdin,
        select: args.select,
        ignore: args.ignore,
        force_exclude: args.force_exclude,
        cache: !args.no_cache,
        ..check_request(cwd, paths, args.config, args.today.as_deref())?
    };
    let outcome = check::run(&req)?;
    for note in &outcome.notes {
        eprintln!("kpic: note: {note}");
    }
    let report = Report::new(&outcome.ws, &outcome.diagnostics, outcome.files_checked());
    for out in &outputs {
        let mut buf = Vec::new();
        let color = out.path.is_none()
            && std::io::stdout().is_terminal()
            && std::env::var_os("NO_COLOR").is_none();
        let width = terminal_width();
        report::write(out.format, &report, Style { color, width }, &mut buf)
            .map_err(|e| Error::new(format!("cannot write the report: {e}")))?;
        match &out.path {
            Some(path) => {
                let full = req.cwd.join(path);
                if let Some(parent) = full.parent() {
                    std::fs::create_dir_all(parent).map_err(|e| {
                        Error::new(format!("cannot write `{}`: {e}", path.display()))
                    })?;
                }
                write_atomic(&full, &buf)
                    .map_err(|e| Error::new(format!("cannot write `{}`: {e}", path.display())))?
            }
            None => {
                let mut stdout = std::io::stdout().lock();
                // A closed pipe (`kpic check | head`) is not an error worth a panic.
                let _ = stdout.write_all(&buf).and_then(|_| stdout.flush());
            }
        }
    }
    if args.statistics {
        // After a document on stdout (JSON, SARIF, JUnit) the table goes to stderr, so the
        // document stays whole for the tool that reads it.
        let document_on_stdout = outputs.iter().any(|o| {
            o.path.is_none() && matches!(o.format, Format::Json | Format::Sarif | Format::Junit)
        });
        let table = statistics(&outcome.diagnostics);
        if document_on_stdout {
            eprint!("{table}");
        } else {
            print!("{table}");
        }
    }
    let summary = report.summary();
    let fails = summary.errors > 0 || (args.deny_warnings && summary.warnings > 0);
    // The process ends next: freeing a large workspace piece by piece would be wasted time.
    std::mem::forget(outcome);
    Ok(ExitCode::from(if fails { EXIT_FINDINGS } else { EXIT_OK }))
}

/// The count of findings per rule, most first, a line each.
fn statistics(diagnostics: &[crate::diagnostic::Diagnostic]) -> String {
    let mut counts: std::collections::BTreeMap<(&str, &str), (usize, Severity)> =
        std::collections::BTreeMap::new();
    for d in diagnostics {
        let e = counts
            .entry((d.rule.code, d.rule.name))
            .or_insert((0, d.severity));
        e.0 += 1;
    }
    let mut rows: Vec<_> = counts.into_iter().collect();
    rows.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.0.cmp(&b.0)));
    rows.iter()
        .map(|((code, name), (n, sev))| format!("{n:>6}  {code}  {name:<22} {}\n", sev.as_str()))
        .collect()
}
