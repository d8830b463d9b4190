//! T001 `missing-deadline`: a KPI with neither `period` nor `due`.

use crate::date::Date;
use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::rules::common::filled;
use crate::rules::{FileContext, Rule, RuleMeta};
use crate::workspace::{Kpi, SpecFile};

declare_rule! {
    /// ## What it does
    /// Reports a KPI with neither `period` (the recurring measurement window, such as
    /// `monthly`) nor `due` (a one-off deadline date, or a duration from each period's start),
    /// and a `due` date that is not in the calendar (`2026-13-01`, `2027-02-30`).
    ///
    /// ## Why it matters
    /// "At least 2 reports" means nothing without "per month" or "by 31 March": a target
    /// without time cannot be scored, and never falls due.
    ///
    /// ## Example
    /// ```yaml
    /// kpis:
    ///   - id: market-research-reports
    ///     target: 不少于2份
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kpis:
    ///   - id: market-research-reports
    ///     target: 不少于2份
    ///     period: monthly
    /// ```
    pub static MISSING_DEADLINE = {
        code: "T001",
        name: "missing-deadline",
        level: Error,
        summary: "a KPI with neither `period` nor `due`",
    }
}

/// Checks that every KPI is bound in time.
pub struct MissingDeadline;

impl Rule for MissingDeadline {
    fn meta(&self) -> &'static RuleMeta {
        &MISSING_DEADLINE
    }

    fn check_file(&self, _cx: &FileContext<'_>, file: &SpecFile, out: &mut Vec<Diagnostic>) {
        for kpi in &file.kpis {
            if filled(&kpi.period).is_none()
                && filled(&kpi.due).is_none()
                && !kpi.has_wrong_type("period")
                && !kpi.has_wrong_type("due")
            {
                out.push(diagnostic(file, kpi));
            }
            // The schema checks the shape `YYYY-MM-DD`; the calendar is checked here.
            if let Some(due) = filled(&kpi.due)
                && crate::date::is_date_shaped(due.value.trim())
                && Date::parse(due.value.trim()).is_none()
            {
                out.push(
                    Diagnostic::new(
                        &MISSING_DEADLINE,
                        file.file,
                        due.span,
                        format!(
                            "KPI `{}` has no due date: `{}` is not a day of the calendar",
                            kpi.id.value,
                            due.value.trim()
                        ),
                    )
                    .with_help("write a date that exists, `YYYY-MM-DD` with a month from 01 to 12 and a day of that month, e.g. `due: 2027-03-31`"),
                );
            }
        }
    }
}

fn diagnostic(file: &SpecFile, kpi: &Kpi) -> Diagnostic {
    Diagnostic::new(
        &MISSING_DEADLINE,
        file.file,
        kpi.anchor(),
        format!("KPI `{}` has no period or due date", kpi.id.value),
    )
    .with_help("add `period: monthly` or `due: 2027-03-31`")
}
