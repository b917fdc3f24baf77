//! The output folder of `scalpel build`, `events` and `coverage`: the files of one or
//! more producers → the folder, replacing only what Scalpel wrote there ([`write`]),
//! or compared with it (`build --check`, [`compare`]).
//!
//! The rule (README, "Output folders"): Scalpel deletes or overwrites only files it
//! wrote itself. Each write records its files in `.scalpel-manifest.json`
//! ([`manifest`]) under its producer (`build:sigma`, `build:events`, `events`,
//! `coverage`, ...); when a producer runs again it replaces its files and removes
//! those it no longer makes, and leaves every other file alone: another producer's
//! (so `build --target sigma` keeps the Splunk rules of an earlier build) and every
//! file no producer wrote. Before touching anything it refuses (coded errors, see
//! [`guard`]): an output folder that is, holds or lies inside an input (E0800); a
//! path that is not a folder (E0801); a non-empty folder without a manifest (E0802)
//! or with one it cannot read (E0803), unless `--force`; writing over a file it did
//! not write, through a symbolic link or over a folder (E0804, even with `--force`);
//! replacing or removing a file of its own that was edited since (E0805, unless
//! `--force`); a folder another Scalpel is writing (E0806). A file that already
//! holds exactly what would be written is adopted, not rewritten.
//!
//! The replacement is one transaction ([`transaction`]): a failed or killed write
//! leaves the previous files, restored at the latest by the next run on the folder.
//!
//! A producer's files are either made in memory ([`Producer`]) or, for output too
//! large to hold (the synthetic events), streamed ([`Streamed`]): each file goes
//! straight into the staging folder as it is made, and only its path, size and hash
//! are kept.

mod compare;
mod guard;
pub mod manifest;
mod transaction;

pub use compare::{compare, Comparison};
pub use manifest::FILE_NAME as MANIFEST;

use manifest::{FileRecord, Manifest};
use scalpel_compiler::diag::{Code, Diagnostic};
use scalpel_compiler::project::InputPath;
use scalpel_compiler::visible::visible;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use transaction::{Op, OpKind};

/// Name prefix of the staging folders inside an output folder.
pub const STAGING_PREFIX: &str = ".scalpel-staging-";

/// Paths named in one diagnostic, at most; the rest are counted.
const MAX_NAMED: usize = 10;

/// What one producer makes: all of its files (relative `/` paths). It replaces
/// every file it wrote before.
#[derive(Debug, Clone)]
pub struct Producer {
    pub name: String,
    pub files: Vec<(String, String)>,
}

/// A producer whose files are written as they are made: `make` calls
/// [`Sink::put`] for each (from any thread; paths unique) and returns whether to go
/// on: `false` writes nothing (the reasons are the caller's to report).
pub struct Streamed<'a> {
    pub name: String,
    pub make: &'a (dyn Fn(&Sink) -> bool + Sync),
}

/// Receives the files of a [`Streamed`] producer: each is written into the staging
/// folder at once; only its record stays in memory.
pub struct Sink {
    new: PathBuf,
    state: Mutex<SinkState>,
}

#[derive(Default)]
struct SinkState {
    records: BTreeMap<String, FileRecord>,
    folders: BTreeSet<String>,
    /// Paths that are not plain relative ones (never written).
    refused: Vec<String>,
    error: Option<std::io::Error>,
}

impl Sink {
    /// Writes one file (`/`-separated path relative to the output folder). A path
    /// given before keeps its first file.
    pub fn put(&self, path: &str, bytes: &[u8]) {
        {
            let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
            if !guard::is_plain_relative(path) {
                state.refused.push(path.to_string());
                return;
            }
            if state.error.is_some() || state.records.contains_key(path) {
                return;
            }
            state.records.insert(path.to_string(), FileRecord::of(bytes));
            // The folder is made under the lock: a thread that finds it recorded must
            // also find it on disk.
            if let Some((folder, _)) = path.rsplit_once('/') {
                if state.folders.insert(folder.to_string()) {
                    if let Err(err) = std::fs::create_dir_all(self.new.join(folder)) {
                        state.error.get_or_insert(err);
                        return;
                    }
                }
            }
        }
        if let Err(err) = std::fs::write(self.new.join(path), bytes) {
            self.state.lock().unwrap_or_else(|e| e.into_inner()).error.get_or_insert(err);
        }
    }
}

/// Where to write, and what must stay clear of it.
pub struct Destination<'a> {
    /// `--out`, as the user wrote it.
    pub out: &'a Path,
    /// Every input of the run (resolved), from [`scalpel_compiler::project::Project::inputs`].
    pub inputs: &'a [InputPath],
    /// `--force`: write into a folder without (a readable) manifest, and replace or
    /// remove Scalpel's own files even when edited. Never a file Scalpel did not write.
    pub force: bool,
}

