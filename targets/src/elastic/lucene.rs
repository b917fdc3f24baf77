//! Conditions → Lucene query strings (Kibana `query` rules, `language: lucene`).
//!
//! String fields are taken to be `keyword` fields, where term, wildcard and regex
//! queries are case-sensitive. So:
//! - `cased ==` is a phrase, `f:"v"` (quoted: `*`, `?` and operators are literal);
//! - case-insensitive `==` and every substring test are whole-value regexes with
//!   each letter a class, `f:/[wW][aA][rR][dD]\-7/` (a phrase when the value has
//!   no letters); `matches` is [`super::regex::search`];
//! - numbers compare with ranges, `f:{250 TO *]`; IPs and CIDR blocks are quoted
//!   terms on `ip` fields; `exists` is `f:*`.
//!
//! Every compound is parenthesised (the classic parser has no operator
//! precedence), and `not x` is `(*:* AND NOT x)` because a purely negative clause
//! matches nothing in Lucene. A missing field fails every term, so `NOT` is
//! boolean, as in `ir::eval`.

use super::escape::{lucene_phrase, lucene_regex, lucene_term, regex_literal};
use super::regex::{self, Span};
use super::{check_regex, exact_regex};
use scalpel_compiler::diag::Diagnostic;
use scalpel_compiler::ir::{Cond, Number, Ordering, Scalar, Test, TestOp, TextKind};

/// `cond` as a Lucene query string.
pub fn condition(cond: &Cond, field: &dyn Fn(&str) -> String, diags: &mut Vec<Diagnostic>) -> String {
    match cond {
        Cond::All(parts) => group(parts, " AND ", field, diags),
        Cond::Any(parts) => group(parts, " OR ", field, diags),
        Cond::Not(inner) => format!("(*:* AND NOT {})", condition(inner, field, diags)),
        Cond::Test(test) => leaf(test, &lucene_term(&field(&test.field)), diags),
    }
}

fn group(parts: &[Cond], connective: &str, field: &dyn Fn(&str) -> String, diags: &mut Vec<Diagnostic>) -> String {
    let printed: Vec<String> = parts.iter().map(|p| condition(p, field, diags)).collect();
    format!("({})", printed.join(connective))
}

fn leaf(test: &Test, f: &str, diags: &mut Vec<Diagnostic>) -> String {
    match &test.op {
        TestOp::Exists => format!("{f}:*"),
        TestOp::Eq(scalar) => term(test, f, scalar, diags),
        TestOp::OneOf(scalars) => {
            let terms: Vec<String> = scalars.iter().map(|s| term(test, f, s, diags)).collect();
            any_of(&terms)
        }
        TestOp::Cmp(ord, bound) => {
            let n = number(*bound);
            let range = match ord {
                Ordering::Lt => format!("[* TO {n}}}"),
                Ordering::Le => format!("[* TO {n}]"),
                Ordering::Gt => format!("{{{n} TO *]"),
                Ordering::Ge => format!("[{n} TO *]"),
            };
            format!("{f}:{range}")
        }
        TestOp::Text { kind, values, all } => {
            let span = match kind {
                TextKind::Contains => Span::Contains,
                TextKind::StartsWith => Span::StartsWith,
                TextKind::EndsWith => Span::EndsWith,
            };
            let terms: Vec<String> = values
                .iter()
                .map(|v| {
                    let pattern = check_regex(test, regex::text(v, span, !test.cased), diags);
                    format!("{f}:{}", lucene_regex(&pattern))
                })
                .collect();
            if *all {
                super::parenthesised(&terms, " AND ")
            } else {
                any_of(&terms)
            }
        }
        TestOp::Regex { pattern, case_insensitive } => {
            format!("{f}:{}", lucene_regex(&exact_regex(test, pattern, *case_insensitive, diags)))
        }
        TestOp::Cidr(blocks) => {
            any_of(&blocks.iter().map(|b| format!("{f}:{}", lucene_phrase(&b.to_string()))).collect::<Vec<_>>())
        }
    }
}

