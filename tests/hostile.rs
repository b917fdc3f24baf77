//! Hostile input, end to end: the `scalpel` binary run as a subprocess with a
//! deadline (a hang fails the test instead of stalling it) on what an attacker or
//! an accident puts in front of it: FIFOs, devices, symbolic-link loops, paths out
//! of the tree, output folders that hold the user's work, killed builds, closed
//! pipes, inputs whose output used to grow with the square of their size, and
//! bidirectional-override characters. Every folder is made in a temporary folder.
#![cfg(unix)]

use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const PRELUDE: &str = "tests/ui/_prelude.det";
const CASE: &str = "tests/ui/W0502_splunk_sequence.det";

/// Longest any single run may take (debug build, loaded machine).
const DEADLINE: Duration = Duration::from_secs(120);

struct Run {
    status: Option<i32>,
    stdout: Vec<u8>,
    stderr: String,
}

impl Run {
    fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
}

fn command(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_scalpel"));
    command.args(args).env("NO_COLOR", "1");
    command
}

/// Waits for `child` at most [`DEADLINE`]; a child still running then is killed and
/// the test fails: Scalpel must never hang on input.
fn wait(mut child: Child, what: &str) -> Option<i32> {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status.code().or_else(|| {
                use std::os::unix::process::ExitStatusExt;
                status.signal().map(|s| 128 + s)
            });
        }
        if start.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!("`scalpel {what}` still ran after {DEADLINE:?}: it hangs");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Runs `scalpel args` with a deadline; output goes through files, so a large
/// output cannot block the child on a full pipe.
fn scalpel(args: &[&str]) -> Run {
    let dir = tempfile::tempdir().expect("tmp");
    let (out, err) = (dir.path().join("out"), dir.path().join("err"));
    let child = command(args)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).expect("out"))
        .stderr(std::fs::File::create(&err).expect("err"))
        .spawn()
        .expect("scalpel runs");
    let status = wait(child, &args.join(" "));
    let stdout = std::fs::read(&out).expect("stdout");
    let stderr = String::from_utf8_lossy(&std::fs::read(&err).expect("stderr")).into_owned();
    Run { status, stdout, stderr }
}

fn mkfifo(path: &Path) {
    let made = Command::new("mkfifo").arg(path).status().expect("mkfifo runs");
    assert!(made.success(), "mkfifo {}", path.display());
}

fn text(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

/// A tree `root/name` (its `scalpel.toml` says `config`) with the UI prelude's
/// schemas and the W0502 case's flow.
fn tree(root: &Path, name: &str, config: &str) -> PathBuf {
    let tree = root.join(name);
    std::fs::create_dir_all(tree.join("flows")).expect("tree");
    std::fs::write(tree.join("scalpel.toml"), config).expect("config");
    std::fs::copy(PRELUDE, tree.join("schemas.det")).expect("schemas");
    std::fs::copy(CASE, tree.join("flows/flow.det")).expect("flow");
    tree
}

/// Every file below `dir` with its content, staging folders included (so that a
/// leftover shows).
fn files(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut found = std::collections::BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).expect("listing") {
            let path = entry.expect("entry").path();
            let relative = path.strip_prefix(dir).expect("inside").to_string_lossy().into_owned();
            if std::fs::symlink_metadata(&path).expect("entry").is_dir() {
                stack.push(path);
            } else {
                found.insert(relative, std::fs::read(&path).unwrap_or_default());
            }
        }
    }
    found
}

// --- Reading inputs -------------------------------------------------------------

#[test]
fn fifos_devices_and_link_loops_in_a_tree_are_skipped_without_waiting() {
    let tmp = tempfile::tempdir().expect("tmp");
    let tree = tree(tmp.path(), "t", "name = \"t\"\n");
    mkfifo(&tree.join("flows/pipe.det"));
    symlink("/dev/zero", tree.join("flows/zero.det")).expect("link");
    symlink("..", tree.join("flows/loop")).expect("link");
    symlink("self.det", tree.join("flows/self.det")).expect("link");
    std::fs::create_dir(tree.join("a")).expect("dir");
    symlink("../b", tree.join("a/to_b")).expect("link");
    std::fs::create_dir(tree.join("b")).expect("dir");
    symlink("../a", tree.join("b/to_a")).expect("link");
    let run = scalpel(&["check", text(&tree)]);
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    for (code, what) in [
        ("W0015", "pipe.det`: it is a FIFO"),
        ("W0013", "zero.det`: it leads to `/dev/zero`"),
        ("W0014", "loop`: it leads back to"),
        ("W0014", "self.det`: the link cannot be resolved"),
    ] {
        assert!(
            run.stderr.contains(&format!("warning[{code}]")) && run.stderr.contains(what),
            "{what}\n{}",
            run.stderr
        );
    }
    assert!(run.stderr.contains("ok: 2 files"), "each real file read once: {}", run.stderr);
}

