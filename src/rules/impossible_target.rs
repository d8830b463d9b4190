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
        for kpi in &file.kpis {
            let range = kpi.range.as_ref().map(|r| r.value).unwrap_or((None, None));
            if let (Some(lo), Some(hi)) = range
                && lo > hi
                && let Some(r) = &kpi.range
            {
                out.push(
                    Diagnostic::new(
                        &IMPOSSIBLE_TARGET,
                        file.file,
                        r.span,
                        format!(
                            "the range of KPI `{}` is empty: its minimum {} is above its maximum {}",
                            kpi.id.value,
                            format_number(lo),
                            format_number(hi)
                        ),
                    )
                    .with_help(format!(
                        "write `range: [{}, {}]`, the lowest value first",
                        format_number(hi),
                        format_number(lo)
                    )),
                );
                continue;
            }
            let (Some(target), Some(written)) = (target_of(kpi), &kpi.target) else {
                continue;
            };
            let natural_floor = matches!(
                target.unit_kind(),
                Some(UnitKind::Percent | UnitKind::Duration | UnitKind::Count)
            );
            let floor = range.0.or(natural_floor.then_some(0.0));
            let (v, op) = (target.value, target.op);
            if let Some(lo) = floor {
                let below = match op {
                    Op::Le | Op::Eq => v < lo,
                    Op::Lt => v <= lo,
                    Op::Ge | Op::Gt => false,
                };
                if below {
                    let why = if range.0.is_some() {
                        "the declared `range`".to_owned()
                    } else {
                        format!("a {} is never negative", kind_name(target.unit_kind()))
                    };
                    out.push(diagnostic(
                        file,
                        kpi,
                        written.span,
                        &target,
                        format!("the value cannot go below {} ({why})", format_number(lo)),
                        format!(
                            "write a target the value can reach, e.g. `\"<= {}{}\"`{}",
                            format_number(lo),
                            unit_suffix(&target),
                            if range.0.is_some() {
                                ", or widen `range`"
                            } else {
                                ""
                            }
                        ),
                        kpi.range
                            .as_ref()
                            .map(|r| r.span)
                            .filter(|_| range.0.is_some()),
                    ));
                    continue;
                }
            }
            if let Some(hi) = range.1 {
                let above = match op {
                    Op::Ge | Op::Eq => v > hi,
                    Op::Gt => v >= hi,
                    Op::Le | Op::Lt => false,
                };
                if above {
                    out.push(diagnostic(
                        file,
                        kpi,
                        written.span,
                        &target,
                        format!(
                            "the value cannot go above {} (the declared `range`)",
                            format_number(hi)
                        ),
                        format!(
                            "write a target the value can reach, e.g. `\"{} {}{}\"`, or widen `range`",
                            if op == Op::Eq { "=" } else { ">=" },
                            format_number(hi),
                            unit_suffix(&target)
                        ),
                        kpi.range.as_ref().map(|r| r.span),
                    ));
                }
            }
        }
    }
}

fn kind_name(kind: Option<UnitKind>) -> &'static str {
    match kind {
        Some(UnitKind::Percent) => "percentage",
        Some(UnitKind::Duration) => "duration",
        _ => "count",
    }
}

fn diagnostic(
    file: &SpecFile,
    kpi: &Kpi,
    span: Span,
    target: &Target,
    why: String,
    help: String,
    range: Option<Span>,
) -> Diagnostic {
    let mut d = Diagnostic::new(
        &IMPOSSIBLE_TARGET,
        file.file,
        span,
        format!(
            "the target `{target}` of KPI `{}` can never be met: {why}",
            kpi.id.value
        ),
    )
    .with_help(help);
    if let Some(r) = range {
        d = d.with_label(file.file, r, "the range of the measure");
    }
    d
}
