//! Elastic's escaping functions, one per literal form, each with the target-side
//! unescape it is proven against (round-trip property tests below):
//!
//! | form | function | target-side reading |
//! |---|---|---|
//! | EQL string `"…"` | [`eql_string`] | [`eql_unquote`]: `\" \\ \n \r \t \b \f \'`, `\u{X…}`; no raw CR/LF |
//! | ES\|QL string `"…"` | [`esql_string`] | [`esql_unquote`]: `\" \\ \n \r \t`; no raw CR/LF |
//! | Lucene phrase `"…"` | [`lucene_phrase`] | [`lucene_unphrase`]: `\` + any char, `\uXXXX` |
//! | Lucene regex `/…/` | [`lucene_regex`] | [`lucene_unregex`]: ends at the first unescaped `/` |
//! | regex literal | [`regex_literal`] | [`regex_unliteral`]: Lucene `RegExp`, `\` + any char |
//!
//! Identifiers get the same care: [`eql_field`], [`esql_field`], [`lucene_term`].
//! Invariant: whatever a value holds (quotes, backslashes, wildcards, line breaks,
//! NUL, bidi controls), it reads back unchanged and cannot end its literal early.

use crate::quote::{backslash_quoted, invisible};

/// `"…"` for EQL. Control, bidi and other invisible characters are written as
/// `\u{…}` so that a rule under review shows what it matches.
pub fn eql_string(value: &str) -> String {
    backslash_quoted(value, |c, out| {
        invisible(c) && {
            out.push_str(&format!("\\u{{{:02X}}}", c as u32));
            true
        }
    })
}

/// Reads an EQL string literal as Elasticsearch does; `None` if it is not exactly one.
pub fn eql_unquote(literal: &str) -> Option<String> {
    let body = literal.strip_prefix('"')?;
    let mut out = String::new();
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return chars.next().is_none().then_some(out),
            '\r' | '\n' => return None,
            '\\' => out.push(match chars.next()? {
                'n' => '\n',
                'r' => '\r',
                't' => '\t',
                'b' => '\u{8}',
                'f' => '\u{c}',
                c @ ('"' | '\'' | '\\') => c,
                'u' => {
                    if chars.next()? != '{' {
                        return None;
                    }
                    let hex: String = chars.by_ref().take_while(|c| *c != '}').collect();
                    if !(2..=8).contains(&hex.len()) {
                        return None;
                    }
                    char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?
                }
                _ => return None,
            }),
            c => out.push(c),
        }
    }
    None
}

/// `"…"` for ES|QL, whose strings know only `\" \\ \n \r \t`; anything else is
/// written as it is (ES|QL has no code-point escape).
pub fn esql_string(value: &str) -> String {
    backslash_quoted(value, |_, _| false)
}

/// Reads an ES|QL string literal as its grammar does; `None` if it is not exactly one.
pub fn esql_unquote(literal: &str) -> Option<String> {
    let body = literal.strip_prefix('"')?;
    let mut out = String::new();
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return chars.next().is_none().then_some(out),
            '\r' | '\n' => return None,
            '\\' => out.push(match chars.next()? {
                'n' => '\n',
                'r' => '\r',
                't' => '\t',
                c @ ('"' | '\\') => c,
                _ => return None,
            }),
            c => out.push(c),
        }
    }
    None
}

/// `"…"` for Lucene's query parser: a phrase, so `*`, `?` and operators are
/// literal; only `"` and `\` need a backslash (which also defuses `\uXXXX`).
pub fn lucene_phrase(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        if matches!(c, '"' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// Reads a quoted term as Lucene's classic parser does (the token ends at the
/// first unescaped `"`, then `discardEscapeChar`); `None` if it is not exactly one.
pub fn lucene_unphrase(literal: &str) -> Option<String> {
    let body = literal.strip_prefix('"')?;
    let mut out = String::new();
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return chars.next().is_none().then_some(out),
            '\\' => match chars.next()? {
                'u' => {
                    let hex: String = chars.by_ref().take(4).collect();
                    if hex.len() != 4 {
                        return None;
                    }
                    out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
                }
                c => out.push(c),
            },
            c => out.push(c),
        }
    }
    None
}

