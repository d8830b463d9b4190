//! `kpic score --format html`: the results page as one self-contained page
//! ([`crate::emit::html::page`]) with charts as inline SVG ([`super::charts`]): the share met
//! per team, then per team (in its language) the owners' weighted scores against 100 %, each
//! KPI's status and attainment, the tables of the Markdown page and, over several periods,
//! each KPI's and owner's series and the KPIs that kept failing or improved.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::io::{self, Write};

use super::charts::{self, Mark, ShareRow, StatusRow, Words};
use super::render::{Lang, Page, Texts, number, percent, scored_from, summary_lines, texts};
use super::trend::{KpiTrend, OwnerTrend, Period, Trend};
use super::{KpiScore, OwnerScore, Scores, TeamScore};
use crate::emit::html::{self, Table, escape, fixed_with_code};
use crate::emit::i18n::fill;
use crate::target::format_number;

/// Writes the page of `periods` (the last one in full; a trend with two or more).
pub fn write(periods: &[Period], page: Page<'_>, out: &mut dyn Write) -> io::Result<()> {
    out.write_all(render(periods, page).as_bytes())
}

/// The mark of a KPI.
pub fn mark(k: &KpiScore) -> Mark {
    match (k.actual, k.status, k.met) {
        (None, _, _) => Mark::Missing,
        (_, Some(super::Status::Green), _) | (_, None, Some(true)) => Mark::Met,
        (_, Some(super::Status::Amber), _) => Mark::Amber,
        _ => Mark::NotMet,
    }
}

/// The plain words of a target in `lang` (as the handbook writes them).
fn target_words(k: &KpiScore, lang: Lang) -> String {
    let tx = match lang {
        Lang::En => crate::emit::Lang::En.text(),
        Lang::ZhCn => crate::emit::Lang::ZhCn.text(),
    };
    k.target
        .as_ref()
        .map_or_else(|| tx.none.to_owned(), |t| tx.target_words(t))
}

/// A display name as plain text (a chart label): the name, else the ID.
fn display(name: Option<&str>, id: &str) -> String {
    name.map_or_else(|| id.to_owned(), str::to_owned)
}

/// `市场调研报告 <code>market-research-reports</code>`, escaped.
fn named(name: Option<&str>, id: &str) -> String {
    match name {
        Some(n) => format!("{} <code>{}</code>", escape(n), escape(id)),
        None => format!("<code>{}</code>", escape(id)),
    }
}

/// The page.
pub fn render(periods: &[Period], page: Page<'_>) -> String {
    let Some(last) = periods.last() else {
        return String::new();
    };
    let scores = &last.scores;
    let trend = (periods.len() > 1).then(|| Trend::of(periods));
    let lang = page.lang;
    let t = texts(lang);
    let cap = format_number(scores.cap);
    let mut body = String::new();
    let title = match scores.teams.as_slice() {
        [team] => format!(
            "{}{}{}",
            t.title,
            t.title_sep,
            team.team_name.as_deref().unwrap_or(&team.team_id)
        ),
        _ => t.title.to_owned(),
    };
    let _ = writeln!(body, "<header>\n<h1>{}</h1>", escape(&title));
    let (before, source, after) = scored_from(lang, &last.source, &cap);
    let _ = writeln!(
        body,
        "<p class=\"note\">{}<code>{}</code>{}</p>",
        escape(before),
        escape(&source),
        escape(&after)
    );
    if let Some(trend) = &trend {
        let labels: Vec<String> = trend.periods.iter().map(|p| escape(p)).collect();
        let _ = writeln!(
            body,
            "<p class=\"note\">{}{}{}</p>",
            escape(t.trend),
            escape(t.title_sep),
            labels.join(" → ")
        );
    }
    body.push_str("</header>\n");

    if let Some(chart) = teams_chart(scores, lang) {
        let _ = write!(
            body,
            "<section id=\"teams\">\n<h2>{}</h2>\n<figure>\n{}</figure>\n</section>\n",
            escape(&chart.title),
            chart.svg
        );
    }

    let mut index = 0;
    for team in &scores.teams {
        index += 1;
        team_section(&mut body, scores, team, index, page, trend.as_ref());
    }

    let _ = writeln!(
        body,
        "<section id=\"method\">\n<h2>{}</h2>\n<ul>",
        escape(t.method)
    );
    for line in t.method_lines {
        let _ = writeln!(body, "<li>{}</li>", fixed_with_code(line));
    }
    let _ = writeln!(
        body,
        "<li>{}</li>\n</ul>\n</section>",
        escape(&super::render::method_cap_line(lang, &cap))
    );
    html::page(
        match lang {
            Lang::En => "en",
            Lang::ZhCn => "zh-CN",
        },
        &title,
        &body,
    )
}

