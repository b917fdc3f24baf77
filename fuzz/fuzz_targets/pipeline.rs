//! Fuzz target: the whole pipeline on a drawn tree ([`tree`]: ids, every metadata
//! position, settings, the tree name, conditions). A tree is refused with coded
//! diagnostics (which must render, as text and as SARIF that parses) or built for
//! every target, with its events and coverage report, all in memory. Then:
//! - the same input gives the same bytes twice;
//! - every path is a plain relative path, unique even case-folded;
//! - every artifact parses with its format's parser (`tests/readback`), and the
//!   emitted SPL with the project's interpreter (`targets/tests/spl`), which must
//!   agree with the reference evaluator on the generated events; sigma-rust runs the
//!   Sigma rules on them. KQL, EQL, ES|QL and Lucene have no parser in process (their
//!   oracles are external engines): their files are read only as text;
//! - the tree written with a marker in every free-text slot has the same files of
//!   the same shape, and each file that shows a slot's marker shows its value.
#![no_main]

#[path = "../../tests/readback/mod.rs"]
mod readback;
#[allow(dead_code, unused_imports)]
#[path = "../../targets/tests/spl/mod.rs"]
mod spl;
mod tree;

use libfuzzer_sys::fuzz_target;
use scalpel_compiler::attack::Catalog;
use scalpel_compiler::diag::{render, Code, Diagnostic};
use scalpel_compiler::events::{self, ItemKind};
use scalpel_compiler::ir::Program;
use scalpel_compiler::project::{Config, Project};
use scalpel_compiler::source::SourceMap;
use scalpel_compiler::{sema, syntax};
use scalpel_driver::coverage::{self, navigator, CoverageSettings};
use scalpel_driver::{build, engines, replay};
use scalpel_targets::splunk::{base_search, Splunk};
use scalpel_targets::templates::Templates;
use scalpel_targets::{Backend, Context, Settings, Target, Versions};
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::OnceLock;
use tree::{Choices, Kind, Tree};

/// Every file of a build (`<target>/…`, `events/…`, `coverage/…`), or the codes it was refused with.
type Outcome = Result<Vec<(String, String)>, Vec<Code>>;

fuzz_target!(|data: &[u8]| {
    let tree = Tree::draw(&mut Choices(data));
    let Ok(files) = produce(&tree, false) else { return };
    check_paths(&files);
    let marked = produce(&tree, true).unwrap_or_else(|codes| panic!("the marked tree is refused: {codes:?}"));
    let paths = |files: &[(String, String)]| files.iter().map(|(p, _)| p.clone()).collect::<Vec<_>>();
    assert_eq!(paths(&files), paths(&marked), "the marked tree writes other files");
    for ((path, text), (_, marked_text)) in files.iter().zip(&marked) {
        let strings = readback::strings(path, text).unwrap_or_else(|e| panic!("{path} does not parse: {e}\n{text}"));
        let shape = readback::skeleton(path, text).expect("parsed above");
        let marked_shape = readback::skeleton(path, marked_text).unwrap_or_else(|e| panic!("marked {path}: {e}"));
        assert_eq!(shape, marked_shape, "{path}: the values change its shape\n{text}\n--- marked:\n{marked_text}");
        for (i, slot) in tree.slots.iter().enumerate() {
            // The enum value is not marked (see `Tree::slot_text`), so no file can be
            // told to carry it; the SPL and sigma-rust checks read it in the events.
            let carries = !path.ends_with(".md") && slot.kind != Kind::EnumValue;
            if carries && !slot.value.trim().is_empty() && marked_text.contains(&tree.marker(i)) {
                assert!(
                    readback::holds(path, &strings, &slot.value),
                    "{path} does not hold {:?} unchanged\n{text}",
                    slot.value
                );
            }
        }
    }
});

/// The tree through the front end and every back end, as `scalpel build` and
/// `scalpel coverage` run them.
fn produce(tree: &Tree, marked: bool) -> Outcome {
    let root = PathBuf::from("/fuzz");
    let mut sources = SourceMap::new();
    let config_text = tree.config(marked);
    sources.add(root.join("scalpel.toml"), config_text.clone());
    let files = vec![
        sources.add(root.join("schema.det"), tree.schema(marked)),
        sources.add(root.join("flow.det"), tree.flows(marked)),
    ];
    let asts: Vec<_> = files.iter().map(|&id| (id, syntax::parse(id, &sources.get(id).text).0)).collect();
    let (program, diags) = sema::check(&asts, &sources, Catalog::embedded());
    if diags.has_errors() {
        return Err(refused(diags.into_sorted(), &sources));
    }
    let mut warnings = diags.into_sorted();
    let config: Config = match toml::from_str(&config_text) {
        Ok(config) => config,
        // A value TOML cannot hold (a lone surrogate cannot occur; a NUL can): nothing to build.
        Err(e) => panic!("the drawn scalpel.toml is not TOML: {e}\n{config_text}"),
    };
    let project = Project {
        sources,
        files,
        config: Some((root, config)),
        config_bundles: Some(Vec::new()),
        ..Default::default()
    };
    let (name, settings) = Settings::for_project(&project, &program);
    let settings = match settings.and_then(|s| CoverageSettings::for_project(&project, &program).map(|c| (s, c))) {
        Ok(settings) => settings,
        Err(diag) => return Err(refused(vec![diag], &project.sources)),
    };
    let (settings, coverage_settings) = settings;
    // Compiled once: loading the templates costs more than a small build.
    static TEMPLATES: OnceLock<Templates> = OnceLock::new();
    let templates = TEMPLATES.get_or_init(|| Templates::load(None).expect("built-in templates"));
    let output = build(&program, &name, &settings, Target::ALL, templates, &|| {});
    if !marked {
        let again = build(&program, &name, &settings, Target::ALL, templates, &|| {});
        assert_eq!(output.files, again.files, "same input, different bytes");
    }
    if output.diags.has_errors() {
        return Err(refused(output.diags.into_sorted(), &project.sources));
    }
    let generated = events::generate(&program, events::DEFAULT_SEED);
    let ctx = Context { program: &program, tree: &name, settings: &settings, versions: &Versions::none() };
    check_engines(&ctx, &generated.items);
    let mut files = output.files.clone();
    files.extend(
        replay::files(&generated.items, &program, &settings).into_iter().map(|(p, t)| (format!("events/{p}"), t)),
    );
    let model = coverage::analyze(&program, Catalog::embedded(), &output, Target::ALL, &name, &coverage_settings);
    for (domain, layer) in navigator::layers(&model) {
        files.push((format!("coverage/navigator/{domain}.json"), navigator::to_json(&layer)));
    }
    files.push(("coverage/coverage.html".into(), coverage::html::render(&model)));
    files.push(("coverage/coverage.md".into(), coverage::markdown::render(&model)));
    warnings.extend(output.diags.iter().cloned());
    files.push(("check.sarif".into(), sarif(&warnings, &project.sources)));
    Ok(files)
}

