//! The reference evaluator: what a detection means, defined once.
//!
//! Every target is tested against these functions, and the synthetic events are
//! generated to satisfy them. The rules (see `docs/language.md`, "Semantics"):
//! tests on missing or mistyped fields are false; negation is plain boolean `not`;
//! text compares case-insensitively unless `cased`; regexes search; numbers compare
//! by value; thresholds slide a half-open window; sequences need strictly
//! increasing times within the window and equal join keys, and a threshold step
//! takes part at the events that complete its threshold.

use super::{
    time, Cond, Flow, Number, Occurrence, Ordering, Program, Scalar, Sequence, Step, Test, TestOp, TextKind, Threshold,
};
use crate::schema::FieldType;
use serde_json::Value;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::IpAddr;

/// Finds a dotted field in an event, as a flat key (`"device.id": ...`), as nested
/// objects (`"device": {"id": ...}`), or any mix of the two.
pub fn lookup<'a>(event: &'a Value, field: &str) -> Option<&'a Value> {
    let object = event.as_object()?;
    if let Some(v) = object.get(field) {
        return Some(v);
    }
    field.match_indices('.').find_map(|(i, _)| object.get(&field[..i]).and_then(|inner| lookup(inner, &field[i + 1..])))
}

/// Whether an event satisfies a condition.
pub fn matches(cond: &Cond, event: &Value) -> bool {
    match cond {
        Cond::All(parts) => parts.iter().all(|c| matches(c, event)),
        Cond::Any(parts) => parts.iter().any(|c| matches(c, event)),
        Cond::Not(inner) => !matches(inner, event),
        Cond::Test(test) => test_matches(test, event),
    }
}

/// A tuned condition: the detection's condition, and none of the exclusions'. Every
/// consumer reads this one definition: a tuned step's condition is built by it, so a
/// threshold counts only the events left after the exclusions and a sequence member
/// takes part only at them.
pub fn tuned(untuned: &Cond, exclusions: &[&Cond]) -> Cond {
    let removed = match exclusions {
        [] => return untuned.clone(),
        [one] => (*one).clone(),
        many => Cond::Any(many.iter().map(|c| (*c).clone()).collect()),
    };
    super::normalize(Cond::All(vec![untuned.clone(), Cond::Not(Box::new(removed))]))
}

/// A field's value seen through its declared type; `None` when missing, null or
/// of another type.
#[derive(Debug, Clone, PartialEq)]
pub enum Typed<'a> {
    Text(&'a str),
    Num(Number),
    Bool(bool),
    Ip(IpAddr),
    Time(i64),
}

pub fn typed<'a>(ty: &FieldType, value: &'a Value) -> Option<Typed<'a>> {
    match (ty, value) {
        (FieldType::String | FieldType::Enum(_), Value::String(s)) => Some(Typed::Text(s)),
        (FieldType::Int | FieldType::Float, Value::Number(n)) => {
            Some(Typed::Num(n.as_i64().map_or_else(|| Number::Float(n.as_f64().unwrap_or(f64::NAN)), Number::Int)))
        }
        (FieldType::Bool, Value::Bool(b)) => Some(Typed::Bool(*b)),
        (FieldType::Ip, Value::String(s)) => s.parse().ok().map(Typed::Ip),
        (FieldType::Timestamp, v) => time::millis(v).map(Typed::Time),
        _ => None,
    }
}

pub fn test_matches(test: &Test, event: &Value) -> bool {
    lookup(event, &test.field).is_some_and(|v| value_matches(test, v))
}

/// Whether the field's value (already looked up) passes the test.
pub fn value_matches(test: &Test, value: &Value) -> bool {
    let Some(value) = typed(&test.ty, value) else {
        return false;
    };
    match &test.op {
        TestOp::Exists => true,
        TestOp::Eq(scalar) => scalar_eq(&value, scalar, test.cased),
        TestOp::OneOf(scalars) => scalars.iter().any(|s| scalar_eq(&value, s, test.cased)),
        TestOp::Cmp(ord, bound) => match value {
            Typed::Num(n) => compare(n, *bound).is_some_and(|o| ordering_holds(*ord, o)),
            _ => false,
        },
        TestOp::Text { kind, values, all } => match value {
            Typed::Text(s) => {
                let hit = |v: &String| text_matches(*kind, s, v, test.cased);
                if *all {
                    values.iter().all(hit)
                } else {
                    values.iter().any(hit)
                }
            }
            _ => false,
        },
        TestOp::Regex { pattern, case_insensitive } => match value {
            Typed::Text(s) => regex_search(pattern, *case_insensitive, s),
            _ => false,
        },
        TestOp::Cidr(blocks) => match value {
            Typed::Ip(ip) => blocks.iter().any(|b| b.contains(&ip)),
            _ => false,
        },
    }
}

