//! Coverage of the shipped `detections/`: layer and Markdown snapshots, a strict
//! DOM check of the HTML report, `[coverage] collected`, partial targets, and
//! escaping of hostile titles.

use scalpel_compiler::attack::Catalog;
use scalpel_compiler::diag::Code;
use scalpel_compiler::ir::Program;
use scalpel_compiler::project::{self, Compiled};
use scalpel_driver::coverage::{self, navigator, Coverage, CoverageSettings, Status};
use scalpel_driver::{build, BuildOutput};
use scalpel_targets::templates::Templates;
use scalpel_targets::{Settings, Target};
use std::collections::BTreeMap;
use std::path::Path;

fn compile(path: &Path) -> Compiled {
    let compiled = project::compile(&[path.to_path_buf()], &[]);
    assert!(!compiled.diags.has_errors(), "{:#?}", compiled.diags.into_sorted());
    compiled
}

fn build_all(compiled: &Compiled, threads: usize) -> BuildOutput {
    let program = compiled.program.as_ref().expect("a program");
    let (tree, settings) = Settings::for_project(&compiled.project, program);
    let templates = Templates::load(None).expect("built-in templates");
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("thread pool");
    pool.install(|| build(program, &tree, &settings.expect("settings"), Target::ALL, &templates, &|| {}))
}

fn analyze(compiled: &Compiled, output: &BuildOutput, settings: &CoverageSettings) -> Coverage {
    let program = compiled.program.as_ref().expect("a program");
    let catalog: &Catalog = compiled.catalog.as_deref().expect("a catalog");
    let (tree, _) = Settings::for_project(&compiled.project, program);
    coverage::analyze(program, catalog, output, Target::ALL, &tree, settings)
}

fn shipped() -> (Compiled, Coverage) {
    let compiled = compile(Path::new("../detections"));
    let output = build_all(&compiled, 2);
    let program = compiled.program.as_ref().expect("a program");
    let settings = CoverageSettings::for_project(&compiled.project, program).expect("settings");
    let coverage = analyze(&compiled, &output, &settings);
    (compiled, coverage)
}

fn snapshot(name: &str, text: &str) {
    insta::with_settings!({ snapshot_path => "../../snapshots/coverage", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!(name, text);
    });
}

#[test]
fn shipped_layers_and_markdown_are_snapshotted() {
    let (_, coverage) = shipped();
    let layers = navigator::layers(&coverage);
    let domains: Vec<&str> = layers.iter().map(|(d, _)| d.as_str()).collect();
    assert_eq!(domains, coverage.domains.iter().map(|d| d.domain.as_str()).collect::<Vec<_>>());
    for (domain, layer) in &layers {
        let json: serde_json::Value = serde_json::from_str(&navigator::to_json(layer)).expect("valid JSON");
        assert_eq!(json["versions"]["layer"], "4.5");
        assert_eq!(json["domain"], domain.as_str());
        for technique in json["techniques"].as_array().expect("techniques") {
            let id = technique["techniqueID"].as_str().expect("id");
            let known = Catalog::embedded().technique(id).expect("a catalog technique");
            assert!(known.is_active(), "{id} is not active");
            assert!(known.domains.iter().any(|d| d.stix_name() == domain), "{id} is not in {domain}");
            assert!((0..=100).contains(&technique["score"].as_u64().expect("score")));
        }
        snapshot(&format!("navigator-{domain}"), &navigator::to_json(layer));
    }
    snapshot("coverage.md", &coverage::markdown::render(&coverage));
}

