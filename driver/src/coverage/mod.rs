//! ATT&CK coverage: which attack-flow steps are detected, by which targets, with
//! which telemetry, and which are not, and why.
//!
//! [`analyze`] turns a checked program, the catalog it was checked against and the
//! result of a build to every target into a [`Coverage`] model; one small module
//! per renderer reads the model: [`navigator`] (ATT&CK Navigator layers 4.5),
//! [`html`] (a self-contained report) and [`markdown`] (a pull-request summary).
//!
//! Scoring, the same everywhere:
//! - a step is **detected** when its telemetry is collected and every target emitted
//!   its rule without error and can see its matches on its schedule (score 100; a
//!   rule whose look-back a target cannot run, such as Sentinel past 14 days, does
//!   not count on that target); **partial** when some targets did (score =
//!   100 × targets with a rule / targets); **undetectable** when the flow says it
//!   cannot be seen (score 0); **missing** otherwise, e.g. when the schema it reads is
//!   not collected or no target emitted a rule (score 0);
//! - a flow's score and the overall score are the mean of their steps' scores;
//! - a technique's score is the mean score of the steps that name it, and a domain's
//!   score the mean of its techniques' scores.
//!
//! Sequences are reported with the same statuses but do not change a score: they
//! correlate steps that are already counted.

mod analyze;
pub mod html;
pub mod markdown;
pub mod navigator;
mod settings;

pub use analyze::analyze;
pub use settings::CoverageSettings;

use scalpel_compiler::ir::Severity;
use serde::Serialize;

/// How well one step (or sequence, or technique) is covered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Detected,
    Partial,
    Undetectable,
    Missing,
}

impl Status {
    pub const ALL: [Status; 4] = [Status::Detected, Status::Partial, Status::Undetectable, Status::Missing];

    /// The CSS class and the word used in layers and tables.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Detected => "detected",
            Status::Partial => "partial",
            Status::Undetectable => "undetectable",
            Status::Missing => "missing",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::Detected => "detected on all targets",
            Status::Partial => "detected on some targets",
            Status::Undetectable => "not detectable",
            Status::Missing => "missing",
        }
    }

    /// The colour of the status in every renderer (fill of the HTML node, layer legend).
    pub fn color(self) -> &'static str {
        match self {
            Status::Detected => "#43a047",
            Status::Partial => "#ffb300",
            Status::Undetectable => "#9e9e9e",
            Status::Missing => "#e53935",
        }
    }
}

/// How many items have each status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub detected: usize,
    pub partial: usize,
    pub undetectable: usize,
    pub missing: usize,
}

impl Counts {
    pub fn of(statuses: impl IntoIterator<Item = Status>) -> Counts {
        let mut counts = Counts::default();
        for status in statuses {
            *counts.get_mut(status) += 1;
        }
        counts
    }

    pub fn get(&self, status: Status) -> usize {
        match status {
            Status::Detected => self.detected,
            Status::Partial => self.partial,
            Status::Undetectable => self.undetectable,
            Status::Missing => self.missing,
        }
    }

    fn get_mut(&mut self, status: Status) -> &mut usize {
        match status {
            Status::Detected => &mut self.detected,
            Status::Partial => &mut self.partial,
            Status::Undetectable => &mut self.undetectable,
            Status::Missing => &mut self.missing,
        }
    }

