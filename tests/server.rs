//! `kpic server` over the real protocol: a JSON-RPC client (`tests/server/client.rs`) starts
//! the binary and drives a session; positions are in UTF-16 code units, as LSP counts them.

#[path = "server/client.rs"]
mod client;
mod common;

use std::path::Path;

use client::{Client, frame, uri};
use serde_json::{Value, json};

const OWNERS: &str = "\
version: 1
owners:
  - id: li-na
    name: 李娜
    title: 市场分析专员
  - id: wang-fang
    name: 王芳
    title: 运营总监
";

const TEAM: &str = "\
version: 1
team:
  id: ecommerce-ops
  name: 电商运营部
  review: quarterly
  lead: wang-fang
duties:
  - id: market-analysis
    name: 市场分析
    owner: li-na
kpis:
  - id: market-research-reports
    name: 市场调研报告数量
    duty: market-analysis
    owner: li-na
    metric: 当月完成的市场调研报告份数
    target: 不少于2份
    period: monthly
    weight: 60
    source: 团队知识库
  - id: report-quality
    name: 调研报告质量评分
    duty: market-analysis
    owner: li-na
    metric: 评审打分的平均值
    target: \">= 4 分\"
    period: monthly
    weight: 40
    source: 评审记录
";

/// Starts `kpic server ARGS` in `dir`.
fn start(dir: &Path, args: &[&str]) -> Client {
    Client::start_bin(Path::new(env!("CARGO_BIN_EXE_kpic")), dir, args)
}

/// `kpic server` in `root`, initialized with `root` as the workspace folder.
fn serving(root: &Path) -> Client {
    let mut c = start(root, &[]);
    c.initialize(root);
    c
}

/// A workspace of two clean files: `kpi-specs/owners.yaml` and `kpi-specs/team.yaml`.
fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    common::write(dir.path(), "kpi-specs/owners.yaml", OWNERS);
    common::write(dir.path(), "kpi-specs/team.yaml", TEAM);
    let (code, report) = common::check_json(dir.path(), &[]);
    assert_eq!(code, 0, "the workspace is clean: {report}");
    dir
}

/// The LSP position (UTF-16 units) of the first `needle` in `text`.
fn position_of(text: &str, needle: &str) -> Value {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("`{needle}` in the text"));
    let line = text[..at].matches('\n').count();
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let character = text[start..at].encode_utf16().count();
    json!({"line": line, "character": character})
}

fn codes(diagnostics: &[Value]) -> Vec<String> {
    diagnostics
        .iter()
        .map(|d| d["code"].as_str().unwrap_or_default().to_owned())
        .collect()
}

fn doc(path: &Path) -> Value {
    json!({"uri": uri(path)})
}

fn at(path: &Path, text: &str, needle: &str) -> Value {
    json!({"textDocument": doc(path), "position": position_of(text, needle)})
}

