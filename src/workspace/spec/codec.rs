//! The model of one file in bytes, for the model cache: written by [`encode`], read back by
//! [`decode`], which checks everything it reads (lengths against what is left, every span
//! against the file's text) and gives up on anything else, so a damaged or foreign cache can
//! cost a parse but never a wrong span or a panic.
//!
//! Each type of the model says once, in [`record!`], which fields it has in which order; its
//! bytes are those of its fields in that order, and both directions follow the one list.

use std::sync::OnceLock;

use super::{Duty, Kpi, KpiExtra, Objective, Owner, Spanned, SpecFile, Team, Text};
use crate::source::{FileId, Span};
use crate::workspace::yaml::{Entry, HARD_MAX_DEPTH, Node, Value};

/// Appends the model of `spec` to `out`.
pub(crate) fn encode(spec: &SpecFile, out: &mut Vec<u8>) {
    spec.put(&mut Enc(out));
}

/// The model of file `file`, whose text is `text`, from `bytes`; `None` unless every byte
/// reads back as a model whose spans all lie on character boundaries of `text`. Without a
/// text (a model of a text kpic no longer has), every span is empty, at the start.
pub(crate) fn decode(bytes: &[u8], file: FileId, text: Option<&str>) -> Option<SpecFile> {
    let mut d = Dec {
        b: bytes,
        text,
        depth: 0,
    };
    let mut spec = SpecFile::take(&mut d)?;
    spec.file = file;
    d.b.is_empty().then_some(spec)
}

