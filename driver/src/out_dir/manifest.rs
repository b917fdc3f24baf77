//! `.scalpel-manifest.json`: which files in an output folder Scalpel wrote, by
//! producer, with the size and hash of what it wrote.
//!
//! Format (version 1), pretty-printed JSON with sorted keys, so it is the same bytes
//! for the same output:
//!
//! ```json
//! {
//!   "format": "scalpel-output",
//!   "version": 1,
//!   "producers": {
//!     "build:sigma": { "sigma/AF-1/af-1_login.yml": { "size": 812, "fnv1a64": "c1f3…" } }
//!   }
//! }
//! ```
//!
//! A producer (`build:<target>`, `build:events`, `events`, `coverage`) owns the files
//! listed under it: when it runs again it replaces them, and removes those it no
//! longer makes; it never touches another producer's files. The hash (FNV-1a, 64
//! bits) tells a file edited since it was written; it guards against accidents, not
//! against an attacker (who could edit the manifest too).

use scalpel_compiler::input::{self, MIB};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

pub const FILE_NAME: &str = ".scalpel-manifest.json";
const FORMAT: &str = "scalpel-output";
const VERSION: u32 = 1;
/// Largest manifest read: about 100 bytes per file listed.
const MAX_BYTES: u64 = 256 * MIB;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    format: String,
    version: u32,
    /// Producer → relative `/` path → what was written.
    pub producers: BTreeMap<String, BTreeMap<String, FileRecord>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileRecord {
    pub size: u64,
    /// FNV-1a of the bytes, 16 hex digits (a string: JSON numbers past 2^53 are lossy).
    pub fnv1a64: String,
}

impl FileRecord {
    pub fn of(bytes: &[u8]) -> FileRecord {
        let mut hash = Fnv::default();
        hash.update(bytes);
        FileRecord { size: bytes.len() as u64, fnv1a64: hash.hex() }
    }

    /// Whether the regular file `path` still holds what this record describes; read
    /// at most `size + 1` bytes.
    pub fn matches(&self, path: &Path) -> bool {
        let Ok(file) = input::open_without_blocking(path) else { return false };
        let mut hash = Fnv::default();
        let mut reader = file.take(self.size.saturating_add(1));
        let mut buffer = [0u8; 64 * 1024];
        let mut size = 0u64;
        loop {
            match reader.read(&mut buffer) {
                Ok(0) => break,
                Ok(n) => {
                    size += n as u64;
                    hash.update(&buffer[..n]);
                }
                Err(_) => return false,
            }
        }
        size == self.size && hash.hex() == self.fnv1a64
    }
}

impl Manifest {
    pub fn new() -> Manifest {
        Manifest { format: FORMAT.to_string(), version: VERSION, producers: BTreeMap::new() }
    }

    /// The producer that owns `path`, and its record.
    pub fn owner(&self, path: &str) -> Option<(&str, &FileRecord)> {
        self.producers.iter().find_map(|(producer, files)| files.get(path).map(|r| (producer.as_str(), r)))
    }

    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }
}

/// The manifest of `out`: `Ok(None)` when there is none, `Err` (why) when there is
/// something that is not a manifest this Scalpel reads.
pub fn read(out: &Path) -> Result<Option<Manifest>, String> {
    let path = out.join(FILE_NAME);
    match std::fs::symlink_metadata(&path) {
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(err.to_string()),
        Ok(metadata) if !metadata.is_file() => return Err("it is not a regular file".to_string()),
        Ok(_) => {}
    }
    let text = input::read_text(&path, MAX_BYTES).map_err(|e| e.to_string())?;
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| format!("not JSON: {e}"))?;
    let (format, version) = (value.get("format"), value.get("version"));
    if format.and_then(|f| f.as_str()) != Some(FORMAT) || version.and_then(|v| v.as_u64()) != Some(u64::from(VERSION)) {
        let shown = |v: Option<&serde_json::Value>| v.map_or("none".to_string(), |v| v.to_string());
        return Err(format!(
            "its format is {} version {}; this Scalpel reads \"{FORMAT}\" version {VERSION}",
            shown(format),
            shown(version)
        ));
    }
    serde_json::from_value(value).map(Some).map_err(|e| format!("not a manifest: {e}"))
}

/// FNV-1a, 64 bits: small, stable across versions and platforms.
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    fn update(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0 ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    fn hex(&self) -> String {
        format!("{:016x}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_the_published_test_vectors() {
        assert_eq!(FileRecord::of(b"").fnv1a64, "cbf29ce484222325");
        assert_eq!(FileRecord::of(b"a").fnv1a64, "af63dc4c8601ec8c");
        assert_eq!(FileRecord::of(b"foobar").fnv1a64, "85944171f73967e8");
    }

    #[test]
    fn manifests_round_trip_and_unknown_versions_are_refused() {
        let dir = tempfile::tempdir().expect("tmp");
        assert_eq!(read(dir.path()), Ok(None));
        let mut manifest = Manifest::new();
        manifest.producers.entry("build:sigma".into()).or_default().insert("sigma/a.yml".into(), FileRecord::of(b"x"));
        std::fs::write(dir.path().join(FILE_NAME), manifest.to_json()).expect("write");
        assert_eq!(read(dir.path()), Ok(Some(manifest.clone())));
        std::fs::write(dir.path().join(FILE_NAME), manifest.to_json().replace("\"version\": 1", "\"version\": 2"))
            .expect("write");
        assert!(read(dir.path()).is_err());
        std::fs::write(dir.path().join(FILE_NAME), "{}").expect("write");
        assert!(read(dir.path()).is_err());
    }
}