fn scalar_eq(value: &Typed, scalar: &Scalar, cased: bool) -> bool {
    match (value, scalar) {
        (Typed::Text(s), Scalar::Str(v) | Scalar::Enum(v)) => text_eq(s, v, cased),
        (Typed::Num(n), Scalar::Int(i)) => compare(*n, Number::Int(*i)) == Some(std::cmp::Ordering::Equal),
        (Typed::Num(n), Scalar::Float(f)) => compare(*n, Number::Float(*f)) == Some(std::cmp::Ordering::Equal),
        (Typed::Bool(b), Scalar::Bool(v)) => b == v,
        (Typed::Ip(ip), Scalar::Ip(v)) => ip == v,
        _ => false,
    }
}

/// Case-insensitive unless `cased`: both sides lower-cased (Unicode).
pub fn text_eq(value: &str, wanted: &str, cased: bool) -> bool {
    if cased {
        value == wanted
    } else if value.is_ascii() && wanted.is_ascii() {
        // The same answer without allocating: ASCII lower-cases byte by byte.
        value.eq_ignore_ascii_case(wanted)
    } else {
        value == wanted || value.to_lowercase() == wanted.to_lowercase()
    }
}

pub fn text_matches(kind: TextKind, value: &str, wanted: &str, cased: bool) -> bool {
    if !cased && value.is_ascii() && wanted.is_ascii() {
        return ascii_text_matches(kind, value.as_bytes(), wanted.as_bytes());
    }
    let folded;
    let (value, wanted) = if cased {
        (value, wanted)
    } else {
        folded = (value.to_lowercase(), wanted.to_lowercase());
        (folded.0.as_str(), folded.1.as_str())
    };
    match kind {
        TextKind::Contains => value.contains(wanted),
        TextKind::StartsWith => value.starts_with(wanted),
        TextKind::EndsWith => value.ends_with(wanted),
    }
}

/// [`text_matches`] ignoring case for ASCII text, without allocating: ASCII
/// lower-cases byte by byte, so this is the same answer.
fn ascii_text_matches(kind: TextKind, value: &[u8], wanted: &[u8]) -> bool {
    if wanted.len() > value.len() {
        return false;
    }
    match kind {
        TextKind::Contains => wanted.is_empty() || value.windows(wanted.len()).any(|w| w.eq_ignore_ascii_case(wanted)),
        TextKind::StartsWith => value[..wanted.len()].eq_ignore_ascii_case(wanted),
        TextKind::EndsWith => value[value.len() - wanted.len()..].eq_ignore_ascii_case(wanted),
    }
}

/// Numeric comparison; integers compare exactly, anything involving a float as f64.
pub fn compare(a: Number, b: Number) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (Number::Int(x), Number::Int(y)) => Some(x.cmp(&y)),
        _ => a.as_f64().partial_cmp(&b.as_f64()),
    }
}

fn ordering_holds(ord: Ordering, o: std::cmp::Ordering) -> bool {
    use std::cmp::Ordering::*;
    match ord {
        Ordering::Lt => o == Less,
        Ordering::Le => o != Greater,
        Ordering::Gt => o == Greater,
        Ordering::Ge => o != Less,
    }
}

type RegexCache = HashMap<String, Option<regex::Regex>>;

thread_local! {
    // Compiled regexes, case-sensitive ones at [0] and insensitive ones at [1]:
    // evaluation runs the same few patterns over many events, and a lookup by
    // `&str` allocates nothing.
    static REGEXES: RefCell<[RegexCache; 2]> = RefCell::new([HashMap::new(), HashMap::new()]);
}

/// Unanchored search, as `docs/language.md` defines `matches`.
pub fn regex_search(pattern: &str, case_insensitive: bool, text: &str) -> bool {
    REGEXES.with(|caches| {
        let cache = &mut caches.borrow_mut()[usize::from(case_insensitive)];
        if let Some(compiled) = cache.get(pattern) {
            return compiled.as_ref().is_some_and(|re| re.is_match(text));
        }
        let compiled = regex::RegexBuilder::new(pattern).case_insensitive(case_insensitive).build().ok();
        let hit = compiled.as_ref().is_some_and(|re| re.is_match(text));
        cache.insert(pattern.to_string(), compiled);
        hit
    })
}

