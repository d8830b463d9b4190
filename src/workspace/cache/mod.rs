//! The model cache of `kpic check FILE`: the pre-commit case reports on a few files but needs
//! what all the others define and reference, and parsing them all costs as much as a whole
//! check. `.kpic-cache/models` under the project root keeps, for every file of the workspace:
//!
//! - an entry, as git's index keeps one: the file's size, times, inode and device, the keyed
//!   hash of its text and where its model is. A file whose metadata is unchanged is not read
//!   at all; one whose metadata changed is read and its text compared;
//! - its facts: the keyed hashes of the IDs it defines, of the owners and duties its KPIs
//!   name, and of every ID it references, each with the entry that has it. A check of given
//!   files looks up only what those files define and reference, and reads (and decodes the
//!   model of) only the few other files that the findings need;
//! - its model ([`codec`](super::spec::codec)), read only for those few files.
//!
//! Nothing in the cache is taken on trust. The cache folder and the file are used only when
//! they are a real folder and a regular file inside the project (no link, FIFO or device:
//! the file is opened with `O_NOFOLLOW | O_NONBLOCK` and its type checked on the open file),
//! no larger than a few times the specs, not tracked by git, and not under CI (`CI=true`);
//! otherwise the cache is skipped, and said so once. The file is authenticated with a key
//! that lives outside the project, in the user's cache folder ([`key`]): a cache written
//! elsewhere (committed to the repository, say) never matches, and every text hash and ID
//! hash is keyed too. A model is decoded with every length and span checked. Anything that
//! does not read costs a parse, never a wrong finding. The file is written atomically (a
//! temporary file renamed), its folder ignores itself for git, and a failure to write it is
//! silent.

mod facts;
mod key;
pub(crate) mod load;

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use std::sync::Arc;

use self::facts::Table;
use self::key::Key;
use super::SpecFile;
use super::spec::codec;
use crate::source::FileId;

pub(crate) use facts::Elsewhere;

/// The cache's folder under the project root.
pub const DIR: &str = ".kpic-cache";
/// The cache file in that folder.
const FILE: &str = "models";

/// What a cache file starts with: the format and the kpic version that wrote it (a cache
/// written by another version is not read). The format number must change with any change to
/// the model, the facts or how they are built from a file, since a development build keeps
/// the version.
const MAGIC: &str = concat!("kpic model cache 4 ", env!("CARGO_PKG_VERSION"), "\n");

/// The largest cache read: this many times the size of the workspace's spec files (the models
/// and facts of a workspace take a little more than its text), and never less than
/// [`MIN_CAP`].
const CAP_FACTOR: u64 = 4;
/// The size cap of a small workspace's cache.
const MIN_CAP: u64 = 1 << 20;

/// A file whose times are this close to the moment the cache was written (nanoseconds) may
/// have changed in the same tick of the file system's clock without its times changing: it is
/// read and compared, whatever its metadata says (git's "racy" entries).
const RACY_NS: i64 = 2_000_000_000;

/// Kinds of keyed hashes (the first byte hashed).
mod domain {
    /// A file's text.
    pub const TEXT: u8 = 20;
    /// A model's bytes.
    pub const MODEL: u8 = 21;
    /// The index of a cache file.
    pub const TAG: u8 = 22;
    /// The owner and duty IDs of a cache file.
    pub const IDS: u8 = 23;
}

/// A file's metadata as the cache keeps it: a file whose metadata is unchanged since its entry
/// was written is not read again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct FileMeta {
    size: u64,
    /// Modification time, nanoseconds since the epoch.
    mtime: i64,
    /// Change time (of the inode), nanoseconds since the epoch.
    ctime: i64,
    ino: u64,
    dev: u64,
}

