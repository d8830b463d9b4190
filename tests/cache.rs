//! The model cache of `kpic check FILE`: what the other files define comes from
//! `.kpic-cache/` while they are unchanged (unchanged files are not even read), with exactly
//! the findings of a run without the cache; a changed file is read again; a damaged cache
//! costs a parse, never a wrong finding; a full check and `--no-cache` neither read nor write
//! it. And the cache cannot lie: one that is a link, a FIFO or a device, too large, tracked by
//! git, written with another key, or met under CI is not used, and nothing outside the
//! project is read, written or waited for.

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

// ---------------------------------------------------------------------------------------------
// A cache that cannot lie: what the checkout holds at `.kpic-cache` is used only when it is
// kpic's own, and never makes kpic read, write or hang outside the project.

use std::time::Duration;

use common::{Listing, Options, git, kpic_with};

/// A folder with the [`workspace`] project in `project/` and a file beside it; the project's
/// path.
fn outer() -> (tempfile::TempDir, std::path::PathBuf) {
    let outer = tempfile::tempdir().unwrap();
    let project = outer.path().join("project");
    common::copy_dir(workspace().path(), &project);
    fs::create_dir(outer.path().join("victim")).unwrap();
    fs::write(
        outer.path().join("victim/secret.yaml"),
        "version: 1\nowners: [{id: x, name: secret}]\n",
    )
    .unwrap();
    (outer, project)
}

/// `kpic check --format json kpi-specs/a.yaml` with a time limit and `env`.
fn check_in(dir: &Path, extra: &[&str], env: &[(&str, &str)]) -> Run {
    let mut args = vec!["check", "--format", "json", "kpi-specs/a.yaml"];
    args.extend(extra);
    kpic_with(
        dir,
        &args,
        Options {
            env,
            timeout: Some(Duration::from_secs(30)),
            ..Options::default()
        },
    )
}

/// Runs the check in `project` with a cache that must not be used: the report is the one of
/// `--no-cache`, nothing outside the project changes, and stderr says `note` exactly once.
fn assert_not_used(outer: &Path, project: &Path, note: &str) {
    let plain = report(&check_in(project, &["--no-cache"], &[]));
    let before = Listing::of(outer, Some(project));
    let run = check_in(project, &[], &[]);
    assert_eq!(report(&run), plain);
    assert_eq!(run.stderr.matches(note).count(), 1, "{}", run.stderr);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert_eq!(
        Listing::of(outer, Some(project)),
        before,
        "something outside the project changed"
    );
}

#[cfg(unix)]
#[test]
fn a_cache_folder_that_is_a_link_is_neither_followed_nor_written() {
    let (outer, project) = outer();
    std::os::unix::fs::symlink("../victim", project.join(".kpic-cache")).unwrap();
    assert_not_used(
        outer.path(),
        &project,
        "kpic: note: `.kpic-cache` is a link: the model cache is not used",
    );
    assert!(!outer.path().join("victim/models").exists());
    assert!(!outer.path().join("victim/.gitignore").exists());
}

#[cfg(unix)]
#[test]
fn a_gitignore_link_in_the_cache_folder_is_not_written_through() {
    let (outer, project) = outer();
    fs::create_dir(project.join(".kpic-cache")).unwrap();
    std::os::unix::fs::symlink(
        "../../victim/created",
        project.join(".kpic-cache/.gitignore"),
    )
    .unwrap();
    let before = Listing::of(outer.path(), Some(&project));
    let run = check_in(&project, &[], &[]);
    report(&run);
    assert_eq!(Listing::of(outer.path(), Some(&project)), before);
    assert!(!outer.path().join("victim/created").exists());
    // The cache itself is written, inside the project.
    assert!(project.join(".kpic-cache/models").is_file());
}

