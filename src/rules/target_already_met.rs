//! A003 `target-already-met`: the baseline already meets the target.

use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::rules::common::{round2, target_of, unit_suffix};
use crate::rules::{FileContext, Rule, RuleMeta};
use crate::source::Span;
use crate::target::{Direction, Target, UnitKind, format_number};
use crate::workspace::{Kpi, SpecFile};

declare_rule! {
    /// ## What it does
    /// Reports a KPI whose `baseline` (the current level) already meets its target.
    ///
    /// ## Why it matters
    /// A target that is met before the period starts asks for nothing: either the target is
    /// too low or the baseline is out of date. To keep a good level, say so with a target at
    /// the level to hold and a baseline that shows the recent variation.
    ///
    /// ## Example
    /// ```yaml
    /// kpis:
    ///   - id: customer-satisfaction
    ///     target: 90%以上
    ///     baseline: 93
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kpis:
    ///   - id: customer-satisfaction
    ///     target: 95%以上
    ///     baseline: 93
    /// ```
    pub static TARGET_ALREADY_MET = {
        code: "A003",
        name: "target-already-met",
        level: Warning,
        summary: "the `baseline` already meets the target",
    }
}

/// Checks that targets ask for more than the current level.
pub struct TargetAlreadyMet;

impl Rule for TargetAlreadyMet {
    fn meta(&self) -> &'static RuleMeta {
        &TARGET_ALREADY_MET
    }

    fn check_file(&self, _cx: &FileContext<'_>, file: &SpecFile, out: &mut Vec<Diagnostic>) {
        for kpi in &file.kpis {
            if let (Some(target), Some(written), Some(baseline)) =
                (target_of(kpi), &kpi.target, &kpi.baseline)
                && target.is_met_by(baseline.value)
            {
                let finding = AlreadyMet {
                    span: written.span,
                    target,
                    baseline: baseline.value,
                    baseline_span: baseline.span,
                    range: kpi.range.as_ref().map_or((None, None), |r| r.value),
                };
                out.push(diagnostic(file, kpi, &finding));
            }
        }
    }
}

/// A target that the baseline already meets.
struct AlreadyMet {
    /// The target as written.
    span: Span,
    target: Target,
    baseline: f64,
    baseline_span: Span,
    /// The declared `range` of the measure (open ends `None`).
    range: (Option<f64>, Option<f64>),
}

/// A target one step past the baseline, to suggest: the comparison, which side of the
/// baseline it is on, and the value (10% past the baseline, inside the range; counts step by
/// whole things: `>= 6 次` past a baseline of 5, not `>= 5.5 次`).
fn next_step(f: &AlreadyMet) -> Option<(&'static str, &'static str, f64)> {
    let (baseline, (lo, hi)) = (f.baseline, f.range);
    let step = match f.target.direction() {
        Direction::HigherIsBetter => {
            let up = if baseline == 0.0 {
                1.0
            } else {
                baseline + baseline.abs() * 0.1
            };
            let up = hi.map_or(up, |hi| up.min(hi));
            (up > baseline).then_some((">=", "above", up))
        }
        Direction::LowerIsBetter if baseline > 0.0 => {
            let down = baseline - baseline.abs() * 0.1;
            let down = lo.map_or(down, |lo| down.max(lo));
            (down < baseline).then_some(("<=", "below", down))
        }
        _ => None,
    };
    step.map(|(op, side, value)| {
        if f.target.unit_kind() != Some(UnitKind::Count) || value.fract() == 0.0 {
            return (op, side, value);
        }
        let whole = if op == ">=" {
            value.ceil()
        } else {
            value.floor()
        };
        let inside = lo.is_none_or(|lo| whole >= lo) && hi.is_none_or(|hi| whole <= hi);
        (op, side, if inside { whole } else { value })
    })
}

/// The diagnostic of a finding.
fn diagnostic(file: &SpecFile, kpi: &Kpi, f: &AlreadyMet) -> Diagnostic {
    let unit = unit_suffix(&f.target);
    let help = match next_step(f) {
        Some((op, side, value)) => format!(
            "set a target {side} the baseline, e.g. `\"{op} {}{unit}\"`, or update `baseline` if it is out of date",
            round2(value)
        ),
        None => format!(
            "update `baseline` if it is out of date, or hold the level with `\"= {}{unit}\"`",
            format_number(f.baseline)
        ),
    };
    Diagnostic::new(
        &TARGET_ALREADY_MET,
        file.file,
        f.span,
        format!(
            "KPI `{}` already meets its target: the baseline {} meets `{}`",
            kpi.id.value,
            format_number(f.baseline),
            f.target
        ),
    )
    .with_help(help)
    .with_label(file.file, f.baseline_span, "the baseline")
}
