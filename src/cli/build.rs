//! `scalpel build`: front end, then every requested target, then an atomic write.
//!
//! The output is written into a temporary folder next to `--out` and renamed into
//! place only when everything succeeded, so a failed build leaves the previous
//! output untouched and never a half-written one.

use super::{report, BuildArgs, MessageFormat};
use indicatif::{ProgressBar, ProgressStyle};
use scalpel_compiler::diag::{Code, Diagnostic};
use scalpel_compiler::project;
use scalpel_targets::templates::Templates;
use scalpel_targets::{build, Settings, Target};
use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;

pub fn run(mut args: BuildArgs) -> ExitCode {
    if args.targets.is_empty() {
        args.targets = Target::ALL.to_vec();
    }
    args.targets.sort();
    args.targets.dedup();
    let mut compiled = project::compile(&args.input.paths, &args.input.attack_bundles);
    let mut diags = std::mem::take(&mut compiled.diags);
    let mut written = None;
    if let (false, Some(program)) = (diags.has_errors(), &compiled.program) {
        let (tree, settings) = Settings::for_project(&compiled.project);
        let templates = Templates::load(args.templates.as_deref());
        match (settings, templates) {
            (Ok(mut settings), Ok(templates)) => {
                if let Some(language) = args.elastic_language {
                    settings.elastic.language = language;
                }
                let bar = progress_bar(build::unit_count(program, &args.targets));
                let output = build(program, &tree, &settings, &args.targets, &templates, &|| bar.inc(1));
                bar.finish_and_clear();
                diags.extend(output.diags);
                let denied = args.deny_warnings && !diags.is_empty();
                if !diags.has_errors() && !denied {
                    match write_atomically(&args.out, &output.files) {
                        Ok(()) => written = Some(output.files.len()),
                        Err(err) => diags.push(
                            Diagnostic::new(Code::Io, format!("cannot write `{}`", args.out.display())).note(err),
                        ),
                    }
                }
            }
            (settings, templates) => {
                settings.err().into_iter().chain(templates.err()).for_each(|d| diags.push(d));
            }
        }
    }
    let sorted = report::emit(diags, &compiled.project.sources, args.message_format);
    if matches!(args.message_format, MessageFormat::Human) {
        match written {
            Some(n) if sorted.is_empty() => eprintln!("ok: wrote {n} files to {}", args.out.display()),
            Some(n) => eprintln!("ok: wrote {n} files to {} ({})", args.out.display(), report::counts(&sorted)),
            None => eprintln!("error: build failed, nothing written: {}", report::counts(&sorted)),
        }
    }
    if written.is_none() {
        return ExitCode::from(1);
    }
    report::status(&sorted, args.deny_warnings)
}

/// A bar on a terminal only; hidden otherwise (CI logs, pipes).
fn progress_bar(len: usize) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len as u64);
    if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} rules") {
        bar.set_style(style);
    }
    bar
}

/// Writes `files` into a fresh folder beside `out`, then swaps it into place.
fn write_atomically(out: &Path, files: &[(String, String)]) -> Result<(), String> {
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(|e| e.to_string())?;
    let staging = tempfile::Builder::new().prefix(".scalpel-build-").tempdir_in(&parent).map_err(|e| e.to_string())?;
    for (relative, text) in files {
        let path = staging.path().join(relative);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    let old = tempfile::Builder::new().prefix(".scalpel-old-").tempdir_in(&parent).map_err(|e| e.to_string())?;
    let backup = old.path().join("previous");
    let had_previous = out.exists();
    if had_previous {
        std::fs::rename(out, &backup).map_err(|e| format!("{}: {e}", out.display()))?;
    }
    if let Err(err) = std::fs::rename(staging.path(), out) {
        if had_previous {
            std::fs::rename(&backup, out).ok();
        }
        return Err(format!("{}: {err}", out.display()));
    }
    // The staging folder is now `out`; keep tempfile from deleting it.
    let _ = staging.keep();
    Ok(())
}
