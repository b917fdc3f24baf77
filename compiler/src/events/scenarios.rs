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
use super::solve::{set_time, Assignment};
use super::{filler, solve, Scenario};
use crate::ir::eval::{group_key, matches, threshold_groups};
use crate::ir::{Cond, Threshold};
use crate::schema::{Field, FieldType, Schema};
use serde_json::Value;

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
