//! Inline suppressions: `# kpic: ignore[CODE-or-name, ...] -- reason`.
//!
//! A suppression on line L silences the listed rules for findings that start on line L or
//! L + 1 (the comment's own line, or the line right below a comment on its own line). One that
//! silences nothing, names an unknown rule or is not a well-formed `kpic: ignore[...]` is
//! reported as X001 `unused-suppression` at the comment. Only comments count: a `#` inside a
//! quoted string or a block scalar is text.

use std::collections::HashMap;

use rayon::prelude::*;

use crate::diagnostic::{Diagnostic, Level};
use crate::rules::{self, RuleMeta, UNUSED_SUPPRESSION};
use crate::source::{FileId, SourceFile, Span};
use crate::workspace::Workspace;

/// The marker that starts a kpic comment.
const MARKER: &str = "kpic:";

/// One rule named in a suppression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The code or name as written.
    pub text: String,
    /// The rule, when the text names one.
    pub rule: Option<&'static RuleMeta>,
    /// Where the text is.
    pub span: Span,
}

/// One `# kpic: ignore[...]` comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    /// The 1-based line of the comment.
    pub line: usize,
    /// From `kpic:` to the closing `]`.
    pub span: Span,
    /// The rules listed.
    pub entries: Vec<Entry>,
}

/// A `kpic:` comment that is not a well-formed suppression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    /// From `kpic:` to the end of the comment.
    pub span: Span,
    /// What is wrong.
    pub message: String,
    /// What to write instead.
    pub help: String,
}

/// The suppressions of one file.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Suppressions {
    /// Well-formed suppressions, in file order.
    pub list: Vec<Suppression>,
    /// `kpic:` comments that could not be read.
    pub malformed: Vec<Malformed>,
}

/// Where a block scalar's lines end: lines indented more than this belong to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Plain,
    Single,
    Double,
    Block(usize),
}

/// The comments of a YAML text, each from its `#` to the end of its line.
///
/// A `#` starts a comment at the start of a line or after a space or tab, outside quoted
/// strings and block scalars (`|`, `>`). Quoted strings may span lines.
pub fn comments(text: &str) -> Vec<Span> {
    let mut out = Vec::new();
    let mut state = State::Plain;
    let mut offset = 0;
    for raw in text.split_inclusive('\n') {
        let start = offset;
        offset += raw.len();
        let line = raw.trim_end_matches(['\n', '\r']);
        let bytes = line.as_bytes();
        let indent = bytes.iter().take_while(|b| **b == b' ').count();
        if let State::Block(parent) = state {
            if line.trim().is_empty() || indent > parent {
                continue;
            }
            state = State::Plain;
        }
        let mut comment_at = None;
        let mut prev: Option<u8> = None;
        let mut last_sig: Option<u8> = None;
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            match state {
                State::Single if b == b'\'' => {
                    if bytes.get(i + 1) == Some(&b'\'') {
                        i += 2;
                        continue;
                    }
                    state = State::Plain;
                }
                State::Double if b == b'\\' => {
                    i += 2;
                    continue;
                }
                State::Double if b == b'"' => state = State::Plain,
                State::Plain if b == b'#' && prev.is_none_or(|p| p == b' ' || p == b'\t') => {
                    comment_at = Some(i);
                    break;
                }
                State::Plain if (b == b'\'' || b == b'"') && starts_scalar(prev, last_sig) => {
                    state = if b == b'\'' {
                        State::Single
                    } else {
                        State::Double
                    };
                }
                _ => {}
            }
            prev = Some(b);
            if b != b' ' && b != b'\t' {
                last_sig = Some(b);
            }
            i += 1;
        }
        if let Some(at) = comment_at {
            out.push(Span::new(start + at, start + line.len()));
        }
        if state == State::Plain
            && let Some(parent) = block_header(&line[..comment_at.unwrap_or(line.len())], indent)
        {
            state = State::Block(parent);
        }
    }
    out
}

