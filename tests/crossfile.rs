//! Findings across files: one broken file does not cascade into findings in the others, and
//! a check of given files (pre-commit) reports what they break elsewhere.

mod common;

use std::path::Path;

use common::{Diag, check_json, diags, write};

/// Writes `files` (name, text) under `kpi-specs/` of a fresh folder.
fn workspace(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        write(dir.path(), &format!("kpi-specs/{name}"), text);
    }
    dir
}

/// The findings of `kpic check --format json ARGS` in `dir`, with the exit code.
fn check(dir: &Path, args: &[&str]) -> (i32, Vec<Diag>) {
    let (code, v) = check_json(dir, args);
    (code, diags(&v))
}

fn codes(found: &[Diag]) -> Vec<(&str, &str, u64)> {
    found
        .iter()
        .map(|d| (d.code.as_str(), d.file.as_str(), d.line))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// One broken file does not cascade

#[test]
fn a_duplicate_key_is_reported_and_the_file_is_still_checked() {
    let dir = workspace(&[
        (
            "a.yaml",
            "version: 1
team:
  id: ta
  name: A
  name: A again
  review: quarterly
owners:
  - {id: o, name: O}
duties:
  - {id: d, name: D, owner: o}
kpis:
  - {id: k, name: K, duty: d, owner: o, metric: m, target: \">= 2 reports\", source: s}
",
        ),
        (
            "b.yaml",
            "version: 1
team: {id: tb, name: B, review: quarterly}
kpis:
  - {id: k2, name: K2, duty: d, owner: o, metric: m, target: \">= 2 reports\", period: monthly, source: s}
",
        ),
    ]);
    let (code, found) = check(dir.path(), &[]);
    assert_eq!(code, 1);
    // The duplicate at its second key; the KPI after it is still checked (no period: T001);
    // `b.yaml` finds the duty and the owner defined in `a.yaml`.
    assert_eq!(
        codes(&found),
        [
            ("E001", "kpi-specs/a.yaml", 5),
            ("T001", "kpi-specs/a.yaml", 12)
        ],
        "{found:#?}"
    );
    assert_eq!(found[0].message, "duplicate key `name` in a mapping");
    assert_eq!(found[0].column, 3);
}

#[test]
fn references_to_ids_in_a_file_that_does_not_parse_wait_on_it() {
    let dir = workspace(&[
        // Not YAML: the list is never closed. It would define `kim-ray` and `chen-jie`.
        (
            "people.yaml",
            "version: 1\nowners: [\n  {id: kim-ray, name: Kim},\n  {id: chen-jie, name: Chen},\n",
        ),
        ("more.yaml", "version: 1\nowners:\n  - {id: li-na, name: Li}\n"),
        (
            "team.yaml",
            "version: 1
team: {id: t, name: T, review: quarterly, lead: kim-ray}
duties:
  - {id: d, name: D, owner: chen-jie}
kpis:
  - {id: k1, name: K1, duty: d, owner: kim-ray, metric: m, target: \">= 2 reports\", period: monthly, source: s}
  - {id: k2, name: K2, duty: d, owner: li-nq, metric: m, target: \">= 2 reports\", period: monthly, source: s}
",
        ),
    ]);
    let (code, v) = check_json(dir.path(), &[]);
    assert_eq!(code, 1);
    let found = diags(&v);
    // Three references wait on `people.yaml` (its IDs are in its text); the typo `li-nq`, in no
    // file, is still E004 with its did-you-mean.
    assert_eq!(
        codes(&found),
        [
            ("E001", "kpi-specs/people.yaml", 5),
            ("E004", "kpi-specs/team.yaml", 7)
        ],
        "{found:#?}"
    );
    assert!(
        found[0]
            .message
            .ends_with(" (3 references in other files wait on it)"),
        "{}",
        found[0].message
    );
    assert_eq!(v["diagnostics"][1]["help"], "did you mean `li-na`?");
}
