//! Resolution across files: one index of IDs per kind, duplicate IDs (E003) and references
//! that name nothing (E004).

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use rayon::prelude::*;

use crate::diagnostic::{Diagnostic, suggestible, typo_limit};
use crate::rules::{DUPLICATE_ID, UNKNOWN_REFERENCE};
use crate::source::{FileId, Span};
use crate::workspace::cache::Elsewhere;
use crate::workspace::{IdMap, Spanned, SpecFile, Text};

/// Where each ID is first defined: `(file, index in that file's list)`.
#[derive(Debug, Default)]
pub struct Index {
    /// Owner IDs.
    pub owners: IdMap,
    /// Duty IDs.
    pub duties: IdMap,
    /// KPI IDs.
    pub kpis: IdMap,
    /// Objective IDs.
    pub objectives: IdMap,
    /// Team IDs, to the file that declares the team.
    pub teams: HashMap<String, FileId>,
    /// References in reported files that name nothing, in file order; E004 once
    /// [`Index::unknown_reference_findings`] has looked for what they meant.
    pub(crate) unknown: Vec<UnknownRef>,
    /// What the files of the workspace that were not loaded define (a check of given files
    /// with the model cache loads only what it needs).
    pub(crate) elsewhere: Option<Elsewhere>,
}

impl Index {
    /// Whether the workspace defines the ID `id` of `kind` (`owner`, `duty`, `KPI`,
    /// `objective`, `team`), in a loaded file or in one that was not loaded.
    pub fn defines(&self, kind: &str, id: &str) -> bool {
        let loaded = match kind {
            "owner" => self.owners.contains_key(id),
            "duty" => self.duties.contains_key(id),
            "KPI" => self.kpis.contains_key(id),
            "objective" => self.objectives.contains_key(id),
            _ => self.teams.contains_key(id),
        };
        loaded || self.elsewhere.as_ref().is_some_and(|e| e.defines(kind, id))
    }

    /// Whether the workspace declares any objective, in a loaded file or in one that was not
    /// loaded.
    pub fn has_objectives(&self) -> bool {
        !self.objectives.is_empty() || self.ids_of("objective").next().is_some()
    }

    /// Whether a file that was not loaded serves the objective `objective`: a KPI supports
    /// it, or an objective names it as its parent.
    pub(crate) fn served_elsewhere(&self, objective: &str) -> bool {
        self.elsewhere.as_ref().is_some_and(|e| e.serves(objective))
    }

    /// Whether a KPI in a file that was not loaded measures the duty `duty`.
    pub(crate) fn measured_elsewhere(&self, duty: &str) -> bool {
        self.elsewhere.as_ref().is_some_and(|e| e.measures(duty))
    }

    /// Every owner, duty, objective or team ID (`kind`) of the workspace, loaded or not.
    pub(crate) fn ids_of<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a str> {
        let loaded: Box<dyn Iterator<Item = &'a str>> = match kind {
            "duty" => Box::new(self.duties.keys().map(Text::as_str)),
            "objective" => Box::new(self.objectives.keys().map(Text::as_str)),
            "team" => Box::new(self.teams.keys().map(String::as_str)),
            _ => Box::new(self.owners.keys().map(Text::as_str)),
        };
        loaded.chain(self.elsewhere.iter().flat_map(move |e| e.ids(kind)))
    }
}

