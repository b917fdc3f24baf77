//! A Markdown summary for a pull-request comment: the headline figure, steps by
//! status, rules per target by what their schedule sees, domains, one row per flow and the list of gaps (with the reason each
//! step is not detected everywhere). Every text from the detections goes through
//! [`cell`], so a title cannot break the table or inject markup.

use super::{Coverage, Seen, Status};
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
    out.push_str("\n| target | detected | detected with a delay | not visible |\n|---|---:|---|---:|\n");
    for row in schedule_rows(coverage) {
        let _ = writeln!(out, "| {} | {} | {} | {} |", row.target, row.detected, row.delayed, row.not_visible);
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
    let tuned: Vec<String> = coverage
        .flows
        .iter()
        .flat_map(|flow| {
            flow.steps.iter().flat_map(move |step| {
                step.exclusions.iter().map(move |e| {
                    format!(
                        "| {} | {} | {} | {} | {} | {} | {} |",
                        cell(&flow.id),
                        cell(&step.id),
                        cell(&e.name),
                        cell(&e.condition),
                        cell(&e.owner),
                        cell(e.expires.as_deref().unwrap_or("no expiry")),
                        cell(&e.reason)
                    )
                })
            })
        })
        .collect();
    if !tuned.is_empty() {
        let _ = writeln!(out, "\n<details><summary>{} exclusions tune the steps</summary>\n", tuned.len());
        out.push_str(
            "| flow | step | exclusion | excludes | owner | until | reason |\n|---|---|---|---|---|---|---|\n",
        );
        tuned.iter().for_each(|row| {
            out.push_str(row);
            out.push('\n');
        });
        out.push_str("\n</details>\n");
    }
    out
}

/// One target's rules (steps and sequences) by how its schedule sees them.
pub struct ScheduleRow {
    pub target: String,
    /// Rules with no schedule of the target's own (Sigma).
    pub detected: usize,
    /// `N (max D)`: rules whose alerts come at most D after the match, or `0`.
    pub delayed: String,
    pub not_visible: usize,
}

/// Per target, over every emitted step and sequence rule.
pub fn schedule_rows(coverage: &Coverage) -> Vec<ScheduleRow> {
    coverage
        .targets
        .iter()
        .map(|target| {
            let results = coverage
                .flows
                .iter()
                .flat_map(|f| {
                    f.steps.iter().flat_map(|s| &s.targets).chain(f.sequences.iter().flat_map(|s| &s.targets))
                })
                .filter(|r| &r.target == target && r.emitted);
            let (mut detected, mut not_visible, mut delayed) = (0, 0, Vec::new());
            for result in results {
                match &result.schedule {
                    Seen::Detected => detected += 1,
                    Seen::Delayed { up_to } => delayed.push(up_to.clone()),
                    Seen::NotVisible { .. } => not_visible += 1,
                }
            }
            let longest = delayed.iter().max_by_key(|d| duration_ms(d)).cloned();
            let delayed = match longest {
                Some(longest) => format!("{} (up to {longest})", delayed.len()),
                None => "0".to_string(),
            };
            ScheduleRow { target: target.clone(), detected, delayed, not_visible }
        })
        .collect()
}

/// `15m` → 900000, for ordering the delays [`schedule_rows`] shows.
fn duration_ms(text: &str) -> u64 {
    scalpel_targets::schedule::duration_ms(text, true).unwrap_or(u64::MAX)
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
