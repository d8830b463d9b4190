//! `kpic diff`: a real git repository in a temp folder, with commits that add, remove and
//! change KPIs, targets, weights and owners, rename a file and change `kpic.yaml`; the diff
//! in its three formats, worded in each team's language and in English.

mod common;

use std::path::Path;

use common::{Run, kpic};
use serde_json::Value;

/// Replaces `from` by `to` in `file` of `dir`, which must contain it.
fn edit(dir: &Path, file: &str, from: &str, to: &str) {
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{file} has no {from:?}");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

fn commit(dir: &Path, message: &str) {
    common::git(dir, &["add", "-A"]);
    common::git(dir, &["commit", "-qm", message]);
}

/// The bundled workspace in three commits:
/// 1. as bundled;
/// 2. a policy change: a harder target and moved weights for 李娜; in the support team (its
///    file renamed) a harder response time, a KPI removed, a KPI added without a source
///    (M003), a KPI and the help-center duty reassigned; an owner added;
/// 3. `kpic.yaml` turns M003 off (the finding is fixed).
fn repository() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    common::copy_dir(
        &common::repo_root().join("kpi-specs"),
        &root.join("kpi-specs"),
    );
    common::git(root, &["init", "-q"]);
    commit(root, "bundled");

    let ops = "kpi-specs/ecommerce-ops.yaml";
    edit(root, ops, "target: 不少于2份", "target: 不少于3份");
    edit(root, ops, "    weight: 60\n", "    weight: 40\n");
    edit(
        root,
        ops,
        "    due: P14D\n    weight: 40\n",
        "    due: P14D\n    weight: 60\n",
    );
    common::git(
        root,
        &[
            "mv",
            "kpi-specs/support.yaml",
            "kpi-specs/customer-support.yaml",
        ],
    );
    let support = "kpi-specs/customer-support.yaml";
    edit(root, support, "target: \"<= 4 h\"", "target: \"<= 3 h\"");
    edit(root, support, "    weight: 60\n", "    weight: 70\n");
    let reopen_start = "  - id: ticket-reopen-rate\n";
    let text = std::fs::read_to_string(root.join(support)).unwrap();
    let at = text.find(reopen_start).unwrap();
    let end = at + text[at..].find("  - id: help-articles-reviewed").unwrap();
    let text = format!("{}{}", &text[..at], &text[end..]).replace(
        "    owner: emma-clark\n    metric: Help center searches",
        "    owner: raj-patel\n    metric: Help center searches",
    );
    std::fs::write(root.join(support), text).unwrap();
    edit(
        root,
        support,
        "    weight: 70\n    source: Help center audit log\n",
        "    weight: 70\n    source: Help center audit log\n  - id: help-articles-published\n    name: New help articles published\n    duty: help-center\n    owner: emma-clark\n    metric: New articles published in the help center\n    target: \">= 6 articles\"\n    period: quarterly\n    weight: 30\n",
    );
    edit(
        root,
        support,
        "    owner: emma-clark\n\nkpis:",
        "    owner: raj-patel\n\nkpis:",
    );
    edit(
        root,
        "kpi-specs/owners.yaml",
        "owners:\n",
        "owners:\n  - id: sam-lee\n    name: Sam Lee\n    title: Support agent\n",
    );
    commit(root, "policy change");

    common::write(root, "kpic.yaml", "rules:\n  missing-source: off\n");
    commit(root, "no M003");
    dir
}

fn diff(dir: &Path, args: &[&str]) -> Run {
    let mut all = vec!["diff"];
    all.extend_from_slice(args);
    let run = kpic(dir, &all);
    assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
    assert_eq!(run.stderr, "", "{args:?}");
    run
}

#[test]
fn a_policy_change_in_three_formats_and_two_languages() {
    let repo = repository();
    let dir = repo.path();
    let range = ["HEAD~2", "HEAD~1"];
    for format in ["human", "markdown", "json"] {
        let own = diff(dir, &[range[0], range[1], "--format", format]);
        insta::assert_snapshot!(format!("policy_change_{format}"), own.stdout);
        let english = diff(
            dir,
            &[range[0], range[1], "--format", format, "--lang", "en"],
        );
        insta::assert_snapshot!(format!("policy_change_{format}_en"), english.stdout);
    }
}

