//! `scorecards.xlsx`: the scorecards as a workbook that managers fill in, in Excel, WPS or
//! LibreOffice. A sheet per team (its KPIs grouped by owner, each owner's weighted score after
//! their KPIs) and a summary sheet (one row per owner).
//!
//! On a team sheet, only the `actual` cells are unlocked (sheet protection without a
//! password); `met`, `attainment` and each owner's score are live formulas written from the
//! same definitions as [`crate::score`], so they show what `kpic score` will compute (with the
//! default cap, [`DEFAULT_CAP`]). User text is only ever written with `write_string`, never as
//! something a spreadsheet could read as a formula, a number or a link. The bytes depend on
//! nothing but the specs: fixed document properties, and the zip entries carry a fixed time.

use std::collections::{HashMap, HashSet};

use rayon::prelude::*;
use rust_xlsxwriter::{
    Color, ConditionalFormatFormula, DataValidation, DataValidationErrorStyle, DataValidationRule,
    DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Formula, ProtectionOptions,
    Workbook, Worksheet, XlsxError,
};

use super::i18n::{Lang, SheetText, Text};
use super::{KpiView, TargetView, View, kpi_name, threshold_view};
use crate::score::DEFAULT_CAP;
use crate::score::render::display_width;
use crate::target::{Direction, Op, Target, format_number};

/// The file name inside the output folder.
pub const FILE: &str = "scorecards.xlsx";

/// The longest text a cell holds (Excel's limit, in UTF-16 units); longer text is cut there.
const MAX_CELL_CHARS: usize = 32_767;

/// The longest formula Excel accepts, in characters.
const MAX_FORMULA_CHARS: usize = 8_192;

/// The columns of a team sheet, in order: the KPI name is frozen on the left with its owner,
/// and `actual` comes right after the target, with the unit beside it; the threshold (the
/// amber level) before `met`, and the green / amber / red status after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    Owner,
    Kpi,
    Target,
    Actual,
    Unit,
    Direction,
    Threshold,
    Met,
    Status,
    Attainment,
    Weight,
    When,
    Metric,
    Source,
    KpiId,
}

/// Every column of a team sheet.
const COLS: [Col; 15] = [
    Col::Owner,
    Col::Kpi,
    Col::Target,
    Col::Actual,
    Col::Unit,
    Col::Direction,
    Col::Threshold,
    Col::Met,
    Col::Status,
    Col::Attainment,
    Col::Weight,
    Col::When,
    Col::Metric,
    Col::Source,
    Col::KpiId,
];

impl Col {
    /// The 0-based column number.
    fn n(self) -> u16 {
        self as u16
    }

    /// The column letter (`A` …).
    fn letter(self) -> char {
        char::from(b'A' + self as u8)
    }

    /// The header in a language: the handbook's words where it has them.
    fn header(self, tx: &Text, st: &SheetText) -> &'static str {
        match self {
            Col::Owner => tx.kpi_header[5],
            Col::Kpi => tx.kpi_header[0],
            Col::Target => tx.kpi_header[2],
            Col::Actual => st.actual,
            Col::Unit => st.unit,
            Col::Direction => st.direction,
            Col::Threshold => st.threshold,
            Col::Met => st.met_header,
            Col::Status => st.status_header,
            Col::Attainment => st.attainment,
            Col::Weight => tx.kpi_header[4],
            Col::When => tx.kpi_header[3],
            Col::Metric => tx.kpi_header[1],
            Col::Source => tx.kpi_header[6],
            Col::KpiId => st.kpi_id,
        }
    }

    /// The machine name a reader looks for (`kpi_id`, `actual`), for the two columns kpic reads.
    fn key(self) -> Option<&'static str> {
        match self {
            Col::Actual => Some("actual"),
            Col::KpiId => Some("kpi_id"),
            _ => None,
        }
    }

    /// Narrowest and widest column width, in characters; text wraps past the widest.
    fn widths(self) -> (f64, f64) {
        match self {
            Col::Owner => (8.0, 16.0),
            Col::Kpi => (12.0, 28.0),
            Col::Target => (10.0, 20.0),
            Col::Actual => (12.0, 12.0),
            Col::Unit => (6.0, 10.0),
            Col::Direction => (8.0, 18.0),
            Col::Threshold => (10.0, 20.0),
            Col::Met => (8.0, 12.0),
            Col::Status => (7.0, 10.0),
            Col::Attainment => (9.0, 12.0),
            Col::Weight => (7.0, 8.0),
            Col::When => (8.0, 20.0),
            Col::Metric => (12.0, 32.0),
            Col::Source => (10.0, 20.0),
            Col::KpiId => (10.0, 30.0),
        }
    }
}

/// The headers of a team sheet that [`crate::score`]'s reader recognises as the `kpi_id` and
/// `actual` columns, besides the machine names themselves: the labels in every language.
pub fn header_labels(key: &str) -> Vec<&'static str> {
    Lang::ALL
        .iter()
        .filter_map(|l| {
            let st = l.sheet_text();
            match key {
                "actual" => Some(st.actual),
                "kpi_id" => Some(st.kpi_id),
                _ => None,
            }
        })
        .collect()
}

/// The formats of the workbook.
struct Formats {
    header: Format,
    key_line: Format,
    text: Format,
    wrap: Format,
    actual: Format,
    number: Format,
    percent: Format,
    score_label: Format,
    score: Format,
    score_blank: Format,
    note: Format,
    met: Format,
    not_met: Format,
    missing: Format,
    suspect: Format,
    /// The status column: green, amber, red (the fills of met, missing, not met).
    status: [Format; 3],
}

