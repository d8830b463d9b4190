//! CI integration: the `sarif`, `github` and `junit` formats, `FORMAT:PATH` outputs, GitHub
//! Actions defaults, stdin, `kpic init` and `kpic completions`, run through the real binary.
//!
//! Every format is checked against `--format json` of the same run, on a workspace with
//! findings and on a clean one.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::{Options, Run, check_json, copy_dir, diagnostics, json_of, kpic, repo_root};
use serde_json::Value;

/// Copies `tests/fixtures/ci/<name>` into a fresh temp folder.
fn fixture(name: &str) -> tempfile::TempDir {
    common::fixture(&format!("ci/{name}"))
}

/// Runs kpic in `dir` with `env` set (and `GITHUB_ACTIONS` unset unless given), feeding `stdin`.
fn kpic_with(dir: &Path, args: &[&str], env: &[(&str, &str)], stdin: Option<&str>) -> Run {
    let stdin = stdin.map(str::as_bytes);
    common::kpic_with(
        dir,
        args,
        Options {
            env,
            stdin,
            ..Options::default()
        },
    )
}

/// `kpic check --format FORMAT` plus `extra`, and the JSON report of the same run.
fn check_as(dir: &Path, format: &str, extra: &[&str]) -> (Run, Value) {
    let mut args = vec!["check", "--format", format];
    args.extend(extra);
    let run = kpic(dir, &args);
    let (code, v) = check_json(dir, extra);
    assert_eq!(run.code, code, "{}", run.stderr);
    (run, v)
}

/// The findings fixture has an error, a warning and an info (T003, set to info in its
/// `kpic.yaml`), so that every level mapping is exercised.
fn assert_every_severity(diagnostics: &[Value]) {
    for severity in ["error", "warning", "info"] {
        assert!(
            diagnostics.iter().any(|d| d["severity"] == severity),
            "no {severity} in {diagnostics:?}"
        );
    }
}

/// The rules snapshot tests run: the structural ones, plus a warning (M003) and an info (T003),
/// so that snapshots do not churn with the wording of unrelated rules.
const SNAPSHOT_RULES: &[&str] = &["--select", "E001,E002,E003,E004,M003,T003"];

// ---------------------------------------------------------------------------------------------
// SARIF

fn sarif_validator() -> jsonschema::Validator {
    let text =
        std::fs::read_to_string(repo_root().join("tests/sarif-2.1.0-rtm.5.schema.json")).unwrap();
    let mut schema: Value = serde_json::from_str(&text).unwrap();
    // The official schema's `language` patterns have a lone `]` (a literal in ECMA-262
    // Annex B) that the Rust regex engine rejects; escaping it keeps their meaning. kpic never
    // writes a `language` property, the only thing they constrain.
    assert_eq!(escape_lone_brackets(&mut schema), 2);
    jsonschema::draft4::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles")
}

/// Escapes the lone `]` in the schema's language-tag patterns; returns how many it changed.
fn escape_lone_brackets(v: &mut Value) -> usize {
    const BAD: &str = "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$";
    match v {
        Value::Object(map) => map
            .iter_mut()
            .map(|(k, v)| {
                if k == "pattern" && v == BAD {
                    *v = BAD.replace("}]?", "}\\]?").into();
                    1
                } else {
                    escape_lone_brackets(v)
                }
            })
            .sum(),
        Value::Array(items) => items.iter_mut().map(escape_lone_brackets).sum(),
        _ => 0,
    }
}

/// Asserts that `text` is exactly one SARIF 2.1.0 log that the official schema accepts.
fn assert_valid_sarif(text: &str) -> Value {
    let log: Value = serde_json::from_str(text)
        .unwrap_or_else(|e| panic!("the SARIF output is not one JSON document ({e}):\n{text}"));
    let errors: Vec<String> = sarif_validator()
        .iter_errors(&log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "invalid SARIF:\n{}", errors.join("\n"));
    assert_eq!(log["version"], "2.1.0");
    assert_eq!(log["runs"].as_array().unwrap().len(), 1);
    log
}

/// Checks the tool's rules: every rule kpic has, with its descriptions and default level.
fn assert_sarif_rules(run: &Value) {
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "kpic");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    assert!(
        driver["informationUri"]
            .as_str()
            .unwrap()
            .starts_with("https://")
    );
    let rules = driver["rules"].as_array().unwrap();
    let all = kpic::rules::all();
    assert_eq!(rules.len(), all.len());
    for (r, meta) in rules.iter().zip(&all) {
        assert_eq!(r["id"], meta.code);
        assert_eq!(r["name"], meta.name);
        assert_eq!(r["shortDescription"]["text"], meta.summary);
        assert_eq!(r["fullDescription"]["text"], meta.doc_text());
        assert_eq!(r["help"]["markdown"], meta.doc_text());
        let level = match meta.default_level.as_str() {
            "info" => "note",
            "off" => "none",
            l => l,
        };
        assert_eq!(r["defaultConfiguration"]["level"], level, "{}", meta.code);
    }
}

