//! A small static check for regexes that make a backtracking engine (PCRE: Splunk's
//! `match()`, most Sigma consumers) take exponential time, which PCRE ends by giving
//! up at its backtracking limit, so the test silently fails on short inputs.
//!
//! It finds the two textbook shapes, on the pattern's HIR (so `\w`, case folding and
//! classes are explicit character sets):
//! - a nested quantifier: an unbounded repetition whose body can end in another
//!   unbounded repetition that can also match the body's first character, `(a+)+`,
//!   `(\w+\s?)+`, `(x+x+)+`: a run of such characters splits into iterations in
//!   exponentially many ways;
//! - an ambiguous alternation under an unbounded repetition: two one-character
//!   branches with a character in common, `(a|a)*`, `(\w|\d)+`.
//!
//! It is conservative in the sense that it flags only these shapes: `(ab+)+` and
//! `(a+b)+` split one way only and pass, and so do bounded repetitions such as
//! `(\.[0-9]{1,3}){3}`. Polynomial blow-ups (`.*.*.*x`) are not reported.

use crate::Target;
use regex_syntax::ast::{self, Ast, RepetitionKind, RepetitionRange};
use regex_syntax::hir::{Class, ClassUnicode, ClassUnicodeRange, Hir, HirKind, Literal};
use scalpel_compiler::diag::{Code, Diagnostic};
use scalpel_compiler::ir::Test;

/// W0563 for a test's regex on which `target`'s PCRE engine can backtrack exponentially.
pub fn warning(target: Target, test: &Test, pattern: &str, case_insensitive: bool) -> Option<Diagnostic> {
    catastrophic(pattern, case_insensitive).map(|reason| {
        Diagnostic::new(
            Code::CatastrophicBacktracking,
            format!("{target} (PCRE) backtracks exponentially on this regex"),
        )
        .primary(test.span, reason)
        .note("PCRE gives up at its backtracking limit and reports no match; see `scalpel explain W0563`")
    })
}

/// Repetitions with at most this many iterations are treated as bounded.
const BOUNDED: u32 = 16;

/// Why `pattern` may backtrack catastrophically, or `None` (also for a pattern that
/// does not parse, which sema has already refused).
pub fn catastrophic(pattern: &str, case_insensitive: bool) -> Option<&'static str> {
    let hir = regex_syntax::ParserBuilder::new().case_insensitive(case_insensitive).build().parse(pattern).ok()?;
    // The HIR merges `a|a` into one class; PCRE tries each branch, so alternations
    // are read on the syntax tree.
    let ast = regex_syntax::ast::parse::Parser::new().parse(pattern).ok()?;
    find(&hir, 0).or_else(|| {
        find_alternation(&ast, case_insensitive, 0)
            .then_some("a repeated alternation whose branches can match the same character, as in `(a|a)*`")
    })
}

/// An unbounded repetition of an alternation with two one-character branches that
/// share a character.
fn find_alternation(ast: &Ast, case_insensitive: bool, depth: usize) -> bool {
    if depth > MAX_DEPTH {
        return false;
    }
    match ast {
        Ast::Repetition(r) => {
            let open = match &r.op.kind {
                RepetitionKind::ZeroOrMore | RepetitionKind::OneOrMore => true,
                RepetitionKind::ZeroOrOne => false,
                RepetitionKind::Range(range) => match range {
                    RepetitionRange::Exactly(n) => *n > BOUNDED,
                    RepetitionRange::AtLeast(_) => true,
                    RepetitionRange::Bounded(_, m) => *m > BOUNDED,
                },
            };
            let mut body = &*r.ast;
            while let Ast::Group(group) = body {
                body = &group.ast;
            }
            (open && matches!(body, Ast::Alternation(a) if ambiguous_alternation(a, case_insensitive)))
                || find_alternation(&r.ast, case_insensitive, depth + 1)
        }
        Ast::Group(g) => find_alternation(&g.ast, case_insensitive, depth + 1),
        Ast::Alternation(a) => a.asts.iter().any(|b| find_alternation(b, case_insensitive, depth + 1)),
        Ast::Concat(c) => c.asts.iter().any(|b| find_alternation(b, case_insensitive, depth + 1)),
        _ => false,
    }
}

/// Nesting deeper than this is not inspected (sema bounds patterns; this bounds the walk).
const MAX_DEPTH: usize = 256;

fn find(hir: &Hir, depth: usize) -> Option<&'static str> {
    if depth > MAX_DEPTH {
        return None;
    }
    match hir.kind() {
        HirKind::Repetition(outer) if unbounded(outer.max) => {
            let body = &outer.sub;
            let first = first_chars(body, 0);
            if tail_repetitions(body, 0).iter().any(|inner| overlaps(&alphabet(inner, 0), &first)) {
                return Some("a quantifier over a repeated part that can match the same characters, as in `(a+)+`");
            }
            find(body, depth + 1)
        }
        HirKind::Repetition(r) => find(&r.sub, depth + 1),
        HirKind::Capture(c) => find(&c.sub, depth + 1),
        HirKind::Concat(parts) | HirKind::Alternation(parts) => parts.iter().find_map(|p| find(p, depth + 1)),
        HirKind::Empty | HirKind::Literal(_) | HirKind::Class(_) | HirKind::Look(_) => None,
    }
}

fn unbounded(max: Option<u32>) -> bool {
    max.is_none_or(|m| m > BOUNDED)
}

