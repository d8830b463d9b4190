//! O001 `unowned-kpi`: a KPI without `owner`.

use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::rules::common::filled;
use crate::rules::{Context, Rule, RuleMeta};
use crate::workspace::{Kpi, SpecFile};

declare_rule! {
    /// ## What it does
    /// Reports a KPI without `owner`: the one person accountable for it. People who help go
    /// in `contributors`.
    ///
    /// ## Why it matters
    /// A KPI that belongs to everyone belongs to no one: nobody is asked about it at review
    /// time, and it appears on no scorecard.
    ///
    /// ## Example
    /// ```yaml
    /// kpis:
    ///   - id: campaign-roi
    ///     duty: marketing
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kpis:
    ///   - id: campaign-roi
    ///     duty: marketing
    ///     owner: liu-yang
    ///     contributors: [zhao-lei]
    /// ```
    pub static UNOWNED_KPI = {
        code: "O001",
        name: "unowned-kpi",
        level: Error,
        summary: "a KPI without `owner`",
    }
}

/// Checks that every KPI has an accountable owner.
pub struct UnownedKpi;

impl Rule for UnownedKpi {
    fn meta(&self) -> &'static RuleMeta {
        &UNOWNED_KPI
    }

    // A workspace check: the help names the owner of the KPI's duty, which may be defined
    // in another file.
    fn check_workspace(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        for file in cx.ws.reported_specs() {
            for kpi in &file.kpis {
                if filled(&kpi.owner).is_none() && !kpi.has_wrong_type("owner") {
                    // Suggest the owner of the duty the KPI measures, when there is one.
                    let duty_owner = filled(&kpi.duty)
                        .and_then(|d| cx.ws.duty(d.value.trim()))
                        .and_then(|d| {
                            filled(&d.owner).map(|o| (d.id.value.as_str(), o.value.as_str()))
                        });
                    out.push(diagnostic(file, kpi, duty_owner));
                }
            }
        }
    }
}

fn diagnostic(file: &SpecFile, kpi: &Kpi, duty_owner: Option<(&str, &str)>) -> Diagnostic {
    let help = match duty_owner {
        Some((duty, owner)) => format!(
            "add `owner: {owner}` (the owner of duty `{duty}`) or another owner ID: the one person accountable"
        ),
        None => "add `owner: <owner-id>`: the one person accountable; helpers go in `contributors`"
            .to_owned(),
    };
    Diagnostic::new(
        &UNOWNED_KPI,
        file.file,
        kpi.anchor(),
        format!("KPI `{}` has no owner", kpi.id.value),
    )
    .with_help(help)
}
