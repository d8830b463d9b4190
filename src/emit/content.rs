//! What the handbook says, apart from how it is written: per team its overview, duties with
//! their KPI tables, the responsibility matrix, the owners' scorecards and who owns what, and
//! the objective tree. `handbook.md` ([`super::handbook`]) and `handbook.html`
//! ([`super::handbook_html`]) are both rendered from this one view, so they cannot drift.
//!
//! Text is kept as [`Rich`]: pieces of kpic's own words and numbers ([`Piece::Fixed`]) and of
//! user text ([`Piece::User`]), which each renderer escapes in its own way.

use super::i18n::{Lang, Text};
use super::{DutyView, KpiView, TargetView, View, duty_label, kpi_name};
use crate::target::format_number;
use crate::workspace::{Kpi, Spanned};

/// One piece of a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// kpic's own words, numbers and punctuation (trusted; Markdown writes them as they are).
    Fixed(String),
    /// Text from the specs (always escaped).
    User(String),
}

/// A text made of fixed and user pieces.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rich(pub Vec<Piece>);

impl Rich {
    /// A text of kpic's own.
    pub fn fixed(s: impl Into<String>) -> Rich {
        Rich(vec![Piece::Fixed(s.into())])
    }

    /// A text from the specs.
    pub fn user(s: impl Into<String>) -> Rich {
        Rich(vec![Piece::User(s.into())])
    }

    /// Appends fixed text.
    pub fn push_fixed(&mut self, s: impl Into<String>) {
        self.0.push(Piece::Fixed(s.into()));
    }

    /// Appends another text.
    pub fn append(&mut self, other: Rich) {
        self.0.extend(other.0);
    }

    /// Renders every piece: fixed text through `fixed`, user text through `user`.
    pub fn render(&self, fixed: impl Fn(&str) -> String, user: impl Fn(&str) -> String) -> String {
        self.0
            .iter()
            .map(|p| match p {
                Piece::Fixed(s) => fixed(s),
                Piece::User(s) => user(s),
            })
            .collect()
    }

    /// The text as a reader sees it, unescaped (for width estimates and alt text).
    pub fn plain(&self) -> String {
        self.render(str::to_owned, str::to_owned)
    }
}

/// The whole handbook.
#[derive(Debug)]
pub struct Handbook {
    /// The language of the title and contents.
    pub lang: Lang,
    /// The objective tree (empty when the workspace declares no objective).
    pub objectives: Vec<ObjectiveItem>,
    /// The teams, in document order.
    pub teams: Vec<TeamContent>,
}

/// One objective in the tree.
#[derive(Debug)]
pub struct ObjectiveItem {
    /// How deep in the tree (0 for a root).
    pub depth: usize,
    /// Its name (or ID).
    pub name: String,
    /// Its owner's display name.
    pub owner: Option<String>,
    /// The KPIs that support it, by display name.
    pub kpis: Vec<String>,
    /// No KPI supports it and it has no child objective.
    pub unsupported: bool,
}

/// One team's part of the handbook.
#[derive(Debug)]
pub struct TeamContent {
    /// The team's language.
    pub lang: Lang,
    /// Its display name.
    pub name: String,
    /// Its ID.
    pub id: Rich,
    /// Its review cadence, in words.
    pub review: Rich,
    /// Its lead, with the lead's title.
    pub lead: Rich,
    /// Its duties, each with its KPI table.
    pub duties: Vec<DutySection>,
    /// KPIs of the team under none of its duties.
    pub other: Vec<KpiRow>,
    /// The responsibility matrix (when the team has duties).
    pub matrix: Option<Matrix>,
    /// One scorecard per owner of a KPI of the team.
    pub scorecards: Vec<Scorecard>,
    /// Who owns what.
    pub diagram: Diagram,
    /// The review cadence as the "how" paragraphs name it.
    pub cadence: Rich,
}

