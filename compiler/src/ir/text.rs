//! IR tests, conditions and thresholds → `.det` text, as an author would write them: for
//! labels of generated events, the coverage report and the semantic diff.
//!
//! Invariant: the text of a checked condition parses back to the same IR (same operators, parentheses where
//! precedence needs them: `or` is loosest, then `and`, then `not`); `!=`, `not in`
//! and `not in cidr` are printed for a negated `==`, `in` and `in cidr`, as `sema`
//! lowers them.

use super::{Cond, Number, Scalar, Test, TestOp, TextKind, Threshold};
use crate::syntax::literal::quote;

/// A condition as it would be written after `detect`.
pub fn condition(cond: &Cond) -> String {
    expr(cond, Precedence::Or)
}

/// A threshold as it would be written after `threshold`: `count >= 21 within 1m by device.id`.
pub fn threshold(threshold: &Threshold) -> String {
    let aggregate = match &threshold.distinct {
        Some(field) => format!("distinct {field}"),
        None => "count".to_string(),
    };
    let by =
        if threshold.group_by.is_empty() { String::new() } else { format!(" by {}", threshold.group_by.join(", ")) };
    format!("{aggregate} >= {} within {}{by}", threshold.min, duration(threshold.window_ms))
}

/// A window in the largest unit that divides it: `90s`, `30m`, `1500ms`.
pub fn duration(ms: u64) -> String {
    [(86_400_000, "d"), (3_600_000, "h"), (60_000, "m"), (1_000, "s")]
        .iter()
        .find(|(size, _)| ms.is_multiple_of(*size) && ms > 0)
        .map_or_else(|| format!("{ms}ms"), |(size, unit)| format!("{}{unit}", ms / size))
}

#[derive(Clone, Copy, PartialEq, PartialOrd)]
enum Precedence {
    Or,
    And,
    Not,
}

fn expr(cond: &Cond, context: Precedence) -> String {
    let (text, own) = match cond {
        // Empty junctions cannot be written in `.det` and never come from `sema`.
        Cond::Any(parts) if parts.is_empty() => return "false".to_string(),
        Cond::All(parts) if parts.is_empty() => return "true".to_string(),
        Cond::Any(parts) => (join(parts, " or ", Precedence::And), Precedence::Or),
        Cond::All(parts) => (join(parts, " and ", Precedence::Not), Precedence::And),
        Cond::Not(inner) => match inner.as_ref() {
            Cond::Test(test) => (negated_test(test), Precedence::Not),
            other => (format!("not {}", expr(other, Precedence::Not)), Precedence::Not),
        },
        Cond::Test(one) => (test(one), Precedence::Not),
    };
    if own < context {
        format!("({text})")
    } else {
        text
    }
}

fn join(parts: &[Cond], connective: &str, operand: Precedence) -> String {
    parts.iter().map(|p| expr(p, operand)).collect::<Vec<_>>().join(connective)
}

fn negated_test(one: &Test) -> String {
    let field = &one.field;
    let cased = if one.cased { "cased " } else { "" };
    match &one.op {
        TestOp::Eq(value) => format!("{field} {cased}!= {}", scalar(value)),
        TestOp::OneOf(values) => format!("{field} {cased}not in {}", list(values.iter().map(scalar))),
        TestOp::Cidr(blocks) => format!("{field} not in cidr {}", list(blocks.iter().map(|b| quote(&b.to_string())))),
        _ => format!("not {}", test(one)),
    }
}

/// One test, as written in a condition.
pub fn test(test: &Test) -> String {
    let field = &test.field;
    let cased = if test.cased { "cased " } else { "" };
    match &test.op {
        TestOp::Eq(value) => format!("{field} {cased}== {}", scalar(value)),
        TestOp::OneOf(values) => format!("{field} {cased}in {}", list(values.iter().map(scalar))),
        TestOp::Cmp(ordering, number) => format!("{field} {} {}", ordering.as_str(), number_text(*number)),
        TestOp::Text { kind, values, all } => {
            let op = match kind {
                TextKind::Contains => "contains",
                TextKind::StartsWith => "startswith",
                TextKind::EndsWith => "endswith",
            };
            let quantifier = if *all { "all " } else { "" };
            match values.as_slice() {
                [one] => format!("{field} {cased}{op} {}", quote(one)),
                _ => format!("{field} {cased}{op} {quantifier}{}", list(values.iter().map(|v| quote(v)))),
            }
        }
        TestOp::Regex { pattern, case_insensitive } => {
            let flag = if *case_insensitive { "i" } else { "" };
            format!("{field} matches /{}/{flag}", pattern.replace('/', "\\/"))
        }
        TestOp::Cidr(blocks) => match blocks.as_slice() {
            [one] => format!("{field} in cidr {}", quote(&one.to_string())),
            _ => format!("{field} in cidr {}", list(blocks.iter().map(|b| quote(&b.to_string())))),
        },
        TestOp::Exists => format!("{field} exists"),
    }
}

fn list(items: impl Iterator<Item = String>) -> String {
    format!("[{}]", items.collect::<Vec<_>>().join(", "))
}

fn scalar(value: &Scalar) -> String {
    match value {
        Scalar::Str(s) => quote(s),
        Scalar::Int(i) => i.to_string(),
        Scalar::Float(f) => number_text(Number::Float(*f)),
        Scalar::Bool(b) => b.to_string(),
        Scalar::Ip(ip) => match ip {
            std::net::IpAddr::V4(v4) => v4.to_string(),
            std::net::IpAddr::V6(v6) => quote(&v6.to_string()),
        },
        Scalar::Enum(s) if is_ident(s) => s.clone(),
        Scalar::Enum(s) => quote(s),
    }
}

fn number_text(number: Number) -> String {
    match number {
        Number::Int(i) => i.to_string(),
        // `{:?}` keeps a fractional part (`2.0`) so the value reads back as a float.
        Number::Float(f) => format!("{f:?}"),
    }
}

fn is_ident(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{Number, Ordering};
    use crate::schema::FieldType;
    use crate::source::Span;

    fn t(field: &str, op: TestOp) -> Cond {
        Cond::Test(Test { field: field.into(), ty: FieldType::Int, cased: false, op, span: Span::default() })
    }

    #[test]
    fn conditions_print_with_the_parentheses_they_need() {
        let gt = t("hr", TestOp::Cmp(Ordering::Gt, Number::Int(250)));
        let eq = t("kind", TestOp::Eq(Scalar::Enum("ecg".into())));
        let ne = Cond::Not(Box::new(t("ok", TestOp::Eq(Scalar::Bool(true)))));
        let either = Cond::Any(vec![gt.clone(), eq.clone()]);
        assert_eq!(condition(&Cond::All(vec![either.clone(), ne.clone()])), "(hr > 250 or kind == ecg) and ok != true");
        assert_eq!(condition(&Cond::Any(vec![Cond::All(vec![gt, eq]), ne])), "hr > 250 and kind == ecg or ok != true");
        assert_eq!(condition(&Cond::Not(Box::new(either))), "not (hr > 250 or kind == ecg)");
    }
}
