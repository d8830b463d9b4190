//! The kpic benchmark: generates synthetic workspaces of 1,000 to 100,000 KPIs, times
//! `kpic check` against a parse-only baseline, and prints the ratios (DESIGN §5).
//!
//! Run it with `bash bench/run.sh` (which builds the release binaries first). Modes:
//! - `bench [--sizes 1000,5000,20000,100000] [--runs 9] [--dir DIR] [--keep]`: the benchmark;
//! - `bench generate DIR KPIS [--clean]`: only write a workspace (the generator is `bench/synth.rs`, shared with `tests/parallel.rs`; `--clean` without its defects);
//! - `bench build [--kpis 20000] [--runs 9] [--baseline BIN]`: `kpic build` of the defect-free
//!   workspace, with the size of each document, against another `kpic` binary (such as one
//!   built from a commit before `scorecards.xlsx`, to see what the workbook costs);
//! - `bench parse DIR`: the parse-only baseline: read and parse every `*.yaml` under `DIR` with
//!   kpic's own YAML loader (spans, limits), in parallel, and nothing else;
//! - `bench parse-saphyr DIR`: the same with saphyr's own `MarkedYaml` loader, for reference;
//! - `bench lsp DIR`: `kpic server` on the workspace `DIR`: how long after an edit the edited
//!   file's diagnostics arrive, over the real protocol.

mod synth;
// The JSON-RPC client of the server's tests, to time an edit over the real protocol.
#[path = "../tests/server/client.rs"]
mod client;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use rayon::prelude::*;

use synth::{KPIS_PER_FILE, generate, generate_clean};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("parse") => parse_only(Path::new(&args[1])),
        Some("parse-saphyr") => parse_saphyr(Path::new(&args[1])),
        Some("lsp") => {
            let dir = PathBuf::from(&args[1]);
            let files = count_files(&dir.join("kpi-specs"));
            let l = lsp_latency(&kpic_bin(), &dir, files / 2, 30);
            println!(
                "load {:.1} ms; after an edit: median {:.1} ms, p90 {:.1} ms, max {:.1} ms ({} edits)",
                l.load_ms, l.median_ms, l.p90_ms, l.max_ms, l.edits
            );
        }
        Some("generate") => {
            let dir = PathBuf::from(&args[1]);
            let kpis: usize = args[2].parse().expect("KPIS is a number");
            let clean = args.get(3).is_some_and(|a| a == "--clean");
            let bytes = if clean {
                generate_clean(&dir, kpis)
            } else {
                generate(&dir, kpis)
            };
            println!("wrote {kpis} KPIs ({bytes} bytes) under {}", dir.display());
        }
        Some("build") => build(&args[1..]),
        _ => bench(&args),
    }
}

// ---------------------------------------------------------------------------------------------
// The parse-only baseline.

/// Reads and parses every spec file under `dir` in parallel, with the loader kpic uses.
fn parse_only(dir: &Path) {
    parse_all(dir, |text| {
        let loaded = kpic::workspace::yaml::load(text, kpic::workspace::yaml::Limits::default());
        usize::from(loaded.root.is_some()) + loaded.errors.len()
    });
}

/// The same with saphyr's own loader, `MarkedYaml` (spans on every node): the parser DESIGN
/// names, used the way its documentation shows.
fn parse_saphyr(dir: &Path) {
    use saphyr::LoadableYamlNode;
    parse_all(dir, |text| {
        saphyr::MarkedYaml::load_from_str(text).map_or(0, |d| d.len())
    });
}

/// Reads every spec file under `dir` and hands its text to `parse`, in parallel; prints how
/// many documents `parse` counted (so that nothing is optimised away).
fn parse_all(dir: &Path, parse: impl Fn(&str) -> usize + Sync) {
    let mut files = Vec::new();
    collect_yaml(dir, &mut files);
    let docs: usize = files
        .par_iter()
        .map(|path| parse(&std::fs::read_to_string(path).expect("readable spec file")))
        .sum();
    println!("parsed {} files ({docs} documents)", files.len());
}

