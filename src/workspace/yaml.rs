//! YAML with a byte span on every node, built from saphyr's parser events.
//!
//! saphyr-parser gives YAML 1.2 events with character offsets. We build our own small tree
//! (rather than saphyr's `MarkedYaml`) so that we can bound depth, node count and alias
//! expansion while loading, stop at the first limit without building the rest, convert
//! character offsets to byte offsets once, and reject duplicate keys with both places known.

use std::borrow::Cow;
use std::cell::Cell;
use std::collections::HashMap;

use saphyr::Scalar;
use saphyr_parser::{Event, Parser, ScalarStyle, Span as YSpan, Tag};

use crate::source::Span;

/// Limits on what one YAML file may contain. Loading stops at the first limit exceeded, with
/// an error at the node that exceeded it, so memory stays proportional to the limits.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Deepest nesting of sequences and mappings (capped at [`HARD_MAX_DEPTH`]).
    pub max_depth: usize,
    /// Most nodes in one file (every scalar, sequence and mapping, keys included), aliases
    /// expanded.
    pub max_nodes: usize,
    /// Most nodes that anchors and aliases may copy in one file.
    pub max_alias_nodes: usize,
    /// Most keys in one mapping. Spec mappings have a few known keys; a huge one would make
    /// every lookup in it (schema, model, rules) slow.
    pub max_keys: usize,
}

/// Default deepest nesting: a spec needs about 5 levels.
pub const DEFAULT_MAX_DEPTH: usize = 64;
/// Bytes of the file size limit per node allowed: the node limit grows with `max-file-size`,
/// so that a file that may be read may also be loaded, and the tree stays proportional to the
/// limit (a node takes about 40 bytes).
pub const BYTES_PER_NODE: u64 = 16;
/// Default most nodes in one file: one per [`BYTES_PER_NODE`] bytes of the default size limit
/// (1,048,576: about 95,000 KPIs of five fields, 11 nodes each).
pub const DEFAULT_MAX_NODES: usize = (16 * 1024 * 1024 / BYTES_PER_NODE) as usize;
/// Default most nodes copied by anchors and aliases in one file.
pub const DEFAULT_MAX_ALIAS_NODES: usize = 100_000;
/// Default most keys in one mapping.
pub const DEFAULT_MAX_KEYS: usize = 1_000;
/// Nesting never goes deeper than this, whatever the limits say, so that code walking the tree
/// recursively (dropping it, converting it to JSON, schema validation) has a bounded stack.
pub const HARD_MAX_DEPTH: usize = 200;

impl Limits {
    /// The default limits, with the node limit for files of up to `max_file_size` bytes: one
    /// node per [`BYTES_PER_NODE`] bytes, and never fewer than [`DEFAULT_MAX_NODES`].
    pub fn for_file_size(max_file_size: u64) -> Limits {
        let nodes = usize::try_from(max_file_size / BYTES_PER_NODE).unwrap_or(usize::MAX);
        Limits {
            max_nodes: nodes.max(DEFAULT_MAX_NODES),
            ..Limits::default()
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: DEFAULT_MAX_DEPTH,
            max_nodes: DEFAULT_MAX_NODES,
            max_alias_nodes: DEFAULT_MAX_ALIAS_NODES,
            max_keys: DEFAULT_MAX_KEYS,
        }
    }
}

/// A YAML node and where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Bytes of the node in its file.
    pub span: Span,
    /// What the node holds.
    pub value: Value,
}

/// The value of a YAML node (YAML 1.2 core schema).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null`, `~` or nothing.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer that fits in 64 bits.
    Int(i64),
    /// A floating-point number (may be NaN or infinite).
    Float(f64),
    /// A string.
    Str(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in source order.
    Map(Vec<Entry>),
}

/// One key/value pair of a mapping.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The key node (its value is the key as written, always a string).
    pub key: Node,
    /// The value node.
    pub value: Node,
}

impl Entry {
    /// The key's text.
    pub fn key_str(&self) -> &str {
        match &self.key.value {
            Value::Str(s) => s,
            _ => "",
        }
    }
}

