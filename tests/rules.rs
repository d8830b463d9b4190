//! The SMART and ownership rules: one fixture folder per rule (`tests/fixtures/rules/<CODE>/`)
//! with a `pass.yaml` that must give no finding for the rule and a `fail.yaml` whose findings
//! are snapshotted as JSON lines. Files named `pass-*.yaml` / `fail-*.yaml` join their run
//! (cross-file rules); any other `*.yaml` in the folder joins both runs.
//!
//! Then: a realistic workspace annotated with `# expect: CODE` comments, a KPI with several
//! defects, a file with a schema error, the bundled `kpi-specs/`, and `kpic explain` / `kpic
//! rules` through the real binary.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use common::{json_of, kpic, repo_root};
use kpic::check::{CheckRequest, run};
use kpic::date::Date;
use serde::Serialize;

/// The date every test runs with (`--today`).
const TODAY: &str = "2026-11-26";

/// Copies `tests/fixtures/rules/<name>` into a fresh temp folder, so that no parent
/// `kpic.yaml` is found.
fn fixture(name: &str) -> tempfile::TempDir {
    common::fixture(&format!("rules/{name}"))
}

/// The spec files of one run: `<half>.yaml`, `<half>-*.yaml`, and files shared by both halves
/// (`kpic.yaml` is configuration, found by discovery).
fn half(dir: &Path, half: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| PathBuf::from(e.unwrap().file_name()))
        .filter(|p| p.extension().is_some_and(|e| e == "yaml") && *p != Path::new("kpic.yaml"))
        .filter(|p| {
            let name = p.to_string_lossy();
            let mine = name == format!("{half}.yaml") || name.starts_with(&format!("{half}-"));
            let other_half = ["pass", "fail"]
                .iter()
                .any(|h| name == format!("{h}.yaml") || name.starts_with(&format!("{h}-")));
            mine || !other_half
        })
        .collect();
    files.sort();
    files
}

/// One finding as a test sees it.
#[derive(Debug, Serialize, PartialEq, Eq, PartialOrd, Ord)]
struct Finding {
    code: &'static str,
    severity: &'static str,
    message: String,
    help: Option<String>,
    file: String,
    line: usize,
    column: usize,
}

/// Runs the library on `paths` in `dir` with only `select` (all rules when empty).
fn check(dir: &Path, paths: &[PathBuf], select: &[&str]) -> Vec<Finding> {
    let outcome = run(&CheckRequest {
        cwd: dir.to_path_buf(),
        paths: paths.to_vec(),
        select: select.iter().map(|s| s.to_string()).collect(),
        today: Date::parse(TODAY),
        ..CheckRequest::default()
    })
    .unwrap_or_else(|e| panic!("check failed: {e}"));
    outcome
        .diagnostics
        .iter()
        .map(|d| {
            let source = &outcome.ws.files[d.file];
            let at = source.line_col(d.span.lo());
            Finding {
                code: d.rule.code,
                severity: d.severity.as_str(),
                message: d.message.clone(),
                help: d.help.as_deref().map(str::to_owned),
                file: source.name.clone(),
                line: at.line,
                column: at.column,
            }
        })
        .collect()
}

fn json_lines(findings: &[Finding]) -> String {
    findings
        .iter()
        .map(|f| serde_json::to_string(f).unwrap())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Runs one rule on its fixture: nothing on `pass`, a snapshot of the findings on `fail`.
fn rule_case(code: &'static str) {
    let dir = fixture(code);
    let pass = check(dir.path(), &half(dir.path(), "pass"), &[code]);
    assert!(
        pass.is_empty(),
        "{code}: pass fixture reported:\n{}",
        json_lines(&pass)
    );
    let fail = check(dir.path(), &half(dir.path(), "fail"), &[code]);
    assert!(!fail.is_empty(), "{code}: fail fixture reported nothing");
    assert!(fail.iter().all(|f| f.code == code), "{}", json_lines(&fail));
    insta::assert_snapshot!(format!("{code}_fail"), json_lines(&fail));
}

/// The codes of every rule in the registry: each has a fixture folder with both halves.
fn registered() -> Vec<&'static str> {
    kpic::rules::all().iter().map(|m| m.code).collect()
}

