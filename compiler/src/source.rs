//! Source files and spans.
//!
//! Every file the compiler reads is interned in a [`SourceMap`] and addressed by a
//! [`FileId`]; every AST and IR node carries a [`Span`] (file + byte range) so that
//! any later stage can point a diagnostic back at the text the user wrote.

use serde::Serialize;
use std::path::{Path, PathBuf};

/// Index of a file in the [`SourceMap`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Default)]
pub struct FileId(pub u32);

/// A byte range in one file. `lo == hi` marks a position (e.g. end of file).
/// Serialized as `"lo..hi"` to keep AST dumps readable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Span {
    pub file: FileId,
    pub lo: u32,
    pub hi: u32,
}

impl Span {
    pub fn new(file: FileId, lo: usize, hi: usize) -> Span {
        Span { file, lo: clamp_u32(lo), hi: clamp_u32(hi) }
    }

    /// The smallest span covering both (same file assumed).
    pub fn to(self, other: Span) -> Span {
        Span { file: self.file, lo: self.lo.min(other.lo), hi: self.hi.max(other.hi) }
    }
}

impl Serialize for Span {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&format_args!("{}..{}", self.lo, self.hi))
    }
}

fn clamp_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// One loaded file: its display path, text and line starts.
#[derive(Debug)]
pub struct SourceFile {
    pub path: PathBuf,
    pub text: String,
    line_starts: Vec<usize>,
}

impl SourceFile {
    fn new(path: PathBuf, text: String) -> SourceFile {
        let line_starts = std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
        SourceFile { path, text, line_starts }
    }

    /// 1-based line and column (column counted in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = self.floor_char_boundary(offset.min(self.text.len()));
        let line = self.line_starts.partition_point(|&start| start <= offset) - 1;
        let col = self.text[self.line_starts[line]..offset].chars().count() + 1;
        (line + 1, col)
    }

    /// The text of a 1-based line, without its line terminator.
    pub fn line_text(&self, line: usize) -> &str {
        let start = self.line_starts.get(line - 1).copied().unwrap_or(self.text.len());
        let end = self.line_starts.get(line).copied().unwrap_or(self.text.len());
        self.text[start..end].trim_end_matches(['\n', '\r'])
    }

    /// Byte offset where a 1-based line starts.
    pub fn line_start(&self, line: usize) -> usize {
        self.line_starts.get(line - 1).copied().unwrap_or(self.text.len())
    }

    pub fn slice(&self, span: Span) -> &str {
        let lo = self.floor_char_boundary((span.lo as usize).min(self.text.len()));
        let hi = self.floor_char_boundary((span.hi as usize).min(self.text.len()));
        &self.text[lo..hi.max(lo)]
    }

    fn floor_char_boundary(&self, mut i: usize) -> usize {
        while !self.text.is_char_boundary(i) {
            i -= 1;
        }
        i
    }
}

/// All files of one compilation.
#[derive(Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    pub fn new() -> SourceMap {
        SourceMap::default()
    }

    pub fn add(&mut self, path: impl Into<PathBuf>, text: String) -> FileId {
        self.files.push(SourceFile::new(path.into(), text));
        FileId(clamp_u32(self.files.len() - 1))
    }

    /// Replaces a file's text (an editor's unsaved buffer), keeping its id and path.
    pub fn replace(&mut self, id: FileId, text: String) {
        let file = &mut self.files[id.0 as usize];
        *file = SourceFile::new(std::mem::take(&mut file.path), text);
    }

    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    pub fn path(&self, id: FileId) -> &Path {
        &self.get(id).path
    }

    pub fn files(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files.iter().enumerate().map(|(i, f)| (FileId(clamp_u32(i)), f))
    }
}

/// Paths as the user gave them, with `./` segments dropped and `/` separators, so
/// output is the same on every platform.
pub fn display_path(path: &std::path::Path) -> String {
    let text = path.display().to_string().replace('\\', "/");
    let mut parts: Vec<&str> = Vec::new();
    for (i, part) in text.split('/').enumerate() {
        if part == "." || (part.is_empty() && i > 0) {
            continue;
        }
        parts.push(part);
    }
    if parts.is_empty() {
        ".".to_string()
    } else {
        parts.join("/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_count_characters() {
        let mut map = SourceMap::new();
        let id = map.add("a.det", "ab\r\nçd\nx".to_string());
        let file = map.get(id);
        assert_eq!(file.line_col(0), (1, 1));
        assert_eq!(file.line_col(4), (2, 1));
        assert_eq!(file.line_col(6), (2, 2)); // after the two-byte `ç`
        assert_eq!(file.line_col(8), (3, 1));
        assert_eq!(file.line_text(1), "ab");
        assert_eq!(file.line_text(2), "çd");
    }

    #[test]
    fn offsets_inside_a_character_round_down() {
        let mut map = SourceMap::new();
        let id = map.add("a.det", "ç".to_string());
        assert_eq!(map.get(id).line_col(1), (1, 1));
    }
}
