//! Hostile strings in every metadata position, through every artifact.
//!
//! Each value (quotes, backslashes, line breaks, CR, NUL, bidirectional controls,
//! `|`, `]`, `{{`, YAML indicators, `</script>`, very long text, and strings a
//! property test draws from those) is put in one position of a small tree (titles,
//! descriptions, false positives, references, categories, enum values, schema and
//! field descriptions, settings, the tree name), and the tree is built, its events
//! and coverage written, tested (JUnit) and checked (SARIF). Either Scalpel refuses
//! it with a coded diagnostic (exit 1, never a crash), or every artifact parses
//! with a parser of its format (`readback`: serde_norway for YAML, serde_json for
//! JSON and NDJSON, `splunk::conf::read` for `.conf`, roxmltree for HTML, JUnit and
//! SVG, a table-structure check for Markdown) and every artifact that carries the
//! position (found with a marker value first) holds the value unchanged.
#![cfg(unix)]

// Shared with the `pipeline` fuzz target; `skeleton` is the fuzzer's alone.
#[allow(dead_code)]
mod readback;

use proptest::prelude::*;
use readback::det_literal;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// Where a value goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Position {
    FlowTitle,
    FlowDescription,
    Category,
    FlowReference,
    StepTitle,
    StepDescription,
    FalsePositive,
    StepReference,
    EnumValue,
    SchemaDescription,
    FieldDescription,
    Undetectable,
    SigmaAuthor,
    ElasticAuthor,
    TreeName,
}

const POSITIONS: &[Position] = &[
    Position::FlowTitle,
    Position::FlowDescription,
    Position::Category,
    Position::FlowReference,
    Position::StepTitle,
    Position::StepDescription,
    Position::FalsePositive,
    Position::StepReference,
    Position::EnumValue,
    Position::SchemaDescription,
    Position::FieldDescription,
    Position::Undetectable,
    Position::SigmaAuthor,
    Position::ElasticAuthor,
    Position::TreeName,
];

/// The fixed hostile values; the property test adds drawn ones.
fn hostile_values() -> Vec<String> {
    let mut values: Vec<String> = [
        "quote \" inside",
        "single ' quote",
        "back\\slash",
        "ends in a backslash\\",
        "line\nbreak",
        " x\nyes",
        "carriage\rreturn",
        "crlf\r\nline",
        "nul\0byte",
        "bidi \u{202e}evil\u{202c} text",
        "pipe | search delete",
        "bracket ] and [stanza]",
        "{{tree}} {{#each rules}}",
        "- dash: colon # hash",
        "? key & *alias ! tag % @ `",
        "yes",
        "off",
        "1:20",
        "</script><script>alert(1)</script>",
        "<!-- comment --> &amp; &lt;",
        "tab\there",
        "line\u{2028}separator\u{85}nel",
        "\u{feff}bom",
        "  leading and trailing  ",
        "emoji 🩺 and ünïcödé",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    values.push(format!("long {}", "abc\\\"|]{ ".repeat(2_000)));
    values
}

fn toml_literal(value: &str) -> String {
    toml::Value::String(value.to_string()).to_string()
}

/// A tree with `value` at `position` and a marker elsewhere; returns its folder.
fn write_tree(root: &Path, position: Position, value: &str) -> std::path::PathBuf {
    let at = |p: Position, marker: &str| if p == position { value.to_string() } else { marker.to_string() };
    let lit = |p: Position, marker: &str| det_literal(&at(p, marker));
    let tree = root.join("tree");
    std::fs::create_dir_all(&tree).expect("tree");
    let config = format!(
        "name = {}\n[targets.sigma]\nauthor = {}\n[targets.elastic]\nauthor = {}\n",
        toml_literal(&at(Position::TreeName, "MarkerTreeName")),
        toml_literal(&at(Position::SigmaAuthor, "MarkerSigmaAuthor")),
        toml_literal(&at(Position::ElasticAuthor, "MarkerElasticAuthor")),
    );
    std::fs::write(tree.join("scalpel.toml"), config).expect("config");
    let schemas = format!(
        "schema vitals {} {{\n    time timestamp event_time {}\n    device.id string\n    kind enum(ecg, {})\n}}\n",
        lit(Position::SchemaDescription, "MarkerSchemaDescription"),
        lit(Position::FieldDescription, "MarkerFieldDescription"),
        lit(Position::EnumValue, "MarkerEnumValue"),
    );
    std::fs::write(tree.join("schemas.det"), schemas).expect("schemas");
    let flow = format!(
        "flow \"AF-1\" {} {{\n    category {}\n    origin theoretical\n    description {}\n    reference {}\n\
         step a {} {{\n        technique T1565.002\n        source vitals\n        severity high\n        description {}\n        falsepositive {}\n        reference {}\n        detect kind == {}\n    }}\n\
         step b \"offline\" {{\n        technique T1078\n        undetectable {}\n    }}\n}}\n",
        lit(Position::FlowTitle, "MarkerFlowTitle"),
        lit(Position::Category, "MarkerCategory"),
        lit(Position::FlowDescription, "MarkerFlowDescription"),
        lit(Position::FlowReference, "https://example.org/MarkerFlowReference"),
        lit(Position::StepTitle, "MarkerStepTitle"),
        lit(Position::StepDescription, "MarkerStepDescription"),
        lit(Position::FalsePositive, "MarkerFalsePositive"),
        lit(Position::StepReference, "https://example.org/MarkerStepReference"),
        lit(Position::EnumValue, "MarkerEnumValue"),
        lit(Position::Undetectable, "MarkerUndetectable"),
    );
    std::fs::write(tree.join("flow.det"), flow).expect("flow");
    tree
}

fn marker(position: Position) -> String {
    match position {
        Position::FlowReference => "https://example.org/MarkerFlowReference".into(),
        Position::StepReference => "https://example.org/MarkerStepReference".into(),
        other => format!("Marker{other:?}"),
    }
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn scalpel(args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_scalpel")).args(args).env("NO_COLOR", "1").output().expect("runs");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Every file below `dir`, by path relative to it.
fn files(dir: &Path) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).expect("listing") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(text) = std::fs::read_to_string(&path) {
                let relative = path.strip_prefix(dir).expect("inside").to_string_lossy().into_owned();
                if !relative.starts_with(".scalpel") {
                    found.insert(relative, text);
                }
            }
        }
    }
    found
}

