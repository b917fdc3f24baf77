//! Canonical conditions: a checked [`Cond`] → one representative of every condition
//! that `eval` cannot tell apart by construction, and its text.
//!
//! Two conditions that differ only in the order of `and`/`or` operands, in the order
//! of `in [...]` lists, in repeated operands or list items, in the case of a value
//! compared case-insensitively, or in a one-item list written as a list, have the same
//! canonical form. Everything else is kept: `>` and `>=` stay apart even where the
//! field is an integer, because the canonical form must never merge two conditions
//! that some event tells apart.
//!
//! Invariants: `eval::matches(&canonical(c), e) == eval::matches(c, e)` for every
//! condition and event (property-tested in `ir/tests.rs`); `canonical` is idempotent;
//! [`text`] is injective on canonical forms (every string is JSON-quoted, every node
//! tagged), so equal texts mean equal conditions.

use super::{normalize, Cond, Number, Ordering, Scalar, Test, TestOp, TextKind};
use crate::schema::FieldType;
use std::fmt::Write;

/// The canonical form of `cond`.
pub fn canonical(cond: &Cond) -> Cond {
    canon(normalize(cond.clone())).0
}

/// The canonical form of `cond` as text: the input of its fingerprint.
pub fn text(cond: &Cond) -> String {
    canon(normalize(cond.clone())).1
}

/// Canonicalises bottom-up, returning each node with its text so that sorting a
/// junction's operands never re-renders a subtree.
fn canon(cond: Cond) -> (Cond, String) {
    match cond {
        Cond::All(parts) => junction(parts, true),
        Cond::Any(parts) => junction(parts, false),
        Cond::Not(inner) => match canon(*inner) {
            // Dedup can turn `not (not a or not a)` into `not not a`.
            (Cond::Not(twice), _) => canon(*twice),
            (inner, text) => (Cond::Not(Box::new(inner)), format!("(not {text})")),
        },
        Cond::Test(test) => {
            let test = canonical_test(test);
            let text = test_text(&test);
            (Cond::Test(test), text)
        }
    }
}

fn junction(parts: Vec<Cond>, all: bool) -> (Cond, String) {
    let mut operands: Vec<(Cond, String)> = Vec::with_capacity(parts.len());
    for part in parts {
        match canon(part) {
            // Canonicalising an operand can expose a junction of the same kind
            // (`(a or a) and b` → `a and b` only after dedup); flatten it here.
            (Cond::All(inner), _) if all => operands.extend(inner.into_iter().map(canon)),
            (Cond::Any(inner), _) if !all => operands.extend(inner.into_iter().map(canon)),
            other => operands.push(other),
        }
    }
    operands.sort_by(|a, b| a.1.cmp(&b.1));
    operands.dedup_by(|a, b| a.1 == b.1);
    if operands.len() == 1 {
        if let Some(only) = operands.pop() {
            return only;
        }
    }
    let tag = if all { "all" } else { "any" };
    let text = format!("({tag}{})", operands.iter().map(|(_, t)| format!(" {t}")).collect::<String>());
    let conds = operands.into_iter().map(|(c, _)| c).collect();
    (if all { Cond::All(conds) } else { Cond::Any(conds) }, text)
}

fn canonical_test(test: Test) -> Test {
    let Test { field, ty, cased, op, span } = test;
    let fold = |value: String| if cased { value } else { fold_case(value) };
    let op = match op {
        TestOp::Eq(scalar) => TestOp::Eq(canonical_scalar(scalar, cased)),
        TestOp::OneOf(values) => {
            let mut values: Vec<Scalar> = values.into_iter().map(|v| canonical_scalar(v, cased)).collect();
            values.sort_by_key(scalar_text);
            values.dedup_by(|a, b| scalar_text(a) == scalar_text(b));
            match <[Scalar; 1]>::try_from(values) {
                Ok([one]) => TestOp::Eq(one),
                Err(values) => TestOp::OneOf(values),
            }
        }
        TestOp::Cmp(ordering, number) => TestOp::Cmp(ordering, canonical_number(number)),
        TestOp::Text { kind, values, all } => {
            let mut values: Vec<String> = values.into_iter().map(fold).collect();
            values.sort();
            values.dedup();
            // With one value, "any" and "all" are the same test.
            let all = all && values.len() > 1;
            TestOp::Text { kind, values, all }
        }
        regex @ TestOp::Regex { .. } => regex,
        TestOp::Cidr(blocks) => {
            // A block matches by its network part only, so `10.1.2.3/8` is `10.0.0.0/8`.
            let mut blocks: Vec<_> = blocks.into_iter().map(|b| b.trunc()).collect();
            blocks.sort();
            blocks.dedup();
            TestOp::Cidr(blocks)
        }
        TestOp::Exists => TestOp::Exists,
    };
    Test { field, ty, cased, op, span }
}

