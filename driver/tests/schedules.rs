//! The schedule arithmetic of every shipped rule, read back from the emitted files:
//! each scheduled target runs the rule at its severity's interval and looks back
//! over at least window + interval + ingestion delay (or says it cannot, W0512), so
//! every match is complete inside the run whose slice it completes in. The windows
//! are derived here from the IR, not from `scalpel_targets::schedule`.

use scalpel_compiler::diag::Code;
use scalpel_compiler::ir::{Flow, Occurrence, Severity};
use scalpel_compiler::project;
use scalpel_driver::build;
use scalpel_targets::ids::rule_id;
use scalpel_targets::templates::Templates;
use scalpel_targets::{Settings, Target};
use std::collections::BTreeMap;
use std::path::Path;

const MINUTE: u64 = 60_000;
const DELAY: u64 = 5 * MINUTE;

/// The documented default interval of each severity (docs/targets.md).
fn interval(severity: Severity) -> u64 {
    match severity {
        Severity::Critical => 5 * MINUTE,
        Severity::High => 10 * MINUTE,
        Severity::Medium => 30 * MINUTE,
        Severity::Low | Severity::Informational => 60 * MINUTE,
    }
}

/// A rule of the tree: flow, item, severity, how far apart its events may be,
/// whether it is a sequence, and its keys.
struct Rule<'a> {
    flow: &'a Flow,
    item: &'a str,
    severity: Severity,
    window: u64,
    sequence: bool,
    keys: Vec<String>,
}

fn rules(flows: &[Flow]) -> Vec<Rule<'_>> {
    let mut out = Vec::new();
    for flow in flows {
        for step in flow.steps.iter().filter(|s| s.detection.condition().is_some()) {
            let threshold = step.detection.threshold();
            out.push(Rule {
                flow,
                item: &step.id,
                severity: step.severity,
                window: threshold.map_or(0, |t| t.window_ms),
                sequence: false,
                keys: threshold.map(|t| t.group_by.clone()).unwrap_or_default(),
            });
        }
        for sequence in &flow.sequences {
            // A threshold member's completion needs its own window of events before it.
            let lead = sequence
                .steps
                .iter()
                .filter(|m| m.occurrence == Occurrence::Threshold)
                .filter_map(|m| flow.step(&m.step).and_then(|s| s.detection.threshold()).map(|t| t.window_ms))
                .max()
                .unwrap_or(0);
            out.push(Rule {
                flow,
                item: &sequence.id,
                severity: sequence.severity,
                window: sequence.window_ms + lead,
                sequence: true,
                keys: (1..=sequence.steps[0].keys.len()).map(|i| format!("scalpel_key{i}")).collect(),
            });
        }
    }
    out
}

/// `<n>s|m|h|d` → ms.
fn ms(text: &str) -> u64 {
    let (digits, unit) = text.split_at(text.len() - 1);
    let n: u64 = digits.parse().unwrap_or_else(|_| panic!("duration `{text}`"));
    n * match unit {
        "s" => 1000,
        "m" => MINUTE,
        "h" => 60 * MINUTE,
        "d" => 24 * 60 * MINUTE,
        other => panic!("unit `{other}` in `{text}`"),
    }
}

/// `savedsearches.conf` → stanzas by detection id, each a key → value map.
fn stanzas(conf: &str) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    let mut current: Option<BTreeMap<String, String>> = None;
    let mut flush = |stanza: Option<BTreeMap<String, String>>| {
        if let Some(stanza) = stanza {
            if let Some(meta) = stanza.get("action.correlationsearch.metadata") {
                let meta: serde_json::Value = serde_json::from_str(meta).expect("metadata JSON");
                out.insert(meta["detection_id"].as_str().expect("detection_id").to_string(), stanza);
            }
        }
    };
    for line in conf.lines() {
        if line.starts_with('[') {
            flush(current.take());
            current = Some(BTreeMap::new());
        } else if let (Some(stanza), Some((key, value))) = (current.as_mut(), line.split_once(" = ")) {
            stanza.insert(key.to_string(), value.to_string());
        }
    }
    flush(current);
    out
}