/// `/…/` around a Lucene regex: a `/` not already escaped gets a backslash, so
/// the query parser's regex token ends at the closing slash and nowhere else.
///
/// The classic parser's token is `/` (any character but `/`, or `\/`)* `/`, the
/// longest that fits: a `/` right after a `\` may belong to the body, so a body
/// that ends in a backslash (an escaped one, `a\\`) would run on to the next `/`
/// of a compound query. A final escaped backslash is written as the class `[\\]`.
pub fn lucene_regex(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 2);
    out.push('/');
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                // A trailing lone backslash would escape the delimiter: double it.
                let escaped = chars.next().unwrap_or('\\');
                if escaped == '\\' && chars.as_str().is_empty() {
                    out.push_str("[\\\\]");
                } else {
                    out.push('\\');
                    out.push(escaped);
                }
            }
            '/' => out.push_str("\\/"),
            c => out.push(c),
        }
    }
    out.push('/');
    out
}

/// The pattern inside `/…/`, as the query parser's regex token delimits it: it
/// ends at the first `/` that does not follow a backslash (a `\/` may end it too,
/// but the longest token wins); `None` if that is not the last character.
pub fn lucene_unregex(literal: &str) -> Option<String> {
    let body = literal.strip_prefix('/')?;
    let mut previous = None;
    for (i, c) in body.char_indices() {
        if c == '/' && previous != Some('\\') {
            return (i + 1 == body.len()).then(|| body[..i].to_string());
        }
        previous = Some(c);
    }
    None
}

/// One character of a Lucene (and Java/Python) regex that matches exactly `c`:
/// ASCII punctuation gets a backslash (Lucene's `RegExp` reads `\x` as `x`, and
/// every operator it knows — `.?+*|{}[]()"\#@&<>~` — is ASCII punctuation).
pub fn push_regex_char(out: &mut String, c: char) {
    if c.is_ascii_punctuation() {
        out.push('\\');
    }
    out.push(c);
}

/// A regex matching exactly `value`.
pub fn regex_literal(value: &str) -> String {
    let mut out = String::with_capacity(value.len() * 2);
    value.chars().for_each(|c| push_regex_char(&mut out, c));
    out
}

/// The literal a regex made only of plain and escaped characters (and the class
/// `[\\]`, a backslash) matches, read as Lucene's `RegExp` does; `None` if it holds
/// an operator.
pub fn regex_unliteral(pattern: &str) -> Option<String> {
    let mut out = String::new();
    let mut rest = pattern;
    while let Some(c) = rest.chars().next() {
        if let Some(after) = rest.strip_prefix("[\\\\]") {
            out.push('\\');
            rest = after;
            continue;
        }
        rest = &rest[c.len_utf8()..];
        match c {
            '\\' => {
                let escaped = rest.chars().next()?;
                out.push(escaped);
                rest = &rest[escaped.len_utf8()..];
            }
            c if ".?+*|{}[]()\"#@&<>~^".contains(c) => return None,
            c => out.push(c),
        }
    }
    Some(out)
}

/// An EQL field: segments that are not plain names (or are keywords) in backticks.
pub fn eql_field(name: &str) -> String {
    const KEYWORDS: &[&str] = &[
        "and", "any", "by", "false", "in", "join", "like", "maxspan", "not", "null", "of", "or", "regex", "runs",
        "sample", "sequence", "true", "until", "where", "with",
    ];
    quote_segments(name, |s| KEYWORDS.contains(&s.to_ascii_lowercase().as_str()) || !plain(s, false))
}

/// An ES|QL field: segments that are not plain identifiers (or are keywords) in backticks.
pub fn esql_field(name: &str) -> String {
    const KEYWORDS: &[&str] = &[
        "and", "as", "asc", "by", "desc", "false", "first", "in", "is", "last", "like", "match", "metadata", "not",
        "null", "nulls", "on", "or", "rlike", "true", "with",
    ];
    quote_segments(name, |s| KEYWORDS.contains(&s.to_ascii_lowercase().as_str()) || !plain(s, true))
}

