//! What several integration tests need: the shipped tree, checked and built.

use scalpel_compiler::ir::Program;
use scalpel_compiler::project;
use scalpel_driver::{build, BuildOutput};
use scalpel_targets::templates::Templates;
use scalpel_targets::{Settings, Target};
use std::path::PathBuf;

/// The shipped tree built for every target on a pool of `threads` threads.
pub fn shipped_build(threads: usize) -> (project::Compiled, BuildOutput) {
    let compiled = project::compile(&[PathBuf::from("detections")], &[]);
    assert!(!compiled.diags.has_errors());
    let program: &Program = compiled.program.as_ref().expect("program");
    let (tree, settings) = Settings::for_project(&compiled.project);
    let settings = settings.expect("shipped settings");
    let templates = Templates::load(None).expect("templates");
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("thread pool");
    let output = pool.install(|| build(program, &tree, &settings, Target::ALL, &templates, &|| {}));
    (compiled, output)
}
