//! Property tests of the paths that read untrusted text: YAML to spec (loading, schema, model,
//! rules) and the target grammar. Whatever the input: no panic, and every diagnostic's span
//! lies inside its file, on character boundaries.

use kpic::diagnostic::Diagnostic;
use kpic::report::{self, Format, Report, Style};
use kpic::rules::{CHECKS, Context, FileContext, RuleOptions};
use kpic::source::Span;
use kpic::target::{self, Op};
use kpic::workspace::spec::SpecFile;
use kpic::workspace::yaml::{self, Limits};
use kpic::workspace::{self, Input, LoadOptions, schema};
use proptest::prelude::*;

/// Enough cases to find the usual mistakes, few enough to keep `cargo test` fast.
fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Asserts that `span` lies inside `text` and starts and ends on character boundaries.
fn assert_span_in(text: &str, span: Span, what: &str) {
    assert!(
        span.start <= span.end && span.hi() <= text.len(),
        "{what}: span {span:?} outside a text of {} bytes",
        text.len()
    );
    assert!(
        text.is_char_boundary(span.lo()) && text.is_char_boundary(span.hi()),
        "{what}: span {span:?} not on character boundaries of {text:?}"
    );
}

fn assert_diagnostics_in(text: &str, diagnostics: &[Diagnostic]) {
    for d in diagnostics {
        assert_eq!(d.file, 0, "{d:?}");
        assert_span_in(text, d.span, &d.message);
        for l in &d.labels {
            assert_eq!(l.file, 0, "{d:?}");
            assert_span_in(text, l.span, &l.message);
        }
    }
}

fn assert_model_in(text: &str, spec: &SpecFile) {
    assert_span_in(text, spec.root_span, "root");
    for o in &spec.owners {
        assert_span_in(text, o.span, "owner");
        assert_span_in(text, o.id.span, "owner id");
    }
    for d in &spec.duties {
        assert_span_in(text, d.span, "duty");
        assert_span_in(text, d.id.span, "duty id");
    }
    for k in &spec.kpis {
        assert_span_in(text, k.span, "kpi");
        assert_span_in(text, k.id.span, "kpi id");
        for s in [
            &k.target.as_ref().map(|t| t.span),
            &k.weight.as_ref().map(|w| w.span),
        ]
        .into_iter()
        .flatten()
        {
            assert_span_in(text, *s, "kpi field");
        }
    }
}