impl Node {
    /// The mapping entries, if this is a mapping.
    pub fn as_map(&self) -> Option<&[Entry]> {
        match &self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The items, if this is a sequence.
    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(s) => Some(s),
            _ => None,
        }
    }

    /// The text, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The number, if this is an integer or a float.
    pub fn as_f64(&self) -> Option<f64> {
        match self.value {
            Value::Int(i) => Some(i as f64),
            Value::Float(f) => Some(f),
            _ => None,
        }
    }

    /// The entry with key `key`, if this is a mapping that has it.
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.as_map()?.iter().find(|e| e.key_str() == key)
    }

    /// The value under `key`, if this is a mapping that has it.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    /// The value as JSON, for schema validation. Non-finite floats become strings, so the schema
    /// reports them as "not a number".
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f)
                .map(J::Number)
                .unwrap_or_else(|| J::String(f.to_string())),
            Value::Str(s) => J::String(s.clone()),
            Value::Seq(items) => J::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(entries) => J::Object(
                entries
                    .iter()
                    .map(|e| (e.key_str().to_owned(), e.value.to_json()))
                    .collect(),
            ),
        }
    }

    /// A short description of the node's type, for messages.
    pub fn type_name(&self) -> &'static str {
        match self.value {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Float(f) if f.is_nan() => "`.nan` (not a number)",
            Value::Float(f) if f.is_infinite() => "an infinite number (`.inf` or too large)",
            Value::Int(_) | Value::Float(_) => "a number",
            Value::Str(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }
}

/// A YAML problem: what and where, plus optional secondary places.
#[derive(Debug, Clone, PartialEq)]
pub struct YamlError {
    /// What is wrong, lowercase.
    pub message: String,
    /// Where it is.
    pub span: Span,
    /// Other places that explain it (for a duplicate key: the first one).
    pub labels: Vec<(Span, String)>,
    /// What to do about it.
    pub help: Option<String>,
}

/// The result of loading one file: the first document (if any was read) and the problems.
#[derive(Debug, Default)]
pub struct Loaded {
    /// The first document, or `None` when the file could not be read as YAML at all.
    pub root: Option<Node>,
    /// Problems found; the document is still usable when only non-fatal ones occurred.
    pub errors: Vec<YamlError>,
    /// Whether the file held no document (empty, or only comments).
    pub empty: bool,
}

/// Converts the parser's character offsets into byte offsets.
struct CharToByte<'a> {
    text: &'a str,
    ascii: bool,
    /// Byte offset of every `STRIDE`-th character.
    checkpoints: Vec<usize>,
    /// The last conversion `(char index, byte offset)`: the parser's positions mostly move
    /// forward a few characters at a time, so most conversions walk on from here.
    cursor: Cell<(usize, usize)>,
}

const STRIDE: usize = 64;

impl<'a> CharToByte<'a> {
    fn new(text: &'a str) -> Self {
        let ascii = text.is_ascii();
        let checkpoints = if ascii {
            Vec::new()
        } else {
            text.char_indices()
                .step_by(STRIDE)
                .map(|(b, _)| b)
                .collect()
        };
        CharToByte {
            text,
            ascii,
            checkpoints,
            cursor: Cell::new((0, 0)),
        }
    }

    fn byte(&self, char_index: usize) -> usize {
        if self.ascii {
            return char_index.min(self.text.len());
        }
        let (at_char, at_byte) = self.cursor.get();
        let (from_char, from_byte) = if char_index >= at_char && char_index - at_char < STRIDE {
            (at_char, at_byte)
        } else {
            match self.checkpoints.get(char_index / STRIDE) {
                Some(&b) => (char_index - char_index % STRIDE, b),
                None => return self.text.len(),
            }
        };
        // Walk on by counting the first bytes of characters.
        let bytes = &self.text.as_bytes()[from_byte..];
        let mut left = char_index - from_char;
        let mut offset = 0;
        while left > 0 && offset < bytes.len() {
            offset += 1;
            while offset < bytes.len() && (bytes[offset] & 0xC0) == 0x80 {
                offset += 1;
            }
            left -= 1;
        }
        if left > 0 {
            return self.text.len();
        }
        let byte = from_byte + offset;
        self.cursor.set((char_index, byte));
        byte
    }

    fn span(&self, s: YSpan) -> Span {
        Span::new(self.byte(s.start.index()), self.byte(s.end.index()))
    }
}

enum Frame {
    Seq {
        start: Span,
        anchor: usize,
        items: Vec<Node>,
    },
    Map {
        start: Span,
        anchor: usize,
        entries: Vec<Entry>,
        pending_key: Option<Node>,
        /// Whether the pending key is a duplicate: its value is read and dropped, so that the
        /// first value stays and the rest of the file is still read.
        discard: bool,
        /// Index of the keys, built only once a mapping is large (small ones are scanned).
        seen: Option<HashMap<String, Span>>,
    },
}

struct Builder<'a> {
    conv: CharToByte<'a>,
    limits: Limits,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Node>,
    nodes: usize,
    alias_nodes: usize,
    docs: usize,
    root: Option<Node>,
    errors: Vec<YamlError>,
    /// Set when a fatal problem stops loading.
    fatal: bool,
    /// Where the last event read ends (bytes).
    last_end: usize,
}

