//! Target `elastic`: IR steps and sequences → Kibana detection rules, as query
//! files for review (`<flow>/<item>.eql|.esql|.lucene`) and one
//! `rules.ndjson` for `POST /api/detection_engine/rules/_import` ([`package`]), plus an
//! index template per schema ([`templates`]) mapping the fields as the rules assume.
//!
//! | item | rule type | query |
//! |---|---|---|
//! | step | `eql` (default) or `query` with `language = "lucene"` | [`eql::step_query`], [`lucene::condition`] |
//! | step with a threshold | `esql` | [`esql::threshold_query`] |
//! | sequence | `eql` | [`eql::sequence_query`] (a threshold step as `with runs=N`: approximate, W0550) |
//!
//! Thresholds are ES|QL rather than Kibana's `threshold` type: ES|QL states the
//! window in the query (`BUCKET`), counts distinct values without Kibana's
//! cardinality limits, and lower-cases text exactly as `ir::eval`; a `threshold`
//! rule would need its condition in Lucene (per-letter regexes) and would tie the
//! window to the schedule. Field names go through [`settings::ElasticSettings::field`]
//! (event time → `@timestamp`), values through [`escape`].

pub mod eql;
pub mod escape;
pub mod esql;
pub mod lucene;
mod notes;
mod package;
pub mod regex;
pub mod settings;
pub mod templates;

use crate::backend::{file_safe, technique_ids, Backend, Emitted, OutFile, RuleMeta};
use crate::ids::rule_id;
use crate::templates::Templates;
use crate::{Context, Target};
use scalpel_compiler::diag::{Code, Diagnostic};
use scalpel_compiler::ir::{Cond, Flow, Occurrence, Scalar, Sequence, SequenceStep, Step, Test, TestOp, Threshold};
use settings::{ElasticLanguage, ElasticSettings};

/// Elasticsearch's default `index.max_regex_length`.
const MAX_REGEX_LENGTH: usize = 1000;

pub struct Elastic;

/// The Kibana rule type an item compiles to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleKind {
    Eql,
    Esql,
    Lucene,
}

impl RuleKind {
    /// The rule's `type`.
    pub fn kibana_type(self) -> &'static str {
        match self {
            RuleKind::Eql => "eql",
            RuleKind::Esql => "esql",
            RuleKind::Lucene => "query",
        }
    }

    /// The rule's `language`, also the review file's extension.
    pub fn language(self) -> &'static str {
        match self {
            RuleKind::Eql => "eql",
            RuleKind::Esql => "esql",
            RuleKind::Lucene => "lucene",
        }
    }

    pub fn of_step(step: &Step, settings: &ElasticSettings) -> RuleKind {
        match (step.detection.threshold(), settings.language) {
            (Some(_), _) => RuleKind::Esql,
            (None, ElasticLanguage::Eql) => RuleKind::Eql,
            (None, ElasticLanguage::Lucene) => RuleKind::Lucene,
        }
    }
}

impl Backend for Elastic {
    fn target(&self) -> Target {
        Target::Elastic
    }

    /// ES|QL counts in tumbling `BUCKET`s.
    fn exact_sliding_window(&self) -> bool {
        false
    }

    /// EQL orders events with equal timestamps by its tiebreaker, where
    /// `ir::eval` needs strictly increasing times.
    fn exact_sequences(&self) -> bool {
        false
    }

    /// EQL `maxspan` and ES|QL spans take milliseconds.
    fn window_unit_ms(&self) -> u64 {
        1
    }

    fn emit_step(&self, ctx: &Context, flow: &Flow, step: &Step) -> Emitted {
        let (Some(cond), Some(source)) = (step.detection.condition(), step.source.as_deref()) else {
            return Emitted::default();
        };
        let settings = &ctx.settings.elastic;
        let schema = ctx.program.schema(source);
        let field = |name: &str| settings.field(schema, name);
        let kind = RuleKind::of_step(step, settings);
        let mut diags = Vec::new();
        let query = match (kind, step.detection.threshold()) {
            (RuleKind::Esql, Some(threshold)) => {
                let time = schema.map_or_else(|| "@timestamp".to_string(), |s| field(&s.event_time_field().name));
                esql::threshold_query(&settings.index(source), cond, threshold, &time, &field, &mut diags)
            }
            (RuleKind::Lucene, _) => lucene::condition(cond, &field, &mut diags),
            _ => eql::step_query(cond, &field, &mut diags),
        };
        if kind != RuleKind::Esql {
            diags.extend(case_folding_warnings(cond));
        }
        if let Some(threshold) =
            step.detection.threshold().filter(|t| t.group_by.len() > package::MAX_SUPPRESSION_FIELDS)
        {
            diags.push(
                Diagnostic::new(
                    Code::SuppressionFieldsCapped,
                    format!("elastic suppresses the alerts of `{}` on its first 3 `by` fields only", step.id),
                )
                .primary(step.span, format!("{} `by` fields", threshold.group_by.len()))
                .note("see `scalpel explain W0860` and docs/targets.md, \"Schedules\""),
            );
        }
        let meta = RuleMeta {
            id: rule_id(ctx.tree, &flow.id, &step.id, Target::Elastic),
            flow_id: flow.id.clone(),
            flow_title: flow.title.clone(),
            item_id: step.id.clone(),
            title: step.title.clone(),
            description: step
                .description
                .clone()
                .unwrap_or_else(|| format!("{} (flow {}: {})", step.title, flow.id, flow.title)),
            severity: step.severity,
            techniques: technique_ids(step),
            false_positives: step.false_positives.clone(),
            query: query.clone(),
            analytic_rule: None,
        };
        Emitted {
            files: vec![OutFile { path: rule_path(flow, &step.id, kind), text: format!("{query}\n") }],
            rules: vec![meta],
            diags,
        }
    }

