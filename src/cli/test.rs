//! `scalpel test`: generate every rule's events and run them through the
//! reference evaluator and every engine that evaluates in process (sigma-rust on
//! the emitted Sigma); print a rule × engine table (`--format human`), JSON or
//! JUnit XML. Exit 1 on any failure, including detections with no events.
//!
//! Flows are generated and judged apart, in parallel; a flow's events are dropped
//! once judged, so memory holds the outcomes, not the events.

use super::output::{errln, out};
use super::report::{self, Reporter};
use super::{MessageFormat, TestArgs, TestFormat};
use rayon::prelude::*;
use scalpel_compiler::events::verify::{self, Outcome};
use scalpel_compiler::events::{self, ItemEvents, ItemKind};
use scalpel_compiler::project;
use scalpel_driver::engines::sigma_rust;
use scalpel_driver::replay;
use scalpel_targets::{Context, Settings};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::process::ExitCode;

const ENGINES: [&str; 2] = ["ir::eval", sigma_rust::NAME];

/// The rule a row reports on.
struct Rule {
    flow: String,
    item: String,
    kind: ItemKind,
    /// Its events file (without `.jsonl`), as `scalpel events` names it.
    stem: String,
}

impl Rule {
    fn of(item: &ItemEvents) -> Rule {
        Rule { flow: item.flow.clone(), item: item.item.clone(), kind: item.kind, stem: replay::stem(item) }
    }
}

struct Row {
    rule: Rule,
    outcomes: [Outcome; 2],
}

pub fn run(args: TestArgs) -> ExitCode {
    if let Err(status) = report::require_paths(&args.input.paths) {
        return status;
    }
    let mut compiled = project::compile(&args.input.paths, &args.input.attack_bundles);
    let mut diags = std::mem::take(&mut compiled.diags);
    // Diagnostics go to stderr in every format, so stdout holds only the report.
    let reporter = Reporter::new(&compiled.project, &args.lints, MessageFormat::Human, &mut diags);
    let mut rendered = None;
    if let (false, Some(program)) = (diags.has_errors(), &compiled.program) {
        let (tree, settings) = Settings::for_project(&compiled.project, program);
        match settings {
            Ok(settings) => {
                let ctx =
                    Context { program, tree: &tree, settings: &settings, versions: &scalpel_targets::Versions::none() };
                let flows: Vec<(Vec<Row>, Vec<_>)> = program
                    .flows
                    .par_iter()
                    .map(|flow| {
                        let generated = events::generate_one_flow(program, flow, args.seed);
                        let rows = generated
                            .items
                            .par_iter()
                            .map(|item| Row {
                                rule: Rule::of(item),
                                outcomes: [verify::reference(program, item), sigma_rust::evaluate(&ctx, item)],
                            })
                            .collect();
                        (rows, generated.diags)
                    })
                    .collect();
                let mut rows = Vec::new();
                for (flow_rows, flow_diags) in flows {
                    rows.extend(flow_rows);
                    flow_diags.into_iter().for_each(|d| diags.push(d));
                }
                let failed = rows.iter().any(|r| r.outcomes.iter().any(|o| !o.failures.is_empty()));
                let text = match args.format {
                    TestFormat::Human => human(&rows),
                    TestFormat::Json => json_report(&rows),
                    TestFormat::Junit => junit(&rows),
                };
                rendered = Some((text, failed));
            }
            Err(diag) => diags.push(diag),
        }
    }
    let sorted = reporter.emit(diags, &compiled.project.sources);
    let errors = sorted.iter().any(|d| d.is_error());
    match rendered {
        Some((text, failed)) => {
            out!("{text}");
            ExitCode::from(u8::from(failed || errors))
        }
        None => {
            errln!("error: no tests run: {}", report::counts(&sorted));
            ExitCode::from(1)
        }
    }
}

fn kind(rule: &Rule) -> &'static str {
    match rule.kind {
        ItemKind::Step => "step",
        ItemKind::Threshold => "threshold",
        ItemKind::Sequence => "sequence",
    }
}

fn rule_name(rule: &Rule) -> String {
    format!("{}/{}", rule.flow, rule.item)
}

