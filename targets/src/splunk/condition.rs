//! A condition → SPL: as `search` terms when every test has an exact `search`
//! form, else as one `where` expression.
//!
//! `search` is case-insensitive, treats `*` in values as a wildcard, compares
//! numbers, matches CIDR blocks, and `NOT f="v"` is true for a missing `f`, exactly
//! as `ir::eval` says. `where` is case-sensitive and three-valued, so each `where`
//! test is guarded with `isnotnull(field) AND …` (false, not null, on a missing
//! field, which keeps `NOT` boolean) and text is matched with `match()` on an
//! escaped, anchored regex, `(?i)` unless the test is `cased`; a detection's own
//! regex is reprinted so that PCRE reads it as Rust does ([`pcre`]).

use super::escape::{quote, regex_literal};
use super::reserved::is_reserved;
use crate::infix::{self, Spelling};
pub use crate::reprint::pcre;
use crate::settings::SplunkSettings;
use scalpel_compiler::ir::{Cond, Number, Scalar, Test, TestOp, TextKind};

/// The `search` command evaluates OR before AND, so every nested group is written out.
const SEARCH: Spelling = Spelling { and: "AND", or: "OR", not: "NOT", group_nested: true };
/// `where` (eval) evaluates AND before OR, as the printer's precedence assumes.
const WHERE: Spelling = Spelling { and: "AND", or: "OR", not: "NOT", group_nested: false };

/// How a condition is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Spl {
    /// Terms to append to the `search` (after index and sourcetype).
    Search(String),
    /// An expression for `| where …`.
    Where(String),
}

pub fn condition(cond: &Cond, settings: &SplunkSettings) -> Spl {
    let tests = cond.tests();
    if tests.iter().all(|t| search_term(t, settings).is_some()) {
        Spl::Search(infix::print(cond, SEARCH, &mut |t| search_term(t, settings).unwrap_or_default()))
    } else {
        Spl::Where(infix::print(cond, WHERE, &mut |t| where_test(t, settings)))
    }
}

/// Whether a test compares text case-insensitively with non-ASCII letters, which
/// Splunk folds for ASCII only.
pub fn folds_non_ascii(test: &Test) -> bool {
    let non_ascii = |s: &str| !s.is_ascii();
    !test.cased
        && match &test.op {
            TestOp::Eq(Scalar::Str(s) | Scalar::Enum(s)) => non_ascii(s),
            TestOp::OneOf(values) => {
                values.iter().any(|v| matches!(v, Scalar::Str(s) | Scalar::Enum(s) if non_ascii(s)))
            }
            TestOp::Text { values, .. } => values.iter().any(|v| non_ascii(v)),
            TestOp::Regex { pattern, case_insensitive } => *case_insensitive && non_ascii(pattern),
            _ => false,
        }
}

/// The first integer constant of a test that Splunk, whose numbers are doubles,
/// compares inexactly: beyond 2^53 in magnitude, where even a constant a double holds
/// (-2^63) has integer neighbours that round onto it, so `> c` misses `c + 1`.
pub fn inexact_integer(test: &Test) -> Option<i64> {
    let inexact = |i: i64| i.unsigned_abs() > 1 << 53;
    let integers: Vec<i64> = match &test.op {
        TestOp::Eq(Scalar::Int(i)) | TestOp::Cmp(_, Number::Int(i)) => vec![*i],
        TestOp::OneOf(values) => {
            values.iter().filter_map(|v| if let Scalar::Int(i) = v { Some(*i) } else { None }).collect()
        }
        _ => Vec::new(),
    };
    integers.into_iter().find(|i| inexact(*i))
}

/// A value `search` reads literally inside quotes: no wildcard, no control character.
fn search_safe(value: &str) -> bool {
    !value.contains('*') && !value.chars().any(char::is_control)
}

