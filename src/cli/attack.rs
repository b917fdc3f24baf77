//! `scalpel attack build|show`: refresh and inspect the ATT&CK catalog.

use super::output::{errln, out};
use scalpel_compiler::attack::{Catalog, Technique};
use scalpel_compiler::visible::visible;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Most techniques listed for a name search.
const MAX_MATCHES: usize = 20;

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

/// A technique by id (any case), else the techniques whose names contain every
/// word of `query`.
pub fn show(query: &str) -> ExitCode {
    let catalog = Catalog::embedded();
    let id = query.trim().to_ascii_uppercase();
    if let Some(t) = catalog.technique(&id) {
        out!("{}", describe(catalog, t));
        return ExitCode::SUCCESS;
    }
    let found = by_name(catalog, query);
    match found.as_slice() {
        [] => {
            let hint = catalog
                .similar_technique(&id)
                .map(|t| format!("; did you mean `{}` ({})?", t.id, t.name))
                .unwrap_or_default();
            errln!("error[E0402]: no ATT&CK technique has the id or a name with `{}`{hint}", visible(query));
            ExitCode::from(1)
        }
        [one] => {
            out!("{}", describe(catalog, one));
            ExitCode::SUCCESS
        }
        many => {
            for t in many.iter().take(MAX_MATCHES) {
                out!("{}  {}  ({})\n", t.id, full_name(catalog, t), domains(t));
            }
            if many.len() > MAX_MATCHES {
                out!("… and {} more; add words to narrow the search\n", many.len() - MAX_MATCHES);
            }
            ExitCode::SUCCESS
        }
    }
}

/// Usable techniques whose name (with its parent's, for a sub-technique) contains
/// every word of `query`, case-insensitively, in id order.
fn by_name<'c>(catalog: &'c Catalog, query: &str) -> Vec<&'c Technique> {
    let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
    if words.is_empty() {
        return Vec::new();
    }
    catalog
        .techniques
        .values()
        .filter(|t| t.is_active())
        .filter(|t| {
            let name = full_name(catalog, t).to_lowercase();
            words.iter().all(|w| name.contains(w.as_str()))
        })
        .collect()
}

/// `Data Manipulation: Transmitted Data Manipulation`, as ATT&CK writes sub-techniques.
fn full_name(catalog: &Catalog, t: &Technique) -> String {
    match t.parent.as_deref().and_then(|p| catalog.technique(p)) {
        Some(parent) => format!("{}: {}", parent.name, t.name),
        None => t.name.clone(),
    }
}

fn domains(t: &Technique) -> String {
    t.domains.iter().map(|d| d.short()).collect::<Vec<_>>().join(", ")
}

/// The technique as a reader wants it: names next to every id.
fn describe(catalog: &Catalog, t: &Technique) -> String {
    let mut out = format!("{}  {}\n", t.id, full_name(catalog, t));
    let mut line = |label: &str, value: String| {
        if !value.is_empty() {
            out.push_str(&format!("  {label:<16}{value}\n"));
        }
    };
    line("domain", domains(t));
    line("url", t.url.clone());
    if t.revoked {
        let by = catalog.replacement(&t.id).map(|r| format!("revoked; use {} ({})", r.id, r.name));
        line("status", by.unwrap_or_else(|| "revoked, without a replacement".into()));
    } else if t.deprecated {
        line("status", "deprecated".into());
    }
    let named = |ids: &[String], name: &dyn Fn(&str) -> Option<String>| {
        ids.iter().map(|id| format!("{id} {}", name(id).unwrap_or_default()).trim().to_string()).collect::<Vec<_>>()
    };
    let tactics = named(&t.tactics, &|id| catalog.tactic(id).map(|x| x.name.clone()));
    line("tactics", tactics.join(", "));
    let subs: Vec<String> = catalog
        .techniques
        .values()
        .filter(|s| s.parent.as_deref() == Some(t.id.as_str()) && s.is_active())
        .map(|s| format!("{} {}", s.id, s.name))
        .collect();
    for (i, sub) in subs.iter().enumerate() {
        line(if i == 0 { "sub-techniques" } else { "" }, sub.clone());
    }
    let mitigations = named(&t.mitigations, &|id| catalog.mitigation(id).map(|x| x.name.clone()));
    for (i, m) in mitigations.iter().enumerate() {
        line(if i == 0 { "mitigations" } else { "" }, m.clone());
    }
    let components = named(&t.data_components, &|id| catalog.data_component(id).map(|x| x.name.clone()));
    for (i, c) in components.iter().enumerate() {
        line(if i == 0 { "data components" } else { "" }, c.clone());
    }
    out
}
