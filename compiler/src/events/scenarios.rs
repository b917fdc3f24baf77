//! Multi-event scenarios for thresholds and sequences, each with the groups that
//! must fire (none for the negative ones), checked with `ir::eval`'s
//! `threshold_groups` and `sequence_groups` before they are kept.
//!
//! Thresholds: the minimum count inside the window (fires), one less (does not),
//! the same count spread so that the half-open window never holds it, and the
//! count split across two group keys. Sequences: the steps in order inside the
//! window (fires), reversed, with the last step one millisecond past the window,
//! and with the later steps on another join key, and on the same key in another case
//! (keys join exactly).
//!
//! A scenario that must fire but cannot be built is an error for the caller
//! (E0602); a negative one that cannot be built is left out with a note.

use super::rng::Rng;
use super::solve::{set_time, Assignment};
use super::{filler, solve, Scenario};
use crate::ir::eval::{group_key, matches, sequence_groups, threshold_groups, SequenceMember, SourcedEvent};
use crate::ir::{Cond, Sequence, Step, Threshold};
use crate::schema::{Field, FieldType, Schema};
use serde_json::Value;

/// Scenarios of one item, and what could not be built.
pub struct Built {
    pub scenarios: Vec<Scenario>,
    pub notes: Vec<String>,
}

/// Time between two scenarios of an item: longer than the window, so that they
/// never see each other, rounded up to whole minutes.
fn stride(window_ms: u64) -> i64 {
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

pub fn threshold(input: &ThresholdInput, rng: &mut Rng, base_ms: i64) -> Result<Built, String> {
    let ThresholdInput { threshold, cond, schema, source, witness } = *input;
    let min = usize::try_from(threshold.min).unwrap_or(usize::MAX).max(2);
    if min > 10_000 {
        return Err(format!("a threshold of {min} events is more than the generator builds (10000)"));
    }
    let window = i64::try_from(threshold.window_ms).unwrap_or(i64::MAX / 8);
    let base = solve::event(schema, witness, rng, base_ms);
    let Some(key) = group_key(&base, &threshold.group_by) else {
        return Err("the group-by fields are missing from every positive event".to_string());
    };
    // Values of the distinct field, one per event, all different.
    let distinct: Vec<Value> = match &threshold.distinct {
        Some(field) => {
            let values = variants(&base, field, min, cond, schema, rng);
            if values.len() < min {
                return Err(format!(
                    "only {} distinct value(s) of `{field}` satisfy the condition; the threshold needs {min}",
                    values.len()
                ));
            }
            values
        }
        None => Vec::new(),
    };
    let with_value = |i: usize| {
        let mut event = base.clone();
        if let (Some(field), Some(v)) = (&threshold.distinct, distinct.get(i)) {
            event[field.as_str()] = v.clone();
        }
        event
    };
    let mut plans: Vec<(String, Vec<Value>, Vec<i64>, bool)> = Vec::new();
    let what = if threshold.distinct.is_some() { "distinct values" } else { "events" };
    let inside = (window - 1) / (min as i64 - 1);
    let spread = (window + min as i64 - 2) / (min as i64 - 1);
    let times = |step: i64, n: usize| (0..n as i64).map(|i| i * step).collect::<Vec<_>>();
    plans.push((
        format!("fires: {min} {what} within the window"),
        (0..min).map(with_value).collect(),
        times(inside, min),
        true,
    ));
    let below: Vec<Value> = match threshold.distinct {
        // The full count, but one value repeated: counting events would fire.
        Some(_) => (0..min).map(|i| with_value(if i + 1 == min { 0 } else { i })).collect(),
        None => (0..min - 1).map(with_value).collect(),
    };
    let n = below.len();
    plans.push((format!("below: {} {what} within the window", min - 1), below, times(inside, n), false));
    plans.push((
        format!("spread: {min} {what} spanning the whole window"),
        (0..min).map(with_value).collect(),
        times(spread, min),
        false,
    ));
    let mut notes = Vec::new();
    match threshold.group_by.first() {
        Some(group_field) => {
            let others = variants(&base, group_field, 2, cond, schema, rng);
            match others.get(1) {
                Some(other) => {
                    let events = (0..min)
                        .map(|i| {
                            let mut e = with_value(i);
                            if i % 2 == 1 {
                                e[group_field.as_str()] = other.clone();
                            }
                            e
                        })
                        .collect();
                    plans.push((
                        format!("split: {min} {what} over two values of `{group_field}`"),
                        events,
                        times(inside, min),
                        false,
                    ));
                }
                None => {
                    notes.push(format!("no second value of `{group_field}` satisfies the condition: no split scenario"))
                }
            }
        }
        None => notes.push("no group-by fields: no split scenario".to_string()),
    }
    let time_field = &schema.event_time_field().name;
    let mut scenarios = Vec::new();
    for (k, (label, mut events, offsets, fires)) in plans.into_iter().enumerate() {
        let start = base_ms + k as i64 * stride(threshold.window_ms);
        for (event, offset) in events.iter_mut().zip(&offsets) {
            set_time(event, schema, start + offset);
        }
        let refs: Vec<&Value> = events.iter().collect();
        let expected = if fires { vec![key.clone()] } else { Vec::new() };
        if threshold_groups(threshold, cond, time_field, &refs) != expected {
            if fires {
                return Err("the scenario that must fire does not, under the reference evaluator".to_string());
            }
            notes.push(format!("scenario `{label}` left out: the reference evaluator does not agree with its design"));
            continue;
        }
        let events = events.into_iter().map(|e| (source.to_string(), e)).collect();
        scenarios.push(Scenario { label, expected, events });
    }
    Ok(Built { scenarios, notes })
}

/// One sequence member: its step, schema and a solved positive.
pub struct Member<'a> {
    pub step: &'a Step,
    pub keys: &'a [String],
    pub schema: &'a Schema,
    pub witness: &'a Assignment,
}

