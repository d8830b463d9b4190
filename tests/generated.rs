//! Files generated from the rule registry: the README's rule tables and the rules section of
//! `schemas/kpic-config.schema.json`. `KPIC_BLESS=1 cargo test --test generated` rewrites them;
//! without it a file that differs from what the registry gives fails. `kpic rules --format
//! json` is pinned by a snapshot, so that a renamed code or option is seen in review.

mod common;

use common::{kpic, repo_root};
use kpic::rules::{all, catalogue};

/// Compares `path` (relative to the repository) with `expected`, or writes it when blessing.
fn check_generated(path: &str, expected: &str) {
    let file = repo_root().join(path);
    let current = std::fs::read_to_string(&file).unwrap();
    if std::env::var_os("KPIC_BLESS").is_some_and(|v| v == "1") {
        if current != expected {
            std::fs::write(&file, expected).unwrap();
        }
        return;
    }
    if current != expected {
        let line = current
            .lines()
            .zip(expected.lines())
            .position(|(a, b)| a != b)
            .map_or(current.lines().count().min(expected.lines().count()), |i| i)
            + 1;
        panic!(
            "{path} is out of date from line {line}: run `KPIC_BLESS=1 cargo test --test generated` and review the diff"
        );
    }
}

#[test]
fn the_readme_rule_tables_are_generated() {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    let expected = catalogue::readme(&readme, &all()).expect("README.md has the rules markers");
    check_generated("README.md", &expected);
}

#[test]
fn the_config_schema_rules_section_is_generated() {
    let path = "schemas/kpic-config.schema.json";
    let schema = std::fs::read_to_string(repo_root().join(path)).unwrap();
    let expected =
        catalogue::config_schema(&schema, &all()).expect("the schema has its rules section");
    serde_json::from_str::<serde_json::Value>(&expected).expect("the generated schema is JSON");
    check_generated(path, &expected);
}

#[test]
fn rules_as_json_is_pinned() {
    let dir = tempfile::tempdir().unwrap();
    let run = kpic(dir.path(), &["rules", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let alias = kpic(dir.path(), &["rules", "--json"]);
    assert_eq!(alias.stdout, run.stdout, "`--json` is `--format json`");
    insta::assert_snapshot!("rules_json", run.stdout);
}
