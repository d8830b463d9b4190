//! What kpic knows about a rule without running it: code, name, default level, docs and
//! options. It sits below [`crate::diagnostic`] (a finding names its rule) and below
//! [`crate::rules`] (which holds the declarations), so both can use it.

use serde::{Deserialize, Serialize};

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

/// Declares a rule's metadata; the doc comment becomes its `kpic explain` text.
///
/// ```text
/// declare_rule! {
///     /// ## What it does ...
///     pub(crate) static OWNER_OVERLOADED = {
///         code: "A004",
///         name: "owner-overloaded",
///         level: Warning,
///         summary: "an owner accountable for more than N KPIs (default 7)",
///         options: [MAX],
///     }
/// }
/// ```
#[macro_export]
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])*
        $vis:vis static $NAME:ident = {
            code: $code:literal,
            name: $name:literal,
            level: $level:ident,
            summary: $summary:literal
            $(, options: [$($option:expr),* $(,)?])? $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        $vis static $NAME: $crate::meta::RuleMeta = $crate::meta::RuleMeta {
            code: $code,
            name: $name,
            default_level: $crate::meta::Level::$level,
            summary: $summary,
            doc: concat!($($doc, "\n"),*),
            options: &[$($($option),*)?],
        };
    };
}

/// What kpic knows about a rule without running it.
#[derive(Debug)]
pub struct RuleMeta {
    /// Stable code, e.g. `T001`. Never reused.
    pub code: &'static str,
    /// Stable kebab-case name, e.g. `missing-deadline`.
    pub name: &'static str,
    /// Severity when configuration says nothing.
    pub default_level: Level,
    /// One line for `kpic rules`.
    pub summary: &'static str,
    /// The full documentation (Markdown, from the doc comment).
    pub doc: &'static str,
    /// The settings the rule reads from `kpic.yaml` besides `severity`.
    pub options: &'static [OptionMeta],
}

impl RuleMeta {
    /// The principle the rule belongs to: a SMART letter, `O` (ownership), `E` (structure) or
    /// `X` (kpic itself).
    pub fn letter(&self) -> char {
        self.code.chars().next().unwrap_or('?')
    }

    /// The principle's name.
    pub fn category(&self) -> &'static str {
        match self.letter() {
            'S' => "Specific",
            'M' => "Measurable",
            'A' => "Achievable",
            'R' => "Relevant",
            'T' => "Time-bound",
            'O' => "Ownership",
            'E' => "Structure",
            _ => "Suppressions",
        }
    }

    /// The documentation with the doc-comment indentation removed.
    pub fn doc_text(&self) -> String {
        let mut out = String::new();
        for line in self.doc.lines() {
            out.push_str(line.strip_prefix(' ').unwrap_or(line));
            out.push('\n');
        }
        out.trim().to_owned() + "\n"
    }

    /// The option called `name`, if the rule has one.
    pub fn option(&self, name: &str) -> Option<&'static OptionMeta> {
        self.options.iter().find(|o| o.name == name)
    }
}

/// A rule is its code: two metas are the same rule when their codes are.
impl PartialEq for RuleMeta {
    fn eq(&self, other: &Self) -> bool {
        self.code == other.code
    }
}

impl Eq for RuleMeta {}

/// One setting of a rule in `kpic.yaml` (`rules: {owner-overloaded: {max: 5}}`).
#[derive(Debug, PartialEq)]
pub struct OptionMeta {
    /// The key under the rule's settings, kebab-case.
    pub name: &'static str,
    /// What values it takes, and its default.
    pub kind: OptionKind,
    /// One line saying what it is for (the schema's description).
    pub doc: &'static str,
    /// What to write, shown when a value is wrong (e.g. "write e.g. `max: 5`").
    pub help: &'static str,
}

/// The type of an option's value, with its default.
#[derive(Debug, PartialEq)]
pub enum OptionKind {
    /// A whole number of at least `min`, counting `unit` (e.g. KPIs).
    Count {
        /// The smallest value allowed.
        min: u64,
        /// The value when configuration says nothing.
        default: u64,
        /// What is counted, plural ("KPIs").
        unit: &'static str,
    },
    /// A number above zero.
    Positive {
        /// The value when configuration says nothing.
        default: f64,
    },
    /// A list of words; lists from several places add up (default: empty).
    Words,
}

impl OptionKind {
    /// The type's name for tables (`integer`, `number`, `words`).
    pub fn type_name(&self) -> &'static str {
        match self {
            OptionKind::Count { .. } => "integer",
            OptionKind::Positive { .. } => "number",
            OptionKind::Words => "words",
        }
    }

    /// The default as a user would write it.
    pub fn default_text(&self) -> String {
        match self {
            OptionKind::Count { default, .. } => default.to_string(),
            OptionKind::Positive { default } => default.to_string(),
            OptionKind::Words => "[]".into(),
        }
    }
}
