//! Sigma YAML → the rule model: one [`Rule`] per YAML document of a file.
//!
//! The YAML library gives values without positions, so positions come from the text:
//! a document's byte range is known (documents are split at `---` lines), and a
//! construct is located by searching its key inside the document (the first
//! occurrence after the enclosing key). A construct that cannot be found is reported
//! at its document's first line, never dropped.

use crate::source::{FileId, Span};
use serde_norway::Value;

/// One Sigma document of a file, read but not yet translated.
#[derive(Debug)]
pub struct Rule {
    pub file: FileId,
    /// Where the document starts in its file.
    pub start: usize,
    pub meta: Meta,
    pub logsource: Logsource,
    /// Search identifiers in file order.
    pub searches: Vec<Search>,
    pub condition: Option<(String, Span)>,
    /// Keys of `detection` the importer does not read (`timeframe`), with their spans.
    pub detection_extra: Vec<(String, Span)>,
}

#[derive(Debug, Default)]
pub struct Meta {
    pub title: String,
    pub id: Option<String>,
    pub status: Option<String>,
    pub description: Option<String>,
    pub references: Vec<String>,
    pub author: Option<String>,
    pub date: Option<String>,
    pub modified: Option<String>,
    pub tags: Vec<String>,
    pub level: Option<String>,
    pub falsepositives: Vec<String>,
}

#[derive(Debug, Default, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Logsource {
    pub product: Option<String>,
    pub category: Option<String>,
    pub service: Option<String>,
}

/// A search identifier: a map (AND of its fields), a list of maps (OR of ANDs) or a
/// keyword list.
#[derive(Debug)]
pub struct Search {
    pub name: String,
    pub span: Span,
    pub body: SearchBody,
}

#[derive(Debug)]
pub enum SearchBody {
    /// OR over the alternatives; each is an AND of field tests.
    Fields(Vec<Vec<FieldTest>>),
    /// Plain values: a whole-event keyword search.
    Keywords,
    /// Anything else (a scalar, a nested list), with what it is.
    Invalid(&'static str),
}

/// `Field|mod|mod: value(s)`.
#[derive(Debug)]
pub struct FieldTest {
    pub field: String,
    pub modifiers: Vec<String>,
    pub values: Vec<Value>,
    /// The key, for diagnostics.
    pub span: Span,
}

/// What a document is, as far as the importer cares.
pub enum Document {
    Rule(Box<Rule>),
    /// A correlation or filter rule: its kind and title.
    Other {
        kind: &'static str,
        title: String,
        span: Span,
    },
    /// Not a rule: why, and where.
    Invalid {
        message: String,
        span: Span,
    },
    /// A document holding nothing (a trailing `---`).
    Empty,
}

/// Byte ranges of the YAML documents in `text`, split at lines that are exactly
/// `---` (with optional trailing blanks); a block scalar holding such a line is the
/// one case this misreads, and the YAML parser then reports the broken halves.
pub fn documents(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if line.trim_end() == "---" {
            out.push((start, offset));
            start = offset + line.len();
        }
        offset += line.len();
    }
    out.push((start, text.len()));
    out
}

/// Reads one document (`text[start..end]` of `file`).
pub fn read(file: FileId, text: &str, start: usize, end: usize) -> Document {
    let doc = &text[start..end];
    let at_start = Span::new(file, start, start);
    if doc.lines().all(|l| l.trim().is_empty() || l.trim_start().starts_with('#')) {
        return Document::Empty;
    }
    let value: Value = match serde_norway::from_str(doc) {
        Ok(value) => value,
        Err(err) => {
            let span = err.location().map_or(at_start, |l| {
                Span::new(file, start + l.index().min(doc.len()), start + l.index().min(doc.len()))
            });
            return Document::Invalid { message: format!("not valid YAML: {err}"), span };
        }
    };
    let Value::Mapping(map) = &value else {
        return Document::Invalid { message: "a Sigma document is a mapping".into(), span: at_start };
    };
    let locate = Locator { file, text, start, end };
    let title = map.get("title").and_then(scalar_text).unwrap_or_default();
    for kind in ["correlation", "filter"] {
        if map.contains_key(kind) {
            let span = locate.key(start, kind).unwrap_or(at_start);
            return Document::Other { kind: if kind == "filter" { "filter" } else { "correlation" }, title, span };
        }
    }
    if title.is_empty() {
        return Document::Invalid { message: "the rule has no `title`".into(), span: at_start };
    }
    let Some(Value::Mapping(detection)) = map.get("detection") else {
        return Document::Invalid { message: "the rule has no `detection` mapping".into(), span: at_start };
    };
    let detection_at = locate.key(start, "detection").map_or(start, |s| s.lo as usize);
    let mut rule = Rule {
        file,
        start,
        meta: meta(map, title),
        logsource: logsource(map.get("logsource")),
        searches: Vec::new(),
        condition: None,
        detection_extra: Vec::new(),
    };
    for (key, body) in detection {
        let name = scalar_text(key).unwrap_or_default();
        let span = locate.key(detection_at, &name).unwrap_or(at_start);
        match name.as_str() {
            "condition" => {
                let text = match body {
                    Value::Sequence(list) if list.len() == 1 => scalar_text(&list[0]),
                    other => scalar_text(other),
                };
                let span = locate.value_span(span);
                rule.condition = Some((text.unwrap_or_else(|| "<a list of conditions>".into()), span));
            }
            "timeframe" => rule.detection_extra.push((name, span)),
            _ => {
                let body = search_body(body, &locate, span.lo as usize);
                rule.searches.push(Search { name, span, body });
            }
        }
    }
    Document::Rule(Box::new(rule))
}

