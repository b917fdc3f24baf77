//! Target `sigma`: IR steps and sequences → Sigma rules (YAML, from serde structs).
//!
//! - a step → one detection rule (`<flow>/<step>.yml`); with a threshold, the file
//!   also holds an `event_count` / `value_count` correlation over it;
//! - a sequence → a `temporal_ordered` correlation (`<flow>/<sequence>.yml`) that
//!   references its steps' rules by `name`, keyed with `group-by` (and `aliases`
//!   when steps name their keys differently); a step that joins on its threshold is
//!   referenced through its threshold's correlation (`<flow>.<step>.threshold`), so the
//!   sequence chains it as Sigma 2 allows, and the step's join keys are among that
//!   correlation's `group-by`.
//!
//! Invariants: every string value passes through [`escape::escape`]; ids are
//! [`crate::ids::rule_id`]; `date` is the rule's first version and `modified` its
//! latest bump, both from the version lock ([`Context::stamp`]); output is byte-stable.

pub mod detection;
pub mod escape;
mod rule;

use crate::backend::{file_safe, technique_ids, Backend, Emitted, OutFile, RuleMeta};
use crate::ids::rule_id;
use crate::{Context, Stamp, Target};
use rule::{Correlation, CorrelationCondition, CorrelationRule, DetectionRule, LogSource};
use scalpel_compiler::diag::{Code, Diagnostic};
use scalpel_compiler::ir::{Flow, Occurrence, Sequence, Step, Threshold};
use serde_norway::{Mapping, Value};

pub struct Sigma;

impl Backend for Sigma {
    fn target(&self) -> Target {
        Target::Sigma
    }

    fn emit_step(&self, ctx: &Context, flow: &Flow, step: &Step) -> Emitted {
        let (Some(cond), Some(source)) = (step.detection.condition(), step.source.as_deref()) else {
            return Emitted::default();
        };
        let settings = &ctx.settings.sigma;
        let id = rule_id(ctx.tree, &flow.id, &step.id, Target::Sigma);
        let stamp = ctx.stamp(&flow.id, &step.id);
        let rule = DetectionRule {
            title: step.title.clone(),
            name: rule_name(flow, &step.id),
            id: id.to_string(),
            status: settings.status.clone(),
            description: description(step, flow),
            references: references(step, flow),
            author: settings.author.clone(),
            date: stamp.created.clone(),
            modified: stamp.modified_since_created().map(str::to_string),
            tags: tags([step]),
            logsource: LogSource { product: settings.product.clone(), service: source.to_string() },
            detection: detection::detection(cond, settings),
            falsepositives: false_positives(step),
            level: step.severity.as_str().to_string(),
        };
        let mut documents = vec![to_yaml(&rule)];
        let mut diags = detection::regex_warnings(cond);
        diags.extend(detection::case_folding_warnings(cond));
        if let Some(threshold) = step.detection.threshold() {
            documents.push(to_yaml(&threshold_rule(ctx, flow, step, threshold, &stamp)));
            diags.push(consumer_window_warning(step));
        }
        let text = documents.join("---\n");
        Emitted {
            rules: vec![meta(flow, step, id, step.severity, text.clone())],
            files: vec![OutFile { path: rule_path(flow, &step.id), text }],
            diags,
        }
    }

