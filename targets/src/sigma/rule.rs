//! The Sigma documents Scalpel writes, as serde structs (field order = YAML order).

use serde::Serialize;
use serde_norway::Mapping;

#[derive(Serialize)]
pub struct DetectionRule {
    pub title: String,
    pub name: String,
    pub id: String,
    pub status: String,
    pub description: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
    pub author: String,
    pub date: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub modified: Option<String>,
    /// Left out when empty: a step with `technique none` has no ATT&CK tag.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    pub logsource: LogSource,
    pub detection: Mapping,
    pub falsepositives: Vec<String>,
    pub level: String,
}

#[derive(Serialize)]
pub struct LogSource {
    pub product: String,
    pub service: String,
}

#[derive(Serialize)]
pub struct CorrelationRule {
    pub title: String,
    /// Set when another correlation references this one (a threshold a sequence chains).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub id: String,
    pub status: String,
    pub description: String,
    pub author: String,
    pub date: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub modified: Option<String>,
    pub tags: Vec<String>,
    pub correlation: Correlation,
    pub level: String,
}

#[derive(Serialize)]
pub struct Correlation {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub rules: Vec<String>,
    #[serde(rename = "group-by", skip_serializing_if = "Vec::is_empty")]
    pub group_by: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aliases: Option<Mapping>,
    pub timespan: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<CorrelationCondition>,
    /// Whether the referenced rules also alert on their own. Sigma's default (false) suppresses
    /// them, and one correlation with `false` suppresses a rule for every correlation.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub generate: bool,
}

#[derive(Serialize)]
pub struct CorrelationCondition {
    pub gte: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}
