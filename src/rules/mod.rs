//! The rule catalogue: every rule's code, name, default severity and documentation, and the
//! checks that run on the resolved workspace.
//!
//! A rule never prints: it pushes [`Diagnostic`]s. Severity comes from configuration; the rule
//! only declares its default.

pub(crate) mod common;
mod deadline_passed;
pub(crate) mod duty_without_kpi;
mod hierarchy_cycle;
mod impossible_target;
mod kpi_expired;
mod kpi_not_aligned;
mod missing_deadline;
mod missing_metric;
mod missing_review;
mod missing_source;
mod missing_unit;
mod objective_without_kpi;
mod options;
mod orphan_kpi;
pub(crate) mod owner_overloaded;
mod raci_conflict;
mod structural;
mod target_already_met;
mod threshold_inconsistent;
mod unmeasurable_target;
mod unowned_duty;
mod unowned_kpi;
mod unrealistic_stretch;
pub mod vague_wording;
pub(crate) mod weights_not_100;

pub use options::RuleOptions;
pub use structural::{DUPLICATE_ID, SCHEMA, UNKNOWN_REFERENCE, UNUSED_SUPPRESSION, YAML_SYNTAX};

use std::sync::OnceLock;

use crate::diagnostic::{Diagnostic, Level};
use crate::source::SourceFile;
use crate::workspace::{SpecFile, Workspace};

/// Declares a rule's metadata; the doc comment becomes its `kpic explain` text.
#[macro_export]
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])*
        $vis:vis static $NAME:ident = {
            code: $code:literal,
            name: $name:literal,
            level: $level:ident,
            summary: $summary:literal $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        $vis static $NAME: $crate::rules::RuleMeta = $crate::rules::RuleMeta {
            code: $code,
            name: $name,
            default_level: $crate::diagnostic::Level::$level,
            summary: $summary,
            doc: concat!($($doc, "\n"),*),
        };
    };
}

/// What kpic knows about a rule without running it.
#[derive(Debug, PartialEq, Eq)]
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
}

/// What a rule sees: the resolved workspace and the options from configuration.
pub struct Context<'a> {
    /// Every loaded file, model and index.
    pub ws: &'a Workspace,
    /// Thresholds, word lists and today's date.
    pub options: &'a RuleOptions,
    /// The KPIs grouped by owner, built once for the rules that need them (A004, R003).
    by_owner: OnceLock<Vec<(&'a str, Vec<common::OwnedKpi<'a>>)>>,
}

impl<'a> Context<'a> {
    /// The context of the workspace checks.
    pub fn new(ws: &'a Workspace, options: &'a RuleOptions) -> Self {
        Context {
            ws,
            options,
            by_owner: OnceLock::new(),
        }
    }

    /// Every defined owner ID with the KPIs it owns ([`common::kpis_by_owner`]), built on
    /// first use.
    pub(crate) fn kpis_by_owner(&self) -> &[(&'a str, Vec<common::OwnedKpi<'a>>)] {
        self.by_owner.get_or_init(|| common::kpis_by_owner(self.ws))
    }
}

/// What a rule sees of one file: its source and the options. A file check needs nothing of
/// the other files, so it runs as soon as its file is parsed, while the file's data is still
/// in the processor's cache.
pub struct FileContext<'a> {
    /// The file's text and line index.
    pub source: &'a SourceFile,
    /// Thresholds, word lists and today's date.
    pub options: &'a RuleOptions,
}

/// A check of one file, or of the resolved workspace.
pub trait Rule: Sync {
    /// The rule's metadata.
    fn meta(&self) -> &'static RuleMeta;

    /// Checks one spec file (runs in parallel, only on files being reported, before the IDs
    /// of all files are resolved: what needs other files belongs in `check_workspace`).
    fn check_file(&self, _cx: &FileContext<'_>, _file: &SpecFile, _out: &mut Vec<Diagnostic>) {}

    /// Checks what spans several files (runs once per run).
    fn check_workspace(&self, _cx: &Context<'_>, _out: &mut Vec<Diagnostic>) {}
}

/// The checks that run on the resolved workspace, in code order.
pub static CHECKS: &[&dyn Rule] = &[
    &missing_metric::MissingMetric,
    &vague_wording::VagueWording,
    &unmeasurable_target::UnmeasurableTarget,
    &missing_unit::MissingUnit,
    &missing_source::MissingSource,
    &impossible_target::ImpossibleTarget,
    &unrealistic_stretch::UnrealisticStretch,
    &target_already_met::TargetAlreadyMet,
    &owner_overloaded::OwnerOverloaded,
    &orphan_kpi::OrphanKpi,
    &duty_without_kpi::DutyWithoutKpi,
    &weights_not_100::WeightsNot100,
    &missing_deadline::MissingDeadline,
    &deadline_passed::DeadlinePassed,
    &missing_review::MissingReview,
    &unowned_kpi::UnownedKpi,
    &unowned_duty::UnownedDuty,
    &hierarchy_cycle::HierarchyCycle,
    &kpi_not_aligned::KpiNotAligned,
    &objective_without_kpi::ObjectiveWithoutKpi,
    &threshold_inconsistent::ThresholdInconsistent,
    &kpi_expired::KpiExpired,
    &raci_conflict::RaciConflict,
];

/// Rules reported by the loading stages rather than by a check.
static STRUCTURAL: &[&RuleMeta] = &[
    &YAML_SYNTAX,
    &SCHEMA,
    &DUPLICATE_ID,
    &UNKNOWN_REFERENCE,
    &UNUSED_SUPPRESSION,
];

/// Every rule, in catalogue order: by principle (E, S, M, A, R, T, O, X), then code.
pub fn all() -> Vec<&'static RuleMeta> {
    let mut v: Vec<&'static RuleMeta> = STRUCTURAL
        .iter()
        .copied()
        .chain(CHECKS.iter().map(|r| r.meta()))
        .collect();
    v.sort_by_key(|m| (principle_rank(m.letter()), m.code));
    v
}

/// The catalogue's order of principles: structure, then S, M, A, R, T, ownership, suppressions.
fn principle_rank(letter: char) -> usize {
    "ESMARTOX".find(letter).unwrap_or(usize::MAX)
}

/// Finds a rule by code (any case) or by name.
pub fn find(code_or_name: &str) -> Option<&'static RuleMeta> {
    let key = code_or_name.trim();
    all()
        .into_iter()
        .find(|m| m.code.eq_ignore_ascii_case(key) || m.name == key)
}

/// The closest code or name to an unknown rule, for a did-you-mean.
pub fn suggest(code_or_name: &str) -> Option<&'static str> {
    let metas = all();
    crate::diagnostic::did_you_mean(code_or_name, metas.iter().flat_map(|m| [m.code, m.name]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_and_names_are_unique_and_well_formed() {
        let metas = all();
        let mut seen = HashSet::new();
        for m in &metas {
            assert!(seen.insert(m.code), "duplicate code {}", m.code);
            assert!(seen.insert(m.name), "duplicate name {}", m.name);
            assert!(
                m.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '-' || c.is_ascii_digit()),
                "{} is not kebab-case",
                m.name
            );
            assert!(!m.doc.trim().is_empty(), "{} has no documentation", m.code);
        }
    }

    #[test]
    fn find_by_code_or_name() {
        assert_eq!(find("e001").unwrap().name, "yaml-syntax");
        assert_eq!(find("duplicate-id").unwrap().code, "E003");
        assert_eq!(suggest("duplicat-id"), Some("duplicate-id"));
    }
}
