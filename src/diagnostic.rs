//! The one diagnostic type every stage produces, and severities.

use serde::{Deserialize, Serialize};

use crate::rules::RuleMeta;
use crate::source::{FileId, Span};

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Shown, never fails the run.
    Info,
    /// Shown; fails the run only with `--deny-warnings`.
    Warning,
    /// Fails the run.
    Error,
}

impl Severity {
    /// The lowercase name (`error`, `warning`, `info`).
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A severity as configured: a rule can also be turned off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// The rule does not run.
    Off,
    /// Findings are infos.
    Info,
    /// Findings are warnings.
    Warning,
    /// Findings are errors.
    Error,
}

impl Level {
    /// The severity findings get at this level, or `None` when off.
    pub fn severity(self) -> Option<Severity> {
        match self {
            Level::Off => None,
            Level::Info => Some(Severity::Info),
            Level::Warning => Some(Severity::Warning),
            Level::Error => Some(Severity::Error),
        }
    }

    /// Parses `off | info | warning | error`.
    pub fn parse(s: &str) -> Option<Level> {
        Some(match s {
            "off" => Level::Off,
            "info" => Level::Info,
            "warning" | "warn" => Level::Warning,
            "error" => Level::Error,
            _ => return None,
        })
    }

    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Off => "off",
            Level::Info => "info",
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }
}

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
    /// What to write instead.
    pub help: Option<String>,
    /// The file it is in.
    pub file: FileId,
    /// The most specific span of the problem.
    pub span: Span,
    /// Secondary places.
    pub labels: Vec<Label>,
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
            message: printable(message.into()),
            help: None,
            file,
            span,
            labels: Vec::new(),
        }
    }

    /// Adds the help text.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(printable(help.into()));
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
