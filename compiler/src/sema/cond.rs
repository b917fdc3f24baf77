//! Conditions: AST expressions → typed [`Cond`] for one schema.
//!
//! Each predicate is checked on its own; a broken one is reported and dropped
//! (`None`), and its parents are dropped with it, so one mistake is one error.

use super::schemas::Schemas;
use crate::diag::{suggest, Code, Diagnostic, Diagnostics};
use crate::ir::{Cond, Number, Ordering, Scalar, Test, TestOp, TextKind};
use crate::schema::{Field, FieldType, Schema};
use crate::source::Span;
use crate::syntax::ast::{self, CmpOp, Expr, Literal, LiteralValue, PredOp, Predicate};
use ipnet::IpNet;
use std::net::IpAddr;

pub struct Ctx<'a> {
    pub schema: &'a Schema,
    pub schemas: &'a Schemas,
    pub diags: &'a mut Diagnostics,
}

impl Ctx<'_> {
    pub fn lower(&mut self, expr: &Expr) -> Option<Cond> {
        match expr {
            Expr::And(parts, _) => self.lower_all(parts).map(Cond::All),
            Expr::Or(parts, _) => self.lower_all(parts).map(Cond::Any),
            Expr::Not(inner, _) => self.lower(inner).map(|c| Cond::Not(Box::new(c))),
            Expr::Predicate(p) => self.predicate(p),
        }
    }

    fn lower_all(&mut self, parts: &[Expr]) -> Option<Vec<Cond>> {
        every(parts.iter().map(|p| self.lower(p)).collect())
    }

    /// The field a predicate names, or an unknown-field error.
    pub fn field(&mut self, name: &ast::Ident) -> Option<&Field> {
        let schema = self.schema;
        if let Some(field) = schema.field(&name.name) {
            return Some(field);
        }
        if self.schemas.is_broken_field(&schema.name, &name.name) {
            return None;
        }
        let suggestion = suggest::closest(&name.name, schema.fields.iter().map(|f| f.name.as_str()));
        self.diags.push(
            Diagnostic::new(Code::UnknownField, format!("no field `{}` in schema `{}`", name.name, schema.name))
                .primary(name.span, format!("not a field of `{}`", schema.name))
                .secondary(schema.span, "schema declared here")
                .did_you_mean(suggestion),
        );
        None
    }

    fn predicate(&mut self, p: &Predicate) -> Option<Cond> {
        let field = self.field(&p.field)?.clone();
        if let Some(cased) = p.cased {
            let reason = if !field.ty.is_textual() {
                Some(format!("`{}` is a `{}` field; only text compares with case", field.name, field.ty.name()))
            } else if matches!(p.op, PredOp::Matches { .. }) {
                Some("regular expressions are case-sensitive already; add the `i` flag for the opposite".to_string())
            } else if matches!(p.op, PredOp::Exists) {
                Some("`exists` does not compare text".to_string())
            } else {
                None
            };
            if let Some(reason) = reason {
                self.diags.push(
                    Diagnostic::new(Code::OperatorType, "`cased` does not apply here")
                        .primary(cased, "remove `cased`")
                        .note(reason),
                );
                return None;
            }
        }
        let test = |op| {
            Cond::Test(Test {
                field: field.name.clone(),
                ty: field.ty.clone(),
                cased: p.cased.is_some(),
                op,
                span: p.span,
            })
        };
        match &p.op {
            PredOp::Exists => Some(test(TestOp::Exists)),
            PredOp::Compare(op, lit) => {
                let (op, negate) = match op {
                    CmpOp::Eq => (None, false),
                    CmpOp::Ne => (None, true),
                    CmpOp::Lt => (Some(Ordering::Lt), false),
                    CmpOp::Le => (Some(Ordering::Le), false),
                    CmpOp::Gt => (Some(Ordering::Gt), false),
                    CmpOp::Ge => (Some(Ordering::Ge), false),
                };
                let cond = match op {
                    None => test(TestOp::Eq(self.scalar(&field, lit)?)),
                    Some(ord) => {
                        self.require(
                            &field,
                            field.ty.is_numeric(),
                            p.op_span,
                            ord.as_str(),
                            "numbers (`int`, `float`)",
                        )?;
                        let bound = self.number(&field, lit)?;
                        self.check_range(&field, ord, bound, p.span);
                        test(TestOp::Cmp(ord, bound))
                    }
                };
                Some(if negate { Cond::Not(Box::new(cond)) } else { cond })
            }
            PredOp::In { negated, values, span } => {
                self.require(
                    &field,
                    field.ty != FieldType::Timestamp,
                    p.op_span,
                    "in",
                    "values other than timestamps",
                )?;
                if values.is_empty() {
                    self.empty_list(*span)?;
                }
                let scalars = every(values.iter().map(|v| self.scalar(&field, v)).collect())?;
                let cond = test(TestOp::OneOf(scalars));
                Some(if *negated { Cond::Not(Box::new(cond)) } else { cond })
            }
            PredOp::InCidr { negated, blocks, span } => {
                self.require(&field, field.ty == FieldType::Ip, p.op_span, "in cidr", "`ip` fields")?;
                if blocks.is_empty() {
                    self.empty_list(*span)?;
                }
                let nets = every(blocks.iter().map(|b| self.cidr(b)).collect())?;
                let cond = test(TestOp::Cidr(nets));
                Some(if *negated { Cond::Not(Box::new(cond)) } else { cond })
            }
            PredOp::Text { op, all, values, .. } => {
                self.require(&field, field.ty == FieldType::String, p.op_span, op.as_str(), "`string` fields")?;
                if values.is_empty() {
                    self.empty_list(p.op_span)?;
                }
                let texts = every(values.iter().map(|v| self.text(&field, v)).collect());
                let kind = match op {
                    ast::TextOp::Contains => TextKind::Contains,
                    ast::TextOp::StartsWith => TextKind::StartsWith,
                    ast::TextOp::EndsWith => TextKind::EndsWith,
                };
                Some(test(TestOp::Text { kind, values: texts?, all: *all }))
            }
            PredOp::Matches { pattern, flags, span } => {
                self.require(&field, field.ty == FieldType::String, p.op_span, "matches", "`string` fields")?;
                let case_insensitive = self.regex(pattern, flags, *span)?;
                Some(test(TestOp::Regex { pattern: pattern.clone(), case_insensitive }))
            }
        }
    }

    /// Reports an operator applied to a type it does not fit.
    fn require(&mut self, field: &Field, ok: bool, op_span: Span, op: &str, fits: &str) -> Option<()> {
        if ok {
            return Some(());
        }
        let mut diag = Diagnostic::new(
            Code::OperatorType,
            format!("`{op}` cannot be applied to `{}`, a `{}` field", field.name, field.ty.name()),
        )
        .primary(op_span, format!("`{op}` applies to {fits}"))
        .secondary(field.span, format!("`{}` declared as `{}` here", field.name, field.ty.name()));
        if matches!(field.ty, FieldType::Enum(_)) && matches!(op, "contains" | "startswith" | "endswith" | "matches") {
            diag = diag.help("compare enum fields with `==` or `in [...]`");
        }
        self.diags.push(diag);
        None
    }

    fn empty_list(&mut self, span: Span) -> Option<()> {
        self.diags
            .push(Diagnostic::new(Code::EmptyList, "empty list of values").primary(span, "nothing to compare with"));
        None
    }

    fn mismatch(field: &Field, lit: &Literal, expected: &str) -> Diagnostic {
        Diagnostic::new(Code::TypeMismatch, format!("expected {expected}, found {}", lit.value.kind()))
            .primary(lit.span, format!("expected {expected}"))
            .secondary(field.span, format!("`{}` declared as `{}` here", field.name, field.ty.name()))
    }

    /// A literal as a constant of the field's type.
    fn scalar(&mut self, field: &Field, lit: &Literal) -> Option<Scalar> {
        match (&field.ty, &lit.value) {
            (FieldType::String, LiteralValue::Str(s)) => Some(Scalar::Str(s.clone())),
            (FieldType::Int, LiteralValue::Int(i)) => {
                self.check_value_in_range(field, *i as f64, lit.span);
                Some(Scalar::Int(*i))
            }
            (FieldType::Float, LiteralValue::Int(_) | LiteralValue::Float(_)) => {
                let n = self.number(field, lit)?.as_f64();
                self.check_value_in_range(field, n, lit.span);
                Some(Scalar::Float(n))
            }
            (FieldType::Bool, LiteralValue::Bool(b)) => Some(Scalar::Bool(*b)),
            (FieldType::Ip, LiteralValue::Ipv4(s) | LiteralValue::Str(s)) => match s.parse::<IpAddr>() {
                Ok(ip) => Some(Scalar::Ip(ip)),
                Err(_) => {
                    self.diags.push(
                        Diagnostic::new(Code::InvalidIp, format!("`{s}` is not an IP address"))
                            .primary(lit.span, address_problem(s))
                            .help(if s.contains('/') {
                                "for a block of addresses use `in cidr`"
                            } else {
                                "write `10.0.0.1` or `\"fd00::1\"`"
                            }),
                    );
                    None
                }
            },
            (FieldType::Enum(values), LiteralValue::Word(w) | LiteralValue::Str(w)) => {
                if let Some(declared) =
                    values.iter().find(|v| v.eq_ignore_ascii_case(w) || v.to_lowercase() == w.to_lowercase())
                {
                    return Some(Scalar::Enum(declared.clone()));
                }
                let suggestion = suggest::closest(w, values.iter().map(String::as_str));
                self.diags.push(
                    Diagnostic::new(Code::UnknownEnumValue, format!("`{w}` is not a value of `{}`", field.name))
                        .primary(lit.span, "not declared in the enum")
                        .secondary(field.span, format!("`{}` declared as `{}` here", field.name, field.ty.name()))
                        .did_you_mean(suggestion),
                );
                None
            }
            (FieldType::String, LiteralValue::Word(w)) => {
                self.diags.push(Self::mismatch(field, lit, "a string").help(format!("quote it: `\"{w}\"`")));
                None
            }
            (FieldType::Timestamp, _) => {
                self.diags.push(
                    Diagnostic::new(
                        Code::OperatorType,
                        format!("`{}` is a `timestamp`; detections cannot compare it with a constant", field.name),
                    )
                    .primary(lit.span, "time is handled by `within` windows")
                    .secondary(field.span, format!("`{}` declared as `timestamp` here", field.name))
                    .help("use `exists`, or a threshold or sequence window"),
                );
                None
            }
            (ty, _) => {
                let expected = match ty {
                    FieldType::String => "a string",
                    FieldType::Int => "an integer",
                    FieldType::Float => "a number",
                    FieldType::Bool => "`true` or `false`",
                    FieldType::Ip => "an IP address",
                    FieldType::Enum(_) => "an enum value",
                    FieldType::Timestamp => "a timestamp",
                };
                self.diags.push(Self::mismatch(field, lit, expected));
                None
            }
        }
    }

    fn number(&mut self, field: &Field, lit: &Literal) -> Option<Number> {
        match (&field.ty, &lit.value) {
            (FieldType::Int, LiteralValue::Int(i)) => Some(Number::Int(*i)),
            (FieldType::Float, LiteralValue::Int(i)) => {
                self.check_exact_as_float(*i, lit.span);
                Some(Number::Int(*i))
            }
            (FieldType::Float, LiteralValue::Float(f)) => Some(Number::Float(*f)),
            (FieldType::Int, LiteralValue::Float(f)) => {
                let diag = Self::mismatch(field, lit, "an integer");
                self.diags.push(if f.fract() == 0.0 {
                    diag.help(format!("write `{f:.0}`"))
                } else {
                    diag.note("an `int` field never holds a fraction")
                });
                None
            }
            _ => {
                self.diags.push(Self::mismatch(field, lit, "a number"));
                None
            }
        }
    }

    fn text(&mut self, field: &Field, lit: &Literal) -> Option<String> {
        match &lit.value {
            LiteralValue::Str(s) if s.is_empty() => {
                self.diags.push(
                    Diagnostic::new(Code::EmptyPattern, "empty text matches every value")
                        .primary(lit.span, "this matches any string")
                        .help(format!("to require the field, write `{} exists`", field.name)),
                );
                None
            }
            LiteralValue::Str(s) => Some(s.clone()),
            _ => {
                self.diags.push(Self::mismatch(field, lit, "a string"));
                None
            }
        }
    }

    fn cidr(&mut self, lit: &Literal) -> Option<IpNet> {
        let text = match &lit.value {
            LiteralValue::Str(s) => s.as_str(),
            LiteralValue::Ipv4(s) => s.as_str(),
            _ => "",
        };
        match text.parse::<IpNet>() {
            Ok(net) if net.trunc() == net => Some(net),
            Ok(net) => {
                self.diags.push(
                    Diagnostic::new(Code::InvalidCidr, format!("`{text}` has host bits set"))
                        .primary(lit.span, "the address is not the start of its block")
                        .help(format!("write `\"{}\"`", net.trunc())),
                );
                None
            }
            Err(_) => {
                let (label, help) = cidr_problem(text);
                self.diags.push(
                    Diagnostic::new(Code::InvalidCidr, format!("`{text}` is not a CIDR block"))
                        .primary(lit.span, label)
                        .help(help),
                );
                None
            }
        }
    }

    /// Validates a regex; returns whether it is case-insensitive.
    fn regex(&mut self, pattern: &str, flags: &str, span: Span) -> Option<bool> {
        if let Some(bad) = flags.chars().find(|c| *c != 'i') {
            self.diags.push(
                Diagnostic::new(Code::InvalidRegex, format!("unknown regular-expression flag `{bad}`"))
                    .primary(span, "the only flag is `i` (case-insensitive)"),
            );
            return None;
        }
        if let Err(err) = regex_syntax::ParserBuilder::new().build().parse(pattern) {
            let unportable = matches!(
                err,
                regex_syntax::Error::Parse(ref e) if matches!(
                    e.kind(),
                    regex_syntax::ast::ErrorKind::UnsupportedLookAround | regex_syntax::ast::ErrorKind::UnsupportedBackreference
                )
            );
            let diag = if unportable {
                Diagnostic::new(Code::UnportableRegex, "look-around and back-references are not portable")
                    .primary(span, "not supported by RE2, Lucene or Elasticsearch")
                    .help("match the surrounding text explicitly, or split the test in two with `and not`")
            } else {
                Diagnostic::new(Code::InvalidRegex, "invalid regular expression")
                    .primary(span, first_line(&err.to_string()))
            };
            self.diags.push(diag);
            return None;
        }
        Some(flags.contains('i'))
    }

    /// Warns when a comparison has the same result for every in-range value.
    fn check_range(&mut self, field: &Field, ord: Ordering, bound: Number, span: Span) {
        let Some((lo, hi)) = field.range else { return };
        let b = bound.as_f64();
        let verdict = match ord {
            Ordering::Lt if b <= lo => Some("never true"),
            Ordering::Lt if b > hi => Some("always true"),
            Ordering::Le if b < lo => Some("never true"),
            Ordering::Le if b >= hi => Some("always true"),
            Ordering::Gt if b >= hi => Some("never true"),
            Ordering::Gt if b < lo => Some("always true"),
            Ordering::Ge if b > hi => Some("never true"),
            Ordering::Ge if b <= lo => Some("always true"),
            _ => None,
        };
        if let Some(verdict) = verdict {
            self.out_of_range(field, verdict, span);
        }
    }

    /// Warns when an equality constant lies outside the declared range.
    /// W0564 when an integer compared with a `float` field has no exact double: it is
    /// compared as the nearest one (`9007199254740993` as `9007199254740992.0`).
    fn check_exact_as_float(&mut self, i: i64, span: Span) {
        let rounded = i as f64;
        // `i64::MAX as f64` is 2^63, which does not convert back to an i64.
        if rounded >= 9_223_372_036_854_775_808.0 || rounded as i64 != i {
            self.diags.push(
                Diagnostic::new(Code::InexactNumber, format!("`{i}` has no exact float value"))
                    .primary(span, format!("compared with a float field as {rounded:?}"))
                    .help(format!("write `{rounded:?}` to say so, or declare the field `int`")),
            );
        }
    }

    fn check_value_in_range(&mut self, field: &Field, value: f64, span: Span) {
        if field.range.is_some_and(|(lo, hi)| value < lo || value > hi) {
            self.out_of_range(field, "never true", span);
        }
    }

    fn out_of_range(&mut self, field: &Field, verdict: &str, span: Span) {
        let Some((lo, hi)) = field.range else { return };
        let unit = field.unit.as_deref().map(|u| format!(" {u}")).unwrap_or_default();
        self.diags.push(
            Diagnostic::new(
                Code::OutOfRange,
                format!("`{}` is declared in {lo}..{hi}{unit}; this test is {verdict}", field.name),
            )
            .primary(span, format!("{verdict} for in-range values"))
            .secondary(field.span, "range declared here"),
        );
    }
}

