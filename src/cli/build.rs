//! `scalpel build`: front end, then every requested target at the versions of the
//! tree's lock and the synthetic test events ([`super::pipeline`]), then an atomic
//! write (or, with `--check`, a comparison with what is already there, where a stale
//! lock is an error; see [`scalpel_driver::out_dir`]).

use super::pipeline::{self, Options};
use super::report::{self, Reporter};
use super::{BuildArgs, MessageFormat};
use indicatif::{ProgressBar, ProgressStyle};
use scalpel_compiler::diag::{Code, Diagnostic};
use scalpel_compiler::project;
use scalpel_driver::lock;
use scalpel_driver::out_dir::{self, Comparison};
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
        let options = Options {
            targets: &targets,
            templates: args.templates.as_deref(),
            elastic_language: args.elastic_language,
            progress: &bar,
            replay_files: true,
            stale_lock: if args.check { lock::Severity::Deny } else { lock::Severity::Warn },
        };
        let output = pipeline::back_ends(&mut compiled.project, program, &options, &mut diags);
        // Denied warnings are errors from here on: nothing is written.
        diags = reporter.apply(diags);
        if let Some(output) = &output {
            lock_status = Some((output.lock.clone(), output.unlocked_date.clone()));
        }
        if let (Some(pipeline::Output { files, .. }), false) = (output, diags.has_errors()) {
            let result = if args.check {
                out_dir::compare(&args.out, &files).map(|c| stale = Some(c))
            } else {
                out_dir::write_atomically(&args.out, &files)
            };
            match result {
                Ok(()) => written = Some(files.len()),
                Err(err) => {
                    diags.push(Diagnostic::new(Code::Io, format!("cannot access `{}`", args.out.display())).note(err))
                }
            }
        }
    }
    let sorted = reporter.emit(diags, &compiled.project.sources);
    if let (Some((lock::Status::Missing(path), date)), MessageFormat::Human) = (&lock_status, args.message_format) {
        eprintln!(
            "note: no version lock `{}`: every rule is version 1.0.0 of {date}; `scalpel lock --date YYYY-MM-DD` records versions",
            path.display()
        );
    }
    if let Some(comparison) = stale {
        return report_comparison(&args.out, &comparison);
    }
    if matches!(args.message_format, MessageFormat::Human) {
        match written {
            Some(n) if sorted.is_empty() => eprintln!("ok: wrote {n} files to {}", args.out.display()),
            Some(n) => eprintln!("ok: wrote {n} files to {} ({})", args.out.display(), report::counts(&sorted)),
            None => eprintln!("error: build failed, nothing written: {}", report::counts(&sorted)),
        }
    }
    if written.is_none() {
        return ExitCode::from(1);
    }
    report::status(&sorted)
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
        eprintln!("ok: {} is up to date", out.display());
        return ExitCode::SUCCESS;
    }
    print!("{}", comparison.diff);
    eprintln!(
        "error: {} is out of date: {} changed, {} missing, {} extra; run `scalpel build` without `--check` to update it",
        out.display(),
        comparison.changed,
        comparison.missing,
        comparison.extra
    );
    ExitCode::from(1)
}
