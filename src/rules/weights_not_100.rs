//! R003 `weights-not-100`: an owner's KPI weights do not sum to 100.

use crate::date::Date;
use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::rules::common::OwnedKpi;
use crate::rules::{Context, Rule, RuleMeta};
use crate::target::format_number;

declare_rule! {
    /// ## What it does
    /// Adds up the `weight` of every KPI an owner is accountable for, across the workspace,
    /// and reports when the sum is not 100, or when only some of the owner's KPIs have a
    /// weight. An owner none of whose KPIs has a weight is not reported (the KPIs count
    /// equally).
    ///
    /// A wrong sum is reported at the `weight` of the owner's first KPI (files in name order),
    /// with a label at each other weight; a missing weight is reported at the KPI's `id`.
    ///
    /// ## Why it matters
    /// Weights are percentages of the owner's scorecard. When they add up to 90 or 130, the
    /// weighted score is no longer a percentage and owners cannot be compared.
    ///
    /// ## Example
    /// ```yaml
    /// kpis:
    ///   - id: market-research-reports
    ///     owner: li-na
    ///     weight: 60
    ///   - id: competitor-analysis-on-time
    ///     owner: li-na
    ///     weight: 30
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    ///     weight: 60
    ///   # …
    ///     weight: 40
    /// ```
    pub static WEIGHTS_NOT_100 = {
        code: "R003",
        name: "weights-not-100",
        level: Error,
        summary: "an owner's KPI weights do not sum to 100, or only some of them have one",
    }
}

/// Checks each owner's KPI weights (across the workspace).
pub struct WeightsNot100;

impl Rule for WeightsNot100 {
    fn meta(&self) -> &'static RuleMeta {
        &WEIGHTS_NOT_100
    }

    fn check_workspace(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        for &(id, ref list) in cx.kpis_by_owner() {
            check_owner_over_time(id, list, out);
        }
    }
}

/// Most days on which one owner's weights are summed.
const MAX_DAYS: usize = 64;

/// [`check_owner`] on the KPIs in force together: with `effective` and `until` dates, a KPI
/// that retires and the one that replaces it are never summed. The sums are checked on each
/// day the set of KPIs in force changes, and the findings of the first day that has any are
/// reported.
pub(crate) fn check_owner_over_time(owner: &str, kpis: &[OwnedKpi<'_>], out: &mut Vec<Diagnostic>) {
    let mut days: Vec<Date> = kpis
        .iter()
        .flat_map(|o| [o.kpi.effective_date(), o.kpi.until_date().map(Date::next)])
        .flatten()
        .collect();
    if days.is_empty() {
        return check_owner(owner, kpis, out);
    }
    days.push(Date {
        year: i32::MIN,
        month: 1,
        day: 1,
    });
    days.sort_unstable();
    days.dedup();
    // Each day costs a pass over the owner's KPIs: the first days are enough to find a sum
    // that is off, and no spec can make this quadratic.
    days.truncate(MAX_DAYS);
    let first_date = days.get(1).copied();
    for day in days {
        let now: Vec<OwnedKpi<'_>> = kpis
            .iter()
            .filter(|o| o.kpi.in_force_on(day))
            .copied()
            .collect();
        if now.is_empty() {
            continue;
        }
        let before = out.len();
        check_owner(owner, &now, out);
        if out.len() > before {
            if now.len() < kpis.len() {
                let when = match first_date {
                    Some(first) if day.year == i32::MIN => format!("before {first}"),
                    _ => format!("on {day}"),
                };
                for d in &mut out[before..] {
                    d.message = format!("{} (the KPIs in force {when})", d.message);
                }
            }
            return;
        }
    }
}

/// The findings for the weights of owner `owner`'s KPIs `kpis` (in workspace order).
pub(crate) fn check_owner(owner: &str, kpis: &[OwnedKpi<'_>], out: &mut Vec<Diagnostic>) {
    // A weight of the wrong type is E002; without it the sum means nothing.
    if kpis.iter().any(|o| o.kpi.has_wrong_type("weight")) {
        return;
    }
    let weighted: Vec<_> = kpis
        .iter()
        .filter_map(|o| o.kpi.weight.as_ref().map(|w| (o.file, o.kpi, w)))
        .collect();
    if weighted.is_empty() {
        return;
    }
    let sum: f64 = weighted.iter().map(|(_, _, w)| w.value).sum();
    let unweighted = kpis.len() - weighted.len();
    if unweighted > 0 {
        let help = if unweighted == 1 && sum < 100.0 {
            format!(
                "add `weight: {}`: the other weights of `{owner}` sum to {}",
                format_number(100.0 - sum),
                format_number(sum)
            )
        } else {
            format!(
                "add a `weight` to each of `{owner}`'s KPIs so that they sum to 100 (the weights given sum to {})",
                format_number(sum)
            )
        };
        for o in kpis.iter().filter(|o| o.kpi.weight.is_none()) {
            out.push(
                Diagnostic::new(
                    &WEIGHTS_NOT_100,
                    o.file,
                    o.kpi.anchor(),
                    format!(
                        "KPI `{}` has no weight, but other KPIs of owner `{owner}` do",
                        o.kpi.id.value
                    ),
                )
                .with_help(help.clone()),
            );
        }
        return;
    }
    if (sum - 100.0).abs() <= 1e-6 {
        return;
    }
    let (file, _, first) = weighted[0];
    let parts: Vec<String> = weighted
        .iter()
        .map(|(_, k, w)| format!("`{}` {}", k.id.value, format_number(w.value)))
        .collect();
    let mut d = Diagnostic::new(
        &WEIGHTS_NOT_100,
        file,
        first.span,
        format!(
            "the KPI weights of owner `{owner}` sum to {}, not 100",
            format_number((sum * 1e6).round() / 1e6)
        ),
    )
    .with_help(if (sum - 1.0).abs() <= 1e-6 {
        // Fractions of one (`0.6`, `0.4`) instead of percentages.
        let percents: Vec<String> = weighted
            .iter()
            .map(|(_, k, w)| {
                let percent = format_number((w.value * 100.0 * 1e6).round() / 1e6);
                format!("`{}` {percent}", k.id.value)
            })
            .collect();
        format!(
            "weights are percentages of the scorecard: write {} (now {})",
            percents.join(", "),
            parts.join(", ")
        )
    } else {
        format!(
            "change the weights so they add up to 100 (now {})",
            parts.join(", ")
        )
    });
    for &(f, k, w) in &weighted[1..] {
        d = d.with_label(f, w.span, format!("weight of `{}`", k.id.value));
    }
    out.push(d);
}
