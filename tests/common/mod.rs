//! Helpers shared by the integration tests: fixture folders copied into temp folders, the real
//! `kpic` binary run with a fixed environment, and its `--format json` output.
//!
//! Each test file uses only some of them.
#![allow(dead_code)]

use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The crate's folder (where `kpi-specs/`, `README.md` and `tests/` are).
pub fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Copies `tests/fixtures/<path>` into a fresh temp folder, so that no parent `kpic.yaml` is
/// found.
pub fn fixture(path: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let src = repo_root().join("tests/fixtures").join(path);
    assert!(src.is_dir(), "missing fixture folder {}", src.display());
    copy_dir(&src, dir.path());
    dir
}

/// Copies the folder `src` with everything in it to `dst`.
pub fn copy_dir(src: &Path, dst: &Path) {
    fs::create_dir_all(dst).unwrap();
    for entry in fs::read_dir(src).unwrap() {
        let entry = entry.unwrap();
        let to = dst.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &to);
        } else {
            fs::copy(entry.path(), to).unwrap();
        }
    }
}

/// Writes `dir/name`, creating the folders on the way.
pub fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) {
    let path = dir.join(name);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, bytes).unwrap();
}

/// The environment every run of a program under test gets: a fixed width, no colour, and
/// not a CI system (CI itself sets `CI` and `GITHUB_ACTIONS`, which change kpic's behaviour).
pub fn test_env(cmd: &mut Command) -> &mut Command {
    cmd.env("COLUMNS", "100")
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITLAB_CI")
        .env_remove("CI")
        // The model cache's key lives in the user's cache folder: the tests' own, not the
        // user's.
        .env("XDG_CACHE_HOME", cache_home())
}

/// The `tests/cmd/*.toml` cases (trycmd) with the environment of [`test_env`]: each case
/// starts from an empty environment (`env.inherit = false`, which a test checks) and gets the
/// fixed width, no colour and the tests' own cache folder; `kpic` is this build's binary.
pub fn cli_cases() -> trycmd::TestCases {
    let cases = trycmd::TestCases::new();
    cases
        .register_bin("kpic", Path::new(env!("CARGO_BIN_EXE_kpic")))
        .env("COLUMNS", "100")
        .env("NO_COLOR", "1")
        .env("XDG_CACHE_HOME", cache_home().display().to_string());
    cases
}

/// The options that make `git` commit as a test user, unsigned.
pub const GIT_AS_TEST_USER: [&str; 6] = [
    "-c",
    "user.name=kpic test",
    "-c",
    "user.email=kpic@example.com",
    "-c",
    "commit.gpgsign=false",
];

/// Runs `git ARGS` in `dir` (as a test user, outside any repository the tests run in), which
/// must succeed.
pub fn git(dir: &Path, args: &[&str]) {
    let mut cmd = Command::new("git");
    test_env(&mut cmd)
        .args(GIT_AS_TEST_USER)
        .args(args)
        .current_dir(dir)
        .env_remove("GIT_DIR")
        .env_remove("GIT_INDEX_FILE")
        .env_remove("GIT_WORK_TREE");
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "git {args:?}: {out:?}");
}

/// The user cache folder of the programs under test (`XDG_CACHE_HOME`), in Cargo's temp folder.
pub fn cache_home() -> std::path::PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("cache-home")
}

/// Everything under a folder, as a sorted listing: each entry's path, kind, link target or
/// size and content hash. Two listings taken before and after a run of kpic tell whether it
/// created, removed or changed anything there (the trust-boundary tests take it of the folder
/// around a temp project, `except` the project itself).
#[derive(Debug, PartialEq, Eq)]
pub struct Listing(pub Vec<String>);

