//! Making text safe to show: user text that reaches a terminal or a generated
//! comment (diagnostics, rendered source lines, importer comments) → the same text
//! with every character that would not show as itself made visible.
//!
//! Invariant: the output holds no control character (other than the newlines a
//! caller keeps) and no format character, so an escape sequence cannot restyle the
//! terminal and a right-to-left override cannot reorder what a reader sees
//! ("trojan source"). C0 controls become their control pictures (`ESC` → `␛`);
//! every other hidden character becomes `<U+202E>`.

use std::borrow::Cow;

/// Characters that would not show as themselves: controls, format characters
/// (bidirectional embeddings, overrides and isolates, the Arabic letter mark,
/// zero-width joiners, the BOM, tags) and the line and paragraph separators.
pub fn invisible(c: char) -> bool {
    c.is_control()
        || matches!(c as u32,
            0xad | 0x600..=0x605 | 0x61c | 0x6dd | 0x70f | 0x180e | 0x200b..=0x200f | 0x2028..=0x202e
            | 0x2060..=0x206f | 0xfeff | 0xfff9..=0xfffb | 0x110bd | 0x1bca0..=0x1bca3
            | 0x1d173..=0x1d17a | 0xe0000..=0xe007f)
}

/// `text` with every [`invisible`] character shown (see the module header).
pub fn visible(text: &str) -> Cow<'_, str> {
    escape(text, false)
}

/// Like [`visible`], but line breaks stay line breaks (multi-line notes).
pub fn visible_lines(text: &str) -> Cow<'_, str> {
    escape(text, true)
}

fn escape(text: &str, keep_newlines: bool) -> Cow<'_, str> {
    let hidden = |c: char| invisible(c) && !(keep_newlines && c == '\n');
    if !text.chars().any(hidden) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if !hidden(c) {
            out.push(c);
            continue;
        }
        match c as u32 {
            // C0 controls have pictures: U+2400 (NUL) to U+241F; DEL is U+2421.
            code @ 0..=0x1f => out.push(char::from_u32(0x2400 + code).unwrap_or('?')),
            0x7f => out.push('\u{2421}'),
            code => out.push_str(&format!("<U+{code:04X}>")),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed() {
        assert!(matches!(visible("heart_rate > 250 — ok é 日本"), Cow::Borrowed(_)));
    }

    #[test]
    fn controls_become_pictures_and_format_characters_code_points() {
        assert_eq!(visible("a\x1b[31mb"), "a␛[31mb");
        assert_eq!(visible("x\u{7f}\u{85}"), "x␡<U+0085>");
        assert_eq!(visible("admin\u{202e}txt.exe"), "admin<U+202E>txt.exe");
        for c in ['\u{202a}', '\u{202b}', '\u{202c}', '\u{202d}', '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}'] {
            assert_eq!(visible(&c.to_string()), format!("<U+{:04X}>", c as u32));
        }
        assert_eq!(visible("\u{200e}\u{200f}\u{61c}"), "<U+200E><U+200F><U+061C>");
        assert_eq!(visible("a\nb"), "a␊b");
        assert_eq!(visible_lines("a\nb\u{202e}"), "a\nb<U+202E>");
    }

    #[test]
    fn output_never_holds_an_invisible_character() {
        let all: String = (0..0x11_0000).filter_map(char::from_u32).filter(|&c| invisible(c)).collect();
        assert!(!visible(&all).chars().any(invisible));
    }
}