#[test]
fn sarif_with_findings_validates_and_matches_every_finding() {
    let dir = fixture("findings");
    let (run, v) = check_as(dir.path(), "sarif", &[]);
    assert_eq!(run.code, 1);
    let log = assert_valid_sarif(&run.stdout);
    let sarif_run = &log["runs"][0];
    assert_sarif_rules(sarif_run);
    assert_eq!(sarif_run["columnKind"], "unicodeCodePoints");
    let results = sarif_run["results"].as_array().unwrap();
    let expected = diagnostics(&v);
    assert!(expected.len() >= 4, "the fixture has findings: {v}");
    assert_every_severity(expected);
    assert_eq!(results.len(), expected.len());
    let rules = sarif_run["tool"]["driver"]["rules"].as_array().unwrap();
    for (r, d) in results.iter().zip(expected) {
        assert_eq!(r["ruleId"], d["code"]);
        let index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(
            rules[index]["id"], d["code"],
            "ruleIndex points at the rule"
        );
        let level = match d["severity"].as_str().unwrap() {
            "info" => "note",
            s => s,
        };
        assert_eq!(r["level"], level);
        let text = r["message"]["text"].as_str().unwrap();
        assert!(text.starts_with(d["message"].as_str().unwrap()), "{text}");
        if let Some(help) = d["help"].as_str() {
            assert!(text.ends_with(&format!("\nhelp: {help}")), "{text}");
        }
        let loc = &r["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uri"], d["file"]);
        let region = &loc["region"];
        assert_eq!(region["startLine"], d["line"]);
        assert_eq!(region["startColumn"], d["column"]);
        assert_eq!(region["endLine"], d["end_line"]);
        assert_eq!(region["endColumn"], d["end_column"]);
    }
    // Columns count characters: `li-nq` follows `    owner: ` on line 11.
    let e004 = results.iter().find(|r| r["ruleId"] == "E004").unwrap();
    let region = &e004["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        (&region["startLine"], &region["startColumn"]),
        (&11.into(), &12.into())
    );
    assert_eq!(region["endColumn"], 17);
}

#[test]
fn sarif_of_a_clean_workspace_has_an_empty_results_array() {
    let dir = fixture("clean");
    let run = kpic(dir.path(), &["check", "--format", "sarif"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let log = assert_valid_sarif(&run.stdout);
    assert_eq!(log["runs"][0]["results"], serde_json::json!([]));
    assert_sarif_rules(&log["runs"][0]);
    // The validator does reject what SARIF forbids: a 0 line, an unknown level.
    let mut bad = log.clone();
    bad["runs"][0]["results"] = serde_json::json!([{
        "ruleId": "E001",
        "level": "fatal",
        "message": {"text": "x"},
        "locations": [{"physicalLocation": {
            "artifactLocation": {"uri": "a.yaml"},
            "region": {"startLine": 0}
        }}]
    }]);
    assert_eq!(sarif_validator().iter_errors(&bad).count(), 2);
}

#[test]
fn sarif_related_locations_point_at_the_other_place() {
    // A duplicate ID labels the first definition, in another file.
    let dir = fixture("clean");
    std::fs::write(
        dir.path().join("kpi-specs/dup.yaml"),
        "version: 1\nowners:\n  - id: li-na\n    name: Li Na\n",
    )
    .unwrap();
    let run = kpic(
        dir.path(),
        &["check", "--format", "sarif", "--select", "E003"],
    );
    let log = assert_valid_sarif(&run.stdout);
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1, "{}", run.stdout);
    let related = &results[0]["relatedLocations"][0];
    assert_eq!(
        related["physicalLocation"]["artifactLocation"]["uri"],
        "kpi-specs/dup.yaml"
    );
    assert_eq!(
        results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "kpi-specs/owners.yaml"
    );
    assert!(
        related["message"]["text"]
            .as_str()
            .unwrap()
            .contains("first defined")
    );
}

#[test]
fn format_with_a_path_writes_only_that_format_into_the_file() {
    let dir = fixture("findings");
    let run = kpic(
        dir.path(),
        &[
            "check",
            "--format",
            "compact",
            "--format",
            "sarif:reports/kpic.sarif",
            "--format",
            "junit:reports/junit.xml",
            "--format",
            "github:reports/annotations.txt",
        ],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stdout.contains("error[E004]"), "{}", run.stdout);
    assert!(!run.stdout.contains("$schema") && !run.stdout.contains("<testsuite"));
    let reports = dir.path().join("reports");
    let sarif = std::fs::read_to_string(reports.join("kpic.sarif")).unwrap();
    assert_valid_sarif(&sarif);
    let junit = std::fs::read_to_string(reports.join("junit.xml")).unwrap();
    parse_xml(&junit);
    let github = std::fs::read_to_string(reports.join("annotations.txt")).unwrap();
    assert_eq!(github.lines().count(), run.stdout.lines().count());
    github.lines().for_each(|l| drop(parse_annotation(l)));
    // Atomic writes leave no temporary files behind.
    let mut names: Vec<String> = std::fs::read_dir(&reports)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["annotations.txt", "junit.xml", "kpic.sarif"]);
    // The same file written by a clean run is replaced by a valid, empty log.
    std::fs::remove_dir_all(dir.path().join("kpi-specs")).unwrap();
    copy_dir(&repo_root().join("tests/fixtures/ci/clean"), dir.path());
    let run = kpic(
        dir.path(),
        &["check", "--format", "sarif:reports/kpic.sarif"],
    );
    assert_eq!((run.code, run.stdout.as_str()), (0, ""));
    let sarif = std::fs::read_to_string(reports.join("kpic.sarif")).unwrap();
    let log = assert_valid_sarif(&sarif);
    assert_eq!(log["runs"][0]["results"], serde_json::json!([]));
}

