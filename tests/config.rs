//! `kpic.yaml`, `--select` / `--ignore` and inline suppressions: each setting, and the
//! behaviour change it causes, through the real binary in a temp folder.

mod common;

use std::path::Path;

use common::{check_json as check, diags, kpic, write};
use serde_json::Value;

/// The fixture workspace (`kpi-specs/team.yaml`, plus a broken `kpi-specs/drafts/broken.yaml`)
/// in a fresh temp folder, so no parent `kpic.yaml` is found.
fn workspace() -> tempfile::TempDir {
    common::fixture("config/ws")
}

/// `(code, file, line)` of every diagnostic.
fn found(v: &Value) -> Vec<(String, String, u64)> {
    diags(v)
        .into_iter()
        .map(|d| (d.code, d.file, d.line))
        .collect()
}

fn codes(v: &Value) -> Vec<String> {
    found(v).into_iter().map(|(c, _, _)| c).collect()
}

fn at(code: &str, file: &str, line: u64) -> (String, String, u64) {
    (code.into(), file.into(), line)
}

const TEAM: &str = "kpi-specs/team.yaml";
const DRAFT: &str = "kpi-specs/drafts/broken.yaml";

#[test]
fn without_config_the_defaults_apply() {
    let dir = workspace();
    let (code, v) = check(dir.path(), &[]);
    assert_eq!(code, 1, "the broken draft is an error");
    assert_eq!(
        found(&v),
        [at("E001", DRAFT, 3), at("S002", TEAM, 18)],
        "`timely` is vague; one owner with 2 KPIs and a 17% change are under the defaults"
    );
    assert_eq!(v["summary"]["files"], 2);
}

#[test]
fn exclude_leaves_a_folder_unread() {
    let dir = workspace();
    write(dir.path(), "kpic.yaml", "exclude: [drafts]\n");
    let (code, v) = check(dir.path(), &[]);
    assert_eq!(code, 0);
    assert_eq!(found(&v), [at("S002", TEAM, 18)]);
    assert_eq!(v["summary"]["files"], 1, "the draft is not read");
}

#[test]
fn paths_move_the_workspace() {
    let dir = workspace();
    std::fs::rename(dir.path().join("kpi-specs"), dir.path().join("specs")).unwrap();
    let run = kpic(dir.path(), &["check"]);
    assert_eq!(run.code, 2, "no kpi-specs/ without a config");
    write(dir.path(), "kpic.yaml", "paths: [specs/team.yaml]\n");
    let (code, v) = check(dir.path(), &[]);
    assert_eq!(code, 0);
    assert_eq!(found(&v), [at("S002", "specs/team.yaml", 18)]);
}

#[test]
fn a_rule_turned_off_by_name_or_code() {
    for config in [
        "rules:\n  vague-wording: off\n",
        "rules:\n  S002: {severity: off}\n",
    ] {
        let dir = workspace();
        write(dir.path(), "kpic.yaml", config);
        let (_, v) = check(dir.path(), &[]);
        assert_eq!(found(&v), [at("E001", DRAFT, 3)], "{config}");
    }
}

#[test]
fn severities_change_the_exit_code() {
    let dir = workspace();
    write(
        dir.path(),
        "kpic.yaml",
        "exclude: [drafts]\nrules:\n  S002: error\n",
    );
    let (code, v) = check(dir.path(), &[]);
    assert_eq!(code, 1, "a warning raised to error fails the run");
    assert_eq!(v["diagnostics"][0]["severity"], "error");
    write(dir.path(), "kpic.yaml", "rules:\n  yaml-syntax: info\n");
    let (code, v) = check(dir.path(), &[]);
    assert_eq!(code, 0, "an error lowered to info passes");
    assert_eq!(v["summary"]["infos"], 1);
}

