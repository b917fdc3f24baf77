//! Tests and literals as `.det` text, for the labels of generated cases.

use super::dnf::Literal;
use crate::ir::{Scalar, Test, TestOp, TextKind};

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

pub fn literal(lit: &Literal) -> String {
    if lit.positive {
        test(&lit.test)
    } else if lit.test.op == TestOp::Exists {
        format!("{} missing", lit.test.field)
    } else {
        format!("not {}", test(&lit.test))
    }
}

pub fn term(lits: &[Literal]) -> String {
    lits.iter().map(literal).collect::<Vec<_>>().join(" and ")
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
