//! The IR as `.det` text: tests and whole conditions, as an author would write
//! them, for labels of generated events and for reports. Conditions print with the
//! fewest parentheses that keep their meaning (`not` binds tighter than `and`,
//! `and` tighter than `or`); `not f == v` prints as `f != v`.

use super::{Cond, Scalar, Test, TestOp, TextKind};

pub fn test(t: &Test) -> String {
    let cased = if t.cased { "cased " } else { "" };
    let f = &t.field;
    match &t.op {
        TestOp::Eq(s) => format!("{f} {cased}== {}", scalar(s)),
        TestOp::OneOf(values) => {
            format!("{f} {cased}in [{}]", values.iter().map(scalar).collect::<Vec<_>>().join(", "))
        }
        TestOp::Cmp(ord, n) => format!("{f} {} {}", ord.as_str(), serde_json::to_string(n).unwrap_or_default()),
        TestOp::Text { kind, values, all } => {
            let op = match kind {
                TextKind::Contains => "contains",
                TextKind::StartsWith => "startswith",
                TextKind::EndsWith => "endswith",
            };
            let quoted: Vec<String> = values.iter().map(|v| quote(v)).collect();
            match (values.len(), all) {
                (1, _) => format!("{f} {cased}{op} {}", quoted[0]),
                (_, true) => format!("{f} {cased}{op} all [{}]", quoted.join(", ")),
                (_, false) => format!("{f} {cased}{op} [{}]", quoted.join(", ")),
            }
        }
        TestOp::Regex { pattern, case_insensitive } => {
            format!("{f} matches /{pattern}/{}", if *case_insensitive { "i" } else { "" })
        }
        TestOp::Cidr(blocks) => {
            let quoted: Vec<String> = blocks.iter().map(|b| quote(&b.to_string())).collect();
            if quoted.len() == 1 {
                format!("{f} in cidr {}", quoted[0])
            } else {
                format!("{f} in cidr [{}]", quoted.join(", "))
            }
        }
        TestOp::Exists => format!("{f} exists"),
    }
}

/// A condition; the inverse of parsing up to normalisation (`and`/`or` flattened).
pub fn cond(c: &Cond) -> String {
    match c {
        Cond::Test(t) => test(t),
        Cond::Not(inner) => match inner.as_ref() {
            Cond::Test(t) => negated_test(t),
            other => format!("not ({})", cond(other)),
        },
        Cond::All(parts) => parts.iter().map(|p| operand(p, true)).collect::<Vec<_>>().join(" and "),
        Cond::Any(parts) => parts.iter().map(|p| operand(p, false)).collect::<Vec<_>>().join(" or "),
    }
}

/// A part of an `and` (`in_and`) or `or`: an `or` inside an `and` needs parentheses.
fn operand(c: &Cond, in_and: bool) -> String {
    match c {
        Cond::Any(_) if in_and => format!("({})", cond(c)),
        _ => cond(c),
    }
}

/// `not` of one test, with the operator's own negative form where it has one.
fn negated_test(t: &Test) -> String {
    let cased = if t.cased { "cased " } else { "" };
    let f = &t.field;
    match &t.op {
        TestOp::Eq(s) => format!("{f} {cased}!= {}", scalar(s)),
        TestOp::OneOf(values) => {
            format!("{f} {cased}not in [{}]", values.iter().map(scalar).collect::<Vec<_>>().join(", "))
        }
        TestOp::Cidr(_) => test(t).replacen(" in cidr ", " not in cidr ", 1),
        _ => format!("not {}", test(t)),
    }
}

fn scalar(s: &Scalar) -> String {
    match s {
        Scalar::Str(v) => quote(v),
        Scalar::Enum(v) => v.clone(),
        Scalar::Int(i) => i.to_string(),
        Scalar::Float(f) => serde_json::to_string(f).unwrap_or_default(),
        Scalar::Bool(b) => b.to_string(),
        Scalar::Ip(ip) => ip.to_string(),
    }
}

fn quote(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_default()
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
        assert_eq!(cond(&Cond::All(vec![either.clone(), ne.clone()])), "(hr > 250 or kind == ecg) and ok != true");
        assert_eq!(cond(&Cond::Any(vec![Cond::All(vec![gt, eq]), ne])), "hr > 250 and kind == ecg or ok != true");
        assert_eq!(cond(&Cond::Not(Box::new(either))), "not (hr > 250 or kind == ecg)");
    }
}
