//! `kpic score` as a library: a filled-in scorecard (a CSV with `kpi_id` and `actual` columns)
//! and the workspace's targets become, per KPI, whether the target is met and its attainment,
//! per owner a weighted score, and per team the share of KPIs met. Printing is [`render`]'s job.
//!
//! How the numbers are computed (all percentages):
//! - **Attainment** of a KPI with an actual: higher-is-better (`>=`, `>`) `actual ÷ target`;
//!   lower-is-better (`<=`, `<`) `target ÷ actual`, where an actual of 0 is fully met and gets
//!   the cap; equality (`=`) 100% when met, else 0%. Every attainment is capped (`--cap`,
//!   default 120%). Ratios are only taken between a positive target and a non-negative actual:
//!   when the target is 0 or negative, or the actual is negative, the KPI is pass/fail
//!   (100% when met, else 0%).
//! - **Owner score**: `Σ(weight × attainment) ÷ Σ weight` over the owner's KPIs that have an
//!   actual. When none of the owner's KPIs has a `weight`, they count equally; when some do, a
//!   KPI without one counts with weight 0 (`weights-not-100` reports such specs).
//! - **Team share met**: KPIs met ÷ KPIs with an actual.
//!
//! KPIs without an actual (an empty cell, or no row) are listed as missing and never scored
//! as zero. With paths given, only the KPIs in those files are scored; rows naming other KPIs
//! of the workspace are ignored.
//!
//! Rows that score but look wrong get a warning with their row: an actual outside the KPI's
//! `range`, and a fraction where the target is a percentage (`0.975` against `>= 90 %`). No
//! number of the results is negative zero.

pub(crate) mod charts;
pub(crate) mod guard;
pub(crate) mod html;
pub(crate) mod read;
pub(crate) mod render;
pub(crate) mod trend;

use std::collections::HashMap;

use serde::Serialize;

use crate::diagnostic::did_you_mean;
use crate::error::{Error, Result};
use crate::target::{self, Direction, Target};
use crate::workspace::Workspace;

/// The default cap on attainment, in percent.
pub const DEFAULT_CAP: f64 = 120.0;

/// The highest cap on attainment, in percent: above it, a weighted score (weight up to 100 ×
/// attainment) could overflow to infinity and the charts would be drawn infinitely wide.
pub const MAX_CAP: f64 = 1_000_000.0;

/// The largest actuals file read, in bytes (64 MiB: a scorecard of 20,000 KPIs is about 4 MB).
pub const MAX_SHEET_SIZE: u64 = 64 * 1024 * 1024;

/// How to score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Options {
    /// The highest attainment counted, in percent (100 to [`MAX_CAP`]).
    pub cap: f64,
}

impl Options {
    /// Options with a cap, refused unless it is a number from 100 to [`MAX_CAP`].
    pub fn new(cap: f64) -> Result<Options> {
        if !(100.0..=MAX_CAP).contains(&cap) {
            return Err(Error::new(format!(
                "invalid `--cap {cap}`: the cap is a percentage of at least 100 and at most 1000000 (default 120)"
            )));
        }
        Ok(Options { cap })
    }
}

impl Default for Options {
    fn default() -> Self {
        Options { cap: DEFAULT_CAP }
    }
}

/// One data row of an actuals file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetRow {
    /// The 1-based row number as a spreadsheet shows it (the header is row 1).
    pub row: usize,
    /// The sheet of a workbook the row is on (`None` in a CSV).
    pub sheet: Option<String>,
    /// The `kpi_id` cell, trimmed, without a formula guard.
    pub kpi_id: String,
    /// The `actual` cell, trimmed, without a formula guard (empty when not filled in).
    pub actual: String,
}

/// The rows of an actuals file that matter for scoring.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sheet {
    /// The data rows, in file order; blank rows and repeated header rows are left out.
    pub rows: Vec<SheetRow>,
}

/// Reads an actuals file from its bytes: a CSV (in any encoding [`read`] detects) or a
/// workbook, with `kpi_id` and `actual` columns (see [`read`]). `name` is the file's display
/// name, for messages.
pub fn parse_sheet(name: &str, bytes: &[u8]) -> Result<Sheet> {
    read::parse(name, bytes, None).map(|a| a.sheet)
}

/// Where a row is, for messages: `FILE:ROW`, or `FILE[SHEET]:ROW` in a workbook.
pub fn location(file: &str, sheet: Option<&str>, row: usize) -> String {
    match sheet {
        Some(s) => crate::diagnostic::printable(format!("{file}[{s}]:{row}")),
        None => crate::diagnostic::printable(format!("{file}:{row}")),
    }
}

/// `v` without a negative zero (`-0.0 + 0.0` is `0.0`), so that no output shows `-0`.
fn unsigned_zero(v: f64) -> f64 {
    v + 0.0
}

/// A cell without surrounding whitespace and without one leading `'` (the formula guard that
/// `kpic build` and spreadsheets put in front of `=`, `+`, `-`, `@`).
fn clean_cell(s: &str) -> &str {
    let s = s.trim();
    s.strip_prefix('\'').map_or(s, str::trim)
}

