//! `scalpel attack build|show`: refresh and inspect the ATT&CK catalog.

use super::output::{self, errln};
use scalpel_compiler::attack::Catalog;
use scalpel_compiler::visible::visible;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Builds the catalog from STIX bundles, so a user can follow a new ATT&CK
/// release without waiting for a Scalpel release.
pub fn build(out: &Path, bundles: &[PathBuf]) -> ExitCode {
    let catalog = match Catalog::from_stix_bundles(bundles) {
        Ok(catalog) => catalog,
        Err(err) => {
            errln!("error[E0405]: cannot load the ATT&CK bundles: {}", visible(&err));
            return ExitCode::from(1);
        }
    };
    for warning in &catalog.warnings {
        errln!("warning: {}", visible(warning));
    }
    if let Err(status) = super::files::write(out, &catalog.to_json()) {
        return status;
    }
    errln!(
        "wrote ATT&CK {} catalog ({} techniques) to {}",
        visible(&catalog.version),
        catalog.techniques.len(),
        visible(&out.display().to_string())
    );
    ExitCode::SUCCESS
}

pub fn show(id: &str) -> ExitCode {
    let catalog = Catalog::embedded();
    match catalog.technique(id) {
        Some(t) => {
            output::json(t);
            ExitCode::SUCCESS
        }
        None => {
            let hint = catalog
                .similar_technique(id)
                .map(|t| format!("; did you mean `{}` ({})?", t.id, t.name))
                .unwrap_or_default();
            errln!("error[E0402]: unknown ATT&CK technique `{}`{hint}", visible(id));
            ExitCode::from(1)
        }
    }
}
