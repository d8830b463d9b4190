//! Command-line definitions (clap derive) only; the commands live in [`crate::commands`].

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::emit::i18n::Lang;

/// A linter and compiler for KPI specs: SMART checks, ownership, handbooks and scorecards.
#[derive(Debug, Parser)]
#[command(name = "kpic", version, about, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Lint KPI specs (default: the whole workspace).
    Check(CheckArgs),
    /// Compile the handbook, scorecards and JSON model.
    Build(BuildArgs),
    /// Score filled-in scorecards against the targets.
    Score(ScoreArgs),
    /// What a change does to the policy: git revision BASE (default HEAD) against HEAD
    /// (default: the working tree), per team and per person.
    Diff(DiffArgs),
    /// Show the documentation of one rule (by code or name).
    Explain(ExplainArgs),
    /// List every rule: code, name, SMART letter, default severity.
    Rules(RulesArgs),
    /// Scaffold kpi-specs/, kpic.yaml and a pre-commit config.
    Init(InitArgs),
    /// Language server for editors (LSP over stdio).
    Server(ServerArgs),
    /// Print the spec JSON Schema (or the kpic.yaml schema with --config).
    Schema(SchemaArgs),
    /// Print shell completions.
    Completions(CompletionsArgs),
}

/// Arguments of `kpic check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Files or folders to report on (`-` reads stdin); default: the whole workspace.
    pub paths: Vec<PathBuf>,

    /// Output format, optionally to a file: FORMAT[:PATH]. Repeatable.
    /// Formats: human, compact, json, sarif, github, junit.
    #[arg(long = "format", value_name = "FORMAT[:PATH]")]
    pub formats: Vec<String>,

    /// Only these rules (codes or names, comma-separated).
    #[arg(long, value_name = "RULES", value_delimiter = ',')]
    pub select: Vec<String>,

    /// Not these rules (codes or names, comma-separated).
    #[arg(long, value_name = "RULES", value_delimiter = ',')]
    pub ignore: Vec<String>,

    /// Make warnings fail the run.
    #[arg(long)]
    pub deny_warnings: bool,

    /// The name of the spec read from stdin (`-`): it is checked with the rest of the
    /// workspace, in place of that file. Without it, stdin is checked on its own.
    #[arg(long, value_name = "PATH")]
    pub stdin_filename: Option<PathBuf>,

    /// The date to compare deadlines with (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub today: Option<String>,

    /// Print a count of findings per rule.
    #[arg(long)]
    pub statistics: bool,

    /// Print the findings only: no summary line, and nothing when clean.
    #[arg(long, short)]
    pub quiet: bool,

    /// Skip given files that are not part of the workspace (outside `paths`, or excluded):
    /// for hooks that pass every staged YAML file.
    #[arg(long)]
    pub force_exclude: bool,

    /// Do not read or write the model cache (`.kpic-cache/`), which a check of given files
    /// uses for the models of the other files.
    #[arg(long)]
    pub no_cache: bool,

    /// Use this configuration file instead of discovering `kpic.yaml`.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Report only the findings that are not in this baseline file (default: `baseline` in
    /// `kpic.yaml`).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// Write the findings to this baseline file (pruning what no longer occurs) instead of
    /// reporting them.
    #[arg(long, value_name = "FILE", conflicts_with = "baseline")]
    pub write_baseline: Option<PathBuf>,

    /// Apply the safe fixes (a key or reference with exactly one close did-you-mean) to the
    /// files, then report what remains.
    #[arg(long, conflicts_with = "write_baseline")]
    pub fix: bool,

    /// Print the edits of `--fix` (or `--add-ignore`) as a unified diff instead of writing
    /// them; exits 1 when there are some.
    #[arg(long, conflicts_with = "write_baseline")]
    pub diff: bool,

    /// Silence every finding with `# kpic: ignore[CODE] -- REASON` on the line above it (for
    /// adopting kpic on existing specs).
    #[arg(
        long,
        value_name = "REASON",
        conflicts_with_all = ["fix", "write_baseline"]
    )]
    pub add_ignore: Option<String>,
}

/// Arguments of `kpic build`.
#[derive(Debug, Args)]
pub struct BuildArgs {
    /// Files or folders of the workspace; default: the whole workspace.
    pub paths: Vec<PathBuf>,

    /// Folder to write the documents into.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,

    /// Language of the handbook (`en` or `zh-CN`), overriding each team's locale.
    #[arg(long, value_name = "LANG", value_parser = parse_lang)]
    pub lang: Option<Lang>,

    /// Start CSV files with a UTF-8 byte-order mark (for Excel).
    #[arg(long)]
    pub csv_bom: bool,

    /// The date to compare deadlines with (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub today: Option<String>,

    /// Build only the KPIs in force on this day (YYYY-MM-DD): `effective` ≤ DATE ≤ `until`.
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,

