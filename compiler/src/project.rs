//! Stage 0, load: command-line paths → detection trees ([`discover`]) → for one
//! tree, `scalpel.toml` and its sources ([`load_unit`]), then the whole front end
//! ([`compile`]).
//!
//! A folder with a `scalpel.toml` is a detection tree and reads the `paths` it lists.
//! Any other path belongs to the nearest folder above it that has one, as Cargo finds
//! `Cargo.toml`; a folder outside every tree is searched for `.det` files, and each
//! tree found below it is a tree of its own. Trees are never merged: files outside
//! every tree are read together, as one more unit.
//!
//! Invariants: files are read through [`crate::input`] (regular files only, bounded);
//! every path `scalpel.toml` names stays inside its tree (E0012); a folder walk
//! follows a symbolic link only inside the tree and never twice into one folder, and
//! is bounded ([`walk`]); what is skipped is reported. Files are read in sorted order
//! so that output never depends on the file system's order.

mod discover;
mod walk;

pub use discover::{discover, Discovered, Unit};
pub use walk::{MAX_DEPTH as MAX_WALK_DEPTH, MAX_ENTRIES as MAX_WALK_ENTRIES};

use crate::attack::Catalog;
use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::input::{self, ReadError, TextError, MIB};
use crate::ir::Program;
use crate::sema::TuningDate;
use crate::source::{FileId, SourceMap, Span};
use crate::syntax::{self, ast};
use rayon::prelude::*;
use serde::Deserialize;
use std::borrow::Cow;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Largest `.det` file accepted.
pub const MAX_FILE_BYTES: u64 = 16 * MIB;

/// Largest `scalpel.toml` accepted.
pub const MAX_CONFIG_BYTES: u64 = MIB;

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
    /// Tuning settings (`date = "YYYY-MM-DD"`, the day exclusions expire against).
    #[serde(default)]
    pub tuning: TuningConfig,
}

/// `[tuning]` in `scalpel.toml`.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct TuningConfig {
    /// The day `expires` is judged against; without it, the newest day in the lock.
    pub date: Option<String>,
}

/// The version lock next to `scalpel.toml` (written and validated by the driver).
pub const LOCK_FILE: &str = "scalpel.lock.json";

fn default_paths() -> Vec<String> {
    vec![".".to_string()]
}

/// Where in `scalpel.toml` each listed path is written, for diagnostics.
#[derive(Deserialize, Default)]
struct ConfigSpans {
    #[serde(default)]
    paths: Vec<toml::Spanned<String>>,
    #[serde(default)]
    attack_bundles: Vec<toml::Spanned<String>>,
    #[serde(default)]
    tuning: TuningSpans,
}

#[derive(Deserialize, Default)]
struct TuningSpans {
    date: Option<toml::Spanned<String>>,
}

/// A path a run reads, resolved (symbolic links and `..` gone); the output folder
/// must stay clear of every one of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputPath {
    pub path: PathBuf,
    pub role: InputRole,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputRole {
    /// The folder of `scalpel.toml`: only what `paths` lists inside it is read, so an
    /// output folder may lie inside it (as Cargo's `target/`), but not be or hold it.
    TreeRoot,
    /// A folder whose `.det` files are read.
    Folder,
    /// A file that is read.
    File,
}

/// Everything read from disk for one run.
#[derive(Debug, Default)]
pub struct Project {
    pub sources: SourceMap,
    /// The `.det` files, in load order.
    pub files: Vec<FileId>,
    /// The tree's `scalpel.toml` and its folder.
    pub config: Option<(PathBuf, Config)>,
    /// The ATT&CK bundles `scalpel.toml` names, resolved; `None` when one of them is
    /// unusable (and reported).
    pub config_bundles: Option<Vec<PathBuf>>,
    /// Every path read (see [`InputPath`]).
    pub inputs: Vec<InputPath>,
    /// The day exclusions' expiry is judged against (see [`tuning_date`]).
    pub tuning_date: Option<TuningDate>,
}

impl Project {
    fn new() -> Project {
        Project { config_bundles: Some(Vec::new()), ..Project::default() }
    }

