//! Per-target settings: the `[targets.*]` tables of `scalpel.toml` → typed values
//! with defaults, so that an empty table (or none) gives working rules.
//!
//! Invariant: unknown keys are errors (a typo must not silently fall back to a
//! default); every default is a constant, never the clock or the environment.

use crate::schedule::ScheduleSettings;
use crate::Target;
use scalpel_compiler::config_spans;
use scalpel_compiler::diag::{Code, Diagnostic};
use scalpel_compiler::project::Project;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub sigma: SigmaSettings,
    pub splunk: SplunkSettings,
    pub kql: KqlSettings,
    pub elastic: ElasticSettings,
}

/// `[targets.sigma]`
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SigmaSettings {
    pub author: String,
    /// `stable`, `test`, `experimental`, `deprecated` or `unsupported`.
    pub status: String,
    /// `YYYY-MM-DD`: the date of rules the version lock does not record (of every rule
    /// without a lock); fixed so builds are reproducible.
    pub date: String,
    /// `logsource.product`.
    pub product: String,
    /// Field renames: detection field → Sigma field.
    pub fields: BTreeMap<String, String>,
}

impl Default for SigmaSettings {
    fn default() -> Self {
        SigmaSettings {
            author: "Scalpel".into(),
            status: "experimental".into(),
            date: "2026-01-01".into(),
            product: "ras".into(),
            fields: BTreeMap::new(),
        }
    }
}

/// `[targets.splunk]`
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SplunkSettings {
    pub index: String,
    /// Schema → sourcetype; a schema not listed reads sourcetype `ras:<schema>`.
    pub sourcetypes: BTreeMap<String, String>,
    /// Field renames: detection field → Splunk field.
    pub fields: BTreeMap<String, String>,
    /// The app label that starts every saved-search stanza name.
    pub app: String,
    /// ES security domain of the notable events (`threat`, `endpoint`, ...).
    pub security_domain: String,
    /// When saved searches run and what they search (`[targets.splunk.schedule]`).
    pub schedule: ScheduleSettings,
}

impl Default for SplunkSettings {
    fn default() -> Self {
        SplunkSettings {
            index: "ras".into(),
            sourcetypes: BTreeMap::new(),
            fields: BTreeMap::new(),
            app: "Scalpel".into(),
            security_domain: "threat".into(),
            schedule: ScheduleSettings::default(),
        }
    }
}

/// `[targets.kql]`
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KqlSettings {
    /// Schema → Log Analytics table; a schema not listed reads `Ras<Schema>_CL`.
    pub tables: BTreeMap<String, String>,
    /// Field renames: detection field → column (default: `.` becomes `_`).
    pub fields: BTreeMap<String, String>,
    /// `queryFrequency`, `queryPeriod` and `enabled` (`[targets.kql.schedule]`).
    pub schedule: ScheduleSettings,
    /// `requiredDataConnectors[].connectorId`; its `dataTypes` are the rule's tables.
    pub connector_id: String,
}

impl Default for KqlSettings {
    fn default() -> Self {
        KqlSettings {
            tables: BTreeMap::new(),
            fields: BTreeMap::new(),
            schedule: ScheduleSettings::default(),
            connector_id: "CustomLogsAma".into(),
        }
    }
}

impl KqlSettings {
    pub fn table(&self, schema: &str) -> String {
        self.tables.get(schema).cloned().unwrap_or_else(|| crate::kql::default_table(schema))
    }

    /// The column a field is stored in (the event-time field is `TimeGenerated`,
    /// decided by the caller, which knows the schema).
    pub fn column(&self, field: &str) -> String {
        self.fields.get(field).cloned().unwrap_or_else(|| field.replace('.', "_"))
    }

    /// Checks what Sentinel would reject: table and column names.
    fn validate(&self) -> Result<(), String> {
        for table in self.tables.values() {
            if !crate::kql::escape::is_identifier(table) || !table.ends_with("_CL") {
                return Err(format!("table `{table}` must be letters, digits and `_`, ending in `_CL`"));
            }
        }
        if let Some(column) = self.fields.values().find(|c| !crate::kql::escape::is_identifier(c)) {
            return Err(format!("column `{column}` must be letters, digits and `_`, starting with a letter"));
        }
        Ok(())
    }
}

impl SplunkSettings {
    pub fn sourcetype(&self, schema: &str) -> String {
        self.sourcetypes.get(schema).cloned().unwrap_or_else(|| format!("ras:{schema}"))
    }

    pub fn field<'a>(&'a self, name: &'a str) -> &'a str {
        self.fields.get(name).map_or(name, String::as_str)
    }
}

impl SigmaSettings {
    pub fn field<'a>(&'a self, name: &'a str) -> &'a str {
        self.fields.get(name).map_or(name, String::as_str)
    }
}

pub use crate::elastic::settings::{ElasticLanguage, ElasticSettings};

impl Settings {
    /// Reads the `[targets]` table; the error names the table and the key.
    /// The tree's name and settings from its `scalpel.toml` (defaults without one).
    pub fn for_project(project: &Project) -> (String, Result<Settings, Diagnostic>) {
        match &project.config {
            Some((_, config)) => (
                config.name.clone(),
                Settings::from_entries(&config.targets).map_err(|(name, err)| {
                    let diag =
                        Diagnostic::new(Code::InvalidTargetSettings, "invalid target settings in `scalpel.toml`");
                    // The label is the reason's first clause; the note keeps what is expected.
                    let reason = err.split_once("]: ").map_or(err.as_str(), |(_, r)| r);
                    let reason = reason.split(", expected").next().unwrap_or(reason).to_string();
                    match error_span(project, &name) {
                        Some(span) => diag.primary(span, reason).note(err),
                        None => diag.note(err),
                    }
                }),
            ),
            None => ("scalpel".to_string(), Ok(Settings::default())),
        }
    }

