//! E005 `hierarchy-cycle`: a team `parent` or objective `parent` chain that returns to itself.

use std::collections::HashMap;

use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::rules::{Context, Rule, RuleMeta};
use crate::source::{FileId, Span};

declare_rule! {
    /// ## What it does
    /// Reports a team whose chain of `parent` teams comes back to the team itself, and an
    /// objective whose chain of `parent` objectives comes back to the objective itself. Each
    /// member of the cycle is reported at its `parent`. (A `parent` that names nothing is
    /// `unknown-reference`, E004.)
    ///
    /// ## Why it matters
    /// Teams and objectives form trees: a company objective is split into department
    /// objectives, a department into teams. A cycle has no top, so the handbook cannot place
    /// its members and nobody can say which goal a KPI finally serves.
    ///
    /// ## Example
    /// ```yaml
    /// objectives:
    ///   - {id: grow-revenue, name: Grow revenue, parent: grow-repeat-buyers}
    ///   - {id: grow-repeat-buyers, name: Grow repeat buyers, parent: grow-revenue}
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// objectives:
    ///   - {id: grow-revenue, name: Grow revenue}
    ///   - {id: grow-repeat-buyers, name: Grow repeat buyers, parent: grow-revenue}
    /// ```
    pub static HIERARCHY_CYCLE = {
        code: "E005",
        name: "hierarchy-cycle",
        level: Error,
        summary: "a team `parent` or objective `parent` chain that returns to itself",
    }
}

/// Checks that team and objective parents form trees.
pub struct HierarchyCycle;

/// One item of a hierarchy: where it is, and the index of its parent among the items.
struct Item<'a> {
    id: &'a str,
    file: FileId,
    parent: Option<(usize, Span)>,
}

impl Rule for HierarchyCycle {
    fn meta(&self) -> &'static RuleMeta {
        &HIERARCHY_CYCLE
    }

    fn check_workspace(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        let ws = cx.ws;
        // Teams: one a file, the first definition of an ID wins (E003 reports the others).
        let teams: Vec<(FileId, &str, Option<&crate::workspace::Spanned<_>>)> = ws
            .all_specs()
            .filter_map(|s| {
                let t = s.team.as_ref()?;
                let id = t.id.as_ref()?;
                (ws.index.teams.get(id.as_str()) == Some(&s.file)).then_some((
                    s.file,
                    id.as_str(),
                    t.parent.as_ref(),
                ))
            })
            .collect();
        report(
            "team",
            &link(teams.iter().map(|&(f, id, p)| (f, id, p))),
            cx,
            out,
        );
        let objectives: Vec<_> = ws
            .all_specs()
            .flat_map(|s| {
                s.objectives
                    .iter()
                    .enumerate()
                    .map(move |(i, o)| (s.file, i, o))
            })
            .filter(|(f, i, o)| ws.index.objectives.get(o.id.as_str()) == Some(&(*f, *i)))
            .map(|(f, _, o)| (f, o.id.as_str(), o.parent.as_ref()))
            .collect();
        report(
            "objective",
            &link(objectives.iter().map(|&(f, id, p)| (f, id, p))),
            cx,
            out,
        );
    }
}

/// The items with their parents found among them.
fn link<'a>(
    items: impl Iterator<
        Item = (
            FileId,
            &'a str,
            Option<&'a crate::workspace::Spanned<crate::workspace::Text>>,
        ),
    >,
) -> Vec<Item<'a>> {
    let items: Vec<_> = items.collect();
    let at: HashMap<&str, usize> = items
        .iter()
        .enumerate()
        .map(|(i, (_, id, _))| (*id, i))
        .collect();
    items
        .iter()
        .map(|&(file, id, parent)| Item {
            id,
            file,
            parent: parent.and_then(|p| Some((*at.get(p.value.trim())?, p.span))),
        })
        .collect()
}

/// E005 at every member of each cycle that is in a reported file. Each item has at most one
/// parent, so one walk per item, marking what it has seen, finds every cycle in linear time.
fn report(kind: &str, items: &[Item<'_>], cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    // 0: not seen; 1: on the walk under way; 2: done.
    let mut state = vec![0u8; items.len()];
    for start in 0..items.len() {
        let mut path = Vec::new();
        let mut at = Some(start);
        while let Some(i) = at {
            match state[i] {
                0 => {
                    state[i] = 1;
                    path.push(i);
                    at = items[i].parent.map(|(p, _)| p);
                }
                1 => {
                    // Back on this walk: the path from `i` on is a cycle.
                    let from = path.iter().position(|&p| p == i).unwrap_or(0);
                    let cycle = &path[from..];
                    for &member in cycle {
                        if cx
                            .ws
                            .reported
                            .get(items[member].file)
                            .copied()
                            .unwrap_or(false)
                        {
                            out.push(diagnostic(kind, items, cycle, member));
                        }
                    }
                    break;
                }
                _ => break,
            }
        }
        for i in path {
            state[i] = 2;
        }
    }
}

/// The finding at `member`'s `parent`, naming the whole cycle from it.
fn diagnostic(kind: &str, items: &[Item<'_>], cycle: &[usize], member: usize) -> Diagnostic {
    let item = &items[member];
    let span = item.parent.map(|(_, s)| s).unwrap_or_default();
    let message = if cycle.len() == 1 {
        format!("{kind} `{}` is its own parent", item.id)
    } else {
        let k = cycle.iter().position(|&c| c == member).unwrap_or(0);
        let chain: Vec<String> = cycle[k..]
            .iter()
            .chain(&cycle[..k])
            .chain(std::iter::once(&member))
            .map(|&c| items[c].id.to_owned())
            .collect();
        format!(
            "{kind} `{}` is its own ancestor: {}",
            item.id,
            chain.join(" → ")
        )
    };
    Diagnostic::new(&HIERARCHY_CYCLE, item.file, span, message).with_help(format!(
        "remove or change one `parent` in the cycle, so that the {kind}s form a tree with a top"
    ))
}
