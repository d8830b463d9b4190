//! Loading the workspace with the model cache, for a check of given files.
//!
//! 1. Each file not reported on whose entry's metadata is unchanged is left unread; one whose
//!    metadata changed is read and its text compared with the entry's; one without an entry,
//!    or whose text changed, is parsed (and gets a new entry).
//! 2. The reported files and the changed ones are parsed.
//! 3. The files that their findings need are looked up in the cache's facts and loaded (read,
//!    text compared, model decoded): the other files that define the IDs they define (E003),
//!    that hold KPIs of the owners their KPIs name, now or before (R003, A004; and the owner's
//!    definition, when the owner has more KPIs than the A004 limit), that define the duty of
//!    a KPI without an owner (O001's help), that reference an ID the given files no longer
//!    define, that define a duty their KPIs no longer measure, or that define the parent of
//!    a team or objective on the way up from theirs (E005). A file that turns out to
//!    have changed is parsed, and what it needs is looked up in turn.
//! 4. The other files are in the workspace by name only; what they define is asked of the
//!    cache ([`Elsewhere`]).
//!
//! The findings in the reported files are the same as without the cache; the test suite runs
//! both ways.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use rayon::prelude::*;

use super::facts::{self, Elsewhere};
use super::{FileMeta, ModelCache, Update};
use crate::diagnostic::Diagnostic;
use crate::source::{FileId, SourceFile};
use crate::workspace::spec::filled;
use crate::workspace::{
    FileCheck, Input, LoadOptions, Parsed, SpecFile, Workspace, before::Pending, parse_text,
    read_input, resolve,
};

/// What a load with the cache needs besides the inputs.
pub(crate) struct Cached<'a> {
    /// The cache, opened.
    pub cache: &'a ModelCache,
    /// The metadata of the input files by name, as discovery found it (a file missing here is
    /// asked of the file system).
    pub metas: &'a HashMap<String, FileMeta>,
    /// The A004 limit: an owner with more KPIs gets a finding with a label at their
    /// definition, which must then be loaded.
    pub owner_max_kpis: usize,
}

/// How a file comes into the workspace.
enum Source {
    /// Parsed: reported on, changed, or new to the cache (the text, when read already).
    Parse(Option<String>),
    /// Unchanged since its entry: not read, unless something needs it.
    Unread(usize),
    /// Read and found unchanged (its metadata changed): the text, and the new metadata.
    Read(usize, String, FileMeta),
}

