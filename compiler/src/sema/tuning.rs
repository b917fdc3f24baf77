//! Tuning: a site's `exclude` declarations → [`ir::Tuning`] on the steps they apply to.
//!
//! Runs after the flows are lowered. Each exclusion's scope is resolved (a step, a
//! flow's steps, or every step reading a schema), its `where` is type-checked against
//! the schema of every step it applies to (once per schema), and the step's condition
//! becomes the tuned one ([`crate::ir::eval::tuned`]), so that every consumer reads the
//! tuned meaning. Expiry is judged against the build's tuning date, never the clock.

use super::flows::lower_condition;
use super::satisfiable::satisfiable;
use super::schemas::{Lookup, Schemas};
use crate::diag::{suggest, Code, Diagnostic, Diagnostics};
use crate::ir::{self, eval, Cond};
use crate::source::{FileId, SourceMap, Span};
use crate::syntax::ast::{self, ExclusionItem, Scope};
use std::collections::{BTreeMap, HashMap};

/// The day expiries are judged against, and where it came from (for messages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TuningDate {
    /// `YYYY-MM-DD`, validated.
    pub day: String,
    /// `` `[tuning] date` `` or `the version lock`.
    pub source: String,
}

/// Whether `text` is a calendar day `YYYY-MM-DD` from 1970 on.
pub fn is_day(text: &str) -> bool {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        text.get(r).filter(|s| s.bytes().all(|c| c.is_ascii_digit())).and_then(|s| s.parse().ok())
    };
    let (Some(year), Some(month), Some(day)) = (digits(0..4), digits(5..7), digits(8..10)) else {
        return false;
    };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    year >= 1970 && (1..=days).contains(&day)
}

/// A step an exclusion applies to: indexes into the program's flows and their steps.
type StepAt = (usize, usize);

pub fn apply(
    files: &[(FileId, ast::File)],
    sources: &SourceMap,
    schemas: &Schemas,
    flows: &mut [ir::Flow],
    date: Option<&TuningDate>,
    diags: &mut Diagnostics,
) {
    // Flows and steps that were declared but not lowered (their errors are reported):
    // an exclusion naming them is left alone rather than called unknown.
    let declared: Vec<(&str, Vec<&str>)> = files
        .iter()
        .flat_map(|(_, f)| &f.flows)
        .map(|flow| {
            let steps = flow.items.iter().filter_map(|i| match i {
                ast::FlowItem::Step(step) => Some(step.id.name.as_str()),
                _ => None,
            });
            (flow.id.value.as_str(), steps.collect())
        })
        .collect();
    let mut names: HashMap<String, Span> = HashMap::new();
    let mut applied: BTreeMap<StepAt, Vec<ir::Exclusion>> = BTreeMap::new();
    for (file, parsed) in files {
        if let Some(first) = parsed.exclusions.first() {
            let detection = parsed.flows.first().map(|f| f.span).or_else(|| parsed.schemas.first().map(|s| s.span));
            if let Some(detection) = detection {
                diags.push(
                    Diagnostic::new(Code::TuningMixed, "this file holds both detections and exclusions")
                        .primary(first.name.span, "an exclusion")
                        .secondary(detection, "a detection")
                        .help("keep exclusions in files of their own, e.g. a `tuning/` folder listed in `paths`"),
                );
            }
        }
        let path = crate::source::display_path(sources.path(*file));
        for exclusion in &parsed.exclusions {
            let folded = exclusion.name.value.to_lowercase();
            if let Some(first) = names.get(&folded) {
                diags.push(
                    Diagnostic::new(
                        Code::DuplicateExclusion,
                        format!("exclusion `{}` is named twice", exclusion.name.value),
                    )
                    .primary(exclusion.name.span, "named again here")
                    .secondary(*first, "first named here")
                    .help("exclusion names are unique in a tree (ignoring case)"),
                );
                continue;
            }
            names.insert(folded, exclusion.name.span);
            for (at, lowered) in check(exclusion, &path, schemas, flows, &declared, date, diags) {
                applied.entry(at).or_default().push(lowered);
            }
        }
    }
    for ((f, s), exclusions) in applied {
        let step = &mut flows[f].steps[s];
        let ir::Detection::Condition { condition, .. } = &mut step.detection else { continue };
        let untuned = condition.clone();
        let removed: Vec<&Cond> = exclusions.iter().map(|e| &e.condition).collect();
        let tuned = eval::tuned(&untuned, &removed);
        if !satisfiable(&tuned) {
            let last = exclusions.last().map(|e| e.span).unwrap_or(step.span);
            let others = exclusions.len() - 1;
            let with = if others == 0 { String::new() } else { format!(" (with {others} other exclusions)") };
            diags.push(
                Diagnostic::new(
                    Code::ExclusionUnsatisfiable,
                    format!("the exclusions of `{}.{}` leave nothing for it to detect", flows[f].id, step.id),
                )
                .primary(last, format!("removes every event the step matches{with}"))
                .secondary(step.span, "the step")
                .help("narrow the `where`; to stop a detection, change its flow"),
            );
        }
        *condition = tuned;
        step.tuning = Some(ir::Tuning { untuned, exclusions });
    }
}

