//! Tests of the reference semantics: every operator and its edge cases.

use super::eval::*;
use super::*;
use crate::schema::FieldType;
use serde_json::{json, Value};

fn test(field: &str, ty: FieldType, op: TestOp) -> Cond {
    Cond::Test(Test { field: field.into(), ty, cased: false, op, span: Span::default() })
}

fn cased(field: &str, ty: FieldType, op: TestOp) -> Cond {
    Cond::Test(Test { field: field.into(), ty, cased: true, op, span: Span::default() })
}

fn not(c: Cond) -> Cond {
    Cond::Not(Box::new(c))
}

fn s(v: &str) -> Scalar {
    Scalar::Str(v.into())
}

#[test]
fn string_equality_ignores_case_unless_cased() {
    let eq = test("user", FieldType::String, TestOp::Eq(s("Admin")));
    assert!(matches(&eq, &json!({"user": "admin"})));
    assert!(matches(&eq, &json!({"user": "ADMIN"})));
    assert!(!matches(&eq, &json!({"user": "admins"})));
    let exact = cased("user", FieldType::String, TestOp::Eq(s("Admin")));
    assert!(matches(&exact, &json!({"user": "Admin"})));
    assert!(!matches(&exact, &json!({"user": "admin"})));
}

#[test]
fn non_ascii_case_folding() {
    let eq = test("name", FieldType::String, TestOp::Eq(s("ÉCHO")));
    assert!(matches(&eq, &json!({"name": "écho"})));
}

#[test]
fn missing_and_mistyped_fields_fail_every_test() {
    let ops = [
        TestOp::Eq(s("x")),
        TestOp::OneOf(vec![s("x")]),
        TestOp::Text { kind: TextKind::Contains, values: vec!["x".into()], all: false },
        TestOp::Regex { pattern: ".*".into(), case_insensitive: false },
        TestOp::Exists,
    ];
    for op in ops {
        let c = test("f", FieldType::String, op);
        assert!(!matches(&c, &json!({})), "{c:?} on a missing field");
        assert!(!matches(&c, &json!({"f": null})), "{c:?} on null");
        assert!(!matches(&c, &json!({"f": 3})), "{c:?} on a number");
    }
    let gt = test("n", FieldType::Int, TestOp::Cmp(Ordering::Gt, Number::Int(1)));
    assert!(!matches(&gt, &json!({"n": "5"})), "a string is not an int");
}

#[test]
fn negation_is_boolean_so_missing_fields_satisfy_not_equal() {
    let ne = not(test("f", FieldType::String, TestOp::Eq(s("x"))));
    assert!(matches(&ne, &json!({})));
    assert!(matches(&ne, &json!({"f": "y"})));
    assert!(!matches(&ne, &json!({"f": "X"})));
    let not_in = not(test("f", FieldType::String, TestOp::OneOf(vec![s("a"), s("b")])));
    assert!(matches(&not_in, &json!({})));
    assert!(!matches(&not_in, &json!({"f": "B"})));
}

#[test]
fn numbers_compare_by_value_across_int_and_float() {
    let eq = test("n", FieldType::Float, TestOp::Eq(Scalar::Float(2.0)));
    assert!(matches(&eq, &json!({"n": 2})));
    assert!(matches(&eq, &json!({"n": 2.0})));
    let eq_int = test("n", FieldType::Int, TestOp::Eq(Scalar::Int(2)));
    assert!(matches(&eq_int, &json!({"n": 2.0})));
    assert!(!matches(&eq_int, &json!({"n": 2.5})));
    let big = test("n", FieldType::Int, TestOp::Eq(Scalar::Int(9_007_199_254_740_993)));
    assert!(matches(&big, &json!({"n": 9_007_199_254_740_993_i64})));
    assert!(!matches(&big, &json!({"n": 9_007_199_254_740_992_i64})), "integers compare exactly");
}

#[test]
fn orderings_at_their_boundaries() {
    let cases = [
        (Ordering::Lt, [true, false, false]),
        (Ordering::Le, [true, true, false]),
        (Ordering::Gt, [false, false, true]),
        (Ordering::Ge, [false, true, true]),
    ];
    for (ord, expected) in cases {
        let c = test("n", FieldType::Int, TestOp::Cmp(ord, Number::Int(220)));
        for (value, want) in [219, 220, 221].into_iter().zip(expected) {
            assert_eq!(matches(&c, &json!({ "n": value })), want, "{value} {} 220", ord.as_str());
        }
    }
    let f = test("t", FieldType::Float, TestOp::Cmp(Ordering::Gt, Number::Float(37.5)));
    assert!(matches(&f, &json!({"t": 37.6})));
    assert!(!matches(&f, &json!({"t": 37.5})));
    assert!(matches(&f, &json!({"t": 38})));
}

