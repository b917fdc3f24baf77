//! `scalpel build`: front end, then every requested target at the versions of the
//! tree's lock ([`scalpel_driver::pipeline`]), then the output folder: each target is a producer
//! that replaces only its own files (or, with `--check`, a comparison with what is
//! already there, where a stale lock is an error; see [`scalpel_driver::out_dir`]).
//! With `--events`, and only when the rules built without error, the synthetic test
//! events too (producer `build:events`, folder `events/`, as `scalpel events` makes
//! them); without it an earlier build's events are left as they are.

use super::events::Events;
use super::output::{errln, out};
use super::report::{self, Reporter};
use super::{BuildArgs, MessageFormat};
use indicatif::{ProgressBar, ProgressStyle};
use scalpel_compiler::events;
use scalpel_compiler::project::{self, InputPath, InputRole};
use scalpel_compiler::visible::visible;
use scalpel_driver::out_dir::{self, Comparison, Destination, Producer, Written};
use scalpel_driver::pipeline::{self, Options};
use scalpel_driver::{build, lock};
use scalpel_targets::Target;
use std::io::IsTerminal;
use std::process::ExitCode;

pub fn run(args: BuildArgs) -> ExitCode {
    if let Err(status) = report::require_paths(&args.input.paths) {
        return status;
    }
    let targets = args.targets.resolve();
    let mut compiled = project::compile(&args.input.paths, &args.input.attack_bundles);
    let mut diags = std::mem::take(&mut compiled.diags);
    let reporter = Reporter::new(&compiled.project, &args.lints, args.message_format, &mut diags);
    let mut written = None;
    let mut stale = None;
    let mut lock_status = None;
    if let (false, Some(program)) = (diags.has_errors(), &compiled.program) {
        let bar = progress_bar();
        bar.set_length(build::unit_count(program, &targets) as u64);
        let options = Options {
            targets: &targets,
            templates: args.templates.as_deref(),
            elastic_language: args.elastic_language,
            tick: &|| bar.inc(1),
            stale_lock: if args.check { lock::Severity::Deny } else { lock::Severity::Warn },
        };
        let output = pipeline::back_ends(&mut compiled.project, program, &options, &mut diags);
        bar.finish_and_clear();
        // Denied warnings are errors from here on: nothing is written.
        diags = reporter.apply(diags);
        if let Some(output) = &output {
            lock_status = Some((output.lock.clone(), output.unlocked_date.clone()));
        }
        if let (Some(pipeline::Output { files, settings, .. }), false) = (output, diags.has_errors()) {
            let mut producers = producers(&targets, files);
            let inputs = inputs(&compiled.project, args.templates.as_deref());
            let events = Events {
                program,
                settings: &settings,
                seed: events::DEFAULT_SEED,
                folder: "events/",
                reporter: &reporter,
            };
            if args.check {
                let events = if args.events { super::events::in_memory(&events, &mut diags) } else { Some(Vec::new()) };
                if let (Some(events), false) = (events, diags.has_errors()) {
                    if args.events {
                        producers.push(Producer { name: EVENTS_PRODUCER.to_string(), files: events });
                    }
                    match out_dir::compare(&args.out, &inputs, &producers) {
                        Ok(comparison) => stale = Some(comparison),
                        Err(errors) => errors.into_iter().for_each(|d| diags.push(d)),
                    }
                }
            } else {
                let destination = Destination { out: &args.out, inputs: &inputs, force: args.force };
                let done = if args.events {
                    super::events::write(&events, &destination, &producers, EVENTS_PRODUCER, &mut diags)
                        .map(|(done, _)| done)
                } else {
                    match out_dir::write(&destination, &producers) {
                        Ok(done) => Some(done),
                        Err(errors) => {
                            errors.into_iter().for_each(|d| diags.push(d));
                            None
                        }
                    }
                };
                if let Some(mut done) = done {
                    std::mem::take(&mut done.warnings).into_iter().for_each(|d| diags.push(d));
                    written = Some(done);
                }
            }
        }
    }
    let sorted = reporter.emit(diags, &compiled.project.sources);
    if let (Some((lock::Status::Missing(path), date)), MessageFormat::Human) = (&lock_status, args.message_format) {
        errln!(
            "note: no version lock `{}`: every rule is version 1.0.0 of {date}; `scalpel lock --date YYYY-MM-DD` records versions",
            visible(&path.display().to_string())
        );
    }
    if let Some(comparison) = stale {
        return report_comparison(&args.out, &comparison);
    }
    if matches!(args.message_format, MessageFormat::Human) {
        match &written {
            Some(done) if sorted.is_empty() => errln!("ok: {}", summary(done, &args.out)),
            Some(done) => errln!("ok: {} ({})", summary(done, &args.out), report::counts(&sorted)),
            None => errln!("error: build failed, nothing written: {}", report::counts(&sorted)),
        }
    }
    if written.is_none() {
        return ExitCode::from(1);
    }
    report::status(&sorted)
}

/// The producer of `build --events`' files (`events/`).
const EVENTS_PRODUCER: &str = "build:events";

/// One producer per target (`build:sigma` owns `sigma/`, ...), so that a build of
/// some targets keeps the others' files (and the events of an earlier `--events`).
fn producers(targets: &[Target], files: Vec<(String, String)>) -> Vec<Producer> {
    let mut producers: Vec<Producer> =
        targets.iter().map(|t| Producer { name: format!("build:{t}"), files: Vec::new() }).collect();
    for (path, text) in files {
        let folder = path.split('/').next().unwrap_or_default();
        if let Some(at) = targets.iter().position(|t| t.name() == folder) {
            producers[at].files.push((path, text));
        }
    }
    producers
}

/// The run's inputs, and the templates folder: the output folder stays clear of them.
fn inputs(project: &project::Project, templates: Option<&std::path::Path>) -> Vec<InputPath> {
    let mut inputs = project.inputs.clone();
    if let Some(path) = templates.and_then(|t| std::fs::canonicalize(t).ok()) {
        inputs.push(InputPath { path, role: InputRole::Folder });
    }
    inputs
}

/// `wrote 1834 files to build`, or, when some were already up to date or removed,
/// `1834 files in build: 3 written, 1831 already up to date, 2 no longer made removed`.
pub fn summary(done: &Written, out: &std::path::Path) -> String {
    let out = visible(&out.display().to_string()).into_owned();
    if done.unchanged == 0 && done.removed == 0 {
        return format!("wrote {} files to {out}", done.files);
    }
    format!(
        "{} files in {out}: {} written, {} already up to date, {} no longer made removed",
        done.files,
        done.files - done.unchanged,
        done.unchanged,
        done.removed
    )
}

/// A bar on a terminal only; hidden otherwise (CI logs, pipes).
fn progress_bar() -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(0);
    if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} rules") {
        bar.set_style(style);
    }
    bar
}

/// `--check`: the diff on stdout, a one-line verdict on stderr, exit 1 when out of date.
fn report_comparison(out: &std::path::Path, comparison: &Comparison) -> ExitCode {
    if comparison.is_clean() {
        errln!("ok: {} is up to date", out.display());
        return ExitCode::SUCCESS;
    }
    out!("{}", comparison.diff);
    errln!(
        "error: {} is out of date: {} changed, {} missing, {} extra; run `scalpel build` without `--check` to update it",
        out.display(),
        comparison.changed,
        comparison.missing,
        comparison.extra
    );
    ExitCode::from(1)
}