fn collect_yaml(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("readable folder")
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect_yaml(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The language server: an edit over the real protocol.

/// What the language server measured.
struct Lsp {
    /// From `initialize` to the first answer after `initialized` (the whole workspace loaded,
    /// checked and its diagnostics sent).
    load_ms: f64,
    /// From sending an edit to receiving the edited file's diagnostics for it.
    median_ms: f64,
    p90_ms: f64,
    max_ms: f64,
    edits: usize,
}

fn count_files(dir: &Path) -> usize {
    let mut files = Vec::new();
    collect_yaml(dir, &mut files);
    files.len()
}

/// Starts `kpic server` on the workspace `dir`, opens `kpi-specs/team-NNNNN.yaml` (`file`) and
/// makes `edits` edits to one KPI's `owner` line, each breaking or mending the reference (so the
/// findings change every time); returns how long each took to come back as diagnostics.
fn lsp_latency(kpic: &Path, dir: &Path, file: usize, edits: usize) -> Lsp {
    use serde_json::json;
    let dir = std::fs::canonicalize(dir).expect("the workspace exists");
    let path = dir.join(format!("kpi-specs/team-{file:05}.yaml"));
    let text = std::fs::read_to_string(&path).expect("the file exists");
    let mut c = client::Client::start_bin(kpic, &dir, &[]);
    let start = Instant::now();
    c.initialize(&dir);
    // Answered once the workspace is loaded and its diagnostics sent.
    c.request("workspace/symbol", json!({"query": "no-such-symbol"}));
    let load_ms = start.elapsed().as_secs_f64() * 1000.0;
    let uri = client::uri(&path);
    c.open_text(&path, &text);
    c.wait_for("textDocument/publishDiagnostics", |p| p["uri"] == uri);
    // The `owner:` line of the first KPI whose owner the file defines, as its line and the
    // column of the value in UTF-16 units.
    let kpis = text.find("\nkpis:").expect("a kpis list");
    let (at, owner) = text[kpis..]
        .match_indices("    owner: ")
        .map(|(i, m)| kpis + i + m.len())
        .map(|at| {
            (
                at,
                text[at..]
                    .chars()
                    .take_while(|c| *c != '\n')
                    .collect::<String>(),
            )
        })
        .find(|(_, owner)| text.contains(&format!("  - id: {owner}\n")))
        .expect("a KPI whose owner is defined");
    let line = text[..at].matches('\n').count();
    let column = text[..at]
        .rsplit('\n')
        .next()
        .unwrap_or_default()
        .encode_utf16()
        .count();
    let mut times = Vec::new();
    for i in 0..edits {
        let version = i as i64 + 2;
        // Odd edits break the reference, even ones mend it.
        let (old, new) = if i % 2 == 0 {
            (owner.clone(), format!("{owner}x"))
        } else {
            (format!("{owner}x"), owner.clone())
        };
        let end = column + old.encode_utf16().count();
        let sent = Instant::now();
        c.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version},
                   "contentChanges": [{"range": {"start": {"line": line, "character": column},
                                                 "end": {"line": line, "character": end}},
                                       "text": new}]}),
        );
        let params = c.wait_for("textDocument/publishDiagnostics", |p| {
            p["uri"] == uri && p["version"] == version
        });
        times.push(sent.elapsed().as_secs_f64() * 1000.0);
        let broken = params["diagnostics"].as_array().is_some_and(|d| {
            d.iter()
                .any(|d| d["code"] == "E004" && d["range"]["start"]["line"] == line)
        });
        assert_eq!(
            broken,
            i % 2 == 0,
            "edit {i}: the diagnostics follow the edit"
        );
        // Apart, so that each edit is checked on its own.
        std::thread::sleep(std::time::Duration::from_millis(30));
    }
    // With `KPIC_TIMINGS`, the server logged how long each stage of each check took.
    if std::env::var_os("KPIC_TIMINGS").is_some() {
        eprint!("{}", c.stderr_text());
    }
    c.shutdown();
    let mut sorted = times.clone();
    sorted.sort_by(f64::total_cmp);
    Lsp {
        load_ms,
        median_ms: median(times),
        p90_ms: sorted[(sorted.len() * 9 / 10).min(sorted.len() - 1)],
        max_ms: sorted[sorted.len() - 1],
        edits,
    }
}

// ---------------------------------------------------------------------------------------------
// The measurements.

struct Options {
    sizes: Vec<usize>,
    runs: usize,
    dir: Option<PathBuf>,
    keep: bool,
}

