//! The parallel path gives the same findings, in the same order, as a single-threaded run: the
//! real binary on a generated workspace with defects (the benchmark's generator), run with
//! `RAYON_NUM_THREADS=1` and with several threads, compared byte for byte.

#[path = "../bench/synth.rs"]
#[allow(dead_code)]
mod synth;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use tempfile::TempDir;

/// 2,400 KPIs in 120 files: enough defects of every kind to make ordering matter.
const KPIS: usize = 2_400;

/// Runs `kpic ARGS` in `dir` with `threads` rayon threads; returns stdout and the exit code.
fn kpic(dir: &Path, threads: usize, args: &[&str]) -> (String, i32) {
    let out = Command::new(env!("CARGO_BIN_EXE_kpic"))
        .args(args)
        .current_dir(dir)
        .env("RAYON_NUM_THREADS", threads.to_string())
        .env_remove("GITHUB_ACTIONS")
        .output()
        .expect("kpic runs");
    (
        String::from_utf8(out.stdout).expect("UTF-8 output"),
        out.status.code().expect("an exit code"),
    )
}

fn workspace() -> TempDir {
    let dir = TempDir::new().expect("temp dir");
    let bytes = synth::generate(dir.path(), KPIS);
    assert!(
        bytes > 400 * KPIS as u64,
        "about 500 bytes a KPI, got {bytes}"
    );
    dir
}

/// How many findings of each code a JSON report holds.
fn codes(json: &str) -> BTreeMap<String, usize> {
    let v: serde_json::Value = serde_json::from_str(json).expect("JSON report");
    let mut counts = BTreeMap::new();
    for d in v["diagnostics"].as_array().expect("diagnostics") {
        *counts
            .entry(d["code"].as_str().expect("code").to_owned())
            .or_default() += 1;
    }
    counts
}

#[test]
fn whole_workspace_same_findings_in_same_order_with_any_thread_count() {
    let ws = workspace();
    let (single, code) = kpic(ws.path(), 1, &["check", "--format", "json"]);
    assert_eq!(code, 1, "the generated defects include errors");
    let counts = codes(&single);
    // Defects of every seeded kind are found, across files too, so the order is not trivial.
    for code in [
        "E002", "E003", "E004", "M001", "M002", "M003", "S002", "T001",
    ] {
        assert!(
            counts.get(code).copied().unwrap_or(0) > 0,
            "no {code} in {counts:?}"
        );
    }
    let total: usize = counts.values().sum();
    assert!(total > 50, "only {total} findings: {counts:?}");
    for threads in [2, 4, 8] {
        let (parallel, code) = kpic(ws.path(), threads, &["check", "--format", "json"]);
        assert_eq!(code, 1);
        assert!(
            parallel == single,
            "the JSON report with {threads} threads differs from the single-threaded one"
        );
    }
}

#[test]
fn every_format_is_deterministic_across_thread_counts() {
    let ws = workspace();
    for format in ["compact", "sarif", "junit", "human"] {
        let (single, _) = kpic(ws.path(), 1, &["check", "--format", format]);
        assert!(!single.is_empty(), "no {format} output");
        let (parallel, _) = kpic(ws.path(), 4, &["check", "--format", format]);
        assert!(
            parallel == single,
            "the {format} report with 4 threads differs from the single-threaded one"
        );
    }
}

#[test]
fn pre_commit_check_of_one_file_matches_the_full_run_and_threads() {
    let ws = workspace();
    // The first file with a cross-file duplicate owner (file 96 re-declares one of file 95).
    let file = "kpi-specs/team-00096.yaml";
    let (single, _) = kpic(ws.path(), 1, &["check", "--format", "json", file]);
    let (parallel, _) = kpic(ws.path(), 4, &["check", "--format", "json", file]);
    assert!(parallel == single, "the one-file report depends on threads");
    let one: serde_json::Value = serde_json::from_str(&single).expect("JSON");
    let diags = one["diagnostics"].as_array().expect("diagnostics");
    assert!(
        diags.iter().all(|d| d["file"] == file),
        "findings outside the given file: {single}"
    );
    assert!(
        diags.iter().any(|d| d["code"] == "E003"),
        "the owner defined in the previous file is a duplicate: {single}"
    );
    // The same findings as the whole-workspace run has for that file, in the same order.
    let (full, _) = kpic(ws.path(), 4, &["check", "--format", "json"]);
    let full: serde_json::Value = serde_json::from_str(&full).expect("JSON");
    let from_full: Vec<&serde_json::Value> = full["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| d["file"] == file)
        .collect();
    assert_eq!(diags.iter().collect::<Vec<_>>(), from_full);
}
