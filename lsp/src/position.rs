//! LSP positions ↔ byte offsets.
//!
//! LSP counts a line's characters in UTF-16 code units (the default `positionEncoding`,
//! the only one every client supports); the compiler's spans are byte offsets into
//! UTF-8 text. Invariants: every offset returned lies on a character boundary of the
//! text, and positions past the end of a line or of the file are clamped to it.

use lsp_types::{Position, Range};

/// The line starts of one text, for conversions both ways.
pub struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str) -> LineIndex<'a> {
        let starts = std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
        LineIndex { text, starts }
    }

    /// The position of a byte offset (rounded down to a character boundary).
    pub fn position(&self, offset: usize) -> Position {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&start| start <= offset) - 1;
        let column: usize = self.text[self.starts[line]..offset].chars().map(char::len_utf16).sum();
        Position::new(to_u32(line), to_u32(column))
    }

    pub fn range(&self, lo: usize, hi: usize) -> Range {
        Range::new(self.position(lo), self.position(hi.max(lo)))
    }

    /// The byte offset of a position; a column inside a surrogate pair rounds down.
    pub fn offset(&self, position: Position) -> usize {
        let Some(&start) = self.starts.get(position.line as usize) else { return self.text.len() };
        let end = self.starts.get(position.line as usize + 1).map_or(self.text.len(), |next| next - 1);
        let line = &self.text[start..end];
        let line = line.strip_suffix('\r').unwrap_or(line);
        let mut units = 0;
        for (i, c) in line.char_indices() {
            units += c.len_utf16();
            if units > position.character as usize {
                return start + i;
            }
        }
        start + line.len()
    }

    /// The whole text, for a full-document edit.
    pub fn full_range(&self) -> Range {
        self.range(0, self.text.len())
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_utf16_code_units() {
        // `é` is one UTF-16 unit and two bytes; `𝄞` two units and four bytes.
        let text = "ab\n\"é𝄞\" x\r\nend";
        let index = LineIndex::new(text);
        let x = text.find('x').unwrap();
        assert_eq!(index.position(x), Position::new(1, 6));
        assert_eq!(index.offset(Position::new(1, 6)), x);
        assert_eq!(index.position(text.find("end").unwrap()), Position::new(2, 0));
        // Inside the surrogate pair of `𝄞`: the start of the character.
        let clef = text.find('𝄞').unwrap();
        assert_eq!(index.offset(Position::new(1, 3)), clef);
        // Past the end of a line (before its `\r\n`), and past the last line.
        assert_eq!(index.offset(Position::new(1, 99)), text.find("\r\n").unwrap());
        assert_eq!(index.offset(Position::new(9, 0)), text.len());
        assert_eq!(index.position(text.len() + 5), Position::new(2, 3));
    }

    #[test]
    fn an_offset_inside_a_character_rounds_down() {
        let index = LineIndex::new("é");
        assert_eq!(index.position(1), Position::new(0, 0));
    }
}