/// A value of the model that has bytes of its own.
trait Codec: Sized {
    /// Appends the value's bytes.
    fn put(&self, e: &mut Enc<'_>);
    /// Reads a value back; `None` for bytes that do not read.
    fn take(d: &mut Dec<'_>) -> Option<Self>;
}

/// The bytes of a struct: its fields, in the order written here, each by its own [`Codec`].
/// Fields after `;` have no bytes: they are built by the expression given (what a model
/// computes on first use, or what the caller sets).
macro_rules! record {
    ($ty:ident { $($field:ident),* $(,)? } $(; $($rest:ident: $init:expr),* $(,)?)?) => {
        impl Codec for $ty {
            fn put(&self, e: &mut Enc<'_>) {
                $(self.$field.put(e);)*
            }

            fn take(d: &mut Dec<'_>) -> Option<Self> {
                // A struct expression evaluates its fields in the order written.
                Some($ty {
                    $($field: Codec::take(d)?,)*
                    $($($rest: $init,)*)?
                })
            }
        }
    };
}

record!(SpecFile { version, team, objectives, owners, duties, kpis, root_span }; file: 0);
record!(Team {
    key_span,
    id,
    name,
    locale,
    review,
    lead,
    parent
});
record!(Objective {
    span,
    id,
    name,
    owner,
    parent
});
record!(Owner {
    span,
    id,
    name,
    title,
    email
});
record!(Duty {
    span,
    id,
    name,
    description,
    owner
});
record!(Kpi {
    span, id, name, duty, owner, contributors, metric, target, baseline, range, period, due,
    weight, source, formula, extra, wrong_type,
}; parsed_target: OnceLock::new());
record!(KpiExtra {
    supports, consulted, informed, kind, threshold, effective, until,
}; parsed_threshold: OnceLock::new());

impl Codec for u32 {
    fn put(&self, e: &mut Enc<'_>) {
        e.0.extend_from_slice(&self.to_le_bytes());
    }

    fn take(d: &mut Dec<'_>) -> Option<Self> {
        Some(u32::from_le_bytes(d.take(4)?.try_into().ok()?))
    }
}

impl Codec for f64 {
    fn put(&self, e: &mut Enc<'_>) {
        e.0.extend_from_slice(&self.to_le_bytes());
    }

    fn take(d: &mut Dec<'_>) -> Option<Self> {
        Some(f64::from_le_bytes(d.take(8)?.try_into().ok()?))
    }
}

impl Codec for Span {
    fn put(&self, e: &mut Enc<'_>) {
        self.start.put(e);
        self.end.put(e);
    }

    /// A span of the file's text, on character boundaries.
    fn take(d: &mut Dec<'_>) -> Option<Self> {
        let (start, end) = (u32::take(d)?, u32::take(d)?);
        let Some(text) = d.text else {
            return (start <= end).then_some(Span::default());
        };
        let ok = start <= end
            && text.is_char_boundary(start as usize)
            && text.is_char_boundary(end as usize);
        ok.then_some(Span { start, end })
    }
}

impl Codec for Text {
    fn put(&self, e: &mut Enc<'_>) {
        e.str(self);
    }

    fn take(d: &mut Dec<'_>) -> Option<Self> {
        d.str().map(Text::new)
    }
}

impl<T: Codec> Codec for Spanned<T> {
    fn put(&self, e: &mut Enc<'_>) {
        self.span.put(e);
        self.value.put(e);
    }

    fn take(d: &mut Dec<'_>) -> Option<Self> {
        let span = Span::take(d)?;
        Some(Spanned {
            value: T::take(d)?,
            span,
        })
    }
}

impl<T: Codec> Codec for Option<T> {
    fn put(&self, e: &mut Enc<'_>) {
        match self {
            None => e.0.push(0),
            Some(v) => {
                e.0.push(1);
                v.put(e);
            }
        }
    }

    /// `Some(None)` for an absent value, `None` for bytes that do not read.
    fn take(d: &mut Dec<'_>) -> Option<Self> {
        match d.u8()? {
            0 => Some(None),
            1 => T::take(d).map(Some),
            _ => None,
        }
    }
}

impl<T: Codec> Codec for Box<T> {
    fn put(&self, e: &mut Enc<'_>) {
        (**self).put(e);
    }

    fn take(d: &mut Dec<'_>) -> Option<Self> {
        T::take(d).map(Box::new)
    }
}

impl<A: Codec, B: Codec> Codec for (A, B) {
    fn put(&self, e: &mut Enc<'_>) {
        self.0.put(e);
        self.1.put(e);
    }

    fn take(d: &mut Dec<'_>) -> Option<Self> {
        Some((A::take(d)?, B::take(d)?))
    }
}

impl<T: Codec> Codec for Vec<T> {
    fn put(&self, e: &mut Enc<'_>) {
        e.u32(self.len());
        for item in self {
            item.put(e);
        }
    }

    fn take(d: &mut Dec<'_>) -> Option<Self> {
        let n = u32::take(d)? as usize;
        // Every item takes at least one byte: a count larger than what is left is damage.
        if n > d.b.len() {
            return None;
        }
        // Room is reserved for what the bytes can hold, not for what the count says: an item
        // takes at least 8 bytes, and a count is only believed as far as items read.
        let mut items = Vec::with_capacity(n.min(d.b.len() / 8).min(1024));
        for _ in 0..n {
            items.push(T::take(d)?);
        }
        items.shrink_to_fit();
        Some(items)
    }
}

impl Codec for Node {
    fn put(&self, e: &mut Enc<'_>) {
        self.span.put(e);
        match &self.value {
            Value::Null => e.0.push(0),
            Value::Bool(b) => e.0.extend_from_slice(&[1, u8::from(*b)]),
            Value::Int(i) => {
                e.0.push(2);
                e.0.extend_from_slice(&i.to_le_bytes());
            }
            Value::Float(v) => {
                e.0.push(3);
                v.put(e);
            }
            Value::Str(s) => {
                e.0.push(4);
                e.str(s);
            }
            Value::Seq(items) => {
                e.0.push(5);
                items.put(e);
            }
            Value::Map(entries) => {
                e.0.push(6);
                entries.put(e);
            }
        }
    }

    fn take(d: &mut Dec<'_>) -> Option<Self> {
        if d.depth > HARD_MAX_DEPTH {
            return None;
        }
        d.depth += 1;
        let node = d.node();
        d.depth -= 1;
        node
    }
}

impl Codec for Entry {
    fn put(&self, e: &mut Enc<'_>) {
        self.key.put(e);
        self.value.put(e);
    }

    fn take(d: &mut Dec<'_>) -> Option<Self> {
        Some(Entry {
            key: Node::take(d)?,
            value: Node::take(d)?,
        })
    }
}

struct Enc<'a>(&'a mut Vec<u8>);

impl Enc<'_> {
    fn u32(&mut self, n: usize) {
        u32::try_from(n).unwrap_or(u32::MAX).put(self);
    }

