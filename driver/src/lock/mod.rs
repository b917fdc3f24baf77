//! The version lock: a tree's `scalpel.lock.json` × its program → the versions and
//! dates every build writes into the rules, the check that the lock is current, and
//! `scalpel lock`, which records what changed.
//!
//! | module | what |
//! |---|---|
//! | [`file`] | the JSON file ↔ [`Lock`]: validated reading, deterministic atomic writing |
//! | [`fingerprint`] | program (+ a build at first versions) → per rule meaning, metadata, emitted text, ids |
//! | [`plan`] | lock × fingerprints → what changed, the bumped lock, the stamps builds write |
//! | [`date`] | `--date` / `SOURCE_DATE_EPOCH` → a validated day |
//!
//! Invariants: builds read dates and versions from the lock only, never the clock; the
//! versions a build writes are not part of what the lock fingerprints (it fingerprints
//! a build at first versions), so locking is a fixed point: `scalpel lock` twice in a
//! row changes nothing the second time.

pub mod date;
pub mod file;
pub mod fingerprint;
pub mod plan;

pub use date::{Date, DateSource};
pub use file::{Entry, Kind, Loaded, Lock, RuleKey, LOCK_FILE};
pub use plan::{Bump, Change, Recorded};

use crate::build::{build as build_first_versions, build_versioned};
use crate::BuildOutput;
use fingerprint::Fingerprints;
use scalpel_compiler::diag::{Code, Diagnostic};
use scalpel_compiler::ir::Program;
use scalpel_compiler::project::Project;
use scalpel_compiler::source::SourceMap;
use scalpel_targets::templates::Templates;
use scalpel_targets::{Context, Settings, Target, Versions};
use std::path::PathBuf;

/// Stale rules named in one diagnostic's labels; the next [`NOTED`] get a note each.
const LABELLED: usize = 4;
const NOTED: usize = 20;

/// What a build found about the lock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Loose files, not a tree: nowhere to keep a lock.
    NoTree,
    /// A tree without `scalpel.lock.json`: every rule is at its first version.
    Missing(PathBuf),
    Read(PathBuf),
}

/// Reads the lock of the project's tree, if it has one (its text joins `sources`).
pub fn read(project: &mut Project) -> (Status, Result<Option<Loaded>, Diagnostic>) {
    let Some((root, _)) = &project.config else { return (Status::NoTree, Ok(None)) };
    let path = file::path_in(root);
    match file::read(root, &mut project.sources) {
        Ok(None) => (Status::Missing(path), Ok(None)),
        other => (Status::Read(path), other),
    }
}

/// How a stale lock is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// W0831: the build goes on with the locked versions.
    Warn,
    /// E0830: `--check`, for CI.
    Deny,
}

/// `scalpel check`: whether meaning, metadata and the set of rules match the lock
/// (emitted text needs a build; `scalpel build` compares it).
pub fn check(project: &mut Project, program: &Program, tree: &str) -> Vec<Diagnostic> {
    let (_, loaded) = read(project);
    match loaded {
        Err(diag) => vec![diag],
        Ok(None) => Vec::new(),
        Ok(Some(loaded)) => {
            let fingerprints = fingerprint::of_program(program, tree);
            stale_diagnostic(&loaded, &project.sources, &fingerprints, &[], Severity::Warn).into_iter().collect()
        }
    }
}

/// A lock-aware build.
pub struct Locked {
    pub output: BuildOutput,
    pub status: Status,
}

/// What a build compares with the lock and how it reports a difference.
pub struct Options<'a> {
    pub targets: &'a [Target],
    /// Targets whose emitted text is compared: none when templates or settings were
    /// overridden on the command line, since the lock records the tree's own build.
    pub compare_emitted: &'a [Target],
    pub severity: Severity,
}

