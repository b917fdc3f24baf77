//! End-to-end tests of the `scalpel` binary: exit codes, formats, help.

use std::process::{Command, Output};

fn scalpel(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_scalpel")).args(args).env("NO_COLOR", "1").output().expect("scalpel runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const GOOD: &str = "tests/ui/_prelude.det";
const BAD: &str = "tests/ui/E0102_unknown_field.det";

#[test]
fn clean_input_exits_zero() {
    let out = scalpel(&["check", GOOD]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).starts_with("ok: 1 files, 2 schemas"), "{}", stderr(&out));
}

#[test]
fn errors_exit_one_with_rendered_diagnostics() {
    let out = scalpel(&["check", GOOD, BAD]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("error[E0102]: no field `heart_rat` in schema `vitals`"), "{err}");
    assert!(err.contains("--> tests/ui/E0102_unknown_field.det:7:16"), "{err}");
    assert!(err.contains("help: did you mean `heart_rate`?"), "{err}");
    assert!(err.ends_with("error: check failed: 1 error\n"), "{err}");
    assert!(!err.contains("\x1b["), "no colour when not on a terminal");
}

#[test]
fn warnings_pass_unless_denied() {
    let case = "tests/ui/W0204_out_of_range.det";
    assert_eq!(scalpel(&["check", GOOD, case]).status.code(), Some(0));
    assert_eq!(scalpel(&["check", "--deny-warnings", GOOD, case]).status.code(), Some(1));
}

#[test]
fn json_lines_format() {
    let out = scalpel(&["check", "--message-format", "json", GOOD, BAD]);
    assert_eq!(out.status.code(), Some(1));
    let lines: Vec<serde_json::Value> = stdout(&out).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 1);
    let d = &lines[0];
    assert_eq!(d["code"], "E0102");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["labels"][0]["line"], 7);
    assert_eq!(d["labels"][0]["column"], 16);
    assert_eq!(d["labels"][0]["primary"], true);
    assert_eq!(d["labels"][1]["file"], "tests/ui/_prelude.det");
}

#[test]
fn sarif_format() {
    let out = scalpel(&["check", "--message-format", "sarif", GOOD, BAD]);
    let log: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    assert_eq!(run["tool"]["driver"]["rules"][0]["id"], "E0102");
    let result = &run["results"][0];
    assert_eq!(result["ruleId"], "E0102");
    assert_eq!(result["level"], "error");
    let region = &result["locations"][0]["physicalLocation"]["region"];
    assert_eq!((region["startLine"].as_u64(), region["startColumn"].as_u64()), (Some(7), Some(16)));
}

#[test]
fn explain_known_and_unknown_codes() {
    let out = scalpel(&["explain", "e0102"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).starts_with("E0102: unknown field"));
    assert_eq!(scalpel(&["explain", "E9999"]).status.code(), Some(2));
    let all = scalpel(&["explain"]);
    assert!(stdout(&all).lines().count() >= 40);
}

#[test]
fn usage_errors_exit_two() {
    assert_eq!(scalpel(&["check", "--no-such-flag"]).status.code(), Some(2));
    assert_eq!(scalpel(&["frobnicate"]).status.code(), Some(2));
}

#[test]
fn debug_stages_print_json() {
    let ast = scalpel(&["debug", "ast", BAD]);
    let ast: serde_json::Value = serde_json::from_str(&stdout(&ast)).unwrap();
    assert_eq!(ast["flows"][0]["id"]["value"], "UI");
    let ir = scalpel(&["debug", "ir", GOOD]);
    assert_eq!(ir.status.code(), Some(0), "{}", stderr(&ir));
    let ir: serde_json::Value = serde_json::from_str(&stdout(&ir)).unwrap();
    assert_eq!(ir["attack_version"], "18.1");
    assert_eq!(ir["schemas"][0]["name"], "vitals");
}

#[test]
fn help_reads_well() {
    let out = scalpel(&["--help"]);
    insta::with_settings!({ snapshot_path => "../snapshots/cli", prepend_module_to_snapshot => false, omit_expression => true }, {
        insta::assert_snapshot!("help", stdout(&out));
        insta::assert_snapshot!("check_help", stdout(&scalpel(&["check", "--help"])));
    });
}

