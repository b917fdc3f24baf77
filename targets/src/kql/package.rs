//! Sentinel packaging: one analytic-rule YAML per rule (the Azure-Sentinel
//! repository's template format, see docs/targets.md; rendered from serde structs) and one custom-table
//! schema JSON per schema (`{"Name", "Properties": [{"Name", "Type"}]}`), the input
//! Sentinel's KQL validation takes.
//!
//! Invariants: every required field is present; `tactics` use Sentinel's CamelCase
//! enum and every technique in `relevantTechniques` has one of its tactics listed;
//! `severity` is one of Sentinel's four (critical becomes High); `name` and
//! `description` are cut to Sentinel's limits.

use super::escape::is_identifier;
use crate::schedule::{Schedule, SENTINEL_MAX_MS};
use crate::settings::KqlSettings;
use scalpel_compiler::diag::{Code, Diagnostic};
use scalpel_compiler::ir::{Severity, Step};
use scalpel_compiler::schema::{FieldType, Schema};
use serde::Serialize;

/// Sentinel's limits on `name` and `description` (characters).
const MAX_NAME: usize = 256;
const MAX_DESCRIPTION: usize = 5000;

/// Sentinel's tactic enum, ICS tactics included.
const TACTICS: &[&str] = &[
    "Reconnaissance",
    "ResourceDevelopment",
    "InitialAccess",
    "Execution",
    "Persistence",
    "PrivilegeEscalation",
    "DefenseEvasion",
    "CredentialAccess",
    "Discovery",
    "LateralMovement",
    "Collection",
    "CommandAndControl",
    "Exfiltration",
    "Impact",
    "ImpairProcessControl",
    "InhibitResponseFunction",
];

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AnalyticRule {
    pub id: String,
    pub name: String,
    pub description: String,
    pub severity: &'static str,
    pub required_data_connectors: Vec<DataConnector>,
    pub query_frequency: String,
    pub query_period: String,
    /// Sentinel's suppression stops the whole rule for its duration, whatever the
    /// keys, so it stays off: each run reports only its own slice instead.
    pub suppression_enabled: bool,
    pub suppression_duration: String,
    pub enabled: bool,
    pub trigger_operator: &'static str,
    pub trigger_threshold: u32,
    pub tactics: Vec<&'static str>,
    pub relevant_techniques: Vec<String>,
    pub query: String,
    pub event_grouping_settings: EventGrouping,
    pub version: String,
    pub kind: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DataConnector {
    pub connector_id: String,
    pub data_types: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EventGrouping {
    pub aggregation_kind: &'static str,
}

/// What a rule file needs besides the query.
pub struct RuleInput<'a> {
    pub id: String,
    pub title: &'a str,
    pub description: String,
    pub severity: Severity,
    pub steps: Vec<&'a Step>,
    pub tables: Vec<String>,
    /// `major.minor.patch` from the version lock.
    pub version: String,
}

pub fn analytic_rule(input: RuleInput, query: &str, schedule: &Schedule, settings: &KqlSettings) -> AnalyticRule {
    let minutes = |ms: u64| super::minutes_text(ms.div_ceil(60_000));
    let (tactics, techniques) = attack(&input.steps);
    AnalyticRule {
        id: input.id,
        name: input.title.chars().take(MAX_NAME).collect(),
        description: input.description.chars().take(MAX_DESCRIPTION).collect(),
        severity: match input.severity {
            Severity::Informational => "Informational",
            Severity::Low => "Low",
            Severity::Medium => "Medium",
            Severity::High | Severity::Critical => "High",
        },
        required_data_connectors: vec![DataConnector {
            connector_id: settings.connector_id.clone(),
            data_types: input.tables,
        }],
        query_frequency: minutes(schedule.interval_ms),
        query_period: minutes(schedule.lookback_ms().min(SENTINEL_MAX_MS)),
        suppression_enabled: false,
        suppression_duration: minutes(schedule.interval_ms),
        enabled: schedule.enabled,
        trigger_operator: "gt",
        trigger_threshold: 0,
        tactics,
        relevant_techniques: techniques,
        query: query.to_string(),
        event_grouping_settings: EventGrouping { aggregation_kind: "AlertPerResult" },
        version: input.version,
        kind: "Scheduled",
    }
}

/// Sentinel tactics and techniques of the steps: techniques (sub-techniques and
/// their parents) that have at least one tactic in Sentinel's enum, and those tactics.
fn attack(steps: &[&Step]) -> (Vec<&'static str>, Vec<String>) {
    let mut tactics: Vec<&'static str> = Vec::new();
    let mut techniques: Vec<String> = Vec::new();
    for technique in steps.iter().flat_map(|s| &s.techniques) {
        let mapped: Vec<&'static str> =
            technique.tactics.iter().filter_map(|t| sentinel_tactic(&t.shortname)).collect();
        if mapped.is_empty() {
            continue;
        }
        tactics.extend(mapped);
        let parent = technique.parent.as_ref().map(|(id, _)| id.clone());
        techniques.extend(std::iter::once(technique.id.clone()).chain(parent));
    }
    tactics.sort_by_key(|t| TACTICS.iter().position(|x| x == t));
    tactics.dedup();
    let mut unique: Vec<String> = Vec::new();
    for id in techniques {
        if !unique.contains(&id) {
            unique.push(id);
        }
    }
    (tactics, unique)
}

/// An ATT&CK tactic short name (`command-and-control`) → Sentinel's enum value
/// (`CommandAndControl`). ICS `evasion` is Sentinel's `DefenseEvasion`.
pub fn sentinel_tactic(shortname: &str) -> Option<&'static str> {
    let shortname = if shortname == "evasion" { "defense-evasion" } else { shortname };
    let camel: String = shortname
        .split('-')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |c| c.to_ascii_uppercase().to_string() + chars.as_str())
        })
        .collect();
    TACTICS.iter().copied().find(|t| t.eq_ignore_ascii_case(&camel))
}

