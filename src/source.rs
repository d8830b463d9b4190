//! Source files as kpic holds them: the text, a display path, and line lookup.

use std::path::PathBuf;

/// A half-open byte range `[start, end)` into one source file.
///
/// Offsets are 32-bit: a span is 8 bytes, and the model holds two per value. Files are
/// capped well below 4 GiB (16 MiB by default; the loader refuses anything larger than
/// [`MAX_OFFSET`] whatever the configuration), so every offset fits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Span {
    /// First byte of the range.
    pub start: u32,
    /// One past the last byte of the range.
    pub end: u32,
}

/// The largest byte offset a [`Span`] can hold: files larger than this are refused.
pub const MAX_OFFSET: u64 = u32::MAX as u64;

impl Span {
    /// A span from `start` to `end` (bytes); offsets past [`MAX_OFFSET`] are clamped.
    pub fn new(start: usize, end: usize) -> Self {
        let start = offset(start);
        Span {
            start,
            end: offset(end).max(start),
        }
    }

    /// The first byte, as an index into the text.
    pub fn lo(&self) -> usize {
        self.start as usize
    }

    /// One past the last byte, as an index into the text.
    pub fn hi(&self) -> usize {
        self.end as usize
    }

    /// The range of bytes, for slicing the text.
    pub fn range(&self) -> std::ops::Range<usize> {
        self.lo()..self.hi()
    }

    /// The length of the span in bytes.
    pub fn len(&self) -> usize {
        (self.end - self.start) as usize
    }

    /// Whether the span covers nothing.
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }
}

/// A byte offset as a span offset (clamped to [`MAX_OFFSET`]).
fn offset(at: usize) -> u32 {
    u32::try_from(at).unwrap_or(u32::MAX)
}

/// Index of a file within a [`crate::workspace::Workspace`].
pub type FileId = usize;

/// One loaded file: its name as shown to the user and its text.
#[derive(Debug)]
pub struct SourceFile {
    /// The path as given or relative to the working directory, as shown in diagnostics.
    pub name: String,
    /// The path used to read the file (absolute or as given).
    pub path: PathBuf,
    /// The text of the file, without a leading UTF-8 byte-order mark. Empty when unreadable.
    pub text: String,
    /// Byte offset of the start of every line, computed on first use: most files of a large
    /// workspace are never reported on, and the index would cost as much memory as a third of
    /// their text.
    line_starts: std::sync::OnceLock<Vec<u32>>,
    /// Characters before every `CHAR_STRIDE`-th byte, built when a column far along a long
    /// line is asked for, so that many findings on one long line cost linear time.
    char_marks: std::sync::OnceLock<Vec<usize>>,
}

/// Bytes between two entries of the character index.
const CHAR_STRIDE: usize = 4096;

/// A 1-based line and column (columns count characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    /// 1-based line number.
    pub line: usize,
    /// 1-based column, counted in characters.
    pub column: usize,
}

impl SourceFile {
    /// A source file from its display name, path and text.
    pub fn new(name: String, path: PathBuf, text: String) -> Self {
        SourceFile {
            name,
            path,
            text,
            line_starts: std::sync::OnceLock::new(),
            char_marks: std::sync::OnceLock::new(),
        }
    }

    /// The line index, built on first use (32-bit offsets, like spans: files are refused past
    /// [`MAX_OFFSET`]).
    fn line_starts(&self) -> &[u32] {
        self.line_starts.get_or_init(|| {
            let mut starts = vec![0];
            starts.extend(memchr_iter(b'\n', self.text.as_bytes()).map(|i| offset(i + 1)));
            starts.shrink_to_fit();
            starts
        })
    }

    /// Builds the line index now (it is otherwise built on first use).
    pub fn index_lines(&self) {
        self.line_starts();
    }

    /// The 1-based line and character column of a byte offset (clamped to the text).
    pub fn line_col(&self, offset: usize) -> LineCol {
        let offset = floor_char_boundary(&self.text, offset.min(self.text.len()));
        let line = self
            .line_starts()
            .partition_point(|&s| s as usize <= offset)
            - 1;
        let start = self.line_starts()[line] as usize;
        let column = if offset - start <= CHAR_STRIDE {
            self.text[start..offset].chars().count() + 1
        } else {
            self.chars_before(offset) - self.chars_before(start) + 1
        };
        LineCol {
            line: line + 1,
            column,
        }
    }

    /// Number of characters before a byte offset on a character boundary.
    fn chars_before(&self, byte: usize) -> usize {
        let starts_char = |b: &u8| (b & 0xC0) != 0x80;
        let bytes = self.text.as_bytes();
        let marks = self.char_marks.get_or_init(|| {
            let mut count = 0;
            bytes
                .chunks(CHAR_STRIDE)
                .map(|chunk| {
                    let before = count;
                    count += chunk.iter().filter(|b| starts_char(b)).count();
                    before
                })
                .collect()
        });
        let k = (byte / CHAR_STRIDE).min(marks.len().saturating_sub(1));
        let from = k * CHAR_STRIDE;
        marks.get(k).copied().unwrap_or(0)
            + bytes[from.min(byte)..byte]
                .iter()
                .filter(|b| starts_char(b))
                .count()
    }

    /// The 1-based line number of a byte offset.
    pub fn line_of(&self, offset: usize) -> usize {
        let offset = offset.min(self.text.len());
        self.line_starts()
            .partition_point(|&s| s as usize <= offset)
    }

    /// The text of a 1-based line, without its line break.
    pub fn line_text(&self, line: usize) -> &str {
        if line == 0 || line > self.line_starts().len() {
            return "";
        }
        let start = self.line_starts()[line - 1] as usize;
        let end = self
            .line_starts()
            .get(line)
            .map_or(self.text.len(), |&e| e as usize);
        self.text[start..end].trim_end_matches(['\n', '\r'])
    }

    /// The byte offset where a 1-based line starts.
    pub fn line_start(&self, line: usize) -> usize {
        self.line_starts()
            .get(line.saturating_sub(1))
            .map_or(self.text.len(), |&s| s as usize)
    }

    /// Number of lines in the file.
    pub fn line_count(&self) -> usize {
        self.line_starts().len()
    }
}

fn memchr_iter(needle: u8, haystack: &[u8]) -> impl Iterator<Item = usize> + '_ {
    haystack
        .iter()
        .enumerate()
        .filter(move |(_, b)| **b == needle)
        .map(|(i, _)| i)
}

/// The largest char boundary at or below `offset`.
pub fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}