/// Builds the index and returns it with the E003 findings; references that name nothing are
/// kept in the index (see [`Index::unknown_reference_findings`]). References are checked in
/// the reported files only (`kpic check FILE` needs every ID, not every file's references).
/// The four kinds are indexed at the same time; each in file order, so the first definition
/// wins and the findings do not depend on threads.
pub(super) fn resolve(
    specs: &[Option<SpecFile>],
    reported: &[bool],
    elsewhere: Option<Elsewhere>,
) -> (Index, Vec<Diagnostic>) {
    // References name owners, duties, objectives and teams, never KPIs: they are checked
    // while the KPI IDs are indexed.
    let (kpis, (teams, objectives, owners, duties, unknown)) = rayon::join(
        || index_ids(specs, "KPI", |s| s.kpis.len(), |s, i| &s.kpis[i].id),
        || {
            let ((teams, owners), (duties, objectives)) = rayon::join(
                || {
                    rayon::join(
                        || index_teams(specs),
                        || index_ids(specs, "owner", |s| s.owners.len(), |s, i| &s.owners[i].id),
                    )
                },
                || {
                    rayon::join(
                        || index_ids(specs, "duty", |s| s.duties.len(), |s, i| &s.duties[i].id),
                        || {
                            index_ids(
                                specs,
                                "objective",
                                |s| s.objectives.len(),
                                |s, i| &s.objectives[i].id,
                            )
                        },
                    )
                },
            );
            let maps = Maps {
                owners: &owners.0,
                duties: &duties.0,
                objectives: &objectives.0,
                teams: &teams.0,
            };
            let unknown = unknown_in(specs, reported, &maps, elsewhere.as_ref());
            (teams, objectives, owners, duties, unknown)
        },
    );
    let index = Index {
        owners: owners.0,
        duties: duties.0,
        kpis: kpis.0,
        objectives: objectives.0,
        teams: teams.0,
        unknown,
        elsewhere,
    };
    let mut out = teams.1;
    out.extend(objectives.1);
    out.extend(owners.1);
    out.extend(duties.1);
    out.extend(kpis.1);
    for d in &mut out {
        report_in_reported_file(d, reported);
    }
    (index, merge_at_first_definition(out))
}

/// The words of an E003 that [`merge_at_first_definition`] rewrites when it counts more than
/// two definitions.
const TWICE: &str = "is defined twice";
const REMOVE_ONE: &str = "remove one of the two";

/// Most other places one E003 names; the message still counts them all.
const MAX_LABELS: usize = 10;

/// An ID defined many times is reported once per later definition, each pointing back at the
/// first; when only the file of the first is reported (`kpic check FILE`), those findings all
/// land on the first definition: they become one, naming the other places (up to
/// [`MAX_LABELS`]) and saying how many times the ID is defined.
fn merge_at_first_definition(found: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> = Vec::with_capacity(found.len());
    let mut at: HashMap<(FileId, Span, String), (usize, usize)> = HashMap::new();
    for d in found {
        let key = (d.file, d.span, d.message.clone());
        match at.entry(key) {
            Entry::Occupied(mut o) => {
                let (i, n) = o.get_mut();
                *n += 1;
                let merged = &mut out[*i];
                if merged.labels.len() < MAX_LABELS {
                    merged.labels.extend(d.labels);
                }
            }
            Entry::Vacant(v) => {
                v.insert((out.len(), 1));
                out.push(d);
            }
        }
    }
    for ((_, _, message), (i, n)) in at {
        if n > 1 {
            let d = &mut out[i];
            d.message = message.replace(TWICE, &format!("is defined {} times", n + 1));
            d.help = d.help.take().map(|h| {
                h.replace(
                    REMOVE_ONE,
                    &format!("keep one of the {} definitions", n + 1),
                )
                .into()
            });
        }
    }
    out
}

/// A duplicate ID is reported at its second definition, with a label at the first. When only
/// the first is in a reported file (`kpic check FILE` on the file that came first by name),
/// the two swap, so the finding is not lost with the file that is not reported.
fn report_in_reported_file(d: &mut Diagnostic, reported: &[bool]) {
    let is_reported = |f: FileId| reported.get(f).copied().unwrap_or(true);
    if is_reported(d.file) {
        return;
    }
    if let Some(label) = d.labels.first_mut()
        && is_reported(label.file)
    {
        std::mem::swap(&mut d.file, &mut label.file);
        std::mem::swap(&mut d.span, &mut label.span);
        label.message = "also defined here".into();
    }
}

/// Team IDs to their files, and E003 for a team ID declared twice.
fn index_teams(specs: &[Option<SpecFile>]) -> (HashMap<String, FileId>, Vec<Diagnostic>) {
    let mut teams = HashMap::with_capacity(specs.len());
    let mut out = Vec::new();
    for spec in specs.iter().flatten() {
        let f = spec.file;
        if let Some(id) = spec.team.as_ref().and_then(|t| t.id.as_ref()) {
            match teams.entry(id.value.to_string()) {
                Entry::Vacant(v) => {
                    v.insert(f);
                }
                Entry::Occupied(o) => {
                    let first = specs[*o.get()].as_ref().and_then(|s| s.team.as_ref());
                    let first_span = first.and_then(|t| t.id.as_ref()).map(|i| i.span);
                    out.push(duplicate(
                        "team",
                        id,
                        *o.get(),
                        first_span.unwrap_or_default(),
                        f,
                    ));
                }
            }
        }
    }
    (teams, out)
}

