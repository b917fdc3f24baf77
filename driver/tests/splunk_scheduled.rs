//! Scheduled replay of every Splunk saved search (issue 15; the Python half of the
//! conformance stage does the same for Sentinel and Kibana, `.ci/conformance/schedule.py`,
//! whose time line this follows to the millisecond).
//!
//! The tree is built in memory (the Splunk app's `default/savedsearches.conf`, the `.spl` files, the
//! generated events with their HEC times). For every saved search and every scenario of
//! its events (the canonical lines that share a `_case`), the scenario is placed on the
//! time line four ways: completing inside a run's slice or straddling a run boundary,
//! every event on time or arriving the whole ingestion delay late. Every run of the cron
//! grid that could see an event searches `[T + earliest, T + latest)` among the events
//! that have arrived by `T`; the project's SPL interpreter (`targets/tests/spl`, written
//! from Splunk's documentation) runs the whole `.spl` on them; each result is an alert,
//! unless `alert.suppress` holds a result with the same `alert.suppress.fields` values
//! from the last `alert.suppress.period`. A positive scenario must raise exactly one
//! alert (a single-event rule: one per matching event), a negative one none.
//!
//! Disagreements are judged by `.ci/conformance/known-differences.toml`, as the
//! conformance stage judges its rows. With `SCALPEL_SCHEDULED_TREE` set, only that
//! tree is replayed, every scenario of it, and every row is also written as JSON to
//! `SCALPEL_SCHEDULED_ROWS`, for the stage's scheduled agreement matrix.
//!
//! In the test suite the fixture tree is replayed whole, and the shipped tree's every
//! saved search on its scenarios of at most [`SUITE_MAX_EVENTS`] events (a rule with
//! none that small on its smallest): a threshold's
//! burst scenarios (up to 502 events) cost one interpreter run per distinct set of
//! visible events, some thousand per placement, and took most of the test's 200 s. They
//! are replayed by the conformance stage, which runs this test on the whole tree.

#[allow(dead_code)] // the single-step test uses parts of the interpreter this one does not
#[path = "../../targets/tests/spl/mod.rs"]
mod spl;

use scalpel_compiler::events;
use scalpel_compiler::project;
use scalpel_driver::{build, replay};
use scalpel_targets::templates::Templates;
use scalpel_targets::{Settings, Target};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

const MINUTE: i64 = 60_000;
/// 2026-06-01T00:00:00Z, the time line's anchor (as in `schedule.py`).
const ANCHOR_MS: i64 = 1_780_272_000_000;
const KIND: &str = "scheduled spl";
/// The largest shipped scenario the test suite replays (see the module's header).
const SUITE_MAX_EVENTS: usize = 40;
const ENGINE: &str = "SPL interpreter (targets/tests/spl)";

/// What a saved search says about when it runs and what it searches.
struct Plan {
    interval: i64,
    /// A run at `T` searches `[T - back, T - delay)`.
    back: i64,
    delay: i64,
    /// `alert.suppress.fields` and `alert.suppress.period`, when `alert.suppress = 1`.
    suppress: Option<(Vec<String>, i64)>,
}

/// `-<n>m@m` → n minutes in ms.
fn offset(text: &str) -> i64 {
    let minutes = text.strip_prefix('-').and_then(|t| t.strip_suffix("m@m")).and_then(|t| t.parse::<i64>().ok());
    minutes.unwrap_or_else(|| panic!("time modifier `{text}`")) * MINUTE
}

/// `*/<n> * * * *` or `0 */<n> * * *` or `0 * * * *` → the interval in ms.
fn interval(cron: &str) -> i64 {
    let fields: Vec<&str> = cron.split(' ').collect();
    match fields.as_slice() {
        [m, "*", "*", "*", "*"] if m.starts_with("*/") => m[2..].parse::<i64>().expect("minutes") * MINUTE,
        ["0", "*", "*", "*", "*"] => 60 * MINUTE,
        ["0", h, "*", "*", "*"] if h.starts_with("*/") => h[2..].parse::<i64>().expect("hours") * 60 * MINUTE,
        _ => panic!("cron `{cron}`"),
    }
}