#[cfg(unix)]
#[test]
fn a_cache_file_that_is_a_link_fifo_or_device_is_never_opened() {
    let (outer, project) = outer();
    let cache = project.join(".kpic-cache");
    fs::create_dir(&cache).unwrap();
    let fifo_outside = outer.path().join("victim/fifo");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo_outside)
            .status()
            .unwrap()
            .success()
    );
    let note = "kpic: note: `.kpic-cache`/models is not a regular file (a link, FIFO or device): the model cache is not used";
    for target in [
        "/dev/zero",
        "/dev/stdin",
        fifo_outside.to_str().unwrap(),
        "../../victim/secret.yaml",
    ] {
        let models = cache.join("models");
        let _ = fs::remove_file(&models);
        std::os::unix::fs::symlink(target, &models).unwrap();
        assert_not_used(outer.path(), &project, note);
        assert_eq!(
            fs::read_link(&models).unwrap(),
            Path::new(target),
            "the link is left as it was"
        );
    }
    // A FIFO in the folder itself: not opened to block, not replaced.
    let models = cache.join("models");
    fs::remove_file(&models).unwrap();
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&models)
            .status()
            .unwrap()
            .success()
    );
    assert_not_used(outer.path(), &project, note);
    use std::os::unix::fs::FileTypeExt;
    assert!(fs::symlink_metadata(&models).unwrap().file_type().is_fifo());
}

#[test]
fn a_cache_file_far_larger_than_the_specs_is_not_read() {
    let (outer, project) = outer();
    fs::create_dir(project.join(".kpic-cache")).unwrap();
    // The specs take under a kilobyte: the cap is its floor, 1 MiB.
    fs::write(project.join(".kpic-cache/models"), vec![0u8; 3 << 20]).unwrap();
    assert_not_used(
        outer.path(),
        &project,
        "kpic: note: `.kpic-cache`/models is larger than 4 times the spec files: the model cache is not read",
    );
}

/// How many files the check read and how many models it had, from `KPIC_TIMINGS`.
fn files_read(run: &Run) -> (usize, usize) {
    let line = run
        .stderr
        .lines()
        .find(|l| l.contains("files read"))
        .unwrap_or_else(|| panic!("no load timing in {}", run.stderr));
    let numbers: Vec<usize> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|w| w.parse().ok())
        .collect();
    // `…; R of N files read, M models): T ms`
    (numbers[0], numbers[2])
}

#[test]
fn files_unchanged_since_the_cache_was_written_are_not_read() {
    let dir = workspace();
    // A file changed less than two seconds before the cache was written may change again
    // without its times changing: such files are read and compared until they are older.
    std::thread::sleep(Duration::from_millis(2100));
    let timings = [("KPIC_TIMINGS", "1")];
    let first = check_in(dir.path(), &[], &timings);
    assert_eq!(files_read(&first), (3, 3), "{}", first.stderr);
    let second = check_in(dir.path(), &[], &timings);
    assert_eq!(report(&second), report(&first));
    // The given file, and c.yaml, which the findings need (it defines `k2` again and holds a
    // KPI of a.yaml's owner); not b.yaml, which only defines the owner and the duty that
    // a.yaml references (the cache knows it does).
    assert_eq!(files_read(&second), (2, 2), "{}", second.stderr);
    // Nor a file that nothing in a.yaml needs.
    fs::write(
        dir.path().join("kpi-specs/z.yaml"),
        "version: 1\nteam: {id: tz, name: Z}\nowners:\n  - {id: zhao, name: Zhao}\n",
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(2100));
    check_in(dir.path(), &[], &[]);
    let third = check_in(dir.path(), &[], &timings);
    assert_eq!(files_read(&third), (2, 2), "{}", third.stderr);
    assert_eq!(report(&third), report(&second));
}

#[test]
fn under_ci_the_cache_is_neither_read_nor_written() {
    let dir = workspace();
    let ci = [("CI", "true"), ("KPIC_TIMINGS", "1")];
    let run = check_in(dir.path(), &[], &ci);
    assert!(!dir.path().join(".kpic-cache").exists());
    assert_eq!(files_read(&run), (3, 3));
    // A cache written outside CI is not read under it: every file is parsed.
    check_in(dir.path(), &[], &[]);
    let models = dir.path().join(".kpic-cache/models");
    let written = fs::read(&models).unwrap();
    fs::write(
        dir.path().join("kpi-specs/z.yaml"),
        "version: 1\nteam: {id: tz, name: Z}\n",
    )
    .unwrap();
    let run = check_in(dir.path(), &[], &ci);
    assert_eq!(files_read(&run), (4, 4), "{}", run.stderr);
    assert_eq!(fs::read(&models).unwrap(), written, "not written under CI");
}

