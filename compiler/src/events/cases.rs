//! One step's single-event cases: a positive per way its condition can be true
//! (each DNF term), a case variant where text matching ignores case, and near
//! misses: each literal of a positive flipped, and each tested field left out.
//!
//! A near miss solves "the positive's term with one literal changed, and the
//! condition false" exactly: the changed term alone, then joined with each term of
//! the negated condition in turn, until the solved event falsifies the condition. Every case is checked with
//! `ir::eval::matches` before it is kept.

use super::candidates::Style;
use super::dnf::{self, Literal, Term};
use super::rng::Rng;
use super::solve::{self, Assignment, Unsolved};
use super::{describe, Case};
use crate::ir::eval::matches;
use crate::ir::{Cond, Test, TestOp};
use crate::schema::{FieldType, Schema};
use serde_json::Value;

/// Positives first, then near misses; empty positives means no event satisfies
/// the condition (the caller reports E0601).
pub struct StepCases {
    pub positives: Vec<Case>,
    pub negatives: Vec<Case>,
    /// The solved terms of the positives, for threshold and sequence scenarios.
    pub witnesses: Vec<Assignment>,
    /// Why each term without a positive has none.
    pub unsolved: Vec<Unsolved>,
    /// Whether every term of the condition was tried ([`dnf::MAX_TERMS`]).
    pub every_term: bool,
}

pub fn step_cases(cond: &Cond, schema: &Schema, source: &str, rng: &mut Rng, base_ms: i64) -> StepCases {
    let terms = dnf::terms(cond, true);
    let negated = dnf::terms(cond, false);
    let every_term = dnf::count(cond, true) <= dnf::MAX_TERMS;
    let mut out = StepCases {
        positives: Vec::new(),
        negatives: Vec::new(),
        witnesses: Vec::new(),
        unsolved: Vec::new(),
        every_term,
    };
    let mut solved_terms: Vec<&Term> = Vec::new();
    // Two cases are the same when they constrain the same fields to the same values.
    let mut seen: Vec<(Assignment, bool)> = Vec::new();
    let mut push = |cases: &mut Vec<Case>, label: String, event: Value, key: Assignment, expect: bool| {
        if !seen.contains(&(key.clone(), expect)) {
            seen.push((key, expect));
            cases.push(Case { label, expect, source: source.to_string(), event });
        }
    };
    for term in &terms {
        let lits: Vec<&Literal> = term.iter().collect();
        let assignment = match solve::solve(&lits, schema, Style::Plain, rng, base_ms) {
            Ok(assignment) => assignment,
            Err(unsolved) => {
                out.unsolved.push(unsolved);
                continue;
            }
        };
        let event = solve::event(schema, &assignment, rng, base_ms);
        if !matches(cond, &event) {
            continue;
        }
        push(&mut out.positives, format!("positive: {}", describe::term(term)), event, assignment.clone(), true);
        out.witnesses.push(assignment);
        solved_terms.push(term);
        if has_case_insensitive_text(term) {
            if let Ok(variant) = solve::solve(&lits, schema, Style::CaseVariant, rng, base_ms) {
                let event = solve::event(schema, &variant, rng, base_ms);
                if matches(cond, &event) {
                    let label = format!("positive, other case: {}", describe::term(term));
                    push(&mut out.positives, label, event, variant, true);
                }
            }
        }
    }
    for term in solved_terms {
        for (changed, label) in near_miss_terms(term) {
            // The changed term alone usually falsifies the condition already; else it
            // is joined with each way the condition can be false.
            let alone: &[Literal] = &[];
            let found = std::iter::once(alone).chain(negated.iter().map(Vec::as_slice)).find_map(|neg| {
                let joined: Vec<&Literal> = changed.iter().chain(neg).collect();
                let assignment = solve::solve(&joined, schema, Style::Plain, rng, base_ms).ok()?;
                let event = solve::event(schema, &assignment, rng, base_ms);
                (!matches(cond, &event)).then_some((event, assignment))
            });
            if let Some((event, assignment)) = found {
                push(&mut out.negatives, format!("near miss: {label}"), event, assignment, false);
            }
        }
    }
    out
}

