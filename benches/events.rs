//! Benchmark of the event generator on pathological single detections
//! (`cargo bench --bench events`, best of three runs per case; `cargo bench --bench
//! events -- or_1000` runs the cases whose name contains `or_1000`).
//!
//! Each case is one step whose condition is large in one way: a chain of `!=`, a
//! wide `or`, a long `in` list, a long regex, a huge threshold. Generation must stay
//! near-linear in the size of the condition: each case well under a second on the
//! 2-core CI machine (issue 13 measured 17 s to 20 minutes before). The programs
//! are checked once, outside the measurement; `events::generate` is measured.

use scalpel_compiler::events;
use scalpel_compiler::ir::Program;
use scalpel_compiler::project;
use std::fmt::Write;
use std::time::{Duration, Instant};

const SCHEMA: &str =
    "schema net \"flows\" {\n    time timestamp event_time\n    host.id string\n    user.name string\n    \
                      cmd string\n    port int\n    bytes int\n    ratio float\n}\n";

/// `terms` joined by `op`.
fn joined(terms: impl Iterator<Item = String>, op: &str) -> String {
    terms.collect::<Vec<_>>().join(op)
}

/// The pathological cases: `(name, detect line, threshold line)`.
fn cases() -> Vec<(&'static str, String, &'static str)> {
    let regex: String = (0..10_000).fold(String::new(), |mut out, i| {
        let _ = write!(out, "a{:04}", i % 10_000);
        out
    });
    vec![
        ("ne_chain_100", joined((0..100).map(|i| format!("user.name != \"u{i}\"")), " and "), ""),
        ("ne_chain_200_mixed", joined((0..200).map(|i| format!("port != {i}")), " and "), ""),
        ("or_1000", joined((0..1000).map(|i| format!("user.name == \"u{i}\"")), " or "), ""),
        ("or_3000_mixed", joined((0..3000).map(|i| format!("port == {i} or cmd contains \"c{i}\"")), " or "), ""),
        ("or_10000", joined((0..10_000).map(|i| format!("host.id == \"h{i}\"")), " or "), ""),
        ("in_10000", format!("user.name in [{}]", joined((0..10_000).map(|i| format!("\"u{i}\"")), ", ")), ""),
        ("in_100000_ints", format!("port in [{}]", joined((0..100_000).map(|i| i.to_string()), ", ")), ""),
        ("regex_100000_chars", format!("cmd matches /{regex}/"), ""),
        ("threshold_count_1000000", "port == 22".to_string(), "threshold count > 1000000 within 1m by host.id"),
    ]
}

fn program(detect: &str, threshold: &str, dir: &std::path::Path) -> Program {
    let flow = format!(
        "flow \"B-1\" \"bench\" {{\n    category \"bench\"\n    origin theoretical\n    step s \"s\" {{\n        \
         technique T1565.002\n        source net\n        detect {detect}\n        {threshold}\n    }}\n}}\n"
    );
    let file = dir.join("bench.det");
    std::fs::write(&file, format!("{SCHEMA}\n{flow}")).expect("write the case");
    let compiled = project::compile(&[file], &[]);
    assert!(!compiled.diags.has_errors(), "the case does not check: {:?}", compiled.diags);
    compiled.program.expect("a program")
}

fn best_of(runs: usize, mut f: impl FnMut()) -> Duration {
    (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn main() {
    // `cargo bench` passes `--bench`; any other argument filters the cases by name.
    let filter: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let dir = tempfile::tempdir().expect("a temporary folder");
    println!("{:<26} {:>12} {:>10}", "case", "condition", "best (ms)");
    for (name, detect, threshold) in cases() {
        if !filter.is_empty() && !filter.iter().any(|f| name.contains(f.as_str())) {
            continue;
        }
        // The program is checked once, outside the measurement.
        let program = program(&detect, threshold, dir.path());
        let time = best_of(3, || {
            let generated = events::generate(&program, events::DEFAULT_SEED);
            assert!(generated.diags.is_empty(), "{name}: {:?}", generated.diags);
        });
        println!("{name:<26} {:>12} {:>10.1}", detect.len(), time.as_secs_f64() * 1e3);
    }
}
