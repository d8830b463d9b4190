//! The JSON format of DESIGN §3: one object with a summary and every diagnostic.

use std::io::{self, Write};

use serde::Serialize;

use super::{Report, Seq, Summary};

#[derive(Serialize)]
#[serde(bound(serialize = ""))]
struct JsonReport<'a, D: Iterator<Item = JsonDiagnostic<'a>>> {
    version: u32,
    summary: Summary,
    /// With a baseline: how many findings it holds and how many of its entries are stale.
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline: Option<JsonBaseline>,
    diagnostics: Seq<D>,
}

#[derive(Serialize)]
struct JsonBaseline {
    unchanged: usize,
    stale: usize,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    code: &'a str,
    rule: &'a str,
    severity: &'a str,
    message: &'a str,
    help: Option<&'a str>,
    file: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
}

/// Writes the report as one JSON object and a newline, a diagnostic at a time.
pub fn write(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    let diagnostics = report.diagnostics.iter().map(|d| {
        let (start, end) = report.range(d);
        JsonDiagnostic {
            code: d.rule.code,
            rule: d.rule.name,
            severity: d.severity.as_str(),
            message: &d.message,
            help: d.help.as_deref(),
            file: report.file_name(d),
            line: start.line,
            column: start.column,
            end_line: end.line,
            end_column: end.column,
        }
    });
    let doc = JsonReport {
        version: 1,
        summary: report.summary(),
        baseline: report.baseline.map(|b| JsonBaseline {
            unchanged: b.unchanged.len(),
            stale: b.stale,
        }),
        diagnostics: Seq::new(diagnostics),
    };
    serde_json::to_writer(&mut *out, &doc)?;
    writeln!(out)
}