/// Whether a quote at this place opens a quoted scalar (rather than sitting inside plain text).
fn starts_scalar(prev: Option<u8>, last_sig: Option<u8>) -> bool {
    let after_gap = prev.is_none_or(|p| matches!(p, b' ' | b'\t' | b'[' | b'{' | b','));
    let after_indicator =
        last_sig.is_none_or(|s| matches!(s, b':' | b'-' | b'[' | b'{' | b',' | b'?'));
    after_gap && after_indicator
}

/// If the line (without its comment) ends with a block scalar indicator (`key: |`, `- >-`),
/// the indentation its content must exceed.
fn block_header(code: &str, indent: usize) -> Option<usize> {
    let code = code.trim_end();
    let token_start = code.rfind([' ', '\t']).map_or(0, |i| i + 1);
    let token = &code[token_start..];
    let mut chars = token.chars();
    if !matches!(chars.next(), Some('|' | '>'))
        || !chars.all(|c| matches!(c, '-' | '+' | '1'..='9'))
    {
        return None;
    }
    let mut before = code[..token_start].trim_end();
    // Skip a tag or an anchor: `key: !!str |`, `key: &text |`.
    if let Some(i) = before.rfind([' ', '\t'])
        && matches!(before.as_bytes().get(i + 1), Some(b'!' | b'&'))
    {
        before = before[..i].trim_end();
    }
    // Where the node holding the scalar starts, after any `- ` of sequence items.
    let bytes = code.as_bytes();
    let mut p = indent;
    let mut last_dash = None;
    while bytes.get(p) == Some(&b'-') && matches!(bytes.get(p + 1), Some(b' ' | b'\t')) {
        last_dash = Some(p);
        p += 1;
        while matches!(bytes.get(p), Some(b' ' | b'\t')) {
            p += 1;
        }
    }
    if before.ends_with(':') || before.ends_with('?') {
        Some(p)
    } else if before.ends_with('-') || before.is_empty() {
        Some(last_dash.unwrap_or(indent))
    } else {
        None
    }
}

/// Reads the suppressions of a file.
pub fn parse(file: &SourceFile) -> Suppressions {
    let mut out = Suppressions::default();
    for comment in comments(&file.text) {
        let text = &file.text[comment.lo()..comment.hi()];
        let body = &text[1..];
        let lead = body.len() - body.trim_start().len();
        let Some(rest) = body.trim_start().strip_prefix(MARKER) else {
            continue;
        };
        let marker_at = comment.lo() + 1 + lead;
        let rest_at = marker_at + MARKER.len();
        let whole = Span::new(marker_at, comment.hi());
        let gap = rest.len() - rest.trim_start().len();
        let Some(list) = rest.trim_start().strip_prefix("ignore[") else {
            out.malformed.push(Malformed {
                span: whole,
                message: "this `kpic:` comment is not a suppression".into(),
                help: "write `# kpic: ignore[CODE, ...] -- reason`".into(),
            });
            continue;
        };
        let list_at = rest_at + gap + "ignore[".len();
        let Some(close) = list.find(']') else {
            out.malformed.push(Malformed {
                span: whole,
                message: "unclosed `ignore[` in a suppression".into(),
                help: "close the list, e.g. `# kpic: ignore[T001] -- reason`".into(),
            });
            continue;
        };
        let mut entries = Vec::new();
        let mut at = list_at;
        for part in list[..close].split(',') {
            let trimmed = part.trim();
            let lead = part.len() - part.trim_start().len();
            if !trimmed.is_empty() {
                entries.push(Entry {
                    text: trimmed.to_owned(),
                    rule: rules::find(trimmed),
                    span: Span::new(at + lead, at + lead + trimmed.len()),
                });
            }
            at += part.len() + 1;
        }
        let span = Span::new(marker_at, list_at + close + 1);
        if entries.is_empty() {
            out.malformed.push(Malformed {
                span,
                message: "`ignore[]` names no rule".into(),
                help: "list codes or names, e.g. `ignore[T001, vague-wording]`".into(),
            });
            continue;
        }
        out.list.push(Suppression {
            line: file.line_of(comment.lo()),
            span,
            entries,
        });
    }
    out
}

