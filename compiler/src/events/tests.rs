//! The generator on hand-written conditions (every operator, nesting, negation,
//! missing fields), property tests on random conditions, and scenarios on the
//! target fixture tree.

use super::cases::step_cases;
use super::rng::Rng;
use super::*;
use crate::ir::eval::matches;
use crate::ir::{Cond, Number, Ordering, Scalar, Test, TestOp, TextKind};
use crate::schema::{Field, FieldType, Schema};
use crate::source::Span;
use proptest::prelude::*;
use serde_json::json;
use std::path::PathBuf;

fn field(name: &str, ty: FieldType, range: Option<(f64, f64)>) -> Field {
    Field { name: name.into(), ty, unit: None, range, typical: None, description: None, span: Span::default() }
}

fn schema() -> Schema {
    Schema {
        name: "s".into(),
        description: None,
        fields: vec![
            field("time", FieldType::Timestamp, None),
            field("n", FieldType::Int, Some((0.0, 350.0))),
            field("f", FieldType::Float, Some((0.0, 100.0))),
            field("s", FieldType::String, None),
            field("b", FieldType::Bool, None),
            field("ip", FieldType::Ip, None),
            field("k", FieldType::Enum(vec!["ecg".into(), "eeg".into(), "bp".into()]), None),
        ],
        event_time: 0,
        orders: Vec::new(),
        span: Span::default(),
    }
}

fn test(field: &str, op: TestOp) -> Cond {
    let ty = schema().field(field).expect("test field").ty.clone();
    Cond::Test(Test { field: field.into(), ty, cased: false, op, span: Span::default() })
}

fn cased(field: &str, op: TestOp) -> Cond {
    match test(field, op) {
        Cond::Test(t) => Cond::Test(Test { cased: true, ..t }),
        other => other,
    }
}

fn not(c: Cond) -> Cond {
    Cond::Not(Box::new(c))
}

fn cmp(field: &str, ord: Ordering, n: Number) -> Cond {
    test(field, TestOp::Cmp(ord, n))
}

fn text(field: &str, kind: TextKind, values: &[&str], all: bool) -> Cond {
    test(field, TestOp::Text { kind, values: values.iter().map(|v| v.to_string()).collect(), all })
}

fn cidr(blocks: &[&str]) -> Cond {
    test("ip", TestOp::Cidr(blocks.iter().map(|b| b.parse().expect("cidr")).collect()))
}

fn cases(cond: &Cond) -> cases::StepCases {
    step_cases(cond, &schema(), "s", &mut Rng::for_item(DEFAULT_SEED, "test"), BASE_TIME_MS)
}

/// The invariants every generated case must keep.
fn assert_sound(cond: &Cond, found: &cases::StepCases) {
    let schema = schema();
    for case in found.positives.iter().chain(&found.negatives) {
        assert_eq!(matches(cond, &case.event), case.expect, "{}: {}", case.label, case.event);
        for (name, value) in case.event.as_object().expect("object") {
            let decl = schema.field(name).expect("only schema fields");
            assert!(valid_for(decl, value), "{name} = {value} is not valid in {}", case.event);
        }
    }
}

/// The values a field takes in the positives and negatives.
fn values(found: &cases::StepCases, name: &str) -> (Vec<Value>, Vec<Option<Value>>) {
    let pos = found.positives.iter().filter_map(|c| c.event.get(name).cloned()).collect();
    let neg = found.negatives.iter().map(|c| c.event.get(name).cloned()).collect();
    (pos, neg)
}

#[test]
fn comparisons_get_boundary_positives_and_near_misses() {
    let cond = cmp("n", Ordering::Gt, Number::Int(220));
    let found = cases(&cond);
    assert_sound(&cond, &found);
    let (pos, neg) = values(&found, "n");
    assert_eq!(pos, vec![json!(221)]);
    assert!(neg.contains(&Some(json!(220))), "{neg:?}");
    assert!(neg.contains(&None), "a missing field is a near miss");

    let cond = cmp("f", Ordering::Lt, Number::Float(80.5));
    let found = cases(&cond);
    assert_sound(&cond, &found);
    assert_eq!(values(&found, "f").0, vec![json!(80.49)]);
    assert!(values(&found, "f").1.contains(&Some(json!(80.5))));
}

