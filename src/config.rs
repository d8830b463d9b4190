//! `kpic.yaml`: where the workspace is, which rules run at what severity, and rule options.
//!
//! The file is validated by walking the YAML tree, so that every problem gets its own span and
//! a did-you-mean; `schemas/kpic-config.schema.json` describes the same structure for editors
//! (a test keeps the two in step). A bad config is an [`Error`] (exit 2): kpic never silently
//! ignores a setting.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::diagnostic::{Level, did_you_mean};
use crate::error::{Error, Result};
use crate::rules::{
    self, OptionKind, OptionMeta, OptionValue, RuleMeta, RuleOptions, vague_wording,
};
use crate::source::Span;
use crate::workspace::yaml::{self, Node, Value};
use crate::workspace::{DEFAULT_MAX_FILE_SIZE, discover::io_reason};

/// The configuration file's name.
pub const FILE_NAME: &str = "kpic.yaml";

/// The JSON Schema of `kpic.yaml`, as shipped (`kpic schema --config`).
pub const CONFIG_SCHEMA: &str = include_str!("../schemas/kpic-config.schema.json");

/// The top-level keys of `kpic.yaml`.
pub const KEYS: &[&str] = &[
    "paths",
    "exclude",
    "rules",
    "vague-words",
    "locale",
    "max-file-size",
    "baseline",
];

/// The locales a handbook can be written in.
pub const LOCALES: &[&str] = &["en", "zh-CN"];

/// The configuration in force for a run.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it was read from, if any.
    pub file: Option<PathBuf>,
    /// The folder `paths` and `exclude` are relative to: the config file's folder, else the
    /// working directory.
    pub root: PathBuf,
    /// Files and folders that make up the workspace.
    pub paths: Vec<String>,
    /// Globs of paths to leave out.
    pub exclude: Vec<String>,
    /// Severity per rule code, overriding the defaults.
    pub levels: HashMap<&'static str, Level>,
    /// Rule options.
    pub options: RuleOptions,
    /// Default handbook language (`en` or `zh-CN`).
    pub locale: Option<String>,
    /// Largest spec file read, in bytes.
    pub max_file_size: u64,
    /// `baseline`: the findings file `kpic check` compares with (relative to `root`).
    pub baseline: Option<PathBuf>,
}

impl Config {
    /// The configuration when no `kpic.yaml` exists.
    pub fn default_in(root: &Path) -> Config {
        Config {
            file: None,
            root: root.to_path_buf(),
            paths: vec!["kpi-specs".into()],
            exclude: Vec::new(),
            levels: HashMap::new(),
            options: RuleOptions::default(),
            locale: None,
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            baseline: None,
        }
    }

    /// Finds `kpic.yaml` in `cwd` or the nearest parent and reads it, or returns the default.
    ///
    /// The file comes with a pull request as much as the specs do: a `kpic.yaml` that is a
    /// link leading out of its folder is refused without being read (else its text, printed in
    /// an error, would show any file on the machine), and one that is not a regular file (a
    /// FIFO, device or socket, or a dangling link) is an error, never silently the default.
    /// A folder named `kpic.yaml` is not a configuration. `--config FILE` ([`Config::load`])
    /// reads the file named, wherever its links lead.
    pub fn discover(cwd: &Path) -> Result<Config> {
        for dir in cwd.ancestors() {
            let candidate = dir.join(FILE_NAME);
            let Ok(meta) = std::fs::symlink_metadata(&candidate) else {
                continue;
            };
            if meta.is_dir() || std::fs::metadata(&candidate).is_ok_and(|m| m.is_dir()) {
                continue;
            }
            if meta.file_type().is_symlink()
                && let (Ok(target), Ok(project)) = (
                    std::fs::canonicalize(&candidate),
                    std::fs::canonicalize(dir),
                )
                && !target.starts_with(&project)
            {
                return Err(Error {
                    message: format!(
                        "`{}` is a link to `{}`, outside the project: kpic reads no configuration through a link out of it",
                        shown(&candidate),
                        target.display()
                    ),
                    detail: Some(
                        "help: copy the file into the project, or name it with `--config FILE`"
                            .into(),
                    ),
                });
            }
            return Config::load(&candidate);
        }
        Ok(Config::default_in(cwd))
    }

