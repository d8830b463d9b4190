//! `kpic explain RULE` and `kpic rules`.

use std::process::ExitCode;

use crate::cli::{ExplainArgs, RulesArgs, RulesFormat};
use crate::commands::print;
use crate::error::{Error, Result};
use crate::rules;

/// Prints one rule's documentation.
pub fn explain(args: ExplainArgs) -> Result<ExitCode> {
    let Some(meta) = rules::find(&args.rule) else {
        return Err(Error::new(match rules::suggest(&args.rule) {
            Some(s) => format!("unknown rule `{}`; did you mean `{s}`?", args.rule),
            None => format!("unknown rule `{}`; `kpic rules` lists them", args.rule),
        }));
    };
    print(&format!("{}\n", explain_text(meta)))?;
    Ok(ExitCode::SUCCESS)
}

/// A rule's documentation as `kpic explain` prints it (Markdown): code, name, principle,
/// default severity and the rule's doc text.
pub fn explain_text(meta: &rules::RuleMeta) -> String {
    format!(
        "# {} {}\n\nPrinciple: {} ({}). Default severity: {}.\n\n{}",
        meta.code,
        meta.name,
        meta.letter(),
        meta.category(),
        meta.default_level.as_str(),
        meta.doc_text()
    )
}

/// Prints the rule table, or the rules as JSON.
pub fn rules(args: RulesArgs) -> Result<ExitCode> {
    let all = rules::all();
    if args.json || args.format == RulesFormat::Json {
        print(&rules::catalogue::json(&all))?;
    } else {
        print(&rules::catalogue::table(&all))?;
    }
    Ok(ExitCode::SUCCESS)
}