#[test]
fn a_whole_session() {
    let dir = workspace();
    let root = dir.path();
    let team = root.join("kpi-specs/team.yaml");
    let owners = root.join("kpi-specs/owners.yaml");
    let mut c = start(root, &[]);
    let init = c.initialize(root);
    assert_eq!(init["serverInfo"]["name"], "kpic");
    assert_eq!(init["capabilities"]["textDocumentSync"]["change"], 2);
    assert_eq!(init["capabilities"]["positionEncoding"], "utf-16");
    c.open(&team);

    // An owner that names nobody, after Chinese text and an emoji on its line.
    let broken = TEAM.replace(
        "  - id: report-quality\n",
        "  - {id: extra, name: 市场😀调研, owner: li-nq, duty: market-analysis, metric: m, target: \">= 1 份\", period: monthly, source: s}\n  - id: report-quality\n",
    );
    c.change_all(&team, 2, &broken);
    let diags = c.diagnostics(&uri(&team), |d| codes(d).contains(&"E004".to_string()));
    let e004 = diags.iter().find(|d| d["code"] == "E004").unwrap();
    // 市场 (2 units) and 😀 (2 units, 4 bytes): UTF-16 units, not bytes or characters.
    assert_eq!(e004["range"]["start"], position_of(&broken, "li-nq"));
    assert_eq!(e004["range"]["start"]["character"], 37);
    assert_eq!(e004["severity"], 1);
    assert_eq!(e004["source"], "kpic");
    let message = e004["message"].as_str().unwrap();
    assert!(message.contains("[unknown-reference]"), "{message}");
    assert!(message.contains("help: did you mean `li-na`?"), "{message}");

    // Hover on an owner: the definition, the KPI count and the weight total.
    let hover = c.request(
        "textDocument/hover",
        at(&team, &broken, "li-na\n    metric"),
    );
    let text = hover["contents"]["value"].as_str().unwrap();
    assert!(
        text.contains("**owner li-na**") && text.contains("李娜"),
        "{text}"
    );
    assert!(
        text.contains("accountable for 2 KPIs, weights total 100"),
        "{text}"
    );
    assert!(text.contains("owners.yaml:3"), "{text}");

    // Definition in the other file, references across files.
    let def = c.request(
        "textDocument/definition",
        at(&team, &broken, "li-na\n    metric"),
    );
    assert_eq!(def[0]["uri"], uri(&owners));
    assert_eq!(def[0]["range"]["start"], position_of(OWNERS, "li-na"));
    let mut params = at(&team, &broken, "li-na\n    metric");
    params["context"] = json!({"includeDeclaration": true});
    let refs = c.request("textDocument/references", params);
    let refs = refs.as_array().unwrap();
    // The definition, the duty's owner and the two KPIs' owners.
    assert_eq!(refs.len(), 4, "{refs:?}");
    assert_eq!(refs[0]["uri"], uri(&owners));

    // A duty reference leads to the duty; a KPI's ID is its own definition and only place.
    let duty = c.request(
        "textDocument/definition",
        at(&team, &broken, "market-analysis\n    owner"),
    );
    assert_eq!(duty[0]["uri"], uri(&team));
    assert_eq!(
        duty[0]["range"]["start"],
        position_of(&broken, "market-analysis")
    );
    let mut params = at(&team, &broken, "report-quality");
    params["context"] = json!({"includeDeclaration": true});
    let refs = c.request("textDocument/references", params);
    assert_eq!(refs.as_array().unwrap().len(), 1);
    let hover = c.request("textDocument/hover", at(&team, &broken, "ecommerce-ops"));
    let text = hover["contents"]["value"].as_str().unwrap();
    assert!(
        text.contains("**team ecommerce-ops**: 电商运营部"),
        "{text}"
    );

    // Completion of owner IDs with their names, at `owner: `.
    let typed = broken.replace("owner: li-nq", "owner: wa");
    c.change_all(&team, 3, &typed);
    let list = c.request(
        "textDocument/completion",
        at(&team, &typed, ", duty: market"),
    );
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0]["label"], "wang-fang");
    assert_eq!(items[0]["detail"], "王芳, 运营总监");
    assert_eq!(items[0]["textEdit"]["newText"], "wang-fang");

    // The did-you-mean fix and the suppression as code actions.
    c.change_all(&team, 4, &broken);
    c.diagnostics(&uri(&team), |d| codes(d).contains(&"E004".to_string()));
    let start = position_of(&broken, "li-nq");
    let actions = c.request(
        "textDocument/codeAction",
        json!({"textDocument": doc(&team), "range": {"start": start, "end": start},
               "context": {"diagnostics": []}}),
    );
    let actions = actions.as_array().unwrap();
    let titles: Vec<&str> = actions
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        [
            "replace `li-nq` with `li-na`",
            "suppress E004 (unknown-reference) here, with a reason"
        ]
    );
    let edit = &actions[0]["edit"]["changes"][uri(&team)][0];
    assert_eq!(edit["newText"], "li-na");
    assert_eq!(edit["range"]["start"], start);
    assert_eq!(actions[0]["diagnostics"][0]["code"], "E004");
    let insert = &actions[1]["edit"]["changes"][uri(&team)][0];
    assert_eq!(
        insert["newText"],
        "  # kpic: ignore[E004] -- TODO: say why this is fine\n"
    );

    // The outline: the team with its owners, duties and KPIs.
    let symbols = c.request(
        "textDocument/documentSymbol",
        json!({"textDocument": doc(&team)}),
    );
    assert_eq!(symbols[0]["name"], "ecommerce-ops");
    assert_eq!(symbols[0]["detail"], "电商运营部");
    let children: Vec<&str> = symbols[0]["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        children,
        [
            "market-analysis",
            "market-research-reports",
            "extra",
            "report-quality"
        ]
    );
    let found = c.request("workspace/symbol", json!({"query": "王芳"}));
    assert_eq!(found[0]["name"], "wang-fang");
    assert_eq!(found[0]["location"]["uri"], uri(&owners));

    let status = c.shutdown();
    assert_eq!(status.code(), Some(0));
}

/// A finding as `(file, code, line, column, end line, end column, message)`.
type Finding = (String, String, u64, u64, u64, u64, String);

/// The server's diagnostics for every file, as `(file, code, line, column, end line, end
/// column, message)` with 1-based lines and columns, like `kpic check --format json` (the
/// texts are ASCII, so UTF-16 columns count characters).
fn published(c: &Client, root: &Path) -> Vec<Finding> {
    let mut out = Vec::new();
    for (uri, list) in c.all_latest() {
        let file = uri
            .strip_prefix(&format!("{}/", client::uri(root)))
            .unwrap_or(uri)
            .to_owned();
        for d in list {
            let message = d["message"].as_str().unwrap();
            let message = message.split(" [").next().unwrap().to_owned();
            let pos = |p: &str, k: &str| d["range"][p][k].as_u64().unwrap() + 1;
            out.push((
                file.clone(),
                d["code"].as_str().unwrap_or_default().to_owned(),
                pos("start", "line"),
                pos("start", "character"),
                pos("end", "line"),
                pos("end", "character"),
                message,
            ));
        }
    }
    out.sort();
    out
}

