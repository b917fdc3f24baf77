//! The Splunk app around the correlation searches: its folder name, the names of
//! its stanzas and filter macros, and the files an app needs besides
//! `savedsearches.conf` (`default/app.conf`, `default/macros.conf`,
//! `metadata/default.meta`).
//!
//! Invariants: every name Splunk keys a stanza by is unique after case folding
//! (Splunk merges stanzas whose names differ only in case on a case-insensitive
//! file system, and same-named stanzas everywhere), a collision is E0710; stanza
//! names are cut at a word boundary within [`MAX_STANZA`]; nothing here reads the
//! clock, so the files depend only on the tree, its settings and the version lock.

use super::conf;
use crate::backend::RuleMeta;
use crate::Context;
use scalpel_compiler::diag::{Code, Diagnostic};
use std::collections::HashMap;

/// ES prefixes the longest security domain (`endpoint - `, 11 characters) and
/// appends ` - Rule` (7) when it clones a search; the result must fit in 99.
pub const MAX_STANZA: usize = 99 - 11 - 7;

/// The app's folder and `[package] id`: `<app>_<tree>`, with every character
/// Splunk does not accept in an app id (letters, digits, `_`, `-`, `.`) as `_`.
pub fn app_id(ctx: &Context) -> String {
    format!("{}_{}", ctx.settings.splunk.app, ctx.tree)
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') { c } else { '_' })
        .collect()
}

/// `<app> - <flow>.<item> <title>`, brackets and control characters as `_`, cut at
/// the last word boundary within [`MAX_STANZA`] characters (never into the ids).
/// When even the ids do not fit, the rule id stands in for them.
pub fn stanza_name(app: &str, rule: &RuleMeta) -> String {
    let clean = |s: &str| -> String {
        s.chars().map(|c| if c.is_control() || c == '[' || c == ']' { '_' } else { c }).collect()
    };
    let prefix = clean(&format!("{app} - {}.{}", rule.flow_id, rule.item_id));
    let prefix = if prefix.chars().count() > MAX_STANZA - 1 {
        clean(&format!("{} - {}", app.chars().take(MAX_STANZA - 40).collect::<String>(), rule.id))
    } else {
        prefix
    };
    let full = format!("{prefix} {}", clean(rule.title.trim()));
    cut_at_word(&full, prefix.chars().count(), MAX_STANZA)
}

/// `text` if it has at most `max` characters, else its longest prefix of at most
/// `max` that ends before a space, and no shorter than `keep` characters; trailing
/// spaces and separators (`-`, `:`, `,`, `;`) are dropped from a cut.
fn cut_at_word(text: &str, keep: usize, max: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= max {
        return text.trim_end().to_string();
    }
    // A cut at `end` is at a word boundary when the character after it is a space.
    let end = (keep..=max).rev().find(|&end| chars[end].is_whitespace()).unwrap_or(keep);
    let cut: String = chars[..end].iter().collect();
    let trimmed = cut.trim_end_matches(|c: char| c.is_whitespace() || matches!(c, '-' | ':' | ',' | ';'));
    // Never trim into the ids.
    if trimmed.chars().count() < keep {
        chars[..keep].iter().collect()
    } else {
        trimmed.to_string()
    }
}

/// The rule's filter macro, `<flow>_<item>_filter` in lower case with every
/// character but letters and digits as `_` (the shape of Splunk's own
/// `<detection>_filter` macros). Its definition is `search *`; a SOC edits it in
/// `local/macros.conf` to tune the rule without touching the search.
pub fn filter_macro(rule: &RuleMeta) -> String {
    format!("{}_{}_filter", rule.flow_id, rule.item_id)
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' })
        .collect()
}

/// E0710 for the first two rules whose `name`s are equal after case folding.
pub fn unique_names(
    ctx: &Context,
    rules: &[RuleMeta],
    what: &str,
    name: impl Fn(&RuleMeta) -> String,
) -> Result<(), Diagnostic> {
    let mut seen: HashMap<String, &RuleMeta> = HashMap::new();
    for rule in rules {
        let this = name(rule);
        if let Some(first) = seen.insert(this.to_lowercase(), rule) {
            let mut diag = Diagnostic::new(
                Code::SplunkNameCollision,
                format!(
                    "`{}.{}` and `{}.{}` get the same Splunk {what}, `{this}`",
                    first.flow_id, first.item_id, rule.flow_id, rule.item_id
                ),
            )
            .note("Splunk merges stanzas of the same name (on Windows, names that differ only in case too): one rule would be lost")
            .help("rename one of the steps or flows, or change its title where the name is cut");
            if let Some(span) = super::package::item_span(ctx, rule) {
                diag = diag.primary(span, "this rule");
            }
            if let Some(span) = super::package::item_span(ctx, first) {
                diag = diag.secondary(span, "and this one");
            }
            return Err(diag);
        }
    }
    Ok(())
}

