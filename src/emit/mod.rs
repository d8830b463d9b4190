//! Emitters: the documents `kpic build` writes, one file per document. They read a resolved
//! [`View`] of the workspace and return bytes; writing them out is [`out_dir`]'s job.

pub(crate) mod content;
pub(crate) mod csv_guard;
pub(crate) mod handbook;
pub(crate) mod handbook_html;
pub(crate) mod html;
pub mod i18n;
pub(crate) mod markdown;
pub(crate) mod model;
pub mod out_dir;
pub mod scorecards;
pub(crate) mod svg;
pub(crate) mod xlsx;

use std::path::PathBuf;

pub use i18n::Lang;

use crate::target::{self, Target};
use crate::workspace::yaml::Value;
use crate::workspace::{Duty, Kpi, Owner, Team, Workspace};

/// How to compile.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// `--lang`: the handbook language for every team.
    pub lang: Option<Lang>,
    /// The configured default language, for teams without a known `locale`.
    pub default_lang: Option<Lang>,
    /// `--csv-bom`: start CSV files with a UTF-8 byte-order mark.
    pub csv_bom: bool,
}

/// One file to write, relative to the output folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// The path inside the output folder (plain names only, never `..` or absolute).
    pub path: PathBuf,
    /// The content.
    pub bytes: Vec<u8>,
}

/// Everything a build produces.
#[derive(Debug, Clone, Default)]
pub struct Output {
    /// The files, in a stable order.
    pub documents: Vec<Document>,
    /// Things the user should know (an owner whose scorecard file was renamed or skipped).
    pub notes: Vec<String>,
    /// Documents that could not be made (the build must fail).
    pub errors: Vec<String>,
}

/// Compiles the reported files of a checked workspace into every document.
pub fn compile(ws: &Workspace, opts: &Options) -> Output {
    let view = View::new(ws, opts);
    let mut out = Output::default();
    let book = content::handbook(&view, view.doc_lang);
    out.documents.push(Document {
        path: PathBuf::from("handbook.md"),
        bytes: handbook::render_content(&book).into_bytes(),
    });
    out.documents.push(Document {
        path: PathBuf::from(handbook_html::FILE),
        bytes: handbook_html::render_content(&book).into_bytes(),
    });
    let cards = scorecards::render(&view, opts.csv_bom);
    out.documents.extend(cards.documents);
    out.notes.extend(cards.notes);
    match xlsx::render(&view) {
        Ok(bytes) => out.documents.push(Document {
            path: PathBuf::from(xlsx::FILE),
            bytes,
        }),
        Err(e) => out.errors.push(e),
    }
    out.documents.push(Document {
        path: PathBuf::from("kpis.json"),
        bytes: model::render(&view).into_bytes(),
    });
    out
}

/// A team to write about.
#[derive(Debug)]
pub struct TeamView<'a> {
    /// The team as written.
    pub team: &'a Team,
    /// Its handbook language.
    pub lang: Lang,
}

/// A duty and the team whose file defines it.
#[derive(Debug)]
pub struct DutyView<'a> {
    /// The duty as written.
    pub duty: &'a Duty,
    /// Index into [`View::teams`].
    pub team: Option<usize>,
}

/// A KPI, its team and its target.
#[derive(Debug)]
pub struct KpiView<'a> {
    /// The KPI as written.
    pub kpi: &'a Kpi,
    /// Index into [`View::teams`].
    pub team: Option<usize>,
    /// Its target, parsed.
    pub target: TargetView,
}

/// A KPI's target as the documents show it.
#[derive(Debug, Clone, PartialEq)]
pub enum TargetView {
    /// No target.
    Missing,
    /// A measurable target and the text it was written as.
    Parsed {
        /// The normalised target.
        target: Target,
        /// The target as written (its normalised form for the mapping form).
        text: String,
    },
    /// A target that is not a comparison against a number, as written (only when the
    /// rule that reports it is turned off).
    Unparsed(String),
}

impl TargetView {
    /// The target as written.
    pub fn text(&self) -> Option<&str> {
        match self {
            TargetView::Missing => None,
            TargetView::Parsed { text, .. } | TargetView::Unparsed(text) => Some(text),
        }
    }

    /// The normalised target, when there is one.
    pub fn parsed(&self) -> Option<&Target> {
        match self {
            TargetView::Parsed { target, .. } => Some(target),
            _ => None,
        }
    }
}

/// The resolved workspace in document order: files in name order, items in list order.
#[derive(Debug)]
pub struct View<'a> {
    /// The workspace.
    pub ws: &'a Workspace,
    /// Teams of the reported files.
    pub teams: Vec<TeamView<'a>>,
    /// Owners defined in reported files or named by an emitted item.
    pub owners: Vec<&'a Owner>,
    /// Duties of the reported files.
    pub duties: Vec<DutyView<'a>>,
    /// KPIs of the reported files.
    pub kpis: Vec<KpiView<'a>>,
    /// The language of the parts that belong to no team (title, contents).
    pub doc_lang: Lang,
}

