//! Regressions found by trying kpic as its users would: specs written from scratch, in
//! Chinese and English, with the mistakes new users make. Each test runs the real binary in
//! a temporary folder.

use std::path::Path;
use std::process::{Command, Output};

use tempfile::TempDir;

/// A workspace of one spec file, `kpi-specs/team.yaml`.
fn workspace(spec: &str) -> TempDir {
    let dir = TempDir::new().unwrap();
    std::fs::create_dir(dir.path().join("kpi-specs")).unwrap();
    std::fs::write(dir.path().join("kpi-specs/team.yaml"), spec).unwrap();
    dir
}

/// Runs kpic in `dir`.
fn kpic(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kpic"))
        .args(args)
        .current_dir(dir)
        .env_remove("GITHUB_ACTIONS")
        .output()
        .unwrap()
}

/// A Chinese team whose KPIs have the given targets (one KPI each, equal weights).
fn zh_spec(targets: &[&str]) -> String {
    let mut spec = String::from(
        "version: 1\nteam: {id: wh, name: 仓储部, locale: zh-CN, review: quarterly}\n\
         owners: [{id: wu-ting, name: 吴婷}]\n\
         duties: [{id: stock, name: 库存管理, owner: wu-ting}]\nkpis:\n",
    );
    let weight = 100 / targets.len();
    for (i, target) in targets.iter().enumerate() {
        let weight = if i == 0 {
            100 - weight * (targets.len() - 1)
        } else {
            weight
        };
        spec.push_str(&format!(
            "  - {{id: k{i}, name: 指标{i}, duty: stock, owner: wu-ting, metric: 计数, \
             source: WMS, period: monthly, weight: {weight}, target: \"{target}\"}}\n"
        ));
    }
    spec
}

/// The `kpis.json` targets (`op value unit`) after `kpic build`.
fn built_targets(dir: &Path) -> Vec<String> {
    let out = kpic(dir, &["build", "--out", "dist"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let model: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("dist/kpis.json")).unwrap())
            .unwrap();
    model["kpis"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            let t = &k["target"];
            format!("{} {} {}", t["op"], t["value"], t["unit"])
        })
        .collect()
}

