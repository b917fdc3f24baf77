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
    // A label over several lines is drawn in a lane left of the source, as rustc
    // does; when there is one, every line of the snippet makes room for the lane.
    let lane = labels.iter().any(|l| is_multiline(sources.get(l.span.file), l.span));
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
        let layout = Layout { gutter, lane, severity: diag.severity, style };
        let last_line = if is_multiline(file, label.span) {
            render_multiline_label(&mut out, file, label, layout, !same_line)
        } else {
            render_label(&mut out, file, label, layout, !same_line);
            line
        };
        previous = Some((label.span.file, last_line));
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
        .map(|l| {
            let file = sources.get(l.span.file);
            file.line_col(last_offset(file, l.span)).0.to_string().len()
        })
        .max()
        .unwrap_or(1)
        .max(1)
}

/// How every line of one diagnostic's snippet is laid out.
#[derive(Clone, Copy)]
struct Layout {
    gutter: usize,
    /// Room for the lane of a multi-line label before the source text.
    lane: bool,
    severity: Severity,
    style: Style,
}

impl Layout {
    /// `12 | ` with the lane (`"  "`, `"| "` or `"/ "`) when there is one.
    fn source_line(self, out: &mut String, line: usize, lane: &str, text: &str) {
        let gutter = self.gutter;
        let lane = if self.lane { self.style.blue(lane) } else { String::new() };
        let _ = writeln!(out, "{} {lane}{}", self.style.blue(&format!("{line:>gutter$} |")), printable(text));
    }

    /// `   | ` followed by `rest` (already positioned and coloured).
    fn marker_line(self, out: &mut String, rest: &str) {
        let _ = writeln!(out, "{} {rest}", self.style.blue(&format!("{} |", " ".repeat(self.gutter))));
    }

    fn paint(self, label: &Label, text: &str) -> String {
        if label.primary {
            self.style.severity(self.severity, text)
        } else {
            self.style.blue(text)
        }
    }
}

fn label_suffix(label: &Label) -> String {
    if label.message.is_empty() {
        String::new()
    } else {
        format!(" {}", visible(&label.message))
    }
}

/// The offset of the span's last character (its start for an empty span).
fn last_offset(file: &SourceFile, span: Span) -> usize {
    let (lo, hi) = (span.lo as usize, span.hi as usize);
    if hi <= lo {
        return lo;
    }
    let text = &file.text[..hi.min(file.text.len())];
    text.char_indices().next_back().map_or(lo, |(i, _)| i.max(lo))
}

fn is_multiline(file: &SourceFile, span: Span) -> bool {
    file.line_col(last_offset(file, span)).0 > file.line_col(span.lo as usize).0
}

/// A source line (unless already shown) with a marker under the label's span.
fn render_label(out: &mut String, file: &SourceFile, label: &Label, layout: Layout, with_source: bool) {
    let (line, _) = file.line_col(label.span.lo as usize);
    let text = file.line_text(line);
    let line_start = file.line_start(line);
    let lo = (label.span.lo as usize).saturating_sub(line_start).min(text.len());
    let hi = (label.span.hi as usize).saturating_sub(line_start).clamp(lo, text.len());
    let (lo, hi) = (floor_boundary(text, lo), floor_boundary(text, hi));
    let before = printable(&text[..lo]).width() + if layout.lane { 2 } else { 0 };
    let width = printable(&text[lo..hi]).width().max(1);
    let marker_char = if label.primary { "^" } else { "-" };
    let marker = layout.paint(label, &format!("{}{}", marker_char.repeat(width), label_suffix(label)));
    if with_source {
        layout.source_line(out, line, "  ", text);
    }
    layout.marker_line(out, &format!("{}{marker}", " ".repeat(before)));
}

/// Longest run of inner lines shown in full; longer spans show their first inner
/// line, `...` and the last line.
const MAX_INNER_LINES: usize = 3;

/// A label over several lines, drawn as rustc draws it: the lane opens with `/` when
/// the span starts its line (else with `_` up to the first character), runs down
/// with `|`, and closes with `_` up to the marker under the last character.
/// Returns the last line shown.
fn render_multiline_label(
    out: &mut String,
    file: &SourceFile,
    label: &Label,
    layout: Layout,
    with_source: bool,
) -> usize {
    let (first, _) = file.line_col(label.span.lo as usize);
    let last_at = last_offset(file, label.span);
    let (last, _) = file.line_col(last_at);
    let marker_char = if label.primary { "^" } else { "-" };
    let first_text = file.line_text(first);
    let start = floor_boundary(first_text, (label.span.lo as usize - file.line_start(first)).min(first_text.len()));
    if first_text[..start].trim().is_empty() {
        layout.source_line(out, first, &layout.paint(label, "/ "), first_text);
    } else {
        if with_source {
            layout.source_line(out, first, "  ", first_text);
        }
        let before = printable(&first_text[..start]).width();
        layout.marker_line(out, &layout.paint(label, &format!(" {}{marker_char}", "_".repeat(before + 1))));
    }
    let bar = layout.paint(label, "| ");
    let inner: Vec<usize> = (first + 1..last).collect();
    if inner.len() > MAX_INNER_LINES {
        layout.source_line(out, inner[0], &bar, file.line_text(inner[0]));
        let _ = writeln!(out, "{}", layout.style.blue("..."));
    } else {
        for line in inner {
            layout.source_line(out, line, &bar, file.line_text(line));
        }
    }
    let last_text = file.line_text(last);
    layout.source_line(out, last, &bar, last_text);
    let end = floor_boundary(last_text, (last_at - file.line_start(last)).min(last_text.len()));
    let before = printable(&last_text[..end]).width();
    let closing = format!("|{}{marker_char}{}", "_".repeat(before + 1), label_suffix(label));
    layout.marker_line(out, &layout.paint(label, &closing));
    last
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
    // Notes carry the reason of diagnostics without a location (an I/O error's cause),
    // so they go into the message with the help, in the human order.
    let mut message = d.message.clone();
    for note in &d.notes {
        message.push_str(&format!("\nnote: {note}"));
    }
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
