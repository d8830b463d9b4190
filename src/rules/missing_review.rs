//! T003 `missing-review`: a team without a `review` cadence.

use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::rules::common::filled;
use crate::rules::{FileContext, Rule, RuleMeta};
use crate::workspace::{SpecFile, Team};

declare_rule! {
    /// ## What it does
    /// Reports a team without `review`: how often the team's KPI set itself is reviewed and
    /// adjusted (`quarterly`, `half-yearly`, `yearly` …).
    ///
    /// ## Why it matters
    /// Targets go stale as the business changes. Without an agreed review cadence, last year's
    /// KPIs keep being scored long after they stopped making sense.
    ///
    /// ## Example
    /// ```yaml
    /// team:
    ///   id: ecommerce-ops
    ///   name: 电商运营部
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// team:
    ///   id: ecommerce-ops
    ///   name: 电商运营部
    ///   review: quarterly
    /// ```
    pub static MISSING_REVIEW = {
        code: "T003",
        name: "missing-review",
        level: Warning,
        summary: "a team without a `review` cadence",
    }
}

/// Checks that every team says how often its KPIs are reviewed.
pub struct MissingReview;

impl Rule for MissingReview {
    fn meta(&self) -> &'static RuleMeta {
        &MISSING_REVIEW
    }

    fn check_file(&self, _cx: &FileContext<'_>, file: &SpecFile, out: &mut Vec<Diagnostic>) {
        if let Some(team) = &file.team
            && filled(&team.review).is_none()
        {
            out.push(diagnostic(file, team));
        }
    }
}

fn diagnostic(file: &SpecFile, team: &Team) -> Diagnostic {
    let (span, name) = match filled(&team.id) {
        Some(id) => (id.span, format!("team `{}`", id.value)),
        None => (team.key_span, "the team".to_owned()),
    };
    Diagnostic::new(
        &MISSING_REVIEW,
        file.file,
        span,
        format!("{name} has no review cadence"),
    )
    .with_help("add `review: quarterly` to the team: how often its KPI set is reviewed")
}
