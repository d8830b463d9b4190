//! `kpic build`: the handbook, CSV scorecards and JSON model, run through the real binary in
//! temp folders, plus library calls for what the binary cannot reach (a negative weight).

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::kpic;
use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

/// Copies `tests/fixtures/build/<name>` into a fresh temp folder.
fn fixture(name: &str) -> tempfile::TempDir {
    common::fixture(&format!("build/{name}"))
}

/// Builds `dir` into `dir/out` with extra arguments and checks that it succeeded.
fn build(dir: &Path, extra: &[&str]) -> PathBuf {
    let mut args = vec!["build", "--out", "out"];
    args.extend(extra);
    let run = kpic(dir, &args);
    assert_eq!(run.code, 0, "build failed:\n{}", run.stderr);
    dir.join("out")
}

/// Every file under `dir`, by relative path, with its bytes.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(base, &path, out);
            } else {
                let rel = path
                    .strip_prefix(base)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    walk(dir, dir, &mut out);
    out
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn csv_rows(text: &str) -> Vec<BTreeMap<String, String>> {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let headers = r.headers().unwrap().clone();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            headers
                .iter()
                .zip(rec.iter())
                .map(|(h, v)| (h.to_owned(), v.to_owned()))
                .collect()
        })
        .collect()
}

// --- snapshots of a fixture workspace with an English and a Chinese team ---------------------

#[test]
fn handbook_in_each_teams_language() {
    let dir = fixture("ws");
    let out = build(dir.path(), &[]);
    insta::assert_snapshot!("handbook_by_locale", read(&out.join("handbook.md")));
}

#[test]
fn handbook_in_english() {
    let dir = fixture("ws");
    let out = build(dir.path(), &["--lang", "en"]);
    insta::assert_snapshot!("handbook_en", read(&out.join("handbook.md")));
}

#[test]
fn handbook_in_chinese() {
    let dir = fixture("ws");
    let out = build(dir.path(), &["--lang", "zh-CN"]);
    insta::assert_snapshot!("handbook_zh_cn", read(&out.join("handbook.md")));
}

#[test]
fn html_handbook_in_each_teams_language() {
    let dir = fixture("ws");
    let out = build(dir.path(), &[]);
    insta::assert_snapshot!("handbook_html_by_locale", read(&out.join("handbook.html")));
}

#[test]
fn scorecards_and_model() {
    let dir = fixture("ws");
    let out = build(dir.path(), &[]);
    let files: Vec<String> = tree(&out).into_keys().collect();
    assert_eq!(
        files,
        [
            "handbook.html",
            "handbook.md",
            "kpis.json",
            "scorecards.csv",
            "scorecards.xlsx",
            "scorecards/ada.csv",
            "scorecards/bob.csv",
            "scorecards/wei.csv",
            "scorecards/xia.csv",
        ]
    );
    insta::assert_snapshot!("scorecards_csv", read(&out.join("scorecards.csv")));
    insta::assert_snapshot!("scorecard_bob_csv", read(&out.join("scorecards/bob.csv")));
    let json = read(&out.join("kpis.json"));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["version"], 1);
    insta::assert_snapshot!("kpis_json", json);
}

#[test]
fn per_owner_files_hold_exactly_their_rows() {
    let dir = fixture("ws");
    let out = build(dir.path(), &[]);
    let all = csv_rows(&read(&out.join("scorecards.csv")));
    for owner in ["ada", "bob", "wei", "xia"] {
        let own = csv_rows(&read(&out.join(format!("scorecards/{owner}.csv"))));
        let expected: Vec<_> = all
            .iter()
            .filter(|r| r["owner_id"] == owner)
            .cloned()
            .collect();
        assert!(!own.is_empty());
        assert_eq!(own, expected, "{owner}");
        assert!(own.iter().all(|r| r["actual"].is_empty()));
    }
}

// --- determinism and atomicity ---------------------------------------------------------------

