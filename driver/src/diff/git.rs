//! A git revision of a detection tree → a temporary folder holding that tree's files,
//! for `scalpel diff --git OLD NEW [TREE]`.
//!
//! `git ls-tree -r -z -l REV -- .`, run in the tree's folder, lists the blobs under it
//! at that revision (paths relative to the folder); `git cat-file --batch` reads them.
//! Invariants: only regular files are written (symlinks and submodules are skipped),
//! each at most [`MAX_FILE_BYTES`] and all together at most [`MAX_TREE_BYTES`]; a
//! path with an empty, `.` or `..` component, or a `.git` one, is refused, so nothing
//! is written outside the temporary folder; revisions that look like options are
//! refused before git sees them.

use scalpel_compiler::diag::{Code, Diagnostic};
use scalpel_compiler::project::MAX_FILE_BYTES;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Component, Path, PathBuf};
use std::process::{Command, Stdio};

/// All files of one revision of a tree, together.
pub const MAX_TREE_BYTES: u64 = 512 * 1024 * 1024;

/// A revision's tree in a temporary folder, deleted when this is dropped.
pub struct Checkout {
    dir: tempfile::TempDir,
}

impl Checkout {
    /// The tree's folder (its `scalpel.toml`, if it has one, is at the top).
    pub fn root(&self) -> &Path {
        self.dir.path()
    }
}

/// The tree at `tree` (a folder inside a git work tree) as of `rev`, in a new
/// temporary folder.
pub fn checkout(rev: &str, tree: &Path) -> Result<Checkout, Diagnostic> {
    let dir = tempfile::Builder::new()
        .prefix("scalpel-diff-")
        .tempdir()
        .map_err(|e| Diagnostic::new(Code::Io, format!("cannot create a temporary folder: {e}")))?;
    write_tree(rev, tree, dir.path())?;
    Ok(Checkout { dir })
}

/// Writes the tree at `tree` as of `rev` under `into`, an empty folder.
fn write_tree(rev: &str, tree: &Path, into: &Path) -> Result<(), Diagnostic> {
    let fail = |why: String| {
        Diagnostic::new(Code::DiffRevision, format!("cannot read `{}` at revision `{rev}`", tree.display())).note(why)
    };
    if rev.is_empty() || rev.starts_with('-') {
        return Err(fail("a revision cannot be empty or start with `-`".into()));
    }
    let commit = git(tree, &["rev-parse", "--verify", "--quiet", "--end-of-options", &format!("{rev}^{{commit}}")])
        .map_err(|e| fail(e.unwrap_or_else(|| "git knows no such commit".into())))?;
    let commit = String::from_utf8_lossy(&commit).trim().to_string();
    let listing = git(tree, &["ls-tree", "-r", "-z", "-l", &commit, "--", "."])
        .map_err(|e| fail(e.unwrap_or_else(|| "git ls-tree failed".into())))?;
    let mut blobs = Vec::new();
    let mut total = 0u64;
    for record in listing.split(|b| *b == 0).filter(|r| !r.is_empty()) {
        let record = String::from_utf8_lossy(record);
        let Some((meta, path)) = record.split_once('\t') else { continue };
        let fields: Vec<&str> = meta.split_whitespace().collect();
        let [mode, kind, oid, size] = fields[..] else { continue };
        if kind != "blob" || !matches!(mode, "100644" | "100755") {
            continue;
        }
        let size: u64 = size.parse().map_err(|_| fail(format!("git gave no size for `{path}`")))?;
        if size > MAX_FILE_BYTES {
            return Err(fail(format!("`{path}` is larger than {} MiB", MAX_FILE_BYTES >> 20)));
        }
        total += size;
        if total > MAX_TREE_BYTES {
            return Err(fail(format!("the tree is larger than {} MiB", MAX_TREE_BYTES >> 20)));
        }
        let relative = safe_path(path).ok_or_else(|| fail(format!("refusing the path `{path}`")))?;
        blobs.push((oid.to_string(), relative, size));
    }
    if blobs.is_empty() {
        return Err(fail("the revision holds no files under this folder".into()));
    }
    write_blobs(tree, &blobs, into).map_err(fail)
}

/// Runs git in `dir`; `Err(None)` when it ran and said no, `Err(Some(why))` when it could not run.
fn git(dir: &Path, args: &[&str]) -> Result<Vec<u8>, Option<String>> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| Some(format!("cannot run git: {e}")))?;
    if output.status.success() {
        return Ok(output.stdout);
    }
    let stderr = String::from_utf8_lossy(&output.stderr).trim().to_string();
    Err((!stderr.is_empty()).then_some(stderr))
}

/// A path git listed, as a relative path with plain components only.
fn safe_path(path: &str) -> Option<PathBuf> {
    let relative = PathBuf::from(path);
    let plain = relative.components().all(|c| matches!(c, Component::Normal(n) if n != ".git"));
    (plain && !path.is_empty() && !path.split('/').any(str::is_empty)).then_some(relative)
}

/// Reads every blob with one `git cat-file --batch` and writes it under `into`.
fn write_blobs(dir: &Path, blobs: &[(String, PathBuf, u64)], into: &Path) -> Result<(), String> {
    let mut child = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot run git: {e}"))?;
    let mut stdin = child.stdin.take().ok_or("git cat-file has no input")?;
    let oids: String = blobs.iter().map(|(oid, _, _)| format!("{oid}\n")).collect();
    // Written from another thread: git's output would fill the pipe before it read all names.
    let feeder = std::thread::spawn(move || stdin.write_all(oids.as_bytes()));
    let mut reader = BufReader::new(child.stdout.take().ok_or("git cat-file has no output")?);
    for (oid, relative, size) in blobs {
        let mut header = String::new();
        reader.read_line(&mut header).map_err(|e| e.to_string())?;
        let expected = format!("{oid} blob {size}");
        if header.trim_end() != expected {
            return Err(format!("git cat-file answered `{}` for `{}`", header.trim_end(), relative.display()));
        }
        let mut bytes = vec![0; usize::try_from(*size).map_err(|e| e.to_string())?];
        reader.read_exact(&mut bytes).map_err(|e| e.to_string())?;
        let mut newline = [0u8; 1];
        reader.read_exact(&mut newline).map_err(|e| e.to_string())?;
        let path = into.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        std::fs::write(&path, bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    let fed = feeder.join().map_err(|_| "writing to git cat-file failed".to_string())?;
    fed.map_err(|e| e.to_string())?;
    child.wait().map_err(|e| e.to_string())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_relative_paths_are_written() {
        assert_eq!(safe_path("flows/AF-1.det"), Some(PathBuf::from("flows/AF-1.det")));
        for bad in ["../x.det", "/etc/passwd", "a/../../x", ".git/config", "a//b", "", "./a"] {
            assert_eq!(safe_path(bad), None, "{bad}");
        }
    }

    #[test]
    fn options_are_not_revisions() {
        let err = checkout("--output=/tmp/x", Path::new(".")).err().expect("refused");
        assert_eq!(err.code, Code::DiffRevision);
    }
}
