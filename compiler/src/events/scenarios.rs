//! Multi-event scenarios for thresholds, each with the groups that must fire (none
//! for the negative ones), checked with `ir::eval::threshold_groups` before they are
//! kept; and the helpers the sequence scenarios ([`super::sequences`]) share.
//!
//! Thresholds: the minimum count inside the window (fires), one less (does not),
//! the same count spread so that the half-open window never holds it, and the
//! count split across two group keys.
//!
//! A scenario that must fire but cannot be built is an error for the caller
//! (E0602); a negative one that cannot be built is left out with a note.

use super::rng::Rng;
use super::solve::Assignment;
use super::{filler, solve, Run, Scenario, Vary};
use crate::ir::eval::{group_key, matches};
use crate::ir::{Cond, Scalar, TestOp, Threshold};
use crate::schema::{Field, FieldType, Schema};
use serde_json::Value;
use std::collections::HashSet;

/// Scenarios of one item, and what could not be built.
pub struct Built {
    pub scenarios: Vec<Scenario>,
    pub notes: Vec<String>,
}

/// Time between two scenarios of an item: longer than the window, so that they
/// never see each other, rounded up to whole minutes.
pub(super) fn stride(window_ms: u64) -> i64 {
    let raw = window_ms.saturating_mul(2).saturating_add(60_000);
    i64::try_from(raw.div_ceil(60_000) * 60_000).unwrap_or(i64::MAX / 8)
}

pub struct ThresholdInput<'a> {
    pub threshold: &'a Threshold,
    pub cond: &'a Cond,
    pub schema: &'a Schema,
    pub source: &'a str,
    pub witness: &'a Assignment,
}

/// The most events a `count` threshold scenario may have: it is described as runs,
/// but `ir::eval` counts one hit per event to confirm it (32 bytes each).
pub const MAX_THRESHOLD_EVENTS: u64 = 4_000_000;

/// The most values a `distinct` threshold scenario may have: each one is a
/// different event, built and checked on its own.
pub const MAX_DISTINCT_VALUES: u64 = 100_000;

/// Why a threshold or sequence has no scenario that fires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoScenario {
    /// No events can make it fire (E0602); the sentence says why.
    Proven(String),
    /// It needs more events than the generator's bounds (W0604).
    Beyond(String),
    /// The generator found none and cannot prove there is none (W0603).
    GaveUp(String),
}

/// A threshold scenario before its runs get their times: `(label, runs, fires)`.
type Plan = (String, Vec<Run>, bool);

/// How many ways the condition is true [`threshold_from`] tries.
const MAX_WITNESS_TRIES: usize = 8;

/// [`threshold`] from the first witness (one way the condition is true, solved)
/// that gives scenarios: the step's first, then, when the search gives up there
/// (that way pins the distinct field, say), those that leave the distinct field
/// free, then the others; at most [`MAX_WITNESS_TRIES`]. `input.witness` is
/// replaced by each in turn. A proof or a bound is final: it holds for every way.
pub fn threshold_from(
    input: &ThresholdInput,
    witnesses: &[Assignment],
    rng: &mut Rng,
    base_ms: i64,
) -> Result<Built, NoScenario> {
    let free = |w: &&Assignment| input.threshold.distinct.as_ref().is_none_or(|f| !w.contains_key(f));
    let rest = || witnesses.iter().skip(1);
    let order = witnesses.iter().take(1).chain(rest().filter(free)).chain(rest().filter(|w| !free(w)));
    let mut first_gave_up = None;
    for witness in order.take(MAX_WITNESS_TRIES) {
        match threshold(&ThresholdInput { witness, ..*input }, rng, base_ms) {
            Err(NoScenario::GaveUp(why)) => {
                first_gave_up.get_or_insert(why);
            }
            done => return done,
        }
    }
    Err(NoScenario::GaveUp(first_gave_up.unwrap_or_else(|| "the condition has no positive event".to_string())))
}

