//! The lock file, `scalpel.lock.json` at the root of a detection tree: JSON text ↔
//! [`Lock`].
//!
//! Invariants: writing is deterministic (keys sorted, fields in a fixed order, two
//! spaces, a final newline) and atomic (a temporary file beside it, renamed over
//! it); reading accepts only a regular file of at most [`MAX_LOCK_BYTES`], and every
//! value it returns has been validated (versions, dates, hashes, target names), with
//! a diagnostic that points into the file otherwise.

use super::date::Date;
use scalpel_compiler::diag::{Code, Diagnostic};
use scalpel_compiler::source::{FileId, SourceMap, Span};
use scalpel_targets::{Target, Version};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

pub const LOCK_FILE: &str = "scalpel.lock.json";

/// The format this version writes and reads.
pub const FORMAT: u32 = 1;

/// Far above the lock of the largest tree Scalpel accepts (`MAX_RULES` entries).
pub const MAX_LOCK_BYTES: u64 = 256 * 1024 * 1024;

/// A step or a sequence of a flow: the unit that has a version.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RuleKey {
    pub flow: String,
    /// The step or sequence id.
    pub item: String,
}

impl RuleKey {
    pub fn new(flow: &str, item: &str) -> RuleKey {
        RuleKey { flow: flow.to_string(), item: item.to_string() }
    }

    /// `flow/item`: item ids are identifiers, so the last `/` separates them.
    fn parse(text: &str) -> Option<RuleKey> {
        let (flow, item) = text.rsplit_once('/')?;
        (!flow.is_empty() && !item.is_empty()).then(|| RuleKey::new(flow, item))
    }
}

impl std::fmt::Display for RuleKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.flow, self.item)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Step,
    Sequence,
}

/// What the lock records of one rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub kind: Kind,
    pub version: Version,
    pub revision: u32,
    pub created: Date,
    pub modified: Date,
    /// The day the rule left the tree; its entry stays, so that an id that comes
    /// back goes on from its last version.
    pub removed: Option<Date>,
    /// SHA-256 of the canonical meaning (`ir::fingerprint`).
    pub meaning: String,
    /// SHA-256 of the metadata.
    pub metadata: String,
    /// SHA-256 of what each target emits for the rule, its packaged entry included.
    pub emitted: BTreeMap<Target, String>,
    /// The rule id in each target.
    pub ids: BTreeMap<Target, String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Lock {
    /// The tree's name when the lock was written: rule ids derive from it.
    pub tree: String,
    pub rules: BTreeMap<RuleKey, Entry>,
}

/// A lock read from disk, with where it is (for labels pointing into it).
pub struct Loaded {
    pub path: PathBuf,
    pub file: FileId,
    pub lock: Lock,
}

