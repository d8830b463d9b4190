//! The target grammar: `OP NUMBER [UNIT]` (`>= 2 reports`), the mapping form
//! `{op, value, unit}`, and Chinese phrasings (`不少于2份`, `24小时内`, `90%以上`), all parsed
//! to one [`Target`] with a direction.
//!
//! The types and function signatures here are the contract used by rules, `build` and
//! `score`: keep them stable.

use std::borrow::Cow;
use std::fmt;

use serde::Serialize;

use crate::workspace::Text;
use crate::workspace::yaml::{Node, Value};

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Op {
    /// `>=`, `≥`, 不少于, 至少, 以上
    #[serde(rename = ">=")]
    Ge,
    /// `<=`, `≤`, 不超过, 以内, 内, 以下
    #[serde(rename = "<=")]
    Le,
    /// `>`, 高于, 超过
    #[serde(rename = ">")]
    Gt,
    /// `<`, 低于, 少于
    #[serde(rename = "<")]
    Lt,
    /// `=`, `==`
    #[serde(rename = "=")]
    Eq,
}

/// Which way is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    /// More is better (`>=`, `>`).
    HigherIsBetter,
    /// Less is better (`<=`, `<`).
    LowerIsBetter,
    /// Exactly the value (`=`).
    Exact,
}

impl Op {
    /// The ASCII symbol.
    pub fn symbol(self) -> &'static str {
        match self {
            Op::Ge => ">=",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Lt => "<",
            Op::Eq => "=",
        }
    }

    /// The direction the comparator sets.
    pub fn direction(self) -> Direction {
        match self {
            Op::Ge | Op::Gt => Direction::HigherIsBetter,
            Op::Le | Op::Lt => Direction::LowerIsBetter,
            Op::Eq => Direction::Exact,
        }
    }

    /// Whether `actual OP value` holds.
    pub fn holds(self, actual: f64, value: f64) -> bool {
        match self {
            Op::Ge => actual >= value,
            Op::Le => actual <= value,
            Op::Gt => actual > value,
            Op::Lt => actual < value,
            Op::Eq => actual == value,
        }
    }
}

/// A measurable target: a comparison against a number, with an optional unit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Target {
    /// The comparison.
    pub op: Op,
    /// The number compared with (finite).
    pub value: f64,
    /// The normalised unit (`%`, `h`, `d`, `min`, `w`, `份`, `reports` …), if any.
    pub unit: Option<Text>,
}

impl Target {
    /// The direction the comparator sets.
    pub fn direction(&self) -> Direction {
        self.op.direction()
    }

    /// Whether an actual value meets the target.
    pub fn is_met_by(&self, actual: f64) -> bool {
        self.op.holds(actual, self.value)
    }
}

impl fmt::Display for Target {
    /// `>= 2 份`, `< 2 %`, `<= 24 h`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.op.symbol(), format_number(self.value))?;
        if let Some(u) = &self.unit {
            write!(f, " {u}")?;
        }
        Ok(())
    }
}

/// `2`, `2.5`, `0.125`: no trailing zeros, no exponent for ordinary sizes.
pub fn format_number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        let s = format!("{v}");
        s
    }
}

/// Why a target is not measurable.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetError {
    /// What is wrong, lowercase (`"提升客户满意度" is not a comparison against a number`).
    pub message: String,
    /// A measurable form to write instead.
    pub help: String,
}

/// What kind of quantity a unit measures; decides the natural floor of a target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum UnitKind {
    /// `%`: a share or a rate.
    Percent,
    /// `h`, `d`, `min`, `w`, `s`: an amount of time.
    Duration,
    /// A count of things: `份`, `次`, `reports`, `tickets`.
    Count,
    /// Anything else (money, points, ratios), which may be negative.
    Other,
}

impl UnitKind {
    /// The kind of a normalised unit.
    pub fn of(unit: &str) -> UnitKind {
        const COUNTERS: &[&str] = &[
            "份", "次", "个", "件", "篇", "场", "场次", "人", "人次", "名", "位", "单", "条", "项",
            "家", "款", "本", "期", "台", "套", "张", "页", "封", "起", "例", "笔", "批", "轮",
        ];
        const NOT_COUNTS: &[&str] = &[
            "points", "pts", "pps", "bps", "dollars", "euros", "pounds", "yuan", "usd", "eur",
            "cny", "rmb", "gbp", "degrees",
        ];
        match unit {
            "%" => UnitKind::Percent,
            "h" | "d" | "min" | "w" | "s" | "工作日" | "business days" | "working days" => {
                UnitKind::Duration
            }
            u if COUNTERS.contains(&u) => UnitKind::Count,
            u => {
                let first = u
                    .split_whitespace()
                    .next()
                    .unwrap_or("")
                    .to_ascii_lowercase();
                let plural_noun = first.len() > 2
                    && first.ends_with('s')
                    && first.chars().all(|c| c.is_ascii_alphabetic() || c == '-');
                if plural_noun && !NOT_COUNTS.contains(&first.as_str()) {
                    UnitKind::Count
                } else {
                    UnitKind::Other
                }
            }
        }
    }
}

impl Target {
    /// The kind of quantity the unit measures, if there is a unit.
    pub fn unit_kind(&self) -> Option<UnitKind> {
        self.unit.as_deref().map(UnitKind::of)
    }
}

