//! UI tests: every diagnostic code has at least one bad input here, and its
//! rendered output is a reviewed snapshot in `snapshots/ui/`.
//!
//! Cases are `tests/ui/<CODE>_<what>.det`, checked together with
//! `tests/ui/_prelude.det` (so labels can point into another file). Inputs that
//! cannot be committed as text (invalid UTF-8, huge files, missing paths) are made
//! in a temporary folder.

use scalpel_compiler::diag::{render, Code};
use scalpel_compiler::events;
use scalpel_compiler::lints::Lints;
use scalpel_compiler::project;
use scalpel_driver::build;
use scalpel_driver::coverage::CoverageSettings;
use scalpel_driver::lock;
use scalpel_driver::out_dir::{self, Destination, Producer};
use scalpel_targets::templates::Templates;
use scalpel_targets::{Settings, Target};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const PRELUDE: &str = "tests/ui/_prelude.det";

/// Tuning cases: `tests/ui/tuning/<CODE>_<what>.det`, each a tuning file checked with
/// the prelude and the flow they tune (a file holds detections or exclusions, never both).
const TUNING_CASES: &str = "tests/ui/tuning";
const TUNED_FLOWS: &str = "tests/ui/tuning/_flows.det";

/// The cases made in a temporary folder by [`filesystem_cases`], in the order it runs them.
const FILESYSTEM_CASES: &[&str] = &[
    "E0001_missing_path",
    "E0002_invalid_utf8",
    "E0007_file_too_large",
    "E0009_invalid_config",
    "E0030_invalid_lint_level",
    "W0010_no_input",
    "E0405_attack_bundle",
    "E0011_too_many_rules",
    "E0505_unknown_setting",
    "E0505_splunk_field_rename",
    "E0505_schedule_line_break",
    "E0505_sigma_date",
    "E0505_tree_name_line_break",
    "E0118_rename_onto_another_field",
    "E0118_two_renames_onto_one_name",
    "E0860_unknown_scheduled_rule",
    "E0701_unknown_collected_schema",
    "E0506_template_syntax",
    "E0513_template_too_deep",
    "E0514_template_includes_itself",
    "E0012_path_outside_tree",
    "W0013_symlink_outside_tree",
    "W0014_symlink_loop",
    "W0015_fifo_skipped",
    "E0016_device_given",
    "E0016_template_is_a_fifo",
    "E0017_walk_too_deep",
    "E0018_two_trees",
    "E0800_out_is_the_tree",
    "E0800_out_inside_a_paths_folder",
    "E0800_out_holds_the_tree",
    "E0801_out_is_a_file",
    "E0802_out_holds_user_files",
    "E0803_manifest_unreadable",
    "E0804_would_overwrite_a_user_file",
    "E0805_generated_file_edited",
    "E0806_out_in_use",
    "W0807_legacy_leftovers",
    "W0808_interrupted_write_rolled_back",
];

/// The version-lock and diff cases, made in a temporary folder by [`lock_and_diff_cases`].
const LOCK_CASES: &[&str] = &[
    "W0831_stale_lock_in_check",
    "E0830_stale_lock_in_build_check",
    "E0832_invalid_lock",
    "E0833_no_lock_date",
    "E0834_lock_without_tree",
    "E0835_lock_date_too_early",
    "E0840_unknown_revision",
];

/// The tuning cases that need a tree (a tuning date), made by [`tuning_tree_cases`].
const TUNING_TREE_CASES: &[&str] = &["W1000_expired_exclusion", "E1003_tuning_date_not_a_day"];

fn tuning_case_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(TUNING_CASES)
        .unwrap()
        .filter_map(|e| e.unwrap().path().file_stem().and_then(|s| s.to_str()).map(str::to_string))
        .filter(|n| !n.starts_with('_'))
        .collect();
    names.sort();
    names
}