/// What one tree produced: its files (build, then coverage under `coverage/`) and
/// the JUnit and SARIF reports; `Err` with the codes when it was refused.
fn produce(position: Position, value: &str) -> Result<BTreeMap<String, String>, String> {
    let tmp = tempfile::tempdir().expect("tmp");
    let tree = write_tree(tmp.path(), position, value);
    let tree_arg = tree.to_str().expect("utf-8");
    let (out, cov) = (tmp.path().join("out"), tmp.path().join("cov"));
    let build = scalpel(&["build", tree_arg, "--out", out.to_str().expect("utf-8")]);
    if build.code != Some(0) {
        assert_eq!(
            build.code,
            Some(1),
            "{position:?} {}: a refusal is exit 1, not a crash: {}",
            short(value),
            build.stderr
        );
        let codes: Vec<&str> =
            build.stderr.match_indices("error[E").map(|(i, _)| &build.stderr[i + 6..i + 11]).collect();
        assert!(!codes.is_empty(), "{position:?} {}: refused without a code: {}", short(value), build.stderr);
        return Err(codes.join(","));
    }
    let coverage = scalpel(&["coverage", tree_arg, "--out", cov.to_str().expect("utf-8")]);
    assert_eq!(coverage.code, Some(0), "{position:?} {}: {}", short(value), coverage.stderr);
    // Synthetic events come from `scalpel events`, apart from the build.
    let events_out = tmp.path().join("events");
    let events = scalpel(&["events", tree_arg, "--out", events_out.to_str().expect("utf-8")]);
    assert_eq!(events.code, Some(0), "{position:?} {}: {}", short(value), events.stderr);
    let mut all = files(&out);
    all.extend(files(&cov).into_iter().map(|(p, t)| (format!("coverage/{p}"), t)));
    all.extend(files(&events_out).into_iter().map(|(p, t)| (format!("events/{p}"), t)));
    // JUnit and SARIF hold ids and diagnostics, not metadata: two positions suffice.
    if !matches!(position, Position::StepTitle | Position::EnumValue) {
        return Ok(all);
    }
    let junit = scalpel(&["test", tree_arg, "--format", "junit"]);
    assert_eq!(junit.code, Some(0), "{position:?} {}: {}", short(value), junit.stderr);
    all.insert("test.junit.xml".into(), junit.stdout);
    let sarif = scalpel(&["check", tree_arg, "--message-format", "sarif"]);
    all.insert("check.sarif".into(), if sarif.code == Some(2) { String::new() } else { sarif.stdout });
    Ok(all)
}

