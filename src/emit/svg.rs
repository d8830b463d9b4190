//! Inline SVG that kpic lays out itself: the pieces every chart shares (an accessible `<svg>`
//! element with `<title>` and `<desc>`, text width estimates, labels cut to fit, the colours
//! and their contrast) and the handbook's who-owns-what diagram (owners, duties and KPIs in
//! three columns, joined by lines). All user text goes through [`super::html::escape`].

use std::fmt::Write as _;

use super::content::{Diagram, NodeKind};
use super::html::escape;
use crate::score::render::display_width;

/// Text colour on white and on every fill below (contrast ≥ 4.5:1, see the tests).
pub const INK: &str = "#1a1a1a";
/// Secondary text (axis labels, notes).
pub const MUTED: &str = "#4d4d4d";
/// Met / green.
pub const GREEN: &str = "#1b5e20";
/// Amber: the threshold is met, the target is not.
pub const AMBER: &str = "#7a4300";
/// Not met / red.
pub const RED: &str = "#b00020";
/// Lines and the 100 % mark.
pub const LINE: &str = "#5c6b7a";
/// Background of the owner boxes.
pub const OWNER_FILL: &str = "#e8eef4";
/// Background of the duty boxes.
pub const DUTY_FILL: &str = "#fdf1dc";
/// Background of the KPI boxes.
pub const KPI_FILL: &str = "#e6f2e6";
/// The page background.
pub const PAPER: &str = "#ffffff";

/// Every pair of text colour and background that kpic's pages and charts draw text with.
#[cfg(test)]
pub const TEXT_ON: &[(&str, &str)] = &[
    (INK, PAPER),
    (MUTED, PAPER),
    (GREEN, PAPER),
    (AMBER, PAPER),
    (RED, PAPER),
    (INK, OWNER_FILL),
    (INK, DUTY_FILL),
    (INK, KPI_FILL),
    (INK, "#e8eef4"),
    (INK, "#f0f0f0"),
];

