//! The facts of a file that the other files depend on: the IDs it defines, the owners,
//! duties and objectives its KPIs name, and every ID it references. The cache keeps them, keyed and sorted,
//! for every file of the workspace; a check of given files looks up only what the given files
//! need, and asks [`Elsewhere`] about the files it did not load.

use std::sync::{Arc, OnceLock};

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
/// An objective ID a file defines.
pub(super) const OBJECTIVE: u8 = 9;
/// An objective ID the file references (a KPI's `supports`, an objective's `parent`).
pub(super) const REF_OBJECTIVE: u8 = 10;
/// A team ID the file references (its team's `parent`).
pub(super) const REF_TEAM: u8 = 11;

/// The kind of fact that defines an ID of `kind` (`owner`, `duty`, `KPI`, `objective`,
/// `team`).
pub(super) fn definition(kind: &str) -> u8 {
    match kind {
        "owner" => OWNER,
        "duty" => DUTY,
        "KPI" => KPI,
        "objective" => OBJECTIVE,
        _ => TEAM,
    }
}

/// The kind of fact that references an ID of `kind` (`owner`, `duty`, `objective`, `team`).
pub(super) fn reference(kind: &str) -> u8 {
    match kind {
        "duty" => REF_DUTY,
        "objective" => REF_OBJECTIVE,
        "team" => REF_TEAM,
        _ => REF_OWNER,
    }
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
        if let Some(parent) = &team.parent {
            push(REF_TEAM, &parent.value);
        }
    }
    for o in &spec.objectives {
        push(OBJECTIVE, &o.id.value);
        if let Some(owner) = &o.owner {
            push(REF_OWNER, &owner.value);
        }
        if let Some(parent) = &o.parent {
            push(REF_OBJECTIVE, &parent.value);
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
        for c in k
            .contributors
            .iter()
            .chain(k.consulted())
            .chain(k.informed())
        {
            push(REF_OWNER, &c.value);
        }
        for o in k.supports() {
            push(REF_OBJECTIVE, &o.value);
        }
        if let Some(o) = filled(&k.owner) {
            push(OWNS, o.value.trim());
        }
        if let Some(d) = filled(&k.duty) {
            push(MEASURES, d.value.trim());
        }
    }
}

/// Bytes of one fact in a cache file: the keyed hash of (kind, ID), then the entry (24 bits)
/// and how many times the file has the fact (8 bits, at most 255).
pub(super) const RECORD: usize = 12;

/// The entry and count of a fact, in 32 bits.
pub(super) fn pack(entry: u32, count: u32) -> u32 {
    (entry & 0x00ff_ffff) | (count.min(255) << 24)
}

/// The entry and count of a fact packed by [`pack`].
pub(super) fn unpack(packed: u32) -> (u32, u32) {
    (packed & 0x00ff_ffff, packed >> 24)
}

/// The index of a cache file (its entries and facts, read and authenticated), and the file
/// for what is read only when needed: models and the IDs.
#[derive(Default)]
pub(super) struct Table {
    /// The key of the hashes.
    pub key: Option<Key>,
    /// The index.
    pub index: Vec<u8>,
    /// The facts: bytes of the index, [`RECORD`] bytes each, sorted.
    pub facts: std::ops::Range<usize>,
    /// Where the owner and duty IDs are in the data: offset, length, keyed hash.
    pub ids_at: (u64, u32, u64),
    /// The cache file, and where its data (after the index) starts.
    pub file: Option<std::fs::File>,
    pub data_at: u64,
    /// The IDs, once read.
    ids: OnceLock<Vec<(u8, u32, String)>>,
}

impl Table {
    /// The `i`-th fact: hash and packed entry.
    fn fact(&self, i: usize) -> (u64, u32) {
        let at = self.facts.start + i * RECORD;
        let b = &self.index[at..at + RECORD];
        (
            u64::from_le_bytes(b[..8].try_into().unwrap_or_default()),
            u32::from_le_bytes(b[8..].try_into().unwrap_or_default()),
        )
    }

    /// Every fact: hash and packed entry.
    pub fn facts(&self) -> impl Iterator<Item = (u64, u32)> + '_ {
        (0..self.facts.len() / RECORD).map(|i| self.fact(i))
    }

    /// The entries that have a fact of `kind` about `id`, with its count.
    pub fn of(&self, kind: u8, id: &str) -> impl Iterator<Item = (usize, u32)> + '_ {
        let n = self.facts.len() / RECORD;
        let hash = self.key.map(|k| k.hash(kind, id.as_bytes()));
        // The first fact with this hash (binary search over the records).
        let (mut lo, mut hi) = (0, if hash.is_some() { n } else { 0 });
        while lo < hi {
            let mid = (lo + hi) / 2;
            if Some(self.fact(mid).0) < hash {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        (lo..n)
            .map(|i| self.fact(i))
            .take_while(move |f| Some(f.0) == hash)
            .map(|(_, packed)| {
                let (entry, count) = unpack(packed);
                (entry as usize, count)
            })
    }

    /// `len` bytes of the data at `at`, if their keyed hash is `sum`.
    pub fn data(&self, at: u64, len: u32, sum: u64) -> Option<Vec<u8>> {
        let (file, key) = (self.file.as_ref()?, self.key?);
        let mut bytes = vec![0u8; len as usize];
        super::read_exact_at(file, &mut bytes, self.data_at.checked_add(at)?)?;
        (key.hash(super::domain::MODEL, &bytes) == sum).then_some(bytes)
    }

    /// The owner, duty and objective IDs of the entries (kind, entry, ID), read on first use.
    pub fn ids(&self) -> &[(u8, u32, String)] {
        self.ids.get_or_init(|| self.read_ids().unwrap_or_default())
    }

    fn read_ids(&self) -> Option<Vec<(u8, u32, String)>> {
        let (at, len, sum) = self.ids_at;
        let (file, key) = (self.file.as_ref()?, self.key?);
        let mut bytes = vec![0u8; len as usize];
        super::read_exact_at(file, &mut bytes, self.data_at.checked_add(at)?)?;
        if key.hash(super::domain::IDS, &bytes) != sum {
            return None;
        }
        let mut out = Vec::new();
        let mut rest = &bytes[..];
        while !rest.is_empty() {
            let kind = *rest.first()?;
            let entry = u32::from_le_bytes(rest.get(1..5)?.try_into().ok()?);
            let n = u32::from_le_bytes(rest.get(5..9)?.try_into().ok()?) as usize;
            let id = std::str::from_utf8(rest.get(9..9usize.checked_add(n)?)?).ok()?;
            out.push((kind, entry, id.to_owned()));
            rest = &rest[9 + n..];
        }
        Some(out)
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

    /// Whether a file not loaded serves the objective `objective`: a KPI supports it, or an
    /// objective names it as its parent.
    pub(crate) fn serves(&self, objective: &str) -> bool {
        self.any(REF_OBJECTIVE, objective)
    }

    /// The IDs of `kind` (`owner`, `duty` or `objective`) that the files not loaded define.
    pub(crate) fn ids(&self, kind: &str) -> impl Iterator<Item = &str> {
        let kind = definition(kind);
        self.table
            .ids()
            .iter()
            .filter(move |(k, e, _)| {
                *k == kind && !self.skip.get(*e as usize).copied().unwrap_or(true)
            })
            .map(|(_, _, id)| id.as_str())
    }
}
