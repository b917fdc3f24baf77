//! A regex search (what `ir::eval` runs, Rust `regex` syntax) → a Lucene regex
//! that matches the whole value (what EQL `regex`, ES|QL `RLIKE` and Lucene `/…/`
//! run). Also the text tests (`==`, `contains`, … case-insensitive) for Lucene,
//! which has no case-insensitive term query.
//!
//! The pattern is parsed to `regex-syntax`'s HIR, so case folding (`(?i)`), `\d`,
//! `\s`, `.` and classes arrive as explicit Unicode ranges and are written out as
//! such: nothing depends on the two dialects agreeing on shorthands. A search
//! becomes `.*P.*`; `^` and `$` that start or end a branch are lifted out of the
//! pattern by distributing alternations (`(^|\.)key$` → `key|.*\.key`). Other
//! assertions (`\b`, `(?m)^`, anchors under repetition) have no Lucene form: they
//! are dropped, which only widens the match, and reported ([`Lucene::exact`]).

use super::escape::push_regex_char;
use regex_syntax::hir::{Class, ClassUnicode, ClassUnicodeRange, Hir, HirKind, Look};

/// More branches than this after lifting anchors: give up lifting (see `lift`).
const MAX_BRANCHES: usize = 64;

/// A Lucene regex and whether it means exactly what the search meant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lucene {
    pub pattern: String,
    pub exact: bool,
}

/// How a literal text test matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Span {
    Whole,
    Contains,
    StartsWith,
    EndsWith,
}

/// The whole-value Lucene regex for a search with `pattern` (checked by sema).
pub fn search(pattern: &str, case_insensitive: bool) -> Lucene {
    let parsed = regex_syntax::ParserBuilder::new().case_insensitive(case_insensitive).build().parse(pattern);
    match parsed {
        Ok(hir) => translate(&hir),
        // Unreachable after sema (E0206); never panic: a regex matching nothing.
        Err(_) => Lucene { pattern: "#".into(), exact: false },
    }
}

/// The whole-value Lucene regex for a literal text test.
pub fn text(value: &str, span: Span, case_insensitive: bool) -> Lucene {
    let escaped = if case_insensitive { lower_case_literal(value) } else { regex_syntax::escape(value) };
    let pattern = match span {
        Span::Whole => format!("^{escaped}$"),
        Span::Contains => escaped,
        Span::StartsWith => format!("^{escaped}"),
        Span::EndsWith => format!("{escaped}$"),
    };
    search(&pattern, false)
}

/// `value` as a regex in which each character stands for every character with the
/// same lower case: `ir::eval` compares text by `to_lowercase`, which is not the
/// regex's simple case folding (that also puts `ſ` with `s`, and `ſ` lower-cases to
/// itself). Each class is the character's simple-folding orbit, kept to the members
/// whose lower case is the character's; characters whose lower case is longer than
/// one (`İ`) cannot be matched one at a time (W0520).
fn lower_case_literal(value: &str) -> String {
    let mut out = String::with_capacity(value.len() * 4);
    for c in value.chars() {
        let variants = same_lower_case(c);
        if let [only] = variants.as_slice() {
            out.push_str(&regex_syntax::escape(&only.to_string()));
        } else {
            out.push('[');
            variants.iter().for_each(|v| out.push_str(&format!("\\x{{{:x}}}", u32::from(*v))));
            out.push(']');
        }
    }
    out
}

/// The characters whose lower case is `c`'s, `c` among them, in code point order.
pub fn same_lower_case(c: char) -> Vec<char> {
    let mut orbit = ClassUnicode::new([ClassUnicodeRange::new(c, c)]);
    orbit.case_fold_simple();
    let lower = c.to_lowercase();
    orbit.iter().flat_map(|r| r.start()..=r.end()).filter(|v| v.to_lowercase().eq(lower.clone())).collect()
}

