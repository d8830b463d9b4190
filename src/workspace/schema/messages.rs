//! The words of schema findings: what is wrong with a value, and what to write instead.

use jsonschema::error::ValidationErrorKind;
use serde_json::Value as Json;

use crate::target::format_number;
use crate::workspace::yaml::Node;

/// Words users write for a cadence, and the cadence kpic reads.
const CADENCE_SYNONYMS: &[(&[&str], &str)] = &[
    (&["每天", "每日", "日", "day", "days", "Daily"], "daily"),
    (&["每周", "周", "每星期", "week", "Weekly"], "weekly"),
    (
        &["每两周", "双周", "隔周", "fortnightly", "Biweekly"],
        "biweekly",
    ),
    (&["每月", "月", "月度", "month", "Monthly"], "monthly"),
    (
        &["每季度", "季度", "每季", "quarter", "Quarterly"],
        "quarterly",
    ),
    (
        &[
            "每半年",
            "半年",
            "半年度",
            "half-year",
            "semiannual",
            "semi-annual",
            "Half-yearly",
        ],
        "half-yearly",
    ),
    (
        &["每年", "年", "年度", "annual", "annually", "year", "Yearly"],
        "yearly",
    ),
];

/// The cadence a user most likely meant by `text` (`每季度` → `quarterly`).
fn cadence_for(text: &str) -> Option<&'static str> {
    let t = text.trim();
    CADENCE_SYNONYMS
        .iter()
        .find(|(words, _)| words.iter().any(|w| w.eq_ignore_ascii_case(t)))
        .map(|(_, cadence)| *cadence)
}

/// The message and help for a schema error `kind` at the value `node` of `key`, in the item
/// described by `what` (`fallback`: the validator's own words).
pub(super) fn message_for(
    kind: &ValidationErrorKind,
    key: &str,
    node: &Node,
    what: &str,
    fallback: &str,
) -> (String, Option<String>) {
    let (message, help) = message_for_key(kind, key, node, fallback);
    // Name the item the value belongs to, unless it is the file itself.
    let message =
        if what == "the spec file" || key == "id" || key.chars().all(|c| c.is_ascii_digit()) {
            message
        } else {
            format!("{message} (in {what})")
        };
    (message, help)
}

fn message_for_key(
    kind: &ValidationErrorKind,
    key: &str,
    node: &Node,
    fallback: &str,
) -> (String, Option<String>) {
    match kind {
        ValidationErrorKind::Type { .. } => {
            let expected = match key {
                "weight" | "baseline" | "value" => "a number",
                "target" => "a comparison such as \">= 2 reports\" or a mapping {op, value, unit}",
                "range" | "contributors" | "owners" | "duties" | "kpis" => "a list",
                "team" => "a mapping",
                _ if key.chars().all(|c| c.is_ascii_digit()) => "a mapping or text",
                _ => "text",
            };
            let message = format!("`{key}` must be {expected}, found {}", node.type_name());
            (message, number_help(key, node))
        }
        ValidationErrorKind::Pattern { .. } => match key {
            "period" | "review" => (
                format!("`{key}: {}` is not a known cadence", node.as_str().unwrap_or_default()),
                Some(match node.as_str().and_then(cadence_for) {
                    Some(c) => format!("write `{key}: {c}`"),
                    None => "use daily, weekly, biweekly, monthly, quarterly, half-yearly, yearly or an ISO 8601 duration such as `P2W`".into(),
                }),
            ),
            "due" => (
                format!(
                    "`due: {}` is neither a date nor an ISO 8601 duration",
                    node.as_str().unwrap_or_default()
                ),
                Some("write a date `2027-03-31` or a duration from the period start such as `P5D`".into()),
            ),
            _ => (
                format!("`{}` is not a valid ID", node.as_str().unwrap_or_default()),
                Some("IDs start with a letter or digit and use only letters, digits, `-` and `_` (at most 64 characters)".into()),
            ),
        },
        ValidationErrorKind::Enum { options } => (
            format!("`{key}` must be one of {}", list(options)),
            None,
        ),
        ValidationErrorKind::Constant { expected_value } => (
            format!("`{key}` must be {expected_value}"),
            None,
        ),
        ValidationErrorKind::Minimum { limit } | ValidationErrorKind::ExclusiveMinimum { limit } => (
            format!("`{key}` must be at least {limit}"),
            None,
        ),
        ValidationErrorKind::Maximum { limit } | ValidationErrorKind::ExclusiveMaximum { limit } => (
            format!("`{key}` must be at most {limit}"),
            None,
        ),
        ValidationErrorKind::MinItems { .. } | ValidationErrorKind::MaxItems { .. } if key == "range" => (
            "`range` must have exactly two items".into(),
            Some("write `range: [min, max]`, with `null` for an open end".into()),
        ),
        _ => (format!("`{key}`: {fallback}"), None),
    }
}

