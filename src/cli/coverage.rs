//! `scalpel coverage`: front end, a build to every target, then the coverage
//! model rendered as Navigator layers, an HTML report and a Markdown summary.
//!
//! Target diagnostics do not stop the report (a target that cannot express a
//! step is exactly what coverage shows); front-end and settings errors do. Target
//! errors are printed; target warnings (approximations) are only counted here,
//! since the report lists them per step and target. The output folder is written
//! like `scalpel build`'s (producer `coverage`; see [`scalpel_driver::out_dir`]).

use super::output::errln;
use super::{report, CoverageArgs};
use scalpel_compiler::diag::Diagnostics;
use scalpel_compiler::project;
use scalpel_compiler::visible::visible;
use scalpel_driver::build;
use scalpel_driver::coverage::{self, navigator, Coverage, CoverageSettings};
use scalpel_driver::out_dir::{self, Destination, Producer};
use scalpel_targets::templates::Templates;
use scalpel_targets::{Settings, Target};
use std::process::ExitCode;

pub fn run(args: CoverageArgs) -> ExitCode {
    let mut compiled = project::compile(&args.input.paths, &args.input.attack_bundles);
    let mut diags = std::mem::take(&mut compiled.diags);
    let analysed = match (&compiled.program, &compiled.catalog) {
        (Some(program), Some(catalog)) if !diags.has_errors() => {
            analyse(&compiled.project, program, catalog, &mut diags)
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
    let sorted = report::emit(diags, &compiled.project.sources, super::MessageFormat::Human);
    let Some((coverage, warnings, count)) = written else {
        let what = if front_end_failed { "coverage not computed" } else { "nothing written" };
        errln!("error: {what}: {}", report::counts(&sorted));
        return ExitCode::from(1);
    };
    let domains: Vec<String> =
        coverage.domains.iter().map(|d| format!("{} {}% of {} techniques", d.domain, d.score, d.techniques)).collect();
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
    match args.fail_under {
        Some(minimum) if coverage.score < minimum => {
            errln!("error: coverage {}% is below --fail-under {minimum}%", coverage.score);
            ExitCode::from(1)
        }
        _ => ExitCode::SUCCESS,
    }
}

/// Settings, a build to every target, the model and the number of target
/// warnings; `None` when a setting is invalid.
fn analyse(
    project: &project::Project,
    program: &scalpel_compiler::ir::Program,
    catalog: &scalpel_compiler::attack::Catalog,
    diags: &mut Diagnostics,
) -> Option<(Coverage, usize)> {
    let (tree, settings) = Settings::for_project(project);
    let settings = settings.map_err(|d| diags.push(d)).ok()?;
    let coverage_settings = CoverageSettings::for_project(project, program).map_err(|d| diags.push(d)).ok()?;
    let templates = Templates::load(None).map_err(|d| diags.push(d)).ok()?;
    let output = build(program, &tree, &settings, Target::ALL, &templates, &|| ());
    let model = coverage::analyze(program, catalog, &output, Target::ALL, &tree, &coverage_settings);
    output.diags.iter().filter(|d| d.is_error()).for_each(|d| diags.push(d.clone()));
    Some((model, output.diags.warning_count()))
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
