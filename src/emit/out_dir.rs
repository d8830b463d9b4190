//! Writing the output folder atomically: every file goes into a temporary folder beside the
//! output folder, which then replaces it with two renames. A failed build leaves the previous
//! output folder as it was.

use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};

use super::Document;

/// Names a previous build may have left in the output folder; anything else makes kpic
/// refuse to replace the folder, so `--out src` cannot wipe a source tree.
const OWN_FILES: &[&str] = &[
    "handbook.md",
    "scorecards.csv",
    "scorecards.xlsx",
    "kpis.json",
    "scorecards",
];

/// Why an output folder cannot be used.
#[derive(Debug)]
pub struct Refusal {
    /// What is wrong, lowercase.
    pub message: String,
    /// What to do instead.
    pub help: String,
}

/// Checks that `out` may be replaced: not an existing file or symbolic link, not the
/// workspace root, not a folder holding (or above) any of `protected`, and, if it exists,
/// holding only what kpic writes.
pub fn check(out: &Path, protected: &[PathBuf]) -> Result<(), Refusal> {
    let shown = out.display();
    if let Ok(meta) = std::fs::symlink_metadata(out) {
        if meta.file_type().is_symlink() {
            return Err(Refusal {
                message: format!("`--out {shown}` is a symbolic link"),
                help: "give the real folder, or a new folder name".into(),
            });
        }
        if !meta.is_dir() {
            return Err(Refusal {
                message: format!("`--out {shown}` is a file, not a folder"),
                help: "give a folder to write the documents into, for example `--out dist`".into(),
            });
        }
    }
    if out.parent().is_none_or(|p| p.as_os_str().is_empty()) || out.file_name().is_none() {
        return Err(Refusal {
            message: format!("`--out {shown}` cannot be replaced"),
            help: "give a folder below the working directory, for example `--out dist`".into(),
        });
    }
    let canon_out = canonical(out);
    for p in protected {
        if canonical(p).starts_with(&canon_out) {
            return Err(Refusal {
                message: format!(
                    "`--out {shown}` would replace `{}`, which is part of the workspace",
                    p.display()
                ),
                help: "write the documents to a folder of their own, for example `--out dist`"
                    .into(),
            });
        }
    }
    if out.is_dir() {
        let entries = std::fs::read_dir(out).map_err(|e| Refusal {
            message: format!("cannot read `{shown}`: {e}"),
            help: "check the folder's permissions".into(),
        })?;
        for entry in entries.flatten() {
            let name = entry.file_name();
            if !OWN_FILES.iter().any(|f| name == *f) {
                return Err(Refusal {
                    message: format!(
                        "`--out {shown}` holds `{}`, which kpic did not write; refusing to replace it",
                        name.to_string_lossy()
                    ),
                    help: "give an empty or new folder, or remove that file first".into(),
                });
            }
        }
    }
    Ok(())
}

/// The canonical form of a path whose last parts may not exist yet.
fn canonical(p: &Path) -> PathBuf {
    let mut rest = Vec::new();
    let mut base = p.to_path_buf();
    loop {
        if let Ok(c) = std::fs::canonicalize(&base) {
            let mut c = c;
            for part in rest.iter().rev() {
                c.push(part);
            }
            return c;
        }
        match (base.file_name().map(|n| n.to_owned()), base.parent()) {
            (Some(name), Some(parent)) => {
                rest.push(name);
                base = parent.to_path_buf();
            }
            _ => return p.to_path_buf(),
        }
    }
}

