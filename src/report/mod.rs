//! Reporters: one file per output format. A reporter never decides what is wrong; it only
//! writes the findings it is given.

mod compact;
pub(crate) mod config_problems;
mod github;
pub(crate) mod human;
pub(crate) use human::baseline_note;
mod json;
mod junit;
mod sarif;

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::diagnostic::{Diagnostic, Severity};
use crate::source::{FileId, LineCol, SourceFile};
use crate::workspace::Workspace;

/// An output format of `kpic check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// miette's graphical output with source snippets.
    Human,
    /// `path:line:col: severity[CODE] message`, one per line.
    Compact,
    /// One JSON object (DESIGN §3).
    Json,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
    /// GitHub Actions workflow commands (`::error file=…::message`).
    Github,
    /// JUnit XML: one test case per file checked.
    Junit,
}

impl Format {
    /// Every format name.
    pub const NAMES: &'static [&'static str] =
        &["human", "compact", "json", "sarif", "github", "junit"];

    /// The format's name, as `--format` takes it.
    pub fn name(self) -> &'static str {
        match self {
            Format::Human => "human",
            Format::Compact => "compact",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Github => "github",
            Format::Junit => "junit",
        }
    }

    /// Whether the output is one document (JSON, SARIF, JUnit XML), which nothing else may
    /// share a stream with.
    pub fn is_document(self) -> bool {
        matches!(self, Format::Json | Format::Sarif | Format::Junit)
    }

    /// The usual file extension of the format.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Human | Format::Compact | Format::Github => "txt",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Junit => "xml",
        }
    }
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "human" => Format::Human,
            "compact" => Format::Compact,
            "json" => Format::Json,
            "sarif" => Format::Sarif,
            "github" => Format::Github,
            "junit" => Format::Junit,
            _ => {
                return Err(format!(
                    "unknown format `{s}`; expected one of {}",
                    Format::NAMES.join(", ")
                ));
            }
        })
    }
}

/// Counts of a run's findings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    /// Files reported on.
    pub files: usize,
    /// Findings at error severity.
    pub errors: usize,
    /// Findings at warning severity.
    pub warnings: usize,
    /// Findings at info severity.
    pub infos: usize,
}

/// Everything a reporter needs.
pub struct Report<'a> {
    /// The loaded files, indexed by [`crate::source::FileId`].
    pub files: &'a [SourceFile],
    /// The findings, sorted.
    pub diagnostics: &'a [Diagnostic],
    /// Number of files reported on.
    pub files_checked: usize,
    /// Whether each file (by [`crate::source::FileId`]) is reported on, passing or not.
    pub reported: &'a [bool],
    /// The folder that SARIF and GitHub paths are relative to (the repository root, see
    /// [`repository_root`]); without one, files are named by the path they were read from.
    pub root: Option<PathBuf>,
    /// The lowest severity that fails the run (`warning` with `--deny-warnings`): JUnit
    /// reports only those findings as failures.
    pub fails_at: Severity,
    /// How the findings compare with a baseline, when the check has one.
    pub baseline: Option<BaselineReport<'a>>,
}

/// What a check with a baseline (`--baseline FILE`) found in it. The report's findings are
/// then the new ones.
#[derive(Debug, Clone, Copy)]
pub struct BaselineReport<'a> {
    /// The findings the baseline holds: SARIF lists them as `unchanged`, the other formats
    /// only count them.
    pub unchanged: &'a [Diagnostic],
    /// Entries of the baseline that no finding matches any more.
    pub stale: usize,
}

/// How the human format looks.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    /// Use colour.
    pub color: bool,
    /// Wrap at this many columns.
    pub width: usize,
    /// End with a line of counts (`--quiet` leaves it out).
    pub summary: bool,
}

