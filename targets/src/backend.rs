//! The contract between the build and each target: emit one rule per step or
//! sequence, optionally package them, and declare what the target cannot express.
//!
//! Capabilities are default methods; the build turns a missing capability into a
//! coded warning for every rule that needs it ([`capability_warnings`]), so no
//! back end can approximate silently.

use crate::templates::Templates;
use crate::{Context, Target};
use scalpel_compiler::diag::{Code, Diagnostic};
use scalpel_compiler::ir::{Flow, Sequence, Severity, Step};
use uuid::Uuid;

/// A file to write, relative to the target's output folder, with `/` separators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutFile {
    pub path: String,
    pub text: String,
}

/// What packaging needs to know about one emitted rule.
#[derive(Debug, Clone)]
pub struct RuleMeta {
    pub id: Uuid,
    pub flow_id: String,
    pub flow_title: String,
    /// The step or sequence id.
    pub item_id: String,
    pub title: String,
    pub description: String,
    pub severity: Severity,
    /// ATT&CK ids, sub-techniques followed by their parents, without repeats.
    pub techniques: Vec<String>,
    pub false_positives: Vec<String>,
    /// The query as the SIEM runs it.
    pub query: String,
    /// Sentinel's analytic rule as JSON, which its ARM template is made from (KQL only):
    /// packaging reads it here instead of emitting the rule again.
    pub analytic_rule: Option<serde_json::Value>,
}

/// The result of emitting one step or sequence for one target.
#[derive(Debug, Default)]
pub struct Emitted {
    pub files: Vec<OutFile>,
    pub rules: Vec<RuleMeta>,
    pub diags: Vec<Diagnostic>,
}

pub trait Backend: Sync {
    fn target(&self) -> Target;

    /// The rule of a detectable step (with its threshold, if any).
    fn emit_step(&self, ctx: &Context, flow: &Flow, step: &Step) -> Emitted;

    /// The rule of a sequence; its steps' rules are emitted by [`Backend::emit_step`].
    fn emit_sequence(&self, ctx: &Context, flow: &Flow, sequence: &Sequence) -> Emitted;

    /// Files that bundle every rule for import (none by default).
    fn package(&self, _ctx: &Context, _rules: &[RuleMeta], _templates: &Templates) -> Result<Vec<OutFile>, Diagnostic> {
        Ok(Vec::new())
    }

    /// Whether thresholds count over an exact sliding window `[t, t + window)`.
    fn exact_sliding_window(&self) -> bool {
        true
    }

    /// Whether sequences are matched exactly (order, keys, window).
    fn exact_sequences(&self) -> bool {
        true
    }

    /// The smallest time unit windows can be written in.
    fn window_unit_ms(&self) -> u64 {
        1000
    }
}

/// Warnings for the capabilities a step's threshold needs and `backend` lacks.
pub fn step_capability_warnings(backend: &dyn Backend, step: &Step) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if let Some(threshold) = step.detection.threshold() {
        let target = backend.target();
        if !backend.exact_sliding_window() {
            out.push(
                Diagnostic::new(
                    Code::ApproximateWindow,
                    format!("{target} approximates the sliding window of `{}`", step.id),
                )
                .primary(step.span, "threshold emitted as an approximation")
                .note("see `scalpel explain W0501` and docs/targets.md"),
            );
        }
        out.extend(window_warning(backend, threshold.window_ms, step.span));
    }
    out
}

/// Warnings for the capabilities a sequence needs and `backend` lacks.
pub fn sequence_capability_warnings(backend: &dyn Backend, sequence: &Sequence) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let target = backend.target();
    if !backend.exact_sequences() {
        out.push(
            Diagnostic::new(Code::ApproximateSequence, format!("{target} approximates the sequence `{}`", sequence.id))
                .primary(sequence.span, "sequence emitted as an approximation")
                .note("see `scalpel explain W0502` and docs/targets.md"),
        );
    }
    out.extend(window_warning(backend, sequence.window_ms, sequence.span));
    out
}

fn window_warning(backend: &dyn Backend, window_ms: u64, span: scalpel_compiler::source::Span) -> Option<Diagnostic> {
    let unit = backend.window_unit_ms();
    (!window_ms.is_multiple_of(unit)).then(|| {
        let (text, _) = window_text(window_ms, unit);
        Diagnostic::new(Code::RoundedWindow, format!("{} writes windows in whole seconds", backend.target()))
            .primary(span, format!("{window_ms}ms is rounded up to {text}"))
    })
}

/// A window in the largest unit that divides it (`90s` → `90s`, `3600s` → `1h`),
/// rounded up to `unit_ms`; the flag tells whether it was rounded.
pub fn window_text(window_ms: u64, unit_ms: u64) -> (String, bool) {
    let rounded = window_ms.div_ceil(unit_ms) * unit_ms;
    let seconds = rounded / 1000;
    let text = [(86_400, "d"), (3_600, "h"), (60, "m"), (1, "s")]
        .iter()
        .find(|(size, _)| seconds.is_multiple_of(*size))
        .map_or_else(|| format!("{seconds}s"), |(size, suffix)| format!("{}{suffix}", seconds / size));
    (text, rounded != window_ms)
}

/// ATT&CK ids of a step: each technique, then its parent when it is a sub-technique.
pub fn technique_ids(step: &Step) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for technique in &step.techniques {
        let parent = technique.parent.as_ref().map(|(id, _)| id.clone());
        for id in std::iter::once(technique.id.clone()).chain(parent) {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
    }
    ids
}

/// A name safe in file names and rule names: letters, digits, `.`, `_`, `-` kept,
/// anything else becomes `_`.
pub fn file_safe(name: &str) -> String {
    name.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') { c } else { '_' }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_use_the_largest_exact_unit() {
        assert_eq!(window_text(60_000, 1000), ("1m".to_string(), false));
        assert_eq!(window_text(90_000, 1000), ("90s".to_string(), false));
        assert_eq!(window_text(7_200_000, 1000), ("2h".to_string(), false));
        assert_eq!(window_text(86_400_000, 1000), ("1d".to_string(), false));
        assert_eq!(window_text(1_500, 1000), ("2s".to_string(), true));
    }

    #[test]
    fn file_names_are_safe() {
        assert_eq!(file_safe("AF2-10"), "AF2-10");
        assert_eq!(file_safe("a/b c..é"), "a_b_c.._");
    }
}
