//! A condition → one KQL `where` expression that means what `ir::eval` says.
//!
//! - text: `=~`, `in~`, `contains`, `startswith`, `endswith` (case-insensitive) or
//!   their `==`, `in`, `_cs` forms for `cased`; never `has` (term-based, not a
//!   substring test); regexes via [`super::regex`] as `matches regex`, unanchored
//!   (both search);
//! - numbers compare as `long`/`real`; IPs by value with `ipv4_is_match`,
//!   `ipv4_is_in_any_range` and their IPv6 forms (guarded by `contains ":"`, as an
//!   IPv4 address is never inside an IPv6 block);
//! - missing fields: a string column reads `""` when missing, so a test that would
//!   hold on `""` is guarded with `isnotempty`; other columns read `null`, and a
//!   comparison with `null` is `null`, which `not` keeps `null`. Kusto's `and`/`or`
//!   are three-valued (Kleene), so `null` acts as false outside a `not`; inside one,
//!   each test is made two-valued (`isnotnull(c) and …`, `coalesce(…, false)`) so
//!   that `not` is boolean, as `ir::eval` says.

use super::escape::{column_ref, quote};
use crate::infix::{self, Spelling};
use crate::reprint::{reprint, Flavour};
use scalpel_compiler::ir::{eval, Cond, Number, Scalar, Test, TestOp, TextKind};
use scalpel_compiler::schema::FieldType;
use std::net::IpAddr;

const SPELLING: Spelling = Spelling { and: "and", or: "or", not: "not", group_nested: false };

/// What a test cannot say exactly in KQL, for the caller's diagnostics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gap {
    /// Compares with the empty string, which Log Analytics stores as missing.
    EmptyString,
    /// A regex construct RE2 reads differently (the reason).
    Regex(&'static str),
}

