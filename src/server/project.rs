//! The project the server serves: its configuration, the workspace (every spec file, the open
//! documents' text in place of the files on disk), each file's own findings, and the findings
//! of the whole workspace as `kpic check` reports them.
//!
//! An edit re-loads only the edited file (read, parse, schema, model, file checks). When the
//! file still defines the same IDs (most edits), the index of IDs stands and only the file's
//! references are resolved again (its E004 findings anew, the duplicates moved with its text);
//! otherwise the IDs are resolved anew from every file's model. Then the workspace checks run
//! and the findings are reported as `kpic check` reports them: the same rules, levels and
//! suppression pass ([`check::workspace_checks`], [`check::report`]). A file added or
//! removed, or a new configuration, loads everything again.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::documents::{Document, Documents};
use super::log;
use crate::check::{self, CheckRequest};
use crate::config::{self, Config};
use crate::diagnostic::{Diagnostic, Level};
use crate::rules::{Context, RuleMeta, UNKNOWN_REFERENCE};
use crate::source::{FileId, Span};
use crate::workspace::{self, Input, LoadOptions, Spanned, SpecFile, Text, Workspace, discover};

/// How the server was started: the options of `kpic check` that apply to it.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// `--config FILE`, instead of discovering `kpic.yaml`.
    pub config: Option<PathBuf>,
    /// `--select`: only these rules.
    pub select: Vec<String>,
    /// `--ignore`: not these rules.
    pub ignore: Vec<String>,
}

/// The configuration file and what became of it.
#[derive(Debug)]
pub struct ConfigFile {
    /// Where `kpic.yaml` is, or would be read from once it exists.
    pub path: PathBuf,
    /// The text read, when the file exists (the problems' spans point into it).
    pub text: Option<String>,
    /// Its problems: while there are any, the last good configuration stays in force.
    pub problems: Vec<config::Problem>,
    /// Why it could not be read.
    pub unreadable: Option<String>,
}

/// The served project.
#[derive(Debug)]
pub struct Project {
    /// The folder of the editor's workspace: what `kpic check` takes as its working directory.
    pub root: PathBuf,
    settings: Settings,
    /// The configuration in force.
    pub config: Config,
    /// `kpic.yaml`.
    pub config_file: ConfigFile,
    /// Why the workspace's files could not be found (none found, a link out of the project).
    pub discovery: Option<String>,
    /// Every spec file, all reported on.
    pub ws: Workspace,
    /// Each file's own findings (E001, E002 and the file checks), kept for the next edit.
    own: Vec<Vec<Diagnostic>>,
    /// The duplicate IDs (E003) of the last resolution.
    duplicates: Vec<Diagnostic>,
    /// Each file's references that name nothing (E004) of the last resolution.
    unknown: Vec<Vec<Diagnostic>>,
    /// How many references wait on each file that could not be loaded (their IDs are in its
    /// text), as `kpic check` counts them in that file's E001.
    waiting: HashMap<FileId, usize>,
    /// The findings of each file, as `kpic check` reports them.
    findings: Vec<Vec<Diagnostic>>,
    /// The files by path (also by real path, for a file reached through a link).
    by_path: HashMap<PathBuf, FileId>,
    /// Each file's real path, when it is reached through a link.
    real: Vec<Option<PathBuf>>,
}

impl Project {
    /// Loads the project at `root`, the open documents in place of their files.
    pub fn load(root: PathBuf, settings: Settings, docs: &Documents) -> Project {
        let (config, config_file) = read_config(&root, &settings, docs, None);
        let mut project = Project {
            root,
            settings,
            config,
            config_file,
            discovery: None,
            ws: Workspace::default(),
            own: Vec::new(),
            duplicates: Vec::new(),
            unknown: Vec::new(),
            waiting: HashMap::new(),
            findings: Vec::new(),
            by_path: HashMap::new(),
            real: Vec::new(),
        };
        project.load_files(docs);
        project
    }

    /// Reads the configuration again (it changed), then loads every file again.
    pub fn reload(&mut self, docs: &Documents) {
        let previous = self.config.clone();
        let (config, file) = read_config(&self.root, &self.settings, docs, Some(previous));
        self.config = config;
        self.config_file = file;
        self.load_files(docs);
    }

    /// The file at `path`, if it is one of the workspace's.
    pub fn file_of(&self, path: &Path) -> Option<FileId> {
        self.by_path.get(path).copied()
    }