impl Loaded {
    /// The span of a rule's key in the file, when it is there.
    pub fn span_of(&self, sources: &SourceMap, key: &RuleKey) -> Option<Span> {
        let text = &sources.get(self.file).text;
        let needle = format!("{}:", quoted(&key.to_string()));
        text.find(&needle).map(|at| Span::new(self.file, at, at + needle.len() - 1))
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileFormat {
    scalpel_lock: u32,
    tree: String,
    rules: BTreeMap<String, EntryFormat>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryFormat {
    kind: Kind,
    version: String,
    revision: u32,
    created: String,
    modified: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    removed: Option<String>,
    meaning: String,
    metadata: String,
    emitted: BTreeMap<String, String>,
    ids: BTreeMap<String, String>,
}

/// The lock file of the tree rooted at `root`.
pub fn path_in(root: &Path) -> PathBuf {
    root.join(LOCK_FILE)
}

/// Reads the lock beside `scalpel.toml`; `Ok(None)` when there is none. The file's
/// text is added to `sources`, so diagnostics can point into it.
pub fn read(root: &Path, sources: &mut SourceMap) -> Result<Option<Loaded>, Diagnostic> {
    let path = path_in(root);
    let display = path.display().to_string();
    let meta = match std::fs::symlink_metadata(&path) {
        Ok(meta) => meta,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(Diagnostic::new(Code::Io, format!("cannot read `{display}`: {err}"))),
    };
    if !meta.is_file() {
        return Err(invalid(&display, "it is not a regular file"));
    }
    if meta.len() > MAX_LOCK_BYTES {
        return Err(invalid(&display, format!("it is larger than {} MiB", MAX_LOCK_BYTES >> 20)));
    }
    let text = std::fs::read_to_string(&path)
        .map_err(|err| Diagnostic::new(Code::Io, format!("cannot read `{display}`: {err}")))?;
    let file = sources.add(&path, text);
    let text = &sources.get(file).text;
    let format: FileFormat = serde_json::from_str(text).map_err(|err| {
        let offset = offset_of(text, err.line(), err.column());
        invalid(&display, "it is not a lock file Scalpel wrote")
            .primary(Span::new(file, offset, offset), without_position(&err.to_string()))
            .help("`scalpel lock` rewrites it from the tree; restore it from version control to keep its history")
    })?;
    let lock = validate(format).map_err(|(key, message)| {
        let needle = key.map(|k| format!("{}:", quoted(&k)));
        let diag = invalid(&display, message.clone());
        match needle.and_then(|n| text.find(&n).map(|at| (at, n.len() - 1))) {
            Some((at, len)) => diag.primary(Span::new(file, at, at + len), message),
            None => diag,
        }
    })?;
    Ok(Some(Loaded { path, file, lock }))
}

fn invalid(path: &str, why: impl Into<String>) -> Diagnostic {
    Diagnostic::new(Code::InvalidLock, format!("invalid version lock `{path}`")).note(why.into())
}

/// Checks every value; the error names the rule key it is about, if any.
fn validate(format: FileFormat) -> Result<Lock, (Option<String>, String)> {
    if format.scalpel_lock != FORMAT {
        return Err((None, format!("format {} is not {FORMAT}, the format this Scalpel reads", format.scalpel_lock)));
    }
    let mut rules = BTreeMap::new();
    for (text, entry) in format.rules {
        let fail = |message: String| (Some(text.clone()), message);
        let key = RuleKey::parse(&text).ok_or_else(|| fail(format!("`{text}` is not `flow/step`")))?;
        let version = Version::parse(&entry.version)
            .ok_or_else(|| fail(format!("version `{}` is not `major.minor.patch`", entry.version)))?;
        let date = |d: &str| Date::parse(d).ok_or_else(|| fail(format!("`{d}` is not a date (YYYY-MM-DD)")));
        let (created, modified) = (date(&entry.created)?, date(&entry.modified)?);
        let removed = entry.removed.as_deref().map(date).transpose()?;
        if modified < created || removed.as_ref().is_some_and(|r| *r < modified) {
            return Err(fail("its dates go backwards (created ≤ modified ≤ removed)".into()));
        }
        if entry.revision == 0 {
            return Err(fail("revisions start at 1".into()));
        }
        for hash in [&entry.meaning, &entry.metadata].into_iter().chain(entry.emitted.values()) {
            if !is_sha256(hash) {
                return Err(fail(format!("`{hash}` is not a SHA-256 (64 hex digits)")));
            }
        }
        let by_target = |map: BTreeMap<String, String>| -> Result<BTreeMap<Target, String>, (Option<String>, String)> {
            map.into_iter()
                .map(|(name, value)| match Target::parse(&name) {
                    Some(target) if target.name() == name => Ok((target, value)),
                    _ => Err(fail(format!("`{name}` is not a target"))),
                })
                .collect()
        };
        let entry = Entry {
            kind: entry.kind,
            version,
            revision: entry.revision,
            created,
            modified,
            removed,
            meaning: entry.meaning,
            metadata: entry.metadata,
            emitted: by_target(entry.emitted)?,
            ids: by_target(entry.ids)?,
        };
        rules.insert(key, entry);
    }
    Ok(Lock { tree: format.tree, rules })
}

fn is_sha256(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The file's text: deterministic, one field per line.
pub fn to_text(lock: &Lock) -> String {
    let rules = lock
        .rules
        .iter()
        .map(|(key, e)| {
            let by_name =
                |map: &BTreeMap<Target, String>| map.iter().map(|(t, v)| (t.name().to_string(), v.clone())).collect();
            let entry = EntryFormat {
                kind: e.kind,
                version: e.version.to_string(),
                revision: e.revision,
                created: e.created.to_string(),
                modified: e.modified.to_string(),
                removed: e.removed.as_ref().map(Date::to_string),
                meaning: e.meaning.clone(),
                metadata: e.metadata.clone(),
                emitted: by_name(&e.emitted),
                ids: by_name(&e.ids),
            };
            (key.to_string(), entry)
        })
        .collect();
    let format = FileFormat { scalpel_lock: FORMAT, tree: lock.tree.clone(), rules };
    // Plain strings, numbers and maps: serialising cannot fail.
    let mut text = serde_json::to_string_pretty(&format).unwrap_or_default();
    text.push('\n');
    text
}

/// Replaces the file at `path` with `text`: a temporary file in the same folder,
/// flushed, then renamed over it, so a reader sees the old lock or the new one.
pub fn write(path: &Path, text: &str) -> Result<(), String> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut temp = tempfile::Builder::new()
        .prefix(".scalpel.lock.")
        .tempfile_in(dir)
        .map_err(|e| format!("cannot create a temporary file in `{}`: {e}", dir.display()))?;
    temp.write_all(text.as_bytes()).and_then(|()| temp.as_file().sync_all()).map_err(|e| e.to_string())?;
    // A temporary file is private (0600); a lock is committed and read like any source.
    let permissions = std::fs::metadata(path).map(|m| m.permissions()).ok();
    #[cfg(unix)]
    let permissions = permissions.or_else(|| Some(std::os::unix::fs::PermissionsExt::from_mode(0o644)));
    if let Some(permissions) = permissions {
        std::fs::set_permissions(temp.path(), permissions).map_err(|e| e.to_string())?;
    }
    temp.persist(path).map_err(|e| format!("cannot replace `{}`: {}", path.display(), e.error))?;
    Ok(())
}

fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_default()
}

/// serde_json's message without its ` at line L column C` (the label shows where).
fn without_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_string(),
        None => message.to_string(),
    }
}

