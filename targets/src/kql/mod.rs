//! Target `kql`: IR steps and sequences → Microsoft Sentinel scheduled analytic
//! rules (`<flow>/<item>.yaml`, with the query also as `<flow>/<item>.kql`) and a
//! custom-table schema per schema (`tables/<Table>.json`, [`package`]).
//!
//! - a step → its schema's table (`Ras<Schema>_CL` unless set), then `where` and its
//!   condition ([`condition`]); the event-time field is `TimeGenerated`;
//! - a threshold → exact sliding window: events sorted by keys and time, and
//!   `prev(TimeGenerated, n - 1)` on the same keys less than the window earlier
//!   means `n` events in the window; a distinct count joins each event with the
//!   same keys' events of the preceding window and counts distinct values;
//! - a sequence → exact: one `let` per step (keys and time), then one inner join per
//!   step on the keys, keeping strictly later events within the window of the
//!   first, and for each key and end time only the latest start (`ir::eval`'s own
//!   algorithm, so exactness can be checked step by step; `scan`'s per-step state
//!   machine would have to be shown equivalent across interleaved keys). A step that
//!   joins on its threshold contributes the threshold's completions (the rows the
//!   threshold query keeps before summarising) instead of its events.
//!
//! Invariants: every literal passes through [`escape::quote`], every column through
//! [`escape::column_ref`]; tests on missing fields are false and `not` is boolean,
//! as in `ir::eval`.

pub mod arm;
pub mod condition;
pub mod escape;
pub mod package;

use crate::backend::{file_safe, technique_ids, Backend, Emitted, OutFile, RuleMeta};
use crate::ids::rule_id;
use crate::schedule::{Item, Schedule};
use crate::settings::KqlSettings;
use crate::templates::Templates;
use crate::{Context, Target};
use condition::Gap;
use escape::column_ref;
use package::RuleInput;
use scalpel_compiler::diag::{Code, Diagnostic};
use scalpel_compiler::ir::{Cond, Flow, Occurrence, Program, Sequence, Step, Test, Threshold};
use scalpel_compiler::schema::{FieldType, Schema};

pub struct Kql;

/// Sentinel rejects longer queries.
const MAX_QUERY_CHARS: usize = 10_000;

/// `Ras` + the schema name in PascalCase + `_CL` (`cloud_api` → `RasCloudApi_CL`).
pub fn default_table(schema: &str) -> String {
    let pascal: String = schema
        .split(|c: char| !c.is_ascii_alphanumeric())
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |c| c.to_ascii_uppercase().to_string() + chars.as_str())
        })
        .collect();
    format!("Ras{pascal}_CL")
}

/// Minutes in the largest exact unit (`61m`, `2h`, `2d`), as Sentinel's YAML writes durations.
pub(crate) fn minutes_text(minutes: u64) -> String {
    match minutes {
        m if m % (24 * 60) == 0 => format!("{}d", m / (24 * 60)),
        m if m % 60 == 0 => format!("{}h", m / 60),
        m => format!("{m}m"),
    }
}

/// A KQL timespan literal, exact to the millisecond (`90s`, `10m`, `1500ms`).
pub fn timespan(window_ms: u64) -> String {
    [(86_400_000, "d"), (3_600_000, "h"), (60_000, "m"), (1_000, "s")]
        .iter()
        .find(|(size, _)| window_ms.is_multiple_of(*size))
        .map_or_else(|| format!("{window_ms}ms"), |(size, suffix)| format!("{}{suffix}", window_ms / size))
}

/// Maps a schema's fields to columns: the event-time field is `TimeGenerated`.
struct Columns<'a> {
    settings: &'a KqlSettings,
    schema: Option<&'a Schema>,
}

impl Columns<'_> {
    fn name(&self, field: &str) -> String {
        self.settings.field(self.schema, field)
    }

    fn reference(&self, field: &str) -> String {
        column_ref(&self.name(field))
    }

    fn ty(&self, field: &str) -> Option<&FieldType> {
        self.schema.and_then(|s| s.field(field)).map(|f| &f.ty)
    }

    /// `isnotempty(c)` for string columns, `isnotnull(c)` for the others.
    fn present(&self, field: &str) -> String {
        let f = match self.ty(field) {
            Some(FieldType::String | FieldType::Enum(_) | FieldType::Ip) | None => "isnotempty",
            Some(_) => "isnotnull",
        };
        format!("{f}({})", self.reference(field))
    }
}

