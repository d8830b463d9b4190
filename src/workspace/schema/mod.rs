//! Validation against the embedded spec JSON Schema, with errors mapped back to YAML spans:
//! a fast path that proves most documents valid ([`fast`]), the validator for the others,
//! and the words of each finding ([`messages`]).

pub(crate) mod fast;
mod messages;

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
pub const SPEC_SCHEMA: &str = include_str!("../../../schemas/kpi-spec.schema.json");

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
///
/// Most files are valid: `fast::is_valid` proves that on the YAML tree itself, without
/// converting it to JSON. Only when it cannot does the tree go to the JSON Schema validator,
/// which then also explains each failure.
pub fn validate(file: FileId, root: &Node) -> Vec<Diagnostic> {
    if fast::is_valid(root) {
        debug_assert!(
            validator().is_valid(&root.to_json()),
            "the fast path accepted a document the schema rejects"
        );
        return Vec::new();
    }
    let instance = pruned_json(root);
    let validator = validator();
    // Straight to the errors: the fast path seldom doubts a valid file, and finding none
    // costs one pass, as `is_valid` would.
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
                let (message, help) =
                    messages::message_for(kind, key, found.node, &what, &error.to_string());
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

/// The document as JSON for the validator, with every owner, duty and KPI that the fast path
/// proves valid replaced by a small valid stand-in: converting and validating them again would
/// find nothing, and the paths of the others stay the same. Without a usable stand-in, the whole
/// document.
fn pruned_json(root: &Node) -> Json {
    let Some(entries) = root.as_map().filter(|_| stand_in().is_some()) else {
        return root.to_json();
    };
    let stand_in = stand_in().cloned().unwrap_or_default();
    Json::Object(
        entries
            .iter()
            .map(|e| {
                let def = match e.key_str() {
                    "objectives" => "objective",
                    "owners" => "owner",
                    "duties" => "duty",
                    "kpis" => "kpi",
                    _ => return (e.key_str().to_owned(), e.value.to_json()),
                };
                let value = match e.value.as_seq() {
                    Some(items) => Json::Array(
                        items
                            .iter()
                            .map(|item| {
                                if fast::is_valid_def(def, item) {
                                    stand_in.clone()
                                } else {
                                    item.to_json()
                                }
                            })
                            .collect(),
                    ),
                    None => e.value.to_json(),
                };
                (e.key_str().to_owned(), value)
            })
            .collect(),
    )
}

/// `{id, name}`: an objective, an owner, a duty and a KPI the schema accepts, or `None` if it does not.
fn stand_in() -> Option<&'static Json> {
    static STAND_IN: OnceLock<Option<Json>> = OnceLock::new();
    STAND_IN
        .get_or_init(|| {
            let item = serde_json::json!({"id": "x", "name": "x"});
            let doc = serde_json::json!({
                "version": 1,
                "team": {"id": "t", "name": "t"},
                "objectives": [item],
                "owners": [item],
                "duties": [item],
                "kpis": [item],
            });
            validator().is_valid(&doc).then_some(item)
        })
        .as_ref()
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
        None => Span::new(node.span.lo(), node.span.lo()),
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

/// The keys the schema allows in the mapping at a path (keys and list indices from the root,
/// `["kpis", "3"]`), for did-you-mean, fixes and completion.
pub fn allowed_keys(path: &[String]) -> Vec<String> {
    mapping_schema(path).map_or_else(Vec::new, |s| keys(&s["properties"]))
}

/// The part of the spec schema that describes the mapping at a path (as for
/// [`allowed_keys`]): its `properties` give each key's description, type and values.
pub fn mapping_schema(path: &[String]) -> Option<&'static Json> {
    let schema = schema_json();
    let def = match (path.first().map(String::as_str), path.len()) {
        (None, _) => return Some(schema),
        (Some("team"), 1) => "team",
        (Some("owners"), 2) => "owner",
        (Some("duties"), 2) => "duty",
        (Some("kpis"), 2) => "kpi",
        (Some("kpis"), 3) if path[2] == "target" => "target",
        _ => return None,
    };
    Some(&schema["$defs"][def])
}

