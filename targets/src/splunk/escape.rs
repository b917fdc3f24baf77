//! Splunk's one escaping function: a literal string → a double-quoted SPL string.
//!
//! Inside SPL double quotes, `\` escapes `"` and `\`; nothing else is special to the
//! quoting (a `*` in a `search` value is a wildcard, so callers send such values to
//! `where` instead, see [`super::condition`]). Because `"` always appears as `\"`
//! and `\` as `\\`, no value can close its literal early: the proof is the
//! round-trip property test against [`unquote`].

/// `"…"` holding exactly `literal`.
pub fn quote(literal: &str) -> String {
    let mut out = String::with_capacity(literal.len() + 2);
    out.push('"');
    for c in literal.chars() {
        if matches!(c, '"' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// Reads a quoted SPL string as Splunk does; `None` when `text` is not exactly one
/// well-formed literal (the inverse of [`quote`], used by tests).
pub fn unquote(text: &str) -> Option<String> {
    let inner = text.strip_prefix('"')?;
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push(chars.next()?),
            '"' => return chars.next().is_none().then_some(out),
            c => out.push(c),
        }
    }
    None
}

/// A regex matching exactly the characters of `literal`: metacharacters are
/// backslash-escaped and control characters written as `\x{…}`, so the pattern
/// holds no raw line breaks.
pub fn regex_literal(literal: &str) -> String {
    let mut out = String::with_capacity(literal.len());
    for c in literal.chars() {
        if c.is_control() {
            out.push_str(&format!("\\x{{{:x}}}", c as u32));
        } else {
            if "\\.+*?()|[]{}^$#&-~".contains(c) {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn quote_cases() {
        assert_eq!(quote(r#"say "hi""#), r#""say \"hi\"""#);
        assert_eq!(quote(r"C:\temp\"), r#""C:\\temp\\""#);
        assert_eq!(quote("a*b?c|d"), r#""a*b?c|d""#);
        assert_eq!(quote("x\" | delete"), r#""x\" | delete""#);
        assert_eq!(quote("Ünï 🩺"), "\"Ünï 🩺\"");
        assert_eq!(unquote(&quote("line\nbreak")).as_deref(), Some("line\nbreak"));
    }

    #[test]
    fn unquote_rejects_broken_literals() {
        assert_eq!(unquote(r#""a"b""#), None);
        assert_eq!(unquote(r#""a\"#), None);
        assert_eq!(unquote("a"), None);
    }

    #[test]
    fn regex_literal_escapes_metacharacters_and_controls() {
        assert_eq!(regex_literal("a.b*c"), r"a\.b\*c");
        assert_eq!(regex_literal("x\ny"), r"x\x{a}y");
        assert_eq!(regex_literal(r"\"), r"\\");
        let re = regex::Regex::new(&format!("^{}$", regex_literal("(a|b)[c]{2}^$\\ é"))).expect("valid regex");
        assert!(re.is_match("(a|b)[c]{2}^$\\ é"));
    }

    proptest! {
        #[test]
        fn every_string_survives_quoting(s in any::<String>()) {
            prop_assert_eq!(unquote(&quote(&s)), Some(s));
        }

        #[test]
        fn regex_literal_matches_itself_only(s in any::<String>()) {
            let re = regex::Regex::new(&format!("^(?:{})$", regex_literal(&s))).expect("valid regex");
            prop_assert!(re.is_match(&s));
        }
    }
}