/// What a write did.
#[derive(Debug, Default)]
pub struct Written {
    /// Files the producers make.
    pub files: usize,
    /// Of those, files that already held their content (not rewritten).
    pub unchanged: usize,
    /// Files removed: Scalpel's, no longer made by their producer.
    pub removed: usize,
    /// W0807 (leftovers of an older Scalpel), W0808 (an interrupted write rolled back).
    pub warnings: Vec<Diagnostic>,
}

/// Writes the files of `producers` into the output folder (see the module header).
pub fn write(destination: &Destination, producers: &[Producer]) -> Result<Written, Vec<Diagnostic>> {
    write_streamed(destination, producers, None)
}

/// [`write`], and the files of `streamed` after those of `producers` (a path both
/// make is the first one's). `Err` with no diagnostic when `streamed` said to stop.
pub fn write_streamed(
    destination: &Destination,
    producers: &[Producer],
    streamed: Option<&Streamed>,
) -> Result<Written, Vec<Diagnostic>> {
    let shown = visible(&destination.out.display().to_string()).into_owned();
    let io = |what: &str, err: std::io::Error| {
        vec![Diagnostic::new(Code::Io, format!("cannot {what} `{shown}`")).note(err.to_string())]
    };
    let out = guard::resolve(destination.out).map_err(|e| io("find", e))?;
    if let Some(diag) = guard::overlap(&out, destination.out, destination.inputs) {
        return Err(vec![diag]);
    }
    let mut written = Written { warnings: guard::legacy_leftovers(&out), ..Written::default() };
    let created = match std::fs::metadata(&out) {
        Ok(metadata) if metadata.is_dir() => false,
        Ok(metadata) => return Err(vec![not_a_folder(&shown, &metadata)]),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(&out).map_err(|e| io("create", e))?;
            true
        }
        Err(err) => return Err(io("read", err)),
    };
    let result = (|| {
        let _lock = guard::lock(&out, destination.out, false).map_err(|d| vec![d])?;
        written.warnings.extend(transaction::recover(&out, &shown).map_err(|d| vec![d])?);
        let old = match manifest::read(&out) {
            Ok(Some(manifest)) => manifest,
            Ok(None) if destination.force => Manifest::new(),
            Ok(None) => match not_owned(&out, &shown) {
                Some(diag) => return Err(vec![diag]),
                None => Manifest::new(),
            },
            Err(_) if destination.force => Manifest::new(),
            Err(why) => {
                return Err(vec![Diagnostic::new(
                    Code::OutManifestInvalid,
                    format!("cannot read `{shown}/{MANIFEST}`, the list of files Scalpel wrote there"),
                )
                .note(why)
                .help("pass `--force` to treat every file there as not Scalpel's (none is deleted), or choose another `--out`")])
            }
        };
        let staging = transaction::begin(&out).map_err(|e| io("write into", e))?;
        let made = match stream(&staging, streamed) {
            Ok(made) => made,
            Err(stop) => {
                let _ = std::fs::remove_dir_all(&staging);
                return Err(stop.map_or_else(Vec::new, |e| io("write into", e)));
            }
        };
        let mut sources: Vec<Source> = producers.iter().map(Source::Memory).collect();
        sources.extend(made.map(Source::Streamed));
        let plan = match plan(&out, &shown, &old, &sources, destination.force) {
            Ok(plan) => plan,
            Err(diags) => {
                let _ = std::fs::remove_dir_all(&staging);
                return Err(diags);
            }
        };
        let changes = !(plan.ops.is_empty() && plan.manifest == old && !created);
        written.files = plan.files;
        written.unchanged = plan.unchanged;
        written.removed = plan.ops.iter().filter(|op| op.kind == OpKind::Remove).count();
        if !changes {
            let _ = std::fs::remove_dir_all(&staging);
            return Ok(());
        }
        let staged =
            transaction::stage(staging, plan.ops, &plan.contents, plan.created_folders, &plan.manifest.to_json())
                .map_err(|e| io("write into", e))?;
        transaction::commit(&out, staged).map_err(|e| io("write into", e))
    })();
    match result {
        Ok(()) => Ok(written),
        Err(diags) => {
            if created {
                // Nothing was written: leave no empty folder behind either.
                let _ = std::fs::remove_dir(&out);
            }
            Err(diags)
        }
    }
}

/// What a streamed producer made, already in the staging folder.
struct Made {
    name: String,
    records: BTreeMap<String, FileRecord>,
    refused: Vec<String>,
}

