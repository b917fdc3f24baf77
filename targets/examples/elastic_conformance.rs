//! Dumps, for every step and sequence of a detection tree, the Elastic queries
//! Scalpel emits and events whose answer `ir::eval` knows, for the external
//! oracles (`eql_oracle.py`, `lucene_oracle.py`, `esql_check.py`).
//!
//! ```text
//! cargo run -p scalpel-targets --example elastic_conformance -- TREE OUT
//! python3 targets/examples/elastic_oracles.py OUT [ORACLES]
//! ```
//!
//! `OUT/checks.tsv` lists `engine  query  events  mapping` (events and mapping
//! may be `-`). Each event line carries `_expect` (the reference answer) and,
//! where a documented limit of the oracle engine makes it answer otherwise,
//! `_known` with the reason (EQL's Python engine folds case everywhere and
//! anchors regexes at the start only; the Lucene harness knows `field:*` on
//! keyword fields only; EQL orders equal timestamps by tiebreaker). Events use the
//! Elastic layout: renamed fields, `@timestamp` in epoch milliseconds and
//! `event.dataset`.

use scalpel_compiler::ir::{eval, Cond, Flow, Number, Program, Scalar, Step, TestOp};
use scalpel_compiler::project;
use scalpel_compiler::schema::{FieldType, Schema};
use scalpel_targets::elastic::{eql, esql, lucene, regex};
use scalpel_targets::settings::ElasticSettings;
use scalpel_targets::Settings;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

const BASE_TIME_MS: i64 = 1_767_225_600_000; // 2026-01-01T00:00:00Z

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [tree, out] = args.as_slice() else {
        return Err("usage: elastic_conformance TREE OUT".into());
    };
    let compiled = project::compile(&[PathBuf::from(tree)], &[]);
    if compiled.diags.has_errors() {
        return Err(format!("{tree} does not check"));
    }
    let program = compiled.program.ok_or("no program")?;
    let settings = Settings::for_project(&compiled.project).1.map_err(|d| d.message)?.elastic;
    let out = PathBuf::from(out);
    std::fs::create_dir_all(&out).map_err(|e| e.to_string())?;
    let mut checks = String::new();
    for schema in &program.schemas {
        write(&out.join(format!("{}.mapping.json", schema.name)), &mapping(schema, &settings).to_string())?;
    }
    for flow in &program.flows {
        for step in flow.steps.iter().filter(|s| s.detection.condition().is_some()) {
            dump_step(&program, &settings, flow, step, &out, &mut checks)?;
        }
        for sequence in &flow.sequences {
            dump_sequence(&program, &settings, flow, sequence, &out, &mut checks)?;
        }
    }
    write(&out.join("checks.tsv"), &checks)
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    }
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

fn dump_step(
    program: &Program,
    settings: &ElasticSettings,
    flow: &Flow,
    step: &Step,
    out: &Path,
    checks: &mut String,
) -> Result<(), String> {
    let (Some(cond), Some(source)) = (step.detection.condition(), step.source.as_deref()) else { return Ok(()) };
    let schema = program.schema(source).ok_or("unknown schema")?;
    let field = |name: &str| settings.field(Some(schema), name);
    let base = out.join(&flow.id).join(&step.id);
    let stem = base.display().to_string();
    let mapping = out.join(format!("{source}.mapping.json")).display().to_string();
    let mut diags = Vec::new();
    write(&PathBuf::from(format!("{stem}.eql")), &eql::step_query(cond, &field, &mut diags))?;
    write(&PathBuf::from(format!("{stem}.lucene")), &lucene::condition(cond, &field, &mut diags))?;
    let events = events(cond);
    let eql_view = python_eql_view(cond);
    let lucene_view = lucene_harness_view(cond);
    let (mut eql_lines, mut lucene_lines) = (String::new(), String::new());
    for (i, event) in events.iter().enumerate() {
        let expect = eval::matches(cond, event);
        let elastic = elastic_event(event, schema, settings, BASE_TIME_MS + i as i64 * 1000);
        let known = (eval::matches(&eql_view, event) != expect)
            .then_some("eql engine: case-insensitive everywhere, regex anchored at the start only");
        writeln!(eql_lines, "{}", tagged(&elastic, expect, known)).ok();
        let known = (eval::matches(&lucene_view, event) != expect)
            .then_some("lucene harness: `field:*` matches keyword fields only (Elasticsearch: any type)");
        writeln!(lucene_lines, "{}", tagged(&elastic, expect, known)).ok();
    }
    write(&PathBuf::from(format!("{stem}.eql.jsonl")), &eql_lines)?;
    write(&PathBuf::from(format!("{stem}.lucene.jsonl")), &lucene_lines)?;
    writeln!(checks, "eql\t{stem}.eql\t{stem}.eql.jsonl\t-").ok();
    writeln!(checks, "lucene\t{stem}.lucene\t{stem}.lucene.jsonl\t{mapping}").ok();
    if let Some(threshold) = step.detection.threshold() {
        let time = field(&schema.event_time_field().name);
        let query = esql::threshold_query(&settings.index(source), cond, threshold, &time, &field, &mut diags);
        write(&PathBuf::from(format!("{stem}.esql")), &query)?;
        writeln!(checks, "esql\t{stem}.esql\t-\t-").ok();
    }
    Ok(())
}