/// Parses an actual value (already without its formula guard): a number with an optional sign, decimals, thousands separators in
/// groups of three (`1,234.5`), a trailing `%`, or a trailing unit equal to the KPI's unit
/// (`22 h`, `3份`). Full-width digits and signs (`１２％`) are read as ASCII. `NaN`, `inf`,
/// exponents and ambiguous commas (`1,5`) are refused.
pub fn parse_actual(text: &str, unit: Option<&str>) -> Option<f64> {
    let s: String = text.chars().map(half_width).collect();
    let s = s.trim();
    let end = s
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_digit() || matches!(c, '.' | ',' | '-' | '+')))
        .map_or(s.len(), |(i, _)| i);
    let (number, suffix) = s.split_at(end);
    let suffix = suffix.trim();
    let suffix_ok = suffix.is_empty()
        || suffix == "%"
        || unit.is_some_and(|u| target::normalise_unit(suffix) == u || suffix == u);
    if !suffix_ok {
        return None;
    }
    let digits = plain_number(number)?;
    digits
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .map(unsigned_zero)
}

/// The number an actual starts with, when a unit follows it (`22 h` → `22`).
fn leading_number(actual: &str) -> Option<&str> {
    let t = actual.trim();
    let end = t
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | ',' | '-' | '+')))
        .unwrap_or(t.len());
    let (number, rest) = t.split_at(end);
    (!rest.trim().is_empty() && parse_actual(number, None).is_some()).then_some(number)
}

/// Full-width digits, signs and separators to ASCII; U+2212 (minus sign) to `-`.
fn half_width(c: char) -> char {
    match c {
        '０'..='９' | '．' | '，' | '％' | '＋' | '－' => {
            char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)
        }
        '\u{2212}' => '-',
        _ => c,
    }
}

/// `-1,234.5` → `-1234.5`, when the text is a plain decimal number with well-placed separators.
fn plain_number(s: &str) -> Option<String> {
    let (sign, rest) = match s.strip_prefix(['-', '+']) {
        Some(r) => (if s.starts_with('-') { "-" } else { "" }, r),
        None => ("", s),
    };
    let (int, frac) = match rest.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (rest, None),
    };
    let all_digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    if let Some(f) = frac
        && !all_digits(f)
    {
        return None;
    }
    let int_ok = if int.contains(',') {
        let mut groups = int.split(',');
        let first = groups.next().unwrap_or("");
        all_digits(first) && first.len() <= 3 && groups.all(|g| g.len() == 3 && all_digits(g))
    } else {
        all_digits(int) || (int.is_empty() && frac.is_some())
    };
    if !int_ok {
        return None;
    }
    let int: String = int.chars().filter(|c| *c != ',').collect();
    let int = if int.is_empty() { "0".into() } else { int };
    Some(match frac {
        Some(f) => format!("{sign}{int}.{f}"),
        None => format!("{sign}{int}"),
    })
}

/// The attainment of `actual` against `target`, in percent, at most `cap` (see the module
/// documentation for the rules and edge cases).
pub fn attainment(target: &Target, actual: f64, cap: f64) -> f64 {
    let pass_fail = if target.is_met_by(actual) { 100.0 } else { 0.0 };
    let t = target.value;
    let ratio = match target.direction() {
        Direction::HigherIsBetter if t > 0.0 && actual >= 0.0 => actual / t * 100.0,
        Direction::LowerIsBetter if t > 0.0 && actual == 0.0 => cap,
        Direction::LowerIsBetter if t > 0.0 && actual > 0.0 => t / actual * 100.0,
        _ => pass_fail,
    };
    unsigned_zero(ratio.min(cap))
}

/// What is wrong with a row of the actuals file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Problem {
    /// The `kpi_id` names no KPI of the workspace.
    UnknownKpi {
        /// The ID as written.
        kpi_id: String,
        /// A KPI ID that is a likely typo fix.
        suggestion: Option<String>,
    },
    /// The `actual` is not a number.
    NotANumber {
        /// The KPI of the row.
        kpi_id: String,
        /// The cell as written.
        actual: String,
    },
    /// The KPI already had a row.
    Duplicate {
        /// The KPI listed twice.
        kpi_id: String,
        /// The row that listed it first.
        first_row: usize,
        /// The sheet of that row, in a workbook.
        #[serde(skip_serializing_if = "Option::is_none")]
        first_sheet: Option<String>,
    },
    /// An actual without a `kpi_id`.
    NoKpiId {
        /// The actual as written.
        actual: String,
    },
}

/// A bad row of the actuals file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BadRow {
    /// The 1-based row number (the header is row 1).
    pub row: usize,
    /// The sheet of the row, in a workbook.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    /// What is wrong.
    #[serde(flatten)]
    pub problem: Problem,
}

