//! `kpic diff` as text for a terminal (`human`) and for a pull request comment or
//! `$GITHUB_STEP_SUMMARY` (`markdown`: a heading per team, a table per person), each team
//! worded in its language.

use serde_json::Value;

use super::{FieldChange, Finding, ItemDiff, PolicyDiff, TeamDiff};
use crate::diagnostic::printable;
use crate::emit::Lang;
use crate::emit::markdown::{code_span, flatten, header, inline, row};

/// The fixed words of a diff in one language.
struct Words {
    title: &'static str,
    no_change: &'static str,
    team: &'static str,
    no_owner: &'static str,
    duties: &'static str,
    team_fields: &'static str,
    added: &'static str,
    removed: &'static str,
    changed: &'static str,
    owners_added: &'static str,
    owners_removed: &'static str,
    introduced: &'static str,
    fixed: &'static str,
    item: &'static str,
    change: &'static str,
    before: &'static str,
    after: &'static str,
    harder: &'static str,
    easier: &'static str,
    direction: &'static str,
    none: &'static str,
}

const EN: Words = Words {
    title: "Policy changes",
    no_change: "No change to the policy or its findings.",
    team: "Team",
    no_owner: "KPIs without an owner",
    duties: "Duties",
    team_fields: "The team",
    added: "added",
    removed: "removed",
    changed: "changed",
    owners_added: "Owners added",
    owners_removed: "Owners removed",
    introduced: "Findings introduced",
    fixed: "Findings fixed",
    item: "KPI",
    change: "Change",
    before: "Before",
    after: "After",
    harder: "harder",
    easier: "easier",
    direction: "changed direction",
    none: "—",
};

const ZH_CN: Words = Words {
    title: "政策变更",
    no_change: "政策与检查结果均无变化。",
    team: "团队",
    no_owner: "无负责人的 KPI",
    duties: "职责",
    team_fields: "团队信息",
    added: "新增",
    removed: "删除",
    changed: "修改",
    owners_added: "新增人员",
    owners_removed: "移除人员",
    introduced: "新增问题",
    fixed: "已修复问题",
    item: "KPI",
    change: "变更",
    before: "原值",
    after: "新值",
    harder: "更难",
    easier: "更容易",
    direction: "方向改变",
    none: "—",
};

fn words(lang: Lang) -> &'static Words {
    match lang {
        Lang::En => &EN,
        Lang::ZhCn => &ZH_CN,
    }
}

/// A field's name in a language.
fn field_name(field: &str, lang: Lang) -> &str {
    if lang == Lang::En {
        return field;
    }
    match field {
        "name" => "名称",
        "team" => "团队",
        "duty" => "职责",
        "owner" => "负责人",
        "contributors" => "协作人",
        "metric" => "指标口径",
        "target" => "目标",
        "baseline" => "基线",
        "range" => "范围",
        "period" => "周期",
        "due" => "截止",
        "weight" => "权重",
        "source" => "数据来源",
        "formula" => "公式",
        "description" => "说明",
        "review" => "考核周期",
        "lead" => "负责人（团队）",
        "locale" => "语言",
        other => other,
    }
}

fn status_word(status: &str, w: &Words) -> &'static str {
    match status {
        "added" => w.added,
        "removed" => w.removed,
        _ => w.changed,
    }
}

fn effect_word(effect: &str, w: &Words) -> &'static str {
    match effect {
        "harder" => w.harder,
        "easier" => w.easier,
        _ => w.direction,
    }
}

/// A value as a reader writes it: a target as written, a list joined, nothing as `—`.
fn value_text(v: &Value, w: &Words) -> String {
    match v {
        Value::Null => w.none.to_owned(),
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Array(items) if items.is_empty() => w.none.to_owned(),
        Value::Array(items) => items
            .iter()
            .map(|i| value_text(i, w))
            .collect::<Vec<_>>()
            .join(", "),
        Value::Object(o) => match o.get("text").and_then(Value::as_str) {
            Some(t) => t.to_owned(),
            None => serde_json::to_string(v).unwrap_or_default(),
        },
    }
}

fn person_heading(t: &TeamDiff, p: &super::PersonDiff) -> String {
    match &p.owner {
        Some(o) if o.name != o.id => format!("{} ({})", o.name, o.id),
        Some(o) => o.id.clone(),
        None => words(t.lang).no_owner.to_owned(),
    }
}