#[test]
fn text_operators() {
    let any = |kind, values: &[&str], all| {
        test("p", FieldType::String, TestOp::Text { kind, values: values.iter().map(|v| v.to_string()).collect(), all })
    };
    let ev = json!({"p": "C:\\Windows\\System32\\CMD.exe"});
    assert!(matches(&any(TextKind::Contains, &["system32"], false), &ev));
    assert!(matches(&any(TextKind::StartsWith, &["c:\\windows"], false), &ev));
    assert!(matches(&any(TextKind::EndsWith, &[".EXE"], false), &ev));
    assert!(matches(&any(TextKind::EndsWith, &[".dll", ".exe"], false), &ev));
    assert!(!matches(&any(TextKind::Contains, &["temp", "cmd.exe"], true), &ev));
    assert!(matches(&any(TextKind::Contains, &["windows", "cmd.exe"], true), &ev));
    let exact = cased(
        "p",
        FieldType::String,
        TestOp::Text { kind: TextKind::EndsWith, values: vec![".EXE".into()], all: false },
    );
    assert!(!matches(&exact, &ev));
}

#[test]
fn wildcards_are_literal_characters() {
    let c = test(
        "p",
        FieldType::String,
        TestOp::Text { kind: TextKind::Contains, values: vec!["a*b?".into()], all: false },
    );
    assert!(matches(&c, &json!({"p": "xa*b?y"})));
    assert!(!matches(&c, &json!({"p": "axxb!"})));
}

#[test]
fn regex_searches_and_honours_anchors_and_flags() {
    let re = |p: &str, i| test("u", FieldType::String, TestOp::Regex { pattern: p.into(), case_insensitive: i });
    assert!(matches(&re("adm", false), &json!({"u": "sysadmin"})));
    assert!(!matches(&re("^adm", false), &json!({"u": "sysadmin"})));
    assert!(!matches(&re("ADM", false), &json!({"u": "sysadmin"})), "case-sensitive by default");
    assert!(matches(&re("ADM", true), &json!({"u": "sysadmin"})));
    assert!(matches(&re("^bs-[0-9]+$", false), &json!({"u": "bs-42"})));
    assert!(!matches(&re("^bs-[0-9]+$", false), &json!({"u": "bs-42\nx"})));
}

#[test]
fn ip_equality_and_cidr() {
    let ip = |v: &str| Scalar::Ip(v.parse().unwrap());
    let eq = test("ip", FieldType::Ip, TestOp::Eq(ip("10.0.0.1")));
    assert!(matches(&eq, &json!({"ip": "10.0.0.1"})));
    assert!(!matches(&eq, &json!({"ip": "10.0.0.10"})));
    assert!(!matches(&eq, &json!({"ip": "not an ip"})));
    let v6 = test("ip", FieldType::Ip, TestOp::Eq(ip("fd00::1")));
    assert!(matches(&v6, &json!({"ip": "fd00:0:0::1"})), "IPv6 compares by value");
    let cidr =
        test("ip", FieldType::Ip, TestOp::Cidr(vec!["10.0.0.0/8".parse().unwrap(), "fd00::/8".parse().unwrap()]));
    assert!(matches(&cidr, &json!({"ip": "10.255.255.255"})));
    assert!(!matches(&cidr, &json!({"ip": "11.0.0.0"})));
    assert!(matches(&cidr, &json!({"ip": "fdab::1"})));
    assert!(!matches(&cidr, &json!({"ip": "::ffff:10.0.0.1"})), "IPv4-mapped IPv6 is not in an IPv4 block");
}

#[test]
fn bool_enum_and_exists() {
    let b = test("ok", FieldType::Bool, TestOp::Eq(Scalar::Bool(false)));
    assert!(matches(&b, &json!({"ok": false})));
    assert!(!matches(&b, &json!({"ok": "false"})), "a string is not a bool");
    let e = test("k", FieldType::Enum(vec!["ecg".into()]), TestOp::Eq(Scalar::Enum("ecg".into())));
    assert!(matches(&e, &json!({"k": "ECG"})));
    let ex = test("t", FieldType::Timestamp, TestOp::Exists);
    assert!(matches(&ex, &json!({"t": "2026-11-25T10:00:00Z"})));
    assert!(!matches(&ex, &json!({"t": "soon"})));
}

#[test]
fn dotted_fields_resolve_flat_nested_and_mixed() {
    let c = test("a.b.c", FieldType::Int, TestOp::Eq(Scalar::Int(1)));
    assert!(matches(&c, &json!({"a.b.c": 1})));
    assert!(matches(&c, &json!({"a": {"b": {"c": 1}}})));
    assert!(matches(&c, &json!({"a.b": {"c": 1}})));
    assert!(matches(&c, &json!({"a": {"b.c": 1}})));
    assert!(!matches(&c, &json!({"a": {"b": 1}})));
}

#[test]
fn junctions() {
    let t = test("x", FieldType::Bool, TestOp::Eq(Scalar::Bool(true)));
    let f = test("y", FieldType::Bool, TestOp::Eq(Scalar::Bool(true)));
    let ev = json!({"x": true, "y": false});
    assert!(!matches(&Cond::All(vec![t.clone(), f.clone()]), &ev));
    assert!(matches(&Cond::Any(vec![t.clone(), f.clone()]), &ev));
    assert!(matches(&Cond::All(vec![]), &ev), "empty `all` is true");
    assert!(!matches(&Cond::Any(vec![]), &ev), "empty `any` is false");
    assert!(matches(&not(f), &ev));
}

