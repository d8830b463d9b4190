//! `kpic diff`: what a change does to the policy, per team and per person. Both sides are
//! loaded and checked as `kpic check` does; their compiled models (the `kpis.json` model,
//! [`crate::emit::model`]) are compared field by field, so a field the model gains is
//! compared without more code here, and the findings of the two checks are compared by a
//! fingerprint that leaves out the line.

pub mod git;
mod render;

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::Value;

pub use render::{human, markdown};

use crate::check::CheckOutcome;
use crate::emit::{self, Lang};

/// One side of a comparison: its compiled model and its findings.
#[derive(Debug)]
pub struct Snapshot {
    /// What the side is (`HEAD`, `the working tree`, a revision as given).
    pub label: String,
    /// The `kpis.json` model, as JSON.
    model: Value,
    /// Each team's language, by team ID.
    langs: BTreeMap<String, Lang>,
    /// The findings, by fingerprint.
    findings: BTreeMap<(String, String, String), Finding>,
}

impl Snapshot {
    /// The snapshot of a checked workspace, languages as the handbook picks them (each
    /// team's `locale`, else the configuration's).
    pub fn new(label: impl Into<String>, outcome: &CheckOutcome, lang: Option<Lang>) -> Snapshot {
        let default_lang = outcome
            .config
            .locale
            .as_deref()
            .and_then(|l| l.parse::<Lang>().ok());
        let opts = emit::Options {
            lang,
            default_lang,
            csv_bom: false,
        };
        let view = emit::View::new(&outcome.ws, &opts);
        let langs = view
            .teams
            .iter()
            .filter_map(|t| Some((t.team.id.as_ref()?.as_str().to_owned(), t.lang)))
            .collect();
        let model = serde_json::to_value(emit::model::build(&view)).unwrap_or(Value::Null);
        let findings = outcome
            .diagnostics
            .iter()
            .map(|d| {
                let file = &outcome.ws.files[d.file];
                let finding = Finding {
                    code: d.code(),
                    name: d.rule.name,
                    severity: d.severity.as_str(),
                    file: file.name.replace('\\', "/"),
                    line: file.line_col(d.span.lo()).line,
                    message: d.message.clone(),
                };
                (finding.key(), finding)
            })
            .collect();
        Snapshot {
            label: label.into(),
            model,
            langs,
            findings,
        }
    }

    fn items(&self, kind: &str) -> Items<'_> {
        self.model[kind]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| {
                let o = v.as_object()?;
                Some((o.get("id")?.as_str()?.to_owned(), o))
            })
            .collect()
    }
}

/// A finding of one side.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Finding {
    /// Rule code.
    pub code: &'static str,
    /// Rule name.
    pub name: &'static str,
    /// `error`, `warning` or `info`.
    pub severity: &'static str,
    /// The file, as `kpic check` names it.
    pub file: String,
    /// 1-based line, on the side it is found on.
    pub line: usize,
    /// The message.
    pub message: String,
}

impl Finding {
    /// What identifies a finding on both sides: code, file and message (which names the
    /// items), never the line, so that moved text is the same finding.
    fn key(&self) -> (String, String, String) {
        (
            self.code.to_owned(),
            self.file.clone(),
            self.message.clone(),
        )
    }
}

/// What changed, per team and per person, and in the findings.
#[derive(Debug, Serialize)]
pub struct PolicyDiff {
    /// The base side's label.
    pub base: String,
    /// The head side's label.
    pub head: String,
    /// Teams with a change, in ID order (KPIs and duties without a team under `null`).
    pub teams: Vec<TeamDiff>,
    /// Owners defined only on the head side.
    pub owners_added: Vec<Person>,
    /// Owners defined only on the base side.
    pub owners_removed: Vec<Person>,
    /// Findings of the head side that the base side did not have.
    pub findings_introduced: Vec<Finding>,
    /// Findings of the base side that the head side no longer has.
    pub findings_fixed: Vec<Finding>,
    /// Owners' names by ID, from both sides (the head side's first), for the wording.
    #[serde(skip)]
    pub names: BTreeMap<String, String>,
}

impl PolicyDiff {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.teams.is_empty()
            && self.owners_added.is_empty()
            && self.owners_removed.is_empty()
            && self.findings_introduced.is_empty()
            && self.findings_fixed.is_empty()
    }
}

/// An owner: ID and display name.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Person {
    /// Owner ID.
    pub id: String,
    /// Name, else the ID.
    pub name: String,
}