/// Parses a target as written in a spec: a string, or a mapping `{op, value, unit}`.
/// A bare number is not a target (no comparison).
pub fn parse_node(node: &Node) -> Result<Target, TargetError> {
    match &node.value {
        Value::Str(s) => parse_text(s),
        Value::Map(_) => parse_mapping(node).ok_or_else(|| NotATarget::BadMapping.worded()),
        Value::Int(_) | Value::Float(_) => {
            Err(NotATarget::BareNumber(node.as_f64().unwrap_or(2.0)).worded())
        }
        _ => Err(NotATarget::OtherType(node.type_name()).worded()),
    }
}

fn parse_mapping(node: &Node) -> Option<Target> {
    let op = node.get("op").and_then(Node::as_str).and_then(parse_op);
    let value = node
        .get("value")
        .and_then(Node::as_f64)
        .filter(|v| v.is_finite());
    let unit = node
        .get("unit")
        .and_then(Node::as_str)
        .map(|u| normalise_unit(u.trim()))
        .filter(|u| !u.is_empty());
    Some(Target {
        op: op?,
        value: value?,
        unit,
    })
}

fn parse_op(s: &str) -> Option<Op> {
    Some(match s.trim() {
        ">=" | "≥" | "=>" | "≧" => Op::Ge,
        "<=" | "≤" | "=<" | "≦" => Op::Le,
        ">" => Op::Gt,
        "<" => Op::Lt,
        "=" | "==" => Op::Eq,
        _ => return None,
    })
}

/// Normalises a unit: duration words to `h`, `d`, `min`, `w`, `s`; percent words to `%`; other
/// units kept as written.
pub fn normalise_unit(u: &str) -> Text {
    let lower = ascii_lowercase(u);
    match lower.as_ref() {
        "小时" | "个小时" | "h" | "hour" | "hours" | "hr" | "hrs" => "h".into(),
        "天" | "日" | "d" | "day" | "days" => "d".into(),
        "分钟" | "min" | "minute" | "minutes" | "mins" => "min".into(),
        "周" | "星期" | "个星期" | "w" | "week" | "weeks" | "wk" | "wks" => "w".into(),
        "秒" | "秒钟" | "s" | "sec" | "secs" | "second" | "seconds" => "s".into(),
        "%" | "percent" | "per cent" | "pct" | "％" => "%".into(),
        "个工作日" => "工作日".into(),
        _ => u.into(),
    }
}

/// Parses a target written as text: `OP NUMBER [UNIT]` (`>= 2 reports`, `<2%`, `≤ 24 h`), a
/// Chinese phrasing (`不少于2份`, `至少3次`, `低于2%`, `24小时内`, `90%以上`, `达到150%以上`,
/// `10%以下`) or an English one (`at least 2 reports`, `within 24 hours`, `below 2%`).
///
/// `以上`, `以下` and `以内` include the number, as in Chinese usage (`90%以上` is `>= 90 %`).
pub fn parse_text(s: &str) -> Result<Target, TargetError> {
    parse_text_or_why(s).map_err(NotATarget::worded)
}

/// [`parse_text`], with what was found instead of a target.
fn parse_text_or_why(s: &str) -> Result<Target, NotATarget> {
    // `95%（含）以上`: "inclusive" says what `以上` and `以内` already say.
    let mut text = fold_width(s);
    if text.contains("含") {
        text = text.replace("（含）", "").replace("(含)", "").into();
    }
    let t = undecorated(&text);
    if t.is_empty() {
        return Err(NotATarget::Empty);
    }
    if let Some(target) = symbolic(t).or_else(|| phrase(t)) {
        return Ok(target);
    }
    if let Some(digits) = with_digits(t).filter(|d| symbolic(d).or_else(|| phrase(d)).is_some()) {
        return Err(NotATarget::ChineseNumerals {
            text: t.to_owned(),
            digits,
        });
    }
    if let Some(comparison) = after_a_label(t) {
        return Err(NotATarget::LabelFirst {
            text: t.to_owned(),
            comparison: comparison.to_owned(),
        });
    }
    Err(NotATarget::Unmeasurable(t.to_owned()))
}

/// The text with Chinese numerals (`三`, `两`, `十五`, `二十`, `一百`, `两千零五`) in digits,
/// if it has any.
pub(crate) fn with_digits(t: &str) -> Option<String> {
    let numeral = |c: char| chinese_digit(c).is_some() || chinese_unit(c).is_some();
    let mut out = String::new();
    let mut changed = false;
    let mut chars = t.chars().peekable();
    while let Some(c) = chars.next() {
        if !numeral(c) {
            out.push(c);
            continue;
        }
        let mut run = vec![c];
        while let Some(&n) = chars.peek() {
            if numeral(n) {
                run.push(n);
                chars.next();
            } else {
                break;
            }
        }
        out.push_str(&chinese_number(&run)?.to_string());
        changed = true;
    }
    changed.then_some(out)
}

/// The value of a Chinese digit (`零` to `九`, `两`).
fn chinese_digit(c: char) -> Option<u32> {
    "零一二三四五六七八九"
        .chars()
        .position(|d| d == c)
        .map(|i| i as u32)
        .or((c == '两').then_some(2))
}

/// The value of a Chinese unit (`十`, `百`, `千`).
fn chinese_unit(c: char) -> Option<u32> {
    match c {
        '十' => Some(10),
        '百' => Some(100),
        '千' => Some(1000),
        _ => None,
    }
}

/// The number a run of Chinese numerals writes, below 10,000: `十五` 15, `二十` 20, `一百`
/// 100, `两千零五` 2005 (`零` holds an empty place); `None` for a run that is not a number.
fn chinese_number(run: &[char]) -> Option<u32> {
    let (mut total, mut digit, mut last_unit) = (0u32, None::<u32>, u32::MAX);
    for &c in run {
        if let Some(unit) = chinese_unit(c) {
            // Units go down (`千` before `百` before `十`); `十五` has no digit before `十`.
            if unit >= last_unit {
                return None;
            }
            total += digit.take().unwrap_or(1) * unit;
            last_unit = unit;
        } else if c == '零' && digit.is_none() && total > 0 {
            continue;
        } else if digit.is_none() {
            digit = chinese_digit(c);
        } else {
            return None;
        }
    }
    Some(total + digit.unwrap_or(0))
}