/// The term with one literal flipped, and with one field's literals replaced by
/// "missing", each with a label.
fn near_miss_terms(term: &Term) -> Vec<(Term, String)> {
    let mut out = Vec::new();
    for (i, lit) in term.iter().enumerate() {
        let mut changed = term.clone();
        changed[i] = lit.flipped();
        let label = if lit.positive {
            format!("{} is false", describe::test(&lit.test))
        } else if lit.test.op == TestOp::Exists {
            format!("{} present", lit.test.field)
        } else {
            format!("{} is true", describe::test(&lit.test))
        };
        out.push((changed, label));
        // `contains all [a, b]`: also each value alone missing, the others present.
        if let (true, TestOp::Text { kind, values, all: true }) = (lit.positive, &lit.test.op) {
            for (j, value) in values.iter().enumerate().filter(|_| values.len() > 1) {
                let with = |values: Vec<String>, positive| Literal {
                    test: Test { op: TestOp::Text { kind: *kind, values, all: true }, ..lit.test.clone() },
                    positive,
                };
                let others: Vec<String> =
                    values.iter().enumerate().filter(|(k, _)| *k != j).map(|(_, v)| v.clone()).collect();
                let mut changed: Term =
                    term.iter().enumerate().filter(|(k, _)| *k != i).map(|(_, l)| l.clone()).collect();
                changed.push(with(others, true));
                changed.push(with(vec![value.clone()], false));
                let single = Test {
                    op: TestOp::Text { kind: *kind, values: vec![value.clone()], all: false },
                    ..lit.test.clone()
                };
                out.push((changed, format!("{} is false", describe::test(&single))));
            }
        }
    }
    let mut fields: Vec<&str> = Vec::new();
    for lit in term.iter().filter(|l| l.positive && l.test.op != TestOp::Exists) {
        if fields.contains(&lit.test.field.as_str()) {
            continue;
        }
        fields.push(&lit.test.field);
        let mut changed: Term = term.iter().filter(|l| l.test.field != lit.test.field).cloned().collect();
        changed.push(Literal::missing(&lit.test));
        out.push((changed, format!("{} missing", lit.test.field)));
    }
    out
}

fn has_case_insensitive_text(term: &Term) -> bool {
    term.iter().any(|l| {
        l.positive
            && !l.test.cased
            && l.test.ty == FieldType::String
            && matches!(l.test.op, TestOp::Eq(_) | TestOp::OneOf(_) | TestOp::Text { .. })
    })
}

/// A tuned step's cases for one of its exclusions: events the detection matches and
/// the exclusion removes (the tuned rule must not fire), each ahead of its nearest
/// neighbours just outside the exclusion (one of the exclusion's literals flipped,
/// the detection still matched: the rule must fire). `tuned` is the step's condition,
/// `untuned` the detection's own; every case is checked with `ir::eval::matches`.
pub fn exclusion_cases(
    tuned: &Cond,
    untuned: &Cond,
    exclusion: &crate::ir::Exclusion,
    schema: &Schema,
    source: &str,
    rng: &mut Rng,
    base_ms: i64,
) -> Vec<Case> {
    let removed = Cond::All(vec![untuned.clone(), exclusion.condition.clone()]);
    let own: Vec<&str> = exclusion.condition.tests().into_iter().map(|t| t.field.as_str()).collect();
    let mut out: Vec<Case> = Vec::new();
    let mut seen: Vec<(Assignment, bool)> = Vec::new();
    let mut push = |out: &mut Vec<Case>, label: String, event: Value, key: Assignment, expect: bool| {
        if !seen.contains(&(key.clone(), expect)) {
            seen.push((key, expect));
            out.push(Case { label, expect, source: source.to_string(), event });
        }
    };
    let name = &exclusion.name;
    for term in dnf::terms(&removed, true) {
        let lits: Vec<&Literal> = term.iter().collect();
        let Ok(assignment) = solve::solve(&lits, schema, Style::Plain, rng, base_ms) else { continue };
        let event = solve::event(schema, &assignment, rng, base_ms);
        // Matched by the detection, removed by the tuning.
        if !matches(untuned, &event) || matches(tuned, &event) {
            continue;
        }
        push(&mut out, format!("excluded by `{name}`: {}", describe::term(&term)), event, assignment, false);
        // Neighbours: one literal on a field the exclusion tests flipped, or the field
        // left out; a change the detection notices is dropped by the check below.
        for (changed, label) in near_miss_terms(&term) {
            if !changed.iter().any(|l| !term.contains(l) && own.contains(&l.test.field.as_str())) {
                continue;
            }
            let lits: Vec<&Literal> = changed.iter().collect();
            let Ok(assignment) = solve::solve(&lits, schema, Style::Plain, rng, base_ms) else { continue };
            let event = solve::event(schema, &assignment, rng, base_ms);
            if matches(tuned, &event) {
                push(&mut out, format!("next to `{name}`, kept: {label}"), event, assignment, true);
            }
        }
    }
    out
}
