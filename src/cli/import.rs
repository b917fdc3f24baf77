//! `scalpel import attack-flow FILE`: a skeleton `.det` flow from an Attack Flow file.

use scalpel_compiler::import;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub fn attack_flow(file: &Path, out: Option<&PathBuf>) -> ExitCode {
    let text = match std::fs::read_to_string(file) {
        Ok(text) => text,
        Err(err) => {
            eprintln!("error[E0001]: cannot read `{}`: {err}", file.display());
            return ExitCode::from(1);
        }
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
        Some(path) => {
            if let Err(err) = std::fs::write(path, &imported.det) {
                eprintln!("error[E0001]: cannot write `{}`: {err}", path.display());
                return ExitCode::from(1);
            }
            eprintln!("wrote {}", path.display());
        }
        None => print!("{}", imported.det),
    }
    ExitCode::SUCCESS
}
