//! `scalpel import attack-flow FILE`: a skeleton `.det` flow from an Attack Flow file.

use super::files;
use super::output::{errln, out};
use scalpel_compiler::import;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub fn attack_flow(file: &Path, out: Option<&PathBuf>) -> ExitCode {
    let text = match files::read(file, import::MAX_INPUT_BYTES, "Attack Flow file") {
        Ok(text) => text,
        Err(status) => return status,
    };
    let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("flow.afb");
    let imported = match import::attack_flow(name, &text) {
        Ok(imported) => imported,
        Err(err) => {
            errln!("error: {}", scalpel_compiler::visible::visible(&err));
            return ExitCode::from(1);
        }
    };
    for warning in &imported.warnings {
        errln!("warning: {warning}");
    }
    match out {
        Some(path) => match files::write(path, &imported.det) {
            Ok(()) => errln!("wrote {}", scalpel_compiler::visible::visible(&path.display().to_string())),
            Err(status) => return status,
        },
        None => out!("{}", imported.det),
    }
    ExitCode::SUCCESS
}
