//! Conditions, steps and sequences → EQL.
//!
//! - case-insensitive text: `f : "v"` (a value without `*`, `?` or `\`, which `:`
//!   reads as wildcards and their escape), else `f in~ (…)`, `startsWith~`/`endsWith~`/`stringContains~`;
//!   `cased`: `==`, `in`, and the functions without `~`;
//! - regexes: `f regex "…"` with the whole-value Lucene form ([`super::regex`]);
//! - IPs and CIDR blocks: `cidrMatch` (an address is its `/32` or `/128`);
//! - `exists`: `f != null`.
//!
//! EQL is three-valued: a comparison with a missing field is null, and `not null`
//! is null. Outside any `not` that equals false (the formula is monotone there),
//! so only tests under a `not` are guarded, `(f != null and …)`, which keeps `not`
//! the boolean negation `ir::eval` defines.

use super::escape::{eql_field, eql_string};
use super::{exact_regex, guarded, under_not, window_literal};
use crate::infix::{self, Spelling};
use scalpel_compiler::diag::Diagnostic;
use scalpel_compiler::ir::{Cond, Number, Scalar, Test, TestOp, TextKind};
use scalpel_compiler::schema::FieldType;

const SPELLING: Spelling = Spelling { and: "and", or: "or", not: "not", group_nested: false };

/// `cond` as an EQL expression; `field` maps detection fields to Elastic ones.
pub fn condition(cond: &Cond, field: &dyn Fn(&str) -> String, diags: &mut Vec<Diagnostic>) -> String {
    let negated = under_not(cond);
    let mut index = 0;
    infix::print(cond, SPELLING, &mut |test| {
        let guard = negated.get(index).copied().unwrap_or(true);
        index += 1;
        let name = eql_field(&field(&test.field));
        let body = leaf(test, &name, diags);
        if guard && guarded(test) {
            format!("({name} != null and {body})")
        } else {
            body
        }
    })
}

/// The query of a single step: every event of the rule's index that matches.
pub fn step_query(cond: &Cond, field: &dyn Fn(&str) -> String, diags: &mut Vec<Diagnostic>) -> String {
    format!("any where {}", condition(cond, field, diags))
}

/// One step of a sequence, as [`sequence_query`] needs it.
pub struct Member<'a> {
    pub cond: &'a Cond,
    /// The step's `event.dataset`: a sequence reads the indices of all its steps.
    pub dataset: String,
    /// Join keys, already mapped to Elastic names.
    pub keys: Vec<String>,
    pub field: Box<dyn Fn(&str) -> String + 'a>,
    /// `with runs=N`: N of the step's events one after another (a threshold member).
    pub runs: Option<u64>,
}

/// `sequence [by keys] with maxspan=… [any where …] …`, with `by` on each step
/// when the steps name their keys differently, and `with runs=N` on a step that
/// stands for a threshold. Each step requires its keys (`ir::eval` ignores events
/// without them).
pub fn sequence_query(members: &[Member], window_ms: u64, diags: &mut Vec<Diagnostic>) -> String {
    let quoted: Vec<Vec<String>> = members.iter().map(|m| m.keys.iter().map(|k| eql_field(k)).collect()).collect();
    let shared = quoted.windows(2).all(|w| w[0] == w[1]);
    let mut out = String::from("sequence");
    if shared && !quoted.first().is_none_or(Vec::is_empty) {
        out.push_str(&format!(" by {}", quoted[0].join(", ")));
    }
    out.push_str(&format!(" with maxspan={}", window_literal(window_ms)));
    for (member, keys) in members.iter().zip(&quoted) {
        let mut parts = vec![format!("event.dataset == {}", eql_string(&member.dataset))];
        parts.extend(keys.iter().map(|k| format!("{k} != null")));
        parts.push(format!("({})", condition(member.cond, &*member.field, diags)));
        out.push_str(&format!("\n  [any where {}]", parts.join(" and ")));
        if !shared && !keys.is_empty() {
            out.push_str(&format!(" by {}", keys.join(", ")));
        }
        if let Some(runs) = member.runs {
            out.push_str(&format!(" with runs={runs}"));
        }
    }
    out
}

