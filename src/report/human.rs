//! The human format: miette's graphical report with the source snippet, labels and help.

use std::collections::HashMap;
use std::fmt;
use std::io::{self, Write};

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};

use super::{Report, Style};
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::{FileId, SourceFile, Span};

/// A source file lent to miette under its display name, its text safe for a terminal.
pub(crate) struct Named<'a>(pub(crate) &'a SourceFile, pub(crate) &'a str);

/// The text with every control character other than tab and line ends (and every
/// bidirectional override) replaced by a visible character of the same UTF-8 length, so that
/// a snippet cannot drive the terminal and byte offsets and columns stay the same.
pub(crate) fn terminal_safe(text: &str) -> std::borrow::Cow<'_, str> {
    if !may_be_hostile(text.as_bytes()) {
        return text.into();
    }
    text.chars()
        .map(|c| match c.len_utf8() {
            _ if !hostile(c) => c,
            1 => '?',
            2 => '\u{bf}',
            _ => '\u{fffd}',
        })
        .collect::<String>()
        .into()
}

/// A character that could drive a terminal: a control other than tab and line ends, or a
/// bidirectional override.
fn hostile(c: char) -> bool {
    (c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Whether `text` may hold a character [`terminal_safe`] replaces, by its UTF-8 bytes (every
/// file with a finding is scanned: bytes are quicker to test than characters). C0 controls and
/// DEL are single bytes, C1 controls start with `C2 80..9F`, the bidirectional overrides with
/// `E2 80 AA..AE` and `E2 81 A6..A9`.
fn may_be_hostile(b: &[u8]) -> bool {
    let hostile_at = |i: usize| match b[i] {
        b'\t' | b'\n' | b'\r' => false,
        0..=0x1f | 0x7f => true,
        0xc2 => matches!(b.get(i + 1), Some(0x80..=0x9f)),
        0xe2 => matches!(
            (b.get(i + 1), b.get(i + 2)),
            (Some(0x80), Some(0xaa..=0xae)) | (Some(0x81), Some(0xa6..=0xa9))
        ),
        _ => false,
    };
    (0..b.len()).any(hostile_at)
}

impl SourceCode for Named<'_> {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        // miette finds lines by scanning from the start of what it is given: give it the text
        // from the first line of context on, so each snippet costs its own size, not the file's.
        let first_line = self.0.line_of(span.offset()).saturating_sub(before).max(1);
        let base = self.0.line_start(first_line).min(span.offset());
        let rest = self.1.get(base..).unwrap_or_default();
        let local = SourceSpan::new((span.offset() - base).into(), span.len());
        let inner = rest.read_span(&local, before, after)?;
        Ok(Box::new(MietteSpanContents::new_named(
            self.0.name.clone(),
            inner.data(),
            SourceSpan::new((inner.span().offset() + base).into(), inner.span().len()),
            inner.line() + first_line - 1,
            // miette counts the column of the span (with no context) in bytes; the header
            // `file:line:column` must count characters like every other format.
            if before == 0 {
                self.0.line_col(span.offset()).column - 1
            } else {
                inner.column()
            },
            // Lines counted from the start of what it was given, to the end of the context.
            inner.line_count() + first_line - 1,
        )))
    }
}

/// One finding as miette sees it.
struct HumanDiagnostic<'a> {
    d: &'a Diagnostic,
    source: Named<'a>,
    help: Option<String>,
    /// The primary span and the same-file labels as shown, or `None` for no snippet.
    shown: Option<(Span, Vec<(Span, String)>)>,
}

/// Longest line shown in a snippet (miette cannot draw labels past column 65,535, and a
/// minified file or a huge scalar is no use on a terminal): a finding on a longer line is
/// shown without a snippet, its place named in the help.
const MAX_SNIPPET_LINE: usize = 1_000;
/// Most lines one label covers in a snippet; a longer span is shown by its first line.
const MAX_SNIPPET_LINES: usize = 8;

