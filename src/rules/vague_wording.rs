//! S002 `vague-wording`: vague words in a KPI's `name` or `metric`. The built-in word list
//! lives here, in [`DEFAULT_VAGUE_WORDS`]; `kpic.yaml` adds words and allows built-in ones.

use std::borrow::Cow;

use aho_corasick::{AhoCorasick, AhoCorasickKind};

use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::rules::common::sub_span;
use crate::rules::{FileContext, OptionKind, OptionMeta, Rule, RuleMeta, RuleOptions};
use crate::target::has_cjk;
use crate::workspace::{Kpi, SpecFile};

declare_rule! {
    /// ## What it does
    /// Reports vague words in a KPI's `name` or `metric`: words that say a direction or an
    /// intention instead of what is counted. English words match whole words and their
    /// inflections (`improve`, `improved`, `improving`, `improvement`); Chinese words match
    /// anywhere. Fixed terms that name a precise measure are not reported: `及时率` (an on-time
    /// rate), `合理化建议` and `优化建议` (improvement suggestions, counted as such),
    /// `4 stars or better`.
    ///
    /// The built-in list: improve, optimise, optimize, enhance, better, boost, strengthen,
    /// maximise, maximize, minimise, minimize, as soon as possible, asap, appropriate,
    /// various, several, some, adequate, sufficient, reasonable, timely, significant;
    /// 提升, 提高, 加强, 优化, 尽快, 适当, 及时, 若干, 相关, 一些, 大幅, 尽量, 尽可能, 显著,
    /// 进一步, 较好, 良好, 合理, 积极, 努力, 增强. Add words and allow
    /// built-in ones in `kpic.yaml`: `vague-words: {extra: [synergy], allow: [timely]}`.
    ///
    /// ## Why it matters
    /// "Improve customer satisfaction" names a wish, not a measure. The direction and the size
    /// of the change belong in `target`; the name and the metric should say exactly what is
    /// counted, so that everyone measures the same thing.
    ///
    /// ## Example
    /// ```yaml
    /// kpis:
    ///   - id: conversion-rate
    ///     name: Improve conversion
    ///     metric: Optimise the share of visitors who buy
    ///   - id: customer-satisfaction
    ///     name: 提升客户满意度
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kpis:
    ///   - id: conversion-rate
    ///     name: Conversion rate
    ///     metric: Orders paid divided by unique visitors in the month
    ///     target: ">= 3 %"
    ///   - id: customer-satisfaction
    ///     name: 客户满意度
    ///     target: 90%以上
    /// ```
    pub static VAGUE_WORDING = {
        code: "S002",
        name: "vague-wording",
        level: Warning,
        summary: "vague words in a KPI's `name` or `metric`",
        options: [EXTRA, ALLOW],
    }
}

/// `extra`: words reported besides the built-in list (also `vague-words: {extra: [...]}`).
pub(crate) const EXTRA: OptionMeta = OptionMeta {
    name: "extra",
    kind: OptionKind::Words,
    doc: "Words to report in addition to the built-in list.",
    help: "write a list of words, e.g. `extra: [synergy]`",
};

/// `allow`: built-in words not reported (also `vague-words: {allow: [...]}`).
pub(crate) const ALLOW: OptionMeta = OptionMeta {
    name: "allow",
    kind: OptionKind::Words,
    doc: "Built-in words not to report.",
    help: "write a list of words, e.g. `allow: [timely]`",
};

/// The built-in vague words, English and Chinese (the one list; configuration extends it).
pub const DEFAULT_VAGUE_WORDS: &[&str] = &[
    "improve",
    "optimise",
    "optimize",
    "enhance",
    "better",
    "boost",
    "strengthen",
    "maximise",
    "maximize",
    "minimise",
    "minimize",
    "as soon as possible",
    "asap",
    "appropriate",
    "various",
    "several",
    "some",
    "adequate",
    "sufficient",
    "reasonable",
    "timely",
    "significant",
    "提升",
    "提高",
    "加强",
    "优化",
    "尽快",
    "适当",
    "及时",
    "若干",
    "相关",
    "一些",
    "大幅",
    "尽量",
    "尽可能",
    "显著",
    "进一步",
    "较好",
    "良好",
    "合理",
    "积极",
    "努力",
    "增强",
];

