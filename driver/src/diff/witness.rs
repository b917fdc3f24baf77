//! A rule whose meaning changed → what changed (as `.det` text) and witnesses:
//! events or scenarios that one version fires on and the other does not.
//!
//! For a condition, the event generator is asked for an event of `new and not old`
//! (and of `old and not new`) over the rule's schema: a one-step program whose
//! condition is that conjunction, so every way the generator knows to satisfy a
//! condition is a way to tell the versions apart. For a threshold or a sequence, the
//! scenarios generated for each version (exactly N events, one too few, out of
//! order, past the window, …) are run through the other version's semantics
//! (`events::verify::reference`); one whose verdicts differ is the witness. Every
//! witness is re-checked with `ir::eval` against both versions before it is shown.

use super::{Aspect, RuleDiff, SourcedEvent, Tree, Which, Witness};
use crate::lock::RuleKey;
use scalpel_compiler::events::verify::{self, Failure};
use scalpel_compiler::events::{self, Generated, ItemEvents, ItemKind};
use scalpel_compiler::ir::canonical;
use scalpel_compiler::ir::eval::{matches, threshold_groups};
use scalpel_compiler::ir::text;
use scalpel_compiler::ir::{normalize, Cond, Detection, Step, Threshold};

/// Fills in `rule.meaning`, `rule.witnesses` and `rule.notes` for a rule whose meaning
/// fingerprint differs between `old` and `new` (same key in both).
pub fn explain(old: &Tree, new: &Tree, key: &RuleKey, generated: &(Generated, Generated), rule: &mut RuleDiff) {
    match (old.step(key), new.step(key), old.sequence(key), new.sequence(key)) {
        (Some(a), Some(b), _, _) => explain_step(old, new, key, a, b, generated, rule),
        (_, _, Some(a), Some(b)) => {
            rule.meaning = sequence_aspects(old, new, key, a, b);
            let (old_items, new_items) = generated;
            cross_check(old, new, key, ItemKind::Sequence, old_items, new_items, rule);
            if rule.witnesses.is_empty() {
                let steps_changed = rule.meaning.iter().any(|a| a.what.starts_with("step "));
                let see = if steps_changed {
                    "; the changed steps' own entries show events that tell them apart"
                } else {
                    ""
                };
                rule.notes.push(format!("no generated scenario of either version tells them apart{see}"));
            }
        }
        _ => rule.meaning.push(Aspect {
            what: "kind".into(),
            old: kind_name(old.step(key).is_some()),
            new: kind_name(new.step(key).is_some()),
        }),
    }
}

fn kind_name(step: bool) -> String {
    if step { "step" } else { "sequence" }.to_string()
}

fn explain_step(
    old: &Tree,
    new: &Tree,
    key: &RuleKey,
    a: &Step,
    b: &Step,
    generated: &(Generated, Generated),
    rule: &mut RuleDiff,
) {
    let (Some(cond_a), Some(cond_b)) = (a.detection.condition(), b.detection.condition()) else { return };
    let (source_a, source_b) = (a.source.as_deref().unwrap_or_default(), b.source.as_deref().unwrap_or_default());
    if source_a != source_b {
        rule.meaning.push(Aspect { what: "source".into(), old: source_a.into(), new: source_b.into() });
    }
    let conditions_differ = canonical::text(cond_a) != canonical::text(cond_b);
    if conditions_differ {
        let (text_a, text_b) = (text::condition(cond_a), text::condition(cond_b));
        if text_a == text_b {
            // Same text, other meaning: a field's type changed in the schema.
            rule.meaning.push(Aspect {
                what: "condition (field types)".into(),
                old: canonical::text(cond_a),
                new: canonical::text(cond_b),
            });
        } else {
            rule.meaning.push(Aspect { what: "condition".into(), old: text_a, new: text_b });
        }
    }
    let (threshold_a, threshold_b) = (a.detection.threshold(), b.detection.threshold());
    let show = |t: Option<&Threshold>| t.map_or_else(|| "none".to_string(), text::threshold);
    if show(threshold_a) != show(threshold_b) {
        rule.meaning.push(Aspect { what: "threshold".into(), old: show(threshold_a), new: show(threshold_b) });
    }
    if rule.meaning.is_empty() {
        rule.meaning.push(Aspect {
            what: "event time".into(),
            old: event_time(old, source_a),
            new: event_time(new, source_b),
        });
    }
    let (old_items, new_items) = generated;
    if conditions_differ || source_a != source_b {
        for (which, this, other, this_cond, other_cond) in
            [(Which::New, new, old, cond_b, cond_a), (Which::Old, old, new, cond_a, cond_b)]
        {
            let this_step = if which == Which::New { b } else { a };
            let same_source = source_a == source_b;
            match search(this, key, this_step, this_cond, same_source.then_some(other_cond)) {
                Some(event) => rule.witnesses.push(event_witness(which, event, this_step, other, key, other_cond)),
                None => rule
                    .notes
                    .push(format!("the generator found no event that only the {} version matches", side_name(which))),
            }
        }
        if rule.witnesses.is_empty() {
            cross_check(old, new, key, ItemKind::Step, old_items, new_items, rule);
        }
    }
    match (threshold_a, threshold_b) {
        (Some(_), Some(_)) if show(threshold_a) != show(threshold_b) || conditions_differ => {
            cross_check(old, new, key, ItemKind::Threshold, old_items, new_items, rule);
        }
        (None, Some(t)) => single_event(Which::Old, new_items, key, b, t, new, rule),
        (Some(t), None) => single_event(Which::New, old_items, key, a, t, old, rule),
        _ => {}
    }
    if rule.witnesses.is_empty() {
        rule.notes.push("no event or scenario found that tells the versions apart; they may be equivalent".into());
    }
}