impl BadRow {
    /// What is wrong, in one lowercase line.
    pub fn message(&self) -> String {
        match &self.problem {
            Problem::UnknownKpi { kpi_id, suggestion } => match suggestion {
                Some(s) => format!("unknown KPI `{kpi_id}`; did you mean `{s}`?"),
                None => format!("unknown KPI `{kpi_id}`; no KPI of the workspace has this ID"),
            },
            Problem::NotANumber { kpi_id, actual } => match leading_number(actual) {
                // `22 h` for a KPI counted in `%`: the number is fine, the unit is not the KPI's.
                Some(number) => format!(
                    "the actual `{actual}` of KPI `{kpi_id}` is not in the unit of its target; write the number alone, such as `{number}`, in the target's unit"
                ),
                None => format!(
                    "the actual `{actual}` of KPI `{kpi_id}` is not a number; write a number such as `12.5`, `95%` or `1,234`, or leave the cell empty"
                ),
            },
            Problem::Duplicate {
                kpi_id,
                first_row,
                first_sheet,
            } => match first_sheet {
                Some(sheet) => format!(
                    "KPI `{kpi_id}` is listed twice (first at row {first_row} of sheet `{sheet}`); keep one row per KPI"
                ),
                None => format!(
                    "KPI `{kpi_id}` is listed twice (first at row {first_row}); keep one row per KPI"
                ),
            },
            Problem::NoKpiId { actual } => {
                format!("the row has an actual (`{actual}`) but no `kpi_id`; fill in the KPI's ID")
            }
        }
    }
}

/// What looks wrong about a row that is still scored.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Oddity {
    /// The actual is outside the KPI's declared `range`.
    OutsideRange {
        /// The KPI of the row.
        kpi_id: String,
        /// The actual.
        actual: f64,
        /// The lower end of the range, if any.
        min: Option<f64>,
        /// The upper end of the range, if any.
        max: Option<f64>,
    },
    /// A fraction (`0.975`) where the target is a percentage above 1 (`>= 90 %`).
    LooksLikeFraction {
        /// The KPI of the row.
        kpi_id: String,
        /// The actual.
        actual: f64,
        /// The target as written in its normalised form (`>= 90 %`).
        target: String,
    },
}

/// A warning about a row of the actuals file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RowWarning {
    /// The 1-based row number (the header is row 1).
    pub row: usize,
    /// The sheet of the row, in a workbook.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    /// What looks wrong.
    #[serde(flatten)]
    pub oddity: Oddity,
}

impl RowWarning {
    /// What looks wrong, in one lowercase line with what to write instead.
    pub fn message(&self) -> String {
        let n = |v: f64| crate::target::format_number(v);
        match &self.oddity {
            Oddity::OutsideRange {
                kpi_id,
                actual,
                min,
                max,
            } => {
                let end = |v: &Option<f64>| v.map_or_else(|| "null".to_owned(), n);
                format!(
                    "the actual `{}` of KPI `{kpi_id}` is outside its `range` [{}, {}]; check the value",
                    n(*actual),
                    end(min),
                    end(max)
                )
            }
            Oddity::LooksLikeFraction {
                kpi_id,
                actual,
                target,
            } => {
                let percent = n(unsigned_zero(*actual * 100.0));
                format!(
                    "the actual `{}` of KPI `{kpi_id}` looks like a fraction, but its target `{target}` is in percent: did you mean {percent} %? Write `{percent}`",
                    n(*actual)
                )
            }
        }
    }
}

/// What looks wrong about `actual` for `kpi`, if anything.
fn oddities(kpi_id: &str, kpi: &crate::workspace::Kpi, actual: f64) -> Vec<Oddity> {
    let mut out = Vec::new();
    let range = kpi.range.as_ref().map(|r| r.value);
    if let Some((min, max)) = range
        && (min.is_some_and(|m| actual < m) || max.is_some_and(|m| actual > m))
    {
        out.push(Oddity::OutsideRange {
            kpi_id: kpi_id.to_owned(),
            actual,
            min,
            max,
        });
    }
    // A fraction is not suspicious when the range says the measure stays within 1.
    let within_one = range.is_some_and(|(_, max)| max.is_some_and(|m| m <= 1.0));
    if let Some(t) = kpi.parsed_target()
        && crate::emit::xlsx::expects_percent_above_one(t)
        && actual != 0.0
        && actual.abs() <= 1.0
        && !within_one
    {
        out.push(Oddity::LooksLikeFraction {
            kpi_id: kpi_id.to_owned(),
            actual,
            target: t.to_string(),
        });
    }
    out
}

/// Why a KPI has no score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MissingReason {
    /// Its row has an empty `actual` cell.
    EmptyActual,
    /// No row names it.
    NotListed,
}

/// A KPI's status against its target and threshold (DESIGN §1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The target is met.
    Green,
    /// The threshold is met, the target not.
    Amber,
    /// Neither is met.
    Red,
}

impl Status {
    /// Of an actual, against a target and an optional threshold.
    pub fn of(actual: f64, target: &Target, threshold: Option<&Target>) -> Status {
        if target.is_met_by(actual) {
            Status::Green
        } else if threshold.is_some_and(|t| t.is_met_by(actual)) {
            Status::Amber
        } else {
            Status::Red
        }
    }

    /// `green`, `amber`, `red`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Green => "green",
            Status::Amber => "amber",
            Status::Red => "red",
        }
    }
}

/// How many KPIs of a group are green, amber and red.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct StatusCounts {
    /// Target met.
    pub green: usize,
    /// Threshold met, target not.
    pub amber: usize,
    /// Neither met.
    pub red: usize,
}

