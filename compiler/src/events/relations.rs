//! Keeps a schema's declared `order` relations (`order bp.diastolic < bp.mean <
//! bp.systolic`) in each synthetic event, so that replay data stays plausible.
//!
//! Filler is drawn per field ([`super::filler`]); this pass then moves each filler
//! value of a relation the least distance that puts it in order: above the value
//! before it in the chain, below the next value a condition fixed. Values a
//! condition fixed never change (a detection of forged readings may fix the
//! diastolic above the systolic on purpose), and a value with no room left
//! between its neighbours keeps its filler. Moves stay inside the field's declared
//! range, so the event is still valid for the schema, and use no randomness, so
//! the same seed gives the same bytes.

use crate::schema::{FieldType, Order, Schema};
use serde_json::{Map, Value};

/// Puts the filler values of each declared `order` of `schema` in order in
/// `event`; `fixed` names the fields a condition set, which keep their values.
pub fn keep(schema: &Schema, event: &mut Map<String, Value>, fixed: &dyn Fn(&str) -> bool) {
    for order in &schema.orders {
        keep_one(schema, order, event, fixed);
    }
}

/// One link's least gap between a value and the next one's: `<` between integers
/// needs 1, between floats one step of the filler's two decimals.
fn gap(strict: bool, ty: &FieldType) -> f64 {
    match (strict, ty) {
        (false, _) => 0.0,
        (true, FieldType::Int) => 1.0,
        (true, _) => 0.01,
    }
}

fn keep_one(schema: &Schema, order: &Order, event: &mut Map<String, Value>, fixed: &dyn Fn(&str) -> bool) {
    // The chain's fields present in the event (a left-out field is no link).
    let present: Vec<(usize, &crate::schema::Field)> = order
        .fields
        .iter()
        .enumerate()
        .filter(|(_, name)| event.get(name.as_str()).is_some_and(Value::is_number))
        .filter_map(|(i, name)| Some((i, schema.field(name)?)))
        .collect();
    let number = |event: &Map<String, Value>, name: &str| event.get(name).and_then(Value::as_f64);
    // Strict if any link between chain positions `a` and `b` (a < b) is strict.
    let strict_between = |a: usize, b: usize| order.strict[a..b].iter().any(|s| *s);
    let mut below: Option<(usize, f64)> = None;
    for (k, &(at, field)) in present.iter().enumerate() {
        let Some(own) = number(event, &field.name) else { continue };
        if fixed(&field.name) {
            below = Some((at, own));
            continue;
        }
        let (lo, hi) = field.range.unwrap_or((f64::MIN, f64::MAX));
        let floor = below.map_or(lo, |(b_at, b)| (b + gap(strict_between(b_at, at), &field.ty)).max(lo));
        // The next fixed value, less the least gaps of the links up to it.
        let ceiling = present[k + 1..]
            .iter()
            .find(|(_, f)| fixed(&f.name))
            .and_then(|&(n_at, f)| {
                let n = number(event, &f.name)?;
                let gaps: f64 = (at..n_at).map(|i| gap(order.strict[i], &field.ty)).sum();
                Some(n - gaps)
            })
            .map_or(hi, |c| c.min(hi));
        // A value with no room stays out of order, and the next ones order
        // against the last value that is in order.
        if let Some(placed) = clamp(own, floor, ceiling, &field.ty) {
            if placed != own {
                let value = if field.ty == FieldType::Int { Value::from(placed as i64) } else { Value::from(placed) };
                event.insert(field.name.clone(), value);
            }
            below = Some((at, placed));
        }
    }
}

