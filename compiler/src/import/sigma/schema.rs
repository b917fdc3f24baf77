//! Sigma logsources → Scalpel schemas.
//!
//! A logsource (product, category, service) names one schema, `windows_process_creation`
//! or `aws_cloudtrail`. Its fields are the taxonomy's (SigmaHQ `tests/logsource.json`,
//! embedded: the product's common fields and the category's or service's list), plus
//! every field an imported rule uses that the list lacks (W0900, with the closest
//! listed field as did-you-mean). Types come from the values the rules compare
//! ([`super::types`]); every schema gets the importer's own event-time field,
//! [`EVENT_TIME`], because Scalpel measures windows on one and Sigma names none.

use super::rule::Logsource;
use super::types::FieldType;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The time field every imported schema declares.
pub const EVENT_TIME: &str = "sigma_time";

const TAXONOMY: &str = include_str!("logsource.json");

/// The schema name of a logsource: its parts joined, lower-case, non-identifier
/// characters as `_`.
pub fn name(logsource: &Logsource) -> String {
    let parts: Vec<&str> = [&logsource.product, &logsource.category, &logsource.service]
        .into_iter()
        .filter_map(|p| p.as_deref())
        .collect();
    if parts.is_empty() {
        return "sigma_any".to_string();
    }
    let joined = parts.join("_");
    let mut out: String =
        joined.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' }).collect();
    if !out.starts_with(|c: char| c.is_ascii_alphabetic()) {
        out.insert_str(0, "sigma_");
    }
    out
}

/// The taxonomy's fields for a logsource, or `None` when it lists no such logsource.
pub fn taxonomy_fields(logsource: &Logsource) -> Option<Vec<String>> {
    static PARSED: OnceLock<Value> = OnceLock::new();
    let taxonomy = PARSED.get_or_init(|| serde_json::from_str(TAXONOMY).unwrap_or(Value::Null));
    let product = logsource.product.as_deref().unwrap_or("empty");
    let mut fields = Vec::new();
    let mut known = false;
    for section in ["legit", "addon"] {
        let Some(entry) = taxonomy.get(section).and_then(|s| s.get(product)) else { continue };
        let list = |v: Option<&Value>| -> Vec<String> {
            v.and_then(Value::as_array)
                .map(|a| a.iter().filter_map(|f| f.as_str().map(str::to_string)).collect())
                .unwrap_or_default()
        };
        let mut specific = None;
        if let Some(category) = &logsource.category {
            specific = entry.get("category").and_then(|c| c.get(category));
        }
        if specific.is_none() {
            if let Some(service) = &logsource.service {
                specific = entry.get("service").and_then(|s| s.get(service));
            }
        }
        if specific.is_some() || (logsource.category.is_none() && logsource.service.is_none()) {
            known = true;
        }
        fields.extend(list(specific));
        fields.extend(list(entry.get("common")));
    }
    known.then(|| {
        fields.sort();
        fields.dedup();
        fields
    })
}

/// One schema to write.
#[derive(Debug)]
pub struct SchemaOut {
    pub name: String,
    pub logsource: Logsource,
    /// Field → (type, whether the taxonomy lists it).
    pub fields: BTreeMap<String, (FieldType, bool)>,
}

/// The `.det` text of a schema.
pub fn write(schema: &SchemaOut) -> String {
    let ls = &schema.logsource;
    let part = |p: &Option<String>| p.clone().unwrap_or_else(|| "-".into());
    let title = format!(
        "Sigma logsource product {} category {} service {}",
        part(&ls.product),
        part(&ls.category),
        part(&ls.service)
    );
    let width = schema.fields.keys().map(String::len).max().unwrap_or(0).max(EVENT_TIME.len());
    let mut out = format!("schema {} {} {{\n", schema.name, crate::syntax::literal::quote(&title));
    out.push_str(&format!(
        "    {EVENT_TIME:width$} timestamp event_time \"added by the importer: Sigma names no event time\"\n"
    ));
    for (field, (ty, listed)) in &schema.fields {
        let note =
            if *listed { "" } else { " \"not in the Sigma taxonomy for this logsource; used by an imported rule\"" };
        out.push_str(&format!("    {field:width$} {}{note}\n", ty.as_str()));
    }
    out.push_str("}\n");
    out
}
