//! Stage 0, load: command-line paths and `scalpel.toml` → sources, then the
//! whole front end ([`compile`]): parse every file in parallel and check them.
//!
//! A directory with a `scalpel.toml` is a detection tree and reads the `paths` it
//! lists; any other directory is searched for `.det` files. Files are read in
//! sorted order so that output never depends on the file system's order.

use crate::attack::Catalog;
use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::ir::Program;
use crate::source::{FileId, SourceMap, Span};
use crate::syntax::{self, ast};
use rayon::prelude::*;
use serde::Deserialize;
use std::borrow::Cow;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Largest `.det` file accepted.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Steps and sequences a tree may hold. Far above any real tree (the RAS content has 150),
/// it bounds the work and output size of a generated or runaway input (E0011).
pub const MAX_RULES: usize = 100_000;

pub const CONFIG_FILE: &str = "scalpel.toml";

/// `scalpel.toml`.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Name of the detection tree, used in packaged outputs.
    pub name: String,
    /// Folders or files (relative to `scalpel.toml`) holding `.det` files.
    #[serde(default = "default_paths")]
    pub paths: Vec<String>,
    /// STIX bundles to check ATT&CK ids against instead of the embedded catalog.
    #[serde(default)]
    pub attack_bundles: Vec<String>,
    /// Per-target settings; read by the targets.
    #[serde(default)]
    pub targets: toml::Table,
    /// Coverage settings (`collected = [...]`); read by `scalpel coverage`.
    #[serde(default)]
    pub coverage: toml::Table,
    /// Lint levels (`W0501 = "allow"`); read by [`crate::lints`].
    #[serde(default)]
    pub lints: toml::Table,
}

fn default_paths() -> Vec<String> {
    vec![".".to_string()]
}

/// Everything read from disk for one run.
#[derive(Debug, Default)]
pub struct Project {
    pub sources: SourceMap,
    /// The `.det` files, in load order.
    pub files: Vec<FileId>,
    /// The first `scalpel.toml` found, and its folder.
    pub config: Option<(PathBuf, Config)>,
}

/// Reads the given paths. Problems become diagnostics; loading goes on.
pub fn load(paths: &[PathBuf], diags: &mut Diagnostics) -> Project {
    let mut project = Project::default();
    let mut seen = BTreeSet::new();
    for path in paths {
        if path.is_dir() {
            let config_path = path.join(CONFIG_FILE);
            if config_path.is_file() {
                load_tree(&mut project, path, &config_path, &mut seen, diags);
            } else {
                for file in det_files(path, diags) {
                    add_file(&mut project, &file, &mut seen, diags);
                }
            }
        } else if path.is_file() {
            add_file(&mut project, path, &mut seen, diags);
        } else {
            diags.push(Diagnostic::new(Code::Io, format!("cannot read `{}`: no such file or folder", path.display())));
        }
    }
    if project.files.is_empty() && !diags.has_errors() {
        diags.push(Diagnostic::new(Code::NoInput, "no `.det` files found").note("detection files end in `.det`"));
    }
    project
}

/// The detection tree a file belongs to: the nearest folder above it with a
/// `scalpel.toml`, so that a single file can be checked with its schemas.
pub fn tree_of(file: &Path) -> Option<PathBuf> {
    let absolute = std::fs::canonicalize(file).ok()?;
    absolute.ancestors().skip(1).find(|dir| dir.join(CONFIG_FILE).is_file()).map(Path::to_path_buf)
}

fn load_tree(
    project: &mut Project,
    root: &Path,
    config_path: &Path,
    seen: &mut BTreeSet<PathBuf>,
    diags: &mut Diagnostics,
) {
    let Some(text) = read_text(config_path, diags) else { return };
    let config_id = project.sources.add(config_path, text);
    let text = &project.sources.get(config_id).text;
    let config: Config = match toml::from_str(text) {
        Ok(config) => config,
        Err(err) => {
            let span = err.span().map_or(Span::new(config_id, 0, 0), |r| Span::new(config_id, r.start, r.end));
            diags.push(
                Diagnostic::new(Code::InvalidConfig, format!("invalid `{CONFIG_FILE}`"))
                    .primary(span, err.message().to_string())
                    .note("keys are `name`, `paths`, `attack_bundles`, `[targets.*]`, `[coverage]` and `[lints]`"),
            );
            return;
        }
    };
    for entry in &config.paths {
        let path = if entry == "." { root.to_path_buf() } else { root.join(entry) };
        if path.is_dir() {
            for file in det_files(&path, diags) {
                add_file(project, &file, seen, diags);
            }
        } else if path.is_file() {
            add_file(project, &path, seen, diags);
        } else {
            diags.push(Diagnostic::new(
                Code::Io,
                format!("`{}` lists `{entry}`, which does not exist", config_path.display()),
            ));
        }
    }
    if project.config.is_none() {
        project.config = Some((root.to_path_buf(), config));
    }
}

