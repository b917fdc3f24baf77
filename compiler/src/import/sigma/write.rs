//! The imported rules as `.det` flows: one flow per source folder, one step per rule.
//!
//! A step keeps the rule's title, description, references, false positives, level
//! (as `severity`) and ATT&CK techniques; what the language has no place for (the
//! Sigma id, status, author, dates, all tags, the logsource, the file and the
//! verdict) is the comment above it. A refused rule is a comment naming the reason.

use super::rule::Rule;
use super::value::{to_det, Expr};
use super::Verdict;
use crate::sema::ids::MAX_ID;
use crate::source::SourceMap;
use crate::syntax::literal::quote;

pub struct Step<'a> {
    pub id: String,
    pub rule: &'a Rule,
    pub file: String,
    pub schema: String,
    /// `None` for a refused rule.
    pub detect: Option<Expr>,
    pub techniques: Vec<String>,
    pub verdict: Verdict,
    pub refusal: Vec<String>,
}

/// The step id of a rule: its file's stem as an identifier, made unique in its flow
/// (`_2`, `_3` for later documents or equal stems).
pub fn step_id(rule: &Rule, sources: &SourceMap, taken: &mut Vec<String>) -> String {
    let stem = sources.path(rule.file).file_stem().and_then(|s| s.to_str()).unwrap_or("rule");
    let mut id: String = stem.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' }).collect();
    if !id.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        id.insert_str(0, "rule_");
    }
    // SigmaHQ has file stems longer than an id may be (sema::ids).
    let mut unique = cut(&id, &id, '_');
    let mut n = 2;
    while taken.contains(&unique) {
        let numbered = format!("{id}_{n}");
        unique = cut(&numbered, &numbered, '_');
        n += 1;
    }
    taken.push(unique.clone());
    unique
}

/// A flow group as a file name: `windows/process_creation` → `windows_process_creation`.
pub fn file_name(group: &str) -> String {
    let name: String =
        group.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect();
    if name.is_empty() {
        "sigma".to_string()
    } else {
        name
    }
}

/// A flow group as a flow id: its file name, led by a letter or digit; past
/// [`MAX_ID`] characters, cut and ended with a hash of the whole group, so that two
/// deep folders with one long prefix keep distinct ids.
pub fn flow_id(group: &str) -> String {
    let mut name = file_name(group);
    if !name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        name = format!("sigma{name}");
    }
    cut(&name, group, '-')
}

/// `id` (ASCII) if it is at most [`MAX_ID`] characters, else cut and ended with
/// `sep` and a hash of `whole`, so that two long names with one prefix stay distinct.
fn cut(id: &str, whole: &str, sep: char) -> String {
    if id.len() <= MAX_ID {
        return id.to_string();
    }
    // FNV-1a: stable across runs and platforms, unlike std's hasher.
    let hash = whole.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
    let tail = format!("{sep}{:08x}", hash as u32);
    // The callers' ids are ASCII, so any byte index is a character boundary.
    format!("{}{tail}", &id[..MAX_ID - tail.len()])
}

/// The tree's `scalpel.toml`.
pub fn config() -> String {
    "# Written by `scalpel import sigma`: the imported Sigma rules as a detection tree.\n\
     # sigma-import.md and sigma-import.json hold the verdict on every rule.\n\
     name = \"sigma-import\"\n\
     paths = [\"schemas\", \"flows\"]\n"
        .to_string()
}

pub fn flow(group: &str, steps: &[Step]) -> String {
    let mut out = String::new();
    out.push_str("// Imported from Sigma by `scalpel import sigma`; verdicts in sigma-import.md.\n\n");
    // The flow id names output files on every system (sema::ids), so the folder's
    // `/` cannot stay in it; the title keeps the folder as written.
    out.push_str(&format!("flow {} {} {{\n", quote(&flow_id(group)), quote(&format!("Sigma rules: {group}"))));
    out.push_str("    category \"sigma\"\n    origin realized\n");
    for step in steps {
        out.push('\n');
        write_step(step, &mut out);
    }
    out.push_str("}\n");
    out
}

fn one_line(text: &str) -> String {
    super::super::one_line(text)
}