impl Formats {
    fn new() -> Formats {
        let cell = Format::new()
            .set_border(FormatBorder::Thin)
            .set_border_color(Color::RGB(0xBFBFBF))
            .set_align(FormatAlign::Top);
        let score = cell
            .clone()
            .set_bold()
            .set_border_top(FormatBorder::Medium)
            .set_border_top_color(Color::RGB(0x808080))
            .set_background_color(Color::RGB(0xF2F2F2));
        Formats {
            header: cell
                .clone()
                .set_bold()
                .set_text_wrap()
                .set_align(FormatAlign::VerticalCenter)
                .set_background_color(Color::RGB(0xD9E1F2)),
            key_line: Format::new()
                .set_font_size(8)
                .set_font_color(Color::RGB(0x595959)),
            text: cell.clone(),
            wrap: cell.clone().set_text_wrap(),
            actual: cell
                .clone()
                .set_unlocked()
                .set_background_color(Color::RGB(0xFFF2CC))
                .set_border(FormatBorder::Thin)
                .set_border_color(Color::RGB(0xBF9000)),
            number: cell.clone(),
            percent: cell.set_num_format("0.0\"%\""),
            score_label: score.clone(),
            score: score.clone().set_num_format("0.0\"%\""),
            score_blank: score,
            note: Format::new().set_text_wrap().set_align(FormatAlign::Top),
            met: Format::new()
                .set_font_color(Color::RGB(0x006100))
                .set_background_color(Color::RGB(0xC6EFCE)),
            not_met: Format::new()
                .set_font_color(Color::RGB(0x9C0006))
                .set_background_color(Color::RGB(0xFFC7CE)),
            missing: Format::new()
                .set_font_color(Color::RGB(0x7F6000))
                .set_background_color(Color::RGB(0xFFEB9C)),
            suspect: Format::new().set_background_color(Color::RGB(0xF8CBAD)),
            status: [
                Format::new()
                    .set_font_color(Color::RGB(0x006100))
                    .set_background_color(Color::RGB(0xC6EFCE)),
                Format::new()
                    .set_font_color(Color::RGB(0x7F6000))
                    .set_background_color(Color::RGB(0xFFEB9C)),
                Format::new()
                    .set_font_color(Color::RGB(0x9C0006))
                    .set_background_color(Color::RGB(0xFFC7CE)),
            ],
        }
    }
}

/// One owner's KPIs on one sheet, in rows `first..=last` (0-based), with their score row.
struct Group<'v, 'a> {
    /// The accountable owner's ID, when the KPIs have one.
    owner: Option<&'a str>,
    kpis: Vec<&'v KpiView<'a>>,
    first: u32,
    last: u32,
    /// The row of the owner's weighted score (after their KPIs), when they have an ID.
    score_row: Option<u32>,
}

/// A team sheet before it is written.
struct SheetPlan<'v, 'a> {
    /// The sheet name (unique in the workbook, valid in Excel).
    name: String,
    /// The team's display name, for the page header.
    title: String,
    lang: Lang,
    groups: Vec<Group<'v, 'a>>,
}

/// Where an owner's KPIs are: per sheet, the rows of their attainment and weight cells.
#[derive(Default)]
struct OwnerCells {
    /// `(sheet index, first row, last row)`.
    blocks: Vec<(usize, u32, u32)>,
    /// Whether none of the owner's KPIs has a `weight` (then they count equally).
    equal_weights: bool,
    /// The first score cell, for the summary: `(sheet index, row)`.
    first_score: Option<(usize, u32)>,
    /// The teams (sheet indices) the owner has KPIs on, in order.
    sheets: Vec<usize>,
    kpis: usize,
    weight_total: Option<f64>,
}

/// Renders the workbook. An error is a bug (every value is checked before it is written),
/// reported rather than panicking.
pub fn render(view: &View<'_>) -> Result<Vec<u8>, String> {
    build(view).map_err(|e| format!("cannot write `{FILE}`: {e}"))
}

fn build(view: &View<'_>) -> Result<Vec<u8>, XlsxError> {
    let plans = plan(view);
    let owners = owner_cells(&plans);
    let formats = Formats::new();
    let mut workbook = Workbook::new();
    // Fixed properties: the creation time would otherwise be the time of the build.
    let properties = DocProperties::new()
        .set_title("KPI scorecards")
        .set_author("kpic")
        .set_creation_datetime(&ExcelDateTime::from_ymd(2000, 1, 1)?);
    workbook.set_properties(&properties);
    // The team sheets are independent of each other: built in parallel, added in order.
    let sheets: Vec<Worksheet> = (0..plans.len())
        .into_par_iter()
        .map(|index| {
            let mut ws = Worksheet::new();
            team_sheet(&mut ws, view, &plans, index, &owners, &formats).map(|()| ws)
        })
        .collect::<Result<_, _>>()?;
    for ws in sheets {
        workbook.push_worksheet(ws);
    }
    let ws = workbook.add_worksheet();
    summary_sheet(ws, view, &plans, &owners, &formats)?;
    workbook.save_to_buffer()
}