/// A bare Lucene term (a field name, a number): query-syntax characters get a backslash.
pub fn lucene_term(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 1);
    // The classic parser reads these words as operators; a backslash makes one a term.
    if matches!(name, "AND" | "OR" | "NOT" | "TO") {
        out.push('\\');
    }
    for c in name.chars() {
        if "+-&|!(){}[]^\"~*?:\\/ =<>".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A letter or `_` then letters, digits and `_` (`@` may start an ES|QL name).
fn plain(segment: &str, at_start: bool) -> bool {
    let mut chars = segment.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || (at_start && c == '@'));
    first_ok && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Backtick-quotes the segments `needs` picks; settings validation guarantees
/// names hold no backtick or line break (see `ElasticSettings::validate`).
fn quote_segments(name: &str, needs: impl Fn(&str) -> bool) -> String {
    name.split('.').map(|s| if needs(s) { format!("`{s}`") } else { s.to_string() }).collect::<Vec<_>>().join(".")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn eql_cases() {
        assert_eq!(eql_string(r#"say "hi" \ there"#), r#""say \"hi\" \\ there""#);
        assert_eq!(eql_string("a\nb\tc\r"), r#""a\nb\tc\r""#);
        assert_eq!(eql_string("nul\0 rlo\u{202E}"), r#""nul\u{00} rlo\u{202E}""#);
        assert_eq!(eql_string("a*b?Écho"), "\"a*b?Écho\"");
        assert_eq!(eql_unquote(r#""\u{1F489}""#).as_deref(), Some("💉"));
        assert_eq!(eql_unquote(r#""a"b""#), None);
        assert_eq!(eql_unquote("\"a\nb\""), None);
        assert_eq!(eql_unquote(r#""a\q""#), None);
    }

    #[test]
    fn esql_cases() {
        assert_eq!(esql_string("x\" | DROP y"), r#""x\" | DROP y""#);
        assert_eq!(esql_string("C:\\t\n"), r#""C:\\t\n""#);
        assert_eq!(esql_string("nul\0"), "\"nul\0\"");
        assert_eq!(esql_unquote(r#""\u0041""#), None, "ES|QL has no \\u escape");
    }

    #[test]
    fn lucene_cases() {
        assert_eq!(lucene_phrase(r#"a "b" \c *?"#), r#""a \"b\" \\c *?""#);
        assert_eq!(lucene_unphrase(r#""\u0041""#).as_deref(), Some("A"));
        assert_eq!(lucene_unphrase(&lucene_phrase(r"\u0041")).as_deref(), Some(r"\u0041"));
        assert_eq!(lucene_regex(r"a/b\/c"), r"/a\/b\/c/");
        assert_eq!(lucene_regex("a\\"), r"/a[\\]/", "a lone final backslash is a literal one");
        assert_eq!(lucene_regex(r"a\\"), r"/a[\\]/", "an escaped final backslash cannot precede the delimiter");
        assert_eq!(lucene_unregex(r"/a\\/"), None, "the classic parser reads `\\/` on");
        assert_eq!(lucene_unregex(r"/a\//"), Some(r"a\/".to_string()));
        assert_eq!(regex_literal("a.b*/é"), r"a\.b\*\/é");
        assert_eq!(lucene_term("device.id"), "device.id");
        assert_eq!(lucene_term("a-b:c"), r"a\-b\:c");
        assert_eq!(lucene_term("NOT"), r"\NOT", "an operator word as a field name");
        assert_eq!(lucene_term("NOTE"), "NOTE");
    }

    #[test]
    fn fields_are_quoted_where_needed() {
        assert_eq!(eql_field("device.id"), "device.id");
        assert_eq!(eql_field("user.by"), "user.`by`");
        assert_eq!(eql_field("x-ray.v2"), "`x-ray`.v2");
        assert_eq!(eql_field("@timestamp"), "`@timestamp`");
        assert_eq!(esql_field("@timestamp"), "@timestamp");
        assert_eq!(esql_field("event.in"), "event.`in`");
        assert_eq!(esql_field("a-b"), "`a-b`");
    }

    /// Strings rich in what breaks literals, beside arbitrary ones.
    fn nasty() -> impl Strategy<Value = String> {
        let pieces = prop::collection::vec(
            prop_oneof![
                Just("\"".to_string()),
                Just("\\".to_string()),
                Just("*".to_string()),
                Just("?".to_string()),
                Just("/".to_string()),
                Just("\n".to_string()),
                Just("\r".to_string()),
                Just("\0".to_string()),
                Just("\u{202E}".to_string()),
                Just("\\u0041".to_string()),
                Just("\\u{41}".to_string()),
                Just("`".to_string()),
                "\\PC{0,8}",
            ],
            0..24,
        );
        prop_oneof![any::<String>(), pieces.prop_map(|p| p.concat()), "\\PC{200,400}"]
    }

    proptest! {
        #[test]
        fn eql_strings_round_trip(s in nasty()) {
            prop_assert_eq!(eql_unquote(&eql_string(&s)), Some(s));
        }

        #[test]
        fn esql_strings_round_trip(s in nasty()) {
            prop_assert_eq!(esql_unquote(&esql_string(&s)), Some(s));
        }

        #[test]
        fn lucene_phrases_round_trip(s in nasty()) {
            prop_assert_eq!(lucene_unphrase(&lucene_phrase(&s)), Some(s));
        }

        #[test]
        fn lucene_regex_literals_round_trip(s in nasty()) {
            let inner = lucene_unregex(&lucene_regex(&regex_literal(&s)));
            prop_assert_eq!(inner.as_deref().and_then(regex_unliteral), Some(s));
        }
    }
}
