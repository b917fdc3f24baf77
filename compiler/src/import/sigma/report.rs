//! The fidelity report of an import: counts, then one line per rule that is not
//! exact, in Markdown (for review) and JSON (for tools). Deterministic: rules in file
//! order, codes sorted.

use super::{RuleReport, Verdict};
use std::collections::BTreeMap;

/// Counts per verdict, and per code the rules it appears in.
pub struct Summary {
    pub exact: usize,
    pub approximated: usize,
    pub refused: usize,
    pub by_code: BTreeMap<&'static str, usize>,
}

pub fn summary(rules: &[RuleReport]) -> Summary {
    let count = |v: Verdict| rules.iter().filter(|r| r.verdict == v).count();
    let mut by_code = BTreeMap::new();
    for rule in rules {
        let mut codes: Vec<&'static str> = rule.notes.iter().map(|n| n.code).collect();
        codes.sort_unstable();
        codes.dedup();
        for code in codes {
            *by_code.entry(code).or_insert(0) += 1;
        }
    }
    Summary {
        exact: count(Verdict::Exact),
        approximated: count(Verdict::Approximated),
        refused: count(Verdict::Refused),
        by_code,
    }
}

pub fn markdown(rules: &[RuleReport]) -> String {
    let s = summary(rules);
    let mut out = String::from("# Sigma import: fidelity report\n\n");
    out.push_str("| verdict | rules |\n|---|---:|\n");
    out.push_str(&format!(
        "| exact | {} |\n| approximated | {} |\n| refused | {} |\n| total | {} |\n\n",
        s.exact,
        s.approximated,
        s.refused,
        rules.len()
    ));
    if !s.by_code.is_empty() {
        out.push_str("| code | rules | meaning |\n|---|---:|---|\n");
        for (code, n) in &s.by_code {
            let title = crate::diag::Code::parse(code).map_or("", |c| c.title());
            out.push_str(&format!("| {code} | {n} | {} |\n", title.replace('|', "\\|")));
        }
        out.push('\n');
    }
    for (verdict, heading) in [(Verdict::Refused, "Refused"), (Verdict::Approximated, "Approximated")] {
        let listed: Vec<&RuleReport> = rules.iter().filter(|r| r.verdict == verdict).collect();
        if listed.is_empty() {
            continue;
        }
        out.push_str(&format!("## {heading}\n\n"));
        for rule in listed {
            out.push_str(&format!("- `{}:{}` {}\n", rule.file, rule.line, cell(&rule.title)));
            for note in
                rule.notes.iter().filter(|n| n.code.starts_with(if verdict == Verdict::Refused { 'E' } else { 'W' }))
            {
                out.push_str(&format!("  - {} at {}:{}: {}\n", note.code, note.line, note.column, cell(&note.message)));
            }
        }
        out.push('\n');
    }
    out
}

fn cell(text: &str) -> String {
    crate::visible::visible(&super::super::one_line(text)).replace('|', "\\|")
}

pub fn json(rules: &[RuleReport]) -> String {
    let s = summary(rules);
    let value = serde_json::json!({
        "summary": { "exact": s.exact, "approximated": s.approximated, "refused": s.refused, "total": rules.len(), "by_code": s.by_code },
        "rules": rules,
    });
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    text
}