fn team_section(
    out: &mut String,
    scores: &Scores,
    team: &TeamScore,
    n: usize,
    page: Page<'_>,
    trend: Option<&Trend>,
) {
    let lang = page.team_lang(team);
    let t = texts(lang);
    let tag = match lang {
        Lang::En => "en",
        Lang::ZhCn => "zh-CN",
    };
    let kpis: Vec<&KpiScore> = scores.team_kpis(&team.team_id);
    let _ = writeln!(
        out,
        "<section class=\"team\" id=\"team-{n}\" lang=\"{tag}\">\n<h2>{}</h2>",
        named(team.team_name.as_deref(), &team.team_id)
    );
    let _ = writeln!(out, "<h3>{}</h3>\n<ul>", escape(t.summary));
    for line in summary_lines(team, lang) {
        let _ = writeln!(out, "<li>{}</li>", escape(&line));
    }
    out.push_str("</ul>\n");

    // Owners: the chart (sorted by score, highest first) and the table.
    let owners = team_owners(scores, &kpis);
    if !owners.is_empty() {
        let _ = writeln!(out, "<h3>{}</h3>", escape(t.owners));
        if let Some(chart) = owners_chart(scores, team, n, lang) {
            let _ = write!(out, "<figure>\n{}</figure>\n", chart.svg);
        }
        let mut table = Table::new(&t.owner_header, &[1, 2, 3]);
        for o in &owners {
            table.row(
                &[
                    named(o.owner_name.as_deref(), &o.owner_id),
                    escape(&percent(o.score)),
                    format!("{} / {}", o.met, o.scored),
                    o.missing.to_string(),
                    format!("{} / {} / {}", o.status.green, o.status.amber, o.status.red),
                ],
                None,
            );
        }
        out.push_str(&table.finish());
    }

    // KPIs: every KPI's status and attainment, then the table of those with an actual.
    if let Some(chart) = kpis_chart(scores, team, n, lang) {
        let _ = write!(
            out,
            "<h3>{}</h3>\n<figure>\n{}</figure>\n",
            escape(t.kpis),
            chart.svg
        );
    }
    let scored: Vec<&&KpiScore> = kpis.iter().filter(|k| k.actual.is_some()).collect();
    if !scored.is_empty() {
        let mut table = Table::new(&t.kpi_header, &[3, 4, 6]);
        for k in scored {
            let owner = k
                .owner_id
                .as_deref()
                .map_or_else(String::new, |o| owner_name(scores, o));
            let m = mark(k);
            table.row(
                &[
                    named(k.kpi_name.as_deref(), &k.kpi_id),
                    owner,
                    escape(&target_words(k, lang)),
                    escape(&number(k.actual)),
                    escape(&number(k.weight)),
                    format!(
                        "<span class=\"{}\">{} {}</span>",
                        m.class(),
                        m.symbol(),
                        escape(if k.met == Some(true) {
                            t.met
                        } else {
                            t.not_met
                        })
                    ),
                    escape(&percent(k.attainment)),
                    k.status
                        .map_or_else(|| "-".to_owned(), |s| escape(t.status[s as usize])),
                ],
                None,
            );
        }
        out.push_str(&table.finish());
    }
    let missing: Vec<&&KpiScore> = kpis.iter().filter(|k| k.actual.is_none()).collect();
    if !missing.is_empty() {
        let _ = writeln!(out, "<h3>{}</h3>\n<ul>", escape(t.missing));
        for k in missing {
            let why = t.why_missing(k);
            let owner = k
                .owner_id
                .as_deref()
                .map_or_else(String::new, |o| owner_name(scores, o));
            let _ = writeln!(
                out,
                "<li><span class=\"status-missing\">{}</span> {}{}{owner}{}{}</li>",
                Mark::Missing.symbol(),
                named(k.kpi_name.as_deref(), &k.kpi_id),
                escape(t.list_sep),
                escape(t.title_sep),
                fixed_with_code(why)
            );
        }
        out.push_str("</ul>\n");
    }
    if let Some(trend) = trend {
        trend_section(out, trend, team, n, scores.cap, t);
    }
    out.push_str("</section>\n");
}

