//! The generator of synthetic workspaces for the benchmark (`bench/bench.rs`) and for
//! `tests/parallel.rs`: valid specs in the DESIGN format with Chinese text, 20 KPIs a file with
//! their team, owners and duties, about 500 bytes a KPI, and defects in about 3 % of KPIs.

use std::fmt::Write as _;
use std::path::Path;

use rayon::prelude::*;

/// KPIs per spec file.
pub const KPIS_PER_FILE: usize = 20;
/// Owners per spec file (each accountable for 5 KPIs of weight 20).
const OWNERS_PER_FILE: usize = 4;
/// Duties per spec file.
const DUTIES_PER_FILE: usize = 4;
/// One KPI in this many carries a defect (about 3 %).
const DEFECT_EVERY: u64 = 33;
/// One file in this many also declares an owner of the file before it (E003 across files).
const SHARED_OWNER_EVERY: usize = 97;

/// A small deterministic pseudo-random generator (xorshift), so that every run writes the same
/// workspace.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next() % items.len() as u64) as usize]
    }
}

/// Given names in pinyin and characters.
const PEOPLE: &[(&str, &str)] = &[
    ("wang-fang", "王芳"),
    ("li-na", "李娜"),
    ("chen-jie", "陈杰"),
    ("zhang-min", "张敏"),
    ("zhao-lei", "赵磊"),
    ("liu-yang", "刘洋"),
    ("yang-xue", "杨雪"),
    ("huang-wei", "黄伟"),
    ("zhou-jing", "周静"),
    ("wu-qiang", "吴强"),
    ("xu-li", "徐丽"),
    ("sun-hao", "孙浩"),
    ("ma-chao", "马超"),
    ("zhu-ting", "朱婷"),
    ("hu-jun", "胡军"),
    ("guo-yan", "郭燕"),
];

const TITLES: &[&str] = &[
    "运营专员",
    "数据分析师",
    "客服主管",
    "营销策划专员",
    "商品运营专员",
    "市场分析专员",
];

/// Duties: id stem, name, description.
const DUTIES: &[(&str, &str, &str)] = &[
    (
        "market-analysis",
        "市场分析",
        "定期开展市场调研,研究行业趋势、竞争对手和消费者需求,为经营决策提供数据依据。",
    ),
    (
        "product-management",
        "产品管理",
        "负责商品的上架、维护与更新,保证商品信息准确、完整、有吸引力。",
    ),
    (
        "customer-service",
        "客户服务",
        "建立客户服务体系,处理客户咨询与投诉,维护客户满意度和忠诚度。",
    ),
    (
        "data-analysis",
        "数据分析",
        "使用分析工具监控运营数据,评估每项运营活动的效果并给出结论。",
    ),
    (
        "marketing",
        "营销策划",
        "策划并执行营销活动,扩大品牌知名度并带动销售额增长。",
    ),
];

/// KPI templates: id stem, name, metric, target, baseline, range, unit-free target (for the
/// missing-unit defect), source, formula.
struct Template {
    stem: &'static str,
    name: &'static str,
    metric: &'static str,
    target: &'static str,
    bare_target: &'static str,
    baseline: &'static str,
    range: &'static str,
    source: &'static str,
    formula: &'static str,
}

