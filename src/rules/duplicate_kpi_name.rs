//! S003 `duplicate-kpi-name`: two KPIs of one team with the same name.

use std::collections::HashMap;

use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::rules::{FileContext, OptionKind, OptionMeta, Rule, RuleMeta};
use crate::source::Span;
use crate::workspace::{Kpi, SpecFile};

declare_rule! {
    /// ## What it does
    /// Reports a KPI whose `name` is the name of an earlier KPI of the same team, with a label
    /// at the first. Names compare after trimming, in any case.
    ///
    /// ## Why it matters
    /// Staff read KPIs by name: two rows called "Refund rate" on one scorecard cannot be told
    /// apart.
    ///
    /// ## Example
    /// ```yaml
    /// kpis:
    ///   - {id: refund-rate-eu, name: Refund rate}
    ///   - {id: refund-rate-us, name: Refund rate}
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kpis:
    ///   - {id: refund-rate-eu, name: Refund rate (EU)}
    ///   - {id: refund-rate-us, name: Refund rate (US)}
    /// ```
    pub(crate) static DUPLICATE_KPI_NAME = {
        code: "S003",
        name: "duplicate-kpi-name",
        level: Warning,
        summary: "two KPIs of one team with the same name",
        options: [ALLOW],
    }
}

/// `allow`: names that may repeat.
const ALLOW: OptionMeta = OptionMeta {
    name: "allow",
    kind: OptionKind::Words,
    doc: "Names that several KPIs of a team may share.",
    help: "write a list of names, e.g. `allow: [Other]`",
};

/// Checks that the KPIs of a team have names of their own.
pub struct DuplicateKpiName;

impl Rule for DuplicateKpiName {
    fn meta(&self) -> &'static RuleMeta {
        &DUPLICATE_KPI_NAME
    }

    fn check_file(&self, cx: &FileContext<'_>, file: &SpecFile, out: &mut Vec<Diagnostic>) {
        let allowed = cx.options.words(&DUPLICATE_KPI_NAME, &ALLOW);
        let mut first: HashMap<String, Span> = HashMap::new();
        for kpi in &file.kpis {
            let Some(name) = &kpi.name else { continue };
            let key = name.value.trim().to_lowercase();
            if key.is_empty() || allowed.iter().any(|a| a.trim().to_lowercase() == key) {
                continue;
            }
            match first.get(&key) {
                Some(&at) => out.push(diagnostic(file, kpi, name.span, at)),
                None => {
                    first.insert(key, name.span);
                }
            }
        }
    }
}

fn diagnostic(file: &SpecFile, kpi: &Kpi, span: Span, first: Span) -> Diagnostic {
    Diagnostic::new(
        &DUPLICATE_KPI_NAME,
        file.file,
        span,
        format!("KPI `{}` has the name of another KPI of its team", kpi.id.value),
    )
    .with_label(file.file, first, "first used here")
    .with_help("give each KPI a name of its own, e.g. with the market or channel it measures")
}