/// The unbounded repetitions (their bodies) that can consume the last character of
/// a match of `hir`: what is after them in `hir` can match the empty string.
fn tail_repetitions(hir: &Hir, depth: usize) -> Vec<&Hir> {
    if depth > MAX_DEPTH {
        return Vec::new();
    }
    match hir.kind() {
        HirKind::Repetition(r) => {
            let mut out = tail_repetitions(&r.sub, depth + 1);
            if unbounded(r.max) && r.sub.properties().maximum_len() != Some(0) {
                out.push(&r.sub);
            }
            out
        }
        HirKind::Capture(c) => tail_repetitions(&c.sub, depth + 1),
        HirKind::Alternation(parts) => parts.iter().flat_map(|p| tail_repetitions(p, depth + 1)).collect(),
        HirKind::Concat(parts) => {
            let mut out = Vec::new();
            for part in parts.iter().rev() {
                out.extend(tail_repetitions(part, depth + 1));
                if !nullable(part) {
                    break;
                }
            }
            out
        }
        HirKind::Empty | HirKind::Literal(_) | HirKind::Class(_) | HirKind::Look(_) => Vec::new(),
    }
}

/// Two branches of one character each that share a character.
fn ambiguous_alternation(alternation: &ast::Alternation, case_insensitive: bool) -> bool {
    let single: Vec<ClassUnicode> = alternation
        .asts
        .iter()
        .filter_map(|branch| {
            let hir = regex_syntax::ParserBuilder::new()
                .case_insensitive(case_insensitive)
                .build()
                .parse(&branch.to_string())
                .ok()?;
            single_char(&hir).then(|| alphabet(&hir, 0))
        })
        .collect();
    single.iter().enumerate().any(|(i, a)| single[i + 1..].iter().any(|b| overlaps(a, b)))
}

fn single_char(hir: &Hir) -> bool {
    match hir.kind() {
        HirKind::Capture(c) => single_char(&c.sub),
        HirKind::Class(_) => true,
        HirKind::Literal(Literal(bytes)) => String::from_utf8_lossy(bytes).chars().count() == 1,
        _ => false,
    }
}

fn nullable(hir: &Hir) -> bool {
    hir.properties().minimum_len() == Some(0)
}

/// Every character `hir` can match anywhere.
fn alphabet(hir: &Hir, depth: usize) -> ClassUnicode {
    let mut out = ClassUnicode::empty();
    if depth > MAX_DEPTH {
        return out;
    }
    match hir.kind() {
        HirKind::Literal(Literal(bytes)) => {
            for c in String::from_utf8_lossy(bytes).chars() {
                out.push(ClassUnicodeRange::new(c, c));
            }
        }
        HirKind::Class(class) => out.union(&unicode(class)),
        HirKind::Repetition(r) => out.union(&alphabet(&r.sub, depth + 1)),
        HirKind::Capture(c) => out.union(&alphabet(&c.sub, depth + 1)),
        HirKind::Concat(parts) | HirKind::Alternation(parts) => {
            parts.iter().for_each(|p| out.union(&alphabet(p, depth + 1)));
        }
        HirKind::Empty | HirKind::Look(_) => {}
    }
    out
}

/// The characters a match of `hir` can start with.
fn first_chars(hir: &Hir, depth: usize) -> ClassUnicode {
    let mut out = ClassUnicode::empty();
    if depth > MAX_DEPTH {
        return out;
    }
    match hir.kind() {
        HirKind::Literal(Literal(bytes)) => {
            if let Some(c) = String::from_utf8_lossy(bytes).chars().next() {
                out.push(ClassUnicodeRange::new(c, c));
            }
        }
        HirKind::Class(class) => out.union(&unicode(class)),
        HirKind::Repetition(r) => out.union(&first_chars(&r.sub, depth + 1)),
        HirKind::Capture(c) => out.union(&first_chars(&c.sub, depth + 1)),
        HirKind::Alternation(parts) => parts.iter().for_each(|p| out.union(&first_chars(p, depth + 1))),
        HirKind::Concat(parts) => {
            for part in parts {
                out.union(&first_chars(part, depth + 1));
                if !nullable(part) {
                    break;
                }
            }
        }
        HirKind::Empty | HirKind::Look(_) => {}
    }
    out
}

fn unicode(class: &Class) -> ClassUnicode {
    match class {
        Class::Unicode(c) => c.clone(),
        Class::Bytes(b) => {
            ClassUnicode::new(b.iter().map(|r| ClassUnicodeRange::new(char::from(r.start()), char::from(r.end()))))
        }
    }
}

fn overlaps(a: &ClassUnicode, b: &ClassUnicode) -> bool {
    let mut both = a.clone();
    both.intersect(b);
    !both.ranges().is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn textbook_blow_ups_are_found() {
        for pattern in [r"(a+)+$", r"(a*)*b", r"^(\w+\s?)+$", r"(x+x+)+y", r"(a|a)*c", r"(\w|\d)+!", r"((ab)*)+x"] {
            assert!(catastrophic(pattern, false).is_some(), "{pattern}");
        }
        assert!(catastrophic(r"([a-z]+)+", true).is_some());
    }

    #[test]
    fn patterns_that_split_one_way_pass() {
        for pattern in [
            r"(ab+)+",
            r"(a+b)+",
            r"^https?:\/\/[0-9]{1,3}(\.[0-9]{1,3}){3}([:\/]|$)",
            r"(decrypt|restore)[^.]*\.(txt|html?)$",
            r"a+b+c+",
            r"(a|b)*c",
            r"[A-Za-z0-9+/]{100,}",
            r"(a{1,3}){2}",
        ] {
            assert_eq!(catastrophic(pattern, false), None, "{pattern}");
        }
    }
}