#[test]
fn building_twice_gives_identical_bytes() {
    let dir = fixture("ws");
    let first = tree(&build(dir.path(), &["--csv-bom"]));
    let second = tree(&build(dir.path(), &["--csv-bom"]));
    assert_eq!(first.len(), 9);
    assert_eq!(first, second);
    // No temporary or old folders are left beside the output.
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("kpic-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn a_failing_build_leaves_the_previous_output_untouched() {
    let dir = fixture("broken");
    let out = dir.path().join("out");
    std::fs::create_dir_all(out.join("scorecards")).unwrap();
    std::fs::write(out.join("handbook.md"), "# the previous handbook\n").unwrap();
    std::fs::write(out.join("scorecards/ada.csv"), "owner_id,actual\nada,3\n").unwrap();
    let before = tree(&out);
    let run = kpic(dir.path(), &["build", "--out", "out"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("E004"), "{}", run.stderr);
    assert!(run.stderr.contains("nothing written"), "{}", run.stderr);
    assert_eq!(tree(&out), before);
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!names.iter().any(|n| n.contains("kpic-")), "{names:?}");
}

#[test]
fn a_failing_build_creates_no_output_folder() {
    let dir = fixture("broken");
    let run = kpic(dir.path(), &["build", "--out", "out"]);
    assert_eq!(run.code, 1);
    assert!(!dir.path().join("out").exists());
}

#[test]
fn a_good_build_replaces_a_previous_output() {
    let dir = fixture("ws");
    let out = dir.path().join("out");
    std::fs::create_dir_all(out.join("scorecards")).unwrap();
    std::fs::write(out.join("scorecards/gone.csv"), "stale").unwrap();
    build(dir.path(), &[]);
    assert!(!out.join("scorecards/gone.csv").exists());
    assert!(out.join("scorecards/ada.csv").exists());
}

#[test]
fn refuses_outputs_that_would_lose_data() {
    let dir = fixture("ws");
    std::fs::write(dir.path().join("notes.txt"), "keep me").unwrap();
    std::fs::create_dir(dir.path().join("mine")).unwrap();
    std::fs::write(dir.path().join("mine/todo.md"), "keep me too").unwrap();
    for (out, expect) in [
        ("notes.txt", "is a file"),
        (".", "part of the workspace"),
        ("kpi-specs", "part of the workspace"),
        ("mine", "which kpic did not write"),
    ] {
        let run = kpic(dir.path(), &["build", "--out", out]);
        assert_eq!(run.code, 2, "--out {out}: {}", run.stderr);
        assert!(run.stderr.contains(expect), "--out {out}: {}", run.stderr);
    }
    assert_eq!(read(&dir.path().join("notes.txt")), "keep me");
    assert_eq!(read(&dir.path().join("mine/todo.md")), "keep me too");
    assert_eq!(tree(&dir.path().join("kpi-specs")).len(), 3);
}

#[test]
fn rejects_an_unknown_language() {
    let dir = fixture("ws");
    let run = kpic(dir.path(), &["build", "--out", "out", "--lang", "fr"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("expected `en` or `zh-CN`"),
        "{}",
        run.stderr
    );
    assert!(!dir.path().join("out").exists());
}

// --- CSV: byte-order mark and formula injection ----------------------------------------------

#[test]
fn csv_bom_only_when_asked() {
    let dir = fixture("ws");
    let out = build(dir.path(), &["--csv-bom"]);
    for f in ["scorecards.csv", "scorecards/ada.csv"] {
        let bytes = std::fs::read(out.join(f)).unwrap();
        assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "{f}");
        assert!(bytes[3..].starts_with(b"owner_id,"), "{f}");
    }
    let out = build(dir.path(), &[]);
    assert!(
        std::fs::read(out.join("scorecards.csv"))
            .unwrap()
            .starts_with(b"owner_id,")
    );
}

#[test]
fn csv_cells_cannot_run_as_formulas() {
    let dir = fixture("hostile");
    let out = build(dir.path(), &[]);
    let rows = csv_rows(&read(&out.join("scorecards.csv")));
    let by_id = |id: &str| rows.iter().find(|r| r["kpi_id"] == id).unwrap();
    let plus = by_id("k-plus");
    assert_eq!(plus["owner_name"], "'=cmd|' /C calc'!A0");
    assert_eq!(plus["kpi_name"], "'+1");
    assert_eq!(plus["metric"], "'-2");
    assert_eq!(plus["source"], "'@SUM(A1:A9)");
    assert_eq!(plus["weight"], "50");
    let tab = by_id("k-tab");
    assert_eq!(tab["kpi_name"], "'\tTabbed | name");
    assert_eq!(tab["metric"], "'\rcarriage <!-- comment -->");
    let mallory = by_id("k-mallory");
    assert_eq!(mallory["source"], "'=HYPERLINK(\"http://x\")");
    assert_eq!(mallory["metric"], "1. numbered");
    // No cell of any file starts with a formula character.
    for (name, bytes) in tree(&out) {
        if !name.ends_with(".csv") {
            continue;
        }
        for row in csv_rows(std::str::from_utf8(&bytes).unwrap()) {
            for (col, cell) in row {
                assert!(
                    !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                    "{name}: {col} = {cell:?}"
                );
            }
        }
    }
}

/// Compiles the one spec file `t.yaml` holding `text` through the library, whatever its
/// findings.
fn compile(text: &str) -> kpic::emit::Output {
    let (ws, _) = kpic::workspace::load(
        vec![kpic::workspace::Input {
            path: PathBuf::from("t.yaml"),
            name: "t.yaml".into(),
            reported: true,
            text: Some(text.into()),
            removed: false,
        }],
        &kpic::workspace::LoadOptions::default(),
    );
    kpic::emit::compile(&ws, &kpic::emit::Options::default())
}

/// The text of the compiled file at `path`.
fn document<'a>(output: &'a kpic::emit::Output, path: &str) -> &'a str {
    let doc = output
        .documents
        .iter()
        .find(|d| d.path == Path::new(path))
        .unwrap_or_else(|| panic!("no `{path}` compiled"));
    std::str::from_utf8(&doc.bytes).unwrap()
}