    /// Use this configuration file instead of discovering `kpic.yaml`.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// Arguments of `kpic score`.
#[derive(Debug, Args)]
pub struct ScoreArgs {
    /// A filled-in scorecard with `kpi_id` and `actual` columns: CSV, or a workbook
    /// (`.xlsx`, `.xlsm`, `.ods`, `.xls`, such as the `scorecards.xlsx` that `build` writes).
    /// Repeatable, one file per period, oldest first: the results are the last period's, with
    /// each KPI's and owner's trend.
    #[arg(long, value_name = "FILE", required = true)]
    pub actuals: Vec<PathBuf>,

    /// The label of each period, one per `--actuals` in the same order (default: each file's
    /// name without its extension).
    #[arg(long = "period", value_name = "LABEL")]
    pub periods: Vec<String>,

    /// With `--format markdown`: write the charts as SVG files into this folder (below the
    /// working directory) and link them from the page.
    #[arg(long, value_name = "DIR")]
    pub charts: Option<PathBuf>,

    /// The encoding of a CSV actuals file (`utf-8`, `utf-16le`, `utf-16be`, `gb18030`, `gbk`
    /// …); default: its byte-order mark, else UTF-8 when it is valid UTF-8, else GB18030.
    #[arg(long, value_name = "ENCODING")]
    pub encoding: Option<String>,

    /// Files or folders of the workspace; default: the whole workspace.
    pub paths: Vec<PathBuf>,

    /// Output format: table, markdown, csv, json or html.
    #[arg(long, default_value = "table", value_name = "FORMAT")]
    pub format: String,

    /// Highest attainment counted, in percent.
    #[arg(long, default_value_t = 120.0, value_name = "PERCENT")]
    pub cap: f64,

    /// Language of the Markdown and HTML output (`en` or `zh-CN`), overriding each team's
    /// locale.
    #[arg(long, value_name = "LANG", value_parser = parse_lang)]
    pub lang: Option<Lang>,

    /// Score only the KPIs in force on this day (YYYY-MM-DD): `effective` ≤ DATE ≤ `until`.
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,

    /// Use this configuration file instead of discovering `kpic.yaml`.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// Arguments of `kpic diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The git revision compared with (default: `HEAD`).
    pub base: Option<String>,

    /// The git revision compared (default: the working tree).
    pub head: Option<String>,

    /// Output format: human, markdown or json.
    #[arg(long, default_value = "human", value_name = "FORMAT")]
    pub format: String,

    /// Exit 1 when the head side has findings that the base side does not.
    #[arg(long)]
    pub fail_on_new_findings: bool,

    /// Language of the team sections (`en` or `zh-CN`), overriding each team's locale.
    #[arg(long, value_name = "LANG", value_parser = parse_lang)]
    pub lang: Option<Lang>,

    /// The date to compare deadlines with (YYYY-MM-DD), on both sides.
    #[arg(long, value_name = "DATE")]
    pub today: Option<String>,
}

/// Arguments of `kpic explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A rule code (`T001`) or name (`missing-deadline`).
    pub rule: String,
}

/// Arguments of `kpic rules`.
#[derive(Debug, Args)]
pub struct RulesArgs {
    /// `table` (default) or `json` (every rule with its options).
    #[arg(long, value_enum, default_value_t = RulesFormat::Table)]
    pub format: RulesFormat,

    /// The same as `--format json`.
    #[arg(long)]
    pub json: bool,
}

/// What `kpic rules` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RulesFormat {
    /// Aligned columns: code, name, letter, principle, default severity, summary.
    Table,
    /// A JSON array of the rules with their options.
    Json,
}

/// Arguments of `kpic init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Folder to scaffold in (default: the working directory).
    pub dir: Option<PathBuf>,
}

/// Arguments of `kpic server`.
#[derive(Debug, Args)]
pub struct ServerArgs {
    /// Only these rules (codes or names, comma-separated).
    #[arg(long, value_name = "RULES", value_delimiter = ',')]
    pub select: Vec<String>,

    /// Not these rules (codes or names, comma-separated).
    #[arg(long, value_name = "RULES", value_delimiter = ',')]
    pub ignore: Vec<String>,

    /// Use this configuration file instead of discovering `kpic.yaml` (relative to the
    /// editor's workspace folder).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// Arguments of `kpic schema`.
#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// Print the schema of `kpic.yaml` instead of the spec schema.
    #[arg(long)]
    pub config: bool,
}

/// Arguments of `kpic completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// bash, zsh, fish, powershell or elvish.
    pub shell: clap_complete::Shell,
}

/// `--lang`: `en` or `zh-CN` (and their common spellings), for every command that takes it.
fn parse_lang(s: &str) -> Result<Lang, String> {
    s.parse()
}
