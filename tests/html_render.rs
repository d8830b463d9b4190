//! The HTML kpic writes (`handbook.html`, the `kpic score --format html` page): no element or
//! attribute may come from user text, whatever it holds (the hostile strings of
//! `tests/fixtures/hostile/text.json` plus HTML and SVG breakers), and every string must read
//! as written. Then the real consumer: headless Chromium loads the pages (`--dump-dom`),
//! prints them to A4 PDF (`pdfinfo` counts the pages) and takes the screenshots that CI keeps
//! in `target/screenshots/`.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{Values, decode_entities as decode, kpic, tags};

/// The hostile strings shared with the other renderers' tests, and strings aimed at HTML,
/// attributes, `<style>`, `<title>` and inline SVG.
fn hostile() -> Vec<String> {
    let mut all = common::hostile_text();
    all.extend(
        [
            "\"><img src=x onerror=alert(1)>",
            "'><svg onload=alert(1)>",
            "</style><script>alert(1)</script>",
            "</title><script>alert(1)</script>",
            "<foreignObject><body onload=alert(1)></body></foreignObject>",
            "<svg><foreignObject><iframe src=javascript:alert(1)></iframe></foreignObject></svg>",
            "javascript:alert(1)",
            "]]><script>alert(1)</script><![CDATA[",
            "&#x3C;script&#x3E; &amp &lt",
            "a\u{FFFE}b\u{0}c",
        ]
        .map(str::to_owned),
    );
    all
}

/// [`common::hostile_workspace`] with an actuals file that scores the first KPI of each team.
fn hostile_workspace() -> tempfile::TempDir {
    let strings = hostile();
    let dir = common::hostile_workspace(&strings);
    let mut actuals = String::from("kpi_id,actual\n");
    for i in 0..strings.len() {
        actuals.push_str(&format!("k{i},{}\n", i % 4));
    }
    common::write(dir.path(), "actuals.csv", actuals);
    dir
}

/// The elements kpic's pages are made of.
const ELEMENTS: &[&str] = &[
    "!", "html", "head", "meta", "title", "style", "body", "header", "nav", "section", "h1", "h2",
    "h3", "h4", "p", "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td", "strong",
    "code", "span", "figure", "svg", "desc", "rect", "text", "g", "path", "line", "circle",
];

/// The attributes kpic writes.
const ATTRIBUTES: &[&str] = &[
    "lang",
    "charset",
    "http-equiv",
    "content",
    "name",
    "class",
    "id",
    "href",
    "scope",
    "aria-labelledby",
    "aria-label",
    "xmlns",
    "role",
    "width",
    "height",
    "viewbox",
    "viewBox",
    "font-family",
    "font-size",
    "font-weight",
    "fill",
    "stroke",
    "stroke-width",
    "stroke-dasharray",
    "x",
    "y",
    "x1",
    "y1",
    "x2",
    "y2",
    "cx",
    "cy",
    "r",
    "rx",
    "d",
    "text-anchor",
];

/// Asserts that every element and attribute of `html` is kpic's own: known names, links only
/// to kpic's anchors, IDs only kpic's names, no script anywhere.
fn assert_only_kpic_markup(html: &str, what: &str) {
    let tags = tags(html, Values::Quoted);
    assert!(tags.len() > 50, "{what}: {} tags", tags.len());
    for tag in &tags {
        let name = tag.name.trim_start_matches('/');
        assert!(ELEMENTS.contains(&name), "{what}: element <{}>", tag.name);
        for (key, value) in &tag.attrs {
            assert!(
                ATTRIBUTES.contains(&key.as_str()),
                "{what}: attribute {key}=\"{value}\" on <{}>",
                tag.name
            );
            let own_name = |v: &str| {
                !v.is_empty()
                    && v.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == ' ')
            };
            match key.as_str() {
                "href" => assert!(
                    value.starts_with('#') && own_name(&value[1..]),
                    "{what}: href=\"{value}\""
                ),
                "id" | "aria-labelledby" | "class" => {
                    assert!(own_name(value), "{what}: {key}=\"{value}\"")
                }
                _ => assert!(
                    !value.to_ascii_lowercase().contains("javascript") && !value.contains("alert"),
                    "{what}: {key}=\"{value}\""
                ),
            }
        }
    }
    // The one style element is kpic's stylesheet, and nothing runs.
    assert_eq!(
        tags.iter().filter(|t| t.name == "style").count(),
        1,
        "{what}"
    );
    assert!(!html.contains("<script"), "{what}");
}

