//! The outputs of `kpic score`: an aligned plain-text table, a Markdown results page in English
//! or Chinese, CSV (one row per KPI) and JSON. Attainment, scores and shares are percentages,
//! rounded to one decimal in the text formats and at full precision in JSON.

use std::collections::HashMap;
use std::io::{self, Write};
use std::str::FromStr;

use serde::Serialize;

use super::trend::{Period, Trend};
use super::{KpiScore, Missing, MissingReason, OwnerScore, RowWarning, Scores, TeamScore};
pub use crate::emit::i18n::Lang;
use crate::emit::markdown::{code_span, inline};
use crate::target::format_number;

/// An output format of `kpic score`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Aligned plain text for a terminal.
    Table,
    /// A results page for the team.
    Markdown,
    /// One row per KPI.
    Csv,
    /// One JSON object.
    Json,
    /// A self-contained results page with charts.
    Html,
}

impl Format {
    /// Every format name.
    pub const NAMES: &'static [&'static str] = &["table", "markdown", "csv", "json", "html"];
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "table" => Format::Table,
            "markdown" | "md" => Format::Markdown,
            "csv" => Format::Csv,
            "json" => Format::Json,
            "html" => Format::Html,
            _ => {
                return Err(format!(
                    "unknown format `{s}`; expected one of {}",
                    Format::NAMES.join(", ")
                ));
            }
        })
    }
}

/// The language to write the Markdown page in: `--lang`, else the teams' `locale` when they
/// all share one, else the configured default locale, else English.
pub fn pick_lang(arg: Option<Lang>, scores: &Scores, config_locale: Option<&str>) -> Lang {
    let parse = |l: &str| l.parse::<Lang>().ok();
    if let Some(l) = arg {
        return l;
    }
    let mut locales = scores
        .teams
        .iter()
        .map(|t| t.locale.as_deref().and_then(parse));
    if let Some(Some(first)) = locales.next()
        && locales.all(|l| l == Some(first))
    {
        return first;
    }
    config_locale.and_then(parse).unwrap_or(Lang::En)
}

/// What a page needs besides the scores.
#[derive(Debug, Clone, Copy)]
pub struct Page<'a> {
    /// The actuals file, as the user named it.
    pub source: &'a str,
    /// The language of the Markdown page.
    pub lang: Lang,
    /// Whether `--lang` chose the language (else each team's section of the HTML page is in
    /// the team's `locale`).
    pub lang_forced: bool,
    /// `--charts DIR`: the folder the Markdown page links its charts from, as a URL path
    /// relative to the working directory (see [`chart_link_prefix`]).
    pub charts: Option<&'a str>,
}

/// The URL path of a charts folder relative to the working directory: its parts joined by
/// `/`, every byte but ASCII letters, digits, `-`, `_`, `.` and `~` percent-encoded, so that
/// no folder name can end a Markdown link or open markup.
pub fn chart_link_prefix(relative: &std::path::Path) -> String {
    let parts: Vec<String> = relative
        .components()
        .map(|c| {
            let s = c.as_os_str().to_string_lossy();
            let mut out = String::new();
            for b in s.bytes() {
                if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
                    out.push(b as char);
                } else {
                    out.push_str(&format!("%{b:02X}"));
                }
            }
            out
        })
        .collect();
    parts.join("/")
}

/// A Markdown image of a chart written by `--charts`.
fn chart_image(out: &mut dyn Write, prefix: &str, chart: &super::html::Chart) -> io::Result<()> {
    writeln!(
        out,
        "![{}]({prefix}/{}.svg)\n",
        inline(&chart.title),
        chart.name
    )
}

impl Page<'_> {
    /// The language of a team's section: `--lang`, else the team's `locale`, else the page's.
    pub fn team_lang(&self, team: &TeamScore) -> Lang {
        if self.lang_forced {
            return self.lang;
        }
        team.locale
            .as_deref()
            .and_then(|l| l.parse::<Lang>().ok())
            .unwrap_or(self.lang)
    }
}

/// Writes `scores` in `format`.
pub fn write(
    format: Format,
    scores: &Scores,
    page: Page<'_>,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Table => table(scores, out),
        Format::Markdown => markdown_with(scores, page, None, out),
        Format::Csv => csv(scores, out),
        Format::Json => json_with(scores, None, out),
        Format::Html => super::html::write(std::slice::from_ref(&single(scores, page)), page, out),
    }
}

/// One period of `scores`, labelled by its source.
fn single(scores: &Scores, page: Page<'_>) -> Period {
    Period {
        label: super::trend::label_of(std::path::Path::new(page.source)),
        source: page.source.to_owned(),
        scores: scores.clone(),
    }
}

