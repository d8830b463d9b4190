//! Hostile input: whatever is in a spec folder, kpic ends with a diagnostic (exit 1) or a
//! one-line error (exit 2), never a panic (exit 101), a signal or a hang, and within bounded
//! memory. Every case runs the real binary in a temp folder, with a time limit; big inputs
//! are generated here, never committed.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Diag, Options, Run, diags, json_of};
use serde_json::Value;

/// Longest a run may take before it counts as a hang: a guard against hangs, not a timing
/// (debug builds are slow on big inputs; the 24 MB directory of a quarter-million owners takes
/// about 30 s on a 2-core machine that other jobs share, and past 60 s when they are busy).
const TIMEOUT: Duration = Duration::from_secs(180);

/// Runs kpic in `dir`, feeding `stdin`; fails on a hang, a signal or a panic.
fn kpic_with_stdin(dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> Run {
    common::kpic_with(
        dir,
        args,
        Options {
            stdin,
            timeout: Some(TIMEOUT),
            ..Options::default()
        },
    )
}

fn kpic(dir: &Path, args: &[&str]) -> Run {
    kpic_with_stdin(dir, args, None)
}

/// Runs `check --format json` with `args` and returns the exit code and the diagnostics.
fn check(dir: &Path, args: &[&str]) -> (i32, Vec<Diag>) {
    let mut all = vec!["check", "--format", "json"];
    all.extend(args);
    let run = kpic(dir, &all);
    (run.code, diags(&json_of(&run)))
}

/// Only the structural rules, so that the tests do not depend on the SMART rules.
fn check_structural(dir: &Path, args: &[&str]) -> (i32, Vec<Diag>) {
    let mut all = vec!["--select", "E001,E002,E003,E004"];
    all.extend(args);
    check(dir, &all)
}

/// A temp folder with an empty `kpi-specs/`.
fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("kpi-specs")).unwrap();
    dir
}

/// Writes `kpi-specs/<name>` and returns its path.
fn spec(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join("kpi-specs").join(name);
    fs::write(&path, bytes).unwrap();
    path
}

/// Checks the one file `name` holding `bytes`, structural rules only.
fn check_one(name: &str, bytes: impl AsRef<[u8]>) -> (i32, Vec<Diag>) {
    let dir = workspace();
    spec(dir.path(), name, bytes);
    check_structural(dir.path(), &[&format!("kpi-specs/{name}")])
}

/// Asserts exit 1 and exactly one diagnostic, of `code`, whose message contains `text`.
fn assert_single(result: &(i32, Vec<Diag>), code: &str, text: &str) -> Diag {
    let (exit, diags) = result;
    assert_eq!(*exit, 1, "{diags:#?}");
    assert_eq!(diags.len(), 1, "{diags:#?}");
    let d = &diags[0];
    assert_eq!(d.code, code, "{d:#?}");
    assert!(d.message.contains(text), "{:?} lacks {text:?}", d.message);
    d.clone()
}

