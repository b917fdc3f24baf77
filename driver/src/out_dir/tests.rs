//! The ownership rules of [`super::write`] and [`super::compare`], on temporary folders.

use super::*;
use std::path::PathBuf;

fn producer(name: &str, files: &[(&str, &str)]) -> Producer {
    Producer { name: name.to_string(), files: files.iter().map(|(p, t)| (p.to_string(), t.to_string())).collect() }
}

fn write_to(out: &Path, force: bool, producers: &[Producer]) -> Result<Written, Vec<Diagnostic>> {
    write(&Destination { out, inputs: &[], force }, producers)
}

fn codes(result: Result<Written, Vec<Diagnostic>>) -> Vec<Code> {
    result.expect_err("refused").iter().map(|d| d.code).collect()
}

fn read(path: PathBuf) -> String {
    std::fs::read_to_string(path).expect("file")
}

#[test]
fn a_rebuild_rewrites_nothing_that_did_not_change() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("build");
    let files = [producer("build:sigma", &[("sigma/a.yml", "a"), ("sigma/F/b.yml", "b")])];
    let first = write_to(&out, false, &files).expect("written");
    assert_eq!((first.files, first.unchanged, first.removed), (2, 0, 0));
    let manifest = manifest::read(&out).expect("readable").expect("written");
    assert_eq!(manifest.producers["build:sigma"].len(), 2);
    let before = std::fs::metadata(out.join("sigma/a.yml")).expect("a").modified().expect("mtime");
    let second = write_to(&out, false, &files).expect("written");
    assert_eq!((second.files, second.unchanged, second.removed), (2, 2, 0));
    let after = std::fs::metadata(out.join("sigma/a.yml")).expect("a").modified().expect("mtime");
    assert_eq!(before, after, "an unchanged file is not rewritten");
    let names: Vec<_> = std::fs::read_dir(&out).expect("listing").map(|e| e.expect("entry").file_name()).collect();
    assert_eq!(names.len(), 2, "sigma/ and the manifest, no staging folder left: {names:?}");
}

#[test]
fn stale_files_are_removed_and_files_scalpel_did_not_write_are_kept() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("build");
    write_to(
        &out,
        false,
        &[producer("build:sigma", &[("sigma/a.yml", "a"), ("sigma/F/b.yml", "b"), ("sigma/G/c.yml", "c")])],
    )
    .expect("written");
    std::fs::write(out.join("notes.txt"), "mine").expect("user file");
    std::fs::write(out.join("sigma/G/mine.yml"), "mine").expect("user file");
    let done = write_to(&out, false, &[producer("build:sigma", &[("sigma/a.yml", "a2")])]).expect("written");
    assert_eq!(done.removed, 2);
    assert_eq!(read(out.join("sigma/a.yml")), "a2");
    assert!(!out.join("sigma/F").exists(), "a folder emptied of Scalpel's files goes too");
    assert!(!out.join("sigma/G/c.yml").exists());
    assert_eq!(read(out.join("sigma/G/mine.yml")), "mine", "a folder holding a user file stays");
    assert_eq!(read(out.join("notes.txt")), "mine");
}

#[test]
fn each_producer_replaces_only_its_own_files() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("build");
    let full = [
        producer("build:sigma", &[("sigma/a.yml", "a"), ("sigma/old.yml", "o")]),
        producer("build:splunk", &[("splunk/a.spl", "a"), ("splunk/old.spl", "o")]),
        producer("build:events", &[("events/a.jsonl", "{}")]),
    ];
    write_to(&out, false, &full).expect("written");
    // `--target sigma`: the Splunk producer does not run, so its files stay as they are.
    let sigma_only =
        [producer("build:sigma", &[("sigma/a.yml", "a2")]), producer("build:events", &[("events/a.jsonl", "{}")])];
    write_to(&out, false, &sigma_only).expect("written");
    assert!(!out.join("sigma/old.yml").exists(), "sigma's stale file is removed");
    assert_eq!(read(out.join("splunk/old.spl")), "o", "splunk's files are not sigma's to remove");
    assert_eq!(read(out.join("splunk/a.spl")), "a");
    // A file another producer wrote changes hands when this one makes it.
    write_to(&out, false, &[producer("coverage", &[("splunk/a.spl", "a")])]).expect("written");
    let manifest = manifest::read(&out).expect("readable").expect("written");
    assert_eq!(manifest.owner("splunk/a.spl").map(|(p, _)| p), Some("coverage"));
    assert!(manifest.producers["build:splunk"].contains_key("splunk/old.spl"));
}

