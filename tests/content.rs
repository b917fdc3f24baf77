//! The shipped RAS content (`detections/`): it checks clean, covers every
//! published CSA telesurgery flow, every technique-carrying step is detected or
//! says why not, and the README's flow table is the true one.

use scalpel_compiler::ir::{Detection, Program};
use scalpel_compiler::project;
use std::path::PathBuf;

fn shipped() -> Program {
    let compiled = project::compile(&[PathBuf::from("detections")], &[]);
    let diags = compiled.diags.into_sorted();
    assert!(diags.is_empty(), "detections/ must check clean (warnings included): {diags:#?}");
    compiled.program.expect("a program")
}

#[test]
fn all_31_flows_are_shipped() {
    let program = shipped();
    assert_eq!(program.flows.len(), 31, "one flow per CSA telesurgery attack flow");
    assert!(program.schemas.len() >= 12, "telemetry schemas for every RAS component");
}

#[test]
fn every_step_is_detected_or_says_why_not() {
    for flow in shipped().flows {
        assert!(!flow.steps.is_empty(), "{} has no steps", flow.id);
        for step in &flow.steps {
            // A technique, or the reason none fits (`technique none "..."`), never both.
            match &step.no_technique {
                Some(reason) => {
                    assert!(step.techniques.is_empty(), "{}/{}: technique none and ids", flow.id, step.id);
                    assert!(reason.len() >= 20, "{}/{}: say why no technique fits", flow.id, step.id);
                }
                None => assert!(!step.techniques.is_empty(), "{}/{}: no technique", flow.id, step.id),
            }
            match &step.detection {
                Detection::Condition { .. } => {
                    assert!(!step.false_positives.is_empty(), "{}/{}: list known false positives", flow.id, step.id);
                }
                Detection::Undetectable { reason } => {
                    assert!(
                        reason.len() >= 20 && !reason.contains("TODO"),
                        "{}/{}: give a real reason",
                        flow.id,
                        step.id
                    );
                }
            }
            assert!(
                step.techniques.is_empty() || !step.references.is_empty(),
                "{}/{}: reference its ATT&CK technique",
                flow.id,
                step.id
            );
        }
        assert!(flow.steps.iter().any(|s| s.detection.condition().is_some()), "{}: nothing detectable at all", flow.id);
    }
}

/// Every flow the CSA published has a flow here: the ids come from our own record of
/// the published flows (`tests/data/csa-flows.toml`, facts only), so this runs anywhere.
#[test]
fn flow_ids_match_the_published_list() {
    #[derive(serde::Deserialize)]
    struct Published {
        flow: Vec<PublishedFlow>,
    }
    #[derive(serde::Deserialize)]
    struct PublishedFlow {
        id: String,
        title: String,
        form: String,
    }
    let text = std::fs::read_to_string("tests/data/csa-flows.toml").expect("tests/data/csa-flows.toml");
    let published: Published = toml::from_str(&text).expect("csa-flows.toml parses");
    assert_eq!(published.flow.len(), 31, "the CSA published 31 telesurgery flows");
    let program = shipped();
    let ours: Vec<&str> = program.flows.iter().map(|f| f.id.as_str()).collect();
    let mut missing = Vec::new();
    for flow in &published.flow {
        assert!(
            !flow.title.is_empty() && ["attack-flow-builder", "image"].contains(&flow.form.as_str()),
            "{}",
            flow.id
        );
        // A flow published twice under one id is told apart with a suffix (AF-13-v1).
        if !ours.iter().any(|o| *o == flow.id || o.starts_with(&format!("{}-", flow.id))) {
            missing.push(flow.id.clone());
        }
    }
    assert!(missing.is_empty(), "published flows without a .det flow: {missing:?}");
}

/// The flow table, as the README shows it.
fn flow_table(program: &Program) -> String {
    let mut out = String::from(
        "| flow | title | steps | detections | thresholds | sequences | undetectable |\n|---|---|---|---|---|---|---|\n",
    );
    let mut flows: Vec<_> = program.flows.iter().collect();
    flows.sort_by_key(|f| scalpel_driver::coverage::natural_key(&f.id));
    for f in flows {
        let detected = f.steps.iter().filter(|s| s.detection.condition().is_some()).count();
        let thresholds = f.steps.iter().filter(|s| s.detection.threshold().is_some()).count();
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} |\n",
            f.id,
            f.title,
            f.steps.len(),
            detected,
            thresholds,
            f.sequences.len(),
            f.steps.len() - detected
        ));
    }
    out
}

/// `AF2-10` after `AF2-9`: numbers compare as numbers.

#[test]
fn readme_flow_table_is_current() {
    let table = flow_table(&shipped());
    let readme = std::fs::read_to_string("README.md").unwrap();
    let start =
        readme.find("<!-- flows:start -->\n").expect("README has a flow table") + "<!-- flows:start -->\n".len();
    let end = readme.find("<!-- flows:end -->").expect("README flow table ends");
    assert_eq!(&readme[start..end], table, "README flow table is stale; replace it with:\n{table}");
}

