//! The generator's promise, on random detections written as text: whatever `check`
//! accepts, `generate` (so `scalpel events` and `scalpel build`) succeeds, or
//! refuses only with E0601/E0602, which mean "proven impossible" (issue 13).
//!
//! Conditions mix every operator over the value classes that once failed: int64
//! limits and their neighbours on fields without a `range`, constants beyond 2^53,
//! the empty string, quotes and backslashes, case pairs, long regex repetitions,
//! float exponents; thresholds of thousands of events and `distinct` counts a
//! field cannot reach. A success is confirmed by `ir::eval` (each positive matches,
//! each near miss does not, a threshold fires and stays quiet as designed); a
//! refusal is challenged by random events built from the condition's constants.

use super::verify;
use super::*;
use crate::ir::eval::matches;
use crate::project::{self, Project};
use proptest::prelude::*;
use serde_json::json;

const SCHEMA: &str = r#"schema p "property" {
    time  timestamp event_time
    n     int
    port  int
    r     int range -10..10
    f     float
    s     string
    t     string
    ok    bool
    ip    ip
    k     enum(ecg, eeg, bp)
}
"#;

const INTS: &[&str] = &[
    "-9223372036854775808",
    "-9223372036854775807",
    "-1",
    "0",
    "1",
    "22",
    "5000",
    "1000000",
    "9007199254740993",
    "9223372036854775806",
    "9223372036854775807",
    "-10",
    "10",
];
const FLOATS: &[&str] = &["-1e300", "0.0", "0.5", "1e-300", "80.5", "1e300", "3"];
const TEXTS: &[&str] =
    &[r#""""#, r#""a""#, r#""A""#, r#""ab""#, r#""a\\b""#, r#""x\"y""#, r#""é""#, r#""K""#, r#""ſ""#];
const REGEXES: &[&str] =
    &[r"/[A-Za-z0-9+\/]{100,}/", r"/^a{3}b$/", r"/^$/", r"/^x{300}$/", r"/(ab|cd)+e/", r"/^\d{4}-\d{2}$/"];
const CMP: &[&str] = &["==", "!=", "<", "<=", ">", ">="];

fn pick(items: &'static [&'static str]) -> impl Strategy<Value = &'static str> {
    prop::sample::select(items)
}

fn leaf() -> impl Strategy<Value = String> {
    prop_oneof![
        (pick(&["n", "port", "r"]), pick(CMP), pick(INTS)).prop_map(|(f, op, v)| format!("{f} {op} {v}")),
        (pick(&["n", "port"]), pick(INTS), pick(INTS)).prop_map(|(f, a, b)| format!("{f} in [{a}, {b}]")),
        (pick(CMP), pick(FLOATS)).prop_map(|(op, v)| format!("f {op} {v}")),
        (pick(&["s", "t"]), pick(&["==", "!=", "cased ==", "cased !="]), pick(TEXTS))
            .prop_map(|(f, op, v)| format!("{f} {op} {v}")),
        (pick(&["contains", "startswith", "endswith", "cased contains"]), pick(TEXTS))
            .prop_map(|(op, v)| format!("s {op} {v}")),
        (pick(TEXTS), pick(TEXTS)).prop_map(|(a, b)| format!("t in [{a}, {b}]")),
        pick(REGEXES).prop_map(|r| format!("s matches {r}")),
        pick(&["s exists", "n exists", "ok == true", "ok == false", "k == ecg", "k in [eeg, bp]", "k != bp"])
            .prop_map(String::from),
        pick(&[r#"ip in cidr "10.0.0.0/8""#, "ip == 10.0.0.1", r#"ip in cidr "fd00::/8""#]).prop_map(String::from),
    ]
}

fn condition() -> impl Strategy<Value = String> {
    leaf().prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 2..4).prop_map(|parts| format!("({})", parts.join(" and "))),
            prop::collection::vec(inner.clone(), 2..4).prop_map(|parts| format!("({})", parts.join(" or "))),
            inner.prop_map(|c| format!("not ({c})")),
        ]
    })
}

fn threshold() -> impl Strategy<Value = &'static str> {
    pick(&[
        "",
        "",
        "threshold count > 1 within 1m by t",
        "threshold count >= 100000 within 1h",
        // A million and more is `tests_domain`'s (seconds in a debug build).
        "threshold count > 20000 within 1m by ip",
        "threshold distinct t >= 3 within 5m",
        "threshold distinct ok >= 3 within 5m",
        "threshold distinct r > 5 within 1m by s",
    ])
}

/// `check` of the schema and one step; `None` when `check` rejects it.
fn checked(detect: &str, threshold: &str) -> Option<Program> {
    let text = format!(
        "{SCHEMA}flow \"P-1\" \"p\" {{\n    category \"p\"\n    origin theoretical\n    step a \"a\" {{\n        \
         technique T1565.002\n        source p\n        detect {detect}\n        {threshold}\n    }}\n}}\n"
    );
    let mut project = Project { config_bundles: Some(Vec::new()), ..Project::default() };
    let id = project.sources.add("p.det", text);
    project.files.push(id);
    let (asts, mut diags) = project::parse_all(&project);
    let catalog = project::catalog(&project, &[], &mut diags).expect("the embedded catalog");
    let (program, check) = crate::sema::check(&asts, &project.sources, &catalog);
    diags.extend(check);
    (!diags.has_errors()).then_some(program)
}

