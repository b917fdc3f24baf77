//! A small SPL interpreter for the single-step queries Scalpel emits, written from
//! Splunk's documentation (Search Reference: `search`, `where`, evaluation
//! functions; Search Manual: "Boolean expressions"), not from our emitter.
//!
//! A query is `<search terms>` followed by `| where <eval expression>` stages
//! ([`search`], [`eval`]); anything else (a leading generating command, other
//! commands, bare keywords, unknown functions) is an [`Unsupported`] error, never
//! a silent guess.
//!
//! Events are seen as Splunk sees JSON: every value is a string (`true`/`false`
//! for booleans, numbers as written), nested objects become dotted names, and the
//! event carries Splunk's default fields ("About default fields", Getting Data In
//! manual): `index` and `sourcetype` from its HEC envelope, `host`, `source`,
//! `_raw` (the JSON text) and the others, which hide the event's own keys of those
//! names. `spath(_raw, path)` reads the JSON itself.

pub mod eval;
pub mod pcre;
pub mod pipeline;
pub mod search;

use serde_json::Value;
use std::collections::BTreeMap;
use std::net::IpAddr;

/// Something the interpreter does not implement: the test must fail on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsupported(pub String);

pub type Result<T> = std::result::Result<T, Unsupported>;

pub fn unsupported<T>(what: impl Into<String>) -> Result<T> {
    Err(Unsupported(what.into()))
}

/// How `search` folds case. Splunk documents case-insensitive field values but
/// not how non-ASCII letters fold; `Ascii` is what our docs claim (W0507).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Folding {
    Ascii,
    Unicode,
}

impl Folding {
    pub fn lower(self, s: &str) -> String {
        match self {
            Folding::Ascii => s.to_ascii_lowercase(),
            Folding::Unicode => s.to_lowercase(),
        }
    }
}

/// An event's fields, as strings.
#[derive(Debug, Clone, Default)]
pub struct Event {
    pub fields: BTreeMap<String, String>,
}

impl Event {
    /// A JSON event in `index` with `sourcetype`; arrays and nulls are refused
    /// (Splunk would name them `f{}` or drop them, and we never generate them).
    pub fn from_json(event: &Value, index: &str, sourcetype: &str) -> Result<Event> {
        let mut fields = BTreeMap::new();
        flatten("", event, &mut fields)?;
        // Splunk's own fields win over the event's keys of the same name, and
        // internal (`_…`) keys are never search-time fields.
        fields.retain(|name, _| !splunk_owns(name));
        let raw = serde_json::to_string(event).map_err(|e| Unsupported(e.to_string()))?;
        for (name, value) in SPLUNK_DEFAULTS.iter().copied().chain([("index", index), ("sourcetype", sourcetype)]) {
            fields.insert(name.to_string(), value.to_string());
        }
        fields.insert("_raw".to_string(), raw);
        Ok(Event { fields })
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.fields.get(field).map(String::as_str)
    }
}

/// The default fields Splunk gives a test event sent over HEC, with plausible values
/// (`index`, `sourcetype` and `_raw` are added per event).
const SPLUNK_DEFAULTS: &[(&str, &str)] = &[
    ("host", "hec.example"),
    ("source", "http:scalpel"),
    ("splunk_server", "idx-1"),
    ("linecount", "1"),
    ("punct", "{\"\":\"\"}"),
    ("timestartpos", "0"),
    ("timeendpos", "0"),
    ("timestamp", "none"),
    ("_time", "0"),
    ("_indextime", "0"),
    ("date_hour", "0"),
    ("date_mday", "1"),
    ("date_minute", "0"),
    ("date_month", "january"),
    ("date_second", "0"),
    ("date_wday", "thursday"),
    ("date_year", "1970"),
    ("date_zone", "0"),
];