impl Listing {
    /// The listing of `dir`, leaving out the entry `except` (a path under `dir`) and what is in it.
    pub fn of(dir: &Path, except: Option<&Path>) -> Listing {
        fn walk(dir: &Path, root: &Path, except: Option<&Path>, out: &mut Vec<String>) {
            let mut entries: Vec<_> = fs::read_dir(dir).unwrap().map(|e| e.unwrap()).collect();
            entries.sort_by_key(|e| e.file_name());
            for e in entries {
                let path = e.path();
                if Some(path.as_path()) == except {
                    continue;
                }
                let name = path.strip_prefix(root).unwrap().display().to_string();
                let meta = fs::symlink_metadata(&path).unwrap();
                let kind = meta.file_type();
                if kind.is_symlink() {
                    let to = fs::read_link(&path).unwrap();
                    out.push(format!("{name} -> {}", to.display()));
                } else if kind.is_dir() {
                    out.push(format!("{name}/"));
                    walk(&path, root, except, out);
                } else if kind.is_file() {
                    let bytes = fs::read(&path).unwrap();
                    out.push(format!("{name} {} {:016x}", bytes.len(), fnv(&bytes)));
                } else {
                    out.push(format!("{name} (special)"));
                }
            }
        }
        let mut out = Vec::new();
        walk(dir, dir, except, &mut out);
        Listing(out)
    }
}

/// FNV-1a, enough to tell a changed file in a test.
fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A finished run of kpic.
pub struct Run {
    /// The exit code.
    pub code: i32,
    /// Everything printed on stdout.
    pub stdout: String,
    /// Everything printed on stderr.
    pub stderr: String,
}

/// How to run kpic beyond its arguments.
#[derive(Clone, Copy, Default)]
pub struct Options<'a> {
    /// Variables set after [`test_env`] (so `GITHUB_ACTIONS` can be given back).
    pub env: &'a [(&'a str, &'a str)],
    /// What to feed on stdin (none: stdin is empty).
    pub stdin: Option<&'a [u8]>,
    /// Longest the run may take; past it the child is killed and the test fails (a hang).
    pub timeout: Option<Duration>,
}

/// Runs kpic with `args` in `dir`.
pub fn kpic(dir: &Path, args: &[&str]) -> Run {
    kpic_with(dir, args, Options::default())
}

/// Runs kpic with `args` in `dir` as `options` say; fails on a panic, a signal or a hang.
pub fn kpic_with(dir: &Path, args: &[&str], options: Options) -> Run {
    let out_dir = tempfile::tempdir().unwrap();
    let out_path = out_dir.path().join("stdout");
    let err_path = out_dir.path().join("stderr");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kpic"));
    test_env(&mut cmd)
        .args(args)
        .current_dir(dir)
        .envs(options.env.iter().copied())
        .stdin(if options.stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        // Output goes to files, so a child that prints a lot never blocks on a full pipe.
        .stdout(fs::File::create(&out_path).unwrap())
        .stderr(fs::File::create(&err_path).unwrap());
    let mut child = cmd.spawn().unwrap();
    if let Some(bytes) = options.stdin {
        let mut pipe = child.stdin.take().unwrap();
        // kpic may stop reading early; a broken pipe here is fine.
        let _ = pipe.write_all(bytes);
    }
    let status = match options.timeout {
        None => child.wait().unwrap(),
        Some(limit) => {
            let start = Instant::now();
            loop {
                if let Some(status) = child.try_wait().unwrap() {
                    break status;
                }
                if start.elapsed() > limit {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!("kpic {args:?} did not finish within {limit:?} (a hang)");
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    };
    let stdout = String::from_utf8(fs::read(&out_path).unwrap()).unwrap();
    let stderr = String::from_utf8(fs::read(&err_path).unwrap()).unwrap();
    let Some(code) = status.code() else {
        panic!("kpic {args:?} was killed by a signal: {status:?}\nstderr: {stderr}");
    };
    assert_ne!(code, 101, "kpic {args:?} panicked:\n{stderr}");
    Run {
        code,
        stdout,
        stderr,
    }
}

/// Text with XML's and HTML's entities decoded: `&amp;` `&lt;` `&gt;` `&quot;` `&apos;` and
/// character references (`&#39;`, `&#x27;`); anything else panics.
pub fn decode_entities(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let end = after
            .find(';')
            .unwrap_or_else(|| panic!("bad entity in {s:?}"));
        let entity = &after[..end];
        let number = |n: Option<u32>| {
            n.and_then(char::from_u32)
                .unwrap_or_else(|| panic!("unknown entity &{entity}; in {s:?}"))
        };
        out.push(match entity {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            e => match e.strip_prefix("#x").or_else(|| e.strip_prefix("#X")) {
                Some(hex) => number(u32::from_str_radix(hex, 16).ok()),
                None => number(e.strip_prefix('#').and_then(|n| n.parse().ok())),
            },
        });
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

/// A `scorecards.csv` as `kpic build` wrote it (without a BOM) with
/// `actuals` filled into its `actual` column, as a spreadsheet user would.
pub fn fill_scorecard_csv(text: &[u8], actuals: &[(&str, String)]) -> Vec<u8> {
    let mut reader = csv::Reader::from_reader(text);
    let header = reader.headers().unwrap().clone();
    let id = header.iter().position(|h| h == "kpi_id").unwrap();
    let actual = header.iter().position(|h| h == "actual").unwrap();
    let mut filled = csv::Writer::from_writer(Vec::new());
    filled.write_record(&header).unwrap();
    for record in reader.records() {
        let mut cells: Vec<String> = record.unwrap().iter().map(String::from).collect();
        if let Some((_, v)) = actuals.iter().find(|(k, _)| *k == cells[id]) {
            cells[actual] = v.clone();
        }
        filled.write_record(&cells).unwrap();
    }
    filled.into_inner().unwrap()
}

/// The run's stdout as JSON; fails with the run's output when it is not JSON.
pub fn json_of(run: &Run) -> Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}), exit {}: {}\nstderr: {}",
            run.code, run.stdout, run.stderr
        )
    })
}

