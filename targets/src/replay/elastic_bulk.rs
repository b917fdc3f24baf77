//! Elasticsearch `_bulk` NDJSON: a `create` action line, then the document, per
//! event (data streams accept `create` only), for `POST /_bulk`.
//!
//! Until the Elastic target's settings exist, the data stream is
//! `logs-ras.<schema>-default` ([`index`]) and field names are kept as in the
//! schema ([`field`]); the event time moves to `@timestamp`, which data streams
//! require. These two functions are the place to point at
//! `[targets.elastic]` settings.

use super::Names;
use scalpel_compiler::events::ItemEvents;
use scalpel_compiler::ir::time;
use serde_json::json;

/// The data stream events of `schema` are written to.
pub fn index(schema: &str) -> String {
    format!("logs-ras.{schema}-default")
}

/// The Elastic name of a schema field.
pub fn field(name: &str) -> String {
    name.to_string()
}

pub fn write(item: &ItemEvents, names: &Names) -> String {
    let mut text = String::new();
    for line in item.lines() {
        let mut doc = super::renamed(line.event, field);
        if let Some(name) = names.time_field(line.source) {
            doc.remove(&field(name));
        }
        if let Some(ms) = names.millis(line.source, line.event) {
            doc.insert("@timestamp".into(), json!(time::format_rfc3339(ms)));
        }
        let action = json!({ "create": { "_index": index(line.source) } });
        text.push_str(&format!("{action}\n{}\n", serde_json::Value::Object(doc)));
    }
    text
}
