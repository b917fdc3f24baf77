//! Why a conjunction of literals on one field has no value: proven, past a bound,
//! or not decided by the search.
//!
//! E0601 and E0602 must mean "provably unsatisfiable", so a failed search is a proof
//! only where the candidates are complete:
//! - numbers, addresses, booleans, enums and timestamps: the candidate sets of
//!   [`super::numbers`] and [`super::candidates`] hold a value whenever one exists;
//! - text, when a positive equality (or list) fixes the value: cased, it is one of
//!   the constants tried; case-insensitive, its lower case is fixed, and so is every
//!   other case-insensitive equality or substring test;
//! - text, when one literal implies another's negation: `contains "abc"` and
//!   `not contains "b"`, `startswith "ab"` and `not startswith "a"`, a test and its
//!   own negation, any test and `missing`.
//!
//! Anything else (regexes, mixed case sensitivity, several substrings) is left
//! undecided: the generator reports that it gave up (W0603), not that no event
//! exists.

use super::dnf::Literal;
use super::regex_sample::Beyond;
use crate::ir::{Cond, Scalar, TestOp, TextKind};
use crate::schema::{Field, FieldType, Schema};
use std::collections::BTreeSet;

/// Why a field has no value under its literals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Why {
    /// No value exists; the sentence says why.
    Proven(String),
    /// A literal needs a value past a documented bound.
    Beyond(String),
    /// The search found none and cannot prove there is none.
    Undecided(String),
}

/// The reason for `field`, whose candidates all failed `lits`.
pub fn why(field: &Field, lits: &[&Literal], beyond: Option<Beyond>) -> Why {
    let name = &field.name;
    if let Some(Beyond(reason)) = beyond {
        return Why::Beyond(format!("a regex on `{name}`: {reason}"));
    }
    let described = || lits.iter().map(|l| super::describe::literal(l)).collect::<Vec<_>>().join(" and ");
    if lits.iter().any(|l| l.positive) && lits.iter().any(|l| !l.positive && l.test.op == TestOp::Exists) {
        return Why::Proven(format!("`{name}` is tested and required missing"));
    }
    match &field.ty {
        FieldType::String => match text_proof(lits) {
            Some(reason) => Why::Proven(format!("no text for `{name}` satisfies {}: {reason}", described())),
            None => Why::Undecided(format!(
                "the generator found no text for `{name}` that satisfies {}, and cannot prove there is none",
                described()
            )),
        },
        ty => {
            let domain = match (ty, field.range) {
                (FieldType::Int | FieldType::Float, Some((lo, hi))) => format!("its declared range {lo}..{hi}"),
                (FieldType::Enum(values), _) => format!("its values {}", values.join(", ")),
                _ => format!("any `{}`", ty.name()),
            };
            Why::Proven(format!("no value of `{name}` ({domain}) satisfies {}", described()))
        }
    }
}

/// A reason when the text literals provably exclude each other.
fn text_proof(lits: &[&Literal]) -> Option<String> {
    let (pos, neg): (Vec<&Literal>, Vec<&Literal>) = lits.iter().copied().partition(|l| l.positive);
    if let Some(p) = pos.iter().find(|p| neg.iter().any(|n| n.test == p.test)) {
        return Some(format!("{} is required both true and false", super::describe::test(&p.test)));
    }
    // A fixing equality decides the other literals: the candidates tried them all.
    let fixes = |p: &&&Literal| match &p.test.op {
        TestOp::Eq(Scalar::Str(_)) | TestOp::OneOf(_) => {
            p.test.cased || lits.iter().all(|l| !l.test.cased && !matches!(l.test.op, TestOp::Regex { .. }))
        }
        _ => false,
    };
    if let Some(p) = pos.iter().find(fixes) {
        return Some(format!(
            "{} fixes the value, and no value it allows passes the others",
            super::describe::test(&p.test)
        ));
    }
    for p in &pos {
        for n in &neg {
            if implies(p, n) {
                let (p, n) = (super::describe::test(&p.test), super::describe::test(&n.test));
                return Some(format!("every text with {p} also has {n}"));
            }
        }
    }
    None
}

