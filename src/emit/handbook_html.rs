//! `handbook.html`: the same content as `handbook.md` ([`super::content`]) as one
//! self-contained page ([`super::html::page`]): a table of contents, each team in its own
//! language and section (a new printed page), the who-owns-what diagram as inline SVG
//! ([`super::svg::diagram`]). Anchors are kpic's own (`team-1`, `team-1-duties`), never made
//! from user text; every piece of user text goes through [`super::html::escape`].

use std::fmt::Write as _;

use super::content::{self, Diagram, Handbook, KpiRow, NodeKind, Rich, TeamContent};
use super::html::{self, Table, escape, fixed_with_code};
use super::i18n::{Text, fill};
use super::svg;

/// The file name in the output folder.
pub const FILE: &str = "handbook.html";

/// A text for HTML: every piece escaped.
fn h(r: &Rich) -> String {
    r.render(escape, escape)
}

/// The page of a handbook's content.
pub fn render_content(book: &Handbook) -> String {
    let tx = book.lang.text();
    let mut body = String::new();
    let _ = writeln!(
        body,
        "<header>\n<h1>{}</h1>\n<p class=\"note\">{}</p>\n</header>",
        escape(tx.title),
        escape(tx.intro)
    );
    toc(&mut body, book, tx);
    objective_tree(&mut body, book, tx);
    for (i, team) in book.teams.iter().enumerate() {
        team_section(&mut body, team, i + 1);
    }
    html::page(book.lang.tag(), tx.title, &body)
}

/// The anchor of team `n` (1-based), and of its parts (`team-1-duties`).
fn anchor(n: usize, part: Option<&str>) -> String {
    match part {
        Some(p) => format!("team-{n}-{p}"),
        None => format!("team-{n}"),
    }
}

fn toc(out: &mut String, book: &Handbook, tx: &Text) {
    let _ = writeln!(
        out,
        "<nav class=\"toc\" aria-labelledby=\"contents\">\n<h2 id=\"contents\">{}</h2>\n<ul>",
        escape(tx.contents)
    );
    if !book.objectives.is_empty() {
        let _ = writeln!(
            out,
            "<li><a href=\"#objectives\">{}</a></li>",
            escape(tx.objectives)
        );
    }
    for (i, team) in book.teams.iter().enumerate() {
        let n = i + 1;
        let ttx = team.lang.text();
        let _ = write!(
            out,
            "<li><a href=\"#{}\">{}</a>\n<ul lang=\"{}\" aria-label=\"{}\">",
            anchor(n, None),
            escape(&team.name),
            team.lang.tag(),
            escape(ttx.team_sections)
        );
        for (part, label) in parts(team, ttx) {
            let _ = write!(
                out,
                "<li><a href=\"#{}\">{}</a></li>",
                anchor(n, Some(part)),
                escape(label)
            );
        }
        out.push_str("</ul></li>\n");
    }
    out.push_str("</ul>\n</nav>\n");
}

/// The parts of a team's section that have a heading of their own, with their anchor names.
fn parts(team: &TeamContent, tx: &'static Text) -> Vec<(&'static str, &'static str)> {
    let mut out = vec![("duties", tx.duties)];
    if team.matrix.is_some() {
        out.push(("matrix", tx.matrix));
    }
    out.push(("scorecards", tx.scorecards));
    out.push(("diagram", tx.diagram));
    out.push(("how", tx.how));
    out
}