/// `savedsearches.conf` → `<flow>.<item>` → its plan.
fn plans(conf: &str) -> BTreeMap<String, Plan> {
    let mut stanzas: Vec<(String, BTreeMap<&str, &str>)> = Vec::new();
    for line in conf.lines() {
        if let Some(name) = line.strip_prefix("[Scalpel - ") {
            // `<flow>.<item> <title>]`, the title cut away when it does not fit.
            let id = name.trim_end_matches(']').split(' ').next().expect("stanza id").to_string();
            stanzas.push((id, BTreeMap::new()));
        } else if let (Some((_, keys)), Some((k, v))) = (stanzas.last_mut(), line.split_once(" = ")) {
            keys.insert(k, v);
        }
    }
    stanzas
        .into_iter()
        .map(|(id, s)| {
            let suppress = (s.get("alert.suppress") == Some(&"1")).then(|| {
                let fields = s["alert.suppress.fields"].split(',').map(|f| f.trim().to_string()).collect();
                let period = s["alert.suppress.period"].strip_suffix('s').and_then(|p| p.parse::<i64>().ok());
                (fields, period.expect("suppression period in seconds") * 1000)
            });
            let plan = Plan {
                interval: interval(s["cron_schedule"]),
                back: offset(s["dispatch.earliest_time"]),
                delay: offset(s["dispatch.latest_time"]),
                suppress,
            };
            (id, plan)
        })
        .collect()
}

#[derive(Clone, Copy)]
struct Placed {
    line: usize,
    time: i64,
    arrival: i64,
}

/// The scenario's events (line → event time) moved onto the run grid, four ways.
fn placements(times: &BTreeMap<usize, i64>, plan: &Plan) -> Vec<(String, Vec<Placed>)> {
    let first = *times.values().min().expect("a scenario has events");
    let last = *times.values().max().expect("a scenario has events");
    let run = ANCHOR_MS - ANCHOR_MS % plan.interval + 100 * plan.interval;
    let boundary = run - plan.delay;
    let inside = boundary - plan.interval / 2 - last;
    // Several events: the first in this slice, the rest in the next; one event: on the boundary.
    let straddle = if first < last { boundary - 1 - first } else { boundary - last };
    let mut out = Vec::new();
    for (name, shift) in [("inside a slice", inside), ("straddling a run boundary", straddle)] {
        for (late, arrival) in [("on time", 0), ("arriving the whole delay late", plan.delay)] {
            let placed = times
                .iter()
                .map(|(&line, &t)| Placed { line, time: t + shift, arrival: t + shift + arrival })
                .collect();
            out.push((format!("{name}, {late}"), placed));
        }
    }
    out
}

fn iso(ms: i64) -> String {
    // Days from the civil date algorithm (Howard Hinnant), enough for a label.
    let (days, rest) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let (h, m, s) = (rest / 3_600_000, rest / 60_000 % 60, rest / 1000 % 60);
    format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}.{:03}Z", rest % 1000)
}

/// One rule's events: canonical lines (case, expectation) and their HEC objects.
struct Scenarios {
    cases: Vec<(String, Vec<usize>)>,
    expect: Vec<bool>,
    hec: Vec<Value>,
}

fn read_events(files: &HashMap<String, String>, stem: &str) -> Option<Scenarios> {
    let lines = |path: String| -> Option<Vec<Value>> {
        let text = files.get(&path)?;
        Some(text.lines().map(|l| serde_json::from_str(l).expect("JSON line")).collect())
    };
    let canonical = lines(format!("{stem}.jsonl"))?;
    let hec = lines(format!("{stem}.splunk-hec.json"))?;
    assert_eq!(canonical.len(), hec.len(), "{stem}: canonical and HEC lines");
    let mut cases: Vec<(String, Vec<usize>)> = Vec::new();
    for (n, line) in canonical.iter().enumerate() {
        let case = line["_case"].as_str().expect("_case").to_string();
        match cases.iter_mut().find(|(c, _)| *c == case) {
            Some((_, members)) => members.push(n),
            None => cases.push((case, vec![n])),
        }
    }
    let expect = canonical.iter().map(|l| l["_expect"].as_bool().expect("_expect")).collect();
    Some(Scenarios { cases, expect, hec })
}

/// The event of HEC line `n` as Splunk indexes it, at `time`.
fn indexed(hec: &Value, time: i64) -> spl::Result<spl::Event> {
    let text = |k: &str| hec[k].as_str().unwrap_or_default().to_string();
    let mut event = spl::Event::from_json(&hec["event"], &text("index"), &text("sourcetype"))?;
    event.fields.insert("_time".into(), format!("{}", time as f64 / 1000.0));
    Ok(event)
}

