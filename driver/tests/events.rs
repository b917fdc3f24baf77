//! Generated events of the fixture tree: reviewed snapshots of a few steps'
//! canonical JSONL, the replay formats' shapes, and sigma-rust as a second opinion.

#[path = "../../targets/tests/common/mod.rs"]
mod common;

use scalpel_compiler::events::{self, verify, ItemEvents, ItemKind};
use scalpel_driver::engines::sigma_rust;
use scalpel_driver::replay;
use scalpel_targets::Context;
use serde_json::Value;

fn generated() -> (scalpel_compiler::ir::Program, scalpel_targets::Settings, Vec<ItemEvents>) {
    let (program, settings) = common::fixture();
    let generated = events::generate(&program, events::DEFAULT_SEED);
    assert!(generated.diags.is_empty(), "{:?}", generated.diags);
    (program, settings, generated.items)
}

fn item<'a>(items: &'a [ItemEvents], id: &str, kind: ItemKind) -> &'a ItemEvents {
    items.iter().find(|i| i.item == id && i.kind == kind).unwrap_or_else(|| panic!("no item {id}"))
}

/// The case labels, expectations and the fields the condition reads, one line per
/// event: what a reviewer checks (filler fields are left out to keep it readable).
fn digest(item: &ItemEvents, fields: &[&str]) -> String {
    let mut out = String::new();
    for line in item.lines() {
        let shown: Vec<String> = fields
            .iter()
            .map(|f| match line.event.get(*f) {
                Some(v) => format!("{f}={v}"),
                None => format!("{f}=<missing>"),
            })
            .collect();
        out.push_str(&format!("{:5} {:60} {}\n", line.expect, line.label, shown.join(" ")));
    }
    out
}

#[test]
fn fixture_events_snapshots() {
    let (_, _, items) = generated();
    let cases: &[(&str, ItemKind, &[&str])] = &[
        ("eq", ItemKind::Step, &["device.id", "sensor.kind"]),
        ("numbers", ItemKind::Step, &["heart_rate", "spo2"]),
        ("text", ItemKind::Step, &["firmware", "note"]),
        ("cidr", ItemKind::Step, &["source.ip"]),
        ("flood", ItemKind::Threshold, &["time", "device.id", "signature.valid"]),
        ("spread", ItemKind::Threshold, &["time", "source.ip", "device.id", "heart_rate"]),
        ("login_then_flood", ItemKind::Sequence, &["time", "source.ip", "action", "signature.valid"]),
    ];
    for (id, kind, fields) in cases {
        let item = item(&items, id, *kind);
        let name = format!("{}{}", id, if *kind == ItemKind::Threshold { ".threshold" } else { "" });
        insta::with_settings!({ snapshot_path => "../../snapshots/events", prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(name, digest(item, fields));
        });
    }
    // One full canonical file, as the oracles read it.
    let eq = replay::canonical(item(&items, "eq", ItemKind::Step));
    insta::with_settings!({ snapshot_path => "../../snapshots/events", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("eq.jsonl", eq);
    });
}

#[test]
fn canonical_lines_carry_expectations() {
    let (_, _, items) = generated();
    for item in &items {
        let text = replay::canonical(item);
        let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).expect("json line")).collect();
        assert_eq!(lines.len(), item.lines().count());
        assert!(lines.iter().all(|l| l["_expect"].is_boolean() && l["_case"].is_string() && l["_source"].is_string()));
    }
}

#[test]
fn replay_formats_have_their_shapes() {
    let (program, settings, items) = generated();
    let files = replay::files(&items, &program, &settings);
    let get = |path: &str| &files.iter().find(|(p, _)| p == path).unwrap_or_else(|| panic!("no {path}")).1;
    let hec: Vec<Value> =
        get("OPS-1/login_then_flood.splunk-hec.json").lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(hec.len(), 8);
    assert_eq!(hec[0]["index"], "ras");
    assert_eq!(hec[0]["sourcetype"], "ras:console");
    assert_eq!(hec[1]["sourcetype"], "ras:biosensor", "from [targets.splunk] sourcetypes");
    assert_eq!(hec[0]["time"], 1_767_225_600.0);
    assert_eq!(hec[0]["source"], "scalpel:OPS-1/login_then_flood");
    assert!(hec[0]["event"]["source.ip"].is_string());

    let bulk: Vec<Value> =
        get("OPS-1/flood.threshold.elastic-bulk.ndjson").lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(bulk.len() % 2, 0);
    for pair in bulk.chunks(2) {
        assert_eq!(pair[0]["create"]["_index"], "logs-ras.biosensor-default");
        assert!(pair[1]["@timestamp"].as_str().is_some_and(|t| t.starts_with("2026-01-01T")));
        assert!(pair[1].get("time").is_none(), "the event time moved to @timestamp");
        assert_eq!(pair[1]["event.dataset"], "ras.biosensor", "sequence rules select steps by dataset");
    }

    let rows: Vec<Value> = serde_json::from_str(get("OPS-1/login_then_flood.sentinel-RasConsole_CL.json")).unwrap();
    assert_eq!(rows.len(), 4, "one login per scenario");
    assert!(rows
        .iter()
        .all(|r| r["TimeGenerated"].is_string() && r["source_ip"].is_string() && r.get("source.ip").is_none()));

    let manifest: Value = serde_json::from_str(get("manifest.json")).unwrap();
    assert_eq!(manifest["items"].as_array().map(Vec::len), Some(items.len()));
}