/// Builds with the lock's versions: a build at first versions is fingerprinted and
/// compared with the lock (a stale lock is one diagnostic in `output.diags`), then,
/// unless every rule is still at its first version, the build is made again with
/// the locked stamps.
pub fn build(
    project: &mut Project,
    program: &Program,
    tree: &str,
    settings: &Settings,
    templates: &Templates,
    options: &Options,
    tick: &(dyn Fn() + Sync),
) -> Locked {
    let (status, loaded) = read(project);
    let mut output = build_first_versions(program, tree, settings, options.targets, templates, tick);
    let loaded = match loaded {
        Ok(loaded) => loaded,
        Err(diag) => {
            output.diags.push(diag);
            None
        }
    };
    let Some(loaded) = loaded else { return Locked { output, status } };
    let mut fingerprints = fingerprint::of_program(program, tree);
    let neutral = Context { program, tree, settings, versions: &Versions::none() };
    fingerprint::add_emitted(&mut fingerprints, &neutral, &output, templates);
    let stale = stale_diagnostic(&loaded, &project.sources, &fingerprints, options.compare_emitted, options.severity);
    let versions = plan::versions(&loaded.lock);
    if !versions.all_first(&settings.sigma.date) {
        let ctx = Context { program, tree, settings, versions: &versions };
        output = build_versioned(&ctx, options.targets, templates, &|| ());
    }
    if let Some(diag) = stale {
        output.diags.push(diag);
    }
    Locked { output, status }
}

/// The result of `scalpel lock`.
pub struct Updated {
    pub path: PathBuf,
    pub recorded: Vec<Recorded>,
    /// Rules in the lock after the update (removed ones included).
    pub total: usize,
    /// Whether the file was (re)written.
    pub written: bool,
}

/// `scalpel lock`: builds the tree for every target at first versions (its own
/// settings, built-in templates), compares with the lock and, when anything changed,
/// writes the lock that records it, dated by `date` (asked for only then).
pub fn update(
    project: &mut Project,
    program: &Program,
    tree: &str,
    settings: &Settings,
    date: &dyn Fn() -> Result<DateSource, Diagnostic>,
) -> Result<Updated, Vec<Diagnostic>> {
    let (status, loaded) = read(project);
    let path = match status {
        Status::NoTree => {
            return Err(vec![Diagnostic::new(Code::LockNeedsTree, "`scalpel lock` needs a detection tree")
                .note("the lock is kept beside `scalpel.toml`; these paths have none")
                .help("pass the tree's folder, e.g. `scalpel lock detections/`")])
        }
        Status::Missing(path) | Status::Read(path) => path,
    };
    let loaded = loaded.map_err(|d| vec![d])?;
    let templates = Templates::load(None).map_err(|d| vec![d])?;
    let output = build_first_versions(program, tree, settings, Target::ALL, &templates, &|| ());
    if output.diags.has_errors() {
        return Err(output.diags.into_sorted().into_iter().filter(Diagnostic::is_error).collect());
    }
    let mut fingerprints = fingerprint::of_program(program, tree);
    let neutral = Context { program, tree, settings, versions: &Versions::none() };
    fingerprint::add_emitted(&mut fingerprints, &neutral, &output, &templates);
    let lock = loaded.map_or_else(|| Lock { tree: tree.to_string(), rules: Default::default() }, |l| l.lock);
    let unchanged = plan::stale(&lock, &fingerprints, Target::ALL).is_empty() && lock.tree == tree;
    if unchanged && path.is_file() {
        return Ok(Updated { path, recorded: Vec::new(), total: lock.rules.len(), written: false });
    }
    let source = date().map_err(|d| vec![d])?;
    let (updated, recorded) = plan::update(&lock, tree, &fingerprints, source.date()).map_err(|too_early| {
        too_early
            .iter()
            .map(|e| {
                let diag = Diagnostic::new(
                    Code::LockDateTooEarly,
                    format!("lock date {} is before the last change of `{}` ({})", source.date(), e.key, e.modified),
                );
                let diag = match fingerprints.get(&e.key) {
                    Some(fp) => diag.primary(fp.span, format!("changed again, last versioned on {}", e.modified)),
                    None => diag,
                };
                diag.help(format!("lock with a date on or after {}", e.modified))
            })
            .collect::<Vec<_>>()
    })?;
    file::write(&path, &file::to_text(&updated))
        .map_err(|err| vec![Diagnostic::new(Code::Io, format!("cannot write `{}`", path.display())).note(err)])?;
    Ok(Updated { path, recorded, total: updated.rules.len(), written: true })
}