/// Lays out the team sheets: one per team with KPIs (and one for KPIs of files without a
/// team), each team's KPIs grouped by owner in owner order, owners not defined last.
fn plan<'v, 'a>(view: &'v View<'a>) -> Vec<SheetPlan<'v, 'a>> {
    let owner_pos = view.owner_positions();
    let mut taken = HashSet::new();
    let mut plans = Vec::new();
    // The KPIs of each team, in order; the last list holds those of files without a team.
    let mut by_team: Vec<Vec<&KpiView<'_>>> = vec![Vec::new(); view.teams.len() + 1];
    for k in &view.kpis {
        by_team[k.team.unwrap_or(view.teams.len())].push(k);
    }
    for (t, kpis) in by_team.into_iter().enumerate() {
        if kpis.is_empty() {
            continue;
        }
        let (title, id, lang) = match view.teams.get(t) {
            Some(team) => (
                view.team_name(t).to_owned(),
                view.team_id(t).to_owned(),
                team.lang,
            ),
            None => (
                view.doc_lang.text().other_kpis.to_owned(),
                String::new(),
                view.doc_lang,
            ),
        };
        // Owners in owner order; an owner ID that names no owner keeps its first place after
        // them, and KPIs without an owner come last.
        let mut index: HashMap<Option<&str>, usize> = HashMap::new();
        let mut groups: Vec<((usize, usize), Group<'_, '_>)> = Vec::new();
        for (i, k) in kpis.into_iter().enumerate() {
            let owner = k.kpi.owner.as_ref().map(|o| o.as_str());
            let g = *index.entry(owner).or_insert_with(|| {
                let rank = match owner {
                    Some(o) => owner_pos.get(o).copied().unwrap_or(view.owners.len()),
                    None => view.owners.len() + 1,
                };
                groups.push((
                    (rank, i),
                    Group {
                        owner,
                        kpis: Vec::new(),
                        first: 0,
                        last: 0,
                        score_row: None,
                    },
                ));
                groups.len() - 1
            });
            groups[g].1.kpis.push(k);
        }
        groups.sort_by_key(|(key, _)| *key);
        let mut groups: Vec<Group<'_, '_>> = groups.into_iter().map(|(_, g)| g).collect();
        let mut row = 1;
        for g in &mut groups {
            g.first = row;
            g.last = row + g.kpis.len() as u32 - 1;
            row = g.last + 1;
            if g.owner.is_some() {
                g.score_row = Some(row);
                row += 1;
            }
        }
        let name = sheet_name(&title, &id, &mut taken);
        plans.push(SheetPlan {
            name,
            title,
            lang,
            groups,
        });
    }
    plans
}

/// A valid, unique sheet name for a team: its name without the characters Excel refuses
/// (`[]:*?/\`, control characters, a leading or trailing `'`), at most 31 UTF-16 units, else
/// its ID; a name taken already (Excel compares them ignoring case) gets ` (2)`, ` (3)` ….
fn sheet_name(title: &str, id: &str, taken: &mut HashSet<String>) -> String {
    let clean = |s: &str| -> String {
        let s: String = s
            .chars()
            .map(|c| {
                if c.is_control() || "[]:*?/\\".contains(c) {
                    ' '
                } else {
                    c
                }
            })
            .collect();
        let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
        s.trim_matches(|c: char| c == '\'' || c.is_whitespace())
            .to_owned()
    };
    let mut base = clean(title);
    if base.is_empty() {
        base = clean(id);
    }
    if base.is_empty() || base.eq_ignore_ascii_case("history") {
        base = format!("{base} team").trim().to_owned();
    }
    for n in 1.. {
        let suffix = if n == 1 {
            String::new()
        } else {
            format!(" ({n})")
        };
        let mut name = cut_utf16(&base, 31 - suffix.len());
        name = name.trim_end_matches(['\'', ' ']).to_owned();
        name.push_str(&suffix);
        if taken.insert(name.to_lowercase()) {
            return name;
        }
    }
    unreachable!("an unbounded range always yields a free name")
}

/// The longest prefix of `s` of at most `max` UTF-16 units.
fn cut_utf16(s: &str, max: usize) -> String {
    let mut units = 0;
    let mut out = String::new();
    for c in s.chars() {
        units += c.len_utf16();
        if units > max {
            break;
        }
        out.push(c);
    }
    out
}

/// Text for a cell: at most Excel's [`MAX_CELL_CHARS`] (longer text is cut, marked with `…`).
/// rust_xlsxwriter escapes what the file format needs (control characters, and a literal
/// `_xHHHH_`, which a spreadsheet would otherwise read as an escaped character).
fn cell_text(s: &str) -> String {
    if s.encode_utf16().count() > MAX_CELL_CHARS {
        let mut cut = cut_utf16(s, MAX_CELL_CHARS - 1);
        cut.push('…');
        cut
    } else {
        s.to_owned()
    }
}

/// A sheet name as a formula reference: always quoted, `'` doubled.
fn quoted(name: &str) -> String {
    format!("'{}'", name.replace('\'', "''"))
}

/// `$H$2:$H$4`, on another sheet `'Sheet'!$H$2:$H$4` (the only place a name from the specs,
/// a team's, appears in a formula: quoted, as a reference).
fn column_range(sheet: Option<&str>, col: Col, first: u32, last: u32) -> String {
    let c = col.letter();
    let prefix = sheet.map_or_else(String::new, |s| format!("{}!", quoted(s)));
    format!("{prefix}${c}${}:${c}${}", first + 1, last + 1)
}

