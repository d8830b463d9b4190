//! The trust boundary: everything in a checkout, `kpic.yaml` and links included, may come from
//! a pull request. Each case runs the real binary in a project inside a temp folder and checks
//! that nothing outside the project is read, printed, created or changed (a listing with hashes
//! of the folder around it, before and after), and that nothing hangs (a time limit).

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{Listing, Options, Run, copy_dir, kpic_with, repo_root};

/// What the files around the project hold: text that must never be printed.
const SECRET: &str = "TOP-SECRET-LINE";

/// A temp folder holding a project (`project/`, the bundled specs) and, around it, files a
/// pull request must not reach: a secret that is not a valid config, a folder of victims.
struct Sandbox {
    outer: tempfile::TempDir,
}

impl Sandbox {
    fn new() -> Sandbox {
        let outer = tempfile::tempdir().unwrap();
        let project = outer.path().join("project");
        copy_dir(&repo_root().join("kpi-specs"), &project.join("kpi-specs"));
        fs::write(
            outer.path().join("secret"),
            format!("{SECRET} one\n{SECRET}: [two\n"),
        )
        .unwrap();
        fs::create_dir(outer.path().join("victim")).unwrap();
        fs::write(outer.path().join("victim/models"), "victim data\n").unwrap();
        Sandbox { outer }
    }

    fn project(&self) -> PathBuf {
        self.outer.path().join("project")
    }

    /// The folder around the project, the project left out.
    fn around(&self) -> Listing {
        Listing::of(self.outer.path(), Some(&self.project()))
    }

    /// Runs kpic in the project with a time limit; fails if anything around the project
    /// changed or the secret was printed.
    fn run(&self, args: &[&str]) -> Run {
        self.run_in(&self.project(), args)
    }

    /// [`Sandbox::run`] with the working directory `dir`.
    fn run_in(&self, dir: &Path, args: &[&str]) -> Run {
        let before = self.around();
        let run = kpic_with(
            dir,
            args,
            Options {
                timeout: Some(Duration::from_secs(20)),
                ..Options::default()
            },
        );
        assert_eq!(
            self.around(),
            before,
            "kpic {args:?} changed files outside the project"
        );
        for (name, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
            assert!(
                !text.contains(SECRET),
                "kpic {args:?} printed the secret on {name}: {text}"
            );
        }
        run
    }
}

/// `path` as a link to `target`.
#[cfg(unix)]
fn link(target: impl AsRef<Path>, path: &Path) {
    std::os::unix::fs::symlink(target, path).unwrap();
}

/// A FIFO at `path` (false when `mkfifo` is not there).
fn fifo(path: &Path) -> bool {
    std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .is_ok_and(|s| s.success())
}

/// Asserts exit 2 with a one-line error containing `text`.
fn assert_refused(run: &Run, text: &str) {
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    let first = run.stderr.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("kpic: error: ") && first.contains(text),
        "{}",
        run.stderr
    );
}

// ---------------------------------------------------------------------------------------------
// `kpic.yaml`

#[cfg(unix)]
#[test]
fn a_config_linked_out_of_the_project_is_refused_unread() {
    let sb = Sandbox::new();
    let config = sb.project().join("kpic.yaml");
    link("../secret", &config);
    for args in [
        &["check"][..],
        &["check", "--format", "json"],
        &["build", "--out", "dist"],
    ] {
        let run = sb.run(args);
        assert_refused(&run, "outside the project");
        assert_eq!(run.stdout, "");
    }
    // From a subfolder, through a link to a system file.
    fs::remove_file(&config).unwrap();
    link("/etc/passwd", &config);
    let run = sb.run_in(&sb.project().join("kpi-specs"), &["check"]);
    assert_refused(
        &run,
        "`../kpic.yaml` is a link to `/etc/passwd`, outside the project",
    );
    assert!(!run.stderr.contains("root:"), "{}", run.stderr);
}

