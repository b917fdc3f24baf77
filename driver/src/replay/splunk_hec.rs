//! Splunk HTTP Event Collector: one JSON object per line, as
//! `POST /services/collector/event` accepts them (several objects per request).
//!
//! `{"time": <epoch seconds>, "index", "sourcetype", "source", "event": {...}}`:
//! index and sourcetype come from `[targets.splunk]` (as the SPL rules read them),
//! fields are renamed with its `fields` table, `source` names the rule's events
//! (`scalpel:<flow>/<item>`) so a replay can be found and deleted again.

use super::Names;
use scalpel_compiler::events::ItemEvents;
use serde_json::{json, Value};

pub fn write(item: &ItemEvents, names: &Names) -> String {
    let splunk = &names.settings.splunk;
    let mut text = String::new();
    for line in item.lines() {
        let event = super::renamed(&line.event, |f| splunk.field(f).to_string());
        let time = names.millis(line.source, &line.event).map_or(Value::Null, |ms| json!(ms as f64 / 1000.0));
        let object = json!({
            "time": time,
            "index": splunk.index,
            "sourcetype": splunk.sourcetype(line.source),
            "source": format!("scalpel:{}/{}", item.flow, item.item),
            "event": event,
        });
        text.push_str(&object.to_string());
        text.push('\n');
    }
    text
}