/// Asserts exit 2 with a single `kpic: error:` line containing `text`, and nothing on stdout.
fn assert_error_line(run: &Run, text: &str) {
    assert_eq!(
        run.code, 2,
        "stdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
    assert_eq!(run.stdout, "");
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{}", run.stderr);
    assert!(lines[0].starts_with("kpic: error: "), "{}", lines[0]);
    assert!(lines[0].contains(text), "{:?} lacks {text:?}", lines[0]);
}

const VALID: &str = "version: 1\nteam: {id: t, name: T}\n";

// ---------------------------------------------------------------------------------------------
// Resource bombs

#[test]
fn billion_laughs_is_stopped_by_the_alias_budget() {
    let mut text = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        let refs = vec![format!("*a{}", i - 1); 9].join(", ");
        text.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    let d = assert_single(&check_one("bomb.yaml", &text), "E001", "alias bomb");
    assert!(d.line <= 10, "{d:?}");
}

#[test]
fn deep_flow_sequences_are_refused() {
    let d = assert_single(
        &check_one("deep.yaml", "[".repeat(100_000)),
        "E001",
        "nesting deeper than 64",
    );
    // At the 65th `[`, though the parser gives up at 256 levels, far ahead of it.
    assert_eq!((d.line, d.column), (1, 65));
    let d = assert_single(
        &check_one(
            "deep.yaml",
            format!("version: 1\nowners: {}", "[".repeat(300)),
        ),
        "E001",
        "nesting deeper than 64",
    );
    // The root mapping is the first level, `[` number 64 the 65th: column 9 + 63.
    assert_eq!((d.line, d.column), (2, 72));
}

#[test]
fn deep_flow_mappings_are_refused() {
    let text = "{a: ".repeat(100_000);
    assert_single(&check_one("deep.yaml", text), "E001", "nesting deeper than");
}

#[test]
fn deep_block_sequences_are_refused() {
    let text = "- ".repeat(100_000) + "x\n";
    let d = assert_single(
        &check_one("deep.yaml", text),
        "E001",
        "nesting deeper than 64",
    );
    // Refused at the 65th level: column 2 * 64 + 1.
    assert_eq!((d.line, d.column), (1, 129));
}

#[test]
fn deep_block_mappings_are_refused() {
    // Block mappings need one more column per level: 5,000 levels is about 12.5 MB.
    let text: String = (0..5_000)
        .map(|i| format!("{}a:\n", " ".repeat(i)))
        .collect();
    let d = assert_single(
        &check_one("deep.yaml", text),
        "E001",
        "nesting deeper than 64",
    );
    assert_eq!(d.line, 65);
}

#[test]
fn deep_mixed_block_nesting_is_refused() {
    // A list of mappings of lists ...: two levels per line.
    let text: String = (0..300)
        .map(|i| format!("{}- a:\n", "  ".repeat(i)))
        .collect();
    let d = assert_single(
        &check_one("deep.yaml", text),
        "E001",
        "nesting deeper than 64",
    );
    assert_eq!(d.line, 33);
}

/// A file with a 50 MB scalar: the caller adds the end of the line.
fn big_scalar() -> Vec<u8> {
    let mut bytes = b"version: 1\nteam: {id: t, name: \"".to_vec();
    bytes.resize(bytes.len() + 50_000_000, b'x');
    bytes.extend_from_slice(b"\"}\n");
    bytes
}

#[test]
fn a_50_mb_scalar_is_over_the_default_size_limit() {
    let d = assert_single(
        &check_one("big.yaml", big_scalar()),
        "E001",
        "larger than the limit of 16 MiB",
    );
    assert_eq!((d.line, d.column), (1, 1));
}

#[test]
fn a_50_mb_scalar_is_read_under_a_raised_limit() {
    let dir = workspace();
    fs::write(dir.path().join("kpic.yaml"), "max-file-size: 64MiB\n").unwrap();
    spec(dir.path(), "big.yaml", big_scalar());
    let (exit, diags) = check_structural(dir.path(), &[]);
    assert_eq!(exit, 0, "{diags:#?}");
    assert!(diags.is_empty(), "{diags:#?}");
}

#[test]
fn a_100_mb_file_is_refused_without_being_read() {
    let dir = workspace();
    let path = spec(dir.path(), "huge.yaml", VALID);
    // Sparse: 100 MB on paper, nothing on disk. Reading it all would take a while in a debug
    // build; the size check refuses it first.
    fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(100 * 1024 * 1024)
        .unwrap();
    let start = Instant::now();
    let result = check_structural(dir.path(), &[]);
    assert_single(&result, "E001", "larger than the limit of 16 MiB");
    assert!(start.elapsed() < Duration::from_secs(20));
}

#[test]
fn a_small_size_limit_applies_to_stdin_too() {
    let dir = workspace();
    fs::write(dir.path().join("kpic.yaml"), "max-file-size: 100\n").unwrap();
    let text = format!("{VALID}# {}\n", "x".repeat(200));
    let run = kpic_with_stdin(
        dir.path(),
        &[
            "check",
            "--format",
            "json",
            "--stdin-filename",
            "kpi-specs/a.yaml",
            "-",
        ],
        Some(text.as_bytes()),
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let v = json_of(&run);
    let d = &v["diagnostics"][0];
    assert_eq!(d["code"], "E001");
    assert!(d["message"].as_str().unwrap().contains("100 bytes"), "{d}");
}

#[test]
fn endless_stdin_is_read_only_to_the_size_limit() {
    let dir = workspace();
    let zeros = vec![0u8; 40 * 1024 * 1024];
    let run = kpic_with_stdin(
        dir.path(),
        &["check", "--format", "json", "-"],
        Some(&zeros),
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let v = json_of(&run);
    let d = &v["diagnostics"][0];
    assert_eq!(d["code"], "E001");
    assert!(d["message"].as_str().unwrap().contains("16 MiB"), "{d}");
}

#[test]
fn a_million_tiny_kpis_are_refused_by_the_node_limit() {
    let mut text = String::from("version: 1\nteam: {id: t, name: T}\nkpis:\n");
    for i in 0..1_000_000 {
        text.push_str(&format!("- id: k{i}\n"));
    }
    assert!(text.len() < 16 * 1024 * 1024, "under the size limit");
    let d = assert_single(
        &check_one("many.yaml", text),
        "E001",
        "more than 1048576 YAML nodes",
    );
    // Each KPI is 3 nodes (mapping, key, value): the limit (one node per 16 bytes of the 16 MiB
    // size limit) falls at KPI 349,525.
    assert!((349_000..350_000).contains(&d.line), "{d:?}");
}

#[test]
fn a_quarter_million_owners_load_once_the_size_limit_is_raised() {
    // A company's HR export: 250,000 owners, about 24 MB and 2.25 million nodes.
    let mut text = String::from("version: 1\nowners:\n");
    for i in 0..250_000 {
        text.push_str(&format!(
            "  - {{id: e{i:06}, name: 员工{i:06}, title: 华东区运营专员, email: e{i:06}@example.com}}\n"
        ));
    }
    assert!(text.len() > 23_000_000, "{}", text.len());
    let dir = workspace();
    spec(dir.path(), "people.yaml", &text);
    spec(
        dir.path(),
        "team.yaml",
        "version: 1\nteam: {id: t, name: T, lead: e123456}\nduties:\n  - {id: d, name: D, owner: e000042}\n  - {id: d2, name: D2, owner: e9999999}\n",
    );
    // Over the default size limit: E001, and only the reference to an ID that is nowhere in
    // the file is E004 (not one for every reference into it).
    let (exit, found) = check_structural(dir.path(), &[]);
    assert_eq!(exit, 1);
    let got: Vec<(&str, &str)> = found
        .iter()
        .map(|d| (d.code.as_str(), d.file.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("E001", "kpi-specs/people.yaml"),
            ("E004", "kpi-specs/team.yaml")
        ],
        "{found:#?}"
    );
    assert!(
        found[0]
            .message
            .ends_with("(2 references in other files wait on it)"),
        "{}",
        found[0].message
    );
    assert!(found[1].message.contains("`e9999999`"), "{found:#?}");
    // With `max-file-size: 64MiB` the node limit grows with it: the file loads.
    fs::write(dir.path().join("kpic.yaml"), "max-file-size: 64MiB\n").unwrap();
    let (exit, found) = check_structural(dir.path(), &[]);
    assert_eq!(exit, 1);
    let got: Vec<(&str, &str)> = found
        .iter()
        .map(|d| (d.code.as_str(), d.message.as_str()))
        .collect();
    assert_eq!(
        got,
        [("E004", "duty `d2` has unknown owner `e9999999`")],
        "{found:#?}"
    );
}

#[test]
fn a_mapping_with_a_hundred_thousand_keys_is_refused() {
    // Every unknown key is a finding, and each finding looked its key up in the mapping:
    // quadratic (40,000 keys took 2 s). No spec mapping needs more than a few keys.
    let text: String = (0..100_000).map(|i| format!("k{i}: 1\n")).collect();
    let d = assert_single(
        &check_one("keys.yaml", format!("version: 1\n{text}")),
        "E001",
        "a mapping with more than 1000 keys",
    );
    // `version` and 999 more keys fill the mapping: the 1,001st key is on line 1001.
    assert_eq!((d.line, d.column), (1001, 1));
}

#[test]
fn long_ids_that_almost_match_get_no_did_you_mean() {
    // The edit distance behind a did-you-mean takes time in the product of the two lengths:
    // two IDs of 300,000 characters one letter apart would take minutes. IDs that long are
    // schema errors anyway; they get no suggestion.
    let long = "a".repeat(300_000);
    let dir = workspace();
    spec(
        dir.path(),
        "long.yaml",
        format!(
            "version: 1\nteam: {{id: t, name: T}}\nowners:\n  - {{id: {long}, name: A}}\nduties:\n  - {{id: {long}b, name: D}}\nkpis:\n  - {{id: k, name: K, owner: {long}c, duty: {long}c, {long}: 1}}\n"
        ),
    );
    let run = kpic(
        dir.path(),
        &[
            "check",
            "--format",
            "json",
            "--select",
            "E001,E002,E003,E004",
        ],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let json = json_of(&run);
    let all = common::diagnostics(&json);
    let unknown: Vec<&Value> = all.iter().filter(|d| d["code"] == "E004").collect();
    assert_eq!(unknown.len(), 2, "{all:#?}");
    for d in unknown {
        let help = d["help"].as_str().unwrap_or_default();
        assert!(help.starts_with("define "), "{help}");
    }
    let diags = diags(&json);
    assert!(
        diags
            .iter()
            .any(|d| d.code == "E002" && d.message.contains("unknown key")),
        "{diags:#?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Bytes and encodings

#[test]
fn random_bytes_are_a_yaml_error() {
    // A fixed pseudo-random sequence (xorshift), so the test is repeatable.
    let mut x: u32 = 0x9E37_79B9;
    let bytes: Vec<u8> = (0..100_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect();
    assert_single(&check_one("random.yaml", bytes), "E001", "not valid UTF-8");
}

#[test]
fn nul_bytes_are_a_yaml_error() {
    let d = assert_single(
        &check_one("nul.yaml", "version: 1\0\0\nteam: {id: t, name: T}\n"),
        "E001",
        "invalid YAML",
    );
    assert_eq!((d.line, d.column), (1, 11));
}

#[test]
fn invalid_utf8_names_the_byte_offset() {
    let mut bytes = b"version: 1\nteam: {id: t, name: \"".to_vec();
    bytes.extend_from_slice("电".as_bytes());
    bytes.extend_from_slice(b"\xff\"}\n");
    let d = assert_single(
        &check_one("latin.yaml", bytes),
        "E001",
        "invalid byte at offset 35",
    );
    // Line 2, after `team: {id: t, name: "电`: 22 characters.
    assert_eq!((d.line, d.column), (2, 23));
}

#[test]
fn a_utf8_bom_is_accepted_and_columns_ignore_it() {
    let text = "\u{feff}version: 1\nteam: {id: t, name: T, bogus: 1}\n";
    let d = assert_single(&check_one("bom.yaml", text), "E002", "unknown key `bogus`");
    assert_eq!((d.line, d.column), (2, 24));
    let text = "\u{feff}bogus: 1\nversion: 1\n";
    let d = assert_single(&check_one("bom.yaml", text), "E002", "unknown key `bogus`");
    assert_eq!((d.line, d.column), (1, 1));
}

#[test]
fn crlf_line_ends_keep_lines_and_columns_right() {
    let text = "version: 1\r\nteam:\r\n  id: t\r\n  name: 电商\r\n  bogus: 1\r\n";
    let d = assert_single(&check_one("crlf.yaml", text), "E002", "unknown key `bogus`");
    assert_eq!((d.line, d.column), (5, 3));
    // Columns count characters, also after Chinese text.
    let text = "version: 1\r\nteam: {id: t, name: T}\r\nkpis:\r\n  - {id: k, name: 电商运营, bogus: 1}\r\n";
    let d = assert_single(&check_one("crlf.yaml", text), "E002", "unknown key `bogus`");
    assert_eq!((d.line, d.column), (4, 25));
}

#[test]
fn tab_indentation_is_a_yaml_error_at_the_tab() {
    let d = assert_single(
        &check_one("tab.yaml", "version: 1\nteam:\n\tid: t\n"),
        "E001",
        "tabs",
    );
    assert_eq!(d.line, 3);
}

#[test]
fn tabs_inside_values_are_fine() {
    let (exit, diags) = check_one("tab.yaml", "version: 1\nteam: {id: t,\tname: \"a\tb\"}\n");
    assert_eq!(exit, 0, "{diags:#?}");
}

#[test]
fn an_empty_file_is_a_schema_error() {
    let d = assert_single(
        &check_one("empty.yaml", ""),
        "E002",
        "the spec file is empty",
    );
    assert_eq!((d.line, d.column), (1, 1));
}

#[test]
fn a_file_of_only_comments_is_empty_too() {
    // Like an empty file it lacks the required `version`, so it is the same E002.
    assert_single(
        &check_one("comments.yaml", "# one\n# two\n\n"),
        "E002",
        "the spec file is empty",
    );
}

// ---------------------------------------------------------------------------------------------
// YAML features kpic does not take

#[test]
fn a_second_document_is_an_error_and_the_first_is_still_checked() {
    let (exit, diags) = check_one("multi.yaml", "version: 1\nbogus: 1\n---\nversion: 1\n");
    assert_eq!(exit, 1);
    let found: Vec<_> = diags
        .iter()
        .map(|d| (d.code.as_str(), d.line, d.column))
        .collect();
    assert_eq!(found, [("E002", 2, 1), ("E001", 3, 1)], "{diags:#?}");
    assert!(diags[1].message.contains("more than one YAML document"));
}

#[test]
fn python_tags_are_refused() {
    let d = assert_single(
        &check_one(
            "tag.yaml",
            "version: 1\nteam: !!python/object:os.system {id: t}\n",
        ),
        "E001",
        "unsupported YAML tag",
    );
    assert_eq!((d.line, d.column), (2, 7));
    assert_single(
        &check_one("tag.yaml", "version: !custom 1\n"),
        "E001",
        "unsupported YAML tag",
    );
}

#[test]
fn merge_keys_are_unknown_keys() {
    // YAML 1.2 has no merge keys: `<<` is an ordinary key, and the schema does not allow it.
    let text = "version: 1\nteam:\n  <<: {id: t, name: T}\n";
    let (exit, diags) = check_one("merge.yaml", text);
    assert_eq!(exit, 1);
    assert!(
        diags
            .iter()
            .any(|d| d.code == "E002" && d.message.contains("unknown key `<<`") && d.line == 3),
        "{diags:#?}"
    );
    assert!(diags.iter().all(|d| d.code == "E002"), "{diags:#?}");
}

#[test]
fn the_config_file_is_never_a_spec() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("kpic.yaml"), "paths: [\".\"]\n").unwrap();
    fs::write(dir.path().join("team.yaml"), VALID).unwrap();
    fs::write(
        dir.path().join("ci.yaml"),
        "paths: [\".\"]\nmax-file-size: 1MiB\n",
    )
    .unwrap();
    // `ci.yaml` is a spec here (and not a valid one); `kpic.yaml` never is.
    let files = |found: &[Diag]| -> Vec<String> { found.iter().map(|d| d.file.clone()).collect() };
    let (_, found) = check_structural(dir.path(), &[]);
    assert!(
        !found.is_empty() && files(&found).iter().all(|f| f == "ci.yaml"),
        "{found:#?}"
    );
    // Nor when pre-commit passes it with the other staged YAML files.
    let (_, found) = check_structural(dir.path(), &["--force-exclude", "kpic.yaml", "team.yaml"]);
    assert_eq!(files(&found), Vec::<String>::new(), "{found:#?}");
    // The file `--config` names is not a spec either.
    let (exit, found) = check_structural(dir.path(), &["--config", "ci.yaml"]);
    assert_eq!((exit, files(&found)), (0, vec![]), "{found:#?}");
}

#[test]
fn duplicate_keys_are_refused() {
    let d = assert_single(
        &check_one("dup.yaml", "version: 1\nversion: 1\n"),
        "E001",
        "duplicate key `version`",
    );
    assert_eq!((d.line, d.column), (2, 1));
}

// ---------------------------------------------------------------------------------------------
// Wrong values

#[test]
fn wrong_types_everywhere_are_schema_errors() {
    let text = "\
version: 1
team: {id: 5, name: T}
owners: {id: o}
duties: [{id: d, name: D, owner: [a]}]
kpis:
  - {id: 7, name: K, target: [1, 2], owner: {a: b}, contributors: x, weight: ten}
";
    let dir = workspace();
    spec(dir.path(), "types.yaml", text);
    // All rules: no rule may trip over a value of the wrong type.
    let (exit, diags) = check(dir.path(), &[]);
    assert_eq!(exit, 1);
    let e002: Vec<_> = diags
        .iter()
        .filter(|d| d.code == "E002")
        .map(|d| (d.line, d.column))
        .collect();
    for place in [
        (2, 12),
        (3, 9),
        (4, 34),
        (6, 10),
        (6, 30),
        (6, 45),
        (6, 67),
        (6, 78),
    ] {
        assert!(e002.contains(&place), "no E002 at {place:?}: {diags:#?}");
    }
}

#[test]
fn a_spec_that_is_not_a_mapping_is_a_schema_error() {
    for text in ["[1, 2]\n", "just text\n", "42\n", "null\n"] {
        let (exit, diags) = check_one("scalar.yaml", text);
        assert_eq!(exit, 1, "{text}");
        assert!(diags.iter().any(|d| d.code == "E002"), "{text}: {diags:#?}");
    }
}

#[test]
fn nan_infinite_huge_and_negative_numbers_are_schema_errors() {
    let text = "\
version: 1
team: {id: t, name: T, review: quarterly}
owners: [{id: o, name: O}]
duties: [{id: d, name: D, owner: o}]
kpis:
  - {id: k1, name: K, duty: d, owner: o, metric: m, source: s, target: '>= 1 x', weight: .nan, baseline: .inf, period: monthly}
  - {id: k2, name: K, duty: d, owner: o, metric: m, source: s, target: '>= 1e400 x', weight: 1e400, baseline: -.inf, range: [.nan, .inf], period: monthly}
  - {id: k3, name: K, duty: d, owner: o, metric: m, source: s, target: {op: '>=', value: .nan}, weight: -5, baseline: 99999999999999999999, period: monthly}
";
    let dir = workspace();
    spec(dir.path(), "nums.yaml", text);
    let (exit, diags) = check(dir.path(), &[]);
    assert_eq!(exit, 1);
    let at = |line, text: &str| {
        diags
            .iter()
            .any(|d| d.code == "E002" && d.line == line && d.message.contains(text))
    };
    assert!(
        at(6, "`weight` must be a number, found `.nan`"),
        "{diags:#?}"
    );
    assert!(
        at(6, "`baseline` must be a number, found an infinite"),
        "{diags:#?}"
    );
    assert!(
        at(7, "`weight` must be a number, found an infinite"),
        "{diags:#?}"
    );
    assert!(at(8, "`weight`"), "negative weight: {diags:#?}");
    // 1e400 in a target string is not a number kpic can compare against.
    assert!(
        diags.iter().any(|d| d.line == 7 && d.code == "M001"),
        "{diags:#?}"
    );
}

// ---------------------------------------------------------------------------------------------
// The file system

#[cfg(unix)]
#[test]
fn symlink_loops_are_walked_once() {
    let dir = workspace();
    spec(dir.path(), "a.yaml", "version: 1\nbogus: 1\n");
    std::os::unix::fs::symlink(".", dir.path().join("kpi-specs/loop")).unwrap();
    std::os::unix::fs::symlink("..", dir.path().join("kpi-specs/up")).unwrap();
    let (exit, diags) = check_structural(dir.path(), &[]);
    assert_eq!(exit, 1);
    assert_eq!(diags.len(), 1, "the file is reported once: {diags:#?}");
    assert_eq!(diags[0].file, "kpi-specs/a.yaml");
}

#[cfg(unix)]
#[test]
fn symlinks_out_of_the_spec_folder_but_inside_the_project_are_followed() {
    let dir = workspace();
    fs::create_dir(dir.path().join("shared")).unwrap();
    fs::write(
        dir.path().join("shared/owners.yaml"),
        "version: 1\nbogus: 1\n",
    )
    .unwrap();
    std::os::unix::fs::symlink(
        "../shared/owners.yaml",
        dir.path().join("kpi-specs/owners.yaml"),
    )
    .unwrap();
    std::os::unix::fs::symlink("../shared", dir.path().join("kpi-specs/more")).unwrap();
    let (exit, diags) = check_structural(dir.path(), &[]);
    assert_eq!(exit, 1);
    // One real file, reached twice: reported once, under the first name.
    assert_eq!(diags.len(), 1, "{diags:#?}");
    assert_eq!(diags[0].code, "E002");
    assert_eq!(diags[0].file, "kpi-specs/more/owners.yaml");
}

#[cfg(unix)]
#[test]
fn a_dangling_symlink_is_reported_not_lost() {
    let dir = workspace();
    spec(dir.path(), "a.yaml", VALID);
    std::os::unix::fs::symlink("gone.yaml", dir.path().join("kpi-specs/b.yaml")).unwrap();
    let d = assert_single(
        &check_structural(dir.path(), &[]),
        "E001",
        "cannot read the file: no such file or folder",
    );
    assert_eq!(d.file, "kpi-specs/b.yaml");
}

#[cfg(unix)]
#[test]
fn an_unreadable_file_is_a_yaml_error() {
    use std::os::unix::fs::PermissionsExt;
    let dir = workspace();
    spec(dir.path(), "a.yaml", VALID);
    let path = spec(dir.path(), "secret.yaml", VALID);
    fs::set_permissions(&path, fs::Permissions::from_mode(0o000)).unwrap();
    if fs::File::open(&path).is_ok() {
        // Running as root (as CI does): permissions do not apply, nothing to test here.
        eprintln!("skipped: the file is readable despite mode 000 (running as root)");
        return;
    }
    let d = assert_single(
        &check_structural(dir.path(), &[]),
        "E001",
        "permission denied",
    );
    assert_eq!(d.file, "kpi-specs/secret.yaml");
}

#[cfg(unix)]
#[test]
fn fifos_are_never_opened() {
    let dir = workspace();
    spec(dir.path(), "a.yaml", VALID);
    let fifo = dir.path().join("kpi-specs/pipe.yaml");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("skipped: no mkfifo");
        return;
    }
    // In a folder: skipped (opening it would wait for a writer forever).
    let (exit, diags) = check_structural(dir.path(), &[]);
    assert_eq!((exit, diags.len()), (0, 0), "{diags:#?}");
    // Named on the command line: a one-line error.
    let run = kpic(dir.path(), &["check", "kpi-specs/pipe.yaml"]);
    assert_error_line(&run, "`kpi-specs/pipe.yaml` is not a file or folder");
}

#[test]
fn a_folder_named_like_a_spec_is_walked_not_read() {
    let dir = workspace();
    fs::create_dir(dir.path().join("kpi-specs/x.yaml")).unwrap();
    spec(dir.path(), "x.yaml/inner.yaml", "version: 1\nbogus: 1\n");
    let d = assert_single(&check_structural(dir.path(), &[]), "E002", "bogus");
    assert_eq!(d.file, "kpi-specs/x.yaml/inner.yaml");
    // Named on the command line too.
    let d = assert_single(
        &check_structural(dir.path(), &["kpi-specs/x.yaml"]),
        "E002",
        "bogus",
    );
    assert_eq!(d.file, "kpi-specs/x.yaml/inner.yaml");
}

#[test]
fn an_empty_folder_named_like_a_spec_is_no_spec() {
    let dir = workspace();
    fs::create_dir(dir.path().join("kpi-specs/x.yaml")).unwrap();
    let run = kpic(dir.path(), &["check"]);
    assert_error_line(&run, "no spec files found");
}

#[test]
fn a_file_that_vanishes_after_discovery_is_reported() {
    // The window between walking and reading is too short to hit from outside the process:
    // load a file that was listed and is gone by the time it is read.
    let dir = workspace();
    let path = spec(dir.path(), "gone.yaml", VALID);
    fs::remove_file(&path).unwrap();
    let input = kpic::workspace::Input {
        path,
        name: "kpi-specs/gone.yaml".into(),
        reported: true,
        text: None,
        removed: false,
    };
    let (_, diags) = kpic::workspace::load(vec![input], &kpic::workspace::LoadOptions::default());
    assert_eq!(diags.len(), 1, "{diags:#?}");
    assert_eq!(diags[0].code(), "E001");
    assert_eq!(
        diags[0].message,
        "cannot read the file: no such file or folder"
    );
}

#[test]
fn a_folder_that_vanishes_is_an_error_line_not_a_crash() {
    let dir = workspace();
    fs::remove_dir(dir.path().join("kpi-specs")).unwrap();
    let run = kpic(dir.path(), &["check"]);
    assert_error_line(&run, "no spec files: `kpi-specs` does not exist");
}

#[test]
fn a_nonexistent_explicit_path_is_an_error_line() {
    let dir = workspace();
    spec(dir.path(), "a.yaml", VALID);
    let run = kpic(dir.path(), &["check", "nope.yaml"]);
    assert_error_line(&run, "cannot read `nope.yaml`: no such file or folder");
}

#[test]
fn a_missing_spec_folder_is_an_error_line() {
    let dir = tempfile::tempdir().unwrap();
    let run = kpic(dir.path(), &["check"]);
    assert_error_line(&run, "`kpi-specs` does not exist");
}

#[test]
fn the_library_honours_a_raised_size_limit() {
    let dir = workspace();
    let path = spec(dir.path(), "big.yaml", big_scalar());
    let input = |p: &Path| kpic::workspace::Input {
        path: p.to_path_buf(),
        name: "big.yaml".into(),
        reported: true,
        text: None,
        removed: false,
    };
    let opts = kpic::workspace::LoadOptions {
        max_file_size: 64 * 1024 * 1024,
        ..Default::default()
    };
    let (ws, diags) = kpic::workspace::load(vec![input(&path)], &opts);
    assert!(diags.is_empty(), "{diags:#?}");
    let team = ws.specs[0].as_ref().unwrap().team.as_ref().unwrap();
    assert_eq!(team.name.as_ref().unwrap().value.len(), 50_000_000);
    let (_, diags) =
        kpic::workspace::load(vec![input(&path)], &kpic::workspace::LoadOptions::default());
    assert_eq!(diags[0].code(), "E001");
}

// ---------------------------------------------------------------------------------------------
// `kpic build`: IDs never name a path outside `--out`

/// A workspace that builds cleanly, with `owner` as the one owner's ID (YAML, quoted).
fn buildable(owner: &str) -> tempfile::TempDir {
    let dir = workspace();
    let text = format!(
        "version: 1
team: {{id: t, name: T, review: quarterly}}
owners: [{{id: {owner}, name: O}}]
duties: [{{id: d, name: D, owner: {owner}}}]
kpis:
  - {{id: k, name: Reports, duty: d, owner: {owner}, metric: reports filed, target: '>= 2 reports', period: monthly, weight: 100, source: wiki}}
"
    );
    spec(dir.path(), "a.yaml", text);
    dir
}

/// Every file under `dir`, relative, sorted.
fn tree_of(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p.clone());
            }
            out.push(p.strip_prefix(dir).unwrap().to_string_lossy().into_owned());
        }
    }
    out.sort();
    out
}

