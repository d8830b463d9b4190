//! Finding spec files: walking folders for `*.yaml` / `*.yml`, honouring `.gitignore` and the
//! configured excludes.

use std::collections::HashSet;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};

use globset::{Glob, GlobSet, GlobSetBuilder};
use ignore::WalkBuilder;

use crate::error::{Error, Result};

/// Builds a glob set from `exclude` patterns. A pattern without a `/` matches a name at any depth.
pub fn glob_set(patterns: &[String]) -> Result<GlobSet> {
    let mut b = GlobSetBuilder::new();
    for p in patterns {
        let glob = |s: &str| {
            Glob::new(s).map_err(|e| Error::new(format!("invalid exclude pattern `{p}`: {e}")))
        };
        let p = p.trim_end_matches('/');
        b.add(glob(p)?);
        b.add(glob(&format!("{p}/**"))?);
        if !p.contains('/') {
            b.add(glob(&format!("**/{p}"))?);
            b.add(glob(&format!("**/{p}/**"))?);
        }
    }
    b.build()
        .map_err(|e| Error::new(format!("invalid exclude patterns: {e}")))
}

/// Whether a file name is a YAML spec file.
pub fn is_yaml(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml")
    )
}

/// Lists the YAML files under `root` (a file is returned as is), sorted, skipping excluded
/// paths (matched relative to `base`). Fails when `root` does not exist or is neither a file
/// nor a folder.
///
/// Symbolic links are followed while they stay inside `base` or `root` (a link is how a shared
/// owners file is often brought into a workspace). A link out of both, to a folder or a spec
/// file, fails the walk: files in a pull request must not make kpic read, and print, files
/// elsewhere on the machine (`~/.aws/credentials.yaml`); an excluded link is not followed. A
/// `root` that is itself a link is read wherever it points: it was asked for. A folder reached
/// by several links (a loop, or links that fan out) is walked once. A `*.yaml` entry that cannot be examined (a dangling link, a file
/// that vanished mid-walk) is still listed, so that reading it reports the problem rather
/// than the file silently going missing. Devices, FIFOs and sockets are never opened.
pub fn walk(root: &Path, exclude: &GlobSet, base: &Path) -> Result<Vec<PathBuf>> {
    walk_in(root, exclude, base, &canonical(&[base, root]))
}

/// The real paths of `folders` that exist.
fn canonical(folders: &[&Path]) -> Vec<PathBuf> {
    folders
        .iter()
        .filter_map(|p| std::fs::canonicalize(p).ok())
        .collect()
}

/// [`walk`], following links only into the `inside` folders (real paths).
fn walk_in(
    root: &Path,
    exclude: &GlobSet,
    base: &Path,
    inside: &[PathBuf],
) -> Result<Vec<PathBuf>> {
    let shown = || display_name(root, base);
    let meta = std::fs::metadata(root)
        .map_err(|e| Error::new(format!("cannot read `{}`: {}", shown(), io_reason(&e))))?;
    if meta.is_file() {
        return Ok(vec![clean(root)]);
    }
    if !meta.is_dir() {
        return Err(Error::new(format!(
            "`{}` is not a file or folder (a device, FIFO or socket)",
            shown()
        )));
    }
    let mut files = Vec::new();
    // Each real folder is walked once, however many links lead to it: links that fan out
    // (ten links to a folder that has ten links to the next ...) would otherwise make the walk
    // exponential without ever forming a loop.
    let walked: Mutex<HashSet<PathBuf>> = Mutex::new(HashSet::new());
    let inside = inside.to_vec();
    let escaped: Arc<Mutex<Vec<(PathBuf, PathBuf)>>> = Arc::default();
    let escapes = Arc::clone(&escaped);
    let (exclude_links, base_links) = (exclude.clone(), base.to_path_buf());
    let walker = WalkBuilder::new(root)
        .require_git(false)
        .follow_links(true)
        .sort_by_file_name(|a, b| a.cmp(b))
        .filter_entry(move |e| {
            let dir = e.file_type().is_some_and(|t| t.is_dir());
            let link = e.path_is_symlink() && (dir || is_yaml(e.path()));
            if !dir && !link {
                return true;
            }
            let Ok(real) = std::fs::canonicalize(e.path()) else {
                return true;
            };
            if link && !inside.iter().any(|i| real.starts_with(i)) {
                let rel = e.path().strip_prefix(&base_links).unwrap_or(e.path());
                if !exclude_links.is_match(rel)
                    && !exclude_links.is_match(e.path())
                    && let Ok(mut v) = escapes.lock()
                {
                    v.push((e.path().to_path_buf(), real));
                }
                return false;
            }
            !dir || walked.lock().map_or(true, |mut w| w.insert(real))
        })
        .build();
    for entry in walker {
        let path = match &entry {
            Ok(e) if e.file_type().is_some_and(|t| t.is_file()) => e.path(),
            Ok(_) => continue,
            // An entry that could not be examined: listed when it looks like a spec, so that
            // reading it reports why. Loops and errors in `.gitignore` files are skipped.
            Err(e) => match error_path(e) {
                Some(p) => p,
                None => continue,
            },
        };
        if !is_yaml(path) {
            continue;
        }
        let rel = path.strip_prefix(base).unwrap_or(path);
        if exclude.is_match(rel) || exclude.is_match(path) {
            continue;
        }
        files.push(clean(path));
    }
    if let Some((link, target)) = escaped.lock().ok().and_then(|v| v.first().cloned()) {
        return Err(Error::new(format!(
            "`{}` is a link to `{}`, outside the project: kpic follows no link out of it \
             (copy the file in, or exclude the link in `kpic.yaml`)",
            display_name(&link, base),
            target.display(),
        )));
    }
    files.sort();
    files.dedup();
    Ok(files)
}

