//! Resolution across files: one index of IDs per kind, duplicate IDs (E003) and references
//! that name nothing (E004).

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use crate::diagnostic::{Diagnostic, did_you_mean};
use crate::rules::{DUPLICATE_ID, UNKNOWN_REFERENCE};
use crate::source::FileId;
use crate::workspace::{IdMap, Spanned, SpecFile};

/// Where each ID is first defined: `(file, index in that file's list)`.
#[derive(Debug, Default)]
pub struct Index {
    /// Owner IDs.
    pub owners: IdMap,
    /// Duty IDs.
    pub duties: IdMap,
    /// KPI IDs.
    pub kpis: IdMap,
    /// Team IDs, to the file that declares the team.
    pub teams: HashMap<String, FileId>,
}

/// Builds the index and returns it with the E003 and E004 findings.
pub(super) fn resolve(specs: &[Option<SpecFile>]) -> (Index, Vec<Diagnostic>) {
    let mut index = Index::default();
    let mut out = Vec::new();
    for spec in specs.iter().flatten() {
        let f = spec.file;
        if let Some(id) = spec.team.as_ref().and_then(|t| t.id.as_ref()) {
            match index.teams.entry(id.value.clone()) {
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
        for (i, o) in spec.owners.iter().enumerate() {
            insert(
                &mut index.owners,
                specs,
                "owner",
                &o.id,
                f,
                i,
                &mut out,
                |s, i| &s.owners[i].id,
            );
        }
        for (i, d) in spec.duties.iter().enumerate() {
            insert(
                &mut index.duties,
                specs,
                "duty",
                &d.id,
                f,
                i,
                &mut out,
                |s, i| &s.duties[i].id,
            );
        }
        for (i, k) in spec.kpis.iter().enumerate() {
            insert(
                &mut index.kpis,
                specs,
                "KPI",
                &k.id,
                f,
                i,
                &mut out,
                |s, i| &s.kpis[i].id,
            );
        }
    }
    for spec in specs.iter().flatten() {
        check_references(spec, &index, &mut out);
    }
    (index, out)
}

#[allow(clippy::too_many_arguments)]
fn insert(
    map: &mut IdMap,
    specs: &[Option<SpecFile>],
    kind: &str,
    id: &Spanned<String>,
    file: FileId,
    i: usize,
    out: &mut Vec<Diagnostic>,
    id_of: impl Fn(&SpecFile, usize) -> &Spanned<String>,
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
    id: &Spanned<String>,
    first_file: FileId,
    first: crate::source::Span,
    file: FileId,
) -> Diagnostic {
    Diagnostic::new(
        &DUPLICATE_ID,
        file,
        id.span,
        format!("{kind} ID `{}` is defined twice", id.value),
    )
    .with_label(first_file, first, "first defined here")
    .with_help(format!(
        "give this {kind} an ID of its own, or remove one of the two"
    ))
}

fn check_references(spec: &SpecFile, index: &Index, out: &mut Vec<Diagnostic>) {
    let f = spec.file;
    let mut check = |r: &Spanned<String>, map: &IdMap, kind: &str, key: &str| {
        if map.contains_key(&r.value) {
            return;
        }
        let mut d = Diagnostic::new(
            &UNKNOWN_REFERENCE,
            f,
            r.span,
            format!("`{key}` names unknown {kind} `{}`", r.value),
        );
        d = match did_you_mean(&r.value, map.keys().map(String::as_str)) {
            Some(s) => d.with_help(format!("did you mean `{s}`?")),
            None => d.with_help(format!(
                "define {kind} `{}` under `{}`, or fix the ID",
                r.value,
                plural(kind)
            )),
        };
        out.push(d);
    };
    if let Some(lead) = spec.team.as_ref().and_then(|t| t.lead.as_ref()) {
        check(lead, &index.owners, "owner", "lead");
    }
    for d in &spec.duties {
        if let Some(o) = &d.owner {
            check(o, &index.owners, "owner", "owner");
        }
    }
    for k in &spec.kpis {
        if let Some(o) = &k.owner {
            check(o, &index.owners, "owner", "owner");
        }
        if let Some(d) = &k.duty {
            check(d, &index.duties, "duty", "duty");
        }
        for c in &k.contributors {
            check(c, &index.owners, "owner", "contributors");
        }
    }
}

fn plural(kind: &str) -> &'static str {
    match kind {
        "duty" => "duties",
        "KPI" => "kpis",
        _ => "owners",
    }
}