impl Backend for Kql {
    fn target(&self) -> Target {
        Target::Kql
    }

    fn window_unit_ms(&self) -> u64 {
        1
    }

    fn emit_step(&self, ctx: &Context, flow: &Flow, step: &Step) -> Emitted {
        let (Some(cond), Some(source)) = (step.detection.condition(), step.source.as_deref()) else {
            return Emitted::default();
        };
        let settings = &ctx.settings.kql;
        let columns = Columns { settings, schema: ctx.program.schema(source) };
        let table = settings.table(source);
        let (base, mut diags) = base_query(&table, step, cond, &columns);
        let parts = match step.detection.threshold() {
            Some(threshold) => threshold_query(&base, threshold, &columns),
            None => Parts { body: base, tail: String::new(), completed: "TimeGenerated" },
        };
        let schedule = Schedule::of(&settings.schedule, flow, Item::Step(step));
        let id = rule_id(ctx.tree, &flow.id, &step.id, Target::Kql);
        let description = step.description.clone().unwrap_or_else(|| step.title.clone());
        let input = RuleInput {
            id: id.to_string(),
            title: &step.title,
            description: description.clone(),
            severity: step.severity,
            steps: vec![step],
            tables: vec![table],
            version: ctx.stamp(&flow.id, &step.id).version.to_string(),
        };
        let (files, limit, query, analytic_rule) = rule_files(flow, &step.id, input, &parts, &schedule, settings);
        diags.extend(limit.map(|d| d.primary(step.span, "this rule")));
        let meta = RuleMeta {
            id,
            flow_id: flow.id.clone(),
            flow_title: flow.title.clone(),
            item_id: step.id.clone(),
            title: step.title.clone(),
            description,
            severity: step.severity,
            techniques: technique_ids(step),
            false_positives: step.false_positives.clone(),
            query,
            analytic_rule: Some(analytic_rule),
        };
        Emitted { files, rules: vec![meta], diags }
    }

