//! `kpis.json`: the compiled, resolved model for other tools: teams, owners, duties and KPIs
//! with normalised targets, in file order then list order.

use std::collections::HashMap;

use serde::{Serialize, Serializer};

use super::scorecards::direction_name;
use super::{TargetView, View};
use crate::target::Op;

/// The version of the `kpis.json` format.
pub const VERSION: u32 = 1;

/// The whole file.
#[derive(Debug, Serialize)]
pub struct Model<'a> {
    /// Format version ([`VERSION`]).
    pub version: u32,
    /// Teams, in file order.
    pub teams: Vec<TeamJson<'a>>,
    /// Objectives, in file order then list order (of every file: KPIs of the reported files
    /// support them).
    pub objectives: Vec<ObjectiveJson<'a>>,
    /// Owners, in file order then list order.
    pub owners: Vec<OwnerJson<'a>>,
    /// Duties, in file order then list order.
    pub duties: Vec<DutyJson<'a>>,
    /// KPIs, in file order then list order.
    pub kpis: Vec<KpiJson<'a>>,
}

/// A team.
#[derive(Debug, Serialize)]
pub struct TeamJson<'a> {
    /// `id`.
    pub id: Option<&'a str>,
    /// `name`.
    pub name: Option<&'a str>,
    /// `locale` as written.
    pub locale: Option<&'a str>,
    /// The language its handbook section is written in.
    pub handbook_lang: &'static str,
    /// `review` cadence.
    pub review: Option<&'a str>,
    /// `lead` owner ID.
    pub lead: Option<&'a str>,
    /// `parent` team ID.
    pub parent: Option<&'a str>,
    /// IDs of the duties defined with the team.
    pub duties: Vec<&'a str>,
    /// IDs of the KPIs defined with the team.
    pub kpis: Vec<&'a str>,
}

/// An objective.
#[derive(Debug, Serialize)]
pub struct ObjectiveJson<'a> {
    /// `id`.
    pub id: &'a str,
    /// `name`.
    pub name: Option<&'a str>,
    /// `owner` ID.
    pub owner: Option<&'a str>,
    /// `parent` objective ID.
    pub parent: Option<&'a str>,
    /// IDs of the KPIs that support it.
    pub kpis: Vec<&'a str>,
}

/// An owner.
#[derive(Debug, Serialize)]
pub struct OwnerJson<'a> {
    /// `id`.
    pub id: &'a str,
    /// `name`.
    pub name: Option<&'a str>,
    /// `title`.
    pub title: Option<&'a str>,
    /// `email`.
    pub email: Option<&'a str>,
}

/// A duty.
#[derive(Debug, Serialize)]
pub struct DutyJson<'a> {
    /// `id`.
    pub id: &'a str,
    /// `name`.
    pub name: Option<&'a str>,
    /// ID of the team whose file defines it.
    pub team: Option<&'a str>,
    /// `description`.
    pub description: Option<&'a str>,
    /// `owner` ID.
    pub owner: Option<&'a str>,
}

/// A KPI.
#[derive(Debug, Serialize)]
pub struct KpiJson<'a> {
    /// `id`.
    pub id: &'a str,
    /// `name`.
    pub name: Option<&'a str>,
    /// ID of the team whose file defines it.
    pub team: Option<&'a str>,
    /// `duty` ID.
    pub duty: Option<&'a str>,
    /// `owner` ID.
    pub owner: Option<&'a str>,
    /// `contributors` IDs.
    pub contributors: Vec<&'a str>,
    /// `metric`.
    pub metric: Option<&'a str>,
    /// The normalised target.
    pub target: Option<TargetJson>,
    /// `baseline`.
    pub baseline: Option<Num>,
    /// `range` as `[min, max]`, `null` for an open end.
    pub range: Option<[Option<Num>; 2]>,
    /// `period`.
    pub period: Option<&'a str>,
    /// `due`.
    pub due: Option<&'a str>,
    /// `weight`, percent of the owner's scorecard.
    pub weight: Option<Num>,
    /// `source`.
    pub source: Option<&'a str>,
    /// `formula`.
    pub formula: Option<&'a str>,
    /// `supports`: objective IDs.
    pub supports: Vec<&'a str>,
    /// `consulted` owner IDs (RACI's C).
    pub consulted: Vec<&'a str>,
    /// `informed` owner IDs (RACI's I).
    pub informed: Vec<&'a str>,
    /// `kind`: `leading` or `lagging`.
    pub kind: Option<&'a str>,
    /// The normalised threshold (amber below the target, red below this).
    pub threshold: Option<TargetJson>,
    /// `effective`: the first day in force.
    pub effective: Option<&'a str>,
    /// `until`: the last day in force.
    pub until: Option<&'a str>,
}

/// A target: the comparison, and the text it was written as. `op`, `value` and `direction`
/// are `null` only for a target that is not a comparison against a number.
#[derive(Debug, Serialize)]
pub struct TargetJson {
    /// `>=`, `<=`, `>`, `<` or `=`.
    pub op: Option<Op>,
    /// The number compared with.
    pub value: Option<Num>,
    /// The normalised unit.
    pub unit: Option<String>,
    /// `higher-is-better`, `lower-is-better` or `exact`.
    pub direction: Option<&'static str>,
    /// The target as written.
    pub text: String,
}

