//! Flows, steps, thresholds and sequences: clauses, names, keys and windows.

use super::cond::Ctx;
use super::ids;
use super::occurrence;
use super::satisfiable::contradictions;
use super::schemas::{Lookup, Schemas};
use super::techniques;
use crate::attack::{Catalog, SuggestionContext};
use crate::diag::{suggest, Code, Diagnostic, Diagnostics};
use crate::ir::{self, Detection, Origin, Severity, Threshold};
use crate::schema::{FieldType, Schema};
use crate::source::{FileId, Span};
use crate::syntax::ast::{self, FlowItem, StepItem};
use std::collections::HashMap;

const MIN_WINDOW_MS: u64 = 1_000;
const MAX_WINDOW_MS: u64 = 30 * 86_400_000;

/// Flow ids are valid names (E0116) and unique, also when case is folded (E0105,
/// E0117): every output file and rule name is derived from them.
pub fn check_unique_ids(flows: &[(FileId, &ast::Flow)], diags: &mut Diagnostics) {
    let mut seen: HashMap<String, (&str, Span)> = HashMap::new();
    for (_, flow) in flows {
        let id = flow.id.value.as_str();
        if let Some(problem) = ids::flow_id_problem(id) {
            diags.push(invalid_id(flow.id.span, problem));
            continue;
        }
        match seen.get(&ids::folded(id)) {
            Some((first_id, first)) if *first_id == id => diags.push(
                Diagnostic::new(Code::DuplicateFlow, format!("flow id `{id}` is used twice"))
                    .primary(flow.id.span, "used again here")
                    .secondary(*first, "first used here")
                    .help("give each flow its own id; rule ids are derived from it"),
            ),
            Some((first_id, first)) => diags.push(case_collision("flow", first_id, id, flow.id.span, *first)),
            None => {
                seen.insert(ids::folded(id), (id, flow.id.span));
            }
        }
    }
}

fn invalid_id(span: Span, problem: String) -> Diagnostic {
    Diagnostic::new(Code::InvalidId, "invalid id")
        .primary(span, problem)
        .note("ids name output files and rules on every system: see \"Ids\" in docs/language.md")
}

fn case_collision(what: &str, first_id: &str, id: &str, span: Span, first: Span) -> Diagnostic {
    Diagnostic::new(Code::IdCaseCollision, format!("{what} ids `{first_id}` and `{id}` differ only in case"))
        .primary(span, "this one")
        .secondary(first, "and this one")
        .note("their files collide where names ignore case (macOS, Windows), and so do their Sigma rule names")
        .help("rename one of them")
}

