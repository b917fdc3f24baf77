//! A conjunction of literals → field values that satisfy it, and whole events.
//!
//! Fields are independent in a conjunction, so each is solved alone: the first
//! candidate ([`super::candidates`]) that every literal on the field accepts under
//! `ir::eval`, or the field left out when only negative literals remain (a test on
//! a missing field is false, so its negation holds).

use super::candidates::{candidates, Style};
use super::checks::Checks;
use super::dnf::Literal;
use super::proof::{self, Why};
use super::rng::Rng;
use super::{filler, relations};
use crate::ir::time;
use crate::ir::TestOp;
use crate::schema::Schema;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// Field → value, or `None` for "leave the field out".
pub type Assignment = BTreeMap<String, Option<Value>>;

/// A field for which no candidate satisfies the term's literals, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsolved {
    pub field: String,
    pub why: Why,
}

/// A field with more negated constants than this tries its filler before building
/// candidates: a value unlike every constant is then the likely answer, and the
/// candidates (several per constant) cost the size of the condition.
const FILLER_FIRST_FROM: usize = 64;

/// Values for the fields `term` constrains, or the first field that has no
/// candidate satisfying all its literals.
pub fn solve(
    term: &[&Literal],
    schema: &Schema,
    style: Style,
    rng: &mut Rng,
    base_ms: i64,
) -> Result<Assignment, Unsolved> {
    let mut by_field: BTreeMap<&str, Vec<&Literal>> = BTreeMap::new();
    for lit in term {
        by_field.entry(lit.test.field.as_str()).or_default().push(lit);
    }
    let mut out = Assignment::new();
    for (name, lits) in by_field {
        let Some(field) = schema.field(name) else {
            let why = Why::Proven(format!("`{name}` is not a field of the schema"));
            return Err(Unsolved { field: name.to_string(), why });
        };
        let checks = Checks::new(&lits);
        let filler = filler::value(field, rng, base_ms);
        let all_negative = lits.iter().all(|l| !l.positive);
        if all_negative && constants(&lits) > FILLER_FIRST_FROM && checks.accept(&filler) {
            out.insert(name.to_string(), Some(filler));
            continue;
        }
        let found = candidates(field, &lits, style, filler, base_ms);
        match found.values.into_iter().find(|v| checks.accept(v)) {
            Some(v) => out.insert(name.to_string(), Some(v)),
            None if all_negative => out.insert(name.to_string(), None),
            None => return Err(Unsolved { field: name.to_string(), why: proof::why(field, &lits, found.beyond) }),
        };
    }
    Ok(out)
}

/// How many constants the literals name.
fn constants(lits: &[&Literal]) -> usize {
    lits.iter()
        .map(|l| match &l.test.op {
            TestOp::OneOf(values) => values.len(),
            TestOp::Text { values, .. } => values.len(),
            _ => 1,
        })
        .sum()
}

/// A whole event: filler for every schema field, then `assignment`, then the event
/// time (unless the assignment leaves the time field out); filler of related fields
/// kept in order ([`relations`]). Keys are the schema's
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
    relations::keep(schema, &mut map, &|name| assignment.contains_key(name));
    Value::Object(map)
}

/// Moves an event to another time (no-op when it has no time field).
pub fn set_time(event: &mut Value, schema: &Schema, time_ms: i64) {
    let name = &schema.event_time_field().name;
    if let Some(slot) = event.get_mut(name) {
        *slot = json!(time::format_rfc3339(time_ms));
    }
}