/// Runs `check --format json` plus `args` in `dir`: the exit code and the report.
pub fn check_json(dir: &Path, args: &[&str]) -> (i32, Value) {
    let mut all = vec!["check", "--format", "json"];
    all.extend(args);
    let run = kpic(dir, &all);
    (run.code, json_of(&run))
}

/// The `diagnostics` array of a JSON report.
pub fn diagnostics(v: &Value) -> &Vec<Value> {
    v["diagnostics"].as_array().unwrap()
}

/// A diagnostic of a JSON report, reduced to what the tests look at.
#[derive(Debug, Clone)]
pub struct Diag {
    /// `code`.
    pub code: String,
    /// `message`.
    pub message: String,
    /// `file`.
    pub file: String,
    /// `line`.
    pub line: u64,
    /// `column`.
    pub column: u64,
}

/// Every diagnostic of a JSON report, in order.
pub fn diags(v: &Value) -> Vec<Diag> {
    diagnostics(v)
        .iter()
        .map(|d| Diag {
            code: d["code"].as_str().unwrap().to_owned(),
            message: d["message"].as_str().unwrap().to_owned(),
            file: d["file"].as_str().unwrap().to_owned(),
            line: d["line"].as_u64().unwrap(),
            column: d["column"].as_u64().unwrap(),
        })
        .collect()
}

/// A workspace with one team per hostile string `s`, which is the text of everything a reader
/// sees: the team's name, its owners' names and titles, an objective's name, the duty's name
/// and description, the KPIs' names, metrics, sources and formulas, and (with M001 off) one
/// KPI's target. The documents' tests (Markdown, HTML) render it.
pub fn hostile_workspace(strings: &[String]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "kpic.yaml",
        "rules:\n  unmeasurable-target: off\n  vague-wording: off\n",
    );
    for (i, s) in strings.iter().enumerate() {
        // JSON's string syntax is YAML's double-quoted scalar.
        let s = serde_json::to_string(s).unwrap();
        let spec = format!(
            "version: 1
team: {{id: t{i}, name: {s}, review: quarterly, lead: o{i}}}
owners:
  - {{id: o{i}, name: {s}, title: {s}}}
  - {{id: c{i}, name: {s}, title: {s}}}
objectives:
  - {{id: g{i}, name: {s}, owner: o{i}}}
duties:
  - {{id: d{i}, name: {s}, description: {s}, owner: o{i}}}
kpis:
  - id: k{i}
    name: {s}
    duty: d{i}
    owner: o{i}
    contributors: [c{i}]
    supports: [g{i}]
    metric: {s}
    target: \">= 2 reports\"
    period: monthly
    weight: 60
    source: {s}
    formula: {s}
  - id: u{i}
    name: {s}
    duty: d{i}
    owner: o{i}
    supports: [g{i}]
    metric: {s}
    target: {s}
    period: monthly
    weight: 40
    source: {s}
"
        );
        write(dir.path(), &format!("kpi-specs/t{i}.yaml"), spec);
    }
    dir
}

