//! The intermediate representation: checked, resolved detections.
//!
//! Produced by `sema::check`, consumed by every target and by [`eval`]. Invariants
//! that `sema` guarantees, so consumers need not re-check them:
//! - every [`Test`] names a field of its step's schema, and its operand has the
//!   field's type (`Scalar` variants match `FieldType`);
//! - regexes compile and use no look-around or back-references; CIDRs are valid;
//! - threshold and sequence keys exist in the schemas of the steps they apply to;
//! - a sequence step with [`Occurrence::Threshold`] has a threshold, and its join
//!   keys are among the threshold's `by` fields;
//! - conditions are normalised ([`normalize`]): no nested `All` in `All`, no single-
//!   element `All`/`Any`, no double negation.

pub mod canonical;
pub mod eval;
pub mod fingerprint;
mod normalize;
pub mod text;
pub mod time;

#[cfg(test)]
mod tests;

pub use normalize::normalize;

use crate::schema::{FieldType, Schema};
use crate::source::Span;
use ipnet::IpNet;
use serde::Serialize;
use std::net::IpAddr;

#[derive(Debug, Clone, Serialize)]
pub struct Program {
    pub schemas: Vec<Schema>,
    pub flows: Vec<Flow>,
    /// The ATT&CK release the techniques were checked against.
    pub attack_version: String,
}

impl Program {
    pub fn schema(&self, name: &str) -> Option<&Schema> {
        self.schemas.iter().find(|s| s.name == name)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    Realized,
    Theoretical,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Informational,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const NAMES: &'static [&'static str] = &["informational", "low", "medium", "high", "critical"];

