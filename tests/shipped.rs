//! Snapshots of everything the shipped content compiles to: the IR of every flow, every
//! file of `scalpel build detections/` for every target, the synthetic events of every rule
//! (canonical JSONL), and the build's diagnostics (what a target can only approximate).
//! Reviewed once, then any change in the compiler that moves a byte of the shipped output
//! shows up here. Orphans fail: a snapshot whose file
//! is no longer produced must be deleted.

use common::shipped_build;
use scalpel_compiler::diag::render;
use scalpel_compiler::events;
use scalpel_driver::replay;
use std::collections::BTreeSet;
use std::path::Path;

mod common;

const SNAPSHOTS: &str = "snapshots/shipped";

fn snapshot(name: &str, text: &str) {
    insta::with_settings!({ snapshot_path => "../snapshots/shipped", prepend_module_to_snapshot => false, omit_expression => true }, {
        insta::assert_snapshot!(name, text);
    });
}

#[test]
fn the_whole_corpus_builds_to_the_same_bytes_on_one_and_four_threads() {
    let (_, one) = shipped_build(1);
    let (_, four) = shipped_build(4);
    assert_eq!(one.files, four.files);
    assert_eq!(one.diags.into_sorted(), four.diags.into_sorted());
}

/// CI's lock check: every shipped rule is in `detections/scalpel.lock.json` with the
/// meaning, metadata and emitted text the build gives (E0830 otherwise).
#[test]
fn the_shipped_lock_is_current() {
    let (compiled, output) = shipped_build(2);
    let stale: String = output
        .diags
        .iter()
        .filter(|d| d.code == scalpel_compiler::diag::Code::StaleLock)
        .map(|d| render::human(d, &compiled.project.sources, false))
        .collect();
    assert!(stale.is_empty(), "{stale}\nrun `cargo run -- lock --date YYYY-MM-DD detections` and commit the lock");
}

#[test]
fn shipped_build_ir_events_and_diagnostics_match_their_snapshots() {
    let (compiled, output) = shipped_build(2);
    let program = compiled.program.as_ref().expect("program");
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
    let generated = events::generate(program, events::DEFAULT_SEED);
    assert!(generated.diags.iter().all(|d| !d.is_error()), "{:?}", generated.diags);
    for item in &generated.items {
        check(format!("events__{}.jsonl", replay::stem(item).replace('/', "__")), &replay::canonical(item));
    }
    let rendered: String =
        output.diags.into_sorted().iter().map(|d| render::human(d, &compiled.project.sources, false) + "\n").collect();
    check("build_diagnostics".to_string(), &rendered);

    for entry in std::fs::read_dir(Path::new(SNAPSHOTS)).expect("snapshots/shipped") {
        let name = entry.expect("entry").file_name().to_string_lossy().into_owned();
        assert!(name.ends_with(".new") || expected.contains(&name), "orphan snapshot {SNAPSHOTS}/{name}");
    }
}