/// The IDs of one kind of item (`len` items in a file, the `i`-th one's ID by `id_at`), and
/// E003 for every ID defined again.
fn index_ids(
    specs: &[Option<SpecFile>],
    kind: &'static str,
    len: fn(&SpecFile) -> usize,
    id_at: fn(&SpecFile, usize) -> &Spanned<Text>,
) -> (IdMap, Vec<Diagnostic>) {
    let mut map = IdMap::with_capacity_and_hasher(
        specs.iter().flatten().map(len).sum(),
        IdBuildHasher::default(),
    );
    let mut out = Vec::new();
    for spec in specs.iter().flatten() {
        for i in 0..len(spec) {
            insert(
                &mut map,
                specs,
                kind,
                id_at(spec, i),
                spec.file,
                i,
                &mut out,
                id_at,
            );
        }
    }
    (map, out)
}

#[allow(clippy::too_many_arguments)]
fn insert(
    map: &mut IdMap,
    specs: &[Option<SpecFile>],
    kind: &str,
    id: &Spanned<Text>,
    file: FileId,
    i: usize,
    out: &mut Vec<Diagnostic>,
    id_of: impl Fn(&SpecFile, usize) -> &Spanned<Text>,
) {
    match map.entry(id.value.clone()) {
        Entry::Vacant(v) => {
            v.insert((file, i));
        }
        Entry::Occupied(o) => {
            let (ff, fi) = *o.get();
            let first = specs[ff]
                .as_ref()
                .map(|s| id_of(s, fi).span)
                .unwrap_or_default();
            out.push(duplicate(kind, id, ff, first, file));
        }
    }
}

fn duplicate(
    kind: &str,
    id: &Spanned<Text>,
    first_file: FileId,
    first: crate::source::Span,
    file: FileId,
) -> Diagnostic {
    Diagnostic::new(
        &DUPLICATE_ID,
        file,
        id.span,
        format!("{kind} ID `{}` {TWICE}", id.value),
    )
    .with_label(first_file, first, "first defined here")
    .with_help(format!(
        "give this {kind} an ID of its own, or {REMOVE_ONE}"
    ))
}

/// The hasher of the ID maps: foldhash with a fixed seed. IDs are short and every reference
/// is looked up; a spec file gains nothing by choosing colliding IDs for a local run.
pub type IdBuildHasher = foldhash::fast::FixedState;

/// A reference that names no defined ID, found while resolving (suggestions come later).
#[derive(Debug, Clone)]
pub(crate) struct UnknownRef {
    file: FileId,
    span: Span,
    /// The ID referred to.
    reference: Text,
    /// The kind of ID: `owner`, `duty`, `objective` or `team`.
    kind: &'static str,
    /// What the reference is to its item: `owner`, `duty`, `contributor`, `lead`,
    /// `consulted`, `informed`, `supported objective` or `parent`.
    role: &'static str,
    /// The item holding the reference: `KPI`, `duty`, `objective` or `team`, and its ID.
    item: (&'static str, Text),
}

/// The IDs of the loaded files that references can name.
struct Maps<'a> {
    owners: &'a IdMap,
    duties: &'a IdMap,
    objectives: &'a IdMap,
    teams: &'a HashMap<String, FileId>,
}

impl Maps<'_> {
    fn defines(&self, kind: &str, id: &str) -> bool {
        match kind {
            "duty" => self.duties.contains_key(id),
            "objective" => self.objectives.contains_key(id),
            "team" => self.teams.contains_key(id),
            _ => self.owners.contains_key(id),
        }
    }
}

