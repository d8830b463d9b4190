//! The workspace: finding, reading and parsing spec files, validating them against the schema,
//! building the typed model and resolving IDs across all files.

pub(crate) mod before;
pub(crate) mod cache;
pub(crate) mod discover;
pub(crate) mod git;
mod resolve;
pub mod schema;
pub mod spec;
mod waiting;
pub mod yaml;

use std::collections::HashMap;
use std::path::PathBuf;

use rayon::prelude::*;

pub use resolve::{IdBuildHasher, Index};
pub use spec::{Duty, Kpi, Objective, Owner, Spanned, SpecFile, Team, Text};

use crate::diagnostic::Diagnostic;
use crate::rules::{SCHEMA, YAML_SYNTAX};
use crate::source::{FileId, SourceFile, Span};

/// Default largest spec file kpic reads, in bytes (16 MiB).
pub const DEFAULT_MAX_FILE_SIZE: u64 = 16 * 1024 * 1024;

/// One file to load.
#[derive(Debug, Clone)]
pub struct Input {
    /// Where to read it from.
    pub path: PathBuf,
    /// The name shown in diagnostics.
    pub name: String,
    /// Whether findings in this file are reported (pre-commit mode reports only given files).
    pub reported: bool,
    /// The text, when it does not come from the file system (stdin).
    pub text: Option<String>,
    /// A spec file that was at `HEAD` and is gone now (a check of given files learns what it
    /// defined from git, to report what its removal breaks elsewhere): nothing is read, and it
    /// defines and reports nothing of its own.
    pub removed: bool,
}

/// How files are read.
#[derive(Debug, Clone, Copy)]
pub struct LoadOptions {
    /// Largest file read, in bytes.
    pub max_file_size: u64,
    /// Limits on the YAML inside a file.
    pub limits: yaml::Limits,
}

impl LoadOptions {
    /// The options for files of up to `max_file_size` bytes: the node limit grows with it
    /// ([`yaml::Limits::for_file_size`]).
    pub fn for_file_size(max_file_size: u64) -> LoadOptions {
        LoadOptions {
            max_file_size,
            limits: yaml::Limits::for_file_size(max_file_size),
        }
    }
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions::for_file_size(DEFAULT_MAX_FILE_SIZE)
    }
}

/// Every loaded file, its model and the cross-file index.
#[derive(Debug, Default)]
pub struct Workspace {
    /// The files, sorted by name; a [`FileId`] indexes this.
    pub files: Vec<SourceFile>,
    /// The model of each file, when it could be parsed.
    pub specs: Vec<Option<SpecFile>>,
    /// Whether findings in each file are reported.
    pub reported: Vec<bool>,
    /// IDs defined across the workspace.
    pub index: Index,
}

impl Workspace {
    /// The spec files that are reported on.
    pub fn reported_specs(&self) -> impl Iterator<Item = &SpecFile> {
        self.specs
            .iter()
            .flatten()
            .filter(|s| self.reported[s.file])
    }

    /// Every spec file.
    pub fn all_specs(&self) -> impl Iterator<Item = &SpecFile> {
        self.specs.iter().flatten()
    }

    /// The team that a file's duties and KPIs belong to.
    pub fn team_of(&self, file: FileId) -> Option<&Team> {
        self.specs.get(file)?.as_ref()?.team.as_ref()
    }

    /// The owner with this ID.
    pub fn owner(&self, id: &str) -> Option<&Owner> {
        let &(f, i) = self.index.owners.get(id)?;
        self.specs[f].as_ref().map(|s| &s.owners[i])
    }

    /// The duty with this ID.
    pub fn duty(&self, id: &str) -> Option<&Duty> {
        let &(f, i) = self.index.duties.get(id)?;
        self.specs[f].as_ref().map(|s| &s.duties[i])
    }

    /// The KPI with this ID.
    pub fn kpi(&self, id: &str) -> Option<(&SpecFile, &Kpi)> {
        let &(f, i) = self.index.kpis.get(id)?;
        self.specs[f].as_ref().map(|s| (s, &s.kpis[i]))
    }

    /// Keeps only the KPIs in force on `day` (`effective` ≤ `day` ≤ `until`) and indexes the
    /// workspace again; the IDs of the KPIs left out are returned, in workspace order. For
    /// `--as-of`, after the check: what is built or scored is the policy of that day.
    pub fn retain_in_force(&mut self, day: crate::date::Date) -> Vec<Text> {
        let mut left_out = Vec::new();
        for spec in self.specs.iter_mut().flatten() {
            spec.kpis.retain(|k| {
                let keep = k.in_force_on(day);
                if !keep {
                    left_out.push(k.id.value.clone());
                }
                keep
            });
        }
        if !left_out.is_empty() {
            let elsewhere = self.index.elsewhere.take();
            self.index = resolve::resolve(&self.specs, &self.reported, elsewhere).0;
        }
        left_out
    }
}

