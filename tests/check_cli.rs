//! `kpic check`: the pipeline from spec files to exact diagnostics, run through the real binary.

mod common;

use std::path::{Path, PathBuf};

use common::{check_json, copy_dir, diags, kpic, repo_root};
use serde_json::Value;

/// Copies `tests/fixtures/check/<name>` into a fresh temp folder.
fn fixture(name: &str) -> tempfile::TempDir {
    common::fixture(&format!("check/{name}"))
}

/// Runs `check --format json` on `paths`, only the structural rules, and returns the JSON.
fn json(dir: &Path, paths: &[&str]) -> (i32, Value) {
    let mut args = vec!["--select", "E001,E002,E003,E004"];
    args.extend(paths);
    check_json(dir, &args)
}

/// `(code, file, line, column)` of every diagnostic.
fn places(v: &Value) -> Vec<(String, String, u64, u64)> {
    diags(v)
        .into_iter()
        .map(|d| (d.code, d.file, d.line, d.column))
        .collect()
}

fn place(code: &str, file: &str, line: u64, column: u64) -> (String, String, u64, u64) {
    (code.into(), file.into(), line, column)
}

#[test]
fn e001_syntax_error_and_duplicate_key_each_give_one_diagnostic() {
    let dir = fixture("e001");
    let (code, v) = json(dir.path(), &["."]);
    assert_eq!(code, 1);
    assert_eq!(
        places(&v),
        vec![
            place("E001", "duplicate-key.yaml", 5, 5),
            place("E001", "syntax.yaml", 5, 1),
        ]
    );
    assert_eq!(v["summary"]["files"], 3, "the valid file is still checked");
    insta::assert_json_snapshot!("e001_json", v);
}

#[test]
fn e002_unknown_key_bad_id_and_columns_after_chinese_text() {
    let dir = fixture("e002");
    let (code, v) = json(dir.path(), &["."]);
    assert_eq!(code, 1);
    // `idd` follows `team: {name: 电商运营部, ` on line 2: 20 characters before it, column 21.
    assert_eq!(
        places(&v),
        vec![
            place("E002", "bad-id.yaml", 3, 9),
            place("E002", "cjk-column.yaml", 2, 8),
            place("E002", "cjk-column.yaml", 2, 21),
            place("E002", "unknown-key.yaml", 6, 5),
        ]
    );
    let diags = v["diagnostics"].as_array().unwrap();
    assert_eq!(diags[3]["help"], "did you mean `target`?");
    assert_eq!(diags[2]["message"], "unknown key `idd` in the team");
    insta::assert_json_snapshot!("e002_json", v);
}

#[test]
fn e003_duplicate_id_across_files_labels_both_places() {
    let dir = fixture("e003");
    let (code, v) = json(dir.path(), &["."]);
    assert_eq!(code, 1);
    assert_eq!(places(&v), vec![place("E003", "b.yaml", 5, 9)]);
    let human = kpic(dir.path(), &["check", "--format", "human", "."]);
    assert!(
        human.stdout.contains("first defined here at a.yaml:3:9"),
        "{}",
        human.stdout
    );
    insta::assert_snapshot!("e003_human", human.stdout);
}

#[test]
fn e004_unknown_references_with_did_you_mean() {
    let dir = fixture("e004");
    let (code, v) = json(dir.path(), &["."]);
    assert_eq!(code, 1);
    assert_eq!(
        places(&v),
        vec![
            place("E004", "team.yaml", 11, 12),
            place("E004", "team.yaml", 12, 27),
        ]
    );
    let diags = v["diagnostics"].as_array().unwrap();
    assert_eq!(diags[0]["help"], "did you mean `li-na`?");
    assert_eq!(diags[0]["rule"], "unknown-reference");
    assert_eq!(diags[0]["end_column"], 17);
    let human = kpic(
        dir.path(),
        &["check", "--format", "human", "--select", "E004", "."],
    );
    insta::assert_snapshot!("e004_human", human.stdout);
}

