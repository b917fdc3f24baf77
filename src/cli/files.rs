//! File access for subcommands that read or write one file outside a detection
//! tree (`import attack-flow`, `attack build`); failures are printed as diagnostics
//! and become exit status 1.
//!
//! Reads go through the bounded reader ([`scalpel_compiler::input`]). A write
//! replaces the file named on the command line (that is what naming it asks for),
//! through a temporary file renamed over it, so a failed write leaves the old file
//! whole; it refuses to write over a folder, a FIFO or a device.

use super::output::errln;
use super::report;
use scalpel_compiler::diag::{render, Code, Diagnostic};
use scalpel_compiler::input::{self, FileKind};
use scalpel_compiler::source::SourceMap;
use scalpel_compiler::visible::visible;
use std::path::Path;
use std::process::ExitCode;

fn fail(diag: Diagnostic) -> ExitCode {
    errln!("{}", render::human(&diag, &SourceMap::new(), report::use_color()));
    ExitCode::from(1)
}

/// The text of `path` (a regular file of at most `limit` bytes), read as `role`.
pub fn read(path: &Path, limit: u64, role: &str) -> Result<String, ExitCode> {
    input::read_text(path, limit).map_err(|err| fail(err.diagnostic(path, role)))
}

pub fn write(path: &Path, text: &str) -> Result<(), ExitCode> {
    let shown = visible(&path.display().to_string()).into_owned();
    match input::kind_of(path) {
        Ok(FileKind::Regular) | Err(input::ReadError::Missing) => {}
        Ok(kind) => {
            return Err(fail(Diagnostic::new(
                Code::NotRegularFile,
                format!("cannot write `{shown}`: it is {}, not a regular file", kind.describe()),
            )))
        }
        Err(err) => return Err(fail(Diagnostic::new(Code::Io, format!("cannot write `{shown}`: {err}")))),
    }
    // Created like any new file (permissions from the umask), then renamed over the old one.
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let temporary = path.with_file_name(format!(".{name}.scalpel-{}.tmp", std::process::id()));
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temporary)
        .and_then(|mut file| std::io::Write::write_all(&mut file, text.as_bytes()))
        .and_then(|()| std::fs::rename(&temporary, path));
    written.map_err(|err| {
        let _ = std::fs::remove_file(&temporary);
        fail(Diagnostic::new(Code::Io, format!("cannot write `{shown}`: {err}")))
    })
}