/// One value: a phrase when it matches exactly (numbers, IPs, `cased` text, text
/// without letters), else the case-folded whole-value regex.
fn term(test: &Test, f: &str, scalar: &Scalar, diags: &mut Vec<Diagnostic>) -> String {
    match scalar {
        Scalar::Str(v) | Scalar::Enum(v) => {
            if test.cased {
                return format!("{f}:{}", lucene_phrase(v));
            }
            let folded = check_regex(test, regex::text(v, Span::Whole, true), diags);
            if folded == regex_literal(v) {
                format!("{f}:{}", lucene_phrase(v))
            } else {
                format!("{f}:{}", lucene_regex(&folded))
            }
        }
        Scalar::Int(i) => format!("{f}:{}", lucene_term(&i.to_string())),
        Scalar::Float(x) => format!("{f}:{}", lucene_term(&format!("{x:?}"))),
        Scalar::Bool(b) => format!("{f}:{b}"),
        Scalar::Ip(ip) => format!("{f}:{}", lucene_phrase(&ip.to_string())),
    }
}

fn number(n: Number) -> String {
    match n {
        Number::Int(i) => i.to_string(),
        Number::Float(f) => format!("{f:?}"),
    }
}

fn any_of(terms: &[String]) -> String {
    super::parenthesised(terms, " OR ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use scalpel_compiler::schema::FieldType;

    fn t(ty: FieldType, cased: bool, op: TestOp) -> Cond {
        Cond::Test(Test { field: "f".into(), ty, cased, op, span: Default::default() })
    }

    fn lucene(cond: &Cond) -> String {
        condition(cond, &|f| f.to_string(), &mut Vec::new())
    }

    fn s(v: &str) -> Scalar {
        Scalar::Str(v.into())
    }

    #[test]
    fn operators() {
        let text = FieldType::String;
        assert_eq!(lucene(&t(text.clone(), false, TestOp::Eq(s("Ab-1")))), r"f:/[Aa][Bb]\-1/");
        assert_eq!(lucene(&t(text.clone(), false, TestOp::Eq(s("10/2")))), r#"f:"10/2""#);
        assert_eq!(lucene(&t(text.clone(), true, TestOp::Eq(s("a*\"b")))), r#"f:"a*\"b""#);
        assert_eq!(lucene(&t(FieldType::Int, false, TestOp::Eq(Scalar::Int(-5)))), r"f:\-5");
        assert_eq!(lucene(&t(FieldType::Int, false, TestOp::Cmp(Ordering::Gt, Number::Int(250)))), "f:{250 TO *]");
        assert_eq!(
            lucene(&t(FieldType::Float, false, TestOp::Cmp(Ordering::Lt, Number::Float(80.5)))),
            "f:[* TO 80.5}"
        );
        assert_eq!(lucene(&t(FieldType::Bool, false, TestOp::Eq(Scalar::Bool(false)))), "f:false");
        let cidr = TestOp::Cidr(vec!["10.0.0.0/8".parse().expect("cidr"), "fd00::/8".parse().expect("cidr")]);
        assert_eq!(lucene(&t(FieldType::Ip, false, cidr)), r#"(f:"10.0.0.0/8" OR f:"fd00::/8")"#);
        let ends = TestOp::Text { kind: TextKind::EndsWith, values: vec!["/x".into()], all: false };
        assert_eq!(lucene(&t(text.clone(), true, ends)), r"f:/.*\/x/");
        let regex = TestOp::Regex { pattern: "^a/b".into(), case_insensitive: false };
        assert_eq!(lucene(&t(text.clone(), false, regex)), r"f:/a\/b.*/");
        assert_eq!(lucene(&t(text, false, TestOp::Exists)), "f:*");
    }

    #[test]
    fn structure_is_parenthesised_and_negation_is_not_pure() {
        let a = t(FieldType::Bool, false, TestOp::Eq(Scalar::Bool(true)));
        let b = t(FieldType::Int, false, TestOp::Eq(Scalar::Int(1)));
        let cond = Cond::Any(vec![Cond::All(vec![a.clone(), b]), Cond::Not(Box::new(a))]);
        assert_eq!(lucene(&cond), "((f:true AND f:1) OR (*:* AND NOT f:true))");
    }
}
