//! What git knows about the project: the work tree a folder is in, and files as they are at
//! `HEAD` (what a check of given files compares them with, to tell what they break in other
//! files). Asked of the `git` command, with a clean environment and a time limit; when git
//! cannot answer (not installed, not a work tree, no commit yet, too slow) the answer is
//! `None` and kpic does without.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// Longest kpic waits for git.
pub(crate) const TIMEOUT: Duration = Duration::from_secs(5);

/// The folder of the work tree that holds `dir`: the nearest one at or above it that has a
/// `.git` (a folder, or a file as in a linked work tree).
pub(crate) fn work_tree(dir: &Path) -> Option<PathBuf> {
    let dir = std::fs::canonicalize(dir).ok()?;
    dir.ancestors()
        .find(|d| std::fs::symlink_metadata(d.join(".git")).is_ok())
        .map(Path::to_path_buf)
}

/// Whether git tracks anything at or under `rel` (a path relative to the work tree `top`):
/// read from git's index file, else asked of `git ls-files`; `None` when neither can tell.
pub(crate) fn tracks(top: &Path, rel: &Path) -> Option<bool> {
    let rel = rel.to_str()?.replace(std::path::MAIN_SEPARATOR, "/");
    match git_dir(top).and_then(|dir| index_tracks(&dir, rel.as_bytes())) {
        Some(answer) => Some(answer),
        None => {
            let out = run_git(
                top,
                &["ls-files", "-z", "--cached", "--", &rel],
                String::new(),
                1 << 20,
                TIMEOUT,
            )?;
            Some(!out.is_empty())
        }
    }
}

/// The git folder of the work tree `top`: `.git`, or where a `.git` file points.
fn git_dir(top: &Path) -> Option<PathBuf> {
    let dot = top.join(".git");
    let meta = std::fs::symlink_metadata(&dot).ok()?;
    if meta.is_dir() {
        return Some(dot);
    }
    let text = crate::workspace::read_to_string_limited(&dot, 4096).ok()?;
    let to = text.strip_prefix("gitdir:")?.trim();
    Some(top.join(to))
}

/// Largest index file read; a bigger one is left to `git ls-files`.
const MAX_INDEX: u64 = 32 << 20;

/// Whether the index in `git_dir` has an entry at or under `rel`; `None` when it cannot tell
/// (an index it does not read: another version, a split index, SHA-256 names, too large).
fn index_tracks(git_dir: &Path, rel: &[u8]) -> Option<bool> {
    // A split index keeps most entries in another file.
    if std::fs::read_dir(git_dir)
        .ok()?
        .flatten()
        .any(|e| e.file_name().to_string_lossy().starts_with("sharedindex."))
    {
        return None;
    }
    let data = match crate::workspace::read_to_vec_limited(&git_dir.join("index"), MAX_INDEX) {
        Ok(d) => d,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Some(false),
        Err(_) => return None,
    };
    let be32 = |at: usize| -> Option<u32> {
        Some(u32::from_be_bytes(data.get(at..at + 4)?.try_into().ok()?))
    };
    if data.get(..4)? != b"DIRC" {
        return None;
    }
    let version = be32(4)?;
    let count = be32(8)? as usize;
    if !(2..=4).contains(&version) {
        return None;
    }
    let mut dir = rel.to_vec();
    dir.push(b'/');
    let mut at = 12;
    let mut path: Vec<u8> = Vec::new();
    for _ in 0..count {
        // ctime, mtime, dev, ino, mode, uid, gid, size (40 bytes), SHA-1 (20), flags (2).
        let flags = u16::from_be_bytes(data.get(at + 60..at + 62)?.try_into().ok()?);
        let mut name_at = at + 62;
        if flags & 0x4000 != 0 {
            if version < 3 {
                return None;
            }
            name_at += 2;
        }
        let name_len = usize::from(flags & 0x0fff);
        if version == 4 {
            // The path: how many bytes of the previous one to drop (a varint), then the rest.
            let (strip, n) = varint(data.get(name_at..)?)?;
            let suffix_at = name_at + n;
            let end = suffix_at + data.get(suffix_at..)?.iter().position(|b| *b == 0)?;
            path.truncate(path.len().checked_sub(strip)?);
            path.extend_from_slice(&data[suffix_at..end]);
            at = end + 1;
        } else {
            let end = name_at + data.get(name_at..)?.iter().position(|b| *b == 0)?;
            if name_len != 0x0fff && end - name_at != name_len {
                return None;
            }
            path.clear();
            path.extend_from_slice(&data[name_at..end]);
            // Entries are padded with NULs to a multiple of 8 bytes.
            at += (end - at + 8) & !7;
        }
        // A sparse index has folders as entries (`dir/`).
        if path == rel || path.starts_with(&dir) || (path.ends_with(b"/") && dir.starts_with(&path))
        {
            return Some(true);
        }
        // Sorted: once past `rel/`, nothing under it follows.
        if path.as_slice() > dir.as_slice() {
            return Some(false);
        }
    }
    Some(false)
}

