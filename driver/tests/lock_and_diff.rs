//! The version lock and the semantic diff on a tree that each test edits: what
//! `scalpel lock` records, what a build writes, and what `scalpel diff` reports, for
//! each kind of edit a detection engineer makes. Each edit's lock report and diff are
//! one reviewed snapshot (`snapshots/lock-diff/`); the versions are also asserted.

use scalpel_compiler::project::{self, Compiled};
use scalpel_driver::diff::{self, Status, Tree, Which};
use scalpel_driver::lock::{self, Bump, Change, Date, DateSource};
use scalpel_targets::templates::Templates;
use scalpel_targets::{Settings, Target};
use std::path::{Path, PathBuf};

const SCHEMAS: &str = r#"
schema biosensor "Patient bio-sensor stream" {
    time            timestamp event_time
    device.id       string
    heart_rate      int    range 0..350
    signature.valid bool
    source.ip       ip
}

schema console "Surgeon console audit log" {
    time        timestamp event_time
    user.name   string
    device.id   string
    action      string
}
"#;

const FLOW: &str = r#"
flow "AF-T" "Tamper with vital signs" {
    category "Attacks on Sensor Readings"
    origin theoretical

    step login "Console login from a new user" {
        technique T1078
        source console
        severity medium
        detect action == "login" and user.name in ["service", "vendor"]
    }

    step tamper "Vital signs outside what physiology allows" {
        technique T1565.002
        source biosensor
        severity high
        detect heart_rate > 300 or signature.valid == false
    }

    step flood "Burst of unsigned packets" {
        technique T0814
        source biosensor
        severity high
        detect signature.valid == false
        threshold count > 20 within 1m by device.id
    }

    sequence login_then_tamper "Login, then tampered vitals" within 30m by device.id {
        login -> tamper
    }
}
"#;

/// A tree in a fresh folder: `scalpel.toml` and one file holding the schemas and `flow`.
fn tree(flow: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("scalpel.toml"), "name = \"lock-test\"\n").expect("write");
    std::fs::write(dir.path().join("tree.det"), format!("{SCHEMAS}{flow}")).expect("write");
    dir
}

fn compile(dir: &Path) -> Compiled {
    let compiled = project::compile(&[dir.to_path_buf()], &[]);
    assert!(!compiled.diags.has_errors(), "{:?}", compiled.diags);
    compiled
}

/// `scalpel lock --date DATE` on the tree: what it recorded, as the CLI lists it.
fn lock_on(dir: &Path, date: &str) -> Vec<lock::Recorded> {
    let mut compiled = compile(dir);
    let program = compiled.program.take().expect("program");
    let (name, settings) = Settings::for_project(&compiled.project, &program);
    let date = Date::parse(date).expect("date");
    let updated = lock::update(&mut compiled.project, &program, &name, &settings.expect("settings"), &|| {
        Ok(DateSource::Flag(date.clone()))
    })
    .expect("lock");
    updated.recorded
}

fn report(recorded: &[lock::Recorded]) -> String {
    recorded
        .iter()
        .map(|r| {
            let from = r.from.map_or_else(|| "new".to_string(), |v| v.to_string());
            format!("{}: {from} -> {} ({})\n", r.key, r.to, r.change.describe())
        })
        .collect()
}

fn diff_of(old: &Path, new: &Path) -> diff::Diff {
    let (old_c, new_c) = (compile(old), compile(new));
    let mut old_c = old_c;
    let mut new_c = new_c;
    let old_lock = lock::read(&mut old_c.project).1.expect("old lock").map(|l| l.lock);
    let new_lock = lock::read(&mut new_c.project).1.expect("new lock").map(|l| l.lock);
    let (old_name, old_settings) = Settings::for_project(&old_c.project, old_c.program.as_ref().expect("program"));
    let (new_name, new_settings) = Settings::for_project(&new_c.project, new_c.program.as_ref().expect("program"));
    let (old_settings, new_settings) = (old_settings.expect("settings"), new_settings.expect("settings"));
    let old_tree = Tree {
        label: "old".into(),
        program: old_c.program.as_ref().expect("program"),
        name: &old_name,
        settings: &old_settings,
        lock: old_lock.as_ref(),
    };
    let new_tree = Tree {
        label: "new".into(),
        program: new_c.program.as_ref().expect("program"),
        name: &new_name,
        settings: &new_settings,
        lock: new_lock.as_ref(),
    };
    diff::diff(&old_tree, &new_tree).expect("diff")
}