/// What an earlier build killed part-way left beside `out`: the previous output, renamed aside
/// just before the new one was to take its place, is put back when nothing is at `out` (a
/// build that fails now still leaves the previous output in place); half-written temporary
/// folders are removed, and so are leftover copies once a kpic output is in place. Runs only
/// when no other build is writing beside `out` (see [`lock_parent`]), and touches only real
/// folders holding nothing but what kpic writes. Returns what was done, for the user.
pub fn recover(out: &Path) -> Vec<String> {
    let (Some(parent), Some(name)) = (out.parent(), out.file_name()) else {
        return Vec::new();
    };
    let parent = if parent.as_os_str().is_empty() {
        Path::new(".")
    } else {
        parent
    };
    let Some(_lock) = lock_parent(parent, false) else {
        return Vec::new();
    };
    let name = name.to_string_lossy();
    let Ok(entries) = std::fs::read_dir(parent) else {
        return Vec::new();
    };
    // Temporary folders first, then the copies set aside, the newest first.
    let mut stale: Vec<(
        bool,
        std::cmp::Reverse<Option<std::time::SystemTime>>,
        PathBuf,
    )> = entries
        .flatten()
        .filter_map(|e| {
            let file = e.file_name();
            let rest = file
                .to_str()?
                .strip_prefix('.')?
                .strip_prefix(name.as_ref())?;
            let old = rest.starts_with(".kpic-old-");
            if !old && !rest.starts_with(".kpic-tmp-") {
                return None;
            }
            let meta = e.metadata().ok().filter(std::fs::Metadata::is_dir)?;
            let path = e.path();
            only_own_files(&path).then(|| (old, std::cmp::Reverse(meta.modified().ok()), path))
        })
        .collect();
    stale.sort();
    let mut done = Vec::new();
    for (old, _, path) in stale {
        let shown = path.display();
        let out_meta = std::fs::symlink_metadata(out);
        if !old {
            if std::fs::remove_dir_all(&path).is_ok() {
                done.push(format!(
                    "removed `{shown}`, left half-written by an interrupted build"
                ));
            }
        } else if out_meta.is_err() {
            match std::fs::rename(&path, out) {
                Ok(()) => done.push(format!(
                    "put back the previous output from `{shown}` (a build was interrupted)"
                )),
                Err(e) => done.push(format!(
                    "`{shown}` holds the output of an interrupted build; it could not be put back ({e})"
                )),
            }
        } else if out_meta.is_ok_and(|m| m.is_dir()) && only_own_files(out) {
            // A kpic output is in place: this copy is one a finished build failed to delete.
            if std::fs::remove_dir_all(&path).is_ok() {
                done.push(format!("removed `{shown}`, an old copy of the output"));
            }
        }
    }
    done
}

/// An exclusive lock on the folder that holds the output folder, taken by a build for as long
/// as it writes there (`wait`), or tried by [`recover`]: a build that gets it knows that any
/// temporary folder or set-aside copy beside the output was left by a build that is no longer
/// writing. The lock goes with the process, however it ends. Unix only (elsewhere there is no
/// lock and nothing is recovered).
fn lock_parent(parent: &Path, wait: bool) -> Option<std::fs::File> {
    #[cfg(unix)]
    {
        let folder = std::fs::File::open(parent).ok()?;
        if wait {
            folder.lock().ok()?;
        } else {
            folder.try_lock().ok()?;
        }
        Some(folder)
    }
    #[cfg(not(unix))]
    {
        let _ = (parent, wait);
        None
    }
}

/// Whether `dir` holds only names kpic writes.
fn only_own_files(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries
            .flatten()
            .all(|e| OWN_FILES.iter().any(|f| e.file_name() == *f))
    })
}

/// Writes `documents` into `out`, replacing what was there, atomically: all files are written
/// into `.NAME.kpic-tmp-PID` beside `out`, then the old folder is renamed aside, the new one
/// renamed into place, and the old one removed. On failure the temporary folder is removed and
/// the old folder is left (or put back) in place.
pub fn write(out: &Path, documents: &[Document]) -> io::Result<()> {
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = out
        .file_name()
        .ok_or_else(|| io::Error::other("the output folder has no name"))?
        .to_string_lossy()
        .into_owned();
    std::fs::create_dir_all(parent)?;
    // Held until the new output is in place, so `recover` in another build leaves this one be.
    let _lock = lock_parent(parent, true);
    let pid = std::process::id();
    let tmp = parent.join(format!(".{name}.kpic-tmp-{pid}"));
    let old = parent.join(format!(".{name}.kpic-old-{pid}"));
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp)?;
    }
    let result = fill(&tmp, documents).and_then(|()| swap(&tmp, out, &old));
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    result
}

/// Writes every document under `dir`, refusing any path that is not made of plain names.
fn fill(dir: &Path, documents: &[Document]) -> io::Result<()> {
    std::fs::create_dir(dir)?;
    for doc in documents {
        if doc.path.as_os_str().is_empty()
            || !doc
                .path
                .components()
                .all(|c| matches!(c, Component::Normal(_)))
        {
            return Err(io::Error::other(format!(
                "refusing to write `{}` outside the output folder",
                doc.path.display()
            )));
        }
        let path = dir.join(&doc.path);
        if let Some(p) = path.parent() {
            std::fs::create_dir_all(p)?;
        }
        let mut f = std::fs::File::create_new(&path)?;
        f.write_all(&doc.bytes)?;
    }
    Ok(())
}

/// Puts `new` in place of `out`, keeping `out` intact if that fails.
fn swap(new: &Path, out: &Path, old: &Path) -> io::Result<()> {
    if !out.exists() {
        return std::fs::rename(new, out);
    }
    if old.exists() {
        std::fs::remove_dir_all(old)?;
    }
    std::fs::rename(out, old)?;
    if let Err(e) = std::fs::rename(new, out) {
        let _ = std::fs::rename(old, out);
        return Err(e);
    }
    // The new output is in place; failing to delete the old copy loses nothing.
    let _ = std::fs::remove_dir_all(old);
    Ok(())
}