    fn emit_sequence(&self, ctx: &Context, flow: &Flow, sequence: &Sequence) -> Emitted {
        let settings = &ctx.settings.kql;
        let mut diags = Vec::new();
        let mut lets = Vec::new();
        let mut steps = Vec::new();
        let mut tables: Vec<String> = Vec::new();
        let key_count = sequence.steps.first().map_or(0, |s| s.keys.len());
        let to_real = numeric_key_positions(ctx.program, flow, sequence);
        for (position, member) in sequence.steps.iter().enumerate() {
            let Some(step) = flow.step(&member.step) else { continue };
            let (Some(cond), Some(source)) = (step.detection.condition(), step.source.as_deref()) else { continue };
            let columns = Columns { settings, schema: ctx.program.schema(source) };
            let table = settings.table(source);
            let (base, gaps) = base_query(&table, step, cond, &columns);
            diags.extend(gaps);
            // A threshold member's rows are its threshold's completions, whose groups
            // hold the join keys (checked by `sema`); the others', its matching events.
            let rows = match (member.occurrence, step.detection.threshold()) {
                (Occurrence::Threshold, Some(threshold)) => {
                    let events = format!("scalpel_events{}", position + 1);
                    let found = completions(&base, threshold, &columns, &events);
                    lets.extend(found.prelude);
                    found.rows
                }
                _ => {
                    let mut present: Vec<String> = member.keys.iter().map(|k| columns.present(k)).collect();
                    if present.is_empty() {
                        present.push("true".into());
                    }
                    format!("{base}\n| where {}", present.join(" and "))
                }
            };
            let mut keys: Vec<String> = member
                .keys
                .iter()
                .enumerate()
                .map(|(i, k)| {
                    let column = columns.reference(k);
                    let value = if to_real.contains(&i) { format!("toreal({column})") } else { column };
                    format!("scalpel_key{} = {value}", i + 1)
                })
                .collect();
            if keys.is_empty() {
                keys.push("scalpel_key1 = 1".into());
            }
            lets.push(format!(
                "let scalpel_step{} = {rows}\n| project {}, scalpel_t = TimeGenerated;",
                position + 1,
                keys.join(", ")
            ));
            if !tables.contains(&table) {
                tables.push(table);
            }
            steps.push(step);
        }
        let keys: Vec<String> = (1..=key_count.max(1)).map(|i| format!("scalpel_key{i}")).collect();
        let keys = keys.join(", ");
        let window = timespan(sequence.window_ms);
        let mut query = lets.join("\n");
        query.push_str(&format!(
            "\nscalpel_step1\n| distinct {keys}, scalpel_t\n| project {keys}, scalpel_start = scalpel_t, scalpel_end = scalpel_t"
        ));
        for position in 2..=steps.len() {
            query.push_str(&format!(
                "\n| join kind=inner scalpel_step{position} on {keys}\n| where scalpel_t > scalpel_end and scalpel_t - scalpel_start <= {window}\n| summarize scalpel_start = max(scalpel_start) by {keys}, scalpel_end = scalpel_t"
            ));
        }
        let parts = Parts {
            body: query,
            tail: format!(
                "\n| summarize scalpel_first = min(scalpel_start), scalpel_last = max(scalpel_end) by {keys}"
            ),
            completed: "scalpel_end",
        };
        let schedule = Schedule::of(&settings.schedule, flow, Item::Sequence(sequence));
        let id = rule_id(ctx.tree, &flow.id, &sequence.id, Target::Kql);
        let description = format!(
            "Steps {} of flow {} in this order within {window}",
            sequence.steps.iter().map(|s| s.step.as_str()).collect::<Vec<_>>().join(" -> "),
            flow.id,
        );
        let mut techniques: Vec<String> = Vec::new();
        for id in steps.iter().flat_map(|s| technique_ids(s)) {
            if !techniques.contains(&id) {
                techniques.push(id);
            }
        }
        let input = RuleInput {
            id: id.to_string(),
            title: &sequence.title,
            description: description.clone(),
            severity: sequence.severity,
            steps,
            tables,
            version: ctx.stamp(&flow.id, &sequence.id).version.to_string(),
        };
        let (files, limit, query, analytic_rule) = rule_files(flow, &sequence.id, input, &parts, &schedule, settings);
        diags.extend(limit.map(|d| d.primary(sequence.span, "this sequence")));
        let meta = RuleMeta {
            id,
            flow_id: flow.id.clone(),
            flow_title: flow.title.clone(),
            item_id: sequence.id.clone(),
            title: sequence.title.clone(),
            description,
            severity: sequence.severity,
            techniques,
            false_positives: Vec::new(),
            query,
            analytic_rule: Some(analytic_rule),
        };
        Emitted { files, rules: vec![meta], diags }
    }

    fn package(&self, ctx: &Context, rules: &[RuleMeta], _templates: &Templates) -> Result<Vec<OutFile>, Diagnostic> {
        let settings = &ctx.settings.kql;
        let mut files = ctx
            .program
            .schemas
            .iter()
            .map(|schema| {
                let table = settings.table(&schema.name);
                let columns = Columns { settings, schema: Some(schema) };
                let text = package::table_schema(schema, &table, &|f| columns.name(f))?;
                Ok(OutFile { path: format!("tables/{table}.json"), text })
            })
            .collect::<Result<Vec<_>, Diagnostic>>()?;
        if !rules.is_empty() {
            files.push(OutFile { path: "arm/analytic-rules.json".into(), text: arm::template(rules) });
        }
        Ok(files)
    }
}

/// `Table | where condition`, and for a tuned step the detection's own condition
/// followed by one `| where not (...)` per exclusion: Sentinel's way to read and edit
/// an exclusion apart from the detection, and the same events (`where`s conjoin). They
/// come before a threshold's `summarize`, so excluded events are never counted.
fn base_query(table: &str, step: &Step, cond: &Cond, columns: &Columns) -> (String, Vec<Diagnostic>) {
    let Some(tuning) = &step.tuning else {
        let (filter, diags) = filter(cond, columns);
        return (format!("{}\n| where {filter}", column_ref(table)), diags);
    };
    let (detected, mut diags) = filter(&tuning.untuned, columns);
    let mut query = format!("{}\n| where {detected}", column_ref(table));
    for exclusion in &tuning.exclusions {
        let (text, gaps) = filter(&Cond::Not(Box::new(exclusion.condition.clone())), columns);
        diags.extend(gaps);
        query.push_str(&format!("\n| where {text}"));
    }
    (query, diags)
}

