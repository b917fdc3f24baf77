//! YAML output that YAML 1.1 and YAML 1.2 readers both take as written.
//!
//! The tools that read our Sigma and Sentinel files follow YAML 1.1 (PyYAML in pySigma
//! and sigma-cli, YamlDotNet), where `off`, `yes` or `1:20` are a boolean and a
//! sexagesimal integer, while YAML 1.2 readers take them as strings. So Scalpel writes
//! YAML itself, choosing each scalar's style from what it holds rather than patching
//! another emitter's text afterwards:
//!
//! - plain, when libyaml (through serde_norway) would write the string plain, which
//!   means YAML 1.2 reads it back as that string, and YAML 1.1 reads it so too
//!   ([`YAML11_SPECIAL`] does not match);
//! - a literal block (`|`, with the chomping and indentation indicators it needs),
//!   for a multi-line string of printable characters;
//! - single-quoted, for one line of printable characters;
//! - double-quoted with escapes, for everything else (controls, carriage returns,
//!   Unicode line separators, bidirectional controls, a byte-order mark).
//!
//! Mappings keep the order the serialised struct gives; sequences are written
//! `- item` at their key's indentation, as serde_norway does.

use regex::Regex;
use serde_norway::Value;
use std::sync::LazyLock;

/// Plain scalars YAML 1.1 resolves to a boolean, a number or the merge key while YAML 1.2
/// (and so libyaml's plain check, made for 1.2) keeps them strings:
/// `y`/`n`/`yes`/`no`/`on`/`off` in their three spellings, `<<`, `=`, numbers with `_`
/// separators and sexagesimal numbers.
static YAML11_SPECIAL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF|<<|=",
        r"|[-+]?[0-9][0-9_]*_[0-9_]*(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?",
        r"|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?)$"
    ))
    .expect("valid regex")
});

/// `value` as YAML, safe for YAML 1.1 and 1.2 readers.
pub fn to_string<T: serde::Serialize>(value: &T) -> Result<String, serde_norway::Error> {
    let value = serde_norway::to_value(value)?;
    let mut out = String::new();
    match &value {
        Value::Mapping(map) if !map.is_empty() => mapping(&mut out, map, 0),
        Value::Sequence(items) if !items.is_empty() => sequence(&mut out, items, 0),
        other => {
            out.push_str(&inline(other, 0));
            out.push('\n');
        }
    }
    Ok(out)
}

fn mapping(out: &mut String, map: &serde_norway::Mapping, indent: usize) {
    for (index, (key, value)) in map.iter().enumerate() {
        // The first key of a mapping in a sequence follows its `- `.
        if index > 0 || out.ends_with('\n') || out.is_empty() {
            out.push_str(&" ".repeat(indent));
        }
        out.push_str(&key_text(key));
        out.push(':');
        member(out, value, indent, false);
    }
}

fn sequence(out: &mut String, items: &[Value], indent: usize) {
    for item in items {
        out.push_str(&" ".repeat(indent));
        out.push('-');
        member(out, item, indent, true);
    }
}

/// What follows `key:` or `-`: a scalar on the same line, or a nested collection.
fn member(out: &mut String, value: &Value, indent: usize, in_sequence: bool) {
    match value {
        Value::Mapping(map) if !map.is_empty() => {
            if in_sequence {
                out.push(' ');
                mapping(out, map, indent + 2);
            } else {
                out.push('\n');
                mapping(out, map, indent + 2);
            }
        }
        Value::Sequence(items) if !items.is_empty() => {
            out.push('\n');
            // A sequence under a key sits at the key's indentation; one in a sequence
            // is indented under its `-`.
            sequence(out, items, if in_sequence { indent + 2 } else { indent });
        }
        Value::Tagged(tagged) => member(out, &tagged.value, indent, in_sequence),
        scalar => {
            out.push(' ');
            out.push_str(&inline(scalar, indent + 2));
            out.push('\n');
        }
    }
}

fn key_text(key: &Value) -> String {
    match key {
        Value::String(text) if plain(text) => text.clone(),
        Value::String(text) if one_printable_line(text) => single_quoted(text),
        Value::String(text) => double_quoted(text),
        other => inline(other, 0),
    }
}

/// A scalar (or an empty collection) as it follows `key: ` or `- `; a block scalar's
/// lines are indented by `indent`.
fn inline(value: &Value, indent: usize) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => number(n),
        Value::String(text) => string(text, indent),
        Value::Sequence(_) => "[]".into(),
        Value::Mapping(_) => "{}".into(),
        Value::Tagged(tagged) => inline(&tagged.value, indent),
    }
}