#[test]
fn fifos_and_devices_named_as_inputs_are_refused_without_waiting() {
    let tmp = tempfile::tempdir().expect("tmp");
    let fifo = tmp.path().join("x.det");
    mkfifo(&fifo);
    let templates = tmp.path().join("templates");
    std::fs::create_dir(&templates).expect("dir");
    mkfifo(&templates.join("savedsearches.conf.hbs"));
    let out = tmp.path().join("build");
    let runs: Vec<(Vec<&str>, &str)> = vec![
        (vec!["check", text(&fifo)], "error[E0016]"),
        (vec!["check", "/dev/zero"], "error[E0016]: `/dev/zero` is a character device"),
        (vec!["debug", "ast", text(&fifo)], "error[E0016]"),
        (vec!["debug", "ir", text(&fifo)], "error[E0016]"),
        (vec!["import", "attack-flow", text(&fifo)], "error[E0016]"),
        (vec!["import", "attack-flow", "/dev/zero"], "error[E0016]"),
        (vec!["attack", "build", "--out", text(&out), text(&fifo)], "a FIFO (named pipe), not a regular file"),
        (vec!["check", "--attack-bundle", text(&fifo), PRELUDE], "a FIFO (named pipe), not a regular file"),
        (vec!["check", "--attack-bundle", "/dev/zero", PRELUDE], "a character device, not a regular file"),
        (vec!["build", PRELUDE, "--templates", text(&templates), "--out", text(&out)], "error[E0016]: template"),
    ];
    for (args, want) in runs {
        let run = scalpel(&args);
        assert_eq!(run.status, Some(1), "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains(want), "{args:?}: want {want}\n{}", run.stderr);
    }
    assert!(!out.exists(), "nothing written");
}

#[test]
fn paths_out_of_the_tree_are_refused_and_never_shown() {
    let tmp = tempfile::tempdir().expect("tmp");
    let secret = "SCALPEL_HOSTILE_SECRET_6f1c";
    for (name, paths) in [
        ("root", "[\"/\"]"),
        ("up", "[\"../..\"]"),
        ("environ", "[\"schemas.det\", \"/proc/self/environ\"]"),
        ("bundle", "[\"schemas.det\"]\nattack_bundles = [\"/proc/self/environ\"]"),
    ] {
        let tree = tree(tmp.path(), name, &format!("name = \"t\"\npaths = {paths}\n"));
        let run = Command::new(env!("CARGO_BIN_EXE_scalpel"))
            .args(["check", text(&tree)])
            .env("NO_COLOR", "1")
            .env(secret, secret)
            .output()
            .expect("runs");
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(1), "{name}: {stderr}");
        assert!(stderr.contains("error[E0012]"), "{name}: {stderr}");
        assert!(!stderr.contains(secret), "{name} shows the environment: {stderr}");
    }
    // A link in the tree to the same file is skipped, not read.
    let linked = tree(tmp.path(), "linked", "name = \"t\"\n");
    symlink("/proc/self/environ", linked.join("flows/env.det")).expect("link");
    let run = Command::new(env!("CARGO_BIN_EXE_scalpel")).args(["check", text(&linked)]).env(secret, secret).output();
    let run = run.expect("runs");
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("warning[W0013]") && !stderr.contains(secret), "{stderr}");
}

#[test]
fn folder_walks_are_bounded() {
    let tmp = tempfile::tempdir().expect("tmp");
    let wide = tmp.path().join("wide");
    std::fs::create_dir(&wide).expect("dir");
    for n in 0..=scalpel_compiler::project::MAX_WALK_ENTRIES {
        std::fs::File::create(wide.join(format!("f{n}"))).expect("file");
    }
    let run = scalpel(&["check", text(&wide)]);
    assert_eq!(run.status, Some(1));
    assert!(
        run.stderr.contains("error[E0017]: stopped reading") && run.stderr.contains("after 200000 entries"),
        "{}",
        run.stderr
    );
}

// --- Tree discovery -------------------------------------------------------------