/// The condition as a `where` expression, with a warning per inexact test.
fn filter(cond: &Cond, columns: &Columns) -> (String, Vec<Diagnostic>) {
    let (text, gaps) = condition::condition(cond, &|f| columns.name(f));
    let diags = gaps.into_iter().map(|(test, gap)| gap_warning(test, &gap)).collect();
    (text, diags)
}

fn gap_warning(test: &Test, gap: &Gap) -> Diagnostic {
    match gap {
        Gap::EmptyString => {
            Diagnostic::new(Code::KqlEmptyString, "kql cannot tell an empty string from a missing field")
                .primary(test.span, "compares with the empty string, which never matches in KQL")
                .note("see `scalpel explain W0508`")
        }
        Gap::Regex(reason) => Diagnostic::new(Code::TargetRegex, "kql (RE2) reads this regular expression differently")
            .primary(test.span, reason.to_string())
            .note("see `scalpel explain W0509`"),
    }
}

/// Positions of sequence keys whose steps disagree on `int` vs `float`: joined as `real`.
fn numeric_key_positions(program: &Program, flow: &Flow, sequence: &Sequence) -> Vec<usize> {
    let key_count = sequence.steps.first().map_or(0, |s| s.keys.len());
    (0..key_count)
        .filter(|&i| {
            let types: Vec<&FieldType> = sequence
                .steps
                .iter()
                .filter_map(|m| {
                    let step = flow.step(&m.step)?;
                    program.schema(step.source.as_deref()?)?.field(m.keys.get(i)?).map(|f| &f.ty)
                })
                .collect();
            types.windows(2).any(|w| w[0] != w[1])
        })
        .collect()
}

/// The threshold's query, given the condition's (`base`: table and `where`): its
/// completions, summarised per group.
fn threshold_query(base: &str, threshold: &Threshold, columns: &Columns) -> Parts {
    let Completions { prelude, rows, group } = completions(base, threshold, columns, "scalpel_events");
    let fired = "scalpel_fired_first = min(TimeGenerated), scalpel_fired_last = max(TimeGenerated)";
    let by = if group.is_empty() { String::new() } else { format!(" by {}", group.join(", ")) };
    let summary = match threshold.distinct {
        None => format!("\n| summarize {fired}{by}"),
        Some(_) => format!("\n| summarize scalpel_distinct = max(scalpel_distinct), {fired}{by}"),
    };
    Parts {
        body: format!("{}{rows}", prelude.map(|p| p + "\n").unwrap_or_default()),
        tail: summary,
        completed: "TimeGenerated",
    }
}

/// A threshold's completions as KQL: the `let` it needs first (for `distinct`), and
/// rows with the group's columns and `TimeGenerated` at every event time where the
/// group's events in the window that ends there reach the minimum (`ir::eval`'s
/// `threshold_completions`).
struct Completions {
    prelude: Option<String>,
    rows: String,
    /// The group's columns as the rows name them.
    group: Vec<String>,
}

/// `events` names the `let` that a `distinct` threshold reads twice.
fn completions(base: &str, threshold: &Threshold, columns: &Columns, events: &str) -> Completions {
    let keys: Vec<String> = threshold.group_by.iter().map(|k| columns.reference(k)).collect();
    let mut present: Vec<String> = threshold.group_by.iter().map(|k| columns.present(k)).collect();
    let window = timespan(threshold.window_ms);
    match &threshold.distinct {
        None => {
            let mut out = base.to_string();
            if !present.is_empty() {
                out.push_str(&format!("\n| where {}", present.join(" and ")));
            }
            let mut order: Vec<String> = keys.iter().map(|k| format!("{k} asc")).collect();
            order.push("TimeGenerated asc".into());
            out.push_str(&format!("\n| sort by {}", order.join(", ")));
            if threshold.min > 1 {
                // Sorted by keys then time, the event `min - 1` rows back has the
                // same keys only if every row between does.
                let back = threshold.min - 1;
                let mut checks: Vec<String> = keys.iter().map(|k| format!("prev({k}, {back}) == {k}")).collect();
                checks.push(format!("TimeGenerated - prev(TimeGenerated, {back}) < {window}"));
                out.push_str(&format!("\n| where {}", checks.join(" and ")));
            }
            Completions { prelude: None, rows: out, group: keys }
        }
        Some(field) => {
            present.push(columns.present(field));
            let mut group = keys.clone();
            let all = if keys.is_empty() {
                group.push("scalpel_all".into());
                "\n| extend scalpel_all = 1"
            } else {
                ""
            };
            let group = group.join(", ");
            let prelude = format!(
                "let {events} = {base}\n| where {}{all}\n| project TimeGenerated, {group}, scalpel_value = {};",
                present.join(" and "),
                columns.reference(field),
            );
            let rows = format!(
                "{events}\n| distinct {group}, TimeGenerated\n| join kind=inner ({events} | project {group}, scalpel_t = TimeGenerated, scalpel_value) on {group}\n| where scalpel_t <= TimeGenerated and TimeGenerated - scalpel_t < {window}\n| summarize by {group}, TimeGenerated, scalpel_value\n| summarize scalpel_distinct = count() by {group}, TimeGenerated\n| where scalpel_distinct >= {}",
                threshold.min
            );
            Completions {
                prelude: Some(prelude),
                rows,
                group: if keys.is_empty() { vec!["scalpel_all".into()] } else { keys },
            }
        }
    }
}