/// Loads `inputs` (sorted, one per name) with the cache; returns the workspace, the findings
/// of loading, and what the given files were before (from `before`, then the cache).
pub(crate) fn load(
    inputs: Vec<Input>,
    opts: &LoadOptions,
    check: &FileCheck<'_>,
    cached: Cached<'_>,
    before: Pending,
) -> (Workspace, Vec<Diagnostic>, HashMap<FileId, SpecFile>) {
    let cache = cached.cache;
    let n = inputs.len();
    // 1. What each file needs.
    let sources: Vec<Source> = inputs
        .par_iter()
        .map(|input| classify(cache, cached.metas, input, opts))
        .collect();
    let names: HashMap<String, FileId> = inputs
        .iter()
        .enumerate()
        .map(|(i, input)| (input.name.clone(), i))
        .collect();
    // 2. Parse what must be parsed.
    let mut inputs: Vec<Option<Input>> = inputs.into_iter().map(Some).collect();
    let mut slots: Vec<Slot> = sources.into_iter().map(Slot::Pending).collect();
    let todo: Vec<FileId> = (0..n).filter(|&i| slots[i].must_parse()).collect();
    parse_all(&mut inputs, &mut slots, &todo, opts, check);
    // What the given files were before: from git (read meanwhile), else the cache.
    let before = before.models(|name| names.get(name).copied(), opts.limits, Some(cache));
    // 3. Load what the parsed files need, until nothing more is needed.
    let mut needs = Needs::new(cache, &slots, cached.owner_max_kpis);
    let mut fresh: Vec<FileId> = todo;
    let mut first = true;
    // The files that define the parents of the teams and objectives loaded from the cache.
    let mut parents: Vec<FileId> = Vec::new();
    loop {
        let mut wanted: Vec<FileId> = std::mem::take(&mut parents);
        let seen = Seen::of(&slots);
        for &i in &fresh {
            if let Slot::Parsed(p) = &slots[i]
                && let Some(spec) = &p.spec
            {
                needs.of_file(spec, p.reported, &seen, &mut wanted);
            }
        }
        if first {
            for spec in before.values() {
                needs.of_before(spec, &seen, &mut wanted);
            }
            first = false;
        }
        drop(seen);
        wanted.sort_unstable();
        wanted.dedup();
        wanted.retain(|&i| matches!(slots[i], Slot::Pending(_)));
        if wanted.is_empty() {
            break;
        }
        // Read and decode each; one that changed after all is parsed.
        let loaded: Vec<(FileId, FromCache)> = wanted
            .par_iter()
            .map(|&i| (i, from_cache(cache, &slots[i], &inputs[i], i, opts)))
            .collect();
        let mut changed = Vec::new();
        for (i, result) in loaded {
            match result {
                Ok((spec, text)) => {
                    needs.parents(&spec, &mut parents);
                    let input = inputs[i].take().expect("each input is taken once");
                    let entry = slots[i].entry();
                    let meta = slots[i].new_meta();
                    slots[i] = Slot::Loaded {
                        source: SourceFile::new(input.name, input.path, text),
                        spec,
                        entry,
                        meta,
                    };
                }
                Err(text) => {
                    slots[i] = Slot::Pending(Source::Parse(text));
                    changed.push(i);
                }
            }
        }
        parse_all(&mut inputs, &mut slots, &changed, opts, check);
        needs.mark_fresh(&changed);
        fresh = changed;
    }
    // 4. The workspace: the loaded files, and the others by name; and what the cache keeps.
    let mut ws = Workspace::default();
    let mut diagnostics = Vec::new();
    let mut plans: Vec<Plan> = Vec::with_capacity(n);
    let mut skip = vec![true; cache.entries.len()];
    for (i, slot) in slots.into_iter().enumerate() {
        let (source, spec, reported, plan) = match slot {
            Slot::Parsed(p) => {
                diagnostics.extend(p.diagnostics);
                // A reported file keeps the entry it has (what it was before); a file not
                // reported on gets a new one.
                let plan = match cache.entry_of(&p.source.name) {
                    Some(e) if p.reported => Plan::Keep(e, None),
                    _ if p.reported || p.spec.is_none() => Plan::Nothing,
                    _ => Plan::New,
                };
                (p.source, p.spec, p.reported, plan)
            }
            Slot::Loaded {
                source,
                spec,
                entry,
                meta,
            } => (source, Some(spec), false, Plan::Keep(entry, meta)),
            Slot::Pending(source) => {
                let input = inputs[i].take().expect("each input is taken once");
                let (text, plan) = match source {
                    Source::Unread(e) => (String::new(), Plan::Keep(e, None)),
                    Source::Read(e, text, meta) => (text, Plan::Keep(e, Some(meta))),
                    Source::Parse(_) => unreachable!("every file to parse is parsed"),
                };
                if let Plan::Keep(e, _) = plan {
                    skip[e] = false;
                }
                let source = SourceFile::new(input.name, input.path, text);
                (source, None, false, plan)
            }
        };
        ws.files.push(source);
        ws.specs.push(spec);
        ws.reported.push(reported);
        plans.push(plan);
    }
    let elsewhere = Elsewhere::new(Arc::clone(&cache.table), skip);
    // The cache is written beside resolution.
    let ((index, found), ()) = rayon::join(
        || resolve::resolve(&ws.specs, &ws.reported, Some(elsewhere)),
        || write(cache, cached.metas, &ws, &plans),
    );
    ws.index = index;
    diagnostics.extend(found);
    (ws, diagnostics, before)
}

/// What the cache keeps of one file.
enum Plan {
    /// No entry.
    Nothing,
    /// The entry it has, with new metadata when the file was read and found unchanged.
    Keep(usize, Option<FileMeta>),
    /// A new entry, from the file's model and text.
    New,
}

