//! Numeric candidates: the constants of a field's literals and their neighbours,
//! then the edges of the field's domain.
//!
//! The domain of an `int` field is its declared `range`, else all of i64 (the
//! language's promise); of a `float` field its `range`, else every finite f64. A
//! plausible default (ports, counts) is only for filler and never rejects a value a
//! condition needs.
//!
//! The candidate set is complete for a conjunction of numeric literals on one field
//! (comparisons, equalities, lists, their negations): the values that satisfy it
//! form intervals whose ends are constants, their neighbours or the domain's edges,
//! minus finitely many excluded constants. The first value of an interval that is
//! not excluded is a constant's neighbour (each excluded constant brings the next
//! value up), and an open float interval between two constants holds their
//! midpoint. So when no candidate satisfies the literals, none exists: E0601 is a
//! proof here. Integers are exact i64 (i128 for the ±1), never rounded through f64.

use super::dnf::Literal;
use crate::ir::{Number, Scalar, TestOp};
use crate::schema::{Field, FieldType};
use serde_json::{json, Value};

/// The values an `int` field can hold: its range (rounded inward), else all of i64.
pub fn int_domain(field: &Field) -> (i64, i64) {
    match field.range {
        Some((lo, hi)) => (ceil_i64(lo), floor_i64(hi)),
        None => (i64::MIN, i64::MAX),
    }
}

/// The least integer ≥ `x`, saturated at the i64 limits.
fn ceil_i64(x: f64) -> i64 {
    // `as` saturates (and maps NaN to 0), which is what a bound wants.
    x.ceil() as i64
}

fn floor_i64(x: f64) -> i64 {
    x.floor() as i64
}

/// The constants the literals compare `field` with.
fn constants(lits: &[&Literal]) -> Vec<Number> {
    let mut out = Vec::new();
    for lit in lits {
        match &lit.test.op {
            TestOp::Cmp(_, bound) => out.push(*bound),
            TestOp::Eq(s) => out.extend(number(s)),
            TestOp::OneOf(values) => out.extend(values.iter().filter_map(number)),
            _ => {}
        }
    }
    out
}

fn number(s: &Scalar) -> Option<Number> {
    match s {
        Scalar::Int(i) => Some(Number::Int(*i)),
        Scalar::Float(f) => Some(Number::Float(*f)),
        _ => None,
    }
}

/// Candidates for a numeric field, valid for it, boundary values first.
pub fn candidates(field: &Field, lits: &[&Literal]) -> Vec<Value> {
    let constants = constants(lits);
    if field.ty == FieldType::Int {
        ints(field, &constants).into_iter().map(|i| json!(i)).collect()
    } else {
        floats(field, &constants).into_iter().map(|f| json!(f)).collect()
    }
}

fn ints(field: &Field, constants: &[Number]) -> Vec<i64> {
    let (lo, hi) = int_domain(field);
    let mut raw: Vec<i128> = Vec::new();
    for c in constants {
        match *c {
            Number::Int(i) => {
                let i = i128::from(i);
                raw.extend([i, i + 1, i - 1]);
            }
            // An int compared with `2.5`: the integers either side, and theirs.
            Number::Float(f) if f.is_finite() => {
                let (down, up) = (i128::from(floor_i64(f)), i128::from(ceil_i64(f)));
                raw.extend([down, up, up + 1, down - 1]);
            }
            Number::Float(_) => {}
        }
    }
    let (lo128, hi128) = (i128::from(lo), i128::from(hi));
    raw.extend([lo128, hi128]);
    if field.range.is_some() {
        raw.push((lo128 + hi128).div_euclid(2));
    }
    raw.into_iter().filter(|v| (lo128..=hi128).contains(v)).filter_map(|v| i64::try_from(v).ok()).collect()
}

fn floats(field: &Field, constants: &[Number]) -> Vec<f64> {
    let (lo, hi) = field.range.unwrap_or((-f64::MAX, f64::MAX));
    let mut raw: Vec<f64> = Vec::new();
    for c in constants {
        match *c {
            Number::Int(i) => {
                let f = i as f64;
                raw.extend([f, f + 1.0, f - 1.0, f.next_up(), f.next_down()]);
            }
            Number::Float(f) => raw.extend(around_float(f)),
        }
    }
    // Between two constants, for an open interval no neighbour reaches.
    let mut sorted: Vec<f64> = constants.iter().map(|c| c.as_f64()).filter(|f| f.is_finite()).collect();
    sorted.sort_by(f64::total_cmp);
    sorted.dedup();
    raw.extend(sorted.windows(2).map(|w| w[0] / 2.0 + w[1] / 2.0));
    raw.extend([lo, hi]);
    if field.range.is_some() {
        raw.push(super::filler::round(lo / 2.0 + hi / 2.0, 2));
    }
    raw.into_iter().filter(|v| v.is_finite() && (lo..=hi).contains(v)).collect()
}

/// A float constant and its neighbours: ± one unit past its last printed decimal
/// (`80.5` → 80.51 and 80.49, short values for readers), then the adjacent f64s
/// (for constants whose decimals run out).
fn around_float(f: f64) -> Vec<f64> {
    if !f.is_finite() {
        return Vec::new();
    }
    let text = format!("{f}");
    let decimals = text.split_once('.').map_or(0, |(_, d)| d.len()).min(8) as i32;
    let step = 10f64.powi(-(decimals + 1)).max(1e-9);
    let round = super::filler::round;
    vec![f, round(f + step, decimals + 1), round(f - step, decimals + 1), f.next_up(), f.next_down()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Span;

    fn field(ty: FieldType, range: Option<(f64, f64)>) -> Field {
        Field { name: "x".into(), ty, unit: None, range, typical: None, description: None, span: Span::default() }
    }

    #[test]
    fn int_neighbours_are_exact_and_clamped_at_the_limits() {
        let unranged = field(FieldType::Int, None);
        assert_eq!(ints(&unranged, &[Number::Int(i64::MAX)]), [i64::MAX, i64::MAX - 1, i64::MIN, i64::MAX]);
        assert_eq!(
            ints(&unranged, &[Number::Int(9_007_199_254_740_993)])[..3],
            [9_007_199_254_740_993, 9_007_199_254_740_994, 9_007_199_254_740_992]
        );
        assert_eq!(ints(&unranged, &[Number::Float(2.5)])[..4], [2, 3, 4, 1]);
        let ranged = field(FieldType::Int, Some((0.5, 10.0)));
        assert_eq!(int_domain(&ranged), (1, 10));
        assert_eq!(ints(&ranged, &[Number::Int(10)]), [10, 9, 1, 10, 5]);
    }

    #[test]
    fn floats_get_short_neighbours_then_adjacent_values_and_midpoints() {
        assert_eq!(around_float(80.5)[..3], [80.5, 80.51, 80.49]);
        let unranged = field(FieldType::Float, None);
        let got = floats(&unranged, &[Number::Float(1.0), Number::Float(1.0f64.next_up().next_up())]);
        assert!(got.contains(&1.0f64.next_up()), "{got:?}");
        assert!(floats(&unranged, &[Number::Float(f64::INFINITY)]).iter().all(|f| f.is_finite()));
    }
}
