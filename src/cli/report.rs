//! Reporting diagnostics: lint levels (`[lints]`, `-A/-W/-D`), printing in the chosen
//! format (the human one shows the first few warnings of each code, then a count),
//! and the exit status they imply.

use super::output::{self, errln};
use super::{LintArgs, MessageFormat};
use scalpel_compiler::diag::{render, Code, Diagnostic, Diagnostics};
use scalpel_compiler::lints::{Level, Lints, WARNINGS};
use scalpel_compiler::project::Project;
use scalpel_compiler::source::SourceMap;
use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// Warnings of one code printed in full before the rest are counted.
const SHOWN_PER_CODE: usize = 3;

/// Colour only on a terminal, and never when `NO_COLOR` is set.
pub fn use_color() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

/// How one run reports: its lint levels, format and folding.
pub struct Reporter {
    lints: Lints,
    format: MessageFormat,
    all_warnings: bool,
}

impl Reporter {
    /// Levels from `[lints]` of the tree, then from the command line in order, then
    /// `--deny-warnings`; a wrong `[lints]` entry is pushed into `diags` (E0030).
    pub fn new(project: &Project, args: &LintArgs, format: MessageFormat, diags: &mut Diagnostics) -> Reporter {
        let (mut lints, problems) = Lints::from_project(project);
        problems.into_iter().for_each(|d| diags.push(d));
        let flag = |level: Level| match level {
            Level::Allow => "-A",
            Level::Warn => "-W",
            Level::Deny => "-D",
        };
        let mut settings: Vec<(Level, String, String)> = args
            .ordered
            .iter()
            .map(|(level, name)| (*level, name.clone(), format!("`{} {name}`", flag(*level))))
            .collect();
        if args.deny_warnings {
            settings.push((Level::Deny, WARNINGS.to_string(), "`--deny-warnings`".to_string()));
        }
        for (level, name, origin) in settings {
            // Names were checked when the command line was parsed.
            if let Err(err) = lints.set(&name, level, origin) {
                diags.push(Diagnostic::new(Code::InvalidLints, err.to_string()));
            }
        }
        Reporter { lints, format, all_warnings: args.all_warnings }
    }

    /// The diagnostics with levels applied: allowed warnings dropped, denied ones
    /// errors. Applying twice changes nothing.
    pub fn apply(&self, diags: Diagnostics) -> Diagnostics {
        self.lints.apply(diags.into_iter().collect()).into_iter().collect()
    }

    /// The diagnostics with levels applied, sorted, not printed yet (see [`print`]).
    pub fn finish(&self, diags: Diagnostics) -> Vec<Diagnostic> {
        self.apply(diags).into_sorted()
    }

    /// Prints every diagnostic (levels applied); returns the sorted list.
    pub fn emit(&self, diags: Diagnostics, sources: &SourceMap) -> Vec<Diagnostic> {
        let sorted = self.finish(diags);
        self.print(&[(&sorted, sources)]);
        sorted
    }

    /// Prints finished diagnostics of several runs (each with the sources its spans
    /// point into): one after the other, or as one SARIF log.
    pub fn print(&self, parts: &[(&[Diagnostic], &SourceMap)]) {
        match self.format {
            MessageFormat::Human => {
                let color = use_color();
                let mut seen: BTreeMap<Code, usize> = BTreeMap::new();
                for (diags, sources) in parts {
                    for d in diags.iter() {
                        let count = seen.entry(d.code).or_default();
                        *count += 1;
                        if d.is_error() || self.all_warnings || *count <= SHOWN_PER_CODE {
                            errln!("{}", render::human(d, sources, color));
                        }
                    }
                }
                let all: Vec<&Diagnostic> = parts.iter().flat_map(|(d, _)| d.iter()).collect();
                for (code, hidden) in folded(&all, self.all_warnings) {
                    errln!(
                        "warning[{code}]: {hidden} more not shown ({}); `--all-warnings` prints them, `-A {code}` silences them",
                        code.title()
                    );
                }
            }
            MessageFormat::Json => {
                let mut out = output::stdout();
                for (diags, sources) in parts {
                    for d in diags.iter() {
                        let _ = writeln!(out, "{}", render::json_line(d, sources));
                    }
                }
                let _ = out.flush();
            }
            MessageFormat::Sarif => {
                let mut out = output::stdout();
                let _ = render::write_sarif(&mut out, parts, env!("CARGO_PKG_VERSION"));
                let _ = out.flush();
            }
        }
    }
}

/// Per warning code, how many instances were not printed in full.
fn folded(sorted: &[&Diagnostic], all_warnings: bool) -> Vec<(Code, usize)> {
    let mut warnings: BTreeMap<Code, usize> = BTreeMap::new();
    for d in sorted.iter().filter(|d| !d.is_error()) {
        *warnings.entry(d.code).or_default() += 1;
    }
    if all_warnings {
        return Vec::new();
    }
    warnings.into_iter().filter(|(_, n)| *n > SHOWN_PER_CODE).map(|(code, n)| (code, n - SHOWN_PER_CODE)).collect()
}

/// Status 1 when there are errors (denied warnings included).
pub fn status(diags: &[Diagnostic]) -> ExitCode {
    if diags.iter().any(Diagnostic::is_error) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// A path on the command line that does not exist is a usage error (status 2),
/// reported before any work, as for a mistyped flag.
pub fn require_paths(paths: &[PathBuf]) -> Result<(), ExitCode> {
    let missing: Vec<String> = paths.iter().filter(|p| !p.exists()).map(|p| format!("`{}`", p.display())).collect();
    if missing.is_empty() {
        return Ok(());
    }
    errln!("error: no such file or folder: {}", missing.join(", "));
    errln!("\nFor more information, try '--help'.");
    Err(ExitCode::from(2))
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
