//! Contradictions the checker can prove: a condition (or an `and` inside it) that
//! no event satisfies, such as `x > 5 and x < 3` or `kind == a and kind == b`.
//!
//! The condition is put in disjunctive normal form (bounded: past
//! [`MAX_TERMS`] conjunctions we give up and assume "satisfiable"). A conjunction is
//! satisfiable when every field's literals are: a field needed present gets its
//! candidate values (from equalities, enum and bool domains) tried with `ir::eval`
//! itself, and numeric bounds are intersected. Anything unproven counts as
//! satisfiable, so this check has no false alarms, only misses.

use crate::ir::eval::test_matches;
use crate::ir::{Cond, Number, Ordering, Scalar, Test, TestOp};
use crate::schema::FieldType;
use crate::source::Span;
use serde_json::{json, Value};
use std::collections::BTreeMap;

const MAX_TERMS: usize = 512;

/// A test and whether it must hold (`true`) or must not (`false`).
type Literal<'a> = (&'a Test, bool);

/// A sub-condition proven unsatisfiable, and, when it is an `and`, the parts of it
/// that already contradict each other (a minimal set: drop any one and the rest can
/// hold), so a diagnostic can point at the pair rather than at the whole condition.
#[derive(Debug, Clone, PartialEq)]
pub struct Contradiction {
    pub span: Span,
    pub parts: Vec<Span>,
}

/// The smallest sub-conditions (the whole condition first) proven unsatisfiable.
pub fn contradictions(cond: &Cond) -> Vec<Contradiction> {
    let mut out = Vec::new();
    find(cond, &mut out);
    out
}

fn find(cond: &Cond, out: &mut Vec<Contradiction>) {
    if !satisfiable(cond) {
        if let Some(span) = span_of(cond) {
            // Report the innermost `and` that is already contradictory, if any.
            let before = out.len();
            if let Cond::All(parts) | Cond::Any(parts) = cond {
                parts.iter().for_each(|p| find(p, out));
            }
            if out.len() == before {
                let parts = match cond {
                    Cond::All(parts) => minimal_core(parts).iter().filter_map(|p| span_of(p)).collect(),
                    _ => Vec::new(),
                };
                out.push(Contradiction { span, parts });
            }
        }
        return;
    }
    match cond {
        Cond::All(parts) | Cond::Any(parts) => parts.iter().for_each(|p| find(p, out)),
        Cond::Not(inner) => find(inner, out),
        Cond::Test(_) => {}
    }
}

/// Deletion-based minimal unsatisfiable subset of an unsatisfiable conjunction:
/// each part is dropped in turn and stays dropped when the rest is still
/// contradictory. Linear in the number of parts, each step one satisfiability check.
fn minimal_core(parts: &[Cond]) -> Vec<&Cond> {
    let mut core: Vec<&Cond> = parts.iter().collect();
    let mut i = 0;
    while i < core.len() {
        let without: Vec<Cond> = core.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, c)| (*c).clone()).collect();
        if !without.is_empty() && !satisfiable(&Cond::All(without)) {
            core.remove(i);
        } else {
            i += 1;
        }
    }
    core
}

fn span_of(cond: &Cond) -> Option<Span> {
    let tests = cond.tests();
    let first = tests.first()?.span;
    Some(tests.iter().fold(first, |acc, t| acc.to(t.span)))
}

pub fn satisfiable(cond: &Cond) -> bool {
    match dnf(cond, true) {
        Some(terms) => terms.iter().any(|term| conjunction_satisfiable(term)),
        None => true,
    }
}

/// Disjunctive normal form of `cond` (or of its negation when `positive` is false).
fn dnf(cond: &Cond, positive: bool) -> Option<Vec<Vec<Literal<'_>>>> {
    match (cond, positive) {
        (Cond::Test(t), p) => Some(vec![vec![(t, p)]]),
        (Cond::Not(inner), p) => dnf(inner, !p),
        (Cond::Any(parts), true) | (Cond::All(parts), false) => {
            let mut terms = Vec::new();
            for part in parts {
                terms.extend(dnf(part, positive)?);
                if terms.len() > MAX_TERMS {
                    return None;
                }
            }
            Some(terms)
        }
        (Cond::All(parts), true) | (Cond::Any(parts), false) => {
            let mut terms: Vec<Vec<Literal>> = vec![Vec::new()];
            for part in parts {
                let part_terms = dnf(part, positive)?;
                if terms.len().saturating_mul(part_terms.len()) > MAX_TERMS {
                    return None;
                }
                terms = terms
                    .iter()
                    .flat_map(|t| part_terms.iter().map(move |p| t.iter().chain(p).copied().collect()))
                    .collect();
            }
            Some(terms)
        }
    }
}

