//! File access for subcommands that read or write one file outside a detection
//! tree; failures are reported as `E0001` and become exit status 1.

use std::path::Path;
use std::process::ExitCode;

pub fn read(path: &Path) -> Result<String, ExitCode> {
    std::fs::read_to_string(path).map_err(|err| {
        eprintln!("error[E0001]: cannot read `{}`: {err}", path.display());
        ExitCode::from(1)
    })
}

pub fn write(path: &Path, text: &str) -> Result<(), ExitCode> {
    std::fs::write(path, text).map_err(|err| {
        eprintln!("error[E0001]: cannot write `{}`: {err}", path.display());
        ExitCode::from(1)
    })
}
