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
                out.push(diagnostic(
                    file,
                    kpi,
                    written.span,
                    &target,
                    baseline.value,
                    baseline.span,
                ));
            }
        }
    }
}

fn diagnostic(
    file: &SpecFile,
    kpi: &Kpi,
    span: Span,
    target: &Target,
    baseline: f64,
    baseline_span: Span,
) -> Diagnostic {
    let unit = unit_suffix(target);
    let (lo, hi) = kpi.range.as_ref().map_or((None, None), |r| r.value);
    // A step of 10% past the baseline, kept inside the declared range.
    let step = match target.direction() {
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
    // Counts step by whole things: `>= 6 次` past a baseline of 5, not `>= 5.5 次`.
    let step = step.map(|(op, side, value)| {
        if target.unit_kind() != Some(UnitKind::Count) || value.fract() == 0.0 {
            return (op, side, value);
        }
        let whole = if op == ">=" {
            value.ceil()
        } else {
            value.floor()
        };
        let inside = lo.is_none_or(|lo| whole >= lo) && hi.is_none_or(|hi| whole <= hi);
        (op, side, if inside { whole } else { value })
    });
    let help = match step {
        Some((op, side, value)) => format!(
            "set a target {side} the baseline, e.g. `\"{op} {}{unit}\"`, or update `baseline` if it is out of date",
            round2(value)
        ),
        None => format!(
            "update `baseline` if it is out of date, or hold the level with `\"= {}{unit}\"`",
            format_number(baseline)
        ),
    };
    Diagnostic::new(
        &TARGET_ALREADY_MET,
        file.file,
        span,
        format!(
            "KPI `{}` already meets its target: the baseline {} meets `{target}`",
            kpi.id.value,
            format_number(baseline)
        ),
    )
    .with_help(help)
    .with_label(file.file, baseline_span, "the baseline")
}
