//! `kpic check` as a library call: configuration → files → workspace → rules → the sorted,
//! filtered findings. Printing is the reporters' job.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::config::Config;
use crate::date::Date;
use crate::diagnostic::{Diagnostic, Level};
use crate::error::{Error, Result};
use crate::fsutil::lexical;
use crate::rules::{self, CHECKS, Context, FileContext, Rule, RuleMeta, RuleOptions};
use crate::source::{FileId, SourceFile};
use crate::workspace::cache::FileMeta;
use crate::workspace::{self, Input, LoadOptions, SpecFile, Workspace, discover};

/// A spec read from standard input.
#[derive(Debug, Clone)]
pub struct StdinSpec {
    /// The name to show (and to match against the workspace), from `--stdin-filename`.
    pub name: PathBuf,
    /// The text read.
    pub text: String,
    /// Whether the spec stands alone (no `--stdin-filename`): the workspace is not loaded,
    /// since kpic cannot tell which of its files the text replaces.
    pub alone: bool,
}

/// What to check and how.
#[derive(Debug, Clone, Default)]
pub struct CheckRequest {
    /// The working directory paths are relative to.
    pub cwd: PathBuf,
    /// Files and folders to report on; empty means the whole workspace.
    pub paths: Vec<PathBuf>,
    /// A spec given on standard input (`-`).
    pub stdin: Option<StdinSpec>,
    /// `--config FILE`, overriding discovery.
    pub config: Option<PathBuf>,
    /// `--select`: only these rules (codes or names).
    pub select: Vec<String>,
    /// `--ignore`: not these rules (codes or names).
    pub ignore: Vec<String>,
    /// `--today`.
    pub today: Option<Date>,
    /// `--force-exclude`: given files outside the workspace (not under `paths`, or excluded)
    /// are skipped, as pre-commit passes every staged YAML file.
    pub force_exclude: bool,
    /// Whether a check of given files keeps the other files' models in the model cache
    /// ([`workspace::cache`]) under the project root (`--no-cache` turns it off).
    pub cache: bool,
}

/// The outcome of a check: the workspace (for sources) and the findings to report.
#[derive(Debug)]
pub struct CheckOutcome {
    /// The configuration used.
    pub config: Config,
    /// Every loaded file.
    pub ws: Workspace,
    /// Findings in reported files (and those that the given files cause in others), with
    /// configured severities, sorted.
    pub diagnostics: Vec<Diagnostic>,
    /// What the user should know about the run (a model cache that was not used, and why),
    /// for stderr.
    pub notes: Vec<String>,
}

impl CheckOutcome {
    /// Number of files reported on.
    pub fn files_checked(&self) -> usize {
        self.ws.reported.iter().filter(|r| **r).count()
    }
}

/// Loads the configuration a request asks for.
pub fn load_config(req: &CheckRequest) -> Result<Config> {
    match &req.config {
        Some(path) => Config::load(&req.cwd.join(path)),
        None => Config::discover(&req.cwd),
    }
}