/// The part of `s` to draw, or `None` when one of its lines is too long to show.
fn shown_span(file: &SourceFile, s: Span) -> Option<Span> {
    let first = file.line_of(s.lo());
    let last = file.line_of(s.hi());
    let line_len = |l: usize| file.line_text(l).len();
    if line_len(first) > MAX_SNIPPET_LINE {
        return None;
    }
    if last - first >= MAX_SNIPPET_LINES {
        return Some(Span::new(s.lo(), file.line_start(first) + line_len(first)));
    }
    (first..=last)
        .all(|l| line_len(l) <= MAX_SNIPPET_LINE)
        .then_some(s)
}

impl fmt::Debug for HumanDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.d.message)
    }
}

impl fmt::Display for HumanDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.d.message)
    }
}

impl std::error::Error for HumanDiagnostic<'_> {}

impl miette::Diagnostic for HumanDiagnostic<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(format!(
            "{}({})",
            self.d.rule.code, self.d.rule.name
        )))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.d.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.shown.as_ref().map(|_| &self.source as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let (primary, labels) = self.shown.as_ref()?;
        let primary = LabeledSpan::new_primary_with_span(None, span(*primary));
        let secondary = labels
            .iter()
            .map(|(s, m)| LabeledSpan::new_with_span(Some(m.clone()), span(*s)));
        Some(Box::new(std::iter::once(primary).chain(secondary)))
    }
}

fn span(s: crate::source::Span) -> SourceSpan {
    SourceSpan::new(s.lo().into(), s.len())
}

/// Most findings of one rule in one file shown with a snippet; the rest are counted in one line
/// (as compilers stop after some errors), and every machine format still lists them all.
pub const MAX_SHOWN_PER_RULE_AND_FILE: usize = 20;

/// Findings rendered at a time (in parallel), then written: the report is streamed, so memory
/// does not grow with the number of findings.
const BATCH: usize = 256;

/// Writes every finding with its snippet (up to [`MAX_SHOWN_PER_RULE_AND_FILE`] per rule and
/// file, then a line counting the rest), then a one-line summary (nothing when clean).
pub fn write(report: &Report<'_>, style: Style, out: &mut dyn Write) -> io::Result<()> {
    use rayon::prelude::*;
    let theme = if style.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(style.width)
        .with_word_splitter(textwrap::WordSplitter::NoHyphenation)
        .with_links(false);
    // Which findings are shown: the first few of each rule in each file.
    let mut per_rule: HashMap<(FileId, &str), usize> = HashMap::new();
    let mut hidden: Vec<((FileId, &str), usize)> = Vec::new();
    let shown: Vec<&Diagnostic> = report
        .diagnostics
        .iter()
        .filter(|d| {
            let n = per_rule.entry((d.file, d.rule.code)).or_insert(0);
            *n += 1;
            *n <= MAX_SHOWN_PER_RULE_AND_FILE
        })
        .collect();
    for (key, n) in per_rule {
        if n > MAX_SHOWN_PER_RULE_AND_FILE {
            hidden.push((key, n - MAX_SHOWN_PER_RULE_AND_FILE));
        }
    }
    hidden.sort();
    // Only the files with shown findings are scanned, in parallel.
    let mut scanned = vec![false; report.files.len()];
    for d in &shown {
        scanned[d.file] = true;
    }
    let safe: Vec<std::borrow::Cow<'_, str>> = report
        .files
        .par_iter()
        .zip(scanned)
        .map(|(f, scan)| {
            if scan {
                terminal_safe(&f.text)
            } else {
                std::borrow::Cow::Borrowed("")
            }
        })
        .collect();
    let render = |d: &&Diagnostic| render(report, &handler, &safe, d);
    // Rendering dominates a report with many findings: a batch at a time in parallel, each
    // written in order as soon as it is done.
    for batch in shown.chunks(BATCH) {
        for text in batch
            .par_iter()
            .map(render)
            .collect::<io::Result<Vec<String>>>()?
        {
            out.write_all(text.as_bytes())?;
            writeln!(out)?;
        }
    }
    for ((file, code), n) in &hidden {
        let name = crate::rules::find(code).map_or("", |m| m.name);
        writeln!(
            out,
            "kpic: {n} more {code}({name}) in {} not shown (`--format compact` lists every finding)",
            report.files[*file].name
        )?;
    }
    let s = report.summary();
    if report.diagnostics.is_empty() || !style.summary {
        return Ok(());
    }
    let mut parts = Vec::new();
    for (n, what) in [
        (s.errors, "error"),
        (s.warnings, "warning"),
        (s.infos, "info"),
    ] {
        if n > 0 {
            parts.push(format!("{n} {what}{}", if n == 1 { "" } else { "s" }));
        }
    }
    writeln!(
        out,
        "kpic: {} in {} file{} checked{}",
        parts.join(", "),
        s.files,
        if s.files == 1 { "" } else { "s" },
        baseline_note(report)
    )
}

