//! `scorecards.xlsx`, the workbook `kpic build` writes, and the workbooks `kpic score` reads:
//! the workbook read back with calamine and at the XML level (layout, formulas, protection,
//! validation, print setup, fixed bytes, hostile text), filled in and scored, and workbooks
//! as other programs save them. The tests that drive LibreOffice itself are ignored without it.
//!
//! The fixture `tests/fixtures/score/xlsx` has an English team (every direction, the cap, an
//! actual of 0, equality, a target of 0, a percentage, an owner without weights) and a Chinese
//! one (plain-words targets, a range, a missing actual, an owner of two teams, an owner with a
//! weight on one KPI only).

mod common;

use std::collections::BTreeMap;
use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use calamine::{Data, Reader, Xlsx};
use common::{json_of, kpic, write};
use serde_json::Value;

/// The actuals typed into the fixture's workbook (none for `z-hours` and `b-rate`), with what
/// `kpic score` makes of them (cap 120):
///
/// | KPI | target | actual | attainment |
/// |---|---|---|---|
/// | k-higher | >= 10 | 15 | 150 → 120 |
/// | k-lower | <= 24 | 30 | 24 / 30 = 80 |
/// | k-zero | < 2 | 0 | lower-is-better 0 → 120 |
/// | k-exact | = 1 | 1 | 100 |
/// | k-none | <= 0 | 0 | target 0: pass/fail → 100 |
/// | k-percent | >= 90 | 97.5 | 108.33… |
/// | b-articles | >= 5 | 4 | 80 |
/// | b-time | < 48 | 12 | 400 → 120 |
/// | c-en | >= 2 | 1 | 50 |
/// | z-reports | >= 2 | 2 | 100 |
/// | z-errors | < 2 | 2.5 | 80 |
/// | c-zh | >= 3 | 3 | 100 |
/// | d-orders | >= 100 | 50 | 50 |
/// | d-returns | >= 5 | 10 | 200 → 120 (weight 0) |
///
/// Owners: ana (30×120 + 20×80 + 10×120 + 10×100 + 10×100 + 20×108.33…) / 100 = 105.666…;
/// ben (80 + 120) / 2 = 100 (no weights, b-rate missing); cy across both teams
/// (60×50 + 40×100) / 100 = 70; li-na (50×100 + 30×80) / 80 = 92.5 (z-hours missing);
/// dee 100×50 / 100 = 50.
const ACTUALS: &[(&str, f64)] = &[
    ("k-higher", 15.0),
    ("k-lower", 30.0),
    ("k-zero", 0.0),
    ("k-exact", 1.0),
    ("k-none", 0.0),
    ("k-percent", 97.5),
    ("b-articles", 4.0),
    ("b-time", 12.0),
    ("c-en", 1.0),
    ("z-reports", 2.0),
    ("z-errors", 2.5),
    ("c-zh", 3.0),
    ("d-orders", 50.0),
    ("d-returns", 10.0),
];

/// The owners' scores the comments above compute.
const OWNER_SCORES: &[(&str, Option<f64>)] = &[
    (
        "ana",
        Some((3600.0 + 1600.0 + 1200.0 + 1000.0 + 1000.0 + 20.0 * 97.5 / 90.0 * 100.0) / 100.0),
    ),
    ("ben", Some(100.0)),
    ("cy", Some(70.0)),
    ("li-na", Some(92.5)),
    ("dee", Some(50.0)),
];

fn fixture() -> tempfile::TempDir {
    common::fixture("score/xlsx")
}

/// Runs `kpic build --out out` in `dir` and returns the workbook's bytes.
fn build(dir: &Path) -> Vec<u8> {
    let run = kpic(dir, &["build", "--out", "out"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    std::fs::read(dir.join("out/scorecards.xlsx")).unwrap()
}

/// One entry of a zip archive, as text.
fn entry(bytes: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut f = zip.by_name(name).unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut s = String::new();
    f.read_to_string(&mut s).unwrap();
    s
}

/// Every cell of every sheet: sheet name → (row, col) → value.
type Cells = BTreeMap<String, BTreeMap<(u32, u32), Data>>;

fn cells(bytes: &[u8]) -> (Vec<String>, Cells, Cells) {
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes.to_vec())).unwrap();
    let names = book.sheet_names();
    let mut values = Cells::new();
    let mut formulas = Cells::new();
    for name in &names {
        let range = book.worksheet_range(name).unwrap();
        let (r0, c0) = range.start().unwrap_or((0, 0));
        let v = values.entry(name.clone()).or_default();
        for (r, c, d) in range.used_cells() {
            v.insert((r0 + r as u32, c0 + c as u32), d.clone());
        }
        let range = book.worksheet_formula(name).unwrap();
        let (r0, c0) = range.start().unwrap_or((0, 0));
        let f = formulas.entry(name.clone()).or_default();
        for (r, c, s) in range.used_cells() {
            if !s.is_empty() {
                f.insert((r0 + r as u32, c0 + c as u32), Data::String(s.clone()));
            }
        }
    }
    (names, values, formulas)
}

fn text(d: Option<&Data>) -> String {
    match d {
        Some(Data::String(s)) => s.clone(),
        Some(Data::Empty) | None => String::new(),
        Some(other) => panic!("not text: {other:?}"),
    }
}

/// The columns of a team sheet, by letter.
const OWNER: u32 = 0;
const KPI: u32 = 1;
const TARGET: u32 = 2;
const ACTUAL: u32 = 3;
const UNIT: u32 = 4;
const DIRECTION: u32 = 5;
const THRESHOLD: u32 = 6;
const MET: u32 = 7;
const STATUS: u32 = 8;
const ATTAINMENT: u32 = 9;
const WEIGHT: u32 = 10;
const KPI_ID: u32 = 14;