struct Parsed {
    source: SourceFile,
    spec: Option<SpecFile>,
    reported: bool,
    diagnostics: Vec<Diagnostic>,
}

/// A check run on each reported file as soon as it is parsed, with the file's source and model.
pub type FileCheck<'a> = dyn Fn(&SourceFile, &SpecFile, &mut Vec<Diagnostic>) + Sync + 'a;

/// Loads every input (in parallel), then resolves IDs. Returns the workspace and the
/// structural findings (E001–E004). Schema findings are computed for reported files only.
pub fn load(inputs: Vec<Input>, opts: &LoadOptions) -> (Workspace, Vec<Diagnostic>) {
    load_checked(inputs, opts, &|_, _, _| {})
}

/// [`load`], running `check` on each reported file right after it is parsed (while its data
/// is in the processor's cache); its findings come back with the structural ones.
pub fn load_checked(
    inputs: Vec<Input>,
    opts: &LoadOptions,
    check: &FileCheck<'_>,
) -> (Workspace, Vec<Diagnostic>) {
    let (ws, mut found, _) =
        load_checked_deferred(inputs, opts, check, None, before::Pending::none());
    let (unknown, waiting) = unknown_references(&ws, &found, Vec::new(), opts.max_file_size);
    waiting::note_on_e001(&mut found, &waiting);
    found.extend(unknown);
    (ws, found)
}

/// E004 for every reference in a reported file that names nothing, with a did-you-mean, and
/// the findings of `more` (an E004 each, for a reference to the ID given with it); but a
/// reference whose ID appears in the text of a file that could not be loaded (an E001 in
/// `found`) waits on that file instead: the second value counts them per file, for
/// [`note_waiting`] to say on the file's E001. (Files too large to load, up to
/// `max_file_size`, are searched in pieces.)
pub(crate) fn unknown_references(
    ws: &Workspace,
    found: &[Diagnostic],
    more: Vec<(Text, Diagnostic)>,
    max_file_size: u64,
) -> (Vec<Diagnostic>, HashMap<FileId, usize>) {
    let ids = ws
        .index
        .unknown_ids()
        .chain(more.iter().map(|(id, _)| id.as_str()));
    let holders = waiting::holders(ws, found, ids, max_file_size);
    let (mut out, mut waiting) = ws.index.unknown_reference_findings_waiting(&holders);
    let waits: Vec<Option<FileId>> = more
        .iter()
        .map(|(id, _)| holders.get(id.as_str()).copied())
        .collect();
    drop(holders);
    for ((_, d), wait) in more.into_iter().zip(waits) {
        match wait {
            Some(f) => *waiting.entry(f).or_default() += 1,
            None => out.push(d),
        }
    }
    (out, waiting)
}

/// Says on the E001 of each file in `waiting` (file → count) how many references wait on it.
pub(crate) fn note_waiting(found: &mut [Diagnostic], waiting: &HashMap<FileId, usize>) {
    waiting::note_on_e001(found, waiting);
}

/// [`load_checked`] without the E004 findings: the references that name nothing are in
/// `ws.index.unknown`, and the caller must make them findings with [`unknown_references`]
/// (whose search for what they meant can then run beside other work).
///
/// With a model `cache` ([`cache::load`]), only the reported files, the files changed since
/// the cache was written and the few others that the reported files need are read and
/// loaded; the rest of the workspace is there only by name, and what it defines is asked of
/// the cache (`ws.index`). The cache is updated with what changed.
///
/// `before` reads what the given files were before (their models come back by file, for
/// [`crate::crossfile`]).
pub(crate) fn load_checked_deferred(
    mut inputs: Vec<Input>,
    opts: &LoadOptions,
    check: &FileCheck<'_>,
    cache: Option<cache::load::Cached<'_>>,
    before: before::Pending,
) -> (Workspace, Vec<Diagnostic>, HashMap<FileId, SpecFile>) {
    inputs.sort_by(|a, b| a.name.cmp(&b.name));
    inputs.dedup_by(|b, a| {
        if a.name == b.name {
            a.reported |= b.reported;
            true
        } else {
            false
        }
    });
    if let Some(cached) = cache {
        return cache::load::load(inputs, opts, check, cached, before);
    }
    let parsed: Vec<Parsed> = inputs
        .into_par_iter()
        .enumerate()
        .map(|(id, input)| parse_file(id, input, opts, check))
        .collect();
    let mut ws = Workspace::default();
    let mut diagnostics = Vec::new();
    for p in parsed {
        diagnostics.extend(p.diagnostics);
        ws.files.push(p.source);
        ws.specs.push(p.spec);
        ws.reported.push(p.reported);
    }
    let (index, found) = resolve::resolve(&ws.specs, &ws.reported, None);
    ws.index = index;
    diagnostics.extend(found);
    let ids: HashMap<&str, FileId> = ws
        .files
        .iter()
        .enumerate()
        .map(|(i, f)| (f.name.as_str(), i))
        .collect();
    let before = before.models(|name| ids.get(name).copied(), opts.limits, None);
    drop(ids);
    (ws, diagnostics, before)
}

