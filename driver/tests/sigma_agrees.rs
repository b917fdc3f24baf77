//! The emitted Sigma, evaluated by sigma-rust, must agree with `ir::eval` on events
//! generated per test: matching and not, case variants and missing fields.

#[path = "../../targets/tests/common/mod.rs"]
mod common;

use scalpel_compiler::ir::{eval, Cond, Number, Scalar, Step, TestOp};
use scalpel_targets::sigma::detection::detection;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// Steps sigma-rust cannot judge, and why; our output stays as the spec wants it.
const KNOWN_DIFFERENCES: &[(&str, &str)] = &[("regex_i", "sigma-rust does not implement the `|re|i` modifier")];

#[test]
fn sigma_rust_agrees_with_the_reference_evaluator() {
    let (program, settings) = common::fixture();
    let flow = &program.flows[0];
    let mut checked = 0;
    for step in flow.steps.iter().filter(|s| s.detection.condition().is_some()) {
        if KNOWN_DIFFERENCES.iter().any(|(id, _)| *id == step.id) {
            continue;
        }
        let cond = step.detection.condition().expect("filtered");
        let rule = rule_yaml(step, cond, &settings.sigma);
        let sigma = sigma_rust::rule_from_yaml(&rule).unwrap_or_else(|e| panic!("{}: {e}\n{rule}", step.id));
        for event in events(cond) {
            let expected = eval::matches(cond, &event);
            let parsed = sigma_rust::event_from_json(&event.to_string()).expect("event");
            assert_eq!(sigma.is_match(&parsed), expected, "step `{}` on {event}\n{rule}", step.id);
            checked += 1;
        }
    }
    assert!(checked > 300, "only {checked} events checked");
}

fn rule_yaml(step: &Step, cond: &Cond, settings: &scalpel_targets::settings::SigmaSettings) -> String {
    let mut rule = serde_norway::Mapping::new();
    rule.insert("title".into(), step.title.clone().into());
    rule.insert("logsource".into(), serde_norway::to_value(json!({"product": "ras"})).expect("yaml"));
    rule.insert("detection".into(), serde_norway::Value::Mapping(detection(cond, settings)));
    serde_norway::to_string(&rule).expect("yaml")
}

/// Values worth trying for each field the condition tests (`None` = missing).
fn candidates(cond: &Cond) -> BTreeMap<String, Vec<Option<Value>>> {
    let mut out: BTreeMap<String, Vec<Option<Value>>> = BTreeMap::new();
    for test in cond.tests() {
        let entry = out.entry(test.field.clone()).or_insert_with(|| vec![None]);
        let mut text = |s: &str| {
            for v in [s.to_string(), s.to_uppercase(), s.to_lowercase(), format!("x{s}y"), format!("{s}!")] {
                entry.push(Some(Value::String(v)));
            }
        };
        match &test.op {
            TestOp::Eq(s) => scalar_values(s, &mut text, test.ty.is_textual()),
            TestOp::OneOf(values) => values.iter().for_each(|s| scalar_values(s, &mut text, test.ty.is_textual())),
            TestOp::Text { values, .. } => {
                values.iter().for_each(|v| text(v));
                text(&values.concat());
            }
            TestOp::Regex { .. } => ["v1.2", "V1.2", "v1.x", "sysadmin", "ADM", "zzz"].iter().for_each(|v| text(v)),
            _ => {}
        }
        let entry = out.get_mut(&test.field).expect("inserted");
        match &test.op {
            TestOp::Cmp(_, bound) => {
                let values: Vec<Value> = match bound {
                    Number::Int(i) => vec![json!(i - 1), json!(i), json!(i + 1)],
                    Number::Float(f) => vec![json!(f - 0.5), json!(f), json!(f + 0.5)],
                };
                entry.extend(values.into_iter().map(Some));
            }
            TestOp::Eq(Scalar::Int(i)) => entry.extend([json!(i), json!(i + 1)].map(Some)),
            TestOp::OneOf(values) => {
                for v in values {
                    match v {
                        Scalar::Int(i) => entry.extend([json!(i), json!(i + 3)].map(Some)),
                        Scalar::Float(f) => entry.extend([json!(f), json!(f + 3.0)].map(Some)),
                        _ => {}
                    }
                }
            }
            TestOp::Eq(Scalar::Bool(_)) => entry.extend([json!(true), json!(false)].map(Some)),
            TestOp::Eq(Scalar::Ip(ip)) => entry.extend([json!(ip.to_string()), json!("192.0.2.1")].map(Some)),
            TestOp::Cidr(_) => {
                entry.extend(["10.1.2.3", "10.9.1.1", "192.0.2.1", "fd00::1", "fe80::1"].map(|v| Some(json!(v))))
            }
            TestOp::Exists => entry.push(Some(json!("present"))),
            _ => {}
        }
    }
    out
}

fn scalar_values(scalar: &Scalar, text: &mut dyn FnMut(&str), textual: bool) {
    if let (Scalar::Str(s) | Scalar::Enum(s), true) = (scalar, textual) {
        text(s);
    }
}

/// Every single-field variation of a base event, plus a deterministic spread of
/// combinations, so that `and`, `or` and `not` see both sides.
fn events(cond: &Cond) -> Vec<Value> {
    let fields: Vec<(String, Vec<Option<Value>>)> = candidates(cond).into_iter().collect();
    let mut out = Vec::new();
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    for round in 0..64 {
        let mut event = Map::new();
        for (field, values) in &fields {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            let pick = if round == 0 { 1 % values.len() } else { (seed >> 33) as usize % values.len() };
            if let Some(v) = &values[pick] {
                event.insert(field.clone(), v.clone());
            }
        }
        out.push(Value::Object(event));
    }
    for (field, values) in &fields {
        for value in values {
            let mut event = out[0].as_object().cloned().unwrap_or_default();
            match value {
                Some(v) => event.insert(field.clone(), v.clone()),
                None => event.remove(field),
            };
            out.push(Value::Object(event));
        }
    }
    out
}