fn event_time(tree: &Tree, source: &str) -> String {
    tree.program.schema(source).map_or_else(|| "none".to_string(), |s| s.event_time_field().name.clone())
}

/// An event of `this_cond and not other_cond` (just `this_cond` when the versions read
/// different schemas), from a one-step program the generator solves.
fn search(
    tree: &Tree,
    key: &RuleKey,
    step: &Step,
    this_cond: &Cond,
    other_cond: Option<&Cond>,
) -> Option<(String, serde_json::Value)> {
    let flow = tree.flow(&key.flow)?;
    let goal = match other_cond {
        Some(other) => normalize(Cond::All(vec![this_cond.clone(), Cond::Not(Box::new(other.clone()))])),
        None => this_cond.clone(),
    };
    let probe = Step { detection: Detection::Condition { condition: goal, threshold: None }, ..step.clone() };
    let mut program = tree.program.clone();
    program.flows = vec![scalpel_compiler::ir::Flow { steps: vec![probe], sequences: Vec::new(), ..flow.clone() }];
    let generated = events::generate(&program, events::DEFAULT_SEED);
    let item = generated.items.into_iter().find(|i| i.kind == ItemKind::Step)?;
    let case = item.cases.into_iter().find(|c| c.expect && matches(this_cond, &c.event))?;
    other_cond.is_none_or(|other| !matches(other, &case.event)).then_some((case.source, case.event))
}

fn event_witness(
    which: Which,
    (source, event): (String, serde_json::Value),
    this_step: &Step,
    other: &Tree,
    key: &RuleKey,
    other_cond: &Cond,
) -> Witness {
    let other_reads = other.step(key).and_then(|s| s.source.clone()).unwrap_or_default();
    let other_verdict = if other_reads != source {
        format!("no match (reads `{other_reads}`)")
    } else {
        verify::verdict(matches(other_cond, &event))
    };
    let label = match this_step.source.as_deref() {
        Some(s) if s == other_reads => format!("an event of {s} matched by the {} condition only", side_name(which)),
        _ => format!("an event of {source}, which only the {} version reads", side_name(which)),
    };
    let (old, new) = match which {
        Which::New => (other_verdict, verify::verdict(true)),
        _ => (verify::verdict(true), other_verdict),
    };
    Witness { fires: which, kind: "event", label, events: vec![SourcedEvent { source, event }], old, new }
}

fn side_name(which: Which) -> &'static str {
    match which {
        Which::Old => "old",
        Which::New => "new",
        Which::Both => "both",
    }
}

