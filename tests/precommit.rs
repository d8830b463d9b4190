//! kpic as a pre-commit hook: the repository's `.pre-commit-hooks.yaml`, and the real
//! pre-commit framework blocking a commit with a bad spec and letting a good one through.
//!
//! The framework tests need pre-commit (`python3 -m pip install pre-commit`): they are ignored
//! in a bare `cargo test`, and `scripts/test-all` (what CI runs) installs it and runs them.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::repo_root;
use serde_json::{Value, json};

/// The hooks manifest, parsed with kpic's own YAML loader.
fn manifest() -> Value {
    let text = std::fs::read_to_string(repo_root().join(".pre-commit-hooks.yaml")).unwrap();
    let loaded = kpic::workspace::yaml::load(&text, Default::default());
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors.first());
    loaded.root.expect("a YAML document").to_json()
}

/// The `kpic` hook of the manifest.
fn kpic_hook() -> Value {
    let hooks = manifest();
    let hooks = hooks.as_array().expect("the manifest is a list of hooks");
    let kpic: Vec<&Value> = hooks.iter().filter(|h| h["id"] == "kpic").collect();
    assert_eq!(kpic.len(), 1, "one hook with id `kpic`");
    kpic[0].clone()
}

#[test]
fn the_manifest_declares_the_kpic_hook() {
    let hook = kpic_hook();
    assert_eq!(hook["entry"], "kpic check --force-exclude");
    assert_eq!(hook["language"], "rust");
    assert_eq!(hook["files"], r"\.ya?ml$");
    assert_eq!(hook["pass_filenames"], true);
    assert!(hook["name"].is_string() && hook["description"].is_string());
}

/// How to run pre-commit here, or `None` when it is not installed.
fn precommit() -> Option<Vec<String>> {
    let candidates: [&[&str]; 2] = [&["pre-commit"], &["python3", "-m", "pre_commit"]];
    candidates.into_iter().find_map(|c| {
        let ok = Command::new(c[0])
            .args(&c[1..])
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
        ok.then(|| c.iter().map(|s| s.to_string()).collect())
    })
}

/// How to run pre-commit; fails the test when it is not installed (the test is ignored unless
/// asked for).
fn precommit_or_fail() -> Vec<String> {
    precommit().expect("pre-commit is not installed: `python3 -m pip install pre-commit`")
}

/// A temporary git repository, driven by the pre-commit framework.
struct Repo {
    dir: tempfile::TempDir,
    precommit: Vec<String>,
    path_env: std::ffi::OsString,
}

impl Repo {
    fn new(precommit: Vec<String>) -> Repo {
        let dir = tempfile::tempdir().unwrap();
        // `kpic` on PATH is the binary under test, as `cargo install` would put it.
        let bin = PathBuf::from(env!("CARGO_BIN_EXE_kpic"));
        let mut paths = vec![bin.parent().unwrap().to_path_buf()];
        paths.extend(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        ));
        let repo = Repo {
            dir,
            precommit,
            path_env: std::env::join_paths(paths).unwrap(),
        };
        repo.git(&["init", "-q", "-b", "main"]).success();
        repo
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn command(&self, program: &str, args: &[&str]) -> Command {
        let mut cmd = Command::new(program);
        common::test_env(&mut cmd)
            .args(args)
            .current_dir(self.path())
            .env("PATH", &self.path_env)
            .env("PRE_COMMIT_HOME", self.path().join(".cache-pre-commit"))
            .env_remove("GIT_DIR")
            .env_remove("GIT_INDEX_FILE")
            .env_remove("GIT_WORK_TREE");
        cmd
    }

    fn git(&self, args: &[&str]) -> Done {
        let mut full = common::GIT_AS_TEST_USER.to_vec();
        full.extend(args);
        Done(self.command("git", &full).output().unwrap())
    }

    fn precommit(&self, args: &[&str]) -> Done {
        let mut cmd = self.command(&self.precommit[0], &[]);
        cmd.args(&self.precommit[1..]).args(args);
        Done(cmd.output().unwrap())
    }

    fn write(&self, name: &str, text: &str) {
        common::write(self.path(), name, text);
    }

    fn commits(&self) -> usize {
        let out = self.git(&["rev-list", "--count", "--all"]);
        out.text().trim().parse().unwrap_or(0)
    }

    /// Stages everything and commits; returns the outcome of `git commit` (hook included).
    fn commit(&self, message: &str) -> Done {
        self.git(&["add", "-A"]).success();
        self.git(&["commit", "-q", "-m", message])
    }
}

/// A finished process.
struct Done(Output);

impl Done {
    fn text(&self) -> String {
        format!(
            "{}{}",
            String::from_utf8_lossy(&self.0.stdout),
            String::from_utf8_lossy(&self.0.stderr)
        )
    }

    fn success(self) -> Self {
        assert!(self.0.status.success(), "{}", self.text());
        self
    }
}

const OWNERS: &str = "version: 1
owners:
  - id: li-na
    name: 李娜
";