/// Remembers where a once-only clause was first given.
#[derive(Default)]
struct Once(HashMap<&'static str, Span>);

impl Once {
    fn note(&mut self, clause: &'static str, span: Span, diags: &mut Diagnostics) -> bool {
        if let Some(first) = self.0.get(clause) {
            diags.push(
                Diagnostic::new(Code::DuplicateClause, format!("`{clause}` is given twice"))
                    .primary(span, "given again here")
                    .secondary(*first, "first given here"),
            );
            return false;
        }
        self.0.insert(clause, span);
        true
    }

    fn given(&self, clause: &str) -> bool {
        self.0.contains_key(clause)
    }
}

pub fn lower<'a>(
    flow: &'a ast::Flow,
    file: &str,
    schemas: &Schemas,
    catalog: &Catalog,
    diags: &mut Diagnostics,
) -> Option<ir::Flow> {
    let mut once = Once::default();
    let mut category = None;
    let mut origin = None;
    let mut description = None;
    let mut references = Vec::new();
    let mut steps = Vec::new();
    let mut declared: HashMap<String, (&str, Span)> = HashMap::new();
    let mut claim = |id: &'a ast::Ident, what: &str, diags: &mut Diagnostics| {
        if let Some(problem) = ids::item_id_problem(&id.name, what) {
            diags.push(invalid_id(id.span, problem));
            return false;
        }
        match declared.get(&ids::folded(&id.name)) {
            Some((first_id, first)) if *first_id == id.name => {
                diags.push(
                    Diagnostic::new(
                        Code::DuplicateStep,
                        format!("`{}` is declared twice in flow `{}`", id.name, flow.id.value),
                    )
                    .primary(id.span, "declared again here")
                    .secondary(*first, "first declared here"),
                );
                false
            }
            Some((first_id, first)) => {
                diags.push(case_collision("step and sequence", first_id, &id.name, id.span, *first));
                false
            }
            None => {
                declared.insert(ids::folded(&id.name), (&id.name, id.span));
                true
            }
        }
    };
    for item in &flow.items {
        match item {
            FlowItem::Category(t) if once.note("category", t.span, diags) => category = Some(t.value.clone()),
            FlowItem::Origin(o) if once.note("origin", o.span, diags) => origin = lower_origin(o, diags),
            FlowItem::Description(t) if once.note("description", t.span, diags) => description = Some(t.value.clone()),
            FlowItem::Reference(t) => references.push(t.value.clone()),
            FlowItem::Step(step) if claim(&step.id, "step", diags) => {
                steps.push(lower_step(step, schemas, catalog, diags))
            }
            FlowItem::Sequence(seq) => {
                claim(&seq.id, "sequence", diags);
            }
            _ => {}
        }
    }
    // A clause that was given but invalid is already reported; only absent ones here.
    for clause in ["category", "origin"].into_iter().filter(|c| !once.given(c)) {
        diags.push(
            Diagnostic::new(Code::MissingClause, format!("flow `{}` has no `{clause}`", flow.id.value))
                .primary(flow.id.span, format!("add `{clause}` to this flow")),
        );
    }
    let steps: Vec<ir::Step> = steps.into_iter().flatten().collect();
    let index = StepIndex::new(flow, &steps);
    let sequences = flow
        .items
        .iter()
        .filter_map(|i| match i {
            FlowItem::Sequence(s) => lower_sequence(s, flow, &index, schemas, diags),
            _ => None,
        })
        .collect();
    Some(ir::Flow {
        id: flow.id.value.clone(),
        title: flow.title.value.clone(),
        category: category?,
        origin: origin?,
        description,
        references,
        steps,
        sequences,
        file: file.to_string(),
        span: flow.id.span,
    })
}

fn lower_origin(o: &ast::Ident, diags: &mut Diagnostics) -> Option<Origin> {
    match o.name.as_str() {
        "realized" => Some(Origin::Realized),
        "theoretical" => Some(Origin::Theoretical),
        other => {
            diags.push(
                Diagnostic::new(Code::UnknownKeyword, format!("unknown origin `{other}`"))
                    .primary(o.span, "expected `realized` or `theoretical`")
                    .did_you_mean(suggest::closest(other, ["realized", "theoretical"])),
            );
            None
        }
    }
}

