//! Import, outside the compile pipeline: a MITRE Attack Flow file → the text of a
//! skeleton `.det` flow (`scalpel import attack-flow FILE`); Sigma rules → a
//! detection tree with a fidelity verdict per rule ([`sigma`], `scalpel import sigma`).
//!
//! Two inputs are understood, told apart by their content rather than their name:
//!
//! - Attack Flow Builder files, format 2.0.0 (`.afb`, `afb.rs`): the drawing itself,
//!   with edges encoded as line objects whose ends are latched onto block anchors;
//! - STIX 2.1 bundles holding an `attack-flow` object (`stix_flow.rs`), where edges
//!   are `effect_refs`, `on_true_refs`, `on_false_refs` and `asset_refs`.
//!
//! Both readers produce the same `FlowGraph`; `det.rs` orders it topologically and
//! writes `flow "<id>" "<title>" { category "TODO" origin theoretical ... }` with
//! one `step` per action: its id is a short `snake_case` form of the action's name,
//! its `technique` and `description` come from the action, and the graph around it
//! (tactic, assets, the conditions and AND/OR operators it follows or flows into)
//! is written as comments. A commented-out `sequence` along the path with the
//! most steps ends the flow. The flow id is an `AF2-10`-style id found in the file
//! name or title, else a slug of the file name; a flow titled "Untitled Document"
//! is titled after its file name instead.
//!
//! # What the output is, and why
//!
//! The output is a starting point for a human, not a detection: nothing in an
//! attack flow says which telemetry shows a step or what it looks like. So every
//! step is written as `undetectable "TODO: write the detection for this step"`
//! after a `// TODO(detect): ...` comment. That placeholder is legal Scalpel, so
//! the file can be checked in and passes the checker as-is (the rest of the tree
//! keeps building), while the TODO reason makes the step impossible to mistake for
//! a finished one and easy to find (`grep TODO`). Inventing a `detect` condition
//! would be worse: a plausible-looking rule that matches the wrong thing.
//!
//! A step must name an ATT&CK technique to pass the checker. An action with no
//! technique in the source, or whose id is still malformed after normalization
//! (`T1499.00`, `TXXXX`), is therefore written *commented out*, complete with a
//! `technique` line to fix (the malformed id, or `TODO`) and a comment saying what
//! is missing: skipping it would lose the step from the flow, and a made-up
//! technique would pass the checker with a wrong claim. Ids are normalized first
//! (whitespace, including the no-break spaces that word processors insert, is
//! removed and letters upper-cased), with a warning whenever that changed them.
//!
//! Warnings (also repeated in the file's header comment) cover everything that was
//! repaired or left out; only unreadable input is an error.

mod afb;
mod det;
pub mod sigma;
mod stix_flow;

#[cfg(test)]
mod tests;

use serde_json::Value;

/// Largest Attack Flow file read (the CSA flows are under 1 MiB).
pub const MAX_INPUT_BYTES: u64 = 64 * crate::input::MIB;

/// The result of an import: the `.det` text and what the importer had to repair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    pub det: String,
    pub warnings: Vec<String>,
}

/// Turns an Attack Flow Builder file or a STIX Attack Flow bundle into a skeleton
/// `.det` flow. `file_name` is the input's name or path; it names the flow when the
/// file does not, and is quoted in the header comment.
///
/// # Errors
///
/// A message (starting with `file_name`) when `text` is not JSON, is neither
/// format, or lacks what the format cannot do without (a builder file's schema
/// and page, a bundle's single `attack-flow` object). Everything else is
/// repaired or left out with a warning.
pub fn attack_flow(file_name: &str, text: &str) -> Result<Imported, String> {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let json: Value = serde_json::from_str(text).map_err(|e| format!("{file_name}: not valid JSON: {e}"))?;
    let mut warnings = Vec::new();
    let graph = read(&json, &mut warnings).map_err(|e| format!("{file_name}: {e}"))?;
    let det = det::write(&graph, file_name, &mut warnings);
    let warnings = warnings.iter().map(|w| crate::visible::visible(w).into_owned()).collect();
    Ok(Imported { det, warnings })
}

