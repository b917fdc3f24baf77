//! What must hold before anything in an output folder is touched: the folder
//! resolved, clear of every input (E0800), a folder (E0801), locked against another
//! Scalpel (E0806); and what a path inside it is, found without following any
//! symbolic link.

use scalpel_compiler::diag::{Code, Diagnostic};
use scalpel_compiler::project::{InputPath, InputRole};
use scalpel_compiler::visible::visible;
use std::fs::File;
use std::path::{Component, Path, PathBuf};

/// `path` made absolute with every symbolic link and `..` resolved, also when it
/// does not exist yet (its existing part is resolved, the rest appended).
pub fn resolve(path: &Path) -> std::io::Result<PathBuf> {
    let absolute = if path.is_absolute() { path.to_path_buf() } else { std::env::current_dir()?.join(path) };
    // Component by component: what exists is resolved (a link followed), so that a
    // later `..` leaves the real folder; what does not cannot be a link.
    let mut resolved = PathBuf::new();
    for component in absolute.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                resolved.pop();
            }
            Component::Normal(name) => {
                resolved.push(name);
                if std::fs::symlink_metadata(&resolved).is_ok() {
                    resolved = std::fs::canonicalize(&resolved)?;
                }
            }
            root => resolved.push(root.as_os_str()),
        }
    }
    Ok(resolved)
}

/// E0800 when the output folder `out` (resolved) is an input, holds one, or lies
/// inside a folder of inputs (the tree's own folder excepted: only its `paths` are read).
pub fn overlap(out: &Path, shown: &Path, inputs: &[InputPath]) -> Option<Diagnostic> {
    let out_shown = visible(&shown.display().to_string()).into_owned();
    inputs.iter().find_map(|input| {
        let what = match input.role {
            InputRole::TreeRoot => "the detection tree",
            InputRole::Folder => "the input folder",
            InputRole::File => "the input file",
        };
        let path = relative_to_cwd(&input.path);
        let relation = if input.path == out {
            format!("is {what} itself")
        } else if input.path.starts_with(out) {
            format!("holds {what} `{path}`")
        } else if out.starts_with(&input.path) && input.role == InputRole::Folder {
            format!("lies inside {what} `{path}`")
        } else {
            return None;
        };
        let diag = Diagnostic::new(Code::OutOverlapsInput, format!("the output folder `{out_shown}` {relation}"))
            .note("writing there could replace what this run reads, or read the output back as input")
            .help("choose an output folder outside the inputs with `--out`");
        // `paths = ["."]` (the default) makes the whole tree a source folder.
        let whole_tree = inputs.iter().any(|i| i.role == InputRole::TreeRoot && i.path == input.path);
        Some(if whole_tree && input.role == InputRole::Folder && out.starts_with(&input.path) && input.path != out {
            diag.help("or list only the folders that hold detections in `paths` of `scalpel.toml`, then an output folder beside them is fine")
        } else {
            diag
        })
    })
}

/// A resolved path as the user would write it: relative to the working folder
/// when it lies inside it.
pub fn relative_to_cwd(path: &Path) -> String {
    let cwd = std::env::current_dir().ok().and_then(|c| std::fs::canonicalize(c).ok());
    let shown = match cwd.as_deref().and_then(|cwd| path.strip_prefix(cwd).ok()) {
        Some(relative) if relative.as_os_str().is_empty() => ".".to_string(),
        Some(relative) => relative.display().to_string(),
        None => path.display().to_string(),
    };
    visible(&shown).into_owned()
}

