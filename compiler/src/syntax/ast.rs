//! The abstract syntax tree: what the user wrote, with spans, before any check.
//!
//! Names are kept as written (`Ident`), literals already decoded (escapes resolved,
//! numbers parsed). Nothing here is validated against schemas or ATT&CK.

use crate::source::Span;
use serde::Serialize;

/// A name and where it was written.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// A decoded string literal and its span (quotes included).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Text {
    pub value: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct File {
    pub schemas: Vec<Schema>,
    pub flows: Vec<Flow>,
    /// A tuning file's exclusions (a file holds detections or exclusions, not both).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub exclusions: Vec<Exclusion>,
    /// Names of schemas left out for a syntax error (already reported), so that
    /// `sema` knows them and does not call them unknown.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unparsed_schemas: Vec<Ident>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Schema {
    pub name: Ident,
    pub description: Option<Text>,
    pub fields: Vec<Field>,
    /// `order` declarations, in source order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub orders: Vec<OrderDecl>,
    pub span: Span,
}

/// `order a < b <= c`: `fields` in the order written, `strict[i]` for the operator
/// between `fields[i]` and `fields[i + 1]` (`<` is strict, `<=` not).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrderDecl {
    pub fields: Vec<Ident>,
    pub strict: Vec<bool>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Field {
    pub name: Ident,
    pub ty: TypeExpr,
    pub unit: Option<Text>,
    pub range: Option<RangeDecl>,
    /// `typical lo..hi`: where most values lie (synthetic events draw filler there).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub typical: Option<RangeDecl>,
    /// Span of the `event_time` marker, when present.
    pub event_time: Option<Span>,
    pub description: Option<Text>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum TypeExpr {
    /// `string`, `int`, ... (checked by `sema`).
    Named(Ident),
    Enum {
        values: Vec<Ident>,
        span: Span,
    },
}

impl TypeExpr {
    pub fn span(&self) -> Span {
        match self {
            TypeExpr::Named(id) => id.span,
            TypeExpr::Enum { span, .. } => *span,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RangeDecl {
    pub lo: Number,
    pub hi: Number,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
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

/// `exclude "name" on scope { ... }`: events a site does not want a detection to fire on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Exclusion {
    pub name: Text,
    pub scope: Scope,
    /// Clauses in the order written; `sema` checks which are required and unique.
    pub items: Vec<ExclusionItem>,
    pub span: Span,
}

/// What an exclusion applies to.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Scope {
    /// `schema name`: every step reading the schema, in every flow.
    Schema(Ident, Span),
    /// `AF-1` (every step of the flow) or `AF-1.step` (one step).
    Rule { flow: Text, step: Option<Ident>, span: Span },
}

impl Scope {
    pub fn span(&self) -> Span {
        match self {
            Scope::Schema(_, span) | Scope::Rule { span, .. } => *span,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum ExclusionItem {
    Reason(Text, Span),
    Owner(Text, Span),
    /// `expires 2027-03-01`: the day as written (validated by `sema`) and the clause's span.
    Expires(Text, Span),
    Where(Expr, Span),
}

impl ExclusionItem {
    pub fn keyword(&self) -> &'static str {
        match self {
            ExclusionItem::Reason(..) => "reason",
            ExclusionItem::Owner(..) => "owner",
            ExclusionItem::Expires(..) => "expires",
            ExclusionItem::Where(..) => "where",
        }
    }

    pub fn span(&self) -> Span {
        match self {
            ExclusionItem::Reason(_, s) | ExclusionItem::Owner(_, s) | ExclusionItem::Expires(_, s) => *s,
            ExclusionItem::Where(_, s) => *s,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Flow {
    pub id: Text,
    pub title: Text,
    pub items: Vec<FlowItem>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum FlowItem {
    Category(Text),
    Origin(Ident),
    Description(Text),
    Reference(Text),
    Step(Step),
    Sequence(Sequence),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    pub id: Ident,
    pub title: Text,
    pub items: Vec<StepItem>,
    pub span: Span,
}

/// Step clauses in the order written; `sema` checks which may repeat.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum StepItem {
    Technique(Vec<Ident>),
    /// `technique none "reason"`: no ATT&CK technique fits the action; the clause's span.
    NoTechnique(Text, Span),
    Source(Ident),
    Severity(Ident),
    Description(Text),
    FalsePositive(Text),
    Reference(Text),
    Detect(Expr, Span),
    Undetectable(Text, Span),
    Threshold(Threshold),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Threshold {
    /// `None` for `count`, the field for `distinct field`.
    pub distinct: Option<Ident>,
    pub op: CmpOp,
    pub value: Number,
    pub value_span: Span,
    pub window: Duration,
    pub by: Vec<Ident>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Duration {
    pub millis: u64,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sequence {
    pub id: Ident,
    pub title: Text,
    pub window: Duration,
    pub by: Vec<Ident>,
    pub steps: Vec<SequenceStep>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SequenceStep {
    /// `each` or `threshold` written before the step id, and the keyword's span.
    pub occurrence: Option<(Occurrence, Span)>,
    pub step: Ident,
    /// Per-step join keys, overriding the sequence's `by`.
    pub by: Vec<Ident>,
}

/// How a sequence step says it joins: on every matching event or on its threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Occurrence {
    /// `each step`: every event that matches the step's condition.
    Each,
    /// `threshold step`: every event that completes the step's threshold.
    Threshold,
}

impl Occurrence {
    /// The keyword as written.
    pub fn keyword(self) -> &'static str {
        match self {
            Occurrence::Each => "each",
            Occurrence::Threshold => "threshold",
        }
    }
}

/// Serialised by hand (`dump.rs`): a chain of `not`s is dumped flat.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    And(Vec<Expr>, Span),
    Or(Vec<Expr>, Span),
    Not(Box<Expr>, Span),
    Predicate(Predicate),
}

impl Expr {
    pub fn span(&self) -> Span {
        match self {
            Expr::And(_, s) | Expr::Or(_, s) | Expr::Not(_, s) => *s,
            Expr::Predicate(p) => p.span,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Predicate {
    pub field: Ident,
    /// Span of the `cased` keyword, when given.
    pub cased: Option<Span>,
    pub op: PredOp,
    /// Span of the operator keyword(s).
    pub op_span: Span,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    pub fn as_str(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum TextOp {
    Contains,
    StartsWith,
    EndsWith,
}

impl TextOp {
    pub fn as_str(self) -> &'static str {
        match self {
            TextOp::Contains => "contains",
            TextOp::StartsWith => "startswith",
            TextOp::EndsWith => "endswith",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum PredOp {
    Compare(CmpOp, Literal),
    In { negated: bool, values: Vec<Literal>, span: Span },
    InCidr { negated: bool, blocks: Vec<Literal>, span: Span },
    Text { op: TextOp, all: bool, values: Vec<Literal>, list: bool },
    Matches { pattern: String, flags: String, span: Span },
    Exists,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Literal {
    pub value: LiteralValue,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum LiteralValue {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Ipv4(String),
    /// A bare word: an enum value (or a mistake `sema` reports).
    Word(String),
}

impl LiteralValue {
    /// How the value is described in type errors.
    pub fn kind(&self) -> &'static str {
        match self {
            LiteralValue::Str(_) => "a string",
            LiteralValue::Int(_) => "an integer",
            LiteralValue::Float(_) => "a float",
            LiteralValue::Bool(_) => "a boolean",
            LiteralValue::Ipv4(_) => "an IP address",
            LiteralValue::Word(_) => "a bare word",
        }
    }
}
