//! Fixes as text edits that keep comments and layout, as pure functions of a file's text and
//! what its findings name: the did-you-mean fix (a key, reference or rule name within two
//! edits of exactly one valid word is replaced by it) and a suppression with a reason. The
//! language server offers them as code actions; `kpic check --fix` and `--add-ignore` apply
//! the same edits.

use std::path::PathBuf;

use crate::diagnostic::{Diagnostic, suggestible};
use crate::rules::{self, SCHEMA, UNKNOWN_REFERENCE, UNUSED_SUPPRESSION};
use crate::source::{SourceFile, Span};
use crate::suppress;
use crate::workspace::Index;
use crate::workspace::schema::allowed_keys;
use crate::workspace::yaml::{self, Node, Value};

/// A replacement of the bytes `span` of a file's text by `new_text` (an insertion when the
/// span is empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    /// The bytes replaced.
    pub span: Span,
    /// What replaces them.
    pub new_text: String,
}

/// The most edits between a word and the word a fix replaces it with: a fix is applied without
/// asking, so only a likely typo with one clear correction qualifies.
pub const MAX_FIX_DISTANCE: usize = 2;

/// The one candidate within [`MAX_FIX_DISTANCE`] edits of `word` (other than `word` itself),
/// or `None` when there is none or more than one.
pub fn single_candidate<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    if !suggestible(word) {
        return None;
    }
    let mut found = None;
    for c in candidates {
        if c == word || !suggestible(c) {
            continue;
        }
        if strsim::damerau_levenshtein(word, c) <= MAX_FIX_DISTANCE {
            match found {
                None => found = Some(c),
                Some(f) if f == c => {}
                Some(_) => return None,
            }
        }
    }
    found
}

/// The did-you-mean fixes of some findings of one file whose text is `text`, as `(index of
/// the finding in findings, edit)`: for an unknown key (E002), an unknown reference (E004) or
/// an unknown rule in a suppression (X001) whose word is within two edits of exactly one
/// valid word (the keys the schema allows there, the IDs `index` defines of the kind, every
/// rule code and name), the edit that replaces the word by it. A quoted word keeps its quotes.
/// A fix that would add a YAML error is left out.
pub fn did_you_mean_fixes(
    text: &str,
    index: &Index,
    findings: &[&Diagnostic],
) -> Vec<(usize, Edit)> {
    let needs_tree = findings
        .iter()
        .any(|d| d.rule == &SCHEMA || d.rule == &UNKNOWN_REFERENCE);
    let loaded = needs_tree.then(|| yaml::load(text, yaml::Limits::default()));
    let root = loaded.as_ref().and_then(|l| l.root.as_ref());
    let comments = if findings.iter().any(|d| d.rule == &UNUSED_SUPPRESSION) {
        suppress::comments(text)
    } else {
        Vec::new()
    };
    let mut out = Vec::new();
    for (i, d) in findings.iter().enumerate() {
        let edit = if d.rule == &SCHEMA {
            root.and_then(|r| key_fix(text, r, d.span))
        } else if d.rule == &UNKNOWN_REFERENCE {
            root.and_then(|r| reference_fix(text, r, index, d.span))
        } else if d.rule == &UNUSED_SUPPRESSION {
            rule_name_fix(text, &comments, d.span)
        } else {
            None
        };
        if let Some(edit) = edit.filter(|e| keeps_yaml(text, std::slice::from_ref(e))) {
            out.push((i, edit));
        }
    }
    out
}

/// An unknown key at `span` replaced by the one allowed key of its mapping close to it.
fn key_fix(text: &str, root: &Node, span: Span) -> Option<Edit> {
    let mut path = Vec::new();
    let (mapping, key) = key_at(root, span, &mut path)?;
    let allowed = allowed_keys(&mapping);
    if allowed.iter().any(|k| k == key) {
        return None;
    }
    let best = single_candidate(key, allowed.iter().map(String::as_str))?;
    Some(replace_word(text, span, best))
}

/// A reference at `span` that names no ID replaced by the one ID of its kind close to it.
fn reference_fix(text: &str, root: &Node, index: &Index, span: Span) -> Option<Edit> {
    let mut path = Vec::new();
    let word = value_at(root, span, &mut path)?;
    // The key the value is under: `owner: x`, or `contributors: [x]` (then an index follows).
    let key = path
        .iter()
        .rev()
        .find(|p| !p.bytes().all(|b| b.is_ascii_digit()))?;
    let ids = match key.as_str() {
        "duty" => &index.duties,
        "owner" | "lead" | "contributors" | "consulted" | "informed" => &index.owners,
        "supports" => &index.objectives,
        _ => return None,
    };
    if ids.contains_key(word) {
        return None;
    }
    let best = single_candidate(word, ids.keys().map(|k| k.as_str()))?;
    Some(replace_word(text, span, best))
}