/// An event tagged with the schema (log source) it belongs to.
#[derive(Debug, Clone, Copy)]
pub struct SourcedEvent<'a> {
    pub source: &'a str,
    pub event: &'a Value,
}

/// The key of a group: one canonical text per key field, so `2` and `2.0` group
/// together and strings keep their case (joins are exact).
pub type GroupKey = Vec<String>;

fn key_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => i.to_string(),
            (None, Some(f)) if f.fract() == 0.0 && f.abs() < 9.0e15 => (f as i64).to_string(),
            _ => n.to_string(),
        }),
        _ => None,
    }
}

/// The group of an event: the canonical text of each key field; `None` when one is missing.
pub fn group_key(event: &Value, fields: &[String]) -> Option<GroupKey> {
    fields.iter().map(|f| lookup(event, f).and_then(key_text)).collect()
}

/// The groups for which a threshold fires over `events` (already filtered to the
/// step's source), sorted. `time_field` is the schema's event-time field.
pub fn threshold_groups(threshold: &Threshold, cond: &Cond, time_field: &str, events: &[&Value]) -> Vec<GroupKey> {
    threshold_completions(threshold, cond, time_field, events).into_keys().collect()
}

/// When a threshold completes, per group (groups sorted, times ascending): every
/// event time `t` at which the group's events in the window that ends there,
/// `(t - window, t]`, reach the minimum. The first such time is when the threshold
/// first fires; each later one completes a window of its own, so a burst that goes
/// on keeps completing. Groups that never complete are left out. A sort and one
/// sliding pass per group: near-linear in the number of events.
pub fn threshold_completions(
    threshold: &Threshold,
    cond: &Cond,
    time_field: &str,
    events: &[&Value],
) -> BTreeMap<GroupKey, Vec<i64>> {
    let mut groups: BTreeMap<GroupKey, Vec<(i64, Option<String>)>> = BTreeMap::new();
    for event in events {
        if let Some(hit) = threshold_hit(threshold, cond, time_field, event) {
            groups.entry(hit.key).or_default().push((hit.time, hit.distinct));
        }
    }
    group_completions(threshold, groups)
}

/// What one event contributes to a threshold: its group, time and counted value.
#[derive(Debug, Clone, PartialEq)]
pub struct ThresholdHit {
    pub key: GroupKey,
    pub time: i64,
    /// The `distinct` field's canonical text (`None` when counting events).
    pub distinct: Option<String>,
}

/// The event's contribution to `threshold`, or `None` when it does not count: it
/// does not match, or lacks its time, a group field or the `distinct` field.
pub fn threshold_hit(threshold: &Threshold, cond: &Cond, time_field: &str, event: &Value) -> Option<ThresholdHit> {
    if !matches(cond, event) {
        return None;
    }
    let time = lookup(event, time_field).and_then(time::millis)?;
    let key = group_key(event, &threshold.group_by)?;
    let distinct = match &threshold.distinct {
        Some(field) => Some(lookup(event, field).and_then(key_text)?),
        None => None,
    };
    Some(ThresholdHit { key, time, distinct })
}

/// [`threshold_completions`] from the hits of each group (`(time, distinct)`, any
/// order), for callers that know many events share a hit but its time.
pub fn group_completions(
    threshold: &Threshold,
    groups: BTreeMap<GroupKey, Vec<(i64, Option<String>)>>,
) -> BTreeMap<GroupKey, Vec<i64>> {
    let window = i64::try_from(threshold.window_ms).unwrap_or(i64::MAX);
    groups
        .into_iter()
        .filter_map(|(key, mut hits)| {
            hits.sort();
            let times = completion_times(&hits, window, threshold.min, threshold.distinct.is_some());
            (!times.is_empty()).then_some((key, times))
        })
        .collect()
}

/// The times `t` of `hits` (sorted by time) at which the count (or the number of
/// distinct values) in `(t - window, t]` is at least `min`.
fn completion_times(hits: &[(i64, Option<String>)], window: i64, min: u64, distinct: bool) -> Vec<i64> {
    let mut out = Vec::new();
    let mut counts: HashMap<&str, usize> = HashMap::new();
    let (mut start, mut end) = (0, 0);
    while end < hits.len() {
        // Events of one instant enter together: the count is read after the last of them.
        let t = hits[end].0;
        while let Some((_, value)) = hits.get(end).filter(|(u, _)| *u == t) {
            if let Some(v) = value {
                *counts.entry(v.as_str()).or_default() += 1;
            }
            end += 1;
        }
        while hits[start].0 <= t.saturating_sub(window) {
            if let Some(v) = &hits[start].1 {
                if let Some(c) = counts.get_mut(v.as_str()) {
                    *c -= 1;
                    if *c == 0 {
                        counts.remove(v.as_str());
                    }
                }
            }
            start += 1;
        }
        let size = if distinct { counts.len() } else { end - start };
        if size as u64 >= min {
            out.push(t);
        }
    }
    out
}