/// The comparison in a short target that names its measure first (`客户满意度不低于90%`,
/// `NPS >= 40`): the first tail after text without digits that parses.
fn after_a_label(t: &str) -> Option<&str> {
    if t.chars().count() > 64 {
        return None;
    }
    t.char_indices()
        .skip(1)
        .take_while(|(_, c)| !c.is_ascii_digit())
        .map(|(i, _)| t[i..].trim_start())
        .find(|rest| symbolic(rest).or_else(|| phrase(rest)).is_some())
}

/// The target without what a writer may put around it: paired quotes (`“不少于2份”`,
/// `「90%以上」`) and a closing full stop, comma or semicolon (`≥95%。`).
fn undecorated(text: &str) -> &str {
    const QUOTES: &[(char, char)] = &[
        ('“', '”'),
        ('‘', '’'),
        ('「', '」'),
        ('『', '』'),
        ('"', '"'),
        ('\'', '\''),
    ];
    fn trim(t: &str) -> &str {
        t.trim()
            .trim_end_matches(['。', '.', '，', ',', '；', ';', '、'])
            .trim_end()
    }
    let mut t = trim(text);
    for (open, close) in QUOTES {
        if let Some(inner) = t.strip_prefix(*open).and_then(|r| r.strip_suffix(*close)) {
            t = trim(inner);
            break;
        }
    }
    t
}

/// `OP NUMBER [UNIT]`.
fn symbolic(t: &str) -> Option<Target> {
    const OPS: &[&str] = &[
        ">=", "<=", "==", "=>", "=<", "≥", "≤", "≧", "≦", ">", "<", "=",
    ];
    let sym = OPS.iter().find(|sym| t.starts_with(**sym))?;
    let (value, rest) = number(t[sym.len()..].trim_start())?;
    let unit = unit(rest.trim())?;
    Some(Target {
        op: parse_op(sym)?,
        value,
        unit,
    })
}

/// A prefix word and the comparison it sets; `None` for words that only say "reach" and need
/// a suffix (`保持在90%以上`).
const PREFIXES: &[(&str, Option<Op>, bool)] = &[
    // (word, op, whether a suffix may override it)
    ("大于或等于", Some(Op::Ge), false),
    ("小于或等于", Some(Op::Le), false),
    ("大于等于", Some(Op::Ge), false),
    ("小于等于", Some(Op::Le), false),
    ("不少于", Some(Op::Ge), false),
    ("不低于", Some(Op::Ge), false),
    ("不小于", Some(Op::Ge), false),
    ("不超过", Some(Op::Le), false),
    ("不高于", Some(Op::Le), false),
    ("不大于", Some(Op::Le), false),
    ("不多于", Some(Op::Le), false),
    ("控制在", Some(Op::Le), true),
    ("保持在", None, true),
    ("维持在", None, true),
    ("至少", Some(Op::Ge), false),
    ("最少", Some(Op::Ge), false),
    ("至多", Some(Op::Le), false),
    ("最多", Some(Op::Le), false),
    ("高于", Some(Op::Gt), false),
    ("大于", Some(Op::Gt), false),
    ("超过", Some(Op::Gt), false),
    ("多于", Some(Op::Gt), false),
    ("低于", Some(Op::Lt), false),
    ("少于", Some(Op::Lt), false),
    ("小于", Some(Op::Lt), false),
    ("等于", Some(Op::Eq), false),
    ("达到", Some(Op::Ge), true),
    ("在", None, true),
    ("no less than", Some(Op::Ge), false),
    ("not less than", Some(Op::Ge), false),
    ("no fewer than", Some(Op::Ge), false),
    ("at least", Some(Op::Ge), false),
    ("no more than", Some(Op::Le), false),
    ("not more than", Some(Op::Le), false),
    ("at most", Some(Op::Le), false),
    ("up to", Some(Op::Le), false),
    ("within", Some(Op::Le), false),
    ("more than", Some(Op::Gt), false),
    ("greater than", Some(Op::Gt), false),
    ("above", Some(Op::Gt), false),
    ("over", Some(Op::Gt), false),
    ("less than", Some(Op::Lt), false),
    ("fewer than", Some(Op::Lt), false),
    ("below", Some(Op::Lt), false),
    ("under", Some(Op::Lt), false),
    ("exactly", Some(Op::Eq), false),
];

/// Suffix words (after the unit) and the comparison they set, longest first.
const SUFFIXES: &[(&str, Op)] = &[
    ("及以上", Op::Ge),
    ("或以上", Op::Ge),
    ("及以下", Op::Le),
    ("或以下", Op::Le),
    ("以上", Op::Ge),
    ("以下", Op::Le),
    ("以内", Op::Le),
    ("之内", Op::Le),
    ("内", Op::Le),
    ("or more", Op::Ge),
    ("+", Op::Ge),
    ("or higher", Op::Ge),
    ("or above", Op::Ge),
    ("or less", Op::Le),
    ("or fewer", Op::Le),
    ("or lower", Op::Le),
    ("or below", Op::Le),
];

