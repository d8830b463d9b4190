//! The target grammar: `OP NUMBER [UNIT]` (`>= 2 reports`), the mapping form
//! `{op, value, unit}`, and Chinese phrasings (`不少于2份`, `24小时内`, `90%以上`), all parsed
//! to one [`Target`] with a direction.
//!
//! INTERFACE NOTE (for parallel work): the types and function signatures in this file are
//! the contract used by rules, `build` and `score`. The grammar itself is being completed
//! by the rules work (issue 3); keep the signatures stable.

use std::fmt;

use serde::Serialize;

use crate::workspace::yaml::{Node, Value};

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Op {
    /// `>=`, `≥`, 不少于, 至少, 以上
    #[serde(rename = ">=")]
    Ge,
    /// `<=`, `≤`, 不超过, 以内, 内
    #[serde(rename = "<=")]
    Le,
    /// `>`, 高于, 超过
    #[serde(rename = ">")]
    Gt,
    /// `<`, 低于, 少于, 以下
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
    pub unit: Option<String>,
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

/// Parses a target as written in a spec: a string, or a mapping `{op, value, unit}`.
/// A bare number is not a target (no comparison).
pub fn parse_node(node: &Node) -> Result<Target, TargetError> {
    match &node.value {
        Value::Str(s) => parse_text(s),
        Value::Map(_) => parse_mapping(node),
        _ => Err(TargetError {
            message: format!("the target is {}, not a comparison against a number", node.type_name()),
            help: "write a comparison such as `>= 2 reports` or `不少于2份`".into(),
        }),
    }
}

fn parse_mapping(node: &Node) -> Result<Target, TargetError> {
    let op = node.get("op").and_then(Node::as_str).and_then(parse_op);
    let value = node.get("value").and_then(Node::as_f64).filter(|v| v.is_finite());
    let unit = node
        .get("unit")
        .and_then(Node::as_str)
        .map(|u| normalise_unit(u.trim()))
        .filter(|u| !u.is_empty());
    match (op, value) {
        (Some(op), Some(value)) => Ok(Target { op, value, unit }),
        _ => Err(TargetError {
            message: "the target mapping needs `op` (>=, <=, >, <, =) and a numeric `value`".into(),
            help: "write `{op: \">=\", value: 2, unit: reports}`".into(),
        }),
    }
}

fn parse_op(s: &str) -> Option<Op> {
    Some(match s.trim() {
        ">=" | "≥" => Op::Ge,
        "<=" | "≤" => Op::Le,
        ">" => Op::Gt,
        "<" => Op::Lt,
        "=" | "==" => Op::Eq,
        _ => return None,
    })
}

/// Normalises a unit: duration words to `h`, `d`, `min`, `w`; other units kept as written.
pub fn normalise_unit(u: &str) -> String {
    match u {
        "小时" | "个小时" | "hour" | "hours" | "hr" | "hrs" => "h".into(),
        "天" | "日" | "day" | "days" => "d".into(),
        "分钟" | "minute" | "minutes" | "mins" => "min".into(),
        "周" | "星期" | "week" | "weeks" => "w".into(),
        "percent" | "％" => "%".into(),
        other => other.into(),
    }
}

/// Parses a target written as text. (Being completed by issue 3: the ASCII form
/// `OP NUMBER [UNIT]` is handled here; Chinese phrasings are added by the rules work.)
pub fn parse_text(s: &str) -> Result<Target, TargetError> {
    let t = s.trim();
    let ops = [">=", "<=", "==", "≥", "≤", ">", "<", "="];
    for sym in ops {
        if let Some(rest) = t.strip_prefix(sym) {
            let rest = rest.trim_start();
            let end = rest
                .char_indices()
                .find(|(_, c)| !(c.is_ascii_digit() || *c == '.' || *c == '-' || *c == '+'))
                .map_or(rest.len(), |(i, _)| i);
            if let Ok(value) = rest[..end].parse::<f64>()
                && value.is_finite()
            {
                let unit = normalise_unit(rest[end..].trim());
                return Ok(Target {
                    op: parse_op(sym).unwrap_or(Op::Eq),
                    value,
                    unit: (!unit.is_empty()).then_some(unit),
                });
            }
        }
    }
    Err(TargetError {
        message: format!("`{t}` is not a comparison against a number"),
        help: "write a comparison such as `>= 2 reports`, `< 2 %` or `不少于2份`".into(),
    })
}
