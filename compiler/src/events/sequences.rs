//! Multi-event scenarios for sequences, each with the join keys that must fire
//! (none for the negative ones), checked with `ir::eval::sequence_groups` before
//! they are kept.
//!
//! Each member takes part with one event, or, when it joins on its threshold
//! ([`Occurrence::Threshold`]), with a burst: the threshold's minimum of events
//! (distinct values of the counted field for `distinct`) inside its window, the last
//! one at the member's slot. Scenarios: the steps in order inside the window
//! (fires), reversed, the last step one millisecond past the window, the later steps
//! on another join key, and on the same key in another case (keys join exactly).
//! Per threshold member, the scenarios that tell its meaning from "every matching
//! event": its condition matched one time fewer than the threshold needs (`below`),
//! its threshold completing only after the next step (`late`), and its minimum of
//! events spread so that no window holds them (`sparse`). None of these fire.
//!
//! A scenario that must fire but cannot be built is an error for the caller
//! (E0602); a negative one whose design `ir::eval` does not confirm is left out
//! with a note.

use super::rng::Rng;
use super::runs::{self, Run};
use super::scenarios::{stride, valid_for, variants, Built, NoScenario};
use super::solve::{self, set_time, Assignment};
use super::{candidates, filler, Scenario};
use crate::ir::eval::{group_key, matches, sequence_groups, SequenceMember, SourcedEvent};
use crate::ir::{Cond, Occurrence, Sequence, Step, Threshold};
use crate::schema::Schema;
use serde_json::Value;

/// The most events a threshold member contributes to a sequence scenario (W0604
/// beyond): sequence scenarios are confirmed by `ir::eval` event by event.
pub const MAX_BURST: usize = 10_000;

/// One sequence member: its step, how it joins, its schema and a solved positive.
pub struct Member<'a> {
    pub step: &'a Step,
    pub keys: &'a [String],
    pub occurrence: Occurrence,
    pub schema: &'a Schema,
    pub witness: &'a Assignment,
}

/// The events a member contributes, the last one at its slot.
struct Burst<'a> {
    events: Vec<Value>,
    /// Milliseconds between two events of the burst; its whole span is inside the
    /// threshold's window.
    spacing: i64,
    threshold: Option<&'a Threshold>,
}

