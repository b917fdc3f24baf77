//! The formatter's promises: the AST is unchanged, every comment is kept, a second
//! run changes nothing. Checked on every `.det` file of the repository and on
//! generated sources; the layout itself on small cases.

use super::format;
use crate::source::FileId;
use proptest::prelude::*;
use std::path::{Path, PathBuf};

fn fmt(text: &str) -> String {
    match format(FileId(0), text) {
        Ok(out) => out,
        Err(diags) => panic!("does not format: {diags:?}\n{text}"),
    }
}

/// The AST as JSON with every span blanked: what must not change.
fn shape(text: &str) -> serde_json::Value {
    let (ast, diags) = crate::syntax::parse(FileId(0), text);
    assert!(!diags.has_errors(), "does not parse: {diags:?}\n{text}");
    let mut value = serde_json::to_value(&ast).expect("the AST serialises");
    blank_spans(&mut value);
    value
}

fn blank_spans(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::String(s) if is_span(s) => s.clear(),
        Value::Array(items) => items.iter_mut().for_each(blank_spans),
        Value::Object(map) => map.values_mut().for_each(blank_spans),
        _ => {}
    }
}

fn is_span(text: &str) -> bool {
    text.split_once("..")
        .is_some_and(|(lo, hi)| [lo, hi].iter().all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())))
}

fn comments(text: &str) -> Vec<String> {
    let lexed = super::lex::lex(text).expect("parses");
    lexed.comments.iter().map(|&(lo, hi)| super::comment_text(&text[lo..hi]).to_string()).collect()
}

/// The three promises for one source.
fn check_promises(text: &str) {
    let once = fmt(text);
    assert_eq!(shape(&once), shape(text), "the AST changed:\n{text}\n---\n{once}");
    assert_eq!(comments(&once), comments(text), "comments changed:\n{text}\n---\n{once}");
    let twice = fmt(&once);
    assert_eq!(twice, once, "not idempotent:\n{text}\n--- once\n{once}\n--- twice\n{twice}");
}

fn det_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).expect("readable").map(|e| e.expect("entry").path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            det_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "det") {
            out.push(path);
        }
    }
}

#[test]
fn every_det_file_of_the_repository_keeps_its_promises() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    for dir in ["detections", "tests/ui", "tests/data", "benches"] {
        if root.join(dir).is_dir() {
            det_files(&root.join(dir), &mut files);
        }
    }
    assert!(files.len() > 100, "expected the shipped tree and the UI cases, found {}", files.len());
    let mut formatted = 0;
    for path in &files {
        let text = std::fs::read_to_string(path).expect("utf-8");
        // UI cases with syntax errors are refused, as they should be.
        if crate::syntax::parse(FileId(0), &text).1.has_errors() {
            assert!(format(FileId(0), &text).is_err(), "{} formatted despite errors", path.display());
            continue;
        }
        check_promises(&text);
        formatted += 1;
    }
    assert!(formatted > 90, "only {formatted} files formatted");
}

#[test]
fn a_flow_in_the_canonical_layout() {
    let source = r#"// header

flow   "AF-1"   "T" {
  category "C"    origin realized
  step a "A" { technique T1, T2 source s severity high
    detect x == 1 and (y != "z" or not w exists)   // why
  }
  step b "B" { technique none "no technique"  undetectable "off the network" }
  sequence ab "A then B" within 5m by host.name { each a by k -> threshold b }
}
"#;
    let expected = r#"// header

flow "AF-1" "T" {
    category "C"
    origin realized

    step a "A" {
        technique T1, T2
        source s
        severity high
        detect x == 1 and (y != "z" or not w exists) // why
    }

    step b "B" {
        technique none "no technique"
        undetectable "off the network"
    }

    sequence ab "A then B" within 5m by host.name {
        each a by k -> threshold b
    }
}
"#;
    assert_eq!(fmt(source), expected);
    check_promises(source);
}

#[test]
fn schema_columns_are_aligned_and_descriptions_after_long_enums_go_below() {
    let source = r#"schema s "S" {
t timestamp event_time "when"
device.id string "the device"
a.field.name.longer.than.the.column string "keeps its description in the column"
rate int unit "bpm" range 0..350
kind enum(a, "b c",d, e, f, g, h, i, j, k, l, m, n, o, p, q, r, s, t, u, v, w, x, y, z) "a kind"
}
"#;
    let expected = r#"schema s "S" {
    t         timestamp event_time "when"
    device.id string               "the device"
    a.field.name.longer.than.the.column string "keeps its description in the column"
    rate      int unit "bpm" range 0..350
    kind      enum(a, "b c", d, e, f, g, h, i, j, k, l, m, n, o, p, q, r, s, t, u, v, w, x, y, z)
                                   "a kind"
}
"#;
    assert_eq!(fmt(source), expected);
    check_promises(source);
}

