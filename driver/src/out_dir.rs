//! The output folder of `scalpel build`: written atomically, or compared with what a
//! build would write (`--check`, for CI that commits generated rules).
//!
//! Writing goes into a temporary folder next to `--out`, renamed into place only when
//! everything succeeded, so a failed build leaves the previous output untouched and
//! never a half-written one.

use similar::TextDiff;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// How the folder differs from the build: counts, and a unified diff of every change.
pub struct Comparison {
    pub changed: usize,
    pub missing: usize,
    pub extra: usize,
    pub diff: String,
}

impl Comparison {
    pub fn is_clean(&self) -> bool {
        self.changed + self.missing + self.extra == 0
    }
}

/// Compares `files` (relative `/`-separated paths) with the files under `out`.
pub fn compare(out: &Path, files: &[(String, String)]) -> Result<Comparison, String> {
    let mut present = BTreeMap::new();
    if out.exists() {
        collect(out, out, &mut present)?;
    }
    let mut comparison = Comparison { changed: 0, missing: 0, extra: 0, diff: String::new() };
    for (path, text) in files {
        let old = match present.remove(path) {
            Some(file) => Some(std::fs::read(&file).map_err(|e| format!("{}: {e}", file.display()))?),
            None => None,
        };
        let old_name = match &old {
            Some(bytes) if bytes == text.as_bytes() => continue,
            Some(_) => {
                comparison.changed += 1;
                format!("a/{path}")
            }
            None => {
                comparison.missing += 1;
                "/dev/null".to_string()
            }
        };
        let old_text = String::from_utf8_lossy(old.as_deref().unwrap_or_default());
        let diff = TextDiff::from_lines(old_text.as_ref(), text.as_str());
        comparison.diff.push_str(&diff.unified_diff().header(&old_name, &format!("b/{path}")).to_string());
    }
    for path in present.keys() {
        comparison.extra += 1;
        comparison.diff.push_str(&format!("only in {}: {path}\n", out.display()));
    }
    Ok(comparison)
}

/// Every file under `dir`, keyed by its path relative to `root` with `/` separators.
fn collect(root: &Path, dir: &Path, into: &mut BTreeMap<String, PathBuf>) -> Result<(), String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in entries {
        let path = entry.map_err(|e| format!("{}: {e}", dir.display()))?.path();
        if path.is_dir() {
            collect(root, &path, into)?;
        } else if let Ok(relative) = path.strip_prefix(root) {
            let key: Vec<String> =
                relative.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
            into.insert(key.join("/"), path);
        }
    }
    Ok(())
}

/// Writes `files` into a fresh folder beside `out`, then swaps it into place.
pub fn write_atomically(out: &Path, files: &[(String, String)]) -> Result<(), String> {
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(|e| e.to_string())?;
    let staging = tempfile::Builder::new().prefix(".scalpel-build-").tempdir_in(&parent).map_err(|e| e.to_string())?;
    for (relative, text) in files {
        let path = staging.path().join(relative);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    let old = tempfile::Builder::new().prefix(".scalpel-old-").tempdir_in(&parent).map_err(|e| e.to_string())?;
    let backup = old.path().join("previous");
    let had_previous = out.exists();
    if had_previous {
        std::fs::rename(out, &backup).map_err(|e| format!("{}: {e}", out.display()))?;
    }
    if let Err(err) = std::fs::rename(staging.path(), out) {
        if had_previous {
            std::fs::rename(&backup, out).ok();
        }
        return Err(format!("{}: {err}", out.display()));
    }
    // The staging folder is now `out`; keep tempfile from deleting it.
    let _ = staging.keep();
    Ok(())
}
