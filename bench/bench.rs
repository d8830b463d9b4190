//! The kpic benchmark: generates synthetic workspaces of 1,000 to 100,000 KPIs, times
//! `kpic check` against a parse-only baseline, and prints the ratios (DESIGN §5).
//!
//! Run it with `bash bench/run.sh` (which builds the release binaries first). Modes:
//! - `bench [--sizes 1000,5000,20000,100000] [--runs 5] [--dir DIR] [--keep]`: the benchmark;
//! - `bench generate DIR KPIS`: only write a workspace (used by `tests/parallel.rs`);
//! - `bench parse DIR`: the parse-only baseline: read and parse every `*.yaml` under `DIR` with
//!   kpic's own YAML loader (spans, limits), in parallel, and nothing else.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use rayon::prelude::*;

/// KPIs per spec file.
const KPIS_PER_FILE: usize = 20;
/// Owners per spec file (each accountable for 5 KPIs of weight 20).
const OWNERS_PER_FILE: usize = 4;
/// Duties per spec file.
const DUTIES_PER_FILE: usize = 4;
/// One KPI in this many carries a defect (about 3 %).
const DEFECT_EVERY: u64 = 33;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("parse") => parse_only(Path::new(&args[1])),
        Some("generate") => {
            let dir = PathBuf::from(&args[1]);
            let kpis: usize = args[2].parse().expect("KPIS is a number");
            let bytes = generate(&dir, kpis);
            println!("wrote {kpis} KPIs ({bytes} bytes) under {}", dir.display());
        }
        _ => bench(&args),
    }
}

// ---------------------------------------------------------------------------------------------
// The parse-only baseline.

/// Reads and parses every spec file under `dir` in parallel, with the loader kpic uses.
fn parse_only(dir: &Path) {
    let mut files = Vec::new();
    collect_yaml(dir, &mut files);
    let nodes: usize = files
        .par_iter()
        .map(|path| {
            let text = std::fs::read_to_string(path).expect("readable spec file");
            let loaded =
                kpic::workspace::yaml::load(&text, kpic::workspace::yaml::Limits::default());
            usize::from(loaded.root.is_some()) + loaded.errors.len()
        })
        .sum();
    println!("parsed {} files ({nodes} documents)", files.len());
}

fn collect_yaml(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("readable folder")
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect_yaml(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The generator.

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
fn generate(dir: &Path, kpis: usize) -> u64 {
    let specs = dir.join("kpi-specs");
    std::fs::create_dir_all(&specs).expect("can create the workspace folder");
    let files = kpis.div_ceil(KPIS_PER_FILE);
    (0..files)
        .into_par_iter()
        .map(|f| {
            let text = team_file(f, KPIS_PER_FILE.min(kpis - f * KPIS_PER_FILE));
            let path = specs.join(format!("team-{f:05}.yaml"));
            std::fs::write(&path, &text).expect("can write a spec file");
            text.len() as u64
        })
        .sum()
}

/// One team's spec file.
fn team_file(f: usize, kpis: usize) -> String {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ ((f as u64 + 1) * 0x2545_F491_4F6C_DD1D));
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
        let defect = rng.next().is_multiple_of(DEFECT_EVERY).then(|| *rng.pick(DEFECTS));
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

// ---------------------------------------------------------------------------------------------
// The measurements.

struct Options {
    sizes: Vec<usize>,
    runs: usize,
    dir: Option<PathBuf>,
    keep: bool,
}

fn options(args: &[String]) -> Options {
    let mut o = Options {
        sizes: vec![1_000, 5_000, 20_000, 100_000],
        runs: 5,
        dir: None,
        keep: false,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--sizes" => {
                o.sizes = it
                    .next()
                    .expect("--sizes takes a list")
                    .split(',')
                    .map(|s| {
                        s.trim()
                            .replace('_', "")
                            .parse()
                            .expect("sizes are numbers")
                    })
                    .collect();
            }
            "--runs" => {
                o.runs = it
                    .next()
                    .expect("--runs takes a number")
                    .parse()
                    .expect("a number")
            }
            "--dir" => o.dir = Some(PathBuf::from(it.next().expect("--dir takes a folder"))),
            "--keep" => o.keep = true,
            "-h" | "--help" => {
                println!(
                    "usage: bench [--sizes 1000,5000,20000,100000] [--runs 5] [--dir DIR] [--keep]\n       bench generate DIR KPIS\n       bench parse DIR"
                );
                std::process::exit(0);
            }
            other => panic!("unknown argument `{other}` (try --help)"),
        }
    }
    o
}