/// `pass 12`, `pass 9, 2 skipped`, `FAIL 1/12`, `skipped 4`, `n/a`.
fn cell(outcome: &Outcome) -> String {
    if outcome.not_applicable.is_some() {
        return "n/a".to_string();
    }
    let skipped = outcome.skipped.len();
    match (outcome.failures.len(), outcome.checked, skipped) {
        (0, 0, 0) => "-".to_string(),
        (0, 0, s) => format!("skipped {s}"),
        (0, c, 0) => format!("pass {c}"),
        (0, c, s) => format!("pass {c}, {s} skipped"),
        (f, c, _) => format!("FAIL {f}/{c}"),
    }
}

fn human(rows: &[Row]) -> String {
    let width = rows.iter().map(|r| rule_name(&r.rule).len()).max().unwrap_or(4).max(4);
    let mut out = String::new();
    let _ = writeln!(out, "{:width$}  {:9}  {:18}  {}", "rule", "kind", ENGINES[0], ENGINES[1]);
    for row in rows {
        let _ = writeln!(
            out,
            "{:width$}  {:9}  {:18}  {}",
            rule_name(&row.rule),
            kind(&row.rule),
            cell(&row.outcomes[0]),
            cell(&row.outcomes[1])
        );
    }
    let mut failures = String::new();
    let mut reasons: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for row in rows {
        for (engine, outcome) in ENGINES.iter().zip(&row.outcomes) {
            for f in &outcome.failures {
                let file = format!("{}.jsonl", row.rule.stem);
                let _ = writeln!(failures, "\n{engine} on {} ({file}:{}): {}", rule_name(&row.rule), f.line, f.label);
                let _ = writeln!(failures, "  expected {}, got {}", f.expected, f.got);
                for event in &f.events {
                    let _ = writeln!(failures, "  {event}");
                }
            }
            for (_, reason) in &outcome.skipped {
                *reasons.entry((engine, reason.as_str())).or_default() += 1;
            }
            if let Some(reason) = &outcome.not_applicable {
                *reasons.entry((engine, reason.as_str())).or_default() += 1;
            }
        }
    }
    if !failures.is_empty() {
        let _ = write!(out, "\nfailures:\n{failures}");
    }
    if !reasons.is_empty() {
        let _ = writeln!(out, "\nnot judged (never counted as passes):");
        for ((engine, reason), n) in &reasons {
            let _ = writeln!(out, "  {engine}: {n} x {reason}");
        }
    }
    let _ = writeln!(out, "\n{}", summary_line(rows));
    out
}

fn totals(rows: &[Row], engine: usize) -> (usize, usize, usize, usize) {
    rows.iter().map(|r| &r.outcomes[engine]).fold((0, 0, 0, 0), |(c, f, s, n), o| {
        (
            c + o.checked - o.failures.len(),
            f + o.failures.len(),
            s + o.skipped.len(),
            n + usize::from(o.not_applicable.is_some()),
        )
    })
}

fn summary_line(rows: &[Row]) -> String {
    let failed = rows.iter().any(|r| r.outcomes.iter().any(|o| !o.failures.is_empty()));
    let per_engine: Vec<String> = ENGINES
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let (passed, failed, skipped, na) = totals(rows, i);
            format!("{name}: {passed} passed, {failed} failed, {skipped} skipped, {na} rules n/a")
        })
        .collect();
    format!("test result: {}. {} rules; {}", if failed { "FAILED" } else { "ok" }, rows.len(), per_engine.join("; "))
}

fn outcome_json(outcome: &Outcome) -> Value {
    let status = if outcome.not_applicable.is_some() {
        "n/a"
    } else if !outcome.failures.is_empty() {
        "fail"
    } else if outcome.checked == 0 && !outcome.skipped.is_empty() {
        "skipped"
    } else {
        "pass"
    };
    json!({
        "status": status,
        "checked": outcome.checked,
        "reason": outcome.not_applicable,
        "failures": outcome.failures.iter().map(|f| json!({
            "line": f.line, "label": f.label, "expected": f.expected, "got": f.got, "events": f.events,
        })).collect::<Vec<_>>(),
        "skipped": outcome.skipped.iter().map(|(line, reason)| json!({"line": line, "reason": reason})).collect::<Vec<_>>(),
    })
}