/// Whether Splunk, not the event, decides a field of this name: its default and
/// datetime fields, `eventtype` and `tag` (from its own configuration), internal names.
fn splunk_owns(name: &str) -> bool {
    let fixed = ["index", "sourcetype", "splunk_server_group", "eventtype", "tag"];
    SPLUNK_DEFAULTS.iter().any(|(n, _)| *n == name)
        || fixed.contains(&name)
        || name.starts_with('_')
        || name.starts_with("date_")
        || name.starts_with("tag::")
}

/// `spath(json, path)`: the value at a dotted path of a JSON text as Splunk's
/// field text, `None` when absent, null, an array or an object.
pub fn spath(json: &str, path: &str) -> Result<Option<String>> {
    let value: Value = serde_json::from_str(json).map_err(|e| Unsupported(format!("spath on non-JSON: {e}")))?;
    let mut at = &value;
    for segment in path.split('.') {
        match at.get(segment) {
            Some(next) => at = next,
            None => return Ok(None),
        }
    }
    Ok(match at {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    })
}

fn flatten(prefix: &str, value: &Value, out: &mut BTreeMap<String, String>) -> Result<()> {
    let text = match value {
        Value::Object(object) => {
            for (k, v) in object {
                let name = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                flatten(&name, v, out)?;
            }
            return Ok(());
        }
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null | Value::Array(_) => return unsupported(format!("event value {value} at `{prefix}`")),
    };
    if out.insert(prefix.to_string(), text).is_some() {
        return unsupported(format!("field `{prefix}` given twice (flat and nested)"));
    }
    Ok(())
}

/// A parsed query: the `search` terms and the `where` stages after them.
#[derive(Debug, Clone)]
pub struct Query {
    search: search::Expr,
    wheres: Vec<eval::Expr>,
}

/// Parses a whole query, so an unsupported stage fails even when an earlier stage
/// would have dropped the event.
pub fn parse(query: &str) -> Result<Query> {
    let stages = split_pipeline(query)?;
    let (first, rest) = stages.split_first().ok_or_else(|| Unsupported("empty query".into()))?;
    if first.trim().is_empty() {
        return unsupported(format!("generating command: {query}"));
    }
    let wheres = rest
        .iter()
        .map(|stage| match stage.trim_start().strip_prefix("where ") {
            Some(expr) => eval::parse(expr),
            None => unsupported(format!("command `{}`", stage.trim())),
        })
        .collect::<Result<_>>()?;
    Ok(Query { search: search::parse(first)?, wheres })
}