#[test]
fn sigma_rust_agrees_on_generated_events() {
    let (program, settings, items) = generated();
    let ctx = Context {
        program: &program,
        tree: "fixture",
        settings: &settings,
        versions: &scalpel_targets::Versions::none(),
    };
    let mut checked = 0;
    for item in &items {
        let outcome = sigma_rust::evaluate(&ctx, item);
        assert!(outcome.failures.is_empty(), "{}: {:?}", item.item, outcome.failures);
        assert!(verify::reference(&program, item).failures.is_empty());
        match (item.kind, item.item.as_str()) {
            (ItemKind::Step, "regex_i") => {
                assert_eq!(outcome.checked, 0);
                assert!(outcome.skipped.iter().all(|(_, r)| r.contains("|re|i")));
            }
            (ItemKind::Step, _) => assert!(outcome.checked > 0, "{}", item.item),
            _ => assert!(outcome.not_applicable.is_some()),
        }
        checked += outcome.checked;
    }
    assert!(checked > 60, "only {checked} events judged");
}

/// The tuned fixture: every exclusion gets events the detection matches and the
/// exclusion removes (must not fire) and neighbours just outside it (must fire), each
/// judged by the reference evaluator and sigma-rust; a tuned threshold gets a burst
/// that one excluded event would complete, which must not fire.
#[test]
fn exclusions_get_removed_events_and_their_neighbours() {
    use scalpel_compiler::ir::eval::matches;
    let compiled = scalpel_compiler::project::compile(&[common::fixture_tree().join("../tuned")], &[]);
    let program = compiled.program.expect("tuned fixture");
    let generated = events::generate(&program, events::DEFAULT_SEED);
    assert!(generated.diags.is_empty(), "{:?}", generated.diags);
    let settings = scalpel_targets::Settings::from_table(&toml::Table::new()).expect("settings");
    let versions = scalpel_targets::Versions::none();
    let ctx = Context { program: &program, tree: "tuned", settings: &settings, versions: &versions };
    let flow = &program.flows[0];
    for step in flow.steps.iter() {
        let tuning = step.tuning.as_ref().expect("every fixture step is tuned");
        let cases = &item(&generated.items, &step.id, ItemKind::Step).cases;
        for exclusion in tuning.exclusions.iter().filter(|e| e.name != "old-calibration") {
            let removed: Vec<_> =
                cases.iter().filter(|c| c.label.starts_with(&format!("excluded by `{}`", exclusion.name))).collect();
            let kept: Vec<_> =
                cases.iter().filter(|c| c.label.starts_with(&format!("next to `{}`", exclusion.name))).collect();
            assert!(!removed.is_empty() && !kept.is_empty(), "{}: {removed:?} {kept:?}", exclusion.name);
            for case in removed {
                assert!(
                    !case.expect && matches(&tuning.untuned, &case.event) && matches(&exclusion.condition, &case.event)
                );
            }
            for case in kept {
                assert!(case.expect && matches(step.detection.condition().unwrap(), &case.event), "{case:?}");
            }
        }
        let events = item(&generated.items, &step.id, ItemKind::Step);
        assert!(verify::reference(&program, events).failures.is_empty());
        let by_sigma = sigma_rust::evaluate(&ctx, events);
        assert!(by_sigma.failures.is_empty() && by_sigma.checked == events.cases.len(), "{:?}", by_sigma.failures);
    }
    let scenarios = &item(&generated.items, "burst", ItemKind::Threshold).scenarios;
    let excluded: Vec<_> = scenarios.iter().filter(|s| s.label.contains("one of them excluded by `scanner`")).collect();
    assert_eq!(excluded.len(), 1, "{:?}", scenarios.iter().map(|s| &s.label).collect::<Vec<_>>());
    assert!(excluded[0].expected.is_empty());
}
