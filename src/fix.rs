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
use crate::workspace::yaml::{self, Entry, Node, Value};

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
        // Two findings at one place (the same span reported twice) make one edit.
        if let Some(edit) = edit.filter(|e| !out.iter().any(|(_, o)| o == e)) {
            out.push((i, edit));
        }
    }
    // One parse of the text with every edit; only when that adds a YAML error are the edits
    // taken one by one, each kept if it adds none to those kept before it (a file with
    // thousands of typos is parsed twice, not once per typo).
    let edits: Vec<Edit> = out.iter().map(|(_, e)| e.clone()).collect();
    if !edits.is_empty() && !keeps_yaml(text, &edits) {
        let mut kept: Vec<Edit> = Vec::new();
        out.retain(|(_, e)| {
            kept.push(e.clone());
            let keep = keeps_yaml(text, &kept);
            if !keep {
                kept.pop();
            }
            keep
        });
    }
    out
}

/// An unknown key at `span` replaced by the one allowed key of its mapping close to it.
fn key_fix(text: &str, root: &Node, span: Span) -> Option<Edit> {
    let mut path = Vec::new();
    let (mapping, key, siblings) = key_at(root, span, &mut path)?;
    let allowed = allowed_keys(&mapping);
    if allowed.iter().any(|k| k == key) {
        return None;
    }
    let best = single_candidate(key, allowed.iter().map(String::as_str))?;
    // `ownr:` beside an `owner:` would become a duplicate key.
    if siblings.iter().any(|e| e.key_str() == best) {
        return None;
    }
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

/// The mapping (as a path from the root) holding the key whose span is `span`, the key, and
/// the mapping's entries.
fn key_at<'a>(
    node: &'a Node,
    span: Span,
    path: &mut Vec<String>,
) -> Option<(Vec<String>, &'a str, &'a [Entry])> {
    match &node.value {
        Value::Map(entries) => {
            for e in entries {
                if e.key.span == span {
                    return Some((path.clone(), e.key_str(), entries));
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
    let meta = rules::find(code)?;
    let existing = suppress::parse(&source);
    let line = source.line_of(at);
    let above = existing.list.iter().find(|s| s.line + 1 == line);
    let (edit, comment_line) = suppression_edit(&source, line, &[meta], above, reason)?;
    // The comment must be read as a suppression of `code` on the line right above the finding.
    let after = apply(text, std::slice::from_ref(&edit));
    let check = SourceFile::new(String::new(), PathBuf::new(), after);
    let works = suppress::parse(&check)
        .list
        .iter()
        .any(|s| s.line == comment_line && s.entries.iter().any(|e| e.rule == Some(meta)));
    (works && keeps_yaml(text, std::slice::from_ref(&edit))).then_some(edit)
}

/// The edits that silence every one of `findings` (`(byte offset, rule code)`) in `text`, as
/// [`suppression`] does for one: one comment per line with findings, listing their codes, or
/// the codes added to the suppression already above. Lines where the comment would not work
/// (a block scalar, a quoted string over lines) get none, and nothing is returned when the
/// edits together would add a YAML error. The text is read a fixed number of times, however
/// many findings it has.
pub fn suppressions(text: &str, findings: &[(usize, &str)], reason: &str) -> Vec<Edit> {
    let source = SourceFile::new(String::new(), PathBuf::new(), text.to_owned());
    let existing = suppress::parse(&source);
    let mut by_line: std::collections::BTreeMap<usize, Vec<&'static rules::RuleMeta>> =
        std::collections::BTreeMap::new();
    for &(at, code) in findings {
        if let Some(meta) = rules::find(code) {
            let metas = by_line.entry(source.line_of(at)).or_default();
            if !metas.iter().any(|m| m.code == meta.code) {
                metas.push(meta);
            }
        }
    }
    let above: std::collections::HashMap<usize, &suppress::Suppression> =
        existing.list.iter().map(|s| (s.line + 1, s)).collect();
    // Each planned edit with the line its comment is on (in the text before the edits), and
    // the codes it must silence.
    let mut planned: Vec<(Edit, usize, bool, Vec<&'static rules::RuleMeta>)> = Vec::new();
    for (line, mut metas) in by_line {
        metas.sort_by_key(|m| m.code);
        let sup = above.get(&line).copied();
        if let Some((edit, comment_line)) = suppression_edit(&source, line, &metas, sup, reason) {
            planned.push((edit, comment_line, sup.is_none(), metas));
        }
    }
    // Whether each comment is read as a suppression of its codes once every edit is made: the
    // text is parsed again, and a comment inserted on its own line moves the lines below it.
    for _ in 0..2 {
        let edits: Vec<Edit> = planned.iter().map(|p| p.0.clone()).collect();
        let after = SourceFile::new(String::new(), PathBuf::new(), apply(text, &edits));
        let parsed = suppress::parse(&after);
        let at_line: std::collections::HashMap<usize, &suppress::Suppression> =
            parsed.list.iter().map(|s| (s.line, s)).collect();
        let mut inserted_before = 0;
        let before_count = planned.len();
        planned.retain(|(_, comment_line, inserted, metas)| {
            let line = comment_line + inserted_before;
            if *inserted {
                inserted_before += 1;
            }
            at_line.get(&line).is_some_and(|s| {
                metas
                    .iter()
                    .all(|m| s.entries.iter().any(|e| e.rule == Some(*m)))
            })
        });
        if planned.len() == before_count {
            break;
        }
    }
    let edits: Vec<Edit> = planned.into_iter().map(|p| p.0).collect();
    if edits.is_empty() || !keeps_yaml(text, &edits) {
        return Vec::new();
    }
    edits
}

/// The edit that silences `metas` on `line` of `source`: the codes added to `above` (the
/// suppression on the line before, if any) or a new comment line; with the line the comment is
/// on in the text before the edit. `None` when `above` silences them already.
fn suppression_edit(
    source: &SourceFile,
    line: usize,
    metas: &[&'static rules::RuleMeta],
    above: Option<&suppress::Suppression>,
    reason: &str,
) -> Option<(Edit, usize)> {
    let text = source.text.as_str();
    match above {
        Some(s) => {
            let missing: Vec<&str> = metas
                .iter()
                .filter(|m| !s.entries.iter().any(|e| e.rule == Some(**m)))
                .map(|m| m.code)
                .collect();
            if missing.is_empty() {
                return None;
            }
            Some((
                Edit {
                    span: Span::new(s.span.hi() - 1, s.span.hi() - 1),
                    new_text: format!(", {}", missing.join(", ")),
                },
                line - 1,
            ))
        }
        None => {
            let start = source.line_start(line);
            let text_of_line = source.line_text(line);
            let indent: String = text_of_line.chars().take_while(|c| *c == ' ').collect();
            let rest = &text[start..];
            let newline = if rest
                .strip_prefix(text_of_line)
                .is_some_and(|r| r.starts_with("\r\n"))
            {
                "\r\n"
            } else {
                "\n"
            };
            let reason: String = reason
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            let codes: Vec<&str> = metas.iter().map(|m| m.code).collect();
            Some((
                Edit {
                    span: Span::new(start, start),
                    new_text: format!(
                        "{indent}# kpic: ignore[{}] -- {}{newline}",
                        codes.join(", "),
                        reason.trim()
                    ),
                },
                line,
            ))
        }
    }
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

/// Lines of context around each change in [`unified_diff`].
const CONTEXT: usize = 3;

/// A unified diff of `text` against `text` with `edits` applied, as `git apply` and
/// `patch -p1` read it: headers `a/NAME` and `b/NAME`, three lines of context, hunks in file
/// order. Empty when the edits change nothing. Only the lines the edits touch are compared, so
/// the time is the size of the text plus the size of the changes.
pub fn unified_diff(name: &str, text: &str, edits: &[Edit]) -> String {
    let mut starts = vec![0];
    starts.extend(
        text.bytes()
            .enumerate()
            .filter(|(_, b)| *b == b'\n')
            .map(|(i, _)| i + 1)
            .filter(|i| *i < text.len()),
    );
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let line_of = |at: usize| starts.partition_point(|s| *s <= at).saturating_sub(1);
    let end_of = |line: usize| starts.get(line + 1).copied().unwrap_or(text.len());
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    sorted.sort_by_key(|e| (e.span.start, e.span.end));
    // The edits grouped by the lines they touch: (first line, last line, the edits).
    let mut regions: Vec<(usize, usize, Vec<&Edit>)> = Vec::new();
    for e in sorted {
        let lo = e.span.lo().min(text.len());
        let hi = e.span.hi().clamp(lo, text.len());
        let first = line_of(lo);
        let last = if hi > lo { line_of(hi - 1) } else { first };
        match regions.last_mut() {
            // Edits on one line, or on lines next to each other, make one change.
            Some(r) if first <= r.1 + 1 => {
                r.1 = r.1.max(last);
                r.2.push(e);
            }
            _ => regions.push((first, last, vec![e])),
        }
    }
    // Each region as (first old line, old lines removed, new lines added), without the lines
    // it starts and ends with unchanged.
    let mut changes: Vec<(usize, Vec<&str>, Vec<String>)> = Vec::new();
    for (first, last, region_edits) in regions {
        let start = starts.get(first).copied().unwrap_or(text.len());
        let old_text = &text[start..end_of(last).max(start)];
        let shifted: Vec<Edit> = region_edits
            .iter()
            .map(|e| Edit {
                span: Span::new(
                    e.span.lo().clamp(start, start + old_text.len()) - start,
                    e.span.hi().clamp(start, start + old_text.len()) - start,
                ),
                new_text: e.new_text.clone(),
            })
            .collect();
        let new_text = apply(old_text, &shifted);
        let old: Vec<&str> = old_text.split_inclusive('\n').collect();
        let new: Vec<String> = new_text.split_inclusive('\n').map(String::from).collect();
        let prefix = old
            .iter()
            .zip(&new)
            .take_while(|(a, b)| **a == b.as_str())
            .count();
        let suffix = old[prefix..]
            .iter()
            .rev()
            .zip(new[prefix..].iter().rev())
            .take_while(|(a, b)| **a == b.as_str())
            .count();
        if old.len() == new.len() && prefix == old.len() {
            continue;
        }
        changes.push((
            first + prefix,
            old[prefix..old.len() - suffix].to_vec(),
            new[prefix..new.len() - suffix].to_vec(),
        ));
    }
    if changes.is_empty() {
        return String::new();
    }
    let mut out = format!("--- a/{name}\n+++ b/{name}\n");
    let push_line = |out: &mut String, mark: char, line: &str| {
        out.push(mark);
        out.push_str(line);
        if !line.ends_with('\n') {
            out.push_str("\n\\ No newline at end of file\n");
        }
    };
    // Lines added minus lines removed by the hunks written so far.
    let mut delta: isize = 0;
    let mut i = 0;
    while i < changes.len() {
        // A hunk: the changes whose context overlaps or touches.
        let mut j = i + 1;
        while j < changes.len() {
            let prev_end = changes[j - 1].0 + changes[j - 1].1.len();
            if changes[j].0 > prev_end + 2 * CONTEXT {
                break;
            }
            j += 1;
        }
        let from = changes[i].0.saturating_sub(CONTEXT);
        let last_end = changes[j - 1].0 + changes[j - 1].1.len();
        let to = (last_end + CONTEXT).min(lines.len());
        let mut body = String::new();
        let (mut old_count, mut new_count) = (0usize, 0usize);
        let mut at = from;
        for (line, removed, added) in &changes[i..j] {
            for l in &lines[at..*line] {
                push_line(&mut body, ' ', l);
            }
            old_count += line - at + removed.len();
            new_count += line - at + added.len();
            for l in removed {
                push_line(&mut body, '-', l);
            }
            for l in added {
                push_line(&mut body, '+', l);
            }
            at = line + removed.len();
        }
        for l in &lines[at..to] {
            push_line(&mut body, ' ', l);
        }
        old_count += to - at;
        new_count += to - at;
        let old_start = if old_count == 0 { from } else { from + 1 };
        let new_from = (from as isize + delta) as usize;
        let new_start = if new_count == 0 {
            new_from
        } else {
            new_from + 1
        };
        out.push_str(&format!(
            "@@ -{old_start},{old_count} +{new_start},{new_count} @@\n{body}"
        ));
        delta += new_count as isize - old_count as isize;
        i = j;
    }
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
            removed: false,
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
    fn two_typos_of_one_key_fix_one() {
        let text =
            format!("{OWNERS}kpis:\n  - id: k\n    name: K\n    ownr: li-na\n    onwer: li-na\n");
        let out = fixed(&text);
        assert_eq!(out.matches("\n    owner: li-na").count(), 1, "{out}");
        assert!(yaml::load(&out, yaml::Limits::default()).errors.is_empty());
        // Nor beside the key already there.
        let text = format!("{OWNERS}kpis:\n  - id: k\n    owner: li-na\n    ownr: li-na\n");
        assert_eq!(fixed(&text), text);
    }

    #[test]
    fn suppressions_list_the_codes_of_a_line_once() {
        let text = "kpis:\r\n  - id: k\r\n    # kpic: ignore[M002] -- one\r\n    metric: x\r\n    name: 提升\r\n";
        let metric = text.find("metric").unwrap();
        let id = text.find("id:").unwrap();
        let name = text.find("name").unwrap();
        let edits = suppressions(
            text,
            &[
                (id, "T001"),
                (id, "O001"),
                (metric, "S001"),
                (name, "S002"),
                (id, "T001"),
            ],
            "agreed",
        );
        assert_eq!(
            apply(text, &edits),
            "kpis:\r\n  # kpic: ignore[O001, T001] -- agreed\r\n  - id: k\r\n    # kpic: ignore[M002, S001] -- one\r\n    metric: x\r\n    # kpic: ignore[S002] -- agreed\r\n    name: 提升\r\n"
        );
        // Nothing twice.
        let after = apply(text, &edits);
        let shift = |at: usize, lines: usize| {
            at + lines * "  # kpic: ignore[O001, T001] -- agreed\r\n".len()
        };
        assert!(
            suppressions(
                &after,
                &[(shift(id, 1), "T001"), (shift(metric, 1) + 8, "S001")],
                "x"
            )
            .is_empty()
        );
    }

    #[test]
    fn no_suppressions_where_they_would_be_text() {
        let text = "kpis:\n  - id: k\n    metric: |\n      one\n      two\n    name: x\n";
        let two = text.find("two").unwrap();
        let name = text.find("name").unwrap();
        let edits = suppressions(text, &[(two, "S002"), (name, "S002")], "r");
        assert_eq!(
            apply(text, &edits),
            "kpis:\n  - id: k\n    metric: |\n      one\n      two\n    # kpic: ignore[S002] -- r\n    name: x\n"
        );
    }

    #[test]
    fn a_unified_diff_applies_and_shows_only_what_changed() {
        let text = (1..=20).map(|i| format!("line {i}\n")).collect::<String>();
        let at = |n: usize| text.find(&format!("line {n}\n")).unwrap();
        let edits = vec![
            Edit {
                span: Span::new(at(2), at(2)),
                new_text: "new\n".into(),
            },
            Edit {
                span: Span::new(at(5) + 5, at(5) + 6),
                new_text: "five".into(),
            },
            Edit {
                span: Span::new(at(18), at(19)),
                new_text: String::new(),
            },
        ];
        assert_eq!(
            unified_diff("a.yaml", &text, &edits),
            "--- a/a.yaml\n+++ b/a.yaml\n@@ -1,8 +1,9 @@\n line 1\n+new\n line 2\n line 3\n line 4\n-line 5\n+line five\n line 6\n line 7\n line 8\n@@ -15,6 +16,5 @@\n line 15\n line 16\n line 17\n-line 18\n line 19\n line 20\n"
        );
        assert_eq!(unified_diff("a.yaml", &text, &[]), "");
        // The last line without a newline.
        let d = unified_diff(
            "a",
            "x: 1",
            &[Edit {
                span: Span::new(3, 4),
                new_text: "2".into(),
            }],
        );
        assert_eq!(
            d,
            "--- a/a\n+++ b/a\n@@ -1,1 +1,1 @@\n-x: 1\n\\ No newline at end of file\n+x: 2\n\\ No newline at end of file\n"
        );
    }

    #[test]
    fn no_suppression_inside_a_block_scalar() {
        let text = "kpis:\n  - id: k\n    metric: |\n      one\n      two\n";
        let at = text.find("two").unwrap();
        assert_eq!(suppression(text, at, "S002", "x"), None);
    }
}