/// A duty and its KPIs.
#[derive(Debug)]
pub struct DutySection {
    /// Its display name.
    pub name: String,
    /// Its description.
    pub description: Option<String>,
    /// Its owner's display name.
    pub owner: Rich,
    /// Its KPIs.
    pub kpis: Vec<KpiRow>,
}

/// A row of a KPI table: name, metric, target, period / due, weight, owner, data source.
#[derive(Debug)]
pub struct KpiRow {
    /// The cells, in the order of [`Text::kpi_header`].
    pub cells: [Rich; 7],
}

/// A person's strongest role for a duty's KPIs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Accountable.
    A,
    /// Responsible (a contributor).
    R,
    /// Consulted.
    C,
    /// Informed.
    I,
    /// No role.
    None,
}

impl Role {
    /// The letter shown in the matrix (empty for no role).
    pub fn letter(self) -> &'static str {
        match self {
            Role::A => "A",
            Role::R => "R",
            Role::C => "C",
            Role::I => "I",
            Role::None => "",
        }
    }
}

/// The responsibility matrix: people × duties.
#[derive(Debug)]
pub struct Matrix {
    /// The duties' display names (the columns).
    pub duties: Vec<String>,
    /// Each person's display name and role per duty.
    pub rows: Vec<(String, Vec<Role>)>,
    /// Whether a KPI names consulted or informed people (the C/I legend is shown).
    pub ci: bool,
}

/// One owner's scorecard.
#[derive(Debug)]
pub struct Scorecard {
    /// The owner's display name.
    pub owner: String,
    /// KPI, target, period / due, weight.
    pub rows: Vec<[Rich; 4]>,
    /// The total weight, formatted, when any KPI has one.
    pub total: Option<String>,
}

/// What a node of the diagram is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NodeKind {
    /// An owner.
    Owner,
    /// A duty.
    Duty,
    /// A KPI.
    Kpi,
}

/// A node of the diagram: its kind, its 1-based number among nodes of that kind, its label.
#[derive(Debug)]
pub struct Node {
    /// Owner, duty or KPI.
    pub kind: NodeKind,
    /// 1-based, per kind, in order.
    pub n: usize,
    /// The display name.
    pub label: String,
}

/// An edge of the diagram between two nodes (kind and number).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edge {
    /// Where it starts.
    pub from: (NodeKind, usize),
    /// Where it ends.
    pub to: (NodeKind, usize),
    /// Dotted: a KPI owned by someone other than its duty's owner.
    pub dotted: bool,
}

/// Owners → duties → KPIs, nodes and edges in the order the Mermaid diagram lists them.
#[derive(Debug, Default)]
pub struct Diagram {
    /// Owners first, then each duty followed by its KPIs, then the other KPIs.
    pub nodes: Vec<Node>,
    /// Per duty: owner → duty, then per KPI duty → KPI and (dotted) its owner → KPI; then the
    /// other KPIs' owners → KPI.
    pub edges: Vec<Edge>,
}

impl Diagram {
    /// The nodes of one kind, in order.
    pub fn of(&self, kind: NodeKind) -> impl Iterator<Item = &Node> {
        self.nodes.iter().filter(move |n| n.kind == kind)
    }
}

/// The content of the handbook of `view`; `doc_lang` is the language of the title and contents.
pub fn handbook(view: &View<'_>, doc_lang: Lang) -> Handbook {
    Handbook {
        lang: doc_lang,
        objectives: objective_tree(view),
        teams: (0..view.teams.len()).map(|i| team(view, i)).collect(),
    }
}

/// One team, gathered.
struct TeamDoc<'v, 'a> {
    view: &'v View<'a>,
    tx: &'static Text,
    /// The team's duties, each with the KPIs of this team that measure it.
    duties: Vec<(&'v DutyView<'a>, Vec<&'v KpiView<'a>>)>,
    /// KPIs of this team under none of its duties.
    other: Vec<&'v KpiView<'a>>,
}