/// Runs the check.
pub fn run(req: &CheckRequest) -> Result<CheckOutcome> {
    let mut timer = Timer::from_env();
    let mut config = load_config(req)?;
    if let Some(today) = req.today {
        config.options.today = today;
    }
    let levels = levels(&config, &req.select, &req.ignore)?;
    let root = discover::clean(&req.cwd.join(&config.root));
    // A check of given files reports what they break in the others: what they were before
    // (at `HEAD`) is read by git from the start, beside discovery and the load.
    // Spec files deleted since `HEAD` are given files too (pre-commit passes only the files
    // that exist): what they defined may be referenced elsewhere.
    let removed = removed_files(req, &config, &root)?;
    let mut given = given_files(req);
    given.extend(removed.iter().cloned());
    let before = workspace::before::start(&root, given, config.max_file_size);
    let (mut inputs, metas) = inputs(req, &config)?;
    inputs.extend(removed.into_iter().map(|(name, path)| Input {
        name,
        path,
        reported: true,
        text: None,
        removed: true,
    }));
    timer.lap("config and discovery");
    // Only a check of given files that loads other files has them in the model cache (a full
    // check parses every file anyway and neither reads nor writes it).
    let use_cache = req.cache && !req.paths.is_empty() && inputs.iter().any(|i| !i.reported);
    let cache = use_cache.then(|| {
        let size = metas.values().map(|m| m.size()).sum();
        workspace::cache::ModelCache::open(&root, size)
    });
    let notes = cache.as_ref().map_or(Vec::new(), |c| c.notes().to_vec());
    let cache = cache.filter(workspace::cache::ModelCache::is_used);
    timer.lap("model cache");
    let load_opts = LoadOptions::for_file_size(config.max_file_size);
    let enabled = enabled_rules(&levels);
    // File checks run in the load, each on its file as soon as it is parsed.
    let file_checks = |source: &SourceFile, spec: &SpecFile, out: &mut Vec<Diagnostic>| {
        check_file(&enabled, &config.options, source, spec, out);
    };
    let cached = cache.as_ref().map(|cache| workspace::cache::load::Cached {
        cache,
        metas: &metas,
        owner_max_kpis: config.options.count(
            &rules::owner_overloaded::OWNER_OVERLOADED,
            &rules::owner_overloaded::MAX,
        ),
    });
    let (ws, mut found, before) =
        workspace::load_checked_deferred(inputs, &load_opts, &file_checks, cached, before);
    if timer.on() {
        let read = ws.files.iter().filter(|f| !f.text.is_empty()).count();
        let models = ws.specs.iter().flatten().count();
        timer.lap(&format!(
            "load (read, parse, schema, model, file rules, resolve; {read} of {} files read, {models} models)",
            ws.files.len()
        ));
    }
    let cx = Context::new(&ws, &config.options);
    // Beside the workspace checks: what the given files break in other files, and the
    // did-you-mean search for references that name nothing.
    let (per_workspace, (unknown, caused)) = rayon::join(
        || workspace_checks(&cx, &enabled),
        || {
            let caused = crate::crossfile::findings(&cx, &before);
            let unknown =
                unknown_references(&ws, &levels, &found, caused.broken, config.max_file_size);
            (unknown, caused.findings)
        },
    );
    let (unknown, waiting) = unknown;
    workspace::note_waiting(&mut found, &waiting);
    found.extend(per_workspace);
    timer.lap("workspace rules");
    // The E004 found, and what the given files cause in the others, are reported wherever
    // they are.
    let diagnostics = report(&ws, &levels, found, unknown.into_iter().chain(caused));
    drop(levels);
    timer.lap("suppressions and sorting");
    Ok(CheckOutcome {
        config,
        ws,
        diagnostics,
        notes,
    })
}

/// The checks whose rule is not off at `levels`, in code order.
pub fn enabled_rules(levels: &impl Fn(&RuleMeta) -> Level) -> Vec<&'static dyn Rule> {
    CHECKS
        .iter()
        .copied()
        .filter(|r| levels(r.meta()) != Level::Off)
        .collect()
}

/// Runs the file checks of `rules` on one parsed file (what the load runs on each reported
/// file as soon as it is parsed).
pub fn check_file(
    rules: &[&dyn Rule],
    options: &RuleOptions,
    source: &SourceFile,
    spec: &SpecFile,
    out: &mut Vec<Diagnostic>,
) {
    let cx = FileContext { source, options };
    for rule in rules {
        rule.check_file(&cx, spec, out);
    }
}

/// The findings of the workspace checks of `rules` (what spans files), each rule collecting in
/// a fixed order, so the result does not depend on threads.
pub fn workspace_checks(cx: &Context<'_>, rules: &[&dyn Rule]) -> Vec<Diagnostic> {
    rules
        .par_iter()
        .flat_map_iter(|rule| {
            let mut out = Vec::new();
            rule.check_workspace(cx, &mut out);
            out
        })
        .collect()
}

/// E004 for the references that name nothing (with a did-you-mean), when the rule is on,
/// and how many references wait on each file that could not be loaded (`found` holds its
/// E001; a reference whose ID is in that file's text is not E004). `broken` are the findings
/// of references that given files broke, kept unless they too wait on such a file.
pub fn unknown_references(
    ws: &Workspace,
    levels: &impl Fn(&RuleMeta) -> Level,
    found: &[Diagnostic],
    broken: Vec<(workspace::Text, Diagnostic)>,
    max_file_size: u64,
) -> (Vec<Diagnostic>, HashMap<FileId, usize>) {
    if levels(&crate::rules::UNKNOWN_REFERENCE) == Level::Off {
        Default::default()
    } else {
        workspace::unknown_references(ws, found, broken, max_file_size)
    }
}

/// The findings to report, from everything found in a loaded workspace: those of `found` in
/// reported files and every one of `anywhere`, at their configured severities (`levels`),
/// suppressions applied, sorted and without duplicates; the files with findings have their
/// lines indexed (every report gives lines).
pub fn report(
    ws: &Workspace,
    levels: &impl Fn(&RuleMeta) -> Level,
    found: Vec<Diagnostic>,
    anywhere: impl IntoIterator<Item = Diagnostic>,
) -> Vec<Diagnostic> {
    let mut diagnostics: Vec<Diagnostic> = found
        .into_iter()
        .filter(|d| ws.reported.get(d.file).copied().unwrap_or(false))
        .chain(anywhere)
        .filter_map(|mut d| {
            d.severity = levels(d.rule).severity()?;
            Some(d)
        })
        .collect();
    crate::suppress::apply(ws, &mut diagnostics, levels);
    sort(ws, &mut diagnostics);
    diagnostics.dedup();
    let mut with_findings: Vec<usize> = diagnostics
        .iter()
        .flat_map(|d| std::iter::once(d.file).chain(d.labels.iter().map(|l| l.file)))
        .collect();
    with_findings.sort_unstable();
    with_findings.dedup();
    with_findings
        .par_iter()
        .filter_map(|&f| ws.files.get(f))
        .for_each(SourceFile::index_lines);
    diagnostics
}

