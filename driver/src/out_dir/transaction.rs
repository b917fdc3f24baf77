//! Replacing Scalpel's files in an output folder as one transaction: a plan of
//! operations → the folder after all of them, or after none.
//!
//! 1. *Stage*: a folder `.scalpel-staging-*` inside `--out` (so every rename stays
//!    on one file system) receives the new files (`new/…`), the new manifest
//!    (`manifest.json`) and, last, the journal of operations (`journal.json`,
//!    written whole by a rename). Nothing in `--out` has changed yet.
//! 2. *Commit*: each operation is a rename: a file to replace or remove goes to
//!    `old/…`, its successor comes from `new/…`. Then the new manifest is renamed
//!    over the old one: that rename is the commit point.
//! 3. *Finish*: the staging folder (the new files are gone from it; what is left are
//!    the replaced files, Scalpel's own) is deleted, and folders emptied by removals.
//!
//! A failure during the commit rolls back at once. A killed run leaves its staging
//! folder; the next run ([`recover`]) reads its journal: no journal means nothing
//! was moved (delete the folder); a staged manifest still there means the commit
//! point was not reached, so every operation is undone in reverse, each from what
//! exists (its backup in `old/`, its new file gone from `new/`); otherwise the run
//! had committed and only the cleanup is left. Only files in the journal are
//! touched. A kill between two renames of the commit can leave a mix of old and new
//! files until the next run of Scalpel on the folder rolls it back (W0808).

use super::STAGING_PREFIX;
use scalpel_compiler::diag::{Code, Diagnostic};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

