//! `scalpel import attack-flow FILE`: a skeleton `.det` flow from an Attack Flow file.
//! `scalpel import sigma PATH... --out DIR`: a detection tree from Sigma rules, written
//! into an output folder Scalpel owns (producer `import:sigma`, see `out_dir`).

use super::files;
use super::output::{errln, out};
use super::report::{self, Reporter};
use super::{LintArgs, MessageFormat, SigmaImportArgs};
use scalpel_compiler::diag::{Code, Diagnostic, Diagnostics};
use scalpel_compiler::import;
use scalpel_compiler::import::sigma::SigmaFile;
use scalpel_compiler::input;
use scalpel_compiler::project::{InputPath, InputRole, Project};
use scalpel_compiler::visible::visible;
use scalpel_driver::out_dir::{self, Destination, Producer};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Folder levels searched below a path given to `import sigma`.
const MAX_DEPTH: usize = 32;
/// Entries looked at in all folders of one `import sigma`, at most.
const MAX_ENTRIES: usize = 100_000;

pub fn sigma(args: &SigmaImportArgs) -> ExitCode {
    let mut diags = Diagnostics::new();
    let mut inputs = Vec::new();
    let mut found: Vec<(PathBuf, String)> = Vec::new();
    let mut entries = 0;
    for path in &args.paths {
        match input::kind_of(path) {
            Ok(input::FileKind::Directory) => {
                let base = path.clone();
                walk(&base, &base, 0, &mut entries, &mut found, &mut diags);
                inputs.push(InputPath { path: resolved(path), role: InputRole::Folder });
            }
            Ok(_) => {
                let group =
                    path.parent().and_then(|p| p.file_name()).and_then(|n| n.to_str()).unwrap_or("sigma").to_string();
                found.push((path.clone(), group));
                inputs.push(InputPath { path: resolved(path), role: InputRole::File });
            }
            Err(err) => diags.push(err.diagnostic(path, "Sigma path")),
        }
    }
    let mut files = Vec::new();
    for (path, group) in found {
        match input::read_text(&path, import::sigma::MAX_INPUT_BYTES) {
            Ok(text) => files.push(SigmaFile { path, group, text }),
            Err(err) => diags.push(err.diagnostic(&path, "Sigma file")),
        }
    }
    let imported = import::sigma::import(files);
    imported.diags.into_iter().for_each(|d| diags.push(d));
    let producers = [Producer { name: "import:sigma".to_string(), files: imported.files }];
    let destination = Destination { out: &args.out, inputs: &inputs, force: args.force };
    let written = match out_dir::write(&destination, &producers) {
        Ok(mut done) => {
            std::mem::take(&mut done.warnings).into_iter().for_each(|d| diags.push(d));
            Some(done)
        }
        Err(errors) => {
            errors.into_iter().for_each(|d| diags.push(d));
            None
        }
    };
    let lints = LintArgs {
        allow: Vec::new(),
        warn: Vec::new(),
        deny: Vec::new(),
        deny_warnings: args.deny_warnings,
        all_warnings: args.all_warnings,
        ordered: Vec::new(),
    };
    let reporter = Reporter::new(&Project::default(), &lints, MessageFormat::Human, &mut diags);
    let sorted = reporter.emit(diags, &imported.sources);
    let s = import::sigma::report::summary(&imported.rules);
    errln!(
        "{} Sigma rules: {} exact, {} approximated, {} refused{}",
        imported.rules.len(),
        s.exact,
        s.approximated,
        s.refused,
        written.map_or(String::new(), |w| format!(
            "; wrote {} files to {} (see sigma-import.md)",
            w.files,
            visible(&args.out.display().to_string())
        ))
    );
    report::status(&sorted)
}

fn resolved(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// `.yml`/`.yaml` regular files below `folder`, sorted, with the folder they are in
/// relative to `base` as their group. Hidden entries are skipped and symbolic links
/// not followed; depth and entries are bounded.
fn walk(
    base: &Path,
    folder: &Path,
    depth: usize,
    entries: &mut usize,
    out: &mut Vec<(PathBuf, String)>,
    diags: &mut Diagnostics,
) {
    let shown = || visible(&folder.display().to_string()).into_owned();
    if depth > MAX_DEPTH {
        diags.push(Diagnostic::new(
            Code::WalkTooLarge,
            format!("`{}` is more than {MAX_DEPTH} folders deep; not searched", shown()),
        ));
        return;
    }
    let listing = match std::fs::read_dir(folder) {
        Ok(listing) => listing,
        Err(err) => {
            diags.push(Diagnostic::new(Code::Io, format!("cannot read `{}`: {err}", shown())));
            return;
        }
    };
    let mut names: Vec<(PathBuf, std::fs::FileType)> =
        listing.filter_map(Result::ok).filter_map(|e| e.file_type().ok().map(|t| (e.path(), t))).collect();
    names.sort_by(|a, b| a.0.cmp(&b.0));
    for (path, kind) in names {
        *entries += 1;
        if *entries > MAX_ENTRIES {
            diags.push(Diagnostic::new(
                Code::WalkTooLarge,
                format!("more than {MAX_ENTRIES} entries below the Sigma paths; the rest is not searched"),
            ));
            return;
        }
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if name.starts_with('.') {
            continue;
        }
        if kind.is_dir() {
            walk(base, &path, depth + 1, entries, out, diags);
        } else if kind.is_file() && (name.ends_with(".yml") || name.ends_with(".yaml")) {
            let group = folder.strip_prefix(base).ok().and_then(|p| p.to_str()).filter(|p| !p.is_empty()).map_or_else(
                || base.file_name().and_then(|n| n.to_str()).unwrap_or("sigma").to_string(),
                |p| p.replace('\\', "/"),
            );
            out.push((path, group));
        }
    }
}

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