/// [`walk`] for a folder or file that the configuration names (paths matched relative to
/// `project`, the folder of `kpic.yaml`): it must lie inside `project` or the working
/// directory `cwd`, also after following links, and so must every link inside it, since
/// `kpic.yaml` comes with a pull request as much as the specs do.
pub fn walk_project(
    root: &Path,
    exclude: &GlobSet,
    project: &Path,
    cwd: &Path,
) -> Result<Vec<PathBuf>> {
    let inside = canonical(&[project, cwd]);
    if let Ok(real) = std::fs::canonicalize(root)
        && !inside.iter().any(|i| real.starts_with(i))
    {
        return Err(Error::new(format!(
            "`{}` leads to `{}`, outside the project: kpic reads the workspace only inside \
             the project folder and the working directory (name other files on the command line)",
            display_name(root, cwd),
            real.display(),
        )));
    }
    walk_in(root, exclude, project, &inside)
}

/// What makes two paths the same file: the device and inode where the platform has them (one
/// `stat`), else the real path. Unreadable paths key by their text, so each is still read once
/// and reports why it cannot be.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FileKey {
    /// Device and inode.
    Inode(u64, u64),
    /// The canonical path, or the path as given when it cannot be resolved.
    Path(PathBuf),
}

/// The [`FileKey`] of `path` (links followed), with its metadata when it has some: one `stat`.
pub fn stat(path: &Path) -> (FileKey, Option<std::fs::Metadata>) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let Ok(m) = std::fs::metadata(path) {
            return (FileKey::Inode(m.dev(), m.ino()), Some(m));
        }
    }
    (file_key(path), None)
}

/// The [`FileKey`] of `path` (links followed).
pub fn file_key(path: &Path) -> FileKey {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let Ok(m) = std::fs::metadata(path) {
            return FileKey::Inode(m.dev(), m.ino());
        }
    }
    FileKey::Path(std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()))
}

/// The path of a walk error about one entry (not about a loop).
fn error_path(e: &ignore::Error) -> Option<&Path> {
    match e {
        ignore::Error::WithPath { path, err } if err.is_io() => Some(path),
        ignore::Error::WithDepth { err, .. } => error_path(err),
        _ => None,
    }
}

/// Removes `.` components, so `./kpi-specs/a.yaml` and `kpi-specs/a.yaml` are one file.
pub fn clean(path: &Path) -> PathBuf {
    path.components()
        .filter(|c| !matches!(c, Component::CurDir))
        .collect()
}

/// The path shown to users: relative to `cwd` (with `..` when outside it), else as given.
pub fn display_name(path: &Path, cwd: &Path) -> String {
    let shown = if path.is_absolute() && cwd.is_absolute() {
        relative_to(path, cwd).unwrap_or_else(|| path.to_path_buf())
    } else {
        clean(path)
    };
    // A file name can hold control characters too: escaped, it cannot drive a terminal or
    // break a line of output.
    let s = crate::diagnostic::printable(shown.to_string_lossy().into_owned());
    if s.is_empty() { ".".into() } else { s }
}

fn relative_to(path: &Path, base: &Path) -> Option<PathBuf> {
    // The usual case, a file under the working directory, without collecting components.
    if base.components().next().is_some()
        && let Ok(rest) = path.strip_prefix(base)
    {
        return Some(rest.to_path_buf());
    }
    let path: Vec<Component> = path.components().collect();
    let base: Vec<Component> = base.components().collect();
    let common = path.iter().zip(&base).take_while(|(a, b)| a == b).count();
    if common == 0 {
        return None;
    }
    let ups = base.len() - common;
    if ups > 3 {
        return None;
    }
    let mut out = PathBuf::new();
    for _ in 0..ups {
        out.push("..");
    }
    out.extend(&path[common..]);
    Some(out)
}

/// A short reason for an I/O error, without the OS error number.
pub fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or folder".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        // kpic's own errors are already worded for users.
        _ if e.get_ref().is_some() => e.to_string(),
        _ => {
            let s = e.to_string();
            s.split(" (os error").next().unwrap_or(&s).to_lowercase()
        }
    }
}