/// Locks the base tree on 2026-01-01, copies it, applies `edit`, locks the copy on
/// 2026-03-14; returns what that second lock recorded and the diff base → edited.
fn edit_case(name: &str, edit: impl Fn(&str) -> String) -> (Vec<lock::Recorded>, diff::Diff) {
    let base = tree(FLOW);
    let first = lock_on(base.path(), "2026-01-01");
    assert_eq!(first.len(), 4, "every rule is new in the first lock");
    let edited_flow = edit(FLOW);
    assert_ne!(edited_flow, FLOW, "{name}: the edit must change the tree");
    let edited = tree(&edited_flow);
    std::fs::copy(base.path().join(lock::LOCK_FILE), edited.path().join(lock::LOCK_FILE)).expect("copy lock");
    let recorded = lock_on(edited.path(), "2026-03-14");
    let diff = diff_of(base.path(), edited.path());
    let text = format!("# scalpel lock\n{}\n# scalpel diff\n{}", report(&recorded), diff::markdown::render(&diff));
    insta::with_settings!({ snapshot_path => "../../snapshots/lock-diff", prepend_module_to_snapshot => false, omit_expression => true }, {
        insta::assert_snapshot!(name, text);
    });
    assert!(lock_on(edited.path(), "2026-03-14").is_empty(), "{name}: locking again changes nothing");
    (recorded, diff)
}

fn bumps(recorded: &[lock::Recorded]) -> Vec<(String, String)> {
    recorded.iter().map(|r| (r.key.to_string(), r.to.to_string())).collect()
}

fn status(diff: &diff::Diff, rule: &str) -> Status {
    diff.rules.iter().find(|r| r.rule == rule).map(|r| r.status).unwrap_or_else(|| panic!("no rule {rule}"))
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
}

#[test]
fn a_condition_change_bumps_major_with_its_sequence_and_shows_a_witness() {
    let (recorded, diff) = edit_case("condition", |f| f.replace("heart_rate > 300", "heart_rate >= 300"));
    assert_eq!(bumps(&recorded), pairs(&[("AF-T/login_then_tamper", "2.0.0"), ("AF-T/tamper", "2.0.0")]));
    assert_eq!(status(&diff, "AF-T/tamper"), Status::Meaning);
    let tamper = diff.rules.iter().find(|r| r.rule == "AF-T/tamper").expect("tamper");
    let witness =
        tamper.witnesses.iter().find(|w| w.fires == Which::New).expect("an event only the new version matches");
    assert_eq!(witness.events[0].event["heart_rate"], 300, "the boundary tells `>` from `>=`");
    assert_eq!(status(&diff, "AF-T/flood"), Status::Unchanged);
    assert!(diff.changes_detection());
}

#[test]
fn a_title_change_bumps_minor_and_is_not_a_change_of_meaning() {
    let (recorded, diff) =
        edit_case("title", |f| f.replace("Vital signs outside what physiology allows", "Impossible vitals"));
    assert_eq!(bumps(&recorded), pairs(&[("AF-T/tamper", "1.1.0")]));
    assert!(matches!(recorded[0].change, Change::Changed { bump: Some(Bump::Minor), .. }));
    assert_eq!(status(&diff, "AF-T/tamper"), Status::Metadata);
    assert!(!diff.changes_detection());
}

#[test]
fn reordering_an_or_changes_only_the_emitted_text() {
    let (recorded, diff) = edit_case("or_order", |f| {
        f.replace("heart_rate > 300 or signature.valid == false", "signature.valid == false or heart_rate > 300")
    });
    // The sequence's queries embed the step's condition, so their text changes too.
    assert_eq!(bumps(&recorded), pairs(&[("AF-T/login_then_tamper", "1.0.1"), ("AF-T/tamper", "1.0.1")]));
    assert!(recorded.iter().all(|r| matches!(r.change, Change::Changed { bump: Some(Bump::Patch), .. })));
    assert_eq!(status(&diff, "AF-T/tamper"), Status::Text);
    assert_eq!(status(&diff, "AF-T/login_then_tamper"), Status::Text);
    assert!(!diff.changes_detection());
}

#[test]
fn a_threshold_count_is_a_change_of_meaning_with_a_scenario() {
    let (recorded, diff) = edit_case("threshold_count", |f| f.replace("count > 20 within 1m", "count > 10 within 1m"));
    assert_eq!(bumps(&recorded), pairs(&[("AF-T/flood", "2.0.0")]));
    let flood = diff.rules.iter().find(|r| r.rule == "AF-T/flood").expect("flood");
    assert_eq!(flood.status, Status::Meaning);
    assert_eq!(
        (flood.meaning[0].old.as_str(), flood.meaning[0].new.as_str()),
        ("count >= 21 within 1m by device.id", "count >= 11 within 1m by device.id")
    );
    assert!(flood.witnesses.iter().any(|w| w.kind == "scenario" && w.fires == Which::New), "{:?}", flood.witnesses);
}

