//! Go to definition and the document outline.
//!
//! Definition: a field (of the step's `source` schema) → its declaration in the
//! schema file; a schema name → the schema; a step id (in a sequence, or anywhere in
//! its flow) → the step. The outline lists schemas (with their fields), flows, and
//! each flow's steps and sequences, read from the buffer so it holds while a block
//! is broken.

use crate::analysis::{type_text, Analysis};
use crate::hover::{schema_at, title_of};
use crate::outline::Outline;
use crate::position::LineIndex;
use lsp_types::{DocumentSymbol, Location, SymbolKind};
use scalpel_compiler::source::{FileId, Span};

pub fn definition(analysis: &Analysis, file: FileId, offset: usize) -> Option<Location> {
    let text = analysis.text(file);
    let outline = Outline::new(text);
    let word = outline.text_of(outline.word_at(offset)?);
    if let Some(schema) = schema_at(analysis, &outline, offset) {
        if let Some(field) = schema.fields.iter().find(|f| f.name.name == word) {
            return analysis.location(field.name.span);
        }
    }
    if let Some(schema) = analysis.schema(word) {
        return analysis.location(schema.name.span);
    }
    let flow = outline.enclosing(offset, "flow")?;
    let step = outline.children(flow, "step").find(|&s| outline.name(s) == Some(word))?;
    let name = outline.tokens[outline.blocks[step].name?].span.clone();
    analysis.location(Span::new(file, name.start, name.end))
}

pub fn symbols(analysis: &Analysis, file: FileId) -> Vec<DocumentSymbol> {
    let text = analysis.text(file);
    let outline = Outline::new(text);
    let index = LineIndex::new(text);
    let roots: Vec<usize> = (0..outline.blocks.len()).filter(|&b| outline.blocks[b].parent.is_none()).collect();
    roots.into_iter().filter_map(|b| symbol(analysis, file, &outline, &index, b)).collect()
}

fn symbol(
    analysis: &Analysis,
    file: FileId,
    outline: &Outline,
    index: &LineIndex,
    block: usize,
) -> Option<DocumentSymbol> {
    let b = &outline.blocks[block];
    let name_token = b.name?;
    let name_span = outline.tokens[name_token].span.clone();
    let end = b.close.map_or(outline.text.len(), |c| outline.tokens[c].span.end);
    let (kind, mut children) = match b.kind {
        "schema" => (SymbolKind::STRUCT, fields(analysis, file, outline.name(block)?, index)),
        "flow" => (SymbolKind::NAMESPACE, Vec::new()),
        "step" => (SymbolKind::FUNCTION, Vec::new()),
        _ => (SymbolKind::EVENT, Vec::new()),
    };
    for child in 0..outline.blocks.len() {
        if outline.blocks[child].parent == Some(block) {
            children.extend(symbol(analysis, file, outline, index, child));
        }
    }
    let detail = title_of(outline, block).trim().trim_matches('"').to_string();
    #[allow(deprecated)] // `deprecated` is a required field of the struct
    Some(DocumentSymbol {
        name: outline.name(block)?.to_string(),
        detail: (!detail.is_empty()).then_some(detail),
        kind,
        tags: None,
        deprecated: None,
        range: index.range(outline.tokens[b.start].span.start, end),
        selection_range: index.range(name_span.start, name_span.end),
        children: (!children.is_empty()).then_some(children),
    })
}

/// A schema's fields, when it parsed.
fn fields(analysis: &Analysis, file: FileId, schema: &str, index: &LineIndex) -> Vec<DocumentSymbol> {
    let in_file = analysis.asts.iter().filter(|(id, _)| *id == file).flat_map(|(_, ast)| &ast.schemas);
    let Some(schema) = in_file.into_iter().find(|s| s.name.name == schema) else { return Vec::new() };
    schema
        .fields
        .iter()
        .map(|f| {
            #[allow(deprecated)]
            DocumentSymbol {
                name: f.name.name.clone(),
                detail: Some(type_text(&f.ty)),
                kind: SymbolKind::FIELD,
                tags: None,
                deprecated: None,
                range: index.range(f.span.lo as usize, f.span.hi as usize),
                selection_range: index.range(f.name.span.lo as usize, f.name.span.hi as usize),
                children: None,
            }
        })
        .collect()
}