#[test]
fn given_files_are_reported_but_the_workspace_resolves_references() {
    let dir = tempfile::tempdir().unwrap();
    let specs = dir.path().join("kpi-specs");
    copy_dir(&repo_root().join("tests/fixtures/check/ws"), &specs);
    std::fs::write(specs.join("broken.yaml"), "version: 1\nowners: [\n").unwrap();
    // The whole workspace: the broken file is reported.
    let (code, v) = json(dir.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(
        places(&v),
        vec![place("E001", "kpi-specs/broken.yaml", 3, 1)]
    );
    // Pre-commit mode: only the given file; its owner lives in another file.
    let (code, v) = json(dir.path(), &["kpi-specs/team.yaml"]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["summary"]["files"], 1);
    // A given file whose reference only resolves through the rest of the workspace.
    std::fs::remove_file(specs.join("owners.yaml")).unwrap();
    let (code, v) = json(dir.path(), &["kpi-specs/team.yaml"]);
    assert_eq!(code, 1);
    assert!(
        places(&v)
            .iter()
            .all(|p| p.0 == "E004" && p.1 == "kpi-specs/team.yaml")
    );
}

#[test]
fn json_output_is_sorted_by_file_line_column() {
    let dir = tempfile::tempdir().unwrap();
    for (name, body) in [
        ("b.yaml", "version: 2\n"),
        (
            "a.yaml",
            "version: 1\nowners:\n  - {id: x}\n  - {id: '-bad', name: y}\n",
        ),
    ] {
        std::fs::write(dir.path().join(name), body).unwrap();
    }
    let (_, v) = json(dir.path(), &["b.yaml", "a.yaml"]);
    let got = places(&v);
    let mut sorted = got.clone();
    sorted.sort();
    assert_eq!(got, sorted);
    assert_eq!(got.len(), 3, "{v}");
}

#[test]
fn paths_in_output_are_relative_to_the_working_directory() {
    let dir = fixture("e004");
    let sub: PathBuf = dir.path().join("sub");
    std::fs::create_dir(&sub).unwrap();
    let run = kpic(
        &sub,
        &["check", "--format", "compact", "--select", "E004", ".."],
    );
    assert!(
        run.stdout.starts_with("../team.yaml:11:12:"),
        "{}",
        run.stdout
    );
}

#[test]
fn force_exclude_skips_given_files_outside_the_workspace() {
    let dir = tempfile::tempdir().unwrap();
    let specs = dir.path().join("kpi-specs");
    copy_dir(&repo_root().join("tests/fixtures/check/ws"), &specs);
    let workflows = dir.path().join(".github/workflows");
    std::fs::create_dir_all(&workflows).unwrap();
    std::fs::write(workflows.join("ci.yml"), "on: push\njobs: {}\n").unwrap();
    let given = ["kpi-specs/team.yaml", ".github/workflows/ci.yml"];
    // Without the flag every given file is a spec: the workflow is reported.
    let (code, v) = json(dir.path(), &given);
    assert_eq!(code, 1);
    assert!(
        places(&v).iter().all(|p| p.1 == ".github/workflows/ci.yml"),
        "{v}"
    );
    // With it, only the workspace's own files are checked.
    let mut args = vec!["--force-exclude"];
    args.extend(given);
    let (code, v) = json(dir.path(), &args);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["summary"]["files"], 1);
    // Nothing of the workspace given: nothing to report, and not an error.
    let run = kpic(
        dir.path(),
        &["check", "--force-exclude", ".github/workflows/ci.yml"],
    );
    assert_eq!(
        (run.code, run.stdout.as_str(), run.stderr.as_str()),
        (0, "", "")
    );
}

#[test]
fn schema_messages_name_the_item_and_help_with_common_mistakes() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("team.yaml"),
        "version: 1\nteam: {id: t, name: 团队, review: 每季度}\nowners: [{id: a, name: A}]\n\
         kpis:\n  - {id: k1, name: 满意度, owner: a, period: Monthly, weight: 50%}\n",
    )
    .unwrap();
    let (code, v) = json(dir.path(), &["team.yaml"]);
    assert_eq!(code, 1);
    let found: Vec<(String, Option<String>)> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let text = |k: &str| d[k].as_str().map(str::to_owned);
            (text("message").unwrap(), text("help"))
        })
        .collect();
    let expect = |m: &str, h: &str| (m.to_owned(), Some(h.to_owned()));
    assert_eq!(
        found,
        vec![
            expect(
                "`review: 每季度` is not a known cadence (in the team)",
                "write `review: quarterly`"
            ),
            expect(
                "`period: Monthly` is not a known cadence (in KPI `k1`)",
                "write `period: monthly`"
            ),
            expect(
                "`weight` must be a number, found a string (in KPI `k1`)",
                "write `weight: 50`: weights are percentages already"
            ),
        ]
    );
}

