//! Writing files so that readers never see half of one, and opening files that a checkout
//! may have made into FIFOs or devices without blocking on them.

use std::io::{self, Write};
use std::path::Path;

/// Opens `path` for reading when it is a regular file (links followed). A FIFO, device or
/// socket is never opened: it is refused by its `stat`, and the file is opened without blocking
/// and checked again, in case it changed in between. A pull request cannot make kpic hang on a
/// FIFO or read a device in place of a spec, config or cache file.
pub fn open_regular(path: &Path) -> io::Result<std::fs::File> {
    let not_a_file = || io::Error::other("it is a FIFO, device or socket, not a file");
    let regular_or_folder = |m: &std::fs::Metadata| m.is_file() || m.is_dir();
    if !regular_or_folder(&std::fs::metadata(path)?) {
        return Err(not_a_file());
    }
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
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

/// Writes `bytes` to `path` through a temporary file in the same folder and a rename. A path
/// that is a device or a pipe (`/dev/null`, `/dev/stdout`, a FIFO) is written to directly:
/// renaming over it would replace the device with a plain file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir()) {
        let mut f = std::fs::OpenOptions::new().write(true).open(path)?;
        return f.write_all(bytes).and_then(|()| f.flush());
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
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