/// Per join key, one event per member step at chosen offsets; `ir::eval` says
/// which keys fire, and a firing key's events all belong to its sequence.
fn dump_sequence(
    program: &Program,
    settings: &ElasticSettings,
    flow: &Flow,
    sequence: &scalpel_compiler::ir::Sequence,
    out: &Path,
    checks: &mut String,
) -> Result<(), String> {
    let mut members = Vec::new();
    let mut samples = Vec::new();
    for member in &sequence.steps {
        let step = flow.step(&member.step).ok_or("unknown step")?;
        let (Some(cond), Some(source)) = (step.detection.condition(), step.source.as_deref()) else { return Ok(()) };
        let schema = program.schema(source).ok_or("unknown schema")?;
        let Some(sample) = events(cond).into_iter().find(|e| eval::matches(cond, e)) else {
            eprintln!("skipped {}/{}: no matching event found for {}", flow.id, sequence.id, step.id);
            return Ok(());
        };
        samples.push((step, schema, sample));
        members.push(eql::Member {
            cond,
            dataset: settings.dataset(source),
            keys: member.keys.iter().map(|k| settings.field(Some(schema), k)).collect(),
            field: Box::new(move |name: &str| settings.field(Some(schema), name)),
        });
    }
    let window = i64::try_from(sequence.window_ms).unwrap_or(i64::MAX / 4);
    let n = samples.len() as i64;
    // Offsets of each member's event: in order, reversed, too slow, at the
    // window's edge, all at one instant.
    let spread = (window / n.max(1)).max(1);
    let scenarios: Vec<(&str, Vec<i64>)> = vec![
        ("in order", (0..n).map(|i| i * spread / 2).collect()),
        ("reversed", (0..n).map(|i| (n - 1 - i) * spread / 2).collect()),
        ("too slow", (0..n).map(|i| i * (window + 1000) / (n - 1).max(1)).collect()),
        ("at the edge", (0..n).map(|i| i * window / (n - 1).max(1)).collect()),
        ("same instant", vec![0; n as usize]),
    ];
    let sequence_members: Vec<eval::SequenceMember> = samples
        .iter()
        .zip(&sequence.steps)
        .map(|((step, schema, _), member)| eval::SequenceMember {
            step,
            time_field: &schema.event_time_field().name,
            keys: &member.keys,
        })
        .collect();
    let mut lines = String::new();
    for (s, (scenario, offsets)) in scenarios.iter().enumerate() {
        // Scenarios are further apart than the window, so each is judged alone.
        let start = BASE_TIME_MS + s as i64 * (window + 60_000) * 2;
        let Some(events) = scenario_events(sequence, &samples, s, start, offsets) else {
            eprintln!("skipped {}/{} `{scenario}`: no join key satisfies every step", flow.id, sequence.id);
            continue;
        };
        let sourced: Vec<eval::SourcedEvent> = events
            .iter()
            .zip(&samples)
            .map(|(event, (step, _, _))| eval::SourcedEvent {
                source: step.source.as_deref().unwrap_or_default(),
                event,
            })
            .collect();
        let expect = !eval::sequence_groups(sequence, &sequence_members, &sourced).is_empty();
        for (event, (_, schema, _)) in events.iter().zip(&samples) {
            let mut elastic = elastic_event(event, schema, settings, 0);
            if let Some(object) = elastic.as_object_mut() {
                object.insert("event.dataset".into(), json!(settings.dataset(&schema.name)));
            }
            let known = (*scenario == "same instant" && !expect)
                .then_some("equal timestamps: EQL orders them by tiebreaker, ir::eval needs increasing times (W0502)");
            writeln!(lines, "{}", tagged(&elastic, expect, known)).ok();
        }
    }
    let mut diags = Vec::new();
    let stem = out.join(&flow.id).join(&sequence.id).display().to_string();
    write(&PathBuf::from(format!("{stem}.eql")), &eql::sequence_query(&members, sequence.window_ms, &mut diags))?;
    write(&PathBuf::from(format!("{stem}.eql.jsonl")), &lines)?;
    writeln!(checks, "eql\t{stem}.eql\t{stem}.eql.jsonl\t-").ok();
    Ok(())
}