#[test]
fn every_shipped_rule_looks_back_over_window_interval_and_delay() {
    let compiled = project::compile(&[Path::new("../detections").to_path_buf()], &[]);
    let program = compiled.program.as_ref().expect("the shipped tree compiles");
    let (tree, settings) = Settings::for_project(&compiled.project, program);
    let settings = settings.expect("settings");
    let templates = Templates::load(None).expect("templates");
    let output = build(program, &tree, &settings, Target::ALL, &templates, &|| {});
    let files: BTreeMap<&str, &str> = output.files.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
    let conf = files.iter().find(|(p, _)| p.ends_with("/default/savedsearches.conf")).expect("the Splunk app").1;
    let splunk = stanzas(conf);
    let kibana: BTreeMap<String, serde_json::Value> = files["elastic/rules.ndjson"]
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("ndjson line"))
        .map(|r| (r["rule_id"].as_str().expect("rule_id").to_string(), r))
        .collect();
    let capped: Vec<String> = output
        .units
        .iter()
        .filter(|u| u.diags.iter().any(|d| d.code == Code::SentinelPeriod))
        .map(|u| format!("{}.{}", u.flow_id, u.item_id))
        .collect();
    let rules = rules(&program.flows);
    assert!(rules.len() > 100, "every shipped rule: {}", rules.len());
    let mut long = 0;
    for rule in &rules {
        let name = format!("{}.{}", rule.flow.id, rule.item);
        let every = interval(rule.severity);
        let lookback = rule.window + every + DELAY;
        long += usize::from(rule.window > 60 * MINUTE);

        let stanza = &splunk[&rule_id(&tree, &rule.flow.id, rule.item, Target::Splunk).to_string()];
        let earliest = stanza["dispatch.earliest_time"].strip_prefix('-').and_then(|t| t.strip_suffix("@m"));
        let earliest = ms(earliest.expect("`-<n>m@m`"));
        assert!(earliest >= lookback && earliest < lookback + MINUTE, "{name}: splunk looks back {earliest}ms");
        assert_eq!(stanza["dispatch.latest_time"], "-5m@m", "{name}");
        let cron = &stanza["cron_schedule"];
        let expected = match every / MINUTE {
            m if m < 60 => format!("*/{m} * * * *"),
            _ => "0 * * * *".to_string(),
        };
        assert_eq!(cron, &expected, "{name}");
        assert_eq!(stanza["disabled"], "true", "{name}: imported rules are off");
        if rule.window > 0 {
            assert_eq!(stanza["alert.suppress"], "1", "{name}");
            assert_eq!(stanza["alert.digest_mode"], "0", "{name}");
            let period = ms(&stanza["alert.suppress.period"]);
            assert!(period >= rule.window + every, "{name}: suppressed {period}ms");
            if rule.sequence {
                assert_eq!(stanza["alert.suppress.fields"], rule.keys.join(","), "{name}");
            } else {
                assert_eq!(stanza["alert.suppress.fields"].split(',').count(), rule.keys.len().max(1), "{name}");
            }
        } else {
            assert_eq!(stanza["alert.suppress"], "0", "{name}: single events are never found twice");
        }

        let yaml = files[format!("kql/{}/{}.yaml", rule.flow.id, rule.item).as_str()];
        let sentinel: serde_norway::Value = serde_norway::from_str(yaml).expect("rule YAML");
        let frequency = ms(sentinel["queryFrequency"].as_str().expect("queryFrequency"));
        let period = ms(sentinel["queryPeriod"].as_str().expect("queryPeriod"));
        assert_eq!(frequency, every, "{name}");
        if lookback > 14 * 24 * 60 * MINUTE {
            assert!(capped.contains(&name), "{name}: a capped period must be W0512");
        } else {
            assert!(period >= lookback, "{name}: sentinel looks back {period}ms");
        }
        assert_eq!(sentinel["enabled"].as_bool(), Some(false), "{name}");
        let query = sentinel["query"].as_str().expect("query");
        assert!(query.contains(&format!("< ago({}m)", DELAY / MINUTE)), "{name}: the run's slice");

        let kibana = &kibana[&rule_id(&tree, &rule.flow.id, rule.item, Target::Elastic).to_string()];
        assert_eq!(ms(kibana["interval"].as_str().expect("interval")), every, "{name}");
        let from = kibana["from"].as_str().and_then(|f| f.strip_prefix("now-")).expect("now-…");
        assert!(ms(from) >= lookback, "{name}: kibana looks back {from}");
        assert_eq!(kibana["enabled"], serde_json::json!(false), "{name}");
        assert_eq!(kibana["type"] == "esql", kibana.get("alert_suppression").is_some(), "{name}");
    }
    // The case: most sequences and thresholds span more than the old 60 minutes.
    assert!(long > 20, "{long} rules with windows over an hour");
}
