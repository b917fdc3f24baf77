//! Candidate values for one field, given the literals a case puts on it.
//!
//! The order is the point: values built from the literals' own constants come
//! first, so the first candidate that satisfies every literal is a boundary value
//! for a positive (`> 220` → 221) and a near miss for a flipped literal (`> 220` →
//! 220, `== "ward-7"` → `"ward-"`, `in cidr 10.0.0.0/8` → `9.255.255.255`). The
//! solver checks each candidate with `ir::eval`, so a candidate may be wrong; a
//! missing one only costs a case.

use super::dnf::Literal;
use super::numbers;
use super::regex_sample::{self, Beyond};
use crate::ir::{time, Scalar, TestOp, TextKind};
use crate::schema::{Field, FieldType};
use ipnet::IpNet;
use serde_json::{json, Value};
use std::collections::HashSet;
use std::net::IpAddr;

/// Whether text constants are tried as written or in another case first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Plain,
    /// Case variants first, to prove case-insensitive matching.
    CaseVariant,
}

/// The values to try for one field, and why a wanted value could not be built.
pub struct Candidates {
    pub values: Vec<Value>,
    /// Set when a literal needs a value past a documented bound (a regex's
    /// repetitions): the search is then incomplete.
    pub beyond: Option<Beyond>,
}

/// Candidates for `field` under `lits`, ending with `filler`; all valid for the field.
pub fn candidates(field: &Field, lits: &[&Literal], style: Style, filler: Value, base_ms: i64) -> Candidates {
    let mut beyond = None;
    let mut out = match &field.ty {
        FieldType::String => text(lits, style, &mut beyond).into_iter().map(Value::String).collect(),
        FieldType::Enum(values) => enum_values(lits, values),
        FieldType::Int | FieldType::Float => numbers::candidates(field, lits),
        FieldType::Bool => bools(lits),
        FieldType::Ip => ips(lits).into_iter().map(|ip| json!(ip.to_string())).collect(),
        FieldType::Timestamp => vec![json!(time::format_rfc3339(base_ms))],
    };
    out.push(filler);
    if field.ty == FieldType::Ip {
        // An address of each family (documentation ranges), after the filler: for
        // literals that exclude every address the constants lead to.
        out.extend(["192.0.2.1", "2001:db8::1"].map(Value::from));
    }
    // `Value` has no `Hash`; its JSON text is the same key (and linear, where
    // `contains` on a list made deduplication quadratic).
    let mut seen: HashSet<String> = HashSet::with_capacity(out.len());
    out.retain(|v| seen.insert(v.to_string()));
    Candidates { values: out, beyond }
}

fn text(lits: &[&Literal], style: Style, beyond: &mut Option<Beyond>) -> Vec<String> {
    let mut wanted: Vec<String> = Vec::new();
    let (mut prefix, mut middle, mut suffix) = (String::new(), String::new(), String::new());
    let mut regex_samples: Vec<String> = Vec::new();
    let mut constants: Vec<String> = Vec::new();
    for lit in lits {
        match &lit.test.op {
            TestOp::Eq(Scalar::Str(s)) => constants.push(s.clone()),
            TestOp::OneOf(values) => constants.extend(values.iter().filter_map(scalar_text)),
            TestOp::Text { kind, values, all } => {
                constants.extend(values.iter().cloned());
                if lit.positive {
                    let pieces: &[String] = if *all { values } else { &values[..1] };
                    for piece in pieces {
                        match kind {
                            TextKind::StartsWith if piece.len() > prefix.len() => prefix = piece.clone(),
                            TextKind::EndsWith if piece.len() > suffix.len() => suffix = piece.clone(),
                            TextKind::Contains if !middle.contains(piece.as_str()) => middle.push_str(piece),
                            _ => {}
                        }
                    }
                }
            }
            TestOp::Regex { pattern, case_insensitive } => match regex_sample::samples(pattern, *case_insensitive, 3) {
                Ok(samples) => regex_samples.extend(samples),
                Err(why) => *beyond = Some(why),
            },
            _ => {}
        }
    }
    // Positive equalities first, then the substring tests put together.
    for lit in lits.iter().filter(|l| l.positive) {
        match &lit.test.op {
            TestOp::Eq(Scalar::Str(s)) => wanted.push(s.clone()),
            TestOp::OneOf(values) => wanted.extend(values.iter().filter_map(scalar_text)),
            _ => {}
        }
    }
    // Text around the pieces first, so that a positive for `contains` is not also a
    // positive for `==` (a target that mistranslates one as the other fails).
    let lead = if prefix.is_empty() { "ras-" } else { "" };
    let trail = if suffix.is_empty() { "-01" } else { "" };
    if !(prefix.is_empty() && middle.is_empty() && suffix.is_empty()) {
        wanted.push(format!("{prefix}{lead}{middle}{trail}{suffix}"));
        wanted.push(format!("{prefix}{middle}{suffix}"));
    }
    for sample in &regex_samples {
        wanted.push(format!("{lead}{sample}{trail}"));
        wanted.push(sample.clone());
        wanted.push(format!("{prefix}{middle}{sample}{suffix}"));
        wanted.push(format!("{sample}{middle}{suffix}"));
        wanted.push(format!("{prefix}{middle}{sample}"));
    }
    wanted.extend(constants.iter().cloned());
    let mut out = Vec::new();
    if style == Style::CaseVariant {
        out.extend(wanted.iter().flat_map(|w| case_variants(w)));
    }
    out.extend(wanted.iter().cloned());
    for c in constants.iter().chain(&regex_samples) {
        out.extend(case_variants(c));
        out.extend(near(c));
    }
    out
}