#[test]
fn a_folder_scalpel_did_not_create_needs_force_and_keeps_its_files() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("mine");
    std::fs::create_dir_all(out.join("sigma")).expect("dir");
    std::fs::write(out.join("README"), "mine").expect("file");
    std::fs::write(out.join("sigma/same.yml"), "same").expect("file");
    let files = [producer("build:sigma", &[("sigma/same.yml", "same"), ("sigma/new.yml", "new")])];
    assert_eq!(codes(write_to(&out, false, &files)), [Code::OutNotOwned]);
    assert!(!out.join("sigma/new.yml").exists(), "a refusal writes nothing");
    let done = write_to(&out, true, &files).expect("adopted");
    assert_eq!(done.unchanged, 1, "a file that already holds the content is adopted");
    assert_eq!(read(out.join("README")), "mine");
    // The README never becomes Scalpel's: a later write without it does not remove it.
    write_to(&out, false, &[producer("build:sigma", &[])]).expect("written");
    assert_eq!(read(out.join("README")), "mine");
    assert!(!out.join("sigma/new.yml").exists() && !out.join("sigma/same.yml").exists());
}

#[test]
fn edited_files_are_kept_unless_forced_and_foreign_files_always() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("build");
    write_to(&out, false, &[producer("events", &[("a.jsonl", "1"), ("b.jsonl", "2")])]).expect("written");
    std::fs::write(out.join("a.jsonl"), "tuned").expect("edit");
    std::fs::write(out.join("c.jsonl"), "user").expect("user file");
    let next = [producer("events", &[("a.jsonl", "1b"), ("c.jsonl", "3")])];
    let refused = codes(write_to(&out, false, &next));
    assert_eq!(refused, [Code::OutWouldOverwrite, Code::OutFileEdited]);
    assert_eq!(read(out.join("a.jsonl")), "tuned");
    assert_eq!(codes(write_to(&out, true, &next)), [Code::OutWouldOverwrite], "--force never overwrites c.jsonl");
    write_to(&out, true, &[producer("events", &[("a.jsonl", "1b")])]).expect("forced");
    assert_eq!(read(out.join("a.jsonl")), "1b");
    assert_eq!(read(out.join("c.jsonl")), "user");
    assert!(!out.join("b.jsonl").exists());
}

#[test]
fn a_regular_file_or_an_unreadable_manifest_is_refused() {
    let tmp = tempfile::tempdir().expect("tmp");
    let file = tmp.path().join("rules");
    std::fs::write(&file, "mine").expect("file");
    let files = [producer("coverage", &[("coverage.md", "x")])];
    assert_eq!(codes(write_to(&file, true, &files)), [Code::OutNotAFolder]);
    assert_eq!(read(file), "mine");
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).expect("dir");
    std::fs::write(out.join(MANIFEST), "not json").expect("manifest");
    assert_eq!(codes(write_to(&out, false, &files)), [Code::OutManifestInvalid]);
    write_to(&out, true, &files).expect("forced");
    assert!(manifest::read(&out).expect("readable now").is_some());
}

#[test]
fn refusals_leave_no_new_folder_behind() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("new");
    let bad = [producer("build:sigma", &[("../escape.yml", "x")])];
    assert_eq!(codes(write_to(&out, false, &bad)), [Code::OutWouldOverwrite]);
    assert!(!out.exists());
    assert!(!tmp.path().join("escape.yml").exists());
}

#[cfg(unix)]
#[test]
fn links_inside_the_folder_are_never_followed() {
    use std::os::unix::fs::symlink;
    let tmp = tempfile::tempdir().expect("tmp");
    let outside = tmp.path().join("outside");
    std::fs::create_dir(&outside).expect("dir");
    std::fs::write(outside.join("a.yml"), "SECRET outside the output folder\n").expect("file");
    let out = tmp.path().join("build");
    let files = [producer("build:sigma", &[("sigma/a.yml", "a\n"), ("sigma/b.yml", "b\n")])];
    write_to(&out, false, &files).expect("written");
    // Someone replaces the folder and a file with links out of it.
    std::fs::remove_dir_all(out.join("sigma")).expect("rm");
    symlink(&outside, out.join("sigma")).expect("link");
    let comparison = compare(&out, &[], &files).expect("compared");
    assert_eq!(comparison.changed, 2);
    assert!(!comparison.diff.contains("SECRET"), "{}", comparison.diff);
    assert_eq!(codes(write_to(&out, true, &files)), [Code::OutWouldOverwrite]);
    assert_eq!(read(outside.join("a.yml")), "SECRET outside the output folder\n", "nothing written through the link");
}

