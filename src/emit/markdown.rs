//! Writing user text into CommonMark safely: inline escaping, table cells, heading anchors and
//! Mermaid labels. User text can never open HTML, code, links, emphasis or a new block.

use std::collections::HashMap;

/// Characters that can start or end inline markup, code, links or table cells, or carry
/// meaning as the first character of a line (`#`). A backslash before ASCII punctuation is
/// always a literal in CommonMark, so escaping a few more than needed is harmless.
const INLINE_SPECIAL: &[char] = &['\\', '`', '*', '_', '[', ']', '#', '|', '~', '$', '!'];

/// Escapes user text for inline use anywhere (paragraphs, headings, list items, table cells),
/// so that no CommonMark renderer, GitHub's cmark-gfm with its autolink extension included,
/// makes markup of it:
/// - control characters and line breaks become spaces, runs of whitespace collapse;
/// - `<`, `>` and `&` are written as entities (`&lt;` ...): a backslash escape before `<` is
///   not enough, as the autolink extension reads a link's end from the raw text and takes the
///   backslash into the link, leaving the `<` to open a tag;
/// - the `:` of `://` and the `.` of `www.` are backslash-escaped, so no URL becomes a link
///   (whose end the extension would otherwise look for in the escapes around it);
/// - other markup characters are backslash-escaped, and a start that would open a block
///   (`- `, `+ `, `1. `, `=`) is neutralised.
///
/// An e-mail address still becomes a `mailto:` link of itself: the extension finds those in
/// the rendered text, where no escape reaches (and they cannot run anything).
pub fn inline(text: &str) -> String {
    let flat = flatten(text);
    let mut out = String::with_capacity(flat.len() + 8);
    let mut last3 = ['\0'; 3];
    let mut chars = flat.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            ':' if chars.clone().take(2).eq("//".chars()) => out.push_str("\\:"),
            '.' if last3.iter().all(|w| matches!(w, 'w' | 'W')) => out.push_str("\\."),
            c if INLINE_SPECIAL.contains(&c) => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
        last3 = [last3[1], last3[2], c];
    }
    out.push_str(&super::html::bidi_closers(&flat));
    neutralise_block_start(out)
}

/// A code span for a short value (an ID, a file name), or the value escaped as [`inline`]
/// text when a code span could not hold it as it is (a backtick, a `|` that would split a
/// table cell, a line break or another control character).
pub fn code_span(text: &str) -> String {
    if text.is_empty() || text.contains(['`', '|']) || text.chars().any(char::is_control) {
        inline(text)
    } else {
        format!("`{text}`")
    }
}

/// Collapses whitespace and control characters (newlines, tabs, NUL …) into single spaces
/// and trims the ends.
pub fn flatten(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        if c.is_whitespace() || c.is_control() {
            space = true;
        } else {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.push(c);
        }
    }
    out
}

/// Escapes a leading list marker (`-`, `+`, `1.`, `1)`) or setext underline (`=`), which
/// would turn a line of user text into a list or a heading.
fn neutralise_block_start(s: String) -> String {
    if s.starts_with(['-', '+', '=']) {
        return format!("\\{s}");
    }
    let digits = s.chars().take_while(char::is_ascii_digit).count();
    if digits > 0 && s[digits..].starts_with(['.', ')']) {
        return format!("{}\\{}", &s[..digits], &s[digits..]);
    }
    s
}

/// One row of a table: every cell is already escaped (see [`inline`]); an empty cell stays
/// a cell.
pub fn row(cells: &[String]) -> String {
    let mut out = String::from("|");
    for c in cells {
        out.push(' ');
        out.push_str(c);
        if !c.is_empty() {
            out.push(' ');
        }
        out.push('|');
    }
    out.push('\n');
    out
}

/// The header row and delimiter row of a table (fixed, trusted header text).
pub fn header(cells: &[&str], right_aligned: &[usize]) -> String {
    let owned: Vec<String> = cells.iter().map(|c| (*c).to_owned()).collect();
    let mut out = row(&owned);
    out.push('|');
    for i in 0..cells.len() {
        out.push_str(if right_aligned.contains(&i) {
            "---:|"
        } else {
            "---|"
        });
    }
    out.push('\n');
    out
}

