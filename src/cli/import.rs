//! `scalpel import attack-flow FILE`: a skeleton `.det` flow from an Attack Flow file.

use super::files;
use scalpel_compiler::import;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub fn attack_flow(file: &Path, out: Option<&PathBuf>) -> ExitCode {
    let text = match files::read(file) {
        Ok(text) => text,
        Err(status) => return status,
    };
    let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("flow.afb");
    let imported = match import::attack_flow(name, &text) {
        Ok(imported) => imported,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::from(1);
        }
    };
    for warning in &imported.warnings {
        eprintln!("warning: {warning}");
    }
    match out {
        Some(path) => match files::write(path, &imported.det) {
            Ok(()) => eprintln!("wrote {}", path.display()),
            Err(status) => return status,
        },
        None => print!("{}", imported.det),
    }
    ExitCode::SUCCESS
}
