//! The literals on one field, compiled for testing many candidates: equalities and
//! lists merged into hash sets, so a candidate costs O(1) against `x != a and x !=
//! b and ...` or `x in [10,000 values]`, where testing each literal with `ir::eval`
//! costs the size of the condition per candidate (quadratic over a search).
//!
//! The sets decide exactly what `ir::eval` decides (text equality ignoring case is
//! equality of lower case; numbers compare exactly as integers, else as f64), and
//! every event built from them is checked with `ir::eval::matches` before use.

use super::dnf::Literal;
use crate::ir::eval::value_matches;
use crate::ir::{Scalar, TestOp};
use crate::schema::FieldType;
use serde_json::Value;
use std::collections::HashSet;

/// Equality constants, as the values they equal.
#[derive(Default)]
struct ValueSet {
    /// Exact text (`cased`) and lower-cased text (case-insensitive).
    exact: HashSet<String>,
    folded: HashSet<String>,
    ints: HashSet<i64>,
    /// f64 bits of float constants, and of integer constants (for float values).
    floats: HashSet<u64>,
    ints_as_floats: HashSet<u64>,
}

fn bits(f: f64) -> Option<u64> {
    // -0.0 == 0.0, and NaN equals nothing.
    (!f.is_nan()).then(|| if f == 0.0 { 0.0f64.to_bits() } else { f.to_bits() })
}

impl ValueSet {
    /// Adds a text or number constant (addresses and booleans stay with `ir::eval`).
    fn add(&mut self, scalar: &Scalar, cased: bool) {
        match scalar {
            Scalar::Str(v) | Scalar::Enum(v) if cased => {
                self.exact.insert(v.clone());
            }
            Scalar::Str(v) | Scalar::Enum(v) => {
                self.folded.insert(v.to_lowercase());
            }
            Scalar::Int(i) => {
                self.ints_as_floats.extend(bits(*i as f64));
                self.ints.insert(*i);
            }
            Scalar::Float(f) => self.floats.extend(bits(*f)),
            Scalar::Ip(_) | Scalar::Bool(_) => {}
        }
    }

    /// Whether `value`, of a field of type `ty`, equals one of the constants.
    fn contains(&self, ty: &FieldType, value: &Value) -> bool {
        match (ty, value) {
            (FieldType::String | FieldType::Enum(_), Value::String(s)) => {
                self.exact.contains(s) || (!self.folded.is_empty() && self.folded.contains(&s.to_lowercase()))
            }
            (FieldType::Int | FieldType::Float, Value::Number(n)) => match n.as_i64() {
                Some(i) => self.ints.contains(&i) || bits(i as f64).is_some_and(|b| self.floats.contains(&b)),
                None => n
                    .as_f64()
                    .and_then(bits)
                    .is_some_and(|b| self.floats.contains(&b) || self.ints_as_floats.contains(&b)),
            },
            _ => false,
        }
    }
}

/// One field's literals, ready to test candidates.
pub struct Checks<'a> {
    ty: FieldType,
    /// Positive literals first: they reject most candidates.
    each: Vec<&'a Literal>,
    /// The negated equalities and lists: a candidate in the set fails.
    excluded: Option<ValueSet>,
}