const TEMPLATES: &[Template] = &[
    Template {
        stem: "research-reports",
        name: "市场调研报告数量",
        metric: "当月完成并提交到团队知识库的市场调研报告份数",
        target: "不少于2份",
        bare_target: "\">= 2\"",
        baseline: "1.6",
        range: "[0, null]",
        source: "团队知识库",
        formula: "当月归档的调研报告数",
    },
    Template {
        stem: "refund-rate",
        name: "退款率",
        metric: "当月退款订单数占全部已付款订单数的百分比",
        target: "低于2%",
        bare_target: "\"< 2\"",
        baseline: "2.4",
        range: "[0, 100]",
        source: "订单管理系统退款报表",
        formula: "退款订单数 / 已付款订单数 × 100%",
    },
    Template {
        stem: "reply-time",
        name: "客户咨询首次响应时长",
        metric: "客户在线咨询从发起到客服首次回复的平均时长",
        target: "24小时内",
        bare_target: "\"<= 24\"",
        baseline: "30",
        range: "[0, null]",
        source: "客服工作台统计报表",
        formula: "首次回复时间 - 咨询发起时间 的月平均值",
    },
    Template {
        stem: "satisfaction",
        name: "客户满意度",
        metric: "售后回访问卷中选择满意或非常满意的客户占比",
        target: "90%以上",
        bare_target: "\">= 90\"",
        baseline: "84",
        range: "[0, 100]",
        source: "售后回访问卷系统",
        formula: "满意客户数 / 回访客户总数 × 100%",
    },
    Template {
        stem: "listing-accuracy",
        name: "商品信息准确率",
        metric: "抽检的在售商品中标题、价格、规格信息全部正确的商品占比",
        target: "\">= 98 %\"",
        bare_target: "\">= 98\"",
        baseline: "95",
        range: "[0, 100]",
        source: "商品质检抽查记录",
        formula: "信息正确商品数 / 抽检商品数 × 100%",
    },
    Template {
        stem: "campaign-roi",
        name: "营销活动投资回报率",
        metric: "当季营销活动带来的毛利与活动投入费用之比",
        target: "达到150%以上",
        bare_target: "\">= 150\"",
        baseline: "120",
        range: "[0, null]",
        source: "财务系统活动核算表",
        formula: "活动毛利 / 活动费用 × 100%",
    },
    Template {
        stem: "complaints",
        name: "有效投诉次数",
        metric: "当月经核实属于我方责任的客户投诉次数",
        target: "不超过5次",
        bare_target: "\"<= 5\"",
        baseline: "6",
        range: "[0, null]",
        source: "客服投诉登记台账",
        formula: "核实责任投诉数之和",
    },
];

const PERIODS: &[&str] = &["monthly", "monthly", "quarterly", "weekly"];

/// The defects seeded into about 3 % of KPIs.
#[derive(Clone, Copy)]
enum Defect {
    /// `owner` names an owner that does not exist (E004, with a did-you-mean).
    UnknownOwner,
    /// No `period` and no `due` (T001).
    NoPeriod,
    /// A vague word in the name (S002).
    Vague,
    /// A target number without a unit (M002).
    NoUnit,
    /// `tagret` instead of `target` (E002 unknown key; M001 no target).
    MisspeltKey,
    /// No `source` (M003).
    NoSource,
    /// The ID of the previous KPI again (E003).
    DuplicateId,
    /// `weight` as text (E002).
    TextWeight,
}

const DEFECTS: &[Defect] = &[
    Defect::UnknownOwner,
    Defect::NoPeriod,
    Defect::Vague,
    Defect::NoUnit,
    Defect::MisspeltKey,
    Defect::NoSource,
    Defect::DuplicateId,
    Defect::TextWeight,
];

/// Writes a workspace of `kpis` KPIs under `dir/kpi-specs/`, 20 KPIs a file; returns the bytes
/// written.
pub fn generate(dir: &Path, kpis: usize) -> u64 {
    generate_with(dir, kpis, true)
}

/// The same workspace without its defects (no finding at error level, so `kpic build` writes
/// its documents): for timing the build.
#[allow(dead_code)] // used by the benchmark, not by tests/parallel.rs
pub fn generate_clean(dir: &Path, kpis: usize) -> u64 {
    generate_with(dir, kpis, false)
}

fn generate_with(dir: &Path, kpis: usize, defects: bool) -> u64 {
    let specs = dir.join("kpi-specs");
    std::fs::create_dir_all(&specs).expect("can create the workspace folder");
    let files = kpis.div_ceil(KPIS_PER_FILE);
    (0..files)
        .into_par_iter()
        .map(|f| {
            let text = team_file(f, KPIS_PER_FILE.min(kpis - f * KPIS_PER_FILE), defects);
            let path = specs.join(format!("team-{f:05}.yaml"));
            std::fs::write(&path, &text).expect("can write a spec file");
            text.len() as u64
        })
        .sum()
}