/// The clauses of an exclusion, checked; `None` when one is missing or repeated.
struct Clauses<'a> {
    reason: &'a ast::Text,
    owner: &'a ast::Text,
    expires: Option<&'a ast::Text>,
    condition: &'a ast::Expr,
}

fn clauses<'a>(exclusion: &'a ast::Exclusion, diags: &mut Diagnostics) -> Option<Clauses<'a>> {
    let mut seen: HashMap<&'static str, Span> = HashMap::new();
    let mut failed = false;
    for item in &exclusion.items {
        if let Some(first) = seen.insert(item.keyword(), item.span()) {
            diags.push(
                Diagnostic::new(Code::DuplicateClause, format!("`{}` is given twice", item.keyword()))
                    .primary(item.span(), "given again here")
                    .secondary(first, "first given here")
                    .help("an exclusion has one `reason`, one `owner`, at most one `expires` and one `where`"),
            );
            failed = true;
        }
    }
    let find = |keyword: &str| exclusion.items.iter().find(|i| i.keyword() == keyword);
    let mut required = |keyword: &'static str, example: &str| {
        let found = find(keyword);
        if found.is_none() {
            diags.push(
                Diagnostic::new(
                    Code::MissingClause,
                    format!("exclusion `{}` has no `{keyword}`", exclusion.name.value),
                )
                .primary(exclusion.name.span, format!("`{keyword}` is required"))
                .help(format!("add `{keyword} {example}`")),
            );
        }
        found
    };
    let reason = required("reason", "\"why these events are expected\"");
    let owner = required("owner", "\"who answers for it\"");
    let condition = required("where", "<condition>");
    let expires = find("expires");
    let (
        Some(ExclusionItem::Reason(reason, _)),
        Some(ExclusionItem::Owner(owner, _)),
        Some(ExclusionItem::Where(condition, _)),
    ) = (reason, owner, condition)
    else {
        return None;
    };
    for (text, what) in [(reason, "reason"), (owner, "owner")] {
        if text.value.trim().is_empty() {
            diags.push(
                Diagnostic::new(
                    Code::BlankExclusionText,
                    format!("the {what} of exclusion `{}` is blank", exclusion.name.value),
                )
                .primary(text.span, "blank")
                .help(if what == "reason" {
                    "say why these events are expected, so a reviewer can judge it"
                } else {
                    "name the person or team who answers for this exclusion"
                }),
            );
            failed = true;
        }
    }
    let expires = match expires {
        Some(ExclusionItem::Expires(day, _)) if !is_day(&day.value) => {
            diags.push(
                Diagnostic::new(Code::InvalidExpiry, format!("`{}` is not a day", day.value))
                    .primary(day.span, "no such day")
                    .help("write the last day the exclusion applies as `YYYY-MM-DD`"),
            );
            failed = true;
            None
        }
        Some(ExclusionItem::Expires(day, _)) => Some(day),
        _ => None,
    };
    (!failed).then_some(Clauses { reason, owner, expires, condition })
}

