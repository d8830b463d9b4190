//! The charts of the results page, as SVG text that kpic lays out itself (no script): each
//! owner's weighted score against 100 %, each KPI's status and attainment, each team's share
//! met, and a small series per KPI or owner over several periods. Status is never shown by
//! colour alone: every mark has its own shape and a word beside it. Used inline by the HTML
//! page and written as `.svg` files by `--charts DIR`. All user text goes through
//! [`crate::emit::html::escape`] (by way of [`svg::text`] and [`svg::open`]).

use std::fmt::Write as _;

use crate::emit::html::escape;
use crate::emit::svg::{self, AMBER, GREEN, INK, LINE, MUTED, RED, fit, n, text_width};

const FONT: f64 = 12.0;
const ROW: f64 = 24.0;
const BAR_H: f64 = 14.0;
const BAR_W: f64 = 320.0;
const MAX_LABEL: f64 = 240.0;
const PAD: f64 = 8.0;

/// The dashed line at 100 % of a bar chart, from `top` to the foot of a chart `height` tall,
/// labelled above.
fn hundred_line(out: &mut String, x100: f64, top: f64, height: f64) {
    let _ = writeln!(
        out,
        "<line x1=\"{x}\" y1=\"{}\" x2=\"{x}\" y2=\"{}\" stroke=\"{LINE}\" stroke-dasharray=\"3 2\"/>",
        n(top - 6.0),
        n(height - PAD),
        x = n(x100)
    );
    svg::text(out, x100, top - 9.0, "middle", MUTED, "100%");
}

/// A chart's title and text alternative (plain text).
#[derive(Debug, Clone)]
pub struct Words {
    /// The title.
    pub title: String,
    /// The text alternative: what the chart shows, in full.
    pub desc: String,
}

/// A KPI's status as the page marks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// The target is met (green).
    Met,
    /// The target is not met but its threshold is (amber).
    Amber,
    /// Not met (red).
    NotMet,
    /// No actual.
    Missing,
}

impl Mark {
    /// The mark's colour (text and shape).
    pub fn colour(self) -> &'static str {
        match self {
            Mark::Met => GREEN,
            Mark::Amber => AMBER,
            Mark::NotMet => RED,
            Mark::Missing => MUTED,
        }
    }

    /// The CSS class of the page for text in this mark's colour.
    pub fn class(self) -> &'static str {
        match self {
            Mark::Met => "status-green",
            Mark::Amber => "status-amber",
            Mark::NotMet => "status-red",
            Mark::Missing => "status-missing",
        }
    }

    /// A text symbol for tables: ✓ met, ▲ amber, ✗ not met, ○ missing.
    pub fn symbol(self) -> &'static str {
        match self {
            Mark::Met => "✓",
            Mark::Amber => "▲",
            Mark::NotMet => "✗",
            Mark::Missing => "○",
        }
    }

    /// The mark's shape, centred on (`x`, `y`): a disc with a tick, a triangle, a square with
    /// a cross, an empty circle.
    fn shape(self, out: &mut String, x: f64, y: f64) {
        let c = self.colour();
        let _ = match self {
            Mark::Met => writeln!(
                out,
                "<circle cx=\"{}\" cy=\"{}\" r=\"6\" fill=\"{c}\"/><path d=\"M{} {} l2.5 2.5 l4.5 -5\" stroke=\"#ffffff\" stroke-width=\"1.8\" fill=\"none\"/>",
                n(x),
                n(y),
                n(x - 3.5),
                n(y)
            ),
            Mark::Amber => writeln!(
                out,
                "<path d=\"M{} {} l6.5 11 h-13 z\" fill=\"{c}\"/>",
                n(x),
                n(y - 6.5)
            ),
            Mark::NotMet => writeln!(
                out,
                "<rect x=\"{}\" y=\"{}\" width=\"12\" height=\"12\" fill=\"{c}\"/><path d=\"M{} {} l6 6 m0 -6 l-6 6\" stroke=\"#ffffff\" stroke-width=\"1.8\"/>",
                n(x - 6.0),
                n(y - 6.0),
                n(x - 3.0),
                n(y - 3.0)
            ),
            Mark::Missing => writeln!(
                out,
                "<circle cx=\"{}\" cy=\"{}\" r=\"5.5\" fill=\"none\" stroke=\"{c}\" stroke-width=\"1.5\" stroke-dasharray=\"2 2\"/>",
                n(x),
                n(y)
            ),
        };
    }
}