fn lower_step(step: &ast::Step, schemas: &Schemas, catalog: &Catalog, diags: &mut Diagnostics) -> Option<ir::Step> {
    let mut once = Once::default();
    let mut techniques = Vec::new();
    let mut technique_given = false;
    let mut technique_failed = false;
    let mut source: Option<&ast::Ident> = None;
    let mut severity = Some(Severity::Medium);
    let mut description = None;
    let mut false_positives = Vec::new();
    let mut references = Vec::new();
    let mut detect: Option<(&ast::Expr, Span)> = None;
    let mut undetectable: Option<(&ast::Text, Span)> = None;
    let mut threshold: Option<&ast::Threshold> = None;
    let mut no_technique: Option<(String, Span)> = None;
    let mut ids_given: Option<Span> = None;
    let context = suggestion_context(step, catalog);
    for item in &step.items {
        match item {
            StepItem::NoTechnique(reason, span) => {
                technique_given = true;
                if let Some(first) = ids_given {
                    diags.push(none_and_ids(step, *span, first));
                    technique_failed = true;
                } else if once.note("technique none", *span, diags) {
                    no_technique = Some((reason.value.clone(), *span));
                }
            }
            StepItem::Technique(ids) => {
                technique_given = true;
                let span = ids.iter().map(|id| id.span).reduce(Span::to);
                ids_given = ids_given.or(span);
                if let (Some((_, none)), Some(span)) = (&no_technique, span) {
                    diags.push(none_and_ids(step, *none, span));
                    technique_failed = true;
                }
                for id in ids {
                    match techniques::resolve(id, catalog, &context, diags) {
                        Some(t) if !techniques.iter().any(|x: &ir::Technique| x.id == t.id) => techniques.push(t),
                        Some(_) => {}
                        None => technique_failed = true,
                    }
                }
            }
            StepItem::Source(s) if once.note("source", s.span, diags) => source = Some(s),
            StepItem::Severity(s) if once.note("severity", s.span, diags) => {
                severity = Severity::parse(&s.name);
                if severity.is_none() {
                    diags.push(
                        Diagnostic::new(Code::UnknownKeyword, format!("unknown severity `{}`", s.name))
                            .primary(s.span, "not a severity")
                            .did_you_mean(suggest::closest(&s.name, Severity::NAMES.iter().copied()))
                            .note("severities are `informational`, `low`, `medium`, `high` and `critical`"),
                    );
                }
            }
            StepItem::Description(t) if once.note("description", t.span, diags) => description = Some(t.value.clone()),
            StepItem::FalsePositive(t) => false_positives.push(t.value.clone()),
            StepItem::Reference(t) => references.push(t.value.clone()),
            StepItem::Detect(e, span) if once.note("detect", *span, diags) => detect = Some((e, *span)),
            StepItem::Undetectable(t, span) if once.note("undetectable", *span, diags) => {
                undetectable = Some((t, *span))
            }
            StepItem::Threshold(t) if once.note("threshold", t.span, diags) => threshold = Some(t),
            _ => {}
        }
    }
    if !technique_given {
        diags.push(
            Diagnostic::new(Code::MissingClause, format!("step `{}` names no ATT&CK technique", step.id.name))
                .primary(step.id.span, "add `technique T....` to this step"),
        );
    }
    let schema = source.and_then(|s| resolve_schema(s, schemas, diags));
    let detection = match (detect, undetectable) {
        (Some((_, d)), Some((_, u))) => {
            diags.push(
                Diagnostic::new(
                    Code::DuplicateClause,
                    format!("step `{}` has both `detect` and `undetectable`", step.id.name),
                )
                .primary(u, "remove this")
                .secondary(d, "or this"),
            );
            None
        }
        (None, None) => {
            diags.push(
                Diagnostic::new(
                    Code::MissingClause,
                    format!("step `{}` has neither `detect` nor `undetectable`", step.id.name),
                )
                .primary(step.id.span, "say what to detect, or why it cannot be detected")
                .help("add `detect <condition>` or `undetectable \"reason\"`"),
            );
            None
        }
        (None, Some((reason, span))) => {
            if let Some(t) = threshold {
                diags.push(
                    Diagnostic::new(Code::UndetectableInSequence, "an undetectable step cannot have a threshold")
                        .primary(t.span, "nothing to count")
                        .secondary(span, "declared undetectable here"),
                );
            }
            Some(Detection::Undetectable { reason: reason.value.clone() })
        }
        (Some((expr, span)), None) => {
            if source.is_none() {
                diags.push(
                    Diagnostic::new(Code::MissingClause, format!("step `{}` has no `source`", step.id.name))
                        .primary(span, "this condition reads no declared telemetry")
                        .help("add `source <schema>` to say which events it reads"),
                );
            }
            // Condition and threshold are checked independently, so a mistake in one
            // does not hide a mistake in the other.
            let condition = schema.and_then(|schema| lower_condition(expr, schema, schemas, diags));
            let threshold = threshold.map(|t| lower_threshold(t, schema, schemas, diags));
            let threshold = match threshold {
                Some(t) => Some(t?),
                None => None,
            };
            Some(Detection::Condition { condition: condition?, threshold })
        }
    };
    if technique_failed {
        return None;
    }
    Some(ir::Step {
        id: step.id.name.clone(),
        title: step.title.value.clone(),
        techniques,
        no_technique: no_technique.map(|(reason, _)| reason),
        source: schema.map(|s| s.name.clone()),
        severity: severity?,
        description,
        false_positives,
        references,
        detection: detection?,
        tuning: None,
        span: step.id.span,
    })
}

/// `technique none` and technique ids contradict each other.
fn none_and_ids(step: &ast::Step, none: Span, ids: Span) -> Diagnostic {
    Diagnostic::new(
        Code::DuplicateClause,
        format!("step `{}` says both `technique none` and which techniques it detects", step.id.name),
    )
    .primary(none, "no technique, says this")
    .secondary(ids, "but these are techniques")
    .help("keep the ids when a technique fits; `technique none \"reason\"` is for actions ATT&CK does not describe")
}

