//! The fixed text of the handbook in each supported language.

use std::fmt;
use std::str::FromStr;

use crate::target::{Direction, Op, Target, format_number};

/// A handbook language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    /// English.
    En,
    /// Simplified Chinese.
    ZhCn,
}

impl Lang {
    /// The locale tag as written in specs (`en`, `zh-CN`).
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::ZhCn => "zh-CN",
        }
    }

    /// The fixed text in this language.
    pub fn text(self) -> &'static Text {
        match self {
            Lang::En => &EN,
            Lang::ZhCn => &ZH_CN,
        }
    }

    /// The fixed text of `scorecards.xlsx` in this language.
    pub fn sheet_text(self) -> &'static SheetText {
        match self {
            Lang::En => &SHEET_EN,
            Lang::ZhCn => &SHEET_ZH_CN,
        }
    }

    /// Every supported language.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::ZhCn];
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.tag())
    }
}

impl FromStr for Lang {
    type Err = String;

    /// Accepts `en`, `zh-CN` and their common spellings (`zh`, `zh_cn`, any case).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "en" | "en-us" | "en-gb" => Ok(Lang::En),
            "zh-cn" | "zh" | "zh-hans" => Ok(Lang::ZhCn),
            _ => Err(format!("unknown language `{s}`; expected `en` or `zh-CN`")),
        }
    }
}

