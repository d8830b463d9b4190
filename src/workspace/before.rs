//! What the given files of a check were before: their versions at `HEAD` (read with git, on a
//! thread of its own while the workspace loads), parsed into models. A check of given files
//! compares them with what the files are now, to tell what they break in other files
//! ([`crate::crossfile`]).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::thread::JoinHandle;

use super::git::{self, AtHead};
use super::{SpecFile, Workspace, yaml};
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
    /// The models of the given files before, by their place in `ws`: a file new since `HEAD`
    /// had none (an empty model); a file whose earlier version is not known is left out.
    pub(crate) fn models(self, ws: &Workspace, limits: yaml::Limits) -> HashMap<FileId, SpecFile> {
        let Some(texts) = self.head.and_then(|h| h.join().ok()).flatten() else {
            return HashMap::new();
        };
        let ids: HashMap<&str, FileId> = ws
            .files
            .iter()
            .enumerate()
            .map(|(i, f)| (f.name.as_str(), i))
            .collect();
        let mut out = HashMap::new();
        for (name, text) in self.names.iter().zip(texts) {
            let Some(&file) = ids.get(name.as_str()) else {
                continue;
            };
            let model = match text {
                AtHead::Unknown => continue,
                AtHead::Missing => SpecFile {
                    file,
                    ..SpecFile::default()
                },
                // A version that does not parse defined nothing that others could use.
                AtHead::Text(t) => match yaml::load(&t, limits).root {
                    Some(root) => SpecFile::from_node(file, &root),
                    None => SpecFile {
                        file,
                        ..SpecFile::default()
                    },
                },
            };
            out.insert(file, model);
        }
        out
    }
}