/// A step that gained (or lost) a threshold: one matching event alerts the version
/// without it and not the one with it (when the threshold needs more than one).
fn single_event(
    fires: Which,
    items: &Generated,
    key: &RuleKey,
    step: &Step,
    threshold: &Threshold,
    tree: &Tree,
    rule: &mut RuleDiff,
) {
    let Some(cond) = step.detection.condition() else { return };
    let time = event_time(tree, step.source.as_deref().unwrap_or_default());
    let Some(case) = item(items, key, ItemKind::Step).and_then(|i| i.cases.iter().find(|c| c.expect)) else { return };
    if !threshold_groups(threshold, cond, &time, &[&case.event]).is_empty() {
        return;
    }
    let (with, without) =
        ("no alert (one event is below the threshold)".to_string(), "alert (every matching event)".to_string());
    let (old, new) = if fires == Which::Old { (without, with) } else { (with, without) };
    rule.witnesses.push(Witness {
        fires,
        kind: "scenario",
        label: format!("one matching event ({})", case.label),
        events: vec![SourcedEvent { source: case.source.clone(), event: case.event.clone() }],
        old,
        new,
    });
}

fn item<'a>(generated: &'a Generated, key: &RuleKey, kind: ItemKind) -> Option<&'a ItemEvents> {
    generated.items.iter().find(|i| i.flow == key.flow && i.item == key.item && i.kind == kind)
}

/// Each version's generated cases or scenarios judged by the other version; the
/// first disagreement in each direction is a witness.
fn cross_check(
    old: &Tree,
    new: &Tree,
    key: &RuleKey,
    kind: ItemKind,
    old_items: &Generated,
    new_items: &Generated,
    rule: &mut RuleDiff,
) {
    for (which, items, judge) in [(Which::New, new_items, old), (Which::Old, old_items, new)] {
        let Some(item) = item(items, key, kind) else { continue };
        let outcome = verify::reference(judge.program, item);
        if let Some(failure) = outcome.failures.first() {
            let witness = failure_witness(which, item, kind, failure);
            // One witness per verdict is enough: a second that fires the same version adds nothing.
            if !rule.witnesses.iter().any(|w| w.fires == witness.fires) {
                rule.witnesses.push(witness);
            }
        }
    }
}

/// A failure of `item` (generated for version `which`) under the other version.
fn failure_witness(which: Which, item: &ItemEvents, kind: ItemKind, failure: &Failure) -> Witness {
    let events = match kind {
        ItemKind::Step => item.cases.get(failure.line - 1).map(|c| vec![(c.source.clone(), c.event.clone())]),
        _ => {
            let mut line = item.cases.len() + 1;
            item.scenarios.iter().find_map(|s| {
                let found = (line == failure.line)
                    .then(|| s.events().map(|(source, event)| (source.to_string(), event)).collect());
                line += usize::try_from(s.event_count()).unwrap_or(usize::MAX);
                found
            })
        }
    }
    .unwrap_or_default();
    let (mine, theirs) = (failure.expected.clone(), failure.got.clone());
    let fires = match (fires_on(&mine), fires_on(&theirs)) {
        (true, false) => which,
        (false, true) => {
            if which == Which::New {
                Which::Old
            } else {
                Which::New
            }
        }
        _ => Which::Both,
    };
    let (old, new) = if which == Which::New { (theirs, mine) } else { (mine, theirs) };
    Witness {
        fires,
        kind: if kind == ItemKind::Step { "event" } else { "scenario" },
        label: format!("{}; generated for the {} version", failure.label, side_name(which)),
        events: events.into_iter().map(|(source, event)| SourcedEvent { source, event }).collect(),
        old,
        new,
    }
}

fn fires_on(verdict: &str) -> bool {
    verdict == "match" || verdict.starts_with("alert")
}