/// A varint of git's index version 4: the value and the bytes it took.
fn varint(bytes: &[u8]) -> Option<(usize, usize)> {
    let mut value = 0usize;
    for (i, &b) in bytes.iter().enumerate().take(9) {
        value = value.checked_mul(128)?.checked_add(usize::from(b & 0x7f))?;
        if b & 0x80 == 0 {
            return Some((value, i + 1));
        }
        value = value.checked_add(1)?;
    }
    None
}

/// A file as it is at `HEAD`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AtHead {
    /// Its text.
    Text(String),
    /// The commit has no such file (a new file).
    Missing,
    /// Git could not say (a file too large, not UTF-8, a name git cannot be asked about).
    Unknown,
}

/// The texts at `HEAD` of `files` (inside `root`, which is inside a work tree), read by one
/// `git cat-file --batch` run in `root`; `None` when git cannot answer at all (or there is no
/// commit yet). A file over `max_size` bytes is [`AtHead::Unknown`].
pub(crate) fn head_texts(
    root: &Path,
    files: &[PathBuf],
    max_size: u64,
    timeout: Duration,
) -> Option<Vec<AtHead>> {
    let root = std::fs::canonicalize(root).ok()?;
    // Each file by its path relative to `root` (`HEAD:./path`); one that cannot be written
    // on a line of the request is asked as the commit itself, and ignored.
    let names: Vec<Option<String>> = files
        .iter()
        .map(|f| {
            // A file deleted since `HEAD` by its folder's real path.
            let real = std::fs::canonicalize(f)
                .or_else(|_| {
                    let name = f.file_name().ok_or(std::io::ErrorKind::NotFound)?;
                    std::fs::canonicalize(f.parent().unwrap_or(Path::new(".")))
                        .map(|p| p.join(name))
                })
                .ok()?;
            let rel = real.strip_prefix(&root).ok()?.to_str()?.to_owned();
            (!rel.is_empty() && !rel.contains(['\n', '\r'])).then_some(rel)
        })
        .collect();
    let mut request = String::from("HEAD\n");
    for name in &names {
        match name {
            Some(n) => request.push_str(&format!("HEAD:./{n}\n")),
            None => request.push_str("HEAD\n"),
        }
    }
    let limit = (files.len() as u64 + 1).saturating_mul(max_size.saturating_add(512));
    let out = run_git(&root, &["cat-file", "--batch"], request, limit, timeout)?;
    let mut answers = Answers { out: &out, at: 0 };
    // First the commit: without one, no file has a version at HEAD.
    answers.next()?.kind.filter(|k| *k == "commit")?;
    let mut texts = Vec::with_capacity(files.len());
    for name in &names {
        let answer = answers.next()?;
        texts.push(match (name, answer.kind, answer.body) {
            (None, ..) => AtHead::Unknown,
            (Some(_), None, _) => AtHead::Missing,
            (Some(_), Some("blob"), Some(body)) if body.len() as u64 <= max_size => {
                match std::str::from_utf8(body) {
                    Ok(t) => AtHead::Text(t.strip_prefix('\u{feff}').unwrap_or(t).to_owned()),
                    Err(_) => AtHead::Unknown,
                }
            }
            // A folder at that path, or a file too large.
            (Some(_), Some(_), _) => AtHead::Unknown,
        });
    }
    Some(texts)
}

/// The files under `root` (inside a work tree) that are at `HEAD` and are gone from the work
/// tree now, deleted or renamed away (staged or not), as paths under `root`; empty when git
/// cannot say.
pub(crate) fn deleted_since_head(root: &Path) -> Vec<PathBuf> {
    let Ok(root) = std::fs::canonicalize(root) else {
        return Vec::new();
    };
    let args = [
        "diff",
        "--name-only",
        "-z",
        "--no-renames",
        "--diff-filter=D",
        "--relative",
        "HEAD",
        "--",
        ".",
    ];
    let Some(out) = run_git(&root, &args, String::new(), 16 << 20, TIMEOUT) else {
        return Vec::new();
    };
    out.split(|b| *b == 0)
        .filter_map(|name| std::str::from_utf8(name).ok())
        .filter(|name| !name.is_empty())
        .map(|name| root.join(name))
        .collect()
}

/// One answer of `git cat-file --batch`: the object's type (`None`: missing) and content.
struct Answer<'a> {
    kind: Option<&'a str>,
    body: Option<&'a [u8]>,
}

/// Reads the answers of `git cat-file --batch` one by one.
struct Answers<'a> {
    out: &'a [u8],
    at: usize,
}

impl<'a> Answers<'a> {
    fn next(&mut self) -> Option<Answer<'a>> {
        let rest = self.out.get(self.at..)?;
        let end = rest.iter().position(|b| *b == b'\n')?;
        let header = std::str::from_utf8(&rest[..end]).ok()?;
        self.at += end + 1;
        // `<oid> <type> <size>`, or `<name> missing` (or `ambiguous`).
        let mut parts = header.rsplitn(3, ' ');
        let (last, middle) = (parts.next()?, parts.next()?);
        let Ok(size) = last.parse::<usize>() else {
            return Some(Answer {
                kind: None,
                body: None,
            });
        };
        let body = self.out.get(self.at..self.at.checked_add(size)?)?;
        // The content is followed by a newline.
        self.at += size + 1;
        Some(Answer {
            kind: Some(middle),
            body: Some(body),
        })
    }
}

