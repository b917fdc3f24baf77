//! `scalpel check`: the front end, then every target's back end and the event
//! generator in memory ([`super::pipeline`]); reports every diagnostic `build`
//! would (a version lock that does not match the tree included), and writes nothing.

use super::pipeline::{self, Options};
use super::report::{self, Reporter};
use super::{CheckArgs, MessageFormat};
use indicatif::ProgressBar;
use scalpel_compiler::project;
use scalpel_driver::lock;
use std::process::ExitCode;

pub fn run(args: CheckArgs) -> ExitCode {
    if let Err(status) = report::require_paths(&args.input.paths) {
        return status;
    }
    let mut compiled = project::compile(&args.input.paths, &args.input.attack_bundles);
    let mut diags = std::mem::take(&mut compiled.diags);
    let reporter = Reporter::new(&compiled.project, &args.lints, args.message_format, &mut diags);
    let summary = compiled.program.as_ref().map(|p| {
        let steps: usize = p.flows.iter().map(|f| f.steps.len()).sum();
        let sequences: usize = p.flows.iter().map(|f| f.sequences.len()).sum();
        format!(
            "{} files, {} schemas, {} flows, {steps} steps, {sequences} sequences",
            compiled.project.files.len(),
            p.schemas.len(),
            p.flows.len()
        )
    });
    if let (false, Some(program)) = (diags.has_errors(), &compiled.program) {
        let targets = args.targets.resolve();
        let options = Options {
            targets: &targets,
            templates: None,
            elastic_language: None,
            progress: &ProgressBar::hidden(),
            replay_files: false,
            stale_lock: lock::Severity::Warn,
        };
        pipeline::back_ends(&mut compiled.project, program, &options, &mut diags);
    }
    let diags = reporter.emit(diags, &compiled.project.sources);
    if matches!(args.message_format, MessageFormat::Human) {
        let errors = diags.iter().any(|d| d.is_error());
        match (errors, summary) {
            (true, _) => eprintln!("error: check failed: {}", report::counts(&diags)),
            (false, Some(summary)) if diags.is_empty() => eprintln!("ok: {summary}"),
            (false, Some(summary)) => eprintln!("ok: {summary} ({})", report::counts(&diags)),
            (false, None) => eprintln!("error: check failed"),
        }
    }
    report::status(&diags)
}