/// `87.5%`.
fn pct(v: f64) -> String {
    format!("{v:.1}%")
}

/// The width of the label column for `labels`.
fn label_width(labels: impl Iterator<Item = String>) -> f64 {
    labels
        .map(|l| text_width(&l, FONT))
        .fold(60.0, f64::max)
        .min(MAX_LABEL)
}

/// A row label, cut to `width`, with the whole label as a tooltip when cut.
fn label(out: &mut String, x: f64, y: f64, width: f64, text: &str) {
    let (shown, cut) = fit(text, width, FONT);
    if cut {
        let _ = write!(out, "<g><title>{}</title>", escape(text));
        svg::text(out, x, y, "end", INK, &shown);
        out.push_str("</g>\n");
    } else {
        svg::text(out, x, y, "end", INK, &shown);
    }
}

/// Horizontal bars: one per `(label, value)`, in the order given (the caller sorts), scaled
/// so that `scale` percent fills the bar area, with a line at 100 % and the number at the end
/// of each bar (`none` when there is no value).
pub fn bars(
    id: &str,
    rows: &[(String, Option<f64>)],
    scale: f64,
    none: &str,
    words: &Words,
) -> String {
    let lw = label_width(rows.iter().map(|r| r.0.clone()));
    let x0 = PAD + lw + PAD;
    let value_w = 60.0;
    let width = x0 + BAR_W + value_w + PAD;
    let top = 22.0;
    let height = top + rows.len().max(1) as f64 * ROW + PAD;
    let scale = scale.max(100.0);
    let mut out = String::new();
    svg::open(&mut out, id, width, height, &words.title, &words.desc);
    let x100 = x0 + BAR_W * 100.0 / scale;
    hundred_line(&mut out, x100, top, height);
    for (i, (name, value)) in rows.iter().enumerate() {
        let y = top + i as f64 * ROW;
        let mid = y + ROW / 2.0;
        label(&mut out, x0 - PAD, mid + FONT * 0.35, lw, name);
        match value {
            Some(v) => {
                let w = (BAR_W * v.clamp(0.0, scale) / scale).max(1.0);
                let fill = if *v >= 100.0 { GREEN } else { RED };
                let _ = writeln!(
                    out,
                    "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{fill}\"/>",
                    n(x0),
                    n(mid - BAR_H / 2.0),
                    n(w),
                    n(BAR_H)
                );
                svg::text(
                    &mut out,
                    x0 + w + 4.0,
                    mid + FONT * 0.35,
                    "start",
                    INK,
                    &pct(*v),
                );
            }
            None => svg::text(&mut out, x0 + 4.0, mid + FONT * 0.35, "start", MUTED, none),
        }
    }
    svg::close(&mut out);
    out
}

/// One KPI in the status chart.
#[derive(Debug, Clone)]
pub struct StatusRow {
    /// The KPI's name.
    pub label: String,
    /// Its status.
    pub mark: Mark,
    /// Its attainment, when it has an actual.
    pub attainment: Option<f64>,
}