/// An unknown rule at `span` inside a suppression comment replaced by the one rule code or
/// name close to it.
fn rule_name_fix(text: &str, comments: &[Span], span: Span) -> Option<Edit> {
    let inside = comments
        .iter()
        .any(|c| c.start <= span.start && span.end <= c.end);
    let word = text.get(span.range())?;
    if !inside || word.is_empty() || rules::find(word).is_some() {
        return None;
    }
    let all = rules::all();
    let best = single_candidate(word, all.iter().flat_map(|m| [m.code, m.name]))?;
    Some(Edit {
        span,
        new_text: best.to_owned(),
    })
}

/// The edit replacing the scalar at `span` by `word`, inside its quotes if it has them.
fn replace_word(text: &str, span: Span, word: &str) -> Edit {
    let written = text.get(span.range()).unwrap_or_default();
    let quoted = written.len() >= 2
        && ((written.starts_with('"') && written.ends_with('"'))
            || (written.starts_with('\'') && written.ends_with('\'')));
    let span = if quoted {
        Span::new(span.lo() + 1, span.hi() - 1)
    } else {
        span
    };
    Edit {
        span,
        new_text: word.to_owned(),
    }
}

/// The mapping (as a path from the root) holding the key whose span is `span`, and the key.
fn key_at<'a>(
    node: &'a Node,
    span: Span,
    path: &mut Vec<String>,
) -> Option<(Vec<String>, &'a str)> {
    match &node.value {
        Value::Map(entries) => {
            for e in entries {
                if e.key.span == span {
                    return Some((path.clone(), e.key_str()));
                }
                path.push(e.key_str().to_owned());
                let found = key_at(&e.value, span, path);
                path.pop();
                if found.is_some() {
                    return found;
                }
            }
            None
        }
        Value::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(i.to_string());
                let found = key_at(item, span, path);
                path.pop();
                if found.is_some() {
                    return found;
                }
            }
            None
        }
        _ => None,
    }
}

/// The string value whose span is `span`; `path` is left holding the keys and indices to it.
fn value_at<'a>(node: &'a Node, span: Span, path: &mut Vec<String>) -> Option<&'a str> {
    match &node.value {
        Value::Str(s) if node.span == span => Some(s),
        Value::Map(entries) => {
            for e in entries {
                path.push(e.key_str().to_owned());
                if let Some(found) = value_at(&e.value, span, path) {
                    return Some(found);
                }
                path.pop();
            }
            None
        }
        Value::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(i.to_string());
                if let Some(found) = value_at(item, span, path) {
                    return Some(found);
                }
                path.pop();
            }
            None
        }
        _ => None,
    }
}

/// The edit that silences the rule `code` for a finding at byte `at` of `text` with
/// `# kpic: ignore[CODE] -- reason` on the line above it, indented like the finding's line; when
/// the line above already holds a suppression, `code` joins its list instead. `None` when the
/// line above already suppresses `code`, or when the comment would not be a comment there
/// (inside a block scalar or a quoted string running over lines). The reason is kept to one
/// line.
pub fn suppression(text: &str, at: usize, code: &str, reason: &str) -> Option<Edit> {
    let source = SourceFile::new(String::new(), PathBuf::new(), text.to_owned());
    let line = source.line_of(at);
    let meta = rules::find(code)?;
    let existing = suppress::parse(&source);
    let above = existing.list.iter().find(|s| s.line + 1 == line);
    let (edit, comment_line) = match above {
        Some(s) if s.entries.iter().any(|e| e.rule == Some(meta)) => return None,
        Some(s) => (
            Edit {
                span: Span::new(s.span.hi() - 1, s.span.hi() - 1),
                new_text: format!(", {code}"),
            },
            line - 1,
        ),
        None => {
            let start = source.line_start(line);
            let text_of_line = source.line_text(line);
            let indent: String = text_of_line.chars().take_while(|c| *c == ' ').collect();
            let newline = if text[start..].starts_with(&format!("{text_of_line}\r\n")) {
                "\r\n"
            } else {
                "\n"
            };
            let reason: String = reason
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            (
                Edit {
                    span: Span::new(start, start),
                    new_text: format!(
                        "{indent}# kpic: ignore[{code}] -- {}{newline}",
                        reason.trim()
                    ),
                },
                line,
            )
        }
    };
    // The comment must be read as a suppression of `code` on the line right above the finding.
    let after = apply(text, std::slice::from_ref(&edit));
    let check = SourceFile::new(String::new(), PathBuf::new(), after);
    let works = suppress::parse(&check)
        .list
        .iter()
        .any(|s| s.line == comment_line && s.entries.iter().any(|e| e.rule == Some(meta)));
    (works && keeps_yaml(text, std::slice::from_ref(&edit))).then_some(edit)
}