/// Every rule of the registry, structural ones included, passes its fixture.
#[test]
fn every_rule_passes_its_fixture() {
    for code in registered() {
        rule_case(code);
    }
}

/// A rule without a `pass` and a `fail` fixture fails here.
#[test]
fn every_rule_has_pass_and_fail_fixtures() {
    for code in registered() {
        let dir = repo_root().join("tests/fixtures/rules").join(code);
        for h in ["pass", "fail"] {
            assert!(
                dir.join(format!("{h}.yaml")).is_file(),
                "rule {code} has no tests/fixtures/rules/{code}/{h}.yaml"
            );
        }
    }
}

/// The `pass` halves are written as a careful user would: clean under every rule, not only
/// the one they test.
#[test]
fn pass_fixtures_are_clean_under_every_rule() {
    for code in registered() {
        let dir = fixture(code);
        let found = check(dir.path(), &half(dir.path(), "pass"), &[]);
        assert!(found.is_empty(), "{code}/pass:\n{}", json_lines(&found));
    }
}

/// `(file, line, code)` of every `# expect: CODE, CODE` comment in the folder's files.
fn expectations(dir: &Path) -> BTreeSet<(String, usize, String)> {
    let mut out = BTreeSet::new();
    for file in half(dir, "") {
        let text = std::fs::read_to_string(dir.join(&file)).unwrap();
        for (i, line) in text.lines().enumerate() {
            if let Some((_, codes)) = line.split_once("# expect:") {
                for code in codes.split(',') {
                    out.insert((
                        file.to_string_lossy().into_owned(),
                        i + 1,
                        code.trim().to_owned(),
                    ));
                }
            }
        }
    }
    out
}

/// A workspace written as a new user would, in English and Chinese, with one defect per KPI:
/// each defect is reported with its code at the annotated line, and nothing else is.
#[test]
fn realistic_workspace_reports_each_defect_at_its_line_and_nothing_else() {
    let dir = fixture("realistic");
    let files = half(dir.path(), "");
    let found: BTreeSet<(String, usize, String)> = check(dir.path(), &files, &[])
        .into_iter()
        .map(|f| (f.file, f.line, f.code.to_owned()))
        .collect();
    let expected = expectations(dir.path());
    assert!(expected.len() >= 17, "the fixture annotates every rule");
    let missing: Vec<_> = expected.difference(&found).collect();
    let unexpected: Vec<_> = found.difference(&expected).collect();
    assert!(
        missing.is_empty() && unexpected.is_empty(),
        "missing: {missing:#?}\nunexpected: {unexpected:#?}"
    );
}

/// Writes `dir/name` and returns `name`, a path for [`check`].
fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    common::write(dir, name, text);
    PathBuf::from(name)
}

const OWNERS: &str = "version: 1\nowners:\n  - {id: li-na, name: Li Na}\n";

/// The start of `team.yaml`: the team and its one duty, owned by `li-na`; the KPIs follow from
/// line 6.
const TEAM_HEAD: &str = "version: 1
team: {id: research, name: Research, review: quarterly}
duties:
  - {id: market-analysis, name: Market analysis, owner: li-na}
kpis:
";

/// Checks `owners.yaml` ([`OWNERS`]) and `team.yaml` ([`TEAM_HEAD`], then `kpis`) in `dir`
/// under every rule.
fn check_team(dir: &Path, kpis: &str) -> Vec<Finding> {
    let owners = write(dir, "owners.yaml", OWNERS);
    let team = write(dir, "team.yaml", &format!("{TEAM_HEAD}{kpis}"));
    check(dir, &[owners, team], &[])
}

