//! Writing files so that readers never see half of one, and opening files that a checkout
//! may have made into FIFOs or devices without blocking on them.

use std::io::Write;
use std::path::Path;

/// Opens `path` for reading when it is a regular file (links followed). A FIFO, device or
/// socket is refused with [`std::io::ErrorKind::InvalidInput`] without blocking: on Unix the
/// file is opened with `O_NONBLOCK` (opening a FIFO for reading would otherwise wait for a
/// writer) and its type is checked on the open file (`fstat`), so it cannot change in between.
pub fn open_regular(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path)?;
    let kind = file.metadata()?.file_type();
    if !kind.is_file() {
        let what = if kind.is_dir() {
            "a folder"
        } else {
            "not a regular file (a FIFO, device or socket)"
        };
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("it is {what}"),
        ));
    }
    Ok(file)
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