fn write_step(step: &Step, out: &mut String) {
    let m = &step.rule.meta;
    let ls = &step.rule.logsource;
    let comment = |out: &mut String, key: &str, value: &str| {
        out.push_str(&format!("    // {key}: {}\n", crate::visible::visible(&one_line(value))));
    };
    comment(
        out,
        "sigma",
        &format!(
            "{} ({})",
            step.file,
            match step.verdict {
                Verdict::Exact => "exact",
                Verdict::Approximated => "approximated: see sigma-import.md",
                Verdict::Refused => "refused",
            }
        ),
    );
    for (key, value) in
        [("id", &m.id), ("status", &m.status), ("author", &m.author), ("date", &m.date), ("modified", &m.modified)]
    {
        if let Some(value) = value {
            comment(out, key, value);
        }
    }
    if !m.tags.is_empty() {
        comment(out, "tags", &m.tags.join(", "));
    }
    let part = |p: &Option<String>| p.clone().unwrap_or_else(|| "-".into());
    comment(
        out,
        "logsource",
        &format!("product {} category {} service {}", part(&ls.product), part(&ls.category), part(&ls.service)),
    );
    let Some(detect) = &step.detect else {
        for reason in &step.refusal {
            comment(out, "refused", reason);
        }
        comment(out, "not imported", &format!("step {} {}", step.id, quote(&m.title)));
        return;
    };
    out.push_str(&format!("    step {} {} {{\n", step.id, quote(&one_line(&m.title))));
    if step.techniques.is_empty() {
        out.push_str("        technique none \"the Sigma rule has no ATT&CK technique tag\"\n");
    } else {
        out.push_str(&format!("        technique {}\n", step.techniques.join(", ")));
    }
    out.push_str(&format!("        source {}\n", step.schema));
    const LEVELS: [&str; 5] = ["informational", "low", "medium", "high", "critical"];
    let severity = m.level.as_deref().filter(|l| LEVELS.contains(l)).unwrap_or("medium");
    out.push_str(&format!("        severity {severity}\n"));
    if let Some(description) = &m.description {
        out.push_str(&format!("        description {}\n", quote(&one_line(description))));
    }
    for fp in m.falsepositives.iter().filter(|f| !f.trim().is_empty()) {
        out.push_str(&format!("        falsepositive {}\n", quote(&one_line(fp))));
    }
    for reference in m.references.iter().filter(|r| !r.trim().is_empty()) {
        out.push_str(&format!("        reference {}\n", quote(reference.trim())));
    }
    out.push_str(&format!("        detect {}\n", detect_text(detect)));
    out.push_str("    }\n");
}

/// The condition, its top-level terms one per line.
fn detect_text(expr: &Expr) -> String {
    let (items, sep) = match expr {
        Expr::And(items) => (items, "and"),
        Expr::Or(items) => (items, "or"),
        other => return to_det(other),
    };
    items
        .iter()
        .map(|item| {
            let text = to_det(item);
            match (item, sep) {
                (Expr::Or(_), "and") => format!("({text})"),
                _ => text,
            }
        })
        .collect::<Vec<_>>()
        .join(&format!("\n            {sep} "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sema::ids::{flow_id_problem, item_id_problem};

    #[test]
    fn flow_ids_from_folders_are_valid_ids() {
        assert_eq!(flow_id("windows/process_creation"), "windows_process_creation");
        assert_eq!(flow_id("_private/x"), "sigma_private_x");
        // SigmaHQ's deepest folders are longer than an id may be.
        let deep = "windows/builtin/system/microsoft_windows_kerberos_key_distribution_center";
        let near = "windows/builtin/system/microsoft_windows_kerberos_key_distribution_centre";
        assert_eq!(flow_id(deep).len(), MAX_ID);
        assert_ne!(flow_id(deep), flow_id(near), "a cut id keeps the whole folder's hash");
        for group in ["windows/process_creation", "_private/x", deep, "a b/ä", "-x"] {
            assert_eq!(flow_id_problem(&flow_id(group)), None, "{group} → {}", flow_id(group));
        }
    }

    #[test]
    fn long_step_ids_are_cut_and_stay_distinct() {
        let long = "x".repeat(80);
        let (a, b) = (cut(&long, &long, '_'), cut(&format!("{long}_2"), &format!("{long}_2"), '_'));
        assert_eq!((a.len(), b.len()), (MAX_ID, MAX_ID));
        assert_ne!(a, b);
        assert_eq!(item_id_problem(&a, "step"), None);
        assert_eq!(cut("short", "short", '_'), "short");
    }
}
