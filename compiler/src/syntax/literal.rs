//! Double-quoted, backslash-escaped string literals: `.det` literals written by Scalpel
//! itself (importers, event labels, reports), and the shape EQL, ES|QL and KQL share.
//!
//! Invariant of [`quote`]: the literal decodes to exactly the text; it holds no line
//! break, no control character and no invisible character (bidi overrides, zero-width
//! and line separators), so a generated `.det` line reads as what it means.

use crate::visible::invisible;
use std::fmt::Write;

/// `text` as a `.det` literal: `\"`, `\\`, `\n`, `\r`, `\t`, and `\u{…}` for every
/// other invisible character.
pub fn quote(text: &str) -> String {
    backslash_quoted(text, |c, out| {
        invisible(c) && {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
            true
        }
    })
}

/// `"…"` holding `value`: `"`, `\`, LF, CR and tab escaped; every other character
/// goes to `other`, which writes it (escaped or not) and returns `true`, or leaves it
/// to be written as itself by returning `false`.
pub fn backslash_quoted(value: &str, other: impl Fn(char, &mut String) -> bool) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if other(c, &mut out) => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