    pub fn total(&self) -> usize {
        self.detected + self.partial + self.undetectable + self.missing
    }
}

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct Coverage {
    /// The detection tree's name.
    pub tree: String,
    /// The ATT&CK release of the catalog, e.g. `18.1`.
    pub attack_version: String,
    /// Every target the rules were built for, in `Target::ALL` order.
    pub targets: Vec<String>,
    /// Every declared schema.
    pub schemas: Vec<String>,
    /// The schemas counted as collected.
    pub collected: Vec<String>,
    /// Mean step score, 0–100, one decimal.
    pub score: f64,
    /// Steps by status.
    pub steps: Counts,
    pub flows: Vec<FlowCoverage>,
    /// In id order.
    pub techniques: Vec<TechniqueCoverage>,
    /// The domains that have techniques, in `Domain::ALL` order.
    pub domains: Vec<DomainCoverage>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FlowCoverage {
    pub id: String,
    pub title: String,
    pub category: String,
    pub description: Option<String>,
    /// Mean step score, 0–100, one decimal.
    pub score: f64,
    pub counts: Counts,
    /// In the flow's order.
    pub steps: Vec<StepCoverage>,
    pub sequences: Vec<SequenceCoverage>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StepCoverage {
    pub id: String,
    pub title: String,
    pub severity: Severity,
    pub status: Status,
    /// 0–100, see the module docs.
    pub score: u32,
    /// Why the step is not detected on every target; `None` when it is.
    pub why: Option<String>,
    pub techniques: Vec<Link>,
    /// What the detection reads; `None` for an undetectable step.
    pub telemetry: Option<Telemetry>,
    /// One entry per target, in target order; empty for an undetectable step.
    pub targets: Vec<TargetResult>,
    /// Why no ATT&CK technique fits the step (`technique none "reason"`).
    pub no_technique: Option<String>,
    /// The step's description, as written.
    pub description: Option<String>,
    /// The detection's condition as `.det` text (before tuning); `None` for an
    /// undetectable step.
    pub condition: Option<String>,
    /// The site's exclusions that apply to the step (what, who, until when).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub exclusions: Vec<ExclusionCoverage>,
    /// Mitigations linked to the step's techniques in the catalog, by name.
    pub mitigations: Vec<Mitigation>,
    /// Data components linked to the step's techniques in the catalog, by id.
    pub data_components: Vec<Link>,
}

/// One exclusion of a tuned step, as the report shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExclusionCoverage {
    pub name: String,
    /// As written after `on`: `AF-1.staff_upload`, `AF-1`, `schema firmware`.
    pub scope: String,
    /// The events it removes, as `.det` text.
    pub condition: String,
    pub reason: String,
    pub owner: String,
    /// The last day it applies; `None` when it does not expire.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}

/// ATT&CK mitigations of one name. Enterprise and ICS publish the same advice under
/// their own ids (M1047 and M0947 "Audit"); a step or technique lists it once, with
/// every id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mitigation {
    pub name: String,
    /// In id order.
    pub ids: Vec<Link>,
}

/// Mitigations grouped by name, names in alphabetical order.
pub fn by_name(links: impl IntoIterator<Item = Link>) -> Vec<Mitigation> {
    let mut groups: std::collections::BTreeMap<String, Vec<Link>> = std::collections::BTreeMap::new();
    for link in links {
        let ids = groups.entry(link.name.clone()).or_default();
        if !ids.contains(&link) {
            ids.push(link);
        }
    }
    groups
        .into_iter()
        .map(|(name, mut ids)| {
            ids.sort();
            Mitigation { name, ids }
        })
        .collect()
}

/// The order flows are reported in: `AF-2` before `AF-10`. Ids are cut at every
/// character that is not a letter or digit; numeric parts compare as numbers and
/// come before words.
pub fn natural_key(id: &str) -> Vec<(u64, String)> {
    id.split(|c: char| !c.is_ascii_alphanumeric())
        .map(|part| match part.parse::<u64>() {
            Ok(n) => (n, String::new()),
            Err(_) => (u64::MAX, part.to_string()),
        })
        .collect()
}

#[derive(Debug, Clone, Serialize)]
pub struct Telemetry {
    pub schema: String,
    /// Fields the condition and threshold read, first use first.
    pub fields: Vec<String>,
    pub collected: bool,
    /// The threshold in words (`≥ 5 events in 10m by device.id`).
    pub threshold: Option<String>,
}

/// What one target produced for one step or sequence.
#[derive(Debug, Clone, Serialize)]
pub struct TargetResult {
    pub target: String,
    /// A rule was emitted without error.
    pub emitted: bool,
    /// The unit's diagnostics, as `CODE message`.
    pub notes: Vec<String>,
    /// How the target's schedule sees the rule.
    pub schedule: Seen,
}

impl TargetResult {
    /// The rule counts: emitted without error, and its schedule can see its matches.
    pub fn detects(&self) -> bool {
        self.emitted && !matches!(self.schedule, Seen::NotVisible { .. })
    }
}

/// How a target's schedule sees a rule (`scalpel_targets::schedule`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Seen {
    /// No schedule of the target's own (Sigma: the SIEM that converts it schedules it).
    Detected,
    /// Each match raises its alert at most `up_to` after it completes (interval + delay).
    Delayed { up_to: String },
    /// The target cannot look back over a whole match.
    NotVisible { reason: String },
}

