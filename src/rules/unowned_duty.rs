//! O002 `unowned-duty`: a duty without `owner`.

use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::rules::common::filled;
use crate::rules::{FileContext, Rule, RuleMeta};
use crate::workspace::{Duty, SpecFile};

declare_rule! {
    /// ## What it does
    /// Reports a duty (job responsibility) without `owner`: the person who answers for it as
    /// a whole.
    ///
    /// ## Why it matters
    /// Each KPI has its own owner, but someone must also answer for the responsibility they
    /// measure: notice a gap, propose new KPIs, speak for it in the review.
    ///
    /// ## Example
    /// ```yaml
    /// duties:
    ///   - id: market-analysis
    ///     name: 市场分析
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// duties:
    ///   - id: market-analysis
    ///     name: 市场分析
    ///     owner: li-na
    /// ```
    pub static UNOWNED_DUTY = {
        code: "O002",
        name: "unowned-duty",
        level: Warning,
        summary: "a duty without `owner`",
    }
}

/// Checks that every duty has an owner.
pub struct UnownedDuty;

impl Rule for UnownedDuty {
    fn meta(&self) -> &'static RuleMeta {
        &UNOWNED_DUTY
    }

    fn check_file(&self, _cx: &FileContext<'_>, file: &SpecFile, out: &mut Vec<Diagnostic>) {
        let lead = file
            .team
            .as_ref()
            .and_then(|t| filled(&t.lead))
            .map(|l| l.value.as_str());
        for duty in &file.duties {
            if filled(&duty.owner).is_none() {
                out.push(diagnostic(file, duty, lead));
            }
        }
    }
}

fn diagnostic(file: &SpecFile, duty: &Duty, lead: Option<&str>) -> Diagnostic {
    let help = match lead {
        Some(lead) => format!(
            "add `owner: <owner-id>`: the person who answers for the duty (the team lead is `{lead}`)"
        ),
        None => "add `owner: <owner-id>`: the person who answers for the duty".to_owned(),
    };
    Diagnostic::new(
        &UNOWNED_DUTY,
        file.file,
        duty.id.span,
        format!("duty `{}` has no owner", duty.id.value),
    )
    .with_help(help)
}