fn owner_name(scores: &Scores, id: &str) -> String {
    match scores.owner(id).and_then(|o| o.owner_name.as_deref()) {
        Some(name) => escape(name),
        None => format!("<code>{}</code>", escape(id)),
    }
}

/// A team's KPIs and owners over the periods, each with a small series, and the two lists.
fn trend_section(out: &mut String, trend: &Trend, team: &TeamScore, n: usize, cap: f64, t: &Texts) {
    let kpis: Vec<&KpiTrend> = trend.team_kpis(&team.team_id);
    if kpis.is_empty() {
        return;
    }
    let _ = writeln!(out, "<h3>{}</h3>", escape(t.trend));
    let mut header: Vec<&str> = vec![t.kpi_header[0]];
    header.extend(trend.periods.iter().map(String::as_str));
    header.push(t.trend);
    let numeric: Vec<usize> = (1..=trend.periods.len()).collect();
    let _ = writeln!(out, "<h4>{}</h4>", escape(t.trend_kpis));
    let mut table = Table::new(&header, &numeric);
    for (i, k) in kpis.iter().enumerate() {
        let mut cells = vec![named(k.kpi_name.as_deref(), &k.kpi_id)];
        cells.extend(k.attainment.iter().map(|v| escape(&percent(*v))));
        cells.push(kpi_series(trend, k, n, i + 1, cap, t).svg);
        table.row(&cells, None);
    }
    out.push_str(&table.finish());

    let owners = trend_owners(trend, &kpis);
    if !owners.is_empty() {
        let _ = writeln!(out, "<h4>{}</h4>", escape(t.trend_owners));
        header[0] = t.owner_header[0];
        let mut table = Table::new(&header, &numeric);
        for (i, o) in owners.iter().enumerate() {
            let mut cells = vec![named(o.owner_name.as_deref(), &o.owner_id)];
            cells.extend(o.score.iter().map(|v| escape(&percent(*v))));
            cells.push(owner_series(trend, o, n, i + 1, cap, t).svg);
            table.row(&cells, None);
        }
        out.push_str(&table.finish());
    }
    for (title, pick, m) in [
        (
            t.kept_failing,
            KpiTrend::kept_failing as fn(&KpiTrend) -> bool,
            Mark::NotMet,
        ),
        (t.improved, KpiTrend::improved, Mark::Met),
    ] {
        let _ = writeln!(out, "<h4>{}</h4>", escape(title));
        let items: Vec<&&KpiTrend> = kpis.iter().filter(|k| pick(k)).collect();
        if items.is_empty() {
            let _ = writeln!(out, "<p>{}</p>", escape(t.none_listed));
            continue;
        }
        out.push_str("<ul>\n");
        for k in items {
            let values: Vec<String> = k.attainment.iter().map(|v| percent(*v)).collect();
            let _ = writeln!(
                out,
                "<li><span class=\"{}\">{}</span> {} ({})</li>",
                m.class(),
                m.symbol(),
                named(k.kpi_name.as_deref(), &k.kpi_id),
                escape(&values.join(" → "))
            );
        }
        out.push_str("</ul>\n");
    }
}

// ---------------------------------------------------------------------------------------------
// The charts, shared with the Markdown page's `--charts DIR`