impl<'a> Checks<'a> {
    pub fn new(lits: &[&'a Literal]) -> Checks<'a> {
        let ty = lits.first().map_or(FieldType::String, |l| l.test.ty.clone());
        let mut excluded = ValueSet::default();
        let mut hashed = false;
        let mut each: Vec<&Literal> = Vec::new();
        for lit in lits {
            let scalars: &[Scalar] = match &lit.test.op {
                TestOp::Eq(s) if !lit.positive => std::slice::from_ref(s),
                TestOp::OneOf(values) if !lit.positive => values,
                _ => &[],
            };
            let hashable = !scalars.is_empty() && scalars.iter().all(|s| !matches!(s, Scalar::Ip(_) | Scalar::Bool(_)));
            if hashable {
                scalars.iter().for_each(|s| excluded.add(s, lit.test.cased));
                hashed = true;
            } else {
                each.push(lit);
            }
        }
        each.sort_by_key(|l| !l.positive);
        Checks { ty, each, excluded: hashed.then_some(excluded) }
    }

    /// Whether `value` satisfies every literal.
    pub fn accept(&self, value: &Value) -> bool {
        if self.excluded.as_ref().is_some_and(|set| set.contains(&self.ty, value)) {
            return false;
        }
        self.each.iter().all(|l| value_matches(&l.test, value) == l.positive)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{Number, Ordering, Test};
    use crate::source::Span;
    use proptest::prelude::*;
    use serde_json::json;

    fn lit(ty: &FieldType, cased: bool, op: TestOp, positive: bool) -> Literal {
        Literal { test: Test { field: "x".into(), ty: ty.clone(), cased, op, span: Span::default() }, positive }
    }

    /// Constants that collide in interesting ways: case pairs (`K` and the Kelvin
    /// sign lower-case alike), integers beyond 2^53 that round to one float, -0.0.
    fn scalar(ty: &FieldType) -> BoxedStrategy<Scalar> {
        match ty {
            FieldType::Int | FieldType::Float => prop_oneof![
                prop::sample::select(vec![
                    0i64,
                    1,
                    -1,
                    9_007_199_254_740_992,
                    9_007_199_254_740_993,
                    i64::MAX,
                    i64::MIN
                ])
                .prop_map(Scalar::Int),
                prop::sample::select(vec![0.0, -0.0, 1.0, 1.5, 9_007_199_254_740_992.0, -1.0]).prop_map(Scalar::Float),
            ]
            .boxed(),
            _ => prop::sample::select(vec!["", "k", "K", "\u{212A}", "ab", "AB", "Ab"])
                .prop_map(|s| Scalar::Str(s.into()))
                .boxed(),
        }
    }

    fn value(ty: &FieldType) -> BoxedStrategy<Value> {
        match ty {
            FieldType::Int | FieldType::Float => prop_oneof![
                prop::sample::select(vec![
                    0i64,
                    1,
                    -1,
                    2,
                    9_007_199_254_740_992,
                    9_007_199_254_740_993,
                    i64::MAX,
                    i64::MIN
                ])
                .prop_map(|i| json!(i)),
                prop::sample::select(vec![0.0, -0.0, 1.0, 1.5, 9_007_199_254_740_992.0, 2.5]).prop_map(|f| json!(f)),
            ]
            .boxed(),
            _ => prop::sample::select(vec!["", "k", "K", "\u{212A}", "ab", "AB", "aB", "x"])
                .prop_map(|s| json!(s))
                .boxed(),
        }
    }

    fn literal(ty: FieldType) -> impl Strategy<Value = Literal> {
        let textual = ty.is_textual();
        (prop::collection::vec(scalar(&ty), 1..4), any::<bool>(), any::<bool>(), 0..3u8).prop_map(
            move |(scalars, cased, positive, shape)| {
                let cased = cased && textual;
                let op = match shape {
                    0 => TestOp::Eq(scalars[0].clone()),
                    1 => TestOp::OneOf(scalars),
                    // A literal `Checks` leaves to `ir::eval`, mixed in.
                    _ if textual => TestOp::Exists,
                    _ => TestOp::Cmp(Ordering::Ge, Number::Int(0)),
                };
                lit(&ty, cased, op, positive)
            },
        )
    }

    fn field_type() -> impl Strategy<Value = FieldType> {
        prop::sample::select(vec![FieldType::Int, FieldType::Float, FieldType::String])
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// The hashed sets decide exactly what testing each literal with
        /// `ir::eval` decides, on the values where the two could part.
        #[test]
        fn checks_agree_with_the_reference_evaluator(
            (lits, values) in field_type().prop_flat_map(|ty| {
                (prop::collection::vec(literal(ty.clone()), 1..5), prop::collection::vec(value(&ty), 1..8))
            })
        ) {
            let refs: Vec<&Literal> = lits.iter().collect();
            let checks = Checks::new(&refs);
            for v in &values {
                let reference = lits.iter().all(|l| value_matches(&l.test, v) == l.positive);
                prop_assert_eq!(checks.accept(v), reference, "{:?} on {:?}", v, lits);
            }
        }
    }
}