/// Collects the references of one file that name nothing (cheap: one hash lookup each, and
/// one binary search in the cache's facts for an ID that no loaded file defines).
fn unknown_references(
    spec: &SpecFile,
    maps: &Maps<'_>,
    elsewhere: Option<&Elsewhere>,
    out: &mut Vec<UnknownRef>,
) {
    let f = spec.file;
    let mut check =
        |r: &Spanned<Text>, kind: &'static str, role: &'static str, item: (&'static str, &str)| {
            if !maps.defines(kind, r.value.as_str())
                && !elsewhere.is_some_and(|e| e.defines(kind, r.value.as_str()))
            {
                out.push(UnknownRef {
                    file: f,
                    span: r.span,
                    reference: r.value.clone(),
                    kind,
                    role,
                    item: (item.0, Text::new(item.1)),
                });
            }
        };
    if let Some(team) = &spec.team {
        let id = team.id.as_ref().map_or("", |i| i.value.as_str());
        if let Some(lead) = &team.lead {
            check(lead, "owner", "lead", ("team", id));
        }
        if let Some(parent) = &team.parent {
            check(parent, "team", "parent", ("team", id));
        }
    }
    for o in &spec.objectives {
        let item = ("objective", o.id.value.as_str());
        if let Some(owner) = &o.owner {
            check(owner, "owner", "owner", item);
        }
        if let Some(parent) = &o.parent {
            check(parent, "objective", "parent", item);
        }
    }
    for d in &spec.duties {
        if let Some(o) = &d.owner {
            check(o, "owner", "owner", ("duty", &d.id.value));
        }
    }
    for k in &spec.kpis {
        let item = ("KPI", k.id.value.as_str());
        if let Some(o) = &k.owner {
            check(o, "owner", "owner", item);
        }
        if let Some(d) = &k.duty {
            check(d, "duty", "duty", item);
        }
        for c in &k.contributors {
            check(c, "owner", "contributor", item);
        }
        for c in k.consulted() {
            check(c, "owner", "consulted", item);
        }
        for c in k.informed() {
            check(c, "owner", "informed", item);
        }
        for o in k.supports() {
            check(o, "objective", "supported objective", item);
        }
    }
}

/// Most distinct unknown IDs that get a did-you-mean in one run; past it the help only says
/// how to define the ID. Each suggestion looks at every ID of its kind, so this keeps the work
/// linear in the size of the workspace even where thousands of references break.
pub const MAX_SUGGESTED: usize = 200;

/// The references in reported files that name nothing, in file order.
fn unknown_in(
    specs: &[Option<SpecFile>],
    reported: &[bool],
    maps: &Maps<'_>,
    elsewhere: Option<&Elsewhere>,
) -> Vec<UnknownRef> {
    specs
        .par_iter()
        .flatten()
        .filter(|spec| reported.get(spec.file).copied().unwrap_or(true))
        .flat_map_iter(|spec| {
            let mut found = Vec::new();
            unknown_references(spec, maps, elsewhere, &mut found);
            found
        })
        .collect()
}

impl Index {
    /// E004 for every reference in a reported file that names nothing, with a did-you-mean
    /// (see [`Index::unknown_reference_findings_waiting`]).
    pub fn unknown_reference_findings(&self) -> Vec<Diagnostic> {
        self.unknown_reference_findings_waiting(&HashMap::new()).0
    }

    /// The E004 findings of one file, as [`Index::unknown_reference_findings`] gives them for
    /// every file; `None` when the workspace holds so many unknown IDs that the cap on
    /// suggestions ([`MAX_SUGGESTED`]) makes one file's findings depend on the others'.
    pub fn unknown_reference_findings_in(&self, file: FileId) -> Option<Vec<Diagnostic>> {
        let distinct: HashSet<(&str, &str)> = self
            .unknown
            .iter()
            .map(|u| (u.kind, u.reference.as_str()))
            .collect();
        if distinct.len() >= MAX_SUGGESTED {
            return None;
        }
        let mine: Vec<&UnknownRef> = self.unknown.iter().filter(|u| u.file == file).collect();
        Some(self.findings_for(&mine))
    }

    /// Collects anew the references of one file that name nothing, after its model was
    /// replaced by one that defines the same IDs in the same order (so the maps still hold):
    /// the resolution of an edited file without building the index again.
    pub fn resolve_file(&mut self, spec: &SpecFile) {
        let f = spec.file;
        let mut found = Vec::new();
        let maps = Maps {
            owners: &self.owners,
            duties: &self.duties,
            objectives: &self.objectives,
            teams: &self.teams,
        };
        unknown_references(spec, &maps, self.elsewhere.as_ref(), &mut found);
        // The list is in file order.
        let start = self.unknown.partition_point(|u| u.file < f);
        let end = self.unknown.partition_point(|u| u.file <= f);
        self.unknown.splice(start..end, found);
    }