/// The YAML-to-spec path on one text: load, schema, model; then the whole workspace load and
/// every rule.
fn run_pipeline(text: &str) {
    let loaded = yaml::load(text, Limits::default());
    for e in &loaded.errors {
        assert_span_in(text, e.span, &e.message);
        for (span, msg) in &e.labels {
            assert_span_in(text, *span, msg);
        }
    }
    if let Some(root) = &loaded.root {
        assert_span_in(text, root.span, "root node");
        assert_diagnostics_in(text, &schema::validate(0, root));
        assert_model_in(text, &SpecFile::from_node(0, root));
    }

    let input = Input {
        path: "kpi-specs/p.yaml".into(),
        name: "kpi-specs/p.yaml".into(),
        reported: true,
        text: Some(text.to_owned()),
        removed: false,
    };
    let options = RuleOptions::default();
    let file_checks = |source: &kpic::source::SourceFile, spec: &SpecFile, out: &mut Vec<_>| {
        let cx = FileContext {
            source,
            options: &options,
        };
        for rule in CHECKS {
            rule.check_file(&cx, spec, out);
        }
    };
    let (ws, mut found) =
        workspace::load_checked(vec![input], &LoadOptions::default(), &file_checks);
    let cx = Context::new(&ws, &options);
    for rule in CHECKS {
        rule.check_workspace(&cx, &mut found);
    }
    // The file's text as kpic holds it (a BOM removed).
    assert_diagnostics_in(&ws.files[0].text, &found);

    // Every reporter renders every finding; none prints a raw control character.
    kpic::check::sort(&ws, &mut found);
    let report = Report::new(&ws, &found, 1);
    for name in Format::NAMES {
        let format: Format = name.parse().unwrap();
        let mut out = Vec::new();
        let style = Style {
            color: false,
            width: 80,
            summary: true,
        };
        report::write(format, &report, style, &mut out).unwrap();
        let out = String::from_utf8(out).unwrap();
        assert!(
            !out.contains(|c: char| c.is_control() && !matches!(c, '\n' | '\r' | '\t')),
            "{name}: a control character in {out:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// A generator of YAML-ish spec documents: mostly valid YAML with spec keys and odd values,
// rendered in block or flow style, sometimes with CRLF, a BOM or one edit that breaks it.

#[derive(Debug, Clone)]
enum Tree {
    Scalar(&'static str),
    Seq(Vec<Tree>),
    Map(Vec<(&'static str, Tree)>),
}

/// Values that are errors (or make the next alias one): rarer, so most documents get past
/// loading to the schema and the rules.
const TRAPS: &[&str] = &["&a1 k1", "*a1", "!!int x", "!custom v", "&a2 [1, 2]", "*a2"];

const KEYS: &[&str] = &[
    "version",
    "team",
    "id",
    "name",
    "locale",
    "review",
    "lead",
    "owners",
    "duties",
    "kpis",
    "duty",
    "owner",
    "contributors",
    "metric",
    "target",
    "baseline",
    "range",
    "period",
    "due",
    "weight",
    "source",
    "formula",
    "op",
    "value",
    "unit",
    "<<",
    "bogus",
    "名称",
    "\"quoted key\"",
];

const SCALARS: &[&str] = &[
    "1",
    "0",
    "-5",
    "20",
    "1.5",
    "1e400",
    "-1e400",
    ".nan",
    ".inf",
    "-.inf",
    "99999999999999999999",
    "0x1F",
    "0o17",
    "true",
    "null",
    "~",
    "''",
    "\"\"",
    "k1",
    "o1",
    "d1",
    "t1",
    "zh-CN",
    "en",
    "monthly",
    "quarterly",
    "P5D",
    "P2W",
    "2027-03-31",
    "2020-02-30",
    "'>= 2 reports'",
    "'< 0 h'",
    "'<= 24 小时'",
    "\"> -1 %\"",
    "不少于2份",
    "低于2%",
    "24小时内",
    "90%以上",
    "达到150%以上",
    "提升客户满意度",
    "\"../x\"",
    "\"CON\"",
    "\"a\\0b\"",
    "\"tab\\tin text\"",
    "电商运营部",
    "'it''s'",
    "\"\\u00e9\\U0001F600\"",
    "!!str 5",
    "|\n  block text\n",
    "'# not a comment'",
];

fn tree() -> impl Strategy<Value = Tree> {
    let leaf = prop_oneof![
        60 => prop::sample::select(SCALARS),
        1 => prop::sample::select(TRAPS),
    ]
    .prop_map(Tree::Scalar);
    leaf.prop_recursive(5, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Tree::Seq),
            // Distinct keys mostly; a duplicate now and then (an E001).
            (
                prop::sample::subsequence(KEYS, 0..6),
                prop::collection::vec(inner, 6),
                prop::option::weighted(0.05, prop::sample::select(KEYS)),
            )
                .prop_map(|(ks, vs, dup)| {
                    let mut entries: Vec<_> = ks.into_iter().zip(vs).collect();
                    if let (Some(k), Some((_, v))) = (dup, entries.first()) {
                        entries.push((k, v.clone()));
                    }
                    Tree::Map(entries)
                }),
        ]
    })
}

const IDS: &[&str] = &["k1", "k2", "o1", "o2", "d1", "t1"];
const ODD_IDS: &[&str] = &["7", "../x", "\"/etc\"", "CON", "''", "\"a\\0b\"", "\"-x\""];

fn id() -> impl Strategy<Value = &'static str> {
    prop_oneof![4 => prop::sample::select(IDS), 1 => prop::sample::select(ODD_IDS)]
}
const TEAM_KEYS: &[&str] = &["name", "locale", "review", "lead", "bogus"];
const OWNER_KEYS: &[&str] = &["name", "title", "email", "<<"];
const DUTY_KEYS: &[&str] = &["name", "description", "owner"];
const KPI_KEYS: &[&str] = &[
    "name",
    "duty",
    "owner",
    "contributors",
    "metric",
    "target",
    "baseline",
    "range",
    "period",
    "due",
    "weight",
    "source",
    "formula",
    "bogus",
];

/// A field value: mostly a scalar, sometimes a whole tree.
fn value() -> impl Strategy<Value = Tree> {
    prop_oneof![
        60 => prop::sample::select(SCALARS).prop_map(Tree::Scalar),
        1 => prop::sample::select(TRAPS).prop_map(Tree::Scalar),
        10 => id().prop_map(Tree::Scalar),
        6 => tree(),
    ]
}

/// An item: an `id` and a distinct subset of `keys`, each with a value.
fn item(keys: &'static [&'static str]) -> impl Strategy<Value = Tree> {
    let n = keys.len();
    (
        id(),
        prop::sample::subsequence(keys, 0..=n),
        prop::collection::vec(value(), n),
    )
        .prop_map(|(id, ks, vs)| {
            let mut entries = vec![("id", Tree::Scalar(id))];
            entries.extend(ks.into_iter().zip(vs));
            Tree::Map(entries)
        })
}

fn items(keys: &'static [&'static str]) -> impl Strategy<Value = Option<Tree>> {
    prop::option::weighted(
        0.8,
        prop::collection::vec(item(keys), 0..4).prop_map(Tree::Seq),
    )
}