/// Words naming the period, allowed before a Chinese phrasing (`每月不少于2份`): the period
/// itself belongs in `period`.
const PERIOD_WORDS: &[&str] = &[
    "每半年",
    "每季度",
    "每个月",
    "每月",
    "每周",
    "每天",
    "每日",
    "每年",
    "每季",
];

/// A Chinese or English phrasing: `[PREFIX] NUMBER [UNIT] [SUFFIX]` with a prefix or a suffix.
fn phrase(t: &str) -> Option<Target> {
    let mut t = t;
    for p in PERIOD_WORDS {
        if let Some(rest) = t.strip_prefix(p) {
            t = rest.trim_start();
            break;
        }
    }
    let mut prefix: Option<(Option<Op>, bool)> = None;
    for (word, op, soft) in PREFIXES {
        if let Some(rest) = strip_prefix_word(t, word) {
            t = rest.trim_start();
            prefix = Some((*op, *soft));
            break;
        }
    }
    let (value, rest) = number(t)?;
    let mut rest = rest.trim();
    let mut suffix = None;
    for (word, op) in SUFFIXES {
        if let Some(r) = strip_suffix_word(rest, word) {
            rest = r.trim_end();
            suffix = Some(*op);
            break;
        }
    }
    let op = match (prefix, suffix) {
        (Some((Some(op), _)), None) => op,
        (Some((None, _)), None) | (None, None) => return None,
        (Some((Some(p), false)), Some(s)) if p != s => return None,
        (_, Some(s)) => s,
    };
    Some(Target {
        op,
        value,
        unit: unit(rest)?,
    })
}

/// Strips a prefix word: Chinese words directly, English words case-insensitively and only
/// before a space or a digit.
fn strip_prefix_word<'a>(t: &'a str, word: &str) -> Option<&'a str> {
    // Most words differ in their first two bytes: compared here, before a call to compare
    // the rest (a target is tried against some seventy words).
    let (tb, wb) = (t.as_bytes(), word.as_bytes());
    let n = wb.len().min(2);
    if tb.len() < wb.len() || !tb[..n].eq_ignore_ascii_case(&wb[..n]) {
        return None;
    }
    if word.is_ascii() {
        let head = t.get(..word.len())?;
        let rest = &t[word.len()..];
        let boundary = rest.starts_with(|c: char| c.is_whitespace() || c.is_ascii_digit());
        (head.eq_ignore_ascii_case(word) && boundary).then_some(rest)
    } else {
        t.strip_prefix(word)
    }
}

/// Strips a suffix word: Chinese words and `+` directly, English words case-insensitively and
/// only after a space, a digit or `%`.
fn strip_suffix_word<'a>(t: &'a str, word: &str) -> Option<&'a str> {
    // The last two bytes first, as in `strip_prefix_word`.
    let (tb, wb) = (t.as_bytes(), word.as_bytes());
    let n = wb.len().min(2);
    if tb.len() < wb.len() || !tb[tb.len() - n..].eq_ignore_ascii_case(&wb[wb.len() - n..]) {
        return None;
    }
    if word.starts_with(|c: char| c.is_ascii_alphabetic()) {
        let at = t.len().checked_sub(word.len())?;
        let tail = t.get(at..)?;
        let rest = &t[..at];
        let boundary =
            rest.ends_with(|c: char| c.is_whitespace() || c.is_ascii_digit() || c == '%');
        (tail.eq_ignore_ascii_case(word) && boundary).then_some(rest)
    } else {
        t.strip_suffix(word)
    }
}

/// A leading number (`2`, `-0.5`, `1,000`, `.5`) and the text after it.
fn number(t: &str) -> Option<(f64, &str)> {
    let bytes = t.as_bytes();
    let mut end = 0;
    if matches!(bytes.first(), Some(b'+' | b'-')) {
        end = 1;
    }
    let digits_start = end;
    while end < bytes.len()
        && (bytes[end].is_ascii_digit()
            || bytes[end] == b'.'
            || (bytes[end] == b','
                && end > digits_start
                && bytes
                    .get(end + 1..end + 4)
                    .is_some_and(|g| g.iter().all(u8::is_ascii_digit))
                && !bytes.get(end + 4).is_some_and(u8::is_ascii_digit)))
    {
        end += 1;
    }
    let written = &t[digits_start..end];
    if !written.bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    let value: f64 = if written.contains(',') {
        written.replace(',', "").parse().ok()?
    } else {
        written.parse().ok()?
    };
    let value = if t.starts_with('-') { -value } else { value };
    value.is_finite().then_some((value, &t[end..]))
}

/// The unit after a number: empty is no unit; text that holds another comparison, number
/// range or clause is not a unit.
fn unit(u: &str) -> Option<Option<Text>> {
    let u = u.trim();
    if u.is_empty() {
        return Some(None);
    }
    // Characters and words that belong to a comparison, a range or a clause, not to a unit.
    const NOT_IN_UNIT: &[char] = &[
        '<', '>', '=', '≥', '≤', ',', '，', ';', '；', '。', '、', '~', '～', '-', '–', '(', '（',
    ];
    const NOT_IN_UNIT_WORDS: &[&str] = &[
        "以上",
        "以下",
        "以内",
        "不少于",
        "不超过",
        "至少",
        "低于",
        "高于",
        "少于",
        "超过",
    ];
    // The words' first characters, to search for the words only when one occurs.
    const WORD_STARTS: &[char] = &['以', '不', '至', '低', '高', '少', '超'];
    debug_assert!(NOT_IN_UNIT_WORDS.iter().all(|w| w.starts_with(WORD_STARTS)));
    if u.chars().count() > 40
        || u.contains(NOT_IN_UNIT)
        || (u.contains(WORD_STARTS) && NOT_IN_UNIT_WORDS.iter().any(|w| u.contains(w)))
        || u.starts_with(|c: char| c.is_ascii_digit() || c == '.' || c == '以')
    {
        return None;
    }
    let lower = ascii_lowercase(u);
    let exponent = lower.strip_prefix('e').is_some_and(|r| {
        r.trim_start_matches(['+', '-'])
            .starts_with(|c: char| c.is_ascii_digit())
    });
    if exponent
        || lower
            .split_whitespace()
            .any(|w| ["and", "or", "to", "then"].contains(&w))
    {
        return None;
    }
    Some(Some(normalise_unit(u)))
}

