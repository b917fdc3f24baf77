//! sigma-rust 0.7 on the emitted Sigma rule of a step, event by event.
//!
//! The rule is the one `scalpel build` writes (its first YAML document: the
//! detection; a threshold's correlation follows it). Events get the Sigma field
//! names of `[targets.sigma] fields`. Known gaps, reported as skips:
//! - no `|re|i` modifier: a step with a case-insensitive regex is skipped whole;
//! - numbers of different JSON kinds never compare (`80` vs `80.5` is "not equal",
//!   not "less"): an event whose tested number is an int where the rule has a
//!   float (or the reverse) is skipped;
//! - no correlations: thresholds and sequences are not applicable.

use scalpel_compiler::events::verify::{verdict, Failure, Outcome};
use scalpel_compiler::events::{ItemEvents, ItemKind};
use scalpel_compiler::ir::eval::lookup;
use scalpel_compiler::ir::{Cond, Number, Scalar, TestOp};
use scalpel_compiler::schema::FieldType;
use scalpel_targets::backend::Backend;
use scalpel_targets::sigma::Sigma;
use scalpel_targets::Context;
use serde_json::{Map, Value};

pub const NAME: &str = "sigma-rust";

pub fn evaluate(ctx: &Context, item: &ItemEvents) -> Outcome {
    let mut out = Outcome::default();
    if item.kind != ItemKind::Step {
        out.not_applicable = Some("sigma-rust has no correlations".to_string());
        return out;
    }
    let Some(flow) = ctx.program.flows.iter().find(|f| f.id == item.flow) else { return out };
    let Some(step) = flow.step(&item.item) else { return out };
    let Some(cond) = step.detection.condition() else { return out };
    if cond.tests().iter().any(|t| matches!(t.op, TestOp::Regex { case_insensitive: true, .. })) {
        let reason = "sigma-rust has no `|re|i` modifier".to_string();
        out.skipped = (1..=item.cases.len()).map(|line| (line, reason.clone())).collect();
        return out;
    }
    let emitted = Sigma.emit_step(ctx, flow, step);
    let Some(text) = emitted.files.first().map(|f| f.text.as_str()) else { return out };
    let detection_doc = text.split("\n---\n").next().unwrap_or(text);
    let rule = match sigma_rust::rule_from_yaml(detection_doc) {
        Ok(rule) => rule,
        Err(err) => {
            out.failures.push(Failure {
                line: 0,
                label: "the emitted rule does not load".to_string(),
                expected: "a rule".to_string(),
                got: err.to_string(),
                events: Vec::new(),
            });
            return out;
        }
    };
    for (i, case) in item.cases.iter().enumerate() {
        let line = i + 1;
        if let Some(reason) = number_kind_gap(cond, &case.event) {
            out.skipped.push((line, reason));
            continue;
        }
        let renamed: Map<String, Value> = case
            .event
            .as_object()
            .map(|o| o.iter().map(|(k, v)| (ctx.settings.sigma.field(k).to_string(), v.clone())).collect())
            .unwrap_or_default();
        let event = match sigma_rust::event_from_json(&Value::Object(renamed).to_string()) {
            Ok(event) => event,
            Err(err) => {
                out.skipped.push((line, format!("sigma-rust cannot read the event: {err}")));
                continue;
            }
        };
        out.checked += 1;
        let got = rule.is_match(&event);
        if got != case.expect {
            out.failures.push(Failure {
                line,
                label: case.label.clone(),
                expected: verdict(case.expect),
                got: verdict(got),
                events: vec![case.event.clone()],
            });
        }
    }
    out
}

/// Why sigma-rust cannot judge `event`: a tested number of another JSON kind than
/// the rule's constant (which the Sigma target writes in its field's kind).
fn number_kind_gap(cond: &Cond, event: &Value) -> Option<String> {
    for test in cond.tests() {
        let written_as_float = |float: bool| match test.ty {
            FieldType::Float => true,
            FieldType::Int => false,
            _ => float,
        };
        let constants: Vec<bool> = match &test.op {
            TestOp::Cmp(_, n) => vec![written_as_float(matches!(n, Number::Float(_)))],
            TestOp::Eq(s) => float_kind(s).map(written_as_float).into_iter().collect(),
            TestOp::OneOf(values) => values.iter().filter_map(float_kind).map(written_as_float).collect(),
            _ => continue,
        };
        let Some(Value::Number(n)) = lookup(event, &test.field) else { continue };
        let event_is_float = !(n.is_i64() || n.is_u64());
        if constants.iter().any(|is_float| *is_float != event_is_float) {
            return Some(format!(
                "sigma-rust never compares a{} event value with a{} constant (`{}`)",
                if event_is_float { " float" } else { "n int" },
                if event_is_float { "n int" } else { " float" },
                test.field
            ));
        }
    }
    None
}

fn float_kind(s: &Scalar) -> Option<bool> {
    match s {
        Scalar::Int(_) => Some(false),
        Scalar::Float(_) => Some(true),
        _ => None,
    }
}