/// One file loaded on its own by [`load_file`].
#[derive(Debug)]
pub struct LoadedFile {
    /// The file's name, path and text.
    pub source: SourceFile,
    /// Its model, when it could be parsed.
    pub spec: Option<SpecFile>,
    /// The findings of the file alone: E001, E002 and (for a reported file) those of `check`.
    pub diagnostics: Vec<Diagnostic>,
}

/// Reads, parses and checks one file as [`load_checked`] does, as file `id` of a workspace that
/// a caller keeps up to date file by file (the language server re-loads the edited file only,
/// then calls [`resolve_again`]). No model cache.
pub fn load_file(
    id: FileId,
    input: Input,
    opts: &LoadOptions,
    check: &FileCheck<'_>,
) -> LoadedFile {
    let p = parse_file(id, input, opts, check);
    LoadedFile {
        source: p.source,
        spec: p.spec,
        diagnostics: p.diagnostics,
    }
}

/// Resolves the IDs of `ws` anew from its models (after some were replaced by [`load_file`]),
/// as loading does: returns the E003 findings; the references that name nothing are kept for
/// [`Index::unknown_reference_findings`].
pub fn resolve_again(ws: &mut Workspace) -> Vec<Diagnostic> {
    let (index, found) = resolve::resolve(&ws.specs, &ws.reported, None);
    ws.index = index;
    found
}

/// Reads, parses and (for reported files) schema-checks one file.
fn parse_file(id: FileId, input: Input, opts: &LoadOptions, check: &FileCheck<'_>) -> Parsed {
    let Input {
        path,
        name,
        reported,
        text,
        removed,
    } = input;
    if removed {
        return Parsed {
            source: SourceFile::new(name, path, String::new()),
            spec: None,
            reported,
            diagnostics: Vec::new(),
        };
    }
    match read_input(&path, text, opts) {
        Ok(text) => parse_text(id, name, path, reported, text, opts, check),
        Err(ReadError {
            message,
            help,
            text,
            at,
        }) => Parsed {
            source: SourceFile::new(name, path, text),
            spec: None,
            reported,
            diagnostics: vec![
                Diagnostic::new(&YAML_SYNTAX, id, Span::new(at, at), message).with_help(help),
            ],
        },
    }
}

/// The text of a file to load: `text` when given (stdin), else read from `path`; without a
/// byte-order mark.
fn read_input(
    path: &std::path::Path,
    text: Option<String>,
    opts: &LoadOptions,
) -> Result<String, ReadError> {
    // Spans hold 32-bit offsets: a file past 4 GiB is refused whatever the configuration says.
    let max = opts.max_file_size.min(crate::source::MAX_OFFSET);
    let text = match text {
        Some(t) if t.len() as u64 > max => Err(too_large(max)),
        Some(t) => Ok(t),
        None => read_text(path, max),
    }?;
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_owned(),
        None => text,
    })
}

/// Parses and (for reported files) schema-checks the text of one file.
fn parse_text(
    id: FileId,
    name: String,
    path: PathBuf,
    reported: bool,
    text: String,
    opts: &LoadOptions,
    check: &FileCheck<'_>,
) -> Parsed {
    let mut diagnostics = Vec::new();
    let loaded = yaml::load(&text, opts.limits);
    for e in &loaded.errors {
        let mut d = Diagnostic::new(&YAML_SYNTAX, id, e.span, e.message.clone());
        if let Some(h) = &e.help {
            d = d.with_help(h.clone());
        }
        for (span, msg) in &e.labels {
            d = d.with_label(id, *span, msg.clone());
        }
        diagnostics.push(d);
    }
    if loaded.empty {
        diagnostics.push(
            Diagnostic::new(&SCHEMA, id, Span::new(0, 0), "the spec file is empty")
                .with_help("a spec file needs at least `version: 1`"),
        );
    }
    let spec = loaded.root.as_ref().map(|root| {
        if reported {
            diagnostics.extend(schema::validate(id, root));
            diagnostics.extend(team_required(id, root));
        }
        SpecFile::from_node(id, root)
    });
    drop(loaded);
    let source = SourceFile::new(name, path, text);
    if let Some(spec) = spec.as_ref().filter(|_| reported) {
        check(&source, spec, &mut diagnostics);
    }
    Parsed {
        source,
        spec,
        reported,
        diagnostics,
    }
}