/// The codes of a refusal, after checking that its diagnostics render as text and as SARIF.
fn refused(diags: Vec<Diagnostic>, sources: &SourceMap) -> Vec<Code> {
    for d in &diags {
        let _ = render::human(d, sources, false);
    }
    let report = sarif(&diags, sources);
    readback::strings("check.sarif", &report).unwrap_or_else(|e| panic!("SARIF does not parse: {e}\n{report}"));
    diags.iter().filter(|d| d.is_error()).map(|d| d.code).collect()
}

fn sarif(diags: &[Diagnostic], sources: &SourceMap) -> String {
    let mut out = Vec::new();
    render::write_sarif(&mut out, &[(diags, sources)], "fuzz").expect("writes to memory");
    String::from_utf8(out).expect("SARIF is UTF-8")
}

/// Paths stay inside the output folder and never collide, even on a file system
/// that folds case.
fn check_paths(files: &[(String, String)]) {
    let mut folded = BTreeSet::new();
    for (path, _) in files {
        let plain = path.split('/').all(|part| !part.is_empty() && part != "." && part != ".." && !part.contains('\\'));
        assert!(plain && !path.starts_with('/'), "path `{path}` is not a plain relative path");
        assert!(path.chars().all(|c| !c.is_control()), "path {path:?} holds a control character");
        assert!(folded.insert(path.to_lowercase()), "two files at `{path}` once case is folded");
    }
}

/// Each step's SPL through the interpreter, and its Sigma rule through sigma-rust,
/// on the generated events, against the reference evaluator's expectation.
fn check_engines(ctx: &Context, items: &[events::ItemEvents]) {
    for item in items.iter().filter(|i| i.kind == ItemKind::Step) {
        let outcome = engines::sigma_rust::evaluate(ctx, item);
        assert!(outcome.failures.is_empty(), "sigma-rust on {}/{}: {:?}", item.flow, item.item, outcome.failures);
        spl_agrees(ctx.program, ctx, item);
    }
}

fn spl_agrees(program: &Program, ctx: &Context, item: &events::ItemEvents) {
    let Some(flow) = program.flows.iter().find(|f| f.id == item.flow) else { return };
    let Some(step) = flow.step(&item.item) else { return };
    let (Some(cond), Some(source)) = (step.detection.condition(), step.source.as_deref()) else { return };
    let splunk = &ctx.settings.splunk;
    let query = base_search(source, cond, splunk);
    let parsed = spl::parse(&query)
        .unwrap_or_else(|e| panic!("{}/{}: SPL the interpreter cannot read: {e:?}\n{query}", flow.id, step.id));
    // W0507: Splunk's `search` may fold non-ASCII case; a step flagged for it may disagree there.
    let folding_flagged = Splunk.emit_step(ctx, flow, step).diags.iter().any(|d| d.code == Code::TargetCaseFolding);
    for line in item.lines() {
        let Some(object) = line.event.as_object() else { panic!("event {}", line.event) };
        let renamed: serde_json::Map<_, _> =
            object.iter().map(|(k, v)| (splunk.field(k).to_string(), v.clone())).collect();
        let event = spl::Event::from_json(&renamed.into(), &splunk.index, &splunk.sourcetype(source))
            .unwrap_or_else(|e| panic!("{}: {e:?}", step.id));
        let keeps = |folding| parsed.keeps(&event, folding).unwrap_or_else(|e| panic!("{}: {e:?}\n{query}", step.id));
        if keeps(spl::Folding::Ascii) != line.expect
            && !(folding_flagged && keeps(spl::Folding::Unicode) == line.expect)
        {
            panic!(
                "{}/{} `{}`: expected {}, SPL disagrees\n  event {}\n  query {query}",
                flow.id, step.id, line.label, line.expect, line.event
            );
        }
    }
}