/// What `kpic check --format json` reports for the files on disk, in the same shape.
fn checked(root: &Path) -> Vec<Finding> {
    let (_, report) = common::check_json(root, &[]);
    let mut out: Vec<_> = common::diagnostics(&report)
        .iter()
        .map(|d| {
            let n = |k: &str| d[k].as_u64().unwrap();
            (
                d["file"].as_str().unwrap().to_owned(),
                d["code"].as_str().unwrap().to_owned(),
                n("line"),
                n("column"),
                n("end_line"),
                n("end_column"),
                d["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    out.sort();
    out
}

const SHARED: &str = "\
version: 1
owners:
  - {id: a-owner, name: A}
  - {id: b-owner, name: B}
  - {id: dup-owner, name: D}
";

const T1: &str = "\
version: 1
team: {id: t1, name: T1, review: quarterly}
owners:
  - {id: dup-owner, name: D again}
duties:
  - {id: d1, name: D1, owner: a-owner}
kpis:
  - id: k1
    name: K1
    duty: d1
    owner: a-owner
    metric: m
    target: '>= 1 report'
    period: monthly
    weight: 60
    source: s
  - {id: k2, name: K2, duty: d1, owner: a-owner, metric: m, target: '>= 2 report', period: monthly, weight: 40, source: s}
";

const T2: &str = "\
version: 1
team: {id: t2, name: T2, review: quarterly}
duties:
  - {id: d2, name: D2, owner: b-owner}
kpis:
  - {id: k3, name: K3, duty: d2, owner: b-owner, metric: m, target: '>= 3 report', period: monthly, weight: 100, source: s}
";

#[test]
fn after_each_edit_the_diagnostics_are_those_of_kpic_check() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    common::write(root, "kpi-specs/shared.yaml", SHARED);
    common::write(root, "kpi-specs/t1.yaml", T1);
    common::write(root, "kpi-specs/t2.yaml", T2);
    let t1 = root.join("kpi-specs/t1.yaml");
    let shared = root.join("kpi-specs/shared.yaml");
    let mut c = serving(root);
    c.open(&t1);
    c.open(&shared);
    c.barrier();
    assert_eq!(published(&c, root), checked(root));
    // The duplicate owner, with the first definition in the other file as related
    // information.
    let dup = c.latest(&uri(&t1));
    let dup = dup.iter().find(|d| d["code"] == "E003").expect("E003");
    let related = &dup["relatedInformation"][0];
    assert_eq!(related["message"], "first defined here");
    assert_eq!(related["location"]["uri"], uri(&shared));
    assert_eq!(
        related["location"]["range"]["start"],
        position_of(SHARED, "dup-owner")
    );
    let mut text = T1.to_owned();
    let edits: Vec<fn(&str) -> String> = vec![
        // Lines above the duplicate: its finding moves (the IDs stay: the quick path).
        (|t: &str| format!("# a comment\n# another\n{t}")),
        (|t: &str| t.replace("    owner: a-owner\n", "    owner: a-ownr\n")),
        (|t: &str| {
            t.replace(
                "    owner: a-ownr\n",
                "    # kpic: ignore[E004] -- agreed\n    owner: a-ownr\n",
            )
        }),
        (|t: &str| t.replace("    weight: 60\n", "    weight: 70\n")),
        // A new ID, then a renamed one: the index is built again.
        (|t: &str| t.replace("  - id: k1\n", "  - id: k1-renamed\n")),
        (|t: &str| format!("{t}  - {{id: k9, name: K9}}\n")),
        // Unparseable, then mended.
        (|t: &str| t.replace("kpis:\n", "kpis: [\n")),
        (|t: &str| t.replace("kpis: [\n", "kpis:\n")),
    ];
    for (i, edit) in edits.iter().enumerate() {
        text = edit(&text);
        c.change_all(&t1, i as i64 + 2, &text);
        c.barrier();
        common::write(root, "kpi-specs/t1.yaml", &text);
        assert_eq!(
            published(&c, root),
            checked(root),
            "after edit {i}:\n{text}"
        );
    }
    // The shared owners file loses `b-owner`: the other team's file, never opened, gets E004.
    let fewer = SHARED.replace("  - {id: b-owner, name: B}\n", "");
    c.change_all(&shared, 2, &fewer);
    let t2 = uri(&root.join("kpi-specs/t2.yaml"));
    let diags = c.diagnostics(&t2, |d| codes(d).contains(&"E004".to_string()));
    assert_eq!(diags.len(), 2, "{diags:?}");
    c.barrier();
    common::write(root, "kpi-specs/shared.yaml", &fewer);
    assert_eq!(published(&c, root), checked(root));
    assert_eq!(c.shutdown().code(), Some(0));
}

#[test]
fn a_burst_of_edits_is_checked_once_or_a_few_times() {
    let dir = workspace();
    let root = dir.path();
    let team = root.join("kpi-specs/team.yaml");
    let mut c = serving(root);
    c.open(&team);
    c.barrier();
    let before = c.publishes(&uri(&team));
    // Twenty edits in one write, as a fast typist's editor or a macro sends them.
    let mut bytes = Vec::new();
    for v in 2..22 {
        let text = TEAM.replace("weight: 60", &format!("weight: {v}"));
        let change = json!({"jsonrpc": "2.0", "method": "textDocument/didChange",
            "params": {"textDocument": {"uri": uri(&team), "version": v},
                       "contentChanges": [{"text": text}]}});
        bytes.extend(frame(&change.to_string()));
    }
    c.send_raw(&bytes);
    let last = c.wait_for("textDocument/publishDiagnostics", |p| {
        p["uri"] == uri(&team) && p["version"] == 21
    });
    // The last text: weights 21 + 40 do not make 100.
    assert!(
        last["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["code"] == "R003")
    );
    let checks = c.publishes(&uri(&team)) - before;
    assert!(checks < 20, "{checks} publications for 20 edits");
}

#[test]
fn edits_in_ranges_count_utf16_units() {
    let dir = workspace();
    let root = dir.path();
    let team = root.join("kpi-specs/team.yaml");
    let mut c = serving(root);
    c.open(&team);
    // A KPI on one line, its owner after Chinese text and an emoji.
    let text = TEAM.replace(
        "  - id: report-quality\n",
        "  - {id: extra, name: 市场😀调研, owner: wang-fang, duty: market-analysis, metric: m, target: \">= 1 份\", period: monthly, weight: 100, source: s}\n  - id: report-quality\n",
    );
    c.change_all(&team, 2, &text);
    c.diagnostics(&uri(&team), |d| d.is_empty());
    // Replace `wang-fang` by a range in UTF-16 units: 市场 2, 😀 2, 调研 2 (by bytes or
    // characters the range would cut into the name).
    let start = position_of(&text, "wang-fang, duty");
    let end = json!({"line": start["line"], "character": start["character"].as_u64().unwrap() + 9});
    let range = json!({"start": start, "end": end});
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri(&team), "version": 3},
               "contentChanges": [{"range": range, "text": "wang-fnag"}]}),
    );
    let diags = c.diagnostics(&uri(&team), |d| !d.is_empty());
    assert_eq!(codes(&diags), ["E004"], "{diags:?}");
    assert_eq!(diags[0]["range"], range);
    assert!(
        diags[0]["message"]
            .as_str()
            .unwrap()
            .contains("unknown owner `wang-fnag`")
    );
    let hover = c.request(
        "textDocument/hover",
        json!({"textDocument": doc(&team), "position": start}),
    );
    // Hover on the finding: the ID names nothing, and what E004 is.
    let text = hover["contents"]["value"].as_str().unwrap();
    assert!(text.contains("unknown owner"), "{text}");
    assert!(text.contains("# E004 unknown-reference"), "{text}");
    // And back: the text is whole again, so the file is clean.
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri(&team), "version": 4},
               "contentChanges": [{"range": range, "text": "wang-fang"}]}),
    );
    c.diagnostics(&uri(&team), |d| d.is_empty());
    let symbols = c.request(
        "textDocument/documentSymbol",
        json!({"textDocument": doc(&team)}),
    );
    let extra = &symbols[0]["children"][2];
    assert_eq!(extra["name"], "extra");
    assert_eq!(extra["detail"], "市场😀调研");
}