pub fn threshold(input: &ThresholdInput, rng: &mut Rng, base_ms: i64) -> Result<Built, NoScenario> {
    let ThresholdInput { threshold, cond, schema, source, witness } = *input;
    let min = threshold.min.max(2);
    let (bound, what_bound) = match threshold.distinct {
        Some(_) => (MAX_DISTINCT_VALUES, "distinct values"),
        None => (MAX_THRESHOLD_EVENTS, "events"),
    };
    if min > bound {
        return Err(NoScenario::Beyond(format!(
            "the threshold needs {min} {what_bound}; the generator builds at most {bound}"
        )));
    }
    let window = i64::try_from(threshold.window_ms).unwrap_or(i64::MAX / 8);
    let base = solve::event(schema, witness, rng, base_ms);
    let Some(key) = group_key(&base, &threshold.group_by) else {
        return Err(NoScenario::GaveUp("the group-by fields are missing from the positive event".to_string()));
    };
    // Values of the distinct field, one per event, all different.
    let distinct: Option<(&String, Vec<Value>)> = match &threshold.distinct {
        Some(field) => {
            let count = usize::try_from(min).unwrap_or(usize::MAX);
            let values = variants(&base, field, count, cond, schema, rng);
            if values.len() < count {
                let found = format!(
                    "only {} distinct value(s) of `{field}` satisfy the condition; the threshold needs {min}",
                    values.len()
                );
                return Err(match super::proof::distinct_bound(cond, schema, field) {
                    Some(most) if most < min => {
                        NoScenario::Proven(format!("at most {most} distinct value(s) of `{field}` satisfy the condition; the threshold needs {min}"))
                    }
                    _ => NoScenario::GaveUp(found),
                });
            }
            Some((field, values))
        }
        None => None,
    };
    let time_field = &schema.event_time_field().name;
    // `count` events at `start`, `spacing` apart; with the distinct values from index
    // `from`, every `every`-th (`repeat_first`: the last one is value 0 again).
    let run =
        |event: &Value, (from, every): (u64, u64), count: u64, (start, spacing): (i64, i64), repeat_first: bool| {
            let vary = distinct.as_ref().map(|(field, values)| {
                let mut picked: Vec<Value> =
                    (0..count).map(|k| values[usize::try_from(from + k * every).unwrap_or(0)].clone()).collect();
                if let (true, Some(last)) = (repeat_first, picked.last_mut()) {
                    *last = values[0].clone();
                }
                Vary { field: field.to_string(), values: picked }
            });
            Run {
                source: source.to_string(),
                time_field: time_field.clone(),
                event: event.clone(),
                count,
                start_ms: start,
                spacing_ms: spacing,
                vary,
            }
        };
    let what = if threshold.distinct.is_some() { "distinct values" } else { "events" };
    let steps = i64::try_from(min - 1).unwrap_or(i64::MAX);
    let inside = (window - 1) / steps;
    let spread = window.saturating_add(steps - 1) / steps;
    let mut plans: Vec<Plan> = vec![(
        format!("fires: {min} {what} within the window"),
        vec![run(&base, (0, 1), min, (0, inside), false)],
        true,
    )];
    let below = match threshold.distinct {
        // The full count, but one value repeated: counting events would fire.
        Some(_) => run(&base, (0, 1), min, (0, inside), true),
        None => run(&base, (0, 1), min - 1, (0, inside), false),
    };
    plans.push((format!("below: {} {what} within the window", min - 1), vec![below], false));
    plans.push((
        format!("spread: {min} {what} spanning the whole window"),
        vec![run(&base, (0, 1), min, (0, spread), false)],
        false,
    ));
    let mut notes = Vec::new();
    match threshold.group_by.first() {
        Some(group_field) => {
            let others = variants(&base, group_field, 2, cond, schema, rng);
            match others.get(1) {
                Some(other) => {
                    // Even events keep the group, odd ones carry the other value.
                    let mut moved = base.clone();
                    moved[group_field.as_str()] = other.clone();
                    let runs = vec![
                        run(&base, (0, 2), min.div_ceil(2), (0, inside * 2), false),
                        run(&moved, (1, 2), min / 2, (inside, inside * 2), false),
                    ];
                    plans.push((format!("split: {min} {what} over two values of `{group_field}`"), runs, false));
                }
                None => {
                    notes.push(format!("no second value of `{group_field}` satisfies the condition: no split scenario"))
                }
            }
        }
        None => notes.push("no group-by fields: no split scenario".to_string()),
    }
    let mut scenarios = Vec::new();
    for (k, (label, mut runs, fires)) in plans.into_iter().enumerate() {
        let start = base_ms + k as i64 * stride(threshold.window_ms);
        for run in &mut runs {
            run.start_ms += start;
        }
        let expected = if fires { vec![key.clone()] } else { Vec::new() };
        let scenario = Scenario { label, expected, runs };
        if super::runs::fired_groups(threshold, cond, &scenario) != scenario.expected {
            if fires {
                return Err(NoScenario::GaveUp(
                    "the scenario that must fire does not, under the reference evaluator".to_string(),
                ));
            }
            notes.push(format!(
                "scenario `{}` left out: the reference evaluator does not agree with its design",
                scenario.label
            ));
            continue;
        }
        scenarios.push(scenario);
    }
    Ok(Built { scenarios, notes })
}

