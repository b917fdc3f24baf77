//! `scalpel fmt [PATHS] [--check]`: every `.det` file the paths name, in the
//! canonical layout ([`scalpel_compiler::syntax::format`]).
//!
//! Files are found and read as every command finds and reads them (tree discovery,
//! bounded reads); a file is rewritten only when its layout changes, through a
//! temporary file renamed over it. A file with syntax errors is reported and left
//! as it is. `--check` writes nothing: it prints a unified diff of every file that
//! is not formatted and exits with status 1.

use super::output::{errln, out};
use super::{files, report, FmtArgs};
use scalpel_compiler::diag::{render, Diagnostics};
use scalpel_compiler::project;
use scalpel_compiler::syntax::format::format;
use scalpel_compiler::visible::{visible, visible_lines};
use similar::TextDiff;
use std::process::ExitCode;

pub fn run(args: FmtArgs) -> ExitCode {
    if let Err(status) = report::require_paths(&args.paths) {
        return status;
    }
    let discovered = project::discover(&args.paths);
    let mut problems = discovered.diags;
    let mut checked = 0;
    let mut unformatted = 0;
    let mut refused = 0;
    let mut failed_writes = false;
    for unit in discovered.units {
        let project = project::load_unit(unit, &mut problems);
        for &id in &project.files {
            let file = project.sources.get(id);
            checked += 1;
            let formatted = match format(id, &file.text) {
                Ok(formatted) => formatted,
                Err(diags) => {
                    refused += 1;
                    print(diags, &project.sources);
                    continue;
                }
            };
            if formatted == file.text {
                continue;
            }
            unformatted += 1;
            let shown = visible(&file.path.display().to_string()).into_owned();
            if args.check {
                let diff = TextDiff::from_lines(file.text.as_str(), formatted.as_str());
                let rendered = diff.unified_diff().header(&format!("a/{shown}"), &format!("b/{shown}")).to_string();
                out!("{}", visible_lines(&rendered));
            } else if files::write(&file.path, &formatted).is_err() {
                failed_writes = true;
            }
        }
    }
    // Loading problems (unreadable files, a bad `scalpel.toml`) are not layout: shown, and fail the run.
    let loading_failed = problems.has_errors();
    print(problems, &scalpel_compiler::source::SourceMap::new());
    let verb = if args.check { "would reformat" } else { "reformatted" };
    let mut summary = format!("{verb} {unformatted} of {checked} file{}", if checked == 1 { "" } else { "s" });
    if refused > 0 {
        summary.push_str(&format!("; {refused} left as they are for syntax errors"));
    }
    errln!("{summary}");
    let failed = refused > 0 || loading_failed || failed_writes || (args.check && unformatted > 0);
    ExitCode::from(u8::from(failed))
}

fn print(diags: Diagnostics, sources: &scalpel_compiler::source::SourceMap) {
    let color = report::use_color();
    for d in diags.into_sorted() {
        errln!("{}", render::human(&d, sources, color));
    }
}
