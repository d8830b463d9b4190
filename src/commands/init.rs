//! `kpic init`: scaffolds a starter spec, a `kpic.yaml` and a pre-commit configuration, never
//! overwriting a file that exists.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::cli::InitArgs;
use crate::commands::{cwd, print};
use crate::error::{Error, Result};

/// A starter team that checks clean: one lead, one analyst, two duties, three KPIs.
pub const EXAMPLE_SPEC: &str = r#"# A starter KPI spec: one team, its people, its duties and the KPIs that measure them.
# `kpic check` lints it; `kpic build --out dist` compiles the handbook and scorecards.
# Completion in editors: run `kpic schema > kpi-spec.schema.json` at the repository root and
# make the first line of each spec `# yaml-language-server: $schema=../kpi-spec.schema.json`.
version: 1
team:
  id: example-team
  name: Example team
  locale: en
  review: quarterly
  lead: alex-kim

owners:
  - id: alex-kim
    name: Alex Kim
    title: Team lead
    email: alex.kim@example.com
  - id: sam-lee
    name: Sam Lee
    title: Operations analyst
    email: sam.lee@example.com

duties:
  - id: weekly-reporting
    name: Weekly reporting
    description: Publish the weekly operations report for the leadership meeting.
    owner: sam-lee
  - id: customer-onboarding
    name: Customer onboarding
    description: Set up the accounts of new customers and guide them through their first week.
    owner: alex-kim

kpis:
  - id: weekly-reports-published
    name: Weekly reports published
    duty: weekly-reporting
    owner: sam-lee
    metric: Weekly operations reports published before the Monday leadership meeting
    target: ">= 4 reports"
    range: [0, null]
    period: monthly
    weight: 60
    source: Reports folder on the team drive
  - id: report-correction-rate
    name: Report correction rate
    duty: weekly-reporting
    owner: sam-lee
    metric: Figures corrected after publication divided by all figures published
    target: "< 2 %"
    baseline: 2.5
    range: [0, 100]
    period: quarterly
    weight: 40
    source: Change log of the weekly reports
  - id: onboarding-time
    name: Onboarding time
    duty: customer-onboarding
    owner: alex-kim
    metric: Median days from a signed contract to the first login of the customer
    target: "<= 5 d"
    baseline: 7
    period: monthly
    weight: 100
    source: CRM onboarding report
"#;

/// A `kpic.yaml` with the workspace folder set and every other option shown in a comment.
pub const CONFIG: &str = r#"# kpic configuration; `kpic schema --config` prints its JSON Schema.

# The spec files of the workspace: files or folders, relative to this file.
paths:
  - kpi-specs

# Globs of paths to leave out.
exclude: []

# Severity per rule, by code or name: off | info | warning | error, or a mapping with
# `severity` and the rule's options. `kpic rules` lists the rules.
# rules:
#   missing-review: off
#   owner-overloaded: {max: 5}
#   unrealistic-stretch: {severity: error, max-change: 0.3}

# More vague words to report in KPI names and metrics, and words not to report.
# vague-words:
#   extra: [synergy]
#   allow: [relevant]

# The default language of the handbook: en or zh-CN.
# locale: en
"#;

/// The `.pre-commit-config.yaml` entry that runs kpic on the specs of every commit.
pub fn precommit_config() -> String {
    format!(
        "# pre-commit (https://pre-commit.com): run `pre-commit install` once, then every commit
# that changes a spec is checked by kpic.
repos:
  - repo: https://github.com/kpic-dev/kpic
    rev: v{}
    hooks:
      - id: kpic
        files: ^kpi-specs/.*\\.ya?ml$
",
        env!("CARGO_PKG_VERSION")
    )
}

/// Runs `kpic init`.
pub fn run(args: InitArgs) -> Result<ExitCode> {
    let here = cwd()?;
    let dir = match args.dir {
        Some(d) => here.join(d),
        None => here.clone(),
    };
    let files: [(&str, String); 3] = [
        ("kpi-specs/example.yaml", EXAMPLE_SPEC.to_owned()),
        ("kpic.yaml", CONFIG.to_owned()),
        (".pre-commit-config.yaml", precommit_config()),
    ];
    let mut out = String::new();
    let mut skipped_precommit = false;
    for (name, text) in &files {
        let path = dir.join(name);
        if write_new(&path, text)? {
            out.push_str(&format!("wrote `{}`\n", shown(&path)));
        } else {
            out.push_str(&format!("skipped `{}`: it already exists\n", shown(&path)));
            // Suggest the entry unless the existing configuration already runs kpic.
            skipped_precommit |= *name == ".pre-commit-config.yaml"
                && !std::fs::read_to_string(&path).is_ok_and(|t| t.contains("id: kpic"));
        }
    }
    if skipped_precommit {
        out.push_str(
            "\nto run kpic on every commit, add this to `repos:` in `.pre-commit-config.yaml`:\n",
        );
        let entry: String = precommit_config()
            .lines()
            .skip_while(|l| !l.starts_with("  - repo:"))
            .map(|l| format!("{l}\n"))
            .collect();
        out.push_str(&entry);
    }
    out.push_str("\nnext: run `kpic check`");
    if dir != here {
        out.push_str(&format!(" in `{}`", shown(&dir)));
    }
    out.push('\n');
    print(&out)?;
    Ok(ExitCode::SUCCESS)
}

/// Writes `text` to `path` unless a file (or anything else) is there; returns whether it wrote.
fn write_new(path: &Path, text: &str) -> Result<bool> {
    let fail = |e: std::io::Error| Error::new(format!("cannot write `{}`: {e}", shown(path)));
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(fail)?;
    }
    // `create_new` fails when the path exists, even as a dangling symlink: nothing is replaced.
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
    {
        Ok(mut f) => {
            f.write_all(text.as_bytes()).map_err(fail)?;
            Ok(true)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(fail(e)),
    }
}

/// A path as shown to the user: relative to the working directory when inside it.
fn shown(path: &Path) -> String {
    let cwd = cwd().unwrap_or_else(|_| PathBuf::from("."));
    crate::workspace::discover::display_name(path, &cwd)
}