/// `text` with `edits` applied (they must not overlap; any order).
pub fn apply(text: &str, edits: &[Edit]) -> String {
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    sorted.sort_by_key(|e| (e.span.start, e.span.end));
    let mut out = String::with_capacity(text.len() + 64);
    let mut at = 0;
    for e in sorted {
        let lo = e.span.lo().clamp(at, text.len());
        out.push_str(&text[at..lo]);
        out.push_str(&e.new_text);
        at = e.span.hi().clamp(lo, text.len());
    }
    out.push_str(&text[at..]);
    out
}

/// Whether `edits` leave `text` with no more YAML errors than it had.
fn keeps_yaml(text: &str, edits: &[Edit]) -> bool {
    let errors = |t: &str| yaml::load(t, yaml::Limits::default()).errors.len();
    errors(&apply(text, edits)) <= errors(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workspace::{Input, load};

    /// The findings of one file and the workspace's index.
    fn check(text: &str) -> (Index, Vec<Diagnostic>) {
        let input = Input {
            path: "a.yaml".into(),
            name: "a.yaml".into(),
            reported: true,
            text: Some(text.to_owned()),
        };
        let (ws, mut found) = load(vec![input], &Default::default());
        crate::suppress::apply(&ws, &mut found, |m| m.default_level);
        (ws.index, found)
    }

    fn fixed(text: &str) -> String {
        let (index, found) = check(text);
        let refs: Vec<&Diagnostic> = found.iter().collect();
        let edits: Vec<Edit> = did_you_mean_fixes(text, &index, &refs)
            .into_iter()
            .map(|(_, e)| e)
            .collect();
        apply(text, &edits)
    }

    const OWNERS: &str = "version: 1\nteam: {id: t, name: T}\nowners:\n  - {id: li-na, name: L}\n  - {id: wang-fang, name: W}\nduties:\n  - {id: market-analysis, name: M, owner: li-na}\n";

    #[test]
    fn single_candidate_needs_one_close_word() {
        assert_eq!(
            single_candidate("li-nq", ["li-na", "wang-fang"]),
            Some("li-na")
        );
        assert_eq!(single_candidate("li-nq", ["li-na", "li-nb"]), None);
        assert_eq!(single_candidate("lixxxa", ["li-na"]), None);
        assert_eq!(single_candidate("li-na", ["li-na"]), None);
    }

    #[test]
    fn fixes_references_keys_and_rule_names() {
        let text = format!(
            "{OWNERS}kpis:\n  - id: k\n    name: K\n    owner: \"li-nq\"\n    duty: market-analysys\n    contributors: [wang-fan]\n    metirc: x\n    # kpic: ignore[vague-wordin] -- agreed\n    period: monthly\n"
        );
        let out = fixed(&text);
        assert!(out.contains("owner: \"li-na\"\n"), "{out}");
        assert!(out.contains("duty: market-analysis\n"), "{out}");
        assert!(out.contains("contributors: [wang-fang]\n"), "{out}");
        assert!(out.contains("    metric: x\n"), "{out}");
        assert!(out.contains("ignore[vague-wording] -- agreed"), "{out}");
    }

    #[test]
    fn no_fix_when_two_words_are_close() {
        let text = OWNERS.replace(
            "  - {id: wang-fang, name: W}\n",
            "  - {id: li-nb, name: B}\n",
        ) + "kpis:\n  - {id: k, name: K, owner: li-nc}\n";
        assert_eq!(fixed(&text), text);
    }

    #[test]
    fn suppression_above_the_finding() {
        let text = "kpis:\n  - id: k\n    metric: x\n";
        let at = text.find("metric").unwrap();
        let e = suppression(text, at, "S001", "agreed with HR").unwrap();
        assert_eq!(
            apply(text, &[e]),
            "kpis:\n  - id: k\n    # kpic: ignore[S001] -- agreed with HR\n    metric: x\n"
        );
    }

    #[test]
    fn suppression_merges_into_the_list_above() {
        let text = "kpis:\n  - id: k\n    # kpic: ignore[M002] -- one\n    metric: x\n";
        let at = text.find("metric").unwrap();
        let e = suppression(text, at, "S001", "two").unwrap();
        assert_eq!(
            apply(text, &[e]),
            "kpis:\n  - id: k\n    # kpic: ignore[M002, S001] -- one\n    metric: x\n"
        );
        assert_eq!(suppression(text, at, "M002", "again"), None);
    }

    #[test]
    fn no_suppression_inside_a_block_scalar() {
        let text = "kpis:\n  - id: k\n    metric: |\n      one\n      two\n";
        let at = text.find("two").unwrap();
        assert_eq!(suppression(text, at, "S002", "x"), None);
    }
}
