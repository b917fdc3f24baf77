//! Splunk packaging: emitted rules → `savedsearches.conf` (ES correlation searches in
//! the layout of splunk/contentctl, see docs/targets.md), rendered from a template.
//!
//! Invariants: stanza names are unique and at most [`app::MAX_STANZA`] characters, so
//! that ES's clone name `<domain> - <stanza> - Rule` stays within 99; values are
//! written by [`conf::value`] (line breaks continued, nothing that would continue a
//! line into the next key); JSON values are compact with keys sorted (the form the
//! ES GUI writes).

use super::{app, conf};
use crate::backend::RuleMeta;
use crate::templates::Templates;
use crate::Context;
use scalpel_compiler::diag::{Code, Diagnostic};
use serde::Serialize;
use serde_json::json;

#[derive(Serialize)]
struct Package<'a> {
    tree: &'a str,
    cron_schedule: &'a str,
    earliest_time: &'a str,
    latest_time: &'a str,
    security_domain: &'a str,
    rules: Vec<Stanza>,
}

#[derive(Serialize)]
struct Stanza {
    stanza: String,
    title: String,
    description: String,
    mappings: String,
    annotations: String,
    metadata: String,
    false_positives: String,
    analytic_story: String,
    severity: &'static str,
    search: String,
    /// The rule's first and latest version dates, from the version lock.
    creation_date: String,
    modification_date: String,
}

pub fn savedsearches(ctx: &Context, rules: &[RuleMeta], templates: &Templates) -> Result<String, Diagnostic> {
    let settings = &ctx.settings.splunk;
    app::unique_names(ctx, rules, "stanza name", |rule| app::stanza_name(&settings.app, rule))?;
    app::unique_names(ctx, rules, "filter macro", app::filter_macro)?;
    let stanzas = rules
        .iter()
        .map(|rule| {
            let conf_value = |what: &str, text: &str| {
                conf::value(text).map_err(|reason| {
                    let diag = Diagnostic::new(
                        Code::ConfValue,
                        format!("the {what} of `{}` cannot be written in savedsearches.conf", rule.item_id),
                    )
                    .help("end the line with another character, or leave the line break out");
                    match item_span(ctx, rule) {
                        Some(span) => diag.primary(span, format!("its {what} {reason}")),
                        None => diag.note(format!("it {reason}")),
                    }
                })
            };
            let stamp = ctx.stamp(&rule.flow_id, &rule.item_id);
            // Published when this version was made: midnight UTC of its date.
            let publish_time = scalpel_compiler::ir::time::parse_rfc3339(&format!("{}T00:00:00Z", stamp.modified))
                .map_or(0, |ms| ms / 1000);
            let story = vec![format!("{} {}", rule.flow_id, rule.flow_title)];
            Ok(Stanza {
                stanza: app::stanza_name(&settings.app, rule),
                title: conf_value("title", &rule.title)?,
                description: conf_value("description", &rule.description)?,
                mappings: json!({ "mitre_attack": rule.techniques }).to_string(),
                annotations: json!({
                    "analytic_story": story,
                    "mitre_attack": rule.techniques,
                    "type": "TTP",
                    "type_list": ["TTP"],
                })
                .to_string(),
                metadata: json!({
                    "deprecated": "0",
                    "detection_id": rule.id.to_string(),
                    // ESCU's `detection_version` is an integer: the lock's revision.
                    "detection_version": stamp.revision.to_string(),
                    "publish_time": publish_time,
                })
                .to_string(),
                false_positives: conf_value("false positives", &rule.false_positives.join("; "))?,
                analytic_story: json!(story).to_string(),
                severity: rule.severity.as_str(),
                // Ends in the rule's filter macro, where a SOC tunes it (macros.conf).
                search: format!("{} | `{}`", conf_value("search", &rule.query)?, app::filter_macro(rule)),
                creation_date: stamp.created,
                modification_date: stamp.modified,
            })
        })
        .collect::<Result<Vec<_>, Diagnostic>>()?;
    let package = Package {
        tree: ctx.tree,
        cron_schedule: &settings.cron_schedule,
        earliest_time: &settings.earliest_time,
        latest_time: &settings.latest_time,
        security_domain: &settings.security_domain,
        rules: stanzas,
    };
    templates.render("savedsearches.conf", &package)
}

/// Where the step or sequence of `rule` is declared.
pub(super) fn item_span(ctx: &Context, rule: &RuleMeta) -> Option<scalpel_compiler::source::Span> {
    let flow = ctx.program.flows.iter().find(|f| f.id == rule.flow_id)?;
    let step = flow.step(&rule.item_id).map(|s| s.span);
    step.or_else(|| flow.sequences.iter().find(|s| s.id == rule.item_id).map(|s| s.span))
}
