//! Completion from where the cursor is in the (possibly broken) buffer:
//!
//! | where | offered |
//! |---|---|
//! | top level | `schema`, `flow` |
//! | flow | its clauses; `realized`/`theoretical` after `origin` |
//! | step | its clauses; schema names after `source`; severities after `severity`; technique ids after `technique` (with names, filterable by name) |
//! | `detect` | the fields of the step's `source` schema (type, description), operators after a field, enum values (or `true`/`false`) after `==`/`!=` and inside `in [...]`, `and`/`or`/`not` |
//! | `threshold` | `count`, `distinct`, `within`, `by`; fields after `by`/`distinct` |
//! | sequence | the flow's step ids, `each`, `threshold` |
//! | schema | field types, `unit`, `range`, `event_time` |

use crate::analysis::{type_text, Analysis};
use crate::hover::{field_text, schema_at, technique_text};
use crate::outline::{Kind, Outline};
use lsp_types::{CompletionItem, CompletionItemKind, CompletionItemTag, Documentation, MarkupContent, MarkupKind};
use scalpel_compiler::ir::Severity;
use scalpel_compiler::schema::FieldType;
use scalpel_compiler::source::FileId;
use scalpel_compiler::syntax::ast;

const STEP_CLAUSES: &[&str] = &[
    "technique",
    "source",
    "severity",
    "description",
    "falsepositive",
    "reference",
    "detect",
    "undetectable",
    "threshold",
];
const FLOW_CLAUSES: &[&str] = &["category", "origin", "description", "reference", "step", "sequence"];
const OPERATORS: &[&str] = &[
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "in",
    "not in",
    "in cidr",
    "contains",
    "startswith",
    "endswith",
    "matches",
    "exists",
    "cased",
];

pub fn complete(analysis: &Analysis, file: FileId, offset: usize) -> Vec<CompletionItem> {
    let outline = Outline::new(analysis.text(file));
    // The word being typed is replaced by the item; what comes before it decides.
    let before = match outline.word_at(offset) {
        Some(t) if outline.tokens[t].span.start < offset => t,
        _ => outline.token_after(offset),
    };
    let Some(block) = outline.block_at(offset) else { return keywords(&["schema", "flow"]) };
    let b = &outline.blocks[block];
    // In the header (before `{`): nothing but the header's keywords.
    let in_body = b.open.is_some_and(|open| open < before);
    let body_start = b.open.map_or(b.start, |o| o + 1);
    let prev = (before > body_start).then(|| before - 1);
    let word = |i: Option<usize>| i.map(|i| outline.text_of(i)).unwrap_or("");
    match b.kind {
        "schema" if in_body => schema_items(&outline, prev),
        "flow" if in_body => match word(prev) {
            "origin" => keywords(&["realized", "theoretical"]),
            _ => keywords(FLOW_CLAUSES),
        },
        "step" if in_body => step_items(analysis, &outline, offset, body_start, prev),
        "sequence" if in_body => {
            let flow = b.parent;
            let mut items: Vec<CompletionItem> = flow
                .into_iter()
                .flat_map(|f| outline.children(f, "step"))
                .filter_map(|s| outline.name(s))
                .map(|id| item(id, CompletionItemKind::REFERENCE, Some("step".to_string())))
                .collect();
            items.extend(keywords(&["each", "threshold", "by"]));
            items
        }
        "sequence" => keywords(&["within", "by"]),
        _ => Vec::new(),
    }
}

fn step_items(
    analysis: &Analysis,
    outline: &Outline,
    offset: usize,
    body_start: usize,
    prev: Option<usize>,
) -> Vec<CompletionItem> {
    let Some(prev) = prev else { return keywords(STEP_CLAUSES) };
    // The clause the cursor is in: the last clause keyword that starts a line.
    let line_start = |i: usize| {
        let lo = outline.tokens[i].span.start;
        outline.text[..lo].rfind('\n').map_or(0, |n| n + 1)
    };
    let clause = (body_start..=prev).rev().find(|&i| {
        STEP_CLAUSES.contains(&outline.text_of(i))
            && outline.tokens[i].kind == Kind::Word
            && outline.text[line_start(i)..outline.tokens[i].span.start].trim().is_empty()
    });
    let clause_word = clause.map(|c| outline.text_of(c)).unwrap_or("");
    let prev_word = outline.text_of(prev);
    // A new line after a complete clause starts the next clause, except in a condition.
    let new_line = outline.text[outline.tokens[prev].span.end..offset].contains('\n');
    let schema = schema_at(analysis, outline, offset);
    match clause_word {
        "technique" if prev_word == "technique" || prev_word == "," => techniques(analysis),
        "source" if prev_word == "source" => analysis
            .schemas()
            .map(|s| {
                let mut i =
                    item(&s.name.name, CompletionItemKind::STRUCT, s.description.as_ref().map(|d| d.value.clone()));
                i.detail = Some(format!("{} fields", s.fields.len()));
                i
            })
            .collect(),
        "severity" if prev_word == "severity" => keywords(Severity::NAMES),
        "detect" if new_line => {
            let mut items = condition_items(outline, schema, prev);
            items.extend(keywords(STEP_CLAUSES));
            items
        }
        "detect" => condition_items(outline, schema, prev),
        "threshold" if matches!(prev_word, "by" | "distinct" | ",") => fields(schema),
        "threshold" if !new_line => keywords(&["count", "distinct", "within", "by"]),
        _ => keywords(STEP_CLAUSES),
    }
}