/// `default/app.conf`. The version is the latest day any rule changed
/// (`YYYY.M.D`, from the version lock, so it moves when a rule changes and never
/// goes back); `build` is the sum of the rules' revisions, which grows with every
/// bump. The app is invisible: it holds searches, not dashboards.
pub fn app_conf(ctx: &Context, rules: &[RuleMeta], id: &str) -> Result<String, Diagnostic> {
    let stamps: Vec<_> = rules.iter().map(|r| ctx.stamp(&r.flow_id, &r.item_id)).collect();
    let latest = stamps.iter().map(|s| s.modified.as_str()).max().unwrap_or(ctx.settings.sigma.date.as_str());
    let version = latest.split('-').map(|part| part.trim_start_matches('0')).collect::<Vec<_>>().join(".");
    let build: u64 = stamps.iter().map(|s| u64::from(s.revision)).sum();
    let label = value(&format!("{} ({})", ctx.settings.splunk.app, ctx.tree), "app label")?;
    Ok(format!(
        "# Generated by Scalpel from the detection tree \"{tree}\"; rebuild instead of editing.\n\
         [install]\nis_configured = true\nstate = enabled\nbuild = {build}\n\n\
         [launcher]\nauthor = Scalpel\nversion = {version}\ndescription = {label}: correlation searches generated by Scalpel\n\n\
         [package]\nid = {id}\ncheck_for_updates = false\n\n\
         [ui]\nis_visible = false\nlabel = {label}\n",
        tree = value(ctx.tree, "tree name")?,
    ))
}

/// `default/macros.conf`: one filter macro per rule, `search *` (a no-op).
pub fn macros_conf(ctx: &Context, rules: &[RuleMeta]) -> Result<String, Diagnostic> {
    let mut out = format!(
        "# Generated by Scalpel from the detection tree \"{}\"; rebuild instead of editing.\n\
         # One filter macro per rule, ending its search. Tune a rule in local/macros.conf, e.g.\n\
         # definition = search NOT dest IN (\"lab-*\")\n",
        value(ctx.tree, "tree name")?
    );
    // The description names the rule by its ids only: a title may hold a line
    // break, which a one-line description could not keep.
    for rule in rules {
        out.push('\n');
        out.push_str(&tuning_comment(ctx, rule));
        out.push_str(&format!(
            "[{}]\ndefinition = search *\ndescription = Filter for the rule {}.{}; update to exclude false positives\n",
            filter_macro(rule),
            rule.flow_id,
            rule.item_id
        ));
    }
    Ok(out)
}

/// For a tuned step, comment lines above its filter macro naming the site's
/// exclusions (what, who, until when; not the file, whose path depends on the machine). The exclusions themselves are
/// in the search, right after the base search: the macro ends the search, after a
/// threshold's `streamstats` or a sequence's `stats`, where the excluded events'
/// fields are gone, so an exclusion there could not remove events before counting.
/// User text is shown with invisible characters escaped, so no line break ends a comment.
fn tuning_comment(ctx: &Context, rule: &RuleMeta) -> String {
    let step = ctx.program.flows.iter().find(|f| f.id == rule.flow_id).and_then(|f| f.step(&rule.item_id));
    let Some(tuning) = step.and_then(|s| s.tuning.as_ref()) else { return String::new() };
    let shown = |text: &str| scalpel_compiler::visible::visible(text).into_owned();
    let mut out =
        String::from("# Tuned: the search excludes these events (change them in the tuning files, then rebuild):\n");
    for e in &tuning.exclusions {
        let until = e.expires.as_deref().map(|d| format!(", until {d}")).unwrap_or_default();
        out.push_str(&format!(
            "#   \"{}\" on {} by {}{until}\n#     {}\n",
            shown(&e.name),
            shown(&e.scope),
            shown(&e.owner),
            shown(&e.reason)
        ));
    }
    out
}

/// `metadata/default.meta`: everyone reads, admins write, and the searches are
/// shared with every app (Enterprise Security runs correlation searches from any app).
pub fn default_meta() -> String {
    "# Generated by Scalpel; rebuild instead of editing.\n\
     []\naccess = read : [ * ], write : [ admin ]\nexport = system\n\n\
     [savedsearches]\nowner = admin\n"
        .to_string()
}

/// A value of these files, whose text comes from settings checked elsewhere; a
/// value that cannot be written is E0515 all the same.
fn value(text: &str, what: &str) -> Result<String, Diagnostic> {
    conf::value(text).map_err(|reason| {
        Diagnostic::new(Code::ConfValue, format!("the {what} cannot be written in the Splunk app"))
            .note(format!("it {reason}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_fall_between_words_and_keep_the_ids() {
        assert_eq!(cut_at_word("App - F.s short", 9, 81), "App - F.s short");
        assert_eq!(cut_at_word("App - F.s alpha beta gamma", 9, 20), "App - F.s alpha beta");
        assert_eq!(cut_at_word("App - F.s alpha beta gamma", 9, 19), "App - F.s alpha");
        assert_eq!(cut_at_word("App - F.s alpha - gamma", 9, 18), "App - F.s alpha");
        assert_eq!(cut_at_word("App - F.s incomprehensibilities", 9, 20), "App - F.s");
    }

    #[test]
    fn filter_macros_are_lower_case_words() {
        let rule = RuleMeta {
            id: uuid::Uuid::nil(),
            flow_id: "AF2-10".into(),
            flow_title: String::new(),
            item_id: "tamper".into(),
            title: String::new(),
            description: String::new(),
            severity: scalpel_compiler::ir::Severity::Low,
            techniques: Vec::new(),
            false_positives: Vec::new(),
            query: String::new(),
            analytic_rule: None,
        };
        assert_eq!(filter_macro(&rule), "af2_10_tamper_filter");
    }
}
