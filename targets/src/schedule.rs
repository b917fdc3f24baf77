//! The schedule of a rule in a SIEM: how often it runs, how far back each run
//! looks, how late its data may arrive, whether it is enabled on import, and the
//! keys that identify one alert. One model for every scheduled target (Splunk,
//! Sentinel, Elastic); Sigma rules carry no schedule.
//!
//! A run at time `T` is responsible for the matches that complete (whose last
//! event is) in its *slice* `[T - delay - interval, T - delay)`: data up to
//! `T - delay` has arrived by `T`, and the slices of consecutive runs tile the
//! time line. A match's events lie within the rule's window before its end, so
//! the run must search `[T - window - interval - delay, T - delay)`: the
//! look-back is `window + interval + delay`. Overlapping runs would report a
//! match again; each target keeps it to one alert (docs/targets.md,
//! "Schedules"), either by filtering on the slice or by suppressing on the
//! rule's keys for [`Schedule::suppression_ms`].
//!
//! Invariant: every value here has passed [`ScheduleSettings::validate`] for its
//! target, so emitting never meets an interval the target cannot run.

use crate::Target;
use scalpel_compiler::diag::{Code, Diagnostic};
use scalpel_compiler::ir::time::duration_text;
use scalpel_compiler::ir::{Flow, Occurrence, Program, Sequence, Severity, Step};
use serde::Deserialize;
use std::collections::BTreeMap;

const MINUTE_MS: u64 = 60_000;
const HOUR_MS: u64 = 60 * MINUTE_MS;
const DAY_MS: u64 = 24 * HOUR_MS;

/// Sentinel's bounds on `queryFrequency` and `queryPeriod`.
pub const SENTINEL_MIN_MS: u64 = 5 * MINUTE_MS;
pub const SENTINEL_MAX_MS: u64 = 14 * DAY_MS;

/// `[targets.<splunk|kql|elastic>.schedule]`
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScheduleSettings {
    /// Whether rules are enabled on import; off by default on every target, so
    /// that imported content is reviewed before it pages anyone.
    pub enabled: bool,
    /// How late an event may reach the SIEM after its event time (`<n>s|m|h|d`, `0s` allowed).
    pub ingestion_delay: String,
    /// Run interval per severity.
    pub interval: Intervals,
    /// Run interval of single rules, by `<flow>.<step or sequence>` (E0860 when it names none).
    pub rules: BTreeMap<String, String>,
}

/// Run interval per severity: a critical patient-safety rule must not wait an hour.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Intervals {
    pub informational: String,
    pub low: String,
    pub medium: String,
    pub high: String,
    pub critical: String,
}

impl Default for Intervals {
    fn default() -> Self {
        Intervals {
            informational: "1h".into(),
            low: "1h".into(),
            medium: "30m".into(),
            high: "10m".into(),
            critical: "5m".into(),
        }
    }
}

impl Intervals {
    fn of(&self, severity: Severity) -> &str {
        match severity {
            Severity::Informational => &self.informational,
            Severity::Low => &self.low,
            Severity::Medium => &self.medium,
            Severity::High => &self.high,
            Severity::Critical => &self.critical,
        }
    }

