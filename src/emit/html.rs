//! Writing HTML safely: the one escape function for user text in element content and attribute
//! values (HTML and inline SVG alike), and the page every HTML document of kpic is written
//! into: self-contained (inline CSS, no script, no external request) under a
//! Content-Security-Policy that forbids both, printable to A4.

use std::fmt::Write as _;

/// The Content-Security-Policy of every page: nothing may load or run but inline styles and
/// `data:` images.
pub const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

/// Escapes text for use as element content or as a double- or single-quoted attribute value:
/// `&`, `<`, `>`, `"` and `'` become character references, and control characters (which HTML
/// and XML forbid or read as line breaks) become spaces. Nothing user text holds can open an
/// element, close an attribute or start a reference. Bidirectional embeddings, overrides and
/// isolates that the text opens are closed at its end, so that they cannot reorder what the
/// page writes after it (a number beside a name).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' | '\t' => out.push(' '),
            c if c.is_control() => out.push(' '),
            // XML 1.0 forbids these code points, and inline SVG is read by XML tools.
            '\u{FFFE}' | '\u{FFFF}' => out.push(' '),
            c => out.push(c),
        }
    }
    out.push_str(&bidi_closers(text));
    out
}

/// The characters that close the bidirectional embeddings, overrides and isolates that `text`
/// opens and leaves open (usually none): written after user text, they keep it from
/// reordering what follows it on the line, in HTML and Markdown alike.
pub fn bidi_closers(text: &str) -> String {
    let mut open = Vec::new();
    for c in text.chars() {
        track_bidi(&mut open, c);
    }
    open.iter().rev().collect()
}

/// Keeps `open`, the closers of the bidirectional embeddings, overrides and isolates opened so
/// far, up to date with `c` (UAX #9: a PDF closes the last embedding or override inside the
/// last isolate, a PDI the last isolate and everything opened inside it; an unmatched one does
/// nothing).
fn track_bidi(open: &mut Vec<char>, c: char) {
    const PDF: char = '\u{202C}';
    const PDI: char = '\u{2069}';
    match c {
        '\u{202A}' | '\u{202B}' | '\u{202D}' | '\u{202E}' => open.push(PDF),
        '\u{2066}' | '\u{2067}' | '\u{2068}' => open.push(PDI),
        PDF if open.last() == Some(&PDF) => {
            open.pop();
        }
        PDI => {
            if let Some(at) = open.iter().rposition(|&o| o == PDI) {
                open.truncate(at);
            }
        }
        _ => {}
    }
}

/// Fixed text with Markdown code spans (`` `actual` ``) written as `<code>` elements, escaped.
pub fn fixed_with_code(text: &str) -> String {
    let mut out = String::new();
    for (i, part) in text.split('`').enumerate() {
        if i % 2 == 1 {
            let _ = write!(out, "<code>{}</code>", escape(part));
        } else {
            out.push_str(&escape(part));
        }
    }
    out
}

