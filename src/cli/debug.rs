//! `scalpel debug ast|ir FILE`: the compiler's stages made visible.

use super::output;
use super::report;
use scalpel_compiler::diag::Diagnostics;
use scalpel_compiler::{project, syntax};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The syntax tree of `file` alone (its tree is not read).
pub fn ast(file: &Path) -> ExitCode {
    let mut diags = Diagnostics::new();
    let project = project::load_file(file, &mut diags);
    let mut out = Vec::new();
    for &id in &project.files {
        let (ast, d) = syntax::parse(id, &project.sources.get(id).text);
        diags.extend(d);
        out.push(ast);
    }
    let diags = print(diags, &project.sources);
    if let Some(ast) = out.first() {
        output::json(ast);
    }
    report::status(&diags)
}

/// The IR of the flows declared in `file`; the file's tree (the nearest folder with
/// `scalpel.toml` above it) is loaded too, so that its schemas resolve.
pub fn ir(file: &Path, bundles: &[PathBuf]) -> ExitCode {
    let compiled = project::compile(&[file.to_path_buf()], bundles);
    let diags = print(compiled.diags, &compiled.project.sources);
    if let Some(program) = &compiled.program {
        let wanted = scalpel_compiler::source::display_path(file);
        let flows: Vec<_> = program.flows.iter().filter(|f| f.file == wanted).collect();
        let mut used: Vec<&str> =
            flows.iter().flat_map(|f| f.steps.iter().filter_map(|s| s.source.as_deref())).collect();
        used.sort_unstable();
        used.dedup();
        let schemas: Vec<_> =
            program.schemas.iter().filter(|s| used.contains(&s.name.as_str()) || flows.is_empty()).collect();
        output::json(
            &serde_json::json!({ "attack_version": program.attack_version, "schemas": schemas, "flows": flows }),
        );
    }
    report::status(&diags)
}

/// Diagnostics on stderr as they are: the stages are shown, not judged.
fn print(diags: Diagnostics, sources: &scalpel_compiler::source::SourceMap) -> Vec<scalpel_compiler::diag::Diagnostic> {
    let sorted = diags.into_sorted();
    let color = report::use_color();
    for d in &sorted {
        output::errln!("{}", scalpel_compiler::diag::render::human(d, sources, color));
    }
    sorted
}
