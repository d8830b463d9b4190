//! R001 `orphan-kpi`: a KPI linked to no duty.

use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::rules::common::filled;
use crate::rules::{FileContext, Rule, RuleMeta};
use crate::workspace::{Kpi, SpecFile};

declare_rule! {
    /// ## What it does
    /// Reports a KPI without `duty`: the job responsibility it measures. (A `duty` that names
    /// no defined duty is `unknown-reference`, E004.)
    ///
    /// ## Why it matters
    /// A KPI is relevant only if it measures something the team is responsible for. KPIs
    /// linked to no duty accumulate because they are easy to count, not because they matter,
    /// and the handbook cannot list them under any responsibility.
    ///
    /// ## Example
    /// ```yaml
    /// kpis:
    ///   - id: weekly-ops-report
    ///     owner: zhao-lei
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kpis:
    ///   - id: weekly-ops-report
    ///     duty: data-analysis
    ///     owner: zhao-lei
    /// ```
    pub static ORPHAN_KPI = {
        code: "R001",
        name: "orphan-kpi",
        level: Warning,
        summary: "a KPI linked to no duty",
    }
}

/// Checks that every KPI measures a duty.
pub struct OrphanKpi;

impl Rule for OrphanKpi {
    fn meta(&self) -> &'static RuleMeta {
        &ORPHAN_KPI
    }

    fn check_file(&self, _cx: &FileContext<'_>, file: &SpecFile, out: &mut Vec<Diagnostic>) {
        for kpi in &file.kpis {
            if filled(&kpi.duty).is_none() && !kpi.has_wrong_type("duty") {
                // Suggest the duty of the same owner in this file, else the file's first duty.
                let owner = filled(&kpi.owner).map(|o| o.value.trim());
                let suggestion = file
                    .duties
                    .iter()
                    .find(|d| owner.is_some() && filled(&d.owner).map(|o| o.value.trim()) == owner)
                    .or(file.duties.first())
                    .map(|d| d.id.value.as_str());
                out.push(diagnostic(file, kpi, suggestion));
            }
        }
    }
}

fn diagnostic(file: &SpecFile, kpi: &Kpi, suggestion: Option<&str>) -> Diagnostic {
    let help = match suggestion {
        Some(duty) => format!(
            "add `duty: {duty}` (or the ID of another duty): the responsibility this KPI measures"
        ),
        None => "add `duty: <duty-id>` naming the responsibility this KPI measures, and define \
                 that duty under `duties`"
            .to_owned(),
    };
    Diagnostic::new(
        &ORPHAN_KPI,
        file.file,
        kpi.anchor(),
        format!("KPI `{}` is not linked to a duty", kpi.id.value),
    )
    .with_help(help)
}
