//! A fast check that a YAML tree is valid against the spec schema, run before the JSON Schema
//! validator. It interprets the embedded schema itself, but only the keywords and patterns it
//! knows exactly (`type`, `properties`, `required`, `additionalProperties: false`, `items`,
//! `minItems`, `maxItems`, `minimum`, `maximum`, `const`, `enum`, `$ref` and the ID, cadence
//! and due-date patterns). It answers "valid" only when it is sure; for anything else
//! (a failure, an unknown keyword, a non-finite number, non-ASCII digits) the caller falls
//! back to the full validator, so it can make kpic faster but never change a finding.

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
    Date,
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
                    out.constants = Some(v.as_array()?.iter().map(constant).collect::<Option<_>>()?)
                }
                "pattern" => out.pattern = Some(pattern(v.as_str()?)?),
                _ => return None,
            }
        }
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
        self.properties
            .iter()
            .find(|(name, _)| name == key)
            .map(|&(_, id)| id)
    }
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
    } else if p == "^\\d{4}-\\d{2}-\\d{2}$" {
        Some(Pattern::Date)
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
            Pattern::Date => crate::date::is_date_shaped(s),
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
