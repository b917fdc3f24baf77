//! Packaging templates: handlebars files (data, next to the code in
//! `targets/templates/`) → the registry that renders packaged files.
//!
//! Invariants: strict mode (a missing variable is an error, not an empty string)
//! and no HTML escaping (it would corrupt queries); templates do layout only, every
//! value is escaped for its file format by the code that builds the data. A user
//! overrides a template by putting a file of the same name in `--templates DIR`.

use handlebars::Handlebars;
use scalpel_compiler::diag::{Code, Diagnostic};
use scalpel_compiler::input;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

mod bounds;

fn visible(text: &str) -> String {
    scalpel_compiler::visible::visible(text).into_owned()
}

/// E0513 or E0514 for a template the bounds refuse, at its line.
fn bounds_diagnostic(origin: &str, text: &str, problem: &bounds::Problem) -> Diagnostic {
    let line = 1 + text[..problem.offset().min(text.len())].matches('\n').count();
    match problem {
        bounds::Problem::TooDeep { .. } => Diagnostic::new(
            Code::TemplateTooDeep,
            format!("template {origin}, line {line}: blocks nest deeper than {} levels", bounds::MAX_NESTING),
        )
        .note("every open block, and every `(`, `[` or `{` inside a `{{ … }}`, is a level")
        .help("flatten the template"),
        bounds::Problem::Unreadable { what, .. } => {
            Diagnostic::new(Code::TemplateTooDeep, format!("template {origin}, line {line}: {what} is not accepted"))
                .note(
                "Scalpel bounds a template's nesting before handlebars reads it, and refuses what it cannot measure",
            )
        }
        bounds::Problem::UnboundedInclude { what, .. } => {
            Diagnostic::new(Code::TemplateInclude, format!("template {origin}, line {line}: {what} cannot be included"))
                .help("name the partial literally, `{{> name}}`, so that include chains can be checked")
        }
    }
}

/// A template Scalpel ships: its name (the override is `DIR/<name>.hbs`), its text,
/// the output file it renders and the variables it gets.
pub struct Builtin {
    pub name: &'static str,
    pub text: &'static str,
    pub renders: &'static str,
    /// (variable, meaning); `rules` entries are read inside `{{#each rules}}`.
    pub variables: &'static [(&'static str, &'static str)],
}

/// The templates Scalpel ships. The variables listed are exactly the ones the
/// renderer provides (a test renders each template with them).
pub const BUILTINS: &[Builtin] = &[Builtin {
    name: "savedsearches.conf",
    text: include_str!("../templates/savedsearches.conf.hbs"),
    renders: "splunk/<app>_<tree>/default/savedsearches.conf (Splunk Enterprise Security correlation searches)",
    variables: &[
        ("tree", "the tree's `name` from scalpel.toml"),
        ("security_domain", "[targets.splunk] security_domain"),
        ("rules", "one entry per rule, with the fields below (values already escaped for .conf)"),
        ("rules.stanza", "the stanza name: `<app> - <flow> - <rule>`"),
        ("rules.title", "the step or sequence title"),
        ("rules.description", "the step's description"),
        ("rules.mappings", "ES mappings JSON: the ATT&CK technique ids"),
        ("rules.annotations", "ES annotations JSON: analytic story, techniques, type"),
        ("rules.metadata", "ES metadata JSON: detection id and version, publish time"),
        ("rules.creation_date", "the rule's first version date, from the version lock (`YYYY-MM-DD`)"),
        ("rules.modification_date", "the rule's latest version date, from the version lock"),
        ("rules.false_positives", "the step's false positives, `; `-separated"),
        ("rules.analytic_story", "JSON list with the flow id and title"),
        ("rules.severity", "informational, low, medium, high or critical"),
        ("rules.search", "the SPL search"),
        ("rules.cron_schedule", "the run interval as cron (`[targets.splunk.schedule]`, by severity or per rule)"),
        ("rules.earliest_time", "`-<window + interval + delay>m@m`: the look-back"),
        ("rules.latest_time", "`-<ingestion delay>m@m`"),
        ("rules.disabled", "`true` unless `[targets.splunk.schedule] enabled = true`"),
        ("rules.suppress", "whether runs overlap, so that results are suppressed on the rule's keys"),
        ("rules.suppress_fields", "`alert.suppress.fields`: the threshold's `by` fields or the sequence's keys"),
        ("rules.suppress_period", "`alert.suppress.period`: window + interval, in seconds"),
        ("rules.digest_mode", "`alert.digest_mode`: 0 when suppressing per result, else 1"),
    ],
}];