impl<'a> View<'a> {
    /// Resolves the reported files of `ws`.
    pub fn new(ws: &'a Workspace, opts: &Options) -> View<'a> {
        let fallback = opts.default_lang.unwrap_or(Lang::En);
        let mut teams = Vec::new();
        let mut duties = Vec::new();
        let mut kpis = Vec::new();
        for spec in ws.reported_specs() {
            let team = spec.team.as_ref().map(|t| {
                let lang = opts.lang.unwrap_or_else(|| {
                    t.locale
                        .as_ref()
                        .and_then(|l| l.value.parse().ok())
                        .unwrap_or(fallback)
                });
                teams.push(TeamView { team: t, lang });
                teams.len() - 1
            });
            for d in &spec.duties {
                duties.push(DutyView { duty: d, team });
            }
            for k in &spec.kpis {
                kpis.push(KpiView {
                    kpi: k,
                    team,
                    target: target_view(k),
                });
            }
        }
        let mut referenced: std::collections::HashSet<&str> = std::collections::HashSet::new();
        for t in &teams {
            referenced.extend(t.team.lead.as_ref().map(|l| l.as_str()));
        }
        for d in &duties {
            referenced.extend(d.duty.owner.as_ref().map(|o| o.as_str()));
        }
        for k in &kpis {
            referenced.extend(k.kpi.owner.as_ref().map(|o| o.as_str()));
            referenced.extend(k.kpi.contributors.iter().map(|c| c.as_str()));
        }
        let mut owners = Vec::new();
        for spec in ws.all_specs() {
            for (i, o) in spec.owners.iter().enumerate() {
                let first = ws.index.owners.get(o.id.as_str()) == Some(&(spec.file, i));
                if first && (ws.reported[spec.file] || referenced.contains(o.id.as_str())) {
                    owners.push(o);
                }
            }
        }
        let doc_lang = opts
            .lang
            .or(opts.default_lang)
            .unwrap_or_else(|| match teams.first() {
                Some(first) if teams.iter().all(|t| t.lang == first.lang) => first.lang,
                _ => Lang::En,
            });
        View {
            ws,
            teams,
            owners,
            duties,
            kpis,
            doc_lang,
        }
    }

    /// Each owner's place in [`View::owners`], by ID: the order documents list owners in.
    pub fn owner_positions(&self) -> std::collections::HashMap<&'a str, usize> {
        self.owners
            .iter()
            .enumerate()
            .map(|(i, o)| (o.id.as_str(), i))
            .collect()
    }

    /// The display name of an owner ID: the owner's name, else the ID.
    pub fn owner_name(&self, id: &str) -> String {
        self.ws
            .owner(id)
            .and_then(|o| o.name.as_ref())
            .map_or_else(|| id.to_owned(), |n| n.value.to_string())
    }

    /// The display name of a duty ID: the duty's name, else the ID.
    pub fn duty_name(&self, id: &str) -> String {
        self.ws
            .duty(id)
            .and_then(|d| d.name.as_ref())
            .map_or_else(|| id.to_owned(), |n| n.value.to_string())
    }

    /// The ID of team `i`, or an empty string when it has none.
    pub fn team_id(&self, i: usize) -> &str {
        self.teams[i].team.id.as_ref().map_or("", |s| s.as_str())
    }

    /// The display name of team `i`: its name, else its ID.
    pub fn team_name(&self, i: usize) -> &str {
        let t = self.teams[i].team;
        t.name.as_ref().or(t.id.as_ref()).map_or("", |s| s.as_str())
    }
}

/// The display name of a KPI: its name, else its ID.
pub fn kpi_name(kpi: &Kpi) -> &str {
    kpi.name.as_ref().map_or(kpi.id.as_str(), |n| n.as_str())
}

/// The display name of a duty: its name, else its ID.
pub fn duty_label(duty: &Duty) -> &str {
    duty.name.as_ref().map_or(duty.id.as_str(), |n| n.as_str())
}

fn target_view(kpi: &Kpi) -> TargetView {
    comparison_view(kpi.target.as_ref())
}

/// A KPI's threshold as the documents show it (the target grammar).
pub fn threshold_view(kpi: &Kpi) -> TargetView {
    comparison_view(kpi.threshold())
}

/// A value in the target grammar as the documents show it.
fn comparison_view(
    node: Option<&crate::workspace::Spanned<crate::workspace::yaml::Node>>,
) -> TargetView {
    let Some(node) = node else {
        return TargetView::Missing;
    };
    let node = &node.value;
    match target::parse_node(node) {
        Ok(t) => {
            let text = match &node.value {
                Value::Str(s) => s.trim().to_owned(),
                _ => t.to_string(),
            };
            TargetView::Parsed { target: t, text }
        }
        Err(_) => TargetView::Unparsed(match &node.value {
            Value::Str(s) => s.trim().to_owned(),
            _ => node.to_json().to_string(),
        }),
    }
}
