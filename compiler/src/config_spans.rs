//! Where a key of `scalpel.toml` is written, so that settings read after loading
//! (`[targets.*]`, `[lints]`) report their errors at a line and column.
//!
//! The tree's `scalpel.toml` is in the source map (the loader put it there); it is
//! parsed again here with spans (`toml::de::DeTable`), which only happens on the
//! way to a diagnostic or for the small `[lints]` table.

use crate::project::{Project, CONFIG_FILE};
use crate::source::{FileId, Span};
use serde::de::DeserializeOwned;
use toml::de::{DeTable, DeValue, ValueDeserializer};
use toml::Spanned;

/// The loaded `scalpel.toml` of the project's tree.
pub fn config_file(project: &Project) -> Option<FileId> {
    let (root, _) = project.config.as_ref()?;
    let wanted = root.join(CONFIG_FILE);
    project.sources.files().find(|(_, file)| file.path == wanted).map(|(id, _)| id)
}

/// The value at a key path (`["targets", "splunk"]`), with the span of its key.
fn lookup<'t>(
    root: &'t Spanned<DeTable<'t>>,
    path: &[&str],
) -> Option<(std::ops::Range<usize>, &'t Spanned<DeValue<'t>>)> {
    let (first, rest) = path.split_first()?;
    let (key, mut value) = root.get_ref().iter().find(|(k, _)| k.get_ref() == first)?;
    let mut key_span = key.span();
    for part in rest {
        let (k, v) = value.get_ref().as_table()?.iter().find(|(k, _)| k.get_ref() == part)?;
        key_span = k.span();
        value = v;
    }
    Some((key_span, value))
}

/// The span of the key at `path`, or of its longest prefix that exists.
pub fn key_span(project: &Project, path: &[&str]) -> Option<Span> {
    let file = config_file(project)?;
    let root = DeTable::parse(&project.sources.get(file).text).ok()?;
    (1..=path.len()).rev().find_map(|n| lookup(&root, &path[..n])).map(|(r, _)| Span::new(file, r.start, r.end))
}

/// Where deserializing the table at `path` as `T` fails (the offending key or
/// value), if it does and the failure has a place.
pub fn error_span<T: DeserializeOwned>(project: &Project, path: &[&str]) -> Option<Span> {
    let file = config_file(project)?;
    let root = DeTable::parse(&project.sources.get(file).text).ok()?;
    let (_, value) = lookup(&root, path)?;
    let err = T::deserialize(ValueDeserializer::from(value.clone())).err()?;
    err.span().map(|r| Span::new(file, r.start, r.end))
}
