//! SARIF 2.1.0, the format code scanning (GitHub, GitLab, Azure DevOps) reads: one run with
//! the tool's rules and one result per finding. Columns count Unicode code points, as kpic's
//! do, so the run says `columnKind: unicodeCodePoints`.

use std::io::{self, Write};

use serde::Serialize;

use super::Report;
use crate::diagnostic::{Diagnostic, Level, Severity};
use crate::rules::{self, RuleMeta};
use crate::source::{FileId, Span};

/// The schema the output conforms to.
const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// Where users learn about kpic.
const INFORMATION_URI: &str = "https://github.com/kpic-dev/kpic";

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    column_kind: &'static str,
    results: Vec<SarifResult<'a>>,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    version: &'static str,
    information_uri: &'static str,
    rules: Vec<SarifRule<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifRule<'a> {
    id: &'a str,
    name: &'a str,
    short_description: Text,
    full_description: Text,
    help: Markdown,
    default_configuration: Configuration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Markdown {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    tags: Vec<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: [Location; 1],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Location>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Text>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
}

/// Writes the report as one SARIF log and a newline.
pub fn write(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    let metas = rules::all();
    let rules = metas.iter().map(|m| rule(m)).collect();
    let results = report
        .diagnostics
        .iter()
        .map(|d| result(report, &metas, d))
        .collect();
    let log = Log {
        schema: SCHEMA_URI,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "kpic",
                    version: env!("CARGO_PKG_VERSION"),
                    information_uri: INFORMATION_URI,
                    rules,
                },
            },
            column_kind: "unicodeCodePoints",
            results,
        }],
    };
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

fn rule(m: &'static RuleMeta) -> SarifRule<'static> {
    let doc = m.doc_text();
    SarifRule {
        id: m.code,
        name: m.name,
        short_description: Text {
            text: m.summary.to_owned(),
        },
        full_description: Text { text: doc.clone() },
        help: Markdown {
            text: doc.clone(),
            markdown: doc,
        },
        default_configuration: Configuration {
            level: level(m.default_level),
        },
        properties: RuleProperties {
            tags: vec![m.category()],
        },
    }
}

fn result<'a>(report: &Report<'a>, metas: &[&RuleMeta], d: &'a Diagnostic) -> SarifResult<'a> {
    let text = match &d.help {
        Some(help) => format!("{}\nhelp: {help}", d.message),
        None => d.message.clone(),
    };
    let related_locations = d
        .labels
        .iter()
        .enumerate()
        .map(|(i, l)| Location {
            id: Some(i + 1),
            physical_location: physical(report, l.file, l.span),
            message: Some(Text {
                text: l.message.clone(),
            }),
        })
        .collect();
    SarifResult {
        rule_id: d.rule.code,
        rule_index: metas
            .iter()
            .position(|m| m.code == d.rule.code)
            .unwrap_or_default(),
        level: match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "note",
        },
        message: Text { text },
        locations: [Location {
            id: None,
            physical_location: physical(report, d.file, d.span),
            message: None,
        }],
        related_locations,
    }
}

fn physical(report: &Report<'_>, file: FileId, span: Span) -> PhysicalLocation {
    let f = &report.files[file];
    let (start, end) = (f.line_col(span.lo()), f.line_col(span.hi()));
    PhysicalLocation {
        artifact_location: ArtifactLocation { uri: uri(&f.name) },
        region: Region {
            start_line: start.line,
            start_column: start.column,
            end_line: end.line,
            end_column: end.column,
        },
    }
}

/// The SARIF level of a configured rule level.
fn level(l: Level) -> &'static str {
    match l {
        Level::Off => "none",
        Level::Info => "note",
        Level::Warning => "warning",
        Level::Error => "error",
    }
}

/// A URI reference for a file name: relative names stay relative (forward slashes), absolute
/// ones become `file:` URIs; anything outside the URI path characters is percent-encoded.
fn uri(name: &str) -> String {
    let path = name.replace('\\', "/");
    let (prefix, path) = if path.starts_with('/') {
        ("file://", path)
    } else if is_drive_path(path.as_bytes()) {
        ("file:///", path)
    } else {
        ("", path)
    };
    let mut out = String::from(prefix);
    for (i, b) in path.bytes().enumerate() {
        let keep = b.is_ascii_alphanumeric()
            || b"-._~/!$&'()*+,;=@".contains(&b)
            // A drive letter's colon (`C:`) is part of the path; elsewhere a colon in the first
            // segment of a relative reference would read as a scheme.
            || (b == b':' && !prefix.is_empty() && i == 1);
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Whether a path starts with a Windows drive (`C:/`).
fn is_drive_path(p: &[u8]) -> bool {
    p.len() >= 3 && p[0].is_ascii_alphabetic() && p[1] == b':' && p[2] == b'/'
}

#[cfg(test)]
mod tests {
    use super::uri;

    #[test]
    fn uris_are_relative_with_forward_slashes_and_encoded() {
        assert_eq!(uri("kpi-specs/team.yaml"), "kpi-specs/team.yaml");
        assert_eq!(uri("kpi-specs\\team.yaml"), "kpi-specs/team.yaml");
        assert_eq!(
            uri("my specs/团队.yaml"),
            "my%20specs/%E5%9B%A2%E9%98%9F.yaml"
        );
        assert_eq!(uri("a:b.yaml"), "a%3Ab.yaml");
        assert_eq!(uri("100%.yaml"), "100%25.yaml");
        assert_eq!(uri("/tmp/x.yaml"), "file:///tmp/x.yaml");
        assert_eq!(uri("C:\\specs\\x.yaml"), "file:///C:/specs/x.yaml");
    }
}