#[test]
fn text_tests_get_case_variants_and_near_misses() {
    let cond = Cond::All(vec![
        test("s", TestOp::Eq(Scalar::Str("Ward-7".into()))),
        test("k", TestOp::Eq(Scalar::Enum("ecg".into()))),
    ]);
    let found = cases(&cond);
    assert_sound(&cond, &found);
    let (pos, neg) = values(&found, "s");
    assert_eq!(pos, vec![json!("Ward-7"), json!("wARD-7")], "the plain value, then another case");
    assert!(neg.contains(&Some(json!("Ward-"))), "{neg:?}");
    // Enum values stay as declared: no case variants.
    assert!(found.positives.iter().all(|c| c.event["k"] == "ecg"));

    for (kind, value, miss) in
        [(TextKind::Contains, "beta", "bet"), (TextKind::StartsWith, "v0.", "v0"), (TextKind::EndsWith, ".tmp", ".tm")]
    {
        let cond = text("s", kind, &[value], false);
        let found = cases(&cond);
        assert_sound(&cond, &found);
        assert!(values(&found, "s").1.contains(&Some(json!(miss))), "{kind:?}: {:?}", values(&found, "s").1);
    }
    let cond = text("s", TextKind::Contains, &["x", "y"], true);
    let found = cases(&cond);
    assert_sound(&cond, &found);
    assert_eq!(values(&found, "s").0[0], json!("ras-xy-01"), "text around the values");
    assert!(found.negatives.len() >= 3, "each value dropped, and the field missing");
}

#[test]
fn cased_tests_use_the_other_case_as_near_miss() {
    let cond = cased("s", TestOp::Eq(Scalar::Str("V1".into())));
    let found = cases(&cond);
    assert_sound(&cond, &found);
    assert_eq!(found.positives.len(), 1, "no case variant for a cased test");
    assert!(values(&found, "s").1.contains(&Some(json!("v1"))));
}

#[test]
fn cidr_near_misses_are_the_neighbours_outside() {
    let cond = Cond::All(vec![cidr(&["10.0.0.0/8", "fd00::/8"]), not(cidr(&["10.9.0.0/16"]))]);
    let found = cases(&cond);
    assert_sound(&cond, &found);
    let (pos, neg) = values(&found, "ip");
    assert!(pos.contains(&json!("10.0.0.1")));
    assert!(neg.contains(&Some(json!("9.255.255.255"))), "{neg:?}");
    assert!(neg.contains(&Some(json!("10.9.0.1"))), "the excluded block is a near miss: {neg:?}");
}

#[test]
fn regex_lists_exists_and_bools() {
    for cond in [
        test("s", TestOp::Regex { pattern: r"^v1\.[0-9]+$".into(), case_insensitive: false }),
        test("s", TestOp::Regex { pattern: "adm".into(), case_insensitive: true }),
        test("n", TestOp::OneOf(vec![Scalar::Int(1), Scalar::Int(2)])),
        not(test("s", TestOp::OneOf(vec![Scalar::Str("v1".into()), Scalar::Str("v2".into())]))),
        test("ip", TestOp::Eq(Scalar::Ip("10.1.2.3".parse().expect("ip")))),
        Cond::All(vec![test("b", TestOp::Eq(Scalar::Bool(false))), test("s", TestOp::Exists)]),
        not(test("s", TestOp::Exists)),
    ] {
        let found = cases(&cond);
        assert!(!found.positives.is_empty(), "no positive for {cond:?}");
        assert!(!found.negatives.is_empty(), "no negative for {cond:?}");
        assert_sound(&cond, &found);
    }
}