    fn emit_sequence(&self, ctx: &Context, flow: &Flow, sequence: &Sequence) -> Emitted {
        let settings = &ctx.settings.sigma;
        let steps: Vec<&Step> = sequence.steps.iter().filter_map(|s| flow.step(&s.step)).collect();
        // A threshold member is its threshold's correlation, chained (Sigma 2.x).
        let rules: Vec<String> = sequence
            .steps
            .iter()
            .map(|s| match s.occurrence {
                Occurrence::Threshold => threshold_name(flow, &s.step),
                Occurrence::Event => rule_name(flow, &s.step),
            })
            .collect();
        let same_keys = sequence.steps.windows(2).all(|w| w[0].keys == w[1].keys);
        let key_count = sequence.steps.first().map_or(0, |s| s.keys.len());
        let (group_by, aliases) = if same_keys {
            let keys = sequence.steps.first().map(|s| s.keys.iter().map(|k| settings.field(k).to_string()).collect());
            (keys.unwrap_or_default(), None)
        } else {
            let mut aliases = Mapping::new();
            let names: Vec<String> = (0..key_count).map(|i| format!("scalpel_key{}", i + 1)).collect();
            for (i, alias) in names.iter().enumerate() {
                let mut per_rule = Mapping::new();
                for (member, rule) in sequence.steps.iter().zip(&rules) {
                    if let Some(key) = member.keys.get(i) {
                        per_rule.insert(Value::String(rule.clone()), Value::String(settings.field(key).to_string()));
                    }
                }
                aliases.insert(Value::String(alias.clone()), Value::Mapping(per_rule));
            }
            (names, Some(aliases))
        };
        let id = rule_id(ctx.tree, &flow.id, &sequence.id, Target::Sigma);
        let stamp = ctx.stamp(&flow.id, &sequence.id);
        let rule = CorrelationRule {
            title: sequence.title.clone(),
            name: None,
            id: id.to_string(),
            status: settings.status.clone(),
            description: format!("Detects the steps {} of flow {} in this order", rules.join(", "), flow.id),
            author: settings.author.clone(),
            date: stamp.created.clone(),
            modified: stamp.modified_since_created().map(str::to_string),
            tags: tags(steps.iter().copied()),
            correlation: Correlation {
                kind: "temporal_ordered",
                rules,
                group_by,
                timespan: crate::backend::window_text(sequence.window_ms, 1000).0,
                condition: None,
                aliases,
                // Each step is a detection of its own; the sequence is one more.
                generate: true,
            },
            level: sequence.severity.as_str().to_string(),
        };
        let text = to_yaml(&rule);
        let techniques = steps.iter().flat_map(|s| technique_ids(s)).fold(Vec::new(), |mut acc, t| {
            if !acc.contains(&t) {
                acc.push(t);
            }
            acc
        });
        Emitted {
            rules: vec![RuleMeta {
                id,
                flow_id: flow.id.clone(),
                flow_title: flow.title.clone(),
                item_id: sequence.id.clone(),
                title: sequence.title.clone(),
                description: rule.description.clone(),
                severity: sequence.severity,
                techniques,
                false_positives: Vec::new(),
                query: text.clone(),
                analytic_rule: None,
            }],
            files: vec![OutFile { path: rule_path(flow, &sequence.id), text }],
            diags: Vec::new(),
        }
    }
}

fn threshold_rule(ctx: &Context, flow: &Flow, step: &Step, threshold: &Threshold, stamp: &Stamp) -> CorrelationRule {
    let settings = &ctx.settings.sigma;
    let (kind, field) = match &threshold.distinct {
        Some(field) => ("value_count", Some(settings.field(field).to_string())),
        None => ("event_count", None),
    };
    let what = if field.is_some() { "distinct values" } else { "events" };
    CorrelationRule {
        title: format!("{} (threshold)", step.title),
        name: Some(threshold_name(flow, &step.id)),
        id: rule_id(ctx.tree, &flow.id, &format!("{}/threshold", step.id), Target::Sigma).to_string(),
        status: settings.status.clone(),
        description: format!(
            "Detects at least {} {what} of {} within {}",
            threshold.min,
            rule_name(flow, &step.id),
            crate::backend::window_text(threshold.window_ms, 1000).0
        ),
        author: settings.author.clone(),
        date: stamp.created.clone(),
        modified: stamp.modified_since_created().map(str::to_string),
        tags: tags([step]),
        correlation: Correlation {
            kind,
            rules: vec![rule_name(flow, &step.id)],
            group_by: threshold.group_by.iter().map(|k| settings.field(k).to_string()).collect(),
            timespan: crate::backend::window_text(threshold.window_ms, 1000).0,
            condition: Some(CorrelationCondition { gte: threshold.min, field }),
            aliases: None,
            // A threshold step alerts on the count only, never on one event.
            generate: false,
        },
        level: step.severity.as_str().to_string(),
    }
}