#[test]
fn compare_reports_changed_missing_and_stale_files_only() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("build");
    write_to(&out, false, &[producer("build:kql", &[("kql/a.kql", "a\n"), ("kql/gone.kql", "g\n")])]).expect("written");
    std::fs::write(out.join("kql/a.kql"), "edited\n").expect("edit");
    std::fs::write(out.join("notes.txt"), "mine").expect("user file");
    let now = [producer("build:kql", &[("kql/a.kql", "a\n"), ("kql/new.kql", "n\n")])];
    let comparison = compare(&out, &[], &now).expect("compared");
    assert_eq!((comparison.changed, comparison.missing, comparison.extra), (1, 1, 1));
    assert!(comparison.diff.contains("-edited\n+a\n"), "{}", comparison.diff);
    assert!(comparison.diff.contains("only in"), "{}", comparison.diff);
    assert!(!comparison.diff.contains("notes.txt"), "a file Scalpel did not write is not its business");
}

/// A streamed producer of `files`, in parallel; `go_on` is what it answers.
fn streamed_write(out: &Path, files: &[(&str, &str)], go_on: bool) -> Result<Written, Vec<Diagnostic>> {
    use rayon::prelude::*;
    let make = |sink: &Sink| {
        files.par_iter().for_each(|(path, text)| sink.put(path, text.as_bytes()));
        go_on
    };
    let streamed = Streamed { name: "events".to_string(), make: &make };
    let rules = [producer("build:sigma", &[("sigma/a.yml", "a")])];
    write_streamed(&Destination { out, inputs: &[], force: false }, &rules, Some(&streamed))
}

#[test]
fn streamed_files_are_owned_replaced_and_adopted_like_the_others() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("build");
    let files = [("events/F/a.jsonl", "1\n"), ("events/F/b.jsonl", "2\n"), ("events/manifest.json", "{}\n")];
    let first = streamed_write(&out, &files, true).expect("written");
    assert_eq!((first.files, first.unchanged, first.removed), (4, 0, 0));
    assert_eq!(read(out.join("events/F/b.jsonl")), "2\n");
    assert_eq!(manifest::read(&out).expect("readable").expect("written").producers["events"].len(), 3);
    let again = streamed_write(&out, &files, true).expect("written");
    assert_eq!((again.files, again.unchanged), (4, 4), "same bytes: adopted, not rewritten");
    let fewer = [("events/F/a.jsonl", "1b\n"), ("events/manifest.json", "{}\n")];
    let next = streamed_write(&out, &fewer, true).expect("written");
    assert_eq!((next.files, next.unchanged, next.removed), (3, 2, 1));
    assert_eq!(read(out.join("events/F/a.jsonl")), "1b\n");
    assert!(!out.join("events/F/b.jsonl").exists());
    let names: Vec<_> = std::fs::read_dir(&out).expect("listing").map(|e| e.expect("entry").file_name()).collect();
    assert_eq!(names.len(), 3, "sigma/, events/ and the manifest, no staging folder left: {names:?}");
}

#[test]
fn a_streamed_producer_that_stops_writes_nothing() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("build");
    let refused = streamed_write(&out, &[("events/a.jsonl", "1")], false).expect_err("stopped");
    assert!(refused.is_empty(), "the producer reports its own reasons");
    assert!(!out.exists(), "no folder left behind");
    std::fs::create_dir(&out).expect("dir");
    let refused = codes(streamed_write(&out, &[("../escape", "x")], true));
    assert_eq!(refused, [Code::OutWouldOverwrite], "a path outside the folder is refused");
    assert!(!tmp.path().join("escape").exists());
    assert_eq!(std::fs::read_dir(&out).expect("listing").count(), 0, "nothing written");
}