/// One chart: its file stem (`teams`, `team-1-owners`; its element ID is `chart-` and the
/// stem), title and SVG.
#[derive(Debug, Clone)]
pub struct Chart {
    /// The file stem and element ID, kpic's own ASCII name.
    pub name: String,
    /// The title (plain text; the Markdown page's alt text).
    pub title: String,
    /// The SVG element.
    pub svg: String,
}

/// The owners of `kpis`, in order of first appearance.
fn team_owners<'a>(scores: &'a Scores, kpis: &[&KpiScore]) -> Vec<&'a OwnerScore> {
    let mut owners: Vec<&OwnerScore> = Vec::new();
    let mut seen = HashSet::new();
    for k in kpis {
        if let Some(o) = k.owner_id.as_deref().and_then(|o| scores.owner(o))
            && seen.insert(o.owner_id.as_str())
        {
            owners.push(o);
        }
    }
    owners
}

/// The KPIs of a team.
fn team_kpis<'a>(scores: &'a Scores, team: &TeamScore) -> Vec<&'a KpiScore> {
    scores.team_kpis(&team.team_id)
}

/// The share met of every team.
pub(super) fn teams_chart(scores: &Scores, lang: Lang) -> Option<Chart> {
    let t = texts(lang);
    let rows: Vec<ShareRow> = scores
        .teams
        .iter()
        .map(|team| ShareRow {
            label: display(team.team_name.as_deref(), &team.team_id),
            share: team.share_met,
            note: fill(
                t.team_note,
                &[
                    ("met", &team.met.to_string()),
                    ("scored", &team.scored.to_string()),
                    ("missing", &team.missing.to_string()),
                ],
            ),
        })
        .collect();
    if rows.is_empty() {
        return None;
    }
    let desc = rows
        .iter()
        .map(|r| {
            format!(
                "{}{}{} ({})",
                r.label,
                t.title_sep,
                percent(r.share),
                r.note
            )
        })
        .collect::<Vec<_>>()
        .join(t.desc_sep);
    let words = Words {
        title: t.chart_teams.to_owned(),
        desc,
    };
    let name = "teams".to_owned();
    Some(Chart {
        svg: charts::shares(&format!("chart-{name}"), &rows, &words),
        title: words.title,
        name,
    })
}

/// Team `n`'s owners, by weighted score (highest first).
pub(super) fn owners_chart(
    scores: &Scores,
    team: &TeamScore,
    n: usize,
    lang: Lang,
) -> Option<Chart> {
    let t = texts(lang);
    let mut sorted = team_owners(scores, &team_kpis(scores, team));
    if sorted.is_empty() {
        return None;
    }
    sorted.sort_by(|a, b| {
        b.score
            .unwrap_or(f64::NEG_INFINITY)
            .total_cmp(&a.score.unwrap_or(f64::NEG_INFINITY))
    });
    let rows: Vec<(String, Option<f64>)> = sorted
        .iter()
        .map(|o| (display(o.owner_name.as_deref(), &o.owner_id), o.score))
        .collect();
    let desc = rows
        .iter()
        .map(|(name, s)| format!("{name}{}{}", t.title_sep, percent(*s)))
        .collect::<Vec<_>>()
        .join(t.desc_sep);
    let words = Words {
        title: t.chart_owners.to_owned(),
        desc,
    };
    let scale = rows.iter().filter_map(|r| r.1).fold(scores.cap, f64::max);
    let name = format!("team-{n}-owners");
    Some(Chart {
        svg: charts::bars(&format!("chart-{name}"), &rows, scale, t.no_actual, &words),
        title: words.title,
        name,
    })
}