#[test]
fn imports_an_attack_flow_file_that_then_checks() {
    let tmp = tempfile::tempdir().unwrap();
    let det = tmp.path().join("flow.det");
    let out =
        scalpel(&["import", "attack-flow", "compiler/tests/fixtures/afb/branching.afb", "-o", det.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let check = scalpel(&["check", det.to_str().unwrap()]);
    assert_eq!(check.status.code(), Some(0), "{}", stderr(&check));
    assert_eq!(scalpel(&["import", "attack-flow", "compiler/tests/fixtures/afb/invalid.afb"]).status.code(), Some(1));
}

#[test]
fn build_writes_every_target_then_check_finds_drift() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("rules");
    let out_str = out.to_str().unwrap();
    let case = "tests/ui/W0502_splunk_sequence.det";

    let built = scalpel(&["build", GOOD, case, "--out", out_str]);
    assert_eq!(built.status.code(), Some(0), "{}", stderr(&built));
    assert!(stderr(&built).contains("warning[W0502]"), "{}", stderr(&built));
    assert!(out.join("sigma/UI/ui_login.yml").is_file());
    assert!(out.join("splunk/savedsearches.conf").is_file());

    let clean = scalpel(&["build", "--check", GOOD, case, "--out", out_str]);
    assert_eq!(clean.status.code(), Some(0), "{}", stderr(&clean));
    assert!(stderr(&clean).ends_with("is up to date\n"), "{}", stderr(&clean));

    std::fs::write(out.join("sigma/UI/ui_login.yml"), "edited by hand\n").unwrap();
    std::fs::remove_file(out.join("splunk/UI/spoof.spl")).unwrap();
    let drifted = scalpel(&["build", "--check", GOOD, case, "--out", out_str]);
    assert_eq!(drifted.status.code(), Some(1));
    let diff = stdout(&drifted);
    assert!(diff.contains("--- a/sigma/UI/ui_login.yml\n+++ b/sigma/UI/ui_login.yml\n"), "{diff}");
    assert!(diff.contains("-edited by hand\n"), "{diff}");
    assert!(diff.contains("--- /dev/null\n+++ b/splunk/UI/spoof.spl\n"), "{diff}");
    assert!(stderr(&drifted).contains("out of date: 1 changed, 1 missing, 0 extra"), "{}", stderr(&drifted));
    assert_eq!(std::fs::read_to_string(out.join("sigma/UI/ui_login.yml")).unwrap(), "edited by hand\n");
}

#[test]
fn failed_build_leaves_the_previous_output() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("rules");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("previous.txt"), "kept").unwrap();
    let failed = scalpel(&["build", GOOD, BAD, "--out", out.to_str().unwrap()]);
    assert_eq!(failed.status.code(), Some(1));
    assert!(stderr(&failed).ends_with("error: build failed, nothing written: 1 error\n"), "{}", stderr(&failed));
    let names: Vec<_> = std::fs::read_dir(&out).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names, ["previous.txt"]);
    let siblings = std::fs::read_dir(tmp.path()).unwrap().count();
    assert_eq!(siblings, 1, "no staging folder left behind");
}

