//! Hover: what the name under the cursor is, from the checked tree and the ATT&CK
//! catalog it was checked against.
//!
//! - a field of the step's `source` schema (or of the schema being declared): its
//!   type, unit, range, event-time marker and description;
//! - a technique id: its name, domains, tactics, revoked/deprecated status (with the
//!   replacement) and mitigations;
//! - a schema name: its description and fields; a step id in its flow: title, source,
//!   severity and techniques; a step or sequence id: the files the build writes for
//!   it in each target (Sigma, SPL, KQL, EQL or ES|QL, …), from the last check.

use crate::analysis::{type_text, Analysis};
use crate::outline::Outline;
use crate::position::LineIndex;
use lsp_types::{Hover, HoverContents, MarkupContent, MarkupKind};
use scalpel_compiler::attack::{Catalog, Technique};
use scalpel_compiler::source::FileId;
use scalpel_compiler::syntax::ast;

pub fn hover(analysis: &Analysis, file: FileId, offset: usize) -> Option<Hover> {
    let text = analysis.text(file);
    let outline = Outline::new(text);
    let token = outline.word_at(offset)?;
    let word = outline.text_of(token);
    let markdown = describe(analysis, &outline, offset, word)?;
    let span = &outline.tokens[token].span;
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent { kind: MarkupKind::Markdown, value: markdown }),
        range: Some(LineIndex::new(text).range(span.start, span.end)),
    })
}

fn describe(analysis: &Analysis, outline: &Outline, offset: usize, word: &str) -> Option<String> {
    if let Some(technique) = analysis.catalog.technique(word) {
        return Some(technique_text(technique, &analysis.catalog));
    }
    if let Some(schema) = schema_at(analysis, outline, offset) {
        if let Some(field) = schema.fields.iter().find(|f| f.name.name == word) {
            return Some(field_text(field, schema));
        }
    }
    if let Some(schema) = analysis.schema(word) {
        return Some(schema_text(schema));
    }
    let flow = outline.enclosing(offset, "flow")?;
    let flow_id = outline.name(flow).unwrap_or_default();
    let mut out = match outline.children(flow, "step").find(|&s| outline.name(s) == Some(word)) {
        Some(step) => step_text(analysis, outline, flow, step, word),
        None => {
            let sequence = outline.children(flow, "sequence").find(|&s| outline.name(s) == Some(word))?;
            format!("**sequence `{word}`**{}", title_of(outline, sequence))
        }
    };
    for (path, text) in analysis.renderings.get(&(flow_id.to_string(), word.to_string())).into_iter().flatten() {
        out.push_str(&format!("\n\n`{path}`\n{}", fenced(path, text)));
    }
    Some(out)
}

/// `text` as a Markdown code block in the language of its file, with a fence
/// longer than any run of backticks inside it.
fn fenced(path: &str, text: &str) -> String {
    let language = match path.rsplit_once('.').map_or("", |(_, ext)| ext) {
        "yml" | "yaml" => "yaml",
        "spl" => "spl",
        "kql" => "kusto",
        "eql" => "eql",
        "esql" => "esql",
        "json" | "ndjson" => "json",
        _ => "",
    };
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    format!("{fence}{language}\n{}\n{fence}", text.trim_end())
}

/// The schema whose fields the cursor may name: the step's `source`, or the schema block itself.
pub fn schema_at<'a>(analysis: &'a Analysis, outline: &Outline, offset: usize) -> Option<&'a ast::Schema> {
    if let Some(step) = outline.enclosing(offset, "step") {
        return analysis.schema(outline.clause(step, "source")?);
    }
    let block = outline.enclosing(offset, "schema")?;
    analysis.schema(outline.name(block)?)
}

