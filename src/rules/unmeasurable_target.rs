//! M001 `unmeasurable-target`: a KPI with no target, or one that is not a comparison against a
//! number.

use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::rules::common::zh;
use crate::rules::{FileContext, Rule, RuleMeta};
use crate::target::{self, TargetError};
use crate::workspace::yaml::Value;
use crate::workspace::{Kpi, SpecFile};

declare_rule! {
    /// ## What it does
    /// Reports a KPI without `target`, or with a target that is not a comparison against a
    /// number. Targets are written `OP NUMBER [UNIT]` (`">= 2 reports"`, `"< 2 %"`,
    /// `"<= 24 h"`, with OP one of `>= <= > < = == ≥ ≤`), as a mapping
    /// `{op: ">=", value: 2, unit: reports}`, or in Chinese: `不少于2份`, `至少3次`, `低于2%`,
    /// `不超过5次`, `24小时内`, `90%以上`, `达到150%以上`, `10%以下` (`以上`, `以下` and
    /// `以内` include the number), or in English: `at least 2 reports`, `within 24 hours`,
    /// `below 2 %`. Duration units normalise to `h`, `d`, `min` and `w`.
    ///
    /// ## Why it matters
    /// "Improve customer satisfaction" cannot be met or missed: at the end of the period nobody
    /// can say whether it was achieved. A comparison against a number can be scored.
    ///
    /// ## Example
    /// ```yaml
    /// kpis:
    ///   - id: customer-satisfaction
    ///     target: 提升客户满意度
    ///   - id: conversion-rate
    ///     target: improve conversion
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kpis:
    ///   - id: customer-satisfaction
    ///     target: 90%以上
    ///   - id: conversion-rate
    ///     target: ">= 3 %"
    /// ```
    pub static UNMEASURABLE_TARGET = {
        code: "M001",
        name: "unmeasurable-target",
        level: Error,
        summary: "a KPI with no target, or a target that is not a comparison against a number",
    }
}

/// Checks that every KPI has a measurable target.
pub struct UnmeasurableTarget;

impl Rule for UnmeasurableTarget {
    fn meta(&self) -> &'static RuleMeta {
        &UNMEASURABLE_TARGET
    }

    fn check_file(&self, _cx: &FileContext<'_>, file: &SpecFile, out: &mut Vec<Diagnostic>) {
        for kpi in &file.kpis {
            let Some(t) = &kpi.target else {
                out.push(missing(file, kpi));
                continue;
            };
            if matches!(&t.value.value, Value::Str(s) if s.trim().is_empty()) {
                out.push(missing(file, kpi));
                continue;
            }
            // The parse is shared with the other rules; only a failure is parsed again, for
            // its message.
            if kpi.parsed_target().is_some() {
                continue;
            }
            if let Err(e) = target::parse_node(&t.value) {
                out.push(unmeasurable(file, kpi, e));
            }
        }
    }
}

fn missing(file: &SpecFile, kpi: &Kpi) -> Diagnostic {
    let example = if zh(file, Some(kpi)) {
        "`target: 不少于2份` or `target: \"<= 24 h\"`"
    } else {
        "`target: \">= 2 reports\"` or `target: \"<= 24 h\"`"
    };
    Diagnostic::new(
        &UNMEASURABLE_TARGET,
        file.file,
        kpi.anchor(),
        format!("KPI `{}` has no target", kpi.id.value),
    )
    .with_help(format!("add a comparison against a number, e.g. {example}"))
}

fn unmeasurable(file: &SpecFile, kpi: &Kpi, e: TargetError) -> Diagnostic {
    let span = kpi.target.as_ref().map_or(kpi.anchor(), |t| t.span);
    Diagnostic::new(
        &UNMEASURABLE_TARGET,
        file.file,
        span,
        format!(
            "the target of KPI `{}` is not measurable: {}",
            kpi.id.value, e.message
        ),
    )
    .with_help(e.help)
}
