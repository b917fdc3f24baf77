//! The one escaping function for text in markup we write: the coverage report's
//! HTML (element content, attribute values and SVG text alike) and `scalpel test`'s
//! JUnit XML.
//!
//! All five XML-special characters become entities, so a value can neither close
//! an attribute (`"`, `'`) nor open markup (`<`, `&`); the result is also
//! well-formed XML, which the report's DOM test relies on. Control characters other
//! than tab and line breaks (`\0` is a legal escape in `.det` strings) become U+FFFD:
//! neither HTML nor XML allows them in a document.

pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if is_forbidden(c) => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

fn is_forbidden(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

#[cfg(test)]
mod tests {
    use super::{escape, is_forbidden};
    use proptest::prelude::*;

    /// The inverse of [`escape`], as a browser decodes it.
    fn unescape(text: &str) -> String {
        text.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&amp;", "&")
    }

    #[test]
    fn markup_cannot_escape() {
        assert_eq!(escape("<b onclick='x'>\"&amp;"), "&lt;b onclick=&#39;x&#39;&gt;&quot;&amp;amp;");
    }

    proptest! {
        #[test]
        fn round_trips_and_leaves_no_special_character(text in any::<String>()) {
            let escaped = escape(&text);
            prop_assert!(!escaped.contains(['<', '>', '"', '\'']));
            let entities_only = escaped.match_indices('&').all(|(i, _)| {
                let rest = &escaped[i..];
                ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"].iter().any(|e| rest.starts_with(e))
            });
            prop_assert!(entities_only, "a bare ampersand in {:?}", escaped);
            let visible: String = text.chars().map(|c| if is_forbidden(c) { '\u{FFFD}' } else { c }).collect();
            prop_assert_eq!(unescape(&escaped), visible);
        }
    }
}
