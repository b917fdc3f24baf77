//! Diagnostics: what every stage reports instead of failing.
//!
//! A [`Diagnostic`] is plain data (code, message, labelled spans, help and notes);
//! the wording of each code lives with its stage, the explanations in [`codes`], and
//! all layout in [`render`] (human, JSON lines, SARIF). Stages push into a
//! [`Diagnostics`] sink and go on, so one run reports every mistake it can see.

pub mod codes;
pub mod render;
pub mod suggest;

use crate::source::Span;
use serde::Serialize;

pub use codes::Code;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// A span with a message; the primary label is where the problem is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Label {
    pub span: Span,
    pub message: String,
    pub primary: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    pub labels: Vec<Label>,
    pub help: Vec<String>,
    pub notes: Vec<String>,
    /// Machine-applicable replacements of the primary span's text, best first (the
    /// did-you-mean names, `==` for `=`): editors offer them as quick fixes. Not
    /// rendered; the `help` lines say the same in words. A boxed slice keeps
    /// `Diagnostic` small, as it travels in many `Result`s.
    #[serde(skip)]
    pub fixes: Box<[String]>,
}

impl Diagnostic {
    /// A diagnostic whose severity is the code's own.
    pub fn new(code: Code, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            severity: code.severity(),
            message: message.into(),
            labels: Vec::new(),
            help: Vec::new(),
            notes: Vec::new(),
            fixes: Box::default(),
        }
    }

    pub fn primary(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.labels.push(Label { span, message: message.into(), primary: true });
        self
    }

    pub fn secondary(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.labels.push(Label { span, message: message.into(), primary: false });
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help.push(help.into());
        self
    }

    /// Adds `help: did you mean ...?` and the fix when there is a suggestion.
    pub fn did_you_mean(self, suggestion: Option<&str>) -> Diagnostic {
        match suggestion {
            Some(s) => self.help(format!("did you mean `{s}`?")).fix(s),
            None => self,
        }
    }

    /// A replacement of the primary span's text (see [`Diagnostic::fixes`]).
    pub fn fix(mut self, replacement: impl Into<String>) -> Diagnostic {
        let mut fixes = std::mem::take(&mut self.fixes).into_vec();
        fixes.push(replacement.into());
        self.fixes = fixes.into_boxed_slice();
        self
    }

    pub fn note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(note.into());
        self
    }

    /// Where the diagnostic points: its first primary label.
    pub fn primary_span(&self) -> Option<Span> {
        self.labels.iter().find(|l| l.primary).map(|l| l.span)
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// A sink of diagnostics. Sorting by position makes output independent of the
/// order in which (possibly parallel) stages produced them.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn new() -> Diagnostics {
        Diagnostics::default()
    }

    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.items.push(diagnostic);
    }

    pub fn extend(&mut self, other: Diagnostics) {
        self.items.extend(other.items);
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error)
    }

    pub fn error_count(&self) -> usize {
        self.items.iter().filter(|d| d.is_error()).count()
    }

    pub fn warning_count(&self) -> usize {
        self.items.len() - self.error_count()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The diagnostics in a stable order: by file, position, then code and text.
    pub fn into_sorted(mut self) -> Vec<Diagnostic> {
        self.items.sort_by(|a, b| (a.primary_span(), a.code, &a.message).cmp(&(b.primary_span(), b.code, &b.message)));
        self.items.dedup();
        self.items
    }

    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter()
    }
}

impl FromIterator<Diagnostic> for Diagnostics {
    fn from_iter<I: IntoIterator<Item = Diagnostic>>(iter: I) -> Diagnostics {
        Diagnostics { items: iter.into_iter().collect() }
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}