impl FileMeta {
    /// The metadata of a file, from `std::fs::metadata`.
    pub(crate) fn of(m: &std::fs::Metadata) -> FileMeta {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let ns = |s: i64, n: i64| s.saturating_mul(1_000_000_000).saturating_add(n);
            FileMeta {
                size: m.size(),
                mtime: ns(m.mtime(), m.mtime_nsec()),
                ctime: ns(m.ctime(), m.ctime_nsec()),
                ino: m.ino(),
                dev: m.dev(),
            }
        }
        #[cfg(not(unix))]
        {
            let mtime = m
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos() as i64);
            FileMeta {
                size: m.len(),
                mtime,
                ctime: mtime,
                ino: 0,
                dev: 0,
            }
        }
    }

    /// The size of the file in bytes.
    pub(crate) fn size(&self) -> u64 {
        self.size
    }
}

/// A text's key: its keyed hash and its length.
type TextKey = (u64, u64);

/// One file's entry.
#[derive(Debug, Clone)]
struct Entry {
    /// The file's name: bytes of the index.
    name: std::ops::Range<usize>,
    meta: FileMeta,
    text: TextKey,
    /// Where the model is in the data after the index (offset, length), and its keyed hash.
    model: (u64, u32),
    sum: u64,
}

/// A cache file, opened and authenticated, or an empty cache.
pub struct ModelCache {
    /// The cache folder.
    dir: PathBuf,
    /// Whether the folder may be written (it is a real folder inside the project, or absent).
    writable: bool,
    /// When the cache file was written (its modification time, ns).
    written_at: i64,
    /// The file's index: its entries (in name order) and facts.
    table: Arc<Table>,
    entries: Vec<Entry>,
    /// What the user should know about the cache (said once, on stderr).
    notes: Vec<String>,
}

impl std::fmt::Debug for ModelCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModelCache")
            .field("dir", &self.dir)
            .field("entries", &self.entries.len())
            .finish_non_exhaustive()
    }
}

/// Whether kpic runs in a CI system (`CI` set, and not `false` or `0`): a cache there is
/// neither read nor written.
fn in_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false" && v != "0")
}

impl ModelCache {
    /// The cache of the project at `root` whose spec files take `workspace_size` bytes: empty
    /// when there is none, and unused (neither read nor written) when it is not to be
    /// trusted; [`ModelCache::notes`] says why.
    pub fn open(root: &Path, workspace_size: u64) -> ModelCache {
        let mut cache = ModelCache {
            dir: root.join(DIR),
            writable: false,
            written_at: 0,
            table: Arc::new(Table::default()),
            entries: Vec::new(),
            notes: Vec::new(),
        };
        if in_ci() {
            return cache;
        }
        let shown = format!("`{DIR}`");
        match std::fs::symlink_metadata(&cache.dir) {
            Err(_) => {}
            Ok(m) if m.file_type().is_symlink() => {
                cache.note(format!("{shown} is a link: the model cache is not used"));
                return cache;
            }
            Ok(m) if !m.is_dir() => {
                cache.note(format!(
                    "{shown} is not a folder: the model cache is not used"
                ));
                return cache;
            }
            Ok(_) => {}
        }
        if let Some(top) = super::git::work_tree(root)
            && let Ok(real) = std::fs::canonicalize(root)
            && let Ok(rel) = real.join(DIR).strip_prefix(&top)
            && super::git::tracks(&top, rel) != Some(false)
        {
            cache.note(format!(
                "{shown} is tracked by git (or git cannot tell): the model cache is not used"
            ));
            return cache;
        }
        let Some(key) = key::user_key() else {
            return cache;
        };
        cache.writable = true;
        let mut table = Table::default();
        let cap = workspace_size.saturating_mul(CAP_FACTOR).max(MIN_CAP);
        match open_regular(&cache.dir.join(FILE)) {
            Opened::Missing => {}
            Opened::NotRegular => {
                cache.writable = false;
                cache.note(format!(
                    "{shown}/{FILE} is not a regular file (a link, FIFO or device): the model cache is not used"
                ));
            }
            Opened::File(file, meta) if meta.size > cap => {
                drop(file);
                cache.note(format!(
                    "{shown}/{FILE} is larger than {CAP_FACTOR} times the spec files: the model cache is not read"
                ));
            }
            Opened::File(file, meta) => {
                cache.written_at = meta.mtime;
                if let Some((index, data_at)) = read_index(&file, meta.size, key)
                    && let Some((entries, facts, ids)) = entries(&index)
                {
                    cache.entries = entries;
                    table.index = index;
                    table.facts = facts;
                    table.ids_at = ids;
                    table.data_at = data_at;
                    table.file = Some(file);
                }
            }
        }
        table.key = Some(key);
        cache.table = Arc::new(table);
        cache
    }

