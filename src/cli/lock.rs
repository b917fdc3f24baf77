//! `scalpel lock`: record in the tree's `scalpel.lock.json` the version of every rule
//! that changed since the lock (see [`scalpel_driver::lock`] and docs/lock-and-diff.md).

use super::output::errln;
use super::report::{self, Reporter};
use super::{LockArgs, MessageFormat};
use scalpel_compiler::project;
use scalpel_driver::lock::{self, date::SOURCE_DATE_EPOCH, Change};
use scalpel_targets::Settings;
use std::process::ExitCode;

pub fn run(args: LockArgs) -> ExitCode {
    let mut compiled = project::compile(&args.input.paths, &args.input.attack_bundles);
    let mut diags = std::mem::take(&mut compiled.diags);
    let reporter = Reporter::new(&compiled.project, &args.lints, MessageFormat::Human, &mut diags);
    let mut updated = None;
    // A malformed `--date` is an error even when no version needs it.
    if let Some(Err(diag)) = args.date.as_deref().map(|d| lock::lock_date(Some(d), None)) {
        diags.push(diag);
    }
    if let (false, Some(program)) = (diags.has_errors(), &compiled.program) {
        let (tree, settings) = Settings::for_project(&compiled.project, program);
        match settings {
            Ok(settings) => {
                let epoch = std::env::var(SOURCE_DATE_EPOCH).ok();
                let date = || lock::lock_date(args.date.as_deref(), epoch.as_deref());
                match lock::update(&mut compiled.project, program, &tree, &settings, &date) {
                    Ok(done) => updated = Some(done),
                    Err(errors) => errors.into_iter().for_each(|d| diags.push(d)),
                }
            }
            Err(diag) => diags.push(diag),
        }
    }
    let sorted = reporter.emit(diags, &compiled.project.sources);
    let Some(updated) = updated else {
        errln!("error: lock failed, nothing written: {}", report::counts(&sorted));
        return ExitCode::from(1);
    };
    let path = updated.path.display();
    if !updated.written {
        errln!("ok: {path} is up to date ({} rules)", updated.total);
        return ExitCode::SUCCESS;
    }
    let width = updated.recorded.iter().map(|r| r.key.to_string().len()).max().unwrap_or(0);
    for r in &updated.recorded {
        let versions = match (&r.change, r.from) {
            (Change::New, _) | (_, None) => format!("{:>8}   {}", "", r.to),
            (Change::Removed, Some(from)) => format!("{from:>8}   removed"),
            (_, Some(from)) => format!("{from:>8} → {}", r.to),
        };
        errln!("  {:width$}  {versions:<18}  {}", r.key.to_string(), r.change.describe());
    }
    let count = |f: fn(&Change) -> bool| updated.recorded.iter().filter(|r| f(&r.change)).count();
    let new = count(|c| matches!(c, Change::New));
    let removed = count(|c| matches!(c, Change::Removed));
    let bumped = count(|c| matches!(c, Change::Changed { bump: Some(_), .. }));
    errln!("ok: wrote {path} ({} rules): {bumped} bumped, {new} new, {removed} removed", updated.total);
    ExitCode::SUCCESS
}