#[test]
fn a_sequence_window_is_a_change_of_meaning() {
    let (recorded, diff) =
        edit_case("sequence_window", |f| f.replace("within 30m by device.id", "within 10m by device.id"));
    assert_eq!(bumps(&recorded), pairs(&[("AF-T/login_then_tamper", "2.0.0")]));
    let sequence = diff.rules.iter().find(|r| r.rule == "AF-T/login_then_tamper").expect("sequence");
    assert_eq!(sequence.meaning[0].what, "window");
    assert!(
        sequence.witnesses.iter().any(|w| w.fires == Which::Old),
        "a pair 10m to 30m apart fires only the old version: {:?}",
        sequence.witnesses
    );
}

#[test]
fn a_threshold_key_is_a_change_of_meaning() {
    let schemas_key = |f: &str| f.replace("within 1m by device.id", "within 1m by source.ip");
    let (recorded, diff) = edit_case("threshold_key", schemas_key);
    assert_eq!(bumps(&recorded), pairs(&[("AF-T/flood", "2.0.0")]));
    assert_eq!(status(&diff, "AF-T/flood"), Status::Meaning);
}

#[test]
fn a_severity_change_bumps_minor() {
    let (recorded, diff) = edit_case("severity", |f| {
        f.replacen("severity high\n        detect heart_rate", "severity critical\n        detect heart_rate", 1)
    });
    // The sequence's severity is its steps' highest, so it changes with them.
    assert_eq!(bumps(&recorded), pairs(&[("AF-T/login_then_tamper", "1.1.0"), ("AF-T/tamper", "1.1.0")]));
    let tamper = diff.rules.iter().find(|r| r.rule == "AF-T/tamper").expect("tamper");
    assert_eq!(tamper.status, Status::Metadata);
    assert_eq!(tamper.metadata[0].what, "severity");
}

#[test]
fn a_new_step_starts_at_one() {
    let (recorded, diff) = edit_case("new_step", |f| {
        f.replace(
            "    sequence login_then_tamper",
            "    step dump \"Bulk export\" {\n        technique T1078\n        source console\n        detect action == \"export\"\n    }\n\n    sequence login_then_tamper",
        )
    });
    assert_eq!(bumps(&recorded), pairs(&[("AF-T/dump", "1.0.0")]));
    assert_eq!(recorded[0].change, Change::New);
    assert_eq!(status(&diff, "AF-T/dump"), Status::Added);
    assert!(diff.changes_detection());
}

#[test]
fn a_removed_step_keeps_its_entry_and_comes_back_at_its_version() {
    let without = |f: &str| {
        let start = f.find("    step flood").expect("flood");
        let end = f.find("    sequence").expect("sequence");
        format!("{}{}", &f[..start], &f[end..])
    };
    let (recorded, diff) = edit_case("removed_step", without);
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].change, Change::Removed);
    assert_eq!(status(&diff, "AF-T/flood"), Status::Removed);

    // Back with another count: its entry goes on from 1.0.0, so 2.0.0, not 1.0.0.
    let dir = tree(&without(FLOW));
    lock_on(dir.path(), "2026-01-01");
    std::fs::write(dir.path().join("tree.det"), format!("{SCHEMAS}{}", FLOW.replace("count > 20", "count > 5")))
        .expect("write");
    let back = lock_on(dir.path(), "2026-04-01");
    assert_eq!(bumps(&back), pairs(&[("AF-T/flood", "1.0.0")]), "first lock of flood in this tree: new");
    std::fs::write(dir.path().join("tree.det"), format!("{SCHEMAS}{}", without(FLOW))).expect("write");
    lock_on(dir.path(), "2026-04-02");
    std::fs::write(dir.path().join("tree.det"), format!("{SCHEMAS}{FLOW}")).expect("write");
    let readded = lock_on(dir.path(), "2026-04-03");
    assert_eq!(bumps(&readded), pairs(&[("AF-T/flood", "2.0.0")]));
    assert!(matches!(readded[0].change, Change::Changed { readded: true, bump: Some(Bump::Major), .. }));
}