fn conjunction_satisfiable(term: &[Literal]) -> bool {
    let mut by_field: BTreeMap<&str, Vec<Literal>> = BTreeMap::new();
    for lit in term {
        by_field.entry(lit.0.field.as_str()).or_default().push(*lit);
    }
    by_field.values().all(|lits| field_satisfiable(lits))
}

fn field_satisfiable(lits: &[Literal]) -> bool {
    // Every positive literal needs the field present; a negative one is satisfied
    // by a missing field, so without positives the field can simply be absent.
    if !lits.iter().any(|(_, positive)| *positive) {
        return true;
    }
    if lits.iter().any(|(t, positive)| !positive && t.op == TestOp::Exists) {
        return false;
    }
    let ty = &lits[0].0.ty;
    match candidates(ty, lits) {
        Some(values) => values.iter().any(|v| lits.iter().all(|(t, positive)| holds(t, v) == *positive)),
        None if ty.is_numeric() => numeric_satisfiable(ty, lits),
        None => true,
    }
}

fn holds(test: &Test, value: &Value) -> bool {
    test_matches(test, &json!({ test.field.as_str(): value }))
}

/// Finitely many values that include a witness if one exists, where such a set is
/// known: the values of a positive equality, or a bool/enum domain.
fn candidates(ty: &FieldType, lits: &[Literal]) -> Option<Vec<Value>> {
    let equality = lits.iter().find_map(|(t, positive)| match (&t.op, positive) {
        (TestOp::Eq(s), true) => Some(vec![s.clone()]),
        (TestOp::OneOf(s), true) => Some(s.clone()),
        _ => None,
    });
    if let Some(scalars) = equality {
        return Some(scalars.iter().flat_map(scalar_values).collect());
    }
    match ty {
        FieldType::Bool => Some(vec![json!(true), json!(false)]),
        FieldType::Enum(values) => Some(values.iter().flat_map(|v| scalar_values(&Scalar::Enum(v.clone()))).collect()),
        _ => None,
    }
}

/// JSON forms of a constant; text also in other cases, so that a `cased`
/// exclusion of one spelling does not hide another spelling that matches.
fn scalar_values(s: &Scalar) -> Vec<Value> {
    match s {
        Scalar::Str(v) | Scalar::Enum(v) => vec![json!(v), json!(v.to_lowercase()), json!(v.to_uppercase())],
        Scalar::Int(i) => vec![json!(i)],
        Scalar::Float(f) => vec![json!(f)],
        Scalar::Bool(b) => vec![json!(b)],
        Scalar::Ip(ip) => vec![json!(ip.to_string())],
    }
}

/// Intersects the bounds of numeric literals and checks a value remains that no
/// negative equality excludes.
fn numeric_satisfiable(ty: &FieldType, lits: &[Literal]) -> bool {
    let mut lo = (f64::NEG_INFINITY, false); // (bound, strict)
    let mut hi = (f64::INFINITY, false);
    let mut excluded: Vec<f64> = Vec::new();
    for (test, positive) in lits {
        match (&test.op, positive) {
            (TestOp::Cmp(ord, n), p) => {
                let ord = if *p { *ord } else { flip(*ord) };
                let b = n.as_f64();
                match ord {
                    Ordering::Gt | Ordering::Ge => {
                        let strict = ord == Ordering::Gt;
                        if b > lo.0 || (b == lo.0 && strict) {
                            lo = (b, strict);
                        }
                    }
                    Ordering::Lt | Ordering::Le => {
                        let strict = ord == Ordering::Lt;
                        if b < hi.0 || (b == hi.0 && strict) {
                            hi = (b, strict);
                        }
                    }
                }
            }
            (TestOp::Eq(s), false) => excluded.extend(number_of(s)),
            (TestOp::OneOf(ss), false) => excluded.extend(ss.iter().filter_map(number_of)),
            _ => {}
        }
    }
    if *ty == FieldType::Int {
        // Integers only: turn the bounds into inclusive integer bounds.
        let low = if lo.1 { lo.0.floor() + 1.0 } else { lo.0.ceil() };
        let high = if hi.1 { hi.0.ceil() - 1.0 } else { hi.0.floor() };
        if low > high {
            return false;
        }
        let width = high - low + 1.0;
        if width > excluded.len() as f64 {
            return true;
        }
        let (low, high) = (low as i64, high as i64);
        return (low..=high).any(|v| !excluded.contains(&(v as f64)));
    }
    if lo.0 > hi.0 || (lo.0 == hi.0 && (lo.1 || hi.1)) {
        return false;
    }
    // A non-degenerate real interval has infinitely many values.
    lo.0 < hi.0 || !excluded.contains(&lo.0)
}

fn flip(ord: Ordering) -> Ordering {
    match ord {
        Ordering::Lt => Ordering::Ge,
        Ordering::Le => Ordering::Gt,
        Ordering::Gt => Ordering::Le,
        Ordering::Ge => Ordering::Lt,
    }
}

