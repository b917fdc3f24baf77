//! `fields` renames against the schemas: in every schema, each field keeps a name
//! of its own in each target (E0118).
//!
//! A rule reads its step's `source` schema by the target's names, so a rename onto
//! the name another field of that schema already has (`b.c = "a"` beside `a`), two
//! renames onto one name, or a default spelling that meets another field (KQL's
//! `b.c` → `b_c` beside `b_c`) would make the rule read the wrong field. Names are
//! compared per schema (renames are global, and one name in two schemas is two
//! fields of two sourcetypes, tables or indices), KQL's ignoring case as Log Analytics
//! does. [`Settings::for_project`] runs this check, so every command and the editor
//! see it before anything is emitted.

use super::Settings;
use crate::Target;
use scalpel_compiler::config_spans;
use scalpel_compiler::diag::{Code, Diagnostic};
use scalpel_compiler::project::Project;
use scalpel_compiler::schema::{Field, Schema};
use std::collections::BTreeMap;

/// The name `field` of `schema` has in `target`, and whether a rename gave it.
fn target_name(settings: &Settings, target: Target, schema: &Schema, field: &str) -> (String, bool) {
    let renames = match target {
        Target::Sigma => &settings.sigma.fields,
        Target::Splunk => &settings.splunk.fields,
        Target::Kql => &settings.kql.fields,
        Target::Elastic => &settings.elastic.fields,
    };
    let name = match target {
        Target::Sigma => settings.sigma.field(field).to_string(),
        Target::Splunk => settings.splunk.field(field).to_string(),
        Target::Kql => settings.kql.field(Some(schema), field),
        Target::Elastic => settings.elastic.field(Some(schema), field),
    };
    // KQL writes the event-time field as `TimeGenerated` even when it is listed.
    let renamed = renames.get(field) == Some(&name);
    (name, renamed)
}

/// E0118 for the first pair of fields of one schema that one target names alike,
/// located at the rename that makes them meet (or at the second field when no
/// rename does).
pub fn collision(settings: &Settings, schemas: &[Schema], project: &Project) -> Option<Diagnostic> {
    Target::ALL
        .iter()
        .find_map(|&target| schemas.iter().find_map(|schema| in_schema(settings, target, schema, project)))
}

/// A field and the name a target gives it.
#[derive(Clone, Copy)]
struct Named<'a> {
    field: &'a Field,
    name: &'a str,
    /// The name comes from `[targets.<target>] fields`.
    renamed: bool,
}

fn in_schema(settings: &Settings, target: Target, schema: &Schema, project: &Project) -> Option<Diagnostic> {
    let names: Vec<(String, bool)> =
        schema.fields.iter().map(|f| target_name(settings, target, schema, &f.name)).collect();
    let mut owners: BTreeMap<String, Named> = BTreeMap::new();
    for (field, (name, renamed)) in schema.fields.iter().zip(&names) {
        let this = Named { field, name, renamed: *renamed };
        // Log Analytics columns are unique regardless of case; the others' names are not.
        let key = if target == Target::Kql { name.to_ascii_lowercase() } else { name.clone() };
        match owners.get(&key) {
            Some(&first) => return Some(collision_diagnostic(target, schema, first, this, project)),
            None => owners.insert(key, this),
        };
    }
    None
}

/// E0118 for `first` and `second` (declared after it), which `target` names alike.
fn collision_diagnostic(target: Target, schema: &Schema, first: Named, second: Named, project: &Project) -> Diagnostic {
    let message = if first.name == second.name {
        format!(
            "fields `{}` and `{}` of schema `{}` are both `{}` in {target}",
            first.field.name, second.field.name, schema.name, second.name
        )
    } else {
        format!(
            "fields `{}` and `{}` of schema `{}` are one column in {target}: `{}` and `{}` differ only in case",
            first.field.name, second.field.name, schema.name, first.name, second.name
        )
    };
    let diag = Diagnostic::new(Code::FieldRenameCollision, message)
        .note("a rule would read one field where the detection names the other");
    let rename_key = |named: Named| {
        let key = ["targets", target.name(), "fields", named.field.name.as_str()];
        config_spans::key_span(project, &key).filter(|_| named.renamed)
    };
    // Located at the rename that moves a field onto the other's name: the one to change.
    let (moved, stays) = if second.renamed { (second, first) } else { (first, second) };
    if !moved.renamed {
        return diag
            .primary(second.field.span, format!("`{}` is `{}` in {target}", second.field.name, second.name))
            .secondary(first.field.span, format!("and `{}` is `{}`", first.field.name, first.name))
            .help(format!("give one of them another name in `[targets.{target}] fields`"));
    }
    let Some(moved_at) = rename_key(moved) else {
        // No `scalpel.toml` to point into (settings made in memory).
        return diag.primary(moved.field.span, format!("`{}` is renamed to `{}`", moved.field.name, moved.name));
    };
    let diag = diag.primary(moved_at, format!("`{}` renamed to `{}`", moved.field.name, moved.name));
    match rename_key(stays) {
        Some(span) => diag
            .secondary(span, format!("and `{}` to `{}`", stays.field.name, stays.name))
            .help("give one of them another name"),
        None => diag.secondary(stays.field.span, format!("`{}` is declared here", stays.field.name)).help(format!(
            "field `{}` of schema `{}` already has the name `{}` in {target}: rename onto another name, or rename `{}` as well",
            stays.field.name, schema.name, stays.name, stays.field.name
        )),
    }
}
