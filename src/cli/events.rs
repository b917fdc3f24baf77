//! `scalpel events`: front end, then the synthetic test events of every rule,
//! written like `scalpel build` writes rules (atomically, into `--out`).

use super::report::{self, Reporter};
use super::{EventsArgs, MessageFormat};
use scalpel_compiler::diag::{Code, Diagnostic};
use scalpel_compiler::events::{self, ItemEvents};
use scalpel_compiler::project;
use scalpel_driver::out_dir::write_atomically;
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
                let generated = events::generate(program, args.seed);
                generated.diags.into_iter().for_each(|d| diags.push(d));
                // Denied warnings are errors from here on: nothing is written.
                diags = reporter.apply(diags);
                if !diags.has_errors() {
                    let files = replay::files(&generated.items, program, &settings);
                    match write_atomically(&args.out, &files) {
                        Ok(()) => summary = Some(counts(&generated.items)),
                        Err(err) => diags.push(
                            Diagnostic::new(Code::Io, format!("cannot write `{}`", args.out.display())).note(err),
                        ),
                    }
                }
            }
            Err(diag) => diags.push(diag),
        }
    }
    let sorted = reporter.emit(diags, &compiled.project.sources);
    if matches!(args.message_format, MessageFormat::Human) {
        match &summary {
            Some(summary) => eprintln!("ok: {summary} in {}", args.out.display()),
            None => eprintln!("error: no events written: {}", report::counts(&sorted)),
        }
    }
    if summary.is_none() {
        return ExitCode::from(1);
    }
    report::status(&sorted)
}

/// `12 rules: 40 positive and 61 negative events, 9 scenarios`
pub fn counts(items: &[ItemEvents]) -> String {
    let cases = items.iter().flat_map(|i| &i.cases);
    let positives = cases.clone().filter(|c| c.expect).count();
    let negatives = cases.filter(|c| !c.expect).count();
    let scenarios: usize = items.iter().map(|i| i.scenarios.len()).sum();
    format!("{} rules: {positives} positive and {negatives} negative events, {scenarios} scenarios", items.len())
}