/// A spec-shaped document: `version`, then a team, owners, duties and KPIs with spec keys and
/// odd values; or, now and then, any tree of spec keys.
fn document() -> impl Strategy<Value = Tree> {
    let shaped = (
        prop::option::weighted(0.8, item(TEAM_KEYS)),
        items(OWNER_KEYS),
        items(DUTY_KEYS),
        items(KPI_KEYS),
    )
        .prop_map(|(team, owners, duties, kpis)| {
            let mut entries = vec![("version", Tree::Scalar("1"))];
            let parts = [
                ("team", team),
                ("owners", owners),
                ("duties", duties),
                ("kpis", kpis),
            ];
            entries.extend(parts.into_iter().filter_map(|(k, v)| Some((k, v?))));
            Tree::Map(entries)
        });
    prop_oneof![4 => shaped, 1 => tree()]
}

/// Renders a flow node (`[a, b]`, `{k: v}`); a block scalar cannot appear in flow.
fn flow(t: &Tree, out: &mut String) {
    match t {
        Tree::Scalar(s) if s.starts_with('|') => out.push_str("\"block\""),
        Tree::Scalar(s) => out.push_str(s),
        Tree::Seq(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                flow(item, out);
            }
            out.push(']');
        }
        Tree::Map(entries) => {
            out.push('{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(k);
                out.push_str(": ");
                flow(v, out);
            }
            out.push('}');
        }
    }
}

/// Renders a block node at `indent`, choosing flow style for collections whose bit in
/// `style` is set.
fn block(t: &Tree, indent: usize, style: u64, out: &mut String) {
    let pad = " ".repeat(indent);
    let inline = |v: &Tree, depth: usize| match v {
        Tree::Scalar(_) => true,
        Tree::Seq(s) => s.is_empty() || style >> (depth % 64) & 1 == 1,
        Tree::Map(m) => m.is_empty() || style >> (depth % 64) & 1 == 1,
    };
    match t {
        Tree::Scalar(_) => {
            out.push_str(&pad);
            flow(t, out);
            out.push('\n');
        }
        Tree::Seq(items) => {
            for item in items {
                out.push_str(&pad);
                out.push('-');
                if inline(item, indent) {
                    out.push(' ');
                    flow(item, out);
                    out.push('\n');
                } else {
                    out.push('\n');
                    block(item, indent + 2, style, out);
                }
            }
        }
        Tree::Map(entries) => {
            for (k, v) in entries {
                out.push_str(&pad);
                out.push_str(k);
                out.push(':');
                match v {
                    Tree::Scalar(s) if s.starts_with('|') => {
                        out.push_str(" |\n");
                        out.push_str(&pad);
                        out.push_str("  block text\n");
                    }
                    _ if inline(v, indent) => {
                        out.push(' ');
                        flow(v, out);
                        out.push('\n');
                    }
                    _ => {
                        out.push('\n');
                        block(v, indent + 2, style, out);
                    }
                }
            }
        }
    }
}

