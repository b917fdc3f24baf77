//! Grammar tests: AST snapshots of every construct, and inputs that must be
//! rejected with a clear error rather than a panic.

use super::{parse, MAX_NESTING};
use crate::diag::{Code, Diagnostics};
use crate::source::FileId;

fn ast_json(text: &str) -> String {
    let (ast, diags) = parse(FileId(0), text);
    assert!(diags.is_empty(), "unexpected diagnostics: {:?}", diags.into_sorted());
    serde_json::to_string_pretty(&ast).unwrap()
}

fn codes(text: &str) -> Vec<Code> {
    let (_, diags): (_, Diagnostics) = parse(FileId(0), text);
    diags.into_sorted().into_iter().map(|d| d.code).collect()
}

macro_rules! snapshot {
    ($name:expr, $text:expr) => {
        insta::with_settings!({ snapshot_path => "../../../snapshots/syntax", prepend_module_to_snapshot => false, description => $text }, {
            insta::assert_snapshot!($name, ast_json($text));
        });
    };
}

const FLOW: &str = r#"flow "AF2-10" "Modify bio-sensor data" {
    category "Attacks on Sensor Readings"
    origin theoretical
    reference "https://example.org"
    step flood "Burst" {
        technique T0814, T1565.002
        source biosensor
        severity high
        falsepositive "calibration"
        detect signature.valid == false
        threshold distinct source.ip >= 5 within 1m by device.id, sensor.kind
    }
    step skip "Phone" {
        technique T1566
        undetectable "personal phone"
    }
    sequence s "Flood then tamper" within 30m by device.id { flood -> tamper by sensor.id }
}"#;

#[test]
fn schema_declaration() {
    snapshot!(
        "schema",
        r#"schema biosensor "Bio-sensors" {
    time timestamp event_time "when"
    heart_rate int unit "bpm" range 0..350 "beats"
    spo2 float range -1.5..100
    kind enum(ecg, "blood pressure",)
    source.ip ip
}"#
    );
}

#[test]
fn schema_typical_spans_and_orders() {
    // `order` starts a relation only when a field name and `<`/`<=` follow: fields
    // named `order` and `order.id` stay fields.
    snapshot!(
        "schema_relations",
        r#"schema vitals {
    time timestamp event_time
    bp.systolic int range 0..300 typical 100..140 "systolic"
    bp.diastolic int typical 60..90
    order int
    order.id string
    order bp.diastolic < bp.mean <= bp.systolic
}"#
    );
}

#[test]
fn flow_with_steps_thresholds_and_sequences() {
    snapshot!("flow", FLOW);
}

#[test]
fn operators_and_precedence() {
    snapshot!(
        "operators",
        r#"flow "F" "t" { step s "t" { detect
    not a == 1 or b != 2.5 and c < -3 and (d <= 4 or e > 5e2) and f >= 6
    or g in ["x", y, 10.0.0.1, true] or h not in [1]
    or i contains "x" or j cased startswith ["a", "b"] or k endswith all ["c"]
    or l matches /^a\/b[0-9]+$/i or m in cidr "10.0.0.0/8" or n not in cidr ["fd00::/8"]
    or o exists or not not p exists
} }"#
    );
}

#[test]
fn sequence_steps_say_how_they_join() {
    snapshot!(
        "sequence_occurrences",
        r#"flow "F" "t" { sequence s "t" within 1h by ip { each spray -> threshold flood by src -> takeover } }"#
    );
}

#[test]
fn steps_may_be_named_like_the_sequence_keywords() {
    let (ast, diags) = parse(
        FileId(0),
        r#"flow "F" "t" { sequence s "t" within 1h by ip { each -> threshold by ip -> each threshold -> threshold each } }"#,
    );
    assert!(diags.is_empty(), "{:?}", diags.into_sorted());
    let Some(crate::syntax::ast::FlowItem::Sequence(seq)) = ast.flows[0].items.first() else { panic!("no sequence") };
    let written: Vec<(Option<&str>, &str, usize)> =
        seq.steps.iter().map(|m| (m.occurrence.map(|(o, _)| o.keyword()), m.step.name.as_str(), m.by.len())).collect();
    assert_eq!(
        written,
        [(None, "each", 0), (None, "threshold", 1), (Some("each"), "threshold", 0), (Some("threshold"), "each", 0)]
    );
}