fn translate(hir: &Hir) -> Lucene {
    let mut exact = true;
    let branches = lift(hir, &mut exact).unwrap_or_else(|| {
        exact = false;
        vec![Branch { start: false, parts: vec![hir.clone()], end: false }]
    });
    let printed: Vec<String> = branches
        .iter()
        .map(|b| {
            let mut out = String::new();
            if !b.start {
                out.push_str(".*");
            }
            b.parts.iter().for_each(|p| print(p, &mut out, &mut exact));
            if !b.end {
                out.push_str(".*");
            }
            out
        })
        .collect();
    let pattern = match printed.as_slice() {
        [one] => one.clone(),
        _ => printed.iter().map(|p| format!("({p})")).collect::<Vec<_>>().join("|"),
    };
    Lucene { pattern, exact }
}

/// One alternative of the whole pattern: anchored at the start and/or end, and
/// the pieces in between (free of `^`/`$` unless they could not be lifted).
#[derive(Debug, Clone)]
struct Branch {
    start: bool,
    parts: Vec<Hir>,
    end: bool,
}

/// The pattern as alternatives with their edge anchors; `None` when there would
/// be more than [`MAX_BRANCHES`]. Clears `exact` for anchors that are not at an
/// edge (they are dropped when printed).
fn lift(hir: &Hir, exact: &mut bool) -> Option<Vec<Branch>> {
    let plain = |h: &Hir| vec![Branch { start: false, parts: vec![h.clone()], end: false }];
    let anchors = hir.properties().look_set();
    if !anchors.contains(Look::Start) && !anchors.contains(Look::End) {
        return Some(plain(hir));
    }
    match hir.kind() {
        HirKind::Look(Look::Start) => Some(vec![Branch { start: true, parts: vec![], end: false }]),
        HirKind::Look(Look::End) => Some(vec![Branch { start: false, parts: vec![], end: true }]),
        HirKind::Capture(capture) => lift(&capture.sub, exact),
        HirKind::Alternation(alternatives) => {
            let mut out = Vec::new();
            for alternative in alternatives {
                out.extend(lift(alternative, exact)?);
                if out.len() > MAX_BRANCHES {
                    return None;
                }
            }
            Some(out)
        }
        HirKind::Concat(items) => {
            let mut acc = vec![Branch { start: false, parts: vec![], end: false }];
            for item in items {
                let next = lift(item, exact)?;
                let mut combined = Vec::with_capacity(acc.len() * next.len());
                for left in &acc {
                    for right in &next {
                        combined.push(join(left, right, exact));
                    }
                }
                if combined.len() > MAX_BRANCHES {
                    return None;
                }
                acc = combined;
            }
            Some(acc)
        }
        // An anchor under a repetition: printed without it.
        _ => {
            *exact = false;
            Some(plain(hir))
        }
    }
}

/// `left` followed by `right`. A `$` followed by more, or a `^` preceded by more,
/// holds only if the more matches empty; it is kept only when nothing follows
/// (precedes), else dropped and reported.
fn join(left: &Branch, right: &Branch, exact: &mut bool) -> Branch {
    let mut start = left.start;
    if right.start {
        if left.parts.is_empty() {
            start = true;
        } else {
            *exact = false;
        }
    }
    let mut end = right.end;
    if left.end {
        if right.parts.is_empty() {
            end = true;
        } else {
            *exact = false;
        }
    }
    Branch { start, parts: left.parts.iter().chain(&right.parts).cloned().collect(), end }
}