/// What the step says about itself, to rank "did you mean" ids: the tactics of its
/// known techniques, its title and description.
fn suggestion_context(step: &ast::Step, catalog: &Catalog) -> SuggestionContext {
    let mut context = SuggestionContext { text: step.title.value.clone(), ..Default::default() };
    for item in &step.items {
        match item {
            StepItem::Technique(ids) => {
                let known = ids.iter().filter_map(|id| catalog.technique(&id.name));
                context.tactics.extend(known.flat_map(|t| t.tactics.iter().cloned()));
            }
            StepItem::Description(text) => {
                context.text.push(' ');
                context.text.push_str(&text.value);
            }
            _ => {}
        }
    }
    context
}

fn resolve_schema<'s>(name: &ast::Ident, schemas: &'s Schemas, diags: &mut Diagnostics) -> Option<&'s Schema> {
    match schemas.lookup(&name.name) {
        Lookup::Found(schema) => return Some(schema),
        Lookup::Broken => return None,
        Lookup::Unknown => {}
    }
    diags.push(
        Diagnostic::new(Code::UnknownSchema, format!("unknown schema `{}`", name.name))
            .primary(name.span, "no schema of this name is declared")
            .did_you_mean(suggest::closest(&name.name, schemas.names())),
    );
    None
}

pub(super) fn lower_condition(
    expr: &ast::Expr,
    schema: &Schema,
    schemas: &Schemas,
    diags: &mut Diagnostics,
) -> Option<ir::Cond> {
    let mut ctx = Ctx { schema, schemas, diags };
    let cond = ir::normalize(ctx.lower(expr)?);
    let dead = contradictions(&cond);
    let tests = cond.tests();
    let all_tests = tests.first().map(|first| tests.iter().fold(first.span, |acc, t| acc.to(t.span)));
    for found in &dead {
        let span = found.span;
        let whole = Some(span) == all_tests || span == expr.span() || dead.len() == 1 && span_covers(span, expr.span());
        let diag = Diagnostic::new(
            Code::Contradiction,
            if whole { "this condition can never be true" } else { "this part of the condition can never be true" },
        );
        // Point at the tests that contradict each other, not at every test of the `and`.
        let diag = match found.parts.split_last() {
            Some((last, others)) if !others.is_empty() => {
                let together = if others.len() == 1 { "the test above" } else { "the tests above" };
                others
                    .iter()
                    .fold(diag, |d, part| d.secondary(*part, "this test"))
                    .primary(*last, format!("can never hold together with {together}"))
            }
            _ => diag.primary(span, "no event satisfies this"),
        };
        diags.push(diag.help("check the bounds and values for a typo"));
    }
    dead.is_empty().then_some(cond)
}

fn span_covers(inner: Span, outer: Span) -> bool {
    inner.lo <= outer.lo && inner.hi >= outer.hi
}

fn check_window(window: &ast::Duration, diags: &mut Diagnostics) -> Option<u64> {
    if (MIN_WINDOW_MS..=MAX_WINDOW_MS).contains(&window.millis) {
        return Some(window.millis);
    }
    diags.push(
        Diagnostic::new(Code::InvalidWindow, "window out of bounds")
            .primary(window.span, if window.millis < MIN_WINDOW_MS { "shorter than 1s" } else { "longer than 30d" })
            .note("windows are between 1 second and 30 days"),
    );
    None
}

fn key_field<'s>(
    key: &ast::Ident,
    schema: &'s Schema,
    schemas: &Schemas,
    diags: &mut Diagnostics,
) -> Option<&'s crate::schema::Field> {
    if let Some(field) = schema.field(&key.name) {
        return Some(field);
    }
    if schemas.is_broken_field(&schema.name, &key.name) {
        return None;
    }
    diags.push(
        Diagnostic::new(Code::KeyMissing, format!("`{}` is not a field of `{}`", key.name, schema.name))
            .primary(key.span, format!("`{}` events have no such field", schema.name))
            .secondary(schema.span, "schema declared here")
            .did_you_mean(suggest::closest(&key.name, schema.fields.iter().map(|f| f.name.as_str()))),
    );
    None
}

