//! ATT&CK Navigator layers (format 4.5), one per domain that has techniques.
//!
//! Per technique: `score` is the coverage score (0–100, the gradient runs red →
//! amber → green over it), `comment` lists the flows and steps that name it with
//! their status, `metadata` gives one entry per target (how many of its steps that
//! target detects). A technique whose every step is declared undetectable gets an
//! explicit grey `color`, so it is not mistaken for a missing rule. `tactic` is left
//! out on purpose: steps name techniques, not tactics, so the annotation belongs
//! under every tactic of the technique. Serialized in field order, so the bytes are
//! stable.

use super::{Coverage, Status, TechniqueCoverage};
use serde::Serialize;

/// The Navigator version written in `versions.navigator`; `mitreattack-python`
/// accepts any `5.x` and the spec requires at least 4.9.0.
const NAVIGATOR_VERSION: &str = "5.1.0";
const LAYER_VERSION: &str = "4.5";

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Layer {
    pub name: String,
    pub versions: Versions,
    pub domain: String,
    pub description: String,
    pub layout: Layout,
    pub hide_disabled: bool,
    pub techniques: Vec<Technique>,
    pub gradient: Gradient,
    pub legend_items: Vec<LegendItem>,
    pub show_tactic_row_background: bool,
    pub select_techniques_across_tactics: bool,
    pub select_subtechniques_with_parent: bool,
    pub metadata: Vec<Metadata>,
}

#[derive(Debug, Serialize)]
pub struct Versions {
    pub attack: String,
    pub navigator: String,
    pub layer: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Layout {
    pub layout: String,
    #[serde(rename = "showID")]
    pub show_id: bool,
    pub show_name: bool,
    pub show_aggregate_scores: bool,
    pub count_unscored: bool,
    pub aggregate_function: String,
    pub expanded_subtechniques: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Technique {
    #[serde(rename = "techniqueID")]
    pub technique_id: String,
    pub score: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    pub comment: String,
    pub enabled: bool,
    pub metadata: Vec<Metadata>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Gradient {
    pub colors: Vec<String>,
    pub min_value: u32,
    pub max_value: u32,
}

#[derive(Debug, Serialize)]
pub struct LegendItem {
    pub label: String,
    pub color: String,
}

#[derive(Debug, Serialize)]
pub struct Metadata {
    pub name: String,
    pub value: String,
}

/// One layer per domain present, in `Domain::ALL` order, as `(domain, layer)`.
pub fn layers(coverage: &Coverage) -> Vec<(String, Layer)> {
    coverage
        .domains
        .iter()
        .map(|domain| {
            let techniques = coverage
                .techniques
                .iter()
                .filter(|t| t.domains.contains(&domain.domain))
                .map(|t| technique(t, &coverage.targets))
                .collect();
            let layer = Layer {
                name: format!("{} coverage ({})", coverage.tree, domain.domain),
                versions: Versions {
                    attack: major_version(&coverage.attack_version),
                    navigator: NAVIGATOR_VERSION.into(),
                    layer: LAYER_VERSION.into(),
                },
                domain: domain.domain.clone(),
                description: format!(
                    "Scalpel detection coverage of {} techniques named by attack-flow steps; score = mean over the \
                     steps naming the technique of 100 × targets with a rule / targets (0 when the step is not \
                     detectable or its telemetry is not collected). Domain score {}.",
                    domain.techniques, domain.score
                ),
                layout: Layout {
                    layout: "side".into(),
                    show_id: true,
                    show_name: true,
                    show_aggregate_scores: false,
                    count_unscored: false,
                    aggregate_function: "average".into(),
                    expanded_subtechniques: "annotated".into(),
                },
                hide_disabled: false,
                techniques,
                gradient: Gradient {
                    colors: [Status::Missing, Status::Partial, Status::Detected]
                        .map(|s| s.color().to_string())
                        .to_vec(),
                    min_value: 0,
                    max_value: 100,
                },
                legend_items: Status::ALL
                    .iter()
                    .map(|s| LegendItem { label: s.label().to_string(), color: s.color().to_string() })
                    .collect(),
                show_tactic_row_background: false,
                select_techniques_across_tactics: true,
                select_subtechniques_with_parent: false,
                metadata: vec![
                    Metadata { name: "detection tree".into(), value: coverage.tree.clone() },
                    Metadata { name: "targets".into(), value: coverage.targets.join(", ") },
                    Metadata { name: "collected telemetry".into(), value: coverage.collected.join(", ") },
                    Metadata { name: "domain score".into(), value: domain.score.to_string() },
                ],
            };
            (domain.domain.clone(), layer)
        })
        .collect()
}

/// Pretty JSON with a final newline.
pub fn to_json(layer: &Layer) -> String {
    // Serializing plain structs of strings and numbers cannot fail.
    serde_json::to_string_pretty(layer).unwrap_or_default() + "\n"
}

fn technique(technique: &TechniqueCoverage, targets: &[String]) -> Technique {
    let comment = technique
        .uses
        .iter()
        .map(|u| {
            let by = if u.targets.is_empty() { String::new() } else { format!(" by {}", u.targets.join(", ")) };
            format!("{} / {}: {}{by}", u.flow, u.step, u.status.label())
        })
        .collect::<Vec<_>>()
        .join("\n");
    let metadata = targets
        .iter()
        .map(|target| {
            let detected = technique.uses.iter().filter(|u| u.targets.contains(target)).count();
            Metadata { name: target.clone(), value: format!("{detected} of {} steps detected", technique.uses.len()) }
        })
        .collect();
    Technique {
        technique_id: technique.id.clone(),
        score: technique.score,
        color: (technique.status == Status::Undetectable).then(|| Status::Undetectable.color().to_string()),
        comment,
        enabled: true,
        metadata,
    }
}

/// `18.1` → `18`: the spec's own example writes the major version only.
fn major_version(version: &str) -> String {
    version.split('.').next().unwrap_or(version).to_string()
}