/// The changes in one team.
#[derive(Debug, Serialize)]
pub struct TeamDiff {
    /// Team ID (`None` for items in files without a team).
    pub id: Option<String>,
    /// Name, else the ID.
    pub name: String,
    /// The language it is worded in (the head side's, else the base side's).
    #[serde(serialize_with = "lang_tag")]
    pub lang: Lang,
    /// `added` or `removed` when the whole team is new or gone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<&'static str>,
    /// Changes to the team's own fields (name, review, lead …).
    pub changes: Vec<FieldChange>,
    /// KPI changes grouped by the accountable owner (on the head side; the base side's for a
    /// removed KPI), in owner ID order, KPIs without an owner last.
    pub people: Vec<PersonDiff>,
    /// Duties added, removed and changed (reassigned to another owner, renamed …).
    pub duties: Vec<ItemDiff>,
}

/// The KPI changes of one owner.
#[derive(Debug, Serialize)]
pub struct PersonDiff {
    /// The owner (`None`: KPIs without an owner).
    pub owner: Option<Person>,
    /// KPIs added, removed and changed, in ID order.
    pub kpis: Vec<ItemDiff>,
}

/// A KPI or a duty that was added, removed or changed.
#[derive(Debug, Serialize)]
pub struct ItemDiff {
    /// Its ID.
    pub id: String,
    /// Its name (the head side's, else the base side's), else the ID.
    pub name: String,
    /// `added`, `removed` or `changed`.
    pub status: &'static str,
    /// For a changed item, each field that changed.
    pub changes: Vec<FieldChange>,
}

/// One field's change.
#[derive(Debug, Serialize)]
pub struct FieldChange {
    /// The field, as in `kpis.json` (`target`, `weight`, `owner` …).
    pub field: String,
    /// The value before (`null` when it was not set).
    pub from: Value,
    /// The value after.
    pub to: Value,
    /// For a target: `harder`, `easier` or `changed direction`, when that can be told.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effect: Option<&'static str>,
}

fn lang_tag<S: serde::Serializer>(lang: &Lang, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(lang.tag())
}

/// Compares two sides.
pub fn compare(base: &Snapshot, head: &Snapshot) -> PolicyDiff {
    let (base_teams, head_teams) = (base.items("teams"), head.items("teams"));
    let mut teams: BTreeMap<Option<String>, TeamDiff> = BTreeMap::new();
    let sides = (base, head, &base_teams, &head_teams);
    // Teams themselves.
    for id in keys(&base_teams, &head_teams) {
        let (b, h) = (base_teams.get(&id), head_teams.get(&id));
        let status = match (b, h) {
            (None, Some(_)) => Some("added"),
            (Some(_), None) => Some("removed"),
            _ => None,
        };
        let changes = match (b, h) {
            (Some(b), Some(h)) => field_changes(b, h, &["id", "duties", "kpis", "handbook_lang"]),
            _ => Vec::new(),
        };
        if status.is_some() || !changes.is_empty() {
            let t = team_entry(&mut teams, Some(id), sides);
            t.status = status;
            t.changes = changes;
        }
    }
    let team_of = |o: &serde_json::Map<String, Value>| -> Option<String> {
        o.get("team").and_then(Value::as_str).map(str::to_owned)
    };
    // Duties.
    let (base_duties, head_duties) = (base.items("duties"), head.items("duties"));
    for id in keys(&base_duties, &head_duties) {
        let (b, h) = (base_duties.get(&id), head_duties.get(&id));
        if let Some(item) = item_diff(&id, b.copied(), h.copied(), &["id"]) {
            let team = h.or(b).and_then(|o| team_of(o));
            let t = team_entry(&mut teams, team, sides);
            t.duties.push(item);
        }
    }
    // KPIs, by owner.
    let (base_kpis, head_kpis) = (base.items("kpis"), head.items("kpis"));
    let mut by_person: BTreeMap<(Option<String>, Option<String>), Vec<ItemDiff>> = BTreeMap::new();
    for id in keys(&base_kpis, &head_kpis) {
        let (b, h) = (base_kpis.get(&id), head_kpis.get(&id));
        if let Some(item) = item_diff(&id, b.copied(), h.copied(), &["id"]) {
            let side = h.or(b).copied();
            let team = side.and_then(team_of);
            let owner = side
                .and_then(|o| o.get("owner"))
                .and_then(Value::as_str)
                .map(str::to_owned);
            by_person.entry((team, owner)).or_default().push(item);
        }
    }
    let (base_owners, head_owners) = (base.items("owners"), head.items("owners"));
    let name_of = |id: &str| {
        let o = head_owners.get(id).or_else(|| base_owners.get(id))?;
        Some(
            o.get("name")
                .and_then(Value::as_str)
                .unwrap_or(id)
                .to_owned(),
        )
    };
    for ((team, owner), kpis) in by_person {
        let t = team_entry(&mut teams, team, sides);
        let owner = owner.map(|id| Person {
            name: name_of(&id).unwrap_or_else(|| id.clone()),
            id,
        });
        t.people.push(PersonDiff { owner, kpis });
    }
    for t in teams.values_mut() {
        // Owners in ID order, KPIs without an owner last.
        t.people
            .sort_by(|a, b| (a.owner.is_none(), &a.owner).cmp(&(b.owner.is_none(), &b.owner)));
    }
    // Owners.
    let person = |id: &str, o: &serde_json::Map<String, Value>| Person {
        id: id.to_owned(),
        name: o
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or(id)
            .to_owned(),
    };
    let owners_added = head_owners
        .iter()
        .filter(|(id, _)| !base_owners.contains_key(*id))
        .map(|(id, o)| person(id, o))
        .collect();
    let owners_removed = base_owners
        .iter()
        .filter(|(id, _)| !head_owners.contains_key(*id))
        .map(|(id, o)| person(id, o))
        .collect();
    // Findings.
    let findings_introduced = head
        .findings
        .iter()
        .filter(|(k, _)| !base.findings.contains_key(*k))
        .map(|(_, f)| f.clone())
        .collect();
    let findings_fixed = base
        .findings
        .iter()
        .filter(|(k, _)| !head.findings.contains_key(*k))
        .map(|(_, f)| f.clone())
        .collect();
    let mut names = BTreeMap::new();
    for (id, o) in base_owners.iter().chain(head_owners.iter()) {
        if let Some(name) = o.get("name").and_then(Value::as_str) {
            names.insert(id.clone(), name.to_owned());
        }
    }
    PolicyDiff {
        names,
        base: base.label.clone(),
        head: head.label.clone(),
        teams: teams.into_values().collect(),
        owners_added,
        owners_removed,
        findings_introduced,
        findings_fixed,
    }
}

