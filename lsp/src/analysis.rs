//! One detection tree as the editor sees it: the files on disk with the open
//! buffers in place of their saved text, through what `scalpel check` runs: tree
//! discovery and load by the CLI's own [`project::load`], the front end, then (for
//! what is published) every target's back end and the lock by
//! [`scalpel_driver::pipeline`], with the tree's `[lints]` levels.
//!
//! Invariant: published diagnostics ([`Depth::Check`]) are those `scalpel check`
//! reports for the same texts. Requests that arrive while typing read a
//! [`Depth::FrontEnd`] analysis, which skips the back ends: the spans, names and
//! types they answer from come from the front end alone.

use scalpel_compiler::attack::Catalog;
use scalpel_compiler::diag::{Diagnostic, Diagnostics};
use scalpel_compiler::ir::Program;
use scalpel_compiler::lints::Lints;
use scalpel_compiler::project::{self, InputRole, Project};
use scalpel_compiler::source::FileId;
use scalpel_compiler::syntax::ast;
use scalpel_driver::{lock, pipeline};
use scalpel_targets::Target;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub struct Analysis {
    /// The tree's folder, or the file itself when it lies outside every tree.
    pub key: PathBuf,
    pub project: Project,
    pub asts: Vec<(FileId, ast::File)>,
    pub program: Option<Program>,
    pub catalog: Cow<'static, Catalog>,
    /// Levels applied, sorted.
    pub diags: Vec<Diagnostic>,
    /// Each `.det` file by its resolved path.
    pub by_path: BTreeMap<PathBuf, FileId>,
    /// What the build writes for each (flow id, step or sequence id): `(path, text)`
    /// per file, targets in order; empty until a [`Depth::Check`] ran clean.
    pub renderings: BTreeMap<(String, String), Vec<(String, String)>>,
}

/// How much of `scalpel check` an analysis runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Depth {
    /// Discovery, load and the front end: what a request answers from.
    FrontEnd,
    /// Also every target's back end and the version lock, when the front end found no
    /// error: the diagnostics `scalpel check` reports, which are published.
    Check,
}

/// A path resolved, so that the editor's and the loader's spellings compare equal.
pub fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// The tree `path` belongs to, read by [`project::load`] as `scalpel check PATH`
/// reads it, with `buffers` (by resolved path) in place of the files they edit. A
/// buffer of a file not on disk is checked alone.
pub fn analyze(path: &Path, buffers: &BTreeMap<PathBuf, String>, depth: Depth) -> Analysis {
    let mut diags = Diagnostics::new();
    let mut project = if path.is_file() { project::load(&[path.to_path_buf()], &mut diags) } else { empty_project() };
    let key = project
        .inputs
        .iter()
        .find(|input| input.role == InputRole::TreeRoot)
        .map_or_else(|| canonical(path), |root| root.path.clone());
    let mut by_path = BTreeMap::new();
    for &id in &project.files {
        let real = canonical(project.sources.path(id));
        if let Some(text) = buffers.get(&real) {
            project.sources.replace(id, text.clone());
        }
        by_path.insert(real, id);
    }
    // The edited file itself, when the tree's `paths` do not list it (or it is unsaved).
    let real = canonical(path);
    if let (std::collections::btree_map::Entry::Vacant(entry), Some(text)) =
        (by_path.entry(real.clone()), buffers.get(&real))
    {
        let id = project.sources.add(path, text.clone());
        project.files.push(id);
        entry.insert(id);
    }
    let mut compiled = project::front_end(project, &[], diags);
    let (lints, problems) = Lints::from_project(&compiled.project);
    let mut all = std::mem::take(&mut compiled.diags);
    problems.into_iter().for_each(|d| all.push(d));
    let mut renderings = BTreeMap::new();
    if let (Depth::Check, false, Some(program)) = (depth, all.has_errors(), &compiled.program) {
        // As `scalpel check` without `--target`: every target, the built-in templates.
        let options = pipeline::Options {
            targets: Target::ALL,
            templates: None,
            elastic_language: None,
            tick: &|| (),
            stale_lock: lock::Severity::Warn,
        };
        if let Some(output) = pipeline::back_ends(&mut compiled.project, program, &options, &mut all) {
            renderings = by_rule(output);
        }
    }
    let diags = lints.apply(all.into_iter().collect()).into_iter().collect::<Diagnostics>().into_sorted();
    let (asts, _) = project::parse_all(&compiled.project);
    Analysis {
        key,
        project: compiled.project,
        asts,
        program: compiled.program,
        catalog: compiled.catalog.unwrap_or(Cow::Borrowed(Catalog::embedded())),
        diags,
        by_path,
        renderings,
    }
}

/// The files of each rule, from the units that wrote them.
fn by_rule(output: pipeline::Output) -> BTreeMap<(String, String), Vec<(String, String)>> {
    let mut files: BTreeMap<String, String> = output.files.into_iter().collect();
    let mut rules: BTreeMap<(String, String), Vec<(String, String)>> = BTreeMap::new();
    for unit in output.units {
        let written = unit.paths.iter().filter_map(|path| Some((path.clone(), files.remove(path)?)));
        rules.entry((unit.flow_id, unit.item_id)).or_default().extend(written);
    }
    rules
}

fn empty_project() -> Project {
    // No `scalpel.toml` bundles: the embedded ATT&CK catalog.
    Project { config_bundles: Some(Vec::new()), ..Project::default() }
}

impl Analysis {
    /// Every schema declared in the tree, with its file.
    pub fn schemas(&self) -> impl Iterator<Item = &ast::Schema> {
        self.asts.iter().flat_map(|(_, file)| &file.schemas)
    }

    pub fn schema(&self, name: &str) -> Option<&ast::Schema> {
        self.schemas().find(|s| s.name.name == name)
    }
}

/// A field's type as written: `int`, `enum(a, b)`.
pub fn type_text(ty: &ast::TypeExpr) -> String {
    match ty {
        ast::TypeExpr::Named(name) => name.name.clone(),
        ast::TypeExpr::Enum { values, .. } => {
            format!("enum({})", values.iter().map(|v| v.name.as_str()).collect::<Vec<_>>().join(", "))
        }
    }
}

impl Analysis {
    pub fn text(&self, file: FileId) -> &str {
        &self.project.sources.get(file).text
    }

    /// Where a span is, for the client.
    pub fn location(&self, span: scalpel_compiler::source::Span) -> Option<lsp_types::Location> {
        let file = self.project.sources.get(span.file);
        let uri = crate::uri::from_path(&canonical(&file.path))?;
        let index = crate::position::LineIndex::new(&file.text);
        Some(lsp_types::Location::new(uri, index.range(span.lo as usize, span.hi as usize)))
    }
}
