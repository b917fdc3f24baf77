//! A condition → Sigma `detection`: one selection per test, and the boolean
//! structure as the `condition` string (printed by the shared infix printer).
//!
//! Invariants: selections are named `sel1`, `sel2`, ... in the order of the tests,
//! so output is stable; a test on a missing field is false in Sigma as in
//! `ir::eval`, and `not sel` is plain boolean negation, so `!=` and `not in` are
//! emitted as `not` over the positive selection.

use super::escape::escape;
use crate::infix::{self, Spelling};
use crate::reprint::{self, Flavour};
use crate::settings::SigmaSettings;
use scalpel_compiler::diag::{Code, Diagnostic};
use scalpel_compiler::ir::{Cond, Number, Ordering, Scalar, Test, TestOp, TextKind};
use scalpel_compiler::schema::FieldType;
use serde_norway::{Mapping, Value};

const SPELLING: Spelling = Spelling { and: "and", or: "or", not: "not", group_nested: false };

/// The `detection` mapping of a rule.
pub fn detection(cond: &Cond, settings: &SigmaSettings) -> Mapping {
    let mut selections = Mapping::new();
    let condition = infix::print(cond, SPELLING, &mut |test| {
        let name = format!("sel{}", selections.len() + 1);
        let (key, value) = selection(test, settings);
        let mut selection = Mapping::new();
        selection.insert(Value::String(key), value);
        selections.insert(Value::String(name.clone()), Value::Mapping(selection));
        name
    });
    selections.insert("condition".into(), Value::String(condition));
    selections
}

/// One test → the field key with its modifiers, and the value(s).
fn selection(test: &Test, settings: &SigmaSettings) -> (String, Value) {
    let field = settings.field(&test.field);
    let cased = if test.cased { "|cased" } else { "" };
    match &test.op {
        TestOp::Eq(scalar) => scalar_selection(field, cased, &test.ty, std::slice::from_ref(scalar)),
        TestOp::OneOf(scalars) => scalar_selection(field, cased, &test.ty, scalars),
        TestOp::Cmp(ord, bound) => {
            let modifier = match ord {
                Ordering::Lt => "lt",
                Ordering::Le => "lte",
                Ordering::Gt => "gt",
                Ordering::Ge => "gte",
            };
            let value = match bound {
                Number::Int(i) => number(*i, &test.ty),
                Number::Float(f) => float(*f, &test.ty),
            };
            (format!("{field}|{modifier}"), value)
        }
        TestOp::Text { kind, values, all } => {
            let modifier = match kind {
                TextKind::Contains => "contains",
                TextKind::StartsWith => "startswith",
                TextKind::EndsWith => "endswith",
            };
            let all = if *all && values.len() > 1 { "|all" } else { "" };
            let values: Vec<Value> = values.iter().map(|v| Value::String(escape(v))).collect();
            (format!("{field}|{modifier}{all}{cased}"), one_or_list(values))
        }
        TestOp::Regex { pattern, case_insensitive } => {
            let (pattern, case_insensitive) = sigma_regex(pattern, *case_insensitive);
            let flag = if case_insensitive { "|i" } else { "" };
            (format!("{field}|re{flag}"), Value::String(pattern))
        }
        TestOp::Cidr(blocks) => {
            (format!("{field}|cidr"), one_or_list(blocks.iter().map(|b| Value::String(b.to_string())).collect()))
        }
        TestOp::Exists => (format!("{field}|exists"), Value::Bool(true)),
    }
}

/// A detection's regex as Sigma's consumers read it with `ir::eval`'s meaning
/// ([`reprint`], Sigma flavour), and whether it needs the `|i` modifier: case
/// folding is left to the modifier, which every backend maps to its own flag, unless
/// the pattern sets flags inline and folding is written into its classes.
pub fn sigma_regex(pattern: &str, case_insensitive: bool) -> (String, bool) {
    let printed = reprint::reprint(pattern, case_insensitive, Flavour::Sigma).map(|r| r.pattern);
    let printed = printed.unwrap_or_else(|| pattern.to_string());
    match printed.strip_prefix("(?i)") {
        Some(rest) if case_insensitive => (rest.to_string(), true),
        _ => (printed, false),
    }
}

/// W0507 for each case-insensitive test with non-ASCII letters: Sigma leaves case
/// folding to its consumers, which fold such letters each their own way (sigma-rust,
/// PCRE's `(?i)`, a SIEM's own), where Scalpel lower-cases the whole value.
pub fn case_folding_warnings(cond: &Cond) -> Vec<Diagnostic> {
    cond.tests()
        .into_iter()
        .filter(|t| crate::splunk::condition::folds_non_ascii(t))
        .map(|t| {
            Diagnostic::new(Code::TargetCaseFolding, "sigma consumers fold non-ASCII letters their own way")
                .primary(t.span, "case-insensitive test with non-ASCII letters")
        })
        .collect()
}

