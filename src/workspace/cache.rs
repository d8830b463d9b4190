//! The model cache of `kpic check FILE`: the pre-commit case reports on a few files but needs
//! the models of all the others (their IDs, owners, duties and weights), and parsing them all
//! costs as much as a whole check. Their models are kept in `.kpic-cache/models` under the
//! project root, each under the file's name with a hash and the length of its text, and read
//! back for a file whose text is unchanged.
//!
//! A cache entry is only ever used for the very text it was made from, and read back with
//! every length and span checked ([`codec::decode`](super::spec::codec::decode)); anything
//! that does not read (another kpic version, a damaged or foreign file) is a miss, which
//! costs a parse. The cache is written atomically (a temporary file renamed), its folder
//! ignores itself for git, and any failure to read or write it is silent.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::SpecFile;
use super::spec::codec;
use crate::source::FileId;

/// The cache's folder under the project root.
pub const DIR: &str = ".kpic-cache";
/// The cache file in that folder.
const FILE: &str = "models";
/// Largest cache file read (a workspace of 100,000 KPIs makes one of about 50 MiB): a bigger
/// one is not kpic's, and is ignored rather than read into memory.
const MAX_SIZE: u64 = 256 * 1024 * 1024;

/// What a cache file starts with: the format and the kpic version that wrote it (a model
/// written by another version is not read). The format number must change with any change to
/// the model or to how it is built from a file, since a development build keeps the version.
const MAGIC: &str = concat!("kpic model cache 2 ", env!("CARGO_PKG_VERSION"), "\n");

/// A text's key: a hash and the length.
pub type TextKey = (u64, u64);

/// A model for [`ModelCache::update`]: the file's name, its text's key, and the model's bytes
/// (`None`: the bytes the cache has for this name and key).
pub type Update = (String, TextKey, Option<Vec<u8>>);

/// The entries of a cache file: file name → (text key, model bytes in the file).
type Entries = HashMap<String, (TextKey, std::ops::Range<usize>)>;

/// The models read from the cache file, by file name.
#[derive(Debug, Default)]
pub struct ModelCache {
    dir: PathBuf,
    data: Vec<u8>,
    entries: Entries,
}

/// The key of a file's text: a hash and the length.
pub fn key(text: &str) -> TextKey {
    hash(text.as_bytes())
}

/// A hash and the length of `bytes`.
fn hash(bytes: &[u8]) -> TextKey {
    // Two multiply-rotate lanes over 8-byte words (as the ID hasher, with other constants for
    // the second): fast enough to hash every file of a large workspace in a few milliseconds.
    // Not a cryptographic hash: two texts of the same length with the same key are possible
    // in principle, but not by accident (and whoever can write the cache can already put
    // any model in it).
    let (mut a, mut b) = (0u64, 0x9e37_79b9_7f4a_7c15u64);
    let mut step = |w: u64| {
        a = (a.rotate_left(5) ^ w).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        b = (b.rotate_left(29) ^ w).wrapping_mul(0xc2b2_ae3d_27d4_eb4f);
    };
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        step(u64::from_le_bytes(c.try_into().unwrap_or_default()));
    }
    let mut last = [0u8; 8];
    last[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
    step(u64::from_le_bytes(last));
    (a ^ b.rotate_left(32), bytes.len() as u64)
}

impl ModelCache {
    /// The cache under `root`, empty when there is none or it does not read.
    pub fn open(root: &Path) -> ModelCache {
        let dir = root.join(DIR);
        let mut cache = ModelCache {
            dir,
            ..ModelCache::default()
        };
        if let Ok(data) = super::read_to_vec_limited(&cache.dir.join(FILE), MAX_SIZE)
            && let Some(entries) = index(&data)
        {
            cache.entries = entries;
            cache.data = data;
        }
        cache
    }

    /// The cached model of the file `name` whose text is `text`, if the cache has one made
    /// from this very text.
    pub fn get(&self, name: &str, text: &str, key: TextKey, file: FileId) -> Option<SpecFile> {
        let (cached, range) = self.entries.get(name)?;
        if *cached != key {
            return None;
        }
        codec::decode(self.data.get(range.clone())?, file, text)
    }