/// Renders every diagnostic of a run, as a user sees it (no colour), with a
/// temporary folder's path replaced by `<tmp>`. Target codes (E05xx, W05xx) come
/// from a build to every target, with `templates` (built-in ones when `None`);
/// coverage codes (E07xx) from reading the `[coverage]` settings, event codes (E06xx)
/// from generating the synthetic events; the tree's `[lints]` levels apply (E0030).
fn render_run(paths: &[PathBuf], tmp: Option<&Path>, templates: Option<&Path>) -> (String, Vec<Code>) {
    let mut compiled = project::compile(paths, &[]);
    let (lints, problems) = Lints::from_project(&compiled.project);
    problems.into_iter().for_each(|d| compiled.diags.push(d));
    if let (false, Some(program)) = (compiled.diags.has_errors(), &compiled.program) {
        let (tree, settings) = Settings::for_project(&compiled.project, program);
        match (settings, Templates::load(templates)) {
            (Ok(settings), Ok(templates)) => {
                compiled.diags.extend(build(program, &tree, &settings, Target::ALL, &templates, &|| ()).diags);
                if let Err(diag) = CoverageSettings::for_project(&compiled.project, program) {
                    compiled.diags.push(diag);
                }
                events::generate(program, events::DEFAULT_SEED).diags.into_iter().for_each(|d| compiled.diags.push(d));
            }
            (settings, templates) => {
                settings.err().into_iter().chain(templates.err()).for_each(|d| compiled.diags.push(d))
            }
        }
    }
    let diags = lints.apply(compiled.diags.into_sorted());
    let mut text: String = diags.iter().map(|d| render::human(d, &compiled.project.sources, false) + "\n").collect();
    if let Some(tmp) = tmp {
        text = text.replace(&tmp.display().to_string(), "<tmp>");
    }
    (text, diags.iter().map(|d| d.code).collect())
}

/// Renders what writing `files` (one producer, `build:sigma`) into `out` reports:
/// its errors, or the warnings of a write that succeeded. The inputs are those of
/// compiling `tree`.
fn render_write(out: &Path, tree: &Path, force: bool, tmp: &Path) -> (String, Vec<Code>) {
    let compiled = project::compile(&[tree.to_path_buf()], &[]);
    assert!(!compiled.diags.has_errors(), "{:?}", compiled.diags);
    let producers =
        [Producer { name: "build:sigma".into(), files: vec![("sigma/F/a.yml".into(), "title: a\n".into())] }];
    let destination = Destination { out, inputs: &compiled.project.inputs, force };
    let diags = match out_dir::write(&destination, &producers) {
        Ok(written) => written.warnings,
        Err(errors) => errors,
    };
    let sources = scalpel_compiler::source::SourceMap::new();
    let text: String = diags.iter().map(|d| render::human(d, &sources, false) + "\n").collect();
    let real = std::fs::canonicalize(tmp).unwrap();
    let text = text.replace(&real.display().to_string(), "<tmp>").replace(&tmp.display().to_string(), "<tmp>");
    (text, diags.iter().map(|d| d.code).collect())
}

fn snapshot(name: &str, rendered: &str) {
    insta::with_settings!({ snapshot_path => "../snapshots/ui", prepend_module_to_snapshot => false, omit_expression => true }, {
        insta::assert_snapshot!(name, rendered);
    });
}

fn expected_code(name: &str) -> Code {
    let code = name.split('_').next().unwrap_or_default();
    Code::parse(code).unwrap_or_else(|| panic!("case `{name}` must start with a diagnostic code"))
}

#[test]
fn file_cases() {
    let mut cases: Vec<PathBuf> = std::fs::read_dir("tests/ui")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "det") && !p.ends_with("_prelude.det"))
        .collect();
    cases.sort();
    assert!(!cases.is_empty());
    for case in cases {
        let name = case.file_stem().unwrap().to_str().unwrap().to_string();
        let (rendered, codes) = render_run(&[PathBuf::from(PRELUDE), case.clone()], None, None);
        let want = expected_code(&name);
        assert!(codes.contains(&want), "{name}: expected {want}, got {codes:?}\n{rendered}");
        snapshot(&name, &rendered);
    }
}

#[test]
fn tuning_cases() {
    let names = tuning_case_names();
    assert!(names.len() >= 10, "the tuning cases are missing");
    for name in names {
        let case = Path::new(TUNING_CASES).join(format!("{name}.det"));
        let paths = [PathBuf::from(PRELUDE), PathBuf::from(TUNED_FLOWS), case];
        let (rendered, codes) = render_run(&paths, None, None);
        let want = expected_code(&name);
        assert!(codes.contains(&want), "{name}: expected {want}, got {codes:?}\n{rendered}");
        snapshot(&name, &rendered);
    }
}

