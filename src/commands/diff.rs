//! `kpic diff [BASE] [HEAD]`: the policy at a git revision against another revision or the
//! working tree, per team and per person, with the findings introduced and fixed.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::check;
use crate::cli::DiffArgs;
use crate::commands::{EXIT_FINDINGS, EXIT_OK, check_request, cwd, print};
use crate::diff::{self, Snapshot, git};
use crate::emit::Lang;
use crate::error::{Error, Result};

/// Runs `kpic diff`.
pub fn run(args: DiffArgs) -> Result<ExitCode> {
    let format = args.format.as_str();
    if !matches!(format, "human" | "markdown" | "json") {
        return Err(Error::new(format!(
            "unknown --format `{format}`: expected human, markdown or json"
        )));
    }
    let lang = args.lang;
    let cwd = cwd()?;
    let (top, prefix) = git::work_tree(&cwd)?;
    let base_rev = args.base.as_deref().unwrap_or("HEAD");
    let today = args.today.as_deref();
    // The two sides are independent: each is read by git and checked while the other is.
    let (base, head) = rayon::join(
        || revision(&top, &prefix, base_rev, today, lang),
        || match args.head.as_deref() {
            Some(rev) => revision(&top, &prefix, rev, today, lang),
            None => {
                let req = check_request(cwd.clone(), Vec::new(), None, today)?;
                let outcome = check::run(&req)?;
                Ok(Snapshot::new("the working tree", &outcome, lang))
            }
        },
    );
    let (base, head) = (base?, head?);
    let d = diff::compare(&base, &head);
    let text = match format {
        "human" => diff::human(&d),
        "markdown" => diff::markdown(&d),
        _ => {
            let mut s = serde_json::to_string_pretty(&d)
                .map_err(|e| Error::new(format!("cannot write the diff as JSON: {e}")))?;
            s.push('\n');
            s
        }
    };
    print(&text)?;
    let fail = args.fail_on_new_findings && !d.findings_introduced.is_empty();
    Ok(ExitCode::from(if fail { EXIT_FINDINGS } else { EXIT_OK }))
}

/// The snapshot of revision `rev`: its YAML written into a temporary folder, loaded and
/// checked from the same place in the tree as the working directory, with that revision's
/// own `kpic.yaml`.
fn revision(
    top: &Path,
    prefix: &str,
    rev: &str,
    today: Option<&str>,
    lang: Option<Lang>,
) -> Result<Snapshot> {
    let commit = git::commit(top, rev)?;
    let tmp = TempDir::new()?;
    git::write_tree(top, &commit, &tmp.0)?;
    // The working directory's place in the revision (an empty folder is not in git), so
    // that `kpic.yaml` is found from it as in the working tree.
    let at = tmp.0.join(prefix);
    std::fs::create_dir_all(&at)
        .map_err(|e| Error::new(format!("cannot write revision `{rev}` out: {e}")))?;
    let req = check_request(at, Vec::new(), None, today)?;
    let outcome = check::run(&req)
        .map_err(|e| Error::new(format!("revision `{rev}` has no workspace: {}", e.message)))?;
    Ok(Snapshot::new(rev, &outcome, lang))
}

/// A folder of kpic's own under the system's temporary folder, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Result<TempDir> {
        let base = std::env::temp_dir();
        for n in 0..1000u32 {
            let path = base.join(format!("kpic-diff-{}-{n}", std::process::id()));
            match std::fs::create_dir(&path) {
                Ok(()) => return Ok(TempDir(path)),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => {
                    return Err(Error::new(format!(
                        "cannot make a temporary folder in `{}`: {e}",
                        base.display()
                    )));
                }
            }
        }
        Err(Error::new("cannot make a temporary folder"))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