/// Largest template read.
pub const MAX_TEMPLATE_BYTES: u64 = input::MIB;

pub struct Templates {
    registry: Handlebars<'static>,
}

impl Templates {
    /// The shipped templates, each replaced by `DIR/<name>.hbs` when that exists.
    pub fn load(dir: Option<&Path>) -> Result<Templates, Diagnostic> {
        let mut registry = Handlebars::new();
        let mut includes: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        registry.set_strict_mode(true);
        registry.register_escape_fn(handlebars::no_escape);
        if let Some(dir) = dir.filter(|d| !d.is_dir()) {
            let shown = scalpel_compiler::visible::visible(&dir.display().to_string()).into_owned();
            return Err(Diagnostic::new(Code::Io, format!("templates folder `{shown}` is not a folder")));
        }
        for Builtin { name, text: default, .. } in BUILTINS {
            // A template the folder does not have stays the built-in one; anything else
            // named like a template (a FIFO, a device, a folder) is an error, not a fallback.
            let file = dir.map(|d| d.join(format!("{name}.hbs"))).filter(|f| std::fs::symlink_metadata(f).is_ok());
            let text = match &file {
                Some(path) => {
                    input::read_text(path, MAX_TEMPLATE_BYTES).map_err(|err| err.diagnostic(path, "template"))?
                }
                None => (*default).to_string(),
            };
            let origin = file.map_or_else(|| format!("built-in `{name}`"), |p| format!("`{}`", p.display()));
            // Bounded before handlebars parses it: its parser and renderer recurse.
            let outline =
                bounds::outline(name, &text).map_err(|problem| bounds_diagnostic(&origin, &text, &problem))?;
            for (includer, included, _) in outline.includes {
                includes.entry(includer).or_default().insert(included);
            }
            registry.register_template_string(name, text).map_err(|err| {
                Diagnostic::new(Code::Template, format!("template {origin} does not parse")).note(err.to_string())
            })?;
        }
        if let Some(chain) = bounds::include_problem(&includes) {
            let shown = chain.iter().map(|n| format!("`{}`", visible(n))).collect::<Vec<_>>().join(" → ");
            let message = if chain.len() > 1 && chain.first() == chain.last() {
                format!("template partials include themselves: {shown}")
            } else {
                format!("template partials include each other more than {} deep: {shown}", bounds::MAX_INCLUDE_DEPTH)
            };
            return Err(Diagnostic::new(Code::TemplateInclude, message)
                .help("include each partial from its caller only, without cycles"));
        }
        Ok(Templates { registry })
    }