    /// Whether the cache has the model of file `name` made from a text with this key.
    pub fn has(&self, name: &str, key: TextKey) -> bool {
        self.entries.get(name).is_some_and(|(k, _)| *k == key)
    }

    /// Writes the cache anew with `models` (name, text key, the model's bytes, or `None` to
    /// keep the bytes read from the cache), unless nothing changed; entries of other files
    /// are dropped. Failures are ignored: a
    /// cache that cannot be written only costs a parse next time.
    pub fn update(&self, models: &[Update]) {
        let changed = models.len() != self.entries.len()
            || models
                .iter()
                .any(|(name, key, bytes)| bytes.is_some() || !self.has(name, *key));
        if !changed {
            return;
        }
        let _ = self.write(models);
    }

    /// Writes the cache file: to a temporary file, renamed over the old one when complete.
    fn write(&self, models: &[Update]) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.dir)?;
        let ignore = self.dir.join(".gitignore");
        if !ignore.exists() {
            std::fs::write(
                &ignore,
                "# kpic's model cache (kpic check FILE); safe to delete\n*\n",
            )?;
        }
        // Named by process and time, so that writers sharing the folder do not meet.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let tmp = self
            .dir
            .join(format!(".{FILE}.kpic-tmp-{}-{nanos}", std::process::id()));
        let result = (|| {
            let mut out = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
            out.write_all(MAGIC.as_bytes())?;
            for (name, (hash, len), bytes) in models {
                let model = match bytes {
                    Some(b) => b.as_slice(),
                    None => match self
                        .entries
                        .get(name.as_str())
                        .and_then(|(_, r)| self.data.get(r.clone()))
                    {
                        Some(b) => b,
                        None => continue,
                    },
                };
                put(&mut out, name.as_bytes())?;
                out.write_all(&hash.to_le_bytes())?;
                out.write_all(&len.to_le_bytes())?;
                // A checksum of the model: a damaged entry is a miss, not a wrong model.
                out.write_all(&self::hash(model).0.to_le_bytes())?;
                put(&mut out, model)?;
            }
            out.into_inner().map_err(|e| e.into_error())?;
            std::fs::rename(&tmp, self.dir.join(FILE))
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result
    }
}

/// Writes a length-prefixed byte string.
fn put(out: &mut impl Write, bytes: &[u8]) -> std::io::Result<()> {
    let len = u32::try_from(bytes.len()).map_err(std::io::Error::other)?;
    out.write_all(&len.to_le_bytes())?;
    out.write_all(bytes)
}

/// The entries of a cache file, or `None` when it does not read to its end.
fn index(data: &[u8]) -> Option<Entries> {
    if data.get(..MAGIC.len())? != MAGIC.as_bytes() {
        return None;
    }
    let mut r = Reader {
        data,
        at: MAGIC.len(),
    };
    let mut entries = HashMap::new();
    while r.at < data.len() {
        let n = r.u32()? as usize;
        let name = std::str::from_utf8(&data[r.bytes(n)?]).ok()?.to_owned();
        let key = (r.u64()?, r.u64()?);
        let sum = r.u64()?;
        let n = r.u32()? as usize;
        let model = r.bytes(n)?;
        if self::hash(&data[model.clone()]).0 == sum {
            entries.insert(name, (key, model));
        }
    }
    Some(entries)
}

/// Reads a cache file from `at` on.
struct Reader<'a> {
    data: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    /// The next `n` bytes, as a range of the file.
    fn bytes(&mut self, n: usize) -> Option<std::ops::Range<usize>> {
        let r = self.at..self.at.checked_add(n)?;
        self.data.get(r.clone())?;
        self.at = r.end;
        Some(r)
    }

    fn u32(&mut self) -> Option<u32> {
        let r = self.bytes(4)?;
        Some(u32::from_le_bytes(self.data[r].try_into().ok()?))
    }

    fn u64(&mut self) -> Option<u64> {
        let r = self.bytes(8)?;
        Some(u64::from_le_bytes(self.data[r].try_into().ok()?))
    }
}
