//! S001 `missing-metric`: a KPI without `metric`.

use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::rules::common::{filled, zh};
use crate::rules::{FileContext, Rule, RuleMeta};
use crate::workspace::{Kpi, SpecFile};

declare_rule! {
    /// ## What it does
    /// Reports a KPI without `metric`: the sentence that says exactly what is counted or
    /// measured, and over what.
    ///
    /// ## Why it matters
    /// A name such as "customer satisfaction" can be measured in many ways. Without a metric,
    /// two people fill in different numbers for the same KPI and the scorecard means nothing.
    ///
    /// ## Example
    /// ```yaml
    /// kpis:
    ///   - id: customer-satisfaction
    ///     name: 客户满意度
    ///     target: 90%以上
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kpis:
    ///   - id: customer-satisfaction
    ///     name: 客户满意度
    ///     metric: 满意度调查中选择"满意"或"非常满意"的客户占比
    ///     target: 90%以上
    /// ```
    pub static MISSING_METRIC = {
        code: "S001",
        name: "missing-metric",
        level: Warning,
        summary: "a KPI without `metric`: what exactly is counted or measured",
    }
}

/// Checks that every KPI says what it measures.
pub struct MissingMetric;

impl Rule for MissingMetric {
    fn meta(&self) -> &'static RuleMeta {
        &MISSING_METRIC
    }

    fn check_file(&self, _cx: &FileContext<'_>, file: &SpecFile, out: &mut Vec<Diagnostic>) {
        for kpi in &file.kpis {
            if filled(&kpi.metric).is_none() && !kpi.has_wrong_type("metric") {
                out.push(diagnostic(file, kpi));
            }
        }
    }
}

fn diagnostic(file: &SpecFile, kpi: &Kpi) -> Diagnostic {
    let example = if zh(file, Some(kpi)) {
        "metric: 当月完成并提交的市场调研报告份数"
    } else {
        "metric: research reports submitted to the team wiki in the month"
    };
    Diagnostic::new(
        &MISSING_METRIC,
        file.file,
        kpi.anchor(),
        format!("KPI `{}` has no metric", kpi.id.value),
    )
    .with_help(format!(
        "add a `metric` saying exactly what is counted or measured, e.g. `{example}`"
    ))
}