#[test]
fn completion_of_keys_values_ids_and_rules() {
    let dir = workspace();
    let root = dir.path();
    let team = root.join("kpi-specs/team.yaml");
    let mut c = serving(root);
    c.open(&team);
    let labels = |c: &mut Client, text: &str, needle: &str, after: usize| -> Vec<String> {
        let mut p = at(&team, text, needle);
        p["position"]["character"] =
            json!(p["position"]["character"].as_u64().unwrap() + after as u64);
        let list = c.request("textDocument/completion", p);
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["label"].as_str().unwrap().to_owned())
            .collect()
    };
    // Keys of a KPI that it does not have yet.
    let text = TEAM.replace("    source: 评审记录\n", "    source: 评审记录\n    fo\n");
    c.change_all(&team, 2, &text);
    let keys = labels(&mut c, &text, "    fo\n", 6);
    assert!(keys.contains(&"formula".to_string()), "{keys:?}");
    assert!(keys.contains(&"contributors".to_string()), "{keys:?}");
    assert!(!keys.contains(&"metric".to_string()), "{keys:?}");
    assert!(!keys.contains(&"review".to_string()), "{keys:?}");
    // Values of `period`, duty IDs, rule codes and names in a suppression.
    let text = TEAM
        .replace(
            "    period: monthly\n    weight: 40",
            "    period: \n    weight: 40",
        )
        .replace(
            "    duty: market-analysis\n    owner: li-na\n    metric: 评审",
            "    duty: m\n    owner: li-na\n    metric: 评审",
        )
        .replace(
            "  - id: report-quality\n",
            "  # kpic: ignore[T00\n  - id: report-quality\n",
        );
    c.change_all(&team, 3, &text);
    let periods = labels(&mut c, &text, "period: \n    weight: 40", 8);
    assert_eq!(periods[..3], ["daily", "weekly", "biweekly"]);
    assert_eq!(labels(&mut c, &text, "duty: m\n", 7), ["market-analysis"]);
    let rules = labels(&mut c, &text, "T00\n", 3);
    assert!(rules.contains(&"T001".to_string()) && rules.contains(&"missing-deadline".to_string()));
    // Hover on the rule in a suppression: its `kpic explain` text.
    let text = text.replace("ignore[T00\n", "ignore[T001] -- why\n");
    c.change_all(&team, 4, &text);
    let hover = c.request("textDocument/hover", at(&team, &text, "T001]"));
    let doc_text = hover["contents"]["value"].as_str().unwrap();
    assert!(
        doc_text.starts_with("# T001 missing-deadline"),
        "{doc_text}"
    );
}