#[test]
fn every_disjunct_gets_a_positive_through_nesting() {
    let cond = Cond::Any(vec![
        cmp("n", Ordering::Gt, Number::Int(250)),
        Cond::All(vec![
            test("n", TestOp::Eq(Scalar::Int(0))),
            not(Cond::Any(vec![test("b", TestOp::Eq(Scalar::Bool(true))), cidr(&["192.168.0.0/16"])])),
        ]),
        text("s", TextKind::Contains, &["adm"], false),
    ]);
    let found = cases(&cond);
    assert_sound(&cond, &found);
    // Three ways, the text one also in another case.
    assert_eq!(found.witnesses.len(), 3);
    assert_eq!(found.positives.len(), 4);
}

#[test]
fn contradictions_the_checker_misses_have_no_positive() {
    let cond = Cond::All(vec![
        text("s", TextKind::Contains, &["abc"], false),
        not(text("s", TextKind::Contains, &["b"], false)),
    ]);
    assert!(cases(&cond).positives.is_empty());
    let out_of_range = cmp("n", Ordering::Gt, Number::Int(400));
    assert!(cases(&out_of_range).positives.is_empty());
}

fn leaf() -> impl Strategy<Value = Cond> {
    prop_oneof![
        (0i64..5).prop_map(|v| cmp("n", Ordering::Gt, Number::Int(v))),
        (0i64..5).prop_map(|v| cmp("n", Ordering::Le, Number::Int(v))),
        (0i64..5).prop_map(|v| test("n", TestOp::Eq(Scalar::Int(v)))),
        "[abAB]".prop_map(|v| test("s", TestOp::Eq(Scalar::Str(v)))),
        "[ab]".prop_map(|v| text("s", TextKind::Contains, &[v.as_str()], false)),
        "[ab]".prop_map(|v| text("s", TextKind::StartsWith, &[v.as_str()], false)),
        "[ab]".prop_map(|v| cased("s", TestOp::Eq(Scalar::Str(v)))),
        Just(test("s", TestOp::Regex { pattern: "^a+b".into(), case_insensitive: false })),
        Just(test("s", TestOp::Exists)),
        any::<bool>().prop_map(|v| test("b", TestOp::Eq(Scalar::Bool(v)))),
        Just(cidr(&["10.0.0.0/8"])),
        "(ecg|eeg|bp)".prop_map(|v| test("k", TestOp::Eq(Scalar::Enum(v)))),
    ]
}

fn cond() -> impl Strategy<Value = Cond> {
    leaf().prop_recursive(3, 16, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 2..4).prop_map(Cond::All),
            prop::collection::vec(inner.clone(), 2..4).prop_map(Cond::Any),
            inner.prop_map(not),
        ]
    })
}

/// Events over a small covering domain: if one matches, a positive exists.
fn some_sample_matches(cond: &Cond) -> bool {
    let ns = [None, Some(json!(0)), Some(json!(1)), Some(json!(2)), Some(json!(3)), Some(json!(4)), Some(json!(5))];
    let ss = [None, Some("a"), Some("b"), Some("A"), Some("ab"), Some("aab"), Some("ba"), Some("c")];
    let bs = [None, Some(true), Some(false)];
    let ips = [None, Some("10.0.0.1"), Some("192.0.2.1")];
    let ks = [None, Some("ecg"), Some("eeg"), Some("bp")];
    for n in &ns {
        for s in &ss {
            for b in &bs {
                for ip in &ips {
                    for k in &ks {
                        let mut e = json!({});
                        if let Some(n) = n {
                            e["n"] = n.clone();
                        }
                        if let Some(s) = s {
                            e["s"] = json!(s);
                        }
                        if let Some(b) = b {
                            e["b"] = json!(b);
                        }
                        if let Some(ip) = ip {
                            e["ip"] = json!(ip);
                        }
                        if let Some(k) = k {
                            e["k"] = json!(k);
                        }
                        if matches(cond, &e) {
                            return true;
                        }
                    }
                }
            }
        }
    }
    false
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Positives match and negatives do not, under `ir::eval`; every event is valid.
    #[test]
    fn positives_match_and_negatives_do_not(c in cond()) {
        let found = cases(&c);
        assert_sound(&c, &found);
    }

    /// Whenever some event satisfies the condition, the generator finds one.
    #[test]
    fn satisfiable_conditions_get_a_positive(c in cond()) {
        if some_sample_matches(&c) {
            prop_assert!(!cases(&c).positives.is_empty(), "no positive for {:?}", c);
        }
    }
}