fn scalar_text(s: &Scalar) -> Option<String> {
    match s {
        Scalar::Str(v) | Scalar::Enum(v) => Some(v.clone()),
        _ => None,
    }
}

/// The same text in other cases (only those that differ).
pub fn case_variants(text: &str) -> Vec<String> {
    let swapped: String = text
        .chars()
        .flat_map(|c| if c.is_lowercase() { c.to_uppercase().collect::<Vec<_>>() } else { c.to_lowercase().collect() })
        .collect();
    [swapped, text.to_uppercase(), text.to_lowercase()].into_iter().filter(|v| v != text).collect()
}

/// Texts one edit away: shortened, lengthened at either end, split in the middle.
fn near(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    if chars.len() > 1 {
        out.push(chars[..chars.len() - 1].iter().collect());
        out.push(chars[1..].iter().collect());
        let mid = chars.len() / 2;
        out.push(format!("{}_{}", chars[..mid].iter().collect::<String>(), chars[mid..].iter().collect::<String>()));
    }
    out.push(format!("x{text}"));
    out.push(format!("{text}x"));
    out
}

fn enum_values(lits: &[&Literal], domain: &[String]) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    for lit in lits.iter().filter(|l| l.positive) {
        match &lit.test.op {
            TestOp::Eq(s) => out.extend(scalar_text(s).map(Value::String)),
            TestOp::OneOf(values) => out.extend(values.iter().filter_map(scalar_text).map(Value::String)),
            _ => {}
        }
    }
    out.extend(domain.iter().map(|v| json!(v)));
    out
}

fn bools(lits: &[&Literal]) -> Vec<Value> {
    let first = lits.iter().find_map(|l| match &l.test.op {
        TestOp::Eq(Scalar::Bool(b)) => Some(*b),
        _ => None,
    });
    let b = first.unwrap_or(true);
    vec![json!(b), json!(!b)]
}

/// Addresses at and around the constants: each address and its neighbours; for
/// each block, an address inside at either end, the neighbours just outside, and its
/// network address. With an address of each family, this is complete for a
/// conjunction of address literals (see [`super::proof`]).
fn ips(lits: &[&Literal]) -> Vec<IpAddr> {
    let mut out = Vec::new();
    for lit in lits {
        match &lit.test.op {
            TestOp::Eq(Scalar::Ip(ip)) => {
                out.extend([Some(*ip), offset(*ip, 1), offset(*ip, -1)].into_iter().flatten())
            }
            TestOp::OneOf(values) => {
                for v in values {
                    if let Scalar::Ip(ip) = v {
                        out.extend([Some(*ip), offset(*ip, 1), offset(*ip, -1)].into_iter().flatten());
                    }
                }
            }
            TestOp::Cidr(blocks) => {
                for block in blocks {
                    out.extend(block_edges(block));
                }
            }
            _ => {}
        }
    }
    out
}

fn block_edges(block: &IpNet) -> Vec<IpAddr> {
    let (first, last) = (block.network(), block.broadcast());
    let inside_first = if first == last { Some(first) } else { offset(first, 1) };
    [inside_first, Some(last), offset(first, -1), offset(last, 1), Some(first)].into_iter().flatten().collect()
}

fn offset(ip: IpAddr, delta: i8) -> Option<IpAddr> {
    match ip {
        IpAddr::V4(v4) => {
            let n = u32::from(v4);
            let n = if delta >= 0 { n.checked_add(delta as u32)? } else { n.checked_sub(delta.unsigned_abs() as u32)? };
            Some(IpAddr::V4(n.into()))
        }
        IpAddr::V6(v6) => {
            let n = u128::from(v6);
            let n =
                if delta >= 0 { n.checked_add(delta as u128)? } else { n.checked_sub(delta.unsigned_abs() as u128)? };
            Some(IpAddr::V6(n.into()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_edges_lie_inside_then_just_outside() {
        let block: IpNet = "10.0.0.0/8".parse().unwrap();
        let edges: Vec<String> = block_edges(&block).iter().map(|ip| ip.to_string()).collect();
        assert_eq!(edges, ["10.0.0.1", "10.255.255.255", "9.255.255.255", "11.0.0.0", "10.0.0.0"]);
        let host: IpNet = "fd00::1/128".parse().unwrap();
        assert_eq!(block_edges(&host).len(), 5);
        assert_eq!(offset("0.0.0.0".parse().unwrap(), -1), None);
    }

    #[test]
    fn case_variants_differ_from_the_text() {
        assert_eq!(case_variants("Ward-7"), ["wARD-7", "WARD-7", "ward-7"]);
    }
}