type Items<'a> = BTreeMap<String, &'a serde_json::Map<String, Value>>;

/// The entry of team `id`, made on first use with the team's name and language.
fn team_entry<'t>(
    teams: &'t mut BTreeMap<Option<String>, TeamDiff>,
    id: Option<String>,
    (base, head, base_teams, head_teams): (&Snapshot, &Snapshot, &Items<'_>, &Items<'_>),
) -> &'t mut TeamDiff {
    teams.entry(id.clone()).or_insert_with(|| {
        let side = id
            .as_ref()
            .and_then(|i| head_teams.get(i).or_else(|| base_teams.get(i)));
        let name = side
            .and_then(|t| t.get("name").and_then(Value::as_str))
            .map(str::to_owned)
            .or_else(|| id.clone())
            .unwrap_or_default();
        let lang = id
            .as_ref()
            .and_then(|i| head.langs.get(i).or_else(|| base.langs.get(i)))
            .copied()
            .unwrap_or(Lang::En);
        TeamDiff {
            id,
            name,
            lang,
            status: None,
            changes: Vec::new(),
            people: Vec::new(),
            duties: Vec::new(),
        }
    })
}

/// The IDs of both sides, in order.
fn keys<V>(a: &BTreeMap<String, V>, b: &BTreeMap<String, V>) -> BTreeSet<String> {
    a.keys().chain(b.keys()).cloned().collect()
}

/// An item's change, `None` when it is the same on both sides.
fn item_diff(
    id: &str,
    base: Option<&serde_json::Map<String, Value>>,
    head: Option<&serde_json::Map<String, Value>>,
    skip: &[&str],
) -> Option<ItemDiff> {
    let name = head
        .or(base)
        .and_then(|o| o.get("name"))
        .and_then(Value::as_str)
        .unwrap_or(id)
        .to_owned();
    let (status, changes) = match (base, head) {
        (None, Some(h)) => ("added", field_changes(&empty(), &summary(h), skip)),
        (Some(b), None) => ("removed", field_changes(&summary(b), &empty(), skip)),
        (Some(b), Some(h)) if b == h => return None,
        (Some(b), Some(h)) => {
            let changes = field_changes(b, h, skip);
            if changes.is_empty() {
                return None;
            }
            ("changed", changes)
        }
        (None, None) => return None,
    };
    Some(ItemDiff {
        id: id.to_owned(),
        name,
        status,
        changes,
    })
}

/// The fields that say what an added or removed item asked for.
const SUMMARY: &[&str] = &["target", "threshold", "weight", "period", "due"];