/// The files a check is given (the files among `PATHS`, and stdin named by
/// `--stdin-filename`), by the names and paths they get among the inputs.
fn given_files(req: &CheckRequest) -> Vec<(String, PathBuf)> {
    let mut given: Vec<(String, PathBuf)> = req
        .paths
        .iter()
        .map(|p| discover::clean(&req.cwd.join(p)))
        .filter(|p| p.is_file())
        .map(|p| (discover::display_name(&p, &req.cwd), p))
        .collect();
    if let Some(stdin) = req.stdin.as_ref().filter(|s| !s.alone) {
        given.push((
            discover::display_name(&discover::clean(&stdin.name), Path::new("")),
            req.cwd.join(&stdin.name),
        ));
    }
    given
}

/// For a check of given files in a git work tree: the workspace's spec files that were at
/// `HEAD` and are gone now (by display name and path), unless excluded.
fn removed_files(
    req: &CheckRequest,
    config: &Config,
    root: &Path,
) -> Result<Vec<(String, PathBuf)>> {
    if req.paths.is_empty() || workspace::git::work_tree(root).is_none() {
        return Ok(Vec::new());
    }
    let exclude = discover::glob_set(&config.exclude)?;
    let folders: Vec<PathBuf> = config
        .paths
        .iter()
        .map(|p| lexical(&root.join(p)))
        .collect();
    let real_root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    Ok(workspace::git::deleted_since_head(root)
        .into_iter()
        // Back under `root` as spelled, as discovery names files.
        .filter_map(|p| Some(root.join(p.strip_prefix(&real_root).ok()?)))
        .filter(|p| {
            discover::is_yaml(p)
                && p.file_name() != Some(std::ffi::OsStr::new(crate::config::FILE_NAME))
                && folders.iter().any(|f| p.starts_with(f))
                && !p.strip_prefix(root).is_ok_and(|rel| exclude.is_match(rel))
                && !p.exists()
        })
        .map(|p| (discover::display_name(&p, &req.cwd), p))
        .collect())
}

/// Prints how long each stage took to stderr when `KPIC_TIMINGS` is set (for profiling).
struct Timer(Option<std::time::Instant>);

impl Timer {
    fn from_env() -> Timer {
        Timer(std::env::var_os("KPIC_TIMINGS").map(|_| std::time::Instant::now()))
    }

    fn on(&self) -> bool {
        self.0.is_some()
    }

    fn lap(&mut self, stage: &str) {
        if let Some(start) = &mut self.0 {
            eprintln!(
                "kpic: timing: {stage}: {:.1} ms",
                start.elapsed().as_secs_f64() * 1000.0
            );
            *start = std::time::Instant::now();
        }
    }
}

/// Sorts findings by file, line, column, code (file IDs follow file names).
pub fn sort(ws: &Workspace, diagnostics: &mut [Diagnostic]) {
    let _ = ws;
    diagnostics.sort_by(|a, b| {
        (a.file, a.span.start, a.rule.code, &a.message, a.span.end).cmp(&(
            b.file,
            b.span.start,
            b.rule.code,
            &b.message,
            b.span.end,
        ))
    });
}

/// The level of every rule after the config file, `--select` and `--ignore` (the command line
/// wins: `--select` runs a rule the config turns off, `--ignore` turns off any rule).
pub fn levels<'a>(
    config: &'a Config,
    select: &[String],
    ignore: &[String],
) -> Result<impl Fn(&RuleMeta) -> Level + 'a> {
    let resolve = |names: &[String]| -> Result<Vec<&'static str>> {
        names
            .iter()
            .flat_map(|n| n.split(','))
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(|n| match rules::find(n) {
                Some(m) => Ok(m.code),
                None => Err(Error::new(match rules::suggest(n) {
                    Some(s) => format!("unknown rule `{n}`; did you mean `{s}`?"),
                    None => format!("unknown rule `{n}`; `kpic rules` lists them"),
                })),
            })
            .collect()
    };
    let select = resolve(select)?;
    let ignore = resolve(ignore)?;
    Ok(move |meta: &RuleMeta| {
        if (!select.is_empty() && !select.contains(&meta.code)) || ignore.contains(&meta.code) {
            return Level::Off;
        }
        match config.levels.get(meta.code).copied() {
            // Naming a rule in `--select` runs it even when the config turns it off.
            Some(Level::Off) if select.contains(&meta.code) => meta.default_level,
            Some(level) => level,
            None => meta.default_level,
        }
    })
}