/// The `where` expression of `cond`; `column` maps a field to its column name.
/// Returns the gaps of each test (with the test) as well.
pub fn condition<'a>(cond: &'a Cond, column: &dyn Fn(&str) -> String) -> (String, Vec<(&'a Test, Gap)>) {
    let mut under_not: Vec<*const Test> = Vec::new();
    let mut directly_under_not: Vec<*const Test> = Vec::new();
    negated_tests(cond, false, &mut under_not, &mut directly_under_not);
    let mut gaps: Vec<(*const Test, Gap)> = Vec::new();
    let text = infix::print(cond, SPELLING, &mut |test| {
        let ptr: *const Test = test;
        let mut printed = test_expr(test, &column(&test.field), under_not.contains(&ptr));
        gaps.extend(printed.gaps.drain(..).map(|g| (ptr, g)));
        if directly_under_not.contains(&ptr) && !printed.text.starts_with('(') {
            // `not` is a function in KQL: its operand needs parentheses.
            format!("({})", printed.text)
        } else {
            printed.text
        }
    });
    let tests = cond.tests();
    let gaps = gaps
        .into_iter()
        .filter_map(|(ptr, gap)| tests.iter().find(|t| std::ptr::eq(**t, ptr)).map(|t| (*t, gap)))
        .collect();
    (text, gaps)
}

fn negated_tests(cond: &Cond, negated: bool, under: &mut Vec<*const Test>, directly: &mut Vec<*const Test>) {
    match cond {
        Cond::All(parts) | Cond::Any(parts) => parts.iter().for_each(|p| negated_tests(p, negated, under, directly)),
        Cond::Not(inner) => {
            if let Cond::Test(test) = inner.as_ref() {
                directly.push(test);
            }
            negated_tests(inner, true, under, directly);
        }
        Cond::Test(test) if negated => under.push(test),
        Cond::Test(_) => {}
    }
}

struct Printed {
    text: String,
    gaps: Vec<Gap>,
}

/// One test. `two_valued` asks for an expression that is never `null`.
fn test_expr(test: &Test, column: &str, two_valued: bool) -> Printed {
    let c = column_ref(column);
    let mut gaps = Vec::new();
    // Whether the bare expression may be true on a missing string (`""`).
    let mut true_on_empty = false;
    // Whether the bare expression may be `null` (a missing non-string column, or
    // an IP function on a non-address).
    let nullable = !matches!(test.ty, FieldType::String | FieldType::Enum(_) | FieldType::Ip);
    let mut ip_function = false;
    let text = match &test.op {
        TestOp::Exists => {
            let f = if nullable { "isnotnull" } else { "isnotempty" };
            return Printed { text: format!("{f}({c})"), gaps };
        }
        TestOp::Eq(Scalar::Str(s) | Scalar::Enum(s)) => {
            true_on_empty = s.is_empty();
            format!("{c} {} {}", if test.cased { "==" } else { "=~" }, quote(s))
        }
        TestOp::OneOf(scalars) if scalars.iter().all(|s| matches!(s, Scalar::Str(_) | Scalar::Enum(_))) => {
            let values: Vec<String> = scalars
                .iter()
                .map(|s| match s {
                    Scalar::Str(v) | Scalar::Enum(v) => {
                        true_on_empty |= v.is_empty();
                        quote(v)
                    }
                    _ => unreachable!("filtered to text above"),
                })
                .collect();
            format!("{c} {} ({})", if test.cased { "in" } else { "in~" }, values.join(", "))
        }
        TestOp::OneOf(scalars) if scalars.iter().all(|s| matches!(s, Scalar::Int(_) | Scalar::Float(_))) => {
            let values: Vec<String> = scalars.iter().map(scalar_number).collect();
            format!("{c} in ({})", values.join(", "))
        }
        TestOp::Eq(scalar) => scalar_eq(&c, scalar, &mut ip_function),
        TestOp::OneOf(scalars) => {
            any_of(&scalars.iter().map(|s| scalar_eq(&c, s, &mut ip_function)).collect::<Vec<_>>())
        }
        TestOp::Cmp(ord, bound) => format!("{c} {} {}", ord.as_str(), number(*bound)),
        TestOp::Text { kind, values, all } => {
            let op = match kind {
                TextKind::Contains => "contains",
                TextKind::StartsWith => "startswith",
                TextKind::EndsWith => "endswith",
            };
            let suffix = if test.cased { "_cs" } else { "" };
            let terms: Vec<String> = values.iter().map(|v| format!("{c} {op}{suffix} {}", quote(v))).collect();
            if *all {
                group(&terms, " and ")
            } else {
                any_of(&terms)
            }
        }
        TestOp::Regex { pattern, case_insensitive } => {
            true_on_empty = eval::regex_search(pattern, *case_insensitive, "");
            match reprint(pattern, *case_insensitive, Flavour::Re2) {
                Some(re2) => {
                    gaps.extend(re2.inexact.into_iter().map(Gap::Regex));
                    format!("{c} matches regex {}", quote(&re2.pattern))
                }
                None => {
                    gaps.push(Gap::Regex("a pattern the regex parser no longer reads"));
                    format!("{c} matches regex {}", quote(pattern))
                }
            }
        }
        TestOp::Cidr(blocks) => {
            ip_function = true;
            let list = |v4: bool| {
                let quoted: Vec<String> =
                    blocks.iter().filter(|b| b.addr().is_ipv4() == v4).map(|b| quote(&b.to_string())).collect();
                quoted.join(", ")
            };
            let (v4, v6) = (list(true), list(false));
            let mut terms = Vec::new();
            if !v4.is_empty() {
                terms.push(format!("ipv4_is_in_any_range({c}, {v4})"));
            }
            if !v6.is_empty() {
                terms.push(format!("({c} contains \":\" and ipv6_is_in_any_range({c}, {v6}))"));
            }
            any_of(&terms)
        }
    };
    if true_on_empty && matches!(test.op, TestOp::Eq(_) | TestOp::OneOf(_)) {
        gaps.push(Gap::EmptyString);
    }
    let text = if true_on_empty {
        format!("(isnotempty({c}) and {text})")
    } else if two_valued && ip_function {
        format!("coalesce({text}, false)")
    } else if two_valued && nullable {
        format!("(isnotnull({c}) and {text})")
    } else {
        text
    };
    Printed { text, gaps }
}

/// Equality with one non-text constant.
fn scalar_eq(c: &str, scalar: &Scalar, ip_function: &mut bool) -> String {
    match scalar {
        Scalar::Str(s) | Scalar::Enum(s) => format!("{c} =~ {}", quote(s)),
        Scalar::Int(_) | Scalar::Float(_) => format!("{c} == {}", scalar_number(scalar)),
        Scalar::Bool(b) => format!("{c} == {b}"),
        Scalar::Ip(IpAddr::V4(ip)) => {
            *ip_function = true;
            format!("ipv4_is_match({c}, {})", quote(&ip.to_string()))
        }
        Scalar::Ip(IpAddr::V6(ip)) => {
            *ip_function = true;
            format!("({c} contains \":\" and ipv6_is_match({c}, {}))", quote(&ip.to_string()))
        }
    }
}

fn scalar_number(scalar: &Scalar) -> String {
    match scalar {
        Scalar::Int(i) => number(Number::Int(*i)),
        Scalar::Float(f) => number(Number::Float(*f)),
        _ => String::new(),
    }
}

/// A `long` or `real` literal: floats always with a decimal point or exponent.
pub fn number(n: Number) -> String {
    match n {
        Number::Int(i) => i.to_string(),
        Number::Float(f) => format!("{f:?}"),
    }
}

fn any_of(terms: &[String]) -> String {
    group(terms, " or ")
}

fn group(terms: &[String], connective: &str) -> String {
    match terms {
        [one] => one.clone(),
        _ => format!("({})", terms.join(connective)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use scalpel_compiler::ir::Ordering;

    fn test(ty: FieldType, cased: bool, op: TestOp) -> Cond {
        Cond::Test(Test { field: "f.x".into(), ty, cased, op, span: Default::default() })
    }

    fn kql(cond: &Cond) -> String {
        condition(cond, &|f| f.replace('.', "_")).0
    }

    fn not(cond: Cond) -> Cond {
        Cond::Not(Box::new(cond))
    }

    fn s(v: &str) -> Scalar {
        Scalar::Str(v.into())
    }

    #[test]
    fn text_operators() {
        assert_eq!(kql(&test(FieldType::String, false, TestOp::Eq(s("Ab\"c")))), r#"f_x =~ "Ab\"c""#);
        assert_eq!(kql(&test(FieldType::String, true, TestOp::Eq(s("A")))), r#"f_x == "A""#);
        assert_eq!(kql(&test(FieldType::String, false, TestOp::OneOf(vec![s("a"), s("b")]))), r#"f_x in~ ("a", "b")"#);
        assert_eq!(kql(&test(FieldType::String, true, TestOp::OneOf(vec![s("a")]))), r#"f_x in ("a")"#);
        let contains = TestOp::Text { kind: TextKind::Contains, values: vec!["x".into(), "y".into()], all: true };
        assert_eq!(kql(&test(FieldType::String, false, contains)), r#"(f_x contains "x" and f_x contains "y")"#);
        let starts = TestOp::Text { kind: TextKind::StartsWith, values: vec!["v0.".into()], all: false };
        assert_eq!(kql(&test(FieldType::String, true, starts)), r#"f_x startswith_cs "v0.""#);
        let ends = TestOp::Text { kind: TextKind::EndsWith, values: vec!["a".into(), "b".into()], all: false };
        assert_eq!(kql(&test(FieldType::String, false, ends)), r#"(f_x endswith "a" or f_x endswith "b")"#);
        assert_eq!(kql(&test(FieldType::String, false, TestOp::Exists)), "isnotempty(f_x)");
    }

    #[test]
    fn regexes_search_and_guard_the_empty_string() {
        let regex = |p: &str, ci| TestOp::Regex { pattern: p.into(), case_insensitive: ci };
        assert_eq!(kql(&test(FieldType::String, false, regex("adm", true))), r#"f_x matches regex "(?i)adm""#);
        assert_eq!(
            kql(&test(FieldType::String, false, regex(r"^v1\.[0-9]+$", false))),
            r#"f_x matches regex "\\Av1\\.[0-9]+\\z""#
        );
        assert_eq!(
            kql(&test(FieldType::String, false, regex(r"^[0-9]*$", false))),
            r#"(isnotempty(f_x) and f_x matches regex "\\A[0-9]*\\z")"#
        );
    }

    #[test]
    fn numbers_and_negation() {
        assert_eq!(kql(&test(FieldType::Int, false, TestOp::Cmp(Ordering::Ge, Number::Int(5)))), "f_x >= 5");
        assert_eq!(kql(&test(FieldType::Float, false, TestOp::Cmp(Ordering::Lt, Number::Float(2.0)))), "f_x < 2.0");
        assert_eq!(
            kql(&not(test(FieldType::Int, false, TestOp::OneOf(vec![Scalar::Int(1), Scalar::Int(2)])))),
            "not (isnotnull(f_x) and f_x in (1, 2))"
        );
        assert_eq!(kql(&not(test(FieldType::String, false, TestOp::Eq(s("a"))))), r#"not (f_x =~ "a")"#);
        assert_eq!(kql(&not(test(FieldType::Bool, false, TestOp::Exists))), "not (isnotnull(f_x))");
        let inner = Cond::Any(vec![
            test(FieldType::Bool, false, TestOp::Eq(Scalar::Bool(false))),
            test(FieldType::String, false, TestOp::Eq(s("b"))),
        ]);
        assert_eq!(kql(&not(inner)), r#"not ((isnotnull(f_x) and f_x == false) or f_x =~ "b")"#);
    }

    #[test]
    fn addresses_compare_by_value() {
        let v4 = TestOp::Eq(Scalar::Ip("10.1.2.3".parse().expect("ip")));
        assert_eq!(kql(&test(FieldType::Ip, false, v4.clone())), r#"ipv4_is_match(f_x, "10.1.2.3")"#);
        assert_eq!(
            kql(&not(test(FieldType::Ip, false, v4))),
            r#"not (coalesce(ipv4_is_match(f_x, "10.1.2.3"), false))"#
        );
        let cidr = TestOp::Cidr(vec!["10.0.0.0/8".parse().expect("cidr"), "fd00::/8".parse().expect("cidr")]);
        assert_eq!(
            kql(&test(FieldType::Ip, false, cidr)),
            r#"(ipv4_is_in_any_range(f_x, "10.0.0.0/8") or (f_x contains ":" and ipv6_is_in_any_range(f_x, "fd00::/8")))"#
        );
    }

    #[test]
    fn empty_strings_are_reported() {
        let cond = test(FieldType::String, false, TestOp::Eq(s("")));
        let (text, gaps) = condition(&cond, &|f| f.to_string());
        assert_eq!(text, r#"(isnotempty(['f.x']) and ['f.x'] =~ "")"#.replace('\'', "\""));
        assert_eq!(gaps.iter().map(|(_, g)| g.clone()).collect::<Vec<_>>(), vec![Gap::EmptyString]);
    }
}