/// Whether every value that satisfies the positive literal `p` satisfies the test of
/// the negative literal `n` (so both cannot hold). Only for the same case rule.
fn implies(p: &Literal, n: &Literal) -> bool {
    if p.test.cased != n.test.cased {
        return false;
    }
    let fold = |s: &str| if p.test.cased { s.to_string() } else { s.to_lowercase() };
    // What `p` guarantees: (kind, text) facts, any one of which holds for `any`.
    let facts: Vec<Vec<(Option<TextKind>, String)>> = match &p.test.op {
        TestOp::Eq(Scalar::Str(v)) => vec![vec![(None, fold(v))]],
        TestOp::Text { kind, values, all: true } => values.iter().map(|v| vec![(Some(*kind), fold(v))]).collect(),
        TestOp::Text { kind, values, all: false } => vec![values.iter().map(|v| (Some(*kind), fold(v))).collect()],
        _ => return false,
    };
    let TestOp::Text { kind: nk, values: nv, all: n_all } = &n.test.op else { return false };
    // `n` holds if one of its values (all of them, for `all`) is implied by a fact
    // that always holds: one of the `all` facts, or every alternative of an `any`.
    let implied =
        |w: &str| facts.iter().any(|alternatives| alternatives.iter().all(|(kind, v)| fact_implies(*kind, v, *nk, w)));
    let folded: Vec<String> = nv.iter().map(|w| fold(w)).collect();
    if *n_all {
        folded.iter().all(|w| implied(w))
    } else {
        folded.iter().any(|w| implied(w))
    }
}

/// Whether "the value (equals, when `kind` is `None`) `kind` `v`" implies
/// "the value `nk` `w`".
fn fact_implies(kind: Option<TextKind>, v: &str, nk: TextKind, w: &str) -> bool {
    match (kind, nk) {
        (_, TextKind::Contains) => v.contains(w),
        (None | Some(TextKind::StartsWith), TextKind::StartsWith) => v.starts_with(w),
        (None | Some(TextKind::EndsWith), TextKind::EndsWith) => v.ends_with(w),
        _ => false,
    }
}

/// The constants that pin `field` in every way `cond` can be true: each term has a
/// positive equality (or list) on it. `(text, cased)` per constant; `None` when
/// some term leaves the field free, or the condition has too many terms to list.
fn pinned(cond: &Cond, field: &str) -> Option<Vec<(String, bool)>> {
    if super::dnf::count(cond, true) > super::dnf::MAX_TERMS {
        return None;
    }
    let mut out = Vec::new();
    for term in super::dnf::terms(cond, true) {
        // The term's values lie in every pinning literal's: take the shortest list.
        let lit = term
            .iter()
            .filter(|l| l.positive && l.test.field == field)
            .filter_map(|l| match &l.test.op {
                TestOp::Eq(_) => Some((1, l)),
                TestOp::OneOf(values) => Some((values.len(), l)),
                _ => None,
            })
            .min_by_key(|(n, _)| *n)
            .map(|(_, l)| l)?;
        let scalars = match &lit.test.op {
            TestOp::Eq(s) => std::slice::from_ref(s),
            TestOp::OneOf(values) => values.as_slice(),
            _ => return None,
        };
        for scalar in scalars {
            let text = match scalar {
                Scalar::Str(v) | Scalar::Enum(v) => v.clone(),
                Scalar::Int(i) => i.to_string(),
                Scalar::Bool(b) => b.to_string(),
                // Floats and addresses have several spellings of one value.
                Scalar::Float(_) | Scalar::Ip(_) => return None,
            };
            out.push((text, lit.test.cased || lit.test.ty != FieldType::String));
        }
    }
    Some(out)
}

/// How many spellings of an ASCII text a case-insensitive equality accepts: two
/// per letter, three for `k` (the Kelvin sign lower-cases to it; the test below
/// checks no other character lower-cases into ASCII). `None` for other text.
fn spellings(text: &str) -> Option<u64> {
    text.chars().try_fold(1u64, |n, c| {
        let forms = match c {
            'k' | 'K' => 3,
            c if c.is_ascii_alphabetic() => 2,
            c if c.is_ascii() => 1,
            _ => return None,
        };
        Some(n.saturating_mul(forms))
    })
}