fn at(ms: i64, extra: Value) -> Value {
    let mut v = extra;
    v["time"] = json!(time::format_rfc3339(ms));
    v
}

fn always() -> Cond {
    test("device.id", FieldType::String, TestOp::Exists)
}

#[test]
fn count_threshold_uses_a_half_open_sliding_window() {
    let th = Threshold { distinct: None, min: 3, window_ms: 60_000, group_by: vec!["device.id".into()] };
    let events = |times: &[i64], dev: &str| times.iter().map(|t| at(*t, json!({"device.id": dev}))).collect::<Vec<_>>();
    let inside = events(&[0, 30_000, 59_999], "a");
    let refs: Vec<&Value> = inside.iter().collect();
    assert_eq!(threshold_groups(&th, &always(), "time", &refs), vec![vec!["a".to_string()]]);
    let spread = events(&[0, 30_000, 60_000], "a");
    let refs: Vec<&Value> = spread.iter().collect();
    assert!(threshold_groups(&th, &always(), "time", &refs).is_empty(), "60s apart is outside a 60s window");
    let mut split = events(&[0, 1], "a");
    split.extend(events(&[2], "b"));
    let refs: Vec<&Value> = split.iter().collect();
    assert!(threshold_groups(&th, &always(), "time", &refs).is_empty(), "groups count separately");
    let mut unkeyed = events(&[0, 1], "a");
    unkeyed.push(at(2, json!({})));
    let refs: Vec<&Value> = unkeyed.iter().collect();
    assert!(threshold_groups(&th, &always(), "time", &refs).is_empty(), "events without the key are not counted");
}

#[test]
fn distinct_threshold_counts_different_values() {
    let th = Threshold { distinct: Some("user".into()), min: 3, window_ms: 600_000, group_by: vec![] };
    let evs: Vec<Value> = ["a", "b", "a", "c"]
        .iter()
        .enumerate()
        .map(|(i, u)| at(i as i64 * 1000, json!({"device.id": "d", "user": u})))
        .collect();
    let refs: Vec<&Value> = evs.iter().collect();
    assert_eq!(threshold_groups(&th, &always(), "time", &refs), vec![Vec::<String>::new()]);
    let refs: Vec<&Value> = evs[..3].iter().collect();
    assert!(threshold_groups(&th, &always(), "time", &refs).is_empty(), "only two distinct users");
}

fn seq_step(id: &str, source: &str, cond: Cond) -> Step {
    Step {
        no_technique: None,
        id: id.into(),
        title: id.into(),
        techniques: vec![],
        source: Some(source.into()),
        severity: Severity::High,
        description: None,
        false_positives: vec![],
        references: vec![],
        detection: Detection::Condition { condition: cond, threshold: None },
        tuning: None,
        span: Span::default(),
    }
}

