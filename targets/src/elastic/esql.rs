//! Conditions and thresholds → ES|QL.
//!
//! A threshold is `FROM index | WHERE cond AND keys IS NOT NULL | STATS n =
//! COUNT(*) | COUNT_DISTINCT(f) BY keys, BUCKET(@timestamp, window) | WHERE n >= N`:
//! exact counting and grouping over tumbling windows (a sliding window is
//! approximated, W0501).
//!
//! Case-insensitive text compares `TO_LOWER(f)` with the value lower-cased here:
//! both are full Unicode lower-casing, as in `ir::eval`. ES|QL is three-valued, so
//! tests under a `not` are guarded, `(f IS NOT NULL AND …)` (see [`super::eql`]).

use super::escape::{esql_field, esql_string};
use super::{exact_regex, guarded, under_not};
use crate::infix::{self, Spelling};
use scalpel_compiler::diag::Diagnostic;
use scalpel_compiler::ir::{Cond, Number, Scalar, Test, TestOp, TextKind, Threshold};

const SPELLING: Spelling = Spelling { and: "AND", or: "OR", not: "NOT", group_nested: false };

/// `cond` as an ES|QL boolean expression.
pub fn condition(cond: &Cond, field: &dyn Fn(&str) -> String, diags: &mut Vec<Diagnostic>) -> String {
    let negated = under_not(cond);
    let mut index = 0;
    infix::print(cond, SPELLING, &mut |test| {
        let guard = negated.get(index).copied().unwrap_or(true);
        index += 1;
        let name = esql_field(&field(&test.field));
        let body = leaf(test, &name, diags);
        if guard && guarded(test) {
            format!("({name} IS NOT NULL AND {body})")
        } else {
            body
        }
    })
}

/// The query of a step with a threshold. `time` is the Elastic event-time field.
pub fn threshold_query(
    index: &str,
    cond: &Cond,
    threshold: &Threshold,
    time: &str,
    field: &dyn Fn(&str) -> String,
    diags: &mut Vec<Diagnostic>,
) -> String {
    let keys: Vec<String> = threshold.group_by.iter().map(|k| esql_field(&field(k))).collect();
    let mut filters = vec![format!("({})", condition(cond, field, diags))];
    filters.extend(keys.iter().map(|k| format!("{k} IS NOT NULL")));
    let aggregate = match &threshold.distinct {
        Some(distinct) => {
            let distinct = esql_field(&field(distinct));
            filters.push(format!("{distinct} IS NOT NULL"));
            format!("COUNT_DISTINCT({distinct})")
        }
        None => "COUNT(*)".to_string(),
    };
    let mut by = keys;
    by.push(format!("scalpel_window = BUCKET({}, {})", esql_field(time), time_span(threshold.window_ms)));
    format!(
        "FROM {index}\n| WHERE {}\n| STATS scalpel_count = {aggregate} BY {}\n| WHERE scalpel_count >= {}",
        filters.join(" AND "),
        by.join(", "),
        threshold.min
    )
}