    /// What the user should know about the cache (each said once).
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    fn note(&mut self, note: String) {
        if !self.notes.contains(&note) {
            self.notes.push(note);
        }
    }

    /// Whether the cache is used at all (read, or written at the end of the run).
    pub fn is_used(&self) -> bool {
        self.table.key.is_some() && self.writable
    }

    /// The name of an entry's file.
    fn name(&self, entry: usize) -> &str {
        let range = self.entries[entry].name.clone();
        std::str::from_utf8(&self.table.index[range]).unwrap_or_default()
    }

    /// The entry of the file `name`, if the cache has one.
    fn entry_of(&self, name: &str) -> Option<usize> {
        self.entries
            .binary_search_by(|e| {
                std::str::from_utf8(&self.table.index[e.name.clone()])
                    .unwrap_or_default()
                    .cmp(name)
            })
            .ok()
    }

    /// Whether the entry's metadata says its file is unchanged: the same metadata, not so close
    /// to the moment the cache was written that a change could have kept it.
    fn trusted(&self, entry: usize, meta: &FileMeta) -> bool {
        let e = &self.entries[entry];
        e.meta == *meta
            && e.meta.mtime < self.written_at - RACY_NS
            && e.meta.ctime < self.written_at - RACY_NS
    }

    /// Whether an entry whose file was read and found unchanged, with metadata `meta` now, is
    /// worth writing again: its metadata changed, or it was too recent to trust and is not
    /// any more.
    fn refreshes(&self, entry: usize, meta: &FileMeta) -> bool {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX));
        self.entries[entry].meta != *meta
            || (!self.trusted(entry, meta) && meta.mtime.max(meta.ctime) < now - RACY_NS)
    }

    /// The key of a text.
    fn text_key(&self, text: &str) -> Option<TextKey> {
        Some((
            self.table.key?.hash(domain::TEXT, text.as_bytes()),
            text.len() as u64,
        ))
    }

    /// The model bytes of an entry, read from the file and checked against their hash.
    fn model_bytes(&self, entry: usize) -> Option<Vec<u8>> {
        let e = &self.entries[entry];
        self.table.data(e.model.0, e.model.1, e.sum)
    }

    /// The model of an entry whose file is `file` and has the text `text` (which the caller
    /// has found to be the entry's).
    fn model(&self, entry: usize, file: FileId, text: &str) -> Option<SpecFile> {
        codec::decode(&self.model_bytes(entry)?, file, Some(text))
    }

    /// The model of the file `name` as the cache has it, whatever its text is now (what a
    /// given file was before, outside git): its spans are empty.
    pub(crate) fn previous_model(&self, name: &str, file: FileId) -> Option<SpecFile> {
        let entry = self.entry_of(name)?;
        codec::decode(&self.model_bytes(entry)?, file, None)
    }

    /// Writes the cache anew: `updates` are the files of the workspace in name order, each with
    /// what to keep. Failures are ignored: a cache that cannot be written only costs a parse
    /// next time.
    fn write(&self, updates: &[Update<'_>]) {
        if self.is_used() {
            let _ = self.try_write(updates);
        }
    }

    fn try_write(&self, updates: &[Update<'_>]) -> Option<()> {
        let key = self.table.key?;
        // The folder: created when missing, used only while it is a real folder.
        match std::fs::symlink_metadata(&self.dir) {
            Ok(m) if m.is_dir() && !m.file_type().is_symlink() => {}
            Ok(_) => return None,
            Err(_) => {
                std::fs::create_dir(&self.dir).ok()?;
                let m = std::fs::symlink_metadata(&self.dir).ok()?;
                if !m.is_dir() || m.file_type().is_symlink() {
                    return None;
                }
            }
        }
        // The folder ignores itself for git; an existing `.gitignore` (or a link of that
        // name) is left as it is, never written through.
        if let Ok(mut f) = create_new(&self.dir.join(".gitignore")) {
            let _ = f.write_all(b"# kpic's model cache (kpic check FILE); safe to delete\n*\n");
        }
        // Each entry's model: new bytes, or a range of the old file's data (copied as it is,
        // with its hash: a damaged one is found when it is read).
        let mut pieces: Vec<Piece> = Vec::new();
        let mut entries = Vec::new();
        let mut facts: Vec<(u64, u32)> = Vec::new();
        let mut ids: Vec<(u8, u32, &str)> = Vec::new();
        // Old entry → new entry, for the old facts and IDs.
        let mut renumber: Vec<Option<u32>> = vec![None; self.entries.len()];
        let mut at = 0u64;
        let mut kept: u32 = 0;
        for u in updates {
            let n = kept;
            let (name, piece, text_key, meta, sum) = match u {
                Update::Keep { entry, meta } => {
                    let e = &self.entries[*entry];
                    if self.table.file.is_none() {
                        continue;
                    }
                    renumber[*entry] = Some(n);
                    let piece = Piece::Old(e.model.0, e.model.1);
                    (
                        self.name(*entry),
                        piece,
                        e.text,
                        meta.unwrap_or(e.meta),
                        e.sum,
                    )
                }
                Update::New {
                    name,
                    spec,
                    text,
                    meta,
                } => {
                    let mut b = Vec::new();
                    codec::encode(spec, &mut b);
                    let mut found: HashMap<(u8, &str), u32> = HashMap::new();
                    facts::of(spec, &mut |kind, id| {
                        *found.entry((kind, id)).or_default() += 1;
                    });
                    for ((kind, id), count) in found {
                        facts.push((key.hash(kind, id.as_bytes()), facts::pack(n, count)));
                        if matches!(
                            kind,
                            facts::OWNER | facts::DUTY | facts::OBJECTIVE | facts::TEAM
                        ) {
                            ids.push((kind, n, id));
                        }
                    }
                    let sum = key.hash(domain::MODEL, &b);
                    (*name, Piece::New(b), self.text_key(text)?, *meta, sum)
                }
            };
            let len = u32::try_from(piece.len()).ok()?;
            put_str(&mut entries, name);
            for v in [
                meta.size,
                meta.mtime as u64,
                meta.ctime as u64,
                meta.ino,
                meta.dev,
                text_key.0,
                text_key.1,
                at,
            ] {
                entries.extend_from_slice(&v.to_le_bytes());
            }
            entries.extend_from_slice(&len.to_le_bytes());
            entries.extend_from_slice(&sum.to_le_bytes());
            at += u64::from(len);
            pieces.push(piece);
            kept = kept.checked_add(1)?;
        }
        // The facts and IDs of the entries kept, as they were.
        for (hash, packed) in self.table.facts() {
            let (entry, count) = facts::unpack(packed);
            if let Some(n) = renumber.get(entry as usize).copied().flatten() {
                facts.push((hash, facts::pack(n, count)));
            }
        }
        let old_ids = self.table.ids();
        for (kind, entry, id) in old_ids {
            if let Some(n) = renumber.get(*entry as usize).copied().flatten() {
                ids.push((*kind, n, id));
            }
        }
        facts.sort_unstable();
        let mut index = Vec::with_capacity(entries.len() + facts.len() * facts::RECORD + 32);
        index.extend_from_slice(&kept.to_le_bytes());
        index.extend_from_slice(&entries);
        index.extend_from_slice(&u32::try_from(facts.len()).ok()?.to_le_bytes());
        for (hash, packed) in &facts {
            index.extend_from_slice(&hash.to_le_bytes());
            index.extend_from_slice(&packed.to_le_bytes());
        }
        // The IDs, after the models: read only for a did-you-mean.
        let mut blob = Vec::new();
        for (kind, entry, id) in &ids {
            blob.push(*kind);
            blob.extend_from_slice(&entry.to_le_bytes());
            put_str(&mut blob, id);
        }
        index.extend_from_slice(&at.to_le_bytes());
        index.extend_from_slice(&u32::try_from(blob.len()).ok()?.to_le_bytes());
        index.extend_from_slice(&key.hash(domain::IDS, &blob).to_le_bytes());
        // Named by process and time, so that writers sharing the folder do not meet.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let tmp = self
            .dir
            .join(format!(".{FILE}.kpic-tmp-{}-{nanos}", std::process::id()));
        let result = (|| {
            let mut out = create_new(&tmp)?;
            let mut head = Vec::with_capacity(MAGIC.len() + 16);
            head.extend_from_slice(MAGIC.as_bytes());
            head.extend_from_slice(&key.hash(domain::TAG, &index).to_le_bytes());
            head.extend_from_slice(&(index.len() as u64).to_le_bytes());
            out.write_all(&head)?;
            out.write_all(&index)?;
            self.write_pieces(&pieces, &mut out)?;
            out.write_all(&blob)?;
            drop(out);
            std::fs::rename(&tmp, self.dir.join(FILE))
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result.ok()
    }

    /// Writes the models: new bytes as they are, and each run of models kept from the old file
    /// copied from it in one piece (by the kernel, where it can).
    fn write_pieces(&self, pieces: &[Piece], out: &mut std::fs::File) -> std::io::Result<()> {
        use std::io::{Read, Seek, SeekFrom};
        let mut run: Option<(u64, u64)> = None;
        let copy = |out: &mut std::fs::File, (at, len): (u64, u64)| -> std::io::Result<()> {
            let Some(mut old) = self.table.file.as_ref() else {
                return Err(std::io::Error::other("no old cache file"));
            };
            old.seek(SeekFrom::Start(self.table.data_at + at))?;
            let copied = std::io::copy(&mut old.take(len), out)?;
            if copied == len {
                Ok(())
            } else {
                Err(std::io::Error::other("the old cache file is shorter"))
            }
        };
        for piece in pieces {
            match piece {
                Piece::Old(at, len) => {
                    let len = u64::from(*len);
                    run = match run {
                        Some((start, n)) if start + n == *at => Some((start, n + len)),
                        Some(r) => {
                            copy(out, r)?;
                            Some((*at, len))
                        }
                        None => Some((*at, len)),
                    };
                }
                Piece::New(bytes) => {
                    if let Some(r) = run.take() {
                        copy(out, r)?;
                    }
                    out.write_all(bytes)?;
                }
            }
        }
        if let Some(r) = run {
            copy(out, r)?;
        }
        Ok(())
    }
}

/// One model of a cache file being written.
enum Piece {
    /// Bytes of the old file's data: offset and length.
    Old(u64, u32),
    /// New bytes.
    New(Vec<u8>),
}

impl Piece {
    fn len(&self) -> usize {
        match self {
            Piece::Old(_, n) => *n as usize,
            Piece::New(b) => b.len(),
        }
    }
}

/// What to write for one file of the workspace.
enum Update<'a> {
    /// The entry the cache has, with new metadata when the file's text was found unchanged.
    Keep {
        entry: usize,
        meta: Option<FileMeta>,
    },
    /// A new entry for the file `name`, from its model and text.
    New {
        name: &'a str,
        spec: &'a SpecFile,
        text: &'a str,
        meta: FileMeta,
    },
}

/// Writes a length-prefixed string.
fn put_str(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u32).to_le_bytes());
    out.extend_from_slice(s.as_bytes());
}

