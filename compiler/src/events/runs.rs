//! Compact scenarios: a scenario is a few [`Run`]s (one event, a count, a spacing),
//! not its events written out, so a threshold over a million events costs a few
//! hundred bytes. [`Scenario::events`] expands it, in time order, for a replay
//! format that needs every event; [`fired_groups`] judges a threshold scenario with
//! `ir::eval` from the runs, one match per distinct event rather than per copy.

use super::{ItemEvents, Line, Scenario};
use crate::ir::eval::{self, GroupKey};
use crate::ir::{time, Cond, Threshold};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// `count` copies of one event of `source`, the k-th at `start_ms + k * spacing_ms`
/// (its `time_field` set to that time); with `vary`, the k-th copy also has the
/// k-th value at that field (the values of a `distinct` threshold).
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    pub source: String,
    pub time_field: String,
    pub event: Value,
    pub count: u64,
    pub start_ms: i64,
    pub spacing_ms: i64,
    pub vary: Option<Vary>,
}

/// One field's value per copy of a run; `values.len()` is at least the run's count.
#[derive(Debug, Clone, PartialEq)]
pub struct Vary {
    pub field: String,
    pub values: Vec<Value>,
}

impl Run {
    /// One event at one time.
    pub fn single(source: &str, time_field: &str, event: Value, at_ms: i64) -> Run {
        Run {
            source: source.to_string(),
            time_field: time_field.to_string(),
            event,
            count: 1,
            start_ms: at_ms,
            spacing_ms: 0,
            vary: None,
        }
    }

    /// The time of copy `k`.
    pub fn time_of(&self, k: u64) -> i64 {
        let k = i64::try_from(k).unwrap_or(i64::MAX);
        self.start_ms.saturating_add(k.saturating_mul(self.spacing_ms))
    }

    /// Copy `k`, whole.
    pub fn copy(&self, k: u64) -> Value {
        let mut event = self.event.clone();
        if let Some(vary) = &self.vary {
            if let Some(v) = usize::try_from(k).ok().and_then(|k| vary.values.get(k)) {
                event[vary.field.as_str()] = v.clone();
            }
        }
        if event.get(&self.time_field).is_some() {
            event[self.time_field.as_str()] = json!(time::format_rfc3339(self.time_of(k)));
        }
        event
    }
}

impl Scenario {
    /// How many events the scenario has.
    pub fn event_count(&self) -> u64 {
        self.runs.iter().map(|r| r.count).sum()
    }

    /// Every event, `(source, event)`, in time order (copies of one instant in run
    /// order): a merge of the runs, one event in memory at a time.
    pub fn events(&self) -> impl Iterator<Item = (&str, Value)> + '_ {
        let mut next: Vec<u64> = vec![0; self.runs.len()];
        std::iter::from_fn(move || {
            let (i, run) = self
                .runs
                .iter()
                .enumerate()
                .filter(|(i, r)| next[*i] < r.count)
                .min_by_key(|(i, r)| (r.time_of(next[*i]), *i))?;
            let k = next[i];
            next[i] += 1;
            Some((run.source.as_str(), run.copy(k)))
        })
    }
}

impl ItemEvents {
    /// Every event in file order: cases, or each scenario's events in turn,
    /// expanded one at a time.
    pub fn lines(&self) -> impl Iterator<Item = Line<'_>> + '_ {
        let cases = self.cases.iter().map(|c| Line {
            source: &c.source,
            event: c.event.clone(),
            label: &c.label,
            expect: c.expect,
        });
        let scenarios = self.scenarios.iter().flat_map(|s| {
            let expect = !s.expected.is_empty();
            s.events().map(move |(source, event)| Line { source, event, label: &s.label, expect })
        });
        cases.chain(scenarios)
    }

    /// How many lines [`ItemEvents::lines`] gives, and how many of them expect an alert.
    pub fn line_counts(&self) -> (u64, u64) {
        let cases = self.cases.len() as u64;
        let positive_cases = self.cases.iter().filter(|c| c.expect).count() as u64;
        let events = |firing: bool| -> u64 {
            self.scenarios.iter().filter(|s| !firing || !s.expected.is_empty()).map(Scenario::event_count).sum()
        };
        (cases + events(false), positive_cases + events(true))
    }
}