#[test]
fn full_width_punctuation_and_quotes_are_not_part_of_a_unit() {
    let dir = workspace(&zh_spec(&["≥95%，", "“不少于2份”", "低于3%。"]));
    assert_eq!(
        built_targets(dir.path()),
        [r#"">=" 95 "%""#, r#"">=" 2 "份""#, r#""<" 3 "%""#]
    );
}

#[test]
fn a_chinese_handbook_spells_duration_units_in_chinese() {
    let dir = workspace(&zh_spec(&["不超过48小时", "30分钟内"]));
    built_targets(dir.path());
    let handbook = std::fs::read_to_string(dir.path().join("dist/handbook.md")).unwrap();
    // Written the same way: no repetition in parentheses.
    assert!(handbook.contains("| 不超过 48 小时 |"), "{handbook}");
    assert!(
        handbook.contains("| 不超过 30 分钟（30分钟内） |"),
        "{handbook}"
    );
    assert!(!handbook.contains(" h ") && !handbook.contains(" min "));
}

#[test]
fn a_growth_target_gets_a_help_that_moves_the_change_into_the_metric() {
    let dir = workspace(&zh_spec(&["同比增长10%"]));
    let out = kpic(dir.path(), &["check", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let d = &report["diagnostics"][0];
    assert_eq!(d["code"], "M001");
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(6), Some(117))
    );
    let help = d["help"].as_str().unwrap();
    assert!(
        help.contains("`10%以上`") && help.contains("`metric`"),
        "{help}"
    );
}

#[test]
fn a_full_width_colon_is_reported_on_its_own_line_with_a_help() {
    let spec = "version: 1\nteam: {id: hr, name: 人力资源部, review: quarterly}\n\
                owners: [{id: ma-jun, name: 马骏}]\nkpis:\n  - id: time-to-hire\n    \
                name: 招聘周期\n    owner：ma-jun\n    target: 30天内\n";
    let dir = workspace(spec);
    let out = kpic(dir.path(), &["check", "--format", "compact"]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    // `owner：ma-jun` is line 7; the parser itself stops a line later.
    assert!(
        stdout.starts_with("kpi-specs/team.yaml:7:10: error[E001] invalid YAML"),
        "{stdout}"
    );
    let out = kpic(dir.path(), &["check", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        report["diagnostics"][0]["help"],
        "`owner：` has a full-width colon: write `owner: ` with an ASCII colon and a space"
    );
}

#[test]
fn a_chinese_target_without_a_unit_gets_a_chinese_help() {
    let mut spec = zh_spec(&["不少于8", "90以上"]);
    spec = spec.replacen("metric: 计数", "metric: 员工人均培训小时数", 1);
    spec = spec.replacen("metric: 计数", "metric: 培训满意率", 1);
    let dir = workspace(&spec);
    let out = kpic(dir.path(), &["check", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let helps: Vec<&str> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            assert_eq!(d["code"], "M002");
            d["help"].as_str().unwrap()
        })
        .collect();
    assert_eq!(
        helps,
        [
            "add the unit the metric is counted in, e.g. `不少于8小时`",
            "add the unit the metric is counted in, e.g. `90%以上`"
        ]
    );
}

#[test]
fn the_readme_suppression_example_silences_what_it_names() {
    let readme = include_str!("../README.md");
    let at = readme.find("  - id: weekly-report\n").unwrap();
    let example = &readme[at..at + readme[at..].find("```").unwrap()];
    let spec = format!(
        "version: 1\nteam: {{id: hr, name: HR, review: quarterly}}\n\
         owners: [{{id: kim, name: Kim}}]\nduties: [{{id: reporting, name: Reporting, owner: kim}}]\n\
         kpis:\n{example}    name: Weekly report\n    duty: reporting\n    owner: kim\n    \
         period: weekly\n    source: HR drive\n"
    );
    let dir = workspace(&spec);
    let out = kpic(dir.path(), &["check", "--format", "compact"]);
    assert_eq!(
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).as_ref()
        ),
        (Some(0), ""),
        "{spec}"
    );
    // Without the comments, both findings are there.
    let bare: String = spec
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .map(|l| l.split("   # kpic").next().unwrap().to_owned() + "\n")
        .collect();
    std::fs::write(dir.path().join("kpi-specs/team.yaml"), bare).unwrap();
    let out = kpic(dir.path(), &["check", "--format", "compact"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("warning[S002]") && stdout.contains("warning[M002]"),
        "{stdout}"
    );
}

#[test]
fn a_name_that_starts_with_a_vague_word_gets_the_name_without_it() {
    let spec = zh_spec(&["不低于4次"]).replace("name: 指标0", "name: 提升库存周转率");
    let dir = workspace(&spec);
    let out = kpic(dir.path(), &["check", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let d = &report["diagnostics"][0];
    assert_eq!(d["code"], "S002");
    assert_eq!(
        d["help"],
        "say exactly what is counted and leave the direction to `target`, e.g. \
         `name: 库存周转率`: `target: 不低于4次` gives the direction"
    );
}

#[test]
fn a_chinese_handbook_uses_chinese_punctuation() {
    let spec = zh_spec(&["90%以上"])
        .replace(
            "{id: wu-ting, name: 吴婷}",
            "{id: wu-ting, name: 吴婷, title: 库存主管}",
        )
        .replace("review: quarterly}", "review: quarterly, lead: wu-ting}")
        .replace("period: monthly", "period: monthly, due: P5D");
    let dir = workspace(&spec);
    built_targets(dir.path());
    let handbook = std::fs::read_to_string(dir.path().join("dist/handbook.md")).unwrap();
    for line in [
        "- **负责人：** 吴婷（库存主管）",
        "**责任人：** 吴婷",
        "| 不少于 90%（90%以上） | 每月；每个周期开始后 5 天内 |",
        "A = 负责（职责或其某项 KPI 的责任人），R = 协作（参与完成其某项 KPI）。",
    ] {
        assert!(handbook.contains(line), "{line}\n{handbook}");
    }
    // No half-width punctuation next to Chinese text.
    let cjk = |c: char| ('\u{4e00}'..='\u{9fff}').contains(&c);
    for pair in handbook.chars().collect::<Vec<_>>().windows(2) {
        let half = |c: char| matches!(c, ',' | ';' | ':' | '(' | ')');
        assert!(
            !(cjk(pair[0]) && half(pair[1]) || half(pair[0]) && cjk(pair[1])),
            "`{}{}` in\n{handbook}",
            pair[0],
            pair[1]
        );
    }
}

#[test]
fn a_target_that_names_its_measure_first_gets_the_comparison_alone() {
    let dir = workspace(&zh_spec(&["客户满意度不低于90%"]));
    let out = kpic(dir.path(), &["check", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let d = &report["diagnostics"][0];
    assert_eq!(d["code"], "M001");
    assert_eq!(
        d["message"],
        "the target of KPI `k0` is not measurable: `客户满意度不低于90%` names the measure before the comparison"
    );
    assert_eq!(
        d["help"],
        "write only the comparison, `target: 不低于90%`, and say what is measured in `metric`"
    );
}

#[test]
fn a_count_already_met_gets_a_whole_number_to_aim_for() {
    let spec = zh_spec(&["不低于4次"]).replace("period: monthly", "period: monthly, baseline: 5");
    let dir = workspace(&spec);
    let out = kpic(dir.path(), &["check", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let d = &report["diagnostics"][0];
    assert_eq!(d["code"], "A003");
    assert_eq!(
        d["help"],
        "set a target above the baseline, e.g. `\">= 6 次\"`, or update `baseline` if it is out of date"
    );
}

#[test]
fn weights_written_as_fractions_get_a_help_in_percent() {
    let spec = zh_spec(&["不低于4次", "不低于5次"])
        .replace("weight: 50", "weight: 0.6")
        .replacen("weight: 0.6", "weight: 0.4", 1);
    let dir = workspace(&spec);
    let out = kpic(dir.path(), &["check", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let d = &report["diagnostics"][0];
    assert_eq!(d["code"], "R003");
    assert_eq!(
        d["message"],
        "the KPI weights of owner `wu-ting` sum to 1, not 100"
    );
    assert_eq!(
        d["help"],
        "weights are percentages of the scorecard: write `k0` 40, `k1` 60 (now `k0` 0.4, `k1` 0.6)"
    );
}

#[test]
fn a_passed_due_date_of_a_recurring_kpi_gets_a_duration_as_help() {
    let spec =
        zh_spec(&["不低于4次"]).replace("period: monthly", "period: monthly, due: 2025-01-31");
    let dir = workspace(&spec);
    let out = kpic(
        dir.path(),
        &["check", "--format", "json", "--today", "2026-11-26"],
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let d = &report["diagnostics"][0];
    assert_eq!(d["code"], "T002");
    assert_eq!(
        d["help"],
        "set a new `due` date after 2026-11-26, or a deadline within each `monthly` period such as `due: P5D`"
    );
}

#[test]
fn human_help_never_breaks_an_id_at_its_hyphen() {
    let spec = "version: 1\nteam: {id: wh, name: 仓储部, review: quarterly, lead: zhou-qiang}\n\
                owners: [{id: zhou-qiang, name: 周强}]\nduties:\n  - id: safety\n    name: 安全\n";
    let dir = workspace(spec);
    let out = kpic(dir.path(), &["check", "--select", "O002"]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    // At the default width the help wraps right where the ID is.
    assert!(stdout.contains("(the team lead is\n"), "{stdout}");
    assert!(stdout.contains("`zhou-qiang`)"), "{stdout}");
}

#[test]
fn a_due_date_that_is_not_in_the_calendar_is_reported() {
    for (due, findings) in [
        ("2026-13-01", 1),
        ("2027-02-30", 1),
        ("2028-02-29", 0),
        ("P5D", 0),
    ] {
        let spec = zh_spec(&["不低于4次"])
            .replace("period: monthly", &format!("period: monthly, due: {due}"));
        let dir = workspace(&spec);
        let out = kpic(
            dir.path(),
            &["check", "--format", "json", "--today", "2026-01-01"],
        );
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let diagnostics = report["diagnostics"].as_array().unwrap();
        assert_eq!(diagnostics.len(), findings, "{due}: {diagnostics:#?}");
        if let Some(d) = diagnostics.first() {
            assert_eq!(d["code"], "T001");
            assert_eq!(
                d["message"],
                format!("KPI `k0` has no due date: `{due}` is not a day of the calendar")
            );
            assert_eq!(out.status.code(), Some(1));
        }
    }
}

#[test]
fn an_unquoted_comparison_is_pointed_at_with_quotes_as_help() {
    let spec = "version: 1\nteam: {id: t, name: T, review: quarterly}\nkpis:\n  - id: k\n    \
                name: K\n    target: >= 95%\n    period: monthly\n";
    let dir = workspace(spec);
    let out = kpic(dir.path(), &["check", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let d = &report["diagnostics"][0];
    assert_eq!(d["code"], "E001");
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(6), Some(13))
    );
    assert_eq!(
        d["help"],
        "a value that starts with `>` must be quoted: write `target: \">= 95%\"`"
    );
}

#[test]
fn a_target_in_chinese_numerals_gets_digits_as_help() {
    let dir = workspace(&zh_spec(&["两天内"]));
    let out = kpic(dir.path(), &["check", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let d = &report["diagnostics"][0];
    assert_eq!(d["code"], "M001");
    assert_eq!(
        d["message"],
        "the target of KPI `k0` is not measurable: `两天内` writes its number in Chinese numerals"
    );
    assert_eq!(d["help"], "write the number in digits: `target: 2天内`");
}

#[test]
fn an_actual_in_another_unit_is_told_so() {
    let dir = workspace(&zh_spec(&["不低于95%"]));
    built_targets(dir.path());
    std::fs::write(dir.path().join("q1.csv"), "kpi_id,actual\nk0,22 h\n").unwrap();
    let out = kpic(dir.path(), &["score", "--actuals", "q1.csv"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.starts_with(
            "q1.csv:2: error: the actual `22 h` of KPI `k0` is not in the unit of its target; \
             write the number alone, such as `22`, in the target's unit\n"
        ),
        "{stderr}"
    );
}
