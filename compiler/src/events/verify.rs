//! Running an item's events through an engine and comparing with the expectations:
//! the shared result types, and the reference engine (`ir::eval`) itself.
//!
//! `scalpel test` reports one [`Outcome`] per item and engine. The reference
//! engine re-checks what generation already checked, so on a generated suite it
//! only fails when the generator has a bug; other engines (sigma-rust, in
//! `scalpel_driver::engines`) are the second opinion.

use super::{ItemEvents, ItemKind, Scenario};
use crate::ir::eval::{matches, sequence_groups, SequenceMember, SourcedEvent};
use crate::ir::Program;
use serde_json::Value;

/// An event (or scenario) that did not do what was expected.
#[derive(Debug, Clone)]
pub struct Failure {
    /// 1-based line in the item's `.jsonl` file (of the scenario's first event).
    pub line: usize,
    pub label: String,
    pub expected: String,
    pub got: String,
    /// The case's event, or the scenario's first [`MAX_FAILURE_EVENTS`] events.
    pub events: Vec<Value>,
}

/// What one engine made of one item's events.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Cases or scenarios the engine judged.
    pub checked: usize,
    pub failures: Vec<Failure>,
    /// Cases the engine cannot judge, with the reason (never counted as passes).
    pub skipped: Vec<(usize, String)>,
    /// Set when the engine cannot evaluate this kind of rule at all.
    pub not_applicable: Option<String>,
}

/// The reference engine: `ir::eval` on every case and scenario of `item`.
pub fn reference(program: &Program, item: &ItemEvents) -> Outcome {
    let mut out = Outcome::default();
    let Some(flow) = program.flows.iter().find(|f| f.id == item.flow) else { return out };
    match item.kind {
        ItemKind::Step => {
            let Some(cond) = flow.step(&item.item).and_then(|s| s.detection.condition()) else { return out };
            for (i, case) in item.cases.iter().enumerate() {
                out.checked += 1;
                let got = matches(cond, &case.event);
                if got != case.expect {
                    out.failures.push(Failure {
                        line: i + 1,
                        label: case.label.clone(),
                        expected: verdict(case.expect),
                        got: verdict(got),
                        events: vec![case.event.clone()],
                    });
                }
            }
        }
        ItemKind::Threshold => {
            let Some(step) = flow.step(&item.item) else { return out };
            let (Some(cond), Some(threshold), Some(schema)) = (
                step.detection.condition(),
                step.detection.threshold(),
                step.source.as_deref().and_then(|s| program.schema(s)),
            ) else {
                return out;
            };
            // Every event of a threshold scenario has the step's source and time field.
            let time_field = &schema.event_time_field().name;
            scenarios(item, &mut out, |scenario| {
                if scenario.runs.iter().any(|r| r.time_field != *time_field) {
                    return Vec::new();
                }
                super::runs::fired_groups(threshold, cond, scenario)
            });
        }
        ItemKind::Sequence => {
            let Some(sequence) = flow.sequences.iter().find(|s| s.id == item.item) else { return out };
            let Some(members) = SequenceMember::of(program, flow, sequence) else { return out };
            scenarios(item, &mut out, |scenario| {
                let events: Vec<(&str, Value)> = scenario.events().collect();
                let sourced: Vec<SourcedEvent> =
                    events.iter().map(|(source, event)| SourcedEvent { source, event }).collect();
                sequence_groups(sequence, &members, &sourced)
            });
        }
    }
    out
}

/// Scenario events a [`Failure`] carries at most: enough to read, bounded however
/// large the scenario.
pub const MAX_FAILURE_EVENTS: usize = 1000;

fn scenarios(item: &ItemEvents, out: &mut Outcome, fired: impl Fn(&Scenario) -> Vec<Vec<String>>) {
    let mut line = item.cases.len() + 1;
    for scenario in &item.scenarios {
        out.checked += 1;
        let got = fired(scenario);
        if got != scenario.expected {
            out.failures.push(Failure {
                line,
                label: scenario.label.clone(),
                expected: groups(&scenario.expected),
                got: groups(&got),
                events: scenario.events().take(MAX_FAILURE_EVENTS).map(|(_, e)| e).collect(),
            });
        }
        line += usize::try_from(scenario.event_count()).unwrap_or(usize::MAX);
    }
}

pub fn verdict(alert: bool) -> String {
    if alert { "match" } else { "no match" }.to_string()
}

fn groups(groups: &[Vec<String>]) -> String {
    if groups.is_empty() {
        return "no alert".to_string();
    }
    let keys: Vec<String> = groups.iter().map(|g| format!("[{}]", g.join(", "))).collect();
    format!("alert for {}", keys.join(", "))
}
