//! A conjunction of literals → field values that satisfy it, and whole events.
//!
//! Fields are independent in a conjunction, so each is solved alone: the first
//! candidate ([`super::candidates`]) that every literal on the field accepts under
//! `ir::eval`, or the field left out when only negative literals remain (a test on
//! a missing field is false, so its negation holds).

use super::candidates::{candidates, Style};
use super::dnf::Literal;
use super::filler;
use super::rng::Rng;
use crate::ir::eval::test_matches;
use crate::ir::time;
use crate::ir::Test;
use crate::schema::Schema;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// Field → value, or `None` for "leave the field out".
pub type Assignment = BTreeMap<String, Option<Value>>;

/// Values for the fields `term` constrains, or `None` when some field has no
/// candidate that satisfies all its literals.
pub fn solve(term: &[Literal], schema: &Schema, style: Style, rng: &mut Rng, base_ms: i64) -> Option<Assignment> {
    let mut by_field: BTreeMap<&str, Vec<&Literal>> = BTreeMap::new();
    for lit in term {
        by_field.entry(lit.test.field.as_str()).or_default().push(lit);
    }
    let mut out = Assignment::new();
    for (name, lits) in by_field {
        let field = schema.field(name)?;
        let filler = filler::value(field, rng, base_ms);
        let hit = candidates(field, &lits, style, filler, base_ms)
            .into_iter()
            .find(|v| lits.iter().all(|l| holds(&l.test, v) == l.positive));
        match hit {
            Some(v) => out.insert(name.to_string(), Some(v)),
            None if lits.iter().all(|l| !l.positive) => out.insert(name.to_string(), None),
            None => return None,
        };
    }
    Some(out)
}

fn holds(test: &Test, value: &Value) -> bool {
    test_matches(test, &json!({ test.field.as_str(): value }))
}

/// A whole event: filler for every schema field, then `assignment`, then the event
/// time (unless the assignment leaves the time field out). Keys are the schema's
/// dotted field names, flat.
pub fn event(schema: &Schema, assignment: &Assignment, rng: &mut Rng, time_ms: i64) -> Value {
    let mut map = Map::new();
    for field in &schema.fields {
        map.insert(field.name.clone(), filler::value(field, rng, time_ms));
    }
    let time_field = &schema.event_time_field().name;
    map.insert(time_field.clone(), json!(time::format_rfc3339(time_ms)));
    for (name, value) in assignment {
        match value {
            Some(v) if name != time_field => map.insert(name.clone(), v.clone()),
            Some(_) => None,
            None => map.remove(name),
        };
    }
    Value::Object(map)
}

/// Moves an event to another time (no-op when it has no time field).
pub fn set_time(event: &mut Value, schema: &Schema, time_ms: i64) {
    let name = &schema.event_time_field().name;
    if let Some(slot) = event.get_mut(name) {
        *slot = json!(time::format_rfc3339(time_ms));
    }
}