/// The WCAG 2 contrast ratio of two `#rrggbb` colours (1 to 21).
#[cfg(test)]
pub fn contrast(a: &str, b: &str) -> f64 {
    fn luminance(hex: &str) -> f64 {
        let h = hex.trim_start_matches('#');
        let channel = |i: usize| {
            let v = f64::from(u8::from_str_radix(&h[i..i + 2], 16).unwrap_or(0)) / 255.0;
            if v <= 0.039_28 {
                v / 12.92
            } else {
                ((v + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * channel(0) + 0.7152 * channel(2) + 0.0722 * channel(4)
    }
    let (la, lb) = (luminance(a), luminance(b));
    let (hi, lo) = if la > lb { (la, lb) } else { (lb, la) };
    (hi + 0.05) / (lo + 0.05)
}

/// The estimated width of `text` in pixels at `font_px`: a wide (CJK) character counts double,
/// 1.2 em, any other 0.6 em (a little wide for most fonts, so that labels fit their boxes).
pub fn text_width(text: &str, font_px: f64) -> f64 {
    display_width(text) as f64 * 0.6 * font_px
}

/// `text` on one line cut to at most `max_px` wide (ending in `…` when cut), and whether it
/// was cut. Whitespace and control characters collapse to single spaces.
pub fn fit(text: &str, max_px: f64, font_px: f64) -> (String, bool) {
    let flat = super::markdown::flatten(text);
    if text_width(&flat, font_px) <= max_px {
        return (flat, false);
    }
    let budget = max_px - text_width("…", font_px);
    let mut out = String::new();
    let mut used = 0.0;
    for c in flat.chars() {
        let w = text_width(c.encode_utf8(&mut [0; 4]), font_px);
        if used + w > budget {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    (out, true)
}

/// A coordinate or length, rounded to one decimal (deterministic, short).
pub fn n(v: f64) -> String {
    let r = (v * 10.0).round() / 10.0;
    let r = r + 0.0;
    if r.fract() == 0.0 {
        format!("{r:.0}")
    } else {
        format!("{r:.1}")
    }
}

/// Opens an accessible `<svg>`: `id` (kpic's own, an ASCII name) labels its `<title>` and
/// `<desc>`; `title` and `desc` are plain text, escaped here.
pub fn open(out: &mut String, id: &str, width: f64, height: f64, title: &str, desc: &str) {
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-labelledby=\"{id}-title {id}-desc\" \
         width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" \
         font-family=\"system-ui, 'Noto Sans', 'Noto Sans CJK SC', 'PingFang SC', 'Microsoft YaHei', sans-serif\" font-size=\"12\">\n\
         <title id=\"{id}-title\">{title}</title>\n<desc id=\"{id}-desc\">{desc}</desc>\n\
         <rect width=\"{w}\" height=\"{h}\" fill=\"{PAPER}\"/>\n",
        w = n(width),
        h = n(height),
        title = escape(title),
        desc = escape(desc),
    );
}

/// Closes what [`open`] opened.
pub fn close(out: &mut String) {
    out.push_str("</svg>\n");
}

/// A text element: `text` is plain text, escaped here; `anchor` is `start`, `middle` or `end`.
pub fn text(out: &mut String, x: f64, y: f64, anchor: &str, fill: &str, text: &str) {
    let _ = writeln!(
        out,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"{anchor}\" fill=\"{fill}\">{}</text>",
        n(x),
        n(y),
        escape(text)
    );
}

/// The column headings and text alternative of the diagram, in the team's language.
#[derive(Debug, Clone, Copy)]
pub struct DiagramText<'a> {
    /// The chart's title.
    pub title: &'a str,
    /// Headings of the three columns: owners, duties, KPIs.
    pub columns: [&'a str; 3],
    /// The text alternative.
    pub desc: &'a str,
}

const FONT: f64 = 12.0;
const BOX_H: f64 = 26.0;
const ROW: f64 = 34.0;
const TOP: f64 = 36.0;
const PAD: f64 = 8.0;
const GAP: f64 = 90.0;
const MAX_BOX: [f64; 3] = [180.0, 220.0, 300.0];
const MIN_BOX: f64 = 80.0;

/// Lays out and writes the who-owns-what diagram: owners left, duties in the middle, KPIs
/// right, each KPI in its own row (grouped by duty), each duty centred on its KPIs, each owner
/// as near as it can be to what it owns. Labels too long for their column are cut, with the
/// whole label as the box's tooltip. `id` must be unique in the page.
pub fn diagram(g: &Diagram, id: &str, words: DiagramText<'_>) -> String {
    let kinds = [NodeKind::Owner, NodeKind::Duty, NodeKind::Kpi];
    // Column widths from the widest label, within bounds.
    let widths: Vec<f64> = kinds
        .iter()
        .zip(MAX_BOX)
        .zip(words.columns)
        .map(|((k, max), head)| {
            g.of(*k)
                .map(|n| text_width(&super::markdown::flatten(&n.label), FONT) + 2.0 * PAD)
                .fold(text_width(head, FONT) + 2.0 * PAD, f64::max)
                .clamp(MIN_BOX, max)
        })
        .collect();
    let xs = [
        PAD,
        PAD + widths[0] + GAP,
        PAD + widths[0] + GAP + widths[1] + GAP,
    ];
    let col = |k: NodeKind| match k {
        NodeKind::Owner => 0,
        NodeKind::Duty => 1,
        NodeKind::Kpi => 2,
    };

    // Rows: KPIs in order; a duty without KPIs takes a row of its own.
    let mut ys: std::collections::HashMap<(NodeKind, usize), f64> = Default::default();
    let mut row = 0usize;
    let mut duty_rows: Vec<(usize, usize, usize)> = Vec::new(); // duty n, first row, rows
    let mut current: Option<(usize, usize)> = None;
    let finish = |current: &mut Option<(usize, usize)>, row: usize, rows: &mut Vec<_>| {
        if let Some((d, first)) = current.take() {
            let count = (row - first).max(1);
            rows.push((d, first, count));
            count.saturating_sub(row - first)
        } else {
            0
        }
    };
    for node in &g.nodes {
        match node.kind {
            NodeKind::Duty => {
                row += finish(&mut current, row, &mut duty_rows);
                current = Some((node.n, row));
            }
            NodeKind::Kpi => {
                let in_duty = current.is_some()
                    && g.edges
                        .iter()
                        .any(|e| e.to == (NodeKind::Kpi, node.n) && e.from.0 == NodeKind::Duty);
                if !in_duty {
                    row += finish(&mut current, row, &mut duty_rows);
                }
                ys.insert((NodeKind::Kpi, node.n), TOP + row as f64 * ROW);
                row += 1;
            }
            NodeKind::Owner => {}
        }
    }
    row += finish(&mut current, row, &mut duty_rows);
    for (d, first, count) in duty_rows {
        let mid = TOP + (first as f64 + (count as f64 - 1.0) / 2.0) * ROW;
        ys.insert((NodeKind::Duty, d), mid);
    }
    // Owners: at the mean height of what they point at, then pushed apart in order.
    let mut owners: Vec<(usize, f64)> = g
        .of(NodeKind::Owner)
        .map(|o| {
            let targets: Vec<f64> = g
                .edges
                .iter()
                .filter(|e| e.from == (NodeKind::Owner, o.n))
                .filter_map(|e| ys.get(&e.to).copied())
                .collect();
            let want = if targets.is_empty() {
                TOP
            } else {
                targets.iter().sum::<f64>() / targets.len() as f64
            };
            (o.n, want)
        })
        .collect();
    owners.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    let mut next = TOP;
    for (o, want) in &mut owners {
        let y = want.max(next);
        ys.insert((NodeKind::Owner, *o), y);
        next = y + ROW;
    }
    let rows_bottom = TOP + row.max(1) as f64 * ROW;
    let height = rows_bottom.max(next) + PAD;
    let width = xs[2] + widths[2] + PAD;

    let mut out = String::new();
    open(&mut out, id, width, height, words.title, words.desc);
    for (i, head) in words.columns.iter().enumerate() {
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"20\" font-weight=\"bold\" fill=\"{INK}\">{}</text>",
            n(xs[i]),
            escape(head)
        );
    }
    out.push_str("<g fill=\"none\" stroke=\"");
    out.push_str(LINE);
    out.push_str("\" stroke-width=\"1.2\">\n");
    for e in &g.edges {
        let (Some(&y1), Some(&y2)) = (ys.get(&e.from), ys.get(&e.to)) else {
            continue;
        };
        let (c1, c2) = (col(e.from.0), col(e.to.0));
        let x1 = xs[c1] + widths[c1];
        let x2 = xs[c2];
        let (y1, y2) = (y1 + BOX_H / 2.0, y2 + BOX_H / 2.0);
        let mx = (x1 + x2) / 2.0;
        let dash = if e.dotted {
            " stroke-dasharray=\"4 3\""
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "<path d=\"M{} {} C{} {} {} {} {} {}\"{dash}/>",
            n(x1),
            n(y1),
            n(mx),
            n(y1),
            n(mx),
            n(y2),
            n(x2),
            n(y2)
        );
    }
    out.push_str("</g>\n");
    for node in &g.nodes {
        let Some(&y) = ys.get(&(node.kind, node.n)) else {
            continue;
        };
        let c = col(node.kind);
        let fill = [OWNER_FILL, DUTY_FILL, KPI_FILL][c];
        let stroke = [LINE, AMBER, GREEN][c];
        let (shown, cut) = fit(&node.label, widths[c] - 2.0 * PAD, FONT);
        let _ = write!(out, "<g>");
        if cut {
            let _ = write!(out, "<title>{}</title>", escape(&node.label));
        }
        let _ = writeln!(
            out,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"4\" fill=\"{fill}\" stroke=\"{stroke}\"/>\
             <text x=\"{}\" y=\"{}\" fill=\"{INK}\">{}</text></g>",
            n(xs[c]),
            n(y),
            n(widths[c]),
            n(BOX_H),
            n(xs[c] + PAD),
            n(y + BOX_H / 2.0 + FONT * 0.35),
            escape(&shown)
        );
    }
    close(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::content::{Edge, Node};

    #[test]
    fn every_text_colour_has_a_contrast_of_at_least_4_5() {
        assert!((contrast("#000000", "#ffffff") - 21.0).abs() < 1e-9);
        assert!((contrast("#ffffff", "#ffffff") - 1.0).abs() < 1e-9);
        // The ratios, stated: ink 17.4, muted 8.45, green 7.87, amber 7.98, red 7.33 on white.
        let stated = [
            (INK, 17.4),
            (MUTED, 8.45),
            (GREEN, 7.87),
            (AMBER, 7.98),
            (RED, 7.33),
        ];
        for (c, ratio) in stated {
            let r = contrast(c, PAPER);
            assert!(
                (r - ratio).abs() < 0.1,
                "{c} on white is {r:.2}, not {ratio}"
            );
        }
        for (fg, bg) in TEXT_ON {
            let r = contrast(fg, bg);
            assert!(r >= 4.5, "{fg} on {bg}: {r:.2}");
        }
    }

    #[test]
    fn widths_count_cjk_double_and_labels_are_cut_to_fit() {
        assert_eq!(text_width("李娜", 10.0), text_width("abcd", 10.0));
        let (s, cut) = fit("a very long label that does not fit", 60.0, 12.0);
        assert!(cut && s.ends_with('…') && text_width(&s, 12.0) <= 60.0 + 0.01);
        assert_eq!(fit("short", 100.0, 12.0), ("short".to_owned(), false));
    }

    fn sample(kpis: usize) -> Diagram {
        let mut g = Diagram::default();
        g.nodes.push(Node {
            kind: NodeKind::Owner,
            n: 1,
            label: "Ada <b>".into(),
        });
        g.nodes.push(Node {
            kind: NodeKind::Duty,
            n: 1,
            label: "市场分析".into(),
        });
        g.edges.push(Edge {
            from: (NodeKind::Owner, 1),
            to: (NodeKind::Duty, 1),
            dotted: false,
        });
        for k in 1..=kpis {
            g.nodes.push(Node {
                kind: NodeKind::Kpi,
                n: k,
                label: format!("KPI number {k} with a name"),
            });
            g.edges.push(Edge {
                from: (NodeKind::Duty, 1),
                to: (NodeKind::Kpi, k),
                dotted: false,
            });
        }
        g
    }

    #[test]
    fn the_diagram_gives_every_kpi_its_own_row() {
        let words = DiagramText {
            title: "Who owns what",
            columns: ["Owners", "Duties", "KPIs"],
            desc: "d",
        };
        let svg = diagram(&sample(50), "d1", words);
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-labelledby=\"d1-title d1-desc\""));
        assert!(svg.contains("<title id=\"d1-title\">Who owns what</title>"));
        assert_eq!(svg.matches("<rect x=").count(), 52);
        assert_eq!(svg.matches("<path ").count(), 51);
        assert!(svg.contains("Ada &lt;b&gt;"));
        // 50 rows of 34 px: no two KPI boxes overlap.
        let height: f64 = svg
            .split("height=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .and_then(|s| s.parse().ok())
            .unwrap();
        assert!(height >= 50.0 * ROW, "{height}");
    }
}