fn leaf(test: &Test, f: &str, diags: &mut Vec<Diagnostic>) -> String {
    let text = matches!(test.ty, FieldType::String | FieldType::Enum(_));
    match &test.op {
        TestOp::Exists => format!("{f} != null"),
        TestOp::Eq(Scalar::Ip(ip)) => format!("cidrMatch({f}, {})", eql_string(&host_block(ip))),
        TestOp::Eq(Scalar::Str(v) | Scalar::Enum(v)) if !test.cased && !v.contains(['*', '?', '\\']) => {
            format!("{f} : {}", eql_string(v))
        }
        TestOp::Eq(scalar) => one_of(test, f, std::slice::from_ref(scalar), text),
        TestOp::OneOf(scalars) => one_of(test, f, scalars, text),
        TestOp::Cmp(ord, bound) => format!("{f} {} {}", ord.as_str(), number(*bound)),
        TestOp::Text { kind, values, all } => {
            let function = match kind {
                TextKind::Contains => "stringContains",
                TextKind::StartsWith => "startsWith",
                TextKind::EndsWith => "endsWith",
            };
            let tilde = if test.cased { "" } else { "~" };
            let calls: Vec<String> =
                values.iter().map(|v| format!("{function}{tilde}({f}, {})", eql_string(v))).collect();
            super::parenthesised(&calls, if *all { " and " } else { " or " })
        }
        TestOp::Regex { pattern, case_insensitive } => {
            let lucene = exact_regex(test, pattern, *case_insensitive, diags);
            format!("{f} regex {}", eql_string(&lucene))
        }
        TestOp::Cidr(blocks) => {
            let blocks: Vec<String> = blocks.iter().map(|b| eql_string(&b.to_string())).collect();
            format!("cidrMatch({f}, {})", blocks.join(", "))
        }
    }
}

/// `f in (…)` (`in~` for case-insensitive text); IPs through `cidrMatch`.
fn one_of(test: &Test, f: &str, scalars: &[Scalar], text: bool) -> String {
    if let Some(ips) =
        scalars.iter().map(|s| if let Scalar::Ip(ip) = s { Some(ip) } else { None }).collect::<Option<Vec<_>>>()
    {
        let blocks: Vec<String> = ips.iter().map(|ip| eql_string(&host_block(ip))).collect();
        return format!("cidrMatch({f}, {})", blocks.join(", "));
    }
    let values: Vec<String> = scalars.iter().map(scalar).collect();
    let operator = if text && !test.cased {
        "in~"
    } else if values.len() == 1 {
        "=="
    } else {
        "in"
    };
    match (operator, values.as_slice()) {
        ("==", [one]) => format!("{f} == {one}"),
        _ => format!("{f} {operator} ({})", values.join(", ")),
    }
}

fn scalar(value: &Scalar) -> String {
    match value {
        Scalar::Str(s) | Scalar::Enum(s) => eql_string(s),
        Scalar::Int(i) => i.to_string(),
        Scalar::Float(f) => format!("{f:?}"),
        Scalar::Bool(b) => b.to_string(),
        Scalar::Ip(ip) => eql_string(&ip.to_string()),
    }
}

fn number(n: Number) -> String {
    match n {
        Number::Int(i) => i.to_string(),
        Number::Float(f) => format!("{f:?}"),
    }
}

/// The block holding exactly one address, so addresses compare by value.
pub fn host_block(ip: &std::net::IpAddr) -> String {
    format!("{ip}/{}", if ip.is_ipv4() { 32 } else { 128 })
}

#[cfg(test)]
mod tests {
    use super::*;
    use scalpel_compiler::ir::Ordering;

    fn t(ty: FieldType, cased: bool, op: TestOp) -> Cond {
        Cond::Test(Test { field: "f".into(), ty, cased, op, span: Default::default() })
    }

    fn eql(cond: &Cond) -> String {
        condition(cond, &|f| f.to_string(), &mut Vec::new())
    }

    fn s(v: &str) -> Scalar {
        Scalar::Str(v.into())
    }

