//! R002 `duty-without-kpi`: a duty that no KPI measures.

use std::collections::HashSet;

use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::rules::common::filled;
use crate::rules::{Context, Rule, RuleMeta};
use crate::source::FileId;
use crate::workspace::Duty;

declare_rule! {
    /// ## What it does
    /// Reports a duty that no KPI anywhere in the workspace names in its `duty`.
    ///
    /// ## Why it matters
    /// A responsibility with no KPI is invisible at review time: nobody can tell whether it is
    /// done well, and the owner's scorecard leaves it out.
    ///
    /// ## Example
    /// ```yaml
    /// duties:
    ///   - id: customer-service
    ///     owner: zhang-min
    /// kpis: []
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// duties:
    ///   - id: customer-service
    ///     owner: zhang-min
    /// kpis:
    ///   - id: enquiry-response-time
    ///     duty: customer-service
    ///     target: 24小时内
    /// ```
    pub static DUTY_WITHOUT_KPI = {
        code: "R002",
        name: "duty-without-kpi",
        level: Warning,
        summary: "a duty that no KPI measures",
    }
}

/// Checks that every duty is measured by at least one KPI (across the workspace).
pub struct DutyWithoutKpi;

impl Rule for DutyWithoutKpi {
    fn meta(&self) -> &'static RuleMeta {
        &DUTY_WITHOUT_KPI
    }

    fn check_workspace(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        let measured: HashSet<&str, crate::workspace::IdBuildHasher> = cx
            .ws
            .all_specs()
            .flat_map(|s| &s.kpis)
            .filter_map(|k| filled(&k.duty).map(|d| d.value.trim()))
            .collect();
        for spec in cx.ws.reported_specs() {
            for duty in &spec.duties {
                let id = duty.id.value.as_str();
                if !measured.contains(id) && !cx.ws.index.measured_elsewhere(id) {
                    out.push(diagnostic(spec.file, duty));
                }
            }
        }
    }
}

/// The finding for `duty`, in `file`, that no KPI measures.
pub(crate) fn diagnostic(file: FileId, duty: &Duty) -> Diagnostic {
    Diagnostic::new(
        &DUTY_WITHOUT_KPI,
        file,
        duty.id.span,
        format!("duty `{}` has no KPI that measures it", duty.id.value),
    )
    .with_help(format!(
        "add a KPI with `duty: {}`, or remove the duty if it is no longer a responsibility",
        duty.id.value
    ))
}