#[test]
fn a_renamed_step_is_a_rename_with_new_ids() {
    let (recorded, diff) = edit_case("renamed_step", |f| f.replace("step flood ", "step burst "));
    assert_eq!(bumps(&recorded), pairs(&[("AF-T/burst", "1.0.0"), ("AF-T/flood", "1.0.0")]));
    let burst = diff.rules.iter().find(|r| r.rule == "AF-T/burst").expect("burst");
    assert_eq!(burst.status, Status::Renamed);
    assert_eq!(burst.renamed_from.as_deref(), Some("AF-T/flood"));
    assert!(!diff.rules.iter().any(|r| r.rule == "AF-T/flood"), "the old key is the rename's, not a removal");
}

#[test]
fn a_build_writes_the_locked_versions_and_warns_when_the_lock_is_stale() {
    let dir = tree(FLOW);
    lock_on(dir.path(), "2026-01-01");
    std::fs::write(dir.path().join("tree.det"), format!("{SCHEMAS}{}", FLOW.replace("> 300", ">= 300")))
        .expect("write");
    lock_on(dir.path(), "2026-03-14");
    let built = build(dir.path(), lock::Severity::Deny);
    assert!(!built.diags.has_errors(), "{:?}", built.diags);
    let file = |path: &str| built.files.iter().find(|(p, _)| p == path).map(|(_, t)| t.clone()).expect(path);
    let sigma = file("sigma/AF-T/af-t_tamper.yml");
    assert!(sigma.contains("date: 2026-01-01\nmodified: 2026-03-14\n"), "{sigma}");
    assert!(!file("sigma/AF-T/af-t_flood.yml").contains("modified:"), "an unchanged rule has no `modified`");
    assert!(file("kql/AF-T/tamper.yaml").contains("version: 2.0.0\n"));
    let kibana: Vec<serde_json::Value> =
        file("elastic/rules.ndjson").lines().map(|l| serde_json::from_str(l).expect("json")).collect();
    let version = |name: &str| {
        kibana.iter().find(|r| r["name"].as_str().is_some_and(|n| n.contains(name))).map(|r| r["version"].clone())
    };
    assert_eq!(version("tamper:"), Some(serde_json::json!(2)));
    assert_eq!(version("flood:"), Some(serde_json::json!(1)));
    let conf = built.files.iter().find(|(p, _)| p.ends_with("/default/savedsearches.conf")).expect("the app").1.clone();
    assert!(conf.contains("action.escu.modification_date = 2026-03-14"), "{conf}");
    assert!(conf.contains("\"detection_version\":\"2\""), "{conf}");

    // An edit without a new lock: the build keeps the old versions and says so.
    std::fs::write(dir.path().join("tree.det"), format!("{SCHEMAS}{}", FLOW.replace("> 300", "> 290"))).expect("write");
    let warned = build(dir.path(), lock::Severity::Warn);
    let codes: Vec<&str> = warned.diags.iter().map(|d| d.code.as_str()).collect();
    assert!(codes.contains(&"W0831") && !warned.diags.has_errors(), "{codes:?}");
    let denied = build(dir.path(), lock::Severity::Deny);
    assert!(denied.diags.iter().any(|d| d.code.as_str() == "E0830"));
}

fn build(dir: &Path, severity: lock::Severity) -> scalpel_driver::BuildOutput {
    let mut compiled = compile(dir);
    let program = compiled.program.take().expect("program");
    let (name, settings) = Settings::for_project(&compiled.project, &program);
    let templates = Templates::load(None).expect("templates");
    let options = lock::Options { targets: Target::ALL, compare_emitted: Target::ALL, severity };
    let locked =
        lock::build(&mut compiled.project, &program, &name, &settings.expect("settings"), &templates, &options, &|| ());
    assert_eq!(locked.status, lock::Status::Read(PathBuf::from(dir).join(lock::LOCK_FILE)));
    locked.output
}

#[test]
fn the_diff_flags_a_change_the_new_lock_does_not_record() {
    let base = tree(FLOW);
    lock_on(base.path(), "2026-01-01");
    let edited = tree(&FLOW.replace("> 300", ">= 300"));
    std::fs::copy(base.path().join(lock::LOCK_FILE), edited.path().join(lock::LOCK_FILE)).expect("copy lock");
    let diff = diff_of(base.path(), edited.path());
    let tamper = diff.rules.iter().find(|r| r.rule == "AF-T/tamper").expect("tamper");
    assert!(tamper.not_locked, "the copied lock still says 1.0.0");
    assert!(diff::markdown::render(&diff).contains("1.0.0 ⚠ not in the lock: run `scalpel lock`"));
    assert!(!diff.rules.iter().find(|r| r.rule == "AF-T/flood").expect("flood").not_locked);
    lock_on(edited.path(), "2026-03-14");
    assert!(!diff_of(base.path(), edited.path()).rules.iter().any(|r| r.not_locked));
}