/// Tuning cases in a tree: expiry is judged against the tree's `[tuning] date`.
#[test]
fn tuning_tree_cases() {
    let tmp = tempfile::tempdir().unwrap();
    let mut ran = Vec::new();
    let mut case = |name: &str, config: &str, want: Code| {
        let tree = tmp.path().join(name);
        std::fs::create_dir_all(tree.join("tuning")).unwrap();
        std::fs::write(tree.join("scalpel.toml"), config).unwrap();
        std::fs::copy(PRELUDE, tree.join("schemas.det")).unwrap();
        std::fs::copy(TUNED_FLOWS, tree.join("flows.det")).unwrap();
        let exclusion = "exclude \"bench\" on UI.tamper {\n    reason \"bench sensor\"\n    owner \"biomed\"\n    \
                         expires 2026-11-30\n    where device.id == \"BENCH-01\"\n}\n";
        std::fs::write(tree.join("tuning/bench.det"), exclusion).unwrap();
        let (rendered, codes) = render_run(&[tree], Some(tmp.path()), None);
        assert!(codes.contains(&want), "{name}: expected {want}, got {codes:?}\n{rendered}");
        snapshot(name, &rendered);
        ran.push(name.to_string());
    };
    case("W1000_expired_exclusion", "name = \"t\"\n[tuning]\ndate = \"2026-12-01\"\n", Code::ExclusionExpired);
    case("E1003_tuning_date_not_a_day", "name = \"t\"\n[tuning]\ndate = \"2026-13-01\"\n", Code::InvalidExpiry);
    assert_eq!(ran, TUNING_TREE_CASES);
}

/// Sigma import cases: `tests/ui/<CODE>_<what>.yml`, imported alone; the snapshot
/// holds the diagnostics and the rule's verdict line of the report.
#[test]
fn sigma_cases() {
    use scalpel_compiler::import::sigma::{self, SigmaFile};
    let mut cases: Vec<PathBuf> = std::fs::read_dir("tests/ui")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml"))
        .collect();
    cases.sort();
    assert!(cases.len() >= 13, "the Sigma cases are missing");
    for case in cases {
        let name = case.file_stem().unwrap().to_str().unwrap().to_string();
        let text = std::fs::read_to_string(&case).unwrap();
        let imported = sigma::import(vec![SigmaFile { path: case.clone(), group: "ui".to_string(), text }]);
        let mut rendered: String =
            imported.diags.iter().map(|d| render::human(d, &imported.sources, false) + "\n").collect();
        for rule in &imported.rules {
            rendered.push_str(&format!("verdict: {:?} ({} {})\n", rule.verdict, rule.flow, rule.step));
        }
        let want = expected_code(&name);
        let codes: Vec<Code> = imported.diags.iter().map(|d| d.code).collect();
        assert!(codes.contains(&want), "{name}: expected {want}, got {codes:?}\n{rendered}");
        snapshot(&name, &rendered);
    }
}

