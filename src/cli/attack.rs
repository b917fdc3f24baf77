//! `scalpel attack build|show`: refresh and inspect the ATT&CK catalog.

use scalpel_compiler::attack::Catalog;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Builds the catalog from STIX bundles, so a user can follow a new ATT&CK
/// release without waiting for a Scalpel release.
pub fn build(out: &Path, bundles: &[PathBuf]) -> ExitCode {
    let catalog = match Catalog::from_stix_bundles(bundles) {
        Ok(catalog) => catalog,
        Err(err) => {
            eprintln!("error[E0405]: cannot load the ATT&CK bundles: {err}");
            return ExitCode::from(1);
        }
    };
    for warning in &catalog.warnings {
        eprintln!("warning: {warning}");
    }
    if let Err(status) = super::files::write(out, &catalog.to_json()) {
        return status;
    }
    eprintln!(
        "wrote ATT&CK {} catalog ({} techniques) to {}",
        catalog.version,
        catalog.techniques.len(),
        out.display()
    );
    ExitCode::SUCCESS
}

pub fn show(id: &str) -> ExitCode {
    let catalog = Catalog::embedded();
    match catalog.technique(id) {
        Some(t) => {
            println!("{}", serde_json::to_string_pretty(t).unwrap_or_default());
            ExitCode::SUCCESS
        }
        None => {
            let hint = catalog
                .similar_technique(id)
                .map(|t| format!("; did you mean `{}` ({})?", t.id, t.name))
                .unwrap_or_default();
            eprintln!("error[E0402]: unknown ATT&CK technique `{id}`{hint}");
            ExitCode::from(1)
        }
    }
}
