//! `build --check`: the files a build makes, compared with the output folder,
//! which is only read (under a shared lock).
//!
//! Invariants: no symbolic link in the folder is followed and nothing outside it is
//! read or shown (a link, a FIFO or a folder where a file belongs is reported by
//! kind); every read is bounded. "Extra" files are the producers' own files that the
//! build no longer makes; files Scalpel did not write are none of its business.

use super::guard::{self, Entry};
use super::{manifest, Producer};
use scalpel_compiler::diag::{Code, Diagnostic};
use scalpel_compiler::input::{self, ReadError, MIB};
use scalpel_compiler::project::InputPath;
use scalpel_compiler::visible::visible;
use similar::TextDiff;
use std::collections::BTreeSet;
use std::path::Path;

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

/// Compares the files of `producers` with the output folder `out`.
pub fn compare(out: &Path, inputs: &[InputPath], producers: &[Producer]) -> Result<Comparison, Vec<Diagnostic>> {
    let shown = visible(&out.display().to_string()).into_owned();
    let shown_path = Path::new(&shown);
    let real = guard::resolve(out)
        .map_err(|e| vec![Diagnostic::new(Code::Io, format!("cannot find `{shown}`")).note(e.to_string())])?;
    if let Some(diag) = guard::overlap(&real, out, inputs) {
        return Err(vec![diag]);
    }
    let mut comparison = Comparison { changed: 0, missing: 0, extra: 0, diff: String::new() };
    let exists = match std::fs::metadata(&real) {
        Ok(metadata) if metadata.is_dir() => true,
        Ok(metadata) => return Err(vec![super::not_a_folder(&shown, &metadata)]),
        Err(_) => false,
    };
    let _lock = if exists { Some(guard::lock(&real, out, true).map_err(|d| vec![d])?) } else { None };
    let old = match exists.then(|| manifest::read(&real)).transpose() {
        Ok(manifest) => manifest.flatten().unwrap_or_default(),
        Err(why) => {
            return Err(vec![Diagnostic::new(
                Code::OutManifestInvalid,
                format!("cannot read `{shown}/{}`", super::MANIFEST),
            )
            .note(why)])
        }
    };
    let mut produced = BTreeSet::new();
    for (path, text) in producers.iter().flat_map(|p| &p.files) {
        if !produced.insert(path.as_str()) {
            continue;
        }
        let shown_file = visible(path);
        let entry = if exists { guard::entry(&real, path) } else { Entry::Absent(Vec::new()) };
        let old_text = match entry {
            Entry::Absent(_) => {
                comparison.missing += 1;
                push_diff(&mut comparison.diff, "", text, "/dev/null", path);
                continue;
            }
            Entry::File(_) => match input::read_bytes(&real.join(path), text.len() as u64 * 2 + MIB) {
                Ok(bytes) if bytes == text.as_bytes() => continue,
                Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
                Err(ReadError::TooLarge { .. }) => {
                    comparison.changed += 1;
                    comparison
                        .diff
                        .push_str(&format!("`{shown_file}` in {shown} is far longer than the build's; not shown\n"));
                    continue;
                }
                Err(err) => {
                    comparison.changed += 1;
                    comparison.diff.push_str(&format!("`{shown_file}` in {shown} cannot be read: {err}\n"));
                    continue;
                }
            },
            Entry::Other(what) => {
                comparison.changed += 1;
                comparison.diff.push_str(&format!("`{shown_file}` in {shown} is {what}, not a file; not followed\n"));
                continue;
            }
            Entry::Blocked(prefix, what) => {
                comparison.changed += 1;
                let prefix = visible(&prefix);
                comparison
                    .diff
                    .push_str(&format!("`{prefix}` in {shown} is {what}; `{shown_file}` not read through it\n"));
                continue;
            }
        };
        comparison.changed += 1;
        push_diff(&mut comparison.diff, &old_text, text, &format!("a/{path}"), path);
    }
    for producer in producers {
        let Some(before) = old.producers.get(&producer.name) else { continue };
        for path in before.keys().filter(|p| !produced.contains(p.as_str()) && guard::is_plain_relative(p)) {
            if let Entry::File(_) = guard::entry(&real, path) {
                comparison.extra += 1;
                comparison.diff.push_str(&format!("only in {}: {}\n", shown_path.display(), visible(path)));
            }
        }
    }
    Ok(comparison)
}

fn push_diff(diff: &mut String, old: &str, new: &str, old_name: &str, path: &str) {
    let text = TextDiff::from_lines(old, new);
    let rendered = text.unified_diff().header(old_name, &format!("b/{path}")).to_string();
    // Lines of the folder's files are shown as text: made visible, like diagnostics.
    diff.push_str(&scalpel_compiler::visible::visible_lines(&rendered));
}