/// Writes the cache for the workspace `ws`, unless nothing changed.
fn write(cache: &ModelCache, metas: &HashMap<String, FileMeta>, ws: &Workspace, plans: &[Plan]) {
    let mut updates = Vec::new();
    let mut changed = false;
    for (i, plan) in plans.iter().enumerate() {
        let source = &ws.files[i];
        match plan {
            Plan::Nothing => {}
            Plan::Keep(entry, meta) => {
                // New metadata, or a file read because it was too recent to trust that can be
                // trusted from now on: written, so that the next check need not read it.
                changed |= meta.is_some_and(|m| cache.refreshes(*entry, &m));
                updates.push(Update::Keep {
                    entry: *entry,
                    meta: *meta,
                });
            }
            Plan::New => {
                let Some(spec) = &ws.specs[i] else { continue };
                let meta = match metas.get(&source.name) {
                    Some(m) => *m,
                    None => match std::fs::metadata(&source.path) {
                        Ok(m) => FileMeta::of(&m),
                        Err(_) => continue,
                    },
                };
                changed = true;
                updates.push(Update::New {
                    name: &source.name,
                    spec,
                    text: &source.text,
                    meta,
                });
            }
        }
    }
    // Entries of files that are gone are dropped.
    changed |= updates.len() != cache.entries.len();
    if changed {
        cache.write(&updates);
    }
}

/// What a file is at each stage of the load.
enum Slot {
    /// Not parsed or loaded (yet).
    Pending(Source),
    /// Parsed (reported, changed or new).
    Parsed(Parsed),
    /// Loaded from the cache.
    Loaded {
        source: SourceFile,
        spec: SpecFile,
        entry: usize,
        meta: Option<FileMeta>,
    },
}

impl Slot {
    fn must_parse(&self) -> bool {
        matches!(self, Slot::Pending(Source::Parse(_)))
    }

    fn entry(&self) -> usize {
        match self {
            Slot::Pending(Source::Unread(e) | Source::Read(e, ..)) => *e,
            _ => usize::MAX,
        }
    }

    fn new_meta(&self) -> Option<FileMeta> {
        match self {
            Slot::Pending(Source::Read(_, _, m)) => Some(*m),
            _ => None,
        }
    }
}

/// Decides how a file comes into the workspace (reading it when its metadata changed).
fn classify(
    cache: &ModelCache,
    metas: &HashMap<String, FileMeta>,
    input: &Input,
    opts: &LoadOptions,
) -> Source {
    if input.reported || input.text.is_some() {
        return Source::Parse(None);
    }
    let Some(entry) = cache.entry_of(&input.name) else {
        return Source::Parse(None);
    };
    let meta = match metas.get(&input.name) {
        Some(m) => *m,
        None => match std::fs::metadata(&input.path) {
            Ok(m) => FileMeta::of(&m),
            Err(_) => return Source::Parse(None),
        },
    };
    if cache.trusted(entry, &meta) {
        return Source::Unread(entry);
    }
    match read_input(&input.path, None, opts) {
        Ok(text) if cache.text_key(&text) == Some(cache.entries[entry].text) => {
            Source::Read(entry, text, meta)
        }
        Ok(text) => Source::Parse(Some(text)),
        Err(_) => Source::Parse(None),
    }
}

/// Parses the files `todo` (in parallel), each from the text read already or its file.
fn parse_all(
    inputs: &mut [Option<Input>],
    slots: &mut [Slot],
    todo: &[FileId],
    opts: &LoadOptions,
    check: &FileCheck<'_>,
) {
    let work: Vec<(FileId, Input, Option<String>)> = todo
        .iter()
        .map(|&i| {
            let input = inputs[i].take().expect("each input is taken once");
            let text = match std::mem::replace(&mut slots[i], Slot::Pending(Source::Parse(None))) {
                Slot::Pending(Source::Parse(t)) => t,
                _ => None,
            };
            (i, input, text)
        })
        .collect();
    let parsed: Vec<(FileId, Parsed)> = work
        .into_par_iter()
        .map(|(i, input, text)| {
            let parsed = match text {
                Some(text) => {
                    parse_text(i, input.name, input.path, input.reported, text, opts, check)
                }
                None => crate::workspace::parse_file(i, input, opts, check),
            };
            (i, parsed)
        })
        .collect();
    for (i, p) in parsed {
        slots[i] = Slot::Parsed(p);
    }
}