#[test]
fn sequences_need_order_window_and_equal_keys() {
    let login = seq_step("login", "vpn", test("action", FieldType::String, TestOp::Eq(s("login"))));
    let push = seq_step("push", "fw", test("action", FieldType::String, TestOp::Eq(s("push"))));
    let seq = Sequence {
        id: "s".into(),
        title: "s".into(),
        window_ms: 60_000,
        steps: vec![],
        severity: Severity::High,
        span: Span::default(),
    };
    let user_key = vec!["user".to_string()];
    let actor_key = vec!["actor".to_string()];
    let members = [
        SequenceMember { step: &login, time_field: "time", keys: &user_key, occurrence: Occurrence::Event },
        SequenceMember { step: &push, time_field: "time", keys: &actor_key, occurrence: Occurrence::Event },
    ];
    let run = |evs: &[(&'static str, Value)]| {
        let tagged: Vec<SourcedEvent> = evs.iter().map(|(s, e)| SourcedEvent { source: s, event: e }).collect();
        sequence_groups(&seq, &members, &tagged)
    };
    let l = |t, u: &str| ("vpn", at(t, json!({"action": "login", "user": u})));
    let p = |t, u: &str| ("fw", at(t, json!({"action": "push", "actor": u})));
    assert_eq!(run(&[l(0, "bob"), p(10_000, "bob")]), vec![vec!["bob".to_string()]]);
    assert!(run(&[p(0, "bob"), l(10_000, "bob")]).is_empty(), "reversed order");
    assert!(run(&[l(0, "bob"), p(60_001, "bob")]).is_empty(), "gap longer than the window");
    assert_eq!(run(&[l(0, "bob"), p(60_000, "bob")]).len(), 1, "the window is inclusive at its end");
    assert!(run(&[l(0, "bob"), p(10_000, "eve")]).is_empty(), "different keys");
    assert!(run(&[l(5, "bob"), p(5, "bob")]).is_empty(), "simultaneous events are not ordered");
    assert!(run(&[("fw", at(0, json!({"action": "login", "user": "bob"}))), p(1, "bob")]).is_empty(), "wrong source");
    // A later first step restarts the window: login at 0 is too early, at 50s is not.
    assert_eq!(run(&[l(0, "bob"), l(50_000, "bob"), p(100_000, "bob")]).len(), 1);
    assert!(run(&[l(0, "Bob"), p(1, "bob")]).is_empty(), "join keys compare exactly");
}

#[test]
fn thresholds_complete_at_every_event_whose_window_reaches_the_minimum() {
    let th = Threshold { distinct: None, min: 3, window_ms: 10_000, group_by: vec!["device.id".into()] };
    let evs: Vec<Value> = [0, 4_000, 8_000, 9_000, 30_000, 31_000, 32_000, 32_000]
        .iter()
        .map(|t| at(*t, json!({"device.id": "a"})))
        .collect();
    let refs: Vec<&Value> = evs.iter().collect();
    let completions = threshold_completions(&th, &always(), "time", &refs);
    // 8s: first completion; 9s: a window of its own (4s, 8s, 9s); 30s and 31s: not
    // enough; 32s: two events at one instant complete together, counted once.
    assert_eq!(completions.get(&vec!["a".to_string()]), Some(&vec![8_000, 9_000, 32_000]));
    let below: Vec<&Value> = evs[..2].iter().collect();
    assert!(threshold_completions(&th, &always(), "time", &below).is_empty(), "a group that never completes");
    // The window ending at t is (t - 10s, t]: 0s falls out at 10s.
    let edge: Vec<Value> = [0, 5_000, 10_000].iter().map(|t| at(*t, json!({"device.id": "a"}))).collect();
    let refs: Vec<&Value> = edge.iter().collect();
    assert!(threshold_completions(&th, &always(), "time", &refs).is_empty());
}

#[test]
fn distinct_thresholds_complete_when_enough_different_values_are_in_the_window() {
    let th = Threshold { distinct: Some("user".into()), min: 2, window_ms: 10_000, group_by: vec!["device.id".into()] };
    let evs: Vec<Value> = [(0, "x"), (1_000, "x"), (2_000, "y"), (15_000, "y"), (16_000, "y"), (17_000, "z")]
        .iter()
        .map(|(t, u)| at(*t, json!({"device.id": "a", "user": u})))
        .collect();
    let refs: Vec<&Value> = evs.iter().collect();
    let completions = threshold_completions(&th, &always(), "time", &refs);
    assert_eq!(completions.get(&vec!["a".to_string()]), Some(&vec![2_000, 17_000]));
}

fn threshold_step(id: &str, source: &str, cond: Cond, threshold: Threshold) -> Step {
    let mut step = seq_step(id, source, cond);
    step.detection = Detection::Condition {
        condition: step.detection.condition().cloned().expect("cond"),
        threshold: Some(threshold),
    };
    step
}

/// `spray` (5 failed log-ins within 10 min per source and router) -> `takeover`, by source.
fn spray_takeover() -> (Step, Step, Sequence) {
    let spray = threshold_step(
        "spray",
        "wifi",
        test("action", FieldType::String, TestOp::Eq(s("fail"))),
        Threshold { distinct: None, min: 5, window_ms: 600_000, group_by: vec!["ip".into(), "router".into()] },
    );
    let takeover = seq_step("takeover", "wifi", test("action", FieldType::String, TestOp::Eq(s("account"))));
    let seq = Sequence {
        id: "s".into(),
        title: "s".into(),
        window_ms: 7_200_000,
        steps: vec![],
        severity: Severity::High,
        span: Span::default(),
    };
    (spray, takeover, seq)
}

#[test]
fn a_threshold_step_joins_a_sequence_when_its_threshold_completes() {
    let (spray, takeover, seq) = spray_takeover();
    let key = vec!["ip".to_string()];
    let run = |occurrence, evs: &[Value]| {
        let members = [
            SequenceMember { step: &spray, time_field: "time", keys: &key, occurrence },
            SequenceMember { step: &takeover, time_field: "time", keys: &key, occurrence: Occurrence::Event },
        ];
        let tagged: Vec<SourcedEvent> = evs.iter().map(|e| SourcedEvent { source: "wifi", event: e }).collect();
        sequence_groups(&seq, &members, &tagged)
    };
    let fail = |t: i64, ip: &str| at(t, json!({"action": "fail", "ip": ip, "router": "r1"}));
    let account = |t: i64, ip: &str| at(t, json!({"action": "account", "ip": ip}));
    let fired = vec![vec!["10.0.0.9".to_string()]];
    let burst = |end: i64, n: i64| (0..n).map(|i| fail(end - (n - 1 - i) * 1_000, "10.0.0.9")).collect::<Vec<_>>();
    let with = |mut evs: Vec<Value>, more: Value| {
        evs.push(more);
        evs
    };
    // Five failures, then the account: the threshold completed first.
    assert_eq!(run(Occurrence::Threshold, &with(burst(60_000, 5), account(120_000, "10.0.0.9"))), fired);
    // Four failures: one short. Under `each`, one failure is enough.
    let four = with(burst(60_000, 4), account(120_000, "10.0.0.9"));
    assert!(run(Occurrence::Threshold, &four).is_empty(), "below the threshold");
    assert_eq!(run(Occurrence::Event, &four), fired, "`each` joins single events");
    // The fifth failure after the account: the threshold completes too late.
    let late = with(with(burst(60_000, 4), account(120_000, "10.0.0.9")), fail(180_000, "10.0.0.9"));
    assert!(run(Occurrence::Threshold, &late).is_empty(), "completed after the next step");
    // Another source completes the threshold.
    assert!(run(Occurrence::Threshold, &with(burst(60_000, 5), account(120_000, "10.0.0.66"))).is_empty());
    // Five failures spread over 40 minutes never complete a 10-minute window.
    let sparse: Vec<Value> = (0..5).map(|i| fail(i * 600_000, "10.0.0.9")).collect();
    assert!(run(Occurrence::Threshold, &with(sparse.clone(), account(3_000_000, "10.0.0.9"))).is_empty());
    assert_eq!(run(Occurrence::Event, &with(sparse, account(3_000_000, "10.0.0.9"))), fired);
    // A spray that goes on keeps completing: its last completion is within 2h of the
    // account although its first is 3h before.
    let long: Vec<Value> = (0..=180).map(|m| fail(m * 60_000, "10.0.0.9")).collect();
    assert_eq!(run(Occurrence::Threshold, &with(long, account(181 * 60_000, "10.0.0.9"))), fired);
    // The window runs from the completion: failures 3h before the account count only
    // if the threshold completed within the sequence's 2h.
    let early = with(burst(60_000, 5), account(60_000 + 7_200_001, "10.0.0.9"));
    assert!(run(Occurrence::Threshold, &early).is_empty());
}

#[test]
fn the_events_a_threshold_counts_may_precede_the_step_before_it() {
    let (spray, takeover, seq) = spray_takeover();
    let key = vec!["ip".to_string()];
    // takeover -> spray: only the completing failure must follow the account.
    let members = [
        SequenceMember { step: &takeover, time_field: "time", keys: &key, occurrence: Occurrence::Event },
        SequenceMember { step: &spray, time_field: "time", keys: &key, occurrence: Occurrence::Threshold },
    ];
    let mut evs: Vec<Value> =
        (0..4).map(|i| at(i * 1_000, json!({"action": "fail", "ip": "10.0.0.9", "router": "r1"}))).collect();
    evs.push(at(5_000, json!({"action": "account", "ip": "10.0.0.9"})));
    evs.push(at(6_000, json!({"action": "fail", "ip": "10.0.0.9", "router": "r1"})));
    let tagged: Vec<SourcedEvent> = evs.iter().map(|e| SourcedEvent { source: "wifi", event: e }).collect();
    assert_eq!(sequence_groups(&seq, &members, &tagged), vec![vec!["10.0.0.9".to_string()]]);
}

#[test]
fn normalize_flattens_and_removes_double_negation() {
    let a = test("a", FieldType::Bool, TestOp::Exists);
    let b = test("b", FieldType::Bool, TestOp::Exists);
    let c = test("c", FieldType::Bool, TestOp::Exists);
    let nested = Cond::All(vec![a.clone(), Cond::All(vec![b.clone(), not(not(c.clone()))])]);
    assert_eq!(normalize(nested), Cond::All(vec![a.clone(), b.clone(), c.clone()]));
    assert_eq!(normalize(Cond::Any(vec![a.clone()])), a);
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn leaf() -> impl Strategy<Value = Cond> {
        prop_oneof![
            (0i64..4).prop_map(|v| test("n", FieldType::Int, TestOp::Cmp(Ordering::Gt, Number::Int(v)))),
            (0i64..4).prop_map(|v| test("n", FieldType::Int, TestOp::Eq(Scalar::Int(v)))),
            "[ab]".prop_map(|v| test("s", FieldType::String, TestOp::Eq(Scalar::Str(v)))),
            Just(test("s", FieldType::String, TestOp::Exists)),
        ]
    }

    fn cond() -> impl Strategy<Value = Cond> {
        leaf().prop_recursive(4, 32, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Cond::All),
                prop::collection::vec(inner.clone(), 0..4).prop_map(Cond::Any),
                inner.prop_map(|c| Cond::Not(Box::new(c))),
            ]
        })
    }

    fn event() -> impl Strategy<Value = Value> {
        (prop::option::of(0i64..5), prop::option::of("[abAB]")).prop_map(|(n, s)| {
            let mut e = json!({});
            if let Some(n) = n {
                e["n"] = json!(n);
            }
            if let Some(s) = s {
                e["s"] = json!(s);
            }
            e
        })
    }

    proptest! {
        #[test]
        fn normalize_preserves_meaning(c in cond(), e in event()) {
            prop_assert_eq!(matches(&normalize(c.clone()), &e), matches(&c, &e));
        }
    }

    /// Leaves that exercise what [`canonical`] rewrites: lists, case, `all`, CIDR blocks.
    fn canonical_leaf() -> impl Strategy<Value = Cond> {
        let text = || prop::collection::vec("[abAB]{1,2}", 1..4);
        prop_oneof![
            leaf(),
            "[abAB]".prop_map(|v| test("s", FieldType::String, TestOp::Eq(Scalar::Str(v)))),
            "[abAB]".prop_map(|v| cased("s", FieldType::String, TestOp::Eq(Scalar::Str(v)))),
            text().prop_map(|vs| test(
                "s",
                FieldType::String,
                TestOp::OneOf(vs.into_iter().map(Scalar::Str).collect())
            )),
            (text(), any::<bool>(), 0..3usize).prop_map(|(values, all, kind)| {
                let kind = [TextKind::Contains, TextKind::StartsWith, TextKind::EndsWith][kind];
                test("s", FieldType::String, TestOp::Text { kind, values, all })
            }),
            prop::collection::vec((0u8..4, 8u8..33), 1..3).prop_map(|blocks| {
                let blocks = blocks.into_iter().map(|(a, len)| format!("10.{a}.1.2/{len}").parse().unwrap()).collect();
                test("ip", FieldType::Ip, TestOp::Cidr(blocks))
            }),
        ]
    }

    fn canonical_cond() -> impl Strategy<Value = Cond> {
        canonical_leaf().prop_recursive(4, 32, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Cond::All),
                prop::collection::vec(inner.clone(), 0..4).prop_map(Cond::Any),
                inner.prop_map(|c| Cond::Not(Box::new(c))),
            ]
        })
    }

    fn canonical_event() -> impl Strategy<Value = Value> {
        (event(), prop::option::of((0u8..4, any::<u8>()))).prop_map(|(mut e, ip)| {
            if let Some((a, b)) = ip {
                e["ip"] = json!(format!("10.{a}.{b}.7"));
            }
            e
        })
    }

    /// The same condition with the operands of every `and`/`or` and the items of
    /// every list shuffled (Fisher-Yates driven by `seed`).
    fn shuffled(cond: &Cond, seed: &mut u64) -> Cond {
        fn shuffle<T>(items: &mut [T], seed: &mut u64) {
            for i in (1..items.len()).rev() {
                *seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                items.swap(i, (*seed >> 33) as usize % (i + 1));
            }
        }
        match cond {
            Cond::All(parts) | Cond::Any(parts) => {
                let mut parts: Vec<Cond> = parts.iter().map(|p| shuffled(p, seed)).collect();
                shuffle(&mut parts, seed);
                if matches!(cond, Cond::All(_)) {
                    Cond::All(parts)
                } else {
                    Cond::Any(parts)
                }
            }
            Cond::Not(inner) => Cond::Not(Box::new(shuffled(inner, seed))),
            Cond::Test(t) => {
                let mut t = t.clone();
                match &mut t.op {
                    TestOp::OneOf(values) => shuffle(values, seed),
                    TestOp::Text { values, .. } => shuffle(values, seed),
                    TestOp::Cidr(blocks) => shuffle(blocks, seed),
                    _ => {}
                }
                Cond::Test(t)
            }
        }
    }

    proptest! {
        #[test]
        fn canonical_form_keeps_the_meaning(c in canonical_cond(), e in canonical_event()) {
            prop_assert_eq!(matches(&canonical::canonical(&c), &e), matches(&c, &e));
        }

        #[test]
        fn reordering_operands_keeps_the_fingerprint_and_the_meaning(
            c in canonical_cond(),
            seed in any::<u64>(),
            events in prop::collection::vec(canonical_event(), 1..8),
        ) {
            let reordered = shuffled(&c, &mut seed.clone());
            prop_assert_eq!(canonical::text(&reordered), canonical::text(&c));
            for e in &events {
                prop_assert_eq!(matches(&reordered, e), matches(&c, e));
            }
        }
    }
    /// Events of one step: (second, group 0 or 1, value 0..3).
    fn timeline() -> impl Strategy<Value = Vec<(i64, u8, u8)>> {
        prop::collection::vec((0i64..40, 0u8..2, 0u8..3), 0..12)
    }

    fn events(step: &str, hits: &[(i64, u8, u8)]) -> Vec<Value> {
        hits.iter()
            .map(|(t, g, v)| at(t * 1000, json!({"step": step, "g": format!("g{g}"), "v": v.to_string()})))
            .collect()
    }

    /// The definition, literally: the distinct event times `t` of a group at which the
    /// group's events in `(t - window, t]` number (or hold distinct values) `min` or more.
    fn brute_completions(hits: &[(i64, u8, u8)], group: u8, window: i64, min: usize, distinct: bool) -> Vec<i64> {
        let mut times: Vec<i64> = hits.iter().filter(|h| h.1 == group).map(|h| h.0 * 1000).collect();
        times.sort_unstable();
        times.dedup();
        times
            .into_iter()
            .filter(|&t| {
                let inside: Vec<_> =
                    hits.iter().filter(|h| h.1 == group && h.0 * 1000 > t - window && h.0 * 1000 <= t).collect();
                let n = if distinct {
                    inside.iter().map(|h| h.2).collect::<std::collections::BTreeSet<_>>().len()
                } else {
                    inside.len()
                };
                n >= min
            })
            .collect()
    }

    /// Whether some choice of one occurrence per member is strictly increasing in
    /// time and spans at most `window`.
    fn brute_sequence(occurrences: &[Vec<i64>], window: i64) -> bool {
        fn extend(rest: &[Vec<i64>], first: i64, last: i64, window: i64) -> bool {
            match rest.split_first() {
                None => true,
                Some((times, tail)) => {
                    times.iter().any(|&t| t > last && t - first <= window && extend(tail, first, t, window))
                }
            }
        }
        occurrences.first().is_some_and(|times| times.iter().any(|&t| extend(&occurrences[1..], t, t, window)))
    }

    fn member_step(id: &str, threshold: Option<Threshold>) -> Step {
        let cond = test("step", FieldType::String, TestOp::Eq(Scalar::Str(id.into())));
        let mut step = seq_step(id, "src", cond.clone());
        step.detection = Detection::Condition { condition: cond, threshold };
        step
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// `threshold_completions` is the definition above, on random timelines.
        #[test]
        fn completions_agree_with_the_definition(
            hits in timeline(), window in 1i64..12, min in 2u64..5, distinct in any::<bool>()
        ) {
            let th = Threshold {
                distinct: distinct.then(|| "v".to_string()),
                min,
                window_ms: window as u64 * 1000,
                group_by: vec!["g".into()],
            };
            let evs = events("a", &hits);
            let refs: Vec<&Value> = evs.iter().collect();
            let got = threshold_completions(&th, &always_true(), "time", &refs);
            for group in 0..2u8 {
                let want = brute_completions(&hits, group, window * 1000, min as usize, distinct);
                prop_assert_eq!(got.get(&vec![format!("g{group}")]).cloned().unwrap_or_default(), want);
            }
            prop_assert_eq!(threshold_groups(&th, &always_true(), "time", &refs), got.keys().cloned().collect::<Vec<_>>());
        }

        /// `sequence_groups` with threshold and event members is the brute-force search
        /// over the members' occurrences.
        #[test]
        fn sequences_of_thresholds_agree_with_brute_force(
            a in timeline(), b in timeline(), c in timeline(),
            thresholds in prop::collection::vec(any::<bool>(), 3),
            min in 2u64..4, distinct in any::<bool>(), window in 1i64..8, span in 1i64..30
        ) {
            let th = Threshold {
                distinct: distinct.then(|| "v".to_string()),
                min,
                window_ms: window as u64 * 1000,
                group_by: vec!["g".into()],
            };
            let names = ["a", "b", "c"];
            let steps: Vec<Step> = names.iter().zip(&thresholds).map(|(n, t)| member_step(n, t.then(|| th.clone()))).collect();
            let key = vec!["g".to_string()];
            let members: Vec<SequenceMember> = steps
                .iter()
                .zip(&thresholds)
                .map(|(step, t)| SequenceMember {
                    step,
                    time_field: "time",
                    keys: &key,
                    occurrence: if *t { Occurrence::Threshold } else { Occurrence::Event },
                })
                .collect();
            let seq = Sequence {
                id: "s".into(), title: "s".into(), window_ms: span as u64 * 1000, steps: vec![],
                severity: Severity::High, span: Span::default(),
            };
            let hits = [&a, &b, &c];
            let all: Vec<Value> = names.iter().zip(hits).flat_map(|(n, h)| events(n, h)).collect();
            let tagged: Vec<SourcedEvent> = all.iter().map(|e| SourcedEvent { source: "src", event: e }).collect();
            let got = sequence_groups(&seq, &members, &tagged);
            let want: Vec<GroupKey> = (0..2u8)
                .filter(|&group| {
                    let occurrences: Vec<Vec<i64>> = hits
                        .iter()
                        .zip(&thresholds)
                        .map(|(h, t)| if *t {
                            brute_completions(h, group, window * 1000, min as usize, distinct)
                        } else {
                            h.iter().filter(|e| e.1 == group).map(|e| e.0 * 1000).collect()
                        })
                        .collect();
                    brute_sequence(&occurrences, span * 1000)
                })
                .map(|group| vec![format!("g{group}")])
                .collect();
            prop_assert_eq!(got, want);
        }
    }

    fn always_true() -> Cond {
        test("g", FieldType::String, TestOp::Exists)
    }
}