/// Removes the findings that a suppression silences, and adds X001 for suppressions that
/// silenced nothing (when X001 is on). `level` gives each rule's configured level: a
/// suppression of a rule that is off is not reported as unused.
pub fn apply(
    ws: &Workspace,
    diagnostics: &mut Vec<Diagnostic>,
    level: impl Fn(&RuleMeta) -> Level,
) {
    // Every reported file's text is searched for the marker, in parallel; and the text of a
    // file not reported on that has a finding (one that a given file causes there), whose
    // suppressions silence findings but are never reported unused.
    let reported = |id: FileId| ws.reported.get(id).copied().unwrap_or(false);
    let with_findings: std::collections::HashSet<FileId> = diagnostics
        .iter()
        .map(|d| d.file)
        .filter(|f| !reported(*f))
        .collect();
    let files: HashMap<FileId, Suppressions> = ws
        .files
        .par_iter()
        .enumerate()
        .filter(|(id, f)| (reported(*id) || with_findings.contains(id)) && f.text.contains(MARKER))
        .map(|(id, f)| (id, parse(f)))
        .filter(|(_, s)| !s.list.is_empty() || !s.malformed.is_empty())
        .collect();
    if files.is_empty() {
        return;
    }
    // Suppressions by (file, line), and which entries silenced something.
    let mut by_line: HashMap<(FileId, usize), Vec<usize>> = HashMap::new();
    let mut used: HashMap<FileId, Vec<Vec<bool>>> = HashMap::new();
    for (&file, s) in &files {
        for (i, sup) in s.list.iter().enumerate() {
            by_line.entry((file, sup.line)).or_default().push(i);
        }
        used.insert(
            file,
            s.list
                .iter()
                .map(|sup| vec![false; sup.entries.len()])
                .collect(),
        );
    }
    diagnostics.retain(|d| {
        let Some(s) = files.get(&d.file) else {
            return true;
        };
        let line = ws.files[d.file].line_of(d.span.lo());
        let mut silenced = false;
        for l in [line, line.saturating_sub(1)] {
            for &i in by_line.get(&(d.file, l)).map_or(&[][..], Vec::as_slice) {
                for (j, e) in s.list[i].entries.iter().enumerate() {
                    if e.rule.is_some_and(|r| r.code == d.rule.code) {
                        used.get_mut(&d.file).expect("every file has flags")[i][j] = true;
                        silenced = true;
                    }
                }
            }
        }
        !silenced
    });
    let Some(severity) = level(&UNUSED_SUPPRESSION).severity() else {
        return;
    };
    let mut out = Vec::new();
    for (&file, s) in files.iter().filter(|(f, _)| reported(**f)) {
        for m in &s.malformed {
            out.push(
                Diagnostic::new(&UNUSED_SUPPRESSION, file, m.span, &m.message).with_help(&m.help),
            );
        }
        for (sup, flags) in s.list.iter().zip(&used[&file]) {
            let mut found = Vec::new();
            unused(file, sup, flags, &level, &mut found);
            // `ignore[X001]` in a suppression silences that suppression's own X001 findings.
            match sup.entries.iter().find(|e| is_x001(e)) {
                None => out.extend(found),
                Some(_) if !found.is_empty() => {}
                Some(e) => out.push(idle_entry(file, e)),
            }
        }
    }
    for d in &mut out {
        d.severity = severity;
    }
    diagnostics.extend(out);
}

fn is_x001(e: &Entry) -> bool {
    e.rule.is_some_and(|r| r.code == UNUSED_SUPPRESSION.code)
}

