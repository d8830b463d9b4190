//! M002 `missing-unit`: a target number without a unit.

use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::rules::common::{target_of, zh};
use crate::rules::{FileContext, Rule, RuleMeta};
use crate::target::{Target, format_number, has_cjk};
use crate::workspace::yaml::Value;
use crate::workspace::{Kpi, SpecFile};

declare_rule! {
    /// ## What it does
    /// Reports a measurable target whose number has no unit (`">= 2"`, `{op: "<", value: 8}`),
    /// and suggests one from the KPI's `metric` and `name` when it can (a rate → `%`, a
    /// response time → `h`, a number of reports → `份` / `reports`).
    ///
    /// ## Why it matters
    /// `>= 2` could be 2 reports, 2 %, or 2 hours. The unit tells whoever fills in the
    /// scorecard what number to write, and catches a target in the wrong unit
    /// (`< 2` hours against a metric counted in minutes).
    ///
    /// ## Example
    /// ```yaml
    /// kpis:
    ///   - id: ticket-reopen-rate
    ///     metric: Tickets reopened within 7 days divided by tickets solved
    ///     target: "< 8"
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kpis:
    ///   - id: ticket-reopen-rate
    ///     metric: Tickets reopened within 7 days divided by tickets solved
    ///     target: "< 8 %"
    /// ```
    pub static MISSING_UNIT = {
        code: "M002",
        name: "missing-unit",
        level: Warning,
        summary: "a target number without a unit",
    }
}

/// Checks that every target number has a unit.
pub struct MissingUnit;

impl Rule for MissingUnit {
    fn meta(&self) -> &'static RuleMeta {
        &MISSING_UNIT
    }

    fn check_file(&self, _cx: &FileContext<'_>, file: &SpecFile, out: &mut Vec<Diagnostic>) {
        for kpi in &file.kpis {
            if let (Some(target), Some(written)) = (target_of(kpi), &kpi.target)
                && target.unit.is_none()
            {
                let units: &[&str] = match guess_unit(kpi) {
                    Some(unit) => &[unit],
                    None if zh(file, Some(kpi)) => &["份", "%", "h"],
                    None => &["reports", "%", "h"],
                };
                out.push(diagnostic(file, kpi, written.span, &target, units));
            }
        }
    }
}

/// A unit that fits what the KPI's metric and name say they measure.
fn guess_unit(kpi: &Kpi) -> Option<&'static str> {
    let text = [&kpi.metric, &kpi.name]
        .into_iter()
        .flatten()
        .map(|s| s.value.to_lowercase())
        .collect::<Vec<_>>()
        .join(" ");
    let has = |words: &[&str]| words.iter().any(|w| text.contains(w));
    if has(&[
        "率",
        "占比",
        "比例",
        "百分比",
        "rate",
        "ratio",
        "share",
        "percent",
        "%",
    ]) {
        Some("%")
    } else if has(&[
        "时长",
        "小时",
        "响应时间",
        "duration",
        "hours",
        "response time",
    ]) {
        Some("h")
    } else if has(&["份数", "报告"]) {
        Some("份")
    } else if has(&["次数", "场次"]) {
        Some("次")
    } else if has(&["report"]) {
        Some("reports")
    } else {
        None
    }
}

/// A unit as a Chinese target writes it (`h` is 小时).
fn chinese_unit(unit: &str) -> &str {
    match unit {
        "h" => "小时",
        "d" => "天",
        "min" => "分钟",
        "w" => "周",
        u => u,
    }
}

fn diagnostic(
    file: &SpecFile,
    kpi: &Kpi,
    span: crate::source::Span,
    target: &Target,
    units: &[&str],
) -> Diagnostic {
    // A Chinese phrasing gets the unit where it was left out: `不少于8` → `不少于8小时`.
    let chinese = match &kpi.target.as_ref().map(|t| &t.value.value) {
        Some(Value::Str(text)) if has_cjk(text) => text
            .rfind(|c: char| c.is_ascii_digit() || ('０'..='９').contains(&c))
            .map(|i| text.split_at(i + text[i..].chars().next().map_or(1, char::len_utf8))),
        _ => None,
    };
    let forms: Vec<String> = units
        .iter()
        .map(|u| match chinese {
            Some((before, after)) => format!("`{before}{}{after}`", chinese_unit(u)),
            None => format!(
                "`\"{} {} {u}\"`",
                target.op.symbol(),
                format_number(target.value)
            ),
        })
        .collect();
    let forms = match forms.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => forms.join(""),
    };
    Diagnostic::new(
        &MISSING_UNIT,
        file.file,
        span,
        format!(
            "the target of KPI `{}` has no unit: `{target}`",
            kpi.id.value
        ),
    )
    .with_help(format!(
        "add the unit the metric is counted in, e.g. {forms}"
    ))
}