/// Checks a threshold; without a usable schema (already reported) only what does
/// not depend on it: the window and the count.
fn lower_threshold(
    t: &ast::Threshold,
    schema: Option<&Schema>,
    schemas: &Schemas,
    diags: &mut Diagnostics,
) -> Option<Threshold> {
    let window_ms = check_window(&t.window, diags);
    let mut field =
        |k: &ast::Ident| schema.and_then(|schema| key_field(k, schema, schemas, diags).map(|f| f.name.clone()));
    let keys: Vec<_> = t.by.iter().map(&mut field).collect();
    let distinct = t.distinct.as_ref().map(&mut field);
    let min = match (t.op, t.value) {
        (ast::CmpOp::Gt, ast::Number::Int(n)) if n >= 1 => Some(n as u64 + 1),
        (ast::CmpOp::Ge, ast::Number::Int(n)) if n >= 2 => Some(n as u64),
        (ast::CmpOp::Gt | ast::CmpOp::Ge, ast::Number::Int(_)) => {
            diags.push(
                Diagnostic::new(Code::InvalidThreshold, "this threshold is met by every single match")
                    .primary(t.value_span, "too low to mean a rate")
                    .help("thresholds start at `> 1` (or `>= 2`); for one event, drop the threshold"),
            );
            None
        }
        (ast::CmpOp::Gt | ast::CmpOp::Ge, ast::Number::Float(_)) => {
            diags.push(
                Diagnostic::new(Code::InvalidThreshold, "a count is a whole number")
                    .primary(t.value_span, "expected an integer"),
            );
            None
        }
        (op, _) => {
            diags.push(
                Diagnostic::new(
                    Code::InvalidThreshold,
                    format!("thresholds compare with `>` or `>=`, not `{}`", op.as_str()),
                )
                .primary(t.span, "a threshold fires when a count reaches a minimum"),
            );
            None
        }
    };
    let group_by: Option<Vec<String>> = keys.into_iter().collect();
    Some(Threshold {
        distinct: distinct.map_or(Some(None), |d| d.map(Some))?,
        min: min?,
        window_ms: window_ms?,
        group_by: group_by?,
    })
}

/// A flow's steps by id, declared and checked, so that each sequence member is found
/// in constant time: a linear search per member made one flow of many steps with
/// long sequences quadratic. The first declaration wins, as [`lower`] keeps it.
struct StepIndex<'a> {
    declared: HashMap<&'a str, &'a ast::Step>,
    checked: HashMap<&'a str, &'a ir::Step>,
}

impl<'a> StepIndex<'a> {
    fn new(flow: &'a ast::Flow, steps: &'a [ir::Step]) -> Self {
        let mut declared = HashMap::new();
        for item in &flow.items {
            if let FlowItem::Step(s) = item {
                declared.entry(s.id.name.as_str()).or_insert(s);
            }
        }
        let mut checked = HashMap::new();
        for step in steps {
            checked.entry(step.id.as_str()).or_insert(step);
        }
        StepIndex { declared, checked }
    }
}