/// Random events from values near the constants the conditions name: what a
/// refusal claims impossible is challenged on these.
fn sample_events(seed: u64) -> Vec<Value> {
    let ints: Vec<Value> = INTS
        .iter()
        .filter_map(|i| i.parse::<i64>().ok())
        .flat_map(|i| [i.saturating_sub(1), i, i.saturating_add(1)])
        .map(|i| json!(i))
        .collect();
    let floats: Vec<Value> = FLOATS
        .iter()
        .filter_map(|f| f.parse::<f64>().ok())
        .flat_map(|f| [f * 0.5, f, f * 2.0 + 1.0])
        .map(|f| json!(f))
        .collect();
    let texts: Vec<Value> =
        ["", "a", "A", "ab", "a\\b", "x\"y", "é", "K", "ſ", "s", "aaab", "cde", "abe", "1234-56", "xab", "abx"]
            .iter()
            .map(|s| json!(s))
            .collect();
    let pools: [(&str, Vec<Value>); 9] = [
        ("n", ints.clone()),
        ("port", ints),
        ("r", (-10..=10).map(|i| json!(i)).collect()),
        ("f", floats),
        ("s", texts.clone()),
        ("t", texts),
        ("ok", vec![json!(true), json!(false)]),
        ("ip", vec![json!("10.0.0.1"), json!("192.0.2.1"), json!("fd00::1")]),
        ("k", vec![json!("ecg"), json!("eeg"), json!("bp")]),
    ];
    let mut rng = super::rng::Rng::for_item(seed, "refute");
    (0..3000)
        .map(|_| {
            let mut event = serde_json::Map::new();
            for (name, pool) in &pools {
                // About one value in eight is left out (missing fields matter to `not`).
                let at = rng.below(pool.len() as u64 + pool.len() as u64 / 8 + 1) as usize;
                if let Some(v) = pool.get(at) {
                    event.insert((*name).to_string(), v.clone());
                }
            }
            Value::Object(event)
        })
        .collect()
}

/// Whether the sample shows the threshold can fire: a matching event with its
/// group-by fields (copies of it reach any count), or enough distinct values of the
/// distinct field in one group.
fn sample_fires(threshold: &crate::ir::Threshold, matching: &[&Value]) -> bool {
    let key = |e: &Value| threshold.group_by.iter().map(|f| e.get(f).map(Value::to_string)).collect::<Option<Vec<_>>>();
    let Some(field) = &threshold.distinct else { return matching.iter().any(|e| key(e).is_some()) };
    let mut groups: std::collections::BTreeMap<Vec<String>, std::collections::BTreeSet<String>> = Default::default();
    for e in matching {
        if let (Some(k), Some(v)) = (key(e), e.get(field)) {
            groups.entry(k).or_default().insert(v.to_string());
        }
    }
    groups.values().any(|values| values.len() as u64 >= threshold.min.max(1))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn accepted_detections_get_events_or_a_proven_refusal(detect in condition(), threshold in threshold()) {
        let Some(program) = checked(&detect, threshold) else { return Ok(()) };
        let generated = generate(&program, DEFAULT_SEED);
        let step = &program.flows[0].steps[0];
        let cond = step.detection.condition().expect("a condition");
        let sample = sample_events(7);
        let matching: Vec<&Value> = sample.iter().filter(|e| matches(cond, e)).collect();
        for diag in generated.diags.iter() {
            // E0601/E0602 claim a proof, W0603 that the search found nothing: the
            // sample must not show an event (or a firing threshold) either way.
            let refuted = match diag.code {
                Code::NoPositiveEvent => !matching.is_empty(),
                Code::NoScenario => step.detection.threshold().is_some_and(|t| sample_fires(t, &matching)),
                Code::EventSearchGaveUp if diag.message.contains("threshold") => {
                    step.detection.threshold().is_some_and(|t| sample_fires(t, &matching))
                }
                Code::EventSearchGaveUp => !matching.is_empty(),
                _ => true,
            };
            prop_assert!(!refuted, "{}: {} on `{detect}` {threshold}; the sample has {} matching events", diag.code.as_str(), diag.message, matching.len());
        }
        let refused = |code: Code| generated.diags.iter().any(|d| d.code == code);
        for item in &generated.items {
            let outcome = verify::reference(&program, item);
            prop_assert!(outcome.failures.is_empty(), "`{detect}` {threshold}: {:?}", outcome.failures);
            match item.kind {
                ItemKind::Threshold if !item.scenarios.iter().any(|s| !s.expected.is_empty()) => {
                    prop_assert!(refused(Code::NoScenario) || refused(Code::EventSearchGaveUp), "no firing scenario, no diagnostic: `{detect}` {threshold}");
                }
                _ => {}
            }
        }
        // No positive is always said (E0601 or W0603): no step goes silently empty.
        let positives = generated.items.iter().any(|i| i.kind == ItemKind::Step && i.cases.iter().any(|c| c.expect));
        prop_assert!(positives || refused(Code::NoPositiveEvent) || refused(Code::EventSearchGaveUp), "`{detect}`: no positive, no diagnostic");
    }
}
