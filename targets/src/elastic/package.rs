//! Elastic packaging: emitted rules → `rules.ndjson`, one Kibana detection rule per
//! line for `POST /api/detection_engine/rules/_import` (Kibana's rule import format,
//! see docs/targets.md).
//!
//! Invariants: keys in a fixed order (serde structs); lines sorted by flow id, then
//! item id; `threat[]` groups techniques under each of their tactics, with
//! sub-techniques under their parent and every ATT&CK URL ending in `/`; rules
//! with a window look back at least `interval` + window.

use super::settings::ElasticSettings;
use super::RuleKind;
use crate::backend::RuleMeta;
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
    interval: &'a str,
    enabled: bool,
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
    window_ms: Option<u64>,
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
            from: lookback(settings, item.window_ms),
            to: "now",
            interval: &settings.interval,
            enabled: settings.enabled,
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
    if let Some(step) = flow.step(&rule.item_id) {
        let window_ms = step.detection.threshold().map(|t| t.window_ms);
        return Some(Item { flow, steps: vec![step], kind: RuleKind::of_step(step, &ctx.settings.elastic), window_ms });
    }
    let sequence = flow.sequences.iter().find(|s| s.id == rule.item_id)?;
    let steps = sequence.steps.iter().filter_map(|s| flow.step(&s.step)).collect();
    Some(Item { flow, steps, kind: RuleKind::Eql, window_ms: Some(sequence.window_ms) })
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

/// `now-…`: the configured look-back, widened to `interval` + window so that a
/// window that ends in this run starts inside it.
fn lookback(settings: &ElasticSettings, window_ms: Option<u64>) -> String {
    let Some(window) = window_ms else { return settings.from.clone() };
    let configured = settings.lookback_ms().unwrap_or(0);
    let needed = settings.interval_ms().saturating_add(window);
    if configured >= needed {
        return settings.from.clone();
    }
    format!("now-{}", crate::backend::window_text(needed, 1000).0)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windowed_rules_look_back_far_enough() {
        let settings = ElasticSettings::default();
        assert_eq!(lookback(&settings, None), "now-6m");
        assert_eq!(lookback(&settings, Some(60_000)), "now-6m");
        assert_eq!(lookback(&settings, Some(1_800_000)), "now-35m");
        assert_eq!(lookback(&settings, Some(90_000)), "now-390s");
    }
}