fn team(view: &View<'_>, index: usize) -> TeamContent {
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
        tx: lang.text(),
        duties,
        other,
    };
    let tx = doc.tx;
    let team = view.teams[index].team;
    let id = team
        .id
        .as_ref()
        .map_or_else(|| Rich::fixed(tx.none), |i| Rich::user(i.as_str()));
    let review = team.review.as_ref().map_or_else(
        || Rich::fixed(tx.none),
        |r| Rich::user(tx.period(r.as_str())),
    );
    let cadence = team.review.as_ref().map_or_else(
        || Rich::fixed(tx.review_unset),
        |r| Rich::user(tx.period(r.as_str())),
    );
    let lead = team.lead.as_ref().map_or_else(
        || Rich::fixed(tx.none),
        |l| {
            let mut lead = Rich::user(view.owner_name(l.as_str()));
            let title = view
                .ws
                .owner(l.as_str())
                .and_then(|o| o.title.as_ref())
                .filter(|t| !super::markdown::flatten(t.as_str()).is_empty());
            if let Some(t) = title {
                lead.push_fixed(tx.parens.0);
                lead.append(Rich::user(t.as_str()));
                lead.push_fixed(tx.parens.1);
            }
            lead
        },
    );
    let duties = doc
        .duties
        .iter()
        .map(|(d, kpis)| DutySection {
            name: duty_label(d.duty).to_owned(),
            description: d.duty.description.as_ref().map(|s| s.as_str().to_owned()),
            owner: d.duty.owner.as_ref().map_or_else(
                || Rich::fixed(tx.none),
                |o| Rich::user(view.owner_name(o.as_str())),
            ),
            kpis: kpis.iter().map(|k| doc.kpi_row(k)).collect(),
        })
        .collect();
    TeamContent {
        lang,
        name: view.team_name(index).to_owned(),
        id,
        review,
        lead,
        duties,
        other: doc.other.iter().map(|k| doc.kpi_row(k)).collect(),
        matrix: (!doc.duties.is_empty()).then(|| doc.matrix()),
        scorecards: doc.scorecards(),
        diagram: doc.diagram(),
        cadence,
    }
}

impl TeamDoc<'_, '_> {
    fn kpi_row(&self, k: &KpiView<'_>) -> KpiRow {
        let tx = self.tx;
        let kpi = k.kpi;
        let opt = |v: Option<&str>| v.map_or_else(|| Rich::fixed(tx.none), Rich::user);
        KpiRow {
            cells: [
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
            ],
        }
    }

    /// The period and due date of a KPI, in words.
    fn when(&self, k: &KpiView<'_>) -> Rich {
        let tx = self.tx;
        let mut parts = Vec::new();
        if let Some(p) = &k.kpi.period {
            parts.push(Rich::user(tx.period(p.as_str())));
        }
        if let Some(d) = &k.kpi.due {
            parts.push(Rich::user(tx.due_value(d.as_str())));
        }
        if parts.is_empty() {
            return Rich::fixed(tx.none);
        }
        let mut out = Rich::default();
        for (i, p) in parts.into_iter().enumerate() {
            if i > 0 {
                out.push_fixed(tx.sep);
            }
            out.append(p);
        }
        out
    }

    /// Owner IDs in order of first appearance: each KPI's owner and (with
    /// `with_contributors`) its contributors, consulted and informed.
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