fn condition_items(outline: &Outline, schema: Option<&ast::Schema>, prev: usize) -> Vec<CompletionItem> {
    let field_named = |i: Option<usize>| {
        let name = outline.text_of(i?);
        schema?.fields.iter().find(|f| f.name.name == name)
    };
    let prev_word = outline.text_of(prev);
    if matches!(prev_word, "==" | "!=") {
        return values(field_named(prev.checked_sub(1)));
    }
    // Inside `field in [a, b, ` (or `not in [`).
    if let Some(open) = open_bracket(outline, prev) {
        let mut at = open.checked_sub(1);
        if at.is_some_and(|i| outline.text_of(i) == "in") {
            at = at.and_then(|i| i.checked_sub(1));
            if at.is_some_and(|i| outline.text_of(i) == "not") {
                at = at.and_then(|i| i.checked_sub(1));
            }
            return values(field_named(at));
        }
    }
    if field_named(Some(prev)).is_some() || prev_word == "cased" {
        return keywords(OPERATORS);
    }
    let mut items = fields(schema);
    let after_value = !matches!(prev_word, "detect" | "and" | "or" | "not" | "(");
    items.extend(keywords(if after_value { &["and", "or"] } else { &["not"] }));
    items
}

/// The `[` of the list the token after `prev` is in, if any.
fn open_bracket(outline: &Outline, prev: usize) -> Option<usize> {
    for i in (0..=prev).rev() {
        match outline.text_of(i) {
            "]" | "detect" => return None,
            "[" => return Some(i),
            _ => {}
        }
    }
    None
}

fn values(field: Option<&ast::Field>) -> Vec<CompletionItem> {
    match field.map(|f| &f.ty) {
        Some(ast::TypeExpr::Enum { values, .. }) => values
            .iter()
            .map(|v| {
                item(&v.name, CompletionItemKind::ENUM_MEMBER, field.map(|f| format!("value of `{}`", f.name.name)))
            })
            .collect(),
        Some(ast::TypeExpr::Named(name)) if name.name == "bool" => keywords(&["true", "false"]),
        _ => Vec::new(),
    }
}

fn fields(schema: Option<&ast::Schema>) -> Vec<CompletionItem> {
    let Some(schema) = schema else { return Vec::new() };
    schema
        .fields
        .iter()
        .map(|f| {
            let mut i = item(&f.name.name, CompletionItemKind::FIELD, Some(type_text(&f.ty)));
            i.documentation = Some(markdown(field_text(f, schema)));
            i
        })
        .collect()
}

fn techniques(analysis: &Analysis) -> Vec<CompletionItem> {
    let catalog = &analysis.catalog;
    catalog
        .techniques
        .values()
        .filter(|t| !t.revoked)
        .map(|t| {
            let mut i = item(&t.id, CompletionItemKind::CONSTANT, Some(t.name.clone()));
            // Typing a word of the name finds the id.
            i.filter_text = Some(format!("{} {}", t.id, t.name));
            i.documentation = Some(markdown(technique_text(t, catalog)));
            if t.deprecated {
                i.tags = Some(vec![CompletionItemTag::DEPRECATED]);
            }
            i
        })
        .collect()
}

fn schema_items(outline: &Outline, prev: Option<usize>) -> Vec<CompletionItem> {
    // After a field's name (the first word of its line): its type.
    let Some(prev) = prev else { return Vec::new() };
    let lo = outline.tokens[prev].span.start;
    let line = &outline.text[outline.text[..lo].rfind('\n').map_or(0, |n| n + 1)..lo];
    if line.trim().is_empty() && outline.tokens[prev].kind == Kind::Word {
        return keywords(FieldType::NAMES);
    }
    keywords(&["unit", "range", "event_time"])
}

fn keywords(words: &[&str]) -> Vec<CompletionItem> {
    words.iter().map(|w| item(w, CompletionItemKind::KEYWORD, None)).collect()
}

fn item(label: &str, kind: CompletionItemKind, detail: Option<String>) -> CompletionItem {
    CompletionItem { label: label.to_string(), kind: Some(kind), detail, ..CompletionItem::default() }
}

fn markdown(value: String) -> Documentation {
    Documentation::MarkupContent(MarkupContent { kind: MarkupKind::Markdown, value })
}
