//! Reader for Attack Flow Builder files, format 2.0.0 (`.afb`): JSON → [`FlowGraph`].
//!
//! The file is a flat list of `objects`, each naming a `template` described in
//! `schema.templates`, and holding the ids of its `children`. Meaning comes from the
//! templates' `namespace` (`attack_flow.action`, `attack_flow.AND_operator`, ...);
//! block properties are `[key, value]` pairs.
//!
//! Arrows are not stored as such. A block's children are its anchors (the points
//! on its border); a line's children are its source latch, handles and target
//! latch; an anchor's children are the latches attached to it. So an edge is
//! `line → source latch → anchor owning it → block` to `line → target latch →
//! anchor → block`. Which child is which latch, and which anchors are a
//! condition's true and false sides, is read from the schema (a line template's
//! `line_ending_template`, a block template's `branches`) instead of assumed.

use super::{raw_text_of, text_of, Action, Edge, FlowGraph, Node, Operator, Reference};
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};

type Object = Map<String, Value>;

pub(super) fn read(root: &Object, warnings: &mut Vec<String>) -> Result<FlowGraph, String> {
    let version = root.get("version").and_then(Value::as_str).unwrap_or("unknown");
    if !version.starts_with("2.") {
        return Err(format!("Attack Flow Builder format {version} is not supported (expected 2.0.0)"));
    }
    if version != "2.0.0" {
        warnings.push(format!("Attack Flow Builder format {version}: read as 2.0.0, which may not fit"));
    }
    let schema = root.get("schema").and_then(Value::as_object).ok_or("the file has no schema")?;
    let templates: HashMap<&str, &Object> = schema
        .get("templates")
        .and_then(Value::as_array)
        .ok_or("the schema has no templates")?
        .iter()
        .filter_map(Value::as_object)
        .filter_map(|t| Some((t.get("id")?.as_str()?, t)))
        .collect();
    let objects: Vec<&Object> = root
        .get("objects")
        .and_then(Value::as_array)
        .ok_or("`objects` is not a list")?
        .iter()
        .filter_map(Value::as_object)
        .filter(|o| str_field(o, "id").is_some())
        .collect();

    let page_template = schema.get("page_template").and_then(Value::as_str).unwrap_or("flow");
    let page = objects
        .iter()
        .find(|o| str_field(o, "template") == Some(page_template))
        .ok_or_else(|| format!("no page object (template `{page_template}`) in the file"))?;
    let mut graph = page_info(page);
    graph.format = format!("Attack Flow Builder file, format {version}");

    // Blocks of the attack graph, top to bottom then left to right as drawn.
    let mut blocks: Vec<(&Object, Node)> = objects
        .iter()
        .filter_map(|o| {
            let template_id = str_field(o, "template")?;
            let namespace = templates.get(template_id).and_then(|t| str_field(t, "namespace"));
            Some((*o, node(o, namespace.unwrap_or(template_id))?))
        })
        .collect();
    blocks.sort_by(|(a, _), (b, _)| position(a).cmp_key(&position(b)));
    let index: HashMap<&str, usize> =
        blocks.iter().enumerate().filter_map(|(i, (o, _))| Some((str_field(o, "id")?, i))).collect();

    let by_id: HashMap<&str, &Object> = objects.iter().filter_map(|o| Some((str_field(o, "id")?, *o))).collect();
    let mut parents: HashMap<&str, Vec<&str>> = HashMap::new();
    for object in &objects {
        let Some(id) = str_field(object, "id") else { continue };
        for child in children(object) {
            parents.entry(child).or_default().push(id);
        }
    }
    let links = Links { templates: &templates, by_id: &by_id, parents: &parents, index: &index };

    let mut seen = HashSet::new();
    for line in &objects {
        let Some((source, target)) = links.line_ends(line) else { continue };
        let source = source.and_then(|latch| links.attachment(latch));
        let target = target.and_then(|latch| links.attachment(latch));
        match (source, target) {
            (Some((from, anchor)), Some((to, _))) => {
                let branch = links.branch(blocks[from].0, anchor);
                if seen.insert((from, to, branch)) {
                    graph.edges.push(Edge { from, to, branch });
                }
            }
            (from, to) => {
                let end = |end: Option<(usize, &str)>| end.map_or("nothing".to_string(), |(i, _)| blocks[i].1.label());
                warnings.push(format!(
                    "a line from {} to {} is not attached to a block at both ends; ignored",
                    end(from),
                    end(to)
                ));
            }
        }
    }
    graph.nodes = blocks.into_iter().map(|(_, node)| node).collect();
    Ok(graph)
}