/// The files to load: the workspace, plus the given paths (reported), plus stdin; with the
/// metadata of each file by name (for the model cache).
pub(crate) fn inputs(
    req: &CheckRequest,
    config: &Config,
) -> Result<(Vec<Input>, HashMap<String, FileMeta>)> {
    let exclude = discover::glob_set(&config.exclude)?;
    let root = req.cwd.join(&config.root);
    let root = discover::clean(&root);
    let explicit = !req.paths.is_empty() || req.stdin.is_some();
    let alone = req.stdin.as_ref().is_some_and(|s| s.alone);
    let mut files: Vec<(PathBuf, bool)> = Vec::new();
    for p in config.paths.iter().filter(|_| !alone) {
        let path = lexical(&root.join(p));
        if !path.exists() {
            if explicit {
                continue;
            }
            return Err(Error::new(format!(
                "no spec files: `{}` does not exist (run `kpic init`, or pass files or folders to check)",
                discover::display_name(&path, &req.cwd)
            )));
        }
        for f in discover::walk_project(&path, &exclude, &root, &req.cwd)? {
            files.push((f, !explicit));
        }
    }
    let workspace_files = files.len();
    for p in &req.paths {
        let path = req.cwd.join(p);
        let found = discover::walk(&path, &discover::glob_set(&[])?, &req.cwd)?;
        // A folder named on the command line that holds no spec is a mistake in the command
        // (a CI job pointed at the wrong folder must not pass), unless pre-commit passed it.
        if found.is_empty() && !req.force_exclude {
            return Err(Error::new(format!(
                "no spec files in `{}` (looked for *.yaml and *.yml)",
                p.display()
            )));
        }
        files.extend(found.into_iter().map(|f| (f, true)));
    }
    // One entry per real file; a file both in the workspace and given is reported.
    let mut by_key: HashMap<discover::FileKey, usize> = HashMap::new();
    let mut unique: Vec<(PathBuf, bool)> = Vec::new();
    // A `stat` per file, in parallel, in order.
    let stats: Vec<(discover::FileKey, Option<std::fs::Metadata>)> = files
        .par_iter()
        .map(|(path, _)| discover::stat(path))
        .collect();

    // A configuration file is never a spec (`paths: ["."]` would otherwise take it for one):
    // the one in use, and any other `kpic.yaml`.
    let config_key = config
        .file
        .as_ref()
        .map(|f| discover::file_key(&req.cwd.join(f)));
    let is_config = |path: &Path, key: &discover::FileKey| {
        config_key.as_ref() == Some(key)
            || path.file_name() == Some(std::ffi::OsStr::new(crate::config::FILE_NAME))
    };
    let mut unique_meta: Vec<Option<FileMeta>> = Vec::new();
    for (n, ((path, reported), (key, meta))) in files.into_iter().zip(stats).enumerate() {
        match by_key.get(&key) {
            _ if is_config(&path, &key) => {}
            Some(&i) => unique[i].1 |= reported,
            // With `--force-exclude`, a given file counts only when the workspace has it.
            None if req.force_exclude && n >= workspace_files => {}
            None => {
                by_key.insert(key, unique.len());
                unique.push((path, reported));
                unique_meta.push(meta.as_ref().map(FileMeta::of));
            }
        }
    }
    let mut metas = HashMap::with_capacity(unique.len());
    let mut inputs: Vec<Input> = Vec::with_capacity(unique.len() + 1);
    for ((path, reported), meta) in unique.into_iter().zip(unique_meta) {
        let name = discover::display_name(&path, &req.cwd);
        if let Some(m) = meta {
            metas.insert(name.clone(), m);
        }
        inputs.push(Input {
            name,
            path,
            reported,
            text: None,
            removed: false,
        });
    }
    if let Some(stdin) = &req.stdin {
        let path = req.cwd.join(&stdin.name);
        if path.exists() {
            let key = discover::file_key(&path);
            inputs.retain(|i| discover::file_key(&i.path) != key);
        }
        inputs.push(Input {
            name: discover::display_name(&discover::clean(&stdin.name), Path::new("")),
            path,
            reported: true,
            text: Some(stdin.text.clone()),
            removed: false,
        });
    }
    if inputs.is_empty() && !req.force_exclude {
        return Err(Error::new(
            "no spec files found (looked for *.yaml and *.yml)",
        ));
    }
    Ok((inputs, metas))
}