impl<'a> Report<'a> {
    /// The report of `diagnostics` found in `ws`, with `files_checked` files reported on.
    pub fn new(ws: &'a Workspace, diagnostics: &'a [Diagnostic], files_checked: usize) -> Self {
        Report {
            files: &ws.files,
            diagnostics,
            files_checked,
            reported: &ws.reported,
            root: None,
            fails_at: Severity::Error,
            baseline: None,
        }
    }

    /// The report of the new findings of a check with a baseline.
    pub fn with_baseline(mut self, baseline: BaselineReport<'a>) -> Self {
        self.baseline = Some(baseline);
        self
    }

    /// The report with SARIF and GitHub paths relative to `root`.
    pub fn rooted_at(mut self, root: PathBuf) -> Self {
        self.root = Some(root);
        self
    }

    /// The report with findings from `severity` up failing the run.
    pub fn failing_at(mut self, severity: Severity) -> Self {
        self.fails_at = severity;
        self
    }

    /// Where a file is for a CI system: its path relative to [`Report::root`] (`Ok`), or, for a
    /// file outside it, its absolute path (`Err`). Without a root, the path it was read from
    /// (`Ok` when relative).
    pub fn repository_path(&self, file: FileId) -> Result<PathBuf, PathBuf> {
        let path = crate::fsutil::lexical(&self.files[file].path);
        match &self.root {
            Some(root) => match path.strip_prefix(root) {
                Ok(rel) => Ok(rel.to_path_buf()),
                Err(_) => Err(path),
            },
            None if path.is_absolute() => Err(path),
            None => Ok(path),
        }
    }

    /// The counts per severity.
    pub fn summary(&self) -> Summary {
        let mut s = Summary {
            files: self.files_checked,
            ..Summary::default()
        };
        for d in self.diagnostics {
            match d.severity {
                Severity::Error => s.errors += 1,
                Severity::Warning => s.warnings += 1,
                Severity::Info => s.infos += 1,
            }
        }
        s
    }

    /// Start and end (exclusive) of a diagnostic, 1-based, columns in characters.
    pub fn range(&self, d: &Diagnostic) -> (LineCol, LineCol) {
        let f = &self.files[d.file];
        (f.line_col(d.span.lo()), f.line_col(d.span.hi()))
    }

    /// The files reported on, findings or not, in file order.
    pub fn reported_files(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .filter(|(id, _)| self.reported.get(*id).copied().unwrap_or(false))
    }

    /// The file name of a diagnostic.
    pub fn file_name(&self, d: &Diagnostic) -> &str {
        &self.files[d.file].name
    }
}

/// The folder CI systems name files from: the top of the git work tree holding `project` (the
/// nearest folder with a `.git` folder or file, found without running git), else `project`
/// itself (the folder of `kpic.yaml`). `project` is absolute.
pub fn repository_root(project: &Path) -> PathBuf {
    let project = crate::fsutil::lexical(project);
    project
        .ancestors()
        .find(|dir| std::fs::symlink_metadata(dir.join(".git")).is_ok())
        .map_or_else(|| project.clone(), Path::to_path_buf)
}

/// A sequence serialised item by item as it is written, never collected: a report of millions
/// of findings holds one at a time.
pub(crate) struct Seq<I>(std::cell::Cell<Option<I>>);

impl<I> Seq<I> {
    /// The sequence of what `items` yields (serialised once).
    pub(crate) fn new(items: I) -> Self {
        Seq(std::cell::Cell::new(Some(items)))
    }
}

impl<I> serde::Serialize for Seq<I>
where
    I: Iterator,
    I::Item: serde::Serialize,
{
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0.take() {
            Some(items) => s.collect_seq(items),
            None => Err(serde::ser::Error::custom("a sequence is serialised once")),
        }
    }
}

/// Writes `report` in `format`.
pub fn write(
    format: Format,
    report: &Report<'_>,
    style: Style,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Human => human::write(report, style, out),
        Format::Compact => compact::write(report, out),
        Format::Json => json::write(report, out),
        Format::Sarif => sarif::write(report, out),
        Format::Github => github::write(report, out),
        Format::Junit => junit::write(report, out),
    }
}