    /// E004 for every reference in a reported file that names nothing, with a did-you-mean,
    /// except those whose ID is in `waiting` (it appears in a file that could not be loaded):
    /// those are counted per file instead.
    pub(crate) fn unknown_reference_findings_waiting(
        &self,
        waiting: &HashMap<&str, FileId>,
    ) -> (Vec<Diagnostic>, HashMap<FileId, usize>) {
        let mut counts: HashMap<FileId, usize> = HashMap::new();
        let unknown: Vec<&UnknownRef> = self
            .unknown
            .iter()
            .filter(|u| match waiting.get(u.reference.as_str()) {
                Some(&f) => {
                    *counts.entry(f).or_default() += 1;
                    false
                }
                None => true,
            })
            .collect();
        (self.findings_for(&unknown), counts)
    }

    /// E004 for the references `unknown` (in file order), with a did-you-mean. Suggestions are
    /// computed once per distinct unknown ID, in parallel, against a prefiltered candidate
    /// list; they are exactly those of [`did_you_mean`](crate::diagnostic::did_you_mean) over
    /// all IDs of the kind.
    fn findings_for(&self, unknown: &[&UnknownRef]) -> Vec<Diagnostic> {
        if unknown.is_empty() {
            return Vec::new();
        }
        // Distinct (kind, ID) pairs, in order of first appearance, so the cap is deterministic.
        let mut distinct: Vec<(&'static str, &str)> = Vec::new();
        let mut seen = HashSet::new();
        for u in unknown {
            if distinct.len() < MAX_SUGGESTED && seen.insert((u.kind, u.reference.as_str())) {
                distinct.push((u.kind, u.reference.as_str()));
            }
        }
        let owner_ids = OnceLock::new();
        let duty_ids = OnceLock::new();
        let objective_ids = OnceLock::new();
        let team_ids = OnceLock::new();
        let candidates = |kind: &str| match kind {
            "duty" => duty_ids.get_or_init(|| Candidates::new(self.ids_of("duty"))),
            "objective" => objective_ids.get_or_init(|| Candidates::new(self.ids_of("objective"))),
            "team" => team_ids.get_or_init(|| Candidates::new(self.ids_of("team"))),
            _ => owner_ids.get_or_init(|| Candidates::new(self.ids_of("owner"))),
        };
        let suggestions: HashMap<(&str, &str), &str> = distinct
            .par_iter()
            .filter_map(|&(kind, word)| Some(((kind, word), candidates(kind).best(word)?)))
            .collect();
        unknown
            .iter()
            .map(|u| {
                let r = &u.reference;
                let d = Diagnostic::new(
                    &UNKNOWN_REFERENCE,
                    u.file,
                    u.span,
                    match &u.item {
                        (item, id) if id.is_empty() => {
                            format!("the {item} has unknown {} `{r}`", u.role)
                        }
                        (item, id) => format!("{item} `{id}` has unknown {} `{r}`", u.role),
                    },
                );
                match suggestions.get(&(u.kind, r.as_str())) {
                    Some(s) => d.with_help(format!("did you mean `{s}`?")),
                    None => d.with_help(format!(
                        "define {} `{r}` under `{}`, or fix the ID",
                        u.kind,
                        plural(u.kind)
                    )),
                }
            })
            .collect()
    }

    /// What each of `words` (IDs of `kind`, `owner` or `duty`, that name nothing) probably
    /// meant, as for E004: the first [`MAX_SUGGESTED`] distinct words get a did-you-mean
    /// against every ID of the kind, loaded or not.
    pub(crate) fn suggestions<'a>(
        &'a self,
        kind: &'a str,
        words: impl Iterator<Item = &'a str>,
    ) -> HashMap<&'a str, &'a str> {
        let mut distinct: Vec<&str> = Vec::new();
        let mut seen = HashSet::new();
        for w in words {
            if distinct.len() < MAX_SUGGESTED && seen.insert(w) {
                distinct.push(w);
            }
        }
        if distinct.is_empty() {
            return HashMap::new();
        }
        let candidates = Candidates::new(self.ids_of(kind));
        distinct
            .par_iter()
            .filter_map(|&w| Some((w, candidates.best(w)?)))
            .collect()
    }

    /// The IDs of the references in reported files that name nothing.
    pub(crate) fn unknown_ids(&self) -> impl Iterator<Item = &str> {
        self.unknown.iter().map(|u| u.reference.as_str())
    }
}

