//! Azure Monitor Logs ingestion API bodies for Sentinel custom tables: per table a
//! JSON array of rows, for `POST {endpoint}/dataCollectionRules/{dcr}/streams/
//! Custom-<Table>?api-version=2023-01-01`.
//!
//! Custom-table columns cannot contain dots, so fields become `device_id`
//! ([`column`]); the event time goes to `TimeGenerated`, which every table has;
//! the table is `<schema>_CL` ([`table`]). Until the KQL target's settings exist,
//! these two functions are the place to point at them.

use super::Names;
use scalpel_compiler::events::ItemEvents;
use scalpel_compiler::ir::time;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The custom table events of `schema` are ingested into.
pub fn table(schema: &str) -> String {
    format!("{}_CL", column(schema))
}

/// A column name: letters, digits and `_`, not starting with a digit.
pub fn column(field: &str) -> String {
    let mut name: String = field.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, '_');
    }
    name
}

/// `(table, body)` per table the item's events go to, tables in name order.
pub fn write(item: &ItemEvents, names: &Names) -> Vec<(String, String)> {
    let mut tables: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in item.lines() {
        let mut row = super::renamed(line.event, column);
        if let Some(field) = names.time_field(line.source) {
            row.remove(&column(field));
        }
        if let Some(ms) = names.millis(line.source, line.event) {
            row.insert("TimeGenerated".into(), json!(time::format_rfc3339(ms)));
        }
        tables.entry(table(line.source)).or_default().push(Value::Object(row).to_string());
    }
    tables.into_iter().map(|(table, rows)| (table, format!("[\n{}\n]\n", rows.join(",\n")))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_identifiers() {
        assert_eq!(column("device.id"), "device_id");
        assert_eq!(column("5g.cell"), "_5g_cell");
        assert_eq!(table("biosensor"), "biosensor_CL");
    }
}
