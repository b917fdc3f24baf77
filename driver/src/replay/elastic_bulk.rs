//! Elasticsearch `_bulk` NDJSON: a `create` action line, then the document, per
//! event (data streams accept `create` only), for `POST /_bulk`.
//!
//! Names follow `[targets.elastic]` exactly as the rules read them: fields renamed
//! by [`ElasticSettings::field`] (the event time becomes `@timestamp`), and
//! `event.dataset` set, since sequence rules select each step's events by it. The
//! data stream is the schema's index pattern with its `*` filled in as `default`.

use super::Names;
use scalpel_compiler::events::ItemEvents;
use scalpel_compiler::ir::time;
use scalpel_targets::settings::ElasticSettings;
use serde_json::json;

/// The data stream events of `schema` are written to: `logs-ras.arm-*` → `logs-ras.arm-default`.
pub fn data_stream(settings: &ElasticSettings, schema: &str) -> String {
    settings.index(schema).replace('*', "default")
}

pub fn write(item: &ItemEvents, names: &Names) -> String {
    let elastic = &names.settings.elastic;
    let mut text = String::new();
    for line in item.lines() {
        let schema = names.program.schema(line.source);
        let mut doc = super::renamed(&line.event, |f| elastic.field(schema, f));
        if let Some(ms) = names.millis(line.source, &line.event) {
            doc.insert("@timestamp".into(), json!(time::format_rfc3339(ms)));
        }
        doc.insert("event.dataset".into(), json!(elastic.dataset(line.source)));
        let action = json!({ "create": { "_index": data_stream(elastic, line.source) } });
        text.push_str(&format!("{action}\n{}\n", serde_json::Value::Object(doc)));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_streams_fill_the_pattern() {
        let mut settings = ElasticSettings::default();
        assert_eq!(data_stream(&settings, "arm"), "logs-ras.arm-default");
        settings.indices.insert("arm".into(), "robots-arm".into());
        assert_eq!(data_stream(&settings, "arm"), "robots-arm");
    }
}