/// One edit to a rendered text: delete or insert at a character position.
#[derive(Debug, Clone)]
enum Edit {
    None,
    Delete(usize, usize),
    Insert(usize, String),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        4 => Just(Edit::None),
        1 => (any::<usize>(), 1..8usize).prop_map(|(at, n)| Edit::Delete(at, n)),
        1 => (any::<usize>(), "[\\[\\]{}:,&*!|>#'\"\\-\\t\\n \u{0}\u{feff}电]{1,3}")
            .prop_map(|(at, s)| Edit::Insert(at, s)),
    ]
}

fn apply(text: &str, e: &Edit) -> String {
    let chars: Vec<char> = text.chars().collect();
    match e {
        Edit::None => text.to_owned(),
        Edit::Delete(at, n) if !chars.is_empty() => {
            let at = at % chars.len();
            let end = (at + n).min(chars.len());
            chars[..at].iter().chain(&chars[end..]).collect()
        }
        Edit::Delete(..) => text.to_owned(),
        Edit::Insert(at, s) => {
            let at = at % (chars.len() + 1);
            let mut out: String = chars[..at].iter().collect();
            out.push_str(s);
            out.extend(&chars[at..]);
            out
        }
    }
}

fn rendered() -> impl Strategy<Value = String> {
    (
        document(),
        any::<u64>(),
        any::<bool>(),
        any::<bool>(),
        edit(),
    )
        .prop_map(|(doc, style, crlf, bom, e)| {
            let mut text = String::new();
            if style & 1 == 1 {
                flow(&doc, &mut text);
                text.push('\n');
            } else {
                block(&doc, 0, style >> 1, &mut text);
            }
            if crlf {
                text = text.replace('\n', "\r\n");
            }
            if bom {
                text.insert(0, '\u{feff}');
            }
            apply(&text, &e)
        })
}

/// Text with long lines, mixing one-, three- and four-byte characters.
fn long_lines() -> impl Strategy<Value = String> {
    let c = prop_oneof![2400 => Just('a'), 500 => Just('电'), 100 => Just('😀'), 1 => Just('\n')];
    prop::collection::vec(c, 0..12_000).prop_map(|v| v.into_iter().collect())
}

proptest! {
    // Fewer cases: each one is a long text.
    #![proptest_config(ProptestConfig { cases: 64, ..config() })]

    #[test]
    fn line_and_column_match_a_naive_count(
        text in long_lines(),
        offsets in prop::collection::vec(any::<prop::sample::Index>(), 1..8),
    ) {
        let file = kpic::source::SourceFile::new("a.yaml".into(), "a.yaml".into(), text.clone());
        for ix in offsets {
            let offset = kpic::source::floor_char_boundary(&text, ix.index(text.len() + 1));
            let before = &text[..offset];
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
            let lc = file.line_col(offset);
            prop_assert_eq!((lc.line, lc.column), (line, column), "offset {}", offset);
            prop_assert_eq!(file.line_of(offset), line);
        }
    }
}

/// A scalar as written: plain, single-quoted (`''` for a quote) or double-quoted (with
/// escapes), holding what a comment or the end of a flow collection would start with.
fn written_scalar() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z0-9电][a-z0-9电 _.%=-]{0,8}[a-z0-9电%]",
        "[a-z0-9电 #:,'\\[\\]{}>=-]{0,10}".prop_map(|s| format!("'{}'", s.replace('\'', "''"))),
        "[a-z0-9电 #:,'\"\\\\\\[\\]{}>=-]{0,10}"
            .prop_map(|s| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))),
    ]
}

