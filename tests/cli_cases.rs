//! Command-line cases that are plain input → output: each `tests/cmd/*.toml` names the
//! arguments, the folder it runs in (copied into a sandbox) and the expected exit code, stdout
//! and stderr. `TRYCMD=overwrite cargo test --test cli_cases` rewrites the expected output.

mod common;

#[test]
fn cli_cases() {
    common::cli_cases().case("tests/cmd/*.toml").run();
}

/// Every case runs with a clean environment: nothing of the caller's (`CI`, `GITHUB_ACTIONS`,
/// a terminal's `COLUMNS`) reaches kpic.
#[test]
fn every_case_starts_from_an_empty_environment() {
    let dir = common::repo_root().join("tests/cmd");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let text = std::fs::read_to_string(&path).unwrap();
            assert!(
                text.contains("[env]\ninherit = false\n"),
                "{} does not set `[env] inherit = false`",
                path.display()
            );
        }
    }
}
