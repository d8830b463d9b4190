//! A002 `unrealistic-stretch`: a target far from the baseline.

use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::rules::common::{round2, target_of, unit_suffix};
use crate::rules::{FileContext, OptionKind, OptionMeta, Rule, RuleMeta};
use crate::target::{Direction, Target, format_number};
use crate::workspace::{Kpi, SpecFile};

declare_rule! {
    /// ## What it does
    /// Reports a target that asks for a relative change from `baseline` larger than a
    /// threshold: 50 % by default, set in `kpic.yaml` with
    /// `rules: {unrealistic-stretch: {max-change: 0.3}}`. The change is
    /// `|target − baseline| / |baseline|`; a baseline of zero or a
    /// baseline that already meets the target (`target-already-met`) is not checked.
    ///
    /// ## Why it matters
    /// A target that doubles the current level in one period is rarely achievable, and a KPI
    /// that is missed whatever the owner does stops motivating anyone. Large stretches
    /// should be deliberate and reached in steps.
    ///
    /// ## Example
    /// ```yaml
    /// kpis:
    ///   - id: marketing-campaigns
    ///     target: 不少于6次
    ///     baseline: 2
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kpis:
    ///   - id: marketing-campaigns
    ///     target: 不少于3次
    ///     baseline: 2
    /// ```
    pub static UNREALISTIC_STRETCH = {
        code: "A002",
        name: "unrealistic-stretch",
        level: Warning,
        summary: "the target asks for a relative change from `baseline` above a threshold (default 50%)",
        options: [MAX_CHANGE],
    }
}

/// `max-change`: the largest relative change from the baseline.
const MAX_CHANGE: OptionMeta = OptionMeta {
    name: "max-change",
    kind: OptionKind::Positive { default: 0.5 },
    doc: "Largest relative change from `baseline` (0.5 = 50%, the default).",
    help: "write the largest relative change, e.g. `max-change: 0.3` for 30%",
};

/// Checks that targets are within reach of their baselines.
pub struct UnrealisticStretch;

impl Rule for UnrealisticStretch {
    fn meta(&self) -> &'static RuleMeta {
        &UNREALISTIC_STRETCH
    }

    fn check_file(&self, cx: &FileContext<'_>, file: &SpecFile, out: &mut Vec<Diagnostic>) {
        let max = cx.options.number(&UNREALISTIC_STRETCH, &MAX_CHANGE);
        for kpi in &file.kpis {
            let (Some(target), Some(baseline)) = (target_of(kpi), &kpi.baseline) else {
                continue;
            };
            let b = baseline.value;
            if b == 0.0 || !b.is_finite() || target.is_met_by(b) {
                continue;
            }
            let change = (target.value - b).abs() / b.abs();
            if change > max + 1e-9 {
                out.push(diagnostic(file, kpi, &target, b, change, max).with_label(
                    file.file,
                    baseline.span,
                    "the baseline",
                ));
            }
        }
    }
}

fn diagnostic(
    file: &SpecFile,
    kpi: &Kpi,
    target: &Target,
    baseline: f64,
    change: f64,
    max: f64,
) -> Diagnostic {
    let span = kpi.target.as_ref().map_or(kpi.anchor(), |t| t.span);
    let step = match target.direction() {
        Direction::LowerIsBetter => baseline - baseline.abs() * max,
        _ if target.value < baseline => baseline - baseline.abs() * max,
        _ => baseline + baseline.abs() * max,
    };
    Diagnostic::new(
        &UNREALISTIC_STRETCH,
        file.file,
        span,
        format!(
            "KPI `{}` asks for a {}% change from its baseline {} (target `{target}`)",
            kpi.id.value,
            format_number((change * 100.0).round()),
            format_number(baseline)
        ),
    )
    .with_help(format!(
        "check that this is achievable in one period, or set an intermediate target such as `\"{} {}{}\"` (a {}% change)",
        target.op.symbol(),
        round2(step),
        unit_suffix(target),
        format_number((max * 100.0).round())
    ))
}
