//! The one diagnostic type every stage produces, and severities.
//!
//! A run can have millions of findings (a generated file of 330,000 empty KPIs has seven
//! each), so a [`Diagnostic`] is kept small: help texts that many findings share are one
//! allocation, and labels, which most findings lack, live out of line.

use std::cell::RefCell;
use std::collections::HashSet;
use std::sync::Arc;

pub use crate::meta::{Level, RuleMeta, Severity};
use crate::source::{FileId, Span};

/// A secondary place that explains a finding ("first defined here").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    /// The file of the place.
    pub file: FileId,
    /// The bytes of the place.
    pub span: Span,
    /// What the place is.
    pub message: String,
}

/// One finding, located in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The rule that found it.
    pub rule: &'static RuleMeta,
    /// Severity after configuration (rules create diagnostics at their default).
    pub severity: Severity,
    /// What is wrong, naming the item.
    pub message: String,
    /// What to write instead (often the same text for many findings, shared).
    pub help: Option<Arc<str>>,
    /// The file it is in.
    pub file: FileId,
    /// The most specific span of the problem.
    pub span: Span,
    /// Secondary places.
    pub labels: Labels,
}

/// A finding's secondary labels, out of line: most findings have none, and then the list is
/// one null pointer. It reads as a slice of [`Label`]s.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
// The box is the point: an empty list is 8 bytes, where a `Vec` is 24 in every finding.
#[allow(clippy::box_collection)]
pub struct Labels(Option<Box<Vec<Label>>>);

impl Labels {
    /// Adds a label.
    pub fn push(&mut self, label: Label) {
        self.0.get_or_insert_default().push(label);
    }
}

impl std::ops::Deref for Labels {
    type Target = [Label];

    fn deref(&self) -> &[Label] {
        self.0.as_deref().map_or(&[], Vec::as_slice)
    }
}

impl std::ops::DerefMut for Labels {
    fn deref_mut(&mut self) -> &mut [Label] {
        self.0.as_deref_mut().map_or(&mut [], Vec::as_mut_slice)
    }
}

impl Extend<Label> for Labels {
    fn extend<I: IntoIterator<Item = Label>>(&mut self, labels: I) {
        for l in labels {
            self.push(l);
        }
    }
}

impl IntoIterator for Labels {
    type Item = Label;
    type IntoIter = std::vec::IntoIter<Label>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.map(|v| *v).unwrap_or_default().into_iter()
    }
}

impl<'a> IntoIterator for &'a Labels {
    type Item = &'a Label;
    type IntoIter = std::slice::Iter<'a, Label>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl Diagnostic {
    /// A diagnostic of `rule` at `span` in `file`, at the rule's default severity.
    pub fn new(
        rule: &'static RuleMeta,
        file: FileId,
        span: Span,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            rule,
            severity: rule.default_level.severity().unwrap_or(Severity::Info),
            message: exact(printable(message.into())),
            help: None,
            file,
            span,
            labels: Labels::default(),
        }
    }

    /// Adds the help text.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(shared(printable(help.into())));
        self
    }

    /// Adds a secondary label.
    pub fn with_label(mut self, file: FileId, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            file,
            span,
            message: printable(message.into()),
        });
        self
    }

    /// The rule code (`T001`).
    pub fn code(&self) -> &'static str {
        self.rule.code
    }
}

/// `s` without spare capacity (`format!` leaves some): kept per finding, it adds up.
fn exact(mut s: String) -> String {
    s.shrink_to_fit();
    s
}

/// The one allocation of a help text: each thread keeps the texts it gave out lately (a rule
/// gives the same help to every KPI that lacks a key) and hands out the same one again.
fn shared(text: String) -> Arc<str> {
    /// Texts kept per thread; past this the list starts again (IDs in help texts would
    /// otherwise make it grow with the findings).
    const KEPT: usize = 256;
    thread_local! {
        static LATELY: RefCell<HashSet<Arc<str>>> = RefCell::default();
    }
    LATELY.with(|lately| {
        let mut lately = lately.borrow_mut();
        if let Some(same) = lately.get(text.as_str()) {
            return Arc::clone(same);
        }
        let text: Arc<str> = text.into();
        if lately.len() >= KEPT {
            lately.clear();
        }
        lately.insert(Arc::clone(&text));
        text
    })
}

/// Text for a message, with control characters (which could break a line of `compact`
/// output or drive a terminal) and bidirectional overrides escaped as `\n`, `\u{1b}`.
/// Messages quote user text, so this is applied to every message, help and label.
pub fn printable(s: String) -> String {
    let hostile =
        |c: char| c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
    if !s.contains(hostile) {
        return s;
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if hostile(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// Longest word, and longest candidate, that [`did_you_mean`] compares (in characters): IDs
/// have at most 64, keys and rule names fewer. The edit distance takes time in the product of
/// the two lengths, so a value of a million characters must not reach it.
pub const MAX_SUGGESTED_CHARS: usize = 128;

/// Whether `s` is short enough to be compared for a did-you-mean (at most
/// [`MAX_SUGGESTED_CHARS`] characters; the byte length rules out long text without counting).
pub(crate) fn suggestible(s: &str) -> bool {
    s.len() <= 4 * MAX_SUGGESTED_CHARS && s.chars().count() <= MAX_SUGGESTED_CHARS
}

/// The largest edit distance that still counts as a likely typo of a word of `chars`
/// characters.
pub(crate) fn typo_limit(chars: usize) -> usize {
    (chars / 3).max(1) + 1
}

/// Suggests the candidate closest to `word`, if one is close enough to be a likely typo.
/// Words and candidates longer than [`MAX_SUGGESTED_CHARS`] are not compared.
pub fn did_you_mean<'a, I>(word: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    if !suggestible(word) {
        return None;
    }
    let limit = typo_limit(word.chars().count());
    candidates
        .into_iter()
        .filter(|c| suggestible(c))
        .map(|c| (strsim::damerau_levenshtein(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::SCHEMA;

    #[test]
    fn a_finding_is_small_and_shares_its_help() {
        // Millions of findings are held until they are reported.
        assert!(std::mem::size_of::<Diagnostic>() <= 80);
        assert_eq!(std::mem::size_of::<Labels>(), 8);
        let d = |id: &str| {
            Diagnostic::new(&SCHEMA, 0, Span::new(0, 1), format!("KPI `{id}`"))
                .with_help(format!("add a `source`, e.g. `{}`", "CRM"))
        };
        let (a, b) = (d("a"), d("b"));
        assert!(Arc::ptr_eq(
            a.help.as_ref().unwrap(),
            b.help.as_ref().unwrap()
        ));
        assert_eq!(a.message.capacity(), a.message.len());
    }

    #[test]
    fn labels_read_as_a_list() {
        let mut d = Diagnostic::new(&SCHEMA, 0, Span::new(0, 1), "m");
        assert!(d.labels.is_empty());
        d = d
            .with_label(1, Span::new(2, 3), "first")
            .with_label(2, Span::new(4, 5), "second");
        let mut more = Labels::default();
        more.extend(d.labels.clone());
        assert_eq!(more.len(), 2);
        assert_eq!(more[1].message, "second");
        more.first_mut().unwrap().message = "changed".into();
        let messages: Vec<String> = more.into_iter().map(|l| l.message).collect();
        assert_eq!(messages, ["changed", "second"]);
    }
}