    /// The open document of file `f`: under its path or, for a file reached through a link,
    /// its real path.
    pub fn doc<'a>(&self, docs: &'a Documents, f: FileId) -> Option<&'a Document> {
        let path = &self.ws.files.get(f)?.path;
        docs.get(path)
            .or_else(|| docs.get(self.real.get(f)?.as_ref()?))
    }

    /// The real path of a file reached through a link, when it is another path inside the
    /// project.
    fn real_path(&self, path: &Path) -> Option<PathBuf> {
        let real = std::fs::canonicalize(path).ok()?;
        (real != path && real.starts_with(&self.root)).then_some(real)
    }

    /// The findings of file `f`, as `kpic check` reports them.
    pub fn findings_of(&self, f: FileId) -> &[Diagnostic] {
        self.findings.get(f).map_or(&[], Vec::as_slice)
    }

    /// The findings of every file, by file.
    pub fn findings(&self) -> &[Vec<Diagnostic>] {
        &self.findings
    }

    /// Whether `path` is the configuration file.
    pub fn is_config(&self, path: &Path) -> bool {
        path == self.config_file.path
    }

    /// Whether a file at `path` belongs to the workspace (a YAML file under the configured
    /// `paths`, not excluded), whether or not it exists yet.
    pub fn belongs(&self, path: &Path) -> bool {
        if !discover::is_yaml(path) {
            return false;
        }
        let root = discover::clean(&self.root.join(&self.config.root));
        let under = self.config.paths.iter().any(|p| {
            let base = crate::fsutil::lexical(&root.join(p));
            path == base || path.starts_with(&base)
        });
        let excluded = discover::glob_set(&self.config.exclude).map_or(true, |set| {
            set.is_match(path.strip_prefix(&root).unwrap_or(path)) || set.is_match(path)
        });
        under && !excluded
    }

    /// Loads every file of the workspace again.
    pub fn load_files(&mut self, docs: &Documents) {
        let req = CheckRequest {
            cwd: self.root.clone(),
            ..CheckRequest::default()
        };
        self.discovery = None;
        let mut inputs = match check::inputs(&req, &self.config) {
            Ok((inputs, _)) => inputs,
            Err(e) => {
                log(&format!("no spec files: {e}"));
                self.discovery = Some(e.message);
                Vec::new()
            }
        };
        // The open documents' text takes the place of their files (a file reached through a
        // link may be open under its real path); an open document that belongs to the
        // workspace but is not on disk (a new file, not yet saved) joins it.
        for input in &mut inputs {
            input.path = discover::clean(&input.path);
            let real = self.real_path(&input.path);
            if let Some(doc) = docs.get(&input.path).or_else(|| docs.get(real.as_ref()?)) {
                input.text = Some(doc.text.clone());
            }
        }
        for (path, doc) in docs.iter() {
            if !inputs.iter().any(|i| &i.path == path) && self.belongs(path) && !path.exists() {
                inputs.push(Input {
                    name: discover::display_name(path, &self.root),
                    path: path.clone(),
                    reported: true,
                    text: Some(doc.text.clone()),
                    removed: false,
                });
            }
        }
        inputs.sort_by(|a, b| a.name.cmp(&b.name));
        inputs.dedup_by(|b, a| a.name == b.name);
        let Some(loaded) = self.read_files(inputs.into_iter().enumerate().collect()) else {
            return;
        };
        let mut ws = Workspace::default();
        let mut own = Vec::with_capacity(loaded.len());
        for file in loaded {
            ws.files.push(file.source);
            ws.specs.push(file.spec);
            ws.reported.push(true);
            own.push(file.diagnostics);
        }
        self.by_path.clear();
        self.real.clear();
        for (id, f) in ws.files.iter().enumerate() {
            self.by_path.insert(f.path.clone(), id);
            let real = self.real_path(&f.path);
            if let Some(real) = &real {
                self.by_path.entry(real.clone()).or_insert(id);
            }
            self.real.push(real);
        }
        self.ws = ws;
        self.own = own;
        self.check(Resolve::All);
    }

    /// Loads the files `changed` again (from the open document, else from disk), then checks
    /// the whole workspace. When the files still define the same IDs (the usual edit), the
    /// index of IDs holds: only their references are resolved again.
    pub fn update(&mut self, changed: &[FileId], docs: &Documents) {
        let inputs = changed
            .iter()
            .filter_map(|&id| {
                let file = self.ws.files.get(id)?;
                let input = Input {
                    path: file.path.clone(),
                    name: file.name.clone(),
                    reported: true,
                    text: self.doc(docs, id).map(|d| d.text.clone()),
                    removed: false,
                };
                Some((id, input))
            })
            .collect::<Vec<_>>();
        let ids: Vec<FileId> = inputs.iter().map(|(id, _)| *id).collect();
        let Some(loaded) = self.read_files(inputs) else {
            return;
        };
        let mut moved: Option<Vec<(FileId, HashMap<Span, Span>)>> = Some(Vec::new());
        for (id, file) in ids.into_iter().zip(loaded) {
            let old = std::mem::replace(&mut self.ws.specs[id], file.spec);
            let moves = id_moves(old.as_ref(), self.ws.specs[id].as_ref());
            moved = moved.zip(moves).map(|(mut list, m)| {
                list.push((id, m));
                list
            });
            self.ws.files[id] = file.source;
            self.own[id] = file.diagnostics;
        }
        self.check(moved.map_or(Resolve::All, Resolve::Files));
    }

    /// Reads, parses and checks each input as the file it is numbered, in parallel.
    fn read_files(&self, inputs: Vec<(FileId, Input)>) -> Option<Vec<workspace::LoadedFile>> {
        let levels = levels(&self.config, &self.settings)?;
        let rules = check::enabled_rules(&levels);
        let opts = self.load_options();
        let options = &self.config.options;
        let check = |source: &_, spec: &_, out: &mut Vec<Diagnostic>| {
            check::check_file(&rules, options, source, spec, out);
        };
        Some(
            inputs
                .into_par_iter()
                .map(|(id, input)| workspace::load_file(id, input, &opts, &check))
                .collect(),
        )
    }

    /// Resolves IDs (all of them, or the references of files whose IDs stayed) and runs the
    /// workspace's checks: `findings` anew.
    fn check(&mut self, resolve: Resolve) {
        let Some(levels) = levels(&self.config, &self.settings) else {
            return;
        };
        let rules = check::enabled_rules(&levels);
        let t = std::time::Instant::now();
        self.unknown.resize(self.ws.files.len(), Vec::new());
        let mut all = matches!(resolve, Resolve::All);
        if let Resolve::Files(files) = &resolve {
            for (f, moves) in files {
                if let Some(spec) = &self.ws.specs[*f] {
                    self.ws.index.resolve_file(spec);
                }
                // The duplicates stay; those in the file moved with its text.
                for d in &mut self.duplicates {
                    if d.file == *f
                        && let Some(&to) = moves.get(&d.span)
                    {
                        d.span = to;
                    }
                    for l in d.labels.iter_mut() {
                        if l.file == *f
                            && let Some(&to) = moves.get(&l.span)
                        {
                            l.span = to;
                        }
                    }
                }
                if levels(&UNKNOWN_REFERENCE) != Level::Off {
                    match self.ws.index.unknown_reference_findings_in(*f) {
                        Some(found) => self.unknown[*f] = found,
                        None => all = true,
                    }
                }
            }
        }
        if matches!(resolve, Resolve::All) {
            self.duplicates = workspace::resolve_again(&mut self.ws);
        }
        // A file that could not be loaded may define what others reference (`kpic check`
        // counts the references that wait on it): then every reference is looked at again.
        all |= self.ws.specs.iter().any(Option::is_none);
        let t1 = t.elapsed();
        let cx = Context::new(&self.ws, &self.config.options);
        let mut found = check::workspace_checks(&cx, &rules);
        found.extend(self.duplicates.iter().cloned());
        found.extend(self.own.iter().flatten().cloned());
        if all {
            let (unknown, waiting) = check::unknown_references(
                &self.ws,
                &levels,
                &found,
                Vec::new(),
                self.config.max_file_size,
            );
            self.unknown = vec![Vec::new(); self.ws.files.len()];
            for d in unknown {
                if let Some(list) = self.unknown.get_mut(d.file) {
                    list.push(d);
                }
            }
            self.waiting = waiting;
        } else {
            // Every file is loaded: nothing waits.
            self.waiting.clear();
        }
        workspace::note_waiting(&mut found, &self.waiting);
        found.extend(self.unknown.iter().flatten().cloned());
        let all = check::report(&self.ws, &levels, found, std::iter::empty());
        if std::env::var_os("KPIC_TIMINGS").is_some() {
            log(&format!(
                "timing: resolve {:.2} ms, workspace rules and report {:.2} ms",
                t1.as_secs_f64() * 1000.0,
                (t.elapsed() - t1).as_secs_f64() * 1000.0
            ));
        }
        // Baseline (issue 16): when `kpic check --baseline FILE` exists, the findings the
        // baseline holds are filtered out here, with the same function, so that the editor
        // shows what a pull request would.
        let mut findings = vec![Vec::new(); self.ws.files.len()];
        for d in all {
            if let Some(list) = findings.get_mut(d.file) {
                list.push(d);
            }
        }
        self.findings = findings;
    }

    fn load_options(&self) -> LoadOptions {
        LoadOptions {
            max_file_size: self.config.max_file_size,
            ..LoadOptions::default()
        }
    }
}

