//! `scorecards.csv` (every owner) and `scorecards/<owner-id>.csv` (one per owner): one row per
//! KPI with an empty `actual` column for staff to fill in. Every text cell goes through
//! [`csv_guard::text`] and every record through [`csv_guard::write_record`]; owner IDs reach
//! file names only through [`owner_file_name`].

use std::collections::HashSet;
use std::path::PathBuf;

use super::csv_guard;
use super::{Document, KpiView, TargetView, View, kpi_name};
use crate::target::format_number;

/// The header row.
pub const COLUMNS: &[&str] = &[
    "owner_id",
    "owner_name",
    "team",
    "duty",
    "kpi_id",
    "kpi_name",
    "metric",
    "target",
    "unit",
    "direction",
    "period",
    "due",
    "weight",
    "source",
    "actual",
    "threshold",
];

/// The CSV documents and notes about owners whose file was renamed or skipped.
#[derive(Debug, Default)]
pub struct Scorecards {
    /// `scorecards.csv`, then one file per owner in owner order.
    pub documents: Vec<Document>,
    /// Messages for the user.
    pub notes: Vec<String>,
}

/// Renders every scorecard.
pub fn render(view: &View<'_>, bom: bool) -> Scorecards {
    // Rows grouped by owner (in owner order, unknown owners last), KPI order within.
    let owner_pos = view.owner_positions();
    let mut by_owner: Vec<Vec<&KpiView<'_>>> = vec![Vec::new(); view.owners.len() + 1];
    for k in &view.kpis {
        let pos = k
            .kpi
            .owner
            .as_ref()
            .and_then(|o| owner_pos.get(o.as_str()).copied())
            .unwrap_or(view.owners.len());
        by_owner[pos].push(k);
    }
    let kpis: Vec<&KpiView<'_>> = by_owner.iter().flatten().copied().collect();

    let mut out = Scorecards::default();
    out.documents.push(Document {
        path: PathBuf::from("scorecards.csv"),
        bytes: write_csv(view, &kpis, bom),
    });
    let mut taken: HashSet<String> = HashSet::new();
    for (owner, rows) in view.owners.iter().zip(&by_owner) {
        let id = owner.id.as_str();
        if rows.is_empty() {
            continue;
        }
        let name = match owner_file_name(id) {
            Ok(name) => name,
            Err(why) => {
                out.notes.push(format!(
                    "no scorecard file for owner `{id}`: {why}; its rows are in `scorecards.csv`"
                ));
                continue;
            }
        };
        if name != format!("{id}.csv") {
            out.notes.push(format!(
                "the scorecard of owner `{id}` is `scorecards/{name}`: `{id}` is a reserved file name on Windows"
            ));
        }
        // Two IDs that differ only in case would overwrite each other on macOS and Windows.
        if !taken.insert(name.to_lowercase()) {
            out.notes.push(format!(
                "no scorecard file for owner `{id}`: another owner's file differs only in case; its rows are in `scorecards.csv`"
            ));
            continue;
        }
        out.documents.push(Document {
            path: PathBuf::from("scorecards").join(name),
            bytes: write_csv(view, rows, bom),
        });
    }
    out
}

/// Windows device names, which cannot be file names (with any extension) on Windows.
const RESERVED: &[&str] = &[
    "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8",
    "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
];

/// The file name of an owner's scorecard: `<id>.csv` when the ID matches the ID pattern
/// `^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$` (checked here again, never trusted), `_<id>.csv` for a
/// Windows device name (`CON`, `lpt1` …). An error says why the ID cannot name a file.
pub fn owner_file_name(id: &str) -> Result<String, String> {
    let b = id.as_bytes();
    let valid = !b.is_empty()
        && b.len() <= 64
        && b[0].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'-');
    if !valid {
        return Err("the ID does not match `^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`".into());
    }
    if RESERVED.iter().any(|r| r.eq_ignore_ascii_case(id)) {
        return Ok(format!("_{id}.csv"));
    }
    Ok(format!("{id}.csv"))
}

fn write_csv(view: &View<'_>, kpis: &[&KpiView<'_>], bom: bool) -> Vec<u8> {
    let mut buf = Vec::new();
    if bom {
        buf.extend_from_slice("\u{feff}".as_bytes());
    }
    // Writing into memory cannot fail.
    let _ = csv_guard::write_record(&mut buf, COLUMNS);
    for k in kpis {
        let _ = csv_guard::write_record(&mut buf, &row(view, k));
    }
    buf
}

fn row(view: &View<'_>, k: &KpiView<'_>) -> Vec<String> {
    let kpi = k.kpi;
    let text = |s: Option<&str>| csv_guard::text(s.unwrap_or(""));
    let owner_id = kpi.owner.as_ref().map(|o| o.as_str());
    let (target, unit, direction) = match &k.target {
        TargetView::Parsed { target, .. } => (
            format!("{} {}", target.op.symbol(), format_number(target.value)),
            target.unit.as_deref().unwrap_or_default().to_owned(),
            direction_name(target.direction()).to_owned(),
        ),
        TargetView::Unparsed(t) => (t.clone(), String::new(), String::new()),
        TargetView::Missing => Default::default(),
    };
    vec![
        text(owner_id),
        text(owner_id.map(|o| view.owner_name(o)).as_deref()),
        text(k.team.map(|t| view.team_name(t))),
        text(
            kpi.duty
                .as_ref()
                .map(|d| view.duty_name(d.as_str()))
                .as_deref(),
        ),
        text(Some(kpi.id.as_str())),
        text(Some(kpi_name(kpi))),
        text(kpi.metric.as_ref().map(|m| m.as_str())),
        csv_guard::text(&target),
        csv_guard::text(&unit),
        direction,
        text(kpi.period.as_ref().map(|p| p.as_str())),
        text(kpi.due.as_ref().map(|d| d.as_str())),
        kpi.weight
            .as_ref()
            .map_or_else(String::new, |w| csv_guard::number(w.value)),
        text(kpi.source.as_ref().map(|s| s.as_str())),
        String::new(),
        // After `actual`, so that the columns before it keep their places.
        match super::threshold_view(kpi) {
            TargetView::Parsed { target, .. } => csv_guard::text(&target.to_string()),
            TargetView::Unparsed(t) => csv_guard::text(&t),
            TargetView::Missing => String::new(),
        },
    ]
}

/// The kebab-case name of a direction, as in `kpis.json`.
pub fn direction_name(d: crate::target::Direction) -> &'static str {
    use crate::target::Direction;
    match d {
        Direction::HigherIsBetter => "higher-is-better",
        Direction::LowerIsBetter => "lower-is-better",
        Direction::Exact => "exact",
    }
}