    fn add_input(&mut self, path: &Path, role: InputRole) {
        if let Ok(path) = std::fs::canonicalize(path) {
            let input = InputPath { path, role };
            if !self.inputs.contains(&input) {
                self.inputs.push(input);
            }
        }
    }
}

/// Reads the given paths, which must form one unit (one tree, or loose files);
/// several trees are E0018. Problems become diagnostics; loading goes on.
pub fn load(paths: &[PathBuf], diags: &mut Diagnostics) -> Project {
    let discovered = discover(paths);
    diags.extend(discovered.diags);
    match <[Unit; 1]>::try_from(discovered.units) {
        Ok([unit]) => load_unit(unit, diags),
        Err(units) if units.is_empty() => {
            if !diags.has_errors() {
                diags.push(no_input());
            }
            Project::new()
        }
        Err(units) => {
            diags.push(several_trees(&units));
            Project::new()
        }
    }
}

fn no_input() -> Diagnostic {
    Diagnostic::new(Code::NoInput, "no `.det` files found").note("detection files end in `.det`")
}

/// E0018: the units named, for commands that write one tree's output.
fn several_trees(units: &[Unit]) -> Diagnostic {
    let mut named: Vec<String> = units.iter().map(Unit::describe).collect();
    let last = named.pop().unwrap_or_default();
    Diagnostic::new(
        Code::SeveralTrees,
        format!("the paths given hold {} and {last}, which are never merged", named.join(", ")),
    )
    .note("each detection tree has its own name, settings and schemas")
    .help("run the command once per tree, each with its own `--out`")
}

/// Reads one unit: a tree (its `scalpel.toml`, the `paths` it lists and the paths
/// given inside it), or loose files.
pub fn load_unit(unit: Unit, diags: &mut Diagnostics) -> Project {
    let mut project = Project::new();
    let mut seen = BTreeSet::new();
    diags.extend(unit.diags);
    for given in &unit.given {
        let role = if given.is_dir() { InputRole::Folder } else { InputRole::File };
        project.add_input(given, role);
    }
    match &unit.tree {
        Some(root) => load_tree(&mut project, root, &unit.given, &mut seen, diags),
        None => {
            for file in &unit.files {
                add_file(&mut project, file, &mut seen, diags);
            }
        }
    }
    if project.files.is_empty() && !diags.has_errors() {
        diags.push(no_input());
    }
    project
}

/// Reads a single file, without its tree (`scalpel debug ast`).
pub fn load_file(path: &Path, diags: &mut Diagnostics) -> Project {
    let mut project = Project::new();
    add_file(&mut project, path, &mut BTreeSet::new(), diags);
    project
}