/// `.det` files under a folder, recursively, sorted; hidden folders and `target`
/// are skipped.
fn det_files(dir: &Path, diags: &mut Diagnostics) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(err) => {
                diags.push(Diagnostic::new(Code::Io, format!("cannot read `{}`: {err}", dir.display())));
                continue;
            }
        };
        let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for path in paths {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if path.is_dir() {
                if !name.starts_with('.') && name != "target" {
                    stack.push(path);
                }
            } else if path.extension().is_some_and(|e| e == "det") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn add_file(project: &mut Project, path: &Path, seen: &mut BTreeSet<PathBuf>, diags: &mut Diagnostics) {
    let key = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    if !seen.insert(key) {
        return;
    }
    if let Some(text) = read_text_checked(project, path, diags) {
        let id = project.sources.add(path, text);
        project.files.push(id);
    }
}

fn read_text(path: &Path, diags: &mut Diagnostics) -> Option<String> {
    match std::fs::read_to_string(path) {
        Ok(text) => Some(text),
        Err(err) => {
            diags.push(Diagnostic::new(Code::Io, format!("cannot read `{}`: {err}", path.display())));
            None
        }
    }
}

/// Reads a `.det` file, enforcing the size limit and UTF-8. A file that fails is
/// still added to the source map (lossily) so the diagnostic can show where.
fn read_text_checked(project: &mut Project, path: &Path, diags: &mut Diagnostics) -> Option<String> {
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    if size > MAX_FILE_BYTES {
        let id = project.sources.add(path, String::new());
        diags.push(
            Diagnostic::new(
                Code::TooLarge,
                format!("`{}` is {} MiB; the limit is 16 MiB", path.display(), size / (1024 * 1024)),
            )
            .primary(Span::new(id, 0, 0), "file too large")
            .help("split it into several `.det` files"),
        );
        return None;
    }
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(err) => {
            diags.push(Diagnostic::new(Code::Io, format!("cannot read `{}`: {err}", path.display())));
            return None;
        }
    };
    match String::from_utf8(bytes) {
        Ok(text) => Some(text),
        Err(err) => {
            let at = err.utf8_error().valid_up_to();
            let bad = err.as_bytes().get(at).copied().unwrap_or(0);
            let lossy = String::from_utf8_lossy(err.as_bytes()).into_owned();
            let id = project.sources.add(path, lossy);
            let end = project.sources.get(id).text[at..].chars().next().map_or(at, |c| at + c.len_utf8());
            diags.push(
                Diagnostic::new(Code::InvalidUtf8, format!("`{}` is not valid UTF-8", path.display()))
                    .primary(Span::new(id, at, end), format!("byte 0x{bad:02x} starts no UTF-8 character"))
                    .help("save the file as UTF-8"),
            );
            None
        }
    }
}

/// Parses every loaded file (in parallel, results in load order).
pub fn parse_all(project: &Project) -> (Vec<(FileId, ast::File)>, Diagnostics) {
    let parsed: Vec<_> = project
        .files
        .par_iter()
        .map(|&id| {
            let (ast, diags) = syntax::parse(id, &project.sources.get(id).text);
            ((id, ast), diags)
        })
        .collect();
    let mut diags = Diagnostics::new();
    let mut files = Vec::with_capacity(parsed.len());
    for (file, d) in parsed {
        files.push(file);
        diags.extend(d);
    }
    (files, diags)
}

/// The catalog to check against: bundles from the command line, else from
/// `scalpel.toml`, else the embedded one.
pub fn catalog(project: &Project, bundles: &[PathBuf], diags: &mut Diagnostics) -> Option<Cow<'static, Catalog>> {
    let configured: Vec<PathBuf> = match &project.config {
        Some((root, config)) if bundles.is_empty() => config.attack_bundles.iter().map(|b| root.join(b)).collect(),
        _ => bundles.to_vec(),
    };
    if configured.is_empty() {
        return Some(Cow::Borrowed(Catalog::embedded()));
    }
    match Catalog::from_stix_bundles(&configured) {
        Ok(catalog) => Some(Cow::Owned(catalog)),
        Err(err) => {
            diags.push(Diagnostic::new(Code::AttackBundle, "cannot load the ATT&CK bundles").note(err));
            None
        }
    }
}

/// E0011 at the first step or sequence past [`MAX_RULES`], counted in load order.
fn too_many_rules(asts: &[(FileId, ast::File)]) -> Option<Diagnostic> {
    let rules =
        asts.iter().flat_map(|(_, file)| &file.flows).flat_map(|flow| &flow.items).filter_map(|item| match item {
            ast::FlowItem::Step(step) => Some(&step.id),
            ast::FlowItem::Sequence(sequence) => Some(&sequence.id),
            _ => None,
        });
    rules.enumerate().find(|(n, _)| *n == MAX_RULES).map(|(_, id)| {
        Diagnostic::new(Code::TooManyRules, format!("more than {MAX_RULES} steps and sequences"))
            .primary(id.span, format!("rule number {} is here", MAX_RULES + 1))
            .note("split the tree, or check generated content for a runaway loop")
    })
}

/// Load, parse and check: the whole front end.
pub struct Compiled {
    pub project: Project,
    pub program: Option<Program>,
    pub diags: Diagnostics,
    /// The catalog the program was checked against (`None` when it failed to load).
    pub catalog: Option<Cow<'static, Catalog>>,
}

pub fn compile(paths: &[PathBuf], bundles: &[PathBuf]) -> Compiled {
    let mut diags = Diagnostics::new();
    let project = load(paths, &mut diags);
    let (asts, parse_diags) = parse_all(&project);
    diags.extend(parse_diags);
    if let Some(diag) = too_many_rules(&asts) {
        diags.push(diag);
        return Compiled { project, program: None, catalog: None, diags };
    }
    let catalog = catalog(&project, bundles, &mut diags);
    let program = catalog.as_deref().map(|catalog| {
        let (program, check_diags) = crate::sema::check(&asts, &project.sources, catalog);
        diags.extend(check_diags);
        program
    });
    Compiled { project, program, diags, catalog }
}
