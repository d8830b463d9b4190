//! `kpic check`.

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::baseline::{self, Baseline, Fingerprint};
use crate::check::{self, CheckRequest, StdinSpec};
use crate::cli::CheckArgs;
use crate::commands::{
    EXIT_FINDINGS, EXIT_OK, Stdout, check_request, cwd, fix, say, stdout_error, terminal_width,
};
use crate::diagnostic::{Diagnostic, Severity};
use crate::error::{Error, Result};
use crate::fsutil::{lexical, write_atomic_with};
use crate::report::{self, BaselineReport, Format, Report, Style};
use crate::workspace::discover;

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
    one_reader_per_stream(&outputs, &cwd)?;
    let edit = fix::Mode::of(&args)?;
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
    let mut outcome = check::run(&req)?;
    for note in &outcome.notes {
        say(&format!("kpic: note: {note}\n"));
    }
    if let Some(mode) = &edit {
        match fix::edit(mode, args.diff, outcome, || check::run(&req))? {
            Ok(after) => outcome = after,
            Err(code) => return Ok(code),
        }
    }
    if let Some(file) = &args.write_baseline {
        return write_baseline(&outcome, &req.cwd, file);
    }
    let baseline_file = baseline::path_in_use(
        args.baseline.as_deref(),
        outcome.config.baseline.as_deref(),
        &req.cwd,
        &outcome.config.root,
    );
    let (unchanged, stale) = match &baseline_file {
        Some(file) => {
            let (new, unchanged, stale) = compare_with_baseline(&mut outcome, &req.cwd, file)?;
            outcome.diagnostics = new;
            (unchanged, stale)
        }
        None => (Vec::new(), 0),
    };
    let mut report = Report::new(&outcome.ws, &outcome.diagnostics, outcome.files_checked())
        .rooted_at(report::repository_root(&req.cwd.join(&outcome.config.root)))
        .failing_at(if args.deny_warnings {
            Severity::Warning
        } else {
            Severity::Error
        });
    if baseline_file.is_some() {
        report = report.with_baseline(BaselineReport {
            unchanged: &unchanged,
            stale,
        });
    }
    let mut stdout = Stdout::new();
    let on_terminal = std::io::stdout().is_terminal();
    for out in &outputs {
        let style = Style {
            color: out.path.is_none() && on_terminal && std::env::var_os("NO_COLOR").is_none(),
            width: terminal_width(),
            summary: !args.quiet,
        };
        match &out.path {
            Some(path) => {
                let cannot = |e: std::io::Error| {
                    Error::new(format!("cannot write `{}`: {e}", path.display()))
                };
                let full = req.cwd.join(path);
                if let Some(parent) = full.parent() {
                    std::fs::create_dir_all(parent).map_err(cannot)?;
                }
                write_atomic_with(&full, |w| report::write(out.format, &report, style, w))
                    .map_err(cannot)?
            }
            None => report::write(out.format, &report, style, &mut stdout).map_err(stdout_error)?,
        }
    }
    let summary = report.summary();
    // A clean run on a terminal says so, in one line (a hook's or a script's output stays
    // empty).
    if outcome.diagnostics.is_empty()
        && on_terminal
        && !args.quiet
        && outputs
            .iter()
            .any(|o| o.format == Format::Human && o.path.is_none())
    {
        let kpis: usize = outcome.ws.reported_specs().map(|s| s.kpis.len()).sum();
        writeln!(
            stdout,
            "All checks passed: {}, {}{}",
            count(summary.files, "file", "files"),
            count(kpis, "KPI", "KPIs"),
            report::baseline_note(&report)
        )
        .map_err(stdout_error)?;
    }
    if args.statistics {
        // After a document on stdout (JSON, SARIF, JUnit) the table goes to stderr, so the
        // document stays whole for the tool that reads it.
        let document_on_stdout = outputs
            .iter()
            .any(|o| o.path.is_none() && o.format.is_document());
        let table = statistics(&outcome.diagnostics);
        if document_on_stdout {
            say(&table);
        } else {
            stdout.write_all(table.as_bytes()).map_err(stdout_error)?;
        }
    }
    stdout.finish()?;
    let fails = outcome
        .diagnostics
        .iter()
        .any(|d| d.severity >= report.fails_at);
    // The process ends next: freeing a large workspace piece by piece would be wasted time.
    std::mem::forget(outcome);
    Ok(ExitCode::from(if fails { EXIT_FINDINGS } else { EXIT_OK }))
}