fn team_heading(t: &TeamDiff) -> String {
    let w = words(t.lang);
    let mut s = match &t.id {
        Some(id) if *id != t.name => format!("{} {} ({id})", w.team, t.name),
        Some(id) => format!("{} {id}", w.team),
        None => w.no_owner.to_owned(),
    };
    if let Some(status) = t.status {
        s.push_str(&format!(" [{}]", status_word(status, w)));
    }
    s
}

/// Fields that name owners: their IDs are shown as names.
const PEOPLE: &[&str] = &["owner", "lead", "contributors", "consulted", "informed"];

/// A field's value for a reader: owners by name.
fn shown(field: &str, v: &Value, d: &PolicyDiff, w: &Words) -> String {
    if !PEOPLE.contains(&field) {
        return value_text(v, w);
    }
    let name = |v: &Value| match v.as_str() {
        Some(id) => d.names.get(id).cloned().unwrap_or_else(|| id.to_owned()),
        None => value_text(v, w),
    };
    match v {
        Value::Array(items) if !items.is_empty() => {
            items.iter().map(name).collect::<Vec<_>>().join(", ")
        }
        _ => name(v),
    }
}

/// One line per field change: `target: >= 2 份 → >= 3 份 (harder)`; for an added or removed
/// item, the value it has or had: `weight: 30`.
fn change_line(c: &FieldChange, status: &str, d: &PolicyDiff, lang: Lang) -> String {
    let w = words(lang);
    let (from, to) = (shown(&c.field, &c.from, d, w), shown(&c.field, &c.to, d, w));
    let mut s = match status {
        "added" => format!("{}: {to}", field_name(&c.field, lang)),
        "removed" => format!("{}: {from}", field_name(&c.field, lang)),
        _ => format!("{}: {from} → {to}", field_name(&c.field, lang)),
    };
    if let Some(e) = c.effect {
        s.push_str(&format!(" ({})", effect_word(e, w)));
    }
    s
}

fn sign(status: &str) -> char {
    match status {
        "added" => '+',
        "removed" => '-',
        _ => '~',
    }
}

fn finding_line(f: &Finding) -> String {
    format!("{} {}:{}: {}", f.code, f.file, f.line, f.message)
}

/// The diff for a terminal.
pub fn human(d: &PolicyDiff) -> String {
    let p = |s: String| printable(s);
    let mut out = format!(
        "{}: {} → {}\n",
        EN.title,
        p(d.base.clone()),
        p(d.head.clone())
    );
    if d.is_empty() {
        out.push_str(&format!("{}\n", EN.no_change));
        return out;
    }
    let item = |out: &mut String, i: &ItemDiff, lang: Lang, indent: &str| {
        let label = if i.name == i.id {
            i.id.clone()
        } else {
            format!("{} {}", i.id, i.name)
        };
        out.push_str(&format!("{indent}{} {}\n", sign(i.status), p(label)));
        for c in &i.changes {
            out.push_str(&format!(
                "{indent}    {}\n",
                p(change_line(c, i.status, d, lang))
            ));
        }
    };
    for t in &d.teams {
        let w = words(t.lang);
        out.push_str(&format!("\n{}\n", p(team_heading(t))));
        for c in &t.changes {
            out.push_str(&format!(
                "  {}: {}\n",
                w.team_fields,
                p(change_line(c, "changed", d, t.lang))
            ));
        }
        for person in &t.people {
            out.push_str(&format!("  {}\n", p(person_heading(t, person))));
            for k in &person.kpis {
                item(&mut out, k, t.lang, "    ");
            }
        }
        if !t.duties.is_empty() {
            out.push_str(&format!("  {}\n", w.duties));
            for duty in &t.duties {
                item(&mut out, duty, t.lang, "    ");
            }
        }
    }
    for (title, list) in [
        (EN.owners_added, &d.owners_added),
        (EN.owners_removed, &d.owners_removed),
    ] {
        if !list.is_empty() {
            let names: Vec<String> = list
                .iter()
                .map(|o| format!("{} ({})", o.name, o.id))
                .collect();
            out.push_str(&format!("\n{title}: {}\n", p(names.join(", "))));
        }
    }
    for (title, mark, list) in [
        (EN.introduced, '+', &d.findings_introduced),
        (EN.fixed, '-', &d.findings_fixed),
    ] {
        if !list.is_empty() {
            out.push_str(&format!("\n{title} ({})\n", list.len()));
            for f in list {
                out.push_str(&format!("  {mark} {}\n", p(finding_line(f))));
            }
        }
    }
    out
}