impl StatusCounts {
    fn of<'k>(kpis: impl Iterator<Item = &'k KpiScore>) -> StatusCounts {
        let mut c = StatusCounts::default();
        for k in kpis {
            match k.status {
                Some(Status::Green) => c.green += 1,
                Some(Status::Amber) => c.amber += 1,
                Some(Status::Red) => c.red += 1,
                None => {}
            }
        }
        c
    }
}

/// One KPI in scope, with or without an actual.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KpiScore {
    /// The KPI's ID.
    pub kpi_id: String,
    /// The KPI's name.
    pub kpi_name: Option<String>,
    /// The team of the KPI's file.
    pub team_id: Option<String>,
    /// The accountable owner.
    pub owner_id: Option<String>,
    /// The parsed target (`None` when it does not parse, which `unmeasurable-target` reports).
    pub target: Option<Target>,
    /// The direction the target's comparator sets.
    pub direction: Option<Direction>,
    /// The `weight` in the spec.
    pub weight: Option<f64>,
    /// The row of the actuals file that gave the actual.
    pub row: Option<usize>,
    /// The sheet of that row, in a workbook.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    /// The actual value.
    pub actual: Option<f64>,
    /// Whether the actual meets the target.
    pub met: Option<bool>,
    /// The attainment in percent, capped.
    pub attainment: Option<f64>,
    /// Why there is no actual.
    #[serde(skip)]
    pub missing: Option<MissingReason>,
    /// The parsed threshold, when the KPI has one.
    pub threshold: Option<Target>,
    /// Green, amber or red, when there is an actual and a target.
    pub status: Option<Status>,
}

/// An owner's weighted score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OwnerScore {
    /// The owner's ID.
    pub owner_id: String,
    /// The owner's name.
    pub owner_name: Option<String>,
    /// The weighted score in percent, over the KPIs with an actual (`None` when none has).
    pub score: Option<f64>,
    /// The owner's KPIs in scope.
    pub kpis: usize,
    /// Of those, the ones with an actual (scored).
    pub scored: usize,
    /// Of the scored, the ones met.
    pub met: usize,
    /// The KPIs without an actual.
    pub missing: usize,
    /// The weight of the scored KPIs.
    pub weight_scored: f64,
    /// The weight of all the owner's KPIs in scope.
    pub weight_total: f64,
    /// Whether the KPIs count equally because none has a `weight`.
    pub equal_weights: bool,
    /// The owner's KPIs by status.
    pub status: StatusCounts,
}

/// A team's share of KPIs met.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TeamScore {
    /// The team's ID.
    pub team_id: String,
    /// The team's name.
    pub team_name: Option<String>,
    /// The team's `locale` (`en` or `zh-CN`).
    pub locale: Option<String>,
    /// The team's KPIs in scope.
    pub kpis: usize,
    /// Of those, the ones with an actual.
    pub scored: usize,
    /// Of the scored, the ones met.
    pub met: usize,
    /// The KPIs without an actual.
    pub missing: usize,
    /// `met ÷ scored` in percent (`None` when nothing is scored).
    pub share_met: Option<f64>,
    /// The team's KPIs by status.
    pub status: StatusCounts,
}

/// A KPI without an actual.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Missing {
    /// The KPI's ID.
    pub kpi_id: String,
    /// The accountable owner.
    pub owner_id: Option<String>,
    /// The team.
    pub team_id: Option<String>,
    /// Why there is no actual.
    pub reason: MissingReason,
}

/// The results of a scoring run.
#[derive(Debug, Clone, PartialEq)]
pub struct Scores {
    /// The cap used, in percent.
    pub cap: f64,
    /// Every KPI in scope, in workspace order (files by name, then as written).
    pub kpis: Vec<KpiScore>,
    /// Owners of KPIs in scope, in order of their first KPI.
    pub owners: Vec<OwnerScore>,
    /// Teams of KPIs in scope, in workspace order.
    pub teams: Vec<TeamScore>,
    /// Rows that scored but look wrong, in row order.
    pub warnings: Vec<RowWarning>,
    /// The position of each owner in `owners`, by ID.
    owner_at: HashMap<String, usize>,
    /// The positions in `kpis` of each team's KPIs, by team ID.
    team_kpis_at: HashMap<String, Vec<usize>>,
}

impl Scores {
    /// The owner with this ID, if they own a KPI in scope.
    pub fn owner(&self, id: &str) -> Option<&OwnerScore> {
        self.owner_at.get(id).map(|&i| &self.owners[i])
    }

    /// The KPIs of the team with this ID, in order.
    pub fn team_kpis(&self, team_id: &str) -> Vec<&KpiScore> {
        self.team_kpis_at
            .get(team_id)
            .into_iter()
            .flatten()
            .map(|&i| &self.kpis[i])
            .collect()
    }

    /// The KPIs with an actual.
    pub fn scored(&self) -> impl Iterator<Item = &KpiScore> {
        self.kpis.iter().filter(|k| k.actual.is_some())
    }

    /// The KPIs without an actual.
    pub fn missing(&self) -> Vec<Missing> {
        self.kpis
            .iter()
            .filter_map(|k| {
                Some(Missing {
                    kpi_id: k.kpi_id.clone(),
                    owner_id: k.owner_id.clone(),
                    team_id: k.team_id.clone(),
                    reason: k.missing?,
                })
            })
            .collect()
    }
}

