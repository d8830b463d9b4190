//! Code actions for the findings in a range: the did-you-mean fix (the edit `kpic check --fix`
//! makes) and a suppression with a reason, both from [`crate::fix`].

use std::collections::HashMap;

use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, Diagnostic as LspDiagnostic, TextEdit, Uri,
    WorkspaceEdit,
};

use super::position::LineIndex;
use crate::diagnostic::Diagnostic;
use crate::fix;
use crate::rules::UNUSED_SUPPRESSION;
use crate::workspace::Index;

/// The reason a suppression is written with, for the author to replace.
pub const REASON: &str = "TODO: say why this is fine";

// `WorkspaceEdit::changes` is keyed by `Uri`, which clippy takes for a mutable key.
#[allow(clippy::mutable_key_type)]
/// The actions for the `findings` of one file (those in the asked range) whose text is
/// `text`; `convert` gives each finding's LSP diagnostic, which the action names.
pub fn actions(
    text: &str,
    uri: &Uri,
    index: &Index,
    findings: &[&Diagnostic],
    convert: &dyn Fn(&Diagnostic) -> LspDiagnostic,
) -> Vec<CodeActionOrCommand> {
    let lines = LineIndex::new(text);
    let action = |title: String, d: &Diagnostic, edit: fix::Edit, preferred: bool| {
        let changes = HashMap::from([(
            uri.clone(),
            vec![TextEdit {
                range: lines.range(edit.span),
                new_text: edit.new_text,
            }],
        )]);
        CodeActionOrCommand::CodeAction(CodeAction {
            title,
            kind: Some(CodeActionKind::QUICKFIX),
            diagnostics: Some(vec![convert(d)]),
            edit: Some(WorkspaceEdit {
                changes: Some(changes),
                ..WorkspaceEdit::default()
            }),
            is_preferred: Some(preferred),
            ..CodeAction::default()
        })
    };
    let mut out = Vec::new();
    for (i, edit) in fix::did_you_mean_fixes(text, index, findings) {
        let d = findings[i];
        let old = text.get(edit.span.range()).unwrap_or_default();
        let title = format!("replace `{old}` with `{}`", edit.new_text);
        out.push(action(title, d, edit, true));
    }
    // Two findings of one rule on one line get one suppression.
    let mut seen: Vec<fix::Edit> = Vec::new();
    for d in findings.iter().filter(|d| d.rule != &UNUSED_SUPPRESSION) {
        if let Some(edit) = fix::suppression(text, d.span.lo(), d.rule.code, REASON)
            && !seen.contains(&edit)
        {
            seen.push(edit.clone());
            let title = format!(
                "suppress {} ({}) here, with a reason",
                d.rule.code, d.rule.name
            );
            out.push(action(title, d, edit, false));
        }
    }
    out
}
