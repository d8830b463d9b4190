//! R004 `kpi-not-aligned`: a KPI that supports no objective, in a workspace that declares
//! objectives.

use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::rules::{Context, Rule, RuleMeta};
use crate::source::FileId;
use crate::workspace::Kpi;

declare_rule! {
    /// ## What it does
    /// Once the workspace declares `objectives`, reports a KPI without `supports`: the
    /// objectives it serves. A workspace without objectives gets no finding. (A `supports`
    /// that names no objective is `unknown-reference`, E004.)
    ///
    /// ## Why it matters
    /// A relevant KPI serves the job's duties and the company's goals. A KPI that serves no
    /// objective may be measured well and still pull the team away from what the company is
    /// after; the handbook's objective tree cannot show it.
    ///
    /// ## Example
    /// ```yaml
    /// kpis:
    ///   - id: customer-satisfaction
    ///     owner: sun-hao
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kpis:
    ///   - id: customer-satisfaction
    ///     owner: sun-hao
    ///     supports: [grow-repeat-buyers]
    /// ```
    pub static KPI_NOT_ALIGNED = {
        code: "R004",
        name: "kpi-not-aligned",
        level: Warning,
        summary: "a KPI that supports no objective, in a workspace that declares objectives",
    }
}

/// Checks that every KPI supports an objective, once there are objectives.
pub struct KpiNotAligned;

impl Rule for KpiNotAligned {
    fn meta(&self) -> &'static RuleMeta {
        &KPI_NOT_ALIGNED
    }

    fn check_workspace(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        if !cx.ws.index.has_objectives() {
            return;
        }
        // An example for the help: the first objective of the workspace, in file order.
        let example = cx
            .ws
            .all_specs()
            .flat_map(|s| s.objectives.first())
            .map(|o| o.id.as_str())
            .next();
        for spec in cx.ws.reported_specs() {
            for kpi in &spec.kpis {
                if kpi.supports().iter().all(|s| s.value.trim().is_empty())
                    && !kpi.has_wrong_type("supports")
                {
                    out.push(diagnostic(spec.file, kpi, example));
                }
            }
        }
    }
}

fn diagnostic(file: FileId, kpi: &Kpi, example: Option<&str>) -> Diagnostic {
    Diagnostic::new(
        &KPI_NOT_ALIGNED,
        file,
        kpi.anchor(),
        format!("KPI `{}` supports no objective", kpi.id.value),
    )
    .with_help(match example {
        Some(id) => {
            format!("add `supports: [{id}]` (or the IDs of the objectives this KPI serves)")
        }
        None => "add `supports: [<objective-id>]` naming the objectives this KPI serves".into(),
    })
}
