//! Rendering diagnostics: rustc-style text, JSON lines and SARIF 2.1.0.
//!
//! All layout lives here; stages only build [`Diagnostic`] values.

use super::{Diagnostic, Label, Severity};
use crate::source::{display_path, SourceFile, SourceMap, Span};
use crate::visible::{visible, visible_lines};
use serde_json::{json, Value};
use std::fmt::Write as _;
use std::io::{self, Write};
use unicode_width::UnicodeWidthStr;

/// ANSI styling, on only when writing to a terminal.
#[derive(Clone, Copy)]
struct Style {
    color: bool,
}

impl Style {
    fn paint(self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
    fn severity(self, severity: Severity, text: &str) -> String {
        match severity {
            Severity::Error => self.paint("1;31", text),
            Severity::Warning => self.paint("1;33", text),
        }
    }
    fn blue(self, text: &str) -> String {
        self.paint("1;34", text)
    }
    fn bold(self, text: &str) -> String {
        self.paint("1", text)
    }
}

/// Renders one diagnostic the way rustc does:
///
/// ```text
/// error[E0102]: unknown field `heart_rat` in schema `biosensor`
///   --> flows/af2-10.det:12:16
///    |
/// 12 |     detect heart_rat > 250
///    |            ^^^^^^^^^ not a field of `biosensor`
///    |
///    = help: did you mean `heart_rate`?
/// ```
pub fn human(diag: &Diagnostic, sources: &SourceMap, color: bool) -> String {
    let style = Style { color };
    let mut out = String::new();
    let severity = match diag.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let head = format!("{severity}[{}]", diag.code);
    let message = visible_lines(&diag.message);
    let _ = writeln!(out, "{}{}", style.severity(diag.severity, &head), style.bold(&format!(": {message}")));

    let gutter = gutter_width(diag, sources);
    let pad = " ".repeat(gutter);
    let primary_file = primary_file(diag);
    let mut labels: Vec<&Label> = diag.labels.iter().collect();
    // The primary label's file first; within a file, labels in source order.
    labels.sort_by_key(|l| (l.span.file != primary_file, l.span.file, l.span.lo, !l.primary));
    let mut previous: Option<(crate::source::FileId, usize)> = None;
    for label in &labels {
        let file = sources.get(label.span.file);
        let (line, _) = file.line_col(label.span.lo as usize);
        match previous {
            Some((f, _)) if f == label.span.file => {}
            _ => {
                // The location shown is the primary label's, else the first label's.
                let anchor = labels
                    .iter()
                    .filter(|l| l.span.file == label.span.file)
                    .min_by_key(|l| (!l.primary, l.span.lo))
                    .map_or(label.span, |l| l.span);
                let (aline, acol) = file.line_col(anchor.lo as usize);
                let arrow = if previous.is_none() { "-->" } else { ":::" };
                if previous.is_some() {
                    let _ = writeln!(out, "{pad} {}", style.blue("|"));
                }
                let path = display_path(&file.path);
                let _ = writeln!(out, "{pad}{} {}:{aline}:{acol}", style.blue(arrow), visible(&path));
                let _ = writeln!(out, "{pad} {}", style.blue("|"));
            }
        }
        let same_line = previous == Some((label.span.file, line));
        if let Some((f, prev_line)) = previous {
            if f == label.span.file && line > prev_line + 1 {
                let _ = writeln!(out, "{}", style.blue("..."));
            }
        }
        render_label(&mut out, file, label, gutter, diag.severity, style, !same_line);
        previous = Some((label.span.file, line));
    }
    if !labels.is_empty() && (!diag.help.is_empty() || !diag.notes.is_empty()) {
        let _ = writeln!(out, "{pad} {}", style.blue("|"));
    }
    for note in &diag.notes {
        let _ = writeln!(out, "{pad} {} {}: {}", style.blue("="), style.bold("note"), visible_lines(note));
    }
    for help in &diag.help {
        let _ = writeln!(out, "{pad} {} {}: {}", style.blue("="), style.bold("help"), visible_lines(help));
    }
    out
}

fn primary_file(diag: &Diagnostic) -> crate::source::FileId {
    diag.primary_span().map(|s| s.file).unwrap_or_default()
}

fn gutter_width(diag: &Diagnostic, sources: &SourceMap) -> usize {
    diag.labels
        .iter()
        .map(|l| sources.get(l.span.file).line_col(l.span.lo as usize).0.to_string().len())
        .max()
        .unwrap_or(1)
        .max(1)
}

/// A source line (unless already shown) with a marker under the label's span,
/// clipped to its first line.
fn render_label(
    out: &mut String,
    file: &SourceFile,
    label: &Label,
    gutter: usize,
    severity: Severity,
    style: Style,
    with_source: bool,
) {
    let (line, _) = file.line_col(label.span.lo as usize);
    let text = file.line_text(line);
    let line_start = file.line_start(line);
    let lo = (label.span.lo as usize).saturating_sub(line_start).min(text.len());
    let hi = (label.span.hi as usize).saturating_sub(line_start).clamp(lo, text.len());
    let (lo, hi) = (floor_boundary(text, lo), floor_boundary(text, hi));
    let shown = printable(text);
    let before = printable(&text[..lo]).width();
    let width = printable(&text[lo..hi]).width().max(1);
    let marker_char = if label.primary { "^" } else { "-" };
    let marker = format!(
        "{}{}",
        marker_char.repeat(width),
        if label.message.is_empty() { String::new() } else { format!(" {}", visible(&label.message)) }
    );
    let marker = if label.primary { style.severity(severity, &marker) } else { style.blue(&marker) };
    if with_source {
        let _ = writeln!(out, "{} {}", style.blue(&format!("{line:>gutter$} |")), shown);
    }
    let _ = writeln!(out, "{} {}{}", style.blue(&format!("{} |", " ".repeat(gutter))), " ".repeat(before), marker);
}

fn floor_boundary(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Tabs become spaces and every hidden character visible ([`visible`]), so carets
/// line up and a stray NUL, escape sequence or right-to-left override in a file
/// cannot garble the terminal or reorder the line.
fn printable(text: &str) -> String {
    visible(&text.replace('\t', "    ")).into_owned()
}

/// A position as `file`, `line`, `column` (1-based) for machine formats.
fn position(sources: &SourceMap, span: Span) -> Value {
    let file = sources.get(span.file);
    let (line, column) = file.line_col(span.lo as usize);
    let (end_line, end_column) = file.line_col(span.hi as usize);
    json!({
        "file": display_path(&file.path),
        "line": line, "column": column,
        "end_line": end_line, "end_column": end_column,
    })
}

/// One JSON object per diagnostic (`--message-format json`), including the human
/// rendering so tools can show it unchanged.
pub fn json_line(diag: &Diagnostic, sources: &SourceMap) -> String {
    let labels: Vec<Value> = diag
        .labels
        .iter()
        .map(|l| {
            let mut pos = position(sources, l.span);
            pos["message"] = json!(l.message);
            pos["primary"] = json!(l.primary);
            pos
        })
        .collect();
    json!({
        "code": diag.code,
        "severity": diag.severity,
        "message": diag.message,
        "labels": labels,
        "help": diag.help,
        "notes": diag.notes,
        "rendered": human(diag, sources, false),
    })
    .to_string()
}

/// Writes a SARIF 2.1.0 log for code-scanning services (GitHub, Azure DevOps): one
/// run holding every diagnostic of `parts` (diagnostics with the sources their spans
/// point into). Streamed, one result per line, so memory and time stay linear in the
/// number of diagnostics.
pub fn write_sarif(out: &mut dyn Write, parts: &[(&[Diagnostic], &SourceMap)], tool_version: &str) -> io::Result<()> {
    // Inserted one by one: collecting into a set would first collect every code.
    let mut used = std::collections::BTreeSet::new();
    parts.iter().flat_map(|(diags, _)| diags.iter()).for_each(|d| {
        used.insert(d.code);
    });
    let codes: Vec<_> = used.into_iter().collect();
    let rules: Vec<Value> = codes
        .iter()
        .map(|c| {
            json!({
                "id": c.as_str(),
                "shortDescription": {"text": c.title()},
                "fullDescription": {"text": c.explanation()},
                "defaultConfiguration": {"level": sarif_level(c.severity())},
            })
        })
        .collect();
    let driver = json!({"name": "scalpel", "version": tool_version, "rules": rules});
    write!(
        out,
        "{{\"$schema\":\"https://json.schemastore.org/sarif-2.1.0.json\",\"version\":\"2.1.0\",\"runs\":[{{\"tool\":{{\"driver\":{driver}}},\"results\":["
    )?;
    let mut first = true;
    for (diags, sources) in parts {
        for d in diags.iter() {
            let rule_index = codes.binary_search(&d.code).ok();
            out.write_all(if first { b"\n" } else { b",\n" })?;
            first = false;
            serde_json::to_writer(&mut *out, &sarif_result(d, sources, rule_index))?;
        }
    }
    out.write_all(b"\n]}]}\n")
}

fn sarif_result(d: &Diagnostic, sources: &SourceMap, rule_index: Option<usize>) -> Value {
    let mut message = d.message.clone();
    for help in &d.help {
        message.push_str(&format!("\nhelp: {help}"));
    }
    let locations: Vec<Value> = d.labels.iter().filter(|l| l.primary).map(|l| sarif_location(sources, l)).collect();
    let related: Vec<Value> = d.labels.iter().filter(|l| !l.primary).map(|l| sarif_location(sources, l)).collect();
    json!({
        "ruleId": d.code.as_str(),
        "ruleIndex": rule_index,
        "level": sarif_level(d.severity),
        "message": {"text": message},
        "locations": locations,
        "relatedLocations": related,
    })
}

fn sarif_level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

fn sarif_location(sources: &SourceMap, label: &Label) -> Value {
    let file = sources.get(label.span.file);
    let (line, column) = file.line_col(label.span.lo as usize);
    let (end_line, end_column) = file.line_col(label.span.hi as usize);
    let uri = display_path(&file.path);
    json!({
        "physicalLocation": {
            "artifactLocation": {"uri": uri},
            "region": {"startLine": line, "startColumn": column, "endLine": end_line, "endColumn": end_column},
        },
        "message": {"text": label.message},
    })
}
