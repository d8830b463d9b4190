//! What a check of given files (the pre-commit case) reports in the other files: the findings
//! there that the given files cause. Each given file is compared with what it was before (its
//! version at `HEAD`, or its model in the model cache):
//!
//! - an owner, duty, objective or team ID it defined that is now defined nowhere: every
//!   reference to it in another file is E004, naming the file it was removed from (or renamed
//!   in);
//! - a duty in another file that its KPIs measured and that no KPI measures now: R002;
//! - an owner whose KPIs it holds, now or before: the R003 (weights) and A004 (too many KPIs)
//!   findings in other files that the same owner did not have before.
//!
//! Each names the given file that caused it. Findings in other files that the given files do
//! not cause stay unreported, as before.

use std::collections::{HashMap, HashSet};

use crate::diagnostic::Diagnostic;
use crate::rules::common::{OwnedKpi, filled};
use crate::rules::{
    Context, UNKNOWN_REFERENCE, duty_without_kpi, owner_overloaded, weights_not_100,
};
use crate::source::FileId;
use crate::workspace::{Spanned, SpecFile, Text, Workspace};

/// The findings that the given files cause in other files.
#[derive(Debug, Default)]
pub(crate) struct Caused {
    /// E004 for the references in other files to IDs that the given files no longer define,
    /// each with the ID (a reference whose ID appears in a file that cannot be loaded waits on
    /// that file instead).
    pub broken: Vec<(Text, Diagnostic)>,
    /// R002, R003 and A004 findings in other files.
    pub findings: Vec<Diagnostic>,
}

/// The findings that the reported files in `before` (file → its model before) cause in the
/// files not reported on.
pub(crate) fn findings(cx: &Context<'_>, before: &HashMap<FileId, SpecFile>) -> Caused {
    let ws = cx.ws;
    if before.is_empty() || ws.reported.iter().all(|r| *r) {
        return Caused::default();
    }
    let mut given: Vec<(FileId, &SpecFile)> = before.iter().map(|(f, s)| (*f, s)).collect();
    given.sort_by_key(|(f, _)| *f);
    let mut caused = Caused {
        broken: broken_references(ws, &given),
        findings: unmeasured_duties(ws, &given),
    };
    caused.findings.extend(owner_findings(cx, &given));
    caused
}

