//! Printing diagnostics in the chosen format, and the exit status they imply.

use super::MessageFormat;
use scalpel_compiler::diag::{render, Diagnostic, Diagnostics};
use scalpel_compiler::source::SourceMap;
use std::io::IsTerminal;
use std::process::ExitCode;

/// Colour only on a terminal, and never when `NO_COLOR` is set.
pub fn use_color() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

/// Prints every diagnostic; returns the sorted list.
pub fn emit(diags: Diagnostics, sources: &SourceMap, format: MessageFormat) -> Vec<Diagnostic> {
    let sorted = diags.into_sorted();
    match format {
        MessageFormat::Human => {
            let color = use_color();
            for d in &sorted {
                eprintln!("{}", render::human(d, sources, color));
            }
        }
        MessageFormat::Json => {
            for d in &sorted {
                println!("{}", render::json_line(d, sources));
            }
        }
        MessageFormat::Sarif => println!("{}", render::sarif(&sorted, sources, env!("CARGO_PKG_VERSION"))),
    }
    sorted
}

/// Status 1 when there are errors (or warnings, when denied).
pub fn status(diags: &[Diagnostic], deny_warnings: bool) -> ExitCode {
    let failing = diags.iter().any(|d| d.is_error() || deny_warnings);
    if failing {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// `3 errors, 1 warning`
pub fn counts(diags: &[Diagnostic]) -> String {
    let errors = diags.iter().filter(|d| d.is_error()).count();
    let warnings = diags.len() - errors;
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    match (errors, warnings) {
        (0, w) => plural(w, "warning"),
        (e, 0) => plural(e, "error"),
        (e, w) => format!("{}, {}", plural(e, "error"), plural(w, "warning")),
    }
}