/// Runs the streamed producer into `staging`; `Err(None)` when it said to stop.
fn stream(staging: &Path, streamed: Option<&Streamed>) -> Result<Option<Made>, Option<std::io::Error>> {
    let Some(streamed) = streamed else { return Ok(None) };
    let sink = Sink { new: transaction::new_files(staging), state: Mutex::new(SinkState::default()) };
    std::fs::create_dir_all(&sink.new).map_err(Some)?;
    let go_on = (streamed.make)(&sink);
    let state = sink.state.into_inner().unwrap_or_else(|e| e.into_inner());
    if let Some(err) = state.error {
        return Err(Some(err));
    }
    if !go_on {
        return Err(None);
    }
    Ok(Some(Made { name: streamed.name.clone(), records: state.records, refused: state.refused }))
}

/// One producer's files as the plan reads them.
enum Source<'a> {
    Memory(&'a Producer),
    Streamed(Made),
}

impl Source<'_> {
    fn name(&self) -> &str {
        match self {
            Source::Memory(producer) => &producer.name,
            Source::Streamed(made) => &made.name,
        }
    }
}

fn not_a_folder(shown: &str, metadata: &std::fs::Metadata) -> Diagnostic {
    let kind = scalpel_compiler::input::FileKind::of(&metadata.file_type());
    Diagnostic::new(Code::OutNotAFolder, format!("the output folder `{shown}` is {}, not a folder", kind.describe()))
        .help("choose another path with `--out`; Scalpel never replaces a file with a folder")
}

/// E0802 when `out` holds anything (it has no manifest, so it is not Scalpel's).
fn not_owned(out: &Path, shown: &str) -> Option<Diagnostic> {
    let mut names: Vec<String> = std::fs::read_dir(out)
        .ok()?
        .filter_map(|e| e.ok())
        .map(|e| {
            let dir = e.file_type().is_ok_and(|t| t.is_dir());
            format!("`{}{}`", visible(&e.file_name().to_string_lossy()), if dir { "/" } else { "" })
        })
        .collect();
    if names.is_empty() {
        return None;
    }
    names.sort();
    let count = names.len();
    Some(
        Diagnostic::new(Code::OutNotOwned, format!("the output folder `{shown}` is not empty, and Scalpel did not create it"))
            .note(format!("it holds {} and no `{MANIFEST}`", named(&names, count)))
            .help(format!(
                "choose an empty or new folder with `--out`, or pass `--force` to add Scalpel's files to `{shown}` (nothing there is deleted or overwritten)"
            )),
    )
}

/// `a`, `b` and 3 more.
fn named(names: &[String], count: usize) -> String {
    let shown: Vec<&str> = names.iter().take(MAX_NAMED).map(String::as_str).collect();
    match (shown.split_last(), count > shown.len()) {
        (None, _) => "nothing".to_string(),
        (Some((last, [])), false) => (*last).to_string(),
        (Some((last, rest)), false) => format!("{} and {last}", rest.join(", ")),
        (Some(_), true) => format!("{} and {} more", shown.join(", "), count - shown.len()),
    }
}

/// The operations of one write.
struct Plan<'a> {
    ops: Vec<Op>,
    contents: BTreeMap<&'a str, &'a str>,
    created_folders: Vec<String>,
    manifest: Manifest,
    files: usize,
    unchanged: usize,
}