#[test]
fn a_cache_committed_to_the_repository_is_not_read() {
    // Only git can track a cache (scripts/test-all installs it).
    if std::process::Command::new("git")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("git is not installed: nothing can track the cache");
        return;
    }
    let (outer, project) = outer();
    git(&project, &["init", "-q"]);
    // A cache made from other specs (`b.yaml` without the owner and the duty), committed.
    let b = project.join("kpi-specs/b.yaml");
    let real = fs::read_to_string(&b).unwrap();
    fs::write(
        &b,
        "version: 1\nteam: {id: tb, name: B}\nowners:\n  - {id: li-na, name: 李娜}\n",
    )
    .unwrap();
    report(&check_in(&project, &[], &[]));
    fs::write(&b, &real).unwrap();
    git(&project, &["add", "-A"]);
    git(&project, &["add", "-f", ".kpic-cache/models"]);
    git(&project, &["commit", "-q", "-m", "specs and a cache"]);
    assert_not_used(
        outer.path(),
        &project,
        "kpic: note: `.kpic-cache` is tracked by git (or git cannot tell): the model cache is not used",
    );
}

#[test]
fn a_cache_written_with_another_key_never_matches() {
    let dir = workspace();
    let plain = report(&check_in(dir.path(), &["--no-cache"], &[]));
    // Written on another machine (another key), with another `b.yaml`.
    let elsewhere = tempfile::tempdir().unwrap();
    let other_home = elsewhere.path().join("home");
    let other_home = other_home.to_str().unwrap();
    let b = dir.path().join("kpi-specs/b.yaml");
    let real = fs::read_to_string(&b).unwrap();
    fs::write(&b, "version: 1\nteam: {id: tb, name: B}\n").unwrap();
    report(&check_in(
        dir.path(),
        &[],
        &[("XDG_CACHE_HOME", other_home)],
    ));
    std::thread::sleep(Duration::from_millis(2100));
    fs::write(&b, &real).unwrap();
    let run = check_in(dir.path(), &[], &[("KPIC_TIMINGS", "1")]);
    assert_eq!(report(&run), plain);
    // Nothing of it was used: every file was parsed.
    assert_eq!(files_read(&run), (3, 3), "{}", run.stderr);
}

#[cfg(unix)]
#[test]
fn the_key_is_made_once_in_the_user_cache_folder_readable_by_the_user_only() {
    use std::os::unix::fs::PermissionsExt;
    let home = tempfile::tempdir().unwrap();
    let xdg = home.path().join("cache");
    let env = [("XDG_CACHE_HOME", xdg.to_str().unwrap())];
    let dir = workspace();
    report(&check_in(dir.path(), &[], &env));
    let key = xdg.join("kpic/key");
    let bytes = fs::read(&key).unwrap();
    assert_eq!(bytes.len(), 32);
    assert_eq!(
        fs::metadata(&key).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert_eq!(
        fs::metadata(xdg.join("kpic")).unwrap().permissions().mode() & 0o777,
        0o700
    );
    // Kept from run to run; another user's (another folder's) key is another.
    report(&check_in(dir.path(), &[], &env));
    assert_eq!(fs::read(&key).unwrap(), bytes);
    let other = home.path().join("other");
    report(&check_in(
        dir.path(),
        &[],
        &[("XDG_CACHE_HOME", other.to_str().unwrap())],
    ));
    assert_ne!(fs::read(other.join("kpic/key")).unwrap(), bytes);
    // Without a key (it was deleted), a new one is made and the cache rebuilt.
    fs::remove_file(&key).unwrap();
    let plain = report(&check_in(dir.path(), &["--no-cache"], &env));
    assert_eq!(report(&check_in(dir.path(), &[], &env)), plain);
    assert!(key.is_file());
}
