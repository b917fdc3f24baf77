//! `scalpel fmt`: rewrites what is not formatted, `--check` only tells, a file with
//! syntax errors is left alone, and the shipped tree is formatted.

use std::path::Path;
use std::process::{Command, Output};

fn scalpel(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_scalpel"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("scalpel runs")
}

const UNFORMATTED: &str =
    "flow \"F\" \"T\" { origin realized // how\n step s \"S\" { technique T1 source x detect a==1 } }\n";
const FORMATTED: &str = "flow \"F\" \"T\" {\n    origin realized // how\n\n    step s \"S\" {\n        technique T1\n        source x\n        detect a == 1\n    }\n}\n";

#[test]
fn check_prints_a_diff_and_fails_without_writing() {
    let dir = tempfile::tempdir().expect("temporary folder");
    std::fs::write(dir.path().join("a.det"), UNFORMATTED).expect("written");
    std::fs::write(dir.path().join("b.det"), FORMATTED).expect("written");
    let out = scalpel(&["fmt", "--check", "."], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let diff = String::from_utf8_lossy(&out.stdout);
    assert!(diff.contains("--- a/./a.det\n+++ b/./a.det\n"), "{diff}");
    assert!(diff.contains("+        detect a == 1\n"), "{diff}");
    assert!(!diff.contains("b.det"), "{diff}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("would reformat 1 of 2 files"));
    assert_eq!(std::fs::read_to_string(dir.path().join("a.det")).expect("read"), UNFORMATTED);
}

#[test]
fn fmt_rewrites_then_check_passes() {
    let dir = tempfile::tempdir().expect("temporary folder");
    std::fs::write(dir.path().join("a.det"), UNFORMATTED).expect("written");
    let out = scalpel(&["fmt", "a.det"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(std::fs::read_to_string(dir.path().join("a.det")).expect("read"), FORMATTED);
    let again = scalpel(&["fmt", "--check", "a.det"], dir.path());
    assert_eq!(again.status.code(), Some(0));
    assert!(again.stdout.is_empty());
}

#[test]
fn a_file_with_syntax_errors_is_reported_and_left_alone() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let broken = "flow \"F\" \"T\" { step s \"S\" { detect a = 1 } }\n";
    std::fs::write(dir.path().join("broken.det"), broken).expect("written");
    std::fs::write(dir.path().join("fine.det"), UNFORMATTED).expect("written");
    let out = scalpel(&["fmt", "."], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("error[E0003]"), "{stderr}");
    assert!(stderr.contains("1 left as they are for syntax errors"), "{stderr}");
    assert_eq!(std::fs::read_to_string(dir.path().join("broken.det")).expect("read"), broken);
    assert_eq!(std::fs::read_to_string(dir.path().join("fine.det")).expect("read"), FORMATTED);
}

#[test]
fn a_missing_path_is_a_usage_error() {
    let dir = tempfile::tempdir().expect("temporary folder");
    assert_eq!(scalpel(&["fmt", "nowhere"], dir.path()).status.code(), Some(2));
}