/// The `search` form of a test, when it has an exact one. A Splunk default field
/// (`host`, `index`, …) has none: `search` would read Splunk's value.
fn search_term(test: &Test, settings: &SplunkSettings) -> Option<String> {
    let field = settings.field(&test.field);
    if is_reserved(field) {
        return None;
    }
    let eq = |scalar: &Scalar| -> Option<String> {
        match scalar {
            Scalar::Str(s) | Scalar::Enum(s) => {
                (!test.cased && search_safe(s)).then(|| format!("{field}={}", quote(s)))
            }
            Scalar::Int(i) => Some(format!("{field}={i}")),
            Scalar::Float(f) => Some(format!("{field}={}", float(*f))),
            Scalar::Bool(b) => Some(format!("{field}={}", quote(&b.to_string()))),
            Scalar::Ip(ip) => ip.is_ipv4().then(|| format!("{field}={}", quote(&ip.to_string()))),
        }
    };
    match &test.op {
        TestOp::Eq(scalar) => eq(scalar),
        TestOp::OneOf(scalars) => {
            let terms: Option<Vec<String>> = scalars.iter().map(eq).collect();
            terms.map(|t| any_of(&t))
        }
        TestOp::Cmp(ord, bound) => Some(format!("{field}{}{}", ord.as_str(), number(*bound))),
        TestOp::Text { kind, values, all } => {
            if test.cased || !values.iter().all(|v| search_safe(v)) {
                return None;
            }
            let terms: Vec<String> = values
                .iter()
                .map(|v| {
                    let pattern = match kind {
                        TextKind::Contains => format!("*{v}*"),
                        TextKind::StartsWith => format!("{v}*"),
                        TextKind::EndsWith => format!("*{v}"),
                    };
                    format!("{field}={}", quote(&pattern))
                })
                .collect();
            Some(if *all { all_of(&terms) } else { any_of(&terms) })
        }
        TestOp::Cidr(blocks) if blocks.iter().all(|b| b.addr().is_ipv4()) => {
            Some(any_of(&blocks.iter().map(|b| format!("{field}={}", quote(&b.to_string()))).collect::<Vec<_>>()))
        }
        TestOp::Exists => Some(format!("{field}=*")),
        TestOp::Cidr(_) | TestOp::Regex { .. } => None,
    }
}

/// How `where` reads a field: `'name'`, or for a Splunk default field the event's
/// own value from its raw JSON, `spath(_raw, "host")` (`'host'` is Splunk's).
pub fn field_value(name: &str) -> String {
    if is_reserved(name) {
        format!("spath(_raw, {})", quote(name))
    } else {
        format!("'{name}'")
    }
}

/// The `where` form of a test: false, never null, when the field is missing.
fn where_test(test: &Test, settings: &SplunkSettings) -> String {
    let field = field_value(settings.field(&test.field));
    let flags = if test.cased { "" } else { "(?i)" };
    let matching = |pattern: String| format!("match({field}, {})", quote(&pattern));
    let eq_text = |values: Vec<&String>| {
        let alternatives: Vec<String> = values.iter().map(|v| regex_literal(v)).collect();
        matching(format!("{flags}^(?:{})\\z", alternatives.join("|")))
    };
    let eq = |scalar: &Scalar| match scalar {
        Scalar::Str(s) | Scalar::Enum(s) => eq_text(vec![s]),
        Scalar::Int(i) => format!("tonumber({field})=={i}"),
        Scalar::Float(f) => format!("tonumber({field})=={}", float(*f)),
        Scalar::Bool(b) => format!("lower({field})=={}", quote(&b.to_string())),
        Scalar::Ip(ip) => {
            let bits = if ip.is_ipv4() { 32 } else { 128 };
            format!("cidrmatch({}, {field})", quote(&format!("{ip}/{bits}")))
        }
    };
    let body = match &test.op {
        TestOp::Eq(scalar) => eq(scalar),
        TestOp::OneOf(scalars) => {
            let texts: Option<Vec<&String>> =
                scalars.iter().map(|s| if let Scalar::Str(v) | Scalar::Enum(v) = s { Some(v) } else { None }).collect();
            match texts {
                Some(texts) => eq_text(texts),
                None => any_of(&scalars.iter().map(eq).collect::<Vec<_>>()),
            }
        }
        TestOp::Cmp(ord, bound) => format!("tonumber({field}){}{}", ord.as_str(), number(*bound)),
        TestOp::Text { kind, values, all } => {
            let wrap = |v: &String| match kind {
                TextKind::Contains => regex_literal(v),
                TextKind::StartsWith => format!("^{}", regex_literal(v)),
                TextKind::EndsWith => format!("{}\\z", regex_literal(v)),
            };
            if *all {
                all_of(&values.iter().map(|v| matching(format!("{flags}{}", wrap(v)))).collect::<Vec<_>>())
            } else {
                let alternatives: Vec<String> = values.iter().map(wrap).collect();
                matching(format!("{flags}(?:{})", alternatives.join("|")))
            }
        }
        TestOp::Regex { pattern, case_insensitive } => matching(pcre(pattern, *case_insensitive).pattern),
        TestOp::Cidr(blocks) => {
            any_of(&blocks.iter().map(|b| format!("cidrmatch({}, {field})", quote(&b.to_string()))).collect::<Vec<_>>())
        }
        TestOp::Exists => return format!("isnotnull({field})"),
    };
    format!("(isnotnull({field}) AND {body})")
}

