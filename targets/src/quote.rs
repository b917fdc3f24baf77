//! The double-quoted, backslash-escaped string literal that EQL, ES|QL and KQL share,
//! and the characters no query should hold raw.
//!
//! Each target keeps its own escaping function (and its own unescape for the round-trip
//! property test); this is the part they have in common: `"` and `\` escaped so a value
//! cannot end its literal, line breaks and tabs as `\n`, `\r`, `\t`, and a hook for the
//! rest, where the languages differ.

/// `"…"` holding the value; `.det` literals are written the same way.
pub use scalpel_compiler::syntax::literal::backslash_quoted;

/// Characters that would not show as themselves in a query: controls, format
/// characters (bidirectional overrides, zero-width joiners, BOM, tags) and separators.
/// The one set Scalpel uses everywhere (diagnostics and comments show the same ones
/// escaped).
pub use scalpel_compiler::visible::invisible;
