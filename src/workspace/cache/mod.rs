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
const MAGIC: &str = concat!("kpic model cache 3 ", env!("CARGO_PKG_VERSION"), "\n");

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
    name: String,
    meta: FileMeta,
    text: TextKey,
    /// Where the model is, from the start of the models (offset, length), and its keyed hash.
    model: (u64, u32),
    sum: u64,
}

/// A cache file, opened and authenticated, or an empty cache.
pub struct ModelCache {
    /// The cache folder.
    dir: PathBuf,
    /// Whether the folder may be written (it is a real folder inside the project, or absent).
    writable: bool,
    key: Option<Key>,
    /// The cache file, for reading models.
    file: Option<std::fs::File>,
    /// When the cache file was written (its modification time, ns).
    written_at: i64,
    /// Where the models start in the file.
    models_at: u64,
    entries: Vec<Entry>,
    by_name: HashMap<String, usize>,
    /// The facts of the entries.
    table: Arc<Table>,
    /// What the user should know about the cache (said once, on stderr).
    notes: Vec<String>,
}

impl std::fmt::Debug for ModelCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModelCache")
            .field("dir", &self.dir)
            .field("entries", &self.entries.len())
            .field("facts", &self.table.facts.len())
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
        let dir = root.join(DIR);
        let mut cache = ModelCache {
            dir,
            writable: false,
            key: None,
            file: None,
            written_at: 0,
            models_at: 0,
            entries: Vec::new(),
            by_name: HashMap::new(),
            table: Arc::new(Table::default()),
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
        cache.key = Some(key);
        cache.writable = true;
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
                    "{shown}/{FILE} is larger than {} times the spec files: the model cache is not read",
                    CAP_FACTOR
                ));
            }
            Opened::File(file, meta) => {
                cache.written_at = meta.mtime;
                let mut table = Table {
                    key: Some(key),
                    ..Table::default()
                };
                if cache.read_index(&file, meta.size, &mut table).is_some() {
                    cache.file = Some(file);
                    cache.table = Arc::new(table);
                } else {
                    cache.entries.clear();
                    cache.by_name.clear();
                }
            }
        }
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
    pub(crate) fn is_used(&self) -> bool {
        self.key.is_some() && self.writable
    }

    /// Reads and authenticates the index of the cache file; `None` when it does not read.
    fn read_index(&mut self, file: &std::fs::File, size: u64, table: &mut Table) -> Option<()> {
        let key = self.key?;
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
        if key.hash(domain::TAG, &index) != tag {
            return None;
        }
        self.models_at = start + len;
        let mut r = Reader {
            data: &index,
            at: 0,
        };
        let n = r.u32()? as usize;
        // Every entry takes more than 60 bytes: a count beyond that is damage.
        if n > index.len() / 60 {
            return None;
        }
        for i in 0..n {
            let name = r.str()?.to_owned();
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
            self.by_name.insert(name.clone(), i);
            self.entries.push(Entry {
                name,
                meta,
                text,
                model,
                sum,
            });
        }
        let n = r.u32()? as usize;
        if n > index.len() / 16 {
            return None;
        }
        table.facts.reserve_exact(n);
        for _ in 0..n {
            let fact = (r.u64()?, r.u32()?, r.u32()?);
            if fact.1 as usize >= self.entries.len() {
                return None;
            }
            table.facts.push(fact);
        }
        // Sorted, as it was written (lookups search it).
        if !table.facts.is_sorted() {
            return None;
        }
        let n = r.u32()? as usize;
        if n > index.len() / 8 {
            return None;
        }
        for _ in 0..n {
            let kind = r.u8()?;
            let entry = r.u32()?;
            let id = r.str()?.to_owned();
            if entry as usize >= self.entries.len() {
                return None;
            }
            table.ids.push((kind, entry, id));
        }
        (r.at == index.len()).then_some(())
    }

    /// The entry of the file `name`, if the cache has one.
    fn entry_of(&self, name: &str) -> Option<usize> {
        self.by_name.get(name).copied()
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
            self.key?.hash(domain::TEXT, text.as_bytes()),
            text.len() as u64,
        ))
    }

    /// The model bytes of an entry, read from the file and checked against their hash.
    fn model_bytes(&self, entry: usize) -> Option<Vec<u8>> {
        let (file, key) = (self.file.as_ref()?, self.key?);
        let e = &self.entries[entry];
        let mut bytes = vec![0u8; e.model.1 as usize];
        read_exact_at(file, &mut bytes, self.models_at.checked_add(e.model.0)?)?;
        (key.hash(domain::MODEL, &bytes) == e.sum).then_some(bytes)
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

    /// Writes the cache anew: `entries` are the files of the workspace in name order, each with
    /// what to keep. Failures are ignored: a cache that cannot be written only costs a parse
    /// next time.
    fn write(&self, entries: &[Update<'_>]) {
        if !self.is_used() {
            return;
        }
        let _ = self.try_write(entries);
    }

    fn try_write(&self, updates: &[Update<'_>]) -> Option<()> {
        let key = self.key?;
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
        // The old models, for the entries that keep theirs.
        let old: Option<Vec<u8>> = self.file.as_ref().and_then(|f| {
            let len = f.metadata().ok()?.len().checked_sub(self.models_at)?;
            let mut bytes = vec![0u8; usize::try_from(len).ok()?];
            read_exact_at(f, &mut bytes, self.models_at)?;
            Some(bytes)
        });
        let mut index = Vec::new();
        let mut models = Vec::new();
        let mut facts: Vec<(u64, u32, u32)> = Vec::new();
        let mut ids: Vec<(u8, u32, &str)> = Vec::new();
        let mut kept = 0u32;
        let mut body = Vec::new();
        for u in updates {
            let i = kept;
            let (name, bytes, text_key, meta) = match u {
                Update::Keep { entry, meta } => {
                    let e = &self.entries[*entry];
                    let Some(b) = old.as_deref().and_then(|o| {
                        let at = usize::try_from(e.model.0).ok()?;
                        o.get(at..at.checked_add(e.model.1 as usize)?)
                    }) else {
                        continue;
                    };
                    if key.hash(domain::MODEL, b) != e.sum {
                        continue;
                    }
                    // The facts and IDs of the entry, as they were.
                    let at = self.table.facts.iter().filter(|f| f.1 as usize == *entry);
                    facts.extend(at.map(|f| (f.0, i, f.2)));
                    ids.extend(
                        self.table
                            .ids
                            .iter()
                            .filter(|(_, e2, _)| *e2 as usize == *entry)
                            .map(|(k, _, id)| (*k, i, id.as_str())),
                    );
                    (e.name.as_str(), b.to_vec(), e.text, meta.unwrap_or(e.meta))
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
                        *found.entry((kind, id)).or_default() += 1
                    });
                    for ((kind, id), n) in found {
                        facts.push((key.hash(kind, id.as_bytes()), i, n));
                        if kind == facts::OWNER || kind == facts::DUTY {
                            ids.push((kind, i, id));
                        }
                    }
                    (*name, b, self.text_key(text)?, *meta)
                }
            };
            put_str(&mut body, name);
            for v in [
                meta.size,
                meta.mtime as u64,
                meta.ctime as u64,
                meta.ino,
                meta.dev,
            ] {
                body.extend_from_slice(&v.to_le_bytes());
            }
            body.extend_from_slice(&text_key.0.to_le_bytes());
            body.extend_from_slice(&text_key.1.to_le_bytes());
            body.extend_from_slice(&(models.len() as u64).to_le_bytes());
            body.extend_from_slice(&u32::try_from(bytes.len()).ok()?.to_le_bytes());
            body.extend_from_slice(&key.hash(domain::MODEL, &bytes).to_le_bytes());
            models.extend_from_slice(&bytes);
            kept += 1;
        }
        facts.sort_unstable();
        index.extend_from_slice(&kept.to_le_bytes());
        index.extend_from_slice(&body);
        index.extend_from_slice(&u32::try_from(facts.len()).ok()?.to_le_bytes());
        for (h, e, n) in &facts {
            index.extend_from_slice(&h.to_le_bytes());
            index.extend_from_slice(&e.to_le_bytes());
            index.extend_from_slice(&n.to_le_bytes());
        }
        index.extend_from_slice(&u32::try_from(ids.len()).ok()?.to_le_bytes());
        for (kind, e, id) in &ids {
            index.push(*kind);
            index.extend_from_slice(&e.to_le_bytes());
            put_str(&mut index, id);
        }
        // Named by process and time, so that writers sharing the folder do not meet.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let tmp = self
            .dir
            .join(format!(".{FILE}.kpic-tmp-{}-{nanos}", std::process::id()));
        let result = (|| {
            let mut out = std::io::BufWriter::new(create_new(&tmp)?);
            out.write_all(MAGIC.as_bytes())?;
            out.write_all(&key.hash(domain::TAG, &index).to_le_bytes())?;
            out.write_all(&(index.len() as u64).to_le_bytes())?;
            out.write_all(&index)?;
            out.write_all(&models)?;
            out.into_inner().map_err(|e| e.into_error())?;
            std::fs::rename(&tmp, self.dir.join(FILE))
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result.ok()
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

    fn u8(&mut self) -> Option<u8> {
        Some(self.bytes(1)?[0])
    }

    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.bytes(4)?.try_into().ok()?))
    }

    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.bytes(8)?.try_into().ok()?))
    }

    fn str(&mut self) -> Option<&'a str> {
        let n = self.u32()? as usize;
        std::str::from_utf8(self.bytes(n)?).ok()
    }
}

/// A file opened to be read only if it is a regular file.
enum Opened {
    Missing,
    NotRegular,
    File(std::fs::File, FileMeta),
}

/// Opens `path` for reading without following a link and without blocking on a FIFO or
/// device, then checks on the open file that it is a regular file.
fn open_regular(path: &Path) -> Opened {
    let mut o = std::fs::OpenOptions::new();
    o.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut o, libc::O_NOFOLLOW | libc::O_NONBLOCK);
    #[cfg(not(unix))]
    if std::fs::symlink_metadata(path).is_ok_and(|m| !m.is_file()) {
        return Opened::NotRegular;
    }
    match o.open(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Opened::Missing,
        Err(_) => Opened::NotRegular,
        Ok(f) => match f.metadata() {
            Ok(m) if m.is_file() => Opened::File(f, FileMeta::of(&m)),
            _ => Opened::NotRegular,
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
        use std::io::Seek;
        let mut f = file.try_clone().ok()?;
        f.seek(std::io::SeekFrom::Start(offset)).ok()?;
        f.read_exact(buf).ok()
    }
}
