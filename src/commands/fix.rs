//! `kpic check --fix`, `--diff` and `--add-ignore REASON`: the edits of [`crate::fix`] made to
//! the files of a check (or printed as a unified diff). Each edited file is parsed again and
//! left as it was if the edits would add a YAML error; files are written atomically, keeping
//! their byte-order mark and permissions, and only when they still hold what was checked.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::ExitCode;

use rayon::prelude::*;

use crate::check::CheckOutcome;
use crate::cli::CheckArgs;
use crate::commands::{EXIT_FINDINGS, EXIT_OK, Stdout, say, stdout_error};
use crate::diagnostic::Diagnostic;
use crate::error::{Error, Result};
use crate::fix::{self, Edit};
use crate::fsutil::write_atomic;
use crate::source::FileId;
use crate::workspace::yaml;

/// What to edit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// `--fix`: the did-you-mean fixes.
    Fix,
    /// `--add-ignore REASON`: a suppression above each finding.
    Ignore(String),
}

impl Mode {
    /// The edits `args` ask for, if any; writing to a spec read from stdin is refused.
    pub fn of(args: &CheckArgs) -> Result<Option<Mode>> {
        let mode = match &args.add_ignore {
            Some(reason) if reason.trim().is_empty() => {
                return Err(Error {
                    message: "`--add-ignore` needs a reason".into(),
                    detail: Some(
                        "help: say why the findings are accepted, e.g. `--add-ignore \"adopted 2026-01; fix by Q3\"`".into(),
                    ),
                });
            }
            Some(reason) => Mode::Ignore(reason.clone()),
            None if args.fix || args.diff => Mode::Fix,
            None => return Ok(None),
        };
        if !args.diff && args.paths.iter().any(|p| p.as_os_str() == "-") {
            return Err(Error {
                message: "a spec read from standard input cannot be edited in place".into(),
                detail: Some("help: add `--diff` to print the edits instead".into()),
            });
        }
        Ok(Some(mode))
    }
}

/// What comes after the edits.
pub enum Next {
    /// `--diff`: the diff is printed; the run ends with this code.
    Exit(ExitCode),
    /// The files are written; the check runs again and this is said with what remains.
    Recheck(Done),
}

/// Most rounds of `--fix`: a fix can uncover another (`ownr: li-nna` becomes
/// `owner: li-nna`, whose reference is then fixed), so the check runs again after each round
/// that fixed something.
const MAX_ROUNDS: usize = 10;

/// Makes the edits `mode` asks for on the findings of `outcome` (with `diff`, prints them
/// and returns the exit code); `recheck` runs the check again. Returns the check of the files
/// as they are left, having said what was done.
pub fn edit(
    mode: &Mode,
    diff: bool,
    mut outcome: CheckOutcome,
    recheck: impl Fn() -> Result<CheckOutcome>,
) -> Result<std::result::Result<CheckOutcome, ExitCode>> {
    let mut total = Done {
        ignore: matches!(mode, Mode::Ignore(_)),
        ..Done::default()
    };
    let mut written = std::collections::BTreeSet::new();
    for _ in 0..MAX_ROUNDS {
        let done = match run(mode, diff, &outcome)? {
            Next::Exit(code) => return Ok(Err(code)),
            Next::Recheck(done) => done,
        };
        written.extend(done.names);
        total.count += done.count;
        outcome = recheck()?;
        if done.count == 0 || total.ignore {
            break;
        }
    }
    total.files = written.len();
    say(&total.summary(outcome.diagnostics.len()));
    Ok(Ok(outcome))
}

/// What the edits of a run did.
#[derive(Debug, Clone, Default)]
pub struct Done {
    /// `--fix` or `--add-ignore`.
    ignore: bool,
    /// Findings fixed, or suppressions written.
    count: usize,
    /// Files written.
    files: usize,
    /// The names of the files written.
    names: Vec<String>,
}