/// The flow's own properties: name, description, author, references.
fn page_info(page: &Object) -> FlowGraph {
    let props = properties(page);
    let author = props.get("author").copied().map(pairs).unwrap_or_default();
    let author = match (text_of(author.get("name").copied()), text_of(author.get("contact_information").copied())) {
        (Some(name), Some(contact)) => Some(format!("{name} ({contact})")),
        (name, contact) => name.or(contact),
    };
    let references = props
        .get("external_references")
        .and_then(|v| v.as_array())
        .into_iter()
        .flatten()
        .map(|entry| {
            let entry = pairs(entry);
            Reference {
                source: text_of(entry.get("source_name").copied()),
                description: text_of(entry.get("description").copied()),
                url: text_of(entry.get("url").copied()),
            }
        })
        .collect();
    FlowGraph {
        name: text_of(props.get("name").copied()),
        description: text_of(props.get("description").copied()),
        author,
        created: text_of(props.get("created").copied()),
        references,
        ..FlowGraph::default()
    }
}

/// The node a block stands for, from its template's namespace; `None` for
/// everything that is not part of the attack graph (page, anchors, lines, text).
fn node(object: &Object, namespace: &str) -> Option<Node> {
    let props = properties(object);
    let text = |key: &str| text_of(props.get(key).copied());
    let raw = |key: &str| raw_text_of(props.get(key).copied());
    let (group, kind) = namespace.rsplit_once('.').unwrap_or(("", namespace));
    let node = match kind.to_ascii_lowercase().as_str() {
        "action" => Node::Action(Action {
            name: text("name"),
            technique_id: raw("technique_id"),
            technique_name: text("technique_ref"),
            tactic_id: raw("tactic_id"),
            tactic_name: text("tactic_ref"),
            description: text("description"),
        }),
        "asset" => Node::Asset { name: text("name"), description: text("description") },
        "condition" => Node::Condition { description: text("description") },
        "and_operator" | "and" => Node::Operator(Operator::And),
        "or_operator" | "or" => Node::Operator(Operator::Or),
        _ if group == "stix_object" => Node::Other { kind: kind.replace('_', " "), name: text("name") },
        _ => return None,
    };
    Some(node)
}

/// What the object graph needs to follow a line from its latches to blocks.
struct Links<'a> {
    templates: &'a HashMap<&'a str, &'a Object>,
    by_id: &'a HashMap<&'a str, &'a Object>,
    parents: &'a HashMap<&'a str, Vec<&'a str>>,
    /// Block id → node index.
    index: &'a HashMap<&'a str, usize>,
}

impl<'a> Links<'a> {
    /// The (source, target) latch ids of a line, when it has them; `None` when
    /// `line` is not a line.
    fn line_ends(&self, line: &'a Object) -> Option<(Option<&'a str>, Option<&'a str>)> {
        let template = self.templates.get(str_field(line, "template")?)?;
        let endings = template.get("line_ending_template")?.as_object()?;
        let (source, target) = (endings.get("source")?.as_str()?, endings.get("target")?.as_str()?);
        let end = |wanted: &str| {
            children(line).find(|child| self.by_id.get(child).and_then(|o| str_field(o, "template")) == Some(wanted))
        };
        Some((end(source), end(target)))
    }

    /// The block a latch is attached to, and the template of the anchor holding it.
    fn attachment(&self, latch: &str) -> Option<(usize, &'a str)> {
        self.parents.get(latch)?.iter().find_map(|anchor| {
            let block = self.parents.get(anchor)?.iter().find_map(|b| self.index.get(b))?;
            Some((*block, str_field(self.by_id.get(anchor)?, "template")?))
        })
    }

    /// `Some(true)` / `Some(false)` when the anchor is a branch (a condition's True
    /// or False side) of the block's template.
    fn branch(&self, block: &Object, anchor_template: &str) -> Option<bool> {
        let template = self.templates.get(str_field(block, "template")?)?;
        let branch = template
            .get("branches")?
            .as_array()?
            .iter()
            .find(|b| b.get("anchor_template").and_then(Value::as_str) == Some(anchor_template))?;
        match branch.get("text")?.as_str()?.trim().to_ascii_lowercase().as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        }
    }
}

/// Where a block is drawn; used only to order blocks the way a reader sees them.
struct Position {
    y: f64,
    x: f64,
}

impl Position {
    fn cmp_key(&self, other: &Position) -> std::cmp::Ordering {
        self.y.total_cmp(&other.y).then(self.x.total_cmp(&other.x))
    }
}

fn position(object: &Object) -> Position {
    let coordinate = |key: &str| object.get(key).and_then(Value::as_f64).unwrap_or(0.0);
    Position { y: coordinate("y"), x: coordinate("x") }
}

fn str_field<'a>(object: &'a Object, key: &str) -> Option<&'a str> {
    object.get(key)?.as_str()
}

fn children(object: &Object) -> impl Iterator<Item = &str> {
    object.get("children").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str)
}

/// A block's `properties`: `[[key, value], ...]`.
fn properties(object: &Object) -> HashMap<&str, &Value> {
    object.get("properties").map(pairs).unwrap_or_default()
}

/// A builder dictionary, `[[key, value], ...]`, as a map; malformed pairs are skipped.
fn pairs(value: &Value) -> HashMap<&str, &Value> {
    value
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|pair| match pair.as_array()?.as_slice() {
            [key, value] => Some((key.as_str()?, value)),
            _ => None,
        })
        .collect()
}