/// Scores the KPIs of the reported files of `ws` against the rows of `sheet`. Returns every bad
/// row, in row order, when there is any.
pub fn score(
    ws: &Workspace,
    sheet: &Sheet,
    options: &Options,
) -> std::result::Result<Scores, Vec<BadRow>> {
    let actuals = actuals(ws, sheet)?;
    let mut kpis = Vec::new();
    let mut teams: Vec<TeamScore> = Vec::new();
    let mut warnings = Vec::new();
    for spec in ws.reported_specs() {
        let team = spec.team.as_ref();
        let team_id = team
            .and_then(|t| t.id.as_ref())
            .map(|i| i.value.to_string());
        if let (Some(t), Some(id)) = (team, &team_id)
            && !spec.kpis.is_empty()
            && !teams.iter().any(|x| &x.team_id == id)
        {
            teams.push(TeamScore {
                team_id: id.clone(),
                team_name: t.name.as_ref().map(|n| n.value.to_string()),
                locale: t.locale.as_ref().map(|l| l.value.to_string()),
                kpis: 0,
                scored: 0,
                met: 0,
                missing: 0,
                share_met: None,
                status: StatusCounts::default(),
            });
        }
        for (i, kpi) in spec.kpis.iter().enumerate() {
            // A duplicate ID (E003) is scored once, where the index says it is defined.
            if ws.index.kpis.get(kpi.id.value.as_str()) != Some(&(spec.file, i)) {
                continue;
            }
            let target = kpi
                .target
                .as_ref()
                .and_then(|t| target::parse_node(&t.value).ok());
            let target = target.map(|mut t| {
                t.value = unsigned_zero(t.value);
                t
            });
            let found = actuals.get(kpi.id.value.as_str());
            let (row, actual, missing) = match found {
                Some(&(row, Some(v))) => (Some(row), Some(v), None),
                Some(&(row, None)) => (Some(row), None, Some(MissingReason::EmptyActual)),
                None => (None, None, Some(MissingReason::NotListed)),
            };
            if let (Some(r), Some(a)) = (row, actual) {
                warnings.extend(oddities(kpi.id.as_str(), kpi, a).into_iter().map(|oddity| {
                    RowWarning {
                        row: r.row,
                        sheet: r.sheet.clone(),
                        oddity,
                    }
                }));
            }
            let met = actual.zip(target.as_ref()).map(|(a, t)| t.is_met_by(a));
            let threshold = kpi.parsed_threshold().cloned();
            let status = actual
                .zip(target.as_ref())
                .map(|(a, t)| Status::of(a, t, threshold.as_ref()));
            let attainment = actual
                .zip(target.as_ref())
                .map(|(a, t)| attainment(t, a, options.cap));
            kpis.push(KpiScore {
                kpi_id: kpi.id.value.to_string(),
                kpi_name: kpi.name.as_ref().map(|n| n.value.to_string()),
                team_id: team_id.clone(),
                owner_id: kpi.owner.as_ref().map(|o| o.value.to_string()),
                direction: target.as_ref().map(Target::direction),
                target,
                weight: kpi.weight.as_ref().map(|w| unsigned_zero(w.value)),
                row: row.map(|r| r.row),
                sheet: row.and_then(|r| r.sheet.clone()),
                actual,
                met,
                attainment,
                missing,
                threshold,
                status,
            });
        }
    }
    let by_team = group(&kpis, |k| k.team_id.as_deref());
    for team in &mut teams {
        for k in by_team.get(team.team_id.as_str()).into_iter().flatten() {
            let k = k.kpi;
            team.kpis += 1;
            if k.actual.is_none() {
                team.missing += 1;
            } else if k.attainment.is_some() {
                team.scored += 1;
                team.met += usize::from(k.met == Some(true));
            }
        }
        team.share_met = (team.scored > 0).then(|| team.met as f64 / team.scored as f64 * 100.0);
        team.status = StatusCounts::of(
            by_team
                .get(team.team_id.as_str())
                .into_iter()
                .flatten()
                .map(|k| k.kpi),
        );
    }
    let owners = owners(ws, &kpis);
    warnings.sort_by(|a, b| (&a.sheet, a.row).cmp(&(&b.sheet, b.row)));
    let (owner_at, team_kpis_at) = positions(&owners, |o| &o.owner_id, &kpis, |k| &k.team_id);
    Ok(Scores {
        cap: options.cap,
        kpis,
        owners,
        teams,
        warnings,
        owner_at,
        team_kpis_at,
    })
}

/// Per KPI ID, the row that names it and its actual (`None` when the cell is empty).
type Actuals<'s> = HashMap<&'s str, (&'s SheetRow, Option<f64>)>;

/// Checks every row and returns the actuals, or every bad row.
/// Where each of `owners` is by its ID, and where each team's `kpis` are by the team's ID.
pub(crate) fn positions<O, K>(
    owners: &[O],
    owner_id: impl Fn(&O) -> &String,
    kpis: &[K],
    team_id: impl Fn(&K) -> &Option<String>,
) -> (HashMap<String, usize>, HashMap<String, Vec<usize>>) {
    let owner_at = owners
        .iter()
        .enumerate()
        .map(|(i, o)| (owner_id(o).clone(), i))
        .collect();
    let mut team_kpis_at: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, k) in kpis.iter().enumerate() {
        if let Some(t) = team_id(k) {
            team_kpis_at.entry(t.clone()).or_default().push(i);
        }
    }
    (owner_at, team_kpis_at)
}