/// What is wrong with a CIDR block that does not parse, and how to write it.
fn cidr_problem(text: &str) -> (String, String) {
    let example = "write a block as `\"10.0.0.0/8\"` or `\"fd00::/8\"`".to_string();
    let Some((address, prefix)) = text.rsplit_once('/') else {
        return match text.parse::<IpAddr>() {
            Ok(ip) => (
                "an address without a prefix length".into(),
                format!(
                    "give a prefix length: `\"{text}/{}\"`, or compare with `==`",
                    if ip.is_ipv4() { 32 } else { 128 }
                ),
            ),
            Err(_) => (address_problem(text), example),
        };
    };
    let Ok(ip) = address.parse::<IpAddr>() else { return (address_problem(address), example) };
    let (family, bits) = if ip.is_ipv4() { ("IPv4", 32) } else { ("IPv6", 128) };
    match prefix.parse::<u32>() {
        Ok(n) if n > bits => (
            format!("prefix length {n} is longer than an {family} address ({bits} bits)"),
            format!("{family} prefix lengths are 0 to {bits}"),
        ),
        _ => (format!("prefix length `{prefix}` is not a whole number"), example),
    }
}

/// Why a text is not an IP address, in the words of the mistake.
fn address_problem(text: &str) -> String {
    let looks_v4 = !text.is_empty() && text.chars().all(|c| c.is_ascii_digit() || c == '.');
    if !looks_v4 {
        return if text.contains(':') {
            format!("`{text}` is not a valid IPv6 address")
        } else {
            "expected an IPv4 or IPv6 address".to_string()
        };
    }
    let octets: Vec<&str> = text.split('.').collect();
    if octets.len() != 4 {
        return format!("an IPv4 address has 4 numbers; this has {}", octets.len());
    }
    if octets.iter().any(|o| o.is_empty()) {
        return "a number is missing between two dots".to_string();
    }
    if let Some(big) = octets.iter().find(|o| o.parse::<u32>().map_or(true, |n| n > 255)) {
        return format!("`{big}` is out of range: each number of an IPv4 address is 0 to 255");
    }
    if let Some(padded) = octets.iter().find(|o| o.len() > 1 && o.starts_with('0')) {
        return format!("`{padded}` has a leading zero, which some tools read as octal");
    }
    "expected an IPv4 or IPv6 address".to_string()
}

