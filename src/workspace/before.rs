//! What the given files of a check were before: their versions at `HEAD` (read with git, on a
//! thread of its own while the workspace loads), parsed into models. A check of given files
//! compares them with what the files are now, to tell what they break in other files
//! ([`crate::crossfile`]).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::thread::JoinHandle;

use super::cache::ModelCache;
use super::git::{self, AtHead};
use super::{SpecFile, yaml};
use crate::source::FileId;

/// The earlier versions of given files, being read.
pub(crate) struct Pending {
    /// The given files' names, in the order of the answer.
    names: Vec<String>,
    /// Git reading their versions at `HEAD`.
    head: Option<JoinHandle<Option<Vec<AtHead>>>>,
}

/// Starts reading the versions at `HEAD` of `given` (name, path) files of the project at
/// `root`, when it is in a git work tree.
pub(crate) fn start(root: &Path, given: Vec<(String, PathBuf)>, max_size: u64) -> Pending {
    let (names, paths): (Vec<String>, Vec<PathBuf>) = given.into_iter().unzip();
    let head = (!paths.is_empty() && git::work_tree(root).is_some()).then(|| {
        let root = root.to_path_buf();
        std::thread::spawn(move || git::head_texts(&root, &paths, max_size, git::TIMEOUT))
    });
    Pending { names, head }
}

impl Pending {
    /// Nothing to read (a check of every file).
    pub(crate) fn none() -> Pending {
        Pending {
            names: Vec::new(),
            head: None,
        }
    }

    /// The models of the given files before, by their place in the workspace (`file_of`
    /// gives it for a name): a file new since `HEAD` had none (an empty model). Outside git,
    /// or for a file git could not say, the model the `cache` has of it; a file whose earlier
    /// version is not known is left out.
    pub(crate) fn models(
        self,
        file_of: impl Fn(&str) -> Option<FileId>,
        limits: yaml::Limits,
        cache: Option<&ModelCache>,
    ) -> HashMap<FileId, SpecFile> {
        let texts = self.head.and_then(|h| h.join().ok()).flatten();
        let mut out = HashMap::new();
        for (n, name) in self.names.iter().enumerate() {
            let Some(file) = file_of(name) else {
                continue;
            };
            let empty = || SpecFile {
                file,
                ..SpecFile::default()
            };
            let model = match texts.as_ref().and_then(|t| t.get(n)) {
                Some(AtHead::Missing) => Some(empty()),
                // A version that does not parse defined nothing that others could use.
                Some(AtHead::Text(t)) => Some(match yaml::load(t, limits).root {
                    Some(root) => SpecFile::from_node(file, &root),
                    None => empty(),
                }),
                Some(AtHead::Unknown) | None => cache.and_then(|c| c.previous_model(name, file)),
            };
            if let Some(model) = model {
                out.insert(file, model);
            }
        }
        out
    }
}