const TEAM: &str = "version: 1
team: {id: ops, name: Operations, review: quarterly, lead: li-na}
duties:
  - id: reporting
    name: Reporting
    owner: li-na
kpis:
  - id: weekly-reports
    name: Weekly reports published
    duty: reporting
    owner: li-na
    metric: Weekly operations reports published before the Monday meeting
    target: \">= 4 reports\"
    period: monthly
    weight: 100
    source: Team drive
";

#[test]
#[ignore = "needs pre-commit: python3 -m pip install pre-commit (scripts/test-all)"]
fn precommit_blocks_a_bad_spec_and_lets_a_good_one_through() {
    let precommit = precommit_or_fail();
    let repo = Repo::new(precommit);
    // The manifest's hook, run from PATH (`language: system`) instead of being built by
    // `cargo install` (`language: rust`), which would compile kpic from scratch.
    let mut hook = kpic_hook();
    hook["language"] = json!("system");
    let config = json!({"repos": [{"repo": "local", "hooks": [hook]}]});
    repo.write(".pre-commit-config.yaml", &config.to_string());
    repo.precommit(&["validate-config", ".pre-commit-config.yaml"])
        .success();
    repo.precommit(&["install"]).success();

    // Good specs pass (and the pre-commit config, also YAML, is not taken for a spec).
    repo.write("kpi-specs/owners.yaml", OWNERS);
    repo.write("kpi-specs/team.yaml", TEAM);
    repo.write("README.md", "# specs\n");
    let ok = repo.commit("good specs").success();
    assert!(ok.text().contains("kpic"), "the hook ran: {}", ok.text());
    assert_eq!(repo.commits(), 1);

    // A bad spec blocks the commit, with the exact place of the problem.
    repo.write(
        "kpi-specs/team.yaml",
        &TEAM.replace("owner: li-na\n    metric", "owner: li-nq\n    metric"),
    );
    let blocked = repo.commit("bad spec");
    assert!(!blocked.0.status.success(), "{}", blocked.text());
    let out = blocked.text();
    assert!(out.contains("Failed"), "{out}");
    assert!(out.contains("E004(unknown-reference)"), "{out}");
    assert!(out.contains("kpi-specs/team.yaml:11:12"), "{out}");
    assert_eq!(repo.commits(), 1, "nothing was committed");

    // Only the staged spec is reported; the unchanged owners file still resolves its owner.
    repo.write("kpi-specs/team.yaml", TEAM);
    repo.write(
        "kpi-specs/more.yaml",
        "version: 1\nowners:\n  - id: chen-jie\n    name: 陈杰\n",
    );
    repo.commit("fixed").success();
    assert_eq!(repo.commits(), 2);

    // YAML outside the workspace (a CI workflow) is not taken for a spec (`--force-exclude`).
    repo.write(
        ".github/workflows/ci.yml",
        "on: push\njobs:\n  lint:\n    runs-on: ubuntu-latest\n",
    );
    repo.commit("workflow").success();
    assert_eq!(repo.commits(), 3);

    // A spec file that is not valid YAML is blocked (E001).
    repo.write("kpi-specs/broken.yml", "version: 1\nowners: [\n");
    let blocked = repo.commit("broken yaml");
    assert!(!blocked.0.status.success(), "{}", blocked.text());
    assert!(
        blocked.text().contains("E001(yaml-syntax)"),
        "{}",
        blocked.text()
    );
    assert_eq!(repo.commits(), 3);
}

/// A repository with the manifest's hook installed (run from PATH, `language: system`).
fn repo_with_hook() -> Repo {
    let repo = Repo::new(precommit_or_fail());
    let mut hook = kpic_hook();
    hook["language"] = json!("system");
    let config = json!({"repos": [{"repo": "local", "hooks": [hook]}]});
    repo.write(".pre-commit-config.yaml", &config.to_string());
    repo.precommit(&["install"]).success();
    repo
}

/// A second team whose lead, duty and KPI belong to `kim-ray`.
fn support_team() -> String {
    TEAM.replace("id: ops", "id: support")
        .replace("id: reporting", "id: tickets")
        .replace("duty: reporting", "duty: tickets")
        .replace("id: weekly-reports", "id: tickets-closed")
        .replace("lead: li-na", "lead: kim-ray")
        .replace("owner: li-na", "owner: kim-ray")
}

const PEOPLE: &str = "version: 1
owners:
  - id: li-na
    name: 李娜
  - id: kim-ray
    name: Kim Ray
";