    fn emit_sequence(&self, ctx: &Context, flow: &Flow, sequence: &Sequence) -> Emitted {
        let settings = &ctx.settings.elastic;
        let mut diags = Vec::new();
        let mut members = Vec::new();
        let mut steps = Vec::new();
        for member in &sequence.steps {
            let Some(step) = flow.step(&member.step) else { continue };
            let (Some(cond), Some(source)) = (step.detection.condition(), step.source.as_deref()) else { continue };
            let schema = ctx.program.schema(source);
            diags.extend(case_folding_warnings(cond));
            let threshold = match member.occurrence {
                Occurrence::Threshold => step.detection.threshold(),
                Occurrence::Event => None,
            };
            if let Some(threshold) = threshold {
                diags.push(runs_warning(sequence, step, member, threshold));
            }
            members.push(eql::Member {
                cond,
                dataset: settings.dataset(source),
                keys: member.keys.iter().map(|k| settings.field(schema, k)).collect(),
                field: Box::new(move |name: &str| settings.field(schema, name)),
                runs: threshold.map(|t| t.min.min(MAX_RUNS)),
            });
            steps.push(step);
        }
        let query = eql::sequence_query(&members, sequence.window_ms, &mut diags);
        let mut techniques: Vec<String> = Vec::new();
        for id in steps.iter().flat_map(|s| technique_ids(s)) {
            if !techniques.contains(&id) {
                techniques.push(id);
            }
        }
        let order: Vec<&str> = sequence.steps.iter().map(|s| s.step.as_str()).collect();
        let meta = RuleMeta {
            id: rule_id(ctx.tree, &flow.id, &sequence.id, Target::Elastic),
            flow_id: flow.id.clone(),
            flow_title: flow.title.clone(),
            item_id: sequence.id.clone(),
            title: sequence.title.clone(),
            description: format!(
                "Steps {} of flow {} in this order within {}",
                order.join(" -> "),
                flow.id,
                window_literal(sequence.window_ms)
            ),
            severity: sequence.severity,
            techniques,
            false_positives: Vec::new(),
            query: query.clone(),
            analytic_rule: None,
        };
        Emitted {
            files: vec![OutFile { path: rule_path(flow, &sequence.id, RuleKind::Eql), text: format!("{query}\n") }],
            rules: vec![meta],
            diags,
        }
    }

    fn package(&self, ctx: &Context, rules: &[RuleMeta], _templates: &Templates) -> Result<Vec<OutFile>, Diagnostic> {
        let mut files = vec![OutFile { path: "rules.ndjson".into(), text: package::ndjson(ctx, rules) }];
        let settings = &ctx.settings.elastic;
        files.extend(ctx.program.schemas.iter().map(|schema| OutFile {
            path: format!("index-templates/{}.json", file_safe(&schema.name)),
            text: templates::index_template(settings, schema),
        }));
        Ok(files)
    }
}

/// Elasticsearch accepts `with runs=N` for N up to 100.
const MAX_RUNS: u64 = 100;

