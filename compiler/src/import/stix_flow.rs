//! Reader for STIX 2.1 Attack Flow bundles: JSON → [`FlowGraph`].
//!
//! The Attack Flow extension adds SDOs `attack-flow` (the flow's name and
//! metadata), `attack-action`, `attack-asset`, `attack-condition` and
//! `attack-operator`. Edges are reference lists: an action's `effect_refs` (what
//! it leads to) and `asset_refs` (the assets it acts on), a condition's
//! `on_true_refs` / `on_false_refs`, an operator's `effect_refs`. Other STIX
//! objects are only consulted for names (the identity of the author, the
//! `attack-pattern` an action's `technique_ref` points to).

use super::{raw_text_of, text_of, Action, Edge, FlowGraph, Node, Operator, Reference};
use serde_json::{Map, Value};
use std::collections::HashMap;

type Object = Map<String, Value>;

pub(super) fn read(root: &Object, warnings: &mut Vec<String>) -> Result<FlowGraph, String> {
    let objects: Vec<&Object> = root
        .get("objects")
        .and_then(Value::as_array)
        .ok_or("the STIX bundle has no `objects` list")?
        .iter()
        .filter_map(Value::as_object)
        .collect();
    let by_id: HashMap<&str, &Object> = objects.iter().filter_map(|o| Some((o.get("id")?.as_str()?, *o))).collect();

    let flows: Vec<&&Object> = objects.iter().filter(|o| kind(o) == "attack-flow").collect();
    let flow = match flows.as_slice() {
        [flow] => flow,
        [] => return Err("the STIX bundle has no attack-flow object".to_string()),
        more => {
            return Err(format!("the STIX bundle holds {} attack-flow objects; import them one at a time", more.len()))
        }
    };
    let text = |o: &Object, key: &str| text_of(o.get(key));
    let name_of = |id: Option<&Value>| text_of(by_id.get(id?.as_str()?)?.get("name"));

    let author = flow.get("created_by_ref").and_then(Value::as_str).and_then(|id| by_id.get(id));
    let author = author.and_then(|identity| match (text(identity, "name"), text(identity, "contact_information")) {
        (Some(name), Some(contact)) => Some(format!("{name} ({contact})")),
        (name, contact) => name.or(contact),
    });
    let references = flow
        .get("external_references")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .map(|r| Reference { source: text(r, "source_name"), description: text(r, "description"), url: text(r, "url") })
        .collect();
    let mut graph = FlowGraph {
        format: "STIX 2.1 Attack Flow bundle".to_string(),
        name: text(flow, "name"),
        description: text(flow, "description"),
        author,
        created: text(flow, "created"),
        references,
        ..FlowGraph::default()
    };

    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut members = Vec::new();
    for object in &objects {
        let node = match kind(object) {
            "attack-action" => Node::Action(Action {
                name: text(object, "name"),
                technique_id: raw_text_of(object.get("technique_id")),
                technique_name: name_of(object.get("technique_ref")),
                tactic_id: raw_text_of(object.get("tactic_id")),
                tactic_name: name_of(object.get("tactic_ref")),
                description: text(object, "description"),
            }),
            "attack-asset" => Node::Asset { name: text(object, "name"), description: text(object, "description") },
            "attack-condition" => Node::Condition { description: text(object, "description") },
            "attack-operator" => match text(object, "operator").map(|op| op.to_ascii_uppercase()).as_deref() {
                Some("AND") => Node::Operator(Operator::And),
                Some("OR") => Node::Operator(Operator::Or),
                other => {
                    warnings.push(format!(
                        "attack-operator with operator {}: neither AND nor OR; kept as a plain node",
                        other.map_or("(none)".to_string(), |op| format!("\"{op}\""))
                    ));
                    Node::Other { kind: "operator".to_string(), name: other.map(str::to_string) }
                }
            },
            _ => continue,
        };
        if let Some(id) = object.get("id").and_then(Value::as_str) {
            index.insert(id, graph.nodes.len());
        }
        graph.nodes.push(node);
        members.push(*object);
    }

    for (from, object) in members.iter().enumerate() {
        let refs =
            [("effect_refs", None), ("asset_refs", None), ("on_true_refs", Some(true)), ("on_false_refs", Some(false))];
        for (key, branch) in refs {
            for target in object.get(key).and_then(Value::as_array).into_iter().flatten() {
                let target = target.as_str().unwrap_or("");
                match index.get(target) {
                    Some(&to) => {
                        let edge = Edge { from, to, branch };
                        if !graph.edges.contains(&edge) {
                            graph.edges.push(edge);
                        }
                    }
                    None => warnings.push(format!(
                        "{} lists `{target}` in {key}, which is not an attack-flow object of the bundle; ignored",
                        graph.nodes[from].label()
                    )),
                }
            }
        }
    }
    Ok(graph)
}

/// The STIX `type` of an object.
fn kind(object: &Object) -> &str {
    object.get("type").and_then(Value::as_str).unwrap_or("")
}
