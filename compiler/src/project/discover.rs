//! Tree discovery: the paths of one command line → the units to read, each a
//! detection tree or the loose files outside every tree.
//!
//! A folder with a `scalpel.toml` is a tree. Any other path belongs to the nearest
//! folder above it with a `scalpel.toml` (walking up, as Cargo finds `Cargo.toml`),
//! and is read with that tree. A folder outside every tree is searched for `.det`
//! files; a tree found below it is a unit of its own and is not entered. Loose files
//! (given, or found in such a folder) form one more unit, read together as before
//! trees. Invariants: units come in the order their first path was given; a tree is
//! one unit however many of its paths are given (compared resolved).

use super::walk;
use super::CONFIG_FILE;
use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::source::display_path;
use crate::visible::visible;
use std::path::{Component, Path, PathBuf};

/// One detection tree, or the loose files outside every tree.
#[derive(Debug, Default)]
pub struct Unit {
    /// The tree's folder (holding `scalpel.toml`); `None` for loose files.
    pub tree: Option<PathBuf>,
    /// The paths given on the command line that belong to this unit (the tree's own
    /// folder excepted).
    pub given: Vec<PathBuf>,
    /// For loose files: every file to read (given, or found in a given folder).
    pub files: Vec<PathBuf>,
    /// What searching loose folders reported (skipped links and files).
    pub diags: Diagnostics,
    /// The resolved tree folder, to recognise a tree given twice.
    real: Option<PathBuf>,
}

impl Unit {
    /// `tree `detections`` or `files outside any tree`, for messages.
    pub fn describe(&self) -> String {
        match &self.tree {
            Some(tree) => format!("tree `{}`", visible(&display_path(tree))),
            None => "files outside any tree".to_string(),
        }
    }
}

/// The units, and the paths that do not exist (E0001).
#[derive(Debug, Default)]
pub struct Discovered {
    pub units: Vec<Unit>,
    pub diags: Diagnostics,
}

pub fn discover(paths: &[PathBuf]) -> Discovered {
    let mut found = Discovered::default();
    // Loose files, and the place of the first loose path among the units.
    let mut loose = Unit::default();
    let mut loose_at = None;
    for path in paths {
        if std::fs::symlink_metadata(path).is_err() {
            let shown = visible(&path.display().to_string()).into_owned();
            found.diags.push(Diagnostic::new(Code::Io, format!("cannot read `{shown}`: no such file or folder")));
            continue;
        }
        if path.is_dir() && path.join(CONFIG_FILE).is_file() {
            found.tree(path, None);
        } else if let Some(root) = enclosing_tree(path) {
            found.tree(&root, Some(path));
        } else {
            loose_at.get_or_insert(found.units.len());
            loose.given.push(path.clone());
            if path.is_dir() {
                let boundary = std::fs::canonicalize(path).unwrap_or_else(|_| path.clone());
                let walked = walk::walk(path, &boundary, &mut loose.diags);
                loose.files.extend(walked.files);
                for tree in walked.trees {
                    found.tree(&tree, None);
                }
            } else {
                loose.files.push(path.clone());
            }
        }
    }
    // A folder that only holds trees adds no unit of its own (and no "no files" warning).
    let wanted = !loose.files.is_empty() || !loose.diags.is_empty() || found.units.is_empty();
    if let (Some(at), true) = (loose_at, wanted) {
        found.units.insert(at, loose);
    }
    found
}

impl Discovered {
    /// Adds `root` as a tree unit (once), with `given` read as part of it.
    fn tree(&mut self, root: &Path, given: Option<&Path>) {
        let real = std::fs::canonicalize(root).ok();
        let index = match self.units.iter().position(|u| u.tree.is_some() && u.real == real) {
            Some(index) => index,
            None => {
                self.units.push(Unit { tree: Some(root.to_path_buf()), real, ..Unit::default() });
                self.units.len() - 1
            }
        };
        if let Some(given) = given {
            self.units[index].given.push(given.to_path_buf());
        }
    }
}

/// The nearest folder above `path` that holds a `scalpel.toml`, walking up the
/// resolved folders to the root. It is written relative (`..`, `flows/..` → `.`) when
/// `path` is and that names the same folder, so that diagnostics show short paths.
pub fn enclosing_tree(path: &Path) -> Option<PathBuf> {
    let mut shown = if path.is_dir() { path.to_path_buf() } else { lexical_parent(path) };
    let mut real = std::fs::canonicalize(&shown).ok()?;
    // A file's own folder comes first (a file beside `scalpel.toml` is the tree's);
    // a folder holding one is a tree itself, which `discover` has already seen.
    if !path.is_dir() && real.join(CONFIG_FILE).is_file() {
        return Some(shown);
    }
    loop {
        let parent = real.parent()?.to_path_buf();
        shown = lexical_parent(&shown);
        if parent.join(CONFIG_FILE).is_file() {
            let same = std::fs::canonicalize(&shown).is_ok_and(|s| s == parent);
            return Some(if same { shown } else { parent });
        }
        real = parent;
    }
}

/// The folder above `path` as written: `a/b` → `a`, `a` → `.`, `.` → `..`, `..` → `../..`.
fn lexical_parent(path: &Path) -> PathBuf {
    match path.components().next_back() {
        Some(Component::Normal(_)) => match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => PathBuf::from("."),
        },
        Some(Component::ParentDir) => path.join(".."),
        Some(Component::CurDir) | None => PathBuf::from(".."),
        Some(Component::RootDir | Component::Prefix(_)) => path.to_path_buf(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_beside_scalpel_toml_is_the_trees() {
        let dir = tempfile::tempdir().expect("temporary folder");
        std::fs::write(dir.path().join(CONFIG_FILE), "name = \"t\"\n").expect("written");
        std::fs::create_dir(dir.path().join("flows")).expect("created");
        for file in ["f.det", "flows/g.det"] {
            std::fs::write(dir.path().join(file), "").expect("written");
            let found = enclosing_tree(&dir.path().join(file)).expect("in the tree");
            assert_eq!(std::fs::canonicalize(found).ok(), std::fs::canonicalize(dir.path()).ok(), "{file}");
        }
    }

    #[test]
    fn parents_as_written() {
        assert_eq!(lexical_parent(Path::new("a/b")), Path::new("a"));
        assert_eq!(lexical_parent(Path::new("a")), Path::new("."));
        assert_eq!(lexical_parent(Path::new(".")), Path::new(".."));
        assert_eq!(lexical_parent(Path::new("..")), Path::new("../.."));
        assert_eq!(lexical_parent(Path::new("/")), Path::new("/"));
    }
}
