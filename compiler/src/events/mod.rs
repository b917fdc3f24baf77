//! Synthetic test events: the checked IR → events that prove every detection fires
//! when it should and stays quiet when it should not.
//!
//! | module | what |
//! |---|---|
//! | [`dnf`] | a condition as the ways it can be true (and false) |
//! | [`candidates`], [`numbers`], [`regex_sample`] | values per field, boundary and near-miss first |
//! | [`solve`], [`checks`] | a conjunction of literals → field values → a whole event |
//! | [`filler`], [`relations`] | realistic values for the other fields, valid for the schema, related fields in order |
//! | [`cases`] | one step: positives, case variants, near misses |
//! | [`runs`] | compact scenarios: one event, a count, a spacing; expansion in time order |
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
mod checks;
mod describe;
mod dnf;
mod filler;
mod numbers;
mod proof;
mod regex_sample;
mod relations;
mod rng;
mod runs;
mod scenarios;
mod sequences;
mod solve;
pub mod verify;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_domain;
#[cfg(test)]
mod tests_property;

pub use runs::{Run, Vary};
pub use scenarios::valid_for;

use crate::diag::{Code, Diagnostic};
use crate::ir::eval::GroupKey;
use crate::ir::{Flow, Program, Step};
use crate::source::Span;
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
/// groups (none: it must not fire), described compactly: a threshold over a
/// million events is one [`Run`] of a million copies. [`Scenario::events`] expands it.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    pub label: String,
    pub expected: Vec<GroupKey>,
    /// The runs of similar events; their expansion, merged by time, is the scenario.
    pub runs: Vec<Run>,
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
    pub event: Value,
    pub label: &'a str,
    /// Whether the rule must alert on (or with) this event.
    pub expect: bool,
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
            out.diags.push(no_positive(step, &found));
            continue;
        };
        let mut cases: Vec<Case> = found.positives.into_iter().chain(found.negatives).collect();
        for exclusion in step.tuning.iter().flat_map(|t| t.exclusions.iter().map(move |e| (&t.untuned, e))) {
            let (untuned, exclusion) = exclusion;
            cases.extend(cases::exclusion_cases(cond, untuned, exclusion, schema, source, &mut rng, BASE_TIME_MS));
        }
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
        // The events a tuned threshold's exclusions remove, for its scenarios.
        let excluded: Vec<Case> = match (&step.tuning, step.detection.threshold()) {
            (Some(_), Some(_)) => {
                cases.iter().filter(|c| !c.expect && c.label.starts_with("excluded by")).cloned().collect()
            }
            _ => Vec::new(),
        };
        out.items.push(item(ItemKind::Step, cases, Vec::new(), Vec::new()));
        if let Some(threshold) = step.detection.threshold() {
            let input = scenarios::ThresholdInput { threshold, cond, schema, source, witness };
            match scenarios::threshold_from(&input, &found.witnesses, &mut rng, BASE_TIME_MS) {
                Ok(mut built) => {
                    if !excluded.is_empty() {
                        let excluded: Vec<&Case> = excluded.iter().collect();
                        let last = built.scenarios.iter().flat_map(|s| &s.runs).map(|r| r.time_of(r.count)).max();
                        let after = last.unwrap_or(BASE_TIME_MS);
                        built.scenarios.extend(scenarios::threshold_exclusions(&input, &excluded, &mut rng, after));
                    }
                    out.items.push(item(ItemKind::Threshold, Vec::new(), built.scenarios, built.notes))
                }
                Err(why) => {
                    out.diags.push(no_scenario(&format!("the threshold of step `{}`", step.id), step.span, why))
                }
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
            Err(why) => out.diags.push(no_scenario(&format!("the sequence `{}`", sequence.id), sequence.span, why)),
        }
    }
}

/// E0602 when no events can make `what` fire; W0604 or W0603 when the generator
/// stopped at a bound or gave up.
fn no_scenario(what: &str, span: Span, why: scenarios::NoScenario) -> Diagnostic {
    match why {
        scenarios::NoScenario::Proven(reason) => Diagnostic::new(Code::NoScenario, format!("{what} can never fire"))
            .primary(span, "no events make this fire")
            .note(reason),
        scenarios::NoScenario::Beyond(reason) => Diagnostic::new(
            Code::EventBound,
            format!("no scenarios for {what}: they would exceed the generator's bounds"),
        )
        .primary(span, "the generator builds no scenario for this")
        .note(reason)
        .help("the rule is emitted as written; only its synthetic events are missing"),
        scenarios::NoScenario::GaveUp(reason) => {
            Diagnostic::new(Code::EventSearchGaveUp, format!("no scenarios for {what}: the generator found none"))
                .primary(span, "no scenario found for this, and none proven impossible")
                .note(reason)
                .help("simplify the condition, or test this rule with events written by hand")
        }
    }
}

/// E0601 when every way the condition can be true is proven impossible; W0604
/// when one needs more than the generator's bounds; W0603 when the search gave up.
fn no_positive(step: &Step, found: &cases::StepCases) -> Diagnostic {
    let tests = step.detection.condition().map(|c| c.tests()).unwrap_or_default();
    let span = match (tests.first(), tests.last()) {
        (Some(first), Some(last)) => first.span.to(last.span),
        _ => step.span,
    };
    let reasons = |pick: fn(&proof::Why) -> Option<&String>| -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for reason in found.unsolved.iter().filter_map(|u| pick(&u.why)) {
            if !out.contains(reason) {
                out.push(reason.clone());
            }
        }
        out
    };
    let beyond = reasons(|w| if let proof::Why::Beyond(r) = w { Some(r) } else { None });
    let undecided = reasons(|w| if let proof::Why::Undecided(r) = w { Some(r) } else { None });
    let proven = reasons(|w| if let proof::Why::Proven(r) = w { Some(r) } else { None });
    let with_notes = |mut diag: Diagnostic, notes: &[String]| {
        for note in notes.iter().take(3) {
            diag = diag.note(note.clone());
        }
        if notes.len() > 3 {
            diag = diag.note(format!("and {} more", notes.len() - 3));
        }
        diag
    };
    if !beyond.is_empty() {
        let diag = Diagnostic::new(
            Code::EventBound,
            format!("no events for step `{}`: they would exceed the generator's bounds", step.id),
        )
        .primary(span, "the generator builds no event for this");
        return with_notes(diag, &beyond).help("the rule is emitted as written; only its synthetic events are missing");
    }
    if !found.every_term || !undecided.is_empty() {
        let mut notes = undecided;
        if !found.every_term {
            let ways = dnf::count(step.detection.condition().expect("a step with cases has a condition"), true);
            let ways = if ways == usize::MAX { "too many to count".to_string() } else { ways.to_string() };
            notes.push(format!(
                "the condition has {ways} ways to be true; the generator tries the first {}",
                dnf::MAX_TERMS
            ));
        }
        let diag = Diagnostic::new(
            Code::EventSearchGaveUp,
            format!("no events for step `{}`: the generator found none", step.id),
        )
        .primary(span, "no event found for this, and none proven impossible");
        return with_notes(diag, &notes).help("simplify the condition, or test this step with events written by hand");
    }
    let diag =
        Diagnostic::new(Code::NoPositiveEvent, format!("no valid event satisfies the detection of step `{}`", step.id))
            .primary(span, "no event the schema allows makes this true");
    with_notes(diag, &proven)
        .note("the schema allows declared types, ranges and enum values only")
        .help("look for comparisons that only hold outside a field's declared range (W0204), or text tests that exclude each other")
}
