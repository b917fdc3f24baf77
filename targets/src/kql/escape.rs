//! KQL's one escaping function: a literal string → a double-quoted KQL string, and
//! names → identifiers.
//!
//! Inside `"…"` the backslash escapes; Kusto decodes `\"`, `\\`, `\n`, `\r`, `\t`
//! and `\uXXXX` (one UTF-16 unit). [`quote`] writes `"` and `\` escaped, so no value
//! can close its literal early, and every control, format or separator character
//! (NUL, line breaks, RLO, BOM …) as an escape, so the query text holds no invisible
//! character. The proof is the round-trip property test against [`unquote`], which
//! decodes as Kusto.Language's `KustoFacts.DecodeEscapes` does.

use crate::quote::backslash_quoted;
pub use crate::quote::invisible;

/// `"…"` holding exactly `literal`.
pub fn quote(literal: &str) -> String {
    backslash_quoted(literal, |c, out| {
        invisible(c) && {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
            true
        }
    })
}

/// Reads a double-quoted KQL string as Kusto does; `None` when `text` is not
/// exactly one well-formed literal or decodes to invalid UTF-16 (the inverse of
/// [`quote`], used by tests).
pub fn unquote(text: &str) -> Option<String> {
    let inner = text.strip_prefix('"')?;
    let mut units: Vec<u16> = Vec::new();
    let mut chars = inner.chars();
    let push = |units: &mut Vec<u16>, c: char| {
        let mut buf = [0u16; 2];
        units.extend_from_slice(c.encode_utf16(&mut buf));
    };
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next()? {
                'n' => units.push(0x0a),
                'r' => units.push(0x0d),
                't' => units.push(0x09),
                'a' => units.push(0x07),
                'b' => units.push(0x08),
                'f' => units.push(0x0c),
                'v' => units.push(0x0b),
                'u' => {
                    let hex: String = chars.by_ref().take(4).collect();
                    units.push(u16::from_str_radix(&hex, 16).ok().filter(|_| hex.len() == 4)?);
                }
                c @ ('"' | '\'' | '\\') => push(&mut units, c),
                // Kusto also reads `\xHH` and octal; quote never writes them.
                _ => return None,
            },
            '"' => return chars.next().is_none().then(|| String::from_utf16(&units).ok()).flatten(),
            '\n' | '\r' => return None,
            c => push(&mut units, c),
        }
    }
    None
}

/// A name Sentinel accepts for a table or column: an ASCII letter, then letters,
/// digits or `_`.
pub fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic()) && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Words Kusto reads as keywords or type names, which a column must not be
/// written as bare.
const KEYWORDS: &[&str] = &[
    "access",
    "alias",
    "and",
    "as",
    "asc",
    "between",
    "bool",
    "boolean",
    "by",
    "consume",
    "contains",
    "count",
    "database",
    "datatable",
    "date",
    "datetime",
    "decimal",
    "declare",
    "desc",
    "distinct",
    "double",
    "dynamic",
    "evaluate",
    "extend",
    "facet",
    "false",
    "filter",
    "find",
    "first",
    "fork",
    "from",
    "guid",
    "has",
    "in",
    "int",
    "int64",
    "invoke",
    "join",
    "kind",
    "last",
    "let",
    "like",
    "limit",
    "long",
    "lookup",
    "materialize",
    "matches",
    "not",
    "null",
    "nulls",
    "of",
    "on",
    "or",
    "order",
    "parse",
    "pattern",
    "print",
    "project",
    "range",
    "real",
    "regex",
    "render",
    "restrict",
    "sample",
    "scan",
    "search",
    "serialize",
    "set",
    "sort",
    "step",
    "string",
    "summarize",
    "table",
    "take",
    "time",
    "timespan",
    "to",
    "top",
    "true",
    "typeof",
    "union",
    "where",
    "with",
];

/// A column as written in a query: bare when it is a plain identifier and not a
/// keyword, else bracketed (`['…']`).
pub fn column_ref(name: &str) -> String {
    if is_identifier(name) && !KEYWORDS.contains(&name.to_ascii_lowercase().as_str()) {
        name.to_string()
    } else {
        let quoted = quote(name);
        format!("[{quoted}]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn quote_cases() {
        assert_eq!(quote(r#"say "hi""#), r#""say \"hi\"""#);
        assert_eq!(quote(r"C:\temp\"), r#""C:\\temp\\""#);
        assert_eq!(quote("a*b?c|d'"), r#""a*b?c|d'""#);
        assert_eq!(quote("x\" | take 1 //"), r#""x\" | take 1 //""#);
        assert_eq!(quote("l1\nl2\r\t"), r#""l1\nl2\r\t""#);
        assert_eq!(quote("nul\0"), r#""nul\u0000""#);
        assert_eq!(quote("rlo\u{202e}x"), r#""rlo\u202ex""#);
        assert_eq!(quote("tag\u{e0041}"), r#""tag\udb40\udc41""#);
        assert_eq!(quote("Ünï 🩺"), "\"Ünï 🩺\"");
    }

    #[test]
    fn unquote_rejects_broken_literals() {
        assert_eq!(unquote(r#""a"b""#), None);
        assert_eq!(unquote(r#""a\"#), None);
        assert_eq!(unquote(r#""\ud800""#), None, "a lone surrogate is not a string");
        assert_eq!(unquote("\"a\nb\""), None, "a raw line break ends a KQL literal");
        assert_eq!(unquote("a"), None);
        assert_eq!(unquote(r#""\u00e9\'""#).as_deref(), Some("é'"));
    }

    #[test]
    fn columns_are_bracketed_when_needed() {
        assert_eq!(column_ref("device_id"), "device_id");
        assert_eq!(column_ref("action"), "action");
        assert_eq!(column_ref("kind"), "[\"kind\"]");
        assert_eq!(column_ref("a.b"), "[\"a.b\"]");
        assert!(!is_identifier("1a") && !is_identifier("") && !is_identifier("a-b") && is_identifier("A_1"));
    }

    proptest! {
        #[test]
        fn every_string_survives_quoting(s in any::<String>()) {
            prop_assert_eq!(unquote(&quote(&s)), Some(s));
        }

        #[test]
        fn quoted_text_is_visible(s in any::<String>()) {
            let quoted = quote(&s);
            prop_assert!(!quoted.chars().any(invisible));
        }

        #[test]
        fn long_unicode_and_specials_survive(parts in proptest::collection::vec(
            prop_oneof![Just("\"".to_string()), Just("\\".to_string()), Just("\n".to_string()), Just("\0".to_string()),
                        Just("\u{202e}".to_string()), Just("\u{1f9ec}".to_string()), "\\PC{0,40}"], 0..200)) {
            let s = parts.concat();
            prop_assert_eq!(unquote(&quote(&s)), Some(s));
        }
    }
}