    pub fn parse(text: &str) -> Option<Severity> {
        Some(match text {
            "informational" => Severity::Informational,
            "low" => Severity::Low,
            "medium" => Severity::Medium,
            "high" => Severity::High,
            "critical" => Severity::Critical,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        Severity::NAMES[self as usize]
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Flow {
    pub id: String,
    pub title: String,
    pub category: String,
    pub origin: Origin,
    pub description: Option<String>,
    pub references: Vec<String>,
    pub steps: Vec<Step>,
    pub sequences: Vec<Sequence>,
    /// The file the flow was declared in, as given on the command line.
    pub file: String,
    #[serde(skip)]
    pub span: Span,
}

impl Flow {
    pub fn step(&self, id: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.id == id)
    }
}

/// An ATT&CK technique resolved against the catalog, with what targets need.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Technique {
    pub id: String,
    pub name: String,
    pub url: String,
    /// `enterprise`, `mobile` or `ics` (first domain listed by the catalog).
    pub domain: String,
    /// For a sub-technique, its parent's id and name.
    pub parent: Option<(String, String)>,
    pub tactics: Vec<Tactic>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tactic {
    pub id: String,
    pub name: String,
    pub shortname: String,
    pub url: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub id: String,
    pub title: String,
    /// Empty only when [`Step::no_technique`] says why.
    pub techniques: Vec<Technique>,
    /// `technique none "reason"`: why no ATT&CK technique fits this step.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no_technique: Option<String>,
    /// The schema the detection reads; `None` only for undetectable steps.
    pub source: Option<String>,
    pub severity: Severity,
    pub description: Option<String>,
    pub false_positives: Vec<String>,
    pub references: Vec<String>,
    /// The detection; with [`Step::tuning`], already tuned ([`eval::tuned`]), so that
    /// every consumer reads the tuned meaning.
    pub detection: Detection,
    /// The site's exclusions that apply to this step, when any do.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tuning: Option<Tuning>,
    #[serde(skip)]
    pub span: Span,
}

/// How a step was tuned: its condition as the detection wrote it and the exclusions
/// taken from it. Invariant: the step's condition is `eval::tuned(&untuned, &exclusions)`.
#[derive(Debug, Clone, Serialize)]
pub struct Tuning {
    pub untuned: Cond,
    /// In the order the tuning files declare them (files in load order).
    pub exclusions: Vec<Exclusion>,
}

/// A site's exclusion as it applies to one step (`docs/language.md`, "Tuning").
#[derive(Debug, Clone, Serialize)]
pub struct Exclusion {
    pub name: String,
    pub reason: String,
    pub owner: String,
    /// The last day it applies (`YYYY-MM-DD`), when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// The scope as written: `AF-1.staff_upload`, `AF-1`, `schema surgical_robot`.
    pub scope: String,
    /// The tuning file that declares it, as given on the command line.
    pub file: String,
    /// The events it removes, typed against this step's schema (normalised).
    pub condition: Cond,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Detection {
    Condition { condition: Cond, threshold: Option<Threshold> },
    Undetectable { reason: String },
}

impl Detection {
    pub fn condition(&self) -> Option<&Cond> {
        match self {
            Detection::Condition { condition, .. } => Some(condition),
            Detection::Undetectable { .. } => None,
        }
    }

    pub fn threshold(&self) -> Option<&Threshold> {
        match self {
            Detection::Condition { threshold, .. } => threshold.as_ref(),
            Detection::Undetectable { .. } => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Threshold {
    /// `None` counts events; `Some(field)` counts distinct values of the field.
    pub distinct: Option<String>,
    /// Inclusive minimum the aggregate must reach (`> 20` is stored as 21).
    pub min: u64,
    pub window_ms: u64,
    pub group_by: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Sequence {
    pub id: String,
    pub title: String,
    pub window_ms: u64,
    pub steps: Vec<SequenceStep>,
    /// The highest severity of its steps.
    pub severity: Severity,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Debug, Clone, Serialize)]
pub struct SequenceStep {
    /// Id of a step of the same flow.
    pub step: String,
    /// Join keys; same count and compatible types at every position.
    pub keys: Vec<String>,
    /// Which events of the step take part.
    pub occurrence: Occurrence,
}

/// The events at which a sequence step matches (see `docs/language.md`, "Sequences").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Occurrence {
    /// Every event that matches the step's condition: a step without a threshold,
    /// or one written `each step`.
    Event,
    /// Every event that completes the step's threshold, counted per the threshold's
    /// own `by` fields and window; the step's join keys are among those fields.
    Threshold,
}

/// A boolean condition over one event.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cond {
    All(Vec<Cond>),
    Any(Vec<Cond>),
    Not(Box<Cond>),
    Test(Test),
}

/// One test of one field.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Test {
    pub field: String,
    pub ty: FieldType,
    /// Case-sensitive comparison of text (`cased`); always false for non-text.
    pub cased: bool,
    pub op: TestOp,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TestOp {
    /// Equal to the value.
    Eq(Scalar),
    /// Equal to any of the values.
    OneOf(Vec<Scalar>),
    /// Numeric ordering against a constant.
    Cmp(Ordering, Number),
    /// Substring tests: true when any value (or, with `all`, every value) matches.
    Text {
        kind: TextKind,
        values: Vec<String>,
        all: bool,
    },
    /// Regular-expression search (unanchored unless the pattern anchors itself).
    Regex {
        pattern: String,
        case_insensitive: bool,
    },
    /// Inside any of the blocks.
    Cidr(Vec<IpNet>),
    Exists,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Ordering {
    Lt,
    Le,
    Gt,
    Ge,
}

impl Ordering {
    pub fn as_str(self) -> &'static str {
        match self {
            Ordering::Lt => "<",
            Ordering::Le => "<=",
            Ordering::Gt => ">",
            Ordering::Ge => ">=",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TextKind {
    Contains,
    StartsWith,
    EndsWith,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Number {
    Int(i64),
    Float(f64),
}

impl Number {
    pub fn as_f64(self) -> f64 {
        match self {
            Number::Int(i) => i as f64,
            Number::Float(f) => f,
        }
    }
}

/// A constant of a field's type.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scalar {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Ip(IpAddr),
    /// A declared value of an enum field.
    Enum(String),
}

impl Cond {
    /// Every test in the condition, left to right.
    pub fn tests(&self) -> Vec<&Test> {
        let mut out = Vec::new();
        self.collect_tests(&mut out);
        out
    }

    fn collect_tests<'a>(&'a self, out: &mut Vec<&'a Test>) {
        match self {
            Cond::All(cs) | Cond::Any(cs) => cs.iter().for_each(|c| c.collect_tests(out)),
            Cond::Not(c) => c.collect_tests(out),
            Cond::Test(t) => out.push(t),
        }
    }
}