/// Builds `dir` into `dir/out`, which must succeed; the folder and its files.
fn built(dir: &Path) -> (PathBuf, Vec<(String, Vec<u8>)>) {
    let run = kpic(dir, &["build", "--out", "out"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let out = dir.join("out");
    let files = snapshot(&out);
    (out, files)
}

/// Every file under `out` with its bytes, in path order.
fn snapshot(out: &Path) -> Vec<(String, Vec<u8>)> {
    tree_of(out)
        .into_iter()
        .filter(|f| out.join(f).is_file())
        .map(|f| (f.clone(), fs::read(out.join(&f)).unwrap()))
        .collect()
}

#[test]
fn ids_that_try_to_escape_out_are_schema_errors_and_nothing_is_written() {
    for owner in [
        "\"../x\"",
        "\"../../etc/passwd\"",
        "\"/etc/passwd\"",
        "\"/\"",
        "\"a/b\"",
        "\"a\\\\b\"",
        "\"a\\0b\"",
        "\"..\"",
        "\"\"",
        "\"C:x\"",
    ] {
        let dir = buildable(owner);
        let before = tree_of(dir.path());
        let run = kpic(dir.path(), &["build", "--out", "out/docs"]);
        assert_eq!(run.code, 1, "{owner}: {}", run.stderr);
        assert!(run.stderr.contains("E002"), "{owner}: {}", run.stderr);
        assert!(
            run.stderr.contains("nothing written"),
            "{owner}: {}",
            run.stderr
        );
        assert_eq!(
            tree_of(dir.path()),
            before,
            "{owner}: the build wrote something"
        );
        let (_, diags) = check_structural(dir.path(), &[]);
        assert!(
            diags
                .iter()
                .any(|d| d.code == "E002" && d.line == 3 && d.message.contains("not a valid ID")),
            "{owner}: {diags:#?}"
        );
    }
}

#[test]
fn a_windows_device_name_gets_a_safe_scorecard_file() {
    let dir = buildable("CON");
    let run = kpic(dir.path(), &["build", "--out", "out"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let files = tree_of(&dir.path().join("out"));
    assert!(
        files.contains(&"scorecards/_CON.csv".to_owned()),
        "{files:?}"
    );
    assert!(!files.iter().any(|f| f.ends_with("/CON.csv")), "{files:?}");
}

#[test]
fn a_failed_build_leaves_the_previous_output_intact() {
    let dir = buildable("o");
    let (out, before) = built(dir.path());
    assert!(before.iter().any(|(f, _)| f == "handbook.md"), "{before:?}");
    // Break the spec: the next build refuses and the old documents stay as they were.
    spec(
        dir.path(),
        "a.yaml",
        "version: 1\nteam: {id: \"../t\", name: [T\n",
    );
    let run = kpic(dir.path(), &["build", "--out", "out"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("E001"), "{}", run.stderr);
    assert_eq!(snapshot(&out), before);
}

// Recovery needs the lock builds take on the output's parent folder (Unix).
#[cfg(unix)]
#[test]
fn the_next_build_puts_back_the_output_of_a_build_killed_between_its_renames() {
    let dir = buildable("o");
    let (out, before) = built(dir.path());
    // What a build killed between `out` → `.out.kpic-old-PID` and `.out.kpic-tmp-PID` → `out`
    // leaves; beside it, a folder of the same name pattern that kpic did not write, which must
    // be left alone.
    let aside = dir.path().join(".out.kpic-old-4242");
    let partial = dir.path().join(".out.kpic-tmp-4242");
    let foreign = dir.path().join(".out.kpic-tmp-4243");
    fs::rename(&out, &aside).unwrap();
    fs::create_dir_all(partial.join("scorecards")).unwrap();
    fs::write(partial.join("handbook.md"), "half a handbook").unwrap();
    fs::create_dir(&foreign).unwrap();
    fs::write(foreign.join("notes.txt"), "mine").unwrap();
    // A build that fails still leaves the previous output in place, put back; but not while
    // another build is writing there (it holds a lock on the folder).
    spec(dir.path(), "a.yaml", "version: 1\nteam: {id: t, name: [T\n");
    let writing = fs::File::open(dir.path()).unwrap();
    writing.lock().unwrap();
    let run = kpic(dir.path(), &["build", "--out", "out"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(aside.exists() && partial.exists() && !out.exists());
    drop(writing);
    let run = kpic(dir.path(), &["build", "--out", "out"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("put back the previous output"),
        "{}",
        run.stderr
    );
    assert_eq!(snapshot(&out), before);
    assert!(!aside.exists() && !partial.exists());
    assert_eq!(
        fs::read_to_string(foreign.join("notes.txt")).unwrap(),
        "mine"
    );

    // Something else at `out` (here a link that leads nowhere): the set-aside copy is the only
    // one left, and stays.
    fs::rename(&out, &aside).unwrap();
    std::os::unix::fs::symlink("nowhere", &out).unwrap();
    let run = kpic(dir.path(), &["build", "--out", "out"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(snapshot(&aside), before);
}

// ---------------------------------------------------------------------------------------------
// `kpic score`: hostile actuals files

#[test]
fn non_numbers_in_actuals_are_bad_rows_with_their_row_numbers() {
    let dir = buildable("o");
    fs::write(
        dir.path().join("actuals.csv"),
        "kpi_id,actual\nk,NaN\nk,inf\n../x,1e400\n",
    )
    .unwrap();
    let run = kpic(dir.path(), &["score", "--actuals", "actuals.csv"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("actuals.csv:2: error"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("not a number"), "{}", run.stderr);
    assert!(
        run.stderr.contains("actuals.csv:4: error"),
        "{}",
        run.stderr
    );
}

#[test]
fn binary_huge_or_missing_actuals_are_an_error_line() {
    let dir = buildable("o");
    let bytes: Vec<u8> = (0..10_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 7) as u8)
        .collect();
    fs::write(dir.path().join("bin.csv"), bytes).unwrap();
    // Not text in any encoding kpic reads (each byte is a Windows-1252 character): no header.
    let run = kpic(dir.path(), &["score", "--actuals", "bin.csv"]);
    assert_error_line(&run, "has no `kpi_id` column");
    fs::File::create(dir.path().join("huge.csv"))
        .unwrap()
        .set_len(100 * 1024 * 1024)
        .unwrap();
    let run = kpic(dir.path(), &["score", "--actuals", "huge.csv"]);
    assert_error_line(&run, "larger than the limit");
    let run = kpic(dir.path(), &["score", "--actuals", "nope.csv"]);
    assert_error_line(&run, "cannot read `nope.csv`");
}

// ---------------------------------------------------------------------------------------------
// `kpic.yaml` is input too

#[test]
fn a_huge_config_is_refused_without_being_read() {
    let dir = workspace();
    spec(dir.path(), "a.yaml", VALID);
    fs::File::create(dir.path().join("kpic.yaml"))
        .unwrap()
        .set_len(100 * 1024 * 1024)
        .unwrap();
    let run = kpic(dir.path(), &["check"]);
    assert_error_line(
        &run,
        "cannot read config `kpic.yaml`: the file is larger than 1 MiB",
    );
}

#[test]
fn a_config_in_another_encoding_is_an_error_line() {
    let dir = workspace();
    spec(dir.path(), "a.yaml", VALID);
    fs::write(dir.path().join("kpic.yaml"), b"paths: [\xff]\n").unwrap();
    let run = kpic(dir.path(), &["check"]);
    assert_error_line(&run, "not valid UTF-8 (invalid byte at offset 8)");
}

#[test]
fn an_alias_bomb_in_the_config_is_refused() {
    let dir = workspace();
    spec(dir.path(), "a.yaml", VALID);
    let mut text = String::from("a0: &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n");
    for i in 1..9 {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        text.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    fs::write(dir.path().join("kpic.yaml"), text).unwrap();
    let run = kpic(dir.path(), &["check"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let first = run.stderr.lines().next().unwrap();
    assert!(first.starts_with("kpic: error: invalid config"), "{first}");
    assert!(first.contains("alias bomb"), "{first}");
}

// ---------------------------------------------------------------------------------------------
// Reporting on odd files

#[test]
fn a_finding_far_along_a_long_line_is_shown_without_a_snippet() {
    // miette cannot draw a label past column 65,535: this used to panic.
    let dir = workspace();
    let text = format!(
        "{{version: 1, bogus: \"{}\", more: 1}}\n",
        "x".repeat(100_000)
    );
    spec(dir.path(), "a.yaml", text);
    let run = kpic(dir.path(), &["check", "--format", "human"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("at kpi-specs/a.yaml:1:100025 (the line is too long to show)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.len() < 2_000,
        "the line is not printed: {} bytes",
        run.stdout.len()
    );
    let (_, diags) = check_structural(dir.path(), &[]);
    assert_eq!(diags.len(), 2, "{diags:#?}");
    assert_eq!((diags[1].line, diags[1].column), (1, 100_025));
}

#[test]
fn a_finding_over_the_whole_file_shows_a_few_lines() {
    let dir = workspace();
    let text: String = (0..200_000).map(|i| format!("- {i}\n")).collect();
    spec(dir.path(), "a.yaml", text);
    let run = kpic(dir.path(), &["check", "--format", "human"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stdout.contains("a spec file must be a mapping"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.lines().count() < 20, "{}", run.stdout);
}

#[test]
fn a_config_problem_on_a_long_line_is_an_error_line() {
    let dir = workspace();
    spec(dir.path(), "a.yaml", VALID);
    let text = format!(
        "{{paths: [kpi-specs], exclude: [\"{}\"], bogus: 1}}\n",
        "x".repeat(70_000)
    );
    fs::write(dir.path().join("kpic.yaml"), text).unwrap();
    let run = kpic(dir.path(), &["check"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let first = run.stderr.lines().next().unwrap();
    assert_eq!(
        first,
        "kpic: error: invalid config kpic.yaml:1:70037: unknown key `bogus` in `kpic.yaml`"
    );
    assert!(run.stderr.len() < 2_000);
}

#[test]
fn control_characters_never_reach_the_terminal() {
    let dir = workspace();
    // A raw ESC sequence (saphyr lets it through in a quoted key), escaped control
    // characters, a C1 control and a bidirectional override.
    let text = "version: 1\n\"a\u{1b}]0;title\u{7}\u{1b}[31mred\": 1\n\"b\\0\\x01\\n::x \\u009b \\u202e\": 2\n";
    spec(dir.path(), "a.yaml", text);
    for format in ["human", "compact", "json", "sarif", "github", "junit"] {
        let run = kpic(dir.path(), &["check", "--format", format]);
        assert_eq!(run.code, 1, "{format}: {}", run.stderr);
        let bad: Vec<char> = run
            .stdout
            .chars()
            .filter(|c| {
                (c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
                    || ('\u{202a}'..='\u{202e}').contains(c)
            })
            .collect();
        assert!(bad.is_empty(), "{format}: {bad:?} in\n{}", run.stdout);
    }
    let run = kpic(dir.path(), &["check", "--format", "compact"]);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "one finding a line: {}", run.stdout);
    assert!(
        lines[0].contains(r"unknown key `a\u{1b}]0;title\u{7}\u{1b}[31mred`"),
        "{}",
        lines[0]
    );
    assert!(lines[1].contains(r"\n::x"), "{}", lines[1]);
}

#[cfg(unix)]
#[test]
fn control_characters_in_file_names_are_escaped() {
    let dir = workspace();
    spec(dir.path(), "e\u{1b}[31mx\nz.yaml", "version: 1\nbogus: 1\n");
    let run = kpic(dir.path(), &["check", "--format", "compact"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "kpi-specs/e\\u{1b}[31mx\\nz.yaml:2:1: error[E002] unknown key `bogus` in the spec file\n"
    );
}

/// A workspace of `teams` files with 100 owners, duties and KPIs each, named with `tag`.
fn big_buildable(dir: &Path, teams: usize, tag: &str) {
    for t in 0..teams {
        let mut text = format!("version: 1\nteam: {{id: t{t}, name: T{t}, review: quarterly}}\n");
        text.push_str("owners:\n");
        for i in 0..100 {
            text.push_str(&format!("  - {{id: o{t}-{i}, name: Owner {tag}}}\n"));
        }
        text.push_str("duties:\n");
        for i in 0..100 {
            text.push_str(&format!("  - {{id: d{t}-{i}, name: D, owner: o{t}-{i}}}\n"));
        }
        text.push_str("kpis:\n");
        for i in 0..100 {
            text.push_str(&format!(
                "  - {{id: k{t}-{i}, name: Reports {tag}, duty: d{t}-{i}, owner: o{t}-{i}, metric: reports filed, target: '>= 2 reports', period: monthly, weight: 100, source: wiki}}\n"
            ));
        }
        fs::write(dir.join(format!("kpi-specs/t{t}.yaml")), text).unwrap();
    }
}

#[test]
fn an_interrupted_build_leaves_the_old_output_or_the_new_one() {
    let dir = workspace();
    big_buildable(dir.path(), 10, "old");
    let bin = env!("CARGO_BIN_EXE_kpic");
    let build = || {
        let mut c = Command::new(bin);
        c.args(["build", "--out", "out"])
            .current_dir(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        c
    };
    let start = Instant::now();
    assert!(build().status().unwrap().success());
    let took = start.elapsed();
    let out = dir.path().join("out");
    let old = snapshot(&out);
    assert!(old.len() > 1_000, "{} files", old.len());
    big_buildable(dir.path(), 10, "new");
    // Kill builds at points spread over a run; each time the folder is whole, old or new.
    for step in 1..=8u32 {
        let mut child = build().spawn().unwrap();
        std::thread::sleep(took * step / 8);
        let _ = child.kill();
        let _ = child.wait();
        if !out.exists() {
            // Killed between the two renames of the swap: the old output waits beside it.
            let aside = fs::read_dir(dir.path())
                .unwrap()
                .map(|e| e.unwrap().path())
                .find(|p| p.to_string_lossy().contains(".out.kpic-old-"))
                .expect("neither the output nor the old copy");
            assert_eq!(snapshot(&aside), old);
            fs::rename(aside, &out).unwrap();
            continue;
        }
        let now = snapshot(&out);
        eprintln!(
            "killed at {step}/8 of {took:?}: {}",
            if now == old {
                "old output"
            } else {
                "new output"
            }
        );
        if now != old {
            let again = tempfile::tempdir().unwrap();
            fs::create_dir(again.path().join("kpi-specs")).unwrap();
            big_buildable(again.path(), 10, "new");
            let ok = Command::new(bin)
                .args(["build", "--out", "out"])
                .current_dir(again.path())
                .status()
                .unwrap();
            assert!(ok.success());
            assert_eq!(
                now,
                snapshot(&again.path().join("out")),
                "a mix of old and new"
            );
            break;
        }
    }
    // Either way the next build completes and replaces it.
    assert!(build().status().unwrap().success());
    let last = snapshot(&out);
    assert!(
        last.iter()
            .any(|(f, b)| f == "kpis.json" && String::from_utf8_lossy(b).contains("Reports new"))
    );
}

#[cfg(unix)]
#[test]
fn links_that_fan_out_are_walked_once_per_folder() {
    // d0 has ten links to d1, d1 ten to d2 ... : 10^7 paths without a single loop.
    let dir = workspace();
    let specs = dir.path().join("kpi-specs");
    for i in 0..8 {
        fs::create_dir(specs.join(format!("d{i}"))).unwrap();
        let text = if i == 7 {
            "version: 1\nbogus: 1\n"
        } else {
            VALID
        };
        fs::write(specs.join(format!("d{i}/a.yaml")), text).unwrap();
    }
    for i in 0..7 {
        for j in 0..10 {
            std::os::unix::fs::symlink(format!("../d{}", i + 1), specs.join(format!("d{i}/l{j}")))
                .unwrap();
        }
    }
    let start = Instant::now();
    let (exit, diags) = check_structural(dir.path(), &[]);
    assert!(start.elapsed() < Duration::from_secs(20));
    assert_eq!(exit, 1);
    // Each file once: the duplicate-team findings (E003) and the one unknown key.
    assert_eq!(
        diags.iter().filter(|d| d.code == "E002").count(),
        1,
        "{diags:#?}"
    );
}

#[test]
fn many_findings_on_one_long_line_take_linear_time() {
    // 30,000 unknown rules in one suppression: each finding's column used to be counted
    // from the start of the line, which made this quadratic.
    let dir = workspace();
    let names = vec!["电zzzz"; 30_000].join(",");
    let text = format!("version: 1 # kpic: ignore[{names}] -- x\nteam: {{id: t, name: T}}\n");
    spec(dir.path(), "a.yaml", text);
    let start = Instant::now();
    let run = kpic(
        dir.path(),
        &["check", "--format", "json", "--select", "X001"],
    );
    assert!(
        start.elapsed() < Duration::from_secs(30),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let v = json_of(&run);
    let diags = v["diagnostics"].as_array().unwrap();
    assert_eq!(diags.len(), 30_000);
    let last = &diags[29_999];
    assert_eq!(last["code"], "X001");
    // `version: 1 # kpic: ignore[` is 26 characters; each name and comma 6.
    assert_eq!(last["column"], 26 + 29_999 * 6 + 1);
}

#[cfg(unix)]
#[test]
fn links_out_of_the_project_are_refused_without_reading() {
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("credentials.yaml");
    fs::write(&secret, "aws_secret_access_key: hunter2\n").unwrap();
    // A file link.
    let dir = workspace();
    spec(dir.path(), "a.yaml", VALID);
    std::os::unix::fs::symlink(&secret, dir.path().join("kpi-specs/creds.yaml")).unwrap();
    let run = kpic(dir.path(), &["check"]);
    assert_error_line(&run, "`kpi-specs/creds.yaml` is a link to");
    assert!(
        run.stderr
            .contains("outside the project: kpic follows no link out of it")
    );
    assert!(!run.stderr.contains("hunter2"));
    // Nor the spec folder itself, nor a configured path.
    let linked = workspace();
    fs::remove_dir(linked.path().join("kpi-specs")).unwrap();
    std::os::unix::fs::symlink(outside.path(), linked.path().join("kpi-specs")).unwrap();
    let run = kpic(linked.path(), &["check"]);
    assert_error_line(&run, "`kpi-specs` leads to");
    let configured = workspace();
    let paths = format!("paths: [kpi-specs, \"{}\"]\n", outside.path().display());
    fs::write(configured.path().join("kpic.yaml"), paths).unwrap();
    spec(configured.path(), "a.yaml", VALID);
    let run = kpic(configured.path(), &["check"]);
    assert_error_line(
        &run,
        "kpic reads the workspace only inside the project folder",
    );
    fs::write(configured.path().join("kpic.yaml"), "paths: [\"../..\"]\n").unwrap();
    let run = kpic(configured.path(), &["check"]);
    assert_error_line(
        &run,
        "kpic reads the workspace only inside the project folder",
    );
    assert!(!run.stderr.contains("hunter2"));
    // Named on the command line, a file outside is read: the user asked for it.
    fs::remove_file(configured.path().join("kpic.yaml")).unwrap();
    let (exit, diags) = check_structural(configured.path(), &[secret.to_str().unwrap()]);
    assert_eq!(exit, 1);
    assert!(diags[0].file.ends_with("credentials.yaml"), "{diags:#?}");
    // A folder link.
    let dir = workspace();
    spec(dir.path(), "a.yaml", VALID);
    std::os::unix::fs::symlink(outside.path(), dir.path().join("kpi-specs/home")).unwrap();
    let run = kpic(dir.path(), &["check"]);
    assert_error_line(&run, "`kpi-specs/home` is a link to");
    // Excluded in `kpic.yaml`, it is not followed and not refused.
    fs::write(dir.path().join("kpic.yaml"), "exclude: [home]\n").unwrap();
    let (exit, diags) = check_structural(dir.path(), &[]);
    assert_eq!((exit, diags.len()), (0, 0), "{diags:#?}");
}

#[cfg(unix)]
#[test]
fn a_report_to_a_pipe_or_device_is_written_not_replaced() {
    use std::io::Read;
    use std::os::unix::fs::FileTypeExt;
    // `--format sarif:/dev/null` once replaced /dev/null with a plain file (as root); a FIFO
    // stands in for the device here.
    let dir = workspace();
    spec(dir.path(), "a.yaml", "version: 1\nbogus: 1\n");
    let fifo = dir.path().join("report.json");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("skipped: no mkfifo");
        return;
    }
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            let mut text = String::new();
            fs::File::open(&fifo)
                .unwrap()
                .read_to_string(&mut text)
                .unwrap();
            text
        })
    };
    let run = kpic(dir.path(), &["check", "--format", "json:report.json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let kind = fs::symlink_metadata(&fifo).unwrap().file_type();
    assert!(kind.is_fifo(), "the FIFO was replaced by {kind:?}");
    let v: Value = serde_json::from_str(&reader.join().unwrap()).unwrap();
    assert_eq!(v["diagnostics"][0]["code"], "E002");
}
