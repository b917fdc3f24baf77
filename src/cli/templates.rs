//! `scalpel templates list|export`: the built-in packaging templates, so that a
//! `build --templates DIR` override starts from what Scalpel ships.

use scalpel_driver::out_dir::write_atomically;
use scalpel_targets::templates::BUILTINS;
use std::path::Path;
use std::process::ExitCode;

/// Each template, the file it renders and the variables it gets.
pub fn list() -> ExitCode {
    for template in BUILTINS {
        println!("{}.hbs  renders {}", template.name, template.renders);
        for (variable, meaning) in template.variables {
            println!("  {variable:<24}{meaning}");
        }
    }
    ExitCode::SUCCESS
}

/// Writes `DIR/<name>.hbs` for every built-in template, as other outputs are
/// written: atomically, replacing the folder as a whole.
pub fn export(dir: &Path) -> ExitCode {
    let files: Vec<(String, String)> =
        BUILTINS.iter().map(|t| (format!("{}.hbs", t.name), t.text.to_string())).collect();
    match write_atomically(dir, &files) {
        Ok(()) => {
            eprintln!(
                "ok: wrote {} template(s) to {}; edit them and pass `--templates {}` to `scalpel build`",
                files.len(),
                dir.display(),
                dir.display()
            );
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error[E0001]: cannot write `{}`: {err}", dir.display());
            ExitCode::from(1)
        }
    }
}
