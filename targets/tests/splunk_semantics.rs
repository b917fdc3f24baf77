//! The emitted SPL of every single step, run by an independent interpreter, must
//! agree with `ir::eval` on the generated events.
//!
//! Harness: for the fixture tree (every operator, hostile values) and the shipped
//! `detections/`, `events::generate(program, DEFAULT_SEED)` gives each step's
//! cases (kind `Step`: an event, its schema and the expectation `ir::eval` set).
//! Each step's rule is emitted by the Splunk backend; a step with a threshold is
//! judged on its `base_search` (the condition; the file must start with it, the
//! rest is the streamstats pipeline, covered elsewhere). The interpreter in
//! `spl/` (written from Splunk's docs: `search` precedence OR before AND, NOT vs
//! `!=`, wildcards, CIDR; `where` three-valued logic, PCRE `match`) sees each
//! event as Splunk would after HEC ingestion: renamed fields, string values,
//! `index` and `sourcetype` from the settings. Every query must parse (an
//! unsupported construct fails the test) and every event must get its expected
//! answer. The only excuse is W0507: on a step the backend flagged for non-ASCII
//! case folding, a disagreement that disappears when `search` folds Unicode is
//! the documented limitation, counted and reported, not a failure.

mod common;
mod spl;

use scalpel_compiler::diag::Code;
use scalpel_compiler::events::{self, ItemKind};
use scalpel_compiler::ir::{eval, Program, TestOp};
use scalpel_compiler::project;
use scalpel_targets::splunk::{base_search, Splunk};
use scalpel_targets::{Backend, Context, Settings};
use serde_json::Value;
use spl::{Event, Folding};
use std::path::PathBuf;

#[derive(Debug, Default)]
struct Figures {
    queries: usize,
    events: usize,
    excused: usize,
    disagreements: Vec<String>,
}

fn judge(program: &Program, tree: &str, settings: &Settings) -> Figures {
    let generated = events::generate(program, events::DEFAULT_SEED);
    assert!(generated.items.iter().any(|i| i.kind == ItemKind::Step), "no step events");
    let ctx = Context { program, tree, settings, versions: &scalpel_targets::Versions::none() };
    let splunk = &settings.splunk;
    let mut figures = Figures::default();
    for item in generated.items.iter().filter(|i| i.kind == ItemKind::Step) {
        let flow = program.flows.iter().find(|f| f.id == item.flow).expect("flow of an item");
        let step = flow.step(&item.item).expect("step of an item");
        let (Some(cond), Some(source)) = (step.detection.condition(), step.source.as_deref()) else {
            panic!("events for a step without a condition: {}", item.item);
        };
        let emitted = Splunk.emit_step(&ctx, flow, step);
        let file = &emitted.files.first().expect("a .spl file").text;
        let base = base_search(source, cond, splunk);
        let query = if step.detection.threshold().is_some() {
            assert!(file.starts_with(&format!("{base}\n|")), "{}: the rule does not start with its condition", step.id);
            base
        } else {
            assert_eq!(file.trim_end(), base, "{}: the rule is more than its condition", step.id);
            base
        };
        let parsed = spl::parse(&query).unwrap_or_else(|e| panic!("{}/{}: {e:?}\n{query}", flow.id, step.id));
        let folding_flagged = emitted.diags.iter().any(|d| d.code == Code::TargetCaseFolding);
        figures.queries += 1;
        let mut check = |label: &str, json: &Value, expect: bool| {
            let event = splunk_event(json, settings, source).unwrap_or_else(|e| panic!("{}: {e:?}", step.id));
            let keeps = |folding| parsed.keeps(&event, folding).unwrap_or_else(|e| panic!("{}: {e:?}", step.id));
            figures.events += 1;
            if keeps(Folding::Ascii) == expect {
                return;
            }
            if folding_flagged && keeps(Folding::Unicode) == expect {
                figures.excused += 1;
            } else {
                figures.disagreements.push(format!(
                    "{}/{} `{label}`: expected {expect}, SPL says {}\n  event {json}\n  query {query}",
                    flow.id, step.id, !expect
                ));
            }
        };
        for line in item.lines() {
            assert_eq!(line.source, source, "{}: a step's cases are events of its schema", step.id);
            check(line.label, &line.event, line.expect);
        }
        // PCRE's `$` also matches before a final newline; the generator never
        // writes one, so each case is tried again with `\n` after every text value
        // a regex reads, judged by `ir::eval` itself.
        let regex_fields: Vec<&str> =
            cond.tests().iter().filter(|t| matches!(t.op, TestOp::Regex { .. })).map(|t| t.field.as_str()).collect();
        for line in item.lines().filter(|_| !regex_fields.is_empty()) {
            let mut probe = line.event.clone();
            for field in &regex_fields {
                if let Some(Value::String(text)) = probe.get_mut(*field) {
                    text.push('\n');
                }
            }
            check(&format!("{} + trailing newline", line.label), &probe, eval::matches(cond, &probe));
        }
    }
    figures
}