/// W0550: EQL writes a threshold step of a sequence as `with runs=N`: N of the step's
/// events one after another within the sequence's window, on its join keys only.
fn runs_warning(sequence: &Sequence, step: &Step, member: &SequenceStep, threshold: &Threshold) -> Diagnostic {
    let runs = threshold.min.min(MAX_RUNS);
    let window = scalpel_compiler::ir::time::duration_text(threshold.window_ms);
    let mut diag = Diagnostic::new(
        Code::ElasticSequenceThreshold,
        format!("elastic approximates the threshold of `{}` in sequence `{}`", step.id, sequence.id),
    )
    .primary(sequence.span, format!("`{}` written as `with runs={runs}`", step.id))
    .note(format!(
        "EQL matches {runs} events of `{}` one after another within the sequence's window, not {} within its own {window}",
        step.id, threshold.min
    ));
    if threshold.min > MAX_RUNS {
        diag = diag.note(format!(
            "EQL allows at most {MAX_RUNS} runs: the rule asks for {MAX_RUNS} events where the threshold needs {}",
            threshold.min
        ));
    }
    if let Some(field) = &threshold.distinct {
        diag = diag.note(format!("`runs` counts events, not distinct values of `{field}`"));
    }
    let others: Vec<&str> =
        threshold.group_by.iter().filter(|g| !member.keys.contains(g)).map(String::as_str).collect();
    if !others.is_empty() {
        diag = diag.note(format!(
            "the events share the sequence's join keys only, not the threshold's other `by` fields ({})",
            others.iter().map(|f| format!("`{f}`")).collect::<Vec<_>>().join(", ")
        ));
    }
    diag.note("see `scalpel explain W0550` and docs/targets.md")
}

fn rule_path(flow: &Flow, item: &str, kind: RuleKind) -> String {
    format!("{}/{}.{}", file_safe(&flow.id), file_safe(item), kind.language())
}

/// Terms joined by `connective`, in parentheses unless there is only one.
fn parenthesised(terms: &[String], connective: &str) -> String {
    match terms {
        [one] => one.clone(),
        _ => format!("({})", terms.join(connective)),
    }
}

/// A window as EQL's `maxspan` writes it: the largest exact unit, or milliseconds.
pub fn window_literal(window_ms: u64) -> String {
    if window_ms.is_multiple_of(1000) {
        crate::backend::window_text(window_ms, 1000).0
    } else {
        format!("{window_ms}ms")
    }
}

/// For each test of `cond`, left to right (the order `infix::print` visits them):
/// whether a `not` encloses it.
pub fn under_not(cond: &Cond) -> Vec<bool> {
    fn walk(cond: &Cond, negated: bool, out: &mut Vec<bool>) {
        match cond {
            Cond::All(parts) | Cond::Any(parts) => parts.iter().for_each(|p| walk(p, negated, out)),
            Cond::Not(inner) => walk(inner, true, out),
            Cond::Test(_) => out.push(negated),
        }
    }
    let mut out = Vec::new();
    walk(cond, false, &mut out);
    out
}

/// Whether a test can be null (missing field) and so needs a guard under `not`.
fn guarded(test: &Test) -> bool {
    !matches!(test.op, TestOp::Exists)
}

/// The whole-value Lucene form of a `matches` test, with its diagnostics.
fn exact_regex(test: &Test, pattern: &str, case_insensitive: bool, diags: &mut Vec<Diagnostic>) -> String {
    check_regex(test, regex::search(pattern, case_insensitive), diags)
}

/// Reports what a translated regex cannot do exactly, and returns its pattern.
fn check_regex(test: &Test, lucene: regex::Lucene, diags: &mut Vec<Diagnostic>) -> String {
    if !lucene.exact {
        diags.push(
            Diagnostic::new(Code::ElasticRegexApproximated, "elastic regexes have no word boundaries or inner anchors")
                .primary(test.span, "this assertion is left out, so the rule matches more")
                .note("see `scalpel explain W0521`"),
        );
    }
    let length = lucene.pattern.chars().count();
    if length > MAX_REGEX_LENGTH {
        diags.push(
            Diagnostic::new(
                Code::ElasticRegexTooLong,
                format!("elastic regex is {length} characters, above the default `index.max_regex_length` of 1000"),
            )
            .primary(test.span, "written out for Lucene from this test"),
        );
    }
    lucene.pattern
}

/// W0520 for each case-insensitive test whose values hold non-ASCII letters.
fn case_folding_warnings(cond: &Cond) -> Vec<Diagnostic> {
    let non_ascii_letter = |s: &str| s.chars().any(|c| !c.is_ascii() && c.to_lowercase().ne(c.to_uppercase()));
    cond.tests()
        .into_iter()
        .filter(|t| {
            !t.cased
                && match &t.op {
                    TestOp::Eq(Scalar::Str(s) | Scalar::Enum(s)) => non_ascii_letter(s),
                    TestOp::OneOf(values) => {
                        values.iter().any(|v| matches!(v, Scalar::Str(s) | Scalar::Enum(s) if non_ascii_letter(s)))
                    }
                    TestOp::Text { values, .. } => values.iter().any(|v| non_ascii_letter(v)),
                    TestOp::Regex { pattern, case_insensitive } => *case_insensitive && non_ascii_letter(pattern),
                    _ => false,
                }
        })
        .map(|t| {
            Diagnostic::new(Code::ElasticCaseFolding, "elastic folds case one character at a time")
                .primary(t.span, "case-insensitive test with non-ASCII letters")
        })
        .collect()
}
