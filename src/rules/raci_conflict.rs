//! O003 `raci-conflict`: the same person twice in one KPI's RACI.

use std::collections::HashMap;

use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::rules::{FileContext, Rule, RuleMeta};
use crate::source::Span;
use crate::workspace::{Kpi, SpecFile};

declare_rule! {
    /// ## What it does
    /// Reports a person named twice in one KPI's RACI: `owner` (Accountable), `contributors`
    /// (Responsible), `consulted` and `informed`, or twice in one of those lists. The second
    /// mention is reported, with a label at the first.
    ///
    /// ## Why it matters
    /// Each person has one role for a KPI. An owner who is also "consulted" consults
    /// themselves; someone both responsible and merely informed cannot tell whether they do the
    /// work. The RACI matrix of the handbook needs one letter per person and KPI.
    ///
    /// ## Example
    /// ```yaml
    /// kpis:
    ///   - id: customer-satisfaction
    ///     owner: sun-hao
    ///     consulted: [sun-hao, li-na]
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kpis:
    ///   - id: customer-satisfaction
    ///     owner: sun-hao
    ///     consulted: [li-na]
    /// ```
    pub static RACI_CONFLICT = {
        code: "O003",
        name: "raci-conflict",
        level: Warning,
        summary: "the same person twice in one KPI's RACI (owner also consulted, informed also responsible)",
    }
}

/// Checks that each person has one RACI role per KPI.
pub struct RaciConflict;

/// The roles of RACI, in the order a person is first looked for.
const ROLES: [&str; 4] = [
    "accountable (owner)",
    "responsible (contributors)",
    "consulted",
    "informed",
];

impl Rule for RaciConflict {
    fn meta(&self) -> &'static RuleMeta {
        &RACI_CONFLICT
    }

    fn check_file(&self, _cx: &FileContext<'_>, file: &SpecFile, out: &mut Vec<Diagnostic>) {
        for kpi in &file.kpis {
            let lists: [&[_]; 4] = [
                kpi.owner.as_slice(),
                &kpi.contributors,
                kpi.consulted(),
                kpi.informed(),
            ];
            if lists[1..].iter().all(|l| l.is_empty()) {
                continue;
            }
            let mut first: HashMap<&str, (usize, Span)> = HashMap::new();
            for (role, list) in lists.iter().enumerate() {
                for person in *list {
                    let id = person.value.trim();
                    if id.is_empty() {
                        continue;
                    }
                    match first.get(id) {
                        Some(&(was, at)) => {
                            out.push(diagnostic(file, kpi, id, (was, at), (role, person.span)));
                        }
                        None => {
                            first.insert(id, (role, person.span));
                        }
                    }
                }
            }
        }
    }
}

fn diagnostic(
    file: &SpecFile,
    kpi: &Kpi,
    person: &str,
    (was, first): (usize, Span),
    (role, span): (usize, Span),
) -> Diagnostic {
    let message = if was == role {
        format!(
            "`{person}` is named twice as {} for KPI `{}`",
            ROLES[role], kpi.id.value
        )
    } else {
        format!(
            "`{person}` is both {} and {} for KPI `{}`",
            ROLES[was], ROLES[role], kpi.id.value
        )
    };
    let help = if was == role {
        format!("remove the second `{person}`")
    } else if was == 0 {
        format!(
            "the owner is accountable, which includes being {}: remove `{person}` here",
            ROLE_WORDS[role]
        )
    } else {
        format!(
            "give `{person}` one role for this KPI: remove them from {} or from {}",
            KEYS[was], KEYS[role]
        )
    };
    Diagnostic::new(&RACI_CONFLICT, file.file, span, message)
        .with_label(file.file, first, "first named here")
        .with_help(help)
}

/// The keys of the roles in [`ROLES`].
const KEYS: [&str; 4] = ["`owner`", "`contributors`", "`consulted`", "`informed`"];

/// What each role of [`ROLES`] is, as a state.
const ROLE_WORDS: [&str; 4] = ["accountable", "responsible", "consulted", "informed"];
