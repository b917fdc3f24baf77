//! Every artifact of the shipped build read back by a parser of its format: each
//! value Scalpel wrote is there unchanged, and nothing else is (no extra stanza,
//! key or document). The hostile-value property test (`tests/hostile_values.rs`)
//! does the same for values chosen to break out of each format.

mod common;

use scalpel_targets::splunk::conf;
use std::collections::BTreeMap;

fn files() -> BTreeMap<String, String> {
    let (_, output) = common::shipped_build(2);
    output.files.into_iter().collect()
}

/// The one file under `splunk/` whose path ends in `suffix` (the app folder is named
/// after the tree).
fn app_file<'a>(files: &'a BTreeMap<String, String>, suffix: &str) -> &'a str {
    let found: Vec<&String> = files.keys().filter(|p| p.starts_with("splunk/") && p.ends_with(suffix)).collect();
    assert_eq!(found.len(), 1, "one {suffix}: {found:?}");
    &files[found[0]]
}

#[test]
fn savedsearches_conf_reads_back_with_every_search_unchanged() {
    let files = files();
    let stanzas = conf::read(app_file(&files, "/default/savedsearches.conf")).expect("savedsearches.conf reads");
    let searches: Vec<(&String, &String)> =
        files.iter().filter(|(path, _)| path.starts_with("splunk/") && path.ends_with(".spl")).collect();
    let macros = conf::read(app_file(&files, "/default/macros.conf")).expect("macros.conf reads");
    // The settings before the first stanza are none; `[default]` is the first stanza.
    assert!(stanzas[0].keys.is_empty());
    assert_eq!(stanzas[1].name, "default");
    let rules = &stanzas[2..];
    assert_eq!(rules.len(), searches.len(), "one stanza per rule");
    assert_eq!(macros.len() - 1, rules.len(), "one filter macro per rule");
    let keys: Vec<&str> = rules[0].keys.iter().map(|(k, _)| k.as_str()).collect();
    let mut folded = std::collections::BTreeSet::new();
    for stanza in rules {
        let these: Vec<&str> = stanza.keys.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(these, keys, "[{}] has the template's keys, no more", stanza.name);
        assert!(folded.insert(stanza.name.to_lowercase()), "[{}] is unique after case folding", stanza.name);
        let search = stanza.get("search").expect("search");
        let (query, filter) = search.rsplit_once(" | `").expect("the search ends in its filter macro");
        let filter = filter.strip_suffix('`').expect("a macro call");
        assert!(
            macros.iter().any(|m| m.name == filter && m.get("definition") == Some("search *")),
            "[{}] calls `{filter}`, a no-op macro of macros.conf",
            stanza.name
        );
        assert!(
            searches.iter().any(|(_, text)| text.trim_end() == query),
            "[{}]: the search reads back as one of the emitted .spl files:\n{query}",
            stanza.name
        );
    }
    let multi_line = rules.iter().filter(|s| s.get("search").is_some_and(|q| q.contains('\n'))).count();
    assert!(multi_line > 10, "continued lines are exercised: {multi_line}");
    assert!(!app_file(&files, "/default/savedsearches.conf").contains("confidence"), "no confidence is made up");
}

/// Stanza names stay within ES's limit and are cut between words: each is the
/// rule's full `<app> - <flow>.<item> <title>`, or a prefix of it that a space ends.
#[test]
fn stanza_names_are_cut_between_words() {
    let files = files();
    let stanzas = conf::read(app_file(&files, "/default/savedsearches.conf")).expect("reads");
    let mut cut = 0;
    for stanza in &stanzas[2..] {
        let name = &stanza.name;
        assert!(name.chars().count() <= 81, "[{name}] within 81 characters");
        let title = stanza.get("action.notable.param.rule_title").expect("title");
        let full = full_name(name, title);
        if *name != full {
            cut += 1;
            let rest = full.strip_prefix(name.as_str()).unwrap_or_else(|| panic!("[{name}] is a prefix of {full}"));
            let next = rest.trim_start_matches(['-', ':', ',', ';']);
            assert!(next.starts_with(' ') || rest.starts_with(' '), "[{name}] ends at a word: {full}");
        }
    }
    assert!(cut > 10, "long titles are exercised: {cut}");
}

