//! `scalpel diff OLD NEW`: the semantic diff of two detection trees (folders), or of
//! one tree at two git revisions (`--git OLD NEW [TREE]`), as Markdown for a
//! pull-request comment or JSON ([`scalpel_driver::diff`]).
//!
//! Exit status, like `git diff --exit-code`: 0 when no rule's meaning changed and no
//! rule was added or removed, 1 when one was, 2 when the diff could not be made
//! (usage, git, or errors in either tree).

use super::output::{self, errln, out};
use super::{report, DiffArgs, DiffFormat};
use scalpel_compiler::diag::{render, Diagnostic};
use scalpel_compiler::project::{self, Compiled};
use scalpel_driver::diff::{self, git, markdown, Tree};
use scalpel_driver::lock;
use scalpel_targets::Settings;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// One side, compiled, with what its diagnostics should call its folder.
struct Side {
    label: String,
    compiled: Compiled,
    /// A temporary folder's path in diagnostics, and what to show instead.
    rename: Option<(String, String)>,
    _checkout: Option<git::Checkout>,
}

pub fn run(args: DiffArgs) -> ExitCode {
    let sides = if args.git {
        let tree = args.tree.clone().unwrap_or_else(|| PathBuf::from("."));
        checkout(&args.old, &tree).and_then(|old| Ok((old, checkout(&args.new, &tree)?)))
    } else {
        Ok((load(Path::new(&args.old)), load(Path::new(&args.new))))
    };
    let (mut old, mut new) = match sides {
        Ok(sides) => sides,
        Err(diag) => {
            errln!("{}", render::human(&diag, &Default::default(), report::use_color()));
            return ExitCode::from(2);
        }
    };
    let failed = [&mut old, &mut new].into_iter().map(print_diagnostics).fold(false, |a, b| a | b);
    let old_lock = read_lock(&mut old);
    let new_lock = read_lock(&mut new);
    let (Some(old_program), Some(new_program)) = (&old.compiled.program, &new.compiled.program) else {
        return ExitCode::from(2);
    };
    if failed {
        errln!("error: cannot diff trees with errors");
        return ExitCode::from(2);
    }
    let (old_name, old_settings) = Settings::for_project(&old.compiled.project, old_program);
    let (new_name, new_settings) = Settings::for_project(&new.compiled.project, new_program);
    let (old_settings, new_settings) = match (old_settings, new_settings) {
        (Ok(a), Ok(b)) => (a, b),
        (a, b) => {
            for diag in a.err().into_iter().chain(b.err()) {
                errln!("{}", render::human(&diag, &Default::default(), report::use_color()));
            }
            return ExitCode::from(2);
        }
    };
    let old_tree = Tree {
        label: old.label.clone(),
        program: old_program,
        name: &old_name,
        settings: &old_settings,
        lock: old_lock.as_ref(),
    };
    let new_tree = Tree {
        label: new.label.clone(),
        program: new_program,
        name: &new_name,
        settings: &new_settings,
        lock: new_lock.as_ref(),
    };
    let result = match diff::diff(&old_tree, &new_tree) {
        Ok(result) => result,
        Err(diag) => {
            errln!("{}", render::human(&diag, &Default::default(), report::use_color()));
            return ExitCode::from(2);
        }
    };
    match args.format {
        DiffFormat::Markdown => out!("{}", markdown::render(&result)),
        DiffFormat::Json => output::json(&result),
    }
    ExitCode::from(u8::from(result.changes_detection()))
}

fn load(path: &Path) -> Side {
    let compiled = project::compile(&[path.to_path_buf()], &[]);
    Side { label: path.display().to_string(), compiled, rename: None, _checkout: None }
}

fn checkout(rev: &str, tree: &Path) -> Result<Side, Diagnostic> {
    let checkout = git::checkout(rev, tree)?;
    let label = format!("{rev}:{}", tree.display());
    let compiled = project::compile(&[checkout.root().to_path_buf()], &[]);
    let rename = Some((checkout.root().display().to_string(), label.clone()));
    Ok(Side { label, compiled, rename, _checkout: Some(checkout) })
}

/// Prints a side's diagnostics (with a checkout's folder shown as `REV:TREE`);
/// whether there were errors.
fn print_diagnostics(side: &mut Side) -> bool {
    let diags = std::mem::take(&mut side.compiled.diags).into_sorted();
    let color = report::use_color();
    for diag in &diags {
        let mut text = render::human(diag, &side.compiled.project.sources, color);
        if let Some((from, to)) = &side.rename {
            text = text.replace(from.as_str(), to);
        }
        errln!("{text}");
    }
    diags.iter().any(Diagnostic::is_error)
}

/// The side's lock, for the versions column; an unreadable lock is reported and left out.
fn read_lock(side: &mut Side) -> Option<lock::Lock> {
    match lock::read(&mut side.compiled.project).1 {
        Ok(loaded) => loaded.map(|l| l.lock),
        Err(diag) => {
            errln!("{}", render::human(&diag, &side.compiled.project.sources, report::use_color()));
            None
        }
    }
}