pub fn sequence(sequence: &Sequence, members: &[Member], rng: &mut Rng, base_ms: i64) -> Result<Built, String> {
    let mut bases: Vec<Value> = members.iter().map(|m| solve::event(m.schema, m.witness, rng, base_ms)).collect();
    let key_count = members.first().map_or(0, |m| m.keys.len());
    // One value per key position that every member's condition accepts.
    for pos in 0..key_count {
        let value = join_values(members, &bases, pos, 0, rng).into_iter().next().ok_or_else(|| {
            format!("no value of the join key `{}` satisfies every step of the sequence", members[0].keys[pos])
        })?;
        for (member, base) in members.iter().zip(bases.iter_mut()) {
            base[member.keys[pos].as_str()] = value.clone();
        }
    }
    let Some(key) = group_key(&bases[0], members[0].keys) else {
        return Err("the join keys are missing from the first step's events".to_string());
    };
    let n = members.len() as i64;
    let window = i64::try_from(sequence.window_ms).unwrap_or(i64::MAX / 8);
    let step = (window / (2 * (n - 1).max(1))).max(1);
    let in_order: Vec<i64> = (0..n).map(|i| i * step).collect();
    let reversed: Vec<i64> = in_order.iter().rev().copied().collect();
    let past_window: Vec<i64> = (0..n).map(|i| (window + 1) * i / (n - 1).max(1)).collect();
    let mut plans: Vec<(String, Vec<Value>, Vec<i64>, bool)> = vec![
        ("fires: the steps in order within the window".to_string(), bases.clone(), in_order.clone(), true),
        ("reversed: the steps in reverse order".to_string(), bases.clone(), reversed, false),
        ("past the window: the last step 1ms after the window closes".to_string(), bases.clone(), past_window, false),
    ];
    let mut notes = Vec::new();
    // Another join key, and (for text keys) the same key in another case: keys join
    // exactly, so both must keep the sequence from firing.
    let (other, other_case) = if key_count > 0 && members.len() > 1 {
        let own = bases[0].get(members[0].keys[0].as_str()).cloned();
        let folded = |v: &Value| v.as_str().map(str::to_lowercase);
        let candidates = join_values(members, &bases, 0, 1, rng);
        let differs = |v: &&Value| Some(*v) != own.as_ref();
        let same_folded = |v: &&Value| own.as_ref().and_then(folded).is_some_and(|o| folded(v) == Some(o));
        let other = candidates.iter().filter(differs).find(|v| !same_folded(v)).cloned();
        let other_case = candidates.iter().filter(differs).find(same_folded).cloned();
        (other, other_case)
    } else {
        (None, None)
    };
    let with_key = |value: &Value| {
        let mut events = bases.clone();
        for (member, event) in members.iter().zip(events.iter_mut()).skip(1) {
            event[member.keys[0].as_str()] = value.clone();
        }
        events
    };
    match other {
        Some(other) => plans.push((
            "other keys: the later steps carry another join key".to_string(),
            with_key(&other),
            in_order.clone(),
            false,
        )),
        None => notes.push("no second join-key value satisfies the later steps: no other-keys scenario".to_string()),
    }
    if let Some(other_case) = other_case {
        plans.push((
            "key case: the later steps carry the join key in another case".to_string(),
            with_key(&other_case),
            in_order,
            false,
        ));
    }
    let seq_members: Vec<SequenceMember> = members
        .iter()
        .map(|m| SequenceMember { step: m.step, time_field: &m.schema.event_time_field().name, keys: m.keys })
        .collect();
    let mut scenarios = Vec::new();
    for (k, (label, mut events, offsets, fires)) in plans.into_iter().enumerate() {
        let start = base_ms + k as i64 * stride(sequence.window_ms);
        for ((event, offset), member) in events.iter_mut().zip(&offsets).zip(members) {
            set_time(event, member.schema, start + offset);
        }
        let sources: Vec<&str> = members.iter().map(|m| m.step.source.as_deref().unwrap_or_default()).collect();
        let sourced: Vec<SourcedEvent> =
            events.iter().zip(&sources).map(|(event, source)| SourcedEvent { source, event }).collect();
        let expected = if fires { vec![key.clone()] } else { Vec::new() };
        if sequence_groups(sequence, &seq_members, &sourced) != expected {
            if fires {
                return Err("the scenario that must fire does not, under the reference evaluator".to_string());
            }
            notes.push(format!("scenario `{label}` left out: another step's condition also matches its events"));
            continue;
        }
        // Events in time order, as a SIEM would receive them.
        let mut timed: Vec<(i64, String, Value)> =
            events.into_iter().zip(&offsets).zip(&sources).map(|((e, o), s)| (*o, s.to_string(), e)).collect();
        timed.sort_by_key(|(o, _, _)| *o);
        scenarios.push(Scenario { label, expected, events: timed.into_iter().map(|(_, s, e)| (s, e)).collect() });
    }
    Ok(Built { scenarios, notes })
}

