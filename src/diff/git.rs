//! A git revision's files, written into a temporary folder for `kpic diff` to load as it
//! loads the working tree. Asked of the `git` command with a clean environment; only regular
//! YAML and JSON files are written (no links, no submodules), at paths checked to stay inside
//! the folder, within limits on size and count.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Component, Path, PathBuf};
use std::process::{Command, Stdio};

use rayon::prelude::*;

use crate::error::{Error, Result};

/// Largest file of a revision written out; a larger one is left out (the loader would
/// refuse it anyway, with the default size limit).
const MAX_FILE: u64 = 64 << 20;
/// Most bytes and files of one revision written out.
const MAX_TOTAL: u64 = 1 << 30;
const MAX_FILES: usize = 200_000;

/// The work tree `cwd` is in: its top folder and the path of `cwd` inside it (`a/b/`, or
/// empty at the top).
pub fn work_tree(cwd: &Path) -> Result<(PathBuf, String)> {
    let out = git(cwd, &["rev-parse", "--show-toplevel", "--show-prefix"]).map_err(|_| {
        Error::new(format!(
            "`{}` is not in a git repository: `kpic diff` compares git revisions",
            cwd.display()
        ))
    })?;
    let text = String::from_utf8_lossy(&out);
    let mut lines = text.lines();
    let top = lines.next().unwrap_or_default();
    let prefix = lines.next().unwrap_or_default().to_owned();
    Ok((PathBuf::from(top), prefix))
}

/// The commit a revision names (`HEAD`, a branch, a tag, a hash), as a full hash.
pub fn commit(top: &Path, rev: &str) -> Result<String> {
    let unknown = || Error::new(format!("unknown revision `{rev}`"));
    if rev.starts_with('-') || rev.is_empty() {
        return Err(unknown());
    }
    let out = git(
        top,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{rev}^{{commit}}"),
        ],
    )
    .map_err(|_| unknown())?;
    let hash = String::from_utf8_lossy(&out).trim().to_owned();
    if hash.is_empty() || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(unknown());
    }
    Ok(hash)
}

/// Writes the YAML and JSON files of `commit` into `into` (an empty folder).
pub fn write_tree(top: &Path, commit: &str, into: &Path) -> Result<usize> {
    let listing = git(top, &["ls-tree", "-r", "-z", "--full-tree", "-l", commit])
        .map_err(|e| Error::new(format!("cannot list the files of `{commit}`: {e}")))?;
    let mut wanted: Vec<(String, PathBuf)> = Vec::new();
    let mut total = 0u64;
    for entry in listing.split(|b| *b == 0).filter(|e| !e.is_empty()) {
        let entry = String::from_utf8_lossy(entry);
        let Some((meta, path)) = entry.split_once('\t') else {
            continue;
        };
        let fields: Vec<&str> = meta.split_whitespace().collect();
        let [mode, kind, hash, size] = fields[..] else {
            continue;
        };
        let size: u64 = size.parse().unwrap_or(u64::MAX);
        if kind != "blob" || !(mode == "100644" || mode == "100755") || size > MAX_FILE {
            continue;
        }
        let lower = path.to_ascii_lowercase();
        if !(lower.ends_with(".yaml") || lower.ends_with(".yml") || lower.ends_with(".json")) {
            continue;
        }
        let Some(rel) = inside(path) else { continue };
        total = total.saturating_add(size);
        if total > MAX_TOTAL || wanted.len() >= MAX_FILES {
            return Err(Error::new(format!(
                "revision `{commit}` holds more YAML than `kpic diff` reads (over 1 GiB or {MAX_FILES} files)"
            )));
        }
        wanted.push((hash.to_owned(), rel));
    }
    let mut child = command(top, &["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| Error::new(format!("cannot run git: {e}")))?;
    let mut stdin = child.stdin.take().expect("piped");
    let hashes: String = wanted.iter().map(|(h, _)| format!("{h}\n")).collect();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(hashes.as_bytes());
    });
    let mut out = BufReader::new(child.stdout.take().expect("piped"));
    let fail = |what: String| Error::new(format!("cannot read revision `{commit}`: {what}"));
    // Read in order (git answers in order), then written in parallel: creating a thousand
    // files costs more than reading them.
    let mut files: Vec<(&Path, Vec<u8>)> = Vec::with_capacity(wanted.len());
    for (_, rel) in &wanted {
        let mut header = String::new();
        out.read_line(&mut header)
            .map_err(|e| fail(e.to_string()))?;
        let size: u64 = header
            .split_whitespace()
            .nth(2)
            .and_then(|s| s.parse().ok())
            .filter(|s| *s <= MAX_FILE)
            .ok_or_else(|| fail(format!("unexpected answer from git: {}", header.trim())))?;
        let mut data = Vec::with_capacity(size as usize);
        (&mut out)
            .take(size)
            .read_to_end(&mut data)
            .map_err(|e| fail(e.to_string()))?;
        let mut newline = [0u8; 1];
        out.read_exact(&mut newline)
            .map_err(|e| fail(e.to_string()))?;
        files.push((rel, data));
    }
    let _ = writer.join();
    let _ = child.wait();
    let mut folders: Vec<&Path> = files.iter().filter_map(|(rel, _)| rel.parent()).collect();
    folders.sort_unstable();
    folders.dedup();
    for folder in folders {
        std::fs::create_dir_all(into.join(folder)).map_err(|e| fail(e.to_string()))?;
    }
    files
        .par_iter()
        .try_for_each(|(rel, data)| std::fs::write(into.join(rel), data))
        .map_err(|e| fail(e.to_string()))?;
    Ok(files.len())
}

/// A path from git as a relative path of plain names (no `..`, no root, no `.git`), or
/// `None`.
fn inside(path: &str) -> Option<PathBuf> {
    let p = Path::new(path);
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::Normal(name) if name != ".git" => out.push(name),
            _ => return None,
        }
    }
    (!out.as_os_str().is_empty()).then_some(out)
}

/// `git` with a clean environment, in `dir`.
fn command(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new("git");
    cmd.args(["-c", "core.fsmonitor=false", "--no-pager"])
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("LC_ALL", "C")
        .stdin(Stdio::null())
        .stderr(Stdio::null());
    if let Some(path) = std::env::var_os("PATH") {
        cmd.env("PATH", path);
    }
    if let Some(home) = std::env::var_os("HOME") {
        cmd.env("HOME", home);
    }
    cmd
}

/// Runs git and returns its standard output, or why it failed.
fn git(dir: &Path, args: &[&str]) -> std::result::Result<Vec<u8>, String> {
    let out = command(dir, args)
        .stdout(Stdio::piped())
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if out.status.success() {
        Ok(out.stdout)
    } else {
        Err(format!("git {} failed", args.join(" ")))
    }
}

#[cfg(test)]
mod tests {
    use super::inside;
    use std::path::PathBuf;

    #[test]
    fn only_plain_relative_paths_are_written() {
        assert_eq!(inside("a/b.yaml"), Some(PathBuf::from("a/b.yaml")));
        assert_eq!(inside("../b.yaml"), None);
        assert_eq!(inside("/etc/x.yaml"), None);
        assert_eq!(inside("a/.git/x.yaml"), None);
        assert_eq!(inside("a/../../x.yaml"), None);
    }
}
