//! Property tests of `kpic check --fix` and `--add-ignore`: on generated specs (block and flow
//! style, plain and quoted values, comments, CRLF, Chinese text, typos of keys and IDs, and
//! sometimes a byte of damage), the edits never add a YAML error, never touch a comment, and
//! after `--add-ignore` the check is clean.

use kpic::check::{self, CheckRequest};
use kpic::fix;
use kpic::workspace::yaml::{self, Limits};
use proptest::prelude::*;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 64,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

const HEAD: &str = "version: 1\nteam: {id: t, name: 团队, review: quarterly}\nowners:\n  - {id: li-na, name: 李娜}\n  - {id: wang-fang, name: 王芳}\nduties:\n  - {id: market-analysis, name: 市场分析, owner: li-na}\n  - {id: replies, name: 回复, owner: wang-fang}\n";

/// Keys of a KPI, with typos among them.
const KEYS: &[&str] = &[
    "name",
    "ownr",
    "onwer",
    "owner",
    "duty",
    "dutty",
    "metric",
    "metirc",
    "target",
    "targt",
    "period",
    "perod",
    "weight",
    "source",
    "sorce",
    "contributors",
];

/// Values of references, with typos among them.
const REFS: &[&str] = &[
    "li-na",
    "li-nq",
    "li-nna",
    "wang-fang",
    "wang-fnag",
    "replies",
    "replis",
    "market-analysys",
    "x",
];

/// Other values.
const TEXTS: &[&str] = &[
    "提升效率",
    ">= 2 份",
    "不少于2份",
    "monthly",
    "a # not a comment",
    "it's",
    "50",
    "报告: 份数",
];

#[derive(Debug, Clone)]
struct Kpi {
    entries: Vec<(usize, usize, u8)>,
    flow: bool,
    comment: bool,
}

fn kpi() -> impl Strategy<Value = Kpi> {
    (
        prop::collection::vec(
            (0..KEYS.len(), 0..REFS.len().max(TEXTS.len()), 0u8..3),
            0..7,
        ),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(entries, flow, comment)| Kpi {
            entries,
            flow,
            comment,
        })
}

/// A value in one of three quotings.
fn quoted(value: &str, quote: u8, flow: bool) -> String {
    let special = value.contains(['#', ':', '\'', ','])
        || value.starts_with(['>', '<'])
        || (flow && value.contains(['[', ']', '{', '}']));
    let plain_ok = !special;
    match quote {
        0 if plain_ok => value.to_owned(),
        1 => format!("'{}'", value.replace('\'', "''")),
        _ => format!("\"{value}\""),
    }
}

fn render(kpis: &[Kpi], crlf: bool) -> String {
    let mut out = String::from(HEAD);
    out.push_str("kpis:\n");
    for (n, k) in kpis.iter().enumerate() {
        let mut seen = std::collections::HashSet::new();
        let entries: Vec<(String, String)> = k
            .entries
            .iter()
            .filter(|(key, _, _)| seen.insert(*key))
            .map(|&(key, v, q)| {
                let key = KEYS[key];
                let reference = matches!(key, "ownr" | "onwer" | "owner" | "duty" | "dutty");
                let value = if key == "contributors" {
                    format!("[{}]", quoted(REFS[v % REFS.len()], q, true))
                } else if reference {
                    quoted(REFS[v % REFS.len()], q, k.flow)
                } else {
                    quoted(TEXTS[v % TEXTS.len()], q, k.flow)
                };
                (key.to_owned(), value)
            })
            .collect();
        if k.comment {
            out.push_str(&format!("  # KPI {n} 的说明\n"));
        }
        if k.flow {
            let body: Vec<String> = entries.iter().map(|(k, v)| format!("{k}: {v}")).collect();
            let sep = if body.is_empty() { "" } else { ", " };
            out.push_str(&format!("  - {{id: k{n}{sep}{}}}", body.join(", ")));
            out.push_str(if k.comment { "  # 流式\n" } else { "\n" });
        } else {
            out.push_str(&format!("  - id: k{n}\n"));
            for (i, (key, value)) in entries.iter().enumerate() {
                out.push_str(&format!("    {key}: {value}"));
                out.push_str(if k.comment && i == 0 {
                    "   # 第一项\n"
                } else {
                    "\n"
                });
            }
        }
    }
    if crlf { out.replace('\n', "\r\n") } else { out }
}