proptest::proptest! {
    /// The allocation-free ASCII paths of text equality and substring tests give
    /// the answers of lower-casing both sides (the definition).
    #[test]
    fn ascii_fast_paths_agree_with_lower_casing(value in "[a-cA-C_K\u{212A}]{0,6}", wanted in "[a-cA-C_kK]{0,3}") {
        let reference = |kind: TextKind| {
            let (v, w) = (value.to_lowercase(), wanted.to_lowercase());
            match kind {
                TextKind::Contains => v.contains(&w),
                TextKind::StartsWith => v.starts_with(&w),
                TextKind::EndsWith => v.ends_with(&w),
            }
        };
        for kind in [TextKind::Contains, TextKind::StartsWith, TextKind::EndsWith] {
            proptest::prop_assert_eq!(text_matches(kind, &value, &wanted, false), reference(kind), "{:?}", kind);
        }
        proptest::prop_assert_eq!(text_eq(&value, &wanted, false), value.to_lowercase() == wanted.to_lowercase());
    }
}

// ---------------------------------------------------------------- tuning

fn heart_rate_above(n: i64) -> Cond {
    test("heart_rate", FieldType::Int, TestOp::Cmp(Ordering::Gt, Number::Int(n)))
}

fn device(id: &str) -> Cond {
    test("device.id", FieldType::String, TestOp::Eq(s(id)))
}

