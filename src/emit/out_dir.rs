//! Writing the output folder atomically: every file goes into a temporary folder beside the
//! output folder, which then takes its place (in one step where the platform can swap two
//! folders, else with two renames). A failed build leaves the previous output folder as it was.
//!
//! Paths here are absolute and lexically normal (no `.` or `..`): the caller makes them so.

use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};

use super::Document;

/// Names a previous build may have left in the output folder; anything else makes kpic
/// refuse to replace the folder, so `--out src` cannot wipe a source tree.
const OWN_FILES: &[&str] = &[
    "handbook.md",
    "handbook.html",
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
/// workspace root, not a folder holding (or above) any of `protected`, not inside the output
/// of an earlier build (below `cwd`, or right below it when outside `cwd`), and, if it exists,
/// holding only what kpic writes.
pub fn check(out: &Path, cwd: &Path, protected: &[PathBuf]) -> Result<(), Refusal> {
    let shown = crate::workspace::discover::display_name(out, cwd);
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
    // The next build of that output would replace this one with it.
    let parents: Vec<&Path> = if out.starts_with(cwd) {
        out.ancestors().skip(1).take_while(|d| *d != cwd).collect()
    } else {
        out.parent().into_iter().collect()
    };
    for dir in parents {
        if is_output(dir) {
            return Err(Refusal {
                message: format!(
                    "`--out {shown}` is inside `{}`, the output of an earlier build",
                    crate::workspace::discover::display_name(dir, cwd)
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

/// Checks that `dir` may be replaced by the charts of `kpic score --charts DIR`: a folder
/// below the working directory `cwd` (not `cwd` itself, and not reached through a link that
/// leads out of it), not a file or symbolic link, and, if it exists, holding nothing but
/// `.svg` files (so that it can never be a source folder or the output of `kpic build`).
/// `dir` is absolute and lexically normal.
pub fn check_charts(dir: &Path, cwd: &Path) -> Result<(), Refusal> {
    let shown = crate::workspace::discover::display_name(dir, cwd);
    let below = dir.starts_with(cwd) && dir != cwd && canonical(dir).starts_with(canonical(cwd));
    if !below {
        return Err(Refusal {
            message: format!("`--charts {shown}` is not a folder below the working directory"),
            help: "give a folder below the working directory, for example `--charts charts`".into(),
        });
    }
    if let Ok(meta) = std::fs::symlink_metadata(dir) {
        if meta.file_type().is_symlink() {
            return Err(Refusal {
                message: format!("`--charts {shown}` is a symbolic link"),
                help: "give the real folder, or a new folder name".into(),
            });
        }
        if !meta.is_dir() {
            return Err(Refusal {
                message: format!("`--charts {shown}` is a file, not a folder"),
                help: "give a folder to write the charts into, for example `--charts charts`"
                    .into(),
            });
        }
        let entries = std::fs::read_dir(dir).map_err(|e| Refusal {
            message: format!("cannot read `{shown}`: {e}"),
            help: "check the folder's permissions".into(),
        })?;
        for entry in entries.flatten() {
            let svg = entry.file_type().is_ok_and(|t| t.is_file())
                && entry.file_name().to_string_lossy().ends_with(".svg");
            if !svg {
                return Err(Refusal {
                    message: format!(
                        "`--charts {shown}` holds `{}`, which is not a chart; refusing to replace it",
                        entry.file_name().to_string_lossy()
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

/// Whether `dir` is the output of a build: a real folder holding something, and only names
/// kpic writes.
fn is_output(dir: &Path) -> bool {
    std::fs::symlink_metadata(dir).is_ok_and(|m| m.is_dir())
        && std::fs::read_dir(dir).is_ok_and(|mut e| e.next().is_some())
        && only_own_files(dir)
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

/// Puts `new` in place of `out`, keeping `out` intact if that fails: in one step where the
/// platform swaps two folders (the old output is then at `new`, and removed), else by moving
/// `out` aside to `old` and `new` into place, putting `old` back if the second rename fails
/// (a build killed between the two leaves `old`, which the next build puts back).
fn swap(new: &Path, out: &Path, old: &Path) -> io::Result<()> {
    if !out.exists() {
        return std::fs::rename(new, out);
    }
    if exchange(new, out)? {
        // The new output is in place; failing to delete the old one loses nothing.
        let _ = std::fs::remove_dir_all(new);
        return Ok(());
    }
    if old.exists() {
        std::fs::remove_dir_all(old)?;
    }
    std::fs::rename(out, old)?;
    if let Err(e) = std::fs::rename(new, out) {
        let _ = std::fs::rename(old, out);
        return Err(e);
    }
    let _ = std::fs::remove_dir_all(old);
    Ok(())
}

/// Swaps two existing paths atomically with Linux's `renameat2(RENAME_EXCHANGE)`. `Ok(false)`
/// when the kernel or the file system cannot (then nothing was changed).
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<bool> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let c = |p: &Path| CString::new(p.as_os_str().as_bytes()).map_err(io::Error::other);
    let (a, b) = (c(a)?, c(b)?);
    // SAFETY: both paths are NUL-terminated strings that outlive the call; the system call
    // reads them and touches no memory of ours.
    let result = unsafe {
        libc::syscall(
            libc::SYS_renameat2,
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if result == 0 {
        return Ok(true);
    }
    let e = io::Error::last_os_error();
    match e.raw_os_error() {
        // No such system call, or a file system that cannot exchange.
        Some(libc::ENOSYS | libc::EINVAL | libc::EOPNOTSUPP) => Ok(false),
        _ => Err(e),
    }
}

/// Elsewhere no swap in one step: the two renames do it.
#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> io::Result<bool> {
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(target_os = "linux")]
    fn exchange_swaps_two_folders_in_one_step() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        for (d, mark) in [(&a, "first"), (&b, "second")] {
            std::fs::create_dir(d).unwrap();
            std::fs::write(d.join("mark"), mark).unwrap();
        }
        // tmpfs and the usual disk file systems swap; another answers `false` and changes
        // nothing.
        if exchange(&a, &b).unwrap() {
            assert_eq!(std::fs::read_to_string(a.join("mark")).unwrap(), "second");
            assert_eq!(std::fs::read_to_string(b.join("mark")).unwrap(), "first");
        } else {
            assert_eq!(std::fs::read_to_string(a.join("mark")).unwrap(), "first");
        }
        assert!(exchange(&a, &dir.path().join("missing")).is_err());
    }

    #[test]
    fn the_output_is_replaced_with_nothing_left_beside_it() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("dist");
        let doc = |text: &str| Document {
            path: "handbook.md".into(),
            bytes: text.as_bytes().to_vec(),
        };
        write(&out, &[doc("one")]).unwrap();
        write(&out, &[doc("two")]).unwrap();
        assert_eq!(
            std::fs::read_to_string(out.join("handbook.md")).unwrap(),
            "two"
        );
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 1);
    }
}