#[test]
fn long_conditions_break_one_operand_per_line() {
    let long = "a.very.long.field.name == \"a long enough value\"";
    let source = format!(
        "flow \"F\" \"T\" {{ step s \"S\" {{ source x detect {long} or {long} and (b == 1 or c in [\"one value\", \"two values\", \"three values\", \"four values\", \"five\"]) }} }}"
    );
    let out = fmt(&source);
    let expected = format!(
        r#"flow "F" "T" {{
    step s "S" {{
        source x
        detect {long}
            or (
                {long}
                and (
                    b == 1
                    or c in ["one value", "two values", "three values", "four values", "five"]
                )
            )
    }}
}}
"#
    );
    assert_eq!(out, expected);
    check_promises(&source);
    assert!(out.lines().all(|l| l.len() <= super::WIDTH), "{out}");
}

#[test]
fn long_lists_fill_lines_of_their_own() {
    let values: Vec<String> = (0..16).map(|i| format!("\"value-{i}\"")).collect();
    let source = format!("flow \"F\" \"T\" {{ step s \"S\" {{ source x detect f not in [{}] }} }}", values.join(","));
    let out = fmt(&source);
    let expected = r#"        detect f not in [
                "value-0", "value-1", "value-2", "value-3", "value-4", "value-5", "value-6",
                "value-7", "value-8", "value-9", "value-10", "value-11", "value-12", "value-13",
                "value-14", "value-15",
            ]
"#;
    assert!(out.contains(expected), "{out}");
    assert!(out.lines().all(|l| l.len() <= super::WIDTH), "{out}");
    check_promises(&source);
}

#[test]
fn comments_between_operands_stay_next_to_them() {
    let source =
        "flow \"F\" \"T\" {\n step s \"S\" {\n source x\n detect a == 1 // first\n or b == 2 /* second */\n }\n}\n";
    let out = fmt(source);
    assert!(out.contains("        detect a == 1 // first\n            or b == 2 /* second */\n"), "{out}");
    check_promises(source);
}

#[test]
fn comments_inside_a_line_move_above_it() {
    let source = "flow \"F\" /* id */ \"T\" {\n  origin /* o */ realized\n}\n";
    let out = fmt(source);
    assert_eq!(out, "/* id */\nflow \"F\" \"T\" {\n    /* o */\n    origin realized\n}\n");
    check_promises(source);
}

#[test]
fn comments_at_the_end_of_blocks_and_files_are_kept() {
    let source = "schema s {\n  a string\n  // last field\n}\n\n\n// the end\n";
    assert_eq!(fmt(source), "schema s {\n    a string\n    // last field\n}\n\n// the end\n");
    check_promises(source);
}

#[test]
fn long_sequences_break_one_member_per_line() {
    let ids: Vec<String> = (0..8).map(|i| format!("step_number_{i} by some.key")).collect();
    let source = format!("flow \"F\" \"T\" {{ sequence q \"Q\" within 1h {{ {} }} }}", ids.join(" -> "));
    let out = fmt(&source);
    assert!(out.contains("        step_number_0 by some.key\n        -> step_number_1 by some.key\n"), "{out}");
    check_promises(&source);
}

#[test]
fn long_not_chains_neither_recurse_nor_change() {
    let chain =
        |n: usize| format!("flow \"F\" \"T\" {{ step s \"S\" {{ source x detect {}a exists }} }}", "not ".repeat(n));
    check_promises(&chain(100));
    // Deeper than the language allows: refused with E0006 before anything recurses.
    let refused = format(FileId(0), &chain(20_000)).expect_err("too deep to format");
    assert!(refused.iter().any(|d| d.code == crate::diag::Code::TooDeep), "{refused:?}");
}

#[test]
fn files_with_syntax_errors_are_refused() {
    assert!(format(FileId(0), "flow \"F\" {").is_err());
    assert!(format(FileId(0), "flow \"F\" \"T\" { step s \"S\" { detect a == \"\\q\" } }").is_err());
}

#[test]
fn an_empty_file_stays_empty() {
    assert_eq!(fmt(""), "");
    assert_eq!(fmt("  \n\n"), "");
    assert_eq!(fmt("// only\n"), "// only\n");
}

// ---------------------------------------------------------------- generated sources

/// A separator between two tokens: blanks, line breaks and comments.
fn separator() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        6 => Just(" "),
        2 => Just("\n"),
        1 => Just("\n\n  "),
        1 => Just(" /* c */ "),
        1 => Just(" // line c\n"),
        1 => Just("\t/* two\n lines */\n"),
    ]
}

