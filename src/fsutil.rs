//! Paths and files: lexical paths, and writing files so that readers never see half of one.

use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};

/// Resolves `.` and `..` in a path by its text (`ci/../kpi-specs` is `kpi-specs`), so that
/// one folder has one name however it is spelled. A `..` with nothing left to remove is kept.
pub fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir
                if matches!(out.components().next_back(), Some(Component::Normal(_))) =>
            {
                out.pop();
            }
            // `/..` is `/`.
            Component::ParentDir if out.has_root() => {}
            c => out.push(c),
        }
    }
    out
}

/// Opens `path` for reading when it is a regular file (links followed). A FIFO, device or
/// socket is never opened: it is refused by its `stat`, and the file is opened without blocking
/// and checked again, in case it changed in between. A pull request cannot make kpic hang on a
/// FIFO or read a device in place of a spec, config or actuals file.
pub fn open_regular(path: &Path) -> io::Result<std::fs::File> {
    open_checked(path, true)
}

/// Opens `path` for reading when it is a regular file and not a link (a link is an error, as
/// is a FIFO, device or socket): for files kpic keeps itself, such as the model cache, which
/// must never be read through a link a checkout planted.
pub fn open_regular_no_follow(path: &Path) -> io::Result<std::fs::File> {
    open_checked(path, false)
}

fn open_checked(path: &Path, follow: bool) -> io::Result<std::fs::File> {
    let not_a_file = || io::Error::other("it is a FIFO, device or socket, not a file");
    let regular_or_folder = |m: &std::fs::Metadata| m.is_file() || m.is_dir();
    if follow && !regular_or_folder(&std::fs::metadata(path)?) {
        return Err(not_a_file());
    }
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        let no_follow = if follow { 0 } else { libc::O_NOFOLLOW };
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY | no_follow);
    }
    #[cfg(not(unix))]
    if !follow && std::fs::symlink_metadata(path)?.file_type().is_symlink() {
        return Err(io::Error::other("it is a link"));
    }
    let file = options.open(path)?;
    let meta = file.metadata()?;
    if meta.is_dir() {
        Err(io::Error::from(io::ErrorKind::IsADirectory))
    } else if !meta.is_file() {
        Err(not_a_file())
    } else {
        Ok(file)
    }
}

/// Writes `bytes` to `path` atomically (see [`write_atomic_with`]).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_atomic_with(path, |w| w.write_all(bytes))
}

/// Writes what `fill` writes to `path` through a temporary file in the same folder and a
/// rename, streamed (never held whole in memory). A path that is a device or a pipe
/// (`/dev/null`, `/dev/stdout`, a FIFO) is written to directly: renaming over it would replace
/// the device with a plain file.
pub fn write_atomic_with(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    if std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir()) {
        let mut f = io::BufWriter::new(std::fs::OpenOptions::new().write(true).open(path)?);
        fill(&mut f)?;
        return f.flush();
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
    let tmp = dir.join(format!(".{name}.kpic-tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = io::BufWriter::new(std::fs::File::create(&tmp)?);
        fill(&mut f)?;
        f.into_inner()
            .map_err(io::IntoInnerError::into_error)?
            .sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexical_paths_resolve_dots_by_their_text() {
        let p = |s: &str| lexical(Path::new(s));
        assert_eq!(p("dist/../dist"), PathBuf::from("dist"));
        assert_eq!(p("dist/sub/../../dist/"), PathBuf::from("dist"));
        assert_eq!(p("./a/./b"), PathBuf::from("a/b"));
        assert_eq!(p("/x/../../y"), PathBuf::from("/y"));
        assert_eq!(p("../a"), PathBuf::from("../a"));
        assert_eq!(p("a/.."), PathBuf::new());
    }
}