    /// Reads a configuration file.
    pub fn load(path: &Path) -> Result<Config> {
        let text = crate::workspace::read_to_string_limited(path, 1 << 20).map_err(|e| {
            Error::new(format!(
                "cannot read config `{}`: {}",
                shown(path),
                io_reason(&e)
            ))
        })?;
        let root_dir = path
            .parent()
            .map(Path::to_path_buf)
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or_else(|| PathBuf::from("."));
        let mut config = Config::parse(&shown(path), &text, &root_dir)?;
        config.file = Some(path.to_path_buf());
        Ok(config)
    }

    /// Reads configuration text; `name` is the file name shown in errors, `root` the folder
    /// `paths` and `exclude` are relative to.
    pub fn parse(name: &str, text: &str, root: &Path) -> Result<Config> {
        Config::read(text, root).map_err(|problems| config_error(name, text, &problems))
    }

    /// Reads configuration text as [`Config::parse`] does, but returns every problem with its
    /// place (for an editor) instead of an error.
    pub fn read(text: &str, root: &Path) -> std::result::Result<Config, Vec<Problem>> {
        let mut config = Config::default_in(root);
        let loaded = yaml::load(text, yaml::Limits::default());
        let mut problems: Vec<Problem> = loaded
            .errors
            .iter()
            .map(|e| Problem {
                message: e.message.clone(),
                span: e.span,
                help: e.help.clone(),
                labels: e.labels.clone(),
            })
            .collect();
        if problems.is_empty()
            && let Some(root) = &loaded.root
        {
            let mut reader = Reader {
                config: &mut config,
                problems: &mut problems,
                seen_rules: HashMap::new(),
            };
            reader.top(root);
        }
        if problems.is_empty() {
            Ok(config)
        } else {
            Err(problems)
        }
    }
}

/// The config file's name as shown to the user: relative to the working directory when inside it.
fn shown(path: &Path) -> String {
    match std::env::current_dir() {
        Ok(cwd) if path.is_absolute() => crate::workspace::discover::display_name(path, &cwd),
        _ => path.display().to_string(),
    }
}

/// One problem in a config file.
#[derive(Debug, Clone)]
pub struct Problem {
    /// What is wrong, lowercase.
    pub message: String,
    /// Where it is.
    pub span: Span,
    /// What to write instead.
    pub help: Option<String>,
    /// Other places that explain it.
    pub labels: Vec<(Span, String)>,
}

impl Problem {
    fn new(span: Span, message: impl Into<String>) -> Self {
        Problem {
            message: message.into(),
            span,
            help: None,
            labels: Vec::new(),
        }
    }

    fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

/// Walks the YAML tree of a config, filling in the config and collecting every problem.
struct Reader<'a> {
    config: &'a mut Config,
    problems: &'a mut Vec<Problem>,
    /// Rules configured so far, by code, with the span of their key.
    seen_rules: HashMap<&'static str, Span>,
}

