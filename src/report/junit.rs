//! JUnit XML, which most CI systems show as a test report: one `<testsuite>` named `kpic` with
//! one `<testcase>` per file checked. A file with findings that fail the run (errors, and
//! warnings with `--deny-warnings`) fails: its `<failure>` carries their codes (`type`), the
//! first message and one `line:col: severity[CODE] message` line per such finding. Findings
//! that do not fail the run are listed the same way in the test case's `<system-out>`, so a
//! green job never shows failed tests.

use std::io::{self, Write};

use super::Report;
use crate::diagnostic::Diagnostic;

/// Writes the report as a JUnit XML document.
pub fn write(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    let fails = |d: &&Diagnostic| d.severity >= report.fails_at;
    let cases: Vec<(&str, &[Diagnostic])> = report
        .reported_files()
        .map(|(id, f)| {
            let first = report.diagnostics.partition_point(|d| d.file < id);
            let last = report.diagnostics.partition_point(|d| d.file <= id);
            (f.name.as_str(), &report.diagnostics[first..last])
        })
        .collect();
    let tests = cases.len();
    let failures = cases
        .iter()
        .filter(|(_, ds)| ds.iter().any(|d| fails(&d)))
        .count();
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<testsuites name="kpic" tests="{tests}" failures="{failures}" errors="0">"#
    )?;
    writeln!(
        out,
        r#"  <testsuite name="kpic" tests="{tests}" failures="{failures}" errors="0" skipped="0">"#
    )?;
    for (name, diagnostics) in cases {
        let name = escape(name);
        if diagnostics.is_empty() {
            writeln!(
                out,
                r#"    <testcase name="{name}" classname="kpic" file="{name}"/>"#
            )?;
            continue;
        }
        writeln!(
            out,
            r#"    <testcase name="{name}" classname="kpic" file="{name}">"#
        )?;
        let (failing, passing): (Vec<&Diagnostic>, Vec<&Diagnostic>) =
            diagnostics.iter().partition(fails);
        if !failing.is_empty() {
            let mut codes: Vec<&str> = Vec::new();
            for d in &failing {
                if !codes.contains(&d.rule.code) {
                    codes.push(d.rule.code);
                }
            }
            // The message is the first of the most severe findings.
            let worst = failing
                .iter()
                .rev()
                .max_by_key(|d| d.severity)
                .expect("a failing finding");
            let message = match failing.len() {
                1 => worst.message.to_string(),
                n => format!("{} (and {} more)", worst.message, n - 1),
            };
            write!(
                out,
                r#"      <failure type="{}" message="{}">"#,
                escape(&codes.join(",")),
                escape(&message),
            )?;
            lines(report, &failing, out)?;
            writeln!(out, "</failure>")?;
        }
        if !passing.is_empty() {
            write!(out, "      <system-out>")?;
            lines(report, &passing, out)?;
            writeln!(out, "</system-out>")?;
        }
        writeln!(out, "    </testcase>")?;
    }
    writeln!(out, "  </testsuite>")?;
    writeln!(out, "</testsuites>")
}

/// One `line:col: severity[CODE] message` line per finding (and its help), as element text.
fn lines(report: &Report<'_>, diagnostics: &[&Diagnostic], out: &mut dyn Write) -> io::Result<()> {
    for d in diagnostics {
        let (start, _) = report.range(d);
        let mut line = format!(
            "{}:{}: {}[{}] {}\n",
            start.line,
            start.column,
            d.severity.as_str(),
            d.rule.code,
            d.message
        );
        if let Some(help) = &d.help {
            line.push_str(&format!("  help: {help}\n"));
        }
        out.write_all(escape_text(&line).as_bytes())?;
    }
    Ok(())
}

/// Escapes text for an XML attribute value. Line breaks and tabs become character references
/// (a parser would otherwise turn them into spaces).
pub fn escape(s: &str) -> String {
    escape_as(s, true)
}

/// Escapes text for XML element content, keeping quotes, line breaks and tabs as they are.
pub fn escape_text(s: &str) -> String {
    escape_as(s, false)
}

/// Characters XML 1.0 cannot carry at all become U+FFFD.
fn escape_as(s: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\'' if attribute => out.push_str("&apos;"),
            '\r' => out.push_str("&#13;"),
            '\n' | '\t' if !attribute => out.push(c),
            '\n' => out.push_str("&#10;"),
            '\t' => out.push_str("&#9;"),
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{escape, escape_text};

    #[test]
    fn escapes_markup_and_control_characters() {
        assert_eq!(
            escape(r#"<a href="x">&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;"
        );
        assert_eq!(escape("a\nb\tc\u{1}d"), "a&#10;b&#9;c\u{fffd}d");
        assert_eq!(escape("团队 ok"), "团队 ok");
        assert_eq!(escape_text("'a'\n<b>\r"), "'a'\n&lt;b&gt;&#13;");
    }
}
