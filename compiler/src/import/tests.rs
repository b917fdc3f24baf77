//! Importer tests: our own small fixtures in `compiler/tests/fixtures/afb/`, and,
//! with `cargo test -- --ignored` where the CSA flows are, all eight real files checked against
//! the normalized facts in `flows.json`.

use super::det::{find_flow_id, flow_id, is_technique_id, quote, step_id};
use super::*;
use crate::syntax::ast::{File, FlowItem, StepItem};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/afb").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn import(name: &str) -> Imported {
    attack_flow(name, &fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Parses the output with the project's parser, failing on any error.
fn parse(det: &str) -> File {
    let (file, diags) = crate::syntax::parse(crate::source::FileId(0), det);
    assert!(!diags.has_errors(), "output does not parse: {:#?}\n{det}", diags.iter().collect::<Vec<_>>());
    assert_eq!(file.flows.len(), 1, "{det}");
    file
}

/// (id, title, techniques) of the live steps, in order.
fn steps(file: &File) -> Vec<(String, String, Vec<String>)> {
    file.flows[0]
        .items
        .iter()
        .filter_map(|item| match item {
            FlowItem::Step(step) => Some(step),
            _ => None,
        })
        .map(|step| {
            let techniques = step
                .items
                .iter()
                .filter_map(|i| match i {
                    StepItem::Technique(ids) => Some(ids.iter().map(|id| id.name.clone())),
                    _ => None,
                })
                .flatten()
                .collect();
            (step.id.name.clone(), step.title.value.clone(), techniques)
        })
        .collect()
}

fn step_ids(file: &File) -> Vec<String> {
    steps(file).into_iter().map(|s| s.0).collect()
}

fn has_warning(imported: &Imported, needle: &str) -> bool {
    imported.warnings.iter().any(|w| w.contains(needle))
}

#[test]
fn linear_flow() {
    let imported = import("AF9-1_Linear_Example.afb");
    assert_eq!(imported.warnings, Vec::<String>::new());
    let file = parse(&imported.det);
    let flow = &file.flows[0];
    assert_eq!(flow.id.value, "AF9-1");
    assert_eq!(flow.title.value, "Linear example");
    // `exfiltrate` is drawn above `stage` but comes after it: arrows decide.
    assert_eq!(
        steps(&file),
        vec![
            (
                "clinician_opens_a_phishing".into(),
                "Clinician opens a phishing attachment".into(),
                vec!["T1566.001".into()]
            ),
            ("stage_files_in_a_temp_folder".into(), "Stage files in a temp folder".into(), vec!["T1074.001".into()]),
            ("exfiltrate_over_the_c2_channel".into(), "Exfiltrate over the C2 channel".into(), vec!["T1041".into()]),
        ]
    );
    let items = &flow.items;
    assert!(items.iter().any(|i| matches!(i, FlowItem::Category(t) if t.value == "TODO")));
    assert!(items.iter().any(|i| matches!(i, FlowItem::Reference(t) if t.value == "https://example.org/write-up")));
    let det = &imported.det;
    assert!(det.starts_with("// Imported by `scalpel import attack-flow` from AF9-1_Linear_Example.afb\n"));
    assert!(det.contains("// Author: Scalpel tests (https://example.org/scalpel)"));
    assert!(det.contains("// tactic: TA0001 (Initial Access)"));
    assert!(det.contains("// from asset \"Workstation\": A clinician's desktop"));
    assert!(det.contains("// reference without a URL: Internal note: no link"));
    assert_eq!(det.matches("\n        // TODO(detect): ").count(), 3);
    assert_eq!(det.matches("undetectable \"TODO: write the detection for this step\"").count(), 3);
    assert!(det.contains(
        "    // sequence main_path \"Linear example: main path\" within TODO by TODO \
         { clinician_opens_a_phishing -> stage_files_in_a_temp_folder -> exfiltrate_over_the_c2_channel }\n"
    ));
}

#[test]
fn branching_flow() {
    let imported = import("branching.afb");
    // `" T1046 "`: plain spaces around an id are layout, not worth a warning.
    assert_eq!(imported.warnings, Vec::<String>::new());
    let file = parse(&imported.det);
    let flow = &file.flows[0];
    assert_eq!(flow.id.value, "branching");
    assert_eq!(flow.title.value, "Branching \"example\"");
    let description = flow.items.iter().find_map(|i| match i {
        FlowItem::Description(t) => Some(t.value.as_str()),
        _ => None,
    });
    assert_eq!(description, Some("Line one\nLine two with a tab\there, a backslash \\ and a bell \u{7}."));

    let ids = step_ids(&file);
    let at = |id: &str| ids.iter().position(|s| s == id).unwrap_or_else(|| panic!("no step {id} in {ids:?}"));
    for (before, after) in [
        ("scan_the_reseau_lab", "brute_force_ssh"),
        ("scan_the_reseau_lab", "phish_the_admin"),
        ("brute_force_ssh", "log_in"),
        ("steal_a_vpn_token", "log_in"),
        ("phish_the_admin", "log_in_2"),
    ] {
        assert!(at(before) < at(after), "{before} should precede {after} in {ids:?}");
    }
    assert_eq!(ids.len(), 6);
    let scan = &file.flows[0].items.iter().find_map(|i| match i {
        FlowItem::Step(s) if s.id.name == "scan_the_reseau_lab" => Some(s),
        _ => None,
    });
    let scan_description = scan.and_then(|s| {
        s.items.iter().find_map(|i| match i {
            StepItem::Description(t) => Some(t.value.as_str()),
            _ => None,
        })
    });
    assert_eq!(scan_description, Some("Quotes \"inside\", C:\\path\\file, and\r\nCRLF."));

    let det = &imported.det;
    assert!(det.contains(
        "// flows into condition \"Is SSH open?\": if true -> step brute_force_ssh; if false -> step phish_the_admin"
    ));
    assert!(det.contains("// when condition \"Is SSH open?\" is false"));
    assert!(det.contains("// flows into an AND with step steal_a_vpn_token -> step log_in"));
    assert!(det.contains("// after the AND of: step steal_a_vpn_token, step brute_force_ssh"));
    assert!(det.contains("{ scan_the_reseau_lab -> brute_force_ssh -> log_in }"));
}

#[test]
fn broken_flow_is_repaired_with_warnings() {
    let imported = import("broken_untitled.afb");
    for expected in [
        "the flow is titled \"Untitled Document\"; titled it \"broken untitled\" after the file name",
        "the AND operator is not connected to anything; ignored",
        "the OR operator has no inputs (it leads to action \"Valid accounts\")",
        "action \"Valid accounts\": technique id \"T1078<U+00A0>.001\" normalized to \"T1078.001\"",
        "action \"Valid accounts\": tactic id \"<U+00A0>TA0001\" normalized to \"TA0001\"",
        "action \"Endpoint DoS\": malformed technique id \"T1499.00\"",
        "action \"Endpoint DoS\" has no well-formed ATT&CK technique; its step is written commented out",
        "action \"Physical damage\": malformed technique id \"TXXXX\"",
        "action \"Device configuration modification\" has no ATT&CK technique; its step is written commented out",
        "action \"Mixed ids\": malformed technique id \"TXXXX\"",
        "action \"Wipe again\": technique id \"t1485\" normalized to \"T1485\"",
        "action \"Endpoint DoS\" leads to itself",
        "a line from action \"Device configuration modification\" to nothing is not attached",
        "the flow has a cycle through action \"Mixed ids\"",
    ] {
        assert!(has_warning(&imported, expected), "missing warning {expected:?} in {:#?}", imported.warnings);
    }
    assert_eq!(imported.warnings.len(), 15, "{:#?}", imported.warnings);
    let file = parse(&imported.det);
    assert_eq!(file.flows[0].id.value, "broken-untitled");
    assert_eq!(file.flows[0].title.value, "broken untitled");
    assert_eq!(
        steps(&file),
        vec![
            ("valid_accounts".into(), "Valid accounts".into(), vec!["T1078.001".into()]),
            ("mixed_ids".into(), "Mixed ids".into(), vec!["T1485".into()]),
            ("wipe_again".into(), "Wipe again".into(), vec!["T1485".into()]),
        ]
    );
    let det = &imported.det;
    for expected in [
        "    // malformed ATT&CK technique id in the source (T1499.00): correct it, then uncomment this step\n    // step endpoint_dos \"Endpoint DoS\" {\n    //     technique T1499.00\n",
        "    // step physical_damage \"Physical damage\" {\n    //     technique TXXXX\n",
        "    // no ATT&CK technique in the source: add one, then uncomment this step\n    // step device_configuration \"Device configuration modification\" {\n    //     technique TODO\n",
        "// malformed technique ids in the source, left out: TXXXX",
        "// after an OR operator that has no inputs",
        "// Import warnings:\n// - ",
    ] {
        assert!(det.contains(expected), "missing {expected:?} in\n{det}");
    }
    // Uncommenting a commented-out step gives a step that parses (and that the
    // checker then flags for its technique).
    let uncommented = det
        .replace("\n    // step ", "\n    step ")
        .replace("\n    //     ", "\n        ")
        .replace("\n    // }", "\n    }");
    assert_eq!(steps(&parse(&uncommented)).len(), 6);
}

#[test]
fn stix_bundle() {
    let imported = import("stix_bundle.json");
    assert_eq!(imported.warnings.len(), 2, "{:#?}", imported.warnings);
    assert!(has_warning(&imported, "in asset_refs, which is not an attack-flow object of the bundle; ignored"));
    assert!(has_warning(&imported, "action \"Note the pump's serial number\" has no ATT&CK technique"));
    let file = parse(&imported.det);
    assert_eq!(file.flows[0].id.value, "AF9-7");
    assert_eq!(file.flows[0].title.value, "AF9-7 Infusion pump tampering");
    assert_eq!(
        step_ids(&file),
        [
            "find_the_pumps_web_console",
            "log_in_with_the_vendor_default",
            "phish_a_biomedical_engineer",
            "change_the_dosage_limits"
        ]
    );
    let det = &imported.det;
    assert!(det.starts_with(
        "// Imported by `scalpel import attack-flow` from stix_bundle.json\n// (STIX 2.1 Attack Flow bundle).\n"
    ));
    assert!(det.contains("// Author: Scalpel tests (tests@example.org)"));
    assert!(det.contains("// technique name in the source: Default Credentials"));
    assert!(det.contains(
        "// after the OR of: condition \"Console uses default credentials?\", step phish_a_biomedical_engineer"
    ));
    assert!(det.contains("// to asset \"Infusion pump\": Networked pump on the ward"));
    assert!(det.contains("    // step note_the_pumps_serial_number \"Note the pump's serial number\" {"));
}

#[test]
fn unreadable_input_is_a_clean_error() {
    let err = attack_flow("invalid.afb", &fixture("invalid.afb")).unwrap_err();
    assert!(err.starts_with("invalid.afb: not valid JSON: "), "{err}");
    for (text, expected) in [
        ("", "not valid JSON"),
        ("[]", "unknown format"),
        ("\"flow\"", "unknown format"),
        ("{}", "unknown format"),
        (r#"{"objects": []}"#, "unknown format"),
        (r#"{"type": "bundle", "objects": []}"#, "no attack-flow object"),
        (r#"{"type": "bundle"}"#, "no `objects` list"),
        (
            r#"{"type": "bundle", "objects": [{"type": "attack-flow"}, {"type": "attack-flow"}]}"#,
            "2 attack-flow objects",
        ),
        (r#"{"version": "1.0.0", "schema": {}, "objects": []}"#, "format 1.0.0 is not supported"),
        (r#"{"version": "2.0.0", "schema": {}, "objects": []}"#, "no templates"),
        (r#"{"version": "2.0.0", "schema": {"templates": []}, "objects": {}}"#, "`objects` is not a list"),
        (r#"{"version": "2.0.0", "schema": {"templates": []}, "objects": []}"#, "no page object"),
    ] {
        let err = attack_flow("x.afb", text).unwrap_err();
        assert!(err.contains(expected), "{text}: {err}");
    }
    // A byte-order mark is not an error.
    let with_bom = format!("\u{FEFF}{}", fixture("AF9-1_Linear_Example.afb"));
    assert!(attack_flow("AF9-1.afb", &with_bom).is_ok());
}

/// Damaged copies of every fixture (an object removed, a field nulled, the text
/// cut short) give an error or a parsable skeleton, never a panic.
#[test]
fn damaged_files_never_panic() {
    for name in ["AF9-1_Linear_Example.afb", "branching.afb", "broken_untitled.afb", "stix_bundle.json"] {
        let text = fixture(name);
        let json: Value = serde_json::from_str(&text).unwrap();
        let count = json["objects"].as_array().map_or(0, Vec::len);
        let mut variants = Vec::new();
        for i in 0..count {
            let mut removed = json.clone();
            if let Some(objects) = removed["objects"].as_array_mut() {
                objects.remove(i);
            }
            variants.push(removed);
            // The fields that carry structure and meaning, in both formats.
            let fields = ["id", "template", "children", "properties", "type", "effect_refs", "name", "technique_id"];
            for field in fields.into_iter().filter(|f| json["objects"][i].get(f).is_some()) {
                let mut nulled = json.clone();
                nulled["objects"][i][field] = Value::Null;
                variants.push(nulled);
            }
        }
        for key in ["schema", "version", "type"] {
            let mut nulled = json.clone();
            nulled[key] = Value::Bool(true);
            variants.push(nulled);
        }
        for variant in variants {
            if let Ok(imported) = attack_flow(name, &variant.to_string()) {
                parse(&imported.det);
            }
        }
        for cut in (0..text.len()).step_by(211).filter(|&i| text.is_char_boundary(i)) {
            assert!(attack_flow(name, &text[..cut]).is_err());
        }
    }
}

#[test]
fn strings_are_escaped_for_the_grammar() {
    let mut text: String = (0u8..128).map(char::from).collect();
    text.push_str("é «» \u{a0} \u{2028} \u{2029} \u{85} 😀 \\u{41} \\\" end");
    let det = format!("flow \"x\" {} {{ category \"c\" origin theoretical }}\n", quote(&text));
    let file = parse(&det);
    assert_eq!(file.flows[0].title.value, text);
    assert!(!quote(&text).contains('\n') && !quote(&text).contains('\u{2028}'));
    assert_eq!(one_line("a\nb\r\n\tc\u{a0}d\u{2028}e  "), "a b c d e");
}

#[test]
fn step_ids_are_short_unique_snake_case() {
    let mut used = HashSet::new();
    let mut id = |title: &str| step_id(title, &mut used);
    assert_eq!(id("Supply-chain compromise of robotic arm vendor support web page"), "supply_chain_compromise");
    assert_eq!(id("Valid Accounts:\u{a0}Default Accounts"), "valid_accounts_default_accounts");
    assert_eq!(id("Brute Force:\nPassword Spraying"), "brute_force_password_spraying");
    assert_eq!(id("Ça coûte très cher à l'hôpital"), "ca_coute_tres_cher_a_lhopital");
    assert_eq!(id("1st stage"), "step_1st_stage");
    assert_eq!(id("«»"), "step");
    assert_eq!(id("«»"), "step_2");
    assert_eq!(id("x".repeat(40).as_str()), "x".repeat(32));
    assert_eq!(id("x".repeat(40).as_str()), format!("{}_2", "x".repeat(30)));
    assert_eq!(id("Log in"), "log_in");
    assert_eq!(id("Log-in"), "log_in_2");
    for id in &used {
        assert!(id.len() <= 32 && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'));
        assert!(id.starts_with(|c: char| c.is_ascii_alphabetic()), "{id}");
    }
}

#[test]
fn flow_ids_come_from_names() {
    assert_eq!(find_flow_id("AF2-10_Modify_Bio_Sensor_Data").as_deref(), Some("AF2-10"));
    assert_eq!(find_flow_id("Attack Flow 13 (af-13)").as_deref(), Some("AF-13"));
    assert_eq!(find_flow_id("GRAF2-10"), None);
    assert_eq!(find_flow_id("AF2-10b"), None);
    assert_eq!(find_flow_id("AF2-X"), None);
    assert_eq!(
        flow_id("AF2-X_Upload_Malicious_Firmware", "Malicious Firmware Update"),
        "AF2-X-upload-malicious-firmware"
    );
    assert_eq!(
        flow_id("Wifi_Router_Denial_of_Service_attack_flow_1_", "Untitled Document"),
        "wifi-router-denial-of-service-attack-flow-1"
    );
    assert_eq!(flow_id("notes", "AF3-2: Pump"), "AF3-2");
    assert_eq!(flow_id("__", ""), "imported-flow");
}

#[test]
fn technique_id_shapes() {
    for good in ["T1078", "T1078.001", "T0826"] {
        assert!(is_technique_id(good), "{good}");
    }
    for bad in ["T1499.00", "TXXXX", "T109", "T1078.", "T1078.0011", "t1078", "TA0001", "", "T"] {
        assert!(!is_technique_id(bad), "{bad}");
    }
}

// ------------------------------------------------------------ the CSA flows

/// The CSA flow files, in `shared/flows` next to the repository (or under
/// `SCALPEL_SHARED_DIR`). They cannot be
/// redistributed (CC BY-NC-ND 4.0), so the tests that read them are `#[ignore]`d and
/// run with `cargo test -- --ignored` where the files are (`.ci/run` does); run that
/// way without them, they fail and say where the files belong.
fn shared_flows() -> PathBuf {
    let dir = crate::attack::shared_data_dir().join("flows");
    assert!(
        dir.join("flows.json").is_file(),
        "{} is absent: put the CSA IoT-Medical-Cloud flows there (flows.json and afb/) to run this test",
        dir.display()
    );
    dir
}

/// One node of a flow in `flows.json`: (kind, label) with labels normalized as
/// the importer normalizes titles.
fn facts_node(step: &Value) -> (String, String) {
    let kind = step["kind"].as_str().unwrap_or_default().to_string();
    (kind, one_line(step["label"].as_str().unwrap_or_default()))
}

fn graph_node(node: &Node) -> (String, String) {
    let (kind, label) = match node {
        Node::Action(action) => ("action", action.name.clone()),
        Node::Asset { name, .. } => ("asset", name.clone()),
        Node::Condition { description } => ("condition", description.clone()),
        Node::Operator(Operator::And) => ("operator", Some("AND".to_string())),
        Node::Operator(Operator::Or) => ("operator", Some("OR".to_string())),
        Node::Other { kind, name } => (kind.as_str(), name.clone()),
    };
    (kind.to_string(), one_line(&label.unwrap_or_default()))
}

/// The eight CSA files: the extracted graph has exactly the nodes and edges of
/// `flows.json`, and the output has exactly its technique-carrying actions as
/// steps, in an order that respects its edges.
#[test]
#[ignore = "reads the CSA .afb files from ../shared/flows, which cannot be redistributed; `cargo test -- --ignored`"]
fn csa_flows_match_flows_json() {
    let dir = shared_flows();
    let facts: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("flows.json")).unwrap()).unwrap();
    let flows = facts["flows"].as_array().expect("flows.json has flows");
    let mut files_seen = HashSet::new();
    for flow in flows {
        let file = flow["file"].as_str().expect("each flow names its file");
        files_seen.insert(Path::new(file).file_name().unwrap().to_owned());
        let name = Path::new(file).file_name().unwrap().to_str().unwrap();
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        let facts_steps = flow["steps"].as_array().unwrap();

        // Graph extraction: same nodes, same edges (by label, with branches).
        let graph = read(&serde_json::from_str(&text).unwrap(), &mut Vec::new()).unwrap();
        let mut want_nodes: Vec<_> = facts_steps.iter().map(facts_node).collect();
        let mut got_nodes: Vec<_> = graph.nodes.iter().map(graph_node).collect();
        want_nodes.sort();
        got_nodes.sort();
        assert_eq!(got_nodes, want_nodes, "{name}: nodes");
        let by_id: HashMap<&str, &Value> = facts_steps.iter().map(|s| (s["id"].as_str().unwrap(), s)).collect();
        let mut want_edges = Vec::new();
        for step in facts_steps {
            for next in step["next"].as_array().unwrap() {
                let (to, branch) = match next.as_str() {
                    Some(to) => (to, None),
                    None => (next["to"].as_str().unwrap(), next["branch"].as_str().map(|b| b == "true")),
                };
                want_edges.push((facts_node(step), facts_node(by_id[to]), branch));
            }
        }
        let mut got_edges: Vec<_> = graph
            .edges
            .iter()
            .map(|e| (graph_node(&graph.nodes[e.from]), graph_node(&graph.nodes[e.to]), e.branch))
            .collect();
        want_edges.sort();
        got_edges.sort();
        assert_eq!(got_edges, want_edges, "{name}: edges");

        // The skeleton: one live step per technique-carrying action.
        let imported = attack_flow(name, &text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let parsed = parse(&imported.det);
        let got = steps(&parsed);
        let actions: Vec<&Value> =
            facts_steps.iter().filter(|s| s["kind"] == "action" && s["technique"].is_object()).collect();
        let mut want: Vec<(String, String)> =
            actions.iter().map(|s| (facts_node(s).1, s["technique"]["id"].as_str().unwrap().to_string())).collect();
        let mut got_pairs: Vec<(String, String)> =
            got.iter().map(|(_, title, t)| (title.clone(), t.join(","))).collect();
        want.sort();
        got_pairs.sort();
        assert_eq!(got_pairs, want, "{name}: steps");

        // Order: an action reachable from another comes after it.
        let position: HashMap<&str, usize> = got.iter().enumerate().map(|(i, s)| (s.1.as_str(), i)).collect();
        let mut successors: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for step in facts_steps {
            let targets = step["next"].as_array().unwrap().iter();
            let targets = targets.map(|n| n.as_str().or_else(|| n["to"].as_str()).unwrap());
            successors.entry(step["id"].as_str().unwrap()).or_default().extend(targets);
        }
        for from in &actions {
            let mut stack = vec![from["id"].as_str().unwrap()];
            let mut seen = HashSet::new();
            while let Some(at) = stack.pop() {
                for &next in &successors[at] {
                    if !seen.insert(next) {
                        continue;
                    }
                    stack.push(next);
                    let (Some(a), Some(b)) =
                        (position.get(facts_node(from).1.as_str()), position.get(facts_node(by_id[next]).1.as_str()))
                    else {
                        continue;
                    };
                    assert!(a < b, "{name}: {} should come before {}", facts_node(from).1, facts_node(by_id[next]).1);
                }
            }
        }
    }
    assert_eq!(files_seen.len(), 8, "flows.json should describe the eight .afb files");
    let on_disk: HashSet<_> = std::fs::read_dir(dir.join("afb"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().ends_with(".afb"))
        .collect();
    assert_eq!(on_disk, files_seen, "every .afb file is covered by flows.json");
}

/// The repairs the real files need, warned about one by one.
#[test]
#[ignore = "reads the CSA .afb files from ../shared/flows, which cannot be redistributed; `cargo test -- --ignored`"]
fn csa_flows_warnings() {
    let dir = shared_flows();
    let warnings = |name: &str| {
        let text = std::fs::read_to_string(dir.join("afb").join(name)).unwrap();
        attack_flow(name, &text).unwrap().warnings
    };
    assert_eq!(
        warnings("AF2-13_Disrupt_Network.afb"),
        ["action \"Malware attempts to infect connected devices\": malformed tactic id \"TA008\" (expected TAnnnn); kept in a comment"]
    );
    let wifi = warnings("Wifi_Router_Denial_of_Service_attack_flow_1_.afb");
    assert_eq!(wifi.len(), 5, "{wifi:#?}");
    for expected in [
        "the flow is titled \"Untitled Document\"; titled it \"Wifi Router Denial of Service attack flow 1\" after the file name",
        "the AND operator is not connected to anything; ignored",
        "the OR operator has no inputs",
        "action \"Account Access Removal\": tactic id \"<U+00A0>TA0040\" normalized to \"TA0040\"",
        "action \"Device Configuration Modification\" has no ATT&CK technique; its step is written commented out",
    ] {
        assert!(wifi.iter().any(|w| w.contains(expected)), "missing {expected:?} in {wifi:#?}");
    }
    for clean in [
        "AF2-10_Modify_Bio_Sensor_Data.afb",
        "AF2-12_Vendor_Access.afb",
        "AF2-1_Corrupt_Firmware_Results_in_Denial_of_Service.afb",
        "AF2-3_Compromise_of_Management_System.afb",
        "AF2-7_Encryption_and_Ransomware.afb",
        "AF2-X_Upload_Malicious_Firmware.afb",
    ] {
        assert_eq!(warnings(clean), Vec::<String>::new(), "{clean}");
    }
}
