//! T004 `kpi-expired`: a KPI whose `until` date is before today.

use crate::date::Date;
use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::rules::{FileContext, Rule, RuleMeta};
use crate::source::Span;
use crate::workspace::{Kpi, SpecFile};

declare_rule! {
    /// ## What it does
    /// Reports a KPI whose `until` date (the last day it is in force) is before today, while it
    /// is still in the specs. `kpic check --today YYYY-MM-DD` compares with another date.
    ///
    /// ## Why it matters
    /// A retired KPI left in the specs still appears in the handbook and the scorecards as if
    /// it were expected now (`kpic build --as-of DATE` leaves it out only when asked). Remove
    /// it, and git keeps its history; or renew it with a later `until`.
    ///
    /// ## Example
    /// ```yaml
    /// kpis:
    ///   - id: double-eleven-orders
    ///     until: 2024-11-30
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kpis:
    ///   - id: double-eleven-orders
    ///     effective: 2027-11-01
    ///     until: 2027-11-30
    /// ```
    pub static KPI_EXPIRED = {
        code: "T004",
        name: "kpi-expired",
        level: Warning,
        summary: "a KPI whose `until` date is before today while it is still in the specs",
    }
}

/// Checks that no KPI in the specs has retired.
pub struct KpiExpired;

impl Rule for KpiExpired {
    fn meta(&self) -> &'static RuleMeta {
        &KPI_EXPIRED
    }

    fn check_file(&self, cx: &FileContext<'_>, file: &SpecFile, out: &mut Vec<Diagnostic>) {
        for kpi in &file.kpis {
            if let (Some(until), Some(date)) = (kpi.until(), kpi.until_date())
                && date < cx.options.today
            {
                out.push(diagnostic(file, kpi, until.span, date, cx.options.today));
            }
        }
    }
}

fn diagnostic(file: &SpecFile, kpi: &Kpi, span: Span, until: Date, today: Date) -> Diagnostic {
    Diagnostic::new(
        &KPI_EXPIRED,
        file.file,
        span,
        format!(
            "KPI `{}` was in force until {until}, which has passed (today is {today})",
            kpi.id.value
        ),
    )
    .with_help(format!(
        "set an `until` after {today} if the KPI still applies; otherwise remove it (git keeps \
         its history)"
    ))
}
