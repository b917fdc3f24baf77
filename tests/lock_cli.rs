//! End-to-end tests of `scalpel lock`, the lock in `scalpel build` and `check`, and
//! `scalpel diff` (folders and git revisions): exit codes and what a user reads.

use std::path::Path;
use std::process::{Command, Output};

fn scalpel(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_scalpel"))
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("SOURCE_DATE_EPOCH")
        .output()
        .expect("scalpel runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A copy of the fixture tree in `into/detections`, locked on 2026-01-01 (the shipped
/// tree's lock is tested in `tests/shipped.rs`; the fixture builds in a fraction of the time).
fn tree_copy(into: &Path) -> String {
    let tree = into.join("detections");
    let fixture = Path::new("targets/tests/fixtures/tree");
    for dir in ["", "flows"] {
        std::fs::create_dir_all(tree.join(dir)).expect("mkdir");
        for entry in std::fs::read_dir(fixture.join(dir)).expect("read") {
            let path = entry.expect("entry").path();
            if path.is_file() {
                std::fs::copy(&path, tree.join(dir).join(path.file_name().expect("name"))).expect("copy");
            }
        }
    }
    let tree = tree.to_str().expect("utf-8").to_string();
    let locked = scalpel(&["lock", &tree, "--date", "2026-01-01"]);
    assert_eq!(locked.status.code(), Some(0), "{}", stderr(&locked));
    tree
}

fn edit(tree: &str, file: &str, from: &str, to: &str) {
    let path = Path::new(tree).join(file);
    let text = std::fs::read_to_string(&path).expect("read");
    assert!(text.contains(from), "{from} not in {file}");
    std::fs::write(&path, text.replacen(from, to, 1)).expect("write");
}

#[test]
fn build_check_fails_on_a_stale_lock_until_scalpel_lock_records_the_change() {
    let tmp = tempfile::tempdir().expect("tmp");
    let tree = tree_copy(tmp.path());
    let out = tmp.path().join("build");
    let out = out.to_str().expect("utf-8");
    edit(&tree, "flows/operators.det", "heart_rate > 250", "heart_rate >= 250");
    let check = scalpel(&["check", &tree]);
    assert_eq!(check.status.code(), Some(0), "a stale lock is a warning in `check`");
    assert!(stderr(&check).contains("warning[W0831]: 1 rule changed since the version lock"), "{}", stderr(&check));
    assert_eq!(scalpel(&["check", "--deny-warnings", &tree]).status.code(), Some(1), "CI's check fails");

    let stale = scalpel(&["build", "--check", &tree, "--out", out]);
    assert_eq!(stale.status.code(), Some(1));
    let err = stderr(&stale);
    assert!(err.contains("error[E0830]: the version lock is out of date: 1 rule changed"), "{err}");
    assert!(err.contains("^^^^^^^ meaning changed (locked at 1.0.0)"), "{err}");
    assert!(err.contains("scalpel lock --date YYYY-MM-DD"), "{err}");

    let undated = scalpel(&["lock", &tree]);
    assert_eq!(undated.status.code(), Some(1));
    assert!(stderr(&undated).contains("error[E0833]"), "{}", stderr(&undated));
    let bad = scalpel(&["lock", &tree, "--date", "2026-02-30"]);
    assert!(stderr(&bad).contains("`--date 2026-02-30` is not a day"), "{}", stderr(&bad));
    let early = scalpel(&["lock", &tree, "--date", "2025-12-31"]);
    assert_eq!(early.status.code(), Some(1));
    assert!(stderr(&early).contains("error[E0835]"), "{}", stderr(&early));

    let locked = scalpel(&["lock", &tree, "--date", "2026-03-14"]);
    assert_eq!(locked.status.code(), Some(0), "{}", stderr(&locked));
    let report = stderr(&locked);
    assert!(
        report.contains("OPS-1/numbers") && report.contains("1.0.0 → 2.0.0") && report.contains("meaning changed"),
        "{report}"
    );
    assert!(report.contains("(18 rules): 1 bumped, 0 new, 0 removed"), "{report}");
    let again = Command::new(env!("CARGO_BIN_EXE_scalpel"))
        .args(["lock", &tree])
        .env("SOURCE_DATE_EPOCH", "1773446400")
        .output()
        .expect("runs");
    assert!(stderr(&again).contains("is up to date (18 rules)"), "{}", stderr(&again));

    let rebuilt = scalpel(&["build", &tree, "--out", out]);
    assert_eq!(rebuilt.status.code(), Some(0), "{}", stderr(&rebuilt));
    assert!(
        !stderr(&rebuilt).contains("no version lock") && !stderr(&rebuilt).contains("W0831"),
        "{}",
        stderr(&rebuilt)
    );
    let sigma = std::fs::read_to_string(Path::new(out).join("sigma/OPS-1/ops-1_numbers.yml")).expect("sigma");
    assert!(sigma.contains("date: 2026-01-01\nmodified: 2026-03-14\n"), "{sigma}");
    assert_eq!(scalpel(&["build", "--check", &tree, "--out", out]).status.code(), Some(0));
}

#[test]
fn a_tree_without_a_lock_builds_at_version_one_and_says_so_once() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("build");
    let built = scalpel(&["build", "targets/tests/fixtures/tree", "--out", out.to_str().expect("utf-8")]);
    assert_eq!(built.status.code(), Some(0), "{}", stderr(&built));
    let err = stderr(&built);
    assert_eq!(err.matches("note: no version lock").count(), 1, "{err}");
    assert!(err.contains("every rule is version 1.0.0 of 2026-01-01"), "{err}");
    let lock = scalpel(&["lock", "tests/ui/_prelude.det", "--date", "2026-01-01"]);
    assert_eq!(lock.status.code(), Some(1));
    assert!(stderr(&lock).contains("error[E0834]"), "{}", stderr(&lock));
}

#[test]
fn diff_of_two_folders_in_markdown_and_json() {
    let tmp = tempfile::tempdir().expect("tmp");
    let old = tree_copy(&tmp.path().join("old"));
    let new = tree_copy(&tmp.path().join("new"));
    let same = scalpel(&["diff", &old, &new]);
    assert_eq!(same.status.code(), Some(0), "{}", stderr(&same));
    assert!(stdout(&same).contains(
        "No rule changes meaning; 0 metadata only, 0 emitted text only; 0 added, 0 removed, 0 renamed; 18 unchanged."
    ));

    edit(&new, "flows/operators.det", "heart_rate > 250", "heart_rate >= 250");
    let changed = scalpel(&["diff", &old, &new]);
    assert_eq!(changed.status.code(), Some(1), "a change of meaning exits 1: {}", stderr(&changed));
    let md = stdout(&changed);
    assert!(
        md.contains(
            "| `OPS-1/numbers` | step | **meaning** | 1.0.0 ⚠ not in the lock: run `scalpel lock` | condition |"
        ),
        "{md}"
    );
    assert!(
        md.contains("+ heart_rate >= 250 or heart_rate <= 20 or spo2 < 80.5 or spo2 >= 99.5 or heart_rate == 70"),
        "{md}"
    );

    let json = scalpel(&["diff", "--format", "json", &old, &new]);
    let report: serde_json::Value = serde_json::from_str(&stdout(&json)).expect("one JSON document");
    let numbers =
        report["rules"].as_array().expect("rules").iter().find(|r| r["rule"] == "OPS-1/numbers").expect("numbers");
    assert_eq!(numbers["status"], "meaning");
    assert_eq!(numbers["witnesses"][0]["fires"], "new");
    assert_eq!(numbers["witnesses"][0]["events"][0]["event"]["heart_rate"], 250);
    assert_eq!(scalpel(&["diff", &old, "nowhere"]).status.code(), Some(2));
}

#[test]
fn diff_of_two_git_revisions() {
    let tmp = tempfile::tempdir().expect("tmp");
    let repo = tmp.path().join("repo");
    let tree = tree_copy(&repo);
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.org", "-c", "commit.gpgsign=false"])
            .args(args)
            .current_dir(&repo)
            .output()
            .expect("git runs");
        assert!(out.status.success(), "git {args:?}: {}", stderr(&out));
    };
    git(&["init", "-q"]);
    git(&["add", "."]);
    git(&["commit", "-qm", "base"]);
    edit(&tree, "flows/operators.det", "Numeric comparisons", "Comparisons of numbers");
    git(&["commit", "-qam", "retitle"]);
    let out = Command::new(env!("CARGO_BIN_EXE_scalpel"))
        .args(["diff", "--git", "HEAD~1", "HEAD", "detections"])
        .current_dir(&repo)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "a retitle is no change of meaning: {}", stderr(&out));
    let md = stdout(&out);
    assert!(md.starts_with("## Scalpel semantic diff: `HEAD~1:detections` → `HEAD:detections`"), "{md}");
    assert!(md.contains("| `OPS-1/numbers` | step | metadata |"), "{md}");
    let missing = Command::new(env!("CARGO_BIN_EXE_scalpel"))
        .args(["diff", "--git", "HEAD~5", "HEAD", "detections"])
        .current_dir(&repo)
        .output()
        .expect("runs");
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        stderr(&missing).contains("error[E0840]: cannot read `detections` at revision `HEAD~5`"),
        "{}",
        stderr(&missing)
    );
}