fn load_tree(
    project: &mut Project,
    root: &Path,
    given: &[PathBuf],
    seen: &mut BTreeSet<PathBuf>,
    diags: &mut Diagnostics,
) {
    project.add_input(root, InputRole::TreeRoot);
    let config_path = root.join(CONFIG_FILE);
    let Some(root_real) = std::fs::canonicalize(root).ok() else {
        diags.push(Diagnostic::new(Code::Io, format!("cannot read `{}`", shown(root))));
        return;
    };
    let text = match input::read_text(&config_path, MAX_CONFIG_BYTES) {
        Ok(text) => text,
        Err(err) => {
            diags.push(err.diagnostic(&config_path, ""));
            return;
        }
    };
    let config_id = project.sources.add(&config_path, text);
    let text = &project.sources.get(config_id).text;
    let config: Config = match toml::from_str(text) {
        Ok(config) => config,
        Err(err) => {
            let span = err.span().map_or(Span::new(config_id, 0, 0), |r| Span::new(config_id, r.start, r.end));
            diags.push(
                Diagnostic::new(Code::InvalidConfig, format!("invalid `{CONFIG_FILE}`"))
                    .primary(span, err.message().to_string())
                    .note("keys are `name`, `paths`, `attack_bundles`, `[targets.*]`, `[coverage]`, `[lints]` and `[tuning]`"),
            );
            return;
        }
    };
    let spans: ConfigSpans = toml::from_str(text).unwrap_or_default();
    let span_of = |list: &[toml::Spanned<String>], index: usize| {
        list.get(index).map_or(Span::new(config_id, 0, 0), |s| Span::new(config_id, s.span().start, s.span().end))
    };
    // Paths given on the command line first: their display paths win over the tree's.
    for path in given {
        read_path(project, path, &root_real, seen, diags);
    }
    for (index, entry) in config.paths.iter().enumerate() {
        let Some(path) = tree_path(root, &root_real, entry, span_of(&spans.paths, index), "`paths`", false, diags)
        else {
            continue;
        };
        let role = if path.is_dir() { InputRole::Folder } else { InputRole::File };
        project.add_input(&path, role);
        read_path(project, &path, &root_real, seen, diags);
    }
    let mut bundles = Some(Vec::new());
    for (index, entry) in config.attack_bundles.iter().enumerate() {
        let span = span_of(&spans.attack_bundles, index);
        // A missing bundle is the catalog loader's to report (E0405), with the others.
        match tree_path(root, &root_real, entry, span, "`attack_bundles`", true, diags) {
            Some(path) => {
                project.add_input(&path, InputRole::File);
                if let Some(list) = &mut bundles {
                    list.push(path);
                }
            }
            None => bundles = None,
        }
    }
    project.config_bundles = bundles;
    let date_span = spans.tuning.date.as_ref().map(|d| Span::new(config_id, d.span().start, d.span().end));
    project.tuning_date = tuning_date(root, &config, date_span, diags);
    project.config = Some((root.to_path_buf(), config));
}

/// The tree's tuning date: `[tuning] date`, else the newest day the version lock
/// records (its last change), else none. Never the clock, so a build is reproducible.
/// A lock that cannot be read gives no date here; the driver reports it.
fn tuning_date(root: &Path, config: &Config, span: Option<Span>, diags: &mut Diagnostics) -> Option<TuningDate> {
    if let Some(day) = &config.tuning.date {
        if crate::sema::is_day(day) {
            return Some(TuningDate { day: day.clone(), source: "`[tuning] date`".to_string() });
        }
        let diag = Diagnostic::new(
            Code::InvalidExpiry,
            format!("`[tuning] date` is `{}`, not a day", crate::visible::visible(day)),
        )
        .help("write it as `YYYY-MM-DD`");
        diags.push(match span {
            Some(span) => diag.primary(span, "not a day"),
            None => diag,
        });
        return None;
    }
    let text = input::read_text(&root.join(LOCK_FILE), MAX_CONFIG_BYTES * 64).ok()?;
    let lock: serde_json::Value = serde_json::from_str(&text).ok()?;
    let days = lock.get("rules")?.as_object()?.values().flat_map(|rule| {
        ["created", "modified", "removed"].into_iter().filter_map(move |key| rule.get(key).and_then(|d| d.as_str()))
    });
    let newest = days.filter(|d| crate::sema::is_day(d)).max()?;
    Some(TuningDate { day: newest.to_string(), source: "the newest day in the version lock".to_string() })
}

/// `root/entry` when it stays inside the tree (E0012 otherwise, before anything is
/// read from it). A path that does not exist is E0001, or, when `missing_ok`, left
/// for its reader to report.
fn tree_path(
    root: &Path,
    root_real: &Path,
    entry: &str,
    span: Span,
    key: &str,
    missing_ok: bool,
    diags: &mut Diagnostics,
) -> Option<PathBuf> {
    let path = if entry == "." { root.to_path_buf() } else { root.join(entry) };
    let outside = || {
        Diagnostic::new(
            Code::PathOutsideTree,
            format!("{key} names `{}`, outside the tree", crate::visible::visible(entry)),
        )
        .primary(span, "outside the folder of `scalpel.toml`")
        .help("paths in `scalpel.toml` are relative to its folder and stay inside it")
    };
    match std::fs::canonicalize(&path) {
        Ok(real) if real.starts_with(root_real) => Some(path),
        Ok(_) => {
            diags.push(outside());
            None
        }
        Err(_) if missing_ok => Some(path),
        Err(_) => {
            diags.push(
                Diagnostic::new(
                    Code::Io,
                    format!("{key} names `{}`, which does not exist", crate::visible::visible(entry)),
                )
                .primary(span, "no such file or folder"),
            );
            None
        }
    }
}