    fn all(&self) -> [(&'static str, &str); 5] {
        [
            ("informational", &self.informational),
            ("low", &self.low),
            ("medium", &self.medium),
            ("high", &self.high),
            ("critical", &self.critical),
        ]
    }
}

impl Default for ScheduleSettings {
    fn default() -> Self {
        ScheduleSettings {
            enabled: false,
            // Log Analytics, HEC and Fleet usually deliver within a few minutes.
            ingestion_delay: "5m".into(),
            interval: Intervals::default(),
            rules: BTreeMap::new(),
        }
    }
}

impl ScheduleSettings {
    /// Rejects values `target` cannot run: the key (below the target's table) and why.
    pub fn validate(&self, target: Target) -> Result<(), (Vec<String>, String)> {
        let key = |path: &[&str]| path.iter().map(|k| k.to_string()).collect::<Vec<_>>();
        let delay = duration_ms(&self.ingestion_delay, true)
            .ok_or_else(|| (key(&["schedule", "ingestion_delay"]), "is not `<n>s|m|h|d`".to_string()))?;
        if target == Target::Splunk && !delay.is_multiple_of(MINUTE_MS) {
            let why = format!("`{}`: Splunk time ranges snap to whole minutes", self.ingestion_delay);
            return Err((key(&["schedule", "ingestion_delay"]), why));
        }
        let named = self.interval.all().map(|(severity, text)| (key(&["schedule", "interval", severity]), text));
        let rules = self.rules.iter().map(|(rule, text)| (key(&["schedule", "rules", rule]), text.as_str()));
        for (path, text) in named.into_iter().chain(rules) {
            let ms = duration_ms(text, false).ok_or_else(|| (path.clone(), "is not `<n>s|m|h|d`".to_string()))?;
            interval_fits(target, ms).map_err(|why| (path, format!("`{text}`: {why}")))?;
        }
        if let Some(rule) =
            self.rules.keys().find(|r| r.split_once('.').is_none_or(|(f, i)| f.is_empty() || i.is_empty()))
        {
            return Err((key(&["schedule", "rules", rule]), "is not `<flow>.<step or sequence>`".to_string()));
        }
        Ok(())
    }

    fn delay_ms(&self) -> u64 {
        duration_ms(&self.ingestion_delay, true).unwrap_or(0)
    }

    fn interval_ms(&self, flow: &str, item: &str, severity: Severity) -> u64 {
        let text = self.rules.get(&format!("{flow}.{item}")).map_or_else(|| self.interval.of(severity), String::as_str);
        duration_ms(text, false).unwrap_or(HOUR_MS)
    }
}

/// Why an interval cannot be run by `target`.
fn interval_fits(target: Target, ms: u64) -> Result<(), &'static str> {
    match target {
        // A cron schedule fires at fixed minutes of the hour and hours of the day:
        // only intervals that divide the hour or the day repeat evenly.
        Target::Splunk => {
            let even =
                (ms < HOUR_MS && ms.is_multiple_of(MINUTE_MS) && (HOUR_MS / MINUTE_MS).is_multiple_of(ms / MINUTE_MS))
                    || (ms < DAY_MS && ms.is_multiple_of(HOUR_MS) && 24u64.is_multiple_of(ms / HOUR_MS))
                    || ms == DAY_MS;
            if even {
                Ok(())
            } else {
                Err("a cron schedule runs evenly only every 1-30 minutes dividing the hour, 1-12 hours dividing the day, or 1d")
            }
        }
        Target::Kql if !(SENTINEL_MIN_MS..=SENTINEL_MAX_MS).contains(&ms) || !ms.is_multiple_of(MINUTE_MS) => {
            Err("Sentinel's queryFrequency is whole minutes within 5m..14d")
        }
        Target::Elastic if ms < MINUTE_MS => {
            Err("Kibana runs rules at most every minute (`xpack.alerting.rules.minimumScheduleInterval`)")
        }
        _ => Ok(()),
    }
}

/// `<n>s|m|h|d` → milliseconds; `0` only where `zero` allows it.
pub fn duration_ms(text: &str, zero: bool) -> Option<u64> {
    let unit = match text.chars().last()? {
        's' => 1_000,
        'm' => MINUTE_MS,
        'h' => HOUR_MS,
        'd' => DAY_MS,
        _ => return None,
    };
    let digits = &text[..text.len() - 1];
    if digits.is_empty() || digits.len() > 9 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse::<u64>().ok().filter(|n| zero || *n > 0).map(|n| n * unit)
}

/// What a rule detects, as far as its schedule is concerned.
#[derive(Debug, Clone, Copy)]
pub enum Item<'a> {
    Step(&'a Step),
    Sequence(&'a Sequence),
}

impl Item<'_> {
    pub fn id(&self) -> &str {
        match self {
            Item::Step(step) => &step.id,
            Item::Sequence(sequence) => &sequence.id,
        }
    }

    fn severity(&self) -> Severity {
        match self {
            Item::Step(step) => step.severity,
            Item::Sequence(sequence) => sequence.severity,
        }
    }
}

