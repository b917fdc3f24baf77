//! Target `splunk`: IR steps and sequences → SPL searches (`<flow>/<item>.spl`) and
//! an app with the Enterprise Security `savedsearches.conf` bundling them ([`package`],
//! [`app`]).
//!
//! - a step → `index=… sourcetype=…` for its schema, then its condition
//!   ([`condition`]: `search` terms when exact, else `| where`);
//! - a threshold → `streamstats time_window=… count|dc(…) BY keys` and a `where`
//!   on the count (a sliding window over the events Splunk streams: approximate,
//!   W0501);
//! - a sequence → `multisearch` of its steps tagged with a step number and join
//!   keys, `stats min/max(_time)` per step and key, and an order and window check
//!   (approximate, W0502); a step that joins on its threshold keeps only its
//!   completing events, found with `streamstats` over its own group fields after the
//!   branches are sorted by time (the threshold's approximation, W0501).
//!
//! Invariants: every literal passes through [`escape::quote`]; tests on missing
//! fields are false and `NOT` is boolean, as in `ir::eval`.

pub mod app;
pub mod condition;
pub mod conf;
pub mod escape;
mod package;
pub mod reserved;

use crate::backend::{file_safe, technique_ids, window_text, Backend, Emitted, OutFile, RuleMeta};
use crate::ids::rule_id;
use crate::settings::SplunkSettings;
use crate::templates::Templates;
use crate::{Context, Target};
use condition::Spl;
use escape::quote;
use scalpel_compiler::diag::{Code, Diagnostic};
use scalpel_compiler::ir::{Cond, Flow, Occurrence, Sequence, Step, TestOp, Threshold};

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
        let keys = step.detection.threshold().map(threshold_fields).unwrap_or_default();
        let refused = default_field_keys(keys, settings, step.span, &step.id);
        if !refused.is_empty() {
            return Emitted { diags: refused, ..Emitted::default() };
        }
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
            analytic_rule: None,
        };
        Emitted {
            files: vec![OutFile { path: rule_path(flow, &step.id), text: format!("{query}\n") }],
            rules: vec![meta],
            diags: condition_warnings(cond),
        }
    }

    fn emit_sequence(&self, ctx: &Context, flow: &Flow, sequence: &Sequence) -> Emitted {
        let settings = &ctx.settings.splunk;
        let mut keys: Vec<&str> = Vec::new();
        for member in &sequence.steps {
            keys.extend(member.keys.iter().map(String::as_str));
            if let (Occurrence::Threshold, Some(threshold)) =
                (member.occurrence, flow.step(&member.step).and_then(|s| s.detection.threshold()))
            {
                keys.extend(threshold_fields(threshold));
            }
        }
        let refused = default_field_keys(keys, settings, sequence.span, &sequence.id);
        if !refused.is_empty() {
            return Emitted { diags: refused, ..Emitted::default() };
        }
        let mut branches = Vec::new();
        let mut diags = Vec::new();
        let mut steps = Vec::new();
        let key_count = sequence.steps.first().map_or(0, |s| s.keys.len());
        let mut completions = String::new();
        for (position, member) in sequence.steps.iter().enumerate() {
            let Some(step) = flow.step(&member.step) else { continue };
            let (Some(cond), Some(source)) = (step.detection.condition(), step.source.as_deref()) else { continue };
            diags.extend(condition_warnings(cond));
            let mut evals: Vec<String> = member
                .keys
                .iter()
                .enumerate()
                .map(|(i, k)| format!("scalpel_key{}='{}'", i + 1, settings.field(k)))
                .collect();
            let mut search = base_search(source, cond, settings);
            if let (Occurrence::Threshold, Some(threshold)) = (member.occurrence, step.detection.threshold()) {
                search.push_str(&required(threshold, settings));
                evals.extend(
                    threshold
                        .group_by
                        .iter()
                        .enumerate()
                        .map(|(j, k)| format!("scalpel_by{}_{}='{}'", position + 1, j + 1, settings.field(k))),
                );
                completions.push_str(&completion_stages(position + 1, threshold, settings));
                diags.push(
                    Diagnostic::new(
                        Code::ApproximateWindow,
                        format!("splunk approximates the threshold of `{}` in sequence `{}`", step.id, sequence.id),
                    )
                    .primary(sequence.span, "threshold step counted with `streamstats`")
                    .note("see `scalpel explain W0501` and docs/targets.md"),
                );
            }
            branches.push(format!(
                "    [search {} | eval scalpel_step={}, {}]",
                search.replace('\n', " "),
                position + 1,
                evals.join(", ")
            ));
            steps.push(step);
        }
        if !completions.is_empty() {
            // `time_window` needs the events in time order; the branches interleave.
            completions.insert_str(0, "\n| sort 0 _time");
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
            "| multisearch\n{}\n| where {}{completions}\n| eval {}\n| stats {} BY {}\n| where {}",
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
            analytic_rule: None,
        };
        Emitted {
            files: vec![OutFile { path: rule_path(flow, &sequence.id), text: format!("{query}\n") }],
            rules: vec![meta],
            diags,
        }
    }

    fn package(&self, ctx: &Context, rules: &[RuleMeta], templates: &Templates) -> Result<Vec<OutFile>, Diagnostic> {
        let app = app::app_id(ctx);
        let text = package::savedsearches(ctx, rules, templates)?;
        Ok(vec![
            OutFile { path: format!("{app}/default/app.conf"), text: app::app_conf(ctx, rules, &app)? },
            OutFile { path: format!("{app}/default/macros.conf"), text: app::macros_conf(ctx, rules)? },
            OutFile { path: format!("{app}/default/savedsearches.conf"), text },
            OutFile { path: format!("{app}/metadata/default.meta"), text: app::default_meta() },
        ])
    }
}