#[cfg(unix)]
#[test]
fn filesystem_cases() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let ran = std::cell::RefCell::new(Vec::new());
    let run_with = |name: &str, paths: Vec<PathBuf>, templates: Option<&Path>, want: Code| {
        ran.borrow_mut().push(name.to_string());
        let (rendered, codes) = render_run(&paths, Some(root), templates);
        assert!(codes.contains(&want), "{name}: expected {want}, got {codes:?}\n{rendered}");
        snapshot(name, &rendered);
    };
    let run = |name: &str, paths: Vec<PathBuf>, want: Code| run_with(name, paths, None, want);

    run("E0001_missing_path", vec![root.join("nowhere")], Code::Io);

    let latin1 = root.join("latin1.det");
    std::fs::write(&latin1, b"flow \"AF\" \"caf\xe9\" {}\n").unwrap();
    run("E0002_invalid_utf8", vec![latin1], Code::InvalidUtf8);

    let huge = root.join("huge.det");
    let file = std::fs::File::create(&huge).unwrap();
    file.set_len(project::MAX_FILE_BYTES + 1).unwrap();
    run("E0007_file_too_large", vec![huge], Code::TooLarge);

    let tree = root.join("tree");
    std::fs::create_dir(&tree).unwrap();
    std::fs::write(tree.join("scalpel.toml"), "name = \"t\"\npath = [\"flows\"]\n").unwrap();
    run("E0009_invalid_config", vec![tree], Code::InvalidConfig);

    let lints_tree = root.join("lints");
    std::fs::create_dir(&lints_tree).unwrap();
    std::fs::write(lints_tree.join("scalpel.toml"), "name = \"t\"\n[lints]\nW0204 = \"alow\"\nE0102 = \"allow\"\n")
        .unwrap();
    std::fs::copy(PRELUDE, lints_tree.join("schemas.det")).unwrap();
    run("E0030_invalid_lint_level", vec![lints_tree], Code::InvalidLints);

    let empty = root.join("empty");
    std::fs::create_dir(&empty).unwrap();
    run("W0010_no_input", vec![empty], Code::NoInput);

    let bundle_tree = root.join("bundle");
    std::fs::create_dir(&bundle_tree).unwrap();
    std::fs::write(bundle_tree.join("scalpel.toml"), "name = \"t\"\nattack_bundles = [\"missing.json\"]\n").unwrap();
    std::fs::copy(PRELUDE, bundle_tree.join("schemas.det")).unwrap();
    run("E0405_attack_bundle", vec![bundle_tree], Code::AttackBundle);

    let many = root.join("many.det");
    let steps: String =
        (0..=project::MAX_RULES).map(|n| format!("step s{n} \"t\" {{ undetectable \"x\" }}\n")).collect();
    std::fs::write(&many, format!("flow \"F\" \"many\" {{\n{steps}}}\n")).unwrap();
    run("E0011_too_many_rules", vec![many], Code::TooManyRules);

    let settings_tree = root.join("settings");
    std::fs::create_dir(&settings_tree).unwrap();
    std::fs::write(settings_tree.join("scalpel.toml"), "name = \"t\"\n[targets.splunk]\nindx = \"ras\"\n").unwrap();
    std::fs::copy(PRELUDE, settings_tree.join("schemas.det")).unwrap();
    run("E0505_unknown_setting", vec![settings_tree], Code::InvalidTargetSettings);
    for (name, config) in [
        (
            "E0505_splunk_field_rename",
            "name = \"t\"\n[targets.splunk]\nfields = { \"device.id\" = \"a=1 OR 1=1 | delete | search a\" }\n",
        ),
        (
            "E0505_schedule_line_break",
            "name = \"t\"\n[targets.splunk.schedule]\ningestion_delay = \"5m\\naction.script = 1\"\n",
        ),
        ("E0505_sigma_date", "name = \"t\"\n[targets.sigma]\ndate = \"2026-02-30\"\n"),
        ("E0505_tree_name_line_break", "name = \"t\\n[evil]\"\n"),
    ] {
        let typed_tree = root.join(name);
        std::fs::create_dir(&typed_tree).unwrap();
        std::fs::write(typed_tree.join("scalpel.toml"), config).unwrap();
        std::fs::copy(PRELUDE, typed_tree.join("schemas.det")).unwrap();
        run(name, vec![typed_tree], Code::InvalidTargetSettings);
    }
    for (name, config) in [
        (
            "E0118_rename_onto_another_field",
            "name = \"t\"\n[targets.splunk]\nfields = { heart_rate = \"device.id\" }\n",
        ),
        (
            "E0118_two_renames_onto_one_name",
            "name = \"t\"\n[targets.sigma]\nfields = { \"device.id\" = \"id\", \"source.ip\" = \"id\" }\n",
        ),
    ] {
        let renamed_tree = root.join(name);
        std::fs::create_dir(&renamed_tree).unwrap();
        std::fs::write(renamed_tree.join("scalpel.toml"), config).unwrap();
        std::fs::copy(PRELUDE, renamed_tree.join("schemas.det")).unwrap();
        run(name, vec![renamed_tree], Code::FieldRenameCollision);
    }

    let schedule_tree =
        self::tree(root, "schedule", "name = \"t\"\n[targets.kql.schedule]\nrules = { \"AF-1.tamper\" = \"5m\" }\n");
    run("E0860_unknown_scheduled_rule", vec![schedule_tree], Code::UnknownScheduledRule);

    let coverage_tree = root.join("coverage");
    std::fs::create_dir(&coverage_tree).unwrap();
    std::fs::write(coverage_tree.join("scalpel.toml"), "name = \"t\"\n[coverage]\ncollected = [\"vitls\"]\n").unwrap();
    std::fs::copy(PRELUDE, coverage_tree.join("schemas.det")).unwrap();
    run("E0701_unknown_collected_schema", vec![coverage_tree], Code::InvalidCoverageSettings);

    let templates = root.join("templates");
    std::fs::create_dir(&templates).unwrap();
    std::fs::write(templates.join("savedsearches.conf.hbs"), "{{#each rules}}[{{name}}]\n").unwrap();
    run_with("E0506_template_syntax", vec![PathBuf::from(PRELUDE)], Some(&templates), Code::Template);
    let deep_templates = root.join("deep_templates");
    std::fs::create_dir(&deep_templates).unwrap();
    let nested = format!("# rules\n{}{{{{x}}}}{}", "{{#if rules}}\n".repeat(5_000), "{{/if}}".repeat(5_000));
    std::fs::write(deep_templates.join("savedsearches.conf.hbs"), nested).unwrap();
    run_with("E0513_template_too_deep", vec![PathBuf::from(PRELUDE)], Some(&deep_templates), Code::TemplateTooDeep);
    let self_templates = root.join("self_templates");
    std::fs::create_dir(&self_templates).unwrap();
    std::fs::write(self_templates.join("savedsearches.conf.hbs"), "{{#each rules}}{{> savedsearches.conf}}{{/each}}")
        .unwrap();
    run_with(
        "E0514_template_includes_itself",
        vec![PathBuf::from(PRELUDE)],
        Some(&self_templates),
        Code::TemplateInclude,
    );

    input_cases(root, &run_with);
    output_cases(root, &ran);

    assert_eq!(ran.into_inner(), FILESYSTEM_CASES, "keep FILESYSTEM_CASES in step with the cases above");
}

