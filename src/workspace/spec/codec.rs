//! The model of one file in bytes, for the model cache: written by [`encode`], read back by
//! [`decode`], which checks everything it reads (lengths against what is left, every span
//! against the file's text) and gives up on anything else, so a damaged or foreign cache can
//! cost a parse but never a wrong span or a panic.

use std::sync::OnceLock;

use super::{Duty, Kpi, Owner, Spanned, SpecFile, Team, Text};
use crate::source::{FileId, Span};
use crate::workspace::yaml::{Entry, HARD_MAX_DEPTH, Node, Value};

/// Appends the model of `spec` to `out`.
pub(crate) fn encode(spec: &SpecFile, out: &mut Vec<u8>) {
    let mut e = Enc(out);
    e.opt(&spec.version, |e, v| e.spanned_f64(v));
    e.opt(&spec.team, |e, t| {
        e.span(t.key_span);
        for f in [&t.id, &t.name, &t.locale, &t.review, &t.lead] {
            e.opt_text(f);
        }
    });
    e.list(&spec.owners, |e, o| {
        e.span(o.span);
        e.text(&o.id);
        for f in [&o.name, &o.title, &o.email] {
            e.opt_text(f);
        }
    });
    e.list(&spec.duties, |e, d| {
        e.span(d.span);
        e.text(&d.id);
        for f in [&d.name, &d.description, &d.owner] {
            e.opt_text(f);
        }
    });
    e.list(&spec.kpis, |e, k| {
        e.span(k.span);
        e.text(&k.id);
        e.opt_text(&k.owner);
        e.opt_text(&k.duty);
        e.list(&k.contributors, |e, c| e.text(c));
        e.opt(&k.weight, |e, w| e.spanned_f64(w));
        e.opt_text(&k.name);
        e.opt_text(&k.metric);
        e.opt(&k.target, |e, t| {
            e.span(t.span);
            e.node(&t.value);
        });
        e.opt(&k.baseline, |e, b| e.spanned_f64(b));
        e.opt(&k.range, |e, r| {
            e.span(r.span);
            e.opt(&r.value.0, |e, v| e.f64(*v));
            e.opt(&r.value.1, |e, v| e.f64(*v));
        });
        for f in [&k.period, &k.due, &k.source, &k.formula] {
            e.opt_text(f);
        }
        e.0.extend_from_slice(&k.wrong_type.to_le_bytes());
    });
    e.span(spec.root_span);
}

/// The model of file `file`, whose text is `text`, from `bytes`; `None` unless every byte
/// reads back as a model whose spans all lie on character boundaries of `text`. Without a
/// text (a model of a text kpic no longer has), every span is empty, at the start.
pub(crate) fn decode(bytes: &[u8], file: FileId, text: Option<&str>) -> Option<SpecFile> {
    let mut d = Dec { b: bytes, text };
    let version = d.opt(|d| d.spanned_f64())?;
    let team = d.opt(|d| {
        Some(Team {
            key_span: d.span()?,
            id: d.opt_text()?,
            name: d.opt_text()?,
            locale: d.opt_text()?,
            review: d.opt_text()?,
            lead: d.opt_text()?,
        })
    })?;
    let owners = d.list(|d| {
        Some(Owner {
            span: d.span()?,
            id: d.text()?,
            name: d.opt_text()?,
            title: d.opt_text()?,
            email: d.opt_text()?,
        })
    })?;
    let duties = d.list(|d| {
        Some(Duty {
            span: d.span()?,
            id: d.text()?,
            name: d.opt_text()?,
            description: d.opt_text()?,
            owner: d.opt_text()?,
        })
    })?;
    let kpis = d.list(|d| {
        Some(Kpi {
            span: d.span()?,
            id: d.text()?,
            owner: d.opt_text()?,
            duty: d.opt_text()?,
            contributors: d.list(Dec::text)?,
            weight: d.opt(Dec::spanned_f64)?,
            name: d.opt_text()?,
            metric: d.opt_text()?,
            target: d.opt(|d| {
                let span = d.span()?;
                Some(Spanned {
                    value: d.node(0)?,
                    span,
                })
            })?,
            baseline: d.opt(Dec::spanned_f64)?,
            range: d.opt(|d| {
                let span = d.span()?;
                let low = d.opt(Dec::f64)?;
                let high = d.opt(Dec::f64)?;
                Some(Spanned {
                    value: (low, high),
                    span,
                })
            })?,
            period: d.opt_text()?,
            due: d.opt_text()?,
            source: d.opt_text()?,
            formula: d.opt_text()?,
            parsed_target: OnceLock::new(),
            wrong_type: u16::from_le_bytes(d.take(2)?.try_into().ok()?),
        })
    })?;
    let root_span = d.span()?;
    d.b.is_empty().then_some(SpecFile {
        file,
        version,
        team,
        owners,
        duties,
        kpis,
        root_span,
    })
}

struct Enc<'a>(&'a mut Vec<u8>);