/// What may follow a value on its line: spaces and a comment.
fn after_value() -> impl Strategy<Value = String> {
    (" {0,3}", prop::option::of("[a-z '\"#:]{0,8}")).prop_map(|(spaces, comment)| match comment {
        Some(c) => format!("{spaces}  # {c}"),
        None => spaces,
    })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn every_value_span_is_the_scalar_as_written(
        values in prop::collection::vec((written_scalar(), after_value()), 1..6),
        items in prop::collection::vec((written_scalar(), after_value()), 0..4),
        flow_items in prop::collection::vec((written_scalar(), " {0,2}"), 0..4),
    ) {
        let mut text = String::new();
        for (i, (v, after)) in values.iter().enumerate() {
            text.push_str(&format!("k{i}: {v}{after}\n"));
        }
        text.push_str("list:\n");
        for (v, after) in &items {
            text.push_str(&format!("  - {v}{after}\n"));
        }
        let flow: Vec<String> = flow_items.iter().map(|(v, sp)| format!("{v}{sp}")).collect();
        text.push_str(&format!("flow: [{}]\n", flow.join(", ")));
        let loaded = yaml::load(&text, Limits::default());
        prop_assert!(loaded.errors.is_empty(), "{:?} in {}", loaded.errors, text);
        let root = loaded.root.unwrap();
        let mut written: Vec<&str> = values.iter().map(|(v, _)| v.as_str()).collect();
        written.extend(items.iter().map(|(v, _)| v.as_str()));
        written.extend(flow_items.iter().map(|(v, _)| v.as_str()));
        let mut nodes: Vec<&yaml::Node> = root.as_map().unwrap()[..values.len()]
            .iter()
            .map(|e| &e.value)
            .collect();
        nodes.extend(root.get("list").and_then(|l| l.as_seq()).unwrap_or_default());
        nodes.extend(root.get("flow").and_then(|l| l.as_seq()).unwrap_or_default());
        prop_assert_eq!(nodes.len(), written.len());
        for (node, w) in nodes.iter().zip(&written) {
            prop_assert_eq!(&text[node.span.range()], *w, "in {}", text);
        }
    }

    #[test]
    fn arbitrary_text_never_panics_and_spans_stay_inside(text in any::<String>()) {
        run_pipeline(&text);
    }

    #[test]
    fn yaml_punctuation_soup_never_panics(text in "[-\\[\\]{}:,&*!|>#'\"?% \\t\\n\\r.a1电\u{feff}]{0,200}") {
        run_pipeline(&text);
    }

    #[test]
    fn spec_like_documents_never_panic_and_spans_stay_inside(text in rendered()) {
        run_pipeline(&text);
    }

    #[test]
    fn target_text_never_panics(text in any::<String>()) {
        if let Ok(t) = target::parse_text(&text) {
            prop_assert!(t.value.is_finite(), "{t:?}");
        }
    }

    #[test]
    fn target_like_text_never_panics(
        text in "[<>=≥≤ ]{0,3}[-+]?[0-9.eE]{0,6}[ ]?(%|h|小时|份|天|以上|以内|内|次|reports)?"
    ) {
        if let Ok(t) = target::parse_text(&text) {
            prop_assert!(t.value.is_finite(), "{t:?}");
        }
        let _ = target::parse_text(&format!("不少于{text}"));
    }

    #[test]
    fn ascii_targets_parse_to_their_parts(
        op in prop::sample::select(&[(">=", Op::Ge), ("<=", Op::Le), (">", Op::Gt), ("<", Op::Lt), ("=", Op::Eq), ("==", Op::Eq), ("≥", Op::Ge), ("≤", Op::Le)][..]),
        hundredths in -1_000_000i64..1_000_000,
        unit in prop::sample::select(&["", "reports", "%", "h", "份", "orders"][..]),
        space in any::<bool>(),
    ) {
        let value = hundredths as f64 / 100.0;
        let sep = if space { " " } else { "" };
        let text = format!("{}{sep}{value}{sep}{unit}", op.0);
        let t = target::parse_text(&text).map_err(|e| TestCaseError::fail(format!("{text}: {e:?}")))?;
        prop_assert_eq!(t.op, op.1);
        prop_assert_eq!(t.value, value);
        prop_assert_eq!(t.unit.as_deref().unwrap_or(""), unit);
    }
}
