//! Synthetic test events: the checked IR → events that prove every detection fires
//! when it should and stays quiet when it should not.
//!
//! | module | what |
//! |---|---|
//! | [`dnf`] | a condition as the ways it can be true (and false) |
//! | [`candidates`], [`regex_sample`] | values per field, boundary and near-miss first |
//! | [`solve`] | a conjunction of literals → field values → a whole event |
//! | [`filler`] | realistic values for the other fields, valid for the schema |
//! | [`cases`] | one step: positives, case variants, near misses |
//! | [`scenarios`] | thresholds: event sets with the groups that fire |
//! | [`sequences`] | sequences: event sets with the join keys that fire, threshold members as bursts |
//! | [`rng`] | the seeded PRNG |
//! | [`verify`] | running events through an engine; the reference engine |
//!
//! Invariants: every case and scenario carries its expectation and was checked with
//! `ir::eval` (`matches`, `threshold_groups`, `sequence_groups`) before it is
//! returned; every event is valid for its schema (types, ranges, enum values); the
//! output depends only on the program and the seed. A step with no positive event
//! is E0601, a threshold or sequence that no scenario can fire is E0602.

mod candidates;
mod cases;
mod describe;
mod dnf;
mod filler;
mod regex_sample;
mod rng;
mod scenarios;
mod sequences;
mod solve;
pub mod verify;

#[cfg(test)]
mod tests;

pub use scenarios::valid_for;

use crate::diag::{Code, Diagnostic};
use crate::ir::eval::GroupKey;
use crate::ir::{Flow, Program, Step};
use rng::Rng;
use serde_json::Value;
use std::collections::BTreeMap;

/// 2026-01-01T00:00:00Z: every generated time is this plus an offset.
pub const BASE_TIME_MS: i64 = 1_767_225_600_000;

/// The seed when none is given (`--seed`).
pub const DEFAULT_SEED: u64 = 1;

/// One event and what the item's rule must do with it.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    pub label: String,
    /// Whether the step's condition must match the event.
    pub expect: bool,
    /// The schema (log source) the event belongs to.
    pub source: String,
    pub event: Value,
}

/// Events that together must make a threshold or sequence fire for `expected`
/// groups (none: it must not fire).
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    pub label: String,
    pub expected: Vec<GroupKey>,
    /// `(source schema, event)`, in time order.
    pub events: Vec<(String, Value)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemKind {
    /// A step's condition, event by event.
    Step,
    /// A step's threshold, scenario by scenario.
    Threshold,
    Sequence,
}

/// The events of one rule.
#[derive(Debug, Clone)]
pub struct ItemEvents {
    pub flow: String,
    /// The step or sequence id.
    pub item: String,
    pub kind: ItemKind,
    pub cases: Vec<Case>,
    pub scenarios: Vec<Scenario>,
    /// Cases or scenarios that could not be built, and why.
    pub notes: Vec<String>,
}

/// One line of an item's event file.
pub struct Line<'a> {
    pub source: &'a str,
    pub event: &'a Value,
    pub label: &'a str,
    /// Whether the rule must alert on (or with) this event.
    pub expect: bool,
}

impl ItemEvents {
    /// Every event in file order: cases, or each scenario's events in turn.
    pub fn lines(&self) -> Vec<Line<'_>> {
        let cases =
            self.cases.iter().map(|c| Line { source: &c.source, event: &c.event, label: &c.label, expect: c.expect });
        let scenarios = self.scenarios.iter().flat_map(|s| {
            s.events.iter().map(move |(source, event)| Line {
                source,
                event,
                label: &s.label,
                expect: !s.expected.is_empty(),
            })
        });
        cases.chain(scenarios).collect()
    }
}

#[derive(Debug, Default)]
pub struct Generated {
    pub items: Vec<ItemEvents>,
    pub diags: Vec<Diagnostic>,
}

/// Events for every detectable step, threshold and sequence of `program`.
pub fn generate(program: &Program, seed: u64) -> Generated {
    let mut out = Generated::default();
    for flow in &program.flows {
        generate_flow(program, flow, seed, &mut out);
    }
    out
}