/// The release `kpic` next to this example (`target/release/kpic`), or `$KPIC_BIN`.
fn kpic_bin() -> PathBuf {
    if let Some(p) = std::env::var_os("KPIC_BIN") {
        return PathBuf::from(p);
    }
    let exe = std::env::current_exe().expect("own path");
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>/examples");
    let bin = dir.join(format!("kpic{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.exists(),
        "`{}` not found: run `cargo build --release` first (bash bench/run.sh does)",
        bin.display()
    );
    bin
}

/// Runs a command once, returning the wall time in milliseconds.
fn time_once(cmd: &mut Command) -> f64 {
    let start = Instant::now();
    let status = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("can run the command");
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    // `kpic check` exits 1 on findings; anything else means it could not do its job.
    assert!(
        status.code().is_some_and(|c| c <= 1),
        "{cmd:?} failed with {status}"
    );
    ms
}

/// The median of `runs` timings (after one warm-up run).
fn median_ms(runs: usize, mut make: impl FnMut() -> Command) -> f64 {
    time_once(&mut make());
    let mut v: Vec<f64> = (0..runs.max(1)).map(|_| time_once(&mut make())).collect();
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Peak resident memory in bytes, from `/usr/bin/time -v`, when it is installed.
fn peak_rss(program: &Path, args: &[&str], cwd: &Path) -> Option<u64> {
    let time = Path::new("/usr/bin/time");
    if !time.exists() {
        return None;
    }
    let out = Command::new(time)
        .arg("-v")
        .arg(program)
        .args(args)
        .current_dir(cwd)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .ok()?;
    let err = String::from_utf8_lossy(&out.stderr);
    err.lines()
        .find_map(|l| l.trim().strip_prefix("Maximum resident set size (kbytes):"))
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(|kb| kb * 1024)
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn sh(cmd: &str) -> String {
    Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

struct Row {
    kpis: usize,
    files: usize,
    bytes: u64,
    check_ms: f64,
    parse_ms: f64,
    rss: Option<u64>,
    parse_rss: Option<u64>,
}

fn bench(args: &[String]) {
    let o = options(args);
    let kpic = kpic_bin();
    let me = std::env::current_exe().expect("own path");
    let base = match &o.dir {
        Some(d) => d.clone(),
        None => std::env::temp_dir().join(format!("kpic-bench-{}", std::process::id())),
    };
    println!(
        "kpic benchmark: {} runs per figure (median), binary {}",
        o.runs,
        kpic.display()
    );
    println!(
        "machine: {} cores ({}), {}",
        sh("nproc"),
        sh("lscpu | sed -n 's/^Model name: *//p' | head -1"),
        sh("uname -sr")
    );
    println!(
        "threads: RAYON_NUM_THREADS={}\n",
        std::env::var("RAYON_NUM_THREADS").unwrap_or_else(|_| "(all cores)".into())
    );
    let mut rows = Vec::new();
    let mut single = None;
    for &kpis in &o.sizes {
        let dir = base.join(format!("ws-{kpis}"));
        let bytes = generate(&dir, kpis);
        let files = kpis.div_ceil(KPIS_PER_FILE);
        let check_ms = median_ms(o.runs, || {
            let mut c = Command::new(&kpic);
            c.arg("check").current_dir(&dir);
            c
        });
        let parse_ms = median_ms(o.runs, || {
            let mut c = Command::new(&me);
            c.arg("parse").arg(dir.join("kpi-specs"));
            c
        });
        let rss = peak_rss(&kpic, &["check"], &dir);
        let spec_dir = dir.join("kpi-specs");
        let parse_rss = peak_rss(&me, &["parse", spec_dir.to_str().unwrap_or_default()], &dir);
        println!(
            "{kpis:>7} KPIs, {files:>5} files, {:>6.1} MB: check {check_ms:>8.1} ms, parse-only {parse_ms:>8.1} ms, ratio {:.2}",
            mb(bytes),
            check_ms / parse_ms
        );
        if kpis == 20_000 || (single.is_none() && kpis == *o.sizes.iter().max().unwrap_or(&0)) {
            let file = format!("kpi-specs/team-{:05}.yaml", files / 2);
            let one_ms = median_ms(o.runs, || {
                let mut c = Command::new(&kpic);
                c.args(["check", &file]).current_dir(&dir);
                c
            });
            let version_ms = median_ms(o.runs, || {
                let mut c = Command::new(&kpic);
                c.arg("--version");
                c
            });
            single = Some((kpis, file, one_ms, version_ms));
        }
        rows.push(Row {
            kpis,
            files,
            bytes,
            check_ms,
            parse_ms,
            rss,
            parse_rss,
        });
        if !o.keep {
            let _ = std::fs::remove_dir_all(&dir);
        }
    }
    if !o.keep && o.dir.is_none() {
        let _ = std::fs::remove_dir_all(&base);
    }
    print_tables(&rows, single.as_ref());
}

fn print_tables(rows: &[Row], single: Option<&(usize, String, f64, f64)>) {
    println!("\n## kpic check vs the parse-only baseline (median wall time)\n");
    println!(
        "| KPIs | files | spec MB | `kpic check` ms | parse-only ms | ratio kpic/parse | peak RSS MB | RSS / spec size | parse-only RSS MB |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in rows {
        let rss = r.rss.map_or("n/a".into(), |b| format!("{:.1}", mb(b)));
        let per = r.rss.map_or("n/a".into(), |b| {
            format!("{:.2}×", b as f64 / r.bytes as f64)
        });
        let prss = r
            .parse_rss
            .map_or("n/a".into(), |b| format!("{:.1}", mb(b)));
        println!(
            "| {} | {} | {:.1} | {:.1} | {:.1} | **{:.2}** | {rss} | {per} | {prss} |",
            r.kpis,
            r.files,
            mb(r.bytes),
            r.check_ms,
            r.parse_ms,
            r.check_ms / r.parse_ms
        );
    }
    println!("\n## Growth with size\n");
    println!("| from → to KPIs | KPIs × | `kpic check` time × | parse-only time × |");
    println!("|---|---:|---:|---:|");
    for w in rows.windows(2) {
        println!(
            "| {} → {} | {:.1}× | {:.2}× | {:.2}× |",
            w[0].kpis,
            w[1].kpis,
            w[1].kpis as f64 / w[0].kpis as f64,
            w[1].check_ms / w[0].check_ms,
            w[1].parse_ms / w[0].parse_ms
        );
    }
    if let Some((kpis, file, one_ms, version_ms)) = single {
        println!("\n## Pre-commit: one file in the {kpis}-KPI workspace\n");
        println!("| command | ms | × `kpic --version` |");
        println!("|---|---:|---:|");
        println!("| `kpic --version` (process start) | {version_ms:.1} | 1.00× |");
        println!(
            "| `kpic check {file}` | {one_ms:.1} | {:.2}× |",
            one_ms / version_ms
        );
    }
    if let Some(r) = rows.iter().find(|r| r.kpis == 20_000) {
        let ratio = r.check_ms / r.parse_ms;
        let mem = r.rss.map(|b| b as f64 / r.bytes as f64);
        println!("\n## DESIGN §5 bar (20,000 KPIs)\n");
        println!(
            "- time: kpic/parse = {ratio:.2} (bar: at most 1.50): {}",
            if ratio <= 1.5 { "met" } else { "NOT met" }
        );
        match mem {
            Some(m) => println!(
                "- memory: peak RSS / spec size = {m:.2} (bar: under 5): {}",
                if m < 5.0 { "met" } else { "NOT met" }
            ),
            None => println!("- memory: n/a (install GNU time: `apt-get install -y time`)"),
        }
    }
}