/// One rule's schedule on one target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    pub interval_ms: u64,
    /// How far apart a match's events may be: a threshold's window; a sequence's
    /// window plus the longest window of a step that joins on its threshold (whose
    /// events precede the completion that takes part).
    pub window_ms: u64,
    pub delay_ms: u64,
    pub enabled: bool,
    /// The detection fields one alert is per: a threshold's `by` fields, a
    /// sequence's join keys (as its first step names them); none for a single event.
    pub keys: Vec<String>,
}

impl Schedule {
    pub fn of(settings: &ScheduleSettings, flow: &Flow, item: Item) -> Schedule {
        let (window_ms, keys) = match item {
            Item::Step(step) => {
                step.detection.threshold().map_or((0, Vec::new()), |t| (t.window_ms, t.group_by.clone()))
            }
            Item::Sequence(sequence) => {
                let lead = sequence
                    .steps
                    .iter()
                    .filter(|m| m.occurrence == Occurrence::Threshold)
                    .filter_map(|m| flow.step(&m.step)?.detection.threshold().map(|t| t.window_ms))
                    .max()
                    .unwrap_or(0);
                (sequence.window_ms + lead, sequence.steps.first().map(|m| m.keys.clone()).unwrap_or_default())
            }
        };
        Schedule {
            interval_ms: settings.interval_ms(&flow.id, item.id(), item.severity()),
            window_ms,
            delay_ms: settings.delay_ms(),
            enabled: settings.enabled,
            keys,
        }
    }

    /// The schedule of the rule `flow_id`/`item_id` of `program`, if it has one.
    pub fn find(settings: &ScheduleSettings, program: &Program, flow_id: &str, item_id: &str) -> Option<Schedule> {
        let flow = program.flows.iter().find(|f| f.id == flow_id)?;
        let item = match flow.step(item_id) {
            Some(step) => Item::Step(step),
            None => Item::Sequence(flow.sequences.iter().find(|s| s.id == item_id)?),
        };
        Some(Schedule::of(settings, flow, item))
    }

    /// How far back a run searches: window + interval + delay.
    pub fn lookback_ms(&self) -> u64 {
        self.window_ms + self.interval_ms + self.delay_ms
    }

    /// How long after an alert the same match can be found again by later runs that
    /// search up to `now - delay` (window + interval): Splunk's suppression period.
    pub fn suppression_ms(&self) -> u64 {
        self.window_ms + self.interval_ms
    }

    /// The longest time from a match's completion to its alert: it must arrive
    /// (delay), then wait for the run after its slice (interval).
    pub fn alert_delay_ms(&self) -> u64 {
        self.interval_ms + self.delay_ms
    }

    /// Whether runs overlap in what they search, so that a match can be found twice.
    pub fn overlaps(&self) -> bool {
        self.window_ms > 0
    }
}

/// How a target's schedule sees a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Visibility {
    /// Sigma: no schedule of its own; the SIEM that converts it decides.
    Unscheduled,
    /// Every match raises its alert at most this long after it completes.
    Delayed { up_to_ms: u64 },
    /// The target cannot look back far enough to see a whole match.
    NotVisible { reason: String },
}

/// The longest look-back `target` can run, if it has a limit.
pub fn max_lookback_ms(target: Target) -> Option<u64> {
    match target {
        Target::Kql => Some(SENTINEL_MAX_MS),
        // Splunk's `dispatch.earliest_time` and Kibana's `from` have no upper
        // bound; retention is the site's.
        _ => None,
    }
}

/// The schedule settings of a scheduled target.
pub fn settings_of(settings: &crate::Settings, target: Target) -> Option<&ScheduleSettings> {
    match target {
        Target::Sigma => None,
        Target::Splunk => Some(&settings.splunk.schedule),
        Target::Kql => Some(&settings.kql.schedule),
        Target::Elastic => Some(&settings.elastic.schedule),
    }
}

