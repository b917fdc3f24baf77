//! The ARM template Sentinel deploys (`az deployment group create`, or the
//! portal's Import): every rule of the tree as a
//! `Microsoft.OperationalInsights/workspaces/providers/alertRules` resource of kind
//! `Scheduled`, made from the rule's analytic-rule YAML, mapped key by key the way
//! Azure-Sentinel's YAML-to-ARM conversion maps them (`name` → `displayName`,
//! `relevantTechniques` → `techniques`, `gt` → `GreaterThan`, `1h` → `PT1H`,
//! `version` → `templateVersion`; `requiredDataConnectors` and `kind` left out).
//!
//! Invariants: the resource name is the rule id (a UUIDv5 of tree, flow, item and
//! target), so a redeploy updates the rule instead of adding one; `displayName`
//! carries the flow and item ids, as the Splunk and Kibana names do; every property
//! Microsoft's `ScheduledAlertRuleProperties` requires is present; keys are written
//! in a fixed order and nothing depends on the clock.

use crate::backend::RuleMeta;
use serde_json::{json, Map, Value};

/// The alertRules API version Azure-Sentinel's solution packages deploy with.
pub const API_VERSION: &str = "2023-12-01-preview";

/// Properties `ScheduledAlertRuleProperties` requires (Microsoft's
/// SecurityInsights REST specification, 2023-12-01-preview).
pub const REQUIRED: [&str; 10] = [
    "displayName",
    "enabled",
    "query",
    "queryFrequency",
    "queryPeriod",
    "severity",
    "suppressionDuration",
    "suppressionEnabled",
    "triggerOperator",
    "triggerThreshold",
];

/// The deployment template of `rules` (those with an analytic rule), pretty JSON with a
/// final newline.
pub fn template(rules: &[RuleMeta]) -> String {
    let resources: Vec<Value> = rules.iter().filter_map(|r| Some(resource(r, r.analytic_rule.as_ref()?))).collect();
    let template = json!({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {
            "workspace": {
                "type": "String",
                "metadata": { "description": "The Log Analytics workspace Microsoft Sentinel is enabled on" }
            }
        },
        "resources": resources,
    });
    let mut text = serde_json::to_string_pretty(&template).unwrap_or_default();
    text.push('\n');
    text
}

/// `yaml` is the rule's analytic-rule YAML as JSON.
fn resource(rule: &RuleMeta, yaml: &Value) -> Value {
    let text = |key: &str| yaml.get(key).and_then(Value::as_str).unwrap_or_default().to_string();
    let id = text("id");
    let mut properties = Map::new();
    properties.insert("displayName".into(), json!(format!("{} {}: {}", rule.flow_id, rule.item_id, text("name"))));
    properties.insert("description".into(), json!(text("description")));
    properties.insert("severity".into(), json!(text("severity")));
    // Deployed disabled unless the YAML says otherwise, as the Kibana rules are: a
    // SOC enables a rule once it has looked at it in its own workspace.
    properties.insert("enabled".into(), yaml.get("enabled").cloned().unwrap_or(json!(false)));
    properties.insert("query".into(), json!(text("query")));
    properties.insert("queryFrequency".into(), json!(iso_duration(&text("queryFrequency"))));
    properties.insert("queryPeriod".into(), json!(iso_duration(&text("queryPeriod"))));
    properties.insert("triggerOperator".into(), json!(operator(&text("triggerOperator"))));
    properties.insert("triggerThreshold".into(), yaml.get("triggerThreshold").cloned().unwrap_or(json!(0)));
    let suppression = yaml.get("suppressionDuration").and_then(Value::as_str).map(iso_duration);
    properties.insert("suppressionDuration".into(), json!(suppression.unwrap_or_else(|| "PT1H".into())));
    properties.insert("suppressionEnabled".into(), yaml.get("suppressionEnabled").cloned().unwrap_or(json!(false)));
    properties.insert("tactics".into(), yaml.get("tactics").cloned().unwrap_or(json!([])));
    // This API version takes techniques (`T1566`) and sub-techniques apart.
    let techniques: Vec<&str> = yaml
        .get("relevantTechniques")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    properties.insert("techniques".into(), json!(techniques.iter().filter(|t| !t.contains('.')).collect::<Vec<_>>()));
    properties.insert("subTechniques".into(), json!(techniques.iter().filter(|t| t.contains('.')).collect::<Vec<_>>()));
    properties.insert("alertRuleTemplateName".into(), Value::Null);
    properties.insert(
        "eventGroupingSettings".into(),
        yaml.get("eventGroupingSettings").cloned().unwrap_or(json!({ "aggregationKind": "AlertPerResult" })),
    );
    if let Some(mappings) = yaml.get("entityMappings") {
        properties.insert("entityMappings".into(), mappings.clone());
    }
    properties.insert("templateVersion".into(), json!(text("version")));
    json!({
        "id": format!(
            "[concat(resourceId('Microsoft.OperationalInsights/workspaces/providers', parameters('workspace'), 'Microsoft.SecurityInsights'),'/alertRules/{id}')]"
        ),
        "name": format!("[concat(parameters('workspace'),'/Microsoft.SecurityInsights/{id}')]"),
        "type": "Microsoft.OperationalInsights/workspaces/providers/alertRules",
        "kind": "Scheduled",
        "apiVersion": API_VERSION,
        "properties": Value::Object(properties),
    })
}

/// Sentinel's YAML durations (`5m`, `1h`, `14d`) in ISO 8601 (`PT5M`, `PT1H`, `P14D`);
/// anything else is kept as written, for ARM to refuse with its own message.
fn iso_duration(text: &str) -> String {
    let split = text.len().saturating_sub(1);
    let (number, unit) = text.split_at(split);
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return text.to_string();
    }
    match unit {
        "m" => format!("PT{number}M"),
        "h" => format!("PT{number}H"),
        "d" => format!("P{number}D"),
        _ => text.to_string(),
    }
}

fn operator(yaml: &str) -> &str {
    match yaml {
        "eq" => "Equals",
        "gt" => "GreaterThan",
        "lt" => "LessThan",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_operators_map_as_azure_sentinel_maps_them() {
        assert_eq!(iso_duration("5m"), "PT5M");
        assert_eq!(iso_duration("1h"), "PT1H");
        assert_eq!(iso_duration("14d"), "P14D");
        for kept in ["", "h", "1x", "-1h", "PT1H"] {
            assert_eq!(iso_duration(kept), kept);
        }
        assert_eq!(operator("gt"), "GreaterThan");
    }
}