/// How IDs are resolved for a check.
enum Resolve {
    /// Every ID of every file: the index is built again.
    All,
    /// Only the references of these files, which define the same IDs as before; with where
    /// each of their IDs moved.
    Files(Vec<(FileId, HashMap<Span, Span>)>),
}

/// When a file's new model defines the same IDs in the same order as its old one, where each
/// ID moved (old span to new span); `None` when the IDs differ.
fn id_moves(old: Option<&SpecFile>, new: Option<&SpecFile>) -> Option<HashMap<Span, Span>> {
    fn ids(s: &SpecFile) -> Vec<&Spanned<Text>> {
        let team = s.team.as_ref().and_then(|t| t.id.as_ref());
        team.into_iter()
            .chain(s.owners.iter().map(|o| &o.id))
            .chain(s.duties.iter().map(|d| &d.id))
            .chain(s.kpis.iter().map(|k| &k.id))
            .collect()
    }
    let (old, new) = match (old, new) {
        (None, None) => return Some(HashMap::new()),
        (Some(a), Some(b)) => (a, b),
        _ => return None,
    };
    let same_shape = old.team.as_ref().map(|t| t.id.is_some())
        == new.team.as_ref().map(|t| t.id.is_some())
        && old.owners.len() == new.owners.len()
        && old.duties.len() == new.duties.len()
        && old.kpis.len() == new.kpis.len();
    let (a, b) = (ids(old), ids(new));
    if !same_shape || a.len() != b.len() || a.iter().zip(&b).any(|(x, y)| x.value != y.value) {
        return None;
    }
    Some(a.iter().zip(&b).map(|(x, y)| (x.span, y.span)).collect())
}