/// The part of [`generate`] for one flow (its sequences need only its own steps), so
/// that flows can be generated apart, in parallel, and their events dropped once used.
pub fn generate_one_flow(program: &Program, flow: &Flow, seed: u64) -> Generated {
    let mut out = Generated::default();
    generate_flow(program, flow, seed, &mut out);
    out
}

fn generate_flow(program: &Program, flow: &Flow, seed: u64, out: &mut Generated) {
    let mut witnesses: BTreeMap<&str, solve::Assignment> = BTreeMap::new();
    for step in &flow.steps {
        let (Some(cond), Some(source)) = (step.detection.condition(), step.source.as_deref()) else { continue };
        let Some(schema) = program.schema(source) else { continue };
        let mut rng = Rng::for_item(seed, &format!("{}/{}", flow.id, step.id));
        let found = cases::step_cases(cond, schema, source, &mut rng, BASE_TIME_MS);
        let Some(witness) = found.witnesses.first() else {
            out.diags.push(no_positive(step));
            continue;
        };
        let mut cases: Vec<Case> = found.positives.into_iter().chain(found.negatives).collect();
        for (i, case) in cases.iter_mut().enumerate() {
            solve::set_time(&mut case.event, schema, BASE_TIME_MS + i as i64 * 1000);
        }
        let item = |kind, cases, scenarios, notes| ItemEvents {
            flow: flow.id.clone(),
            item: step.id.clone(),
            kind,
            cases,
            scenarios,
            notes,
        };
        out.items.push(item(ItemKind::Step, cases, Vec::new(), Vec::new()));
        if let Some(threshold) = step.detection.threshold() {
            let input = scenarios::ThresholdInput { threshold, cond, schema, source, witness };
            match scenarios::threshold(&input, &mut rng, BASE_TIME_MS) {
                Ok(built) => out.items.push(item(ItemKind::Threshold, Vec::new(), built.scenarios, built.notes)),
                Err(reason) => out.diags.push(
                    Diagnostic::new(Code::NoScenario, format!("the threshold of step `{}` can never fire", step.id))
                        .primary(step.span, "no events reach this threshold")
                        .note(reason),
                ),
            }
        }
        witnesses.insert(&step.id, witness.clone());
    }
    for sequence in &flow.sequences {
        let members: Option<Vec<sequences::Member>> = sequence
            .steps
            .iter()
            .map(|m| {
                let step = flow.step(&m.step)?;
                let schema = program.schema(step.source.as_deref()?)?;
                let witness = witnesses.get(m.step.as_str())?;
                Some(sequences::Member { step, keys: &m.keys, occurrence: m.occurrence, schema, witness })
            })
            .collect();
        // A member without a positive already has its E0601.
        let Some(members) = members else { continue };
        let mut rng = Rng::for_item(seed, &format!("{}/{}", flow.id, sequence.id));
        match sequences::sequence(sequence, &members, &mut rng, BASE_TIME_MS) {
            Ok(built) => out.items.push(ItemEvents {
                flow: flow.id.clone(),
                item: sequence.id.clone(),
                kind: ItemKind::Sequence,
                cases: Vec::new(),
                scenarios: built.scenarios,
                notes: built.notes,
            }),
            Err(reason) => out.diags.push(
                Diagnostic::new(Code::NoScenario, format!("the sequence `{}` can never fire", sequence.id))
                    .primary(sequence.span, "no events complete this sequence")
                    .note(reason),
            ),
        }
    }
}

fn no_positive(step: &Step) -> Diagnostic {
    let tests = step.detection.condition().map(|c| c.tests()).unwrap_or_default();
    let span = match (tests.first(), tests.last()) {
        (Some(first), Some(last)) => first.span.to(last.span),
        _ => step.span,
    };
    Diagnostic::new(Code::NoPositiveEvent, format!("no valid event satisfies the detection of step `{}`", step.id))
        .primary(span, "no event the schema allows makes this true")
        .note("the schema allows declared types, ranges and enum values only")
        .help("look for comparisons that only hold outside a field's declared range (W0204), or text tests that exclude each other")
}