/// The steps an exclusion applies to, each with its lowered exclusion.
fn check(
    exclusion: &ast::Exclusion,
    file: &str,
    schemas: &Schemas,
    flows: &[ir::Flow],
    declared: &[(&str, Vec<&str>)],
    date: Option<&TuningDate>,
    diags: &mut Diagnostics,
) -> Vec<(StepAt, ir::Exclusion)> {
    let clauses = clauses(exclusion, diags);
    let Some((scope_text, targets)) = resolve(&exclusion.scope, schemas, flows, declared, diags) else {
        return Vec::new();
    };
    let Some(clauses) = clauses else { return Vec::new() };
    let several = !matches!(exclusion.scope, Scope::Rule { step: Some(_), .. });
    // The `where` typed once per schema; `None` when it does not type-check there.
    let mut typed: BTreeMap<&str, Option<Cond>> = BTreeMap::new();
    let mut out = Vec::new();
    for (f, s) in targets {
        let step = &flows[f].steps[s];
        let rule = format!("{}.{}", flows[f].id, step.id);
        let (Some(untuned), Some(source)) = (step.detection.condition(), step.source.as_deref()) else {
            if !several {
                diags.push(
                    Diagnostic::new(Code::ExclusionExcludesNothing, format!("`{rule}` is undetectable"))
                        .primary(exclusion.scope.span(), "nothing to exclude from")
                        .note("an undetectable step has no rule to tune"),
                );
            }
            continue;
        };
        let Some(schema) = schemas.get(source) else { continue };
        let condition = typed
            .entry(source)
            .or_insert_with(|| {
                let mut local = Diagnostics::new();
                let cond = lower_condition(clauses.condition, schema, schemas, &mut local);
                for diag in local {
                    diags.push(if several {
                        diag.note(format!("the exclusion applies to `{rule}`, which reads schema `{source}`"))
                    } else {
                        diag
                    });
                }
                cond
            })
            .clone();
        let Some(condition) = condition else { continue };
        if !satisfiable(&Cond::All(vec![untuned.clone(), condition.clone()])) {
            diags.push(
                Diagnostic::new(
                    Code::ExclusionExcludesNothing,
                    format!("exclusion `{}` removes no event `{rule}` matches", exclusion.name.value),
                )
                .primary(clauses.condition.span(), format!("never true of an event `{rule}` matches"))
                .secondary(step.span, "the step")
                .help("check the values against the step's `detect`, and the scope"),
            );
        }
        out.push((
            (f, s),
            ir::Exclusion {
                name: exclusion.name.value.clone(),
                reason: clauses.reason.value.clone(),
                owner: clauses.owner.value.clone(),
                expires: clauses.expires.map(|d| d.value.clone()),
                scope: scope_text.clone(),
                file: file.to_string(),
                condition,
                span: exclusion.name.span,
            },
        ));
    }
    if let Some(day) = clauses.expires {
        match date {
            Some(date) if date.day.as_str() > day.value.as_str() => {
                diags.push(
                    Diagnostic::new(
                        Code::ExclusionExpired,
                        format!("exclusion `{}` expired on {}", exclusion.name.value, day.value),
                    )
                    .primary(day.span, format!("before the tuning date {} ({})", date.day, date.source))
                    .note("the rules are built without it")
                    .help("renew it with a later day after a review, or delete it"),
                );
                return Vec::new();
            }
            Some(_) => {}
            None => diags.push(
                Diagnostic::new(
                    Code::ExclusionNoDate,
                    format!("no tuning date to tell whether exclusion `{}` has expired", exclusion.name.value),
                )
                .primary(day.span, "applied, as if not expired")
                .help("set `[tuning] date = \"YYYY-MM-DD\"` in `scalpel.toml`, or lock the tree"),
            ),
        }
    }
    out
}

/// The scope as text and the steps it names; `None` (reported) when it names nothing declared.
fn resolve(
    scope: &Scope,
    schemas: &Schemas,
    flows: &[ir::Flow],
    declared: &[(&str, Vec<&str>)],
    diags: &mut Diagnostics,
) -> Option<(String, Vec<StepAt>)> {
    let declared_steps = |flow: &str| declared.iter().find(|(id, _)| *id == flow).map(|(_, steps)| steps);
    let all = flows.iter().enumerate().flat_map(|(f, flow)| (0..flow.steps.len()).map(move |s| (f, s)));
    match scope {
        Scope::Schema(name, _) => {
            match schemas.lookup(&name.name) {
                Lookup::Found(_) => {}
                Lookup::Broken => return None,
                Lookup::Unknown => {
                    diags.push(
                        Diagnostic::new(Code::UnknownSchema, format!("unknown schema `{}`", name.name))
                            .primary(name.span, "no schema of this name is declared")
                            .did_you_mean(suggest::closest(&name.name, schemas.names())),
                    );
                    return None;
                }
            }
            let steps: Vec<StepAt> =
                all.filter(|&(f, s)| flows[f].steps[s].source.as_deref() == Some(name.name.as_str())).collect();
            Some((format!("schema {}", name.name), steps))
        }
        Scope::Rule { flow, step, .. } => {
            let Some(f) = flows.iter().position(|fl| fl.id == flow.value) else {
                if declared_steps(&flow.value).is_some() {
                    return None;
                }
                diags.push(
                    Diagnostic::new(Code::UnknownTuningScope, format!("no flow `{}`", flow.value))
                        .primary(flow.span, "no flow has this id")
                        .did_you_mean(suggest::closest(&flow.value, flows.iter().map(|fl| fl.id.as_str()))),
                );
                return None;
            };
            match step {
                None => Some((flow.value.clone(), (0..flows[f].steps.len()).map(|s| (f, s)).collect())),
                Some(step) => {
                    let Some(s) = flows[f].steps.iter().position(|st| st.id == step.name) else {
                        if declared_steps(&flow.value).is_some_and(|steps| steps.contains(&step.name.as_str())) {
                            return None;
                        }
                        diags.push(
                            Diagnostic::new(
                                Code::UnknownTuningScope,
                                format!("flow `{}` has no step `{}`", flow.value, step.name),
                            )
                            .primary(step.span, "no step of this flow has this id")
                            .did_you_mean(suggest::closest(&step.name, flows[f].steps.iter().map(|st| st.id.as_str()))),
                        );
                        return None;
                    };
                    Some((format!("{}.{}", flow.value, step.name), vec![(f, s)]))
                }
            }
        }
    }
}
