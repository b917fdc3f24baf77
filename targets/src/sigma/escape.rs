//! Sigma's one escaping function: a literal string → a Sigma string value.
//!
//! In Sigma values `*` and `?` are wildcards and `\` escapes them; the
//! specification reads `\*`, `\?` and `\\` as the literal characters. Escaping all
//! three makes every value match itself only. YAML quoting is left to the
//! serializer, which never needs help. Regex (`|re`) and CIDR values are not
//! escaped: they are patterns and blocks, not literals.

/// The Sigma value that matches exactly `literal`.
pub fn escape(literal: &str) -> String {
    let mut out = String::with_capacity(literal.len());
    for c in literal.chars() {
        if matches!(c, '\\' | '*' | '?') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The literal a Sigma value stands for, when it has no wildcard; `None` when it
/// holds an unescaped wildcard (the inverse of [`escape`], used by tests).
pub fn unescape(value: &str) -> Option<String> {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.peek() {
                Some(&next @ ('\\' | '*' | '?')) => {
                    out.push(next);
                    chars.next();
                }
                // A backslash before anything else is itself.
                _ => out.push('\\'),
            },
            '*' | '?' => return None,
            c => out.push(c),
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn escape_cases() {
        assert_eq!(escape("a*b"), r"a\*b");
        assert_eq!(escape("who?"), r"who\?");
        assert_eq!(escape(r"C:\temp"), r"C:\\temp");
        assert_eq!(escape(r"\*"), r"\\\*");
        assert_eq!(escape("say \"hi\" 'there'"), "say \"hi\" 'there'");
        assert_eq!(escape("a|b"), "a|b");
        assert_eq!(escape("line\nbreak"), "line\nbreak");
        assert_eq!(escape("Ünïcødé 🩺"), "Ünïcødé 🩺");
    }

    #[test]
    fn unescape_reads_the_spec() {
        assert_eq!(unescape(r"C:\temp").as_deref(), Some(r"C:\temp"));
        assert_eq!(unescape(r"a\*b").as_deref(), Some("a*b"));
        assert_eq!(unescape("a*b"), None);
    }

    proptest! {
        #[test]
        fn every_string_survives(s in any::<String>()) {
            prop_assert_eq!(unescape(&escape(&s)), Some(s));
        }
    }
}
