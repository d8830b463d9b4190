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
                let (message, help) = message_for(kind, key, found.node, &what, &error.to_string());
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

/// `{id, name}`: an owner, a duty and a KPI the schema accepts, or `None` if it does not.
fn stand_in() -> Option<&'static Json> {
    static STAND_IN: OnceLock<Option<Json>> = OnceLock::new();
    STAND_IN
        .get_or_init(|| {
            let item = serde_json::json!({"id": "x", "name": "x"});
            let doc = serde_json::json!({
                "version": 1,
                "team": {"id": "t", "name": "t"},
                "owners": [item],
                "duties": [item],
                "kpis": [item],
            });
            validator().is_valid(&doc).then_some(item)
        })
        .as_ref()
}

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

fn message_for(
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
        ValidationErrorKind::Type { .. }
            if key == "weight" && node.as_str().is_some_and(|s| s.trim().ends_with('%')) =>
        {
            let number = node.as_str().unwrap_or_default().trim().trim_end_matches('%').trim();
            (
                "`weight` must be a number, found a string".into(),
                Some(format!("write `weight: {number}`: weights are percentages already")),
            )
        }
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

/// A fast check that a YAML tree is valid against the spec schema, run before the JSON Schema
/// validator. It interprets the embedded schema itself, but only the keywords and patterns it
/// knows exactly (`type`, `properties`, `required`, `additionalProperties: false`, `items`,
/// `minItems`, `maxItems`, `minimum`, `maximum`, `const`, `enum`, `$ref` and the ID, cadence
/// and due-date patterns). It answers "valid" only when it is sure; for anything else
/// (a failure, an unknown keyword, a non-finite number, non-ASCII digits) the caller falls
/// back to the full validator, so it can make kpic faster but never change a finding.
pub(crate) mod fast {
    use std::sync::OnceLock;

    use serde_json::Value as Json;

    use crate::workspace::yaml::{Entry, Node, Value};

    /// Whether `root` is certainly valid against the spec schema.
    pub fn is_valid(root: &Node) -> bool {
        match compiled() {
            Some(c) => c.valid(0, root),
            None => false,
        }
    }

    /// Whether `node` is certainly valid against the definition `$defs/<def>`.
    pub fn is_valid_def(def: &str, node: &Node) -> bool {
        compiled().is_some_and(|c| {
            c.defs
                .iter()
                .find(|(n, _)| n == def)
                .is_some_and(|&(_, id)| c.valid(id, node))
        })
    }

    /// The schema compiled once; `None` when it uses something the fast path does not know.
    fn compiled() -> Option<&'static Compiled> {
        static COMPILED: OnceLock<Option<Compiled>> = OnceLock::new();
        COMPILED
            .get_or_init(|| Compiled::new(super::schema_json()))
            .as_ref()
    }

    const NULL: u8 = 1;
    const BOOLEAN: u8 = 2;
    const NUMBER: u8 = 4;
    const STRING: u8 = 8;
    const ARRAY: u8 = 16;
    const OBJECT: u8 = 32;

    /// A pattern of the schema, implemented by hand.
    #[derive(Clone, Copy)]
    enum Pattern {
        Id,
        Cadence,
        Due,
    }

    /// A constant of `const` or `enum`.
    enum Constant {
        Str(String),
        Int(i64),
    }

    /// One (sub)schema; `refs` and `items` index [`Compiled::schemas`].
    #[derive(Default)]
    struct Schema {
        types: Option<u8>,
        refs: Vec<usize>,
        required: Vec<String>,
        properties: Vec<(String, usize)>,
        /// [`signature`] of each property name, in the order of `properties`: a key is looked
        /// up by a scan of these small numbers and one comparison of text.
        signatures: Vec<u32>,
        closed: bool,
        items: Option<usize>,
        min_items: Option<usize>,
        max_items: Option<usize>,
        minimum: Option<f64>,
        maximum: Option<f64>,
        constants: Option<Vec<Constant>>,
        pattern: Option<Pattern>,
    }

    struct Compiled {
        schemas: Vec<Schema>,
        /// The `$defs`, by name.
        defs: Vec<(String, usize)>,
    }

    impl Compiled {
        fn new(root: &Json) -> Option<Compiled> {
            let defs = root.get("$defs").and_then(Json::as_object);
            let mut c = Compiled {
                schemas: Vec::new(),
                defs: Vec::new(),
            };
            let mut def_ids = Vec::new();
            if let Some(defs) = defs {
                // Reserve a slot per definition first, so `$ref`s can point at them.
                for name in defs.keys() {
                    def_ids.push((name.clone(), c.schemas.len()));
                    c.schemas.push(Schema::default());
                }
            }
            let root_id = c.schemas.len();
            c.schemas.push(Schema::default());
            let compiled_root = c.compile(root, &def_ids, true)?;
            c.schemas[root_id] = compiled_root;
            if let Some(defs) = defs {
                for (name, id) in &def_ids {
                    let s = c.compile(&defs[name], &def_ids, false)?;
                    c.schemas[*id] = s;
                }
            }
            // The root is checked first: put it at index 0.
            c.schemas.swap(0, root_id);
            let fix = |i: usize| {
                if i == 0 {
                    root_id
                } else if i == root_id {
                    0
                } else {
                    i
                }
            };
            for s in &mut c.schemas {
                s.refs.iter_mut().for_each(|r| *r = fix(*r));
                s.properties.iter_mut().for_each(|(_, r)| *r = fix(*r));
                s.items = s.items.map(fix);
            }
            c.defs = def_ids.into_iter().map(|(n, i)| (n, fix(i))).collect();
            Some(c)
        }

        /// Compiles one schema object into a new slot, returning the schema (not yet stored).
        fn compile(&mut self, s: &Json, defs: &[(String, usize)], root: bool) -> Option<Schema> {
            let obj = s.as_object()?;
            let mut out = Schema::default();
            for (key, v) in obj {
                match key.as_str() {
                    "$schema" | "$id" | "title" | "description" | "$comment" => {}
                    "$defs" if root => {}
                    "type" => out.types = Some(types(v)?),
                    "$ref" => {
                        let name = v.as_str()?.strip_prefix("#/$defs/")?;
                        out.refs
                            .push(defs.iter().find(|(n, _)| n == name).map(|(_, i)| *i)?);
                    }
                    "required" => {
                        out.required = v
                            .as_array()?
                            .iter()
                            .map(|k| k.as_str().map(str::to_owned))
                            .collect::<Option<_>>()?;
                    }
                    "additionalProperties" => out.closed = !v.as_bool()?,
                    "properties" => {
                        for (name, sub) in v.as_object()? {
                            let id = self.add(sub, defs)?;
                            out.properties.push((name.clone(), id));
                        }
                    }
                    "items" => out.items = Some(self.add(v, defs)?),
                    "minItems" => out.min_items = Some(usize::try_from(v.as_u64()?).ok()?),
                    "maxItems" => out.max_items = Some(usize::try_from(v.as_u64()?).ok()?),
                    "minimum" => out.minimum = Some(v.as_f64()?),
                    "maximum" => out.maximum = Some(v.as_f64()?),
                    "const" => out.constants = Some(vec![constant(v)?]),
                    "enum" => {
                        out.constants =
                            Some(v.as_array()?.iter().map(constant).collect::<Option<_>>()?)
                    }
                    "pattern" => out.pattern = Some(pattern(v.as_str()?)?),
                    _ => return None,
                }
            }
            out.signatures = out.properties.iter().map(|(k, _)| signature(k)).collect();
            Some(out)
        }

        fn add(&mut self, s: &Json, defs: &[(String, usize)]) -> Option<usize> {
            let schema = self.compile(s, defs, false)?;
            // A property that only refers to a definition is that definition: one call less
            // per value.
            if let [only] = schema.refs[..]
                && schema.is_only_refs()
            {
                return Some(only);
            }
            self.schemas.push(schema);
            Some(self.schemas.len() - 1)
        }

        fn valid(&self, id: usize, node: &Node) -> bool {
            let s = &self.schemas[id];
            let Some(kind) = kind(node) else {
                return false;
            };
            if s.types.is_some_and(|t| t & kind == 0) {
                return false;
            }
            if !s.refs.iter().all(|&r| self.valid(r, node)) {
                return false;
            }
            if let Some(constants) = &s.constants
                && !constants.iter().any(|c| matches(c, node))
            {
                return false;
            }
            match &node.value {
                Value::Map(entries) => self.valid_map(s, entries),
                Value::Seq(items) => self.valid_seq(s, items),
                Value::Str(text) => s.pattern.is_none_or(|p| p.matches(text)),
                Value::Int(_) | Value::Float(_) => {
                    let n = node.as_f64().unwrap_or(f64::NAN);
                    s.minimum.is_none_or(|m| n >= m) && s.maximum.is_none_or(|m| n <= m)
                }
                Value::Null | Value::Bool(_) => true,
            }
        }

        // Collections out of line: most nodes are scalars, whose check stays small.
        #[inline(never)]
        fn valid_map(&self, s: &Schema, entries: &[Entry]) -> bool {
            s.required
                .iter()
                .all(|k| entries.iter().any(|e| e.key_str() == k))
                && entries.iter().all(|e| {
                    // A key that is not text goes to the full check. (A key given twice is
                    // E001; here all its entries are checked, the JSON keeps only the last.)
                    if !matches!(e.key.value, Value::Str(_)) {
                        return false;
                    }
                    match s.property(e.key_str()) {
                        Some(id) => self.valid(id, &e.value),
                        None => !s.closed,
                    }
                })
        }

        #[inline(never)]
        fn valid_seq(&self, s: &Schema, items: &[Node]) -> bool {
            s.min_items.is_none_or(|n| items.len() >= n)
                && s.max_items.is_none_or(|n| items.len() <= n)
                && s.items
                    .is_none_or(|sub| items.iter().all(|i| self.valid(sub, i)))
        }
    }

    impl Schema {
        /// Whether the schema asks nothing but its `$ref`s.
        fn is_only_refs(&self) -> bool {
            let Schema {
                types,
                refs: _,
                required,
                properties,
                signatures: _,
                closed,
                items,
                min_items,
                max_items,
                minimum,
                maximum,
                constants,
                pattern,
            } = self;
            types.is_none()
                && required.is_empty()
                && properties.is_empty()
                && !closed
                && items.is_none()
                && min_items.is_none()
                && max_items.is_none()
                && minimum.is_none()
                && maximum.is_none()
                && constants.is_none()
                && pattern.is_none()
        }

        /// The schema of property `key`, if it is one.
        fn property(&self, key: &str) -> Option<usize> {
            let sig = signature(key);
            self.signatures
                .iter()
                .zip(&self.properties)
                .find(|&(&s, (name, _))| s == sig && name == key)
                .map(|(_, &(_, id))| id)
        }
    }

    /// A number that differs for most different keys: length, first and last byte.
    fn signature(key: &str) -> u32 {
        let b = key.as_bytes();
        let first = b.first().copied().unwrap_or(0);
        let last = b.last().copied().unwrap_or(0);
        (b.len().min(0xffff) as u32) << 16 | u32::from(first) << 8 | u32::from(last)
    }

    /// The JSON type of a node as the validator sees it; `None` for a non-finite number (which
    /// becomes a string in JSON: left to the full check).
    fn kind(node: &Node) -> Option<u8> {
        Some(match &node.value {
            Value::Null => NULL,
            Value::Bool(_) => BOOLEAN,
            Value::Int(_) => NUMBER,
            Value::Float(f) if f.is_finite() => NUMBER,
            Value::Float(_) => return None,
            Value::Str(_) => STRING,
            Value::Seq(_) => ARRAY,
            Value::Map(_) => OBJECT,
        })
    }

    fn types(v: &Json) -> Option<u8> {
        let one = |t: &Json| {
            Some(match t.as_str()? {
                "null" => NULL,
                "boolean" => BOOLEAN,
                "number" => NUMBER,
                "string" => STRING,
                "array" => ARRAY,
                "object" => OBJECT,
                _ => return None,
            })
        };
        match v {
            Json::Array(a) => a.iter().try_fold(0, |acc, t| Some(acc | one(t)?)),
            t => one(t),
        }
    }

    fn constant(v: &Json) -> Option<Constant> {
        match v {
            Json::String(s) => Some(Constant::Str(s.clone())),
            Json::Number(n) => n.as_i64().map(Constant::Int),
            _ => None,
        }
    }

    fn matches(c: &Constant, node: &Node) -> bool {
        match (c, &node.value) {
            (Constant::Str(a), Value::Str(b)) => a == b,
            (Constant::Int(a), Value::Int(b)) => a == b,
            _ => false,
        }
    }

    const ID: &str = "^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$";
    const DURATION: &str =
        "P(?=\\d|T\\d)(\\d+Y)?(\\d+M)?(\\d+W)?(\\d+D)?(T(?=\\d)(\\d+H)?(\\d+M)?(\\d+S)?)?";
    const CADENCES: &str = "daily|weekly|biweekly|monthly|quarterly|half-yearly|yearly";

    /// Recognises the schema's patterns by their exact text.
    fn pattern(p: &str) -> Option<Pattern> {
        if p == ID {
            Some(Pattern::Id)
        } else if p == format!("^({CADENCES}|{DURATION})$") {
            Some(Pattern::Cadence)
        } else if p == format!("^(\\d{{4}}-\\d{{2}}-\\d{{2}}|{DURATION})$") {
            Some(Pattern::Due)
        } else {
            None
        }
    }

    impl Pattern {
        fn matches(self, s: &str) -> bool {
            match self {
                Pattern::Id => {
                    let b = s.as_bytes();
                    (1..=64).contains(&b.len())
                        && b[0].is_ascii_alphanumeric()
                        && b[1..]
                            .iter()
                            .all(|c| c.is_ascii_alphanumeric() || *c == b'-' || *c == b'_')
                }
                Pattern::Cadence => CADENCES.split('|').any(|c| c == s) || duration(s),
                Pattern::Due => crate::date::is_date_shaped(s) || duration(s),
            }
        }
    }

    /// The ISO 8601 duration of the schema's patterns, with ASCII digits.
    fn duration(s: &str) -> bool {
        let Some(rest) = s.strip_prefix('P') else {
            return false;
        };
        let b = rest.as_bytes();
        let starts_with_digit = |b: &[u8]| b.first().is_some_and(u8::is_ascii_digit);
        if !(starts_with_digit(b) || (b.first() == Some(&b'T') && starts_with_digit(&b[1..]))) {
            return false;
        }
        let mut i = 0;
        // `(\d+X)?` groups in order; returns false when digits are not followed by any of them.
        let groups = |i: &mut usize, units: &[u8]| -> bool {
            let mut next = 0;
            while *i < b.len() && b[*i].is_ascii_digit() {
                let mut j = *i;
                while j < b.len() && b[j].is_ascii_digit() {
                    j += 1;
                }
                match units[next..].iter().position(|u| b.get(j) == Some(u)) {
                    Some(p) => {
                        next += p + 1;
                        *i = j + 1;
                    }
                    None => return false,
                }
            }
            true
        };
        if !groups(&mut i, b"YMWD") {
            return false;
        }
        if i < b.len() && b[i] == b'T' && starts_with_digit(&b[i + 1..]) {
            i += 1;
            if !groups(&mut i, b"HMS") {
                return false;
            }
        }
        i == b.len()
    }
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
            // Same length, first and last letter as a property: found by its signature, then
            // told apart by its text.
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