/// Writes the results of several periods in `format`: the last period's results as
/// [`write`] does, with each KPI's and owner's values per period and the KPIs that kept
/// failing or improved. One period is written exactly as [`write`] writes it.
pub fn write_periods(
    format: Format,
    periods: &[Period],
    page: Page<'_>,
    out: &mut dyn Write,
) -> io::Result<()> {
    let Some(last) = periods.last() else {
        return Ok(());
    };
    if periods.len() == 1 {
        return write(format, &last.scores, page, out);
    }
    let trend = Trend::of(periods);
    match format {
        Format::Table => {
            table(&last.scores, out)?;
            trend_table(&trend, out)
        }
        Format::Markdown => markdown_with(&last.scores, page, Some(&trend), out),
        Format::Csv => csv_periods(periods, &trend, out),
        Format::Json => json_with(&last.scores, Some(&trend), out),
        Format::Html => super::html::write(periods, page, out),
    }
}

/// `87.5%`.
pub(super) fn percent(v: Option<f64>) -> String {
    v.map_or_else(|| "-".into(), |v| format!("{v:.1}%"))
}

pub(super) fn number(v: Option<f64>) -> String {
    v.map_or_else(String::new, format_number)
}

/// `green/amber/red` counts, as `3/1/0`.
fn counts(c: crate::score::StatusCounts) -> String {
    format!("{}/{}/{}", c.green, c.amber, c.red)
}

fn target_text(k: &KpiScore) -> String {
    k.target
        .as_ref()
        .map_or_else(String::new, ToString::to_string)
}

// ---------------------------------------------------------------------------------------------
// Table

/// Columns a character takes in a terminal: 2 for CJK and other wide characters, 0 for
/// combining marks and controls, else 1.
fn char_width(c: char) -> usize {
    match c as u32 {
        0x0300..=0x036F | 0x200B..=0x200F | 0xFE00..=0xFE0F => 0,
        0x1100..=0x115F
        | 0x2E80..=0x303E
        | 0x3041..=0x33FF
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF
        | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6
        | 0x1F300..=0x1F64F
        | 0x1F900..=0x1F9FF
        | 0x20000..=0x3FFFD => 2,
        _ if c.is_control() => 0,
        _ => 1,
    }
}

/// The columns a string takes in a terminal (CJK characters count 2).
pub fn display_width(s: &str) -> usize {
    s.chars().map(char_width).sum()
}

/// A table cell: control characters (a newline in a name), line and paragraph separators and
/// bidirectional controls (which would reorder the rest of the terminal line) become spaces.
fn cell(s: &str) -> String {
    s.chars()
        .map(|c| {
            let hostile = c.is_control()
                || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
            if hostile { ' ' } else { c }
        })
        .collect()
}

