//! Per-target settings: the `[targets.*]` tables of `scalpel.toml` → typed values
//! with defaults, so that an empty table (or none) gives working rules.
//!
//! Invariant: unknown keys are errors (a typo must not silently fall back to a
//! default); every default is a constant, never the clock or the environment.

use crate::schedule::ScheduleSettings;
use crate::Target;
use scalpel_compiler::config_spans;
use scalpel_compiler::diag::{Code, Diagnostic};
use scalpel_compiler::ir::Program;
use scalpel_compiler::project::Project;
use scalpel_compiler::schema::Schema;
use serde::Deserialize;
use std::collections::BTreeMap;

mod renames;
mod values;
pub use values::hidden;

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
    /// What [`KqlSettings::validate`] leaves: the connector id.
    fn validate_values(&self) -> Result<(), Rejected> {
        at(&["connector_id"], values::word(&self.connector_id, "_-", 100))
    }

    pub fn table(&self, schema: &str) -> String {
        self.tables.get(schema).cloned().unwrap_or_else(|| crate::kql::default_table(schema))
    }

    /// The column a field is stored in (the event-time field is `TimeGenerated`:
    /// see [`KqlSettings::field`]).
    pub fn column(&self, field: &str) -> String {
        self.fields.get(field).cloned().unwrap_or_else(|| field.replace('.', "_"))
    }

    /// The column a field of `schema` is read from: the event-time field is
    /// `TimeGenerated`, whatever `fields` says.
    pub fn field(&self, schema: Option<&Schema>, field: &str) -> String {
        match schema {
            Some(schema) if schema.event_time_field().name == field => "TimeGenerated".into(),
            _ => self.column(field),
        }
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

/// A setting that is not of its type: the key path below `[targets.<target>]`
/// (`["fields", "a"]`) and what is expected.
type Rejected = (Vec<String>, String);

/// `check(value)` for the setting at `key`.
fn at(key: &[&str], check: Result<(), String>) -> Result<(), Rejected> {
    check.map_err(|reason| (key.iter().map(|k| k.to_string()).collect(), reason))
}

/// Every value of a `schema → value` (or `field → field`) table, checked by `check`.
fn each(
    table: &str,
    map: &BTreeMap<String, String>,
    check: impl Fn(&str) -> Result<(), String>,
) -> Result<(), Rejected> {
    map.iter().try_for_each(|(key, value)| at(&[table, key], check(value)))
}

/// Identifiers Splunk writes bare: index names are lowercase.
const SPLUNK_SECURITY_DOMAINS: &[&str] = &["access", "endpoint", "network", "threat", "identity", "audit"];
const SIGMA_STATUSES: &[&str] = &["stable", "test", "experimental", "deprecated", "unsupported"];

impl SplunkSettings {
    /// Checks every value by its type (they are written into SPL and `.conf` lines).
    fn validate(&self) -> Result<(), Rejected> {
        let index = |v: &str| {
            values::word(v, "_-", 80)?;
            if v.chars().any(|c| c.is_ascii_uppercase()) {
                return Err("must be lowercase: Splunk index names are".into());
            }
            Ok(())
        };
        at(&["index"], index(&self.index))?;
        each("sourcetypes", &self.sourcetypes, |v| values::word(v, "_-:.", 100))?;
        each("fields", &self.fields, values::field_name)?;
        at(&["app"], values::word(&self.app, " _-.", 40))?;
        at(&["security_domain"], values::one_of(&self.security_domain, SPLUNK_SECURITY_DOMAINS))
    }

    pub fn sourcetype(&self, schema: &str) -> String {
        self.sourcetypes.get(schema).cloned().unwrap_or_else(|| format!("ras:{schema}"))
    }

    pub fn field<'a>(&'a self, name: &'a str) -> &'a str {
        self.fields.get(name).map_or(name, String::as_str)
    }
}

impl SigmaSettings {
    /// Checks every value by its type (`fields` are YAML keys, where `|` would start
    /// a modifier).
    fn validate(&self) -> Result<(), Rejected> {
        at(&["author"], values::text(&self.author, 256))?;
        at(&["status"], values::one_of(&self.status, SIGMA_STATUSES))?;
        at(&["date"], values::date(&self.date))?;
        at(&["product"], values::word(&self.product, "_-", 64))?;
        each("fields", &self.fields, values::field_name)
    }

    pub fn field<'a>(&'a self, name: &'a str) -> &'a str {
        self.fields.get(name).map_or(name, String::as_str)
    }
}

pub use crate::elastic::settings::{ElasticLanguage, ElasticSettings};

impl Settings {
    /// The tree's name and settings from its `scalpel.toml` (defaults without one);
    /// the error names the table and the key. `fields` renames are checked against
    /// the program's schemas (E0118).
    pub fn for_project(project: &Project, program: &Program) -> (String, Result<Settings, Diagnostic>) {
        let (name, settings) = Settings::from_config(project);
        let settings = settings.and_then(|settings| match renames::collision(&settings, &program.schemas, project) {
            Some(diag) => Err(diag),
            None => Ok(settings),
        });
        (name, settings)
    }

    /// [`Settings::for_project`] before the renames meet the schemas.
    fn from_config(project: &Project) -> (String, Result<Settings, Diagnostic>) {
        match &project.config {
            Some((_, config)) => {
                if let Err(reason) = tree_name(&config.name) {
                    let diag = Diagnostic::new(Code::InvalidTargetSettings, "invalid tree `name` in `scalpel.toml`")
                        .note("the name is written into every target's packaged files");
                    let diag = match config_spans::key_span(project, &["name"]) {
                        Some(span) => diag.primary(span, reason),
                        None => diag.note(reason),
                    };
                    return (config.name.clone(), Err(diag));
                }
                (
                    config.name.clone(),
                    Settings::from_entries(&config.targets).map_err(|(path, err)| {
                        let diag =
                            Diagnostic::new(Code::InvalidTargetSettings, "invalid target settings in `scalpel.toml`");
                        // The label is the reason's first clause; the note keeps what is expected.
                        let reason = err.split_once("]: ").map_or(err.as_str(), |(_, r)| r);
                        let reason = reason.split(", expected").next().unwrap_or(reason).to_string();
                        let path: Vec<&str> = path.iter().map(String::as_str).collect();
                        if path.len() > 2 {
                            // A value of the wrong type: the key, and the value as written.
                            let value = setting(&config.targets, &path[1..]).map_or_else(String::new, |v| {
                                let key = path[2..].iter().map(|k| toml_key(k)).collect::<Vec<_>>().join(".");
                                // One line, escaped as a TOML basic string is (JSON's escapes are TOML's).
                                let written = match v.as_str() {
                                    Some(text) => serde_json::Value::from(text).to_string(),
                                    None => v.to_string(),
                                };
                                format!("[targets.{}] {key} = {}", path[1], visible(&written))
                            });
                            return match config_spans::key_span(project, &path) {
                                Some(span) => diag.primary(span, reason).note(value),
                                None => diag.note(err),
                            };
                        }
                        match error_span(project, path.get(1).copied().unwrap_or_default()) {
                            Some(span) => diag.primary(span, reason).note(err),
                            None => diag.note(err),
                        }
                    }),
                )
            }
            None => ("scalpel".to_string(), Ok(Settings::default())),
        }
    }

    pub fn from_table(table: &toml::Table) -> Result<Settings, String> {
        Settings::from_entries(table).map_err(|(_, err)| err)
    }

    /// The settings, or the key path of the setting that is wrong (`targets`, the
    /// target, and the key when known) and why.
    fn from_entries(table: &toml::Table) -> Result<Settings, Rejected> {
        let mut settings = Settings::default();
        for (name, value) in table {
            Settings::read_target(&mut settings, name, value).map_err(|(key, err)| {
                let path = ["targets".to_string(), name.clone()].into_iter().chain(key).collect();
                (path, err)
            })?;
        }
        Ok(settings)
    }

    /// Reads `[targets.<name>]`; an error is the key path that is wrong (empty when
    /// serde or a target's own check knows only the table) and why.
    fn read_target(settings: &mut Settings, name: &str, value: &toml::Value) -> Result<(), Rejected> {
        let invalid = |err: toml::de::Error| (Vec::new(), format!("[targets.{name}]: {}", err.message().trim()));
        let whole = |err: String| (Vec::new(), format!("[targets.{name}]: {err}"));
        let typed = |(key, reason): Rejected| {
            let shown = key.iter().map(|k| toml_key(k)).collect::<Vec<_>>().join(".");
            let reason = format!("[targets.{name}]: {shown} {reason}");
            (key, reason)
        };
        match Target::parse(name) {
            Some(Target::Sigma) => {
                let sigma: SigmaSettings = value.clone().try_into().map_err(invalid)?;
                sigma.validate().map_err(typed)?;
                settings.sigma = sigma;
            }
            Some(Target::Splunk) => {
                let splunk: SplunkSettings = value.clone().try_into().map_err(invalid)?;
                splunk.validate().map_err(typed)?;
                splunk.schedule.validate(Target::Splunk).map_err(typed)?;
                settings.splunk = splunk;
            }
            Some(Target::Kql) => {
                let kql: KqlSettings = value.clone().try_into().map_err(invalid)?;
                kql.validate().map_err(whole)?;
                kql.validate_values().map_err(typed)?;
                kql.schedule.validate(Target::Kql).map_err(typed)?;
                settings.kql = kql;
            }
            Some(Target::Elastic) => {
                let elastic: ElasticSettings = value.clone().try_into().map_err(invalid)?;
                elastic.validate().map_err(whole)?;
                each("datasets", &elastic.datasets, |v| values::word(v, "_-.", 100)).map_err(typed)?;
                at(&["author"], values::text(&elastic.author, 256)).map_err(typed)?;
                elastic.schedule.validate(Target::Elastic).map_err(typed)?;
                settings.elastic = elastic;
            }
            None => {
                let known: Vec<&str> = Target::ALL.iter().map(|t| t.name()).collect();
                return Err(whole(format!("unknown target; targets are {}", known.join(", "))));
            }
        }
        Ok(())
    }
}

/// The tree's `name`: it heads packaged files (a `.conf` comment, rule metadata),
/// so it is one line of printable text.
fn tree_name(name: &str) -> Result<(), String> {
    values::text(name, 100).map_err(|reason| format!("the name {reason}"))
}

/// The value at `path` in the `[targets]` table.
fn setting<'t>(targets: &'t toml::Table, path: &[&str]) -> Option<&'t toml::Value> {
    let (first, rest) = path.split_first()?;
    rest.iter().try_fold(targets.get(*first)?, |value, key| value.as_table()?.get(*key))
}

fn visible(text: &str) -> String {
    scalpel_compiler::visible::visible(text).into_owned()
}

/// A key as TOML writes it: bare when it can be, else quoted.
fn toml_key(key: &str) -> String {
    if !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-')) {
        key.to_string()
    } else {
        toml::Value::String(key.to_string()).to_string()
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