/// Fixed terms that contain a vague word but name a precise measure (`及时率`: on-time rate,
/// `合理化建议`, `优化建议`: improvement suggestions, a thing counted; `4 stars or better`).
const PRECISE_TERMS: &[&str] = &[
    "及时率",
    "相关性",
    "相关系数",
    "合理化",
    "优化建议",
    "or better",
];

/// Whether the vague word found at byte `at` is part of a precise term.
fn in_precise_term(lower: &str, at: usize, word: &str) -> bool {
    PRECISE_TERMS.iter().any(|term| {
        term.match_indices(word).any(|(offset, _)| {
            at >= offset
                && lower
                    .get(at - offset..)
                    .is_some_and(|r| r.starts_with(term))
        })
    })
}

/// Inflections an English vague word may carry (`improves`, `improved`, `improvement`).
const SUFFIXES: &[&str] = &[
    "", "s", "es", "d", "ed", "r", "ment", "ments", "ly", "ness", "ing", "ation", "ations",
];

/// The words in force: the built-in list without `allow`, plus `extra`.
pub fn vague_words(options: &RuleOptions) -> Vec<Cow<'_, str>> {
    let allowed = |w: &str| {
        options
            .words(&VAGUE_WORDING, &ALLOW)
            .iter()
            .any(|a| a.trim().to_lowercase() == w)
    };
    let mut words: Vec<Cow<'_, str>> = DEFAULT_VAGUE_WORDS
        .iter()
        .copied()
        .filter(|w| !allowed(w))
        .map(Cow::Borrowed)
        .collect();
    for w in options.words(&VAGUE_WORDING, &EXTRA) {
        let w = w.trim().to_lowercase();
        if !w.is_empty() && !words.iter().any(|x| *x == w) {
            words.push(Cow::Owned(w));
        }
    }
    words
}

/// The words in force, prepared once per run ([`RuleOptions`] keeps it): one Aho-Corasick
/// automaton finds every occurrence of every word (and of the stem of an English word ending
/// in `e`: `optimis` for `optimising`) in one pass over the text.
#[derive(Debug, Clone)]
pub(crate) struct Matcher {
    words: Vec<String>,
    /// The texts searched for: each word's own, then its stem; `(word index, text)`, in the
    /// order the words are checked.
    patterns: Vec<(usize, String)>,
    /// `None` only past the automaton's size limits, which words from a config file of at most
    /// 1 MiB cannot reach.
    automaton: Option<AhoCorasick>,
    /// Whether a pattern is empty (the stem of the word `e`), which the automaton leaves out.
    empty_pattern: bool,
}

impl Matcher {
    /// Prepares `words` (lowercase) for search.
    pub(crate) fn new<W: AsRef<str>>(words: &[W]) -> Self {
        let words: Vec<String> = words.iter().map(|w| w.as_ref().to_owned()).collect();
        let mut patterns = Vec::new();
        for (i, w) in words.iter().enumerate() {
            patterns.push((i, w.clone()));
            if let Some(stem) = english_stem(w) {
                patterns.push((i, stem.to_owned()));
            }
        }
        // A DFA: the fastest search, and the word list is small.
        let automaton = AhoCorasick::builder()
            .kind(Some(AhoCorasickKind::DFA))
            .build(patterns.iter().map(|(_, p)| p))
            .ok();
        let empty_pattern = patterns.iter().any(|(_, p)| p.is_empty());
        Matcher {
            words,
            patterns,
            automaton,
            empty_pattern,
        }
    }