#[test]
fn a_sheet_per_team_grouped_by_owner_and_a_summary() {
    let dir = fixture();
    let (names, values, _) = cells(&build(dir.path()));
    assert_eq!(names, ["电商运营部", "Customer Support", "Summary"]);
    let ops = &values["电商运营部"];
    let header: Vec<String> = (0..15).map(|c| text(ops.get(&(0, c)))).collect();
    assert_eq!(
        header,
        [
            "责任人",
            "KPI",
            "目标",
            "实际值\nactual",
            "单位",
            "方向",
            "预警线",
            "是否达成",
            "状态",
            "达成率",
            "权重",
            "周期 / 截止",
            "衡量指标",
            "数据来源",
            "KPI 编号\nkpi_id"
        ]
    );
    let column = |sheet: &BTreeMap<(u32, u32), Data>, c: u32| -> Vec<String> {
        let last = sheet.keys().map(|k| k.0).max().unwrap();
        (1..=last).map(|r| text(sheet.get(&(r, c)))).collect()
    };
    // Owners in owner order, each owner's KPIs then their score row.
    // Owners in the order of the owners file (ana, ben, cy, li-na, dee).
    assert_eq!(
        column(ops, OWNER),
        [
            "Cy Tan", "Cy Tan", "李娜", "李娜", "李娜", "李娜", "邓一", "邓一", "邓一"
        ]
    );
    assert_eq!(
        column(ops, KPI_ID),
        [
            "c-zh",
            "",
            "z-reports",
            "z-errors",
            "z-hours",
            "",
            "d-orders",
            "d-returns",
            ""
        ]
    );
    assert_eq!(column(ops, KPI)[5], "加权得分");
    // Targets in plain words, the unit beside the actual, the direction in words.
    assert_eq!(
        &column(ops, TARGET)[2..5],
        ["不少于 2 份", "低于 2%", "不超过 24 小时"]
    );
    assert_eq!(&column(ops, UNIT)[2..5], ["份", "%", "小时"]);
    assert_eq!(
        &column(ops, DIRECTION)[2..5],
        ["越高越好", "越低越好", "越低越好"]
    );
    let support = &values["Customer Support"];
    assert_eq!(text(support.get(&(0, ACTUAL))), "Actual");
    assert_eq!(text(support.get(&(0, KPI_ID))), "KPI ID");
    assert_eq!(
        &column(support, TARGET)[..6],
        [
            "at least 10 tickets",
            "at most 24 h",
            "less than 2%",
            "exactly 1 plan",
            "at most 0 incidents",
            "at least 90%"
        ]
    );
    assert_eq!(column(support, DIRECTION)[3], "exactly the target");
    // Weights are numbers; a KPI without one has none.
    assert_eq!(support.get(&(1, WEIGHT)), Some(&Data::Float(30.0)));
    assert_eq!(support.get(&(8, WEIGHT)), None);
    // The summary: one row per owner, with team, KPI count and weight total.
    let summary = &values["Summary"];
    let row = |r: u32| -> Vec<String> {
        (0..5)
            .map(|c| match summary.get(&(r, c)) {
                Some(Data::Float(f)) => f.to_string(),
                other => text(other),
            })
            .collect()
    };
    assert_eq!(
        row(0),
        ["Team", "Owner", "Owner ID", "KPIs", "Weight total"]
    );
    assert_eq!(
        row(1),
        ["电商运营部; Customer Support", "Cy Tan", "cy", "2", "100"]
    );
    assert_eq!(row(2), ["电商运营部", "李娜", "li-na", "3", "100"]);
    assert_eq!(row(3), ["电商运营部", "邓一", "dee", "2", "100"]);
    assert_eq!(row(4), ["Customer Support", "Ana Silva", "ana", "6", "100"]);
    assert_eq!(row(5), ["Customer Support", "Ben Okafor", "ben", "3", ""]);
}

#[test]
fn formulas_only_where_kpic_computes_and_empty_until_an_actual_is_in() {
    let dir = fixture();
    let (_, values, formulas) = cells(&build(dir.path()));
    for (sheet, f) in &formulas {
        for (&(r, c), formula) in f {
            let Data::String(formula) = formula else {
                unreachable!()
            };
            let allowed = if sheet == "Summary" {
                c == 5
            } else {
                c == MET || c == STATUS || c == ATTAINMENT
            };
            assert!(allowed, "{sheet}!{r},{c}: {formula}");
            // Only kpic's functions, cell references and its own words: no text of the specs.
            for word in ["Tickets", "李娜", "tickets closed", "helpdesk"] {
                assert!(!formula.contains(word), "{formula}");
            }
        }
    }
    let ops = &formulas["电商运营部"];
    assert_eq!(
        text(ops.get(&(3, MET))),
        "IF(ISNUMBER(D4),IF(D4>=2,\"达成\",\"未达成\"),IF(D4=\"\",\"未填写\",\"不是数字\"))"
    );
    assert_eq!(
        text(ops.get(&(4, ATTAINMENT))),
        "IF(ISNUMBER(D5),MIN(IF(D5=0,120,IF(D5>0,2/D5*100,IF(D5<2,100,0))),120),\"\")"
    );
    // li-na's score (row 7), weighted; cy's (row 3) across both sheets.
    assert_eq!(
        text(ops.get(&(6, ATTAINMENT))),
        "IF((SUMPRODUCT($K$4:$K$6,--ISNUMBER($J$4:$J$6)))=0,\"\",(SUMPRODUCT($K$4:$K$6,$J$4:$J$6))/(SUMPRODUCT($K$4:$K$6,--ISNUMBER($J$4:$J$6))))"
    );
    assert!(
        text(ops.get(&(2, ATTAINMENT)))
            .contains("+SUMPRODUCT('Customer Support'!$K$13:$K$13,'Customer Support'!$J$13:$J$13)"),
        "{}",
        text(ops.get(&(2, ATTAINMENT)))
    );
    // ben has no weights: the plain mean.
    let support = &formulas["Customer Support"];
    assert_eq!(
        text(support.get(&(11, ATTAINMENT))),
        "IF(COUNT($J$9:$J$11)=0,\"\",SUM($J$9:$J$11)/COUNT($J$9:$J$11))"
    );
    // Cached results are those of an empty sheet, for programs that show without computing.
    assert_eq!(text(values["电商运营部"].get(&(1, MET))), "未填写");
    assert_eq!(text(values["Customer Support"].get(&(1, MET))), "missing");
    assert_eq!(text(values["Customer Support"].get(&(1, ATTAINMENT))), "");
    assert_eq!(text(formulas["Summary"].get(&(1, 5))), "'电商运营部'!$J$3");
    // The threshold beside the met column, in the handbook's words; the status compares with
    // the target, then the threshold (z-errors: lower is better, amber below 3 %), and is
    // green or red for a KPI without a threshold.
    assert_eq!(text(values["电商运营部"].get(&(4, THRESHOLD))), "低于 3%");
    assert_eq!(text(values["电商运营部"].get(&(3, THRESHOLD))), "");
    assert_eq!(
        text(ops.get(&(4, STATUS))),
        "IF(ISNUMBER(D5),IF(D5<2,\"绿\",IF(D5<3,\"黄\",\"红\")),\"\")"
    );
    assert_eq!(
        text(ops.get(&(3, STATUS))),
        "IF(ISNUMBER(D4),IF(D4>=2,\"绿\",\"红\"),\"\")"
    );
    assert_eq!(text(values["Customer Support"].get(&(1, STATUS))), "");
}