    fn matrix(&self) -> Matrix {
        let rows = self
            .duty_people()
            .into_iter()
            .map(|id| {
                let roles = self
                    .duties
                    .iter()
                    .map(|(d, kpis)| {
                        let accountable = d.duty.owner.as_ref().is_some_and(|o| o.value == id)
                            || kpis
                                .iter()
                                .any(|k| k.kpi.owner.as_ref().is_some_and(|o| o.value == id));
                        let named = |list: fn(&Kpi) -> &[Spanned<crate::workspace::Text>]| {
                            kpis.iter()
                                .any(|k| list(k.kpi).iter().any(|c| c.value == id))
                        };
                        // The strongest role the person has for the duty's KPIs.
                        if accountable {
                            Role::A
                        } else if named(|k| &k.contributors) {
                            Role::R
                        } else if named(Kpi::consulted) {
                            Role::C
                        } else if named(Kpi::informed) {
                            Role::I
                        } else {
                            Role::None
                        }
                    })
                    .collect();
                (self.view.owner_name(&id), roles)
            })
            .collect();
        let ci = self
            .duties
            .iter()
            .flat_map(|(_, ks)| ks)
            .any(|k| !k.kpi.consulted().is_empty() || !k.kpi.informed().is_empty());
        Matrix {
            duties: self
                .duties
                .iter()
                .map(|(d, _)| duty_label(d.duty).to_owned())
                .collect(),
            rows,
            ci,
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

    fn scorecards(&self) -> Vec<Scorecard> {
        let tx = self.tx;
        let all = self.all_kpis();
        self.people(&all, false)
            .into_iter()
            .map(|id| {
                let mut total = None;
                let rows = all
                    .iter()
                    .filter(|k| k.kpi.owner.as_ref().is_some_and(|o| o.value == id))
                    .map(|k| {
                        let weight = k.kpi.weight.as_ref().map(|w| w.value);
                        if let Some(w) = weight.filter(|w| w.is_finite()) {
                            total = Some(total.unwrap_or(0.0) + w);
                        }
                        [
                            Rich::user(kpi_name(k.kpi)),
                            target_cell(&k.target, tx),
                            self.when(k),
                            weight_cell(weight, tx),
                        ]
                    })
                    .collect();
                Scorecard {
                    owner: self.view.owner_name(&id),
                    rows,
                    total: total.map(|t| weight_cell(Some(t), tx).plain()),
                }
            })
            .collect()
    }

    fn diagram(&self) -> Diagram {
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
                .map(|i| (NodeKind::Owner, i + 1))
        };
        let mut g = Diagram::default();
        for (i, id) in owners.iter().enumerate() {
            g.nodes.push(Node {
                kind: NodeKind::Owner,
                n: i + 1,
                label: self.view.owner_name(id),
            });
        }
        let mut k_n = 0;
        let mut kpi_node = |k: &KpiView<'_>, nodes: &mut Vec<Node>| {
            k_n += 1;
            nodes.push(Node {
                kind: NodeKind::Kpi,
                n: k_n,
                label: kpi_name(k.kpi).to_owned(),
            });
            (NodeKind::Kpi, k_n)
        };
        for (d_i, (d, kpis)) in self.duties.iter().enumerate() {
            let dn = (NodeKind::Duty, d_i + 1);
            g.nodes.push(Node {
                kind: NodeKind::Duty,
                n: d_i + 1,
                label: duty_label(d.duty).to_owned(),
            });
            let duty_owner = d.duty.owner.as_ref().map(|o| o.as_str());
            if let Some(on) = duty_owner.and_then(node_of) {
                g.edges.push(Edge {
                    from: on,
                    to: dn,
                    dotted: false,
                });
            }
            for k in kpis {
                let kn = kpi_node(k, &mut g.nodes);
                g.edges.push(Edge {
                    from: dn,
                    to: kn,
                    dotted: false,
                });
                let owner = k.kpi.owner.as_ref().map(|o| o.as_str());
                if owner != duty_owner
                    && let Some(on) = owner.and_then(node_of)
                {
                    g.edges.push(Edge {
                        from: on,
                        to: kn,
                        dotted: true,
                    });
                }
            }
        }
        for k in &self.other {
            let kn = kpi_node(k, &mut g.nodes);
            if let Some(on) = k.kpi.owner.as_ref().and_then(|o| node_of(o.as_str())) {
                g.edges.push(Edge {
                    from: on,
                    to: kn,
                    dotted: true,
                });
            }
        }
        g
    }
}

