//! YAML output that YAML 1.1 readers take as written.
//!
//! serde_norway writes YAML 1.2, where `off`, `yes` or `1:20` are plain strings. The tools
//! that read our Sigma and Sentinel files (PyYAML in pySigma and sigma-cli, YamlDotNet) follow
//! YAML 1.1, where those are a boolean and a sexagesimal integer: the rule `robot.mode: off`
//! would test for `false`. [`to_string`] serialises, then single-quotes every plain scalar
//! that YAML 1.1 would resolve to something other than the string 1.2 reads, outside block
//! scalars.

use regex::Regex;
use std::sync::LazyLock;

/// Plain scalars YAML 1.1 resolves to a boolean, a number or the merge key while YAML 1.2
/// (and so serde_norway, which quotes every string 1.2 would misread) keeps them strings:
/// `y`/`n`/`yes`/`no`/`on`/`off` in their three spellings, `<<`, `=`, numbers with `_`
/// separators and sexagesimal numbers. Real booleans and nulls (`true`, `null`) never match.
static YAML11_SPECIAL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF|<<|=",
        r"|[-+]?[0-9][0-9_]*_[0-9_]*(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?",
        r"|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?)$"
    ))
    .expect("valid regex")
});

/// `value` as YAML, safe for YAML 1.1 readers.
pub fn to_string<T: serde::Serialize>(value: &T) -> Result<String, serde_norway::Error> {
    serde_norway::to_string(value).map(|text| quote_yaml11_specials(&text))
}

/// Quotes plain keys and values (`key: v`, `- v`, `v:`) that YAML 1.1 reads as non-strings.
fn quote_yaml11_specials(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut block_indent: Option<usize> = None;
    for line in text.split_inclusive('\n') {
        let content = line.trim_end_matches('\n');
        let indent = content.len() - content.trim_start().len();
        match block_indent {
            Some(parent) if indent > parent || content.trim().is_empty() => {
                out.push_str(line);
                continue;
            }
            _ => block_indent = None,
        }
        let rewritten = rewrite_line(content);
        let body = rewritten.trim_start();
        let body = body.strip_prefix("- ").unwrap_or(body);
        if body.ends_with(": |")
            || body.ends_with(": |-")
            || body.ends_with(": >")
            || body.ends_with(": >-")
            || body == "|-"
        {
            block_indent = Some(indent);
        }
        out.push_str(&rewritten);
        out.push_str(&line[content.len()..]);
    }
    out
}

/// One line: `[indent][- ]...[key: ][value]`, each plain key or value quoted when special.
fn rewrite_line(line: &str) -> String {
    let indent = &line[..line.len() - line.trim_start().len()];
    let mut rest = &line[indent.len()..];
    let mut out = String::from(indent);
    while let Some(item) = rest.strip_prefix("- ") {
        out.push_str("- ");
        rest = item;
    }
    match split_key(rest) {
        Some((key, value)) => {
            out.push_str(&quote_if_special(key));
            out.push(':');
            if !value.is_empty() {
                out.push(' ');
                out.push_str(&quote_if_special(value));
            }
        }
        None => out.push_str(&quote_if_special(rest)),
    }
    out
}

/// `key: value` or `key:` with a plain (unquoted) key.
fn split_key(text: &str) -> Option<(&str, &str)> {
    if text.starts_with(['\'', '"']) {
        return None;
    }
    if let Some(key) = text.strip_suffix(':') {
        return (!key.contains(": ")).then_some((key, ""));
    }
    text.split_once(": ")
}

fn quote_if_special(scalar: &str) -> String {
    if YAML11_SPECIAL.is_match(scalar) {
        format!("'{scalar}'")
    } else {
        scalar.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn yaml11_booleans_and_numbers_are_quoted() {
        let value: BTreeMap<&str, Vec<&str>> = BTreeMap::from([(
            "robot.mode",
            vec!["off", "standby", "yes", "1:20", "0x1F", "ON", "y", "1_000", "~", "<<"],
        )]);
        let text = to_string(&value).expect("yaml");
        assert_eq!(
            text,
            "robot.mode:\n- 'off'\n- standby\n- 'yes'\n- '1:20'\n- '0x1F'\n- 'ON'\n- 'y'\n- '1_000'\n- '~'\n- '<<'\n"
        );
    }

    #[test]
    fn real_booleans_and_nulls_stay_plain() {
        let value: BTreeMap<&str, Option<bool>> = BTreeMap::from([("exists", Some(true)), ("gone", None)]);
        assert_eq!(to_string(&value).expect("yaml"), "exists: true\ngone: null\n");
    }

    #[test]
    fn keys_are_quoted_and_block_scalars_left_alone() {
        let value: BTreeMap<&str, &str> = BTreeMap::from([("on", "x"), ("query", "a\n- off\nno: 1\n")]);
        let text = to_string(&value).expect("yaml");
        assert_eq!(text, "'on': x\nquery: |\n  a\n  - off\n  no: 1\n");
    }

    #[test]
    fn ordinary_strings_stay_plain() {
        let value: BTreeMap<&str, &str> = BTreeMap::from([("a", "offline"), ("b", "no-op"), ("c", "v1.2")]);
        assert_eq!(to_string(&value).expect("yaml"), "a: offline\nb: no-op\nc: v1.2\n");
    }
}
