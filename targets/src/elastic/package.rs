//! Elastic packaging: emitted rules → `rules.ndjson`, one Kibana detection rule per
//! line for `POST /api/detection_engine/rules/_import` (Kibana's rule import format,
//! see docs/targets.md).
//!
//! Invariants: keys in a fixed order (serde structs); lines sorted by flow id, then
//! item id; `threat[]` groups techniques under each of their tactics, with
//! sub-techniques under their parent and every ATT&CK URL ending in `/`; rules
//! look back over window + interval + ingestion delay
//! ([`crate::schedule`]); ES|QL rules suppress on their keys and bucket.

use super::RuleKind;
use crate::backend::{window_text, RuleMeta};
use crate::schedule::{self, Schedule};
use crate::Context;
use scalpel_compiler::ir::{Flow, Severity, Step};
use serde::Serialize;

#[derive(Serialize)]
struct KibanaRule<'a> {
    rule_id: String,
    name: String,
    description: &'a str,
    risk_score: u8,
    severity: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
    language: &'static str,
    query: &'a str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    index: Vec<String>,
    from: String,
    to: &'static str,
    interval: String,
    enabled: bool,
    /// ES|QL rules only: their rows are (keys, bucket) counts, found again by every
    /// run whose look-back holds the bucket.
    #[serde(skip_serializing_if = "Option::is_none")]
    alert_suppression: Option<Suppression>,
    author: Vec<&'a str>,
    tags: Vec<String>,
    references: Vec<String>,
    false_positives: &'a [String],
    threat: Vec<Threat>,
    /// The investigation guide and the setup notes ([`super::notes`]).
    note: String,
    setup: String,
    max_signals: u32,
    version: u32,
}

/// Kibana's `alert_suppression`: one alert per `group_by` values for `duration`.
#[derive(Serialize)]
struct Suppression {
    group_by: Vec<String>,
    duration: SuppressionDuration,
    /// An event without a key is never counted (the query requires the keys).
    missing_fields_strategy: &'static str,
}

#[derive(Serialize)]
struct SuppressionDuration {
    value: u64,
    unit: &'static str,
}

/// Kibana suppresses on at most three fields.
pub const MAX_SUPPRESSION_FIELDS: usize = 3;

#[derive(Serialize)]
struct Threat {
    framework: &'static str,
    tactic: Reference,
    technique: Vec<TechniqueEntry>,
}

#[derive(Serialize, Clone)]
struct Reference {
    id: String,
    name: String,
    reference: String,
}

#[derive(Serialize)]
struct TechniqueEntry {
    id: String,
    name: String,
    reference: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    subtechnique: Vec<Reference>,
}

/// The item a rule was emitted for, found again in the program.
struct Item<'a> {
    flow: &'a Flow,
    steps: Vec<&'a Step>,
    kind: RuleKind,
    schedule: Schedule,
}

pub fn ndjson(ctx: &Context, rules: &[RuleMeta]) -> String {
    let settings = &ctx.settings.elastic;
    let mut sorted: Vec<&RuleMeta> = rules.iter().collect();
    sorted.sort_by(|a, b| (&a.flow_id, &a.item_id).cmp(&(&b.flow_id, &b.item_id)));
    let mut out = String::new();
    for rule in sorted {
        let Some(item) = find(ctx, rule) else { continue };
        let mut sources: Vec<&str> = Vec::new();
        for source in item.steps.iter().filter_map(|s| s.source.as_deref()) {
            if !sources.contains(&source) {
                sources.push(source);
            }
        }
        let kibana = KibanaRule {
            rule_id: rule.id.to_string(),
            name: format!("{} {}: {}", rule.flow_id, rule.item_id, rule.title),
            description: &rule.description,
            risk_score: settings.risk_scores.of(rule.severity),
            severity: severity(rule.severity),
            kind: item.kind.kibana_type(),
            language: item.kind.language(),
            query: &rule.query,
            // ES|QL names its indices in `FROM`; Kibana rejects `index` beside it.
            index: if item.kind == RuleKind::Esql {
                Vec::new()
            } else {
                sources.iter().map(|s| settings.index(s)).collect()
            },
            from: format!("now-{}", window_text(item.schedule.lookback_ms(), 1000).0),
            to: "now",
            interval: window_text(item.schedule.interval_ms, 1000).0,
            enabled: item.schedule.enabled,
            alert_suppression: (item.kind == RuleKind::Esql).then(|| suppression(ctx, &item)),
            author: vec![settings.author.as_str()],
            tags: tags(item.flow, &item.steps, &sources),
            references: references(item.flow, &item.steps),
            false_positives: &rule.false_positives,
            threat: threat(&item.steps),
            note: super::notes::note(rule),
            setup: super::notes::setup(settings, &sources),
            max_signals: 100,
            version: ctx.stamp(&rule.flow_id, &rule.item_id).revision,
        };
        // Serialising plain structs of strings and numbers cannot fail.
        out.push_str(&serde_json::to_string(&kibana).unwrap_or_default());
        out.push('\n');
    }
    out
}