/// Buckets of the character histogram used to bound edit distances from below.
const BUCKETS: usize = 64;

/// The IDs of one kind, with what bounds their edit distance to a word cheaply.
struct Candidates<'a> {
    /// Each ID, its length in characters, its character histogram and which of its buckets
    /// are not empty.
    items: Vec<(&'a str, usize, [u8; BUCKETS], u64)>,
}

impl<'a> Candidates<'a> {
    fn new(ids: impl Iterator<Item = &'a str>) -> Self {
        Candidates {
            items: ids
                .filter(|id| suggestible(id))
                .map(|id| {
                    let h = histogram(id);
                    (id, id.chars().count(), h, mask(&h))
                })
                .collect(),
        }
    }

    /// The same answer as [`did_you_mean`](crate::diagnostic::did_you_mean) over every ID, without computing the edit distance
    /// to IDs that cannot win: each edit changes the length by at most one and the character
    /// histogram by at most two, so those give lower bounds; candidates are tried in order of
    /// their bound and the search stops once the bound exceeds the best distance found. A
    /// character class on one side only needs an edit of its own, a cheaper first bound.
    fn best(&self, word: &str) -> Option<&'a str> {
        if !suggestible(word) {
            return None;
        }
        let len = word.chars().count();
        let limit = typo_limit(len);
        let hist = histogram(word);
        let word_mask = mask(&hist);
        // Candidates by their bound (at most `limit`): a bucket each, in place of a sort.
        let mut by_bound: Vec<Vec<&'a str>> = vec![Vec::new(); limit + 1];
        for &(id, n, ref h, m) in &self.items {
            let only = (word_mask & !m)
                .count_ones()
                .max((m & !word_mask).count_ones());
            if only as usize > limit || n.abs_diff(len) > limit {
                continue;
            }
            // Written so that it compiles to a few vector instructions.
            let diff = h
                .iter()
                .zip(&hist)
                .map(|(a, b)| u32::from(a.abs_diff(*b)))
                .sum::<u32>() as usize;
            let bound = n.abs_diff(len).max(diff.div_ceil(2));
            if let Some(bucket) = by_bound.get_mut(bound) {
                bucket.push(id);
            }
        }
        // Lowest bounds first; ties are settled by the exact distance, then the ID.
        let mut best: Option<(usize, &'a str)> = None;
        for (bound, ids) in by_bound.into_iter().enumerate() {
            if best.is_some_and(|(d, _)| bound > d) {
                break;
            }
            for id in ids {
                let d = strsim::damerau_levenshtein(word, id);
                if d <= limit && best.is_none_or(|b| (d, id) < b) {
                    best = Some((d, id));
                }
            }
        }
        best.map(|(_, id)| id)
    }
}

/// The non-empty buckets of a histogram, one bit each.
fn mask(h: &[u8; BUCKETS]) -> u64 {
    h.iter()
        .enumerate()
        .filter(|(_, n)| **n > 0)
        .fold(0, |m, (i, _)| m | 1 << i)
}

/// How often each character class occurs (saturating): letters, digits, `-`, `_`, the rest.
fn histogram(s: &str) -> [u8; BUCKETS] {
    let mut h = [0u8; BUCKETS];
    for c in s.chars() {
        let b = match c {
            'a'..='z' => c as usize - 'a' as usize,
            'A'..='Z' => 26 + (c as usize - 'A' as usize) % 12,
            '0'..='9' => 38 + (c as usize - '0' as usize),
            '-' => 48,
            '_' => 49,
            _ => 50 + (c as usize) % (BUCKETS - 50),
        };
        h[b] = h[b].saturating_add(1);
    }
    h
}