impl Seen {
    /// The words every renderer shows.
    pub fn text(&self) -> String {
        match self {
            Seen::Detected => "detected".to_string(),
            Seen::Delayed { up_to } => format!("detected with a delay of up to {up_to}"),
            Seen::NotVisible { reason } => format!("not visible: {reason}"),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct SequenceCoverage {
    pub id: String,
    pub title: String,
    /// Step ids in match order.
    pub steps: Vec<String>,
    pub window: String,
    /// Join keys of the first step.
    pub keys: Vec<String>,
    /// Detected, partial or missing (a sequence of an uncollected step is missing).
    pub status: Status,
    pub targets: Vec<TargetResult>,
}

/// An ATT&CK object with its id, name and page.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Link {
    pub id: String,
    pub name: String,
    pub url: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct TechniqueCoverage {
    pub id: String,
    pub name: String,
    pub url: String,
    /// STIX domain names (`enterprise-attack`).
    pub domains: Vec<String>,
    pub tactics: Vec<Link>,
    /// Mean score of the steps that name it, 0–100 rounded.
    pub score: u32,
    /// Detected when every use is, undetectable when every use is, missing when no
    /// use is detected on any target, partial otherwise.
    pub status: Status,
    pub uses: Vec<TechniqueUse>,
    /// Targets that emitted a rule for at least one use over collected telemetry.
    pub targets: Vec<String>,
    pub mitigations: Vec<Mitigation>,
    pub data_components: Vec<Link>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TechniqueUse {
    pub flow: String,
    pub step: String,
    pub status: Status,
    pub score: u32,
    /// Targets whose rule for this step counts (telemetry collected, rule emitted).
    pub targets: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DomainCoverage {
    /// `enterprise-attack`, `ics-attack` or `mobile-attack`.
    pub domain: String,
    pub techniques: usize,
    /// Mean technique score, 0–100, one decimal.
    pub score: f64,
    /// Techniques by status.
    pub counts: Counts,
}

/// The mean of `scores`, 0–100 with one decimal; 0 for none.
fn mean(scores: impl IntoIterator<Item = u32>) -> f64 {
    let (sum, n) = scores.into_iter().fold((0u64, 0u64), |(s, n), x| (s + u64::from(x), n + 1));
    if n == 0 {
        return 0.0;
    }
    // Integer arithmetic, then one division: the same bytes on every platform.
    let tenths = (sum * 10 * 2 + n) / (2 * n);
    tenths as f64 / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_rounds_to_one_decimal_half_up() {
        assert_eq!(mean([]), 0.0);
        assert_eq!(mean([100, 0, 0]), 33.3);
        assert_eq!(mean([100, 100, 0]), 66.7);
        assert_eq!(mean([50, 0, 0, 0]), 12.5);
        assert_eq!(mean([100]), 100.0);
    }

    #[test]
    fn flows_sort_naturally() {
        let mut ids = ["AF-10", "AF2-1", "AF-2", "v1-x", "AF-1", "AF-13-v1", "AF-13", "AF2-10", "AF2-X-a"];
        ids.sort_by_key(|id| natural_key(id));
        assert_eq!(ids, ["AF-1", "AF-2", "AF-10", "AF-13", "AF-13-v1", "AF2-1", "AF2-10", "AF2-X-a", "v1-x"]);
    }

    #[test]
    fn mitigations_of_one_name_are_listed_once() {
        let link = |id: &str, name: &str| Link { id: id.into(), name: name.into(), url: format!("u/{id}") };
        let grouped =
            by_name([link("M1047", "Audit"), link("M0947", "Audit"), link("M1041", "Encrypt"), link("M1047", "Audit")]);
        assert_eq!(grouped.len(), 2);
        assert_eq!(grouped[0].name, "Audit");
        assert_eq!(grouped[0].ids.iter().map(|l| l.id.as_str()).collect::<Vec<_>>(), ["M0947", "M1047"]);
    }

    #[test]
    fn counts_add_up() {
        let counts = Counts::of([Status::Detected, Status::Missing, Status::Detected]);
        assert_eq!((counts.detected, counts.missing, counts.total()), (2, 1, 3));
    }
}