/// A string literal inside a formula (quotes doubled). Only kpic's own fixed text goes here.
fn literal(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// Per owner: where their KPIs are, how they are weighted, their totals.
fn owner_cells<'a>(plans: &[SheetPlan<'_, 'a>]) -> HashMap<&'a str, OwnerCells> {
    let mut cells: HashMap<&str, OwnerCells> = HashMap::new();
    // Whether any of an owner's KPIs has a weight, and the sum of their weights.
    let mut weights: HashMap<&str, (bool, f64)> = HashMap::new();
    for (s, plan) in plans.iter().enumerate() {
        for g in &plan.groups {
            let Some(owner) = g.owner else { continue };
            let c = cells.entry(owner).or_default();
            c.blocks.push((s, g.first, g.last));
            if c.first_score.is_none() {
                c.first_score = g.score_row.map(|r| (s, r));
            }
            if !c.sheets.contains(&s) {
                c.sheets.push(s);
            }
            c.kpis += g.kpis.len();
            let w = weights.entry(owner).or_default();
            for k in &g.kpis {
                if let Some(v) = &k.kpi.weight {
                    *w = (true, w.1 + v.value);
                }
            }
        }
    }
    // As `kpic score` decides: an owner's KPIs (every one is in a group of theirs) count
    // equally only when none has a `weight`.
    for (owner, c) in &mut cells {
        let (any, total) = weights.get(owner).copied().unwrap_or_default();
        c.equal_weights = !any;
        c.weight_total = any.then_some(total);
    }
    cells
}

/// The formula of an owner's weighted score, exactly as [`crate::score`] computes it:
/// `Σ(weight × attainment) ÷ Σ weight` over the KPIs with an attainment, or their plain mean
/// when none of the owner's KPIs has a weight; empty while none has an actual. `None` when the
/// formula would be longer than Excel accepts (an owner spread over very many teams).
fn score_formula(plans: &[SheetPlan<'_, '_>], here: usize, cells: &OwnerCells) -> Option<String> {
    let sheet = |s: usize| (s != here).then(|| plans[s].name.as_str());
    let att = |&(s, first, last): &(usize, u32, u32)| {
        column_range(sheet(s), Col::Attainment, first, last)
    };
    let weight =
        |&(s, first, last): &(usize, u32, u32)| column_range(sheet(s), Col::Weight, first, last);
    let f = if cells.equal_weights {
        let ranges: Vec<String> = cells.blocks.iter().map(att).collect();
        let ranges = ranges.join(",");
        format!("IF(COUNT({ranges})=0,\"\",SUM({ranges})/COUNT({ranges}))")
    } else {
        let sum = |f: &dyn Fn(&(usize, u32, u32)) -> String| -> String {
            let parts: Vec<String> = cells.blocks.iter().map(f).collect();
            parts.join("+")
        };
        let weighted = sum(&|b| format!("SUMPRODUCT({},{})", weight(b), att(b)));
        let weights = sum(&|b| format!("SUMPRODUCT({},--ISNUMBER({}))", weight(b), att(b)));
        format!("IF(({weights})=0,\"\",({weighted})/({weights}))")
    };
    (f.chars().count() < MAX_FORMULA_CHARS).then_some(f)
}

/// A number as a formula constant, so that the spreadsheet compares with exactly the target.
fn constant(v: f64) -> String {
    let s = format_number(v + 0.0);
    if s.starts_with('-') {
        format!("({s})")
    } else {
        s
    }
}

/// The comparison of the target, on cell `a`: `D2>=90`.
fn comparison(target: &Target, a: &str) -> String {
    format!("{a}{}{}", target.op.symbol(), constant(target.value))
}

/// The attainment, in percent, as [`crate::score::attainment`] computes it: a ratio between a
/// positive target and a non-negative actual (an actual of 0 meets a lower-is-better target at
/// the cap), else pass/fail; at most `cap`.
fn attainment_formula(target: &Target, a: &str, cap: f64) -> String {
    let t = constant(target.value);
    let cap = constant(cap);
    let pass_fail = format!("IF({},100,0)", comparison(target, a));
    let ratio = match target.direction() {
        Direction::HigherIsBetter if target.value > 0.0 => {
            format!("IF({a}>=0,{a}/{t}*100,{pass_fail})")
        }
        Direction::LowerIsBetter if target.value > 0.0 => {
            format!("IF({a}=0,{cap},IF({a}>0,{t}/{a}*100,{pass_fail}))")
        }
        _ => pass_fail,
    };
    format!("IF(ISNUMBER({a}),MIN({ratio},{cap}),\"\")")
}

/// The status, as [`crate::score::Status::of`] decides it: green when the target is met, amber
/// when only the threshold is, else red; empty while the actual is not a number.
fn status_formula(target: &Target, threshold: Option<&Target>, a: &str, st: &SheetText) -> String {
    let [green, amber, red] = st.status.map(literal);
    let below = match threshold {
        Some(t) => format!("IF({},{amber},{red})", comparison(t, a)),
        None => red,
    };
    format!(
        "IF(ISNUMBER({a}),IF({},{green},{below}),\"\")",
        comparison(target, a)
    )
}

/// Whether an actual typed as a fraction (`0.95`) would be suspicious: a percentage target
/// above 1, where `kpic score` warns that a fraction was probably meant as a percentage.
pub fn expects_percent_above_one(target: &Target) -> bool {
    target.unit.as_deref() == Some("%") && target.value.abs() > 1.0
}

/// A range in words: `0 to 100`, `at least 0`, `at most 100`.
fn range_words(range: (Option<f64>, Option<f64>), tx: &Text, st: &SheetText) -> Option<String> {
    match range {
        (Some(min), Some(max)) => Some(
            st.range_between
                .replace("{min}", &format_number(min))
                .replace("{max}", &format_number(max)),
        ),
        (Some(min), None) => Some(format!("{} {}", tx.op(Op::Ge), format_number(min))),
        (None, Some(max)) => Some(format!("{} {}", tx.op(Op::Le), format_number(max))),
        (None, None) => None,
    }
}

/// A KPI's declared `range`, when it is a usable one (finite ends, min not above max).
fn range_of(k: &KpiView<'_>) -> (Option<f64>, Option<f64>) {
    let Some(r) = &k.kpi.range else {
        return (None, None);
    };
    let (min, max) = r.value;
    let ok = |v: Option<f64>| v.filter(|v| v.is_finite());
    match (ok(min), ok(max)) {
        (Some(a), Some(b)) if a > b => (None, None),
        other => other,
    }
}

/// The data validation of an actual cell: a decimal (inside `range` when declared), with an
/// input message giving the target, unit, direction and range.
fn validation(k: &KpiView<'_>, tx: &Text, st: &SheetText) -> Result<DataValidation, XlsxError> {
    let range = range_of(k);
    let decimal = DataValidation::new();
    let decimal = match range {
        (Some(a), Some(b)) => decimal.allow_decimal_number(DataValidationRule::Between(a, b)),
        (Some(a), None) => {
            decimal.allow_decimal_number(DataValidationRule::GreaterThanOrEqualTo(a))
        }
        (None, Some(b)) => decimal.allow_decimal_number(DataValidationRule::LessThanOrEqualTo(b)),
        // Any number: bounds written short (as numbers, they would be 300 digits long).
        (None, None) => decimal.allow_decimal_number_formula(DataValidationRule::Between(
            Formula::new("-1E+307"),
            Formula::new("1E+307"),
        )),
    };
    let mut message = String::new();
    let mut sentence = |s: &str| {
        let mut chars = s.chars();
        if let Some(first) = chars.next() {
            message.extend(first.to_uppercase());
            message.push_str(chars.as_str());
            message.push_str(st.stop);
        }
    };
    let range_text = range_words(range, tx, st).map(|r| st.input_range.replace("{range}", &r));
    if let Some(t) = k.target.parsed() {
        sentence(&tx.target_words(t));
        if let Some(u) = t.unit.as_deref() {
            sentence(&st.input_unit.replace("{unit}", tx.target_unit(u)));
        }
        sentence(st.direction_words(t.direction()));
    }
    if let Some(r) = &range_text {
        sentence(r);
    }
    if k.target.parsed().and_then(|t| t.unit.as_deref()) == Some("%") {
        sentence(st.input_percent);
    }
    let mut error = String::new();
    error.push_str(st.error_message);
    error.push_str(st.stop);
    if let Some(r) = &range_text {
        error.push_str(r);
        error.push_str(st.stop);
    }
    decimal
        .set_input_title(cut_utf16(st.actual, 32))?
        .set_input_message(cut_utf16(message.trim_end(), 255))?
        .set_error_title(cut_utf16(st.error_title, 32))?
        .set_error_message(cut_utf16(error.trim_end(), 255))
        .map(|v| v.set_error_style(DataValidationErrorStyle::Stop))
}

/// The period and due date of a KPI in words (the handbook's words).
fn when(k: &KpiView<'_>, tx: &Text) -> String {
    let mut parts = Vec::new();
    if let Some(p) = &k.kpi.period {
        parts.push(tx.period(p.as_str()).into_owned());
    }
    if let Some(d) = &k.kpi.due {
        parts.push(tx.due_value(d.as_str()));
    }
    parts.join(tx.sep)
}

/// Column widths as they fill: the widest text of each column (CJK characters count 2).
struct Widths([usize; COLS.len()]);

impl Widths {
    fn see(&mut self, col: Col, text: &str) {
        let widest = text.lines().map(display_width).max().unwrap_or(0);
        let w = &mut self.0[col.n() as usize];
        *w = (*w).max(widest);
    }

    /// The width of a column, in characters: its widest text plus a margin, within its bounds.
    fn of(&self, col: Col) -> f64 {
        let (min, max) = col.widths();
        (self.0[col.n() as usize] as f64 + 2.0).clamp(min, max)
    }
}

/// Lines a text takes in a column of `width` characters (wrapped at the width). A column's
/// width is counted in digits; most letters and CJK characters (2 columns in a terminal) are a
/// little narrower than that in a spreadsheet's font.
fn lines_in(text: &str, width: f64) -> usize {
    let per_line = (width - 1.0).max(1.0);
    text.lines()
        .map(|l| {
            ((display_width(l) as f64 * 0.85) / per_line)
                .ceil()
                .max(1.0) as usize
        })
        .sum::<usize>()
        .max(1)
}

/// The text of a page header or footer: `&` doubled (it starts a code there), at most `max`
/// characters.
fn header_text(s: &str, max: usize) -> String {
    let s: String = s.chars().filter(|c| !c.is_control()).take(max).collect();
    s.replace('&', "&&")
}

/// Print setup shared by every sheet: A4 landscape, one page wide, the header row on every
/// page, page numbers in the footer.
fn print_setup(ws: &mut Worksheet, left: &str, title: &str, right: &str) -> Result<(), XlsxError> {
    ws.set_landscape();
    ws.set_paper_size(9);
    ws.set_print_fit_to_pages(1, 0);
    ws.set_repeat_rows(0, 0)?;
    ws.set_margins(0.4, 0.4, 0.7, 0.6, 0.3, 0.3);
    ws.set_header(format!(
        "&L{}&C&\"-,Bold\"{}&R{}",
        header_text(left, 60),
        header_text(title, 40),
        header_text(right, 60)
    ));
    ws.set_footer("&C&P / &N");
    Ok(())
}

/// Writes a header row; the `kpi_id` and `actual` headers carry their machine name on a second
/// line where the label does not already say it.
fn header_row(
    ws: &mut Worksheet,
    headers: &[(u16, &str, Option<&str>)],
    st: &SheetText,
    f: &Formats,
    widths: &mut Widths,
) -> Result<(), XlsxError> {
    let mut two_lines = false;
    for &(col, label, key) in headers {
        match key {
            Some(key) if st.key_lines => {
                let line2 = format!("\n{key}");
                ws.write_rich_string_with_format(
                    0,
                    col,
                    &[(&f.header, label), (&f.key_line, &line2)],
                    &f.header,
                )?;
                two_lines = true;
            }
            _ => {
                ws.write_string_with_format(0, col, label, &f.header)?;
            }
        }
        if let Some(c) = COLS.get(col as usize) {
            widths.see(*c, label);
        }
    }
    ws.set_row_height(0, if two_lines { 32 } else { 20 })?;
    Ok(())
}

/// Protection without a password: every cell locked but the actuals; columns and rows can
/// still be resized.
fn protect(ws: &mut Worksheet) {
    let options = ProtectionOptions {
        format_columns: true,
        format_rows: true,
        ..ProtectionOptions::new()
    };
    ws.protect_with_options(&options);
}

fn team_sheet(
    ws: &mut Worksheet,
    view: &View<'_>,
    plans: &[SheetPlan<'_, '_>],
    index: usize,
    owners: &HashMap<&str, OwnerCells>,
    f: &Formats,
) -> Result<(), XlsxError> {
    let plan = &plans[index];
    let tx = plan.lang.text();
    let st = plan.lang.sheet_text();
    ws.set_name(&plan.name)?;
    // A formula written without a result gets an empty one (not the default `0`): what a
    // program that shows the file without computing it should show while no actual is in.
    ws.set_formula_result_default("");
    let mut widths = Widths([0; COLS.len()]);
    let headers: Vec<(u16, &str, Option<&str>)> = COLS
        .iter()
        .map(|c| (c.n(), c.header(tx, st), c.key()))
        .collect();
    header_row(ws, &headers, st, f, &mut widths)?;
    // Texts of wrapped cells per row, to size the rows once the widths are known.
    let mut wrapped: Vec<(u32, Col, String)> = Vec::new();
    let wrap_cols = [
        Col::Threshold,
        Col::Kpi,
        Col::Metric,
        Col::Source,
        Col::Target,
        Col::When,
        Col::Owner,
    ];
    let mut text = |ws: &mut Worksheet, row: u32, col: Col, s: &str, w: &mut Widths| {
        let s = cell_text(s);
        w.see(col, &s);
        if wrap_cols.contains(&col) {
            wrapped.push((row, col, s.clone()));
            ws.write_string_with_format(row, col.n(), &s, &f.wrap)
        } else {
            ws.write_string_with_format(row, col.n(), &s, &f.text)
        }
        .map(|_| ())
    };
    let cap = DEFAULT_CAP;
    for g in &plan.groups {
        let owner_name = g
            .owner
            .map_or_else(|| tx.none.to_owned(), |o| view.owner_name(o));
        for (i, k) in g.kpis.iter().enumerate() {
            let row = g.first + i as u32;
            let kpi = k.kpi;
            let a = format!("{}{}", Col::Actual.letter(), row + 1);
            text(ws, row, Col::Owner, &owner_name, &mut widths)?;
            text(ws, row, Col::Kpi, kpi_name(kpi), &mut widths)?;
            let target = match &k.target {
                TargetView::Parsed { target, .. } => tx.target_words(target),
                TargetView::Unparsed(t) => t.clone(),
                TargetView::Missing => tx.none.to_owned(),
            };
            text(ws, row, Col::Target, &target, &mut widths)?;
            ws.write_blank(row, Col::Actual.n(), &f.actual)?;
            ws.add_data_validation(
                row,
                Col::Actual.n(),
                row,
                Col::Actual.n(),
                &validation(k, tx, st)?,
            )?;
            let parsed = k.target.parsed();
            let unit = parsed
                .and_then(|t| t.unit.as_deref())
                .map_or("", |u| tx.target_unit(u));
            text(ws, row, Col::Unit, unit, &mut widths)?;
            let direction = parsed.map_or("", |t| st.direction_words(t.direction()));
            text(ws, row, Col::Direction, direction, &mut widths)?;
            let threshold = match threshold_view(kpi) {
                TargetView::Parsed { target, .. } => tx.target_words(&target),
                TargetView::Unparsed(t) => t,
                TargetView::Missing => String::new(),
            };
            text(ws, row, Col::Threshold, &threshold, &mut widths)?;
            match parsed {
                Some(t) => {
                    let met = format!(
                        "IF(ISNUMBER({a}),IF({},{},{}),IF({a}=\"\",{},{}))",
                        comparison(t, &a),
                        literal(st.met),
                        literal(st.not_met),
                        literal(st.missing),
                        literal(st.not_a_number)
                    );
                    // The cached results are those of an empty actual, for programs that show
                    // a file without computing it.
                    ws.write_formula_with_format(
                        row,
                        Col::Met.n(),
                        Formula::new(met).set_result(st.missing),
                        &f.text,
                    )?;
                    ws.write_formula_with_format(
                        row,
                        Col::Attainment.n(),
                        Formula::new(attainment_formula(t, &a, cap)),
                        &f.percent,
                    )?;
                    ws.write_formula_with_format(
                        row,
                        Col::Status.n(),
                        Formula::new(status_formula(t, kpi.parsed_threshold(), &a, st)),
                        &f.text,
                    )?;
                    widths.see(Col::Met, st.not_a_number);
                    for s in st.status {
                        widths.see(Col::Status, s);
                    }
                    if expects_percent_above_one(t) {
                        let suspect = ConditionalFormatFormula::new()
                            .set_rule(format!("=AND(ISNUMBER({a}),{a}<>0,ABS({a})<=1)").as_str())
                            .set_format(&f.suspect);
                        ws.add_conditional_format(
                            row,
                            Col::Actual.n(),
                            row,
                            Col::Actual.n(),
                            &suspect,
                        )?;
                    }
                }
                None => {
                    text(ws, row, Col::Met, tx.none, &mut widths)?;
                    ws.write_blank(row, Col::Status.n(), &f.text)?;
                    ws.write_blank(row, Col::Attainment.n(), &f.percent)?;
                }
            }
            match kpi
                .weight
                .as_ref()
                .map(|w| w.value)
                .filter(|w| w.is_finite())
            {
                Some(w) => ws.write_number_with_format(row, Col::Weight.n(), w + 0.0, &f.number)?,
                None => ws.write_blank(row, Col::Weight.n(), &f.number)?,
            };
            text(ws, row, Col::When, &when(k, tx), &mut widths)?;
            text(
                ws,
                row,
                Col::Metric,
                kpi.metric.as_ref().map_or("", |m| m.as_str()),
                &mut widths,
            )?;
            text(
                ws,
                row,
                Col::Source,
                kpi.source.as_ref().map_or("", |s| s.as_str()),
                &mut widths,
            )?;
            text(ws, row, Col::KpiId, kpi.id.as_str(), &mut widths)?;
        }
        if let (Some(owner), Some(row)) = (g.owner, g.score_row) {
            for c in COLS {
                ws.write_blank(row, c.n(), &f.score_blank)?;
            }
            ws.write_string_with_format(
                row,
                Col::Owner.n(),
                cell_text(&owner_name),
                &f.score_label,
            )?;
            ws.write_string_with_format(row, Col::Kpi.n(), st.weighted_score, &f.score_label)?;
            if let Some(cells) = owners.get(owner) {
                match score_formula(plans, index, cells) {
                    Some(formula) => {
                        ws.write_formula_with_format(
                            row,
                            Col::Attainment.n(),
                            Formula::new(formula),
                            &f.score,
                        )?;
                    }
                    None => {
                        ws.write_string_with_format(
                            row,
                            Col::Attainment.n(),
                            tx.none,
                            &f.score_label,
                        )?;
                    }
                }
                if let Some(total) = cells.weight_total {
                    ws.write_number_with_format(row, Col::Weight.n(), total + 0.0, &f.score)?;
                    ws.set_cell_format(row, Col::Weight.n(), &f.score_blank)?;
                }
            }
        }
    }
    let last_row = plan
        .groups
        .last()
        .map_or(0, |g| g.score_row.unwrap_or(g.last));
    // Conditional formatting of the met column: met, not met, missing.
    if last_row > 0 {
        let m = Col::Met.letter();
        for (word, format) in [
            (st.met, &f.met),
            (st.not_met, &f.not_met),
            (st.missing, &f.missing),
        ] {
            let rule = ConditionalFormatFormula::new()
                .set_rule(format!("=${m}2={}", literal(word)).as_str())
                .set_format(format);
            ws.add_conditional_format(1, Col::Met.n(), last_row, Col::Met.n(), &rule)?;
        }
        let s = Col::Status.letter();
        for (word, format) in st.status.iter().zip(&f.status) {
            let rule = ConditionalFormatFormula::new()
                .set_rule(format!("=${s}2={}", literal(word)).as_str())
                .set_format(format);
            ws.add_conditional_format(1, Col::Status.n(), last_row, Col::Status.n(), &rule)?;
        }
    }
    for c in COLS {
        ws.set_column_width(c.n(), widths.of(c))?;
    }
    // Rows as tall as their longest wrapped text.
    let mut lines: HashMap<u32, usize> = HashMap::new();
    for (row, col, s) in &wrapped {
        let n = lines_in(s, widths.of(*col));
        let e = lines.entry(*row).or_insert(1);
        *e = (*e).max(n);
    }
    let mut rows: Vec<(u32, usize)> = lines.into_iter().filter(|(_, n)| *n > 1).collect();
    rows.sort_unstable();
    for (row, n) in rows {
        ws.set_row_height(row, 15.0 * n as f64)?;
    }
    ws.set_freeze_panes(1, Col::Target.n())?;
    if let Some(g) = plan.groups.first() {
        ws.set_selection(g.first, Col::Actual.n(), g.first, Col::Actual.n())?;
    }
    // Printed: everything but the KPI ID column.
    ws.set_print_area(0, 0, last_row, Col::Source.n())?;
    print_setup(ws, &plan.title, st.title, st.period_blank)?;
    protect(ws);
    Ok(())
}

fn summary_sheet(
    ws: &mut Worksheet,
    view: &View<'_>,
    plans: &[SheetPlan<'_, '_>],
    owners: &HashMap<&str, OwnerCells>,
    f: &Formats,
) -> Result<(), XlsxError> {
    let lang = view.doc_lang;
    let tx = lang.text();
    let st = lang.sheet_text();
    let mut taken: HashSet<String> = plans.iter().map(|p| p.name.to_lowercase()).collect();
    ws.set_name(sheet_name(st.summary, "summary", &mut taken))?;
    ws.set_formula_result_default("");
    let mut widths = [0usize; 6];
    let headers: Vec<(u16, &str, Option<&str>)> = st
        .summary_header
        .iter()
        .enumerate()
        .map(|(i, h)| (i as u16, *h, None))
        .collect();
    let mut unused = Widths([0; COLS.len()]);
    header_row(ws, &headers, st, f, &mut unused)?;
    for (i, h) in st.summary_header.iter().enumerate() {
        widths[i] = display_width(h);
    }
    // Owners in the order of their first KPI on the team sheets.
    let mut order: Vec<(&str, &OwnerCells)> = owners.iter().map(|(o, c)| (*o, c)).collect();
    order.sort_by_key(|(o, c)| (c.first_score, *o));
    let mut row = 1;
    for (owner, cells) in order {
        let teams: Vec<&str> = cells
            .sheets
            .iter()
            .map(|s| plans[*s].title.as_str())
            .collect();
        let team = cell_text(&teams.join(tx.sep));
        let name = cell_text(&view.owner_name(owner));
        let id = cell_text(owner);
        for (col, s) in [(0u16, &team), (1, &name), (2, &id)] {
            ws.write_string_with_format(row, col, s, &f.wrap)?;
            widths[col as usize] = widths[col as usize].max(display_width(s));
        }
        ws.write_number_with_format(row, 3, cells.kpis as f64, &f.number)?;
        match cells.weight_total {
            Some(t) => ws.write_number_with_format(row, 4, t + 0.0, &f.number)?,
            None => ws.write_blank(row, 4, &f.number)?,
        };
        match cells.first_score {
            Some((s, r)) => {
                let cell = format!(
                    "{}!${}${}",
                    quoted(&plans[s].name),
                    Col::Attainment.letter(),
                    r + 1
                );
                ws.write_formula_with_format(row, 5, Formula::new(cell), &f.percent)?
            }
            None => ws.write_blank(row, 5, &f.percent)?,
        };
        row += 1;
    }
    let last = row.saturating_sub(1).max(1);
    let cap = format_number(DEFAULT_CAP);
    for (i, note) in st.summary_notes.iter().enumerate() {
        let r = last + 2 + i as u32;
        ws.merge_range(r, 0, r, 5, &note.replace("{cap}", &cap), &f.note)?;
        ws.set_row_height(r, 30)?;
    }
    for (i, w) in widths.iter().enumerate() {
        let max = if i < 2 { 30.0 } else { 16.0 };
        ws.set_column_width(i as u16, (*w as f64 + 2.0).clamp(8.0, max))?;
    }
    ws.set_freeze_panes(1, 0)?;
    print_setup(ws, "", st.summary, st.period_blank)?;
    protect(ws);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_are_valid_and_unique() {
        let mut taken = HashSet::new();
        assert_eq!(sheet_name("电商运营部", "ops", &mut taken), "电商运营部");
        assert_eq!(
            sheet_name("电商运营部", "ops2", &mut taken),
            "电商运营部 (2)"
        );
        assert_eq!(
            sheet_name("Red | Team [x]: a/b?*", "r", &mut taken),
            "Red | Team x a b"
        );
        assert_eq!(sheet_name("'quoted'", "q", &mut taken), "quoted");
        assert_eq!(sheet_name("\u{1b}[31m", "esc", &mut taken), "31m");
        assert_eq!(sheet_name("::", "team-id", &mut taken), "team-id");
        assert_eq!(sheet_name("HISTORY", "h", &mut taken), "HISTORY team");
        let long = "一".repeat(40);
        let name = sheet_name(&long, "l", &mut taken);
        assert_eq!(name.encode_utf16().count(), 31);
        let again = sheet_name(&long, "l", &mut taken);
        assert!(
            again.ends_with(" (2)") && again.encode_utf16().count() <= 31,
            "{again}"
        );
        assert_eq!(sheet_name("Ops", "x", &mut taken), "Ops");
        assert_eq!(sheet_name("OPS", "x", &mut taken), "OPS (2)");
        for name in &taken {
            assert!(
                rust_xlsxwriter::utility::check_sheet_name(name).is_ok(),
                "{name}"
            );
        }
    }

    #[test]
    fn cell_text_is_cut_at_excels_limit() {
        assert_eq!(cell_text("plain"), "plain");
        let long = "x".repeat(40_000);
        assert_eq!(cell_text(&long).encode_utf16().count(), MAX_CELL_CHARS);
    }

    #[test]
    fn formulas_follow_the_score_definitions() {
        let t = |op: Op, value: f64| Target {
            op,
            value,
            unit: None,
        };
        assert_eq!(
            attainment_formula(&t(Op::Ge, 2.0), "D2", 120.0),
            "IF(ISNUMBER(D2),MIN(IF(D2>=0,D2/2*100,IF(D2>=2,100,0)),120),\"\")"
        );
        assert_eq!(
            attainment_formula(&t(Op::Lt, 2.5), "D3", 120.0),
            "IF(ISNUMBER(D3),MIN(IF(D3=0,120,IF(D3>0,2.5/D3*100,IF(D3<2.5,100,0))),120),\"\")"
        );
        assert_eq!(
            attainment_formula(&t(Op::Eq, 1.0), "D4", 120.0),
            "IF(ISNUMBER(D4),MIN(IF(D4=1,100,0),120),\"\")"
        );
        // A target of 0 or below is pass/fail; a negative constant is parenthesised.
        assert_eq!(
            attainment_formula(&t(Op::Ge, -5.0), "D5", 120.0),
            "IF(ISNUMBER(D5),MIN(IF(D5>=(-5),100,0),120),\"\")"
        );
        assert_eq!(
            attainment_formula(&t(Op::Le, 0.0), "D6", 120.0),
            "IF(ISNUMBER(D6),MIN(IF(D6<=0,100,0),120),\"\")"
        );
    }

    #[test]
    fn quoting_in_formulas() {
        assert_eq!(quoted("it's"), "'it''s'");
        assert_eq!(
            column_range(Some("a b"), Col::Attainment, 1, 3),
            "'a b'!$J$2:$J$4"
        );
        assert_eq!(literal("say \"x\""), "\"say \"\"x\"\"\"");
        assert_eq!(header_text("R&D & Co", 60), "R&&D && Co");
    }
}