/// ` (3 more in the baseline, 1 stale entry)` after the summary of a check with a baseline.
pub(crate) fn baseline_note(report: &Report<'_>) -> String {
    let Some(b) = report.baseline else {
        return String::new();
    };
    let mut note = format!(" ({} more in the baseline", b.unchanged.len());
    if b.stale > 0 {
        let s = if b.stale == 1 { "entry" } else { "entries" };
        note.push_str(&format!(", {} stale {s}", b.stale));
    }
    note.push(')');
    note
}

/// One finding as miette draws it, with the places it cannot draw named in the help.
fn render(
    report: &Report<'_>,
    handler: &GraphicalReportHandler,
    safe: &[std::borrow::Cow<'_, str>],
    d: &Diagnostic,
) -> io::Result<String> {
    let file = &report.files[d.file];
    // Labels in other files cannot share a snippet; name their place in the help instead.
    let mut elsewhere: Vec<String> = d
        .labels
        .iter()
        .filter(|l| l.file != d.file)
        .map(|l| {
            let f = &report.files[l.file];
            let at = f.line_col(l.span.lo());
            format!("{} at {}:{}:{}", l.message, f.name, at.line, at.column)
        })
        .collect();
    let shown = shown_span(file, d.span).and_then(|primary| {
        let labels = d
            .labels
            .iter()
            .filter(|l| l.file == d.file)
            .map(|l| Some((shown_span(file, l.span)?, l.message.clone())))
            .collect::<Option<Vec<_>>>()?;
        Some((primary, labels))
    });
    if shown.is_none() {
        let at = file.line_col(d.span.lo());
        elsewhere.insert(
            0,
            format!(
                "at {}:{}:{} (the line is too long to show)",
                file.name, at.line, at.column
            ),
        );
    }
    let help = match (d.help.as_deref(), elsewhere.is_empty()) {
        (h, true) => h.map(str::to_owned),
        (None, false) => Some(elsewhere.join("\n")),
        (Some(h), false) => Some(format!("{}\n{h}", elsewhere.join("\n"))),
    };
    let hd = HumanDiagnostic {
        d,
        source: Named(file, &safe[d.file]),
        help,
        shown,
    };
    let mut text = String::new();
    handler
        .render_report(&mut text, &hd)
        .map_err(|_| io::Error::other("cannot render a diagnostic"))?;
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_byte_test_finds_exactly_the_hostile_characters() {
        for c in ('\0'..='\u{3000}').chain(['\u{1f600}', '\u{10ffff}']) {
            let mut buf = [0; 4];
            let bytes = c.encode_utf8(&mut buf).as_bytes();
            assert_eq!(may_be_hostile(bytes), hostile(c), "{:?}", c);
        }
        // At many positions in a longer text.
        for at in 60..=130 {
            let clean = format!("{}\n中{}", "a".repeat(at), "b".repeat(70));
            assert!(!may_be_hostile(clean.as_bytes()), "{at}");
            for bad in ["\u{202e}", "\u{85}", "\u{7f}"] {
                let text = format!("{}{bad}{}", "a".repeat(at), "b".repeat(70));
                assert!(may_be_hostile(text.as_bytes()), "{bad:?} at {at}");
            }
        }
        assert_eq!(terminal_safe("a\u{1b}[2Jb\u{202e}c"), "a?[2Jb\u{fffd}c");
        assert!(matches!(
            terminal_safe("中文\tok\r\n"),
            std::borrow::Cow::Borrowed(_)
        ));
    }
}
