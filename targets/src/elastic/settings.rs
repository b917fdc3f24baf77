//! `[targets.elastic]`: where each schema's events live, how fields are named in
//! the ECS-style layout, which language single steps use, the schedule and the
//! risk score of each severity.
//!
//! Invariant: `validate` has accepted every value the back end formats into a
//! rule (the schedule per `crate::schedule`, risk scores 0–100), so emitting
//! never meets a malformed setting.

use crate::schedule::ScheduleSettings;
use scalpel_compiler::ir::Severity;
use scalpel_compiler::schema::Schema;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The language of rules for single steps without a threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ElasticLanguage {
    /// An `eql` rule: `any where …`.
    Eql,
    /// A `query` rule in Lucene query-string syntax.
    Lucene,
}

impl ElasticLanguage {
    pub const NAMES: &'static [&'static str] = &["eql", "lucene"];

    pub fn parse(text: &str) -> Option<ElasticLanguage> {
        match text.trim().to_ascii_lowercase().as_str() {
            "eql" => Some(ElasticLanguage::Eql),
            "lucene" => Some(ElasticLanguage::Lucene),
            _ => None,
        }
    }
}

/// `risk_score` per severity; the defaults are the top of each band Elastic's
/// prebuilt rules use (low ≤ 21, medium ≤ 47, high ≤ 73, critical ≤ 100).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RiskScores {
    pub informational: u8,
    pub low: u8,
    pub medium: u8,
    pub high: u8,
    pub critical: u8,
}

impl Default for RiskScores {
    fn default() -> Self {
        RiskScores { informational: 10, low: 21, medium: 47, high: 73, critical: 99 }
    }
}

impl RiskScores {
    pub fn of(&self, severity: Severity) -> u8 {
        match severity {
            Severity::Informational => self.informational,
            Severity::Low => self.low,
            Severity::Medium => self.medium,
            Severity::High => self.high,
            Severity::Critical => self.critical,
        }
    }
}

/// `[targets.elastic]`
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ElasticSettings {
    /// Schema → index pattern; an unlisted schema reads `logs-ras.<schema>-*`.
    pub indices: BTreeMap<String, String>,
    /// Schema → `event.dataset`, which sequence steps filter on because a sequence
    /// reads the indices of all its steps; unlisted schemas are `ras.<schema>`.
    pub datasets: BTreeMap<String, String>,
    /// Field renames: detection field → Elastic field. A schema's event-time field
    /// becomes `@timestamp` unless renamed here.
    pub fields: BTreeMap<String, String>,
    /// Language of single-step rules (`eql` or `lucene`); `--elastic-language` overrides it.
    pub language: ElasticLanguage,
    pub risk_scores: RiskScores,
    pub author: String,
    /// `interval`, `from`, alert suppression and `enabled` (`[targets.elastic.schedule]`).
    pub schedule: ScheduleSettings,
}

impl Default for ElasticSettings {
    fn default() -> Self {
        ElasticSettings {
            indices: BTreeMap::new(),
            datasets: BTreeMap::new(),
            fields: BTreeMap::new(),
            language: ElasticLanguage::Eql,
            risk_scores: RiskScores::default(),
            author: "Scalpel".into(),
            schedule: ScheduleSettings::default(),
        }
    }
}

impl ElasticSettings {
    /// Rejects values Kibana would refuse; the message names the key.
    pub fn validate(&self) -> Result<(), String> {
        for (schema, index) in &self.indices {
            if !index_pattern(index) {
                return Err(format!(
                    "indices.{schema} = `{index}`: an index pattern is lowercase letters, digits, `.`, `_`, `-`, `*` (and `cluster:`)"
                ));
            }
        }
        for (from, to) in &self.fields {
            if !field_name(to) {
                return Err(format!(
                    "fields.{from} = `{to}`: a field name is dot-separated parts of letters, digits, `_`, `-`, `@`"
                ));
            }
        }
        let scores = &self.risk_scores;
        for (name, score) in [
            ("informational", scores.informational),
            ("low", scores.low),
            ("medium", scores.medium),
            ("high", scores.high),
            ("critical", scores.critical),
        ] {
            if score > 100 {
                return Err(format!("risk_scores.{name} = {score} is above 100"));
            }
        }
        Ok(())
    }

    pub fn index(&self, schema: &str) -> String {
        self.indices.get(schema).cloned().unwrap_or_else(|| format!("logs-ras.{schema}-*"))
    }

    pub fn dataset(&self, schema: &str) -> String {
        self.datasets.get(schema).cloned().unwrap_or_else(|| format!("ras.{schema}"))
    }

    /// The Elastic name of a field of `schema`.
    pub fn field(&self, schema: Option<&Schema>, name: &str) -> String {
        if let Some(renamed) = self.fields.get(name) {
            return renamed.clone();
        }
        match schema {
            Some(schema) if schema.event_time_field().name == name => "@timestamp".to_string(),
            _ => name.to_string(),
        }
    }
}

/// Names that need no quoting in ES|QL `FROM` (and so none anywhere).
fn index_pattern(text: &str) -> bool {
    let local = text.split_once(':').map_or(text, |(cluster, local)| if cluster.is_empty() { "" } else { local });
    !local.is_empty()
        && !local.starts_with(['-', '_', '.'])
        && text.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-*:".contains(c))
}

/// Field names every Elastic language can quote (no backtick, space or line break).
fn field_name(text: &str) -> bool {
    text.split('.').all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_alphanumeric() || "_-@".contains(c)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Settings;

    #[test]
    fn defaults_and_overrides() {
        let table: toml::Table = toml::from_str(
            "[elastic]\nlanguage = \"lucene\"\nindices = { biosensor = \"ras-bio-*\" }\nrisk_scores = { high = 60 }",
        )
        .expect("valid toml");
        let settings = Settings::from_table(&table).expect("valid settings").elastic;
        assert_eq!(settings.language, ElasticLanguage::Lucene);
        assert_eq!(settings.index("biosensor"), "ras-bio-*");
        assert_eq!(settings.index("console"), "logs-ras.console-*");
        assert_eq!(settings.dataset("console"), "ras.console");
        assert_eq!(settings.risk_scores.of(Severity::High), 60);
        assert_eq!(settings.risk_scores.of(Severity::Critical), 99);
    }

    #[test]
    fn malformed_values_are_errors() {
        for bad in [
            "schedule = { interval = { high = \"5 minutes\" } }",
            "from = \"now-6m\"",
            "risk_scores = { low = 101 }",
            "language = \"kql\"",
            "indices = { a = \"logs | DROP x\" }",
            "fields = { a = \"b`c\" }",
        ] {
            let table: toml::Table = toml::from_str(&format!("[elastic]\n{bad}")).expect("valid toml");
            let err = Settings::from_table(&table).expect_err(bad);
            assert!(err.starts_with("[targets.elastic]"), "{err}");
        }
    }
}