/// A number written as an integer when it is one (`60`, not `60.0`); `null` when not finite.
#[derive(Debug, Clone, Copy)]
pub struct Num(pub f64);

impl Serialize for Num {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let v = self.0;
        if !v.is_finite() {
            s.serialize_none()
        } else if v.fract() == 0.0 && v.abs() < 9.007_199_254_740_992e15 {
            s.serialize_i64(v as i64)
        } else {
            s.serialize_f64(v)
        }
    }
}

/// Builds the model.
pub fn build<'a>(view: &View<'a>) -> Model<'a> {
    let s = |v: &'a Option<crate::workspace::Spanned<crate::workspace::Text>>| {
        v.as_ref().map(|x| x.as_str())
    };
    let team_id = |t: Option<usize>| {
        t.and_then(|i| view.teams[i].team.id.as_ref())
            .map(|x| x.as_str())
    };
    let teams = view
        .teams
        .iter()
        .enumerate()
        .map(|(i, t)| TeamJson {
            id: s(&t.team.id),
            name: s(&t.team.name),
            locale: s(&t.team.locale),
            handbook_lang: t.lang.tag(),
            review: s(&t.team.review),
            lead: s(&t.team.lead),
            parent: s(&t.team.parent),
            duties: view
                .duties
                .iter()
                .filter(|d| d.team == Some(i))
                .map(|d| d.duty.id.as_str())
                .collect(),
            kpis: view
                .kpis
                .iter()
                .filter(|k| k.team == Some(i))
                .map(|k| k.kpi.id.as_str())
                .collect(),
        })
        .collect();
    let owners = view
        .owners
        .iter()
        .map(|o| OwnerJson {
            id: o.id.as_str(),
            name: s(&o.name),
            title: s(&o.title),
            email: s(&o.email),
        })
        .collect();
    let duties = view
        .duties
        .iter()
        .map(|d| DutyJson {
            id: d.duty.id.as_str(),
            name: s(&d.duty.name),
            team: team_id(d.team),
            description: s(&d.duty.description),
            owner: s(&d.duty.owner),
        })
        .collect();
    let kpis = view
        .kpis
        .iter()
        .map(|k| {
            let kpi = k.kpi;
            KpiJson {
                id: kpi.id.as_str(),
                name: s(&kpi.name),
                team: team_id(k.team),
                duty: s(&kpi.duty),
                owner: s(&kpi.owner),
                contributors: kpi.contributors.iter().map(|c| c.as_str()).collect(),
                metric: s(&kpi.metric),
                target: target(&k.target),
                baseline: kpi.baseline.as_ref().map(|b| Num(b.value)),
                range: kpi
                    .range
                    .as_ref()
                    .map(|r| [r.value.0.map(Num), r.value.1.map(Num)]),
                period: s(&kpi.period),
                due: s(&kpi.due),
                weight: kpi.weight.as_ref().map(|w| Num(w.value)),
                source: s(&kpi.source),
                formula: s(&kpi.formula),
                supports: kpi.supports().iter().map(|c| c.as_str()).collect(),
                consulted: kpi.consulted().iter().map(|c| c.as_str()).collect(),
                informed: kpi.informed().iter().map(|c| c.as_str()).collect(),
                kind: kpi.kind().map(|x| x.as_str()),
                threshold: target(&super::threshold_view(kpi)),
                effective: kpi.effective().map(|x| x.as_str()),
                until: kpi.until().map(|x| x.as_str()),
            }
        })
        .collect();
    let mut supported = supporting(view);
    let objectives = view
        .ws
        .all_specs()
        .flat_map(|spec| &spec.objectives)
        .map(|o| ObjectiveJson {
            id: o.id.as_str(),
            name: s(&o.name),
            owner: s(&o.owner),
            parent: s(&o.parent),
            kpis: supported.remove(o.id.as_str()).unwrap_or_default(),
        })
        .collect();
    Model {
        version: VERSION,
        teams,
        objectives,
        owners,
        duties,
        kpis,
    }
}

/// The IDs of the emitted KPIs that support each objective, in KPI order.
pub(crate) fn supporting<'a>(view: &View<'a>) -> HashMap<&'a str, Vec<&'a str>> {
    let mut out: HashMap<&str, Vec<&str>> = HashMap::new();
    for k in &view.kpis {
        for s in k.kpi.supports() {
            let list = out.entry(s.value.trim()).or_default();
            if list.last() != Some(&k.kpi.id.as_str()) {
                list.push(k.kpi.id.as_str());
            }
        }
    }
    out
}

fn target(t: &TargetView) -> Option<TargetJson> {
    match t {
        TargetView::Missing => None,
        TargetView::Parsed { target, text } => Some(TargetJson {
            op: Some(target.op),
            value: Some(Num(target.value)),
            unit: target.unit.as_deref().map(str::to_owned),
            direction: Some(direction_name(target.direction())),
            text: text.clone(),
        }),
        TargetView::Unparsed(text) => Some(TargetJson {
            op: None,
            value: None,
            unit: None,
            direction: None,
            text: text.clone(),
        }),
    }
}

/// Renders `kpis.json`: pretty-printed, with a final newline.
pub fn render(view: &View<'_>) -> String {
    let mut s = serde_json::to_string_pretty(&build(view)).unwrap_or_else(|_| "{}".into());
    s.push('\n');
    s
}