/// Screen and print rules shared by every page.
const STYLE: &str = "\
:root { color: #1a1a1a; background: #ffffff; }
body { font-family: system-ui, -apple-system, \"Segoe UI\", \"Noto Sans\", \"Noto Sans CJK SC\", \"PingFang SC\", \"Microsoft YaHei\", sans-serif; line-height: 1.5; max-width: 70rem; margin: 0 auto; padding: 1rem 2rem; }
h1, h2, h3, h4 { line-height: 1.25; }
h2 { border-bottom: 2px solid #1f4e79; padding-bottom: .2rem; margin-top: 2.5rem; }
table { border-collapse: collapse; margin: .5rem 0 1rem; width: 100%; }
th, td { border: 1px solid #8c8c8c; padding: .25rem .5rem; text-align: left; vertical-align: top; }
th { background: #e8eef4; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.role { text-align: center; font-weight: bold; }
tr.total td { font-weight: bold; }
code { font-family: ui-monospace, \"Cascadia Mono\", \"Noto Sans Mono\", monospace; background: #f0f0f0; padding: 0 .2em; }
nav.toc > ul { columns: 2; }
nav.toc li { break-inside: avoid; }
figure { margin: 1rem 0; }
figure svg { max-width: 100%; height: auto; }
.note { color: #4d4d4d; }
.status-green { color: #1b5e20; }
.status-amber { color: #7a4300; }
.status-red { color: #b00020; }
.status-missing { color: #4d4d4d; }
@page { size: A4; margin: 15mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; }
  nav.toc { page-break-after: always; }
  section.team { page-break-before: always; break-before: page; }
  section.team:first-of-type { page-break-before: auto; break-before: auto; }
  thead { display: table-header-group; }
  tr { break-inside: avoid; page-break-inside: avoid; }
  figure { break-inside: avoid; page-break-inside: avoid; }
  h2, h3, h4 { break-after: avoid; page-break-after: avoid; }
  a { color: inherit; text-decoration: none; }
}
";

/// Writes a whole page: `lang` is the page's language tag, `title` fixed or user text (it is
/// escaped here), `body` already-escaped HTML.
pub fn page(lang: &str, title: &str, body: &str) -> String {
    let mut out = String::with_capacity(body.len() + STYLE.len() + 512);
    out.push_str("<!DOCTYPE html>\n");
    let _ = writeln!(out, "<html lang=\"{}\">", escape(lang));
    out.push_str("<head>\n<meta charset=\"utf-8\">\n");
    let _ = writeln!(
        out,
        "<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">"
    );
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str("<meta name=\"generator\" content=\"kpic\">\n");
    let _ = writeln!(out, "<title>{}</title>", escape(title));
    let _ = write!(out, "<style>\n{STYLE}</style>\n</head>\n<body>\n");
    out.push_str(body);
    if !body.ends_with('\n') {
        out.push('\n');
    }
    out.push_str("</body>\n</html>\n");
    out
}

/// A table written row by row: header cells are plain text (escaped here), body cells
/// already-escaped HTML.
#[derive(Debug, Default)]
pub struct Table {
    out: String,
    numeric: Vec<usize>,
}

impl Table {
    /// Starts a table with its header; `numeric` columns are right-aligned.
    pub fn new(header: &[&str], numeric: &[usize]) -> Table {
        let mut out = String::from("<table>\n<thead><tr>");
        for (i, h) in header.iter().enumerate() {
            let class = if numeric.contains(&i) {
                " class=\"num\""
            } else {
                ""
            };
            let _ = write!(out, "<th scope=\"col\"{class}>{}</th>", escape(h));
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        Table {
            out,
            numeric: numeric.to_vec(),
        }
    }

    /// Adds a row of already-escaped cells; `class` marks the row (`total`), if any.
    pub fn row(&mut self, cells: &[String], class: Option<&str>) {
        match class {
            Some(c) => {
                let _ = write!(self.out, "<tr class=\"{}\">", escape(c));
            }
            None => self.out.push_str("<tr>"),
        }
        for (i, c) in cells.iter().enumerate() {
            if self.numeric.contains(&i) {
                let _ = write!(self.out, "<td class=\"num\">{c}</td>");
            } else {
                let _ = write!(self.out, "<td>{c}</td>");
            }
        }
        self.out.push_str("</tr>\n");
    }

    /// The finished table.
    pub fn finish(mut self) -> String {
        self.out.push_str("</tbody>\n</table>\n");
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_leaves_no_markup() {
        assert_eq!(
            escape("\"><img src=x onerror=alert(1)>"),
            "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"
        );
        assert_eq!(escape("</style><script>"), "&lt;/style&gt;&lt;script&gt;");
        assert_eq!(escape("x' onfocus='y"), "x&#39; onfocus=&#39;y");
        assert_eq!(escape("&lt;"), "&amp;lt;");
        assert_eq!(escape("a\nb\u{7}c"), "a b c");
        assert_eq!(escape("李娜"), "李娜");
    }

    #[test]
    fn escape_closes_the_bidi_controls_text_opens() {
        // An override left open would show the number written after a name backwards.
        assert_eq!(escape("a\u{202E}b"), "a\u{202E}b\u{202C}");
        assert_eq!(
            escape("\u{202B}\u{2067}x"),
            "\u{202B}\u{2067}x\u{2069}\u{202C}"
        );
        // Balanced text, and closers without an opener, are left as written.
        assert_eq!(escape("\u{202E}ab\u{202C}"), "\u{202E}ab\u{202C}");
        assert_eq!(
            escape("\u{2066}\u{202E}a\u{2069}"),
            "\u{2066}\u{202E}a\u{2069}"
        );
        assert_eq!(escape("a\u{202C}\u{2069}"), "a\u{202C}\u{2069}");
        assert_eq!(
            escape("\u{202D}\u{2068}a\u{202C}"),
            "\u{202D}\u{2068}a\u{202C}\u{2069}\u{202C}"
        );
    }

    #[test]
    fn fixed_text_code_spans() {
        assert_eq!(
            fixed_with_code("the `actual` column <x>"),
            "the <code>actual</code> column &lt;x&gt;"
        );
    }

    #[test]
    fn page_is_self_contained_and_printable() {
        let p = page("en", "T <x>", "<p>hi</p>");
        assert!(p.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
        assert!(p.contains("<meta charset=\"utf-8\">"));
        assert!(
            p.contains("content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\"")
        );
        assert!(p.contains("<title>T &lt;x&gt;</title>"));
        for rule in [
            "@page { size: A4",
            "page-break-before: always",
            "thead { display: table-header-group; }",
            "tr { break-inside: avoid",
        ] {
            assert!(p.contains(rule), "{rule}");
        }
        assert!(!p.contains("<script"));
        assert!(!p.contains("http://") && !p.contains("https://") && !p.contains("url("));
    }
}