/// The date `scalpel lock` records: `--date`, else `SOURCE_DATE_EPOCH`, else E0833.
pub fn lock_date(flag: Option<&str>, epoch: Option<&str>) -> Result<DateSource, Diagnostic> {
    let bad =
        |what: String| Diagnostic::new(Code::LockDate, what).help("dates are `YYYY-MM-DD`, e.g. `--date 2026-03-14`");
    match (flag, epoch) {
        (Some(text), _) => Date::parse(text)
            .map(DateSource::Flag)
            .ok_or_else(|| bad(format!("`--date {text}` is not a day (YYYY-MM-DD, 1970 or later)"))),
        (None, Some(text)) => Date::from_epoch_seconds(text)
            .map(DateSource::SourceDateEpoch)
            .ok_or_else(|| bad(format!("`{}={text}` is not whole seconds since 1970", date::SOURCE_DATE_EPOCH))),
        (None, None) => {
            Err(Diagnostic::new(Code::LockDate, "versions changed, and `scalpel lock` has no date for them")
                .note("the lock's dates go into every rule; they come from you, never from the clock")
                .help("pass `--date YYYY-MM-DD`, or set `SOURCE_DATE_EPOCH` (e.g. to `$(git log -1 --format=%ct)`)"))
        }
    }
}

/// One diagnostic for every rule that differs from the lock: labels on the first few
/// (in the `.det` files, or in the lock for removed rules), a note per rule.
fn stale_diagnostic(
    loaded: &Loaded,
    sources: &SourceMap,
    fingerprints: &Fingerprints,
    compare_emitted: &[Target],
    severity: Severity,
) -> Option<Diagnostic> {
    let stale = plan::stale(&loaded.lock, fingerprints, compare_emitted);
    if stale.is_empty() {
        return None;
    }
    let lock_path = loaded.path.display();
    let count = stale.len();
    let rules = if count == 1 { "1 rule".to_string() } else { format!("{count} rules") };
    let mut diag = match severity {
        Severity::Deny => Diagnostic::new(Code::StaleLock, format!("the version lock is out of date: {rules} changed")),
        Severity::Warn => Diagnostic::new(Code::LockChanged, format!("{rules} changed since the version lock")),
    };
    let mut noted = 0;
    for (i, (key, change)) in stale.iter().enumerate() {
        let entry = loaded.lock.rules.get(key);
        let locked = entry.map_or_else(String::new, |e| format!(" (locked at {})", e.version));
        let label = format!("{}{locked}", change.describe());
        let span = fingerprints.get(key).map(|f| f.span).or_else(|| loaded.span_of(sources, key));
        match span.filter(|_| i < LABELLED) {
            Some(span) if i == 0 => diag = diag.primary(span, label),
            Some(span) => diag = diag.secondary(span, label),
            // Past the labels, one note per rule, up to a limit.
            None if noted < NOTED => {
                diag = diag.note(format!("`{key}`: {label}"));
                noted += 1;
            }
            None => noted += 1,
        }
    }
    if noted > NOTED {
        diag = diag.note(format!("and {} more", noted - NOTED));
    }
    let tree = loaded.path.parent().map_or_else(|| ".".to_string(), |p| p.display().to_string());
    let tree = if tree.is_empty() { ".".to_string() } else { tree };
    Some(diag.help(format!("record the new versions in `{lock_path}` with `scalpel lock --date YYYY-MM-DD {tree}`")))
}
