//! Baselines: the findings a team has accepted for now, so that `kpic check --baseline FILE`
//! reports only new ones.
//!
//! A finding is known by its [`Fingerprint`]: its code, its file (relative to the project
//! folder, with `/`), where it is in the YAML tree by keys and item IDs
//! (`kpis/market-research-reports/target`, never a line), and the value found there. Moving a
//! KPI, adding lines or comments above it, reordering items or writing a mapping in flow
//! style instead of block style keeps the fingerprint; editing the offending value changes it.
//!
//! The baseline file is JSON with one finding per line, sorted, so that a change to it reads
//! well in a git diff.

use std::collections::{BTreeMap, HashSet};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::diagnostic::Diagnostic;
use crate::error::{Error, Result};
use crate::fsutil::{lexical, write_atomic_with};
use crate::source::{SourceFile, Span};
use crate::workspace::Workspace;
use crate::workspace::discover::io_reason;
use crate::workspace::yaml::{self, Node, Value};

/// The version of the baseline file's format.
pub const VERSION: u32 = 1;

/// Largest baseline file read.
const MAX_FILE: u64 = 256 << 20;

/// Longest value kept as written in a fingerprint (in bytes); a longer one is cut and its
/// hash appended, so a 100 MB value makes a short entry.
const MAX_TEXT: usize = 120;

/// What identifies a finding across edits that do not touch it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Fingerprint {
    /// The rule code (`T001`).
    pub code: String,
    /// The file, relative to the project folder, with `/`.
    pub file: String,
    /// Where the finding is in the file's YAML tree: keys and item IDs joined by `/`
    /// (`kpis/k1/target`); `*` for an item of a list of values, `#N` for a mapping without
    /// an `id`. Empty when the file has no tree.
    pub path: String,
    /// The value the finding points at: a scalar's text, a collection as compact JSON, or the
    /// text at the finding's span (for a file without a tree, its message without numbers).
    pub text: String,
}

/// One entry of the baseline file.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Entry {
    #[serde(flatten)]
    fingerprint: Fingerprint,
    /// How many findings have this fingerprint (1 when left out).
    #[serde(default = "one", skip_serializing_if = "is_one")]
    count: usize,
}

fn one() -> usize {
    1
}

fn is_one(n: &usize) -> bool {
    *n == 1
}

/// The baseline file: a version and the findings.
#[derive(Debug, Deserialize)]
struct File {
    version: u32,
    #[serde(default)]
    findings: Vec<Entry>,
}

/// Accepted findings, each fingerprint with how many findings it stands for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Baseline {
    /// Fingerprint → count.
    pub entries: BTreeMap<Fingerprint, usize>,
}

/// How a check's findings compare with a baseline.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Comparison {
    /// Whether each finding (in the order given) is in the baseline.
    pub unchanged: Vec<bool>,
    /// Entries of the baseline (counted per finding) that no finding matches any more.
    pub stale: usize,
}

impl Baseline {
    /// The baseline of `fingerprints`.
    pub fn of(fingerprints: impl IntoIterator<Item = Fingerprint>) -> Baseline {
        let mut entries = BTreeMap::new();
        for f in fingerprints {
            *entries.entry(f).or_insert(0) += 1;
        }
        Baseline { entries }
    }

    /// Reads a baseline file; `shown` names it in errors.
    pub fn load(path: &Path, shown: &str) -> Result<Baseline> {
        let text = crate::workspace::read_to_string_limited(path, MAX_FILE).map_err(|e| Error {
            message: format!("cannot read baseline `{shown}`: {}", io_reason(&e)),
            detail: (e.kind() == io::ErrorKind::NotFound)
                .then(|| format!("help: write it with `kpic check --write-baseline {shown}`")),
        })?;
        Baseline::parse(&text)
            .map_err(|e| Error::new(format!("baseline `{shown}` is not a kpic baseline: {e}")))
    }

    /// Reads the text of a baseline file.
    pub fn parse(text: &str) -> std::result::Result<Baseline, String> {
        let file: File = serde_json::from_str(text).map_err(|e| e.to_string())?;
        if file.version != VERSION {
            return Err(format!(
                "version {} (this kpic reads version {VERSION})",
                file.version
            ));
        }
        let mut entries = BTreeMap::new();
        for e in file.findings {
            let n = entries.entry(e.fingerprint).or_insert(0usize);
            *n = n.saturating_add(e.count);
        }
        Ok(Baseline { entries })
    }