impl Done {
    /// The line to say once the check has run again and `remaining` findings are left.
    pub fn summary(&self, remaining: usize) -> String {
        let what = if self.ignore {
            plural(self.count, "suppression", "suppressions")
        } else {
            plural(self.count, "finding", "findings")
        };
        format!(
            "kpic: {} {what} in {}, {} {}\n",
            if self.ignore { "added" } else { "fixed" },
            plural(self.files, "file", "files"),
            remaining,
            if remaining == 1 { "remains" } else { "remain" }
        )
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The edits of one file.
struct Planned {
    file: FileId,
    edits: Vec<Edit>,
    /// Findings the edits fix, or suppressions they write.
    count: usize,
}

/// Makes (or with `diff`, prints) the edits `mode` asks for on the findings of `outcome`.
pub fn run(mode: &Mode, diff: bool, outcome: &CheckOutcome) -> Result<Next> {
    let limits = yaml::Limits::for_file_size(outcome.config.max_file_size);
    let (planned, notes) = plan(mode, outcome, limits);
    for note in &notes {
        say(&format!("kpic: note: {note}\n"));
    }
    let ws = &outcome.ws;
    let count: usize = planned.iter().map(|p| p.count).sum();
    if diff {
        let mut out = Stdout::new();
        for p in &planned {
            let f = &ws.files[p.file];
            let name = f.name.replace(std::path::MAIN_SEPARATOR, "/");
            let text = fix::unified_diff(&name, &f.text, &p.edits);
            std::io::Write::write_all(&mut out, text.as_bytes()).map_err(stdout_error)?;
        }
        out.finish()?;
        let what = match mode {
            Mode::Fix => plural(count, "fix", "fixes"),
            Mode::Ignore(_) => plural(count, "suppression", "suppressions"),
        };
        say(&format!(
            "kpic: {what} in {} (not written: run without `--diff` to write them)\n",
            plural(planned.len(), "file", "files")
        ));
        let code = if planned.is_empty() {
            EXIT_OK
        } else {
            EXIT_FINDINGS
        };
        return Ok(Next::Exit(ExitCode::from(code)));
    }
    let mut done = Done {
        ignore: matches!(mode, Mode::Ignore(_)),
        ..Done::default()
    };
    for p in &planned {
        let f = &ws.files[p.file];
        let new = fix::apply(&f.text, &p.edits);
        match write_edited(&f.path, &f.text, &new, outcome.config.max_file_size) {
            Ok(true) => {
                done.files += 1;
                done.count += p.count;
                done.names.push(f.name.clone());
            }
            Ok(false) => say(&format!(
                "kpic: note: `{}` changed while kpic ran: left as it is\n",
                f.name
            )),
            Err(e) => {
                return Err(Error::new(format!(
                    "cannot write `{}`: {}",
                    f.name,
                    crate::workspace::discover::io_reason(&e)
                )));
            }
        }
    }
    Ok(Next::Recheck(done))
}

/// The edits of every file with findings, in file order, and notes on the files left as
/// they are.
fn plan(mode: &Mode, outcome: &CheckOutcome, limits: yaml::Limits) -> (Vec<Planned>, Vec<String>) {
    let ws = &outcome.ws;
    let mut by_file: BTreeMap<FileId, Vec<&Diagnostic>> = BTreeMap::new();
    for d in &outcome.diagnostics {
        by_file.entry(d.file).or_default().push(d);
    }
    let results: Vec<(Option<Planned>, Option<String>)> = by_file
        .into_par_iter()
        .map(|(file, findings)| {
            let Some(source) = ws.files.get(file).filter(|f| !f.text.is_empty()) else {
                return (None, None);
            };
            let text = source.text.as_str();
            let (edits, count) = match mode {
                Mode::Fix => {
                    let fixes = fix::did_you_mean_fixes(text, &ws.index, &findings);
                    let n = fixes.len();
                    (fixes.into_iter().map(|(_, e)| e).collect::<Vec<_>>(), n)
                }
                Mode::Ignore(reason) => {
                    let at: Vec<(usize, &str)> = findings
                        .iter()
                        .map(|d| (d.span.lo(), d.rule.code))
                        .collect();
                    let edits = fix::suppressions(text, &at, reason);
                    let n = edits.len();
                    (edits, n)
                }
            };
            if edits.is_empty() {
                return (None, None);
            }
            // The file as it would be is parsed again: it must have no YAML error it did
            // not have before.
            let errors = |t: &str| yaml::load(t, limits).errors.len();
            if errors(&fix::apply(text, &edits)) > errors(text) {
                let note = format!(
                    "`{}` left as it is: the edits would make it fail to parse",
                    source.name
                );
                return (None, Some(note));
            }
            (Some(Planned { file, edits, count }), None)
        })
        .collect();
    let mut planned = Vec::new();
    let mut notes = Vec::new();
    for (p, n) in results {
        planned.extend(p);
        notes.extend(n);
    }
    (planned, notes)
}

/// Writes `new` to the spec at `path` if it still holds `checked` (its text as the check read
/// it): through a temporary file and a rename, to the file a link leads to, with the
/// byte-order mark and the permissions it had. `Ok(false)` when it changed in between.
fn write_edited(path: &Path, checked: &str, new: &str, max: u64) -> std::io::Result<bool> {
    const BOM: &[u8] = b"\xEF\xBB\xBF";
    let real = std::fs::canonicalize(path)?;
    let bytes = crate::workspace::read_to_vec_limited(&real, max)?;
    let bom = bytes.starts_with(BOM);
    let body = if bom { &bytes[BOM.len()..] } else { &bytes[..] };
    if body != checked.as_bytes() {
        return Ok(false);
    }
    let permissions = std::fs::metadata(&real)?.permissions();
    let mut out = Vec::with_capacity(new.len() + BOM.len());
    if bom {
        out.extend_from_slice(BOM);
    }
    out.extend_from_slice(new.as_bytes());
    write_atomic(&real, &out)?;
    std::fs::set_permissions(&real, permissions)?;
    Ok(true)
}