/// The byte offset of a 1-based line and column (serde_json's error position).
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let start: usize = text.split_inclusive('\n').take(line.saturating_sub(1)).map(str::len).sum();
    (start + column.saturating_sub(1)).min(text.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> Entry {
        Entry {
            kind: Kind::Step,
            version: Version { major: 2, minor: 1, patch: 0 },
            revision: 4,
            created: Date::parse("2026-01-01").unwrap(),
            modified: Date::parse("2026-02-03").unwrap(),
            removed: None,
            meaning: "a".repeat(64),
            metadata: "b".repeat(64),
            emitted: [(Target::Sigma, "c".repeat(64))].into_iter().collect(),
            ids: [(Target::Sigma, "5ca1".to_string())].into_iter().collect(),
        }
    }

    #[test]
    fn text_round_trips_and_is_stable() {
        let lock = Lock {
            tree: "t".into(),
            rules: [(RuleKey::new("AF/1", "tamper"), entry()), (RuleKey::new("AF", "flood"), entry())]
                .into_iter()
                .collect(),
        };
        let text = to_text(&lock);
        let tmp = tempfile::tempdir().unwrap();
        write(&path_in(tmp.path()), &text).unwrap();
        let mut sources = SourceMap::new();
        let loaded = read(tmp.path(), &mut sources).unwrap().unwrap();
        assert_eq!(loaded.lock, lock);
        assert_eq!(to_text(&loaded.lock), text);
        assert!(text.find("\"AF/1/tamper\"").unwrap() < text.find("\"AF/flood\"").unwrap(), "keys sorted as text");
        assert!(loaded.span_of(&sources, &RuleKey::new("AF/1", "tamper")).is_some());
    }

    #[test]
    fn bad_values_are_refused_with_the_key() {
        let good =
            to_text(&Lock { tree: "t".into(), rules: [(RuleKey::new("F", "s"), entry())].into_iter().collect() });
        for (from, to, why) in [
            ("\"2.1.0\"", "\"2.1\"", "major.minor.patch"),
            ("\"2026-02-03\"", "\"2026-02-30\"", "not a date"),
            ("\"2026-02-03\"", "\"2025-12-31\"", "backwards"),
            ("\"revision\": 4", "\"revision\": 0", "start at 1"),
            ("\"sigma\": \"ccc", "\"sigma\": \"xyz", "SHA-256"),
            ("\"sigma\": \"5ca1\"", "\"qradar\": \"5ca1\"", "not a target"),
            ("\"scalpel_lock\": 1", "\"scalpel_lock\": 2", "format 2"),
            ("\"F/s\"", "\"Fs\"", "flow/step"),
        ] {
            let tmp = tempfile::tempdir().unwrap();
            std::fs::write(path_in(tmp.path()), good.replacen(from, to, 1)).unwrap();
            let err = read(tmp.path(), &mut SourceMap::new()).err().unwrap_or_else(|| panic!("{to} accepted"));
            assert_eq!(err.code, Code::InvalidLock);
            assert!(format!("{:?}", err).contains(why), "{why}: {err:?}");
        }
    }
}