    pub fn render<T: Serialize>(&self, name: &str, data: &T) -> Result<String, Diagnostic> {
        self.registry.render(name, data).map_err(|err| {
            Diagnostic::new(Code::Template, format!("template `{name}` cannot be rendered")).note(err.to_string())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_mode_reports_missing_variables() {
        let templates = Templates::load(None).expect("built-in templates parse");
        let err = templates.render("savedsearches.conf", &serde_json::json!({})).expect_err("strict");
        assert_eq!(err.code, Code::Template);
    }

    /// The documented variables are the ones the renderer provides: every one of them
    /// is used by the built-in template, and each is needed (strict mode).
    #[test]
    fn documented_variables_are_the_rendered_ones() {
        let templates = Templates::load(None).expect("built-in templates parse");
        let template = &BUILTINS[0];
        let top: Vec<&str> = template.variables.iter().map(|v| v.0).filter(|v| !v.contains('.')).collect();
        let per_rule: Vec<&str> = template.variables.iter().filter_map(|v| v.0.strip_prefix("rules.")).collect();
        let data = |skip: &str| {
            let rule: serde_json::Map<String, serde_json::Value> =
                per_rule.iter().filter(|v| **v != skip).map(|v| (v.to_string(), "x".into())).collect();
            let mut root: serde_json::Map<String, serde_json::Value> =
                top.iter().filter(|v| **v != skip).map(|v| (v.to_string(), "x".into())).collect();
            if skip != "rules" {
                root.insert("rules".into(), serde_json::json!([rule]));
            }
            serde_json::Value::Object(root)
        };
        assert!(templates.render(template.name, &data("")).is_ok(), "renders with the documented variables");
        for variable in top.iter().chain(&per_rule).filter(|v| **v != "rules") {
            assert!(templates.render(template.name, &data(variable)).is_err(), "`{variable}` is not used");
        }
        for variable in ["tree", "stanza", "search"] {
            assert!(template.text.contains(&format!("{{{{{variable}}}}}")), "{variable}");
        }
    }

    fn override_dir(tag: &str, text: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("scalpel-templates-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        std::fs::write(dir.join("savedsearches.conf.hbs"), text).expect("write");
        dir
    }

    /// The deepest template the bounds accept renders: the longest include chain of
    /// partials, each nesting blocks as deep as allowed.
    #[test]
    fn the_deepest_accepted_template_renders() {
        let ifs = |n: usize, inner: &str| format!("{}{inner}{}", "{{#if a}}".repeat(n), "{{/if}}".repeat(n));
        let depth = bounds::MAX_NESTING - 1;
        let mut text = String::new();
        for n in 0..bounds::MAX_INCLUDE_DEPTH {
            let next = if n + 1 < bounds::MAX_INCLUDE_DEPTH { format!("{{{{> p{}}}}}", n + 1) } else { "x".into() };
            text.push_str(&format!("{{{{#*inline \"p{n}\"}}}}{}{{{{/inline}}}}", ifs(depth, &next)));
        }
        text.push_str(&ifs(depth, "{{> p0}}"));
        let dir = override_dir("deep", &text);
        let templates = Templates::load(Some(&dir)).expect("accepted");
        let rendered = templates.render("savedsearches.conf", &serde_json::json!({"a": true})).expect("renders");
        assert_eq!(rendered, "x");
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn self_inclusion_and_deep_nesting_are_refused_with_codes() {
        for (tag, text, code) in [
            ("self", "{{> savedsearches.conf}}".to_string(), Code::TemplateInclude),
            ("inline", "{{#*inline \"a\"}}{{> a}}{{/inline}}{{> a}}".to_string(), Code::TemplateInclude),
            ("ifs", "{{#if a}}".repeat(5_000), Code::TemplateTooDeep),
        ] {
            let dir = override_dir(tag, &text);
            let err = Templates::load(Some(&dir)).err().expect("refused");
            assert_eq!(err.code, code, "{tag}: {}", err.message);
            std::fs::remove_dir_all(&dir).ok();
        }
    }

    #[test]
    fn a_folder_overrides_a_template() {
        let dir = std::env::temp_dir().join(format!("scalpel-templates-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        std::fs::write(dir.join("savedsearches.conf.hbs"), "{{tree}} <&>\n").expect("write");
        let templates = Templates::load(Some(&dir)).expect("override parses");
        let text = templates.render("savedsearches.conf", &serde_json::json!({"tree": "a&b"})).expect("renders");
        assert_eq!(text, "a&b <&>\n");
        std::fs::remove_dir_all(&dir).ok();
    }
}
