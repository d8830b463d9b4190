//! A005 `threshold-inconsistent`: a `threshold` not looser than the target in the target's
//! direction, or in another unit.

use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::rules::{FileContext, Rule, RuleMeta};
use crate::target::{Direction, Op, Target};
use crate::workspace::{Kpi, SpecFile};

declare_rule! {
    /// ## What it does
    /// Reports a KPI whose `threshold` (written in the target grammar: `">= 85 %"`,
    /// `85%以上`) does not describe a looser level in the same direction and unit as its
    /// `target`: a threshold above a "higher is better" target, one that points the other way,
    /// one in another unit, one for an exact target, or one that is not a comparison against a
    /// number. A KPI without a target is `unmeasurable-target` (M001) only.
    ///
    /// ## Why it matters
    /// A KPI is green when the target is met, amber when only the threshold is met, and red
    /// below both. A threshold that is stricter than the target, or measured in another unit,
    /// makes amber impossible or meaningless, and scorecards would colour results wrongly.
    ///
    /// ## Example
    /// ```yaml
    /// kpis:
    ///   - id: customer-satisfaction
    ///     target: 90%以上
    ///     threshold: 95%以上
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kpis:
    ///   - id: customer-satisfaction
    ///     target: 90%以上
    ///     threshold: 85%以上
    /// ```
    pub static THRESHOLD_INCONSISTENT = {
        code: "A005",
        name: "threshold-inconsistent",
        level: Error,
        summary: "a `threshold` not looser than the target in the target's direction, or in another unit",
    }
}

/// Checks each threshold against its target.
pub struct ThresholdInconsistent;

/// What is wrong with a threshold.
enum Problem {
    /// It is not a comparison against a number.
    Unparsed(String),
    /// The target asks for an exact value.
    ExactTarget,
    /// It points the other way.
    Direction,
    /// Its unit is not the target's.
    Unit,
    /// It is as strict as the target, or stricter.
    NotLooser,
}

impl Rule for ThresholdInconsistent {
    fn meta(&self) -> &'static RuleMeta {
        &THRESHOLD_INCONSISTENT
    }

    fn check_file(&self, _cx: &FileContext<'_>, file: &SpecFile, out: &mut Vec<Diagnostic>) {
        for kpi in &file.kpis {
            let (Some(written), Some(target)) = (kpi.threshold(), kpi.parsed_target()) else {
                continue;
            };
            let problem = match crate::target::parse_node(&written.value) {
                Err(e) => Some(Problem::Unparsed(e.message)),
                Ok(threshold) => problem(target, &threshold),
            };
            if let Some(p) = problem {
                out.push(diagnostic(file, kpi, target, p));
            }
        }
    }
}

/// What is wrong with `threshold` as the amber level of `target`, if anything.
fn problem(target: &Target, threshold: &Target) -> Option<Problem> {
    let dir = target.direction();
    if dir == Direction::Exact {
        return Some(Problem::ExactTarget);
    }
    if threshold.direction() != dir {
        return Some(Problem::Direction);
    }
    if threshold.unit != target.unit {
        return Some(Problem::Unit);
    }
    // Looser: every value that meets the target meets the threshold, and some value meets
    // only the threshold.
    let looser = match dir {
        Direction::HigherIsBetter => {
            threshold.value < target.value
                || (threshold.value == target.value
                    && target.op == Op::Gt
                    && threshold.op == Op::Ge)
        }
        _ => {
            threshold.value > target.value
                || (threshold.value == target.value
                    && target.op == Op::Lt
                    && threshold.op == Op::Le)
        }
    };
    (!looser).then_some(Problem::NotLooser)
}

fn diagnostic(file: &SpecFile, kpi: &Kpi, target: &Target, problem: Problem) -> Diagnostic {
    let id = &kpi.id.value;
    let span = kpi.threshold().map_or(kpi.anchor(), |t| t.span);
    let (message, help) = match problem {
        Problem::Unparsed(why) => (
            format!("the threshold of KPI `{id}` is not a comparison against a number: {why}"),
            format!("write a looser comparison than the target `{target}`, such as {}", example(target)),
        ),
        Problem::ExactTarget => (
            format!("KPI `{id}` has a threshold, but its target `{target}` asks for an exact value"),
            "remove the threshold, or write the target as a comparison with a direction (`>=`, `<=`)".into(),
        ),
        Problem::Direction => (
            format!("the threshold of KPI `{id}` points the other way from its target `{target}`"),
            format!("write the threshold with the target's direction, such as {}", example(target)),
        ),
        Problem::Unit => (
            format!("the threshold of KPI `{id}` is in another unit than its target `{target}`"),
            format!("write the threshold in the target's unit, such as {}", example(target)),
        ),
        Problem::NotLooser => (
            format!("the threshold of KPI `{id}` is not looser than its target `{target}`"),
            format!(
                "the threshold is the amber level, looser than the target: write one such as {}",
                example(target)
            ),
        ),
    };
    Diagnostic::new(&THRESHOLD_INCONSISTENT, file.file, span, message).with_help(help)
}

/// A threshold about 10 % looser than the target, for the help (a whole step for a whole
/// target).
fn example(target: &Target) -> String {
    let tenth = target.value.abs() / 10.0;
    let step = if target.value.fract() == 0.0 {
        tenth.round().max(1.0)
    } else {
        tenth
    };
    let (op, value) = match target.direction() {
        Direction::HigherIsBetter => (Op::Ge, target.value - step),
        _ => (Op::Le, target.value + step),
    };
    let t = Target {
        op,
        value: (value * 100.0).round() / 100.0,
        unit: target.unit.clone(),
    };
    format!("`threshold: \"{t}\"`")
}