impl Enc<'_> {
    fn u32(&mut self, n: usize) {
        self.0
            .extend_from_slice(&u32::try_from(n).unwrap_or(u32::MAX).to_le_bytes());
    }

    fn f64(&mut self, v: f64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }

    fn span(&mut self, s: Span) {
        self.0.extend_from_slice(&s.start.to_le_bytes());
        self.0.extend_from_slice(&s.end.to_le_bytes());
    }

    fn str(&mut self, s: &str) {
        self.u32(s.len());
        self.0.extend_from_slice(s.as_bytes());
    }

    fn text(&mut self, t: &Spanned<Text>) {
        self.span(t.span);
        self.str(&t.value);
    }

    fn opt_text(&mut self, t: &Option<Spanned<Text>>) {
        self.opt(t, |e, t| e.text(t));
    }

    fn spanned_f64(&mut self, v: &Spanned<f64>) {
        self.span(v.span);
        self.f64(v.value);
    }

    fn opt<T>(&mut self, v: &Option<T>, f: impl FnOnce(&mut Self, &T)) {
        match v {
            None => self.0.push(0),
            Some(v) => {
                self.0.push(1);
                f(self, v);
            }
        }
    }

    fn list<T>(&mut self, items: &[T], mut f: impl FnMut(&mut Self, &T)) {
        self.u32(items.len());
        for item in items {
            f(self, item);
        }
    }

    fn node(&mut self, n: &Node) {
        self.span(n.span);
        match &n.value {
            Value::Null => self.0.push(0),
            Value::Bool(b) => self.0.extend_from_slice(&[1, u8::from(*b)]),
            Value::Int(i) => {
                self.0.push(2);
                self.0.extend_from_slice(&i.to_le_bytes());
            }
            Value::Float(v) => {
                self.0.push(3);
                self.f64(*v);
            }
            Value::Str(s) => {
                self.0.push(4);
                self.str(s);
            }
            Value::Seq(items) => {
                self.0.push(5);
                self.list(items, |e, n| e.node(n));
            }
            Value::Map(entries) => {
                self.0.push(6);
                self.list(entries, |e, en| {
                    e.node(&en.key);
                    e.node(&en.value);
                });
            }
        }
    }
}

struct Dec<'a> {
    b: &'a [u8],
    text: Option<&'a str>,
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

    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }

    fn f64(&mut self) -> Option<f64> {
        Some(f64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }

    /// A span of the file's text, on character boundaries.
    fn span(&mut self) -> Option<Span> {
        let (start, end) = (self.u32()?, self.u32()?);
        let Some(text) = self.text else {
            return (start <= end).then_some(Span::default());
        };
        let ok = start <= end
            && text.is_char_boundary(start as usize)
            && text.is_char_boundary(end as usize);
        ok.then_some(Span { start, end })
    }

    fn str(&mut self) -> Option<&'a str> {
        let n = self.u32()? as usize;
        std::str::from_utf8(self.take(n)?).ok()
    }

    fn text(&mut self) -> Option<Spanned<Text>> {
        let span = self.span()?;
        Some(Spanned {
            value: Text::new(self.str()?),
            span,
        })
    }

    fn opt_text(&mut self) -> Option<Option<Spanned<Text>>> {
        self.opt(Dec::text)
    }

    fn spanned_f64(&mut self) -> Option<Spanned<f64>> {
        let span = self.span()?;
        Some(Spanned {
            value: self.f64()?,
            span,
        })
    }

    /// `Some(None)` for an absent value, `None` for bytes that do not read.
    fn opt<T>(&mut self, f: impl FnOnce(&mut Self) -> Option<T>) -> Option<Option<T>> {
        match self.u8()? {
            0 => Some(None),
            1 => f(self).map(Some),
            _ => None,
        }
    }

    fn list<T>(&mut self, mut f: impl FnMut(&mut Self) -> Option<T>) -> Option<Vec<T>> {
        let n = self.u32()? as usize;
        // Every item takes at least one byte: a count larger than what is left is damage.
        if n > self.b.len() {
            return None;
        }
        // Room is reserved for what the bytes can hold, not for what the count says: an item
        // takes at least 8 bytes, and a count is only believed as far as items read.
        let mut items = Vec::with_capacity(n.min(self.b.len() / 8).min(1024));
        for _ in 0..n {
            items.push(f(self)?);
        }
        items.shrink_to_fit();
        Some(items)
    }

    fn node(&mut self, depth: usize) -> Option<Node> {
        if depth > HARD_MAX_DEPTH {
            return None;
        }
        let span = self.span()?;
        let value = match self.u8()? {
            0 => Value::Null,
            1 => match self.u8()? {
                0 => Value::Bool(false),
                1 => Value::Bool(true),
                _ => return None,
            },
            2 => Value::Int(i64::from_le_bytes(self.take(8)?.try_into().ok()?)),
            3 => Value::Float(self.f64()?),
            4 => Value::Str(self.str()?.to_owned()),
            5 => Value::Seq(self.list(|d| d.node(depth + 1))?),
            6 => Value::Map(self.list(|d| {
                Some(Entry {
                    key: d.node(depth + 1)?,
                    value: d.node(depth + 1)?,
                })
            })?),
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
        assert!(decode(&bytes, 0, Some(&text[..text.len() / 2])).is_none());
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
