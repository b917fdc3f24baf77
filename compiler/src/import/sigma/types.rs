//! Field types of the imported schemas, from how the rules use each field.
//!
//! Sigma is untyped; Scalpel's comparisons are typed. A field is `int` when every
//! imported rule of its logsource compares it with whole numbers (YAML numbers or
//! digit strings, with no string modifier) and at least one with a YAML number, as
//! `EventID: 4688`; `ip` when some rule uses `cidr` on it and every other use is an
//! IP address; `bool` when every use is `true`/`false`; `int`/`float` under the
//! numeric modifiers; otherwise `string`. Null and `exists` tests say nothing.

use super::rule::FieldTest;
use serde_norway::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    String,
    Int,
    Float,
    Bool,
    Ip,
}

impl FieldType {
    pub fn as_str(self) -> &'static str {
        match self {
            FieldType::String => "string",
            FieldType::Int => "int",
            FieldType::Float => "float",
            FieldType::Bool => "bool",
            FieldType::Ip => "ip",
        }
    }
}

/// What one test says about its field.
#[derive(Debug, Default, Clone, Copy)]
pub struct Usage {
    pub yaml_number: bool,
    pub whole_numbers: bool,
    pub float: bool,
    pub cidr: bool,
    pub ip_values: bool,
    pub bools: bool,
    pub text: bool,
    pub compare: bool,
}

pub fn usage(test: &FieldTest) -> Usage {
    let mods = &test.modifiers;
    let has = |m: &str| mods.iter().any(|x| x == m);
    let values: Vec<&Value> = test.values.iter().filter(|v| !v.is_null()).collect();
    let mut u = Usage::default();
    if values.is_empty() || has("exists") {
        return u;
    }
    if ["gt", "gte", "lt", "lte"].iter().any(|m| has(m)) {
        u.compare = true;
        u.float = values.iter().any(|v| v.as_f64().is_some() && v.as_i64().is_none());
        return u;
    }
    if has("cidr") {
        u.cidr = true;
        return u;
    }
    let plain = mods.iter().all(|m| m == "all" || m == "cased");
    let text = |v: &Value| super::rule::scalar_text(v).unwrap_or_default();
    u.yaml_number = plain && values.iter().any(|v| v.is_i64() || v.is_u64());
    u.whole_numbers = plain && values.iter().all(|v| text(v).parse::<i64>().is_ok() && !v.is_bool());
    u.bools = plain && values.iter().all(|v| v.is_bool());
    u.ip_values = plain && values.iter().all(|v| text(v).parse::<std::net::IpAddr>().is_ok());
    u.text = true;
    u
}

/// The type of a field from all its uses.
pub fn infer(uses: &[Usage]) -> FieldType {
    let real: Vec<&Usage> = uses.iter().filter(|u| u.text || u.cidr || u.compare).collect();
    if real.is_empty() {
        return FieldType::String;
    }
    if real.iter().all(|u| u.compare || (u.text && u.whole_numbers)) && real.iter().any(|u| u.compare || u.yaml_number)
    {
        return if real.iter().any(|u| u.float) { FieldType::Float } else { FieldType::Int };
    }
    if real.iter().any(|u| u.cidr) && real.iter().all(|u| u.cidr || (u.text && u.ip_values)) {
        return FieldType::Ip;
    }
    if real.iter().all(|u| u.text && u.bools) {
        return FieldType::Bool;
    }
    FieldType::String
}
