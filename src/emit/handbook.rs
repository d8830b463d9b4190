//! `handbook.md`: the KPI policy as staff read it, per team: duties with their KPI tables, a
//! responsibility matrix, scorecard summaries, a Mermaid diagram and how scoring works.
//! Every piece of user text goes through [`markdown::inline`].

use std::fmt::Write as _;

use super::i18n::{Lang, Text};
use super::markdown::{self, Slugger, inline};
use super::{KpiView, TargetView, View, duty_label, kpi_name};
use crate::target::format_number;

/// Renders the handbook; `doc_lang` is the language of the title and contents.
pub fn render(view: &View<'_>, doc_lang: Lang) -> String {
    let tx = doc_lang.text();
    let mut slugs = Slugger::default();
    let mut out = String::new();
    slugs.slug(tx.title);
    let _ = writeln!(out, "# {}\n\n{}\n", tx.title, tx.intro);
    let mut sections = Vec::new();
    if view.teams.len() > 1 {
        slugs.slug(tx.contents);
    }
    for i in 0..view.teams.len() {
        sections.push(team_section(view, i, &mut slugs));
    }
    let objectives = objective_tree(view, tx);
    if view.teams.len() > 1 {
        let _ = writeln!(out, "## {}\n", tx.contents);
        for (i, (slug, _)) in sections.iter().enumerate() {
            let _ = writeln!(out, "- [{}](#{slug})", inline(view.team_name(i)));
        }
        out.push('\n');
    }
    out.push_str(&objectives);
    for (_, text) in sections {
        out.push_str(&text);
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

/// One team's part of the handbook, with the anchor of its heading.
struct TeamDoc<'v, 'a> {
    view: &'v View<'a>,
    index: usize,
    tx: &'static Text,
    /// The team's duties, each with the KPIs of this team that measure it.
    duties: Vec<(&'v super::DutyView<'a>, Vec<&'v KpiView<'a>>)>,
    /// KPIs of this team under none of its duties.
    other: Vec<&'v KpiView<'a>>,
}

fn team_section(view: &View<'_>, index: usize, slugs: &mut Slugger) -> (String, String) {
    let lang = view.teams[index].lang;
    let team_kpis: Vec<&KpiView<'_>> = view.kpis.iter().filter(|k| k.team == Some(index)).collect();
    let duties: Vec<_> = view
        .duties
        .iter()
        .filter(|d| d.team == Some(index))
        .map(|d| {
            let kpis = team_kpis
                .iter()
                .copied()
                .filter(|k| k.kpi.duty.as_ref().map(|x| x.as_str()) == Some(d.duty.id.as_str()))
                .collect::<Vec<_>>();
            (d, kpis)
        })
        .collect();
    let other = team_kpis
        .iter()
        .copied()
        .filter(|k| {
            !duties
                .iter()
                .any(|(_, ks)| ks.iter().any(|x| std::ptr::eq(*x, *k)))
        })
        .collect();
    let doc = TeamDoc {
        view,
        index,
        tx: lang.text(),
        duties,
        other,
    };
    doc.render(slugs)
}

impl TeamDoc<'_, '_> {
    fn render(&self, slugs: &mut Slugger) -> (String, String) {
        let tx = self.tx;
        let mut out = String::new();
        let name = self.view.team_name(self.index);
        let anchor = slugs.slug(name);
        let _ = writeln!(out, "## {}\n", inline(name));
        self.overview(&mut out);

        slugs.slug(tx.duties);
        let _ = writeln!(out, "### {}\n", tx.duties);
        for (d, kpis) in &self.duties {
            let duty = d.duty;
            slugs.slug(duty_label(duty));
            let _ = writeln!(out, "#### {}\n", inline(duty_label(duty)));
            if let Some(desc) = &duty.description {
                let _ = writeln!(out, "{}\n", inline(desc.as_str()));
            }
            let owner = duty.owner.as_ref().map_or_else(
                || tx.none.to_owned(),
                |o| inline(&self.view.owner_name(o.as_str())),
            );
            let _ = writeln!(out, "**{}{}** {owner}\n", tx.owner, tx.colon);
            if kpis.is_empty() {
                let _ = writeln!(out, "{}\n", tx.no_kpis);
            } else {
                self.kpi_table(&mut out, kpis);
            }
        }
        if !self.other.is_empty() {
            slugs.slug(tx.other_kpis);
            let _ = writeln!(out, "#### {}\n", tx.other_kpis);
            self.kpi_table(&mut out, &self.other);
        }

        if !self.duties.is_empty() {
            slugs.slug(tx.matrix);
            let _ = writeln!(out, "### {}\n", tx.matrix);
            self.matrix(&mut out);
        }

        slugs.slug(tx.scorecards);
        let _ = writeln!(out, "### {}\n", tx.scorecards);
        self.scorecards(&mut out, slugs);

        slugs.slug(tx.diagram);
        let _ = writeln!(out, "### {}\n\n{}\n", tx.diagram, tx.diagram_intro);
        self.diagram(&mut out);

        slugs.slug(tx.how);
        let _ = writeln!(out, "### {}\n", tx.how);
        let review = self.view.teams[self.index]
            .team
            .review
            .as_ref()
            .map_or_else(
                || tx.review_unset.to_owned(),
                |r| inline(&tx.period(r.as_str())),
            );
        for line in tx.how_text {
            let _ = writeln!(out, "{}", line.replace("{review}", &review));
        }
        out.push('\n');
        (anchor, out)
    }

    /// The team's ID, review cadence and lead.
    fn overview(&self, out: &mut String) {
        let tx = self.tx;
        let team = self.view.teams[self.index].team;
        let id = team
            .id
            .as_ref()
            .map_or_else(|| tx.none.to_owned(), |i| inline(i.as_str()));
        let review = team
            .review
            .as_ref()
            .map_or_else(|| tx.none.to_owned(), |r| inline(&tx.period(r.as_str())));
        let lead = team.lead.as_ref().map_or_else(
            || tx.none.to_owned(),
            |l| {
                let name = inline(&self.view.owner_name(l.as_str()));
                let title = self
                    .view
                    .ws
                    .owner(l.as_str())
                    .and_then(|o| o.title.as_ref())
                    .map(|t| inline(t.as_str()))
                    .filter(|t| !t.is_empty());
                match title {
                    Some(t) => format!("{name}{}{t}{}", tx.parens.0, tx.parens.1),
                    None => name,
                }
            },
        );
        let c = tx.colon;
        let _ = writeln!(out, "- **{}{c}** {id}", tx.team_id);
        let _ = writeln!(out, "- **{}{c}** {review}", tx.review);
        let _ = writeln!(out, "- **{}{c}** {lead}\n", tx.lead);
    }

    fn kpi_table(&self, out: &mut String, kpis: &[&KpiView<'_>]) {
        let tx = self.tx;
        out.push_str(&markdown::header(&tx.kpi_header, &[4]));
        for k in kpis {
            let kpi = k.kpi;
            let opt = |v: Option<&str>| v.map_or_else(|| tx.none.to_owned(), inline);
            out.push_str(&markdown::row(&[
                name_cell(kpi, tx),
                opt(kpi.metric.as_ref().map(|m| m.as_str())),
                target_with_threshold(k, tx),
                self.when(k),
                weight_cell(kpi.weight.as_ref().map(|w| w.value), tx),
                opt(kpi
                    .owner
                    .as_ref()
                    .map(|o| self.view.owner_name(o.as_str()))
                    .as_deref()),
                opt(kpi.source.as_ref().map(|s| s.as_str())),
            ]));
        }
        out.push('\n');
    }

    /// The period and due date of a KPI, in words.
    fn when(&self, k: &KpiView<'_>) -> String {
        let tx = self.tx;
        let mut parts = Vec::new();
        if let Some(p) = &k.kpi.period {
            parts.push(inline(&tx.period(p.as_str())));
        }
        if let Some(d) = &k.kpi.due {
            parts.push(inline(&tx.due_value(d.as_str())));
        }
        if parts.is_empty() {
            tx.none.to_owned()
        } else {
            parts.join(tx.sep)
        }
    }

    /// Owner IDs in order of first appearance: duty owner, then each KPI's owner and
    /// contributors (contributors only with `with_contributors`).
    fn people(&self, kpis: &[&KpiView<'_>], with_contributors: bool) -> Vec<String> {
        let mut ids: Vec<String> = Vec::new();
        let mut add = |id: &str| {
            if !ids.iter().any(|x| x == id) {
                ids.push(id.to_owned());
            }
        };
        for k in kpis {
            if let Some(o) = &k.kpi.owner {
                add(o.as_str());
            }
            if with_contributors {
                let kpi = k.kpi;
                for c in kpi
                    .contributors
                    .iter()
                    .chain(kpi.consulted())
                    .chain(kpi.informed())
                {
                    add(c.as_str());
                }
            }
        }
        ids
    }

    fn duty_people(&self) -> Vec<String> {
        let mut ids: Vec<String> = Vec::new();
        for (d, kpis) in &self.duties {
            let mut here: Vec<String> = d.duty.owner.iter().map(|o| o.value.to_string()).collect();
            here.extend(self.people(kpis, true));
            for id in here {
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
        }
        ids
    }

    fn matrix(&self, out: &mut String) {
        let tx = self.tx;
        let mut head = vec![tx.matrix_owner.to_owned()];
        head.extend(self.duties.iter().map(|(d, _)| inline(duty_label(d.duty))));
        out.push_str(&markdown::row(&head));
        out.push_str("|---|");
        for _ in &self.duties {
            out.push_str(":---:|");
        }
        out.push('\n');
        for id in self.duty_people() {
            let mut cells = vec![inline(&self.view.owner_name(&id))];
            for (d, kpis) in &self.duties {
                let accountable = d.duty.owner.as_ref().is_some_and(|o| o.value == id)
                    || kpis
                        .iter()
                        .any(|k| k.kpi.owner.as_ref().is_some_and(|o| o.value == id));
                let named = |list: fn(&crate::workspace::Kpi) -> &[crate::workspace::Spanned<crate::workspace::Text>]| {
                    kpis.iter()
                        .any(|k| list(k.kpi).iter().any(|c| c.value == id))
                };
                // The strongest role the person has for the duty's KPIs.
                let letter = if accountable {
                    "A"
                } else if named(|k| &k.contributors) {
                    "R"
                } else if named(crate::workspace::Kpi::consulted) {
                    "C"
                } else if named(crate::workspace::Kpi::informed) {
                    "I"
                } else {
                    ""
                };
                cells.push(letter.to_owned());
            }
            out.push_str(&markdown::row(&cells));
        }
        let _ = writeln!(out, "\n{}\n", tx.matrix_legend);
        let ci = self
            .duties
            .iter()
            .flat_map(|(_, ks)| ks)
            .any(|k| !k.kpi.consulted().is_empty() || !k.kpi.informed().is_empty());
        if ci {
            let _ = writeln!(out, "{}\n", tx.matrix_legend_ci);
        }
    }

    fn all_kpis(&self) -> Vec<&KpiView<'_>> {
        let mut all: Vec<&KpiView<'_>> = Vec::new();
        for (_, kpis) in &self.duties {
            all.extend(kpis.iter().copied());
        }
        all.extend(self.other.iter().copied());
        all
    }

    fn scorecards(&self, out: &mut String, slugs: &mut Slugger) {
        let tx = self.tx;
        let all = self.all_kpis();
        let owners = self.people(&all, false);
        if owners.is_empty() {
            let _ = writeln!(out, "{}\n", tx.no_scorecards);
        }
        for id in owners {
            let name = self.view.owner_name(&id);
            slugs.slug(&name);
            let _ = writeln!(out, "#### {}\n", inline(&name));
            out.push_str(&markdown::header(&tx.scorecard_header, &[3]));
            let mut total = None;
            for k in all
                .iter()
                .filter(|k| k.kpi.owner.as_ref().is_some_and(|o| o.value == id))
            {
                let weight = k.kpi.weight.as_ref().map(|w| w.value);
                if let Some(w) = weight.filter(|w| w.is_finite()) {
                    total = Some(total.unwrap_or(0.0) + w);
                }
                out.push_str(&markdown::row(&[
                    inline(kpi_name(k.kpi)),
                    target_cell(&k.target, tx),
                    self.when(k),
                    weight_cell(weight, tx),
                ]));
            }
            let total = match total {
                Some(t) => format!("**{}**", weight_cell(Some(t), tx)),
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
    }

    /// A Mermaid flowchart: owners → duties → KPIs, with generated node IDs.
    fn diagram(&self, out: &mut String) {
        let owners = {
            let mut ids: Vec<String> = Vec::new();
            for (d, kpis) in &self.duties {
                for id in d
                    .duty
                    .owner
                    .iter()
                    .map(|o| o.value.to_string())
                    .chain(self.people(kpis, false))
                {
                    if !ids.contains(&id) {
                        ids.push(id);
                    }
                }
            }
            for id in self.people(&self.other, false) {
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
            ids
        };
        let node_of = |id: &str| {
            owners
                .iter()
                .position(|x| x == id)
                .map(|i| format!("o{}", i + 1))
        };
        let mut nodes = String::new();
        let mut edges = String::new();
        for (i, id) in owners.iter().enumerate() {
            let _ = writeln!(
                nodes,
                "    o{}[\"{}\"]",
                i + 1,
                markdown::mermaid_label(&self.view.owner_name(id))
            );
        }
        let mut k_n = 0;
        let mut kpi_node = |k: &KpiView<'_>, nodes: &mut String| {
            k_n += 1;
            let _ = writeln!(
                nodes,
                "    k{k_n}[\"{}\"]",
                markdown::mermaid_label(kpi_name(k.kpi))
            );
            format!("k{k_n}")
        };
        for (d_i, (d, kpis)) in self.duties.iter().enumerate() {
            let dn = format!("d{}", d_i + 1);
            let _ = writeln!(
                nodes,
                "    {dn}[\"{}\"]",
                markdown::mermaid_label(duty_label(d.duty))
            );
            let duty_owner = d.duty.owner.as_ref().map(|o| o.as_str());
            if let Some(on) = duty_owner.and_then(node_of) {
                let _ = writeln!(edges, "    {on} --> {dn}");
            }
            for k in kpis {
                let kn = kpi_node(k, &mut nodes);
                let _ = writeln!(edges, "    {dn} --> {kn}");
                let owner = k.kpi.owner.as_ref().map(|o| o.as_str());
                if owner != duty_owner
                    && let Some(on) = owner.and_then(node_of)
                {
                    let _ = writeln!(edges, "    {on} -.-> {kn}");
                }
            }
        }
        for k in &self.other {
            let kn = kpi_node(k, &mut nodes);
            if let Some(on) = k.kpi.owner.as_ref().and_then(|o| node_of(o.as_str())) {
                let _ = writeln!(edges, "    {on} -.-> {kn}");
            }
        }
        let _ = writeln!(out, "```mermaid\nflowchart LR\n{nodes}{edges}```\n");
    }
}

/// A target in plain words (`at least 2 份`), followed by the text as written when that reads
/// differently (`不少于 90% (90%以上)`).
fn target_cell(target: &TargetView, tx: &Text) -> String {
    match target {
        TargetView::Missing => tx.none.to_owned(),
        TargetView::Unparsed(text) => inline(text),
        TargetView::Parsed { target, text } => {
            let plain = tx.target_words(target);
            let squash = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
            let written = squash(text);
            if written == squash(&plain) || written == squash(&target.to_string()) {
                inline(&plain)
            } else {
                let (open, close) = tx.parens;
                format!("{}{open}{}{close}", inline(&plain), inline(text))
            }
        }
    }
}

/// A KPI's name, with `leading` or `lagging` when its `kind` says so.
fn name_cell(kpi: &crate::workspace::Kpi, tx: &Text) -> String {
    let kind = match kpi.kind().map(|k| k.value.trim()) {
        Some("leading") => Some(tx.kinds[0]),
        Some("lagging") => Some(tx.kinds[1]),
        _ => None,
    };
    match kind {
        Some(k) => format!("{}{}{k}{}", inline(kpi_name(kpi)), tx.parens.0, tx.parens.1),
        None => inline(kpi_name(kpi)),
    }
}

/// The target, and the threshold beside it when there is one.
fn target_with_threshold(k: &KpiView<'_>, tx: &Text) -> String {
    let target = target_cell(&k.target, tx);
    match super::threshold_view(k.kpi) {
        TargetView::Missing => target,
        threshold => format!(
            "{target}{}{}{}{}",
            tx.sep,
            tx.threshold,
            label_colon(tx),
            target_cell(&threshold, tx)
        ),
    }
}

/// The objectives of the workspace as a tree (parents first, in file order), each with the
/// KPIs that support it; nothing when there are none.
/// The colon after a label inside a sentence, with the space English puts after it.
fn label_colon(tx: &Text) -> String {
    if tx.colon.is_ascii() {
        format!("{} ", tx.colon)
    } else {
        tx.colon.to_owned()
    }
}

fn objective_tree(view: &View<'_>, tx: &Text) -> String {
    let objectives: Vec<&crate::workspace::Objective> =
        view.ws.all_specs().flat_map(|s| &s.objectives).collect();
    if objectives.is_empty() {
        return String::new();
    }
    let ids: std::collections::HashSet<&str> = objectives.iter().map(|o| o.id.as_str()).collect();
    let mut children: std::collections::HashMap<&str, Vec<usize>> = Default::default();
    let mut roots = Vec::new();
    for (i, o) in objectives.iter().enumerate() {
        match o.parent.as_ref().map(|p| p.value.trim()) {
            Some(p) if ids.contains(p) && p != o.id.as_str() => {
                children.entry(p).or_default().push(i)
            }
            _ => roots.push(i),
        }
    }
    let supporting = super::model::supporting(view);
    let kpi_names: std::collections::HashMap<&str, &str> = view
        .kpis
        .iter()
        .map(|k| (k.kpi.id.as_str(), kpi_name(k.kpi)))
        .collect();
    let mut out = format!("## {}\n\n", tx.objectives);
    // Depth first, each objective once (a cycle, E005, is not followed).
    let mut seen = vec![false; objectives.len()];
    let mut stack: Vec<(usize, usize)> = roots.iter().rev().map(|&i| (i, 0)).collect();
    while let Some((i, depth)) = stack.pop() {
        if std::mem::replace(&mut seen[i], true) {
            continue;
        }
        let o = objectives[i];
        let name = o.name.as_ref().map_or(o.id.as_str(), |n| n.as_str());
        let mut line = format!("{}- **{}**", "  ".repeat(depth), inline(name));
        if let Some(owner) = &o.owner {
            let _ = write!(
                line,
                "{}{}{}",
                tx.parens.0,
                inline(&view.owner_name(owner.as_str())),
                tx.parens.1
            );
        }
        let kpis = supporting.get(o.id.as_str());
        match kpis {
            Some(ks) => {
                let names: Vec<String> = ks
                    .iter()
                    .map(|id| inline(kpi_names.get(id).copied().unwrap_or(id)))
                    .collect();
                let _ = write!(
                    line,
                    "{}{}{}{}",
                    tx.sep,
                    tx.supported_by,
                    label_colon(tx),
                    names.join(", ")
                );
            }
            None if !children.contains_key(o.id.as_str()) => {
                let _ = write!(line, "{}{}", tx.sep, tx.no_supporting_kpi);
            }
            None => {}
        }
        out.push_str(&line);
        out.push('\n');
        for &c in children.get(o.id.as_str()).into_iter().flatten().rev() {
            stack.push((c, depth + 1));
        }
    }
    out.push('\n');
    out
}

fn weight_cell(weight: Option<f64>, tx: &Text) -> String {
    match weight.filter(|w| w.is_finite()) {
        Some(w) => format!("{}%", format_number(w)),
        None => tx.none.to_owned(),
    }
}
