//! Options that rules read, filled in from `kpic.yaml` and the command line.

use std::sync::OnceLock;

use crate::date::Date;
use crate::rules::vague_wording::{Matcher, vague_words};

/// Thresholds, word lists and the date rules compare against.
#[derive(Debug, Clone)]
pub struct RuleOptions {
    /// The date `deadline-passed` compares with (`--today`, else today).
    pub today: Date,
    /// `owner-overloaded`: most KPIs one owner may be accountable for.
    pub owner_max_kpis: usize,
    /// `unrealistic-stretch`: largest relative change from baseline (0.5 = 50%).
    pub max_change: f64,
    /// `vague-wording`: words added to the built-in list.
    pub vague_extra: Vec<String>,
    /// `vague-wording`: built-in words not to report.
    pub vague_allow: Vec<String>,
    /// The words in force, prepared for search on first use (set the two lists before).
    pub(crate) vague_matcher: OnceLock<Matcher>,
}

impl RuleOptions {
    /// The vague words in force, ready to search for.
    pub(crate) fn vague_matcher(&self) -> &Matcher {
        self.vague_matcher
            .get_or_init(|| Matcher::new(&vague_words(self)))
    }
}

impl Default for RuleOptions {
    fn default() -> Self {
        RuleOptions {
            today: Date::today(),
            owner_max_kpis: 7,
            max_change: 0.5,
            vague_extra: Vec::new(),
            vague_allow: Vec::new(),
            vague_matcher: OnceLock::new(),
        }
    }
}