pub fn field_text(field: &ast::Field, schema: &ast::Schema) -> String {
    let mut out = format!("**{}** `{}`", field.name.name, type_text(&field.ty));
    if let Some(unit) = &field.unit {
        out.push_str(&format!(" · unit `{}`", unit.value));
    }
    if let Some(range) = &field.range {
        out.push_str(&format!(" · range `{}..{}`", number(range.lo), number(range.hi)));
    }
    if field.event_time.is_some() {
        out.push_str(" · event time");
    }
    if let Some(description) = &field.description {
        out.push_str(&format!("\n\n{}", description.value));
    }
    out.push_str(&format!("\n\nfield of schema `{}`", schema.name.name));
    out
}

fn number(n: ast::Number) -> String {
    match n {
        ast::Number::Int(i) => i.to_string(),
        ast::Number::Float(f) => f.to_string(),
    }
}

pub fn technique_text(t: &Technique, catalog: &Catalog) -> String {
    let domains: Vec<&str> = t.domains.iter().map(|d| d.short()).collect();
    let mut out = format!("**{}** {}\n\nATT&CK {} · {}", t.id, t.name, catalog.version, domains.join(", "));
    let tactics: Vec<String> =
        t.tactics.iter().filter_map(|id| catalog.tactic(id)).map(|tac| format!("{} ({})", tac.name, tac.id)).collect();
    if !tactics.is_empty() {
        out.push_str(&format!("\n\ntactics: {}", tactics.join(", ")));
    }
    if t.revoked {
        match catalog.replacement(&t.id) {
            Some(new) => out.push_str(&format!("\n\n**revoked**: use `{}` ({}) instead", new.id, new.name)),
            None => out.push_str("\n\n**revoked**, with no replacement"),
        }
    } else if t.deprecated {
        out.push_str("\n\n**deprecated**: ATT&CK no longer maintains it");
    }
    let mitigations: Vec<String> = t
        .mitigations
        .iter()
        .filter_map(|id| catalog.mitigation(id))
        .map(|m| format!("- {} {}", m.id, m.name))
        .collect();
    if !mitigations.is_empty() {
        out.push_str(&format!("\n\nmitigations:\n{}", mitigations.join("\n")));
    }
    out.push_str(&format!("\n\n{}", t.url));
    out
}

fn schema_text(schema: &ast::Schema) -> String {
    let mut out = format!("**schema `{}`**", schema.name.name);
    if let Some(description) = &schema.description {
        out.push_str(&format!(" {}", description.value));
    }
    out.push_str("\n\n");
    for field in &schema.fields {
        out.push_str(&format!("- `{}` `{}`\n", field.name.name, type_text(&field.ty)));
    }
    out
}

fn step_text(analysis: &Analysis, outline: &Outline, flow: usize, step: usize, id: &str) -> String {
    let flow_id = outline.name(flow).unwrap_or_default();
    let checked = analysis.program.as_ref().and_then(|p| p.flows.iter().find(|f| f.id == flow_id)?.step(id));
    match checked {
        Some(s) => {
            let techniques: Vec<String> = s.techniques.iter().map(|t| format!("{} {}", t.id, t.name)).collect();
            let mut out = format!("**step `{id}`** {}\n\nseverity {}", s.title, s.severity.as_str());
            if let Some(source) = &s.source {
                out.push_str(&format!(" · source `{source}`"));
            }
            if !techniques.is_empty() {
                out.push_str(&format!("\n\ntechniques: {}", techniques.join(", ")));
            }
            out
        }
        // Not checked (a mistake in it): what the text says.
        None => format!("**step `{id}`** in flow `{flow_id}`{}", title_of(outline, step)),
    }
}

/// ` "title"` after a block's name, as written.
pub fn title_of(outline: &Outline, block: usize) -> String {
    let Some(name) = outline.blocks[block].name else { return String::new() };
    match outline.tokens.get(name + 1) {
        Some(t) if t.kind == crate::outline::Kind::Str => format!(" {}", &outline.text[t.span.clone()]),
        _ => String::new(),
    }
}