#[test]
fn kpic_yaml_is_served_and_reloaded() {
    let dir = workspace();
    let root = dir.path();
    let team = root.join("kpi-specs/team.yaml");
    let config = root.join("kpic.yaml");
    common::write(root, "kpic.yaml", "rules:\n  T003: error\n");
    let mut c = serving(root);
    let text = TEAM.replace("  review: quarterly\n", "");
    c.open_text(&team, &text);
    let d = c.diagnostics(&uri(&team), |d| !d.is_empty());
    assert_eq!(d[0]["code"], "T003");
    assert_eq!(d[0]["severity"], 1, "an error, as kpic.yaml says");
    // The editor turns the rule off in kpic.yaml: the team file is checked again.
    c.open(&config);
    c.change_all(&config, 2, "rules:\n  missing-review: off\n");
    c.diagnostics(&uri(&team), |d| d.is_empty());
    // A mistake in kpic.yaml is shown there, where it is; the last good settings stay.
    c.change_all(&config, 3, "rules:\n  missing-reviews: off\n");
    let problems = c.diagnostics(&uri(&config), |d| !d.is_empty());
    assert_eq!(
        problems[0]["range"]["start"],
        json!({"line": 1, "character": 2})
    );
    let message = problems[0]["message"].as_str().unwrap();
    assert!(
        message.contains("unknown rule `missing-reviews`"),
        "{message}"
    );
    assert!(
        message.contains("did you mean `missing-review`?"),
        "{message}"
    );
    c.change_all(&config, 4, "rules:\n  missing-review: warning\n");
    c.barrier();
    assert!(c.latest(&uri(&config)).is_empty());
    let d = c.latest(&uri(&team));
    assert_eq!(codes(&d), ["T003"]);
    assert_eq!(d[0]["severity"], 2);
    assert_eq!(c.shutdown().code(), Some(0));
}

