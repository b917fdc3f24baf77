//! `scalpel coverage`: front end, a build to the requested targets (all by
//! default), then the coverage model rendered as Navigator layers, an HTML report
//! and a Markdown summary.
//!
//! Target diagnostics do not stop the report (a target that cannot express a
//! step is exactly what coverage shows); front-end and settings errors do. Target
//! errors are printed; target warnings (approximations) are only counted here,
//! since the report lists them per step and target, unless lint levels make them
//! errors (then they are printed and the run fails, report written). The output
//! folder is written like `scalpel build`'s (producer `coverage`; see
//! [`scalpel_driver::out_dir`]).

use super::output::errln;
use super::report::{self, Reporter};
use super::{CoverageArgs, MessageFormat};
use scalpel_compiler::diag::{Diagnostic, Diagnostics};
use scalpel_compiler::project;
use scalpel_compiler::visible::visible;
use scalpel_driver::build;
use scalpel_driver::coverage::{self, navigator, Coverage, CoverageSettings};
use scalpel_driver::out_dir::{self, Destination, Producer};
use scalpel_targets::templates::Templates;
use scalpel_targets::{Settings, Target};
use std::process::ExitCode;

pub fn run(args: CoverageArgs) -> ExitCode {
    if let Err(status) = report::require_paths(&args.input.paths) {
        return status;
    }
    let targets = args.targets.resolve();
    let mut compiled = project::compile(&args.input.paths, &args.input.attack_bundles);
    let mut diags = std::mem::take(&mut compiled.diags);
    let reporter = Reporter::new(&compiled.project, &args.lints, args.message_format, &mut diags);
    let analysed = match (&compiled.program, &compiled.catalog) {
        (Some(program), Some(catalog)) if !diags.has_errors() => {
            analyse(&compiled.project, program, catalog, &targets, &reporter, &mut diags)
        }
        _ => None,
    };
    let front_end_failed = analysed.is_none();
    let written = analysed.and_then(|(coverage, warnings)| {
        let producers = [Producer { name: "coverage".to_string(), files: files(&coverage) }];
        let destination = Destination { out: &args.out, inputs: &compiled.project.inputs, force: args.force };
        match out_dir::write(&destination, &producers) {
            Ok(done) => {
                done.warnings.into_iter().for_each(|d| diags.push(d));
                Some((coverage, warnings, done.files))
            }
            Err(errors) => {
                errors.into_iter().for_each(|d| diags.push(d));
                None
            }
        }
    });
    let sorted = reporter.emit(diags, &compiled.project.sources);
    let human = matches!(args.message_format, MessageFormat::Human);
    let Some((coverage, warnings, count)) = written else {
        if human {
            let what = if front_end_failed { "coverage not computed" } else { "nothing written" };
            errln!("error: {what}: {}", report::counts(&sorted));
        }
        return ExitCode::from(1);
    };
    if human {
        let domains: Vec<String> = coverage
            .domains
            .iter()
            .map(|d| format!("{} {}% of {} techniques", d.domain, d.score, d.techniques))
            .collect();
        errln!(
            "coverage: {}% of {} steps ({}); wrote {count} files to {}",
            coverage.score,
            coverage.steps.total(),
            domains.join(", "),
            visible(&args.out.display().to_string())
        );
        if warnings > 0 {
            errln!("note: {warnings} target warnings (approximations), shown per step and sequence in coverage.html");
        }
    }
    match args.fail_under {
        Some(minimum) if coverage.score < minimum => {
            errln!("error: coverage {}% is below --fail-under {minimum}%", coverage.score);
            ExitCode::from(1)
        }
        _ => report::status(&sorted),
    }
}

/// Settings, a build to the targets, the model and the number of target
/// warnings left at `warn`; `None` when a setting is invalid.
fn analyse(
    project: &project::Project,
    program: &scalpel_compiler::ir::Program,
    catalog: &scalpel_compiler::attack::Catalog,
    targets: &[Target],
    reporter: &Reporter,
    diags: &mut Diagnostics,
) -> Option<(Coverage, usize)> {
    let (tree, settings) = Settings::for_project(project, program);
    let settings = settings.map_err(|d| diags.push(d)).ok()?;
    let coverage_settings = CoverageSettings::for_project(project, program).map_err(|d| diags.push(d)).ok()?;
    let templates = Templates::load(None).map_err(|d| diags.push(d)).ok()?;
    let output = build(program, &tree, &settings, targets, &templates, &|| ());
    let model = coverage::analyze(program, catalog, &output, targets, &tree, &coverage_settings);
    let target_diags = reporter.apply(output.diags.clone());
    let warnings = target_diags.warning_count();
    target_diags.into_iter().filter(Diagnostic::is_error).for_each(|d| diags.push(d));
    Some((model, warnings))
}

/// `navigator/<domain>.json` per domain, `coverage.html`, `coverage.md`.
fn files(coverage: &Coverage) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = navigator::layers(coverage)
        .iter()
        .map(|(domain, layer)| (format!("navigator/{domain}.json"), navigator::to_json(layer)))
        .collect();
    files.push(("coverage.html".into(), coverage::html::render(coverage)));
    files.push(("coverage.md".into(), coverage::markdown::render(coverage)));
    files
}