fn actuals<'s>(ws: &Workspace, sheet: &'s Sheet) -> std::result::Result<Actuals<'s>, Vec<BadRow>> {
    let mut found: Actuals<'s> = HashMap::new();
    let mut bad = Vec::new();
    for r in &sheet.rows {
        let problem = if r.kpi_id.is_empty() {
            Some(Problem::NoKpiId {
                actual: r.actual.clone(),
            })
        } else if let Some((_, kpi)) = ws.kpi(&r.kpi_id) {
            let unit = kpi
                .target
                .as_ref()
                .and_then(|t| target::parse_node(&t.value).ok())
                .and_then(|t| t.unit);
            let actual = if r.actual.is_empty() {
                Ok(None)
            } else {
                parse_actual(&r.actual, unit.as_deref()).map(Some).ok_or(())
            };
            match (found.get(r.kpi_id.as_str()), actual) {
                (Some(&(first, _)), _) => Some(Problem::Duplicate {
                    kpi_id: r.kpi_id.clone(),
                    first_row: first.row,
                    first_sheet: first.sheet.clone(),
                }),
                (None, Ok(v)) => {
                    found.insert(&r.kpi_id, (r, v));
                    None
                }
                (None, Err(())) => {
                    // Record the row so that a later row for the same KPI is a duplicate.
                    found.insert(&r.kpi_id, (r, None));
                    Some(Problem::NotANumber {
                        kpi_id: r.kpi_id.clone(),
                        actual: r.actual.clone(),
                    })
                }
            }
        } else {
            Some(Problem::UnknownKpi {
                kpi_id: r.kpi_id.clone(),
                suggestion: did_you_mean(
                    &r.kpi_id,
                    ws.index.kpis.keys().map(crate::workspace::Text::as_str),
                )
                .map(str::to_owned),
            })
        };
        if let Some(problem) = problem {
            bad.push(BadRow {
                row: r.row,
                sheet: r.sheet.clone(),
                problem,
            });
        }
    }
    if bad.is_empty() { Ok(found) } else { Err(bad) }
}

/// A KPI and its position in the list it came from.
#[derive(Clone, Copy)]
struct Positioned<'a> {
    kpi: &'a KpiScore,
    position: usize,
}

/// The KPIs grouped by a key (team or owner), each group in list order.
fn group<'a>(
    kpis: &'a [KpiScore],
    key: impl Fn(&'a KpiScore) -> Option<&'a str>,
) -> HashMap<&'a str, Vec<Positioned<'a>>> {
    let mut groups: HashMap<&str, Vec<Positioned<'a>>> = HashMap::new();
    for (position, kpi) in kpis.iter().enumerate() {
        if let Some(k) = key(kpi) {
            groups
                .entry(k)
                .or_default()
                .push(Positioned { kpi, position });
        }
    }
    groups
}

