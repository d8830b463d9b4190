//! `path:line:col: severity[CODE] message`, one finding a line.

use std::io::{self, Write};

use super::Report;

/// Writes one line per finding.
pub fn write(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    for d in report.diagnostics {
        let (start, _) = report.range(d);
        writeln!(
            out,
            "{}:{}:{}: {}[{}] {}",
            report.file_name(d),
            start.line,
            start.column,
            d.severity.as_str(),
            d.code(),
            d.message
        )?;
    }
    Ok(())
}
