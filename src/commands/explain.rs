//! `kpic explain RULE` and `kpic rules`.

use std::process::ExitCode;

use crate::cli::{ExplainArgs, RulesArgs};
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

/// Prints the rule table.
pub fn rules(args: RulesArgs) -> Result<ExitCode> {
    let all = rules::all();
    if args.json {
        let rows: Vec<_> = all
            .iter()
            .map(|m| {
                serde_json::json!({
                    "code": m.code,
                    "name": m.name,
                    "letter": m.letter().to_string(),
                    "principle": m.category(),
                    "default": m.default_level.as_str(),
                    "summary": m.summary,
                })
            })
            .collect();
        print(&format!(
            "{}\n",
            serde_json::to_string_pretty(&rows).unwrap_or_default()
        ))?;
    } else {
        let mut table = format!(
            "{:<5} {:<22} {:<6} {:<12} {:<8} summary\n",
            "code", "name", "letter", "principle", "default"
        );
        for m in all {
            table.push_str(&format!(
                "{:<5} {:<22} {:<6} {:<12} {:<8} {}\n",
                m.code,
                m.name,
                m.letter(),
                m.category(),
                m.default_level.as_str(),
                m.summary
            ));
        }
        print(&table)?;
    }
    Ok(ExitCode::SUCCESS)
}
