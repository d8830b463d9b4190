//! Several periods scored against the same specs (`--actuals q1.csv --actuals q2.csv`): each
//! KPI's attainment and each owner's score per period, the KPIs that kept failing (not met in
//! any period: an actual in each, never meeting the target) and those that improved
//! (attainment higher in the last period than in the first).

use std::collections::HashMap;

use serde::Serialize;

use super::Scores;

/// One period's results.
#[derive(Debug, Clone)]
pub struct Period {
    /// Its label: `--period LABEL`, else the actuals file's stem.
    pub label: String,
    /// The actuals file, as the user named it.
    pub source: String,
    /// Its scores.
    pub scores: Scores,
}

/// One KPI over the periods.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KpiTrend {
    /// The KPI's ID.
    pub kpi_id: String,
    /// Its name.
    pub kpi_name: Option<String>,
    /// Its team.
    pub team_id: Option<String>,
    /// Its owner.
    pub owner_id: Option<String>,
    /// Attainment per period (`null` without an actual).
    pub attainment: Vec<Option<f64>>,
    /// Met per period (`null` without an actual).
    pub met: Vec<Option<bool>>,
}

/// One owner over the periods.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OwnerTrend {
    /// The owner's ID.
    pub owner_id: String,
    /// Their name.
    pub owner_name: Option<String>,
    /// Weighted score per period (`null` when none of their KPIs has an actual).
    pub score: Vec<Option<f64>>,
}

/// Every KPI and owner over the periods, and the two lists.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trend {
    /// The periods' labels, in order.
    pub periods: Vec<String>,
    /// Per KPI, in the order of the last period.
    pub kpis: Vec<KpiTrend>,
    /// Per owner, in the order of the last period.
    pub owners: Vec<OwnerTrend>,
    /// IDs of KPIs not met in any period (an actual in each, never meeting the target).
    pub kept_failing: Vec<String>,
    /// IDs of KPIs whose attainment is higher in the last period than in the first.
    pub improved: Vec<String>,
    /// The position of each owner in `owners`, by ID.
    #[serde(skip)]
    owner_at: HashMap<String, usize>,
    /// The positions in `kpis` of each team's KPIs, by team ID.
    #[serde(skip)]
    team_kpis_at: HashMap<String, Vec<usize>>,
}

impl KpiTrend {
    /// Not met in every period.
    pub fn kept_failing(&self) -> bool {
        !self.met.is_empty() && self.met.iter().all(|m| *m == Some(false))
    }

    /// Attainment up from the first period to the last.
    pub fn improved(&self) -> bool {
        match (self.attainment.first(), self.attainment.last()) {
            (Some(Some(a)), Some(Some(b))) => self.attainment.len() > 1 && b > a,
            _ => false,
        }
    }
}

impl Trend {
    /// The owner with this ID over the periods.
    pub fn owner(&self, id: &str) -> Option<&OwnerTrend> {
        self.owner_at.get(id).map(|&i| &self.owners[i])
    }

    /// The KPIs of the team with this ID, in order.
    pub fn team_kpis(&self, team_id: &str) -> Vec<&KpiTrend> {
        self.team_kpis_at
            .get(team_id)
            .into_iter()
            .flatten()
            .map(|&i| &self.kpis[i])
            .collect()
    }

    /// The trend of `periods` (at least one).
    pub fn of(periods: &[Period]) -> Trend {
        let Some(last) = periods.last() else {
            return Trend {
                periods: Vec::new(),
                kpis: Vec::new(),
                owners: Vec::new(),
                kept_failing: Vec::new(),
                improved: Vec::new(),
                owner_at: HashMap::new(),
                team_kpis_at: HashMap::new(),
            };
        };
        let kpi_maps: Vec<HashMap<&str, &super::KpiScore>> = periods
            .iter()
            .map(|p| {
                p.scores
                    .kpis
                    .iter()
                    .map(|k| (k.kpi_id.as_str(), k))
                    .collect()
            })
            .collect();
        let owner_maps: Vec<HashMap<&str, &super::OwnerScore>> = periods
            .iter()
            .map(|p| {
                p.scores
                    .owners
                    .iter()
                    .map(|o| (o.owner_id.as_str(), o))
                    .collect()
            })
            .collect();
        let kpis: Vec<KpiTrend> = last
            .scores
            .kpis
            .iter()
            .map(|k| KpiTrend {
                kpi_id: k.kpi_id.clone(),
                kpi_name: k.kpi_name.clone(),
                team_id: k.team_id.clone(),
                owner_id: k.owner_id.clone(),
                attainment: kpi_maps
                    .iter()
                    .map(|m| m.get(k.kpi_id.as_str()).and_then(|x| x.attainment))
                    .collect(),
                met: kpi_maps
                    .iter()
                    .map(|m| m.get(k.kpi_id.as_str()).and_then(|x| x.met))
                    .collect(),
            })
            .collect();
        let owners: Vec<OwnerTrend> = last
            .scores
            .owners
            .iter()
            .map(|o| OwnerTrend {
                owner_id: o.owner_id.clone(),
                owner_name: o.owner_name.clone(),
                score: owner_maps
                    .iter()
                    .map(|m| m.get(o.owner_id.as_str()).and_then(|x| x.score))
                    .collect(),
            })
            .collect();
        let (owner_at, team_kpis_at) =
            super::positions(&owners, |o| &o.owner_id, &kpis, |k| &k.team_id);
        Trend {
            periods: periods.iter().map(|p| p.label.clone()).collect(),
            kept_failing: kpis
                .iter()
                .filter(|k| k.kept_failing())
                .map(|k| k.kpi_id.clone())
                .collect(),
            improved: kpis
                .iter()
                .filter(|k| k.improved())
                .map(|k| k.kpi_id.clone())
                .collect(),
            kpis,
            owners,
            owner_at,
            team_kpis_at,
        }
    }
}

/// The label of an actuals file: its name without folder or extension.
pub fn label_of(path: &std::path::Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trend(met: &[Option<bool>], att: &[Option<f64>]) -> KpiTrend {
        KpiTrend {
            kpi_id: "k".into(),
            kpi_name: None,
            team_id: None,
            owner_id: None,
            attainment: att.to_vec(),
            met: met.to_vec(),
        }
    }

    #[test]
    fn kept_failing_needs_a_miss_in_every_period() {
        assert!(trend(&[Some(false), Some(false)], &[]).kept_failing());
        assert!(!trend(&[Some(false), None], &[]).kept_failing());
        assert!(!trend(&[Some(false), Some(true)], &[]).kept_failing());
    }

    #[test]
    fn improved_compares_the_first_and_last_period() {
        assert!(trend(&[], &[Some(80.0), Some(50.0), Some(90.0)]).improved());
        assert!(!trend(&[], &[Some(80.0), Some(80.0)]).improved());
        assert!(!trend(&[], &[None, Some(80.0)]).improved());
        assert!(!trend(&[], &[Some(80.0)]).improved());
    }
}
