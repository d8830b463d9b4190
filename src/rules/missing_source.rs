//! M003 `missing-source`: a KPI without `source`.

use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::rules::common::{filled, zh};
use crate::rules::{FileContext, Rule, RuleMeta};
use crate::workspace::{Kpi, SpecFile};

declare_rule! {
    /// ## What it does
    /// Reports a KPI without `source`: the system, report or record that the actual value is
    /// read from.
    ///
    /// ## Why it matters
    /// A KPI is only measurable if everyone reads the actual value from the same place. Without
    /// a source, results are argued about at review time instead of looked up.
    ///
    /// ## Example
    /// ```yaml
    /// kpis:
    ///   - id: first-response-time
    ///     target: "<= 4 h"
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kpis:
    ///   - id: first-response-time
    ///     target: "<= 4 h"
    ///     source: Helpdesk reporting export
    /// ```
    pub static MISSING_SOURCE = {
        code: "M003",
        name: "missing-source",
        level: Warning,
        summary: "a KPI without `source` for its actual value",
    }
}

/// Checks that every KPI says where its actual value comes from.
pub struct MissingSource;

impl Rule for MissingSource {
    fn meta(&self) -> &'static RuleMeta {
        &MISSING_SOURCE
    }

    fn check_file(&self, _cx: &FileContext<'_>, file: &SpecFile, out: &mut Vec<Diagnostic>) {
        for kpi in &file.kpis {
            if filled(&kpi.source).is_none() && !kpi.has_wrong_type("source") {
                out.push(diagnostic(file, kpi));
            }
        }
    }
}

fn diagnostic(file: &SpecFile, kpi: &Kpi) -> Diagnostic {
    let example = if zh(file, Some(kpi)) {
        "source: 客服工单系统"
    } else {
        "source: Helpdesk reporting export"
    };
    Diagnostic::new(
        &MISSING_SOURCE,
        file.file,
        kpi.anchor(),
        format!("KPI `{}` has no data source", kpi.id.value),
    )
    .with_help(format!(
        "add a `source` naming where the actual value is read from, e.g. `{example}`"
    ))
}