/// Values for key position `pos` that members `from..` all accept (type, range,
/// condition), in order of preference: the members' own values, then filler.
fn join_values(members: &[Member], bases: &[Value], pos: usize, from: usize, rng: &mut Rng) -> Vec<Value> {
    let own: Vec<Value> = members.iter().zip(bases).filter_map(|(m, b)| b.get(m.keys[pos].as_str()).cloned()).collect();
    // Other spellings of the same text: conditions match them, joins do not.
    let respelled = own.iter().filter_map(Value::as_str).flat_map(super::candidates::case_variants).map(Value::String);
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

/// Up to `count` values of `field` (the event's own first) that keep `cond` true,
/// with different group-key texts.
fn variants(event: &Value, field: &str, count: usize, cond: &Cond, schema: &Schema, rng: &mut Rng) -> Vec<Value> {
    let Some(decl) = schema.field(field) else { return Vec::new() };
    let own = event.get(field).cloned();
    let mut candidates: Vec<Value> = own.iter().cloned().collect();
    for i in 1..=count * 2 + 8 {
        candidates.extend(numbered(own.as_ref(), decl, i));
        candidates.push(filler::value(decl, rng, 0));
    }
    // Another spelling is a distinct key, but the last resort: SIEMs differ on it.
    if let Some(Value::String(s)) = &own {
        candidates.extend(super::candidates::case_variants(s).into_iter().map(Value::String));
    }
    let mut out: Vec<Value> = Vec::new();
    let mut keys: Vec<Vec<String>> = Vec::new();
    for v in candidates {
        let mut probe = event.clone();
        probe[field] = v.clone();
        let Some(key) = group_key(&probe, &[field.to_string()]) else { continue };
        if valid_for(decl, &v) && matches(cond, &probe) && !keys.contains(&key) {
            keys.push(key);
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
            let step = if decl.ty == FieldType::Int {
                Value::from(n.as_i64().unwrap_or(0) + i as i64)
            } else {
                Value::from(n.as_f64().unwrap_or(0.0) + i as f64 * 0.01)
            };
            vec![step]
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
