//! What is at the cursor (an owner, duty, KPI or team ID, defined or referred to; a rule in a
//! suppression), where IDs are defined and referred to across files, and the hover text.

use std::fmt::Write as _;

use crate::commands::explain::explain_text;
use crate::diagnostic::Diagnostic;
use crate::emit::markdown::inline;
use crate::rules::RuleMeta;
use crate::source::{FileId, Span};
use crate::suppress;
use crate::target::format_number;
use crate::workspace::{Spanned, SpecFile, Text, Workspace};

/// The kinds of IDs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An owner (a person).
    Owner,
    /// A duty.
    Duty,
    /// A KPI.
    Kpi,
    /// A team.
    Team,
    /// An objective.
    Objective,
}

impl Kind {
    /// The word for the kind in messages.
    pub fn word(self) -> &'static str {
        match self {
            Kind::Owner => "owner",
            Kind::Duty => "duty",
            Kind::Kpi => "KPI",
            Kind::Team => "team",
            Kind::Objective => "objective",
        }
    }
}

/// An ID in a file: its kind, the ID, where it is written, and whether it is the definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdAt<'a> {
    /// The kind of item the ID names.
    pub kind: Kind,
    /// The ID.
    pub id: &'a str,
    /// Where it is written.
    pub span: Span,
    /// Whether this is where the item is defined (its `id`), not a reference to it.
    pub definition: bool,
}

/// Every ID written in a file, definitions and references, in no particular order.
pub fn ids_in(spec: &SpecFile) -> Vec<IdAt<'_>> {
    fn push<'a>(out: &mut Vec<IdAt<'a>>, kind: Kind, s: &'a Spanned<Text>, definition: bool) {
        out.push(IdAt {
            kind,
            id: s.as_str(),
            span: s.span,
            definition,
        });
    }
    let mut out = Vec::new();
    if let Some(team) = &spec.team {
        if let Some(id) = &team.id {
            push(&mut out, Kind::Team, id, true);
        }
        if let Some(lead) = &team.lead {
            push(&mut out, Kind::Owner, lead, false);
        }
        if let Some(parent) = &team.parent {
            push(&mut out, Kind::Team, parent, false);
        }
    }
    for o in &spec.objectives {
        push(&mut out, Kind::Objective, &o.id, true);
        if let Some(owner) = &o.owner {
            push(&mut out, Kind::Owner, owner, false);
        }
        if let Some(parent) = &o.parent {
            push(&mut out, Kind::Objective, parent, false);
        }
    }
    for o in &spec.owners {
        push(&mut out, Kind::Owner, &o.id, true);
    }
    for d in &spec.duties {
        push(&mut out, Kind::Duty, &d.id, true);
        if let Some(o) = &d.owner {
            push(&mut out, Kind::Owner, o, false);
        }
    }
    for k in &spec.kpis {
        push(&mut out, Kind::Kpi, &k.id, true);
        if let Some(o) = &k.owner {
            push(&mut out, Kind::Owner, o, false);
        }
        if let Some(d) = &k.duty {
            push(&mut out, Kind::Duty, d, false);
        }
        for c in k
            .contributors
            .iter()
            .chain(k.consulted())
            .chain(k.informed())
        {
            push(&mut out, Kind::Owner, c, false);
        }
        for o in k.supports() {
            push(&mut out, Kind::Objective, o, false);
        }
    }
    out
}

/// The ID at byte `offset` of a file (the cursor touches it: at its end counts).
pub fn id_at(spec: &SpecFile, offset: usize) -> Option<IdAt<'_>> {
    ids_in(spec)
        .into_iter()
        .find(|i| i.span.lo() <= offset && offset <= i.span.hi())
}

/// Where an ID is defined: every definition, the one in force (the first) first.
pub fn definitions(ws: &Workspace, kind: Kind, id: &str) -> Vec<(FileId, Span)> {
    let first = match kind {
        Kind::Owner => ws.index.owners.get(id).copied(),
        Kind::Duty => ws.index.duties.get(id).copied(),
        Kind::Kpi => ws.index.kpis.get(id).copied(),
        Kind::Team => ws.index.teams.get(id).map(|&f| (f, 0)),
        Kind::Objective => ws.index.objectives.get(id).copied(),
    };
    if first.is_none() {
        return Vec::new();
    }
    let mut out = places(ws, kind, id, true);
    // The definition in force (the index's) first; the others are duplicates (E003).
    if let Some((f, _)) = first
        && let Some(i) = out.iter().position(|(file, _)| *file == f)
    {
        let p = out.remove(i);
        out.insert(0, p);
    }
    out
}