#[test]
fn select_and_ignore_on_the_command_line_as_for_check() {
    let dir = workspace();
    let root = dir.path();
    let team = root.join("kpi-specs/team.yaml");
    let text = TEAM
        .replace("  review: quarterly\n", "")
        .replace("    source: 评审记录\n", "");
    common::write(root, "kpi-specs/team.yaml", &text);
    for (args, expected) in [
        (&[][..], &["T003", "M003"][..]),
        (&["--ignore", "missing-review"][..], &["M003"][..]),
        (&["--select", "T003"][..], &["T003"][..]),
    ] {
        let mut c = start(root, args);
        c.initialize(root);
        c.barrier();
        let mut got = codes(&c.latest(&uri(&team)));
        got.sort();
        let mut want: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
        want.sort();
        assert_eq!(got, want, "kpic server {args:?}");
    }
    // An unknown rule stops it before it serves, as it stops `kpic check`.
    let run = common::kpic(root, &["server", "--select", "T0001"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("unknown rule `T0001`; did you mean `T001`?"),
        "{}",
        run.stderr
    );
}

#[test]
fn files_changed_on_disk_are_picked_up() {
    let dir = workspace();
    let root = dir.path();
    let mut c = start(root, &[]);
    let caps = c.initialize(root);
    assert!(caps["capabilities"]["textDocumentSync"].is_object());
    // The server asks to be told of YAML files that change on disk.
    let reg = c.wait_for("client/registerCapability", |_| true);
    assert_eq!(
        reg["registrations"][0]["method"],
        "workspace/didChangeWatchedFiles"
    );
    let new = root.join("kpi-specs/new.yaml");
    common::write(root, "kpi-specs/new.yaml", "version: 1\nkpis: []\n");
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri(&new), "type": 1}]}),
    );
    let d = c.diagnostics(&uri(&new), |d| !d.is_empty());
    assert_eq!(d[0]["code"], "E002", "{d:?}");
    // Changed: the owners file loses li-na, and the team file, never opened, says so.
    let owners = root.join("kpi-specs/owners.yaml");
    common::write(
        root,
        "kpi-specs/owners.yaml",
        OWNERS.replace("li-na", "li-na-2"),
    );
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri(&owners), "type": 2}]}),
    );
    let team = uri(&root.join("kpi-specs/team.yaml"));
    let d = c.diagnostics(&team, |d| codes(d).contains(&"E004".to_string()));
    assert!(
        d.iter()
            .all(|d| d["message"].as_str().unwrap().contains("li-na"))
    );
    // Deleted: its diagnostics are cleared.
    std::fs::remove_file(&new).unwrap();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri(&new), "type": 3}]}),
    );
    c.diagnostics(&uri(&new), |d| d.is_empty());
    // kpic.yaml created on disk: read.
    common::write(root, "kpic.yaml", "rules:\n  unknown-reference: off\n");
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri(&root.join("kpic.yaml")), "type": 1}]}),
    );
    c.diagnostics(&team, |d| d.is_empty());
}

/// Asks for the definition of the team lead of [`workspace`]: the server is still serving.
fn still_answers(c: &mut Client, root: &Path) {
    let team = root.join("kpi-specs/team.yaml");
    let def = c.request("textDocument/definition", at(&team, TEAM, "wang-fang"));
    assert_eq!(def[0]["uri"], uri(&root.join("kpi-specs/owners.yaml")));
}

