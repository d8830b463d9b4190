//! The JSON format of DESIGN §3: one object with a summary and every diagnostic.

use std::io::{self, Write};

use serde::Serialize;

use super::{Report, Summary};

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    summary: Summary,
    diagnostics: Vec<JsonDiagnostic<'a>>,
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

/// Writes the report as one JSON object and a newline.
pub fn write(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    let diagnostics = report
        .diagnostics
        .iter()
        .map(|d| {
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
        })
        .collect();
    let doc = JsonReport {
        version: 1,
        summary: report.summary(),
        diagnostics,
    };
    serde_json::to_writer(&mut *out, &doc)?;
    writeln!(out)
}