/// A model from the cache and its file's text, or the text (when read) of a file to parse.
type FromCache = Result<(SpecFile, String), Option<String>>;

/// The model of a file from the cache, with its text (read now unless read already); `Err`
/// (with the text, when read) when the file changed or the model does not read back.
fn from_cache(
    cache: &ModelCache,
    slot: &Slot,
    input: &Option<Input>,
    file: FileId,
    opts: &LoadOptions,
) -> FromCache {
    let input = input.as_ref().ok_or(None)?;
    let (entry, text) = match slot {
        Slot::Pending(Source::Read(e, text, _)) => (*e, text.clone()),
        Slot::Pending(Source::Unread(e)) => {
            let text = read_input(&input.path, None, opts).map_err(|_| None)?;
            if cache.text_key(&text) != Some(cache.entries[*e].text) {
                return Err(Some(text));
            }
            (*e, text)
        }
        _ => return Err(None),
    };
    match cache.model(entry, file, &text) {
        Some(spec) => Ok((spec, text)),
        None => Err(Some(text)),
    }
}

/// Finds the files that the parsed files need, through the cache's facts.
struct Needs<'a> {
    cache: &'a ModelCache,
    /// The file of each entry whose facts hold: an input not parsed (the entries of files
    /// parsed, or gone, say nothing of what the files are now).
    file_of: Vec<Option<FileId>>,
    owner_max_kpis: usize,
}