/// Picks the reader by content: a STIX bundle says `"type": "bundle"`, an Attack
/// Flow Builder file has a `schema` of templates next to its `objects`.
fn read(json: &Value, warnings: &mut Vec<String>) -> Result<FlowGraph, String> {
    let root = json.as_object().ok_or(UNKNOWN_FORMAT)?;
    if root.get("type").and_then(Value::as_str) == Some("bundle") {
        stix_flow::read(root, warnings)
    } else if root.contains_key("schema") && root.contains_key("objects") {
        afb::read(root, warnings)
    } else {
        Err(UNKNOWN_FORMAT.to_string())
    }
}

const UNKNOWN_FORMAT: &str = "unknown format: expected an Attack Flow Builder file (.afb, format 2.0.0) \
     or a STIX 2.1 bundle with an attack-flow object";

/// One attack flow, whichever file it came from: its blocks and arrows.
#[derive(Debug, Default)]
struct FlowGraph {
    /// What the input was, for the header comment ("Attack Flow Builder file, format 2.0.0").
    format: String,
    name: Option<String>,
    description: Option<String>,
    author: Option<String>,
    created: Option<String>,
    references: Vec<Reference>,
    /// In reading order (top to bottom in a drawing); this breaks ties in step order.
    nodes: Vec<Node>,
    edges: Vec<Edge>,
}

#[derive(Debug)]
enum Node {
    Action(Action),
    Asset {
        name: Option<String>,
        description: Option<String>,
    },
    Condition {
        description: Option<String>,
    },
    Operator(Operator),
    /// Any other object drawn in the flow (a STIX malware, tool, ...), by its kind.
    Other {
        kind: String,
        name: Option<String>,
    },
}

#[derive(Debug)]
struct Action {
    name: Option<String>,
    /// As written in the source: one id or a comma-separated list, possibly dirty.
    technique_id: Option<String>,
    technique_name: Option<String>,
    tactic_id: Option<String>,
    tactic_name: Option<String>,
    description: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operator {
    And,
    Or,
}

/// An arrow `from → to`; `branch` is set on arrows leaving a condition's
/// true (`Some(true)`) or false (`Some(false)`) side.
#[derive(Debug, Clone, Copy)]
struct Edge {
    from: usize,
    to: usize,
    branch: Option<bool>,
}

#[derive(Debug)]
struct Reference {
    source: Option<String>,
    description: Option<String>,
    url: Option<String>,
}

impl Node {
    /// A short, single-line name for warnings and comments: `action "Create Account"`.
    fn label(&self) -> String {
        let quoted = |kind: &str, text: &Option<String>| match text {
            Some(text) => format!("{kind} \"{}\"", one_line(text)),
            None => format!("unnamed {kind}"),
        };
        match self {
            Node::Action(action) => quoted("action", &action.name),
            Node::Asset { name, .. } => quoted("asset", name),
            Node::Condition { description } => quoted("condition", description),
            Node::Operator(Operator::And) => "AND operator".to_string(),
            Node::Operator(Operator::Or) => "OR operator".to_string(),
            Node::Other { kind, name } => quoted(kind, name),
        }
    }
}

/// Collapses every run of whitespace (newlines, tabs, no-break spaces) and control
/// characters into one space: titles and comments are single lines.
fn one_line(text: &str) -> String {
    text.split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// "Name (contact)", or whichever of the two is known.
fn author_line(name: Option<String>, contact: Option<String>) -> Option<String> {
    match (name, contact) {
        (Some(name), Some(contact)) => Some(format!("{name} ({contact})")),
        (name, contact) => name.or(contact),
    }
}

/// A string value that says something: trimmed, and `None` when blank or not a string.
fn text_of(value: Option<&Value>) -> Option<String> {
    let text = value?.as_str()?.trim();
    (!text.is_empty()).then(|| text.to_string())
}

/// Like [`text_of`] but untrimmed, for ATT&CK ids: the importer normalizes them
/// itself so that it can warn about what it removed.
fn raw_text_of(value: Option<&Value>) -> Option<String> {
    let text = value?.as_str()?;
    (!text.trim().is_empty()).then(|| text.to_string())
}