fn plural(kind: &str) -> &'static str {
    match kind {
        "duty" => "duties",
        "KPI" => "kpis",
        "objective" => "objectives",
        "team" => "team",
        _ => "owners",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::did_you_mean;

    #[test]
    fn bounded_suggestions_match_did_you_mean() {
        let ids: Vec<String> = [
            "li-na",
            "wang-fang",
            "zhao-lei",
            "zhang-min",
            "li-na-2",
            "Li_Na",
        ]
        .iter()
        .map(|s| s.to_string())
        .chain((0..300).map(|i| format!("zhou-jing-{i:05}")))
        .chain((0..50).map(|i| format!("市场-{i}")))
        .collect();
        let candidates = Candidates::new(ids.iter().map(String::as_str));
        for word in [
            "li-na2",
            "lina",
            "wangfang",
            "zhao-le",
            "zhou-jing-0001",
            "zhou-jing-00100x",
            "zhuo-jing-00042",
            "市场-4",
            "nobody-at-all",
            "",
            "l",
            "LI-NA",
        ]
        .into_iter()
        .map(str::to_owned)
        .chain(mutations(&ids))
        {
            let word = word.as_str();
            assert_eq!(
                candidates.best(word),
                did_you_mean(word, ids.iter().map(String::as_str)),
                "suggestion for `{word}`"
            );
        }
    }

    #[test]
    fn suggestions_stop_after_the_cap_in_file_order() {
        let mut text = String::from(
            "version: 1\nteam: {id: t, name: T}\nowners:\n  - {id: owner-a, name: A}\nkpis:\n",
        );
        for i in 0..MAX_SUGGESTED + 5 {
            text.push_str(&format!("  - {{id: k{i}, name: K, owner: owner-a{i}}}\n"));
        }
        let input = crate::workspace::Input {
            path: "a.yaml".into(),
            name: "a.yaml".into(),
            reported: true,
            text: Some(text),
            removed: false,
        };
        let (_, found) = crate::workspace::load(vec![input], &Default::default());
        assert!(found.iter().all(|d| d.code() == "E004"));
        let helps: Vec<&str> = found
            .iter()
            .filter(|d| d.code() == "E004")
            .map(|d| d.help.as_deref().unwrap_or_default())
            .collect();
        assert_eq!(helps.len(), MAX_SUGGESTED + 5);
        // `owner-a1` .. are one or two edits from `owner-a`; only the first IDs get the hint.
        assert!(
            helps[..MAX_SUGGESTED]
                .iter()
                .all(|h| *h == "did you mean `owner-a`?")
        );
        assert!(
            helps[MAX_SUGGESTED..]
                .iter()
                .all(|h| h.starts_with("define owner"))
        );
    }

    #[test]
    fn resolving_one_file_gives_what_resolving_all_gives() {
        let input = |name: &str, text: String| crate::workspace::Input {
            path: name.into(),
            name: name.into(),
            reported: true,
            text: Some(text),
            removed: false,
        };
        let owners = "version: 1\nowners:\n  - {id: li-na, name: L}\n".to_owned();
        let team = |owner: &str| {
            format!(
                "version: 1\nteam: {{id: t, name: T}}\nkpis:\n  - {{id: k, name: K, owner: {owner}}}\n"
            )
        };
        let (mut ws, _) = crate::workspace::load(
            vec![
                input("a.yaml", owners.clone()),
                input("b.yaml", team("li-na")),
            ],
            &Default::default(),
        );
        assert!(ws.index.unknown_reference_findings().is_empty());
        // b.yaml's reference breaks: its model is replaced and only it is resolved again.
        let (fresh, _) = crate::workspace::load(
            vec![input("a.yaml", owners), input("b.yaml", team("li-nq"))],
            &Default::default(),
        );
        ws.specs[1] = fresh.specs[1].clone();
        ws.index.resolve_file(ws.specs[1].as_ref().unwrap());
        let incremental = ws.index.unknown_reference_findings();
        assert_eq!(incremental, fresh.index.unknown_reference_findings());
        assert_eq!(incremental.len(), 1);
        assert_eq!(ws.index.unknown_reference_findings_in(1), Some(incremental));
        assert_eq!(ws.index.unknown_reference_findings_in(0), Some(Vec::new()));
    }

    /// Typos of the IDs: a character dropped, doubled, replaced or swapped with the next.
    fn mutations(ids: &[String]) -> Vec<String> {
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n.max(1) as u64) as usize
        };
        (0..400)
            .map(|_| {
                let id: Vec<char> = ids[next(ids.len())].chars().collect();
                let mut w = id.clone();
                let i = next(w.len());
                match next(4) {
                    0 => {
                        w.remove(i);
                    }
                    1 => w.insert(i, w[i]),
                    2 => w[i] = ['x', '0', '-', '市'][next(4)],
                    _ if i + 1 < w.len() => w.swap(i, i + 1),
                    _ => w.push('9'),
                }
                w.into_iter().collect()
            })
            .collect()
    }
}