/// `value` moved into `floor..=ceiling` as the field's type writes it (integers,
/// or two decimals), or `None` when no such value lies there.
fn clamp(value: f64, floor: f64, ceiling: f64, ty: &FieldType) -> Option<f64> {
    let (floor, ceiling) = match ty {
        FieldType::Int => (floor.ceil(), ceiling.floor()),
        _ => ((floor * 100.0).ceil() / 100.0, (ceiling * 100.0).floor() / 100.0),
    };
    (floor <= ceiling).then(|| value.clamp(floor, ceiling))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Field;
    use crate::source::Span;
    use serde_json::json;

    fn field(name: &str, ty: FieldType, range: (f64, f64)) -> Field {
        Field {
            name: name.into(),
            ty,
            unit: None,
            range: Some(range),
            typical: None,
            description: None,
            span: Span::default(),
        }
    }

    fn schema() -> Schema {
        Schema {
            name: "vitals".into(),
            description: None,
            fields: vec![
                field("bp.systolic", FieldType::Int, (0.0, 300.0)),
                field("bp.diastolic", FieldType::Int, (0.0, 250.0)),
                field("bp.mean", FieldType::Int, (0.0, 250.0)),
                field("lo", FieldType::Float, (0.0, 10.0)),
                field("hi", FieldType::Float, (0.0, 10.0)),
            ],
            event_time: 0,
            orders: vec![
                Order {
                    fields: vec!["bp.diastolic".into(), "bp.mean".into(), "bp.systolic".into()],
                    strict: vec![true, true],
                },
                Order { fields: vec!["lo".into(), "hi".into()], strict: vec![false] },
            ],
            span: Span::default(),
        }
    }

    fn event(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap_or_default()
    }

    fn bp(event: &Map<String, Value>) -> (i64, i64, i64) {
        let get = |name: &str| event[name].as_i64().unwrap_or(i64::MIN);
        (get("bp.diastolic"), get("bp.mean"), get("bp.systolic"))
    }

    #[test]
    fn filler_moves_the_least_distance_into_order() {
        let schema = schema();
        // Mean below diastolic: it moves just above it; systolic is already above.
        let mut e = event(json!({"bp.diastolic": 88, "bp.mean": 75, "bp.systolic": 120, "lo": 7.5, "hi": 2.25}));
        keep(&schema, &mut e, &|_| false);
        assert_eq!(bp(&e), (88, 89, 120));
        assert_eq!((e["lo"].as_f64(), e["hi"].as_f64()), (Some(7.5), Some(7.5)), "`<=` allows equal values");
        // Already in order: nothing moves.
        let mut e = event(json!({"bp.diastolic": 70, "bp.mean": 90, "bp.systolic": 120}));
        keep(&schema, &mut e, &|_| false);
        assert_eq!(bp(&e), (70, 90, 120));
    }

    #[test]
    fn fixed_values_stay_and_filler_moves_around_them() {
        let schema = schema();
        // A condition fixed the diastolic high: mean and systolic move above it.
        let mut e = event(json!({"bp.diastolic": 240, "bp.mean": 90, "bp.systolic": 120}));
        keep(&schema, &mut e, &|f| f == "bp.diastolic");
        assert_eq!(bp(&e), (240, 241, 242));
        // A fixed low systolic: the filler below it moves under it, one gap per link.
        let mut e = event(json!({"bp.diastolic": 80, "bp.mean": 95, "bp.systolic": 50}));
        keep(&schema, &mut e, &|f| f == "bp.systolic");
        assert_eq!(bp(&e), (48, 49, 50));
        // Both ends fixed out of order (a forged reading): they stay, and the mean
        // that has no room between them keeps its filler.
        let mut e = event(json!({"bp.diastolic": 200, "bp.mean": 90, "bp.systolic": 100}));
        keep(&schema, &mut e, &|f| f != "bp.mean");
        assert_eq!(bp(&e), (200, 90, 100));
    }

    #[test]
    fn moves_stay_inside_the_declared_range_and_skip_missing_fields() {
        let schema = schema();
        // No room above a fixed diastolic of 250 for a mean ranged 0..250: kept.
        let mut e = event(json!({"bp.diastolic": 250, "bp.mean": 90, "bp.systolic": 120}));
        keep(&schema, &mut e, &|f| f == "bp.diastolic");
        assert_eq!(e["bp.mean"], 90);
        assert_eq!(e["bp.systolic"], 251, "the systolic (0..300) still has room above the diastolic");
        // A left-out mean is no link: systolic orders against the diastolic.
        let mut e = event(json!({"bp.diastolic": 100, "bp.systolic": 60}));
        keep(&schema, &mut e, &|f| f == "bp.diastolic");
        assert_eq!(e.get("bp.mean"), None);
        assert_eq!(e["bp.systolic"], 101);
    }
}
