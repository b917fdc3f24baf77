//! Printing diagnostics in the chosen format, and the exit status they imply.

use super::output::{self, errln};
use super::MessageFormat;
use scalpel_compiler::diag::{render, Diagnostic, Diagnostics};
use scalpel_compiler::source::SourceMap;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

/// Colour only on a terminal, and never when `NO_COLOR` is set.
pub fn use_color() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

/// Prints every diagnostic; returns the sorted list.
pub fn emit(diags: Diagnostics, sources: &SourceMap, format: MessageFormat) -> Vec<Diagnostic> {
    emit_many(vec![(diags, sources)], format).pop().unwrap_or_default()
}

/// Prints the diagnostics of several runs (each with the sources its spans point
/// into): one after the other, or one SARIF log; returns each run's sorted list.
pub fn emit_many(parts: Vec<(Diagnostics, &SourceMap)>, format: MessageFormat) -> Vec<Vec<Diagnostic>> {
    let sorted: Vec<(Vec<Diagnostic>, &SourceMap)> = parts.into_iter().map(|(d, s)| (d.into_sorted(), s)).collect();
    match format {
        MessageFormat::Human => {
            let color = use_color();
            for (diags, sources) in &sorted {
                for d in diags {
                    errln!("{}", render::human(d, sources, color));
                }
            }
        }
        MessageFormat::Json => {
            let mut out = output::stdout();
            for (diags, sources) in &sorted {
                for d in diags {
                    let _ = writeln!(out, "{}", render::json_line(d, sources));
                }
            }
            let _ = out.flush();
        }
        MessageFormat::Sarif => {
            let mut out = output::stdout();
            let parts: Vec<(&[Diagnostic], &SourceMap)> = sorted.iter().map(|(d, s)| (d.as_slice(), *s)).collect();
            let _ = render::write_sarif(&mut out, &parts, env!("CARGO_PKG_VERSION"));
            let _ = out.flush();
        }
    }
    sorted.into_iter().map(|(d, _)| d).collect()
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