const JOURNAL: &str = "journal.json";
const MANIFEST: &str = "manifest.json";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OpKind {
    /// A new file where there was none.
    Create,
    /// A file Scalpel wrote, replaced by its new content.
    Replace,
    /// A file Scalpel wrote that no producer makes any more.
    Remove,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Op {
    /// Relative `/` path inside the output folder.
    pub path: String,
    pub kind: OpKind,
}

#[derive(Debug, Serialize, Deserialize)]
struct Journal {
    ops: Vec<Op>,
    /// Folders the commit creates, outermost first; removed again on roll-back when empty.
    created_folders: Vec<String>,
}

/// A staged transaction, ready to commit.
pub struct Staged {
    dir: PathBuf,
    journal: Journal,
}

/// A fresh staging folder in `out`, for [`stage`]; a streamed producer writes its
/// files into its `new/` first ([`new_files`]).
pub fn begin(out: &Path) -> io::Result<PathBuf> {
    Ok(tempfile::Builder::new().prefix(STAGING_PREFIX).tempdir_in(out)?.keep())
}

/// Where a staged new file goes, inside the staging folder `dir`.
pub fn new_files(dir: &Path) -> PathBuf {
    dir.join("new")
}

/// Step 1: writes the new files of `contents` (the ops' other files are already in
/// `new/`), the manifest and the journal into the staging folder `dir` from [`begin`]
/// (deleted on failure). Files are written in parallel, each folder made once.
pub fn stage(
    dir: PathBuf,
    ops: Vec<Op>,
    contents: &BTreeMap<&str, &str>,
    created_folders: Vec<String>,
    manifest: &str,
) -> io::Result<Staged> {
    use rayon::prelude::*;
    let journal = Journal { ops, created_folders };
    let written = (|| {
        let new = new_files(&dir);
        std::fs::create_dir_all(&new)?;
        let folders: std::collections::BTreeSet<&str> =
            contents.keys().filter_map(|path| path.rsplit_once('/').map(|(folder, _)| folder)).collect();
        for folder in folders {
            std::fs::create_dir_all(new.join(folder))?;
        }
        let files: Vec<(&&str, &&str)> = contents.iter().collect();
        files.par_iter().try_for_each(|(path, text)| std::fs::write(new.join(path), text))?;
        std::fs::write(dir.join(MANIFEST), manifest)?;
        let text = serde_json::to_string(&journal).map_err(io::Error::other)?;
        std::fs::write(dir.join("journal.part"), text)?;
        std::fs::rename(dir.join("journal.part"), dir.join(JOURNAL))
    })();
    match written {
        Ok(()) => Ok(Staged { dir, journal }),
        Err(err) => {
            let _ = std::fs::remove_dir_all(&dir);
            Err(err)
        }
    }
}

/// Step 2 and 3: every operation, the manifest (the commit point), the cleanup. On
/// failure everything is rolled back and the error returned.
pub fn commit(out: &Path, staged: Staged) -> io::Result<()> {
    if let Err(err) = apply(out, &staged, usize::MAX) {
        let undone = roll_back(out, &staged.dir, &staged.journal);
        let _ = std::fs::remove_dir_all(&staged.dir);
        return Err(undone.err().unwrap_or(err));
    }
    finish(out, &staged.dir, &staged.journal);
    Ok(())
}

/// Runs the renames of the commit; stops (as if killed) after `renames` of them, so
/// that tests can stop a commit anywhere.
fn apply(out: &Path, staged: &Staged, renames: usize) -> io::Result<()> {
    let mut left = renames;
    let mut rename = |from: &Path, to: &Path| -> io::Result<bool> {
        if left == 0 {
            return Ok(false);
        }
        left -= 1;
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::rename(from, to)?;
        Ok(true)
    };
    for op in &staged.journal.ops {
        let target = out.join(&op.path);
        let new = staged.dir.join("new").join(&op.path);
        let old = staged.dir.join("old").join(&op.path);
        let done = match op.kind {
            OpKind::Create => rename(&new, &target)?,
            OpKind::Replace => rename(&target, &old)? && rename(&new, &target)?,
            OpKind::Remove => rename(&target, &old)?,
        };
        if !done {
            return Ok(());
        }
    }
    rename(&staged.dir.join(MANIFEST), &out.join(super::manifest::FILE_NAME))?;
    Ok(())
}

/// Undoes the operations of `journal`, last first, each from what exists.
fn roll_back(out: &Path, dir: &Path, journal: &Journal) -> io::Result<()> {
    let exists = |path: &Path| std::fs::symlink_metadata(path).is_ok();
    for op in journal.ops.iter().rev() {
        let target = out.join(&op.path);
        let new = dir.join("new").join(&op.path);
        let old = dir.join("old").join(&op.path);
        // The new file has left `new/`, so what is at the target is Scalpel's new file.
        let installed = op.kind != OpKind::Remove && !exists(&new) && exists(&target);
        match op.kind {
            OpKind::Create if installed => std::fs::remove_file(&target)?,
            OpKind::Replace | OpKind::Remove if exists(&old) => {
                if installed {
                    std::fs::remove_file(&target)?;
                }
                std::fs::rename(&old, &target)?;
            }
            _ => {}
        }
    }
    for folder in journal.created_folders.iter().rev() {
        let _ = std::fs::remove_dir(out.join(folder));
    }
    Ok(())
}

/// Deletes the staging folder and the folders that removals left empty.
fn finish(out: &Path, dir: &Path, journal: &Journal) {
    let _ = std::fs::remove_dir_all(dir);
    for op in journal.ops.iter().filter(|op| op.kind == OpKind::Remove) {
        let mut folder = out.join(&op.path);
        while folder.pop() && folder.starts_with(out) && folder != out {
            if std::fs::remove_dir(&folder).is_err() {
                break;
            }
        }
    }
}

/// Finishes or rolls back what killed runs left in `out` (see the module header);
/// W0808 for each roll-back.
pub fn recover(out: &Path, shown: &str) -> Result<Vec<Diagnostic>, Diagnostic> {
    let Ok(listing) = std::fs::read_dir(out) else { return Ok(Vec::new()) };
    let mut staging: Vec<PathBuf> = listing
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(STAGING_PREFIX))
        // A link named like a staging folder is not one: never followed, never deleted.
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
        .collect();
    staging.sort();
    let mut warnings = Vec::new();
    for dir in staging {
        let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let failed = |err: String| {
            Diagnostic::new(Code::Io, format!("cannot recover the interrupted write `{name}` in `{shown}`"))
                .note(err)
                .help("the folder is as that write left it; move the output folder away and build again")
        };
        if std::fs::symlink_metadata(dir.join(JOURNAL)).is_err() {
            // Killed while staging: nothing in the folder was moved yet.
            std::fs::remove_dir_all(&dir).map_err(|e| failed(e.to_string()))?;
            continue;
        }
        let text = scalpel_compiler::input::read_text(&dir.join(JOURNAL), 256 * scalpel_compiler::input::MIB)
            .map_err(|e| failed(e.to_string()))?;
        let journal: Journal = serde_json::from_str(&text).map_err(|e| failed(e.to_string()))?;
        if std::fs::symlink_metadata(dir.join(MANIFEST)).is_ok() {
            roll_back(out, &dir, &journal).map_err(|e| failed(e.to_string()))?;
            std::fs::remove_dir_all(&dir).map_err(|e| failed(e.to_string()))?;
            warnings.push(
                Diagnostic::new(
                    Code::OutRecovered,
                    format!(
                        "rolled back an interrupted write of {} {} in `{shown}`",
                        journal.ops.len(),
                        super::files_word(journal.ops.len())
                    ),
                )
                .note("an earlier run was killed while it replaced them; the folder is as that run found it"),
            );
        } else {
            finish(out, &dir, &journal);
        }
    }
    Ok(warnings)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every file under `dir` (staging folders and the manifest excluded) with its content.
    fn snapshot(dir: &Path) -> BTreeMap<String, String> {
        let mut files = BTreeMap::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(folder) = stack.pop() {
            for entry in std::fs::read_dir(&folder).expect("listing") {
                let path = entry.expect("entry").path();
                let relative = path.strip_prefix(dir).expect("inside").to_string_lossy().into_owned();
                if relative.starts_with(STAGING_PREFIX) {
                    continue;
                }
                if path.is_dir() {
                    files.insert(format!("{relative}/"), String::new());
                    stack.push(path);
                } else {
                    files.insert(relative, std::fs::read_to_string(&path).expect("text"));
                }
            }
        }
        files
    }

    /// Before: `keep` (the user's), `a` and `gone/b` (Scalpel's). After: `a` replaced,
    /// `gone/b` removed, `c/d` created.
    fn setup() -> (tempfile::TempDir, Vec<Op>, BTreeMap<&'static str, &'static str>) {
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::write(dir.path().join("keep"), "user").expect("write");
        std::fs::write(dir.path().join("a"), "old a").expect("write");
        std::fs::create_dir(dir.path().join("gone")).expect("dir");
        std::fs::write(dir.path().join("gone/b"), "old b").expect("write");
        std::fs::write(dir.path().join(super::super::manifest::FILE_NAME), "old manifest").expect("write");
        let ops = vec![
            Op { path: "a".into(), kind: OpKind::Replace },
            Op { path: "c/d".into(), kind: OpKind::Create },
            Op { path: "gone/b".into(), kind: OpKind::Remove },
        ];
        let contents = BTreeMap::from([("a", "new a"), ("c/d", "new d")]);
        (dir, ops, contents)
    }

    #[test]
    fn a_commit_stopped_after_any_rename_is_rolled_back_by_the_next_run() {
        let renames = 1 + 1 + 1 + 1 + 1; // replace (2), create, remove, manifest
        for stop in 0..renames {
            let (dir, ops, contents) = setup();
            let before = snapshot(dir.path());
            let staged = stage(begin(dir.path()).expect("staging"), ops, &contents, vec!["c".into()], "new manifest")
                .expect("staged");
            apply(dir.path(), &staged, stop).expect("renames");
            // The run is killed here: the staging folder stays, and the next run recovers.
            let warnings = recover(dir.path(), "out").expect("recovers");
            let after = snapshot(dir.path());
            assert_eq!(after, before, "stopped after {stop} renames");
            assert_eq!(warnings.len(), 1, "stopped after {stop} renames: one W0808");
        }
    }

    #[test]
    fn a_commit_past_its_commit_point_is_finished_by_the_next_run() {
        let (dir, ops, contents) = setup();
        let staged = stage(begin(dir.path()).expect("staging"), ops, &contents, vec!["c".into()], "new manifest")
            .expect("staged");
        apply(dir.path(), &staged, usize::MAX).expect("renames");
        assert!(recover(dir.path(), "out").expect("recovers").is_empty(), "nothing to roll back");
        let files = snapshot(dir.path());
        let want: BTreeMap<String, String> = [
            (".scalpel-manifest.json", "new manifest"),
            ("a", "new a"),
            ("c/", ""),
            ("c/d", "new d"),
            ("keep", "user"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(files, want, "`gone/` emptied by the removal is deleted too");
    }

    #[test]
    fn a_run_killed_while_staging_leaves_nothing_behind() {
        let (dir, ops, contents) = setup();
        let before = snapshot(dir.path());
        let staged =
            stage(begin(dir.path()).expect("staging"), ops, &contents, vec![], "new manifest").expect("staged");
        std::fs::remove_file(staged.dir.join(JOURNAL)).expect("as if killed before the journal");
        assert!(recover(dir.path(), "out").expect("recovers").is_empty());
        assert_eq!(snapshot(dir.path()), before);
        assert!(!staged.dir.exists());
    }
}
