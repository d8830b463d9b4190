//! The outline of a spec file (its team, with the owners, duties and KPIs it defines) and the
//! workspace's symbols (every ID defined, found by ID or name).
// `deprecated` is a field of the LSP symbol types that must still be written (as `None`).
#![allow(deprecated)]

use std::collections::HashMap;

use lsp_types::{DocumentSymbol, Location, SymbolInformation, SymbolKind, Uri};

use super::position::LineIndex;
use crate::emit::markdown::flatten;
use crate::source::{FileId, Span};
use crate::workspace::{Spanned, SpecFile, Text, Workspace};

/// The most workspace symbols in one answer.
pub const MAX_SYMBOLS: usize = 200;

/// One symbol before it gets positions: name, detail, kind, its whole span and its ID's span.
struct Found {
    name: String,
    detail: Option<String>,
    kind: SymbolKind,
    span: Span,
    id: Span,
}

/// The symbols a file defines: the team first, then owners, duties and KPIs.
fn found_in(spec: &SpecFile) -> (Option<Found>, Vec<Found>) {
    let detail = |t: &Option<Spanned<Text>>| t.as_ref().map(|t| flatten(t.as_str()));
    let team = spec.team.as_ref().map(|t| Found {
        name: t
            .id
            .as_ref()
            .map_or_else(|| "team".to_owned(), |i| i.value.to_string()),
        detail: detail(&t.name),
        kind: SymbolKind::NAMESPACE,
        span: spec.root_span,
        id: t.id.as_ref().map_or(t.key_span, |i| i.span),
    });
    let item = |kind, id: &Spanned<Text>, name: &Option<Spanned<Text>>, span| Found {
        name: id.value.to_string(),
        detail: detail(name),
        kind,
        span,
        id: id.span,
    };
    let items = (spec.owners.iter())
        .map(|o| item(SymbolKind::OBJECT, &o.id, &o.name, o.span))
        .chain((spec.duties.iter()).map(|d| item(SymbolKind::CLASS, &d.id, &d.name, d.span)))
        .chain((spec.kpis.iter()).map(|k| item(SymbolKind::FIELD, &k.id, &k.name, k.span)))
        .collect();
    (team, items)
}

/// The outline of one file: its team holding what the file defines (or, in a file without a
/// team, the owners on their own).
pub fn outline(spec: &SpecFile, lines: &LineIndex<'_>) -> Vec<DocumentSymbol> {
    let symbol = |f: Found, children: Option<Vec<DocumentSymbol>>| {
        // The whole range must hold the ID's.
        let span = Span::new(f.span.lo().min(f.id.lo()), f.span.hi().max(f.id.hi()));
        DocumentSymbol {
            name: f.name,
            detail: f.detail,
            kind: f.kind,
            tags: None,
            deprecated: None,
            range: lines.range(span),
            selection_range: lines.range(f.id),
            children,
        }
    };
    let (team, items) = found_in(spec);
    let children: Vec<DocumentSymbol> = items.into_iter().map(|f| symbol(f, None)).collect();
    match team {
        Some(team) => vec![symbol(team, Some(children))],
        None => children,
    }
}

/// The symbols of the workspace whose ID or name holds `query` (any case), at most
/// [`MAX_SYMBOLS`].
pub fn search(
    ws: &Workspace,
    query: &str,
    uri_of: &dyn Fn(FileId) -> Option<Uri>,
) -> Vec<SymbolInformation> {
    let query = query.to_lowercase();
    let matches = |f: &Found| {
        f.name.to_lowercase().contains(&query)
            || f.detail
                .as_ref()
                .is_some_and(|d| d.to_lowercase().contains(&query))
    };
    let mut lines: HashMap<FileId, LineIndex<'_>> = HashMap::new();
    let mut out = Vec::new();
    for spec in ws.all_specs() {
        let (team, items) = found_in(spec);
        let container = team.as_ref().map(|t| t.name.clone());
        for f in team.into_iter().chain(items) {
            if out.len() >= MAX_SYMBOLS {
                return out;
            }
            if !matches(&f) {
                continue;
            }
            let Some(uri) = uri_of(spec.file) else {
                continue;
            };
            let index = lines
                .entry(spec.file)
                .or_insert_with(|| LineIndex::new(&ws.files[spec.file].text));
            let is_team = f.kind == SymbolKind::NAMESPACE;
            out.push(SymbolInformation {
                name: f.name,
                kind: f.kind,
                tags: None,
                deprecated: None,
                location: Location {
                    uri,
                    range: index.range(f.id),
                },
                container_name: if is_team { None } else { container.clone() },
            });
        }
    }
    out
}