/// Team `n`'s KPIs: status and attainment.
pub(super) fn kpis_chart(scores: &Scores, team: &TeamScore, n: usize, lang: Lang) -> Option<Chart> {
    let t = texts(lang);
    let kpis = team_kpis(scores, team);
    if kpis.is_empty() {
        return None;
    }
    let rows: Vec<StatusRow> = kpis
        .iter()
        .map(|k| StatusRow {
            label: display(k.kpi_name.as_deref(), &k.kpi_id),
            mark: mark(k),
            attainment: k.actual.and(k.attainment),
        })
        .collect();
    let desc = rows
        .iter()
        .map(|r| {
            let mut s = format!("{}{}{}", r.label, t.title_sep, t.marks[r.mark as usize]);
            if let Some(a) = r.attainment {
                let _ = write!(s, "{}{}", t.comma, percent(Some(a)));
            }
            s
        })
        .collect::<Vec<_>>()
        .join(t.desc_sep);
    let words = Words {
        title: t.chart_kpis.to_owned(),
        desc,
    };
    let name = format!("team-{n}-kpis");
    Some(Chart {
        svg: charts::statuses(&format!("chart-{name}"), &rows, scores.cap, t.marks, &words),
        title: words.title,
        name,
    })
}

/// The text alternative of a series: each period's value.
fn series_desc(trend: &Trend, name: &str, values: &[Option<f64>], t: &Texts) -> String {
    let sep = t.title_sep;
    let parts: Vec<String> = trend
        .periods
        .iter()
        .zip(values)
        .map(|(p, v)| format!("{p}{sep}{}", percent(*v)))
        .collect();
    format!("{name}{sep}{}", parts.join(t.desc_sep))
}

/// The KPIs of a team's trend that have owners, and those owners' trends.
fn trend_owners<'a>(trend: &'a Trend, kpis: &[&KpiTrend]) -> Vec<&'a OwnerTrend> {
    let mut seen = HashSet::new();
    kpis.iter()
        .filter_map(|k| k.owner_id.as_deref())
        .filter(|o| seen.insert(o.to_owned()))
        .filter_map(|o| trend.owner(o))
        .collect()
}

/// The `i`-th KPI of team `n` over the periods.
pub(super) fn kpi_series(
    trend: &Trend,
    k: &KpiTrend,
    n: usize,
    i: usize,
    cap: f64,
    t: &Texts,
) -> Chart {
    let title = display(k.kpi_name.as_deref(), &k.kpi_id);
    let words = Words {
        desc: series_desc(trend, &title, &k.attainment, t),
        title,
    };
    let name = format!("team-{n}-trend-kpi-{i}");
    Chart {
        svg: charts::series(&format!("chart-{name}"), &k.attainment, cap, &words),
        title: words.title,
        name,
    }
}

/// The `i`-th owner of team `n` over the periods.
pub(super) fn owner_series(
    trend: &Trend,
    o: &OwnerTrend,
    n: usize,
    i: usize,
    cap: f64,
    t: &Texts,
) -> Chart {
    let title = display(o.owner_name.as_deref(), &o.owner_id);
    let words = Words {
        desc: series_desc(trend, &title, &o.score, t),
        title,
    };
    let name = format!("team-{n}-trend-owner-{i}");
    Chart {
        svg: charts::series(&format!("chart-{name}"), &o.score, cap, &words),
        title: words.title,
        name,
    }
}

/// Every chart of the page, each team's in the language of its section, for `--charts DIR`
/// (the trend's with several periods).
pub fn all_charts(periods: &[Period], page: Page<'_>) -> Vec<Chart> {
    let Some(last) = periods.last() else {
        return Vec::new();
    };
    let scores = &last.scores;
    let trend = (periods.len() > 1).then(|| Trend::of(periods));
    let mut out: Vec<Chart> = teams_chart(scores, page.lang).into_iter().collect();
    for (i, team) in scores.teams.iter().enumerate() {
        // A team's charts in the language of its section.
        let lang = page.team_lang(team);
        let t = texts(lang);
        let n = i + 1;
        out.extend(owners_chart(scores, team, n, lang));
        out.extend(kpis_chart(scores, team, n, lang));
        if let Some(trend) = &trend {
            let kpis: Vec<&KpiTrend> = trend.team_kpis(&team.team_id);
            for (j, k) in kpis.iter().enumerate() {
                out.push(kpi_series(trend, k, n, j + 1, scores.cap, t));
            }
            for (j, o) in trend_owners(trend, &kpis).iter().enumerate() {
                out.push(owner_series(trend, o, n, j + 1, scores.cap, t));
            }
        }
    }
    out
}
