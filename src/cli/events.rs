//! `scalpel events`: front end, then the synthetic test events of every rule,
//! written like `scalpel build` writes rules (producer `events`; see
//! [`scalpel_driver::out_dir`]). `build --events` writes the same files through
//! [`write`].
//!
//! Events are never held whole: flows are generated apart, in parallel, and each
//! flow's files go into the output folder's staging area as soon as they are made
//! ([`out_dir::Streamed`]); only the manifest's entries and the counts stay in memory.
//! The bytes do not depend on the thread count: each rule draws from its own random
//! stream, and the manifest lists flows in program order.

use super::output::errln;
use super::report::{self, Reporter};
use super::{EventsArgs, MessageFormat};
use rayon::prelude::*;
use scalpel_compiler::diag::{Diagnostic, Diagnostics};
use scalpel_compiler::events::{self, ItemEvents};
use scalpel_compiler::ir::Program;
use scalpel_compiler::project;
use scalpel_compiler::visible::visible;
use scalpel_driver::out_dir::{self, Destination, Producer, Sink, Streamed, Written};
use scalpel_driver::replay::{self, Names};
use scalpel_targets::Settings;
use std::process::ExitCode;
use std::sync::Mutex;

pub fn run(args: EventsArgs) -> ExitCode {
    if let Err(status) = report::require_paths(&args.input.paths) {
        return status;
    }
    let mut compiled = project::compile(&args.input.paths, &args.input.attack_bundles);
    let mut diags = std::mem::take(&mut compiled.diags);
    let reporter = Reporter::new(&compiled.project, &args.lints, args.message_format, &mut diags);
    let mut summary = None;
    // Denied warnings of the front end are errors too: then nothing is generated.
    diags = reporter.apply(diags);
    if let (false, Some(program)) = (diags.has_errors(), &compiled.program) {
        match Settings::for_project(&compiled.project, program).1 {
            Ok(settings) => {
                let events = Events { program, settings: &settings, seed: args.seed, folder: "", reporter: &reporter };
                let inputs = &compiled.project.inputs;
                let destination = Destination { out: &args.out, inputs, force: args.force };
                if let Some((done, counts)) = write(&events, &destination, &[], "events", &mut diags) {
                    done.warnings.into_iter().for_each(|d| diags.push(d));
                    summary = Some(counts);
                }
            }
            Err(diag) => diags.push(diag),
        }
    }
    let sorted = reporter.emit(diags, &compiled.project.sources);
    if matches!(args.message_format, MessageFormat::Human) {
        match &summary {
            Some(summary) => errln!("ok: {summary} in {}", visible(&args.out.display().to_string())),
            None => errln!("error: no events written: {}", report::counts(&sorted)),
        }
    }
    if summary.is_none() {
        return ExitCode::from(1);
    }
    report::status(&sorted)
}

/// What to generate, and where in the output folder.
pub struct Events<'a> {
    pub program: &'a Program,
    pub settings: &'a Settings,
    pub seed: u64,
    /// The folder of the events in the output folder (`""`: its top; `events/` for
    /// `build --events`), with its trailing `/`.
    pub folder: &'a str,
    /// The levels the generator's warnings are reported at: a denied one stops the write.
    pub reporter: &'a Reporter,
}

/// Writes `producers` and, as producer `name`, every rule's events; the generator's
/// diagnostics (levels applied) and any refusal go into `diags`. `None` when
/// nothing was written; else what was, and the [`counts`].
pub fn write(
    events: &Events,
    destination: &Destination,
    producers: &[Producer],
    name: &str,
    diags: &mut Diagnostics,
) -> Option<(Written, String)> {
    let found: Mutex<Option<(Vec<Diagnostic>, String)>> = Mutex::new(None);
    let make = |sink: &Sink| {
        let (generated, counts) = stream(events, &|path, bytes| sink.put(path, bytes));
        // Denied warnings are errors: then nothing is written.
        let mut levels = Diagnostics::default();
        generated.into_iter().for_each(|d| levels.push(d));
        let applied: Vec<Diagnostic> = events.reporter.apply(levels).into_iter().collect();
        let go_on = !applied.iter().any(Diagnostic::is_error);
        *found.lock().unwrap_or_else(|e| e.into_inner()) = Some((applied, counts));
        go_on
    };
    let streamed = Streamed { name: name.to_string(), make: &make };
    let result = out_dir::write_streamed(destination, producers, Some(&streamed));
    let (generated, counts) = found.into_inner().unwrap_or_else(|e| e.into_inner()).unwrap_or_default();
    generated.into_iter().for_each(|d| diags.push(d));
    match result {
        Ok(done) => Some((done, counts)),
        Err(errors) => {
            errors.into_iter().for_each(|d| diags.push(d));
            None
        }
    }
}

