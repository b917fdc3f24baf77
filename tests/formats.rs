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