/// Per KPI: its status as a shape and a word (`mark_words`, in the order of [`Mark`]: met,
/// amber, not met, missing), and its attainment as a bar scaled to `cap`.
pub fn statuses(
    id: &str,
    rows: &[StatusRow],
    cap: f64,
    mark_words: [&str; 4],
    words: &Words,
) -> String {
    let lw = label_width(rows.iter().map(|r| r.label.clone()));
    let word_w = mark_words
        .iter()
        .map(|w| text_width(w, FONT))
        .fold(0.0, f64::max);
    let x_mark = PAD + lw + PAD + 8.0;
    let x_word = x_mark + 12.0;
    let x0 = x_word + word_w + 2.0 * PAD;
    let bar_w = 240.0;
    let width = x0 + bar_w + 60.0 + PAD;
    let top = 22.0;
    let height = top + rows.len().max(1) as f64 * ROW + PAD;
    let scale = cap.max(100.0);
    let mut out = String::new();
    svg::open(&mut out, id, width, height, &words.title, &words.desc);
    let x100 = x0 + bar_w * 100.0 / scale;
    hundred_line(&mut out, x100, top, height);
    for (i, r) in rows.iter().enumerate() {
        let y = top + i as f64 * ROW;
        let mid = y + ROW / 2.0;
        let base = mid + FONT * 0.35;
        label(&mut out, PAD + lw, base, lw, &r.label);
        r.mark.shape(&mut out, x_mark, mid);
        let word = mark_words[r.mark as usize];
        svg::text(&mut out, x_word, base, "start", r.mark.colour(), word);
        if let Some(a) = r.attainment {
            let w = (bar_w * a.clamp(0.0, scale) / scale).max(1.0);
            let _ = writeln!(
                out,
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"/>",
                n(x0),
                n(mid - BAR_H / 2.0),
                n(w),
                n(BAR_H),
                r.mark.colour()
            );
            svg::text(&mut out, x0 + w + 4.0, base, "start", INK, &pct(a));
        }
    }
    svg::close(&mut out);
    out
}

/// One team in the share chart.
#[derive(Debug, Clone)]
pub struct ShareRow {
    /// The team's name.
    pub label: String,
    /// Share of its KPIs with an actual that are met, in percent.
    pub share: Option<f64>,
    /// The words after the bar (`3 of 4 met, 1 missing`).
    pub note: String,
}

/// Per team: the share of KPIs met as a bar out of 100 %, with the counts beside it.
pub fn shares(id: &str, rows: &[ShareRow], words: &Words) -> String {
    let lw = label_width(rows.iter().map(|r| r.label.clone()));
    let note_w = rows
        .iter()
        .map(|r| text_width(&r.note, FONT))
        .fold(0.0, f64::max);
    let x0 = PAD + lw + PAD;
    let bar_w = 240.0;
    let width = x0 + bar_w + 70.0 + note_w + PAD;
    let top = 8.0;
    let height = top + rows.len().max(1) as f64 * ROW + PAD;
    let mut out = String::new();
    svg::open(&mut out, id, width, height, &words.title, &words.desc);
    for (i, r) in rows.iter().enumerate() {
        let mid = top + i as f64 * ROW + ROW / 2.0;
        let base = mid + FONT * 0.35;
        label(&mut out, x0 - PAD, base, lw, &r.label);
        let _ = writeln!(
            out,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"{LINE}\"/>",
            n(x0),
            n(mid - BAR_H / 2.0),
            n(bar_w),
            n(BAR_H)
        );
        let share = r.share.unwrap_or(0.0).clamp(0.0, 100.0);
        if share > 0.0 {
            let _ = writeln!(
                out,
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{GREEN}\"/>",
                n(x0),
                n(mid - BAR_H / 2.0),
                n(bar_w * share / 100.0),
                n(BAR_H)
            );
        }
        let shown = r.share.map_or_else(|| "-".to_owned(), pct);
        svg::text(&mut out, x0 + bar_w + 6.0, base, "start", INK, &shown);
        svg::text(&mut out, x0 + bar_w + 64.0, base, "start", MUTED, &r.note);
    }
    svg::close(&mut out);
    out
}

