//! Target `splunk`: IR steps and sequences → SPL searches (`<flow>/<item>.spl`) and
//! an Enterprise Security `savedsearches.conf` bundling them ([`package`]).
//!
//! - a step → `index=… sourcetype=…` for its schema, then its condition
//!   ([`condition`]: `search` terms when exact, else `| where`);
//! - a threshold → `streamstats time_window=… count|dc(…) BY keys` and a `where`
//!   on the count (a sliding window over the events Splunk streams: approximate,
//!   W0501);
//! - a sequence → `multisearch` of its steps tagged with a step number and join
//!   keys, `stats min/max(_time)` per step and key, and an order and window check
//!   (approximate, W0502).
//!
//! Invariants: every literal passes through [`escape::quote`]; tests on missing
//! fields are false and `NOT` is boolean, as in `ir::eval`.

pub mod condition;
pub mod escape;
mod package;

use crate::backend::{file_safe, technique_ids, window_text, Backend, Emitted, OutFile, RuleMeta};
use crate::ids::rule_id;
use crate::settings::SplunkSettings;
use crate::templates::Templates;
use crate::{Context, Target};
use condition::Spl;
use escape::quote;
use scalpel_compiler::diag::{Code, Diagnostic};
use scalpel_compiler::ir::{Cond, Flow, Sequence, Step, TestOp, Threshold};

pub struct Splunk;

impl Backend for Splunk {
    fn target(&self) -> Target {
        Target::Splunk
    }

    fn exact_sliding_window(&self) -> bool {
        false
    }

    fn exact_sequences(&self) -> bool {
        false
    }

    fn emit_step(&self, ctx: &Context, flow: &Flow, step: &Step) -> Emitted {
        let (Some(cond), Some(source)) = (step.detection.condition(), step.source.as_deref()) else {
            return Emitted::default();
        };
        let settings = &ctx.settings.splunk;
        let mut query = base_search(source, cond, settings);
        if let Some(threshold) = step.detection.threshold() {
            query.push_str(&threshold_pipeline(threshold, settings));
        }
        let id = rule_id(ctx.tree, &flow.id, &step.id, Target::Splunk);
        let meta = RuleMeta {
            id,
            flow_id: flow.id.clone(),
            flow_title: flow.title.clone(),
            item_id: step.id.clone(),
            title: step.title.clone(),
            description: step.description.clone().unwrap_or_else(|| step.title.clone()),
            severity: step.severity,
            techniques: technique_ids(step),
            false_positives: step.false_positives.clone(),
            query: query.clone(),
        };
        Emitted {
            files: vec![OutFile { path: rule_path(flow, &step.id), text: format!("{query}\n") }],
            rules: vec![meta],
            diags: condition_warnings(cond),
        }
    }

    fn emit_sequence(&self, ctx: &Context, flow: &Flow, sequence: &Sequence) -> Emitted {
        let settings = &ctx.settings.splunk;
        let mut branches = Vec::new();
        let mut diags = Vec::new();
        let mut steps = Vec::new();
        let key_count = sequence.steps.first().map_or(0, |s| s.keys.len());
        for (position, member) in sequence.steps.iter().enumerate() {
            let Some(step) = flow.step(&member.step) else { continue };
            let (Some(cond), Some(source)) = (step.detection.condition(), step.source.as_deref()) else { continue };
            diags.extend(condition_warnings(cond));
            let keys: Vec<String> = member
                .keys
                .iter()
                .enumerate()
                .map(|(i, k)| format!("scalpel_key{}='{}'", i + 1, settings.field(k)))
                .collect();
            branches.push(format!(
                "    [search {} | eval scalpel_step={}, {}]",
                base_search(source, cond, settings).replace('\n', " "),
                position + 1,
                keys.join(", ")
            ));
            steps.push(step);
        }
        let keys: Vec<String> = (1..=key_count).map(|i| format!("scalpel_key{i}")).collect();
        let n = sequence.steps.len();
        let times: Vec<String> = (1..=n).map(|i| format!("scalpel_t{i}=if(scalpel_step={i}, _time, null())")).collect();
        let stats: Vec<String> = (1..=n)
            .map(|i| format!("min(scalpel_t{i}) AS scalpel_first{i} max(scalpel_t{i}) AS scalpel_last{i}"))
            .collect();
        let mut checks: Vec<String> = (1..n).map(|i| format!("scalpel_first{i} < scalpel_last{}", i + 1)).collect();
        let window_s = sequence.window_ms.div_ceil(1000);
        checks.push(format!("scalpel_last{n} - scalpel_first1 <= {window_s}"));
        let present: Vec<String> = keys.iter().map(|k| format!("isnotnull({k})")).collect();
        let query = format!(
            "| multisearch\n{}\n| where {}\n| eval {}\n| stats {} BY {}\n| where {}",
            branches.join("\n"),
            present.join(" AND "),
            times.join(", "),
            stats.join(" "),
            keys.join(" "),
            checks.join(" AND ")
        );
        let mut techniques: Vec<String> = Vec::new();
        for id in steps.iter().flat_map(|s| technique_ids(s)) {
            if !techniques.contains(&id) {
                techniques.push(id);
            }
        }
        let meta = RuleMeta {
            id: rule_id(ctx.tree, &flow.id, &sequence.id, Target::Splunk),
            flow_id: flow.id.clone(),
            flow_title: flow.title.clone(),
            item_id: sequence.id.clone(),
            title: sequence.title.clone(),
            description: format!(
                "Steps {} of flow {} in this order within {}",
                sequence.steps.iter().map(|s| s.step.as_str()).collect::<Vec<_>>().join(" -> "),
                flow.id,
                window_text(sequence.window_ms, 1000).0
            ),
            severity: sequence.severity,
            techniques,
            false_positives: Vec::new(),
            query: query.clone(),
        };
        Emitted {
            files: vec![OutFile { path: rule_path(flow, &sequence.id), text: format!("{query}\n") }],
            rules: vec![meta],
            diags,
        }
    }