/// A target in plain words (`at least 2 份`), followed by the text as written when that reads
/// differently (`不少于 90% (90%以上)`).
pub fn target_cell(target: &TargetView, tx: &Text) -> Rich {
    match target {
        TargetView::Missing => Rich::fixed(tx.none),
        TargetView::Unparsed(text) => Rich::user(text.as_str()),
        TargetView::Parsed { target, text } => {
            let plain = tx.target_words(target);
            let squash = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
            let written = squash(text);
            if written == squash(&plain) || written == squash(&target.to_string()) {
                Rich::user(plain)
            } else {
                let (open, close) = tx.parens;
                let mut out = Rich::user(plain);
                out.push_fixed(open);
                out.append(Rich::user(text.as_str()));
                out.push_fixed(close);
                out
            }
        }
    }
}

/// A KPI's name, with `leading` or `lagging` when its `kind` says so.
fn name_cell(kpi: &Kpi, tx: &Text) -> Rich {
    let kind = match kpi.kind().map(|k| k.value.trim()) {
        Some("leading") => Some(tx.kinds[0]),
        Some("lagging") => Some(tx.kinds[1]),
        _ => None,
    };
    let mut out = Rich::user(kpi_name(kpi));
    if let Some(k) = kind {
        out.push_fixed(format!("{}{k}{}", tx.parens.0, tx.parens.1));
    }
    out
}

/// The target, and the threshold beside it when there is one.
fn target_with_threshold(k: &KpiView<'_>, tx: &Text) -> Rich {
    let mut out = target_cell(&k.target, tx);
    match super::threshold_view(k.kpi) {
        TargetView::Missing => {}
        threshold => {
            out.push_fixed(format!("{}{}{}", tx.sep, tx.threshold, label_colon(tx)));
            out.append(target_cell(&threshold, tx));
        }
    }
    out
}

/// The colon after a label inside a sentence, with the space English puts after it.
pub fn label_colon(tx: &Text) -> String {
    if tx.colon.is_ascii() {
        format!("{} ", tx.colon)
    } else {
        tx.colon.to_owned()
    }
}

/// The deepest level the objective tree is drawn at: deeper objectives are listed at this
/// level, right after their ancestors, so that a long `parent` chain cannot make the
/// handbook's nested lists grow with the square of its length.
pub const MAX_OBJECTIVE_DEPTH: usize = 16;

/// The objectives of the workspace as a tree (parents first, in file order), each with the
/// KPIs that support it; empty when there are none.
fn objective_tree(view: &View<'_>) -> Vec<ObjectiveItem> {
    let objectives: Vec<&crate::workspace::Objective> =
        view.ws.all_specs().flat_map(|s| &s.objectives).collect();
    if objectives.is_empty() {
        return Vec::new();
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
    let mut out = Vec::new();
    // Depth first, each objective once (a cycle, E005, is not followed).
    let mut seen = vec![false; objectives.len()];
    let mut stack: Vec<(usize, usize)> = roots.iter().rev().map(|&i| (i, 0)).collect();
    while let Some((i, depth)) = stack.pop() {
        if std::mem::replace(&mut seen[i], true) {
            continue;
        }
        let o = objectives[i];
        let kpis: Vec<String> = supporting
            .get(o.id.as_str())
            .into_iter()
            .flatten()
            .map(|id| kpi_names.get(id).copied().unwrap_or(id).to_owned())
            .collect();
        let has_children = children.contains_key(o.id.as_str());
        out.push(ObjectiveItem {
            depth,
            name: o
                .name
                .as_ref()
                .map_or(o.id.as_str(), |n| n.as_str())
                .to_owned(),
            owner: o.owner.as_ref().map(|w| view.owner_name(w.as_str())),
            unsupported: !supporting.contains_key(o.id.as_str()) && !has_children,
            kpis,
        });
        for &c in children.get(o.id.as_str()).into_iter().flatten().rev() {
            stack.push((c, (depth + 1).min(MAX_OBJECTIVE_DEPTH)));
        }
    }
    out
}

/// A weight as a percentage, or the none mark.
fn weight_cell(weight: Option<f64>, tx: &Text) -> Rich {
    match weight.filter(|w| w.is_finite()) {
        Some(w) => Rich::fixed(format!("{}%", format_number(w))),
        None => Rich::fixed(tx.none),
    }
}