    /// Every vague word in `text`: `(start byte, end byte, word)`, in text order.
    pub(crate) fn find(&self, text: &str) -> Vec<(usize, usize, String)> {
        // ASCII lowercasing keeps byte offsets.
        let lower = crate::target::ascii_lowercase(text);
        let lower = lower.as_ref();
        // The occurrences of each pattern as `str::match_indices` gives them: left to right,
        // not overlapping each other (a pattern's matches come in the order they end, which
        // for one pattern is the order they start).
        let mut hits: Vec<(usize, usize)> = Vec::new();
        // Where each pattern may next match; allocated at the first match (most texts have
        // none).
        let mut free_from: Vec<usize> = Vec::new();
        let matches = self.automaton.iter().flat_map(|a| a.find_overlapping_iter(lower));
        for m in matches {
            let p = m.pattern().as_usize();
            if free_from.is_empty() {
                free_from.resize(self.patterns.len(), 0);
            }
            if m.start() >= free_from[p] && m.start() < m.end() {
                hits.push((p, m.start()));
                free_from[p] = m.end();
            }
        }
        if hits.is_empty() && !self.empty_pattern {
            return Vec::new();
        }
        hits.sort_unstable();
        let at = |p: usize| -> Vec<usize> {
            if self.patterns[p].1.is_empty() {
                // An empty stem (of the word `e`) matches at every character boundary.
                return lower.match_indices("").map(|(i, _)| i).collect();
            }
            let from = hits.partition_point(|h| h.0 < p);
            hits[from..]
                .iter()
                .take_while(|h| h.0 == p)
                .map(|h| h.1)
                .collect()
        };
        let mut found = Vec::new();
        for (p, (w, stem)) in self.patterns.iter().enumerate() {
            let word = &self.words[*w];
            if word.is_ascii() {
                english_matches(lower, word, stem, &at(p), &mut found);
            } else {
                for start in at(p) {
                    if !in_precise_term(lower, start, word) {
                        found.push((start, start + word.len(), word.clone()));
                    }
                }
            }
        }
        found.sort();
        // Keep the longest of overlapping matches (`尽可能` over a shorter word inside it).
        let mut kept: Vec<(usize, usize, String)> = Vec::new();
        for m in found {
            match kept.last_mut() {
                Some(last) if m.0 < last.1 => {
                    if m.1 > last.1 {
                        *last = m;
                    }
                }
                _ => kept.push(m),
            }
        }
        kept
    }
}

/// The stem an English word is also searched by: the word without its final `e`
/// (`optimise` → `optimis`, for `optimising` and `optimisation`); none for a phrase.
fn english_stem(word: &str) -> Option<&str> {
    word.strip_suffix('e')
        .filter(|_| word.is_ascii() && !word.contains(' '))
}

/// Whole-word matches of an English word with its inflections, from the occurrences `starts`
/// of `stem` (the word itself, or [`english_stem`]) in `lower`.
fn english_matches(
    lower: &str,
    word: &str,
    stem: &str,
    starts: &[usize],
    found: &mut Vec<(usize, usize, String)>,
) {
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    for &at in starts {
        if lower[..at].chars().next_back().is_some_and(is_word) {
            continue;
        }
        let rest = &lower[at + stem.len()..];
        let tail_len = rest
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(rest.len());
        let tail = &rest[..tail_len];
        let ok = if stem.len() < word.len() {
            ["ing", "ation", "ations"].contains(&tail)
        } else {
            SUFFIXES.contains(&tail)
        };
        if ok && !found.iter().any(|f| f.0 == at) && !in_precise_term(lower, at, stem) {
            found.push((at, at + stem.len() + tail_len, word.to_owned()));
        }
    }
}

/// Checks KPI names and metrics for vague words.
pub struct VagueWording;

impl Rule for VagueWording {
    fn meta(&self) -> &'static RuleMeta {
        &VAGUE_WORDING
    }

    fn check_file(&self, cx: &FileContext<'_>, file: &SpecFile, out: &mut Vec<Diagnostic>) {
        if file.kpis.is_empty() {
            return;
        }
        let matcher = cx.options.vague_matcher();
        for kpi in &file.kpis {
            for (field, value) in [("name", &kpi.name), ("metric", &kpi.metric)] {
                let Some(value) = value else {
                    continue;
                };
                let found = matcher.find(&value.value);
                if let Some(&(start, end, _)) = found.first() {
                    let finding = Vague {
                        field,
                        span: sub_span(cx, value, start, end),
                        words: written_words(&value.value, &found),
                        rest: rest_of_name(field, &value.value, &found),
                        zh: has_cjk(&value.value),
                    };
                    out.push(diagnostic(file, kpi, &finding));
                }
            }
        }
    }
}

/// Vague words found in one field of a KPI.
struct Vague {
    /// `name` or `metric`.
    field: &'static str,
    /// The first vague word.
    span: crate::source::Span,
    /// Each word found, as written, once, in order.
    words: Vec<String>,
    /// A name that starts with its only vague word, without it (`提升库存周转率` → `库存周转率`).
    rest: Option<String>,
    /// Whether the field is written in Chinese.
    zh: bool,
}

