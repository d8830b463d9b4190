//! Positions: LSP counts a line's characters in UTF-16 code units, kpic's spans count bytes.
//! A [`LineIndex`] converts between the two for one text, so that Chinese text (three bytes,
//! one unit) or an emoji (four bytes, two units) before a finding does not shift it.

use std::sync::OnceLock;

use lsp_types::{Position, Range};

use crate::source::{Span, floor_char_boundary};

/// Bytes between two entries of the UTF-16 index of long lines.
const CHUNK: usize = 4096;

/// The line starts of one text, and (built when a long line needs it) how many UTF-16 units
/// come before every [`CHUNK`]-th byte, so that a conversion costs at most a chunk's walk
/// however long the line.
#[derive(Debug)]
pub struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
    units: OnceLock<Vec<usize>>,
}

impl<'a> LineIndex<'a> {
    /// The index of `text`.
    pub fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i + 1),
        );
        LineIndex {
            text,
            starts,
            units: OnceLock::new(),
        }
    }

    /// The LSP position of a byte offset (clamped to the text, and to a character boundary).
    pub fn position(&self, offset: usize) -> Position {
        let offset = floor_char_boundary(self.text, offset);
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let start = self.starts[line];
        Position {
            line: to_u32(line),
            character: to_u32(self.units_between(start, offset)),
        }
    }

    /// The LSP range of a span.
    pub fn range(&self, span: Span) -> Range {
        Range {
            start: self.position(span.lo()),
            end: self.position(span.hi()),
        }
    }

    /// The byte offset of an LSP position. A position past the end of its line is the end of
    /// the line (as LSP asks), a line past the last is the end of the text, and a position
    /// inside a character (between the two units of an emoji) is the start of it.
    pub fn offset(&self, position: Position) -> usize {
        let Some(&start) = self.starts.get(position.line as usize) else {
            return self.text.len();
        };
        let end = self
            .starts
            .get(position.line as usize + 1)
            .map_or(self.text.len(), |&next| next - 1);
        let end = if self.text[start..end].ends_with('\r') {
            end - 1
        } else {
            end
        };
        let wanted = position.character as usize;
        // Far along a long line, start from the chunk before the wanted unit.
        let mut at = start;
        let mut units = 0;
        if end - start > CHUNK {
            let before = self.units_before(start);
            let marks = self.marks();
            let k = marks
                .partition_point(|&u| u <= before + wanted)
                .saturating_sub(1);
            let from = floor_char_boundary(self.text, (k * CHUNK).clamp(start, end));
            if from > start {
                at = from;
                units = self.units_before(from) - before;
            }
        }
        for c in self.text[at..end].chars() {
            let next = units + c.len_utf16();
            if next > wanted {
                break;
            }
            units = next;
            at += c.len_utf8();
        }
        at
    }

    /// UTF-16 units from byte `from` to byte `to` (both on character boundaries, `from <= to`).
    fn units_between(&self, from: usize, to: usize) -> usize {
        if to - from <= CHUNK {
            return count_units(&self.text.as_bytes()[from..to]);
        }
        self.units_before(to) - self.units_before(from)
    }

    /// UTF-16 units before byte `at`.
    fn units_before(&self, at: usize) -> usize {
        let k = at / CHUNK;
        self.marks()[k] + count_units(&self.text.as_bytes()[k * CHUNK..at])
    }

    fn marks(&self) -> &[usize] {
        self.units.get_or_init(|| {
            let mut total = 0;
            let mut marks: Vec<usize> = self
                .text
                .as_bytes()
                .chunks(CHUNK)
                .map(|chunk| {
                    let before = total;
                    total += count_units(chunk);
                    before
                })
                .collect();
            marks.push(total);
            marks
        })
    }
}

/// UTF-16 units of the characters that start in `bytes` (a character of four UTF-8 bytes is
/// two units).
fn count_units(bytes: &[u8]) -> usize {
    bytes
        .iter()
        .map(|&b| match b {
            0x80..=0xBF => 0,
            0xF0..=0xFF => 2,
            _ => 1,
        })
        .sum()
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pos(line: u32, character: u32) -> Position {
        Position { line, character }
    }

    #[test]
    fn chinese_and_emoji_count_in_utf16_units() {
        let text = "名称: 市场\n😀x: 1\r\nlast";
        let ix = LineIndex::new(text);
        let x = text.find('x').unwrap();
        assert_eq!(ix.position(x), pos(1, 2));
        assert_eq!(ix.offset(pos(1, 2)), x);
        let shi = text.find('市').unwrap();
        assert_eq!(ix.position(shi), pos(0, 4));
        assert_eq!(ix.offset(pos(0, 4)), shi);
        // Inside the emoji: its start. Past the end of a line: before its `\r\n`.
        assert_eq!(ix.offset(pos(1, 1)), text.find('😀').unwrap());
        assert_eq!(ix.offset(pos(1, 99)), text.find("\r\n").unwrap());
        assert_eq!(ix.offset(pos(9, 0)), text.len());
        assert_eq!(ix.position(text.len()), pos(2, 4));
    }

    #[test]
    fn long_lines_agree_with_a_plain_count() {
        let line: String = (0..3000).map(|i| ['a', '市', '😀'][i % 3]).collect();
        let text = format!("top\n{line}{line}\nend");
        let ix = LineIndex::new(&text);
        let mut units = 0;
        for (b, c) in text["top\n".len()..].char_indices().take(6000).step_by(7) {
            let at = "top\n".len() + b;
            let expected: usize = text["top\n".len()..at].encode_utf16().count();
            assert_eq!(ix.position(at), pos(1, expected as u32), "at {at}");
            assert_eq!(ix.offset(pos(1, expected as u32)), at);
            units += c.len_utf16();
        }
        assert!(units > 0);
    }
}