fn number_of(s: &Scalar) -> Option<f64> {
    match s {
        Scalar::Int(i) => Some(Number::Int(*i).as_f64()),
        Scalar::Float(f) => Some(*f),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::eval::matches;
    use proptest::prelude::*;

    fn t(field: &str, ty: FieldType, op: TestOp) -> Cond {
        Cond::Test(Test { field: field.into(), ty, cased: false, op, span: Span::default() })
    }

    fn gt(v: i64) -> Cond {
        t("n", FieldType::Int, TestOp::Cmp(Ordering::Gt, Number::Int(v)))
    }

    fn lt(v: i64) -> Cond {
        t("n", FieldType::Int, TestOp::Cmp(Ordering::Lt, Number::Int(v)))
    }

    fn not(c: Cond) -> Cond {
        Cond::Not(Box::new(c))
    }

    #[test]
    fn proves_simple_contradictions() {
        assert!(!satisfiable(&Cond::All(vec![gt(5), lt(3)])));
        assert!(!satisfiable(&Cond::All(vec![gt(5), lt(6)])), "no integer between 5 and 6");
        assert!(satisfiable(&Cond::All(vec![gt(5), lt(7)])));
        let kind = FieldType::Enum(vec!["a".into(), "b".into()]);
        let eq = |v: &str| t("k", kind.clone(), TestOp::Eq(Scalar::Enum(v.into())));
        assert!(!satisfiable(&Cond::All(vec![eq("a"), eq("b")])));
        let exists = t("k", kind.clone(), TestOp::Exists);
        assert!(!satisfiable(&Cond::All(vec![exists.clone(), not(eq("a")), not(eq("b"))])));
        assert!(satisfiable(&Cond::All(vec![not(eq("a")), not(eq("b"))])), "the field may be missing");
        assert!(!satisfiable(&Cond::All(vec![exists.clone(), not(exists)])));
    }

    #[test]
    fn points_at_the_contradicting_parts() {
        let at = |lo: usize, c: Cond| match c {
            Cond::Test(mut t) => {
                t.span = Span::new(crate::source::FileId(0), lo, lo + 1);
                Cond::Test(t)
            }
            c => c,
        };
        let eq3 = t("n", FieldType::Int, TestOp::Eq(Scalar::Int(3)));
        let cond = Cond::All(vec![at(0, eq3), at(10, gt(250)), at(20, lt(20))]);
        let found = contradictions(&cond);
        assert_eq!(found.len(), 1);
        let starts: Vec<u32> = found[0].parts.iter().map(|s| s.lo).collect();
        assert_eq!(starts, vec![10, 20], "`n == 3` is not needed for the contradiction");
    }

    #[test]
    fn reports_the_dead_branch_of_an_or() {
        let dead = Cond::All(vec![gt(5), lt(3)]);
        let cond = Cond::Any(vec![gt(100), dead]);
        assert!(satisfiable(&cond));
        assert_eq!(contradictions(&cond).len(), 1);
    }

    fn leaf() -> impl Strategy<Value = Cond> {
        prop_oneof![
            (0i64..4).prop_map(gt),
            (0i64..4).prop_map(lt),
            (0i64..4).prop_map(|v| t("n", FieldType::Int, TestOp::Eq(Scalar::Int(v)))),
            "[ab]".prop_map(|v| t("s", FieldType::String, TestOp::Eq(Scalar::Str(v)))),
            Just(t("s", FieldType::String, TestOp::Exists)),
            Just(t("b", FieldType::Bool, TestOp::Eq(Scalar::Bool(true)))),
        ]
    }

    fn cond() -> impl Strategy<Value = Cond> {
        leaf().prop_recursive(3, 16, 3, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 1..4).prop_map(Cond::All),
                prop::collection::vec(inner.clone(), 1..4).prop_map(Cond::Any),
                inner.prop_map(not),
            ]
        })
    }

    proptest! {
        /// "Unsatisfiable" must be a proof: no event in a covering sample matches.
        #[test]
        fn unsatisfiable_means_no_event_matches(c in cond()) {
            if !satisfiable(&c) {
                for n in [None, Some(-1), Some(0), Some(1), Some(2), Some(3), Some(4), Some(5)] {
                    for s in [None, Some("a"), Some("b"), Some("c")] {
                        for b in [None, Some(true), Some(false)] {
                            let mut e = json!({});
                            if let Some(n) = n { e["n"] = json!(n); }
                            if let Some(s) = s { e["s"] = json!(s); }
                            if let Some(b) = b { e["b"] = json!(b); }
                            prop_assert!(!matches(&c, &e), "{:?} matched {}", c, e);
                        }
                    }
                }
            }
        }
    }
}