// ---------------------------------------------------------------------------------------------
// GitHub annotations

/// One parsed workflow command.
#[derive(Debug)]
struct Annotation {
    command: String,
    properties: BTreeMap<String, String>,
    message: String,
}

/// Undoes GitHub's escaping; any other `%` sequence is a bug.
fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('%') {
        out.push_str(&rest[..i]);
        let code = rest
            .get(i..i + 3)
            .unwrap_or_else(|| panic!("bad escape in {s:?}"));
        out.push(match code {
            "%25" => '%',
            "%0D" => '\r',
            "%0A" => '\n',
            "%3A" => ':',
            "%2C" => ',',
            _ => panic!("unexpected escape {code} in {s:?}"),
        });
        rest = &rest[i + 3..];
    }
    out.push_str(rest);
    out
}

/// Parses `::command key=value,...::message` strictly, as the GitHub runner does.
fn parse_annotation(line: &str) -> Annotation {
    assert!(!line.contains(['\r', '\n']), "one line: {line:?}");
    let body = line.strip_prefix("::").unwrap_or_else(|| panic!("{line}"));
    let (head, message) = body.split_once("::").unwrap_or_else(|| panic!("{line}"));
    let (command, props) = head.split_once(' ').unwrap_or_else(|| panic!("{line}"));
    assert!(["error", "warning", "notice"].contains(&command), "{line}");
    let mut properties = BTreeMap::new();
    for prop in props.split(',') {
        let (k, v) = prop
            .split_once('=')
            .unwrap_or_else(|| panic!("{prop} in {line}"));
        assert!(
            ["file", "line", "col", "endLine", "endColumn", "title"].contains(&k),
            "{k} in {line}"
        );
        assert!(!v.contains(':'), "`:` is escaped in properties: {line}");
        assert!(
            properties.insert(k.to_owned(), unescape(v)).is_none(),
            "{line}"
        );
    }
    Annotation {
        command: command.to_owned(),
        properties,
        message: unescape(message),
    }
}

#[test]
fn github_annotations_parse_and_match_every_finding() {
    let dir = fixture("findings");
    let (run, v) = check_as(dir.path(), "github", &[]);
    assert_eq!(run.code, 1);
    let lines: Vec<Annotation> = run.stdout.lines().map(parse_annotation).collect();
    let expected = diagnostics(&v);
    assert_every_severity(expected);
    assert_eq!(lines.len(), expected.len(), "{}", run.stdout);
    for (a, d) in lines.iter().zip(expected) {
        let command = match d["severity"].as_str().unwrap() {
            "info" => "notice",
            s => s,
        };
        assert_eq!(a.command, command);
        let p = |k: &str| a.properties[k].clone();
        assert_eq!(p("file"), d["file"].as_str().unwrap());
        assert_eq!(p("line"), d["line"].to_string());
        assert_eq!(p("col"), d["column"].to_string());
        assert_eq!(p("endLine"), d["end_line"].to_string());
        assert_eq!(p("endColumn"), d["end_column"].to_string());
        assert_eq!(
            p("title"),
            format!(
                "{} {}",
                d["code"].as_str().unwrap(),
                d["rule"].as_str().unwrap()
            )
        );
        let mut message = d["message"].as_str().unwrap().to_owned();
        if let Some(help) = d["help"].as_str() {
            message.push_str(&format!("\nhelp: {help}"));
        }
        assert_eq!(a.message, message, "escaping round-trips");
    }
    // The unknown key `tar,get: 50%` needs `%` escaped in the message.
    assert!(
        run.stdout.contains("unknown key `tar,get: 50%25`"),
        "{}",
        run.stdout
    );
}