/// Up to `count` values of `field` (the event's own first) that keep `cond` true,
/// with different group-key texts.
pub(super) fn variants(
    event: &Value,
    field: &str,
    count: usize,
    cond: &Cond,
    schema: &Schema,
    rng: &mut Rng,
) -> Vec<Value> {
    let Some(decl) = schema.field(field) else { return Vec::new() };
    let own = event.get(field).cloned();
    let mut candidates: Vec<Value> = own.iter().cloned().collect();
    for i in 1..=count * 2 + 8 {
        candidates.extend(numbered(own.as_ref(), decl, i));
        candidates.push(filler::value(decl, rng, 0));
    }
    // The condition's own constants for the field (`t in ["a", "ab"]` allows only
    // those), then other spellings: a distinct key, but the last resort, as SIEMs
    // differ on it.
    let constants: Vec<Value> = cond
        .tests()
        .into_iter()
        .filter(|t| t.field == field)
        .flat_map(|t| match &t.op {
            TestOp::Eq(v) => std::slice::from_ref(v),
            TestOp::OneOf(values) => values.as_slice(),
            _ => &[],
        })
        .filter_map(|v| match v {
            Scalar::Str(s) | Scalar::Enum(s) => Some(Value::String(s.clone())),
            Scalar::Int(i) => Some(Value::from(*i)),
            _ => None,
        })
        .collect();
    candidates.extend(constants.iter().cloned());
    for v in own.iter().chain(&constants) {
        if let Value::String(s) = v {
            candidates.extend(super::candidates::case_variants(s).into_iter().map(Value::String));
        }
    }
    let mut out: Vec<Value> = Vec::new();
    let mut keys: HashSet<Vec<String>> = HashSet::new();
    let mut probe = event.clone();
    for v in candidates {
        probe[field] = v.clone();
        let Some(key) = group_key(&probe, &[field.to_string()]) else { continue };
        if !keys.contains(&key) && valid_for(decl, &v) && matches(cond, &probe) {
            keys.insert(key);
            out.push(v);
            if out.len() == count {
                break;
            }
        }
    }
    out
}