#[test]
fn trees_are_found_like_cargo_finds_its_manifest_and_never_merged() {
    let tmp = tempfile::tempdir().expect("tmp");
    let outer = tree(tmp.path(), "outer", "name = \"outer\"\n");
    // A tree inside a tree is a tree of its own, not part of the outer one.
    let inner = tree(&outer, "vendor", "name = \"inner\"\n");
    std::fs::write(inner.join("flows/broken.det"), "flow {\n").expect("broken flow");
    let run = scalpel(&["check", text(&outer)]);
    assert_eq!(run.status, Some(0), "the inner tree's broken flow is not the outer's: {}", run.stderr);

    // A path inside a tree is read with its tree (its schemas resolve).
    let run = scalpel(&["check", text(&outer.join("flows/flow.det"))]);
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    assert!(run.stderr.lines().last().is_some_and(|l| l.starts_with("ok: 2 files, 2 schemas")), "{}", run.stderr);
    let run = Command::new(env!("CARGO_BIN_EXE_scalpel")).arg("check").current_dir(outer.join("flows")).output();
    let run = run.expect("runs");
    assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));

    // Two trees: checked one by one, each reported; commands with one --out refuse.
    let other = tree(tmp.path(), "other", "name = \"other\"\n");
    let run = scalpel(&["check", text(&outer), text(&inner), text(&other)]);
    assert_eq!(run.status, Some(1), "{}", run.stderr);
    assert!(run.stderr.contains("tree `") && run.stderr.contains("outer`: 2 files"), "{}", run.stderr);
    assert!(run.stderr.contains("vendor`: check failed"), "{}", run.stderr);
    assert!(run.stderr.contains("other`: 2 files"), "{}", run.stderr);
    let out = tmp.path().join("build");
    for command in ["build", "events", "coverage", "test"] {
        let mut args = vec![command, text(&outer), text(&other)];
        if command != "test" {
            args.extend(["--out", text(&out)]);
        }
        let run = scalpel(&args);
        assert_eq!(run.status, Some(1), "{command}: {}", run.stderr);
        assert!(run.stderr.contains("error[E0018]"), "{command}: {}", run.stderr);
    }
    assert!(!out.exists());

    // A folder outside any tree holding trees: each found tree is checked on its own.
    let run = scalpel(&["check", text(tmp.path())]);
    assert!(run.stderr.contains("outer`: 2 files") && run.stderr.contains("other`: 2 files"), "{}", run.stderr);
    assert!(!run.stderr.contains("vendor`"), "a tree inside a tree is not entered: {}", run.stderr);

    // Files outside any tree work as they always did.
    let run = scalpel(&["check", PRELUDE, CASE]);
    assert_eq!(run.status, Some(0), "{}", run.stderr);
}

// --- Output folders -------------------------------------------------------------

#[test]
fn output_folders_that_hold_inputs_or_user_files_are_refused() {
    let tmp = tempfile::tempdir().expect("tmp");
    let project = tmp.path().join("project");
    let tree = tree(&project, "detections", "name = \"t\"\npaths = [\"schemas.det\", \"flows\"]\n");
    std::fs::create_dir_all(project.join(".git")).expect("git");
    std::fs::write(project.join(".git/HEAD"), "ref: refs/heads/main\n").expect("git");
    let notes = tmp.path().join("notes");
    std::fs::create_dir(&notes).expect("dir");
    std::fs::write(notes.join("todo.md"), "mine").expect("file");
    let file = tmp.path().join("rules.txt");
    std::fs::write(&file, "mine").expect("file");
    let before = files(tmp.path());
    for command in ["build", "events", "coverage"] {
        for (out, code) in [
            (tree.clone(), "E0800"),
            (tree.join("flows"), "E0800"),
            (tree.join("flows/out"), "E0800"),
            (project.clone(), "E0800"),
            (file.clone(), "E0801"),
            (notes.clone(), "E0802"),
        ] {
            for force in [false, true] {
                if force && code == "E0802" {
                    continue;
                }
                let mut args = vec![command, text(&tree), "--out", text(&out)];
                if force {
                    args.push("--force");
                }
                let run = scalpel(&args);
                assert_eq!(run.status, Some(1), "{args:?}: {}", run.stderr);
                assert!(run.stderr.contains(&format!("error[{code}]")), "{args:?}: {}", run.stderr);
            }
        }
    }
    assert_eq!(files(tmp.path()), before, "nothing was deleted, written or changed");

    // --force adds Scalpel's files next to the user's and never touches theirs.
    let run = scalpel(&["build", text(&tree), "--out", text(&notes), "--force"]);
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    assert_eq!(std::fs::read_to_string(notes.join("todo.md")).expect("kept"), "mine");
    assert!(notes.join("sigma/UI/ui_login.yml").is_file());
    // A folder inside the tree but outside its `paths` is fine (like Cargo's target/).
    let run = scalpel(&["build", text(&tree), "--out", text(&tree.join("build"))]);
    assert_eq!(run.status, Some(0), "{}", run.stderr);
}