fn keys(properties: &Json) -> Vec<String> {
    properties
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workspace::yaml::{Limits, load};

    fn tree(text: &str) -> Node {
        let loaded = load(text, Limits::default());
        loaded
            .root
            .unwrap_or_else(|| panic!("no document in {text:?}: {:?}", loaded.errors))
    }

    /// The fast path never accepts what the schema rejects, and accepts the ordinary valid
    /// documents (so that it is actually used).
    fn agrees(text: &str) -> bool {
        let root = tree(text);
        let fast = fast::is_valid(&root);
        let full = validator().is_valid(&root.to_json());
        assert!(
            !fast || full,
            "fast path accepted an invalid document:\n{text}"
        );
        fast
    }

    #[test]
    fn fast_path_accepts_the_bundled_specs() {
        for name in ["ecommerce-ops.yaml", "owners.yaml", "support.yaml"] {
            let path = format!("{}/kpi-specs/{name}", env!("CARGO_MANIFEST_DIR"));
            let text = std::fs::read_to_string(&path).expect("bundled spec");
            assert!(agrees(&text), "fast path rejected {name}");
        }
    }

    #[test]
    fn fast_path_never_accepts_an_invalid_document() {
        let kpi = |extra: &str| {
            format!(
                "version: 1\nteam: {{id: t, name: T, review: quarterly}}\nkpis:\n  - id: k\n    name: K\n{extra}"
            )
        };
        let valid = [
            kpi(""),
            kpi("    period: P2W\n    due: P5D\n"),
            kpi("    due: 2027-03-31\n    period: PT12H\n"),
            kpi("    target: {op: \">=\", value: 2, unit: 份}\n"),
            kpi("    target: 3\n    range: [0, null]\n    weight: 100\n"),
            kpi("    contributors: [a, b_c, D-9]\n"),
            kpi("    supports: [o1]\n    consulted: [a]\n    informed: [b]\n    kind: leading\n"),
            kpi("    threshold: 85%以上\n    effective: 2027-01-01\n    until: 2027-12-31\n"),
            "version: 1\nteam: {id: t, name: T, parent: ops}\nobjectives:\n  - {id: o, name: O, owner: a, parent: p}\n".into(),
            "version: 1\nowners:\n  - {id: li-na, name: 李娜, email: a@b.c}\n".into(),
        ];
        for text in &valid {
            assert!(agrees(text), "fast path rejected:\n{text}");
        }
        let invalid = [
            "version: 2\n".to_owned(),
            "version: 1.0\n".into(),
            "version: \"1\"\n".into(),
            "kpis: []\n".into(),
            "version: 1\nextra: 1\n".into(),
            kpi("    tagret: 1\n"),
            // Same length, first and last letter as a property.
            kpi("    nmae: K\n"),
            "version: 1\nteam: {id: t, name: T}\nkpis:\n  - {id: k, nmae: K}\n".into(),
            kpi("    \"\": 1\n"),
            kpi("    weight: 101\n"),
            kpi("    weight: -1\n"),
            kpi("    weight: .nan\n"),
            kpi("    weight: \"20\"\n"),
            kpi("    range: [0]\n"),
            kpi("    range: [0, 1, 2]\n"),
            kpi("    range: [0, a]\n"),
            kpi("    period: fortnightly\n"),
            kpi("    period: P\n"),
            kpi("    period: PT\n"),
            kpi("    period: P1DT\n"),
            kpi("    period: P1M1Y\n"),
            kpi("    period: P１D\n"),
            kpi("    due: 2027-3-31\n"),
            kpi("    due: 2027-03-31x\n"),
            kpi("    owner: -li\n"),
            kpi("    owner: li na\n"),
            kpi(&format!("    owner: {}\n", "a".repeat(65))),
            kpi("    contributors: [li, 李]\n"),
            kpi("    kind: sometimes\n"),
            kpi("    effective: 2027-1-01\n"),
            kpi("    until: P5D\n"),
            kpi("    supports: grow\n"),
            kpi("    informed: [li na]\n"),
            kpi("    threshold: [1]\n"),
            "version: 1\nobjectives:\n  - {id: o}\n".into(),
            "version: 1\nobjectives:\n  - {id: o, name: O, parnet: p}\n".into(),
            "version: 1\nteam: {id: t, name: T, parent: 李}\n".into(),
            kpi("    target: {op: \"!=\", value: 2}\n"),
            kpi("    target: {op: \">=\"}\n"),
            kpi("    target: {op: \">=\", value: 2, units: x}\n"),
            kpi("    target: [1]\n"),
            kpi("    target: true\n"),
            "version: 1\nkpis:\n  - {id: k, name: 3}\n".into(),
            "version: 1\nteam: {id: t, name: T, locale: fr}\n".into(),
            "version: 1\nteam: {id: t}\n".into(),
            "version: 1\nowners:\n  - {name: x}\n".into(),
            "- 1\n".into(),
        ];
        for text in &invalid {
            assert!(!agrees(text), "fast path accepted:\n{text}");
        }
    }

    #[test]
    fn pruned_document_has_the_same_errors() {
        let text = "version: 1\nteam: {id: t, name: T}\nowners:\n  - {id: a, name: A}\n  - {id: b, nmae: B}\nkpis:\n  - {id: k1, name: K}\n  - {id: k2, name: K, weight: 101, tagret: 1}\n  - {id: k3, name: K, period: often}\n  - {id: k4, name: K}\n";
        let root = tree(text);
        let errors = |json: &Json| {
            let mut v: Vec<String> = validator()
                .iter_errors(json)
                .map(|e| format!("{} {e}", e.instance_path()))
                .collect();
            v.sort();
            v
        };
        let pruned = pruned_json(&root);
        assert_ne!(pruned, root.to_json(), "valid items are replaced");
        let expected = errors(&root.to_json());
        assert_eq!(expected.len(), 5, "{expected:?}");
        assert_eq!(errors(&pruned), expected);
    }

    #[test]
    fn fast_path_durations() {
        for ok in ["P1D", "P2W", "PT5M", "P1Y2M3W4DT5H6M7S", "P10DT1H"] {
            assert!(
                fast::is_valid(&tree(&format!(
                    "version: 1\nteam: {{id: t, name: T, review: {ok}}}\n"
                ))),
                "{ok}"
            );
        }
    }
}
