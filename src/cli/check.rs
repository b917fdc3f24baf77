//! `scalpel check`: run the front end over each detection tree the paths name (and
//! over the files outside any tree), separately, and report per tree.

use super::output::errln;
use super::{report, CheckArgs, MessageFormat};
use scalpel_compiler::diag::{Code, Diagnostic, Diagnostics};
use scalpel_compiler::project::{self, Compiled};
use scalpel_compiler::source::SourceMap;
use std::process::ExitCode;

pub fn run(args: CheckArgs) -> ExitCode {
    let discovered = project::discover(&args.input.paths);
    let mut global = discovered.diags;
    let named: Vec<String> = discovered.units.iter().map(project::Unit::describe).collect();
    let runs: Vec<Compiled> =
        discovered.units.into_iter().map(|unit| project::compile_unit(unit, &args.input.attack_bundles)).collect();
    if runs.is_empty() && !global.has_errors() {
        global.push(Diagnostic::new(Code::NoInput, "no `.det` files found").note("detection files end in `.det`"));
    }
    let no_sources = SourceMap::new();
    let mut all = Vec::new();
    if matches!(args.message_format, MessageFormat::Human) {
        all.extend(report::emit(global, &no_sources, MessageFormat::Human));
        if runs.is_empty() {
            let failed = all.iter().any(|d| d.is_error());
            errln!("{}: nothing checked: {}", if failed { "error" } else { "warning" }, report::counts(&all));
        }
        for (run, name) in runs.into_iter().zip(&named) {
            let summary = summary(&run);
            let diags = report::emit(run.diags, &run.project.sources, MessageFormat::Human);
            // One tree reads as before; several say which line is which.
            let prefix = if named.len() > 1 { format!("{name}: ") } else { String::new() };
            let errors = diags.iter().any(|d| d.is_error());
            match (errors, summary) {
                (true, _) => errln!("error: {prefix}check failed: {}", report::counts(&diags)),
                (false, Some(summary)) if diags.is_empty() => errln!("ok: {prefix}{summary}"),
                (false, Some(summary)) => errln!("ok: {prefix}{summary} ({})", report::counts(&diags)),
                (false, None) => errln!("error: {prefix}check failed"),
            }
            all.extend(diags);
        }
    } else {
        let mut runs = runs;
        let mut parts: Vec<(Diagnostics, &SourceMap)> = vec![(global, &no_sources)];
        parts.extend(runs.iter_mut().map(|Compiled { diags, project, .. }| (std::mem::take(diags), &project.sources)));
        all.extend(report::emit_many(parts, args.message_format).into_iter().flatten());
    }
    report::status(&all, args.deny_warnings)
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
