//! Options that rules read, filled in from `kpic.yaml` and the command line.
//!
//! Each rule declares its options ([`OptionMeta`] in its [`RuleMeta`]); this store holds one
//! value per declared option, keyed by the rule's code and the option's name, starting from
//! the declared defaults.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::date::Date;
use crate::meta::{OptionKind, OptionMeta, RuleMeta};
use crate::rules::vague_wording::{Matcher, vague_words};

/// The value of one rule option.
#[derive(Debug, Clone, PartialEq)]
pub enum OptionValue {
    /// An [`OptionKind::Count`].
    Count(usize),
    /// An [`OptionKind::Positive`].
    Number(f64),
    /// An [`OptionKind::Words`].
    Words(Vec<String>),
}

impl OptionValue {
    /// The declared default of an option.
    fn default_of(kind: &OptionKind) -> OptionValue {
        match *kind {
            OptionKind::Count { default, .. } => {
                OptionValue::Count(usize::try_from(default).unwrap_or(usize::MAX))
            }
            OptionKind::Positive { default } => OptionValue::Number(default),
            OptionKind::Words => OptionValue::Words(Vec::new()),
        }
    }
}

/// Thresholds, word lists and the date rules compare against.
#[derive(Debug, Clone)]
pub struct RuleOptions {
    /// The date `deadline-passed` compares with (`--today`, else today).
    pub today: Date,
    /// Every declared option's value, by rule code and option name.
    values: HashMap<(&'static str, &'static str), OptionValue>,
    /// The vague words in force, prepared for search on first use (set the word lists before).
    pub(crate) vague_matcher: OnceLock<Matcher>,
}

impl RuleOptions {
    /// Sets an option; a list of words is added to what is there (lists from several places
    /// add up).
    pub fn set(
        &mut self,
        rule: &'static RuleMeta,
        option: &'static OptionMeta,
        value: OptionValue,
    ) {
        let key = (rule.code, option.name);
        match (self.values.get_mut(&key), value) {
            (Some(OptionValue::Words(have)), OptionValue::Words(more)) => have.extend(more),
            (_, value) => {
                self.values.insert(key, value);
            }
        }
    }

    /// The value of an option, by rule code or name and option name (`None` when the rule has
    /// no such option).
    pub fn get(&self, rule: &str, option: &str) -> Option<&OptionValue> {
        let meta = crate::rules::find(rule)?;
        let option = meta.option(option)?;
        self.values.get(&(meta.code, option.name))
    }

    /// The value of a declared option, or its default.
    fn value(&self, rule: &RuleMeta, option: &OptionMeta) -> OptionValue {
        self.values
            .get(&(rule.code, option.name))
            .cloned()
            .unwrap_or_else(|| OptionValue::default_of(&option.kind))
    }

    /// An [`OptionKind::Count`] option.
    pub(crate) fn count(&self, rule: &RuleMeta, option: &OptionMeta) -> usize {
        match self.value(rule, option) {
            OptionValue::Count(n) => n,
            _ => 0,
        }
    }

    /// An [`OptionKind::Positive`] option.
    pub(crate) fn number(&self, rule: &RuleMeta, option: &OptionMeta) -> f64 {
        match self.value(rule, option) {
            OptionValue::Number(x) => x,
            _ => 0.0,
        }
    }

    /// An [`OptionKind::Words`] option.
    pub(crate) fn words(&self, rule: &RuleMeta, option: &OptionMeta) -> &[String] {
        match self.values.get(&(rule.code, option.name)) {
            Some(OptionValue::Words(w)) => w,
            _ => &[],
        }
    }

    /// The vague words in force, ready to search for.
    pub(crate) fn vague_matcher(&self) -> &Matcher {
        self.vague_matcher
            .get_or_init(|| Matcher::new(&vague_words(self)))
    }
}

impl Default for RuleOptions {
    fn default() -> Self {
        let values = crate::rules::all()
            .into_iter()
            .flat_map(|rule| {
                rule.options
                    .iter()
                    .map(|o| ((rule.code, o.name), OptionValue::default_of(&o.kind)))
            })
            .collect();
        RuleOptions {
            today: Date::today(),
            values,
            vague_matcher: OnceLock::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_declared_option_starts_at_its_default_and_words_add_up() {
        let mut o = RuleOptions::default();
        assert_eq!(o.get("A004", "max"), Some(&OptionValue::Count(7)));
        assert_eq!(
            o.get("unrealistic-stretch", "max-change"),
            Some(&OptionValue::Number(0.5))
        );
        assert_eq!(o.get("A004", "nope"), None);
        let rule = crate::rules::find("S002").unwrap();
        let extra = rule.option("extra").unwrap();
        o.set(rule, extra, OptionValue::Words(vec!["a".into()]));
        o.set(rule, extra, OptionValue::Words(vec!["b".into()]));
        assert_eq!(o.words(rule, extra), ["a", "b"]);
    }
}