/// The uncut name of the rule whose stanza starts `name` (the ids end at the first
/// space after ` - `).
fn full_name(name: &str, title: &str) -> String {
    let after_app = name.find(" - ").map(|i| i + 3).expect("app prefix");
    let ids_end = name[after_app..].find(' ').map_or(name.len(), |i| after_app + i);
    format!("{} {title}", &name[..ids_end])
}

#[test]
fn the_splunk_app_files_read_back() {
    let files = files();
    let app = conf::read(app_file(&files, "/default/app.conf")).expect("app.conf reads");
    let package = app.iter().find(|s| s.name == "package").expect("[package]");
    let id = package.get("id").expect("id");
    assert!(files.contains_key(&format!("splunk/{id}/default/app.conf")), "the folder is the app id `{id}`");
    let launcher = app.iter().find(|s| s.name == "launcher").expect("[launcher]");
    assert_eq!(launcher.get("version"), Some("2026.12.1"), "the version is the lock's latest day");
    let meta = conf::read(app_file(&files, "/metadata/default.meta")).expect("default.meta reads");
    assert_eq!(meta.iter().find(|s| s.name.is_empty()).and_then(|s| s.get("export")), Some("system"));
}

/// Issue 12's case: a value whose first line starts with a blank and whose second
/// is `yes` needs a block scalar with an indentation indicator, and no line of the
/// block may be touched. Every YAML file reads it back, everywhere it was put.
#[test]
fn a_blank_started_value_with_a_yes_line_survives_in_every_yaml_file() {
    let tmp = tempfile::tempdir().expect("tmp");
    let tree = tmp.path().join("tree");
    std::fs::create_dir(&tree).expect("tree");
    std::fs::write(tree.join("scalpel.toml"), "name = \"t\"\n").expect("config");
    std::fs::copy("tests/ui/_prelude.det", tree.join("schemas.det")).expect("schemas");
    let value = " x\\nyes";
    std::fs::write(
        tree.join("flow.det"),
        format!("flow \"AF1\" \"f\" {{ category \"c\" origin theoretical\n step a \"{value}\" {{ technique T1565.002 source vitals severity high description \"{value}\" falsepositive \"{value}\" detect device.id == \"{value}\" }} }}\n"),
    )
    .expect("flow");
    let out = tmp.path().join("out");
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_scalpel"))
        .args(["build", tree.to_str().expect("utf-8"), "--out", out.to_str().expect("utf-8")])
        .output()
        .expect("runs");
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let read = |path: &str| -> serde_norway::Value {
        serde_norway::from_str(&std::fs::read_to_string(out.join(path)).expect("file")).expect("YAML")
    };
    let sigma = read("sigma/AF1/af1_a.yml");
    let want = serde_norway::Value::from(" x\nyes");
    assert_eq!(sigma["title"], want);
    assert_eq!(sigma["description"], want);
    assert_eq!(sigma["falsepositives"][0], want);
    assert_eq!(sigma["detection"]["sel1"]["device.id"], want);
    let sentinel = read("kql/AF1/a.yaml");
    assert_eq!(sentinel["name"], want);
    assert_eq!(sentinel["description"], want);
}