fn search_body(body: &Value, locate: &Locator, after: usize) -> SearchBody {
    match body {
        Value::Mapping(map) => SearchBody::Fields(vec![field_tests(map, locate, after)]),
        Value::Sequence(items) if items.iter().all(|i| matches!(i, Value::Mapping(_))) && !items.is_empty() => {
            let mut alternatives = Vec::new();
            let mut at = after;
            for item in items {
                let Value::Mapping(map) = item else { continue };
                let tests = field_tests(map, locate, at);
                if let Some(last) = tests.last() {
                    at = last.span.hi as usize;
                }
                alternatives.push(tests);
            }
            SearchBody::Fields(alternatives)
        }
        Value::Sequence(items) if items.iter().all(|i| scalar_text(i).is_some()) && !items.is_empty() => {
            SearchBody::Keywords
        }
        Value::Sequence(_) => SearchBody::Invalid("a list mixing maps and values"),
        Value::Null => SearchBody::Invalid("an empty search"),
        _ => SearchBody::Keywords,
    }
}

fn field_tests(map: &serde_norway::Mapping, locate: &Locator, after: usize) -> Vec<FieldTest> {
    let mut tests = Vec::new();
    let mut at = after;
    for (key, value) in map {
        let key = scalar_text(key).unwrap_or_default();
        let span = locate.key(at, &key).unwrap_or(Span::new(locate.file, after, after));
        at = span.hi as usize;
        let mut parts = key.split('|');
        let field = parts.next().unwrap_or_default().to_string();
        let modifiers = parts.map(str::to_string).collect();
        let values = match value {
            Value::Sequence(list) => list.clone(),
            other => vec![other.clone()],
        };
        tests.push(FieldTest { field, modifiers, values, span });
    }
    tests
}

fn meta(map: &serde_norway::Mapping, title: String) -> Meta {
    let text = |key: &str| map.get(key).and_then(scalar_text).filter(|t| !t.trim().is_empty());
    let list = |key: &str| -> Vec<String> {
        match map.get(key) {
            Some(Value::Sequence(items)) => items.iter().filter_map(scalar_text).collect(),
            Some(other) => scalar_text(other).into_iter().collect(),
            None => Vec::new(),
        }
    };
    Meta {
        title,
        id: text("id"),
        status: text("status"),
        description: text("description"),
        references: list("references"),
        author: text("author"),
        date: text("date"),
        modified: text("modified"),
        tags: list("tags"),
        level: text("level"),
        falsepositives: list("falsepositives"),
    }
}

fn logsource(value: Option<&Value>) -> Logsource {
    let get = |key: &str| match value {
        Some(Value::Mapping(map)) => map.get(key).and_then(scalar_text).map(|t| t.to_lowercase()),
        _ => None,
    };
    Logsource { product: get("product"), category: get("category"), service: get("service") }
}

/// A scalar as text (numbers and booleans as YAML writes them); `None` for null,
/// lists and maps.
pub fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Tagged(tagged) => scalar_text(&tagged.value),
        _ => None,
    }
}

/// Finds keys in one document's text.
struct Locator<'a> {
    file: FileId,
    text: &'a str,
    start: usize,
    end: usize,
}

impl Locator<'_> {
    /// The first `key:` (bare or quoted) at or after byte `after` in the document.
    fn key(&self, after: usize, key: &str) -> Option<Span> {
        let from = after.clamp(self.start, self.end);
        let hay = &self.text[from..self.end];
        let mut best: Option<usize> = None;
        for quoted in [key.to_string(), format!("'{key}'"), format!("\"{key}\"")] {
            let mut search = 0;
            while let Some(i) = hay[search..].find(&quoted) {
                let at = search + i;
                let rest = hay[at + quoted.len()..].trim_start_matches([' ', '\t']);
                let line_start = hay[..at].rfind('\n').map_or(0, |n| n + 1);
                let before = hay[line_start..at].trim_start_matches([' ', '\t', '-']);
                if rest.starts_with(':') && before.trim().is_empty() {
                    best = Some(best.map_or(at, |b: usize| b.min(at)));
                    break;
                }
                search = at + quoted.len().max(1);
            }
        }
        best.map(|at| Span::new(self.file, from + at, from + at + key.len().max(1)))
    }

    /// The value after a key's `:` on the same line (the condition text).
    fn value_span(&self, key: Span) -> Span {
        let hi = key.hi as usize;
        let line_end = self.text[hi..self.end].find('\n').map_or(self.end, |n| hi + n);
        let line = &self.text[hi..line_end];
        let offset = line.find(':').map_or(0, |c| c + 1);
        let lead = line[offset..].len() - line[offset..].trim_start().len();
        let lo = hi + offset + lead;
        Span::new(self.file, lo, line_end.max(lo))
    }
}
