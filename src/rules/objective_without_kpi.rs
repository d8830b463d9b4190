//! R005 `objective-without-kpi`: an objective that no KPI supports.

use std::collections::HashSet;

use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::rules::{Context, Rule, RuleMeta};
use crate::source::FileId;
use crate::workspace::Objective;

declare_rule! {
    /// ## What it does
    /// Reports an objective that no KPI names in `supports` and that no other objective names
    /// as its `parent`: nothing measures progress towards it. (An objective split into
    /// sub-objectives is measured through them; each of those needs a KPI.)
    ///
    /// ## Why it matters
    /// An objective that no KPI measures is a wish: nobody can tell whether it is being met,
    /// and nobody is accountable for it in a scorecard.
    ///
    /// ## Example
    /// ```yaml
    /// objectives:
    ///   - {id: grow-repeat-buyers, name: Grow repeat buyers, owner: wang-fang}
    /// kpis:
    ///   - id: repeat-purchase-rate
    ///     owner: wang-fang
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// objectives:
    ///   - {id: grow-repeat-buyers, name: Grow repeat buyers, owner: wang-fang}
    /// kpis:
    ///   - id: repeat-purchase-rate
    ///     owner: wang-fang
    ///     supports: [grow-repeat-buyers]
    /// ```
    pub static OBJECTIVE_WITHOUT_KPI = {
        code: "R005",
        name: "objective-without-kpi",
        level: Warning,
        summary: "an objective that no KPI supports",
    }
}

/// Checks that every objective is served by a KPI or a sub-objective.
pub struct ObjectiveWithoutKpi;

impl Rule for ObjectiveWithoutKpi {
    fn meta(&self) -> &'static RuleMeta {
        &OBJECTIVE_WITHOUT_KPI
    }

    fn check_workspace(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        let served: HashSet<&str, crate::workspace::IdBuildHasher> = cx
            .ws
            .all_specs()
            .flat_map(|s| {
                let kpis = s.kpis.iter().flat_map(|k| k.supports());
                let children = s.objectives.iter().filter_map(|o| o.parent.as_ref());
                kpis.chain(children)
            })
            .map(|r| r.value.trim())
            .collect();
        for spec in cx.ws.reported_specs() {
            for objective in &spec.objectives {
                let id = objective.id.as_str();
                if !served.contains(id) && !cx.ws.index.served_elsewhere(id) {
                    out.push(diagnostic(spec.file, objective));
                }
            }
        }
    }
}

fn diagnostic(file: FileId, objective: &Objective) -> Diagnostic {
    Diagnostic::new(
        &OBJECTIVE_WITHOUT_KPI,
        file,
        objective.id.span,
        format!("objective `{}` has no KPI that supports it", objective.id.value),
    )
    .with_help(format!(
        "add `supports: [{}]` to the KPIs that measure progress towards it, or remove the objective",
        objective.id.value
    ))
}
