//! The key of the model cache: 32 random bytes in the user's cache folder, outside every
//! project (`$XDG_CACHE_HOME/kpic/key`, else `~/.cache/kpic/key`), created with mode 0600 when
//! missing. The cache file, the hash of each text and each ID in the cache are keyed with it
//! (SipHash-2-4), so a cache that another machine wrote (committed to a repository, say)
//! never matches, and no one can write a text that matches an entry without the key.

use std::hash::Hasher;
use std::io::{Read, Write};
use std::path::PathBuf;

/// Bytes in a key file.
const LEN: usize = 32;

/// The cache key.
#[derive(Clone, Copy)]
pub(crate) struct Key([u64; 2]);

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Key(..)")
    }
}

impl Key {
    /// A hasher keyed with this key, for bytes of kind `domain` (so that a hash of one kind
    /// never stands for one of another).
    pub(crate) fn hasher(&self, domain: u8) -> impl Hasher {
        #[allow(deprecated)]
        let mut h = std::hash::SipHasher::new_with_keys(self.0[0], self.0[1]);
        h.write_u8(domain);
        h
    }

    /// The keyed hash of `bytes`, of kind `domain`.
    pub(crate) fn hash(&self, domain: u8, bytes: &[u8]) -> u64 {
        let mut h = self.hasher(domain);
        h.write(bytes);
        h.finish()
    }
}

/// The key file: `$XDG_CACHE_HOME/kpic/key`, else `$HOME/.cache/kpic/key`.
fn path() -> Option<PathBuf> {
    let absolute = |v: std::ffi::OsString| Some(PathBuf::from(v)).filter(|p| p.is_absolute());
    let base = std::env::var_os("XDG_CACHE_HOME")
        .and_then(absolute)
        .or_else(|| {
            std::env::var_os("HOME")
                .and_then(absolute)
                .map(|h| h.join(".cache"))
        })?;
    Some(base.join("kpic").join("key"))
}

/// The user's cache key, created when missing (`None` when there is no place for it or it
/// cannot be read or written: then there is no cache).
pub(crate) fn user_key() -> Option<Key> {
    let path = path()?;
    if let Some(key) = read(&path) {
        return Some(key);
    }
    let dir = path.parent()?;
    create_private_dir(dir).ok()?;
    let mut bytes = [0u8; LEN];
    random(&mut bytes);
    // Written beside and renamed into place, so that two kpic runs never read half a key; a
    // key that another run put there first wins.
    let tmp = dir.join(format!(".key.{}", std::process::id()));
    let written = (|| {
        let mut f = private_file(&tmp)?;
        f.write_all(&bytes)?;
        f.sync_all()?;
        if read(&path).is_none() {
            std::fs::rename(&tmp, &path)?;
        }
        Ok::<(), std::io::Error>(())
    })();
    let _ = std::fs::remove_file(&tmp);
    written.ok()?;
    read(&path)
}

/// The key in `path`, when it holds exactly one.
fn read(path: &std::path::Path) -> Option<Key> {
    let mut f = std::fs::File::open(path).ok()?;
    let mut bytes = Vec::with_capacity(LEN + 1);
    (&mut f).take(LEN as u64 + 1).read_to_end(&mut bytes).ok()?;
    (bytes.len() == LEN).then(|| {
        let word = |i: usize| u64::from_le_bytes(bytes[i..i + 8].try_into().unwrap_or_default());
        Key([word(0) ^ word(16), word(8) ^ word(24)])
    })
}

/// Creates `dir` (and its parents), the last one readable by the user only.
fn create_private_dir(dir: &std::path::Path) -> std::io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    if let Some(parent) = dir.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut b = std::fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    match b.create(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => Err(e),
        _ => Ok(()),
    }
}

/// A new file that only the user can read and write.
fn private_file(path: &std::path::Path) -> std::io::Result<std::fs::File> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    o.open(path)
}

/// Random bytes from the system: `/dev/urandom`, else the seeds of the standard library's
/// hash maps (which come from the system too).
fn random(out: &mut [u8; LEN]) {
    if let Ok(mut f) = std::fs::File::open("/dev/urandom")
        && f.read_exact(out).is_ok()
    {
        return;
    }
    use std::hash::BuildHasher;
    for (i, chunk) in out.chunks_mut(8).enumerate() {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_usize(i);
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos()),
        );
        chunk.copy_from_slice(&h.finish().to_le_bytes());
    }
}
