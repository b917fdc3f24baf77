//! Azure Monitor Logs ingestion API bodies for Sentinel custom tables: per table a
//! JSON array of rows, for `POST {endpoint}/dataCollectionRules/{dcr}/streams/
//! Custom-<Table>?api-version=2023-01-01`.
//!
//! Tables and columns are the ones the KQL rules read (`[targets.kql]`:
//! [`KqlSettings::table`](scalpel_targets::settings::KqlSettings::table) and `column`); the
//! event time goes to `TimeGenerated`, which every table has.

use super::Names;
use scalpel_compiler::events::ItemEvents;
use scalpel_compiler::ir::time;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// `(table, body)` per table the item's events go to, tables in name order.
pub fn write(item: &ItemEvents, names: &Names) -> Vec<(String, String)> {
    let kql = &names.settings.kql;
    let mut tables: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in item.lines() {
        let mut row = super::renamed(&line.event, |f| kql.column(f));
        if let Some(field) = names.time_field(line.source) {
            row.remove(&kql.column(field));
        }
        if let Some(ms) = names.millis(line.source, &line.event) {
            row.insert("TimeGenerated".into(), json!(time::format_rfc3339(ms)));
        }
        tables.entry(kql.table(line.source)).or_default().push(Value::Object(row).to_string());
    }
    tables.into_iter().map(|(table, rows)| (table, format!("[\n{}\n]\n", rows.join(",\n")))).collect()
}