#[test]
fn building_some_targets_keeps_the_others_output() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("build");
    let run = scalpel(&["build", PRELUDE, CASE, "--out", text(&out)]);
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    let full = files(&out);
    let run = scalpel(&["build", PRELUDE, CASE, "--target", "sigma", "--out", text(&out)]);
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    assert_eq!(files(&out), full, "a build of sigma alone leaves splunk, kql, elastic and events as they were");
    // A flow removed: sigma's files for it go, the other targets' wait for their own build.
    let run = scalpel(&["build", PRELUDE, "--target", "sigma", "--out", text(&out)]);
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    assert!(!out.join("sigma/UI/ui_login.yml").exists());
    assert!(out.join("splunk/UI/spoof.spl").is_file());
    let run = scalpel(&["build", PRELUDE, "--out", text(&out)]);
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    assert!(!out.join("splunk/UI/spoof.spl").exists(), "stale once its target is built again");
}

#[test]
fn a_killed_build_leaves_the_previous_output_or_is_rolled_back_by_the_next() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("build");
    let built = scalpel(&["build", PRELUDE, "--out", text(&out)]);
    assert_eq!(built.status, Some(0), "{}", built.stderr);
    std::fs::write(out.join("NOTES.md"), "the user's").expect("user file");
    let previous = files(&out);
    // What the killed build makes when it finishes, and how long it takes, to spread kills over it.
    let start = Instant::now();
    let other = tmp.path().join("other");
    let run = scalpel(&["build", PRELUDE, CASE, "--out", text(&other)]);
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    let whole = start.elapsed();
    std::fs::write(other.join("NOTES.md"), "the user's").expect("user file");
    let next = files(&other);
    let staging = |state: &std::collections::BTreeMap<String, Vec<u8>>| {
        state.keys().any(|k| k.starts_with(scalpel_driver::out_dir::STAGING_PREFIX))
    };
    // Not started or killed while staging / killed inside the commit / finished.
    let mut outcomes = [0usize; 3];
    for step in 0..12u32 {
        let mut child = command(&["build", PRELUDE, CASE, "--out", text(&out)])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("runs");
        std::thread::sleep(whole * step / 10);
        let _ = child.kill();
        let _ = child.wait();
        let state = files(&out);
        let rest: std::collections::BTreeMap<_, _> = state
            .iter()
            .filter(|(k, _)| !k.starts_with(scalpel_driver::out_dir::STAGING_PREFIX))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if rest == next {
            outcomes[2] += 1;
        } else if rest == previous {
            outcomes[0] += 1;
        } else {
            assert!(staging(&state), "after a kill at step {step}, a mix without a journal to undo it");
            outcomes[1] += 1;
        }
        // The next run finds the folder consistent, whatever the kill interrupted.
        let recovered = scalpel(&["build", PRELUDE, "--out", text(&out)]);
        assert_eq!(recovered.status, Some(0), "after a kill at step {step}: {}", recovered.stderr);
        assert_eq!(files(&out), previous, "after a kill at step {step}: {}", recovered.stderr);
    }
    eprintln!(
        "killed builds: {} before writing, {} inside the commit, {} after it",
        outcomes[0], outcomes[1], outcomes[2]
    );
}

#[test]
fn build_check_never_follows_a_link_in_the_output_folder() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("build");
    let run = scalpel(&["build", PRELUDE, CASE, "--out", text(&out)]);
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    let outside = tmp.path().join("outside");
    std::fs::create_dir_all(outside.join("UI")).expect("dir");
    std::fs::write(outside.join("UI/ui_login.yml"), "SECRET_OUTSIDE_THE_OUTPUT\n").expect("file");
    std::fs::remove_dir_all(out.join("sigma")).expect("rm");
    symlink(&outside, out.join("sigma")).expect("link");
    std::fs::remove_file(out.join("splunk/UI/spoof.spl")).expect("rm");
    symlink("/etc/passwd", out.join("splunk/UI/spoof.spl")).expect("link");
    let run = scalpel(&["build", "--check", PRELUDE, CASE, "--out", text(&out)]);
    assert_eq!(run.status, Some(1), "{}", run.stderr);
    let diff = run.stdout();
    assert!(!diff.contains("SECRET") && !diff.contains("root:"), "{diff}");
    assert!(diff.contains("`sigma` in") && diff.contains("is a symbolic link"), "{diff}");
    let run = scalpel(&["build", PRELUDE, CASE, "--out", text(&out)]);
    assert_eq!(run.status, Some(1), "writing through the links is refused: {}", run.stderr);
    assert!(run.stderr.contains("error[E0804]"), "{}", run.stderr);
    assert_eq!(std::fs::read_to_string(outside.join("UI/ui_login.yml")).expect("kept"), "SECRET_OUTSIDE_THE_OUTPUT\n");
}