fn lower_sequence(
    seq: &ast::Sequence,
    flow: &ast::Flow,
    index: &StepIndex,
    schemas: &Schemas,
    diags: &mut Diagnostics,
) -> Option<ir::Sequence> {
    let window_ms = check_window(&seq.window, diags);
    if seq.steps.len() < 2 {
        diags.push(
            Diagnostic::new(Code::SequenceTooShort, format!("sequence `{}` has only one step", seq.id.name))
                .primary(seq.span, "a sequence orders two or more steps")
                .help("use `threshold` on the step to detect repetition"),
        );
        return None;
    }
    let mut members = Vec::with_capacity(seq.steps.len());
    let mut implicit = Vec::new();
    let mut ok = true;
    for member in &seq.steps {
        let Some(&declared) = index.declared.get(member.step.name.as_str()) else {
            let names = flow.items.iter().filter_map(|i| match i {
                FlowItem::Step(s) => Some(s.id.name.as_str()),
                _ => None,
            });
            diags.push(
                Diagnostic::new(
                    Code::UnknownStep,
                    format!("no step `{}` in flow `{}`", member.step.name, flow.id.value),
                )
                .primary(member.step.span, "not a step of this flow")
                .did_you_mean(suggest::closest(&member.step.name, names)),
            );
            ok = false;
            continue;
        };
        let undetectable = declared.items.iter().find_map(|i| match i {
            StepItem::Undetectable(_, span) => Some(*span),
            _ => None,
        });
        if let Some(span) = undetectable {
            diags.push(
                Diagnostic::new(Code::UndetectableInSequence, format!("step `{}` is undetectable", member.step.name))
                    .primary(member.step.span, "cannot be matched in a sequence")
                    .secondary(span, "declared undetectable here")
                    .help("leave it out of the sequence; the detectable steps around it still correlate"),
            );
            ok = false;
            continue;
        }
        // A step that failed its own checks was already reported; its keys are
        // still checked against its declared source, so every mistake shows at once.
        let checked = index.checked.get(member.step.name.as_str()).copied();
        ok &= checked.is_some();
        let keys = if member.by.is_empty() { &seq.by } else { &member.by };
        if keys.is_empty() {
            diags.push(
                Diagnostic::new(
                    Code::KeyNotInSchema,
                    format!("sequence `{}` does not say how to join `{}`", seq.id.name, member.step.name),
                )
                .primary(member.step.span, "no join key for this step")
                .help("add `by <field>` to the sequence or to this step"),
            );
            ok = false;
            continue;
        }
        let source = declared.items.iter().find_map(|i| match i {
            StepItem::Source(s) => Some(s.name.as_str()),
            _ => None,
        });
        let Some(schema) = source.and_then(|s| schemas.get(s)) else {
            ok = false;
            continue;
        };
        let fields: Option<Vec<(String, FieldType, Span)>> = keys
            .iter()
            .map(|k| key_field(k, schema, schemas, diags).map(|f| (f.name.clone(), f.ty.clone(), k.span)))
            .collect();
        let Some(fields) = fields else {
            ok = false;
            continue;
        };
        // How the step joins needs its checked threshold; a step that failed was reported.
        let Some(step) = checked else { continue };
        match occurrence::resolve(seq, member, declared, step, keys, &mut implicit, diags) {
            Some(occurrence) => members.push((member, fields, occurrence)),
            None => ok = false,
        }
    }
    // Key shapes are compared among the members that resolved, even when others did not.
    let shapes = check_key_shapes(seq, &members, diags);
    if !ok {
        return None;
    }
    occurrence::note_implicit(seq, &implicit, diags);
    shapes?;
    let severity =
        members.iter().filter_map(|(m, _, _)| index.checked.get(m.step.name.as_str())).map(|s| s.severity).max()?;
    Some(ir::Sequence {
        id: seq.id.name.clone(),
        title: seq.title.value.clone(),
        window_ms: window_ms?,
        steps: members
            .into_iter()
            .map(|(m, fields, occurrence)| ir::SequenceStep {
                step: m.step.name.clone(),
                keys: fields.into_iter().map(|f| f.0).collect(),
                occurrence,
            })
            .collect(),
        severity,
        span: seq.id.span,
    })
}

type Member<'a> = (&'a ast::SequenceStep, Vec<(String, FieldType, Span)>, ir::Occurrence);

/// Every step joins on the same number of keys, with compatible types per position.
fn check_key_shapes(seq: &ast::Sequence, members: &[Member], diags: &mut Diagnostics) -> Option<()> {
    let (first, first_keys, _) = members.first()?;
    let mut ok = true;
    for (member, keys, _) in &members[1..] {
        if keys.len() != first_keys.len() {
            diags.push(
                Diagnostic::new(
                    Code::KeyCountMismatch,
                    format!("steps of sequence `{}` join on different numbers of keys", seq.id.name),
                )
                .primary(member.step.span, format!("joins on {} key(s)", keys.len()))
                .secondary(first.step.span, format!("joins on {} key(s)", first_keys.len())),
            );
            ok = false;
            continue;
        }
        for ((name, ty, span), (first_name, first_ty, first_span)) in keys.iter().zip(first_keys) {
            if !ty.joins_with(first_ty) {
                diags.push(
                    Diagnostic::new(Code::KeyTypeMismatch, format!("`{name}` and `{first_name}` cannot be joined"))
                        .primary(*span, format!("`{name}` is `{}`", ty.name()))
                        .secondary(*first_span, format!("`{first_name}` is `{}`", first_ty.name())),
                );
                ok = false;
            }
        }
    }
    ok.then_some(())
}
