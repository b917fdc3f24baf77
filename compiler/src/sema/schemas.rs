//! Schema declarations → [`Schema`] values, with their own checks
//! (duplicate names and fields, types, enum values, ranges, event time; typical
//! spans and `order` relations in [`super::relations`]).
//!
//! A declaration that is reported broken stays *known*: a schema without a usable
//! event time, or one that did not parse, is remembered by name, and a field whose
//! type is unknown by schema and field name. Later checks look names up with
//! [`Schemas::lookup`] and [`Schemas::is_broken_field`] and stay silent on what is
//! already reported, so one mistake gives one error (the poison-value model).

use super::relations;
use crate::diag::{suggest, Code, Diagnostic, Diagnostics};
use crate::schema::{Field, FieldType, Schema};
use crate::source::FileId;
use crate::syntax::ast;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The schemas of a tree, by name; declaration order kept for output.
pub struct Schemas {
    list: Vec<Schema>,
    by_name: HashMap<String, usize>,
    /// Declared, but unusable; the reason is already reported.
    broken: BTreeSet<String>,
    /// `(schema, field)` pairs declared with a type that is already reported.
    broken_fields: BTreeSet<(String, String)>,
}

/// What a schema name refers to.
pub enum Lookup<'a> {
    Found(&'a Schema),
    /// Declared, with an error already reported: say nothing more.
    Broken,
    Unknown,
}

impl Schemas {
    pub fn get(&self, name: &str) -> Option<&Schema> {
        self.by_name.get(name).map(|&i| &self.list[i])
    }

    pub fn lookup(&self, name: &str) -> Lookup<'_> {
        match self.get(name) {
            Some(schema) => Lookup::Found(schema),
            None if self.broken.contains(name) => Lookup::Broken,
            None => Lookup::Unknown,
        }
    }

    /// A field that is declared but whose declaration was reported as wrong.
    pub fn is_broken_field(&self, schema: &str, field: &str) -> bool {
        self.broken_fields.contains(&(schema.to_string(), field.to_string()))
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.list.iter().map(|s| s.name.as_str())
    }

    pub fn into_list(self) -> Vec<Schema> {
        self.list
    }
}

pub fn collect(files: &[(FileId, ast::File)], diags: &mut Diagnostics) -> Schemas {
    let mut schemas =
        Schemas { list: Vec::new(), by_name: HashMap::new(), broken: BTreeSet::new(), broken_fields: BTreeSet::new() };
    for (_, file) in files {
        // Schemas with a syntax error are reported by the parser and dropped from the AST.
        schemas.broken.extend(file.unparsed_schemas.iter().map(|name| name.name.clone()));
        for decl in &file.schemas {
            if let Some(&first) = schemas.by_name.get(&decl.name.name) {
                let earlier = &schemas.list[first];
                diags.push(
                    Diagnostic::new(Code::DuplicateSchema, format!("schema `{}` is declared twice", decl.name.name))
                        .primary(decl.name.span, "declared again here")
                        .secondary(earlier.span, "first declared here"),
                );
                continue;
            }
            match lower_schema(decl, &mut schemas.broken_fields, diags) {
                Some(schema) => {
                    schemas.by_name.insert(schema.name.clone(), schemas.list.len());
                    schemas.list.push(schema);
                }
                None => {
                    schemas.broken.insert(decl.name.name.clone());
                }
            }
        }
    }
    schemas
}