#[test]
fn shipped_figures_are_consistent() {
    let (compiled, coverage) = shipped();
    let program = compiled.program.as_ref().expect("a program");
    let steps: usize = program.flows.iter().map(|f| f.steps.len()).sum();
    assert_eq!(coverage.steps.total(), steps);
    let undetectable =
        program.flows.iter().flat_map(|f| &f.steps).filter(|s| s.detection.condition().is_none()).count();
    assert_eq!(coverage.steps.undetectable, undetectable);
    // Every shipped detectable step compiles on every target, and every schema is collected.
    assert_eq!(coverage.steps.detected, steps - undetectable);
    let expected = ((steps - undetectable) as f64 * 1000.0 / steps as f64).round() / 10.0;
    assert_eq!(coverage.score, expected);
    let named: std::collections::BTreeSet<&str> =
        program.flows.iter().flat_map(|f| &f.steps).flat_map(|s| &s.techniques).map(|t| t.id.as_str()).collect();
    assert_eq!(coverage.techniques.len(), named.len());
    for step in coverage.flows.iter().flat_map(|f| &f.steps) {
        assert_eq!(step.targets.len(), if step.status == Status::Undetectable { 0 } else { Target::ALL.len() });
        assert!(
            !step.mitigations.is_empty()
                || !step.data_components.is_empty()
                || step.techniques.iter().all(|t| {
                    let known = Catalog::embedded().technique(&t.id).expect("known");
                    known.mitigations.is_empty() && known.data_components.is_empty()
                })
        );
    }
}

/// Element attributes of a parsed report, by tag, in document order.
fn elements<'a>(doc: &'a roxmltree::Document, tag: &str) -> Vec<roxmltree::Node<'a, 'a>> {
    doc.descendants().filter(|n| n.is_element() && n.tag_name().name() == tag).collect()
}

fn classes<'a>(node: &roxmltree::Node<'a, 'a>) -> Vec<&'a str> {
    node.attribute("class").unwrap_or_default().split_whitespace().collect()
}

#[test]
fn html_report_is_well_formed_and_has_a_node_per_step() {
    let (_, coverage) = shipped();
    let html = coverage::html::render(&coverage);
    let doc = roxmltree::Document::parse_with_options(
        &html,
        roxmltree::ParsingOptions { allow_dtd: true, ..Default::default() },
    )
    .expect("the report is well-formed XML");
    let svgs: Vec<_> = elements(&doc, "svg").into_iter().filter(|n| classes(n).contains(&"flow-graph")).collect();
    assert_eq!(svgs.len(), coverage.flows.len(), "one graph per flow");
    for (svg, flow) in svgs.iter().zip(&coverage.flows) {
        let steps: Vec<_> = svg.descendants().filter(|n| n.is_element() && classes(n).contains(&"step")).collect();
        assert_eq!(steps.len(), flow.steps.len(), "{}", flow.id);
        for (node, step) in steps.iter().zip(&flow.steps) {
            assert_eq!(node.attribute("data-step"), Some(format!("{}/{}", flow.id, step.id).as_str()));
            assert!(classes(node).contains(&step.status.as_str()), "{}/{}", flow.id, step.id);
            let title = node.children().find(|c| c.tag_name().name() == "title").and_then(|t| t.text());
            assert!(title.is_some_and(|t| t.contains(&step.title)), "hover text of {}/{}", flow.id, step.id);
        }
        let bands = svg.descendants().filter(|n| n.is_element() && classes(n).contains(&"sequence")).count();
        assert_eq!(bands, flow.sequences.len(), "{}", flow.id);
        let edges = svg.descendants().filter(|n| n.is_element() && classes(n).contains(&"edge")).count();
        assert_eq!(edges, flow.steps.len().saturating_sub(1), "{}", flow.id);
    }
    // Self-contained: no script, no external resource; links only to anchors and ATT&CK.
    assert!(
        elements(&doc, "script").is_empty() && elements(&doc, "link").is_empty() && elements(&doc, "img").is_empty()
    );
    for node in doc.descendants().filter(|n| n.is_element()) {
        assert!(node.attribute("src").is_none());
        if let Some(href) = node.attribute("href") {
            assert!(href.starts_with('#') || href.starts_with("https://attack.mitre.org/"), "{href}");
        }
    }
    let ids: Vec<&str> = doc.descendants().filter_map(|n| n.attribute("id")).collect();
    let unique: std::collections::BTreeSet<&&str> = ids.iter().collect();
    assert_eq!(ids.len(), unique.len(), "element ids are unique");
    let technique_rows = elements(&doc, "table")
        .into_iter()
        .find(|t| classes(t).contains(&"techniques"))
        .map(|t| t.descendants().filter(|n| n.tag_name().name() == "tr").count());
    assert_eq!(technique_rows, Some(coverage.techniques.len() + 1), "a row per technique plus the header");
    // A table of contents with every flow, in the report's (natural) order, and a way back.
    let nav = elements(&doc, "nav").into_iter().find(|n| n.attribute("id") == Some("contents")).expect("contents");
    let listed: Vec<&str> = nav.descendants().filter(|n| n.tag_name().name() == "a").filter_map(|a| a.text()).collect();
    let mut expected = vec!["Flows"];
    expected.extend(coverage.flows.iter().map(|f| f.id.as_str()));
    expected.push("Techniques");
    assert_eq!(listed, expected);
    let ups = doc.descendants().filter(|n| n.attribute("href") == Some("#contents")).count();
    assert_eq!(ups, coverage.flows.len(), "every flow links back to the contents");
    // Each detectable step shows its condition and description in its sheet row.
    let conditions = doc.descendants().filter(|n| classes(n).contains(&"condition")).count();
    let detectable = coverage.flows.iter().flat_map(|f| &f.steps).filter(|s| s.condition.is_some()).count();
    assert_eq!(conditions, detectable);
    assert!(html.contains("detect <code>signature.valid == false or heart_rate == 0 and perfusion_index &gt;= 0.5 or heart_rate &gt; 300</code>"), "AF2-10 tamper's condition");
}