fn any_of(terms: &[String]) -> String {
    group(terms, " OR ")
}

fn all_of(terms: &[String]) -> String {
    group(terms, " AND ")
}

fn group(terms: &[String], connective: &str) -> String {
    match terms {
        [one] => one.clone(),
        _ => format!("({})", terms.join(connective)),
    }
}

fn number(n: Number) -> String {
    match n {
        Number::Int(i) => i.to_string(),
        Number::Float(f) => float(f),
    }
}

/// Floats with a decimal point and never an exponent (`1e300` is written out in
/// full, `1.0e-7` as `0.0000001`): SPL's documented number literals are decimal, and
/// the shortest decimal that reads back as `f` is exact.
fn float(f: f64) -> String {
    let debug = format!("{f:?}");
    if debug.contains('e') {
        format!("{f}")
    } else {
        debug
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use scalpel_compiler::ir::Ordering;
    use scalpel_compiler::schema::FieldType;

    fn test(ty: FieldType, cased: bool, op: TestOp) -> Cond {
        Cond::Test(Test { field: "f".into(), ty, cased, op, span: Default::default() })
    }

    fn spl(cond: &Cond) -> Spl {
        condition(cond, &SplunkSettings::default())
    }

    fn s(v: &str) -> Scalar {
        Scalar::Str(v.into())
    }

    #[test]
    fn exact_search_forms() {
        let search = |c: Cond| match spl(&c) {
            Spl::Search(text) => text,
            other => panic!("expected search terms, got {other:?}"),
        };
        assert_eq!(search(test(FieldType::String, false, TestOp::Eq(s("Ab\"c")))), r#"f="Ab\"c""#);
        assert_eq!(search(test(FieldType::String, false, TestOp::OneOf(vec![s("a"), s("b")]))), r#"(f="a" OR f="b")"#);
        assert_eq!(search(test(FieldType::Int, false, TestOp::Cmp(Ordering::Ge, Number::Int(5)))), "f>=5");
        assert_eq!(search(test(FieldType::Float, false, TestOp::Cmp(Ordering::Lt, Number::Float(2.0)))), "f<2.0");
        assert_eq!(search(test(FieldType::Float, false, TestOp::Cmp(Ordering::Lt, Number::Float(-1e-3)))), "f<-0.001");
        let huge = search(test(FieldType::Float, false, TestOp::Cmp(Ordering::Gt, Number::Float(1e300))));
        assert_eq!(huge, format!("f>1{}", "0".repeat(300)), "no exponent form");
        let contains = TestOp::Text { kind: TextKind::Contains, values: vec!["x".into(), "y".into()], all: true };
        assert_eq!(search(test(FieldType::String, false, contains)), r#"(f="*x*" AND f="*y*")"#);
        let cidr = TestOp::Cidr(vec!["10.0.0.0/8".parse().expect("cidr")]);
        assert_eq!(search(test(FieldType::Ip, false, cidr)), r#"f="10.0.0.0/8""#);
        assert_eq!(search(test(FieldType::String, false, TestOp::Exists)), "f=*");
        let not = Cond::Not(Box::new(test(FieldType::String, false, TestOp::Eq(s("a")))));
        assert_eq!(search(not), r#"NOT f="a""#, "NOT f=v is true for a missing f, like ir::eval");
    }

    #[test]
    fn where_forms_are_guarded_against_missing_fields() {
        let expr = |c: Cond| match spl(&c) {
            Spl::Where(text) => text,
            other => panic!("expected where, got {other:?}"),
        };
        assert_eq!(
            expr(test(FieldType::String, false, TestOp::Eq(s("a*b")))),
            r#"(isnotnull('f') AND match('f', "(?i)^(?:a\\*b)\\z"))"#
        );
        assert_eq!(
            expr(test(FieldType::String, true, TestOp::Eq(s("A")))),
            r#"(isnotnull('f') AND match('f', "^(?:A)\\z"))"#
        );
        let regex = TestOp::Regex { pattern: r"^v1\.[0-9]+$".into(), case_insensitive: true };
        assert_eq!(
            expr(test(FieldType::String, false, regex)),
            r#"(isnotnull('f') AND match('f', "(?i)\\Av1\\.[0-9]+\\z"))"#,
            "PCRE's `$` would also match `v1.2\\n`"
        );
        let v6 = TestOp::Cidr(vec!["fd00::/8".parse().expect("cidr")]);
        assert_eq!(expr(test(FieldType::Ip, false, v6)), r#"(isnotnull('f') AND cidrmatch("fd00::/8", 'f'))"#);
        let ends = TestOp::Text { kind: TextKind::EndsWith, values: vec!["a\nb".into()], all: false };
        assert_eq!(
            expr(test(FieldType::String, false, ends)),
            r#"(isnotnull('f') AND match('f', "(?i)(?:a\\x{a}b\\z)"))"#
        );
    }

    #[test]
    fn regexes_are_reprinted_for_pcre() {
        let digits = pcre(r"^\d+$", false);
        assert!(!digits.pattern.contains(r"\d") && digits.pattern.starts_with(r"\A[0-9"), "{}", digits.pattern);
        assert!(digits.pattern.ends_with(r"]+\z") && digits.inexact.is_empty(), "{digits:?}");
        assert_eq!(pcre(r"(?m)^a$", false).pattern, "(?m:^)a(?m:$)");
        assert!(!pcre(r"curl\b", true).inexact.is_empty(), "Unicode \\b is ASCII in PCRE: W0509");
    }

    #[test]
    fn search_groups_every_nested_and_because_or_binds_first() {
        let eq = |v: &str| test(FieldType::String, false, TestOp::Eq(s(v)));
        let cond = Cond::Any(vec![eq("a"), Cond::All(vec![eq("b"), eq("c")]), eq("d")]);
        match spl(&cond) {
            // Unparenthesised, Splunk's search would read `(f="a" OR f="b") AND (f="c" OR f="d")`.
            Spl::Search(text) => assert_eq!(text, r#"f="a" OR (f="b" AND f="c") OR f="d""#),
            other => panic!("expected search terms, got {other:?}"),
        }
    }

    #[test]
    fn non_ascii_case_folding_is_flagged() {
        let Cond::Test(t) = test(FieldType::String, false, TestOp::Eq(s("Écho"))) else { unreachable!() };
        assert!(folds_non_ascii(&t));
        let Cond::Test(t) = test(FieldType::String, true, TestOp::Eq(s("Écho"))) else { unreachable!() };
        assert!(!folds_non_ascii(&t));
    }
}