/// Every shipped detection has events that prove it: positives and near misses
/// for each step, scenarios for each threshold and sequence, all valid for their
/// schema and all confirmed by the reference evaluator.
#[test]
fn every_detection_has_positive_and_negative_events() {
    use scalpel_compiler::events::{self, verify, ItemKind};
    let program = shipped();
    let generated = events::generate(&program, events::DEFAULT_SEED);
    assert!(generated.diags.is_empty(), "{:#?}", generated.diags);
    let detectable: usize =
        program.flows.iter().flat_map(|f| &f.steps).filter(|s| s.detection.condition().is_some()).count();
    let thresholds = program.flows.iter().flat_map(|f| &f.steps).filter(|s| s.detection.threshold().is_some()).count();
    let sequences: usize = program.flows.iter().map(|f| f.sequences.len()).sum();
    let count = |k: ItemKind| generated.items.iter().filter(|i| i.kind == k).count();
    assert_eq!(
        (count(ItemKind::Step), count(ItemKind::Threshold), count(ItemKind::Sequence)),
        (detectable, thresholds, sequences)
    );
    for item in &generated.items {
        let name = format!("{}/{}", item.flow, item.item);
        assert!(verify::reference(&program, item).failures.is_empty(), "{name}");
        match item.kind {
            ItemKind::Step => {
                assert!(item.cases.iter().any(|c| c.expect), "{name}: no positive");
                assert!(item.cases.iter().any(|c| !c.expect), "{name}: no negative");
            }
            _ => {
                assert!(item.scenarios.iter().any(|s| !s.expected.is_empty()), "{name}: no firing scenario");
                assert!(
                    item.scenarios.iter().filter(|s| s.expected.is_empty()).count() >= 2,
                    "{name}: {:?}",
                    item.notes
                );
            }
        }
        for line in item.lines() {
            let schema = program.schema(line.source).expect("schema");
            for (field, value) in line.event.as_object().expect("object") {
                let decl = schema.field(field).unwrap_or_else(|| panic!("{name}: `{field}` not in {}", schema.name));
                assert!(events::valid_for(decl, value), "{name}: {field} = {value} invalid");
            }
        }
    }
}

/// The 17 shipped sequences with a threshold step join it on its threshold, each says
/// so (`threshold step`, with a comment saying why), and each has the scenarios that
/// tell that meaning from "every matching event": one event short of the threshold,
/// the threshold completing after the next step, and its events too far apart.
#[test]
fn threshold_sequences_say_how_they_join_and_are_tested_for_it() {
    use scalpel_compiler::events::{self, ItemKind};
    use scalpel_compiler::ir::Occurrence;
    let program = shipped();
    let generated = events::generate(&program, events::DEFAULT_SEED);
    let mut found = 0;
    for flow in &program.flows {
        let text = std::fs::read_to_string(&flow.file).expect("flow file");
        for sequence in &flow.sequences {
            let thresholds: Vec<(usize, &str)> = sequence
                .steps
                .iter()
                .enumerate()
                .filter(|(_, m)| flow.step(&m.step).is_some_and(|s| s.detection.threshold().is_some()))
                .map(|(i, m)| (i, m.step.as_str()))
                .collect();
            if thresholds.is_empty() {
                continue;
            }
            found += 1;
            let name = format!("{}/{}", flow.id, sequence.id);
            let header = format!("sequence {} ", sequence.id);
            let at = text.find(&header).unwrap_or_else(|| panic!("{name}: not in {}", flow.file));
            let comment = text[..at].trim_end().lines().last().unwrap_or_default();
            assert!(comment.trim_start().starts_with("//"), "{name}: no comment says which meaning it uses");
            let item = generated
                .items
                .iter()
                .find(|i| i.kind == ItemKind::Sequence && i.flow == flow.id && i.item == sequence.id)
                .unwrap_or_else(|| panic!("{name}: no events"));
            assert!(item.notes.is_empty(), "{name}: {:?}", item.notes);
            for (i, step) in thresholds {
                let member = &sequence.steps[i];
                assert_eq!(member.occurrence, Occurrence::Threshold, "{name}: `{step}` joins on single events");
                let mut wanted = vec![format!("below: `{step}`"), format!("sparse: `{step}`")];
                if i + 1 < sequence.steps.len() {
                    wanted.push(format!("late: `{step}`"));
                }
                for label in wanted {
                    let scenario = item.scenarios.iter().find(|s| s.label.starts_with(&label));
                    let scenario = scenario.unwrap_or_else(|| panic!("{name}: no `{label}` scenario"));
                    assert!(scenario.expected.is_empty(), "{name}: `{label}` fires");
                }
            }
        }
    }
    assert_eq!(found, 17, "sequences with a threshold step");
}