/// One event per member at `start + offset`, joined on one key tuple: the
/// scenario's own, else one of the samples' (when the conditions test the keys);
/// `None` when no tuple keeps every member matching.
fn scenario_events(
    sequence: &scalpel_compiler::ir::Sequence,
    samples: &[(&Step, &Schema, Value)],
    scenario: usize,
    start: i64,
    offsets: &[i64],
) -> Option<Vec<Value>> {
    let key_count = sequence.steps.first().map_or(0, |m| m.keys.len());
    let own: Vec<Value> =
        (0..key_count).map(|i| key_value(samples[0].1, &sequence.steps[0].keys[i], scenario)).collect();
    let from_samples = samples.iter().zip(&sequence.steps).filter_map(|((_, _, sample), member)| {
        member.keys.iter().map(|k| eval::lookup(sample, k).cloned()).collect::<Option<Vec<Value>>>()
    });
    std::iter::once(own).chain(from_samples).find_map(|tuple| {
        let events: Vec<Value> = samples
            .iter()
            .zip(&sequence.steps)
            .zip(offsets)
            .map(|(((_, schema, sample), member), offset)| {
                let mut event = sample.as_object().cloned().unwrap_or_default();
                for (key, value) in member.keys.iter().zip(&tuple) {
                    event.insert(key.clone(), value.clone());
                }
                event.insert(schema.event_time_field().name.clone(), json!(start + offset));
                Value::Object(event)
            })
            .collect();
        let all_match = events
            .iter()
            .zip(samples)
            .all(|(e, (step, _, _))| step.detection.condition().is_some_and(|c| eval::matches(c, e)));
        all_match.then_some(events)
    })
}

/// A distinct key value per scenario, of the key field's type.
fn key_value(schema: &Schema, key: &str, scenario: usize) -> Value {
    match schema.field(key).map(|f| &f.ty) {
        Some(FieldType::Int | FieldType::Float) => json!(1000 + scenario),
        Some(FieldType::Ip) => json!(format!("192.0.2.{}", 10 + scenario)),
        Some(FieldType::Bool) => json!(scenario % 2 == 0),
        _ => json!(format!("key-{scenario}")),
    }
}

fn tagged(event: &Value, expect: bool, known: Option<&str>) -> Value {
    let mut object = event.as_object().cloned().unwrap_or_default();
    object.insert("_expect".into(), json!(expect));
    if let Some(reason) = known {
        object.insert("_known".into(), json!(reason));
    }
    Value::Object(object)
}

/// The event with Elastic field names; the event time as epoch ms `@timestamp`.
fn elastic_event(event: &Value, schema: &Schema, settings: &ElasticSettings, default_time: i64) -> Value {
    let mut out = Map::new();
    let time_field = &schema.event_time_field().name;
    for (key, value) in event.as_object().into_iter().flatten() {
        out.insert(settings.field(Some(schema), key), value.clone());
    }
    if !event.get(time_field).is_some_and(|v| v.is_number()) {
        out.insert(settings.field(Some(schema), time_field), json!(default_time));
    }
    Value::Object(out)
}

/// Lucene field types of a schema in the Elastic layout (strings are keywords).
fn mapping(schema: &Schema, settings: &ElasticSettings) -> Value {
    let mut out = Map::new();
    for field in &schema.fields {
        let ty = match field.ty {
            FieldType::String | FieldType::Enum(_) => "keyword",
            FieldType::Int | FieldType::Timestamp => "long",
            FieldType::Float => "double",
            FieldType::Bool => "boolean",
            FieldType::Ip => "ip",
        };
        out.insert(settings.field(Some(schema), &field.name), json!(ty));
    }
    Value::Object(out)
}