#[test]
fn coverage_writes_layers_html_and_markdown() {
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = tmp.path().join("coverage");
    let out = scalpel(&["coverage", "detections", "--out", out_dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("coverage: ") && err.contains("% of 110 steps"), "{err}");
    assert!(!err.contains("warning["), "target warnings are counted, not printed: {err}");
    for file in ["navigator/enterprise-attack.json", "navigator/ics-attack.json", "coverage.html", "coverage.md"] {
        assert!(out_dir.join(file).is_file(), "{file} missing");
    }
    assert!(!out_dir.join("navigator/mobile-attack.json").exists(), "no layer for a domain without techniques");
    let md = std::fs::read_to_string(out_dir.join("coverage.md")).unwrap();
    assert!(md.starts_with("## ATT&CK coverage: "), "{md}");
}

#[test]
fn coverage_fail_under_gates_ci() {
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = tmp.path().join("c");
    let dir = out_dir.to_str().unwrap();
    let pass = scalpel(&["coverage", "detections", "--out", dir, "--fail-under", "50"]);
    assert_eq!(pass.status.code(), Some(0), "{}", stderr(&pass));
    let fail = scalpel(&["coverage", "detections", "--out", dir, "--fail-under", "100%"]);
    assert_eq!(fail.status.code(), Some(1));
    assert!(stderr(&fail).contains("is below --fail-under 100%"), "{}", stderr(&fail));
    assert!(out_dir.join("coverage.md").is_file(), "the report is written even when the gate fails");
    let usage = scalpel(&["coverage", "detections", "--out", dir, "--fail-under", "120"]);
    assert_eq!(usage.status.code(), Some(2));
    assert!(stderr(&usage).contains("not a percentage between 0 and 100"), "{}", stderr(&usage));
}

#[test]
fn coverage_stops_on_errors_in_the_input() {
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = tmp.path().join("c");
    let out = scalpel(&["coverage", GOOD, BAD, "--out", out_dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("error: coverage not computed: 1 error"), "{}", stderr(&out));
    assert!(!out_dir.exists());
}

#[test]
fn test_passes_on_the_shipped_detections() {
    let out = scalpel(&["test", "detections"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("rule "), "{text}");
    assert!(text.contains("AF2-10/winrm_then_tamper"), "{text}");
    assert!(text.contains("sigma-rust has no correlations"), "n/a is explained");
    assert!(text.lines().last().is_some_and(|l| l.starts_with("test result: ok.")), "{text}");
}

#[test]
fn test_json_and_junit_formats() {
    let out = scalpel(&["test", "--format", "json", GOOD, "tests/ui/W0204_out_of_range.det"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("one JSON document");
    assert_eq!(report["ok"], true);
    let rule = &report["rules"][0];
    assert_eq!(
        (rule["flow"].as_str(), rule["item"].as_str(), rule["kind"].as_str()),
        (Some("UI"), Some("s"), Some("step"))
    );
    assert_eq!(rule["engines"]["ir::eval"]["status"], "pass");
    assert_eq!(rule["engines"]["sigma-rust"]["status"], "pass");

    let out = scalpel(&["test", "--format", "junit", "detections"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let xml = stdout(&out);
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"scalpel test\""), "{xml}");
    assert!(xml.contains("<testsuite name=\"ir::eval\" tests=\"167\" failures=\"0\""), "{xml}");
    assert!(xml.contains("<skipped message=\"sigma-rust has no correlations\"/>"));
    assert!(!xml.contains("<failure"));
}

#[test]
fn test_fails_when_a_detection_has_no_events() {
    let out = scalpel(&["test", GOOD, "tests/ui/E0601_text_contradiction.det"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("error[E0601]"), "{}", stderr(&out));
    let out = scalpel(&["test", "--format", "json", GOOD, "tests/ui/E0602_distinct_pinned.det"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("error[E0602]"), "diagnostics on stderr: {}", stderr(&out));
    assert!(serde_json::from_str::<serde_json::Value>(&stdout(&out)).is_ok(), "stdout holds only the report");
}

#[test]
fn events_are_written_and_deterministic() {
    let tmp = tempfile::tempdir().expect("tmp");
    let run = |dir: &str, seed: &str| {
        let out_dir = tmp.path().join(dir);
        let out = scalpel(&["events", "detections", "--seed", seed, "--out", out_dir.to_str().expect("utf-8")]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert!(stderr(&out).starts_with("ok: 167 rules: "), "{}", stderr(&out));
        std::fs::read_to_string(out_dir.join("AF2-10/tamper.jsonl")).expect("tamper events")
    };
    let (a, b, c) = (run("a", "1"), run("b", "1"), run("c", "2"));
    assert_eq!(a, b, "same seed, same bytes");
    assert_ne!(a, c, "the seed changes the filler");
    assert!(tmp.path().join("a/AF2-10/winrm_then_tamper.sentinel-RasProcess_CL.json").is_file());
    assert!(tmp.path().join("a/manifest.json").is_file());
}
