//! GitHub Actions workflow commands: one `::error`, `::warning` or `::notice` line per finding,
//! which GitHub shows as an annotation on the pull request's diff.
//!
//! `::error file=F,line=L,col=C,endLine=L,endColumn=C,title=CODE rule::message`

use std::io::{self, Write};

use super::Report;
use crate::diagnostic::Severity;

/// Writes one workflow command per finding (nothing when clean).
pub fn write(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    for d in report.diagnostics {
        let (start, end) = report.range(d);
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let message = match &d.help {
            Some(help) => format!("{}\nhelp: {help}", d.message),
            None => d.message.clone(),
        };
        writeln!(
            out,
            "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            property(&file(report, d.file)),
            start.line,
            start.column,
            end.line,
            end.column,
            property(&format!("{} {}", d.rule.code, d.rule.name)),
            data(&message),
        )?;
    }
    Ok(())
}

/// The file as GitHub names it: relative to the repository root (the workspace a workflow
/// checks out), else absolute; control characters escaped as in every message.
fn file(report: &Report<'_>, file: crate::source::FileId) -> String {
    let shown = match report.repository_path(file) {
        Ok(rel) => rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/"),
        Err(abs) => abs.display().to_string(),
    };
    crate::diagnostic::printable(shown)
}

/// Escapes a command's message: `%`, CR and LF.
pub fn data(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes a command's property value: as [`data`], plus `:` and `,`.
pub fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_as_github_requires() {
        assert_eq!(data("50% done\r\nnext: a, b"), "50%25 done%0D%0Anext: a, b");
        assert_eq!(
            property("a:b,c%\nd"),
            "a%3Ab%2Cc%25%0Ad",
            "properties also escape `:` and `,`"
        );
    }
}