/// X001 findings for one suppression: unknown rules, and rules that silenced nothing.
fn unused(
    file: FileId,
    sup: &Suppression,
    used: &[bool],
    level: &impl Fn(&RuleMeta) -> Level,
    out: &mut Vec<Diagnostic>,
) {
    let mut unknown = false;
    // One search per distinct unknown name: a list may repeat one thousands of times.
    let mut suggested: HashMap<&str, Option<&'static str>> = HashMap::new();
    for e in sup.entries.iter().filter(|e| e.rule.is_none()) {
        unknown = true;
        let d = Diagnostic::new(
            &UNUSED_SUPPRESSION,
            file,
            e.span,
            format!("unknown rule `{}` in a suppression", e.text),
        );
        let suggestion = *suggested
            .entry(e.text.as_str())
            .or_insert_with(|| rules::suggest(&e.text));
        out.push(match suggestion {
            Some(s) => d.with_help(format!("did you mean `{s}`?")),
            None => d.with_help("`kpic rules` lists every code and name"),
        });
    }
    let idle: Vec<&Entry> = sup
        .entries
        .iter()
        .zip(used)
        .filter(|(e, u)| !**u && !is_x001(e) && e.rule.is_some_and(|r| level(r) != Level::Off))
        .map(|(e, _)| e)
        .collect();
    if idle.is_empty() {
        return;
    }
    if !unknown && !used.iter().any(|u| *u) {
        let names: Vec<String> = idle.iter().map(|e| format!("`{}`", e.text)).collect();
        out.push(
            Diagnostic::new(
                &UNUSED_SUPPRESSION,
                file,
                sup.span,
                format!("suppression of {} silenced nothing", names.join(", ")),
            )
            .with_help("remove it, or put it on the line of the finding or the line above"),
        );
        return;
    }
    out.extend(idle.into_iter().map(|e| idle_entry(file, e)));
}

/// X001 at one entry of a suppression list that silenced nothing.
fn idle_entry(file: FileId, e: &Entry) -> Diagnostic {
    Diagnostic::new(
        &UNUSED_SUPPRESSION,
        file,
        e.span,
        format!("suppression of `{}` silenced nothing", e.text),
    )
    .with_help(format!("remove `{}` from the list", e.text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn texts(src: &str) -> Vec<&str> {
        comments(src).into_iter().map(|s| &src[s.range()]).collect()
    }

    #[test]
    fn finds_comments_outside_strings() {
        let src = "# top\nname: a # one\nmetric: 'a # b' # two\nx: \"c # d\"\ny: it's # three\n\
                   z: a#b\nw: 'it''s # e'\n";
        assert_eq!(texts(src), ["# top", "# one", "# two", "# three"]);
    }

    #[test]
    fn quoted_strings_span_lines() {
        let src = "a: \"one\n  # not a comment\n  two\" # yes\nb: 'x\n  # no\n  ' # also\n";
        assert_eq!(texts(src), ["# yes", "# also"]);
    }

    #[test]
    fn block_scalars_are_text() {
        let src = "kpis:\n  - description: |\n      step # 1\n\n      # still text\n    name: x # c1\n\
                   - >-\n  # text\n# c2\nk: |2 # c3\n  # text\n";
        assert_eq!(texts(src), ["# c1", "# c2", "# c3"]);
    }

    #[test]
    fn parses_suppressions() {
        let text = "a: 1 # kpic: ignore[T001, duplicate-id] -- reason\n\
                    # kpic:ignore[nope]\n# kpic: ignore[]\n# kpic: allow[T001]\n# kpic: ignore[T001\n";
        let f = SourceFile::new("f.yaml".into(), PathBuf::from("f.yaml"), text.into());
        let s = parse(&f);
        assert_eq!(s.list.len(), 2);
        let first = &s.list[0];
        assert_eq!(first.line, 1);
        assert_eq!(
            &text[first.span.range()],
            "kpic: ignore[T001, duplicate-id]"
        );
        let e = &first.entries[1];
        assert_eq!(&text[e.span.range()], "duplicate-id");
        assert_eq!(e.rule.map(|r| r.code), Some("E003"));
        assert_eq!(s.list[1].entries[0].rule, None);
        let messages: Vec<&str> = s.malformed.iter().map(|m| m.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "`ignore[]` names no rule",
                "this `kpic:` comment is not a suppression",
                "unclosed `ignore[` in a suppression"
            ]
        );
    }
}
