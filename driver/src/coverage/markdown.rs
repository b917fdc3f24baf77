//! A Markdown summary for a pull-request comment: the headline figure, steps by
//! status, domains, one row per flow and the list of gaps (with the reason each
//! step is not detected everywhere). Every text from the detections goes through
//! [`cell`], so a title cannot break the table or inject markup.

use super::{Coverage, Status};
use std::fmt::Write;

/// A status as a coloured square and its word, readable without colour too.
fn badge(status: Status) -> &'static str {
    match status {
        Status::Detected => "🟩 detected",
        Status::Partial => "🟨 partial",
        Status::Undetectable => "⬜ not detectable",
        Status::Missing => "🟥 missing",
    }
}

pub fn render(coverage: &Coverage) -> String {
    let mut out = String::new();
    let steps = coverage.steps.total();
    let flows = coverage.flows.len();
    let _ = writeln!(out, "## ATT&CK coverage: {}%\n", coverage.score);
    let _ = writeln!(
        out,
        "`{}` · ATT&CK v{} · {steps} steps in {flows} flows · targets: {} · collected telemetry: {} of {} schemas\n",
        cell(&coverage.tree),
        cell(&coverage.attack_version),
        cell(&coverage.targets.join(", ")),
        coverage.collected.len(),
        coverage.schemas.len(),
    );
    out.push_str("| status | steps |\n|---|---:|\n");
    for status in Status::ALL {
        let _ = writeln!(out, "| {} | {} |", badge(status), coverage.steps.get(status));
    }
    out.push_str("\n| domain | techniques | score | detected | partial | not detectable | missing |\n");
    out.push_str("|---|---:|---:|---:|---:|---:|---:|\n");
    for domain in &coverage.domains {
        let c = domain.counts;
        let _ = writeln!(
            out,
            "| {} | {} | {}% | {} | {} | {} | {} |",
            domain.domain, domain.techniques, domain.score, c.detected, c.partial, c.undetectable, c.missing
        );
    }
    out.push_str("\n<details><summary>Flows</summary>\n\n");
    out.push_str("| flow | title | score | detected | partial | not detectable | missing | sequences detected |\n");
    out.push_str("|---|---|---:|---:|---:|---:|---:|---:|\n");
    for flow in &coverage.flows {
        let c = flow.counts;
        let sequences = flow.sequences.iter().filter(|s| s.status == Status::Detected).count();
        let _ = writeln!(
            out,
            "| {} | {} | {}% | {} | {} | {} | {} | {sequences} of {} |",
            cell(&flow.id),
            cell(&flow.title),
            flow.score,
            c.detected,
            c.partial,
            c.undetectable,
            c.missing,
            flow.sequences.len()
        );
    }
    out.push_str("\n</details>\n\n");
    let gaps: Vec<String> = coverage
        .flows
        .iter()
        .flat_map(|flow| {
            flow.steps.iter().filter(|s| s.status != Status::Detected).map(move |step| {
                format!(
                    "| {} | {} | {} | {} |",
                    cell(&flow.id),
                    cell(&step.id),
                    badge(step.status),
                    cell(step.why.as_deref().unwrap_or(""))
                )
            })
        })
        .collect();
    if gaps.is_empty() {
        out.push_str("Every step is detected on every target.\n");
    } else {
        let _ = writeln!(out, "<details><summary>{} steps not detected on every target</summary>\n", gaps.len());
        out.push_str("| flow | step | status | why |\n|---|---|---|---|\n");
        gaps.iter().for_each(|row| {
            out.push_str(row);
            out.push('\n');
        });
        out.push_str("\n</details>\n");
    }
    out
}

/// Text made safe for one table cell: no line breaks, no pipes, no markup.
pub fn cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' | '\r' => out.push(' '),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '~' | '!' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::cell;

    #[test]
    fn cells_cannot_break_the_table_or_add_markup() {
        assert_eq!(cell("a | b\nc"), "a \\| b c");
        assert_eq!(cell("<script>[x](y) *b* `c`"), "&lt;script&gt;\\[x\\](y) \\*b\\* \\`c\\`");
        assert_eq!(cell("AF-1 step_id"), "AF-1 step\\_id");
    }
}
