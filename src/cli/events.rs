//! `scalpel events`: front end, then the synthetic test events of every rule,
//! written like `scalpel build` writes rules (producer `events`; see
//! [`scalpel_driver::out_dir`]). `build --events` writes the same files through
//! [`files`].

use super::output::errln;
use super::report::{self, Reporter};
use super::{EventsArgs, MessageFormat};
use scalpel_compiler::diag::Diagnostics;
use scalpel_compiler::events::{self, ItemEvents};
use scalpel_compiler::ir::Program;
use scalpel_compiler::project;
use scalpel_compiler::visible::visible;
use scalpel_driver::out_dir::{self, Destination, Producer};
use scalpel_driver::replay;
use scalpel_targets::Settings;
use std::process::ExitCode;

pub fn run(args: EventsArgs) -> ExitCode {
    if let Err(status) = report::require_paths(&args.input.paths) {
        return status;
    }
    let mut compiled = project::compile(&args.input.paths, &args.input.attack_bundles);
    let mut diags = std::mem::take(&mut compiled.diags);
    let reporter = Reporter::new(&compiled.project, &args.lints, args.message_format, &mut diags);
    let mut summary = None;
    if let (false, Some(program)) = (diags.has_errors(), &compiled.program) {
        match Settings::for_project(&compiled.project).1 {
            Ok(settings) => {
                if let Some(files) = files(program, &settings, args.seed, &reporter, &mut diags) {
                    let producers = [Producer { name: "events".to_string(), files: files.files }];
                    let inputs = &compiled.project.inputs;
                    let destination = Destination { out: &args.out, inputs, force: args.force };
                    match out_dir::write(&destination, &producers) {
                        Ok(done) => {
                            done.warnings.into_iter().for_each(|d| diags.push(d));
                            summary = Some(files.summary);
                        }
                        Err(errors) => errors.into_iter().for_each(|d| diags.push(d)),
                    }
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

/// The events files of every rule, and their [`counts`].
pub struct Files {
    pub files: Vec<(String, String)>,
    pub summary: String,
}

/// Every rule's events files (paths relative to the events folder), the generator's
/// diagnostics pushed into `diags` at the levels of `reporter`; `None` when an error
/// (a denied warning included) is among them.
pub fn files(
    program: &Program,
    settings: &Settings,
    seed: u64,
    reporter: &Reporter,
    diags: &mut Diagnostics,
) -> Option<Files> {
    let generated = events::generate(program, seed);
    generated.diags.into_iter().for_each(|d| diags.push(d));
    // Denied warnings are errors from here on: nothing is written.
    *diags = reporter.apply(std::mem::take(diags));
    if diags.has_errors() {
        return None;
    }
    Some(Files { files: replay::files(&generated.items, program, settings), summary: counts(&generated.items) })
}

/// `12 rules: 40 positive and 61 negative events, 9 scenarios`
pub fn counts(items: &[ItemEvents]) -> String {
    let cases = items.iter().flat_map(|i| &i.cases);
    let positives = cases.clone().filter(|c| c.expect).count();
    let negatives = cases.filter(|c| !c.expect).count();
    let scenarios: usize = items.iter().map(|i| i.scenarios.len()).sum();
    format!("{} rules: {positives} positive and {negatives} negative events, {scenarios} scenarios", items.len())
}