#[test]
fn owner_overloaded_max_lowered_so_it_fires() {
    let dir = workspace();
    write(
        dir.path(),
        "kpic.yaml",
        "exclude: [drafts]\nrules:\n  owner-overloaded: {max: 1}\n",
    );
    let (_, v) = check(dir.path(), &[]);
    assert_eq!(found(&v), [at("S002", TEAM, 18), at("A004", TEAM, 26)]);
    let message = v["diagnostics"][1]["message"].as_str().unwrap();
    assert!(message.contains("more than 1"), "{message}");
}

#[test]
fn unrealistic_stretch_max_change_lowered_so_it_fires() {
    let dir = workspace();
    write(
        dir.path(),
        "kpic.yaml",
        "exclude: [drafts]\nrules:\n  A002:\n    severity: error\n    max-change: 0.1\n",
    );
    let (code, v) = check(dir.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(found(&v), [at("S002", TEAM, 18), at("A002", TEAM, 28)]);
    assert_eq!(v["diagnostics"][1]["severity"], "error");
}

#[test]
fn an_extra_vague_word_is_caught() {
    let dir = workspace();
    write(
        dir.path(),
        "kpic.yaml",
        "exclude: [drafts]\nvague-words:\n  extra: [promptly]\n",
    );
    let (_, v) = check(dir.path(), &[]);
    assert_eq!(found(&v), [at("S002", TEAM, 18), at("S002", TEAM, 27)]);
    assert!(
        v["diagnostics"][1]["message"]
            .as_str()
            .unwrap()
            .contains("`promptly`")
    );
}

#[test]
fn an_allowed_vague_word_is_not_caught() {
    let dir = workspace();
    write(
        dir.path(),
        "kpic.yaml",
        "exclude: [drafts]\nvague-words:\n  allow: [timely]\n",
    );
    let (_, v) = check(dir.path(), &[]);
    assert_eq!(found(&v), []);
}

#[test]
fn vague_words_in_the_rule_settings_add_to_the_top_level_ones() {
    let dir = workspace();
    write(
        dir.path(),
        "kpic.yaml",
        "exclude: [drafts]\nvague-words: {allow: [timely]}\nrules:\n  vague-wording: {extra: [promptly]}\n",
    );
    let (_, v) = check(dir.path(), &[]);
    assert_eq!(found(&v), [at("S002", TEAM, 27)]);
}

#[test]
fn max_file_size_turns_big_files_into_e001() {
    let dir = workspace();
    write(
        dir.path(),
        "kpic.yaml",
        "exclude: [drafts]\nmax-file-size: 100\n",
    );
    let (_, v) = check(dir.path(), &[]);
    assert_eq!(codes(&v), ["E001"]);
    let message = v["diagnostics"][0]["message"].as_str().unwrap();
    assert!(message.contains("larger than the limit"), "{message}");
    write(
        dir.path(),
        "kpic.yaml",
        "exclude: [drafts]\nmax-file-size: 1KiB\n",
    );
    let (_, v) = check(dir.path(), &[]);
    assert_eq!(codes(&v), ["S002"], "the 700-byte file is under 1 KiB");
}

#[test]
fn config_is_found_in_a_parent_folder() {
    let dir = workspace();
    write(dir.path(), "kpic.yaml", "rules:\n  S002: off\n");
    let (_, v) = check(&dir.path().join("kpi-specs"), &[]);
    assert_eq!(
        found(&v),
        [at("E001", "drafts/broken.yaml", 3)],
        "paths are relative to the config"
    );
}

#[test]
fn config_flag_overrides_discovery() {
    let dir = workspace();
    write(dir.path(), "kpic.yaml", "rules:\n  S002: off\n");
    write(
        dir.path(),
        "ci/strict.yaml",
        "paths: [../kpi-specs]\nexclude: [drafts]\n",
    );
    let (_, v) = check(dir.path(), &["--config", "ci/strict.yaml"]);
    assert_eq!(found(&v), [at("S002", TEAM, 18)]);
    let run = kpic(dir.path(), &["check", "--config", "missing.yaml"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("cannot read config `missing.yaml`"),
        "{}",
        run.stderr
    );
}

#[test]
fn select_and_ignore_by_code_and_name() {
    let dir = workspace();
    let (_, v) = check(dir.path(), &["--select", "S002"]);
    assert_eq!(codes(&v), ["S002"]);
    let (_, v) = check(dir.path(), &["--select", "yaml-syntax"]);
    assert_eq!(codes(&v), ["E001"]);
    let (code, v) = check(
        dir.path(),
        &["--ignore", "E001", "--ignore", "vague-wording"],
    );
    assert_eq!((code, codes(&v)), (0, vec![]));
    let (_, v) = check(dir.path(), &["--ignore", "e001,S002"]);
    assert_eq!(codes(&v), Vec::<String>::new(), "comma-separated, any case");
}

#[test]
fn the_command_line_overrides_the_file() {
    let dir = workspace();
    write(dir.path(), "kpic.yaml", "rules:\n  S002: off\n");
    let (_, v) = check(dir.path(), &["--select", "vague-wording"]);
    assert_eq!(
        codes(&v),
        ["S002"],
        "--select runs a rule the config turns off"
    );
    write(dir.path(), "kpic.yaml", "rules:\n  S002: error\n");
    let (_, v) = check(dir.path(), &["--ignore", "S002"]);
    assert_eq!(codes(&v), ["E001"]);
}

#[test]
fn unknown_rule_on_the_command_line_exits_2_with_did_you_mean() {
    let dir = workspace();
    let run = kpic(dir.path(), &["check", "--select", "vague-wordin"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("unknown rule `vague-wordin`; did you mean `vague-wording`?"),
        "{}",
        run.stderr
    );
}

#[test]
fn deny_warnings_fails_on_warnings() {
    let dir = workspace();
    write(dir.path(), "kpic.yaml", "exclude: [drafts]\n");
    assert_eq!(kpic(dir.path(), &["check"]).code, 0);
    assert_eq!(kpic(dir.path(), &["check", "--deny-warnings"]).code, 1);
}

#[test]
fn statistics_count_findings_per_rule() {
    let dir = workspace();
    write(
        dir.path(),
        "kpic.yaml",
        "vague-words: {extra: [promptly]}\nrules:\n  owner-overloaded: {max: 1}\n",
    );
    let run = kpic(
        dir.path(),
        &["check", "--statistics", "--format", "compact:report.txt"],
    );
    assert_eq!(run.code, 1);
    let rows: Vec<Vec<&str>> = run
        .stdout
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(
        rows,
        [
            ["2", "S002", "vague-wording", "warning"],
            ["1", "A004", "owner-overloaded", "warning"],
            ["1", "E001", "yaml-syntax", "error"],
        ],
        "most frequent first, then by code"
    );
    // With a document on stdout the table goes to stderr: the JSON stays one object.
    let run = kpic(dir.path(), &["check", "--statistics", "--format", "json"]);
    assert_eq!(run.code, 1);
    let v: serde_json::Value =
        serde_json::from_str(&run.stdout).expect("stdout is one JSON object");
    assert_eq!(v["summary"]["errors"], 1);
    assert!(run.stderr.contains("S002  vague-wording"), "{}", run.stderr);
}

// ---- inline suppressions ----

/// The fixture's team file with `edit` applied to its text.
fn with_team(edit: impl Fn(&str) -> String) -> tempfile::TempDir {
    let dir = workspace();
    std::fs::remove_dir_all(dir.path().join("kpi-specs/drafts")).unwrap();
    let path = dir.path().join(TEAM);
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, edit(&text)).unwrap();
    dir
}

const TIMELY: &str = "    metric: Weekly reports submitted in a timely way\n";

#[test]
fn suppression_on_the_line_by_code() {
    let dir = with_team(|t| {
        t.replace(
            TIMELY,
            "    metric: Weekly reports submitted in a timely way  # kpic: ignore[S002] -- wording agreed with HR\n",
        )
    });
    let (code, v) = check(dir.path(), &["--deny-warnings"]);
    assert_eq!((code, found(&v)), (0, vec![]));
}

#[test]
fn suppression_on_the_line_above_by_name() {
    let dir = with_team(|t| {
        t.replace(
            TIMELY,
            &format!("    # kpic: ignore[vague-wording] -- wording agreed with HR\n{TIMELY}"),
        )
    });
    let (_, v) = check(dir.path(), &[]);
    assert_eq!(found(&v), []);
}

#[test]
fn suppression_two_lines_above_does_not_reach() {
    let dir = with_team(|t| {
        t.replace(
            TIMELY,
            &format!("    # kpic: ignore[S002]\n    # (the reason)\n{TIMELY}"),
        )
    });
    let (_, v) = check(dir.path(), &[]);
    assert_eq!(found(&v), [at("X001", TEAM, 18), at("S002", TEAM, 20)]);
}

#[test]
fn suppression_of_another_rule_silences_nothing_and_is_x001() {
    let dir = with_team(|t| {
        t.replace(
            TIMELY,
            "    metric: Weekly reports submitted in a timely way # kpic: ignore[T001]\n",
        )
    });
    let (code, v) = check(dir.path(), &[]);
    assert_eq!(code, 0, "X001 is a warning");
    assert_eq!(found(&v), [at("S002", TEAM, 18), at("X001", TEAM, 18)]);
    let x = &v["diagnostics"][1];
    assert_eq!(x["message"], "suppression of `T001` silenced nothing");
    assert_eq!(x["rule"], "unused-suppression");
    // The span is `kpic: ignore[T001]` inside the comment.
    assert_eq!(
        (x["column"].as_u64(), x["end_column"].as_u64()),
        (Some(56), Some(74))
    );
}

#[test]
fn only_the_unused_entry_of_a_list_is_reported() {
    let dir = with_team(|t| {
        t.replace(
            TIMELY,
            "    metric: Weekly reports submitted in a timely way # kpic: ignore[S002, missing-unit]\n",
        )
    });
    let (_, v) = check(dir.path(), &[]);
    assert_eq!(found(&v), [at("X001", TEAM, 18)]);
    assert_eq!(
        v["diagnostics"][0]["message"],
        "suppression of `missing-unit` silenced nothing"
    );
    assert_eq!(
        v["diagnostics"][0]["help"],
        "remove `missing-unit` from the list"
    );
}

#[test]
fn unknown_rule_in_a_suppression_is_x001_with_did_you_mean() {
    let dir = with_team(|t| {
        t.replace(
            TIMELY,
            &format!("    # kpic: ignore[vague-wordng]\n{TIMELY}"),
        )
    });
    let (_, v) = check(dir.path(), &[]);
    assert_eq!(found(&v), [at("X001", TEAM, 18), at("S002", TEAM, 19)]);
    assert_eq!(
        v["diagnostics"][0]["message"],
        "unknown rule `vague-wordng` in a suppression"
    );
    assert_eq!(v["diagnostics"][0]["help"], "did you mean `vague-wording`?");
}

#[test]
fn malformed_kpic_comment_is_x001() {
    let dir = with_team(|t| t.replace(TIMELY, &format!("    # kpic: ignore S002\n{TIMELY}")));
    let (_, v) = check(dir.path(), &[]);
    assert_eq!(found(&v), [at("X001", TEAM, 18), at("S002", TEAM, 19)]);
    assert_eq!(
        v["diagnostics"][0]["message"],
        "this `kpic:` comment is not a suppression"
    );
}

#[test]
fn hash_inside_a_quoted_string_is_not_a_comment() {
    let dir = with_team(|t| {
        t.replace(
            TIMELY,
            "    metric: \"Weekly reports submitted in a timely way # kpic: ignore[S002]\"\n",
        )
    });
    let (_, v) = check(dir.path(), &[]);
    assert_eq!(
        found(&v),
        [at("S002", TEAM, 18)],
        "the finding stays, and no X001 for text that is not a comment"
    );
}

#[test]
fn x001_follows_levels_select_and_ignore() {
    let dir = with_team(|t| t.replace(TIMELY, &format!("{TIMELY}    # kpic: ignore[T001]\n")));
    let (_, v) = check(dir.path(), &["--ignore", "X001"]);
    assert_eq!(codes(&v), ["S002"]);
    let (_, v) = check(dir.path(), &["--select", "S002"]);
    assert_eq!(codes(&v), ["S002"]);
    write(
        dir.path(),
        "kpic.yaml",
        "rules:\n  unused-suppression: error\n",
    );
    let (code, v) = check(dir.path(), &[]);
    assert_eq!((code, codes(&v)), (1, vec!["S002".into(), "X001".into()]));
    // A suppression of a rule that is off is not reported as unused.
    write(dir.path(), "kpic.yaml", "rules:\n  T001: off\n");
    let (_, v) = check(dir.path(), &[]);
    assert_eq!(codes(&v), ["S002"]);
}

#[test]
fn a_suppression_can_keep_itself_with_x001() {
    let dir = with_team(|t| {
        t.replace(
            TIMELY,
            &format!("{TIMELY}    # kpic: ignore[T001, X001] -- seasonal\n"),
        )
    });
    let (_, v) = check(dir.path(), &[]);
    assert_eq!(codes(&v), ["S002"], "its own X001 is silenced");
    let dir = with_team(|t| {
        t.replace(
            TIMELY,
            &format!("    # kpic: ignore[S002, unused-suppression]\n{TIMELY}"),
        )
    });
    let (_, v) = check(dir.path(), &[]);
    assert_eq!(found(&v), [at("X001", TEAM, 18)]);
    assert_eq!(
        v["diagnostics"][0]["message"],
        "suppression of `unused-suppression` silenced nothing"
    );
}

#[test]
fn suppressions_only_count_in_reported_files() {
    let dir = with_team(|t| t.replace(TIMELY, &format!("{TIMELY}    # kpic: ignore[T001]\n")));
    write(
        dir.path(),
        "kpi-specs/people.yaml",
        "version: 1\nowners:\n  - id: wang-fang\n    name: Wang Fang\n",
    );
    let (code, v) = check(dir.path(), &["kpi-specs/people.yaml"]);
    assert_eq!((code, codes(&v)), (0, vec![]));
}

// ---- bad configs ----

/// Runs `kpic check` with `config` as `kpic.yaml`; asserts exit 2 and returns stderr.
fn bad_config(config: &str) -> String {
    let dir = workspace();
    write(dir.path(), "kpic.yaml", config);
    let run = kpic(dir.path(), &["check"]);
    assert_eq!(run.code, 2, "{config}\n{}{}", run.stdout, run.stderr);
    assert_eq!(run.stdout, "");
    run.stderr
}

#[test]
fn unknown_rule_in_config_has_span_and_did_you_mean() {
    let stderr = bad_config("exclude: [drafts]\nrules:\n  owner-overload: {max: 1}\n");
    assert!(
        stderr.starts_with(
            "kpic: error: invalid config kpic.yaml:3:3: unknown rule `owner-overload`\n"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("╭─[kpic.yaml:3:3]"), "{stderr}");
    assert!(
        stderr.contains("did you mean `owner-overloaded`?"),
        "{stderr}"
    );
    insta::assert_snapshot!("unknown_rule", stderr);
}

#[test]
fn unknown_key_in_config_has_span_and_did_you_mean() {
    let stderr = bad_config("exclude: [drafts]\nvague-word:\n  extra: [promptly]\n");
    assert!(
        stderr.contains("kpic.yaml:2:1: unknown key `vague-word`"),
        "{stderr}"
    );
    assert!(stderr.contains("did you mean `vague-words`?"), "{stderr}");
    let stderr = bad_config("rules:\n  A004: {maximum: 3}\n");
    assert!(
        stderr.contains("kpic.yaml:2:10: unknown key `maximum` in the settings of rule `A004`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("allowed keys here: `severity`, `max`"),
        "{stderr}"
    );
}

#[test]
fn wrong_types_in_config_are_reported_with_their_span() {
    for (config, expected) in [
        (
            "exclude: drafts\n",
            "kpic.yaml:1:10: `exclude` must be a list of globs, found a string",
        ),
        (
            "rules:\n  owner-overloaded: {max: many}\n",
            "kpic.yaml:2:27: `max` must be a whole number of KPIs of at least 1, found `many`",
        ),
        (
            "rules:\n  A002: {max-change: -1}\n",
            "kpic.yaml:2:22: `max-change` must be a number above 0, found `-1`",
        ),
        (
            "rules:\n  S002: warn\n",
            "kpic.yaml:2:9: unknown severity `warn`",
        ),
        ("locale: zh\n", "kpic.yaml:1:9: unknown locale `zh`"),
        (
            "max-file-size: huge\n",
            "kpic.yaml:1:16: `max-file-size` must be a size such as `16MiB`",
        ),
        ("paths: [kpi-specs\n", "kpic.yaml:2:1: invalid YAML"),
    ] {
        let stderr = bad_config(config);
        assert!(stderr.contains(expected), "{config}\n{stderr}");
    }
}

#[test]
fn every_problem_in_a_config_is_reported_at_once() {
    let stderr = bad_config("locale: fr\nrules:\n  E00: off\n  S002: loud\n");
    assert!(
        stderr.starts_with(
            "kpic: error: invalid config kpic.yaml:1:9: unknown locale `fr` (and 2 more problems)\n"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("[kpic.yaml:3:3]"), "{stderr}");
    assert!(stderr.contains("[kpic.yaml:4:9]"), "{stderr}");
}

// ---- the schema ----

fn config_schema() -> Value {
    let dir = tempfile::tempdir().unwrap();
    let run = kpic(dir.path(), &["schema", "--config"]);
    assert_eq!(run.code, 0);
    common::json_of(&run)
}

#[test]
fn schema_config_prints_a_draft_2020_12_schema() {
    let schema = config_schema();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    let keys: Vec<&str> = schema["properties"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut expected = kpic::config::KEYS.to_vec();
    expected.sort();
    let mut keys = keys;
    keys.sort();
    assert_eq!(keys, expected);
}

#[test]
fn schema_names_every_rule_by_code_and_name_with_its_options() {
    let schema = config_schema();
    let rules = &schema["properties"]["rules"]["properties"];
    for meta in kpic::rules::all() {
        for key in [meta.code, meta.name] {
            let def = rules[key]["$ref"]
                .as_str()
                .unwrap_or_else(|| panic!("{key} missing"));
            let def = &schema["$defs"][def.trim_start_matches("#/$defs/")];
            let mut allowed: Vec<&str> = def["oneOf"][1]["properties"]
                .as_object()
                .unwrap()
                .keys()
                .map(String::as_str)
                .collect();
            allowed.sort();
            let mut expected = kpic::config::rule_keys(meta);
            expected.sort();
            assert_eq!(allowed, expected, "{key}");
        }
    }
}

#[test]
fn schema_and_loader_agree() {
    let schema = config_schema();
    let validator = jsonschema::draft202012::new(&schema).unwrap();
    let cases = [
        "",
        "paths: [kpi-specs, more]\nexclude: ['drafts/**']\n",
        "rules:\n  T001: off\n  vague-wording: {severity: info, extra: [x], allow: [y]}\n",
        "rules:\n  owner-overloaded: {max: 5}\n  A002: {max-change: 0.3}\n",
        "vague-words: {extra: [promptly], allow: [timely]}\nlocale: zh-CN\n",
        "max-file-size: 16MiB\n",
        "max-file-size: 1048576\n",
        "max-file-size: '500 KB'\n",
        "rules:\n",
        "bogus: 1\n",
        "paths: kpi-specs\n",
        "paths: [1]\n",
        "rules: {T999: off}\n",
        "rules: {t001: off}\n",
        "rules: {T001: loud}\n",
        "rules: {T001: {max: 3}}\n",
        "rules: {A004: {max: 0}}\n",
        "rules: {A004: {max: many}}\n",
        "rules: {A002: {max-change: 0}}\n",
        "rules: {T001: [off]}\n",
        "vague-words: {extra: [''], allow: []}\n",
        "vague-words: {others: [x]}\n",
        "locale: fr\n",
        "max-file-size: 0\n",
        "max-file-size: 16 parsecs\n",
        "- paths\n",
    ];
    for text in cases {
        let loaded = kpic::config::Config::parse("kpic.yaml", text, Path::new("."));
        let root = kpic::workspace::yaml::load(text, Default::default()).root;
        let json = root.map_or(Value::Null, |r| r.to_json());
        assert_eq!(
            validator.is_valid(&json),
            loaded.is_ok(),
            "schema and loader disagree on {text:?}: {:?}",
            loaded.err().map(|e| e.message)
        );
    }
}

#[test]
fn locale_sets_the_default_handbook_language() {
    let dir = workspace();
    write(dir.path(), "kpic.yaml", "exclude: [drafts]\n");
    let run = kpic(dir.path(), &["build", "--out", "en"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let en = std::fs::read_to_string(dir.path().join("en/handbook.md")).unwrap();
    assert!(en.contains("Duties and KPIs"), "{en}");
    write(
        dir.path(),
        "kpic.yaml",
        "exclude: [drafts]\nlocale: zh-CN\n",
    );
    let run = kpic(dir.path(), &["build", "--out", "zh"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let zh = std::fs::read_to_string(dir.path().join("zh/handbook.md")).unwrap();
    assert!(zh.contains("职责与 KPI"), "{zh}");
}

#[test]
fn the_init_template_is_a_valid_config_with_its_examples_uncommented() {
    let template = kpic::commands::init::CONFIG;
    assert!(kpic::config::Config::parse("kpic.yaml", template, Path::new(".")).is_ok());
    // Uncomment `# key: value` lines (not prose): every example setting must be accepted.
    let uncommented: String = template
        .lines()
        .map(|l| match l.strip_prefix("# ") {
            Some(rest) => {
                let key = rest.trim_start();
                let name = key.split(':').next().unwrap_or_default();
                let is_setting = key.contains(':')
                    && !name.is_empty()
                    && name.chars().all(|c| c.is_ascii_lowercase() || c == '-');
                if is_setting { rest } else { l }
            }
            None => l,
        })
        .map(|l| format!("{l}\n"))
        .collect();
    assert!(
        uncommented.contains("\nrules:\n  missing-review: off\n"),
        "{uncommented}"
    );
    let config = kpic::config::Config::parse("kpic.yaml", &uncommented, Path::new("."))
        .unwrap_or_else(|e| panic!("{}\n{}", e.message, e.detail.unwrap_or_default()));
    use kpic::rules::OptionValue;
    let option = |rule, name| config.options.get(rule, name).cloned();
    assert_eq!(
        option("owner-overloaded", "max"),
        Some(OptionValue::Count(5))
    );
    assert_eq!(
        option("unrealistic-stretch", "max-change"),
        Some(OptionValue::Number(0.3))
    );
    assert_eq!(
        option("vague-wording", "extra"),
        Some(OptionValue::Words(vec!["synergy".into()]))
    );
    assert_eq!(config.locale.as_deref(), Some("en"));
}
