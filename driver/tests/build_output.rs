//! Snapshots of every emitted file, and determinism across thread counts.

#[path = "../../targets/tests/common/mod.rs"]
mod common;

use scalpel_driver::{build, BuildOutput};
use scalpel_targets::templates::Templates;
use scalpel_targets::Target;

fn build_with_threads(threads: usize) -> BuildOutput {
    let (program, settings) = common::fixture();
    let templates = Templates::load(None).expect("built-in templates");
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("thread pool");
    pool.install(|| build(&program, "fixture", &settings, Target::ALL, &templates, &|| {}))
}

#[test]
fn one_and_four_threads_give_identical_bytes() {
    let one = build_with_threads(1);
    let four = build_with_threads(4);
    assert_eq!(one.files, four.files);
    assert_eq!(one.diags.into_sorted(), four.diags.into_sorted());
}

#[test]
fn every_emitted_file_is_snapshotted() {
    let output = build_with_threads(2);
    assert!(!output.diags.has_errors());
    for (path, text) in &output.files {
        let name = path.replace('/', "__");
        insta::with_settings!({ snapshot_path => "../../snapshots/targets", prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(name, text);
        });
    }
}

/// The tuned fixture (`targets/tests/fixtures/tuned`, a site's exclusions with values
/// every target must escape) built for every target, EQL and Lucene; its files are
/// snapshotted under `tuned__`.
fn tuned_builds() -> Vec<(String, String)> {
    let compiled = scalpel_compiler::project::compile(&[common::fixture_tree().join("../tuned")], &[]);
    assert!(!compiled.diags.has_errors(), "tuned fixture: {:?}", compiled.diags);
    let program = compiled.program.expect("tuned program");
    let (_, config) = compiled.project.config.expect("tuned fixture has scalpel.toml");
    let mut settings = scalpel_targets::Settings::from_table(&config.targets).expect("settings");
    let templates = Templates::load(None).expect("built-in templates");
    let mut files = build(&program, "tuned", &settings, Target::ALL, &templates, &|| {}).files;
    settings.elastic.language = scalpel_targets::settings::ElasticLanguage::Lucene;
    let lucene = build(&program, "tuned", &settings, &[Target::Elastic], &templates, &|| {}).files;
    files.extend(lucene.into_iter().filter(|(path, _)| path.ends_with(".lucene")));
    files.into_iter().map(|(path, text)| (format!("tuned/{path}"), text)).collect()
}

#[test]
fn tuned_rules_are_snapshotted() {
    let files = tuned_builds();
    for (path, text) in &files {
        let name = path.replace('/', "__");
        insta::with_settings!({ snapshot_path => "../../snapshots/targets", prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(name, text);
        });
    }
    let file = |suffix: &str| files.iter().find(|(p, _)| p.ends_with(suffix)).map(|(_, t)| t.as_str()).unwrap();
    // Sentinel: the detection's `where`, then one `where not (...)` per exclusion.
    let kql = file("kql/TUNE-1/spike.kql");
    assert_eq!(kql.matches("\n| where not (").count(), 2, "{kql}");
    // The expired exclusion is in no target.
    assert!(files.iter().all(|(_, t)| !t.contains("calibration")), "an expired exclusion was emitted");
    // Splunk: the filter macro names the exclusions; the line break of a reason stays escaped.
    let macros = file("default/macros.conf");
    assert!(macros.contains("#   \"bench \"rig\"\" on TUNE-1.spike by biomed, until 2027-03-01"), "{macros}");
    assert!(!macros.contains("Bench rig\nin"), "a raw line break in a comment");
}

/// A snapshot whose file is no longer emitted is an orphan: it would pass forever unread.
#[test]
fn no_orphan_snapshots() {
    let files = build_with_threads(1).files.into_iter().chain(lucene_build().files).chain(tuned_builds());
    let emitted: std::collections::BTreeSet<String> =
        files.map(|(path, _)| format!("{}.snap", path.replace('/', "__"))).collect();
    let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../snapshots/targets");
    for entry in std::fs::read_dir(folder).expect("snapshots/targets") {
        let name = entry.expect("entry").file_name().to_string_lossy().into_owned();
        assert!(name.ends_with(".new") || emitted.contains(&name), "orphan snapshot snapshots/targets/{name}");
    }
}

/// The fixture built for Elastic with Lucene query rules instead of EQL.
fn lucene_build() -> BuildOutput {
    let (program, mut settings) = common::fixture();
    settings.elastic.language = scalpel_targets::settings::ElasticLanguage::Lucene;
    let templates = Templates::load(None).expect("built-in templates");
    build(&program, "fixture", &settings, &[Target::Elastic], &templates, &|| {})
}

#[test]
fn splunk_approximations_are_reported() {
    let output = build_with_threads(1);
    let codes: Vec<&str> = output.diags.iter().map(|d| d.code.as_str()).collect();
    assert!(codes.contains(&"W0501"), "{codes:?}");
    assert!(codes.contains(&"W0502"), "{codes:?}");
    assert!(codes.contains(&"W0507"), "{codes:?}");
}

#[test]
fn kql_is_exact_on_the_fixture_tree() {
    let output = build_with_threads(1);
    let kql: Vec<String> =
        output.diags.iter().filter(|d| d.message.starts_with("kql")).map(|d| d.message.clone()).collect();
    assert!(kql.is_empty(), "{kql:?}");
    let tables: Vec<&str> =
        output.files.iter().map(|(p, _)| p.as_str()).filter(|p| p.starts_with("kql/tables/")).collect();
    assert_eq!(tables, ["kql/tables/RasBiosensor_CL.json", "kql/tables/RasConsole_CL.json"]);
}

#[test]
fn lucene_rules_are_snapshotted() {
    let output = lucene_build();
    assert!(!output.diags.has_errors());
    let lucene: Vec<_> = output.files.iter().filter(|(path, _)| path.ends_with(".lucene")).collect();
    assert_eq!(lucene.len(), 12, "one query rule per step without a threshold");
    for (path, text) in lucene {
        insta::with_settings!({ snapshot_path => "../../snapshots/targets", prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(path.replace('/', "__"), text);
        });
    }
}