/// What the `eql` Python engine computes: every comparison case-insensitive, and
/// `regex` as Python's `re.match` (anchored at the start only) of our pattern.
fn python_eql_view(cond: &Cond) -> Cond {
    map_tests(cond, &|test| {
        let mut test = test.clone();
        test.cased = false;
        if let TestOp::Regex { pattern, case_insensitive } = &test.op {
            let lucene = regex::search(pattern, *case_insensitive).pattern;
            test.op = TestOp::Regex { pattern: format!("(?s)^(?:{lucene})"), case_insensitive: true };
        }
        test
    })
}

/// What the Lucene harness computes: `field:*` is a wildcard on terms, which
/// point-indexed fields (numbers, booleans are terms, IPs) do not have.
fn lucene_harness_view(cond: &Cond) -> Cond {
    map_tests(cond, &|test| {
        let mut test = test.clone();
        if matches!(test.op, TestOp::Exists) && matches!(test.ty, FieldType::Int | FieldType::Float | FieldType::Ip) {
            test.op = TestOp::Cidr(Vec::new()); // a test that is always false
            test.ty = FieldType::Ip;
        }
        test
    })
}

fn map_tests(cond: &Cond, f: &dyn Fn(&scalpel_compiler::ir::Test) -> scalpel_compiler::ir::Test) -> Cond {
    match cond {
        Cond::All(parts) => Cond::All(parts.iter().map(|p| map_tests(p, f)).collect()),
        Cond::Any(parts) => Cond::Any(parts.iter().map(|p| map_tests(p, f)).collect()),
        Cond::Not(inner) => Cond::Not(Box::new(map_tests(inner, f))),
        Cond::Test(test) => Cond::Test(f(test)),
    }
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
            TestOp::Eq(Scalar::Str(s) | Scalar::Enum(s)) => text(s),
            TestOp::OneOf(values) => values.iter().for_each(|v| {
                if let Scalar::Str(s) | Scalar::Enum(s) = v {
                    text(s)
                }
            }),
            TestOp::Text { values, .. } => {
                values.iter().for_each(|v| text(v));
                text(&values.concat());
            }
            TestOp::Regex { pattern, .. } => {
                for sample in regex_samples(pattern) {
                    text(&sample);
                }
            }
            _ => {}
        }
        let entry = out.get_mut(&test.field).expect("inserted");
        let numbers: Vec<Value> = match &test.op {
            TestOp::Cmp(_, Number::Int(i)) | TestOp::Eq(Scalar::Int(i)) => vec![json!(i - 1), json!(i), json!(i + 1)],
            TestOp::Cmp(_, Number::Float(f)) | TestOp::Eq(Scalar::Float(f)) => {
                vec![json!(f - 0.5), json!(f), json!(f + 0.5)]
            }
            TestOp::OneOf(values) => values
                .iter()
                .flat_map(|v| match v {
                    Scalar::Int(i) => vec![json!(i), json!(i + 3)],
                    Scalar::Float(f) => vec![json!(f), json!(f + 3.0)],
                    Scalar::Ip(ip) => vec![json!(ip.to_string())],
                    Scalar::Bool(b) => vec![json!(b), json!(!b)],
                    _ => vec![],
                })
                .collect(),
            TestOp::Eq(Scalar::Bool(_)) => vec![json!(true), json!(false)],
            TestOp::Eq(Scalar::Ip(ip)) => vec![json!(ip.to_string()), json!("192.0.2.1")],
            TestOp::Cidr(blocks) => {
                let mut ips: Vec<Value> = blocks.iter().map(|b| json!(b.addr().to_string())).collect();
                ips.extend(["10.1.2.3", "10.9.1.1", "192.0.2.1", "fd00::1", "fe80::1"].map(|v| json!(v)));
                ips
            }
            TestOp::Exists => vec![match test.ty {
                FieldType::Int => json!(1),
                FieldType::Float => json!(1.5),
                FieldType::Bool => json!(true),
                FieldType::Ip => json!("192.0.2.7"),
                _ => json!("present"),
            }],
            _ => vec![],
        };
        entry.extend(numbers.into_iter().map(Some));
    }
    out
}

/// Strings near a regex: its literal pieces, alone and embedded, and fixed probes.
fn regex_samples(pattern: &str) -> Vec<String> {
    let pieces: Vec<String> =
        pattern.split(|c: char| "^$()[]{}|*+?\\".contains(c)).filter(|p| p.len() > 1).map(String::from).collect();
    let mut out: Vec<String> = pieces.clone();
    out.push(pieces.concat());
    out.extend(["v1.2", "V1.2x", "sysadmin", "ADM", "zzz", "a.key", "http://10.0.0.1/x"].map(String::from));
    out
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
