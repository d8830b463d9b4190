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
    let mut c = Client::start(root, &[]);
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