#[test]
fn a_tuned_condition_matches_when_the_detection_does_and_no_exclusion_does() {
    let (bench, lab) = (device("BENCH-01"), device("LAB-02"));
    let tuned = tuned(&heart_rate_above(250), &[&bench, &lab]);
    assert!(matches(&tuned, &json!({"heart_rate": 300, "device.id": "ward-3"})));
    assert!(!matches(&tuned, &json!({"heart_rate": 300, "device.id": "BENCH-01"})), "first exclusion");
    assert!(!matches(&tuned, &json!({"heart_rate": 300, "device.id": "lab-02"})), "second, ignoring case");
    assert!(!matches(&tuned, &json!({"heart_rate": 200, "device.id": "ward-3"})), "the detection must match");
    // An event without the excluded field is not excluded: the exclusion's test is false.
    assert!(matches(&tuned, &json!({"heart_rate": 300})));
    assert_eq!(tuned, normalize(tuned.clone()), "normalised, as sema guarantees");
    assert_eq!(super::eval::tuned(&heart_rate_above(250), &[]), heart_rate_above(250), "no exclusion: unchanged");
}

#[test]
fn an_exclusion_on_a_threshold_removes_events_before_counting() {
    let th = Threshold { distinct: None, min: 3, window_ms: 60_000, group_by: vec!["ward".into()] };
    let event = |t: i64, dev: &str| at(t, json!({"heart_rate": 300, "device.id": dev, "ward": "w7"}));
    // Three readings in a minute, one of them from the bench rig.
    let evs = [event(1_000, "BED-1"), event(2_000, "BENCH-01"), event(3_000, "BED-2")];
    let refs: Vec<&Value> = evs.iter().collect();
    assert_eq!(threshold_groups(&th, &heart_rate_above(250), "time", &refs).len(), 1, "untuned: fires");
    let tuned = tuned(&heart_rate_above(250), &[&device("BENCH-01")]);
    assert!(threshold_groups(&th, &tuned, "time", &refs).is_empty(), "the bench reading no longer counts");
    let more = [event(1_000, "BED-1"), event(2_000, "BENCH-01"), event(3_000, "BED-2"), event(4_000, "BED-3")];
    let refs: Vec<&Value> = more.iter().collect();
    assert_eq!(threshold_completions(&th, &tuned, "time", &refs).get(&vec!["w7".to_string()]), Some(&vec![4_000]));
}