/// At most how many distinct group texts `field` takes over the valid events that
/// satisfy `cond`; `None` when the generator cannot bound it.
pub fn distinct_bound(cond: &Cond, schema: &Schema, field: &str) -> Option<u64> {
    let decl = schema.field(field)?;
    let from_domain = match (&decl.ty, decl.range) {
        (FieldType::Bool, _) => Some(2),
        (FieldType::Enum(values), _) => Some(values.len() as u64),
        (FieldType::Int, Some(_)) => {
            let (lo, hi) = super::numbers::int_domain(decl);
            u64::try_from(i128::from(hi) - i128::from(lo) + 1).ok()
        }
        _ => None,
    };
    // Each value once, though several terms (or list entries) name it: a
    // case-insensitive constant stands for all its spellings, a `cased` one for
    // itself unless one of those spellings already counts it.
    let from_constants = pinned(cond, field).and_then(|constants| {
        let folded: BTreeSet<String> =
            constants.iter().filter(|(_, cased)| !cased).map(|(t, _)| t.to_lowercase()).collect();
        let exact: BTreeSet<&String> = constants
            .iter()
            .filter(|(t, cased)| *cased && !folded.contains(&t.to_lowercase()))
            .map(|(t, _)| t)
            .collect();
        folded.iter().try_fold(exact.len() as u64, |n, text| Some(n.saturating_add(spellings(text)?)))
    });
    match (from_domain, from_constants) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Whether no value of the join key satisfies every member: each member pins it
/// (`(condition, key field)`) and the pinned values, case folded, share none.
pub fn join_key_pinned_apart(members: &[(&Cond, &str)]) -> bool {
    let mut common: Option<BTreeSet<String>> = None;
    for (cond, field) in members {
        let Some(constants) = pinned(cond, field) else { return false };
        // Folding only merges: a value two folded sets do not share, no spelling shares.
        let folded: BTreeSet<String> = constants.into_iter().map(|(t, _)| t.to_lowercase()).collect();
        common = Some(match common {
            None => folded,
            Some(c) => c.intersection(&folded).cloned().collect(),
        });
    }
    common.is_some_and(|c| c.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::Test;
    use crate::source::Span;

    fn lit(kind: TextKind, value: &str, positive: bool, cased: bool) -> Literal {
        let op = TestOp::Text { kind, values: vec![value.into()], all: false };
        Literal { test: Test { field: "s".into(), ty: FieldType::String, cased, op, span: Span::default() }, positive }
    }

    #[test]
    fn substring_implications_are_proofs_and_the_rest_is_undecided() {
        use TextKind::*;
        let proven = |a: Literal, b: Literal| text_proof(&[&a, &b]).is_some();
        assert!(proven(lit(Contains, "abc", true, false), lit(Contains, "B", false, false)));
        assert!(proven(lit(StartsWith, "abc", true, false), lit(StartsWith, "ab", false, false)));
        assert!(proven(lit(EndsWith, "abc", true, true), lit(Contains, "bc", false, true)));
        assert!(!proven(lit(Contains, "abc", true, false), lit(StartsWith, "a", false, false)), "xabc");
        assert!(!proven(lit(Contains, "abc", true, true), lit(Contains, "b", false, false)), "mixed case rules");
        assert!(!proven(lit(Contains, "b", true, false), lit(Contains, "abc", false, false)));
    }

    #[test]
    fn only_the_kelvin_sign_lower_cases_into_ascii() {
        // `spellings` relies on this: no other character equals ASCII text ignoring case.
        let odd: Vec<char> = (0..=0x10FFFFu32)
            .filter_map(char::from_u32)
            .filter(|c| !c.is_ascii() && c.to_lowercase().all(|l| l.is_ascii()))
            .collect();
        assert_eq!(odd, ['\u{212A}']);
        assert_eq!(spellings("ab-1"), Some(4));
        assert_eq!(spellings("k"), Some(3));
        assert_eq!(spellings("é"), None);
    }
}