#[test]
fn protection_validation_freezing_and_print_setup() {
    let dir = fixture();
    let bytes = build(dir.path());
    let sheet = entry(&bytes, "xl/worksheets/sheet1.xml");
    // Protected without a password; columns and rows can be resized.
    assert!(
        sheet.contains("<sheetProtection sheet=\"1\" objects=\"1\" scenarios=\"1\" formatColumns=\"0\" formatRows=\"0\"/>"),
        "{sheet}"
    );
    assert!(!sheet.contains("password"));
    // The header row and the owner and KPI name columns frozen.
    assert!(
        sheet.contains("<pane xSplit=\"2\" ySplit=\"1\" topLeftCell=\"C2\" activePane=\"bottomRight\" state=\"frozen\"/>"),
        "{sheet}"
    );
    // A decimal validation on each of the 6 actual cells, inside the range when declared,
    // with an input message.
    assert_eq!(
        sheet.matches("<dataValidation type=\"decimal\"").count(),
        6,
        "{sheet}"
    );
    assert!(sheet.contains("promptTitle=\"实际值\" prompt=\"低于 2%。单位：%。越低越好。允许范围：0 至 100。百分数请直接填数值：95 表示 95%。\" sqref=\"D5\"><formula1>0</formula1><formula2>100</formula2>"), "{sheet}");
    assert!(sheet.contains("prompt=\"不少于 2 份。单位：份。越高越好。\" sqref=\"D4\"><formula1>-1E+307</formula1><formula2>1E+307</formula2>"), "{sheet}");
    let support = entry(&bytes, "xl/worksheets/sheet2.xml");
    assert!(
        support.contains("prompt=\"At least 10 tickets. Unit: tickets. Higher is better.\""),
        "{support}"
    );
    // Landscape, one page wide, the team in the page header, page numbers in the footer.
    assert!(sheet.contains("<pageSetUpPr fitToPage=\"1\"/>"), "{sheet}");
    assert!(sheet.contains("orientation=\"landscape\""), "{sheet}");
    assert!(sheet.contains("fitToHeight=\"0\""), "{sheet}");
    assert!(sheet.contains("<oddHeader>&amp;L电商运营部&amp;C&amp;\"-,Bold\"KPI 考核表&amp;R考核期：______________</oddHeader>"), "{sheet}");
    // The header row repeats on every printed page; the KPI ID column is not printed.
    let wb = entry(&bytes, "xl/workbook.xml");
    assert!(wb.contains("<definedName name=\"_xlnm.Print_Titles\" localSheetId=\"0\">电商运营部!$1:$1</definedName>"), "{wb}");
    assert!(wb.contains("<definedName name=\"_xlnm.Print_Area\" localSheetId=\"0\">电商运营部!$A$1:$N$10</definedName>"), "{wb}");
    // Only the actual cells' format is unlocked.
    let styles = entry(&bytes, "xl/styles.xml");
    assert_eq!(
        styles.matches("<protection locked=\"0\"/>").count(),
        1,
        "{styles}"
    );
    // Conditional formatting of met, not met and missing, and of green, amber and red.
    assert!(sheet.contains("<formula>$H2=\"达成\"</formula>"), "{sheet}");
    assert!(
        sheet.contains("<formula>$H2=\"未填写\"</formula>"),
        "{sheet}"
    );
    for word in ["绿", "黄", "红"] {
        assert!(
            sheet.contains(&format!("<formula>$I2=\"{word}\"</formula>")),
            "{sheet}"
        );
    }
}

#[test]
fn the_same_specs_give_the_same_bytes() {
    let first = fixture();
    let a = build(first.path());
    // Another folder, another second: nothing of either may reach the file.
    std::thread::sleep(Duration::from_millis(1_100));
    let second = fixture();
    let b = build(second.path());
    assert!(
        a == b,
        "the workbook differs between two builds of the same specs"
    );
    let core = entry(&a, "docProps/core.xml");
    assert!(
        core.contains(
            "<dcterms:created xsi:type=\"dcterms:W3CDTF\">2000-01-01T00:00:00Z</dcterms:created>"
        ),
        "{core}"
    );
    let mut zip = zip::ZipArchive::new(Cursor::new(&a)).unwrap();
    for i in 0..zip.len() {
        let f = zip.by_index(i).unwrap();
        let t = f.last_modified().unwrap();
        assert_eq!(
            (t.year(), t.month(), t.day(), t.hour(), t.minute()),
            (1980, 1, 1, 0, 0),
            "{:?}",
            f.name()
        );
    }
}

/// The formula-hostile strings of `tests/fixtures/hostile/formula.json`.
fn hostile() -> Vec<String> {
    let text =
        std::fs::read_to_string(common::repo_root().join("tests/fixtures/hostile/formula.json"))
            .unwrap();
    serde_json::from_str(&text).unwrap()
}