impl<'a> Needs<'a> {
    fn new(cache: &'a ModelCache, slots: &[Slot], owner_max_kpis: usize) -> Needs<'a> {
        let mut file_of = vec![None; cache.entries.len()];
        for (i, slot) in slots.iter().enumerate() {
            if let Slot::Pending(Source::Unread(e) | Source::Read(e, ..)) = slot {
                file_of[*e] = Some(i);
            }
        }
        Needs {
            cache,
            file_of,
            owner_max_kpis,
        }
    }

    /// Forgets the entries of `files` (parsed after all: their facts no longer hold).
    fn mark_fresh(&mut self, files: &[FileId]) {
        let files: HashSet<FileId> = files.iter().copied().collect();
        for f in &mut self.file_of {
            if f.is_some_and(|f| files.contains(&f)) {
                *f = None;
            }
        }
    }

    /// The files (not parsed) with a fact of `kind` about `id`, and the count of those facts.
    fn with(&self, kind: u8, id: &str, out: &mut Vec<FileId>) -> u32 {
        let mut count = 0;
        for (e, n) in self.cache.table.of(kind, id) {
            if let Some(f) = self.file_of[e] {
                out.push(f);
                count += n;
            }
        }
        count
    }

    /// The count of the facts of `kind` about `id` in the files not parsed.
    fn count(&self, kind: u8, id: &str) -> u32 {
        self.cache
            .table
            .of(kind, id)
            .filter(|(e, _)| self.file_of[*e].is_some())
            .map(|(_, n)| n)
            .sum()
    }

    /// The files that a parsed file needs.
    fn of_file(&self, spec: &SpecFile, reported: bool, seen: &Seen<'_>, out: &mut Vec<FileId>) {
        // Other definitions of its IDs (E003).
        facts::of(spec, &mut |kind, id| {
            if matches!(
                kind,
                facts::TEAM | facts::OWNER | facts::DUTY | facts::KPI | facts::OBJECTIVE
            ) {
                self.with(kind, id, out);
            }
        });
        self.parents(spec, out);
        if !reported {
            return;
        }
        let mut owners = HashSet::new();
        let mut duties = HashSet::new();
        for k in &spec.kpis {
            match filled(&k.owner) {
                Some(o) => {
                    owners.insert(o.value.trim());
                }
                // O001's help names the owner of the KPI's duty.
                None => {
                    if let Some(d) = filled(&k.duty) {
                        duties.insert(d.value.trim());
                    }
                }
            }
        }
        for owner in owners {
            self.owner(owner, seen, out);
        }
        for duty in duties {
            self.with(facts::DUTY, duty, out);
        }
    }

    /// The files that define the parent of the file's team and of its objectives: a chain of
    /// parents is followed to its end, or back to where it started (E005).
    fn parents(&self, spec: &SpecFile, out: &mut Vec<FileId>) {
        if let Some(p) = spec.team.as_ref().and_then(|t| t.parent.as_ref()) {
            self.with(facts::TEAM, &p.value, out);
        }
        for p in spec.objectives.iter().filter_map(|o| o.parent.as_ref()) {
            self.with(facts::OBJECTIVE, &p.value, out);
        }
    }

    /// The files that hold KPIs of `owner` (R003, A004), and its definition when the owner has
    /// more KPIs than the A004 limit.
    fn owner(&self, owner: &str, seen: &Seen<'_>, out: &mut Vec<FileId>) {
        let count = self.with(facts::OWNS, owner, out) as usize
            + seen.owns.get(owner).copied().unwrap_or(0);
        if count > self.owner_max_kpis {
            self.with(facts::OWNER, owner, out);
        }
    }

    /// The files that a given file's earlier model needs: its owners' KPIs; the references to
    /// the IDs (owners, duties, objectives, its team) it defined that nothing defines now; the definitions of the duties its KPIs
    /// measured that nothing measures now.
    fn of_before(&self, spec: &SpecFile, seen: &Seen<'_>, out: &mut Vec<FileId>) {
        let mut owners = HashSet::new();
        let mut duties = HashSet::new();
        for k in &spec.kpis {
            if let Some(o) = filled(&k.owner) {
                owners.insert(o.value.trim());
            }
            if let Some(d) = filled(&k.duty) {
                duties.insert(d.value.trim());
            }
        }
        for owner in owners {
            self.owner(owner, seen, out);
        }
        for duty in duties {
            if !seen.measured.contains(duty) && self.count(facts::MEASURES, duty) == 0 {
                self.with(facts::DUTY, duty, out);
            }
        }
        let team = spec.team.as_ref().and_then(|t| t.id.as_ref());
        for (kind, id, defined) in spec
            .owners
            .iter()
            .map(|o| ("owner", o.id.as_str(), &seen.owners))
            .chain(
                spec.duties
                    .iter()
                    .map(|d| ("duty", d.id.as_str(), &seen.duties)),
            )
            .chain(
                spec.objectives
                    .iter()
                    .map(|o| ("objective", o.id.as_str(), &seen.objectives)),
            )
            .chain(team.map(|t| ("team", t.as_str(), &seen.teams)))
        {
            if !defined.contains(id) && self.count(facts::definition(kind), id) == 0 {
                self.with(facts::reference(kind), id, out);
            }
        }
    }
}

/// What the files parsed so far define and name.
struct Seen<'a> {
    /// Owner → how many of their KPIs.
    owns: HashMap<&'a str, usize>,
    owners: HashSet<&'a str>,
    duties: HashSet<&'a str>,
    objectives: HashSet<&'a str>,
    teams: HashSet<&'a str>,
    measured: HashSet<&'a str>,
}

impl<'a> Seen<'a> {
    fn of(slots: &'a [Slot]) -> Seen<'a> {
        let mut seen = Seen {
            owns: HashMap::new(),
            owners: HashSet::new(),
            duties: HashSet::new(),
            objectives: HashSet::new(),
            teams: HashSet::new(),
            measured: HashSet::new(),
        };
        let parsed = slots.iter().filter_map(|s| match s {
            Slot::Parsed(p) => p.spec.as_ref(),
            _ => None,
        });
        for spec in parsed {
            seen.owners
                .extend(spec.owners.iter().map(|o| o.id.as_str()));
            seen.duties
                .extend(spec.duties.iter().map(|d| d.id.as_str()));
            seen.objectives
                .extend(spec.objectives.iter().map(|o| o.id.as_str()));
            seen.teams.extend(
                spec.team
                    .iter()
                    .filter_map(|t| t.id.as_ref())
                    .map(|t| t.as_str()),
            );
            for k in &spec.kpis {
                if let Some(o) = filled(&k.owner) {
                    *seen.owns.entry(o.value.trim()).or_default() += 1;
                }
                if let Some(d) = filled(&k.duty) {
                    seen.measured.insert(d.value.trim());
                }
            }
        }
        seen
    }
}