fn canonical_scalar(scalar: Scalar, cased: bool) -> Scalar {
    match scalar {
        Scalar::Str(s) if !cased => Scalar::Str(fold_case(s)),
        Scalar::Enum(s) if !cased => Scalar::Enum(fold_case(s)),
        Scalar::Float(f) => Scalar::Float(canonical_float(f)),
        other => other,
    }
}

fn canonical_number(number: Number) -> Number {
    match number {
        Number::Float(f) => Number::Float(canonical_float(f)),
        int => int,
    }
}

/// `-0.0` and `0.0` compare equal, so they are one constant.
fn canonical_float(f: f64) -> f64 {
    if f == 0.0 {
        0.0
    } else {
        f
    }
}

/// A case-insensitive value lower-cased, when that cannot change what it matches:
/// `eval` lower-cases both sides, so `v` and `lower(v)` match the same values as long
/// as lower-casing `lower(v)` again gives `lower(v)` (true of all but a few
/// characters, which are then kept as written).
fn fold_case(value: String) -> String {
    let lower = value.to_lowercase();
    if lower.to_lowercase() == lower {
        lower
    } else {
        value
    }
}

fn test_text(test: &Test) -> String {
    let Test { field, ty, cased, op, span: _ } = test;
    let mut out = format!("(test {} {}", quote(field), type_text(ty));
    if *cased {
        out.push_str(" cased");
    }
    match op {
        TestOp::Eq(scalar) => {
            let _ = write!(out, " (eq {})", scalar_text(scalar));
        }
        TestOp::OneOf(values) => {
            let _ = write!(out, " (in{})", values.iter().map(|v| format!(" {}", scalar_text(v))).collect::<String>());
        }
        TestOp::Cmp(ordering, number) => {
            let ord = match ordering {
                Ordering::Lt => "lt",
                Ordering::Le => "le",
                Ordering::Gt => "gt",
                Ordering::Ge => "ge",
            };
            let _ = write!(out, " ({ord} {})", number_text(*number));
        }
        TestOp::Text { kind, values, all } => {
            let kind = match kind {
                TextKind::Contains => "contains",
                TextKind::StartsWith => "startswith",
                TextKind::EndsWith => "endswith",
            };
            let quantifier = if *all { "all" } else { "any" };
            let values: String = values.iter().map(|v| format!(" {}", quote(v))).collect();
            let _ = write!(out, " ({kind} {quantifier}{values})");
        }
        TestOp::Regex { pattern, case_insensitive } => {
            let flag = if *case_insensitive { " i" } else { "" };
            let _ = write!(out, " (regex {}{flag})", quote(pattern));
        }
        TestOp::Cidr(blocks) => {
            let _ = write!(
                out,
                " (cidr{})",
                blocks.iter().map(|b| format!(" {}", quote(&b.to_string()))).collect::<String>()
            );
        }
        TestOp::Exists => out.push_str(" (exists)"),
    }
    out.push(')');
    out
}

/// A field's type as `eval` reads it: an enum's declared values never change what a
/// test on it matches (values are compared as text), so they are left out.
fn type_text(ty: &FieldType) -> &'static str {
    match ty {
        FieldType::String => "string",
        FieldType::Int => "int",
        FieldType::Float => "float",
        FieldType::Bool => "bool",
        FieldType::Ip => "ip",
        FieldType::Timestamp => "timestamp",
        FieldType::Enum(_) => "enum",
    }
}