impl Reader<'_> {
    fn top(&mut self, root: &Node) {
        let entries = match &root.value {
            Value::Null => return,
            Value::Map(m) => m,
            _ => {
                self.problems.push(
                    Problem::new(
                        root.span,
                        format!(
                            "`{FILE_NAME}` must be a mapping, found {}",
                            root.type_name()
                        ),
                    )
                    .help("write settings as `key: value`, e.g. `paths: [kpi-specs]`"),
                );
                return;
            }
        };
        for e in entries {
            let v = &e.value;
            match e.key_str() {
                "paths" => {
                    if let Some(list) = self.strings(v, "paths", "a list of files or folders") {
                        self.config.paths = list;
                    }
                }
                "exclude" => {
                    if let Some(list) = self.strings(v, "exclude", "a list of globs") {
                        self.globs(v);
                        self.config.exclude = list;
                    }
                }
                "rules" => self.rules(v),
                "vague-words" => self.vague_words(v),
                "locale" => match v.as_str() {
                    Some(l) if LOCALES.contains(&l) => self.config.locale = Some(l.to_owned()),
                    Some(l) => {
                        let p = Problem::new(v.span, format!("unknown locale `{l}`"));
                        self.problems
                            .push(match did_you_mean(l, LOCALES.iter().copied()) {
                                Some(s) => p.help(format!("did you mean `{s}`?")),
                                None => p.help("use `en` or `zh-CN`"),
                            });
                    }
                    None => self.type_problem(v, "locale", "`en` or `zh-CN`"),
                },
                "max-file-size" => match parse_size(v) {
                    Ok(n) => self.config.max_file_size = n,
                    Err(p) => self.problems.push(p),
                },
                "baseline" => match v.as_str() {
                    Some(b) if !b.trim().is_empty() => {
                        self.config.baseline = Some(PathBuf::from(b));
                    }
                    _ => self.type_problem(v, "baseline", "a file name"),
                },
                key => self.unknown_key(e.key.span, key, "`kpic.yaml`", KEYS),
            }
        }
    }

    fn unknown_key(&mut self, span: Span, key: &str, place: &str, allowed: &[&str]) {
        let p = Problem::new(span, format!("unknown key `{key}` in {place}"));
        self.problems
            .push(match did_you_mean(key, allowed.iter().copied()) {
                Some(s) => p.help(format!("did you mean `{s}`?")),
                None if allowed.is_empty() => p,
                None => p.help(format!("allowed keys here: {}", ticks(allowed))),
            });
    }

    fn type_problem(&mut self, node: &Node, key: &str, expected: &str) {
        self.problems.push(Problem::new(
            node.span,
            format!("`{key}` must be {expected}, found {}", node.type_name()),
        ));
    }

    /// A list of strings (`null` reads as not set).
    fn strings(&mut self, node: &Node, key: &str, expected: &str) -> Option<Vec<String>> {
        if matches!(node.value, Value::Null) {
            return None;
        }
        let Some(items) = node.as_seq() else {
            self.type_problem(node, key, expected);
            return None;
        };
        let mut out = Vec::with_capacity(items.len());
        let mut ok = true;
        for item in items {
            match item.as_str() {
                Some(s) if !s.is_empty() => out.push(s.to_owned()),
                _ => {
                    ok = false;
                    self.problems.push(Problem::new(
                        item.span,
                        format!(
                            "items of `{key}` must be non-empty text, found {}",
                            item.type_name()
                        ),
                    ));
                }
            }
        }
        ok.then_some(out)
    }

    /// Checks each `exclude` glob, so a bad one is reported at its place.
    fn globs(&mut self, node: &Node) {
        for item in node.as_seq().unwrap_or_default() {
            if let Some(s) = item.as_str()
                && let Err(e) = globset::Glob::new(s.trim_end_matches('/'))
            {
                self.problems.push(
                    Problem::new(item.span, format!("invalid glob `{s}`: {}", e.kind()))
                        .help("use `*` for any name, `**` for any depth, e.g. `drafts/**`"),
                );
            }
        }
    }

    fn rules(&mut self, node: &Node) {
        let entries = match &node.value {
            Value::Null => return,
            Value::Map(m) => m,
            _ => {
                self.type_problem(
                    node,
                    "rules",
                    "a mapping of rule codes or names to settings",
                );
                return;
            }
        };
        for e in entries {
            let key = e.key_str();
            let Some(meta) = rules::find(key) else {
                let p = Problem::new(e.key.span, format!("unknown rule `{key}`"));
                self.problems.push(match rules::suggest(key) {
                    Some(s) => p.help(format!("did you mean `{s}`?")),
                    None => p.help("`kpic rules` lists every code and name"),
                });
                continue;
            };
            if key != meta.code && key != meta.name {
                self.problems.push(
                    Problem::new(e.key.span, format!("unknown rule `{key}`"))
                        .help(format!("did you mean `{}`?", meta.code)),
                );
                continue;
            }
            if let Some(first) = self.seen_rules.insert(meta.code, e.key.span) {
                let mut p = Problem::new(
                    e.key.span,
                    format!("rule `{}` ({}) is configured twice", meta.code, meta.name),
                )
                .help("keep one entry: a rule's code and its name are the same rule");
                p.labels.push((first, "first configured here".into()));
                self.problems.push(p);
                continue;
            }
            self.rule(meta, key, &e.value);
        }
    }

    fn rule(&mut self, meta: &'static RuleMeta, key: &str, node: &Node) {
        match &node.value {
            Value::Str(s) => {
                if let Some(level) = self.level(node, s) {
                    self.config.levels.insert(meta.code, level);
                }
            }
            Value::Map(entries) => {
                let allowed = rule_keys(meta);
                for e in entries {
                    let v = &e.value;
                    match e.key_str() {
                        "severity" => match v.as_str() {
                            Some(s) => {
                                if let Some(level) = self.level(v, s) {
                                    self.config.levels.insert(meta.code, level);
                                }
                            }
                            None => self.type_problem(v, "severity", SEVERITIES),
                        },
                        name => match meta.option(name) {
                            Some(option) => self.option(meta, option, v),
                            None => self.unknown_key(
                                e.key.span,
                                name,
                                &format!("the settings of rule `{key}`"),
                                &allowed,
                            ),
                        },
                    }
                }
            }
            _ => self.type_problem(
                node,
                &format!("rules.{key}"),
                &format!("{SEVERITIES} or a mapping with `severity`"),
            ),
        }
    }

    fn level(&mut self, node: &Node, s: &str) -> Option<Level> {
        match s {
            "off" => Some(Level::Off),
            "info" => Some(Level::Info),
            "warning" => Some(Level::Warning),
            "error" => Some(Level::Error),
            _ => {
                let names = ["off", "info", "warning", "error"];
                let p = Problem::new(node.span, format!("unknown severity `{s}`"));
                self.problems.push(match did_you_mean(s, names) {
                    Some(n) => p.help(format!("did you mean `{n}`?")),
                    None => p.help(format!("use {SEVERITIES}")),
                });
                None
            }
        }
    }

    /// Reads one rule option, checking its value against the option's declared kind.
    fn option(&mut self, rule: &'static RuleMeta, option: &'static OptionMeta, v: &Node) {
        let name = option.name;
        let value = match option.kind {
            OptionKind::Count { min, unit, .. } => match v.value {
                Value::Int(n) if n >= 0 && n as u64 >= min => {
                    Some(OptionValue::Count(usize::try_from(n).unwrap_or(usize::MAX)))
                }
                _ => {
                    self.value_problem(
                        v,
                        option,
                        &format!("a whole number of {unit} of at least {min}"),
                    );
                    None
                }
            },
            OptionKind::Positive { .. } => match v.as_f64() {
                Some(x) if x.is_finite() && x > 0.0 => Some(OptionValue::Number(x)),
                _ => {
                    self.value_problem(v, option, "a number above 0");
                    None
                }
            },
            OptionKind::Words => self
                .strings(v, name, "a list of words")
                .map(OptionValue::Words),
        };
        if let Some(value) = value {
            self.config.options.set(rule, option, value);
        }
    }

    fn value_problem(&mut self, v: &Node, option: &OptionMeta, expected: &str) {
        self.problems.push(
            Problem::new(
                v.span,
                format!(
                    "`{}` must be {expected}, found {}",
                    option.name,
                    shown_value(v)
                ),
            )
            .help(option.help),
        );
    }

    fn vague_words(&mut self, node: &Node) {
        let entries = match &node.value {
            Value::Null => return,
            Value::Map(m) => m,
            _ => {
                self.type_problem(node, "vague-words", "a mapping with `extra` and `allow`");
                return;
            }
        };
        // The same lists as the settings of `vague-wording`; both places add up.
        let rule = &vague_wording::VAGUE_WORDING;
        let names: Vec<&str> = rule.options.iter().map(|o| o.name).collect();
        for e in entries {
            match rule.option(e.key_str()) {
                Some(option) => self.option(rule, option, &e.value),
                None => self.unknown_key(e.key.span, e.key_str(), "`vague-words`", &names),
            }
        }
    }
}