/// A small series over the periods: one point per period (`None` leaves a gap), joined by a
/// line, with the 100 % level dashed and the first and last values written.
pub fn series(id: &str, values: &[Option<f64>], scale: f64, words: &Words) -> String {
    let step = 36.0;
    let h = 40.0;
    let (left, top) = (52.0, 6.0);
    let width = left + step * (values.len().saturating_sub(1)) as f64 + 58.0;
    let height = top + h + 6.0;
    let scale = scale.max(100.0);
    let y_of = |v: f64| top + h - h * v.clamp(0.0, scale) / scale;
    let mut out = String::new();
    svg::open(&mut out, id, width, height, &words.title, &words.desc);
    let _ = writeln!(
        out,
        "<line x1=\"{}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\" stroke=\"{LINE}\" stroke-dasharray=\"3 2\"/>",
        n(left),
        n(width - 50.0),
        y = n(y_of(100.0))
    );
    let mut path = String::new();
    let mut pen_down = false;
    for (i, v) in values.iter().enumerate() {
        match v {
            Some(v) => {
                let _ = write!(
                    path,
                    "{}{} {} ",
                    if pen_down { "L" } else { "M" },
                    n(left + step * i as f64),
                    n(y_of(*v))
                );
                pen_down = true;
            }
            None => pen_down = false,
        }
    }
    if !path.is_empty() {
        let _ = writeln!(
            out,
            "<path d=\"{}\" fill=\"none\" stroke=\"{INK}\" stroke-width=\"1.5\"/>",
            path.trim_end()
        );
    }
    for (i, v) in values.iter().enumerate() {
        let x = left + step * i as f64;
        match v {
            Some(v) => {
                let fill = if *v >= 100.0 { GREEN } else { RED };
                let _ = writeln!(
                    out,
                    "<circle cx=\"{}\" cy=\"{}\" r=\"3\" fill=\"{fill}\"/>",
                    n(x),
                    n(y_of(*v))
                );
            }
            None => {
                let _ = writeln!(
                    out,
                    "<circle cx=\"{}\" cy=\"{}\" r=\"3\" fill=\"none\" stroke=\"{MUTED}\"/>",
                    n(x),
                    n(top + h)
                );
            }
        }
    }
    let shown = |v: Option<&Option<f64>>| v.copied().flatten().map_or_else(|| "-".to_owned(), pct);
    svg::text(
        &mut out,
        left - 6.0,
        top + h / 2.0 + 4.0,
        "end",
        INK,
        &shown(values.first()),
    );
    svg::text(
        &mut out,
        left + step * values.len().saturating_sub(1) as f64 + 6.0,
        top + h / 2.0 + 4.0,
        "start",
        INK,
        &shown(values.last()),
    );
    svg::close(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words() -> Words {
        Words {
            title: "T".into(),
            desc: "D".into(),
        }
    }

    #[test]
    fn bars_are_labelled_with_their_numbers() {
        let rows = vec![
            ("Ana <b>".to_owned(), Some(107.0)),
            ("李娜".to_owned(), Some(80.5)),
            ("Ben".to_owned(), None),
        ];
        let svg = bars("b", &rows, 120.0, "no actual", &words());
        assert!(svg.contains(">107.0%</text>") && svg.contains(">80.5%</text>"));
        assert!(svg.contains(">no actual</text>"));
        assert!(svg.contains("Ana &lt;b&gt;") && !svg.contains("<b>"));
        assert!(svg.contains(">100%</text>"));
        assert_eq!(svg.matches("<rect x=").count(), 2);
    }

    #[test]
    fn every_status_has_a_shape_and_a_word() {
        let rows: Vec<StatusRow> = [Mark::Met, Mark::Amber, Mark::NotMet, Mark::Missing]
            .into_iter()
            .map(|mark| StatusRow {
                label: format!("{mark:?}"),
                mark,
                attainment: (mark != Mark::Missing).then_some(90.0),
            })
            .collect();
        let svg = statuses(
            "s",
            &rows,
            120.0,
            ["met", "amber", "not met", "missing"],
            &words(),
        );
        for w in ["met", "amber", "not met", "missing"] {
            assert!(svg.contains(&format!(">{w}</text>")), "{w}");
        }
        assert!(
            svg.contains("<circle")
                && svg.contains("z\" fill")
                && svg.contains("stroke-dasharray=\"2 2\"")
        );
    }

    #[test]
    fn series_leave_gaps_for_missing_periods() {
        let svg = series("t", &[Some(80.0), None, Some(110.0)], 120.0, &words());
        assert_eq!(svg.matches("<path d=\"M").count(), 1);
        assert!(svg.contains(">80.0%</text>") && svg.contains(">110.0%</text>"));
        assert_eq!(svg.matches("<circle").count(), 3);
    }
}