#[test]
fn flows_are_in_natural_order_and_mitigations_named_once() {
    let (_, coverage) = shipped();
    let ids: Vec<&str> = coverage.flows.iter().map(|f| f.id.as_str()).collect();
    let position = |id: &str| ids.iter().position(|i| *i == id).expect(id);
    assert!(position("AF-1") < position("AF-2") && position("AF-9") < position("AF-10"), "{ids:?}");
    assert!(position("AF-21") < position("AF2-1") && position("AF2-7") < position("AF2-10"), "{ids:?}");
    for step in coverage.flows.iter().flat_map(|f| &f.steps) {
        let names: Vec<&str> = step.mitigations.iter().map(|m| m.name.as_str()).collect();
        let unique: std::collections::BTreeSet<&&str> = names.iter().collect();
        assert_eq!(names.len(), unique.len(), "{}: a mitigation name listed twice", step.id);
    }
    // A step with Enterprise and ICS techniques lists "Audit" once, with both ids.
    let audit = coverage
        .flows
        .iter()
        .flat_map(|f| &f.steps)
        .flat_map(|s| &s.mitigations)
        .find(|m| m.ids.len() > 1)
        .expect("some mitigation name has ids in two domains");
    assert!(audit.ids.iter().all(|l| l.name == audit.name), "{audit:?}");
}

#[test]
fn reports_do_not_depend_on_thread_count() {
    let compiled = compile(Path::new("../detections"));
    let program = compiled.program.as_ref().expect("a program");
    let settings = CoverageSettings::all(program);
    let render = |threads| {
        let coverage = analyze(&compiled, &build_all(&compiled, threads), &settings);
        let layers: Vec<String> = navigator::layers(&coverage).iter().map(|(_, l)| navigator::to_json(l)).collect();
        (coverage::html::render(&coverage), coverage::markdown::render(&coverage), layers)
    };
    assert_eq!(render(1), render(4));
}

#[test]
fn uncollected_telemetry_is_not_coverage() {
    let compiled = compile(Path::new("../detections"));
    let program = compiled.program.as_ref().expect("a program");
    let table: toml::Table = toml::from_str("collected = [\"firmware\", \"arm\"]").expect("toml");
    let settings = CoverageSettings::from_table(&table, program).expect("known schemas");
    assert_eq!(settings.collected, ["firmware", "arm"], "in declaration order");
    let coverage = analyze(&compiled, &build_all(&compiled, 1), &settings);
    let full = analyze(&compiled, &build_all(&compiled, 1), &CoverageSettings::all(program));
    assert!(coverage.score < full.score);
    for step in coverage.flows.iter().flat_map(|f| &f.steps) {
        if let Some(telemetry) = &step.telemetry {
            let collected = settings.collected.contains(&telemetry.schema);
            assert_eq!(telemetry.collected, collected);
            assert_eq!(step.status == Status::Missing, !collected, "{}", step.id);
            if !collected {
                assert!(step.why.as_deref().is_some_and(|w| w.contains("not collected")));
            }
        }
    }
}

