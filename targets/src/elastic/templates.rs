//! Index templates: one per schema, for `PUT _index_template/<name>`, so that the
//! data the rules read is mapped the way they assume (text as `keyword`, which is
//! what makes terms and regexes exact; numbers, booleans, IPs and the event time
//! typed), and `event.dataset` set per data stream.
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
        "priority": 200,
        "template": { "mappings": { "dynamic": false, "properties": Value::Object(properties) } },
        "_meta": { "managed_by": "scalpel", "schema": schema.name },
    });
    let mut text = serde_json::to_string_pretty(&template).unwrap_or_default();
    text.push('\n');
    text
}
