//! Telemetry schemas as the checker and every later stage see them.
//!
//! Built by `sema` from `schema` declarations; a [`Schema`] is the contract between
//! a detection and the events it reads: field names, types, units and ranges.

use crate::source::Span;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldType {
    String,
    Int,
    Float,
    Bool,
    Ip,
    Timestamp,
    Enum(Vec<String>),
}

impl FieldType {
    /// The type as written in `.det` files.
    pub fn name(&self) -> String {
        match self {
            FieldType::String => "string".into(),
            FieldType::Int => "int".into(),
            FieldType::Float => "float".into(),
            FieldType::Bool => "bool".into(),
            FieldType::Ip => "ip".into(),
            FieldType::Timestamp => "timestamp".into(),
            FieldType::Enum(values) => format!("enum({})", values.join(", ")),
        }
    }

    pub fn is_numeric(&self) -> bool {
        matches!(self, FieldType::Int | FieldType::Float)
    }

    /// Strings and enums hold text and compare case-insensitively by default.
    pub fn is_textual(&self) -> bool {
        matches!(self, FieldType::String | FieldType::Enum(_))
    }

    /// Whether two types can be joined on (sequence keys): equal, or both numeric.
    pub fn joins_with(&self, other: &FieldType) -> bool {
        self == other || (self.is_numeric() && other.is_numeric())
    }

    pub const NAMES: &'static [&'static str] = &["string", "int", "float", "bool", "ip", "timestamp", "enum"];
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Field {
    pub name: String,
    pub ty: FieldType,
    pub unit: Option<String>,
    /// Declared inclusive bounds of numeric fields.
    pub range: Option<(f64, f64)>,
    /// Declared `typical` span of numeric fields, inside `range`: where most
    /// values lie. Synthetic filler is drawn from it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub typical: Option<(f64, f64)>,
    pub description: Option<String>,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Schema {
    pub name: String,
    pub description: Option<String>,
    pub fields: Vec<Field>,
    /// Index into `fields` of the event-time field.
    pub event_time: usize,
    /// Declared `order` relations between numeric fields.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub orders: Vec<Order>,
    #[serde(skip)]
    pub span: Span,
}

/// `order a < b <= c`: in one event of the schema, each field's value is below
/// (`<`) or not above (`<=`) the next one's. A statement about the telemetry, not
/// a test: detections may look for events that break it (forged readings), and
/// synthetic filler keeps it (`events::relations`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Order {
    /// Field names, lowest value first; at least two, each numeric and distinct.
    pub fields: Vec<String>,
    /// `strict[i]`: `fields[i] < fields[i + 1]` (else `<=`).
    pub strict: Vec<bool>,
}

impl Schema {
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    pub fn event_time_field(&self) -> &Field {
        &self.fields[self.event_time]
    }
}