fn fixture() -> crate::ir::Program {
    let tree = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../targets/tests/fixtures/tree");
    let compiled = crate::project::compile(&[tree], &[]);
    assert!(!compiled.diags.has_errors(), "{:?}", compiled.diags);
    compiled.program.expect("fixture program")
}

#[test]
fn fixture_scenarios_fire_and_stay_quiet_as_designed() {
    let program = fixture();
    let generated = generate(&program, DEFAULT_SEED);
    assert!(generated.diags.is_empty(), "{:?}", generated.diags);
    let kinds = |k: ItemKind| generated.items.iter().filter(|i| i.kind == k).count();
    assert_eq!((kinds(ItemKind::Step), kinds(ItemKind::Threshold), kinds(ItemKind::Sequence)), (14, 2, 4));
    for item in &generated.items {
        let outcome = verify::reference(&program, item);
        assert!(outcome.failures.is_empty(), "{}/{}: {:?}", item.flow, item.item, outcome.failures);
        match item.kind {
            ItemKind::Step => {
                assert!(item.cases.iter().any(|c| c.expect) && item.cases.iter().any(|c| !c.expect));
            }
            ItemKind::Threshold | ItemKind::Sequence => {
                assert_eq!(item.scenarios.iter().filter(|s| !s.expected.is_empty()).count(), 1);
            }
        }
    }
    let labels = |id: &str| -> Vec<String> {
        let item = generated.items.iter().find(|i| i.item == id && i.kind != ItemKind::Step).expect(id);
        item.scenarios.iter().map(|s| s.label.split(':').next().unwrap_or_default().to_string()).collect()
    };
    assert_eq!(labels("flood"), ["fires", "below", "spread", "split"]);
    assert_eq!(labels("login_then_eq"), ["fires", "reversed", "past the window", "key case"]);
    // `each flood`: one event per step, as for a step without a threshold.
    assert_eq!(labels("login_then_flood"), ["fires", "reversed", "past the window", "other keys"]);
    let events_of = |id: &str, label: &str| {
        let item = generated.items.iter().find(|i| i.item == id && i.kind != ItemKind::Step).expect(id);
        item.scenarios.iter().find(|s| s.label.starts_with(label)).map(|s| s.event_count()).expect(label)
    };
    assert_eq!(events_of("login_then_flood", "fires"), 2);
    // A threshold member: its minimum of events, one fewer, completing after the next
    // step, and spread so that no window holds them.
    assert_eq!(labels("login_then_spread"), ["fires", "reversed", "past the window", "other keys", "below", "sparse"]);
    // `eq` pins the device id, so its other key is only another case of it.
    assert_eq!(
        labels("flood_then_eq"),
        ["fires", "reversed", "past the window", "key case", "below", "late", "sparse"]
    );
    assert_eq!(events_of("flood_then_eq", "fires"), 22, "21 unsigned packets, then the tampered reading");
    assert_eq!(events_of("flood_then_eq", "below"), 21, "20 packets: one short");
    assert_eq!(events_of("login_then_spread", "fires"), 6, "the login and 5 distinct devices");
    let flood = generated.items.iter().find(|i| i.item == "flood" && i.kind == ItemKind::Threshold).expect("flood");
    let counts: Vec<u64> = flood.scenarios.iter().map(|s| s.event_count()).collect();
    assert_eq!(counts, [21, 20, 21, 21], "count > 20: fires at 21, not at 20, nor spread or split");
}

#[test]
fn output_depends_on_the_seed_only() {
    let program = fixture();
    let text = |seed| format!("{:?}", generate(&program, seed).items);
    assert_eq!(text(7), text(7));
    assert_ne!(text(7), text(8));
}