fn lower_schema(
    decl: &ast::Schema,
    broken_fields: &mut BTreeSet<(String, String)>,
    diags: &mut Diagnostics,
) -> Option<Schema> {
    let mut fields: Vec<Field> = Vec::with_capacity(decl.fields.len());
    let mut seen: BTreeMap<&str, crate::source::Span> = BTreeMap::new();
    let mut event_times = Vec::new();
    let mut misplaced_marker = false;
    for f in &decl.fields {
        if let Some(&first) = seen.get(f.name.name.as_str()) {
            diags.push(
                Diagnostic::new(
                    Code::DuplicateField,
                    format!("field `{}` is declared twice in schema `{}`", f.name.name, decl.name.name),
                )
                .primary(f.name.span, "declared again here")
                .secondary(first, "first declared here"),
            );
            continue;
        }
        seen.insert(&f.name.name, f.name.span);
        let Some(ty) = lower_type(&f.ty, diags) else {
            broken_fields.insert((decl.name.name.clone(), f.name.name.clone()));
            continue;
        };
        let range = f.range.as_ref().and_then(|r| lower_range(r, &ty, diags));
        let typical = f.typical.as_ref().and_then(|t| relations::lower_typical(t, &ty, range, diags));
        if let Some(marker) = f.event_time {
            if ty != FieldType::Timestamp {
                misplaced_marker = true;
                diags.push(
                    Diagnostic::new(
                        Code::EventTime,
                        format!("event-time field `{}` must be a `timestamp`", f.name.name),
                    )
                    .primary(marker, "marked as event time here")
                    .secondary(f.ty.span(), format!("declared as `{}`", ty.name())),
                );
            } else {
                event_times.push((fields.len(), marker));
            }
        }
        fields.push(Field {
            name: f.name.name.clone(),
            ty,
            unit: f.unit.as_ref().map(|u| u.value.clone()),
            range,
            typical,
            description: f.description.as_ref().map(|d| d.value.clone()),
            span: f.name.span,
        });
    }
    let event_time = match event_times.as_slice() {
        [(index, _)] => *index,
        [] if misplaced_marker => return None,
        [] => {
            let timestamps: Vec<&str> =
                fields.iter().filter(|f| f.ty == FieldType::Timestamp).map(|f| f.name.as_str()).collect();
            let mut diag =
                Diagnostic::new(Code::EventTime, format!("schema `{}` has no event-time field", decl.name.name))
                    .primary(decl.name.span, "no field is marked `event_time`");
            diag = match timestamps.first() {
                Some(name) => diag.help(format!("mark the time of the event: `{name} timestamp event_time`")),
                None => diag.help("add a field such as `timestamp timestamp event_time \"when it happened\"`"),
            };
            diags.push(diag);
            return None;
        }
        _ => {
            let mut diag = Diagnostic::new(
                Code::EventTime,
                format!("schema `{}` marks more than one event-time field", decl.name.name),
            );
            for (i, (_, marker)) in event_times.iter().enumerate() {
                diag = if i == 0 {
                    diag.secondary(*marker, "first marked here")
                } else {
                    diag.primary(*marker, "marked again here")
                };
            }
            diags.push(diag.help("keep `event_time` on the field that says when the event happened"));
            return None;
        }
    };
    let schema_name = decl.name.name.clone();
    let broken = |field: &str| broken_fields.contains(&(schema_name.clone(), field.to_string()));
    let orders = relations::lower_orders(decl, &fields, &broken, diags);
    Some(Schema {
        name: decl.name.name.clone(),
        description: decl.description.as_ref().map(|d| d.value.clone()),
        fields,
        event_time,
        orders,
        span: decl.name.span,
    })
}

fn lower_type(ty: &ast::TypeExpr, diags: &mut Diagnostics) -> Option<FieldType> {
    match ty {
        ast::TypeExpr::Named(name) => {
            let ty = match name.name.as_str() {
                "string" => FieldType::String,
                "int" => FieldType::Int,
                "float" => FieldType::Float,
                "bool" => FieldType::Bool,
                "ip" => FieldType::Ip,
                "timestamp" => FieldType::Timestamp,
                other => {
                    let alias = match other {
                        "integer" | "long" | "i64" => Some("int"),
                        "double" | "real" | "number" => Some("float"),
                        "boolean" => Some("bool"),
                        "str" | "text" | "keyword" => Some("string"),
                        "datetime" | "date" | "time" => Some("timestamp"),
                        _ => None,
                    };
                    let suggestion = alias.or_else(|| suggest::closest(other, FieldType::NAMES.iter().copied()));
                    diags.push(
                        Diagnostic::new(Code::UnknownType, format!("unknown type `{other}`"))
                            .primary(name.span, "not a field type")
                            .did_you_mean(suggestion)
                            .note("types are `string`, `int`, `float`, `bool`, `ip`, `timestamp` and `enum(...)`"),
                    );
                    return None;
                }
            };
            Some(ty)
        }
        ast::TypeExpr::Enum { values, .. } => {
            let mut seen: BTreeMap<String, &ast::Ident> = BTreeMap::new();
            let mut out = Vec::with_capacity(values.len());
            for v in values {
                let folded = v.name.to_lowercase();
                if let Some(first) = seen.get(&folded) {
                    diags.push(
                        Diagnostic::new(Code::DuplicateEnumValue, format!("enum value `{}` is listed twice", v.name))
                            .primary(v.span, "listed again here")
                            .secondary(first.span, "first listed here")
                            .note("enum values compare case-insensitively"),
                    );
                    continue;
                }
                seen.insert(folded, v);
                out.push(v.name.clone());
            }
            Some(FieldType::Enum(out))
        }
    }
}

fn lower_range(range: &ast::RangeDecl, ty: &FieldType, diags: &mut Diagnostics) -> Option<(f64, f64)> {
    if !ty.is_numeric() {
        diags.push(
            Diagnostic::new(Code::InvalidRange, format!("`range` does not apply to `{}` fields", ty.name()))
                .primary(range.span, "only `int` and `float` fields have ranges"),
        );
        return None;
    }
    let (lo, hi) = (range.lo.as_f64(), range.hi.as_f64());
    if lo > hi {
        diags.push(
            Diagnostic::new(Code::InvalidRange, format!("range {lo}..{hi} is empty"))
                .primary(range.span, "the lower bound is above the upper bound")
                .help(format!("write `range {hi}..{lo}`")),
        );
        return None;
    }
    Some((lo, hi))
}