/// Window, steps and keys of a sequence, and the steps whose meaning changed.
fn sequence_aspects(
    old: &Tree,
    new: &Tree,
    key: &RuleKey,
    a: &scalpel_compiler::ir::Sequence,
    b: &scalpel_compiler::ir::Sequence,
) -> Vec<Aspect> {
    let mut out = Vec::new();
    if a.window_ms != b.window_ms {
        out.push(Aspect { what: "window".into(), old: text::duration(a.window_ms), new: text::duration(b.window_ms) });
    }
    let chain =
        |s: &scalpel_compiler::ir::Sequence| s.steps.iter().map(|m| m.step.as_str()).collect::<Vec<_>>().join(" -> ");
    if chain(a) != chain(b) {
        out.push(Aspect { what: "steps".into(), old: chain(a), new: chain(b) });
    }
    let keys = |s: &scalpel_compiler::ir::Sequence| {
        s.steps.iter().map(|m| format!("{} by {}", m.step, m.keys.join(", "))).collect::<Vec<_>>().join("; ")
    };
    if keys(a) != keys(b) {
        out.push(Aspect { what: "keys".into(), old: keys(a), new: keys(b) });
    }
    let joins = |s: &scalpel_compiler::ir::Sequence| {
        let how = |m: &scalpel_compiler::ir::SequenceStep| match m.occurrence {
            scalpel_compiler::ir::Occurrence::Event => format!("each {}", m.step),
            scalpel_compiler::ir::Occurrence::Threshold => format!("threshold {}", m.step),
        };
        s.steps.iter().map(how).collect::<Vec<_>>().join(" -> ")
    };
    if joins(a) != joins(b) {
        out.push(Aspect { what: "joins".into(), old: joins(a), new: joins(b) });
    }
    let meaning = |tree: &Tree, id: &str| {
        let step = tree.flow(&key.flow)?.step(id)?;
        Some(scalpel_compiler::ir::fingerprint::step_meaning_text(tree.program, step))
    };
    for member in b.steps.iter().filter(|m| a.steps.iter().any(|o| o.step == m.step)) {
        let (before, after) = (meaning(old, &member.step), meaning(new, &member.step));
        if before != after {
            let show = |tree: &Tree| {
                tree.flow(&key.flow).and_then(|f| f.step(&member.step)).map_or_else(|| "none".to_string(), step_summary)
            };
            out.push(Aspect { what: format!("step {}", member.step), old: show(old), new: show(new) });
        }
    }
    if out.is_empty() {
        out.push(Aspect { what: "semantics".into(), old: "see the lock's fingerprint".into(), new: "changed".into() });
    }
    out
}

fn step_summary(step: &Step) -> String {
    let cond = step.detection.condition().map(text::condition).unwrap_or_default();
    let source = step.source.as_deref().unwrap_or_default();
    match step.detection.threshold() {
        Some(t) => format!("{source}: {cond} (threshold {})", text::threshold(t)),
        None => format!("{source}: {cond}"),
    }
}

/// What a rule says, field by field, where the versions differ (`from` in the old
/// tree, `to` in the new).
pub fn metadata_aspects(old: &Tree, new: &Tree, from: &RuleKey, to: &RuleKey) -> Vec<Aspect> {
    let mut out = Vec::new();
    let mut push = |what: &str, a: String, b: String| {
        if a != b {
            out.push(Aspect { what: what.into(), old: a, new: b });
        }
    };
    let (flow_a, flow_b) = (old.flow(&from.flow), new.flow(&to.flow));
    if let (Some(fa), Some(fb)) = (flow_a, flow_b) {
        push("flow title", fa.title.clone(), fb.title.clone());
        push("flow category", fa.category.clone(), fb.category.clone());
        push("flow description", optional(fa.description.as_deref()), optional(fb.description.as_deref()));
        push("flow references", fa.references.join(", "), fb.references.join(", "));
        push("flow origin", format!("{:?}", fa.origin).to_lowercase(), format!("{:?}", fb.origin).to_lowercase());
    }
    match ((old.step(from), new.step(to)), (old.sequence(from), new.sequence(to))) {
        ((Some(a), Some(b)), _) => {
            push("title", a.title.clone(), b.title.clone());
            push("severity", a.severity.as_str().into(), b.severity.as_str().into());
            push("description", optional(a.description.as_deref()), optional(b.description.as_deref()));
            let ids = |s: &Step| s.techniques.iter().map(|t| t.id.as_str()).collect::<Vec<_>>().join(", ");
            push("techniques", ids(a), ids(b));
            push("false positives", a.false_positives.join("; "), b.false_positives.join("; "));
            push("references", a.references.join(", "), b.references.join(", "));
        }
        (_, (Some(a), Some(b))) => {
            push("title", a.title.clone(), b.title.clone());
            push("severity", a.severity.as_str().into(), b.severity.as_str().into());
            let techniques = |tree: &Tree, key: &RuleKey, s: &scalpel_compiler::ir::Sequence| {
                let flow = tree.flow(&key.flow);
                let ids: Vec<&str> = s
                    .steps
                    .iter()
                    .filter_map(|m| flow.and_then(|f| f.step(&m.step)))
                    .flat_map(|step| step.techniques.iter().map(|t| t.id.as_str()))
                    .collect();
                ids.join(", ")
            };
            push("techniques of its steps", techniques(old, from, a), techniques(new, to, b));
        }
        _ => {}
    }
    out
}

fn optional(text: Option<&str>) -> String {
    text.unwrap_or("none").to_string()
}