/// The comments of a text, by their text.
fn comments(text: &str) -> Vec<String> {
    kpic::suppress::comments(text)
        .into_iter()
        .map(|s| text[s.lo()..s.hi()].to_owned())
        .collect()
}

fn errors(text: &str) -> usize {
    yaml::load(text, Limits::default()).errors.len()
}

/// The findings of a workspace of the one spec `text`, in a fresh folder.
fn checked(text: &str) -> (tempfile::TempDir, check::CheckOutcome) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("kpi-specs")).unwrap();
    std::fs::write(dir.path().join("kpi-specs/a.yaml"), text).unwrap();
    let req = CheckRequest {
        cwd: dir.path().to_path_buf(),
        today: kpic::date::Date::parse("2026-01-01"),
        ..CheckRequest::default()
    };
    let outcome = check::run(&req).unwrap();
    (dir, outcome)
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn fixes_never_add_a_yaml_error_nor_touch_a_comment(
        kpis in prop::collection::vec(kpi(), 0..6),
        crlf in any::<bool>(),
        damage in prop::option::weighted(0.2, (any::<prop::sample::Index>(), prop::sample::select(vec!['"', '\'', '{', ':', '\t', '#', ']']))),
    ) {
        let mut text = render(&kpis, crlf);
        if let Some((at, c)) = damage {
            let at = kpic::source::floor_char_boundary(&text, at.index(text.len() + 1));
            text.insert(at, c);
        }
        let (_dir, outcome) = checked(&text);
        let source = &outcome.ws.files[0].text;
        let findings: Vec<&kpic::diagnostic::Diagnostic> = outcome.diagnostics.iter().filter(|d| d.file == 0).collect();
        let edits: Vec<fix::Edit> = fix::did_you_mean_fixes(source, &outcome.ws.index, &findings)
            .into_iter()
            .map(|(_, e)| e)
            .collect();
        let fixed = fix::apply(source, &edits);
        prop_assert!(errors(&fixed) <= errors(source), "{source}\n=>\n{fixed}");
        prop_assert_eq!(comments(source), comments(&fixed));
        prop_assert_eq!(source.lines().count(), fixed.lines().count());
        // The diff names exactly these changes.
        let diff = fix::unified_diff("a.yaml", source, &edits);
        prop_assert_eq!(diff.is_empty(), fixed == *source);
    }

    #[test]
    fn suppressions_leave_the_check_clean(
        kpis in prop::collection::vec(kpi(), 0..6),
        crlf in any::<bool>(),
    ) {
        let text = render(&kpis, crlf);
        let (_dir, outcome) = checked(&text);
        let source = outcome.ws.files[0].text.clone();
        let at: Vec<(usize, &str)> = outcome.diagnostics.iter().map(|d| (d.span.lo(), d.rule.code)).collect();
        let edits = fix::suppressions(&source, &at, "生成的");
        let silenced = fix::apply(&source, &edits);
        prop_assert!(errors(&silenced) <= errors(&source));
        let (_dir2, again) = checked(&silenced);
        let left: Vec<String> = again.diagnostics.iter().map(|d| format!("{} {}", d.rule.code, d.message)).collect();
        prop_assert!(left.is_empty(), "{source}\n=>\n{silenced}\nleft: {left:?}");
        // A second pass adds nothing.
        let at: Vec<(usize, &str)> = again.diagnostics.iter().map(|d| (d.span.lo(), d.rule.code)).collect();
        prop_assert!(fix::suppressions(&again.ws.files[0].text, &at, "x").is_empty());
    }
}