/// The level of every rule (`kpic.yaml`, then `--select` and `--ignore`).
fn levels<'a>(
    config: &'a Config,
    settings: &'a Settings,
) -> Option<impl Fn(&RuleMeta) -> Level + Sync + 'a> {
    match check::levels(config, &settings.select, &settings.ignore) {
        Ok(levels) => Some(levels),
        Err(e) => {
            log(&format!("cannot check: {e}"));
            None
        }
    }
}

/// The configuration for `root`: `--config`, else `kpic.yaml` in `root` or the nearest parent
/// (an open document's text in place of the file). While it has problems, `previous` (else
/// the defaults) stays in force.
fn read_config(
    root: &Path,
    settings: &Settings,
    docs: &Documents,
    previous: Option<Config>,
) -> (Config, ConfigFile) {
    let path = match &settings.config {
        Some(p) => discover::clean(&root.join(p)),
        None => root
            .ancestors()
            .map(|dir| dir.join(config::FILE_NAME))
            .find(|p| docs.get(p).is_some() || p.is_file())
            .unwrap_or_else(|| root.join(config::FILE_NAME)),
    };
    let mut file = ConfigFile {
        path: path.clone(),
        text: None,
        problems: Vec::new(),
        unreadable: None,
    };
    let fallback = |previous: Option<Config>| previous.unwrap_or_else(|| Config::default_in(root));
    let text = match docs.get(&path) {
        Some(doc) => doc.text.clone(),
        None if !path.exists() && settings.config.is_none() => {
            return (Config::default_in(root), file);
        }
        None => match workspace::read_to_string_limited(&path, 1 << 20) {
            Ok(text) => text,
            Err(e) => {
                let why = format!(
                    "cannot read config `{}`: {}",
                    discover::display_name(&path, root),
                    discover::io_reason(&e)
                );
                log(&why);
                file.unreadable = Some(why);
                return (fallback(previous), file);
            }
        },
    };
    let dir = path
        .parent()
        .map_or_else(|| root.to_path_buf(), Path::to_path_buf);
    let result = Config::read(&text, &dir);
    file.text = Some(text);
    match result {
        Ok(mut config) => {
            config.file = Some(path);
            (config, file)
        }
        Err(problems) => {
            log(&format!(
                "`{}` has {} problem(s): the previous configuration stays in force",
                discover::display_name(&path, root),
                problems.len()
            ));
            file.problems = problems;
            (fallback(previous), file)
        }
    }
}