/// W0509 (W0561 for `$`) for each regex whose reprint for Sigma's consumers is not
/// exact, W0563 for each one PCRE consumers can backtrack exponentially on.
pub fn regex_warnings(cond: &Cond) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    for test in cond.tests() {
        if let TestOp::Regex { pattern, case_insensitive } = &test.op {
            diags.extend(crate::backtracking::warning(crate::Target::Sigma, test, pattern, *case_insensitive));
            let inexact = reprint::reprint(pattern, *case_insensitive, Flavour::Sigma)
                .map_or(vec!["a pattern the regex parser no longer reads"], |r| r.inexact);
            for reason in inexact {
                diags.push(if reason == reprint::SIGMA_END_ANCHOR {
                    Diagnostic::new(Code::SigmaEndAnchor, "sigma's `$` also matches before a final newline")
                        .primary(test.span, reason)
                        .note("see `scalpel explain W0561`")
                } else {
                    Diagnostic::new(Code::TargetRegex, "sigma (PCRE) reads this regular expression differently")
                        .primary(test.span, reason)
                        .note("see `scalpel explain W0509`")
                });
            }
        }
    }
    diags
}

/// Equality with one or more constants. IP addresses compare by value, which Sigma
/// expresses as membership of a one-address block.
fn scalar_selection(field: &str, cased: &str, ty: &FieldType, scalars: &[Scalar]) -> (String, Value) {
    let is_ip = scalars.iter().all(|s| matches!(s, Scalar::Ip(_)));
    let values: Vec<Value> = scalars
        .iter()
        .map(|scalar| match scalar {
            Scalar::Str(s) | Scalar::Enum(s) => Value::String(escape(s)),
            Scalar::Int(i) => number(*i, ty),
            Scalar::Float(f) => float(*f, ty),
            Scalar::Bool(b) => Value::Bool(*b),
            Scalar::Ip(ip) => {
                let bits = if ip.is_ipv4() { 32 } else { 128 };
                Value::String(format!("{ip}/{bits}"))
            }
        })
        .collect();
    let key = if is_ip { format!("{field}|cidr") } else { format!("{field}{cased}") };
    (key, one_or_list(values))
}

/// An integer constant in the JSON type of the field it is compared with: engines
/// with strict types (sigma-rust) never find `80` in a float field holding `80.0`.
/// An integer a double cannot hold stays an integer (W0563 says where that matters).
fn number(i: i64, ty: &FieldType) -> Value {
    let as_float = i as f64;
    if *ty == FieldType::Float && as_float.abs() < 9_007_199_254_740_992.0 {
        Value::from(as_float)
    } else {
        Value::from(i)
    }
}

/// A float constant, written as an integer when the field is an `int` and the value
/// a whole number an `i64` holds exactly (`== 70.0` on an int field means `== 70`).
fn float(f: f64, ty: &FieldType) -> Value {
    if *ty == FieldType::Int && f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0 {
        Value::from(f as i64)
    } else {
        Value::from(f)
    }
}

fn one_or_list(mut values: Vec<Value>) -> Value {
    if values.len() == 1 {
        values.remove(0)
    } else {
        Value::Sequence(values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value_of(ty: FieldType, op: TestOp) -> Value {
        let test = Test { field: "f".into(), ty, cased: false, op, span: Default::default() };
        selection(&test, &SigmaSettings::default()).1
    }

    #[test]
    fn constants_take_the_json_type_of_their_field() {
        assert_eq!(value_of(FieldType::Float, TestOp::Eq(Scalar::Int(80))), Value::from(80.0));
        assert_eq!(value_of(FieldType::Float, TestOp::Cmp(Ordering::Gt, Number::Int(5))), Value::from(5.0));
        assert_eq!(value_of(FieldType::Int, TestOp::Eq(Scalar::Float(70.0))), Value::from(70));
        assert_eq!(value_of(FieldType::Int, TestOp::Eq(Scalar::Float(70.5))), Value::from(70.5));
        assert_eq!(value_of(FieldType::Int, TestOp::Eq(Scalar::Int(i64::MAX))), Value::from(i64::MAX));
        let huge = value_of(FieldType::Float, TestOp::Eq(Scalar::Int(9_007_199_254_740_993)));
        assert_eq!(huge, Value::from(9_007_199_254_740_993_i64), "not rounded to a double");
    }
}