fn summary(item: &serde_json::Map<String, Value>) -> serde_json::Map<String, Value> {
    SUMMARY
        .iter()
        .filter_map(|f| Some(((*f).to_owned(), item.get(*f)?.clone())))
        .collect()
}

fn empty() -> serde_json::Map<String, Value> {
    serde_json::Map::new()
}

/// The fields whose values differ, in the model's field order (the head side's, then fields
/// only the base side has).
fn field_changes(
    base: &serde_json::Map<String, Value>,
    head: &serde_json::Map<String, Value>,
    skip: &[&str],
) -> Vec<FieldChange> {
    let mut fields: Vec<&String> = head.keys().collect();
    fields.extend(base.keys().filter(|k| !head.contains_key(*k)));
    fields
        .into_iter()
        .filter(|f| !skip.contains(&f.as_str()))
        .filter_map(|f| {
            let (from, to) = (base.get(f), head.get(f));
            let null = Value::Null;
            if same(from.unwrap_or(&null), to.unwrap_or(&null)) {
                return None;
            }
            let (from, to) = (
                from.cloned().unwrap_or(Value::Null),
                to.cloned().unwrap_or(Value::Null),
            );
            let effect = (f == "target" || f == "threshold")
                .then(|| target_effect(&from, &to))
                .flatten();
            Some(FieldChange {
                field: f.clone(),
                from,
                to,
                effect,
            })
        })
        .collect()
}

/// Whether two values mean the same: an empty list is no list.
fn same(a: &Value, b: &Value) -> bool {
    let empty = |v: &Value| v.is_null() || v.as_array().is_some_and(|a| a.is_empty());
    a == b || (empty(a) && empty(b))
}

/// Whether a target became harder or easier to meet, or changed direction.
fn target_effect(from: &Value, to: &Value) -> Option<&'static str> {
    let direction = |v: &Value| {
        v.get("direction")
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let (df, dt) = (direction(from)?, direction(to)?);
    if df != dt {
        return Some("changed direction");
    }
    if from.get("unit") != to.get("unit") {
        return None;
    }
    let (vf, vt) = (from.get("value")?.as_f64()?, to.get("value")?.as_f64()?);
    let strict = |v: &Value| matches!(v.get("op").and_then(Value::as_str), Some(">" | "<"));
    // A strict comparison at the same number asks a little more.
    let (sf, st) = (strict(from), strict(to));
    let harder_if_higher = match df.as_str() {
        "higher-is-better" => true,
        "lower-is-better" => false,
        _ => return None,
    };
    let ordering = vt.partial_cmp(&vf)?.then_with(|| {
        if harder_if_higher {
            st.cmp(&sf)
        } else {
            sf.cmp(&st)
        }
    });
    match (ordering, harder_if_higher) {
        (std::cmp::Ordering::Equal, _) => None,
        (std::cmp::Ordering::Greater, true) | (std::cmp::Ordering::Less, false) => Some("harder"),
        _ => Some("easier"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn t(op: &str, value: f64, direction: &str) -> Value {
        json!({"op": op, "value": value, "unit": "%", "direction": direction, "text": ""})
    }

    #[test]
    fn harder_and_easier_follow_the_direction() {
        let hi = "higher-is-better";
        let lo = "lower-is-better";
        assert_eq!(
            target_effect(&t(">=", 2.0, hi), &t(">=", 3.0, hi)),
            Some("harder")
        );
        assert_eq!(
            target_effect(&t(">=", 3.0, hi), &t(">=", 2.0, hi)),
            Some("easier")
        );
        assert_eq!(
            target_effect(&t("<=", 2.0, lo), &t("<=", 1.0, lo)),
            Some("harder")
        );
        assert_eq!(
            target_effect(&t("<=", 1.0, lo), &t("<=", 2.0, lo)),
            Some("easier")
        );
        assert_eq!(
            target_effect(&t(">=", 2.0, hi), &t(">", 2.0, hi)),
            Some("harder")
        );
        assert_eq!(
            target_effect(&t("<", 2.0, lo), &t("<=", 2.0, lo)),
            Some("easier")
        );
        assert_eq!(
            target_effect(&t(">=", 2.0, hi), &t("<=", 2.0, lo)),
            Some("changed direction")
        );
        let mut other_unit = t(">=", 3.0, hi);
        other_unit["unit"] = json!("h");
        assert_eq!(target_effect(&t(">=", 2.0, hi), &other_unit), None);
        assert_eq!(
            target_effect(&json!({"text": "x"}), &t(">=", 2.0, hi)),
            None
        );
    }
}
