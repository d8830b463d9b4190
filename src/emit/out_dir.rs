//! Writing the output folder atomically: every file goes into a temporary folder beside the
//! output folder, which then replaces it with two renames. A failed build leaves the previous
//! output folder as it was.

use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};

use super::Document;

/// Names a previous build may have left in the output folder; anything else makes kpic
/// refuse to replace the folder, so `--out src` cannot wipe a source tree.
const OWN_FILES: &[&str] = &["handbook.md", "scorecards.csv", "kpis.json", "scorecards"];

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

/// What an earlier build killed part-way left beside `out`, now that its process is gone: the
/// previous output, renamed aside just before the new one was to take its place, is put back
/// when `out` is missing (a build that fails now still leaves the previous output in place);
/// unfinished temporary folders and leftover copies are removed. Only real folders holding
/// nothing but what kpic writes are touched. Returns what was done, for the user.
pub fn recover(out: &Path) -> Vec<String> {
    let (Some(parent), Some(name)) = (out.parent(), out.file_name()) else {
        return Vec::new();
    };
    let parent = if parent.as_os_str().is_empty() {
        Path::new(".")
    } else {
        parent
    };
    let name = name.to_string_lossy();
    let Ok(entries) = std::fs::read_dir(parent) else {
        return Vec::new();
    };
    let mut stale: Vec<(bool, PathBuf)> = entries
        .flatten()
        .filter_map(|e| {
            let file = e.file_name();
            let file = file.to_str()?;
            let rest = file.strip_prefix('.')?.strip_prefix(name.as_ref())?;
            let (old, pid) = match rest.strip_prefix(".kpic-old-") {
                Some(pid) => (true, pid),
                None => (false, rest.strip_prefix(".kpic-tmp-")?),
            };
            let pid: u32 = pid.parse().ok()?;
            let dir = e.file_type().is_ok_and(|t| t.is_dir());
            (dir && pid != std::process::id() && process_gone(pid) && only_own_files(&e.path()))
                .then(|| (old, e.path()))
        })
        .collect();
    stale.sort();
    let mut done = Vec::new();
    for (old, path) in stale {
        if old && !out.exists() && std::fs::rename(&path, out).is_ok() {
            done.push(format!(
                "put back the previous output from `{}` (a build was interrupted)",
                path.display()
            ));
        } else if std::fs::remove_dir_all(&path).is_ok() {
            done.push(format!(
                "removed `{}`, left by an interrupted build",
                path.display()
            ));
        }
    }
    done
}

/// Whether the process `pid` has ended (only known on Linux; elsewhere nothing is assumed).
fn process_gone(pid: u32) -> bool {
    if cfg!(target_os = "linux") {
        !Path::new("/proc").join(pid.to_string()).exists()
    } else {
        false
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