/// A number as YAML 1.1 and 1.2 readers both read it. `ryu` writes large and small
/// floats as `1e300` or `1.5e-7`; YAML 1.1 (PyYAML: pySigma, sigma-cli) wants a `.`
/// in the mantissa and a signed exponent and reads `1e300` as the *string* "1e300".
/// So an exponent form is written `1.0e+300`; integers and positional floats such as
/// `80.0` are already read alike.
fn number(n: &serde_norway::Number) -> String {
    // An integer's digits are what the emitter would write; only floats need it.
    if n.is_i64() || n.is_u64() {
        return n.to_string();
    }
    let text = serde_norway::to_string(n).map_or_else(|_| n.to_string(), |t| t.trim_end().to_string());
    yaml11_float(&text).unwrap_or(text)
}

/// `ryu`'s exponent form of a float with a point and a signed exponent; `None` for any
/// other text.
fn yaml11_float(text: &str) -> Option<String> {
    let (mantissa, exponent) = text.split_once(['e', 'E'])?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let unsigned = mantissa.strip_prefix('-').unwrap_or(mantissa);
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, "0"));
    let exponent_digits = exponent.strip_prefix(['-', '+']).unwrap_or(exponent);
    if !(digits(whole) && digits(fraction) && digits(exponent_digits)) {
        return None;
    }
    let sign = if mantissa.starts_with('-') { "-" } else { "" };
    let exponent_sign = if exponent.starts_with('-') { "-" } else { "+" };
    Some(format!("{sign}{whole}.{fraction}e{exponent_sign}{exponent_digits}"))
}

fn string(text: &str, indent: usize) -> String {
    if plain(text) {
        text.to_string()
    } else if text.contains('\n') && block_safe(text) {
        literal_block(text, indent)
    } else if one_printable_line(text) {
        single_quoted(text)
    } else {
        double_quoted(text)
    }
}

/// Whether `text` can be written plain: libyaml would (so YAML 1.2 reads it back),
/// and YAML 1.1 reads it as the same string.
fn plain(text: &str) -> bool {
    !YAML11_SPECIAL.is_match(text)
        && text.chars().all(|c| printable(c) && c != '\t')
        && (surely_plain(text) || serde_norway::to_string(text).is_ok_and(|t| t.strip_suffix('\n') == Some(text)))
}

/// A cheap sufficient condition for libyaml (through serde_norway) writing `text`
/// plain, which spares most strings a run of the emitter (a third of a build's
/// instructions went there): a letter or digit, then letters, digits, `_ . - / |` and
/// inner spaces (no YAML indicator, no leading or trailing blank), and not a word or
/// number that serde_norway resolves to null, a boolean or a number (`0x1F` included).
fn surely_plain(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.first().is_some_and(u8::is_ascii_alphanumeric)
        && !bytes.ends_with(b" ")
        && bytes.iter().all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-' | b'/' | b'|' | b' '))
        && !matches!(text, "null" | "Null" | "NULL" | "true" | "True" | "TRUE" | "false" | "False" | "FALSE")
        && !(text.starts_with("0x") || text.starts_with("0o") || text.starts_with("0b"))
        && text.parse::<f64>().is_err()
}