#[test]
fn a_kpi_with_several_defects_reports_each() {
    let dir = tempfile::tempdir().unwrap();
    let found = check_team(
        dir.path(),
        "  - id: research-reports
    name: Improve research
    duty: market-analysis
    target: more reports
",
    );
    let codes: Vec<(&str, usize)> = found.iter().map(|f| (f.code, f.line)).collect();
    assert_eq!(
        codes,
        [
            // at the KPI's `id`: what is missing
            ("M003", 6),
            ("O001", 6),
            ("S001", 6),
            ("T001", 6),
            // at the values that are wrong
            ("S002", 7),
            ("M001", 9),
        ],
        "{}",
        json_lines(&found)
    );
}

#[test]
fn a_file_with_a_schema_error_still_gets_the_rules() {
    let dir = tempfile::tempdir().unwrap();
    let found = check_team(
        dir.path(),
        "  - id: research-reports
    name: Research reports
    duty: market-analysis
    owner: li-na
    metric: Reports filed in the month
    tagret: \">= 2 reports\"
    period: 2026
    source: Team wiki
",
    );
    let codes: Vec<(&str, usize)> = found.iter().map(|f| (f.code, f.line)).collect();
    // The misspelt key and the number as a period are schema errors; the rules still see a
    // KPI without a target. The period is written, with the wrong type: E002 says so, and no
    // rule calls it missing.
    assert_eq!(
        codes,
        [("M001", 6), ("E002", 11), ("E002", 12)],
        "{}",
        json_lines(&found)
    );
}

