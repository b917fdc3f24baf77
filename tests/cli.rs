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
fn sarif_keeps_the_reason_of_a_diagnostic_without_location() {
    let tmp = tempfile::tempdir().unwrap();
    let out = scalpel(&["check", "--message-format", "sarif", tmp.path().to_str().unwrap()]);
    let log: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let result = &log["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "W0010");
    assert_eq!(result["locations"], serde_json::json!([]));
    let text = result["message"]["text"].as_str().unwrap_or_default();
    assert!(text.contains("note: detection files end in `.det`"), "{text}");
}

#[test]
fn attack_show_is_case_insensitive_and_names_everything() {
    let out = scalpel(&["attack", "show", "t1565.002"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("T1565.002  Data Manipulation: Transmitted Data Manipulation\n"), "{text}");
    assert!(text.contains("TA0040 Impact"), "tactics by name: {text}");
    assert!(text.contains("M1041 Encrypt Sensitive Information"), "mitigations by name: {text}");
    let search = scalpel(&["attack", "show", "transmitted", "data"]);
    let found = stdout(&search);
    assert!(found.contains("T1565.002  Data Manipulation: Transmitted Data Manipulation  (enterprise)"), "{found}");
    let one = scalpel(&["attack", "show", "runtime", "data", "manipulation"]);
    assert!(stdout(&one).starts_with("T1565.003  Data Manipulation: Runtime Data Manipulation\n"), "{}", stdout(&one));
    let many = scalpel(&["attack", "show", "phishing"]);
    let listed = stdout(&many);
    assert!(
        listed.contains("T1566  Phishing  (enterprise)") && listed.contains("T1660  Phishing  (mobile)"),
        "{listed}"
    );
    let unknown = scalpel(&["attack", "show", "T0999"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(stderr(&unknown).starts_with("error[E0402]"), "{}", stderr(&unknown));
}

#[test]
fn templates_are_listed_and_exported() {
    let list = stdout(&scalpel(&["templates", "list"]));
    assert!(
        list.starts_with("savedsearches.conf.hbs  renders splunk/<app>_<tree>/default/savedsearches.conf"),
        "{list}"
    );
    assert!(list.contains("  rules.search"), "{list}");
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("templates");
    let out = scalpel(&["templates", "export", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let exported = std::fs::read_to_string(dir.join("savedsearches.conf.hbs")).unwrap();
    assert_eq!(exported, std::fs::read_to_string("targets/templates/savedsearches.conf.hbs").unwrap());
    // The exported folder is a valid override: building with it gives the same file.
    let built = |extra: &[&str], name: &str| {
        let out_dir = tmp.path().join(name);
        let mut args = vec!["build", "--target", "splunk", GOOD, "tests/ui/W0501_splunk_window.det"];
        args.extend_from_slice(extra);
        args.extend(["--out", out_dir.to_str().unwrap()]);
        let out = scalpel(&args);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        std::fs::read_to_string(out_dir.join("splunk/Scalpel_scalpel/default/savedsearches.conf")).unwrap()
    };
    assert_eq!(built(&["--templates", dir.to_str().unwrap()], "a"), built(&[], "b"));
}

#[test]
fn coverage_and_events_report_like_the_other_commands() {
    let tmp = tempfile::tempdir().unwrap();
    let case = "tests/ui/W0204_out_of_range.det";
    let dir = |name: &str| tmp.path().join(name).to_str().unwrap().to_string();
    let json = scalpel(&["coverage", "--message-format", "json", GOOD, case, "--out", &dir("c1")]);
    assert_eq!(json.status.code(), Some(0), "{}", stderr(&json));
    let line: serde_json::Value = serde_json::from_str(stdout(&json).lines().next().unwrap_or_default()).unwrap();
    assert_eq!(line["code"], "W0204");
    let denied = scalpel(&["coverage", "--deny-warnings", GOOD, case, "--out", &dir("c2")]);
    assert_eq!(denied.status.code(), Some(1), "{}", stderr(&denied));
    let kql = scalpel(&["coverage", "--target", "kql", GOOD, case, "--out", &dir("c3")]);
    assert_eq!(kql.status.code(), Some(0), "{}", stderr(&kql));
    let html = std::fs::read_to_string(tmp.path().join("c3/coverage.html")).unwrap();
    assert!(html.contains("kql") && !html.contains(">splunk<"), "only the requested target is reported");
    let events = scalpel(&["events", "--deny-warnings", GOOD, case, "--out", &dir("e")]);
    assert_eq!(events.status.code(), Some(1), "{}", stderr(&events));
    assert!(!tmp.path().join("e").exists(), "nothing is written when warnings are denied");
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

/// Every command's `--help`, reviewed as a snapshot (`snapshots/cli/<name>.snap`).
#[test]
fn help_reads_well() {
    let commands: &[(&str, &[&str])] = &[
        ("help", &[]),
        ("check_help", &["check"]),
        ("build_help", &["build"]),
        ("coverage_help", &["coverage"]),
        ("events_help", &["events"]),
        ("test_help", &["test"]),
        ("debug_ast_help", &["debug", "ast"]),
        ("debug_ir_help", &["debug", "ir"]),
        ("explain_help", &["explain"]),
        ("attack_build_help", &["attack", "build"]),
        ("attack_show_help", &["attack", "show"]),
        ("import_attack_flow_help", &["import", "attack-flow"]),
        ("templates_list_help", &["templates", "list"]),
        ("templates_export_help", &["templates", "export"]),
    ];
    insta::with_settings!({ snapshot_path => "../snapshots/cli", prepend_module_to_snapshot => false, omit_expression => true }, {
        for (name, command) in commands {
            let mut args = command.to_vec();
            args.push("--help");
            let out = scalpel(&args);
            assert_eq!(out.status.code(), Some(0), "{args:?}");
            insta::assert_snapshot!(*name, stdout(&out));
        }
    });
}

#[test]
fn every_positional_argument_is_described() {
    for command in [
        &["debug", "ast"][..],
        &["debug", "ir"],
        &["attack", "show"],
        &["import", "attack-flow"],
        &["templates", "export"],
    ] {
        let mut args = command.to_vec();
        args.push("--help");
        let help = stdout(&scalpel(&args));
        let arguments = help.split("Arguments:").nth(1).and_then(|a| a.split("Options:").next()).unwrap_or_default();
        // `  <FILE>  description`, or the description on the next, deeper-indented line.
        let lines: Vec<&str> = arguments.lines().filter(|l| !l.trim().is_empty()).collect();
        let names: Vec<usize> =
            (0..lines.len()).filter(|&i| lines[i].starts_with("  <") || lines[i].starts_with("  [")).collect();
        assert!(!names.is_empty(), "{args:?}: {help}");
        for i in names {
            let same_line = lines[i].trim().split_once("  ").is_some_and(|(_, d)| !d.trim().is_empty());
            let next_line = lines.get(i + 1).is_some_and(|l| l.starts_with("        ") && !l.trim().starts_with('['));
            assert!(same_line || next_line, "{args:?}: `{}` has no description", lines[i]);
        }
    }
}

#[test]
fn a_missing_path_is_a_usage_error() {
    for command in ["check", "build", "coverage", "events", "test"] {
        let out = scalpel(&[command, "no/such/tree"]);
        assert_eq!(out.status.code(), Some(2), "{command}: {}", stderr(&out));
        assert!(stderr(&out).starts_with("error: no such file or folder: `no/such/tree`"), "{}", stderr(&out));
    }
}

#[test]
fn check_reports_what_build_would() {
    // A sequence Splunk approximates: the warning comes from the Splunk back end.
    let case = "tests/ui/W0502_splunk_sequence.det";
    let out = scalpel(&["check", GOOD, case]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("warning[W0502]: splunk approximates"), "{}", stderr(&out));
    let only_sigma = scalpel(&["check", "--target", "sigma", GOOD, case]);
    assert!(!stderr(&only_sigma).contains("W0502"), "{}", stderr(&only_sigma));
    // An error only a back end finds fails `check`, as it fails `build`.
    let collision = scalpel(&["check", GOOD, "tests/ui/E0504_file_collision.det"]);
    assert_eq!(collision.status.code(), Some(1));
    assert!(stderr(&collision).contains("error[E0504]"), "{}", stderr(&collision));
}

#[test]
fn lint_levels_from_flags_in_order() {
    let case = "tests/ui/W0204_out_of_range.det";
    let run = |flags: &[&str]| {
        let mut args = vec!["check"];
        args.extend_from_slice(flags);
        args.extend([GOOD, case]);
        let out = scalpel(&args);
        (out.status.code(), stderr(&out))
    };
    let (code, err) = run(&["-A", "W0204"]);
    assert_eq!(code, Some(0));
    assert!(!err.contains("W0204") && err.starts_with("ok: "), "{err}");
    let (code, err) = run(&["-D", "w0204"]);
    assert_eq!(code, Some(1));
    assert!(err.contains("error[W0204]") && err.contains("because of `-D W0204`"), "{err}");
    let (code, _) = run(&["-D", "W0204", "-A", "W0204"]);
    assert_eq!(code, Some(0), "the later flag wins");
    let (code, _) = run(&["-A", "W0204", "-D", "W0204"]);
    assert_eq!(code, Some(1), "the later flag wins");
    let (code, err) = run(&["-D", "warnings"]);
    assert_eq!(code, Some(1), "{err}");
    let (code, _) = run(&["--deny-warnings", "-A", "W0204"]);
    assert_eq!(code, Some(0), "an allowed warning is not denied by --deny-warnings");
    let (code, err) = run(&["-A", "E0102"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("errors cannot be silenced"), "{err}");
}

#[test]
fn lint_levels_from_scalpel_toml() {
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path();
    std::fs::copy(GOOD, tree.join("schemas.det")).unwrap();
    std::fs::copy("tests/ui/W0204_out_of_range.det", tree.join("flow.det")).unwrap();
    let check = |toml: &str, flags: &[&str]| {
        std::fs::write(tree.join("scalpel.toml"), format!("name = \"t\"\n{toml}")).unwrap();
        let mut args = vec!["check"];
        args.extend_from_slice(flags);
        args.push(tree.to_str().unwrap());
        let out = scalpel(&args);
        (out.status.code(), stderr(&out))
    };
    assert_eq!(check("[lints]\nW0204 = \"allow\"\n", &[]).0, Some(0));
    let (code, err) = check("[lints]\nW0204 = \"deny\"\n", &[]);
    assert_eq!(code, Some(1));
    assert!(err.contains("because of `W0204 = \"deny\"` in `[lints]`"), "{err}");
    let (code, err) = check("[lints]\nW0204 = \"deny\"\n", &["-W", "W0204"]);
    assert_eq!(code, Some(0), "the command line overrides the file: {err}");
    assert!(err.contains("warning[W0204]"), "{err}");
    let (code, err) = check("[lints]\nwarnings = \"deny\"\n", &[]);
    assert_eq!(code, Some(1), "{err}");
    let (code, err) = check("[lints]\nW0204 = \"alow\"\nE0102 = \"allow\"\n", &[]);
    assert_eq!(code, Some(1));
    assert!(err.contains("error[E0030]") && err.contains("did you mean `allow`?"), "{err}");
    assert!(err.contains("scalpel.toml:3:1") && err.contains("`E0102` is an error"), "{err}");
}

#[test]
fn repeated_warnings_are_counted_after_the_first_few() {
    let tmp = tempfile::tempdir().unwrap();
    let flow = tmp.path().join("flow.det");
    let steps: String = (0..5)
        .map(|n| format!("    step s{n} \"t\" {{\n        technique T1565.002\n        source vitals\n        detect heart_rate < 400\n    }}\n"))
        .collect();
    std::fs::write(&flow, format!("flow \"F\" \"f\" {{\n    category \"c\"\n    origin theoretical\n{steps}}}\n"))
        .unwrap();
    let folded = scalpel(&["check", "--target", "sigma", GOOD, flow.to_str().unwrap()]);
    let err = stderr(&folded);
    assert_eq!(err.matches("warning[W0204]: `heart_rate`").count(), 3, "{err}");
    assert!(err.contains("warning[W0204]: 2 more not shown (constant outside the field's declared range)"), "{err}");
    assert!(err.ends_with("(5 warnings)\n"), "the total counts all of them: {err}");
    let all = scalpel(&["check", "--target", "sigma", "--all-warnings", GOOD, flow.to_str().unwrap()]);
    assert_eq!(stderr(&all).matches("warning[W0204]: `heart_rate`").count(), 5);
    let json = scalpel(&["check", "--target", "sigma", "--message-format", "json", GOOD, flow.to_str().unwrap()]);
    assert_eq!(stdout(&json).lines().count(), 5, "machine formats are never folded");
}

#[test]
fn the_shipped_tree_builds_without_a_wall_of_warnings() {
    let out = scalpel(&["check", "detections"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
    let strict = scalpel(&["check", "--deny-warnings", "detections"]);
    assert_eq!(strict.status.code(), Some(0), "{}", stderr(&strict));
    let shown = scalpel(&["check", "-W", "W0501", "--all-warnings", "detections"]);
    assert_eq!(stderr(&shown).matches("warning[W0501]").count(), 64, "the approximations are only silenced");
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
    assert!(out.join("splunk/Scalpel_scalpel/default/savedsearches.conf").is_file());

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
    assert!(err.contains("coverage: ") && err.contains("% of 112 steps"), "{err}");
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
    assert!(xml.contains("<testsuite name=\"ir::eval\" tests=\"170\" failures=\"0\""), "{xml}");
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
        assert!(stderr(&out).starts_with("ok: 170 rules: "), "{}", stderr(&out));
        std::fs::read_to_string(out_dir.join("AF2-10/tamper.jsonl")).expect("tamper events")
    };
    let (a, b, c) = (run("a", "1"), run("b", "1"), run("c", "2"));
    assert_eq!(a, b, "same seed, same bytes");
    assert_ne!(a, c, "the seed changes the filler");
    assert!(tmp.path().join("a/AF2-10/winrm_then_tamper.sentinel-RasProcess_CL.json").is_file());
    assert!(tmp.path().join("a/manifest.json").is_file());
}

/// Every file under `dir` (the manifest aside), relative path → bytes.
fn tree_files(dir: &std::path::Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut files = std::collections::BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).expect("listing") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.file_name().is_some_and(|n| n != ".scalpel-manifest.json") {
                let relative = path.strip_prefix(dir).expect("inside").to_string_lossy().into_owned();
                files.insert(relative, std::fs::read(&path).expect("read"));
            }
        }
    }
    files
}

#[test]
fn build_writes_rules_only_and_events_on_request() {
    let tmp = tempfile::tempdir().expect("tmp");
    let path = |name: &str| tmp.path().join(name).to_str().expect("utf-8").to_string();
    let out = scalpel(&["build", "detections", "--out", &path("rules")]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let rules = tree_files(&tmp.path().join("rules"));
    assert!(rules.keys().all(|p| !p.starts_with("events")), "no events without --events");
    let size: usize = rules.values().map(Vec::len).sum();
    assert!(size < 5 << 20, "the shipped tree's build is {size} bytes, over 5 MB");

    let out = scalpel(&["build", "detections", "--events", "--out", &path("both")]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = scalpel(&["events", "detections", "--out", &path("events")]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let both = tree_files(&tmp.path().join("both"));
    let events = tree_files(&tmp.path().join("events"));
    assert!(!events.is_empty());
    let (in_events, in_rules): (Vec<_>, Vec<_>) = both.into_iter().partition(|(p, _)| p.starts_with("events/"));
    let in_events: std::collections::BTreeMap<String, Vec<u8>> =
        in_events.into_iter().map(|(p, b)| (p["events/".len()..].to_string(), b)).collect();
    assert_eq!(in_events, events, "build --events writes what scalpel events writes");
    assert_eq!(in_rules.into_iter().collect::<std::collections::BTreeMap<_, _>>(), rules);

    // A plain build after an --events one keeps those events (another producer's files).
    let out = scalpel(&["build", "detections", "--out", &path("both")]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(tmp.path().join("both/events/manifest.json").is_file());
}

#[test]
fn build_events_with_a_generator_error_writes_nothing() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out_dir = tmp.path().join("out");
    let case = "tests/ui/E0601_text_contradiction.det";
    let out = scalpel(&["build", GOOD, case, "--events", "--out", out_dir.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("error[E0601]"), "{}", stderr(&out));
    assert!(!out_dir.exists(), "nothing written");
    let out = scalpel(&["build", GOOD, case, "--out", out_dir.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(0), "without --events the generator does not run: {}", stderr(&out));
}

#[test]
fn events_and_rules_are_the_same_bytes_on_one_thread_or_several() {
    let tmp = tempfile::tempdir().expect("tmp");
    let run = |threads: &str| {
        let out = tmp.path().join(format!("t{threads}"));
        let text = out.to_str().expect("utf-8").to_string();
        let done = Command::new(env!("CARGO_BIN_EXE_scalpel"))
            .args(["build", "--events", GOOD, "tests/ui/W0204_out_of_range.det", "--out", &text])
            .env("RAYON_NUM_THREADS", threads)
            .output()
            .expect("runs");
        assert_eq!(done.status.code(), Some(0), "{}", stderr(&done));
        tree_files(&out)
    };
    let one = run("1");
    assert!(one.keys().any(|p| p.starts_with("events/")) && one.keys().any(|p| p.starts_with("sigma/")));
    assert_eq!(one, run("4"));
}

#[test]
fn detections_the_generator_once_refused_build_and_get_events() {
    // Issue 13: `check` accepted these, then `build` failed for every target with
    // E0601/E0602. Now `build` and `events` succeed with no generator diagnostic
    // (targets still warn about what they approximate).
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("refused.det");
    let steps = [
        ("ssh", "detect dst.port == 22"),
        ("exfil", "detect bytes > 1000000"),
        ("zero", "detect big == 0"),
        ("five_k", "detect big == 5000"),
        ("max", "detect n == 9223372036854775807"),
        ("empty", "detect msg == \"\""),
        ("base64", r"detect payload matches /[A-Za-z0-9+\/]{100,}/"),
        // A million-event threshold is `events::tests_domain`'s: `scalpel events`
        // writes each event out, a large file for a CLI test.
        ("flood", "detect dst.port == 22\n        threshold count > 1000 within 1m"),
    ];
    let mut text = String::from(
        "schema net \"flows\" {\n    time timestamp event_time\n    dst.port int\n    bytes int\n    big int\n    n int\n    \
         msg string\n    payload string\n}\nflow \"R-1\" \"refused\" {\n    category \"t\"\n    origin theoretical\n",
    );
    for (id, body) in steps {
        text.push_str(&format!(
            "    step {id} \"{id}\" {{\n        technique T1565.002\n        source net\n        {body}\n    }}\n"
        ));
    }
    text.push_str("}\n");
    std::fs::write(&file, text).unwrap();
    let file = file.to_str().unwrap();
    let out = |name: &str| tmp.path().join(name).to_str().unwrap().to_string();
    let built = scalpel(&["build", file, "--out", &out("rules")]);
    assert_eq!(built.status.code(), Some(0), "{}", stderr(&built));
    assert!(!stderr(&built).contains("[E06") && !stderr(&built).contains("[W06"), "{}", stderr(&built));
    let events = scalpel(&["events", "--deny-warnings", file, "--out", &out("events")]);
    assert_eq!(events.status.code(), Some(0), "{}", stderr(&events));
    let max = std::fs::read_to_string(tmp.path().join("events/R-1/max.jsonl")).unwrap();
    assert!(max.contains("\"n\":9223372036854775807"), "{max}");
    assert!(tmp.path().join("events/R-1/flood.threshold.jsonl").is_file());
}
