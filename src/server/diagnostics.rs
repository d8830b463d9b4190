//! kpic's findings as LSP diagnostics: UTF-16 ranges, the severity as configured, the rule
//! code as the diagnostic's code (its name in the message), the help under the message, and
//! secondary labels as related information.

use std::collections::HashMap;

use lsp_types::{
    Diagnostic as LspDiagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, DiagnosticTag,
    Location, NumberOrString, Uri,
};

use super::position::LineIndex;
use crate::config;
use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::UNUSED_SUPPRESSION;
use crate::source::FileId;
use crate::workspace::Workspace;

/// The most diagnostics published for one file; past it, one more says how many were left out
/// (an editor slows down with tens of thousands, and `kpic check` lists them all).
pub const MAX_PER_FILE: usize = 1000;

/// The name of the server in each diagnostic's `source`.
pub const SOURCE: &str = "kpic";

/// The line indexes of some files of a workspace.
pub struct Lines<'a> {
    map: HashMap<FileId, LineIndex<'a>>,
}

impl<'a> Lines<'a> {
    /// The indexes of `files` of `ws`.
    pub fn new(ws: &'a Workspace, files: impl IntoIterator<Item = FileId>) -> Self {
        let mut map = HashMap::new();
        for f in files {
            if let Some(source) = ws.files.get(f) {
                map.entry(f).or_insert_with(|| LineIndex::new(&source.text));
            }
        }
        Lines { map }
    }

    /// The index of file `f`, if it was built.
    pub fn get(&self, f: FileId) -> Option<&LineIndex<'a>> {
        self.map.get(&f)
    }
}

/// The files a conversion of `findings` needs the lines of: theirs and their labels'.
pub fn files_of(findings: &[Diagnostic]) -> impl Iterator<Item = FileId> + '_ {
    findings
        .iter()
        .take(MAX_PER_FILE)
        .flat_map(|d| std::iter::once(d.file).chain(d.labels.iter().map(|l| l.file)))
}

/// The diagnostics of one file's findings.
pub fn convert(
    findings: &[Diagnostic],
    lines: &Lines<'_>,
    uri_of: &dyn Fn(FileId) -> Option<Uri>,
) -> Vec<LspDiagnostic> {
    let mut out = Vec::with_capacity(findings.len().min(MAX_PER_FILE + 1));
    for d in findings.iter().take(MAX_PER_FILE) {
        let Some(index) = lines.get(d.file) else {
            continue;
        };
        let related: Vec<DiagnosticRelatedInformation> = d
            .labels
            .iter()
            .filter_map(|l| {
                Some(DiagnosticRelatedInformation {
                    location: Location {
                        uri: uri_of(l.file)?,
                        range: lines.get(l.file)?.range(l.span),
                    },
                    message: l.message.clone(),
                })
            })
            .collect();
        let mut message = format!("{} [{}]", d.message, d.rule.name);
        if let Some(help) = &d.help {
            message.push_str("\nhelp: ");
            message.push_str(help);
        }
        out.push(LspDiagnostic {
            range: index.range(d.span),
            severity: Some(severity(d.severity)),
            code: Some(NumberOrString::String(d.rule.code.to_owned())),
            code_description: None,
            source: Some(SOURCE.to_owned()),
            message,
            related_information: (!related.is_empty()).then_some(related),
            tags: (d.rule == &UNUSED_SUPPRESSION).then(|| vec![DiagnosticTag::UNNECESSARY]),
            data: None,
        });
    }
    if findings.len() > MAX_PER_FILE {
        out.push(LspDiagnostic {
            range: lsp_types::Range::default(),
            severity: Some(DiagnosticSeverity::INFORMATION),
            source: Some(SOURCE.to_owned()),
            message: format!(
                "{} more findings in this file are not shown; `kpic check` lists them all",
                findings.len() - MAX_PER_FILE
            ),
            ..LspDiagnostic::default()
        });
    }
    out
}

/// The diagnostics of `kpic.yaml`: each problem of its text as an error.
pub fn config_problems(text: &str, problems: &[config::Problem], uri: &Uri) -> Vec<LspDiagnostic> {
    let index = LineIndex::new(text);
    problems
        .iter()
        .map(|p| {
            let mut message = p.message.clone();
            if let Some(help) = &p.help {
                message.push_str("\nhelp: ");
                message.push_str(help);
            }
            let related: Vec<DiagnosticRelatedInformation> = p
                .labels
                .iter()
                .map(|(span, label)| DiagnosticRelatedInformation {
                    location: Location {
                        uri: uri.clone(),
                        range: index.range(*span),
                    },
                    message: label.clone(),
                })
                .collect();
            LspDiagnostic {
                range: index.range(p.span),
                severity: Some(DiagnosticSeverity::ERROR),
                source: Some(SOURCE.to_owned()),
                message,
                related_information: (!related.is_empty()).then_some(related),
                ..LspDiagnostic::default()
            }
        })
        .collect()
}

fn severity(s: Severity) -> DiagnosticSeverity {
    match s {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Info => DiagnosticSeverity::INFORMATION,
    }
}