fn options(args: &[String]) -> Options {
    let mut o = Options {
        sizes: vec![1_000, 5_000, 20_000, 100_000],
        runs: 9,
        dir: None,
        keep: false,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--sizes" => {
                o.sizes = it
                    .next()
                    .expect("--sizes takes a list")
                    .split(',')
                    .map(|s| {
                        s.trim()
                            .replace('_', "")
                            .parse()
                            .expect("sizes are numbers")
                    })
                    .collect();
            }
            "--runs" => {
                o.runs = it
                    .next()
                    .expect("--runs takes a number")
                    .parse()
                    .expect("a number")
            }
            "--dir" => o.dir = Some(PathBuf::from(it.next().expect("--dir takes a folder"))),
            "--keep" => o.keep = true,
            "-h" | "--help" => {
                println!(
                    "usage: bench [--sizes 1000,5000,20000,100000] [--runs 9] [--dir DIR] [--keep]\n       bench generate DIR KPIS [--clean]\n       bench build [--kpis 20000] [--runs 9] [--baseline BIN]\n       bench parse DIR"
                );
                std::process::exit(0);
            }
            other => panic!("unknown argument `{other}` (try --help)"),
        }
    }
    o
}

/// The release `kpic` next to this example (`target/release/kpic`), or `$KPIC_BIN`.
fn kpic_bin() -> PathBuf {
    if let Some(p) = std::env::var_os("KPIC_BIN") {
        return PathBuf::from(p);
    }
    let exe = std::env::current_exe().expect("own path");
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>/examples");
    let bin = dir.join(format!("kpic{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.exists(),
        "`{}` not found: run `cargo build --release` first (bash bench/run.sh does)",
        bin.display()
    );
    bin
}

/// Runs a command once, returning the wall time in milliseconds.
fn time_once(cmd: &mut Command) -> f64 {
    let start = Instant::now();
    let status = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("can run the command");
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    // `kpic check` exits 1 on findings; anything else means it could not do its job.
    assert!(
        status.code().is_some_and(|c| c <= 1),
        "{cmd:?} failed with {status}"
    );
    ms
}

/// The median of `runs` timings (after one warm-up run).
fn median_ms(runs: usize, mut make: impl FnMut() -> Command) -> f64 {
    time_once(&mut make());
    median((0..runs.max(1)).map(|_| time_once(&mut make())).collect())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// The medians of `runs` timings of each command, run in turn (after one warm-up run each),
/// so that a change in the machine's load affects all alike.
fn medians_in_turn(runs: usize, commands: &mut [&mut dyn FnMut() -> Command]) -> Vec<f64> {
    for make in commands.iter_mut() {
        time_once(&mut make());
    }
    let mut times = vec![Vec::new(); commands.len()];
    for _ in 0..runs.max(1) {
        for (make, t) in commands.iter_mut().zip(&mut times) {
            t.push(time_once(&mut make()));
        }
    }
    times.into_iter().map(median).collect()
}

/// Peak resident memory in bytes, from `/usr/bin/time -v`, when it is installed.
fn peak_rss(program: &Path, args: &[&str], cwd: &Path) -> Option<u64> {
    let time = Path::new("/usr/bin/time");
    if !time.exists() {
        return None;
    }
    let out = Command::new(time)
        .arg("-v")
        .arg(program)
        .args(args)
        .current_dir(cwd)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .ok()?;
    let err = String::from_utf8_lossy(&out.stderr);
    err.lines()
        .find_map(|l| l.trim().strip_prefix("Maximum resident set size (kbytes):"))
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(|kb| kb * 1024)
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn sh(cmd: &str) -> String {
    Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

/// The pre-commit figures: one file checked in a large workspace.
struct Precommit {
    kpis: usize,
    file: String,
    version_ms: f64,
    cached_ms: f64,
    changed_ms: f64,
    uncached_ms: f64,
    /// In a git work tree (`None` without git).
    git_ms: Option<f64>,
}

/// Times `kpic check FILE` in the workspace `dir`: with the model cache, after another file
/// changed, with `--no-cache`, and (last, once the folder is made a git work tree) in git;
/// with `kpic --version` for process start.
fn precommit(kpic: &Path, dir: &Path, kpis: usize, files: usize, runs: usize) -> Precommit {
    let file = format!("kpi-specs/team-{:05}.yaml", files / 2);
    // A file that the checked one does not need (the previous one declares an owner of its
    // own, shared with it, once in 97 files: this one is far from it).
    let other = dir.join(format!("kpi-specs/team-{:05}.yaml", files / 4));
    let check = |extra: &[&str]| {
        let mut c = Command::new(kpic);
        c.arg("check").args(extra).arg(&file).current_dir(dir);
        c
    };
    // The cache is written once, and read from then on (a file is trusted by its metadata
    // once it is two seconds older than the cache).
    time_once(&mut check(&[]));
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let m = medians_in_turn(
        runs,
        &mut [
            &mut || {
                let mut c = Command::new(kpic);
                c.arg("--version");
                c
            },
            &mut || check(&[]),
            &mut || check(&["--no-cache"]),
        ],
    );
    // Another file changes before each run: it is parsed, and the cache written again.
    let mut n = 0;
    let changed_ms = median_ms(runs, || {
        n += 1;
        let mut text = std::fs::read_to_string(&other).expect("a generated file");
        text.push_str(&format!("# edit {n}\n"));
        std::fs::write(&other, text).expect("can write the workspace");
        check(&[])
    });
    let git = |args: &[&str]| {
        Command::new("git")
            .args([
                "-c",
                "user.name=bench",
                "-c",
                "user.email=bench@example.com",
            ])
            .args(args)
            .current_dir(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    let git_ms =
        (git(&["init", "-q"]) && git(&["add", "-A"]) && git(&["commit", "-q", "-m", "bench"]))
            .then(|| {
                std::thread::sleep(std::time::Duration::from_millis(2100));
                median_ms(runs, || check(&[]))
            });
    Precommit {
        kpis,
        file,
        version_ms: m[0],
        cached_ms: m[1],
        uncached_ms: m[2],
        changed_ms,
        git_ms,
    }
}

struct Row {
    kpis: usize,
    files: usize,
    bytes: u64,
    check_ms: f64,
    parse_ms: f64,
    /// The same files parsed by saphyr's own `MarkedYaml` loader.
    saphyr_ms: f64,
    rss: Option<u64>,
    parse_rss: Option<u64>,
}

fn bench(args: &[String]) {
    let o = options(args);
    let kpic = kpic_bin();
    let me = std::env::current_exe().expect("own path");
    let base = match &o.dir {
        Some(d) => d.clone(),
        None => std::env::temp_dir().join(format!("kpic-bench-{}", std::process::id())),
    };
    println!(
        "kpic benchmark: {} runs per figure (median), binary {}",
        o.runs,
        kpic.display()
    );
    println!(
        "machine: {} cores ({}), {}",
        sh("nproc"),
        sh("lscpu | sed -n 's/^Model name: *//p' | head -1"),
        sh("uname -sr")
    );
    println!(
        "threads: RAYON_NUM_THREADS={}\n",
        std::env::var("RAYON_NUM_THREADS").unwrap_or_else(|_| "(all cores)".into())
    );
    let mut rows = Vec::new();
    let mut single = None;
    let mut lsp = None;
    for &kpis in &o.sizes {
        let dir = base.join(format!("ws-{kpis}"));
        let bytes = generate(&dir, kpis);
        let files = kpis.div_ceil(KPIS_PER_FILE);
        let baseline = |mode: &'static str| {
            let (me, specs) = (me.clone(), dir.join("kpi-specs"));
            move || {
                let mut c = Command::new(&me);
                c.arg(mode).arg(&specs);
                c
            }
        };
        let medians = medians_in_turn(
            o.runs,
            &mut [
                &mut || {
                    let mut c = Command::new(&kpic);
                    c.arg("check").current_dir(&dir);
                    c
                },
                &mut baseline("parse"),
                &mut baseline("parse-saphyr"),
            ],
        );
        let [check_ms, parse_ms, saphyr_ms] = [medians[0], medians[1], medians[2]];
        let rss = peak_rss(&kpic, &["check"], &dir);
        let spec_dir = dir.join("kpi-specs");
        let parse_rss = peak_rss(&me, &["parse", spec_dir.to_str().unwrap_or_default()], &dir);
        println!(
            "{kpis:>7} KPIs, {files:>5} files, {:>6.1} MB: check {check_ms:>8.1} ms, parse-only {parse_ms:>8.1} ms, ratio {:.2}; saphyr MarkedYaml {saphyr_ms:>8.1} ms, ratio {:.2}",
            mb(bytes),
            check_ms / parse_ms,
            check_ms / saphyr_ms
        );
        if kpis == 20_000 || (single.is_none() && kpis == *o.sizes.iter().max().unwrap_or(&0)) {
            single = Some(precommit(&kpic, &dir, kpis, files, o.runs));
            lsp = Some((kpis, lsp_latency(&kpic, &dir, files / 2, 30)));
        }
        rows.push(Row {
            kpis,
            files,
            bytes,
            check_ms,
            parse_ms,
            saphyr_ms,
            rss,
            parse_rss,
        });
        if !o.keep {
            let _ = std::fs::remove_dir_all(&dir);
        }
    }
    if !o.keep && o.dir.is_none() {
        let _ = std::fs::remove_dir_all(&base);
    }
    print_tables(&rows, single.as_ref());
    if let Some((kpis, l)) = lsp {
        println!("\n## Language server: an edit in the {kpis}-KPI workspace\n");
        println!("| `kpic server`, over the protocol | ms |");
        println!("|---|---:|");
        println!(
            "| `initialize` to the first answer (the workspace loaded, checked, published) | {:.1} |",
            l.load_ms
        );
        println!(
            "| an edit to the edited file's diagnostics: median of {} | {:.1} |",
            l.edits, l.median_ms
        );
        println!("| the same, 90th percentile | {:.1} |", l.p90_ms);
        println!("| the same, slowest | {:.1} |", l.max_ms);
        println!(
            "\n- DESIGN §6 bar: the edited file's diagnostics in under 50 ms: {}",
            if l.p90_ms < 50.0 { "met" } else { "NOT met" }
        );
    }
}

/// `kpic build` of the defect-free workspace, against `--baseline BIN` when given: median wall
/// times, and the size of each document the build writes.
fn build(args: &[String]) {
    let mut kpis = 20_000;
    let mut runs = 9;
    let mut baseline: Option<PathBuf> = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = || it.next().expect("the option takes a value").clone();
        match a.as_str() {
            "--kpis" => kpis = value().parse().expect("a number"),
            "--runs" => runs = value().parse().expect("a number"),
            "--baseline" => baseline = Some(PathBuf::from(value())),
            other => panic!("unknown argument `{other}`"),
        }
    }
    let kpic = kpic_bin();
    let dir = std::env::temp_dir().join(format!("kpic-bench-build-{}", std::process::id()));
    let bytes = generate_clean(&dir, kpis);
    println!(
        "kpic build of {kpis} KPIs ({:.1} MB of specs, no defects), {runs} runs per figure (median)\n",
        mb(bytes)
    );
    let make = |bin: PathBuf, out: &'static str| {
        let dir = dir.clone();
        move || {
            let mut c = Command::new(&bin);
            c.args(["build", "--out", out]).current_dir(&dir);
            c
        }
    };
    let mut ours = make(kpic.clone(), "out");
    let medians = match &baseline {
        Some(b) => {
            let mut theirs = make(b.clone(), "out-baseline");
            medians_in_turn(runs, &mut [&mut ours, &mut theirs])
        }
        None => medians_in_turn(runs, &mut [&mut ours]),
    };
    let check_ms = median_ms(runs, || {
        let mut c = Command::new(&kpic);
        c.arg("check").current_dir(&dir);
        c
    });
    let rss = peak_rss(&kpic, &["build", "--out", "out"], &dir);
    println!("| command | median ms |");
    println!("|---|---:|");
    println!("| `kpic check` | {check_ms:.1} |");
    println!("| `kpic build` ({}) | {:.1} |", kpic.display(), medians[0]);
    if let (Some(b), Some(ms)) = (&baseline, medians.get(1)) {
        println!("| `kpic build` ({}) | {ms:.1} |", b.display());
        println!("\nratio: {:.2}", medians[0] / ms);
    }
    if let Some(b) = rss {
        println!("\npeak RSS of `kpic build`: {:.1} MB", mb(b));
    }
    println!("\n| document | bytes |");
    println!("|---|---:|");
    let out = dir.join("out");
    let mut docs: Vec<(String, u64)> = std::fs::read_dir(&out)
        .expect("the build wrote its folder")
        .flatten()
        .map(|e| {
            let size = if e.path().is_dir() {
                std::fs::read_dir(e.path())
                    .map(|d| {
                        d.flatten()
                            .filter_map(|f| f.metadata().ok())
                            .map(|m| m.len())
                            .sum()
                    })
                    .unwrap_or(0)
            } else {
                e.metadata().map_or(0, |m| m.len())
            };
            (e.file_name().to_string_lossy().into_owned(), size)
        })
        .collect();
    docs.sort();
    for (name, size) in docs {
        println!("| `{name}` | {size} |");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

fn print_tables(rows: &[Row], single: Option<&Precommit>) {
    println!("\n## kpic check vs the parse-only baseline (median wall time)\n");
    println!(
        "| KPIs | files | spec MB | `kpic check` ms | parse-only ms | ratio kpic/parse | peak RSS MB | RSS / spec size | parse-only RSS MB |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in rows {
        let rss = r.rss.map_or("n/a".into(), |b| format!("{:.1}", mb(b)));
        let per = r.rss.map_or("n/a".into(), |b| {
            format!("{:.2}×", b as f64 / r.bytes as f64)
        });
        let prss = r
            .parse_rss
            .map_or("n/a".into(), |b| format!("{:.1}", mb(b)));
        println!(
            "| {} | {} | {:.1} | {:.1} | {:.1} | **{:.2}** | {rss} | {per} | {prss} |",
            r.kpis,
            r.files,
            mb(r.bytes),
            r.check_ms,
            r.parse_ms,
            r.check_ms / r.parse_ms
        );
    }
    println!("\n## Growth with size\n");
    println!("| from → to KPIs | KPIs × | `kpic check` time × | parse-only time × |");
    println!("|---|---:|---:|---:|");
    for w in rows.windows(2) {
        println!(
            "| {} → {} | {:.1}× | {:.2}× | {:.2}× |",
            w[0].kpis,
            w[1].kpis,
            w[1].kpis as f64 / w[0].kpis as f64,
            w[1].check_ms / w[0].check_ms,
            w[1].parse_ms / w[0].parse_ms
        );
    }
    if let Some(p) = single {
        let kpis = p.kpis;
        let file = &p.file;
        println!("\n## Pre-commit: one file in the {kpis}-KPI workspace\n");
        println!("| command | ms | × `kpic --version` |");
        println!("|---|---:|---:|");
        let row = |what: &str, ms: f64| {
            println!("| {what} | {ms:.1} | {:.2}× |", ms / p.version_ms);
        };
        row("`kpic --version` (process start)", p.version_ms);
        row(
            &format!("`kpic check {file}` (the model cache, no other file changed)"),
            p.cached_ms,
        );
        row(
            &format!("`kpic check {file}`, another file changed since the last run"),
            p.changed_ms,
        );
        if let Some(ms) = p.git_ms {
            row(
                &format!(
                    "`kpic check {file}` in a git work tree (what the file was at `HEAD`, from git)"
                ),
                ms,
            );
        }
        row(
            &format!("`kpic check --no-cache {file}` (every file parsed)"),
            p.uncached_ms,
        );
        if let Some(r) = rows.iter().find(|r| r.kpis == kpis) {
            row(
                "parse-only of the whole workspace (for reference)",
                r.parse_ms,
            );
        }
    }
    println!("\n## For reference: saphyr's own loader (`MarkedYaml`, spans on every node)\n");
    println!("| KPIs | `kpic check` ms | saphyr `MarkedYaml` parse ms | ratio kpic/saphyr |");
    println!("|---:|---:|---:|---:|");
    for r in rows {
        println!(
            "| {} | {:.1} | {:.1} | {:.2} |",
            r.kpis,
            r.check_ms,
            r.saphyr_ms,
            r.check_ms / r.saphyr_ms
        );
    }
    if let Some(r) = rows.iter().find(|r| r.kpis == 20_000) {
        let ratio = r.check_ms / r.parse_ms;
        let mem = r.rss.map(|b| b as f64 / r.bytes as f64);
        println!("\n## DESIGN §5 bar (20,000 KPIs)\n");
        println!(
            "- time: kpic/parse = {ratio:.2} (bar: at most 1.50): {}",
            if ratio <= 1.5 { "met" } else { "NOT met" }
        );
        match mem {
            Some(m) => println!(
                "- memory: peak RSS / spec size = {m:.2} (bar: under 5): {}",
                if m < 5.0 { "met" } else { "NOT met" }
            ),
            None => println!("- memory: n/a (install GNU time: `apt-get install -y time`)"),
        }
    }
}
