//! Finding spec files: walking folders for `*.yaml` / `*.yml`, honouring `.gitignore` and the
//! configured excludes.

use std::collections::HashSet;
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

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
/// Symbolic links are followed, also out of the folder: a link is how a shared owners file is
/// often brought into a workspace. A symlink loop is walked once. A `*.yaml` entry that cannot be
/// examined (a dangling link, a file that vanished mid-walk) is still listed, so that reading
/// it reports the problem rather than the file silently going missing. A folder reached by
/// several links is walked once. Devices, FIFOs and sockets are never opened.
pub fn walk(root: &Path, exclude: &GlobSet, base: &Path) -> Result<Vec<PathBuf>> {
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
    let walker = WalkBuilder::new(root)
        .require_git(false)
        .follow_links(true)
        .sort_by_file_path(|a, b| a.cmp(b))
        .filter_entry(move |e| {
            if !e.file_type().is_some_and(|t| t.is_dir()) {
                return true;
            }
            match std::fs::canonicalize(e.path()) {
                Ok(real) => walked.lock().map_or(true, |mut w| w.insert(real)),
                Err(_) => true,
            }
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
    files.sort();
    files.dedup();
    Ok(files)
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