/// One team's spec file, with or without its defects.
fn team_file(f: usize, kpis: usize, defects: bool) -> String {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (f as u64 + 1).wrapping_mul(0x2545_F491_4F6C_DD1D));
    let mut s = String::with_capacity(600 * kpis + 2000);
    let owners: Vec<(String, &str)> = (0..OWNERS_PER_FILE)
        .map(|i| {
            let (id, name) = PEOPLE[(f * OWNERS_PER_FILE + i) % PEOPLE.len()];
            (format!("{id}-{f:05}"), name)
        })
        .collect();
    let duties: Vec<(String, &str, &str)> = (0..DUTIES_PER_FILE)
        .map(|i| {
            let (id, name, desc) = DUTIES[(f + i) % DUTIES.len()];
            (format!("{id}-{f:05}"), name, desc)
        })
        .collect();
    let _ = writeln!(
        s,
        "# yaml-language-server: $schema=../schemas/kpi-spec.schema.json\n\
         # 第{f}号运营团队的职责与KPI(基准测试自动生成)。\n\
         version: 1\n\
         team:\n  id: team-{f:05}\n  name: 电商运营{f}组\n  locale: zh-CN\n  review: quarterly\n  lead: {}\n",
        owners[0].0
    );
    s.push_str("owners:\n");
    for (i, (id, name)) in owners.iter().enumerate() {
        let _ = writeln!(
            s,
            "  - id: {id}\n    name: {name}\n    title: {}\n    email: {}@example.com",
            TITLES[(f + i) % TITLES.len()],
            id.replace('-', ".")
        );
    }
    if defects && f % SHARED_OWNER_EVERY == SHARED_OWNER_EVERY - 1 {
        // A person copied from the previous team's file: the same owner ID twice (E003).
        let (id, name) = PEOPLE[((f - 1) * OWNERS_PER_FILE) % PEOPLE.len()];
        let _ = writeln!(s, "  - id: {id}-{:05}\n    name: {name}", f - 1);
    }
    s.push_str("\nduties:\n");
    for (i, (id, name, desc)) in duties.iter().enumerate() {
        let _ = writeln!(
            s,
            "  - id: {id}\n    name: {name}\n    description: {desc}\n    owner: {}",
            owners[i % OWNERS_PER_FILE].0
        );
    }
    s.push_str("\nkpis:\n");
    let mut prev_id = String::new();
    for k in 0..kpis {
        let t = rng.pick(TEMPLATES);
        let defect = rng
            .next()
            .is_multiple_of(DEFECT_EVERY)
            .then(|| *rng.pick(DEFECTS))
            .filter(|_| defects);
        let owner = &owners[k % OWNERS_PER_FILE].0;
        let contributor = &owners[(k + 1) % OWNERS_PER_FILE].0;
        let mut id = format!("{}-{f:05}-{k:02}", t.stem);
        if matches!(defect, Some(Defect::DuplicateId)) && !prev_id.is_empty() {
            id = prev_id.clone();
        }
        let _ = writeln!(s, "  - id: {id}");
        match defect {
            Some(Defect::Vague) => {
                let _ = writeln!(s, "    name: 尽快提升{}", t.name);
            }
            _ => {
                let _ = writeln!(s, "    name: {}", t.name);
            }
        }
        let _ = writeln!(s, "    duty: {}", duties[k % DUTIES_PER_FILE].0);
        match defect {
            // A typo: the last digit of the file number dropped.
            Some(Defect::UnknownOwner) => {
                let _ = writeln!(s, "    owner: {}", &owner[..owner.len() - 1]);
            }
            _ => {
                let _ = writeln!(s, "    owner: {owner}");
            }
        }
        let _ = writeln!(s, "    contributors: [{contributor}]");
        let _ = writeln!(s, "    metric: {}", t.metric);
        match defect {
            Some(Defect::MisspeltKey) => {
                let _ = writeln!(s, "    tagret: {}", t.target);
            }
            Some(Defect::NoUnit) => {
                let _ = writeln!(s, "    target: {}", t.bare_target);
            }
            _ => {
                let _ = writeln!(s, "    target: {}", t.target);
            }
        }
        let _ = writeln!(s, "    baseline: {}", t.baseline);
        let _ = writeln!(s, "    range: {}", t.range);
        if !matches!(defect, Some(Defect::NoPeriod)) {
            let _ = writeln!(s, "    period: {}", rng.pick(PERIODS));
        }
        if k % 5 == 0 && !matches!(defect, Some(Defect::NoPeriod)) {
            s.push_str("    due: P5D\n");
        }
        match defect {
            Some(Defect::TextWeight) => s.push_str("    weight: 二十\n"),
            _ => s.push_str("    weight: 20\n"),
        }
        if !matches!(defect, Some(Defect::NoSource)) {
            let _ = writeln!(s, "    source: {}", t.source);
        }
        let _ = writeln!(s, "    formula: {}", t.formula);
        prev_id = id;
    }
    s
}
