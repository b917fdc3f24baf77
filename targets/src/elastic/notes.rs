//! The Markdown Kibana shows beside a rule: `note` (the investigation guide: what
//! the rule detects, from the step's description, and its known false positives)
//! and `setup` (what must exist before the rule can match: the data streams it
//! reads and their index templates).
//!
//! Invariant: text from the tree is put in Markdown as it is written; it is data in
//! a JSON string, which Kibana renders as Markdown, so nothing here escapes it.

use super::settings::ElasticSettings;
use crate::backend::{file_safe, RuleMeta};

/// `## Triage and analysis`: the title, the description and the false positives.
pub fn note(rule: &RuleMeta) -> String {
    let mut out = format!("## Triage and analysis\n\n### {}\n\n{}\n", rule.title.trim(), rule.description.trim());
    out.push_str("\n### False positives\n\n");
    if rule.false_positives.is_empty() {
        out.push_str("None known.\n");
    }
    for fp in &rule.false_positives {
        out.push_str(&format!("- {}\n", fp.trim()));
    }
    out
}

/// `## Setup`: for each schema the rule reads, its data stream and the index
/// template Scalpel writes for it.
pub fn setup(settings: &ElasticSettings, sources: &[&str]) -> String {
    let mut out = String::from(
        "## Setup\n\nThe rule reads these data streams. Install their index templates (in this build's \
         `elastic/index-templates/`, with `PUT _index_template/<name>`) before the data arrives, so that text \
         is mapped as `keyword` and the rule matches exactly:\n\n",
    );
    for source in sources {
        out.push_str(&format!("- `{}`: `index-templates/{}.json`\n", settings.index(source), file_safe(source)));
    }
    out
}