/// Reads the index of a cache file of `size` bytes and checks it against its tag: the index,
/// and where the data after it starts.
fn read_index(file: &std::fs::File, size: u64, key: Key) -> Option<(Vec<u8>, u64)> {
    let mut head = vec![0u8; MAGIC.len() + 16];
    read_exact_at(file, &mut head, 0)?;
    if &head[..MAGIC.len()] != MAGIC.as_bytes() {
        return None;
    }
    let tag = u64::from_le_bytes(head[MAGIC.len()..][..8].try_into().ok()?);
    let len = u64::from_le_bytes(head[MAGIC.len() + 8..][..8].try_into().ok()?);
    let start = (MAGIC.len() + 16) as u64;
    if len > size.saturating_sub(start) {
        return None;
    }
    let mut index = vec![0u8; usize::try_from(len).ok()?];
    read_exact_at(file, &mut index, start)?;
    (key.hash(domain::TAG, &index) == tag).then_some((index, start + len))
}

/// The entries of an index (in name order), where its facts are, and where its IDs are in the
/// data (offset, length, keyed hash); `None` when it does not read to its end.
#[allow(clippy::type_complexity)]
fn entries(index: &[u8]) -> Option<(Vec<Entry>, std::ops::Range<usize>, (u64, u32, u64))> {
    let mut r = Reader { data: index, at: 0 };
    let n = r.u32()? as usize;
    // Every entry takes more than 80 bytes: a count beyond that is damage.
    if n > index.len() / 80 {
        return None;
    }
    let mut entries: Vec<Entry> = Vec::with_capacity(n);
    for _ in 0..n {
        let len = r.u32()? as usize;
        let at = r.at;
        std::str::from_utf8(r.bytes(len)?).ok()?;
        let name = at..at + len;
        let meta = FileMeta {
            size: r.u64()?,
            mtime: r.u64()? as i64,
            ctime: r.u64()? as i64,
            ino: r.u64()?,
            dev: r.u64()?,
        };
        let text = (r.u64()?, r.u64()?);
        let model = (r.u64()?, r.u32()?);
        let sum = r.u64()?;
        // In name order, each name once: entries are found by a binary search.
        if entries
            .last()
            .is_some_and(|last| index[last.name.clone()] >= index[name.clone()])
        {
            return None;
        }
        entries.push(Entry {
            name,
            meta,
            text,
            model,
            sum,
        });
    }
    let n = r.u32()? as usize;
    let facts = r.at..r.at.checked_add(n.checked_mul(facts::RECORD)?)?;
    r.bytes(facts.len())?;
    let ids = (r.u64()?, r.u32()?, r.u64()?);
    (r.at == index.len()).then_some((entries, facts, ids))
}