fn print(hir: &Hir, out: &mut String, exact: &mut bool) {
    match hir.kind() {
        HirKind::Empty => out.push_str("()"),
        HirKind::Literal(literal) => {
            String::from_utf8_lossy(&literal.0).chars().for_each(|c| push_regex_char(out, c));
        }
        HirKind::Class(class) => print_class(class, out),
        HirKind::Look(_) => {
            *exact = false;
            out.push_str("()");
        }
        HirKind::Repetition(repetition) => {
            print_atom(&repetition.sub, out, exact);
            match (repetition.min, repetition.max) {
                (0, None) => out.push('*'),
                (1, None) => out.push('+'),
                (0, Some(1)) => out.push('?'),
                (n, None) => out.push_str(&format!("{{{n},}}")),
                (n, Some(m)) if n == m => out.push_str(&format!("{{{n}}}")),
                (n, Some(m)) => out.push_str(&format!("{{{n},{m}}}")),
            }
        }
        // An alternation brings its own parentheses.
        HirKind::Capture(capture) if matches!(capture.sub.kind(), HirKind::Alternation(_)) => {
            print(&capture.sub, out, exact)
        }
        HirKind::Capture(capture) => {
            out.push('(');
            print(&capture.sub, out, exact);
            out.push(')');
        }
        HirKind::Concat(items) => items.iter().for_each(|h| print(h, out, exact)),
        HirKind::Alternation(alternatives) => {
            out.push('(');
            for (i, alternative) in alternatives.iter().enumerate() {
                if i > 0 {
                    out.push('|');
                }
                print(alternative, out, exact);
            }
            out.push(')');
        }
    }
}

/// An operand of a repetition: one character or class as it is, else grouped.
fn print_atom(hir: &Hir, out: &mut String, exact: &mut bool) {
    let single = match hir.kind() {
        HirKind::Class(_) | HirKind::Capture(_) | HirKind::Alternation(_) => true,
        HirKind::Literal(literal) => String::from_utf8_lossy(&literal.0).chars().count() == 1,
        _ => false,
    };
    if single {
        print(hir, out, exact);
    } else {
        out.push('(');
        print(hir, out, exact);
        out.push(')');
    }
}

/// A class as ranges, or as the negation of its complement when that is shorter.
fn print_class(class: &Class, out: &mut String) {
    let ranges: Vec<(u32, u32)> = match class {
        Class::Unicode(c) => c.ranges().iter().map(|r| (r.start() as u32, r.end() as u32)).collect(),
        Class::Bytes(c) => c.ranges().iter().map(|r| (u32::from(r.start()), u32::from(r.end()))).collect(),
    };
    if ranges.is_empty() {
        out.push('#'); // Lucene's empty language: matches nothing, as the empty class.
        return;
    }
    if let [(a, b)] = ranges.as_slice() {
        if a == b {
            push_code_point(out, *a);
            return;
        }
    }
    let complement = complement(&ranges);
    if complement.is_empty() {
        out.push('.'); // every character: Lucene's `.` (Python's with DOTALL)
        return;
    }
    let (negated, shown) = if complement.len() < ranges.len() { (true, complement) } else { (false, ranges) };
    out.push('[');
    if negated {
        out.push('^');
    }
    for (a, b) in shown {
        push_code_point(out, a);
        if b != a {
            out.push('-');
            push_code_point(out, b);
        }
    }
    out.push(']');
}

/// The scalar values (no surrogates) outside sorted, disjoint `ranges`.
fn complement(ranges: &[(u32, u32)]) -> Vec<(u32, u32)> {
    let mut out = Vec::new();
    let mut next = 0u32;
    let push = |from: u32, to: u32, out: &mut Vec<(u32, u32)>| {
        // Split around the surrogates, which are not characters.
        for (a, b) in [(from, to.min(0xD7FF)), (from.max(0xE000), to)] {
            if a <= b {
                out.push((a, b));
            }
        }
    };
    for &(a, b) in ranges {
        if a > next {
            push(next, a - 1, &mut out);
        }
        next = b + 1;
    }
    if next <= 0x10FFFF {
        push(next, 0x10FFFF, &mut out);
    }
    out
}