/// Runs in time order with each stretch of copies of one event, evenly spaced,
/// merged into one run: a threshold member's burst becomes one run. Expanding the
/// result gives the input's events in the input's order.
pub fn merge_copies(runs: impl IntoIterator<Item = Run>) -> Vec<Run> {
    let mut out: Vec<Run> = Vec::new();
    for run in runs {
        if let Some(last) = out.last_mut() {
            let next_at = run.start_ms;
            let gap = next_at - last.time_of(last.count - 1);
            let fits = run.count == 1
                && run.vary.is_none()
                && last.vary.is_none()
                && run.source == last.source
                && run.time_field == last.time_field
                && (last.count == 1 || gap == last.spacing_ms)
                && same_but_time(&last.event, &run.event, &run.time_field);
            if fits {
                if last.count == 1 {
                    last.spacing_ms = gap;
                }
                last.count += 1;
                continue;
            }
        }
        out.push(run);
    }
    out
}

/// Whether two events have the same fields and values, the time field aside.
fn same_but_time(a: &Value, b: &Value, time_field: &str) -> bool {
    match (a.as_object(), b.as_object()) {
        (Some(a), Some(b)) => {
            a.len() == b.len()
                && a.iter().all(|(k, v)| k == time_field || b.get(k) == Some(v))
                && a.contains_key(time_field) == b.contains_key(time_field)
        }
        _ => a == b,
    }
}

/// The groups for which `threshold` fires on the scenario's events (all of one
/// source), by `ir::eval`. Each distinct event of a run is evaluated once (copies
/// differ only in their time, and in `vary` values, each evaluated): a condition
/// cannot compare timestamps (only `exists`), so every copy matches, and groups, as
/// its first does. The windows are then counted by `ir::eval` over one hit per copy.
pub fn fired_groups(threshold: &Threshold, cond: &Cond, scenario: &Scenario) -> Vec<GroupKey> {
    let mut groups: BTreeMap<GroupKey, Vec<(i64, Option<String>)>> = BTreeMap::new();
    for run in &scenario.runs {
        if run.vary.is_some() {
            for k in 0..run.count {
                if let Some(hit) = eval::threshold_hit(threshold, cond, &run.time_field, &run.copy(k)) {
                    groups.entry(hit.key).or_default().push((hit.time, hit.distinct));
                }
            }
        } else if let Some(hit) = eval::threshold_hit(threshold, cond, &run.time_field, &run.copy(0)) {
            let hits = groups.entry(hit.key).or_default();
            hits.extend((0..run.count).map(|k| (run.time_of(k), hit.distinct.clone())));
        }
    }
    eval::group_completions(threshold, groups).into_keys().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn single(source: &str, value: i64, at: i64) -> Run {
        Run::single(source, "t", json!({ "t": time::format_rfc3339(at), "v": value }), at)
    }

    #[test]
    fn merged_runs_expand_to_the_same_events_in_the_same_order() {
        let input = vec![
            single("a", 1, 0),
            single("a", 1, 10),
            single("a", 1, 20),
            single("b", 2, 20),
            single("a", 1, 25),
            single("a", 3, 30),
            single("a", 3, 30),
        ];
        let expanded = |runs: Vec<Run>| {
            let scenario = Scenario { label: String::new(), expected: Vec::new(), runs };
            scenario.events().map(|(s, e)| (s.to_string(), e)).collect::<Vec<_>>()
        };
        let merged = merge_copies(input.clone());
        assert_eq!(merged.iter().map(|r| r.count).collect::<Vec<_>>(), [3, 1, 1, 2]);
        assert_eq!(expanded(merged), expanded(input));
    }

    #[test]
    fn runs_interleave_by_time_and_count_without_expanding() {
        let mut a = single("a", 1, 0);
        a.count = 1_000_000_000;
        a.spacing_ms = 2;
        let b = single("b", 2, 3);
        let scenario = Scenario { label: String::new(), expected: Vec::new(), runs: vec![a, b] };
        assert_eq!(scenario.event_count(), 1_000_000_001);
        let first: Vec<(String, i64)> =
            scenario.events().take(4).map(|(s, e)| (s.to_string(), time::millis(&e["t"]).unwrap_or(-1))).collect();
        let want = [("a", 0), ("a", 2), ("b", 3), ("a", 4)].map(|(s, t)| (s.to_string(), t));
        assert_eq!(first, want);
    }
}