#[test]
fn bad_messages_get_protocol_errors_and_the_server_goes_on() {
    let dir = workspace();
    let root = dir.path();
    let mut c = start(root, &[]);
    // Before `initialize`.
    let early = c.request_raw("textDocument/hover", json!({}));
    assert_eq!(early["error"]["code"], -32002);
    c.initialize(root);
    // Not JSON: a parse error, answered to `null`.
    c.send_raw(&frame("{\"jsonrpc\": \"2.0\", \"id\": 9, \"method\": "));
    let answer = c.answer_to(&Value::Null);
    assert_eq!(answer["error"]["code"], -32700);
    // JSON but not a request: an invalid request.
    c.send_raw(&frame(r#"{"jsonrpc":"2.0","id":10,"params":[]}"#));
    assert_eq!(c.answer_to(&json!(10))["error"]["code"], -32600);
    // A header that is not one, and a length of several terabytes: skipped.
    c.send_raw(b"Content-Type: nonsense\r\n\r\n");
    c.send_raw(b"Content-Length: 99999999999999\r\n\r\n");
    // That length swallows what follows until the input ends; a new server goes on.
    c.close_input();
    let status = c.wait();
    assert_eq!(status.code(), Some(1), "end of input without shutdown");
    assert!(
        c.stderr_text().contains("malformed message"),
        "{}",
        c.stderr_text()
    );
    assert!(!c.stderr_text().contains("panicked"), "{}", c.stderr_text());

    let mut c = serving(root);
    let unknown = c.request_raw("textDocument/semanticTokens/full", json!({}));
    assert_eq!(unknown["error"]["code"], -32601);
    let bad = c.request_raw("textDocument/hover", json!({"textDocument": 3}));
    assert_eq!(bad["error"]["code"], -32602);
    c.notify("textDocument/didOpen", json!({"textDocument": "nope"}));
    c.notify("kpic/noSuchNotification", json!({}));
    // A document outside the workspace: not checked, nothing about it answered, nothing read.
    let outside = tempfile::tempdir().unwrap();
    let elsewhere = outside.path().join("secret.yaml");
    c.open_text(&elsewhere, "version: 1\nkpis: [{id: x}]\n");
    let hover = c.request(
        "textDocument/hover",
        json!({"textDocument": doc(&elsewhere), "position": {"line": 1, "character": 10}}),
    );
    assert_eq!(hover, Value::Null);
    c.barrier();
    assert!(c.latest(&uri(&elsewhere)).is_empty());
    assert_eq!(c.publishes(&uri(&elsewhere)), 0);
    let log = c.stderr_text();
    assert!(log.contains("not part of the workspace"), "{log}");
    assert!(
        log.contains("unknown notification `kpic/noSuchNotification`"),
        "{log}"
    );
    // After all that, the server still answers.
    still_answers(&mut c, root);
    assert_eq!(c.shutdown().code(), Some(0));
}

#[test]
fn a_100_mb_buffer_is_a_finding_not_a_crash() {
    let dir = workspace();
    let root = dir.path();
    let mut c = serving(root);
    let big = root.join("kpi-specs/big.yaml");
    let text = "# x\n".repeat(25 << 20);
    c.open_text(&big, &text);
    let d = c.diagnostics(&uri(&big), |d| !d.is_empty());
    assert_eq!(d[0]["code"], "E001");
    assert!(
        d[0]["message"]
            .as_str()
            .unwrap()
            .contains("larger than the limit of 16 MiB"),
        "{d:?}"
    );
    still_answers(&mut c, root);
    assert_eq!(c.shutdown().code(), Some(0));
}

#[test]
fn the_server_exits_on_exit_and_when_the_client_goes_away() {
    let dir = workspace();
    let root = dir.path();
    // `exit` without `shutdown`: exit code 1, as LSP asks.
    let mut c = serving(root);
    c.notify("exit", Value::Null);
    assert_eq!(c.wait().code(), Some(1));
    // Requests after `shutdown` are refused; `exit` then ends with 0.
    let mut c = serving(root);
    assert_eq!(c.request("shutdown", Value::Null), Value::Null);
    let late = c.request_raw("textDocument/hover", json!({}));
    assert_eq!(late["error"]["code"], -32600);
    c.notify("exit", Value::Null);
    assert_eq!(c.wait().code(), Some(0));
    // The client disconnects in the middle of a session.
    let mut c = serving(root);
    c.open(&root.join("kpi-specs/team.yaml"));
    c.close_input();
    assert_eq!(c.wait().code(), Some(1));
    assert!(
        c.stderr_text().contains("end of input"),
        "{}",
        c.stderr_text()
    );
}

#[test]
#[ignore = "needs Neovim: apt-get install neovim"]
fn neovim_shows_diagnostics_and_jumps() {
    let dir = workspace();
    let root = dir.path();
    let team = root.join("kpi-specs/team.yaml");
    let owners = root.join("kpi-specs/owners.yaml");
    // An owner that names nobody, after Chinese text and an emoji.
    let broken = TEAM.replace(
        "  - id: report-quality\n",
        "  - {id: extra, name: 市场😀调研, owner: li-nq, duty: market-analysis, metric: m, target: \">= 1 份\", period: monthly, weight: 100, source: s}\n  - id: report-quality\n",
    );
    common::write(root, "kpi-specs/team.yaml", &broken);
    let out = root.join("nvim.out");
    let script = common::repo_root().join("tests/server/nvim.lua");
    let mut cmd = std::process::Command::new("nvim");
    cmd.args(["--headless", "--clean", "-c"])
        .arg(format!("luafile {}", script.display()))
        .current_dir(root)
        .env("KPIC_BIN", env!("CARGO_BIN_EXE_kpic"))
        .env("KPIC_ROOT", root)
        .env("KPIC_TEAM", &team)
        .env("KPIC_OWNERS", &owners)
        .env("KPIC_OUT", &out)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let mut child = cmd.spawn().expect("nvim runs");
    let start = std::time::Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > std::time::Duration::from_secs(90) {
            let _ = child.kill();
            panic!("nvim did not finish within 90 s");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let seen = std::fs::read_to_string(&out).unwrap_or_default();
    eprintln!("what Neovim saw:\n{seen}");
    assert!(status.success(), "nvim failed ({status}):\n{seen}");
    // Neovim converts the UTF-16 position to a byte column of the line.
    let line = broken.lines().position(|l| l.contains("li-nq")).unwrap();
    let text = broken.lines().nth(line).unwrap();
    let col = text.find("li-nq").unwrap();
    let expected = format!(
        "diagnostic=E004 {line} {col} KPI `extra` has unknown owner `li-nq` [unknown-reference]"
    );
    assert!(
        seen.lines().any(|l| l == expected),
        "{expected}\nnot in:\n{seen}"
    );
    // The jump lands on `wang-fang`'s definition in the owners file (1-based line, byte col).
    let def_line = OWNERS
        .lines()
        .position(|l| l.contains("id: wang-fang"))
        .unwrap()
        + 1;
    let def_col = OWNERS
        .lines()
        .nth(def_line - 1)
        .unwrap()
        .find("wang-fang")
        .unwrap();
    assert!(
        seen.lines()
            .any(|l| l == format!("definition=owners.yaml {def_line} {def_col}")),
        "{seen}"
    );
}

#[test]
fn a_document_opened_under_another_spelling_of_its_uri_moves_its_diagnostics() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    common::write(root, "kpi-specs/owners.yaml", OWNERS);
    let text = TEAM.replace("  review: quarterly\n", "");
    common::write(root, "kpi-specs/市场 team.yaml", &text);
    let path = root.join("kpi-specs/市场 team.yaml");
    let mut c = serving(root);
    c.barrier();
    // The server's own URI for the file (upper-case escapes) has its diagnostics.
    let ours = uri(&path);
    assert_eq!(codes(&c.latest(&ours)), ["T003"]);
    // The editor spells the escapes in lower case.
    let mut theirs = String::new();
    let mut rest = ours.as_str();
    while let Some(i) = rest.find('%') {
        theirs.push_str(&rest[..i]);
        theirs.push_str(&rest[i..i + 3].to_lowercase());
        rest = &rest[i + 3..];
    }
    theirs.push_str(rest);
    assert_ne!(theirs, ours);
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": theirs, "languageId": "yaml", "version": 1, "text": text}}),
    );
    c.barrier();
    assert_eq!(codes(&c.latest(&theirs)), ["T003"]);
    assert!(c.latest(&ours).is_empty(), "cleared under the old spelling");
}

#[test]
fn a_file_reached_through_a_link_is_edited_under_its_real_path() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    common::write(root, "shared/owners.yaml", OWNERS);
    common::write(root, "kpi-specs/team.yaml", TEAM);
    std::os::unix::fs::symlink("../shared/owners.yaml", root.join("kpi-specs/owners.yaml"))
        .unwrap();
    let mut c = serving(root);
    c.barrier();
    assert!(c.latest(&uri(&root.join("kpi-specs/team.yaml"))).is_empty());
    // The editor opens the owners file where it really is, and removes `li-na`.
    let real = root.join("shared/owners.yaml");
    c.open(&real);
    c.change_all(&real, 2, &OWNERS.replace("li-na", "li-na-2"));
    let team = uri(&root.join("kpi-specs/team.yaml"));
    let d = c.diagnostics(&team, |d| codes(d).contains(&"E004".to_string()));
    assert_eq!(codes(&d), ["E004"; 3]);
    // Definitions land in the document the editor has open.
    let def = c.request(
        "textDocument/definition",
        at(&root.join("kpi-specs/team.yaml"), TEAM, "wang-fang"),
    );
    assert_eq!(def[0]["uri"], uri(&real));
}

