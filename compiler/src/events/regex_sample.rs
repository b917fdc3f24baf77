//! Strings that a regular expression matches, built from its syntax tree.
//!
//! A sample takes, at each alternation, the branch chosen by the variant number and
//! the minimum repetition count; character classes give a letter or digit when
//! they have one. Look-around assertions (`^`, `$`, `\b`) add nothing. Samples are
//! candidates only: every one is checked with `ir::eval` before use.
//!
//! Bounds (W0604 beyond them): a repetition is written out up to [`MAX_REPEAT`]
//! times, and a sample up to [`MAX_SAMPLE_BYTES`] long; a regex that needs more
//! gets no sample. Work is linear in the pattern and the sample: a repeated part
//! is written once and copied.

use regex_syntax::hir::{Class, Hir, HirKind};

/// The most copies of a repeated part a sample writes (`x{4096}`, `[a-z]{100,}`).
pub const MAX_REPEAT: u32 = 4096;

/// The longest sample written, in bytes (1 MiB).
pub const MAX_SAMPLE_BYTES: usize = 1 << 20;

/// Why a regex has no sample within the bounds, as a sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Beyond(pub String);

/// Up to `count` distinct samples of `pattern`; none when it does not parse (the
/// checker rejects such patterns).
pub fn samples(pattern: &str, case_insensitive: bool, count: usize) -> Result<Vec<String>, Beyond> {
    let Ok(hir) = regex_syntax::ParserBuilder::new().case_insensitive(case_insensitive).build().parse(pattern) else {
        return Ok(Vec::new());
    };
    let mut out: Vec<String> = Vec::new();
    for variant in 0..count * 2 {
        let mut text = String::new();
        write(&hir, variant, &mut text)?;
        if !out.contains(&text) {
            out.push(text);
        }
        if out.len() == count {
            break;
        }
    }
    Ok(out)
}

fn write(hir: &Hir, variant: usize, out: &mut String) -> Result<(), Beyond> {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => {}
        HirKind::Literal(lit) => out.push_str(&String::from_utf8_lossy(&lit.0)),
        HirKind::Class(class) => out.extend(class_char(class, variant)),
        HirKind::Repetition(rep) => {
            if rep.min > MAX_REPEAT {
                return Err(Beyond(format!(
                    "it repeats a part at least {} times; the generator writes at most {MAX_REPEAT}",
                    rep.min
                )));
            }
            // `x*` and `x?` still get one copy on odd variants, so samples differ.
            let times = if rep.min == 0 && variant % 2 == 1 { 1 } else { rep.min };
            let mut once = String::new();
            write(&rep.sub, variant, &mut once)?;
            if out.len().saturating_add(once.len().saturating_mul(times as usize)) > MAX_SAMPLE_BYTES {
                return Err(too_long());
            }
            for _ in 0..times {
                out.push_str(&once);
            }
        }
        HirKind::Capture(cap) => write(&cap.sub, variant, out)?,
        HirKind::Concat(parts) => parts.iter().try_for_each(|p| write(p, variant, out))?,
        HirKind::Alternation(branches) => write(&branches[variant % branches.len()], variant / branches.len(), out)?,
    }
    if out.len() > MAX_SAMPLE_BYTES {
        return Err(too_long());
    }
    Ok(())
}

fn too_long() -> Beyond {
    Beyond(format!("its shortest sample is longer than the generator writes ({MAX_SAMPLE_BYTES} bytes)"))
}

/// A readable member of the class: a letter or digit if it has one. Looks at the
/// first few members of each range only, so a class costs little however wide.
fn class_char(class: &Class, variant: usize) -> Option<char> {
    match class {
        Class::Unicode(set) => {
            let chars: Vec<char> = set.iter().flat_map(|r| (r.start()..=r.end()).take(64)).take(256).collect();
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
            (r"[A-Za-z0-9+/]{100,}", false),
            (r"^(ab{3}){50}$", false),
            (r"^x{4096}$", false),
        ] {
            let got = samples(pattern, ci, 4).expect("within the bounds");
            assert!(!got.is_empty(), "{pattern}");
            for s in got {
                assert!(regex_search(pattern, ci, &s), "{pattern} vs {s:?}");
            }
        }
    }

    #[test]
    fn repetitions_beyond_the_bounds_are_reported() {
        let beyond = samples("^x{4097}$", false, 3).expect_err("over MAX_REPEAT");
        assert!(beyond.0.contains("4097"), "{beyond:?}");
        assert_eq!(samples("(x{4096}){4096}", false, 3), Err(too_long()));
    }
}
