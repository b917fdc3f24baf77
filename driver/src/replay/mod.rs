//! Generated events → files: the canonical JSONL with expectations (one file per
//! rule, what the conformance oracles read) and replay files a SOC ingests to test
//! the imported rules in the real SIEM.
//!
//! | file (under `events/<flow>/`) | format |
//! |---|---|
//! | `<item>.jsonl`, `<step>.threshold.jsonl` | canonical: the event, `_source`, `_case`, `_expect` |
//! | `<stem>.splunk-hec.json` | Splunk HTTP Event Collector, one JSON object per line |
//! | `<stem>.elastic-bulk.ndjson` | Elasticsearch `_bulk` (`create` into a data stream) |
//! | `<stem>.sentinel-<Table>.json` | Azure Monitor Logs ingestion API body, one per table |
//! | `manifest.json` (top) | every item: files, counts, notes |
//!
//! Invariants: files and lines in a fixed order (program order, then case order);
//! field names are mapped per target as the rules name them ([`Names`]).

mod azure_logs;
mod elastic_bulk;
mod splunk_hec;

use scalpel_compiler::events::{ItemEvents, ItemKind};
use scalpel_compiler::ir::Program;
use scalpel_targets::backend::file_safe;
use scalpel_targets::Settings;
use serde_json::{json, Map, Value};

/// How each target names tables, indexes and fields; see each format's module.
pub struct Names<'a> {
    pub program: &'a Program,
    pub settings: &'a Settings,
}

impl Names<'_> {
    /// The event time of an event of `source`, in epoch milliseconds.
    fn millis(&self, source: &str, event: &Value) -> Option<i64> {
        let field = &self.program.schema(source)?.event_time_field().name;
        scalpel_compiler::ir::eval::lookup(event, field).and_then(scalpel_compiler::ir::time::millis)
    }

    /// The schema's event-time field name (dropped from replay files that move it).
    fn time_field(&self, source: &str) -> Option<&str> {
        self.program.schema(source).map(|s| s.event_time_field().name.as_str())
    }
}

/// The file name of an item's events, without extension.
pub fn stem(item: &ItemEvents) -> String {
    let suffix = if item.kind == ItemKind::Threshold { ".threshold" } else { "" };
    format!("{}/{}{suffix}", file_safe(&item.flow), file_safe(&item.item))
}

/// Every events file, paths relative to the events folder: [`item_files`] of each
/// item, then the [`manifest`].
pub fn files(items: &[ItemEvents], program: &Program, settings: &Settings) -> Vec<(String, String)> {
    let names = Names { program, settings };
    let mut out: Vec<(String, String)> = items.iter().flat_map(|item| item_files(item, &names)).collect();
    out.push((MANIFEST.to_string(), manifest(items.iter().map(manifest_entry).collect())));
    out
}

/// The manifest's path in the events folder.
pub const MANIFEST: &str = "manifest.json";

/// The files of one item, paths relative to the events folder: the canonical JSONL,
/// then each replay format.
pub fn item_files(item: &ItemEvents, names: &Names) -> Vec<(String, String)> {
    let stem = stem(item);
    let mut out = vec![
        (format!("{stem}.jsonl"), canonical(item)),
        (format!("{stem}.splunk-hec.json"), splunk_hec::write(item, names)),
        (format!("{stem}.elastic-bulk.ndjson"), elastic_bulk::write(item, names)),
    ];
    for (table, text) in azure_logs::write(item, names) {
        out.push((format!("{stem}.sentinel-{table}.json"), text));
    }
    out
}

/// The canonical JSONL: per line the event's own fields (flat, dotted names as in
/// the schema), its schema in `_source`, the case label in `_case` and `_expect`.
pub fn canonical(item: &ItemEvents) -> String {
    let mut text = String::new();
    for line in item.lines() {
        let mut object = line.event.as_object().cloned().unwrap_or_default();
        object.insert("_source".into(), json!(line.source));
        object.insert("_case".into(), json!(line.label));
        object.insert("_expect".into(), json!(line.expect));
        text.push_str(&Value::Object(object).to_string());
        text.push('\n');
    }
    text
}

/// An item's entry in the [`manifest`]: its file, counts and notes.
pub fn manifest_entry(item: &ItemEvents) -> Value {
    let (events, expect_true) = item.line_counts();
    json!({
        "flow": item.flow,
        "item": item.item,
        "kind": match item.kind {
            ItemKind::Step => "step",
            ItemKind::Threshold => "threshold",
            ItemKind::Sequence => "sequence",
        },
        "file": format!("{}.jsonl", stem(item)),
        "events": events,
        "expect_true": expect_true,
        "positives": item.cases.iter().filter(|c| c.expect).count(),
        "negatives": item.cases.iter().filter(|c| !c.expect).count(),
        "scenarios": item.scenarios.iter().map(|s| json!({
            "label": s.label,
            "fires_for": s.expected,
            "events": s.event_count(),
        })).collect::<Vec<_>>(),
        "notes": item.notes,
    })
}

/// `manifest.json`: every item's [`manifest_entry`], in program order.
pub fn manifest(entries: Vec<Value>) -> String {
    let mut text = serde_json::to_string_pretty(&json!({ "items": entries })).unwrap_or_default();
    text.push('\n');
    text
}

/// An event with each field renamed by `rename`; the event-time field too.
fn renamed(event: &Value, rename: impl Fn(&str) -> String) -> Map<String, Value> {
    let mut out = Map::new();
    if let Some(object) = event.as_object() {
        for (k, v) in object {
            out.insert(rename(k), v.clone());
        }
    }
    out
}
