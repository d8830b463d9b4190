//! `kpic check --fix`, `--diff` and `--add-ignore REASON` (DESIGN §5) on real files: block and
//! flow style, comments, quotes, Chinese text, CRLF line ends and a byte-order mark.

mod common;

use std::fs;
use std::path::Path;

use common::{Listing, check_json, diags, fixture, kpic, kpic_with};

const FILES: [&str; 3] = [
    "kpi-specs/owners.yaml",
    "kpi-specs/ecommerce.yaml",
    "kpi-specs/service.yaml",
];

fn read(dir: &Path, name: &str) -> String {
    fs::read_to_string(dir.join(name)).unwrap()
}

/// The comments of a text with the line each is on.
fn comments(text: &str) -> Vec<(usize, String)> {
    text.lines()
        .enumerate()
        .filter_map(|(i, l)| {
            l.find(" #")
                .or(l.starts_with('#').then_some(0))
                .map(|at| (i, l[at..].trim().to_owned()))
        })
        .collect()
}

#[test]
fn fix_replaces_typos_keeping_comments_quotes_and_layout() {
    let dir = fixture("fix/typos");
    let before: Vec<String> = FILES.iter().map(|f| read(dir.path(), f)).collect();
    let (code, v) = check_json(dir.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(diags(&v).len(), 11);
    let run = kpic(dir.path(), &["check", "--fix"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.stderr, "kpic: fixed 8 findings in 2 files, 0 remain\n");
    assert_eq!(run.stdout, "", "nothing is left to report");
    for (name, old) in FILES.iter().zip(&before) {
        let new = read(dir.path(), name);
        // Same lines, the comments where they were.
        assert_eq!(old.lines().count(), new.lines().count(), "{name}");
        assert_eq!(comments(old), comments(&new), "{name}");
    }
    assert_eq!(
        read(dir.path(), FILES[0]),
        before[0],
        "the owners file has nothing to fix"
    );
    insta::assert_snapshot!("fixed_ecommerce", read(dir.path(), FILES[1]));
    insta::assert_snapshot!("fixed_service", read(dir.path(), FILES[2]));
    let (code, v) = check_json(dir.path(), &[]);
    assert_eq!((code, diags(&v).len()), (0, 0), "{v}");
    // Nothing more to do.
    let again = kpic(dir.path(), &["check", "--fix"]);
    assert_eq!(
        again.stderr,
        "kpic: fixed 0 findings in 0 files, 0 remain\n"
    );
}

#[test]
fn fix_keeps_crlf_line_ends_and_the_byte_order_mark() {
    let dir = fixture("fix/typos");
    let lf = fixture("fix/typos");
    for name in &FILES[1..] {
        let text = read(dir.path(), name).replace('\n', "\r\n");
        fs::write(dir.path().join(name), format!("\u{feff}{text}")).unwrap();
    }
    let run = kpic(dir.path(), &["check", "--fix"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(kpic(lf.path(), &["check", "--fix"]).code, 0);
    for name in &FILES[1..] {
        let bytes = fs::read(dir.path().join(name)).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        let body = text.strip_prefix('\u{feff}').expect("the BOM is kept");
        assert!(
            !body.replace("\r\n", "").contains('\n'),
            "a bare LF in {name}: {body:?}"
        );
        assert_eq!(body.replace("\r\n", "\n"), read(lf.path(), name), "{name}");
    }
}

#[test]
fn diff_prints_the_fixes_and_writes_nothing() {
    let dir = fixture("fix/typos");
    let listing = Listing::of(dir.path(), None);
    let run = kpic(dir.path(), &["check", "--diff"]);
    assert_eq!(run.code, 1, "edits to make: like `ruff --diff`, exit 1");
    assert_eq!(
        run.stderr,
        "kpic: 7 fixes in 2 files (not written: run without `--diff` to write them)\n"
    );
    insta::assert_snapshot!("diff", run.stdout);
    assert_eq!(
        Listing::of(dir.path(), None),
        listing,
        "--diff wrote something"
    );
    // The diff is one `git apply` reads, and makes the first round of `--fix`.
    fs::write(dir.path().join("fix.diff"), &run.stdout).unwrap();
    let applied = std::process::Command::new("git")
        .args(["apply", "--unsafe-paths", "fix.diff"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(applied.status.success(), "{applied:?}");
    let (_, v) = check_json(dir.path(), &[]);
    let left: Vec<String> = diags(&v).into_iter().map(|d| d.code).collect();
    // What the first round uncovers: `ownr` became `owner`, whose value is a typo too.
    assert_eq!(left, ["E004"], "{v}");
    let run = kpic(dir.path(), &["check", "--diff"]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains("-    owner: li-nq  "), "{}", run.stdout);
    assert_eq!(kpic(dir.path(), &["check", "--fix"]).code, 0);
    let run = kpic(dir.path(), &["check", "--diff"]);
    assert_eq!((run.code, run.stdout.as_str()), (0, ""));
}

#[test]
fn add_ignore_silences_every_finding_once() {
    let dir = fixture("fix/typos");
    let name = FILES[2];
    let crlf = read(dir.path(), name).replace('\n', "\r\n");
    fs::write(dir.path().join(name), &crlf).unwrap();
    let before: Vec<String> = FILES.iter().map(|f| read(dir.path(), f)).collect();
    let run = kpic(
        dir.path(),
        &["check", "--add-ignore", "adopted in 2026; 见 #12"],
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(
        run.stderr,
        "kpic: added 7 suppressions in 2 files, 0 remain\n"
    );
    let ecommerce = read(dir.path(), FILES[1]);
    insta::assert_snapshot!("ignored_ecommerce", ecommerce);
    let service = read(dir.path(), name);
    assert!(!service.replace("\r\n", "").contains('\n'), "{service:?}");
    insta::assert_snapshot!("ignored_service", service.replace("\r\n", "\n"));
    // Every old line is still there, in order, and the comments it had.
    for (old, new) in before
        .iter()
        .zip([read(dir.path(), FILES[0]), ecommerce, service])
    {
        let mut lines = new.lines();
        for l in old.lines() {
            assert!(lines.any(|n| n == l), "lost or moved: {l:?}");
        }
    }
    let (code, v) = check_json(dir.path(), &[]);
    assert_eq!((code, diags(&v).len()), (0, 0), "{v}");
    // A second run adds nothing.
    let listing = Listing::of(dir.path(), None);
    let run = kpic(dir.path(), &["check", "--add-ignore", "again"]);
    assert_eq!(
        run.stderr,
        "kpic: added 0 suppressions in 0 files, 0 remain\n"
    );
    assert_eq!(Listing::of(dir.path(), None), listing);
}

#[test]
fn add_ignore_joins_the_suppression_above() {
    let dir = tempfile::tempdir().unwrap();
    common::write(
        dir.path(),
        "kpi-specs/a.yaml",
        "version: 1\nteam: {id: t, name: T, review: quarterly}\nowners: [{id: o, name: O}]\nduties: [{id: d, name: D, owner: o}]\nkpis:\n  - id: k\n    name: K\n    duty: d\n    owner: o\n    # kpic: ignore[missing-source] -- 没有数据源\n    target: \">= 2\"\n    period: monthly\n    weight: 100\n",
    );
    let run = kpic(dir.path(), &["check", "--add-ignore", "later"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = read(dir.path(), "kpi-specs/a.yaml");
    assert!(
        text.contains("  # kpic: ignore[M003, S001] -- later\n  - id: k\n"),
        "{text}"
    );
    assert!(
        text.contains("    # kpic: ignore[missing-source, M002] -- 没有数据源\n    target:"),
        "{text}"
    );
}

#[test]
fn what_cannot_be_edited_is_refused() {
    let dir = fixture("fix/typos");
    let spec = read(dir.path(), FILES[2]);
    let run = kpic_with(
        dir.path(),
        &["check", "--fix", "-", "--stdin-filename", FILES[2]],
        common::Options {
            stdin: Some(spec.as_bytes()),
            ..Default::default()
        },
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("cannot be edited in place"),
        "{}",
        run.stderr
    );
    // `--diff` may read stdin: it writes nothing.
    let run = kpic_with(
        dir.path(),
        &["check", "--diff", "-", "--stdin-filename", FILES[2]],
        common::Options {
            stdin: Some(spec.as_bytes()),
            ..Default::default()
        },
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stdout.starts_with("--- a/kpi-specs/service.yaml\n"),
        "{}",
        run.stdout
    );
    let run = kpic(dir.path(), &["check", "--add-ignore", " "]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("`--add-ignore` needs a reason"),
        "{}",
        run.stderr
    );
    let run = kpic(dir.path(), &["check", "--fix", "--add-ignore", "x"]);
    assert_eq!(run.code, 2);
}

#[cfg(unix)]
#[test]
fn fix_writes_through_a_link_and_keeps_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let dir = fixture("fix/typos");
    let real = dir.path().join("shared/service.yaml");
    fs::create_dir_all(real.parent().unwrap()).unwrap();
    fs::rename(dir.path().join(FILES[2]), &real).unwrap();
    std::os::unix::fs::symlink("../shared/service.yaml", dir.path().join(FILES[2])).unwrap();
    fs::set_permissions(&real, fs::Permissions::from_mode(0o640)).unwrap();
    let run = kpic(dir.path(), &["check", "--fix"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        fs::symlink_metadata(dir.path().join(FILES[2]))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(read(dir.path(), "shared/service.yaml").contains("owner: wang-fang,"));
    assert_eq!(
        fs::metadata(&real).unwrap().permissions().mode() & 0o777,
        0o640
    );
}