/// The place of, and a help for, two slips that the parser reports obscurely and a line or
/// two away: a full-width colon after a key (`target：30天内`) and a tab in the indentation.
/// Looks at the line of the parser's position `at`, the line after and the two before.
fn slip_near(text: &str, at: usize) -> Option<(Span, String)> {
    let at = at.min(text.len());
    let line_start = |i: usize| text[..i].rfind('\n').map_or(0, |p| p + 1);
    let current = line_start(at);
    let mut starts = vec![current];
    if let Some(p) = text[current..].find('\n') {
        starts.push(current + p + 1);
    }
    // `target: >= 95%`: `>` and `|` start a block scalar unless the value is quoted.
    let end = text[current..]
        .find('\n')
        .map_or(text.len(), |p| current + p);
    let line = text[current..end].trim_end_matches('\r');
    if let Some(colon) = line.find(": ") {
        let value = line[colon + 2..].trim_start();
        let comparison = value.starts_with(['>', '|'])
            && value[1..]
                .trim_start()
                .starts_with(|c: char| c == '=' || c.is_ascii_digit());
        if comparison {
            let key = line[..colon].trim_start().trim_start_matches("- ").trim();
            let at = current + line.len() - value.len();
            // A comment after the value is not part of it.
            let comment = value
                .match_indices('#')
                .map(|(i, _)| i)
                .find(|&i| i > 0 && matches!(value.as_bytes()[i - 1], b' ' | b'\t'));
            let value = comment.map_or(value, |i| &value[..i]).trim_end();
            return Some((
                Span::new(at, at + 1),
                format!(
                    "a value that starts with `{}` must be quoted: write `{key}: \"{value}\"`",
                    &value[..1]
                ),
            ));
        }
    }
    let mut start = current;
    for _ in 0..2 {
        if start == 0 {
            break;
        }
        start = line_start(start - 1);
        starts.push(start);
    }
    for start in starts {
        let end = text[start..].find('\n').map_or(text.len(), |p| start + p);
        let line = &text[start..end];
        let body = line.trim_start_matches([' ', '\t']);
        let indent = line.len() - body.len();
        if let Some(tab) = line[..indent].find('\t') {
            let tab = start + tab;
            return Some((
                Span::new(tab, tab + 1),
                "indent with spaces: YAML does not allow a tab in the indentation".into(),
            ));
        }
        let item = body.strip_prefix("- ").map_or(body, str::trim_start);
        let key_len = item
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
            .unwrap_or(item.len());
        let (key, after) = item.split_at(key_len);
        if !key.is_empty() && after.trim_start_matches(' ').starts_with('：') {
            let colon = start + line.find('：')?;
            return Some((
                Span::new(colon, colon + '：'.len_utf8()),
                format!(
                    "`{key}：` has a full-width colon: write `{key}: ` with an ASCII colon and a space"
                ),
            ));
        }
    }
    None
}

/// Parses `text` as YAML 1.2 with spans, within `limits`.
pub fn load(text: &str, limits: Limits) -> Loaded {
    let mut b = Builder {
        conv: CharToByte::new(text),
        limits,
        stack: Vec::new(),
        anchors: HashMap::new(),
        nodes: 0,
        alias_nodes: 0,
        docs: 0,
        root: None,
        errors: Vec::new(),
        fatal: false,
        last_end: 0,
    };
    let parser = Parser::new_from_str(text);
    for event in parser {
        match event {
            Ok((ev, span)) => {
                b.on_event(ev, span);
                if b.fatal {
                    break;
                }
            }
            Err(e) => {
                let at = b.conv.byte(e.marker().index());
                // saphyr-parser counts flow nesting in a byte and stops at 255 levels.
                // saphyr-parser counts flow nesting in a byte and stops at 255 levels, where
                // its scanner has read ahead of the events: the place is the collection that
                // goes past the depth limit, found from the last event on.
                let depth = (e.info() == "recursion limit exceeded")
                    .then(|| too_deep_at(text, b.last_end, b.stack.len(), b.max_depth()));
                let (message, help, at) = match depth {
                    Some(deep) => (
                        format!("nesting deeper than {} levels", b.max_depth()),
                        Some(DEPTH_HELP.to_owned()),
                        deep.unwrap_or(at),
                    ),
                    None => (format!("invalid YAML: {}", e.info()), None, at),
                };
                let (span, help) = match slip_near(text, at) {
                    Some((span, slip)) if help.is_none() => (span, Some(slip)),
                    _ if depth.is_some() => (Span::new(at, at + 1), help),
                    _ => (Span::new(at, at), help),
                };
                b.errors.push(YamlError {
                    message,
                    span,
                    labels: Vec::new(),
                    help,
                });
                b.fatal = true;
                break;
            }
        }
    }
    let fatal = b.fatal;
    Loaded {
        empty: b.docs == 0 && !fatal,
        // The root is set only once the first document is complete, so a problem later in the
        // file (in a second document) does not stop the first one from being checked.
        root: b.root,
        errors: b.errors,
    }
}

