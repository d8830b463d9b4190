//! `handbook.md`: the KPI policy as staff read it, per team: duties with their KPI tables, a
//! responsibility matrix, scorecard summaries, a Mermaid diagram and how scoring works. The
//! content is [`super::content`]'s; every piece of user text goes through [`markdown::inline`].

use std::fmt::Write as _;

use super::content::{self, Diagram, Handbook, KpiRow, NodeKind, Rich, TeamContent};
use super::i18n::Text;
use super::markdown::{self, Slugger, inline};

/// A text for Markdown: kpic's own pieces as they are, user pieces escaped.
fn md(r: &Rich) -> String {
    r.render(str::to_owned, inline)
}

/// Renders the content of a handbook as Markdown.
pub fn render_content(book: &Handbook) -> String {
    let tx = book.lang.text();
    let mut slugs = Slugger::default();
    let mut out = String::new();
    slugs.slug(tx.title);
    let _ = writeln!(out, "# {}\n\n{}\n", tx.title, tx.intro);
    let many = book.teams.len() > 1;
    if many {
        slugs.slug(tx.contents);
    }
    let sections: Vec<(String, String)> = book
        .teams
        .iter()
        .map(|t| team_section(t, &mut slugs))
        .collect();
    if many {
        let _ = writeln!(out, "## {}\n", tx.contents);
        for (team, (slug, _)) in book.teams.iter().zip(&sections) {
            let _ = writeln!(out, "- [{}](#{slug})", inline(&team.name));
        }
        out.push('\n');
    }
    out.push_str(&objective_tree(book, tx));
    for (_, text) in sections {
        out.push_str(&text);
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

/// One team's part of the handbook, with the anchor of its heading.
fn team_section(team: &TeamContent, slugs: &mut Slugger) -> (String, String) {
    let tx = team.lang.text();
    let mut out = String::new();
    let anchor = slugs.slug(&team.name);
    let _ = writeln!(out, "## {}\n", inline(&team.name));
    let c = tx.colon;
    let _ = writeln!(out, "- **{}{c}** {}", tx.team_id, md(&team.id));
    let _ = writeln!(out, "- **{}{c}** {}", tx.review, md(&team.review));
    let _ = writeln!(out, "- **{}{c}** {}\n", tx.lead, md(&team.lead));

    slugs.slug(tx.duties);
    let _ = writeln!(out, "### {}\n", tx.duties);
    for duty in &team.duties {
        slugs.slug(&duty.name);
        let _ = writeln!(out, "#### {}\n", inline(&duty.name));
        if let Some(desc) = &duty.description {
            let _ = writeln!(out, "{}\n", inline(desc));
        }
        let _ = writeln!(out, "**{}{}** {}\n", tx.owner, tx.colon, md(&duty.owner));
        if duty.kpis.is_empty() {
            let _ = writeln!(out, "{}\n", tx.no_kpis);
        } else {
            kpi_table(&mut out, &duty.kpis, tx);
        }
    }
    if !team.other.is_empty() {
        slugs.slug(tx.other_kpis);
        let _ = writeln!(out, "#### {}\n", tx.other_kpis);
        kpi_table(&mut out, &team.other, tx);
    }

    if let Some(m) = &team.matrix {
        slugs.slug(tx.matrix);
        let _ = writeln!(out, "### {}\n", tx.matrix);
        let mut head = vec![tx.matrix_owner.to_owned()];
        head.extend(m.duties.iter().map(|d| inline(d)));
        out.push_str(&markdown::row(&head));
        out.push_str("|---|");
        for _ in &m.duties {
            out.push_str(":---:|");
        }
        out.push('\n');
        for (name, roles) in &m.rows {
            let mut cells = vec![inline(name)];
            cells.extend(roles.iter().map(|r| r.letter().to_owned()));
            out.push_str(&markdown::row(&cells));
        }
        let _ = writeln!(out, "\n{}\n", tx.matrix_legend);
        if m.ci {
            let _ = writeln!(out, "{}\n", tx.matrix_legend_ci);
        }
    }

    slugs.slug(tx.scorecards);
    let _ = writeln!(out, "### {}\n", tx.scorecards);
    if team.scorecards.is_empty() {
        let _ = writeln!(out, "{}\n", tx.no_scorecards);
    }
    for card in &team.scorecards {
        slugs.slug(&card.owner);
        let _ = writeln!(out, "#### {}\n", inline(&card.owner));
        out.push_str(&markdown::header(&tx.scorecard_header, &[3]));
        for row in &card.rows {
            let cells: Vec<String> = row.iter().map(md).collect();
            out.push_str(&markdown::row(&cells));
        }
        let total = match &card.total {
            Some(t) => format!("**{t}**"),
            None => tx.none.to_owned(),
        };
        out.push_str(&markdown::row(&[
            format!("**{}**", tx.total),
            String::new(),
            String::new(),
            total,
        ]));
        out.push('\n');
    }

    slugs.slug(tx.diagram);
    let _ = writeln!(out, "### {}\n\n{}\n", tx.diagram, tx.diagram_intro);
    mermaid(&mut out, &team.diagram);

    slugs.slug(tx.how);
    let _ = writeln!(out, "### {}\n", tx.how);
    let review = md(&team.cadence);
    for line in tx.how_text {
        let _ = writeln!(out, "{}", line.replace("{review}", &review));
    }
    out.push('\n');
    (anchor, out)
}

fn kpi_table(out: &mut String, kpis: &[KpiRow], tx: &Text) {
    out.push_str(&markdown::header(&tx.kpi_header, &[4]));
    for k in kpis {
        let cells: Vec<String> = k.cells.iter().map(md).collect();
        out.push_str(&markdown::row(&cells));
    }
    out.push('\n');
}

/// A Mermaid node ID: `o1`, `d1`, `k1`.
fn node_id((kind, n): (NodeKind, usize)) -> String {
    let prefix = match kind {
        NodeKind::Owner => 'o',
        NodeKind::Duty => 'd',
        NodeKind::Kpi => 'k',
    };
    format!("{prefix}{n}")
}

/// A Mermaid flowchart: owners → duties → KPIs, with generated node IDs.
fn mermaid(out: &mut String, g: &Diagram) {
    let mut nodes = String::new();
    for n in &g.nodes {
        let _ = writeln!(
            nodes,
            "    {}[\"{}\"]",
            node_id((n.kind, n.n)),
            markdown::mermaid_label(&n.label)
        );
    }
    let mut edges = String::new();
    for e in &g.edges {
        let arrow = if e.dotted { "-.->" } else { "-->" };
        let _ = writeln!(edges, "    {} {arrow} {}", node_id(e.from), node_id(e.to));
    }
    let _ = writeln!(out, "```mermaid\nflowchart LR\n{nodes}{edges}```\n");
}

/// The objective tree as a nested list; nothing when there are none.
fn objective_tree(book: &Handbook, tx: &Text) -> String {
    if book.objectives.is_empty() {
        return String::new();
    }
    let mut out = format!("## {}\n\n", tx.objectives);
    for o in &book.objectives {
        let mut line = format!("{}- **{}**", "  ".repeat(o.depth), inline(&o.name));
        if let Some(owner) = &o.owner {
            let _ = write!(line, "{}{}{}", tx.parens.0, inline(owner), tx.parens.1);
        }
        if !o.kpis.is_empty() {
            let names: Vec<String> = o.kpis.iter().map(|k| inline(k)).collect();
            let _ = write!(
                line,
                "{}{}{}{}",
                tx.sep,
                tx.supported_by,
                content::label_colon(tx),
                names.join(", ")
            );
        } else if o.unsupported {
            let _ = write!(line, "{}{}", tx.sep, tx.no_supporting_kpi);
        }
        out.push_str(&line);
        out.push('\n');
    }
    out.push('\n');
    out
}