/// The names of `files`, for a message.
fn names(ws: &Workspace, files: &[FileId]) -> String {
    files
        .iter()
        .map(|&f| ws.files[f].name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Says which given files caused a finding.
fn caused_by(mut d: Diagnostic, ws: &Workspace, files: &[FileId]) -> Diagnostic {
    d.message = format!(
        "{} (caused by the change to {})",
        d.message,
        names(ws, files)
    );
    d
}

/// How an ID came to be defined nowhere: removed from a given file, or renamed there (the
/// item in its place now has this ID).
struct Gone<'a> {
    file: FileId,
    renamed: Option<&'a Spanned<Text>>,
}

/// The kinds of ID that references name, as [`Index::defines`](crate::workspace) knows them.
const KINDS: [&str; 4] = ["owner", "duty", "objective", "team"];

/// E004 for every reference in a file not reported on to an ID (of one of [`KINDS`]) that a
/// given file defined before and that nothing defines now.
fn broken_references<'a>(
    ws: &'a Workspace,
    given: &[(FileId, &'a SpecFile)],
) -> Vec<(Text, Diagnostic)> {
    let mut gone: HashMap<(&str, &'a str), Gone<'a>> = HashMap::new();
    for &(f, old) in given {
        let now = ws.specs[f].as_ref();
        let ids = |spec: Option<&'a SpecFile>, kind: &str| -> Vec<&'a Spanned<Text>> {
            match (spec, kind) {
                (None, _) => Vec::new(),
                (Some(s), "owner") => s.owners.iter().map(|o| &o.id).collect(),
                (Some(s), "duty") => s.duties.iter().map(|d| &d.id).collect(),
                (Some(s), "objective") => s.objectives.iter().map(|o| &o.id).collect(),
                (Some(s), _) => s.team.iter().filter_map(|t| t.id.as_ref()).collect(),
            }
        };
        for kind in KINDS {
            let (ids_before, ids_now) = (ids(Some(old), kind), ids(now, kind));
            let before_set: HashSet<&str> = ids_before.iter().map(|i| i.as_str()).collect();
            for (i, id) in ids_before.iter().enumerate() {
                if ws.index.defines(kind, id.as_str()) {
                    continue;
                }
                // The item at the same place now has an ID the file did not have: a rename.
                let renamed = ids_now
                    .get(i)
                    .copied()
                    .filter(|n| !before_set.contains(n.as_str()));
                gone.entry((kind, id.as_str()))
                    .or_insert(Gone { file: f, renamed });
            }
        }
    }
    if gone.is_empty() {
        return Vec::new();
    }
    let mut found: Vec<(FileId, &str, &Spanned<Text>, &Gone<'_>)> = Vec::new();
    for spec in ws.all_specs().filter(|s| !ws.reported[s.file]) {
        references(spec, &mut |kind, r| {
            if let Some(g) = gone.get(&(kind, r.as_str())) {
                found.push((spec.file, kind, r, g));
            }
        });
    }
    // What a removed ID probably became, once per ID (and for a bounded number of them).
    let removed = |kind: &'static str| {
        found
            .iter()
            .filter(move |(_, k, _, g)| *k == kind && g.renamed.is_none())
            .map(|(_, _, r, _)| r.as_str())
    };
    let meant: HashMap<&str, HashMap<&str, &str>> = KINDS
        .iter()
        .map(|&kind| (kind, ws.index.suggestions(kind, removed(kind))))
        .collect();
    found
        .iter()
        .map(|&(file, kind, r, g)| {
            let meant = meant.get(kind).and_then(|m| m.get(r.as_str())).copied();
            let d = broken(ws, file, kind, r, g, meant);
            (r.value.clone(), d)
        })
        .collect()
}

/// The E004 for reference `r` (to a `kind` ID) in `file`, to an ID that is gone as `g` says;
/// `meant` is the ID it probably means now.
fn broken(
    ws: &Workspace,
    file: FileId,
    kind: &str,
    r: &Spanned<Text>,
    g: &Gone<'_>,
    meant: Option<&str>,
) -> Diagnostic {
    let from = &ws.files[g.file].name;
    match g.renamed {
        Some(new) => Diagnostic::new(
            &UNKNOWN_REFERENCE,
            file,
            r.span,
            format!(
                "{kind} `{}` is no longer defined: it was renamed to `{}` in {from}",
                r.value, new.value
            ),
        )
        .with_label(
            g.file,
            new.span,
            format!("`{}` is defined here now", new.value),
        )
        .with_help(format!("write `{}`", new.value)),
        None => {
            let d = Diagnostic::new(
                &UNKNOWN_REFERENCE,
                file,
                r.span,
                format!(
                    "{kind} `{}` is no longer defined: it was removed from {from}",
                    r.value
                ),
            );
            match meant {
                Some(s) => d.with_help(format!("did you mean `{s}`?")),
                None => d.with_help(format!(
                    "define {kind} `{}` again, or change this reference",
                    r.value
                )),
            }
        }
    }
}

/// Calls `f` with every reference of a file (the kind of ID, one of [`KINDS`], and the
/// value), as resolution checks them.
fn references<'a>(spec: &'a SpecFile, f: &mut impl FnMut(&'static str, &'a Spanned<Text>)) {
    if let Some(team) = &spec.team {
        if let Some(lead) = &team.lead {
            f("owner", lead);
        }
        if let Some(parent) = &team.parent {
            f("team", parent);
        }
    }
    for o in &spec.objectives {
        if let Some(owner) = &o.owner {
            f("owner", owner);
        }
        if let Some(parent) = &o.parent {
            f("objective", parent);
        }
    }
    for d in &spec.duties {
        if let Some(o) = &d.owner {
            f("owner", o);
        }
    }
    for k in &spec.kpis {
        if let Some(o) = &k.owner {
            f("owner", o);
        }
        if let Some(d) = &k.duty {
            f("duty", d);
        }
        for o in k.supports() {
            f("objective", o);
        }
        for c in k
            .contributors
            .iter()
            .chain(k.consulted())
            .chain(k.informed())
        {
            f("owner", c);
        }
    }
}

/// R002 for each duty, defined in a file not reported on, that a given file's KPIs measured
/// before and that no KPI measures now.
fn unmeasured_duties(ws: &Workspace, given: &[(FileId, &SpecFile)]) -> Vec<Diagnostic> {
    // Each duty the given files' KPIs measured, with those files, in order.
    let mut was: Vec<(&str, Vec<FileId>)> = Vec::new();
    let mut at: HashMap<&str, usize> = HashMap::new();
    for &(f, old) in given {
        for k in &old.kpis {
            if let Some(d) = filled(&k.duty) {
                let duty = d.value.trim();
                let i = *at.entry(duty).or_insert_with(|| {
                    was.push((duty, Vec::new()));
                    was.len() - 1
                });
                if was[i].1.last() != Some(&f) {
                    was[i].1.push(f);
                }
            }
        }
    }
    if was.is_empty() {
        return Vec::new();
    }
    let measured: HashSet<&str> = ws
        .all_specs()
        .flat_map(|s| &s.kpis)
        .filter_map(|k| filled(&k.duty).map(|d| d.value.trim()))
        .collect();
    let mut out = Vec::new();
    for (duty, causes) in &was {
        if measured.contains(duty) || ws.index.measured_elsewhere(duty) {
            continue;
        }
        let Some(&(file, i)) = ws.index.duties.get(*duty) else {
            continue;
        };
        if ws.reported[file] {
            continue;
        }
        let Some(def) = ws.specs[file].as_ref().map(|s| &s.duties[i]) else {
            continue;
        };
        out.push(caused_by(
            duty_without_kpi::diagnostic(file, def),
            ws,
            causes,
        ));
    }
    out
}

/// R003 and A004 findings in files not reported on, for the owners whose KPIs the given files
/// hold now or held before, that the owner did not have before.
fn owner_findings(cx: &Context<'_>, given: &[(FileId, &SpecFile)]) -> Vec<Diagnostic> {
    let ws = cx.ws;
    // Each owner, with the given files that hold (or held) their KPIs, and their KPIs in the
    // given files before.
    let mut touched: Vec<(&str, Vec<FileId>, Vec<OwnedKpi<'_>>)> = Vec::new();
    let mut at: HashMap<&str, usize> = HashMap::new();
    for &(f, old) in given {
        let now = ws.specs[f].as_ref().map_or(&[][..], |s| &s.kpis[..]);
        for (k, was) in old
            .kpis
            .iter()
            .map(|k| (k, true))
            .chain(now.iter().map(|k| (k, false)))
        {
            let Some(o) = filled(&k.owner) else { continue };
            let owner = o.value.trim();
            let i = *at.entry(owner).or_insert_with(|| {
                touched.push((owner, Vec::new(), Vec::new()));
                touched.len() - 1
            });
            let (_, files, before) = &mut touched[i];
            if !files.contains(&f) {
                files.push(f);
            }
            if was {
                before.push(OwnedKpi {
                    file: f,
                    kpi: k,
                    owner: o,
                });
            }
        }
    }
    if touched.is_empty() {
        return Vec::new();
    }
    let groups: HashMap<&str, &[OwnedKpi<'_>]> = cx
        .kpis_by_owner()
        .iter()
        .map(|(id, list)| (*id, list.as_slice()))
        .collect();
    let given_files: HashSet<FileId> = given.iter().map(|(f, _)| *f).collect();
    let mut out = Vec::new();
    for (owner, files, given_before) in touched {
        if !ws.index.defines("owner", owner) {
            continue;
        }
        let now: &[OwnedKpi<'_>] = groups.get(owner).copied().unwrap_or_default();
        // Before: the same list, with the given files' KPIs as they were.
        let mut before: Vec<OwnedKpi<'_>> = now
            .iter()
            .filter(|o| !given_files.contains(&o.file))
            .copied()
            .chain(given_before)
            .collect();
        before.sort_by_key(|o| o.file);
        let (mut found_now, mut found_before) = (Vec::new(), Vec::new());
        weights_not_100::check_owner_over_time(owner, now, &mut found_now);
        weights_not_100::check_owner_over_time(owner, &before, &mut found_before);
        found_now.extend(owner_overloaded::check_owner(cx, owner, now));
        found_before.extend(owner_overloaded::check_owner(cx, owner, &before));
        let was: HashSet<(&str, &str)> = found_before
            .iter()
            .map(|b| (b.rule.code, b.message.as_str()))
            .collect();
        for d in found_now {
            if !ws.reported[d.file] && !was.contains(&(d.rule.code, d.message.as_str())) {
                out.push(caused_by(d, ws, &files));
            }
        }
    }
    out
}