/// A file that declares duties or KPIs must declare the team they belong to.
fn team_required(id: FileId, root: &yaml::Node) -> Vec<Diagnostic> {
    if root.entry("team").is_some() {
        return Vec::new();
    }
    ["duties", "kpis"]
        .iter()
        .filter_map(|k| root.entry(k))
        .take(1)
        .map(|e| {
            Diagnostic::new(
                &SCHEMA,
                id,
                e.key.span,
                format!("the file declares `{}` but no `team`", e.key_str()),
            )
            .with_help("add `team: {id: ..., name: ...}`; duties and KPIs belong to the team of their file")
        })
        .collect()
}

struct ReadError {
    message: String,
    help: &'static str,
    /// What can be shown of the file.
    text: String,
    /// Byte offset of the problem.
    at: usize,
}

const READ_HELP: &str = "check that the file exists and is readable";

/// The error for a file over the size limit.
fn too_large(max: u64) -> ReadError {
    ReadError {
        message: format!("the file is larger than the limit of {}", human_size(max)),
        help: "split the specs into several files, or raise `max-file-size` in `kpic.yaml`",
        text: String::new(),
        at: 0,
    }
}

/// Why a file could not be read.
enum ReadFailure {
    /// It is over the size limit.
    TooLarge,
    /// The system refused.
    Io(std::io::Error),
}

/// Reads a file, refusing one over `max` bytes without reading past the limit.
fn read_bytes_limited(path: &std::path::Path, max: u64) -> Result<Vec<u8>, ReadFailure> {
    use std::io::Read;
    let file = crate::fsutil::open_regular(path).map_err(ReadFailure::Io)?;
    let size = file
        .metadata()
        .ok()
        .filter(|m| m.is_file())
        .map(|m| m.len());
    // The size on disk, when known, refuses a big file before reading any of it.
    if size.is_some_and(|n| n > max) {
        return Err(ReadFailure::TooLarge);
    }
    // Exactly the size on disk, when known: the text is kept for the whole run (no spare room).
    let mut bytes = Vec::with_capacity(size.map_or(0, |n| n.min(max) as usize));
    // Read at most one byte past the limit, so a file that grows, or whose size the file
    // system does not report, is never held in memory beyond the limit either.
    file.take(max.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(ReadFailure::Io)?;
    if bytes.len() as u64 > max {
        return Err(ReadFailure::TooLarge);
    }
    Ok(bytes)
}

/// Reads a spec file as UTF-8, refusing files over `max` bytes without reading past the limit.
fn read_text(path: &std::path::Path, max: u64) -> Result<String, ReadError> {
    let bytes = read_bytes_limited(path, max).map_err(|f| match f {
        ReadFailure::TooLarge => too_large(max),
        ReadFailure::Io(e) => ReadError {
            message: format!("cannot read the file: {}", discover::io_reason(&e)),
            help: READ_HELP,
            text: String::new(),
            at: 0,
        },
    })?;
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        ReadError {
            message: format!("the file is not valid UTF-8 (invalid byte at offset {at})"),
            help: "save the file as UTF-8; kpic reads no other encoding",
            text: String::from_utf8_lossy(e.as_bytes()).into_owned(),
            at,
        }
    })
}

/// Reads a file, failing past `max` bytes without reading further.
pub(crate) fn read_to_vec_limited(path: &std::path::Path, max: u64) -> std::io::Result<Vec<u8>> {
    read_bytes_limited(path, max).map_err(|f| match f {
        ReadFailure::TooLarge => {
            std::io::Error::other(format!("the file is larger than {}", human_size(max)))
        }
        ReadFailure::Io(e) => e,
    })
}

/// Reads a small text file (such as `kpic.yaml`) as UTF-8, failing past `max` bytes without
/// reading further.
pub fn read_to_string_limited(path: &std::path::Path, max: u64) -> std::io::Result<String> {
    use std::io::{Error, ErrorKind};
    let bytes = read_to_vec_limited(path, max)?;
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        Error::new(
            ErrorKind::InvalidData,
            format!("the file is not valid UTF-8 (invalid byte at offset {at})"),
        )
    })
}

/// `16 MiB`, `512 KiB`, `100 bytes`.
pub fn human_size(bytes: u64) -> String {
    if bytes >= 1024 * 1024 && bytes.is_multiple_of(1024 * 1024) {
        format!("{} MiB", bytes / (1024 * 1024))
    } else if bytes >= 1024 && bytes.is_multiple_of(1024) {
        format!("{} KiB", bytes / 1024)
    } else {
        format!("{bytes} bytes")
    }
}

/// Maps IDs to where they are defined, for rules that look up across files.
pub type IdMap = HashMap<Text, (FileId, usize), resolve::IdBuildHasher>;
