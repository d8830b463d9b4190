//! `kpic check --baseline FILE` and `--write-baseline FILE` (DESIGN §5): a finding is known by
//! its code, file, IDs and field, never its line, so moving text does not reopen it.

mod common;

use std::fs;
use std::path::Path;

use common::{check_json, diags, kpic, write};

const OWNERS: &str =
    "version: 1\nowners:\n  - {id: li-na, name: 李娜}\n  - {id: wang-fang, name: W}\n";

/// A team file with two KPIs that have findings (no unit, no source, an unknown owner).
const TEAM: &str = "\
version: 1
team: {id: ops, name: 运营部, review: quarterly}
duties:
  - id: market-analysis
    name: 市场分析
    owner: li-na
kpis:
  - id: reports
    name: 市场调研报告
    duty: market-analysis
    owner: li-na
    metric: 报告份数
    target: \">= 2\"
    period: monthly
    weight: 60
  - id: replies
    name: 客服回复
    duty: market-analysis
    owner: wang-fnag
    metric: 回复时长
    target: \"<= 24 h\"
    period: monthly
    weight: 40
    source: CRM
";

/// The same findings, written otherwise: the KPIs in the other order, one of them in flow
/// style, its keys reordered, lines and comments added above, `kpis` before `duties`.
const TEAM_MOVED: &str = "\
# 运营部的 KPI
# (moved around)

version: 1
team:
  id: ops
  name: 运营部
  review: quarterly
kpis:
  # replies first now
  - {id: replies, name: 客服回复, duty: market-analysis, owner: 'wang-fnag', metric: 回复时长, target: '<= 24 h', period: monthly, weight: 40, source: CRM}

  - id: reports
    weight: 60
    period: monthly
    target: '>= 2'
    metric: 报告份数
    owner: li-na
    duty: market-analysis
    name: 市场调研报告
duties:
  - id: market-analysis
    owner: li-na
    name: 市场分析
";

fn project(team: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "kpi-specs/owners.yaml", OWNERS);
    write(dir.path(), "kpi-specs/ops.yaml", team);
    dir
}

fn codes(v: &serde_json::Value) -> Vec<String> {
    diags(v).into_iter().map(|d| d.code).collect()
}

