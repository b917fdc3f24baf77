//! A [`Diff`] → Markdown for a pull-request comment: a headline, a table of the rules
//! that changed, then per change of meaning what changed and the witnesses.
//!
//! Invariants: every value in a table cell goes through [`cell`]; every block of
//! rule text or events is fenced with more backticks than it holds, so nothing from a
//! detection can end a block or add markup.

use super::{Diff, RuleDiff, Status, Which, Witness};
use crate::coverage::markdown::cell;
use std::fmt::Write;

/// Events shown per witness; the JSON output has all of them.
const SHOWN_EVENTS: usize = 3;

pub fn render(diff: &Diff) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "## Scalpel semantic diff: `{}` → `{}`\n", inline(&diff.old), inline(&diff.new));
    let _ = writeln!(out, "{}\n", headline(diff));
    if let Some((old, new)) = &diff.renamed_tree {
        let _ = writeln!(
            out,
            "**The tree was renamed** (`{}` → `{}`): every rule id changes, so a SIEM imports every rule as new.\n",
            inline(old),
            inline(new)
        );
    }
    let changed: Vec<&RuleDiff> = diff.rules.iter().filter(|r| r.status != Status::Unchanged).collect();
    if changed.is_empty() {
        return out;
    }
    out.push_str("| rule | kind | change | version | details |\n|---|---|---|---|---|\n");
    for rule in &changed {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} |",
            inline(&rule.rule),
            match rule.kind {
                crate::lock::Kind::Step => "step",
                crate::lock::Kind::Sequence => "sequence",
            },
            status_cell(rule.status),
            version_cell(rule),
            cell(&details(rule)),
        );
    }
    for rule in changed.iter().filter(|r| r.status == Status::Meaning) {
        out.push('\n');
        meaning_section(&mut out, rule);
    }
    out
}

fn headline(diff: &Diff) -> String {
    let n = |s| diff.count(s);
    let rules = |count: usize| if count == 1 { "1 rule".to_string() } else { format!("{count} rules") };
    let meaning = n(Status::Meaning);
    let lead = if meaning == 0 {
        "No rule changes meaning".to_string()
    } else {
        format!("**{} change meaning**", rules(meaning))
    };
    format!(
        "{lead}; {} metadata only, {} emitted text only; {} added, {} removed, {} renamed; {} unchanged.",
        n(Status::Metadata),
        n(Status::Text),
        n(Status::Added),
        n(Status::Removed),
        n(Status::Renamed),
        n(Status::Unchanged),
    )
}

fn status_cell(status: Status) -> String {
    match status {
        Status::Meaning | Status::Added | Status::Removed => format!("**{}**", status.as_str()),
        other => other.as_str().to_string(),
    }
}

fn version_cell(rule: &RuleDiff) -> String {
    let version = match (&rule.old_version, &rule.new_version) {
        (Some(a), Some(b)) if a == b => cell(a),
        (Some(a), Some(b)) => format!("{} → {}", cell(a), cell(b)),
        (None, Some(b)) => cell(b),
        (Some(a), None) => format!("{} → none", cell(a)),
        (None, None) => String::new(),
    };
    if rule.not_locked {
        format!("{version} ⚠ not in the lock: run `scalpel lock`")
    } else {
        version
    }
}

fn details(rule: &RuleDiff) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let Some(from) = &rule.renamed_from {
        parts.push(format!("renamed from {from}: new rule ids"));
    }
    parts.extend(rule.meaning.iter().map(|a| a.what.clone()));
    parts.extend(rule.metadata.iter().map(|a| format!("{}: {} → {}", a.what, a.old, a.new)));
    if !rule.targets.is_empty() && !matches!(rule.status, Status::Meaning) {
        parts.push(format!("text of {}", rule.targets.join(", ")));
    }
    parts.join("; ")
}

fn meaning_section(out: &mut String, rule: &RuleDiff) {
    let _ = writeln!(out, "### `{}`: meaning changed\n", inline(&rule.rule));
    for aspect in &rule.meaning {
        let _ = writeln!(out, "{}:\n", cell(&aspect.what));
        fenced(out, "diff", &format!("- {}\n+ {}\n", one_line(&aspect.old), one_line(&aspect.new)));
    }
    for witness in &rule.witnesses {
        witness_block(out, witness);
    }
    for note in &rule.notes {
        let _ = writeln!(out, "- {}", cell(note));
    }
    if !rule.notes.is_empty() {
        out.push('\n');
    }
}

fn witness_block(out: &mut String, witness: &Witness) {
    let who = match witness.fires {
        Which::New => "only the new version fires",
        Which::Old => "only the old version fires",
        Which::Both => "both fire, differently",
    };
    let _ = writeln!(
        out,
        "**{who}** on this {} ({}): old: {}, new: {}\n",
        witness.kind,
        cell(&witness.label),
        cell(&witness.old),
        cell(&witness.new)
    );
    let mut lines: String = witness
        .events
        .iter()
        .take(SHOWN_EVENTS)
        .map(|e| format!("{}  // {}\n", e.event, e.source.replace(['\n', '\r'], " ")))
        .collect();
    if witness.events.len() > SHOWN_EVENTS {
        let _ = writeln!(
            lines,
            "// … {} more events (`--format json` lists them all)",
            witness.events.len() - SHOWN_EVENTS
        );
    }
    fenced(out, "jsonc", &lines);
}

/// A code block whose fence is longer than any backtick run inside it.
fn fenced(out: &mut String, lang: &str, text: &str) {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    let _ = writeln!(out, "{fence}{lang}\n{text}{fence}\n");
}

fn one_line(text: &str) -> String {
    text.replace(['\n', '\r'], " ")
}

/// Text inside a single-backtick code span: a backtick would end it, a line break the cell.
fn inline(text: &str) -> String {
    text.replace('`', "'").replace(['\n', '\r', '|'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fences_outgrow_the_backticks_they_hold() {
        let mut out = String::new();
        fenced(&mut out, "diff", "- a == \"```\"\n");
        assert!(out.starts_with("````diff\n") && out.ends_with("\n````\n\n"), "{out}");
        assert_eq!(inline("a`b|c"), "a'b c");
    }
}