/// Where an ID is referred to (and, with `definitions`, defined), in file order.
pub fn places(ws: &Workspace, kind: Kind, id: &str, definitions: bool) -> Vec<(FileId, Span)> {
    ws.all_specs()
        .flat_map(|spec| {
            ids_in(spec)
                .into_iter()
                .filter(|i| i.kind == kind && i.id == id && i.definition == definitions)
                .map(|i| (spec.file, i.span))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The rule named in a suppression comment at byte `offset` of file `file`, and where.
pub fn rule_at(ws: &Workspace, file: FileId, offset: usize) -> Option<(&'static RuleMeta, Span)> {
    let source = ws.files.get(file)?;
    if !source.text.contains("kpic:") {
        return None;
    }
    suppress::parse(source)
        .list
        .into_iter()
        .flat_map(|s| s.entries)
        .find(|e| e.span.lo() <= offset && offset <= e.span.hi())
        .and_then(|e| Some((e.rule?, e.span)))
}

/// The hover text (Markdown) for an ID: what it names, where, and for an owner what they are
/// accountable for. User text is escaped, so it cannot become markup.
pub fn describe(ws: &Workspace, at: &IdAt<'_>) -> String {
    let mut out = String::new();
    let id = inline(at.id);
    let place = |file: FileId, span: Span| {
        ws.files.get(file).map_or_else(String::new, |f| {
            format!("{}:{}", inline(&f.name), f.line_of(span.lo()))
        })
    };
    let defined = definitions(ws, at.kind, at.id);
    let Some(&(file, span)) = defined.first() else {
        let _ = write!(
            out,
            "unknown {} **{id}**: no file defines it",
            at.kind.word()
        );
        return out;
    };
    let text = |t: &Option<Spanned<Text>>| t.as_ref().map(|t| inline(t.as_str()));
    match at.kind {
        Kind::Owner => {
            let owner = ws.owner(at.id);
            let _ = write!(out, "**owner {id}**");
            if let Some(name) = owner.and_then(|o| text(&o.name)) {
                let _ = write!(out, ": {name}");
            }
            if let Some(title) = owner.and_then(|o| text(&o.title)) {
                let _ = write!(out, ", {title}");
            }
            let (count, weight) = accountable(ws, at.id);
            let _ = write!(
                out,
                "\n\naccountable for {count} KPI{}, weights total {}",
                if count == 1 { "" } else { "s" },
                format_number(weight)
            );
        }
        Kind::Duty => {
            let duty = ws.duty(at.id);
            let _ = write!(out, "**duty {id}**");
            if let Some(name) = duty.and_then(|d| text(&d.name)) {
                let _ = write!(out, ": {name}");
            }
            if let Some(owner) = duty.and_then(|d| text(&d.owner)) {
                let _ = write!(out, "\n\nowner {owner}");
            }
            let measured = places(ws, Kind::Duty, at.id, false).len();
            let _ = write!(
                out,
                "\n\nmeasured by {measured} KPI{}",
                if measured == 1 { "" } else { "s" }
            );
        }
        Kind::Kpi => {
            let _ = write!(out, "**KPI {id}**");
            if let Some((_, kpi)) = ws.kpi(at.id) {
                if let Some(name) = text(&kpi.name) {
                    let _ = write!(out, ": {name}");
                }
                let mut facts = Vec::new();
                if let Some(o) = text(&kpi.owner) {
                    facts.push(format!("owner {o}"));
                }
                if let Some(d) = text(&kpi.duty) {
                    facts.push(format!("duty {d}"));
                }
                let target = match kpi.parsed_target() {
                    Some(t) => Some(t.to_string()),
                    None => kpi
                        .target
                        .as_ref()
                        .and_then(|t| t.value.as_str().map(str::to_owned)),
                };
                if let Some(t) = target {
                    facts.push(format!("target {}", inline(&t)));
                }
                if let Some(w) = &kpi.weight {
                    facts.push(format!("weight {}", format_number(w.value)));
                }
                if !facts.is_empty() {
                    let _ = write!(out, "\n\n{}", facts.join(", "));
                }
            }
        }
        Kind::Team => {
            let _ = write!(out, "**team {id}**");
            if let Some(name) = ws.team_of(file).and_then(|t| text(&t.name)) {
                let _ = write!(out, ": {name}");
            }
            if let Some(Some(spec)) = ws.specs.get(file) {
                let _ = write!(
                    out,
                    "\n\n{} duties, {} KPIs",
                    spec.duties.len(),
                    spec.kpis.len()
                );
            }
        }
        Kind::Objective => {
            let objective = ws
                .index
                .objectives
                .get(at.id)
                .and_then(|&(f, i)| ws.specs.get(f)?.as_ref()?.objectives.get(i));
            let _ = write!(out, "**objective {id}**");
            if let Some(name) = objective.and_then(|o| text(&o.name)) {
                let _ = write!(out, ": {name}");
            }
            if let Some(owner) = objective.and_then(|o| text(&o.owner)) {
                let _ = write!(out, "\n\nowner {owner}");
            }
            let supported = places(ws, Kind::Objective, at.id, false).len();
            let _ = write!(
                out,
                "\n\nreferred to {supported} time{} (KPIs' `supports`, objectives' `parent`)",
                if supported == 1 { "" } else { "s" }
            );
        }
    }
    let _ = write!(out, "\n\ndefined in {}", place(file, span));
    if defined.len() > 1 {
        let _ = write!(out, " (and {} more times: E003)", defined.len() - 1);
    }
    out
}

/// The hover text for rules: each one's `kpic explain` text.
pub fn explain_rules(rules: &[&'static RuleMeta]) -> String {
    let mut seen: Vec<&str> = Vec::new();
    let mut out = Vec::new();
    for r in rules {
        if !seen.contains(&r.code) {
            seen.push(r.code);
            out.push(explain_text(r));
        }
    }
    out.join("\n---\n\n")
}

/// The rules of the findings at byte `offset`.
pub fn rules_of_findings_at(findings: &[Diagnostic], offset: usize) -> Vec<&'static RuleMeta> {
    findings
        .iter()
        .filter(|d| d.span.lo() <= offset && offset <= d.span.hi())
        .map(|d| d.rule)
        .collect()
}

/// How many KPIs an owner is accountable for, and the sum of their weights.
fn accountable(ws: &Workspace, owner: &str) -> (usize, f64) {
    ws.all_specs()
        .flat_map(|s| &s.kpis)
        .filter(|k| k.owner.as_ref().is_some_and(|o| o.as_str().trim() == owner))
        .fold((0, 0.0), |(n, w), k| {
            (n + 1, w + k.weight.as_ref().map_or(0.0, |w| w.value))
        })
}
