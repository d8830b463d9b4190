//! Completion: owner, duty, objective and team IDs at `owner`, `duty`, `contributors`,
//! `consulted`, `informed`, `lead`, `supports` and `parent` (with their names as detail), the keys the JSON Schema allows at the cursor, the values of `period`,
//! `review` and `locale`, and rule codes and names inside `ignore[...]`.
//!
//! The text being typed is often not valid YAML yet, so the place is read from the lines
//! themselves: the key before the cursor, or the keys above it by indentation.

use serde_json::Value as Json;

use crate::emit::markdown::flatten;
use crate::rules;
use crate::workspace::Workspace;
use crate::workspace::schema::{allowed_keys, mapping_schema};

/// The most items in one answer; past it the answer says it is incomplete, and the editor asks
/// again as more is typed.
pub const MAX_ITEMS: usize = 200;

/// What fits at the cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Want {
    /// Owner IDs.
    Owners,
    /// Duty IDs.
    Duties,
    /// Objective IDs.
    Objectives,
    /// Team IDs.
    Teams,
    /// A value from a fixed list (`period`, `review`, `locale`).
    Values(Vec<String>),
    /// A key of the mapping at this path (keys and list indices from the root).
    Keys {
        /// The mapping's path, as for [`allowed_keys`].
        path: Vec<String>,
        /// The keys the mapping already has.
        present: Vec<String>,
    },
    /// A rule code or name, inside `ignore[...]`.
    Rules,
}

/// One item: the text to write, a detail, and its kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// What the item writes.
    pub label: String,
    /// The text inserted (the label, or `key: ` for a key).
    pub insert: String,
    /// A short description.
    pub detail: Option<String>,
    /// The kind of thing.
    pub kind: lsp_types::CompletionItemKind,
}