/// The fields a threshold groups or counts by.
fn threshold_fields(threshold: &Threshold) -> Vec<&str> {
    threshold.group_by.iter().chain(&threshold.distinct).map(String::as_str).collect()
}

/// E0560 for each grouping, counting or join key whose Splunk name is one of
/// Splunk's own fields: `BY host` would group by Splunk's `host`, not the event's.
fn default_field_keys(
    keys: Vec<&str>,
    settings: &SplunkSettings,
    span: scalpel_compiler::source::Span,
    item: &str,
) -> Vec<Diagnostic> {
    let mut seen: Vec<&str> = Vec::new();
    let mut diags = Vec::new();
    for key in keys {
        let name = settings.field(key);
        if reserved::is_reserved(name) && !seen.contains(&name) {
            seen.push(name);
            diags.push(
                Diagnostic::new(
                    Code::SplunkDefaultFieldKey,
                    format!("splunk cannot group `{item}` by `{name}`: Splunk sets that field itself"),
                )
                .primary(span, format!("`{key}` is read as Splunk's `{name}`, not the event's"))
                .note(format!(
                    "rename it for Splunk: `[targets.splunk] fields = {{ \"{key}\" = \"event_{}\" }}`; see `scalpel explain E0560`",
                    name.trim_start_matches('_')
                )),
            );
        }
    }
    diags
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
    let by = if keys.is_empty() { String::new() } else { format!(" BY {}", keys.join(" ")) };
    let mut out = required(threshold, settings);
    out.push_str(&format!(
        "\n| streamstats time_window={} {} AS scalpel_count{by}\n| where scalpel_count >= {}\n| stats max(scalpel_count) AS scalpel_count min(_time) AS first_time max(_time) AS last_time{by}",
        window_text(threshold.window_ms, 1000).0,
        aggregate(threshold, settings),
        threshold.min
    ));
    out
}

/// `| where` the group-by fields (and the counted field) are present, as
/// `ir::eval` counts only such events; empty when there are none.
fn required(threshold: &Threshold, settings: &SplunkSettings) -> String {
    let fields = threshold.group_by.iter().chain(&threshold.distinct);
    let required: Vec<String> = fields.map(|f| format!("isnotnull('{}')", settings.field(f))).collect();
    if required.is_empty() {
        String::new()
    } else {
        format!("\n| where {}", required.join(" AND "))
    }
}

/// `count`, or `dc('field')` for a distinct threshold.
fn aggregate(threshold: &Threshold, settings: &SplunkSettings) -> String {
    match &threshold.distinct {
        Some(field) => format!("dc('{}')", settings.field(field)),
        None => "count".to_string(),
    }
}

/// The stages that keep, of a threshold member's events, those that complete its
/// threshold: after the branches are merged and sorted by time, a `streamstats` over
/// the member's own group fields (named per member, so that other steps' events
/// never join its groups), then every other step's events and the completing ones.
fn completion_stages(position: usize, threshold: &Threshold, settings: &SplunkSettings) -> String {
    let groups: Vec<String> = (1..=threshold.group_by.len()).map(|j| format!("scalpel_by{position}_{j}")).collect();
    let by = if groups.is_empty() { String::new() } else { format!(" BY {}", groups.join(" ")) };
    format!(
        "\n| streamstats time_window={} {} AS scalpel_count{position}{by}\n| where scalpel_step!={position} OR scalpel_count{position} >= {}",
        window_text(threshold.window_ms, 1000).0,
        aggregate(threshold, settings),
        threshold.min
    )
}

/// W0507 for case-insensitive non-ASCII text, W0564 for integers a double cannot hold, W0509 for regexes PCRE reads differently,
/// W0563 for regexes PCRE can backtrack exponentially on.
fn condition_warnings(cond: &Cond) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    for test in cond.tests() {
        if let Some(i) = condition::inexact_integer(test) {
            diags.push(
                Diagnostic::new(Code::InexactNumber, format!("splunk compares `{i}` as a double"))
                    .primary(test.span, format!("also matches values that round to {:?}", i as f64))
                    .note("see `scalpel explain W0564`"),
            );
        }
        if condition::folds_non_ascii(test) {
            diags.push(
                Diagnostic::new(Code::TargetCaseFolding, "splunk folds case for ASCII letters only")
                    .primary(test.span, "case-insensitive test with non-ASCII letters"),
            );
        }
        if let TestOp::Regex { pattern, case_insensitive } = &test.op {
            diags.extend(crate::backtracking::warning(Target::Splunk, test, pattern, *case_insensitive));
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
