//! Realistic values for the fields a case does not constrain, per schema field:
//! the declared type, range and enum values, and a shape guessed from the name
//! (`*.name` of a user or a host, `*.id`, hashes, paths, ports, ...).
//!
//! Invariant: every value is valid for its field (type, range, enum); variety comes
//! only from the seeded [`Rng`]. Numbers come from the field's declared `typical`
//! span when it has one (inside its range), so that vital signs look like a
//! patient's; `order` relations between fields are kept afterwards, per event
//! ([`super::relations`]).

use super::rng::Rng;
use crate::ir::time;
use crate::schema::{Field, FieldType};
use serde_json::{json, Value};

const USERS: &[&str] = &["dr.kim", "n.okafor", "a.martin", "j.silva", "svc-backup", "m.haddad"];
const HOSTS: &[&str] = &["or-console-02", "vitals-st-14", "robot-arm-01", "ehr-app-03", "nurse-ws-07"];
const PROCESSES: &[&str] = &["robotd", "python3", "java", "svchost.exe", "sshd"];

/// A valid value for `field`; `base_ms` is the scenario's start (for timestamps).
pub fn value(field: &Field, rng: &mut Rng, base_ms: i64) -> Value {
    match &field.ty {
        FieldType::String => json!(text(&field.name, rng)),
        FieldType::Int => {
            let (lo, hi) = match field.typical {
                Some((lo, hi)) => (lo.ceil() as i64, hi.floor() as i64),
                None => int_range(field),
            };
            json!(rng.int_in(lo, hi))
        }
        FieldType::Float => {
            let (lo, hi) = field.typical.or(field.range).unwrap_or((0.0, 100.0));
            let steps = ((hi - lo) * 100.0).clamp(0.0, 1e12) as i64;
            json!(round(lo + rng.int_in(0, steps) as f64 / 100.0, 2).clamp(lo, hi))
        }
        FieldType::Bool => json!(rng.below(2) == 0),
        FieldType::Ip => json!(format!("10.{}.{}.{}", rng.int_in(20, 60), rng.int_in(0, 255), rng.int_in(2, 254))),
        FieldType::Timestamp => json!(time::format_rfc3339(base_ms)),
        FieldType::Enum(values) => json!(rng.pick(values)),
    }
}

/// The integer bounds of filler for a field: its declared range, else a plausible
/// default (filler only: candidates span the whole domain, see `numbers`).
fn int_range(field: &Field) -> (i64, i64) {
    match field.range {
        Some((lo, hi)) => (lo.ceil() as i64, hi.floor() as i64),
        None if field.name.ends_with("port") => (1024, 65_535),
        None => (1, 1000),
    }
}

/// Rounds to `digits` decimals, so that printed values stay short.
pub fn round(value: f64, digits: i32) -> f64 {
    let scale = 10f64.powi(digits);
    (value * scale).round() / scale
}

fn hex(rng: &mut Rng, len: usize) -> String {
    (0..len).map(|_| char::from(b"0123456789abcdef"[rng.below(16) as usize])).collect()
}

fn text(name: &str, rng: &mut Rng) -> String {
    let last = name.rsplit('.').next().unwrap_or(name);
    let owner = name.rsplit('.').nth(1).unwrap_or(last);
    let has = |part: &str| name.split(['.', '_']).any(|p| p == part);
    match last {
        "name" if has("host") || has("observer") || has("device") => rng.pick(HOSTS).to_string(),
        "name" if has("process") => rng.pick(PROCESSES).to_string(),
        "name" if has("file") => format!("report-{}.pdf", hex(rng, 4)),
        "name" => rng.pick(USERS).to_string(),
        "sha256" | "hash" | "digest" => hex(rng, 64),
        "md5" => hex(rng, 32),
        "path" | "executable" => format!("/opt/ras/lib/{}.so", hex(rng, 6)),
        "url" | "uri" => format!("https://portal.vendor.example/api/v2/{}", hex(rng, 8)),
        "mac" => format!("02:1a:{}:{}:{}:{}", hex(rng, 2), hex(rng, 2), hex(rng, 2), hex(rng, 2)),
        "version" => format!("4.{}.{}", rng.int_in(0, 9), rng.int_in(0, 20)),
        "domain" => "hospital.example".to_string(),
        "command_line" | "args" => format!("{} --mode clinical", rng.pick(PROCESSES)),
        _ if name.contains("email") || last == "address" => format!("{}@hospital.example", rng.pick(USERS)),
        _ => format!("{owner}-{}", hex(rng, 6)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(name: &str, ty: FieldType, range: Option<(f64, f64)>) -> Field {
        Field { name: name.into(), ty, unit: None, range, typical: None, description: None, span: Default::default() }
    }

    #[test]
    fn values_respect_type_range_and_enum() {
        let mut rng = Rng::for_item(1, "f");
        for _ in 0..200 {
            let v = value(&field("hr", FieldType::Int, Some((0.0, 350.0))), &mut rng, 0);
            assert!((0..=350).contains(&v.as_i64().unwrap()));
            let v = value(&field("spo2", FieldType::Float, Some((70.5, 100.0))), &mut rng, 0);
            assert!((70.5..=100.0).contains(&v.as_f64().unwrap()), "{v}");
            let v = value(&field("k", FieldType::Enum(vec!["a".into(), "b".into()]), None), &mut rng, 0);
            assert!(v == "a" || v == "b");
        }
        assert_eq!(
            value(&field("user.name", FieldType::String, None), &mut Rng::for_item(2, "f"), 0)
                .as_str()
                .map(|s| s.contains('.') || s.contains('-')),
            Some(true)
        );
    }
}