#[test]
fn unknown_collected_schemas_and_keys_are_e0601() {
    let compiled = compile(Path::new("../detections"));
    let program = compiled.program.as_ref().expect("a program");
    let table: toml::Table = toml::from_str("collected = [\"firmwre\"]").expect("toml");
    let err = CoverageSettings::from_table(&table, program).expect_err("unknown schema");
    assert_eq!(err.code, Code::InvalidCoverageSettings);
    assert!(err.help.iter().any(|h| h.contains("`firmware`")), "{err:?}");
    let table: toml::Table = toml::from_str("colected = []").expect("toml");
    let err = CoverageSettings::from_table(&table, program).expect_err("unknown key");
    assert!(err.notes.iter().any(|n| n.contains("colected")), "{err:?}");
}

#[test]
fn a_target_without_a_rule_makes_the_step_partial() {
    let compiled = compile(Path::new("../detections"));
    let program: &Program = compiled.program.as_ref().expect("a program");
    let mut output = build_all(&compiled, 1);
    let flow = &program.flows[0];
    let step = flow.steps.iter().find(|s| s.detection.condition().is_some()).expect("a detectable step");
    let unit = output
        .units
        .iter_mut()
        .find(|u| u.target == Target::ALL[0] && u.flow_id == flow.id && u.item_id == step.id)
        .expect("the unit");
    unit.rules = 0;
    let coverage = analyze(&compiled, &output, &CoverageSettings::all(program));
    let covered = coverage.flows[0].steps.iter().find(|s| s.id == step.id).expect("the step");
    let expected = if Target::ALL.len() == 1 { Status::Missing } else { Status::Partial };
    assert_eq!(covered.status, expected);
    let share = 100 * (Target::ALL.len() as u32 - 1);
    assert_eq!(covered.score, (share + Target::ALL.len() as u32 / 2) / Target::ALL.len() as u32);
    assert!(covered.why.as_deref().is_some_and(|w| w.contains(Target::ALL[0].name())));
}

#[test]
fn hostile_titles_are_escaped_everywhere() {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(dir.path().join("scalpel.toml"), "name = \"t<b>\"\n[coverage]\ncollected = [\"vpn\"]\n")
        .expect("write");
    std::fs::write(
        dir.path().join("flow.det"),
        "schema vpn \"VPN\" {\n    time timestamp event_time\n    user.name string\n}\n\
         flow \"F-1\" \"</title><script>alert('x')</script> & | `md` \\\"q\\\"\" {\n    category \"<i>c</i>\"\n    origin theoretical\n\
             step s1 \"<img src=x onerror=alert(1)>\" {\n        technique T1133\n        source vpn\n        severity high\n\
                 detect user.name == \"</text><svg onload=alert(1)>\"\n    }\n\
             step s2 \"second | step\" {\n        technique T1078\n        undetectable \"<b>offline</b> & \\\"quoted\\\"\"\n    }\n}\n",
    )
    .expect("write");
    let compiled = compile(dir.path());
    let program = compiled.program.as_ref().expect("a program");
    let settings = CoverageSettings::for_project(&compiled.project, program).expect("settings");
    let coverage = analyze(&compiled, &build_all(&compiled, 1), &settings);
    let html = coverage::html::render(&coverage);
    roxmltree::Document::parse_with_options(&html, roxmltree::ParsingOptions { allow_dtd: true, ..Default::default() })
        .expect("still well-formed");
    for raw in ["<script", "<img", "<svg onload", "<b>offline", "alert('x')"] {
        assert!(!html.contains(raw), "`{raw}` reached the HTML unescaped");
    }
    let markdown = coverage::markdown::render(&coverage);
    let row = markdown.lines().find(|l| l.starts_with("| F-1 | ")).expect("the flow's row");
    assert!(row.contains("&lt;/title&gt;&lt;script&gt;") && row.contains("&amp; \\| \\`md\\`"), "{row}");
    assert!(!markdown.contains("<b>") && !markdown.contains("<script"), "{markdown}");
    let layers = navigator::layers(&coverage);
    let json: serde_json::Value = serde_json::from_str(&navigator::to_json(&layers[0].1)).expect("valid JSON");
    assert!(json["techniques"][0]["comment"].as_str().expect("comment").contains("F-1"));
    // Sanity on the statuses of this small tree.
    let statuses: BTreeMap<&str, Status> = coverage.flows[0].steps.iter().map(|s| (s.id.as_str(), s.status)).collect();
    assert_eq!(statuses["s1"], Status::Detected);
    assert_eq!(statuses["s2"], Status::Undetectable);
}