#[test]
fn a_value_of_the_wrong_type_is_a_schema_error_not_a_missing_field() {
    let dir = tempfile::tempdir().unwrap();
    let found = check_team(
        dir.path(),
        "  - id: refund-rate
    name: Refund rate
    duty: [market-analysis]
    owner: [li-na, zhao-lei]
    metric: 42
    target: \"<= 2 %\"
    period: 2026
    weight: thirty
    source: 123
  - id: research-reports
    name: Research reports
    duty: market-analysis
    owner: li-na
    metric: Reports filed in the month
    target: \">= 2 reports\"
    period: monthly
    weight: 100
    source: Team wiki
",
    );
    let codes: Vec<(&str, usize)> = found.iter().map(|f| (f.code, f.line)).collect();
    // One E002 per value; no O001, R001, S001, M003, T001 or R003 saying they are missing (the
    // weights cannot be summed while one of them is not a number).
    assert_eq!(
        codes,
        [
            ("E002", 8),
            ("E002", 9),
            ("E002", 10),
            ("E002", 12),
            ("E002", 13),
            ("E002", 14),
        ],
        "{}",
        json_lines(&found)
    );
    // Two KPIs of one owner, one weight not a number: no R003 on a sum that cannot be made.
    let found = check_team(
        dir.path(),
        "  - {id: a, name: A, duty: market-analysis, owner: li-na, metric: m, target: \">= 2 reports\", period: monthly, source: s, weight: thirty}
  - {id: b, name: B, duty: market-analysis, owner: li-na, metric: m, target: \">= 2 reports\", period: monthly, source: s, weight: 70}
",
    );
    let codes: Vec<&str> = found.iter().map(|f| f.code).collect();
    assert_eq!(codes, ["E002"], "{}", json_lines(&found));
}

#[test]
fn a_weight_written_in_words_gets_the_number_as_help() {
    let dir = tempfile::tempdir().unwrap();
    for (weight, help) in [
        (
            "三十",
            "write `weight: 30`: a number from 0 to 100, the percent of the owner's scorecard",
        ),
        (
            "thirty",
            "write `weight: 30`: a number from 0 to 100, the percent of the owner's scorecard",
        ),
        (
            "三十%",
            "write `weight: 30`: weights are percentages already",
        ),
        (
            "a lot",
            "write a number from 0 to 100, the percent of the owner's scorecard, such as `weight: 30`",
        ),
    ] {
        let found = check_team(
            dir.path(),
            &format!(
                "  - {{id: a, name: A, duty: market-analysis, owner: li-na, metric: m, target: \">= 2 reports\", period: monthly, source: s, weight: {weight}}}\n"
            ),
        );
        assert_eq!(found.len(), 1, "{}", json_lines(&found));
        assert_eq!(found[0].code, "E002");
        assert_eq!(found[0].help.as_deref(), Some(help), "{weight}");
    }
}

#[test]
fn the_bundled_kpi_specs_check_clean() {
    let run = kpic(repo_root(), &["check", "--format", "json"]);
    let v = json_of(&run);
    assert_eq!(v["diagnostics"], serde_json::json!([]), "{}", run.stdout);
    assert!(v["summary"]["files"].as_u64().unwrap() >= 3);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let human = kpic(repo_root(), &["check"]);
    assert_eq!(human.code, 0);
}

#[test]
fn explain_by_code_and_by_name_prints_the_same_documentation() {
    let dir = tempfile::tempdir().unwrap();
    let by_code = kpic(dir.path(), &["explain", "T001"]);
    assert_eq!(by_code.code, 0, "{}", by_code.stderr);
    for part in [
        "T001 missing-deadline",
        "Principle: T (Time-bound). Default severity: error.",
        "## What it does",
        "## Why it matters",
        "## Example",
        "## Use instead",
        "period: monthly",
    ] {
        assert!(
            by_code.stdout.contains(part),
            "no `{part}` in:\n{}",
            by_code.stdout
        );
    }
    let by_name = kpic(dir.path(), &["explain", "missing-deadline"]);
    assert_eq!(by_name.code, 0);
    assert_eq!(by_name.stdout, by_code.stdout);
}

#[test]
fn every_rule_is_documented_with_the_four_headings() {
    for meta in kpic::rules::all() {
        let doc = meta.doc_text();
        for heading in [
            "## What it does",
            "## Why it matters",
            "## Example",
            "## Use instead",
        ] {
            assert!(doc.contains(heading), "{} lacks `{heading}`", meta.code);
        }
    }
}

#[test]
fn rules_lists_every_rule_with_its_letter_and_severity() {
    let dir = tempfile::tempdir().unwrap();
    let run = kpic(dir.path(), &["rules"]);
    assert_eq!(run.code, 0);
    let rows: Vec<&str> = run.stdout.lines().skip(1).collect();
    assert_eq!(rows.len(), kpic::rules::all().len());
    let row = |code: &str| {
        rows.iter()
            .find(|r| r.starts_with(code))
            .unwrap_or_else(|| panic!("no row for {code}"))
            .split_whitespace()
            .take(5)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        row("T001"),
        ["T001", "missing-deadline", "T", "Time-bound", "error"]
    );
    assert_eq!(
        row("S002"),
        ["S002", "vague-wording", "S", "Specific", "warning"]
    );
    assert_eq!(
        row("A004"),
        ["A004", "owner-overloaded", "A", "Achievable", "warning"]
    );
    assert_eq!(
        row("O001"),
        ["O001", "unowned-kpi", "O", "Ownership", "error"]
    );
}

#[test]
fn options_from_kpic_yaml_reach_the_rules() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "kpic.yaml",
        "rules:\n  unrealistic-stretch: {max-change: 0.2}\nvague-words:\n  extra: [synergy]\n  allow: [improve]\n",
    );
    let found = check_team(
        dir.path(),
        "  - id: research-reports
    name: Improve research synergy
    duty: market-analysis
    owner: li-na
    metric: Reports filed in the month
    target: \">= 2 reports\"
    baseline: 1.6
    period: monthly
    source: Team wiki
",
    );
    let codes: Vec<(&str, usize, &str)> = found
        .iter()
        .map(|f| (f.code, f.line, f.message.as_str()))
        .collect();
    assert_eq!(
        codes,
        [
            (
                "S002",
                7,
                "the name of KPI `research-reports` uses vague wording: `synergy`"
            ),
            (
                "A002",
                11,
                "KPI `research-reports` asks for a 25% change from its baseline 1.6 (target `>= 2 reports`)"
            ),
        ]
    );
}

