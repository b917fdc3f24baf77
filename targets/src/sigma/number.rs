//! Numbers in Sigma YAML that YAML 1.1 and 1.2 readers take as the same number.
//!
//! serde_norway writes floats as `ryu` does, `1e300` or `1.5e-7` when the exponent
//! is large. YAML 1.2 reads those as floats, but YAML 1.1 (PyYAML, so pySigma and
//! sigma-cli) wants a `.` in the mantissa and a sign in the exponent, and reads
//! `1e300` as the *string* "1e300": the rule is rejected or compares text. So every
//! float in exponent form is rewritten to `1.0e+300`, which both read as the same
//! double (integers and positional floats such as `80.0` are already read alike).
//!
//! The rewrite touches plain scalars only (`key: 1e300`, `- 1e300`): a string that
//! looks like a number is always quoted by the serializer, and lines inside block
//! scalars (multi-line strings) are left alone.

/// `ryu`'s text for a float, made readable by YAML 1.1 and 1.2 alike.
pub fn yaml_float(text: &str) -> Option<String> {
    let (mantissa, exponent) = text.split_once('e')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let unsigned = mantissa.strip_prefix('-').unwrap_or(mantissa);
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, "0"));
    let exponent_digits = exponent.strip_prefix('-').unwrap_or(exponent);
    if !(digits(whole) && digits(fraction) && digits(exponent_digits)) {
        return None;
    }
    let sign = if mantissa.starts_with('-') { "-" } else { "" };
    let exponent_sign = if exponent.starts_with('-') { "-" } else { "+" };
    Some(format!("{sign}{whole}.{fraction}e{exponent_sign}{exponent_digits}"))
}

/// Rewrites every plain float in exponent form in a YAML document serde_norway wrote.
pub fn yaml11_floats(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut block_parent: Option<usize> = None;
    for line in text.split_inclusive('\n') {
        let content = line.trim_end_matches('\n');
        let indent = content.len() - content.trim_start().len();
        if let Some(parent) = block_parent {
            if indent > parent || content.trim().is_empty() {
                out.push_str(line);
                continue;
            }
            block_parent = None;
        }
        if content.ends_with(['|', '>'])
            || content.ends_with("|-")
            || content.ends_with(">-")
            || content.ends_with("|+")
        {
            block_parent = Some(indent);
        }
        let split =
            content.rfind(": ").map(|i| i + 2).or_else(|| content.trim_start().starts_with("- ").then(|| indent + 2));
        match split.and_then(|at| yaml_float(&content[at..]).map(|number| (at, number))) {
            Some((at, number)) => {
                out.push_str(&content[..at]);
                out.push_str(&number);
                out.push_str(&line[content.len()..]);
            }
            None => out.push_str(line),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn exponent_forms_get_a_point_and_a_sign() {
        assert_eq!(yaml_float("1e300").as_deref(), Some("1.0e+300"));
        assert_eq!(yaml_float("-1e-300").as_deref(), Some("-1.0e-300"));
        assert_eq!(yaml_float("1.5e-7").as_deref(), Some("1.5e-7"));
        assert_eq!(yaml_float("80.0"), None);
        assert_eq!(yaml_float("e5"), None);
        assert_eq!(yaml_float("1e"), None);
    }

    #[test]
    fn only_plain_scalars_outside_block_strings_change() {
        let text = "sel1:\n  a|gt: 1e300\n  b:\n  - -1e-300\n  - '1e300'\n  c: |-\n    - 1e300\n    x: 1e300\nd: 1e5\n";
        assert_eq!(
            yaml11_floats(text),
            "sel1:\n  a|gt: 1.0e+300\n  b:\n  - -1.0e-300\n  - '1e300'\n  c: |-\n    - 1e300\n    x: 1e300\nd: 1.0e+5\n"
        );
    }

    proptest! {
        /// Whatever float serde_norway writes, the rewritten text reads back as the same
        /// value, and its form is one YAML 1.1's float pattern (PyYAML's resolver) accepts.
        #[test]
        fn every_float_reads_back_the_same_in_both_yaml_versions(bits in any::<u64>()) {
            let value = f64::from_bits(bits);
            prop_assume!(value.is_finite());
            let mapping = std::collections::BTreeMap::from([("v|gt", value)]);
            let text = yaml11_floats(&serde_norway::to_string(&mapping).expect("yaml"));
            let back: std::collections::BTreeMap<String, f64> = serde_norway::from_str(&text).expect("reads");
            prop_assert_eq!(back["v|gt"].to_bits(), value.to_bits(), "{}", text);
            let yaml11 = regex::Regex::new(r"^v\|gt: [-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+][0-9]+)?\n$").expect("valid");
            prop_assert!(yaml11.is_match(&text), "YAML 1.1 reads {:?} as a string", text);
        }
    }
}
