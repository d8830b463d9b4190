//! Validation against the embedded spec JSON Schema, with errors mapped back to YAML spans.

use std::sync::OnceLock;

use jsonschema::Validator;
use jsonschema::error::ValidationErrorKind;
use jsonschema::paths::LocationSegment;
use serde_json::Value as Json;

use crate::diagnostic::{Diagnostic, did_you_mean};
use crate::rules::SCHEMA;
use crate::source::{FileId, Span};
use crate::workspace::yaml::Node;

/// The spec schema, as shipped (`kpic schema`).
pub const SPEC_SCHEMA: &str = include_str!("../../schemas/kpi-spec.schema.json");

fn schema_json() -> &'static Json {
    static SCHEMA_JSON: OnceLock<Json> = OnceLock::new();
    SCHEMA_JSON.get_or_init(|| serde_json::from_str(SPEC_SCHEMA).expect("embedded schema is JSON"))
}

fn validator() -> &'static Validator {
    static VALIDATOR: OnceLock<Validator> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        jsonschema::draft202012::new(schema_json()).expect("embedded schema is a valid schema")
    })
}

/// Validates one document, returning E002 diagnostics at the offending keys and values.
pub fn validate(file: FileId, root: &Node) -> Vec<Diagnostic> {
    let instance = root.to_json();
    let validator = validator();
    if validator.is_valid(&instance) {
        return Vec::new();
    }
    let mut out = Vec::new();
    for error in validator.iter_errors(&instance) {
        let path: Vec<String> = error
            .instance_path()
            .iter()
            .map(|s| match s {
                LocationSegment::Property(p) => p.into_owned(),
                LocationSegment::Index(i) => i.to_string(),
            })
            .collect();
        let found = locate(root, &path);
        let what = describe(root, &path);
        match error.kind() {
            ValidationErrorKind::AdditionalProperties { unexpected } => {
                let allowed = allowed_keys(&path);
                for key in unexpected {
                    let span = found
                        .node
                        .entry(key)
                        .map_or(found.node.span, |e| e.key.span);
                    let mut d = Diagnostic::new(
                        &SCHEMA,
                        file,
                        span,
                        format!("unknown key `{key}` in {what}"),
                    );
                    d = match did_you_mean(key, allowed.iter().map(String::as_str)) {
                        Some(s) => d.with_help(format!("did you mean `{s}`?")),
                        None if !allowed.is_empty() => d.with_help(format!(
                            "allowed keys here: {}",
                            allowed
                                .iter()
                                .map(|k| format!("`{k}`"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        )),
                        None => d,
                    };
                    out.push(d);
                }
            }
            ValidationErrorKind::Required { property } => {
                let key = property.as_str().unwrap_or_default();
                let span = anchor_span(found.node);
                let help = match key {
                    "version" => "add `version: 1` at the top of the file".to_owned(),
                    "id" => "add an `id`, e.g. `id: refund-rate`".to_owned(),
                    _ => format!("add `{key}: ...`"),
                };
                out.push(
                    Diagnostic::new(
                        &SCHEMA,
                        file,
                        span,
                        format!("{what} is missing required `{key}`"),
                    )
                    .with_help(help),
                );
            }
            _ if path.is_empty() => {
                out.push(
                    Diagnostic::new(
                        &SCHEMA,
                        file,
                        root.span,
                        format!("a spec file must be a mapping, found {}", root.type_name()),
                    )
                    .with_help("start the file with `version: 1`"),
                );
            }
            kind => {
                let key = found.key.unwrap_or("value");
                let (message, help) = message_for(kind, key, found.node, &error.to_string());
                let mut d = Diagnostic::new(&SCHEMA, file, found.node.span, message);
                if let Some(h) = help {
                    d = d.with_help(h);
                }
                out.push(d);
            }
        }
    }
    out
}

fn message_for(
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
            (
                format!("`{key}` must be {expected}, found {}", node.type_name()),
                None,
            )
        }
        ValidationErrorKind::Pattern { .. } => match key {
            "period" | "review" => (
                format!("`{key}` is not a known cadence"),
                Some("use daily, weekly, biweekly, monthly, quarterly, half-yearly, yearly or an ISO 8601 duration such as `P2W`".into()),
            ),
            "due" => (
                "`due` is neither a date nor an ISO 8601 duration".into(),
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

struct Found<'a> {
    node: &'a Node,
    /// The last mapping key on the way, if any.
    key: Option<&'a str>,
}

/// Follows an instance path through the YAML tree, as far as it goes.
fn locate<'a>(root: &'a Node, path: &[String]) -> Found<'a> {
    let mut node = root;
    let mut key = None;
    for seg in path {
        let next = if let Some(e) = node.entry(seg) {
            key = Some(e.key_str());
            Some(&e.value)
        } else if let (Some(seq), Ok(i)) = (node.as_seq(), seg.parse::<usize>()) {
            seq.get(i)
        } else {
            None
        };
        match next {
            Some(n) => node = n,
            None => break,
        }
    }
    Found { node, key }
}

/// Where to point for something missing from a mapping: its `id` value, else its first key.
fn anchor_span(node: &Node) -> Span {
    if let Some(e) = node.entry("id") {
        return e.value.span;
    }
    match node.as_map().and_then(|m| m.first()) {
        Some(e) => e.key.span,
        None => Span::new(node.span.start, node.span.start),
    }
}

/// Names the item a path is in: "KPI `refund-rate`", "the team", "the file".
fn describe(root: &Node, path: &[String]) -> String {
    let (kind, list) = match path.first().map(String::as_str) {
        Some("kpis") => ("KPI", "kpis"),
        Some("duties") => ("duty", "duties"),
        Some("owners") => ("owner", "owners"),
        Some("team") => return "the team".into(),
        _ => return "the spec file".into(),
    };
    let Some(index) = path.get(1).and_then(|s| s.parse::<usize>().ok()) else {
        return format!("`{list}`");
    };
    let item = root
        .get(list)
        .and_then(Node::as_seq)
        .and_then(|s| s.get(index));
    let base = match item.and_then(|i| i.get("id")).and_then(Node::as_str) {
        Some(id) => format!("{kind} `{id}`"),
        None => format!("{kind} #{}", index + 1),
    };
    if path.get(2).map(String::as_str) == Some("target") {
        format!("the target of {base}")
    } else {
        base
    }
}

/// The keys the schema allows at a path, for did-you-mean.
fn allowed_keys(path: &[String]) -> Vec<String> {
    let schema = schema_json();
    let def = match (path.first().map(String::as_str), path.len()) {
        (None, _) => return keys(&schema["properties"]),
        (Some("team"), 1) => "team",
        (Some("owners"), 2) => "owner",
        (Some("duties"), 2) => "duty",
        (Some("kpis"), 2) => "kpi",
        (Some("kpis"), 3) => "target",
        _ => return Vec::new(),
    };
    keys(&schema["$defs"][def]["properties"])
}

fn keys(properties: &Json) -> Vec<String> {
    properties
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}