pub fn visibility(settings: &crate::Settings, target: Target, flow: &Flow, item: Item) -> Visibility {
    let Some(schedule_settings) = settings_of(settings, target) else { return Visibility::Unscheduled };
    let schedule = Schedule::of(schedule_settings, flow, item);
    match max_lookback_ms(target) {
        Some(max) if schedule.lookback_ms() > max => Visibility::NotVisible {
            reason: format!(
                "{target} looks back at most {}, short of window {} + interval {} + ingestion delay {}",
                duration_text(max),
                duration_text(schedule.window_ms),
                duration_text(schedule.interval_ms),
                duration_text(schedule.delay_ms),
            ),
        },
        _ => Visibility::Delayed { up_to_ms: schedule.alert_delay_ms() },
    }
}

/// E0860 for each per-rule interval that names no step or sequence of the program.
pub fn unknown_rules(program: &Program, settings: &crate::Settings) -> Vec<Diagnostic> {
    let known = |name: &str| {
        program.flows.iter().any(|flow| {
            flow.steps
                .iter()
                .map(|s| &s.id)
                .chain(flow.sequences.iter().map(|s| &s.id))
                .any(|id| format!("{}.{id}", flow.id) == name)
        })
    };
    Target::ALL
        .iter()
        .filter_map(|&target| settings_of(settings, target).map(|s| (target, s)))
        .flat_map(|(target, s)| s.rules.keys().filter(|r| !known(r)).map(move |r| (target, r)))
        .map(|(target, rule)| {
            Diagnostic::new(
                Code::UnknownScheduledRule,
                format!("`[targets.{target}.schedule] rules` names `{rule}`, which is no step or sequence"),
            )
            .help("write `<flow id>.<step or sequence id>`, as in `AF2-10.tamper`")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(duration_ms("5m", false), Some(300_000));
        assert_eq!(duration_ms("0s", true), Some(0));
        assert_eq!(duration_ms("0s", false), None);
        for bad in ["", "m", "5", "5w", "-5m", "5 m", "9999999999d"] {
            assert_eq!(duration_ms(bad, true), None, "{bad}");
        }
    }

    #[test]
    fn intervals_each_target_can_run() {
        for ok in ["1m", "5m", "10m", "30m", "1h", "2h", "12h", "1d"] {
            assert_eq!(interval_fits(Target::Splunk, duration_ms(ok, false).unwrap()), Ok(()), "{ok}");
        }
        for bad in ["7m", "45m", "90s", "5h", "2d"] {
            assert!(interval_fits(Target::Splunk, duration_ms(bad, false).unwrap()).is_err(), "{bad}");
        }
        assert!(interval_fits(Target::Kql, 60_000).is_err());
        assert!(interval_fits(Target::Kql, 15 * DAY_MS).is_err());
        assert!(interval_fits(Target::Kql, 330_000).is_err());
        assert_eq!(interval_fits(Target::Kql, 5 * MINUTE_MS), Ok(()));
        assert!(interval_fits(Target::Elastic, 30_000).is_err());
        assert_eq!(interval_fits(Target::Elastic, 90_000), Ok(()));
    }

    #[test]
    fn settings_are_checked_per_target() {
        let read = |text: &str| -> ScheduleSettings { toml::from_str(text).expect("valid schedule table") };
        assert!(read("ingestion_delay = \"0s\"").validate(Target::Splunk).is_ok());
        assert!(read("ingestion_delay = \"30s\"").validate(Target::Splunk).is_err());
        assert!(read("ingestion_delay = \"30s\"").validate(Target::Elastic).is_ok());
        assert!(read("interval = { critical = \"1m\" }").validate(Target::Kql).is_err());
        assert!(read("rules = { \"AF-1\" = \"5m\" }").validate(Target::Elastic).is_err());
        assert!(read("rules = { \"AF-1.x\" = \"soon\" }").validate(Target::Elastic).is_err());
        assert!(toml::from_str::<ScheduleSettings>("intervals = {}").is_err());
    }
}