#[test]
fn github_annotations_escape_properties() {
    // A file name with `,` and `:` must not break the property list.
    let dir = fixture("clean");
    std::fs::write(
        dir.path().join("kpi-specs/a,b: c%.yaml"),
        "version: 1\nowners:\n  - id: x y\n    name: X\n",
    )
    .unwrap();
    let run = kpic(
        dir.path(),
        &["check", "--format", "github", "--select", "E002"],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let a = parse_annotation(run.stdout.trim_end());
    assert_eq!(a.properties["file"], "kpi-specs/a,b: c%.yaml");
    assert!(
        run.stdout
            .contains("file=kpi-specs/a%2Cb%3A c%25.yaml,line=3,")
    );
}

#[test]
fn github_annotations_of_a_clean_workspace_are_empty() {
    let dir = fixture("clean");
    let run = kpic(dir.path(), &["check", "--format", "github"]);
    assert_eq!((run.code, run.stdout.as_str()), (0, ""), "{}", run.stderr);
}

#[test]
fn github_actions_prints_human_and_annotations_by_default() {
    let dir = fixture("findings");
    let gha = [("GITHUB_ACTIONS", "true")];
    let run = kpic_with(dir.path(), &["check"], &gha, None);
    assert_eq!(run.code, 1);
    let annotations: Vec<&str> = run.stdout.lines().filter(|l| l.starts_with("::")).collect();
    let (_, v) = check_as(dir.path(), "json", &[]);
    assert_eq!(annotations.len(), diagnostics(&v).len(), "{}", run.stdout);
    annotations.iter().for_each(|l| drop(parse_annotation(l)));
    assert!(
        run.stdout.contains("E004(unknown-reference)"),
        "human output too"
    );
    // Outside GitHub Actions: human only.
    let run = kpic(dir.path(), &["check"]);
    assert!(!run.stdout.contains("::error"), "{}", run.stdout);
    assert!(run.stdout.contains("E004(unknown-reference)"));
    // An explicit format wins.
    let run = kpic_with(dir.path(), &["check", "--format", "compact"], &gha, None);
    assert!(!run.stdout.contains("::error"), "{}", run.stdout);
    // GITHUB_ACTIONS set to anything but `true` is not GitHub Actions.
    let run = kpic_with(dir.path(), &["check"], &[("GITHUB_ACTIONS", "false")], None);
    assert!(!run.stdout.contains("::error"), "{}", run.stdout);
}

#[test]
fn github_snapshot() {
    let dir = fixture("findings");
    let mut args = vec!["check", "--format", "github"];
    args.extend(SNAPSHOT_RULES);
    insta::assert_snapshot!("github", kpic(dir.path(), &args).stdout);
}

// ---------------------------------------------------------------------------------------------
// JUnit

/// An XML element, as [`parse_xml`] reads it.
#[derive(Debug)]
struct Element {
    name: String,
    attrs: BTreeMap<String, String>,
    children: Vec<Element>,
    text: String,
}

impl Element {
    fn attr(&self, k: &str) -> &str {
        self.attrs
            .get(k)
            .unwrap_or_else(|| panic!("<{}> has no `{k}`", self.name))
    }

    fn all(&self, name: &str) -> Vec<&Element> {
        self.children.iter().filter(|c| c.name == name).collect()
    }
}

/// Parses kpic's XML with quick-xml into a tree: the declaration kpic writes, then one root
/// element with attributes, child elements and text (entities decoded). Panics on anything
/// not well-formed (quick-xml checks that end tags match), and on what kpic never writes:
/// comments, CDATA, processing instructions, a doctype, raw whitespace in an attribute.
fn parse_xml(text: &str) -> Element {
    use quick_xml::XmlVersion;
    use quick_xml::events::{BytesStart, Event};

    assert!(
        text.starts_with(r#"<?xml version="1.0" encoding="UTF-8"?>"#),
        "XML declaration"
    );
    let element = |e: &BytesStart<'_>| {
        let name = e.name().as_ref().to_owned();
        let mut attrs = BTreeMap::new();
        for a in e.attributes() {
            let a = a.expect("well-formed attribute");
            assert!(
                !a.value.contains(['\n', '\t']),
                "raw whitespace in attribute"
            );
            let key = a.key.as_ref().to_owned();
            let value = a
                .normalized_value(XmlVersion::Implicit1_0)
                .expect("attribute value")
                .into_owned();
            assert!(attrs.insert(key.clone(), value).is_none(), "dup {key}");
        }
        Element {
            name,
            attrs,
            children: Vec::new(),
            text: String::new(),
        }
    };
    let mut reader = quick_xml::Reader::from_str(text);
    let mut stack: Vec<Element> = Vec::new();
    let mut root = None;
    let mut add = |stack: &mut Vec<Element>, el: Element| match stack.last_mut() {
        Some(parent) => parent.children.push(el),
        None => {
            assert!(root.is_none(), "a second root element");
            root = Some(el);
        }
    };
    loop {
        let text_piece = match reader.read_event().expect("well-formed XML") {
            Event::Decl(_) => continue,
            Event::Start(e) => {
                stack.push(element(&e));
                continue;
            }
            Event::Empty(e) => {
                let el = element(&e);
                add(&mut stack, el);
                continue;
            }
            Event::End(_) => {
                let el = stack.pop().expect("end tag without start");
                add(&mut stack, el);
                continue;
            }
            Event::Text(t) => t.xml10_content().into_owned(),
            Event::GeneralRef(r) => match r.resolve_char_ref().expect("character reference") {
                Some(c) => c.to_string(),
                None => quick_xml::escape::resolve_predefined_entity(r.as_ref())
                    .unwrap_or_else(|| panic!("unknown entity &{};", r.as_ref()))
                    .to_owned(),
            },
            Event::Eof => break,
            other => panic!("kpic writes no {other:?}"),
        };
        match stack.last_mut() {
            Some(parent) => parent.text.push_str(&text_piece),
            None => assert!(
                text_piece.trim().is_empty(),
                "text outside the root element: {text_piece:?}"
            ),
        }
    }
    assert!(stack.is_empty(), "unclosed elements");
    root.expect("a root element")
}

/// Parses JUnit output and checks it against the JSON report of the same run: a file fails
/// exactly when it has a finding at a failing severity (`error`, and `warning` when
/// `deny_warnings`); its `<failure>` lists those findings, its `<system-out>` the others.
fn assert_junit_matches(xml: &str, v: &Value, deny_warnings: bool) -> Element {
    let root = parse_xml(xml);
    assert_eq!(root.name, "testsuites");
    let suites = root.all("testsuite");
    assert_eq!(suites.len(), 1);
    let suite = suites[0];
    assert_eq!(suite.attr("name"), "kpic");
    let cases = suite.all("testcase");
    let files = v["summary"]["files"].as_u64().unwrap() as usize;
    assert_eq!(cases.len(), files, "one test case per file checked");
    let failing_severity =
        |d: &Value| d["severity"] == "error" || (deny_warnings && d["severity"] == "warning");
    let failing: Vec<&str> = cases
        .iter()
        .filter(|c| !c.all("failure").is_empty())
        .map(|c| c.attr("name"))
        .collect();
    let mut with_failures: Vec<&str> = diagnostics(v)
        .iter()
        .filter(|d| failing_severity(d))
        .map(|d| d["file"].as_str().unwrap())
        .collect();
    with_failures.dedup();
    assert_eq!(failing, with_failures);
    for el in [&root, suite] {
        assert_eq!(el.attr("tests"), files.to_string());
        assert_eq!(el.attr("failures"), failing.len().to_string());
        assert_eq!(el.attr("errors"), "0");
    }
    for case in &cases {
        let name = case.attr("name");
        let (mine, others): (Vec<&Value>, Vec<&Value>) = diagnostics(v)
            .iter()
            .filter(|d| d["file"] == name)
            .partition(|d| failing_severity(d));
        let failures = case.all("failure");
        let outs = case.all("system-out");
        assert_eq!(outs.len(), usize::from(!others.is_empty()), "{name}");
        if let Some(out) = outs.first() {
            assert_lines(&out.text, &others);
        }
        if mine.is_empty() {
            assert!(failures.is_empty());
            continue;
        }
        assert_eq!(failures.len(), 1, "one failure per failing file");
        let f = failures[0];
        let codes: Vec<&str> = f.attr("type").split(',').collect();
        for d in &mine {
            assert!(codes.contains(&d["code"].as_str().unwrap()), "{codes:?}");
        }
        // The message is the first of the most severe findings.
        let rank = |d: &Value| {
            ["info", "warning", "error"]
                .iter()
                .position(|s| d["severity"] == *s)
        };
        let worst = mine.iter().map(|d| rank(d)).max().unwrap();
        let first_worst = mine.iter().find(|d| rank(d) == worst).unwrap();
        let message = f.attr("message");
        assert!(
            message.starts_with(first_worst["message"].as_str().unwrap()),
            "{message}"
        );
        if mine.len() > 1 {
            assert!(
                message.ends_with(&format!("(and {} more)", mine.len() - 1)),
                "{message}"
            );
        }
        assert_lines(&f.text, &mine);
    }
    root
}

/// The text of a `<failure>` or `<system-out>`: a `line:col: severity[CODE] message` line per
/// finding (each help indented below it).
fn assert_lines(text: &str, findings: &[&Value]) {
    let finding_lines: Vec<&str> = text.lines().filter(|l| !l.starts_with(' ')).collect();
    assert_eq!(finding_lines.len(), findings.len(), "{text}");
    for (line, d) in finding_lines.iter().zip(findings) {
        assert_eq!(
            *line,
            format!(
                "{}:{}: {}[{}] {}",
                d["line"],
                d["column"],
                d["severity"].as_str().unwrap(),
                d["code"].as_str().unwrap(),
                d["message"].as_str().unwrap()
            )
        );
    }
}

#[test]
fn junit_with_findings_parses_with_the_right_counts() {
    let dir = fixture("findings");
    let (run, v) = check_as(dir.path(), "junit", &[]);
    assert_eq!(run.code, 1);
    let root = assert_junit_matches(&run.stdout, &v, false);
    let suite = &root.children[0];
    // owners.yaml has no findings and still is a (passing) test case.
    let names: Vec<&str> = suite.children.iter().map(|c| c.attr("name")).collect();
    assert_eq!(
        names,
        [
            "kpi-specs/broken.yaml",
            "kpi-specs/owners.yaml",
            "kpi-specs/team.yaml"
        ]
    );
    assert_eq!(suite.attr("failures"), "2");
    // Markup in user text survives the escaping.
    assert!(
        suite.children[2].children[0]
            .text
            .contains(r#"unknown key `<b>&"x"</b>`"#)
    );
}

#[test]
fn junit_of_a_clean_workspace_passes_every_file() {
    let dir = fixture("clean");
    let (run, v) = check_as(dir.path(), "junit", &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let root = assert_junit_matches(&run.stdout, &v, false);
    assert_eq!(root.attr("tests"), "3");
    assert_eq!(root.attr("failures"), "0");
}

#[test]
fn junit_reports_only_the_given_files() {
    let dir = fixture("findings");
    let (run, v) = check_as(dir.path(), "junit", &["kpi-specs/owners.yaml"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let root = assert_junit_matches(&run.stdout, &v, false);
    assert_eq!(root.attr("tests"), "1");
}

#[test]
fn junit_snapshot() {
    let dir = fixture("findings");
    let mut args = vec!["check", "--format", "junit"];
    args.extend(SNAPSHOT_RULES);
    insta::assert_snapshot!("junit", kpic(dir.path(), &args).stdout);
}

// ---------------------------------------------------------------------------------------------
// stdin

#[test]
fn stdin_is_checked_under_the_stdin_filename() {
    let dir = fixture("findings");
    // A fixed version of team.yaml, as an editor would pipe an unsaved buffer.
    let fixed = "version: 1
team: {id: ops, name: 电商运营部, lead: li-na, review: quarterly}
duties:
  - id: market-analysis
    name: 市场分析
    owner: li-na
kpis:
  - id: market-research-reports
    name: 市场调研报告数量
    duty: market-analysis
    owner: li-na
    metric: 当月提交的市场调研报告份数
    target: \">= 2 份\"
    period: monthly
    weight: 100
    source: 团队知识库
";
    let args = [
        "check",
        "--format",
        "json",
        "-",
        "--stdin-filename",
        "kpi-specs/team.yaml",
    ];
    let run = kpic_with(dir.path(), &args, &[], Some(fixed));
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let v = json_of(&run);
    assert_eq!(v["summary"]["files"], 1, "only stdin is reported");
    assert_eq!(diagnostics(&v).len(), 0, "stdin replaces the file on disk");
    // A defect in stdin is reported under the given name, at its place in stdin.
    let broken = fixed.replace("owner: li-na\n    metric", "owner: nobody\n    metric");
    let run = kpic_with(dir.path(), &args, &[], Some(&broken));
    assert_eq!(run.code, 1, "{}", run.stderr);
    let v = json_of(&run);
    let d = &diagnostics(&v)[0];
    assert_eq!(
        (d["code"].as_str(), d["file"].as_str(), d["line"].as_u64()),
        (Some("E004"), Some("kpi-specs/team.yaml"), Some(11))
    );
    // The other formats use the name too.
    let args = [
        "check",
        "--format",
        "sarif",
        "-",
        "--stdin-filename",
        "new.yaml",
    ];
    let run = kpic_with(dir.path(), &args, &[], Some("version: 1\nowners: [\n"));
    assert_eq!(run.code, 1, "{}", run.stderr);
    let log = assert_valid_sarif(&run.stdout);
    let result = &log["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "E001");
    assert_eq!(
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "new.yaml"
    );
}

// ---------------------------------------------------------------------------------------------
// kpic init

#[test]
fn init_scaffolds_a_workspace_that_checks_clean() {
    let dir = tempfile::tempdir().unwrap();
    let run = kpic(dir.path(), &["init"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for name in [
        "kpi-specs/example.yaml",
        "kpic.yaml",
        ".pre-commit-config.yaml",
    ] {
        assert!(dir.path().join(name).is_file(), "{name}");
        assert!(
            run.stdout.contains(&format!("wrote `{name}`")),
            "{}",
            run.stdout
        );
    }
    // The scaffold is clean under every rule, in every format.
    let check = kpic(dir.path(), &["check"]);
    assert_eq!(
        (check.code, check.stdout.as_str()),
        (0, ""),
        "{}",
        check.stderr
    );
    let (run, v) = check_as(dir.path(), "junit", &[]);
    assert_eq!(v["summary"]["files"], 1);
    assert_eq!(diagnostics(&v).len(), 0, "{v}");
    assert_junit_matches(&run.stdout, &v, false);
    // The pre-commit entry uses this repository's hook.
    let config = std::fs::read_to_string(dir.path().join(".pre-commit-config.yaml")).unwrap();
    assert!(config.contains("repo: https://github.com/kpic-dev/kpic"));
    assert!(config.contains("- id: kpic"));
    assert!(config.contains(&format!("rev: v{}", env!("CARGO_PKG_VERSION"))));
}

#[test]
fn init_never_overwrites_and_says_what_it_skipped() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("kpic.yaml"), "paths: [specs]\n").unwrap();
    std::fs::write(dir.path().join(".pre-commit-config.yaml"), "repos: []\n").unwrap();
    let run = kpic(dir.path(), &["init"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("wrote `kpi-specs/example.yaml`"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("skipped `kpic.yaml`: it already exists")
    );
    assert!(
        run.stdout
            .contains("skipped `.pre-commit-config.yaml`: it already exists")
    );
    // It shows the entry to add by hand.
    assert!(
        run.stdout
            .contains("  - repo: https://github.com/kpic-dev/kpic"),
        "{}",
        run.stdout
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("kpic.yaml")).unwrap(),
        "paths: [specs]\n"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join(".pre-commit-config.yaml")).unwrap(),
        "repos: []\n"
    );
    // A second run writes nothing and changes nothing.
    let before = std::fs::read_to_string(dir.path().join("kpi-specs/example.yaml")).unwrap();
    std::fs::write(dir.path().join("kpi-specs/example.yaml"), "# mine\n").unwrap();
    let run = kpic(dir.path(), &["init"]);
    assert!(!run.stdout.contains("wrote"), "{}", run.stdout);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("kpi-specs/example.yaml")).unwrap(),
        "# mine\n"
    );
    assert!(before.contains("version: 1"));
}

#[test]
fn init_into_a_folder() {
    let dir = tempfile::tempdir().unwrap();
    let run = kpic(dir.path(), &["init", "team-a"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("wrote `team-a/kpic.yaml`"),
        "{}",
        run.stdout
    );
    let check = kpic(&dir.path().join("team-a"), &["check"]);
    assert_eq!(
        (check.code, check.stdout.as_str()),
        (0, ""),
        "{}",
        check.stderr
    );
}

// ---------------------------------------------------------------------------------------------
// kpic completions

#[test]
fn completions_for_every_shell_name_the_subcommands() {
    let dir = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let run = kpic(dir.path(), &["completions", shell]);
        assert_eq!(run.code, 0, "{shell}: {}", run.stderr);
        assert!(run.stdout.len() > 500, "{shell}: {}", run.stdout);
        for sub in [
            "check",
            "build",
            "score",
            "explain",
            "rules",
            "init",
            "schema",
            "completions",
        ] {
            assert!(run.stdout.contains(sub), "{shell} completions lack `{sub}`");
        }
        assert!(
            run.stdout.contains("stdin-filename"),
            "{shell}: options too"
        );
    }
    let run = kpic(dir.path(), &["completions", "tcsh"]);
    assert_eq!(run.code, 2, "an unknown shell is a usage error");
}

// ---------------------------------------------------------------------------------------------
// The README's CI examples

/// The fenced code blocks of the README with their info string.
fn readme_blocks() -> Vec<(String, String)> {
    use pulldown_cmark::{CodeBlockKind, Event, Parser, Tag, TagEnd};
    let text = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    let mut blocks = Vec::new();
    let mut current: Option<(String, String)> = None;
    for event in Parser::new(&text) {
        match event {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) => {
                current = Some((info.to_string(), String::new()));
            }
            Event::Text(t) => {
                if let Some((_, body)) = &mut current {
                    body.push_str(&t);
                }
            }
            Event::End(TagEnd::CodeBlock) => blocks.extend(current.take()),
            _ => {}
        }
    }
    blocks
}

#[test]
fn the_readme_ci_examples_are_valid_yaml_and_their_commands_work() {
    let blocks = readme_blocks();
    let ci: Vec<&String> = blocks
        .iter()
        .filter(|(info, body)| info == "yaml" && body.contains("kpic check --format"))
        .map(|(_, body)| body)
        .collect();
    assert_eq!(ci.len(), 2, "a GitHub Actions and a GitLab CI example");
    let github = ci.iter().find(|b| b.contains("runs-on")).unwrap();
    assert!(github.contains("github/codeql-action/upload-sarif"));
    assert!(github.contains("security-events: write"));
    let gitlab = ci.iter().find(|b| b.contains("artifacts:")).unwrap();
    assert!(gitlab.contains("junit: kpic-junit.xml"));
    for block in &ci {
        let loaded = kpic::workspace::yaml::load(block, Default::default());
        assert!(
            loaded.errors.is_empty(),
            "{:?}\n{block}",
            loaded.errors.first()
        );
        // Run the documented command on a workspace with findings: it writes what the next
        // step uploads.
        let line = block
            .lines()
            .find(|l| l.contains("kpic check --format"))
            .unwrap();
        let args: Vec<&str> = line[line.find("kpic check").unwrap()..]
            .split_whitespace()
            .skip(1)
            .collect();
        let dir = fixture("findings");
        let run = kpic(dir.path(), &args);
        assert_eq!(run.code, 1, "{line}: {}", run.stderr);
        assert!(run.stdout.contains("E004(unknown-reference)"), "{line}");
        assert_valid_sarif(&std::fs::read_to_string(dir.path().join("kpic.sarif")).unwrap());
        if block.contains("junit:") {
            let (_, v) = check_as(dir.path(), "json", &[]);
            let xml = std::fs::read_to_string(dir.path().join("kpic-junit.xml")).unwrap();
            assert_junit_matches(&xml, &v, false);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Paths that CI systems map: relative to the repository root wherever kpic runs

/// The findings fixture as a git repository's `policy/` folder (a `.git` folder at the top, no
/// git needed), with kpic run from `policy/kpi-specs`, below its `kpic.yaml`.
fn nested_repository() -> tempfile::TempDir {
    let repo = tempfile::tempdir().unwrap();
    copy_dir(
        &repo_root().join("tests/fixtures/ci/findings"),
        &repo.path().join("policy"),
    );
    std::fs::create_dir(repo.path().join(".git")).unwrap();
    repo
}

#[test]
fn sarif_and_github_name_files_from_the_repository_root() {
    let repo = nested_repository();
    let cwd = repo.path().join("policy/kpi-specs");
    let run = kpic(&cwd, &["check", "--format", "sarif"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let log = assert_valid_sarif(&run.stdout);
    let root = std::fs::canonicalize(repo.path()).unwrap();
    let base = &log["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"];
    assert_eq!(*base, format!("file://{}/", root.display()));
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for r in results {
        let at = &r["locations"][0]["physicalLocation"]["artifactLocation"];
        assert_eq!(at["uriBaseId"], "%SRCROOT%");
        let uri = at["uri"].as_str().unwrap();
        assert!(uri.starts_with("policy/kpi-specs/"), "{uri}");
        assert!(repo.path().join(uri).is_file(), "{uri} names a file");
    }
    let run = kpic(&cwd, &["check", "--format", "github"]);
    for line in run.stdout.lines() {
        let a = parse_annotation(line);
        assert!(
            a.properties["file"].starts_with("policy/kpi-specs/"),
            "{line}"
        );
    }
    // Human and compact output keep naming files from the working directory.
    let run = kpic(&cwd, &["check", "--format", "compact"]);
    assert!(run.stdout.starts_with("broken.yaml:"), "{}", run.stdout);
    // A `.git` file (a linked work tree, a submodule) marks the top as well.
    std::fs::remove_dir(repo.path().join(".git")).unwrap();
    std::fs::write(repo.path().join(".git"), "gitdir: /elsewhere\n").unwrap();
    let log = assert_valid_sarif(&kpic(&cwd, &["check", "--format", "sarif"]).stdout);
    let at = &log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"];
    assert!(at["uri"].as_str().unwrap().starts_with("policy/"), "{at}");
    // Without git, the folder of `kpic.yaml` is the root.
    std::fs::remove_file(repo.path().join(".git")).unwrap();
    let log = assert_valid_sarif(&kpic(&cwd, &["check", "--format", "sarif"]).stdout);
    let at = &log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"];
    assert!(
        at["uri"].as_str().unwrap().starts_with("kpi-specs/"),
        "{at}"
    );
    let base = &log["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"];
    assert_eq!(*base, format!("file://{}/policy/", root.display()));
}

#[test]
#[cfg(unix)]
fn sarif_percent_encodes_what_a_uri_cannot_hold() {
    let dir = fixture("clean");
    let name = "we\\ird\nname 100%.yaml";
    std::fs::write(
        dir.path().join("kpi-specs").join(name),
        "version: 1\nowners:\n  - {id: x, name: X, bogus: 1}\n",
    )
    .unwrap();
    let run = kpic(dir.path(), &["check", "--format", "sarif"]);
    let log = assert_valid_sarif(&run.stdout);
    let at = &log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"];
    assert_eq!(at["uri"], "kpi-specs/we%5Cird%0Aname%20100%25.yaml");
}

#[test]
fn junit_fails_only_on_findings_that_fail_the_run() {
    // Only warnings: kpic exits 0, and JUnit shows no failed test.
    let dir = fixture("findings");
    let args = ["--select", "M003,T003"];
    let (run, v) = check_as(dir.path(), "junit", &args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!diagnostics(&v).is_empty());
    let root = assert_junit_matches(&run.stdout, &v, false);
    assert_eq!(root.attr("failures"), "0");
    assert!(run.stdout.contains("<system-out>"), "{}", run.stdout);
    // With `--deny-warnings` the warnings fail the run, and the test case.
    let args = ["--select", "M003,T003", "--deny-warnings"];
    let (run, v) = check_as(dir.path(), "junit", &args);
    assert_eq!(run.code, 1);
    let root = assert_junit_matches(&run.stdout, &v, true);
    assert_eq!(root.attr("failures"), "1");
}

#[test]
#[ignore = "needs xmllint: apt-get install libxml2-utils"]
fn junit_is_well_formed_for_xmllint() {
    let dir = fixture("findings");
    for extra in [&[][..], &["--deny-warnings"][..]] {
        let mut args = vec!["check", "--format", "junit:kpic-junit.xml"];
        args.extend(extra);
        kpic(dir.path(), &args);
        let out = std::process::Command::new("xmllint")
            .args(["--noout", "kpic-junit.xml"])
            .current_dir(dir.path())
            .output()
            .expect("xmllint runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The README as written

/// The README's text from the heading `## {heading}` to the next `## ` heading.
fn readme_section(heading: &str) -> String {
    let text = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    let start = text
        .find(&format!("\n## {heading}\n"))
        .unwrap_or_else(|| panic!("the README has a section `{heading}`"));
    let rest = &text[start + 1..];
    let end = rest[3..].find("\n## ").map_or(rest.len(), |i| i + 3);
    rest[..end].to_owned()
}

/// The first fenced block with the info string `info` in `section`.
fn fenced(section: &str, info: &str) -> String {
    let open = format!("```{info}\n");
    let start = section.find(&open).expect("a fenced block") + open.len();
    let len = section[start..].find("```").unwrap();
    section[start..start + len].to_owned()
}

#[test]
fn the_readme_spec_example_checks_clean_as_written() {
    let spec = fenced(&readme_section("The spec format in brief"), "yaml");
    let dir = tempfile::tempdir().unwrap();
    common::write(dir.path(), "kpi-specs/team.yaml", &spec);
    let (code, v) = check_json(dir.path(), &[]);
    assert_eq!(diagnostics(&v), &Vec::<Value>::new(), "{spec}");
    assert_eq!(code, 0);
}

#[test]
fn the_readme_score_commands_work_after_the_quick_start() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(
        &repo_root().join("kpi-specs"),
        &dir.path().join("kpi-specs"),
    );
    // The Quick start's build (`cargo run --release -- build --out dist`).
    let quick_start = fenced(&readme_section("Quick start"), "sh");
    assert!(
        readme_section("Quick start").contains("build --out dist"),
        "{quick_start}"
    );
    let built = kpic(dir.path(), &["build", "--out", "dist"]);
    assert_eq!(built.code, 0, "{}", built.stderr);
    let scoring = fenced(&readme_section("Scoring"), "sh");
    let lines: Vec<&str> = scoring
        .lines()
        .filter(|l| l.starts_with("kpic score"))
        .collect();
    assert_eq!(lines.len(), 7, "{scoring}");
    for line in lines {
        let command = line.split(" #").next().unwrap();
        let args: Vec<&str> = command.split_whitespace().skip(1).collect();
        let run = kpic(dir.path(), &args);
        assert_eq!(run.code, 0, "{line}: {}", run.stderr);
        assert!(
            run.stdout.contains("first-response-time"),
            "{line}: {}",
            run.stdout
        );
    }
}
