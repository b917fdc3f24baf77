//! Compiler diagnostics → LSP `publishDiagnostics`, per file of the tree.
//!
//! The code, message, primary span, secondary labels (as related information, also
//! into other files), help and notes are the ones `scalpel check` prints. Machine-
//! applicable fixes travel in `data.fixes`, for the quick fixes of [`crate::actions`].
//! A diagnostic without a span is shown at the start of the file being edited.

use crate::analysis::{canonical, Analysis};
use crate::position::LineIndex;
use crate::uri;
use lsp_types::{DiagnosticRelatedInformation, DiagnosticSeverity, NumberOrString, Range, Uri};
use scalpel_compiler::diag::{Diagnostic, Severity};
use scalpel_compiler::source::FileId;
use std::collections::BTreeMap;

/// The diagnostics of every file of the tree that has some.
pub fn by_file(analysis: &Analysis, edited: Option<FileId>) -> BTreeMap<Uri, Vec<lsp_types::Diagnostic>> {
    let mut out: BTreeMap<Uri, Vec<lsp_types::Diagnostic>> = BTreeMap::new();
    for d in &analysis.diags {
        let (file, range) = match d.primary_span() {
            Some(span) => {
                let index = LineIndex::new(analysis.text(span.file));
                (span.file, index.range(span.lo as usize, span.hi as usize))
            }
            None => match edited {
                Some(file) => (file, Range::default()),
                None => continue,
            },
        };
        let Some(uri) = uri::from_path(&canonical(analysis.project.sources.path(file))) else { continue };
        out.entry(uri).or_default().push(convert(analysis, d, range));
    }
    out
}

fn convert(analysis: &Analysis, d: &Diagnostic, range: Range) -> lsp_types::Diagnostic {
    let mut message = d.message.clone();
    let primary = d.labels.iter().find(|l| l.primary).map(|l| l.message.as_str()).unwrap_or("");
    if !primary.is_empty() {
        message.push_str(&format!("\n{primary}"));
    }
    for help in &d.help {
        message.push_str(&format!("\nhelp: {help}"));
    }
    for note in &d.notes {
        message.push_str(&format!("\nnote: {note}"));
    }
    let related: Vec<DiagnosticRelatedInformation> = d
        .labels
        .iter()
        .filter(|l| !l.primary)
        .filter_map(|l| {
            Some(DiagnosticRelatedInformation { location: analysis.location(l.span)?, message: l.message.clone() })
        })
        .collect();
    lsp_types::Diagnostic {
        range,
        severity: Some(match d.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(d.code.as_str().to_string())),
        source: Some("scalpel".to_string()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        data: (!d.fixes.is_empty()).then(|| serde_json::json!({ "fixes": d.fixes })),
        ..lsp_types::Diagnostic::default()
    }
}