/// What to write for a number written as text (`weight: 三十`, `weight: 30%`, `thirty`).
fn number_help(key: &str, node: &Node) -> Option<String> {
    let text = node.as_str()?.trim();
    let percent = text.ends_with(['%', '％']);
    let number = number_in_words(text.trim_end_matches(['%', '％']).trim()).map(format_number);
    match (key, number) {
        ("weight", Some(n)) if percent => Some(format!(
            "write `weight: {n}`: weights are percentages already"
        )),
        ("weight", Some(n)) => Some(format!(
            "write `weight: {n}`: a number from 0 to 100, the percent of the owner's scorecard"
        )),
        ("weight", None) => Some(
            "write a number from 0 to 100, the percent of the owner's scorecard, such as `weight: 30`"
                .into(),
        ),
        ("baseline" | "value", Some(n)) => Some(format!("write `{key}: {n}`")),
        _ => None,
    }
}

/// The number that `text` writes: in digits (ASCII or full-width), in Chinese numerals (`三十`,
/// `二十五`, `一百`, `百分之三十`) or in English words (`thirty`, `twenty-five`).
fn number_in_words(text: &str) -> Option<f64> {
    let text = crate::target::fold_width(text.trim());
    let number = |t: &str| t.parse::<f64>().ok().filter(|n| n.is_finite());
    number(&text)
        .or_else(|| {
            number(&crate::target::with_digits(
                text.strip_prefix("百分之").unwrap_or(&text),
            )?)
        })
        .or_else(|| english_number(&text.to_lowercase()))
}

/// `thirty` → 30, `twenty-five` → 25, `one hundred` → 100 (lowercase words up to 100).
fn english_number(text: &str) -> Option<f64> {
    const ONES: [&str; 20] = [
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
    ];
    const TENS: [&str; 8] = [
        "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
    ];
    let words: Vec<&str> = text
        .split([' ', '-'])
        .filter(|w| !w.is_empty() && *w != "and")
        .collect();
    let value = |w: &str| {
        ONES.iter()
            .position(|o| *o == w)
            .or_else(|| TENS.iter().position(|t| *t == w).map(|i| (i + 2) * 10))
    };
    let n = match words.as_slice() {
        ["hundred"] | ["a" | "one", "hundred"] => 100,
        [w] => value(w)?,
        [tens, one] if TENS.contains(tens) && value(one).is_some_and(|o| (1..10).contains(&o)) => {
            value(tens)? + value(one)?
        }
        _ => return None,
    };
    Some(n as f64)
}

fn list(options: &Json) -> String {
    options
        .as_array()
        .map(|a| {
            a.iter()
                .map(|v| {
                    format!(
                        "`{}`",
                        v.as_str().map_or_else(|| v.to_string(), str::to_owned)
                    )
                })
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_in_words() {
        for (text, n) in [
            ("三十", 30.0),
            ("二十五", 25.0),
            ("十二", 12.0),
            ("十", 10.0),
            ("一百", 100.0),
            ("百分之三十", 30.0),
            ("两千零五", 2005.0),
            ("３０", 30.0),
            ("12.5", 12.5),
            ("thirty", 30.0),
            ("Twenty-five", 25.0),
            ("one hundred", 100.0),
            ("zero", 0.0),
        ] {
            assert_eq!(number_in_words(text), Some(n), "{text}");
        }
        for text in ["", "many", "三三", "twenty thirty", "一半", "1e400"] {
            assert_eq!(number_in_words(text), None, "{text}");
        }
    }
}