fn scalar_text(scalar: &Scalar) -> String {
    match scalar {
        Scalar::Str(s) => format!("(str {})", quote(s)),
        Scalar::Int(i) => format!("(int {i})"),
        Scalar::Float(f) => format!("(float {f:?})"),
        Scalar::Bool(b) => format!("(bool {b})"),
        Scalar::Ip(ip) => format!("(ip {})", quote(&ip.to_string())),
        Scalar::Enum(s) => format!("(enum {})", quote(s)),
    }
}

fn number_text(number: Number) -> String {
    match number {
        Number::Int(i) => format!("(int {i})"),
        Number::Float(f) => format!("(float {f:?})"),
    }
}

/// A JSON string literal: unambiguous whatever the text holds.
pub(crate) fn quote(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Span;

    fn test(field: &str, ty: FieldType, cased: bool, op: TestOp) -> Cond {
        Cond::Test(Test { field: field.into(), ty, cased, op, span: Span::default() })
    }

    fn eq(field: &str, value: &str) -> Cond {
        test(field, FieldType::String, false, TestOp::Eq(Scalar::Str(value.into())))
    }

    fn gt(field: &str, n: i64) -> Cond {
        test(field, FieldType::Int, false, TestOp::Cmp(Ordering::Gt, Number::Int(n)))
    }

    #[test]
    fn operand_and_list_order_do_not_matter() {
        let a = Cond::Any(vec![eq("user", "root"), gt("n", 5), Cond::All(vec![eq("x", "1"), eq("y", "2")])]);
        let b = Cond::Any(vec![Cond::All(vec![eq("y", "2"), eq("x", "1")]), gt("n", 5), eq("user", "root")]);
        assert_eq!(text(&a), text(&b));
        let list = |values: &[&str]| {
            let values = values.iter().map(|v| Scalar::Str(v.to_string())).collect();
            test("user", FieldType::String, false, TestOp::OneOf(values))
        };
        assert_eq!(text(&list(&["b", "a", "b"])), text(&list(&["a", "b"])));
        assert_eq!(text(&list(&["a"])), text(&eq("user", "a")));
    }

    #[test]
    fn case_is_folded_only_where_eval_ignores_it() {
        assert_eq!(text(&eq("user", "Admin")), text(&eq("user", "admin")));
        let cased = |v: &str| test("user", FieldType::String, true, TestOp::Eq(Scalar::Str(v.into())));
        assert_ne!(text(&cased("Admin")), text(&cased("admin")));
    }

    #[test]
    fn changes_of_meaning_change_the_text() {
        let ge = test("n", FieldType::Int, false, TestOp::Cmp(Ordering::Ge, Number::Int(5)));
        assert_ne!(text(&gt("n", 5)), text(&ge));
        assert_ne!(text(&gt("n", 5)), text(&gt("n", 6)));
        assert_ne!(
            text(&Cond::Any(vec![eq("a", "1"), eq("b", "1")])),
            text(&Cond::All(vec![eq("a", "1"), eq("b", "1")]))
        );
        assert_ne!(text(&eq("a", "1")), text(&Cond::Not(Box::new(eq("a", "1")))));
    }

    #[test]
    fn dedup_that_exposes_a_junction_flattens_it() {
        let ab = Cond::All(vec![eq("a", "1"), eq("b", "1")]);
        let nested = Cond::All(vec![Cond::Any(vec![ab.clone(), ab.clone()]), eq("c", "1")]);
        let flat = Cond::All(vec![eq("a", "1"), eq("b", "1"), eq("c", "1")]);
        assert_eq!(canonical(&nested), canonical(&flat));
        assert_eq!(text(&nested), text(&flat));
    }

    #[test]
    fn canonical_is_idempotent() {
        let c = Cond::Not(Box::new(Cond::Any(vec![gt("n", 1), eq("s", "X"), eq("s", "x")])));
        let once = canonical(&c);
        assert_eq!(canonical(&once), once);
        assert_eq!(text(&once), text(&c));
    }
}