/// What fits at byte `offset` of `text`, and where the word being typed starts.
pub fn context(text: &str, offset: usize) -> Option<(Want, usize)> {
    let offset = crate::source::floor_char_boundary(text, offset);
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let before = &text[line_start..offset];
    let word_len = before
        .bytes()
        .rev()
        .take_while(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_')
        .count();
    let word_start = offset - word_len;
    let head = &before[..before.len() - word_len];
    // Inside `# kpic: ignore[...`, before the `]`.
    if let Some(hash) = comment_start(head) {
        let comment = &head[hash..];
        let open = comment.find("ignore[");
        let is_suppression = comment[1..].trim_start().starts_with("kpic:");
        return match open {
            Some(o) if is_suppression && !comment[o..].contains(']') => {
                Some((Want::Rules, word_start))
            }
            _ => None,
        };
    }
    let trimmed = head.trim_end();
    // `key: ` before the word: a value of that key.
    if let Some(key_part) = trimmed.strip_suffix(':') {
        let key = last_word(key_part);
        if key == "parent" {
            return Some((parent_kind(text, line_start), word_start));
        }
        return value_of(key).map(|w| (w, word_start));
    }
    // In a flow list: `contributors: [a, `.
    if trimmed.ends_with('[') || trimmed.ends_with(',') {
        if let Some(open) = trimmed.rfind('[')
            && !trimmed[open..].contains(']')
            && trimmed.rfind('{').is_none_or(|b| b < open)
        {
            let key = last_word(trimmed[..open].trim_end().strip_suffix(':')?);
            return list_of(key).map(|w| (w, word_start));
        }
        // In a flow mapping `{id: x, `: a key of the mapping the line's item is.
        if trimmed.contains('{') {
            let indent = head.len() - head.trim_start().len();
            let dashed = head.trim_start().starts_with('-');
            let path = path_of(text, line_start, indent, dashed)?;
            return Some((
                Want::Keys {
                    path,
                    present: Vec::new(),
                },
                word_start,
            ));
        }
        return None;
    }
    // A key being typed, alone on its line (maybe after `- `).
    let rest = head.trim_start();
    let indent = head.len() - rest.len();
    let dashed = match rest {
        "" => false,
        "-" | "- " => true,
        r if r.starts_with("- ") && r[1..].trim().is_empty() => true,
        _ => return None,
    };
    let path = path_of(
        text,
        line_start,
        if dashed {
            indent
        } else {
            word_start - line_start
        },
        dashed,
    )?;
    if dashed
        && path.len() >= 2
        && let Some(w) = list_of(&path[path.len() - 2])
    {
        return Some((w, word_start));
    }
    let present = if dashed {
        Vec::new()
    } else {
        siblings(text, line_start, word_start - line_start)
    };
    Some((Want::Keys { path, present }, word_start))
}

/// The items for `want`, those that start with `typed` first, at most [`MAX_ITEMS`] (and
/// whether some were left out).
pub fn items(ws: &Workspace, want: &Want, typed: &str) -> (Vec<Item>, bool) {
    use lsp_types::CompletionItemKind as K;
    let mut out: Vec<Item> = match want {
        Want::Owners => ws
            .index
            .owners
            .keys()
            .filter(|id| starts_with(id, typed))
            .map(|id| Item {
                label: id.to_string(),
                insert: id.to_string(),
                detail: ws.owner(id).map(|o| {
                    [o.name.as_ref(), o.title.as_ref()]
                        .into_iter()
                        .flatten()
                        .map(|t| flatten(t.as_str()))
                        .collect::<Vec<_>>()
                        .join(", ")
                }),
                kind: K::VALUE,
            })
            .collect(),
        Want::Duties => ws
            .index
            .duties
            .keys()
            .filter(|id| starts_with(id, typed))
            .map(|id| Item {
                label: id.to_string(),
                insert: id.to_string(),
                detail: ws
                    .duty(id)
                    .and_then(|d| d.name.as_ref())
                    .map(|n| flatten(n.as_str())),
                kind: K::VALUE,
            })
            .collect(),
        Want::Objectives => ws
            .index
            .ids_of("objective")
            .filter(|id| starts_with(id, typed))
            .map(|id| Item {
                label: id.to_owned(),
                insert: id.to_owned(),
                detail: ws
                    .index
                    .objectives
                    .get(id)
                    .and_then(|&(f, i)| ws.specs.get(f)?.as_ref()?.objectives.get(i))
                    .and_then(|o| o.name.as_ref())
                    .map(|n| flatten(n.as_str())),
                kind: K::VALUE,
            })
            .collect(),
        Want::Teams => ws
            .index
            .teams
            .keys()
            .filter(|id| starts_with(id, typed))
            .map(|id| Item {
                label: id.clone(),
                insert: id.clone(),
                detail: ws
                    .index
                    .teams
                    .get(id)
                    .and_then(|&f| ws.team_of(f))
                    .and_then(|t| t.name.as_ref())
                    .map(|n| flatten(n.as_str())),
                kind: K::VALUE,
            })
            .collect(),
        Want::Values(values) => values
            .iter()
            .map(|v| Item {
                label: v.clone(),
                insert: v.clone(),
                detail: None,
                kind: K::ENUM_MEMBER,
            })
            .collect(),
        Want::Keys { path, present } => {
            let schema = mapping_schema(path);
            allowed_keys(path)
                .into_iter()
                .filter(|k| !present.contains(k))
                .map(|k| Item {
                    detail: schema.and_then(|s| description(&s["properties"][&k])),
                    insert: format!("{k}: "),
                    label: k,
                    kind: K::PROPERTY,
                })
                .collect()
        }
        Want::Rules => rules::all()
            .into_iter()
            .flat_map(|m| {
                [
                    Item {
                        label: m.code.to_owned(),
                        insert: m.code.to_owned(),
                        detail: Some(format!("{}: {}", m.name, m.summary)),
                        kind: K::CONSTANT,
                    },
                    Item {
                        label: m.name.to_owned(),
                        insert: m.name.to_owned(),
                        detail: Some(format!("{}: {}", m.code, m.summary)),
                        kind: K::CONSTANT,
                    },
                ]
            })
            .collect(),
    };
    // IDs come from hash maps: a stable order.
    if matches!(
        want,
        Want::Owners | Want::Duties | Want::Objectives | Want::Teams
    ) {
        out.sort_by(|a, b| a.label.cmp(&b.label));
    }
    let incomplete = out.len() > MAX_ITEMS;
    out.truncate(MAX_ITEMS);
    (out, incomplete)
}

/// Whether an ID starts with what was typed (any case).
fn starts_with(id: &str, typed: &str) -> bool {
    id.len() >= typed.len()
        && id.is_char_boundary(typed.len())
        && id[..typed.len()].eq_ignore_ascii_case(typed)
}

/// What fits as an item of the list under `key`.
fn list_of(key: &str) -> Option<Want> {
    match key {
        "contributors" | "consulted" | "informed" => Some(Want::Owners),
        "supports" => Some(Want::Objectives),
        _ => None,
    }
}

/// What a `parent` on the line at `line_start` names: a team under `team`, else an
/// objective (the top-level key above it, or on the line itself, says which).
fn parent_kind(text: &str, line_start: usize) -> Want {
    let line_end = text[line_start..]
        .find('\n')
        .map_or(text.len(), |i| line_start + i);
    let top = text[..line_end]
        .lines()
        .rev()
        .find(|l| !l.is_empty() && !l.starts_with([' ', '\t', '#', '-']));
    if top.is_some_and(|l| l.starts_with("team:")) {
        Want::Teams
    } else {
        Want::Objectives
    }
}

/// What fits as the value of `key`.
fn value_of(key: &str) -> Option<Want> {
    match key {
        "owner" | "lead" => Some(Want::Owners),
        "duty" => Some(Want::Duties),
        "period" | "review" => Some(Want::Values(cadences())),
        "locale" => Some(Want::Values(locales())),
        _ => None,
    }
}

/// Where a comment starts in a line: a `#` at its start or after a space.
fn comment_start(line: &str) -> Option<usize> {
    let b = line.as_bytes();
    (0..b.len()).find(|&i| b[i] == b'#' && (i == 0 || b[i - 1] == b' ' || b[i - 1] == b'\t'))
}

/// The last word of `s` (a key before its `:`).
fn last_word(s: &str) -> &str {
    let s = s.trim_end();
    let n = s
        .bytes()
        .rev()
        .take_while(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_')
        .count();
    &s[s.len() - n..]
}

/// The named cadences of `period` and `review`, from the schema's pattern.
pub fn cadences() -> Vec<String> {
    let pattern = mapping_schema(&[])
        .and_then(|s| s["$defs"]["cadence"]["pattern"].as_str())
        .unwrap_or_default();
    pattern
        .trim_start_matches("^(")
        .split('|')
        .take_while(|w| w.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'))
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The locales of `locale`, from the schema.
pub fn locales() -> Vec<String> {
    mapping_schema(&["team".to_owned()])
        .and_then(|s| s["properties"]["locale"]["enum"].as_array())
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// A key's description: its own, else that of the definition it refers to.
fn description(property: &Json) -> Option<String> {
    if let Some(d) = property["description"].as_str() {
        return Some(d.to_owned());
    }
    let def = property["$ref"].as_str()?.strip_prefix("#/$defs/")?;
    mapping_schema(&[])?["$defs"][def]["description"]
        .as_str()
        .map(str::to_owned)
}

/// One line's indentation, what follows it, and whether it is blank or only a comment.
fn split_line(line: &str) -> (usize, &str, bool) {
    let body = line.trim_start_matches(' ');
    let indent = line.len() - body.len();
    let body = body.trim_end_matches(['\r', '\n']);
    (
        indent,
        body,
        body.trim().is_empty() || body.starts_with('#'),
    )
}

/// `key:` with nothing after it (but a comment): a key that opens a block collection.
fn opening_key(body: &str) -> Option<&str> {
    let code = match body.find(" #") {
        Some(i) => &body[..i],
        None => body,
    };
    let key = code.trim_end().strip_suffix(':')?;
    (!key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
    .then_some(key)
}

/// The path of the mapping a key at column `column` of the line starting at `line_start`
/// belongs to (with `dashed`, the key starts a new list item whose `-` is at `column`), read
/// from the keys above by their indentation.
fn path_of(text: &str, line_start: usize, column: usize, dashed: bool) -> Option<Vec<String>> {
    let mut path = Vec::new();
    let mut want = column;
    // Looking for the key that holds the list an item belongs to (it may sit at the item's
    // own indentation: `kpis:` then `- id: …`).
    let mut seeking_list = false;
    if dashed {
        path.push("0".to_owned());
        seeking_list = true;
    }
    for line in text[..line_start].lines().rev() {
        let (indent, body, skip) = split_line(line);
        if skip {
            continue;
        }
        if let Some(item) = body.strip_prefix("- ").or((body == "-").then_some("")) {
            let key_column = indent + 2 + (item.len() - item.trim_start().len());
            if seeking_list || indent >= want {
                continue;
            }
            if key_column == want {
                // A sibling key of this item's mapping: the item is the mapping.
                path.push("0".to_owned());
            } else if key_column < want
                && let Some(key) = opening_key(item.trim_start())
            {
                // Under the first key of this item (`- target:`).
                path.push(key.to_owned());
                path.push("0".to_owned());
            } else {
                return None;
            }
            want = indent;
            seeking_list = true;
            continue;
        }
        if indent < want || (seeking_list && indent == want) {
            let key = opening_key(body)?;
            path.push(key.to_owned());
            want = indent;
            seeking_list = false;
            if indent == 0 {
                break;
            }
        }
    }
    if seeking_list || want != 0 {
        return None;
    }
    path.reverse();
    Some(path)
}

/// The keys at column `column` of the mapping around the line starting at `line_start`.
fn siblings(text: &str, line_start: usize, column: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut key_of = |line: &str| -> bool {
        let (indent, body, skip) = split_line(line);
        if skip {
            return true;
        }
        if let Some(item) = body.strip_prefix("- ") {
            // A list deeper in the mapping, or the item the mapping is (its first key).
            if indent >= column {
                return true;
            }
            let key_column = indent + 2 + (item.len() - item.trim_start().len());
            if key_column == column
                && let Some((k, _)) = item.trim_start().split_once(':')
            {
                out.push(k.trim().to_owned());
            }
            return false;
        }
        if indent < column {
            return false;
        }
        if indent == column
            && let Some((k, _)) = body.split_once(':')
        {
            out.push(k.trim().to_owned());
        }
        true
    };
    for line in text[..line_start].lines().rev() {
        if !key_of(line) {
            break;
        }
    }
    let after = text[line_start..]
        .find('\n')
        .map_or(text.len(), |i| line_start + i + 1);
    for line in text[after..].lines() {
        let (indent, _, skip) = split_line(line);
        if !skip && indent < column {
            break;
        }
        key_of(line);
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The context at the `|` of `text`.
    fn at(text: &str) -> Option<Want> {
        let offset = text.find('|').unwrap();
        let text = text.replace('|', "");
        context(&text, offset).map(|(w, _)| w)
    }

    #[test]
    fn the_ids_of_alignment_and_raci() {
        assert_eq!(at("kpis:\n  - supports: [a, |]\n"), Some(Want::Objectives));
        assert_eq!(
            at("kpis:\n  - id: a\n    supports:\n      - |\n"),
            Some(Want::Objectives)
        );
        assert_eq!(at("kpis:\n  - consulted: [|]\n"), Some(Want::Owners));
        assert_eq!(
            at("kpis:\n  - id: a\n    informed:\n      - |\n"),
            Some(Want::Owners)
        );
        assert_eq!(at("team:\n  id: t\n  parent: |\n"), Some(Want::Teams));
        assert_eq!(at("team: {id: t, parent: |}\n"), Some(Want::Teams));
        assert_eq!(
            at("team:\n  id: t\nobjectives:\n  - id: o\n    parent: |\n"),
            Some(Want::Objectives)
        );
        assert_eq!(
            at("objectives:\n  - {id: o, parent: |}\n"),
            Some(Want::Objectives)
        );
    }

    fn keys(path: &[&str], present: &[&str]) -> Option<Want> {
        Some(Want::Keys {
            path: path.iter().map(|s| s.to_string()).collect(),
            present: present.iter().map(|s| s.to_string()).collect(),
        })
    }

    #[test]
    fn values_by_the_key_before_the_cursor() {
        assert_eq!(at("kpis:\n  - id: a\n    owner: li|\n"), Some(Want::Owners));
        assert_eq!(at("kpis:\n  - {id: a, duty: |}\n"), Some(Want::Duties));
        assert_eq!(at("team:\n  lead: |"), Some(Want::Owners));
        assert_eq!(at("kpis:\n  - contributors: [a, |]\n"), Some(Want::Owners));
        assert_eq!(
            at("kpis:\n  - id: a\n    contributors:\n      - |\n"),
            Some(Want::Owners)
        );
        assert_eq!(
            at("team:\n  locale: |"),
            Some(Want::Values(vec!["en".into(), "zh-CN".into()]))
        );
        assert_eq!(at("kpis:\n  - id: a\n    name: |"), None);
    }

    #[test]
    fn keys_by_indentation() {
        assert_eq!(at("ver|"), keys(&[], &[]));
        assert_eq!(
            at("version: 1\nteam:\n  id: t\n  |\n"),
            keys(&["team"], &["id"])
        );
        assert_eq!(
            at("kpis:\n  - id: a\n    name: A\n    |\n  - id: b\n"),
            keys(&["kpis", "0"], &["id", "name"])
        );
        assert_eq!(at("kpis:\n- id: a\n  |\n"), keys(&["kpis", "0"], &["id"]));
        assert_eq!(at("kpis:\n  - id: a\n  - |\n"), keys(&["kpis", "0"], &[]));
        assert_eq!(
            at("kpis:\n  - id: a\n    target:\n      op: '>='\n      |\n"),
            keys(&["kpis", "0", "target"], &["op"])
        );
    }

    #[test]
    fn rules_inside_a_suppression() {
        assert_eq!(at("a: 1 # kpic: ignore[T0|"), Some(Want::Rules));
        assert_eq!(at("# kpic: ignore[T001, |]"), Some(Want::Rules));
        assert_eq!(at("# kpic: ignore[T001] -- |"), None);
        assert_eq!(at("# just a comment |"), None);
    }

    #[test]
    fn schema_lists() {
        assert_eq!(
            cadences(),
            [
                "daily",
                "weekly",
                "biweekly",
                "monthly",
                "quarterly",
                "half-yearly",
                "yearly"
            ]
        );
        assert_eq!(locales(), ["en", "zh-CN"]);
    }
}