impl Query {
    /// Whether the event survives every stage.
    pub fn keeps(&self, event: &Event, folding: Folding) -> Result<bool> {
        if !search::matches(&self.search, event, folding)? {
            return Ok(false);
        }
        for expr in &self.wheres {
            if !eval::truthy(&eval::evaluate(expr, event)?) {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

/// Splits at `|` outside double- and single-quoted text.
fn split_pipeline(query: &str) -> Result<Vec<&str>> {
    let mut stages = Vec::new();
    let (mut start, mut quote, mut escaped) = (0, None, false);
    for (i, c) in query.char_indices() {
        match (quote, c) {
            (Some(_), _) if escaped => escaped = false,
            (Some('"'), '\\') => escaped = true,
            (Some(q), c) if c == q => quote = None,
            (None, '"' | '\'') => quote = Some(c),
            (None, '|') => {
                stages.push(&query[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if quote.is_some() {
        return unsupported(format!("unterminated quote in {query}"));
    }
    stages.push(&query[start..]);
    Ok(stages)
}

/// Reads a double-quoted literal at the start of `text` (`\"` and `\\` escape;
/// any other backslash is refused): the value and the rest of the text.
pub fn read_quoted(text: &str) -> Result<(String, &str)> {
    let mut chars = text.char_indices();
    if chars.next().map(|(_, c)| c) != Some('"') {
        return unsupported(format!("expected a quoted string at {text}"));
    }
    let mut out = String::new();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some((_, e @ ('"' | '\\'))) => out.push(e),
                other => return unsupported(format!("escape \\{:?} in {text}", other.map(|(_, c)| c))),
            },
            '"' => return Ok((out, &text[i + 1..])),
            c => out.push(c),
        }
    }
    unsupported(format!("unterminated string {text}"))
}

/// A number as Splunk reads a field value: decimal text, optional sign and exponent.
pub fn number(text: &str) -> Option<f64> {
    let plain = text.chars().all(|c| c.is_ascii_digit() || "+-.eE".contains(c));
    (plain && text.chars().any(|c| c.is_ascii_digit())).then(|| text.parse().ok()).flatten()
}

/// Whether `ip` is inside `block` (`a.b.c.d/n` or an IPv6 block); `None` when
/// `block` is not CIDR notation.
pub fn cidr_contains(block: &str, ip: &str) -> Option<bool> {
    let (net, bits) = block.split_once('/')?;
    let (net, bits): (IpAddr, u32) = (net.parse().ok()?, bits.parse().ok()?);
    let Ok(ip) = ip.parse::<IpAddr>() else { return Some(false) };
    let (net, ip, width) = match (net, ip) {
        (IpAddr::V4(n), IpAddr::V4(i)) => (u128::from(u32::from(n)), u128::from(u32::from(i)), 32),
        (IpAddr::V6(n), IpAddr::V6(i)) => (u128::from(n), u128::from(i), 128),
        _ => return Some(false),
    };
    if bits > width {
        return None;
    }
    let shift = width - bits;
    Some(shift == width || (net >> shift) == (ip >> shift))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn events_are_strings_with_dotted_names() {
        let e = Event::from_json(&json!({"a": {"b": 1.5}, "ok": true, "n": 7}), "ras", "ras:x").expect("event");
        assert_eq!(e.get("a.b"), Some("1.5"));
        assert_eq!(e.get("ok"), Some("true"));
        assert_eq!(e.get("sourcetype"), Some("ras:x"));
        let shadowed = Event::from_json(&json!({"host": "h1", "_time": 5, "tag": "t"}), "ras", "ras:x").expect("event");
        assert_eq!(shadowed.get("host"), Some("hec.example"), "Splunk's host, not the event's");
        assert_eq!(shadowed.get("tag"), None);
        let raw = shadowed.get("_raw").expect("_raw");
        assert_eq!(spath(raw, "host"), Ok(Some("h1".to_string())));
        assert_eq!(spath(raw, "_time"), Ok(Some("5".to_string())));
        assert_eq!(spath(raw, "gone"), Ok(None));
        assert!(Event::from_json(&json!({"a": [1]}), "i", "s").is_err());
        assert!(Event::from_json(&json!({"a.b": 1, "a": {"b": 2}}), "i", "s").is_err());
    }

    #[test]
    fn pipes_inside_quotes_do_not_split() {
        assert_eq!(split_pipeline(r#"f="a|b" | where match('g', "x\"|y")"#).expect("split").len(), 2);
        assert!(parse("| multisearch [search x=1]").is_err());
        assert!(parse("x=1 | stats count").is_err(), "unsupported even though x=1 drops every event here");
    }

    #[test]
    fn quoted_strings_and_cidr() {
        assert_eq!(read_quoted(r#""a\"b\\c" rest"#), Ok((r#"a"b\c"#.to_string(), " rest")));
        assert!(read_quoted(r#""a\nb""#).is_err());
        assert_eq!(cidr_contains("10.0.0.0/8", "10.200.1.1"), Some(true));
        assert_eq!(cidr_contains("10.0.0.0/8", "11.0.0.1"), Some(false));
        assert_eq!(cidr_contains("fd00::/8", "fd12::1"), Some(true));
        assert_eq!(cidr_contains("0.0.0.0/0", "fd12::1"), Some(false));
        assert_eq!(cidr_contains("10.0.0.0", "10.0.0.0"), None);
        assert_eq!(number("-2.5e1"), Some(-25.0));
        assert_eq!(number("inf"), None);
    }
}