fn push_code_point(out: &mut String, code: u32) {
    push_regex_char(out, char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exact(pattern: &str) -> String {
        let lucene = search(pattern, false);
        assert!(lucene.exact, "{pattern} → {lucene:?}");
        lucene.pattern
    }

    #[test]
    fn searches_become_whole_value_matches() {
        assert_eq!(exact("adm"), ".*adm.*");
        assert_eq!(exact(r"^v1\.[0-9]+$"), r"v1\.[0-9]+");
        assert_eq!(exact("^a|b$"), "(a.*)|(.*b)");
        assert_eq!(exact(r"(^|\.)(key|psk)$"), r"((key|psk))|(.*\.(key|psk))");
        assert_eq!(exact(r"^https?:([:/]|$)"), r"(https?\:[\/\:].*)|(https?\:)");
        assert_eq!(exact("a{2,3}b{4}c{5,}"), ".*a{2,3}b{4}c{5,}.*");
        assert_eq!(exact("[^.]x"), r".*[^\.]x.*");
        assert_eq!(exact("(ab)*"), ".*(ab)*.*");
    }

    #[test]
    fn case_folding_is_explicit() {
        let lucene = search("adm", true);
        assert_eq!(lucene.pattern, ".*[Aa][Dd][Mm].*");
        assert_eq!(text("k-1", Span::Whole, true).pattern, "[Kk\u{212A}]\\-1", "the Kelvin sign lower-cases to k");
        assert_eq!(text("s", Span::Whole, true).pattern, "[Ss]", "`ſ` lower-cases to itself, not to s");
        assert_eq!(search("s", true).pattern, ".*[Ssſ].*", "a regex folds case as Rust's `(?i)` does");
        assert_eq!(text("a*b", Span::Contains, false).pattern, r".*a\*b.*");
        assert_eq!(text("x", Span::StartsWith, false).pattern, "x.*");
        assert_eq!(text(".tmp", Span::EndsWith, false).pattern, r".*\.tmp");
    }

    #[test]
    fn unexpressible_assertions_are_reported() {
        for pattern in [r"\bsh\b", "(?m)^a", "(^a)+", "a$b"] {
            assert!(!search(pattern, false).exact, "{pattern}");
        }
        let many = "(^|a)".repeat(8);
        assert!(!search(&many, false).exact);
    }

    #[test]
    fn classes_use_the_shorter_form() {
        assert!(exact(r"\d").starts_with(".*[0-9"));
        assert_eq!(exact(r"(?s)."), ".*..*");
        assert_eq!(exact(r"[^\n]"), ".*[^\n].*");
    }

    /// Every ASCII letter's class holds exactly the characters `ir::eval` takes for
    /// it, found by lower-casing every Unicode scalar value.
    #[test]
    fn letter_classes_agree_with_lower_casing_over_all_of_unicode() {
        let mut expected: std::collections::BTreeMap<char, Vec<char>> = Default::default();
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            let mut lower = c.to_lowercase();
            if let (Some(l), None) = (lower.next(), lower.next()) {
                if l.is_ascii_lowercase() {
                    expected.entry(l).or_default().push(c);
                }
            }
        }
        for letter in ('a'..='z').chain('A'..='Z') {
            let pattern = text(&letter.to_string(), Span::Whole, true).pattern;
            let hir = regex_syntax::Parser::new().parse(&pattern).expect("parses");
            let HirKind::Class(Class::Unicode(class)) = hir.kind() else { panic!("{letter}: {pattern}") };
            let got: Vec<char> = class.iter().flat_map(|r| r.start()..=r.end()).collect();
            assert_eq!(got, expected[&letter.to_ascii_lowercase()], "{letter}: {pattern}");
        }
    }

    /// The translation agrees with the search on values, checked with Rust's
    /// engine on the whole-value form (the Lucene syntax used is common to both).
    #[test]
    fn agrees_with_the_search_on_values() {
        let values = ["", "v1.2", "xv1.2", "v1.2\n", "adm", "ADMIN", "key", "a.key", "akey", "http:", "http:/x"];
        for pattern in [r"^v1\.[0-9]+$", "(?i)adm", r"(^|\.)key$", r"^https?:([:/]|$)", "^$", "a|^k"] {
            let lucene = search(pattern, false);
            let whole = regex::Regex::new(&format!("(?s)^(?:{})$", lucene.pattern)).expect("valid");
            let original = regex::Regex::new(pattern).expect("valid");
            for value in values {
                assert_eq!(whole.is_match(value), original.is_match(value), "{pattern} on {value:?}");
            }
        }
    }
}
