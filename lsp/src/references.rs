//! Find references and rename, from the buffers' tokens and the checked tree.
//!
//! | name under the cursor | its references |
//! |---|---|
//! | a step id (declaration, or a member of a sequence) | the declaration and every sequence of its flow naming it |
//! | a sequence id | its declaration (nothing else names a sequence) |
//! | a schema name | the declaration and every `source` clause naming it, in every file |
//! | a field of a step's (or the schema's own) schema | the declaration and every use in a step reading that schema, in every file |
//!
//! Rename takes step and sequence ids: the new id must be an identifier not already
//! used by a step or sequence of the flow.

use crate::analysis::Analysis;
use crate::hover::schema_at;
use crate::outline::{Kind, Outline};
use lsp_types::{Location, TextEdit, Uri, WorkspaceEdit};
use scalpel_compiler::source::{FileId, Span};
use std::collections::HashMap;

/// What the cursor names.
enum Target {
    /// A step or sequence id of the flow block, in this file.
    Rule {
        flow: usize,
        id: String,
        is_step: bool,
    },
    Schema(String),
    Field {
        schema: String,
        field: String,
    },
}

pub fn references(analysis: &Analysis, file: FileId, offset: usize) -> Vec<Location> {
    let outline = Outline::new(analysis.text(file));
    let Some(target) = target(analysis, &outline, offset) else { return Vec::new() };
    spans(analysis, file, &outline, &target).into_iter().filter_map(|s| analysis.location(s)).collect()
}

/// The edits renaming the step or sequence id under the cursor, or why not.
pub fn rename(analysis: &Analysis, file: FileId, offset: usize, new: &str) -> Result<Option<WorkspaceEdit>, String> {
    let outline = Outline::new(analysis.text(file));
    let Some(Target::Rule { flow, id, is_step }) = target(analysis, &outline, offset) else {
        return Ok(None);
    };
    let identifier = new.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && new.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !identifier {
        return Err(format!("`{new}` is not an identifier (a letter or `_`, then letters, digits, `_` or `-`)"));
    }
    let taken =
        ["step", "sequence"].iter().flat_map(|k| outline.children(flow, k)).any(|b| outline.name(b) == Some(new));
    if taken && new != id {
        return Err(format!("flow `{}` already has a step or sequence `{new}`", outline.name(flow).unwrap_or("")));
    }
    let target = Target::Rule { flow, id, is_step };
    let mut changes: HashMap<Uri, Vec<TextEdit>> = HashMap::new();
    for span in spans(analysis, file, &outline, &target) {
        if let Some(location) = analysis.location(span) {
            changes.entry(location.uri).or_default().push(TextEdit::new(location.range, new.to_string()));
        }
    }
    Ok(Some(WorkspaceEdit { changes: Some(changes), ..WorkspaceEdit::default() }))
}

fn target(analysis: &Analysis, outline: &Outline, offset: usize) -> Option<Target> {
    let token = outline.word_at(offset)?;
    let word = outline.text_of(token);
    if let Some(flow) = outline.enclosing(offset, "flow") {
        for (kind, is_step) in [("step", true), ("sequence", false)] {
            // A step is named from its flow's sequences; a sequence only where declared.
            let named_here = is_step || outline.blocks.iter().any(|b| b.name == Some(token));
            if named_here && outline.children(flow, kind).any(|b| outline.name(b) == Some(word)) {
                return Some(Target::Rule { flow, id: word.to_string(), is_step });
            }
        }
    }
    if let Some(schema) = schema_at(analysis, outline, offset) {
        if schema.fields.iter().any(|f| f.name.name == word) {
            return Some(Target::Field { schema: schema.name.name.clone(), field: word.to_string() });
        }
    }
    analysis.schema(word).map(|s| Target::Schema(s.name.name.clone()))
}

fn spans(analysis: &Analysis, file: FileId, outline: &Outline, target: &Target) -> Vec<Span> {
    let span = |file: FileId, o: &Outline, token: usize| {
        let range = &o.tokens[token].span;
        Span::new(file, range.start, range.end)
    };
    match target {
        Target::Rule { flow, id, is_step } => {
            let mut out = Vec::new();
            let kind = if *is_step { "step" } else { "sequence" };
            for block in outline.children(*flow, kind) {
                if let Some(name) = outline.blocks[block].name.filter(|_| outline.name(block) == Some(id)) {
                    out.push(span(file, outline, name));
                }
            }
            if *is_step {
                for sequence in outline.children(*flow, "sequence") {
                    let body = outline.body(sequence);
                    for t in body.clone() {
                        // `by` keys are fields, not steps.
                        let after_by = t > body.start && outline.is_word(t - 1, "by");
                        if outline.is_word(t, id) && !after_by {
                            out.push(span(file, outline, t));
                        }
                    }
                }
            }
            out
        }
        Target::Schema(name) => {
            let mut out: Vec<Span> = analysis.schema(name).map(|s| s.name.span).into_iter().collect();
            for &id in &analysis.project.files {
                let o = Outline::new(analysis.text(id));
                for t in 1..o.tokens.len() {
                    if o.is_word(t - 1, "source") && o.is_word(t, name) {
                        out.push(span(id, &o, t));
                    }
                }
            }
            out
        }
        Target::Field { schema, field } => {
            let declared = analysis.schema(schema).and_then(|s| s.fields.iter().find(|f| &f.name.name == field));
            let mut out: Vec<Span> = declared.map(|f| f.name.span).into_iter().collect();
            for &id in &analysis.project.files {
                let o = Outline::new(analysis.text(id));
                let steps = (0..o.blocks.len()).filter(|&b| o.blocks[b].kind == "step");
                for step in steps.filter(|&b| o.clause(b, "source") == Some(schema.as_str())) {
                    for t in o.body(step) {
                        if o.tokens[t].kind == Kind::Word && o.is_word(t, field) {
                            out.push(span(id, &o, t));
                        }
                    }
                }
            }
            out
        }
    }
}
