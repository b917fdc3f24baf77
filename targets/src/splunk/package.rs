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
use crate::schedule::Schedule;
use crate::templates::Templates;
use crate::Context;
use scalpel_compiler::diag::{Code, Diagnostic};
use serde::Serialize;
use serde_json::json;

#[derive(Serialize)]
struct Package<'a> {
    tree: &'a str,
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
    #[serde(flatten)]
    schedule: StanzaSchedule,
}

/// A stanza's schedule ([`crate::schedule`]): the run interval as cron, the time
/// range `[now - look-back, now - delay)` snapped to minutes, and suppression on the
/// rule's keys where runs overlap.
#[derive(Serialize)]
struct StanzaSchedule {
    cron_schedule: String,
    earliest_time: String,
    latest_time: String,
    /// `disabled = true|false`: imported rules are off unless `enabled` is set.
    disabled: bool,
    /// `alert.suppress`: 1 when a match can be found by more than one run.
    suppress: u8,
    /// `alert.suppress.fields`: the result fields one alert is per (comma-separated).
    suppress_fields: String,
    /// `alert.suppress.period`: window + interval, in seconds (`3600s`).
    suppress_period: String,
    /// `alert.digest_mode`: 0 when suppressing per result, as the fields need.
    digest_mode: u8,
}

fn stanza_schedule(schedule: &Schedule, sequence: bool, settings: &crate::settings::SplunkSettings) -> StanzaSchedule {
    let minutes = |ms: u64| ms.div_ceil(60_000);
    let fields: Vec<String> = if sequence {
        (1..=schedule.keys.len()).map(|i| format!("scalpel_key{i}")).collect()
    } else {
        schedule.keys.iter().map(|k| settings.field(k).to_string()).collect()
    };
    let suppress = schedule.overlaps();
    StanzaSchedule {
        cron_schedule: cron(schedule.interval_ms),
        earliest_time: format!("-{}m@m", minutes(schedule.lookback_ms())),
        latest_time: format!("-{}m@m", minutes(schedule.delay_ms)),
        disabled: !schedule.enabled,
        suppress: u8::from(suppress),
        suppress_fields: fields.join(","),
        suppress_period: format!("{}s", schedule.suppression_ms().div_ceil(1000)),
        digest_mode: u8::from(!suppress),
    }
}

/// A cron expression firing every `interval_ms`, which validation has made divide
/// the hour, the day, or be one day.
fn cron(interval_ms: u64) -> String {
    let minutes = interval_ms / 60_000;
    match minutes {
        1 => "* * * * *".to_string(),
        m if m < 60 => format!("*/{m} * * * *"),
        60 => "0 * * * *".to_string(),
        m if m < 24 * 60 => format!("0 */{} * * *", m / 60),
        _ => "0 0 * * *".to_string(),
    }
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
            let sequence = ctx.program.flows.iter().any(|f| f.id == rule.flow_id && f.step(&rule.item_id).is_none());
            let schedule =
                Schedule::find(&settings.schedule, ctx.program, &rule.flow_id, &rule.item_id).ok_or_else(|| {
                    Diagnostic::new(
                        scalpel_compiler::diag::Code::Template,
                        format!("no rule `{}.{}` to schedule", rule.flow_id, rule.item_id),
                    )
                })?;
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
                schedule: stanza_schedule(&schedule, sequence, settings),
            })
        })
        .collect::<Result<Vec<_>, Diagnostic>>()?;
    let package = Package { tree: ctx.tree, security_domain: &settings.security_domain, rules: stanzas };
    templates.render("savedsearches.conf", &package)
}

/// Where the step or sequence of `rule` is declared.
pub(super) fn item_span(ctx: &Context, rule: &RuleMeta) -> Option<scalpel_compiler::source::Span> {
    let flow = ctx.program.flows.iter().find(|f| f.id == rule.flow_id)?;
    let step = flow.step(&rule.item_id).map(|s| s.span);
    step.or_else(|| flow.sequences.iter().find(|s| s.id == rule.item_id).map(|s| s.span))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cron_runs_every_interval() {
        assert_eq!(cron(60_000), "* * * * *");
        assert_eq!(cron(300_000), "*/5 * * * *");
        assert_eq!(cron(3_600_000), "0 * * * *");
        assert_eq!(cron(4 * 3_600_000), "0 */4 * * *");
        assert_eq!(cron(86_400_000), "0 0 * * *");
    }
}
