//! Which events of a step take part in a sequence: every event that matches its
//! condition, or, for a step with a threshold, every event that completes the
//! threshold (`docs/language.md`, "Sequences").
//!
//! Input: one sequence member as written, its step (AST and IR) and its join keys;
//! output: the member's [`Occurrence`] and diagnostics. A threshold member's keys
//! must be among the threshold's `by` fields (E0309), because the threshold
//! completes for one group of those fields and the keys must name that group.
//! `threshold step` on a step without one is E0311, a redundant `each` W0312. A
//! threshold step written without either keyword gets the threshold meaning and,
//! once per sequence, W0310 saying so and how to spell the other meaning.

use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::ir::{self, Occurrence, Threshold};
use crate::source::Span;
use crate::syntax::ast::{self, StepItem};

/// A threshold member written without `each` or `threshold`, for W0310.
pub struct Implicit<'a> {
    pub member: &'a ast::SequenceStep,
    pub threshold: &'a Threshold,
    pub clause: Span,
}

/// The member's occurrence, or `None` after an error.
pub fn resolve<'a>(
    seq: &ast::Sequence,
    member: &'a ast::SequenceStep,
    declared: &ast::Step,
    step: &'a ir::Step,
    keys: &[ast::Ident],
    implicit: &mut Vec<Implicit<'a>>,
    diags: &mut Diagnostics,
) -> Option<Occurrence> {
    let name = &member.step.name;
    let clause = declared.items.iter().find_map(|item| match item {
        StepItem::Threshold(t) => Some(t),
        _ => None,
    });
    let (threshold, clause) = match (step.detection.threshold(), clause) {
        (Some(threshold), Some(clause)) => (threshold, clause),
        _ => {
            return match member.occurrence {
                Some((ast::Occurrence::Threshold, span)) => {
                    diags.push(
                        Diagnostic::new(Code::OccurrenceWithoutThreshold, format!("`{name}` has no threshold"))
                            .primary(span, "`threshold` joins a step when its threshold completes")
                            .secondary(declared.id.span, "declared without a `threshold` clause")
                            .help(format!(
                                "remove `threshold`: `{name}` joins the sequence on each event that matches its condition"
                            )),
                    );
                    None
                }
                Some((ast::Occurrence::Each, span)) => {
                    diags.push(
                        Diagnostic::new(Code::RedundantEach, format!("`each` has no effect on `{name}`"))
                            .primary(span, "this step has no threshold")
                            .help(format!("remove `each`: `{name}` joins on each event that matches its condition")),
                    );
                    Some(Occurrence::Event)
                }
                None => Some(Occurrence::Event),
            };
        }
    };
    if let Some((ast::Occurrence::Each, _)) = member.occurrence {
        return Some(Occurrence::Event);
    }
    let mut ok = true;
    for key in keys.iter().filter(|k| !threshold.group_by.contains(&k.name)) {
        let counted = if clause.by.is_empty() {
            "counts all its events together".to_string()
        } else {
            format!("counts per {}", quoted(threshold.group_by.iter().map(String::as_str)))
        };
        let by_span = clause.by.first().map_or(clause.span, |first| first.span.to(clause.by[clause.by.len() - 1].span));
        let grouped: Vec<&str> = threshold.group_by.iter().map(String::as_str).chain([key.name.as_str()]).collect();
        let mut diag = Diagnostic::new(
            Code::SequenceKeyNotGrouped,
            format!("`{name}` joins sequence `{}` on `{}`, which its threshold does not group by", seq.id.name, key.name),
        )
        .primary(key.span, format!("join key of `{name}`"))
        .secondary(by_span, counted)
        .note("a threshold step joins a sequence when its threshold completes for one group of its `by` fields; each join key must name that group")
        .help(format!("add `{}` to the threshold's `by`: `by {}`", key.name, grouped.join(", ")));
        if !threshold.group_by.is_empty() {
            diag = diag
                .help(format!("or join `{name}` on {} instead", quoted(threshold.group_by.iter().map(String::as_str))));
        }
        diags.push(diag.help(format!("or write `each {name}` to join every event that matches its condition")));
        ok = false;
    }
    // A member with a wrong key has its error; W0310 would only repeat its help.
    if ok && member.occurrence.is_none() {
        implicit.push(Implicit { member, threshold, clause: clause.span });
    }
    ok.then_some(Occurrence::Threshold)
}

/// W0310 once per sequence: its threshold steps written without a keyword join
/// when their thresholds complete.
pub fn note_implicit(seq: &ast::Sequence, implicit: &[Implicit], diags: &mut Diagnostics) {
    let Some(first) = implicit.first() else { return };
    let names = quoted(implicit.iter().map(|i| i.member.step.name.as_str()));
    let message = if implicit.len() == 1 {
        format!("threshold step {names} joins sequence `{}` when its threshold completes", seq.id.name)
    } else {
        format!("threshold steps {names} join sequence `{}` when their thresholds complete", seq.id.name)
    };
    let mut diag = Diagnostic::new(Code::ThresholdInSequence, message)
        .primary(first.member.step.span, format!("matches at the event that completes {}", describe(first.threshold)));
    for other in &implicit[1..] {
        diag = diag.secondary(
            other.member.step.span,
            format!("matches at the event that completes {}", describe(other.threshold)),
        );
    }
    for member in implicit {
        diag = diag.secondary(member.clause, format!("threshold of `{}`", member.member.step.name));
    }
    let spelled = |keyword: &str| {
        implicit.iter().map(|i| format!("`{keyword} {}`", i.member.step.name)).collect::<Vec<_>>().join(", ")
    };
    diags.push(
        diag.note("the sequence's window is measured from that event; earlier versions of Scalpel joined every single matching event")
            .help(format!("write {} to say so", spelled("threshold")))
            .help(format!("or write {} to join every event that matches the condition", spelled("each"))),
    );
}

/// `at least 5 distinct `user.name` within 10m per `source.ip``, for labels.
fn describe(threshold: &Threshold) -> String {
    let counted = match &threshold.distinct {
        Some(field) => format!("{} distinct `{field}`", threshold.min),
        None => format!("{} events", threshold.min),
    };
    let window = crate::ir::time::duration_text(threshold.window_ms);
    let per = if threshold.group_by.is_empty() {
        String::new()
    } else {
        format!(" per {}", quoted(threshold.group_by.iter().map(String::as_str)))
    };
    format!("at least {counted} within {window}{per}")
}

/// `` `a` ``, `` `a` and `b` ``, `` `a`, `b` and `c` ``.
fn quoted<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let names: Vec<String> = names.map(|n| format!("`{n}`")).collect();
    match names.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => String::new(),
    }
}
