//! Findings across files: one broken file does not cascade into findings in the others, and
//! a check of given files (pre-commit) reports what they break elsewhere.

mod common;

use std::path::Path;

use common::{Diag, check_json, diags, git, write};

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

/// Code, file, line and message of each finding.
fn placed(found: &[Diag]) -> Vec<(&str, &str, u64, &str)> {
    found
        .iter()
        .map(|d| (d.code.as_str(), d.file.as_str(), d.line, d.message.as_str()))
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

// ---------------------------------------------------------------------------------------------
// What given files break elsewhere

/// Whether git is installed. A check of given files learns what they were before from git
/// (their version at `HEAD`) and, without git, from the model cache; these tests run either
/// way, so that `cargo test` needs nothing but Rust.
fn has_git() -> bool {
    static GIT: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *GIT.get_or_init(|| {
        std::process::Command::new("git")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

/// `files` under `kpi-specs/` of a fresh folder, as the "before" of the checks that follow
/// ([`snapshot`]).
fn repository(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = workspace(files);
    snapshot(dir.path());
    dir
}

/// Makes the files as they are now what a check of given files compares them with: a commit
/// (in a git repository, made when missing); without git, an entry in the model cache for
/// every file (two checks of given files: each keeps the models of the others).
fn snapshot(dir: &Path) {
    if has_git() {
        if !dir.join(".git").exists() {
            git(dir, &["init", "-q", "-b", "main"]);
        }
        git(dir, &["add", "-A"]);
        git(dir, &["commit", "-q", "--allow-empty", "-m", "specs"]);
        return;
    }
    let mut names: Vec<String> = std::fs::read_dir(dir.join("kpi-specs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    for name in names.iter().take(2) {
        check(dir, &[&format!("kpi-specs/{name}")]);
    }
}

/// A KPI line of `owner`, measuring duty `duty`, with `weight`: nothing else to report.
fn kpi(id: &str, duty: &str, owner: &str, weight: u32) -> String {
    format!(
        "  - {{id: {id}, name: {id}, duty: {duty}, owner: {owner}, metric: m, target: \">= 2 reports\", period: monthly, source: s, weight: {weight}}}\n"
    )
}

/// A file of team `team` with `kpis` (lines from [`kpi`]).
fn team(team: &str, kpis: &[String]) -> String {
    format!(
        "version: 1\nteam: {{id: {team}, name: {team}, review: quarterly}}\nkpis:\n{}",
        kpis.concat()
    )
}

const PEOPLE: &str = "version: 1
owners:
  - {id: kim-ray, name: Kim}
  - {id: li-na, name: Li}
";

const DUTIES: &str = "version: 1
team: {id: core, name: Core, review: quarterly}
duties:
  - {id: reporting, name: Reporting, owner: li-na}
  - {id: support, name: Support, owner: kim-ray}
";

/// The workspace the pre-commit cases start from: owners, duties and two teams whose KPIs
/// reference them; it checks clean.
fn people_and_teams() -> tempfile::TempDir {
    let dir = repository(&[
        ("people.yaml", PEOPLE),
        ("duties.yaml", DUTIES),
        (
            "ops.yaml",
            &team(
                "ops",
                &[
                    kpi("k1", "reporting", "kim-ray", 50),
                    kpi("k2", "support", "li-na", 50),
                ],
            ),
        ),
        (
            "sales.yaml",
            &team(
                "sales",
                &[
                    kpi("k3", "support", "kim-ray", 50),
                    kpi("k4", "reporting", "li-na", 50),
                ],
            ),
        ),
    ]);
    let (code, found) = check(dir.path(), &[]);
    assert_eq!((code, found.len()), (0, 0), "{found:#?}");
    dir
}

/// `kpic check FILE` with and without the model cache (the second run of each reads what the
/// first wrote; without git, with the cache only): the findings of every run, which must all
/// be the same. The files are two
/// seconds old by then, so the second run trusts the cache's entries of the unchanged files
/// and reads only what the findings need.
fn check_given(dir: &Path, file: &str) -> (i32, Vec<Diag>) {
    std::thread::sleep(std::time::Duration::from_millis(2100));
    // Without git, a check without the cache cannot know what the file was before.
    let runs = if has_git() {
        &[&[][..], &[], &["--no-cache"]][..]
    } else {
        &[&[][..], &[]][..]
    };
    let runs: Vec<(i32, Vec<Diag>)> = runs
        .iter()
        .map(|extra| {
            let mut args = vec![file];
            args.extend(*extra);
            check(dir, &args)
        })
        .collect();
    let shown = |r: &(i32, Vec<Diag>)| format!("{} {:?}", r.0, codes(&r.1));
    for r in &runs[1..] {
        assert_eq!(shown(r), shown(&runs[0]), "with and without the cache");
    }
    runs.into_iter().next().unwrap()
}

/// Writes `kpi-specs/<name>` and runs [`check_given`] on it.
fn change(dir: &Path, name: &str, text: impl AsRef<[u8]>) -> (i32, Vec<Diag>) {
    let file = format!("kpi-specs/{name}");
    write(dir, &file, text);
    check_given(dir, &file)
}

#[test]
fn removing_an_owner_that_other_files_reference_is_reported_there() {
    let dir = people_and_teams();
    let (code, found) = change(
        dir.path(),
        "people.yaml",
        "version: 1\nowners:\n  - {id: li-na, name: Li}\n",
    );
    assert_eq!(code, 1);
    assert_eq!(
        codes(&found),
        [
            ("E004", "kpi-specs/duties.yaml", 5),
            ("E004", "kpi-specs/ops.yaml", 4),
            ("E004", "kpi-specs/sales.yaml", 4)
        ],
        "{found:#?}"
    );
    for d in &found {
        assert_eq!(
            d.message,
            "owner `kim-ray` is no longer defined: it was removed from kpi-specs/people.yaml"
        );
    }
}

#[test]
fn renaming_an_owner_or_a_duty_names_the_new_id() {
    let dir = people_and_teams();
    write(
        dir.path(),
        "kpi-specs/people.yaml",
        PEOPLE.replace("kim-ray", "kim-rae"),
    );
    let (code, v) = check_json(dir.path(), &["kpi-specs/people.yaml"]);
    assert_eq!(code, 1);
    let found = diags(&v);
    assert_eq!(found.len(), 3, "{found:#?}");
    assert_eq!(
        found[0].message,
        "owner `kim-ray` is no longer defined: it was renamed to `kim-rae` in kpi-specs/people.yaml"
    );
    assert_eq!(v["diagnostics"][0]["help"], "write `kim-rae`");

    write(dir.path(), "kpi-specs/people.yaml", PEOPLE);
    let (code, found) = change(
        dir.path(),
        "duties.yaml",
        DUTIES.replace("id: support", "id: helpdesk"),
    );
    assert_eq!(code, 1);
    // (The renamed duty has no KPI yet: R002 in the given file itself.)
    assert_eq!(
        codes(&found),
        [
            ("R002", "kpi-specs/duties.yaml", 5),
            ("E004", "kpi-specs/ops.yaml", 5),
            ("E004", "kpi-specs/sales.yaml", 4)
        ],
        "{found:#?}"
    );
    assert_eq!(
        found[1].message,
        "duty `support` is no longer defined: it was renamed to `helpdesk` in kpi-specs/duties.yaml"
    );
}

#[test]
fn moving_weights_so_an_owner_s_sum_is_not_100_is_reported_where_the_sum_is() {
    let dir = people_and_teams();
    // `li-na`'s first weight is in `ops.yaml`: R003 is reported there, caused by sales.yaml.
    let (code, found) = change(
        dir.path(),
        "sales.yaml",
        team(
            "sales",
            &[
                kpi("k3", "support", "kim-ray", 50),
                kpi("k4", "reporting", "li-na", 30),
            ],
        ),
    );
    assert_eq!(code, 1);
    assert_eq!(
        codes(&found),
        [("R003", "kpi-specs/ops.yaml", 5)],
        "{found:#?}"
    );
    assert_eq!(
        found[0].message,
        "the KPI weights of owner `li-na` sum to 80, not 100 (caused by the change to kpi-specs/sales.yaml)"
    );
}

#[test]
fn an_owner_s_kpis_over_the_limit_are_reported_where_the_limit_is_passed() {
    let mut ops: Vec<String> = (0..7)
        .map(|i| kpi(&format!("o{i}"), "reporting", "li-na", 10))
        .collect();
    ops.push(kpi("o7", "support", "kim-ray", 100));
    let dir = repository(&[
        ("people.yaml", PEOPLE),
        ("duties.yaml", DUTIES),
        ("ops.yaml", &team("ops", &ops)),
        (
            "aa.yaml",
            &team("aa", &[kpi("a1", "reporting", "chen", 100)]),
        ),
        (
            "chen.yaml",
            "version: 1\nowners:\n  - {id: chen, name: Chen}\n",
        ),
    ]);
    // `aa.yaml` (first by name) gives `li-na` an eighth KPI (the weights still sum to 100):
    // the eighth in workspace order is in `ops.yaml`.
    let (code, found) = change(
        dir.path(),
        "aa.yaml",
        team("aa", &[kpi("a1", "reporting", "li-na", 30)]),
    );
    assert_eq!(code, 0, "A004 is a warning");
    assert_eq!(
        codes(&found),
        [("A004", "kpi-specs/ops.yaml", 10)],
        "{found:#?}"
    );
    assert_eq!(
        found[0].message,
        "owner `li-na` is accountable for 8 KPIs, more than 7; `o6` is number 8 (caused by the change to kpi-specs/aa.yaml)"
    );
}

#[test]
fn a_duty_that_no_kpi_measures_any_more_is_reported_in_its_file() {
    let dir = people_and_teams();
    // `support` was measured by k2 (ops) and k3 (sales); both move to `reporting`.
    write(
        dir.path(),
        "kpi-specs/ops.yaml",
        team(
            "ops",
            &[
                kpi("k1", "reporting", "kim-ray", 50),
                kpi("k2", "reporting", "li-na", 50),
            ],
        ),
    );
    write(
        dir.path(),
        "kpi-specs/sales.yaml",
        team(
            "sales",
            &[
                kpi("k3", "reporting", "kim-ray", 50),
                kpi("k4", "reporting", "li-na", 50),
            ],
        ),
    );
    // Only ops.yaml is given: it measured `support` at HEAD, and nothing measures it now.
    let (code, found) = check_given(dir.path(), "kpi-specs/ops.yaml");
    assert_eq!(code, 0, "R002 is a warning");
    assert_eq!(
        codes(&found),
        [("R002", "kpi-specs/duties.yaml", 5)],
        "{found:#?}"
    );
    assert_eq!(
        found[0].message,
        "duty `support` has no KPI that measures it (caused by the change to kpi-specs/ops.yaml)"
    );
}

#[test]
fn a_given_file_that_defines_an_id_of_another_file_gets_e003() {
    let dir = people_and_teams();
    let (code, found) = change(
        dir.path(),
        "sales.yaml",
        team(
            "sales",
            &[
                kpi("k1", "support", "kim-ray", 50),
                kpi("k4", "reporting", "li-na", 50),
            ],
        ),
    );
    assert_eq!(code, 1);
    assert_eq!(
        codes(&found),
        [("E003", "kpi-specs/sales.yaml", 4)],
        "{found:#?}"
    );
}

#[test]
fn findings_in_other_files_that_the_given_files_do_not_cause_stay_unreported() {
    let dir = people_and_teams();
    // Other files with findings of their own, committed: a KPI without a period (T001), an
    // owner whose weights do not add up (R003, in a file first by name), a missing owner.
    write(
        dir.path(),
        "kpi-specs/aaa.yaml",
        "version: 1\nteam: {id: aaa, name: A, review: quarterly}\nkpis:\n  - {id: x1, name: X, duty: reporting, owner: zhao, metric: m, target: \">= 2 reports\", source: s, weight: 40}\n  - {id: x2, name: X2, duty: reporting, owner: ghost, metric: m, target: \">= 2 reports\", period: monthly, source: s}\n",
    );
    let zhao = |name: &str, metric: &str| {
        format!(
            "version: 1\nteam: {{id: z, name: Z, review: quarterly}}\nowners:\n  - {{id: zhao, name: {name}}}\nduties:\n  - {{id: zd, name: ZD, owner: zhao}}\nkpis:\n  - {{id: z1, name: Z1, duty: zd, owner: zhao, metric: {metric}, target: \">= 2 reports\", period: monthly, source: s, weight: 10}}\n"
        )
    };
    write(dir.path(), "kpi-specs/zhao.yaml", zhao("Zhao", "m"));
    snapshot(dir.path());
    // A change to the given file that touches none of it: `zhao`'s name and the metric of
    // their KPI (the weights of `zhao`, reported in aaa.yaml, are as wrong as they were).
    let (code, found) = change(dir.path(), "zhao.yaml", zhao("Zhao Lei", "reports filed"));
    assert_eq!((code, codes(&found)), (0, vec![]), "{found:#?}");
    let (_, all) = check(dir.path(), &[]);
    assert_eq!(
        codes(&all),
        [
            ("T001", "kpi-specs/aaa.yaml", 4),
            ("R003", "kpi-specs/aaa.yaml", 4),
            ("E004", "kpi-specs/aaa.yaml", 5)
        ],
        "the findings are there, in files the change did not touch"
    );
    // Outside a git work tree and without a cache, nothing is known of the file before: the
    // check reports on the given file only, as before.
    let _ = std::fs::remove_dir_all(dir.path().join(".git"));
    write(
        dir.path(),
        "kpi-specs/people.yaml",
        "version: 1\nowners:\n  - {id: li-na, name: Li}\n",
    );
    let (code, found) = check(dir.path(), &["--no-cache", "kpi-specs/people.yaml"]);
    assert_eq!((code, codes(&found)), (0, vec![]), "{found:#?}");
}

#[test]
fn a_given_file_that_no_longer_parses_holds_the_references_to_its_ids() {
    let dir = people_and_teams();
    let (code, found) = change(
        dir.path(),
        "people.yaml",
        "version: 1\nowners: [\n  {id: kim-ray, name: Kim},\n  {id: li-na, name: Li}\n",
    );
    assert_eq!(code, 1);
    // Not an E004 for each of the six references: they wait on the file.
    assert_eq!(
        codes(&found),
        [("E001", "kpi-specs/people.yaml", 5)],
        "{found:#?}"
    );
    assert!(
        found[0]
            .message
            .ends_with("(6 references in other files wait on it)"),
        "{}",
        found[0].message
    );
}

#[test]
fn a_suppression_in_the_other_file_silences_what_the_given_file_causes_there() {
    let dir = people_and_teams();
    write(
        dir.path(),
        "kpi-specs/ops.yaml",
        format!(
            "version: 1\nteam: {{id: ops, name: ops, review: quarterly}}\nkpis:\n  # kpic: ignore[E004] -- kim is leaving\n{}{}  # kpic: ignore[T001] -- unused, but not reported: ops.yaml is not checked\n",
            kpi("k1", "reporting", "kim-ray", 50),
            kpi("k2", "support", "li-na", 50)
        ),
    );
    snapshot(dir.path());
    let (code, found) = change(
        dir.path(),
        "people.yaml",
        "version: 1\nowners:\n  - {id: li-na, name: Li}\n",
    );
    assert_eq!(code, 1);
    assert_eq!(
        codes(&found),
        [
            ("E004", "kpi-specs/duties.yaml", 5),
            ("E004", "kpi-specs/sales.yaml", 4)
        ],
        "{found:#?}"
    );
}

#[test]
fn removing_thousands_of_referenced_owners_is_reported_without_a_hang() {
    // 20,000 owners; a team references 10,000 of them. The given file drops those 10,000:
    // each reference is E004, and only the first 200 distinct IDs get a did-you-mean (each
    // searched among 10,000 IDs), as for E004 in a given file.
    let owners = |range: std::ops::Range<usize>| -> String {
        let mut text = String::from("version: 1\nowners:\n");
        for i in range {
            text.push_str(&format!("  - {{id: person-{i:05}, name: P{i}}}\n"));
        }
        text
    };
    let mut team = String::from("version: 1\nteam: {id: t, name: T, review: quarterly}\nduties:\n");
    for i in 0..10_000 {
        team.push_str(&format!(
            "  - {{id: d{i}, name: D, owner: person-{i:05}}}\n"
        ));
    }
    let dir = repository(&[("people.yaml", &owners(0..20_000)), ("team.yaml", &team)]);
    write(dir.path(), "kpi-specs/people.yaml", owners(10_000..20_000));
    let run = common::kpic_with(
        dir.path(),
        &[
            "check",
            "--format",
            "json",
            "--select",
            "E004",
            "kpi-specs/people.yaml",
        ],
        common::Options {
            timeout: Some(std::time::Duration::from_secs(60)),
            ..Default::default()
        },
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let v = common::json_of(&run);
    let found = diags(&v);
    assert_eq!(found.len(), 10_000);
    assert!(found.iter().all(|d| d.file == "kpi-specs/team.yaml"));
    let helps: Vec<&str> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["help"].as_str().unwrap())
        .collect();
    assert_eq!(helps[0], "did you mean `person-10000`?");
    assert!(helps[9_999].starts_with("define owner"), "{}", helps[9_999]);
}

/// Teams and objectives whose parents run through other files, an objective served only from
/// another file, and a `supports` with a typo of an objective defined elsewhere: a check of
/// one file finds the same with the cache (which then loads the files on the parent chain) as
/// without it.
#[test]
fn a_given_file_gets_cycles_alignment_and_references_across_files() {
    let kpi = |id: &str, supports: &str| {
        format!(
            "  - {{id: {id}, name: K, duty: d-{id}, owner: o-{id}, metric: m, target: \">= 2 reports\", period: monthly, weight: 100, source: s, supports: [{supports}]}}\n"
        )
    };
    let team = |id: &str, parent: &str, objectives: &str, k: &str, supports: &str| {
        format!(
            "version: 1\nteam: {{id: {id}, name: T, review: quarterly, parent: {parent}}}\nowners:\n  - {{id: o-{k}, name: O}}\nobjectives:\n{objectives}duties:\n  - {{id: d-{k}, name: D, owner: o-{k}}}\nkpis:\n{}",
            kpi(k, supports)
        )
    };
    let dir = workspace(&[
        (
            "a.yaml",
            &team(
                "team-a",
                "team-b",
                "  - {id: top, name: Top}\n  - {id: loop-1, name: L1, parent: loop-2}\n",
                "ka",
                "grow-repeat",
            ),
        ),
        (
            "b.yaml",
            &team(
                "team-b",
                "team-c",
                "  - {id: loop-2, name: L2, parent: loop-1}\n",
                "kb",
                "loop-2",
            ),
        ),
        (
            "c.yaml",
            &team(
                "team-c",
                "team-a",
                "  - {id: grow-repeat-buyers, name: G, parent: top}\n",
                "kc",
                "grow-repeat-buyers",
            ),
        ),
    ]);
    let (code, found) = check_given(dir.path(), "kpi-specs/a.yaml");
    assert_eq!(code, 1);
    let got: Vec<(&str, &str)> = found
        .iter()
        .map(|d| (d.code.as_str(), d.message.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (
                "E005",
                "team `team-a` is its own ancestor: team-a → team-b → team-c → team-a"
            ),
            (
                "E005",
                "objective `loop-1` is its own ancestor: loop-1 → loop-2 → loop-1"
            ),
            (
                "E004",
                "KPI `ka` has unknown supported objective `grow-repeat`"
            ),
        ],
        "{found:#?}"
    );
}

/// Objectives and a team that KPIs, objectives and teams in other files reference: removing
/// one objective, renaming another and renaming the parent team are reported where the
/// references are, as for owners and duties, with the model cache (which must load the
/// referencing file) as without it.
#[test]
fn removing_or_renaming_objectives_and_teams_is_reported_where_they_are_referenced() {
    let goals = "version: 1
team: {id: company, name: Company, review: yearly}
owners:
  - {id: boss, name: Boss}
objectives:
  - {id: growth, name: Growth, owner: boss}
  - {id: quality, name: Quality, owner: boss}
";
    let sales = "version: 1
team: {id: sales, name: Sales, review: quarterly, parent: company}
objectives:
  - {id: more-orders, name: More orders, owner: boss, parent: growth}
duties:
  - {id: selling, name: Selling, owner: boss}
kpis:
  - {id: orders, name: Orders, duty: selling, owner: boss, metric: m, target: \">= 2 orders\", period: monthly, source: s, weight: 100, supports: [more-orders, quality]}
";
    let dir = repository(&[("goals.yaml", goals), ("sales.yaml", sales)]);
    let (code, found) = check(dir.path(), &[]);
    assert_eq!((code, found.len()), (0, 0), "{found:#?}");
    let (code, found) = change(
        dir.path(),
        "goals.yaml",
        goals
            .replace("id: company", "id: head-office")
            .replace("id: growth", "id: expansion")
            .replace("  - {id: quality, name: Quality, owner: boss}\n", ""),
    );
    assert_eq!(code, 1);
    let got = placed(&found);
    // (The renamed objective serves nothing now: R005 in the given file itself.)
    assert_eq!(
        got,
        [
            (
                "R005",
                "kpi-specs/goals.yaml",
                6,
                "objective `expansion` has no KPI that supports it"
            ),
            (
                "E004",
                "kpi-specs/sales.yaml",
                2,
                "team `company` is no longer defined: it was renamed to `head-office` in kpi-specs/goals.yaml"
            ),
            (
                "E004",
                "kpi-specs/sales.yaml",
                4,
                "objective `growth` is no longer defined: it was renamed to `expansion` in kpi-specs/goals.yaml"
            ),
            (
                "E004",
                "kpi-specs/sales.yaml",
                8,
                "objective `quality` is no longer defined: it was removed from kpi-specs/goals.yaml"
            ),
        ],
        "{found:#?}"
    );
}

/// A spec file deleted since `HEAD` (staged or not) is part of the change even though no one
/// passes it (pre-commit passes only the files that exist): the references elsewhere to what
/// it defined are reported, as for a file whose items were removed; a renamed file
/// (`git mv`) breaks nothing; a file deleted outside the workspace's `paths` is none of its
/// business.
#[test]
fn deleting_a_spec_file_that_others_reference_is_reported_there() {
    if !has_git() {
        eprintln!("skipped: needs git");
        return;
    }
    let dir = people_and_teams();
    write(dir.path(), "notes/old.yaml", "a: 1\n");
    snapshot(dir.path());
    git(dir.path(), &["rm", "-q", "notes/old.yaml"]);
    // A rename is no removal.
    git(
        dir.path(),
        &["mv", "kpi-specs/people.yaml", "kpi-specs/staff.yaml"],
    );
    let (code, found) = check_given(dir.path(), "kpi-specs/ops.yaml");
    assert_eq!((code, found.len()), (0, 0), "{found:#?}");
    git(
        dir.path(),
        &["mv", "kpi-specs/staff.yaml", "kpi-specs/people.yaml"],
    );
    // Deleted and staged, and the commit touches another file.
    git(dir.path(), &["rm", "-q", "kpi-specs/people.yaml"]);
    let (code, found) = change(
        dir.path(),
        "sales.yaml",
        team(
            "sales",
            &[
                kpi("k3", "support", "li-na", 50),
                kpi("k4", "reporting", "li-na", 50),
            ],
        ),
    );
    assert_eq!(code, 1);
    let mut got = placed(&found);
    got.retain(|d| d.1 != "kpi-specs/sales.yaml");
    let gone = |id: &str| {
        format!("owner `{id}` is no longer defined: it was removed from kpi-specs/people.yaml")
    };
    let (kim, li) = (gone("kim-ray"), gone("li-na"));
    assert_eq!(
        got,
        [
            ("E004", "kpi-specs/duties.yaml", 4, li.as_str()),
            ("E004", "kpi-specs/duties.yaml", 5, kim.as_str()),
            ("E004", "kpi-specs/ops.yaml", 4, kim.as_str()),
            ("E004", "kpi-specs/ops.yaml", 5, li.as_str()),
        ],
        "{found:#?}"
    );
    // Deleted but not staged: the same.
    git(
        dir.path(),
        &["reset", "-q", "HEAD", "--", "kpi-specs/people.yaml"],
    );
    let (code, again) = check_given(dir.path(), "kpi-specs/sales.yaml");
    assert_eq!(code, 1);
    assert_eq!(codes(&again), codes(&found));
}