#[test]
fn an_exclusion_on_a_sequence_member_removes_its_events_from_the_sequence() {
    let login = seq_step("login", "vpn", test("action", FieldType::String, TestOp::Eq(s("login"))));
    let mut push = seq_step("push", "fw", test("action", FieldType::String, TestOp::Eq(s("push"))));
    let lab = device("LAB-02");
    push.detection =
        Detection::Condition { condition: tuned(push.detection.condition().unwrap(), &[&lab]), threshold: None };
    let key = vec!["user".to_string()];
    let seq = Sequence {
        id: "s".into(),
        title: "s".into(),
        window_ms: 600_000,
        steps: vec![],
        severity: Severity::High,
        span: Span::default(),
    };
    let members = [
        SequenceMember { step: &login, time_field: "time", keys: &key, occurrence: Occurrence::Event },
        SequenceMember { step: &push, time_field: "time", keys: &key, occurrence: Occurrence::Event },
    ];
    let run = |dev: &str| {
        let evs = [
            at(1_000, json!({"action": "login", "user": "u"})),
            at(2_000, json!({"action": "push", "user": "u", "device.id": dev})),
        ];
        let tagged = [SourcedEvent { source: "vpn", event: &evs[0] }, SourcedEvent { source: "fw", event: &evs[1] }];
        sequence_groups(&seq, &members, &tagged)
    };
    assert_eq!(run("OR-4"), vec![vec!["u".to_string()]]);
    assert!(run("LAB-02").is_empty(), "the excluded push cannot complete the sequence");
}