    /// Compares `fingerprints` (of a check's findings, in their order) with the baseline: a
    /// fingerprint the baseline holds N times matches the first N findings that have it.
    /// `reported` tells which files the check reported on: the entries of other files are
    /// not stale (a check of given files says nothing about them).
    pub fn compare(&self, fingerprints: &[Fingerprint], reported: &HashSet<&str>) -> Comparison {
        let mut left: BTreeMap<&Fingerprint, usize> =
            self.entries.iter().map(|(f, n)| (f, *n)).collect();
        let unchanged = fingerprints
            .iter()
            .map(|f| match left.get_mut(f) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    true
                }
                _ => false,
            })
            .collect();
        let stale = left
            .iter()
            .filter(|(f, _)| reported.contains(f.file.as_str()))
            .map(|(_, n)| *n)
            .sum();
        Comparison { unchanged, stale }
    }

    /// The baseline to write after a check: `fingerprints` for the files it reported on
    /// (`reported`), and this baseline's entries for every other file.
    pub fn updated(&self, fingerprints: Vec<Fingerprint>, reported: &HashSet<&str>) -> Baseline {
        let kept = self
            .entries
            .iter()
            .filter(|(f, _)| !reported.contains(f.file.as_str()))
            .flat_map(|(f, n)| std::iter::repeat_n(f.clone(), *n));
        Baseline::of(fingerprints.into_iter().chain(kept))
    }

    /// The number of findings the baseline stands for.
    pub fn len(&self) -> usize {
        self.entries.values().sum()
    }

    /// Writes the baseline file: JSON with one finding a line, sorted.
    pub fn write(&self, out: &mut dyn Write) -> io::Result<()> {
        write!(out, "{{\n  \"version\": {VERSION},\n  \"findings\": [")?;
        for (i, (f, n)) in self.entries.iter().enumerate() {
            let entry = Entry {
                fingerprint: f.clone(),
                count: *n,
            };
            let line = serde_json::to_string(&entry).map_err(io::Error::other)?;
            write!(out, "{}\n    {line}", if i == 0 { "" } else { "," })?;
        }
        if !self.entries.is_empty() {
            write!(out, "\n  ")?;
        }
        writeln!(out, "]\n}}")
    }

    /// Writes the baseline file atomically at `path`.
    pub fn save(&self, path: &Path) -> io::Result<()> {
        write_atomic_with(path, |w| self.write(w))
    }
}

/// The file names that fingerprints use for the files of `ws` that a check reported on.
pub fn reported_files<'a>(names: &'a [String], ws: &Workspace) -> HashSet<&'a str> {
    names
        .iter()
        .zip(&ws.reported)
        .filter(|(_, r)| **r)
        .map(|(n, _)| n.as_str())
        .collect()
}

/// The name of every file of `ws` in fingerprints: relative to `root` (the project folder),
/// with `/`; a file outside it by its path as read.
pub fn file_names(ws: &Workspace, root: &Path) -> Vec<String> {
    let root = lexical(root);
    ws.files
        .iter()
        .map(|f| {
            let path = lexical(&f.path);
            let rel = path.strip_prefix(&root).map(Path::to_path_buf);
            slashed(&rel.unwrap_or(path))
        })
        .collect()
}

/// A path with `/` between its names.
fn slashed(path: &Path) -> String {
    let names: Vec<String> = path
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    names.join("/").replace("//", "/")
}

/// The fingerprints of `diagnostics` found in `ws`, in their order; `names` are the file
/// names from [`file_names`]. Each file with findings is parsed once more, in parallel.
pub fn fingerprints(
    ws: &Workspace,
    names: &[String],
    diagnostics: &[Diagnostic],
    limits: yaml::Limits,
) -> Vec<Fingerprint> {
    let mut files: Vec<usize> = diagnostics.iter().map(|d| d.file).collect();
    files.sort_unstable();
    files.dedup();
    let trees: BTreeMap<usize, Option<Node>> = files
        .par_iter()
        .map(|&f| {
            let text = ws.files.get(f).map_or("", |s| s.text.as_str());
            (f, yaml::load(text, limits).root)
        })
        .collect();
    diagnostics
        .par_iter()
        .map(|d| {
            let source = &ws.files[d.file];
            let tree = trees.get(&d.file).and_then(Option::as_ref);
            let (path, text) = locate(source, tree, d);
            Fingerprint {
                code: d.rule.code.to_owned(),
                file: names.get(d.file).cloned().unwrap_or_default(),
                path,
                text,
            }
        })
        .collect()
}