/// Decides, file by file, what to do, and refuses before anything is done.
fn plan<'a>(
    out: &Path,
    shown: &str,
    old: &Manifest,
    producers: &'a [Source<'a>],
    force: bool,
) -> Result<Plan<'a>, Vec<Diagnostic>> {
    let mut plan = Plan {
        ops: Vec::new(),
        contents: BTreeMap::new(),
        created_folders: Vec::new(),
        manifest: old.clone(),
        files: 0,
        unchanged: 0,
    };
    let mut foreign: Vec<String> = Vec::new();
    let mut edited: Vec<String> = Vec::new();
    let mut claimed: BTreeSet<String> = BTreeSet::new();
    let mut folders: BTreeSet<String> = BTreeSet::new();
    let mut entries = guard::Entries::default();
    for producer in producers {
        let mut records = BTreeMap::new();
        let files: Vec<(&str, FileRecord, Option<&'a str>)> = match producer {
            Source::Memory(producer) => producer
                .files
                .iter()
                .map(|(p, t)| (p.as_str(), FileRecord::of(t.as_bytes()), Some(t.as_str())))
                .collect(),
            Source::Streamed(made) => {
                foreign.extend(
                    made.refused.iter().map(|p| format!("`{}`: not a plain path inside the folder", visible(p))),
                );
                made.records.iter().map(|(p, r)| (p.as_str(), r.clone(), None)).collect()
            }
        };
        for (path, record, text) in files {
            if !guard::is_plain_relative(path) {
                foreign.push(format!("`{}`: not a plain path inside the folder", visible(path)));
                continue;
            }
            if !claimed.insert(path.to_string()) {
                continue;
            }
            plan.files += 1;
            let target = out.join(path);
            let kind = match entries.entry(out, path) {
                guard::Entry::Absent(missing) => {
                    for folder in missing {
                        if folders.insert(folder.clone()) {
                            plan.created_folders.push(folder);
                        }
                    }
                    Some(OpKind::Create)
                }
                guard::Entry::File(size) => {
                    // One read tells both whether it is as Scalpel wrote it and whether it
                    // already holds the new content.
                    let owned = old.owner(path).map(|(_, was)| was);
                    let limit = size.min(owned.map_or(0, |w| w.size).max(record.size));
                    let current = scalpel_compiler::input::read_bytes(&target, limit).ok();
                    let same = match (current.as_deref(), text) {
                        (Some(current), Some(text)) => current == text.as_bytes(),
                        (Some(current), None) => FileRecord::of(current) == record,
                        (None, _) => false,
                    };
                    let as_written =
                        owned.is_some_and(|was| current.as_deref().is_some_and(|c| FileRecord::of(c) == *was));
                    match owned {
                        Some(_) if as_written => (!same).then_some(OpKind::Replace),
                        _ if same => None,
                        Some(_) if force => Some(OpKind::Replace),
                        Some(_) => {
                            edited.push(format!("`{}`", visible(path)));
                            continue;
                        }
                        None => {
                            foreign.push(format!("`{}`: a file Scalpel did not write", visible(path)));
                            continue;
                        }
                    }
                }
                guard::Entry::Other(what) => {
                    foreign.push(format!("`{}`: {what}", visible(path)));
                    continue;
                }
                guard::Entry::Blocked(prefix, what) => {
                    foreign.push(format!("`{}`: `{}` on the way is {what}", visible(path), visible(&prefix)));
                    continue;
                }
            };
            match kind {
                Some(kind) => {
                    plan.ops.push(Op { path: path.to_string(), kind });
                    // A streamed file is in the staging folder already.
                    if let Some(text) = text {
                        plan.contents.insert(path, text);
                    }
                }
                None => plan.unchanged += 1,
            }
            records.insert(path.to_string(), record);
        }
        plan.manifest.producers.insert(producer.name().to_string(), records);
    }
    // Files another producer wrote and one of these now makes change hands.
    for (name, files) in &mut plan.manifest.producers {
        if !producers.iter().any(|p| p.name() == name) {
            files.retain(|path, _| !claimed.contains(path.as_str()));
        }
    }
    // What these producers wrote before and make no more: theirs to remove.
    for producer in producers {
        let Some(before) = old.producers.get(producer.name()) else { continue };
        for (path, record) in before.iter().filter(|(path, _)| !claimed.contains(path.as_str())) {
            if !guard::is_plain_relative(path) {
                continue;
            }
            // A path now behind a link or turned into a folder is not Scalpel's any more.
            if let guard::Entry::File(_) = guard::entry(out, path) {
                if record.matches(&out.join(path)) || force {
                    plan.ops.push(Op { path: path.clone(), kind: OpKind::Remove });
                } else {
                    edited.push(format!("`{}` (no longer made)", visible(path)));
                }
            }
        }
    }
    plan.manifest.producers.retain(|_, files| !files.is_empty());
    let mut diags = Vec::new();
    if !foreign.is_empty() {
        let count = foreign.len();
        diags.push(
            Diagnostic::new(
                Code::OutWouldOverwrite,
                format!(
                    "this run would overwrite {count} {} in `{shown}` that Scalpel did not write",
                    files_word(count)
                ),
            )
            .note(named(&foreign, count))
            .help("move them away, or choose another `--out`; even `--force` never overwrites them"),
        );
    }
    if !edited.is_empty() {
        let count = edited.len();
        diags.push(
            Diagnostic::new(
                Code::OutFileEdited,
                format!(
                    "{count} {} Scalpel wrote in `{shown}` {} edited since",
                    files_word(count),
                    if count == 1 { "was" } else { "were" }
                ),
            )
            .note(format!("edited: {}", named(&edited, count)))
            .help("move the edits elsewhere, or pass `--force` to overwrite them"),
        );
    }
    if diags.is_empty() {
        Ok(plan)
    } else {
        Err(diags)
    }
}

pub(crate) fn files_word(count: usize) -> &'static str {
    if count == 1 {
        "file"
    } else {
        "files"
    }
}

#[cfg(test)]
mod tests;