fn json_report(rows: &[Row]) -> String {
    let rules: Vec<Value> = rows
        .iter()
        .map(|row| {
            let engines: serde_json::Map<String, Value> =
                ENGINES.iter().zip(&row.outcomes).map(|(e, o)| (e.to_string(), outcome_json(o))).collect();
            json!({
                "flow": row.rule.flow,
                "item": row.rule.item,
                "kind": kind(&row.rule),
                "file": format!("{}.jsonl", row.rule.stem),
                "engines": engines,
            })
        })
        .collect();
    let summary: serde_json::Map<String, Value> = ENGINES
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let (passed, failed, skipped, na) = totals(rows, i);
            (name.to_string(), json!({"passed": passed, "failed": failed, "skipped": skipped, "not_applicable": na}))
        })
        .collect();
    let ok = !rows.iter().any(|r| r.outcomes.iter().any(|o| !o.failures.is_empty()));
    let mut text =
        serde_json::to_string_pretty(&json!({"ok": ok, "rules": rules, "summary": summary})).unwrap_or_default();
    text.push('\n');
    text
}

/// JUnit XML: a test suite per engine, a test case per rule.
fn junit(rows: &[Row]) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let all_failures = rows.iter().flat_map(|r| &r.outcomes).filter(|o| !o.failures.is_empty()).count();
    let _ = writeln!(
        out,
        "<testsuites name=\"scalpel test\" tests=\"{}\" failures=\"{all_failures}\">",
        rows.len() * ENGINES.len()
    );
    for (i, engine) in ENGINES.iter().enumerate() {
        let outcomes: Vec<&Outcome> = rows.iter().map(|r| &r.outcomes[i]).collect();
        let failures = outcomes.iter().filter(|o| !o.failures.is_empty()).count();
        let skipped =
            outcomes.iter().filter(|o| o.not_applicable.is_some() || (o.checked == 0 && o.failures.is_empty())).count();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" skipped=\"{skipped}\">",
            xml(engine),
            rows.len()
        );
        for row in rows {
            let outcome = &row.outcomes[i];
            let name = format!("{} ({})", row.rule.item, kind(&row.rule));
            let _ = write!(out, "    <testcase classname=\"{}\" name=\"{}\"", xml(&row.rule.flow), xml(&name));
            if let Some(reason) = &outcome.not_applicable {
                let _ = writeln!(out, ">\n      <skipped message=\"{}\"/>\n    </testcase>", xml(reason));
            } else if let Some(first) = outcome.failures.first() {
                let mut body = String::new();
                for f in &outcome.failures {
                    let _ = writeln!(body, "line {}: {}: expected {}, got {}", f.line, f.label, f.expected, f.got);
                    for event in &f.events {
                        let _ = writeln!(body, "  {event}");
                    }
                }
                let message =
                    format!("{} of {} failed; first: {}", outcome.failures.len(), outcome.checked, first.label);
                let _ = writeln!(
                    out,
                    ">\n      <failure message=\"{}\">{}</failure>\n    </testcase>",
                    xml(&message),
                    xml(&body)
                );
            } else if outcome.checked == 0 && !outcome.skipped.is_empty() {
                let _ =
                    writeln!(out, ">\n      <skipped message=\"{}\"/>\n    </testcase>", xml(&outcome.skipped[0].1));
            } else if !outcome.skipped.is_empty() {
                let notes: Vec<String> =
                    outcome.skipped.iter().map(|(l, r)| format!("line {l} skipped: {r}")).collect();
                let _ = writeln!(out, ">\n      <system-out>{}</system-out>\n    </testcase>", xml(&notes.join("\n")));
            } else {
                out.push_str("/>\n");
            }
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

/// Text safe inside XML attributes and elements; line breaks as `&#10;`, which an
/// attribute would otherwise fold into a space.
fn xml(text: &str) -> String {
    scalpel_targets::markup::escape(text).replace('\n', "&#10;")
}