    fn package(&self, ctx: &Context, rules: &[RuleMeta], templates: &Templates) -> Result<Vec<OutFile>, Diagnostic> {
        let text = package::savedsearches(ctx, rules, templates)?;
        Ok(vec![OutFile { path: "savedsearches.conf".into(), text }])
    }
}

/// `index="…" sourcetype="…"` and the condition.
pub fn base_search(source: &str, cond: &Cond, settings: &SplunkSettings) -> String {
    let scope = format!("index={} sourcetype={}", quote(&settings.index), quote(&settings.sourcetype(source)));
    match condition::condition(cond, settings) {
        Spl::Search(terms) => format!("{scope} {terms}"),
        Spl::Where(expr) => format!("{scope}\n| where {expr}"),
    }
}

fn threshold_pipeline(threshold: &Threshold, settings: &SplunkSettings) -> String {
    let keys: Vec<&str> = threshold.group_by.iter().map(|k| settings.field(k)).collect();
    let mut required: Vec<String> = keys.iter().map(|k| format!("isnotnull('{k}')")).collect();
    let aggregate = match &threshold.distinct {
        Some(field) => {
            let field = settings.field(field);
            required.push(format!("isnotnull('{field}')"));
            format!("dc('{field}')")
        }
        None => "count".to_string(),
    };
    let by = if keys.is_empty() { String::new() } else { format!(" BY {}", keys.join(" ")) };
    let mut out = String::new();
    if !required.is_empty() {
        out.push_str(&format!("\n| where {}", required.join(" AND ")));
    }
    out.push_str(&format!(
        "\n| streamstats time_window={} {aggregate} AS scalpel_count{by}\n| where scalpel_count >= {}\n| stats max(scalpel_count) AS scalpel_count min(_time) AS first_time max(_time) AS last_time{by}",
        window_text(threshold.window_ms, 1000).0,
        threshold.min
    ));
    out
}

/// W0507 for case-insensitive non-ASCII text, W0509 for regexes PCRE reads differently.
fn condition_warnings(cond: &Cond) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    for test in cond.tests() {
        if condition::folds_non_ascii(test) {
            diags.push(
                Diagnostic::new(Code::TargetCaseFolding, "splunk folds case for ASCII letters only")
                    .primary(test.span, "case-insensitive test with non-ASCII letters"),
            );
        }
        if let TestOp::Regex { pattern, case_insensitive } = &test.op {
            for reason in condition::pcre(pattern, *case_insensitive).inexact {
                diags.push(
                    Diagnostic::new(Code::TargetRegex, "splunk (PCRE) reads this regular expression differently")
                        .primary(test.span, reason)
                        .note("see `scalpel explain W0509`"),
                );
            }
        }
    }
    diags
}

fn rule_path(flow: &Flow, item: &str) -> String {
    format!("{}/{}.spl", file_safe(&flow.id), file_safe(item))
}
