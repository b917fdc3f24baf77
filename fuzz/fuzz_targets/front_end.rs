//! Fuzz target: arbitrary bytes as a `.det` file, through parse and check.
//! Must never panic; every outcome is an AST or diagnostics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scalpel_compiler::attack::Catalog;
use scalpel_compiler::source::SourceMap;
use scalpel_compiler::{sema, syntax};

/// A schema the fuzzed flows can refer to, so checking goes past name lookup.
const PRELUDE: &str = r#"schema s { t timestamp event_time  a string  n int range 0..10  f float  b bool  ip ip  k enum(x, y) }"#;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut sources = SourceMap::new();
    let prelude = sources.add("prelude.det", PRELUDE.to_string());
    let fuzzed = sources.add("fuzz.det", text.to_string());
    let files: Vec<_> = [prelude, fuzzed]
        .into_iter()
        .map(|id| (id, syntax::parse(id, &sources.get(id).text).0))
        .collect();
    let (program, diags) = sema::check(&files, &sources, Catalog::embedded());
    // Every diagnostic must render against its own sources.
    for d in diags.into_sorted() {
        let _ = scalpel_compiler::diag::render::human(&d, &sources, false);
    }
    let _ = program;
});