    #[test]
    fn operators() {
        let text = FieldType::String;
        assert_eq!(eql(&t(text.clone(), false, TestOp::Eq(s("Ward-7")))), r#"f : "Ward-7""#);
        assert_eq!(eql(&t(text.clone(), false, TestOp::Eq(s("a*b")))), r#"f in~ ("a*b")"#);
        assert_eq!(eql(&t(text.clone(), false, TestOp::Eq(s(r"C:\t")))), r#"f in~ ("C:\\t")"#);
        assert_eq!(eql(&t(text.clone(), true, TestOp::Eq(s("V1")))), r#"f == "V1""#);
        assert_eq!(eql(&t(text.clone(), false, TestOp::OneOf(vec![s("a"), s("B")]))), r#"f in~ ("a", "B")"#);
        assert_eq!(eql(&t(text.clone(), true, TestOp::OneOf(vec![s("a"), s("B")]))), r#"f in ("a", "B")"#);
        assert_eq!(eql(&t(FieldType::Int, false, TestOp::OneOf(vec![Scalar::Int(1), Scalar::Int(2)]))), "f in (1, 2)");
        assert_eq!(eql(&t(FieldType::Int, false, TestOp::Eq(Scalar::Int(70)))), "f == 70");
        assert_eq!(eql(&t(FieldType::Float, false, TestOp::Cmp(Ordering::Lt, Number::Float(80.5)))), "f < 80.5");
        assert_eq!(eql(&t(FieldType::Bool, false, TestOp::Eq(Scalar::Bool(false)))), "f == false");
        let ip = Scalar::Ip("fd00::1".parse().expect("ip"));
        assert_eq!(eql(&t(FieldType::Ip, false, TestOp::Eq(ip))), r#"cidrMatch(f, "fd00::1/128")"#);
        let cidr = TestOp::Cidr(vec!["10.0.0.0/8".parse().expect("cidr"), "fd00::/8".parse().expect("cidr")]);
        assert_eq!(eql(&t(FieldType::Ip, false, cidr)), r#"cidrMatch(f, "10.0.0.0/8", "fd00::/8")"#);
        let all = TestOp::Text { kind: TextKind::Contains, values: vec!["x".into(), "y".into()], all: true };
        assert_eq!(eql(&t(text.clone(), false, all)), r#"(stringContains~(f, "x") and stringContains~(f, "y"))"#);
        let starts = TestOp::Text { kind: TextKind::StartsWith, values: vec!["v0.".into()], all: false };
        assert_eq!(eql(&t(text.clone(), true, starts)), r#"startsWith(f, "v0.")"#);
        let regex = TestOp::Regex { pattern: r"^v1\.[0-9]+$".into(), case_insensitive: false };
        assert_eq!(eql(&t(text.clone(), false, regex)), r#"f regex "v1\\.[0-9]+""#);
        assert_eq!(eql(&t(text, false, TestOp::Exists)), "f != null");
    }

    #[test]
    fn negated_tests_are_guarded_against_null() {
        let eq = t(FieldType::String, false, TestOp::Eq(s("x")));
        assert_eq!(eql(&Cond::Not(Box::new(eq.clone()))), r#"not (f != null and f : "x")"#);
        let exists = t(FieldType::String, false, TestOp::Exists);
        assert_eq!(eql(&Cond::Not(Box::new(exists.clone()))), "not f != null");
        assert_eq!(
            eql(&Cond::Any(vec![eq.clone(), Cond::Not(Box::new(Cond::All(vec![eq, exists])))])),
            r#"f : "x" or not ((f != null and f : "x") and f != null)"#
        );
    }

    #[test]
    fn sequences_join_on_shared_or_per_step_keys() {
        let cond = t(FieldType::String, false, TestOp::Exists);
        let member = |keys: &[&str], dataset: &str| Member {
            cond: &cond,
            dataset: dataset.into(),
            keys: keys.iter().map(|k| k.to_string()).collect(),
            field: Box::new(|f: &str| f.to_string()),
            runs: None,
        };
        let shared = sequence_query(&[member(&["ip"], "ras.a"), member(&["ip"], "ras.b")], 1_800_000, &mut Vec::new());
        assert_eq!(
            shared,
            "sequence by ip with maxspan=30m\n  [any where event.dataset == \"ras.a\" and ip != null and (f != null)]\n  [any where event.dataset == \"ras.b\" and ip != null and (f != null)]"
        );
        let per_step =
            sequence_query(&[member(&["user"], "ras.a"), member(&["device"], "ras.b")], 1_500, &mut Vec::new());
        assert!(per_step.starts_with("sequence with maxspan=1500ms\n"), "{per_step}");
        assert!(per_step.ends_with("] by device"), "{per_step}");
        // A threshold step: `by` before `with runs`, as Elasticsearch's grammar has it.
        let mut burst = member(&["device"], "ras.b");
        burst.runs = Some(21);
        let runs = sequence_query(&[member(&["user"], "ras.a"), burst], 60_000, &mut Vec::new());
        assert!(runs.ends_with("] by device with runs=21"), "{runs}");
    }
}