/// Markdown: a text cell (flattened, escaped).
fn cell(s: &str) -> String {
    inline(&flatten(s))
}

/// The diff as Markdown: a heading per team, a table per person, the findings as lists. The
/// document's own headings are in the language of the first team with a change.
pub fn markdown(d: &PolicyDiff) -> String {
    let doc_lang = d.teams.first().map_or(Lang::En, |t| t.lang);
    let dw = words(doc_lang);
    let mut out = format!(
        "## {}: {} → {}\n\n",
        dw.title,
        code_span(&flatten(&d.base)),
        code_span(&flatten(&d.head))
    );
    if d.is_empty() {
        out.push_str(&format!("{}\n", dw.no_change));
        return out;
    }
    let table = |out: &mut String, items: &[ItemDiff], lang: Lang, first: &str| {
        let w = words(lang);
        out.push_str(&header(&[first, w.change, w.before, w.after], &[]));
        for i in items {
            let label = if i.name == i.id {
                code_span(&flatten(&i.id))
            } else {
                format!("{} ({})", cell(&i.name), code_span(&flatten(&i.id)))
            };
            if i.status != "changed" {
                out.push_str(&row(&[
                    label.clone(),
                    status_word(i.status, w).to_owned(),
                    String::new(),
                    String::new(),
                ]));
            }
            for (n, c) in i.changes.iter().enumerate() {
                let mut what = cell(field_name(&c.field, lang));
                if let Some(e) = c.effect {
                    what.push_str(&format!(" ({})", effect_word(e, w)));
                }
                let first = n == 0 && i.status == "changed";
                out.push_str(&row(&[
                    if first { label.clone() } else { String::new() },
                    what,
                    cell(&shown(&c.field, &c.from, d, w)),
                    cell(&shown(&c.field, &c.to, d, w)),
                ]));
            }
        }
        out.push('\n');
    };
    for t in &d.teams {
        let w = words(t.lang);
        out.push_str(&format!("### {}\n\n", cell(&team_heading(t))));
        if !t.changes.is_empty() {
            out.push_str(&format!("#### {}\n\n", w.team_fields));
            out.push_str(&header(&[w.change, w.before, w.after], &[]));
            for c in &t.changes {
                out.push_str(&row(&[
                    cell(field_name(&c.field, t.lang)),
                    cell(&shown(&c.field, &c.from, d, w)),
                    cell(&shown(&c.field, &c.to, d, w)),
                ]));
            }
            out.push('\n');
        }
        for person in &t.people {
            out.push_str(&format!("#### {}\n\n", cell(&person_heading(t, person))));
            table(&mut out, &person.kpis, t.lang, w.item);
        }
        if !t.duties.is_empty() {
            out.push_str(&format!("#### {}\n\n", w.duties));
            table(&mut out, &t.duties, t.lang, w.duties);
        }
    }
    for (title, list) in [
        (dw.owners_added, &d.owners_added),
        (dw.owners_removed, &d.owners_removed),
    ] {
        if !list.is_empty() {
            out.push_str(&format!("### {title}\n\n"));
            for o in list {
                out.push_str(&format!(
                    "- {} ({})\n",
                    cell(&o.name),
                    code_span(&flatten(&o.id))
                ));
            }
            out.push('\n');
        }
    }
    for (title, list) in [
        (dw.introduced, &d.findings_introduced),
        (dw.fixed, &d.findings_fixed),
    ] {
        if !list.is_empty() {
            out.push_str(&format!("### {title} ({})\n\n", list.len()));
            for f in list {
                out.push_str(&format!(
                    "- {} {}:{}: {}\n",
                    code_span(f.code),
                    code_span(&flatten(&f.file)),
                    f.line,
                    cell(&f.message)
                ));
            }
            out.push('\n');
        }
    }
    out
}