/// A window as an ES|QL time span in its largest exact unit (`10 minutes`).
pub fn time_span(window_ms: u64) -> String {
    let units = [(86_400_000, "day"), (3_600_000, "hour"), (60_000, "minute"), (1_000, "second"), (1, "millisecond")];
    let (size, unit) =
        units.iter().find(|(size, _)| window_ms.is_multiple_of(*size)).copied().unwrap_or((1, "millisecond"));
    let n = window_ms / size;
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

fn leaf(test: &Test, f: &str, diags: &mut Vec<Diagnostic>) -> String {
    let folded = |v: &str| if test.cased { v.to_string() } else { v.to_lowercase() };
    let subject = if test.cased { f.to_string() } else { format!("TO_LOWER({f})") };
    match &test.op {
        TestOp::Exists => format!("{f} IS NOT NULL"),
        TestOp::Eq(scalar) => one_of(f, &subject, std::slice::from_ref(scalar), &folded),
        TestOp::OneOf(scalars) => one_of(f, &subject, scalars, &folded),
        TestOp::Cmp(ord, bound) => format!("{f} {} {}", ord.as_str(), number(*bound)),
        TestOp::Text { kind, values, all } => {
            let tests: Vec<String> = values
                .iter()
                .map(|v| {
                    let v = esql_string(&folded(v));
                    match kind {
                        TextKind::Contains => format!("LOCATE({subject}, {v}) > 0"),
                        TextKind::StartsWith => format!("STARTS_WITH({subject}, {v})"),
                        TextKind::EndsWith => format!("ENDS_WITH({subject}, {v})"),
                    }
                })
                .collect();
            match tests.as_slice() {
                [one] => one.clone(),
                _ => format!("({})", tests.join(if *all { " AND " } else { " OR " })),
            }
        }
        TestOp::Regex { pattern, case_insensitive } => {
            format!("{f} RLIKE {}", esql_string(&exact_regex(test, pattern, *case_insensitive, diags)))
        }
        TestOp::Cidr(blocks) => {
            let blocks: Vec<String> = blocks.iter().map(|b| esql_string(&b.to_string())).collect();
            format!("CIDR_MATCH({f}, {})", blocks.join(", "))
        }
    }
}

/// `==` / `IN` on the field (text on `subject`, the lower-cased field unless
/// `cased`); IPs through `CIDR_MATCH`.
fn one_of(f: &str, subject: &str, scalars: &[Scalar], folded: &dyn Fn(&str) -> String) -> String {
    let ips: Option<Vec<String>> = scalars
        .iter()
        .map(|s| if let Scalar::Ip(ip) = s { Some(esql_string(&super::eql::host_block(ip))) } else { None })
        .collect();
    if let Some(blocks) = ips {
        return format!("CIDR_MATCH({f}, {})", blocks.join(", "));
    }
    let textual = scalars.iter().any(|s| matches!(s, Scalar::Str(_) | Scalar::Enum(_)));
    let values: Vec<String> = scalars
        .iter()
        .map(|s| match s {
            Scalar::Str(v) | Scalar::Enum(v) => esql_string(&folded(v)),
            Scalar::Int(i) => i.to_string(),
            Scalar::Float(x) => format!("{x:?}"),
            Scalar::Bool(b) => b.to_string(),
            Scalar::Ip(ip) => esql_string(&ip.to_string()),
        })
        .collect();
    let subject = if textual { subject } else { f };
    match values.as_slice() {
        [one] => format!("{subject} == {one}"),
        _ => format!("{subject} IN ({})", values.join(", ")),
    }
}

fn number(n: Number) -> String {
    match n {
        Number::Int(i) => i.to_string(),
        Number::Float(f) => format!("{f:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use scalpel_compiler::ir::Ordering;
    use scalpel_compiler::schema::FieldType;

    fn t(ty: FieldType, cased: bool, op: TestOp) -> Cond {
        Cond::Test(Test { field: "f".into(), ty, cased, op, span: Default::default() })
    }

    fn esql(cond: &Cond) -> String {
        condition(cond, &|f| f.to_string(), &mut Vec::new())
    }

    fn s(v: &str) -> Scalar {
        Scalar::Str(v.into())
    }

    #[test]
    fn operators() {
        let text = FieldType::String;
        assert_eq!(esql(&t(text.clone(), false, TestOp::Eq(s("Écho")))), r#"TO_LOWER(f) == "écho""#);
        assert_eq!(esql(&t(text.clone(), true, TestOp::OneOf(vec![s("a"), s("B")]))), r#"f IN ("a", "B")"#);
        assert_eq!(esql(&t(FieldType::Int, false, TestOp::Cmp(Ordering::Ge, Number::Int(5)))), "f >= 5");
        assert_eq!(esql(&t(FieldType::Bool, false, TestOp::Eq(Scalar::Bool(true)))), "f == true");
        let contains = TestOp::Text { kind: TextKind::Contains, values: vec!["A\"".into()], all: false };
        assert_eq!(esql(&t(text.clone(), false, contains)), r#"LOCATE(TO_LOWER(f), "a\"") > 0"#);
        let ends = TestOp::Text { kind: TextKind::EndsWith, values: vec![".tmp".into()], all: false };
        assert_eq!(esql(&t(text.clone(), true, ends)), r#"ENDS_WITH(f, ".tmp")"#);
        let regex = TestOp::Regex { pattern: "adm".into(), case_insensitive: false };
        assert_eq!(esql(&t(text.clone(), false, regex)), r#"f RLIKE ".*adm.*""#);
        let cidr = TestOp::Cidr(vec!["10.0.0.0/8".parse().expect("cidr")]);
        assert_eq!(esql(&t(FieldType::Ip, false, cidr)), r#"CIDR_MATCH(f, "10.0.0.0/8")"#);
        let not = Cond::Not(Box::new(t(text, false, TestOp::Eq(s("x")))));
        assert_eq!(esql(&not), r#"NOT (f IS NOT NULL AND TO_LOWER(f) == "x")"#);
    }

    #[test]
    fn thresholds_count_per_key_and_bucket() {
        let cond = t(FieldType::Bool, false, TestOp::Eq(Scalar::Bool(false)));
        let threshold = Threshold { distinct: None, min: 21, window_ms: 60_000, group_by: vec!["device.id".into()] };
        let query =
            threshold_query("logs-ras.bio-*", &cond, &threshold, "@timestamp", &|f| f.to_string(), &mut Vec::new());
        assert_eq!(
            query,
            "FROM logs-ras.bio-*\n| WHERE (f == false) AND device.id IS NOT NULL\n| STATS scalpel_count = COUNT(*) BY device.id, scalpel_window = BUCKET(@timestamp, 1 minute)\n| WHERE scalpel_count >= 21"
        );
        assert_eq!(time_span(90_000), "90 seconds");
        assert_eq!(time_span(1_500), "1500 milliseconds");
        assert_eq!(time_span(7_200_000), "2 hours");
    }
}