/// A query in the pieces its schedule needs: the rows that each complete a match
/// (`body`, whose column `completed` holds the completion time) and what
/// summarises them (`tail`).
struct Parts {
    body: String,
    tail: String,
    completed: &'static str,
}

impl Parts {
    /// The query over any time range, as the Logs blade runs it.
    fn batch(&self) -> String {
        format!("{}{}", self.body, self.tail)
    }

    /// The rule's query: only the matches that complete in this run's own slice
    /// `[now - interval - delay, now - delay)`, so that overlapping runs report each once.
    fn scheduled(&self, schedule: &Schedule) -> String {
        format!(
            "{}\n| where {c} >= ago({}) and {c} < ago({}){}",
            self.body,
            timespan(schedule.alert_delay_ms()),
            timespan(schedule.delay_ms),
            self.tail,
            c = self.completed
        )
    }
}

/// The rule's `.kql` (the batch query) and `.yaml` (the scheduled rule) files, an
/// error when it breaks a Sentinel limit, and the query the rule runs.
fn rule_files(
    flow: &Flow,
    item: &str,
    input: RuleInput,
    parts: &Parts,
    schedule: &Schedule,
    settings: &KqlSettings,
) -> (Vec<OutFile>, Option<Diagnostic>, String, serde_json::Value) {
    let query = parts.scheduled(schedule);
    let mut limit = None;
    if schedule.lookback_ms() > crate::schedule::SENTINEL_MAX_MS {
        limit = Some(
            Diagnostic::new(
                Code::SentinelPeriod,
                format!(
                    "kql caps the query period at 14d, short of the {} window + {} interval + {} ingestion delay",
                    timespan(schedule.window_ms),
                    timespan(schedule.interval_ms),
                    timespan(schedule.delay_ms),
                ),
            )
            .note("matches spanning more than 14d minus the interval and delay are missed; coverage counts the rule as not visible on kql"),
        );
    }
    if query.chars().count() > MAX_QUERY_CHARS {
        limit = Some(Diagnostic::new(
            Code::SentinelQueryTooLong,
            format!("kql query has {} characters, above Sentinel's {MAX_QUERY_CHARS}", query.chars().count()),
        ));
    }
    let base = format!("{}/{}", file_safe(&flow.id), file_safe(item));
    let rule = package::analytic_rule(input, &query, schedule, settings);
    (
        vec![
            OutFile { path: format!("{base}.kql"), text: format!("{}\n", parts.batch()) },
            OutFile { path: format!("{base}.yaml"), text: crate::yaml::to_string(&rule).unwrap_or_default() },
        ],
        limit,
        query,
        // What the YAML reads back as: the ARM template is made from it.
        serde_json::to_value(&rule).unwrap_or_default(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_durations() {
        assert_eq!(default_table("biosensor"), "RasBiosensor_CL");
        assert_eq!(default_table("cloud_api"), "RasCloudApi_CL");
        assert_eq!(minutes_text(61), "61m");
        assert_eq!(minutes_text(120), "2h");
        assert_eq!(minutes_text(2880), "2d");
    }

    #[test]
    fn windows_are_exact_to_the_millisecond() {
        assert_eq!(timespan(90_000), "90s");
        assert_eq!(timespan(600_000), "10m");
        assert_eq!(timespan(7_200_000), "2h");
        assert_eq!(timespan(86_400_000), "1d");
        assert_eq!(timespan(1_500), "1500ms");
    }
}
