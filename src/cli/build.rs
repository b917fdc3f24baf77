//! `scalpel build`: front end, then every requested target at the versions of the
//! tree's lock ([`scalpel_driver::lock`]) and the synthetic test events (`events/`, as
//! `scalpel events` writes them), then an atomic write (or, with `--check`, a
//! comparison with what is already there, and a stale lock is an error; see
//! [`scalpel_driver::out_dir`]).

use super::{report, BuildArgs, MessageFormat};
use indicatif::{ProgressBar, ProgressStyle};
use scalpel_compiler::diag::{Code, Diagnostic};
use scalpel_compiler::project;
use scalpel_driver::lock;
use scalpel_driver::out_dir::{self, Comparison};
use scalpel_targets::templates::Templates;
use scalpel_targets::{Settings, Target};
use std::io::IsTerminal;
use std::process::ExitCode;

pub fn run(mut args: BuildArgs) -> ExitCode {
    if args.targets.is_empty() {
        args.targets = Target::ALL.to_vec();
    }
    args.targets.sort();
    args.targets.dedup();
    let mut compiled = project::compile(&args.input.paths, &args.input.attack_bundles);
    let mut diags = std::mem::take(&mut compiled.diags);
    let mut written = None;
    let mut stale = None;
    let mut lock_status = None;
    if let (false, Some(program)) = (diags.has_errors(), &compiled.program) {
        let (tree, settings) = Settings::for_project(&compiled.project);
        let templates = Templates::load(args.templates.as_deref());
        match (settings, templates) {
            (Ok(mut settings), Ok(templates)) => {
                // The lock records the tree's own build: emitted text is compared only
                // for targets the command line leaves as the tree sets them.
                let mut compare_emitted = if args.templates.is_some() { Vec::new() } else { args.targets.clone() };
                if let Some(language) = args.elastic_language {
                    if language != settings.elastic.language {
                        compare_emitted.retain(|t| *t != Target::Elastic);
                    }
                    settings.elastic.language = language;
                }
                let options = lock::Options {
                    targets: &args.targets,
                    compare_emitted: &compare_emitted,
                    severity: if args.check { lock::Severity::Deny } else { lock::Severity::Warn },
                };
                let bar = progress_bar(scalpel_driver::build::unit_count(program, &args.targets));
                let locked =
                    lock::build(&mut compiled.project, program, &tree, &settings, &templates, &options, &|| bar.inc(1));
                bar.finish_and_clear();
                lock_status = Some((locked.status, settings.sigma.date.clone()));
                let mut output = locked.output;
                diags.extend(output.diags);
                // The synthetic test events of every rule, next to the rules.
                let generated = scalpel_compiler::events::generate(program, scalpel_compiler::events::DEFAULT_SEED);
                generated.diags.into_iter().for_each(|d| diags.push(d));
                let events = scalpel_driver::replay::files(&generated.items, program, &settings);
                output.files.extend(events.into_iter().map(|(path, text)| (format!("events/{path}"), text)));
                let denied = args.deny_warnings && !diags.is_empty();
                if !diags.has_errors() && !denied {
                    let result = if args.check {
                        out_dir::compare(&args.out, &output.files).map(|c| stale = Some(c))
                    } else {
                        out_dir::write_atomically(&args.out, &output.files)
                    };
                    match result {
                        Ok(()) => written = Some(output.files.len()),
                        Err(err) => diags.push(
                            Diagnostic::new(Code::Io, format!("cannot access `{}`", args.out.display())).note(err),
                        ),
                    }
                }
            }
            (settings, templates) => {
                settings.err().into_iter().chain(templates.err()).for_each(|d| diags.push(d));
            }
        }
    }
    let sorted = report::emit(diags, &compiled.project.sources, args.message_format);
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
    report::status(&sorted, args.deny_warnings)
}

/// A bar on a terminal only; hidden otherwise (CI logs, pipes).
fn progress_bar(len: usize) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len as u64);
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