/// The shipped tree, checked.
fn shipped() -> scalpel_compiler::ir::Program {
    let compiled = project::compile(&[PathBuf::from("../detections")], &[]);
    assert!(!compiled.diags.has_errors());
    compiled.program.expect("program")
}

/// Every `and`/`or` operand list reversed and rotated, every `in` list reversed.
fn reordered(cond: &scalpel_compiler::ir::Cond) -> scalpel_compiler::ir::Cond {
    use scalpel_compiler::ir::{Cond, TestOp};
    let shuffle = |parts: &[Cond]| {
        let mut parts: Vec<Cond> = parts.iter().rev().map(reordered).collect();
        let half = parts.len() / 2;
        parts.rotate_left(half);
        parts
    };
    match cond {
        Cond::All(parts) => Cond::All(shuffle(parts)),
        Cond::Any(parts) => Cond::Any(shuffle(parts)),
        Cond::Not(inner) => Cond::Not(Box::new(reordered(inner))),
        Cond::Test(test) => {
            let mut test = test.clone();
            if let TestOp::OneOf(values) = &mut test.op {
                values.reverse();
            }
            Cond::Test(test)
        }
    }
}

#[test]
fn reordering_shipped_conditions_keeps_their_fingerprints_and_their_verdicts_on_generated_events() {
    use scalpel_compiler::events;
    use scalpel_compiler::ir::{eval, fingerprint, Detection};
    let program = shipped();
    let generated = events::generate(&program, events::DEFAULT_SEED);
    let mut checked = 0;
    for flow in &program.flows {
        for step in flow.steps.iter().filter(|s| s.detection.condition().is_some()) {
            let Detection::Condition { condition, threshold } = &step.detection else { continue };
            let moved = reordered(condition);
            let twin = scalpel_compiler::ir::Step {
                detection: Detection::Condition { condition: moved.clone(), threshold: threshold.clone() },
                ..step.clone()
            };
            assert_eq!(
                fingerprint::step_meaning(&program, &twin),
                fingerprint::step_meaning(&program, step),
                "{}/{}",
                flow.id,
                step.id
            );
            let cases =
                generated.items.iter().filter(|i| i.flow == flow.id && i.item == step.id).flat_map(|i| &i.cases);
            for case in cases {
                assert_eq!(eval::matches(&moved, &case.event), eval::matches(condition, &case.event), "{}", case.label);
                checked += 1;
            }
        }
    }
    assert!(checked > 1000, "only {checked} events checked");
}

#[test]
fn printed_shipped_conditions_parse_back_to_the_same_meaning() {
    use scalpel_compiler::ir::{canonical, text};
    let program = shipped();
    let steps: Vec<_> =
        program.flows.iter().flat_map(|f| &f.steps).filter(|s| s.detection.condition().is_some()).collect();
    let dir = tempfile::tempdir().expect("temp dir");
    for entry in std::fs::read_dir("../detections/schemas").expect("schemas") {
        let path = entry.expect("entry").path();
        std::fs::copy(&path, dir.path().join(path.file_name().expect("name"))).expect("copy");
    }
    let mut flow = String::from("flow \"RT\" \"Round trip\" {\n    category \"test\"\n    origin theoretical\n");
    for (i, step) in steps.iter().enumerate() {
        let cond = text::condition(step.detection.condition().expect("condition"));
        let source = step.source.as_deref().expect("source");
        flow.push_str(&format!(
            "    step s{i} \"t\" {{\n        technique T1078\n        source {source}\n        detect {cond}\n    }}\n"
        ));
    }
    flow.push_str("}\n");
    std::fs::write(dir.path().join("flow.det"), flow).expect("write");
    let compiled = project::compile(&[dir.path().to_path_buf()], &[]);
    assert!(!compiled.diags.has_errors(), "{:?}", compiled.diags.into_sorted().first());
    let back = compiled.program.expect("program");
    let parsed = &back.flows[0].steps;
    assert_eq!(parsed.len(), steps.len());
    for (original, again) in steps.iter().zip(parsed) {
        let text = |s: &scalpel_compiler::ir::Step| canonical::text(s.detection.condition().expect("condition"));
        assert_eq!(text(again), text(original), "{}", original.id);
    }
}