/// A workspace whose team, owner and duty names, KPI names, metrics and sources are the
/// hostile strings.
fn hostile_workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let q = |s: &str| serde_json::to_string(s).unwrap();
    let strings = hostile();
    let mut yaml = format!(
        "version: 1\nteam: {{id: red, name: {}, locale: en, review: monthly}}\nowners:\n",
        q(&strings[0])
    );
    for (i, s) in strings.iter().enumerate() {
        yaml.push_str(&format!("  - {{id: o{i}, name: {}}}\n", q(s)));
    }
    yaml.push_str(&format!(
        "duties:\n  - {{id: d, name: {}, owner: o0}}\nkpis:\n",
        q(&strings[1])
    ));
    for (i, s) in strings.iter().enumerate() {
        yaml.push_str(&format!(
            "  - {{id: k{i}, name: {s}, duty: d, owner: o{i}, metric: {s}, target: '>= 1 report', period: monthly, weight: 100, source: {s}}}\n",
            s = q(s)
        ));
    }
    write(dir.path(), "kpi-specs/red.yaml", yaml);
    dir
}

#[test]
fn user_text_is_always_text_never_a_formula_number_or_link() {
    let dir = hostile_workspace();
    let bytes = build(dir.path());
    let (names, values, formulas) = cells(&bytes);
    // The team named `=1+1` still names its sheet (nothing in it is special in a sheet name).
    assert_eq!(names, ["=1+1", "Summary"]);
    let strings = hostile();
    let mut seen = 0;
    for (sheet, v) in &values {
        for (pos, d) in v {
            if let Data::String(s) = d
                && strings.iter().any(|h| s == h)
            {
                seen += 1;
                assert!(
                    !formulas[sheet].contains_key(pos),
                    "{sheet}!{pos:?} holding {s:?} is a formula"
                );
            }
            // Text that a spreadsheet would read as a number, date or boolean stays text.
            if let Data::Float(_) | Data::Int(_) | Data::Bool(_) | Data::DateTime(_) = d {
                assert!(
                    pos.1 == WEIGHT || (sheet == "Summary" && (pos.1 == 3 || pos.1 == 4)),
                    "{sheet}!{pos:?} is a number: {d:?}"
                );
            }
        }
        // A formula may name the team's sheet (quoted, as a reference), nothing else of the specs.
        for f in formulas[sheet].values() {
            let Data::String(f) = f else { unreachable!() };
            let f = f.replace("'=1+1'!", "");
            for h in &strings {
                assert!(
                    !f.contains(h.trim()) || h.trim().len() < 3,
                    "{f} holds {h:?}"
                );
            }
        }
    }
    // Each string as owner name, KPI name, metric and source (and the two sheets' owner
    // columns), every time read back exactly as written.
    assert!(seen >= 4 * strings.len(), "{seen}");
    // No hyperlink anywhere.
    let mut zip = zip::ZipArchive::new(Cursor::new(&bytes)).unwrap();
    for i in 0..zip.len() {
        let name = zip.by_index(i).unwrap().name().unwrap().into_owned();
        assert!(
            !name.contains("rels") || !entry(&bytes, &name).contains("hyperlink"),
            "{name}"
        );
    }
    // `_x003D_` is not read back as `=`.
    assert!(
        values["=1+1"]
            .values()
            .any(|d| d == &Data::String("_x003D_1+1".into()))
    );
}

#[test]
fn csv_fields_with_a_semicolon_or_a_tab_are_quoted() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "kpi-specs/t.yaml",
        "version: 1\nteam: {id: t, name: T, review: monthly}\nowners: [{id: o, name: O}]\n\
         duties: [{id: d, name: D, owner: o}]\n\
         kpis:\n  - {id: k, name: K, duty: d, owner: o, metric: \"orders; returns\", target: '>= 1 x', period: monthly, weight: 100, source: \"system\\tA\"}\n",
    );
    build(dir.path());
    let csv = std::fs::read_to_string(dir.path().join("out/scorecards.csv")).unwrap();
    assert!(csv.contains(",\"orders; returns\","), "{csv}");
    assert!(csv.contains(",\"system\tA\","), "{csv}");
    // Split at commas, semicolons and tabs outside quotes (LibreOffice's import defaults), the
    // row is as wide as the header, so `actual` stays in its column.
    let split = |line: &str| {
        let mut n = 1;
        let mut quoted = false;
        for c in line.chars() {
            match c {
                '"' => quoted = !quoted,
                ',' | ';' | '\t' if !quoted => n += 1,
                _ => {}
            }
        }
        n
    };
    let widths: Vec<usize> = csv.lines().map(split).collect();
    assert_eq!(widths, [16, 16], "{csv}");
    assert_eq!(
        csv.lines().next().unwrap().split(',').nth(14),
        Some("actual")
    );
}

/// The workbook with `actuals` typed into its actual cells, as a spreadsheet saves it: the
/// sheet XML of each KPI's actual cell gets a value.
fn fill(bytes: &[u8], actuals: &[(&str, f64)]) -> Vec<u8> {
    let (names, values, _) = cells(bytes);
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let name = f.name().unwrap().into_owned();
        let mut body = Vec::new();
        f.read_to_end(&mut body).unwrap();
        let mut text = String::from_utf8(body).unwrap_or_default();
        if let Some(n) = name
            .strip_prefix("xl/worksheets/sheet")
            .and_then(|s| s.strip_suffix(".xml"))
        {
            let sheet = &values[&names[n.parse::<usize>().unwrap() - 1]];
            for (kpi, v) in actuals {
                let Some((&(row, _), _)) = sheet
                    .iter()
                    .find(|((_, c), d)| *c == KPI_ID && **d == Data::String((*kpi).into()))
                else {
                    continue;
                };
                let cell = format!("<c r=\"D{}\" s=\"", row + 1);
                let at = text.find(&cell).unwrap();
                let end = at + text[at..].find("/>").unwrap();
                text.replace_range(end..end + 2, &format!("><v>{v}</v></c>"));
            }
        }
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        out.write_all(text.as_bytes()).unwrap();
    }
    out.finish().unwrap().into_inner()
}