/// The `i`-th variation of a value that keeps its shape: text with a number
/// appended, prepended or before an `@`; numbers and addresses counted up.
fn numbered(own: Option<&Value>, decl: &Field, i: usize) -> Vec<Value> {
    match own {
        Some(Value::String(s)) if decl.ty == FieldType::Ip => match s.parse::<std::net::IpAddr>() {
            Ok(std::net::IpAddr::V4(v4)) => u32::from(v4)
                .checked_add(i as u32)
                .map(|n| Value::from(std::net::Ipv4Addr::from(n).to_string()))
                .into_iter()
                .collect(),
            Ok(std::net::IpAddr::V6(v6)) => {
                vec![Value::from(std::net::Ipv6Addr::from(u128::from(v6).wrapping_add(i as u128)).to_string())]
            }
            Err(_) => Vec::new(),
        },
        Some(Value::String(s)) => {
            let mut out = vec![Value::from(format!("{s}-{i:03}")), Value::from(format!("{i:03}-{s}"))];
            if let Some((local, domain)) = s.split_once('@') {
                out.insert(0, Value::from(format!("{local}{i}@{domain}")));
            }
            out
        }
        Some(Value::Number(n)) => {
            if decl.ty == FieldType::Int {
                // Counted up, or down where up would pass i64::MAX.
                let own = n.as_i64().unwrap_or(0);
                let i = i64::try_from(i).unwrap_or(i64::MAX);
                own.checked_add(i).or_else(|| own.checked_sub(i)).map(Value::from).into_iter().collect()
            } else {
                vec![Value::from(n.as_f64().unwrap_or(0.0) + i as f64 * 0.01)]
            }
        }
        _ => Vec::new(),
    }
}

/// Whether a value fits a field's declaration: type, range and enum values.
pub fn valid_for(field: &Field, value: &Value) -> bool {
    let in_range = |x: f64| field.range.is_none_or(|(lo, hi)| (lo..=hi).contains(&x));
    match (&field.ty, value) {
        (FieldType::String, Value::String(_)) => true,
        (FieldType::Enum(values), Value::String(s)) => values.contains(s),
        (FieldType::Int, Value::Number(n)) => n.as_i64().is_some_and(|i| in_range(i as f64)),
        (FieldType::Float, Value::Number(n)) => n.as_f64().is_some_and(in_range),
        (FieldType::Bool, Value::Bool(_)) => true,
        (FieldType::Ip, Value::String(s)) => s.parse::<std::net::IpAddr>().is_ok(),
        (FieldType::Timestamp, v) => crate::ir::time::millis(v).is_some(),
        _ => false,
    }
}

/// For a tuned count threshold, one scenario per excluded event: the minimum with one
/// of its events replaced by the excluded one (moved into the burst's group), which
/// must not fire, since exclusions remove events before counting. Placed after
/// `after_ms`, a stride apart, and checked with `ir::eval` from the runs.
pub fn threshold_exclusions(
    input: &ThresholdInput,
    excluded: &[&super::Case],
    rng: &mut Rng,
    after_ms: i64,
) -> Vec<Scenario> {
    let ThresholdInput { threshold, cond, schema, source, witness } = *input;
    let min = threshold.min.max(2);
    if threshold.distinct.is_some() || min > MAX_THRESHOLD_EVENTS {
        return Vec::new();
    }
    let time_field = &schema.event_time_field().name;
    let base = solve::event(schema, witness, rng, after_ms);
    let Some(key) = group_key(&base, &threshold.group_by) else { return Vec::new() };
    let mut out = Vec::new();
    for (i, case) in excluded.iter().enumerate() {
        let mut event = case.event.clone();
        for field in &threshold.group_by {
            if let Some(value) = crate::ir::eval::lookup(&base, field) {
                event[field.as_str()] = value.clone();
            }
        }
        // Moved into the group, it must still be one the exclusion removes.
        if matches(cond, &event) || group_key(&event, &threshold.group_by).as_ref() != Some(&key) {
            continue;
        }
        let start = after_ms + stride(threshold.window_ms) * (i as i64 + 1);
        let scenario = Scenario {
            label: format!("{} events within the window, one of them {}", min, case.label),
            expected: Vec::new(),
            runs: vec![
                Run { count: min - 1, spacing_ms: 1, ..Run::single(source, time_field, base.clone(), start) },
                Run::single(source, time_field, event, start + i64::try_from(min).unwrap_or(i64::MAX / 8)),
            ],
        };
        if super::runs::fired_groups(threshold, cond, &scenario).is_empty() {
            out.push(scenario);
        }
    }
    out
}