/// The event as Splunk indexes it from HEC: renamed fields, `index` and `sourcetype`.
fn splunk_event(json: &Value, settings: &Settings, source: &str) -> spl::Result<Event> {
    let splunk = &settings.splunk;
    let object = json.as_object().ok_or_else(|| spl::Unsupported(format!("event {json}")))?;
    let renamed: serde_json::Map<String, Value> =
        object.iter().map(|(k, v)| (splunk.field(k).to_string(), v.clone())).collect();
    Event::from_json(&renamed.into(), &splunk.index, &splunk.sourcetype(source))
}

fn report(name: &str, figures: &Figures) {
    eprintln!(
        "{name}: {} queries, {} events, {} disagreements, {} excused by W0507",
        figures.queries,
        figures.events,
        figures.disagreements.len(),
        figures.excused
    );
    assert!(figures.disagreements.is_empty(), "{name}:\n{}", figures.disagreements.join("\n"));
}

#[test]
fn fixture_steps_agree_with_the_reference_evaluator() {
    let (program, settings) = common::fixture();
    let figures = judge(&program, "fixture", &settings);
    report("fixture", &figures);
    assert!(figures.queries >= 14 && figures.events > 90, "{figures:?}");
}

#[test]
fn shipped_steps_agree_with_the_reference_evaluator() {
    let compiled = project::compile(&[PathBuf::from("../detections")], &[]);
    assert!(!compiled.diags.has_errors(), "{:?}", compiled.diags);
    let (tree, settings) = Settings::for_project(&compiled.project, compiled.program.as_ref().expect("program"));
    let settings = settings.expect("settings");
    let figures = judge(compiled.program.as_ref().expect("program"), &tree, &settings);
    report("detections", &figures);
    assert!(figures.queries >= 100 && figures.events > 1000, "{figures:?}");
}

/// Fields named like Splunk's own (`host`, `index`, `source`, `sourcetype`, `_raw`,
/// `tag`, `linecount`, `date_hour`): the interpreter gives every event Splunk's
/// values for them, so a query that read Splunk's field instead of the event's
/// would disagree with `ir::eval` on the positive cases.
#[test]
fn splunk_default_field_names_read_the_events_own_values() {
    let compiled = project::compile(&[PathBuf::from("tests/fixtures/splunk-defaults")], &[]);
    assert!(!compiled.diags.has_errors(), "{:?}", compiled.diags);
    let (tree, settings) = Settings::for_project(&compiled.project, compiled.program.as_ref().expect("program"));
    let figures = judge(compiled.program.as_ref().expect("program"), &tree, &settings.expect("settings"));
    report("splunk-defaults", &figures);
    assert!(figures.queries == 4 && figures.events > 20, "{figures:?}");
}