const SEVERITIES: &str = "`off`, `info`, `warning` or `error`";

/// The keys a rule's settings mapping accepts: `severity` and the rule's options.
pub fn rule_keys(meta: &RuleMeta) -> Vec<&'static str> {
    std::iter::once("severity")
        .chain(meta.options.iter().map(|o| o.name))
        .collect()
}

fn ticks(items: &[&str]) -> String {
    items
        .iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A value for a message: scalars as written, other nodes by type.
fn shown_value(node: &Node) -> String {
    match &node.value {
        Value::Int(i) => format!("`{i}`"),
        Value::Float(f) => format!("`{f}`"),
        Value::Str(s) => format!("`{s}`"),
        _ => node.type_name().to_owned(),
    }
}

/// Parses `max-file-size`: bytes as a number, or a number with a unit (`16MiB`, `500 KB`).
fn parse_size(node: &Node) -> std::result::Result<u64, Problem> {
    let bad = || {
        Problem::new(
            node.span,
            format!(
                "`max-file-size` must be a size such as `16MiB` or a number of bytes, found {}",
                shown_value(node)
            ),
        )
        .help("write bytes (`1048576`) or a number with B, KB, KiB, MB, MiB, GB or GiB")
    };
    let bytes = match &node.value {
        Value::Int(n) if *n >= 1 => Some(*n as u64),
        Value::Str(s) => {
            let s = s.trim();
            let digits = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
            let (num, unit) = s.split_at(digits);
            let factor: Option<u64> = match unit
                .strip_prefix(" ")
                .unwrap_or(unit)
                .to_ascii_lowercase()
                .as_str()
            {
                "" | "b" => Some(1),
                "kb" => Some(1000),
                "kib" => Some(1 << 10),
                "mb" => Some(1_000_000),
                "mib" => Some(1 << 20),
                "gb" => Some(1_000_000_000),
                "gib" => Some(1 << 30),
                _ => None,
            };
            num.parse::<u64>()
                .ok()
                .zip(factor)
                .and_then(|(n, f)| n.checked_mul(f))
                .filter(|n| *n >= 1)
        }
        _ => None,
    };
    bytes.ok_or_else(bad)
}

/// The error for a bad config: the first problem on one line, every problem rendered with its
/// snippet (`name:line:col`) in the detail.
fn config_error(name: &str, text: &str, problems: &[Problem]) -> Error {
    let source = crate::source::SourceFile::new(name.into(), PathBuf::from(name), text.into());
    let detail = crate::report::config_problems::render(&source, problems);
    let more = match problems.len() {
        1 => String::new(),
        2 => " (and 1 more problem)".into(),
        n => format!(" (and {} more problems)", n - 1),
    };
    let at = source.line_col(problems[0].span.lo());
    Error {
        message: format!(
            "invalid config {name}:{}:{}: {}{more}",
            at.line, at.column, problems[0].message
        ),
        detail: Some(detail),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config> {
        Config::parse("kpic.yaml", text, Path::new("."))
    }

    #[test]
    fn empty_config_is_the_default() {
        let c = parse("# nothing yet\n").unwrap();
        assert_eq!(c.paths, ["kpi-specs"]);
        assert_eq!(c.max_file_size, DEFAULT_MAX_FILE_SIZE);
        assert!(c.levels.is_empty());
    }

    #[test]
    fn reads_every_setting() {
        let c = parse(
            "paths: [specs, more]\nexclude: ['drafts/**']\nrules:\n  E004: off\n  \
             duplicate-id: {severity: warning}\nvague-words: {extra: [somehow], allow: [提升]}\n\
             locale: zh-CN\nmax-file-size: 2MiB\n",
        )
        .unwrap();
        assert_eq!(c.paths, ["specs", "more"]);
        assert_eq!(c.exclude, ["drafts/**"]);
        assert_eq!(c.levels.get("E004"), Some(&Level::Off));
        assert_eq!(c.levels.get("E003"), Some(&Level::Warning));
        let words = |w: &str| Some(OptionValue::Words(vec![w.to_owned()]));
        assert_eq!(c.options.get("S002", "extra"), words("somehow").as_ref());
        assert_eq!(c.options.get("S002", "allow"), words("提升").as_ref());
        assert_eq!(c.locale.as_deref(), Some("zh-CN"));
        assert_eq!(c.max_file_size, 2 * 1024 * 1024);
    }

    #[test]
    fn sizes() {
        let size = |s: &str| parse(&format!("max-file-size: {s}\n")).map(|c| c.max_file_size);
        assert_eq!(size("1024").unwrap(), 1024);
        assert_eq!(size("16MiB").unwrap(), 16 << 20);
        assert_eq!(size("'500 KB'").unwrap(), 500_000);
        assert_eq!(size("1gib").unwrap(), 1 << 30);
        assert!(size("0").is_err());
        assert!(size("-3").is_err());
        assert!(size("16 parsecs").is_err());
        assert!(size("99999999999999999999GiB").is_err());
    }

    #[test]
    fn unknown_key_has_span_and_did_you_mean() {
        let e = parse("paths: [a]\nexlude: [b]\n").unwrap_err();
        assert_eq!(
            e.message,
            "invalid config kpic.yaml:2:1: unknown key `exlude` in `kpic.yaml`"
        );
        let detail = e.detail.unwrap();
        assert!(detail.contains("[kpic.yaml:2:1]"), "{detail}");
        assert!(detail.contains("did you mean `exclude`?"), "{detail}");
    }

    #[test]
    fn collects_every_problem() {
        let e = parse("locale: fr\nrules:\n  E00: off\n  E004: loud\n").unwrap_err();
        assert!(
            e.message.ends_with("(and 2 more problems)"),
            "{}",
            e.message
        );
        let detail = e.detail.unwrap();
        assert!(detail.contains("unknown locale `fr`"));
        assert!(detail.contains("unknown rule `E00`"));
        assert!(detail.contains("unknown severity `loud`"));
    }

    #[test]
    fn a_rule_named_twice_is_reported() {
        let e = parse("rules:\n  E004: off\n  unknown-reference: error\n").unwrap_err();
        assert!(
            e.message
                .contains("rule `E004` (unknown-reference) is configured twice")
        );
        assert!(e.detail.unwrap().contains("first configured here"));
    }

    #[test]
    fn wrong_types() {
        for text in [
            "paths: kpi-specs\n",
            "exclude: [1]\n",
            "rules: [E004]\n",
            "rules: {E004: 3}\n",
            "rules: {E004: {severity: [off]}}\n",
            "rules: {E004: {max: 3}}\n",
            "vague-words: [x]\n",
            "vague-words: {extra: x}\n",
            "locale: 3\n",
            "- a\n",
            "exclude: ['a[']\n",
            "a: 1\na: 2\n",
        ] {
            assert!(parse(text).is_err(), "accepted: {text}");
        }
    }
}