/// What a relative path names inside the output folder, looked at component by
/// component without following a symbolic link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// Nothing there; the folders to create on the way, outermost first (relative).
    Absent(Vec<String>),
    /// A regular file of this size.
    File(u64),
    /// Something else at the path itself: a folder, a symbolic link, a FIFO, ...
    Other(&'static str),
    /// A component on the way is not a folder (a symbolic link or a file): nothing
    /// below it is Scalpel's to read or write.
    Blocked(String, &'static str),
}

pub fn entry(out: &Path, relative: &str) -> Entry {
    Entries::default().entry(out, relative)
}

/// [`entry`] for many paths of one folder: what each folder on the way is, looked
/// at once (`sigma/F/` holds hundreds of rules; one `stat` of it, not hundreds).
#[derive(Default)]
pub struct Entries {
    /// Relative folder path → what is there (`None`: nothing).
    folders: std::collections::HashMap<String, Option<scalpel_compiler::input::FileKind>>,
}

impl Entries {
    pub fn entry(&mut self, out: &Path, relative: &str) -> Entry {
        use scalpel_compiler::input::FileKind;
        let parts: Vec<&str> = relative.split('/').collect();
        let (last, folders) = parts.split_last().unwrap_or((&"", &[]));
        let mut prefix = String::new();
        for (i, part) in folders.iter().enumerate() {
            if i > 0 {
                prefix.push('/');
            }
            prefix.push_str(part);
            let kind = *self.folders.entry(prefix.clone()).or_insert_with(|| {
                std::fs::symlink_metadata(out.join(&prefix)).ok().map(|m| FileKind::of(&m.file_type()))
            });
            match kind {
                None => {
                    let missing = (i..folders.len()).map(|j| parts[..=j].join("/")).collect();
                    return Entry::Absent(missing);
                }
                Some(FileKind::Directory) => {}
                Some(other) => return Entry::Blocked(prefix, other.describe()),
            }
        }
        if last.is_empty() {
            return Entry::Other("the folder itself");
        }
        match std::fs::symlink_metadata(out.join(relative)) {
            Err(_) => Entry::Absent(Vec::new()),
            Ok(metadata) => match FileKind::of(&metadata.file_type()) {
                FileKind::Regular => Entry::File(metadata.len()),
                other => Entry::Other(other.describe()),
            },
        }
    }
}

/// Whether a relative path names a place Scalpel may write: plain names only (no
/// `..`, no root, no empty part), and not Scalpel's own bookkeeping.
pub fn is_plain_relative(relative: &str) -> bool {
    let path = Path::new(relative);
    !relative.is_empty()
        && !relative.contains('\\')
        && relative.split('/').all(|part| !part.is_empty())
        && path.components().all(|c| matches!(c, Component::Normal(_)))
        && relative != super::manifest::FILE_NAME
        && !relative.starts_with(super::STAGING_PREFIX)
}

/// Holds the output folder's lock: exclusive to write, shared to compare. `None` off
/// Unix, where folders cannot be opened as files.
pub struct Lock {
    _folder: Option<File>,
}

pub fn lock(out: &Path, shown: &Path, shared: bool) -> Result<Lock, Diagnostic> {
    if !cfg!(unix) {
        return Ok(Lock { _folder: None });
    }
    let folder = File::open(out).map_err(|err| {
        Diagnostic::new(Code::Io, format!("cannot open `{}`: {err}", visible(&shown.display().to_string())))
    })?;
    let result = if shared { folder.try_lock_shared() } else { folder.try_lock() };
    match result {
        Ok(()) => Ok(Lock { _folder: Some(folder) }),
        Err(std::fs::TryLockError::WouldBlock) => Err(Diagnostic::new(
            Code::OutInUse,
            format!("another Scalpel is writing `{}`", visible(&shown.display().to_string())),
        )
        .help("wait for it to finish, or choose another `--out`")),
        // A file system without locks: go on unlocked rather than refuse to work.
        Err(std::fs::TryLockError::Error(_)) => Ok(Lock { _folder: None }),
    }
}

/// W0807 for each folder an interrupted Scalpel 0.1 left next to `out`.
pub fn legacy_leftovers(out: &Path) -> Vec<Diagnostic> {
    let Some(parent) = out.parent() else { return Vec::new() };
    let Ok(listing) = std::fs::read_dir(parent) else { return Vec::new() };
    let mut found: Vec<PathBuf> = listing
        .filter_map(|e| e.ok())
        .filter(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            (name.starts_with(".scalpel-build-") || name.starts_with(".scalpel-old-"))
                && e.file_type().is_ok_and(|t| t.is_dir())
        })
        .map(|e| e.path())
        .collect();
    found.sort();
    found
        .iter()
        .map(|folder| {
            let old = folder.file_name().is_some_and(|n| n.to_string_lossy().starts_with(".scalpel-old-"));
            let note = if old {
                "its `previous/` holds an output folder as it was before that build, maybe the only copy of files in it"
            } else {
                "it holds the part of a build written before the build was stopped"
            };
            Diagnostic::new(
                Code::OutLegacyLeftover,
                format!("`{}` was left by an interrupted build of an older Scalpel", relative_to_cwd(folder)),
            )
            .note(note)
            .help("look inside, keep what you need, then delete the folder")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_resolved_before_they_exist() {
        let dir = tempfile::tempdir().expect("tmp");
        let real = std::fs::canonicalize(dir.path()).expect("real");
        assert_eq!(resolve(&dir.path().join("a/../b/./c")).expect("resolves"), real.join("b/c"));
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(dir.path(), dir.path().join("link")).expect("link");
            assert_eq!(resolve(&dir.path().join("link/new")).expect("resolves"), real.join("new"));
        }
    }

    #[test]
    fn only_plain_relative_paths_may_be_written() {
        assert!(is_plain_relative("sigma/AF-1/a.yml"));
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "a/../../x",
            "a//b",
            "./a",
            "a\\b",
            ".scalpel-manifest.json",
            ".scalpel-staging-x/a",
        ] {
            assert!(!is_plain_relative(bad), "{bad}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn entries_never_follow_links() {
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::create_dir(dir.path().join("real")).expect("dir");
        std::fs::write(dir.path().join("real/f"), "12345").expect("file");
        std::os::unix::fs::symlink(dir.path().join("real"), dir.path().join("link")).expect("link");
        assert_eq!(entry(dir.path(), "real/f"), Entry::File(5));
        assert_eq!(entry(dir.path(), "link/f"), Entry::Blocked("link".into(), "a symbolic link"));
        assert_eq!(entry(dir.path(), "link"), Entry::Other("a symbolic link"));
        assert_eq!(entry(dir.path(), "new/deeper/f"), Entry::Absent(vec!["new".into(), "new/deeper".into()]));
        assert_eq!(entry(dir.path(), "real/f/x"), Entry::Blocked("real/f".into(), "a regular file"));
    }
}
