//! `match()`'s regexes are PCRE (Splunk's docs: "Perl Compatible Regular
//! Expressions"). Run with Rust's `regex`, a PCRE pattern is first rewritten where
//! the two disagree on the same text, as PCRE2 behaves in UTF mode without UCP:
//! - `$` (and `\Z`) also match before a final `\n`: written `(?:\n?\z)`;
//! - `\d`, `\w`, `\s`, `\b` are ASCII-only;
//! - `(?i)` folds case by Unicode simple folding, as `regex` does.
//!
//! Multi-line anchors alone (`(?m:^)`, `(?m:$)`, as the reprinter writes them)
//! mean the same in both. Other multiline or dotall flags, `\v`, `\h`, `\R`, `\K`, `\Q`, look-around and
//! other PCRE-only constructs are unsupported rather than approximated.

use super::{unsupported, Result, Unsupported};
use std::cell::RefCell;
use std::collections::HashMap;

thread_local! {
    static COMPILED: RefCell<HashMap<String, regex::Regex>> = RefCell::new(HashMap::new());
}

/// Whether `pattern` matches somewhere in `text`.
pub fn search(pattern: &str, text: &str) -> Result<bool> {
    COMPILED.with(|cache| {
        let mut cache = cache.borrow_mut();
        if !cache.contains_key(pattern) {
            let rewritten = to_rust(pattern)?;
            let re = regex::Regex::new(&rewritten).map_err(|e| Unsupported(format!("regex {pattern}: {e}")))?;
            cache.insert(pattern.to_string(), re);
        }
        Ok(cache[pattern].is_match(text))
    })
}

const DIGIT: &str = "0-9";
const WORD: &str = "0-9A-Za-z_";
const SPACE: &str = r"\t\n\x0B\x0C\r ";

fn to_rust(pattern: &str) -> Result<String> {
    let mut out = String::new();
    let mut chars = pattern.chars().peekable();
    // Inside a class, and whether a `]` here would still be a literal.
    let (mut in_class, mut class_start) = (false, false);
    while let Some(c) = chars.next() {
        let at_start = std::mem::take(&mut class_start);
        match c {
            '\\' => {
                let e = chars.next().ok_or_else(|| Unsupported(format!("trailing \\ in {pattern}")))?;
                let set = match e.to_ascii_lowercase() {
                    'd' => Some(DIGIT),
                    'w' => Some(WORD),
                    's' => Some(SPACE),
                    _ => None,
                };
                match (e, set) {
                    (_, Some(set)) if in_class && e.is_lowercase() => out.push_str(set),
                    (_, Some(_)) if in_class => return unsupported(format!("negated \\{e} in a class: {pattern}")),
                    (_, Some(set)) => out.push_str(&format!("[{}{set}]", if e.is_uppercase() { "^" } else { "" })),
                    ('b' | 'B', _) if !in_class => out.push_str(&format!("(?-u:\\{e})")),
                    ('Z', _) if !in_class => out.push_str(r"(?:\n?\z)"),
                    ('x' | 'n' | 't' | 'r' | 'p' | 'P' | 'z' | 'A', _) => out.extend(['\\', e]),
                    (e, _) if !e.is_alphanumeric() => out.extend(['\\', e]),
                    _ => return unsupported(format!("escape \\{e} in {pattern}")),
                }
            }
            '[' if in_class => {
                if chars.peek() != Some(&':') {
                    return unsupported(format!("`[` inside a class (PCRE: literal, regex: nested) in {pattern}"));
                }
                // A POSIX class such as `[:alpha:]`, the same in both.
                out.push(c);
                while let Some(p) = chars.next() {
                    out.push(p);
                    if p == ':' && chars.peek() == Some(&']') {
                        out.push(chars.next().unwrap_or(']'));
                        break;
                    }
                }
            }
            '[' => {
                in_class = true;
                class_start = true;
                out.push(c);
                if chars.peek() == Some(&'^') {
                    out.push(chars.next().unwrap_or('^'));
                }
            }
            ']' if in_class && !at_start => {
                in_class = false;
                out.push(c);
            }
            ']' if in_class => out.push_str(r"\]"),
            '$' if !in_class => {
                if !matches!(chars.peek(), None | Some(')' | '|')) {
                    return unsupported(format!("`$` followed by more pattern in {pattern}"));
                }
                out.push_str(r"(?:\n?\z)");
            }
            // Multi-line anchors on their own, `(?m:^)` and `(?m:$)`: in PCRE as in
            // `regex`, a line starts after and ends before `\n` (PCRE2's default newline).
            '(' if !in_class && ["?m:^)", "?m:$)"].iter().any(|a| chars.clone().take(5).eq(a.chars())) => {
                out.push(c);
                out.extend(chars.by_ref().take(5));
            }
            '(' if !in_class && chars.peek() == Some(&'?') => {
                let rest: String = chars.clone().take(3).collect();
                if !(rest.starts_with("?:") || rest.starts_with("?i)") || rest.starts_with("?i:")) {
                    return unsupported(format!("group `({rest}` in {pattern}"));
                }
                out.push(c);
            }
            c => out.push(c),
        }
    }
    if in_class {
        return unsupported(format!("unterminated class in {pattern}"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(pattern: &str, text: &str) -> bool {
        search(pattern, text).expect("supported")
    }

    #[test]
    fn dollar_matches_before_a_final_newline_but_z_does_not() {
        assert!(hit(r"^v1\.[0-9]+$", "v1.2"));
        assert!(hit(r"^v1\.[0-9]+$", "v1.2\n"), "PCRE: $ before a final newline");
        assert!(!hit(r"^v1\.[0-9]+$", "v1.2\n\n"));
        assert!(!hit(r"(?i)^(?:a)\z", "A\n"), "\\z is the very end");
        assert!(hit(r"(?i)^(?:a)\z", "A"));
    }

    #[test]
    fn classes_are_ascii_and_case_folds() {
        assert!(!hit(r"^\d$", "٣"), "Arabic-Indic digit: not \\d without UCP");
        assert!(hit(r"^[\d.]+$", "1.5") && hit("^[[:alpha:]x]+$", "abx"));
        assert!(!hit(r"\bé", "é"), "ASCII word boundary");
        assert!(hit("(?i)^(?:écho)$", "ÉCHO"));
        assert!(hit(r"^\]a[]b]\x{a}", "]ab\n"));
        assert!(hit(r"(?m:^)a(?m:$)", "x\na\ny") && !hit(r"(?m:^)a(?m:$)", "xa"));
    }

    #[test]
    fn pcre_only_constructs_fail() {
        for pattern in [r"(?m)^a$", r"a\Kb", r"\h", r"[[a]]", r"(?=a)", r"a$b", "[a", r"\v"] {
            assert!(search(pattern, "a").is_err(), "{pattern}");
        }
    }
}
