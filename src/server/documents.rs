//! The documents the editor has open: their text as edited (which takes the place of the file
//! on disk), their version, and the URI the editor names them by; and `file:` URIs as paths.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use lsp_types::{TextDocumentContentChangeEvent, Uri};

use super::position::LineIndex;
use crate::workspace::discover;

/// One open document.
#[derive(Debug, Clone)]
pub struct Document {
    /// The URI as the editor sent it (answers use it unchanged).
    pub uri: Uri,
    /// The editor's version of the text.
    pub version: i32,
    /// The text as edited.
    pub text: String,
}

/// The open documents, by path.
#[derive(Debug, Default)]
pub struct Documents {
    by_path: HashMap<PathBuf, Document>,
}

impl Documents {
    /// Opens (or reopens) a document.
    pub fn open(&mut self, path: PathBuf, doc: Document) {
        self.by_path.insert(path, doc);
    }

    /// Closes a document: the file on disk counts again.
    pub fn close(&mut self, path: &Path) -> Option<Document> {
        self.by_path.remove(path)
    }

    /// The open document at `path`.
    pub fn get(&self, path: &Path) -> Option<&Document> {
        self.by_path.get(path)
    }

    /// Every open document with its path.
    pub fn iter(&self) -> impl Iterator<Item = (&PathBuf, &Document)> {
        self.by_path.iter()
    }

    /// Applies the editor's changes to an open document; `false` when it is not open.
    pub fn change(
        &mut self,
        path: &Path,
        version: i32,
        changes: Vec<TextDocumentContentChangeEvent>,
    ) -> bool {
        let Some(doc) = self.by_path.get_mut(path) else {
            return false;
        };
        for change in changes {
            apply_change(&mut doc.text, change);
        }
        doc.version = version;
        true
    }
}

/// Applies one change: a replacement of a range, or (without a range) the whole new text.
pub fn apply_change(text: &mut String, change: TextDocumentContentChangeEvent) {
    match change.range {
        None => *text = change.text,
        Some(range) => {
            let ix = LineIndex::new(text);
            let start = ix.offset(range.start);
            let end = ix.offset(range.end).max(start);
            text.replace_range(start..end, &change.text);
        }
    }
}

/// The path of a `file:` URI (percent-escapes decoded, `.` components removed); `None` for
/// another scheme, a host other than `localhost`, or a path that is not absolute or not
/// UTF-8.
pub fn uri_to_path(uri: &Uri) -> Option<PathBuf> {
    let rest = uri.as_str().strip_prefix("file://")?;
    let rest = rest.split(['?', '#']).next().unwrap_or_default();
    let path = match rest.find('/') {
        Some(0) => rest,
        Some(i) if rest[..i].eq_ignore_ascii_case("localhost") => &rest[i..],
        _ => return None,
    };
    let decoded = percent_decode(path)?;
    let path = PathBuf::from(decoded);
    path.is_absolute().then(|| discover::clean(&path))
}

/// The `file:` URI of an absolute path.
pub fn path_to_uri(path: &Path) -> Option<Uri> {
    let text = path.to_str()?;
    let mut out = String::from("file://");
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out.parse().ok()
}

/// Decodes `%XX` escapes; `None` when the result is not UTF-8 or an escape is broken.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use lsp_types::{Position, Range};

    fn uri(s: &str) -> Uri {
        s.parse().unwrap()
    }

    #[test]
    fn file_uris_round_trip() {
        let p = uri_to_path(&uri("file:///tmp/a%20b/%E5%B8%82%E5%9C%BA.yaml")).unwrap();
        assert_eq!(p, PathBuf::from("/tmp/a b/市场.yaml"));
        assert_eq!(uri_to_path(&path_to_uri(&p).unwrap()).unwrap(), p);
        assert_eq!(
            uri_to_path(&uri("file://localhost/x/./y.yaml")),
            Some("/x/y.yaml".into())
        );
        assert_eq!(uri_to_path(&uri("untitled:Untitled-1")), None);
        assert_eq!(uri_to_path(&uri("file://server/share/a.yaml")), None);
        assert_eq!(uri_to_path(&uri("file:///x/%FF.yaml")), None);
    }

    #[test]
    fn changes_count_utf16_units() {
        let mut text = "name: 市场😀分析\n".to_owned();
        let at = |line, character| Position { line, character };
        // Replace `分析` (after 2 + 2 units of Chinese and emoji) with `调研`.
        apply_change(
            &mut text,
            TextDocumentContentChangeEvent {
                range: Some(Range::new(at(0, 10), at(0, 12))),
                range_length: None,
                text: "调研".into(),
            },
        );
        assert_eq!(text, "name: 市场😀调研\n");
        apply_change(
            &mut text,
            TextDocumentContentChangeEvent {
                range: None,
                range_length: None,
                text: "x".into(),
            },
        );
        assert_eq!(text, "x");
    }
}