/// Each owner's weighted score over their KPIs with an actual.
fn owners(ws: &Workspace, kpis: &[KpiScore]) -> Vec<OwnerScore> {
    let by_owner = group(kpis, |k| k.owner_id.as_deref());
    let mut order: Vec<&str> = by_owner.keys().copied().collect();
    order.sort_by_key(|id| by_owner[id][0].position);
    order
        .into_iter()
        .map(|id| {
            let mine: Vec<&KpiScore> = by_owner[id].iter().map(|p| p.kpi).collect();
            let equal_weights = mine.iter().all(|k| k.weight.is_none());
            let weight = |k: &KpiScore| {
                if equal_weights {
                    1.0
                } else {
                    k.weight.unwrap_or(0.0)
                }
            };
            let scored: Vec<(&KpiScore, f64)> = mine
                .iter()
                .filter_map(|k| Some((*k, k.attainment?)))
                .collect();
            // Sums start from `0.0`: an empty `sum()` of floats is `-0.0`.
            let sum = |v: &mut dyn Iterator<Item = f64>| unsigned_zero(v.fold(0.0, |a, b| a + b));
            let weight_scored = sum(&mut scored.iter().map(|(k, _)| weight(k)));
            let weighted = sum(&mut scored.iter().map(|(k, a)| weight(k) * a));
            OwnerScore {
                owner_id: id.to_owned(),
                owner_name: ws
                    .owner(id)
                    .and_then(|o| o.name.as_ref())
                    .map(|n| n.value.to_string()),
                score: (weight_scored > 0.0).then(|| unsigned_zero(weighted / weight_scored)),
                kpis: mine.len(),
                scored: scored.len(),
                met: mine.iter().filter(|k| k.met == Some(true)).count(),
                missing: mine.iter().filter(|k| k.actual.is_none()).count(),
                weight_scored,
                weight_total: sum(&mut mine.iter().map(|k| weight(k))),
                equal_weights,
                status: StatusCounts::of(mine.iter().copied()),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::target::Op;

    fn t(op: Op, value: f64) -> Target {
        Target {
            op,
            value,
            unit: None,
        }
    }

    #[test]
    fn attainment_by_direction_and_edge_cases() {
        // higher-is-better: 3 / 2 = 150% → capped at 120; 1 / 2 = 50%
        assert_eq!(attainment(&t(Op::Ge, 2.0), 3.0, 120.0), 120.0);
        assert_eq!(attainment(&t(Op::Ge, 2.0), 1.0, 120.0), 50.0);
        assert_eq!(attainment(&t(Op::Ge, 2.0), 3.0, 200.0), 150.0);
        // lower-is-better: 24 / 30 = 80%; an actual of 0 is fully met → the cap
        assert_eq!(attainment(&t(Op::Le, 24.0), 30.0, 120.0), 80.0);
        assert_eq!(attainment(&t(Op::Lt, 2.0), 0.0, 120.0), 120.0);
        // equality: pass/fail
        assert_eq!(attainment(&t(Op::Eq, 1.0), 1.0, 120.0), 100.0);
        assert_eq!(attainment(&t(Op::Eq, 1.0), 2.0, 120.0), 0.0);
        // a target of 0 or negative values: pass/fail
        assert_eq!(attainment(&t(Op::Ge, 0.0), 5.0, 120.0), 100.0);
        assert_eq!(attainment(&t(Op::Ge, 0.0), -1.0, 120.0), 0.0);
        assert_eq!(attainment(&t(Op::Le, 0.0), 0.0, 120.0), 100.0);
        assert_eq!(attainment(&t(Op::Ge, -5.0), -3.0, 120.0), 100.0);
        assert_eq!(attainment(&t(Op::Ge, 2.0), -3.0, 120.0), 0.0);
        assert_eq!(attainment(&t(Op::Le, 2.0), -1.0, 120.0), 100.0);
    }

    #[test]
    fn actual_numbers() {
        assert_eq!(parse_actual("12.5", None), Some(12.5));
        assert_eq!(parse_actual(" 95% ", None), Some(95.0));
        assert_eq!(parse_actual("95 %", None), Some(95.0));
        assert_eq!(parse_actual("1,234.5", None), Some(1234.5));
        assert_eq!(parse_actual("-1,234", None), Some(-1234.0));
        assert_eq!(parse_actual(clean_cell("'-3"), None), Some(-3.0));
        assert_eq!(parse_actual("+4", None), Some(4.0));
        assert_eq!(parse_actual(".5", None), Some(0.5));
        assert_eq!(parse_actual("１２．５％", None), Some(12.5));
        assert_eq!(parse_actual("22 h", Some("h")), Some(22.0));
        assert_eq!(parse_actual("22小时", Some("h")), Some(22.0));
        assert_eq!(parse_actual("3份", Some("份")), Some(3.0));
        for bad in [
            "", "abc", "NaN", "inf", "1e3", "1,5", "1,23,456", "12,3456", "1.2.3", "--1", "5 d",
            "1.", "12 h",
        ] {
            assert_eq!(parse_actual(bad, None), None, "{bad:?}");
        }
        assert_eq!(parse_actual("5 d", Some("h")), None);
    }

    #[test]
    fn sheet_columns_bom_and_rows() {
        let text =
            "\u{feff}Note,KPI_ID,extra,Actual\nx,a,y,1\n,,,\n,b,,\nkpi_id,kpi_id,,actual\n,,,7\n";
        let sheet = parse_sheet("a.csv", text.as_bytes()).unwrap();
        let rows: Vec<_> = sheet
            .rows
            .iter()
            .map(|r| (r.row, r.kpi_id.as_str(), r.actual.as_str()))
            .collect();
        assert_eq!(rows, [(2, "a", "1"), (4, "b", ""), (6, "", "7")]);
        let err = parse_sheet("a.csv", b"kpi_id,value\nx,1\n").unwrap_err();
        assert!(
            err.message.contains("no `actual` column"),
            "{}",
            err.message
        );
        let err = parse_sheet("a.csv", b"id,actual\n").unwrap_err();
        assert!(
            err.message.contains("no `kpi_id` column"),
            "{}",
            err.message
        );
        assert!(parse_sheet("a.csv", b"").is_err());
        // Not UTF-8: read in the encoding it is (see `read`), not refused.
        let sheet = parse_sheet("a.csv", b"kpi_id,actual\n\xff,1\n").unwrap();
        assert_eq!(sheet.rows[0].kpi_id, "\u{ff}");
    }

    /// A workspace of one file, loaded from text.
    fn workspace(yaml: &str) -> Workspace {
        let input = crate::workspace::Input {
            path: "t.yaml".into(),
            name: "t.yaml".into(),
            reported: true,
            text: Some(yaml.into()),
            removed: false,
        };
        crate::workspace::load(vec![input], &Default::default()).0
    }

    fn sheet(rows: &[(&str, &str)]) -> Sheet {
        Sheet {
            rows: rows
                .iter()
                .enumerate()
                .map(|(i, (k, a))| SheetRow {
                    row: i + 2,
                    sheet: None,
                    kpi_id: (*k).into(),
                    actual: (*a).into(),
                })
                .collect(),
        }
    }

    const WEIGHTS: &str = "version: 1
team: {id: t, name: T}
owners:
  - {id: eq, name: Equal}
  - {id: part, name: Partial}
kpis:
  - {id: e1, name: E1, owner: eq, target: '>= 10 x'}
  - {id: e2, name: E2, owner: eq, target: '>= 10 x'}
  - {id: e3, name: E3, owner: eq, target: '>= 10 x'}
  - {id: p1, name: P1, owner: part, target: '>= 10 x', weight: 100}
  - {id: p2, name: P2, owner: part, target: '>= 10 x'}
";

    #[test]
    fn equal_weights_only_when_no_kpi_has_one() {
        let ws = workspace(WEIGHTS);
        let s = sheet(&[
            ("e1", "10"),
            ("e2", "5"),
            ("e3", ""),
            ("p1", "5"),
            ("p2", "10"),
        ]);
        let scores = score(&ws, &s, &Options::default()).unwrap();
        let eq = &scores.owners[0];
        // No weights: e1 100% and e2 50% count equally; e3 is missing, not zero:
        // (1 × 100 + 1 × 50) / 2 = 75
        assert_eq!((eq.owner_id.as_str(), eq.score), ("eq", Some(75.0)));
        assert!(eq.equal_weights);
        assert_eq!(
            (eq.scored, eq.missing, eq.weight_scored, eq.weight_total),
            (2, 1, 2.0, 3.0)
        );
        // Some weights: p2 without one counts 0: (100 × 50 + 0 × 100) / 100 = 50
        let part = &scores.owners[1];
        assert_eq!((part.owner_id.as_str(), part.score), ("part", Some(50.0)));
        assert!(!part.equal_weights);
        assert_eq!(scores.teams[0].share_met, Some(50.0)); // e1, p2 of 4 scored
        let missing = scores.missing();
        assert_eq!(missing.len(), 1);
        assert_eq!(missing[0].reason, MissingReason::EmptyActual);
    }

    #[test]
    fn owners_and_team_kpis_are_looked_up_by_id() {
        let ws = workspace(WEIGHTS);
        let scores = score(&ws, &sheet(&[("p1", "5")]), &Options::default()).unwrap();
        assert_eq!(scores.owner("part").map(|o| o.kpis), Some(2));
        assert_eq!(scores.owner("eq").map(|o| o.owner_id.as_str()), Some("eq"));
        assert!(scores.owner("nobody").is_none());
        let ids: Vec<&str> = scores
            .team_kpis("t")
            .iter()
            .map(|k| k.kpi_id.as_str())
            .collect();
        assert_eq!(ids, ["e1", "e2", "e3", "p1", "p2"]);
        assert!(scores.team_kpis("other").is_empty());
        let periods: Vec<trend::Period> = ["q1", "q2"]
            .map(|label| trend::Period {
                label: label.into(),
                source: label.into(),
                scores: scores.clone(),
            })
            .into();
        let t = trend::Trend::of(&periods);
        assert_eq!(t.owner("part").map(|o| o.score.len()), Some(2));
        assert!(t.owner("nobody").is_none());
        assert_eq!(t.team_kpis("t").len(), 5);
    }

    #[test]
    fn owner_without_actuals_has_no_score() {
        let ws = workspace(WEIGHTS);
        let scores = score(&ws, &sheet(&[("p1", "5")]), &Options::default()).unwrap();
        assert_eq!(scores.owners[0].score, None);
        assert_eq!(scores.owners[0].missing, 3);
        assert_eq!(
            scores.missing()[0].reason,
            MissingReason::NotListed,
            "e1 has no row"
        );
    }

    #[test]
    fn bad_rows_are_all_reported_in_order() {
        let ws = workspace(WEIGHTS);
        let s = sheet(&[
            ("e1", "x"),
            ("e1", "3"),
            ("E1", "3"),
            ("", "4"),
            ("p1", "1,5"),
        ]);
        let bad = score(&ws, &s, &Options::default()).unwrap_err();
        let rows: Vec<(usize, &Problem)> = bad.iter().map(|b| (b.row, &b.problem)).collect();
        assert_eq!(rows.len(), 5);
        assert!(matches!(rows[0], (2, Problem::NotANumber { .. })));
        assert!(matches!(
            rows[1],
            (3, Problem::Duplicate { first_row: 2, .. })
        ));
        assert!(
            matches!(rows[2], (4, Problem::UnknownKpi { suggestion: Some(s), .. }) if s == "e1")
        );
        assert!(matches!(rows[3], (5, Problem::NoKpiId { .. })));
        assert!(matches!(rows[4], (6, Problem::NotANumber { .. })));
    }

    #[test]
    fn cap_is_validated() {
        assert!(Options::new(120.0).is_ok());
        assert!(Options::new(100.0).is_ok());
        assert!(Options::new(99.0).is_err());
        assert!(Options::new(f64::NAN).is_err());
        assert!(Options::new(f64::INFINITY).is_err());
        assert!(Options::new(MAX_CAP).is_ok());
        assert!(Options::new(1e308).is_err());
    }
}