/// A tree at `root/name` holding the prelude's schemas; more files written by the caller.
fn tree(root: &Path, name: &str, config: &str) -> PathBuf {
    let tree = root.join(name);
    std::fs::create_dir_all(&tree).unwrap();
    std::fs::write(tree.join("scalpel.toml"), config).unwrap();
    std::fs::copy(PRELUDE, tree.join("schemas.det")).unwrap();
    tree
}

fn mkfifo(path: &Path) {
    let made = std::process::Command::new("mkfifo").arg(path).status().expect("mkfifo runs");
    assert!(made.success(), "mkfifo {}", path.display());
}

/// Runs one case: name, paths, templates folder, the code it must report.
type RunWith<'a> = &'a dyn Fn(&str, Vec<PathBuf>, Option<&Path>, Code);

/// Reading inputs: E0012 to E0018.
#[cfg(unix)]
fn input_cases(root: &Path, run_with: RunWith) {
    use std::os::unix::fs::symlink;
    let run = |name: &str, paths: Vec<PathBuf>, want: Code| run_with(name, paths, None, want);

    // The paths are refused before anything is read from them.
    let escaping = tree(root, "escaping", "name = \"t\"\npaths = [\"schemas.det\", \"..\", \"/proc/self/environ\"]\n");
    run("E0012_path_outside_tree", vec![escaping], Code::PathOutsideTree);

    std::fs::write(root.join("secret.det"), "not for this tree\n").unwrap();
    let linked = tree(root, "linked", "name = \"t\"\n");
    symlink(root.join("secret.det"), linked.join("secret.det")).unwrap();
    symlink("/dev", linked.join("devices")).unwrap();
    run("W0013_symlink_outside_tree", vec![linked], Code::SymlinkOutsideTree);

    let looped = tree(root, "looped", "name = \"t\"\n");
    std::fs::create_dir(looped.join("flows")).unwrap();
    symlink("..", looped.join("flows/again")).unwrap();
    symlink("missing.det", looped.join("flows/dangling.det")).unwrap();
    run("W0014_symlink_loop", vec![looped], Code::SymlinkLoop);

    let piped = tree(root, "piped", "name = \"t\"\n");
    mkfifo(&piped.join("x.det"));
    run("W0015_fifo_skipped", vec![piped], Code::SkippedSpecialFile);

    run("E0016_device_given", vec![PathBuf::from("/dev/null")], Code::NotRegularFile);

    let fifo_templates = root.join("fifo-templates");
    std::fs::create_dir(&fifo_templates).unwrap();
    mkfifo(&fifo_templates.join("savedsearches.conf.hbs"));
    run_with("E0016_template_is_a_fifo", vec![PathBuf::from(PRELUDE)], Some(&fifo_templates), Code::NotRegularFile);

    let deep = tree(root, "deep", "name = \"t\"\n");
    let mut folder = deep.clone();
    for level in 0..=project::MAX_WALK_DEPTH {
        folder.push(format!("d{level}"));
    }
    std::fs::create_dir_all(&folder).unwrap();
    run("E0017_walk_too_deep", vec![deep], Code::WalkTooLarge);

    let one = tree(root, "one", "name = \"one\"\n");
    let two = tree(root, "two", "name = \"two\"\n");
    run("E0018_two_trees", vec![one, two], Code::SeveralTrees);
}