#[derive(Serialize)]
struct Table {
    #[serde(rename = "Name")]
    name: String,
    #[serde(rename = "Properties")]
    properties: Vec<Column>,
}

#[derive(Serialize)]
struct Column {
    #[serde(rename = "Name")]
    name: String,
    #[serde(rename = "Type")]
    ty: &'static str,
}

/// The Kusto type a field is stored as.
pub fn column_type(ty: &FieldType) -> &'static str {
    match ty {
        FieldType::String | FieldType::Enum(_) | FieldType::Ip => "string",
        FieldType::Int => "long",
        FieldType::Float => "real",
        FieldType::Bool => "bool",
        FieldType::Timestamp => "datetime",
    }
}

/// `tables/<Table>.json` for one schema; an error when a column is not a name Log
/// Analytics accepts. Two fields sharing a column were refused with the settings
/// (E0118, `settings::renames`).
pub fn table_schema(schema: &Schema, table: &str, column: &dyn Fn(&str) -> String) -> Result<String, Diagnostic> {
    let time = schema.event_time_field();
    let mut properties = vec![Column { name: "TimeGenerated".into(), ty: "datetime" }];
    for field in schema.fields.iter().filter(|f| f.name != time.name) {
        let name = column(&field.name);
        if !is_identifier(&name) {
            return Err(Diagnostic::new(Code::KqlColumn, format!("kql column name `{name}` is not valid"))
                .primary(field.span, "this field")
                .help("rename it in `[targets.kql] fields`"));
        }
        properties.push(Column { name, ty: column_type(&field.ty) });
    }
    let table = Table { name: table.to_string(), properties };
    Ok(serde_json::to_string_pretty(&table).unwrap_or_default() + "\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tactics_use_sentinel_names() {
        assert_eq!(sentinel_tactic("command-and-control"), Some("CommandAndControl"));
        assert_eq!(sentinel_tactic("inhibit-response-function"), Some("InhibitResponseFunction"));
        assert_eq!(sentinel_tactic("impair-process-control"), Some("ImpairProcessControl"));
        assert_eq!(sentinel_tactic("evasion"), Some("DefenseEvasion"));
        assert_eq!(sentinel_tactic("resource-development"), Some("ResourceDevelopment"));
        assert_eq!(sentinel_tactic("network-effects"), None);
    }
}