impl<'a> Burst<'a> {
    fn new(member: &Member<'a>, base: &Value, rng: &mut Rng) -> Result<Burst<'a>, NoScenario> {
        let threshold = match (member.occurrence, member.step.detection.threshold()) {
            (Occurrence::Threshold, Some(threshold)) => threshold,
            _ => return Ok(Burst { events: vec![base.clone()], spacing: 0, threshold: None }),
        };
        let min = usize::try_from(threshold.min).unwrap_or(usize::MAX).max(2);
        if min > MAX_BURST {
            return Err(NoScenario::Beyond(format!(
                "the threshold of `{}` needs {min} events; inside a sequence the generator builds at most {MAX_BURST}",
                member.step.id
            )));
        }
        let events = match &threshold.distinct {
            Some(field) => {
                let cond = member
                    .step
                    .detection
                    .condition()
                    .ok_or_else(|| NoScenario::GaveUp("the step has no condition".into()))?;
                let values = variants(base, field, min, cond, member.schema, rng);
                if values.len() < min {
                    let found = format!(
                        "only {} distinct value(s) of `{field}` satisfy `{}`; its threshold needs {min}",
                        values.len(),
                        member.step.id
                    );
                    return Err(match super::proof::distinct_bound(cond, member.schema, field) {
                        Some(most) if most < min as u64 => NoScenario::Proven(format!(
                            "at most {most} distinct value(s) of `{field}` satisfy `{}`; its threshold needs {min}",
                            member.step.id
                        )),
                        _ => NoScenario::GaveUp(found),
                    });
                }
                values
                    .into_iter()
                    .map(|v| {
                        let mut event = base.clone();
                        event[field.as_str()] = v;
                        event
                    })
                    .collect()
            }
            None => vec![base.clone(); min],
        };
        let window = i64::try_from(threshold.window_ms).unwrap_or(i64::MAX / 8);
        Ok(Burst { events, spacing: (window - 1) / (min as i64 - 1), threshold: Some(threshold) })
    }

    /// The first `count` events, spaced `spacing` apart, the last at `end`.
    fn ending_at(&self, end: i64, count: usize, spacing: i64) -> Vec<(Value, i64)> {
        let count = count.min(self.events.len());
        self.events[..count]
            .iter()
            .enumerate()
            .map(|(k, e)| (e.clone(), end - (count - 1 - k) as i64 * spacing))
            .collect()
    }
}

/// Events of a scenario before they get their times: `(member, event, offset)`.
type Placed = Vec<(usize, Value, i64)>;

/// A scenario before its events get their times.
struct Plan {
    label: String,
    placed: Placed,
    fires: bool,
}

pub fn sequence(sequence: &Sequence, members: &[Member], rng: &mut Rng, base_ms: i64) -> Result<Built, NoScenario> {
    let mut bases: Vec<Value> = members.iter().map(|m| solve::event(m.schema, m.witness, rng, base_ms)).collect();
    let key_count = members.first().map_or(0, |m| m.keys.len());
    // One value per key position that every member's condition accepts.
    for pos in 0..key_count {
        let value = join_values(members, &bases, pos, 0, rng).into_iter().next().ok_or_else(|| {
            let why =
                format!("no value of the join key `{}` satisfies every step of the sequence", members[0].keys[pos]);
            let pins: Option<Vec<(&Cond, &str)>> =
                members.iter().map(|m| Some((m.step.detection.condition()?, m.keys[pos].as_str()))).collect();
            if pins.is_some_and(|pins| super::proof::join_key_pinned_apart(&pins)) {
                NoScenario::Proven(format!("{why}: each step pins it to other values"))
            } else {
                NoScenario::GaveUp(why)
            }
        })?;
        for (member, base) in members.iter().zip(bases.iter_mut()) {
            base[member.keys[pos].as_str()] = value.clone();
        }
    }
    let Some(key) = group_key(&bases[0], members[0].keys) else {
        return Err(NoScenario::GaveUp("the join keys are missing from the first step's events".to_string()));
    };
    keep_apart(members, &mut bases, rng, base_ms);
    let bursts: Vec<Burst> =
        members.iter().zip(&bases).map(|(m, base)| Burst::new(m, base, rng)).collect::<Result<_, _>>()?;
    let n = members.len();
    let window = i64::try_from(sequence.window_ms).unwrap_or(i64::MAX / 8);
    let step = (window / (2 * (n as i64 - 1).max(1))).max(1);
    let in_order: Vec<i64> = (0..n as i64).map(|i| i * step).collect();
    let reversed: Vec<i64> = in_order.iter().rev().copied().collect();
    let past_window: Vec<i64> = (0..n as i64).map(|i| (window + 1) * i / (n as i64 - 1).max(1)).collect();
    // Every member complete, the last event of each at its slot.
    let complete = |slots: &[i64]| -> Placed {
        bursts
            .iter()
            .zip(slots)
            .enumerate()
            .flat_map(|(m, (burst, &slot))| {
                burst.ending_at(slot, burst.events.len(), burst.spacing).into_iter().map(move |(e, t)| (m, e, t))
            })
            .collect()
    };
    let plan = |label: &str, placed, fires| Plan { label: label.to_string(), placed, fires };
    let mut plans = vec![
        plan("fires: the steps in order within the window", complete(&in_order), true),
        plan("reversed: the steps in reverse order", complete(&reversed), false),
        plan("past the window: the last step 1ms after the window closes", complete(&past_window), false),
    ];
    let mut notes = Vec::new();
    let (other, other_case) = other_keys(members, &bases, key_count, rng);
    let with_key = |value: &Value| {
        let mut placed = complete(&in_order);
        for (m, event, _) in placed.iter_mut().filter(|(m, _, _)| *m > 0) {
            event[members[*m].keys[0].as_str()] = value.clone();
        }
        placed
    };
    match other {
        Some(other) => plans.push(plan("other keys: the later steps carry another join key", with_key(&other), false)),
        None => notes.push("no second join-key value satisfies the later steps: no other-keys scenario".to_string()),
    }
    if let Some(other_case) = other_case {
        plans.push(plan("key case: the later steps carry the join key in another case", with_key(&other_case), false));
    }
    for (i, burst) in bursts.iter().enumerate() {
        let Some(threshold) = burst.threshold else { continue };
        plans.extend(threshold_plans(members, &bursts, i, threshold, &in_order, &complete));
    }
    let mut scenarios = Vec::new();
    let (lead, stride_ms) = layout(&plans, sequence.window_ms, bursts.iter().any(|b| b.threshold.is_some()));
    let seq_members: Vec<SequenceMember> = members
        .iter()
        .map(|m| SequenceMember {
            step: m.step,
            time_field: &m.schema.event_time_field().name,
            keys: m.keys,
            occurrence: m.occurrence,
        })
        .collect();
    let sources: Vec<&str> = members.iter().map(|m| m.step.source.as_deref().unwrap_or_default()).collect();
    for (k, Plan { label, mut placed, fires }) in plans.into_iter().enumerate() {
        let start = base_ms + lead + k as i64 * stride_ms;
        for (m, event, offset) in &mut placed {
            set_time(event, members[*m].schema, start + *offset);
        }
        let sourced: Vec<SourcedEvent> =
            placed.iter().map(|(m, event, _)| SourcedEvent { source: sources[*m], event }).collect();
        let expected = if fires { vec![key.clone()] } else { Vec::new() };
        if sequence_groups(sequence, &seq_members, &sourced) != expected {
            if fires {
                return Err(NoScenario::GaveUp(
                    "the scenario that must fire does not, under the reference evaluator".to_string(),
                ));
            }
            notes.push(format!("scenario `{label}` left out: the reference evaluator does not agree with its design"));
            continue;
        }
        // Events in time order, as a SIEM would receive them.
        placed.sort_by_key(|(_, _, offset)| *offset);
        let events = placed.into_iter().map(|(m, e, offset)| {
            let time_field = &members[m].schema.event_time_field().name;
            Run::single(sources[m], time_field, e, start + offset)
        });
        scenarios.push(Scenario { label, expected, runs: runs::merge_copies(events) });
    }
    Ok(Built { scenarios, notes })
}

/// Re-rolls the filler of a member's event that another member of the same source
/// also matches (its join keys kept), so that each event stands for its own step: a
/// burst of such events would otherwise also be occurrences of the other step. When
/// no filler helps (a field the other step tests always holds there), the fields only
/// the other steps test are left out. No randomness is used when the events are
/// apart already.
fn keep_apart(members: &[Member], bases: &mut [Value], rng: &mut Rng, base_ms: i64) {
    let overlaps = |i: usize, event: &Value| {
        members.iter().enumerate().any(|(j, other)| {
            j != i
                && other.step.source == members[i].step.source
                && other.step.detection.condition().is_some_and(|c| matches(c, event))
        })
    };
    for i in 0..members.len() {
        if !overlaps(i, &bases[i]) {
            continue;
        }
        let Some(cond) = members[i].step.detection.condition() else { continue };
        for _ in 0..16 {
            let mut event = solve::event(members[i].schema, members[i].witness, rng, base_ms);
            for key in members[i].keys {
                if let Some(value) = bases[i].get(key.as_str()) {
                    event[key.as_str()] = value.clone();
                }
            }
            if matches(cond, &event) && !overlaps(i, &event) {
                bases[i] = event;
                break;
            }
        }
        if overlaps(i, &bases[i]) {
            let time = members[i].schema.event_time_field().name.as_str();
            let mut own: Vec<&str> = cond.tests().iter().map(|t| t.field.as_str()).collect();
            own.push(time);
            let mut event = bases[i].clone();
            let others = members.iter().filter(|o| o.step.source == members[i].step.source);
            for test in others.filter_map(|o| o.step.detection.condition()).flat_map(|c| c.tests()) {
                let field = test.field.as_str();
                if !own.contains(&field) && !members[i].keys.iter().any(|k| k == field) {
                    if let Some(object) = event.as_object_mut() {
                        object.remove(field);
                    }
                }
            }
            if matches(cond, &event) && !overlaps(i, &event) {
                bases[i] = event;
            }
        }
    }
}

/// `below`, `late` (when a step follows) and `sparse` for the threshold member `i`.
fn threshold_plans(
    members: &[Member],
    bursts: &[Burst],
    i: usize,
    threshold: &Threshold,
    in_order: &[i64],
    complete: &dyn Fn(&[i64]) -> Placed,
) -> Vec<Plan> {
    let name = &members[i].step.id;
    let burst = &bursts[i];
    let min = burst.events.len();
    let what = match &threshold.distinct {
        Some(field) => format!("distinct `{field}`"),
        None => "events".to_string(),
    };
    // The in-order scenario with member `i`'s events replaced.
    let replaced = |events: Vec<(Value, i64)>| {
        let mut placed: Placed = complete(in_order).into_iter().filter(|(m, _, _)| *m != i).collect();
        placed.extend(events.into_iter().map(|(e, t)| (i, e, t)));
        placed
    };
    let mut plans = vec![Plan {
        label: format!("below: `{name}` matches with {} {what}, one short of its threshold", min - 1),
        placed: replaced(burst.ending_at(in_order[i], min - 1, burst.spacing)),
        fires: false,
    }];
    if let Some(next) = members.get(i + 1) {
        // The whole burst just before the next step, but its last event just after it.
        let completion = in_order[i + 1] + 1;
        let spacing = (completion - 1 - in_order[i]).min(burst.spacing * (min as i64 - 1)) / (min as i64 - 1);
        plans.push(Plan {
            label: format!("late: `{name}` completes its threshold only after `{}`", next.step.id),
            placed: replaced(burst.ending_at(completion, min, spacing)),
            fires: false,
        });
    }
    // Each event one window and a millisecond after the one before: no window holds two.
    let window = i64::try_from(threshold.window_ms).unwrap_or(i64::MAX / 8);
    let sparse = burst.ending_at(in_order[i], min, window + 1);
    let shift = sparse.first().map_or(0, |(_, t)| in_order[i] - t);
    plans.push(Plan {
        label: format!(
            "sparse: `{name}` matches with {min} {what}, never {min} within {}",
            crate::ir::time::duration_text(threshold.window_ms)
        ),
        placed: replaced(sparse.into_iter().map(|(e, t)| (e, t + shift)).collect()),
        fires: false,
    });
    plans
}

/// How far before slot 0 the earliest event of any plan lies, and the time between
/// two scenarios: more than any plan's extent plus the windows, so that scenarios
/// never see each other in a SIEM that reads them all at once. Sequences without
/// threshold members keep the layout they always had.
fn layout(plans: &[Plan], window_ms: u64, bursts: bool) -> (i64, i64) {
    if !bursts {
        return (0, stride(window_ms));
    }
    let offsets = || plans.iter().flat_map(|p| p.placed.iter().map(|(_, _, t)| *t));
    let lead = -offsets().min().unwrap_or(0).min(0);
    let extent = offsets().max().unwrap_or(0) + lead;
    (lead, stride(u64::try_from(extent).unwrap_or(0).max(window_ms)))
}

/// Another join-key value, and (for text keys) the same key in another case, that
/// the later steps accept.
fn other_keys(members: &[Member], bases: &[Value], key_count: usize, rng: &mut Rng) -> (Option<Value>, Option<Value>) {
    if key_count == 0 || members.len() < 2 {
        return (None, None);
    }
    let own = bases[0].get(members[0].keys[0].as_str()).cloned();
    let folded = |v: &Value| v.as_str().map(str::to_lowercase);
    let candidates = join_values(members, bases, 0, 1, rng);
    let differs = |v: &&Value| Some(*v) != own.as_ref();
    let same_folded = |v: &&Value| own.as_ref().and_then(folded).is_some_and(|o| folded(v) == Some(o));
    let other = candidates.iter().filter(differs).find(|v| !same_folded(v)).cloned();
    let other_case = candidates.iter().filter(differs).find(same_folded).cloned();
    (other, other_case)
}

/// Values for key position `pos` that members `from..` all accept (type, range,
/// condition), in order of preference: the members' own values, then filler.
fn join_values(members: &[Member], bases: &[Value], pos: usize, from: usize, rng: &mut Rng) -> Vec<Value> {
    let own: Vec<Value> = members.iter().zip(bases).filter_map(|(m, b)| b.get(m.keys[pos].as_str()).cloned()).collect();
    // Other spellings of the same text: conditions match them, joins do not.
    let respelled = own.iter().filter_map(Value::as_str).flat_map(candidates::case_variants).map(Value::String);
    let mut candidates: Vec<Value> = own.iter().cloned().chain(respelled.collect::<Vec<_>>()).collect();
    if let Some(field) = members[from].schema.field(&members[from].keys[pos]) {
        candidates.extend((0..16).map(|_| filler::value(field, rng, 0)));
    }
    let mut out: Vec<Value> = Vec::new();
    for v in candidates {
        let accepted = members.iter().zip(bases).skip(from).all(|(m, base)| {
            let name = m.keys[pos].as_str();
            let mut event = base.clone();
            event[name] = v.clone();
            m.schema.field(name).is_some_and(|f| valid_for(f, &v))
                && m.step.detection.condition().is_some_and(|c| matches(c, &event))
        });
        if accepted && !out.contains(&v) {
            out.push(v);
        }
    }
    out
}