#[test]
fn a_duplicate_id_is_reported_in_the_given_file_whichever_came_first() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(
        &repo_root().join("tests/fixtures/check/e003"),
        &dir.path().join("kpi-specs"),
    );
    // `a.yaml` defines `li-na` first; checking only `a.yaml` still reports the duplicate there.
    let (code, v) = json(dir.path(), &["kpi-specs/a.yaml"]);
    assert_eq!(code, 1, "{v}");
    assert_eq!(places(&v), vec![place("E003", "kpi-specs/a.yaml", 3, 9)]);
    let human = kpic(
        dir.path(),
        &["check", "--format", "human", "kpi-specs/a.yaml"],
    );
    assert!(
        human
            .stdout
            .contains("also defined here at kpi-specs/b.yaml:5:9"),
        "{}",
        human.stdout
    );
    // Checking only `b.yaml` reports it at the second definition, as usual.
    let (_, v) = json(dir.path(), &["kpi-specs/b.yaml"]);
    assert_eq!(places(&v), vec![place("E003", "kpi-specs/b.yaml", 5, 9)]);
}

#[test]
fn human_header_counts_characters_like_every_other_format() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("team.yaml"),
        "version: 1\nteam: {name: 电商运营部, idd: ops}\n",
    )
    .unwrap();
    let compact = kpic(dir.path(), &["check", "--format", "compact", "team.yaml"]);
    assert!(
        compact.stdout.contains("team.yaml:2:21:"),
        "{}",
        compact.stdout
    );
    let human = kpic(dir.path(), &["check", "--format", "human", "team.yaml"]);
    assert!(
        human.stdout.contains("[team.yaml:2:21]"),
        "{}",
        human.stdout
    );
    // The same in the snippets of a bad `kpic.yaml`.
    std::fs::write(
        dir.path().join("kpic.yaml"),
        "vague-words: {extra: [\"提升\"], bad: 1}\n",
    )
    .unwrap();
    let run = kpic(dir.path(), &["check", "team.yaml"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("kpic.yaml:1:30:"), "{}", run.stderr);
    assert!(run.stderr.contains("[kpic.yaml:1:30]"), "{}", run.stderr);
}

#[test]
fn stdin_without_a_name_is_checked_on_its_own() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(
        &repo_root().join("tests/fixtures/check/ws"),
        &dir.path().join("kpi-specs"),
    );
    let owners = std::fs::read_to_string(dir.path().join("kpi-specs/owners.yaml")).unwrap();
    let run = |args: &[&str]| {
        common::kpic_with(
            dir.path(),
            args,
            common::Options {
                stdin: Some(owners.as_bytes()),
                ..Default::default()
            },
        )
    };
    // Named: it replaces its workspace twin, so nothing is defined twice.
    let named = run(&[
        "check",
        "--format",
        "compact",
        "-",
        "--stdin-filename",
        "kpi-specs/owners.yaml",
    ]);
    assert_eq!(
        (named.code, named.stdout.as_str()),
        (0, ""),
        "{}",
        named.stderr
    );
    // Unnamed: kpic cannot know which file it replaces, so the workspace is left out.
    let alone = run(&["check", "--format", "compact", "-"]);
    assert_eq!(
        (alone.code, alone.stdout.as_str()),
        (0, ""),
        "{}",
        alone.stderr
    );
}