fn find<'a>(ctx: &'a Context, rule: &RuleMeta) -> Option<Item<'a>> {
    let flow = ctx.program.flows.iter().find(|f| f.id == rule.flow_id)?;
    let settings = &ctx.settings.elastic;
    if let Some(step) = flow.step(&rule.item_id) {
        let schedule = Schedule::of(&settings.schedule, flow, schedule::Item::Step(step));
        return Some(Item { flow, steps: vec![step], kind: RuleKind::of_step(step, settings), schedule });
    }
    let sequence = flow.sequences.iter().find(|s| s.id == rule.item_id)?;
    let steps = sequence.steps.iter().filter_map(|s| flow.step(&s.step)).collect();
    let schedule = Schedule::of(&settings.schedule, flow, schedule::Item::Sequence(sequence));
    Some(Item { flow, steps, kind: RuleKind::Eql, schedule })
}

/// An ES|QL threshold's suppression: its keys and its bucket (`scalpel_window`),
/// as many as Kibana takes (W0860 when the keys alone are more), for the look-back: a
/// run searches up to `now`, so a row stays visible from its first alert until its first
/// event leaves the look-back, up to window + interval + delay later.
fn suppression(ctx: &Context, item: &Item) -> Suppression {
    let settings = &ctx.settings.elastic;
    let schema = item.steps.first().and_then(|s| s.source.as_deref()).and_then(|s| ctx.program.schema(s));
    let mut group_by: Vec<String> = item.schedule.keys.iter().map(|k| settings.field(schema, k)).collect();
    group_by.push("scalpel_window".to_string());
    group_by.truncate(MAX_SUPPRESSION_FIELDS);
    let seconds = item.schedule.lookback_ms().div_ceil(1000);
    let (value, unit) = match seconds {
        s if s % 3600 == 0 => (s / 3600, "h"),
        s if s % 60 == 0 => (s / 60, "m"),
        s => (s, "s"),
    };
    Suppression { group_by, duration: SuppressionDuration { value, unit }, missing_fields_strategy: "suppress" }
}

/// Kibana has no `informational`; it is `low` (with its own risk score).
fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Informational | Severity::Low => "low",
        Severity::Medium => "medium",
        Severity::High => "high",
        Severity::Critical => "critical",
    }
}

fn tags(flow: &Flow, steps: &[&Step], sources: &[&str]) -> Vec<String> {
    let mut out = vec!["Scalpel".to_string(), format!("Flow: {}", flow.id), "Use Case: Threat Detection".to_string()];
    out.extend(sources.iter().map(|s| format!("Data Source: {s}")));
    for tactic in steps.iter().flat_map(|s| &s.techniques).flat_map(|t| &t.tactics) {
        let tag = format!("Tactic: {}", tactic.name);
        if !out.contains(&tag) {
            out.push(tag);
        }
    }
    out
}

/// Step references, then the flow's; ATT&CK pages are in `threat`.
fn references(flow: &Flow, steps: &[&Step]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for r in steps.iter().flat_map(|s| &s.references).chain(&flow.references) {
        if !r.contains("attack.mitre.org") && !out.contains(r) {
            out.push(r.clone());
        }
    }
    out
}

/// One entry per tactic, in first-seen order; each technique under every tactic
/// it serves, sub-techniques under their parent.
fn threat(steps: &[&Step]) -> Vec<Threat> {
    let mut out: Vec<Threat> = Vec::new();
    for technique in steps.iter().flat_map(|s| &s.techniques) {
        for tactic in &technique.tactics {
            let position = out.iter().position(|t| t.tactic.id == tactic.id).unwrap_or_else(|| {
                out.push(Threat {
                    framework: "MITRE ATT&CK",
                    tactic: Reference {
                        id: tactic.id.clone(),
                        name: tactic.name.clone(),
                        reference: format!("https://attack.mitre.org/tactics/{}/", tactic.id),
                    },
                    technique: Vec::new(),
                });
                out.len() - 1
            });
            let entries = &mut out[position].technique;
            let (id, name) = technique.parent.clone().unwrap_or_else(|| (technique.id.clone(), technique.name.clone()));
            let index = entries.iter().position(|e| e.id == id).unwrap_or_else(|| {
                entries.push(TechniqueEntry {
                    reference: format!("https://attack.mitre.org/techniques/{id}/"),
                    id: id.clone(),
                    name,
                    subtechnique: Vec::new(),
                });
                entries.len() - 1
            });
            if technique.parent.is_some() && !entries[index].subtechnique.iter().any(|s| s.id == technique.id) {
                let path = technique.id.replace('.', "/");
                entries[index].subtechnique.push(Reference {
                    id: technique.id.clone(),
                    name: technique.name.clone(),
                    reference: format!("https://attack.mitre.org/techniques/{path}/"),
                });
            }
        }
    }
    out
}
