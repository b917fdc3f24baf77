//! One flow as an inline SVG: its steps as boxes in the flow's order, left to right
//! and wrapped after [`PER_ROW`], arrows between consecutive steps, and one band per
//! sequence below. Each box is coloured by its coverage status (the class is the
//! status, so the page's CSS decides the colours) and carries a `<title>` that
//! browsers show on hover. The layout is arithmetic on indices: the same flow gives
//! the same bytes.

use crate::coverage::{FlowCoverage, SequenceCoverage, Status, StepCoverage};
use scalpel_targets::markup::escape;
use std::fmt::Write;

const PER_ROW: usize = 5;
const NODE_W: usize = 220;
const NODE_H: usize = 118;
const GAP_X: usize = 40;
const GAP_Y: usize = 44;
const MARGIN: usize = 8;
const BAND_H: usize = 26;
/// Characters per title line at the 12px font (an average glyph is about 6.5px).
const LINE_CHARS: usize = 31;
const TITLE_LINES: usize = 3;
/// Average glyph width of the sequence bands' text, in pixels.
const BAND_CHAR_W: usize = 7;

/// The SVG of `flow`; `index` makes its marker id unique in the page.
pub fn flow_svg(flow: &FlowCoverage, index: usize, targets: usize) -> String {
    let n = flow.steps.len();
    let rows = n.div_ceil(PER_ROW).max(1);
    let columns = n.clamp(1, PER_ROW);
    let nodes_w = 2 * MARGIN + columns * NODE_W + (columns - 1) * GAP_X;
    let widest_band = flow.sequences.iter().map(|s| band_text(s, &flow.steps).chars().count()).max().unwrap_or(0);
    let full_w = 2 * MARGIN + PER_ROW * NODE_W + (PER_ROW - 1) * GAP_X;
    let width = nodes_w.max((2 * MARGIN + 24 + widest_band * BAND_CHAR_W).min(full_w));
    let nodes_h = rows * NODE_H + (rows - 1) * GAP_Y;
    let bands_top = MARGIN + nodes_h + if flow.sequences.is_empty() { 0 } else { 16 };
    let height = bands_top + flow.sequences.len() * (BAND_H + 6) + MARGIN;
    let marker = format!("arrow-{index}");
    let mut out = String::new();
    let _ = write!(
        out,
        "<svg class=\"flow-graph\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"{}\">",
        escape(&format!("Attack flow {}: steps coloured by coverage", flow.id))
    );
    let _ = write!(
        out,
        "<defs><marker id=\"{marker}\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" \
         markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" class=\"arrow-head\"/>\
         </marker></defs>"
    );
    for i in 1..n {
        out.push_str(&arrow(i - 1, i, &marker));
    }
    for (i, step) in flow.steps.iter().enumerate() {
        out.push_str(&node(&flow.id, i, step, targets));
    }
    for (k, sequence) in flow.sequences.iter().enumerate() {
        out.push_str(&band(sequence, &flow.steps, bands_top + k * (BAND_H + 6), width));
    }
    out.push_str("</svg>");
    out
}

/// Top-left corner of the `i`-th box.
fn position(i: usize) -> (usize, usize) {
    let (row, column) = (i / PER_ROW, i % PER_ROW);
    (MARGIN + column * (NODE_W + GAP_X), MARGIN + row * (NODE_H + GAP_Y))
}

/// A straight arrow within a row; at a wrap, down from the last box, back under the
/// row and down into the first box of the next row.
fn arrow(from: usize, to: usize, marker: &str) -> String {
    let (x1, y1) = position(from);
    let (x2, y2) = position(to);
    let path = if y1 == y2 {
        let y = y1 + NODE_H / 2;
        format!("M{},{y} L{},{y}", x1 + NODE_W, x2 - 2)
    } else {
        let (cx1, cx2) = (x1 + NODE_W / 2, x2 + NODE_W / 2);
        let mid = y1 + NODE_H + GAP_Y / 2;
        format!("M{cx1},{} L{cx1},{mid} L{cx2},{mid} L{cx2},{}", y1 + NODE_H, y2 - 2)
    };
    format!("<path class=\"edge\" d=\"{path}\" marker-end=\"url(#{marker})\"/>")
}

fn node(flow: &str, i: usize, step: &StepCoverage, targets: usize) -> String {
    let (x, y) = position(i);
    let status = step.status.as_str();
    let mut out = format!(
        "<g class=\"step {status}\" data-step=\"{}\"><title>{}</title>",
        escape(&format!("{flow}/{}", step.id)),
        escape(&tooltip(i, step))
    );
    let _ = write!(out, "<rect x=\"{x}\" y=\"{y}\" width=\"{NODE_W}\" height=\"{NODE_H}\" rx=\"8\"/>");
    let tx = x + 10;
    let _ = write!(
        out,
        "<text x=\"{tx}\" y=\"{}\" class=\"step-id\">{} · {}</text>",
        y + 18,
        i + 1,
        escape(&truncate(&step.id, LINE_CHARS - 4))
    );
    for (line, text) in wrap(&step.title, LINE_CHARS, TITLE_LINES).iter().enumerate() {
        let _ =
            write!(out, "<text x=\"{tx}\" y=\"{}\" class=\"step-title\">{}</text>", y + 36 + line * 15, escape(text));
    }
    let emitted = step.targets.iter().filter(|t| t.detects()).count();
    let detail = match &step.telemetry {
        Some(t) if !t.collected => format!("{} not collected", t.schema),
        Some(_) => format!("{emitted}/{targets} targets"),
        None => "no telemetry".to_string(),
    };
    let _ = write!(
        out,
        "<text x=\"{tx}\" y=\"{}\" class=\"step-status\">{} · {}</text>",
        y + NODE_H - 26,
        short_label(step.status),
        escape(&detail)
    );
    let _ = write!(
        out,
        "<text x=\"{tx}\" y=\"{}\" class=\"step-meta\">{} · {}</text>",
        y + NODE_H - 10,
        step.severity.as_str(),
        escape(&truncate(&step.techniques.iter().map(|t| t.id.as_str()).collect::<Vec<_>>().join(" "), 24))
    );
    out.push_str("</g>");
    out
}

