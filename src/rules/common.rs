//! Small helpers the rules share: reading optional text, the parsed target, the language of
//! examples, and narrowing a span to a word inside a value.

use crate::rules::FileContext;
use crate::source::Span;
use crate::target::{self, Target};
use crate::workspace::{Kpi, Spanned, SpecFile};

pub(crate) use crate::workspace::spec::filled;

/// The KPI's target, when it is written and measurable.
pub(crate) fn target_of(kpi: &Kpi) -> Option<Target> {
    kpi.parsed_target().cloned()
}

/// Whether examples in help should be Chinese: the team's locale is Chinese or the KPI is
/// named in Chinese.
pub(crate) fn zh(file: &SpecFile, kpi: Option<&Kpi>) -> bool {
    let locale = file
        .team
        .as_ref()
        .and_then(|t| t.locale.as_ref())
        .is_some_and(|l| l.value.starts_with("zh"));
    locale
        || kpi
            .and_then(|k| k.name.as_ref())
            .is_some_and(|n| target::has_cjk(&n.value))
}

/// The span of the bytes `start..end` of a string value: exact when the value is written as is
/// (plain or simply quoted on one line); else the same occurrence of those bytes in what is
/// written (a block scalar, a quoted value with escapes elsewhere), when they are written as
/// they are; else the whole value.
pub(crate) fn sub_span(
    cx: &FileContext<'_>,
    value: &Spanned<crate::workspace::Text>,
    start: usize,
    end: usize,
) -> Span {
    let Some(written) = cx.source.text.get(value.span.lo()..value.span.hi()) else {
        return value.span;
    };
    let offset = if written == value.value {
        0
    } else if written.len() == value.value.len() + 2
        && (written.starts_with('"') || written.starts_with('\''))
        && written.get(1..written.len() - 1) == Some(value.value.as_str())
    {
        1
    } else {
        let Some(part) = value.value.get(start..end).filter(|p| !p.is_empty()) else {
            return value.span;
        };
        let nth = value.value[..start].matches(part).count();
        return match written.match_indices(part).nth(nth) {
            Some((at, _)) => Span::new(value.span.lo() + at, value.span.lo() + at + part.len()),
            None => value.span,
        };
    };
    Span::new(
        value.span.lo() + offset + start,
        value.span.lo() + offset + end,
    )
}

/// `2`, `2.5`, `0.33`: a number rounded to two decimals for help text.
pub(crate) fn round2(v: f64) -> String {
    target::format_number((v * 100.0).round() / 100.0)
}

/// ` reports`, ` %`, or nothing: the unit of a target, for examples.
pub(crate) fn unit_suffix(t: &Target) -> String {
    t.unit
        .as_deref()
        .map(|u| format!(" {u}"))
        .unwrap_or_default()
}

/// A KPI with its file and its `owner` value.
#[derive(Clone, Copy)]
pub(crate) struct OwnedKpi<'a> {
    /// The file it is in.
    pub file: crate::source::FileId,
    /// The KPI.
    pub kpi: &'a Kpi,
    /// Its `owner` value.
    pub owner: &'a Spanned<crate::workspace::Text>,
}

/// Every defined owner ID with the KPIs it owns across the workspace, in workspace order
/// (files by name, KPIs in file order). Owner IDs that name no owner are left out: E004
/// reports them, and counting them would only repeat that finding.
pub(crate) fn kpis_by_owner<'a>(
    ws: &'a crate::workspace::Workspace,
) -> Vec<(&'a str, Vec<OwnedKpi<'a>>)> {
    let mut at: std::collections::HashMap<&str, usize, crate::workspace::IdBuildHasher> =
        Default::default();
    let mut groups: Vec<(&str, Vec<OwnedKpi<'a>>)> = Vec::new();
    for spec in ws.all_specs() {
        for kpi in &spec.kpis {
            if let Some(owner) = filled(&kpi.owner) {
                let id = owner.value.trim();
                if !ws.index.defines("owner", id) {
                    continue;
                }
                let i = *at.entry(id).or_insert_with(|| {
                    groups.push((id, Vec::new()));
                    groups.len() - 1
                });
                groups[i].1.push(OwnedKpi {
                    file: spec.file,
                    kpi,
                    owner,
                });
            }
        }
    }
    groups
}