/// Every fixed phrase of the handbook.
#[derive(Debug)]
pub struct Text {
    /// The document title.
    pub title: &'static str,
    /// The line under the title.
    pub intro: &'static str,
    /// Heading of the table of contents.
    pub contents: &'static str,
    /// Label: team ID.
    pub team_id: &'static str,
    /// Label: review cadence.
    pub review: &'static str,
    /// Label: team lead.
    pub lead: &'static str,
    /// Shown for a missing value.
    pub none: &'static str,
    /// Heading: duties.
    pub duties: &'static str,
    /// Label: owner.
    pub owner: &'static str,
    /// Shown when a duty has no KPI.
    pub no_kpis: &'static str,
    /// Heading: KPIs of this team not under one of its duties.
    pub other_kpis: &'static str,
    /// KPI table header.
    pub kpi_header: [&'static str; 7],
    /// Heading: responsibility matrix.
    pub matrix: &'static str,
    /// Header of the matrix's first column.
    pub matrix_owner: &'static str,
    /// The legend under the matrix.
    pub matrix_legend: &'static str,
    /// Heading: scorecards.
    pub scorecards: &'static str,
    /// Scorecard table header.
    pub scorecard_header: [&'static str; 4],
    /// Label of the total row.
    pub total: &'static str,
    /// Shown when nobody owns a KPI of the team.
    pub no_scorecards: &'static str,
    /// Heading: the diagram.
    pub diagram: &'static str,
    /// The line above the diagram.
    pub diagram_intro: &'static str,
    /// Heading: review and scoring.
    pub how: &'static str,
    /// The cadence named in [`Text::how_text`] when the team has none.
    pub review_unset: &'static str,
    /// Paragraphs on how KPIs are reviewed and scored; `{review}` is the cadence.
    pub how_text: &'static [&'static str],
    /// Plain words for each comparison (`at least`).
    pub ops: [(Op, &'static str); 5],
    /// Period names.
    pub periods: [(&'static str, &'static str); 7],
    /// Label before a due date.
    pub due: &'static str,
    /// A due duration: `{n}` and `{unit}` from the ISO 8601 duration.
    pub due_within: &'static str,
    /// Duration units (day, week, month, year) for [`Text::due_within`], plural.
    pub duration_units: [&'static str; 4],
    /// The same units, singular (for a count of 1).
    pub duration_units_one: [&'static str; 4],
    /// Separator between the period and the due date.
    pub sep: &'static str,
    /// The colon after a label (`Owner:`, `责任人：`).
    pub colon: &'static str,
    /// Parentheses around an aside (` (…)`, `（…）`).
    pub parens: (&'static str, &'static str),
    /// Words for the normalised duration units of targets (`h` → 小时); others as written.
    pub target_units: &'static [(&'static str, &'static str)],
    /// Heading of the objective tree.
    pub objectives: &'static str,
    /// Before the KPIs that support an objective.
    pub supported_by: &'static str,
    /// Said of an objective that no KPI supports.
    pub no_supporting_kpi: &'static str,
    /// Before a threshold, beside the target.
    pub threshold: &'static str,
    /// `leading` and `lagging`, as shown beside a KPI's name.
    pub kinds: [&'static str; 2],
    /// What C and I mean in the responsibility matrix (shown when a KPI has them).
    pub matrix_legend_ci: &'static str,
    /// HTML only: the headings of the diagram's columns (owners, duties, KPIs).
    pub diagram_columns: [&'static str; 3],
    /// HTML only: the diagram's text alternative; `{owners}`, `{duties}`, `{kpis}` are counts.
    pub diagram_desc: &'static str,
    /// HTML only: one duty in the text alternative; `{duty}`, `{owner}`, `{kpis}`.
    pub diagram_desc_duty: &'static str,
    /// HTML only: the label of the table of contents of one team.
    pub team_sections: &'static str,
    /// HTML only: separator between names in a list.
    pub list_sep: &'static str,
}

/// English.
pub static EN: Text = Text {
    title: "KPI handbook",
    intro: "The duties of each team, the KPIs that measure them, who is accountable for each, and how they are scored. Generated by kpic from the KPI specs; edit the specs, not this file.",
    contents: "Contents",
    team_id: "Team ID",
    review: "KPI review",
    lead: "Lead",
    none: "—",
    duties: "Duties and KPIs",
    owner: "Owner",
    no_kpis: "No KPI measures this duty yet.",
    other_kpis: "Other KPIs",
    kpi_header: [
        "KPI",
        "Metric",
        "Target",
        "Period / due",
        "Weight",
        "Owner",
        "Data source",
    ],
    matrix: "Responsibility matrix",
    matrix_owner: "Owner",
    matrix_legend: "A = accountable (owns the duty or one of its KPIs), R = contributor (helps deliver one of its KPIs).",
    scorecards: "Scorecards",
    scorecard_header: ["KPI", "Target", "Period / due", "Weight"],
    total: "Total",
    no_scorecards: "No one owns a KPI of this team yet.",
    diagram: "Who owns what",
    diagram_intro: "Owners, the duties they own and the KPIs that measure them (dotted: a KPI owned by someone other than its duty's owner).",
    how: "How KPIs are reviewed and scored",
    review_unset: "no cadence set yet",
    how_text: &[
        "1. At the end of each period, the owner of a KPI records its actual value from the data source named in the table, in the `actual` column of their scorecard.",
        "2. A KPI is met when the actual value satisfies its target. Attainment is actual ÷ target when higher is better and target ÷ actual when lower is better, capped at 120%; a target of exactly a value scores 100% when met and 0% otherwise.",
        "3. An owner's score is the weighted average of the attainment of their KPIs (the weights of one owner add up to 100%). A KPI without an actual value is listed as missing, not scored as zero.",
        "4. The team reviews the KPI set itself ({review}): targets, weights and owners are adjusted in the specs, and this handbook is generated again.",
    ],
    ops: [
        (Op::Ge, "at least"),
        (Op::Le, "at most"),
        (Op::Gt, "more than"),
        (Op::Lt, "less than"),
        (Op::Eq, "exactly"),
    ],
    periods: [
        ("daily", "daily"),
        ("weekly", "weekly"),
        ("biweekly", "every two weeks"),
        ("monthly", "monthly"),
        ("quarterly", "quarterly"),
        ("half-yearly", "half-yearly"),
        ("yearly", "yearly"),
    ],
    due: "due",
    due_within: "within {n} {unit} of each period's start",
    duration_units: ["days", "weeks", "months", "years"],
    duration_units_one: ["day", "week", "month", "year"],
    sep: "; ",
    colon: ":",
    parens: (" (", ")"),
    target_units: &[],
    objectives: "Objectives",
    supported_by: "KPIs",
    no_supporting_kpi: "no KPI supports it yet",
    threshold: "amber at",
    kinds: ["leading", "lagging"],
    matrix_legend_ci: "C = consulted before a change to one of its KPIs, I = informed of their results.",
    diagram_columns: ["Owners", "Duties", "KPIs"],
    diagram_desc: "{owners} owners, {duties} duties and {kpis} KPIs.",
    diagram_desc_duty: "{duty}, owned by {owner}, measured by: {kpis}.",
    team_sections: "Sections",
    list_sep: ", ",
};

/// Simplified Chinese.
pub static ZH_CN: Text = Text {
    title: "KPI 手册",
    intro: "各团队的职责、衡量职责的 KPI、每项 KPI 的责任人以及评分方式。本文件由 kpic 根据 KPI 规格生成；请修改规格文件，不要直接修改本文件。",
    contents: "目录",
    team_id: "团队 ID",
    review: "KPI 评审",
    lead: "负责人",
    none: "—",
    duties: "职责与 KPI",
    owner: "责任人",
    no_kpis: "暂无衡量该职责的 KPI。",
    other_kpis: "其他 KPI",
    kpi_header: [
        "KPI",
        "衡量指标",
        "目标",
        "周期 / 截止",
        "权重",
        "责任人",
        "数据来源",
    ],
    matrix: "责任矩阵",
    matrix_owner: "责任人",
    matrix_legend: "A = 负责（职责或其某项 KPI 的责任人），R = 协作（参与完成其某项 KPI）。",
    scorecards: "考核表",
    scorecard_header: ["KPI", "目标", "周期 / 截止", "权重"],
    total: "合计",
    no_scorecards: "该团队暂无有责任人的 KPI。",
    diagram: "职责归属图",
    diagram_intro: "责任人、其负责的职责以及衡量职责的 KPI（虚线：KPI 的责任人不是该职责的责任人）。",
    how: "KPI 的评审与评分",
    review_unset: "尚未设定周期",
    how_text: &[
        "1. 每个周期结束时，KPI 责任人根据表中的数据来源，在考核表的 `actual` 列填写实际值。",
        "2. 实际值满足目标即为达成。达成率：越高越好的指标为 实际值 ÷ 目标值，越低越好的指标为 目标值 ÷ 实际值，上限为 120%；要求等于某值的目标，达成计 100%，否则计 0%。",
        "3. 责任人的得分是其各项 KPI 达成率的加权平均（同一责任人的权重合计为 100%）。没有实际值的 KPI 记为缺失，不按零分计算。",
        "4. 团队定期（{review}）评审 KPI 本身：在规格文件中调整目标、权重和责任人，然后重新生成本手册。",
    ],
    ops: [
        (Op::Ge, "不少于"),
        (Op::Le, "不超过"),
        (Op::Gt, "高于"),
        (Op::Lt, "低于"),
        (Op::Eq, "等于"),
    ],
    periods: [
        ("daily", "每日"),
        ("weekly", "每周"),
        ("biweekly", "每两周"),
        ("monthly", "每月"),
        ("quarterly", "每季度"),
        ("half-yearly", "每半年"),
        ("yearly", "每年"),
    ],
    due: "截止",
    due_within: "每个周期开始后 {n} {unit}内",
    duration_units: ["天", "周", "个月", "年"],
    duration_units_one: ["天", "周", "个月", "年"],
    sep: "；",
    colon: "：",
    parens: ("（", "）"),
    target_units: &[
        ("h", "小时"),
        ("d", "天"),
        ("min", "分钟"),
        ("w", "周"),
        ("s", "秒"),
    ],
    objectives: "目标体系",
    supported_by: "支撑的 KPI",
    no_supporting_kpi: "尚无 KPI 支撑",
    threshold: "预警线",
    kinds: ["先行指标", "滞后指标"],
    matrix_legend_ci: "C = 咨询（其某项 KPI 变更前征求意见），I = 知会（告知其结果）。",
    diagram_columns: ["责任人", "职责", "KPI"],
    diagram_desc: "{owners} 位责任人、{duties} 项职责、{kpis} 项 KPI。",
    diagram_desc_duty: "{duty}（责任人：{owner}），衡量的 KPI：{kpis}。",
    team_sections: "章节",
    list_sep: "、",
};

/// The fixed text of `scorecards.xlsx` that the handbook's [`Text`] does not already hold.
#[derive(Debug)]
pub struct SheetText {
    /// Header of the column staff fill in; kpic's reader knows it (see [`SheetText::actual_key`]).
    pub actual: &'static str,
    /// Header of the KPI ID column; kpic's reader knows it.
    pub kpi_id: &'static str,
    /// Header of the unit column.
    pub unit: &'static str,
    /// Header of the direction column.
    pub direction: &'static str,
    /// Header of the threshold column (the amber level).
    pub threshold: &'static str,
    /// Header of the met column.
    pub met_header: &'static str,
    /// Header of the status column.
    pub status_header: &'static str,
    /// Shown in the status column: green, amber, red (the words of `kpic score`).
    pub status: [&'static str; 3],
    /// Header of the attainment column.
    pub attainment: &'static str,
    /// Whether the `kpi_id` and `actual` headers carry the machine name on a second line
    /// (when the label is not already the machine name in another spelling).
    pub key_lines: bool,
    /// A direction in words: higher is better, lower is better, exactly.
    pub directions: [(Direction, &'static str); 3],
    /// Shown in the met column: met, not met, no actual yet, not a number.
    pub met: &'static str,
    /// Shown when the target is not met.
    pub not_met: &'static str,
    /// Shown while the actual is empty.
    pub missing: &'static str,
    /// Shown when the actual cell holds text.
    pub not_a_number: &'static str,
    /// Label of an owner's score row.
    pub weighted_score: &'static str,
    /// Name of the summary sheet.
    pub summary: &'static str,
    /// Summary header: team, owner, owner ID, KPI count, weight total, weighted score.
    pub summary_header: [&'static str; 6],
    /// Lines under the summary table; `{cap}` is the cap on attainment.
    pub summary_notes: [&'static str; 2],
    /// Title in the middle of the printed page header.
    pub title: &'static str,
    /// Right of the printed page header: a blank for the period being scored.
    pub period_blank: &'static str,
    /// Input message: `{unit}` is the unit.
    pub input_unit: &'static str,
    /// Input message: `{range}` is the allowed range.
    pub input_range: &'static str,
    /// Input message for a percentage.
    pub input_percent: &'static str,
    /// A range with both ends: `{min}`, `{max}`.
    pub range_between: &'static str,
    /// Title of the message shown when a typed value is refused.
    pub error_title: &'static str,
    /// The message shown when a typed value is refused.
    pub error_message: &'static str,
    /// Full stop after a sentence of an input message.
    pub stop: &'static str,
}

impl SheetText {
    /// A direction in words.
    pub fn direction_words(&self, d: Direction) -> &'static str {
        self.directions
            .iter()
            .find(|(x, _)| *x == d)
            .map_or("", |(_, w)| w)
    }
}

/// A KPI's status, green / amber / red, in words (the workbook's status column and the score
/// pages).
pub const STATUS_EN: [&str; 3] = ["green", "amber", "red"];
/// [`STATUS_EN`] in Simplified Chinese.
pub const STATUS_ZH_CN: [&str; 3] = ["绿", "黄", "红"];

/// English.
pub static SHEET_EN: SheetText = SheetText {
    actual: "Actual",
    kpi_id: "KPI ID",
    unit: "Unit",
    direction: "Direction",
    threshold: "Threshold (amber)",
    met_header: "Met",
    status_header: "Status",
    status: STATUS_EN,
    attainment: "Attainment",
    key_lines: false,
    directions: [
        (Direction::HigherIsBetter, "higher is better"),
        (Direction::LowerIsBetter, "lower is better"),
        (Direction::Exact, "exactly the target"),
    ],
    met: "met",
    not_met: "not met",
    missing: "missing",
    not_a_number: "not a number",
    weighted_score: "Weighted score",
    summary: "Summary",
    summary_header: [
        "Team",
        "Owner",
        "Owner ID",
        "KPIs",
        "Weight total",
        "Weighted score",
    ],
    summary_notes: [
        "Attainment is capped at {cap}%. An owner's score is the weighted mean of the attainment of their KPIs with an actual; a KPI without an actual is not scored as zero.",
        "Fill in the Actual column of each team's sheet; `kpic score --actuals scorecards.xlsx` computes the same numbers.",
    ],
    title: "KPI scorecard",
    period_blank: "Period: ______________",
    input_unit: "Unit: {unit}",
    input_range: "Allowed: {range}",
    input_percent: "Enter the percentage as a number: 95 for 95%",
    range_between: "{min} to {max}",
    error_title: "Not a valid actual",
    error_message: "Enter a number",
    stop: ". ",
};

/// Simplified Chinese.
pub static SHEET_ZH_CN: SheetText = SheetText {
    actual: "实际值",
    kpi_id: "KPI 编号",
    unit: "单位",
    direction: "方向",
    threshold: "预警线",
    met_header: "是否达成",
    status_header: "状态",
    status: STATUS_ZH_CN,
    attainment: "达成率",
    key_lines: true,
    directions: [
        (Direction::HigherIsBetter, "越高越好"),
        (Direction::LowerIsBetter, "越低越好"),
        (Direction::Exact, "等于目标值"),
    ],
    met: "达成",
    not_met: "未达成",
    missing: "未填写",
    not_a_number: "不是数字",
    weighted_score: "加权得分",
    summary: "汇总",
    summary_header: [
        "团队",
        "责任人",
        "责任人编号",
        "KPI 数",
        "权重合计",
        "加权得分",
    ],
    summary_notes: [
        "达成率上限为 {cap}%。责任人得分是其有实际值的 KPI 达成率的加权平均；没有实际值的 KPI 不按 0 分计算。",
        "请在各团队工作表的“实际值”列填写；`kpic score --actuals scorecards.xlsx` 计算的结果与本表相同。",
    ],
    title: "KPI 考核表",
    period_blank: "考核期：______________",
    input_unit: "单位：{unit}",
    input_range: "允许范围：{range}",
    input_percent: "百分数请直接填数值：95 表示 95%",
    range_between: "{min} 至 {max}",
    error_title: "实际值无效",
    error_message: "请填写数字",
    stop: "。",
};

impl Text {
    /// Plain words for a comparison.
    pub fn op(&self, op: Op) -> &'static str {
        self.ops
            .iter()
            .find(|(o, _)| *o == op)
            .map_or("", |(_, w)| w)
    }

    /// A target's unit in words: `h` is 小时 in Chinese; other units as written.
    pub fn target_unit<'a>(&self, unit: &'a str) -> &'a str {
        self.target_units
            .iter()
            .find(|(k, _)| *k == unit)
            .map_or(unit, |(_, w)| w)
    }

    /// A target in plain words: `at least 2 份`, `不少于 90%`, `不超过 24 小时`.
    pub fn target_words(&self, target: &Target) -> String {
        let value = format_number(target.value);
        let unit = match target.unit.as_deref() {
            Some("%") => "%".to_owned(),
            Some(u) => format!(" {}", self.target_unit(u)),
            None => String::new(),
        };
        format!("{} {value}{unit}", self.op(target.op))
    }

    /// A period in words; unknown periods (ISO 8601 durations) are returned as written.
    pub fn period<'a>(&self, period: &'a str) -> std::borrow::Cow<'a, str> {
        match self.periods.iter().find(|(k, _)| *k == period) {
            Some((_, w)) => (*w).into(),
            None => period.into(),
        }
    }

    /// A `due` value in words: a date as written, a simple ISO 8601 duration (`P14D`) spelled
    /// out, anything else as written.
    pub fn due_value(&self, due: &str) -> String {
        let parsed = due.strip_prefix('P').and_then(|rest| {
            let unit = rest.chars().last()?;
            let n: u32 = rest[..rest.len() - unit.len_utf8()].parse().ok()?;
            let i = ["D", "W", "M", "Y"]
                .iter()
                .position(|u| u.starts_with(unit))?;
            let units = if n == 1 {
                &self.duration_units_one
            } else {
                &self.duration_units
            };
            Some((n, units[i]))
        });
        match parsed {
            Some((n, unit)) => self
                .due_within
                .replace("{n}", &n.to_string())
                .replace("{unit}", unit),
            None => format!("{} {due}", self.due),
        }
    }
}

/// `template` with each `{name}` replaced by its value, in one pass (a value that holds
/// `{name}` itself stays as it is).
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(at) = rest.find('{') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        match values
            .iter()
            .find(|(k, _)| after.starts_with(k) && after[k.len()..].starts_with('}'))
        {
            Some((k, v)) => {
                out.push_str(v);
                rest = &after[k.len() + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_parse_from_common_spellings() {
        assert_eq!("zh-CN".parse::<Lang>(), Ok(Lang::ZhCn));
        assert_eq!("zh_cn".parse::<Lang>(), Ok(Lang::ZhCn));
        assert_eq!("EN".parse::<Lang>(), Ok(Lang::En));
        assert!("fr".parse::<Lang>().is_err());
    }

    #[test]
    fn due_values_in_words() {
        assert_eq!(
            EN.due_value("P14D"),
            "within 14 days of each period's start"
        );
        assert_eq!(EN.due_value("P1W"), "within 1 week of each period's start");
        assert_eq!(ZH_CN.due_value("P5D"), "每个周期开始后 5 天内");
        assert_eq!(EN.due_value("2027-03-31"), "due 2027-03-31");
        assert_eq!(EN.due_value("PT4H"), "due PT4H");
        assert_eq!(ZH_CN.due_value("P"), "截止 P");
    }

    #[test]
    fn templates_are_filled_in_one_pass() {
        assert_eq!(
            fill("{a} and {b}", &[("a", "{b}"), ("b", "x")]),
            "{b} and x"
        );
        assert_eq!(fill("{c} {", &[("a", "1")]), "{c} {");
    }

    #[test]
    fn periods_in_words() {
        assert_eq!(ZH_CN.period("half-yearly"), "每半年");
        assert_eq!(EN.period("biweekly"), "every two weeks");
        assert_eq!(EN.period("P2W"), "P2W");
    }
}