/// A step of a sequence as the evaluator needs it.
pub struct SequenceMember<'a> {
    pub step: &'a Step,
    pub time_field: &'a str,
    pub keys: &'a [String],
    pub occurrence: Occurrence,
}

impl<'a> SequenceMember<'a> {
    /// The members of a sequence of `flow`; `None` when a step or its schema is
    /// missing, which a checked program never has.
    pub fn of(program: &'a Program, flow: &'a Flow, sequence: &'a Sequence) -> Option<Vec<SequenceMember<'a>>> {
        sequence
            .steps
            .iter()
            .map(|m| {
                let step = flow.step(&m.step)?;
                let schema = program.schema(step.source.as_deref()?)?;
                Some(SequenceMember {
                    step,
                    time_field: &schema.event_time_field().name,
                    keys: &m.keys,
                    occurrence: m.occurrence,
                })
            })
            .collect()
    }
}

/// The join-key values for which a sequence fires over `events` (any sources).
///
/// A member matches at each of its occurrences: every event that matches its
/// condition, or, for [`Occurrence::Threshold`], every completion of its threshold
/// ([`threshold_completions`], over the events of its source), keyed by the values
/// of its group at the join keys.
pub fn sequence_groups(sequence: &Sequence, members: &[SequenceMember], events: &[SourcedEvent]) -> Vec<GroupKey> {
    // Every occurrence of every member: (time, member position, join key).
    let mut timeline: Vec<(i64, usize, GroupKey)> = Vec::new();
    for (pos, member) in members.iter().enumerate() {
        let Some(cond) = member.step.detection.condition() else { continue };
        let own: Vec<&Value> =
            events.iter().filter(|e| member.step.source.as_deref() == Some(e.source)).map(|e| e.event).collect();
        match member.occurrence {
            Occurrence::Event => {
                for event in own.into_iter().filter(|e| matches(cond, e)) {
                    let time = lookup(event, member.time_field).and_then(time::millis);
                    if let (Some(t), Some(key)) = (time, group_key(event, member.keys)) {
                        timeline.push((t, pos, key));
                    }
                }
            }
            Occurrence::Threshold => {
                let Some(threshold) = member.step.detection.threshold() else { continue };
                // The join keys are among the group-by fields (checked by `sema`).
                let Some(at): Option<Vec<usize>> =
                    member.keys.iter().map(|k| threshold.group_by.iter().position(|g| g == k)).collect()
                else {
                    continue;
                };
                for (group, times) in threshold_completions(threshold, cond, member.time_field, &own) {
                    let key: GroupKey = at.iter().map(|&i| group[i].clone()).collect();
                    timeline.extend(times.into_iter().map(|t| (t, pos, key.clone())));
                }
            }
        }
    }
    timeline.sort_by_key(|(t, _, _)| *t);
    let window = i64::try_from(sequence.window_ms).unwrap_or(i64::MAX);
    // For each key and member, the latest first-occurrence time of a partial match
    // that ends at that member: a later start leaves the most room in the window.
    let mut partial: BTreeMap<&GroupKey, Vec<Option<i64>>> = BTreeMap::new();
    let mut fired = BTreeSet::new();
    let mut batch_start = 0;
    while batch_start < timeline.len() {
        let t = timeline[batch_start].0;
        let batch_end =
            timeline[batch_start..].iter().position(|(u, _, _)| *u != t).map_or(timeline.len(), |p| batch_start + p);
        // Updates from one instant see only earlier occurrences: times strictly increase.
        let mut updates: Vec<(&GroupKey, usize, i64)> = Vec::new();
        for (_, pos, key) in &timeline[batch_start..batch_end] {
            let start =
                if *pos == 0 { Some(t) } else { partial.get(key).and_then(|p| p[pos - 1]).filter(|s| t - s <= window) };
            if let Some(start) = start {
                updates.push((key, *pos, start));
            }
        }
        for (key, pos, start) in updates {
            if pos + 1 == members.len() {
                fired.insert(key.clone());
                continue;
            }
            let slots = partial.entry(key).or_insert_with(|| vec![None; members.len()]);
            slots[pos] = Some(slots[pos].map_or(start, |s| s.max(start)));
        }
        batch_start = batch_end;
    }
    fired.into_iter().collect()
}