fn field_name() -> impl Strategy<Value = String> {
    prop_oneof![Just("a".to_string()), Just("b.c".to_string()), Just("device.long_name.id".to_string())]
}

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("1".to_string()),
        Just("-2.5".to_string()),
        Just("\"x // not a comment\"".to_string()),
        Just("true".to_string()),
        Just("10.0.0.1".to_string()),
        Just("word".to_string()),
    ]
}

fn predicate() -> impl Strategy<Value = Vec<String>> {
    let list = prop::collection::vec(value(), 0..14).prop_map(|vs| {
        let mut out = vec!["[".to_string()];
        for (i, v) in vs.into_iter().enumerate() {
            if i > 0 {
                out.push(",".to_string());
            }
            out.push(v);
        }
        out.push("]".to_string());
        out
    });
    (field_name(), any::<bool>(), 0..8u8, value(), list).prop_map(|(field, cased, op, value, list)| {
        let mut out = vec![field];
        if cased {
            out.push("cased".to_string());
        }
        match op {
            0 => out.extend(["==".to_string(), value]),
            1 => out.extend([">=".to_string(), value]),
            2 => {
                out.push("in".to_string());
                out.extend(list);
            }
            3 => {
                out.extend(["not".to_string(), "in".to_string()]);
                out.extend(list);
            }
            4 => out.extend(["contains".to_string(), "all".to_string()].into_iter().chain(list)),
            5 => out.extend(["in".to_string(), "cidr".to_string(), "\"10.0.0.0/8\"".to_string()]),
            6 => out.extend(["matches".to_string(), "/a\\/b//i".replace("//", "/")]),
            _ => out.push("exists".to_string()),
        }
        out
    })
}

fn condition() -> impl Strategy<Value = Vec<String>> {
    predicate().prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            (inner.clone(), prop::collection::vec((any::<bool>(), inner.clone()), 1..5)).prop_map(|(first, rest)| {
                let mut out = first;
                for (or, operand) in rest {
                    out.push(if or { "or" } else { "and" }.to_string());
                    out.extend(operand);
                }
                out
            }),
            inner.clone().prop_map(|e| {
                let mut out = vec!["(".to_string()];
                out.extend(e);
                out.push(")".to_string());
                out
            }),
            inner.prop_map(|e| {
                let mut out = vec!["not".to_string()];
                out.extend(e);
                out
            }),
        ]
    })
}

fn step(id: usize) -> impl Strategy<Value = Vec<String>> {
    (condition(), any::<bool>(), any::<bool>()).prop_map(move |(condition, threshold, none)| {
        let mut out: Vec<String> =
            ["step", &format!("s{id}"), "\"title\"", "{"].iter().map(|s| s.to_string()).collect();
        if none {
            out.extend(["technique", "none", "\"no fit\""].map(String::from));
        } else {
            out.extend(["technique", "T1", ",", "T0832"].map(String::from));
        }
        out.extend(["source", "x", "detect"].map(String::from));
        out.extend(condition);
        if threshold {
            out.extend(
                ["threshold", "distinct", "a", ">=", "5", "within", "10m", "by", "b.c", ",", "a"].map(String::from),
            );
        }
        out.push("}".to_string());
        out
    })
}

fn source() -> impl Strategy<Value = Vec<String>> {
    (prop::collection::vec(step(0), 1..2), prop::collection::vec(step(1), 0..2), any::<bool>()).prop_map(
        |(first, second, sequence)| {
            let mut out: Vec<String> = [
                "schema",
                "x",
                "{",
                "a",
                "int",
                "range",
                "0",
                "..",
                "10",
                "\"the a\"",
                "b.c",
                "enum",
                "(",
                "p",
                ",",
                "\"q\"",
                ")",
                "event_time",
                "}",
            ]
            .map(String::from)
            .to_vec();
            out.extend(["flow", "\"F\"", "\"T\"", "{", "origin", "realized"].map(String::from));
            for s in first.into_iter().chain(second) {
                out.extend(s);
            }
            if sequence {
                out.extend(
                    [
                        "sequence",
                        "q",
                        "\"Q\"",
                        "within",
                        "1h",
                        "by",
                        "a",
                        "{",
                        "each",
                        "s0",
                        "by",
                        "b.c",
                        "->",
                        "threshold",
                        "s0",
                        "}",
                    ]
                    .map(String::from),
                );
            }
            out.push("}".to_string());
            out
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn generated_sources_keep_the_promises(
        tokens in source(),
        separators in prop::collection::vec(separator(), 400),
    ) {
        let mut text = String::new();
        for (i, token) in tokens.iter().enumerate() {
            text.push_str(token);
            text.push_str(separators[i % separators.len()]);
        }
        check_promises(&text);
    }
}
