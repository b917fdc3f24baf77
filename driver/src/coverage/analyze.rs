//! Program × catalog × build outcome → [`Coverage`].
//!
//! A (target, step) counts when the unit emitted a rule without error
//! ([`UnitOutcome::emitted`]), the target's schedule can see its matches
//! ([`UnitOutcome::visibility`]) and the step's schema is collected. Flows are in
//! natural id order (`AF-2` before `AF-10`), steps in declaration order and
//! techniques in id order, so the model is the same on every run.

use super::{
    by_name, mean, natural_key, Counts, Coverage, CoverageSettings, DomainCoverage, FlowCoverage, Link, Mitigation,
    Seen, SequenceCoverage, Status, StepCoverage, TargetResult, TechniqueCoverage, TechniqueUse, Telemetry,
};
use crate::build::{BuildOutput, UnitOutcome};
use scalpel_compiler::attack::{Catalog, Domain, Technique as CatalogTechnique};
use scalpel_compiler::ir::time::duration_text;
use scalpel_compiler::ir::{Detection, Flow, Program, Sequence, Step, Threshold};
use scalpel_targets::backend::window_text;
use scalpel_targets::schedule::Visibility;
use scalpel_targets::Target;
use std::collections::BTreeMap;

/// Builds the coverage model of `program`, whose rules `build` produced for `targets`.
pub fn analyze(
    program: &Program,
    catalog: &Catalog,
    build: &BuildOutput,
    targets: &[Target],
    tree: &str,
    settings: &CoverageSettings,
) -> Coverage {
    let outcomes = Outcomes::index(build);
    let mut ordered: Vec<&Flow> = program.flows.iter().collect();
    ordered.sort_by_key(|flow| natural_key(&flow.id));
    let flows: Vec<FlowCoverage> =
        ordered.iter().map(|flow| flow_coverage(flow, catalog, &outcomes, targets, settings)).collect();
    let techniques = technique_coverage(&ordered, &flows, catalog);
    let domains = Domain::ALL
        .iter()
        .filter_map(|domain| {
            let name = domain.stix_name();
            let of_domain: Vec<&TechniqueCoverage> =
                techniques.iter().filter(|t| t.domains.iter().any(|d| d == name)).collect();
            (!of_domain.is_empty()).then(|| DomainCoverage {
                domain: name.to_string(),
                techniques: of_domain.len(),
                score: mean(of_domain.iter().map(|t| t.score)),
                counts: Counts::of(of_domain.iter().map(|t| t.status)),
            })
        })
        .collect();
    let steps = || flows.iter().flat_map(|f| &f.steps);
    Coverage {
        tree: tree.to_string(),
        attack_version: program.attack_version.clone(),
        targets: targets.iter().map(|t| t.name().to_string()).collect(),
        schemas: program.schemas.iter().map(|s| s.name.clone()).collect(),
        collected: settings.collected.clone(),
        score: mean(steps().map(|s| s.score)),
        steps: Counts::of(steps().map(|s| s.status)),
        flows,
        techniques,
        domains,
    }
}

/// Build outcomes by (target, flow id, item id).
struct Outcomes<'a>(BTreeMap<(Target, &'a str, &'a str), &'a UnitOutcome>);