/// Every rule's events files in memory (`build --check --events` compares them),
/// sorted by path; `None` when the generator reported an error (in `diags`).
pub fn in_memory(events: &Events, diags: &mut Diagnostics) -> Option<Vec<(String, String)>> {
    let files = Mutex::new(Vec::new());
    let (generated, _) = stream(events, &|path, bytes| {
        let text = String::from_utf8_lossy(bytes).into_owned();
        files.lock().unwrap_or_else(|e| e.into_inner()).push((path.to_string(), text));
    });
    let mut levels = Diagnostics::default();
    generated.into_iter().for_each(|d| levels.push(d));
    let applied: Vec<Diagnostic> = events.reporter.apply(levels).into_iter().collect();
    let failed = applied.iter().any(Diagnostic::is_error);
    applied.into_iter().for_each(|d| diags.push(d));
    let mut files = files.into_inner().unwrap_or_else(|e| e.into_inner());
    files.sort();
    (!failed).then_some(files)
}

/// Generates flow by flow, in parallel, each flow's files given to `put` as soon as
/// they are made, then the manifest; the generator's diagnostics and the counts.
fn stream(events: &Events, put: &(dyn Fn(&str, &[u8]) + Sync)) -> (Vec<Diagnostic>, String) {
    let names = Names { program: events.program, settings: events.settings };
    let flows: Vec<FlowDone> = events
        .program
        .flows
        .par_iter()
        .map(|flow| {
            let generated = events::generate_one_flow(events.program, flow, events.seed);
            for item in &generated.items {
                for (path, text) in replay::item_files(item, &names) {
                    put(&format!("{}{path}", events.folder), text.as_bytes());
                }
            }
            FlowDone::of(generated)
        })
        .collect();
    let mut diags = Vec::new();
    let mut entries = Vec::new();
    let mut counts = Counts::default();
    for flow in flows {
        diags.extend(flow.diags);
        entries.extend(flow.entries);
        counts.add(&flow.counts);
    }
    put(&format!("{}{}", events.folder, replay::MANIFEST), replay::manifest(entries).as_bytes());
    (diags, counts.to_string())
}

/// What stays of a flow once its files are written.
struct FlowDone {
    diags: Vec<Diagnostic>,
    entries: Vec<serde_json::Value>,
    counts: Counts,
}

impl FlowDone {
    fn of(generated: events::Generated) -> FlowDone {
        let mut counts = Counts::default();
        generated.items.iter().for_each(|item| counts.add_item(item));
        let entries = generated.items.iter().map(replay::manifest_entry).collect();
        FlowDone { diags: generated.diags, entries, counts }
    }
}

/// `12 rules: 40 positive and 61 negative events, 9 scenarios`
#[derive(Default)]
struct Counts {
    rules: usize,
    positives: usize,
    negatives: usize,
    scenarios: usize,
}

impl Counts {
    fn add_item(&mut self, item: &ItemEvents) {
        self.rules += 1;
        self.positives += item.cases.iter().filter(|c| c.expect).count();
        self.negatives += item.cases.iter().filter(|c| !c.expect).count();
        self.scenarios += item.scenarios.len();
    }

    fn add(&mut self, other: &Counts) {
        self.rules += other.rules;
        self.positives += other.positives;
        self.negatives += other.negatives;
        self.scenarios += other.scenarios;
    }
}

impl std::fmt::Display for Counts {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(
            f,
            "{} rules: {} positive and {} negative events, {} scenarios",
            self.rules, self.positives, self.negatives, self.scenarios
        )
    }
}
