//! A001 `impossible-target`: a target that can never be met.

use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::rules::common::{target_of, unit_suffix};
use crate::rules::{FileContext, Rule, RuleMeta};
use crate::source::Span;
use crate::target::{Op, Target, UnitKind, format_number};
use crate::workspace::{Kpi, SpecFile};

declare_rule! {
    /// ## What it does
    /// Reports a target that no value can meet: outside the declared `range` of the measure,
    /// or below zero for a percentage, a count or a duration (`< 0 h`, `<= -1 %`). A range
    /// whose minimum is above its maximum is reported too.
    ///
    /// Percent, count and duration measures have a floor of zero unless `range` says
    /// otherwise. A percentage above 100 is fine (an ROI of 150 %) unless `range` caps it,
    /// e.g. `range: [0, 100]` for a share.
    ///
    /// ## Why it matters
    /// An impossible target is usually a typo (a sign or an operator the wrong way round) and
    /// guarantees a failed scorecard whatever the owner does.
    ///
    /// ## Example
    /// ```yaml
    /// kpis:
    ///   - id: customer-satisfaction
    ///     target: ">= 120 %"
    ///     range: [0, 100]
    ///   - id: first-response-time
    ///     target: "< 0 h"
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kpis:
    ///   - id: customer-satisfaction
    ///     target: ">= 95 %"
    ///     range: [0, 100]
    ///   - id: first-response-time
    ///     target: "< 4 h"
    /// ```
    pub static IMPOSSIBLE_TARGET = {
        code: "A001",
        name: "impossible-target",
        level: Error,
        summary: "a target that can never be met: outside `range`, or below zero for a %, count or duration",
    }
}

/// Checks that every target can be met.
pub struct ImpossibleTarget;

impl Rule for ImpossibleTarget {
    fn meta(&self) -> &'static RuleMeta {
        &IMPOSSIBLE_TARGET
    }

    fn check_file(&self, _cx: &FileContext<'_>, file: &SpecFile, out: &mut Vec<Diagnostic>) {
        out.extend(
            file.kpis
                .iter()
                .filter_map(|kpi| find(kpi).map(|f| diagnostic(file, kpi, f))),
        );
    }
}

/// Why a KPI's target can never be met.
enum Finding {
    /// The declared `range` is empty: its minimum is above its maximum.
    EmptyRange { span: Span, lo: f64, hi: f64 },
    /// The target asks for a value below what the measure can take: the range's minimum
    /// (`range` is its span), or zero for a percentage, duration or count.
    BelowFloor {
        span: Span,
        target: Target,
        floor: f64,
        range: Option<Span>,
    },
    /// The target asks for a value above the range's maximum.
    AboveRange {
        span: Span,
        target: Target,
        ceiling: f64,
        range: Option<Span>,
    },
}

/// The first reason `kpi`'s target cannot be met, if any.
fn find(kpi: &Kpi) -> Option<Finding> {
    let range = kpi.range.as_ref().map(|r| r.value).unwrap_or((None, None));
    let range_span = kpi.range.as_ref().map(|r| r.span);
    if let (Some(lo), Some(hi), Some(span)) = (range.0, range.1, range_span)
        && lo > hi
    {
        return Some(Finding::EmptyRange { span, lo, hi });
    }
    let (target, written) = (target_of(kpi)?, kpi.target.as_ref()?);
    let natural_floor = matches!(
        target.unit_kind(),
        Some(UnitKind::Percent | UnitKind::Duration | UnitKind::Count)
    );
    let (v, op) = (target.value, target.op);
    if let Some(lo) = range.0.or(natural_floor.then_some(0.0)) {
        let below = match op {
            Op::Le | Op::Eq => v < lo,
            Op::Lt => v <= lo,
            Op::Ge | Op::Gt => false,
        };
        if below {
            return Some(Finding::BelowFloor {
                span: written.span,
                target,
                floor: lo,
                range: range_span.filter(|_| range.0.is_some()),
            });
        }
    }
    let hi = range.1?;
    let above = match op {
        Op::Ge | Op::Eq => v > hi,
        Op::Gt => v >= hi,
        Op::Le | Op::Lt => false,
    };
    above.then_some(Finding::AboveRange {
        span: written.span,
        target,
        ceiling: hi,
        range: range_span,
    })
}

fn kind_name(kind: Option<UnitKind>) -> &'static str {
    match kind {
        Some(UnitKind::Percent) => "percentage",
        Some(UnitKind::Duration) => "duration",
        _ => "count",
    }
}

/// The diagnostic of a finding.
fn diagnostic(file: &SpecFile, kpi: &Kpi, finding: Finding) -> Diagnostic {
    let id = &kpi.id.value;
    let never = |target: &Target, why: String| {
        format!("the target `{target}` of KPI `{id}` can never be met: {why}")
    };
    let (span, message, help, range) = match finding {
        Finding::EmptyRange { span, lo, hi } => (
            span,
            format!(
                "the range of KPI `{id}` is empty: its minimum {} is above its maximum {}",
                format_number(lo),
                format_number(hi)
            ),
            format!(
                "write `range: [{}, {}]`, the lowest value first",
                format_number(hi),
                format_number(lo)
            ),
            None,
        ),
        Finding::BelowFloor {
            span,
            target,
            floor,
            range,
        } => {
            let why = match range {
                Some(_) => "the declared `range`".to_owned(),
                None => format!("a {} is never negative", kind_name(target.unit_kind())),
            };
            (
                span,
                never(
                    &target,
                    format!("the value cannot go below {} ({why})", format_number(floor)),
                ),
                format!(
                    "write a target the value can reach, e.g. `\"<= {}{}\"`{}",
                    format_number(floor),
                    unit_suffix(&target),
                    if range.is_some() { ", or widen `range`" } else { "" }
                ),
                range,
            )
        }
        Finding::AboveRange {
            span,
            target,
            ceiling,
            range,
        } => (
            span,
            never(
                &target,
                format!(
                    "the value cannot go above {} (the declared `range`)",
                    format_number(ceiling)
                ),
            ),
            format!(
                "write a target the value can reach, e.g. `\"{} {}{}\"`, or widen `range`",
                if target.op == Op::Eq { "=" } else { ">=" },
                format_number(ceiling),
                unit_suffix(&target)
            ),
            range,
        ),
    };
    let mut d = Diagnostic::new(&IMPOSSIBLE_TARGET, file.file, span, message).with_help(help);
    if let Some(r) = range {
        d = d.with_label(file.file, r, "the range of the measure");
    }
    d
}