/// Characters YAML lets stand for themselves inside any scalar, minus the ones that
/// read as line breaks in YAML 1.1 (NEL, LS, PS), the byte-order mark and the
/// bidirectional controls (escaped so that the file reads as it is).
fn printable(c: char) -> bool {
    let hidden = matches!(c, '\u{200e}' | '\u{200f}' | '\u{61c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
    !hidden
        && (matches!(c, '\t' | ' '..='~')
            || matches!(c, '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
                && !matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}'))
}

fn one_printable_line(text: &str) -> bool {
    text.chars().all(|c| printable(c) && c != '\t')
}

/// A literal block holds any printable text with line breaks, tabs included; it
/// needs one line with content for the chomping indicator to mean what it says.
fn block_safe(text: &str) -> bool {
    text.chars().all(|c| c == '\n' || printable(c)) && text.lines().any(|line| !line.trim().is_empty())
}

/// `|` with a chomping indicator that keeps exactly the trailing line breaks of
/// `text`, and an indentation indicator when the first line would not show the
/// indentation (it starts with a blank, or is empty).
fn literal_block(text: &str, indent: usize) -> String {
    let body = text.trim_end_matches('\n');
    let chomping = match text.len() - body.len() {
        0 => "-",
        1 => "",
        _ => "+",
    };
    let first = body.split('\n').next().unwrap_or_default();
    let indicator = if first.starts_with([' ', '\t']) || first.is_empty() { "2" } else { "" };
    let pad = " ".repeat(indent);
    let mut out = format!("|{indicator}{chomping}");
    // `|+` keeps the trailing line breaks as empty lines of the block.
    for line in text.strip_suffix('\n').unwrap_or(text).split('\n') {
        out.push('\n');
        if !line.is_empty() {
            out.push_str(&pad);
            out.push_str(line);
        }
    }
    out
}

fn single_quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

fn double_quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\0' => out.push_str("\\0"),
            c if printable(c) => out.push(c),
            c if (c as u32) < 0x100 => out.push_str(&format!("\\x{:02X}", c as u32)),
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push_str(&format!("\\U{:08X}", c as u32)),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
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

    /// The case of issue 12: a value whose first line starts with a blank, which
    /// needs an indentation indicator, and a line `yes` inside the block.
    #[test]
    fn block_scalars_get_the_indicators_they_need_and_keep_their_lines() {
        for (text, header) in [(" x\nyes", "|2-"), ("a\n\n", "|+"), ("\nb\n", "|2"), ("a\n  b", "|-")] {
            let value = BTreeMap::from([("v", text)]);
            let yaml = to_string(&value).expect("yaml");
            assert!(yaml.starts_with(&format!("v: {header}\n")), "{text:?}: {yaml}");
            let back: BTreeMap<String, String> = serde_norway::from_str(&yaml).expect("reads");
            assert_eq!(back["v"], text, "{yaml}");
        }
    }

    #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
    struct Nested {
        title: String,
        tags: Vec<String>,
        detection: BTreeMap<String, Vec<BTreeMap<String, String>>>,
        empty: Vec<String>,
        count: u64,
    }

    #[test]
    fn exponent_forms_get_a_point_and_a_sign() {
        assert_eq!(yaml11_float("1e300").as_deref(), Some("1.0e+300"));
        assert_eq!(yaml11_float("-1e-300").as_deref(), Some("-1.0e-300"));
        assert_eq!(yaml11_float("1.5e-7").as_deref(), Some("1.5e-7"));
        assert_eq!(yaml11_float("80.0"), None);
        assert_eq!(yaml11_float("e5"), None);
        assert_eq!(yaml11_float("1e"), None);
        let text = to_string(&BTreeMap::from([("a|gt", 1e300), ("b", 1e5)])).unwrap();
        assert_eq!(text, "a|gt: 1.0e+300\nb: 100000.0\n");
    }

    proptest! {
        /// The shortcut never calls plain what libyaml would not write plain.
        #[test]
        fn surely_plain_strings_are_plain_to_libyaml(
            text in "[a-zA-Z0-9][a-zA-Z0-9_./| -]{0,12}|(null|True|FALSE|inf|NaN|infinity|e5|0x1F|0o17|0b1|1e5|0123|1.5)"
        ) {
            if surely_plain(&text) {
                let emitted = serde_norway::to_string(&text).expect("yaml");
                prop_assert_eq!(emitted.strip_suffix('\n'), Some(text.as_str()));
            }
        }

        /// Whatever the float, its text reads back as the same value, in a form YAML
        /// 1.1's float pattern (PyYAML's resolver) accepts.
        #[test]
        fn every_float_reads_back_the_same_in_both_yaml_versions(bits in any::<u64>()) {
            let value = f64::from_bits(bits);
            prop_assume!(value.is_finite());
            let text = to_string(&BTreeMap::from([("v|gt", value)])).expect("yaml");
            let back: BTreeMap<String, f64> = serde_norway::from_str(&text).expect("reads");
            prop_assert_eq!(back["v|gt"].to_bits(), value.to_bits(), "{}", text);
            let yaml11 = regex::Regex::new(r"^v\|gt: [-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+][0-9]+)?\n$").expect("valid");
            prop_assert!(yaml11.is_match(&text), "YAML 1.1 reads {:?} as a string", text);
        }


        /// Any strings in keys, values and nested collections read back (YAML 1.2,
        /// serde_norway) exactly, and no plain scalar is one YAML 1.1 reads otherwise.
        #[test]
        fn hostile_strings_read_back(
            a in "(\\PC|[\\n\\r\\t\\x00 '\"#:|>\\-\\[\\]{},&*!%@`\\\\\u{2028}\u{85}\u{feff}\u{202e}]){0,24}",
            b in "(yes|no|off|on|~|null|true|1:20|0x1F|-|\\?|: |\\n|  |\t|x){0,6}",
        ) {
            let value = Nested {
                title: a.clone(),
                tags: vec![b.clone(), a.clone(), String::new()],
                detection: BTreeMap::from([(a.clone(), vec![BTreeMap::from([(b.clone(), a.clone())])])]),
                empty: Vec::new(),
                count: 7,
            };
            let yaml = to_string(&value).expect("yaml");
            let back: Nested = serde_norway::from_str(&yaml).map_err(|e| TestCaseError::fail(format!("{e}\n{yaml}")))?;
            prop_assert_eq!(back, value, "{}", yaml);
        }
    }
}