/// All the values, or `None` if any part failed. Callers collect every part
/// first, so each part's errors are reported and one mistake does not hide the next.
fn every<T>(parts: Vec<Option<T>>) -> Option<Vec<T>> {
    parts.into_iter().collect()
}

fn first_line(text: &str) -> String {
    text.lines().rev().find(|l| l.starts_with("error:")).unwrap_or(text.lines().next().unwrap_or("")).to_string()
}

#[cfg(test)]
mod tests {
    use super::{address_problem, cidr_problem};

    #[test]
    fn cidr_problems_say_what_is_wrong() {
        assert!(cidr_problem("10.0.0.0/33").0.contains("longer than an IPv4 address (32 bits)"));
        assert!(cidr_problem("fd00::/129").0.contains("(128 bits)"));
        assert!(cidr_problem("10.40.0.256/16").0.contains("`256` is out of range"));
        assert!(cidr_problem("10.0.0.0/x").0.contains("`x` is not a whole number"));
        assert!(cidr_problem("10.0.0.1").1.contains("10.0.0.1/32"));
        assert!(address_problem("10.0.0").contains("has 3"));
        assert!(address_problem("10..0.1").contains("missing"));
        assert!(address_problem("10.0.0.010").contains("leading zero"));
        assert_eq!(address_problem("host"), "expected an IPv4 or IPv6 address");
    }
}
