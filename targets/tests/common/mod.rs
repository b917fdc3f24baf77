//! Shared helpers: the fixture tree, compiled once per test binary.

use scalpel_compiler::ir::Program;
use scalpel_compiler::project;
use scalpel_targets::Settings;
use std::path::PathBuf;

pub fn fixture_tree() -> PathBuf {
    // Both `targets` and `driver` include this module; each sits one level below the root.
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../targets/tests/fixtures/tree")
}

/// The fixture tree's program and settings; panics on any error (fixtures are ours).
pub fn fixture() -> (Program, Settings) {
    let compiled = project::compile(&[fixture_tree()], &[]);
    assert!(!compiled.diags.has_errors(), "fixture does not check: {:?}", compiled.diags);
    let program = compiled.program.expect("fixture program");
    let (_, config) = compiled.project.config.expect("fixture has scalpel.toml");
    (program, Settings::from_table(&config.targets).expect("fixture settings"))
}