fn objective_tree(out: &mut String, book: &Handbook, tx: &Text) {
    if book.objectives.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "<section id=\"objectives\">\n<h2>{}</h2>\n<ul>",
        escape(tx.objectives)
    );
    let mut prev = 0;
    for (i, o) in book.objectives.iter().enumerate() {
        if i > 0 {
            if o.depth > prev {
                out.push_str("\n<ul>");
            } else {
                out.push_str("</li>");
                for _ in o.depth..prev {
                    out.push_str("</ul></li>");
                }
            }
            out.push('\n');
        }
        let _ = write!(out, "<li><strong>{}</strong>", escape(&o.name));
        if let Some(owner) = &o.owner {
            let _ = write!(out, "{}{}{}", tx.parens.0, escape(owner), tx.parens.1);
        }
        if !o.kpis.is_empty() {
            let names: Vec<String> = o.kpis.iter().map(|k| escape(k)).collect();
            let _ = write!(
                out,
                "{}{}{}{}",
                escape(tx.sep),
                escape(tx.supported_by),
                escape(&content::label_colon(tx)),
                names.join(tx.list_sep)
            );
        } else if o.unsupported {
            let _ = write!(out, "{}{}", escape(tx.sep), escape(tx.no_supporting_kpi));
        }
        prev = o.depth;
    }
    out.push_str("</li>");
    for _ in 0..prev {
        out.push_str("</ul></li>");
    }
    out.push_str("\n</ul>\n</section>\n");
}