/// For each position, the artifacts that show its marker.
fn carriers() -> BTreeMap<Position, Vec<String>> {
    let files = produce(Position::TreeName, "MarkerTreeName").expect("the marker tree builds");
    POSITIONS
        .iter()
        .map(|&p| {
            let mark = marker(p);
            let carrying: Vec<String> = files
                .iter()
                .filter(|(path, text)| text.contains(&mark) && carries_as_data(p, path))
                .map(|(path, _)| path.clone())
                .collect();
            (p, carrying)
        })
        .collect()
}

/// Whether `path` holds the value of `position` as data, so that parsing it gives
/// the value back. Queries hold an enum value as a literal of their language
/// (escaped by the target's escape function, whose own property tests and the
/// conformance engines read it back), so for enum values only the synthetic events
/// count; Markdown is only checked for its table structure.
fn carries_as_data(position: Position, path: &str) -> bool {
    if path.ends_with(".md") {
        return false;
    }
    position != Position::EnumValue || path.starts_with("events/")
}

fn short(value: &str) -> String {
    let cut: String = value.chars().take(60).collect();
    format!("{cut:?}{}", if cut.len() < value.len() { "…" } else { "" })
}

#[derive(Default)]
struct Tally {
    accepted: usize,
    refused: BTreeMap<String, usize>,
    artifacts_parsed: usize,
    values_found: usize,
}

/// One value at one position: refused with a code, or every artifact parses and
/// every carrier holds it.
fn check(position: Position, value: &str, carriers: &BTreeMap<Position, Vec<String>>, tally: &mut Tally) {
    let files = match produce(position, value) {
        Ok(files) => files,
        Err(codes) => {
            *tally.refused.entry(codes).or_default() += 1;
            return;
        }
    };
    tally.accepted += 1;
    for (path, text) in &files {
        if path == "check.sarif" && text.is_empty() {
            continue;
        }
        let strings = readback::strings(path, text)
            .unwrap_or_else(|e| panic!("{position:?} {}: {path} does not parse: {e}", short(value)));
        tally.artifacts_parsed += 1;
        if carriers[&position].contains(path) && !value.trim().is_empty() {
            assert!(
                readback::holds(path, &strings, value),
                "{position:?}: {path} does not hold {} unchanged",
                short(value)
            );
            tally.values_found += 1;
        }
    }
}

#[test]
fn hostile_values_in_every_position_round_trip_or_are_refused_with_a_code() {
    let carriers = carriers();
    // A position no artifact shows is safe by construction; most must show somewhere,
    // or the test would prove little.
    let unseen: Vec<&Position> = carriers.iter().filter(|(_, c)| c.is_empty()).map(|(p, _)| p).collect();
    assert!(unseen.len() <= 3, "positions that reach no artifact: {unseen:?}");
    let mut tally = Tally::default();
    let values = hostile_values();
    for &position in POSITIONS {
        for value in &values {
            check(position, value, &carriers, &mut tally);
        }
    }
    let formats: std::collections::BTreeSet<&str> =
        carriers.values().flatten().filter_map(|p| p.rsplit('.').next()).collect();
    let carried: usize = carriers.values().map(Vec::len).sum();
    println!(
        "{} values x {} positions ({carried} position-artifact pairs; no artifact shows {unseen:?}): {} accepted ({} artifacts parsed, {} values found unchanged), refused: {:?}; formats carrying values: {formats:?}",
        values.len(),
        POSITIONS.len(),
        tally.accepted,
        tally.artifacts_parsed,
        tally.values_found,
        tally.refused
    );
    assert!(
        tally.accepted > tally.refused.values().sum::<usize>(),
        "most hostile values are written safely, not refused"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Drawn strings over the hostile alphabet, in a drawn position.
    #[test]
    fn drawn_hostile_values_round_trip_or_are_refused(
        value in "([a-z ]|[\"'\\\\\\n\\r\\t\\x00|\\]\\[{}#:&*!%@`<>/\u{202e}\u{2028}\u{85}]|yes|off|\\{\\{|</script>){1,16}",
        index in 0..POSITIONS.len(),
    ) {
        static CARRIERS: std::sync::OnceLock<BTreeMap<Position, Vec<String>>> = std::sync::OnceLock::new();
        let carriers = CARRIERS.get_or_init(carriers);
        check(POSITIONS[index], &value, carriers, &mut Tally::default());
    }
}
