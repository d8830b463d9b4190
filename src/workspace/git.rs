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
            let real = std::fs::canonicalize(f).ok()?;
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
