//! `[coverage]` of `scalpel.toml`: which telemetry the deployment really collects.
//!
//! A rule over a source nobody collects is not coverage, so a hospital lists the
//! schemas it ingests; without the table every declared schema counts as
//! collected. Unknown keys and unknown schema names are errors (E0701): a typo
//! must not silently lower or raise the figure.

use scalpel_compiler::diag::{suggest, Code, Diagnostic};
use scalpel_compiler::ir::Program;
use scalpel_compiler::project::Project;
use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoverageSettings {
    /// Collected schemas, in the program's schema order.
    pub collected: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct Table {
    collected: Option<Vec<String>>,
}

impl CoverageSettings {
    /// Every declared schema is collected.
    pub fn all(program: &Program) -> CoverageSettings {
        CoverageSettings { collected: program.schemas.iter().map(|s| s.name.clone()).collect() }
    }

    /// The settings of the project's `scalpel.toml` (all schemas without one).
    pub fn for_project(project: &Project, program: &Program) -> Result<CoverageSettings, Diagnostic> {
        match &project.config {
            Some((_, config)) => CoverageSettings::from_table(&config.coverage, program),
            None => Ok(CoverageSettings::all(program)),
        }
    }

    pub fn from_table(table: &toml::Table, program: &Program) -> Result<CoverageSettings, Diagnostic> {
        let invalid = |message: String| {
            Diagnostic::new(Code::InvalidCoverageSettings, "invalid `[coverage]` settings in `scalpel.toml`")
                .note(message)
        };
        let parsed: Table = toml::Value::Table(table.clone())
            .try_into()
            .map_err(|e: toml::de::Error| invalid(e.message().trim().into()))?;
        let Some(listed) = parsed.collected else { return Ok(CoverageSettings::all(program)) };
        let declared = || program.schemas.iter().map(|s| s.name.as_str());
        if let Some(unknown) = listed.iter().find(|name| !declared().any(|d| d == name.as_str())) {
            return Err(invalid(format!("`collected` lists `{unknown}`, which no `.det` file declares as a schema"))
                .did_you_mean(suggest::closest(unknown, declared())));
        }
        Ok(CoverageSettings {
            collected: declared().filter(|d| listed.iter().any(|l| l == d)).map(String::from).collect(),
        })
    }
}