    fn str(&mut self, s: &str) {
        self.u32(s.len());
        self.0.extend_from_slice(s.as_bytes());
    }
}

struct Dec<'a> {
    b: &'a [u8],
    text: Option<&'a str>,
    /// How deep inside a node the reading is.
    depth: usize,
}

impl<'a> Dec<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.b.len() {
            return None;
        }
        let (head, rest) = self.b.split_at(n);
        self.b = rest;
        Some(head)
    }

    fn u8(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }

    fn str(&mut self) -> Option<&'a str> {
        let n = u32::take(self)? as usize;
        std::str::from_utf8(self.take(n)?).ok()
    }

    /// A node's span and value (the depth counted by the caller).
    fn node(&mut self) -> Option<Node> {
        let span = Span::take(self)?;
        let value = match self.u8()? {
            0 => Value::Null,
            1 => match self.u8()? {
                0 => Value::Bool(false),
                1 => Value::Bool(true),
                _ => return None,
            },
            2 => Value::Int(i64::from_le_bytes(self.take(8)?.try_into().ok()?)),
            3 => Value::Float(f64::take(self)?),
            4 => Value::Str(self.str()?.to_owned()),
            5 => Value::Seq(Vec::take(self)?),
            6 => Value::Map(Vec::take(self)?),
            _ => return None,
        };
        Some(Node { span, value })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workspace::yaml::{Limits, load};

    /// Every YAML file of the project's fixtures and bundled specs.
    fn specs() -> Vec<(std::path::PathBuf, String)> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut out = Vec::new();
        let mut dirs = vec![root.join("tests/fixtures"), root.join("kpi-specs")];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml")
                    && let Ok(text) = std::fs::read_to_string(&path)
                {
                    out.push((path, text));
                }
            }
        }
        out
    }

    #[test]
    fn every_model_reads_back_as_it_was_written() {
        let mut models = 0;
        for (path, text) in specs() {
            let Some(root) = load(&text, Limits::default()).root else {
                continue;
            };
            let spec = SpecFile::from_node(7, &root);
            let mut bytes = Vec::new();
            encode(&spec, &mut bytes);
            let back = decode(&bytes, 7, Some(&text))
                .unwrap_or_else(|| panic!("{path:?} did not read back"));
            assert_eq!(format!("{back:?}"), format!("{spec:?}"), "{path:?}");
            models += 1;
        }
        assert!(models > 50, "only {models} models");
    }

    #[test]
    fn damaged_bytes_or_another_text_are_refused_without_a_panic() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/kpi-specs/ecommerce-ops.yaml"
        ))
        .unwrap();
        let root = load(&text, Limits::default()).root.unwrap();
        let mut bytes = Vec::new();
        encode(&SpecFile::from_node(0, &root), &mut bytes);
        // Every truncation, and trailing bytes, are refused.
        for n in 0..bytes.len() {
            assert!(
                decode(&bytes[..n], 0, Some(&text)).is_none(),
                "truncated to {n}"
            );
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(decode(&longer, 0, Some(&text)).is_none());
        // Spans past the end of a shorter text.
        let half = (0..=text.len() / 2)
            .rev()
            .find(|&i| text.is_char_boundary(i))
            .unwrap();
        assert!(decode(&bytes, 0, Some(&text[..half])).is_none());
        // A count far beyond the bytes that follow reserves nothing for it.
        let mut huge = vec![0u8, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        huge.extend_from_slice(&u32::MAX.to_le_bytes());
        huge.extend(std::iter::repeat_n(0u8, 64));
        assert!(decode(&huge, 0, Some(&text)).is_none());
        // Flipped bytes never panic (most are refused; the others read as some model).
        for i in (0..bytes.len()).step_by(7) {
            let mut b = bytes.clone();
            b[i] ^= 0xA5;
            let _ = decode(&b, 0, Some(&text));
        }
    }
}
