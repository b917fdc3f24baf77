//! Quick fixes: each machine-applicable fix a diagnostic carries (did-you-mean
//! names, `==` for `=`, a revoked technique's replacement) as a code action that
//! replaces the diagnostic's range.

use lsp_types::{CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams, TextEdit, WorkspaceEdit};
use std::collections::HashMap;

pub fn quick_fixes(params: &CodeActionParams) -> Vec<CodeActionOrCommand> {
    let mut actions = Vec::new();
    for diagnostic in &params.context.diagnostics {
        if diagnostic.source.as_deref() != Some("scalpel") {
            continue;
        }
        let fixes = diagnostic.data.as_ref().and_then(|d| d.get("fixes")).and_then(|f| f.as_array());
        for (i, fix) in fixes.into_iter().flatten().filter_map(|f| f.as_str()).enumerate() {
            let edit = TextEdit::new(diagnostic.range, fix.to_string());
            let changes = HashMap::from([(params.text_document.uri.clone(), vec![edit])]);
            actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: format!("replace with `{fix}`"),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![diagnostic.clone()]),
                edit: Some(WorkspaceEdit { changes: Some(changes), ..WorkspaceEdit::default() }),
                is_preferred: Some(i == 0),
                ..CodeAction::default()
            }));
        }
    }
    actions
}