/// The edits, each to its own rule of one tree, and what the diff says of
/// each: an `or` reordered is no change of meaning, a title is metadata, a threshold
/// count and a sequence window are changes of meaning, also of a sequence that uses
/// the threshold; `scalpel lock` then bumps exactly those rules, by the right part.
#[test]
fn diff_and_lock_tell_meaning_from_text_for_each_kind_of_edit() {
    let tmp = tempfile::tempdir().expect("tmp");
    let old = tree_copy(&tmp.path().join("old"));
    let new = tree_copy(&tmp.path().join("new"));
    let flows = "flows/operators.det";
    edit(
        &new,
        flows,
        "heart_rate > 250 or heart_rate <= 20 or spo2 < 80.5 or spo2 >= 99.5 or heart_rate == 70",
        "spo2 >= 99.5 or heart_rate == 70 or heart_rate > 250 or spo2 < 80.5 or heart_rate <= 20",
    );
    edit(&new, flows, "step login \"Console login\"", "step login \"Console sign-in\"");
    edit(&new, flows, "threshold count > 20 within 1m by device.id", "threshold count > 21 within 1m by device.id");
    edit(&new, flows, "\"Login then tampered device\" within 90s", "\"Login then tampered device\" within 2m");
    let json = scalpel(&["diff", "--format", "json", &old, &new]);
    assert_eq!(json.status.code(), Some(1), "changes of meaning exit 1: {}", stderr(&json));
    let report: serde_json::Value = serde_json::from_str(&stdout(&json)).expect("one JSON document");
    let status = |rule: &str| -> String {
        let rules = report["rules"].as_array().expect("rules");
        let found = rules.iter().find(|r| r["rule"] == rule).unwrap_or_else(|| panic!("{rule} in the diff"));
        found["status"].as_str().expect("status").to_string()
    };
    assert!(["text", "unchanged"].contains(&status("OPS-1/numbers").as_str()), "or order: {}", status("OPS-1/numbers"));
    assert_eq!(status("OPS-1/login"), "metadata", "a title");
    assert_eq!(status("OPS-1/flood"), "meaning", "a threshold count");
    assert_eq!(status("OPS-1/flood_then_eq"), "meaning", "a sequence over the changed threshold");
    assert_eq!(status("OPS-1/login_then_eq"), "meaning", "a sequence window");
    assert_eq!(status("OPS-1/spread"), "unchanged");

    let locked = scalpel(&["lock", &new, "--date", "2026-03-14"]);
    assert_eq!(locked.status.code(), Some(0), "{}", stderr(&locked));
    let lock: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(Path::new(&new).join("scalpel.lock.json")).expect("lock"))
            .expect("json");
    let version = |rule: &str| lock["rules"][rule]["version"].as_str().map(str::to_string);
    assert_eq!(version("OPS-1/flood").as_deref(), Some("2.0.0"));
    assert_eq!(version("OPS-1/login_then_eq").as_deref(), Some("2.0.0"));
    assert_eq!(version("OPS-1/login").as_deref(), Some("1.1.0"));
    assert_eq!(version("OPS-1/spread").as_deref(), Some("1.0.0"));
    assert_ne!(version("OPS-1/numbers").as_deref().map(|v| v.starts_with("2.")), Some(true), "no major bump");
}