/// Reads an index from `at` on.
struct Reader<'a> {
    data: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn bytes(&mut self, n: usize) -> Option<&'a [u8]> {
        let b = self.data.get(self.at..self.at.checked_add(n)?)?;
        self.at += n;
        Some(b)
    }

    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.bytes(4)?.try_into().ok()?))
    }

    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.bytes(8)?.try_into().ok()?))
    }
}

/// A file opened to be read only if it is a regular file.
enum Opened {
    Missing,
    NotRegular,
    File(std::fs::File, FileMeta),
}

/// Opens `path` for reading without following a link and without blocking on a FIFO or
/// device, if it is a regular file ([`crate::fsutil::open_regular_no_follow`]).
fn open_regular(path: &Path) -> Opened {
    match crate::fsutil::open_regular_no_follow(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Opened::Missing,
        Err(_) => Opened::NotRegular,
        Ok(f) => match f.metadata() {
            Ok(m) => Opened::File(f, FileMeta::of(&m)),
            Err(_) => Opened::NotRegular,
        },
    }
}

/// Creates a new file (never through a link: an existing name, a dangling link included,
/// fails).
fn create_new(path: &Path) -> std::io::Result<std::fs::File> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut o, libc::O_NOFOLLOW);
    o.open(path)
}

/// Reads exactly `buf.len()` bytes at `offset`.
fn read_exact_at(file: &std::fs::File, buf: &mut [u8], offset: u64) -> Option<()> {
    #[cfg(unix)]
    {
        std::os::unix::fs::FileExt::read_exact_at(file, buf, offset).ok()
    }
    #[cfg(not(unix))]
    {
        use std::io::{Read, Seek};
        let mut f = file.try_clone().ok()?;
        f.seek(std::io::SeekFrom::Start(offset)).ok()?;
        f.read_exact(buf).ok()
    }
}
