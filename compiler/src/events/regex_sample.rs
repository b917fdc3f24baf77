//! Strings that a regular expression matches, built from its syntax tree.
//!
//! A sample takes, at each alternation, the branch chosen by the variant number and
//! the minimum repetition count; character classes give a letter or digit when
//! they have one. Look-around assertions (`^`, `$`, `\b`) add nothing. Samples are
//! candidates only: every one is checked with `ir::eval` before use.

use regex_syntax::hir::{Class, Hir, HirKind};

/// Up to `count` distinct samples of `pattern`; none when it does not parse.
pub fn samples(pattern: &str, case_insensitive: bool, count: usize) -> Vec<String> {
    let Ok(hir) = regex_syntax::ParserBuilder::new().case_insensitive(case_insensitive).build().parse(pattern) else {
        return Vec::new();
    };
    let mut out: Vec<String> = Vec::new();
    for variant in 0..count * 2 {
        let mut text = String::new();
        write(&hir, variant, &mut text);
        if !out.contains(&text) {
            out.push(text);
        }
        if out.len() == count {
            break;
        }
    }
    out
}

fn write(hir: &Hir, variant: usize, out: &mut String) {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => {}
        HirKind::Literal(lit) => out.push_str(&String::from_utf8_lossy(&lit.0)),
        HirKind::Class(class) => out.extend(class_char(class, variant)),
        HirKind::Repetition(rep) => {
            // `x*` and `x?` still get one copy on odd variants, so samples differ.
            let times = if rep.min == 0 && variant % 2 == 1 { 1 } else { rep.min.min(64) };
            for _ in 0..times {
                write(&rep.sub, variant, out);
            }
        }
        HirKind::Capture(cap) => write(&cap.sub, variant, out),
        HirKind::Concat(parts) => parts.iter().for_each(|p| write(p, variant, out)),
        HirKind::Alternation(branches) => write(&branches[variant % branches.len()], variant / branches.len(), out),
    }
}

/// A readable member of the class: a letter or digit if it has one.
fn class_char(class: &Class, variant: usize) -> Option<char> {
    match class {
        Class::Unicode(set) => {
            let chars: Vec<char> = set.iter().flat_map(|r| (r.start()..=r.end()).take(64)).collect();
            let nice: Vec<char> = chars.iter().copied().filter(char::is_ascii_alphanumeric).collect();
            let pool = if nice.is_empty() { &chars } else { &nice };
            pool.get(variant % pool.len().max(1)).copied()
        }
        Class::Bytes(set) => {
            let bytes: Vec<u8> = set.iter().flat_map(|r| r.start()..=r.end()).filter(u8::is_ascii).collect();
            let nice: Vec<u8> = bytes.iter().copied().filter(u8::is_ascii_alphanumeric).collect();
            let pool = if nice.is_empty() { &bytes } else { &nice };
            pool.get(variant % pool.len().max(1)).map(|b| char::from(*b))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::eval::regex_search;

    #[test]
    fn samples_match_their_pattern() {
        for (pattern, ci) in [
            (r"^v1\.[0-9]+$", false),
            ("adm", true),
            (r"(?:wget|curl)\s+https?://", false),
            (r"^[A-F0-9]{8}-x*$", false),
            (r"\bpwsh(\.exe)?\b", true),
        ] {
            let got = samples(pattern, ci, 4);
            assert!(!got.is_empty(), "{pattern}");
            for s in got {
                assert!(regex_search(pattern, ci, &s), "{pattern} vs {s:?}");
            }
        }
    }
}
