//! The folder walk: a folder → the `.det` files below it (sorted) and the detection
//! trees found below it (folders with their own `scalpel.toml`, not entered).
//!
//! Invariants: bounded ([`MAX_ENTRIES`] entries, [`MAX_DEPTH`] levels; E0017); hidden
//! folders and `target` are skipped; a symbolic link is followed only when it
//! resolves inside `boundary` (W0013 otherwise) and not back into a folder that
//! contains it (W0014); linked folders are read after every real one, and a folder
//! reached twice is read once; a `.det` name that is not a regular file (a FIFO, a
//! device) is skipped (W0015). Nothing is opened here: files are read later through
//! [`crate::input`].

use super::CONFIG_FILE;
use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::input::FileKind;
use crate::visible::visible;
use std::collections::{BTreeSet, VecDeque};
use std::path::{Path, PathBuf};

/// Entries (files and folders) one walk looks at, at most.
pub const MAX_ENTRIES: usize = 200_000;

/// Levels of folders below the start, at most.
pub const MAX_DEPTH: usize = 64;

#[derive(Debug, Default)]
pub struct Walk {
    pub files: Vec<PathBuf>,
    /// Folders below the start that hold a `scalpel.toml`: trees of their own.
    pub trees: Vec<PathBuf>,
}

/// A folder to read: as the user sees it, as it really is, and how deep.
struct Folder {
    shown: PathBuf,
    real: PathBuf,
    depth: usize,
}

/// `.det` files below `start`; symbolic links must resolve inside `boundary` (a
/// resolved path).
pub fn walk(start: &Path, boundary: &Path, diags: &mut Diagnostics) -> Walk {
    let mut walk = Walk::default();
    let real = match std::fs::canonicalize(start) {
        Ok(real) => real,
        Err(err) => {
            diags.push(Diagnostic::new(Code::Io, format!("cannot read `{}`: {err}", shown(start))));
            return walk;
        }
    };
    let mut visited = BTreeSet::from([real.clone()]);
    let mut real_folders = vec![Folder { shown: start.to_path_buf(), real, depth: 0 }];
    let mut linked_folders = VecDeque::new();
    let mut entries = 0;
    let mut too_deep = false;
    while let Some(folder) = real_folders.pop().or_else(|| next_linked(&mut linked_folders, &mut visited)) {
        let listing = match std::fs::read_dir(&folder.shown) {
            Ok(listing) => listing,
            Err(err) => {
                diags.push(Diagnostic::new(Code::Io, format!("cannot read `{}`: {err}", shown(&folder.shown))));
                continue;
            }
        };
        let mut paths: Vec<PathBuf> = listing.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for path in paths {
            entries += 1;
            if entries > MAX_ENTRIES {
                diags.push(
                    Diagnostic::new(
                        Code::WalkTooLarge,
                        format!("stopped reading `{}` after {MAX_ENTRIES} entries", shown(start)),
                    )
                    .help("list the folders that hold detections in `paths` of `scalpel.toml`"),
                );
                walk.files.sort();
                return walk;
            }
            let is_det = path.extension().is_some_and(|e| e == "det");
            let Ok(metadata) = std::fs::symlink_metadata(&path) else { continue };
            let mut kind = FileKind::of(&metadata.file_type());
            let mut target = None;
            if kind == FileKind::Symlink {
                match std::fs::canonicalize(&path) {
                    Err(err) => {
                        if is_det {
                            diags.push(skipped(
                                Code::SymlinkLoop,
                                &path,
                                &format!("the link cannot be resolved: {err}"),
                            ));
                        }
                        continue;
                    }
                    Ok(real) => {
                        kind = std::fs::metadata(&real).map_or(FileKind::Other, |m| FileKind::of(&m.file_type()));
                        if !real.starts_with(boundary) {
                            if is_det || kind == FileKind::Directory {
                                let why = format!("it leads to `{}`, outside the tree", shown(&real));
                                diags.push(skipped(Code::SymlinkOutsideTree, &path, &why));
                            }
                            continue;
                        }
                        target = Some(real);
                    }
                }
            }
            match kind {
                FileKind::Directory => {
                    let name = path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
                    if name.starts_with('.') || name == "target" {
                        continue;
                    }
                    // A link to a folder that contains it would be read forever.
                    if let Some(real) = target.as_ref().filter(|real| folder.real.starts_with(real)) {
                        let why = format!("it leads back to `{}`, which contains it", shown(real));
                        diags.push(skipped(Code::SymlinkLoop, &path, &why));
                        continue;
                    }
                    if path.join(CONFIG_FILE).is_file() {
                        walk.trees.push(path);
                        continue;
                    }
                    if folder.depth + 1 > MAX_DEPTH {
                        if !std::mem::replace(&mut too_deep, true) {
                            diags.push(
                                Diagnostic::new(
                                    Code::WalkTooLarge,
                                    format!(
                                        "`{}` nests folders more than {MAX_DEPTH} deep; the deeper ones are not read",
                                        shown(start)
                                    ),
                                )
                                .note(format!("the first one is `{}`", shown(&path))),
                            );
                        }
                        continue;
                    }
                    let depth = folder.depth + 1;
                    match target {
                        Some(real) => linked_folders.push_back(Folder { shown: path, real, depth }),
                        None => {
                            let real = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
                            if visited.insert(real.clone()) {
                                real_folders.push(Folder { shown: path, real, depth });
                            }
                        }
                    }
                }
                FileKind::Regular if is_det => walk.files.push(path),
                other if is_det => {
                    let why = format!("it is {}, not a regular file", other.describe());
                    diags.push(skipped(Code::SkippedSpecialFile, &path, &why));
                }
                _ => {}
            }
        }
    }
    walk.files.sort();
    walk
}

/// The next linked folder not read yet (through its real path or another link).
fn next_linked(linked: &mut VecDeque<Folder>, visited: &mut BTreeSet<PathBuf>) -> Option<Folder> {
    while let Some(folder) = linked.pop_front() {
        if visited.insert(folder.real.clone()) {
            return Some(folder);
        }
    }
    None
}

fn skipped(code: Code, path: &Path, why: &str) -> Diagnostic {
    Diagnostic::new(code, format!("skipped `{}`: {why}", shown(path)))
}

fn shown(path: &Path) -> String {
    visible(&path.display().to_string()).into_owned()
}