/// A folder (walked; symbolic links stay inside `boundary`) or a file.
fn read_path(
    project: &mut Project,
    path: &Path,
    boundary: &Path,
    seen: &mut BTreeSet<PathBuf>,
    diags: &mut Diagnostics,
) {
    if path.is_dir() {
        for file in walk::walk(path, boundary, diags).files {
            add_file(project, &file, seen, diags);
        }
    } else {
        add_file(project, path, seen, diags);
    }
}

fn shown(path: &Path) -> String {
    crate::visible::visible(&path.display().to_string()).into_owned()
}

fn add_file(project: &mut Project, path: &Path, seen: &mut BTreeSet<PathBuf>, diags: &mut Diagnostics) {
    let key = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    if !seen.insert(key) {
        return;
    }
    if let Some(text) = read_source(project, path, diags) {
        let id = project.sources.add(path, text);
        project.files.push(id);
    }
}

/// Reads a `.det` file through [`input::read_text`]. A file too large or not UTF-8
/// is still added to the source map (empty, or lossily) so the diagnostic can show
/// where.
fn read_source(project: &mut Project, path: &Path, diags: &mut Diagnostics) -> Option<String> {
    match input::read_text(path, MAX_FILE_BYTES) {
        Ok(text) => Some(text),
        Err(TextError::Read(err @ ReadError::TooLarge { .. })) => {
            let id = project.sources.add(path, String::new());
            diags.push(
                err.diagnostic(path, "")
                    .primary(Span::new(id, 0, 0), "file too large")
                    .help("split it into several `.det` files"),
            );
            None
        }
        Err(TextError::Read(err)) => {
            diags.push(err.diagnostic(path, ""));
            None
        }
        Err(TextError::InvalidUtf8 { bytes, valid_up_to: at }) => {
            let bad = bytes.get(at).copied().unwrap_or(0);
            let lossy = String::from_utf8_lossy(&bytes).into_owned();
            let id = project.sources.add(path, lossy);
            let end = project.sources.get(id).text[at..].chars().next().map_or(at, |c| at + c.len_utf8());
            diags.push(
                Diagnostic::new(Code::InvalidUtf8, format!("`{}` is not valid UTF-8", shown(path)))
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
    let configured: Vec<PathBuf> = if bundles.is_empty() {
        // `None`: a bundle `scalpel.toml` names is unusable, and reported.
        project.config_bundles.clone()?
    } else {
        bundles.to_vec()
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

/// The front end over `paths`, which must form one unit (see [`load`]).
pub fn compile(paths: &[PathBuf], bundles: &[PathBuf]) -> Compiled {
    let mut diags = Diagnostics::new();
    let project = load(paths, &mut diags);
    front_end(project, bundles, diags)
}

/// The front end over one unit of [`discover`].
pub fn compile_unit(unit: Unit, bundles: &[PathBuf]) -> Compiled {
    let mut diags = Diagnostics::new();
    let project = load_unit(unit, &mut diags);
    front_end(project, bundles, diags)
}

/// The front end over a loaded project (whose texts an editor may have replaced with
/// its buffers), `diags` holding what loading reported.
pub fn front_end(mut project: Project, bundles: &[PathBuf], mut diags: Diagnostics) -> Compiled {
    for bundle in bundles {
        project.add_input(bundle, InputRole::File);
    }
    let (asts, parse_diags) = parse_all(&project);
    diags.extend(parse_diags);
    if let Some(diag) = too_many_rules(&asts) {
        diags.push(diag);
        return Compiled { project, program: None, catalog: None, diags };
    }
    let catalog = catalog(&project, bundles, &mut diags);
    let program = catalog.as_deref().map(|catalog| {
        let (program, check_diags) =
            crate::sema::check_tuned(&asts, &project.sources, catalog, project.tuning_date.as_ref());
        diags.extend(check_diags);
        program
    });
    Compiled { project, program, diags, catalog }
}