/// Runs every scheduled run on one placement; the alerts and when they were raised.
fn replay_placement(
    query: &spl::pipeline::Pipeline,
    plan: &Plan,
    placed: &[Placed],
    hec: &[Value],
) -> spl::Result<(usize, Vec<i64>)> {
    let start = placed.iter().map(|p| p.time).min().unwrap_or_default() - plan.interval;
    let end = placed.iter().map(|p| p.arrival).max().unwrap_or_default() + plan.back + plan.interval;
    let mut cache: HashMap<Vec<usize>, Vec<Vec<String>>> = HashMap::new();
    let mut suppressed: HashMap<Vec<String>, i64> = HashMap::new();
    let (mut alerts, mut when) = (0, Vec::new());
    let mut t = start - start.rem_euclid(plan.interval);
    while t <= end {
        let seen: Vec<&Placed> =
            placed.iter().filter(|p| t - plan.back <= p.time && p.time < t - plan.delay && p.arrival <= t).collect();
        if !seen.is_empty() {
            let lines: Vec<usize> = seen.iter().map(|p| p.line).collect();
            if !cache.contains_key(&lines) {
                let events = seen.iter().map(|p| indexed(&hec[p.line], p.time)).collect::<spl::Result<Vec<_>>>()?;
                let results = query.run(&events, spl::Folding::Ascii)?;
                let fields = plan.suppress.as_ref().map(|(f, _)| f.as_slice()).unwrap_or_default();
                let keys = results.iter().map(|r| fields.iter().map(|f| r.get(f).unwrap_or("").to_string()).collect());
                cache.insert(lines.clone(), keys.collect());
            }
            for key in &cache[&lines] {
                let admitted = match &plan.suppress {
                    None => true,
                    Some((_, period)) => match suppressed.get(key) {
                        Some(&at) if t - at < *period => false,
                        _ => {
                            suppressed.insert(key.clone(), t);
                            true
                        }
                    },
                };
                if admitted {
                    alerts += 1;
                    when.push(t);
                }
            }
        }
        t += plan.interval;
    }
    Ok((alerts, when))
}

/// Every row of one tree: {artifact, kind, engine, ok, detail}; scenarios of more than
/// `max_events` events are left out (and counted in the second value).
fn replay_tree(tree: &Path, max_events: usize) -> (Vec<Value>, usize) {
    let compiled = project::compile(&[tree.to_path_buf()], &[]);
    assert!(!compiled.diags.has_errors(), "{}: {:?}", tree.display(), compiled.diags);
    let program = compiled.program.as_ref().expect("program");
    let (name, settings) = Settings::for_project(&compiled.project, program);
    let settings = settings.expect("settings");
    let templates = Templates::load(None).expect("templates");
    let output = build(program, &name, &settings, &[Target::Splunk], &templates, &|| {});
    let generated = events::generate(program, events::DEFAULT_SEED);
    let mut files: HashMap<String, String> = output.files.into_iter().collect();
    for (path, text) in replay::files(&generated.items, program, &settings) {
        files.insert(format!("events/{path}"), text);
    }
    let conf = files.iter().find(|(p, _)| p.ends_with("/default/savedsearches.conf")).expect("the Splunk app").1;
    let plans = plans(conf);
    assert!(!plans.is_empty(), "no saved searches");
    let (mut rows, mut left_out) = (Vec::new(), 0);
    for (id, plan) in &plans {
        let before = rows.len();
        let (flow, item) = id.split_once('.').expect("<flow>.<item>");
        let artifact = format!("splunk/{flow}/{item}.spl");
        let text = files.get(&artifact).unwrap_or_else(|| panic!("no {artifact}"));
        let threshold = files.contains_key(&format!("events/{flow}/{item}.threshold.jsonl"));
        let windowed = threshold || text.starts_with("| multisearch");
        let stem = format!("events/{flow}/{item}{}", if threshold { ".threshold" } else { "" });
        let row = |ok: bool, detail: String| json!({"artifact": artifact, "kind": KIND, "engine": ENGINE, "ok": ok, "detail": detail});
        let Some(scenarios) = read_events(&files, &stem) else {
            rows.push(row(false, format!("no events at {stem}.jsonl")));
            continue;
        };
        let query = match spl::pipeline::parse(text) {
            Ok(q) => q,
            Err(e) => {
                rows.push(row(false, format!("cannot run: {}", e.0)));
                continue;
            }
        };
        // A rule whose every scenario is over the bound keeps its smallest one.
        let smallest = scenarios.cases.iter().map(|(_, lines)| lines.len()).min().unwrap_or_default();
        for (case, lines) in &scenarios.cases {
            if lines.len() > max_events.max(smallest) {
                left_out += 1;
                continue;
            }
            let times: BTreeMap<usize, i64> = lines
                .iter()
                .map(|&n| (n, (scenarios.hec[n]["time"].as_f64().expect("HEC time") * 1000.0).round() as i64))
                .collect();
            let matches = lines.iter().filter(|&&n| scenarios.expect[n]).count();
            let want = if windowed { usize::from(matches > 0) } else { matches };
            for (variant, placed) in placements(&times, plan) {
                let detail = match replay_placement(&query, plan, &placed, &scenarios.hec) {
                    Ok((got, when)) => {
                        let mut d = format!("({case}) [{variant}]: expected {want} alert(s), got {got}");
                        if !when.is_empty() {
                            let shown: Vec<String> = when.iter().take(4).map(|&t| iso(t)).collect();
                            d.push_str(&format!(" at {}", shown.join(", ")));
                        }
                        (got == want, d)
                    }
                    Err(e) => (false, format!("({case}) [{variant}]: cannot run: {}", e.0)),
                };
                let mut r = row(detail.0, detail.1);
                r["artifact"] = json!(format!("{artifact}:{}", lines[0] + 1));
                rows.push(r);
            }
        }
        assert!(rows.len() > before, "{id}: no scenario replayed");
    }
    (rows, left_out)
}

