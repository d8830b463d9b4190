//! The model cache of `kpic check FILE`: the other files' models are read from
//! `.kpic-cache/` when their text is unchanged, with exactly the findings of a run without
//! the cache; a changed file is read again; a damaged cache costs a parse, never a wrong
//! finding; a full check and `--no-cache` neither read nor write it.

mod common;

use std::fs;
use std::path::Path;

use common::{Run, kpic};

/// A workspace whose findings in `a.yaml` depend on the other files: an owner and a duty
/// defined in `b.yaml`, a KPI ID defined again in `c.yaml`, and an owner with KPIs in
/// several files (weights that do not add up to 100).
fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let specs = dir.path().join("kpi-specs");
    fs::create_dir(&specs).unwrap();
    fs::write(
        specs.join("a.yaml"),
        "version: 1\nteam: {id: ta, name: A}\nkpis:\n  - {id: k1, name: 订单处理时长, owner: li-na, duty: d1, metric: 订单从付款到发货的小时数, target: 24小时内, period: monthly, source: ERP, weight: 50}\n  - {id: k2, name: Refund rate, owner: li-na, duty: d1, metric: refunds per order, target: \"< 2 %\", period: monthly, source: ERP, weight: 20}\n",
    )
    .unwrap();
    fs::write(
        specs.join("b.yaml"),
        "version: 1\nteam: {id: tb, name: B}\nowners:\n  - {id: li-na, name: 李娜}\nduties:\n  - {id: d1, name: 发货, owner: li-na}\n",
    )
    .unwrap();
    fs::write(
        specs.join("c.yaml"),
        "version: 1\nteam: {id: tc, name: C}\nkpis:\n  - {id: k2, name: 复购率, owner: li-na, duty: d1, metric: 复购客户占比, target: 30%以上, period: quarterly, source: CRM, weight: 10}\n",
    )
    .unwrap();
    dir
}

fn check(dir: &Path, extra: &[&str]) -> Run {
    let mut args = vec!["check", "--format", "json", "kpi-specs/a.yaml"];
    args.extend(extra);
    kpic(dir, &args)
}

/// The report, without the timing-free but run-specific parts (there are none today: the
/// whole document is compared).
fn report(run: &Run) -> String {
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    run.stdout.clone()
}

#[test]
fn a_second_check_reads_the_other_files_from_the_cache_and_reports_the_same() {
    let dir = workspace();
    let plain = report(&check(dir.path(), &["--no-cache"]));
    assert!(
        !dir.path().join(".kpic-cache").exists(),
        "--no-cache wrote a cache"
    );
    // The findings do depend on the other files.
    assert!(plain.contains("E003") && plain.contains("R003"), "{plain}");
    assert!(!plain.contains("E004"), "{plain}");

    let first = report(&check(dir.path(), &[]));
    let models = dir.path().join(".kpic-cache/models");
    assert!(models.is_file());
    let ignore = fs::read_to_string(dir.path().join(".kpic-cache/.gitignore")).unwrap();
    assert!(ignore.lines().any(|l| l == "*"), "{ignore}");
    let written = fs::metadata(&models).unwrap().modified().unwrap();

    let second = report(&check(dir.path(), &[]));
    assert_eq!(first, plain);
    assert_eq!(second, plain);
    // Nothing changed: the cache was not written again.
    assert_eq!(fs::metadata(&models).unwrap().modified().unwrap(), written);
}

#[test]
fn a_changed_file_is_read_again() {
    let dir = workspace();
    report(&check(dir.path(), &[]));
    // The owner and the duty go away: the cached model of `b.yaml` must not be used.
    let b = dir.path().join("kpi-specs/b.yaml");
    fs::write(&b, "version: 1\nteam: {id: tb, name: B}\n").unwrap();
    let after = report(&check(dir.path(), &[]));
    assert!(after.contains("E004"), "{after}");
    assert_eq!(after, report(&check(dir.path(), &["--no-cache"])));
}

#[test]
fn a_damaged_cache_costs_a_parse_and_nothing_else() {
    let dir = workspace();
    let plain = report(&check(dir.path(), &["--no-cache"]));
    report(&check(dir.path(), &[]));
    let models = dir.path().join(".kpic-cache/models");
    let good = fs::read(&models).unwrap();
    let mut damaged: Vec<Vec<u8>> = vec![
        Vec::new(),
        b"not a cache".to_vec(),
        good[..good.len() / 2].to_vec(),
        good.iter().map(|b| b ^ 0x5A).collect(),
    ];
    // One byte flipped, at 60 places spread over the file (names, keys, checksums, models).
    for i in (0..good.len()).step_by(good.len().div_ceil(60)) {
        let mut g = good.clone();
        g[i] ^= 0x01;
        damaged.push(g);
    }
    for bytes in damaged {
        fs::write(&models, &bytes).unwrap();
        assert_eq!(report(&check(dir.path(), &[])), plain);
    }
}

#[test]
fn a_check_of_every_file_neither_reads_nor_writes_the_cache() {
    let dir = workspace();
    for args in [
        &["check", "--format", "json"][..],
        &["check", "--format", "json", "kpi-specs"],
        &[
            "check",
            "--format",
            "json",
            "kpi-specs/a.yaml",
            "kpi-specs/b.yaml",
            "kpi-specs/c.yaml",
        ],
    ] {
        let run = kpic(dir.path(), args);
        assert_eq!(run.code, 1, "{}", run.stderr);
        assert!(!dir.path().join(".kpic-cache").exists(), "{args:?}");
    }
}

#[test]
fn the_cache_keeps_only_files_of_the_workspace() {
    // A given file outside the workspace is reported on, never kept.
    let dir = workspace();
    fs::write(
        dir.path().join("elsewhere.yaml"),
        "version: 1\nteam: {id: te, name: E}\n",
    )
    .unwrap();
    let run = kpic(dir.path(), &["check", "--format", "json", "elsewhere.yaml"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let models = fs::read(dir.path().join(".kpic-cache/models")).unwrap();
    let text = String::from_utf8_lossy(&models);
    assert!(!text.contains("elsewhere"), "{text}");
    assert!(text.contains("kpi-specs/b.yaml"), "{text}");
}
