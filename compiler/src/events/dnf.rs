//! Conditions as disjunctions of conjunctions of literals, for event generation.
//!
//! Unlike the checker's DNF (which gives up past a size and assumes "satisfiable"),
//! this one keeps the first [`MAX_TERMS`] conjunctions: every term kept is a real way
//! for the condition (or its negation) to be true, which is all generation needs.

use crate::ir::{Cond, Test, TestOp};

/// Most conjunctions kept per condition.
pub const MAX_TERMS: usize = 256;

/// A test that must hold (`positive`) or must not.
#[derive(Debug, Clone, PartialEq)]
pub struct Literal {
    pub test: Test,
    pub positive: bool,
}

impl Literal {
    /// The same test, with the other polarity.
    pub fn flipped(&self) -> Literal {
        Literal { test: self.test.clone(), positive: !self.positive }
    }

    /// "The field is missing": `not (field exists)`.
    pub fn missing(test: &Test) -> Literal {
        Literal { test: Test { op: TestOp::Exists, cased: false, ..test.clone() }, positive: false }
    }
}

pub type Term = Vec<Literal>;

/// The ways `cond` (or, with `positive == false`, its negation) can be true.
pub fn terms(cond: &Cond, positive: bool) -> Vec<Term> {
    match (cond, positive) {
        (Cond::Test(t), p) => vec![vec![Literal { test: t.clone(), positive: p }]],
        (Cond::Not(inner), p) => terms(inner, !p),
        (Cond::Any(parts), true) | (Cond::All(parts), false) => {
            let mut out = Vec::new();
            for part in parts {
                out.extend(terms(part, positive));
                if out.len() >= MAX_TERMS {
                    out.truncate(MAX_TERMS);
                    break;
                }
            }
            out
        }
        (Cond::All(parts), true) | (Cond::Any(parts), false) => {
            let mut out: Vec<Term> = vec![Vec::new()];
            for part in parts {
                let mut part_terms = terms(part, positive);
                if part_terms.len() == 1 {
                    // One way: extend in place, so a long conjunction stays linear.
                    let only = part_terms.pop().unwrap_or_default();
                    for t in &mut out {
                        t.extend(only.iter().cloned());
                    }
                    continue;
                }
                out = out
                    .iter()
                    .flat_map(|t| part_terms.iter().map(move |p| t.iter().chain(p).cloned().collect::<Term>()))
                    .take(MAX_TERMS)
                    .collect();
            }
            out
        }
    }
}

/// How many conjunctions `terms` would give without the bound (saturating): more
/// than [`MAX_TERMS`] means some ways were not tried. Linear in the condition.
pub fn count(cond: &Cond, positive: bool) -> usize {
    match (cond, positive) {
        (Cond::Test(_), _) => 1,
        (Cond::Not(inner), p) => count(inner, !p),
        (Cond::Any(parts), true) | (Cond::All(parts), false) => {
            parts.iter().fold(0usize, |n, part| n.saturating_add(count(part, positive)))
        }
        (Cond::All(parts), true) | (Cond::Any(parts), false) => {
            parts.iter().fold(1usize, |n, part| n.saturating_mul(count(part, positive)))
        }
    }
}
