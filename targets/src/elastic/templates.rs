//! Index templates: one per schema, for `PUT _index_template/<name>`, so that the
//! data the rules read is mapped the way they assume (text as `keyword`, which is
//! what makes terms and regexes exact; numbers, booleans, IPs and the event time
//! typed), and `event.dataset` set per data stream.
//!
//! They compose with the stack's `logs` template instead of replacing it: a data
//! stream gets the settings of one index template only (the highest priority that
//! matches), so ours lists the `logs` template's own component templates in
//! `composed_of` (`logs@mappings`, `logs@settings`, `logs@custom`, `ecs@mappings`:
//! lifecycle, codec, the user's `logs@custom` tuning, ECS mappings) and adds only
//! its fields. Its priority, [`PRIORITY`], is above the `logs` template's 100 (so it
//! applies to our `logs-ras.*` streams) and below the 200 of Fleet's integration
//! templates (so an integration installed for the same dataset is not shadowed).
//!
//! Invariant: field names are the Elastic names the rules use
//! ([`ElasticSettings::field`]); properties are in name order.

use super::settings::ElasticSettings;
use scalpel_compiler::schema::{FieldType, Schema};
use serde_json::{json, Map, Value};

/// Elasticsearch's field type for a schema field type.
pub fn mapping_type(ty: &FieldType) -> &'static str {
    match ty {
        FieldType::String | FieldType::Enum(_) => "keyword",
        FieldType::Int => "long",
        FieldType::Float => "double",
        FieldType::Bool => "boolean",
        FieldType::Ip => "ip",
        FieldType::Timestamp => "date",
    }
}

/// Above the built-in `logs` template (100), below Fleet integrations (200).
pub const PRIORITY: u32 = 150;

/// The `logs` index template's component templates, in its order.
pub const LOGS_COMPONENTS: [&str; 4] = ["logs@mappings", "logs@settings", "logs@custom", "ecs@mappings"];

/// The index template of `schema`, as pretty JSON with a final newline.
pub fn index_template(settings: &ElasticSettings, schema: &Schema) -> String {
    let mut properties = Map::new();
    for field in &schema.fields {
        properties.insert(settings.field(Some(schema), &field.name), json!({ "type": mapping_type(&field.ty) }));
    }
    properties.insert("@timestamp".into(), json!({ "type": "date" }));
    properties
        .insert("event.dataset".into(), json!({ "type": "constant_keyword", "value": settings.dataset(&schema.name) }));
    let template = json!({
        "index_patterns": [settings.index(&schema.name)],
        "data_stream": {},
        "composed_of": LOGS_COMPONENTS,
        // `logs@custom` exists only once a user creates it.
        "ignore_missing_component_templates": ["logs@custom"],
        "priority": PRIORITY,
        "template": { "mappings": { "dynamic": false, "properties": Value::Object(properties) } },
        "_meta": { "managed_by": "scalpel", "schema": schema.name },
    });
    let mut text = serde_json::to_string_pretty(&template).unwrap_or_default();
    text.push('\n');
    text
}