/// The status in a word or two, to fit the box beside the target count.
fn short_label(status: Status) -> &'static str {
    match status {
        Status::Undetectable => "not detectable",
        status => status.as_str(),
    }
}

/// What a browser shows on hover: the whole step in a few lines.
fn tooltip(i: usize, step: &StepCoverage) -> String {
    let mut lines =
        vec![format!("{}. {} — {}", i + 1, step.id, step.title), format!("coverage: {}", step.status.label())];
    if let Some(why) = &step.why {
        lines.push(format!("why: {why}"));
    }
    if let Some(condition) = &step.condition {
        lines.push(format!("detect {condition}"));
    }
    lines.push(format!("severity: {}", step.severity.as_str()));
    if let Some(t) = &step.telemetry {
        let collected = if t.collected { "" } else { " (not collected)" };
        lines.push(format!("telemetry: {}{collected} — {}", t.schema, t.fields.join(", ")));
        if let Some(threshold) = &t.threshold {
            lines.push(format!("threshold: {threshold}"));
        }
    }
    if !step.targets.is_empty() {
        let marks: Vec<String> =
            step.targets.iter().map(|t| format!("{} {}", t.target, if t.detects() { "✓" } else { "✗" })).collect();
        lines.push(format!("targets: {}", marks.join(", ")));
    }
    if let Some(reason) = &step.no_technique {
        lines.push(format!("no ATT&CK technique: {reason}"));
    }
    for technique in &step.techniques {
        lines.push(format!("{} {}", technique.id, technique.name));
    }
    if !step.mitigations.is_empty() {
        let names: Vec<&str> = step.mitigations.iter().map(|m| m.name.as_str()).collect();
        lines.push(format!("mitigations: {}", names.join(", ")));
    }
    lines.join("\n")
}

/// `sequence id: 2 → 1 within 1h by device.id — detected on all targets`, with
/// steps as their numbers in the graph.
fn band_text(sequence: &SequenceCoverage, steps: &[StepCoverage]) -> String {
    let number =
        |id: &String| steps.iter().position(|s| &s.id == id).map_or_else(|| id.clone(), |i| (i + 1).to_string());
    let chain: Vec<String> = sequence.steps.iter().map(number).collect();
    let by = if sequence.keys.is_empty() { String::new() } else { format!(" by {}", sequence.keys.join(", ")) };
    format!(
        "sequence {}: {} within {}{by} — {}",
        sequence.id,
        chain.join(" → "),
        sequence.window,
        sequence.status.label()
    )
}

fn band(sequence: &SequenceCoverage, steps: &[StepCoverage], y: usize, width: usize) -> String {
    let text = band_text(sequence, steps);
    let mut targets: Vec<String> = Vec::new();
    for t in &sequence.targets {
        targets.push(format!("{} {}", t.target, if t.detects() { "✓" } else { "✗" }));
    }
    let tip = format!("{}\n{text}\ntargets: {}", sequence.title, targets.join(", "));
    format!(
        "<g class=\"sequence {}\" data-sequence=\"{}\"><title>{}</title><rect x=\"{MARGIN}\" y=\"{y}\" width=\"{}\" \
         height=\"{BAND_H}\" rx=\"13\"/><text x=\"{}\" y=\"{}\" class=\"sequence-text\">{}</text></g>",
        sequence.status.as_str(),
        escape(&sequence.id),
        escape(&tip),
        width - 2 * MARGIN,
        MARGIN + 12,
        y + 17,
        escape(&truncate(&text, (width - 2 * MARGIN - 24) / BAND_CHAR_W))
    )
}

/// Greedy word wrap into at most `max_lines` lines of `width` characters; the
/// last line ends in `…` when text is left over.
fn wrap(text: &str, width: usize, max_lines: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    for word in text.split_whitespace() {
        let fits = current.is_empty() || current.chars().count() + 1 + word.chars().count() <= width;
        if !fits {
            lines.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
    }
    if !current.is_empty() {
        lines.push(current);
    }
    if lines.len() > max_lines {
        lines.truncate(max_lines);
        let last = &mut lines[max_lines - 1];
        *last = truncate(&format!("{last} …"), width);
        if !last.ends_with('…') {
            last.push('…');
        }
    }
    lines.into_iter().map(|l| truncate(&l, width)).collect()
}

/// At most `max` characters, the last one `…` when cut.
fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_words_and_marks_what_is_cut() {
        assert_eq!(wrap("a bb ccc", 4, 3), vec!["a bb", "ccc"]);
        let lines = wrap("one two three four five six", 9, 2);
        assert_eq!(lines.len(), 2);
        assert!(lines[1].ends_with('…') && lines[1].chars().count() <= 9, "{lines:?}");
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abc", 4), "abc");
    }

    #[test]
    fn rows_wrap_after_five_steps() {
        assert_eq!(position(0), (MARGIN, MARGIN));
        assert_eq!(position(5), (MARGIN, MARGIN + NODE_H + GAP_Y));
        assert!(arrow(4, 5, "m").contains(&format!("L{},", MARGIN + NODE_W / 2)));
    }
}