impl<'a> Outcomes<'a> {
    fn index(build: &'a BuildOutput) -> Outcomes<'a> {
        Outcomes(build.units.iter().map(|u| ((u.target, u.flow_id.as_str(), u.item_id.as_str()), u)).collect())
    }

    /// One result per target; a unit the build did not run counts as no rule.
    fn results(&self, targets: &[Target], flow: &str, item: &str) -> Vec<TargetResult> {
        targets
            .iter()
            .map(|&target| match self.0.get(&(target, flow, item)) {
                Some(unit) => TargetResult {
                    target: target.name().to_string(),
                    emitted: unit.emitted(),
                    notes: unit.diags.iter().map(|d| format!("{} {}", d.code, d.message)).collect(),
                    schedule: seen(&unit.visibility),
                },
                None => TargetResult {
                    target: target.name().to_string(),
                    emitted: false,
                    notes: Vec::new(),
                    schedule: Seen::Detected,
                },
            })
            .collect()
    }
}

fn seen(visibility: &Visibility) -> Seen {
    match visibility {
        Visibility::Unscheduled => Seen::Detected,
        Visibility::Delayed { up_to_ms } => Seen::Delayed { up_to: duration_text(*up_to_ms) },
        Visibility::NotVisible { reason } => Seen::NotVisible { reason: reason.clone() },
    }
}

fn flow_coverage(
    flow: &Flow,
    catalog: &Catalog,
    outcomes: &Outcomes,
    targets: &[Target],
    settings: &CoverageSettings,
) -> FlowCoverage {
    let steps: Vec<StepCoverage> =
        flow.steps.iter().map(|step| step_coverage(flow, step, catalog, outcomes, targets, settings)).collect();
    let sequences =
        flow.sequences.iter().map(|sequence| sequence_coverage(flow, sequence, &steps, outcomes, targets)).collect();
    FlowCoverage {
        id: flow.id.clone(),
        title: flow.title.clone(),
        category: flow.category.clone(),
        description: flow.description.clone(),
        score: mean(steps.iter().map(|s| s.score)),
        counts: Counts::of(steps.iter().map(|s| s.status)),
        steps,
        sequences,
    }
}

fn step_coverage(
    flow: &Flow,
    step: &Step,
    catalog: &Catalog,
    outcomes: &Outcomes,
    targets: &[Target],
    settings: &CoverageSettings,
) -> StepCoverage {
    let techniques =
        step.techniques.iter().map(|t| Link { id: t.id.clone(), name: t.name.clone(), url: t.url.clone() }).collect();
    let (mitigations, data_components) = recommendations(step, catalog);
    let mut coverage = StepCoverage {
        id: step.id.clone(),
        title: step.title.clone(),
        severity: step.severity,
        status: Status::Missing,
        score: 0,
        why: None,
        techniques,
        telemetry: None,
        targets: Vec::new(),
        no_technique: step.no_technique.clone(),
        description: step.description.clone(),
        condition: match &step.tuning {
            Some(tuning) => Some(scalpel_compiler::ir::text::condition(&tuning.untuned)),
            None => step.detection.condition().map(scalpel_compiler::ir::text::condition),
        },
        exclusions: step
            .tuning
            .iter()
            .flat_map(|t| &t.exclusions)
            .map(|e| super::ExclusionCoverage {
                name: e.name.clone(),
                scope: e.scope.clone(),
                condition: scalpel_compiler::ir::text::condition(&e.condition),
                reason: e.reason.clone(),
                owner: e.owner.clone(),
                expires: e.expires.clone(),
            })
            .collect(),
        mitigations,
        data_components,
    };
    let (condition, threshold) = match &step.detection {
        Detection::Undetectable { reason } => {
            coverage.status = Status::Undetectable;
            coverage.why = Some(reason.clone());
            return coverage;
        }
        Detection::Condition { condition, threshold } => (condition, threshold),
    };
    let schema = step.source.clone().unwrap_or_default();
    let collected = settings.collected.contains(&schema);
    let mut fields: Vec<String> = Vec::new();
    let threshold_fields = threshold.iter().flat_map(|t| t.distinct.iter().chain(&t.group_by));
    for field in condition.tests().into_iter().map(|t| &t.field).chain(threshold_fields) {
        if !fields.contains(field) {
            fields.push(field.clone());
        }
    }
    coverage.telemetry = Some(Telemetry {
        schema: schema.clone(),
        fields,
        collected,
        threshold: threshold.as_ref().map(threshold_text),
    });
    coverage.targets = outcomes.results(targets, &flow.id, &step.id);
    let emitted = coverage.targets.iter().filter(|t| t.detects()).count();
    (coverage.status, coverage.score, coverage.why) = if !collected {
        (Status::Missing, 0, Some(format!("the `{schema}` telemetry is not collected (`[coverage] collected`)")))
    } else if emitted == 0 {
        (Status::Missing, 0, Some(format!("no target emitted a rule{}", failures(&coverage.targets))))
    } else if emitted < targets.len() {
        let score = (100 * emitted as u32 + targets.len() as u32 / 2) / targets.len() as u32;
        (Status::Partial, score, Some(format!("no rule for{}", failures(&coverage.targets))))
    } else {
        (Status::Detected, 100, None)
    };
    coverage
}

/// ` sigma (E0… message), splunk` for the targets without a rule.
fn failures(results: &[TargetResult]) -> String {
    let failed: Vec<String> = results
        .iter()
        .filter(|r| !r.detects())
        .map(|r| {
            let errors: Vec<&str> = r.notes.iter().filter(|n| n.starts_with('E')).map(String::as_str).collect();
            if let (true, Seen::NotVisible { reason }) = (r.emitted, &r.schedule) {
                format!("{} (not visible: {reason})", r.target)
            } else if errors.is_empty() {
                r.target.clone()
            } else {
                format!("{} ({})", r.target, errors.join("; "))
            }
        })
        .collect();
    if failed.is_empty() {
        String::new()
    } else {
        format!(": {}", failed.join(", "))
    }
}

fn threshold_text(threshold: &Threshold) -> String {
    let counted = match &threshold.distinct {
        Some(field) => format!("distinct {field}"),
        None => "events".to_string(),
    };
    let window = if threshold.window_ms.is_multiple_of(1000) {
        window_text(threshold.window_ms, 1000).0
    } else {
        format!("{}ms", threshold.window_ms)
    };
    let by =
        if threshold.group_by.is_empty() { String::new() } else { format!(" by {}", threshold.group_by.join(", ")) };
    format!("≥ {} {counted} in {window}{by}", threshold.min)
}

/// Mitigations (by name) and data components (by id) of the step's techniques,
/// without repeats.
fn recommendations(step: &Step, catalog: &Catalog) -> (Vec<Mitigation>, Vec<Link>) {
    let mut mitigations = Vec::new();
    let mut components = BTreeMap::new();
    for technique in &step.techniques {
        let (m, dc) = recommendations_of(catalog.technique(&technique.id), catalog);
        mitigations.extend(m.into_iter().flat_map(|group| group.ids));
        components.extend(dc.into_iter().map(|link| (link.id.clone(), link)));
    }
    (by_name(mitigations), components.into_values().collect())
}

fn sequence_coverage(
    flow: &Flow,
    sequence: &Sequence,
    steps: &[StepCoverage],
    outcomes: &Outcomes,
    targets: &[Target],
) -> SequenceCoverage {
    let results = outcomes.results(targets, &flow.id, &sequence.id);
    let uncollected = sequence
        .steps
        .iter()
        .any(|s| steps.iter().find(|c| c.id == s.step).and_then(|c| c.telemetry.as_ref()).is_none_or(|t| !t.collected));
    let emitted = results.iter().filter(|r| r.detects()).count();
    let status = match emitted {
        _ if uncollected => Status::Missing,
        0 => Status::Missing,
        n if n < targets.len() => Status::Partial,
        _ => Status::Detected,
    };
    SequenceCoverage {
        id: sequence.id.clone(),
        title: sequence.title.clone(),
        steps: sequence.steps.iter().map(|s| s.step.clone()).collect(),
        window: window_text(sequence.window_ms, 1000).0,
        keys: sequence.steps.first().map(|s| s.keys.clone()).unwrap_or_default(),
        status,
        targets: results,
    }
}

/// One entry per technique named by a step, in id order.
fn technique_coverage(program: &[&Flow], flows: &[FlowCoverage], catalog: &Catalog) -> Vec<TechniqueCoverage> {
    let mut by_id: BTreeMap<&str, TechniqueCoverage> = BTreeMap::new();
    for (flow, covered) in program.iter().zip(flows) {
        for (step, coverage) in flow.steps.iter().zip(&covered.steps) {
            for technique in &step.techniques {
                let entry = by_id.entry(&technique.id).or_insert_with(|| {
                    let known = catalog.technique(&technique.id);
                    let (mitigations, data_components) = recommendations_of(known, catalog);
                    TechniqueCoverage {
                        id: technique.id.clone(),
                        name: technique.name.clone(),
                        url: technique.url.clone(),
                        domains: known.map_or_else(
                            || vec![format!("{}-attack", technique.domain)],
                            |t| t.domains.iter().map(|d| d.stix_name().to_string()).collect(),
                        ),
                        tactics: technique
                            .tactics
                            .iter()
                            .map(|t| Link { id: t.id.clone(), name: t.name.clone(), url: t.url.clone() })
                            .collect(),
                        score: 0,
                        status: Status::Missing,
                        uses: Vec::new(),
                        targets: Vec::new(),
                        mitigations,
                        data_components,
                    }
                });
                let counting = coverage.telemetry.as_ref().is_some_and(|t| t.collected);
                let targets: Vec<String> =
                    coverage.targets.iter().filter(|r| r.detects() && counting).map(|r| r.target.clone()).collect();
                entry.uses.push(TechniqueUse {
                    flow: flow.id.clone(),
                    step: step.id.clone(),
                    status: coverage.status,
                    score: coverage.score,
                    targets,
                });
            }
        }
    }
    let mut techniques: Vec<TechniqueCoverage> = by_id.into_values().collect();
    for technique in &mut techniques {
        let total: u32 = technique.uses.iter().map(|u| u.score).sum();
        let n = technique.uses.len() as u32;
        technique.score = (total + n / 2) / n.max(1);
        technique.status = technique_status(&technique.uses);
        let mut targets: Vec<String> = technique.uses.iter().flat_map(|u| u.targets.iter().cloned()).collect();
        targets.sort();
        targets.dedup();
        technique.targets = targets;
    }
    techniques
}

fn technique_status(uses: &[TechniqueUse]) -> Status {
    let all = |status: Status| uses.iter().all(|u| u.status == status);
    if all(Status::Detected) {
        Status::Detected
    } else if all(Status::Undetectable) {
        Status::Undetectable
    } else if uses.iter().any(|u| matches!(u.status, Status::Detected | Status::Partial)) {
        Status::Partial
    } else {
        Status::Missing
    }
}

/// A technique's active mitigations (by name) and data components (in id order).
fn recommendations_of(technique: Option<&CatalogTechnique>, catalog: &Catalog) -> (Vec<Mitigation>, Vec<Link>) {
    let Some(technique) = technique else { return (Vec::new(), Vec::new()) };
    let mitigations = by_name(
        technique.mitigations.iter().filter_map(|id| catalog.mitigation(id)).filter(|m| !m.deprecated).map(|m| Link {
            id: m.id.clone(),
            name: m.name.clone(),
            url: m.url.clone(),
        }),
    );
    let components = technique
        .data_components
        .iter()
        .filter_map(|id| catalog.data_component(id))
        .filter(|d| !d.deprecated)
        .map(|d| Link { id: d.id.clone(), name: d.name.clone(), url: d.url.clone() })
        .collect();
    (mitigations, components)
}
