//! `scalpel templates list|export`: the built-in packaging templates, so that a
//! `build --templates DIR` override starts from what Scalpel ships.

use super::output::{errln, out};
use super::report;
use scalpel_compiler::diag::render;
use scalpel_compiler::source::SourceMap;
use scalpel_compiler::visible::visible;
use scalpel_driver::out_dir::{self, Destination, Producer};
use scalpel_targets::templates::BUILTINS;
use std::path::Path;
use std::process::ExitCode;

/// Each template, the file it renders and the variables it gets.
pub fn list() -> ExitCode {
    for template in BUILTINS {
        out!("{}.hbs  renders {}\n", template.name, template.renders);
        for (variable, meaning) in template.variables {
            out!("  {variable:<24}{meaning}\n");
        }
    }
    ExitCode::SUCCESS
}

/// Writes `DIR/<name>.hbs` for every built-in template, as other outputs are
/// written (producer `templates`; see [`scalpel_driver::out_dir`]): an edited copy
/// is never overwritten without `--force`.
pub fn export(dir: &Path, force: bool) -> ExitCode {
    let files: Vec<(String, String)> =
        BUILTINS.iter().map(|t| (format!("{}.hbs", t.name), t.text.to_string())).collect();
    let producers = [Producer { name: "templates".to_string(), files }];
    let destination = Destination { out: dir, inputs: &[], force };
    let shown = visible(&dir.display().to_string()).into_owned();
    match out_dir::write(&destination, &producers) {
        Ok(done) => {
            let sources = SourceMap::new();
            for d in &done.warnings {
                errln!("{}", render::human(d, &sources, report::use_color()));
            }
            errln!(
                "ok: wrote {} template(s) to {shown}; edit them and pass `--templates {shown}` to `scalpel build`",
                done.files
            );
            ExitCode::SUCCESS
        }
        Err(errors) => {
            let sources = SourceMap::new();
            for d in &errors {
                errln!("{}", render::human(d, &sources, report::use_color()));
            }
            ExitCode::from(1)
        }
    }
}