/// The path and value of a finding in its file's tree.
fn locate(source: &SourceFile, tree: Option<&Node>, d: &Diagnostic) -> (String, String) {
    let raw = || {
        let text = source.text.get(d.span.range()).unwrap_or_default();
        short(&text.split_whitespace().collect::<Vec<_>>().join(" "))
    };
    let Some(root) = tree else {
        // No tree (the file does not parse): the message says what is wrong, without the
        // numbers that would change when lines are added.
        let message: String = d
            .message
            .chars()
            .map(|c| if c.is_ascii_digit() { '#' } else { c })
            .collect();
        return (String::new(), short(&message));
    };
    let mut path = Vec::new();
    let found = descend(root, d.span, &mut path);
    let text = match found {
        Found::Node(n) => value_text(n),
        Found::Key(k) => short(k),
        Found::Inside => raw(),
    };
    (path.join("/"), text)
}

/// What the span of a finding is in a tree.
enum Found<'a> {
    /// Exactly a node.
    Node(&'a Node),
    /// Exactly the key of a mapping entry.
    Key(&'a str),
    /// Part of the innermost node that holds it (a word of a value, a comment).
    Inside,
}

/// Walks from `node` to the innermost node holding `span`, pushing each step on `path`.
fn descend<'a>(node: &'a Node, span: Span, path: &mut Vec<String>) -> Found<'a> {
    if node.span == span {
        return Found::Node(node);
    }
    let holds = |n: &Node| n.span.lo() <= span.lo() && span.hi() <= n.span.hi();
    match &node.value {
        Value::Map(entries) => {
            for e in entries {
                if e.key.span == span {
                    path.push(segment(e.key_str()));
                    return Found::Key(e.key_str());
                }
                if holds(&e.value) && !e.value.span.is_empty() {
                    path.push(segment(e.key_str()));
                    return descend(&e.value, span, path);
                }
            }
            Found::Inside
        }
        Value::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                if holds(item) && !item.span.is_empty() {
                    path.push(item_segment(item, i));
                    return descend(item, span, path);
                }
            }
            Found::Inside
        }
        _ => Found::Inside,
    }
}

/// A key as a step of a path (`/` and `%` escaped).
fn segment(key: &str) -> String {
    key.replace('%', "%25").replace('/', "%2F")
}

/// An item of a list as a step of a path: its `id`, `*` for a value, `#N` for a mapping
/// without an ID.
fn item_segment(item: &Node, index: usize) -> String {
    match &item.value {
        Value::Map(_) => match item.get("id").map(|n| &n.value) {
            Some(Value::Str(id)) => short(&segment(id)),
            Some(Value::Int(id)) => id.to_string(),
            _ => format!("#{index}"),
        },
        _ => "*".to_owned(),
    }
}

/// The value of a node: a scalar as written (its value, not its quoting), a collection as
/// compact JSON (the same in flow and block style).
fn value_text(node: &Node) -> String {
    match &node.value {
        Value::Str(s) => short(s),
        Value::Null => String::new(),
        _ => short(&node.to_json().to_string()),
    }
}

/// `s`, or its start and a hash of the whole when it is longer than [`MAX_TEXT`] bytes.
fn short(s: &str) -> String {
    if s.len() <= MAX_TEXT {
        return s.to_owned();
    }
    let cut = crate::source::floor_char_boundary(s, MAX_TEXT - 20);
    let hash = s.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("{}…#{hash:016x}", &s[..cut])
}

