//! Options that rules read, filled in from `kpic.yaml` and the command line.

use crate::date::Date;

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
}

impl Default for RuleOptions {
    fn default() -> Self {
        RuleOptions {
            today: Date::today(),
            owner_max_kpis: 7,
            max_change: 0.5,
            vague_extra: Vec::new(),
            vague_allow: Vec::new(),
        }
    }
}