#[test]
fn a_folder_named_on_the_command_line_without_specs_is_exit_2() {
    let dir = fixture("ws");
    std::fs::create_dir(dir.path().join("drafts")).unwrap();
    std::fs::write(dir.path().join("drafts/notes.md"), "no specs here").unwrap();
    let run = kpic(dir.path(), &["check", "drafts"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("no spec files in `drafts`"),
        "{}",
        run.stderr
    );
    // Pre-commit passes what is staged: nothing to check there is not an error.
    let run = kpic(dir.path(), &["check", "--force-exclude", "drafts"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn an_id_defined_in_many_files_is_one_finding_on_the_first_file_alone() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("kpi-specs")).unwrap();
    for n in 1..=12 {
        std::fs::write(
            dir.path().join(format!("kpi-specs/f{n:02}.yaml")),
            format!("version: 1\nteam: {{id: t{n}, name: T}}\nkpis:\n  - {{id: dup, name: K}}\n"),
        )
        .unwrap();
    }
    // The whole workspace: one E003 per later definition, each pointing back at the first.
    let (_, v) = json(dir.path(), &[]);
    let all: Vec<_> = diags(&v).into_iter().filter(|d| d.code == "E003").collect();
    assert_eq!(all.len(), 11);
    assert!(all.iter().all(|d| d.message == "KPI ID `dup` is defined twice" && d.file != "kpi-specs/f01.yaml"));
    // Only the first file: the eleven findings land there as one, counting every definition.
    let (code, v) = json(dir.path(), &["kpi-specs/f01.yaml"]);
    assert_eq!(code, 1);
    let one = diags(&v);
    assert_eq!(one.len(), 1, "{v:#}");
    assert_eq!(one[0].message, "KPI ID `dup` is defined 12 times");
    assert_eq!(
        (one[0].file.as_str(), one[0].line),
        ("kpi-specs/f01.yaml", 4)
    );
    assert_eq!(
        v["diagnostics"][0]["help"],
        "give this KPI an ID of its own, or keep one of the 12 definitions"
    );
    // The human report names the other places, ten at most.
    let run = kpic(
        dir.path(),
        &["check", "--select", "E003", "kpi-specs/f01.yaml"],
    );
    assert_eq!(
        run.stdout.matches("also defined here at").count(),
        10,
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("also defined here at kpi-specs/f02.yaml:4:10"),
        "{}",
        run.stdout
    );
}

// ---------------------------------------------------------------------------------------------
// Output that cannot be written: a reader that went away ends the output quietly, any other
// failure is exit 2 with one line.

/// How standard output is broken for a run.
#[derive(Clone, Copy, Debug)]
enum Broken {
    /// A pipe whose reader has gone (`kpic rules | head -1`, after `head` exits).
    ClosedPipe,
    /// A device that refuses every write: no space left.
    Full,
}

/// Runs kpic in `dir` with standard output broken as `how`: the exit code and stderr.
fn run_broken(dir: &Path, args: &[&str], how: Broken) -> (i32, String) {
    let stdout = broken_stream(how);
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_kpic"));
    let out = common::test_env(&mut cmd)
        .args(args)
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .stdout(stdout)
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    let code = out.status.code().expect("killed by a signal");
    assert_ne!(code, 101, "kpic {args:?} panicked ({how:?}):\n{stderr}");
    (code, stderr)
}

/// A stream for a child's stdout or stderr, broken as `how`.
fn broken_stream(how: Broken) -> std::process::Stdio {
    match how {
        Broken::ClosedPipe => {
            let (reader, writer) = std::io::pipe().unwrap();
            drop(reader);
            writer.into()
        }
        Broken::Full => std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap()
            .into(),
    }
}

/// Every command that prints, each with the exit code it has when its output can be written.
fn printing_commands() -> Vec<(Vec<&'static str>, i32)> {
    let mut cases = vec![
        (vec!["rules"], 0),
        (vec!["rules", "--json"], 0),
        (vec!["explain", "T001"], 0),
        (vec!["schema"], 0),
        (vec!["schema", "--config"], 0),
        (vec!["completions", "bash"], 0),
        (vec!["--help"], 0),
        (vec!["--version"], 0),
        (
            vec!["score", "--actuals", "actuals.csv", "--format", "table"],
            0,
        ),
        (
            vec!["score", "--actuals", "actuals.csv", "--format", "markdown"],
            0,
        ),
        (
            vec!["score", "--actuals", "actuals.csv", "--format", "json"],
            0,
        ),
        (vec!["check", "--statistics", "kpi-specs/ops.yaml"], 1),
    ];
    for format in ["human", "compact", "json", "sarif", "github", "junit"] {
        cases.push((vec!["check", "--format", format, "kpi-specs/ops.yaml"], 1));
    }
    cases
}

/// The score fixture, with a finding added to one spec (so `check` has something to print).
fn printing_fixture() -> tempfile::TempDir {
    let dir = common::fixture("score/ws");
    let spec = dir.path().join("kpi-specs/ops.yaml");
    let text = std::fs::read_to_string(&spec).unwrap();
    std::fs::write(&spec, format!("{text}\nunknown-top-level-key: 1\n")).unwrap();
    dir
}

#[test]
fn a_closed_pipe_ends_every_command_quietly_with_its_own_exit_code() {
    let (findings, clean) = (printing_fixture(), common::fixture("score/ws"));
    for (args, expected) in printing_commands() {
        // `score` refuses specs with errors: it runs on the clean copy.
        let at = if args[0] == "score" {
            clean.path()
        } else {
            findings.path()
        };
        let normal = kpic(at, &args);
        assert_eq!(normal.code, expected, "{args:?}: {}", normal.stderr);
        assert!(!normal.stdout.is_empty(), "{args:?} prints nothing to test");
        let (code, stderr) = run_broken(at, &args, Broken::ClosedPipe);
        assert_eq!(code, expected, "{args:?}: {stderr}");
        assert_eq!(stderr, normal.stderr, "{args:?}: only what it says anyway");
    }
}

#[test]
fn a_full_disk_is_exit_2_with_one_line_for_every_command() {
    let (findings, clean) = (printing_fixture(), common::fixture("score/ws"));
    for (args, _) in printing_commands() {
        let at = if args[0] == "score" {
            clean.path()
        } else {
            findings.path()
        };
        let (code, stderr) = run_broken(at, &args, Broken::Full);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(
            stderr.ends_with("kpic: error: cannot write to stdout: no space left on device\n"),
            "{args:?}: {stderr}"
        );
    }
}

#[test]
fn init_output_that_cannot_be_written() {
    for how in [Broken::ClosedPipe, Broken::Full] {
        let dir = tempfile::tempdir().unwrap();
        let (code, stderr) = run_broken(dir.path(), &["init"], how);
        // The files are written either way; only the report of it is lost.
        assert!(dir.path().join("kpic.yaml").is_file());
        match how {
            Broken::ClosedPipe => assert_eq!((code, stderr.as_str()), (0, "")),
            Broken::Full => {
                assert_eq!(code, 2);
                assert_eq!(
                    stderr,
                    "kpic: error: cannot write to stdout: no space left on device\n"
                );
            }
        }
    }
}

#[test]
fn two_machine_formats_on_one_stream_are_refused() {
    let dir = fixture("ws");
    for formats in [
        ["json", "sarif"],
        ["github", "compact"],
        ["human", "junit"],
        ["sarif:out/r.sarif", "json:out/./r.sarif"],
    ] {
        let run = kpic(
            dir.path(),
            &["check", "--format", formats[0], "--format", formats[1]],
        );
        assert_eq!(run.code, 2, "{formats:?}: {}", run.stdout);
        assert_eq!(run.stdout, "", "{formats:?}: nothing is written");
        assert!(
            run.stderr.contains("both write to") && run.stderr.contains("help: give one of them"),
            "{formats:?}: {}",
            run.stderr
        );
    }
    assert!(!dir.path().join("out").exists());
    // What a reader can take apart stays allowed: the GitHub Actions default, and documents
    // in files of their own.
    let run = kpic(
        dir.path(),
        &[
            "check",
            "--format",
            "human",
            "--format",
            "github",
            "--format",
            "sarif:r.sarif",
            "--format",
            "json:r.json",
            "owners.yaml",
            "team.yaml",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
}

/// Runs kpic in `dir` with its stdout on a terminal (a pseudo-terminal from util-linux
/// `script`): the exit code and what the terminal showed, line ends as `\n`.
#[cfg(target_os = "linux")]
fn on_a_terminal(dir: &Path, args: &[&str]) -> (i32, String) {
    let quote = |s: &str| format!("'{}'", s.replace('\'', r"'\''"));
    let line: Vec<String> = std::iter::once(env!("CARGO_BIN_EXE_kpic"))
        .chain(args.iter().copied())
        .map(quote)
        .collect();
    let mut cmd = std::process::Command::new("script");
    let out = common::test_env(&mut cmd)
        .args(["-qec", &line.join(" "), "/dev/null"])
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("util-linux `script` runs kpic on a pseudo-terminal");
    let shown = String::from_utf8(out.stdout).unwrap().replace("\r\n", "\n");
    (out.status.code().unwrap(), shown)
}

#[test]
#[cfg(target_os = "linux")]
fn a_clean_check_on_a_terminal_says_so_in_one_line() {
    let dir = fixture("ws");
    let files = ["owners.yaml", "team.yaml"];
    let with = |extra: &[&'static str]| {
        let mut args = vec!["check"];
        args.extend(extra);
        args.extend(files);
        on_a_terminal(dir.path(), &args)
    };
    assert_eq!(
        with(&[]),
        (0, "All checks passed: 2 files, 1 KPI\n".to_owned())
    );
    assert_eq!(
        with(&["--format", "human"]).1,
        "All checks passed: 2 files, 1 KPI\n"
    );
    // Not with `--quiet`, not in a machine format, and not when stdout is no terminal.
    assert_eq!(with(&["--quiet"]), (0, String::new()));
    assert_eq!(with(&["--format", "compact"]), (0, String::new()));
    let (_, json) = with(&["--format", "json"]);
    assert!(!json.contains("All checks"), "{json}");
    assert_eq!(kpic(dir.path(), &["check", files[0], files[1]]).stdout, "");

    // With findings, the findings and their count, and no such line.
    common::write(
        dir.path(),
        "team.yaml",
        "version: 1\nteam: {id: t, name: T}\nkpis:\n  - {id: k, name: K}\n",
    );
    let (code, shown) = with(&[]);
    assert_eq!(code, 1);
    assert!(!shown.contains("All checks passed"), "{shown}");
    assert!(
        shown.contains("kpic: 3 errors, 4 warnings in 2 files checked"),
        "{shown}"
    );
    let (_, quiet) = with(&["--quiet"]);
    assert!(
        quiet.contains("T001") && !quiet.contains("files checked"),
        "{quiet}"
    );
}

#[test]
fn the_human_format_shows_a_few_findings_per_rule_and_file_and_counts_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let mut spec = String::from(
        "version: 1\nteam: {id: t, name: T, review: monthly}\nowners:\n  - {id: o, name: O}\nkpis:\n",
    );
    for i in 0..25 {
        spec.push_str(&format!(
            "  - {{id: k{i}, name: K, owner: o, metric: m, target: \">= 1 x\", period: monthly}}\n"
        ));
    }
    common::write(dir.path(), "kpi-specs/many.yaml", &spec);
    let run = kpic(dir.path(), &["check", "--select", "M003"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout.matches("M003(missing-source)").count(),
        21,
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(
            "kpic: 5 more M003(missing-source) in kpi-specs/many.yaml not shown (`--format compact` lists every finding)\n\
             kpic: 25 warnings in 1 file checked\n"
        ),
        "{}",
        run.stdout
    );
    // Machine formats keep every finding.
    let compact = kpic(
        dir.path(),
        &["check", "--select", "M003", "--format", "compact"],
    );
    assert_eq!(compact.stdout.lines().count(), 25);
    let (_, v) = check_json(dir.path(), &["--select", "M003"]);
    assert_eq!(diags(&v).len(), 25);
}

#[test]
fn what_cannot_be_said_on_stderr_changes_nothing() {
    // Notes, the statistics beside a document, an error: said on stderr, whose reader may
    // have gone (`kpic build 2>&1 | head -1`). The findings that stop a build are its report:
    // on a full disk that is exit 2, like stdout's.
    let dir = printing_fixture();
    let cases: [(&[&str], i32, i32); 3] = [
        (&["build", "--out", "dist"], 1, 2),
        (
            &[
                "check",
                "--format",
                "json",
                "--statistics",
                "kpi-specs/ops.yaml",
            ],
            1,
            1,
        ),
        (&["check", "--config", "missing.yaml"], 2, 2),
    ];
    for (args, closed, full) in cases {
        for how in [Broken::ClosedPipe, Broken::Full] {
            let expected = match how {
                Broken::ClosedPipe => closed,
                Broken::Full => full,
            };
            let stderr = broken_stream(how);
            let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_kpic"));
            let out = common::test_env(&mut cmd)
                .args(args)
                .current_dir(dir.path())
                .stdin(std::process::Stdio::null())
                .stderr(stderr)
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(expected), "{args:?} ({how:?})");
            if args.contains(&"json") {
                serde_json::from_slice::<Value>(&out.stdout).expect("the document is whole");
            }
        }
    }
}