/// The rows no entry of known-differences.toml explains.
fn unexplained(rows: &[Value]) -> Vec<String> {
    let known: toml::Value = toml::from_str(
        &std::fs::read_to_string("../.ci/conformance/known-differences.toml").expect("known-differences.toml"),
    )
    .expect("known-differences.toml parses");
    let entries = known["difference"].as_array().expect("[[difference]]");
    let field = |e: &toml::Value, k: &str| e.get(k).and_then(|v| v.as_str()).unwrap_or("").to_string();
    rows.iter()
        .filter(|r| r["ok"] == json!(false))
        .filter(|r| {
            let (artifact, detail) = (r["artifact"].as_str().unwrap_or(""), r["detail"].as_str().unwrap_or(""));
            !entries.iter().any(|e| {
                field(e, "engine") == ENGINE
                    && field(e, "kind") == KIND
                    && detail.contains(&field(e, "detail"))
                    && artifact.contains(&field(e, "artifact"))
            })
        })
        .map(|r| format!("{}: {}", r["artifact"].as_str().unwrap_or(""), r["detail"].as_str().unwrap_or("")))
        .collect()
}

fn check(rows: &[Value], tree: &str) {
    let failed = unexplained(rows);
    let ok = rows.iter().filter(|r| r["ok"] == json!(true)).count();
    eprintln!("{tree}: {} scheduled scenarios, {ok} agreed, {} unexplained", rows.len(), failed.len());
    assert!(failed.is_empty(), "{tree}: {} unexplained:\n{}", failed.len(), failed.join("\n"));
}

#[test]
fn every_splunk_rule_alerts_once_per_match_on_its_schedule() {
    if let Ok(tree) = std::env::var("SCALPEL_SCHEDULED_TREE") {
        // The conformance stage: its rows, judged there (a stale entry is its business too).
        let (rows, _) = replay_tree(Path::new(&tree), usize::MAX);
        let out = std::env::var("SCALPEL_SCHEDULED_ROWS").expect("SCALPEL_SCHEDULED_ROWS with SCALPEL_SCHEDULED_TREE");
        std::fs::write(out, serde_json::to_string_pretty(&rows).expect("rows")).expect("rows written");
        return;
    }
    for (tree, max_events) in [("../detections", SUITE_MAX_EVENTS), ("../targets/tests/fixtures/tree", usize::MAX)] {
        let (rows, left_out) = replay_tree(&PathBuf::from(tree), max_events);
        assert!(rows.len() > 100, "{tree}: only {} rows", rows.len());
        eprintln!("{tree}: {left_out} scenarios of more than {max_events} events left to the conformance stage");
        check(&rows, tree);
    }
}