fn written_baseline(dir: &Path) -> String {
    let run = kpic(dir, &["check", "--write-baseline", "kpic-baseline.json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    fs::read_to_string(dir.join("kpic-baseline.json")).unwrap()
}

#[test]
fn the_baseline_file_is_sorted_one_finding_a_line() {
    let dir = project(TEAM);
    let (code, before) = check_json(dir.path(), &[]);
    assert_eq!(code, 1);
    let run = kpic(
        dir.path(),
        &["check", "--write-baseline", "kpic-baseline.json"],
    );
    assert_eq!(run.code, 0, "writing a baseline is not a failing check");
    assert_eq!(
        run.stderr,
        format!(
            "kpic: wrote {} findings to `kpic-baseline.json`\n",
            diags(&before).len()
        )
    );
    let text = fs::read_to_string(dir.path().join("kpic-baseline.json")).unwrap();
    insta::assert_snapshot!(text);
    // Nothing is reported against it.
    let (code, v) = check_json(dir.path(), &["--baseline", "kpic-baseline.json"]);
    assert_eq!(code, 0);
    assert!(codes(&v).is_empty(), "{v}");
    assert_eq!(v["baseline"]["unchanged"], diags(&before).len());
    assert_eq!(v["baseline"]["stale"], 0);
}

#[test]
fn moving_kpis_adding_lines_and_reordering_reports_nothing_new() {
    let dir = project(TEAM);
    written_baseline(dir.path());
    let (_, all_before) = check_json(dir.path(), &[]);
    write(dir.path(), "kpi-specs/ops.yaml", TEAM_MOVED);
    // The findings are the same, at other lines.
    let (_, all_after) = check_json(dir.path(), &[]);
    assert_eq!(codes(&all_before).len(), codes(&all_after).len());
    let lines = |v: &serde_json::Value| diags(v).iter().map(|d| d.line).collect::<Vec<_>>();
    assert_ne!(lines(&all_before), lines(&all_after));
    let (code, v) = check_json(dir.path(), &["--baseline", "kpic-baseline.json"]);
    assert_eq!(code, 0, "{v}");
    assert!(codes(&v).is_empty(), "{v}");
    assert_eq!(v["baseline"]["stale"], 0);
    // Renaming the owners file's items' order does not matter either.
    write(
        dir.path(),
        "kpi-specs/owners.yaml",
        "version: 1\nowners:\n  - {id: wang-fang, name: W}\n\n  - {id: li-na, name: 李娜}\n",
    );
    let (code, v) = check_json(dir.path(), &["--baseline", "kpic-baseline.json"]);
    assert_eq!((code, codes(&v)), (0, vec![]));
}

#[test]
fn a_changed_target_is_new_and_the_old_entry_stale() {
    let dir = project(TEAM);
    written_baseline(dir.path());
    write(
        dir.path(),
        "kpi-specs/ops.yaml",
        TEAM_MOVED.replace("target: '>= 2'", "target: '>= 3'"),
    );
    let (code, v) = check_json(dir.path(), &["--baseline", "kpic-baseline.json"]);
    assert_eq!(code, 0, "a warning does not fail the run");
    let d = diags(&v);
    assert_eq!(d.len(), 1, "{v}");
    assert_eq!(d[0].code, "M002");
    assert!(d[0].message.contains(">= 3"), "{}", d[0].message);
    assert_eq!(v["baseline"]["stale"], 1);
    // The human summary says so.
    let run = kpic(dir.path(), &["check", "--baseline", "kpic-baseline.json"]);
    assert!(
        run.stdout.ends_with(
            "kpic: 1 warning in 2 files checked (3 more in the baseline, 1 stale entry)\n"
        ),
        "{}",
        run.stdout
    );
    // A changed owner reference is new too, and fails the run.
    write(
        dir.path(),
        "kpi-specs/ops.yaml",
        TEAM.replace("wang-fnag", "wang-fagn"),
    );
    let (code, v) = check_json(dir.path(), &["--baseline", "kpic-baseline.json"]);
    assert_eq!((code, codes(&v)), (1, vec!["E004".to_owned()]));
}

#[test]
fn rewriting_the_baseline_prunes_what_is_gone() {
    let dir = project(TEAM);
    let first = written_baseline(dir.path());
    assert!(first.contains("\"code\":\"E004\""), "{first}");
    write(
        dir.path(),
        "kpi-specs/ops.yaml",
        TEAM.replace("wang-fnag", "wang-fang"),
    );
    let run = kpic(
        dir.path(),
        &["check", "--write-baseline", "kpic-baseline.json"],
    );
    assert!(
        run.stderr.ends_with("(1 entry no longer found, pruned)\n"),
        "{}",
        run.stderr
    );
    let second = fs::read_to_string(dir.path().join("kpic-baseline.json")).unwrap();
    assert!(!second.contains("\"code\":\"E004\""), "{second}");
    // Wang Fang's weights are counted now: a finding the first baseline did not have.
    assert!(
        second.contains("\"path\":\"kpis/replies/weight\""),
        "{second}"
    );
    assert_eq!(second.lines().count(), first.lines().count());
}

#[test]
fn sarif_marks_results_new_or_unchanged() {
    let dir = project(TEAM);
    written_baseline(dir.path());
    write(
        dir.path(),
        "kpi-specs/ops.yaml",
        TEAM.replace("\">= 2\"", "\">= 3\""),
    );
    let run = kpic(
        dir.path(),
        &[
            "check",
            "--baseline",
            "kpic-baseline.json",
            "--format",
            "sarif",
        ],
    );
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let results = v["runs"][0]["results"].as_array().unwrap();
    let states: Vec<(&str, &str)> = results
        .iter()
        .map(|r| {
            (
                r["ruleId"].as_str().unwrap(),
                r["baselineState"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(states[0], ("M002", "new"));
    assert!(
        states[1..].iter().all(|(_, s)| *s == "unchanged"),
        "{states:?}"
    );
    assert_eq!(states.len(), 4);
    // Without a baseline, results have no state.
    let run = kpic(dir.path(), &["check", "--format", "sarif"]);
    assert!(!run.stdout.contains("baselineState"));
}

#[test]
fn the_hook_uses_the_baseline_named_in_kpic_yaml() {
    let dir = project(TEAM);
    write(dir.path(), "kpic.yaml", "baseline: kpic-baseline.json\n");
    written_baseline(dir.path());
    common::git(dir.path(), &["init", "-q"]);
    common::git(dir.path(), &["add", "."]);
    common::git(dir.path(), &["commit", "-qm", "specs"]);
    write(dir.path(), "kpi-specs/ops.yaml", TEAM_MOVED);
    // What pre-commit runs: the changed file only.
    let (code, v) = check_json(dir.path(), &["kpi-specs/ops.yaml"]);
    assert_eq!((code, codes(&v)), (0, vec![]), "{v}");
    write(
        dir.path(),
        "kpi-specs/ops.yaml",
        TEAM_MOVED.replace("period: monthly\n    target", "target"),
    );
    let (code, v) = check_json(dir.path(), &["kpi-specs/ops.yaml"]);
    assert_eq!((code, codes(&v)), (1, vec!["T001".to_owned()]), "{v}");
    // Writing the baseline for one file keeps the entries of the others.
    write(
        dir.path(),
        "kpi-specs/owners.yaml",
        "version: 1\nowners:\n  - {id: li-na, name: 李娜, email: 1}\n  - {id: wang-fang, name: W}\n",
    );
    let before = fs::read_to_string(dir.path().join("kpic-baseline.json")).unwrap();
    let run = kpic(
        dir.path(),
        &[
            "check",
            "kpi-specs/ops.yaml",
            "--write-baseline",
            "kpic-baseline.json",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let after = fs::read_to_string(dir.path().join("kpic-baseline.json")).unwrap();
    assert!(after.contains("\"code\":\"T001\""), "{after}");
    assert!(!after.contains("owners.yaml"), "{after}");
    assert_eq!(after.lines().count(), before.lines().count() + 1);
    // The whole workspace: the owners file's new E002 is new.
    let (code, v) = check_json(dir.path(), &[]);
    assert_eq!((code, codes(&v)), (1, vec!["E002".to_owned()]), "{v}");
}

#[test]
fn a_missing_or_broken_baseline_is_an_error() {
    let dir = project(TEAM);
    let run = kpic(dir.path(), &["check", "--baseline", "nope.json"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("cannot read baseline `nope.json`")
            && run.stderr.contains("kpic check --write-baseline nope.json"),
        "{}",
        run.stderr
    );
    write(dir.path(), "bad.json", "{\"version\": 7}");
    let run = kpic(dir.path(), &["check", "--baseline", "bad.json"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("is not a kpic baseline"),
        "{}",
        run.stderr
    );
    write(dir.path(), "kpic.yaml", "baseline: 3\n");
    let run = kpic(dir.path(), &["check"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("`baseline` must be a file name"),
        "{}",
        run.stderr
    );
}