#[test]
fn negative_weights_stay_numbers() {
    // A negative weight fails the schema, so only a library call can compile one.
    let text = "version: 1\nteam: {id: t, name: T}\nowners: [{id: o, name: '-2'}]\n\
                kpis:\n  - {id: k, name: '-5', owner: o, target: '>= 1 x', period: monthly, weight: -10}\n";
    let output = compile(text);
    let rows = csv_rows(document(&output, "scorecards.csv"));
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["weight"], "-10");
    assert_eq!(rows[0]["kpi_name"], "'-5");
    assert_eq!(rows[0]["owner_name"], "'-2");
    let v: serde_json::Value = serde_json::from_str(document(&output, "kpis.json")).unwrap();
    assert_eq!(v["kpis"][0]["weight"], serde_json::json!(-10));
}

// --- owner IDs in file names -----------------------------------------------------------------

#[test]
fn owner_ids_become_file_names_only_when_safe() {
    use kpic::emit::scorecards::owner_file_name;
    assert_eq!(owner_file_name("li-na").unwrap(), "li-na.csv");
    assert_eq!(owner_file_name("COM10").unwrap(), "COM10.csv");
    for reserved in [
        "CON", "con", "Prn", "AUX", "nul", "COM1", "com9", "LPT1", "lpt9",
    ] {
        assert_eq!(
            owner_file_name(reserved).unwrap(),
            format!("_{reserved}.csv")
        );
    }
    for bad in [
        "",
        "../etc",
        "a/b",
        "a\\b",
        ".hidden",
        "-x",
        "a.b",
        "ä",
        &"a".repeat(65),
    ] {
        assert!(owner_file_name(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn windows_device_names_are_prefixed() {
    let dir = fixture("hostile");
    let run = kpic(dir.path(), &["build", "--out", "out"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("scorecards/_CON.csv"), "{}", run.stderr);
    let files: Vec<String> = tree(&dir.path().join("out")).into_keys().collect();
    assert!(
        files.contains(&"scorecards/_CON.csv".to_owned()),
        "{files:?}"
    );
    assert!(
        !files
            .iter()
            .any(|f| f.eq_ignore_ascii_case("scorecards/con.csv"))
    );
}

#[test]
fn paths_in_documents_cannot_leave_the_output_folder() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let docs = [kpic::emit::Document {
        path: PathBuf::from("../escape.txt"),
        bytes: b"x".to_vec(),
    }];
    assert!(kpic::emit::out_dir::write(&out, &docs).is_err());
    assert!(!dir.path().join("escape.txt").exists());
    assert!(!out.exists());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

// --- Markdown escaping -----------------------------------------------------------------------

/// Parses Markdown as GitHub does (tables, strikethrough) and checks it holds no HTML, no link
/// and no code span except the fixed `actual`, and that every table row has as many cells as
/// its header. Returns the concatenated text.
fn assert_safe_markdown(md: &str) -> String {
    let mut opts = Options::empty();
    opts.insert(Options::ENABLE_TABLES);
    opts.insert(Options::ENABLE_STRIKETHROUGH);
    let mut text = String::new();
    let mut header_cells = 0;
    let mut cells = 0;
    let mut rows = 0;
    for event in Parser::new_ext(md, opts) {
        match event {
            Event::Html(h) | Event::InlineHtml(h) => panic!("HTML in the handbook: {h:?}"),
            Event::Code(c) => assert_eq!(&*c, "actual", "unexpected code span"),
            Event::Start(Tag::Link { dest_url, .. }) => {
                assert!(dest_url.starts_with('#'), "unexpected link to {dest_url}")
            }
            Event::Start(Tag::Image { .. }) => panic!("image in the handbook"),
            Event::Start(Tag::Strikethrough) => panic!("strikethrough in the handbook"),
            Event::Start(Tag::List(_)) | Event::Start(Tag::Heading { .. }) => {}
            Event::Start(Tag::TableHead) => cells = 0,
            Event::End(TagEnd::TableHead) => header_cells = cells,
            Event::Start(Tag::TableRow) => cells = 0,
            Event::End(TagEnd::TableRow) => {
                assert_eq!(cells, header_cells, "a row with the wrong number of cells");
                rows += 1;
            }
            Event::Start(Tag::TableCell) => cells += 1,
            Event::End(TagEnd::TableCell) => text.push('\n'),
            Event::Text(t) => text.push_str(&t),
            Event::End(
                TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::Item | TagEnd::CodeBlock,
            ) => text.push('\n'),
            _ => {}
        }
    }
    assert!(rows > 0, "no table rows");
    text
}

#[test]
fn hostile_names_cannot_break_the_markdown() {
    let dir = fixture("hostile");
    let out = build(dir.path(), &[]);
    let md = read(&out.join("handbook.md"));
    let text = assert_safe_markdown(&md);
    // The text survives, literally, as text.
    for literal in [
        "Red | Team <script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "Mallory's `KPI` <em>x</em>",
        "Duty | with [link](javascript:alert(1)) and *stars*",
        "- not a list # not a heading <script>alert(2)</script> ``` fence &amp; entity",
        "1. numbered",
    ] {
        assert!(text.contains(literal), "missing {literal:?} in:\n{text}");
    }
    // Exactly one list item per fixed list (the overview and the review steps), no list from
    // user text: count the top-level headings to be sure the description made none.
    let headings = md.lines().filter(|l| l.starts_with('#')).count();
    let user_headings = md.lines().filter(|l| l.starts_with("# not")).count();
    assert_eq!(user_headings, 0);
    assert!(headings > 5);
    // Mermaid labels cannot close their quotes.
    let mermaid = md
        .split("```mermaid")
        .nth(1)
        .unwrap()
        .split("```\n")
        .next()
        .unwrap();
    for line in mermaid.lines().filter(|l| l.contains('[')) {
        let label = line.split_once("[\"").unwrap().1;
        let label = label.strip_suffix("\"]").unwrap();
        assert!(!label.contains('"') && !label.contains('<'), "{line}");
    }
}

#[test]
fn handbooks_of_the_fixture_are_valid_markdown() {
    let dir = fixture("ws");
    for lang in ["en", "zh-CN"] {
        let out = build(dir.path(), &["--lang", lang]);
        assert_safe_markdown(&read(&out.join("handbook.md")));
    }
}

#[test]
fn table_of_contents_links_to_each_team() {
    let dir = fixture("ws");
    let out = build(dir.path(), &[]);
    let md = read(&out.join("handbook.md"));
    assert!(md.contains("- [采购部](#采购部)"), "{md}");
    assert!(md.contains("- [Warehouse](#warehouse)"), "{md}");
    let dir = fixture("hostile");
    let out = build(dir.path(), &[]);
    let md = read(&out.join("handbook.md"));
    assert!(!md.contains("## Contents"), "one team needs no contents");
}

// --- the example in docs/ --------------------------------------------------------------------

#[test]
fn docs_handbook_is_up_to_date() {
    let root = common::repo_root();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let run = kpic(root, &["build", "--out", out.to_str().unwrap()]);
    assert_eq!(run.code, 0, "kpi-specs/ does not build:\n{}", run.stderr);
    // docs/handbook.md is the handbook; docs/example/ holds the other outputs.
    let mut fresh = tree(&out);
    let handbook = fresh.remove("handbook.md").unwrap();
    let docs = root.join("docs/handbook.md");
    let example = root.join("docs/example");
    if std::env::var_os("KPIC_UPDATE_DOCS").is_some() {
        std::fs::write(&docs, &handbook).unwrap();
        let _ = std::fs::remove_dir_all(&example);
        for (name, bytes) in &fresh {
            common::write(&example, name, bytes);
        }
    }
    let how = "regenerate them with\n  \
               KPIC_UPDATE_DOCS=1 cargo test --test build docs_handbook_is_up_to_date";
    assert!(
        std::fs::read(&docs).unwrap_or_default() == handbook,
        "docs/handbook.md is out of date with kpi-specs/; {how}"
    );
    let committed = if example.is_dir() {
        tree(&example)
    } else {
        BTreeMap::new()
    };
    assert!(
        committed == fresh,
        "docs/example/ is out of date with kpi-specs/; {how}"
    );
}

#[test]
fn owner_ids_differing_only_in_case_do_not_overwrite_each_other() {
    let text = "version: 1\nteam: {id: t, name: T}\nowners: [{id: ab, name: A}, {id: AB, name: B}]\n\
                kpis:\n  - {id: k1, name: K1, owner: ab, target: '>= 1 x', period: monthly, weight: 100}\n\
                \x20 - {id: k2, name: K2, owner: AB, target: '>= 1 x', period: monthly, weight: 100}\n";
    let output = compile(text);
    let paths: Vec<_> = output.documents.iter().map(|d| d.path.clone()).collect();
    assert!(
        paths.contains(&PathBuf::from("scorecards/ab.csv")),
        "{paths:?}"
    );
    assert!(
        !paths.contains(&PathBuf::from("scorecards/AB.csv")),
        "{paths:?}"
    );
    assert_eq!(output.notes.len(), 1);
    assert!(output.notes[0].contains("`AB`"), "{:?}", output.notes);
    // Both owners' rows are still in the combined file.
    assert_eq!(csv_rows(document(&output, "scorecards.csv")).len(), 2);
}

#[cfg(unix)]
#[test]
fn refuses_a_symlinked_output_folder() {
    let dir = fixture("ws");
    std::fs::create_dir(dir.path().join("real")).unwrap();
    std::os::unix::fs::symlink(dir.path().join("real"), dir.path().join("link")).unwrap();
    let run = kpic(dir.path(), &["build", "--out", "link"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("symbolic link"), "{}", run.stderr);
    assert_eq!(
        std::fs::read_dir(dir.path().join("real")).unwrap().count(),
        0
    );
}

#[test]
fn warnings_are_printed_and_do_not_block() {
    let dir = fixture("ws");
    let run = kpic(dir.path(), &["build", "--out", "out"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("R001"), "{}", run.stderr);
    assert!(run.stderr.contains("R002"), "{}", run.stderr);
    assert!(run.stderr.contains("wrote 9 files"), "{}", run.stderr);
}

#[test]
fn configured_locale_is_the_default_and_lang_overrides_everything() {
    let dir = fixture("ws");
    std::fs::write(dir.path().join("kpic.yaml"), "locale: zh-CN\n").unwrap();
    let warehouse = dir.path().join("kpi-specs/warehouse.yaml");
    let text = read(&warehouse).replace("  locale: en\n", "");
    std::fs::write(&warehouse, text).unwrap();
    let md = read(&build(dir.path(), &[]).join("handbook.md"));
    assert!(md.starts_with("# KPI 手册\n"), "{md}");
    assert!(!md.contains("### Duties and KPIs"), "{md}");
    assert_eq!(md.matches("### 职责与 KPI").count(), 2);
    let md = read(&build(dir.path(), &["--lang", "en"]).join("handbook.md"));
    assert!(md.starts_with("# KPI handbook\n"), "{md}");
    assert_eq!(md.matches("### Duties and KPIs").count(), 2);
}

#[test]
fn given_paths_build_only_those_files_with_owners_resolved() {
    let dir = fixture("ws");
    let run = kpic(
        dir.path(),
        &["build", "kpi-specs/warehouse.yaml", "--out", "out"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let out = dir.path().join("out");
    let md = read(&out.join("handbook.md"));
    assert!(md.contains("## Warehouse"), "{md}");
    assert!(!md.contains("采购部"), "{md}");
    assert!(
        md.contains("Ada Lovelace"),
        "owner names come from people.yaml: {md}"
    );
    let v: serde_json::Value = serde_json::from_str(&read(&out.join("kpis.json"))).unwrap();
    let owners: Vec<&str> = v["owners"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap())
        .collect();
    assert_eq!(owners, ["ada", "bob"]);
    assert_eq!(v["kpis"].as_array().unwrap().len(), 2);
}

#[test]
fn with_error_rules_off_ids_still_cannot_name_paths() {
    let dir = fixture("errors-off");
    let before: Vec<String> = tree(dir.path()).into_keys().collect();
    let run = kpic(dir.path(), &["build", "--out", "out"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("no scorecard file for owner `../../evil`"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("no scorecard file for owner `a/b`"),
        "{}",
        run.stderr
    );
    let mut after: Vec<String> = tree(dir.path()).into_keys().collect();
    after.retain(|f| !before.contains(f));
    assert_eq!(
        after,
        [
            "out/handbook.html",
            "out/handbook.md",
            "out/kpis.json",
            "out/scorecards.csv",
            "out/scorecards.xlsx",
            "out/scorecards/dup.csv"
        ]
    );
    assert!(!dir.path().parent().unwrap().join("evil.csv").exists());
    // Unmeasurable targets are shown as written; the model marks them with `op: null`.
    let out = dir.path().join("out");
    let rows = csv_rows(&read(&out.join("scorecards.csv")));
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[0]["target"], "提升满意度");
    assert_eq!(rows[0]["weight"], "-5");
    let v: serde_json::Value = serde_json::from_str(&read(&out.join("kpis.json"))).unwrap();
    assert_eq!(v["kpis"][0]["target"]["op"], serde_json::Value::Null);
    assert_eq!(v["kpis"][0]["target"]["text"], "提升满意度");
    assert_eq!(v["kpis"][3]["target"], serde_json::Value::Null);
    assert_safe_markdown(&read(&out.join("handbook.md")));
}

/// Two files: the objective tree in one, a team whose KPIs support it in the other; one KPI
/// retired at the end of 2026, one in force from 2027.
fn aligned_workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    common::write(
        dir.path(),
        "kpi-specs/objectives.yaml",
        "version: 1
owners:
  - {id: wang-fang, name: Wang Fang}
  - {id: sun-hao, name: Sun Hao}
  - {id: li-na, name: Li Na}
objectives:
  - {id: growth, name: Company growth, owner: wang-fang}
  - {id: repeat-buyers, name: Repeat buyers, owner: sun-hao, parent: growth}
",
    );
    common::write(
        dir.path(),
        "kpi-specs/care.yaml",
        "version: 1
team: {id: care, name: Care, locale: en, review: quarterly}
duties:
  - {id: d, name: Customer care, owner: sun-hao}
kpis:
  - {id: satisfaction, name: Satisfaction, duty: d, owner: sun-hao, metric: m, target: \">= 90 %\", threshold: \">= 85 %\", kind: lagging, period: monthly, weight: 50, source: s, supports: [repeat-buyers], consulted: [li-na], informed: [wang-fang]}
  - {id: old-survey, name: Old survey, duty: d, owner: sun-hao, metric: m, target: \">= 2 surveys\", period: monthly, weight: 50, source: s, supports: [repeat-buyers], until: 2026-12-31}
  - {id: new-survey, name: New survey, duty: d, owner: sun-hao, metric: m, target: \">= 3 surveys\", period: monthly, weight: 50, source: s, supports: [repeat-buyers], effective: 2027-01-01}
",
    );
    dir
}

#[test]
fn the_handbook_shows_the_objective_tree_raci_thresholds_and_kinds() {
    let dir = aligned_workspace();
    let out = build(
        dir.path(),
        &["--today", "2026-11-26", "--as-of", "2026-11-26"],
    );
    let md = read(&out.join("handbook.md"));
    for part in [
        "## Objectives\n\n- **Company growth** (Wang Fang)\n  - **Repeat buyers** (Sun Hao); KPIs: Satisfaction, Old survey\n",
        "| Satisfaction (lagging) |",
        "at least 90%; amber at: at least 85%",
        "| Li Na | C |",
        "| Wang Fang | I |",
        "C = consulted",
    ] {
        assert!(md.contains(part), "no {part:?} in:\n{md}");
    }
    assert!(!md.contains("New survey"), "{md}");
    let json: serde_json::Value = serde_json::from_str(&read(&out.join("kpis.json"))).unwrap();
    assert_eq!(json["version"], 1);
    assert_eq!(json["objectives"][1]["parent"], "growth");
    assert_eq!(
        json["objectives"][1]["kpis"],
        serde_json::json!(["satisfaction", "old-survey"])
    );
    let k = &json["kpis"][0];
    assert_eq!(k["threshold"]["op"], ">=");
    assert_eq!(k["threshold"]["value"], 85);
    assert_eq!(k["consulted"], serde_json::json!(["li-na"]));
    assert_eq!(k["kind"], "lagging");
    let csv = read(&out.join("scorecards.csv"));
    let first = csv.lines().next().unwrap();
    assert!(first.ends_with(",actual,threshold"), "{first}");
    assert!(csv.lines().nth(1).unwrap().ends_with(",,>= 85 %"), "{csv}");
}

#[test]
fn as_of_builds_only_the_kpis_in_force_that_day() {
    let dir = aligned_workspace();
    let ids = |day: &str| -> Vec<String> {
        let out = build(dir.path(), &["--today", "2026-11-26", "--as-of", day]);
        let json: serde_json::Value = serde_json::from_str(&read(&out.join("kpis.json"))).unwrap();
        json["kpis"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(ids("2026-12-31"), ["satisfaction", "old-survey"]);
    assert_eq!(ids("2027-01-01"), ["satisfaction", "new-survey"]);
    let run = kpic(
        dir.path(),
        &[
            "build",
            "--out",
            "out",
            "--today",
            "2026-11-26",
            "--as-of",
            "2027-01-01",
        ],
    );
    assert!(
        run.stderr
            .contains("--as-of 2027-01-01: 1 KPI not in force that day left out"),
        "{}",
        run.stderr
    );
    // Without --as-of every KPI is built.
    let out = build(dir.path(), &["--today", "2026-11-26"]);
    assert!(read(&out.join("handbook.md")).contains("New survey"));
}

#[test]
fn a_long_objective_chain_keeps_the_handbooks_small() {
    // 400 objectives, each the parent of the next: every one is listed, nested at most 16
    // levels deep, so that the handbooks grow with the chain, not with its square.
    let dir = tempfile::tempdir().unwrap();
    let mut spec = String::from("version: 1\nowners:\n  - {id: o, name: O}\nobjectives:\n");
    for i in 0..400 {
        spec += &format!("  - {{id: g{i}, name: Goal {i}, owner: o");
        if i > 0 {
            spec += &format!(", parent: g{}", i - 1);
        }
        spec += "}\n";
    }
    spec += "team: {id: t, name: T, review: quarterly}
duties:
  - {id: d, name: D, owner: o}
kpis:
  - {id: k, name: K, duty: d, owner: o, metric: count of x, target: \">= 2 x\", period: monthly, source: s, supports: [g399]}
";
    common::write(dir.path(), "kpi-specs/t.yaml", spec);
    let out = build(dir.path(), &[]);
    let md = read(&out.join("handbook.md"));
    let html = read(&out.join("handbook.html"));
    for i in 0..400 {
        let name = format!("**Goal {i}**");
        assert!(md.contains(&name), "{name} in handbook.md");
        assert!(html.contains(&format!("<strong>Goal {i}</strong>")), "{i}");
    }
    let deepest = md
        .lines()
        .filter(|l| l.trim_start().starts_with("- **Goal"))
        .map(|l| l.len() - l.trim_start().len())
        .max()
        .unwrap();
    assert_eq!(deepest, 2 * 16);
    assert!(md.len() < 100_000, "{} bytes", md.len());
    let mut depth = 0usize;
    let mut max_depth = 0;
    let tree = &html[html.find("<section id=\"objectives\">").unwrap()..];
    let tree = &tree[..tree.find("</section>").unwrap()];
    for piece in tree.split('<') {
        if piece.starts_with("ul>") {
            depth += 1;
            max_depth = max_depth.max(depth);
        } else if piece.starts_with("/ul>") {
            depth -= 1;
        }
    }
    assert_eq!(max_depth, 17, "nested lists in handbook.html");
}
