//! `scalpel check`: for each detection tree the paths name (and the files outside
//! any tree), separately: the front end, then every target's back end in memory
//! ([`scalpel_driver::pipeline`], which the editor runs too); reports every diagnostic `build` would (a version lock that
//! does not match the tree included), per tree, and writes nothing. The event
//! generator's findings (W06xx) are `scalpel events`' and `scalpel test`'s.

use super::output::errln;
use super::report::{self, Reporter};
use super::{CheckArgs, MessageFormat};
use scalpel_compiler::diag::{Code, Diagnostic, Diagnostics};
use scalpel_compiler::project::{self, Compiled, Project};
use scalpel_compiler::source::SourceMap;
use scalpel_driver::lock;
use scalpel_driver::pipeline::{self, Options};
use std::process::ExitCode;

pub fn run(args: CheckArgs) -> ExitCode {
    if let Err(status) = report::require_paths(&args.input.paths) {
        return status;
    }
    let discovered = project::discover(&args.input.paths);
    let mut global = discovered.diags;
    let named: Vec<String> = discovered.units.iter().map(project::Unit::describe).collect();
    let mut runs: Vec<Compiled> =
        discovered.units.into_iter().map(|unit| project::compile_unit(unit, &args.input.attack_bundles)).collect();
    if runs.is_empty() && !global.has_errors() {
        global.push(Diagnostic::new(Code::NoInput, "no `.det` files found").note("detection files end in `.det`"));
    }
    let no_sources = SourceMap::new();
    let global_reporter = Reporter::new(&Project::default(), &args.lints, args.message_format, &mut global);
    let global = global_reporter.finish(global);
    let human = matches!(args.message_format, MessageFormat::Human);
    if human {
        global_reporter.print(&[(&global, &no_sources)]);
        if runs.is_empty() {
            let failed = global.iter().any(|d| d.is_error());
            errln!("{}: nothing checked: {}", if failed { "error" } else { "warning" }, report::counts(&global));
        }
    }
    // Each tree has its own `[lints]`; the machine formats print every tree at the end.
    let mut finished: Vec<Vec<Diagnostic>> = Vec::new();
    for (run, name) in runs.iter_mut().zip(&named) {
        let summary = summary(run);
        let mut diags = std::mem::take(&mut run.diags);
        let reporter = Reporter::new(&run.project, &args.lints, args.message_format, &mut diags);
        back_ends(run, &args, &mut diags);
        let diags = reporter.finish(diags);
        if human {
            reporter.print(&[(&diags, &run.project.sources)]);
            // One tree reads as before; several say which line is which.
            let prefix = if named.len() > 1 { format!("{name}: ") } else { String::new() };
            let errors = diags.iter().any(|d| d.is_error());
            match (errors, summary) {
                (true, _) => errln!("error: {prefix}check failed: {}", report::counts(&diags)),
                (false, Some(summary)) if diags.is_empty() => errln!("ok: {prefix}{summary}"),
                (false, Some(summary)) => errln!("ok: {prefix}{summary} ({})", report::counts(&diags)),
                (false, None) => errln!("error: {prefix}check failed"),
            }
        }
        finished.push(diags);
    }
    if !human {
        let mut parts: Vec<(&[Diagnostic], &SourceMap)> = vec![(&global, &no_sources)];
        parts.extend(finished.iter().zip(&runs).map(|(d, run)| (d.as_slice(), &run.project.sources)));
        global_reporter.print(&parts);
    }
    let all: Vec<Diagnostic> = global.into_iter().chain(finished.into_iter().flatten()).collect();
    report::status(&all)
}

/// Every target, in memory, when the front end succeeded.
fn back_ends(run: &mut Compiled, args: &CheckArgs, diags: &mut Diagnostics) {
    let Some(program) = &run.program else { return };
    if diags.has_errors() {
        return;
    }
    let targets = args.targets.resolve();
    let options = Options {
        targets: &targets,
        templates: None,
        elastic_language: None,
        tick: &|| (),
        stale_lock: lock::Severity::Warn,
    };
    pipeline::back_ends(&mut run.project, program, &options, diags);
}

/// `33 files, 27 schemas, 31 flows, 110 steps, 50 sequences`, when the check ran.
fn summary(run: &Compiled) -> Option<String> {
    run.program.as_ref().map(|p| {
        let steps: usize = p.flows.iter().map(|f| f.steps.len()).sum();
        let sequences: usize = p.flows.iter().map(|f| f.sequences.len()).sum();
        format!(
            "{} files, {} schemas, {} flows, {steps} steps, {sequences} sequences",
            run.project.files.len(),
            p.schemas.len(),
            p.flows.len()
        )
    })
}
