//! Benchmark of the front end (`cargo bench --bench check`).
//!
//! Generates detection trees of 2,500, 5,000 and 10,000 steps (500 flows at the
//! largest size) over a handful of schemas, writes them to a temporary folder and
//! measures `project::compile` (read, parse, check) end to end, best of five runs.
//! Time per step should stay flat as the tree grows: parse and check are linear.

use scalpel_compiler::project;
use std::time::{Duration, Instant};

mod tree;

use tree::{write_tree, STEPS_PER_FLOW};

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
    println!("{:>7} {:>7} {:>10} {:>12}", "flows", "steps", "best (ms)", "µs per step");
    for flows in [125, 250, 500] {
        let dir = tempfile::tempdir().unwrap();
        write_tree(dir.path(), flows);
        let paths = [dir.path().to_path_buf()];
        let time = best_of(5, || {
            let compiled = project::compile(&paths, &[]);
            assert!(!compiled.diags.has_errors(), "generated tree must check clean");
        });
        let steps = flows * STEPS_PER_FLOW;
        println!(
            "{flows:>7} {steps:>7} {:>10.1} {:>12.2}",
            time.as_secs_f64() * 1e3,
            time.as_secs_f64() * 1e6 / steps as f64
        );
    }
}
