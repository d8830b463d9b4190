//! A004 `owner-overloaded`: an owner accountable for too many KPIs.

use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::rules::common::OwnedKpi;
use crate::rules::{Context, OptionKind, OptionMeta, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports an owner who is the accountable `owner` of more than 7 KPIs across the
    /// workspace. KPIs where the person is only in `contributors` do not count. Set the limit
    /// in `kpic.yaml` with `rules: {owner-overloaded: {max: 5}}`.
    ///
    /// The finding is reported once per owner, at the `owner` of the KPI that goes over the
    /// limit (the 8th, counting files in name order and KPIs in file order), with a label at
    /// the owner's definition: that is usually the KPI just added, the one to reassign.
    ///
    /// ## Why it matters
    /// Nobody can keep more than a handful of goals in mind. With too many KPIs each one gets
    /// little weight on the scorecard and the important ones drown.
    ///
    /// ## Example
    /// ```yaml
    /// kpis:
    ///   # … seven KPIs with owner: li-na …
    ///   - id: competitor-price-checks
    ///     owner: li-na
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    ///   - id: competitor-price-checks
    ///     owner: zhao-lei
    ///     contributors: [li-na]
    /// ```
    pub static OWNER_OVERLOADED = {
        code: "A004",
        name: "owner-overloaded",
        level: Warning,
        summary: "an owner accountable for more than N KPIs (default 7)",
        options: [MAX],
    }
}

/// `max`: the most KPIs one owner may be accountable for.
pub(crate) const MAX: OptionMeta = OptionMeta {
    name: "max",
    kind: OptionKind::Count {
        min: 1,
        default: 7,
        unit: "KPIs",
    },
    doc: "Most KPIs one owner may be accountable for (default 7).",
    help: "write e.g. `max: 5`",
};

/// Checks how many KPIs each owner is accountable for (across the workspace).
pub struct OwnerOverloaded;

impl Rule for OwnerOverloaded {
    fn meta(&self) -> &'static RuleMeta {
        &OWNER_OVERLOADED
    }

    fn check_workspace(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        for &(id, ref list) in cx.kpis_by_owner() {
            out.extend(check_owner(cx, id, list));
        }
    }
}

/// The finding for owner `id`, accountable for the KPIs `list` (in workspace order), if they
/// are more than the limit.
pub(crate) fn check_owner(cx: &Context<'_>, id: &str, list: &[OwnedKpi<'_>]) -> Option<Diagnostic> {
    let max = cx.options.count(&OWNER_OVERLOADED, &MAX);
    if list.len() <= max {
        return None;
    }
    let OwnedKpi { file, kpi, owner } = list[max];
    let mut d = Diagnostic::new(
        &OWNER_OVERLOADED,
        file,
        owner.span,
        format!(
            "owner `{id}` is accountable for {} KPIs, more than {max}; `{}` is number {}",
            list.len(),
            kpi.id.value,
            max + 1
        ),
    )
    .with_help(format!(
        "give some of `{id}`'s KPIs another owner (keep `{id}` in `contributors`), or raise the limit in kpic.yaml: `rules: {{owner-overloaded: {{max: {}}}}}`",
        list.len()
    ));
    if let Some(def) = cx.ws.owner(id)
        && let Some(&(def_file, _)) = cx.ws.index.owners.get(id)
    {
        d = d.with_label(def_file, def.id.span, format!("`{id}` is defined here"));
    }
    Some(d)
}