/// `s` with ASCII letters in lowercase, copied only when it has an uppercase one.
pub(crate) fn ascii_lowercase(s: &str) -> Cow<'_, str> {
    if s.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(s.to_ascii_lowercase())
    } else {
        Cow::Borrowed(s)
    }
}

/// Folds full-width digits, signs and `％` to ASCII, so `不少于２份` reads like `不少于2份`.
/// The text with full-width digits and signs (`３０％`) as ASCII.
pub(crate) fn fold_width(s: &str) -> Cow<'_, str> {
    let wide = |c: char| {
        matches!(
            c,
            '０'..='９' | '％' | '＞' | '＜' | '＝' | '．' | '＋' | '－' | '\u{3000}'
        )
    };
    if !s.contains(wide) {
        return Cow::Borrowed(s);
    }
    s.chars()
        .map(|c| match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            '％' => '%',
            '＞' => '>',
            '＜' => '<',
            '＝' => '=',
            '．' => '.',
            '＋' => '+',
            '－' => '-',
            '\u{3000}' => ' ',
            _ => c,
        })
        .collect::<String>()
        .into()
}

/// Whether text is mostly written in Chinese (has a CJK ideograph).
pub fn has_cjk(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// What was found where a target should be: the parser's finding, worded by
/// [`NotATarget::worded`].
#[derive(Debug, Clone, PartialEq)]
enum NotATarget {
    /// A number without a comparison (`target: 2`).
    BareNumber(f64),
    /// A value of another type (a list, a boolean), by its type's name.
    OtherType(&'static str),
    /// A mapping without `op` or a numeric `value`.
    BadMapping,
    /// Empty text.
    Empty,
    /// A comparison with its number in Chinese numerals; `digits` is the text with digits.
    ChineseNumerals { text: String, digits: String },
    /// The measure's name before the comparison (`满意度≥90%`).
    LabelFirst { text: String, comparison: String },
    /// Text that is not a comparison against a number.
    Unmeasurable(String),
}

impl NotATarget {
    /// The message and help of the finding.
    fn worded(self) -> TargetError {
        let comparison = "write a comparison such as `\">= 2 reports\"` or `不少于2份`";
        let (message, help) = match self {
            NotATarget::BareNumber(n) => {
                let n = format_number(n);
                (
                    format!("`{n}` is a number without a comparison"),
                    format!(
                        "write a comparison with a unit, such as `\">= {n} reports\"`, `\"<= {n} h\"` or `不少于{n}份`"
                    ),
                )
            }
            NotATarget::OtherType(type_name) => (
                format!("the target is {type_name}, not a comparison against a number"),
                comparison.into(),
            ),
            NotATarget::BadMapping => (
                "the target mapping needs `op` (>=, <=, >, <, =) and a numeric `value`".into(),
                "write `{op: \">=\", value: 2, unit: reports}`".into(),
            ),
            NotATarget::Empty => ("the target is empty".into(), comparison.into()),
            NotATarget::ChineseNumerals { text, digits } => (
                format!("`{text}` writes its number in Chinese numerals"),
                format!("write the number in digits: `target: {digits}`"),
            ),
            NotATarget::LabelFirst { text, comparison } => (
                format!("`{text}` names the measure before the comparison"),
                format!(
                    "write only the comparison, `target: {}`, and say what is measured in `metric`",
                    if comparison.starts_with(['>', '<', '=', '≥', '≤']) {
                        format!("\"{comparison}\"")
                    } else {
                        comparison
                    }
                ),
            ),
            NotATarget::Unmeasurable(text) => (
                format!("`{text}` is not a comparison against a number"),
                format!(
                    "say which way and how much, e.g. {}",
                    measurable_example(&text)
                ),
            ),
        };
        TargetError { message, help }
    }
}

/// A measurable form to write instead of text that is not a comparison, fitting what the text
/// seems to be about.
fn measurable_example(t: &str) -> String {
    let zh = has_cjk(t);
    let lower = t.to_lowercase();
    let about = |words: &[&str]| words.iter().any(|w| lower.contains(w));
    if let Some((value, rest)) = number(t) {
        let n = format_number(value);
        let u = rest.trim();
        if zh {
            format!("`不少于{n}{u}` (>= {n}) or `不超过{n}{u}` (<= {n})")
        } else {
            let u = if u.is_empty() {
                String::new()
            } else {
                format!(" {u}")
            };
            format!("`\">= {n}{u}\"` or `\"<= {n}{u}\"`")
        }
    } else if let Some((value, unit)) = about(&[
        "同比", "环比", "增长", "增加", "下降", "降低", "减少", "growth", "grow", "increase",
        "decrease", "reduce", "improve",
    ])
    .then(|| {
        let at = t.find(|c: char| c.is_ascii_digit())?;
        let (value, rest) = number(&t[at..])?;
        let rest = rest.trim();
        let unit = if rest.starts_with('%') { "%" } else { "" };
        Some((value, unit))
    })
    .flatten()
    {
        let n = format_number(value);
        if zh {
            format!(
                "`{n}{unit}以上` (>= {n}), with what grows or falls in `metric` (`销售额同比增长率`)"
            )
        } else {
            format!(
                "`\">= {n}{unit}\"`, with what grows or falls in `metric` (`year-over-year revenue growth`)"
            )
        }
    } else if about(&[
        "尽快", "及时", "asap", "soon", "quick", "fast", "prompt", "时长", "响应", "response",
        "time",
    ]) {
        if zh {
            "`24小时内` (<= 24 h)".into()
        } else {
            "`\"<= 24 h\"`".into()
        }
    } else if about(&[
        "满意",
        "率",
        "占比",
        "比例",
        "rate",
        "ratio",
        "share",
        "satisf",
        "percent",
        "conversion",
        "%",
    ]) {
        if zh {
            "`90%以上` (>= 90 %) or `低于2%` (< 2 %)".into()
        } else {
            "`\">= 90 %\"` or `\"< 2 %\"`".into()
        }
    } else if zh {
        "`不少于2份` (>= 2 份) or `不超过5次` (<= 5 次)".into()
    } else {
        "`\">= 2 reports\"` or `\"<= 5 errors\"`".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        /// The two-byte prechecks of `strip_prefix_word` and `strip_suffix_word` only skip
        /// words that cannot match: each gives what the full comparison alone gives, for every
        /// word of the grammar, in text made of pieces of those words.
        #[test]
        fn prechecks_lose_no_word(
            pieces in proptest::collection::vec(
                proptest::sample::select(vec![
                    "不少于", "不", "少", "于", "以上", "以", "内", "AT ", "least", "at", "no", "more",
                    "than", "or ", "More", " ", "2", "%", "+", "份", "小时", "中", "é", "x",
                    "AT LEAST ", "No more than ", " OR MORE", "Within ",
                ]),
                0..8,
            ),
        ) {
            let t: String = pieces.concat();
            let prefix = |word: &str| -> Option<String> {
                if word.is_ascii() {
                    let head = t.get(..word.len())?;
                    let rest = &t[word.len()..];
                    let boundary =
                        rest.starts_with(|c: char| c.is_whitespace() || c.is_ascii_digit());
                    (head.eq_ignore_ascii_case(word) && boundary).then(|| rest.to_owned())
                } else {
                    t.strip_prefix(word).map(str::to_owned)
                }
            };
            let suffix = |word: &str| -> Option<String> {
                if word.starts_with(|c: char| c.is_ascii_alphabetic()) {
                    let at = t.len().checked_sub(word.len())?;
                    let tail = t.get(at..)?;
                    let rest = &t[..at];
                    let boundary = rest
                        .ends_with(|c: char| c.is_whitespace() || c.is_ascii_digit() || c == '%');
                    (tail.eq_ignore_ascii_case(word) && boundary).then(|| rest.to_owned())
                } else {
                    t.strip_suffix(word).map(str::to_owned)
                }
            };
            for (word, _, _) in PREFIXES {
                proptest::prop_assert_eq!(strip_prefix_word(&t, word).map(str::to_owned), prefix(word));
            }
            for (word, _) in SUFFIXES {
                proptest::prop_assert_eq!(strip_suffix_word(&t, word).map(str::to_owned), suffix(word));
            }
        }
    }

    fn ok(s: &str) -> String {
        match parse_text(s) {
            Ok(t) => t.to_string(),
            Err(e) => panic!("`{s}` did not parse: {}", e.message),
        }
    }

    fn rejected(s: &str) -> TargetError {
        match parse_text(s) {
            Ok(t) => panic!("`{s}` parsed as `{t}` but should be rejected"),
            Err(e) => e,
        }
    }

    #[test]
    fn ascii_comparisons() {
        assert_eq!(ok(">= 2 reports"), ">= 2 reports");
        assert_eq!(ok("<= 24 h"), "<= 24 h");
        assert_eq!(ok("< 2 %"), "< 2 %");
        assert_eq!(ok("<2%"), "< 2 %");
        assert_eq!(ok("> 0.5"), "> 0.5");
        assert_eq!(ok("= 0 incidents"), "= 0 incidents");
        assert_eq!(ok("== 100 %"), "= 100 %");
        assert_eq!(ok("≥ 30 articles"), ">= 30 articles");
        assert_eq!(ok("≤ 4 hours"), "<= 4 h");
        assert_eq!(ok("  >=  -5  %  "), ">= -5 %");
        assert_eq!(ok(">= 1,000 orders"), ">= 1000 orders");
        assert_eq!(ok(">= .5 d"), ">= 0.5 d");
        assert_eq!(ok(">= 2 reports per month"), ">= 2 reports per month");
    }

    #[test]
    fn full_width_characters_fold_to_ascii() {
        assert_eq!(ok("＞＝ ２ 份"), ">= 2 份");
        assert_eq!(ok("不少于２份"), ">= 2 份");
        assert_eq!(ok("低于２％"), "< 2 %");
    }

    #[test]
    fn chinese_phrasings_of_the_seed() {
        assert_eq!(ok("不少于2份"), ">= 2 份");
        assert_eq!(ok("至少3次"), ">= 3 次");
        assert_eq!(ok("低于2%"), "< 2 %");
        assert_eq!(ok("少于5%"), "< 5 %");
        assert_eq!(ok("不超过5次"), "<= 5 次");
        assert_eq!(ok("24小时内"), "<= 24 h");
        assert_eq!(ok("90%以上"), ">= 90 %");
        assert_eq!(ok("达到150%以上"), ">= 150 %");
        assert_eq!(ok("10%以下"), "<= 10 %");
    }

    #[test]
    fn more_chinese_phrasings() {
        assert_eq!(ok("不少于 2 份"), ">= 2 份");
        assert_eq!(ok("每月不少于2份"), ">= 2 份");
        assert_eq!(ok("3天以内"), "<= 3 d");
        assert_eq!(ok("30分钟内"), "<= 30 min");
        assert_eq!(ok("2周之内"), "<= 2 w");
        assert_eq!(ok("48个小时内"), "<= 48 h");
        assert_eq!(ok("2个工作日内"), "<= 2 工作日");
        assert_eq!(ok("控制在5%以内"), "<= 5 %");
        assert_eq!(ok("控制在3%"), "<= 3 %");
        assert_eq!(ok("保持在95%以上"), ">= 95 %");
        assert_eq!(ok("达到95%"), ">= 95 %");
        assert_eq!(ok("高于80%"), "> 80 %");
        assert_eq!(ok("超过10个"), "> 10 个");
        assert_eq!(ok("不低于4.5分"), ">= 4.5 分");
        assert_eq!(ok("等于0次"), "= 0 次");
        assert_eq!(ok("5次及以下"), "<= 5 次");
        assert_eq!(ok("3场或以上"), ">= 3 场");
        assert_eq!(ok("2份以上"), ">= 2 份");
    }

    #[test]
    fn english_phrasings() {
        assert_eq!(ok("at least 2 reports"), ">= 2 reports");
        assert_eq!(ok("At least 2 reports"), ">= 2 reports");
        assert_eq!(ok("within 24 hours"), "<= 24 h");
        assert_eq!(ok("below 2%"), "< 2 %");
        assert_eq!(ok("no more than 5 errors"), "<= 5 errors");
        assert_eq!(ok("more than 10 orders"), "> 10 orders");
        assert_eq!(ok("90% or more"), ">= 90 %");
        assert_eq!(ok("5 tickets or fewer"), "<= 5 tickets");
        assert_eq!(ok("under 3 minutes"), "< 3 min");
    }

    #[test]
    fn vague_or_directionless_text_is_rejected_with_a_measurable_form() {
        let e = rejected("提升客户满意度");
        assert_eq!(
            e.message,
            "`提升客户满意度` is not a comparison against a number"
        );
        assert!(e.help.contains("90%以上"), "{}", e.help);
        let e = rejected("improve conversion");
        assert!(e.help.contains(">= 90 %"), "{}", e.help);
        let e = rejected("尽快");
        assert!(e.help.contains("24小时内"), "{}", e.help);
        let e = rejected("as soon as possible");
        assert!(e.help.contains("<= 24 h"), "{}", e.help);
        let e = rejected("more reports");
        assert!(e.help.contains(">= 2 reports"), "{}", e.help);
        let e = rejected("2份");
        assert!(e.help.contains("不少于2份"), "{}", e.help);
        let e = rejected("90 %");
        assert!(e.help.contains(">= 90 %"), "{}", e.help);
        for s in [
            "",
            "   ",
            "提高",
            "尽快回复",
            "increase sales",
            "多",
            ">=",
            ">= many",
            ">= two reports",
            "2 reports",
            "不少于",
            "不少于两份",
            "不少于2份以下",
            "低于2%以上",
            "90%-95%",
            "between 2 and 5",
            ">= 2 and <= 5",
            ">= 2 <= 5",
            ">= 2, then 3",
            "2份以上,5份以下",
            "atleast 2 reports",
            "overall 5",
            "达到",
            ">= inf",
            ">= NaN %",
            ">= 1e999",
            "不少于2以",
        ] {
            rejected(s);
        }
    }

    #[test]
    fn directions() {
        assert_eq!(
            parse_text("不少于2份").unwrap().direction(),
            Direction::HigherIsBetter
        );
        assert_eq!(
            parse_text("24小时内").unwrap().direction(),
            Direction::LowerIsBetter
        );
        assert_eq!(
            parse_text("低于2%").unwrap().direction(),
            Direction::LowerIsBetter
        );
        assert_eq!(parse_text("= 0").unwrap().direction(), Direction::Exact);
        let t = parse_text("低于2%").unwrap();
        assert!(t.is_met_by(1.9) && !t.is_met_by(2.0));
        let t = parse_text("90%以上").unwrap();
        assert!(t.is_met_by(90.0) && !t.is_met_by(89.9));
    }

    fn node(yaml: &str) -> Node {
        crate::workspace::yaml::load(yaml, Default::default())
            .root
            .expect("a document")
    }

    #[test]
    fn nodes_strings_mappings_and_numbers() {
        let root = node(
            "a: \"不少于2份\"\nb: {op: \"<\", value: 8, unit: \"%\"}\nc: 2\nd: {op: \">=\"}\ne: [1]\nf: {op: \"≤\", value: 3, unit: 小时}\n",
        );
        let get = |k: &str| parse_node(root.get(k).unwrap());
        assert_eq!(get("a").unwrap().to_string(), ">= 2 份");
        assert_eq!(get("b").unwrap().to_string(), "< 8 %");
        assert_eq!(get("f").unwrap().to_string(), "<= 3 h");
        let e = get("c").unwrap_err();
        assert!(e.message.contains("without a comparison"), "{}", e.message);
        assert!(e.help.contains(">= 2 reports"), "{}", e.help);
        assert!(get("d").unwrap_err().message.contains("`op`"));
        assert!(get("e").is_err());
    }

    #[test]
    fn units_and_their_kinds() {
        assert_eq!(normalise_unit("小时"), "h");
        assert_eq!(normalise_unit("天"), "d");
        assert_eq!(normalise_unit("分钟"), "min");
        assert_eq!(normalise_unit("周"), "w");
        assert_eq!(normalise_unit("Hours"), "h");
        assert_eq!(normalise_unit("percent"), "%");
        assert_eq!(normalise_unit("份"), "份");
        assert_eq!(UnitKind::of("%"), UnitKind::Percent);
        assert_eq!(UnitKind::of("h"), UnitKind::Duration);
        assert_eq!(UnitKind::of("份"), UnitKind::Count);
        assert_eq!(UnitKind::of("reports"), UnitKind::Count);
        assert_eq!(UnitKind::of("tickets per agent"), UnitKind::Count);
        assert_eq!(UnitKind::of("points"), UnitKind::Other);
        assert_eq!(UnitKind::of("元"), UnitKind::Other);
        assert_eq!(UnitKind::of("USD"), UnitKind::Other);
    }

    /// Every combination of fragments either fails cleanly or parses to a finite target that
    /// reads back the same from its display form.
    #[test]
    fn combinations_never_panic_and_round_trip() {
        const PARTS: &[&str] = &[
            "",
            " ",
            ">=",
            "≤",
            "=",
            "不少于",
            "达到",
            "at least",
            "within",
            "2",
            "-0.5",
            "1,000",
            "１",
            "%",
            "％",
            "份",
            "小时",
            "reports",
            "以上",
            "内",
            "or more",
            "e9",
            "é",
            "\u{0}",
            ",",
            "-",
            "以",
        ];
        for a in PARTS {
            for b in PARTS {
                for c in PARTS {
                    for d in ["", "以下", " h"] {
                        let text = format!("{a}{b}{c}{d}");
                        if let Ok(t) = parse_text(&text) {
                            assert!(t.value.is_finite(), "{text}");
                            let again = parse_text(&t.to_string())
                                .unwrap_or_else(|e| panic!("{text} -> {t}: {}", e.message));
                            assert_eq!(again, t, "{text}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn quotes_and_closing_punctuation_are_not_part_of_the_target() {
        assert_eq!(ok("“不少于2份”"), ">= 2 份");
        assert_eq!(ok("「90%以上」"), ">= 90 %");
        assert_eq!(ok("≥95%，"), ">= 95 %");
        assert_eq!(ok("< 3 %。"), "< 3 %");
        assert_eq!(ok(">= 95%."), ">= 95 %");
        assert_eq!(ok("\">= 2 reports\""), ">= 2 reports");
        assert_eq!(ok("≥3次/周"), ">= 3 次/周");
    }

    #[test]
    fn chinese_numerals_get_digits_as_help() {
        assert_eq!(
            rejected("两天内").help,
            "write the number in digits: `target: 2天内`"
        );
        assert_eq!(
            rejected("三次以上").help,
            "write the number in digits: `target: 3次以上`"
        );
        assert_eq!(
            rejected("不少于十五份").help,
            "write the number in digits: `target: 不少于15份`"
        );
        assert_eq!(
            rejected("二十四小时内").help,
            "write the number in digits: `target: 24小时内`"
        );
        assert_eq!(
            rejected("十天内").help,
            "write the number in digits: `target: 10天内`"
        );
        assert!(!rejected("统一口径").help.contains("digits"));
    }

    #[test]
    fn a_trailing_plus_is_or_more() {
        assert_eq!(ok("95%+"), ">= 95 %");
        assert_eq!(ok("50+"), ">= 50");
        assert_eq!(ok("4.5 stars+"), ">= 4.5 stars");
        rejected("+");
    }

    #[test]
    fn inclusive_marks_are_read_as_written() {
        assert_eq!(ok("95%（含）以上"), ">= 95 %");
        assert_eq!(ok("5个工作日(含)以内"), "<= 5 工作日");
        assert_eq!(ok("≥95%（含）"), ">= 95 %");
    }

    #[test]
    fn full_width_punctuation_ends_a_unit() {
        for text in ["≥95%（暂定）", "不少于2份，每月", "不少于2份；每月"] {
            rejected(text);
        }
    }

    #[test]
    fn a_change_gets_a_help_that_moves_it_into_the_metric() {
        let e = rejected("同比增长10%");
        assert!(e.help.contains("`10%以上`"), "{}", e.help);
        assert!(e.help.contains("`metric`"), "{}", e.help);
        let e = rejected("increase revenue by 5%");
        assert!(e.help.contains("`\">= 5%\"`"), "{}", e.help);
    }

    #[test]
    fn a_label_before_the_comparison_gets_the_comparison_as_help() {
        let e = rejected("客户满意度不低于90%");
        assert_eq!(
            e.help,
            "write only the comparison, `target: 不低于90%`, and say what is measured in `metric`"
        );
        let e = rejected("NPS >= 40");
        assert_eq!(
            e.help,
            "write only the comparison, `target: \">= 40\"`, and say what is measured in `metric`"
        );
        assert!(rejected("满意度≥90%").help.contains("`target: \"≥90%\"`"));
        // Text after a number is no label; long text is not searched.
        assert!(!rejected("100%完成").help.contains("write only"));
        assert!(
            !rejected(&format!("{}≥90%", "很".repeat(100)))
                .help
                .contains("write only")
        );
    }

    #[test]
    fn format_numbers() {
        assert_eq!(format_number(2.0), "2");
        assert_eq!(format_number(2.5), "2.5");
        assert_eq!(format_number(-0.125), "-0.125");
        assert_eq!(parse_text(">= 1.50 %").unwrap().to_string(), ">= 1.5 %");
    }
}