/// A bundle's URLs are data: only `http:` and `https:` ones become links, and the
/// report carries a policy that forbids scripts whatever slips through.
#[test]
fn only_web_urls_become_links_under_a_restrictive_policy() {
    let (_, mut coverage) = shipped();
    let hostile = ["javascript:alert(1)", "data:text/html,<script>alert(1)</script>", "JAVASCRIPT:x", "vbscript:x"];
    let mut n = 0;
    let mut next = || {
        n += 1;
        hostile[n % hostile.len()].to_string()
    };
    for technique in &mut coverage.techniques {
        technique.url = next();
        for mitigation in &mut technique.mitigations {
            mitigation.ids.iter_mut().for_each(|l| l.url = next());
        }
    }
    for step in coverage.flows.iter_mut().flat_map(|f| f.steps.iter_mut()) {
        step.techniques.iter_mut().chain(step.data_components.iter_mut()).for_each(|l| l.url = next());
        step.mitigations.iter_mut().flat_map(|m| m.ids.iter_mut()).for_each(|l| l.url = next());
    }
    let html = coverage::html::render(&coverage);
    let doc = roxmltree::Document::parse_with_options(
        &html,
        roxmltree::ParsingOptions { allow_dtd: true, ..Default::default() },
    )
    .expect("well-formed");
    let hrefs: Vec<&str> = elements(&doc, "a").iter().filter_map(|a| a.attribute("href")).collect();
    assert!(!hrefs.is_empty());
    assert!(hrefs.iter().all(|h| h.starts_with('#')), "only the report's own anchors are links: {hrefs:?}");
    assert!(!html.contains("javascript:") && !html.contains("data:text"), "a refused URL is not written at all");
    assert!(coverage.techniques.iter().all(|t| html.contains(&format!("<td>{} ", t.id))), "ids stay, as text");
    let policy = elements(&doc, "meta")
        .into_iter()
        .find(|m| m.attribute("http-equiv") == Some("Content-Security-Policy"))
        .and_then(|m| m.attribute("content"))
        .expect("a Content-Security-Policy");
    assert!(policy.starts_with("default-src 'none';") && !policy.contains("script-src"), "{policy}");
    // The shipped report, with the catalog's own URLs, links to attack.mitre.org.
    let (_, shipped) = shipped();
    let html = coverage::html::render(&shipped);
    assert!(html.contains("<a href=\"https://attack.mitre.org/techniques/"));
}

#[test]
fn a_rule_a_schedule_cannot_see_is_not_detected_there() {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(dir.path().join("scalpel.toml"), "name = \"t\"\n").expect("write");
    std::fs::write(
        dir.path().join("flow.det"),
        "schema vpn \"VPN\" {\n    time timestamp event_time\n    user.name string\n}\n\
         flow \"F\" \"schedules\" {\n    category \"c\"\n    origin theoretical\n\
             step slow \"slow spray\" {\n        technique T1110\n        source vpn\n        severity low\n\
                 detect user.name == \"x\"\n        threshold count >= 3 within 14d by user.name\n    }\n\
             step now \"critical\" {\n        technique T1133\n        source vpn\n        severity critical\n\
                 detect user.name == \"y\"\n    }\n}\n",
    )
    .expect("write");
    let compiled = compile(dir.path());
    let program = compiled.program.as_ref().expect("a program");
    let output = build_all(&compiled, 1);
    let coverage = analyze(&compiled, &output, &CoverageSettings::all(program));
    let step = |id: &str| coverage.flows[0].steps.iter().find(|s| s.id == id).expect("the step");
    // Sentinel looks back at most 14d: a 14d window + interval + delay does not fit.
    let slow = step("slow");
    assert_eq!(slow.status, Status::Partial);
    assert!(slow.why.as_deref().is_some_and(|w| w.contains("kql (not visible")), "{:?}", slow.why);
    let kql = slow.targets.iter().find(|t| t.target == "kql").expect("kql");
    assert!(kql.emitted && !kql.detects());
    // A critical step runs every 5m with a 5m ingestion delay: alerts within 10m.
    let now = step("now");
    assert_eq!(now.status, Status::Detected);
    let splunk = now.targets.iter().find(|t| t.target == "splunk").expect("splunk");
    assert_eq!(splunk.schedule.text(), "detected with a delay of up to 10m");
    let sigma = now.targets.iter().find(|t| t.target == "sigma").expect("sigma");
    assert_eq!(sigma.schedule.text(), "detected");
    let markdown = coverage::markdown::render(&coverage);
    assert!(markdown.contains("| kql | 0 | 1 (up to 10m) | 1 |"), "{markdown}");
    assert!(markdown.contains("| sigma | 2 | 0 | 0 |"), "{markdown}");
}

