//! The double-quoted, backslash-escaped string literal that EQL, ES|QL and KQL share,
//! and the characters no query should hold raw.
//!
//! Each target keeps its own escaping function (and its own unescape for the round-trip
//! property test); this is the part they have in common: `"` and `\` escaped so a value
//! cannot end its literal, line breaks and tabs as `\n`, `\r`, `\t`, and a hook for the
//! rest, where the languages differ.

/// `"…"` holding `value`: `"`, `\`, LF, CR and tab escaped; every other character
/// goes to `other`, which writes it (escaped or not) and returns, or leaves it to be
/// written as itself by returning `false`.
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

/// Characters that would not show as themselves in a query: controls, format
/// characters (bidirectional overrides, zero-width joiners, BOM, tags) and separators.
/// The one set Scalpel uses everywhere (diagnostics and comments show the same ones
/// escaped).
pub use scalpel_compiler::visible::invisible;