#[test]
#[ignore = "needs pre-commit: python3 -m pip install pre-commit (scripts/test-all)"]
fn removing_an_owner_that_other_files_reference_blocks_the_commit_of_that_file_alone() {
    let repo = repo_with_hook();
    repo.write("kpi-specs/owners.yaml", PEOPLE);
    repo.write("kpi-specs/team.yaml", TEAM);
    let ops = support_team();
    repo.write("kpi-specs/support.yaml", &ops);
    repo.commit("specs").success();
    assert_eq!(repo.commits(), 1);

    // `kim-ray` leaves the owners file; only that file is staged (the hook is given only it).
    repo.write(
        "kpi-specs/owners.yaml",
        "version: 1\nowners:\n  - id: li-na\n    name: 李娜\n",
    );
    for attempt in ["first", "second (the model cache is read now)"] {
        repo.git(&["add", "kpi-specs/owners.yaml"]).success();
        let blocked = repo.git(&["commit", "-q", "-m", "kim leaves"]);
        let out = blocked.text();
        assert!(!blocked.0.status.success(), "{attempt}: {out}");
        assert!(out.contains("Failed"), "{attempt}: {out}");
        // Every place that references `kim-ray`, saying which file caused it.
        for place in [
            "kpi-specs/support.yaml:2:64",
            "kpi-specs/support.yaml:6:12",
            "kpi-specs/support.yaml:11:12",
        ] {
            assert!(out.contains(place), "{attempt}: {place} missing in {out}");
        }
        assert_eq!(
            out.matches(
                "owner `kim-ray` is no longer defined: it was removed from kpi-specs/owners.yaml"
            )
            .count(),
            3,
            "{attempt}: {out}"
        );
        assert_eq!(repo.commits(), 1, "{attempt}: nothing was committed");
    }
    // Moving the references to a new owner too makes the commit pass.
    repo.write(
        "kpi-specs/owners.yaml",
        "version: 1\nowners:\n  - id: li-na\n    name: 李娜\n  - id: chen-jie\n    name: 陈杰\n",
    );
    repo.write(
        "kpi-specs/support.yaml",
        &ops.replace("kim-ray", "chen-jie"),
    );
    repo.commit("kim leaves, chen takes over").success();
    assert_eq!(repo.commits(), 2);
}

/// pre-commit passes only the files that exist: a spec file deleted in the same commit as a
/// change to another spec is still part of what the hook checks.
#[test]
#[ignore = "needs pre-commit: python3 -m pip install pre-commit (scripts/test-all)"]
fn deleting_an_owners_file_that_other_files_reference_blocks_the_commit() {
    let repo = repo_with_hook();
    repo.write(
        "kpi-specs/owners.yaml",
        "version: 1\nowners:\n  - id: li-na\n    name: 李娜\n",
    );
    repo.write(
        "kpi-specs/kim.yaml",
        "version: 1\nowners:\n  - id: kim-ray\n    name: Kim Ray\n",
    );
    repo.write("kpi-specs/team.yaml", TEAM);
    let ops = support_team();
    repo.write("kpi-specs/support.yaml", &ops);
    repo.commit("specs").success();
    assert_eq!(repo.commits(), 1);

    repo.git(&["rm", "-q", "kpi-specs/kim.yaml"]).success();
    repo.write(
        "kpi-specs/team.yaml",
        &TEAM.replace("name: Operations", "name: Operations team"),
    );
    repo.git(&["add", "kpi-specs/team.yaml"]).success();
    let blocked = repo.git(&["commit", "-q", "-m", "kim leaves"]);
    let out = blocked.text();
    assert!(!blocked.0.status.success(), "{out}");
    assert_eq!(
        out.matches("owner `kim-ray` is no longer defined: it was removed from kpi-specs/kim.yaml")
            .count(),
        3,
        "{out}"
    );
    assert_eq!(repo.commits(), 1, "nothing was committed");
}

#[test]
#[ignore = "needs pre-commit: python3 -m pip install pre-commit (scripts/test-all)"]
fn the_manifest_and_the_config_kpic_init_writes_are_valid_for_pre_commit() {
    let precommit = precommit_or_fail();
    let repo = Repo::new(precommit);
    let manifest = repo_root().join(".pre-commit-hooks.yaml");
    repo.precommit(&["validate-manifest", manifest.to_str().unwrap()])
        .success();
    let init = repo
        .command(env!("CARGO_BIN_EXE_kpic"), &["init"])
        .output()
        .unwrap();
    assert!(init.status.success());
    repo.precommit(&["validate-config", ".pre-commit-config.yaml"])
        .success();
    let config = std::fs::read_to_string(repo.path().join(".pre-commit-config.yaml")).unwrap();
    let hook = kpic_hook();
    assert!(config.contains(&format!("- id: {}", hook["id"].as_str().unwrap())));
}

#[test]
#[ignore = "needs pre-commit: python3 -m pip install pre-commit (scripts/test-all)"]
fn the_readme_precommit_configs_are_valid() {
    let precommit = precommit_or_fail();
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    // Every ```yaml block that starts with `repos:` is a `.pre-commit-config.yaml`.
    let configs: Vec<&str> = readme
        .split("```yaml\n")
        .skip(1)
        .filter_map(|b| b.split("```").next())
        .filter(|b| b.starts_with("repos:"))
        .collect();
    assert_eq!(configs.len(), 2, "the remote hook and the local one");
    let repo = Repo::new(precommit);
    for config in configs {
        assert!(config.contains("id: kpic"), "{config}");
        repo.write(".pre-commit-config.yaml", config);
        repo.precommit(&["validate-config", ".pre-commit-config.yaml"])
            .success();
    }
}