#[cfg(unix)]
#[test]
fn a_config_linked_inside_the_project_or_named_on_the_command_line_is_read() {
    let sb = Sandbox::new();
    let project = sb.project();
    common::write(&project, "config/kpic.yaml", "paths: [kpi-specs]\n");
    link("config/kpic.yaml", &project.join("kpic.yaml"));
    assert_eq!(sb.run(&["check"]).code, 0);
    // `--config FILE` is the user's own choice, wherever it leads: here it is read (and, not
    // being a config, shown in the error; the sandbox's secret check is for the other cases).
    let shared = sb.outer.path().join("shared.yaml");
    fs::write(
        &shared,
        "paths: [project/kpi-specs]\nrules: {missing-review: off}\n",
    )
    .unwrap();
    let run = kpic_with(
        &project,
        &["check", "--config", "../shared.yaml"],
        Options::default(),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    // Through a link, paths are relative to the link's folder.
    fs::write(sb.outer.path().join("linked.yaml"), "paths: [kpi-specs]\n").unwrap();
    link("../linked.yaml", &project.join("mine.yaml"));
    let run = kpic_with(
        &project,
        &["check", "--config", "mine.yaml"],
        Options::default(),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn a_config_that_is_a_fifo_is_an_error_and_no_hang() {
    let sb = Sandbox::new();
    let project = sb.project();
    if !fifo(&project.join("kpic.yaml")) {
        eprintln!("skipped: no mkfifo");
        return;
    }
    // Discovered: an error, not a silent default.
    assert_refused(
        &sb.run(&["check"]),
        "cannot read config `kpic.yaml`: it is a FIFO",
    );
    fs::rename(project.join("kpic.yaml"), project.join("pipe")).unwrap();
    assert_refused(
        &sb.run(&["check", "--config", "pipe"]),
        "cannot read config `pipe`: it is a FIFO, device or socket, not a file",
    );
    assert_refused(
        &sb.run(&["build", "--out", "dist", "--config", "pipe"]),
        "it is a FIFO",
    );
}

#[cfg(unix)]
#[test]
fn a_config_that_is_a_device_a_socket_or_a_dangling_link_is_an_error() {
    let sb = Sandbox::new();
    let project = sb.project();
    for device in ["/dev/zero", "/dev/null", "/dev/stdin"] {
        assert_refused(
            &sb.run(&["check", "--config", device]),
            "it is a FIFO, device or socket, not a file",
        );
    }
    let socket = project.join("kpic.yaml");
    let listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    assert_refused(
        &sb.run(&["check"]),
        "it is a FIFO, device or socket, not a file",
    );
    drop(listener);
    fs::remove_file(&socket).unwrap();
    link("nowhere.yaml", &socket);
    assert_refused(&sb.run(&["check"]), "cannot read config `kpic.yaml`");
    // A device reached through a discovered link is outside the project.
    fs::remove_file(&socket).unwrap();
    link("/dev/zero", &socket);
    assert_refused(&sb.run(&["check"]), "outside the project");
}

#[test]
fn a_folder_named_kpic_yaml_is_no_config() {
    let sb = Sandbox::new();
    fs::create_dir(sb.project().join("kpic.yaml")).unwrap();
    assert_eq!(sb.run(&["check"]).code, 0);
}

// ---------------------------------------------------------------------------------------------
// `kpic build --out`

/// The names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn out_is_one_folder_however_it_is_spelled() {
    let sb = Sandbox::new();
    let project = sb.project();
    assert_eq!(sb.run(&["build", "--out", "dist"]).code, 0);
    let built = names(&project.join("dist"));
    for spelling in [
        "dist/../dist",
        "dist/sub/../../dist",
        "./dist/.",
        "kpi-specs/../dist/",
    ] {
        let run = sb.run(&["build", "--out", spelling]);
        assert_eq!(run.code, 0, "{spelling}: {}", run.stderr);
        assert_eq!(
            names(&project),
            ["dist", "kpi-specs"],
            "{spelling}: nothing left beside"
        );
        assert_eq!(names(&project.join("dist")), built, "{spelling}");
    }
}

#[test]
fn out_inside_a_previous_output_is_refused() {
    let sb = Sandbox::new();
    let project = sb.project();
    assert_eq!(sb.run(&["build", "--out", "dist"]).code, 0);
    let before = Listing::of(&project.join("dist"), None);
    for inside in ["dist/sub", "dist/scorecards", "dist/a/b"] {
        let run = sb.run(&["build", "--out", inside]);
        assert_refused(&run, "is inside `dist`, the output of an earlier build");
        assert_eq!(Listing::of(&project.join("dist"), None), before, "{inside}");
    }
}

// Recovery needs the lock builds take on the output's parent folder (Unix).
#[cfg(unix)]
#[test]
fn recovery_finds_what_a_killed_build_left_under_any_spelling() {
    let sb = Sandbox::new();
    let project = sb.project();
    assert_eq!(sb.run(&["build", "--out", "dist"]).code, 0);
    let before = Listing::of(&project.join("dist"), None);
    for spelling in ["dist/../dist", "./dist/sub/../"] {
        // What a build killed between its two renames leaves.
        fs::rename(project.join("dist"), project.join(".dist.kpic-old-4242")).unwrap();
        // With an error in the specs the build writes nothing, yet puts the old output back.
        common::write(&project, "kpi-specs/broken.yaml", "version: 1\nteam: [\n");
        let run = sb.run(&["build", "--out", spelling]);
        assert_eq!(run.code, 1, "{spelling}: {}", run.stderr);
        assert!(
            run.stderr.contains("put back the previous output"),
            "{}",
            run.stderr
        );
        assert_eq!(
            Listing::of(&project.join("dist"), None),
            before,
            "{spelling}"
        );
        assert_eq!(names(&project), ["dist", "kpi-specs"]);
        fs::remove_file(project.join("kpi-specs/broken.yaml")).unwrap();
    }
}

#[test]
fn a_build_replaces_its_output_without_a_trace_beside_it() {
    let sb = Sandbox::new();
    let project = sb.project();
    assert_eq!(sb.run(&["build", "--out", "dist"]).code, 0);
    let spec = project.join("kpi-specs/support.yaml");
    let text = fs::read_to_string(&spec).unwrap();
    fs::write(
        &spec,
        text.replace("name: Customer Support", "name: Customer Care"),
    )
    .unwrap();
    assert_eq!(sb.run(&["build", "--out", "dist"]).code, 0);
    assert!(
        fs::read_to_string(project.join("dist/handbook.md"))
            .unwrap()
            .contains("Customer Care")
    );
    assert_eq!(names(&project), ["dist", "kpi-specs"]);
}