/// The baseline file a check uses: `--baseline FILE` (relative to `cwd`), else the config's
/// `baseline` (relative to the project folder `root`).
pub fn path_in_use(
    flag: Option<&Path>,
    config: Option<&Path>,
    cwd: &Path,
    root: &Path,
) -> Option<PathBuf> {
    match (flag, config) {
        (Some(f), _) => Some(cwd.join(f)),
        (None, Some(c)) => Some(cwd.join(root).join(c)),
        (None, None) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workspace::{Input, LoadOptions, load};

    /// The fingerprints of the findings of one file.
    fn prints(text: &str) -> Vec<Fingerprint> {
        let input = Input {
            path: "/p/kpi-specs/a.yaml".into(),
            name: "kpi-specs/a.yaml".into(),
            reported: true,
            text: Some(text.to_owned()),
            removed: false,
        };
        let (ws, mut found) = load(vec![input], &LoadOptions::default());
        let options = crate::rules::RuleOptions::default();
        let cx = crate::rules::Context::new(&ws, &options);
        let rules: Vec<&dyn crate::rules::Rule> = crate::rules::CHECKS.to_vec();
        for spec in ws.specs.iter().flatten() {
            let source = &ws.files[spec.file];
            crate::check::check_file(&rules, &options, source, spec, &mut found);
        }
        found.extend(crate::check::workspace_checks(&cx, &rules));
        crate::check::sort(&ws, &mut found);
        let names = file_names(&ws, Path::new("/p"));
        let mut out = fingerprints(&ws, &names, &found, yaml::Limits::default());
        out.sort();
        out
    }

    const HEAD: &str = "version: 1\nteam: {id: t, name: T, review: quarterly}\nowners:\n  - {id: li-na, name: L}\nduties:\n  - {id: d, name: D, owner: li-na}\n";

    #[test]
    fn a_finding_is_known_by_its_place_in_the_tree_and_its_value() {
        let text = format!(
            "{HEAD}kpis:\n  - id: k1\n    name: K\n    duty: d\n    owner: li-nq\n    metric: m\n    target: \">= 2\"\n    period: monthly\n    weight: 100\n    source: s\n"
        );
        let p = prints(&text);
        let e004 = p.iter().find(|f| f.code == "E004").unwrap();
        assert_eq!(e004.file, "kpi-specs/a.yaml");
        assert_eq!(e004.path, "kpis/k1/owner");
        assert_eq!(e004.text, "li-nq");
        let m002 = p.iter().find(|f| f.code == "M002").unwrap();
        assert_eq!(
            (m002.path.as_str(), m002.text.as_str()),
            ("kpis/k1/target", ">= 2")
        );
    }

    #[test]
    fn moving_reformatting_and_comments_keep_fingerprints() {
        let block = format!(
            "{HEAD}kpis:\n  - id: k1\n    name: K\n    duty: d\n    owner: li-na\n    target:\n      op: \">=\"\n      value: 2\n    weight: 50\n  - id: k2\n    name: L\n    duty: d\n    owner: li-na\n    target: \">= 3\"\n    weight: 50\n"
        );
        let flow = format!(
            "# a comment\n\n{HEAD}kpis:\n  # the second first\n  - {{id: k2, name: L, duty: d, owner: li-na, target: '>= 3', weight: 50}}\n  - id: k1\n    name: K\n    weight: 50\n    owner: li-na\n    duty: d\n    target: {{op: \">=\", value: 2}}\n"
        );
        assert_eq!(prints(&block), prints(&flow));
        let changed = block.replace("\">= 3\"", "\">= 4\"");
        assert_ne!(prints(&block), prints(&changed));
    }

    #[test]
    fn the_file_reads_back_and_counts_repeats() {
        let f = |code: &str, path: &str| Fingerprint {
            code: code.into(),
            file: "a.yaml".into(),
            path: path.into(),
            text: "x".into(),
        };
        let b = Baseline::of([
            f("T001", "kpis/b"),
            f("M001", "kpis/a"),
            f("T001", "kpis/b"),
        ]);
        let mut out = Vec::new();
        b.write(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "{\n  \"version\": 1,\n  \"findings\": [\n    {\"code\":\"M001\",\"file\":\"a.yaml\",\"path\":\"kpis/a\",\"text\":\"x\"},\n    {\"code\":\"T001\",\"file\":\"a.yaml\",\"path\":\"kpis/b\",\"text\":\"x\",\"count\":2}\n  ]\n}\n"
        );
        assert_eq!(Baseline::parse(&text).unwrap(), b);
        let reported: HashSet<&str> = ["a.yaml"].into();
        let c = b.compare(
            &[
                f("T001", "kpis/b"),
                f("T001", "kpis/b"),
                f("T001", "kpis/b"),
            ],
            &reported,
        );
        assert_eq!(c.unchanged, [true, true, false]);
        assert_eq!(c.stale, 1);
        let mut empty = Vec::new();
        Baseline::default().write(&mut empty).unwrap();
        assert_eq!(
            Baseline::parse(std::str::from_utf8(&empty).unwrap()).unwrap(),
            Baseline::default()
        );
    }

    #[test]
    fn long_values_are_cut_with_a_hash() {
        let long = "x".repeat(10_000);
        let s = short(&long);
        assert!(s.len() < 150, "{s}");
        assert_ne!(s, short(&format!("{long}y")));
    }
}