/// Computes heading anchors the way GitHub does (lowercase; letters, digits, `-` and `_`
/// kept; spaces become `-`; other characters dropped; repeats numbered `-1`, `-2` …).
#[derive(Debug, Default)]
pub struct Slugger {
    seen: HashMap<String, usize>,
}

impl Slugger {
    /// Records a heading (its text as rendered, not escaped) and returns its anchor.
    pub fn slug(&mut self, heading: &str) -> String {
        let base: String = flatten(heading)
            .chars()
            .flat_map(char::to_lowercase)
            .filter_map(|c| match c {
                ' ' => Some('-'),
                '-' | '_' => Some(c),
                c if c.is_alphanumeric() => Some(c),
                _ => None,
            })
            .collect();
        let n = self.seen.entry(base.clone()).or_insert(0);
        let slug = if *n == 0 { base } else { format!("{base}-{n}") };
        *n += 1;
        slug
    }
}

/// A Mermaid node label for use inside `"…"`: characters Mermaid or HTML would interpret
/// are written as Mermaid entity codes (`#quot;`, `#35;` …), line breaks become spaces.
pub fn mermaid_label(text: &str) -> String {
    let mut out = String::new();
    for c in flatten(text).chars() {
        match c {
            '#' => out.push_str("#35;"),
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '&' => out.push_str("#amp;"),
            '`' => out.push_str("#96;"),
            c => out.push(c),
        }
    }
    // A label that opens a direction override closes it (the diagram's other labels follow).
    out.push_str(&super::html::bidi_closers(text));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_closes_the_bidi_overrides_text_opens() {
        assert_eq!(inline("evil \u{202E}name"), "evil \u{202E}name\u{202C}");
        assert_eq!(inline("\u{2067}ab\u{2069}"), "\u{2067}ab\u{2069}");
    }

    #[test]
    fn inline_escapes_markup_and_html() {
        assert_eq!(
            inline("<script>a|b</script>"),
            r"&lt;script&gt;a\|b&lt;/script&gt;"
        );
        assert_eq!(inline("`code` *x* _y_"), r"\`code\` \*x\* \_y\_");
        assert_eq!(inline("a\r\nb\tc"), "a b c");
        assert_eq!(inline("&lt;"), "&amp;lt;");
        assert_eq!(
            inline("See http://example.com<img src=x onerror=alert(1)//>"),
            r"See http\://example.com&lt;img src=x onerror=alert(1)//&gt;"
        );
        assert_eq!(
            inline("WWW.example.com at 10:30"),
            r"WWW\.example.com at 10:30"
        );
    }

    #[test]
    fn code_spans_only_for_what_they_can_hold() {
        assert_eq!(code_span("li-na"), "`li-na`");
        assert_eq!(code_span("a`b"), r"a\`b");
        assert_eq!(code_span("a|b"), r"a\|b");
        assert_eq!(code_span(""), "");
    }

    #[test]
    fn inline_neutralises_block_starts() {
        assert_eq!(inline("- item"), r"\- item");
        assert_eq!(inline("12. item"), r"12\. item");
        assert_eq!(inline("# title"), r"\# title");
        assert_eq!(inline("2024 plan"), "2024 plan");
    }

    #[test]
    fn slugs_follow_github() {
        let mut s = Slugger::default();
        assert_eq!(s.slug("Customer Support"), "customer-support");
        assert_eq!(s.slug("电商运营部"), "电商运营部");
        assert_eq!(s.slug("Customer Support"), "customer-support-1");
        assert_eq!(s.slug("A|B <c>"), "ab-c");
    }

    #[test]
    fn mermaid_labels_cannot_close_the_string() {
        assert_eq!(mermaid_label("say \"hi\" #1"), "say #quot;hi#quot; #35;1");
        assert_eq!(mermaid_label("a \u{202E}b"), "a \u{202E}b\u{202C}");
    }
}
