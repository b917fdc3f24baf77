//! The imported tree through Scalpel's own front end (parse, then check against
//! the schemas and the ATT&CK catalog), in memory: which steps it rejects, and why.

use crate::diag::Code;
use crate::project::Project;
use std::collections::BTreeMap;

/// `(flow group, step id)` → the checker's errors on that step. An error outside
/// every step (which would be an importer bug) is keyed by the step id `""`.
pub fn rejected(
    files: &[(String, String)],
    groups: &BTreeMap<String, String>,
) -> BTreeMap<(String, String), Vec<(Code, String)>> {
    let mut project = Project::default();
    for (path, text) in files.iter().filter(|(p, _)| p.ends_with(".det")) {
        let id = project.sources.add(path.clone(), text.clone());
        project.files.push(id);
    }
    let (asts, mut diags) = crate::project::parse_all(&project);
    if !diags.has_errors() {
        let (_, check) = crate::sema::check(&asts, &project.sources, crate::attack::Catalog::embedded());
        diags.extend(check);
    }
    let mut out: BTreeMap<(String, String), Vec<(Code, String)>> = BTreeMap::new();
    for diag in diags.iter().filter(|d| d.is_error()) {
        let Some(span) = diag.primary_span() else { continue };
        let file = project.sources.get(span.file);
        let path = crate::source::display_path(project.sources.path(span.file));
        let group = groups.get(&path).cloned().unwrap_or(path);
        let (line, _) = file.line_col(span.lo as usize);
        let step = (1..=line)
            .rev()
            .find_map(|l| file.line_text(l).strip_prefix("    step ").and_then(|rest| rest.split_whitespace().next()))
            .unwrap_or_default()
            .to_string();
        out.entry((group, step)).or_default().push((diag.code, diag.message.clone()));
    }
    out
}