/// Copies `from` into `to`, folders and files (the shipped tree is small).
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("folder");
    for entry in std::fs::read_dir(from).expect("readable") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// The hospital's tuning overlay (`examples/hospital-tuning`) installed as a site would:
/// the shipped tree with the overlay in `tuning/`, listed in `paths`. It checks without
/// errors, every exclusion tunes the steps it names, the report lists them (what, who,
/// until when) and the tuned rules' generated events pass the reference evaluator.
#[test]
fn the_hospital_tuning_overlay_builds_on_the_shipped_tree() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let tree = tmp.path().join("detections");
    copy_tree(Path::new("../detections"), &tree);
    copy_tree(Path::new("../examples/hospital-tuning"), &tree.join("tuning"));
    let config = std::fs::read_to_string(tree.join("scalpel.toml")).expect("config");
    let listed = "paths = [\"schemas\", \"flows\"]";
    assert!(config.contains(listed), "the shipped scalpel.toml lists its paths as the README says");
    std::fs::write(tree.join("scalpel.toml"), config.replace(listed, "paths = [\"schemas\", \"flows\", \"tuning\"]"))
        .expect("config");
    let compiled = compile(&tree);
    let tuning_codes: Vec<_> = compiled
        .diags
        .iter()
        .map(|d| d.code)
        .filter(|c| c.as_str().starts_with("E10") || c.as_str().starts_with("W10"))
        .collect();
    assert!(tuning_codes.is_empty(), "{tuning_codes:?}");
    let program = compiled.program.as_ref().expect("a program");
    let tuned: Vec<String> = program
        .flows
        .iter()
        .flat_map(|f| f.steps.iter().filter(|s| s.tuning.is_some()).map(move |s| format!("{}/{}", f.id, s.id)))
        .collect();
    for rule in ["AF-1/staff_upload", "AF-13-v1/syn_flood", "AF-1/tampered_release"] {
        assert!(tuned.iter().any(|t| t == rule), "{rule} is not tuned: {tuned:?}");
    }
    let output = build_all(&compiled, 2);
    assert!(!output.diags.has_errors());
    let settings = CoverageSettings::for_project(&compiled.project, program).expect("settings");
    let coverage = analyze(&compiled, &output, &settings);
    let markdown = coverage::markdown::render(&coverage);
    assert!(markdown.contains("| AF-1 | staff\\_upload | biomed-bench-rig |"), "{markdown}");
    assert!(markdown.contains("| biomed-engineering@st-elsewhere.example | 2027-06-30 |"));
    let html = coverage::html::render(&coverage);
    assert!(html.contains("tuned: excludes <code>source.ip == 10.20.0.15</code> (<b>nightly-vuln-scan</b>"));
    let generated = scalpel_compiler::events::generate(program, scalpel_compiler::events::DEFAULT_SEED);
    for item in generated.items.iter().filter(|i| tuned.contains(&format!("{}/{}", i.flow, i.item))) {
        let outcome = scalpel_compiler::events::verify::reference(program, item);
        assert!(outcome.failures.is_empty(), "{}: {:?}", item.item, outcome.failures);
    }
}