/// Writes rows aligned by display width; `right` marks right-aligned (numeric) columns.
fn aligned(
    out: &mut dyn Write,
    header: &[&str],
    right: &[bool],
    rows: &[Vec<String>],
) -> io::Result<()> {
    let mut widths: Vec<usize> = header.iter().map(|h| display_width(h)).collect();
    for row in rows {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(display_width(c));
        }
    }
    let header: Vec<String> = header.iter().map(|h| (*h).to_owned()).collect();
    for row in std::iter::once(&header).chain(rows) {
        let mut line = String::new();
        for (i, (c, w)) in row.iter().zip(&widths).enumerate() {
            if i > 0 {
                line.push_str("  ");
            }
            let pad = " ".repeat(w - display_width(c));
            if right[i] {
                line.push_str(&pad);
                line.push_str(c);
            } else {
                line.push_str(c);
                line.push_str(&pad);
            }
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

fn table(scores: &Scores, out: &mut dyn Write) -> io::Result<()> {
    let rows: Vec<Vec<String>> = scores
        .kpis
        .iter()
        .map(|k| {
            let result = match (k.met, k.missing) {
                (_, Some(_)) => "missing",
                (Some(true), _) => "yes",
                (Some(false), _) => "no",
                (None, None) => "-",
            };
            vec![
                cell(&k.kpi_id),
                cell(k.owner_id.as_deref().unwrap_or("-")),
                cell(&target_text(k)),
                number(k.actual),
                number(k.weight),
                result.into(),
                if k.actual.is_some() {
                    percent(k.attainment)
                } else {
                    String::new()
                },
                k.status.map_or("", |s| s.as_str()).to_owned(),
            ]
        })
        .collect();
    aligned(
        out,
        &[
            "KPI",
            "OWNER",
            "TARGET",
            "ACTUAL",
            "WEIGHT",
            "MET",
            "ATTAINMENT",
            "STATUS",
        ],
        &[false, false, false, true, true, false, true, false],
        &rows,
    )?;
    writeln!(out)?;
    let rows: Vec<Vec<String>> = scores
        .owners
        .iter()
        .map(|o| {
            vec![
                cell(&o.owner_id),
                cell(o.owner_name.as_deref().unwrap_or("")),
                percent(o.score),
                format!("{}/{}", o.met, o.scored),
                o.missing.to_string(),
                counts(o.status),
            ]
        })
        .collect();
    aligned(
        out,
        &[
            "OWNER",
            "NAME",
            "SCORE",
            "MET",
            "MISSING",
            "GREEN/AMBER/RED",
        ],
        &[false, false, true, true, true, true],
        &rows,
    )?;
    writeln!(out)?;
    let rows: Vec<Vec<String>> = scores
        .teams
        .iter()
        .map(|t| {
            vec![
                cell(&t.team_id),
                cell(t.team_name.as_deref().unwrap_or("")),
                format!("{}/{}", t.met, t.scored),
                percent(t.share_met),
                t.missing.to_string(),
                counts(t.status),
            ]
        })
        .collect();
    aligned(
        out,
        &[
            "TEAM",
            "NAME",
            "MET",
            "SHARE MET",
            "MISSING",
            "GREEN/AMBER/RED",
        ],
        &[false, false, true, true, true, true],
        &rows,
    )?;
    writeln!(
        out,
        "\nattainment capped at {}%; {} of {} KPIs scored, {} without an actual",
        format_number(scores.cap),
        scores.scored().count(),
        scores.kpis.len(),
        scores.kpis.iter().filter(|k| k.actual.is_none()).count()
    )
}

// ---------------------------------------------------------------------------------------------
// Markdown

/// The fixed text of the page in one language.
pub(super) struct Texts {
    pub(super) title: &'static str,
    pub(super) title_sep: &'static str,
    pub(super) summary: &'static str,
    pub(super) owners: &'static str,
    pub(super) kpis: &'static str,
    pub(super) missing: &'static str,
    pub(super) method: &'static str,
    pub(super) owner_header: [&'static str; 5],
    pub(super) kpi_header: [&'static str; 8],
    pub(super) status: [&'static str; 3],
    pub(super) met: &'static str,
    pub(super) not_met: &'static str,
    pub(super) empty_actual: &'static str,
    pub(super) not_listed: &'static str,
    pub(super) method_lines: [&'static str; 3],
    /// HTML and charts: the title of the owners' chart.
    pub(super) chart_owners: &'static str,
    /// The title of the KPIs' chart.
    pub(super) chart_kpis: &'static str,
    /// The title of the teams' chart.
    pub(super) chart_teams: &'static str,
    /// The word beside each status mark: met, amber, not met, missing.
    pub(super) marks: [&'static str; 4],
    /// Shown for an owner without a score.
    pub(super) no_actual: &'static str,
    /// Beside a team's bar: `{met}`, `{scored}`, `{missing}`.
    pub(super) team_note: &'static str,
    /// Heading of the trend over several periods.
    pub(super) trend: &'static str,
    /// Heading: the KPIs over the periods.
    pub(super) trend_kpis: &'static str,
    /// Heading: the owners over the periods.
    pub(super) trend_owners: &'static str,
    /// Heading: the KPIs not met in any period.
    pub(super) kept_failing: &'static str,
    /// Heading: the KPIs whose attainment went up.
    pub(super) improved: &'static str,
    /// Said of an empty list.
    pub(super) none_listed: &'static str,
    /// Separator in a list of names.
    pub(super) list_sep: &'static str,
    /// Separator between the items of a chart's text alternative.
    pub(super) desc_sep: &'static str,
    /// A comma inside a sentence.
    pub(super) comma: &'static str,
}

const EN: Texts = Texts {
    title: "KPI results",
    title_sep: ": ",
    summary: "Summary",
    owners: "Owners",
    kpis: "KPIs",
    missing: "Missing actuals",
    method: "How the scores are computed",
    owner_header: [
        "Owner",
        "Score",
        "Met",
        "Missing actuals",
        "Green / amber / red",
    ],
    kpi_header: [
        "KPI",
        "Owner",
        "Target",
        "Actual",
        "Weight",
        "Result",
        "Attainment",
        "Status",
    ],
    status: crate::emit::i18n::STATUS_EN,
    met: "met",
    not_met: "not met",
    empty_actual: "the `actual` cell is empty",
    not_listed: "no row in the file",
    method_lines: [
        "Higher is better (`>=`, `>`): attainment = actual ÷ target.",
        "Lower is better (`<=`, `<`): attainment = target ÷ actual; an actual of 0 counts as fully met.",
        "Equal to (`=`): 100% when met, else 0%. A target of 0, or a negative target or actual, is pass/fail: 100% when met, else 0%.",
    ],
    chart_owners: "Weighted score per owner",
    chart_kpis: "Status and attainment per KPI",
    chart_teams: "Share of KPIs met per team",
    marks: ["met", "not met, threshold met", "not met", "missing"],
    no_actual: "no actual",
    team_note: "{met} of {scored} met, {missing} missing",
    trend: "Trend",
    trend_kpis: "KPIs over the periods",
    trend_owners: "Owners over the periods",
    kept_failing: "Kept failing (not met in any period)",
    improved: "Improved (attainment up from the first period to the last)",
    none_listed: "none",
    list_sep: ", ",
    desc_sep: "; ",
    comma: ", ",
};

const ZH: Texts = Texts {
    title: "KPI 考核结果",
    title_sep: "：",
    summary: "概览",
    owners: "个人得分",
    kpis: "KPI 明细",
    missing: "缺少实际值",
    method: "计分方法",
    owner_header: ["责任人", "得分", "达成", "缺少实际值", "绿 / 黄 / 红"],
    kpi_header: [
        "KPI",
        "责任人",
        "目标",
        "实际值",
        "权重",
        "结果",
        "达成率",
        "状态",
    ],
    status: crate::emit::i18n::STATUS_ZH_CN,
    met: "达成",
    not_met: "未达成",
    empty_actual: "`actual` 单元格为空",
    not_listed: "文件中没有这一行",
    method_lines: [
        "越高越好（`>=`、`>`）：达成率 = 实际值 ÷ 目标值。",
        "越低越好（`<=`、`<`）：达成率 = 目标值 ÷ 实际值；实际值为 0 视为完全达成。",
        "等于（`=`）：达成为 100%，否则为 0%。目标值为 0，或目标值、实际值为负数时，只看是否达成：达成为 100%，否则为 0%。",
    ],
    chart_owners: "各责任人加权得分",
    chart_kpis: "各 KPI 状态与达成率",
    chart_teams: "各团队 KPI 达成比例",
    marks: ["达成", "未达成，达到预警线", "未达成", "缺少实际值"],
    no_actual: "无实际值",
    team_note: "达成 {met} / {scored}，缺少 {missing}",
    trend: "趋势",
    trend_kpis: "各 KPI 各期达成率",
    trend_owners: "各责任人各期得分",
    kept_failing: "持续未达成（每期均未达成）",
    improved: "有所改善（末期达成率高于首期）",
    none_listed: "无",
    list_sep: "、",
    desc_sep: "；",
    comma: "，",
};

pub(super) fn texts(lang: Lang) -> &'static Texts {
    match lang {
        Lang::En => &EN,
        Lang::ZhCn => &ZH,
    }
}

impl Texts {
    /// Why a KPI has no actual, in words.
    pub(super) fn why_missing(&self, k: &KpiScore) -> &'static str {
        match k.missing {
            Some(MissingReason::EmptyActual) => self.empty_actual,
            _ => self.not_listed,
        }
    }
}

/// Writes a Markdown table; `right` marks right-aligned columns. (Not
/// [`crate::emit::markdown::row`]: that writes an empty cell as `| |`, this as `|  |`, and the page's bytes
/// stay as they were.)
fn md_table(
    out: &mut dyn Write,
    header: &[&str],
    right: &[bool],
    rows: &[Vec<String>],
) -> io::Result<()> {
    writeln!(out, "| {} |", header.join(" | "))?;
    let rule: Vec<&str> = right
        .iter()
        .map(|r| if *r { "---:" } else { "---" })
        .collect();
    writeln!(out, "|{}|", rule.join("|"))?;
    for row in rows {
        writeln!(out, "| {} |", row.join(" | "))?;
    }
    Ok(())
}

/// `市场调研报告 (`market-research-reports`)`, or the ID alone.
fn named(name: Option<&str>, id: &str, lang: Lang) -> String {
    match (name, lang) {
        (Some(n), Lang::En) => format!("{} ({})", inline(n), code_span(id)),
        (Some(n), Lang::ZhCn) => format!("{}（{}）", inline(n), code_span(id)),
        (None, _) => code_span(id),
    }
}

/// Lookups the Markdown page needs, built once.
struct Index<'a> {
    /// The KPIs of each team, in order.
    by_team: HashMap<&'a str, Vec<&'a KpiScore>>,
    /// Owners by ID.
    owners: HashMap<&'a str, &'a OwnerScore>,
}

impl<'a> Index<'a> {
    fn new(scores: &'a Scores) -> Self {
        let mut by_team: HashMap<&str, Vec<&KpiScore>> = HashMap::new();
        for k in &scores.kpis {
            if let Some(t) = k.team_id.as_deref() {
                by_team.entry(t).or_default().push(k);
            }
        }
        let owners = scores
            .owners
            .iter()
            .map(|o| (o.owner_id.as_str(), o))
            .collect();
        Index { by_team, owners }
    }

    /// The owner's name, escaped, or their ID as code.
    fn owner(&self, id: &str) -> String {
        match self.owners.get(id).and_then(|o| o.owner_name.as_deref()) {
            Some(name) => inline(name),
            None => code_span(id),
        }
    }
}

/// The sentence under the page's title: the source and the cap.
pub(super) fn scored_from(lang: Lang, source: &str, cap: &str) -> (&'static str, String, String) {
    match lang {
        Lang::En => (
            "Scored from ",
            source.to_owned(),
            format!(". Attainment is capped at {cap}%."),
        ),
        Lang::ZhCn => (
            "根据 ",
            source.to_owned(),
            format!(" 计算。达成率上限为 {cap}%。"),
        ),
    }
}

/// The three summary lines of a team (kpic's words and numbers only).
pub(super) fn summary_lines(team: &TeamScore, lang: Lang) -> [String; 3] {
    let share = percent(team.share_met);
    let (g, a, r) = (team.status.green, team.status.amber, team.status.red);
    match lang {
        Lang::En => [
            format!(
                "KPIs met: {} of {} with an actual ({share})",
                team.met, team.scored
            ),
            format!("KPIs without an actual: {} of {}", team.missing, team.kpis),
            format!("Green / amber / red: {g} / {a} / {r}"),
        ],
        Lang::ZhCn => [
            format!(
                "达成的 KPI：有实际值的 {} 项中达成 {} 项（{share}）",
                team.scored, team.met
            ),
            format!("缺少实际值的 KPI：{} 项中 {} 项", team.kpis, team.missing),
            format!("绿 / 黄 / 红：{g} / {a} / {r}"),
        ],
    }
}

/// The last lines of the method section (the cap and the owner score).
pub(super) fn method_cap_line(lang: Lang, cap: &str) -> String {
    match lang {
        Lang::En => format!(
            "Attainment is capped at {cap}%. An owner's score is the weighted mean of the attainment of their KPIs with an actual: Σ(weight × attainment) ÷ Σ weight. KPIs without an actual are not scored as zero; they are listed as missing."
        ),
        Lang::ZhCn => format!(
            "达成率上限为 {cap}%。个人得分是其有实际值的 KPI 达成率的加权平均：Σ（权重 × 达成率）÷ Σ 权重。没有实际值的 KPI 不按 0 分计，而是列为缺少实际值。"
        ),
    }
}

fn markdown_with(
    scores: &Scores,
    page: Page<'_>,
    trend: Option<&Trend>,
    out: &mut dyn Write,
) -> io::Result<()> {
    let lang = page.lang;
    let t = texts(lang);
    let cap = format_number(scores.cap);
    let single = scores.teams.len() == 1;
    match scores.teams.first() {
        Some(team) if single => {
            let name = team.team_name.as_deref().unwrap_or(&team.team_id);
            writeln!(out, "# {}{}{}\n", t.title, t.title_sep, inline(name))?;
        }
        _ => writeln!(out, "# {}\n", t.title)?,
    }
    let (before, source, after) = scored_from(lang, page.source, &cap);
    writeln!(out, "{before}{}{after}\n", code_span(&source))?;
    if let Some(prefix) = page.charts
        && let Some(chart) = super::html::teams_chart(scores, lang)
    {
        chart_image(out, prefix, &chart)?;
    }
    let h = if single { "##" } else { "###" };
    let index = Index::new(scores);
    for (i, team) in scores.teams.iter().enumerate() {
        // Each team's section in its own language, as in the handbook.
        let page = Page {
            lang: page.team_lang(team),
            ..page
        };
        let lang = page.lang;
        if !single {
            let name = team.team_name.as_deref().unwrap_or(&team.team_id);
            writeln!(out, "## {}\n", named(Some(name), &team.team_id, lang))?;
        }
        team_section(&index, team, page, h, out)?;
        if let Some(prefix) = page.charts {
            let charts = super::html::owners_chart(scores, team, i + 1, lang)
                .into_iter()
                .chain(super::html::kpis_chart(scores, team, i + 1, lang));
            for chart in charts {
                chart_image(out, prefix, &chart)?;
            }
        }
        if let Some(trend) = trend {
            trend_markdown(trend, &team.team_id, i + 1, page, h, out)?;
        }
    }
    writeln!(out, "## {}\n", t.method)?;
    for line in t.method_lines {
        writeln!(out, "- {line}")?;
    }
    writeln!(out, "- {}", method_cap_line(lang, &cap))
}

fn team_section(
    index: &Index<'_>,
    team: &TeamScore,
    page: Page<'_>,
    h: &str,
    out: &mut dyn Write,
) -> io::Result<()> {
    let lang = page.lang;
    let t = texts(lang);
    let kpis: &[&KpiScore] = index
        .by_team
        .get(team.team_id.as_str())
        .map_or(&[], Vec::as_slice);
    writeln!(out, "{h} {}\n", t.summary)?;
    for line in summary_lines(team, lang) {
        writeln!(out, "- {line}")?;
    }
    writeln!(out)?;
    let mut owners: Vec<&OwnerScore> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for k in kpis {
        if let Some(o) = k.owner_id.as_deref().and_then(|o| index.owners.get(o))
            && seen.insert(o.owner_id.as_str())
        {
            owners.push(o);
        }
    }
    if !owners.is_empty() {
        writeln!(out, "{h} {}\n", t.owners)?;
        let rows: Vec<Vec<String>> = owners
            .iter()
            .map(|o| {
                vec![
                    named(o.owner_name.as_deref(), &o.owner_id, lang),
                    percent(o.score),
                    format!("{} / {}", o.met, o.scored),
                    o.missing.to_string(),
                    format!("{} / {} / {}", o.status.green, o.status.amber, o.status.red),
                ]
            })
            .collect();
        md_table(
            out,
            &t.owner_header,
            &[false, true, true, true, true],
            &rows,
        )?;
        writeln!(out)?;
    }
    let scored: Vec<&&KpiScore> = kpis.iter().filter(|k| k.actual.is_some()).collect();
    if !scored.is_empty() {
        writeln!(out, "{h} {}\n", t.kpis)?;
        let rows: Vec<Vec<String>> = scored
            .iter()
            .map(|k| {
                let owner = k
                    .owner_id
                    .as_deref()
                    .map(|o| index.owner(o))
                    .unwrap_or_default();
                let result = match k.met {
                    Some(true) => t.met,
                    Some(false) => t.not_met,
                    None => "-",
                };
                vec![
                    named(k.kpi_name.as_deref(), &k.kpi_id, lang),
                    owner,
                    inline(&target_text(k)),
                    number(k.actual),
                    number(k.weight),
                    result.to_owned(),
                    percent(k.attainment),
                    k.status.map_or("-", |s| t.status[s as usize]).to_owned(),
                ]
            })
            .collect();
        md_table(
            out,
            &t.kpi_header,
            &[false, false, false, true, true, false, true, false],
            &rows,
        )?;
        writeln!(out)?;
    }
    let missing: Vec<&&KpiScore> = kpis.iter().filter(|k| k.actual.is_none()).collect();
    if !missing.is_empty() {
        writeln!(out, "{h} {}\n", t.missing)?;
        match lang {
            Lang::En => writeln!(
                out,
                "These KPIs have no actual in {} and are not scored:\n",
                code_span(page.source)
            )?,
            Lang::ZhCn => writeln!(
                out,
                "以下 KPI 在 {} 中没有实际值，不计入得分：\n",
                code_span(page.source)
            )?,
        }
        for k in missing {
            let why = t.why_missing(k);
            let owner = k
                .owner_id
                .as_deref()
                .map(|o| index.owner(o))
                .unwrap_or_default();
            // The ID comes first, so that user text never starts a Markdown block.
            let name = k.kpi_name.as_deref().map(inline).unwrap_or_default();
            match lang {
                Lang::En => writeln!(out, "- {} {name}, {owner}: {why}", code_span(&k.kpi_id))?,
                Lang::ZhCn => writeln!(out, "- {} {name}，{owner}：{why}", code_span(&k.kpi_id))?,
            }
        }
        writeln!(out)?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// CSV

/// The columns of the CSV output.
const CSV_HEADER: [&str; 11] = [
    "team_id",
    "owner_id",
    "kpi_id",
    "kpi_name",
    "target",
    "weight",
    "actual",
    "met",
    "attainment",
    "threshold",
    "status",
];

/// One KPI's CSV fields, in the order of [`CSV_HEADER`].
fn csv_fields(k: &KpiScore) -> Vec<String> {
    let guard = crate::emit::csv_guard::text;
    let met = match k.met {
        Some(true) => "true",
        Some(false) => "false",
        None => "",
    };
    let attainment = match k.attainment {
        Some(a) => format!("{a:.1}"),
        None => String::new(),
    };
    vec![
        guard(k.team_id.as_deref().unwrap_or("")),
        guard(k.owner_id.as_deref().unwrap_or("")),
        guard(&k.kpi_id),
        guard(k.kpi_name.as_deref().unwrap_or("")),
        guard(&target_text(k)),
        number(k.weight),
        number(k.actual),
        met.to_owned(),
        attainment,
        guard(
            &k.threshold
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
        ),
        k.status.map_or("", |s| s.as_str()).to_owned(),
    ]
}

fn csv(scores: &Scores, out: &mut dyn Write) -> io::Result<()> {
    crate::emit::csv_guard::write_record(out, &CSV_HEADER)?;
    for k in &scores.kpis {
        crate::emit::csv_guard::write_record(out, &csv_fields(k))?;
    }
    Ok(())
}

/// Several periods: a `period` column first, every period's rows in turn, and whether the
/// KPI kept failing or improved over all of them.
fn csv_periods(periods: &[Period], trend: &Trend, out: &mut dyn Write) -> io::Result<()> {
    let mut header = vec!["period"];
    header.extend(CSV_HEADER);
    header.extend(["kept_failing", "improved"]);
    crate::emit::csv_guard::write_record(out, &header)?;
    let flag = |list: &[String], id: &str| list.iter().any(|x| x == id).to_string();
    for p in periods {
        for k in &p.scores.kpis {
            let mut fields = vec![crate::emit::csv_guard::text(&p.label)];
            fields.extend(csv_fields(k));
            fields.push(flag(&trend.kept_failing, &k.kpi_id));
            fields.push(flag(&trend.improved, &k.kpi_id));
            crate::emit::csv_guard::write_record(out, &fields)?;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Trend (several periods), for the table and Markdown

/// A KPI's or owner's values per period, as cells.
fn per_period(values: &[Option<f64>]) -> Vec<String> {
    values.iter().map(|v| percent(*v)).collect()
}

fn trend_table(trend: &Trend, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out)?;
    let periods: Vec<String> = trend.periods.iter().map(|p| cell(p)).collect();
    let mut header = vec!["KPI"];
    header.extend(periods.iter().map(String::as_str));
    let right: Vec<bool> = std::iter::once(false)
        .chain(periods.iter().map(|_| true))
        .collect();
    let row = |id: &str, values: &[Option<f64>]| {
        let mut row = vec![cell(id)];
        row.extend(per_period(values));
        row
    };
    let rows: Vec<Vec<String>> = trend
        .kpis
        .iter()
        .map(|k| row(&k.kpi_id, &k.attainment))
        .collect();
    aligned(out, &header, &right, &rows)?;
    writeln!(out)?;
    header[0] = "OWNER";
    let rows: Vec<Vec<String>> = trend
        .owners
        .iter()
        .map(|o| row(&o.owner_id, &o.score))
        .collect();
    aligned(out, &header, &right, &rows)?;
    let list = |ids: &[String]| {
        if ids.is_empty() {
            "-".to_owned()
        } else {
            ids.iter().map(|i| cell(i)).collect::<Vec<_>>().join(", ")
        }
    };
    writeln!(
        out,
        "\nkept failing (not met in any period): {}",
        list(&trend.kept_failing)
    )?;
    writeln!(
        out,
        "improved (attainment up from {} to {}): {}",
        cell(trend.periods.first().map_or("", String::as_str)),
        cell(trend.periods.last().map_or("", String::as_str)),
        list(&trend.improved)
    )
}

/// A team's trend section of the Markdown page.
fn trend_markdown(
    trend: &Trend,
    team_id: &str,
    n: usize,
    page: Page<'_>,
    h: &str,
    out: &mut dyn Write,
) -> io::Result<()> {
    let lang = page.lang;
    let t = texts(lang);
    // With `--charts`, a last column links each row's series (named as `html::all_charts`
    // names them).
    let series = |kind: &str, i: usize, title: &str| {
        page.charts.map(|prefix| {
            format!(
                "![{}]({prefix}/team-{n}-trend-{kind}-{i}.svg)",
                inline(title)
            )
        })
    };
    let kpis: Vec<&super::trend::KpiTrend> = trend.team_kpis(team_id);
    if kpis.is_empty() {
        return Ok(());
    }
    let periods: Vec<String> = trend.periods.iter().map(|p| inline(p)).collect();
    writeln!(out, "{h} {}\n", t.trend)?;
    let mut header = vec![t.kpi_header[0]];
    header.extend(periods.iter().map(String::as_str));
    let mut right: Vec<bool> = std::iter::once(false)
        .chain(periods.iter().map(|_| true))
        .collect();
    if page.charts.is_some() {
        header.push(t.trend);
        right.push(false);
    }
    // A row per KPI or owner: its name, its value per period, the link to its series.
    let row = |kind: &str, i: usize, name: Option<&str>, id: &str, values: &[Option<f64>]| {
        let mut row = vec![named(name, id, lang)];
        row.extend(per_period(values));
        row.extend(series(kind, i + 1, name.unwrap_or(id)));
        row
    };
    let rows: Vec<Vec<String>> = kpis
        .iter()
        .enumerate()
        .map(|(i, k)| row("kpi", i, k.kpi_name.as_deref(), &k.kpi_id, &k.attainment))
        .collect();
    md_table(out, &header, &right, &rows)?;
    writeln!(out)?;
    let mut seen = std::collections::HashSet::new();
    let owners: Vec<&super::trend::OwnerTrend> = kpis
        .iter()
        .filter_map(|k| k.owner_id.as_deref())
        .filter(|o| seen.insert(*o))
        .filter_map(|o| trend.owner(o))
        .collect();
    if !owners.is_empty() {
        header[0] = t.owner_header[0];
        let rows: Vec<Vec<String>> = owners
            .iter()
            .enumerate()
            .map(|(i, o)| row("owner", i, o.owner_name.as_deref(), &o.owner_id, &o.score))
            .collect();
        md_table(out, &header, &right, &rows)?;
        writeln!(out)?;
    }
    for (title, pick) in [
        (
            t.kept_failing,
            super::trend::KpiTrend::kept_failing as fn(&super::trend::KpiTrend) -> bool,
        ),
        (t.improved, super::trend::KpiTrend::improved),
    ] {
        let names: Vec<String> = kpis
            .iter()
            .filter(|k| pick(k))
            .map(|k| named(k.kpi_name.as_deref(), &k.kpi_id, lang))
            .collect();
        let list = if names.is_empty() {
            t.none_listed.to_owned()
        } else {
            names.join(t.list_sep)
        };
        writeln!(out, "**{title}**{} {list}\n", t.title_sep.trim_end())?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// JSON

/// The JSON document:
/// `{"version":1,"cap":…,"kpis":[…],"owners":[…],"teams":[…],"missing":[…],"warnings":[…]}`,
/// with `"trend":{…}` after them for several periods (the last period's results first).
#[derive(Serialize)]
struct JsonScores<'a> {
    version: u32,
    cap: f64,
    kpis: Vec<&'a KpiScore>,
    owners: &'a [OwnerScore],
    teams: &'a [TeamScore],
    missing: Vec<Missing>,
    warnings: &'a [RowWarning],
    /// With several periods: each KPI and owner per period, and the two lists.
    #[serde(skip_serializing_if = "Option::is_none")]
    trend: Option<&'a Trend>,
}

fn json_with(scores: &Scores, trend: Option<&Trend>, out: &mut dyn Write) -> io::Result<()> {
    let doc = JsonScores {
        trend,
        version: 1,
        cap: scores.cap,
        kpis: scores.scored().collect(),
        owners: &scores.owners,
        teams: &scores.teams,
        missing: scores.missing(),
        warnings: &scores.warnings,
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths() {
        assert_eq!(display_width("abc"), 3);
        assert_eq!(display_width("李娜"), 4);
        assert_eq!(display_width("达成率："), 8);
        assert_eq!(display_width("e\u{301}"), 1);
    }

    #[test]
    fn languages() {
        let parse = |s: &str| s.parse::<Lang>().ok();
        assert_eq!(parse("zh-CN"), Some(Lang::ZhCn));
        assert_eq!(parse("ZH"), Some(Lang::ZhCn));
        assert_eq!(parse("en"), Some(Lang::En));
        assert_eq!(parse("fr"), None);
    }
}
