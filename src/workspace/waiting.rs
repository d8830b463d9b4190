//! References that wait on a file kpic could not load: a file that does not parse (or is over
//! the size limit) may well define the IDs that other files reference. A reference whose ID
//! appears in the text of such a file is not reported as unknown (E004): the file's E001 says
//! how many references wait on it, and they resolve once it is fixed. A reference whose ID
//! appears in no such file is still E004, so real typos are not hidden.

use std::collections::{HashMap, HashSet};
use std::io::Read;

use rayon::prelude::*;

use crate::diagnostic::Diagnostic;
use crate::source::FileId;
use crate::workspace::Workspace;

/// How much of a file that is too large to load is searched for IDs, as a multiple of the
/// size limit (a bigger file is searched only this far).
const SEARCH_FACTOR: u64 = 4;

/// For each of `ids`, the first file that could not be loaded (it has an E001 in `found` and no
/// model) whose text holds it as a word. A file that was not read because it is too large is
/// read in pieces, up to [`SEARCH_FACTOR`] times `max_file_size`.
pub(crate) fn holders<'a>(
    ws: &Workspace,
    found: &[Diagnostic],
    ids: impl Iterator<Item = &'a str>,
    max_file_size: u64,
) -> HashMap<&'a str, FileId> {
    let mut broken: Vec<FileId> = found
        .iter()
        .filter(|d| d.rule.code == "E001" && ws.specs.get(d.file).is_some_and(Option::is_none))
        .map(|d| d.file)
        .collect();
    broken.sort_unstable();
    broken.dedup();
    if broken.is_empty() {
        return HashMap::new();
    }
    let ids: HashSet<&'a str> = ids.collect();
    if ids.is_empty() {
        return HashMap::new();
    }
    let longest = ids.iter().map(|s| s.len()).max().unwrap_or(0);
    let per_file: Vec<(FileId, Vec<&'a str>)> = broken
        .par_iter()
        .map(|&f| {
            let mut seen = Vec::new();
            let mut note = |word: &[u8]| {
                if let Ok(w) = std::str::from_utf8(word)
                    && let Some(id) = ids.get(w)
                {
                    seen.push(*id);
                }
            };
            let source = &ws.files[f];
            if !source.text.is_empty() {
                words(source.text.as_bytes(), longest, &mut note);
            } else if let Ok(file) = std::fs::File::open(&source.path) {
                // Not read for the check (too large): searched in pieces.
                search_stream(
                    file,
                    max_file_size.saturating_mul(SEARCH_FACTOR),
                    longest,
                    &mut note,
                );
            }
            (f, seen)
        })
        .collect();
    let mut out = HashMap::new();
    for (f, seen) in per_file {
        for id in seen {
            out.entry(id).or_insert(f);
        }
    }
    out
}

/// Says on the E001 of each file how many references wait on it (`counts`: file → number).
pub(crate) fn note_on_e001(found: &mut [Diagnostic], counts: &HashMap<FileId, usize>) {
    for (&file, &n) in counts {
        if let Some(d) = found
            .iter_mut()
            .find(|d| d.file == file && d.rule.code == "E001")
        {
            d.message.push_str(&if n == 1 {
                " (1 reference in another file waits on it)".to_owned()
            } else {
                format!(" ({n} references in other files wait on it)")
            });
        }
    }
}

/// Whether a byte can be part of a word that names an ID: anything but white space and the
/// characters that YAML uses around values.
fn in_word(b: u8) -> bool {
    !b.is_ascii_whitespace() && !b",[]{}:#\"'".contains(&b)
}

/// Calls `note` with every word of `text` of at most `longest` bytes.
fn words(text: &[u8], longest: usize, note: &mut impl FnMut(&[u8])) {
    for word in text.split(|b| !in_word(*b)) {
        if !word.is_empty() && word.len() <= longest {
            note(word);
        }
    }
}

/// [`words`] over at most `limit` bytes read from `file` in pieces: a word cut by a piece's end
/// is carried over (only as far as `longest` bytes: a longer word names no ID).
fn search_stream(
    mut file: std::fs::File,
    limit: u64,
    longest: usize,
    note: &mut impl FnMut(&[u8]),
) {
    let mut buf = vec![0u8; 1 << 20];
    let mut carry: Vec<u8> = Vec::new();
    let carry_word = |carry: &mut Vec<u8>, part: &[u8]| {
        let room = (longest + 1).saturating_sub(carry.len());
        carry.extend_from_slice(&part[..part.len().min(room)]);
    };
    let mut read = 0u64;
    while read < limit {
        let n = match file.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        read += n as u64;
        let mut parts = buf[..n].split(|b| !in_word(*b)).peekable();
        // The first part goes on from the last piece; the last part may go on in the next.
        if let Some(first) = parts.next() {
            carry_word(&mut carry, first);
            if parts.peek().is_some() {
                words(&carry, longest, note);
                carry.clear();
            }
        }
        while let Some(part) = parts.next() {
            if parts.peek().is_some() {
                words(part, longest, note);
            } else {
                carry_word(&mut carry, part);
            }
        }
    }
    words(&carry, longest, note);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect_words(text: &str, longest: usize) -> Vec<String> {
        let mut out = Vec::new();
        words(text.as_bytes(), longest, &mut |w| {
            out.push(String::from_utf8_lossy(w).into_owned())
        });
        out
    }

    #[test]
    fn words_are_what_yaml_writes_around_values() {
        let text = "owners:\n  - {id: kim-ray, name: \"金 瑞\"}\n  - id: 'li_na'  # li-na2\n";
        assert_eq!(
            collect_words(text, 64),
            [
                "owners", "-", "id", "kim-ray", "name", "金", "瑞", "-", "id", "li_na", "li-na2"
            ]
        );
    }

    #[test]
    fn a_stream_finds_the_words_of_the_whole_text_across_pieces() {
        let dir = tempfile_dir();
        let path = dir.join("big.yaml");
        // Words of every length, cut at every place by the 1 MiB pieces.
        let mut text = String::new();
        let mut i = 0usize;
        while text.len() < 3 * (1 << 20) + 17 {
            text.push_str(&format!("- id: w{}{} ", i, "x".repeat(i % 70)));
            i += 1;
        }
        std::fs::write(&path, &text).unwrap();
        let mut whole = Vec::new();
        words(text.as_bytes(), 64, &mut |w| whole.push(w.to_vec()));
        let mut streamed = Vec::new();
        search_stream(
            std::fs::File::open(&path).unwrap(),
            u64::MAX,
            64,
            &mut |w| streamed.push(w.to_vec()),
        );
        assert_eq!(streamed, whole);
        let _ = std::fs::remove_dir_all(&dir);
    }

    fn tempfile_dir() -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("kpic-waiting-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}
