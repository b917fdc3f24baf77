//! Fuzz target: arbitrary bytes as a `.det` file, through parse and check, and
//! optionally a `scalpel.toml` before it (the text up to a line `%%`), through the
//! settings checks of every target and of the coverage report. Must never panic;
//! every outcome is a program or diagnostics, and every diagnostic renders as text,
//! as a JSON line and as SARIF that parse back.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scalpel_compiler::attack::Catalog;
use scalpel_compiler::diag::{render, Diagnostic};
use scalpel_compiler::project::{Config, Project};
use scalpel_compiler::source::SourceMap;
use scalpel_compiler::{sema, syntax};
use scalpel_driver::coverage::CoverageSettings;
use scalpel_targets::Settings;
use std::path::PathBuf;

/// A schema the fuzzed flows can refer to, so checking goes past name lookup.
const PRELUDE: &str =
    r#"schema s { t timestamp event_time  a string  n int range 0..10  f float  b bool  ip ip  k enum(x, y) }"#;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (config_text, det) = match text.split_once("\n%%\n") {
        Some((config, det)) => (Some(config), det),
        None => (None, text),
    };
    let root = PathBuf::from("/fuzz");
    let mut sources = SourceMap::new();
    if let Some(config) = config_text {
        sources.add(root.join("scalpel.toml"), config.to_string());
    }
    let files = vec![
        sources.add(root.join("prelude.det"), PRELUDE.to_string()),
        sources.add(root.join("fuzz.det"), det.to_string()),
    ];
    let asts: Vec<_> = files.iter().map(|&id| (id, syntax::parse(id, &sources.get(id).text).0)).collect();
    let (program, diags) = sema::check(&asts, &sources, Catalog::embedded());
    let mut diags = diags.into_sorted();
    // As `load_unit` reads it: a `scalpel.toml` that is not one is reported, not built.
    if let Some(config) = config_text.and_then(|c| toml::from_str::<Config>(c).ok()) {
        let project = Project {
            sources,
            files,
            config: Some((root, config)),
            config_bundles: Some(Vec::new()),
            ..Default::default()
        };
        diags.extend(Settings::for_project(&project, &program).1.err());
        diags.extend(CoverageSettings::for_project(&project, &program).err());
        sources = project.sources;
    }
    render_all(&diags, &sources);
});

/// Every diagnostic renders against its own sources; the JSON forms parse back.
fn render_all(diags: &[Diagnostic], sources: &SourceMap) {
    for d in diags {
        let _ = render::human(d, sources, false);
        let line = render::json_line(d, sources);
        serde_json::from_str::<serde_json::Value>(&line).unwrap_or_else(|e| panic!("JSON line: {e}\n{line}"));
    }
    let mut sarif = Vec::new();
    render::write_sarif(&mut sarif, &[(diags, sources)], "fuzz").expect("writes to memory");
    serde_json::from_slice::<serde_json::Value>(&sarif).unwrap_or_else(|e| panic!("SARIF: {e}"));
}