#[test]
fn a_new_file_joins_while_open_and_leaves_when_closed_unsaved() {
    let dir = workspace();
    let root = dir.path();
    let mut c = serving(root);
    let new = root.join("kpi-specs/draft.yaml");
    c.open_text(
        &new,
        "version: 1\nteam: {id: draft, name: D}\nkpis:\n  - {id: k, name: K, owner: li-nq}\n",
    );
    let d = c.diagnostics(&uri(&new), |d| codes(d).contains(&"E004".to_string()));
    assert!(d.iter().any(|d| {
        d["message"]
            .as_str()
            .unwrap()
            .contains("did you mean `li-na`?")
    }));
    c.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": uri(&new)}}),
    );
    c.diagnostics(&uri(&new), |d| d.is_empty());
    c.barrier();
    assert!(
        !c.stderr_text().contains("cannot read"),
        "{}",
        c.stderr_text()
    );
}

#[test]
fn a_file_that_gitignore_leaves_out_stays_out() {
    let dir = workspace();
    let root = dir.path();
    common::write(root, ".gitignore", "kpi-specs/scratch.yaml\n");
    common::write(
        root,
        "kpi-specs/scratch.yaml",
        "version: 1\nkpis: [{id: x}]\n",
    );
    let scratch = root.join("kpi-specs/scratch.yaml");
    let mut c = serving(root);
    c.open(&scratch);
    c.change_all(&scratch, 2, "version: 1\nkpis: [{id: y}]\n");
    c.barrier();
    assert_eq!(c.publishes(&uri(&scratch)), 0);
    assert!(
        c.stderr_text().contains("not part of the workspace"),
        "{}",
        c.stderr_text()
    );
    assert_eq!(
        common::check_json(root, &[]).0,
        0,
        "kpic check leaves it out too"
    );
}

#[test]
fn initialize_is_read_leniently() {
    let dir = workspace();
    let root = dir.path();
    let mut c = start(root, &[]);
    let bad = c.request_raw("initialize", json!(7));
    assert_eq!(bad["error"]["code"], -32602);
    // Capabilities of types no version of LSP has: the root is all the server needs.
    let init = c.request(
        "initialize",
        json!({"rootUri": uri(root), "capabilities": {"textDocument": {"hover": 5}, "workspace": []},
               "trace": {"x": 1}}),
    );
    assert_eq!(init["serverInfo"]["name"], "kpic");
    c.notify("initialized", json!({}));
    still_answers(&mut c, root);
}
