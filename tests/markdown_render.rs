//! The Markdown kpic writes (the handbook, the `kpic score --format markdown` page), rendered by
//! GitHub's own renderer, Debian's `cmark-gfm` with the autolink, table and strikethrough
//! extensions and raw HTML let through (`--unsafe`), from specs whose every text is one of the
//! hostile strings of `tests/fixtures/hostile/text.json`. No element or attribute of the HTML
//! may come from user text, every string must read as written, and the Mermaid diagram must keep
//! kpic's own structure.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use common::{Values, decode_entities as decode, kpic, tags};

/// The hostile strings, shared with the other renderers' tests.
fn hostile() -> Vec<String> {
    common::hostile_text()
}

fn hostile_workspace() -> tempfile::TempDir {
    common::hostile_workspace(&hostile())
}

/// HTML from `cmark-gfm` as GitHub configures it, with raw HTML let through.
fn render(markdown: &Path) -> String {
    let out = Command::new("cmark-gfm")
        .args([
            "--unsafe",
            "-e",
            "autolink",
            "-e",
            "table",
            "-e",
            "strikethrough",
        ])
        .arg(markdown)
        .output()
        .expect("cmark-gfm runs (apt-get install cmark-gfm)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The text a reader sees: the HTML without its tags (a block's end as a line break),
/// entities decoded.
fn visible_text(html: &str) -> String {
    let mut text = String::new();
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        text.push_str(&rest[..at]);
        let end = at + rest[at..].find('>').unwrap();
        let name = rest[at + 1..end].trim_start_matches('/');
        if !["a", "code", "strong", "em", "del"]
            .iter()
            .any(|inline| name == *inline || name.starts_with(&format!("{inline} ")))
        {
            text.push('\n');
        }
        rest = &rest[end + 1..];
    }
    text.push_str(rest);
    decode(&text)
}

/// Whitespace and control characters as one space, as kpic writes user text on one line.
fn flat(s: &str) -> String {
    s.split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The elements kpic's own Markdown makes: headings, paragraphs, lists, tables, emphasis for
/// totals, code spans for IDs and the diagram's code block.
const KPIC_ELEMENTS: &[&str] = &[
    "h1", "h2", "h3", "h4", "p", "ul", "ol", "li", "table", "thead", "tbody", "tr", "th", "td",
    "strong", "code", "pre", "a",
];

/// Fails when an element or attribute of `html` is not one kpic writes itself: the only
/// attributes are a table cell's `align`, the diagram's `class`, and a link's `href` to a
/// heading of the page (the table of contents), or to the `mailto:` address that the link
/// shows (cmark-gfm links e-mail addresses in text, which no escaping can prevent).
fn assert_only_kpic_markup(html: &str, what: &str) {
    let tags = tags(html, Values::Raw);
    assert!(!tags.is_empty(), "{what}: no HTML at all");
    for tag in &tags {
        let name = tag.name.trim_start_matches('/');
        assert!(
            KPIC_ELEMENTS.contains(&name),
            "{what}: a <{}> element from user text",
            tag.name
        );
        for (key, value) in &tag.attrs {
            let ok = match (name, key.as_str()) {
                ("td" | "th", "align") => ["left", "right", "center"].contains(&value.as_str()),
                ("code", "class") => value == "language-mermaid",
                ("a", "href") => {
                    value.starts_with('#')
                        && value[1..]
                            .chars()
                            .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
                        || value.strip_prefix("mailto:").is_some_and(|address| {
                            address.split_once('@').is_some_and(|(local, domain)| {
                                !local.is_empty()
                                    && local
                                        .chars()
                                        .all(|c| c.is_ascii_alphanumeric() || ".+-_".contains(c))
                                    && domain
                                        .chars()
                                        .all(|c| c.is_ascii_alphanumeric() || ".-_".contains(c))
                            })
                        })
                }
                _ => false,
            };
            assert!(
                ok,
                "{what}: attribute {key}=\"{value}\" on <{name}> from user text"
            );
        }
    }
}

/// Fails unless every hostile string reads as written somewhere in the page.
fn assert_every_string_reads_as_written(html: &str, what: &str) {
    let text = flat(&visible_text(html));
    for s in hostile() {
        assert!(
            text.contains(&flat(&s)),
            "{what}: {s:?} does not read as written"
        );
    }
}

/// Fails unless the Mermaid block keeps the shape kpic writes: `flowchart LR`, nodes
/// `ID["label"]` whose labels hold no quote, backtick or angle bracket (Mermaid's own entities
/// `#quot;` ... instead), and edges between known nodes.
fn assert_mermaid_intact(html: &str) {
    let open = "<pre><code class=\"language-mermaid\">";
    let mut blocks = 0;
    let mut rest = html;
    while let Some(at) = rest.find(open) {
        blocks += 1;
        let body = &rest[at + open.len()..];
        let end = body.find("</code>").unwrap();
        let code = decode(&body[..end]);
        rest = &body[end..];
        let mut lines = code.lines();
        assert_eq!(lines.next(), Some("flowchart LR"));
        let node_id = |s: &str| {
            s.len() > 1
                && s.starts_with(['o', 'd', 'k'])
                && s[1..].chars().all(|c| c.is_ascii_digit())
        };
        let mut nodes = BTreeSet::new();
        for line in lines {
            let line = line
                .strip_prefix("    ")
                .unwrap_or_else(|| panic!("{line:?}"));
            if let Some((id, label)) = line.split_once("[\"") {
                let label = label
                    .strip_suffix("\"]")
                    .unwrap_or_else(|| panic!("{line:?}"));
                assert!(node_id(id), "{line:?}");
                assert!(!label.contains(['"', '`', '<', '>', '\n']), "{line:?}");
                let mut parts = label.split('#').skip(1);
                assert!(
                    parts.all(|p| p.split_once(';').is_some_and(|(e, _)| {
                        ["quot", "lt", "gt", "amp"].contains(&e)
                            || (!e.is_empty() && e.chars().all(|c| c.is_ascii_digit()))
                    })),
                    "a `#` that is not a Mermaid entity: {line:?}"
                );
                nodes.insert(id.to_owned());
            } else {
                let parts: Vec<&str> = line.split(' ').collect();
                assert_eq!(parts.len(), 3, "{line:?}");
                assert!(["-->", "-.->"].contains(&parts[1]), "{line:?}");
                assert!(
                    nodes.contains(parts[0]) && nodes.contains(parts[2]),
                    "{line:?}"
                );
            }
        }
    }
    assert!(blocks > 0, "the handbook has a diagram");
}

#[test]
#[ignore = "needs cmark-gfm: apt-get install cmark-gfm"]
fn the_handbook_renders_no_markup_from_user_text() {
    let dir = hostile_workspace();
    let run = kpic(dir.path(), &["build", "--out", "dist"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let html = render(&dir.path().join("dist/handbook.md"));
    assert_only_kpic_markup(&html, "handbook");
    assert_every_string_reads_as_written(&html, "handbook");
    assert_mermaid_intact(&html);
}

#[test]
#[ignore = "needs cmark-gfm: apt-get install cmark-gfm"]
fn the_score_page_renders_no_markup_from_user_text() {
    let dir = hostile_workspace();
    let mut csv = String::from("kpi_id,actual\n");
    for i in 0..hostile().len() {
        csv.push_str(&format!("k{i},{}\n", i % 4));
    }
    // The actuals file's name is shown on the page too.
    let name = "q1 <img src=x onerror=alert(1)> [x](javascript:alert(1)).csv";
    common::write(dir.path(), name, csv);
    let run = kpic(
        dir.path(),
        &["score", "--actuals", name, "--format", "markdown"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    common::write(dir.path(), "score.md", &run.stdout);
    let html = render(&dir.path().join("score.md"));
    assert_only_kpic_markup(&html, "score page");
    assert_every_string_reads_as_written(&html, "score page");
    assert!(flat(&visible_text(&html)).contains(name), "{html}");
}

#[test]
#[ignore = "needs cmark-gfm: apt-get install cmark-gfm"]
fn the_checks_catch_what_they_look_for() {
    // Raw user text, unescaped, fails each check: the checks can fail.
    let dir = tempfile::tempdir().unwrap();
    let raw = "See http://example.com\\<img src=x onerror=alert(1)//\\>\n";
    common::write(dir.path(), "raw.md", raw);
    let html = render(&dir.path().join("raw.md"));
    let caught = std::panic::catch_unwind(|| assert_only_kpic_markup(&html, "raw"));
    assert!(caught.is_err(), "{html}");
    let broken = "<pre><code class=\"language-mermaid\">flowchart LR\n    o1[\"a\"]; click o1 \"x\"]\n</code></pre>";
    assert!(std::panic::catch_unwind(|| assert_mermaid_intact(broken)).is_err());
}

#[test]
#[ignore = "needs cmark-gfm: apt-get install cmark-gfm"]
fn the_diff_renders_no_markup_from_user_text() {
    // Every hostile string is in the diff as a before and an after value: the KPIs' names,
    // metrics and sources change (and stay hostile), targets and weights change, one KPI goes.
    let dir = hostile_workspace();
    common::git(dir.path(), &["init", "-q"]);
    common::git(dir.path(), &["add", "-A"]);
    common::git(dir.path(), &["commit", "-qm", "base"]);
    for i in 0..hostile().len() {
        let path = dir.path().join(format!("kpi-specs/t{i}.yaml"));
        let text = std::fs::read_to_string(&path).unwrap();
        let changed = text
            .replace("\">= 2 reports\"", "\">= 3 reports\"")
            .replace("weight: 60", "weight: 50")
            .replace("weight: 40", "weight: 50")
            .replace("    source: ", "    formula: \"f\"\n    source: ");
        std::fs::write(&path, changed).unwrap();
    }
    let run = kpic(dir.path(), &["diff", "--format", "markdown"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("| 50 |"), "{}", run.stdout);
    common::write(dir.path(), "diff.md", &run.stdout);
    let html = render(&dir.path().join("diff.md"));
    assert_only_kpic_markup(&html, "diff");
    assert_every_string_reads_as_written(&html, "diff");
}

#[test]
#[ignore = "needs cmark-gfm: apt-get install cmark-gfm"]
fn the_score_page_with_charts_links_only_its_svg_files() {
    let dir = hostile_workspace();
    let mut csv = String::from("kpi_id,actual\n");
    for i in 0..hostile().len() {
        csv.push_str(&format!("k{i},{}\n", i % 4));
    }
    common::write(dir.path(), "q1.csv", &csv);
    common::write(dir.path(), "q2.csv", csv.replace(",0\n", ",3\n"));
    // A folder name that would end a link or open markup if it were not encoded.
    let folder = "charts (q2) <img src=x>";
    let run = kpic(
        dir.path(),
        &[
            "score",
            "--actuals",
            "q1.csv",
            "--actuals",
            "q2.csv",
            "--format",
            "markdown",
            "--charts",
            folder,
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    common::write(dir.path(), "score.md", &run.stdout);
    let html = render(&dir.path().join("score.md"));
    // Every image is a chart that was written, with a plain alt text.
    let prefix = "charts%20%28q2%29%20%3Cimg%20src%3Dx%3E/";
    let mut images = 0;
    for tag in tags(&html, Values::Raw).iter().filter(|t| t.name == "img") {
        images += 1;
        let src = &tag.attrs.iter().find(|(k, _)| k == "src").unwrap().1;
        let file = src
            .strip_prefix(prefix)
            .unwrap_or_else(|| panic!("src=\"{src}\""));
        assert!(
            file.ends_with(".svg") && dir.path().join(folder).join(file).is_file(),
            "{file}"
        );
        assert!(
            tag.attrs.iter().all(|(k, _)| k == "src" || k == "alt"),
            "{tag:?}"
        );
    }
    assert_eq!(
        images,
        std::fs::read_dir(dir.path().join(folder)).unwrap().count()
    );
    // Without the images, the page is kpic's markup as always.
    let mut rest = html.as_str();
    let mut without = String::new();
    while let Some(at) = rest.find("<img ") {
        without.push_str(&rest[..at]);
        rest = &rest[at + rest[at..].find('>').unwrap() + 1..];
    }
    without.push_str(rest);
    assert_only_kpic_markup(&without, "score page with charts");
    assert_every_string_reads_as_written(&without, "score page with charts");
    // The SVG files hold only the chart's own elements.
    for entry in std::fs::read_dir(dir.path().join(folder)).unwrap() {
        let svg = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for tag in tags(&svg, Values::Raw) {
            let name = tag.name.trim_start_matches('/');
            assert!(
                [
                    "svg", "title", "desc", "rect", "text", "g", "path", "line", "circle"
                ]
                .contains(&name),
                "<{name}> in a chart"
            );
            assert!(
                tag.attrs.iter().all(|(k, _)| !k.starts_with("on")),
                "{tag:?}"
            );
        }
    }
}