/// The text of `html` without its tags, entities decoded, whitespace as single spaces.
fn text(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        out.push_str(&rest[..at]);
        out.push(' ');
        let end = at + rest[at..].find('>').unwrap();
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    flat(&decode(&out))
}

/// Whitespace and control characters as one space (and the code points XML forbids, which
/// kpic writes as spaces).
fn flat(s: &str) -> String {
    s.split(|c: char| c.is_whitespace() || c.is_control() || c == '\u{FFFE}')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Builds the hostile workspace; returns it and the output folder.
fn hostile_build() -> (tempfile::TempDir, PathBuf) {
    let dir = hostile_workspace();
    let run = kpic(dir.path(), &["build", "--out", "out"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let out = dir.path().join("out");
    (dir, out)
}

fn hostile_score(dir: &Path) -> String {
    let run = kpic(
        dir,
        &["score", "--actuals", "actuals.csv", "--format", "html"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.stdout
}

#[test]
fn hostile_text_makes_no_markup_in_the_html_handbook_and_reads_as_written() {
    let (_dir, out) = hostile_build();
    let html = std::fs::read_to_string(out.join("handbook.html")).unwrap();
    assert_only_kpic_markup(&html, "handbook.html");
    let shown = text(&html);
    for s in hostile() {
        assert!(shown.contains(&flat(&s)), "not shown as written: {s:?}");
    }
}

#[test]
fn hostile_text_makes_no_markup_in_the_score_page() {
    let (dir, _out) = hostile_build();
    let html = hostile_score(dir.path());
    assert_only_kpic_markup(&html, "score page");
    let shown = text(&html);
    for s in hostile() {
        assert!(shown.contains(&flat(&s)), "not shown as written: {s:?}");
    }
}

#[test]
fn snapshots_of_the_bundled_specs_pages() {
    let (tmp, out) = bundled_build(&[]);
    let handbook = std::fs::read_to_string(out.join("handbook.html")).unwrap();
    insta::assert_snapshot!("bundled_handbook_html", handbook);
    two_periods(&out, tmp.path());
    // Scored in a copy of the specs, so that the page names the files as `q2.csv`.
    common::copy_dir(
        &common::repo_root().join("kpi-specs"),
        &tmp.path().join("kpi-specs"),
    );
    let run = kpic(
        tmp.path(),
        &[
            "score",
            "--actuals",
            "q1.csv",
            "--actuals",
            "q2.csv",
            "--format",
            "html",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!("bundled_score_two_periods_html", run.stdout);
}

// --- the real consumer: headless Chromium ---------------------------------------------------

/// Runs headless Chromium on `page` with `args` (a fresh profile, at most two minutes) and
/// returns its stdout.
fn chromium(page: &Path, args: &[&str]) -> String {
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new("timeout")
        .arg("120")
        .arg("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .arg(page)
        .output()
        .expect("chromium runs (apt-get install chromium)");
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The number of pages of a PDF, from `pdfinfo`.
fn pdf_pages(pdf: &Path) -> usize {
    let out = Command::new("pdfinfo")
        .arg(pdf)
        .output()
        .expect("pdfinfo runs (apt-get install poppler-utils)");
    assert!(out.status.success());
    let info = String::from_utf8(out.stdout).unwrap();
    let line = info.lines().find(|l| l.starts_with("Pages:")).unwrap();
    line["Pages:".len()..].trim().parse().unwrap()
}

/// Where CI keeps the screenshots.
fn screenshots() -> PathBuf {
    let dir = common::repo_root().join("target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `kpic build` of the bundled `kpi-specs/` (or some of its files) into a temp folder.
fn bundled_build(args: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let mut all = vec!["build", "--out", out.to_str().unwrap()];
    all.extend(args);
    let run = kpic(common::repo_root(), &all);
    assert_eq!(run.code, 0, "{}", run.stderr);
    (tmp, out)
}

#[test]
#[ignore = "needs chromium: apt-get install chromium"]
fn chromium_renders_the_handbook_prints_it_to_a4_and_takes_screenshots() {
    let (_tmp, out) = bundled_build(&["--lang", "en"]);
    let page = out.join("handbook.html");
    let dom = chromium(&page, &["--dump-dom"]);
    assert!(dom.contains("<h1>KPI handbook</h1>"), "{dom}");
    assert!(dom.contains("<h2>电商运营部</h2>") && dom.contains("<h2>Customer Support</h2>"));
    assert!(dom.contains("<h3 id=\"team-1-matrix\">Responsibility matrix</h3>"));
    assert!(dom.matches("<table").count() >= 10);
    assert_eq!(dom.matches("<svg ").count(), 2, "one diagram per team");
    assert!(dom.contains("<title id=\"team-1-diagram-svg-title\">"));
    assert!(!dom.contains("<script"));
    assert_only_kpic_markup(&dom, "handbook DOM");

    let pdf = out.join("handbook.pdf");
    chromium(
        &page,
        &[
            &format!("--print-to-pdf={}", pdf.display()),
            "--no-pdf-header-footer",
        ],
    );
    let pages = pdf_pages(&pdf);
    assert!((2..=40).contains(&pages), "{pages} pages");

    let shot = screenshots().join("handbook-en.png");
    chromium(
        &page,
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1280,2400",
        ],
    );
    assert!(std::fs::metadata(&shot).unwrap().len() > 10_000);

    // The first team's diagram (11 KPIs) on its own, as the handbook draws it.
    let html = std::fs::read_to_string(&page).unwrap();
    let svg = &html[html.find("<svg ").unwrap()..html.find("</svg>").unwrap() + "</svg>".len()];
    let alone = out.join("diagram.html");
    std::fs::write(
        &alone,
        format!("<!DOCTYPE html>\n<meta charset=\"utf-8\">\n<body style=\"margin:8px\">\n{svg}\n"),
    )
    .unwrap();
    let shot = screenshots().join("handbook-diagram.png");
    chromium(
        &alone,
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1000,480",
        ],
    );
    assert!(std::fs::metadata(&shot).unwrap().len() > 5_000);
}

#[test]
#[ignore = "needs chromium: apt-get install chromium"]
fn chromium_shows_the_chinese_teams_handbook_with_its_diagram() {
    let (_tmp, out) = bundled_build(&["kpi-specs/ecommerce-ops.yaml"]);
    let page = out.join("handbook.html");
    let dom = chromium(&page, &["--dump-dom"]);
    assert!(dom.contains("<html lang=\"zh-CN\">"), "{dom}");
    assert!(dom.contains("<h1>KPI 手册</h1>") && dom.contains("职责归属图"));
    // The diagram: 5 owners, 5 duties and 11 KPIs, each a box.
    let svg = &dom[dom.find("<svg ").unwrap()..dom.find("</svg>").unwrap()];
    assert!(svg.matches("<rect ").count() > 20, "{svg}");
    assert!(!dom.contains("<script"));
    let shot = screenshots().join("handbook-zh-CN.png");
    chromium(
        &page,
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1280,4200",
        ],
    );
    assert!(std::fs::metadata(&shot).unwrap().len() > 10_000);
}

/// Two periods of actuals for every KPI of `kpi-specs/`: the scorecard `build` writes, filled
/// in with numbers that meet some targets and miss others, and change between the periods.
fn two_periods(out: &Path, dir: &Path) {
    let card = std::fs::read(out.join("scorecards.csv")).unwrap();
    let mut reader = csv::Reader::from_reader(card.as_slice());
    let at = reader
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "kpi_id")
        .unwrap();
    let ids: Vec<String> = reader
        .records()
        .map(|r| r.unwrap()[at].to_owned())
        .collect();
    for (period, shift) in [("q1", 0.0), ("q2", 1.0)] {
        let actuals: Vec<(&str, String)> = ids
            .iter()
            .enumerate()
            .filter(|(i, _)| !(period == "q1" && i % 7 == 3))
            .map(|(i, id)| {
                let v = [0.5, 1.0, 2.0, 3.0, 5.0, 24.0, 90.0, 95.0, 99.0, 150.0][i % 10];
                (id.as_str(), format!("{}", v + shift * (i % 3) as f64))
            })
            .collect();
        let filled = common::fill_scorecard_csv(&card, &actuals);
        std::fs::write(dir.join(format!("{period}.csv")), filled).unwrap();
    }
}

#[test]
#[ignore = "needs chromium: apt-get install chromium"]
fn chromium_renders_the_score_page_with_two_periods() {
    let (tmp, out) = bundled_build(&[]);
    two_periods(&out, tmp.path());
    let q1 = tmp.path().join("q1.csv");
    let q2 = tmp.path().join("q2.csv");
    let run = kpic(
        common::repo_root(),
        &[
            "score",
            "--actuals",
            q1.to_str().unwrap(),
            "--actuals",
            q2.to_str().unwrap(),
            "--period",
            "Q1",
            "--period",
            "Q2",
            "--format",
            "html",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let page = tmp.path().join("results.html");
    std::fs::write(&page, &run.stdout).unwrap();
    let dom = chromium(&page, &["--dump-dom"]);
    assert!(dom.contains("Trend: Q1 → Q2"), "{dom}");
    assert!(dom.contains("<h3>趋势</h3>") && dom.contains("<h3>Trend</h3>"));
    assert!(dom.contains("<h4>Kept failing (not met in any period)</h4>"));
    assert!(dom.matches("<svg ").count() > 10);
    assert!(!dom.contains("<script"));
    assert_only_kpic_markup(&dom, "score DOM");
    let pdf = tmp.path().join("results.pdf");
    chromium(&page, &[&format!("--print-to-pdf={}", pdf.display())]);
    let pages = pdf_pages(&pdf);
    assert!((1..=40).contains(&pages), "{pages} pages");
    let shot = screenshots().join("score-two-periods.png");
    chromium(
        &page,
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1280,3600",
        ],
    );
    assert!(std::fs::metadata(&shot).unwrap().len() > 10_000);
}

#[test]
#[ignore = "needs chromium: apt-get install chromium"]
fn in_chromium_hostile_text_makes_no_element_or_attribute() {
    let (dir, out) = hostile_build();
    let dom = chromium(&out.join("handbook.html"), &["--dump-dom"]);
    assert_only_kpic_markup(&dom, "hostile handbook DOM");
    let page = dir.path().join("results.html");
    std::fs::write(&page, hostile_score(dir.path())).unwrap();
    let dom = chromium(&page, &["--dump-dom"]);
    assert_only_kpic_markup(&dom, "hostile score DOM");
}

/// A team of 5 owners, 10 duties and 50 KPIs (some owned by someone other than their duty's
/// owner, some with names too long for their box, half of them in Chinese).
fn fifty_kpis() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let owners = ["王芳", "Li Na", "Zhang Wei", "Emma Clark", "赵磊"];
    let mut spec = String::from(
        "version: 1\nteam: {id: big, name: Operations, locale: en, review: quarterly, lead: o0}\nowners:\n",
    );
    for (i, name) in owners.iter().enumerate() {
        spec.push_str(&format!("  - {{id: o{i}, name: {name}}}\n"));
    }
    spec.push_str("duties:\n");
    for d in 0..10_usize {
        let name = if d.is_multiple_of(3) {
            "市场分析与竞争对手研究"
        } else {
            "operations"
        };
        spec.push_str(&format!(
            "  - {{id: d{d}, name: \"Duty {d} {name}\", owner: o{}}}\n",
            d % 5
        ));
    }
    spec.push_str("kpis:\n");
    let owner_of = |k: usize| (k / 10 + usize::from(k.is_multiple_of(7))) % 5;
    for k in 0..50 {
        let o = owner_of(k);
        let count = (0..50).filter(|j| owner_of(*j) == o).count();
        let first = (0..50).find(|j| owner_of(*j) == o) == Some(k);
        let weight = 100 / count + if first { 100 % count } else { 0 };
        let name = match k {
            k if k.is_multiple_of(9) => {
                format!("KPI {k}: a rather long name that does not fit in its box")
            }
            k if k % 2 == 1 => format!("指标 {k} 客户满意度"),
            k => format!("KPI {k} on-time rate"),
        };
        spec.push_str(&format!(
            "  - {{id: k{k}, name: \"{name}\", duty: d{}, owner: o{o}, metric: m, target: \">= 90 %\", \
             period: monthly, weight: {weight}, source: s}}\n",
            k / 5
        ));
    }
    common::write(dir.path(), "kpi-specs/big.yaml", spec);
    dir
}

#[test]
fn a_diagram_of_fifty_kpis_gives_each_its_own_row() {
    let dir = fifty_kpis();
    let run = kpic(dir.path(), &["build", "--out", "out"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let html = std::fs::read_to_string(dir.path().join("out/handbook.html")).unwrap();
    let svg = &html[html.find("<svg ").unwrap()..html.find("</svg>").unwrap()];
    // 5 owners + 10 duties + 50 KPIs, each a box; the long names cut, with a tooltip.
    assert_eq!(svg.matches("<rect ").count(), 1 + 65);
    assert_eq!(svg.matches("<g><title>KPI ").count(), 6);
    // No two boxes of a column overlap: each box's top is at least a box below the last one.
    let mut columns: std::collections::BTreeMap<String, Vec<f64>> = Default::default();
    for rect in svg.split("<rect x=\"").skip(1) {
        let x = rect.split('"').next().unwrap().to_owned();
        let y: f64 = rect
            .split("y=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        columns.entry(x).or_default().push(y);
    }
    let mut sizes: Vec<usize> = columns.values().map(Vec::len).collect();
    sizes.sort_unstable();
    assert_eq!(sizes, [5, 10, 50], "{columns:?}");
    for ys in columns.values_mut() {
        ys.sort_by(f64::total_cmp);
        assert!(ys.windows(2).all(|w| w[1] - w[0] >= 26.0), "{ys:?}");
    }
}

#[test]
#[ignore = "needs chromium: apt-get install chromium"]
fn chromium_draws_a_diagram_of_fifty_kpis() {
    let dir = fifty_kpis();
    let run = kpic(dir.path(), &["build", "--out", "out"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let page = dir.path().join("out/handbook.html");
    let html = std::fs::read_to_string(&page).unwrap();
    let svg = &html[html.find("<svg ").unwrap()..html.find("</svg>").unwrap() + "</svg>".len()];
    let alone = dir.path().join("diagram.html");
    std::fs::write(
        &alone,
        format!("<!DOCTYPE html>\n<meta charset=\"utf-8\">\n<body style=\"margin:8px\">\n{svg}\n"),
    )
    .unwrap();
    let dom = chromium(&alone, &["--dump-dom"]);
    assert!(
        dom.contains("<title id=\"team-1-diagram-svg-title\">Who owns what (Operations)</title>")
    );
    let shot = screenshots().join("diagram-50-kpis.png");
    chromium(
        &alone,
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1000,1800",
        ],
    );
    assert!(std::fs::metadata(&shot).unwrap().len() > 10_000);
}
