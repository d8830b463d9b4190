//! SARIF 2.1.0, the format code scanning (GitHub, GitLab, Azure DevOps) reads: one run with
//! the tool's rules and one result per finding. Columns count Unicode code points, as kpic's
//! do, so the run says `columnKind: unicodeCodePoints`. Files are named relative to the
//! repository root (`uriBaseId: %SRCROOT%`, defined in `originalUriBaseIds`), which is how
//! code scanning maps a result to a file wherever kpic ran.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::{Component, Path};

use serde::Serialize;

use super::{Report, Seq};
use crate::diagnostic::{Diagnostic, Level, Severity};
use crate::rules::{self, RuleMeta};
use crate::source::{FileId, Span};

/// The base that relative file URIs are resolved against: the repository root.
const SRCROOT: &str = "%SRCROOT%";

/// The schema the output conforms to.
const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// Where users learn about kpic.
const INFORMATION_URI: &str = "https://github.com/kpic-dev/kpic";

#[derive(Serialize)]
#[serde(bound(serialize = ""))]
struct Log<'a, R: Iterator<Item = SarifResult<'a>>> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a, R>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase", bound(serialize = ""))]
struct Run<'a, R: Iterator<Item = SarifResult<'a>>> {
    tool: Tool<'a>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    original_uri_base_ids: BTreeMap<&'static str, ArtifactLocation>,
    column_kind: &'static str,
    results: Seq<R>,
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
    /// `new` or `unchanged` against the baseline, when the check has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline_state: Option<&'static str>,
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
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
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
    // Each file's location once, not once per finding.
    let files: Vec<ArtifactLocation> = (0..report.files.len())
        .map(|f| artifact(report, f))
        .collect();
    // With a baseline, the new findings and then those it holds, each marked.
    let state = |s: &'static str| report.baseline.map(|_| s);
    let unchanged = report.baseline.map_or(&[][..], |b| b.unchanged);
    let results = report
        .diagnostics
        .iter()
        .map(|d| (d, state("new")))
        .chain(unchanged.iter().map(|d| (d, state("unchanged"))))
        .map(|(d, s)| SarifResult {
            baseline_state: s,
            ..result(report, &files, &metas, d)
        });
    let mut original_uri_base_ids = BTreeMap::new();
    if let Some(root) = &report.root {
        original_uri_base_ids.insert(
            SRCROOT,
            ArtifactLocation {
                uri: format!("{}/", absolute_uri(root).trim_end_matches('/')),
                uri_base_id: None,
            },
        );
    }
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
            original_uri_base_ids,
            column_kind: "unicodeCodePoints",
            results: Seq::new(results),
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

fn result<'a>(
    report: &Report<'a>,
    files: &[ArtifactLocation],
    metas: &[&RuleMeta],
    d: &'a Diagnostic,
) -> SarifResult<'a> {
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
            physical_location: physical(report, files, l.file, l.span),
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
            physical_location: physical(report, files, d.file, d.span),
            message: None,
        }],
        related_locations,
        baseline_state: None,
    }
}

fn physical(
    report: &Report<'_>,
    files: &[ArtifactLocation],
    file: FileId,
    span: Span,
) -> PhysicalLocation {
    let f = &report.files[file];
    let (start, end) = (f.line_col(span.lo()), f.line_col(span.hi()));
    PhysicalLocation {
        artifact_location: ArtifactLocation {
            uri: files[file].uri.clone(),
            uri_base_id: files[file].uri_base_id,
        },
        region: Region {
            start_line: start.line,
            start_column: start.column,
            end_line: end.line,
            end_column: end.column,
        },
    }
}

/// Where a file is: relative to the repository root, else an absolute `file:` URI.
fn artifact(report: &Report<'_>, file: FileId) -> ArtifactLocation {
    match report.repository_path(file) {
        Ok(rel) => ArtifactLocation {
            uri: relative_uri(&rel),
            uri_base_id: report.root.as_ref().map(|_| SRCROOT),
        },
        Err(abs) => ArtifactLocation {
            uri: absolute_uri(&abs),
            uri_base_id: None,
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

/// A relative URI reference for a relative path: its names joined by `/`, each percent-encoded.
fn relative_uri(path: &Path) -> String {
    let mut out = String::new();
    for c in path.components() {
        if !out.is_empty() {
            out.push('/');
        }
        match c {
            Component::Normal(name) => encode(&bytes(name), false, &mut out),
            Component::ParentDir => out.push_str(".."),
            _ => {}
        }
    }
    out
}

/// A `file:` URI for an absolute path (`file:///C:/specs/x.yaml` on Windows).
fn absolute_uri(path: &Path) -> String {
    let mut out = String::from("file://");
    for c in path.components() {
        match c {
            Component::Prefix(p) => {
                out.push('/');
                encode(&bytes(p.as_os_str()), true, &mut out);
            }
            Component::RootDir => {}
            Component::Normal(name) => {
                out.push('/');
                encode(&bytes(name), true, &mut out);
            }
            Component::ParentDir => out.push_str("/.."),
            Component::CurDir => {}
        }
    }
    if out == "file://" {
        out.push('/');
    }
    out
}

/// The bytes of a file name (UTF-8 where the platform's names are not bytes).
fn bytes(name: &std::ffi::OsStr) -> std::borrow::Cow<'_, [u8]> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        std::borrow::Cow::Borrowed(name.as_bytes())
    }
    #[cfg(not(unix))]
    {
        match name.to_string_lossy() {
            std::borrow::Cow::Borrowed(s) => std::borrow::Cow::Borrowed(s.as_bytes()),
            std::borrow::Cow::Owned(s) => std::borrow::Cow::Owned(s.into_bytes()),
        }
    }
}

/// Appends one path segment, percent-encoding every byte a segment cannot hold as it is
/// (`/`, `\`, `%`, spaces, control characters, non-ASCII ...). A colon is kept only in an
/// absolute URI (in the first segment of a relative one it would read as a scheme).
fn encode(segment: &[u8], absolute: bool, out: &mut String) {
    for &b in segment {
        let keep = b.is_ascii_alphanumeric()
            || b"-._~!$&'()*+,;=@".contains(&b)
            || (b == b':' && absolute);
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_encoded_never_rewritten() {
        let rel = |s: &str| relative_uri(Path::new(s));
        assert_eq!(rel("kpi-specs/team.yaml"), "kpi-specs/team.yaml");
        assert_eq!(
            rel("my specs/团队.yaml"),
            "my%20specs/%E5%9B%A2%E9%98%9F.yaml"
        );
        assert_eq!(rel("a:b.yaml"), "a%3Ab.yaml");
        assert_eq!(rel("100%.yaml"), "100%25.yaml");
        // A backslash and a line break are parts of a Unix file name, not separators.
        assert_eq!(rel("a\\b/c\nd.yaml"), "a%5Cb/c%0Ad.yaml");
        assert_eq!(rel("../x.yaml"), "../x.yaml");
        assert_eq!(
            absolute_uri(Path::new("/tmp/x y.yaml")),
            "file:///tmp/x%20y.yaml"
        );
        assert_eq!(absolute_uri(Path::new("/")), "file:///");
    }
}
