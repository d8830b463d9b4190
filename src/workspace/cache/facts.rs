//! The facts of a file that the other files depend on: the IDs it defines, the owners and
//! duties its KPIs name, and every ID it references. The cache keeps them, keyed and sorted,
//! for every file of the workspace; a check of given files looks up only what the given files
//! need, and asks [`Elsewhere`] about the files it did not load.

use std::sync::Arc;

use super::key::Key;
use crate::workspace::SpecFile;
use crate::workspace::spec::filled;

/// The team ID a file declares.
pub(super) const TEAM: u8 = 1;
/// An owner ID a file defines.
pub(super) const OWNER: u8 = 2;
/// A duty ID a file defines.
pub(super) const DUTY: u8 = 3;
/// A KPI ID a file defines.
pub(super) const KPI: u8 = 4;
/// The owner of one of the file's KPIs (trimmed); counted.
pub(super) const OWNS: u8 = 5;
/// The duty that one of the file's KPIs measures (trimmed).
pub(super) const MEASURES: u8 = 6;
/// An owner ID the file references (as a lead, a duty's or KPI's owner, a contributor).
pub(super) const REF_OWNER: u8 = 7;
/// A duty ID the file references.
pub(super) const REF_DUTY: u8 = 8;

/// The kind of fact that defines an ID of `kind` (`owner`, `duty`, `KPI`, `team`).
pub(super) fn definition(kind: &str) -> u8 {
    match kind {
        "owner" => OWNER,
        "duty" => DUTY,
        "KPI" => KPI,
        _ => TEAM,
    }
}

/// The kind of fact that references an ID of `kind` (`owner` or `duty`).
pub(super) fn reference(kind: &str) -> u8 {
    if kind == "duty" { REF_DUTY } else { REF_OWNER }
}

/// Calls `push` with every fact of `spec` (kind and ID; a fact may come more than once).
pub(super) fn of<'a>(spec: &'a SpecFile, push: &mut impl FnMut(u8, &'a str)) {
    if let Some(team) = &spec.team {
        if let Some(id) = &team.id {
            push(TEAM, &id.value);
        }
        if let Some(lead) = &team.lead {
            push(REF_OWNER, &lead.value);
        }
    }
    for o in &spec.owners {
        push(OWNER, &o.id.value);
    }
    for d in &spec.duties {
        push(DUTY, &d.id.value);
        if let Some(o) = &d.owner {
            push(REF_OWNER, &o.value);
        }
    }
    for k in &spec.kpis {
        push(KPI, &k.id.value);
        if let Some(o) = &k.owner {
            push(REF_OWNER, &o.value);
        }
        if let Some(d) = &k.duty {
            push(REF_DUTY, &d.value);
        }
        for c in &k.contributors {
            push(REF_OWNER, &c.value);
        }
        if let Some(o) = filled(&k.owner) {
            push(OWNS, o.value.trim());
        }
        if let Some(d) = filled(&k.duty) {
            push(MEASURES, d.value.trim());
        }
    }
}

/// The facts of a cache file.
#[derive(Default)]
pub(super) struct Table {
    /// The key of the hashes.
    pub key: Option<Key>,
    /// Keyed hash of (kind, ID), entry, count; sorted.
    pub facts: Vec<(u64, u32, u32)>,
    /// The owner and duty IDs of each entry (kind, entry, ID), for did-you-mean.
    pub ids: Vec<(u8, u32, String)>,
}

impl Table {
    /// The entries that have a fact of `kind` about `id`, with its count.
    pub fn of(&self, kind: u8, id: &str) -> impl Iterator<Item = (usize, u32)> + '_ {
        let hash = self.key.map(|k| k.hash(kind, id.as_bytes()));
        let from = hash.map_or(self.facts.len(), |h| {
            self.facts.partition_point(|f| f.0 < h)
        });
        self.facts[from..]
            .iter()
            .take_while(move |f| Some(f.0) == hash)
            .map(|f| (f.1 as usize, f.2))
    }
}

/// What the files of the workspace that a check did not load define and measure, from the
/// model cache (the loaded files are in the workspace's index).
pub(crate) struct Elsewhere {
    table: Arc<Table>,
    /// The entries to leave out: files loaded, changed or gone.
    skip: Vec<bool>,
}

impl std::fmt::Debug for Elsewhere {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Elsewhere").finish_non_exhaustive()
    }
}

impl Elsewhere {
    pub(super) fn new(table: Arc<Table>, skip: Vec<bool>) -> Elsewhere {
        Elsewhere { table, skip }
    }

    fn any(&self, kind: u8, id: &str) -> bool {
        self.table
            .of(kind, id)
            .any(|(e, _)| !self.skip.get(e).copied().unwrap_or(true))
    }

    /// Whether a file not loaded defines the ID `id` of `kind` (`owner`, `duty`, `KPI`,
    /// `team`).
    pub(crate) fn defines(&self, kind: &str, id: &str) -> bool {
        self.any(definition(kind), id)
    }

    /// Whether a KPI in a file not loaded measures the duty `duty`.
    pub(crate) fn measures(&self, duty: &str) -> bool {
        self.any(MEASURES, duty)
    }

    /// The IDs of `kind` (`owner` or `duty`) that the files not loaded define.
    pub(crate) fn ids(&self, kind: &str) -> impl Iterator<Item = &str> {
        let kind = definition(kind);
        self.table
            .ids
            .iter()
            .filter(move |(k, e, _)| {
                *k == kind && !self.skip.get(*e as usize).copied().unwrap_or(true)
            })
            .map(|(_, _, id)| id.as_str())
    }
}