/// `kpic score --format json` with `args`, which must succeed.
fn score_json(dir: &Path, args: &[&str]) -> Value {
    let mut all = vec!["score", "--format", "json"];
    all.extend(args);
    let run = kpic(dir, &all);
    assert_eq!(run.code, 0, "{}", run.stderr);
    json_of(&run)
}

/// Per KPI `(met, attainment)` and per owner the score of a `kpic score` JSON.
fn results(v: &Value) -> (BTreeMap<String, (Value, Value)>, BTreeMap<String, Value>) {
    let kpis = v["kpis"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            (
                k["kpi_id"].as_str().unwrap().to_owned(),
                (k["met"].clone(), k["attainment"].clone()),
            )
        })
        .collect();
    let owners = v["owners"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["owner_id"].as_str().unwrap().to_owned(),
                o["score"].clone(),
            )
        })
        .collect();
    (kpis, owners)
}

fn close(a: &Value, b: f64) -> bool {
    a.as_f64().is_some_and(|a| (a - b).abs() < 1e-9)
}

#[test]
fn kpic_scores_the_workbook_it_wrote_once_filled_in() {
    let dir = fixture();
    let bytes = build(dir.path());
    write(dir.path(), "filled.xlsx", fill(&bytes, ACTUALS));
    let v = score_json(dir.path(), &["--actuals", "filled.xlsx"]);
    let (kpis, owners) = results(&v);
    assert_eq!(kpis.len(), ACTUALS.len());
    for (id, expected) in OWNER_SCORES {
        match expected {
            Some(e) => assert!(close(&owners[*id], *e), "{id}: {}", owners[*id]),
            None => assert!(owners[*id].is_null()),
        }
    }
    close(&kpis["k-higher"].1, 120.0);
    assert_eq!(
        kpis["k-none"],
        (Value::Bool(true), serde_json::json!(100.0))
    );
    // Rows are named with their sheet.
    let k = v["kpis"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kpi_id"] == "z-errors")
        .unwrap();
    assert_eq!(
        (k["row"].as_u64(), k["sheet"].as_str()),
        (Some(5), Some("电商运营部"))
    );
    // Missing: z-hours and b-rate, whose cells are empty.
    let missing: Vec<&str> = v["missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["kpi_id"].as_str().unwrap())
        .collect();
    assert_eq!(missing, ["z-hours", "b-rate"]);
}

/// A workbook as someone else made it: a notes sheet first, then a protected sheet whose
/// header is in row 3 under a title, with `actual` before `kpi_id`, numbers stored as text, a
/// met column whose cached formula results are wrong, and another sheet of the rest.
fn foreign_workbook() -> Vec<u8> {
    use rust_xlsxwriter::{Formula, Workbook};
    let mut wb = Workbook::new();
    let notes = wb.add_worksheet();
    notes.set_name("Notes").unwrap();
    notes.write_string(0, 0, "Actuals for March").unwrap();
    notes.write_string(1, 0, "actual").unwrap();
    let data = wb.add_worksheet();
    data.set_name("Data").unwrap();
    data.write_string(0, 0, "Q1 scorecard").unwrap();
    data.write_string(2, 0, "Actual").unwrap();
    data.write_string(2, 1, "Met (Excel)").unwrap();
    data.write_string(2, 2, "KPI_ID").unwrap();
    let rows: &[(&str, &str)] = &[
        ("15", "k-higher"),
        (" 30 ", "k-lower"),
        ("0", "k-zero"),
        ("1", "k-exact"),
    ];
    for (i, (actual, kpi)) in rows.iter().enumerate() {
        let r = 3 + i as u32;
        data.write_string(r, 0, *actual).unwrap();
        data.write_formula(r, 1, Formula::new("1/0").set_result("999"))
            .unwrap();
        data.write_string(r, 2, *kpi).unwrap();
    }
    data.protect();
    let more = wb.add_worksheet();
    more.set_name("More").unwrap();
    more.write_string(0, 0, "kpi_id").unwrap();
    more.write_string(0, 1, "actual").unwrap();
    more.write_string(1, 0, "k-none").unwrap();
    more.write_number(1, 1, 0).unwrap();
    more.write_string(2, 0, "k-percent").unwrap();
    more.write_number(2, 1, 97.5).unwrap();
    wb.save_to_buffer().unwrap()
}

#[test]
fn a_workbook_from_elsewhere_columns_in_any_order_protected_numbers_as_text() {
    let dir = fixture();
    write(dir.path(), "theirs.xlsx", foreign_workbook());
    let v = score_json(
        dir.path(),
        &["--actuals", "theirs.xlsx", "kpi-specs/support.yaml"],
    );
    let (kpis, owners) = results(&v);
    assert_eq!(kpis.len(), 6, "{v:#}");
    assert!(close(&kpis["k-lower"].1, 80.0));
    assert!(close(&kpis["k-percent"].1, 97.5 / 90.0 * 100.0));
    // The cached `999` of the met column is not read; the Notes sheet has no `kpi_id` column.
    assert!(close(&owners["ana"], OWNER_SCORES[0].1.unwrap()));
    let k = v["kpis"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kpi_id"] == "k-lower")
        .unwrap();
    assert_eq!(
        (k["row"].as_u64(), k["sheet"].as_str()),
        (Some(5), Some("Data"))
    );
}

#[test]
fn bad_rows_of_a_workbook_name_their_sheet() {
    let dir = fixture();
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut wb = Workbook::new();
    let a = wb.add_worksheet();
    a.set_name("A").unwrap();
    a.write_string(0, 0, "kpi_id").unwrap();
    a.write_string(0, 1, "actual").unwrap();
    a.write_string(1, 0, "k-higher").unwrap();
    a.write_number(1, 1, 15).unwrap();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    a.write_string(2, 0, "k-lower").unwrap();
    a.write_datetime_with_format(2, 1, ExcelDateTime::from_ymd(2026, 3, 4).unwrap(), &date)
        .unwrap();
    let b = wb.add_worksheet();
    b.set_name("B\u{1b}(31m").unwrap();
    b.write_string(0, 0, "kpi_id").unwrap();
    b.write_string(0, 1, "actual").unwrap();
    b.write_string(1, 0, "k-higher").unwrap();
    b.write_number(1, 1, 16).unwrap();
    write(dir.path(), "bad.xlsx", wb.save_to_buffer().unwrap());
    let run = kpic(dir.path(), &["score", "--actuals", "bad.xlsx"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(
        lines,
        [
            "bad.xlsx[A]:3: error: the actual `46085 (a date)` of KPI `k-lower` is not in the unit of its target; write the number alone, such as `46085`, in the target's unit",
            "bad.xlsx[B\\u{1b}(31m]:2: error: KPI `k-higher` is listed twice (first at row 2 of sheet `A`); keep one row per KPI",
            "kpic: error: 2 bad rows in `bad.xlsx`; nothing was scored",
        ]
    );
}

#[test]
fn workbooks_saved_by_libreoffice_as_ods_and_xls() {
    // Saved by LibreOffice 7.4 from the filled-in `scorecards.xlsx` of the fixture (the
    // LibreOffice test below writes them; they are kept so that this runs without it).
    let dir = fixture();
    let saved = common::repo_root().join("tests/fixtures/score/saved");
    for file in ["filled.ods", "filled.xls"] {
        let path = saved.join(file);
        let v = score_json(dir.path(), &["--actuals", path.to_str().unwrap()]);
        let (kpis, owners) = results(&v);
        assert_eq!(kpis.len(), ACTUALS.len(), "{file}");
        for (id, expected) in OWNER_SCORES {
            assert!(
                close(&owners[*id], expected.unwrap()),
                "{file} {id}: {}",
                owners[*id]
            );
        }
    }
}

#[test]
fn a_workbook_that_would_not_fit_in_memory_is_refused_before_it_is_read() {
    let dir = fixture();
    // A sheet XML stating 300 MiB: calamine would inflate it; kpic refuses from the directory.
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    for (name, body) in [
        ("[Content_Types].xml", "<Types/>"),
        ("xl/sharedStrings.xml", &"x".repeat(4321)),
    ] {
        zip.start_file(name, options).unwrap();
        zip.write_all(body.as_bytes()).unwrap();
    }
    let mut bytes = zip.finish().unwrap().into_inner();
    let mut patched = 0;
    for i in 0..bytes.len() - 4 {
        if bytes[i..i + 4] == 4321u32.to_le_bytes() {
            bytes[i..i + 4].copy_from_slice(&(300u32 << 20).to_le_bytes());
            patched += 1;
        }
    }
    assert!(patched >= 2);
    write(dir.path(), "bomb.xlsx", &bytes);
    refused_quickly(
        dir.path(),
        "bomb.xlsx",
        "unzipped it would be larger than 256 MiB",
    );
    // An `.ods` row of one value repeated over every column, a million times.
    let content = "<office:document-content><office:body><office:spreadsheet><table:table table:name=\"S\">\
                   <table:table-row table:number-rows-repeated=\"1000000\"><table:table-cell table:number-columns-repeated=\"16384\" office:value-type=\"float\" office:value=\"1\"/></table:table-row>\
                   </table:table></office:spreadsheet></office:body></office:document-content>";
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, body) in [
        ("mimetype", "application/vnd.oasis.opendocument.spreadsheet"),
        ("content.xml", content),
    ] {
        zip.start_file(name, options).unwrap();
        zip.write_all(body.as_bytes()).unwrap();
    }
    write(dir.path(), "bomb.ods", zip.finish().unwrap().into_inner());
    refused_quickly(
        dir.path(),
        "bomb.ods",
        "would take more than 256 MiB of memory",
    );
}

/// Asserts that `kpic score --actuals FILE` stops at once (exit 2) with a line holding `why`.
fn refused_quickly(dir: &Path, file: &str, why: &str) {
    let run = common::kpic_with(
        dir,
        &["score", "--actuals", file],
        common::Options {
            timeout: Some(Duration::from_secs(20)),
            ..Default::default()
        },
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains(why), "{}", run.stderr);
}

// ---------------------------------------------------------------------------------------------
// LibreOffice

/// Whether LibreOffice and Debian's Python with `uno` are installed.
fn have_libreoffice() -> bool {
    let ok = |cmd: &mut std::process::Command| {
        cmd.stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    ok(std::process::Command::new("soffice").arg("--version"))
        && ok(std::process::Command::new("/usr/bin/python3").args(["-c", "import uno"]))
}

/// A headless LibreOffice on a private profile, listening on a pipe; killed (its whole process
/// group) when dropped, whatever the test did.
struct Office {
    child: std::process::Child,
    pipe: String,
    _profile: tempfile::TempDir,
}

impl Office {
    fn start() -> Office {
        use std::os::unix::process::CommandExt;
        let profile = tempfile::tempdir().unwrap();
        let pipe = format!("kpic-test-{}", std::process::id());
        let child = std::process::Command::new("soffice")
            .args([
                "--headless",
                "--invisible",
                "--norestore",
                "--nologo",
                "--nodefault",
                &format!("-env:UserInstallation=file://{}", profile.path().display()),
                &format!("--accept=pipe,name={pipe};urp;"),
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap();
        Office {
            child,
            pipe,
            _profile: profile,
        }
    }
}

impl Drop for Office {
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        let _ = std::process::Command::new("kill")
            .args(["-KILL", "--", &group])
            .stderr(std::process::Stdio::null())
            .status();
        let _ = self.child.wait();
    }
}

/// Runs `cmd` in a process group of its own, killed whole if it takes longer than `limit`.
fn status_within(cmd: &mut std::process::Command, limit: Duration) -> std::process::ExitStatus {
    use std::os::unix::process::CommandExt;
    let mut child = cmd
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .process_group(0)
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return s;
        }
        if start.elapsed() > limit {
            let _ = std::process::Command::new("kill")
                .args(["-KILL", "--", &format!("-{}", child.id())])
                .status();
            let _ = child.wait();
            panic!("{cmd:?} did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Runs `tests/uno/scorecards.py` on `config` against `office`, within `limit`.
fn uno(office: &Office, mut config: Value, limit: Duration) -> Vec<Value> {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("result.json");
    config["pipe"] = office.pipe.clone().into();
    config["out"] = out.to_str().unwrap().into();
    let path = tmp.path().join("config.json");
    std::fs::write(&path, serde_json::to_vec(&config).unwrap()).unwrap();
    let script = common::repo_root().join("tests/uno/scorecards.py");
    let mut child = std::process::Command::new("/usr/bin/python3")
        .arg(script)
        .arg(&path)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("the LibreOffice script did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(status.success(), "the LibreOffice script failed:\n{err}");
    serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap()
}

/// The header labels of the columns the script reads, in every language.
fn labels() -> Value {
    use kpic::emit::i18n::Lang;
    let all = |f: &dyn Fn(&kpic::emit::i18n::SheetText) -> &'static str| -> Vec<&'static str> {
        Lang::ALL.iter().map(|l| f(l.sheet_text())).collect()
    };
    serde_json::json!({
        "kpi_id": ["kpi_id"],
        "actual": ["actual"],
        "met": all(&|t| t.met_header),
        "status": all(&|t| t.status_header),
        "attainment": all(&|t| t.attainment),
        "owner_id": all(&|t| t.summary_header[2]),
        "score": all(&|t| t.summary_header[5]),
    })
}

/// The fixture's `scorecards.csv` with [`ACTUALS`] in its actual column.
fn filled_csv(dir: &Path) -> PathBuf {
    let text = std::fs::read(dir.join("out/scorecards.csv")).unwrap();
    let actuals: Vec<(&str, String)> = ACTUALS.iter().map(|(k, v)| (*k, v.to_string())).collect();
    let path = dir.join("filled.csv");
    std::fs::write(&path, common::fill_scorecard_csv(&text, &actuals)).unwrap();
    path
}

#[test]
#[ignore = "needs LibreOffice: apt-get install libreoffice-calc-nogui python3-uno"]
fn libreoffice_computes_what_kpic_score_computes_and_reads_back_what_it_saves() {
    assert!(
        have_libreoffice(),
        "soffice or /usr/bin/python3 with uno is missing"
    );
    let dir = fixture();
    build(dir.path());
    let baseline = score_json(
        dir.path(),
        &["--actuals", filled_csv(dir.path()).to_str().unwrap()],
    );
    let (kpis, owners) = results(&baseline);
    let red = hostile_workspace();
    build(red.path());
    let saved = dir.path().join("saved");
    let actuals: serde_json::Map<String, Value> = ACTUALS
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).into()))
        .collect();
    let office = Office::start();
    let config = serde_json::json!({
        "workbooks": [
            {
                "path": dir.path().join("out/scorecards.xlsx"),
                "actuals": actuals,
                "save": saved,
                "labels": labels(),
                "hostile": [],
            },
            {
                "path": red.path().join("out/scorecards.xlsx"),
                "actuals": {},
                "labels": labels(),
                "hostile": hostile(),
                "import_csv": red.path().join("out/scorecards.csv"),
            }
        ]
    });
    let results_lo = uno(&office, config, Duration::from_secs(240));
    drop(office);
    let filled = &results_lo[0];
    assert_eq!(filled["problems"], serde_json::json!([]), "{filled:#}");
    assert_eq!(filled["typed"], ACTUALS.len());
    for sheet in filled["sheets"].as_array().unwrap() {
        assert_eq!(sheet["protected"], true, "{sheet}");
    }
    // Met and attainment, KPI by KPI, as `kpic score` computed them.
    let words = |met: &Value| -> Vec<&'static str> {
        use kpic::emit::i18n::Lang;
        Lang::ALL
            .iter()
            .map(|l| {
                let t = l.sheet_text();
                match met.as_bool() {
                    Some(true) => t.met,
                    Some(false) => t.not_met,
                    None => t.missing,
                }
            })
            .collect()
    };
    let lo_kpis = filled["kpis"].as_object().unwrap();
    for (id, (met, attainment)) in &kpis {
        let lo = &lo_kpis[id];
        assert!(
            words(met).contains(&lo["met"].as_str().unwrap()),
            "{id}: {lo} vs {met}"
        );
        assert!(
            close(&lo["attainment"], attainment.as_f64().unwrap()),
            "{id}: {lo} vs {attainment}"
        );
        // Green, amber or red as `kpic score` decided, in the sheet's words.
        let status = baseline["kpis"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["kpi_id"] == id.as_str())
            .map(|k| k["status"].clone())
            .unwrap();
        let status_words: Vec<&str> = kpic::emit::i18n::Lang::ALL
            .iter()
            .map(|l| {
                let [g, a, r] = l.sheet_text().status;
                match status.as_str() {
                    Some("green") => g,
                    Some("amber") => a,
                    Some("red") => r,
                    _ => "",
                }
            })
            .collect();
        assert!(
            status_words.contains(&lo["status"].as_str().unwrap()),
            "{id}: {lo} vs {status}"
        );
        assert_eq!(lo["validation"]["type"], "DECIMAL", "{id}");
        assert_eq!(lo["validation"]["show_input"], true, "{id}");
    }
    // The fixture's thresholds: amber in both directions, red below one.
    let status_of = |id: &str| {
        baseline["kpis"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["kpi_id"] == id)
            .map(|k| k["status"].as_str().unwrap_or("").to_owned())
            .unwrap()
    };
    assert_eq!(
        ["k-lower", "b-articles", "z-errors", "c-en", "k-higher"].map(status_of),
        ["amber", "amber", "amber", "red", "green"]
    );
    for missing in ["z-hours", "b-rate"] {
        assert!(words(&Value::Null).contains(&lo_kpis[missing]["met"].as_str().unwrap()));
        assert!(lo_kpis[missing]["attainment"].is_null());
    }
    // Each owner's weighted score, on the summary and on the team sheets (by name).
    for (id, score) in &owners {
        let lo = &filled["summary_scores"][id];
        assert!(close(lo, score.as_f64().unwrap()), "{id}: {lo} vs {score}");
    }
    let names: BTreeMap<String, String> = baseline["owners"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["owner_name"].as_str().unwrap().to_owned(),
                o["owner_id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    for (name, lo) in filled["team_scores"].as_object().unwrap() {
        assert!(
            close(lo, owners[&names[name]].as_f64().unwrap()),
            "{name}: {lo}"
        );
    }
    // What LibreOffice saved, read back by `kpic score`, scores the same.
    let same = |file: &Path, scope: &[&str]| {
        let mut args = vec!["--actuals", file.to_str().unwrap()];
        args.extend(scope);
        let v = score_json(dir.path(), &args);
        let (k, o) = results(&v);
        for (id, (met, att)) in &k {
            assert_eq!(met, &kpis[id].0, "{}: {id}", file.display());
            assert!(
                close(att, kpis[id].1.as_f64().unwrap()),
                "{}: {id}",
                file.display()
            );
        }
        (k, o)
    };
    for file in ["filled.xlsx", "filled.xlsm", "filled.ods", "filled.xls"] {
        let (k, o) = same(&saved.join(file), &[]);
        assert_eq!(k.len(), kpis.len(), "{file}");
        assert_eq!(o, owners, "{file}");
    }
    // CSV: one sheet a file (UTF-8), and LibreOffice's default (the first sheet, in its
    // default character set, which is not UTF-8 here: the Chinese headers are lost, the
    // machine names under them are not).
    let run = kpic(
        dir.path(),
        &[
            "score",
            "--actuals",
            saved.join("filled-default.csv").to_str().unwrap(),
            "kpi-specs/ops.yaml",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let (k, _) = same(&saved.join("filled-default.csv"), &["kpi-specs/ops.yaml"]);
    assert_eq!(k.len(), 5);
    let (k, _) = same(
        &saved.join("filled-utf8-电商运营部.csv"),
        &["kpi-specs/ops.yaml"],
    );
    assert_eq!(k.len(), 5);
    let (k, _) = same(
        &saved.join("filled-utf8-Customer Support.csv"),
        &["kpi-specs/support.yaml"],
    );
    assert_eq!(k.len(), 9);
    // Keep what LibreOffice saved as the fixtures the test above reads without it.
    if std::env::var_os("KPIC_UPDATE_FIXTURES").is_some() {
        let keep = common::repo_root().join("tests/fixtures/score/saved");
        for file in ["filled.ods", "filled.xls"] {
            std::fs::create_dir_all(&keep).unwrap();
            std::fs::copy(saved.join(file), keep.join(file)).unwrap();
        }
    }
    // The hostile workbook: no cell holding user text is a formula or holds a link, every
    // cell but the actuals is locked; its CSV, split at commas, semicolons and tabs, keeps
    // every row as wide as the header.
    let red_lo = &results_lo[1];
    assert_eq!(red_lo["problems"], serde_json::json!([]), "{red_lo:#}");
    let formulas = red_lo["formula_cells"].as_array().unwrap();
    assert!(!formulas.is_empty());
    for f in formulas {
        let col = f["col"].as_u64().unwrap() as u32;
        let on_summary = f["sheet"] == "Summary";
        assert!(
            if on_summary {
                col == 5
            } else {
                col == MET || col == STATUS || col == ATTAINMENT
            },
            "{f}"
        );
    }
    // Nothing shifted right: no row wider than the header, nothing in the empty actual column.
    let widths = red_lo["csv_widths"].as_array().unwrap();
    assert!(
        widths.iter().all(|w| w.as_u64() <= widths[0].as_u64()),
        "{red_lo:#}"
    );
    assert_eq!(red_lo["csv_header"][14], "actual");
    let actual = red_lo["csv_actual_column"].as_array().unwrap();
    assert_eq!(actual.len(), hostile().len());
    assert!(actual.iter().all(|a| a == ""), "{red_lo:#}");
}

#[test]
#[ignore = "needs LibreOffice: apt-get install libreoffice-calc-nogui poppler-utils fonts-noto-cjk"]
fn the_team_sheets_print_one_page_wide() {
    // Renders the workbook through LibreOffice (PDF, then PNG with pdftoppm) into
    // `target/xlsx-render/` for a person to look at, and checks the pages: landscape A4, one
    // page per sheet (each fits one page wide, and these are short).
    assert!(have_libreoffice(), "soffice is missing");
    let dir = fixture();
    build(dir.path());
    let render = common::repo_root().join("target/xlsx-render");
    let _ = std::fs::remove_dir_all(&render);
    std::fs::create_dir_all(&render).unwrap();
    let profile = tempfile::tempdir().unwrap();
    let convert = status_within(
        std::process::Command::new("soffice").args([
            "--headless",
            "--invisible",
            "--norestore",
            &format!("-env:UserInstallation=file://{}", profile.path().display()),
            "--convert-to",
            "pdf",
            "--outdir",
            render.to_str().unwrap(),
            dir.path().join("out/scorecards.xlsx").to_str().unwrap(),
        ]),
        Duration::from_secs(120),
    );
    assert!(convert.success());
    let pdf = render.join("scorecards.pdf");
    let info = std::process::Command::new("pdfinfo")
        .arg(&pdf)
        .output()
        .unwrap();
    let info = String::from_utf8(info.stdout).unwrap();
    assert!(info.contains("Pages:           3"), "{info}");
    assert!(info.contains("841.89 x 595."), "{info}");
    let png = std::process::Command::new("pdftoppm")
        .args([
            "-r",
            "80",
            "-png",
            pdf.to_str().unwrap(),
            render.join("page").to_str().unwrap(),
        ])
        .status()
        .unwrap();
    assert!(png.success());
    assert!(render.join("page-1.png").is_file());
}