fn team_section(out: &mut String, team: &TeamContent, n: usize) {
    let tx = team.lang.text();
    let _ = writeln!(
        out,
        "<section class=\"team\" id=\"{}\" lang=\"{}\">\n<h2>{}</h2>",
        anchor(n, None),
        team.lang.tag(),
        escape(&team.name)
    );
    let c = escape(tx.colon);
    let _ = writeln!(
        out,
        "<ul>\n<li><strong>{}{c}</strong> {}</li>\n<li><strong>{}{c}</strong> {}</li>\n<li><strong>{}{c}</strong> {}</li>\n</ul>",
        escape(tx.team_id),
        h(&team.id),
        escape(tx.review),
        h(&team.review),
        escape(tx.lead),
        h(&team.lead)
    );

    let _ = writeln!(
        out,
        "<h3 id=\"{}\">{}</h3>",
        anchor(n, Some("duties")),
        escape(tx.duties)
    );
    for duty in &team.duties {
        let _ = writeln!(out, "<h4>{}</h4>", escape(&duty.name));
        if let Some(desc) = &duty.description {
            let _ = writeln!(out, "<p>{}</p>", escape(desc));
        }
        let _ = writeln!(
            out,
            "<p><strong>{}{c}</strong> {}</p>",
            escape(tx.owner),
            h(&duty.owner)
        );
        if duty.kpis.is_empty() {
            let _ = writeln!(out, "<p>{}</p>", escape(tx.no_kpis));
        } else {
            kpi_table(out, &duty.kpis, tx);
        }
    }
    if !team.other.is_empty() {
        let _ = writeln!(out, "<h4>{}</h4>", escape(tx.other_kpis));
        kpi_table(out, &team.other, tx);
    }

    if let Some(m) = &team.matrix {
        let _ = writeln!(
            out,
            "<h3 id=\"{}\">{}</h3>",
            anchor(n, Some("matrix")),
            escape(tx.matrix)
        );
        let mut head: Vec<&str> = vec![tx.matrix_owner];
        head.extend(m.duties.iter().map(String::as_str));
        // Duty names are user text: the header is written here, escaped, not as fixed text.
        out.push_str("<table class=\"matrix\">\n<thead><tr>");
        for (i, cell) in head.iter().enumerate() {
            let class = if i > 0 { " class=\"role\"" } else { "" };
            let _ = write!(out, "<th scope=\"col\"{class}>{}</th>", escape(cell));
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        for (name, roles) in &m.rows {
            let _ = write!(out, "<tr><th scope=\"row\">{}</th>", escape(name));
            for r in roles {
                let _ = write!(out, "<td class=\"role\">{}</td>", r.letter());
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody>\n</table>\n");
        let _ = writeln!(out, "<p class=\"note\">{}</p>", escape(tx.matrix_legend));
        if m.ci {
            let _ = writeln!(out, "<p class=\"note\">{}</p>", escape(tx.matrix_legend_ci));
        }
    }

    let _ = writeln!(
        out,
        "<h3 id=\"{}\">{}</h3>",
        anchor(n, Some("scorecards")),
        escape(tx.scorecards)
    );
    if team.scorecards.is_empty() {
        let _ = writeln!(out, "<p>{}</p>", escape(tx.no_scorecards));
    }
    for card in &team.scorecards {
        let _ = writeln!(out, "<h4>{}</h4>", escape(&card.owner));
        let mut t = Table::new(&tx.scorecard_header, &[3]);
        for row in &card.rows {
            let cells: Vec<String> = row.iter().map(h).collect();
            t.row(&cells, None);
        }
        t.row(
            &[
                escape(tx.total),
                String::new(),
                String::new(),
                escape(card.total.as_deref().unwrap_or(tx.none)),
            ],
            Some("total"),
        );
        out.push_str(&t.finish());
    }

    let _ = writeln!(
        out,
        "<h3 id=\"{}\">{}</h3>\n<p>{}</p>",
        anchor(n, Some("diagram")),
        escape(tx.diagram),
        escape(tx.diagram_intro)
    );
    let desc = diagram_desc(&team.diagram, tx);
    let title = format!("{}{}{}{}", tx.diagram, tx.parens.0, team.name, tx.parens.1);
    let words = svg::DiagramText {
        title: &title,
        columns: tx.diagram_columns,
        desc: &desc,
    };
    let _ = write!(
        out,
        "<figure>\n{}</figure>\n",
        svg::diagram(&team.diagram, &anchor(n, Some("diagram-svg")), words)
    );

    let _ = writeln!(
        out,
        "<h3 id=\"{}\">{}</h3>\n<ol>",
        anchor(n, Some("how")),
        escape(tx.how)
    );
    for line in tx.how_text {
        // The fixed lines are numbered for Markdown (`1. …`); the list numbers them here.
        let line = line
            .trim_start_matches(|c: char| c.is_ascii_digit())
            .trim_start_matches(". ");
        let mut parts = line.splitn(2, "{review}");
        let before = parts.next().unwrap_or("");
        let _ = write!(out, "<li>{}", fixed_with_code(before));
        if let Some(after) = parts.next() {
            let _ = write!(out, "{}{}", h(&team.cadence), fixed_with_code(after));
        }
        out.push_str("</li>\n");
    }
    out.push_str("</ol>\n</section>\n");
}

fn kpi_table(out: &mut String, kpis: &[KpiRow], tx: &Text) {
    let mut t = Table::new(&tx.kpi_header, &[4]);
    for k in kpis {
        let cells: Vec<String> = k.cells.iter().map(h).collect();
        t.row(&cells, None);
    }
    out.push_str(&t.finish());
}

/// The diagram's text alternative: the counts, then each duty with its owner and KPIs.
fn diagram_desc(g: &Diagram, tx: &Text) -> String {
    let label = |k: (NodeKind, usize)| {
        g.nodes
            .iter()
            .find(|n| (n.kind, n.n) == k)
            .map_or("", |n| n.label.as_str())
    };
    let count = |k| g.of(k).count().to_string();
    let mut out = fill(
        tx.diagram_desc,
        &[
            ("owners", &count(NodeKind::Owner)),
            ("duties", &count(NodeKind::Duty)),
            ("kpis", &count(NodeKind::Kpi)),
        ],
    );
    for d in g.of(NodeKind::Duty) {
        let key = (NodeKind::Duty, d.n);
        let owner = g
            .edges
            .iter()
            .find(|e| e.to == key && e.from.0 == NodeKind::Owner)
            .map_or(tx.none, |e| label(e.from));
        let kpis: Vec<&str> = g
            .edges
            .iter()
            .filter(|e| e.from == key)
            .map(|e| label(e.to))
            .collect();
        let kpis = if kpis.is_empty() {
            tx.none.to_owned()
        } else {
            kpis.join(tx.list_sep)
        };
        out.push(' ');
        out.push_str(&fill(
            tx.diagram_desc_duty,
            &[("duty", &d.label), ("owner", owner), ("kpis", &kpis)],
        ));
    }
    super::markdown::flatten(&out)
}