#[test]
fn what_the_json_says_of_each_change() {
    let repo = repository();
    let run = diff(repo.path(), &["HEAD~2", "HEAD~1", "--format", "json"]);
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    let team = |id: &str| {
        v["teams"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == id)
            .unwrap_or_else(|| panic!("no team {id}: {v}"))
            .clone()
    };
    let kpi = |t: &Value, owner: &str, id: &str| {
        t["people"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["owner"]["id"] == owner)
            .and_then(|p| p["kpis"].as_array().unwrap().iter().find(|k| k["id"] == id))
            .unwrap_or_else(|| panic!("no {id} under {owner}: {t}"))
            .clone()
    };
    let change = |k: &Value, field: &str| {
        k["changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["field"] == field)
            .unwrap_or_else(|| panic!("no {field} change: {k}"))
            .clone()
    };
    let ops = team("ecommerce-ops");
    assert_eq!(ops["lang"], "zh-CN");
    let reports = kpi(&ops, "li-na", "market-research-reports");
    assert_eq!(reports["status"], "changed");
    let target = change(&reports, "target");
    assert_eq!(target["from"]["text"], "不少于2份");
    assert_eq!(target["to"]["text"], "不少于3份");
    assert_eq!(target["effect"], "harder");
    let weight = change(&reports, "weight");
    assert_eq!(
        (weight["from"].clone(), weight["to"].clone()),
        (60.into(), 40.into())
    );

    let support = team("customer-support");
    // Lower is better: from 4 h to 3 h is harder.
    let response = change(&kpi(&support, "raj-patel", "first-response-time"), "target");
    assert_eq!(response["effect"], "harder");
    assert_eq!(
        kpi(&support, "raj-patel", "ticket-reopen-rate")["status"],
        "removed"
    );
    assert_eq!(
        kpi(&support, "emma-clark", "help-articles-published")["status"],
        "added"
    );
    let moved = kpi(&support, "raj-patel", "search-success-rate");
    let owner = change(&moved, "owner");
    assert_eq!(
        (owner["from"].as_str(), owner["to"].as_str()),
        (Some("emma-clark"), Some("raj-patel"))
    );
    let duty = support["duties"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == "help-center")
        .unwrap()
        .clone();
    assert_eq!(change(&duty, "owner")["to"], "raj-patel");
    assert_eq!(v["owners_added"][0]["id"], "sam-lee");
    assert_eq!(v["owners_removed"], Value::Array(vec![]));
    // The renamed file is the same team: no team added or removed.
    assert!(
        v["teams"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t.get("status").is_none()),
        "{v}"
    );
    let introduced: Vec<&str> = v["findings_introduced"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert!(introduced.contains(&"M003"), "{introduced:?}");
    assert_eq!(v["findings_fixed"], Value::Array(vec![]));
}

#[test]
fn the_revisions_own_kpic_yaml_is_used_on_each_side() {
    let repo = repository();
    let run = diff(repo.path(), &["HEAD~1", "HEAD", "--format", "json"]);
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    // Only kpic.yaml changed: no policy change, and the M003 is fixed.
    assert_eq!(v["teams"], Value::Array(vec![]), "{v}");
    let fixed: Vec<&str> = v["findings_fixed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert_eq!(fixed, ["M003"]);
    assert_eq!(v["findings_introduced"], Value::Array(vec![]));
}

#[test]
fn the_working_tree_against_head_by_default_and_moved_text_is_no_new_finding() {
    let repo = repository();
    let dir = repo.path();
    assert!(diff(dir, &[]).stdout.contains("No change to the policy"));
    // Lines and comments above every KPI, and the M003 back on: the findings of HEAD~1 are
    // found again, at other lines; against HEAD~1 nothing is new or fixed.
    std::fs::remove_file(dir.join("kpic.yaml")).unwrap();
    for file in [
        "kpi-specs/customer-support.yaml",
        "kpi-specs/ecommerce-ops.yaml",
    ] {
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        let moved = text.replace("  - id: ", "  # moved down\n\n  - id: ");
        std::fs::write(dir.join(file), moved).unwrap();
    }
    let v: Value =
        serde_json::from_str(&diff(dir, &["HEAD~1", "--format", "json"]).stdout).unwrap();
    assert_eq!(v["findings_introduced"], Value::Array(vec![]), "{v}");
    assert_eq!(v["findings_fixed"], Value::Array(vec![]), "{v}");
    assert_eq!(v["teams"], Value::Array(vec![]), "{v}");
    // A changed value is a change.
    edit(
        dir,
        "kpi-specs/customer-support.yaml",
        "\"<= 3 h\"",
        "\"<= 5 h\"",
    );
    let human = diff(dir, &["HEAD~1"]).stdout;
    assert!(
        human.contains("target: <= 3 h → <= 5 h (easier)"),
        "{human}"
    );
}

#[test]
fn fail_on_new_findings_exits_1_only_when_the_head_adds_findings() {
    let repo = repository();
    let dir = repo.path();
    let added = kpic(dir, &["diff", "HEAD~2", "HEAD~1", "--fail-on-new-findings"]);
    assert_eq!(added.code, 1, "{}", added.stderr);
    let fixed = kpic(dir, &["diff", "HEAD~1", "HEAD", "--fail-on-new-findings"]);
    assert_eq!(fixed.code, 0, "{}", fixed.stderr);
    assert_eq!(kpic(dir, &["diff", "HEAD~2", "HEAD~1"]).code, 0);
}

#[test]
fn errors_are_one_line_and_exit_2() {
    let repo = repository();
    let dir = repo.path();
    let plain = tempfile::tempdir().unwrap();
    common::copy_dir(
        &common::repo_root().join("kpi-specs"),
        &plain.path().join("kpi-specs"),
    );
    let empty = tempfile::tempdir().unwrap();
    common::write(empty.path(), "README", "no specs\n");
    common::git(empty.path(), &["init", "-q"]);
    commit(empty.path(), "no specs");
    common::copy_dir(
        &common::repo_root().join("kpi-specs"),
        &empty.path().join("kpi-specs"),
    );
    for (at, args, says) in [
        (plain.path(), vec!["diff"], "is not in a git repository"),
        (
            dir,
            vec!["diff", "no-such-branch"],
            "unknown revision `no-such-branch`",
        ),
        (
            dir,
            vec!["diff", "--", "--upload-pack=x"],
            "unknown revision",
        ),
        (
            empty.path(),
            vec!["diff"],
            "revision `HEAD` has no workspace",
        ),
        (dir, vec!["diff", "--format", "yaml"], "unknown --format"),
    ] {
        let run = kpic(at, &args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert_eq!(run.stdout, "", "{args:?}");
        assert_eq!(run.stderr.lines().count(), 1, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains(says), "{args:?}: {}", run.stderr);
    }
}

#[test]
fn a_revision_cannot_write_or_read_outside_its_folder() {
    // A committed link to a file outside, and a link as a spec: neither is read from the
    // revision (links are not written out), so nothing of the outside file is printed.
    let repo = repository();
    let dir = repo.path();
    let outside = tempfile::tempdir().unwrap();
    common::write(
        outside.path(),
        "secret.yaml",
        "version: 1\nowners:\n  - {id: secret-owner-xyz}\n",
    );
    std::os::unix::fs::symlink(
        outside.path().join("secret.yaml"),
        dir.join("kpi-specs/linked.yaml"),
    )
    .unwrap();
    commit(dir, "a link");
    std::fs::remove_file(dir.join("kpi-specs/linked.yaml")).unwrap();
    let run = diff(dir, &["HEAD", "HEAD", "--format", "json"]);
    assert!(!run.stdout.contains("secret-owner-xyz"), "{}", run.stdout);
    let run = diff(dir, &["HEAD~1", "HEAD", "--format", "json"]);
    assert!(!run.stdout.contains("secret-owner-xyz"), "{}", run.stdout);
}