// --- Closed pipes ---------------------------------------------------------------

#[test]
fn closed_pipes_end_quietly_like_unix_tools() {
    let tmp = tempfile::tempdir().expect("tmp");
    let big = tmp.path().join("big.det");
    let steps: String = (0..300)
        .map(|n| format!("    step s{n} \"t\" {{ technique T1078 source vpn detect usr == \"x\" }}\n"))
        .collect();
    std::fs::write(&big, format!("flow \"F\" \"f\" {{ category \"c\" origin theoretical\n{steps}}}\n")).expect("write");
    let runs: [&[&str]; 6] = [
        &["debug", "ir", PRELUDE],
        &["debug", "ast", PRELUDE],
        &["check", "--message-format", "json", PRELUDE, text(&big)],
        &["check", "--message-format", "sarif", PRELUDE, text(&big)],
        &["explain"],
        &["explain", "E0102"],
    ];
    for args in runs {
        // The reader is gone before the child starts: with `Stdio::piped()` dropped after
        // the spawn, a loaded machine could let a short output fit the pipe first.
        let (reader, writer) = std::io::pipe().expect("pipe");
        drop(reader);
        let mut child = command(args).stdout(writer).stderr(Stdio::piped()).spawn().expect("runs");
        let stderr = child.stderr.take().expect("stderr");
        let reader = std::thread::spawn(move || std::io::read_to_string(stderr).unwrap_or_default());
        let status = wait(child, &args.join(" "));
        let stderr = reader.join().expect("stderr read");
        assert_eq!(status, Some(141), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

// --- Output linear in the input -------------------------------------------------

/// A STIX Attack Flow bundle: `inputs` actions into one AND operator, into one action.
fn wide_and(inputs: usize) -> String {
    let mut objects = vec![
        serde_json::json!({"type": "attack-flow", "id": "attack-flow--0", "name": "Wide AND"}),
        serde_json::json!({"type": "attack-operator", "id": "attack-operator--0", "operator": "AND", "effect_refs": ["attack-action--last"]}),
        serde_json::json!({"type": "attack-action", "id": "attack-action--last", "name": "Last", "technique_id": "T1078"}),
    ];
    objects.extend((0..inputs).map(|n| {
        serde_json::json!({"type": "attack-action", "id": format!("attack-action--{n}"), "name": format!("Step {n}"), "technique_id": "T1078", "effect_refs": ["attack-operator--0"]})
    }));
    serde_json::json!({"type": "bundle", "id": "bundle--0", "objects": objects}).to_string()
}

#[test]
fn importing_a_wide_and_node_is_linear() {
    let tmp = tempfile::tempdir().expect("tmp");
    let mut sizes = Vec::new();
    for inputs in [1_000, 8_000] {
        let file = tmp.path().join(format!("and{inputs}.json"));
        std::fs::write(&file, wide_and(inputs)).expect("write");
        let run = scalpel(&["import", "attack-flow", text(&file)]);
        assert_eq!(run.status, Some(0), "{}", run.stderr);
        sizes.push(run.stdout.len() + run.stderr.len());
    }
    // 8 times the inputs: about 8 times the output (1.15 GB for 8,000 before).
    assert!(sizes[1] < sizes[0] * 9, "{sizes:?}");
    assert!(sizes[1] < 8_000 * 1_000, "{sizes:?}");
}

fn nested_nots(depth: usize) -> String {
    format!(
        "schema s \"s\" {{ t timestamp event_time\n a string }}\nflow \"F\" \"f\" {{ category \"c\" origin theoretical\n step x \"x\" {{ technique T1078 source s severity low detect {}a == \"x\" }} }}\n",
        "not ".repeat(depth)
    )
}

/// `levels` operators nested alternately as `and not (…)` and `or not (…)`.
fn nested_operators(levels: usize) -> String {
    let mut condition = String::from("a == \"x\"");
    for level in 0..levels / 2 {
        let op = if level % 2 == 0 { "and" } else { "or" };
        condition = format!("a contains \"{level}\" {op} not ({condition})");
    }
    format!(
        "schema s \"s\" {{ t timestamp event_time\n a string }}\nflow \"F\" \"f\" {{ category \"c\" origin theoretical\n step x \"x\" {{ technique T1078 source s severity low detect {condition} }} }}\n"
    )
}

#[test]
fn conditions_nested_past_the_bound_are_refused_not_overflowed() {
    let tmp = tempfile::tempdir().expect("tmp");
    let deepest = tmp.path().join("deepest.det");
    std::fs::write(&deepest, nested_operators(128)).expect("write");
    let out = tmp.path().join("out");
    for args in [
        vec!["build", text(&deepest), "--out", text(&out)],
        vec!["events", text(&deepest), "--out", text(&tmp.path().join("events"))],
        vec!["test", text(&deepest)],
    ] {
        let run = scalpel(&args);
        assert_eq!(run.status, Some(0), "128 levels are accepted by {args:?}: {}", run.stderr);
    }
    for (name, text_) in [("nots", nested_nots(30_000)), ("mixed", nested_operators(130))] {
        let file = tmp.path().join(format!("{name}.det"));
        std::fs::write(&file, text_).expect("write");
        for command in [&["check"][..], &["debug", "ast"], &["debug", "ir"], &["test"]] {
            let mut args = command.to_vec();
            args.push(text(&file));
            let run = scalpel(&args);
            assert_eq!(run.status, Some(1), "{name} {args:?}: {}", run.stderr);
            assert_eq!(run.stderr.matches("error[E0006]: the condition nests deeper than 128 levels").count(), 1);
            assert!(run.stderr.contains(&format!("{}:4:", text(&file))), "located: {}", run.stderr);
        }
    }
}

#[test]
fn sarif_of_many_diagnostics_is_one_valid_log() {
    let tmp = tempfile::tempdir().expect("tmp");
    let file = tmp.path().join("many.det");
    let steps: String = (0..2_000)
        .map(|n| format!("    step s{n} \"t\" {{ technique T1078 source vpn detect usr == \"x\" }}\n"))
        .collect();
    std::fs::write(&file, format!("flow \"F\" \"f\" {{ category \"c\" origin theoretical\n{steps}}}\n"))
        .expect("write");
    let run = scalpel(&["check", "--message-format", "sarif", PRELUDE, text(&file)]);
    assert_eq!(run.status, Some(1), "{}", run.stderr);
    let log: serde_json::Value = serde_json::from_slice(&run.stdout).expect("one JSON document");
    let results = log["runs"][0]["results"].as_array().expect("results");
    assert_eq!(results.len(), 2_000);
    assert!(results.iter().all(|r| r["ruleId"] == "E0102" && r["ruleIndex"] == 0));
}

// --- Hidden characters ----------------------------------------------------------

#[test]
fn bidirectional_controls_are_shown_escaped() {
    let tmp = tempfile::tempdir().expect("tmp");
    let file = tmp.path().join("trojan.det");
    std::fs::write(
        &file,
        "flow \"UI\" \"t\" {\n    category \"c\"\n    origin theoretical\n    step s \"t\" {\n        technique T1078\n        source vpn\n        // access granted\u{202e} }\u{2066}\n        detect usr == \"admin\u{202e}\u{2067}\u{200f}\u{61c}\"\n    }\n}\n",
    )
    .expect("write");
    let run = scalpel(&["check", PRELUDE, text(&file)]);
    assert_eq!(run.status, Some(1), "{}", run.stderr);
    assert!(run.stderr.contains("admin<U+202E><U+2067><U+200F><U+061C>"), "{}", run.stderr);
    let hidden = |t: &str| {
        t.chars().any(
            |c| matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{61c}'),
        )
    };
    assert!(!hidden(&run.stderr), "{}", run.stderr);

    let flow = serde_json::json!({"type": "bundle", "id": "bundle--0", "objects": [
        {"type": "attack-flow", "id": "attack-flow--0", "name": "Flow \u{202e}gnp.exe", "description": "a\u{2066}b"},
        {"type": "attack-action", "id": "attack-action--0", "name": "Step \u{202d}one", "technique_id": "T1078",
         "description": "d\u{202e}", "technique_ref": "attack-pattern--0"},
        {"type": "attack-pattern", "id": "attack-pattern--0", "name": "Valid\u{202e} Accounts"},
    ]});
    let afb = tmp.path().join("trojan.json");
    std::fs::write(&afb, flow.to_string()).expect("write");
    let run = scalpel(&["import", "attack-flow", text(&afb)]);
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    let det = run.stdout();
    assert!(!hidden(&det) && !hidden(&run.stderr), "{det}\n{}", run.stderr);
    assert!(det.contains("Valid<U+202E> Accounts"), "comments show it: {det}");
    assert!(det.contains("\\u{202e}"), "literals keep it, escaped: {det}");
    let imported = tmp.path().join("imported.det");
    std::fs::write(&imported, &det).expect("write");
    let check = scalpel(&["check", text(&imported)]);
    assert_eq!(check.status, Some(0), "the escaped import still checks: {}", check.stderr);
}

#[test]
fn templates_that_include_themselves_or_nest_deeply_are_refused_not_overflowed() {
    let tmp = tempfile::tempdir().expect("tmp");
    for (name, template, code) in [
        ("self", "{{#each rules}}{{> savedsearches.conf}}{{/each}}".to_string(), "error[E0514]"),
        (
            "inline",
            "{{#*inline \"a\"}}{{> b}}{{/inline}}{{#*inline \"b\"}}{{> a}}{{/inline}}{{> a}}".into(),
            "error[E0514]",
        ),
        ("ifs", format!("{}x{}", "{{#if rules}}".repeat(5_000), "{{/if}}".repeat(5_000)), "error[E0513]"),
        ("subexpressions", format!("{{{{x {}rules{}}}}}", "(lookup ".repeat(5_000), ")".repeat(5_000)), "error[E0513]"),
    ] {
        let templates = tmp.path().join(name);
        std::fs::create_dir(&templates).expect("dir");
        std::fs::write(templates.join("savedsearches.conf.hbs"), template).expect("write");
        let out = tmp.path().join(format!("{name}-out"));
        let run = scalpel(&["build", PRELUDE, CASE, "--templates", text(&templates), "--out", text(&out)]);
        assert_eq!(run.status, Some(1), "{name}: {}", run.stderr);
        assert!(run.stderr.contains(code), "{name}: {}", run.stderr);
        assert!(!out.exists(), "{name}: nothing written");
    }
}

// --- Settings ---------------------------------------------------------------------

#[test]
fn settings_that_would_escape_their_line_are_refused_by_check_and_build() {
    let tmp = tempfile::tempdir().expect("tmp");
    for (name, config, key_line) in [
        ("delay", "name = \"t\"\n[targets.splunk.schedule]\ningestion_delay = \"5m\\naction.script = 1\"\n", 3),
        ("interval", "name = \"t\"\n[targets.splunk.schedule]\ninterval = { high = \"10m\\n[evil]\" }\n", 3),
        ("rule", "name = \"t\"\n[targets.kql.schedule.rules]\n\"F.s\" = \"5m\\r\\nx = 1\"\n", 3),
        ("domain", "name = \"t\"\n[targets.splunk]\nsecurity_domain = \"threat\\naction.script = 1\"\n", 3),
        (
            "rename",
            "name = \"t\"\n[targets.splunk]\nfields = { \"user.name\" = \"a=1 OR 1=1 | delete | search a\" }\n",
            3,
        ),
        ("index", "name = \"t\"\n[targets.splunk]\nindex = \"ras\\\" | delete\"\n", 3),
        ("sigma-date", "name = \"t\"\n[targets.sigma]\ndate = \"2026-01-01\\nstatus: stable\"\n", 3),
        ("sigma-field", "name = \"t\"\n[targets.sigma]\nfields = { \"user.name\" = \"user|re\" }\n", 3),
        ("sigma-author", "name = \"t\"\n[targets.sigma]\nauthor = \"me\\u202e\"\n", 3),
        ("elastic-dataset", "name = \"t\"\n[targets.elastic]\ndatasets = { vpn = \"x\\\" or true\" }\n", 3),
        ("name", "name = \"t\\naction.script = 1\"\n", 1),
    ] {
        let tree = tree(tmp.path(), name, config);
        for command in ["check", "build"] {
            let out = tmp.path().join(format!("{name}-out"));
            let args = if command == "check" {
                vec![command, text(&tree)]
            } else {
                vec![command, text(&tree), "--out", text(&out)]
            };
            let run = scalpel(&args);
            assert_eq!(run.status, Some(1), "{name} {command}: {}", run.stderr);
            let at = format!("scalpel.toml:{key_line}:");
            assert!(
                run.stderr.contains("error[E0505]") && run.stderr.contains(&at),
                "{name} {command}: {}",
                run.stderr
            );
            assert!(!out.exists(), "{name}: nothing written");
        }
    }
}

// --- Ids --------------------------------------------------------------------------

#[test]
fn ids_that_name_no_file_or_collide_are_refused_before_anything_is_written() {
    let tmp = tempfile::tempdir().expect("tmp");
    let flow = |id: &str, step: &str| {
        format!("flow \"{id}\" \"f\" {{ category \"c\" origin theoretical\n step {step} \"t\" {{ technique T1078 source vpn detect user.name == \"x\" }} }}\n")
    };
    for (name, source, code) in [
        ("dot", flow(".", "s"), "E0116"),
        ("empty", flow("", "s"), "E0116"),
        ("up", flow("..", "s"), "E0116"),
        ("escape", flow("../../etc", "s"), "E0116"),
        ("backslash", flow("a\\\\b", "s"), "E0116"),
        ("device", flow("NUL", "s"), "E0116"),
        ("device-step", flow("F", "aux"), "E0116"),
        ("case", format!("{}{}", flow("AF-1", "s"), flow("af-1", "s")), "E0117"),
        ("sigma-name", format!("{}{}", flow("UI_a", "s"), flow("UI", "a_s")), "E0504"),
    ] {
        let file = tmp.path().join(format!("{name}.det"));
        std::fs::write(&file, source).expect("write");
        // Only Sigma files are named `<flow>_<step>`: the events of those two rules do not collide.
        let commands: &[&str] = if name == "sigma-name" { &["build"] } else { &["build", "events"] };
        for &command in commands {
            let out = tmp.path().join(format!("{name}-{command}"));
            let run = scalpel(&[command, PRELUDE, text(&file), "--out", text(&out)]);
            assert_eq!(run.status, Some(1), "{name} {command}: {}", run.stderr);
            assert!(run.stderr.contains(&format!("error[{code}]")), "{name} {command}: {}", run.stderr);
            assert!(!out.exists(), "{name} {command}: nothing written");
        }
    }
}

/// Found by the `pipeline` fuzz target: a rename onto the name of another field of
/// the schema (`b.c` → `a`, with `a` a field too) was accepted, and the Splunk
/// search and the Sigma rule then read the wrong field (SPL interpreter and
/// sigma-rust disagreed with `ir::eval` on the generated events). Refused (E0118) at
/// the rename's key, naming the field that already has the name; so are two renames
/// onto one name, and a name in two schemas is not a collision.
#[test]
fn a_rename_onto_another_field_is_refused() {
    let tmp = tempfile::tempdir().expect("tmp");
    let tree = tmp.path().join("tree");
    std::fs::create_dir_all(&tree).expect("tree");
    std::fs::write(tree.join("schemas.det"), "schema s { t timestamp event_time  a string  b.c string }\n")
        .expect("schema");
    let flow = "flow \"F-1\" \"f\" {\n    category \"c\"\n    origin theoretical\n    step s0 \"t\" {\n        technique T1565.002\n        source s\n        detect a == \"x\"\n    }\n}\n";
    std::fs::write(tree.join("flow.det"), flow).expect("flow");
    for config in ["[targets.splunk]\nfields = { \"b.c\" = \"a\" }\n", "[targets.sigma]\nfields = { a = \"b.c\" }\n"] {
        std::fs::write(tree.join("scalpel.toml"), format!("name = \"t\"\n{config}")).expect("config");
        let run = scalpel(&["check", text(&tree)]);
        assert_eq!(run.status, Some(1), "{config}: {}", run.stderr);
        assert!(run.stderr.contains("error[E0118]"), "{config}: refused with a code: {}", run.stderr);
        assert!(run.stderr.contains("scalpel.toml:3:"), "{config}: at the rename: {}", run.stderr);
        assert!(run.stderr.contains("already has the name"), "{config}: says which field: {}", run.stderr);
    }
    let two = "[targets.elastic]\nfields = { a = \"x\", \"b.c\" = \"x\" }\n";
    std::fs::write(tree.join("scalpel.toml"), format!("name = \"t\"\n{two}")).expect("config");
    let run = scalpel(&["check", text(&tree)]);
    assert_eq!(run.status, Some(1), "{}", run.stderr);
    assert!(run.stderr.contains("error[E0118]") && run.stderr.contains("and `a` to `x`"), "{}", run.stderr);
    // The same name in two schemas names two fields of two indices: accepted.
    std::fs::write(tree.join("other.det"), "schema o { t timestamp event_time  x string }\n").expect("schema");
    std::fs::write(tree.join("scalpel.toml"), "name = \"t\"\n[targets.elastic]\nfields = { a = \"x\" }\n")
        .expect("config");
    let run = scalpel(&["check", text(&tree)]);
    assert_eq!(run.status, Some(0), "{}", run.stderr);
}
