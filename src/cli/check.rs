//! `scalpel check`: run the front end, compare the tree with its version lock
//! (meaning, metadata and the set of rules; W0831 when they differ), and report.

use super::{report, CheckArgs, MessageFormat};
use scalpel_compiler::project;
use std::process::ExitCode;

pub fn run(args: CheckArgs) -> ExitCode {
    let mut compiled = project::compile(&args.input.paths, &args.input.attack_bundles);
    if let (false, Some(program)) = (compiled.diags.has_errors(), &compiled.program) {
        let (tree, _) = scalpel_targets::Settings::for_project(&compiled.project);
        for diag in scalpel_driver::lock::check(&mut compiled.project, program, &tree) {
            compiled.diags.push(diag);
        }
    }
    let sources = &compiled.project.sources;
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
    let diags = report::emit(compiled.diags, sources, args.message_format);
    if matches!(args.message_format, MessageFormat::Human) {
        let errors = diags.iter().any(|d| d.is_error());
        match (errors, summary) {
            (true, _) => eprintln!("error: check failed: {}", report::counts(&diags)),
            (false, Some(summary)) if diags.is_empty() => eprintln!("ok: {summary}"),
            (false, Some(summary)) => eprintln!("ok: {summary} ({})", report::counts(&diags)),
            (false, None) => eprintln!("error: check failed"),
        }
    }
    report::status(&diags, args.deny_warnings)
}