/// The findings of `outcome` split by the baseline `file`: the new ones, those it holds, and
/// how many of its entries no finding matches.
fn compare_with_baseline(
    outcome: &mut check::CheckOutcome,
    cwd: &Path,
    file: &Path,
) -> Result<(Vec<Diagnostic>, Vec<Diagnostic>, usize)> {
    let shown = discover::display_name(file, cwd);
    let accepted = Baseline::load(file, &shown)?;
    let names = baseline::file_names(&outcome.ws, &cwd.join(&outcome.config.root));
    let prints = fingerprints_of(outcome, &names);
    let reported = baseline::reported_files(&names, &outcome.ws);
    let comparison = accepted.compare(&prints, &reported);
    let (mut new, mut unchanged) = (Vec::new(), Vec::new());
    for (d, known) in std::mem::take(&mut outcome.diagnostics)
        .into_iter()
        .zip(comparison.unchanged)
    {
        if known {
            unchanged.push(d);
        } else {
            new.push(d);
        }
    }
    Ok((new, unchanged, comparison.stale))
}

/// The fingerprints of the findings of `outcome`.
fn fingerprints_of(outcome: &check::CheckOutcome, names: &[String]) -> Vec<Fingerprint> {
    baseline::fingerprints(
        &outcome.ws,
        names,
        &outcome.diagnostics,
        crate::workspace::yaml::Limits::for_file_size(outcome.config.max_file_size),
    )
}

/// `--write-baseline FILE`: the findings of the files checked replace theirs in the baseline
/// (the entries of other files are kept).
fn write_baseline(outcome: &check::CheckOutcome, cwd: &Path, file: &Path) -> Result<ExitCode> {
    let path = cwd.join(file);
    let shown = discover::display_name(&path, cwd);
    let old = if path.exists() {
        Baseline::load(&path, &shown)?
    } else {
        Baseline::default()
    };
    let names = baseline::file_names(&outcome.ws, &cwd.join(&outcome.config.root));
    let prints = fingerprints_of(outcome, &names);
    let reported = baseline::reported_files(&names, &outcome.ws);
    let pruned = old.compare(&prints, &reported).stale;
    let updated = old.updated(prints, &reported);
    updated.save(&path).map_err(|e| {
        Error::new(format!(
            "cannot write `{shown}`: {}",
            discover::io_reason(&e)
        ))
    })?;
    let mut line = format!(
        "kpic: wrote {} to `{shown}`",
        count(updated.len(), "finding", "findings")
    );
    if pruned > 0 {
        line.push_str(&format!(
            " ({} no longer found, pruned)",
            count(pruned, "entry", "entries")
        ));
    }
    say(&format!("{line}\n"));
    Ok(ExitCode::from(EXIT_OK))
}

/// `1 file`, `3 files`.
fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Refuses outputs that a reader could not take apart: two machine formats on one stream
/// (stdout, or one file), or a document (JSON, SARIF, JUnit) sharing its stream with anything.
/// `human` and one line format (`github`, `compact`) may share stdout, as in GitHub Actions.
fn one_reader_per_stream(outputs: &[Output], cwd: &std::path::Path) -> Result<()> {
    let stream = |o: &Output| o.path.as_ref().map(|p| lexical(&cwd.join(p)));
    for (i, a) in outputs.iter().enumerate() {
        for b in &outputs[..i] {
            if stream(a) != stream(b) {
                continue;
            }
            let machine = |o: &Output| o.format != Format::Human;
            let mixed =
                (machine(a) && machine(b)) || a.format.is_document() || b.format.is_document();
            if !mixed {
                continue;
            }
            let place = match &a.path {
                Some(p) => format!("`{}`", p.display()),
                None => "stdout".to_owned(),
            };
            let name = |o: &Output| o.format.name();
            return Err(Error {
                message: format!(
                    "`--format {}` and `--format {}` both write to {place}: no program could read the two apart",
                    name(b),
                    name(a)
                ),
                detail: Some(format!(
                    "help: give one of them a file of its own, e.g. `--format {}:kpic.{}`",
                    name(a),
                    a.format.extension()
                )),
            });
        }
    }
    Ok(())
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
