//! `scalpel events`: front end, then the synthetic test events of every rule,
//! written like `scalpel build` writes rules (producer `events`; see
//! [`scalpel_driver::out_dir`]).

use super::output::errln;
use super::report::{self, Reporter};
use super::{EventsArgs, MessageFormat};
use scalpel_compiler::events::{self, ItemEvents};
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
                let generated = events::generate(program, args.seed);
                generated.diags.into_iter().for_each(|d| diags.push(d));
                // Denied warnings are errors from here on: nothing is written.
                diags = reporter.apply(diags);
                if !diags.has_errors() {
                    let files = replay::files(&generated.items, program, &settings);
                    let producers = [Producer { name: "events".to_string(), files }];
                    let inputs = &compiled.project.inputs;
                    let destination = Destination { out: &args.out, inputs, force: args.force };
                    match out_dir::write(&destination, &producers) {
                        Ok(done) => {
                            done.warnings.into_iter().for_each(|d| diags.push(d));
                            summary = Some(counts(&generated.items));
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

/// `12 rules: 40 positive and 61 negative events, 9 scenarios`
pub fn counts(items: &[ItemEvents]) -> String {
    let cases = items.iter().flat_map(|i| &i.cases);
    let positives = cases.clone().filter(|c| c.expect).count();
    let negatives = cases.filter(|c| !c.expect).count();
    let scenarios: usize = items.iter().map(|i| i.scenarios.len()).sum();
    format!("{} rules: {positives} positive and {negatives} negative events, {scenarios} scenarios", items.len())
}