/// The byte offset of the flow collection (`[` or `{`) that takes the nesting past `max`,
/// reading `text` from `from`, where `depth` collections are open. Quoted strings and comments
/// are skipped.
fn too_deep_at(text: &str, from: usize, depth: usize, max: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut depth = depth;
    let mut i = from.min(bytes.len());
    while i < bytes.len() {
        match bytes[i] {
            b'[' | b'{' => {
                depth += 1;
                if depth > max {
                    return Some(i);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            q @ (b'"' | b'\'') => {
                i += 1;
                while i < bytes.len() && bytes[i] != q {
                    i += if bytes[i] == b'\\' && q == b'"' { 2 } else { 1 };
                }
            }
            b'#' if i == 0 || matches!(bytes[i - 1], b' ' | b'\t' | b'\n') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

const DEPTH_HELP: &str = "KPI specs need only a few levels; flatten the structure";

impl Builder<'_> {
    fn max_depth(&self) -> usize {
        self.limits.max_depth.min(HARD_MAX_DEPTH)
    }

    /// Charges `n` copied nodes to the alias budget; false (and a fatal error) when it runs out.
    fn copy_budget(&mut self, n: usize, span: Span) -> bool {
        self.alias_nodes += n;
        if self.alias_nodes > self.limits.max_alias_nodes {
            self.fail(
                span,
                format!(
                    "anchors and aliases copy more than {} nodes (an alias bomb?)",
                    self.limits.max_alias_nodes
                ),
                Some("write the values out instead of nesting aliases"),
            );
            return false;
        }
        true
    }

    fn fail(&mut self, span: Span, message: String, help: Option<&str>) {
        self.errors.push(YamlError {
            message,
            span,
            labels: Vec::new(),
            help: help.map(str::to_owned),
        });
        self.fatal = true;
    }

    fn check_tag(&mut self, tag: Option<&Cow<'_, Tag>>, span: Span) -> bool {
        let Some(tag) = tag else { return true };
        let core = tag.is_yaml_core_schema()
            && matches!(
                tag.suffix.as_str(),
                "str" | "int" | "float" | "bool" | "null" | "map" | "seq"
            );
        if !core {
            self.fail(
                span,
                format!("unsupported YAML tag `{}{}`", tag.handle, tag.suffix),
                Some("kpic reads plain YAML data; remove the tag"),
            );
        }
        core
    }

    fn count(&mut self, n: usize, span: Span) -> bool {
        self.nodes += n;
        if self.nodes > self.limits.max_nodes {
            self.fail(
                span,
                format!(
                    "the file has more than {} YAML nodes",
                    self.limits.max_nodes
                ),
                Some("split the specs into several files"),
            );
            return false;
        }
        true
    }

    fn on_event(&mut self, ev: Event<'_>, yspan: YSpan) {
        let span = self.conv.span(yspan);
        self.last_end = self.last_end.max(span.hi());
        match ev {
            Event::DocumentStart(_) => {
                self.docs += 1;
                if self.docs == 2 {
                    self.errors.push(YamlError {
                        message: "more than one YAML document in a file".into(),
                        span,
                        labels: Vec::new(),
                        help: Some("kpic reads one spec per file; move each document into a file of its own".into()),
                    });
                }
            }
            Event::Scalar(text, style, anchor, tag) => {
                if !self.check_tag(tag.as_ref(), span) || !self.count(1, span) {
                    return;
                }
                let in_key_position = matches!(
                    self.stack.last(),
                    Some(Frame::Map {
                        pending_key: None,
                        ..
                    })
                );
                let value = if in_key_position {
                    Some(Value::Str(text.into_owned()))
                } else {
                    scalar_value(text, style, tag.as_ref())
                };
                let Some(value) = value else {
                    self.fail(span, "a value does not match its YAML tag".into(), None);
                    return;
                };
                let span = written_span(self.conv.text, span, style);
                self.push(Node { span, value }, anchor);
            }
            Event::SequenceStart(anchor, tag) => {
                if !self.check_tag(tag.as_ref(), span) || !self.count(1, span) {
                    return;
                }
                if self.enter_key_collection(span) && self.depth_ok(span) {
                    self.stack.push(Frame::Seq {
                        start: span,
                        anchor,
                        items: Vec::new(),
                    });
                }
            }
            Event::MappingStart(anchor, tag) => {
                if !self.check_tag(tag.as_ref(), span) || !self.count(1, span) {
                    return;
                }
                if self.enter_key_collection(span) && self.depth_ok(span) {
                    self.stack.push(Frame::Map {
                        start: span,
                        anchor,
                        entries: Vec::new(),
                        pending_key: None,
                        discard: false,
                        seen: None,
                    });
                }
            }
            Event::SequenceEnd => {
                if let Some(Frame::Seq {
                    start,
                    anchor,
                    mut items,
                }) = self.stack.pop()
                {
                    // Vectors grow by doubling; a tree of many small collections would
                    // otherwise hold several times the memory it needs.
                    items.shrink_to_fit();
                    let end = items.last().map_or(span.end, |n| n.span.end);
                    let end = if end < start.end { span.end } else { end };
                    self.push(
                        Node {
                            span: Span::new(start.lo(), end as usize),
                            value: Value::Seq(items),
                        },
                        anchor,
                    );
                }
            }
            Event::MappingEnd => {
                if let Some(Frame::Map {
                    start,
                    anchor,
                    mut entries,
                    ..
                }) = self.stack.pop()
                {
                    entries.shrink_to_fit();
                    let end = entries.last().map_or(span.end, |e| e.value.span.end);
                    let end = if end < start.end { span.end } else { end };
                    self.push(
                        Node {
                            span: Span::new(start.lo(), end as usize),
                            value: Value::Map(entries),
                        },
                        anchor,
                    );
                }
            }
            Event::Alias(id) => {
                let Some(size) = self.anchors.get(&id).map(node_count) else {
                    self.fail(span, "alias to an unknown anchor".into(), None);
                    return;
                };
                // Budget first, copy after: a refused alias never allocates its expansion.
                if !self.copy_budget(size, span) || !self.count(size, span) {
                    return;
                }
                let Some(mut node) = self.anchors.get(&id).cloned() else {
                    return;
                };
                node.span = span;
                if matches!(
                    self.stack.last(),
                    Some(Frame::Map {
                        pending_key: None,
                        ..
                    })
                ) && !matches!(node.value, Value::Str(_))
                {
                    self.fail(span, "a mapping key must be a plain value".into(), None);
                    return;
                }
                self.push(node, 0);
            }
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => {}
        }
    }

    /// Refuses a sequence or mapping used as a mapping key.
    fn enter_key_collection(&mut self, span: Span) -> bool {
        if matches!(
            self.stack.last(),
            Some(Frame::Map {
                pending_key: None,
                ..
            })
        ) {
            self.fail(
                span,
                "a mapping key must be a plain value, not a list or mapping".into(),
                None,
            );
            return false;
        }
        true
    }

    fn depth_ok(&mut self, span: Span) -> bool {
        let max = self.max_depth();
        if self.stack.len() >= max {
            self.fail(
                span,
                format!("nesting deeper than {max} levels"),
                Some(DEPTH_HELP),
            );
            return false;
        }
        true
    }

    fn push(&mut self, node: Node, anchor: usize) {
        if anchor != 0 {
            // Keeping a copy of an anchored node costs as much as expanding it once.
            if !self.copy_budget(node_count(&node), node.span) {
                return;
            }
            self.anchors.insert(anchor, node.clone());
        }
        match self.stack.last_mut() {
            None => {
                if self.root.is_none() {
                    self.root = Some(node);
                }
            }
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map {
                entries,
                pending_key,
                discard,
                seen,
                ..
            }) => match pending_key.take() {
                None => {
                    if entries.len() >= self.limits.max_keys {
                        let max = self.limits.max_keys;
                        self.fail(
                            node.span,
                            format!("a mapping with more than {max} keys"),
                            Some("spec mappings have a few known keys; use a list for many items"),
                        );
                        return;
                    }
                    let key_text = node.as_str().unwrap_or_default();
                    if let Some(first) = first_key(entries, seen, key_text) {
                        // Reported, and the value that follows is dropped: the first value
                        // stays, and the rest of the file is read and checked as usual.
                        let key_text = key_text.to_owned();
                        self.errors.push(YamlError {
                            message: format!("duplicate key `{key_text}` in a mapping"),
                            span: node.span,
                            labels: vec![(first, "first defined here".into())],
                            help: Some(
                                "remove one of the two keys (kpic reads the first and ignores this one)"
                                    .into(),
                            ),
                        });
                        *pending_key = Some(node);
                        *discard = true;
                        return;
                    }
                    if let Some(seen) = seen {
                        seen.insert(key_text.to_owned(), node.span);
                    }
                    *pending_key = Some(node);
                }
                Some(_) if *discard => *discard = false,
                Some(key) => entries.push(Entry { key, value: node }),
            },
        }
    }
}

/// The bytes of a scalar as written. The parser's span runs on past some scalars: a block
/// scalar's to the indentation of the next key, a quoted scalar's over the spaces and comment
/// after it. A block scalar ends at its last character, a quoted one at its closing quote.
fn written_span(text: &str, span: Span, style: ScalarStyle) -> Span {
    let bytes = text.as_bytes();
    let hi = span.hi().min(bytes.len());
    let end = match style {
        ScalarStyle::Literal | ScalarStyle::Folded => {
            let mut end = hi;
            while end > span.lo() && bytes[end - 1].is_ascii_whitespace() {
                end -= 1;
            }
            Some(end)
        }
        ScalarStyle::DoubleQuoted | ScalarStyle::SingleQuoted => {
            let quote = if style == ScalarStyle::DoubleQuoted {
                b'"'
            } else {
                b'\''
            };
            // From after the opening quote: `\` escapes the next byte in double quotes, `''`
            // is a quote in single quotes.
            let mut i = span.lo() + 1;
            let mut end = None;
            while i < hi {
                match bytes[i] {
                    b'\\' if quote == b'"' => i += 2,
                    b'\'' if quote == b'\'' && bytes.get(i + 1) == Some(&b'\'') => i += 2,
                    b if b == quote => {
                        end = Some(i + 1);
                        break;
                    }
                    _ => i += 1,
                }
            }
            end.filter(|_| bytes.get(span.lo()) == Some(&quote))
        }
        _ => None,
    };
    end.map_or(span, |end| Span::new(span.lo(), end))
}

/// Mappings with more keys than this index them in a hash map; smaller ones are scanned.
const SCAN_KEYS: usize = 16;

/// Where `key` was first defined in the mapping being built, if it was.
fn first_key(
    entries: &[Entry],
    seen: &mut Option<HashMap<String, Span>>,
    key: &str,
) -> Option<Span> {
    if seen.is_none() && entries.len() >= SCAN_KEYS {
        *seen = Some(
            entries
                .iter()
                .map(|e| (e.key_str().to_owned(), e.key.span))
                .collect(),
        );
    }
    match seen {
        Some(index) => index.get(key).copied(),
        None => entries
            .iter()
            .find(|e| e.key_str() == key)
            .map(|e| e.key.span),
    }
}

fn scalar_value(
    text: Cow<'_, str>,
    style: ScalarStyle,
    tag: Option<&Cow<'_, Tag>>,
) -> Option<Value> {
    let scalar = Scalar::parse_from_cow_and_metadata(text, style, tag)?;
    Some(match scalar {
        Scalar::Null => Value::Null,
        Scalar::Boolean(b) => Value::Bool(b),
        Scalar::Integer(i) => Value::Int(i),
        Scalar::FloatingPoint(f) => Value::Float(f.into_inner()),
        Scalar::String(s) => Value::Str(s.into_owned()),
    })
}

/// Number of nodes in a subtree, counted without recursion.
fn node_count(node: &Node) -> usize {
    let mut count = 0;
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        count += 1;
        match &n.value {
            Value::Seq(items) => stack.extend(items),
            Value::Map(entries) => {
                for e in entries {
                    count += 1;
                    stack.push(&e.value);
                }
            }
            _ => {}
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quoted_scalar_ends_at_its_closing_quote() {
        for (text, written) in [
            ("target: \">= 2\"   # note\n", "\">= 2\""),
            ("target: '>= 2'   # note\n", "'>= 2'"),
            ("a: \"x\\\"y\" # c\n", "\"x\\\"y\""),
            ("a: 'it''s' #c\n", "'it''s'"),
            ("a: \"multi\n  line\" # c\n", "\"multi\n  line\""),
            ("a: [\"q\"  , 'r' ]\n", "\"q\""),
        ] {
            let root = ok(text);
            let a = &root.as_map().unwrap()[0].value;
            let a = a.as_seq().map_or(a, |s| &s[0]);
            assert_eq!(&text[a.span.range()], written, "{text:?}");
        }
    }

    #[test]
    fn a_block_scalar_ends_at_its_last_character() {
        let text = "a: |\n  one\n  two\n\nb: 1\n";
        let root = ok(text);
        let a = root.get("a").unwrap();
        assert_eq!(&text[a.span.lo()..a.span.hi()], "one\n  two");
    }

    #[test]
    fn char_indices_convert_to_bytes_in_any_order() {
        let text: String = (0..300)
            .map(|i| ['a', '中', 'é', '😀', '\n'][i * 7 % 5])
            .collect();
        let naive = |c: usize| text.char_indices().nth(c).map_or(text.len(), |(b, _)| b);
        let conv = CharToByte::new(&text);
        // Forward steps, jumps back, jumps far ahead, and past the end.
        for c in [
            0, 1, 2, 5, 63, 64, 65, 70, 3, 200, 130, 299, 300, 301, 1_000, 64, 128, 0,
        ] {
            assert_eq!(conv.byte(c), naive(c), "char {c}");
        }
        let ascii = CharToByte::new("abc");
        assert_eq!((ascii.byte(2), ascii.byte(9)), (2, 3));
    }

    fn ok(text: &str) -> Node {
        let l = load(text, Limits::default());
        assert!(l.errors.is_empty(), "{:?}", l.errors);
        l.root.unwrap()
    }

    #[test]
    fn spans_are_bytes_even_after_chinese_text() {
        let text = "name: 电商运营部\nid: x1\n";
        let root = ok(text);
        let id = root.get("id").unwrap();
        assert_eq!(&text[id.span.range()], "x1");
        let name = root.get("name").unwrap();
        assert_eq!(&text[name.span.range()], "电商运营部");
    }

    #[test]
    fn yaml_1_2_booleans() {
        let root = ok("a: yes\nb: true\nc: on\n");
        assert_eq!(root.get("a").unwrap().value, Value::Str("yes".into()));
        assert_eq!(root.get("b").unwrap().value, Value::Bool(true));
        assert_eq!(root.get("c").unwrap().value, Value::Str("on".into()));
    }

    #[test]
    fn duplicate_keys_are_reported_with_both_places_and_the_first_value_kept() {
        let text = "a: 1\nb: 2\na: {x: [3]}\nc: 4\n";
        let l = load(text, Limits::default());
        assert_eq!(l.errors.len(), 1);
        let e = &l.errors[0];
        assert_eq!(e.span.lo(), 10);
        assert_eq!(e.labels[0].0.start, 0);
        // The first value stays, the second is dropped, and what follows is read.
        let root = l.root.expect("the document is kept");
        assert_eq!(root.get("a").unwrap().value, Value::Int(1));
        assert_eq!(root.as_map().unwrap().len(), 3);
        assert_eq!(root.get("c").unwrap().value, Value::Int(4));
    }

    #[test]
    fn alias_bomb_is_stopped() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let l = load(&text, Limits::default());
        assert!(l.root.is_none());
        assert!(l.errors[0].message.contains("alias"));
    }

    #[test]
    fn deep_nesting_is_refused_without_recursion() {
        let text = "[".repeat(100_000);
        let l = load(&text, Limits::default());
        assert!(l.root.is_none());
        assert!(
            l.errors[0].message.contains("nesting") || l.errors[0].message.contains("recursion"),
            "{:?}",
            l.errors
        );
    }

    #[test]
    fn python_tags_are_refused() {
        let l = load("a: !!python/object:os.system x\n", Limits::default());
        assert!(l.errors[0].message.contains("tag"));
    }

    #[test]
    fn empty_and_comment_only_files_are_empty() {
        assert!(load("", Limits::default()).empty);
        assert!(load("# nothing\n", Limits::default()).empty);
    }

    #[test]
    fn duplicate_keys_are_found_in_large_mappings_too() {
        let mut text: String = (0..40).map(|i| format!("k{i}: {i}\n")).collect();
        text.push_str("k3: again\n");
        let l = load(&text, Limits::default());
        assert_eq!(l.errors.len(), 1, "{:?}", l.errors);
        assert!(l.errors[0].message.contains("`k3`"));
        assert_eq!(&text[l.errors[0].labels[0].0.lo()..][..2], "k3");
    }

    #[test]
    fn nested_anchors_are_charged_to_the_alias_budget() {
        // Every level anchored: keeping the copies alone would be quadratic in the depth.
        let inner = format!("[{}]", vec!["x"; 10_000].join(", "));
        let mut text = inner;
        for i in 0..50 {
            text = format!("&a{i} [{text}]");
        }
        let l = load(&text, Limits::default());
        assert!(l.root.is_none());
        assert!(l.errors[0].message.contains("alias"), "{:?}", l.errors);
    }

    #[test]
    fn a_few_small_aliases_are_fine() {
        let root = ok("a: &x {id: t}\nb: *x\n");
        assert_eq!(
            root.get("b").unwrap().get("id").unwrap().as_str(),
            Some("t")
        );
    }

    #[test]
    fn the_node_limit_stops_loading() {
        let text = format!("[{}]", vec!["1"; 2_000].join(","));
        let limits = Limits {
            max_nodes: 1_000,
            ..Limits::default()
        };
        let l = load(&text, limits);
        assert!(l.root.is_none());
        assert!(l.errors[0].message.contains("more than 1000 YAML nodes"));
    }

    #[test]
    fn depth_is_capped_whatever_the_limits_say() {
        let text = "- ".repeat(10_000) + "x\n";
        let limits = Limits {
            max_depth: usize::MAX,
            ..Limits::default()
        };
        let l = load(&text, limits);
        assert!(l.root.is_none());
        assert_eq!(
            l.errors[0].message,
            format!("nesting deeper than {HARD_MAX_DEPTH} levels")
        );
    }

    #[test]
    fn a_full_width_colon_after_a_key_is_pointed_at_with_a_help() {
        let text = "kpis:\n  - id: k\n    target：30天内\n    period: monthly\n";
        let l = load(text, Limits::default());
        let e = &l.errors[0];
        assert_eq!(&text[e.span.range()], "：");
        assert_eq!(
            e.help.as_deref(),
            Some(
                "`target：` has a full-width colon: write `target: ` with an ASCII colon and a space"
            )
        );
    }

    #[test]
    fn a_tab_in_the_indentation_is_pointed_at_with_a_help() {
        let text = "kpis:\n  - id: k\n    period: quarterly\n\tweight: 40\n";
        let l = load(text, Limits::default());
        let e = &l.errors[0];
        assert_eq!(e.span.lo(), text.find('\t').unwrap());
        assert!(e.help.as_deref().unwrap().starts_with("indent with spaces"));
        // Valid YAML with full-width colons and tabs in values has no error.
        let l = load("a: 时间：上午\nb: \"x\ty\"\n", Limits::default());
        assert!(l.errors.is_empty(), "{:?}", l.errors);
    }

    #[test]
    fn an_unquoted_comparison_gets_quotes_as_help() {
        let text = "kpis:\n  - id: k\n    target: >= 95%\n    period: monthly\n";
        let e = &load(text, Limits::default()).errors[0];
        assert_eq!(e.span.lo(), text.find(">=").unwrap());
        assert_eq!(
            e.help.as_deref(),
            Some("a value that starts with `>` must be quoted: write `target: \">= 95%\"`")
        );
        // A comment after the value stays out of the suggestion.
        let text = "kpis:\n  - id: k\n    target: >= 99.5%  # expect\n";
        let e = &load(text, Limits::default()).errors[0];
        assert_eq!(
            e.help.as_deref(),
            Some("a value that starts with `>` must be quoted: write `target: \">= 99.5%\"`")
        );
        // A block scalar is fine.
        assert!(
            load("a: >\n  text\nb: |2\n    x\n", Limits::default())
                .errors
                .is_empty()
        );
    }

    #[test]
    fn nesting_past_the_parser_s_limit_is_reported_at_the_collection_too_deep() {
        // The 64th `[` is the 65th collection (the root mapping is the first), whether the
        // parser stops first (255 flow levels and more) or the depth limit does.
        for n in [100, 255, 256, 300, 10_000] {
            let text = format!("a: {}", "[".repeat(n));
            let e = &load(&text, Limits::default()).errors[0];
            assert_eq!(e.message, "nesting deeper than 64 levels", "{n}");
            assert_eq!(e.span.lo(), 3 + 63, "{n} levels");
        }
        // Quoted brackets do not count.
        let text = format!("a: [\"[[[[\", {}", "[".repeat(300));
        let e = &load(&text, Limits::default()).errors[0];
        assert_eq!(e.span.lo(), text.find(", [").unwrap() + 2 + 62);
    }

    #[test]
    fn deep_flow_nesting_gets_the_depth_message() {
        let l = load(&"{a: ".repeat(100_000), Limits::default());
        assert!(l.errors[0].message.starts_with("nesting deeper than"));
        assert!(l.errors[0].help.is_some());
    }

    #[test]
    fn a_second_document_is_refused_but_the_first_is_kept() {
        let l = load("a: 1\n---\nb: [\n", Limits::default());
        assert_eq!(l.root.unwrap().get("a").unwrap().value, Value::Int(1));
        assert!(l.errors[0].message.contains("more than one YAML document"));
        assert!(
            l.errors.len() >= 2,
            "the syntax error in the second document is reported"
        );
    }

    #[test]
    fn non_finite_numbers_are_named_in_messages() {
        let root = ok("a: .nan\nb: -.inf\nc: 1e400\nd: 99999999999999999999\n");
        assert!(root.get("a").unwrap().type_name().contains("nan"));
        assert!(root.get("b").unwrap().type_name().contains("infinite"));
        assert!(root.get("c").unwrap().type_name().contains("infinite"));
        assert_eq!(root.get("d").unwrap().value, Value::Float(1e20));
        assert_eq!(root.get("a").unwrap().to_json(), serde_json::json!("NaN"));
    }

    #[test]
    fn the_key_limit_stops_a_huge_mapping() {
        let text: String = (0..2_000).map(|i| format!("k{i}: 1\n")).collect();
        let l = load(&text, Limits::default());
        assert!(l.root.is_none());
        assert_eq!(l.errors[0].message, "a mapping with more than 1000 keys");
        assert_eq!(&text[l.errors[0].span.range()], "k1000");
        let ok: String = (0..1_000).map(|i| format!("k{i}: 1\n")).collect();
        assert!(load(&ok, Limits::default()).errors.is_empty());
    }
}
