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

#[test]
fn savedsearches_conf_reads_back_with_every_search_unchanged() {
    let files = files();
    let stanzas = conf::read(&files["splunk/savedsearches.conf"]).expect("savedsearches.conf reads");
    let searches: Vec<(&String, &String)> =
        files.iter().filter(|(path, _)| path.starts_with("splunk/") && path.ends_with(".spl")).collect();
    // The settings before the first stanza are none; `[default]` is the first stanza.
    assert!(stanzas[0].keys.is_empty());
    assert_eq!(stanzas[1].name, "default");
    let rules = &stanzas[2..];
    assert_eq!(rules.len(), searches.len(), "one stanza per rule");
    let keys: Vec<&str> = rules[0].keys.iter().map(|(k, _)| k.as_str()).collect();
    for stanza in rules {
        let these: Vec<&str> = stanza.keys.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(these, keys, "[{}] has the template's keys, no more", stanza.name);
        let search = stanza.get("search").expect("search");
        assert!(
            searches.iter().any(|(_, text)| text.trim_end() == search),
            "[{}]: the search reads back as one of the emitted .spl files:\n{search}",
            stanza.name
        );
    }
    let multi_line = rules.iter().filter(|s| s.get("search").is_some_and(|q| q.contains('\n'))).count();
    assert!(multi_line > 10, "continued lines are exercised: {multi_line}");
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