/// The hostile strings of `tests/fixtures/hostile/text.json`, which every renderer's test feeds
/// its documents.
pub fn hostile_text() -> Vec<String> {
    let path = repo_root().join("tests/fixtures/hostile/text.json");
    serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap()
}

/// One tag of an HTML text: its name (`/p` for an end tag, `!` for a comment or declaration,
/// `?` for a processing instruction) and attributes.
#[derive(Debug)]
pub struct Tag {
    pub name: String,
    pub attrs: Vec<(String, String)>,
}

/// What the attribute values of an HTML text may be, for [`tags`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Values {
    /// kpic's own pages: every value is double-quoted (and may hold a `>`); an unquoted one
    /// fails the test.
    Quoted,
    /// A renderer's output with raw HTML let through: values may be unquoted, and odd text
    /// cannot stall the scan.
    Raw,
}

/// Every tag of `html`, which writes text's `<` as `&lt;` (kpic, cmark-gfm and Chromium's
/// serializer alike), so that each raw `<` opens a tag.
pub fn tags(html: &str, values: Values) -> Vec<Tag> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        let after = &rest[at + 1..];
        let end = after.find('>').expect("a tag ends");
        let mut inner = &after[..end];
        let mut len = end;
        // A `>` inside a quoted attribute value does not end the tag.
        while values == Values::Quoted && inner.matches('"').count() % 2 == 1 {
            let more = after[len + 1..].find('>').expect("a quoted value ends");
            len += 1 + more;
            inner = &after[..len];
        }
        rest = &after[len + 1..];
        if inner.starts_with(['!', '?']) {
            out.push(Tag {
                name: inner[..1].to_owned(),
                attrs: Vec::new(),
            });
            continue;
        }
        let (slash, body) = match inner.strip_prefix('/') {
            Some(b) => ("/", b),
            None => ("", inner),
        };
        let name_len = match values {
            Values::Quoted => body.find(|c: char| c.is_whitespace() || c == '/'),
            Values::Raw => body.find(|c: char| !c.is_ascii_alphanumeric()),
        }
        .unwrap_or(body.len());
        let (name, mut attrs_text) = body.split_at(name_len);
        let mut attrs = Vec::new();
        loop {
            attrs_text = attrs_text.trim_start().trim_start_matches('/');
            if values == Values::Quoted {
                attrs_text = attrs_text.trim_start();
            }
            if attrs_text.is_empty() {
                break;
            }
            let key_len = attrs_text
                .find(|c: char| c == '=' || c.is_whitespace())
                .unwrap_or(attrs_text.len());
            let key = attrs_text[..key_len].to_owned();
            attrs_text = &attrs_text[key_len..];
            let value = if let Some(v) = attrs_text.strip_prefix("=\"") {
                let close = v.find('"').expect("a quoted value ends");
                attrs_text = &v[close + 1..];
                decode_entities(&v[..close])
            } else if let Some(v) = attrs_text.strip_prefix('=') {
                assert!(
                    values == Values::Raw,
                    "an unquoted attribute value in <{name} {key}…>"
                );
                let end = v.find(char::is_whitespace).unwrap_or(v.len());
                attrs_text = &v[end..];
                v[..end].to_owned()
            } else {
                String::new()
            };
            if values == Values::Raw && key.is_empty() && value.is_empty() {
                // Nothing read: skip a character, so that odd raw HTML cannot stall the scan.
                attrs_text = attrs_text.get(1..).unwrap_or_default();
            }
            attrs.push((key, value));
        }
        out.push(Tag {
            name: format!("{slash}{name}"),
            attrs,
        });
    }
    out
}