/// The output folder: E0800 to W0808.
#[cfg(unix)]
fn output_cases(root: &Path, ran: &std::cell::RefCell<Vec<String>>) {
    let case = |name: &str, out: &Path, tree: &Path, force: bool, want: Code| {
        ran.borrow_mut().push(name.to_string());
        let (rendered, codes) = render_write(out, tree, force, root);
        assert!(codes.contains(&want), "{name}: expected {want}, got {codes:?}\n{rendered}");
        snapshot(name, &rendered);
    };
    let tree = tree(root, "outputs/detections", "name = \"t\"\npaths = [\"schemas.det\", \"flows\"]\n");
    std::fs::create_dir(tree.join("flows")).unwrap();
    case("E0800_out_is_the_tree", &tree, &tree, true, Code::OutOverlapsInput);
    case("E0800_out_inside_a_paths_folder", &tree.join("flows/build"), &tree, true, Code::OutOverlapsInput);
    case("E0800_out_holds_the_tree", &root.join("outputs"), &tree, true, Code::OutOverlapsInput);

    let file = root.join("outputs/rules.txt");
    std::fs::write(&file, "mine\n").unwrap();
    case("E0801_out_is_a_file", &file, &tree, true, Code::OutNotAFolder);

    let users = root.join("outputs/users");
    std::fs::create_dir_all(users.join("notes")).unwrap();
    std::fs::write(users.join("todo.txt"), "mine\n").unwrap();
    case("E0802_out_holds_user_files", &users, &tree, false, Code::OutNotOwned);

    let garbled = root.join("outputs/garbled");
    std::fs::create_dir(&garbled).unwrap();
    std::fs::write(garbled.join(out_dir::MANIFEST), "{\"format\": \"scalpel-output\", \"version\": 99}").unwrap();
    case("E0803_manifest_unreadable", &garbled, &tree, false, Code::OutManifestInvalid);

    let hand_written = root.join("outputs/hand-written");
    std::fs::create_dir_all(hand_written.join("sigma/F")).unwrap();
    std::fs::write(hand_written.join("sigma/F/a.yml"), "title: written by hand\n").unwrap();
    case("E0804_would_overwrite_a_user_file", &hand_written, &tree, true, Code::OutWouldOverwrite);

    let edited = root.join("outputs/edited");
    let (first, _) = render_write(&edited, &tree, false, root);
    assert_eq!(first, "", "the first write succeeds");
    std::fs::write(edited.join("sigma/F/a.yml"), "title: tuned by hand\n").unwrap();
    case("E0805_generated_file_edited", &edited, &tree, false, Code::OutFileEdited);

    let busy = root.join("outputs/busy");
    std::fs::create_dir(&busy).unwrap();
    let lock = std::fs::File::open(&busy).unwrap();
    lock.lock().unwrap();
    case("E0806_out_in_use", &busy, &tree, false, Code::OutInUse);
    drop(lock);

    let legacy = root.join("outputs/legacy/build");
    std::fs::create_dir_all(root.join("outputs/legacy/.scalpel-build-a1B2c3")).unwrap();
    std::fs::create_dir_all(root.join("outputs/legacy/.scalpel-old-x9Y8z7/previous")).unwrap();
    case("W0807_legacy_leftovers", &legacy, &tree, false, Code::OutLegacyLeftover);

    // What a run killed in the middle of its commit leaves: `a.yml` moved to the
    // staging folder's `old/`, its successor already in place.
    let killed = root.join("outputs/killed");
    let (first, _) = render_write(&killed, &tree, false, root);
    assert_eq!(first, "", "the first write succeeds");
    let staging = killed.join(".scalpel-staging-k1LLed");
    std::fs::create_dir_all(staging.join("old/sigma/F")).unwrap();
    std::fs::rename(killed.join("sigma/F/a.yml"), staging.join("old/sigma/F/a.yml")).unwrap();
    std::fs::write(killed.join("sigma/F/a.yml"), "title: half-built\n").unwrap();
    std::fs::write(staging.join("manifest.json"), "{}").unwrap();
    std::fs::write(
        staging.join("journal.json"),
        r#"{"ops":[{"path":"sigma/F/a.yml","kind":"replace"}],"created_folders":[]}"#,
    )
    .unwrap();
    case("W0808_interrupted_write_rolled_back", &killed, &tree, false, Code::OutRecovered);
    assert_eq!(std::fs::read_to_string(killed.join("sigma/F/a.yml")).unwrap(), "title: a\n");
    assert!(!staging.exists());
}

