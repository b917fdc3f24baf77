//! What several integration tests need: the shipped tree, checked and built at the
//! versions of its lock, as `scalpel build detections/` builds it.

use scalpel_compiler::project;
use scalpel_driver::{lock, BuildOutput};
use scalpel_targets::templates::Templates;
use scalpel_targets::{Settings, Target};
use std::path::PathBuf;

/// The shipped tree built for every target on a pool of `threads` threads.
pub fn shipped_build(threads: usize) -> (project::Compiled, BuildOutput) {
    let mut compiled = project::compile(&[PathBuf::from("detections")], &[]);
    assert!(!compiled.diags.has_errors());
    let program = compiled.program.as_ref().expect("program");
    let (tree, settings) = Settings::for_project(&compiled.project, program);
    let settings = settings.expect("shipped settings");
    let templates = Templates::load(None).expect("templates");
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("thread pool");
    let options = lock::Options { targets: Target::ALL, compare_emitted: Target::ALL, severity: lock::Severity::Deny };
    let locked =
        pool.install(|| lock::build(&mut compiled.project, program, &tree, &settings, &templates, &options, &|| {}));
    assert_eq!(locked.status, lock::Status::Read(PathBuf::from("detections").join(lock::LOCK_FILE)));
    (compiled, locked.output)
}