    pub fn from_table(table: &toml::Table) -> Result<Settings, String> {
        Settings::from_entries(table).map_err(|(_, err)| err)
    }

    /// The settings, or the name of the target table that is wrong and why.
    fn from_entries(table: &toml::Table) -> Result<Settings, (String, String)> {
        let mut settings = Settings::default();
        for (name, value) in table {
            Settings::read_target(&mut settings, name, value).map_err(|err| (name.clone(), err))?;
        }
        Ok(settings)
    }

    fn read_target(settings: &mut Settings, name: &str, value: &toml::Value) -> Result<(), String> {
        let invalid = |err: toml::de::Error| format!("[targets.{name}]: {}", err.message().trim());
        match Target::parse(name) {
            Some(Target::Sigma) => settings.sigma = value.clone().try_into().map_err(invalid)?,
            Some(Target::Splunk) => {
                settings.splunk = value.clone().try_into().map_err(invalid)?;
                settings.splunk.schedule.validate(Target::Splunk).map_err(|err| format!("[targets.{name}]: {err}"))?;
            }
            Some(Target::Kql) => {
                let kql: KqlSettings = value.clone().try_into().map_err(invalid)?;
                kql.validate().map_err(|err| format!("[targets.{name}]: {err}"))?;
                kql.schedule.validate(Target::Kql).map_err(|err| format!("[targets.{name}]: {err}"))?;
                settings.kql = kql;
            }
            Some(Target::Elastic) => {
                settings.elastic = value.clone().try_into().map_err(invalid)?;
                settings.elastic.validate().map_err(|err| format!("[targets.{name}]: {err}"))?;
                settings
                    .elastic
                    .schedule
                    .validate(Target::Elastic)
                    .map_err(|err| format!("[targets.{name}]: {err}"))?;
            }
            None => {
                let known: Vec<&str> = Target::ALL.iter().map(|t| t.name()).collect();
                return Err(format!("[targets.{name}]: unknown target; targets are {}", known.join(", ")));
            }
        }
        Ok(())
    }
}

/// Where the error in `[targets.<name>]` is written: the key or value serde
/// rejects, else the table's own key.
fn error_span(project: &Project, name: &str) -> Option<scalpel_compiler::source::Span> {
    let path = ["targets", name];
    let rejected = match Target::parse(name) {
        Some(Target::Sigma) => config_spans::error_span::<SigmaSettings>(project, &path),
        Some(Target::Splunk) => config_spans::error_span::<SplunkSettings>(project, &path),
        Some(Target::Kql) => config_spans::error_span::<KqlSettings>(project, &path),
        Some(Target::Elastic) => config_spans::error_span::<ElasticSettings>(project, &path),
        None => None,
    };
    rejected.or_else(|| config_spans::key_span(project, &path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_overrides() {
        let table: toml::Table = toml::from_str(
            "[splunk]\nindex = \"or\"\nsourcetypes = { biosensor = \"bio\" }\n[sigma]\nauthor = \"SOC\"",
        )
        .expect("valid toml");
        let settings = Settings::from_table(&table).expect("valid settings");
        assert_eq!(settings.splunk.index, "or");
        assert_eq!(settings.splunk.sourcetype("biosensor"), "bio");
        assert_eq!(settings.splunk.sourcetype("auth"), "ras:auth");
        assert_eq!(settings.sigma.author, "SOC");
        assert_eq!(settings.sigma.status, "experimental");
    }

    #[test]
    fn kql_settings_are_checked() {
        let table: toml::Table =
            toml::from_str("[kql]\ntables = { biosensor = \"Bio_CL\" }\nschedule = { ingestion_delay = \"2m\" }")
                .expect("valid toml");
        let settings = Settings::from_table(&table).expect("valid settings");
        assert_eq!(settings.kql.table("biosensor"), "Bio_CL");
        assert_eq!(settings.kql.table("cloud_api"), "RasCloudApi_CL");
        assert_eq!(settings.kql.column("device.id"), "device_id");
        for bad in [
            "tables = { biosensor = \"Bio\" }",
            "tables = { biosensor = \"Bio-x_CL\" }",
            "fields = { \"device.id\" = \"device.id\" }",
            "schedule = { interval = { high = \"2m\" } }",
            "schedule = { interval = { low = \"15d\" } }",
            "schedule = { ingestion_delay = \"soon\" }",
            "schedule = { rules = { nope = \"5m\" } }",
        ] {
            let table: toml::Table = toml::from_str(&format!("[kql]\n{bad}")).expect("valid toml");
            let err = Settings::from_table(&table).expect_err(bad);
            assert!(err.starts_with("[targets.kql]"), "{err}");
        }
    }

    #[test]
    fn unknown_keys_and_targets_are_errors() {
        let table: toml::Table = toml::from_str("[splunk]\nindx = \"or\"").expect("valid toml");
        let err = Settings::from_table(&table).expect_err("typo");
        assert!(err.contains("[targets.splunk]") && err.contains("indx"), "{err}");
        let table: toml::Table = toml::from_str("[qradar]\nx = 1").expect("valid toml");
        assert!(Settings::from_table(&table).expect_err("unknown").contains("unknown target"));
    }
}
