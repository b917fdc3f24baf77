//! Snapshots of everything the shipped content compiles to: the IR of every flow, every
//! file of `scalpel build detections/` for every target, and the build's diagnostics (what
//! a target can only approximate). Reviewed once, then any change in the compiler that
//! moves a byte of the shipped output shows up here. Orphans fail: a snapshot whose file
//! is no longer produced must be deleted.

use scalpel_compiler::diag::render;
use scalpel_compiler::project;
use scalpel_targets::templates::Templates;
use scalpel_targets::{build, Settings, Target};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const SNAPSHOTS: &str = "snapshots/shipped";

fn snapshot(name: &str, text: &str) {
    insta::with_settings!({ snapshot_path => "../snapshots/shipped", prepend_module_to_snapshot => false, omit_expression => true }, {
        insta::assert_snapshot!(name, text);
    });
}

#[test]
fn shipped_build_ir_and_diagnostics_match_their_snapshots() {
    let compiled = project::compile(&[PathBuf::from("detections")], &[]);
    assert!(!compiled.diags.has_errors());
    let program = compiled.program.as_ref().expect("program");
    let (tree, settings) = Settings::for_project(&compiled.project);
    let settings = settings.expect("shipped settings");
    let templates = Templates::load(None).expect("templates");
    let output = build(program, &tree, &settings, Target::ALL, &templates, &|| {});
    assert!(!output.diags.has_errors());

    let mut expected = BTreeSet::new();
    let mut check = |name: String, text: &str| {
        snapshot(&name, text);
        expected.insert(format!("{name}.snap"));
    };
    for flow in &program.flows {
        let ir = serde_json::to_string_pretty(flow).expect("IR serialises");
        check(format!("ir__{}", flow.id), &ir);
    }
    for (path, text) in &output.files {
        check(path.replace('/', "__"), text);
    }
    let rendered: String =
        output.diags.into_sorted().iter().map(|d| render::human(d, &compiled.project.sources, false) + "\n").collect();
    check("build_diagnostics".to_string(), &rendered);

    for entry in std::fs::read_dir(Path::new(SNAPSHOTS)).expect("snapshots/shipped") {
        let name = entry.expect("entry").file_name().to_string_lossy().into_owned();
        assert!(name.ends_with(".new") || expected.contains(&name), "orphan snapshot {SNAPSHOTS}/{name}");
    }
}