/// Every code has a case; a code without one fails here until a case is added.
#[test]
fn every_code_has_a_ui_test() {
    let mut covered: BTreeSet<String> = std::fs::read_dir("tests/ui")
        .unwrap()
        .filter_map(|e| e.unwrap().file_name().to_str().map(|n| n.split('_').next().unwrap_or_default().to_string()))
        .collect();
    covered.extend(FILESYSTEM_CASES.iter().map(|name| name.split('_').next().unwrap_or_default().to_string()));
    covered.extend(LOCK_CASES.iter().map(|name| name.split('_').next().unwrap_or_default().to_string()));
    covered.extend(
        tuning_case_names()
            .into_iter()
            .chain(TUNING_TREE_CASES.iter().map(|n| n.to_string()))
            .map(|name| name.split('_').next().unwrap_or_default().to_string()),
    );
    let missing: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).filter(|c| !covered.contains(*c)).collect();
    assert!(missing.is_empty(), "codes without a UI test: {missing:?}");
}

/// A snapshot whose case was deleted is an orphan; keep the folder in sync.
#[test]
fn no_orphan_ui_snapshots() {
    let cases: BTreeSet<String> = std::fs::read_dir("tests/ui")
        .unwrap()
        .filter_map(|e| e.unwrap().path().file_stem().and_then(|s| s.to_str()).map(str::to_string))
        .chain(FILESYSTEM_CASES.iter().chain(LOCK_CASES).chain(TUNING_TREE_CASES).map(|name| name.to_string()))
        .chain(tuning_case_names())
        .collect();
    for entry in std::fs::read_dir("snapshots/ui").into_iter().flatten() {
        let name = entry.unwrap().file_name().to_str().unwrap().to_string();
        let stem = name.trim_end_matches(".new").trim_end_matches(".snap");
        assert!(cases.contains(stem), "orphan snapshot snapshots/ui/{name}");
    }
}

/// A tree with one step `s` (`detect`) over the prelude's schemas, in `root/name`.
fn lock_tree(root: &Path, name: &str, detect: &str) -> PathBuf {
    let tree = root.join(name);
    std::fs::create_dir_all(&tree).unwrap();
    std::fs::write(tree.join("scalpel.toml"), "name = \"t\"\n").unwrap();
    std::fs::copy(PRELUDE, tree.join("schemas.det")).unwrap();
    let flow = format!(
        "flow \"UI\" \"Lock\" {{\n    category \"ui\"\n    origin theoretical\n    step s \"Spoofed reading\" {{\n        technique T1565.002\n        source vitals\n        detect {detect}\n    }}\n}}\n"
    );
    std::fs::write(tree.join("flow.det"), flow).unwrap();
    tree
}