/// Runs `git ARGS` in `dir` with a clean environment (only `PATH`), `input` on its standard
/// input; its output, unless it fails, prints more than `limit` bytes or takes longer than
/// `timeout` (then it is killed).
fn run_git(
    dir: &Path,
    args: &[&str],
    input: String,
    limit: u64,
    timeout: Duration,
) -> Option<Vec<u8>> {
    let mut cmd = Command::new("git");
    cmd.args(args)
        .current_dir(dir)
        .env_clear()
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("LC_ALL", "C")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if let Some(path) = std::env::var_os("PATH") {
        cmd.env("PATH", path);
    }
    let mut child = cmd.spawn().ok()?;
    let mut stdin = child.stdin.take()?;
    let mut stdout = child.stdout.take()?;
    // Writing and reading on threads of their own, so that neither can block the other, and
    // the wait for both has a limit.
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(input.as_bytes());
    });
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut out = Vec::new();
        let read = (&mut stdout)
            .take(limit.saturating_add(1))
            .read_to_end(&mut out);
        let _ = tx.send(read.ok().filter(|_| out.len() as u64 <= limit).map(|_| out));
    });
    let out = rx.recv_timeout(timeout).ok().flatten();
    if out.is_none() {
        let _ = child.kill();
    }
    let status = child.wait().ok()?;
    let _ = writer.join();
    out.filter(|_| status.success())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A git repository in a temp folder, with `files` added to the index (`--index-version`).
    fn repo(files: &[&str], version: &str) -> Option<tempfile_dir::Dir> {
        let dir = tempfile_dir::Dir::new();
        let git = |args: &[&str]| {
            Command::new("git")
                .args(args)
                .current_dir(&dir.0)
                .env_remove("GIT_DIR")
                .env_remove("GIT_INDEX_FILE")
                .output()
                .ok()
                .filter(|o| o.status.success())
        };
        git(&["init", "-q"])?;
        for f in files {
            let path = dir.0.join(f);
            std::fs::create_dir_all(path.parent()?).ok()?;
            std::fs::write(&path, "x").ok()?;
            git(&["add", "-f", f])?;
        }
        git(&["update-index", "--index-version", version])?;
        Some(dir)
    }

    mod tempfile_dir {
        pub struct Dir(pub std::path::PathBuf);
        impl Dir {
            pub fn new() -> Dir {
                use std::sync::atomic::{AtomicUsize, Ordering};
                static N: AtomicUsize = AtomicUsize::new(0);
                let dir = std::env::temp_dir().join(format!(
                    "kpic-git-{}-{}",
                    std::process::id(),
                    N.fetch_add(1, Ordering::Relaxed)
                ));
                std::fs::create_dir_all(&dir).unwrap();
                Dir(dir)
            }
        }
        impl Drop for Dir {
            fn drop(&mut self) {
                let _ = std::fs::remove_dir_all(&self.0);
            }
        }
    }

    #[test]
    fn the_index_tells_what_git_tracks_in_every_version() {
        let files = [
            ".github/ci.yml",
            ".kpic-cache/models",
            "a/b.yaml",
            "kpi-specs/.kpic-cache/models",
            "kpi-specs/team.yaml",
            "z.yaml",
        ];
        for version in ["2", "3", "4"] {
            let Some(dir) = repo(&files, version) else {
                eprintln!("git is not installed: skipped");
                return;
            };
            let git = dir.0.join(".git");
            for (rel, answer) in [
                (".kpic-cache", true),
                ("kpi-specs/.kpic-cache", true),
                ("kpi-specs", true),
                ("kpi", false),
                (".kpic", false),
                ("other/.kpic-cache", false),
                ("zz", false),
            ] {
                assert_eq!(
                    index_tracks(&git, rel.as_bytes()),
                    Some(answer),
                    "{rel} in index version {version}"
                );
                assert_eq!(tracks(&dir.0, Path::new(rel)), Some(answer), "{rel}");
            }
        }
    }

    #[test]
    fn answers_are_read_one_by_one() {
        let out = b"abc commit 3\nxyz\nHEAD:./a.yaml missing\n123 blob 5\nv: 1\n\n456 tree 0\n\n";
        let mut a = Answers { out, at: 0 };
        let first = a.next().unwrap();
        assert_eq!(
            (first.kind, first.body),
            (Some("commit"), Some(&b"xyz"[..]))
        );
        assert_eq!(a.next().unwrap().kind, None);
        let blob = a.next().unwrap();
        assert_eq!((blob.kind, blob.body), (Some("blob"), Some(&b"v: 1\n"[..])));
        assert_eq!(a.next().unwrap().kind, Some("tree"));
        assert!(a.next().is_none());
        // A size past the end does not read.
        let mut a = Answers {
            out: b"1 blob 99\nshort\n",
            at: 0,
        };
        assert!(a.next().is_none());
    }
}