#[test]
fn string_escapes_are_decoded() {
    snapshot!("escapes", r#"flow "a\"b\\c\n\t\u{1F600}\0" "é" { }"#);
}

#[test]
fn comments_crlf_and_bom_are_blanks() {
    let text = "\u{FEFF}// c\r\nschema s { /* block\r\n */ t timestamp event_time }\r\n";
    assert!(codes(text).is_empty());
}

#[test]
fn keywords_need_word_boundaries() {
    // `notes` and `index` are field names, not `not es` / `in dex`.
    assert!(codes(r#"flow "F" "t" { step s "t" { detect notes == 1 and index == 2 } }"#).is_empty());
}

#[test]
fn syntax_errors_use_plain_words() {
    let (_, diags) = parse(FileId(0), r#"flow "F" "t" { step s "t" { detect a = 1 } }"#);
    let diag = &diags.into_sorted()[0];
    assert_eq!(diag.code, Code::Syntax);
    assert!(diag.message.starts_with("expected"), "{}", diag.message);
    assert!(!diag.message.contains("kw_") && !diag.message.contains("_op"), "{}", diag.message);
    assert!(diag.help.iter().any(|h| h.contains("`==`")), "{:?}", diag.help);
}

#[test]
fn unterminated_literals() {
    assert_eq!(codes("flow \"F\" \"t\n{}"), vec![Code::UnterminatedString]);
    assert_eq!(codes("flow \"F\" \"t\" { step s \"t\" { detect a matches /x } }"), vec![Code::UnterminatedString]);
}

#[test]
fn invalid_escape_and_numbers() {
    assert_eq!(codes(r#"flow "a\qb" "t" { }"#), vec![Code::InvalidEscape]);
    assert_eq!(codes(r#"flow "\u{110000}" "t" { }"#), vec![Code::InvalidEscape]);
    assert_eq!(codes(r#"flow "F" "t" { step s "t" { detect a == 99999999999999999999 } }"#), vec![Code::InvalidNumber]);
    assert_eq!(
        codes(r#"flow "F" "t" { step s "t" { detect a == 1 threshold count > 5 within 99999999999999999d } }"#),
        vec![Code::InvalidNumber]
    );
}

#[test]
fn technique_none_keeps_its_reason() {
    let (ast, diags) = parse(FileId(0), r#"flow "F" "t" { step s "t" { technique none "no technique fits" } }"#);
    assert!(diags.is_empty(), "{:?}", diags.into_sorted());
    let crate::syntax::ast::FlowItem::Step(step) = &ast.flows[0].items[0] else { panic!("a step") };
    assert!(
        matches!(&step.items[0], crate::syntax::ast::StepItem::NoTechnique(text, _) if text.value == "no technique fits"),
        "{:?}",
        step.items
    );
}

#[test]
fn every_broken_item_is_reported_and_the_others_kept() {
    let text = r#"schema ok { t timestamp event_time }
schema bad { t timestamp event_time, }
flow "A" "a" {
    step one "t" { detect a = 1 }
    step two "t" { detect a > 1 && b }
    step three "t" { technique T1 }
}
flow "B" "b" { step s "t" { detect a == 1 } }
"#;
    let (ast, diags) = parse(FileId(0), text);
    let diags = diags.into_sorted();
    let lines: Vec<u32> = diags.iter().filter_map(|d| d.primary_span()).map(|s| s.lo).collect();
    assert_eq!(diags.len(), 3, "{diags:?}");
    assert!(lines.windows(2).all(|w| w[0] < w[1]), "three distinct places");
    assert!(diags.iter().all(|d| d.code == Code::Syntax));
    assert_eq!(ast.schemas.iter().map(|s| s.name.name.as_str()).collect::<Vec<_>>(), ["ok"]);
    assert_eq!(ast.unparsed_schemas.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(), ["bad"]);
    assert_eq!(ast.flows.iter().map(|f| f.id.value.as_str()).collect::<Vec<_>>(), ["B"], "broken flow A is dropped");
    // Spans of the kept items point into the whole file.
    let b = &ast.flows[0];
    assert_eq!(&text[b.id.span.lo as usize..b.id.span.hi as usize], "\"B\"");
}

#[test]
fn a_missing_brace_does_not_swallow_the_next_flow() {
    let text =
        "flow \"A\" \"a\" {\n step s \"t\" { detect a == 1 }\n\nflow \"B\" \"b\" { step s \"t\" { detect a = 1 } }\n";
    let (_, diags) = parse(FileId(0), text);
    let messages: Vec<String> = diags.into_sorted().into_iter().map(|d| d.message).collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(messages[0].ends_with("found `flow`"), "{messages:?}");
}

#[test]
fn syntax_errors_per_file_are_bounded() {
    let flows: String =
        (0..100).map(|n| format!("flow \"F{n}\" \"t\" {{ step s \"t\" {{ detect a = 1 }} }}\n")).collect();
    assert_eq!(codes(&flows).len(), super::recover::MAX_ERRORS);
}

#[test]
fn slips_get_targeted_help() {
    let help = |text: &str| parse(FileId(0), text).1.into_sorted().into_iter().flat_map(|d| d.help).collect::<Vec<_>>();
    assert_eq!(help(r#"flow "F" "t" { step s "t" { detec a == 1 } }"#), ["did you mean `detect`?"]);
    assert_eq!(help(r#"flow "F" "t" { step s "t" { detect ip in cidr 10.0.0.0/8 } }"#), ["quote it: `\"10.0.0.0/8\"`"]);
    assert_eq!(codes(r#"flow "F" "t" { step s "t" { detect ip in cidr 10.0.0.0/8 } }"#), [Code::Syntax]);
}

/// The quick fixes an editor offers replace the primary span's text.
#[test]
fn slips_carry_fixes_for_their_primary_span() {
    let fixed = |text: &str| {
        let diags = parse(FileId(0), text).1.into_sorted();
        let d = &diags[0];
        let span = d.primary_span().expect("a span");
        let mut out = text.to_string();
        out.replace_range(span.lo as usize..span.hi as usize, &d.fixes[0]);
        out
    };
    assert_eq!(
        fixed(r#"flow "F" "t" { step s "t" { detec a == 1 } }"#),
        r#"flow "F" "t" { step s "t" { detect a == 1 } }"#
    );
    assert_eq!(
        fixed(r#"flow "F" "t" { step s "t" { detect a = 1 } }"#),
        r#"flow "F" "t" { step s "t" { detect a == 1 } }"#
    );
    assert_eq!(
        fixed(r#"flow "F" "t" { step s "t" { detect ip in cidr 10.0.0.0/8 } }"#),
        r#"flow "F" "t" { step s "t" { detect ip in cidr "10.0.0.0/8" } }"#
    );
    assert_eq!(
        fixed(r#"flow "F" "t" { step s "t" { detect a == 1 AND b == 2 } }"#),
        r#"flow "F" "t" { step s "t" { detect a == 1 and b == 2 } }"#
    );
}

#[test]
fn hostile_inputs_get_diagnostics_not_panics() {
    let deep_ok =
        format!("flow \"F\" \"t\" {{ step s \"t\" {{ detect {}a exists{} }} }}", "(".repeat(100), ")".repeat(100));
    assert!(codes(&deep_ok).is_empty(), "100 levels of parentheses parse");
    let too_deep =
        format!("flow \"F\" \"t\" {{ step s \"t\" {{ detect {}a exists{} }} }}", "(".repeat(5000), ")".repeat(5000));
    assert_eq!(codes(&too_deep), vec![Code::TooDeep]);
    let nots = |n: usize| format!("flow \"F\" \"t\" {{ step s \"t\" {{ detect {}a exists }} }}", "not ".repeat(n));
    assert!(codes(&nots(MAX_NESTING)).is_empty(), "{MAX_NESTING} `not`s are accepted");
    assert_eq!(codes(&nots(MAX_NESTING + 1)), vec![Code::TooDeep]);
    assert_eq!(codes(&nots(30_000)), vec![Code::TooDeep], "long `not` chains are refused, once");
    // `b and not (b or not (…))`: every `not`, and every `and`/`or` inside another
    // operator, is a level, parentheses or not.
    let mixed = |levels: usize| {
        let mut condition = String::from("a exists");
        for level in 0..levels {
            let op = if level % 2 == 0 { "and" } else { "or" };
            condition = format!("b exists {op} not ({condition})");
        }
        format!("flow \"F\" \"t\" {{ step s \"t\" {{ detect {condition} }} }}")
    };
    assert!(codes(&mixed(MAX_NESTING / 2)).is_empty(), "{MAX_NESTING} levels are accepted");
    let refused = parse(FileId(0), &mixed(MAX_NESTING / 2 + 1)).1.into_sorted();
    assert_eq!(refused.iter().map(|d| d.code).collect::<Vec<_>>(), vec![Code::TooDeep]);
    assert!(refused[0].message.contains("condition nests deeper"), "{}", refused[0].message);
    for text in [
        "\0",
        "flow \0",
        "\"",
        "/",
        "(((",
        "}}}",
        "flow \"F\" \"t\" { step",
        "schema s { a enum( }",
        "é",
        "\u{202E}flow",
    ] {
        let found = codes(text);
        assert!(!found.is_empty(), "{text:?} should not parse");
    }
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]
        /// Whatever the text, parsing returns (an AST or diagnostics) and never panics.
        #[test]
        fn parser_never_panics(text in "\\PC{0,200}") {
            let _ = parse(FileId(0), &text);
        }

        /// Token soup from the language's own alphabet finds deeper paths.
        #[test]
        fn token_soup_never_panics(tokens in prop::collection::vec(prop_oneof![
            Just("flow"), Just("step"), Just("schema"), Just("detect"), Just("{"), Just("}"), Just("("), Just(")"),
            Just("\"s\""), Just("a.b"), Just("=="), Just("and"), Just("not"), Just("in"), Just("["), Just("]"),
            Just("/x/"), Just("1"), Just("1.5"), Just("-"), Just(".."), Just("->"), Just("threshold"), Just("each"), Just("count"),
            Just(">"), Just("5m"), Just("by"), Just(","), Just("cidr"), Just("\\"), Just("\n"), Just("//"),
        ], 0..60)) {
            let _ = parse(FileId(0), &tokens.join(" "));
        }
    }
}

const TUNING: &str = r#"exclude "bench-rig" on AF-1.staff_upload {
    reason "bench robot"
    owner "biomed"
    expires 2027-03-01
    where device.id == "BENCH-01" and user.roles == biomed_engineer
}
exclude "scanner" on schema netflow { reason "scan" owner "soc" where source.ip == 10.0.0.1 }
exclude "whole flow" on "AF-13" { reason "r" owner "o" where not on exists }
"#;

#[test]
fn exclusions_parse_with_their_scopes_and_clauses() {
    snapshot!("exclusions", TUNING);
    let (ast, _) = parse(FileId(0), TUNING);
    let scopes: Vec<String> = ast
        .exclusions
        .iter()
        .map(|e| match &e.scope {
            super::ast::Scope::Schema(name, _) => format!("schema {}", name.name),
            super::ast::Scope::Rule { flow, step, .. } => {
                format!("{}/{}", flow.value, step.as_ref().map_or("", |s| s.name.as_str()))
            }
        })
        .collect();
    assert_eq!(scopes, ["AF-1/staff_upload", "schema netflow", "AF-13/"]);
}

#[test]
fn exclusion_keywords_stay_usable_as_field_names() {
    // `on`, `reason`, `owner` and `where` are keywords only where an exclusion expects them.
    let text = "schema s { on bool reason string where string }\n";
    let (ast, diags) = parse(FileId(0), text);
    assert!(diags.is_empty());
    assert_eq!(ast.schemas[0].fields.len(), 3);
}

#[test]
fn broken_exclusions_are_reported_and_the_others_kept() {
    let text = "exclude \"a\" on F.s { reason \"r\" where }\nexclude \"b\" on F.t { reason \"r\" owner \"o\" where x exists }\n";
    let (ast, diags) = parse(FileId(0), text);
    assert_eq!(diags.into_sorted().iter().map(|d| d.code).collect::<Vec<_>>(), [Code::Syntax]);
    assert_eq!(ast.exclusions.len(), 1);
    assert_eq!(ast.exclusions[0].name.value, "b");
    assert_eq!(codes("exclude \"a\" on F.s.t { }\n"), [Code::Syntax], "a scope names a flow and at most a step");
    assert_eq!(codes("exclude \"a\" on F { expires 2027-3-1 }\n"), [Code::Syntax], "a day is YYYY-MM-DD");
}