/// Kibana rules carry an investigation guide made of the rule's description and
/// false positives, and setup notes naming the index template of every stream
/// they read; the index templates compose with the stack's `logs` template.
#[test]
fn elastic_rules_have_notes_and_templates_compose_with_logs() {
    let files = files();
    let rules: Vec<serde_json::Value> =
        files["elastic/rules.ndjson"].lines().map(|l| serde_json::from_str(l).expect("json")).collect();
    for rule in &rules {
        let note = rule["note"].as_str().expect("note");
        assert!(note.contains(rule["description"].as_str().expect("description").trim()), "{note}");
        for fp in rule["false_positives"].as_array().expect("false positives") {
            assert!(note.contains(&format!("- {}\n", fp.as_str().expect("text").trim())), "{note}");
        }
        let setup = rule["setup"].as_str().expect("setup");
        for template in setup.lines().filter_map(|l| l.split("`: `").nth(1)) {
            let path = format!("elastic/{}", template.trim_end_matches('`'));
            assert!(files.contains_key(&path), "setup names {path}, which the build writes");
        }
        assert!(setup.contains("index-templates/"), "{setup}");
    }
    let templates: Vec<&String> = files.keys().filter(|p| p.starts_with("elastic/index-templates/")).collect();
    assert!(!templates.is_empty());
    for path in templates {
        let template: serde_json::Value = serde_json::from_str(&files[path]).expect("json");
        assert_eq!(
            template["composed_of"],
            serde_json::json!(["logs@mappings", "logs@settings", "logs@custom", "ecs@mappings"]),
            "{path}"
        );
        let priority = template["priority"].as_u64().expect("priority");
        assert!(priority > 100 && priority < 200, "{path}: above `logs`, below Fleet integrations");
    }
}

/// The Sentinel ARM template holds one Scheduled alert rule per analytic-rule YAML,
/// named by the rule's id, with every property Microsoft's
/// `ScheduledAlertRuleProperties` requires, the YAML's description and a display
/// name that starts with the flow and item ids.
#[test]
fn sentinel_arm_template_has_one_valid_resource_per_rule() {
    let files = files();
    let template: serde_json::Value = serde_json::from_str(&files["kql/arm/analytic-rules.json"]).expect("json");
    assert_eq!(template["$schema"], "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#");
    assert_eq!(template["parameters"]["workspace"]["type"], "String");
    let yamls: BTreeMap<String, serde_json::Value> = files
        .iter()
        .filter(|(p, _)| p.starts_with("kql/") && p.ends_with(".yaml"))
        .map(|(p, t)| {
            let yaml: serde_json::Value = serde_norway::from_str(t).expect("yaml");
            (yaml["id"].as_str().expect("id").to_string(), serde_json::json!({ "path": p, "rule": yaml }))
        })
        .collect();
    let resources = template["resources"].as_array().expect("resources");
    assert_eq!(resources.len(), yamls.len(), "one resource per rule");
    let required = [
        "displayName",
        "enabled",
        "query",
        "queryFrequency",
        "queryPeriod",
        "severity",
        "suppressionDuration",
        "suppressionEnabled",
        "triggerOperator",
        "triggerThreshold",
    ];
    for resource in resources {
        assert_eq!(resource["type"], "Microsoft.OperationalInsights/workspaces/providers/alertRules");
        assert_eq!(resource["kind"], "Scheduled");
        assert_eq!(resource["apiVersion"], "2023-12-01-preview");
        let name = resource["name"].as_str().expect("name");
        let id = name.rsplit('/').next().expect("id").trim_end_matches("')]");
        let yaml = &yamls.get(id).unwrap_or_else(|| panic!("{name} is the id of a rule"))["rule"];
        let properties = &resource["properties"];
        for key in required {
            assert!(!properties[key].is_null(), "{id}: {key} is required");
        }
        assert_eq!(properties["description"], yaml["description"], "{id}");
        assert_eq!(properties["query"], yaml["query"], "{id}");
        assert_eq!(properties["templateVersion"], yaml["version"], "{id}");
        let shown = properties["displayName"].as_str().expect("displayName");
        assert!(shown.ends_with(&format!(": {}", yaml["name"].as_str().expect("name"))), "{shown}");
        assert!(properties["queryFrequency"].as_str().expect("frequency").starts_with('P'), "ISO 8601");
        for technique in properties["techniques"].as_array().expect("techniques") {
            assert!(!technique.as_str().expect("id").contains('.'), "sub-techniques apart: {technique}");
        }
    }
}