/// An owner ID that names no owner is `unknown-reference` (E004) only: the weight and load
/// rules do not count it as a person of its own.
#[test]
fn an_unknown_owner_is_reported_once() {
    let dir = tempfile::tempdir().unwrap();
    let found = check_team(
        dir.path(),
        "  - {id: research-reports, name: Research reports, duty: market-analysis, owner: li-na, metric: Reports filed, target: \">= 2 reports\", period: monthly, weight: 100, source: Team wiki}
  - {id: price-checks, name: Price checks, duty: market-analysis, owner: li-nq, metric: Price checks done, target: \">= 4 checks\", period: monthly, weight: 50, source: Team wiki}
",
    );
    let codes: Vec<&str> = found.iter().map(|f| f.code).collect();
    assert_eq!(codes, ["E004"], "{}", json_lines(&found));
}

#[test]
fn the_readme_rule_table_is_the_catalogue() {
    let readme = std::fs::read_to_string(common::repo_root().join("README.md")).unwrap();
    let rows: Vec<String> = readme
        .lines()
        .skip_while(|l| !l.starts_with("| code | name | default | reports |"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .map(str::to_owned)
        .collect();
    let expected: Vec<String> = kpic::rules::all()
        .iter()
        .map(|m| {
            format!(
                "| {} | `{}` | {} | {} |",
                m.code,
                m.name,
                m.default_level.as_str(),
                m.summary.replace('|', "\\|")
            )
        })
        .collect();
    assert_eq!(
        rows, expected,
        "README.md's rule table differs from `kpic rules`"
    );
}

#[test]
fn a_vague_word_in_a_block_scalar_is_pointed_at_itself() {
    let dir = tempfile::tempdir().unwrap();
    let found = check_team(
        dir.path(),
        "  - id: replies
    name: Replies
    duty: market-analysis
    owner: li-na
    metric: |
      replies sent
      in a timely way per week
    target: \">= 2 replies\"
    period: monthly
    source: Team wiki
  - id: replies-two
    name: Replies two
    duty: market-analysis
    owner: li-na
    metric: >-
      replies sent in a timely way,
      timely or not
    target: \">= 2 replies\"
    period: monthly
    source: Team wiki
",
    );
    let at: Vec<(&str, usize, usize)> = found.iter().map(|f| (f.code, f.line, f.column)).collect();
    // The first `timely` of each metric, on its own line and column.
    assert_eq!(
        at,
        [("S002", 12, 12), ("S002", 21, 25)],
        "{}",
        json_lines(&found)
    );
}

/// R003 sums the weights of the KPIs in force together: a successor is not added to the KPI it
/// replaces, but two KPIs whose dates overlap are.
#[test]
fn weights_are_summed_over_the_kpis_in_force_together() {
    let dir = tempfile::tempdir().unwrap();
    let kpis = |until: &str| {
        format!(
            "  - {{id: a, name: A, duty: market-analysis, owner: li-na, metric: m, target: \">= 2 reports\", period: monthly, source: s, weight: 100, until: {until}}}
  - {{id: b, name: B, duty: market-analysis, owner: li-na, metric: m, target: \">= 2 reports\", period: monthly, source: s, weight: 100, effective: 2027-01-01}}
"
        )
    };
    assert_eq!(check_team(dir.path(), &kpis("2026-12-31")), []);
    let found = check_team(dir.path(), &kpis("2027-01-01"));
    let got: Vec<(&str, &str)> = found.iter().map(|f| (f.code, f.message.as_str())).collect();
    assert_eq!(
        got,
        [(
            "R003",
            "the KPI weights of owner `li-na` sum to 200, not 100"
        )],
        "{}",
        json_lines(&found)
    );
}
