//! `kpic.yaml`: where the workspace is, which rules run at what severity, and rule options.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::diagnostic::Level;
use crate::error::{Error, Result};
use crate::rules::RuleOptions;
use crate::workspace::yaml::{self, Node};
use crate::workspace::{DEFAULT_MAX_FILE_SIZE, discover::io_reason};

/// The configuration file's name.
pub const FILE_NAME: &str = "kpic.yaml";

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
        }
    }

    /// Finds `kpic.yaml` in `cwd` or the nearest parent and reads it, or returns the default.
    pub fn discover(cwd: &Path) -> Result<Config> {
        for dir in cwd.ancestors() {
            let candidate = dir.join(FILE_NAME);
            if candidate.is_file() {
                return Config::load(&candidate);
            }
        }
        Ok(Config::default_in(cwd))
    }

    /// Reads a configuration file.
    pub fn load(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::new(format!(
                "cannot read config `{}`: {}",
                path.display(),
                io_reason(&e)
            ))
        })?;
        let root_dir = path
            .parent()
            .map(Path::to_path_buf)
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or_else(|| PathBuf::from("."));
        let mut config = Config::default_in(&root_dir);
        config.file = Some(path.to_path_buf());
        let loaded = yaml::load(&text, yaml::Limits::default());
        if let Some(e) = loaded.errors.first() {
            return Err(Error::new(format!(
                "invalid config `{}`: {}",
                path.display(),
                e.message
            )));
        }
        let Some(root) = loaded.root else {
            return Ok(config);
        };
        let bad = |what: &str| Error::new(format!("invalid config `{}`: {what}", path.display()));
        if let Some(paths) = root.get("paths") {
            config.paths = strings(paths).ok_or_else(|| bad("`paths` must be a list of paths"))?;
        }
        if let Some(exclude) = root.get("exclude") {
            config.exclude =
                strings(exclude).ok_or_else(|| bad("`exclude` must be a list of globs"))?;
        }
        Ok(config)
    }
}

fn strings(node: &Node) -> Option<Vec<String>> {
    node.as_seq()?
        .iter()
        .map(|n| n.as_str().map(str::to_owned))
        .collect()
}