/// `scalpel lock` on `tree` with a date; the diagnostics it gave, if any.
fn lock_tree_on(tree: &Path, date: Option<&str>) -> (project::Compiled, Vec<scalpel_compiler::diag::Diagnostic>) {
    let mut compiled = project::compile(&[tree.to_path_buf()], &[]);
    let program = compiled.program.take().unwrap();
    let (name, settings) = Settings::for_project(&compiled.project, &program);
    let result =
        lock::update(&mut compiled.project, &program, &name, &settings.unwrap(), &|| lock::lock_date(date, None));
    (compiled, result.err().unwrap_or_default())
}

#[test]
fn lock_and_diff_cases() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let ran = std::cell::RefCell::new(Vec::new());
    let show =
        |name: &str, sources: &scalpel_compiler::source::SourceMap, diags: &[scalpel_compiler::diag::Diagnostic]| {
            ran.borrow_mut().push(name.to_string());
            let want = expected_code(name);
            assert!(diags.iter().any(|d| d.code == want), "{name}: expected {want}, got {diags:?}");
            let text: String = diags.iter().map(|d| render::human(d, sources, false) + "\n").collect();
            snapshot(name, &text.replace(&root.display().to_string(), "<tmp>"));
        };

    let tree = lock_tree(root, "stale", "heart_rate > 300");
    assert!(lock_tree_on(&tree, Some("2026-01-01")).1.is_empty());
    lock_tree(root, "stale", "heart_rate >= 300");
    let mut compiled = project::compile(std::slice::from_ref(&tree), &[]);
    let program = compiled.program.take().unwrap();
    let diags = lock::check(&mut compiled.project, &program, "t");
    show("W0831_stale_lock_in_check", &compiled.project.sources, &diags);

    let (_, settings) = Settings::for_project(&compiled.project, &program);
    let templates = Templates::load(None).unwrap();
    let options = lock::Options { targets: Target::ALL, compare_emitted: Target::ALL, severity: lock::Severity::Deny };
    let built = lock::build(&mut compiled.project, &program, "t", &settings.unwrap(), &templates, &options, &|| ());
    let errors: Vec<_> = built.output.diags.into_sorted().into_iter().filter(|d| d.code == Code::StaleLock).collect();
    show("E0830_stale_lock_in_build_check", &compiled.project.sources, &errors);

    let broken = lock_tree(root, "broken", "heart_rate > 300");
    std::fs::write(
        broken.join(lock::LOCK_FILE),
        "{\n  \"scalpel_lock\": 1,\n  \"tree\": \"t\",\n  \"rules\": {\n    \"UI/s\": {\"kind\": \"step\"\n  }\n}\n",
    )
    .unwrap();
    let mut compiled = project::compile(&[broken], &[]);
    let program = compiled.program.take().unwrap();
    let diags = lock::check(&mut compiled.project, &program, "t");
    show("E0832_invalid_lock", &compiled.project.sources, &diags);

    let undated = lock_tree(root, "undated", "heart_rate > 300");
    let (compiled, diags) = lock_tree_on(&undated, None);
    show("E0833_no_lock_date", &compiled.project.sources, &diags);

    let mut compiled =
        project::compile(&[PathBuf::from(PRELUDE), PathBuf::from("tests/ui/W0204_out_of_range.det")], &[]);
    let program = compiled.program.take().unwrap();
    let result = lock::update(&mut compiled.project, &program, "t", &Settings::default(), &|| {
        lock::lock_date(Some("2026-01-01"), None)
    });
    show("E0834_lock_without_tree", &compiled.project.sources, &result.err().unwrap_or_default());

    let early = lock_tree(root, "early", "heart_rate > 300");
    assert!(lock_tree_on(&early, Some("2026-03-14")).1.is_empty());
    lock_tree(root, "early", "heart_rate > 290");
    let (compiled, diags) = lock_tree_on(&early, Some("2026-01-01"));
    show("E0835_lock_date_too_early", &compiled.project.sources, &diags);

    let err = scalpel_driver::diff::git::checkout("no-such-revision", Path::new("tests/ui")).err();
    show("E0840_unknown_revision", &Default::default(), &err.into_iter().collect::<Vec<_>>());

    assert_eq!(ran.into_inner(), LOCK_CASES, "keep LOCK_CASES in step with the cases above");
}