/// W0562: a count correlation's `timespan` says how long the window is, not which of
/// its ends is open; Scalpel counts in `(t - window, t]`, and each pySigma backend
/// decides for itself (docs/targets.md lists them), so the rule fires on different
/// bursts in different consumers.
fn consumer_window_warning(step: &Step) -> Diagnostic {
    Diagnostic::new(Code::SigmaConsumerWindow, "the Sigma consumer decides which ends of the threshold's window count")
        .primary(step.span, "counted over `timespan`, whose ends Sigma leaves open to the consumer")
        .note("pySigma's SQLite backend counts both ends, its Splunk and ES|QL backends count fixed buckets; see `scalpel explain W0562`")
}

/// The `name` other rules reference a step's rule by.
pub fn rule_name(flow: &Flow, step: &str) -> String {
    format!("{}.{}", file_safe(&flow.id), file_safe(step)).to_lowercase()
}

/// The `name` a sequence references a step's threshold correlation by: the step's
/// rule name and `.threshold` (step ids have no dots, so no step's rule has it).
pub fn threshold_name(flow: &Flow, step: &str) -> String {
    format!("{}.threshold", rule_name(flow, step))
}

/// `<flow>/<flow>_<item>.yml`, lower case: Sigma tooling wants file names unique across a
/// collection and 10 to 90 characters long, so the flow id is repeated in the name.
fn rule_path(flow: &Flow, item: &str) -> String {
    let flow_id = file_safe(&flow.id);
    format!("{flow_id}/{}_{}.yml", flow_id.to_lowercase(), file_safe(item).to_lowercase())
}

fn description(step: &Step, flow: &Flow) -> String {
    match &step.description {
        Some(d) => d.clone(),
        None => format!("Detects {} (flow {}: {})", step.title, flow.id, flow.title),
    }
}

/// Step and flow references; ATT&CK pages are left to the tags (Sigma convention).
fn references(step: &Step, flow: &Flow) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for r in step.references.iter().chain(&flow.references) {
        if !r.contains("attack.mitre.org") && !out.contains(r) {
            out.push(r.clone());
        }
    }
    out
}

/// `attack.t1565.002` for each technique, then `attack.<tactic>` for each tactic.
fn tags<'a>(steps: impl IntoIterator<Item = &'a Step>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let techniques: Vec<_> = steps.into_iter().flat_map(|s| &s.techniques).collect();
    let tactics = techniques.iter().flat_map(|t| &t.tactics).map(|t| format!("attack.{}", t.shortname));
    for tag in techniques.iter().map(|t| format!("attack.{}", t.id)).chain(tactics) {
        let tag = tag.to_lowercase();
        if !out.contains(&tag) {
            out.push(tag);
        }
    }
    out
}

fn false_positives(step: &Step) -> Vec<String> {
    if step.false_positives.is_empty() {
        vec!["Unknown".to_string()]
    } else {
        step.false_positives.clone()
    }
}

fn meta(flow: &Flow, step: &Step, id: uuid::Uuid, severity: scalpel_compiler::ir::Severity, query: String) -> RuleMeta {
    RuleMeta {
        id,
        flow_id: flow.id.clone(),
        flow_title: flow.title.clone(),
        item_id: step.id.clone(),
        title: step.title.clone(),
        description: step.description.clone().unwrap_or_else(|| step.title.clone()),
        severity,
        techniques: technique_ids(step),
        false_positives: step.false_positives.clone(),
        query,
        analytic_rule: None,
    }
}

/// Serialising plain structs of strings, numbers and mappings cannot fail.
fn to_yaml<T: serde::Serialize>(value: &T) -> String {
    crate::yaml::to_string(value).unwrap_or_else(|err| format!("# cannot serialise: {err}\n"))
}
