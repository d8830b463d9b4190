//! T002 `deadline-passed`: a `due` date before today.

use crate::date::Date;
use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::rules::common::filled;
use crate::rules::{FileContext, Rule, RuleMeta};
use crate::source::Span;
use crate::workspace::{Kpi, SpecFile};

declare_rule! {
    /// ## What it does
    /// Reports a KPI whose `due` date is before today. `kpic check --today YYYY-MM-DD`
    /// compares with another date (useful in CI and tests). A `due` written as a duration
    /// (`P5D`, counted from each period's start) never passes.
    ///
    /// ## Why it matters
    /// A KPI whose deadline has passed is either done (and should be archived or renewed) or
    /// missed (and should be reviewed); either way the spec no longer says what is expected now.
    ///
    /// ## Example
    /// ```yaml
    /// kpis:
    ///   - id: warehouse-migration
    ///     due: 2024-06-30
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kpis:
    ///   - id: warehouse-migration
    ///     due: 2027-06-30
    /// ```
    pub static DEADLINE_PASSED = {
        code: "T002",
        name: "deadline-passed",
        level: Warning,
        summary: "a `due` date before today (`--today` overrides the date)",
    }
}

/// Checks that no `due` date has passed.
pub struct DeadlinePassed;

impl Rule for DeadlinePassed {
    fn meta(&self) -> &'static RuleMeta {
        &DEADLINE_PASSED
    }

    fn check_file(&self, cx: &FileContext<'_>, file: &SpecFile, out: &mut Vec<Diagnostic>) {
        for kpi in &file.kpis {
            let Some(due) = filled(&kpi.due) else {
                continue;
            };
            if let Some(date) = Date::parse(due.value.trim())
                && date < cx.options.today
            {
                out.push(diagnostic(file, kpi, due.span, date, cx.options.today));
            }
        }
    }
}

fn diagnostic(file: &SpecFile, kpi: &Kpi, span: Span, due: Date, today: Date) -> Diagnostic {
    Diagnostic::new(
        &DEADLINE_PASSED,
        file.file,
        span,
        format!(
            "KPI `{}` was due on {due}, which has passed (today is {today})",
            kpi.id.value
        ),
    )
    .with_help(match &kpi.period {
        // A recurring KPI's deadline within each period is a duration.
        Some(period) if !period.value.trim().is_empty() => format!(
            "set a new `due` date after {today}, or a deadline within each `{}` period such as `due: P5D`",
            period.value.trim()
        ),
        _ => format!(
            "set a new `due` date after {today}, or use `period: quarterly` for a recurring KPI"
        ),
    })
}