/// The words `found` in `text`, as written, each once.
fn written_words(text: &str, found: &[(usize, usize, String)]) -> Vec<String> {
    let mut written: Vec<String> = Vec::new();
    for (s, e, _) in found {
        let w = text[*s..*e].to_owned();
        if !written.contains(&w) {
            written.push(w);
        }
    }
    written
}

/// A name that starts with its only vague word reads well without it (`提升库存周转率`).
fn rest_of_name(field: &str, text: &str, found: &[(usize, usize, String)]) -> Option<String> {
    match found {
        [(0, end, _)] if field == "name" => {
            let rest = text[*end..].trim_start();
            let mut chars = rest.chars();
            chars
                .next()
                .filter(|c| c.is_alphanumeric())
                .map(|first| first.to_uppercase().chain(chars).collect::<String>())
        }
        _ => None,
    }
}

/// The diagnostic of a finding; the example in the help keeps the KPI's own target when it
/// has one.
fn diagnostic(file: &SpecFile, kpi: &Kpi, f: &Vague) -> Diagnostic {
    let derived;
    let example = match (f.field, f.zh) {
        _ if f.rest.is_some() => {
            let name = f.rest.as_deref().unwrap_or_default();
            let own = kpi
                .target
                .as_ref()
                .and_then(|t| t.value.as_str())
                .map(str::trim)
                .filter(|t| crate::target::parse_text(t).is_ok());
            derived = match own {
                Some(own) if own.starts_with(['>', '<', '=']) => {
                    format!("`name: {name}`: `target: \"{own}\"` gives the direction")
                }
                Some(own) => format!("`name: {name}`: `target: {own}` gives the direction"),
                None if f.zh => format!("`name: {name}` with the direction in `target: 90%以上`"),
                None => format!("`name: {name}` with the direction in `target: \">= 3 %\"`"),
            };
            derived.as_str()
        }
        ("name", true) => "`name: 客户满意度` with `target: 90%以上`",
        ("name", false) => "`name: Conversion rate` with `target: \">= 3 %\"`",
        (_, true) => "`metric: 满意度调查中选择\"满意\"或\"非常满意\"的客户占比`",
        (_, false) => "`metric: orders paid divided by unique visitors in the month`",
    };
    let words: Vec<String> = f.words.iter().map(|w| format!("`{w}`")).collect();
    Diagnostic::new(
        &VAGUE_WORDING,
        file.file,
        f.span,
        format!(
            "the {} of KPI `{}` uses vague wording: {}",
            f.field,
            kpi.id.value,
            words.join(", ")
        ),
    )
    .with_help(format!(
        "say exactly what is counted and leave the direction to `target`, e.g. {example}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::OptionValue;

    /// The options with `extra` and `allow` words.
    fn with_words(extra: &[&str], allow: &[&str]) -> RuleOptions {
        let mut options = RuleOptions::default();
        let words = |w: &[&str]| OptionValue::Words(w.iter().map(|s| s.to_string()).collect());
        options.set(&VAGUE_WORDING, &EXTRA, words(extra));
        options.set(&VAGUE_WORDING, &ALLOW, words(allow));
        options
    }

    proptest::proptest! {
        /// The automaton finds what searching the text for every word in turn finds, in text
        /// made of pieces of the words.
        #[test]
        fn the_automaton_finds_what_a_search_for_each_word_finds(
            pieces in proptest::collection::vec(
                proptest::sample::select(vec![
                    "improv", "e", "ed", "ing", "Optimis", "ation", "better", "or ", "as soon",
                    " as possible", "ASAP", "some", "time", "ly", "_", "4", " ", "-", "提", "升",
                    "及时", "率", "合理", "化", "尽可", "能", "一些", "中", "x", "bé", "é", "timely",
                ]),
                0..12,
            ),
            extra in proptest::sample::select(vec!["", "x", "é", "be", "4k", "中", "synergy"]),
        ) {
            let text: String = pieces.concat();
            let options = with_words(&[extra], &[]);
            let words = vague_words(&options);
            let matcher = Matcher::new(&words);
            proptest::prop_assert_eq!(matcher.find(&text), plain_search(&words, &text));
        }
    }

    /// The matches of `words` in `text` found by searching for each word in turn
    /// (`str::match_indices`), the reference the automaton is tested against.
    fn plain_search<W: AsRef<str>>(words: &[W], text: &str) -> Vec<(usize, usize, String)> {
        let lower = crate::target::ascii_lowercase(text);
        let lower = lower.as_ref();
        let mut found = Vec::new();
        for word in words.iter().map(AsRef::as_ref) {
            let stems: Vec<&str> = std::iter::once(word).chain(english_stem(word)).collect();
            for stem in stems {
                let starts: Vec<usize> = lower.match_indices(stem).map(|(i, _)| i).collect();
                if word.is_ascii() {
                    english_matches(lower, word, stem, &starts, &mut found);
                } else {
                    for at in starts {
                        if !in_precise_term(lower, at, word) {
                            found.push((at, at + word.len(), word.to_owned()));
                        }
                    }
                }
            }
        }
        found.sort();
        let mut kept: Vec<(usize, usize, String)> = Vec::new();
        for m in found {
            match kept.last_mut() {
                Some(last) if m.0 < last.1 => {
                    if m.1 > last.1 {
                        *last = m;
                    }
                }
                _ => kept.push(m),
            }
        }
        kept
    }

    fn words(text: &str) -> Vec<String> {
        RuleOptions::default()
            .vague_matcher()
            .find(text)
            .into_iter()
            .map(|(s, e, _)| text[s..e].to_owned())
            .collect()
    }

    #[test]
    fn english_words_match_whole_words_and_inflections() {
        assert_eq!(words("Improve conversion"), ["Improve"]);
        assert_eq!(
            words("improved, improving, improvement"),
            ["improved", "improving", "improvement"]
        );
        assert_eq!(words("optimisation of stock"), ["optimisation"]);
        assert_eq!(words("reply as soon as possible"), ["as soon as possible"]);
        assert_eq!(words("Appropriately sized"), ["Appropriately"]);
        assert!(words("Ticket reopen rate").is_empty());
        assert!(words("sometimes handsome somebody").is_empty());
        assert!(words("Goods returned").is_empty());
        assert!(words("Help center search success rate").is_empty());
    }

    #[test]
    fn chinese_words_match_inside_text_except_precise_terms() {
        assert_eq!(words("提升客户满意度"), ["提升"]);
        assert_eq!(words("尽可能及时回复相关咨询"), ["尽可能", "及时", "相关"]);
        assert!(words("订单发货及时率").is_empty());
        assert!(words("当月提交的合理化建议条数").is_empty());
        assert!(words("优化建议被采纳的条数").is_empty());
        assert_eq!(words("优化页面并提交优化建议"), ["优化"]);
        assert!(words("Reviews rated 4 stars or better").is_empty());
        assert_eq!(words("better reviews"), ["better"]);
        assert!(words("当月完成并提交的市场调研报告份数").is_empty());
    }

    #[test]
    fn configuration_extends_and_allows_words() {
        let options = with_words(&["Robust", "稳步"], &["Improve", "相关"]);
        let found = |t: &str| options.vague_matcher().find(t).len();
        assert_eq!(found("improve a robust process"), 1);
        assert_eq!(found("稳步推进相关工作"), 1);
    }

    #[test]
    fn the_documentation_lists_every_built_in_word() {
        let doc = VAGUE_WORDING.doc_text().replace(['\n', '/'], " ");
        for w in DEFAULT_VAGUE_WORDS {
            assert!(
                [',', '.', ';']
                    .iter()
                    .any(|end| doc.contains(&format!(" {w}{end}"))),
                "`{w}` is not in the documentation"
            );
        }
    }

    #[test]
    fn any_text_and_any_extra_word_is_safe() {
        let options = with_words(&["时率", "关性", "x", " "], &[]);
        for text in [
            "a时率",
            "ab及时率",
            "é关性",
            "",
            "x",
            "ÿx",
            "及时率时率",
            "imprové",
        ] {
            for (s, e, _) in options.vague_matcher().find(text) {
                assert!(text.get(s..e).is_some(), "{text}: {s}..{e}");
            }
        }
    }
}
